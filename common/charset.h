/*
 * charset.h - text in a MIME charset, converted to UTF-8 or refused
 */
#ifndef RH_CHARSET_H
#define RH_CHARSET_H

#include <stddef.h>

struct buf;

#define CHARSET_NAME_MAX	40	/* longest charset name we look up */

/*
 * charset_to_utf8 - append to out the text in (len bytes, in charset)
 * as UTF-8.  "" means us-ascii (RFC 2045 5.2).  Returns 0, or -1 when
 * the charset is unknown, the text does not decode cleanly (a byte
 * sequence invalid or incomplete in the charset, a us-ascii text with
 * 8-bit bytes, a utf-8 text that is not UTF-8) or out overflows; on -1
 * out is as it was.  Never guesses and never substitutes: a text that
 * cannot be read exactly is not read at all.
 */
int	charset_to_utf8(const char *charset, const char *in, size_t len,
	    struct buf *out);

/* charset_is_utf8 - the name means UTF-8 or its subset us-ascii ("" too) */
int	charset_is_utf8(const char *charset);

#endif
