/*
 * test_jsonr.c - the one JSON reader (common/jsonr.c): jsonr_get on
 * members, nesting, escapes, cuts and what it must reject, and the
 * cursor functions pqjson.c builds on
 *
 * Every input is read from an exact-size heap copy without a NUL, so an
 * over-read shows up under valgrind or ASan.  pqjson.c's own shape is
 * tested in test_pqjson.c.
 */
#include "testutil.h"

#include <limits.h>

#include "jsonr.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define GET(js, key, out, outlen) get(js, strlen(js), key, out, outlen)

/* get - jsonr_get on an exact-size copy of s */
static int
get(const char *s, size_t len, const char *key, char *out, size_t outlen)
{
	char	*copy;
	int	 rc;

	copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, s, len);
	rc = jsonr_get(copy, len, key, out, outlen);
	free(copy);
	if (outlen > 0)
		assert_non_null(memchr(out, '\0', outlen));
	return (rc);
}

/* jsonr_get: members, nesting, escapes, and what it must reject */
static void
test_get(void **state)
{
	static const struct {
		const char *json, *key, *want;
		int	 rc;
	} t[] = {
		{ "{\"a\": \"x\", \"b\": 12}", "b", "12", 1 },
		{ "{\"a\": \"x\", \"b\": -1.5e3}", "b", "-1.5e3", 1 },
		{ "{\"a\": \"x\\\"y\"}", "a", "x\"y", 1 },
		{ " {\"n\": {\"a\": \"in\"}, \"a\": \"out\"} \n", "a", "out", 1 },
		{ "{\"l\": [1, [2, {\"a\": 3}]], \"a\": true}", "a", "true", 1 },
		{ "{\"a\": null}", "a", "null", 1 },
		{ "{\"a\": {\"b\": 1}}", "a", "", 1 },
		{ "{\"a\": \"first\", \"a\": \"second\"}", "a", "first", 1 },
		/* the value "\"a\"" is not a member (probe's strstr took it) */
		{ "{\"x\": \"\\\"a\\\": \\\"no\\\"\"}", "a", "", 0 },
		/* Entra's "\r\n" between sentences: spaces */
		{ "{\"error_description\": \"AADSTS7000215: x.\\r\\nTrace ID: 1\"}",
		    "error_description", "AADSTS7000215: x.  Trace ID: 1", 1 },
		{ "{\"a\": \"caf\\u00e9 \\ud83d\\ude00\"}", "a",
		    "caf\xc3\xa9 \xf0\x9f\x98\x80", 1 },
		{ "{\"a\": \"\\u0000\\u001f\\ud800x\"}", "a", "  ?x", 1 },
		{ "{\"a\": \"\\/\"}", "a", "/", 1 },
		{ "{}", "a", "", 0 },
		{ "{\"a\": \"x\"}", "b", "", 0 },
		{ "{\"a\": \"x\",, }", "a", "", -1 },
		{ "{\"a\": \"x\"", "a", "", -1 },
		{ "{\"a\": \"x\"} trailing", "a", "", -1 },
		{ "{} {}", "a", "", -1 },
		{ "[\"a\"]", "a", "", -1 },
		{ "", "a", "", -1 },
		{ "{\"a\": \"x\ny\"}", "a", "", -1 },
		{ "{\"a\": }", "a", "", -1 },
		{ "{\"a\": tru}", "a", "", -1 },
		{ "{\"a\": 1.}", "a", "", -1 },
		{ "{\"a\": \"\\x\"}", "a", "", -1 },
		{ "{\"a\": \"\\u12\"}", "a", "", -1 },
		{ "{a: 1}", "a", "", -1 },
	};
	char	 out[64];
	size_t	 i;
	int	 rc;

	(void)state;
	for (i = 0; i < NELEM(t); i++) {
		rc = get(t[i].json, strlen(t[i].json), t[i].key, out,
		    sizeof(out));
		if (rc != t[i].rc || (rc == 1 && strcmp(out, t[i].want) != 0))
			fail_msg("row %zu: got %d \"%s\", want %d \"%s\"", i,
			    rc, out, t[i].rc, t[i].want);
	}
}

/* depth: JSONR_MAX_DEPTH containers read, one more and 10000 refused */
static void
test_depth(void **state)
{
	char	*buf, *p, out[8];
	int	 levels[] = { JSONR_MAX_DEPTH, JSONR_MAX_DEPTH + 1, 10000 };
	int	 want[] = { 1, -1, -1 }, i;
	size_t	 j;

	(void)state;
	buf = malloc(2 * 10000 + 64);
	assert_non_null(buf);
	for (j = 0; j < NELEM(levels); j++) {
		/* the top object is level 1; each "[" opens one more */
		p = buf + sprintf(buf, "{\"a\": ");
		for (i = 1; i < levels[j]; i++)
			*p++ = '[';
		for (i = 1; i < levels[j]; i++)
			*p++ = ']';
		*p++ = '}';
		if (get(buf, (size_t)(p - buf), "a", out, sizeof(out)) !=
		    want[j])
			fail_msg("depth %d: want %d", levels[j], want[j]);
	}
	/* unclosed: refused, not recursed into */
	memset(buf, '[', 10000);
	memcpy(buf, "{\"a\":", 5);
	assert_int_equal(get(buf, 10000, "a", out, sizeof(out)), -1);
	free(buf);
}

/* cuts: bounded by outlen, never inside a UTF-8 sequence */
static void
test_cut(void **state)
{
	char	 out[8];

	(void)state;
	assert_int_equal(GET("{\"a\":\"0123456789\"}", "a", out, 4), 1);
	assert_string_equal(out, "012");
	assert_int_equal(GET("{\"a\":1234567890}", "a", out, 4), 1);
	assert_string_equal(out, "123");
	/* "ab" + U+00E9 (2 bytes) in 4 bytes: the sequence is dropped */
	assert_int_equal(GET("{\"a\":\"ab\\u00e9\"}", "a", out, 4), 1);
	assert_string_equal(out, "ab");
	assert_int_equal(GET("{\"a\":\"ab\xc3\xa9\"}", "a", out, 4), 1);
	assert_string_equal(out, "ab");
	/* a raw control byte after part of the value: refused, out "" */
	assert_int_equal(GET("{\"a\":\"AADSTS\x01<\"}", "a", out, 8), -1);
	assert_string_equal(out, "");
	/* outlen 0: found, nothing written */
	assert_int_equal(GET("{\"a\":\"x\"}", "a", out, 0), 1);
	/* every prefix of a valid object is refused */
	{
		static const char js[] = "{\"a\": [1, {\"b\": \"c\\u00e9\"}], \"k\": \"v\"}";
		size_t	 n;

		for (n = 0; n < sizeof(js) - 1; n++)
			if (get(js, n, "k", out, sizeof(out)) != -1)
				fail_msg("prefix %zu accepted", n);
		assert_int_equal(get(js, sizeof(js) - 1, "k", out,
		    sizeof(out)), 1);
		assert_string_equal(out, "v");
	}
}

/* the cursor: walk an object member by member, as pqjson.c does */
static void
test_cursor(void **state)
{
	static const char js[] = " { \"s\" : \"t\\n\" , \"n\": -42.5e1, "
	    "\"b\": true, \"x\": [ {}, [] ] } ";
	struct jsonr c;
	char	 key[8], s[8];
	long long n = 0;
	int	 b = 0;

	(void)state;
	jsonr_init(&c, js, sizeof(js) - 1, '?');
	assert_int_equal(jsonr_open(&c, '{'), 0);
	assert_int_equal(jsonr_key(&c, key, sizeof(key)), 0);
	assert_string_equal(key, "s");
	assert_int_equal(jsonr_string(&c, s, sizeof(s)), 0);
	assert_string_equal(s, "t?");
	assert_int_equal(jsonr_next(&c, '}'), 1);
	assert_int_equal(jsonr_key(&c, key, sizeof(key)), 0);
	assert_int_equal(jsonr_number(&c, &n), 0);
	assert_true(n == -42);
	assert_int_equal(jsonr_next(&c, '}'), 1);
	assert_int_equal(jsonr_key(&c, key, sizeof(key)), 0);
	assert_int_equal(jsonr_literal(&c, &b), 0);
	assert_int_equal(b, 1);
	assert_int_equal(jsonr_next(&c, '}'), 1);
	assert_int_equal(jsonr_key(&c, key, sizeof(key)), 0);
	assert_int_equal(jsonr_skip(&c, 1), 0);
	assert_int_equal(jsonr_next(&c, '}'), 0);
	assert_int_equal(jsonr_end(&c), 0);
	/* a key too long for its buffer reads as "", a cut string says 1 */
	jsonr_init(&c, "\"longkey\": \"longvalue\"", 22, '?');
	assert_int_equal(jsonr_key(&c, key, 4), 0);
	assert_string_equal(key, "");
	assert_int_equal(jsonr_string(&c, s, 4), 1);
	assert_string_equal(s, "lon");
	/* numbers out of range clamp */
	jsonr_init(&c, "99999999999999999999999", 23, '?');
	assert_int_equal(jsonr_number(&c, &n), 0);
	assert_true(n == LLONG_MAX);
	assert_int_equal(jsonr_end(&c), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_cursor),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
