/*
 * eximlog.c - classify one Exim delivery from its event text and its
 * own lines at the end of the main log
 *
 * Functions: eximlog_is_msgid, eximlog_generic_auth, eximlog_classify,
 * eximlog_lookup, eximlog_note, eximlog_src_name.
 *
 * Why the main log: Exim 4.96 keeps the smarthost's reply to AUTH (the
 * "535 5.7.139 ..." that says why) out of $event_data, the bounce and the
 * msglog; it only writes it to the main log's "authenticator failed"
 * line.  Under hosts_try_auth the delivery then fails with Microsoft's
 * 530 5.7.57, which hides the real cause.  So the evidence is ranked
 * (eximlog.h, enum eximlog_tier) and read back from the newest line to the
 * oldest, and only lines of the latest delivery attempt count: the walk
 * stops at the message's arrival line ("<="), or at the == or ** line of an
 * earlier attempt once the latest attempt has given evidence.
 *
 * Each line is read by logline_parse (logline.c), the one parser of
 * Exim's log format; this file only ranks what it returns.  Used by the
 * Exim dlfunc object, which runs inside Exim's delivery processes.
 *
 * Limits: at most tail_max bytes (default 1 MiB, EXIMLOG_TAIL_MAX 64 MiB)
 * are read from the end of the file, in 64 KiB chunks, and reading stops
 * as soon as the attempt is complete.  Lines longer than EXIMLOG_LINE_MAX are
 * skipped.  Only the current file is read: after a log rotation the
 * lines are gone and the answer falls back to the event text.
 *
 * Logs nothing; the caller reports the answer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eximlog.h"
#include "explain.h"
#include "logline.h"
#include "text.h"

#define EXIMLOG_CHUNK	(64u * 1024)

/* Exim's errno for "authentication required but ... failed" */
#define EXIMLOG_ERRNO_AUTHFAIL	(-42)

struct walk {
	const struct kb *kb;
	const struct eximlog_query *q;
	struct eximlog_answer *a;
	char	 needle[EXIMLOG_ID_MAX + 3];	/* " <id> " */
	size_t	 nlen;
	int	 attempt_seen;	/* evidence of the latest attempt was met */
	int	 done;
};

/* id_char - the base-62 alphabet of Exim message ids */
static int
id_char(int c)
{
	return ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	    (c >= 'a' && c <= 'z'));
}

/* eximlog_is_msgid - tttttt-pppppp-ss (to 4.96), tttttt-ppppppppppp-ssss */
int
eximlog_is_msgid(const char *s)
{
	static const int old_form[] = {6, 6, 2}, new_form[] = {6, 11, 4};
	const int *form;
	size_t	 len, k, i;
	int	 part;

	if (s == NULL)
		return (0);
	len = strlen(s);
	if (len == 16)
		form = old_form;
	else if (len == 23)
		form = new_form;
	else
		return (0);
	for (k = 0, part = 0; part < 3; part++) {
		for (i = 0; i < (size_t)form[part]; i++, k++)
			if (!id_char((unsigned char)s[k]))
				return (0);
		if (part < 2 && s[k++] != '-')
			return (0);
	}
	return (1);
}

/* eximlog_generic_auth - Exim's own wording for a failed AUTH, or errno -42 */
int
eximlog_generic_auth(const char *text, size_t len, int defer_errno)
{
	if (defer_errno == EXIMLOG_ERRNO_AUTHFAIL)
		return (1);
	return (text != NULL && (text_casestr(text, len,
	    "authentication attempt(s) failed") != NULL ||
	    text_casestr(text, len, "defer (-42)") != NULL));
}

/* eximlog_src_name - the source=... word of a log line */
const char *
eximlog_src_name(enum eximlog_src s)
{
	switch (s) {
	case EXIMLOG_SRC_EVENT:
		return ("event");
	case EXIMLOG_SRC_AUTH_LINE:
		return ("mainlog-auth");
	case EXIMLOG_SRC_RESULT_LINE:
		return ("mainlog");
	default:
		return ("none");
	}
}

/* consider - keep v when it ranks above what we have (newest wins ties) */
static void
consider(struct eximlog_answer *a, enum eximlog_tier tier, enum eximlog_src src,
    const struct verdict *v)
{
	if (tier <= a->tier)
		return;
	a->tier = tier;
	a->src = src;
	a->v = *v;
}

/* rank_reply - classify one reply text and rank it */
static enum eximlog_tier
rank_reply(const struct kb *kb, const char *text, size_t len,
    const char *relay, int from_auth, struct verdict *v)
{
	int	 known;

	verdict_init(v);
	v->form = FORM_EXIM_LOG;
	if (!explain_reply(kb, text, len, relay, v) || v->cause == NULL)
		return (EXIMLOG_TIER_NONE);
	known = kb->rules->unknown_cause < 0 || strcmp(v->cause,
	    kb->rules->causes[kb->rules->unknown_cause].id) != 0;
	if (from_auth)
		return (known ? EXIMLOG_TIER_AUTH : EXIMLOG_TIER_AUTH_UNKNOWN);
	return (known ? EXIMLOG_TIER_RESULT : EXIMLOG_TIER_RESULT_UNKNOWN);
}

/* rank_generic - Exim's "authentication attempt(s) failed", at Microsoft */
static void
rank_generic(struct walk *w, const char *text, size_t len,
    const char *relay, enum eximlog_src src)
{
	struct verdict v;

	w->a->generic_auth = 1;
	verdict_init(&v);
	v.form = FORM_EXIM_LOG;
	/* No reply code in it: only the relay's name can tell whose it is */
	if (explain_reply(w->kb, text, len, relay, &v) && v.cause != NULL)
		consider(w->a, EXIMLOG_TIER_GENERIC, src, &v);
}

/* auth_line - "<id> NAME authenticator failed H=host [ip] 535 ...", parsed */
static void
auth_line(struct walk *w, const struct logline *ll)
{
	struct verdict v;
	enum eximlog_tier t;

	w->attempt_seen = 1;
	t = rank_reply(w->kb, ll->reason ? ll->reason : "", ll->reason_len,
	    ll->relay, 1, &v);
	if (t != EXIMLOG_TIER_NONE) {
		text_copy(v.queue_id, sizeof(v.queue_id), w->q->id,
		    strlen(w->q->id));
		consider(w->a, t, EXIMLOG_SRC_AUTH_LINE, &v);
	}
}

/* result_reason - a == or ** line's error text, when logline_parse has none */
static const char *
result_reason(const char *s, size_t len, size_t *rlen)
{
	const char *p, *end = s + len;

	/* "...: SMTP error from remote mail server after ...: 530 5.7.57" */
	for (p = end; p > s + 2; p--)
		if (p[-2] == ':' && p[-1] == ' ' && end - p > 4 &&
		    p[0] >= '2' && p[0] <= '5' && p[1] >= '0' && p[1] <= '9' &&
		    p[2] >= '0' && p[2] <= '9' && (p[3] == ' ' || p[3] == '-'))
			break;
	if (p <= s + 2) {
		/* "defer (-42) DT=0s: authentication required but ..." */
		if ((p = text_casestr(s, len, "DT=")) == NULL)
			return (NULL);
		while (p < end && *p != ' ')
			p++;
		while (p < end && *p == ' ')
			p++;
	}
	*rlen = (size_t)(end - p);
	return (p);
}

/* result_line - "<id> == addr ... defer (-42) ...: text", "<id> ** addr ..." */
static void
result_line(struct walk *w, const char *s, size_t len, const char *mark,
    const struct logline *ll)
{
	struct verdict v;
	const char *reason = NULL;
	size_t	 rlen = 0;
	enum eximlog_tier t;
	int	 generic;

	if (ll->reason != NULL && ll->reason_len > 0) {
		reason = ll->reason;
		rlen = ll->reason_len;
	} else
		reason = result_reason(mark, len - (size_t)(mark - s), &rlen);
	if (reason == NULL)
		return;
	generic = eximlog_generic_auth(s, len, 0);
	t = rank_reply(w->kb, reason, rlen, ll->relay, 0, &v);
	/* "retry time not reached", "retry timeout exceeded": no attempt */
	if (!generic && v.smtp_code == 0 && v.status[0] == '\0')
		return;
	if (w->attempt_seen) {
		w->done = 1;		/* an earlier attempt */
		return;
	}
	w->attempt_seen = 1;
	if (t != EXIMLOG_TIER_NONE && (t != EXIMLOG_TIER_RESULT_UNKNOWN ||
	    !generic)) {
		text_copy(v.queue_id, sizeof(v.queue_id), w->q->id,
		    strlen(w->q->id));
		if (ll->recipient[0] != '\0')
			text_copy(v.recipient, sizeof(v.recipient),
			    ll->recipient, strlen(ll->recipient));
		consider(w->a, t, EXIMLOG_SRC_RESULT_LINE, &v);
	} else if (generic)
		rank_generic(w, reason, rlen, ll->relay[0] ? ll->relay :
		    w->q->relay, EXIMLOG_SRC_RESULT_LINE);
}

/* find_id - the " <id> " needle; ids are case-sensitive, so plain bytes */
static const char *
find_id(const char *s, size_t len, const char *needle, size_t nlen)
{
	const char *p = s, *end = s + len;

	while ((size_t)(end - p) + 1 >= nlen &&
	    (p = memchr(p, needle[1], (size_t)(end - p) - nlen + 2)) != NULL) {
		if (p > s && memcmp(p - 1, needle, nlen) == 0)
			return (p - 1);
		p++;
	}
	return (NULL);
}

/* one_line - one complete main log line, newest first */
static void
one_line(struct walk *w, const char *s, size_t len)
{
	struct logline ll;
	enum logline_kind k;
	const char *p, *after;

	if (len == 0 || len > EXIMLOG_LINE_MAX)
		return;
	if ((p = find_id(s, len, w->needle, w->nlen)) == NULL)
		return;
	w->a->id_seen = 1;
	after = p + w->nlen;
	if (s + len - after >= 3 && memcmp(after, "<= ", 3) == 0) {
		w->done = 1;		/* the message arrived: nothing older */
		return;
	}
	if (s + len - after >= 10 && memcmp(after, "relayhint:", 10) == 0)
		return;			/* our own line */
	memset(&ll, 0, sizeof(ll));
	k = logline_parse(s, len, &ll);
	if (k == LOGLINE_AUTH_FAILED)
		auth_line(w, &ll);
	else if (s + len - after >= 3 && (memcmp(after, "== ", 3) == 0 ||
	    memcmp(after, "** ", 3) == 0))
		result_line(w, s, len, after, &ll);
}

/* walk_file - feed lines to one_line from the end of fd, newest first */
static void
walk_file(struct walk *w, int fd, off_t size, size_t max)
{
	char	*buf;
	size_t	 carry = 0, n, have, e, i;
	off_t	 pos = size;
	int	 skipping = 0;	/* the carried line is too long */

	if ((buf = malloc(EXIMLOG_CHUNK + EXIMLOG_LINE_MAX + 1)) == NULL) {
		w->a->log = EXIMLOG_LOG_ERROR;
		w->a->log_errno = ENOMEM;
		return;
	}
	while (pos > 0 && !w->done && w->a->bytes_read < max) {
		n = EXIMLOG_CHUNK;
		if ((off_t)n > pos)
			n = (size_t)pos;
		if (n > max - w->a->bytes_read)
			n = max - w->a->bytes_read;
		pos -= (off_t)n;
		/* the carried head of the newer chunk goes after this chunk */
		memmove(buf + n, buf, carry);
		if (pread(fd, buf, n, pos) != (ssize_t)n) {
			w->a->log = EXIMLOG_LOG_ERROR;
			w->a->log_errno = errno ? errno : EIO;
			break;
		}
		w->a->bytes_read += n;
		have = n + carry;
		for (e = have; !w->done;) {
			for (i = e; i > 0 && buf[i - 1] != '\n'; i--)
				;
			if (i == 0 && pos > 0 && w->a->bytes_read < max)
				break;	/* it goes on in the older chunk */
			if (!skipping || e != have)
				one_line(w, buf + i, e - i);
			skipping = 0;
			if (i == 0) {
				e = 0;
				break;
			}
			e = i - 1;
		}
		if (w->done)
			break;
		carry = e;
		if (carry > EXIMLOG_LINE_MAX) {
			carry = 0;	/* drop the tail of an overlong line */
			skipping = 1;
		}
		/* the carry sits at the start of buf already */
	}
	free(buf);
}

/* read_log - this message's lines of the latest attempt, newest first */
static void
read_log(struct walk *w)
{
	struct stat st;
	size_t	 max = w->q->tail_max ? w->q->tail_max : EXIMLOG_TAIL_DEFAULT;
	int	 fd;

	if (max > EXIMLOG_TAIL_MAX)
		max = EXIMLOG_TAIL_MAX;
	if ((fd = open(w->q->mainlog, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) < 0) {
		w->a->log = errno == ENOENT ? EXIMLOG_LOG_NOFILE : EXIMLOG_LOG_ERROR;
		w->a->log_errno = errno;
		return;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		w->a->log = EXIMLOG_LOG_NOFILE;
		(void)close(fd);
		return;
	}
	w->a->log = EXIMLOG_LOG_READ;
	walk_file(w, fd, st.st_size, max);
	(void)close(fd);
}

/* eximlog_classify - rank the event text and this attempt's main log lines */
int
eximlog_classify(const struct kb *kb, const struct eximlog_query *q,
    struct eximlog_answer *a)
{
	struct walk w;
	struct verdict v;
	enum eximlog_tier t;
	const char *text = q->text ? q->text : "";
	const char *relay = q->relay ? q->relay : "";
	size_t	 tlen = strlen(text);

	memset(a, 0, sizeof(*a));
	verdict_init(&a->v);
	memset(&w, 0, sizeof(w));
	w.kb = kb;
	w.q = q;
	w.a = a;

	/* The event text is the newest evidence of the current attempt */
	if (tlen > 0) {
		t = rank_reply(kb, text, tlen, relay, 0, &v);
		if (t == EXIMLOG_TIER_RESULT_UNKNOWN && eximlog_generic_auth(text,
		    tlen, q->defer_errno))
			t = EXIMLOG_TIER_NONE;	/* Exim's text, not a reply */
		if (t != EXIMLOG_TIER_NONE)
			consider(a, t, EXIMLOG_SRC_EVENT, &v);
	}
	if (eximlog_generic_auth(text, tlen, q->defer_errno))
		rank_generic(&w, text, tlen, relay, EXIMLOG_SRC_EVENT);
	w.attempt_seen = q->in_attempt;

	if (q->id != NULL && eximlog_is_msgid(q->id) && q->mainlog != NULL &&
	    q->mainlog[0] != '\0') {
		w.nlen = (size_t)snprintf(w.needle, sizeof(w.needle), " %s ",
		    q->id);
		read_log(&w);
	} else if (q->mainlog == NULL || q->mainlog[0] == '\0')
		a->log = EXIMLOG_LOG_UNUSED;

	if (a->tier != EXIMLOG_TIER_NONE) {
		if (q->id != NULL && eximlog_is_msgid(q->id))
			text_copy(a->v.queue_id, sizeof(a->v.queue_id), q->id,
			    strlen(q->id));
		if (a->v.relay[0] == '\0' && relay[0] != '\0')
			text_printable(a->v.relay, sizeof(a->v.relay), relay,
			    strlen(relay));
	}
	return (a->tier != EXIMLOG_TIER_NONE);
}

/* eximlog_lookup - classify a message id (main log) or a text */
int
eximlog_lookup(const struct kb *kb, const char *mainlog, size_t tail,
    const char *subject, const char *fallback, struct eximlog_answer *a)
{
	struct eximlog_query q;
	struct verdict v;

	memset(&q, 0, sizeof(q));
	q.mainlog = mainlog;
	q.tail_max = tail;
	if (eximlog_is_msgid(subject))
		q.id = subject;
	else
		q.text = subject;
	if (eximlog_classify(kb, &q, a))
		return (1);
	if ((q.text == NULL || subject[0] == '\0') && fallback != NULL &&
	    fallback[0] != '\0') {
		verdict_init(&v);
		if (explain_text(kb, fallback, strlen(fallback), &v) &&
		    v.cause != NULL) {
			a->v = v;
			a->tier = EXIMLOG_TIER_RESULT;
			a->src = EXIMLOG_SRC_EVENT;
			return (1);
		}
	}
	/* a plain text that is a whole log line, DSN or bounce */
	if (q.text != NULL && subject[0] != '\0') {
		verdict_init(&v);
		if (explain_text(kb, subject, strlen(subject), &v) &&
		    v.cause != NULL) {
			a->v = v;
			a->tier = EXIMLOG_TIER_RESULT;
			return (1);
		}
	}
	return (0);
}

/* eximlog_note - how to get the precise cause when the main log did not */
const char *
eximlog_note(const struct eximlog_answer *a)
{
	if (a->tier != EXIMLOG_TIER_GENERIC && a->tier != EXIMLOG_TIER_RESULT &&
	    a->tier != EXIMLOG_TIER_RESULT_UNKNOWN)
		return (NULL);
	if (!a->generic_auth && a->tier != EXIMLOG_TIER_GENERIC &&
	    (a->v.area == NULL || strcmp(a->v.area, "auth") != 0))
		return (NULL);
	switch (a->log) {
	case EXIMLOG_LOG_UNUSED:
	case EXIMLOG_LOG_NOFILE:
		return ("Exim writes Microsoft's AUTH reply only to its main "
		    "log file; add a file to log_file_path (Debian: "
		    "/var/log/exim4/mainlog) and pass its path to "
		    "relayhint_event for the precise cause");
	case EXIMLOG_LOG_ERROR:
		return ("the main log could not be read; check its path and "
		    "permissions (the Exim user must read it) for the "
		    "precise cause");
	default:
		return (a->id_seen ? NULL : "this message's lines are not in "
		    "the end of the main log; raise tail= for the precise "
		    "cause");
	}
}
