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
	REWRITE_ERROR		/* out of memory or internal error: pass unchanged */
};

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
