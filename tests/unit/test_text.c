/*
 * test_text.c - the 16-bytes-a-step scanners give the answers a plain
 * byte-by-byte loop gives
 *
 * text_casestr compares 16 candidate positions at a time (SSE2) and
 * tries the last ones as a step that overlaps the one before; a needle
 * whose first or last byte is no letter must match that byte exactly
 * ('-' is not CR, ':' is not 0x1a).  Every haystack of a small alphabet
 * up to 80 bytes long (random, seeded) against a naive search; then the
 * positions around the step boundaries one by one.  text_printable's
 * copy of 16 printable bytes, quoted-printable's trailing white space
 * and the multipart delimiter search at every offset around a step.
 */
#include "testutil.h"

#include "buf.h"
#include "mime.h"
#include "text.h"

#define NELEM(t)	(sizeof(t) / sizeof((t)[0]))

/* naive - the first i where needle occurs ignoring ASCII case, or -1 */
static long
naive(const char *h, size_t hl, const char *n, size_t nl)
{
	size_t	 i, k;
	int	 a, b;

	for (i = 0; i + nl <= hl; i++) {
		for (k = 0; k < nl; k++) {
			a = (unsigned char)h[i + k];
			b = (unsigned char)n[k];
			a = a >= 'A' && a <= 'Z' ? a + 32 : a;
			b = b >= 'A' && b <= 'Z' ? b + 32 : b;
			if (a != b)
				break;
		}
		if (k == nl)
			return ((long)i);
	}
	return (-1);
}

static unsigned long long rng = 0x9e3779b97f4a7c15ULL;

static unsigned
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return ((unsigned)rng);
}

/*
 * random_pair - a random text h (up to 80 bytes) and needle n (1 to 20),
 * half the needles cut from the text with some letters' case flipped
 */
static void
random_pair(char *h, size_t *hlp, char *n, size_t *nlp)
{
	static const char alpha[] = "aAbB-\r:\x1a@`\xc3 ";
	size_t	 hl = rnd() % 81, nl = 1 + rnd() % 20, k;

	for (k = 0; k < hl; k++)
		h[k] = alpha[rnd() % (sizeof(alpha) - 1)];
	if (rnd() % 2 && hl >= nl) {
		memcpy(n, h + rnd() % (hl - nl + 1), nl);
		for (k = 0; k < nl; k++)
			if (rnd() % 2 && ((n[k] | 0x20) >= 'a' &&
			    (n[k] | 0x20) <= 'z'))
				n[k] ^= 0x20;
	} else
		for (k = 0; k < nl; k++)
			n[k] = alpha[rnd() % (sizeof(alpha) - 1)];
	n[nl] = '\0';
	*hlp = hl;
	*nlp = nl;
}

/* test_casestr_random - random texts and needles against naive() */
static void
test_casestr_random(void **state)
{
	char	 h[96], n[24];
	const char *got;
	size_t	 hl, nl;
	long	 want, it;

	(void)state;
	for (it = 0; it < 200000; it++) {
		/* half the needles are cut from the text: hits are common */
		random_pair(h, &hl, n, &nl);
		want = naive(h, hl, n, nl);
		got = text_casestr_nk(h, hl, n, nl, text_anchor(n, nl));
		if ((got == NULL ? -1 : got - h) != want)
			fail_msg("text_casestr_nk: got %ld, want %ld (len %zu, "
			    "needle %zu)", got == NULL ? -1L : (long)(got - h),
			    want, hl, nl);
	}
}

/*
 * next_of3 - text_next_of3 finds the first of three bytes (NUL and bytes
 * from 0x80 among them) in its 16-byte steps as in the tail, from any
 * start, the same as a byte-by-byte search
 */
static void
test_next_of3(void **state)
{
	static const char set[][3] = {
		{ '=', '\r', '\n' }, { '\r', '\n', '\0' }, { (char)0xff, 'a',
		'a' },
	};
	static const char pick[] = "ab=\r\n \0\x80\xff";
	unsigned long seed = 5;
	char	 s[70];
	size_t	 len, i, want, k, r;
	int	 round;

	(void)state;
	for (round = 0; round < 20000; round++) {
		seed = seed * 6364136223846793005UL + 1442695040888963407UL;
		len = (seed >> 33) % sizeof(s);
		i = len > 0 ? (seed >> 45) % (len + 1) : 0;
		r = (seed >> 50) % 3;
		for (k = 0; k < len; k++) {
			seed = seed * 6364136223846793005UL +
			    1442695040888963407UL;
			/* mostly bytes of none of the three */
			s[k] = (seed >> 40) % 8 ? 'x' :
			    pick[(seed >> 44) % (sizeof(pick) - 1)];
		}
		for (want = i; want < len && s[want] != set[r][0] &&
		    s[want] != set[r][1] && s[want] != set[r][2]; want++)
			;
		assert_int_equal(text_next_of3(s, len, i,
		    (unsigned char)set[r][0], (unsigned char)set[r][1],
		    (unsigned char)set[r][2]), want);
	}
}

/*
 * next_in - text_next_in finds the first byte of [lo, hi] for any ASCII
 * range, in the 16-byte steps as in the tail (hi 0x7f was missed by the
 * steps: hi + 1 wrapped to -128 in a signed compare)
 */
static void
test_next_in(void **state)
{
	static const int range[][2] = {
		{ '2', '5' }, { '4', '5' }, { '~', 0x7f }, { 0x7f, 0x7f },
		{ 1, 0x7f }, { 'a', 'z' }, { 1, 1 },
	};
	char	 s[40];
	size_t	 len, at, want, k, r;
	int	 c;

	(void)state;
	for (r = 0; r < sizeof(range) / sizeof(range[0]); r++)
		for (len = 0; len <= sizeof(s); len++)
			for (at = 0; at <= len; at++) {
				/* bytes outside the range, one inside at at */
				for (k = 0; k < len; k++)
					s[k] = range[r][0] > 1 ? 0x01 :
					    (char)0x80;
				if (range[r][0] == 1 && range[r][1] == 1)
					for (k = 0; k < len; k++)
						s[k] = 'x';
				if (at < len)
					s[at] = (char)range[r][1];
				want = at;
				c = (int)text_next_in(s, len, 0, range[r][0],
				    range[r][1]);
				if ((size_t)c != want)
					fail_msg("[%d, %d], len %zu, byte at "
					    "%zu: got %d", range[r][0],
					    range[r][1], len, at, c);
			}
}

/*
 * test_grams - text_grams_may never says no to a needle that occurs
 * (any case), and says no to one with a pair the text lacks
 */
static void
test_grams(void **state)
{
	struct text_grams g;
	char	 h[96], n[24];
	size_t	 hl, nl;
	long	 it, no = 0;

	(void)state;
	for (it = 0; it < 100000; it++) {
		random_pair(h, &hl, n, &nl);
		text_grams_init(&g, h, hl);
		if (!text_grams_may(&g, n, nl)) {
			if (naive(h, hl, n, nl) >= 0)
				fail_msg("text_grams_may: no to a needle "
				    "that occurs (len %zu, needle %zu)", hl,
				    nl);
			no++;
		}
	}
	/* and it does say no: the filter filters */
	assert_true(no > 1000);
	text_grams_init(&g, "Generating server: x", 20);
	assert_true(text_grams_may(&g, "GENERATING SERVER:", 18));
	assert_false(text_grams_may(&g, "Remote Server", 13));
	text_grams_init(&g, "", 0);
	assert_true(text_grams_may(&g, "x", 1));
	assert_false(text_grams_may(&g, "xy", 2));
}

/*
 * test_header_find - mime_header_find + mime_header_at read what
 * mime_header_get reads, for every name, over random header blocks
 */
static void
test_header_find(void **state)
{
	static const char *const line[] = {
		"From: a@b\r\n", "from :c\n", " fold\n", "\tx\r\n",
		"\r\n", "\n", "X-Mailer: m\n", "x-mailer:\n", "Fromage: f\n",
		"boundary=q\n", "\rFrom: r\n", "X-DSNContext: d", "From", ":\n",
		"Message-ID: <i@h>\n",
	};
	static const char *const names[] = { "From", "X-Mailer",
	    "X-DSNContext", "Message-ID", "Fromage" };
	char	 h[512], a[64], b[64];
	size_t	 hl, k, at[5];
	long	 it;
	int	 ra, rb, m;

	(void)state;
	for (it = 0; it < 20000; it++) {
		hl = 0;
		for (m = rnd() % 8; m > 0; m--) {
			k = rnd() % (sizeof(line) / sizeof(line[0]));
			memcpy(h + hl, line[k], strlen(line[k]));
			hl += strlen(line[k]);
		}
		mime_header_find(h, hl, names, 5, at);
		for (k = 0; k < 5; k++) {
			ra = mime_header_get(h, hl, names[k], a, sizeof(a));
			rb = mime_header_at(h, hl, at[k], names[k], b,
			    sizeof(b));
			assert_int_equal(ra, rb);
			assert_string_equal(a, b);
		}
	}
}

/* test_casestr_steps - one hit at every position around the steps */
static void
test_casestr_steps(void **state)
{
	char	 h[128];
	const char *got;
	size_t	 hl, at;

	(void)state;
	for (hl = 5; hl <= sizeof(h); hl++)
		for (at = 0; at + 5 <= hl; at++) {
			memset(h, 'x', hl);
			/* a near miss before it: first and last byte fit */
			if (at >= 6)
				memcpy(h + at - 6, "MqqqS", 5);
			memcpy(h + at, "MsExS", 5);
			got = text_casestr(h, hl, "msexs");
			if (got != h + at)
				fail_msg("len %zu at %zu: got %ld", hl, at,
				    got == NULL ? -1L : (long)(got - h));
			/* and nothing past the text: the hit cut short */
			got = text_casestr(h, at + 4, "msexs");
			assert_null(got);
		}
	/* a non-letter is matched exactly: '-' is not CR, ':' not 0x1a */
	assert_null(text_casestr("X\rMS\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r", 20,
	    "X-MS"));
	assert_null(text_casestr("a\x1a                        ", 26, "a:"));
	assert_non_null(text_casestr("                   a:", 21, "A:"));
}

/* test_printable_blocks - the 16-byte copy keeps what one byte at a time keeps */
static void
test_printable_blocks(void **state)
{
	static const struct {
		const char *in;
		size_t	 dstlen;
		const char *want;
	} t[] = {
		{ "word word word word word word", 64,
		  "word word word word word word" },
		{ "word  word\tword\r\nword word word word", 64,
		  "word word word word word word word" },
		{ "0123456789abcde word", 64, "0123456789abcde word" },
		{ "0123456789abcdef word", 64, "0123456789abcdef word" },
		{ "0123456789abcdef  word", 64, "0123456789abcdef word" },
		{ "0123456789abcdef\x01word", 64, "0123456789abcdef?word" },
		{ "0123456789abcdef0123456789abcdef", 17, "0123456789abcdef" },
		{ "0123456789abcdef0123456789abcdef", 18,
		  "0123456789abcdef0" },
		{ "abc defghijklmnop qrs", 18, "abc defghijklmnop" },
		{ "  lead and trail  ", 64, "lead and trail" },
		{ "caf\xc3\xa9 caf\xc3\xa9 caf\xc3\xa9 caf\xc3\xa9", 64,
		  "caf\xc3\xa9 caf\xc3\xa9 caf\xc3\xa9 caf\xc3\xa9" },
	};
	char	 out[64];
	size_t	 i, n;

	(void)state;
	for (i = 0; i < NELEM(t); i++) {
		n = text_printable(out, t[i].dstlen, t[i].in, strlen(t[i].in));
		if (strcmp(out, t[i].want) != 0 || n != strlen(t[i].want))
			fail_msg("row %zu: got \"%s\" (%zu), want \"%s\"", i,
			    out, n, t[i].want);
	}
}

/* test_qp_trailing - white space is dropped only where it ends a line */
static void
test_qp_trailing(void **state)
{
	static const struct {
		const char *in, *want;
	} t[] = {
		{ "a b  \r\nc", "a b\r\nc" },
		{ "a b \t\nc", "a b\nc" },
		{ "a b  ", "a b" },
		{ "a \rb\n", "a \rb\n" },
		{ "a =\r\nb", "a b" },
		{ "a=20 \r\nb", "a \r\nb" },
		{ "0123456789abcdef  \r\n0123456789abcdef=3D",
		  "0123456789abcdef\r\n0123456789abcdef=" },
		{ "a= b", "a= b" },
		{ "a=\t \r\nb", "ab" },
	};
	struct buf b;
	size_t	 i;

	(void)state;
	for (i = 0; i < NELEM(t); i++) {
		buf_init(&b, 4096);
		assert_int_equal(mime_decode_body("quoted-printable", t[i].in,
		    strlen(t[i].in), &b), 0);
		if (b.len != strlen(t[i].want) ||
		    memcmp(b.data, t[i].want, b.len) != 0)
			fail_msg("row %zu: got \"%.*s\", want \"%s\"", i,
			    (int)b.len, b.data ? b.data : "", t[i].want);
		buf_free(&b);
	}
}

/* test_delim_offsets - a delimiter line at every offset around the steps */
static void
test_delim_offsets(void **state)
{
	struct mime_multipart *mp;
	char	 body[256];
	size_t	 pad, n;

	(void)state;
	assert_non_null(mp = malloc(sizeof(*mp)));
	for (pad = 0; pad < 40; pad++) {
		/* "--" inside a line is no delimiter; at a line start it is */
		n = (size_t)snprintf(body, sizeof(body),
		    "%.*s x--b\n--b\n\nfirst\n--b\n\nsecond\n--b--\n",
		    (int)pad, "........................................");
		assert_int_equal(mime_split_multipart(
		    "multipart/mixed; boundary=b", body, n, mp), 0);
		assert_int_equal(mp->nparts, 2);
		assert_int_equal(mp->preamble_len, pad + 6);
		assert_int_equal(mp->part[0].body_len, 5);
		assert_memory_equal(mp->part[1].body, "second", 6);
		assert_true(mp->closed);
	}
	/* the first line of the body */
	assert_int_equal(mime_split_multipart("multipart/mixed; boundary=b",
	    "--b\n\nx\n--b--\n", 13, mp), 0);
	assert_int_equal(mp->nparts, 1);
	assert_int_equal(mp->preamble_len, 0);
	free(mp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_casestr_random),
		cmocka_unit_test(test_casestr_steps),
		cmocka_unit_test(test_grams),
		cmocka_unit_test(test_next_in),
		cmocka_unit_test(test_next_of3),
		cmocka_unit_test(test_header_find),
		cmocka_unit_test(test_printable_blocks),
		cmocka_unit_test(test_qp_trailing),
		cmocka_unit_test(test_delim_offsets),
	};

	return (cmocka_run_group_tests_name("test_text", tests, NULL, NULL));
}
