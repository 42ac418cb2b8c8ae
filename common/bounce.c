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
 */
#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "buf.h"
#include "dsn.h"
#include "mime.h"
#include "reply.h"
#include "text.h"

#define HINT_BLOCK_MAX		(64 * 1024)
#define HUMAN_TEXT_MAX		(256 * 1024)

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

/* classify_human - a reply quoted in the human-readable text */
static int
classify_human(const struct kb *kb, const struct mime_part *p,
    struct bounce_result *res)
{
	struct buf txt;
	struct verdict one;
	int	 found = 0;

	buf_init(&txt, HUMAN_TEXT_MAX);
	if (mime_decode_body(p->cte, p->body, p->body_len, &txt) == 0 &&
	    txt.len > 0) {
		verdict_init(&one);
		one.form = FORM_TEXT_BOUNCE;
		if ((found = explain_reply(kb, txt.data, txt.len, NULL,
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
	buf_free(&txt);
	return (found);
}

/* bounce_classify - cause of a bounce from its headers and body */
int
bounce_classify(const struct kb *kb, const char *hdrs, size_t hlen,
    const char *body, size_t blen, struct bounce_result *res)
{
	struct mime_multipart *mp;
	struct mime_part whole;
	char	 ctype[512], tmp[64];
	int	 i, found = 0, human = -1;

	memset(res, 0, sizeof(*res));
	verdict_init(&res->v);
	res->rw = REWRITE_NOT_REPORT;
	res->already = mime_header_get(hdrs, hlen, "X-Relayhint-Cause", tmp,
	    sizeof(tmp)) >= 0;
	if (mime_header_get(hdrs, hlen, "Content-Type", ctype,
	    sizeof(ctype)) < 0)
		ctype[0] = '\0';
	if (mime_type_is(ctype, "multipart/report") &&
	    mime_param(ctype, "report-type", tmp, sizeof(tmp)) >= 0 &&
	    text_casecmp_n(tmp, "delivery-status", 16) == 0)
		res->is_report = 1;
	if (text_casecmp_n(ctype, "multipart/", 10) == 0) {
		if ((mp = malloc(sizeof(*mp))) == NULL)
			return (0);
		if (mime_split_multipart(ctype, body, blen, mp) == 0) {
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
				    res);
		}
		free(mp);
		return (found);
	}
	/* a single-part bounce (Exim's text bounces and warnings) */
	if (ctype[0] != '\0' && !mime_type_is(ctype, "text/plain"))
		return (0);
	memset(&whole, 0, sizeof(whole));
	whole.body = body;
	whole.body_len = blen;
	if (mime_header_get(hdrs, hlen, "Content-Transfer-Encoding",
	    whole.cte, sizeof(whole.cte)) < 0)
		whole.cte[0] = '\0';
	return (classify_human(kb, &whole, res));
}

/* bounce_rewrite - classify and, with a cause, build the new body */
int
bounce_rewrite(const struct kb *kb, const struct bounce_opts *opts,
    const char *hdrs, size_t hlen, const char *body, size_t blen,
    struct buf *out, struct bounce_result *res)
{
	struct buf hint;
	char	 ctype[512], cte[64];
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
	if (!bounce_classify(kb, hdrs, hlen, body, blen, res) || res->already)
		return (0);
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
	if (text_casecmp_n(ctype, "multipart/", 10) == 0)
		res->rw = rewrite_body(ctype, body, blen, hint.data, hint.len,
		    max, out);
	else {
		if (mime_header_get(hdrs, hlen, "Content-Transfer-Encoding",
		    cte, sizeof(cte)) < 0)
			cte[0] = '\0';
		res->rw = rewrite_text(ctype, cte, body, blen, hint.data,
		    hint.len, max, out, &res->new_ctype, &res->new_cte);
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
	const char *body, *eol;
	size_t	 hlen, i, e, n;
	int	 skip = 0, seen_ctype = 0, seen_cte = 0, seen_mv = 0;

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
	buf_printf(out, "X-Relayhint-Cause: %s%s", res->v.cause, eol);
	buf_printf(out, "X-Relayhint-Code: %s%s", res->v.status[0] ?
	    res->v.status : "none", eol);
	buf_puts(out, eol);
	buf_append(out, nb.data, nb.len);
	buf_free(&nb);
	return (out->overflow ? -1 : 1);
}
