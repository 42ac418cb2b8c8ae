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

/* jsonw_strn - counted string as a JSON string */
int
jsonw_strn(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t	 i = 0, j, n;

	buf_putc(b, '"');
	while (i < len) {
		for (j = i; j < len && plain(u[j]); j++)
			;
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
