/*
 * test_pqjson.c - pqjson_parse on every real "postqueue -j" line and on
 * malformed, truncated, deep and oversized input
 *
 * struct pqjson is ~90 KB: always on the heap.  Each input is parsed from
 * an exact-size heap copy without a NUL, so an over-read shows up under
 * valgrind or ASan.
 */
#include "testutil.h"

#include "pqjson.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* parse - pqjson_parse on an exact-size copy of [s, s+len) */
static int
parse(const char *s, size_t len, struct pqjson *pq)
{
	char	*copy;
	int	 rc, i;

	copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, s, len);
	rc = pqjson_parse(copy, len, pq);
	free(copy);
	assert_true(rc == 0 || rc == -1);
	/* every string terminated in its buffer, counts in range */
	assert_non_null(memchr(pq->queue_name, '\0', sizeof(pq->queue_name)));
	assert_non_null(memchr(pq->queue_id, '\0', sizeof(pq->queue_id)));
	assert_non_null(memchr(pq->sender, '\0', sizeof(pq->sender)));
	assert_true(pq->nrcpt >= 0 && pq->nrcpt <= PQJSON_MAX_RCPT);
	assert_true(pq->rcpt_dropped >= 0);
	for (i = 0; i < pq->nrcpt; i++) {
		assert_non_null(memchr(pq->rcpt[i].address, '\0',
		    sizeof(pq->rcpt[i].address)));
		assert_non_null(memchr(pq->rcpt[i].delay_reason, '\0',
		    sizeof(pq->rcpt[i].delay_reason)));
	}
	return (rc);
}

/* new_pq - a heap struct pqjson filled with garbage, as a caller might reuse one */
static struct pqjson *
new_pq(void)
{
	struct pqjson *pq;

	pq = malloc(sizeof(*pq));
	assert_non_null(pq);
	memset(pq, 'Z', sizeof(*pq));
	return (pq);
}

/* every line of every sample file */
static void
test_samples(void **state)
{
	static const char *const files[] = {
		"hard-no-worthy-mechs", "milter-down-accept",
		"milter-down-tempfail.after-restore", "milter-down-tempfail",
		"milter-modify-5.7.139-security-defaults",
		"milter-modify-5.7.139-smtpauth-disabled",
		"milter-modify-5.7.3", "milter-modify-5.7.57",
		"milter-observe-5.7.139", "milter-reject-bounce",
		"milter-soft-535-5.7.139-smtpauth-disabled.after-delay-warning",
		"milter-soft-535-5.7.139-smtpauth-disabled.final",
		"milter-soft-535-5.7.139-smtpauth-disabled.initial",
		"milter-tempfail-bounce", "milter-timeout-accept",
		"milter-timeout-tempfail",
		"soft-535-5.7.139-smtpauth-disabled.after-delay-warning",
		"soft-535-5.7.139-smtpauth-disabled.final",
		"soft-535-5.7.139-smtpauth-disabled.initial",
	};
	struct pqjson *pq = new_pq();
	char	 path[256], *data, *p, *nl, *end;
	size_t	 i, len;
	int	 lines = 0, rcpts = 0, reasons = 0;

	(void)state;
	for (i = 0; i < NELEM(files); i++) {
		snprintf(path, sizeof(path),
		    "tests/data/postfix/postqueue/%s.json", files[i]);
		data = tu_read(path, &len);
		end = data + len;
		for (p = data; p < end; p = nl + 1) {
			if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
				nl = end;
			if (nl == p)
				continue;
			if (parse(p, (size_t)(nl - p), pq) != 0)
				fail_msg("%s: %.60s: got -1, want 0", path, p);
			lines++;
			if (strcmp(pq->queue_name, "deferred") != 0 &&
			    strcmp(pq->queue_name, "active") != 0)
				fail_msg("%s: queue_name \"%s\"", path,
				    pq->queue_name);
			assert_int_equal(strlen(pq->queue_id), 11);
			assert_string_equal(pq->sender,
			    "alice@relay.example.test");
			assert_true(pq->arrival_time > 1700000000LL);
			assert_true(pq->message_size > 300);
			assert_int_equal(pq->forced_expire, 0);
			assert_int_equal(pq->rcpt_dropped, 0);
			rcpts += pq->nrcpt;
			if (pq->nrcpt > 0) {
				assert_string_equal(pq->rcpt[0].address,
				    "bob@customer.example");
				if (strstr(pq->rcpt[0].delay_reason,
				    "SASL authentication failed") != NULL)
					reasons++;
			}
		}
		free(data);
	}
	/* 10 lines, 5 with a recipient; all five deferred by SASL */
	assert_int_equal(lines, 10);
	assert_int_equal(rcpts, 5);
	assert_int_equal(reasons, 5);
	free(pq);
}

/* one sample line, field by field */
static void
test_fields(void **state)
{
	static const char line[] = "{\"queue_name\": \"deferred\", \"queue_id\": \"81CE41022E9\", \"arrival_time\": 1795367644, \"message_size\": 397, \"forced_expire\": false, \"sender\": \"alice@relay.example.test\", \"recipients\": [{\"address\": \"bob@customer.example\", \"delay_reason\": \"SASL authentication failed; server 127.0.0.1[127.0.0.1] said: 535 5.7.139 Authentication unsuccessful\"}]}";
	struct pqjson *pq = new_pq();

	(void)state;
	assert_int_equal(parse(line, sizeof(line) - 1, pq), 0);
	assert_string_equal(pq->queue_name, "deferred");
	assert_string_equal(pq->queue_id, "81CE41022E9");
	assert_true(pq->arrival_time == 1795367644LL);
	assert_true(pq->message_size == 397);
	assert_int_equal(pq->forced_expire, 0);
	assert_string_equal(pq->sender, "alice@relay.example.test");
	assert_int_equal(pq->nrcpt, 1);
	assert_string_equal(pq->rcpt[0].address, "bob@customer.example");
	assert_string_equal(pq->rcpt[0].delay_reason,
	    "SASL authentication failed; server 127.0.0.1[127.0.0.1] said: 535 5.7.139 Authentication unsuccessful");
	free(pq);
}

/* string escapes: got vs want for the sender member */
static void
test_escapes(void **state)
{
	static const struct {
		const char *json;	/* the sender value, quotes included */
		const char *want;
	} t[] = {
		{ "\"plain\"", "plain" },
		{ "\"a\\\"b\\\\c\\/d\"", "a\"b\\c/d" },
		{ "\"\\u0041\\u00e9\\u20ac\"", "A\xc3\xa9\xe2\x82\xac" },
		{ "\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80" },	/* U+1F600 */
		{ "\"\\uD83D\\uDE00\"", "\xf0\x9f\x98\x80" },
		{ "\"x\\u0000y\"", "x?y" },			/* NUL */
		{ "\"a\\nb\\r\\tc\\b\\f\"", "a?b??c??" },
		{ "\"\\u001b[31m\"", "?[31m" },
		{ "\"\\u007f\\u0085\"", "??" },			/* DEL, C1 */
		{ "\"\\ud83dx\"", "?x" },			/* lone high */
		{ "\"\\ude00\"", "?" },				/* lone low */
		{ "\"\\ud83d\\u0041\"", "?A" },			/* high + BMP */
		{ "\"\\ud83d\\ud83d\\ude00\"", "?\xf0\x9f\x98\x80" },
		{ "\"caf\xc3\xa9\"", "caf\xc3\xa9" },		/* raw UTF-8 */
		{ "\"\"", "" },
	};
	struct pqjson *pq = new_pq();
	char	 buf[256];
	size_t	 i;
	int	 n;

	(void)state;
	for (i = 0; i < NELEM(t); i++) {
		n = snprintf(buf, sizeof(buf), "{\"sender\": %s}", t[i].json);
		if (parse(buf, (size_t)n, pq) != 0)
			fail_msg("%s: got -1, want 0", t[i].json);
		if (strcmp(pq->sender, t[i].want) != 0)
			fail_msg("%s: got \"%s\", want \"%s\"", t[i].json,
			    pq->sender, t[i].want);
	}
	free(pq);
}

/* input that must be rejected, and odd input that must be accepted */
static void
test_malformed(void **state)
{
	static const struct {
		const char *json;
		int	 want;
	} t[] = {
		{ "", -1 },
		{ "   ", -1 },
		{ "[]", -1 },
		{ "\"x\"", -1 },
		{ "{", -1 },
		{ "{\"queue_id\"", -1 },
		{ "{\"queue_id\":", -1 },
		{ "{\"queue_id\": \"abc", -1 },
		{ "{\"queue_id\": \"abc\"", -1 },
		{ "{\"queue_id\": \"abc\",}", -1 },
		{ "{\"queue_id\" \"abc\"}", -1 },
		{ "{queue_id: \"abc\"}", -1 },
		{ "{\"queue_id\": 'abc'}", -1 },
		{ "{\"a\": \"\\x\"}", -1 },
		{ "{\"a\": \"\\u12\"}", -1 },
		{ "{\"a\": \"\\u12G4\"}", -1 },
		{ "{\"a\": \"\\ud83d\\u12\"}", -1 },
		{ "{\"a\": \"tab\there\"}", -1 },		/* raw control */
		{ "{\"a\": \"\\", -1 },
		{ "{\"a\": 01}", -1 },
		{ "{\"a\": 1.}", -1 },
		{ "{\"a\": 1e}", -1 },
		{ "{\"a\": -}", -1 },
		{ "{\"a\": +1}", -1 },
		{ "{\"a\": tru}", -1 },
		{ "{\"a\": truex}", -1 },
		{ "{\"a\": nul}", -1 },
		{ "{\"a\": [1,]}", -1 },
		{ "{\"a\": [1 2]}", -1 },
		{ "{\"a\": {\"b\" 1}}", -1 },
		{ "{\"a\": {\"b\": 1]}", -1 },
		{ "{\"a\": [}", -1 },
		{ "{\"recipients\": [{\"address\": \"a\"]}", -1 },
		{ "{\"recipients\": [{\"address\": \"a\"}", -1 },
		{ "{\"recipients\": [{\"address\" \"a\"}]}", -1 },
		{ "{} {}", -1 },
		{ "{}x", -1 },
		{ "{}", 0 },
		{ " {} \r\n", 0 },
		{ "{\"a\": [1, -2.5e+3, true, false, null, \"s\", {}, [], {\"x\": [[]]}]}", 0 },
		{ "{\"a\": 0, \"b\": -0, \"c\": 0.5E-7}", 0 },
		/* known members of another type are skipped */
		{ "{\"queue_id\": 7, \"arrival_time\": \"x\", \"forced_expire\": null, \"recipients\": {\"address\": \"x\"}}", 0 },
		{ "{\"recipients\": [1, \"x\", null, [], {\"address\": [\"a\"]}]}", 0 },
	};
	struct pqjson *pq = new_pq();
	size_t	 i;
	int	 rc;

	(void)state;
	for (i = 0; i < NELEM(t); i++) {
		rc = parse(t[i].json, strlen(t[i].json), pq);
		if (rc != t[i].want)
			fail_msg("%s: got %d, want %d", t[i].json, rc, t[i].want);
	}
	/* the skipped members left the fields empty */
	rc = parse(t[NELEM(t) - 2].json, strlen(t[NELEM(t) - 2].json), pq);
	assert_int_equal(rc, 0);
	assert_string_equal(pq->queue_id, "");
	assert_true(pq->arrival_time == 0);
	assert_int_equal(pq->nrcpt, 0);
	rc = parse(t[NELEM(t) - 1].json, strlen(t[NELEM(t) - 1].json), pq);
	assert_int_equal(rc, 0);
	assert_int_equal(pq->nrcpt, 1);
	assert_string_equal(pq->rcpt[0].address, "");
	free(pq);
}

/* every prefix of a real line is malformed, and none is read past its end */
static void
test_truncated(void **state)
{
	struct pqjson *pq = new_pq();
	char	*data, *nl;
	size_t	 len, k, n;

	(void)state;
	data = tu_read("tests/data/postfix/postqueue/soft-535-5.7.139-smtpauth-disabled.initial.json",
	    &len);
	nl = memchr(data, '\n', len);
	n = nl ? (size_t)(nl - data) : len;
	assert_true(n > 200);
	for (k = 0; k < n; k++)
		if (parse(data, k, pq) != -1)
			fail_msg("prefix of %zu bytes: got 0, want -1", k);
	assert_int_equal(parse(data, n, pq), 0);
	free(data);
	free(pq);
}

/* nesting: PQJSON_MAX_DEPTH levels parse, one more fails, 10000 fails */
static void
test_depth(void **state)
{
	struct pqjson *pq = new_pq();
	char	*buf, *p;
	int	 depth, i, levels[] = { PQJSON_MAX_DEPTH, PQJSON_MAX_DEPTH + 1,
	    10000 }, want[] = { 0, -1, -1 };
	size_t	 j;

	(void)state;
	buf = malloc(6 * 10000 + 128);
	assert_non_null(buf);
	for (j = 0; j < NELEM(levels); j++) {
		/* the top object is level 1; each "[" opens one more */
		depth = levels[j];
		p = buf;
		p += sprintf(p, "{\"x\": ");
		for (i = 1; i < depth; i++)
			*p++ = '[';
		for (i = 1; i < depth; i++)
			*p++ = ']';
		*p++ = '}';
		if (parse(buf, (size_t)(p - buf), pq) != want[j])
			fail_msg("depth %d: got %d, want %d", depth,
			    -want[j] - 1, want[j]);
	}
	/* deep objects inside a recipient count the enclosing levels too */
	p = buf;
	p += sprintf(p, "{\"recipients\": [{\"x\": ");
	for (i = 0; i < 10000; i++)
		p += sprintf(p, "{\"a\":");
	assert_int_equal(parse(buf, (size_t)(p - buf), pq), -1);
	p = buf;
	p += sprintf(p, "{\"recipients\": [{\"x\": ");
	for (i = 3; i < PQJSON_MAX_DEPTH; i++)
		p += sprintf(p, "{\"a\":");
	p += sprintf(p, "1");
	for (i = 3; i < PQJSON_MAX_DEPTH; i++)
		*p++ = '}';
	p += sprintf(p, ", \"address\": \"deep@x\"}]}");
	assert_int_equal(parse(buf, (size_t)(p - buf), pq), 0);
	assert_string_equal(pq->rcpt[0].address, "deep@x");
	free(buf);
	free(pq);
}

/* oversized strings are cut into the fixed buffers, never inside UTF-8 */
static void
test_huge(void **state)
{
	struct pqjson *pq = new_pq();
	char	*buf, *p;
	size_t	 n = 200000, i;

	(void)state;
	buf = malloc(n);
	assert_non_null(buf);
	p = buf;
	p += sprintf(p, "{\"queue_name\": \"xx");
	for (i = 0; i < 20; i++)
		p += sprintf(p, "\xc3\xa9");
	p += sprintf(p, "\", \"queue_id\": \"");
	memset(p, 'Q', 1000);
	p += 1000;
	p += sprintf(p, "\", \"sender\": \"");
	memset(p, 's', 50000);
	p += 50000;
	p += sprintf(p, "\", \"recipients\": [{\"address\": \"x");
	/* two-byte characters: 319 bytes hold 159 of them after "x" */
	for (i = 0; i < 1000; i++)
		p += sprintf(p, "\xc3\xa9");
	p += sprintf(p, "\", \"delay_reason\": \"");
	for (i = 0; i < 1000; i++)
		p += sprintf(p, "ab\\u20ac");		/* 5 bytes each */
	p += sprintf(p, "\"}], \"%s\": 1}", "unknown_but_very_long_member_name_xxxxxxxxxxxxxxxxxxxxxxxx");
	assert_int_equal(parse(buf, (size_t)(p - buf), pq), 0);
	/* "xx" and 14 "é" fill 30 of 31 bytes; the 15th "é" would be cut */
	assert_int_equal(strlen(pq->queue_name), 30);
	assert_int_equal((unsigned char)pq->queue_name[29], 0xa9);
	assert_int_equal(strlen(pq->queue_id), sizeof(pq->queue_id) - 1);
	assert_int_equal(strlen(pq->sender), sizeof(pq->sender) - 1);
	assert_int_equal(strlen(pq->rcpt[0].address), 1 + 2 * 159);
	assert_int_equal((unsigned char)pq->rcpt[0].address[318], 0xa9);
	/* 1023 bytes: 204 whole "ab€" units, then "ab", no partial "€" */
	assert_int_equal(strlen(pq->rcpt[0].delay_reason), 204 * 5 + 2);
	assert_string_equal(pq->rcpt[0].delay_reason + 204 * 5, "ab");

	/* a four-byte character cut after two of its bytes is dropped whole */
	p = buf;
	p += sprintf(p, "{\"queue_id\": \"a");
	for (i = 0; i < 20; i++)
		p += sprintf(p, "\xf0\x9f\x98\x80");
	p += sprintf(p, "\"}");
	assert_int_equal(parse(buf, (size_t)(p - buf), pq), 0);
	assert_int_equal(strlen(pq->queue_id), 1 + 15 * 4);
	free(buf);
	free(pq);
}

/* more than PQJSON_MAX_RCPT recipients: the rest are counted */
static void
test_many_rcpt(void **state)
{
	struct pqjson *pq = new_pq();
	char	*buf, *p;
	int	 i, n = PQJSON_MAX_RCPT + 36;

	(void)state;
	buf = malloc((size_t)n * 80 + 256);
	assert_non_null(buf);
	p = buf;
	p += sprintf(p, "{\"queue_id\": \"ABC\", \"recipients\": [");
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s{\"address\": \"r%d@x\", \"delay_reason\": \"d%d\"}",
		    i ? ", " : "", i, i);
	p += sprintf(p, "], \"sender\": \"after@x\"}");
	assert_int_equal(parse(buf, (size_t)(p - buf), pq), 0);
	assert_int_equal(pq->nrcpt, PQJSON_MAX_RCPT);
	assert_int_equal(pq->rcpt_dropped, 36);
	assert_string_equal(pq->rcpt[0].address, "r0@x");
	assert_string_equal(pq->rcpt[PQJSON_MAX_RCPT - 1].address, "r63@x");
	assert_string_equal(pq->rcpt[PQJSON_MAX_RCPT - 1].delay_reason, "d63");
	assert_string_equal(pq->sender, "after@x");
	/* the struct is reset between lines */
	assert_int_equal(parse("{}", 2, pq), 0);
	assert_int_equal(pq->nrcpt, 0);
	assert_int_equal(pq->rcpt_dropped, 0);
	assert_string_equal(pq->sender, "");
	free(buf);
	free(pq);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_huge),
		cmocka_unit_test(test_many_rcpt),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
