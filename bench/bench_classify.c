/*
 * bench_classify.c - in-process bounce classification throughput
 *
 *   bench_classify [-n N] [-r R] [-v] FILE...
 *
 * Loads every FILE once into memory, then classifies a stream of N
 * messages (the files in order, round robin) R times, each with the same
 * call sequence "relayhint bounce" uses: mime_split_message, then
 * bounce_classify, or explain_text when the input has no header block.
 * Prints one JSON object: the median, minimum and maximum wall time of
 * the R runs, messages/s and MB/s from the median.  With -v it first
 * prints "file<TAB>cause" for each distinct file (cause "-" when none),
 * so a caller can check the answers it is timing (make bench-lib).
 *
 * The files are read before the clock starts so that the number is the
 * classifier's cost, not the disk's; the other tools are given their
 * input from memory (sisimai.pl) or page cache in the same spirit.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bounce.h"
#include "explain.h"
#include "mime.h"

struct input {
	const char	*name;
	char		*data;
	size_t		 len;
};

/* a sink the compiler cannot prove unused, so no call is optimised away */
static volatile size_t sink;

static char *
slurp(const char *path, size_t *lenp)
{
	FILE	*f;
	char	*p = NULL, *np;
	size_t	 len = 0, cap = 0, n;

	if ((f = fopen(path, "rb")) == NULL)
		return (NULL);
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 131072;
			if ((np = realloc(p, cap + 1)) == NULL) {
				free(p);
				fclose(f);
				return (NULL);
			}
			p = np;
		}
		n = fread(p + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	p[len] = '\0';
	*lenp = len;
	return (p);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return ((x > y) - (x < y));
}

/* classify one message as "relayhint bounce" does; returns the cause */
static const char *
classify(const struct kb *kb, const struct input *in,
    struct bounce_result *res)
{
	const char	*body;
	size_t		 hlen;

	if (mime_split_message(in->data, in->len, &hlen, &body) == 0)
		bounce_classify(kb, in->data, hlen, body,
		    in->len - (size_t)(body - in->data), res);
	else {
		memset(res, 0, sizeof(*res));
		explain_text(kb, in->data, in->len, &res->v);
	}
	return (res->v.cause);
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_classify [-n N] [-r R] [-v] FILE...\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct kb		 kb;
	struct bounce_result	*res;
	struct input		*in;
	double			*t, t0, med;
	char			 err[512];
	const char		*cause;
	unsigned long		 n = 100000, r = 5, i, k;
	size_t			 nin, j, bytes = 0, found = 0;
	int			 ch, verbose = 0;

	while ((ch = getopt(argc, argv, "n:r:v")) != -1) {
		switch (ch) {
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			r = strtoul(optarg, NULL, 10);
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || n == 0 || r == 0)
		usage();
	nin = (size_t)argc;
	if ((in = calloc(nin, sizeof(*in))) == NULL ||
	    (t = calloc(r, sizeof(*t))) == NULL ||
	    (res = malloc(sizeof(*res))) == NULL) {
		perror("bench_classify");
		return (1);
	}
	for (j = 0; j < nin; j++) {
		in[j].name = argv[j];
		if ((in[j].data = slurp(argv[j], &in[j].len)) == NULL) {
			fprintf(stderr, "bench_classify: %s: %s\n", argv[j],
			    strerror(errno));
			return (1);
		}
	}
	if (kb_load(&kb, NULL, NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench_classify: %s\n", err);
		return (1);
	}
	/* the verdicts, once per distinct file, outside the timing */
	for (j = 0; j < nin; j++) {
		cause = classify(&kb, &in[j], res);
		if (verbose)
			printf("%s\t%s\n", in[j].name, cause ? cause : "-");
	}
	/* the bytes one run sees: whole copies plus the remainder */
	for (i = 0; i < n; i++)
		bytes += in[i % nin].len;
	for (k = 0; k < r; k++) {
		found = 0;
		t0 = now();
		for (i = 0; i < n; i++)
			if (classify(&kb, &in[i % nin], res) != NULL)
				found++;
		t[k] = now() - t0;
		sink += found;
	}
	qsort(t, r, sizeof(*t), cmp_double);
	med = r % 2 ? t[r / 2] : (t[r / 2 - 1] + t[r / 2]) / 2;
	printf("{\"tool\":\"relayhint\",\"messages\":%lu,\"bytes\":%zu,"
	    "\"runs\":%lu,\"median_s\":%.6f,\"min_s\":%.6f,\"max_s\":%.6f,"
	    "\"msgs_per_s\":%.1f,\"mb_per_s\":%.2f,\"with_cause\":%zu}\n",
	    n, bytes, r, med, t[0], t[r - 1], (double)n / med,
	    (double)bytes / med / 1e6, found);
	kb_free(&kb);
	for (j = 0; j < nin; j++)
		free(in[j].data);
	free(in);
	free(t);
	free(res);
	return (0);
}
