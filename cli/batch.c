/*
 * batch.c - relayhint bounce over many messages
 *
 * Functions: batch_wanted, batch_stdin, batch_run.
 *
 * An admin with a postmaster mailbox full of bounces hands over what
 * they have: several files, a directory, a Maildir (cur/ and new/), an
 * mbox, or an mbox on standard input.  Each message is classified (or
 * rewritten into --output-dir) on its own, as "relayhint bounce FILE"
 * would, and reported as one JSON Lines record with its source (file,
 * and the byte offset of its "From " line in an mbox) or one line for a
 * person, then a summary by cause.  A progress line goes to standard
 * error when it is a terminal.
 *
 * mbox: a message starts at a line beginning "From " that opens the
 * file or follows an empty line (so an unquoted "From " inside a
 * paragraph of an mboxo file does not split a message).  Lines
 * ">From ", ">>From " ... lose one '>' (mboxrd; for mboxo this differs
 * only on lines that were ">From " before quoting, which a bounce does
 * not depend on).
 *
 * Reading: every input, file or pipe, is read in large blocks
 * (BATCH_CHUNK) and a message is handed on as a span of its block, not
 * copied line by line; a block is reused once no run of messages in it
 * is in flight (a reference count, kept by this thread only).  Only a
 * message with quoted lines is copied, to undo the quoting.  Of a
 * message over max_size (counted as skipped, not classified) nothing is
 * kept but the last bytes read, to find the next "From " line.
 *
 * Threads: with --jobs N (default: the CPUs we may run on, at most
 * BATCH_JOBS_MAX) this thread reads, prints the results strictly in
 * input order (the output is the same for any N) and keeps the counts,
 * and N - 1 workers classify and render the messages.  Messages are
 * handed over in runs: consecutive messages of one block, up to
 * BATCH_RUN_MSGS or BATCH_RUN_BYTES, and whatever was split before a
 * read that may wait; a worker takes a whole run and renders its
 * records into the run's buffer, printed with one write (--json; a
 * line per message for a person).  So there is
 * one lock and at most one wake-up per run, not per message (a futex
 * call and a context switch cost more than classifying a message in a
 * VM).  While all runs are in flight this thread works too, on the
 * newest run no worker took, so that the oldest, which it waits to
 * print, is rarely its own.  The library keeps no state between calls
 * but the thread-local budget, the knowledge base is read only, and each
 * thread has its own memo of hints (out.c).  Memory is bounded whatever
 * the input: at most BATCH_RUNS_PER_JOB runs per job and
 * BATCH_INFLIGHT_MAX bytes (or one message) in flight, each message at
 * most max_size bytes, so the blocks that hold them, their copies and
 * their output are bounded too.  With --jobs 1 each message is
 * classified and printed before the next is read.
 */
#define _GNU_SOURCE		/* memmem (POSIX.1-2024; glibc asks for this) */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bounce.h"
#include "buf.h"
#include "cli.h"
#include "jsonw.h"
#include "mime.h"
#include "rules.h"
#include "simd.h"
#include "text.h"
#include "token.h"

#define BATCH_CHUNK		(256 * 1024)	/* a block; read at once */
#define BATCH_ROOM_MIN		(64 * 1024)	/* less room: a fresh block */
#define BATCH_SPARE_MAX		8		/* idle blocks kept */
#define BATCH_DIR_MAX		1000000		/* names per directory */
#define BATCH_DEFAULT_MAX	(4u * 1024 * 1024)
#define BATCH_JOBS_MAX		16
#define BATCH_RUNS_PER_JOB	4		/* in flight */
#define BATCH_RUN_MSGS		64		/* messages in a run */
#define BATCH_RUN_BYTES		(32 * 1024)	/* a run ends past these
						 * raw bytes */
#define BATCH_INFLIGHT_MAX	(8 * 1024 * 1024)	/* raw bytes, unless
							 * one message is more */
#define BATCH_JSON_MAX		(1024 * 1024)	/* one record, as out.c */
#define BATCH_LINE		4400		/* one line for a person */
#define BATCH_TAIL		8		/* kept of a message too large */
#define BATCH_KEEP_MAX		(256 * 1024)	/* a run's buffers kept */
#define BATCH_SPIN_NS		250000		/* a worker's wait before
						 * it sleeps (worker_spin) */

/* blk - a block of input; refs: the reader's and one per run in it */
struct blk {
	char	*p;
	size_t	 cap;
	int	 refs;
	struct blk *next;	/* on the spare list */
};

/* msg - one message of a run */
struct msg {
	size_t	 src;			/* its file: in run->src from here */
	long long off;			/* its "From " line, -1 if no mbox */
	int	 toolarge;
	size_t	 nq;			/* quoted lines in raw */
	const char *raw;
	size_t	 rawlen;
	/* set by msg_work */
	int	 ci;			/* cause index; ncauses for none */
	int	 found;			/* a cause was found */
	size_t	 line, linelen;		/* what is printed: in run->lines */
};

/*
 * run - consecutive messages in flight, handed over at once: filled by
 * the reader, worked by one thread, emitted by the reader.  A wake-up
 * is a system call (and a futex is dear in a VM): one per run, not one
 * per message.
 */
struct run {
	struct msg *m;
	size_t	 nm;
	struct buf src;			/* the file names, each NUL-ended */
	size_t	 lastsrc;		/* the last one's offset */
	struct blk *blk;		/* holds every raw of the run */
	size_t	 bytes;			/* raw bytes */
	struct buf lines;		/* what is printed, in order */
	struct bounce_result res;	/* its first message's */
	struct bounce_result tmp;	/* the others' */
	/* set by msg_work: the last message's (--rewrite: one a run) */
	const char *msg;		/* raw, or own when unquoted */
	size_t	 len;
	struct buf own;
	int	 rewritten;		/* out holds the rewritten message */
	struct buf out;
	int	 busy;			/* being worked */
	int	 done;			/* worked, not yet emitted */
};

struct worker {
	struct batch	*b;
	pthread_t	 th;
	struct out_hintmemo memo;
};

struct batch {
	struct cli	*c;
	struct bounce_opts bo;
	int		 rewrite;
	const char	*outdir;
	unsigned long	 n, found, skipped, errors, written;
	unsigned long	*bycause;	/* per rule cause, + 1 for none */
	int		 tty;
	time_t		 lastprog;
	struct timespec	 start;		/* the clock files are stamped by */
	struct bounce_result *res;	/* the first message's */
	char		 pending[BATCH_LINE];	/* its line, held back */
	int		 pend;
	/* the reader */
	int		 fd, eof;
	struct blk	*blk;		/* being read into */
	size_t		 have;		/* bytes in blk */
	long long	 base;		/* input offset of blk->p[0] */
	struct blk	*spare;
	int		 nspare;
	/* the runs in flight, and the threads that work them */
	struct run	*runs;
	size_t		 nruns;
	int		 open;		/* runs[filled % nruns] is being filled */
	unsigned long	 filled, taken, emitted;
	size_t		 inflight;	/* raw bytes of the runs in flight */
	int		 need;		/* this thread waits for the head */
	int		 asleep;	/* workers waiting for work */
	int		 posted;	/* wake-ups sent them, not yet taken */
	struct worker	*w;
	int		 nw;		/* 0: all in this thread */
	int		 quit;
	int		 spin;		/* every thread has its own CPU */
	pthread_mutex_t	 mu;
	sem_t		 sem_work, sem_done;	/* wake-ups: semaphores keep
						 * one sent before the wait */
	struct out_hintmemo memo;	/* this thread's */
};


/* bytes already read from standard input to tell an mbox (batch_stdin) */
static char stdin_head[8];
static size_t stdin_headlen;

/* a bigger stdout buffer than stdio's 4 KiB when it is not a terminal */
static char out_buf[256 * 1024];

/* progress - "N messages" on a terminal, at most once a second */
static void
progress(struct batch *b, int done)
{
	time_t	 now;

	if (!b->tty)
		return;
	if (done) {
		if (b->lastprog != 0)
			fputs("\r\033[K", stderr);
		return;
	}
	if ((now = time(NULL)) == b->lastprog)
		return;
	b->lastprog = now;
	fprintf(stderr, "\rrelayhint: %lu messages, %lu with a cause", b->n,
	    b->found);
}

/* out_name - DIR/NAME.eml for a rewritten message, from its source */
static void
out_name(const struct batch *b, const char *source, long long off, char *p,
    size_t len)
{
	const char *base = strrchr(source, '/');
	char	 safe[200];

	base = base ? base + 1 : source;
	text_copy(safe, sizeof(safe), base, strlen(base));
	for (char *s = safe; *s; s++)
		if (*s == '/' || (unsigned char)*s < 0x21 || *s == 0x7f)
			*s = '_';
	if (off >= 0)
		snprintf(p, len, "%s/%s@%lld.eml", b->outdir, safe[0] ? safe :
		    "stdin", off);
	else
		snprintf(p, len, "%s/%s", b->outdir, safe[0] ? safe : "stdin");
}

/* this_run - the file was written since this run started */
static int
this_run(const struct batch *b, const struct stat *st)
{
	return (st->st_mtim.tv_sec > b->start.tv_sec ||
	    (st->st_mtim.tv_sec == b->start.tv_sec &&
	    st->st_mtim.tv_nsec >= b->start.tv_nsec));
}

/*
 * out_claim - make path (from out_name) a name no message of this run
 * was written to: NAME.N or NAME@OFF.N.eml, N from 1 on, when two
 * inputs share a base name (a/msg and b/msg; two Maildirs), which would
 * otherwise replace each other silently.  A file from an earlier run is
 * replaced, as a run over the same input writes the same names.  Files
 * are stamped with the kernel's coarse clock, which the start is read
 * from too, so a file of this run is never older than the start.  -1
 * (EEXIST) after 999 taken names.
 */
static int
out_claim(const struct batch *b, char *path, size_t len)
{
	struct stat st;
	char	 base[4200];
	size_t	 bl;
	int	 k, n, eml;

	if (lstat(path, &st) != 0 || !this_run(b, &st))
		return (0);
	text_copy(base, sizeof(base), path, strlen(path));
	bl = strlen(base);
	if ((eml = bl > 4 && strcmp(base + bl - 4, ".eml") == 0))
		base[bl - 4] = '\0';
	for (k = 1; k < 1000; k++) {
		n = snprintf(path, len, "%s.%d%s", base, k, eml ? ".eml" :
		    "");
		if (n < 0 || (size_t)n >= len) {
			errno = ENAMETOOLONG;	/* a cut name could collide */
			return (-1);
		}
		if (lstat(path, &st) != 0 || !this_run(b, &st))
			return (0);
	}
	errno = EEXIST;
	return (-1);
}

/* src_str - "file" or "file@offset" for a person, printable */
static void
src_str(const char *source, long long off, char *out, size_t len)
{
	char	 p[4096];

	text_printable(p, sizeof(p), source, strlen(source));
	if (off >= 0)
		snprintf(out, len, "%s@%lld", p, off);
	else
		snprintf(out, len, "%s", p);
}

/*
 * quoted - the mboxrd-quoted lines (">From ", ">>From " ...) of a
 * message; with out, the message is copied there with one '>' less on
 * each
 */
static size_t
quoted(const char *p, size_t len, struct buf *out)
{
	const char *q, *k, *from = p;
	size_t	 n = 0, at = 0;

	while (at < len && (q = memmem(p + at, len - at, ">From ", 6)) !=
	    NULL) {
		for (k = q; k > p && k[-1] == '>'; k--)
			;
		if (k == p || k[-1] == '\n') {
			n++;
			if (out != NULL) {
				(void)buf_append(out, from, (size_t)(k - from));
				from = k + 1;
			}
		}
		at = (size_t)(q - p) + 6;
	}
	if (out != NULL && n > 0)
		(void)buf_append(out, from, (size_t)(p + len - from));
	return (n);
}

/*
 * msg_work - classify (or rewrite) one message of a run and render what
 * is printed for it after the run's lines; in a worker thread: touches
 * nothing but the run
 */
static void
msg_work(const struct batch *b, struct run *r, struct msg *m,
    struct out_hintmemo *memo, struct bounce_result *res)
{
	const struct cli *c = b->c;
	const char *src = r->src.data + m->src, *body;
	char	 where[4200], l[BATCH_LINE];
	size_t	 hlen;

	memset(res, 0, sizeof(*res));
	verdict_init(&res->v);
	m->line = r->lines.len;
	m->ci = c->kb.rules->ncauses;
	m->found = 0;
	r->rewritten = 0;
	r->msg = m->raw;
	r->len = m->rawlen;
	if (!c->json)
		src_str(src, m->off, where, sizeof(where));
	if (m->toolarge) {
		if (c->json) {
			buf_puts(&r->lines, "{\"schema\":\"" JSONW_SCHEMA "\",");
			jsonw_key(&r->lines, "source");
			jsonw_str(&r->lines, src);
			if (m->off >= 0)
				buf_printf(&r->lines, ",\"offset\":%lld",
				    m->off);
			buf_puts(&r->lines, ",\"skipped\":\"larger than "
			    "--max-message-size\"}\n");
		} else {
			snprintf(l, sizeof(l), "%s\tskipped: larger than "
			    "--max-message-size\n", where);
			buf_puts(&r->lines, l);
		}
		m->linelen = r->lines.len - m->line;
		return;
	}
	if (m->off >= 0) {
		buf_reset(&r->own);
		if (m->nq > 0 && quoted(m->raw, m->rawlen, &r->own) > 0) {
			r->msg = r->own.data;
			r->len = r->own.len;
		}
		/* the empty line an mbox writer adds after each message */
		if (r->len >= 2 && r->msg[r->len - 1] == '\n' &&
		    r->msg[r->len - 2] == '\n')
			r->len--;
	}
	if (b->rewrite) {
		buf_reset(&r->out);
		r->rewritten = bounce_rewrite_message(&c->kb, &b->bo, r->msg,
		    r->len, &r->out, res) > 0;
	} else if (mime_split_message(r->msg, r->len, &hlen, &body) == 0)
		bounce_classify(&c->kb, r->msg, hlen, body,
		    r->len - (size_t)(body - r->msg), res);
	else
		explain_text(&c->kb, r->msg, r->len, &res->v);
	if (res->v.cause != NULL && (m->ci = rules_cause_index(c->kb.rules,
	    res->v.cause)) < 0)
		m->ci = c->kb.rules->ncauses;
	m->found = res->v.cause != NULL;
	if (c->json)
		out_verdict_json_buf(&r->lines, c, &res->v, src, m->off, memo);
	else {
		snprintf(l, sizeof(l), "%s\t%s\t%s\n", where, res->v.cause ?
		    res->v.cause : "-", res->v.status[0] ? res->v.status : "-");
		buf_puts(&r->lines, l);
	}
	m->linelen = r->lines.len - m->line;
}

/* run_work - every message of a run, in order */
static void
run_work(const struct batch *b, struct run *r, struct out_hintmemo *memo)
{
	size_t	 i;

	buf_reset(&r->lines);
	for (i = 0; i < r->nm; i++)
		msg_work(b, r, &r->m[i], memo, i == 0 ? &r->res : &r->tmp);
}
/*
 * batch_line - one message's line for a person.  The first is held back:
 * when it stays the only message (a file saved with its "From " line),
 * the full report is printed instead, as for a single file.
 */
static void
batch_line(struct batch *b, const char *line, size_t len)
{
	if (b->n == 1) {
		if (len >= sizeof(b->pending))
			len = sizeof(b->pending) - 1;
		memcpy(b->pending, line, len);
		b->pending[len] = '\0';
		b->pend = 1;
		return;
	}
	if (b->pend) {
		fputs(b->pending, stdout);
		b->pend = 0;
	}
	fwrite(line, 1, len, stdout);
}
/* blk_put - one reference less; an unused block is kept or freed */
static void
blk_put(struct batch *b, struct blk *k)
{
	if (k == NULL || --k->refs > 0)
		return;
	if (k->cap == BATCH_CHUNK && b->nspare < BATCH_SPARE_MAX) {
		k->next = b->spare;
		b->spare = k;
		b->nspare++;
		return;
	}
	free(k->p);
	free(k);
}

/* blk_get - a block of at least cap bytes, referenced once */
static struct blk *
blk_get(struct batch *b, size_t cap)
{
	struct blk *k;

	if (cap <= BATCH_CHUNK && (k = b->spare) != NULL) {
		b->spare = k->next;
		b->nspare--;
	} else {
		if (cap < BATCH_CHUNK)
			cap = BATCH_CHUNK;
		if ((k = malloc(sizeof(*k))) == NULL)
			return (NULL);
		if ((k->p = malloc(cap)) == NULL) {
			free(k);
			return (NULL);
		}
		k->cap = cap;
	}
	k->refs = 1;
	k->next = NULL;
	return (k);
}

/* run_emit - print a worked run, count it, let its block go */
static void
run_emit(struct batch *b, struct run *r)
{
	struct msg *m;
	char	 path[4200];
	size_t	 i;

	for (i = 0; i < r->nm; i++) {
		m = &r->m[i];
		b->n++;
		if (m->toolarge)
			b->skipped++;
		else if (b->rewrite) {
			out_name(b, r->src.data + m->src, m->off, path,
			    sizeof(path));
			/* 0600: returned mail is private, as in a Maildir */
			if (out_claim(b, path, sizeof(path)) < 0 ||
			    token_write_mode(path, r->rewritten ? r->out.data :
			    r->len > 0 ? r->msg : "", r->rewritten ?
			    r->out.len : r->len, 0600, geteuid(),
			    getegid()) < 0) {
				fprintf(stderr, "relayhint: %s: %s\n", path,
				    strerror(errno));
				b->errors++;
			} else
				b->written++;
		}
		if (!m->toolarge) {
			if (m->found)
				b->found++;
			b->bycause[m->ci]++;
		}
		if (!b->c->json)
			batch_line(b, r->lines.data + m->line, m->linelen);
		if (b->n == 1)
			memcpy(b->res, &r->res, sizeof(*b->res));
		if (!m->toolarge)
			progress(b, 0);
	}
	if (b->c->json && r->lines.len > 0)
		fwrite(r->lines.data, 1, r->lines.len, stdout);
	blk_put(b, r->blk);
	r->blk = NULL;
	r->nm = 0;
	r->bytes = 0;
	/* the names are the run's: a slot is used again and again */
	buf_reset(&r->src);
	r->lastsrc = 0;
	/* a large message's copies are not kept for the next */
	if (r->own.cap > BATCH_KEEP_MAX) {
		buf_free(&r->own);
		buf_init(&r->own, b->bo.max_size + 1);
	}
	if (r->out.cap > BATCH_KEEP_MAX) {
		buf_free(&r->out);
		buf_init(&r->out, b->bo.max_size * 2 + 1024 * 1024);
	}
	if (r->lines.cap > BATCH_KEEP_MAX) {
		buf_free(&r->lines);
		buf_init(&r->lines, BATCH_RUN_MSGS * BATCH_JSON_MAX);
	}
}

/*
 * worker_spin - wait up to BATCH_SPIN_NS for a run after the t-th (or
 * the end) before the worker sleeps.  The reader publishes runs every
 * few microseconds, but waking a sleeping thread costs a futex call on
 * both sides and, in a VM whose idle virtual CPU has halted, a tenth of
 * a millisecond or more: measured on a 2-CPU VM, the worker slept about
 * 30 times per 5,000 messages, some 3 ms of its 40.  Only when every
 * thread has a CPU of its own (b->spin), so that the wait takes no time
 * from the reader.  Called and returns with the lock held.
 */
static void
worker_spin(struct batch *b, unsigned long t)
{
	struct timespec ts, now;
	int	 k;

	if (!b->spin)
		return;
	pthread_mutex_unlock(&b->mu);
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	for (k = 1; __atomic_load_n(&b->filled, __ATOMIC_ACQUIRE) == t &&
	    !__atomic_load_n(&b->quit, __ATOMIC_ACQUIRE); k++) {
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#endif
		if (k % 64 == 0) {
			(void)clock_gettime(CLOCK_MONOTONIC, &now);
			if ((now.tv_sec - ts.tv_sec) * 1000000000L +
			    (now.tv_nsec - ts.tv_nsec) > BATCH_SPIN_NS)
				break;
		}
	}
	pthread_mutex_lock(&b->mu);
}

/* worker - work the runs in the order they were filled */
static void *
worker(void *arg)
{
	struct worker *w = arg;
	struct batch *b = w->b;
	struct run *r;

	pthread_mutex_lock(&b->mu);
	for (;;) {
		/* skip what the reader took (and may have printed) */
		if (b->taken < b->emitted)
			b->taken = b->emitted;
		while (b->taken < b->filled &&
		    b->runs[b->taken % b->nruns].busy)
			b->taken++;
		if (b->taken == b->filled && !b->quit) {
			worker_spin(b, b->filled);
			if (b->taken < b->filled || b->quit)
				continue;
			b->asleep++;
			pthread_mutex_unlock(&b->mu);
			while (sem_wait(&b->sem_work) < 0 && errno == EINTR)
				;
			pthread_mutex_lock(&b->mu);
			b->asleep--;
			b->posted--;
			continue;
		}
		if (b->taken == b->filled)
			break;
		r = &b->runs[b->taken++ % b->nruns];
		r->busy = 1;
		pthread_mutex_unlock(&b->mu);
		run_work(b, r, &w->memo);
		pthread_mutex_lock(&b->mu);
		r->done = 1;
		if (b->need && b->runs[b->emitted % b->nruns].done) {
			b->need = 0;	/* one wake-up, lock released */
			pthread_mutex_unlock(&b->mu);
			sem_post(&b->sem_done);
			pthread_mutex_lock(&b->mu);
		}
	}
	pthread_mutex_unlock(&b->mu);
	return (NULL);
}

/*
 * pool_emit - print the worked runs at the head of the queue, in order,
 * until fewer than want are in flight and the next size bytes fit in
 * BATCH_INFLIGHT_MAX.  Meanwhile this thread works the runs no worker
 * has taken (it is one of the --jobs), and sleeps only when all are
 * taken.  Called with the lock held.
 */
static void
pool_emit(struct batch *b, unsigned long want, size_t size)
{
	struct run *r;
	unsigned long i;

	for (;;) {
		while (b->emitted < b->filled &&
		    (r = &b->runs[b->emitted % b->nruns])->done) {
			pthread_mutex_unlock(&b->mu);
			b->inflight -= r->bytes;
			run_emit(b, r);
			pthread_mutex_lock(&b->mu);
			r->done = r->busy = 0;
			b->emitted++;
		}
		if (b->filled - b->emitted < want && (b->filled == b->emitted ||
		    b->inflight + size <= BATCH_INFLIGHT_MAX))
			return;
		/*
		 * the newest run no worker took: the workers go on with
		 * the older ones meanwhile, so that the head of the queue
		 * is rarely held up by this thread's work
		 */
		if (b->taken < b->emitted)
			b->taken = b->emitted;
		for (i = b->filled; i > b->taken; i--)
			if (!b->runs[(i - 1) % b->nruns].busy)
				break;
		if (i > b->taken) {
			r = &b->runs[(i - 1) % b->nruns];
			r->busy = 1;
			pthread_mutex_unlock(&b->mu);
			run_work(b, r, &b->memo);
			pthread_mutex_lock(&b->mu);
			r->done = 1;
			continue;
		}
		b->need = 1;
		pthread_mutex_unlock(&b->mu);
		while (sem_wait(&b->sem_done) < 0 && errno == EINTR)
			;
		pthread_mutex_lock(&b->mu);
	}
}

/* run_publish - hand the run being filled to the workers */
static void
run_publish(struct batch *b)
{
	int	 wake;

	b->open = 0;
	pthread_mutex_lock(&b->mu);
	/* read without the lock by worker_spin */
	__atomic_store_n(&b->filled, b->filled + 1, __ATOMIC_RELEASE);
	/*
	 * one wake-up per sleeping worker is enough, made with the lock
	 * released, so that the worker does not wake only to wait for it
	 */
	if ((wake = b->asleep > b->posted))
		b->posted++;
	pthread_mutex_unlock(&b->mu);
	if (wake)
		sem_post(&b->sem_work);
}

/*
 * run_open - the run to add a message of size bytes in block k (NULL:
 * none) to: the one being filled while it has room, else a fresh one
 * once one is free and the bytes in flight allow
 */
static struct run *
run_open(struct batch *b, size_t size, const struct blk *k)
{
	struct run *r;

	if (b->nw == 0)
		return (&b->runs[0]);	/* worked and printed at once */
	if (b->open) {
		r = &b->runs[b->filled % b->nruns];
		if (r->nm < BATCH_RUN_MSGS && r->bytes < BATCH_RUN_BYTES &&
		    !b->rewrite && (k == NULL || r->blk == NULL ||
		    r->blk == k) && b->inflight + size <= BATCH_INFLIGHT_MAX)
			return (r);
		run_publish(b);
	}
	pthread_mutex_lock(&b->mu);
	pool_emit(b, b->nruns, size);
	pthread_mutex_unlock(&b->mu);
	b->open = 1;
	return (&b->runs[b->filled % b->nruns]);
}

/*
 * msg_push - the message raw[from, to) of the current block (nothing
 * when too large) to be worked and printed in its turn
 */
static int
msg_push(struct batch *b, const char *source, long long off, size_t from,
    size_t to, int toolarge, size_t nq)
{
	size_t	 size = toolarge ? 0 : to - from;
	struct run *r = run_open(b, size, toolarge ? NULL : b->blk);
	struct msg *m = &r->m[r->nm];

	if (r->nm == 0 || strcmp(r->src.data + r->lastsrc, source) != 0) {
		r->lastsrc = r->src.len;
		if (buf_append(&r->src, source, strlen(source) + 1) < 0)
			return (-1);
	}
	m->src = r->lastsrc;
	m->off = off;
	m->toolarge = toolarge;
	m->nq = nq;
	m->raw = "";
	m->rawlen = 0;
	if (!toolarge) {
		if (r->blk == NULL) {
			r->blk = b->blk;
			r->blk->refs++;
		}
		m->raw = b->blk->p + from;
		m->rawlen = size;
	}
	r->nm++;
	r->bytes += size;
	if (b->nw == 0) {
		run_work(b, r, &b->memo);
		run_emit(b, r);
		return (0);
	}
	b->inflight += size;
	return (0);
}

/*
 * rd_more - read once more into the block, keeping its bytes from keep
 * on; when the room left is small they move to the front of the block
 * or to a fresh one, and *shift says by how much they moved down.
 * Returns the bytes read, 0 at the end of input, -1 on error.
 */
static ssize_t
rd_more(struct batch *b, size_t keep, size_t *shift)
{
	struct blk *k = b->blk, *nk;
	size_t	 n = b->have - keep;
	ssize_t	 got;

	/* what is read so far goes to work before a read that may wait */
	if (b->open)
		run_publish(b);
	*shift = 0;
	if (k->cap - b->have < BATCH_ROOM_MIN) {
		if (k->refs == 1 && n <= k->cap / 2)
			memmove(k->p, k->p + keep, n);
		else {
			if ((nk = blk_get(b, n * 2)) == NULL)
				return (-1);
			memcpy(nk->p, k->p + keep, n);
			blk_put(b, k);
			b->blk = k = nk;
		}
		*shift = keep;
		b->have = n;
		b->base += (long long)keep;
	}
	do
		got = read(b->fd, k->p + b->have, k->cap - b->have);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return (-1);
	if (got == 0)
		b->eof = 1;
	b->have += (size_t)got;
	return (got);
}

/*
 * sep_at - whether the "From " line after the newline at h starts a
 * message: the line before it, from lo (the message's first byte) on,
 * is empty ("\n" or "\r\n").  far: the message is too large and all
 * but the last BATCH_TAIL bytes read of it from lo on were dropped;
 * scan resumes at least three bytes past lo then, so h > lo + 1 and
 * p[h - 2] is still the message's.
 */
static int
sep_at(const char *p, size_t lo, size_t h, int far)
{
	if (!far && h == lo)
		return (1);
	if (p[h - 1] == '\n')
		return (1);
	return (p[h - 1] == '\r' && ((!far && h - 1 == lo) || p[h - 2] ==
	    '\n'));
}

/*
 * next_nf - the first i in [at, end - 1) with p[i] a newline or '>' and
 * p[i + 1] 'F', or -1: where a "From " line or a quoted ">From " line
 * may be.  Two bytes at a time, a block of positions per step, as a pair
 * is rare in mail where '\n' alone is every 70 bytes: 32 with AVX2
 * (chosen at run time), 16 with SSE2 (every amd64), 16 with GCC and
 * clang vectors elsewhere (NEON on arm64, plain code otherwise).  A
 * step's loads end at at + 16 (or + 32) < end.
 */
#ifdef __SSE2__
static size_t
nf_sse2(const char *p, size_t at, size_t end)
{
	const __m128i nl = _mm_set1_epi8('\n'), gt = _mm_set1_epi8('>');
	const __m128i f = _mm_set1_epi8('F');
	__m128i	 x, y;
	unsigned m;

	for (; at + 17 <= end; at += 16) {
		x = _mm_loadu_si128((const __m128i *)(const void *)(p + at));
		y = _mm_loadu_si128((const __m128i *)(const void *)(p + at +
		    1));
		m = (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_or_si128(
		    _mm_cmpeq_epi8(x, nl), _mm_cmpeq_epi8(x, gt)),
		    _mm_cmpeq_epi8(y, f)));
		if (m != 0)
			return (at + (size_t)__builtin_ctz(m));
	}
	for (; at + 1 < end; at++)
		if ((p[at] == '\n' || p[at] == '>') && p[at + 1] == 'F')
			return (at);
	return ((size_t)-1);
}

#ifdef SIMD_AVX2
__attribute__((target("avx2")))
static size_t
nf_avx2(const char *p, size_t at, size_t end)
{
	const __m256i nl = _mm256_set1_epi8('\n'), gt = _mm256_set1_epi8('>');
	const __m256i f = _mm256_set1_epi8('F');
	__m256i	 x, y;
	unsigned m;

	for (; at + 33 <= end; at += 32) {
		x = _mm256_loadu_si256((const __m256i *)(const void *)(p +
		    at));
		y = _mm256_loadu_si256((const __m256i *)(const void *)(p +
		    at + 1));
		m = (unsigned)_mm256_movemask_epi8(_mm256_and_si256(
		    _mm256_or_si256(_mm256_cmpeq_epi8(x, nl),
		    _mm256_cmpeq_epi8(x, gt)), _mm256_cmpeq_epi8(y, f)));
		if (m != 0)
			return (at + (size_t)__builtin_ctz(m));
	}
	return (nf_sse2(p, at, end));
}
#endif

static size_t
next_nf(const char *p, size_t at, size_t end)
{
#ifdef SIMD_AVX2
	if (simd_have_avx2())
		return (nf_avx2(p, at, end));
#endif
	return (nf_sse2(p, at, end));
}
#else
typedef unsigned char v16u __attribute__((vector_size(16)));
typedef signed char v16s __attribute__((vector_size(16)));

static size_t
next_nf(const char *p, size_t at, size_t end)
{
	v16u	 x, y, nl, gt, f;
	v16s	 m;
	unsigned long long w[2];
	int	 k;

	memset(&nl, '\n', sizeof(nl));
	memset(&gt, '>', sizeof(gt));
	memset(&f, 'F', sizeof(f));
	for (; at + 17 <= end; at += 16) {
		memcpy(&x, p + at, 16);
		memcpy(&y, p + at + 1, 16);
		m = ((x == nl) | (x == gt)) & (y == f);
		memcpy(w, &m, sizeof(w));
		if ((w[0] | w[1]) == 0)
			continue;
		for (k = 0; k < 16; k++)
			if (m[k])
				return (at + (size_t)k);
	}
	for (; at + 1 < end; at++)
		if ((p[at] == '\n' || p[at] == '>') && p[at + 1] == 'F')
			return (at);
	return ((size_t)-1);
}
#endif

/*
 * scan - the body of a message from *at on, to the newline before the
 * next message's "From " line (returned) or -1 when there is none in
 * [*at, end): *at is then where to go on when more is read.  Counts the
 * quoted lines in *nq (not when far).
 */
static size_t
scan(const char *p, size_t lo, size_t *at, size_t end, int far, int eof,
    size_t *nq)
{
	size_t	 i, k;

	while ((i = next_nf(p, *at, end)) != (size_t)-1) {
		if (i + 6 > end && !eof) {
			*at = i;	/* not all read yet */
			return ((size_t)-1);
		}
		*at = i + 1;
		if (i + 6 > end || memcmp(p + i + 1, "From ", 5) != 0)
			continue;
		if (p[i] == '\n') {
			if (sep_at(p, lo, i, far))
				return (i);
		} else if (!far) {
			for (k = i; k > lo && p[k - 1] == '>'; k--)
				;
			if (k == lo || p[k - 1] == '\n')
				(*nq)++;
		}
	}
	if (end > *at + 1)
		*at = end - 1;
	return ((size_t)-1);
}

/* rd_mbox - the messages of an mbox whose first "From " line is at at */
static int
rd_mbox(struct batch *b, const char *source, size_t at)
{
	const char *nl;
	size_t	 body, pos, end, h, sh, old, t, drop, nq;
	size_t	 max = (size_t)b->bo.max_size;
	long long off;
	int	 far;

	for (;;) {
		/* the "From " line: only where it starts and ends matter */
		off = b->base + (long long)at;
		pos = at;
		while ((nl = memchr(b->blk->p + pos, '\n', b->have - pos)) ==
		    NULL && !b->eof) {
			old = b->have;
			if (rd_more(b, old, &sh) < 0)
				return (-1);
			pos = old - sh;
		}
		body = nl != NULL ? (size_t)(nl - b->blk->p) + 1 : b->have;
		/* the message: up to an empty line and a "From " line */
		far = 0;
		nq = 0;
		pos = body;
		for (;;) {
			h = scan(b->blk->p, body, &pos, b->have, far, b->eof,
			    &nq);
			if (h != (size_t)-1) {
				end = h + 1;
				break;
			}
			if (b->eof) {
				end = b->have;
				break;
			}
			/*
			 * too large for sure: the message goes on at least to
			 * pos (scan holds back a "From " line that may still
			 * end it there), and past pos only one more quoted line
			 * can start that its bytes do not pay for.  Measured to
			 * the end of what was read, one within the limit was
			 * skipped when a read ended inside its separator.
			 */
			if (!far && pos - body - nq > max)
				far = 1;
			if (far && b->have - body > BATCH_TAIL) {
				/* keep the last bytes, enough for sep_at */
				t = BATCH_TAIL;
				drop = b->have - t - body;
				memmove(b->blk->p + body, b->blk->p + b->have -
				    t, t);
				b->base += (long long)drop;
				b->have = body + t;
				pos -= drop;
			}
			if (rd_more(b, body, &sh) < 0)
				return (-1);
			body -= sh;
			pos -= sh;
		}
		if (!far && end - body - nq > max)
			far = 1;
		if (msg_push(b, source, off, body, end, far, nq) < 0)
			return (-1);
		if (end == b->have && b->eof)
			return (0);
		at = end;
	}
}

/* rd_whole - an input that is not an mbox: one message */
static int
rd_whole(struct batch *b, const char *source, size_t at)
{
	size_t	 sh;
	int	 big = 0;

	while (!b->eof) {
		if (b->have - at > (size_t)b->bo.max_size) {
			big = 1;	/* not kept */
			b->have = at;
		}
		if (rd_more(b, at, &sh) < 0)
			return (-1);
		at -= sh;
	}
	if (b->have - at > (size_t)b->bo.max_size)
		big = 1;
	if (!big && b->have == at)
		return (0);
	return (msg_push(b, source, -1, at, b->have, big, 0));
}

/* batch_fd - one input: an mbox when it starts "From ", else one message */
static int
batch_fd(struct batch *b, int fd, const char *source)
{
	size_t	 at, sh;

	b->fd = fd;
	b->eof = 0;
	if (b->blk == NULL || b->blk->cap - b->have < BATCH_ROOM_MIN) {
		/* nothing of the last input is kept: a fresh block */
		if (b->blk == NULL || b->blk->refs > 1) {
			blk_put(b, b->blk);
			if ((b->blk = blk_get(b, BATCH_CHUNK)) == NULL)
				return (-1);
		}
		b->have = 0;
	}
	at = b->have;
	b->base = -(long long)at;
	if (fd == STDIN_FILENO && stdin_headlen > 0) {
		memcpy(b->blk->p + b->have, stdin_head, stdin_headlen);
		b->have += stdin_headlen;
		stdin_headlen = 0;
	}
	while (b->have - at < 5 && !b->eof) {
		if (rd_more(b, at, &sh) < 0)
			return (-1);
		at -= sh;
	}
	if (b->have - at >= 5 && memcmp(b->blk->p + at, "From ", 5) == 0)
		return (rd_mbox(b, source, at));
	return (rd_whole(b, source, at));
}

/* name_cmp - directory entries in a stable order */
static int
name_cmp(const void *x, const void *y)
{
	return (strcmp(*(char *const *)x, *(char *const *)y));
}

/* batch_path - a file, or every regular file of a directory or Maildir */
static void batch_path(struct batch *, const char *, int);

static void
batch_dir(struct batch *b, const char *dir, int depth)
{
	struct dirent *de;
	struct stat st;
	char	**names = NULL, p[4096], q[4096];
	size_t	 n = 0, cap = 0, i;
	DIR	*d;
	int	 maildir;

	snprintf(p, sizeof(p), "%s/cur", dir);
	snprintf(q, sizeof(q), "%s/new", dir);
	maildir = depth == 0 && stat(p, &st) == 0 && S_ISDIR(st.st_mode) &&
	    stat(q, &st) == 0 && S_ISDIR(st.st_mode);
	if (maildir) {
		batch_dir(b, p, 1);
		batch_dir(b, q, 1);
		return;
	}
	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "relayhint: %s: %s\n", dir, strerror(errno));
		b->errors++;
		return;
	}
	while ((de = readdir(d)) != NULL) {
		char	**nn;

		if (de->d_name[0] == '.')
			continue;
		/* a name left out is said, and counted as an error */
		if (n == BATCH_DIR_MAX) {
			fprintf(stderr, "relayhint: %s: more than %d names; "
			    "the rest are not read\n", dir, BATCH_DIR_MAX);
			b->errors++;
			break;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			if ((nn = realloc(names, cap * sizeof(*nn))) == NULL)
				goto nomem;
			names = nn;
		}
		if ((names[n] = strdup(de->d_name)) == NULL)
			goto nomem;
		n++;
		continue;
nomem:
		fprintf(stderr, "relayhint: %s: out of memory after %zu "
		    "names; the rest are not read\n", dir, n);
		b->errors++;
		break;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, names[i]) >=
		    sizeof(p)) {
			fprintf(stderr, "relayhint: %s/%s: name too long\n",
			    dir, names[i]);
			b->errors++;
		} else if (stat(p, &st) != 0) {
			/* gone since it was listed is no error */
			if (errno != ENOENT) {
				fprintf(stderr, "relayhint: %s: %s\n", p,
				    strerror(errno));
				b->errors++;
			}
		} else if (S_ISREG(st.st_mode))
			/* one level only: a directory inside is not followed */
			batch_path(b, p, depth + 1);
		free(names[i]);
	}
	free(names);
}

static void
batch_path(struct batch *b, const char *path, int depth)
{
	struct stat st;
	int	 fd;

	if (strcmp(path, "-") == 0) {
		if (batch_fd(b, STDIN_FILENO, "-") < 0) {
			fprintf(stderr, "relayhint: -: read error\n");
			b->errors++;
		}
		return;
	}
	if ((fd = open(path, O_RDONLY)) < 0) {
		fprintf(stderr, "relayhint: %s: %s\n", path, strerror(errno));
		b->errors++;
		return;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		if (depth == 0)
			batch_dir(b, path, 0);
		return;
	}
	if (batch_fd(b, fd, path) < 0) {
		fprintf(stderr, "relayhint: %s: read error\n", path);
		b->errors++;
	}
	close(fd);
}

/* summary - counts by cause for a person */
static void
summary(const struct batch *b)
{
	const struct rules *rs = b->c->kb.rules;
	int	 i;

	printf("\n%lu message(s): %lu with a cause, %lu without, %lu "
	    "skipped\n", b->n, b->found, b->n - b->found - b->skipped,
	    b->skipped);
	for (i = 0; i < rs->ncauses; i++)
		if (b->bycause[i] > 0)
			printf("  %7lu  %s\n", b->bycause[i], rs->causes[i].id);
	if (b->outdir != NULL)
		printf("%lu message(s) written to %s\n", b->written, b->outdir);
}

/*
 * second_from - a "From " line after an empty line further in fd: the
 * separators sep_at() takes, LF LF and LF CR LF
 */
static int
second_from(int fd)
{
	char	 b[BATCH_CHUNK / 16 + 8];
	size_t	 keep = 0, i;
	ssize_t	 n;

	while ((n = read(fd, b + keep, BATCH_CHUNK / 16)) > 0) {
		n += (ssize_t)keep;
		for (i = 0; i + 7 <= (size_t)n; i++) {
			if (b[i] != '\n')
				continue;
			if (b[i + 1] == '\n' && memcmp(b + i + 2, "From ", 5) ==
			    0)
				return (1);
			if (i + 8 <= (size_t)n && b[i + 1] == '\r' &&
			    b[i + 2] == '\n' && memcmp(b + i + 3, "From ", 5) == 0)
				return (1);
		}
		keep = (size_t)n < 8 ? (size_t)n : 8;
		memmove(b, b + n - (ssize_t)keep, keep);
	}
	return (0);
}

/*
 * batch_wanted - whether "bounce" arguments call for batch mode: more
 * than one input, a directory, --output-dir, or an mbox
 */
int
batch_wanted(int nargs, char **args, const char *outdir)
{
	struct stat st;
	char	 head[5];
	int	 fd, mbox = 0;

	if (nargs != 1 || outdir != NULL)
		return (1);
	if (strcmp(args[0], "-") == 0)
		return (0);	/* read whole by the single path */
	if (stat(args[0], &st) == 0 && S_ISDIR(st.st_mode))
		return (1);
	if ((fd = open(args[0], O_RDONLY)) >= 0) {
		/*
		 * What is read from a pipe (a FIFO, <(...), /dev/stdin) to
		 * look is gone when it is opened again: batch mode reads it
		 * once, and still prints the full report for one message.
		 */
		if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
			close(fd);
			return (1);
		}
		mbox = read(fd, head, 5) == 5 && memcmp(head, "From ", 5) == 0;
		/* one message saved with its "From " line is not a batch */
		if (mbox)
			mbox = second_from(fd);
		close(fd);
	}
	return (mbox);
}

/*
 * batch_stdin - whether standard input is an mbox: its first bytes are
 * read and kept in head (for the single-message path) and here (for
 * batch_fd)
 */
int
batch_stdin(char *head, size_t *len)
{
	ssize_t	 n;

	*len = 0;
	while (*len < 5) {
		n = read(STDIN_FILENO, head + *len, 5 - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		*len += (size_t)n;
	}
	memcpy(stdin_head, head, *len);
	stdin_headlen = *len;
	return (*len == 5 && memcmp(head, "From ", 5) == 0);
}

/* pool_start - the runs, and for more than one job the worker threads */
static int
pool_start(struct batch *b, int jobs)
{
	size_t	 i;
	int	 cpus = cli_cpus();

	if (jobs <= 0)
		jobs = cpus > BATCH_JOBS_MAX ? BATCH_JOBS_MAX : cpus;
	if (jobs > BATCH_JOBS_MAX)
		jobs = BATCH_JOBS_MAX;
	b->spin = jobs <= cpus;
	b->nruns = jobs > 1 ? (size_t)jobs * BATCH_RUNS_PER_JOB : 1;
	if ((b->runs = calloc(b->nruns, sizeof(*b->runs))) == NULL)
		return (-1);
	for (i = 0; i < b->nruns; i++) {
		if ((b->runs[i].m = calloc(BATCH_RUN_MSGS,
		    sizeof(*b->runs[i].m))) == NULL)
			return (-1);
		buf_init(&b->runs[i].src, BATCH_RUN_MSGS * 4200);
		buf_init(&b->runs[i].own, b->bo.max_size + 1);
		buf_init(&b->runs[i].out, b->bo.max_size * 2 + 1024 * 1024);
		buf_init(&b->runs[i].lines, BATCH_RUN_MSGS * BATCH_JSON_MAX);
	}
	out_hintmemo_init(&b->memo, b->c);
	if (jobs == 1)
		return (0);
	if ((b->w = calloc((size_t)jobs, sizeof(*b->w))) == NULL)
		return (0);	/* all in this thread */
	pthread_mutex_init(&b->mu, NULL);
	sem_init(&b->sem_work, 0, 0);
	sem_init(&b->sem_done, 0, 0);
	/* this thread is one of the jobs */
	for (b->nw = 0; b->nw < jobs - 1; b->nw++) {
		b->w[b->nw].b = b;
		out_hintmemo_init(&b->w[b->nw].memo, b->c);
		if (pthread_create(&b->w[b->nw].th, NULL, worker,
		    &b->w[b->nw]) != 0)
			break;	/* fewer threads; none: all in this one */
	}
	return (0);
}

/* pool_stop - print what is still in flight; end the threads */
static void
pool_stop(struct batch *b)
{
	size_t	 i;
	int	 k;

	if (b->w != NULL) {
		if (b->open)
			run_publish(b);
		pthread_mutex_lock(&b->mu);
		if (b->nw > 0)
			pool_emit(b, 1, 0);
		__atomic_store_n(&b->quit, 1, __ATOMIC_RELEASE);
		for (; b->posted < b->asleep; b->posted++)
			sem_post(&b->sem_work);
		pthread_mutex_unlock(&b->mu);
		for (k = 0; k < b->nw; k++) {
			pthread_join(b->w[k].th, NULL);
			out_hintmemo_free(&b->w[k].memo);
		}
		pthread_mutex_destroy(&b->mu);
		sem_destroy(&b->sem_work);
		sem_destroy(&b->sem_done);
		free(b->w);
	}
	out_hintmemo_free(&b->memo);
	for (i = 0; b->runs != NULL && i < b->nruns; i++) {
		blk_put(b, b->runs[i].blk);
		free(b->runs[i].m);
		buf_free(&b->runs[i].src);
		buf_free(&b->runs[i].own);
		buf_free(&b->runs[i].out);
		buf_free(&b->runs[i].lines);
	}
	free(b->runs);
	blk_put(b, b->blk);
	while (b->spare != NULL) {
		struct blk *sp = b->spare;

		b->spare = sp->next;
		free(sp->p);
		free(sp);
	}
}

/* batch_run - every message of every input; exit status as bounce's */
int
batch_run(struct cli *c, const struct bounce_opts *bo, int rewrite,
    const char *outdir, int nargs, char **args)
{
	struct batch b;
	struct stat st;
	int	 i, rc;

	memset(&b, 0, sizeof(b));
	b.c = c;
	b.bo = *bo;
	if (b.bo.max_size == 0)
		b.bo.max_size = BATCH_DEFAULT_MAX;
	b.rewrite = rewrite;
	b.outdir = outdir;
	(void)clock_gettime(CLOCK_REALTIME_COARSE, &b.start);
	if (rewrite && (outdir == NULL || stat(outdir, &st) != 0 ||
	    !S_ISDIR(st.st_mode))) {
		fprintf(stderr, "relayhint: bounce --rewrite over several "
		    "messages needs --output-dir DIR (an existing directory)\n");
		return (EXIT_USAGE);
	}
	b.tty = isatty(STDERR_FILENO);
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, out_buf, _IOFBF, sizeof(out_buf));
	b.res = calloc(1, sizeof(*b.res));
	b.bycause = calloc((size_t)c->kb.rules->ncauses + 1,
	    sizeof(*b.bycause));
	if (b.res == NULL || b.bycause == NULL || pool_start(&b, c->jobs) < 0) {
		free(b.res);
		free(b.bycause);
		pool_stop(&b);
		fprintf(stderr, "relayhint: out of memory\n");
		return (EXIT_USAGE);
	}
	for (i = 0; i < nargs; i++)
		batch_path(&b, args[i], 0);
	pool_stop(&b);
	progress(&b, 1);
	if (!c->json && b.n == 1 && b.pend && b.skipped == 0)
		out_verdict_text(stdout, c, &b.res->v);
	else if (!c->json) {
		if (b.pend)
			fputs(b.pending, stdout);
		summary(&b);
	}
	free(b.res);
	free(b.bycause);
	/* records lost to a full disk or a closed pipe are an error */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "relayhint: standard output: %s\n",
		    strerror(errno));
		b.errors++;
	}
	rc = b.errors > 0 ? EXIT_USAGE : b.found > 0 ? 0 : EXIT_NOCAUSE;
	return (rc);
}
