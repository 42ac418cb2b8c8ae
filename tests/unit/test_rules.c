/*
 * test_rules.c - the rule table: loading, errors with file:line, matching
 */
#include "testutil.h"

#include "rules.h"

static struct rules rs;

/* builtin - the compiled-in table loads and covers every cause */
static void
test_builtin(void **state)
{
	char	 err[256];
	int	 i, k, used;

	(void)state;
	if (rules_load_builtin(&rs, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_true(rs.ncauses >= 40);
	assert_true(rs.unknown_cause >= 0);
	for (i = 0; i < rs.ncauses; i++) {
		if (i == rs.unknown_cause)
			continue;
		for (used = 0, k = 0; k < rs.nrules; k++)
			used |= rs.rules[k].cause == i;
		if (!used)
			fail_msg("cause %s has no rule", rs.causes[i].id);
	}
}

/* required_ids - the ids the issue fixes, which users script against */
static void
test_required_ids(void **state)
{
	static const char *const ids[] = {
		"m365.auth.bad_credentials", "m365.auth.smtp_auth_disabled_tenant",
		"m365.auth.smtp_auth_disabled_mailbox", "m365.auth.security_defaults",
		"m365.auth.conditional_access", "m365.auth.basic_auth_blocked",
		"m365.auth.basic_auth_retired", "m365.auth.federation",
		"m365.auth.mechanism_unsupported", "m365.auth.not_authenticated",
		"m365.tls.required", "m365.tls.legacy_version",
		"m365.send.sendas_denied", "m365.limit.concurrency",
		"m365.relay.tenant_attribution", "m365.unknown",
		/* issue #10: not the sending tenant's problem; the NDR parser
		 * uses the fallbacks (rejected, remote_*) by id */
		"m365.recipient.ip_banned", "m365.recipient.ip_blocklisted",
		"m365.recipient.ip_reputation", "m365.recipient.dmarc",
		"m365.recipient.spf", "m365.recipient.access_denied",
		"m365.recipient.not_found", "m365.recipient.auth_required",
		"m365.recipient.loop", "m365.recipient.rejected",
		"outlookcom.ip_blocked", "outlookcom.auth_level",
		"outlookcom.rejected", "exchange.onprem.rejected",
		"m365.ndr.remote_rejected", "m365.ndr.remote_unreachable",
	};
	char	 err[256];
	size_t	 i;

	(void)state;
	assert_int_equal(rules_load_builtin(&rs, err, sizeof(err)), 0);
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (rules_cause_index(&rs, ids[i]) < 0)
			fail_msg("missing cause %s", ids[i]);
}

/* errors - every bad line is rejected with name:line: reason */
static void
test_errors(void **state)
{
	static const struct {
		const char *text;
		const char *want;
	} t[] = {
		{ "cause a.b auth\nbogus x\n", "t:2: unknown statement" },
		{ "cause m365.unknown unknown\nrule x.y 535 5.7.3\n",
		  "t:2: rule for undeclared cause" },
		{ "cause m365.unknown unknown\nrule m365.unknown 999 5.7.3\n",
		  "t:2: bad reply code" },
		{ "cause m365.unknown unknown\nrule m365.unknown 535 5.7\n",
		  "t:2: bad enhanced status code" },
		{ "cause m365.unknown unknown\nrule m365.unknown 535 5.7.1 \"abc\n",
		  "t:2: missing closing quote" },
		{ "cause m365.unknown unknown\nrule m365.unknown * *\n",
		  "t:2: rule matches everything" },
		{ "cause m365.unknown unknown\nrule m365.unknown * * abc\n",
		  "t:2: pattern must be quoted" },
		{ "cause m365.unknown unknown\ncause m365.unknown unknown\n",
		  "t:2: duplicate cause" },
		{ "cause Bad.Id auth\n", "t:1: bad cause id" },
		{ "cause a.b nowhere\n", "t:1: unknown area" },
		{ "cause a.b auth\n", "no causes defined" },
		{ "provider google host .x\n", "t:1: unknown provider" },
		{ "provider m365 marker \"ab\"\n", "t:1: signature too short" },
		{ "cause m365.unknown unknown\nrule m365.unknown * 4.7.9-3\n",
		  "t:2: bad enhanced status code" },
		{ "cause m365.unknown unknown\nrule m365.unknown * * host\n",
		  "t:2: bad host qualifier" },
		{ "cause m365.unknown unknown\n"
		  "rule m365.unknown * * host com\n",
		  "t:2: bad host qualifier" },
		{ "cause m365.unknown unknown\n"
		  "rule m365.unknown * * host \".x.example\"\n",
		  "t:2: bad host qualifier" },
		{ "cause m365.unknown unknown\n"
		  "rule m365.unknown * * host .x/y.example\n",
		  "t:2: bad host qualifier" },
		{ "cause m365.unknown unknown\n"
		  "rule m365.unknown * * \"a\" host .x.example\n",
		  "t:2: pattern must be quoted" },
	};
	char	 err[256];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(rules_load_buf(&rs, t[i].text,
		    strlen(t[i].text), "t", err, sizeof(err)), -1);
		if (strstr(err, t[i].want) == NULL &&
		    !(strcmp(t[i].want, "no causes defined") == 0 &&
		    strstr(err, "m365.unknown") != NULL))
			fail_msg("row %zu: got \"%s\", want \"%s\"", i, err,
			    t[i].want);
	}
}

/* long_line - a line over the limit is an error, not a truncation */
static void
test_long_line(void **state)
{
	char	*t, err[256];

	(void)state;
	t = malloc(5000);
	memset(t, 'x', 4999);
	t[4999] = '\0';
	assert_int_equal(rules_load_buf(&rs, t, 4999, "t", err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "t:1: line too long"));
	free(t);
}

/* match - order, ranges, class digit, patterns */
static void
test_match(void **state)
{
	static const char text[] =
	    "cause m365.unknown unknown\n"
	    "cause a.specific auth\ncause a.generic auth\ncause a.range limit\n"
	    "rule a.specific 535 5.7.139 \"disabled for the Tenant\"\n"
	    "rule a.generic 535 5.7.139\n"
	    "rule a.range * 4.7.500-699\n";
	char	 err[256];

	(void)state;
	assert_int_equal(rules_load_buf(&rs, text, strlen(text), "t", err,
	    sizeof(err)), 0);
	assert_int_equal(rules_match(&rs, 535, "5.7.139",
	    "x SmtpClientAuthentication is DISABLED for the tenant."),
	    rules_cause_index(&rs, "a.specific"));
	assert_int_equal(rules_match(&rs, 535, "4.7.139", "other"),
	    rules_cause_index(&rs, "a.generic"));
	assert_int_equal(rules_match(&rs, 451, "4.7.650", ""),
	    rules_cause_index(&rs, "a.range"));
	assert_int_equal(rules_match(&rs, 451, "4.7.700", ""), -1);
	/* a 4.x.x rule never matches a permanent 5.x.x reply */
	assert_int_equal(rules_match(&rs, 550, "5.7.509", ""), -1);
	assert_int_equal(rules_match(&rs, 535, "", "x"), -1);
	assert_int_equal(rules_match(&rs, 0, NULL, NULL), -1);
}

/* host_rules - the issue #10 areas load; host qualifiers match host suffixes */
static void
test_host_rules(void **state)
{
	static const char text[] =
	    "cause m365.unknown unknown\n"
	    "cause r.x recipient\ncause o.any outlookcom\n"
	    "cause p.x onprem\ncause n.x ndr\ncause a.generic relay\n"
	    "rule r.x * 5.7.606-649\n"
	    "rule o.any * * host .olc.protection.outlook.com\n"
	    "rule p.x 554 5.4.6 host .example.test \"loop\"\n"
	    "rule n.x * 5.4.312\n"
	    "rule a.generic * 5.7.1\n";
	char	 err[256];
	const char *olc = "Hotmail-COM.olc.protection.outlook.com";

	(void)state;
	if (rules_load_buf(&rs, text, strlen(text), "t", err,
	    sizeof(err)) < 0)
		fail_msg("%s", err);
	/* order still decides: r.x comes before the host rule */
	assert_int_equal(rules_match_host(&rs, 550, "5.7.606", "", olc),
	    rules_cause_index(&rs, "r.x"));
	assert_int_equal(rules_match_host(&rs, 550, "5.7.1", "x", olc),
	    rules_cause_index(&rs, "o.any"));
	assert_int_equal(rules_match_host(&rs, 0, NULL, NULL, olc),
	    rules_cause_index(&rs, "o.any"));
	/* no host, another host, a look-alike: the host rule is skipped */
	assert_int_equal(rules_match(&rs, 550, "5.7.1", "x"),
	    rules_cause_index(&rs, "a.generic"));
	assert_int_equal(rules_match_host(&rs, 550, "5.7.1", "x", ""),
	    rules_cause_index(&rs, "a.generic"));
	assert_int_equal(rules_match_host(&rs, 550, "5.7.1", "x",
	    "contoso-com.mail.protection.outlook.com"),
	    rules_cause_index(&rs, "a.generic"));
	assert_int_equal(rules_match_host(&rs, 550, "5.7.1", "x",
	    "olc.protection.outlook.com.evil.example"),
	    rules_cause_index(&rs, "a.generic"));
	assert_int_equal(rules_match_host(&rs, 0, NULL, NULL,
	    "52.101.68.1"), -1);
	/* code, status and text still count on a host rule */
	assert_int_equal(rules_match_host(&rs, 554, "5.4.6", "a LOOP",
	    "mx.example.test"), rules_cause_index(&rs, "p.x"));
	assert_int_equal(rules_match_host(&rs, 550, "5.4.6", "a loop",
	    "mx.example.test"), -1);
	assert_int_equal(rules_match_host(&rs, 554, "5.4.6", "a loop",
	    NULL), -1);
	assert_int_equal(rules_match(&rs, 550, "5.4.312", ""),
	    rules_cause_index(&rs, "n.x"));
}

/* not_your_tenant - shipped table: recipient-side codes before tenant ones */
static void
test_not_your_tenant(void **state)
{
	static const struct {
		int code;
		const char *status, *text, *host, *want;
	} t[] = {
		{ 550, "5.7.606", "Access denied, banned sending IP [x]", NULL,
		  "m365.recipient.ip_banned" },
		/* 5.7.511 stays the tenant-area IP ban (test_relaylocal) */
		{ 550, "5.7.511", "Access denied, banned sender", NULL,
		  "m365.blocked.ip_banned" },
		{ 451, "4.7.650", "The mail server [x] has been temporarily "
		  "rate limited due to IP reputation.", NULL,
		  "m365.recipient.ip_reputation" },
		/* other 4.7.500-699 replies: still the tenant's throttling */
		{ 451, "4.7.500", "Server busy. Please try again later", NULL,
		  "m365.limit.ip_throttled" },
		{ 550, "5.7.1", "Service unavailable, Client host [x] blocked "
		  "using Spamhaus.", NULL, "m365.recipient.ip_blocklisted" },
		{ 550, "5.7.1", "Unable to relay", NULL,
		  "m365.relay.not_permitted" },
		{ 550, "5.7.1", "Unable to relay",
		  "hotmail-com.olc.protection.outlook.com",
		  "outlookcom.rejected" },
		{ 550, "5.7.1", "Unable to relay",
		  "contoso-com.mail.protection.outlook.com",
		  "m365.relay.not_permitted" },
		{ 550, "5.7.509", "Access denied, sending domain [x] does not "
		  "pass DMARC verification", "outlook-com.olc.protection."
		  "outlook.com", "m365.recipient.dmarc" },
		{ 550, "5.7.1", "messages from [x] weren't sent. Please "
		  "contact your Internet service provider since part of their "
		  "network is on our block list (S3140).", NULL,
		  "outlookcom.ip_blocked" },
		{ 550, "5.7.515", "Access denied", NULL,
		  "outlookcom.auth_level" },
		{ 554, "5.4.6", "Hop count exceeded - possible mail loop", NULL,
		  "exchange.onprem.rejected" },
		{ 554, "5.4.14", "Hop count exceeded - possible mail loop",
		  NULL, "m365.recipient.loop" },
		{ 550, "5.7.134", "Sender was not authenticated for mailbox",
		  NULL, "m365.recipient.auth_required" },
		/* the 5.7.57 submission reply is still the relay's login */
		{ 530, "5.7.57", "Client not authenticated to send mail", NULL,
		  "m365.auth.not_authenticated" },
		{ 550, "5.4.1", "Relay Access Denied", NULL,
		  "m365.recipient.rejected" },
		{ 550, "5.1.351", "Remote server returned unknown recipient",
		  NULL, "m365.ndr.remote_rejected" },
		{ 450, "4.4.316", "Connection refused", NULL,
		  "m365.ndr.remote_unreachable" },
		{ 550, "5.5.0", "Requested action not taken: mailbox "
		  "unavailable", NULL, "m365.recipient.not_found" },
	};
	char	 err[256];
	size_t	 i;
	int	 got;

	(void)state;
	assert_int_equal(rules_load_builtin(&rs, err, sizeof(err)), 0);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		got = rules_match_host(&rs, t[i].code, t[i].status, t[i].text,
		    t[i].host);
		if (got != rules_cause_index(&rs, t[i].want))
			fail_msg("row %zu: got %s, want %s", i, got < 0 ?
			    "(none)" : rs.causes[got].id, t[i].want);
		/* without the host only the host rule may differ */
		if (t[i].host == NULL)
			assert_int_equal(rules_match(&rs, t[i].code,
			    t[i].status, t[i].text), got);
	}
}

/* file - the shipped file loads, a missing file says why */
static void
test_file(void **state)
{
	char	 err[512];

	(void)state;
	assert_int_equal(rules_load_file(&rs, tu_path("conf/relayhint.rules"),
	    err, sizeof(err)), 0);
	assert_int_equal(rules_load_file(&rs, "/nonexistent/x.rules", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
}

/* provider - host, server id and marker signatures */
static void
test_provider(void **state)
{
	char	 err[256];

	(void)state;
	assert_int_equal(rules_load_builtin(&rs, err, sizeof(err)), 0);
	assert_int_equal(rules_provider(&rs, "smtp.office365.com", "", ""),
	    PROVIDER_M365);
	assert_int_equal(rules_provider(&rs, "SMTP.OFFICE365.COM", "", ""),
	    PROVIDER_M365);
	assert_int_equal(rules_provider(&rs, "contoso-com.mail.protection.outlook.com",
	    "", ""), PROVIDER_M365);
	assert_int_equal(rules_provider(&rs, "127.0.0.1",
	    "SN4PR0501CA0054.namprd05.prod.outlook.com", ""), PROVIDER_M365);
	assert_int_equal(rules_provider(&rs, "smtp.gmail.com",
	    "", "535 5.7.8 Username and Password not accepted"), PROVIDER_NONE);
	assert_int_equal(rules_provider(&rs, "evil-office365.com.example",
	    "", ""), PROVIDER_NONE);
	assert_int_equal(rules_provider(&rs, "127.0.0.1",
	    "mail.prod.outlook.com.evil.example", ""), PROVIDER_NONE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin),
		cmocka_unit_test(test_required_ids),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_host_rules),
		cmocka_unit_test(test_not_your_tenant),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_provider),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
