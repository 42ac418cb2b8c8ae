/*
 * mime.c - just enough MIME to find the parts of a multipart/report
 *
 * Functions: mime_split_message, mime_header_get, mime_param,
 * mime_type_is, mime_split_multipart, mime_decode_body, mime_qp_encode,
 * mime_b64_encode, mime_eol, mime_field_end.
 *
 * A bounce is untrusted input: a remote server chose much of its text,
 * and a local user can forge one outright.  So nothing here assumes a
 * NUL terminator on message bytes, nothing reads past the given length,
 * nothing recurses, and every copy is bounded by the caller's buffer
 * (fixed arrays or a struct buf with its hard max).  Header values come
 * out with CR, LF and NUL removed, so they are safe to write back into
 * a header.
 *
 * Limits: only the top level of a multipart is split; nested parts are
 * opaque bytes.  At most MIME_MAX_PARTS parts, a boundary of at most
 * MIME_BOUNDARY_MAX bytes; RFC 2231 parameter continuations are not
 * decoded.  A part's Content-Type is read through a 1 KiB window; a
 * longer one yields charset "x-unknown" so that nobody guesses.
 * Nothing is logged.
 */
#include <stdint.h>
#include <string.h>

#include "budget.h"
#include "buf.h"
#include "mime.h"
#include "simd.h"
#include "text.h"

#define MIME_VALUE_MAX	1024	/* window for a part's Content-Type */
#define QP_LINE_MAX	76	/* RFC 2045 6.7 rule 5 */

/* lower - ASCII tolower without locale */
static inline int
lower(int c)
{
	return (c >= 'A' && c <= 'Z' ? c + 32 : c);
}

/* is_wsp - RFC 5322 WSP */
static inline int
is_wsp(int c)
{
	return (c == ' ' || c == '\t');
}

/* next_line - offset just past the LF that ends the line at i, or len */
static size_t
next_line(const char *s, size_t len, size_t i)
{
	const char *nl;

	if (i >= len)
		return (len);
	nl = memchr(s + i, '\n', len - i);
	return (nl == NULL ? len : (size_t)(nl - s) + 1);
}

/* eol_len - 2 for CRLF, 1 for LF, 0 when s does not start a line break */
static size_t
eol_len(const char *s, size_t len)
{
	if (len >= 1 && s[0] == '\n')
		return (1);
	if (len >= 2 && s[0] == '\r' && s[1] == '\n')
		return (2);
	return (0);
}

/*
 * param_line - the line is "name=value" without the leading white space
 * of a fold.  Exchange writes "Content-Type: multipart/alternative;" and
 * "boundary=..." on the next line unindented; no field name holds '=',
 * so such a line can only be the value's continuation.
 */
static int
param_line(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n && ((s[i] >= 'a' && s[i] <= 'z') ||
	    (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
	    s[i] == '-' || s[i] == '_' || s[i] == '*'); i++)
		;
	return (i > 0 && i < n && s[i] == '=');
}

/* mime_field_end - offset past the field that starts at i, folds included */
size_t
mime_field_end(const char *hdrs, size_t len, size_t i)
{
	size_t	 e = next_line(hdrs, len, i), n;

	while (e < len) {
		n = next_line(hdrs, len, e) - e;
		if (eol_len(hdrs + e, n) == n || !(is_wsp(hdrs[e]) ||
		    param_line(hdrs + e, n)))
			break;
		e += n;
	}
	return (e);
}

/* mime_split_message - header block and body of a whole message */
int
mime_split_message(const char *msg, size_t len, size_t *hdr_len,
    const char **body)
{
	size_t	 i, n;

	for (i = 0; i < len; i = next_line(msg, len, i)) {
		if ((n = eol_len(msg + i, len - i)) > 0) {
			*hdr_len = i;
			*body = msg + i + n;
			return (0);
		}
	}
	return (-1);
}

/* line_content_end - the end of the line [i, e) without its CR and LF */
static size_t
line_content_end(const char *s, size_t i, size_t e)
{
	while (e > i && (s[e - 1] == '\n' || s[e - 1] == '\r'))
		e--;
	return (e);
}

/*
 * field_colon - the offset of the ':' when the line [i, ce) starts a
 * field called name (nlen bytes, any case, blanks before the colon),
 * else SIZE_MAX
 */
static size_t
field_colon(const char *hdrs, size_t i, size_t ce, const char *name,
    size_t nlen)
{
	size_t	 j;

	/*
	 * most fields differ in their first byte already, and most of the
	 * rest in the byte after the name ("Content-" starts many)
	 */
	if (is_wsp(hdrs[i]) || ce - i <= nlen ||
	    ((hdrs[i] ^ name[0]) & ~0x20) != 0 ||
	    (hdrs[i + nlen] != ':' && !is_wsp(hdrs[i + nlen])) ||
	    text_casecmp_n(hdrs + i, name, nlen) != 0)
		return (SIZE_MAX);
	for (j = i + nlen; j < ce && is_wsp(hdrs[j]); j++)
		;
	return (j < ce && hdrs[j] == ':' ? j : SIZE_MAX);
}

/* mime_header_get - unfolded value of the first header called name */
int
mime_header_get(const char *hdrs, size_t len, const char *name, char *out,
    size_t outlen)
{
	size_t	 nlen = strlen(name), i, e, ce, j, n, k, o = 0;
	int	 found = 0;

	if (outlen > 0)
		out[0] = '\0';
	for (i = 0; i < len; i = e) {
		e = next_line(hdrs, len, i);
		/*
		 * Most lines are another field: a first byte other than the
		 * name's (and than the CR or LF of the empty line that ends
		 * the block) needs nothing more.
		 */
		if (!found && hdrs[i] != '\n' && hdrs[i] != '\r' &&
		    ((hdrs[i] ^ name[0]) & ~0x20) != 0)
			continue;
		ce = line_content_end(hdrs, i, e);
		if (eol_len(hdrs + i, e - i) == e - i)
			break;		/* the empty line ends the block */
		if (found) {
			if (!is_wsp(hdrs[i]) && !param_line(hdrs + i, ce - i))
				break;		/* the next field */
			for (j = i; j < ce && is_wsp(hdrs[j]); j++)
				;
			if (j == ce)
				continue;
			/* a fold becomes one space */
			while (o > 0 && is_wsp(out[o - 1]))
				o--;
			if (o > 0 && o + 1 < outlen)
				out[o++] = ' ';
		} else {
			if ((j = field_colon(hdrs, i, ce, name, nlen)) ==
			    SIZE_MAX)
				continue;
			for (j++; j < ce && is_wsp(hdrs[j]); j++)
				;
			found = 1;
		}
		/* never let a line break or NUL into a value */
		while (j < ce && o + 1 < outlen) {
			n = ce - j < outlen - 1 - o ? ce - j : outlen - 1 - o;
			k = text_next_of3(hdrs + j, n, 0, '\r', '\n', '\0');
			memcpy(out + o, hdrs + j, k);
			o += k;
			j += k < n ? k + 1 : k;
		}
	}
	if (budget_charge(i) || !found) {
		/* a value copied before the budget ran out is not kept */
		if (outlen > 0)
			out[0] = '\0';
		return (-1);
	}
	while (o > 0 && is_wsp(out[o - 1]))
		o--;
	if (outlen > 0)
		out[o] = '\0';
	return ((int)o);
}

/*
 * mime_header_find - the offset of the line where each of names[0..n)
 * first starts a field, SIZE_MAX where absent: the lines mime_header_get
 * would stop at, found in one walk over the block for all the names
 * instead of one walk each
 */
void
mime_header_find(const char *hdrs, size_t len, const char *const names[],
    int n, size_t at[])
{
	size_t	 nl[MIME_FIND_MAX], i, e, ce;
	int	 k, left = 0;

	for (k = 0; k < n; k++) {
		at[k] = SIZE_MAX;
		if (k < MIME_FIND_MAX) {
			nl[k] = strlen(names[k]);
			left++;
		}
	}
	for (i = 0; i < len && left > 0; i = e) {
		e = next_line(hdrs, len, i);
		if (hdrs[i] == '\n' || hdrs[i] == '\r') {
			if (eol_len(hdrs + i, e - i) == e - i)
				break;	/* the empty line ends the block */
			continue;
		}
		if (is_wsp(hdrs[i]))
			continue;
		ce = 0;
		for (k = 0; k < n && k < MIME_FIND_MAX; k++) {
			if (at[k] != SIZE_MAX ||
			    ((hdrs[i] ^ names[k][0]) & ~0x20) != 0)
				continue;
			if (ce == 0) {
				ce = line_content_end(hdrs, i, e);
			}
			if (field_colon(hdrs, i, ce, names[k], nl[k]) ==
			    SIZE_MAX)
				continue;
			at[k] = i;
			left--;
		}
	}
	/* a spent budget finds nothing, as mime_header_get */
	if (budget_charge(i))
		for (k = 0; k < n; k++)
			at[k] = SIZE_MAX;
}

/* mime_header_at - mime_header_get from the line at (mime_header_find) */
int
mime_header_at(const char *hdrs, size_t len, size_t at, const char *name,
    char *out, size_t outlen)
{
	if (at >= len) {
		if (outlen > 0)
			out[0] = '\0';
		return (-1);
	}
	return (mime_header_get(hdrs + at, len - at, name, out, outlen));
}

/* A parameter as found in a structured value: spans into the value. */
struct mime_pspan {
	size_t	 name, name_len;
	size_t	 val, val_len;
	int	 quoted;
};

/* skip_quoted - past the quoted-string whose '"' is at i */
static size_t
skip_quoted(const char *s, size_t i)
{
	for (i++; s[i] != '\0' && s[i] != '"'; i++)
		if (s[i] == '\\' && s[i + 1] != '\0')
			i++;
	return (s[i] == '"' ? i + 1 : i);
}

/* is_pwsp - white space between parameters: a raw folded header value
 * (as a milter gets it) keeps its CR and LF */
static inline int
is_pwsp(int c)
{
	return (is_wsp(c) || c == '\r' || c == '\n');
}

/* param_next - the next "name=value" at or after *pos; 0 at the end */
static int
param_next(const char *s, size_t *pos, struct mime_pspan *p)
{
	size_t	 i = *pos;

	for (;;) {
		while (s[i] == ';' || is_pwsp(s[i]))
			i++;
		if (s[i] == '\0') {
			*pos = i;
			return (0);
		}
		p->name = i;
		while (s[i] != '\0' && s[i] != '=' && s[i] != ';' &&
		    s[i] != '"' && !is_pwsp(s[i]))
			i++;
		p->name_len = i - p->name;
		while (is_pwsp(s[i]))
			i++;
		if (s[i] == '=' && p->name_len > 0) {
			for (i++; is_pwsp(s[i]); i++)
				;
			if (s[i] == '"') {
				p->quoted = 1;
				p->val = i + 1;
				i = skip_quoted(s, i);
				p->val_len = i - p->val;
				if (p->val_len > 0 && s[i - 1] == '"')
					p->val_len--;
			} else {
				p->quoted = 0;
				p->val = i;
				while (s[i] != '\0' && s[i] != ';' &&
				    !is_pwsp(s[i]) && s[i] != '"')
					i++;
				p->val_len = i - p->val;
			}
			/* junk after the value runs to the next ';' */
			while (s[i] != '\0' && s[i] != ';')
				i = s[i] == '"' ? skip_quoted(s, i) : i + 1;
			*pos = i;
			return (1);
		}
		/* not a parameter: skip it, quotes and all */
		while (s[i] != '\0' && s[i] != ';')
			i = s[i] == '"' ? skip_quoted(s, i) : i + 1;
	}
}

/* param_find - span of the first parameter called name; 0 when absent */
static int
param_find(const char *value, const char *name, struct mime_pspan *p)
{
	size_t	 pos, nlen = strlen(name);
	const char *semi;

	if (value == NULL || (semi = strchr(value, ';')) == NULL)
		return (0);
	pos = (size_t)(semi - value);
	while (param_next(value, &pos, p))
		if (p->name_len == nlen &&
		    text_casecmp_n(value + p->name, name, nlen) == 0)
			return (1);
	return (0);
}

/* mime_param - a parameter's value, quotes and backslashes removed */
int
mime_param(const char *value, const char *param, char *out, size_t outlen)
{
	struct mime_pspan p;
	size_t	 i, o = 0;

	if (outlen > 0)
		out[0] = '\0';
	if (!param_find(value, param, &p))
		return (-1);
	for (i = p.val; i < p.val + p.val_len; i++) {
		if (p.quoted && value[i] == '\\' && i + 1 < p.val + p.val_len)
			i++;
		if (o + 1 >= outlen) {
			if (outlen > 0)
				out[0] = '\0';
			return (-1);
		}
		out[o++] = value[i];
	}
	out[o] = '\0';
	return ((int)o);
}

/* mime_type_is - the media type before ';' is type, ignoring case */
int
mime_type_is(const char *value, const char *type)
{
	size_t	 n = strlen(type);

	if (value == NULL)
		return (0);
	while (is_wsp(*value))
		value++;
	if (strlen(value) < n || text_casecmp_n(value, type, n) != 0)
		return (0);
	value += n;
	while (is_wsp(*value))
		value++;
	return (*value == '\0' || *value == ';' || *value == '(');
}

/* is_multipart - a multipart/ media type */
static int
is_multipart(const char *value)
{
	while (is_wsp(*value))
		value++;
	return (strlen(value) >= 10 &&
	    text_casecmp_n(value, "multipart/", 10) == 0);
}

/*
 * delim_kind - 1 when the line at s (n bytes, with its LF) is a delimiter
 * line for b, 2 for the close delimiter, else 0.  RFC 2046 allows
 * linear white space after either; anything else makes it data.
 */
static int
delim_kind(const char *s, size_t n, const char *b, size_t blen)
{
	size_t	 j = 2 + blen;
	int	 kind = 1;

	if (n < j || s[0] != '-' || s[1] != '-' || memcmp(s + 2, b, blen) != 0)
		return (0);
	if (n >= j + 2 && s[j] == '-' && s[j + 1] == '-') {
		kind = 2;
		j += 2;
	}
	while (j < n && is_wsp(s[j]))
		j++;
	if (j == n || eol_len(s + j, n - j) == n - j)
		return (kind);
	return (0);
}

#ifdef SIMD_AVX2
/*
 * dash_avx2 - dash_line's search from the byte after a LF, i >= 1, 32
 * positions a step; the rest, fewer than 33 bytes, is left to the
 * caller (*at says where it stopped)
 */
__attribute__((target("avx2")))
static size_t
dash_avx2(const char *s, size_t len, size_t *at)
{
	const __m256i lf = _mm256_set1_epi8('\n'), da = _mm256_set1_epi8('-');
	size_t	 i = *at;
	unsigned m;

	for (; len - i > 32; i += 32) {
		m = (unsigned)_mm256_movemask_epi8(_mm256_and_si256(
		    _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_loadu_si256(
		    (const __m256i *)(const void *)(s + i - 1)), lf),
		    _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)
		    (const void *)(s + i)), da)),
		    _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)
		    (const void *)(s + i + 1)), da)));
		if (m != 0)
			return (i + (size_t)__builtin_ctz(m));
	}
	*at = i;
	return (SIZE_MAX);
}
#endif

/*
 * dash_line - the first line at or after the line start i that starts
 * with "--", or len.  Lines are not walked one by one: the three bytes
 * LF '-' '-' are looked for 16 positions at a time (32 with AVX2).
 */
static size_t
dash_line(const char *s, size_t len, size_t i)
{
#ifdef __SSE2__
	__m128i	 lf = _mm_set1_epi8('\n'), da = _mm_set1_epi8('-');
	unsigned m;
#endif
#ifdef SIMD_AVX2
	size_t	 d;
#endif

	if (i >= len)
		return (len);
	if (len - i >= 2 && s[i] == '-' && s[i + 1] == '-')
		return (i);
	/* from here on a line start is a byte after LF */
	i++;
#ifdef SIMD_AVX2
	if (len - i > 32 && simd_have_avx2() &&
	    (d = dash_avx2(s, len, &i)) != SIZE_MAX)
		return (d);
#endif
#ifdef __SSE2__
	for (; len - i > 16; i += 16) {
		m = (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_and_si128(
		    _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)
		    (const void *)(s + i - 1)), lf),
		    _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)
		    (const void *)(s + i)), da)),
		    _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)
		    (const void *)(s + i + 1)), da)));
		if (m != 0)
			return (i + (size_t)__builtin_ctz(m));
	}
#endif
	for (; i + 1 < len; i++)
		if (s[i - 1] == '\n' && s[i] == '-' && s[i + 1] == '-')
			return (i);
	return (len);
}

/* part_fill - header/body split and the few header values we need */
static void
part_fill(struct mime_part *p)
{
	char	 v[MIME_VALUE_MAX], cs[sizeof(p->charset)];
	struct mime_pspan ps;
	size_t	 hl, i;
	const char *b;
	int	 n;

	if (mime_split_message(p->start, p->len, &hl, &b) == 0) {
		p->hdr_len = hl;
		p->body = b;
		p->body_len = p->len - (size_t)(b - p->start);
	} else {
		/* RFC 2046: no empty line means headers only */
		p->hdr_len = p->len;
		p->body = p->start + p->len;
		p->body_len = 0;
	}
	p->ctype[0] = p->cte[0] = p->charset[0] = '\0';
	if ((n = mime_header_get(p->start, p->hdr_len, "Content-Type", v,
	    sizeof(v))) >= 0) {
		text_copy(p->ctype, sizeof(p->ctype), v, (size_t)n);
		if ((size_t)n + 1 >= sizeof(v))
			text_copy(p->charset, sizeof(p->charset), "x-unknown",
			    9);
		else if (param_find(v, "charset", &ps)) {
			if (mime_param(v, "charset", cs, sizeof(cs)) < 0)
				text_copy(cs, sizeof(cs), "x-unknown", 9);
			for (i = 0; cs[i] != '\0'; i++)
				p->charset[i] =
				    (char)lower((unsigned char)cs[i]);
			p->charset[i] = '\0';
		}
	}
	if ((n = mime_header_get(p->start, p->hdr_len,
	    "Content-Transfer-Encoding", v, sizeof(v))) >= 0) {
		/* the mechanism is one token; a comment may follow */
		for (i = 0; i < (size_t)n && i + 1 < sizeof(p->cte) &&
		    !is_wsp(v[i]) && v[i] != '(' && v[i] != ';'; i++)
			p->cte[i] = (char)lower((unsigned char)v[i]);
		p->cte[i] = '\0';
	}
}

/* mime_split_multipart - the top-level parts of a multipart body */
int
mime_split_multipart(const char *ctype, const char *body, size_t len,
    struct mime_multipart *mp)
{
	struct mime_part *p = NULL;
	size_t	 blen, i, e, end, pstart;
	int	 n, kind, seen = 0;

	memset(mp, 0, sizeof(*mp));
	mp->preamble = mp->epilogue = body;
	if (ctype == NULL || !is_multipart(ctype) || budget_charge(len))
		return (-1);
	n = mime_param(ctype, "boundary", mp->boundary, sizeof(mp->boundary));
	if (n <= 0)
		return (-1);
	blen = (size_t)n;
	for (i = 0; i < blen; i++)
		if ((unsigned char)mp->boundary[i] < 0x20 ||
		    mp->boundary[i] == 0x7f)
			return (-1);
	/* only a line that starts with "--" can be a delimiter */
	for (i = 0; (i = dash_line(body, len, i)) < len; i = e) {
		e = next_line(body, len, i);
		if ((kind = delim_kind(body + i, e - i, mp->boundary,
		    blen)) == 0)
			continue;
		if (!seen) {
			mp->preamble_len = i;
			seen = 1;
		}
		if (p != NULL) {
			/* the line break before a delimiter belongs to it */
			end = i;
			if (end > 0 && body[end - 1] == '\n') {
				end--;
				if (end > 0 && body[end - 1] == '\r')
					end--;
			}
			pstart = (size_t)(p->start - body);
			p->len = end > pstart ? end - pstart : 0;
			p = NULL;
		}
		if (kind == 2) {
			mp->closed = 1;
			mp->epilogue = body + i;
			mp->epilogue_len = len - i;
			break;
		}
		if (mp->nparts >= MIME_MAX_PARTS)
			return (-1);
		p = &mp->part[mp->nparts++];
		p->start = body + e;
	}
	if (!seen)
		return (-1);
	if (p != NULL) {
		/* no close delimiter: the last part runs to the end */
		p->len = len - (size_t)(p->start - body);
		mp->epilogue = body + len;
		mp->epilogue_len = 0;
	}
	for (n = 0; n < mp->nparts; n++)
		part_fill(&mp->part[n]);
	return (0);
}

/* cte_norm - the mechanism of a Content-Transfer-Encoding value, lower case */
static void
cte_norm(const char *cte, char *out, size_t outlen)
{
	size_t	 o = 0;

	if (cte != NULL) {
		while (is_wsp(*cte))
			cte++;
		for (; *cte != '\0' && !is_wsp(*cte) && *cte != '(' &&
		    *cte != ';' && o + 1 < outlen; cte++)
			out[o++] = (char)lower((unsigned char)*cte);
	}
	out[o] = '\0';
}

/* hexval - value of a hex digit, or -1 */
static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	c = lower(c);
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	return (-1);
}

/*
 * qp_decode - RFC 2045 6.7, lenient about what encoders get wrong.
 * Bytes are copied a line at a time; white space is dropped only where
 * it ends a line (before CRLF, LF or the end), as transport adds it.
 */
static int
qp_decode(const char *s, size_t len, struct buf *out)
{
	size_t	 i = 0, j, n, e, t;
	char	 c;

	while (i < len) {
		/* a run of ordinary bytes, up to '=' or a line's end */
		for (e = i;; e++) {
			/* '=', or the end of the line: its white space */
			e = text_next_of3(s, len, e, '=', '\r', '\n');
			if (e >= len || s[e] != '\r' || (e + 1 < len &&
			    s[e + 1] == '\n'))
				break;
			/* a lone CR is an ordinary byte */
		}
		t = e;
		if (e >= len || s[e] != '=')
			while (t > i && is_wsp(s[t - 1]))
				t--;	/* trailing white space */
		if (t > i && buf_append(out, s + i, t - i) < 0)
			return (-1);
		if (e >= len)
			break;
		if (s[e] != '=') {
			/* the line break itself, CRLF or LF */
			n = s[e] == '\r' ? 2 : 1;
			if (buf_append(out, s + e, n) < 0)
				return (-1);
			i = e + n;
			continue;
		}
		i = e;
		if (i + 2 < len && hexval((unsigned char)s[i + 1]) >= 0 &&
		    hexval((unsigned char)s[i + 2]) >= 0) {
			c = (char)(hexval((unsigned char)s[i + 1]) * 16 +
			    hexval((unsigned char)s[i + 2]));
			if (buf_append(out, &c, 1) < 0)
				return (-1);
			i += 3;
			continue;
		}
		/* soft line break: '=', optional padding, line break */
		for (j = i + 1; j < len && is_wsp(s[j]); j++)
			;
		if (j == len) {
			i = j;
			continue;
		}
		if ((n = eol_len(s + j, len - j)) > 0) {
			i = j + n;
			continue;
		}
		/* a stray '=' is kept, as RFC 2045 6.7 suggests */
		if (buf_append(out, "=", 1) < 0)
			return (-1);
		i++;
	}
	return (0);
}

/* b64val - value of a base64 digit, or -1 (a table: no branch per byte) */
static int
b64val(int c)
{
	static const signed char val[256] = {
		['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5,
		['F'] = 6, ['G'] = 7, ['H'] = 8, ['I'] = 9, ['J'] = 10,
		['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14, ['O'] = 15,
		['P'] = 16, ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20,
		['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24, ['Y'] = 25,
		['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30,
		['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35,
		['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40,
		['o'] = 41, ['p'] = 42, ['q'] = 43, ['r'] = 44, ['s'] = 45,
		['t'] = 46, ['u'] = 47, ['v'] = 48, ['w'] = 49, ['x'] = 50,
		['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55,
		['3'] = 56, ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60,
		['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
	};

	/* stored plus one, so that the zero of the rest means "none" */
	return (val[c & 0xff] - 1);
}

/* b64_decode - RFC 2045 6.8; bytes outside the alphabet are ignored */
static int
b64_decode(const char *s, size_t len, struct buf *out)
{
	char	 chunk[256];
	unsigned long acc = 0;
	size_t	 i, o = 0;
	int	 bits = 0, v;

	for (i = 0; i < len; i++) {
		if (s[i] == '=') {
			/* padding ends a quantum; more data may follow */
			acc = 0;
			bits = 0;
			continue;
		}
		if ((v = b64val((unsigned char)s[i])) < 0)
			continue;
		acc = ((acc << 6) | (unsigned long)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			chunk[o++] = (char)((acc >> bits) & 0xff);
			if (o == sizeof(chunk)) {
				if (buf_append(out, chunk, o) < 0)
					return (-1);
				o = 0;
			}
		}
	}
	return (o > 0 ? buf_append(out, chunk, o) : 0);
}

/* mime_decode_body - a part body as the bytes it stands for */
int
mime_decode_body(const char *cte, const char *body, size_t len,
    struct buf *out)
{
	char	 m[32];

	if (budget_charge(len))
		return (-1);
	cte_norm(cte, m, sizeof(m));
	if (m[0] == '\0' || strcmp(m, "7bit") == 0 ||
	    strcmp(m, "8bit") == 0 || strcmp(m, "binary") == 0)
		return (buf_append(out, body, len));
	if (strcmp(m, "quoted-printable") == 0)
		return (qp_decode(body, len, out));
	if (strcmp(m, "base64") == 0)
		return (b64_decode(body, len, out));
	return (-1);
}

/* utf8_unit - bytes in the UTF-8 sequence at s, 1 when it is not one */
static size_t
utf8_unit(const unsigned char *s, size_t len)
{
	size_t	 n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return (1);
	if (n > len)
		return (1);
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return (1);
	return (n);
}

/*
 * mime_qp_encode - quoted-printable, line breaks as eol.  A UTF-8
 * character is never split by a soft break, so a reader that decodes
 * line by line still sees whole characters.
 */
int
mime_qp_encode(const char *in, size_t len, const char *eol, struct buf *out)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)in;
	char	 unit[12];
	size_t	 i = 0, n, w, k, col = 0, elen, lim;
	int	 lit;

	if (eol == NULL)
		eol = "\n";
	elen = strlen(eol);
	while (i < len) {
		if ((n = eol_len(in + i, len - i)) > 0) {
			if (buf_append(out, eol, elen) < 0)
				return (-1);
			col = 0;
			i += n;
			continue;
		}
		n = s[i] >= 0x80 ? utf8_unit(s + i, len - i) : 1;
		/* white space before a line break must be encoded */
		lit = (s[i] > 32 && s[i] < 127 && s[i] != '=') ||
		    (is_wsp(s[i]) && i + 1 < len &&
		    eol_len(in + i + 1, len - i - 1) == 0);
		if (lit)
			unit[0] = (char)s[i];
		else
			for (k = 0; k < n; k++) {
				unit[3 * k] = '=';
				unit[3 * k + 1] = hex[s[i + k] >> 4];
				unit[3 * k + 2] = hex[s[i + k] & 15];
			}
		w = lit ? 1 : 3 * n;
		/*
		 * room for a soft break '=' unless a line break follows: also
		 * at the end of the input, where the caller may have to end
		 * the line with one (rewrite_text)
		 */
		lim = i + n < len && eol_len(in + i + n, len - i - n) > 0 ?
		    QP_LINE_MAX : QP_LINE_MAX - 1;
		if (col + w > lim) {
			if (buf_append(out, "=", 1) < 0 ||
			    buf_append(out, eol, elen) < 0)
				return (-1);
			col = 0;
		}
		/*
		 * Never start a line with '-': rewrite.c re-encodes decoded
		 * text into a multipart body, and a literal "--boundary" line
		 * (say, from "=2D=2Dboundary" in the input, or a soft break
		 * before "--") would be read as a delimiter (fuzz_rewrite).
		 * Encoded, it cannot be one.
		 */
		if (col == 0 && s[i] == '-') {
			memcpy(unit, "=2D", 3);
			w = 3;
		}
		if (buf_append(out, unit, w) < 0)
			return (-1);
		col += w;
		i += n;
	}
	return (0);
}

/* mime_b64_encode - base64 in lines of 76 characters, eol between them */
int
mime_b64_encode(const char *in, size_t len, const char *eol, struct buf *out)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *s = (const unsigned char *)in;
	char	 q[4];
	size_t	 i, col = 0, elen;
	unsigned long v;

	if (eol == NULL)
		eol = "\n";
	elen = strlen(eol);
	for (i = 0; i < len; i += 3) {
		v = (unsigned long)s[i] << 16;
		if (i + 1 < len)
			v |= (unsigned long)s[i + 1] << 8;
		if (i + 2 < len)
			v |= s[i + 2];
		q[0] = b64[(v >> 18) & 63];
		q[1] = b64[(v >> 12) & 63];
		q[2] = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		q[3] = i + 2 < len ? b64[v & 63] : '=';
		if (buf_append(out, q, 4) < 0)
			return (-1);
		if ((col += 4) >= QP_LINE_MAX && i + 3 < len) {
			if (buf_append(out, eol, elen) < 0)
				return (-1);
			col = 0;
		}
	}
	/* the delimiter's own line break ends the last line */
	return (0);
}

/* mime_eol - the line-end style of the first line break */
const char *
mime_eol(const char *s, size_t len)
{
	const char *nl;

	if (s == NULL || (nl = memchr(s, '\n', len)) == NULL)
		return ("\n");
	return (nl > s && nl[-1] == '\r' ? "\r\n" : "\n");
}
