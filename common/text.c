/*
 * text.c - small helpers for untrusted text
 *
 * Functions: text_printable, text_casestr, text_casecmp_n,
 * text_has_suffix, text_copy, text_is_ascii, text_utf8_valid,
 * text_lang_ok.
 *
 * Inputs are (pointer, length) pairs and need not be NUL-terminated;
 * nothing here reads past the given length.  text_printable is what
 * stands between a remote server's reply and our headers and syslog
 * lines: its output never holds CR, LF, NUL or other control bytes.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "budget.h"
#include "simd.h"
#include "text.h"

/* utf8_seq - length of a well-formed UTF-8 sequence at s, or 0 */
static size_t
utf8_seq(const unsigned char *s, size_t len)
{
	unsigned c = s[0];
	size_t	 n, i;
	unsigned min;
	unsigned long cp;

	if (c < 0x80)
		return (1);
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, min = 0x80, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, min = 0x800, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, min = 0x10000, cp = c & 0x07;
	else
		return (0);
	if (n > len)
		return (0);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (0);
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return (0);
	return (n);
}

/* text_printable - censor control bytes and bad UTF-8, fold white space */
size_t
text_printable(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t	 i = 0, o = 0, n;
	int	 space = 0;

	if (dstlen == 0)
		return (0);
	while (i < srclen && o + 1 < dstlen) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' ||
		    s[i] == '\n' || s[i] == '\f' || s[i] == '\v') {
			space = 1;
			i++;
			continue;
		}
		if (space && o > 0) {
			dst[o++] = ' ';
			if (o + 1 >= dstlen)
				break;
		}
		space = 0;
		/* most text is a run of printable ASCII: copy it at once */
		if (s[i] > 0x20 && s[i] < 0x7f) {
#ifdef __SSE2__
			/*
			 * 16 bytes of printable ASCII whose spaces are single
			 * and inside them come out as they are: one copy.
			 */
			while (srclen - i >= 16 && o + 17 < dstlen) {
				__m128i	 v = _mm_loadu_si128((const __m128i *)
				    (const void *)(s + i));
				unsigned pr, sp;

				pr = (unsigned)_mm_movemask_epi8(_mm_and_si128(
				    _mm_cmpgt_epi8(v, _mm_set1_epi8(0x1f)),
				    _mm_cmplt_epi8(v, _mm_set1_epi8(0x7f))));
				sp = (unsigned)_mm_movemask_epi8(
				    _mm_cmpeq_epi8(v, _mm_set1_epi8(' ')));
				if (pr != 0xffff || (sp & (sp >> 1)) != 0 ||
				    (sp & 0x8001) != 0)
					break;
				memcpy(dst + o, s + i, 16);
				o += 16;
				i += 16;
			}
			if (i >= srclen || o + 1 >= dstlen || s[i] <= 0x20 ||
			    s[i] >= 0x7f)
				continue;
#endif
			do
				dst[o++] = (char)s[i++];
			while (i < srclen && o + 1 < dstlen &&
			    s[i] > 0x20 && s[i] < 0x7f);
			continue;
		}
		if (s[i] < 0x20 || s[i] == 0x7f) {
			dst[o++] = '?';
			i++;
			continue;
		}
		n = utf8_seq(s + i, srclen - i);
		if (n == 0) {
			dst[o++] = '?';
			i++;
			continue;
		}
		if (o + n >= dstlen)
			break;		/* never split a character */
		memcpy(dst + o, s + i, n);
		o += n;
		i += n;
	}
	dst[o] = '\0';
	return (o);
}

/* lower - ASCII tolower without locale */
static inline int
lower(int c)
{
	return (c >= 'A' && c <= 'Z' ? c + 32 : c);
}

/* text_casecmp_n - ASCII case-insensitive compare of n bytes */
int
text_casecmp_n(const char *a, const char *b, size_t n)
{
	size_t	 i;
	int	 d;

	for (i = 0; i < n; i++) {
		if (a[i] == b[i])
			continue;	/* most bytes compared are equal */
		d = lower((unsigned char)a[i]) - lower((unsigned char)b[i]);
		if (d != 0)
			return (d);
	}
	return (0);
}

/*
 * text_anchor - the needle byte to look for with memchr: the first one that
 * is neither a letter nor white space (one memchr pass, where a letter
 * takes two, one per case), else the least common letter.  Looking for
 * the first byte instead made "s" or "t" of every marker a candidate at
 * every word of a bounce.  (Ranking punctuation and digits by rarity as
 * well measured slower on the bounce corpus.)
 */
size_t
text_anchor(const char *needle, size_t nlen)
{
	/* English letter frequency rank, 'a'..'z': higher is rarer */
	static const unsigned char rare[26] = {
		2, 19, 11, 9, 0, 15, 16, 7, 4, 22, 21, 10, 13,
		5, 3, 18, 24, 8, 6, 1, 12, 20, 14, 23, 17, 25
	};
	size_t	 i, best = 0;
	int	 c, r, bestr = -1;

	for (i = 0; i < nlen; i++) {
		c = lower((unsigned char)needle[i]);
		if (c >= 'a' && c <= 'z') {
			r = rare[c - 'a'];
			if (r > bestr) {
				bestr = r;
				best = i;
			}
		} else if (c != ' ' && c != '\t')
			return (i);
	}
	return (best);
}

/*
 * text_casestr - case-insensitive substring search, bounded haystack.
 * The candidates for the anchor byte are found with memchr (once per
 * letter case), which is what makes rule matching over whole bounce
 * texts cheap; only those positions get the full comparison.
 */
const char *
text_casestr(const char *hay, size_t haylen, const char *needle)
{
	size_t	 nlen = strlen(needle);

	if (nlen == 0)
		return (hay);
	if (nlen > haylen)
		return (NULL);
#ifdef __SSE2__
	/* the pair search needs no anchor */
	if (nlen >= 2)
		return (text_casestr_nk(hay, haylen, needle, nlen, 0));
#endif
	return (text_casestr_nk(hay, haylen, needle, nlen,
	    text_anchor(needle, nlen)));
}

/*
 * A case of the anchor byte being looked for: either its next
 * occurrence (hit), or how far the text is known to hold none (!hit).
 * What was scanned is never scanned again within one search.
 */
struct anchor_scan {
	const char *at;
	int	 hit;
};

/*
 * anchor_scan_to - know c's next occurrence at or after p, up to lim;
 * *scanned counts the bytes memchr went over (what the budget charges)
 */
static inline void
anchor_scan_to(struct anchor_scan *as, const char *p, const char *lim, int c,
    size_t *scanned)
{
	const char *from, *q;

	if (as->at >= p && (as->hit || as->at >= lim))
		return;
	from = as->at > p ? as->at : p;
	if (from < lim && (q = memchr(from, c, (size_t)(lim - from))) != NULL) {
		*scanned += (size_t)(q - from) + 1;
		as->at = q;
		as->hit = 1;
	} else {
		*scanned += from < lim ? (size_t)(lim - from) : 0;
		as->at = lim > from ? lim : from;
		as->hit = 0;
	}
}

/*
 * casestr_memchr - text_casestr_nk by memchr on the anchor byte k.
 *
 * Linear in what it passes over.  Looking again for both cases of the
 * anchor at every candidate made a text with the anchor letter in one
 * case only cost O(length x candidates) (1 MiB of "V": 5 s), and
 * looking for one case to the end of the text made a caller that
 * searches again after each hit (ndr.c's markers) quadratic.  So each
 * case is scanned once, in a window that doubles while it finds
 * nothing, and the second case only up to the first case's hit: a call
 * costs O(where it stops + nlen x candidates), never O(haylen) for a
 * hit near the start.
 */
#define CASESTR_WINDOW	64

static const char *
casestr_memchr(const char *hay, size_t haylen, const char *needle,
    size_t nlen, size_t k)
{
	struct anchor_scan ls, us;
	const char *p, *end, *lim, *a, *found = NULL;
	size_t	 j, w = CASESTR_WINDOW, scanned = 0;
	int	 lo, up;

	if (nlen == 0)
		return (hay);
	if (nlen > haylen || budget_spent())
		return (NULL);
	/* a second byte, other than the anchor, to reject most candidates
	 * without a call; the xor test never rejects a case-insensitive
	 * match (it may let a few non-letters through) */
	j = k == 0 ? (nlen > 1 ? 1 : 0) : 0;
	lo = lower((unsigned char)needle[k]);
	up = lo >= 'a' && lo <= 'z' ? lo - 32 : lo;
	/* candidates for the anchor byte lie in [hay + k, end) */
	p = hay + k;
	end = hay + (haylen - nlen) + 1 + k;
	ls.at = us.at = p;
	ls.hit = us.hit = 0;
	while (p < end) {
		lim = (size_t)(end - p) > w ? p + w : end;
		anchor_scan_to(&ls, p, lim, lo, &scanned);
		a = ls.hit ? ls.at : NULL;
		if (up != lo) {
			anchor_scan_to(&us, p, a != NULL ? a : lim, up,
			    &scanned);
			if (us.hit && (a == NULL || us.at < a))
				a = us.at;
		}
		if (a == NULL) {	/* nothing in the window */
			p = lim;
			if (w < 65536)
				w *= 2;
			continue;
		}
		if ((((a - k)[j] ^ needle[j]) & ~0x20) == 0 &&
		    text_casecmp_n(a - k, needle, nlen) == 0) {
			found = a - k;
			break;
		}
		p = a + 1;
	}
	/* what memchr went over, so a search that scans again shows */
	if (budget_charge(scanned))
		return (NULL);
	return (found);
}

#ifdef __SSE2__
/* The needle's first and last byte, as casestr_pair compares them. */
struct pair {
	__m128i	 f, l;		/* the bytes, lower case */
	__m128i	 mf, ml;	/* 0x20 where the byte is a letter, else 0 */
};

/* pair_mask - bit j: position b + j has the first and the last byte */
static inline unsigned
pair_mask(const struct pair *pr, const unsigned char *h, size_t b,
    size_t nlen)
{
	__m128i	 a, z;

	a = _mm_loadu_si128((const __m128i *)(const void *)(h + b));
	z = _mm_loadu_si128((const __m128i *)(const void *)(h + b + nlen - 1));
	return ((unsigned)_mm_movemask_epi8(_mm_and_si128(
	    _mm_cmpeq_epi8(_mm_or_si128(a, pr->mf), pr->f),
	    _mm_cmpeq_epi8(_mm_or_si128(z, pr->ml), pr->l))));
}

/*
 * pair_verify - the first position i + j (bit j of m) where the whole
 * needle is; SIZE_MAX when none.  The first byte is known to fit.
 * Compared here, not by a call, so that the loop keeps its registers.
 */
static inline size_t
pair_verify(unsigned m, const unsigned char *h, size_t i,
    const unsigned char *nd, size_t nlen)
{
	size_t	 b, k;

	for (; m != 0; m &= m - 1) {
		b = i + (size_t)__builtin_ctz(m);
		for (k = 1; k < nlen && (h[b + k] == nd[k] ||
		    lower(h[b + k]) == lower(nd[k])); k++)
			;
		if (k == nlen)
			return (b);
	}
	return (SIZE_MAX);
}

/*
 * casestr_pair - text_casestr_nk for nlen >= 2 by two bytes at once:
 * the needle's first and last byte (letters in either case) are compared
 * with 16 candidate positions per step, and only a position where both
 * fit gets the full comparison.  One pass over the text whatever the
 * needle's letters, where memchr made one per letter case and stopped
 * at every anchor byte: a colon or an 'm' is in most lines of a bounce,
 * two bytes nlen - 1 apart rarely are.  Loads stay inside [hay, hay +
 * haylen): the last 16 positions are one step that overlaps the one
 * before (the positions already tried are shifted out), and a text with
 * fewer than 16 is tried one position at a time.  *scanned is the bytes
 * passed over.
 */
static const char *
casestr_pair(const char *hay, size_t haylen, const char *needle,
    size_t nlen, size_t *scanned)
{
	const unsigned char *h = (const unsigned char *)hay;
	const unsigned char *nd = (const unsigned char *)needle;
	struct pair pr;
	size_t	 i, last = haylen - nlen, at = SIZE_MAX;
	unsigned m;
	int	 f = lower(nd[0]), l = lower(nd[nlen - 1]);
	int	 ff = f >= 'a' && f <= 'z' ? 0x20 : 0;
	int	 lf = l >= 'a' && l <= 'z' ? 0x20 : 0;

	pr.f = _mm_set1_epi8((char)f);
	pr.l = _mm_set1_epi8((char)l);
	pr.mf = _mm_set1_epi8((char)ff);
	pr.ml = _mm_set1_epi8((char)lf);
	if (last >= 15) {
		for (i = 0; i <= last && last - i >= 15; i += 16)
			if ((m = pair_mask(&pr, h, i, nlen)) != 0 &&
			    (at = pair_verify(m, h, i, nd, nlen)) != SIZE_MAX)
				break;
		if (at == SIZE_MAX && i <= last &&
		    (m = pair_mask(&pr, h, last - 15, nlen) >>
		    (i - (last - 15))) != 0)
			at = pair_verify(m, h, i, nd, nlen);
	} else
		for (i = 0; i <= last && at == SIZE_MAX; i++)
			if ((h[i] | ff) == f && (h[i + nlen - 1] | lf) == l &&
			    text_casecmp_n(hay + i, needle, nlen) == 0)
				at = i;
	*scanned = at == SIZE_MAX ? haylen : at + nlen;
	return (at == SIZE_MAX ? NULL : hay + at);
}
#endif

#ifdef SIMD_AVX2
/*
 * casestr_pair_avx2 - casestr_pair 32 candidate positions a step, on a
 * CPU with AVX2 (checked by the caller); the last positions, fewer than
 * 32, are casestr_pair's.  The same first hit, so the same result and
 * *scanned.  Loads stay inside [hay, hay + haylen): a step's loads end
 * at i + 31 + nlen - 1 <= last + nlen - 1 = haylen - 1.
 */
__attribute__((target("avx2")))
static const char *
casestr_pair_avx2(const char *hay, size_t haylen, const char *needle,
    size_t nlen, size_t *scanned)
{
	const unsigned char *h = (const unsigned char *)hay;
	const unsigned char *nd = (const unsigned char *)needle;
	const char *found;
	size_t	 i, last = haylen - nlen, at = SIZE_MAX;
	__m256i	 f, l, mf, ml, a, z;
	unsigned m, lo, hi;
	int	 fc = lower(nd[0]), lc = lower(nd[nlen - 1]);

	f = _mm256_set1_epi8((char)fc);
	l = _mm256_set1_epi8((char)lc);
	mf = _mm256_set1_epi8((char)(fc >= 'a' && fc <= 'z' ? 0x20 : 0));
	ml = _mm256_set1_epi8((char)(lc >= 'a' && lc <= 'z' ? 0x20 : 0));
	for (i = 0; last >= 31 && i <= last - 31; i += 32) {
		a = _mm256_loadu_si256((const __m256i *)(const void *)(h + i));
		z = _mm256_loadu_si256((const __m256i *)(const void *)(h + i +
		    nlen - 1));
		m = (unsigned)_mm256_movemask_epi8(_mm256_and_si256(
		    _mm256_cmpeq_epi8(_mm256_or_si256(a, mf), f),
		    _mm256_cmpeq_epi8(_mm256_or_si256(z, ml), l)));
		if (m == 0)
			continue;
		/* pair_verify takes 16 positions at a time */
		lo = m & 0xffff;
		hi = m >> 16;
		if ((lo != 0 && (at = pair_verify(lo, h, i, nd, nlen)) !=
		    SIZE_MAX) || (hi != 0 && (at = pair_verify(hi, h, i + 16,
		    nd, nlen)) != SIZE_MAX))
			break;
	}
	if (at == SIZE_MAX && i <= last) {
		found = casestr_pair(hay + i, haylen - i, needle, nlen,
		    scanned);
		*scanned += i;
		return (found);
	}
	*scanned = at == SIZE_MAX ? haylen : at + nlen;
	return (at == SIZE_MAX ? NULL : hay + at);
}
#endif

/*
 * text_casestr_nk - text_casestr with nlen and k = text_anchor() known.
 * Linear in what it passes over (casestr_pair, or casestr_memchr where
 * there is no SSE2); the budget is charged what was scanned.
 */
const char *
text_casestr_nk(const char *hay, size_t haylen, const char *needle,
    size_t nlen, size_t k)
{
#ifdef __SSE2__
	const char *found;
	size_t	 scanned;

	if (nlen < 2)
		return (casestr_memchr(hay, haylen, needle, nlen, k));
	if (nlen > haylen || budget_spent())
		return (NULL);
#ifdef SIMD_AVX2
	if (haylen - nlen >= 31 && simd_have_avx2())
		found = casestr_pair_avx2(hay, haylen, needle, nlen,
		    &scanned);
	else
#endif
	found = casestr_pair(hay, haylen, needle, nlen, &scanned);
	if (budget_charge(scanned))
		return (NULL);
	return (found);
#else
	return (casestr_memchr(hay, haylen, needle, nlen, k));
#endif
}

/*
 * gram_hash - the slot of the two bytes at p, folded by setting 0x20 in
 * both: coarser than ASCII case folding (it also joins '@' and '`'), so
 * a pair that matches case-insensitively always has the same slot.  One
 * 16-bit load in the host's byte order, the same for text and needle.
 */
static inline unsigned
gram_hash(const unsigned char *p)
{
	uint16_t w;

	memcpy(&w, p, sizeof(w));
	return ((((unsigned)w | 0x2020u) * 2654435761u) >> 20);
}

/*
 * text_grams_init - the pairs of s[0..len): one pass, where each needle
 * searched for would be one pass of its own
 */
void
text_grams_init(struct text_grams *g, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t	 i = 0;

	memset(g->seen, 0, sizeof(g->seen));
	for (; len >= 5 && i < len - 4; i += 4) {
		g->seen[gram_hash(p + i)] = 1;
		g->seen[gram_hash(p + i + 1)] = 1;
		g->seen[gram_hash(p + i + 2)] = 1;
		g->seen[gram_hash(p + i + 3)] = 1;
	}
	for (; i + 1 < len; i++)
		g->seen[gram_hash(p + i)] = 1;
}

/*
 * text_grams_may - can needle[0..nlen) occur in the text of g?  0 only
 * when one of its pairs does not (a needle shorter than 2: always may)
 */
int
text_grams_may(const struct text_grams *g, const char *needle, size_t nlen)
{
	const unsigned char *p = (const unsigned char *)needle;
	size_t	 i;

	for (i = 1; i < nlen; i++)
		if (!g->seen[gram_hash(p + i - 1)])
			return (0);
	return (1);
}

/*
 * text_next_in - the first byte from i on in [lo, hi] (ASCII, lo > 0), or
 * len; 16 bytes a step where there is SSE2.  For scanners that can only
 * start at a few bytes (a reply code's digit).
 */
size_t
text_next_in(const char *s, size_t len, size_t i, int lo, int hi)
{
#ifdef __SSE2__
	__m128i	 v, vlo = _mm_set1_epi8((char)(lo - 1));
	__m128i	 vhi = _mm_set1_epi8((char)hi);
	unsigned m;

	/*
	 * signed compares: bytes >= 0x80 are below lo; "not above hi"
	 * rather than "below hi + 1", which wraps for hi 0x7f
	 */
	for (; i < len && len - i >= 16; i += 16) {
		v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		m = (unsigned)_mm_movemask_epi8(_mm_andnot_si128(
		    _mm_cmpgt_epi8(v, vhi), _mm_cmpgt_epi8(v, vlo)));
		if (m != 0)
			return (i + (size_t)__builtin_ctz(m));
	}
#endif
	while (i < len && ((unsigned char)s[i] < lo ||
	    (unsigned char)s[i] > hi))
		i++;
	return (i);
}

/* text_has_suffix - ASCII case-insensitive suffix test */
int
text_has_suffix(const char *s, size_t len, const char *suffix)
{
	size_t	 n = strlen(suffix);

	return (n <= len && text_casecmp_n(s + len - n, suffix, n) == 0);
}

/* text_copy - bounded copy, always terminated */
size_t
text_copy(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	size_t	 n;

	if (dstlen == 0)
		return (0);
	n = srclen < dstlen - 1 ? srclen : dstlen - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return (n);
}

/* text_is_ascii - no byte >= 0x80 */
int
text_is_ascii(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return (0);
	return (1);
}

/* text_utf8_valid - well-formed UTF-8 throughout */
int
text_utf8_valid(const char *s, size_t len)
{
	size_t	 i = 0, n;

	while (i < len) {
		if ((n = utf8_seq((const unsigned char *)s + i, len - i)) == 0)
			return (0);
		i += n;
	}
	return (1);
}

/* text_lang_ok - a plausible BCP 47 tag; keeps paths and headers clean */
int
text_lang_ok(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++) {
		if (i >= 15)
			return (0);
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || (s[i] == '-' && i > 0)))
			return (0);
	}
	return (i > 0);
}

/* text_seterr - a reason for the caller; always -1 */
int
text_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return (-1);
}
