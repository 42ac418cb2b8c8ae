/*
 * batch.c - relayhint bounce over many messages
 *
 * Functions: batch_wanted, batch_run.
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
 * Memory is bounded whatever the input: one message at a time, at most
 * max_size bytes of it (a larger one is counted as skipped, not
 * classified), read through a fixed block buffer.
 *
 * mbox: a message starts at a line beginning "From " that opens the
 * file or follows an empty line (so an unquoted "From " inside a
 * paragraph of an mboxo file does not split a message).  Lines
 * ">From ", ">>From " ... lose one '>' (mboxrd; for mboxo this differs
 * only on lines that were ">From " before quoting, which a bounce does
 * not depend on).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
#include "text.h"
#include "token.h"

#define BATCH_BLOCK		65536
#define BATCH_LINE_MAX		(1024 * 1024)	/* longer lines are cut */
#define BATCH_DIR_MAX		1000000		/* names per directory */
#define BATCH_DEFAULT_MAX	(4u * 1024 * 1024)

struct reader {
	int	 fd;
	char	 b[BATCH_BLOCK];
	size_t	 at, have;
	long long off;			/* file offset of b[at] */
	int	 eof;
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
	struct buf	 msg, out, line;
	struct bounce_result *res;
	char		 pending[4400];	/* first message's line, held back */
	int		 pend;
};

/* bytes already read from standard input to tell an mbox (batch_stdin) */
static char stdin_head[8];
static size_t stdin_headlen;

/* rd_fill - more bytes into the block; 0 at end of input */
static int
rd_fill(struct reader *r)
{
	ssize_t	 n;

	if (r->at > 0) {
		memmove(r->b, r->b + r->at, r->have - r->at);
		r->have -= r->at;
		r->at = 0;
	}
	while (!r->eof && r->have < sizeof(r->b)) {
		n = read(r->fd, r->b + r->have, sizeof(r->b) - r->have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r->eof = 1;
			if (n < 0)
				return (-1);
			break;
		}
		r->have += (size_t)n;
		break;
	}
	return (r->have > r->at);
}

/* rd_line - the next line with its newline into l (cut at BATCH_LINE_MAX) */
static int
rd_line(struct reader *r, struct buf *l)
{
	const char *nl;
	size_t	 n;
	int	 rc;

	buf_reset(l);
	for (;;) {
		if (r->at >= r->have && (rc = rd_fill(r)) <= 0)
			return (l->len > 0 ? 1 : rc);
		nl = memchr(r->b + r->at, '\n', r->have - r->at);
		n = nl ? (size_t)(nl - (r->b + r->at)) + 1 : r->have - r->at;
		if (l->len < BATCH_LINE_MAX)
			(void)buf_append(l, r->b + r->at, n);
		r->at += n;
		r->off += (long long)n;
		if (nl != NULL)
			return (1);
	}
}

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
 * batch_line - one message's line for a person.  The first is held back:
 * when it stays the only message (a file saved with its "From " line),
 * the full report is printed instead, as for a single file.
 */
static void
batch_line(struct batch *b, const char *line)
{
	if (b->n == 1) {
		snprintf(b->pending, sizeof(b->pending), "%s", line);
		b->pend = 1;
		return;
	}
	if (b->pend) {
		fputs(b->pending, stdout);
		b->pend = 0;
	}
	fputs(line, stdout);
}

/* batch_one - classify (or rewrite) one message and report it */
static void
batch_one(struct batch *b, const char *source, long long off, int toolarge)
{
	struct bounce_result *res = b->res;
	const char *body;
	char	 path[4200], where[4200];
	size_t	 hlen;
	int	 ci;

	b->n++;
	memset(res, 0, sizeof(*res));
	verdict_init(&res->v);
	src_str(source, off, where, sizeof(where));
	/* the empty line an mbox writer adds after each message */
	if (off >= 0 && b->msg.len >= 2 && b->msg.data[b->msg.len - 1] == '\n'
	    && b->msg.data[b->msg.len - 2] == '\n')
		b->msg.len--;
	if (toolarge) {
		b->skipped++;
		if (b->c->json) {
			struct buf j;

			buf_init(&j, 8192);
			buf_puts(&j, "{\"schema\":\"" JSONW_SCHEMA "\",");
			jsonw_key(&j, "source");
			jsonw_str(&j, source);
			if (off >= 0)
				buf_printf(&j, ",\"offset\":%lld", off);
			buf_puts(&j, ",\"skipped\":\"larger than --max-message-size"
			    "\"}\n");
			fwrite(j.data, 1, j.len, stdout);
			buf_free(&j);
		} else {
			char	 l[4400];

			snprintf(l, sizeof(l), "%s\tskipped: larger than "
			    "--max-message-size\n", where);
			batch_line(b, l);
		}
		return;
	}
	if (b->rewrite) {
		buf_reset(&b->out);
		if (bounce_rewrite_message(&b->c->kb, &b->bo, b->msg.data,
		    b->msg.len, &b->out, res) <= 0) {
			buf_reset(&b->out);
			(void)buf_append(&b->out, b->msg.data, b->msg.len);
		}
		out_name(b, source, off, path, sizeof(path));
		if (token_write_mode(path, b->out.data ? b->out.data : "",
		    b->out.len, 0644, geteuid(), getegid()) < 0) {
			fprintf(stderr, "relayhint: %s: %s\n", path,
			    strerror(errno));
			b->errors++;
		} else
			b->written++;
	} else if (mime_split_message(b->msg.data, b->msg.len, &hlen,
	    &body) == 0)
		bounce_classify(&b->c->kb, b->msg.data, hlen, body,
		    b->msg.len - (size_t)(body - b->msg.data), res);
	else
		explain_text(&b->c->kb, b->msg.data, b->msg.len, &res->v);
	if (res->v.cause != NULL)
		b->found++;
	ci = res->v.cause ? rules_cause_index(b->c->kb.rules, res->v.cause) :
	    -1;
	b->bycause[ci >= 0 ? ci : b->c->kb.rules->ncauses]++;
	b->c->source = source;
	b->c->offset = off;
	if (b->c->json)
		out_verdict_json(stdout, b->c, &res->v);
	else
	{
		char	 l[4400];

		snprintf(l, sizeof(l), "%s\t%s\t%s\n", where, res->v.cause ?
		    res->v.cause : "-", res->v.status[0] ? res->v.status : "-");
		batch_line(b, l);
	}
	b->c->source = NULL;
	progress(b, 0);
}

/* add_line - a line to the message; 1 when it went over the limit */
static int
add_line(struct batch *b, const char *s, size_t n)
{
	if (b->msg.len + n > b->bo.max_size)
		return (1);
	return (buf_append(&b->msg, s, n) < 0);
}

/* batch_fd - one input: an mbox when it starts "From ", else one message */
static int
batch_fd(struct batch *b, int fd, const char *source)
{
	struct reader *r;
	long long start = -1;
	int	 rc, mbox, big = 0, prev_empty = 1;
	const char *s;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return (-1);
	r->fd = fd;
	if (fd == STDIN_FILENO && stdin_headlen > 0) {
		memcpy(r->b, stdin_head, stdin_headlen);
		r->have = stdin_headlen;
		stdin_headlen = 0;
	}
	if ((rc = rd_fill(r)) < 0) {
		free(r);
		return (-1);
	}
	mbox = r->have >= 5 && memcmp(r->b, "From ", 5) == 0;
	buf_reset(&b->msg);
	while ((rc = rd_line(r, &b->line)) > 0) {
		s = b->line.data;
		if (mbox && b->line.len >= 5 && memcmp(s, "From ", 5) == 0 &&
		    prev_empty) {
			if (start >= 0)
				batch_one(b, source, start, big);
			start = r->off - (long long)b->line.len;
			buf_reset(&b->msg);
			big = 0;
			prev_empty = 0;
			continue;
		}
		prev_empty = b->line.len == 1 || (b->line.len == 2 &&
		    s[0] == '\r');
		if (mbox && b->line.len > 5 && s[0] == '>') {
			size_t	 k = strspn(s, ">");

			if (k + 5 <= b->line.len && memcmp(s + k, "From ", 5)
			    == 0) {
				s++;	/* mboxrd: one level of quoting less */
				if (!big)
					big = add_line(b, s, b->line.len - 1);
				continue;
			}
		}
		if (!big)
			big = add_line(b, s, b->line.len);
	}
	if (rc == 0 && (start >= 0 || (!mbox && (b->msg.len > 0 || big))))
		batch_one(b, source, mbox ? start : -1, big);
	free(r);
	return (rc < 0 ? -1 : 0);
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
	while ((de = readdir(d)) != NULL && n < BATCH_DIR_MAX) {
		char	**nn;

		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			if ((nn = realloc(names, cap * sizeof(*nn))) == NULL)
				break;
			names = nn;
		}
		if ((names[n] = strdup(de->d_name)) == NULL)
			break;
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		free(names[i]);
		/* one level only: a directory inside is not followed */
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
			batch_path(b, p, depth + 1);
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

/* second_from - a "From " line after an empty line further in fd */
static int
second_from(int fd)
{
	char	 b[BATCH_BLOCK + 8];
	size_t	 keep = 0, i;
	ssize_t	 n;

	while ((n = read(fd, b + keep, BATCH_BLOCK)) > 0) {
		n += (ssize_t)keep;
		for (i = 0; i + 7 <= (size_t)n; i++)
			if (b[i] == '\n' && b[i + 1] == '\n' &&
			    memcmp(b + i + 2, "From ", 5) == 0)
				return (1);
		keep = (size_t)n < 7 ? (size_t)n : 7;
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
	if (rewrite && (outdir == NULL || stat(outdir, &st) != 0 ||
	    !S_ISDIR(st.st_mode))) {
		fprintf(stderr, "relayhint: bounce --rewrite over several "
		    "messages needs --output-dir DIR (an existing directory)\n");
		return (EXIT_USAGE);
	}
	b.tty = isatty(STDERR_FILENO);
	b.res = malloc(sizeof(*b.res));
	b.bycause = calloc((size_t)c->kb.rules->ncauses + 1,
	    sizeof(*b.bycause));
	if (b.res == NULL || b.bycause == NULL) {
		free(b.res);
		free(b.bycause);
		fprintf(stderr, "relayhint: out of memory\n");
		return (EXIT_USAGE);
	}
	buf_init(&b.msg, b.bo.max_size + BATCH_LINE_MAX);
	buf_init(&b.line, BATCH_LINE_MAX + BATCH_BLOCK);
	buf_init(&b.out, b.bo.max_size * 2 + 1024 * 1024);
	for (i = 0; i < nargs; i++)
		batch_path(&b, args[i], 0);
	progress(&b, 1);
	if (!c->json && b.n == 1 && b.pend && b.skipped == 0)
		out_verdict_text(stdout, c, &b.res->v);
	else if (!c->json) {
		if (b.pend)
			fputs(b.pending, stdout);
		summary(&b);
	}
	buf_free(&b.msg);
	buf_free(&b.line);
	buf_free(&b.out);
	free(b.res);
	free(b.bycause);
	rc = b.errors > 0 ? EXIT_USAGE : b.found > 0 ? 0 : EXIT_NOCAUSE;
	return (rc);
}
