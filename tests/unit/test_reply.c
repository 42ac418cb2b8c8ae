/*
 * test_reply.c - reply_parse, reply_status_valid, reply_server_id
 */
#include "testutil.h"

#include "reply.h"

static void
test_status_valid(void **state)
{
	static const struct {
		const char *in;
		size_t	 want;
	} t[] = {
		{ "5.7.139 x", 7 }, { "4.7.3", 5 }, { "2.0.0", 5 },
		{ "5.7.1394", 0 }, { "5.7.13.4", 0 }, { "3.7.1", 0 },
		{ "5.7", 0 }, { "5..1", 0 }, { "5.1234.1", 0 }, { "", 0 },
		{ "5.7.1.", 5 }, { "4.4.62", 6 },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (reply_status_valid(t[i].in, strlen(t[i].in)) != t[i].want)
			fail_msg("%s: got %zu, want %zu", t[i].in,
			    reply_status_valid(t[i].in, strlen(t[i].in)),
			    t[i].want);
}

static void
test_parse(void **state)
{
	static const struct {
		const char *in;
		int	 code;
		const char *status;
		const char *text;
		const char *sid;
	} t[] = {
		{ "535 5.7.3 Authentication unsuccessful [SN4PR0501CA0054.namprd05.prod.outlook.com]",
		  535, "5.7.3",
		  "535 5.7.3 Authentication unsuccessful [SN4PR0501CA0054.namprd05.prod.outlook.com]",
		  "SN4PR0501CA0054.namprd05.prod.outlook.com" },
		{ "535-5.7.8 Username and Password not accepted.\r\n535 5.7.8  https://support.google.com/x - gsmtp\r\n",
		  535, "5.7.8",
		  "535 5.7.8 Username and Password not accepted. https://support.google.com/x - gsmtp",
		  "" },
		{ "SASL authentication failed; server 127.0.0.1[127.0.0.1] said: 535 5.7.139 Authentication unsuccessful, basic authentication is disabled. [PH0PR07CA0012.namprd07.prod.outlook.com]",
		  535, "5.7.139",
		  "535 5.7.139 Authentication unsuccessful, basic authentication is disabled. [PH0PR07CA0012.namprd07.prod.outlook.com]",
		  "PH0PR07CA0012.namprd07.prod.outlook.com" },
		{ "smtp; 530 5.7.57 Client not authenticated to send mail.\n    [BN1P110CA0052.NAMP110.PROD.OUTLOOK.COM 2023-11-29T14:52:57.126Z\n    08DBE7319275F6BA]",
		  530, "5.7.57",
		  "530 5.7.57 Client not authenticated to send mail. [BN1P110CA0052.NAMP110.PROD.OUTLOOK.COM 2023-11-29T14:52:57.126Z 08DBE7319275F6BA]",
		  "BN1P110CA0052.NAMP110.PROD.OUTLOOK.COM" },
		{ "432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded [Hostname=BN6PR17MB1234.namprd17.prod.outlook.com]",
		  432, "4.3.2", NULL, "BN6PR17MB1234.namprd17.prod.outlook.com" },
		{ "Remote Server returned '550 5.7.708 Access denied'", 550, "5.7.708", NULL, "" },
		{ "5.7.708 Access denied, traffic not accepted from this IP", 0, "5.7.708", NULL, "" },
		{ "530 Must authenticate", 530, "", "530 Must authenticate", "" },
		{ "relay=127.0.0.1[127.0.0.1]:2587, delay=0.1", 0, "", NULL, "" },
		{ "host [127.0.0.1] said hello", 0, "", NULL, "" },
		{ "x\r\nBcc: victim@example\r\n535 5.7.3 a\r\nb", 535, "5.7.3", "535 5.7.3 a b", "" },
	};
	struct reply r;
	size_t	 i;
	int	 rc;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		rc = reply_parse(t[i].in, strlen(t[i].in), &r);
		assert_int_equal(rc, t[i].code != 0 || t[i].status[0] != '\0');
		if (r.code != t[i].code || strcmp(r.status, t[i].status) != 0)
			fail_msg("row %zu: got %d %s, want %d %s", i, r.code,
			    r.status, t[i].code, t[i].status);
		if (t[i].text != NULL)
			assert_string_equal(r.text, t[i].text);
		assert_string_equal(r.server_id, t[i].sid);
		assert_null(strchr(r.text, '\r'));
		assert_null(strchr(r.text, '\n'));
	}
}

/* overlong - a reply longer than the buffer is cut and flagged, never overrun */
static void
test_overlong(void **state)
{
	char	*big;
	struct reply r;
	size_t	 n = 100000;

	(void)state;
	big = malloc(n);
	assert_non_null(big);
	memcpy(big, "550 5.7.1 ", 10);
	memset(big + 10, 'A', n - 10);
	assert_int_equal(reply_parse(big, n, &r), 1);
	assert_int_equal(r.truncated, 1);
	assert_true(strlen(r.text) < REPLY_TEXT_MAX);
	free(big);
}

/* control - control bytes and bad UTF-8 never reach the text */
static void
test_control(void **state)
{
	static const char in[] = "535 5.7.3 a\x01\x7f\xff\xc3\xa9\x00z";
	struct reply r;

	(void)state;
	reply_parse(in, sizeof(in) - 1, &r);
	assert_string_equal(r.text, "535 5.7.3 a???\xc3\xa9?z");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_valid),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_overlong),
		cmocka_unit_test(test_control),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
