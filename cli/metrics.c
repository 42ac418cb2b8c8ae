/*
 * metrics.c - Prometheus metrics in the textfile-collector format
 *
 * Functions: metrics_init, metrics_free, metrics_put, metrics_relay,
 * metrics_write.
 *
 * node_exporter's textfile collector reads *.prom files from a directory
 * and must never see half a file, so metrics_write renders the whole
 * exposition and hands it to token_write_mode (temporary file in the same
 * directory, fsync, rename), the writer migrate and token use too.  Every
 * family is declared once below with its type and help text; names
 * follow Prometheus's conventions (relayhint_ prefix, base units,
 * _total for counters, _timestamp_seconds for times).
 *
 * Label values come from logs a remote party can influence, so they are
 * bounded: a cause id, an area and a provider come from our own rules;
 * a relay host is kept for the first METRICS_RELAYS_MAX hosts and then
 * reported as "other"; never a recipient, a subject or reply text.  At
 * most METRICS_SERIES_MAX series are kept; further ones are counted in
 * relayhint_metrics_series_dropped_total.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "metrics.h"
#include "token.h"

#define METRICS_HASH	(2 * METRICS_SERIES_MAX)

static const struct {
	const char *name;
	const char *type;
	const char *help;
} fam[] = {
	{ "relayhint_failures_total", "counter",
	  "Failure log lines classified, by cause, provider and relay." },
	{ "relayhint_failure_messages_total", "counter",
	  "Distinct (queue id, cause) pairs seen, by cause and provider." },
	{ "relayhint_failure_last_seen_timestamp_seconds", "gauge",
	  "Time of the last failure log line of each cause." },
	{ "relayhint_log_lines_total", "counter",
	  "Log lines read by relayhint scan." },
	{ "relayhint_queue_deferred_messages", "gauge",
	  "Messages in the Postfix queue, by delay cause, provider and relay." },
	{ "relayhint_queue_oldest_bounce_seconds", "gauge",
	  "Seconds until the oldest deferred message of a cause bounces." },
	{ "relayhint_probe_success", "gauge",
	  "1 when the last probe logged in (and sent), else 0." },
	{ "relayhint_probe_duration_seconds", "gauge",
	  "Duration of the last probe's SMTP session." },
	{ "relayhint_probe_state", "gauge",
	  "Last probe's state: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN." },
	{ "relayhint_probe_last_run_timestamp_seconds", "gauge",
	  "Time the last probe finished." },
	{ "relayhint_basic_auth_off_timestamp_seconds", "gauge",
	  "When Microsoft turns Basic authentication for SMTP AUTH off by "
	  "default for existing tenants (end of December 2026)." },
	{ "relayhint_doctor_checks", "gauge",
	  "doctor checks by result (ok, info, warn, fail, skip)." },
	{ "relayhint_doctor_check_result", "gauge",
	  "Worst result of each doctor check: 0 ok, 1 info, 2 warn, 3 fail, "
	  "4 skip." },
	{ "relayhint_metrics_series_dropped_total", "counter",
	  "Series not kept because the series limit was reached." },
};
#define NFAM	((int)(sizeof(fam) / sizeof(fam[0])))

/* metrics_init - empty set; -1 when out of memory */
int
metrics_init(struct metrics *m)
{
	memset(m, 0, sizeof(*m));
	m->s = calloc(METRICS_SERIES_MAX, sizeof(*m->s));
	m->slot = malloc(METRICS_HASH * sizeof(*m->slot));
	if (m->s == NULL || m->slot == NULL) {
		metrics_free(m);
		return (-1);
	}
	memset(m->slot, 0xff, METRICS_HASH * sizeof(*m->slot));
	return (0);
}

void
metrics_free(struct metrics *m)
{
	free(m->s);
	free(m->slot);
	m->s = NULL;
	m->slot = NULL;
}

/* esc - a label value in the exposition's quoting, bounded */
static void
esc(char *out, size_t len, size_t *at, const char *v)
{
	size_t	 o = *at;

	for (; *v != '\0' && o + 3 < len; v++) {
		if (*v == '\\' || *v == '"') {
			out[o++] = '\\';
			out[o++] = *v;
		} else if (*v == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if ((unsigned char)*v < 0x20 || *v == 0x7f)
			out[o++] = '?';
		else
			out[o++] = *v;
	}
	out[o] = '\0';
	*at = o;
}

/* hash - FNV-1a of family and labels */
static unsigned
hash(int f, const char *labels)
{
	unsigned h = 2166136261u ^ (unsigned)f;

	for (; *labels; labels++)
		h = (h ^ (unsigned char)*labels) * 16777619u;
	return (h % METRICS_HASH);
}

/* metrics_put - op with v on family name, labels (key, value, ..., NULL) */
int
metrics_put(struct metrics *m, enum metrics_op op, const char *name,
    double v, ...)
{
	char	 labels[METRICS_LABELS_MAX];
	const char *k, *val;
	size_t	 at = 0;
	unsigned h;
	va_list	 ap;
	int	 f, i;

	if (m->s == NULL)
		return (-1);
	for (f = 0; f < NFAM; f++)
		if (strcmp(fam[f].name, name) == 0)
			break;
	if (f == NFAM)
		return (-1);
	labels[0] = '\0';
	va_start(ap, v);
	while ((k = va_arg(ap, const char *)) != NULL) {
		val = va_arg(ap, const char *);
		if (at + strlen(k) + 4 >= sizeof(labels))
			break;
		at += (size_t)snprintf(labels + at, sizeof(labels) - at,
		    "%s%s=\"", at ? "," : "", k);
		esc(labels, sizeof(labels) - 1, &at, val ? val : "");
		labels[at++] = '"';
		labels[at] = '\0';
	}
	va_end(ap);
	for (h = hash(f, labels); (i = m->slot[h]) >= 0;
	    h = (h + 1) % METRICS_HASH)
		if (m->s[i].fam == f && strcmp(m->s[i].labels, labels) == 0)
			break;
	if (i < 0) {
		if (m->n >= METRICS_SERIES_MAX) {
			m->dropped++;
			return (-1);
		}
		i = m->n++;
		m->s[i].fam = f;
		memcpy(m->s[i].labels, labels, at + 1);
		m->s[i].v = op == METRICS_ADD ? 0 : v;
		m->slot[h] = i;
	}
	if (op == METRICS_ADD)
		m->s[i].v += v;
	else if (op == METRICS_SET || v > m->s[i].v)
		m->s[i].v = v;
	return (0);
}

/* metrics_relay - a relay host as a label value, bounded in number */
const char *
metrics_relay(struct metrics *m, const char *host)
{
	int	 i;

	if (host == NULL || *host == '\0')
		return ("");
	for (i = 0; i < m->nrelay; i++)
		if (strcmp(m->relay[i], host) == 0)
			return (m->relay[i]);
	if (m->nrelay >= METRICS_RELAYS_MAX || strlen(host) >= 64)
		return ("other");
	memcpy(m->relay[m->nrelay], host, strlen(host) + 1);
	return (m->relay[m->nrelay++]);
}

/* metrics_write - the exposition at path, atomically; -1 with err */
int
metrics_write(const struct metrics *m, const char *path, char *err,
    size_t errlen)
{
	struct buf b;
	int	 fi, i, any, rc = 0;

	buf_init(&b, (size_t)METRICS_SERIES_MAX * (METRICS_LABELS_MAX + 128) +
	    64 * 1024);
	for (fi = 0; fi < NFAM; fi++) {
		for (any = 0, i = 0; i < m->n && !any; i++)
			any = m->s[i].fam == fi;
		if (fi == NFAM - 1)
			any = 1;	/* the dropped counter, always */
		if (!any)
			continue;
		buf_printf(&b, "# HELP %s %s\n# TYPE %s %s\n", fam[fi].name,
		    fam[fi].help, fam[fi].name, fam[fi].type);
		if (fi == NFAM - 1) {
			buf_printf(&b, "%s %lu\n", fam[fi].name, m->dropped);
			continue;
		}
		for (i = 0; i < m->n; i++) {
			if (m->s[i].fam != fi)
				continue;
			buf_printf(&b, "%s%s%s%s %.17g\n", fam[fi].name,
			    m->s[i].labels[0] ? "{" : "", m->s[i].labels,
			    m->s[i].labels[0] ? "}" : "", m->s[i].v);
		}
	}
	/* the textfile collector must never read half a file */
	if (b.overflow) {
		snprintf(err, errlen, "%s: too many series", path);
		rc = -1;
	} else if (token_write_mode(path, b.data ? b.data : "", b.len, 0644,
	    geteuid(), getegid()) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	buf_free(&b);
	return (rc);
}
