/*
 * dsn.c - RFC 3464 message/delivery-status fields
 *
 * Functions: dsn_parse.
 *
 * A delivery-status body is a per-message field group followed by one
 * group per recipient, groups separated by empty lines, fields folded as
 * in RFC 5322.  We keep only the fields relayhint uses; values are
 * unfolded and made printable, "type;" prefixes are removed where the
 * value is an address or a host.
 *
 * Limits: DSN_MAX_RCPT recipient groups (more are counted in
 * rcpt_dropped), every value cut to its field's size; lines of any length
 * are scanned but never copied past those sizes.  No allocation.
 */
#include <stddef.h>
#include <string.h>

#include "budget.h"
#include "dsn.h"
#include "text.h"

#define DSN_VALUE_MAX	2048

/* strip_type - "rfc822; a@b" -> "a@b", "dns; host" -> "host" */
static const char *
strip_type(const char *v)
{
	const char *semi = strchr(v, ';');

	if (semi == NULL)
		return (v);
	semi++;
	while (*semi == ' ')
		semi++;
	return (semi);
}

/* dsn_field - store one unfolded field in the current group */
static void
dsn_field(struct dsn *d, struct dsn_rcpt *r, const char *name, size_t nlen,
    const char *val)
{
#define IS(s)	(nlen == sizeof(s) - 1 && text_casecmp_n(name, s, nlen) == 0)
#define PUT(dst, src)	text_copy(dst, sizeof(dst), src, strlen(src))
	if (r == NULL) {
		if (IS("Reporting-MTA"))
			PUT(d->reporting_mta, strip_type(val));
		else if (IS("X-Postfix-Queue-ID"))
			PUT(d->queue_id, val);
		else if (IS("X-Postfix-Sender"))
			PUT(d->sender, strip_type(val));
		else if (IS("Arrival-Date"))
			PUT(d->arrival_date, val);
		return;
	}
	if (IS("Final-Recipient"))
		PUT(r->final_recipient, strip_type(val));
	else if (IS("Original-Recipient") && r->final_recipient[0] == '\0')
		PUT(r->final_recipient, strip_type(val));
	else if (IS("Action"))
		PUT(r->action, val);
	else if (IS("Status"))
		PUT(r->status, val);
	else if (IS("Remote-MTA"))
		PUT(r->remote_mta, strip_type(val));
	else if (IS("Will-Retry-Until"))
		PUT(r->will_retry_until, val);
	else if (IS("Diagnostic-Code") || (IS("X-Exim-Diagnostic") &&
	    r->diag[0] == '\0')) {
		const char *semi = strchr(val, ';');

		if (semi != NULL) {
			size_t	 tl = (size_t)(semi - val);

			text_copy(r->diag_type, sizeof(r->diag_type), val, tl);
			val = strip_type(val);
		}
		PUT(r->diag, val);
	}
#undef IS
#undef PUT
}

/* dsn_parse - field groups of a delivery-status body */
int
dsn_parse(const char *body, size_t len, struct dsn *d)
{
	char	 name[64], raw[DSN_VALUE_MAX], val[DSN_VALUE_MAX];
	size_t	 i = 0, eol, n, nlen = 0, rawlen = 0, k;
	struct dsn_rcpt *r = NULL;
	int	 group = 0, have = 0, fields = 0, in_group = 0;

	/* the recipient groups (56 KB) are cleared one by one as they are
	 * used: clearing all of them took a third of a bounce's parse */
	memset(d, 0, offsetof(struct dsn, rcpt));
	name[0] = '\0';
	if (budget_charge(len))
		return (-1);
	for (;;) {
		const char *s, *nl;
		int	 blank, cont, done = i >= len;

		if (!done) {
			nl = memchr(body + i, '\n', len - i);
			eol = nl != NULL ? (size_t)(nl - body) : len;
			n = eol - i;
			if (n > 0 && body[i + n - 1] == '\r')
				n--;
			s = body + i;
			i = eol + 1;
			blank = n == 0;
			cont = !blank && (s[0] == ' ' || s[0] == '\t');
		} else {
			s = NULL;
			n = 0;
			blank = 1;
			cont = 0;
		}
		if (cont && have) {	/* folded: join with one space */
			if (rawlen + 1 + n < sizeof(raw)) {
				raw[rawlen++] = ' ';
				memcpy(raw + rawlen, s, n);
				rawlen += n;
			}
			continue;
		}
		if (have) {		/* flush the previous field */
			text_printable(val, sizeof(val), raw, rawlen);
			dsn_field(d, r, name, nlen, val);
			fields++;
			have = 0;
		}
		if (done)
			break;
		if (blank) {
			if (in_group) {
				group++;
				in_group = 0;
				r = NULL;
			}
			continue;
		}
		if (!in_group) {
			in_group = 1;
			if (group > 0) {
				if (d->nrcpt < DSN_MAX_RCPT) {
					r = &d->rcpt[d->nrcpt++];
					memset(r, 0, sizeof(*r));
				} else {
					d->rcpt_dropped++;
					r = NULL;
					/* a dropped group must not land in
					 * the per-message fields */
					have = 0;
				}
			}
		}
		if (group > 0 && r == NULL)
			continue;
		for (k = 0; k < n && s[k] != ':' && s[k] != ' ' && s[k] != '\t';
		    k++)
			;
		nlen = k;
		/* "Reporting-MTA : dns;..." (Mimecast): blanks before ':' */
		while (k < n && (s[k] == ' ' || s[k] == '\t'))
			k++;
		if (nlen == 0 || k >= n || s[k] != ':' || nlen >= sizeof(name))
			continue;	/* not a field: ignore the line */
		memcpy(name, s, nlen);
		name[nlen] = '\0';
		k++;
		while (k < n && (s[k] == ' ' || s[k] == '\t'))
			k++;
		rawlen = n - k < sizeof(raw) - 1 ? n - k : sizeof(raw) - 1;
		memcpy(raw, s + k, rawlen);
		have = 1;
	}
	return (fields > 0 ? 0 : -1);
}
