/*
 * test_evidence.c - evidence_find, evidence_host_before, evidence_ms_tag
 */
#include "testutil.h"

#include "evidence.h"

/* find - the reply inside each wrapper, unwrapped, and the span read */
static void
test_find(void **state)
{
	static const struct {
		const char *in;
		int	 rank;
		const char *text;	/* NULL: none found */
		const char *span;	/* the bytes read, NULL: not checked */
	} t[] = {
		{ "ERROR: (535, b'5.7.139 Authentication unsuccessful, the user credentials were incorrect. [PH0PR07CA0004.namprd07.prod.outlook.com]')",
		  3, "535 5.7.139 Authentication unsuccessful, the user credentials were incorrect. [PH0PR07CA0004.namprd07.prod.outlook.com]",
		  NULL },
		{ "reply: retcode (535); Msg: b'5.7.3 Authentication unsuccessful'",
		  3, "535 5.7.3 Authentication unsuccessful",
		  "535); Msg: b'5.7.3 Authentication unsuccessful" },
		{ "Expected response code 250 but got code \"550\", with message \"550 5.7.60 SMTP; Client does not have permissions to send as this sender\" x",
		  3, "550 5.7.60 SMTP; Client does not have permissions to send as this sender",
		  "550 5.7.60 SMTP; Client does not have permissions to send as this sender" },
		{ "MailKit.Net.Smtp.SmtpCommandException: 4.3.2 Concurrent connections limit exceeded",
		  2, "4.3.2 Concurrent connections limit exceeded", NULL },
		{ "Detail: 5.7.60 SMTP; Client does not have permissions [CY4PR1701MB1800.namprd17.prod.outlook.com] SMTP code: 550",
		  3, "550 5.7.60 SMTP; Client does not have permissions [CY4PR1701MB1800.namprd17.prod.outlook.com] SMTP code: 550",
		  NULL },
		/* Python's continuation "\n5.7.8  ..." is joined; a stack is not */
		{ "(535, b'5.7.8 Username and Password not accepted. Learn more at\\n5.7.8  https://support.google.com/mail/?p=BadCredentials x - gsmtp')",
		  3, "535 5.7.8 Username and Password not accepted. Learn more at   https://support.google.com/mail/?p=BadCredentials x - gsmtp",
		  NULL },
		{ "\"Error: Invalid login: 535-5.7.8 Username and Password not accepted.\\n535 5.7.8  https://x - gsmtp\\n    at SMTPConnection._formatError (index.js:774:19)",
		  3, "535 5.7.8 Username and Password not accepted.   https://x - gsmtp",
		  NULL },
		/* an apostrophe inside a word does not close the quote */
		{ "**'550 5.1.90 Your message can't be sent because you've reached your daily limit for message recipients'**",
		  3, "550 5.1.90 Your message can't be sent because you've reached your daily limit for message recipients",
		  NULL },
		/* escapes undone */
		{ "'550 5.7.1 It\\'s \\\"quoted\\\"' tail",
		  3, "550 5.7.1 It's \"quoted\"", NULL },
		/* the reply nested in an Exim callout */
		{ "550-Callout verification failed: 550-550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found",
		  3, "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found", NULL },
		{ "#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##",
		  3, "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##", NULL },
		{ "SMTP ERROR: Password command failed: 535 Incorrect authentication data",
		  1, "535 Incorrect authentication data", NULL },
		/* Postfix's bounce text wraps the reply onto indented lines */
		{ "<bob@customer.example>: host smtp.office365.com[52.96.1.2] said: 535 5.7.139\n    Authentication unsuccessful, SmtpClientAuthentication is disabled for the\n    Tenant. [DM6PR02CA0123.namprd02.prod.outlook.com] (in reply to AUTH command)\n\nnext",
		  3, "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. [DM6PR02CA0123.namprd02.prod.outlook.com] (in reply to AUTH command)",
		  NULL },
		{ "    said: 535 5.7.139 Authentication unsuccessful, basic authentication is\n    disabled. [BL1PR13CA0123.namprd13.prod.outlook.com]\n",
		  3, "535 5.7.139 Authentication unsuccessful, basic authentication is disabled. [BL1PR13CA0123.namprd13.prod.outlook.com]",
		  NULL },
		/* Exim's next address is shallower; a Java stack frame is not text */
		{ "    535 5.7.3 Authentication unsuccessful\n  other@customer.example\n    host x",
		  3, "535 5.7.3 Authentication unsuccessful", NULL },
		{ "javax.mail.AuthenticationFailedException: 535 5.7.3 Authentication unsuccessful\n\tat com.sun.mail.smtp.SMTPTransport.authenticate(SMTPTransport.java:947)",
		  3, "535 5.7.3 Authentication unsuccessful", NULL },
		/* prose that names a reply does not run on into the next lines */
		{ "  or for the sending mailbox (reply 535 5.7.139).\n  Fix: Security defaults also block SMTP AUTH.",
		  3, "535 5.7.139).", NULL },
		/* mailq: the recipient column (41 blanks) is not part of the reason */
		{ "(host x[1.2.3.4] said: 535 5.7.139 Authentication unsuccessful)\n                                         bob@customer.example",
		  3, "535 5.7.139 Authentication unsuccessful)", NULL },
		/* not failures, not codes: versions, ports, 2xx, 3xx (AUTH data) */
		{ "Swiftmailer 5.4.2-beta on port 587, 250 OK, 334 VXNlcm5hbWU6", 0, NULL, NULL },
		{ "", 0, NULL, NULL },
	};
	struct evidence_reply ev;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		evidence_find(t[i].in, strlen(t[i].in), &ev);
		if (ev.rank != t[i].rank)
			fail_msg("row %zu: got rank %d, want %d", i, ev.rank,
			    t[i].rank);
		if (t[i].text != NULL && strcmp(ev.text, t[i].text) != 0)
			fail_msg("row %zu: got \"%s\", want \"%s\"", i, ev.text,
			    t[i].text);
		if (t[i].span != NULL && (ev.len != strlen(t[i].span) ||
		    memcmp(t[i].in + ev.off, t[i].span, ev.len) != 0))
			fail_msg("row %zu: read \"%.*s\", want \"%s\"", i,
			    (int)ev.len, t[i].in + ev.off, t[i].span);
		assert_true(ev.off + ev.len <= strlen(t[i].in));
	}
}

/* bounds - a huge reply is cut, a huge input is read only so far */
static void
test_bounds(void **state)
{
	struct evidence_reply ev;
	size_t	 n = EVIDENCE_SCAN_MAX * 2;
	char	*big;

	(void)state;
	assert_non_null(big = malloc(n));
	memset(big, 'x', n);
	memcpy(big, "550 5.7.1 ", 10);
	assert_int_equal(evidence_find(big, n, &ev), 1);
	assert_int_equal(strlen(ev.text), sizeof(ev.text) - 1);
	/* a reply past the scan limit is not seen */
	memcpy(big, "xxxxxxxxxx", 10);
	memcpy(big + n - 20, "550 5.7.1 late", 14);
	assert_int_equal(evidence_find(big, n, &ev), 0);
	/* an unterminated escape at the very end */
	assert_int_equal(evidence_find("'550 5.7.1 a\\", 13, &ev), 1);
	assert_string_equal(ev.text, "550 5.7.1 a\\");
	free(big);
}

/* host - "name[address]" before the reply; an IP or nothing is no name */
static void
test_host_before(void **state)
{
	static const struct {
		const char *in;
		const char *want;
	} t[] = {
		{ "< smtp.office365.com[52.96.1.2]:587: 530 5.7.57 x", "smtp.office365.com" },
		{ "host outlook-com.olc.protection.outlook.com[104.47.40.33] said: 550 x", "outlook-com.olc.protection.outlook.com" },
		{ "from 10.1.2.3[10.1.2.3]: 550 x", "" },
		{ "550 5.7.1 Client host [3.211.34.40] blocked", "" },
		{ "unsuccessful [SN4PR0501CA0054.namprd05.prod.outlook.com]", "" },
	};
	char	 out[256];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		evidence_host_before(t[i].in, strlen(t[i].in), out,
		    sizeof(out));
		if (strcmp(out, t[i].want) != 0)
			fail_msg("row %zu: got \"%s\", want \"%s\"", i, out,
			    t[i].want);
	}
}

/* tag - EOP's "AS(nnnn)" and "(Snnnn)"; lookalikes are rejected */
static void
test_ms_tag(void **state)
{
	static const struct {
		const char *in;
		int	 want;
	} t[] = {
		{ "assistance. AS(7555)", 1 }, { "block list (S3140).", 1 },
		{ "block list (AS3150)", 1 }, { "later (S77719)", 1 },
		{ "HAS(7555)", 0 }, { "(S12)", 0 }, { "(S12345678901)", 0 },
		{ "(S3140", 0 }, { "(Sx3140)", 0 },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (evidence_ms_tag(t[i].in, strlen(t[i].in)) != t[i].want)
			fail_msg("%s: got %d, want %d", t[i].in,
			    !t[i].want, t[i].want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_host_before),
		cmocka_unit_test(test_ms_tag),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
