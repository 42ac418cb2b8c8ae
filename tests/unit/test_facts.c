/*
 * test_facts.c - the facts the hints quote, checked without a network
 *
 * Admins paste the hints' commands into production tenants, so every
 * cmdlet and parameter a catalog names (in any language) must appear in
 * tests/data/facts/cmdlets.tsv, a table taken from Microsoft's PowerShell
 * reference with its source page and the date it was checked; every hint
 * must name the pages its steps rest on; and the defects found in the
 * review of issue #21 stay fixed in every language.
 */
#include "testutil.h"

#include "explain.h"
#include "hint.h"

#include "kbfixture.h"

#define FACT_MAX	256

static struct fact {
	char	 cmdlet[64];
	char	 param[64];	/* "-" for the cmdlet itself */
} facts[FACT_MAX];
static int nfacts;

/* facts_load - the table; every row needs a well-formed source and date */
static void
facts_load(void)
{
	char	*text, *line, *save = NULL, *f[4], *p;
	int	 n;

	text = tu_read("tests/data/facts/cmdlets.tsv", NULL);
	nfacts = 0;
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || line[0] == '\0')
			continue;
		for (n = 0, p = line; n < 4 && p != NULL; n++) {
			f[n] = p;
			if ((p = strchr(p, '\t')) != NULL)
				*p++ = '\0';
		}
		if (n != 4 || p != NULL)
			fail_msg("cmdlets.tsv: want 4 fields: %s", line);
		if (!hint_url_ok(f[2]))
			fail_msg("cmdlets.tsv: bad source for %s: %s", f[0], f[2]);
		if (strlen(f[3]) != 10 || f[3][4] != '-' || f[3][7] != '-')
			fail_msg("cmdlets.tsv: bad date for %s: %s", f[0], f[3]);
		assert_true(nfacts < FACT_MAX);
		snprintf(facts[nfacts].cmdlet, sizeof(facts[0].cmdlet), "%s",
		    f[0]);
		snprintf(facts[nfacts].param, sizeof(facts[0].param), "%s",
		    f[1]);
		nfacts++;
	}
	free(text);
	assert_true(nfacts > 20);
}

/* fact_known - is (cmdlet, param) in the table */
static int
fact_known(const char *cmdlet, const char *param)
{
	int	 i;

	for (i = 0; i < nfacts; i++)
		if (strcmp(facts[i].cmdlet, cmdlet) == 0 &&
		    strcmp(facts[i].param, param) == 0)
			return (1);
	return (0);
}

static const char *const verbs[] = {
	"Get", "Set", "New", "Add", "Remove", "Enable", "Disable", "Test",
	"Format", "Connect", "Update", NULL
};

/* word_len - length of [A-Za-z]+ at s */
static size_t
word_len(const char *s)
{
	size_t	 n = 0;

	while ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z'))
		n++;
	return (n);
}

/* is_cmdlet - "Verb-Noun" at s with an approved verb; returns its length */
static size_t
is_cmdlet(const char *start, const char *s)
{
	size_t	 v, n;
	int	 i;

	if (s > start && (s[-1] == '-' || s[-1] == '_' ||
	    (s[-1] >= '0' && s[-1] <= '9') || word_len(s - 1) > word_len(s)))
		return (0);
	if ((v = word_len(s)) == 0 || s[v] != '-' || s[v + 1] < 'A' ||
	    s[v + 1] > 'Z')
		return (0);
	for (i = 0; verbs[i] != NULL; i++)
		if (strlen(verbs[i]) == v && strncmp(verbs[i], s, v) == 0)
			break;
	if (verbs[i] == NULL)
		return (0);
	n = word_len(s + v + 1);
	return (v + 1 + n);
}

/*
 * step_check - every cmdlet and " -Parameter" in one step must be known;
 * a parameter belongs to the last cmdlet before it, up to a separator
 * (; | parentheses, or their full-width forms).  Returns the first
 * unknown fact in bad, or 0.
 */
static int
step_check(const char *s, char *bad, size_t badlen)
{
	static const char *const seps[] = {
		";", "|", "(", ")", "\xef\xbc\x9b", "\xef\xbc\x88",
		"\xef\xbc\x89", "\xe3\x80\x81", "\xe3\x80\x82", NULL
	};
	char	 cmd[64] = "", par[64];
	const char *p;
	size_t	 n;
	int	 i;

	for (p = s; *p != '\0';) {
		for (i = 0; seps[i] != NULL; i++)
			if (strncmp(p, seps[i], strlen(seps[i])) == 0)
				break;
		if (seps[i] != NULL) {
			cmd[0] = '\0';
			p += strlen(seps[i]);
			continue;
		}
		if ((n = is_cmdlet(s, p)) > 0) {
			snprintf(cmd, sizeof(cmd), "%.*s", (int)n, p);
			if (!fact_known(cmd, "-")) {
				snprintf(bad, badlen, "%s", cmd);
				return (-1);
			}
			p += n;
			continue;
		}
		if (*p == '-' && p > s && p[-1] == ' ' && p[1] >= 'A' &&
		    p[1] <= 'Z' && cmd[0] != '\0') {
			n = word_len(p + 1);
			snprintf(par, sizeof(par), "-%.*s", (int)n, p + 1);
			if (!fact_known(cmd, par)) {
				snprintf(bad, badlen, "%s %s", cmd, par);
				return (-1);
			}
			p += n + 1;
			continue;
		}
		p++;
	}
	return (0);
}

/* every cmdlet and parameter in every step of every catalog is in the table */
static void
test_cmdlet_table(void **state)
{
	const struct hint_catalog *c;
	const struct hint_entry *e;
	char	 bad[160];
	int	 l, i, k, nsteps = 0;

	(void)state;
	facts_load();
	for (l = 0; l < kb.hints.ncat; l++) {
		c = &kb.hints.cat[l];
		for (i = 0; i < c->nentries; i++) {
			e = hints_entry(&kb.hints, l, i);
			for (k = 0; k < e->nsteps; k++, nsteps++)
				if (step_check(e->step[k], bad, sizeof(bad)) < 0)
					fail_msg("%s %s step %d: \"%s\" is not in "
					    "tests/data/facts/cmdlets.tsv", c->lang,
					    e->id, k + 1, bad);
		}
	}
	assert_true(nsteps > 300);
}

/* the checker itself rejects what it must reject */
static void
test_cmdlet_checker(void **state)
{
	static const struct {
		const char *step;
		int	 want;
		const char *bad;
	} t[] = {
		{ "Run Set-CASMailbox -Identity <mailbox> "
		  "-SmtpClientAuthenticationDisabled $false.", 0, "" },
		/* misspelt parameter */
		{ "Run Set-CASMailbox -Identity <mailbox> "
		  "-SmtpClientAuthDisabled $false.", -1,
		  "Set-CASMailbox -SmtpClientAuthDisabled" },
		/* invented cmdlet */
		{ "Run Set-SmtpAuth -Enabled $true.", -1, "Set-SmtpAuth" },
		/* a real parameter, but of another cmdlet */
		{ "Set-User -Identity x; Set-CASMailbox -AuthenticationPolicy p",
		  -1, "Set-CASMailbox -AuthenticationPolicy" },
		/* the parameter after "|" belongs to no cmdlet: Format-List
		 * takes a property list, not parameters */
		{ "Get-CASMailbox -Identity <m> | Format-List "
		  "SmtpClientAuthenticationDisabled", 0, "" },
		/* placeholders and prose dashes are not parameters */
		{ "Use <app-object-id> for 5.7.501 -503 and Non-Delivery.", 0,
		  "" },
	};
	char	 bad[160];
	size_t	 i;

	(void)state;
	facts_load();
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		bad[0] = '\0';
		if (step_check(t[i].step, bad, sizeof(bad)) != t[i].want)
			fail_msg("row %zu: got %s, want %d", i, bad, t[i].want);
		assert_string_equal(bad, t[i].bad);
	}
}

/* every hint has sources, in English or its own, and every URL is sane */
static void
test_sources(void **state)
{
	const struct hint_catalog *c;
	const struct hint_entry *e;
	char *const *src;
	int	 l, i, k, n, total = 0;

	(void)state;
	for (l = 0; l < kb.hints.ncat; l++) {
		c = &kb.hints.cat[l];
		for (i = 0; i < c->nentries; i++) {
			e = hints_entry(&kb.hints, l, i);
			if ((src = hints_sources(&kb.hints, c->lang, e->id,
			    &n)) == NULL || n < 1)
				fail_msg("%s %s: no source", c->lang, e->id);
			for (k = 0; k < n; k++, total++)
				if (!hint_url_ok(src[k]))
					fail_msg("%s %s: bad source %s", c->lang,
					    e->id, src[k]);
		}
		assert_string_not_equal(hints_ui(&kb.hints, c->lang,
		    "sources_label"), "");
	}
	assert_true(total > 100);
}

/* hint_url_ok - https links that cannot break a line, header or HTML */
static void
test_url_ok(void **state)
{
	static const struct {
		const char *url;
		int	 want;
	} t[] = {
		{ "https://learn.microsoft.com/exchange/x", 1 },
		{ "https://sender.office.com", 1 },
		{ "https://aka.ms/smtp_auth_tls", 1 },
		{ "http://learn.microsoft.com/", 0 },
		{ "https://", 0 },
		{ "https://localhost/x", 0 },
		{ "https://.microsoft.com/", 0 },
		{ "https://learn..microsoft.com/", 0 },
		{ "https://learn.microsoft.com./", 0 },
		{ "https://le arn.microsoft.com/", 0 },
		{ "https://learn.microsoft.com/a b", 0 },
		{ "https://learn.microsoft.com/a\r\nBcc: x", 0 },
		{ "https://learn.microsoft.com/\"><script>", 0 },
		{ "https://user@learn.microsoft.com/", 0 },
		{ "javascript:alert(1)", 0 },
		{ "", 0 },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (hint_url_ok(t[i].url) != t[i].want)
			fail_msg("%s: got %d, want %d", t[i].url, !t[i].want,
			    t[i].want);
	assert_int_equal(hint_url_ok(NULL), 0);
}

/* entry - a cause's hint in lang, or fail */
static const struct hint_entry *
entry(const char *lang, const char *cause)
{
	const struct hint_entry *e;
	const char *used = NULL;

	e = hints_find(&kb.hints, lang, cause, &used);
	if (e == NULL || used == NULL || strcmp(used, lang) != 0)
		fail_msg("%s: no %s entry", lang, cause);
	return (e);
}

/* has - does any step (or the summary) of the hint contain s */
static const char *
has(const struct hint_entry *e, const char *s)
{
	int	 k;

	if (strstr(e->summary, s) != NULL)
		return (e->summary);
	for (k = 0; k < e->nsteps; k++)
		if (strstr(e->step[k], s) != NULL)
			return (e->step[k]);
	return (NULL);
}

/* the defects of issue #21, pinned in every language */
static void
test_issue21_defects(void **state)
{
	static const struct {
		const char *cause, *text;
	} must[] = {
		/* 3: -AppIds takes the Enterprise application's object ID */
		{ "m365.auth.xoauth2_invalid_user", "-AppIds <app-object-id>" },
		/* 4: 5.2.2 is the recipient or the message rate limit */
		{ "m365.limit.submission_quota", "5.2.2" },
		/* 5: the current Entra path and role */
		{ "m365.auth.security_defaults", "Entra ID > Overview > "
		  "Properties > Manage security defaults > Disabled (not "
		  "recommended)" },
		{ "m365.auth.security_defaults",
		  "Conditional Access Administrator" },
		/* 6 */
		{ "m365.auth.conditional_access",
		  "Entra ID > Conditional Access > Policies" },
		/* 7: the Exchange side of app-only logins */
		{ "m365.auth.security_defaults", "New-ServicePrincipal -AppId "
		  "<app-id> -ObjectId <app-object-id>" },
		{ "m365.auth.security_defaults", "Add-MailboxPermission" },
		{ "m365.auth.security_defaults", "Add-RecipientPermission" },
		/* 8: Conditional Access needs Entra ID P1 */
		{ "m365.auth.security_defaults", "P1" },
		/* 9: per-user MFA is not security defaults */
		{ "m365.auth.bad_credentials", "per-user MFA" },
		/* 2: which 4.3.2 replies are the relay's connection limit */
		{ "m365.limit.concurrency", "sender thread limit exceeded" },
		/* 1 */
		{ "m365.blocked.external_forwarding", "AS(7555)" },
		{ "m365.blocked.external_forwarding",
		  "-AutoForwardingMode On" },
		{ "m365.recipient.thread_limit",
		  "recipient thread limit exceeded" },
	};
	const struct hint_entry *e, *b;
	const char *lang, *s, *sp1, *sp2;
	int	 l, i, k;
	size_t	 m;

	(void)state;
	for (l = 0; l < kb.hints.ncat; l++) {
		lang = kb.hints.cat[l].lang;
		for (m = 0; m < sizeof(must) / sizeof(must[0]); m++)
			if (has(entry(lang, must[m].cause), must[m].text) == NULL)
				fail_msg("%s %s: missing \"%s\"", lang,
				    must[m].cause, must[m].text);
		/* 3: never the client ID */
		if (has(entry(lang, "m365.auth.xoauth2_invalid_user"),
		    "-AppIds <app-id>") != NULL)
			fail_msg("%s: -AppIds <app-id>", lang);
		/* second review: sasl-xoauth2 has no "use_client_credentials";
		 * client credentials are an unreleased change */
		for (i = 0; i < kb.hints.cat[l].nentries; i++)
			if (has(e = hints_entry(&kb.hints, l, i),
			    "use_client_credentials") != NULL)
				fail_msg("%s %s: use_client_credentials", lang,
				    e->id);
		/* 1: 5.7.520 is not outbound spam any more */
		if (has(entry(lang, "m365.blocked.outbound_spam"), "5.7.520"))
			fail_msg("%s: outbound_spam still names 5.7.520", lang);
		/* 7: one shared app-only step in both hints */
		sp1 = has(entry(lang, "m365.auth.security_defaults"),
		    "New-ServicePrincipal");
		sp2 = has(entry(lang, "m365.auth.bad_credentials"),
		    "New-ServicePrincipal");
		if (sp1 == NULL || sp2 == NULL || strcmp(sp1, sp2) != 0)
			fail_msg("%s: the app-only step differs", lang);
		/* 10: smtp-legacy is in scope of the Basic-auth retirement */
		if ((s = has(entry(lang, "m365.tls.legacy_version"),
		    "smtp-legacy.office365.com")) == NULL ||
		    strstr(s, "XOAUTH2") == NULL)
			fail_msg("%s: smtp-legacy without XOAUTH2", lang);
		/* 11: renewal clears by itself; support after the fix */
		assert_true(entry(lang, "m365.blocked.tenant_threshold")->nsteps
		    >= 4);
		/* smaller: create the policy before setting it */
		b = entry(lang, "m365.auth.basic_auth_blocked");
		if ((s = has(b, "New-AuthenticationPolicy -Name <policy> "
		    "-AllowBasicAuthSmtp")) == NULL ||
		    strstr(s, "Set-AuthenticationPolicy") <
		    strstr(s, "New-AuthenticationPolicy"))
			fail_msg("%s: New-AuthenticationPolicy", lang);
		/* 12: the certificate name only with RequireTls $true */
		for (i = 0; i < kb.hints.cat[l].nentries; i++) {
			e = hints_entry(&kb.hints, l, i);
			for (k = 0; k < e->nsteps; k++)
				if (strstr(e->step[k],
				    "-TlsSenderCertificateName <") != NULL &&
				    strstr(e->step[k], "-RequireTls $true") ==
				    NULL)
					fail_msg("%s %s: -TlsSenderCertificateName "
					    "without -RequireTls $true", lang, e->id);
		}
	}
	/* English wording of 4, 9 and 11 */
	assert_null(has(entry("en", "m365.limit.submission_quota"),
	    "only delays"));
	assert_non_null(has(entry("en", "m365.limit.submission_quota"),
	    "rejected, not only delayed"));
	assert_non_null(has(entry("en", "m365.auth.bad_credentials"),
	    "affects only this account"));
	assert_non_null(has(entry("en", "m365.blocked.tenant_threshold"),
	    "clears by itself, typically within a day"));
	assert_non_null(has(entry("en", "m365.auth.basic_auth_blocked"),
	    "tenants created after that get OAuth only"));
}

/* 1 and 2: the replies Microsoft really sends get their own causes */
static void
test_issue21_causes(void **state)
{
	static const struct {
		const char *reply, *want;
	} t[] = {
		{ "550 5.7.520 Access denied, Your organization does not allow "
		  "external forwarding. Please contact your administrator for "
		  "further assistance. AS(7555) [SN4PR0501MB3840.namprd05.prod."
		  "outlook.com]", "m365.blocked.external_forwarding" },
		{ "432 4.3.2 STOREDRV.Deliver; recipient thread limit exceeded "
		  "[Hostname=BN6PR17MB1234.namprd17.prod.outlook.com]",
		  "m365.recipient.thread_limit" },
		{ "432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded "
		  "[Hostname=BN6PR17MB1234.namprd17.prod.outlook.com]",
		  "m365.limit.concurrency" },
		{ "432 4.3.2 Concurrent connections limit exceeded. Visit "
		  "https://aka.ms/concurrent_sending for more information. "
		  "[Hostname=BN6PR17MB1234.namprd17.prod.outlook.com]",
		  "m365.limit.concurrency" },
	};
	struct verdict v;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		verdict_init(&v);
		assert_int_equal(explain_text(&kb, t[i].reply,
		    strlen(t[i].reply), &v), 1);
		if (v.cause == NULL || strcmp(v.cause, t[i].want) != 0)
			fail_msg("%.40s: got %s, want %s", t[i].reply,
			    v.cause ? v.cause : "(none)", t[i].want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmdlet_table),
		cmocka_unit_test(test_cmdlet_checker),
		cmocka_unit_test(test_sources),
		cmocka_unit_test(test_url_ok),
		cmocka_unit_test(test_issue21_defects),
		cmocka_unit_test(test_issue21_causes),
	};

	return (cmocka_run_group_tests(tests, kb_setup, kb_teardown));
}
