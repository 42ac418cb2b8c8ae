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
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_provider),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
