/*
 * test_scanpar.c - scanpar_fd (cli/scanpar.c) against a plain line split
 *
 * The lines relayhint scan sees must not depend on how the file was cut:
 * for seeded random inputs (real log lines of tests/data, junk, NULs,
 * empty lines, lines longer than linemax and than a block), small blocks
 * and linemax, 0, 1 and 3 worker threads, and the input as a file, as a
 * file read from an offset and as a pipe, the records scanpar hands over
 * (with the lines they say were dropped) are the lines of a plain split,
 * in order, each with its parse, and a file is left at its end.  A
 * caller that stops gets nothing more; a file that grows while it is
 * read ends where the read found its end.
 */
#include "testutil.h"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include "logline.h"
#include "scanpar.h"
#include "text.h"

#define NINPUTS		120

/* one line as the caller saw it: dropped, or kept with its record */
struct ev {
	int	 kept, whole;
	char	*line;
	size_t	 len;
	long	 pid;
	int	 kind, mta, xoauth2;
	char	 host[SCANPAR_HOST];
	char	 qid[LOGLINE_ID_MAX];
};

struct evs {
	struct ev *v;
	size_t	 n, cap;
	size_t	 stop_at;		/* take says stop at this many; 0 never */
};

static char	**pool;
static size_t	 npool;
static unsigned long rnd_state;

/* rnd - a small LCG: the same inputs on every run */
static unsigned long
rnd(unsigned long n)
{
	rnd_state = rnd_state * 6364136223846793005UL + 1442695040888963407UL;
	return ((rnd_state >> 33) % n);
}

/* want - drop non-MTA lines, keep failures whole, records of the rest */
static int
want(const struct logline *ll, enum logline_kind k)
{
	if (ll->mta == LOGLINE_NONE && !ll->xoauth2)
		return (0);
	if (k != LOGLINE_OTHER && ll->reason != NULL)
		return (2);
	return (1);
}

static struct ev *
ev_add(struct evs *e)
{
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 256;
		e->v = realloc(e->v, e->cap * sizeof(*e->v));
		assert_non_null(e->v);
	}
	memset(&e->v[e->n], 0, sizeof(e->v[0]));
	return (&e->v[e->n++]);
}

static void
evs_free(struct evs *e)
{
	size_t	 i;

	for (i = 0; i < e->n; i++)
		free(e->v[i].line);
	free(e->v);
	memset(e, 0, sizeof(*e));
}

/* take - scanpar's records as events */
static int
take(void *arg, const struct scanpar_rec *r)
{
	struct evs *e = arg;
	struct ev *v;
	unsigned long i;

	for (i = 0; i < r->skipped; i++)
		ev_add(e);
	if (!r->none) {
		v = ev_add(e);
		v->kept = 1;
		v->whole = r->whole;
		v->line = malloc(r->len + 1);
		assert_non_null(v->line);
		memcpy(v->line, r->line, r->len);
		v->len = r->len;
		v->pid = r->pid;
		v->kind = r->kind;
		v->mta = r->mta;
		v->xoauth2 = r->xoauth2;
		memcpy(v->host, r->host, sizeof(v->host));
		memcpy(v->qid, r->queue_id, sizeof(v->qid));
	}
	return (e->stop_at > 0 && e->n >= e->stop_at);
}

/* reference - the plain split: lines, cut at linemax - 1 and a NUL */
static void
reference(const char *in, size_t len, size_t linemax, struct evs *e)
{
	struct scanpar_rec r;
	struct logline ll;
	enum logline_kind k;
	const char *p = in, *end = in + len, *nl, *z;
	size_t	 n;
	int	 w;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl != NULL ? nl : end) - p);
		if (n > linemax - 1)
			n = linemax - 1;
		if ((z = memchr(p, '\0', n)) != NULL)
			n = (size_t)(z - p);
		k = logline_parse(p, n, &ll);
		memset(&r, 0, sizeof(r));
		if ((w = want(&ll, k)) == 0)
			r.skipped = 1, r.none = 1;
		else {
			r.line = p;
			r.len = n;
			r.pid = ll.pid;
			r.kind = (unsigned char)k;
			r.mta = (unsigned char)ll.mta;
			r.xoauth2 = (unsigned char)(ll.xoauth2 != 0);
			r.whole = w == 2;
			text_copy(r.host, sizeof(r.host), ll.host,
			    strlen(ll.host));
			text_copy(r.queue_id, sizeof(r.queue_id), ll.queue_id,
			    strlen(ll.queue_id));
		}
		take(e, &r);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

/* same - two event lists, line by line */
static void
same(const struct evs *a, const struct evs *b, const char *what)
{
	size_t	 i;

	if (a->n != b->n)
		fail_msg("%s: %zu lines, want %zu", what, b->n, a->n);
	for (i = 0; i < a->n; i++) {
		const struct ev *x = &a->v[i], *y = &b->v[i];

		if (x->kept != y->kept || x->whole != y->whole ||
		    x->len != y->len || (x->len > 0 &&
		    memcmp(x->line, y->line, x->len) != 0) ||
		    x->pid != y->pid || x->kind != y->kind ||
		    x->mta != y->mta || x->xoauth2 != y->xoauth2 ||
		    strcmp(x->host, y->host) != 0 ||
		    strcmp(x->qid, y->qid) != 0)
			fail_msg("%s: line %zu differs (kept %d/%d, len "
			    "%zu/%zu)", what, i, x->kept, y->kept, x->len,
			    y->len);
	}
}

/* load_pool - the log lines of tests/data/logs and relaylocal */
static void
load_pool(void)
{
	const char *dirs[] = { "tests/data/logs", "tests/data/relaylocal",
	    "tests/data/postfix/logs" };
	size_t	 d, len, cap = 0;
	char	 rel[1024], *text, *p, *nl;
	struct dirent *de;
	DIR	*dp;

	for (d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		assert_non_null(dp = opendir(tu_path(dirs[d])));
		while ((de = readdir(dp)) != NULL) {
			if (strstr(de->d_name, ".log") == NULL)
				continue;
			snprintf(rel, sizeof(rel), "%s/%s", dirs[d],
			    de->d_name);
			text = tu_read(rel, &len);
			for (p = text; (nl = strchr(p, '\n')) != NULL;
			    p = nl + 1) {
				if (npool == cap) {
					cap = cap ? cap * 2 : 512;
					pool = realloc(pool, cap * sizeof(*pool));
					assert_non_null(pool);
				}
				pool[npool++] = strndup(p, (size_t)(nl - p));
			}
			free(text);
		}
		closedir(dp);
	}
	assert_true(npool > 100);
}

/* gen - one random input into b; its length */
static size_t
gen(char *b, size_t cap, size_t linemax)
{
	static const char junk[] = "ab: []\n\n\0\tx";
	size_t	 n = 0, want_len = rnd(cap), i, l;
	const char *s;

	while (n < want_len) {
		switch (rnd(8)) {
		case 0:		/* junk bytes, NULs and newlines */
			for (l = rnd(40); l > 0 && n < cap; l--)
				b[n++] = junk[rnd(sizeof(junk) - 1)];
			break;
		case 1:		/* a line longer than linemax, maybe a block */
			s = pool[rnd(npool)];
			for (i = 0, l = linemax + rnd(3 * linemax);
			    i < l && n < cap; i++)
				b[n++] = i < strlen(s) ? s[i] : 'w';
			if (n < cap)
				b[n++] = '\n';
			break;
		case 2:		/* a real line with a NUL in it */
			s = pool[rnd(npool)];
			l = strlen(s);
			for (i = 0; i < l && n < cap; i++)
				b[n++] = i == l / 2 ? '\0' : s[i];
			if (n < cap)
				b[n++] = '\n';
			break;
		default:	/* a real line */
			s = pool[rnd(npool)];
			for (l = strlen(s), i = 0; i < l && n < cap; i++)
				b[n++] = s[i];
			if (n < cap)
				b[n++] = '\n';
		}
	}
	/* a last line without its newline, sometimes */
	if (n > 0 && rnd(3) == 0)
		n--;
	return (n);
}

struct writer {
	int	 fd;
	const char *p;
	size_t	 len;
};

/* write_all - the pipe's writer thread */
static void *
write_all(void *arg)
{
	struct writer *w = arg;
	size_t	 off = 0;
	ssize_t	 r;

	while (off < w->len && (r = write(w->fd, w->p + off,
	    w->len - off)) > 0)
		off += (size_t)r;
	close(w->fd);
	return (NULL);
}

/* run - scanpar over in as a file (at offset pre), or a pipe */
static int
run(const char *in, size_t len, int how, int workers, size_t block,
    size_t linemax, struct evs *got)
{
	static volatile sig_atomic_t stop;
	char	 path[] = "/tmp/test_scanpar.XXXXXX";
	struct writer w;
	pthread_t th;
	int	 fd, pfd[2], rc;

	if (how == 2) {
		assert_int_equal(pipe(pfd), 0);
		w.fd = pfd[1];
		w.p = in;
		w.len = len;
		assert_int_equal(pthread_create(&th, NULL, write_all, &w), 0);
		rc = scanpar_fd(pfd[0], workers, block, linemax, want, take,
		    got, &stop);
		close(pfd[0]);
		pthread_join(th, NULL);
		return (rc);
	}
	assert_true((fd = mkstemp(path)) >= 0);
	unlink(path);
	/* how 1: the file as standard input left it, at an offset */
	if (how == 1)
		assert_int_equal(write(fd, "skipped\n", 8), 8);
	assert_int_equal(write(fd, in, len), (ssize_t)len);
	assert_int_equal(lseek(fd, how == 1 ? 8 : 0, SEEK_SET),
	    how == 1 ? 8 : 0);
	rc = scanpar_fd(fd, workers, block, linemax, want, take, got, &stop);
	/* left at the end, as a read to the end leaves it ("- -": the
	 * second finds nothing) */
	if (rc == 0)
		assert_int_equal(lseek(fd, 0, SEEK_CUR),
		    (off_t)len + (how == 1 ? 8 : 0));
	close(fd);
	return (rc);
}

/* test_split_random - every cut gives the plain split's lines */
static void
test_split_random(void **state)
{
	static const size_t linemaxes[] = { 2, 9, 64, 300, 4096 };
	static const int workers[] = { 0, 1, 3 };
	static const char *how[] = { "file", "file at an offset", "pipe" };
	struct evs ref, got;
	char	*in, what[160];
	size_t	 len, linemax, block;
	int	 i, h, wi;

	(void)state;
	in = malloc(20000);
	assert_non_null(in);
	rnd_state = 18;
	for (i = 0; i < NINPUTS; i++) {
		linemax = linemaxes[rnd(5)];
		block = linemax + rnd(i % 2 ? 40 : 3000);
		len = gen(in, i % 10 == 0 ? 20000 : 4000, linemax);
		memset(&ref, 0, sizeof(ref));
		reference(in, len, linemax, &ref);
		for (h = 0; h < 3; h++)
			for (wi = 0; wi < 3; wi++) {
				memset(&got, 0, sizeof(got));
				assert_int_equal(run(in, len, h, workers[wi],
				    block, linemax, &got), 0);
				snprintf(what, sizeof(what), "input %d (%zu "
				    "bytes), %s, %d workers, block %zu, "
				    "linemax %zu", i, len, how[h],
				    workers[wi], block, linemax);
				same(&ref, &got, what);
				evs_free(&got);
			}
		evs_free(&ref);
	}
	free(in);
}

/* test_stop - a caller that stops gets no line after it */
static void
test_stop(void **state)
{
	struct evs ref, got;
	char	*in;
	size_t	 len;
	int	 h;

	(void)state;
	in = malloc(200000);
	assert_non_null(in);
	rnd_state = 7;
	do
		len = gen(in, 200000, 300);
	while (len < 100000);
	memset(&ref, 0, sizeof(ref));
	reference(in, len, 300, &ref);
	assert_true(ref.n > 300);
	for (h = 0; h < 3; h++) {
		struct evs head = ref;

		memset(&got, 0, sizeof(got));
		got.stop_at = 300;
		assert_int_equal(run(in, len, h, 3, 4096, 300, &got), -1);
		/* the record that said stop is the last one taken */
		assert_true(got.n >= 300 && got.n < ref.n);
		head.n = got.n;
		same(&head, &got, "stopped");
		evs_free(&got);
	}
	evs_free(&ref);
	free(in);
}

/* want_all - every line a record: what test_growing looks at */
static int
want_all(const struct logline *ll, enum logline_kind k)
{
	(void)ll;
	(void)k;
	return (1);
}

struct grow {
	struct evs e;
	int	 fd;
	int	 done;
	off_t	 end;			/* of the file as first written */
};

/* take_grow - take, and the first time append to the file being read */
static int
take_grow(void *arg, const struct scanpar_rec *r)
{
	struct grow *g = arg;
	const char more[] = "_REST_OF_IT\nnext line\n";

	take(&g->e, r);
	/* at the end (the fd's own offset is the reader's business) */
	if (!g->done++)
		assert_int_equal(pwrite(g->fd, more, sizeof(more) - 1, g->end),
		    (ssize_t)sizeof(more) - 1);
	return (0);
}

/*
 * test_growing - a log still being written: a line cut by the end of
 * the file as it stood counts once, as it was, and the scan ends there
 * (a later block took up the line's rest as a line of its own)
 */
static void
test_growing(void **state)
{
	static volatile sig_atomic_t stop;
	char	 path[] = "/tmp/test_scanpar.XXXXXX", line[80];
	struct grow g;

	(void)state;
	memset(&g, 0, sizeof(g));
	assert_true((g.fd = mkstemp(path)) >= 0);
	unlink(path);
	memset(line, 'a', sizeof(line));
	line[sizeof(line) - 1] = '\n';
	assert_int_equal(write(g.fd, line, sizeof(line)), sizeof(line));
	assert_int_equal(write(g.fd, "L_PARTIAL", 9), 9);
	g.end = (off_t)sizeof(line) + 9;
	assert_int_equal(lseek(g.fd, 0, SEEK_SET), 0);
	/* no worker: this thread reads block 1 after block 0 was taken */
	assert_int_equal(scanpar_fd(g.fd, 0, 64, 64, want_all, take_grow,
	    &g, &stop), 0);
	assert_int_equal(g.e.n, 2);
	assert_int_equal(g.e.v[1].len, 9);
	assert_memory_equal(g.e.v[1].line, "L_PARTIAL", 9);
	assert_int_equal(lseek(g.fd, 0, SEEK_CUR), sizeof(line) + 9);
	close(g.fd);
	evs_free(&g.e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_random),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_growing),
	};
	size_t	 i;
	int	 rc;

	/* a stopped scan leaves the pipe's writer writing into the void */
	signal(SIGPIPE, SIG_IGN);
	load_pool();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	for (i = 0; i < npool; i++)
		free(pool[i]);
	free(pool);
	return (rc);
}
