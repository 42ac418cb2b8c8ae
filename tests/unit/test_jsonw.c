/*
 * test_jsonw.c - JSON strings (common/jsonw.c) and the buffer they are
 * written into (common/buf.c, buf.h)
 *
 * What scripts reading --json rely on: every reply, however broken,
 * becomes one valid JSON string on one line - control bytes escaped,
 * bytes that are not UTF-8 replaced by U+FFFD, valid UTF-8 kept.  The
 * writer appends runs of plain bytes at once; its output must be the
 * byte-at-a-time writer's for any input, which a copy of that writer
 * here checks on a table and on random bytes.  The buffer's inline
 * appends must keep its hard limit exactly: up to max bytes fit, one
 * more fails, sets overflow and leaves the contents as they were.
 */
#include "testutil.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "jsonw.h"
#include "text.h"

/* utf8_at - the length of the shortest well-formed character at s, or 0 */
static size_t
utf8_at(const char *s, size_t left)
{
	size_t	 n;

	for (n = 2; n <= 4 && n <= left; n++)
		if (text_utf8_valid(s, n))
			return (n);
	return (0);
}

/*
 * ref_strn - the byte-at-a-time writer jsonw_strn replaced: each byte
 * (or character) on its own, by what it is
 */
static void
ref_strn(struct buf *b, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t	 i, n;
	char	 esc[8];

	buf_append(b, "\"", 1);
	for (i = 0; i < len; i += n) {
		n = 1;
		if (u[i] == '\n')
			buf_append(b, "\\n", 2);
		else if (u[i] == '"' || u[i] == '\\') {
			esc[0] = '\\';
			esc[1] = (char)u[i];
			buf_append(b, esc, 2);
		} else if (u[i] < 0x20 || u[i] == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", u[i]);
			buf_append(b, esc, 6);
		} else if (u[i] < 0x80)
			buf_append(b, s + i, 1);
		else if ((n = utf8_at(s + i, len - i)) > 0)
			buf_append(b, s + i, n);
		else {
			n = 1;
			buf_append(b, "\xef\xbf\xbd", 3);
		}
	}
	buf_append(b, "\"", 1);
}

/* got - jsonw_strn's output for len bytes of s */
static char *
got(const char *s, size_t len)
{
	struct buf b;

	buf_init(&b, 1024 * 1024);
	assert_int_equal(jsonw_strn(&b, s, len), 0);
	assert_false(b.overflow);
	return (b.data);
}

#define R(in, want)	{ in, sizeof(in) - 1, want }

/* table - what each kind of byte becomes */
static void
test_table(void **state)
{
	static const struct {
		const char *in;
		size_t	 len;
		const char *want;
	} t[] = {
		R("", "\"\""),
		R("550 5.7.1 plain", "\"550 5.7.1 plain\""),
		R("a\"b\\c", "\"a\\\"b\\\\c\""),
		R("one\ntwo\r\tx", "\"one\\ntwo\\u000d\\u0009x\""),
		R("\x7f\x01", "\"\\u007f\\u0001\""),
		R("nul\0byte", "\"nul\\u0000byte\""),
		R("caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x93\xa7",
		    "\"caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x93\xa7\""),
		R("bad \xc3 end", "\"bad \xef\xbf\xbd end\""),
		R("cut \xe6\x97", "\"cut \xef\xbf\xbd\xef\xbf\xbd\""),
		R("\x80\xbf", "\"\xef\xbf\xbd\xef\xbf\xbd\""),
		R("\xed\xa0\x80",	/* a surrogate is not UTF-8 */
		    "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""),
	};
	size_t	 i;
	char	*s;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		s = got(t[i].in, t[i].len);
		if (strcmp(s, t[i].want) != 0)
			fail_msg("row %zu: got %s, want %s", i, s, t[i].want);
		free(s);
	}
}

/* same_as_ref - random bytes, mostly plain, as the old writer wrote them */
static void
test_same_as_ref(void **state)
{
	static const char pick[] = "abc \"\\\n\r\t\x01\x7f\xc3\xa9\xe6\x97"
	    "\xa5\xf0\x9f\x93\xa7\x80\xff";
	unsigned long seed = 18;
	char	 in[300], *s;
	struct buf want;
	size_t	 len, i;
	int	 round;

	(void)state;
	for (round = 0; round < 20000; round++) {
		seed = seed * 6364136223846793005UL + 1442695040888963407UL;
		len = (seed >> 33) % sizeof(in);
		for (i = 0; i < len; i++) {
			seed = seed * 6364136223846793005UL +
			    1442695040888963407UL;
			in[i] = (seed >> 40) % 4 ? (char)('A' + (seed >> 50) %
			    26) : pick[(seed >> 45) % (sizeof(pick) - 1)];
		}
		buf_init(&want, 1024 * 1024);
		ref_strn(&want, in, len);
		s = got(in, len);
		if (strcmp(s, want.data) != 0)
			fail_msg("round %d: got %s, want %s", round, s,
			    want.data);
		free(s);
		buf_free(&want);
	}
}

/* putnum - buf_putnum writes what printf's %lld writes, for any value */
static void
test_putnum(void **state)
{
	static const long long edge[] = {
		0, 1, -1, 9, 10, -10, 99, 100, 535, 2147483647LL,
		-2147483648LL, LLONG_MAX, LLONG_MIN, LLONG_MIN + 1,
	};
	unsigned long long seed = 7;
	struct buf b;
	char	 want[32];
	long long v;
	int	 i;

	(void)state;
	for (i = 0; i < 20000; i++) {
		if (i < (int)(sizeof(edge) / sizeof(edge[0])))
			v = edge[i];
		else {
			seed = seed * 6364136223846793005ULL +
			    1442695040888963407ULL;
			/* every magnitude, not only 19-digit ones */
			v = (long long)(seed >> (seed % 64));
		}
		snprintf(want, sizeof(want), "%lld", v);
		buf_init(&b, 64);
		assert_int_equal(buf_putnum(&b, v), 0);
		assert_string_equal(b.data, want);
		buf_free(&b);
	}
	/* past max: fails and leaves the buffer as it was */
	buf_init(&b, 4);
	assert_int_equal(buf_putnum(&b, 123), 0);
	assert_int_not_equal(buf_putnum(&b, 45), 0);
	assert_true(b.overflow);
	assert_string_equal(b.data, "123");
	buf_free(&b);
}

/* limit - the inline appends stop exactly at max and change nothing */
static void
test_limit(void **state)
{
	struct buf b;
	int	 i;

	(void)state;
	buf_init(&b, 10);
	for (i = 0; i < 10; i++)
		assert_int_equal(buf_putc(&b, 'a' + i), 0);
	assert_int_equal(b.len, 10);
	assert_string_equal(b.data, "abcdefghij");
	assert_false(b.overflow);
	assert_int_equal(buf_putc(&b, 'x'), -1);
	assert_true(b.overflow);
	assert_int_equal(buf_append(&b, "y", 1), -1);
	assert_int_equal(b.len, 10);
	assert_string_equal(b.data, "abcdefghij");
	buf_reset(&b);
	assert_false(b.overflow);
	assert_int_equal(buf_append(&b, "0123456789", 10), 0);
	assert_string_equal(b.data, "0123456789");
	buf_reset(&b);
	assert_int_equal(buf_append(&b, "0123456789a", 11), -1);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	assert_int_equal(buf_append(&b, "", 0), 0);
	buf_free(&b);
	/* an empty append still gives a terminated, empty string */
	buf_init(&b, 10);
	assert_int_equal(buf_append(&b, "", 0), 0);
	assert_non_null(b.data);
	assert_string_equal(b.data, "");
	buf_free(&b);
	/* a JSON string that does not fit: overflow, so callers can tell */
	buf_init(&b, 8);
	jsonw_str(&b, "too long a reply");
	assert_true(b.overflow);
	assert_true(b.len <= 8);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_same_as_ref),
		cmocka_unit_test(test_putnum),
		cmocka_unit_test(test_limit),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
