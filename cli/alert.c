/*
 * alert.c - webhook alerts: payloads, signature, scan --follow's watcher
 *
 * Functions: alert_format_parse, alert_payload, alert_watch_init,
 * alert_watch_note (alert_sign: alert_sign.c).
 *
 * The spool itself (files, bound, the adapters' on-disk quiet window)
 * is common/alertspool.c.  Values arrive printable and redacted from
 * there; here they are only escaped for JSON and Slack mrkdwn.
 * scan --follow keeps its quiet window in memory (one process), and
 * logs a dropped alert or a spool error to stderr.
 *
 * Limits: ALERT_BODY_MAX per payload.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	char	 err[ALERT_ERR_MAX];
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
	alertspool_fill(&a, v, w->hints, w->lang, w->source);
	put(a.first_seen, sizeof(a.first_seen), w->c[i].first);
	put(a.last_seen, sizeof(a.last_seen), when);
	a.count = w->c[i].count;
	a.suppressed = held;
	if (alertspool_put(w->spool, w->max, &a, NULL, NULL, err,
	    sizeof(err)) < 0) {
		fprintf(stderr, "relayhint: warning: %s\n", err);
		return (-1);
	}
	return (1);
}
