/*
 * scan.c - relayhint scan: Microsoft 365 failures in mail logs
 *
 * Functions: cmd_scan.
 *
 * Reads Postfix and Exim log lines (files or stdin), classifies every
 * failure line with the same code the adapters use, and reports each
 * Microsoft 365 failure once per queue id and cause, with how often it
 * was seen and when first and last.  --follow keeps reading a growing
 * file like "tail -F": it reopens the file when it is rotated (new
 * inode) or truncated, and prints each new (queue id, cause) as soon as
 * it is first seen.
 *
 * Limits: lines longer than SCAN_LINE_MAX are cut (the rest skipped);
 * at most SCAN_MAX_ENTRIES distinct (queue id, cause) pairs are kept,
 * further ones are counted and reported as dropped.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "buf.h"
#include "cli.h"
#include "jsonw.h"
#include "logline.h"
#include "text.h"

#define SCAN_LINE_MAX		65536
#define SCAN_MAX_ENTRIES	200000
#define SCAN_HASH		(1u << 18)

struct entry {
	char	 qid[64];
	const char *cause;		/* points into the kb */
	unsigned long count;
	char	 first[40];
	char	 last[40];
	struct verdict *v;		/* the first sighting */
	int	 next;			/* hash chain */
};

struct scan {
	struct cli	*c;
	struct entry	*e;
	int		 n, cap;
	int		*hash;
	unsigned long	 lines, dropped;
	int		 follow;
};

static volatile sig_atomic_t scan_stop;

/* on_signal - finish the current line, then print and exit */
static void
on_signal(int sig)
{
	(void)sig;
	scan_stop = 1;
}

/* key_hash - FNV-1a of queue id and cause */
static unsigned
key_hash(const char *qid, const char *cause)
{
	unsigned h = 2166136261u;

	for (; *qid; qid++)
		h = (h ^ (unsigned char)*qid) * 16777619u;
	for (; *cause; cause++)
		h = (h ^ (unsigned char)*cause) * 16777619u;
	return (h & (SCAN_HASH - 1));
}

/* print_json - one (queue id, cause) as a JSON line */
static void
print_json(struct scan *s, const struct entry *e)
{
	struct buf b;

	buf_init(&b, 1024 * 1024);
	buf_putc(&b, '{');
	jsonw_key(&b, "queue_id");
	jsonw_str(&b, e->qid[0] ? e->qid : NULL);
	buf_putc(&b, ',');
	jsonw_key(&b, "cause");
	jsonw_str(&b, e->cause);
	buf_printf(&b, ",\"count\":%lu,", e->count);
	jsonw_key(&b, "first_seen");
	jsonw_str(&b, e->first);
	buf_putc(&b, ',');
	jsonw_key(&b, "last_seen");
	jsonw_str(&b, e->last);
	buf_putc(&b, ',');
#define MEMBER(k, val) do {						\
	jsonw_key(&b, k);						\
	jsonw_str(&b, (val)[0] ? (val) : NULL);				\
	buf_putc(&b, ',');						\
} while (0)
	MEMBER("form", form_name(e->v->form));
	MEMBER("recipient", e->v->recipient);
	MEMBER("relay", e->v->relay);
	MEMBER("enhanced_code", e->v->status);
	MEMBER("server_id", e->v->server_id);
	MEMBER("reply", e->v->reply);
#undef MEMBER
	out_hint_json_members(&b, s->c, e->cause);
	buf_puts(&b, "}\n");
	fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
}

/* print_line - one (queue id, cause) for a person, in follow mode */
static void
print_line(const struct entry *e)
{
	printf("%s %s %s %s %s\n", e->first, e->qid[0] ? e->qid : "-",
	    e->cause, e->v->status[0] ? e->v->status : "-",
	    e->v->recipient[0] ? e->v->recipient : "-");
}

/* scan_add - count one classified line */
static void
scan_add(struct scan *s, const struct verdict *v, const char *when)
{
	struct entry *e;
	unsigned h = key_hash(v->queue_id, v->cause);
	int	 i;

	for (i = s->hash[h]; i >= 0; i = s->e[i].next)
		if (s->e[i].cause == v->cause &&
		    strcmp(s->e[i].qid, v->queue_id) == 0)
			break;
	if (i >= 0) {
		e = &s->e[i];
		e->count++;
		text_copy(e->last, sizeof(e->last), when, strlen(when));
		return;
	}
	if (s->n >= SCAN_MAX_ENTRIES) {
		s->dropped++;
		return;
	}
	if (s->n >= s->cap) {
		int	 ncap = s->cap ? s->cap * 2 : 1024;
		struct entry *ne = realloc(s->e, (size_t)ncap * sizeof(*ne));

		if (ne == NULL) {
			s->dropped++;
			return;
		}
		s->e = ne;
		s->cap = ncap;
	}
	e = &s->e[s->n];
	memset(e, 0, sizeof(*e));
	if ((e->v = malloc(sizeof(*e->v))) == NULL) {
		s->dropped++;
		return;
	}
	*e->v = *v;
	text_copy(e->qid, sizeof(e->qid), v->queue_id, strlen(v->queue_id));
	e->cause = v->cause;
	e->count = 1;
	text_copy(e->first, sizeof(e->first), when, strlen(when));
	text_copy(e->last, sizeof(e->last), when, strlen(when));
	e->next = s->hash[h];
	s->hash[h] = s->n++;
	if (s->follow) {
		if (s->c->json)
			print_json(s, e);
		else
			print_line(e);
		fflush(stdout);
	}
}

/* scan_line - classify one line */
static void
scan_line(struct scan *s, const char *line, size_t len)
{
	struct logline ll;
	struct verdict v;
	enum logline_kind k;

	s->lines++;
	k = logline_parse(line, len, &ll);
	if (k == LOGLINE_OTHER || ll.reason == NULL)
		return;
	verdict_init(&v);
	v.form = ll.mta == LOGLINE_POSTFIX ? FORM_POSTFIX_LOG : FORM_EXIM_LOG;
	text_copy(v.queue_id, sizeof(v.queue_id), ll.queue_id,
	    strlen(ll.queue_id));
	text_printable(v.recipient, sizeof(v.recipient), ll.recipient,
	    strlen(ll.recipient));
	if (explain_reply(&s->c->kb, ll.reason, ll.reason_len, ll.relay, &v))
		scan_add(s, &v, ll.time);
}

/*
 * scan_stream - lines of one stream; a line longer than the buffer is
 * classified on its first SCAN_LINE_MAX bytes and the rest is skipped.
 * Returns 0 at EOF.
 */
static void
scan_stream(struct scan *s, FILE *fp, char *line)
{
	size_t	 n;
	int	 skipping = 0;

	while (!scan_stop && fgets(line, SCAN_LINE_MAX, fp) != NULL) {
		n = strlen(line);
		if (n > 0 && line[n - 1] == '\n') {
			if (!skipping)
				scan_line(s, line, n - 1);
			skipping = 0;
			continue;
		}
		if (feof(fp)) {		/* last line without newline */
			if (!skipping)
				scan_line(s, line, n);
			break;
		}
		if (!skipping)
			scan_line(s, line, n);
		skipping = 1;
	}
}

/* scan_follow - "tail -F" one file until a signal */
static int
scan_follow(struct scan *s, const char *path, char *line)
{
	struct stat st, fst;
	struct timespec ts = { 0, 250 * 1000 * 1000 };
	FILE	*fp = NULL;
	int	 at_end = 1;

	while (!scan_stop) {
		if (fp == NULL) {
			if ((fp = fopen(path, "r")) == NULL) {
				nanosleep(&ts, NULL);
				continue;
			}
			/* first open: start at the end like tail -F;
			 * after a rotation: read the new file from the start */
			if (at_end)
				fseek(fp, 0, SEEK_END);
			at_end = 0;
		}
		scan_stream(s, fp, line);
		clearerr(fp);
		nanosleep(&ts, NULL);
		if (stat(path, &st) < 0 || fstat(fileno(fp), &fst) < 0 ||
		    st.st_ino != fst.st_ino || st.st_dev != fst.st_dev ||
		    st.st_size < ftell(fp)) {
			/* rotated or truncated: drain what is left, reopen */
			scan_stream(s, fp, line);
			fclose(fp);
			fp = NULL;
		}
	}
	if (fp != NULL)
		fclose(fp);
	return (0);
}

/* entry_cmp - group by cause, then by first sighting order */
static int
entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int	 d = strcmp(x->cause, y->cause);

	return (d != 0 ? d : (x->v < y->v ? -1 : x->v > y->v));
}

/* scan_report - the summary at the end of a non-follow scan */
static void
scan_report(struct scan *s)
{
	const struct hint_entry *h;
	int	 i, j, k;

	qsort(s->e, (size_t)s->n, sizeof(*s->e), entry_cmp);
	if (s->c->json) {
		for (i = 0; i < s->n; i++)
			print_json(s, &s->e[i]);
		return;
	}
	if (s->n == 0)
		printf("No Microsoft 365 failures in %lu lines.\n", s->lines);
	for (i = 0; i < s->n; i = j) {
		for (j = i; j < s->n && s->e[j].cause == s->e[i].cause; j++)
			;
		printf("%s: %d queue id(s)\n", s->e[i].cause, j - i);
		if ((h = hints_find(&s->c->kb.hints, s->c->lang, s->e[i].cause,
		    NULL)) != NULL)
			printf("  %s\n", h->summary);
		printf("  %-14s %5s  %-26s %-26s %s\n", "queue id", "count",
		    "first seen", "last seen", "recipient");
		for (k = i; k < j; k++)
			printf("  %-14s %5lu  %-26s %-26s %s\n",
			    s->e[k].qid[0] ? s->e[k].qid : "-", s->e[k].count,
			    s->e[k].first, s->e[k].last,
			    s->e[k].v->recipient[0] ? s->e[k].v->recipient :
			    "-");
		if (h != NULL) {
			printf("  %s:\n", hints_ui(&s->c->kb.hints,
			    s->c->lang, "admin_heading"));
			for (k = 0; k < h->nsteps; k++)
				printf("    %d. %s\n", k + 1, h->step[k]);
		}
		printf("\n");
	}
}

/* cmd_scan - scan [--json] [--follow] [--lang L] [FILE...] */
int
cmd_scan(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "follow", no_argument, NULL, 'f' },
		{ "lang", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct scan s;
	struct sigaction sa;
	char	*line;
	int	 ch, i, rc = 0;
	FILE	*fp;

	memset(&s, 0, sizeof(s));
	s.c = c;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "jfl:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			c->json = 1;
			break;
		case 'f':
			s.follow = 1;
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
	if (s.follow && argc - optind > 1) {
		fprintf(stderr, "relayhint: --follow takes one file\n");
		return (EXIT_USAGE);
	}
	line = malloc(SCAN_LINE_MAX);
	s.hash = malloc(SCAN_HASH * sizeof(*s.hash));
	if (line == NULL || s.hash == NULL) {
		fprintf(stderr, "relayhint: out of memory\n");
		free(line);
		free(s.hash);
		return (EXIT_USAGE);
	}
	memset(s.hash, 0xff, SCAN_HASH * sizeof(*s.hash));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (s.follow && optind < argc && strcmp(argv[optind], "-") != 0)
		rc = scan_follow(&s, argv[optind], line);
	else if (optind >= argc)
		scan_stream(&s, stdin, line);
	else {
		for (i = optind; i < argc && !scan_stop; i++) {
			if (strcmp(argv[i], "-") == 0)
				fp = stdin;
			else if ((fp = fopen(argv[i], "r")) == NULL) {
				fprintf(stderr, "relayhint: %s: %s\n", argv[i],
				    strerror(errno));
				rc = EXIT_USAGE;
				continue;
			}
			scan_stream(&s, fp, line);
			if (fp != stdin)
				fclose(fp);
		}
	}
	if (!s.follow)
		scan_report(&s);
	if (s.dropped > 0)
		fprintf(stderr, "relayhint: warning: %lu failure(s) not "
		    "tracked (limit %d queue ids)\n", s.dropped,
		    SCAN_MAX_ENTRIES);
	for (i = 0; i < s.n; i++)
		free(s.e[i].v);
	free(s.e);
	free(s.hash);
	free(line);
	return (rc);
}
