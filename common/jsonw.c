/*
 * jsonw.c - writing JSON values into a struct buf
 *
 * Functions: jsonw_str, jsonw_strn, jsonw_key.
 *
 * Values come from untrusted replies, so every control character is
 * escaped and bytes that are not valid UTF-8 are replaced by U+FFFD:
 * the output is always valid JSON (RFC 8259) on a single line.
 */
#include <string.h>

#include "buf.h"
#include "jsonw.h"
#include "simd.h"
#include "text.h"

/*
 * plain - bytes copied as they are: printable ASCII but '"' and '\\'.
 * Runs of them, nearly all of a reply or a hint, go in one append.
 */
static int
plain(unsigned char c)
{
	return (c >= 0x20 && c < 0x7f && c != '"' && c != '\\');
}

/*
 * plain_end - the first byte from i on that is not plain, or len; 16
 * bytes a step where there is SSE2 (a signed compare with 0x20 finds
 * the control bytes and every byte from 0x80 on)
 */
static size_t
plain_end(const unsigned char *u, size_t i, size_t len)
{
#ifdef __SSE2__
	const __m128i sp = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7f);
	const __m128i dq = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\');
	__m128i	 x;
	unsigned m;

	for (; len - i >= 16; i += 16) {
		x = _mm_loadu_si128((const __m128i *)(const void *)(u + i));
		m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(
		    _mm_cmplt_epi8(x, sp), _mm_cmpeq_epi8(x, del)),
		    _mm_or_si128(_mm_cmpeq_epi8(x, dq), _mm_cmpeq_epi8(x, bs))));
		if (m != 0)
			return (i + (size_t)__builtin_ctz(m));
	}
#endif
	for (; i < len && plain(u[i]); i++)
		;
	return (i);
}

/* jsonw_strn - counted string as a JSON string */
int
jsonw_strn(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t	 i = 0, j, n;

	buf_putc(b, '"');
	while (i < len) {
		j = plain_end(u, i, len);
		if (j > i) {
			buf_append(b, s + i, j - i);
			if ((i = j) == len)
				break;
		}
		if (u[i] == '"' || u[i] == '\\') {
			buf_putc(b, '\\');
			buf_putc(b, u[i++]);
		} else if (u[i] == '\n') {
			buf_append(b, "\\n", 2);
			i++;
		} else if (u[i] < 0x20 || u[i] == 0x7f) {
			char	 esc[6] = { '\\', 'u', '0', '0' };

			esc[4] = hex[u[i] >> 4];
			esc[5] = hex[u[i] & 15];
			buf_append(b, esc, sizeof(esc));
			i++;
		} else {
			for (n = 2; n <= 4 && i + n <= len; n++)
				if (text_utf8_valid(s + i, n))
					break;
			if (n <= 4 && i + n <= len) {
				buf_append(b, s + i, n);
				i += n;
			} else {
				buf_append(b, "\xef\xbf\xbd", 3);
				i++;
			}
		}
	}
	return (buf_putc(b, '"'));
}

/* jsonw_str - C string or null */
int
jsonw_str(struct buf *b, const char *s)
{
	if (s == NULL)
		return (buf_puts(b, "null"));
	return (jsonw_strn(b, s, strlen(s)));
}

/* jsonw_key - a member name and its colon */
int
jsonw_key(struct buf *b, const char *key)
{
	jsonw_str(b, key);
	return (buf_putc(b, ':'));
}
