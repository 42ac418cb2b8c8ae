/*
 * test_secrets.c - no credential in tests/data/secrets.tsv reaches output
 *
 * Each row's text is put into a Microsoft 365 reply, a Postfix log line,
 * an Exim log line and a DSN, classified by explain_text like the CLI,
 * the milter and the Exim object do, and rendered into every output the
 * library makes: the verdict's fields (stdout and --json print them),
 * the hint block inserted into a bounce, the syslog line (logfmt) and the
 * alert spool file (alertspool_fill + alertspool_serialize).  The
 * secret's bytes must appear in none.  Each wrapper is first checked to
 * carry the secret, so a row cannot pass by losing its text on the way.
 * tests/cli/secrets.sh runs the same table through the real binaries.
 */
#include "testutil.h"

#include <time.h>

#include "alertspool.h"
#include "buf.h"
#include "explain.h"
#include "hint.h"
#include "logfmt.h"
#include "redact.h"
#include "text.h"

#include "kbfixture.h"

#define ROWS_MAX	256

struct row {
	char	*name, *secret, *text;	/* text: "\n" escapes resolved */
};

static struct row rows[ROWS_MAX];
static size_t nrows;
static char *table;
static size_t leaks;		/* (row, wrapper, channel) that leaked */
static const char *last_leak;	/* row name of the last one counted */
static size_t leak_rows;

/* unescape - "\n" in the table is a line break */
static void
unescape(char *s)
{
	char	*w = s;

	for (; *s != '\0'; s++) {
		if (s[0] == '\\' && s[1] == 'n') {
			*w++ = '\n';
			s++;
		} else
			*w++ = *s;
	}
	*w = '\0';
}

/* load_rows - the table, once */
static void
load_rows(void)
{
	char	*p, *nl, *t1 = NULL, *t2 = NULL;

	if (table != NULL)
		return;
	table = tu_read("tests/data/secrets.tsv", NULL);
	for (p = table; p != NULL && *p != '\0'; p = nl) {
		if ((nl = strchr(p, '\n')) != NULL)
			*nl++ = '\0';
		if (*p == '#' || *p == '\0')
			continue;
		if ((t1 = strchr(p, '\t')) == NULL ||
		    (t2 = strchr(t1 + 1, '\t')) == NULL)
			fail_msg("secrets.tsv: bad row \"%s\"", p);
		*t1++ = '\0';
		*t2++ = '\0';
		if (nrows == ROWS_MAX)
			fail_msg("secrets.tsv: more than %d rows", ROWS_MAX);
		rows[nrows].name = p;
		rows[nrows].secret = t1;
		rows[nrows].text = t2;
		unescape(t2);
		if (t1[0] == '\0' || strstr(t2, t1) == NULL)
			fail_msg("secrets.tsv: %s: the text lacks the secret",
			    p);
		nrows++;
	}
}

/* folded - the row's text on one line, as a reply or log line carries it */
static void
folded(char *dst, size_t len, const char *text)
{
	size_t	 i;

	snprintf(dst, len, "%s", text);
	for (i = 0; dst[i] != '\0'; i++)
		if (dst[i] == '\n')
			dst[i] = ' ';
}

/* absent - fail when the secret is in got */
static void
absent(const struct row *r, const char *wrapper, const char *channel,
    const char *got)
{
	/* every leak is listed before the test fails */
	if (got != NULL && strstr(got, r->secret) != NULL) {
		print_error("%s (%s): secret \"%s\" in %s: \"%s\"\n",
		    r->name, wrapper, r->secret, channel, got);
		leaks++;
		if (last_leak != r->name)
			leak_rows++;
		last_leak = r->name;
	}
}

/* check_verdict - every channel the library feeds from one verdict */
static void
check_verdict(const struct row *r, const char *wrapper,
    const struct verdict *v)
{
	struct alert a;
	struct buf b;

	absent(r, wrapper, "reply", v->reply);
	absent(r, wrapper, "relay", v->relay);
	absent(r, wrapper, "server_id", v->server_id);
	absent(r, wrapper, "queue_id", v->queue_id);
	absent(r, wrapper, "recipient", v->recipient);
	absent(r, wrapper, "ndr_server", v->ndr_server);
	absent(r, wrapper, "original_message_id", v->orig_msgid);

	buf_init(&b, 1024 * 1024);
	if (v->cause != NULL && hint_render(&kb.hints, v, "en", 0, &b) == 0)
		absent(r, wrapper, "bounce hint", b.data);
	buf_reset(&b);
	logfmt_verdict(&b, "3F1A2102303", v, "en", "hinted", 0);
	logfmt_kind(&b, v, "postfix-bounce");
	if (b.data == NULL || strstr(b.data, "relayhint: ") == NULL)
		fail_msg("%s (%s): no syslog line", r->name, wrapper);
	absent(r, wrapper, "syslog line", b.data);
	buf_reset(&b);
	alertspool_fill(&a, v, &kb.hints, "en", "test");
	if (alertspool_serialize(&a, &b) < 0 || b.data == NULL)
		fail_msg("%s (%s): no spool file", r->name, wrapper);
	absent(r, wrapper, "alert spool file", b.data);
	buf_free(&b);
}

/* classify - one wrapper around the row, through explain_text */
static void
classify(const struct row *r, const char *wrapper, const char *input)
{
	struct verdict v;

	/* the wrapper carries the secret: the check below can fail */
	if (strstr(input, r->secret) == NULL)
		fail_msg("%s (%s): input lost the secret", r->name, wrapper);
	verdict_init(&v);
	if (explain_text(&kb, input, strlen(input), &v) != 1 ||
	    v.cause == NULL)
		fail_msg("%s (%s): no cause for \"%s\"", r->name, wrapper,
		    input);
	check_verdict(r, wrapper, &v);
}

/* every row, in every wrapper, through every channel */
static void
test_secret_table(void **state)
{
	static const char reply_head[] = "535 5.7.139 Authentication "
	    "unsuccessful, the user credentials were incorrect. ";
	static const char reply_tail[] =
	    " [SN4PR0501CA0054.namprd05.prod.outlook.com]";
	char	 text[2048], reply[4096], in[8192];
	size_t	 i;

	(void)state;
	load_rows();
	if (nrows < 40)
		fail_msg("secrets.tsv has %zu rows, want at least 40", nrows);
	for (i = 0; i < nrows; i++) {
		folded(text, sizeof(text), rows[i].text);
		snprintf(reply, sizeof(reply), "%s%s%s", reply_head, text,
		    reply_tail);
		classify(&rows[i], "reply", reply);
		snprintf(in, sizeof(in), "Nov 22 17:12:49 relay postfix/smtp"
		    "[4711]: 702311022E8: to=<bob@customer.example>, relay="
		    "smtp.office365.com[52.96.1.1]:587, delay=1.2, delays="
		    "0.1/0/1/0, dsn=5.7.139, status=bounced (SASL "
		    "authentication failed; server smtp.office365.com"
		    "[52.96.1.1] said: %s)", reply);
		classify(&rows[i], "postfix log", in);
		snprintf(in, sizeof(in), "2026-11-22 17:12:49 1vXyZa-000abc-12"
		    " ** bob@customer.example R=smarthost T=remote_smtp_"
		    "smarthost H=smtp.office365.com [52.96.1.1]:587: SMTP "
		    "error from remote mail server after AUTH: %s", reply);
		classify(&rows[i], "exim log", in);
		snprintf(in, sizeof(in), "Reporting-MTA: dns; relay.example."
		    "test\nX-Postfix-Queue-ID: 702311022E8\n\nFinal-Recipient:"
		    " rfc822; bob@customer.example\nAction: failed\nStatus: "
		    "5.7.139\nRemote-MTA: dns; smtp.office365.com\n"
		    "Diagnostic-Code: smtp; %s\n", reply);
		classify(&rows[i], "dsn", in);
	}
	if (leaks > 0)
		fail_msg("%zu leaks in %zu of %zu rows", leaks, leak_rows,
		    nrows);
}

/* the redactor alone, on the raw (multi-line) text */
static void
test_secret_raw(void **state)
{
	char	 buf[4096], before[4096];
	size_t	 i;

	(void)state;
	load_rows();
	for (i = 0; i < nrows; i++) {
		text_printable(buf, sizeof(buf), rows[i].text,
		    strlen(rows[i].text));
		snprintf(before, sizeof(before), "%s", buf);
		redact_text(buf);
		if (strstr(buf, rows[i].secret) != NULL)
			fail_msg("%s: secret in \"%s\"", rows[i].name, buf);
		if (strlen(buf) > strlen(before))
			fail_msg("%s: redaction grew the text", rows[i].name);
		/* a second pass finds nothing more to do */
		snprintf(before, sizeof(before), "%s", buf);
		redact_text(buf);
		if (strcmp(before, buf) != 0)
			fail_msg("%s: not stable: \"%s\" then \"%s\"",
			    rows[i].name, before, buf);
	}
}

/* text that is not a credential is kept, so the rules still match it */
static void
test_secret_keep(void **state)
{
	static const char *const keep[] = {
		"535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication "
		"is disabled for the Tenant. Visit https://aka.ms/smtp_auth_"
		"disabled for more information. [SN4PR0501CA0054.namprd05.prod."
		"outlook.com 2026-11-22T17:12:49.000Z 08DDF3A4B5C6D7E8]",
		"AADSTS7000215: Invalid client secret provided. Ensure the secret "
		"being sent in the request is the client secret value. Trace ID: "
		"4b5c1d2e-0000-4a1b-9c3d-1e2f3a4b5c6d Timestamp: 2026-11-22 "
		"17:12:49Z",
		"TokenStore::Refresh: request failed",
		"TokenStore::Read: failed to open file /var/spool/postfix/etc/"
		"tokens/relay@contoso.com.json",
		"530 5.7.57 Client not authenticated to send mail. [BN8NAM12FT0"
		"54.eop-nam12.prod.protection.outlook.com]",
		"SASL authentication failed; server smtp.office365.com[52.96.1.1]"
		" said: 535 5.7.3 Authentication unsuccessful",
		"<bob@customer.example>: host x[1.2.3.4] said: 550 5.7.1 no",
		"501 5.5.127 Token will expire soon",
		"the user might have changed or reset their password.",
		"SMTP AUTH is disabled for the mailbox",
	};
	char	 buf[1024];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", keep[i]);
		redact_text(buf);
		if (strcmp(buf, keep[i]) != 0)
			fail_msg("changed: got \"%s\", want \"%s\"", buf,
			    keep[i]);
	}
}

/* one pass: 1 MiB of each shape that makes lookahead work stays fast */
static void
test_secret_linear(void **state)
{
	static const char *const unit[] = {
		"a://", "@a", "auth ", "AUTH ", "x:x:", "\"password\"    ",
		"pass   =   ", "Bearer ", "[a]:1 ", "334 ", "eyJ", "a",
	};
	const size_t n = 1u << 20;
	struct timespec t0, t1;
	double	 ms;
	char	*b;
	size_t	 i, k, ul;

	(void)state;
	if ((b = malloc(n + 1)) == NULL)
		fail_msg("out of memory");
	for (k = 0; k < sizeof(unit) / sizeof(unit[0]); k++) {
		ul = strlen(unit[k]);
		for (i = 0; i < n; i++)
			b[i] = unit[k][i % ul];
		b[n] = '\0';
		clock_gettime(CLOCK_MONOTONIC, &t0);
		redact_text(b);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms = (t1.tv_sec - t0.tv_sec) * 1e3 +
		    (t1.tv_nsec - t0.tv_nsec) / 1e6;
		/* linear is ~0.1-1 s even under valgrind's 50x; quadratic
		 * would be hours */
		if (ms > 30000)
			fail_msg("\"%s\" x 1 MiB took %.0f ms", unit[k], ms);
		if (strlen(b) > n)
			fail_msg("\"%s\": output grew", unit[k]);
	}
	free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secret_table),
		cmocka_unit_test(test_secret_raw),
		cmocka_unit_test(test_secret_keep),
		cmocka_unit_test(test_secret_linear),
	};
	int	 rc;

	rc = cmocka_run_group_tests(tests, kb_setup, kb_teardown);
	free(table);
	return (rc);
}
