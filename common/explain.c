/*
 * explain.c - the knowledge base and the one-call classifier
 *
 * Functions: kb_load, kb_free, rules_load_builtin, verdict_init,
 * explain_reply, explain_text, explain_redact, form_name.
 *
 * Every adapter asks the same question - "whose reply is this, and what
 * caused it?" - about text in different wrappings.  explain_text detects
 * the wrapping (bounce message, delivery-status part, Postfix or Exim log
 * line, postqueue -j record, bare reply) and hands the reply inside to
 * explain_reply, which decides the provider from the relay host, the
 * server id and Microsoft-only wording, then runs the rule table.  A
 * Microsoft reply that no rule knows gets m365.unknown (one from
 * consumer Outlook.com's inbound servers outlookcom.rejected); any other
 * provider's reply gets no cause at all, so Google's 535 5.7.8 or a
 * plain Postfix 535 is never reported as Microsoft's.
 *
 * Relay-local failures have no reply at all: the relay's own SASL client
 * (Cyrus SASL, the sasl-xoauth2 plugin and the Entra ID token refresh
 * behind it) failed before AUTH was sent.  They are matched by the rule
 * table's "local" rules, before the reply rules, and they count when the
 * server the relay tried is Microsoft's, when the text is Entra ID's
 * (AADSTS), or when nothing names a server (a lone plugin line, a relay
 * given as an IP address): relayhint was asked about a Microsoft 365
 * relay and the advice is about the relay's own set-up.  A named server
 * that is someone else's (smtp.gmail.com) gets no cause, so relayhint
 * does not become a general SASL debugger.  The text is echoed with any
 * token, secret or password value overwritten.
 *
 * Limits: explain_text looks at no more than EXPLAIN_MAX_LINES lines of a
 * multi-line log excerpt; all fields are fixed-size and bounded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "builtin.h"
#include "dsn.h"
#include "explain.h"
#include "logline.h"
#include "mime.h"
#include "pqjson.h"
#include "redact.h"
#include "text.h"

#define EXPLAIN_MAX_LINES	1000

/*
 * kb_load - rules and catalogs, from files or the compiled-in copies.
 * The compiled-in ones were checked at build time (tools/embed.c) and
 * are used where they are: a start costs no parsing and no allocation.
 */
int
kb_load(struct kb *kb, const char *rules_path, const char *hints_dir,
    char *err, size_t errlen)
{
	struct rules *rs;
	int	 rc = 0;

	memset(kb, 0, sizeof(*kb));
	hints_init(&kb->hints);
	if (rules_path == NULL) {
		kb->rules = &builtin_rules;
		kb->builtin |= KB_BUILTIN_RULES;
	} else if ((rs = malloc(sizeof(*rs))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	} else {
		kb->rules = rs;
		rc = rules_load_file(rs, rules_path, err, errlen);
	}
	if (rc == 0 && hints_dir == NULL) {
		/* the catalogs' array heads only; entries stay in place */
		builtin_hints_load(&kb->hints);
		kb->builtin |= KB_BUILTIN_HINTS;
	} else if (rc == 0)
		rc = hints_load_dir(&kb->hints, hints_dir, err, errlen);
	if (rc != 0)
		kb_free(kb);
	return (rc);
}

/* kb_free - release everything kb_load took (nothing compiled in) */
void
kb_free(struct kb *kb)
{
	if (!(kb->builtin & KB_BUILTIN_RULES))
		free((void *)kb->rules);
	kb->rules = NULL;
	if (!(kb->builtin & KB_BUILTIN_HINTS))
		hints_free(&kb->hints);
	hints_init(&kb->hints);
	kb->builtin = 0;
}

/* rules_load_builtin - a copy of the compiled-in rule table */
int
rules_load_builtin(struct rules *rs, char *err, size_t errlen)
{
	memcpy(rs, &builtin_rules, sizeof(*rs));
	return (0);
}

/* verdict_init - empty verdict */
void
verdict_init(struct verdict *v)
{
	memset(v, 0, sizeof(*v));
}

/* is_addr - an IP address literal (or "none"/"local"): no server name */
static int
is_addr(const char *h)
{
	size_t	 i;
	int	 sep = 0;

	if (h[0] == '\0' || strcmp(h, "none") == 0 || strcmp(h, "local") == 0)
		return (1);
	for (i = 0; h[i] != '\0'; i++) {
		if (h[i] == '.' || h[i] == ':')
			sep = 1;
		else if (!((h[i] >= '0' && h[i] <= '9') ||
		    (h[i] >= 'a' && h[i] <= 'f') || (h[i] >= 'A' && h[i] <= 'F')))
			return (0);
	}
	return (sep);
}

/* text_host - the server named in local text: "to server H[", "name=H" */
static void
text_host(const char *text, size_t len, char *out, size_t outlen)
{
	static const char *const lead[] = { "to server ", "name=" };
	const char *p, *e = text + len, *q;
	size_t	 i;

	out[0] = '\0';
	for (i = 0; i < sizeof(lead) / sizeof(lead[0]); i++) {
		if ((p = text_casestr(text, len, lead[i])) == NULL)
			continue;
		p += strlen(lead[i]);
		for (q = p; q < e && q - p < 255 && (*q == '.' || *q == '-' ||
		    *q == '_' || (*q >= '0' && *q <= '9') ||
		    (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z')); q++)
			;
		if (q > p) {
			text_copy(out, outlen, p, (size_t)(q - p));
			return;
		}
	}
}

/* explain_redact - overwrite the values of secrets in printable text */
void
explain_redact(char *s)
{
	/* the shapes live in redact.c, one concern per file */
	redact_text(s);
}

/* explain_local - relay-local text; -1 when no local rule matches */
static int
explain_local(const struct kb *kb, const char *text, size_t len,
    const char *relay, struct verdict *v)
{
	char	 host[256];
	int	 ci;

	if ((ci = rules_match_local(kb->rules, text, len)) < 0)
		return (-1);
	v->local = 1;
	v->smtp_code = 0;
	v->status[0] = v->server_id[0] = '\0';
	text_printable(v->reply, sizeof(v->reply), text, len);
	explain_redact(v->reply);
	text_host(text, len, host, sizeof(host));
	if (relay != NULL && relay[0] != '\0' && !is_addr(relay))
		text_printable(v->relay, sizeof(v->relay), relay,
		    strlen(relay));
	else if (host[0] != '\0')
		text_copy(v->relay, sizeof(v->relay), host, strlen(host));
	else if (relay != NULL && relay[0] != '\0')
		text_printable(v->relay, sizeof(v->relay), relay,
		    strlen(relay));
	v->provider = rules_provider_local(kb->rules, v->relay, v->reply);
	/* a named server that is someone else's: not ours */
	if (v->provider != PROVIDER_M365 && !is_addr(v->relay))
		return (0);
	v->cause = kb->rules->causes[ci].id;
	v->area = kb->rules->causes[ci].area;
	return (1);
}

/* explain_reply - provider and cause of one reply text */
int
explain_reply(const struct kb *kb, const char *text, size_t len,
    const char *relay, struct verdict *v)
{
	static const enum evidence_kind why_kind[] = {
		[SIG_HOST] = EVIDENCE_HOST, [SIG_SERVERID] = EVIDENCE_SERVER_ID,
		[SIG_MARKER] = EVIDENCE_MARKER, [SIG_WORDING] = EVIDENCE_WORDING,
	};
	struct evidence_reply ev;
	struct reply r;
	enum sig_kind why = SIG_MARKER;
	char	 host[256];
	int	 ci, other;

	v->cause = NULL;
	v->area = NULL;
	v->local = 0;
	v->evidence = EVIDENCE_NONE;
	v->read_at = text;
	v->read_len = len;
	if ((ci = explain_local(kb, text, len, relay, v)) >= 0)
		return (ci);
	/* the reply inside whatever wraps it (evidence.c) */
	v->relay[0] = '\0';
	if (relay != NULL && relay[0] != '\0')
		text_printable(v->relay, sizeof(v->relay), relay,
		    strlen(relay));
	if (evidence_find(text, len, &ev)) {
		reply_parse(ev.text, strlen(ev.text), &r);
		if (r.server_id[0] == '\0')
			reply_server_id(text, len, r.server_id,
			    sizeof(r.server_id));
		v->read_at = text + ev.off;
		v->read_len = ev.len;
		/* "said" by "host.name[1.2.3.4]" in the text itself */
		if (v->relay[0] == '\0' && !ev.nested &&
		    evidence_host_before(text, ev.off,
		    host, sizeof(host)))
			text_printable(v->relay, sizeof(v->relay), host,
			    strlen(host));
	} else
		reply_parse(text, len, &r);
	v->smtp_code = r.code;
	memcpy(v->status, r.status, sizeof(v->status));
	memcpy(v->server_id, r.server_id, sizeof(v->server_id));
	memcpy(v->reply, r.text, sizeof(v->reply));
	explain_redact(v->reply);
	/*
	 * A named server that is not Microsoft's wins over the wording:
	 * the relay, or a look-alike host named anywhere in the text.
	 */
	other = (v->relay[0] != '\0' && !is_addr(v->relay)) ||
	    rules_other_host(kb->rules, text, len);
	v->provider = rules_provider_why(kb->rules, v->relay, v->server_id,
	    v->reply, other, &why);
	/* Exchange Online Protection's "AS(7555)" / "(S3140)" tags */
	if ((v->provider != PROVIDER_M365 || why == SIG_WORDING) &&
	    v->relay[0] == '\0' && evidence_ms_tag(v->reply,
	    strlen(v->reply))) {
		v->provider = PROVIDER_M365;
		why = SIG_MARKER;
	}
	if (v->provider != PROVIDER_M365)
		return (0);
	v->evidence = why_kind[why];
	if ((ci = rules_match_host(kb->rules, v->smtp_code, v->status,
	    v->reply, v->relay)) < 0)
		ci = kb->rules->unknown_cause;
	v->cause = kb->rules->causes[ci].id;
	v->area = kb->rules->causes[ci].area;
	return (1);
}

/* explain_logline - one log line; 1 with a cause, 0 without, -1 not a log line */
static int
explain_logline(const struct kb *kb, const char *line, size_t len,
    struct verdict *v, long *pidp, int *failp)
{
	struct logline ll;
	enum logline_kind k;

	k = logline_parse(line, len, &ll);
	*pidp = ll.pid;
	*failp |= k != LOGLINE_OTHER && ll.reason != NULL;
	if (ll.mta == LOGLINE_NONE)
		return (-1);
	/*
	 * Before the return of 0 too: explain_text copies the verdict of
	 * the first log line even without a cause (fuzz_explain: an MTA
	 * line of no interest handed back an uninitialised verdict).
	 */
	verdict_init(v);
	/* an MTA line of no interest is still a log line, not a reply */
	v->form = ll.mta == LOGLINE_POSTFIX ? FORM_POSTFIX_LOG : FORM_EXIM_LOG;
	if (k == LOGLINE_OTHER || ll.reason == NULL)
		return (0);
	text_copy(v->queue_id, sizeof(v->queue_id), ll.queue_id,
	    strlen(ll.queue_id));
	text_printable(v->recipient, sizeof(v->recipient), ll.recipient,
	    strlen(ll.recipient));
	return (explain_reply(kb, ll.reason, ll.reason_len, ll.relay, v));
}

/* explain_pq - a parsed postqueue -j record: first recipient with a cause */
int
explain_pq(const struct kb *kb, const struct pqjson *pq, struct verdict *v)
{
	struct verdict one;
	int	 i, found = 0;

	verdict_init(v);
	for (i = 0; i < pq->nrcpt && !found; i++) {
		const char *dr = pq->rcpt[i].delay_reason;

		verdict_init(&one);
		one.form = FORM_POSTQUEUE;
		found = explain_reply(kb, dr, strlen(dr), NULL, &one);
		one.read_at = NULL;	/* pq may be freed */
		text_copy(one.queue_id, sizeof(one.queue_id),
		    pq->queue_id, strlen(pq->queue_id));
		text_printable(one.recipient, sizeof(one.recipient),
		    pq->rcpt[i].address, strlen(pq->rcpt[i].address));
		if (found || i == 0)
			*v = one;
	}
	return (found);
}

/* explain_pqjson - a postqueue -j record as text */
static int
explain_pqjson(const struct kb *kb, const char *text, size_t len,
    struct verdict *v)
{
	struct pqjson *pq;
	int	 found = 0;

	if ((pq = malloc(sizeof(*pq))) == NULL)
		return (0);
	if (pqjson_parse(text, len, pq) == 0)
		found = explain_pq(kb, pq, v);
	free(pq);
	return (found);
}

/* looks_like_message - a header block: "Name: value" lines, then an empty line */
static int
looks_like_message(const char *s, size_t len)
{
	size_t	 k;

	if (len > 5 && memcmp(s, "From ", 5) == 0)
		return (1);		/* mbox separator */
	for (k = 0; k < len && k < 80 && s[k] != ':'; k++)
		if (s[k] == ' ' || s[k] == '\t' || s[k] == '\n' ||
		    (unsigned char)s[k] < 0x21)
			return (0);
	if (k == 0 || k >= len || s[k] != ':')
		return (0);
	return (text_casestr(s, len < 65536 ? len : 65536, "\n\n") != NULL ||
	    text_casestr(s, len < 65536 ? len : 65536, "\n\r\n") != NULL);
}

/* explain_dsn_part - a bare delivery-status part */
static int
explain_dsn_part(const struct kb *kb, const char *text, size_t len,
    struct verdict *v)
{
	struct dsn *d;
	struct verdict one;
	int	 i, found = 0;

	if ((d = malloc(sizeof(*d))) == NULL)
		return (0);
	if (dsn_parse(text, len, d) == 0) {
		for (i = 0; i < d->nrcpt && !found; i++) {
			verdict_init(&one);
			one.form = FORM_DSN;
			found = explain_reply(kb, d->rcpt[i].diag,
			    strlen(d->rcpt[i].diag), d->rcpt[i].remote_mta,
			    &one);
			one.read_at = NULL;	/* d is freed below */
			text_copy(one.queue_id, sizeof(one.queue_id),
			    d->queue_id, strlen(d->queue_id));
			text_copy(one.recipient, sizeof(one.recipient),
			    d->rcpt[i].final_recipient,
			    strlen(d->rcpt[i].final_recipient));
			if (found || i == 0)
				*v = one;
		}
	}
	free(d);
	return (found);
}

/* explain_text - detect the form of one input and classify it */
int
explain_text(const struct kb *kb, const char *text, size_t len,
    struct verdict *v)
{
	struct bounce_result *res;
	struct verdict one;
	size_t	 i, eol, start = 0, n;
	int	 rc, lines = 0, any_log = 0, any_fail = 0, found = 0;
	struct evidence_reply *ev;
	long	 pid, found_pid = 0;
	const char *body;
	size_t	 hlen;

	verdict_init(v);
	while (start < len && (text[start] == ' ' || text[start] == '\t' ||
	    text[start] == '\r' || text[start] == '\n'))
		start++;
	text += start;
	len -= start;
	if (len == 0)
		return (0);
	if (text[0] == '{') {
		rc = explain_pqjson(kb, text, len, v);
		if (v->form == FORM_POSTQUEUE)
			return (rc);
	}
	if ((len > 14 && text_casecmp_n(text, "Reporting-MTA:", 14) == 0) ||
	    (len > 16 && text_casecmp_n(text, "Final-Recipient:", 16) == 0))
		return (explain_dsn_part(kb, text, len, v));
	if (looks_like_message(text, len) &&
	    mime_split_message(text, len, &hlen, &body) == 0) {
		if ((res = malloc(sizeof(*res))) == NULL)
			return (0);
		rc = bounce_classify(kb, text, hlen, body,
		    len - (size_t)(body - text), res);
		*v = res->v;
		v->read_at = NULL;	/* may point into res */
		free(res);
		return (rc);
	}
	/*
	 * One or more log lines: the first line with a cause wins.  When it
	 * is a relay-local failure ("cannot authenticate to server ...:
	 * generic failure"), a more specific relay-local line of the same
	 * smtp process (the sasl-xoauth2 reason) refines its cause.
	 */
	for (i = 0; i < len && lines < EXPLAIN_MAX_LINES; i = eol + 1) {
		for (eol = i; eol < len && text[eol] != '\n'; eol++)
			;
		n = eol - i;
		if (n > 0 && text[i + n - 1] == '\r')
			n--;
		lines++;
		if ((rc = explain_logline(kb, text + i, n, &one, &pid,
		    &any_fail)) < 0)
			continue;
		if (found) {
			/* causes are declared most specific first */
			if (rc == 1 && one.local && (pid == found_pid ||
			    pid == 0 || found_pid == 0) &&
			    rules_cause_index(kb->rules, one.cause) <
			    rules_cause_index(kb->rules, v->cause)) {
				v->cause = one.cause;
				v->area = one.area;
				memcpy(v->reply, one.reply, sizeof(v->reply));
			}
			continue;
		}
		if (!any_log || rc == 1)
			*v = one;
		any_log = 1;
		if (rc == 1 && !one.local)
			return (1);
		if (rc == 1) {
			found = 1;
			found_pid = pid;
		}
	}
	if (found)
		return (1);
	/*
	 * MTA lines, none with a failure the log parser knows (a debug
	 * "< host[ip]: 530 5.7.57 ..." line, a new shape): the reply inside
	 * them still counts; the log line's form and ids stay.
	 */
	if (any_log && v->form != FORM_NONE) {
		/* only a server's reply with both codes, never local text */
		if (any_fail || (ev = malloc(sizeof(*ev))) == NULL)
			return (0);
		rc = evidence_find(text, len, ev) && ev->rank == 3;
		free(ev);
		one = *v;
		if (!rc || explain_reply(kb, text, len, NULL, &one) != 1 ||
		    one.local)
			return (0);
		one.form = v->form;
		*v = one;
		return (1);
	}
	verdict_init(v);
	v->form = FORM_REPLY;
	return (explain_reply(kb, text, len, NULL, v));
}

/* form_name - for JSON and humans */
const char *
form_name(enum form f)
{
	switch (f) {
	case FORM_REPLY:
		return ("reply");
	case FORM_POSTFIX_LOG:
		return ("postfix-log");
	case FORM_EXIM_LOG:
		return ("exim-log");
	case FORM_DSN:
		return ("dsn");
	case FORM_TEXT_BOUNCE:
		return ("text-bounce");
	case FORM_POSTQUEUE:
		return ("postqueue");
	case FORM_NDR:
		return ("ms-ndr");
	default:
		return ("none");
	}
}
