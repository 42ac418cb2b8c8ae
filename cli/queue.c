/*
 * queue.c - relayhint queue: Postfix's stuck mail, summarised by cause
 *
 * Functions: cmd_queue.
 *
 * Runs "postqueue -j" (or reads its output from --file) and classifies
 * each queued message by the delay_reason of its recipients, so the
 * admin sees at once that 140 deferred messages share one cause - and,
 * per cause and next hop, when the oldest of them will bounce: its
 * arrival time plus maximal_queue_lifetime (bounce_queue_lifetime for a
 * bounce, whose sender is empty), both read with "postconf -h" (or given
 * with --lifetime/--bounce-lifetime; Postfix's 5 days when neither
 * works).  A deferral is acted on before it becomes a bounce.
 *
 * postqueue and postconf run through cli_run (no shell, a clean
 * environment, bounded output up to QUEUE_OUTPUT_MAX, a time limit), as
 * doctor's tools do, except that postqueue's own stderr reaches ours:
 * "postqueue: fatal: ..." says why the queue could not be read; each record is parsed once (pqjson_parse) and
 * classified from its fields (explain_pq).
 *
 * Input: one JSON object per line.  A record over QUEUE_LINE_MAX, one
 * with a NUL byte, one that is not JSON (or not a postqueue -j object)
 * is skipped, and every skip is counted and reported on stderr by
 * reason; input with records but not one usable is an input error
 * (exit 2), not "0 queued".
 *
 * Limits: at most
 * QUEUE_MAX_GROUPS (cause, next hop) groups are summarised, further
 * messages are counted as other; up to QUEUE_SHOW_IDS queue ids are
 * listed per group.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ctype.h>

#include "buf.h"
#include "cli.h"
#include "doctor.h"
#include "explain.h"
#include "jsonw.h"
#include "metrics.h"
#include "pqjson.h"
#include "text.h"

#define QUEUE_LINE_MAX		(1024 * 1024)
#define QUEUE_MAX_GROUPS	(RULES_MAX_CAUSES * 4)
#define QUEUE_SHOW_IDS		10
#define QUEUE_DEFAULT_LIFE	(5 * 86400L)
#define QUEUE_OUTPUT_MAX	(256 * 1024 * 1024)	/* postqueue -j, bytes */

struct qsum {
	const char	*cause;
	char		 hop[256];		/* next hop named in the reason */
	unsigned long	 messages;
	long long	 oldest;		/* arrival time, 0 = unknown */
	long long	 expires;		/* first bounce time, 0 = unknown */
	int		 forced;		/* postsuper -f: expires next try */
	int		 nids;
	char		 ids[QUEUE_SHOW_IDS][64];
	char		 status[16];
};

/* skipped records, by reason */
struct qskip {
	unsigned long	 toolong, nul, notjson;
};

/*
 * read_record - one line into line (at most max - 1 bytes, NUL-ended):
 * its length, or -1 at the end of input.  A NUL inside a line does not
 * end it (fgets and strlen made the rest look like a short line and
 * dropped the next one); a longer line is read to its end and counted.
 */
static ssize_t
read_record(FILE *fp, char *line, size_t max, struct qskip *sk, int *bad)
{
	size_t	 n = 0;
	int	 ch, nul = 0, over = 0;

	*bad = 0;
	while ((ch = getc(fp)) != EOF && ch != '\n') {
		if (ch == '\0')
			nul = 1;
		if (n + 1 < max)
			line[n++] = (char)ch;
		else
			over = 1;
	}
	if (ch == EOF && n == 0 && !over && !nul)
		return (-1);
	line[n] = '\0';
	if (over) {
		sk->toolong++;
		*bad = 1;
	} else if (nul) {
		sk->nul++;
		*bad = 1;
	}
	return ((ssize_t)n);
}

/* reason_hop - the server a delay reason names: "host H[", "server H[" */
static void
reason_hop(const char *r, char *out, size_t outlen)
{
	static const char *const lead[] = { "to server ", "server ", "host ",
	    "name=" };
	const char *p, *q;
	size_t	 i;

	out[0] = '\0';
	for (i = 0; i < sizeof(lead) / sizeof(lead[0]); i++) {
		if ((p = strstr(r, lead[i])) == NULL)
			continue;
		p += strlen(lead[i]);
		for (q = p; *q != '\0' && q - p < 255 && (isalnum((unsigned
		    char)*q) || *q == '.' || *q == '-' || *q == '_'); q++)
			;
		if (q > p) {
			text_copy(out, outlen, p, (size_t)(q - p));
			return;
		}
	}
}

/* queue_duration - a Postfix time value, default unit days */
static long
queue_duration(const char *v)
{
	return (doctor_duration(v, 'd'));
}

/* postconf_life - maximal_ and bounce_queue_lifetime from postconf -h */
static void
postconf_life(const char *config_dir, long *life, long *blife)
{
	char	*argv[] = { "postconf", "-c", (char *)config_dir, "-h",
	    "maximal_queue_lifetime", "bounce_queue_lifetime", NULL };
	struct buf out;
	char	*line, *next;
	long	 v;
	int	 n = 0;

	if (config_dir == NULL)	/* no "-c DIR" */
		memmove(argv + 1, argv + 3, 4 * sizeof(argv[0]));
	buf_init(&out, 4096);
	/* out.data is NUL-terminated */
	if (cli_run(NULL, argv, &out) >= 0 && out.data != NULL) {
		for (line = out.data; n < 2 && line != NULL; line = next, n++) {
			if ((next = strchr(line, '\n')) != NULL)
				*next++ = '\0';
			else if (*line == '\0')
				break;
			if ((v = queue_duration(line)) > 0)
				*(n == 0 ? life : blife) = v;
		}
	}
	buf_free(&out);
}

/* queue_area - the area of a cause id, from the rules */
static const char *
queue_area(const struct cli *c, const char *cause)
{
	int	 i = rules_cause_index(c->kb.rules, cause);

	return (i >= 0 ? c->kb.rules->causes[i].area : NULL);
}

/* when_str - an epoch time as ISO 8601 UTC, "unknown" for 0 */
static void
when_str(long long t, char *out, size_t outlen)
{
	time_t	 tt = (time_t)t;
	struct tm tm;

	snprintf(out, outlen, "unknown");
	if (t > 0 && gmtime_r(&tt, &tm) != NULL)
		strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* left_str - time until t: "2 days 3 hours", or "overdue by ..." */
static void
left_str(long long t, long long now, char *out, size_t outlen)
{
	long long d = t - now, a = d < 0 ? -d : d;

	if (t <= 0) {
		snprintf(out, outlen, "unknown");
		return;
	}
	if (a >= 86400)
		snprintf(out, outlen, "%s%lld day%s %lld hour%s",
		    d < 0 ? "overdue by " : "", a / 86400, a / 86400 == 1 ? "" :
		    "s", (a % 86400) / 3600, (a % 86400) / 3600 == 1 ? "" : "s");
	else
		snprintf(out, outlen, "%s%lld hour%s %lld minute%s",
		    d < 0 ? "overdue by " : "", a / 3600, a / 3600 == 1 ? "" : "s",
		    (a % 3600) / 60, (a % 3600) / 60 == 1 ? "" : "s");
}

/* group_cmp - soonest bounce first; unknown times last */
static int
group_cmp(const void *a, const void *b)
{
	const struct qsum *x = a, *y = b;

	if ((x->expires == 0) != (y->expires == 0))
		return (x->expires == 0 ? 1 : -1);
	return (x->expires < y->expires ? -1 : x->expires > y->expires);
}

/* queue_print - one (cause, next hop) group */
static void
queue_print(struct cli *c, const struct qsum *g, long long now)
{
	const struct hint_entry *h;
	char	 when[32], exp[32], left[64];
	int	 k;

	when_str(g->oldest, when, sizeof(when));
	when_str(g->expires, exp, sizeof(exp));
	left_str(g->expires, now, left, sizeof(left));
	if (c->json) {
		struct buf b;

		buf_init(&b, 1024 * 1024);
		buf_puts(&b, "{\"schema\":\"" JSONW_SCHEMA "\","
		    "\"provider\":\"m365\",");
		jsonw_key(&b, "cause");
		jsonw_str(&b, g->cause);
		buf_putc(&b, ',');
		jsonw_key(&b, "area");
		jsonw_str(&b, queue_area(c, g->cause));
		buf_putc(&b, ',');
		jsonw_key(&b, "next_hop");
		jsonw_str(&b, g->hop[0] ? g->hop : NULL);
		buf_printf(&b, ",\"messages\":%lu,", g->messages);
		jsonw_key(&b, "oldest_arrival");
		jsonw_str(&b, g->oldest > 0 ? when : NULL);
		buf_putc(&b, ',');
		jsonw_key(&b, "oldest_bounces_at");
		jsonw_str(&b, g->expires > 0 ? exp : NULL);
		if (g->expires > 0)
			buf_printf(&b, ",\"seconds_left\":%lld,", g->expires -
			    now);
		else
			buf_puts(&b, ",\"seconds_left\":null,");
		buf_printf(&b, "\"forced_expire\":%s,", g->forced ? "true" :
		    "false");
		jsonw_key(&b, "enhanced_code");
		jsonw_str(&b, g->status[0] ? g->status : NULL);
		buf_puts(&b, ",\"queue_ids\":[");
		for (k = 0; k < g->nids; k++) {
			if (k > 0)
				buf_putc(&b, ',');
			jsonw_str(&b, g->ids[k]);
		}
		buf_puts(&b, "],");
		out_hint_json_members(&b, c, g->cause);
		buf_puts(&b, "}\n");
		fwrite(b.data, 1, b.len, stdout);
		buf_free(&b);
		return;
	}
	printf("%s via %s: %lu message(s), oldest arrived %s\n", g->cause,
	    g->hop[0] ? g->hop : "-", g->messages, when);
	if (g->expires > 0)
		printf("  oldest bounces %s (%s)%s\n", exp, left, g->forced ?
		    "; some are marked to expire at the next attempt" : "");
	if ((h = hints_find(&c->kb.hints, c->lang, g->cause, NULL)) != NULL) {
		printf("  %s\n", h->summary);
		for (k = 0; k < h->nsteps; k++)
			printf("    %d. %s\n", k + 1, h->step[k]);
	}
	printf("  queue ids:");
	for (k = 0; k < g->nids; k++)
		printf(" %s", g->ids[k]);
	printf("%s\n\n", g->messages > (unsigned long)g->nids ? " ..." : "");
}

/* queue_metrics - the summary as Prometheus gauges in path; -1 on error */
static int
queue_metrics(const char *path, const struct qsum *sum, int nsum,
    unsigned long other, long long now)
{
	struct metrics m;
	char	 err[512];
	int	 i, rc;

	if (metrics_init(&m) < 0)
		return (-1);
	for (i = 0; i < nsum; i++) {
		const char *relay = metrics_relay(&m, sum[i].hop);

		metrics_put(&m, METRICS_ADD, "relayhint_queue_deferred_messages",
		    (double)sum[i].messages, "cause", sum[i].cause,
		    "provider", "m365", "relay", relay, (char *)NULL);
		if (sum[i].expires > 0)
			/* the soonest bounce of the group; 0 when overdue */
			metrics_put(&m, METRICS_SET,
			    "relayhint_queue_oldest_bounce_seconds",
			    sum[i].expires > now ? (double)(sum[i].expires -
			    now) : 0, "cause", sum[i].cause, "relay", relay,
			    (char *)NULL);
	}
	metrics_put(&m, METRICS_ADD, "relayhint_queue_deferred_messages",
	    (double)other, "cause", "none", "provider", "other", "relay", "",
	    (char *)NULL);
	if ((rc = metrics_write(&m, path, err, sizeof(err))) < 0)
		fprintf(stderr, "relayhint: metrics: %s\n", err);
	metrics_free(&m);
	return (rc);
}

struct qopts {
	const char	*file;		/* NULL: run postqueue -j */
	const char	*cdir;		/* postconf/postqueue -c */
	const char	*metrics_path;
	long		 life, blife;
	long long	 now;
};

/* queue_options - the command line into o; -1 on success, else the exit */
static int
queue_options(struct cli *c, int argc, char **argv, struct qopts *o)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "file", required_argument, NULL, 'f' },
		{ "language", required_argument, NULL, 'l' },
		{ "lifetime", required_argument, NULL, 'L' },
		{ "bounce-lifetime", required_argument, NULL, 'B' },
		{ "config-dir", required_argument, NULL, 'C' },
		{ "now", required_argument, NULL, 'N' },
		{ "metrics", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char	*end;
	int	 ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "jf:l:L:B:C:N:m:h", opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'j':
			c->json = 1;
			break;
		case 'f':
			o->file = optarg;
			break;
		case 'm':
			o->metrics_path = optarg;
			break;
		case 'l':
			cli_set_lang(c, optarg);
			break;
		case 'L':
		case 'B':
			if (queue_duration(optarg) <= 0) {
				fprintf(stderr, "relayhint: bad duration "
				    "\"%.32s\"\n", optarg);
				return (EXIT_USAGE);
			}
			*(ch == 'L' ? &o->life : &o->blife) =
			    queue_duration(optarg);
			break;
		case 'C':
			o->cdir = optarg;
			break;
		case 'N':
			o->now = strtoll(optarg, &end, 10);
			if (*end != '\0' || o->now <= 0) {
				fprintf(stderr, "relayhint: bad --now\n");
				return (EXIT_USAGE);
			}
			break;
		case 'h':
			usage_cmd(stdout, "queue");
			return (0);
		default:
			usage_cmd(stderr, "queue");
			return (EXIT_USAGE);
		}
	}
	return (-1);
}

/*
 * queue_postqueue - "postqueue [-c DIR] -j" through cli_run_loud (no shell,
 * bounded output, time limit) into out; its exit status, -1 when it
 * could not be run or ran out of time
 */
static int
queue_postqueue(const char *cdir, struct buf *out)
{
	char	*argv[] = { "postqueue", "-c", (char *)cdir, "-j", NULL };

	if (cdir == NULL)
		memmove(argv + 1, argv + 3, 2 * sizeof(argv[0]));
	return (cli_run_loud(argv, out));
}

/*
 * queue_add - one classified record into its (cause, next hop) group;
 * a record past QUEUE_MAX_GROUPS groups counts as other
 */
static void
queue_add(struct qsum *sum, int *nsum, const struct pqjson *pq,
    const struct verdict *v, const struct qopts *o, unsigned long *other)
{
	long long arrival = pq->arrival_time, expires = 0;
	char	 hop[256];
	int	 i;

	hop[0] = '\0';
	/* a bounce has the empty sender */
	if (arrival > 0)
		expires = arrival + (pq->sender[0] ? o->life : o->blife);
	for (i = 0; i < pq->nrcpt && hop[0] == '\0'; i++)
		reason_hop(pq->rcpt[i].delay_reason, hop, sizeof(hop));
	if (hop[0] == '\0' && v->relay[0] != '\0')
		text_copy(hop, sizeof(hop), v->relay, strlen(v->relay));
	for (i = 0; i < *nsum && (sum[i].cause != v->cause ||
	    strcmp(sum[i].hop, hop) != 0); i++)
		;
	if (i == *nsum) {
		if (*nsum >= QUEUE_MAX_GROUPS) {
			(*other)++;
			return;
		}
		sum[i].cause = v->cause;
		text_copy(sum[i].hop, sizeof(sum[0].hop), hop, strlen(hop));
		text_copy(sum[i].status, sizeof(sum[0].status), v->status,
		    strlen(v->status));
		(*nsum)++;
	}
	sum[i].messages++;
	sum[i].forced |= pq->forced_expire;
	if (arrival > 0 && (sum[i].oldest == 0 || arrival < sum[i].oldest))
		sum[i].oldest = arrival;
	if (expires > 0 && (sum[i].expires == 0 || expires < sum[i].expires))
		sum[i].expires = expires;
	if (sum[i].nids < QUEUE_SHOW_IDS)
		text_copy(sum[i].ids[sum[i].nids++], 64, v->queue_id,
		    strlen(v->queue_id));
}

/*
 * queue_read - classify every record of fp into sum; each line is parsed
 * once (pqjson_parse) and classified from that (explain_pq).  0, or
 * EXIT_USAGE when out of memory.
 */
static int
queue_read(struct cli *c, FILE *fp, const struct qopts *o, struct qsum *sum,
    int *nsum, unsigned long *total, unsigned long *other, struct qskip *sk)
{
	struct pqjson *pq;
	struct verdict v;
	char	*line;
	ssize_t	 len;
	int	 bad, rc = 0;

	line = malloc(QUEUE_LINE_MAX);
	pq = malloc(sizeof(*pq));
	if (line == NULL || pq == NULL) {
		fprintf(stderr, "relayhint: out of memory\n");
		rc = EXIT_USAGE;
		goto out;
	}
	while ((len = read_record(fp, line, QUEUE_LINE_MAX, sk, &bad)) >= 0) {
		if (bad)
			continue;
		if (line[strspn(line, " \t\r")] == '\0')
			continue;	/* blank */
		if (pqjson_parse(line, (size_t)len, pq) < 0) {
			sk->notjson++;
			continue;
		}
		(*total)++;
		if (!explain_pq(&c->kb, pq, &v)) {
			(*other)++;
			continue;
		}
		queue_add(sum, nsum, pq, &v, o, other);
	}
out:
	free(pq);
	free(line);
	return (rc);
}

/* cmd_queue - queue [--json] [--file FILE] [--lifetime D] [--bounce-lifetime D] */
int
cmd_queue(struct cli *c, int argc, char **argv)
{
	struct qopts o = { NULL, NULL, NULL, 0, 0, (long long)time(NULL) };
	struct qsum *sum = NULL;
	struct qskip sk = { 0, 0, 0 };
	struct buf pqout;
	FILE	*fp = NULL;
	int	 i, nsum = 0, rc, run = 0;
	unsigned long total = 0, other = 0;

	if ((rc = queue_options(c, argc, argv, &o)) >= 0)
		return (rc);
	rc = 0;
	if (o.life == 0 || o.blife == 0) {
		long	 pl = 0, pb = 0;

		postconf_life(o.cdir, &pl, &pb);
		if (o.life == 0)
			o.life = pl > 0 ? pl : QUEUE_DEFAULT_LIFE;
		if (o.blife == 0)
			o.blife = pb > 0 ? pb : QUEUE_DEFAULT_LIFE;
	}
	buf_init(&pqout, QUEUE_OUTPUT_MAX);
	if (o.file == NULL) {
		run = queue_postqueue(o.cdir, &pqout);
		if (pqout.overflow)
			fprintf(stderr, "relayhint: warning: postqueue -j "
			    "output over %d bytes: the rest is not read\n",
			    QUEUE_OUTPUT_MAX);
		if (pqout.len > 0)
			fp = fmemopen(pqout.data, pqout.len, "r");
		else
			fp = fopen("/dev/null", "r");
		if (fp == NULL) {
			fprintf(stderr, "relayhint: cannot read postqueue -j "
			    "output: %s\n", strerror(errno));
			rc = EXIT_USAGE;
			goto out;
		}
	} else if (strcmp(o.file, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(o.file, "r")) == NULL) {
		fprintf(stderr, "relayhint: %s: %s\n", o.file, strerror(errno));
		rc = EXIT_USAGE;
		goto out;
	}
	if ((sum = calloc(QUEUE_MAX_GROUPS, sizeof(*sum))) == NULL) {
		fprintf(stderr, "relayhint: out of memory\n");
		rc = EXIT_USAGE;
		goto out;
	}
	if ((rc = queue_read(c, fp, &o, sum, &nsum, &total, &other, &sk)) != 0)
		goto out;
	/* no "0 queued" summary when postqueue could not read the queue */
	if (o.file == NULL && run != 0 && total == 0) {
		fprintf(stderr, "relayhint: postqueue -j failed\n");
		rc = EXIT_USAGE;
		goto out;
	}
	if (sk.toolong + sk.nul + sk.notjson > 0)
		fprintf(stderr, "relayhint: warning: %lu record(s) skipped: "
		    "%lu over %d bytes, %lu with a NUL byte, %lu not "
		    "postqueue -j JSON\n", sk.toolong + sk.nul + sk.notjson,
		    sk.toolong, QUEUE_LINE_MAX - 1, sk.nul, sk.notjson);
	if (total == 0 && sk.toolong + sk.nul + sk.notjson > 0) {
		fprintf(stderr, "relayhint: %s: not postqueue -j output\n",
		    o.file ? o.file : "postqueue -j");
		rc = EXIT_USAGE;
		goto out;
	}
	if (nsum > 0)
		qsort(sum, (size_t)nsum, sizeof(*sum), group_cmp);
	for (i = 0; i < nsum; i++)
		queue_print(c, &sum[i], o.now);
	if (o.metrics_path != NULL && queue_metrics(o.metrics_path, sum, nsum,
	    other, o.now) < 0)
		rc = EXIT_USAGE;
	if (!c->json)
		printf("%lu queued message(s): %lu with a Microsoft 365 cause, "
		    "%lu other (maximal_queue_lifetime %ld days, "
		    "bounce_queue_lifetime %ld days)\n", total, total - other,
		    other, o.life / 86400, o.blife / 86400);
out:
	free(sum);
	if (fp != NULL && fp != stdin)
		fclose(fp);
	buf_free(&pqout);
	return (rc);
}
