/*
 * rewrite.c - insert a hint at the top of a report's human-readable part
 *
 * Functions: rewrite_body, rewrite_text, rewrite_strerror.
 *
 * The promise to the mail administrator is that we add text and change
 * nothing else: the preamble, the boundary and every byte from the line
 * break before the second delimiter to the end (the delivery-status
 * part, the returned message, the epilogue) are copied unchanged, so a
 * DSN parser downstream sees exactly what the MTA wrote.  Only the first
 * part changes: the hint goes in front of its text, and when the hint
 * cannot travel in the part's encoding (UTF-8 into a 7bit part) the text
 * is re-encoded as UTF-8 quoted-printable and the part's Content-Type and
 * Content-Transfer-Encoding lines are rewritten; its other header lines
 * stay as they were.  The hint's LF line ends follow the body's style.
 *
 * Limits: the first part must be text/plain in us-ascii or UTF-8; any
 * other charset is refused rather than mislabelled.  Input and output
 * are bounded by the caller's max; intermediate buffers are bounded by
 * a small multiple of it.  On any failure the caller's buffer is left
 * empty and the message must pass unchanged.  Nothing is logged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mime.h"
#include "rewrite.h"
#include "text.h"

#define REWRITE_CTYPE_MAX	1024	/* longest part Content-Type we edit */

/* Output in progress: the first failure sticks. */
struct rw {
	struct buf *out;
	size_t	 max;
	enum rewrite_status st;
	const char *bnd;	/* no inserted line may imitate its delimiter */
};

/* How the hint goes into the text, decided before anything is written. */
struct rw_plan {
	int	 reencode;	/* decode, prepend, encode as QP */
	int	 set_charset;	/* the part's charset must become utf-8 */
	const char *set_cte;	/* new Content-Transfer-Encoding, or NULL */
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

/* text_collides - some line of s collides with boundary b */
static int
text_collides(const char *s, size_t n, const char *b)
{
	const char *nl;
	size_t	 i, e;

	for (i = 0; i < n; i = e + 1) {
		nl = memchr(s + i, '\n', n - i);
		e = nl == NULL ? n : (size_t)(nl - s);
		if (line_collides(s + i, e - i - (e > i && s[e - 1] == '\r'),
		    b))
			return (1);
	}
	return (0);
}

/*
 * hint_copy - the hint with line breaks as eol, lone CR and NUL dropped
 * (they could end a header or a line early downstream), and a final
 * line break so that the original text starts on a line of its own.
 * A line that would read as a delimiter of boundary b (a separator of
 * dashes under a boundary of dashes) is indented by one space.
 */
static int
hint_copy(const char *hint, size_t n, const char *eol, const char *bnd,
    struct buf *b)
{
	const char *nl;
	size_t	 i, elen = strlen(eol);

	for (i = 0; i < n; i++) {
		if ((i == 0 || hint[i - 1] == '\n') && bnd != NULL) {
			nl = memchr(hint + i, '\n', n - i);
			if (line_collides(hint + i, nl == NULL ? n - i :
			    (size_t)(nl - (hint + i)), bnd))
				buf_append(b, " ", 1);
		}
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
	if (hint_copy(hint, hint_len, pl->reencode ? "\n" : eol, w->bnd,
	    &txt) < 0) {
		w->st = REWRITE_ERROR;
		buf_free(&txt);
		return;
	}
	if (!pl->reencode) {
		/* the check that stands behind hint_copy's indent */
		if (w->bnd != NULL && text_collides(txt.data, txt.len, w->bnd))
			w->st = REWRITE_UNSUPPORTED;
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
	else if (w->bnd != NULL && text_collides(enc.data, enc.len, w->bnd))
		w->st = REWRITE_UNSUPPORTED;	/* every line here is new */
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

/* headers_put - the first part's header block, edited where the plan says */
static void
headers_put(struct rw *w, const struct mime_part *p,
    const struct rw_plan *pl, const char *eol)
{
	const char *h = p->start, *nl;
	char	 v[REWRITE_CTYPE_MAX];
	size_t	 hl = p->hdr_len, i, e;
	int	 n, did_ct = 0, did_cte = 0, unended = 0;

	if (pl->set_charset) {
		n = mime_header_get(h, hl, "Content-Type", v, sizeof(v));
		/* a value we cannot see whole is not one we may edit */
		if (n >= 0 && (size_t)n + 1 >= sizeof(v)) {
			w->st = REWRITE_UNSUPPORTED;
			return;
		}
	}
	for (i = 0; i < hl; i = e) {
		/* a field is its first line and its continuation lines */
		e = i;
		do {
			nl = memchr(h + e, '\n', hl - e);
			e = nl == NULL ? hl : (size_t)(nl - h) + 1;
		} while (e < hl && (h[e] == ' ' || h[e] == '\t'));
		unended = 0;
		if (pl->set_charset && !did_ct &&
		    field_is(h + i, e - i, "Content-Type")) {
			ctype_put(w, v, eol);
			did_ct = 1;
		} else if (pl->set_cte != NULL && !did_cte &&
		    field_is(h + i, e - i, "Content-Transfer-Encoding")) {
			cte_put(w, pl->set_cte, eol);
			did_cte = 1;
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
	/* the empty line as it was, or one where the part had none */
	if (p->body > h + hl)
		rw_put(w, h + hl, (size_t)(p->body - (h + hl)));
	else
		rw_puts(w, eol);
}

/* rewrite_body - a multipart body with the hint atop its first part */
enum rewrite_status
rewrite_body(const char *ctype, const char *body, size_t len,
    const char *hint, size_t hint_len, size_t max, struct buf *out)
{
	struct mime_multipart *mp;
	const struct mime_part *p;
	struct rw_plan pl;
	struct rw w;
	const char *eol, *rest, *end = body + len;

	buf_reset(out);
	if (len > max || hint_len > max)
		return (REWRITE_TOO_LARGE);
	if (ctype == NULL)
		return (REWRITE_NOT_REPORT);
	ctype += strspn(ctype, " \t");
	if (strlen(ctype) < 10 || text_casecmp_n(ctype, "multipart/", 10) != 0)
		return (REWRITE_NOT_REPORT);
	if (!text_utf8_valid(hint, hint_len))
		return (REWRITE_ERROR);
	if ((mp = malloc(sizeof(*mp))) == NULL)
		return (REWRITE_ERROR);
	w.out = out;
	w.max = max;
	w.st = REWRITE_OK;
	w.bnd = mp->boundary;
	p = &mp->part[0];
	if (mime_split_multipart(ctype, body, len, mp) < 0 || mp->nparts < 2)
		w.st = REWRITE_NOT_REPORT;
	else if (p->ctype[0] != '\0' && !mime_type_is(p->ctype, "text/plain"))
		w.st = REWRITE_UNSUPPORTED;
	else
		w.st = plan_make(p->cte, p->charset,
		    text_is_ascii(hint, hint_len), &pl);
	if (w.st == REWRITE_OK) {
		eol = mime_eol(body, len);
		/* preamble and first delimiter line */
		rw_put(&w, body, (size_t)(p->start - body));
		headers_put(&w, p, &pl, eol);
		text_put(&w, &pl, p->cte, p->body, p->body_len, hint,
		    hint_len, eol);
		/*
		 * The next delimiter's line break, unless the part was
		 * empty and the previous delimiter line's break doubled
		 * as it.
		 */
		rest = p->start + p->len;
		if (rest < end && *rest != '\n' && !(*rest == '\r' &&
		    rest + 1 < end && rest[1] == '\n'))
			rw_puts(&w, eol);
		rw_put(&w, rest, (size_t)(end - rest));
	}
	free(mp);
	if (w.st != REWRITE_OK)
		buf_reset(out);
	return (w.st);
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

/* rewrite_text - a single-part text/plain body with the hint on top */
enum rewrite_status
rewrite_text(const char *ctype, const char *cte, const char *body,
    size_t len, const char *hint, size_t hint_len, size_t max,
    struct buf *out, const char **new_ctype, const char **new_cte)
{
	struct rw_plan pl;
	struct rw w;
	char	 cs[REWRITE_CTYPE_MAX], lcs[40], m[32];
	size_t	 i;

	buf_reset(out);
	*new_ctype = *new_cte = NULL;
	if (len > max || hint_len > max)
		return (REWRITE_TOO_LARGE);
	if (ctype == NULL)
		ctype = "";
	if (ctype[strspn(ctype, " \t")] != '\0' &&
	    !mime_type_is(ctype, "text/plain"))
		return (REWRITE_NOT_REPORT);
	if (!text_utf8_valid(hint, hint_len))
		return (REWRITE_ERROR);
	/*
	 * A parameter is never longer than the value holding it, so -1
	 * from a value shorter than cs means "absent"; otherwise it may
	 * be a charset too long to name anything we know.
	 */
	if (mime_param(ctype, "charset", cs, sizeof(cs)) < 0)
		text_copy(cs, sizeof(cs), "x-unknown",
		    strlen(ctype) < sizeof(cs) ? 0 : 9);
	if (strlen(cs) >= sizeof(lcs))
		text_copy(cs, sizeof(cs), "x-unknown", 9);
	for (i = 0; cs[i] != '\0'; i++)
		lcs[i] = (char)(cs[i] >= 'A' && cs[i] <= 'Z' ? cs[i] + 32 :
		    cs[i]);
	lcs[i] = '\0';
	token_lower(cte, m, sizeof(m));
	w.out = out;
	w.max = max;
	w.bnd = NULL;		/* not multipart: no delimiter to imitate */
	w.st = plan_make(m, lcs, text_is_ascii(hint, hint_len), &pl);
	if (w.st == REWRITE_OK) {
		text_put(&w, &pl, m, body, len, hint, hint_len,
		    mime_eol(body, len));
		if (pl.set_charset)
			*new_ctype = "text/plain; charset=utf-8";
		*new_cte = pl.set_cte;
	}
	if (w.st != REWRITE_OK) {
		buf_reset(out);
		*new_ctype = *new_cte = NULL;
	}
	return (w.st);
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
	}
	return ("unknown status");
}
