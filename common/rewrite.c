/*
 * rewrite.c - insert a hint at the top of a report's human-readable part
 *
 * Functions: rewrite_body, rewrite_body_hint, rewrite_text,
 * rewrite_text_hint, rewrite_strerror.
 *
 * The promise to the mail administrator is that we add text and change
 * nothing else: the preamble, the boundary and every byte from the line
 * break before the second delimiter to the end (the delivery-status
 * part, the returned message, the epilogue) are copied unchanged, so a
 * DSN parser downstream sees exactly what the MTA wrote.  Only the first
 * part changes, and within it only the text parts a reader is shown:
 * the first part itself, or, when it is a multipart/alternative (what
 * Exchange writes: text/plain and text/html, sometimes a related or
 * alternative inside again), each text/plain and text/html alternative.
 * Those are found by a walk over an explicit, bounded list of nested
 * multiparts (REWRITE_DEPTH_MAX levels, REWRITE_NODES_MAX multiparts,
 * REWRITE_LEAVES_MAX text parts), never by recursion; every byte
 * between them is copied.
 *
 * A text/plain part in us-ascii or UTF-8 is handled as it always was:
 * the hint goes in front of its text, and when the hint cannot travel in
 * the part's encoding (UTF-8 into a 7bit part) the text is re-encoded as
 * UTF-8 quoted-printable.  Any other part (another charset, or HTML) is
 * decoded to UTF-8 by charset.c, strictly, given the hint (html.c for
 * HTML) and written back as UTF-8 in quoted-printable or base64,
 * whichever is shorter; a part that does not decode cleanly stays as it
 * was, since a mislabelled text is worse than no hint.  The part's
 * Content-Type (charset=utf-8, other parameters kept) and
 * Content-Transfer-Encoding lines are rewritten to match, a
 * Content-Language line names the hint's language, and its other header
 * lines stay as they were.  The hint's LF line ends follow the body's
 * style.  Re-encoded text never has a line starting with '-' (QP writes
 * it =2D, base64 has no '-'), so neither the hint nor decoded text can
 * become a delimiter line.
 *
 * Limits: input and output are bounded by the caller's max;
 * intermediate buffers by a small multiple of it.  On any failure the
 * caller's buffer is left empty and the message must pass unchanged.
 * Nothing is logged.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "charset.h"
#include "html.h"
#include "mime.h"
#include "rewrite.h"
#include "text.h"

#define REWRITE_CTYPE_MAX	1024	/* longest part Content-Type we edit */
#define REWRITE_DEPTH_MAX	4	/* multipart levels inside the first part */
#define REWRITE_NODES_MAX	8	/* multiparts split in one message */
#define REWRITE_LEAVES_MAX	8	/* text parts given the hint */

/* Output in progress: the first failure sticks. */
struct rw {
	struct buf *out;
	size_t	 max;
	enum rewrite_status st;
};

/* How the hint goes into the text, decided before anything is written. */
struct rw_plan {
	int	 reencode;	/* decode, prepend, encode as QP */
	int	 set_charset;	/* the part's charset must become utf-8 */
	const char *set_cte;	/* new Content-Transfer-Encoding, or NULL */
	char	 lang[64];	/* new Content-Language value, or "" */
};

/* The multiparts of the walk and the text parts it found. */
struct rw_walk {
	int	 nnode;
	struct {
		char	 ctype[REWRITE_CTYPE_MAX];
		const char *body;
		size_t	 len;
		int	 depth;
		struct mime_multipart mp;
	} node[REWRITE_NODES_MAX];
	int	 nleaf;
	const struct mime_part *leaf[REWRITE_LEAVES_MAX];
	int	 html[REWRITE_LEAVES_MAX];
};

/*
 * Saturating arithmetic for buffer limits.  The ceiling is SIZE_MAX / 2,
 * not SIZE_MAX, because buf.c sizes its storage as max + 1.
 */
#define REWRITE_LIMIT_MAX	(SIZE_MAX / 2)

/* sat_add - a + b, saturating: bounds must not wrap */
static size_t
sat_add(size_t a, size_t b)
{
	return (a > REWRITE_LIMIT_MAX || b > REWRITE_LIMIT_MAX - a ?
	    REWRITE_LIMIT_MAX : a + b);
}

/* sat_mul - a * b, saturating */
static size_t
sat_mul(size_t a, size_t b)
{
	return (b != 0 && a > REWRITE_LIMIT_MAX / b ? REWRITE_LIMIT_MAX :
	    a * b);
}

/* rw_room - bytes that may still be written to out */
static size_t
rw_room(const struct rw *w)
{
	size_t	 lim = w->max < w->out->max ? w->max : w->out->max;

	return (w->out->len >= lim ? 0 : lim - w->out->len);
}

/* rw_put - append, telling "too large" apart from "out of memory" */
static void
rw_put(struct rw *w, const void *p, size_t n)
{
	if (w->st != REWRITE_OK || n == 0)
		return;
	if (n > rw_room(w))
		w->st = REWRITE_TOO_LARGE;
	else if (buf_append(w->out, p, n) < 0)
		w->st = REWRITE_ERROR;
}

/* rw_puts - append a C string */
static void
rw_puts(struct rw *w, const char *s)
{
	rw_put(w, s, strlen(s));
}

/* plan_make - whether and how the hint fits the part's charset and CTE */
static enum rewrite_status
plan_make(const char *cte, const char *charset, int hint_ascii,
    struct rw_plan *pl)
{
	int	 utf8;

	memset(pl, 0, sizeof(*pl));
	utf8 = strcmp(charset, "utf-8") == 0 || strcmp(charset, "utf8") == 0;
	if (!utf8 && charset[0] != '\0' && strcmp(charset, "us-ascii") != 0 &&
	    strcmp(charset, "ascii") != 0)
		return (REWRITE_UNSUPPORTED);
	pl->set_charset = !hint_ascii && !utf8;
	if (cte[0] == '\0' || strcmp(cte, "7bit") == 0) {
		/* UTF-8 may not travel as 7bit */
		pl->reencode = !hint_ascii;
		pl->set_cte = pl->reencode ? "quoted-printable" : NULL;
	} else if (strcmp(cte, "8bit") == 0 || strcmp(cte, "binary") == 0) {
		pl->reencode = 0;
	} else if (strcmp(cte, "quoted-printable") == 0) {
		pl->reencode = 1;
	} else if (strcmp(cte, "base64") == 0) {
		/* QP keeps the text readable in a raw view of the bounce */
		pl->reencode = 1;
		pl->set_cte = "quoted-printable";
	} else
		return (REWRITE_UNSUPPORTED);
	return (REWRITE_OK);
}

/*
 * hint_copy - the hint with line breaks as eol, lone CR and NUL dropped
 * (they could end a header or a line early downstream), and a final
 * line break so that the original text starts on a line of its own.
 */
static int
hint_copy(const char *hint, size_t n, const char *eol, struct buf *b)
{
	size_t	 i, elen = strlen(eol);

	for (i = 0; i < n; i++) {
		if (hint[i] == '\n')
			buf_append(b, eol, elen);
		else if (hint[i] != '\r' && hint[i] != '\0')
			buf_append(b, hint + i, 1);
	}
	if (n > 0 && hint[n - 1] != '\n')
		buf_append(b, eol, elen);
	return (b->overflow ? -1 : 0);
}

/* text_put - the new text of the part: hint first, then the original */
static void
text_put(struct rw *w, const struct rw_plan *pl, const char *cte,
    const char *body, size_t len, const char *hint, size_t hint_len,
    const char *eol)
{
	struct buf txt, enc;
	size_t	 bound, room;

	if (w->st != REWRITE_OK)
		return;
	/* LF to CRLF at most doubles the hint, plus one final line break */
	buf_init(&txt, sat_add(sat_mul(hint_len, 2), 2));
	if (hint_copy(hint, hint_len, pl->reencode ? "\n" : eol, &txt) < 0) {
		w->st = REWRITE_ERROR;
		buf_free(&txt);
		return;
	}
	if (!pl->reencode) {
		rw_put(w, txt.data, txt.len);
		rw_put(w, body, len);
		buf_free(&txt);
		return;
	}
	/* decoding never grows the text */
	txt.max = sat_add(txt.len, len);
	if (mime_decode_body(cte, body, len, &txt) < 0) {
		w->st = REWRITE_ERROR;
		buf_free(&txt);
		return;
	}
	/*
	 * Three bytes per byte, and a soft break (at most 3 bytes) per 64
	 * output bytes: past this bound an encoder failure can only be
	 * malloc's.
	 */
	bound = sat_mul(txt.len, 3);
	bound = sat_add(bound, sat_mul(bound / 60 + 1, 3));
	room = rw_room(w);
	if (room > REWRITE_LIMIT_MAX)
		room = REWRITE_LIMIT_MAX;
	buf_init(&enc, bound < room ? bound : room);
	if (mime_qp_encode(txt.data, txt.len, eol, &enc) < 0)
		w->st = bound > room ? REWRITE_TOO_LARGE : REWRITE_ERROR;
	else
		rw_put(w, enc.data, enc.len);
	buf_free(&enc);
	buf_free(&txt);
}

/* field_is - the header field at s is called name */
static int
field_is(const char *s, size_t len, const char *name)
{
	size_t	 n = strlen(name), i;

	if (len <= n || text_casecmp_n(s, name, n) != 0)
		return (0);
	for (i = n; i < len && (s[i] == ' ' || s[i] == '\t'); i++)
		;
	return (i < len && s[i] == ':');
}

/*
 * ctype_put - a Content-Type line with charset=utf-8 and every other
 * parameter kept as it was.  The value comes unfolded from
 * mime_header_get, so no CR or LF from the input can reach it.
 */
static void
ctype_put(struct rw *w, const char *v, const char *eol)
{
	size_t	 i, s, e, n;
	int	 q;

	rw_puts(w, "Content-Type: ");
	for (e = 0; v[e] != '\0' && v[e] != ';'; e++)
		;
	for (n = e; n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'); n--)
		;
	if (n == 0)
		rw_puts(w, "text/plain");
	else
		rw_put(w, v, n);
	for (i = e; v[i] == ';'; i = e) {
		/* one parameter: up to the next ';' outside quotes */
		for (s = i + 1; v[s] == ' ' || v[s] == '\t'; s++)
			;
		for (q = 0, e = s; v[e] != '\0' && (q || v[e] != ';'); e++) {
			if (q && v[e] == '\\' && v[e + 1] != '\0')
				e++;
			else if (v[e] == '"')
				q = !q;
		}
		for (n = e; n > s && (v[n - 1] == ' ' || v[n - 1] == '\t'); n--)
			;
		if (n == s || (n - s > 7 && text_casecmp_n(v + s, "charset",
		    7) == 0 && (v[s + 7] == '=' || v[s + 7] == ' ' ||
		    v[s + 7] == '\t')))
			continue;
		rw_puts(w, "; ");
		rw_put(w, v + s, n - s);
	}
	rw_puts(w, "; charset=utf-8");
	rw_puts(w, eol);
}

/* cte_put - a Content-Transfer-Encoding line */
static void
cte_put(struct rw *w, const char *cte, const char *eol)
{
	rw_puts(w, "Content-Transfer-Encoding: ");
	rw_puts(w, cte);
	rw_puts(w, eol);
}

/* lang_put - a Content-Language line */
static void
lang_put(struct rw *w, const char *lang, const char *eol)
{
	rw_puts(w, "Content-Language: ");
	rw_puts(w, lang);
	rw_puts(w, eol);
}

/*
 * lang_value - the Content-Language of a part that now holds the hint:
 * the hint's language, then the part's own tags (RFC 3282: a list) when
 * none of them already has the hint's primary subtag.  Tags that are
 * not plain language tags are dropped rather than echoed.
 */
static void
lang_value(const char *hint_lang, const char *orig, char *out, size_t outlen)
{
	char	 tag[32], list[64];
	size_t	 i, n, p, hp, o = 0;
	int	 same = 0;

	out[0] = list[0] = '\0';
	if (hint_lang == NULL || !text_lang_ok(hint_lang))
		return;
	hp = strcspn(hint_lang, "-");
	for (i = 0; orig != NULL && orig[i] != '\0'; ) {
		i += strspn(orig + i, " \t,");
		n = strcspn(orig + i, " \t,;(");
		if (n > 0 && n < sizeof(tag)) {
			memcpy(tag, orig + i, n);
			tag[n] = '\0';
			p = strcspn(tag, "-");
			if (text_lang_ok(tag) && o + n + 3 < sizeof(list)) {
				same |= p == hp &&
				    text_casecmp_n(tag, hint_lang, p) == 0;
				o += (size_t)snprintf(list + o,
				    sizeof(list) - o, "%s%s", o ? ", " : "",
				    tag);
			}
		}
		i += n;
		/* a comment or parameter ends what we read */
		if (orig[i] == ';' || orig[i] == '(')
			break;
	}
	if (same)
		text_copy(out, outlen, list, o);
	else if (o > 0)
		snprintf(out, outlen, "%s, %s", hint_lang, list);
	else
		text_copy(out, outlen, hint_lang, strlen(hint_lang));
}

/* headers_put - a part's header block, edited where the plan says */
static void
headers_put(struct rw *w, const struct mime_part *p,
    const struct rw_plan *pl, const char *eol)
{
	const char *h = p->start;
	char	 v[REWRITE_CTYPE_MAX];
	size_t	 hl = p->hdr_len, i, e;
	int	 n, did_ct = 0, did_cte = 0, did_lang = 0, unended = 0;
	int	 has_lang;

	if (pl->set_charset) {
		n = mime_header_get(h, hl, "Content-Type", v, sizeof(v));
		/* a value we cannot see whole is not one we may edit */
		if (n >= 0 && (size_t)n + 1 >= sizeof(v)) {
			w->st = REWRITE_UNSUPPORTED;
			return;
		}
	}
	has_lang = mime_header_get(h, hl, "Content-Language", v,
	    sizeof(v)) >= 0;
	if (pl->set_charset &&
	    mime_header_get(h, hl, "Content-Type", v, sizeof(v)) < 0)
		v[0] = '\0';
	for (i = 0; i < hl; i = e) {
		/* a field is its first line and its continuation lines */
		e = mime_field_end(h, hl, i);
		unended = 0;
		if (!did_ct && field_is(h + i, e - i, "Content-Type")) {
			if (pl->set_charset)
				ctype_put(w, v, eol);
			else {
				rw_put(w, h + i, e - i);
				if (h[e - 1] != '\n')
					rw_puts(w, eol);
			}
			did_ct = 1;
			/*
			 * A new Content-Language goes right after it: some
			 * parsers stop reading a block at a malformed line
			 * further down (Exchange writes such lines).
			 */
			if (pl->lang[0] != '\0' && !has_lang) {
				lang_put(w, pl->lang, eol);
				did_lang = 1;
			}
		} else if (pl->set_cte != NULL && !did_cte &&
		    field_is(h + i, e - i, "Content-Transfer-Encoding")) {
			cte_put(w, pl->set_cte, eol);
			did_cte = 1;
		} else if (pl->lang[0] != '\0' && !did_lang &&
		    field_is(h + i, e - i, "Content-Language")) {
			lang_put(w, pl->lang, eol);
			did_lang = 1;
		} else {
			rw_put(w, h + i, e - i);
			unended = h[e - 1] != '\n';
		}
	}
	/* a part cut short by its delimiter may lack the last line break */
	if (unended)
		rw_puts(w, eol);
	if (pl->set_charset && !did_ct)
		ctype_put(w, "text/plain", eol);
	if (pl->set_cte != NULL && !did_cte)
		cte_put(w, pl->set_cte, eol);
	if (pl->lang[0] != '\0' && !did_lang)
		lang_put(w, pl->lang, eol);
	/* the empty line as it was, or one where the part had none */
	if (p->body > h + hl)
		rw_put(w, h + hl, (size_t)(p->body - (h + hl)));
	else
		rw_puts(w, eol);
}

/* first_line - the hint's first non-empty line */
static void
first_line(const char *s, size_t n, const char **l, size_t *ln)
{
	size_t	 i = 0, e;

	while (i < n && (s[i] == '\n' || s[i] == '\r'))
		i++;
	for (e = i; e < n && s[e] != '\n' && s[e] != '\r'; e++)
		;
	*l = s + i;
	*ln = e - i;
}

/*
 * has_hint - the text already starts with the hint's first line, or
 * (HTML) carries our marker: a second rewrite adds nothing
 */
static int
has_hint(const char *t, size_t tn, int html, const struct rewrite_hint *h)
{
	const char *l, *f;
	size_t	 ln, fn;

	if (html)
		return (html_has_hint(t, tn));
	first_line(h->text, h->len, &l, &ln);
	first_line(t, tn, &f, &fn);
	return (ln > 0 && fn == ln && memcmp(f, l, ln) == 0);
}

/*
 * utf8_put - the new text of a part that is re-encoded as UTF-8: decoded
 * from cte and charset (strictly: on any doubt, REWRITE_UNSUPPORTED),
 * the hint added as text or HTML, encoded as quoted-printable or base64,
 * whichever is shorter.
 */
static void
utf8_put(struct rw *w, struct rw_plan *pl, const char *cte,
    const char *cs, int html, const char *body, size_t len,
    const struct rewrite_hint *h, const char *eol)
{
	struct buf dec, txt, enc;
	size_t	 i, high = 0, bound, room;
	int	 b64;

	if (w->st != REWRITE_OK)
		return;
	buf_init(&dec, len);
	/* 4 UTF-8 bytes per input byte at most (GB18030, UTF-7) */
	buf_init(&txt, sat_add(sat_mul(len, 4), sat_mul(h->len, 8) + 4096));
	buf_init(&enc, 0);
	if (mime_decode_body(cte, body, len, &dec) < 0)
		w->st = REWRITE_UNSUPPORTED;
	else if (charset_to_utf8(cs, dec.data ? dec.data : "", dec.len,
	    &txt) < 0)
		w->st = txt.overflow ? REWRITE_TOO_LARGE : REWRITE_UNSUPPORTED;
	else if (has_hint(txt.data ? txt.data : "", txt.len, html, h))
		w->st = REWRITE_ALREADY;
	if (w->st != REWRITE_OK)
		goto out;
	buf_reset(&dec);
	dec.max = txt.max;
	if (html) {
		if (html_insert_hint(txt.data ? txt.data : "", txt.len,
		    h->text, h->len, h->lang, h->rtl, &dec) < 0)
			w->st = REWRITE_TOO_LARGE;
	} else if (hint_copy(h->text, h->len, "\n", &dec) < 0 ||
	    buf_append(&dec, txt.data ? txt.data : "", txt.len) < 0)
		w->st = REWRITE_TOO_LARGE;
	if (w->st != REWRITE_OK)
		goto out;
	for (i = 0; i < dec.len; i++)
		high += (unsigned char)dec.data[i] >= 0x80;
	/* QP spends 3 bytes on each 8-bit byte, base64 4 on every 3 */
	b64 = high * 3 > dec.len;
	bound = sat_add(sat_mul(dec.len, b64 ? 2 : 4), 1024);
	room = rw_room(w);
	enc.max = bound < room ? bound : room;
	if ((b64 ? mime_b64_encode(dec.data, dec.len, eol, &enc) :
	    mime_qp_encode(dec.data, dec.len, eol, &enc)) < 0)
		w->st = bound > room ? REWRITE_TOO_LARGE : REWRITE_ERROR;
	else {
		pl->set_charset = 1;
		pl->set_cte = b64 ? "base64" : "quoted-printable";
		rw_put(w, enc.data, enc.len);
	}
out:
	buf_free(&dec);
	buf_free(&txt);
	buf_free(&enc);
}

/* legacy_ok - a us-ascii or UTF-8 plain part that the old path can take */
static int
legacy_ok(const struct mime_part *p, int html)
{
	return (!html && charset_is_utf8(p->charset));
}

/*
 * legacy_check - the plan for a us-ascii or UTF-8 plain text, and
 * whether the text takes the hint: not when it has it already, nor when
 * it would be relabelled utf-8 and is not UTF-8
 */
static enum rewrite_status
legacy_check(const char *cte, const char *cs, const char *body, size_t len,
    const struct rewrite_hint *h, struct rw_plan *pl)
{
	struct buf dec;
	enum rewrite_status st;

	st = plan_make(cte, cs[0] ? cs : "us-ascii", text_is_ascii(h->text,
	    h->len), pl);
	if (st != REWRITE_OK)
		return (st);
	buf_init(&dec, len);
	if (mime_decode_body(cte, body, len, &dec) < 0)
		st = REWRITE_UNSUPPORTED;
	else if (has_hint(dec.data ? dec.data : "", dec.len, 0, h))
		st = REWRITE_ALREADY;
	else if (pl->set_charset && !text_utf8_valid(dec.data, dec.len))
		st = REWRITE_UNSUPPORTED;
	buf_free(&dec);
	return (st);
}

/*
 * leaf_put - one text part with the hint, header block included, into
 * w; on any status but REWRITE_OK nothing of it is in w
 */
static enum rewrite_status
leaf_put(struct rw *w, const struct mime_part *p, int html,
    const struct rewrite_hint *h, const char *eol)
{
	struct rw_plan pl;
	struct rw body;
	struct buf bb;
	char	 cl[128];
	int	 n;

	memset(&pl, 0, sizeof(pl));
	if (h->lang != NULL) {
		n = mime_header_get(p->start, p->hdr_len, "Content-Language",
		    cl, sizeof(cl));
		lang_value(h->lang, n >= 0 ? cl : NULL, pl.lang,
		    sizeof(pl.lang));
	}
	body.out = &bb;
	body.max = rw_room(w);
	body.st = REWRITE_OK;
	buf_init(&bb, body.max);
	if (legacy_ok(p, html)) {
		char	 lang[sizeof(pl.lang)];

		memcpy(lang, pl.lang, sizeof(lang));
		body.st = legacy_check(p->cte, p->charset, p->body,
		    p->body_len, h, &pl);
		memcpy(pl.lang, lang, sizeof(lang));
		text_put(&body, &pl, p->cte, p->body, p->body_len, h->text,
		    h->len, eol);
	} else
		utf8_put(&body, &pl, p->cte, p->charset, html, p->body,
		    p->body_len, h, eol);
	if (body.st == REWRITE_OK) {
		headers_put(w, p, &pl, eol);
		rw_put(w, bb.data, bb.len);
	}
	buf_free(&bb);
	return (body.st == REWRITE_OK ? w->st : body.st);
}

/* leaf_kind - 0 plain text, 1 HTML, -1 not a part we write into */
static int
leaf_kind(const struct mime_part *p)
{
	if (p->ctype[0] == '\0' || mime_type_is(p->ctype, "text/plain"))
		return (0);
	if (mime_type_is(p->ctype, "text/html"))
		return (1);
	return (-1);
}

/*
 * walk_collect - the text parts to rewrite, in the order of their bytes.
 * The list of multiparts grows as nested ones are found and is read in
 * order, so the walk needs no recursion and stops at its bounds.
 */
static enum rewrite_status
walk_collect(struct rw_walk *wk, const char *ctype, const char *body,
    size_t len)
{
	const struct mime_part *p, *t;
	int	 i, c, nc, k, alt, j, ht;

	wk->nnode = 1;
	wk->nleaf = 0;
	text_copy(wk->node[0].ctype, sizeof(wk->node[0].ctype), ctype,
	    strlen(ctype));
	wk->node[0].body = body;
	wk->node[0].len = len;
	wk->node[0].depth = 0;
	for (i = 0; i < wk->nnode; i++) {
		if (mime_split_multipart(wk->node[i].ctype, wk->node[i].body,
		    wk->node[i].len, &wk->node[i].mp) < 0 ||
		    wk->node[i].mp.nparts < 1 || (i == 0 &&
		    wk->node[i].mp.nparts < 2 && !wk->node[i].mp.closed)) {
			/*
			 * The top level needs a second part or its close
			 * delimiter (Exchange Online sends reports without
			 * the DSN part): without either, where the first
			 * part ends is a guess.
			 */
			if (i == 0)
				return (REWRITE_NOT_REPORT);
			continue;	/* a nested one we cannot read: opaque */
		}
		alt = i > 0 &&
		    mime_type_is(wk->node[i].ctype, "multipart/alternative");
		nc = alt ? wk->node[i].mp.nparts : 1;
		for (c = 0; c < nc; c++) {
			p = &wk->node[i].mp.part[c];
			if ((k = leaf_kind(p)) >= 0) {
				if (wk->nleaf < REWRITE_LEAVES_MAX) {
					wk->html[wk->nleaf] = k;
					wk->leaf[wk->nleaf++] = p;
				}
			} else if (text_casecmp_n(p->ctype, "multipart/",
			    10) == 0 && wk->node[i].depth < REWRITE_DEPTH_MAX &&
			    wk->nnode < REWRITE_NODES_MAX) {
				k = wk->nnode++;
				if (mime_header_get(p->start, p->hdr_len,
				    "Content-Type", wk->node[k].ctype,
				    sizeof(wk->node[k].ctype)) < 0)
					wk->node[k].ctype[0] = '\0';
				wk->node[k].body = p->body;
				wk->node[k].len = p->body_len;
				wk->node[k].depth = wk->node[i].depth + 1;
			}
		}
	}
	/* parts of different multiparts never overlap: sort by start */
	for (i = 1; i < wk->nleaf; i++) {
		t = wk->leaf[i];
		ht = wk->html[i];
		for (j = i; j > 0 && wk->leaf[j - 1]->start > t->start; j--) {
			wk->leaf[j] = wk->leaf[j - 1];
			wk->html[j] = wk->html[j - 1];
		}
		wk->leaf[j] = t;
		wk->html[j] = ht;
	}
	return (wk->nleaf > 0 ? REWRITE_OK : REWRITE_UNSUPPORTED);
}

/*
 * line_collides - the line at s (n bytes, no line break) starts with "--"
 * and then agrees with boundary b for as far as both go: a delimiter for
 * b, a lenient parser's delimiter ("--b" and more), or a part of one.
 */
static int
line_collides(const char *s, size_t n, const char *b)
{
	size_t	 blen = strlen(b), k;

	if (n < 2 || s[0] != '-' || s[1] != '-')
		return (0);
	k = n - 2 < blen ? n - 2 : blen;
	return (memcmp(s + 2, b, k) == 0);
}

/*
 * hint_defuse - the hint with every line that could read as a delimiter
 * of an enclosing multipart (a separator of dashes under a boundary of
 * dashes, a quoted "--boundary") indented by one space, into out;
 * 1 when a line was changed, 0 when the hint is safe as it is.
 */
static int
hint_defuse(const struct rw_walk *wk, const char *t, size_t n,
    struct buf *out)
{
	const char *nl;
	size_t	 i, e;
	int	 k, hit, changed = 0;

	for (i = 0; i < n; i = e + 1) {
		nl = memchr(t + i, '\n', n - i);
		e = nl == NULL ? n : (size_t)(nl - t);
		for (hit = 0, k = 0; k < wk->nnode && !hit; k++)
			hit = wk->node[k].mp.boundary[0] != '\0' &&
			    line_collides(t + i, e - i, wk->node[k].mp.boundary);
		if (hit) {
			buf_putc(out, ' ');
			changed = 1;
		}
		buf_append(out, t + i, (e < n ? e + 1 : e) - i);
	}
	return (out->overflow ? -1 : changed);
}

/*
 * same_shape - the rewritten body splits as the original did: the same
 * number of top-level parts, closed alike, and the bytes from the second
 * part on unchanged.  The last word on any delimiter an insertion or a
 * re-encoding could have made.
 */
static int
same_shape(const char *ctype, const struct mime_multipart *orig,
    const struct buf *out)
{
	struct mime_multipart *mp;
	int	 ok, k;

	if ((mp = malloc(sizeof(*mp))) == NULL)
		return (0);
	ok = mime_split_multipart(ctype, out->data ? out->data : "", out->len,
	    mp) == 0 && mp->nparts == orig->nparts && mp->closed == orig->closed;
	for (k = 1; ok && k < orig->nparts; k++)
		ok = mp->part[k].len == orig->part[k].len &&
		    memcmp(mp->part[k].start, orig->part[k].start,
		    orig->part[k].len) == 0;
	free(mp);
	return (ok);
}

/* rewrite_body_hint - every text part a reader is shown, with the hint */
enum rewrite_status
rewrite_body_hint(const char *ctype, const char *body, size_t len,
    const struct rewrite_hint *h, size_t max, struct buf *out)
{
	struct rw_walk *wk;
	const struct mime_part *p;
	struct rewrite_hint hs;
	struct buf safe;
	struct rw w;
	enum rewrite_status st, first = REWRITE_OK;
	const char *eol, *pos = body, *rest, *end = body + len;
	int	 i, done = 0;

	buf_reset(out);
	if (len > max || h->len > max)
		return (REWRITE_TOO_LARGE);
	if (ctype == NULL)
		return (REWRITE_NOT_REPORT);
	ctype += strspn(ctype, " \t");
	if (strlen(ctype) < 10 || text_casecmp_n(ctype, "multipart/", 10) != 0)
		return (REWRITE_NOT_REPORT);
	if (!text_utf8_valid(h->text, h->len))
		return (REWRITE_ERROR);
	if ((wk = malloc(sizeof(*wk))) == NULL)
		return (REWRITE_ERROR);
	w.out = out;
	w.max = max;
	w.st = walk_collect(wk, ctype, body, len);
	buf_init(&safe, sat_add(sat_mul(h->len, 2), 2));
	if (w.st == REWRITE_OK) {
		switch (hint_defuse(wk, h->text, h->len, &safe)) {
		case -1:
			w.st = REWRITE_ERROR;
			break;
		case 1:
			hs = *h;
			hs.text = safe.data;
			hs.len = safe.len;
			h = &hs;
			break;
		}
	}
	eol = mime_eol(body, len);
	for (i = 0; i < wk->nleaf && w.st == REWRITE_OK; i++) {
		p = wk->leaf[i];
		rw_put(&w, pos, (size_t)(p->start - pos));
		pos = p->start + p->len;
		if (w.st != REWRITE_OK)
			break;
		st = leaf_put(&w, p, wk->html[i], h, eol);
		if (st == REWRITE_TOO_LARGE || st == REWRITE_ERROR) {
			w.st = st;
			break;
		}
		if (st != REWRITE_OK) {
			/* this part passes as it was; the others may not */
			if (first == REWRITE_OK || first == REWRITE_ALREADY)
				first = st;
			rw_put(&w, p->start, p->len);
			continue;
		}
		done++;
		/*
		 * The next delimiter's line break, unless the part was
		 * empty and the previous delimiter line's break doubled
		 * as it.
		 */
		rest = pos;
		if (rest < end && *rest != '\n' && !(*rest == '\r' &&
		    rest + 1 < end && rest[1] == '\n'))
			rw_puts(&w, eol);
	}
	rw_put(&w, pos, (size_t)(end - pos));
	if (w.st == REWRITE_OK && done == 0)
		w.st = first;
	if (w.st == REWRITE_OK && !same_shape(ctype, &wk->node[0].mp, out))
		w.st = REWRITE_UNSUPPORTED;
	buf_free(&safe);
	free(wk);
	if (w.st != REWRITE_OK)
		buf_reset(out);
	return (w.st);
}

/* rewrite_body - the hint alone, without language or direction */
enum rewrite_status
rewrite_body(const char *ctype, const char *body, size_t len,
    const char *hint, size_t hint_len, size_t max, struct buf *out)
{
	struct rewrite_hint h = { hint, hint_len, NULL, 0 };

	return (rewrite_body_hint(ctype, body, len, &h, max, out));
}

/* token_lower - the first token of a header value, lower case */
static void
token_lower(const char *v, char *out, size_t outlen)
{
	size_t	 o = 0;

	if (v != NULL) {
		v += strspn(v, " \t");
		for (; *v != '\0' && *v != ' ' && *v != '\t' && *v != '(' &&
		    *v != ';' && o + 1 < outlen; v++)
			out[o++] = (char)(*v >= 'A' && *v <= 'Z' ? *v + 32 :
			    *v);
	}
	out[o] = '\0';
}

/* rewrite_text_hint - a single-part text/plain body with the hint on top */
enum rewrite_status
rewrite_text_hint(const char *ctype, const char *cte, const char *clang,
    const char *body, size_t len, const struct rewrite_hint *h, size_t max,
    struct buf *out, struct rewrite_top *top)
{
	struct mime_part p;
	struct rw_plan pl;
	struct rw w;
	char	 cs[REWRITE_CTYPE_MAX];
	size_t	 i;

	buf_reset(out);
	memset(top, 0, sizeof(*top));
	if (len > max || h->len > max)
		return (REWRITE_TOO_LARGE);
	if (ctype == NULL)
		ctype = "";
	if (ctype[strspn(ctype, " \t")] != '\0' &&
	    !mime_type_is(ctype, "text/plain"))
		return (REWRITE_NOT_REPORT);
	if (!text_utf8_valid(h->text, h->len))
		return (REWRITE_ERROR);
	memset(&p, 0, sizeof(p));
	/*
	 * A parameter is never longer than the value holding it, so -1
	 * from a value shorter than cs means "absent"; otherwise it may
	 * be a charset too long to name anything we know.
	 */
	if (mime_param(ctype, "charset", cs, sizeof(cs)) < 0)
		text_copy(cs, sizeof(cs), "x-unknown",
		    strlen(ctype) < sizeof(cs) ? 0 : 9);
	if (strlen(cs) >= sizeof(p.charset))
		text_copy(cs, sizeof(cs), "x-unknown", 9);
	for (i = 0; cs[i] != '\0'; i++)
		p.charset[i] = (char)(cs[i] >= 'A' && cs[i] <= 'Z' ?
		    cs[i] + 32 : cs[i]);
	token_lower(cte, p.cte, sizeof(p.cte));
	memset(&pl, 0, sizeof(pl));
	w.out = out;
	w.max = max;
	w.st = REWRITE_OK;
	if (legacy_ok(&p, 0)) {
		w.st = legacy_check(p.cte, p.charset, body, len, h, &pl);
		text_put(&w, &pl, p.cte, body, len, h->text, h->len,
		    mime_eol(body, len));
	} else {
		utf8_put(&w, &pl, p.cte, p.charset, 0, body, len, h,
		    mime_eol(body, len));
		/*
		 * No delimiter follows: the last line ends here.  In
		 * quoted-printable with a soft break, so that a text without
		 * a final line break does not gain one (fuzz_rewrite).
		 */
		if (out->len > 0 && out->data[out->len - 1] != '\n') {
			if (pl.set_cte != NULL &&
			    strcmp(pl.set_cte, "quoted-printable") == 0)
				rw_puts(&w, "=");
			rw_puts(&w, mime_eol(body, len));
		}
	}
	if (w.st == REWRITE_OK) {
		if (pl.set_charset)
			top->ctype = "text/plain; charset=utf-8";
		top->cte = pl.set_cte;
		if (h->lang != NULL)
			lang_value(h->lang, clang, top->lang,
			    sizeof(top->lang));
	} else {
		buf_reset(out);
		memset(top, 0, sizeof(*top));
	}
	return (w.st);
}

/* rewrite_text - the hint alone, without language */
enum rewrite_status
rewrite_text(const char *ctype, const char *cte, const char *body,
    size_t len, const char *hint, size_t hint_len, size_t max,
    struct buf *out, const char **new_ctype, const char **new_cte)
{
	struct rewrite_hint h = { hint, hint_len, NULL, 0 };
	struct rewrite_top top;
	enum rewrite_status st;

	st = rewrite_text_hint(ctype, cte, NULL, body, len, &h, max, out,
	    &top);
	*new_ctype = top.ctype;
	*new_cte = top.cte;
	return (st);
}

/* rewrite_strerror - a status for a log line */
const char *
rewrite_strerror(enum rewrite_status st)
{
	switch (st) {
	case REWRITE_OK:
		return ("rewritten");
	case REWRITE_NOT_REPORT:
		return ("not a report we understand");
	case REWRITE_TOO_LARGE:
		return ("message too large");
	case REWRITE_UNSUPPORTED:
		return ("unsupported charset or encoding");
	case REWRITE_ERROR:
		return ("internal error");
	case REWRITE_ALREADY:
		return ("hint already present");
	}
	return ("unknown status");
}
