/*
 * bounce.c - classify a bounce or delay notice and enrich it
 *
 * Functions: bounce_classify, bounce_rewrite, bounce_rewrite_message.
 *
 * This is the path "relayhint bounce --rewrite", the milter and the Exim
 * object share, so that what the CLI prints is byte for byte what the
 * milter produces.  The cause comes first from the delivery-status part
 * (Diagnostic-Code and Remote-MTA of each recipient), then, for bounces
 * whose DSN carries no reply (Exim's, delay notices), from the text of
 * the human-readable part.  The hint goes in by rewrite_body(), which
 * leaves the DSN part and the returned message byte-identical.
 *
 * Limits: messages over opts->max_size (default BOUNCE_DEFAULT_MAX) are
 * not classified; the rendered hint is at most HINT_BLOCK_MAX bytes.
 * A message that already carries X-Relayhint-Cause is left alone, so a
 * bounce that passes us twice is enriched once.
 *
 * Microsoft's own NDRs (ndr.c) come first: Exchange Online accepted the
 * message and bounced it later, so the reply in it is either Microsoft's
 * own verdict about the sender's tenant (5.7.708, 5.1.90, ...: the
 * normal rules apply, with the generating server as the relay) or the
 * next server's refusal (the remote server is the relay, and when no
 * rule knows it the NDR's writer decides a fallback cause: Exchange
 * Online, Outlook.com or on-premises Exchange).  No relay-local or
 * authentication cause is ever taken from an NDR: the relay's own SMTP
 * AUTH succeeded, or Microsoft would not have accepted the message.
 * Every form takes the same rewrite (rewrite_body_hint): an Exchange
 * Online NDR's first part is multipart/alternative, and the hint goes
 * into both its text/plain and its text/html alternative; an Exchange
 * 2003 NDR (multipart/mixed, or no MIME at all) gets it in its first
 * text part like any text bounce.  The hint's language names the
 * rewritten parts' Content-Language and, with its catalog's direction,
 * the HTML block's lang and dir.
 */
#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "buf.h"
#include "dsn.h"
#include "mime.h"
#include "ndr.h"
#include "reply.h"
#include "text.h"
#include "xheader.h"

#define HINT_BLOCK_MAX		(64 * 1024)
#define HUMAN_TEXT_MAX		(256 * 1024)
#define CTYPE_MAX		1024

/* status_unreachable - N.4.x: no route, no answer, expired (not 5.4.1) */
static int
status_unreachable(const char *st)
{
	int	 d;

	if ((st[0] != '4' && st[0] != '5') || st[1] != '.' || st[2] != '4' ||
	    st[3] != '.')
		return (0);
	d = atoi(st + 4);
	return (d == 1 || d == 2 || d == 7 || d >= 300);
}

/* ndr_fallback - the cause id when no rule names one: who wrote the NDR */
static const char *
ndr_fallback(const struct ndr *n, const struct ndr_rcpt *r,
    const char *status)
{
	switch (n->kind) {
	case NDR_EXO:
		if (status_unreachable(status) || status_unreachable(r->status))
			return ("m365.ndr.remote_unreachable");
		if (r->remote[0] != '\0' && !ndr_host_is_cloud(r->remote))
			return ("m365.ndr.remote_rejected");
		return ("m365.recipient.rejected");
	case NDR_OUTLOOKCOM:
		return ("outlookcom.rejected");
	case NDR_ONPREM:
		return ("exchange.onprem.rejected");
	default:
		return (NULL);
	}
}

/* ndr_cause_ok - a rule's cause that may stand for an NDR */
static int
ndr_cause_ok(const struct kb *kb, const struct ndr *n,
    const struct ndr_rcpt *r, const struct verdict *v)
{
	if (v->cause == NULL || v->local || v->area == NULL ||
	    strcmp(v->area, "auth") == 0 || strcmp(v->area, "oauth") == 0 ||
	    strcmp(v->area, "sasl") == 0 ||
	    strncmp(v->cause, "m365.auth.", 10) == 0 ||
	    rules_cause_index(kb->rules, v->cause) == kb->rules->unknown_cause)
		return (0);
	/* on-premises Exchange: only what a Microsoft cloud server said */
	if (n->kind == NDR_ONPREM)
		return (r->remote[0] != '\0' && ndr_host_is_cloud(r->remote));
	return (1);
}

/* classify_ndr_rcpt - one recipient of a Microsoft NDR; 2 rule, 1 fallback */
static int
classify_ndr_rcpt(const struct kb *kb, const struct ndr *n,
    const struct ndr_rcpt *r, struct verdict *v)
{
	const char *relay = r->remote[0] ? r->remote : n->generating;
	const char *fb;
	char	 text[REPLY_TEXT_MAX];
	int	 ci, rc = 0;

	verdict_init(v);
	/* a DSN without Diagnostic-Code: its Status is all there is */
	text_copy(text, sizeof(text), r->reply[0] ? r->reply : r->status,
	    strlen(r->reply[0] ? r->reply : r->status));
	(void)explain_reply(kb, text, strlen(text), relay, v);
	/*
	 * A reply that Microsoft's cloud wrote itself is Microsoft's even
	 * when neither the host name (*.prod.exchangelabs.com) nor the text
	 * carries a provider signature.
	 */
	if (v->cause == NULL && !v->local && ndr_host_is_cloud(relay) &&
	    (ci = rules_match_host(kb->rules, v->smtp_code, v->status,
	    v->reply, relay)) >= 0) {
		v->provider = PROVIDER_M365;
		v->cause = kb->rules->causes[ci].id;
		v->area = kb->rules->causes[ci].area;
	}
	if (ndr_cause_ok(kb, n, r, v))
		rc = 2;
	else {
		v->cause = v->area = NULL;
		v->local = 0;
		if (v->reply[0] == '\0') {
			text_copy(v->reply, sizeof(v->reply), r->reply,
			    strlen(r->reply));
			explain_redact(v->reply);
		}
		if ((fb = ndr_fallback(n, r, v->status)) != NULL &&
		    (ci = rules_cause_index(kb->rules, fb)) >= 0) {
			v->cause = kb->rules->causes[ci].id;
			v->area = kb->rules->causes[ci].area;
			rc = 1;
		}
	}
	v->form = FORM_NDR;
	if (n->kind != NDR_ONPREM)
		v->provider = PROVIDER_M365;
	if (v->status[0] == '\0')
		memcpy(v->status, r->status, sizeof(v->status));
	v->ndr_kind = n->kind;
	memcpy(v->ndr_server, n->generating, sizeof(v->ndr_server));
	memcpy(v->orig_msgid, n->orig_msgid, sizeof(v->orig_msgid));
	text_copy(v->recipient, sizeof(v->recipient), r->address,
	    strlen(r->address));
	text_copy(v->relay, sizeof(v->relay), relay, strlen(relay));
	return (rc);
}

/* classify_ndr - the recipient with a rule's cause, else a fallback */
static int
classify_ndr(const struct kb *kb, const struct ndr *n,
    struct bounce_result *res)
{
	struct ndr_rcpt none;
	struct verdict one;
	int	 i, rc, best = -1;

	for (i = 0; i < n->nrcpt; i++) {
		if (n->rcpt[i].delayed)
			res->delayed = 1;
		if (n->rcpt[i].status[0] == '4' ||
		    n->rcpt[i].status[0] == '5' || !n->rcpt[i].delayed)
			res->nfailed++;
	}
	for (i = 0; i < n->nrcpt && best < 2; i++) {
		rc = classify_ndr_rcpt(kb, n, &n->rcpt[i], &one);
		if (rc > best) {
			res->v = one;
			best = rc;
		}
	}
	if (best < 0) {
		/* recognised, but no recipient could be read */
		memset(&none, 0, sizeof(none));
		best = classify_ndr_rcpt(kb, n, &none, &res->v);
	}
	return (best > 0);
}

/* classify_dsn - the first recipient of a delivery-status part with a cause */
static int
classify_dsn(const struct kb *kb, const char *body, size_t len,
    struct bounce_result *res)
{
	struct dsn *d;
	struct verdict one;
	int	 i, found = 0, first = 1;

	if ((d = malloc(sizeof(*d))) == NULL)
		return (0);
	if (dsn_parse(body, len, d) == 0) {
		for (i = 0; i < d->nrcpt && !found; i++) {
			struct dsn_rcpt *r = &d->rcpt[i];

			if (text_casecmp_n(r->action, "delayed", 8) == 0)
				res->delayed = 1;
			if (r->status[0] == '4' || r->status[0] == '5')
				res->nfailed++;
			verdict_init(&one);
			one.form = FORM_DSN;
			found = explain_reply(kb, r->diag, strlen(r->diag),
			    r->remote_mta, &one);
			/*
			 * The DSN's own status is better than none at all,
			 * but only the N.NNN.NNN at its start: it becomes the
			 * X-Relayhint-Code header, and the Status field is
			 * free text (fuzz: non-ASCII in an added header).
			 */
			if (one.status[0] == '\0')
				text_copy(one.status, sizeof(one.status),
				    r->status, reply_status_valid(r->status,
				    strlen(r->status)));
			text_copy(one.queue_id, sizeof(one.queue_id),
			    d->queue_id, strlen(d->queue_id));
			text_copy(one.recipient, sizeof(one.recipient),
			    r->final_recipient, strlen(r->final_recipient));
			if (found || first)
				res->v = one;
			first = 0;
		}
	}
	free(d);
	return (found);
}

/*
 * classify_human - a reply quoted in the human-readable text; the text
 * ndr_parse_split already decoded (sh) is not decoded again
 */
static int
classify_human(const struct kb *kb, const struct mime_part *p,
    const struct ndr_share *sh, struct bounce_result *res)
{
	struct buf own;
	const struct buf *txt = &own;
	struct verdict one;
	int	 found = 0, rc;

	buf_init(&own, HUMAN_TEXT_MAX);
	if (sh != NULL && sh->plain != NULL && sh->plain == p->body &&
	    sh->plain_len == p->body_len &&
	    strcmp(sh->plain_cte, p->cte) == 0) {
		txt = &sh->plain_txt;
		rc = sh->plain_rc;
	} else
		rc = mime_decode_body(p->cte, p->body, p->body_len, &own);
	if (rc == 0 && txt->len > 0) {
		verdict_init(&one);
		one.form = FORM_TEXT_BOUNCE;
		if ((found = explain_reply(kb, txt->data, txt->len, NULL,
		    &one)) != 0) {
			/* keep what the DSN told us about the recipient */
			memcpy(one.queue_id, res->v.queue_id,
			    sizeof(one.queue_id));
			memcpy(one.recipient, res->v.recipient,
			    sizeof(one.recipient));
			if (one.relay[0] == '\0')
				memcpy(one.relay, res->v.relay,
				    sizeof(one.relay));
			res->v = one;
		}
	}
	buf_free(&own);
	return (found);
}

/* bounce_classify - cause of a bounce from its headers and body */
int
bounce_classify(const struct kb *kb, const char *hdrs, size_t hlen,
    const char *body, size_t blen, struct bounce_result *res)
{
	struct mime_multipart *mp;
	struct mime_part whole;
	struct ndr *n;
	struct ndr_share sh;
	static const char *const top_names[] = { "X-Relayhint-Cause",
	    "Content-Type" };
	char	 ctype[512], tmp[64];
	size_t	 at[2];
	int	 i, found = 0, human = -1, ctype_rc;

	memset(res, 0, sizeof(*res));
	verdict_init(&res->v);
	res->rw = REWRITE_NOT_REPORT;
	/* both fields in one walk over the header block */
	mime_header_find(hdrs, hlen, top_names, 2, at);
	res->already = mime_header_at(hdrs, hlen, at[0], top_names[0], tmp,
	    sizeof(tmp)) >= 0;
	if ((ctype_rc = mime_header_at(hdrs, hlen, at[1], top_names[1], ctype,
	    sizeof(ctype))) < 0)
		ctype[0] = '\0';
	if (mime_type_is(ctype, "multipart/report") &&
	    mime_param(ctype, "report-type", tmp, sizeof(tmp)) >= 0 &&
	    text_casecmp_n(tmp, "delivery-status", 16) == 0)
		res->is_report = 1;
	/*
	 * One split of the body and one decoding of its text, for the NDR
	 * reader and for the delivery-status and text paths below.
	 */
	if ((n = malloc(sizeof(*n))) == NULL ||
	    (mp = malloc(sizeof(*mp))) == NULL) {
		free(n);
		return (0);
	}
	memset(&sh, 0, sizeof(sh));
	buf_init(&sh.plain_txt, NDR_TEXT_MAX);
	/* a value that filled the buffer may be cut short: ndr reads it */
	if (ctype_rc < 0 || (size_t)ctype_rc + 1 < sizeof(ctype))
		sh.hdr_ctype = ctype;
	if (text_casecmp_n(ctype, "multipart/", 10) == 0) {
		sh.ctype = ctype;
		sh.split_rc = mime_split_multipart(ctype, body, blen, mp);
		sh.top = mp;
	}
	if (ndr_parse_split(hdrs, hlen, body, blen, &sh, n)) {
		found = classify_ndr(kb, n, res);
		goto out;
	}
	if (sh.ctype != NULL) {
		if (sh.split_rc == 0) {
			for (i = 0; i < mp->nparts && !found; i++) {
				const struct mime_part *p = &mp->part[i];

				if (mime_type_is(p->ctype,
				    "message/delivery-status") ||
				    mime_type_is(p->ctype,
				    "message/global-delivery-status"))
					found = classify_dsn(kb, p->body,
					    p->body_len, res);
				else if (human < 0 && (p->ctype[0] == '\0' ||
				    mime_type_is(p->ctype, "text/plain")))
					human = i;
			}
			if (!found && human >= 0)
				found = classify_human(kb, &mp->part[human],
				    &sh, res);
		}
		goto out;
	}
	/* a single-part bounce (Exim's text bounces and warnings) */
	if (ctype[0] != '\0' && !mime_type_is(ctype, "text/plain"))
		goto out;
	memset(&whole, 0, sizeof(whole));
	whole.body = body;
	whole.body_len = blen;
	/* the NDR reader read it already, unless it ran out of memory */
	if (sh.hdr_cte_read)
		memcpy(whole.cte, sh.hdr_cte, sizeof(whole.cte));
	else if (mime_header_get(hdrs, hlen, "Content-Transfer-Encoding",
	    whole.cte, sizeof(whole.cte)) < 0)
		whole.cte[0] = '\0';
	found = classify_human(kb, &whole, &sh, res);
out:
	buf_free(&sh.plain_txt);
	free(n);
	free(mp);
	return (found);
}

/* hint_rtl - the catalog of lang is written right to left */
static int
hint_rtl(const struct hints *h, const char *lang)
{
	int	 i;

	for (i = 0; i < h->ncat; i++)
		if (strcmp(h->cat[i].lang, lang) == 0)
			return (h->cat[i].rtl);
	return (0);
}

/* bounce_rewrite - classify and, with a cause, build the new body */
int
bounce_rewrite(const struct kb *kb, const struct bounce_opts *opts,
    const char *hdrs, size_t hlen, const char *body, size_t blen,
    struct buf *out, struct bounce_result *res)
{
	struct rewrite_hint rh;
	struct rewrite_top top;
	struct buf hint;
	char	 ctype[CTYPE_MAX], cte[64], clang[128];
	const char *lang = opts && opts->lang ? opts->lang : "en";
	const char *used = "en";
	size_t	 max = opts && opts->max_size ? opts->max_size :
	    BOUNCE_DEFAULT_MAX;
	int	 flags = opts ? opts->hint_flags : 0;

	if (hlen + blen > max) {
		memset(res, 0, sizeof(*res));
		res->rw = REWRITE_TOO_LARGE;
		return (0);
	}
	if (!bounce_classify(kb, hdrs, hlen, body, blen, res) ||
	    (res->already && !(flags & BOUNCE_BODY_TOO)))
		return (0);
	flags &= ~BOUNCE_BODY_TOO;
	if (hints_find(&kb->hints, lang, res->v.cause, &used) == NULL) {
		res->rw = REWRITE_ERROR;
		return (0);
	}
	text_copy(res->lang_used, sizeof(res->lang_used), used, strlen(used));
	if (res->delayed)
		flags |= HINT_DELAYED;
	buf_init(&hint, HINT_BLOCK_MAX);
	if (hint_render(&kb->hints, &res->v, used, flags, &hint) < 0) {
		buf_free(&hint);
		res->rw = REWRITE_ERROR;
		return (0);
	}
	if (mime_header_get(hdrs, hlen, "Content-Type", ctype,
	    sizeof(ctype)) < 0)
		ctype[0] = '\0';
	rh.text = hint.data;
	rh.len = hint.len;
	rh.lang = res->lang_used;
	rh.rtl = hint_rtl(&kb->hints, res->lang_used);
	if (text_casecmp_n(ctype, "multipart/", 10) == 0)
		res->rw = rewrite_body_hint(ctype, body, blen, &rh, max, out);
	else {
		/* a single text part: Exim's text bounces, Exchange 2003 */
		if (mime_header_get(hdrs, hlen, "Content-Transfer-Encoding",
		    cte, sizeof(cte)) < 0)
			cte[0] = '\0';
		if (mime_header_get(hdrs, hlen, "Content-Language", clang,
		    sizeof(clang)) < 0)
			clang[0] = '\0';
		res->rw = rewrite_text_hint(ctype, cte, clang[0] ? clang :
		    NULL, body, blen, &rh, max, out, &top);
		res->new_ctype = top.ctype;
		res->new_cte = top.cte;
		memcpy(res->new_lang, top.lang, sizeof(res->new_lang));
	}
	buf_free(&hint);
	return (res->rw == REWRITE_OK);
}

/* header_is - the header line at s names name */
static int
header_is(const char *s, size_t len, const char *name)
{
	size_t	 n = strlen(name);

	return (len > n && s[n] == ':' && text_casecmp_n(s, name, n) == 0);
}

/* bounce_rewrite_message - the whole message as the milter leaves it */
int
bounce_rewrite_message(const struct kb *kb, const struct bounce_opts *opts,
    const char *msg, size_t len, struct buf *out, struct bounce_result *res)
{
	struct buf nb;
	struct xheaders xh;
	const char *body, *eol;
	size_t	 hlen, i, e, n;
	int	 skip = 0, seen_ctype = 0, seen_cte = 0, seen_mv = 0;
	int	 seen_lang = 0;

	memset(res, 0, sizeof(*res));
	if (mime_split_message(msg, len, &hlen, &body) < 0)
		return (buf_append(out, msg, len) < 0 ? -1 : 0);
	buf_init(&nb, (opts && opts->max_size ? opts->max_size :
	    BOUNCE_DEFAULT_MAX) + HINT_BLOCK_MAX);
	if (!bounce_rewrite(kb, opts, msg, hlen, body,
	    len - (size_t)(body - msg), &nb, res)) {
		buf_free(&nb);
		return (buf_append(out, msg, len) < 0 ? -1 : 0);
	}
	eol = mime_eol(msg, len);
	/* copy the header block, replacing what the new body requires */
	for (i = 0; i < hlen; i = e) {
		for (e = i; e < hlen && msg[e] != '\n'; e++)
			;
		if (e < hlen)
			e++;
		n = e - i;
		if (msg[i] == ' ' || msg[i] == '\t') {
			if (!skip)
				buf_append(out, msg + i, n);
			continue;
		}
		skip = 0;
		seen_mv |= header_is(msg + i, n, "MIME-Version");
		if (res->new_ctype && header_is(msg + i, n, "Content-Type")) {
			seen_ctype = 1;
			buf_printf(out, "Content-Type: %s%s", res->new_ctype,
			    eol);
			skip = 1;
		} else if (res->new_cte &&
		    header_is(msg + i, n, "Content-Transfer-Encoding")) {
			seen_cte = 1;
			buf_printf(out, "Content-Transfer-Encoding: %s%s",
			    res->new_cte, eol);
			skip = 1;
		} else if (res->new_lang[0] &&
		    header_is(msg + i, n, "Content-Language")) {
			seen_lang = 1;
			buf_printf(out, "Content-Language: %s%s",
			    res->new_lang, eol);
			skip = 1;
		} else
			buf_append(out, msg + i, n);
	}
	if (hlen > 0 && msg[hlen - 1] != '\n')
		buf_puts(out, eol);
	/* a text bounce without MIME headers needs them once re-encoded */
	if ((res->new_ctype && !seen_ctype) || (res->new_cte && !seen_cte)) {
		if (!seen_mv)
			buf_printf(out, "MIME-Version: 1.0%s", eol);
		if (res->new_ctype && !seen_ctype)
			buf_printf(out, "Content-Type: %s%s", res->new_ctype,
			    eol);
		if (res->new_cte && !seen_cte)
			buf_printf(out, "Content-Transfer-Encoding: %s%s",
			    res->new_cte, eol);
	}
	if (res->new_lang[0] && !seen_lang)
		buf_printf(out, "Content-Language: %s%s", res->new_lang, eol);
	if (!res->already) {
		(void)xheader_fields(&xh, &res->v, NULL, NULL, NULL);
		xheader_write(out, &xh, "", eol);
	}
	buf_puts(out, eol);
	buf_append(out, nb.data, nb.len);
	buf_free(&nb);
	return (out->overflow ? -1 : 1);
}
