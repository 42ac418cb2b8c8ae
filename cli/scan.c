/*
 * scan.c - relayhint scan: Microsoft 365 failures in mail logs
 *
 * Functions: cmd_scan.
 *
 * Reads Postfix and Exim log lines (files or stdin), classifies every
 * failure line with the same code the adapters use, and reports each
 * Microsoft 365 failure once per queue id (message), with its most
 * specific cause, how many lines told of it and when first and last.
 * --follow keeps reading a growing file like "tail -F": it reopens the
 * file when it is rotated (new inode) or truncated, and prints each new
 * queue id as soon as it is first seen, and again when a more specific
 * cause replaces its first one.  With --alert-spool, that first sighting also goes
 * to alert_watch_note (alert.c), which spools a webhook alert for the
 * first queue id of a cause and again after a quiet window.
 *
 * Relay-local failures need two lines: Postfix logs "QUEUEID: SASL
 * authentication failed; cannot authenticate to server H[ip]: generic
 * failure" and defers, and the reason (a missing token file, AADSTS700082)
 * is in a "[sasl-xoauth2] auth failed: ..." or "warning: SASL
 * authentication failure: ..." line of the same smtp process, without a
 * queue id, just before or after it.  Such a trace line is tied to the
 * queue id the same pid logged last (within SCAN_PID_WINDOW lines), or
 * held until that pid logs one; the more specific cause (declared first
 * in the rule table) replaces the generic one for that queue id.  A
 * trace whose delivery line names a server that is not Microsoft's is
 * dropped; one that is never tied to a queue id is reported without one.
 * Old sasl-xoauth2 versions log under their own name without a pid: such
 * a line belongs to the relay-local delivery line of the same host at
 * most SCAN_PIDLESS_WINDOW lines before it.
 *
 * --follow keeps a line that has not ended yet (a writer may log it in
 * two writes) until its newline comes, or the file is rotated.
 *
 * Memory follows the failing messages in the queue, not the log: a
 * (queue id, cause) pair stays in the table while its message may still
 * log, and retires when the message is removed ("removed", Exim's
 * "Completed"; SCAN_PID_WINDOW lines later, for a late trace), after
 * SCAN_WINDOW of log time unseen, or, with --max-pairs (default
 * SCAN_MAX_ENTRIES) pairs in the table, as the least recently seen (an
 * LRU list).  --follow forgets a retired pair; a scan of files keeps it
 * for the report in sorted runs of SCAN_RUN, spilled to an unlinked
 * temporary file and merged at the end (the same report as one sorted
 * array).  A pair seen again after it retired starts a new record.
 *
 * A scan of files parses with --jobs threads (scanpar.c: workers read
 * and parse blocks, this thread takes their records in order); what a
 * line changes here is the same either way, so is the report.  A
 * record carries what scan_parsed reads of a line that is no failure; a
 * failure line is parsed again here, whole.
 *
 * Limits: lines longer than SCAN_LINE_MAX are cut (the rest skipped);
 * SCAN_PID_SLOTS smtp processes are tracked at once (a newer pid in the
 * same slot flushes the older one's held trace).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "buf.h"
#include "cli.h"
#include "jsonw.h"
#include "logline.h"
#include "logtime.h"
#include "metrics.h"
#include "scanpar.h"
#include "text.h"

#define SCAN_LINE_MAX		65536
#define SCAN_READ_MAX		(1024 * 1024)	/* scan_fd's block buffer */
#define SCAN_MAX_ENTRIES	200000
#define SCAN_HASH		(1u << 18)
#define SCAN_RUN		512		/* retired pairs a sorted run */
#define SCAN_WINDOW		(6 * 86400)	/* seconds, see scan_window */
#define SCAN_GONE		(SCAN_PID_WINDOW + 2)	/* removals pending */
#define SCAN_PID_SLOTS		1024
#define SCAN_PID_WINDOW		500		/* lines */
#define SCAN_PIDLESS_WINDOW	3		/* lines */
#define SCAN_METRICS_EVERY	15		/* seconds, --follow */
#define SCAN_PAR_MIN		(1024 * 1024)	/* smaller files: no threads */
#define EXIT_FOUND		1		/* failures found */

/*
 * One (queue id, cause) pair, compact: what its report prints of the
 * verdict is kept, the variable-length text packed in one allocation
 * (rec_pack), and a verdict is rebuilt only to print or alert
 * (rec_unpack).  A whole verdict per pair (about 2.4 KB, most of it
 * empty fixed-size fields) made the memory of a scan grow with the log.
 */
struct entry {
	char	 qid[64];
	const char *cause;		/* points into the kb */
	const char *area;		/* the verdict's, into the kb */
	unsigned long count;
	unsigned long order;		/* first seen: the report's order */
	char	 first[40];
	char	 last[40];
	char	*text;			/* recipient, relay, status, server
					 * id, reply: each NUL-terminated */
	int	 smtp_code;
	unsigned char provider;		/* enum provider */
	unsigned char form;		/* enum form */
	int	 next;			/* hash chain; free list */
	int	 newer, older;		/* by last sighting: the LRU list */
	unsigned long seen;		/* line of the last sighting */
	time_t	 seen_t;		/* its log time, 0 when unknown */
};

/* a sorted run of retired pairs in the spill file */
struct run {
	off_t	 off;			/* of its next record */
	unsigned long left;		/* records not read yet */
	int	 mem;			/* the last run, kept in done[] */
	struct entry e;			/* the record read last */
};

/* a message removed from the queue: its pairs retire a little later */
struct gone {
	char	 qid[LOGLINE_ID_MAX];
	unsigned long line;
};

/* one smtp process: its last queue id and a held relay-local trace */
struct pidslot {
	long	 pid;
	char	 host[64];
	char	 qid[64];
	unsigned long qid_line;
	int	 qid_foreign;		/* its server is not Microsoft's */
	int	 held;
	unsigned long held_line;
	char	 held_when[40];
	/*
	 * the held trace: 2.4 KB, allocated at a slot's first hold and kept
	 * for its life.  In the slot itself it made the table 2.6 MB,
	 * whose pages were touched one by one as pids turned up, so the
	 * peak RSS grew with the log; held traces are rare.
	 */
	struct verdict *hv;
};

struct scan {
	struct cli	*c;
	struct entry	*e;		/* slots: n used, cap allocated */
	int		 n, cap;
	int		 live;		/* pairs in the table */
	int		 max;		/* --max-pairs */
	int		 newest, oldest;	/* the LRU list's ends, -1 */
	int		 freed;		/* free slots, by next */
	unsigned long	 added;		/* pairs ever added */
	int		*hash;
	unsigned long	 lines, dropped, evicted;
	time_t		 now_t;		/* the last failure line's log time */
	char		 now_when[LOGLINE_TIME_MAX];	/* ... as logged */
	/* retired pairs (not --follow): a sorted run in memory, then the
	 * spill file; per cause, how many are reported */
	struct entry	*done;
	int		 ndone, done_cap;
	int		 spill;		/* fd, -1 none yet, -2 none to be had */
	int		 spill_failed;	/* a write failed: no more runs */
	off_t		 spill_end;
	struct run	*runs;
	int		 nruns;
	unsigned long	*ncause;	/* rules' ncauses + 1 */
	struct out_hintmemo hmemo;	/* each cause's hint JSON members */
	struct gone	*gone;		/* SCAN_GONE, a ring */
	int		 gone_at, ngone;
	int		 follow;
	size_t		 carry;		/* --follow: bytes of an unended line */
	int		 carry_skip;	/* ... of a line being skipped */
	struct pidslot	*pids;		/* SCAN_PID_SLOTS */
	struct pidslot	*recent;	/* last relay-local delivery line */
	unsigned long	 recent_line;
	char		*local;		/* per cause: has a "local" rule */
	struct alert_watch *alert;	/* --alert-spool: NULL when off */
	struct metrics	*metrics;	/* --metrics: NULL when off */
	const char	*metrics_path;
	time_t		 metrics_at;	/* last written, in --follow */
	int		 found;		/* a Microsoft 365 failure was seen */
	int		 tied;		/* counting a trace tied by pid */
	int		 workers;	/* scanpar threads, 0 none */
	int		 par_small;	/* --jobs given: threads for any file */
	unsigned long	 lost;		/* records the spill file lost */
};

static volatile sig_atomic_t scan_stop;

/* on_signal - finish the current line, then print and exit */
static void
on_signal(int sig)
{
	(void)sig;
	scan_stop = 1;
}

/* rec_pack - keep what the report needs of v in e; -1 out of memory */
static int
rec_pack(struct entry *e, const struct verdict *v)
{
	const char *f[5] = { v->recipient, v->relay, v->status,
	    v->server_id, v->reply };
	size_t	 l[5], n = 0, i;
	char	*t, *p;

	for (i = 0; i < 5; i++)
		n += (l[i] = strlen(f[i])) + 1;
	if ((t = malloc(n)) == NULL)
		return (-1);
	for (p = t, i = 0; i < 5; i++) {
		memcpy(p, f[i], l[i] + 1);
		p += l[i] + 1;
	}
	free(e->text);
	e->text = t;
	e->area = v->area;
	e->smtp_code = v->smtp_code;
	e->provider = (unsigned char)v->provider;
	e->form = (unsigned char)v->form;
	return (0);
}

/* rec_unpack - the verdict e keeps, as rec_pack took it */
static void
rec_unpack(const struct entry *e, struct verdict *v)
{
	const char *p = e->text;

	verdict_init(v);
	v->cause = e->cause;
	v->area = e->area;
	v->smtp_code = e->smtp_code;
	v->provider = (enum provider)e->provider;
	v->form = (enum form)e->form;
	text_copy(v->queue_id, sizeof(v->queue_id), e->qid, strlen(e->qid));
	if (p == NULL)
		return;
#define FIELD(d) do {							\
	text_copy((d), sizeof(d), p, strlen(p));			\
	p += strlen(p) + 1;						\
} while (0)
	FIELD(v->recipient);
	FIELD(v->relay);
	FIELD(v->status);
	FIELD(v->server_id);
	FIELD(v->reply);
#undef FIELD
}

/* rec_recipient - the recipient e keeps, "" when none */
static const char *
rec_recipient(const struct entry *e)
{
	return (e->text != NULL ? e->text : "");
}

/* rec_textlen - bytes of a packed text: its five terminated strings */
static size_t
rec_textlen(const char *t)
{
	const char *p = t;
	int	 i;

	for (i = 0; i < 5; i++)
		p += strlen(p) + 1;
	return ((size_t)(p - t));
}

/* key_hash - FNV-1a of the queue id; of the cause when there is none */
static unsigned
key_hash(const char *qid, const char *cause)
{
	unsigned h = 2166136261u;
	const char *k = *qid != '\0' ? qid : cause;

	/*
	 * Of the queue id alone when there is one (scan_add changes a
	 * pair's cause in place).  Testing the hash for "no queue id" sent
	 * a queue id whose hash is the FNV basis (7F51003516) to two
	 * buckets: two records for one message, and no retiring.
	 */
	for (; *k; k++)
		h = (h ^ (unsigned char)*k) * 16777619u;
	return (h & (SCAN_HASH - 1));
}

/*
 * when_json - a log stamp as RFC 3339 UTC with the year ("key":null when
 * the line had none we can read), and the stamp as logged in key_log
 */
static void
when_json(struct buf *b, const char *key, const char *when)
{
	char	 t[LOGTIME_RFC3339_MAX], k[32];
	time_t	 tt;

	t[0] = '\0';
	if (logtime_parse(when, strlen(when), time(NULL), &tt) == 0)
		logtime_rfc3339(tt, t, sizeof(t));
	jsonw_key(b, key);
	jsonw_str(b, t[0] ? t : NULL);
	buf_putc(b, ',');
	snprintf(k, sizeof(k), "%s_log", key);
	jsonw_key(b, k);
	jsonw_str(b, when[0] ? when : NULL);
	buf_putc(b, ',');
}

/* print_json - one (queue id, cause) as a JSON line */
static void
print_json(struct scan *s, const struct entry *e)
{
	struct buf b;
	struct verdict vv, *v = &vv;

	rec_unpack(e, v);
	buf_init(&b, 1024 * 1024);
	buf_puts(&b, "{\"schema\":\"" JSONW_SCHEMA "\",");
	jsonw_key(&b, "queue_id");
	jsonw_str(&b, e->qid[0] ? e->qid : NULL);
	buf_putc(&b, ',');
	jsonw_key(&b, "provider");
	jsonw_str(&b, v->provider == PROVIDER_M365 ? "m365" : NULL);
	buf_putc(&b, ',');
	jsonw_key(&b, "cause");
	jsonw_str(&b, e->cause);
	buf_putc(&b, ',');
	jsonw_key(&b, "area");
	jsonw_str(&b, v->area);
	buf_printf(&b, ",\"count\":%lu,", e->count);
	if (v->smtp_code)
		buf_printf(&b, "\"smtp_code\":%d,", v->smtp_code);
	else
		buf_puts(&b, "\"smtp_code\":null,");
	when_json(&b, "first_seen", e->first);
	when_json(&b, "last_seen", e->last);
#define MEMBER(k, val) do {						\
	jsonw_key(&b, k);						\
	jsonw_str(&b, (val)[0] ? (val) : NULL);				\
	buf_putc(&b, ',');						\
} while (0)
	MEMBER("form", form_name(v->form));
	MEMBER("recipient", v->recipient);
	MEMBER("relay", v->relay);
	MEMBER("enhanced_code", v->status);
	MEMBER("server_id", v->server_id);
	MEMBER("reply", v->reply);
#undef MEMBER
	/* rendering each record's hint was a sixth of a scan's time */
	out_hint_json_memo(&b, s->c, e->cause, &s->hmemo);
	buf_puts(&b, "}\n");
	fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
}

/* print_line - one (queue id, cause) for a person, in follow mode */
static void
print_line(const struct entry *e)
{
	struct verdict v;

	rec_unpack(e, &v);
	printf("%s %s %s %s %s\n", e->first, e->qid[0] ? e->qid : "-",
	    e->cause, v.status[0] ? v.status : "-",
	    v.recipient[0] ? v.recipient : "-");
}

/* scan_metric - count one failure line in the metrics, if kept */
static void
scan_metric(struct scan *s, const struct verdict *v, const char *when,
    int newpair)
{
	const char *prov = v->provider == PROVIDER_M365 ? "m365" : "other";
	time_t	 t;

	if (s->metrics == NULL)
		return;
	metrics_put(s->metrics, METRICS_ADD, "relayhint_failures_total", 1,
	    "cause", v->cause, "area", v->area ? v->area : "",
	    "provider", prov, "relay", metrics_relay(s->metrics, v->relay),
	    (char *)NULL);
	if (newpair)
		metrics_put(s->metrics, METRICS_ADD,
		    "relayhint_failure_messages_total", 1, "cause", v->cause,
		    "provider", prov, (char *)NULL);
	if (logtime_parse(when, strlen(when), time(NULL), &t) == 0)
		metrics_put(s->metrics, METRICS_MAX,
		    "relayhint_failure_last_seen_timestamp_seconds", (double)t,
		    "cause", v->cause, (char *)NULL);
}

/* scan_metrics_write - the metrics file now; complain once per failure */
static void
scan_metrics_write(struct scan *s)
{
	char	 err[512];

	if (s->metrics == NULL)
		return;
	metrics_put(s->metrics, METRICS_SET, "relayhint_log_lines_total",
	    (double)s->lines, (char *)NULL);
	if (metrics_write(s->metrics, s->metrics_path, err, sizeof(err)) < 0)
		fprintf(stderr, "relayhint: metrics: %s\n", err);
	s->metrics_at = time(NULL);
}

static int cause_rank(const struct scan *, const char *);

/* scan_sighted - in follow mode, print (and alert on) a new record */
static void
scan_sighted(struct scan *s, struct entry *e, const char *when)
{
	if (!s->follow)
		return;
	if (s->c->json)
		print_json(s, e);
	else
		print_line(e);
	fflush(stdout);
	/* alert on a cause's first queue id and after a quiet window */
	if (s->alert != NULL) {
		struct verdict v;

		rec_unpack(e, &v);
		alert_watch_note(s->alert, &v, when, time(NULL));
	}
}

/* lru_unlink - take slot i out of the LRU list */
static void
lru_unlink(struct scan *s, int i)
{
	struct entry *e = &s->e[i];

	if (e->newer >= 0)
		s->e[e->newer].older = e->older;
	else
		s->newest = e->older;
	if (e->older >= 0)
		s->e[e->older].newer = e->newer;
	else
		s->oldest = e->newer;
}

/* lru_front - slot i is the most recently seen */
static void
lru_front(struct scan *s, int i)
{
	struct entry *e = &s->e[i];

	e->newer = -1;
	e->older = s->newest;
	if (s->newest >= 0)
		s->e[s->newest].newer = i;
	else
		s->oldest = i;
	s->newest = i;
}

/* scan_seen - slot i was seen on this line */
static void
scan_seen(struct scan *s, int i)
{
	/*
	 * a trace tied by pid names no queue id: it does not hold off the
	 * pair's retiring at "removed", which is what SCAN_PID_WINDOW
	 * waits for (a reused queue id was counted into the old pair)
	 */
	if (!s->tied)
		s->e[i].seen = s->lines;
	if (s->now_t != 0)
		s->e[i].seen_t = s->now_t;
	if (s->newest != i) {
		lru_unlink(s, i);
		lru_front(s, i);
	}
}

/* scan_unlink - take slot i out of the table; its text stays with it */
static void
scan_unlink(struct scan *s, int i)
{
	struct entry *e = &s->e[i];
	int	*pp = &s->hash[key_hash(e->qid, e->cause)];

	while (*pp != i)
		pp = &s->e[*pp].next;
	*pp = e->next;
	lru_unlink(s, i);
	e->next = s->freed;
	s->freed = i;
	s->live--;
}

/* scan_drop - forget slot i: it was replaced by a more specific cause */
static void
scan_drop(struct scan *s, int i)
{
	scan_unlink(s, i);
	free(s->e[i].text);
	s->e[i].text = NULL;
}

/* spill_open - the spill file, created and unlinked; -1 when none */
static int
spill_open(struct scan *s)
{
	const char *dir = getenv("TMPDIR");
	char	 path[4096];

	if (s->spill == -1) {
		if (dir == NULL || *dir == '\0')
			dir = "/tmp";
		snprintf(path, sizeof(path), "%s/relayhint-scan.XXXXXX", dir);
		if ((s->spill = mkstemp(path)) >= 0)
			(void)unlink(path);
		else {
			fprintf(stderr, "relayhint: warning: %s: %s: the "
			    "report stays in memory\n", path, strerror(errno));
			s->spill = -2;
		}
	}
	return (s->spill >= 0 ? 0 : -1);
}

static int entry_cmp(const void *, const void *);

/*
 * run_flush - the retired pairs in memory, sorted, as one run of the
 * spill file: the entry, its text's length, the text.  The kb pointers
 * (cause, area) are written as they are: only this process reads them.
 */
static int
run_flush(struct scan *s)
{
	struct run *nr;
	struct entry *e;
	struct buf b;
	size_t	 tl;
	ssize_t	 w;
	off_t	 at = s->spill_end;
	int	 i, ok = 1;

	if (s->spill_failed || spill_open(s) < 0 || (nr = realloc(s->runs,
	    (size_t)(s->nruns + 1) * sizeof(*nr))) == NULL)
		return (-1);
	s->runs = nr;
	qsort(s->done, (size_t)s->ndone, sizeof(*s->done), entry_cmp);
	buf_init(&b, (size_t)1 << 30);
	for (i = 0; i < s->ndone && ok; i++) {
		e = &s->done[i];
		tl = e->text != NULL ? rec_textlen(e->text) : 0;
		ok = buf_append(&b, e, sizeof(*e)) == 0 &&
		    buf_append(&b, &tl, sizeof(tl)) == 0 &&
		    buf_append(&b, e->text, tl) == 0;
	}
	if (!ok)
		errno = ENOMEM;
	else if (b.len > 0 && (w = pwrite(s->spill, b.data, b.len, at)) !=
	    (ssize_t)b.len) {
		if (w >= 0)
			errno = ENOSPC;		/* a short write */
		ok = 0;
	}
	s->spill_end = at + (off_t)b.len;
	buf_free(&b);
	if (!ok) {
		fprintf(stderr, "relayhint: warning: spill file: %s: the "
		    "rest of the report stays in memory\n", strerror(errno));
		s->spill_failed = 1;
		return (-1);
	}
	memset(&nr[s->nruns], 0, sizeof(*nr));
	nr[s->nruns].off = at;
	nr[s->nruns].left = (unsigned long)s->ndone;
	s->nruns++;
	for (i = 0; i < s->ndone; i++)
		free(s->done[i].text);
	s->ndone = 0;
	return (0);
}

/*
 * scan_retire - slot i leaves the table: --follow printed it already and
 * forgets it; a scan of files keeps it for the report, in SCAN_RUN sorted
 * runs spilled to a temporary file, so that memory does not grow with
 * the log.  Without a spill file the runs stay in memory.
 */
static void
scan_retire(struct scan *s, int i)
{
	struct entry *e = &s->e[i], *nd;
	int	 ci, ncap;

	scan_unlink(s, i);
	if (s->follow) {
		free(e->text);
		e->text = NULL;
		return;
	}
	if (s->ndone >= SCAN_RUN && run_flush(s) < 0 &&
	    s->ndone >= s->done_cap) {
		ncap = s->done_cap * 2;
		if ((nd = realloc(s->done, (size_t)ncap * sizeof(*nd))) ==
		    NULL) {
			s->dropped++;
			free(e->text);
			e->text = NULL;
			return;
		}
		s->done = nd;
		s->done_cap = ncap;
	}
	s->done[s->ndone++] = *e;
	/* counted once kept: the header's counts are the report's */
	ci = rules_cause_index(s->c->kb.rules, e->cause);
	s->ncause[ci >= 0 ? ci : s->c->kb.rules->ncauses]++;
	e->text = NULL;
}

/* scan_gone - a message left the queue: its pairs retire SCAN_PID_WINDOW
 * lines later (a relay-local trace may still follow) */
static void
scan_gone(struct scan *s, const char *qid)
{
	struct gone *g;
	int	 i;

	for (i = s->hash[key_hash(qid, "")]; i >= 0; i = s->e[i].next)
		if (strcmp(s->e[i].qid, qid) == 0)
			break;
	if (i < 0)
		return;
	g = &s->gone[(s->gone_at + s->ngone) % SCAN_GONE];
	text_copy(g->qid, sizeof(g->qid), qid, strlen(qid));
	g->line = s->lines;
	s->ngone++;
}

/* scan_expire - retire the pairs of messages removed long enough ago */
static void
scan_expire(struct scan *s, unsigned long window)
{
	struct gone *g;
	int	 i, nx;

	while (s->ngone > 0 && (s->gone[s->gone_at].line + window <
	    s->lines || s->ngone == SCAN_GONE)) {
		g = &s->gone[s->gone_at];
		for (i = s->hash[key_hash(g->qid, "")]; i >= 0; i = nx) {
			nx = s->e[i].next;
			/* not seen since: a queue id may be used again */
			if (s->e[i].seen <= g->line &&
			    strcmp(s->e[i].qid, g->qid) == 0)
				scan_retire(s, i);
		}
		s->gone_at = (s->gone_at + 1) % SCAN_GONE;
		s->ngone--;
	}
}

/*
 * scan_window - retire the pairs not seen for SCAN_WINDOW of log time
 * before t: Postfix gives up on a message after maximal_queue_lifetime
 * (5 days by default) and retries it at least every maximal_backoff_time
 * (4000 s), so a pair unseen for six days belongs to a message that can
 * log no more, even in a log without its "removed" line.  The list is
 * by sighting, which is log time in a log that goes forward.
 */
static void
scan_window(struct scan *s, time_t t)
{
	while (s->oldest >= 0 && s->e[s->oldest].seen_t != 0 &&
	    s->e[s->oldest].seen_t < t - SCAN_WINDOW)
		scan_retire(s, s->oldest);
}

/* scan_slot_new - a free slot for a new pair, the least recently seen
 * pair retired when --max-pairs are in the table; -1 out of memory */
static int
scan_slot_new(struct scan *s)
{
	struct entry *ne;
	int	 i, ncap;

	if (s->live >= s->max && s->oldest >= 0) {
		scan_retire(s, s->oldest);
		s->evicted++;
	}
	if (s->freed >= 0) {
		i = s->freed;
		s->freed = s->e[i].next;
		return (i);
	}
	if (s->n >= s->cap) {
		ncap = s->cap ? s->cap * 2 : 1024;
		if (ncap > s->max)
			ncap = s->max;
		if ((ne = realloc(s->e, (size_t)ncap * sizeof(*ne))) == NULL)
			return (-1);
		s->e = ne;
		s->cap = ncap;
	}
	return (s->n++);
}

/*
 * scan_add - count one classified line: one record per message (queue
 * id), which takes the most specific cause of its lines (causes are
 * declared most specific first): Exim's "authenticator failed ... 535
 * 5.7.139 ..." and the "== ... defer (-42)" line after it are one
 * failure.  Lines without a queue id are kept per cause.
 */
static void
scan_add(struct scan *s, const struct verdict *v, const char *when)
{
	struct entry *e;
	unsigned h = key_hash(v->queue_id, v->cause);
	int	 i;

	for (i = s->hash[h]; i >= 0; i = s->e[i].next)
		if (strcmp(s->e[i].qid, v->queue_id) == 0 &&
		    (v->queue_id[0] != '\0' || s->e[i].cause == v->cause))
			break;
	s->found = 1;
	if (i >= 0) {
		e = &s->e[i];
		e->count++;
		scan_seen(s, i);
		text_copy(e->last, sizeof(e->last), when, strlen(when));
		scan_metric(s, v, when, 0);
		if (cause_rank(s, v->cause) < cause_rank(s, e->cause)) {
			struct verdict nv = *v;

			/* "authenticator failed" names no recipient */
			if (nv.recipient[0] == '\0')
				text_copy(nv.recipient, sizeof(nv.recipient),
				    rec_recipient(e), strlen(rec_recipient(e)));
			if (rec_pack(e, &nv) == 0)
				e->cause = v->cause;
			scan_sighted(s, e, when);
		} else if (rec_recipient(e)[0] == '\0' &&
		    v->recipient[0] != '\0') {
			struct verdict nv;

			rec_unpack(e, &nv);
			memcpy(nv.recipient, v->recipient,
			    sizeof(v->recipient));
			(void)rec_pack(e, &nv);
		}
		return;
	}
	scan_metric(s, v, when, 1);
	if ((i = scan_slot_new(s)) < 0) {
		s->dropped++;
		return;
	}
	e = &s->e[i];
	memset(e, 0, sizeof(*e));
	if (rec_pack(e, v) < 0) {
		e->next = s->freed;
		s->freed = i;
		s->dropped++;
		return;
	}
	e->order = s->added++;
	text_copy(e->qid, sizeof(e->qid), v->queue_id, strlen(v->queue_id));
	e->cause = v->cause;
	e->count = 1;
	e->seen = s->lines;
	e->seen_t = s->now_t;
	text_copy(e->first, sizeof(e->first), when, strlen(when));
	text_copy(e->last, sizeof(e->last), when, strlen(when));
	e->next = s->hash[h];
	s->hash[h] = i;
	lru_front(s, i);
	s->live++;
	scan_sighted(s, e, when);
}

/* verdict_fill - the recipient and server of a delivery line for a trace */
static void
verdict_fill(struct verdict *to, const struct verdict *from)
{
	if (to->recipient[0] == '\0')
		memcpy(to->recipient, from->recipient, sizeof(to->recipient));
	if (to->relay[0] == '\0')
		memcpy(to->relay, from->relay, sizeof(to->relay));
	if (to->provider == PROVIDER_NONE)
		to->provider = from->provider;
}

/* entry_fill - verdict_fill for a kept pair */
static void
entry_fill(struct entry *e, const struct verdict *from)
{
	struct verdict v;

	rec_unpack(e, &v);
	verdict_fill(&v, from);
	(void)rec_pack(e, &v);
}

/* cause_rank - position of a cause in the rule table; lower is more specific */
static int
cause_rank(const struct scan *s, const char *cause)
{
	return (cause ? rules_cause_index(s->c->kb.rules, cause) : 1 << 20);
}

/* scan_find - the live entry for (queue id, cause), or -1 */
static int
scan_find(const struct scan *s, const char *qid, const char *cause)
{
	int	 i;

	/* the hash is of the queue id alone when there is one */
	for (i = s->hash[key_hash(qid, cause)]; i >= 0; i = s->e[i].next)
		if (s->e[i].cause == cause && strcmp(s->e[i].qid, qid) == 0)
			return (i);
	return (-1);
}

/*
 * scan_local - count a relay-local verdict for its queue id: it replaces
 * a less specific relay-local cause already counted for that queue id,
 * and is folded into a more specific one.
 */
static void
scan_local(struct scan *s, struct verdict *v, const char *when)
{
	const struct rules *rs = s->c->kb.rules;
	struct verdict deadv, *dead = NULL;
	unsigned long carried = 0, order = 0, seen = 0;
	char	 first[sizeof(s->e[0].first)];
	int	 ci, i, rank = cause_rank(s, v->cause);

	if (v->queue_id[0] != '\0') {
		for (ci = 0; ci < rs->ncauses; ci++) {
			if (!s->local[ci] || rs->causes[ci].id == v->cause ||
			    (i = scan_find(s, v->queue_id,
			    rs->causes[ci].id)) < 0)
				continue;
			if (ci < rank) {
				/* the counted cause is more specific */
				s->e[i].count++;
				scan_seen(s, i);
				text_copy(s->e[i].last, sizeof(s->e[i].last),
				    when, strlen(when));
				entry_fill(&s->e[i], v);
				rec_unpack(&s->e[i], &deadv);
				scan_metric(s, &deadv, when, 0);
				return;
			}
			carried += s->e[i].count;
			/* a copy: scan_add may move the entries */
			rec_unpack(&s->e[i], &deadv);
			if (dead == NULL || s->e[i].order < order) {
				order = s->e[i].order;
				memcpy(first, s->e[i].first, sizeof(first));
				seen = s->e[i].seen;
			}
			dead = &deadv;
			scan_drop(s, i);
		}
	}
	scan_add(s, v, when);
	if ((i = scan_find(s, v->queue_id, v->cause)) >= 0) {
		s->e[i].count += carried;
		if (dead != NULL) {
			entry_fill(&s->e[i], dead);
			/*
			 * the same message, better named: its first sighting
			 * and place in the report stay (scan_add's in-place
			 * change of a cause keeps them too)
			 */
			s->e[i].order = order;
			memcpy(s->e[i].first, first, sizeof(first));
			if (s->tied)
				s->e[i].seen = seen;
		}
	}
}

/* slot_flush - count a held trace that no queue id claimed */
static void
slot_flush(struct scan *s, struct pidslot *ps)
{
	if (ps->held) {
		ps->held = 0;
		scan_local(s, ps->hv, ps->held_when);
	}
}

/* scan_slot - the pid slot of a Postfix line, reset for a new pid */
static struct pidslot *
scan_slot(struct scan *s, const struct logline *ll)
{
	struct pidslot *ps;

	if (ll->pid <= 0 || ll->mta != LOGLINE_POSTFIX)
		return (NULL);
	ps = &s->pids[ll->pid % SCAN_PID_SLOTS];
	if (ps->pid != ll->pid || strncmp(ps->host, ll->host,
	    sizeof(ps->host) - 1) != 0) {
		struct verdict *hv = ps->hv;	/* kept for the next pid */

		slot_flush(s, ps);
		memset(ps, 0, sizeof(*ps));
		ps->hv = hv;
		ps->pid = ll->pid;
		text_copy(ps->host, sizeof(ps->host), ll->host,
		    strlen(ll->host));
	}
	return (ps);
}

/*
 * scan_parsed - one parsed line: its pid slot, queue id and failure.  Of
 * a line that is no failure (k LOGLINE_OTHER or no reason) only mta,
 * pid, host, xoauth2 and queue_id are read: what scan_rec passes.
 */
static void
scan_parsed(struct scan *s, const struct logline *ll, enum logline_kind k)
{
	struct verdict v;
	struct pidslot *ps;
	int	 found, i;

	s->lines++;
	if (s->ngone > 0)
		scan_expire(s, SCAN_PID_WINDOW);
	ps = scan_slot(s, ll);
	/* an old sasl-xoauth2 logs without a pid: the line just before */
	if (ps == NULL && ll->xoauth2 && s->recent != NULL &&
	    s->lines - s->recent_line <= SCAN_PIDLESS_WINDOW &&
	    strncmp(s->recent->host, ll->host, sizeof(s->recent->host) - 1) == 0)
		ps = s->recent;
	if (ps != NULL && ll->queue_id[0] != '\0') {
		if (strcmp(ps->qid, ll->queue_id) != 0)
			ps->qid_foreign = 0;
		text_copy(ps->qid, sizeof(ps->qid), ll->queue_id,
		    strlen(ll->queue_id));
		ps->qid_line = s->lines;
	}
	/* in follow mode, held traces do not wait forever */
	if (s->follow && s->lines % 1000 == 0)
		for (i = 0; i < SCAN_PID_SLOTS; i++)
			if (s->pids[i].held && s->lines -
			    s->pids[i].held_line > SCAN_PID_WINDOW)
				slot_flush(s, &s->pids[i]);
	if (k == LOGLINE_REMOVED && ll->queue_id[0] != '\0' && s->live > 0)
		scan_gone(s, ll->queue_id);
	if (k == LOGLINE_OTHER || ll->reason == NULL)
		return;
	/* the same stamp as the last failure line's is common; a parse
	 * costs a stat of /etc/localtime (mktime) */
	if (strcmp(ll->time, s->now_when) != 0) {
		text_copy(s->now_when, sizeof(s->now_when), ll->time,
		    strlen(ll->time));
		if (logtime_parse(ll->time, strlen(ll->time), time(NULL),
		    &s->now_t) < 0)
			s->now_t = 0;
	}
	if (s->now_t != 0 && s->live > 0)
		scan_window(s, s->now_t);
	verdict_init(&v);
	v.form = ll->mta == LOGLINE_POSTFIX ? FORM_POSTFIX_LOG : FORM_EXIM_LOG;
	text_copy(v.queue_id, sizeof(v.queue_id), ll->queue_id,
	    strlen(ll->queue_id));
	text_printable(v.recipient, sizeof(v.recipient), ll->recipient,
	    strlen(ll->recipient));
	found = explain_reply(&s->c->kb, ll->reason, ll->reason_len, ll->relay,
	    &v);
	if (!v.local || ps == NULL) {
		if (found)
			scan_add(s, &v, ll->time);
		return;
	}
	if (ll->queue_id[0] == '\0') {
		/* a trace line: tie it to this process's delivery */
		if (!found)
			return;
		if (ps->qid[0] != '\0' &&
		    s->lines - ps->qid_line <= SCAN_PID_WINDOW) {
			if (ps->qid_foreign)
				return;
			text_copy(v.queue_id, sizeof(v.queue_id), ps->qid,
			    strlen(ps->qid));
			s->tied = 1;
			scan_local(s, &v, ll->time);
			s->tied = 0;
		} else if (ps->hv == NULL && (ps->hv =
		    malloc(sizeof(*ps->hv))) == NULL) {
			/* no room to hold it: counted as it is */
			scan_local(s, &v, ll->time);
		} else if (!ps->held ||
		    cause_rank(s, v.cause) < cause_rank(s, ps->hv->cause)) {
			*ps->hv = v;
			ps->held = 1;
			ps->held_line = s->lines;
			text_copy(ps->held_when, sizeof(ps->held_when),
			    ll->time, strlen(ll->time));
		}
		return;
	}
	s->recent = ps;
	s->recent_line = s->lines;
	if (!found) {
		/* someone else's server: its traces are not ours either */
		ps->qid_foreign = 1;
		ps->held = 0;
		return;
	}
	if (ps->held && s->lines - ps->held_line <= SCAN_PID_WINDOW) {
		ps->held = 0;
		if (cause_rank(s, ps->hv->cause) < cause_rank(s, v.cause)) {
			v.cause = ps->hv->cause;
			v.area = ps->hv->area;
			memcpy(v.reply, ps->hv->reply, sizeof(v.reply));
		}
	}
	scan_local(s, &v, ll->time);
}

/* scan_line - classify one line */
static void
scan_line(struct scan *s, const char *line, size_t len)
{
	struct logline ll;
	enum logline_kind k;

	k = logline_parse(line, len, &ll);
	scan_parsed(s, &ll, k);
}

/*
 * scan_want - in a scanpar worker: what scan_parsed needs of a line.  A
 * failure is parsed again here, whole; a line that may move a pid slot
 * or retire a message is a record; any other line only counts.
 */
static int
scan_want(const struct logline *ll, enum logline_kind k)
{
	if (k != LOGLINE_OTHER && ll->reason != NULL)
		return (2);
	if ((ll->mta == LOGLINE_POSTFIX && ll->pid > 0) || ll->xoauth2 ||
	    (k == LOGLINE_REMOVED && ll->queue_id[0] != '\0'))
		return (1);
	return (0);
}

/* scan_rec - scanpar's record of a line, in file order; nonzero: stop */
static int
scan_rec(void *arg, const struct scanpar_rec *r)
{
	struct scan *s = arg;
	struct logline ll;

	/* as scan_parsed's for each line: lines that change nothing
	 * else retire the same pairs, in the same order, at their end */
	s->lines += r->skipped;
	if (s->ngone > 0 && r->skipped > 0)
		scan_expire(s, SCAN_PID_WINDOW);
	if (r->none)
		return (scan_stop);
	if (r->whole) {
		scan_line(s, r->line, r->len);
		return (scan_stop);
	}
	/* the fields scan_parsed reads of a line that is no failure */
	ll.mta = (enum logline_mta)r->mta;
	ll.pid = r->pid;
	ll.xoauth2 = r->xoauth2;
	ll.reason = NULL;
	memcpy(ll.host, r->host, sizeof(r->host));
	memcpy(ll.queue_id, r->queue_id, sizeof(r->queue_id));
	scan_parsed(s, &ll, (enum logline_kind)r->kind);
	return (scan_stop);
}

/*
 * scan_piece - one line as classified: at most SCAN_LINE_MAX - 1 bytes,
 * and only up to a NUL (log text has none; what follows one is noise)
 */
static void
scan_piece(struct scan *s, const char *p, size_t len, int nul)
{
	/* nul: the block holds one (one memchr a block, not a line) */
	scan_line(s, p, scanpar_line_len(p, len, SCAN_LINE_MAX, nul));
}

/*
 * scan_fd - the lines of a file, read to its current end in large
 * blocks, each line handed over in place (fgets copied every line once
 * more and strlen read it again, a tenth of a scan).  A line longer than
 * the block is classified on its start and the rest skipped; a last line
 * without a newline counts as a line, unless keep is set (--follow, the
 * file may still grow): then it stays in buf for the next call.
 */
static void
scan_fd(struct scan *s, int fd, char *buf, int keep)
{
	const char *nl;
	size_t	 have = s->carry, start;
	ssize_t	 r;
	int	 skipping = s->carry_skip, nul = 1;
	struct stat st;

	/* a file worth the threads: parsed by scanpar's workers */
	if (!s->follow && s->workers > 0 && (s->par_small ||
	    fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size >= SCAN_PAR_MIN) &&
	    scanpar_fd(fd, s->workers, 0, SCAN_LINE_MAX, scan_want, scan_rec,
	    s, &scan_stop) != -2)
		return;
	while (!scan_stop) {
		r = read(fd, buf + have, SCAN_READ_MAX - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		have += (size_t)r;
		nul = memchr(buf, '\0', have) != NULL;
		for (start = 0; (nl = memchr(buf + start, '\n', have - start)) !=
		    NULL && !scan_stop; start = (size_t)(nl - buf) + 1) {
			if (!skipping)
				scan_piece(s, buf + start,
				    (size_t)(nl - buf) - start, nul);
			skipping = 0;
		}
		if (start > 0) {
			memmove(buf, buf + start, have - start);
			have -= start;
		} else if (have == SCAN_READ_MAX) {
			/* one line fills the buffer: its start, then skip */
			if (!skipping)
				scan_piece(s, buf, have, nul);
			skipping = 1;
			have = 0;
		}
	}
	s->carry = 0;
	s->carry_skip = 0;
	if (keep && !scan_stop) {
		/* an unended line: its end is still to be written */
		s->carry = have;
		s->carry_skip = skipping;
		return;
	}
	if (have > 0 && !skipping && !scan_stop)
		scan_piece(s, buf, have, 1);	/* last line without newline */
}

/* scan_open - a log file for reading; -1 with a message (a directory too) */
static int
scan_open(const char *path)
{
	struct stat st;
	unsigned char mg[2];
	int	 fd;

	if ((fd = open(path, O_RDONLY)) < 0) {
		fprintf(stderr, "relayhint: %s: %s\n", path, strerror(errno));
		return (-1);
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "relayhint: %s: is a directory\n", path);
		close(fd);
		return (-1);
	}
	/*
	 * mail.log.2.gz from "scan /var/log/mail.log*" read as text finds
	 * nothing and exits 0, which a monitoring check takes for good news
	 */
	if (pread(fd, mg, sizeof(mg), 0) == (ssize_t)sizeof(mg) &&
	    mg[0] == 0x1f && mg[1] == 0x8b) {
		fprintf(stderr, "relayhint: %s: compressed (gzip); read it "
		    "with: zcat %s | relayhint scan\n", path, path);
		close(fd);
		return (-1);
	}
	return (fd);
}

/* scan_follow - "tail -F" one file until a signal */
static int
scan_follow(struct scan *s, const char *path, char *block)
{
	struct stat st, fst;
	struct timespec ts = { 0, 250 * 1000 * 1000 };
	int	 fd = -1, at_end = 1;

	while (!scan_stop) {
		if (fd < 0) {
			if ((fd = open(path, O_RDONLY)) < 0) {
				nanosleep(&ts, NULL);
				continue;
			}
			/* first open: start at the end like tail -F;
			 * after a rotation: read the new file from the start */
			if (at_end)
				(void)lseek(fd, 0, SEEK_END);
			at_end = 0;
		}
		scan_fd(s, fd, block, 1);
		if (s->metrics != NULL && time(NULL) - s->metrics_at >=
		    SCAN_METRICS_EVERY)
			scan_metrics_write(s);
		nanosleep(&ts, NULL);
		if (stat(path, &st) < 0 || fstat(fd, &fst) < 0 ||
		    st.st_ino != fst.st_ino || st.st_dev != fst.st_dev ||
		    st.st_size < lseek(fd, 0, SEEK_CUR)) {
			/* rotated or truncated: drain what is left, reopen */
			scan_fd(s, fd, block, 0);
			close(fd);
			fd = -1;
		}
	}
	if (fd >= 0)
		close(fd);
	return (0);
}

/* entry_cmp - group by cause, then by first sighting order */
static int
entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int	 d = strcmp(x->cause, y->cause);

	return (d != 0 ? d : (x->order < y->order ? -1 : x->order > y->order));
}

/* report state: the cause of the group being printed */
struct emit {
	const char *cause;
	const struct hint_entry *h;
};

/* emit_end - the admin steps that close a group of the human report */
static void
emit_end(struct scan *s, struct emit *em)
{
	const struct hint_entry *h = em->h;
	int	 k;

	if (em->cause == NULL)
		return;
	if (h != NULL) {
		printf("  %s%s\n", hints_ui(&s->c->kb.hints, s->c->lang,
		    "admin_heading"), hints_ui(&s->c->kb.hints, s->c->lang,
		    "colon"));
		for (k = 0; k < h->nsteps; k++)
			printf("    %d. %s\n", k + 1, h->step[k]);
	}
	printf("\n");
	em->cause = NULL;
}

/* emit_one - one pair of the report, in order; a group opens by cause */
static void
emit_one(struct scan *s, struct emit *em, const struct entry *e)
{
	const struct hint_entry *h;
	int	 ci;

	if (s->c->json) {
		print_json(s, e);
		return;
	}
	if (em->cause != e->cause) {
		emit_end(s, em);
		ci = rules_cause_index(s->c->kb.rules, e->cause);
		printf("%s: %lu queue id(s)\n", e->cause,
		    s->ncause[ci >= 0 ? ci : s->c->kb.rules->ncauses]);
		if ((h = hints_find(&s->c->kb.hints, s->c->lang, e->cause,
		    NULL)) != NULL)
			printf("  %s\n", h->summary);
		printf("  %-18s %5s  %-26s %-26s %s\n", "queue id", "count",
		    "first seen", "last seen", "recipient");
		em->cause = e->cause;
		em->h = h;
	}
	printf("  %-18s %5lu  %-26s %-26s %s\n", e->qid[0] ? e->qid : "-",
	    e->count, e->first, e->last,
	    rec_recipient(e)[0] ? rec_recipient(e) : "-");
}

/* run_next - read run r's next record into r->e; -1 at its end */
static int
run_next(struct scan *s, struct run *r)
{
	size_t	 tl;
	char	*t = NULL;

	if (r->left == 0)
		return (-1);
	if (r->mem) {
		/* off counts the records taken */
		r->e = s->done[r->off];
		s->done[r->off++].text = NULL;
		r->left--;
		return (0);
	}
	errno = 0;	/* a short read sets none */
	if (pread(s->spill, &r->e, sizeof(r->e), r->off) !=
	    (ssize_t)sizeof(r->e) || pread(s->spill, &tl, sizeof(tl),
	    r->off + (off_t)sizeof(r->e)) != (ssize_t)sizeof(tl) ||
	    (tl > 0 && ((t = malloc(tl)) == NULL || pread(s->spill, t, tl,
	    r->off + (off_t)(sizeof(r->e) + sizeof(tl))) != (ssize_t)tl))) {
		free(t);
		/* the report is incomplete: an error, said with its size */
		fprintf(stderr, "relayhint: spill file: %s: %lu record(s) "
		    "of the report lost\n", strerror(errno ? errno : EIO),
		    (unsigned long)r->left);
		s->lost += (unsigned long)r->left;
		r->left = 0;
		return (-1);
	}
	r->e.text = t;
	r->off += (off_t)(sizeof(r->e) + sizeof(tl) + tl);
	r->left--;
	return (0);
}

/* heap_down - restore the merge heap of run indices below slot i */
static void
heap_down(struct scan *s, int *heap, int n, int i)
{
	int	 c, t;

	for (;;) {
		c = 2 * i + 1;
		if (c >= n)
			return;
		if (c + 1 < n && entry_cmp(&s->runs[heap[c + 1]].e,
		    &s->runs[heap[c]].e) < 0)
			c++;
		if (entry_cmp(&s->runs[heap[c]].e, &s->runs[heap[i]].e) >= 0)
			return;
		t = heap[i];
		heap[i] = heap[c];
		heap[c] = t;
		i = c;
	}
}

/*
 * scan_report - the summary at the end of a non-follow scan: every pair
 * still in the table retires too, and the sorted runs are merged (one
 * record of each in memory); with no run spilled, as it was, in memory
 */
static void
scan_report(struct scan *s)
{
	struct emit em = { NULL, NULL };
	unsigned long total = 0;
	int	 i, n, *heap;

	for (i = 0; i < SCAN_PID_SLOTS; i++)
		slot_flush(s, &s->pids[i]);
	while (s->oldest >= 0)
		scan_retire(s, s->oldest);
	for (i = 0; i <= s->c->kb.rules->ncauses; i++)
		total += s->ncause[i];
	if (!s->c->json && total == 0)
		printf("No Microsoft 365 failures in %lu lines.\n", s->lines);
	if (s->ndone > 0)	/* qsort(NULL, 0) is undefined */
		qsort(s->done, (size_t)s->ndone, sizeof(*s->done), entry_cmp);
	if (s->nruns == 0) {
		/* all in memory, as a short log always is */
		for (i = 0; i < s->ndone; i++)
			emit_one(s, &em, &s->done[i]);
		emit_end(s, &em);
		return;
	}
	if (s->ndone > 0 && run_flush(s) < 0) {
		/* the spill file is full: the rest is a run in memory */
		struct run *nr = realloc(s->runs,
		    (size_t)(s->nruns + 1) * sizeof(*nr));

		if (nr == NULL) {
			fprintf(stderr, "relayhint: out of memory\n");
			return;
		}
		s->runs = nr;
		memset(&nr[s->nruns], 0, sizeof(*nr));
		nr[s->nruns].mem = 1;
		nr[s->nruns++].left = (unsigned long)s->ndone;
	}
	if ((heap = malloc((size_t)s->nruns * sizeof(*heap))) == NULL) {
		fprintf(stderr, "relayhint: out of memory\n");
		return;
	}
	for (i = n = 0; i < s->nruns; i++)
		if (run_next(s, &s->runs[i]) == 0)
			heap[n++] = i;
	for (i = n / 2 - 1; i >= 0; i--)
		heap_down(s, heap, n, i);
	while (n > 0) {
		struct run *r = &s->runs[heap[0]];

		emit_one(s, &em, &r->e);
		free(r->e.text);
		r->e.text = NULL;
		if (run_next(s, r) < 0)
			heap[0] = heap[--n];
		heap_down(s, heap, n, 0);
	}
	emit_end(s, &em);
	free(heap);
}

/*
 * scan_workers - parsing threads for --jobs N: N, none for 1; by
 * default one per CPU this process may run on, none on one CPU
 */
static int
scan_workers(int jobs)
{
	if (jobs <= 0)
		jobs = cli_cpus();
	if (jobs == 1)
		return (0);
	return (jobs > SCANPAR_WORKERS_MAX ? SCANPAR_WORKERS_MAX : jobs);
}

/* cmd_scan - scan [--json] [--follow] [--language L] [FILE...] */
int
cmd_scan(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "follow", no_argument, NULL, 'f' },
		{ "language", required_argument, NULL, 'l' },
		{ "alert-spool", required_argument, NULL, 'A' },
		{ "alert-quiet", required_argument, NULL, 'Q' },
		{ "alert-spool-max", required_argument, NULL, 'M' },
		{ "max-pairs", required_argument, NULL, 'P' },
		{ "metrics", required_argument, NULL, 'm' },
		{ "jobs", required_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct alert_watch aw;
	struct metrics metrics;
	const char *spool = NULL;
	struct scan s;
	struct sigaction sa;
	char	*block;
	int	 ch, i, fd, rc = 0, nread = 0, jobs = 0;

	memset(&s, 0, sizeof(s));
	s.c = c;
	s.max = SCAN_MAX_ENTRIES;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "jfl:A:Q:M:P:m:J:h", opts, NULL))
	    != -1) {
		switch (ch) {
		case 'j':
			c->json = 1;
			break;
		case 'f':
			s.follow = 1;
			break;
		case 'l':
			cli_set_lang(c, optarg);
			break;
		case 'A':
			spool = optarg;
			break;
		case 'Q':
			if (cli_setting(c, "alert-quiet", optarg) < 0)
				return (EXIT_USAGE);
			break;
		case 'M':
			if (cli_setting(c, "alert-spool-max", optarg) < 0)
				return (EXIT_USAGE);
			break;
		case 'P':
			/* the manual's range; past it the oldest retire */
			s.max = atoi(optarg);
			if (s.max < 4 * SCAN_PID_SLOTS || s.max > 10000000) {
				fprintf(stderr, "relayhint: --max-pairs: "
				    "%d to 10000000\n", 4 * SCAN_PID_SLOTS);
				return (EXIT_USAGE);
			}
			break;
		case 'm':
			s.metrics_path = optarg;
			break;
		case 'J':
			if ((jobs = cli_jobs(optarg)) < 0)
				return (EXIT_USAGE);
			break;
		case 'h':
			usage_cmd(stdout, "scan");
			return (0);
		default:
			usage_cmd(stderr, "scan");
			return (EXIT_USAGE);
		}
	}
	if (spool != NULL && !s.follow) {
		fprintf(stderr, "relayhint: --alert-spool needs --follow\n");
		return (EXIT_USAGE);
	}
	if (spool != NULL) {
		alert_watch_init(&aw, spool, c->cfg.alert_spool_max,
		    c->cfg.alert_quiet, &c->kb.hints, c->lang,
		    "scan");
		s.alert = &aw;
	}
	if (s.follow && argc - optind > 1) {
		fprintf(stderr, "relayhint: --follow takes one file\n");
		return (EXIT_USAGE);
	}
	s.workers = scan_workers(jobs);
	s.par_small = jobs > 1;
	block = malloc(SCAN_READ_MAX);
	s.hash = malloc(SCAN_HASH * sizeof(*s.hash));
	s.pids = calloc(SCAN_PID_SLOTS, sizeof(*s.pids));
	s.local = calloc((size_t)c->kb.rules->ncauses + 1, 1);
	s.ncause = calloc((size_t)c->kb.rules->ncauses + 1,
	    sizeof(*s.ncause));
	s.gone = calloc(SCAN_GONE, sizeof(*s.gone));
	out_hintmemo_init(&s.hmemo, c);
	s.done_cap = SCAN_RUN;
	s.done = s.follow ? NULL : malloc(SCAN_RUN * sizeof(*s.done));
	s.newest = s.oldest = s.freed = -1;
	s.spill = -1;
	if (s.metrics_path != NULL && metrics_init(&metrics) == 0)
		s.metrics = &metrics;
	if (block == NULL || s.hash == NULL || s.pids == NULL ||
	    s.local == NULL || s.ncause == NULL || s.gone == NULL ||
	    (!s.follow && s.done == NULL) ||
	    (s.metrics_path != NULL && s.metrics == NULL)) {
		fprintf(stderr, "relayhint: out of memory\n");
		free(block);
		free(s.hash);
		free(s.pids);
		free(s.local);
		free(s.ncause);
		free(s.gone);
		free(s.done);
		if (s.metrics != NULL)
			metrics_free(s.metrics);
		return (EXIT_USAGE);
	}
	for (i = 0; i < c->kb.rules->nrules; i++)
		if (c->kb.rules->rules[i].local)
			s.local[c->kb.rules->rules[i].cause] = 1;
	memset(s.hash, 0xff, SCAN_HASH * sizeof(*s.hash));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (s.follow && optind < argc && strcmp(argv[optind], "-") != 0)
		rc = scan_follow(&s, argv[optind], block);
	else if (optind >= argc)
		scan_fd(&s, STDIN_FILENO, block, 0);
	else {
		for (i = optind; i < argc && !scan_stop; i++) {
			if (strcmp(argv[i], "-") == 0)
				fd = STDIN_FILENO;
			else if ((fd = scan_open(argv[i])) < 0) {
				rc = EXIT_USAGE;
				continue;
			}
			scan_fd(&s, fd, block, 0);
			nread++;
			if (fd != STDIN_FILENO)
				close(fd);
		}
	}
	free(block);
	/* every file unreadable: the error alone, no empty report */
	if (!s.follow && (nread > 0 || optind >= argc))
		scan_report(&s);
	if (s.metrics != NULL) {
		scan_metrics_write(&s);
		metrics_free(&metrics);
	}
	if (s.dropped > 0)
		fprintf(stderr, "relayhint: warning: %lu failure(s) not "
		    "tracked: out of memory\n", s.dropped);
	if (s.evicted > 0 && s.follow)
		fprintf(stderr, "relayhint: %lu old (queue id, cause) pair(s) "
		    "forgotten to make room (limit %d)\n", s.evicted, s.max);
	else if (s.evicted > 0)
		fprintf(stderr, "relayhint: warning: %lu (queue id, cause) "
		    "pair(s) left the table before their message was removed "
		    "(limit %d): one seen again after that is reported "
		    "again\n", s.evicted, s.max);
	while (s.oldest >= 0)
		scan_drop(&s, s.oldest);
	for (i = 0; i < s.ndone; i++)
		free(s.done[i].text);
	if (s.spill >= 0)
		close(s.spill);
	free(s.e);
	free(s.hash);
	for (i = 0; i < SCAN_PID_SLOTS; i++)
		free(s.pids[i].hv);
	free(s.pids);
	free(s.local);
	out_hintmemo_free(&s.hmemo);
	free(s.ncause);
	free(s.gone);
	free(s.done);
	free(s.runs);
	/* like a monitoring check: 0 nothing found, 1 failures, 2 errors */
	if (s.lost > 0)
		rc = EXIT_USAGE;
	if (rc == 0 && s.found && !s.follow)
		rc = EXIT_FOUND;
	return (rc);
}
