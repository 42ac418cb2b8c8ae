/*
 * test_logfmt.c - logfmt_value, logfmt_verdict
 */
#include "testutil.h"

#include "buf.h"
#include "explain.h"
#include "logfmt.h"

/* values: censored, never empty, bounded */
static void
test_value(void **state)
{
	static const struct {
		const char *in;
		const char *want;
	} t[] = {
		{ "5.7.139", "5.7.139" },
		{ "", "none" },
		{ NULL, "none" },
		{ "smtp.office365.com", "smtp.office365.com" },
		{ "a b", "a_b" },
		{ "x\r\ny=1 action=rejected", "x_y=1_action=rejected" },
		{ "bell\aend", "bell?end" },
		{ "tab\there", "tab_here" },
		{ "q\"uote'", "q_uote_" },
		{ "\xff\xfe", "??" },
		{ "caf\xc3\xa9", "caf\xc3\xa9" },
		{ "del\x7f", "del?" },
	};
	char	 out[LOGFMT_VALUE_MAX + 8];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		logfmt_value(out, sizeof(out), t[i].in);
		if (strcmp(out, t[i].want) != 0)
			fail_msg("%s: got \"%s\", want \"%s\"",
			    t[i].in ? t[i].in : "(null)", out, t[i].want);
	}
}

/* a value over LOGFMT_VALUE_MAX is cut, not inside a UTF-8 sequence */
static void
test_value_long(void **state)
{
	char	 in[1000], out[LOGFMT_VALUE_MAX + 8];
	size_t	 i;

	(void)state;
	memset(in, 'a', sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	logfmt_value(out, sizeof(out), in);
	assert_int_equal(strlen(out), LOGFMT_VALUE_MAX + 3);
	assert_string_equal(out + LOGFMT_VALUE_MAX, "...");
	/* three-byte characters: the cut falls on a character boundary */
	for (i = 0; i + 3 < sizeof(in); i += 3)
		memcpy(in + i, "\xe4\xb8\xad", 3);
	in[i] = '\0';
	logfmt_value(out, sizeof(out), in);
	assert_int_equal((strlen(out) - 3) % 3, 0);
	assert_true(strlen(out) <= LOGFMT_VALUE_MAX + 3);
	/* a small destination is never overrun */
	logfmt_value(out, 5, "abcdefgh");
	assert_string_equal(out, "abcd");
}

/* the whole line, Postfix-shaped */
static void
test_verdict(void **state)
{
	struct verdict v;
	struct buf b;

	(void)state;
	verdict_init(&v);
	v.provider = PROVIDER_M365;
	v.cause = "m365.auth.bad_credentials";
	snprintf(v.status, sizeof(v.status), "5.7.3");
	snprintf(v.relay, sizeof(v.relay), "smtp.office365.com");
	snprintf(v.server_id, sizeof(v.server_id),
	    "SN4PR0501CA0054.namprd05.prod.outlook.com");
	snprintf(v.queue_id, sizeof(v.queue_id), "1934E1022EB");
	buf_init(&b, 4096);
	assert_int_equal(logfmt_verdict(&b, "31F52102303", &v, "en", "hinted",
	    0), 0);
	assert_string_equal(b.data, "31F52102303: relayhint: "
	    "orig_queue_id=1934E1022EB provider=m365 "
	    "cause=m365.auth.bad_credentials dsn=5.7.3 relay=smtp.office365.com "
	    "server_id=SN4PR0501CA0054.namprd05.prod.outlook.com lang=en "
	    "action=hinted");
	/* no queue id, empty fields, a hostile relay name, held lines */
	buf_reset(&b);
	snprintf(v.relay, sizeof(v.relay), "evil\nX: relayhint: cause=fake");
	v.server_id[0] = '\0';
	v.queue_id[0] = '\0';
	assert_int_equal(logfmt_verdict(&b, NULL, &v, "zh-TW", "hinted", 7),
	    0);
	assert_string_equal(b.data, "NOQUEUE: relayhint: orig_queue_id=none "
	    "provider=m365 cause=m365.auth.bad_credentials dsn=5.7.3 "
	    "relay=evil_X:_relayhint:_cause=fake server_id=none lang=zh-TW "
	    "action=hinted suppressed=7");
	assert_null(strchr(b.data, '\n'));
	buf_free(&b);
	/* overflow is reported */
	buf_init(&b, 16);
	assert_int_equal(logfmt_verdict(&b, "Q", &v, "en", "hinted", 0), -1);
	buf_free(&b);
	assert_string_equal(logfmt_provider(PROVIDER_NONE), "none");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_value),
		cmocka_unit_test(test_value_long),
		cmocka_unit_test(test_verdict),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
