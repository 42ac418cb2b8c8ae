/*
 * mime.h - just enough MIME to find the parts of a multipart/report
 *
 * No part is copied: every pointer points into the caller's input, and
 * every length keeps it inside.  Line ends may be LF or CRLF (a milter
 * sees CRLF, a file on disk has LF); lone CR is treated as data.
 */
#ifndef RH_MIME_H
#define RH_MIME_H

#include <stddef.h>

#define MIME_BOUNDARY_MAX	70	/* RFC 2046 5.1.1 */
#define MIME_MAX_PARTS		16	/* a report has 2 or 3; more is refused */

/*
 * mime_split_message - find the end of the header block of a whole
 * message.  Sets *hdr_len to the header bytes (without the empty line)
 * and *body to the first byte after the empty line.  Returns 0, or -1
 * when there is no empty line.
 */
int	mime_split_message(const char *msg, size_t len, size_t *hdr_len,
	    const char **body);

/*
 * mime_header_get - unfolded value of the first header named name
 * (case-insensitive) in a header block; leading white space removed,
 * folds joined with one space, CR/LF/NUL never copied.  Returns the
 * value length, or -1 when absent.  out is always terminated.  An
 * unindented "name=value" line after the field is read as a fold too
 * (Exchange writes its boundary parameter so).
 */
int	mime_header_get(const char *hdrs, size_t len, const char *name,
	    char *out, size_t outlen);

/*
 * mime_header_find, mime_header_at - several headers of one block: the
 * line where each of names[0..n) first starts a field (SIZE_MAX when
 * absent; at most MIME_FIND_MAX names), found in one walk, then each
 * value read from its line as mime_header_get reads it, with the same
 * result
 */
#define MIME_FIND_MAX	8
void	mime_header_find(const char *hdrs, size_t len,
	    const char *const names[], int n, size_t at[]);
int	mime_header_at(const char *hdrs, size_t len, size_t at,
	    const char *name, char *out, size_t outlen);

/*
 * mime_field_end - offset just past the header field that starts at
 * offset i of hdrs: its first line and its folds, with the same leniency
 * as mime_header_get.
 */
size_t	mime_field_end(const char *hdrs, size_t len, size_t i);

/*
 * mime_param - a parameter of a structured header value
 * ("multipart/report; report-type=delivery-status; boundary=\"x\""),
 * unquoted.  Returns the length, or -1 when absent or too long.
 */
int	mime_param(const char *value, const char *param, char *out,
	    size_t outlen);

/* mime_type_is - the value's media type (before ';') equals type, ignoring case */
int	mime_type_is(const char *value, const char *type);

struct mime_part {
	const char *start;	/* first byte of the part's header block */
	size_t	 len;		/* header + empty line + body, up to (not
				 * including) the line break before the
				 * next delimiter */
	const char *body;	/* first byte after the part's empty line */
	size_t	 body_len;
	size_t	 hdr_len;	/* header bytes without the empty line */
	char	 ctype[128];	/* Content-Type value, "" when absent */
	char	 cte[32];	/* Content-Transfer-Encoding, lower case, "" when absent */
	char	 charset[40];	/* lower case, "" when absent */
};

struct mime_multipart {
	char	 boundary[MIME_BOUNDARY_MAX + 1];
	const char *preamble;	/* body start up to the first delimiter line */
	size_t	 preamble_len;
	int	 nparts;
	struct mime_part part[MIME_MAX_PARTS];
	const char *epilogue;	/* first byte of the close-delimiter line */
	size_t	 epilogue_len;	/* up to the end of the input */
	int	 closed;	/* a close delimiter "--b--" was found */
};

/*
 * mime_split_multipart - split a multipart body by the boundary of
 * ctype (the top-level Content-Type value).  Does not descend into
 * nested parts (no recursion at all).  Returns 0, or -1 when ctype has
 * no usable boundary, no delimiter is found, or there are more than
 * MIME_MAX_PARTS parts.
 */
int	mime_split_multipart(const char *ctype, const char *body, size_t len,
	    struct mime_multipart *);

/*
 * mime_decode_body - decode a part body into out according to cte
 * ("7bit", "8bit", "binary", "quoted-printable", "base64", or "").
 * Returns 0, or -1 for an unknown encoding or when out overflows.
 */
struct buf;
int	mime_decode_body(const char *cte, const char *body, size_t len,
	    struct buf *out);

/*
 * mime_qp_encode - quoted-printable encode (RFC 2045 6.7) with soft
 * breaks so no line exceeds 76 characters; eol is "\n" or "\r\n".  A
 * last line without a line break is at most 75, so that a soft break
 * "=" eol can still end it.
 */
int	mime_qp_encode(const char *in, size_t len, const char *eol,
	    struct buf *out);

/*
 * mime_b64_encode - base64 (RFC 2045 6.8) in lines of 76 characters
 * separated by eol; the last line has none (like mime_qp_encode's
 * output, it ends where the next delimiter's line break begins).
 */
int	mime_b64_encode(const char *in, size_t len, const char *eol,
	    struct buf *out);

/* mime_eol - "\r\n" when the first line break in s is CRLF, else "\n" */
const char *mime_eol(const char *s, size_t len);

#endif
