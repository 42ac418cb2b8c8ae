/*
 * test_ndr.c - Microsoft-generated NDRs: parse, classify, enrich
 *
 * tests/data/ndr/ holds Exchange Online NDRs constructed from Microsoft's
 * documented format (see the README there), one per sender-tenant
 * cause, plus an Outlook.com and an on-premises one.  Each must give the
 * existing cause, the extracted fields, and a rewrite that leaves the
 * delivery-status part and everything after it byte-identical.  Small
 * inline messages cover the older Exchange forms, limits and inputs that
 * must not be taken for an NDR.
 */
#include "testutil.h"

#include "bounce.h"
#include "buf.h"
#include "mime.h"
#include "ndr.h"

#include "kbfixture.h"

#define GEN	"SN4PR0501MB3840.namprd05.prod.outlook.com"
#define ORIGID	"<20260312091500.4F2A1C0049@relay.contoso.com>"

static const struct {
	const char *file;
	const char *cause;
	const char *status;
	enum ndr_kind kind;
	const char *gen;
	const char *rcpt;
	const char *relay;
} samples[] = {
	{ "exo-5.7.708-ip-pool.eml", "m365.blocked.ip_pool", "5.7.708",
	  NDR_EXO, GEN, "partner@fabrikam.example", GEN },
	{ "exo-5.7.705-tenant-threshold.eml", "m365.blocked.tenant_threshold",
	  "5.7.705", NDR_EXO, GEN, "orders@fabrikam.example", GEN },
	{ "exo-5.7.750-unregistered-domain.eml",
	  "m365.blocked.unregistered_domain", "5.7.750", NDR_EXO, GEN,
	  "alerts@fabrikam.example", GEN },
	{ "exo-5.7.520-external-forwarding.eml", "m365.blocked.external_forwarding",
	  "5.7.520", NDR_EXO, GEN, "newsletter@fabrikam.example", GEN },
	{ "exo-5.1.90-daily-limit.eml", "m365.limit.daily_recipients",
	  "5.1.90", NDR_EXO, GEN, "list-1234@fabrikam.example", GEN },
	{ "exo-5.2.121-recipient-rate-sender.eml", "m365.limit.recipient_rate",
	  "5.2.121", NDR_EXO, GEN, "monitor@contoso.com",
	  "contoso-com.mail.protection.outlook.com" },
	{ "exo-5.2.122-recipient-rate.eml", "m365.limit.recipient_rate",
	  "5.2.122", NDR_EXO, GEN, "monitor@contoso.com", GEN },
	{ "exo-5.7.64-tenant-attribution.eml", "m365.relay.tenant_attribution",
	  "5.7.64", NDR_EXO, GEN, "partner@fabrikam.example", GEN },
	{ "outlookcom-remote-rejected.eml", "outlookcom.rejected", "5.1.1",
	  NDR_OUTLOOKCOM, "DB8EUR05HT123.eop-eur05.prod.protection.outlook.com",
	  "nobody@fabrikam.example", "mx1.fabrikam.example" },
	{ "onprem-exchange2019-recipnotfound.eml", "exchange.onprem.rejected",
	  "5.1.1", NDR_ONPREM, "EX01.corp.contoso.example",
	  "j.doe@corp.contoso.example", "EX01.corp.contoso.example" },
};

/* split - header block and body of a whole message */
static void
split(const char *msg, size_t len, size_t *hlen, const char **body,
    size_t *blen)
{
	assert_int_equal(mime_split_message(msg, len, hlen, body), 0);
	*blen = len - (size_t)(*body - msg);
}

/* test_samples - the constructed NDRs: fields and cause */
static void
test_samples(void **state)
{
	struct ndr *n = malloc(sizeof(*n));
	struct bounce_result res;
	const char *body;
	char	 rel[256], *msg;
	size_t	 len, hlen, blen, i;

	(void)state;
	assert_non_null(n);
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		snprintf(rel, sizeof(rel), "tests/data/ndr/%s", samples[i].file);
		msg = tu_read(rel, &len);
		split(msg, len, &hlen, &body, &blen);
		if (ndr_parse(msg, hlen, body, blen, n) != 1)
			fail_msg("%s: not recognised", samples[i].file);
		if (n->kind != samples[i].kind)
			fail_msg("%s: kind got %d, want %d", samples[i].file,
			    n->kind, samples[i].kind);
		assert_string_equal(n->generating, samples[i].gen);
		assert_string_equal(n->orig_msgid, ORIGID);
		assert_int_equal(n->nrcpt, 1);
		assert_true(n->has_dsn);
		assert_string_equal(n->rcpt[0].address, samples[i].rcpt);
		assert_non_null(strstr(n->rcpt[0].reply, samples[i].status));
		assert_int_equal(bounce_classify(&kb, msg, hlen, body, blen,
		    &res), 1);
		if (res.v.cause == NULL || strcmp(res.v.cause,
		    samples[i].cause) != 0)
			fail_msg("%s: cause got %s, want %s", samples[i].file,
			    res.v.cause ? res.v.cause : "(none)",
			    samples[i].cause);
		assert_int_equal(res.v.form, FORM_NDR);
		assert_string_equal(res.v.status, samples[i].status);
		assert_string_equal(res.v.recipient, samples[i].rcpt);
		assert_string_equal(res.v.relay, samples[i].relay);
		assert_string_equal(res.v.ndr_server, samples[i].gen);
		assert_string_equal(res.v.orig_msgid, ORIGID);
		assert_int_equal(res.v.ndr_kind, samples[i].kind);
		assert_int_equal(res.v.provider, samples[i].kind == NDR_ONPREM ?
		    PROVIDER_NONE : PROVIDER_M365);
		/* explain sees the same */
		{
			struct verdict v;

			assert_int_equal(explain_text(&kb, msg, len, &v), 1);
			assert_string_equal(v.cause, samples[i].cause);
		}
		free(msg);
	}
	free(n);
}

/* test_rewrite - hint in the text/plain alternative, DSN part untouched */
static void
test_rewrite(void **state)
{
	struct bounce_opts o = { "en", 0, 0 };
	struct bounce_result res;
	struct buf out;
	const char *dsn;
	char	 rel[256], *msg, hdr[128];
	size_t	 len, i, tail;
	int	 rc, rewritten = 0;

	(void)state;
	buf_init(&out, 1 << 22);
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		snprintf(rel, sizeof(rel), "tests/data/ndr/%s", samples[i].file);
		msg = tu_read(rel, &len);
		buf_reset(&out);
		rc = bounce_rewrite_message(&kb, &o, msg, len, &out, &res);
		assert_true(rc >= 0);
		dsn = strstr(msg, "\n--a3c1e0f2-5b7d-4e19-9c2a-7f1d2e3b4c5d\n"
		    "Content-Type: message/delivery-status");
		assert_non_null(dsn);
		tail = len - (size_t)(dsn - msg);
		assert_true(out.len >= tail);
		assert_memory_equal(out.data + out.len - tail, dsn, tail);
		if (rc != 1)
			fail_msg("%s: not rewritten (%s)", samples[i].file,
			    rewrite_strerror(res.rw));
		rewritten++;
		assert_true(mime_header_get(out.data, out.len,
		    "X-Relayhint-Cause", hdr, sizeof(hdr)) > 0);
		assert_string_equal(hdr, samples[i].cause);
		assert_true(mime_header_get(out.data, out.len,
		    "X-Relayhint-Code", hdr, sizeof(hdr)) > 0);
		assert_string_equal(hdr, samples[i].status);
		/* the hint sits before Microsoft's own text */
		assert_true(strstr(out.data, "relayhint") <
		    strstr(out.data, "Delivery has failed"));
		/* the second pass leaves it alone */
		{
			struct buf again;
			struct bounce_result r2;

			buf_init(&again, 1 << 22);
			assert_int_equal(bounce_rewrite_message(&kb, &o,
			    out.data, out.len, &again, &r2), 0);
			assert_int_equal(again.len, out.len);
			buf_free(&again);
		}
		free(msg);
	}
	assert_int_equal(rewritten, 10);
	buf_free(&out);
}

/* classify_str - a whole inline message */
static int
classify_str(const char *msg, struct bounce_result *res, struct ndr *n)
{
	const char *body;
	size_t	 hlen, blen, len = strlen(msg);

	split(msg, len, &hlen, &body, &blen);
	(void)ndr_parse(msg, hlen, body, blen, n);
	return (bounce_classify(&kb, msg, hlen, body, blen, res));
}

/* test_exchange2007 - "#550 5.x.x ... ##" and the DSN-less on-prem NDR */
static void
test_exchange2007(void **state)
{
	static const char msg[] =
	    "From: postmaster@example.edu\n"
	    "Subject: Undeliverable: hello\n"
	    "Content-Type: text/plain; charset=us-ascii\n"
	    "\n"
	    "Delivery has failed to these recipients or distribution lists:\n"
	    "\n"
	    "Some One<mailto:someone@example.edu>\n"
	    "The recipient's e-mail address was not found.\n"
	    "\n"
	    "Sent by Microsoft Exchange Server 2007\n"
	    "\n"
	    "Diagnostic information for administrators:\n"
	    "\n"
	    "Generating server: mail.example.edu\n"
	    "\n"
	    "someone@example.edu\n"
	    "#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##\n"
	    "\n"
	    "Original message headers:\n"
	    "\n"
	    "Message-ID: <abc.123@sender.example>\n";
	struct ndr n;
	struct bounce_result res;

	(void)state;
	assert_int_equal(classify_str(msg, &res, &n), 1);
	assert_int_equal(n.kind, NDR_ONPREM);
	assert_string_equal(n.generating, "mail.example.edu");
	assert_string_equal(n.orig_msgid, "<abc.123@sender.example>");
	assert_int_equal(n.nrcpt, 1);
	assert_string_equal(n.rcpt[0].address, "someone@example.edu");
	assert_string_equal(n.rcpt[0].reply,
	    "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found");
	assert_string_equal(res.v.cause, "exchange.onprem.rejected");
	assert_string_equal(res.v.status, "5.1.1");
	assert_int_equal(res.v.smtp_code, 550);
}

/* test_exchange2003 - "could not be reached" and indented reasons */
static void
test_exchange2003(void **state)
{
	static const char msg[] =
	    "From: System Administrator <postmaster@example.com>\n"
	    "Subject: Undeliverable: Nyaan\n"
	    "X-Mailer: Microsoft Exchange Server Internet Mail Connector "
	    "Version 4.0.994.63\n"
	    "\n"
	    "Your message did not reach some or all of the intended "
	    "recipients.\n"
	    "\n"
	    "The following recipient(s) could not be reached:\n"
	    "\n"
	    "      a@example.com on 4/29/01 11:34:45 PM\n"
	    "            Recipient Not Found\n"
	    "            MSEXCH:IMC:EX:A:CAT\n"
	    "\n"
	    "      b@example.com on 4/29/01 11:34:45 PM\n"
	    "            The recipient name is not recognized\n";
	struct ndr n;
	struct bounce_result res;

	(void)state;
	assert_int_equal(classify_str(msg, &res, &n), 1);
	assert_int_equal(n.kind, NDR_ONPREM);
	assert_int_equal(n.nrcpt, 2);
	assert_string_equal(n.rcpt[0].address, "a@example.com");
	assert_string_equal(n.rcpt[0].reply,
	    "Recipient Not Found MSEXCH:IMC:EX:A:CAT");
	assert_string_equal(n.rcpt[1].address, "b@example.com");
	assert_string_equal(n.rcpt[1].reply,
	    "The recipient name is not recognized");
	assert_string_equal(res.v.cause, "exchange.onprem.rejected");
	assert_string_equal(res.v.recipient, "a@example.com");
}

/* test_hybrid - on-prem Exchange relaying to Exchange Online: EXO's rule */
static void
test_hybrid(void **state)
{
	static const char msg[] =
	    "From: postmaster@corp.example\n"
	    "Subject: Undeliverable: hi\n"
	    "X-MS-Exchange-Message-Is-Ndr:\n"
	    "\n"
	    "Diagnostic information for administrators:\n"
	    "\n"
	    "Generating server: EX01.corp.example\n"
	    "\n"
	    "user@partner.example\n"
	    "corp-example.mail.protection.outlook.com\n"
	    "Remote Server returned '550 5.7.64 TenantAttribution; Relay "
	    "Access Denied [DM6NAM12FT012.eop-nam12.prod.protection.outlook."
	    "com]'\n";
	struct ndr n;
	struct bounce_result res;

	(void)state;
	assert_int_equal(classify_str(msg, &res, &n), 1);
	assert_int_equal(n.kind, NDR_ONPREM);
	assert_string_equal(n.rcpt[0].remote,
	    "corp-example.mail.protection.outlook.com");
	assert_string_equal(res.v.cause, "m365.relay.tenant_attribution");
}

/* test_no_auth - an auth-looking reply inside an NDR is not an auth cause */
static void
test_no_auth(void **state)
{
	static const char msg[] =
	    "From: Microsoft Outlook <postmaster@contoso.onmicrosoft.com>\n"
	    "Subject: Undeliverable: hi\n"
	    "X-MS-Exchange-Message-Is-Ndr:\n"
	    "\n"
	    "Diagnostic information for administrators:\n"
	    "\n"
	    "Generating server: " GEN "\n"
	    "\n"
	    "user@fabrikam.example\n"
	    "mx.fabrikam.example\n"
	    "Remote Server returned '535 5.7.139 Authentication unsuccessful, "
	    "SmtpClientAuthentication is disabled for the Tenant. Visit "
	    "https://aka.ms/smtp_auth_disabled'\n"
	    "\n"
	    "user2@fabrikam.example\n"
	    "Remote Server returned 'cannot authenticate to server "
	    "smtp.office365.com[52.96.0.1]: generic failure'\n";
	struct ndr n;
	struct bounce_result res;

	(void)state;
	assert_int_equal(classify_str(msg, &res, &n), 1);
	assert_int_equal(n.kind, NDR_EXO);
	assert_int_equal(n.nrcpt, 2);
	assert_non_null(res.v.cause);
	assert_true(strncmp(res.v.cause, "m365.auth.", 10) != 0);
	assert_true(strncmp(res.v.cause, "m365.oauth.", 11) != 0);
	assert_string_equal(res.v.cause, "m365.ndr.remote_rejected");
}

/* test_not_ndr - bounces and mail that must not be taken for an NDR */
static void
test_not_ndr(void **state)
{
	static const char *const msgs[] = {
		/* a Postfix bounce about a Microsoft-hosted recipient */
		"From: MAILER-DAEMON@relay.example\n"
		"Subject: Undelivered Mail Returned to Sender\n"
		"\n"
		"This is the mail system at host relay.example.\n"
		"<u@example.org>: host example-org.mail.protection.outlook.com"
		"[52.101.0.1] said: 550 5.4.1 Recipient address rejected: "
		"Access denied. [BN1NAM02FT003.eop-nam02.prod.protection."
		"outlook.com]\n",
		/* the header alone, nothing to read */
		"From: x@example.org\n"
		"X-MS-Exchange-Message-Is-Ndr:\n"
		"\n"
		"hello\n",
		/* ordinary mail that passed through Exchange Online */
		"From: a@contoso.com\n"
		"X-MS-Exchange-CrossTenant-Id: 84df9e7f\n"
		"X-OriginatorOrg: contoso.com\n"
		"\n"
		"Remote server returned an error, see below.\n",
	};
	struct ndr n;
	const char *body;
	size_t	 i, hlen, blen;

	(void)state;
	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		split(msgs[i], strlen(msgs[i]), &hlen, &body, &blen);
		if (ndr_parse(msgs[i], hlen, body, blen, &n) != 0)
			fail_msg("message %zu taken for an NDR", i);
		assert_int_equal(n.kind, NDR_NONE);
	}
}

/* test_limits - more recipients than NDR_MAX_RCPT, an over-long reply */
static void
test_limits(void **state)
{
	struct buf m;
	struct ndr n;
	const char *body;
	size_t	 hlen, blen;
	int	 i;

	(void)state;
	buf_init(&m, 1 << 20);
	buf_puts(&m, "From: postmaster@contoso.onmicrosoft.com\n"
	    "X-MS-Exchange-Message-Is-Ndr:\n\n"
	    "Diagnostic information for administrators:\n\n"
	    "Generating server: " GEN "\n\n");
	for (i = 0; i < NDR_MAX_RCPT + 4; i++)
		buf_printf(&m, "u%d@fabrikam.example\n"
		    "Remote Server returned '550 5.1.1 unknown %d'\n\n", i, i);
	buf_puts(&m, "x@fabrikam.example\nRemote Server returned '550 5.1.1 ");
	for (i = 0; i < 5000; i++)
		buf_puts(&m, "long ");
	buf_puts(&m, "'\n");
	assert_false(m.overflow);
	split(m.data, m.len, &hlen, &body, &blen);
	assert_int_equal(ndr_parse(m.data, hlen, body, blen, &n), 1);
	assert_int_equal(n.nrcpt, NDR_MAX_RCPT);
	assert_int_equal(n.rcpt_dropped, 5);
	assert_string_equal(n.rcpt[7].reply, "550 5.1.1 unknown 7");
	buf_free(&m);
}

/* test_crlf - the same NDR with CRLF line ends (as a milter sees it) */
static void
test_crlf(void **state)
{
	struct bounce_result res;
	struct buf m;
	char	*msg;
	size_t	 len, i;

	(void)state;
	msg = tu_read("tests/data/ndr/exo-5.7.708-ip-pool.eml", &len);
	buf_init(&m, 2 * len + 1);
	for (i = 0; i < len; i++) {
		if (msg[i] == '\n')
			buf_putc(&m, '\r');
		buf_putc(&m, msg[i]);
	}
	{
		struct verdict v;

		assert_int_equal(explain_text(&kb, m.data, m.len, &v), 1);
		assert_string_equal(v.cause, "m365.blocked.ip_pool");
		assert_string_equal(v.orig_msgid, ORIGID);
		assert_string_equal(v.ndr_server, GEN);
	}
	(void)res;
	buf_free(&m);
	free(msg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_rewrite),
		cmocka_unit_test(test_exchange2007),
		cmocka_unit_test(test_exchange2003),
		cmocka_unit_test(test_hybrid),
		cmocka_unit_test(test_no_auth),
		cmocka_unit_test(test_not_ndr),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_crlf),
	};

	return (cmocka_run_group_tests(tests, kb_setup, kb_teardown));
}
