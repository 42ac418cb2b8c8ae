/*
 * doctor.c - the report of relayhint doctor and the helpers its MTA
 * modules share
 *
 * Functions: doctor_add, doctor_reason, doctor_fix, doctor_find,
 * doctor_exit, doctor_level_name, doctor_kind_name, doctor_way_name,
 * doctor_kind_of, doctor_text, doctor_json, doctor_file, doctor_read,
 * doctor_duration, doctor_days.  JSON files are read by common/jsonr.c.
 *
 * The MTA modules (doctor_postfix.c, doctor_exim.c) add checks; this file
 * keeps them, prints them and decides the exit status: the worst level
 * wins (FAIL 2, WARN 1), and a run in which some check could not be done
 * and nothing is wrong exits 3, so "OK" always means "looked and found
 * nothing".
 *
 * Limits: DOCTOR_MAX_CHECKS checks (more are counted as dropped); texts
 * are cut at DOCTOR_TEXT_MAX; doctor_read reads at most the caller's
 * bound.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "doctor.h"
#include "jsonw.h"
#include "text.h"

/* doctor_add - a new check; a scratch entry when the table is full */
struct doctor_check *
doctor_add(struct doctor_report *r, enum doctor_level level, const char *id,
    const char *subject)
{
	static struct doctor_check scratch;
	struct doctor_check *c;

	if (r->n >= DOCTOR_MAX_CHECKS) {
		r->dropped++;
		c = &scratch;
	} else
		c = &r->c[r->n++];
	memset(c, 0, sizeof(*c));
	c->level = level;
	text_copy(c->id, sizeof(c->id), id, strlen(id));
	if (subject != NULL)
		text_printable(c->subject, sizeof(c->subject), subject,
		    strlen(subject));
	return (c);
}

/* doctor_reason - why this level (printf-like) */
void
doctor_reason(struct doctor_check *c, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(c->reason, sizeof(c->reason), fmt, ap);
	va_end(ap);
}

/* doctor_fix - what to do (printf-like) */
void
doctor_fix(struct doctor_check *c, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(c->fix, sizeof(c->fix), fmt, ap);
	va_end(ap);
}

/* doctor_find - the first check with this id and subject */
const struct doctor_check *
doctor_find(const struct doctor_report *r, const char *id,
    const char *subject)
{
	int	 i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->c[i].id, id) == 0 && (subject == NULL ||
		    strcmp(r->c[i].subject, subject) == 0))
			return (&r->c[i]);
	return (NULL);
}

/* doctor_exit - the worst level decides */
int
doctor_exit(const struct doctor_report *r)
{
	int	 i, warn = 0, fail = 0, skip = 0;

	for (i = 0; i < r->n; i++) {
		if (r->c[i].level == DOCTOR_FAIL)
			fail = 1;
		else if (r->c[i].level == DOCTOR_WARN)
			warn = 1;
		else if (r->c[i].level == DOCTOR_SKIP)
			skip = 1;
	}
	return (fail ? 2 : warn ? 1 : (skip || r->n == 0) ? 3 : 0);
}

/* doctor_level_name - for the report */
const char *
doctor_level_name(enum doctor_level l)
{
	static const char *const name[] = { "OK", "INFO", "WARN", "FAIL",
	    "SKIP" };

	return ((unsigned)l < 5 ? name[l] : "?");
}

/* doctor_kind_name - for the report */
const char *
doctor_kind_name(enum doctor_kind k)
{
	switch (k) {
	case DOCTOR_KIND_SUBMIT:
		return ("m365-smtp-auth");
	case DOCTOR_KIND_HVE:
		return ("m365-high-volume-email");
	case DOCTOR_KIND_CONSUMER:
		return ("outlook.com-consumer");
	case DOCTOR_KIND_CONNECTOR:
		return ("m365-connector");
	default:
		return ("not-microsoft");
	}
}

/* doctor_way_name - for the report */
const char *
doctor_way_name(enum doctor_way w)
{
	switch (w) {
	case DOCTOR_WAY_PASSWORD:
		return ("password");
	case DOCTOR_WAY_XOAUTH2:
		return ("xoauth2");
	default:
		return ("none");
	}
}

/* host_is - exact or suffix match, ASCII case-insensitive */
static int
host_is(const char *h, const char *what)
{
	size_t	 n = strlen(h), m = strlen(what);

	if (what[0] == '.')
		return (n > m && text_casecmp_n(h + n - m, what, m) == 0);
	return (n == m && text_casecmp_n(h, what, n) == 0);
}

/* doctor_kind_of - Microsoft's submission, HVE, consumer or MX hosts */
enum doctor_kind
doctor_kind_of(const char *h)
{
	static const char *const submit[] = {
		"smtp.office365.com", "smtp-legacy.office365.com",
		"smtp.office365.us", "smtp.partner.outlook.cn",
		"smtp.outlook.office365.com",
	};
	size_t	 i;

	for (i = 0; i < sizeof(submit) / sizeof(submit[0]); i++)
		if (host_is(h, submit[i]))
			return (DOCTOR_KIND_SUBMIT);
	if (host_is(h, "smtp-hve.office365.com"))
		return (DOCTOR_KIND_HVE);
	if (host_is(h, "smtp-mail.outlook.com") || host_is(h, "smtp.live.com"))
		return (DOCTOR_KIND_CONSUMER);
	if (host_is(h, ".mail.protection.outlook.com") ||
	    host_is(h, ".mx.microsoft") ||
	    host_is(h, ".mail.protection.office365.us") ||
	    host_is(h, ".mail.protection.partner.outlook.cn"))
		return (DOCTOR_KIND_CONNECTOR);
	return (DOCTOR_KIND_OTHER);
}

/* doctor_text - the readable report: relay hosts, then checks by severity */
void
doctor_text(const struct doctor_report *r, struct buf *b)
{
	static const enum doctor_level order[] = { DOCTOR_FAIL, DOCTOR_WARN,
	    DOCTOR_SKIP, DOCTOR_INFO, DOCTOR_OK };
	static const char *const verdict[] = { "OK", "WARN", "FAIL",
	    "could not check everything" };
	const struct doctor_check *c;
	const struct doctor_hop *h;
	int	 i, k, cnt[5] = { 0 }, rc;

	buf_printf(b, "relayhint doctor: %s, configuration %s\n\n", r->mta,
	    r->config_dir[0] ? r->config_dir : "(default)");
	for (i = 0; i < r->nhops; i++) {
		h = &r->hop[i];
		buf_printf(b, "relay host %s: %s", h->nexthop,
		    doctor_kind_name(h->kind));
		if (h->kind != DOCTOR_KIND_OTHER)
			buf_printf(b, ", login %s%s%s", doctor_way_name(h->way),
			    h->mailbox[0] ? " as " : "", h->mailbox);
		buf_puts(b, "\n");
	}
	if (r->nhops > 0)
		buf_puts(b, "\n");
	for (k = 0; k < 5; k++) {
		for (i = 0; i < r->n; i++) {
			c = &r->c[i];
			if (c->level != order[k])
				continue;
			cnt[c->level]++;
			buf_printf(b, "%-4s  %s", doctor_level_name(c->level),
			    c->id);
			if (c->subject[0])
				buf_printf(b, "  (%s)", c->subject);
			buf_puts(b, "\n");
			if (c->reason[0])
				buf_printf(b, "      %s\n", c->reason);
			if (c->fix[0])
				buf_printf(b, "      Fix: %s\n", c->fix);
		}
	}
	if (r->dropped > 0)
		buf_printf(b, "(%d more checks not shown)\n", r->dropped);
	rc = doctor_exit(r);
	buf_printf(b, "\n%d FAIL, %d WARN, %d could not check, %d INFO, %d OK: "
	    "%s\n", cnt[DOCTOR_FAIL], cnt[DOCTOR_WARN], cnt[DOCTOR_SKIP],
	    cnt[DOCTOR_INFO], cnt[DOCTOR_OK], verdict[rc]);
}

/* doctor_json - one JSON object: relay hosts, checks, result */
void
doctor_json(const struct doctor_report *r, struct buf *b)
{
	static const char *const result[] = { "ok", "warn", "fail",
	    "incomplete" };
	const struct doctor_check *c;
	const struct doctor_hop *h;
	int	 i;

	buf_puts(b, "{\"schema\":\"" JSONW_SCHEMA "\",");
	jsonw_key(b, "mta");
	jsonw_str(b, r->mta);
	buf_putc(b, ',');
	jsonw_key(b, "config_dir");
	jsonw_str(b, r->config_dir[0] ? r->config_dir : NULL);
	buf_puts(b, ",\"relay_hosts\":[");
	for (i = 0; i < r->nhops; i++) {
		h = &r->hop[i];
		if (i > 0)
			buf_putc(b, ',');
		buf_putc(b, '{');
		jsonw_key(b, "nexthop");
		jsonw_str(b, h->nexthop);
		buf_putc(b, ',');
		jsonw_key(b, "host");
		jsonw_str(b, h->host);
		buf_printf(b, ",\"port\":%d,", h->port);
		jsonw_key(b, "kind");
		jsonw_str(b, doctor_kind_name(h->kind));
		buf_putc(b, ',');
		jsonw_key(b, "login");
		jsonw_str(b, doctor_way_name(h->way));
		buf_putc(b, ',');
		jsonw_key(b, "mailbox");
		jsonw_str(b, h->mailbox[0] ? h->mailbox : NULL);
		buf_putc(b, ',');
		jsonw_key(b, "map_key");
		jsonw_str(b, h->key[0] ? h->key : NULL);
		buf_putc(b, '}');
	}
	buf_puts(b, "],\"checks\":[");
	for (i = 0; i < r->n; i++) {
		c = &r->c[i];
		if (i > 0)
			buf_putc(b, ',');
		buf_putc(b, '{');
		jsonw_key(b, "id");
		jsonw_str(b, c->id);
		buf_putc(b, ',');
		jsonw_key(b, "level");
		jsonw_str(b, doctor_level_name(c->level));
		buf_putc(b, ',');
		jsonw_key(b, "subject");
		jsonw_str(b, c->subject[0] ? c->subject : NULL);
		buf_putc(b, ',');
		jsonw_key(b, "reason");
		jsonw_str(b, c->reason);
		buf_putc(b, ',');
		jsonw_key(b, "fix");
		jsonw_str(b, c->fix[0] ? c->fix : NULL);
		buf_putc(b, '}');
	}
	buf_printf(b, "],\"dropped\":%d,\"result\":\"%s\",\"exit\":%d}\n",
	    r->dropped, result[doctor_exit(r)], doctor_exit(r));
}

/* doctor_file - the path as the checks see it: under io->root */
int
doctor_file(const struct doctor_io *io, const char *path, char *out,
    size_t outlen)
{
	int	 n;

	n = snprintf(out, outlen, "%s%s", io->root ? io->root : "", path);
	return (n < 0 || (size_t)n >= outlen ? -1 : 0);
}

/* doctor_read - a small file, bounded; -1 with errno set */
int
doctor_read(const struct doctor_io *io, const char *path, size_t max,
    struct buf *b)
{
	char	 p[4096], chunk[4096];
	FILE	*f;
	size_t	 n;

	if (doctor_file(io, path, p, sizeof(p)) < 0) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	if ((f = fopen(p, "r")) == NULL)
		return (-1);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b->len + n > max) {
			fclose(f);
			errno = EFBIG;
			return (-1);
		}
		buf_append(b, chunk, n);
	}
	if (ferror(f)) {
		fclose(f);
		errno = EIO;
		return (-1);
	}
	fclose(f);
	return (0);
}

/* doctor_duration - Postfix time syntax: number and unit s, m, h, d, w */
long
doctor_duration(const char *v, int du)
{
	long	 n = 0;
	int	 unit;

	while (*v == ' ')
		v++;
	if (*v < '0' || *v > '9')
		return (-1);
	while (*v >= '0' && *v <= '9' && n < 100000000L)
		n = n * 10 + (*v++ - '0');
	unit = *v ? *v : du;
	switch (unit) {
	case 's':
		return (n);
	case 'm':
		return (n * 60);
	case 'h':
		return (n * 3600);
	case 'd':
		return (n * 86400);
	case 'w':
		return (n * 7 * 86400);
	default:
		return (-1);
	}
}

/* doctor_days - a duration the way a person says it */
void
doctor_days(long s, char *out, size_t outlen)
{
	if (s >= 86400 && s % 86400 == 0)
		snprintf(out, outlen, "%ld day%s", s / 86400,
		    s == 86400 ? "" : "s");
	else if (s >= 3600 && s % 3600 == 0)
		snprintf(out, outlen, "%ld hour%s", s / 3600,
		    s == 3600 ? "" : "s");
	else if (s >= 60 && s % 60 == 0)
		snprintf(out, outlen, "%ld minute%s", s / 60,
		    s == 60 ? "" : "s");
	else
		snprintf(out, outlen, "%ld second%s", s, s == 1 ? "" : "s");
}
