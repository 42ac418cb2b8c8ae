/*
 * alert.c - webhook alerts: payloads, signature, spool
 *
 * Functions: alert_fill, alert_format_parse, alert_payload, alert_sign,
 * alert_serialize, alert_parse, alert_spool_put, alert_spool_list,
 * alert_spool_list_free, alert_watch_init, alert_watch_note.
 *
 * The spool is a directory of small text files, one per alert, named
 * "a.SECONDS.MICROSECONDS.PID.SEQ" with fixed-width numbers so that
 * name order is age order.  A file is written under a "t." name and
 * renamed, so the drainer never sees half an alert.  The spool holds at
 * most "max" files: the writer removes the oldest beyond that, and logs
 * each one it drops ("relayhint: warning: alert spool full ...") to
 * stderr.  Values are printable (text_printable) and a relay-local reply
 * goes through explain_redact: a payload carries no password or token.
 *
 * Limits: ALERT_VALUE_MAX per value, ALERT_FILE_MAX per spool file,
 * ALERT_BODY_MAX per payload, ALERT_SPOOL_SCAN_MAX files listed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "alert.h"
#include "buf.h"
#include "explain.h"
#include "jsonw.h"
#include "text.h"

/* put - a printable copy of a C string into a fixed field */
static void
put(char *dst, size_t dstlen, const char *src)
{
	if (src == NULL)
		src = "";
	text_printable(dst, dstlen, src, strlen(src));
}

/* alert_fill - an alert from a verdict and the hint for its cause */
void
alert_fill(struct alert *a, const struct verdict *v, const struct hints *h,
    const char *lang, const char *source)
{
	const struct hint_entry *e = NULL;
	const char *used = NULL;
	char	 reply[REPLY_TEXT_MAX];
	int	 k;

	memset(a, 0, sizeof(*a));
	put(a->cause, sizeof(a->cause), v->cause);
	put(a->area, sizeof(a->area), v->area);
	a->smtp_code = v->smtp_code;
	put(a->status, sizeof(a->status), v->status);
	put(a->relay, sizeof(a->relay), v->relay);
	put(a->server_id, sizeof(a->server_id), v->server_id);
	put(a->queue_id, sizeof(a->queue_id), v->queue_id);
	/* the verdict redacts relay-local text; do it again, it is cheap */
	text_copy(reply, sizeof(reply), v->reply, strlen(v->reply));
	explain_redact(reply);
	put(a->reply, sizeof(a->reply), reply);
	{
		char	 host[256] = "";

		/* the name is not trusted to be printable either */
		if (gethostname(host, sizeof(host) - 1) < 0)
			host[0] = '\0';
		host[sizeof(host) - 1] = '\0';
		put(a->host, sizeof(a->host), host);
	}
	put(a->source, sizeof(a->source), source);
	if (v->cause != NULL && h != NULL)
		e = hints_find(h, lang ? lang : "en", v->cause, &used);
	if (e == NULL)
		return;
	put(a->lang, sizeof(a->lang), used);
	put(a->summary, sizeof(a->summary), e->summary);
	for (k = 0; k < e->nsteps && k < ALERT_STEPS; k++)
		put(a->step[k], sizeof(a->step[k]), e->step[k]);
	a->nsteps = k;
}

/* alert_format_parse - a format name */
int
alert_format_parse(const char *s)
{
	if (strcmp(s, "json") == 0)
		return (ALERT_JSON);
	if (strcmp(s, "teams") == 0)
		return (ALERT_TEAMS);
	if (strcmp(s, "slack") == 0)
		return (ALERT_SLACK);
	return (-1);
}

/* kv - "key":"value", with null for an empty value */
static void
kv(struct buf *b, const char *key, const char *val, int comma)
{
	jsonw_key(b, key);
	jsonw_str(b, val[0] ? val : NULL);
	if (comma)
		buf_putc(b, ',');
}

/* code_text - "535 5.7.139" or "-" */
static void
code_text(const struct alert *a, char *out, size_t len)
{
	if (a->smtp_code && a->status[0])
		snprintf(out, len, "%d %s", a->smtp_code, a->status);
	else if (a->smtp_code)
		snprintf(out, len, "%d", a->smtp_code);
	else
		snprintf(out, len, "%s", a->status[0] ? a->status : "-");
}

/* payload_json - the generic object every receiver can parse */
static void
payload_json(const struct alert *a, struct buf *b)
{
	int	 k;

	buf_puts(b, "{\"version\":1,\"event\":\"relayhint.alert\",");
	kv(b, "cause", a->cause, 1);
	kv(b, "area", a->area, 1);
	jsonw_key(b, "smtp_code");
	if (a->smtp_code)
		buf_printf(b, "%d,", a->smtp_code);
	else
		buf_puts(b, "null,");
	kv(b, "enhanced_code", a->status, 1);
	kv(b, "relay", a->relay, 1);
	kv(b, "server_id", a->server_id, 1);
	kv(b, "queue_id", a->queue_id, 1);
	kv(b, "reply", a->reply, 1);
	buf_printf(b, "\"count\":%lu,\"suppressed\":%lu,", a->count,
	    a->suppressed);
	kv(b, "first_seen", a->first_seen, 1);
	kv(b, "last_seen", a->last_seen, 1);
	kv(b, "host", a->host, 1);
	kv(b, "source", a->source, 1);
	kv(b, "lang", a->lang, 1);
	kv(b, "summary", a->summary, 1);
	jsonw_key(b, "steps");
	buf_putc(b, '[');
	for (k = 0; k < a->nsteps; k++) {
		if (k > 0)
			buf_putc(b, ',');
		jsonw_str(b, a->step[k]);
	}
	buf_puts(b, "]}");
}

/* fact - one Adaptive Card FactSet entry */
static void
fact(struct buf *b, const char *title, const char *value, int comma)
{
	buf_putc(b, '{');
	kv(b, "title", title, 1);
	jsonw_key(b, "value");
	jsonw_str(b, value[0] ? value : "-");
	buf_putc(b, '}');
	if (comma)
		buf_putc(b, ',');
}

/* payload_teams - a Teams Workflows "post to channel" message with an Adaptive Card */
static void
payload_teams(const struct alert *a, struct buf *b)
{
	char	 code[64], count[64], title[512];
	int	 k;

	code_text(a, code, sizeof(code));
	snprintf(count, sizeof(count), "%lu (%lu held back)", a->count,
	    a->suppressed);
	snprintf(title, sizeof(title), "relayhint: %s on %s", a->cause,
	    a->host[0] ? a->host : "relay");
	buf_puts(b, "{\"type\":\"message\",\"attachments\":[{"
	    "\"contentType\":\"application/vnd.microsoft.card.adaptive\","
	    "\"contentUrl\":null,\"content\":{"
	    "\"$schema\":\"http://adaptivecards.io/schemas/adaptive-card.json\","
	    "\"type\":\"AdaptiveCard\",\"version\":\"1.4\",\"body\":[");
	buf_puts(b, "{\"type\":\"TextBlock\",\"size\":\"Medium\","
	    "\"weight\":\"Bolder\",\"wrap\":true,");
	kv(b, "text", title, 0);
	buf_puts(b, "},{\"type\":\"TextBlock\",\"wrap\":true,");
	jsonw_key(b, "text");
	jsonw_str(b, a->summary[0] ? a->summary : a->cause);
	buf_puts(b, "},{\"type\":\"FactSet\",\"facts\":[");
	fact(b, "Cause", a->cause, 1);
	fact(b, "Code", code, 1);
	fact(b, "Relay", a->relay, 1);
	fact(b, "Server id", a->server_id, 1);
	fact(b, "Count", count, 1);
	fact(b, "First seen", a->first_seen, 1);
	fact(b, "Last seen", a->last_seen, 1);
	fact(b, "Host", a->host, 1);
	fact(b, "Reply", a->reply, 0);
	buf_puts(b, "]}");
	for (k = 0; k < a->nsteps; k++) {
		char	 line[ALERT_VALUE_MAX + 16];

		snprintf(line, sizeof(line), "%d. %s", k + 1, a->step[k]);
		buf_puts(b, ",{\"type\":\"TextBlock\",\"wrap\":true,");
		kv(b, "text", line, 0);
		buf_putc(b, '}');
	}
	buf_puts(b, "]}}]}");
}

/* slack_escape - Slack mrkdwn needs &, < and > escaped */
static void
slack_escape(char *dst, size_t dstlen, const char *src)
{
	size_t	 o = 0;
	const char *r;

	for (; *src && o + 6 < dstlen; src++) {
		r = *src == '&' ? "&amp;" : *src == '<' ? "&lt;" :
		    *src == '>' ? "&gt;" : NULL;
		if (r != NULL) {
			memcpy(dst + o, r, strlen(r));
			o += strlen(r);
		} else
			dst[o++] = *src;
	}
	dst[o] = '\0';
}

/* payload_slack - an incoming-webhook message: fallback text and blocks */
static void
payload_slack(const struct alert *a, struct buf *b)
{
	char	 code[64], t[ALERT_VALUE_MAX * 6], line[ALERT_VALUE_MAX * 6 + 512];
	struct buf steps;
	int	 k;

	code_text(a, code, sizeof(code));
	slack_escape(t, sizeof(t), a->summary[0] ? a->summary : a->cause);
	snprintf(line, sizeof(line), "relayhint: %s (%s) on %s: %s", a->cause,
	    code, a->host[0] ? a->host : "relay", t);
	buf_putc(b, '{');
	kv(b, "text", line, 1);
	buf_puts(b, "\"blocks\":[{\"type\":\"header\",\"text\":"
	    "{\"type\":\"plain_text\",");
	/* Slack caps a header at 150 characters */
	snprintf(line, sizeof(line), "relayhint: %.100s", a->cause);
	kv(b, "text", line, 0);
	buf_puts(b, "}},{\"type\":\"section\",\"text\":{\"type\":\"mrkdwn\",");
	kv(b, "text", t, 0);
	buf_puts(b, "}},{\"type\":\"section\",\"fields\":[");
#define FIELD(name, val, comma) do {					\
	slack_escape(t, sizeof(t), (val)[0] ? (val) : "-");		\
	snprintf(line, sizeof(line), "*%s*\n%s", name, t);		\
	buf_puts(b, "{\"type\":\"mrkdwn\",");				\
	kv(b, "text", line, 0);						\
	buf_puts(b, comma ? "}," : "}");				\
} while (0)
	FIELD("Code", code, 1);
	FIELD("Relay", a->relay, 1);
	FIELD("Server id", a->server_id, 1);
	snprintf(line, sizeof(line), "%lu (%lu held back)", a->count,
	    a->suppressed);
	text_copy(t, sizeof(t), line, strlen(line));
	{
		char	 cnt[64];

		text_copy(cnt, sizeof(cnt), t, strlen(t));
		FIELD("Count", cnt, 1);
	}
	FIELD("First seen", a->first_seen, 1);
	FIELD("Last seen", a->last_seen, 1);
	FIELD("Host", a->host, 1);
	FIELD("Reply", a->reply, 0);
#undef FIELD
	buf_puts(b, "]}");
	if (a->nsteps > 0) {
		buf_init(&steps, ALERT_VALUE_MAX * 6 * (ALERT_STEPS + 1));
		for (k = 0; k < a->nsteps; k++) {
			slack_escape(t, sizeof(t), a->step[k]);
			buf_printf(&steps, "%s%d. %s", k ? "\n" : "", k + 1, t);
		}
		/* a section text is capped at 3000 characters */
		if (steps.len > 2900) {
			steps.data[2900] = '\0';
			steps.len = 2900;
		}
		buf_puts(b, ",{\"type\":\"section\",\"text\":"
		    "{\"type\":\"mrkdwn\",");
		jsonw_key(b, "text");
		jsonw_str(b, steps.data ? steps.data : "");
		buf_puts(b, "}}");
		buf_free(&steps);
	}
	buf_puts(b, "]}");
}

/* alert_payload - the request body for one format */
int
alert_payload(const struct alert *a, enum alert_format f, struct buf *b)
{
	switch (f) {
	case ALERT_TEAMS:
		payload_teams(a, b);
		break;
	case ALERT_SLACK:
		payload_slack(a, b);
		break;
	default:
		payload_json(a, b);
		break;
	}
	return (b->overflow ? -1 : 0);
}

/* alert_sign - hex HMAC-SHA256 of "timestamp.body" */
int
alert_sign(const void *key, size_t keylen, const char *timestamp,
    const char *body, size_t bodylen, char hex[ALERT_SIG_HEX])
{
	unsigned char md[EVP_MAX_MD_SIZE], *msg;
	unsigned int mdlen = 0, i;
	size_t	 tlen = strlen(timestamp);

	/* one-shot HMAC(): not deprecated in OpenSSL 3, present in 1.1 */
	if (bodylen > ALERT_BODY_MAX || (msg = malloc(tlen + 1 + bodylen +
	    1)) == NULL)
		return (-1);
	memcpy(msg, timestamp, tlen);
	msg[tlen] = '.';
	memcpy(msg + tlen + 1, body, bodylen);
	if (HMAC(EVP_sha256(), key, (int)keylen, msg, tlen + 1 + bodylen, md,
	    &mdlen) == NULL || mdlen != 32) {
		free(msg);
		return (-1);
	}
	free(msg);
	for (i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return (0);
}

/* alert_serialize - "key value" lines; values have no line ends */
int
alert_serialize(const struct alert *a, struct buf *b)
{
	int	 k;

	buf_puts(b, "relayhint-alert 1\n");
	buf_printf(b, "cause %s\narea %s\nsmtp_code %d\nstatus %s\n",
	    a->cause, a->area, a->smtp_code, a->status);
	buf_printf(b, "relay %s\nserver_id %s\nqueue_id %s\nreply %s\n",
	    a->relay, a->server_id, a->queue_id, a->reply);
	buf_printf(b, "first_seen %s\nlast_seen %s\ncount %lu\n"
	    "suppressed %lu\n", a->first_seen, a->last_seen, a->count,
	    a->suppressed);
	buf_printf(b, "host %s\nsource %s\nlang %s\nsummary %s\n", a->host,
	    a->source, a->lang, a->summary);
	for (k = 0; k < a->nsteps; k++)
		buf_printf(b, "step %s\n", a->step[k]);
	return (b->overflow ? -1 : 0);
}

/* alert_parse - the spool form back into an alert */
int
alert_parse(struct alert *a, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl, *sp;
	char	 key[32], num[32];
	size_t	 klen, vlen;
	int	 first = 1;

	memset(a, 0, sizeof(*a));
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if ((sp = memchr(p, ' ', (size_t)(nl - p))) == NULL)
			sp = nl;
		klen = (size_t)(sp - p);
		if (klen >= sizeof(key))
			return (-1);
		memcpy(key, p, klen);
		key[klen] = '\0';
		if (sp < nl)
			sp++;
		vlen = (size_t)(nl - sp);
		if (first) {
			if (strcmp(key, "relayhint-alert") != 0)
				return (-1);
			first = 0;
			continue;
		}
#define F(name, field)							\
		else if (strcmp(key, name) == 0)			\
			text_printable(a->field, sizeof(a->field), sp, vlen)
		if (klen == 0)
			continue;
		F("cause", cause);
		F("area", area);
		F("status", status);
		F("relay", relay);
		F("server_id", server_id);
		F("queue_id", queue_id);
		F("reply", reply);
		F("first_seen", first_seen);
		F("last_seen", last_seen);
		F("host", host);
		F("source", source);
		F("lang", lang);
		F("summary", summary);
#undef F
		else if (strcmp(key, "step") == 0 && a->nsteps < ALERT_STEPS) {
			text_printable(a->step[a->nsteps],
			    sizeof(a->step[0]), sp, vlen);
			a->nsteps++;
		} else if (strcmp(key, "smtp_code") == 0 ||
		    strcmp(key, "count") == 0 ||
		    strcmp(key, "suppressed") == 0) {
			text_copy(num, sizeof(num), sp, vlen);
			if (key[0] == 's' && key[1] == 'm')
				a->smtp_code = atoi(num);
			else if (key[0] == 'c')
				a->count = strtoul(num, NULL, 10);
			else
				a->suppressed = strtoul(num, NULL, 10);
		}
		if (nl == end)
			break;
	}
	return (first || a->cause[0] == '\0' ? -1 : 0);
}

/* name_cmp - qsort: file names in age order */
static int
name_cmp(const void *x, const void *y)
{
	return (strcmp(*(char *const *)x, *(char *const *)y));
}

/* alert_spool_list - the alert files, oldest first */
int
alert_spool_list(const char *dir, char ***names)
{
	DIR	*d;
	struct dirent *de;
	char	**v;
	int	 n = 0;

	*names = NULL;
	if ((d = opendir(dir)) == NULL)
		return (-1);
	if ((v = calloc(ALERT_SPOOL_SCAN_MAX, sizeof(*v))) == NULL) {
		closedir(d);
		return (-1);
	}
	while (n < ALERT_SPOOL_SCAN_MAX && (de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "a.", 2) != 0)
			continue;
		if ((v[n] = strdup(de->d_name)) == NULL)
			break;
		n++;
	}
	closedir(d);
	qsort(v, (size_t)n, sizeof(*v), name_cmp);
	*names = v;
	return (n);
}

/* alert_spool_list_free - release a listing */
void
alert_spool_list_free(char **names, int n)
{
	int	 i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* alert_spool_put - one alert file, then enforce the bound */
int
alert_spool_put(const char *dir, int max, const struct alert *a)
{
	static unsigned long seq;
	struct timeval tv;
	struct buf b;
	char	 tmp[4096], final[4096], **names;
	int	 fd, n, i, rc = -1;

	if (max <= 0)
		max = ALERT_SPOOL_DEFAULT_MAX;
	buf_init(&b, ALERT_FILE_MAX);
	if (alert_serialize(a, &b) < 0) {
		fprintf(stderr, "relayhint: warning: alert for %s too large; "
		    "not spooled\n", a->cause);
		goto out;
	}
	gettimeofday(&tv, NULL);
	seq++;
	snprintf(final, sizeof(final), "%s/a.%012lld.%06ld.%010ld.%010lu",
	    dir, (long long)tv.tv_sec, (long)tv.tv_usec, (long)getpid(), seq);
	snprintf(tmp, sizeof(tmp), "%s/t.%010ld.%010lu", dir, (long)getpid(),
	    seq);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0) {
		fprintf(stderr, "relayhint: warning: alert spool %s: %s\n", tmp,
		    strerror(errno));
		goto out;
	}
	if (write(fd, b.data, b.len) != (ssize_t)b.len || fsync(fd) < 0 ||
	    close(fd) < 0 || rename(tmp, final) < 0) {
		fprintf(stderr, "relayhint: warning: alert spool %s: %s\n", tmp,
		    strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
	/* the bound: the oldest go first, each with a log line */
	if ((n = alert_spool_list(dir, &names)) > max) {
		for (i = 0; i < n - max; i++) {
			snprintf(tmp, sizeof(tmp), "%s/%s", dir, names[i]);
			if (unlink(tmp) == 0)
				fprintf(stderr, "relayhint: warning: alert "
				    "spool full (%d): dropped oldest alert "
				    "%s\n", max, names[i]);
		}
	}
	if (n >= 0)
		alert_spool_list_free(names, n);
out:
	buf_free(&b);
	return (rc);
}

/* alert_watch_init - per-cause state for scan --follow */
void
alert_watch_init(struct alert_watch *w, const char *spool, int max,
    int quiet, const struct hints *h, const char *lang, const char *source)
{
	memset(w, 0, sizeof(*w));
	w->spool = spool;
	w->max = max;
	ratelimit_init(&w->rl, quiet);
	w->hints = h;
	w->lang = lang;
	w->source = source;
}

/* alert_watch_note - count a sighting; spool an alert when the window allows */
int
alert_watch_note(struct alert_watch *w, const struct verdict *v,
    const char *when, time_t now)
{
	struct alert a;
	unsigned long held;
	int	 i;

	if (v->cause == NULL)
		return (0);
	for (i = 0; i < w->n; i++)
		if (strncmp(w->c[i].cause, v->cause,
		    sizeof(w->c[i].cause) - 1) == 0)
			break;
	if (i == w->n) {
		if (w->n == RATELIMIT_SLOTS)
			i = 0;		/* full: reuse the first slot */
		else
			w->n++;
		put(w->c[i].cause, sizeof(w->c[i].cause), v->cause);
		put(w->c[i].first, sizeof(w->c[i].first), when);
		w->c[i].count = 0;
	}
	w->c[i].count++;
	if (!ratelimit_check(&w->rl, v->cause, now, &held))
		return (0);
	alert_fill(&a, v, w->hints, w->lang, w->source);
	put(a.first_seen, sizeof(a.first_seen), w->c[i].first);
	put(a.last_seen, sizeof(a.last_seen), when);
	a.count = w->c[i].count;
	a.suppressed = held;
	return (alert_spool_put(w->spool, w->max, &a) < 0 ? -1 : 1);
}
