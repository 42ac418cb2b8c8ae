/*
 * text.h - small helpers for untrusted text
 */
#ifndef RH_TEXT_H
#define RH_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "simd.h"

/*
 * text_printable - copy src into dst (size dstlen, always terminated),
 * folding every run of CR, LF and other white space into one space and
 * replacing other control bytes, DEL and invalid UTF-8 with '?'.  Valid
 * UTF-8 is kept.  Returns the length written.  Output never contains
 * CR, LF or NUL, so it is safe for a header value or a syslog line.
 */
size_t	text_printable(char *dst, size_t dstlen, const char *src, size_t srclen);

/* text_casestr - case-insensitive (ASCII) substring search in a bounded haystack */
const char *text_casestr(const char *hay, size_t haylen, const char *needle);

/*
 * text_anchor, text_casestr_nk - the same search with the needle's length
 * and anchor (the byte memchr looks for) worked out once, for patterns
 * that are searched for again and again (rule texts, provider markers)
 */
size_t	text_anchor(const char *needle, size_t nlen);
const char *text_casestr_nk(const char *hay, size_t haylen,
	    const char *needle, size_t nlen, size_t k);

/*
 * text_grams - which case-folded byte pairs occur in a text, hashed to
 * 4096 slots: a needle with a pair the text lacks is not in it, known
 * without a search.  For texts searched for many needles (local rules,
 * NDR markers); text_grams_may never says no to a needle that occurs.
 * A byte a slot, not a bit: setting one is a store, where a bit was a
 * load, an OR and a store for every byte of the text.
 */
struct text_grams {
	unsigned char seen[4096];
};
void	text_grams_init(struct text_grams *g, const char *s, size_t len);
int	text_grams_may(const struct text_grams *g, const char *needle,
	    size_t nlen);

/* text_next_in - first byte from i on in [lo, hi] (ASCII, lo > 0), or len */
size_t	text_next_in(const char *s, size_t len, size_t i, int lo, int hi);

/*
 * text_next_of3 - the first byte from i on that is a, b or c, or len; 16
 * bytes a step where there is SSE2.  memchr for three bytes at once: the
 * specials of a quoted-printable line ('=', CR, LF), the bytes a header
 * value must not copy (CR, LF, NUL).  Inline: called for every line of
 * a header block and of a quoted-printable part.
 */
static inline size_t
text_next_of3(const char *s, size_t len, size_t i, int a, int b, int c)
{
#ifdef __SSE2__
	const __m128i va = _mm_set1_epi8((char)a), vb = _mm_set1_epi8((char)b);
	const __m128i vc = _mm_set1_epi8((char)c);
	__m128i	 v;
	unsigned m;

	for (; i < len && len - i >= 16; i += 16) {
		v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(
		    _mm_cmpeq_epi8(v, va), _mm_cmpeq_epi8(v, vb)),
		    _mm_cmpeq_epi8(v, vc)));
		if (m != 0)
			return (i + (size_t)__builtin_ctz(m));
	}
#endif
	while (i < len && s[i] != (char)a && s[i] != (char)b &&
	    s[i] != (char)c)
		i++;
	return (i);
}


/* text_casecmp_n - ASCII case-insensitive compare of n bytes; 0 when equal */
int	text_casecmp_n(const char *a, const char *b, size_t n);

/* text_has_suffix - ASCII case-insensitive suffix test */
int	text_has_suffix(const char *s, size_t len, const char *suffix);

/* text_copy - bounded copy, always terminated; returns bytes copied */
size_t	text_copy(char *dst, size_t dstlen, const char *src, size_t srclen);

/* text_is_ascii - no byte >= 0x80 */
int	text_is_ascii(const char *s, size_t len);

/* text_utf8_valid - the bytes are well-formed UTF-8 */
int	text_utf8_valid(const char *s, size_t len);

/* text_lang_ok - a language tag: letters, digits and '-', 1..15 bytes */
int	text_lang_ok(const char *s);

/*
 * text_seterr - format a reason into the caller's err buffer (when there
 * is one); always returns -1, so "return (text_seterr(...));" reads as
 * the failure it is
 */
int	text_seterr(char *err, size_t errlen, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
