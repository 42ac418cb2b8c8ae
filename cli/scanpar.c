/*
 * scanpar.c - a log file's lines parsed by worker threads, in file order
 *
 * Functions: scanpar_fd, scanpar_line_len.
 *
 * relayhint scan must parse every line: any Postfix process's line can
 * take the pid slot that ties a relay-local trace to its queue id, so no
 * prefilter can skip one, and logline_parse was three quarters of a
 * scan.  Parsing is stateless per line; the tracking after it is not.
 * So the file is cut into blocks that worker threads parse, up to
 * nslots blocks ahead, and the calling thread hands each block's records
 * to the caller in file order.  A regular file is read by the workers
 * themselves (pread: block k is the block bytes at k times that
 * from the start, and its lines are those that start in it, which the
 * byte before it and up to linemax bytes after it tell; no block waits
 * for another); a pipe is read by the calling thread, each block cut
 * after its last newline and the unended rest carried to the next.  A
 * record is what the tracking needs of a line (pid, host, queue id,
 * kind), not the whole parse; a line the caller wants whole (a failure
 * to classify) is parsed again by the caller from the block, which
 * stays until its records are taken.  The lines are those of scan_fd:
 * each line, or its first linemax - 1 bytes when longer (the rest
 * skipped, across blocks), cut at a NUL.
 *
 * Bounds: nslots (workers + 2) blocks of block + linemax bytes and
 * their record arrays, whose size the caller's want decides: scan keeps
 * lines with a time stamp and a tag, 24 bytes at the least, so a block
 * of SCANPAR_BLOCK has at most 10,923 records of 168 bytes and an array
 * never grows past 16,384 (2.75 MB; a generated Postfix log needs about
 * 1,400 a block).  A worker that cannot grow its records leaves the rest
 * of its block to the calling thread, and threads that cannot
 * be started leave all of it there: slower, same records.  Workers
 * block signals: a signal interrupts the calling thread's read.
 */
#define _GNU_SOURCE		/* memrchr */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scanpar.h"
#include "text.h"

#define SCANPAR_RECS		256		/* first record array */

struct slot {
	char	*buf;
	unsigned long k;		/* pread: the block's number */
	const char *begin;		/* the first line's start */
	const char *range;		/* lines start before this */
	const char *end;		/* ... and end at the latest here */
	int	 endpiece;		/* a line that reaches end counts:
					 * end of file, a line cut at linemax */
	int	 eof;			/* pread: the file ends in this block */
	off_t	 endoff;		/* pread: ... at this offset */
	int	 parsed;		/* its records wait to be taken */
	struct scanpar_rec *rec;
	size_t	 nrec, reccap;
	unsigned long tail_skipped;	/* dropped after the last record */
	const char *rest;		/* not parsed: no room for records */
};

struct par {
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	struct slot *slots;
	size_t	 nslots;
	int	 fd;
	off_t	 base;			/* pread: the file offset of block 0,
					 * -1 when the calling thread reads */
	unsigned long filled;		/* read: blocks handed out */
	unsigned long next;		/* the next block a worker takes */
	unsigned long taken;		/* blocks whose records were taken */
	unsigned long last;		/* pread: blocks past the end: none */
	int	 quit;
	size_t	 block;			/* bytes a block */
	size_t	 linemax;
	scanpar_want want;
};

/*
 * scanpar_line_len - the part of a line that counts: its first linemax -
 * 1 bytes, up to a NUL (nul: the block holds one, so that a line is not
 * searched for a NUL that is not there); scan_fd cuts its lines so too
 */
size_t
scanpar_line_len(const char *p, size_t len, size_t linemax, int nul)
{
	const char *q;

	if (len > linemax - 1)
		len = linemax - 1;
	if (nul && (q = memchr(p, '\0', len)) != NULL)
		len = (size_t)(q - p);
	return (len);
}

/* rec_fill - r as the record of a parsed line */
static void
rec_fill(struct scanpar_rec *r, const struct logline *ll,
    enum logline_kind k, int whole)
{
	r->pid = ll->pid;
	r->kind = (unsigned char)k;
	r->mta = (unsigned char)ll->mta;
	r->xoauth2 = (unsigned char)(ll->xoauth2 != 0);
	r->whole = (unsigned char)whole;
	r->none = 0;
	text_copy(r->host, sizeof(r->host), ll->host, strlen(ll->host));
	text_copy(r->queue_id, sizeof(r->queue_id), ll->queue_id,
	    strlen(ll->queue_id));
}

/* slot_line - parse one line into sl's records; -1 no room */
static int
slot_line(struct par *pp, struct slot *sl, const char *p, size_t len,
    unsigned long *skipped)
{
	struct scanpar_rec *r;
	struct logline ll;
	enum logline_kind k;
	size_t	 ncap;
	int	 w;

	k = logline_parse(p, len, &ll);
	if ((w = pp->want(&ll, k)) == 0) {
		(*skipped)++;
		return (0);
	}
	if (sl->nrec == sl->reccap) {
		ncap = sl->reccap ? sl->reccap * 2 : SCANPAR_RECS;
		if ((r = realloc(sl->rec, ncap * sizeof(*r))) == NULL)
			return (-1);
		sl->rec = r;
		sl->reccap = ncap;
	}
	r = &sl->rec[sl->nrec++];
	r->line = p;
	r->len = len;
	r->skipped = *skipped;
	*skipped = 0;
	rec_fill(r, &ll, k, w == 2);
	return (0);
}

/*
 * slot_lines - the lines of a block that start from p on: each to fn;
 * stops where fn returns nonzero and returns that line's start, else NULL
 */
static const char *
slot_lines(struct par *pp, struct slot *sl, const char *p,
    int (*fn)(struct par *, struct slot *, const char *, size_t, void *),
    void *arg)
{
	const char *nl;
	int	 nul = memchr(p, '\0', (size_t)(sl->end - p)) != NULL;

	while (p < sl->range) {
		if ((nl = memchr(p, '\n', (size_t)(sl->end - p))) == NULL) {
			if (!sl->endpiece)
				break;
			nl = sl->end;
		}
		if (fn(pp, sl, p, scanpar_line_len(p, (size_t)(nl - p),
		    pp->linemax, nul), arg) != 0)
			return (p);
		if (nl == sl->end)
			break;
		p = nl + 1;
	}
	return (NULL);
}

/* parse_one - slot_lines' step in a worker */
static int
parse_one(struct par *pp, struct slot *sl, const char *p, size_t len,
    void *arg)
{
	return (slot_line(pp, sl, p, len, arg) < 0);
}

/*
 * slot_pread - block sl->k read by a worker: the byte before it (does a
 * line start here?), its block bytes and the linemax after them
 * that its last line may need.  Its lines are those that start in it.
 */
static void
slot_pread(struct par *pp, struct slot *sl)
{
	off_t	 off = pp->base + (off_t)(sl->k * pp->block);
	size_t	 want = pp->block + pp->linemax, have = 0, lead;
	const char *nl;
	ssize_t	 r;

	lead = off > pp->base ? 1 : 0;
	off -= (off_t)lead;
	want += lead;
	while (have < want) {
		r = pread(pp->fd, sl->buf + have, want - have,
		    off + (off_t)have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		have += (size_t)r;
	}
	sl->end = sl->buf + have;
	sl->begin = sl->buf + lead;
	sl->range = sl->begin + pp->block;
	sl->endoff = off + (off_t)have;
	/*
	 * The file ends in what was read: this block is the last and takes
	 * every line up to that end, as a serial read stops at the end it
	 * meets.  (A line a writer was still appending to counts as it
	 * stood, once; a later block must not take up its rest.)
	 */
	if ((sl->eof = have < want))
		sl->range = sl->end;
	sl->endpiece = 1;
	if (lead && sl->begin <= sl->end && sl->buf[0] != '\n') {
		/* the block starts inside a line of the block before */
		nl = memchr(sl->begin, '\n', (size_t)(sl->range - sl->begin));
		sl->begin = nl != NULL ? nl + 1 : sl->range;
	}
	if (sl->begin > sl->range)
		sl->begin = sl->range;
}

/* slot_parse - a filled block's records */
static void
slot_parse(struct par *pp, struct slot *sl)
{
	unsigned long skipped = 0;

	if (pp->base >= 0)
		slot_pread(pp, sl);
	sl->nrec = 0;
	sl->rest = slot_lines(pp, sl, sl->begin, parse_one, &skipped);
	sl->tail_skipped = skipped;
}

/* worker_may - a block is there for a worker to take (under the lock) */
static int
worker_may(const struct par *pp)
{
	if (pp->base < 0)
		return (pp->next < pp->filled);
	/* pread: up to nslots blocks ahead, until one ends the file */
	return (pp->next < pp->taken + pp->nslots && pp->next < pp->last);
}

/* worker - parse blocks as they come, until told to quit */
static void *
worker(void *arg)
{
	struct par *pp = arg;
	struct slot *sl;

	pthread_mutex_lock(&pp->mu);
	for (;;) {
		while (!pp->quit && !worker_may(pp))
			pthread_cond_wait(&pp->work, &pp->mu);
		if (pp->quit)
			break;
		sl = &pp->slots[pp->next % pp->nslots];
		sl->k = pp->next++;
		pthread_mutex_unlock(&pp->mu);
		slot_parse(pp, sl);
		pthread_mutex_lock(&pp->mu);
		if (pp->base >= 0 && sl->eof && sl->k + 1 < pp->last)
			pp->last = sl->k + 1;
		sl->parsed = 1;
		pthread_cond_signal(&pp->done);
	}
	pthread_mutex_unlock(&pp->mu);
	return (NULL);
}

struct rest_arg {
	scanpar_take take;
	void	*arg;
};

/* take_rest - a line the worker left: parsed here, handed over whole */
static int
take_rest(struct par *pp, struct slot *sl, const char *p, size_t len,
    void *arg)
{
	struct rest_arg *ra = arg;
	struct scanpar_rec r;
	struct logline ll;
	enum logline_kind k;

	(void)sl;
	k = logline_parse(p, len, &ll);
	if (pp->want(&ll, k) == 0) {
		memset(&r, 0, sizeof(r));
		r.skipped = 1;
		r.none = 1;
	} else {
		r.line = p;
		r.len = len;
		r.skipped = 0;
		rec_fill(&r, &ll, k, 1);
	}
	return (ra->take(ra->arg, &r));
}

/* slot_take - a parsed block's records to take, in order; -1 stopped */
static int
slot_take(struct par *pp, struct slot *sl, scanpar_take take, void *arg)
{
	struct scanpar_rec none;
	struct rest_arg ra;
	size_t	 i;

	for (i = 0; i < sl->nrec; i++)
		if (take(arg, &sl->rec[i]) != 0)
			return (-1);
	if (sl->tail_skipped > 0) {
		memset(&none, 0, sizeof(none));
		none.skipped = sl->tail_skipped;
		none.none = 1;
		if (take(arg, &none) != 0)
			return (-1);
	}
	ra.take = take;
	ra.arg = arg;
	if (sl->rest != NULL &&
	    slot_lines(pp, sl, sl->rest, take_rest, &ra) != NULL)
		return (-1);
	return (0);
}

/*
 * slot_fill - read the next block of a pipe into sl after the unended
 * line carried from the one before; 0 at its end with nothing to parse
 */
static int
slot_fill(struct par *pp, struct slot *sl, const char **tail,
    size_t *taillen, int *skip_next, int *eof, volatile sig_atomic_t *stop)
{
	const char *nl;
	size_t	 have = *taillen;
	ssize_t	 r;
	int	 skip = *skip_next;

	/* the carried line is in the block before, or in this one */
	if (have > 0)
		memmove(sl->buf, *tail, have);
	*taillen = 0;
	*skip_next = 0;
	while (have < pp->block) {
		if (*stop) {
			*eof = 1;
			break;
		}
		r = read(pp->fd, sl->buf + have, pp->block - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			*eof = 1;
			break;
		}
		have += (size_t)r;
	}
	if (have == 0)
		return (0);
	sl->begin = sl->buf;
	sl->range = sl->end = sl->buf + have;
	sl->endpiece = *eof;
	if (!*eof) {
		if ((nl = memrchr(sl->buf, '\n', have)) != NULL) {
			sl->range = sl->end = nl + 1;
			*tail = nl + 1;
			*taillen = have - (size_t)(sl->end - sl->buf);
		} else {
			/* one line fills the block: its start, skip the rest */
			sl->endpiece = 1;
			*skip_next = 1;
		}
	}
	if (skip) {
		/* the rest of a line cut at linemax */
		nl = memchr(sl->buf, '\n', have);
		sl->begin = nl != NULL ? nl + 1 : sl->range;
	}
	return (1);
}

/* par_free - the slots */
static void
par_free(struct par *pp)
{
	size_t	 i;

	for (i = 0; i < pp->nslots; i++) {
		free(pp->slots[i].buf);
		free(pp->slots[i].rec);
	}
	free(pp->slots);
}

/* par_read - the calling thread reads (a pipe), workers parse */
static int
par_read(struct par *pp, int nth, scanpar_take take, void *arg,
    volatile sig_atomic_t *stop)
{
	struct slot *sl;
	const char *tail = NULL;
	size_t	 taillen = 0;
	int	 eof = 0, skip_next = 0, rc = 0;

	for (;;) {
		while (!eof && pp->filled - pp->taken < pp->nslots) {
			sl = &pp->slots[pp->filled % pp->nslots];
			if (!slot_fill(pp, sl, &tail, &taillen,
			    &skip_next, &eof, stop))
				break;
			if (nth == 0) {
				/* no worker: parsed here */
				slot_parse(pp, sl);
				sl->parsed = 1;
				pp->filled++;
				break;
			}
			pthread_mutex_lock(&pp->mu);
			pp->filled++;
			pthread_cond_signal(&pp->work);
			pthread_mutex_unlock(&pp->mu);
		}
		if (pp->taken == pp->filled)
			break;
		sl = &pp->slots[pp->taken % pp->nslots];
		pthread_mutex_lock(&pp->mu);
		while (!sl->parsed)
			pthread_cond_wait(&pp->done, &pp->mu);
		pthread_mutex_unlock(&pp->mu);
		rc = slot_take(pp, sl, take, arg);
		sl->parsed = 0;
		pp->taken++;
		if (rc == 0 && *stop)
			rc = -1;
		if (rc < 0)
			break;
	}
	return (rc);
}

/*
 * par_pread - workers read (a file) and parse, in blocks of the file;
 * at its end the offset is left there, as a serial read leaves it
 */
static int
par_pread(struct par *pp, int nth, scanpar_take take, void *arg,
    volatile sig_atomic_t *stop)
{
	struct slot *sl;
	int	 rc = 0, eof;

	for (;;) {
		sl = &pp->slots[pp->taken % pp->nslots];
		if (nth == 0) {
			sl->k = pp->taken;
			slot_parse(pp, sl);
		} else {
			pthread_mutex_lock(&pp->mu);
			while (!sl->parsed)
				pthread_cond_wait(&pp->done, &pp->mu);
			pthread_mutex_unlock(&pp->mu);
		}
		rc = slot_take(pp, sl, take, arg);
		if ((eof = sl->eof) && rc == 0)
			(void)lseek(pp->fd, sl->endoff, SEEK_SET);
		pthread_mutex_lock(&pp->mu);
		sl->parsed = 0;
		pp->taken++;
		pthread_cond_broadcast(&pp->work);
		pthread_mutex_unlock(&pp->mu);
		/* a block without a line takes nothing: stop is asked here */
		if (rc == 0 && *stop)
			rc = -1;
		if (rc < 0 || eof)
			break;
	}
	return (rc);
}

int
scanpar_fd(int fd, int workers, size_t block, size_t linemax,
    scanpar_want want, scanpar_take take, void *arg,
    volatile sig_atomic_t *stop)
{
	pthread_t th[SCANPAR_WORKERS_MAX];
	sigset_t all, old;
	struct par par, *pp = &par;
	struct stat st;
	size_t	 i, size;
	int	 nth = 0, rc;

	if (workers > SCANPAR_WORKERS_MAX)
		workers = SCANPAR_WORKERS_MAX;
	if (workers < 0)
		workers = 0;
	memset(pp, 0, sizeof(*pp));
	pp->fd = fd;
	pp->linemax = linemax;
	/* a pipe's block holds a line's first linemax - 1 bytes at least */
	pp->block = block == 0 ? SCANPAR_BLOCK : block;
	if (pp->block < linemax)
		pp->block = linemax;
	pp->want = want;
	pp->last = (unsigned long)-1;
	pp->nslots = (size_t)workers + 2;
	/* a file is read where it is parsed; a pipe in this thread */
	pp->base = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ?
	    lseek(fd, 0, SEEK_CUR) : -1;
	size = pp->block + (pp->base >= 0 ? linemax + 1 : 0);
	if ((pp->slots = calloc(pp->nslots, sizeof(*pp->slots))) == NULL)
		return (-2);
	for (i = 0; i < pp->nslots; i++)
		if ((pp->slots[i].buf = malloc(size)) == NULL) {
			par_free(pp);
			return (-2);
		}
	pthread_mutex_init(&pp->mu, NULL);
	pthread_cond_init(&pp->work, NULL);
	pthread_cond_init(&pp->done, NULL);
	/* signals stay with this thread, whose read they interrupt */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (; nth < workers; nth++)
		if (pthread_create(&th[nth], NULL, worker, pp) != 0)
			break;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (pp->base >= 0)
		rc = par_pread(pp, nth, take, arg, stop);
	else
		rc = par_read(pp, nth, take, arg, stop);
	pthread_mutex_lock(&pp->mu);
	pp->quit = 1;
	pthread_cond_broadcast(&pp->work);
	pthread_mutex_unlock(&pp->mu);
	while (nth > 0)
		pthread_join(th[--nth], NULL);
	pthread_cond_destroy(&pp->work);
	pthread_cond_destroy(&pp->done);
	pthread_mutex_destroy(&pp->mu);
	par_free(pp);
	return (rc);
}
