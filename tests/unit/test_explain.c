/*
 * test_explain.c - every catalog reply in every form it takes on a relay
 *
 * tests/data/replies/m365.tsv lists Microsoft 365 replies with the cause
 * relayhint must give; other.tsv lists other providers' replies that
 * must get no cause.  Each row is tried as a bare reply, inside a Postfix
 * log line, inside an Exim main-log line and as a folded Diagnostic-Code
 * of a delivery-status part.  notmine.tsv lists replies from Microsoft's
 * servers whose fix is not in the sending tenant (a Microsoft-hosted
 * recipient, consumer Outlook.com, an Exchange Online NDR about the next
 * server): each must get its own cause, and no m365.auth.* cause, whatever
 * the server name.
 */
#include "testutil.h"

#include "buf.h"
#include "explain.h"

#include "kbfixture.h"

struct row {
	char	 a[128];	/* cause or host */
	char	 host[256];	/* notmine.tsv: the server that answered */
	char	 reply[2048];	/* with real newlines */
	char	 flat[2048];	/* newlines as spaces, as logs carry it */
};

/* load_rows - parse a TSV of "a<TAB>reply" or "a<TAB>host<TAB>reply" */
static int
load_rows(const char *rel, struct row *rows, int max, int with_host)
{
	char	*text, *line, *save = NULL, *tab, *tab2;
	int	 n = 0;
	size_t	 i, o;

	text = tu_read(rel, NULL);
	for (line = strtok_r(text, "\n", &save); line != NULL && n < max;
	    line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || (tab = strchr(line, '\t')) == NULL)
			continue;
		*tab = '\0';
		snprintf(rows[n].a, sizeof(rows[n].a), "%s", line);
		rows[n].host[0] = '\0';
		if (with_host) {
			if ((tab2 = strchr(tab + 1, '\t')) == NULL)
				fail_msg("%s: no host column in \"%s\"", rel,
				    line);
			*tab2 = '\0';
			snprintf(rows[n].host, sizeof(rows[n].host), "%s",
			    tab + 1);
			tab = tab2;
		}
		for (i = 0, o = 0; tab[1 + i] != '\0' && o + 1 <
		    sizeof(rows[n].reply); i++) {
			if (tab[1 + i] == '\\' && tab[2 + i] == 'n') {
				rows[n].reply[o] = '\n';
				rows[n].flat[o++] = ' ';
				i++;
			} else {
				rows[n].reply[o] = tab[1 + i];
				rows[n].flat[o++] = tab[1 + i];
			}
		}
		rows[n].reply[o] = rows[n].flat[o] = '\0';
		n++;
	}
	free(text);
	return (n);
}

enum { F_RAW, F_POSTFIX, F_EXIM, F_DSN, F_NFORMS };
static const char *const fname[] = { "raw", "postfix", "exim", "dsn" };

/* make_form - wrap a reply as it appears in one of the forms */
static void
make_form(int form, const struct row *r, const char *host, struct buf *b)
{
	size_t	 i, col;
	const char *s;

	buf_reset(b);
	switch (form) {
	case F_RAW:
		buf_puts(b, r->reply);
		break;
	case F_POSTFIX:
		buf_printf(b, "Nov 22 17:12:51 relay postfix/smtp[5468]: "
		    "84ACB1022E9: to=<bob@customer.example>, relay=%s[192.0.2.7]:587,"
		    " delay=0.1, delays=0/0/0.09/0, dsn=5.0.0, status=bounced "
		    "(host %s[192.0.2.7] said: %s (in reply to end of DATA "
		    "command))", host, host, r->flat);
		break;
	case F_EXIM:
		if (strncmp(r->flat, "535", 3) == 0)
			buf_printf(b, "2026-11-22 17:39:19 1xVBX5-0000Kw-2O "
			    "m365_login authenticator failed H=%s [192.0.2.7] "
			    "%s", host, r->flat);
		else
			buf_printf(b, "2026-11-22 17:39:37 1xVBXN-0000NW-1f ** "
			    "user@tryauth.example.net F=<alice@example.test> "
			    "R=smarthost T=remote_smtp H=%s [192.0.2.7]:587 "
			    "X=TLS1.3:ECDHE:256 CV=no: SMTP error from remote "
			    "mail server after end of data: %s DT=0s", host,
			    r->flat);
		break;
	case F_DSN:
		buf_printf(b, "Reporting-MTA: dns; relay.example.test\n"
		    "X-Postfix-Queue-ID: 84ACB1022E9\n\n"
		    "Final-Recipient: rfc822; bob@customer.example\n"
		    "Action: failed\nStatus: 5.0.0\nRemote-MTA: dns; %s\n"
		    "Diagnostic-Code: smtp;", host);
		/* fold like Postfix: at a space before column 70 */
		for (s = r->flat, col = 22; *s; s++, col++) {
			if (*s == ' ' && col > 60) {
				buf_puts(b, "\n   ");
				col = 3;
			}
			buf_putc(b, *s);
		}
		buf_puts(b, "\n");
		for (i = 0; i < b->len; i++)
			;
		break;
	}
}

/* m365_rows - the right cause, in every form */
static void
test_m365_rows(void **state)
{
	static struct row rows[128];
	struct verdict v;
	struct buf b;
	int	 n, i, f, got;

	(void)state;
	n = load_rows("tests/data/replies/m365.tsv", rows, 128, 0);
	assert_true(n >= 40);
	buf_init(&b, 1 << 16);
	for (i = 0; i < n; i++) {
		for (f = 0; f < F_NFORMS; f++) {
			/* the lab's relay is 127.0.0.1: the reply itself
			 * must say it is Microsoft's; the Exim form uses the
			 * real host name */
			make_form(f, &rows[i], f == F_EXIM ?
			    "smtp.office365.com" : "127.0.0.1", &b);
			got = explain_text(&kb, b.data, b.len, &v);
			if (!got || v.cause == NULL ||
			    strcmp(v.cause, rows[i].a) != 0)
				fail_msg("row %d form %s: got %s, want %s\n"
				    "input: %s", i, fname[f],
				    v.cause ? v.cause : "(none)", rows[i].a,
				    b.data);
			assert_int_equal(v.provider, PROVIDER_M365);
		}
	}
	buf_free(&b);
}

/* other_rows - no cause, no Microsoft, in every form */
static void
test_other_rows(void **state)
{
	static struct row rows[64];
	struct verdict v;
	struct buf b;
	int	 n, i, f;

	(void)state;
	n = load_rows("tests/data/replies/other.tsv", rows, 64, 0);
	assert_true(n >= 8);
	buf_init(&b, 1 << 16);
	for (i = 0; i < n; i++) {
		for (f = 0; f < F_NFORMS; f++) {
			make_form(f, &rows[i], rows[i].a, &b);
			explain_text(&kb, b.data, b.len, &v);
			/*
			 * Without the host, Exchange's own words ("535 5.7.3
			 * Authentication unsuccessful") are "probably
			 * Microsoft 365", and say so (issue #15); with the
			 * host named, never.
			 */
			if (f == F_RAW && v.evidence == EVIDENCE_WORDING)
				continue;
			if (v.cause != NULL || v.provider != PROVIDER_NONE)
				fail_msg("row %d form %s: got cause %s for %s",
				    i, fname[f], v.cause ? v.cause : "(none)",
				    b.data);
		}
	}
	buf_free(&b);
}

/*
 * not_your_tenant - recipient-side, Outlook.com and NDR replies: the right
 * cause in every form from the server that sent them, the same cause when
 * the relay's smart host is named instead, and never an m365.auth.* cause,
 * not even when no server name tells whose reply it is.  The raw form is
 * the bare reply with the server's name, as the milter and the Exim object
 * pass it (explain_reply); explain_text of a bare reply knows no server.
 */
static void
test_not_your_tenant(void **state)
{
	static struct row rows[64];
	static const char *const other_hosts[] = {
		"smtp.office365.com", "127.0.0.1", NULL
	};
	struct verdict v;
	struct buf b;
	const char *host;
	const char *area;
	int	 n, i, f, h, got, ci;

	(void)state;
	n = load_rows("tests/data/replies/notmine.tsv", rows, 64, 1);
	assert_true(n >= 25);
	buf_init(&b, 1 << 16);
	for (i = 0; i < n; i++) {
		/* the cause is declared, in a "not your tenant" area */
		if ((ci = rules_cause_index(kb.rules, rows[i].a)) < 0)
			fail_msg("row %d: undeclared cause %s", i, rows[i].a);
		area = kb.rules->causes[ci].area;
		if (strcmp(area, "recipient") != 0 &&
		    strcmp(area, "outlookcom") != 0 &&
		    strcmp(area, "onprem") != 0 && strcmp(area, "ndr") != 0)
			fail_msg("row %d: %s is in area %s", i, rows[i].a,
			    area);
		for (h = -1; h < 2; h++) {
			host = h < 0 ? rows[i].host : other_hosts[h];
			for (f = 0; f < F_NFORMS; f++) {
				verdict_init(&v);
				if (f == F_RAW) {
					got = explain_reply(&kb, rows[i].reply,
					    strlen(rows[i].reply), host, &v);
					b.len = 0;
				} else {
					make_form(f, &rows[i], host, &b);
					got = explain_text(&kb, b.data, b.len,
					    &v);
				}
				if (v.cause != NULL &&
				    strncmp(v.cause, "m365.auth.", 10) == 0)
					fail_msg("row %d form %s host %s: %s "
					    "fired for %s", i, fname[f], host,
					    v.cause, rows[i].reply);
				/* 127.0.0.1 and no Microsoft server id: no
				 * provider, no cause, which is fine */
				if (h == 1 && v.provider == PROVIDER_NONE &&
				    v.cause == NULL)
					continue;
				if (!got || v.cause == NULL ||
				    strcmp(v.cause, rows[i].a) != 0)
					fail_msg("row %d form %s host %s: got "
					    "%s, want %s\ninput: %s", i,
					    fname[f], host,
					    v.cause ? v.cause : "(none)",
					    rows[i].a, f == F_RAW ?
					    rows[i].reply : b.data);
				assert_int_equal(v.provider, PROVIDER_M365);
			}
		}
	}
	buf_free(&b);
}

/*
 * consumer_fallback - what consumer Outlook.com's servers say and no rule
 * knows is outlookcom.rejected (the host lines of the rules file), and
 * the same words from anyone else's server are not Microsoft's
 */
static void
test_consumer_fallback(void **state)
{
	static const char reply[] = "550 5.9.9 Nothing any rule knows";
	static const struct {
		const char *host, *want;
	} t[] = {
		{ "mx4.hotmail.com", "outlookcom.rejected" },
		{ "BAY004-MC1F12.hotmail.com", "outlookcom.rejected" },
		{ "eur.olc.protection.outlook.com", "outlookcom.rejected" },
		{ "mx.example.net", NULL },
		{ "hotmail.com.example.net", NULL },
	};
	struct verdict v;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		verdict_init(&v);
		(void)explain_reply(&kb, reply, strlen(reply), t[i].host, &v);
		if (t[i].want == NULL) {
			assert_null(v.cause);
			assert_int_equal(v.provider, PROVIDER_NONE);
		} else {
			assert_non_null(v.cause);
			assert_string_equal(v.cause, t[i].want);
			assert_int_equal(v.provider, PROVIDER_M365);
		}
	}
}

/* fields - code, status, server id and queue id come out right */
static void
test_fields(void **state)
{
	struct verdict v;
	const char *line = "Nov 22 17:12:51 relay postfix/smtp[5468]: "
	    "84ACB1022E9: to=<bob@customer.example>, relay=127.0.0.1"
	    "[127.0.0.1]:2587, delay=0.1, delays=0/0/0.09/0, dsn=4.7.139, "
	    "status=deferred (SASL authentication failed; server 127.0.0.1"
	    "[127.0.0.1] said: 535 5.7.139 Authentication unsuccessful, "
	    "SmtpClientAuthentication is disabled for the Tenant. Visit "
	    "https://aka.ms/smtp_auth_disabled for more information. "
	    "[DM6PR02CA0123.namprd02.prod.outlook.com])";

	(void)state;
	assert_int_equal(explain_text(&kb, line, strlen(line), &v), 1);
	assert_string_equal(v.cause, "m365.auth.smtp_auth_disabled_tenant");
	assert_int_equal(v.smtp_code, 535);
	assert_string_equal(v.status, "5.7.139");
	assert_string_equal(v.server_id,
	    "DM6PR02CA0123.namprd02.prod.outlook.com");
	assert_string_equal(v.queue_id, "84ACB1022E9");
	assert_string_equal(v.recipient, "bob@customer.example");
	assert_int_equal(v.form, FORM_POSTFIX_LOG);
}

/* soft_bounce - Postfix's 4.x.x rewrite of a 5.x.x status still matches */
static void
test_soft_bounce(void **state)
{
	struct verdict v;
	const char *r = "435 4.7.139 Authentication unsuccessful, user is "
	    "locked by your organization's security defaults policy.";

	(void)state;
	/* code 435 is not a rule's 535: the status alone must not decide */
	explain_text(&kb, r, strlen(r), &v);
	assert_int_equal(v.provider, PROVIDER_M365);
	assert_non_null(v.cause);
}

/* corpus_logs - every real Postfix and Exim log in the corpus */
static void
test_corpus_logs(void **state)
{
	static const struct {
		const char *file;
		const char *cause;
	} t[] = {
		{ "tests/data/postfix/logs/hard-535-5.7.139-smtpauth-disabled.log",
		  "m365.auth.smtp_auth_disabled_tenant" },
		{ "tests/data/postfix/logs/hard-535-5.7.139-security-defaults.log",
		  "m365.auth.security_defaults" },
		{ "tests/data/postfix/logs/hard-535-5.7.139-basic-auth-blocked.log",
		  "m365.auth.basic_auth_blocked" },
		{ "tests/data/postfix/logs/hard-535-5.7.3.log",
		  "m365.auth.bad_credentials" },
		{ "tests/data/postfix/logs/hard-530-5.7.57-no-auth.log",
		  "m365.auth.not_authenticated" },
		{ "tests/data/postfix/logs/hard-530-5.7.57-map-key-mismatch.log",
		  "m365.auth.not_authenticated" },
		{ "tests/data/postfix/logs/rsyslog-format-hard-535-5.7.139.mail.log",
		  "m365.auth.smtp_auth_disabled_tenant" },
		{ "tests/data/exim/logs/r2-require-auth-5.7.139-bounce-now/mainlog.log",
		  "m365.auth.smtp_auth_disabled_tenant" },
		{ "tests/data/exim/logs/t1-tryauth-5.7.3/mainlog.log",
		  "m365.auth.bad_credentials" },
		{ "tests/data/exim/logs/n1-noauth-5.7.57/mainlog.log",
		  "m365.auth.not_authenticated" },
	};
	struct verdict v;
	size_t	 i, len;
	char	*text;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		text = tu_read(t[i].file, &len);
		if (explain_text(&kb, text, len, &v) != 1 ||
		    strcmp(v.cause, t[i].cause) != 0)
			fail_msg("%s: got %s, want %s", t[i].file,
			    v.cause ? v.cause : "(none)", t[i].cause);
		free(text);
	}
}

/* postqueue - a postqueue -j record */
static void
test_postqueue(void **state)
{
	struct verdict v;
	size_t	 len;
	char	*text;

	(void)state;
	text = tu_read("tests/data/postfix/postqueue/"
	    "soft-535-5.7.139-smtpauth-disabled.initial.json", &len);
	assert_int_equal(explain_text(&kb, text, len, &v), 1);
	assert_string_equal(v.cause, "m365.auth.smtp_auth_disabled_tenant");
	assert_int_equal(v.form, FORM_POSTQUEUE);
	assert_string_equal(v.queue_id, "81CE41022E9");
	free(text);
}

/* garbage - nothing that is not a reply gets a cause */
static void
test_garbage(void **state)
{
	static const char *const in[] = {
		"", "hello", "535", "5.7.139", "[SN4PR0501CA0054.namprd05.prod.outlook.com",
		"Nov 22 17:12:51 relay postfix/smtp[1]: 84ACB1022E9: to=<",
		"{\"queue_id\": ", "Reporting-MTA: dns; x\n\n",
	};
	struct verdict v;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		assert_int_equal(explain_text(&kb, in[i], strlen(in[i]), &v),
		    0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_m365_rows),
		cmocka_unit_test(test_other_rows),
		cmocka_unit_test(test_not_your_tenant),
		cmocka_unit_test(test_consumer_fallback),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_soft_bounce),
		cmocka_unit_test(test_corpus_logs),
		cmocka_unit_test(test_postqueue),
		cmocka_unit_test(test_garbage),
	};

	return (cmocka_run_group_tests(tests, kb_setup, kb_teardown));
}
