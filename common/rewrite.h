/*
 * rewrite.h - insert a hint at the top of a report's human-readable part
 */
#ifndef RH_REWRITE_H
#define RH_REWRITE_H

#include <stddef.h>

struct buf;

enum rewrite_status {
	REWRITE_OK = 0,		/* out holds the new body */
	REWRITE_NOT_REPORT,	/* not a multipart we understand: pass unchanged */
	REWRITE_TOO_LARGE,	/* over the size limit: pass unchanged */
	REWRITE_UNSUPPORTED,	/* first part's charset or encoding cannot take
				 * the hint (e.g. iso-8859-1 8bit): pass unchanged */
	REWRITE_ERROR,		/* out of memory or internal error: pass unchanged */
	REWRITE_ALREADY		/* every text part already has the hint */
};

/* The hint as rewrite_*_hint insert it. */
struct rewrite_hint {
	const char *text;	/* UTF-8, LF line ends, as hint_render writes */
	size_t	 len;
	const char *lang;	/* its language tag for Content-Language and
				 * the HTML lang attribute; NULL: neither */
	int	 rtl;		/* the language is written right to left */
};

/*
 * rewrite_body_hint - rewrite_body for every text part a reader may be
 * shown: the first part of the top-level multipart and, when that is a
 * multipart/alternative, related or mixed (nested at most
 * REWRITE_DEPTH_MAX deep, walked without recursion), every text/plain
 * and text/html alternative in it (of related and mixed: the first
 * part).  A text/plain part gets the hint on top, a text/html part a
 * block of HTML first in its <body> (html.c).  A part in a charset other
 * than us-ascii or UTF-8 is decoded (charset.c) and written back as
 * UTF-8, quoted-printable or base64, whichever is shorter for its text,
 * with its Content-Type charset and Content-Transfer-Encoding changed to
 * match; a part that does not decode cleanly is left exactly as it was.
 * With h->lang, each rewritten part gets a Content-Language field.  A
 * part that already starts with the hint (or an HTML part holding our
 * marker) is left alone; when that is every part, REWRITE_ALREADY.
 * Every byte outside the rewritten parts is copied unchanged.
 */
enum rewrite_status rewrite_body_hint(const char *ctype, const char *body,
	    size_t len, const struct rewrite_hint *h, size_t max,
	    struct buf *out);

/* What the top-level header block needs after rewrite_text_hint. */
struct rewrite_top {
	const char *ctype;	/* non-NULL: the new Content-Type value */
	const char *cte;	/* non-NULL: the new C-T-E value */
	char	 lang[64];	/* non-empty: the new Content-Language value */
};

/*
 * rewrite_text_hint - rewrite_text with the charsets, Content-Language and
 * idempotence of rewrite_body_hint; clang is the message's
 * Content-Language value or NULL.
 */
enum rewrite_status rewrite_text_hint(const char *ctype, const char *cte,
	    const char *clang, const char *body, size_t len,
	    const struct rewrite_hint *h, size_t max, struct buf *out,
	    struct rewrite_top *top);

/*
 * rewrite_body - given the top-level Content-Type value and the body of a
 * multipart message (multipart/report or, for Exim's text bounces, any
 * multipart whose first part is text/plain), produce in out a new body
 * whose first part starts with hint (UTF-8 text, LF line ends; converted
 * to the body's line-end style).  The first part is re-encoded as UTF-8
 * quoted-printable when the hint is not ASCII and the part is 7bit; every
 * byte from the delimiter line of the second part to the end (the DSN part,
 * the returned message, the epilogue) is copied unchanged, as are the
 * preamble and the boundary.  max bounds both input and output size.
 * On any status but REWRITE_OK, out is left empty.
 */
enum rewrite_status rewrite_body(const char *ctype, const char *body,
	    size_t len, const char *hint, size_t hint_len, size_t max,
	    struct buf *out);

/*
 * rewrite_text - the same for a single-part text/plain message body
 * (Exim's non-DSN bounces and warnings): ctype and cte are the top-level
 * values.  Only ASCII or UTF-8 8bit bodies are changed; when the hint is
 * not ASCII and the body is 7bit, the body is re-encoded as quoted-printable
 * and *new_cte / *new_ctype tell the caller which headers to replace.
 */
enum rewrite_status rewrite_text(const char *ctype, const char *cte,
	    const char *body, size_t len, const char *hint, size_t hint_len,
	    size_t max, struct buf *out, const char **new_ctype,
	    const char **new_cte);

const char *rewrite_strerror(enum rewrite_status);

#endif
