/*
 * queue.c - relayhint queue: Postfix's stuck mail, summarised by cause
 *
 * Functions: cmd_queue.
 *
 * Runs "postqueue -j" (or reads its output from --file) and classifies
 * each queued message by the delay_reason of its recipients, so the
 * admin sees at once that 140 deferred messages share one cause.
 *
 * Limits: lines longer than QUEUE_LINE_MAX are skipped; at most
 * QUEUE_MAX_CAUSES causes are summarised (one per cause id, so the rule
 * table bounds it); up to QUEUE_SHOW_IDS queue ids are listed per cause.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "cli.h"
#include "jsonw.h"
#include "pqjson.h"
#include "text.h"

#define QUEUE_LINE_MAX		(1024 * 1024)
#define QUEUE_MAX_CAUSES	RULES_MAX_CAUSES
#define QUEUE_SHOW_IDS		10

struct qsum {
	const char	*cause;
	unsigned long	 messages;
	long long	 oldest;		/* arrival time, 0 = unknown */
	int		 nids;
	char		 ids[QUEUE_SHOW_IDS][64];
	char		 status[16];
};

/* cmd_queue - queue [--json] [--file FILE] */
int
cmd_queue(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "file", required_argument, NULL, 'f' },
		{ "lang", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct qsum *sum;
	struct verdict v;
	const char *file = NULL;
	char	*line;
	FILE	*fp;
	int	 ch, i, nsum = 0, piped = 0, rc = 0;
	unsigned long total = 0, other = 0;
	size_t	 n;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "jf:l:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			c->json = 1;
			break;
		case 'f':
			file = optarg;
			break;
		case 'l':
			c->lang = optarg;
			break;
		case 'h':
			usage(stdout);
			return (0);
		default:
			usage(stderr);
			return (EXIT_USAGE);
		}
	}
	if (file == NULL) {
		if ((fp = popen("postqueue -j", "r")) == NULL) {
			fprintf(stderr, "relayhint: cannot run postqueue -j: "
			    "%s\n", strerror(errno));
			return (EXIT_USAGE);
		}
		piped = 1;
	} else if (strcmp(file, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(file, "r")) == NULL) {
		fprintf(stderr, "relayhint: %s: %s\n", file, strerror(errno));
		return (EXIT_USAGE);
	}
	line = malloc(QUEUE_LINE_MAX);
	sum = calloc(QUEUE_MAX_CAUSES, sizeof(*sum));
	if (line == NULL || sum == NULL) {
		fprintf(stderr, "relayhint: out of memory\n");
		rc = EXIT_USAGE;
		goto out;
	}
	while (fgets(line, QUEUE_LINE_MAX, fp) != NULL) {
		struct pqjson *pq;
		long long arrival = 0;

		n = strlen(line);
		if (n == 0 || line[n - 1] != '\n') {
			int	 k;

			while ((k = getc(fp)) != EOF && k != '\n')
				;
			if (n + 1 >= QUEUE_LINE_MAX)
				continue;	/* overlong record */
		}
		if (line[0] != '{')
			continue;
		total++;
		if (!explain_text(&c->kb, line, n, &v)) {
			other++;
			continue;
		}
		if ((pq = malloc(sizeof(*pq))) != NULL) {
			if (pqjson_parse(line, n, pq) == 0)
				arrival = pq->arrival_time;
			free(pq);
		}
		for (i = 0; i < nsum && sum[i].cause != v.cause; i++)
			;
		if (i == nsum) {
			if (nsum >= QUEUE_MAX_CAUSES)
				continue;
			sum[nsum].cause = v.cause;
			text_copy(sum[nsum].status, sizeof(sum[0].status),
			    v.status, strlen(v.status));
			nsum++;
		}
		sum[i].messages++;
		if (arrival > 0 && (sum[i].oldest == 0 ||
		    arrival < sum[i].oldest))
			sum[i].oldest = arrival;
		if (sum[i].nids < QUEUE_SHOW_IDS)
			text_copy(sum[i].ids[sum[i].nids++], 64, v.queue_id,
			    strlen(v.queue_id));
	}
	for (i = 0; i < nsum; i++) {
		const struct hint_entry *h;
		char	 when[32] = "unknown";
		time_t	 t = (time_t)sum[i].oldest;
		struct tm tm;
		int	 k;

		if (t > 0 && gmtime_r(&t, &tm) != NULL)
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (c->json) {
			struct buf b;

			buf_init(&b, 1024 * 1024);
			buf_putc(&b, '{');
			jsonw_key(&b, "cause");
			jsonw_str(&b, sum[i].cause);
			buf_printf(&b, ",\"messages\":%lu,", sum[i].messages);
			jsonw_key(&b, "oldest_arrival");
			jsonw_str(&b, t > 0 ? when : NULL);
			buf_putc(&b, ',');
			jsonw_key(&b, "enhanced_code");
			jsonw_str(&b, sum[i].status[0] ? sum[i].status : NULL);
			buf_puts(&b, ",\"queue_ids\":[");
			for (k = 0; k < sum[i].nids; k++) {
				if (k > 0)
					buf_putc(&b, ',');
				jsonw_str(&b, sum[i].ids[k]);
			}
			buf_puts(&b, "],");
			out_hint_json_members(&b, c, sum[i].cause);
			buf_puts(&b, "}\n");
			fwrite(b.data, 1, b.len, stdout);
			buf_free(&b);
			continue;
		}
		printf("%s: %lu message(s), oldest arrived %s\n", sum[i].cause,
		    sum[i].messages, when);
		if ((h = hints_find(&c->kb.hints, c->lang, sum[i].cause,
		    NULL)) != NULL) {
			printf("  %s\n", h->summary);
			for (k = 0; k < h->nsteps; k++)
				printf("    %d. %s\n", k + 1, h->step[k]);
		}
		printf("  queue ids:");
		for (k = 0; k < sum[i].nids; k++)
			printf(" %s", sum[i].ids[k]);
		printf("%s\n\n", sum[i].messages > (unsigned long)sum[i].nids ?
		    " ..." : "");
	}
	if (!c->json)
		printf("%lu queued message(s): %lu with a Microsoft 365 cause, "
		    "%lu other\n", total, total - other, other);
out:
	free(line);
	free(sum);
	if (piped) {
		if (pclose(fp) != 0 && total == 0) {
			fprintf(stderr, "relayhint: postqueue -j failed\n");
			rc = EXIT_USAGE;
		}
	} else if (fp != stdin)
		fclose(fp);
	return (rc);
}
