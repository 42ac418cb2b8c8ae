/*
 * bench_dlfunc.c - per-call cost of relayhint.so's ${dlfunc} entry points,
 * in process, without Exim
 *
 *   bench_dlfunc [-m M] [-r R] [-v] SO OPTIONS REPLIES.tsv
 *
 * dlopen()s SO (build/exim-dlfunc/relayhint.so) the way Exim does
 * (RTLD_LAZY) and
 * calls relayhint_cause{REPLY}{OPTIONS} and then
 * relayhint_hint{REPLY}{en}{text}{OPTIONS} M times each, the replies of
 * REPLIES.tsv ("cause<TAB>reply" lines, as tests/data/replies/m365.tsv)
 * in turn; R rounds, the median is reported.  The first call, which
 * loads the rules and catalogs, is timed apart, from before dlopen() (as
 * Exim's first ${dlfunc} in a delivery process opens the object), with
 * the dlopen() alone as load_cpu_ms.  Prints one JSON object
 * (CPU ns per call); with -v first "expected<TAB>got" per distinct reply, so
 * the caller can check the answers it timed.
 *
 * EXIM SHIM.  The object calls three functions of Exim's own
 * (local_scan.h): store_get_3, expand_string and log_write.  This driver
 * defines minimal stand-ins for them below and exports them (linked with
 * -rdynamic) so that the dynamic linker binds the object to them as it
 * would bind it to Exim: a bump allocator reset before every call (Exim
 * resets its store per expansion too), an expand_string that knows no
 * variables, and a log_write that counts lines.  They are cheaper than
 * Exim's, which is the point: the difference between this figure and
 * the "exim -be" one is what Exim's expansion machinery costs.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef unsigned char uschar;
typedef int dlfunc_t(uschar **, int, uschar *[]);

/* ---- EXIM SHIM: stand-ins for Exim's symbols (see the header comment) */
#define SHIM_STORE	(1024u * 1024)

void	*store_get_3(int, const void *, const char *, int);
uschar	*expand_string(uschar *);
void	 log_write(unsigned int, int, const char *, ...);

static char	 shim_store[SHIM_STORE];
static size_t	 shim_used;
static unsigned long shim_log_lines;

void *
store_get_3(int size, const void *proto, const char *func, int line)
{
	size_t	 n = ((size_t)(size > 0 ? size : 1) + 15) & ~(size_t)15;

	(void)proto;
	(void)func;
	(void)line;
	if (n > SHIM_STORE - shim_used) {
		fprintf(stderr, "bench_dlfunc: shim store exhausted\n");
		exit(1);
	}
	shim_used += n;
	return (shim_store + shim_used - n);
}

uschar *
expand_string(uschar *s)
{
	(void)s;
	return ((uschar *)"");
}

void
log_write(unsigned int selector, int flags, const char *fmt, ...)
{
	(void)selector;
	(void)flags;
	(void)fmt;
	shim_log_lines++;
}
/* ---- end of the EXIM SHIM */

struct reply {
	char	*cause;
	char	*text;
};

/*
 * now - CPU time of this process: the machine is shared, and a call's
 * cost is the CPU it takes, not how long the scheduler made it wait
 */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static int
cmpd(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

/* load - "cause<TAB>reply" lines; no "\n" escapes (multi-line replies) */
static int
load(const char *path, struct reply **out)
{
	FILE	*f;
	char	 line[4096], *tab, *nl;
	struct reply *r = NULL, *nr;
	int	 n = 0;

	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || (tab = strchr(line, '\t')) == NULL ||
		    strstr(line, "\\n") != NULL)
			continue;
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		*tab = '\0';
		if ((nr = realloc(r, (size_t)(n + 1) * sizeof(*r))) == NULL)
			break;
		r = nr;
		r[n].cause = strdup(line);
		r[n].text = strdup(tab + 1);
		if (r[n].cause == NULL || r[n].text == NULL)
			break;
		n++;
	}
	fclose(f);
	*out = r;
	return (n);
}

int
main(int argc, char **argv)
{
	long	 m = 100000, i;
	int	 rounds = 5, verbose = 0, c, n, k, rc;
	void	*h;
	dlfunc_t *cause, *hint;
	struct reply *rep;
	uschar	*yield, *av[4];
	double	 t0, t_load, t_first, *tc, *th;
	size_t	 bytes = 0;
	unsigned long errors = 0;

	while ((c = getopt(argc, argv, "m:r:v")) != -1) {
		switch (c) {
		case 'm':
			m = strtol(optarg, NULL, 10);
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 3 || m < 1 || rounds < 1) {
usage:
		fprintf(stderr, "usage: bench_dlfunc [-m M] [-r R] [-v] SO "
		    "OPTIONS REPLIES.tsv\n");
		return (2);
	}
	if ((n = load(argv[optind + 2], &rep)) <= 0) {
		fprintf(stderr, "bench_dlfunc: no replies in %s\n",
		    argv[optind + 2]);
		return (1);
	}
	t0 = now();
	/* as Exim's expand.c opens a ${dlfunc} object */
	if ((h = dlopen(argv[optind], RTLD_LAZY)) == NULL ||
	    (cause = (dlfunc_t *)dlsym(h, "relayhint_cause")) == NULL ||
	    (hint = (dlfunc_t *)dlsym(h, "relayhint_hint")) == NULL) {
		fprintf(stderr, "bench_dlfunc: %s\n", dlerror());
		return (1);
	}
	t_load = now() - t0;
	av[1] = (uschar *)argv[optind + 1];
	av[0] = (uschar *)rep[0].text;
	shim_used = 0;
	rc = cause(&yield, 2, av);
	t_first = now() - t0;
	if (rc != 0) {
		fprintf(stderr, "bench_dlfunc: relayhint_cause: %s\n",
		    yield ? (char *)yield : "error");
		return (1);
	}
	if (verbose)
		for (k = 0; k < n; k++) {
			av[0] = (uschar *)rep[k].text;
			shim_used = 0;
			yield = NULL;
			(void)cause(&yield, 2, av);
			printf("%s\t%s\n", rep[k].cause,
			    yield && *yield ? (char *)yield : "-");
		}
	if ((tc = calloc((size_t)rounds, sizeof(*tc))) == NULL ||
	    (th = calloc((size_t)rounds, sizeof(*th))) == NULL)
		return (1);
	for (k = 0; k < rounds; k++) {
		t0 = now();
		for (i = 0; i < m; i++) {
			av[0] = (uschar *)rep[i % n].text;
			shim_used = 0;
			if (cause(&yield, 2, av) != 0)
				errors++;
			else if (yield != NULL)
				bytes += strlen((char *)yield);
		}
		tc[k] = now() - t0;
		t0 = now();
		for (i = 0; i < m; i++) {
			uschar	*hv[4];

			hv[0] = (uschar *)rep[i % n].text;
			hv[1] = (uschar *)"en";
			hv[2] = (uschar *)"text";
			hv[3] = av[1];
			shim_used = 0;
			if (hint(&yield, 4, hv) != 0)
				errors++;
			else if (yield != NULL)
				bytes += strlen((char *)yield);
		}
		th[k] = now() - t0;
	}
	qsort(tc, (size_t)rounds, sizeof(*tc), cmpd);
	qsort(th, (size_t)rounds, sizeof(*th), cmpd);
	printf("{\"calls\": %ld, \"rounds\": %d, \"replies\": %d, "
	    "\"first_call_cpu_ms\": %.3f, \"load_cpu_ms\": %.3f, "
	    "\"cause_ns_per_call\": %.0f, "
	    "\"hint_ns_per_call\": %.0f, \"errors\": %lu, "
	    "\"log_lines\": %lu, \"yield_bytes\": %zu}\n", m, rounds, n,
	    t_first * 1e3, t_load * 1e3, tc[rounds / 2] / (double)m * 1e9,
	    th[rounds / 2] / (double)m * 1e9, errors, shim_log_lines, bytes);
	return (errors ? 1 : 0);
}
