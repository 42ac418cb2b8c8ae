/*
 * test_relaylocal.c - relay-local failures (the relay's own SASL and OAuth
 * client) and the reply corrections of the research additions
 *
 * Every row is a real log-line shape from m365-catalog-additions.tsv
 * (M365-RELAY-*, M365-TOKEN-*) or from the sasl-xoauth2 issues it cites.
 * Each is tried as a whole log line (explain_text) and as the bare text a
 * postqueue -j delay_reason or a bounce's Diagnostic-Code carries
 * (explain_reply), and must give the cause - or none, for a named server
 * that is not Microsoft's.  Secrets in sasl-xoauth2 traces never reach a
 * verdict.
 */
#include "testutil.h"

#include "explain.h"
#include "kbfixture.h"
#include "logline.h"
#include "rules.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

struct row {
	const char *line;	/* a whole log line */
	const char *cause;	/* NULL: no cause */
	int	 m365;		/* provider must be Microsoft */
};

#define PF	"Nov 22 06:10:01 relay postfix/smtp[9120]: "
#define PFQ	PF "4F2A11022E9: "
#define XO	PF "[sasl-xoauth2] auth failed: 2026-11-22 06:10:01: "
#define DEF(host, why) PFQ "to=<bob@fabrikam.example>, relay=" host \
	"[52.97.146.194]:587, delay=1.2, delays=0.01/0/1.2/0, dsn=4.7.0, " \
	"status=deferred (" why ")"

static const struct row rows[] = {
	/* M365-RELAY-NOMECH */
	{ PF "warning: SASL authentication failure: No worthy mechs found",
	  "relay.sasl.no_mechanism", 0 },
	{ DEF("smtp.office365.com", "SASL authentication failed; cannot "
	  "authenticate to server smtp.office365.com[52.97.146.194]: no "
	  "mechanism available"), "relay.sasl.no_mechanism", 1 },
	/* M365-RELAY-XOAUTH2-NOTOKEN */
	{ PFQ "SASL authentication failed; cannot authenticate to server "
	  "smtp.office365.com[52.96.90.34]: generic failure",
	  "m365.oauth.token_unavailable", 1 },
	{ DEF("smtp.office365.com", "SASL authentication failed; cannot "
	  "authenticate to server smtp.office365.com[52.97.146.194]: bad "
	  "protocol / cancel"), "m365.oauth.token_unavailable", 1 },
	/* measured: libsasl2-modules-kdexoauth2 installed, no mechanism filter */
	{ DEF("smtp.office365.com", "SASL authentication failed; cannot "
	  "authenticate to server smtp.office365.com[52.97.146.194]: invalid "
	  "parameter supplied"), "relay.sasl.mechanism_unpinned", 1 },
	{ DEF("smtp.gmail.com", "SASL authentication failed; cannot "
	  "authenticate to server smtp.gmail.com[142.250.1.1]: invalid "
	  "parameter supplied"), NULL, 0 },
	/* M365-RELAY-EMPTYUSER */
	{ PF "warning: SASL authentication failure: All-whitespace username.",
	  "relay.sasl.empty_user", 0 },
	/* M365-TOKEN-FILE-MISSING: new and old plugin log forms */
	{ "2026-01-27T23:31:09.971976+00:00 relay2 postfix/smtp[6716]: "
	  "[sasl-xoauth2] auth failed: 2026-01-27 23:31:09: TokenStore::Read: "
	  "failed to open file /var/spool/postfix/etc/tokens/<a@b.example>: "
	  "No such file or directory", "m365.oauth.token_file_missing", 0 },
	{ "Jul 24 18:05:22 mypc sasl-xoauth2: auth failed: 2022-07-24 "
	  "18:05:22: TokenStore::Read: failed to open file /etc/tokens/a",
	  "m365.oauth.token_file_missing", 0 },
	/* M365-TOKEN-JSON */
	{ "Feb  3 10:00:00 relay sasl-xoauth2[1201]: Exception during init: "
	  "reader error", "m365.oauth.bad_json", 0 },
	{ XO "TokenStore::Read: exception=* Line 3, Column 5\\n  Missing ',' "
	  "or '}' in object declaration", "m365.oauth.bad_json", 0 },
	/* M365-TOKEN-CACERT */
	{ XO "TokenStore::Refresh: http error: error setting certificate "
	  "verify locations:  CAfile: /etc/ssl/certs/ca-certificates.crt "
	  "CApath: none", "m365.oauth.ca_bundle_missing", 0 },
	{ "Jun 20 12:00:23 postfixrelay sasl-xoauth2: 2023-06-20 12:00:23: "
	  "TokenStore::Refresh: http error: error setting certificate file: "
	  "/etc/ssl/certs/ca-certificates.crt", "m365.oauth.ca_bundle_missing",
	  0 },
	/* M365-TOKEN-ENDPOINT-GOOGLE */
	{ XO "TokenStore::Refresh: token_endpoint: "
	  "https://accounts.google.com/o/oauth2/token",
	  "m365.oauth.endpoint_google", 0 },
	{ XO "TokenStore::Refresh: code=401, response={\"error\": "
	  "\"invalid_client\", \"error_description\": \"The OAuth client was "
	  "not found.\"}", "m365.oauth.endpoint_google", 0 },
	/* M365-TOKEN-WRONGTENANT .. M365-TOKEN-BADGRANT: Entra ID replies */
	{ XO "TokenStore::Refresh: code=400, response={\"error\":"
	  "\"invalid_grant\",\"error_description\":\"AADSTS7000012: The grant "
	  "was obtained for a different tenant.\"}",
	  "m365.oauth.wrong_tenant", 1 },
	{ XO "TokenStore::Refresh: code=400, response={\"error\":"
	  "\"invalid_request\",\"error_description\":\"AADSTS900144: The "
	  "request body must contain the following parameter: 'scope'.\"}",
	  "m365.oauth.missing_scope", 1 },
	{ XO "TokenStore::Refresh: code=400, response={\"error\":"
	  "\"invalid_grant\",\"error_description\":\"AADSTS700082: The refresh "
	  "token has expired due to inactivity. The token was issued on "
	  "2026-08-20T06:05:11Z and was inactive for 90.00:00:00.\"}",
	  "m365.oauth.refresh_token_idle", 1 },
	{ XO "TokenStore::Refresh: code=400, response={\"error\":"
	  "\"invalid_grant\",\"error_description\":\"AADSTS50173: The provided "
	  "grant has expired due to it being revoked, a fresh auth token is "
	  "needed. The user might have changed or reset their password.\"}",
	  "m365.oauth.token_revoked", 1 },
	{ XO "TokenStore::Refresh: code=400, response={\"error\":"
	  "\"invalid_grant\",\"error_description\":\"AADSTS70043: The refresh "
	  "token has expired or is invalid due to sign-in frequency checks by "
	  "conditional access.\"}", "m365.oauth.signin_frequency", 1 },
	{ XO "TokenStore::Refresh: code=400, response={\"error\":"
	  "\"invalid_grant\",\"error_description\":\"Presented multi-factor "
	  "authentication has expired due to policies configured by your "
	  "administrator\"}", "m365.oauth.signin_frequency", 0 },
	{ XO "TokenStore::Refresh: code=401, response={\"error\":"
	  "\"invalid_client\",\"error_description\":\"AADSTS7000215: Invalid "
	  "client secret provided. Ensure the secret being sent in the request "
	  "is the client secret value, not the client secret ID\"}",
	  "m365.oauth.client_secret", 1 },
	{ XO "TokenStore::Refresh: code=401, response={\"error\":"
	  "\"invalid_client\",\"error_description\":\"AADSTS7000222: The "
	  "provided client secret keys for app '0000' are expired.\"}",
	  "m365.oauth.client_secret", 1 },
	{ XO "TokenStore::Refresh: code=400, response={\"error\":"
	  "\"invalid_grant\",\"error_description\":\"AADSTS70000: Provided "
	  "grant is invalid or malformed.\"}", "m365.oauth.invalid_grant", 1 },
	/* M365-TOKEN-NOREFRESH */
	{ XO "TokenStore::Read: missing refresh_token",
	  "m365.oauth.no_refresh_token", 0 },
	/* generic refresh trouble; an unknown AADSTS code */
	{ XO "TokenStore::Refresh: request failed", "m365.oauth.refresh_failed",
	  0 },
	{ XO "TokenStore::Refresh: code=400, response={\"error\":"
	  "\"invalid_grant\",\"error_description\":\"AADSTS50076: Due to a "
	  "configuration change made by your administrator\"}",
	  "m365.oauth.invalid_grant", 1 },
	{ XO "TokenStore::Refresh: code=400, response={\"error\":"
	  "\"interaction_required\",\"error_description\":\"AADSTS50079: "
	  "x\"}", "m365.oauth.refresh_failed", 1 },
	/* Cyrus SASL could not start at all */
	{ PF "fatal: SASL per-process initialization failed: generic failure",
	  "relay.sasl.init_failed", 0 },
	/* M365-RELAY-MXDNS-2026 */
	{ PFQ "to=<bob@fabrikam.example>, relay=none, delay=0.1, "
	  "delays=0/0/0.1/0, dsn=4.4.3, status=deferred (Host or domain name "
	  "not found. Name service error for "
	  "name=contoso-example.mail.protection.outlook.com type=A: Host not "
	  "found, try again)", "m365.relay.mx_not_found", 1 },
	/* someone else's server: not ours */
	{ PFQ "SASL authentication failed; cannot authenticate to server "
	  "smtp.gmail.com[142.250.147.108]: generic failure", NULL, 0 },
	{ DEF("smtp.gmail.com", "SASL authentication failed; cannot "
	  "authenticate to server smtp.gmail.com[142.250.147.108]: no "
	  "mechanism available"), NULL, 0 },
	/* harmless trace lines and secret dumps: nothing */
	{ XO "TokenStore::Refresh: attempt 1", NULL, 0 },
	{ XO "TokenStore::Refresh: request: client_id=abc&client_secret="
	  "S3CR3T&grant_type=refresh_token&refresh_token=RT0K3N", NULL, 0 },
	{ XO "TokenStore::Read: refresh=RT0K3N, access=AT0K3N", NULL, 0 },
	{ PF "[sasl-xoauth2] set log_full_trace_on_failure to see full 8 "
	  "line(s) of tracing.", NULL, 0 },
	/* smtpd's SASL trouble is about our own clients */
	{ "Nov 22 06:10:01 relay postfix/smtpd[9120]: warning: SASL "
	  "authentication failure: No worthy mechs found", NULL, 0 },
};

/* reason_of - the text a delay_reason or Diagnostic-Code would carry */
static const char *
reason_of(const char *line, size_t *lenp)
{
	struct logline ll;

	logline_parse(line, strlen(line), &ll);
	if (ll.reason == NULL)
		return (NULL);
	*lenp = ll.reason_len;
	return (ll.reason);
}

/* every row as a log line and as bare text */
static void
test_rows(void **state)
{
	struct verdict v;
	const char *r;
	size_t	 i, rl = 0;
	int	 got;

	(void)state;
	for (i = 0; i < NELEM(rows); i++) {
		got = explain_text(&kb, rows[i].line, strlen(rows[i].line), &v);
		if (rows[i].cause == NULL) {
			if (got || v.cause != NULL)
				fail_msg("row %zu: got %s, want none: %s", i,
				    v.cause, rows[i].line);
			continue;
		}
		if (!got || v.cause == NULL ||
		    strcmp(v.cause, rows[i].cause) != 0)
			fail_msg("row %zu: got %s, want %s: %s", i,
			    v.cause ? v.cause : "none", rows[i].cause,
			    rows[i].line);
		assert_true(v.local);
		assert_int_equal(v.smtp_code, 0);
		if (rows[i].m365 && v.provider != PROVIDER_M365)
			fail_msg("row %zu: provider not m365", i);
		/* the same text without its log line wrapping */
		if ((r = reason_of(rows[i].line, &rl)) == NULL)
			fail_msg("row %zu: no reason", i);
		verdict_init(&v);
		got = explain_reply(&kb, r, rl, NULL, &v);
		if (!got || strcmp(v.cause, rows[i].cause) != 0)
			fail_msg("row %zu: bare text: got %s, want %s", i,
			    v.cause ? v.cause : "none", rows[i].cause);
	}
}

/* every local rule of the table has a row above that reaches its cause */
static void
test_every_local_cause(void **state)
{
	const struct rules *rs = kb.rules;
	size_t	 k;
	int	 i, seen;

	(void)state;
	for (i = 0; i < rs->nrules; i++) {
		if (!rs->rules[i].local)
			continue;
		for (seen = 0, k = 0; k < NELEM(rows) && !seen; k++)
			seen = rows[k].cause != NULL && strcmp(rows[k].cause,
			    rs->causes[rs->rules[i].cause].id) == 0;
		if (!seen)
			fail_msg("no test row for %s (line %d)",
			    rs->causes[rs->rules[i].cause].id,
			    rs->rules[i].line);
	}
}

/* the relay argument decides for text that names no server */
static void
test_provider_policy(void **state)
{
	static const struct {
		const char *text, *relay, *want;
		int	 m365;
	} t[] = {
		{ "SASL authentication failure: No worthy mechs found",
		  "smtp.office365.com", "relay.sasl.no_mechanism", 1 },
		{ "SASL authentication failure: No worthy mechs found",
		  "smtp-hve.office365.com", "relay.sasl.no_mechanism", 1 },
		{ "SASL authentication failure: No worthy mechs found",
		  "127.0.0.1", "relay.sasl.no_mechanism", 0 },
		{ "SASL authentication failure: No worthy mechs found",
		  "2001:db8::25", "relay.sasl.no_mechanism", 0 },
		{ "SASL authentication failure: No worthy mechs found",
		  NULL, "relay.sasl.no_mechanism", 0 },
		{ "SASL authentication failure: No worthy mechs found",
		  "smtp.gmail.com", NULL, 0 },
		{ "SASL authentication failure: No worthy mechs found",
		  "mail.example.net", NULL, 0 },
		/* Entra ID in the text is Microsoft's whatever the relay */
		{ "TokenStore::Refresh: code=400 AADSTS700082: expired",
		  "relay.internal", "m365.oauth.refresh_token_idle", 1 },
		/* an address as relay, the name in the text decides */
		{ "SASL authentication failed; cannot authenticate to server "
		  "smtp.office365.com[52.96.90.34]: generic failure",
		  "52.96.90.34", "m365.oauth.token_unavailable", 1 },
		{ "SASL authentication failed; cannot authenticate to server "
		  "smtp.gmail.com[142.250.147.108]: generic failure",
		  "142.250.147.108", NULL, 0 },
		/* a Google endpoint for a Gmail relay is right, not ours */
		{ "TokenStore::Refresh: token_endpoint: "
		  "https://accounts.google.com/o/oauth2/token",
		  "smtp.gmail.com", NULL, 0 },
	};
	struct verdict v;
	size_t	 i;
	int	 got;

	(void)state;
	for (i = 0; i < NELEM(t); i++) {
		verdict_init(&v);
		got = explain_reply(&kb, t[i].text, strlen(t[i].text),
		    t[i].relay, &v);
		assert_true(v.local);
		if (t[i].want == NULL) {
			if (got || v.cause != NULL)
				fail_msg("row %zu: got %s, want none", i,
				    v.cause);
			continue;
		}
		if (!got || strcmp(v.cause, t[i].want) != 0)
			fail_msg("row %zu: got %s, want %s", i,
			    v.cause ? v.cause : "none", t[i].want);
		if ((v.provider == PROVIDER_M365) != t[i].m365)
			fail_msg("row %zu: provider %d", i, v.provider);
	}
}

/* several lines: the plugin's reason refines Postfix's generic line */
static void
test_refine(void **state)
{
	static const char two[] =
	    "2026-01-27T23:31:09.971721+00:00 relay2 postfix/smtp[6716]: "
	    "29829406CC: SASL authentication failed; cannot authenticate to "
	    "server smtp.office365.com[52.96.90.34]: generic failure\n"
	    "2026-01-27T23:31:09.971976+00:00 relay2 postfix/smtp[6716]: "
	    "[sasl-xoauth2] auth failed: 2026-01-27 23:31:09: TokenStore::Read: "
	    "failed to open file /var/spool/postfix/etc/tokens/a@b.example: No "
	    "such file or directory\n";
	static const char otherpid[] =
	    "Jan 27 23:31:09 relay2 postfix/smtp[6716]: 29829406CC: SASL "
	    "authentication failed; cannot authenticate to server "
	    "smtp.office365.com[52.96.90.34]: generic failure\n"
	    "Jan 27 23:31:09 relay2 postfix/smtp[7000]: [sasl-xoauth2] auth "
	    "failed: TokenStore::Read: missing refresh_token\n";
	struct verdict v;

	(void)state;
	assert_int_equal(explain_text(&kb, two, strlen(two), &v), 1);
	assert_string_equal(v.cause, "m365.oauth.token_file_missing");
	assert_string_equal(v.queue_id, "29829406CC");
	assert_string_equal(v.relay, "smtp.office365.com");
	assert_int_equal(v.provider, PROVIDER_M365);
	/* another process's trace is about another delivery */
	assert_int_equal(explain_text(&kb, otherpid, strlen(otherpid), &v), 1);
	assert_string_equal(v.cause, "m365.oauth.token_unavailable");
}

/* sasl-xoauth2 lines in the log-line parser */
static void
test_logline_xoauth2(void **state)
{
	static const struct {
		const char *line;
		enum logline_kind kind;
		long	 pid;
		const char *reason;
	} t[] = {
		{ "2026-01-27T23:31:09.971976+00:00 relay2 postfix/smtp[6716]: "
		  "[sasl-xoauth2] auth failed: 2026-01-27 23:31:09: "
		  "TokenStore::Read: failed to open file /x: No such file",
		  LOGLINE_SASL_LOCAL, 6716,
		  "TokenStore::Read: failed to open file /x: No such file" },
		{ "Nov 22 06:10:01 relay postfix/smtp[9120]: [sasl-xoauth2]   "
		  "2026-11-22 06:10:01: TokenStore::Refresh: request failed",
		  LOGLINE_SASL_LOCAL, 9120, "TokenStore::Refresh: request failed" },
		{ "Jun 20 12:00:23 relay sasl-xoauth2: 2023-06-20 12:00:23: "
		  "TokenStore::Refresh: http error: x", LOGLINE_SASL_LOCAL, 0,
		  "TokenStore::Refresh: http error: x" },
		{ "Oct 25 14:27:01 dev sasl-xoauth2[121773]: Client: created",
		  LOGLINE_SASL_LOCAL, 121773, "Client: created" },
		{ "<22>1 2026-11-22T06:10:01.1Z relay postfix/smtp 9120 - - "
		  "[sasl-xoauth2] auth failed: TokenStore::Read: missing "
		  "refresh_token", LOGLINE_SASL_LOCAL, 9120,
		  "TokenStore::Read: missing refresh_token" },
		{ "Nov 22 06:10:01 relay postfix/smtp[9120]: [sasl-xoauth2] "
		  "auth failed:", LOGLINE_OTHER, 9120, NULL },
		{ "Nov 22 06:10:01 relay postfix/smtp[9120]: [sasl-xoauth2] "
		  "2026-11-22 06:10:01: TokenStore::Refresh: request: "
		  "client_id=a&client_secret=S&refresh_token=R", LOGLINE_OTHER,
		  9120, NULL },
		{ "Nov 22 06:10:01 relay postfix/smtp[9120]: [sasl-xoauth2] "
		  "TokenStore::Refresh: code=200, response={\"access_token\": "
		  "\"eyJ\"}", LOGLINE_OTHER, 9120, NULL },
		{ "Nov 22 06:10:01 relay postfix/smtp[99999999999]: warning: SASL "
		  "authentication failure: No worthy mechs found",
		  LOGLINE_SASL_LOCAL, 0,
		  "SASL authentication failure: No worthy mechs found" },
	};
	struct logline ll;
	char	*copy;
	size_t	 i, n;

	(void)state;
	for (i = 0; i < NELEM(t); i++) {
		n = strlen(t[i].line);
		copy = malloc(n);
		assert_non_null(copy);
		memcpy(copy, t[i].line, n);
		if (logline_parse(copy, n, &ll) != t[i].kind)
			fail_msg("row %zu: got kind %d, want %d", i, ll.kind,
			    t[i].kind);
		assert_int_equal(ll.mta, LOGLINE_POSTFIX);
		if (ll.pid != t[i].pid)
			fail_msg("row %zu: got pid %ld, want %ld", i, ll.pid,
			    t[i].pid);
		if (t[i].reason == NULL)
			assert_null(ll.reason);
		else if (ll.reason == NULL || ll.reason_len !=
		    strlen(t[i].reason) || memcmp(ll.reason, t[i].reason,
		    ll.reason_len) != 0)
			fail_msg("row %zu: got reason \"%.*s\"", i,
			    ll.reason ? (int)ll.reason_len : 0,
			    ll.reason ? ll.reason : "");
		/* every prefix: no read past len */
		for (; n > 0; n--)
			logline_parse(copy, n - 1, &ll);
		free(copy);
	}
}

/* secret values are overwritten, other words kept */
static void
test_redact(void **state)
{
	static const struct {
		const char *in, *want;
	} t[] = {
		{ "request: client_id=abc&client_secret=S3CR3T&grant_type=x",
		  "request: client_id=abc&client_secret=***&grant_type=x" },
		{ "refresh_token=RT0K3NVALUE", "refresh_token=***" },
		{ "{\"access_token\": \"eyJhbGciOi\", \"expiry\": \"1\"}",
		  "{\"access_token\": \"***\", \"expiry\": \"1\"}" },
		{ "refresh=abc, access=def", "refresh=***, access=***" },
		{ "auth=Bearer eyJ0eXAi", "auth=Bearer ***" },
		{ "Bearer eyJ0eXAi.x", "Bearer ***" },
		{ "user might have changed or reset their password.",
		  "user might have changed or reset their password." },
		{ "Invalid client secret provided.",
		  "Invalid client secret provided." },
		{ "password: hunter2 x", "password: *** x" },
		{ "", "" },
	};
	char	 buf[256];
	size_t	 i;

	(void)state;
	for (i = 0; i < NELEM(t); i++) {
		snprintf(buf, sizeof(buf), "%s", t[i].in);
		explain_redact(buf);
		if (strcmp(buf, t[i].want) != 0)
			fail_msg("row %zu: got \"%s\", want \"%s\"", i, buf,
			    t[i].want);
	}
}

/* the correction rows: new wordings and moved causes */
static void
test_corrections(void **state)
{
	static const struct {
		const char *text, *relay, *want;
	} t[] = {
		/* CORRECTION-M365-BLK-57511: an IP ban, not an account ban */
		{ "550 5.7.511 Access denied, banned sender [AM6EUR05FT044."
		  "eop-eur05.prod.protection.outlook.com]", NULL,
		  "m365.blocked.ip_banned" },
		/* CORRECTION-M365-BLK-57606: full wording, at RCPT TO; the
		 * recipient's Exchange Online Protection bans the IP, so it
		 * is a "not your tenant" cause (issue #10) */
		{ "host x.mail.protection.outlook.com[52.101.1.1] said: 550 "
		  "5.7.606 Access denied, banned sending IP [203.0.113.5]. To "
		  "request removal from this list please visit "
		  "https://sender.office.com/ and follow the directions. For "
		  "more information please go to "
		  "http://go.microsoft.com/fwlink/?LinkID=526655 AS(1430) (in "
		  "reply to RCPT TO command)", NULL,
		  "m365.recipient.ip_banned" },
		/* CORRECTION-M365-BLK-57708: "Service unavailable." and NDR */
		{ "550 5.7.708 Service unavailable. Access denied, traffic not "
		  "accepted from this IP. For more information please go to "
		  "http://go.microsoft.com/fwlink/?LinkId=526653 AS(7230) "
		  "[DM6NAM12FT012.eop-nam12.prod.protection.outlook.com]", NULL,
		  "m365.blocked.ip_pool" },
		{ "Remote Server returned '550 5.7.708 Service unavailable. "
		  "Access denied, traffic not accepted from this IP.'",
		  "smtp.office365.com", "m365.blocked.ip_pool" },
		/* CORRECTION-M365-AUTH-504-574 */
		{ "504 5.7.4 Unrecognized authentication type "
		  "[SN4PR0501CA0054.namprd05.prod.outlook.com]", NULL,
		  "m365.auth.mechanism_unsupported" },
		/* M365-AUTH-XOAUTH2-HVE-USER and the 5.5.127 row */
		{ "501 5.5.124 Invalid XOAUTH2 auth data - User address "
		  "provided is not valid. Please ensure the auth data is valid",
		  "smtp-hve.office365.com", "m365.auth.xoauth2_invalid_user" },
		{ "501 5.5.127 Invalid XOAUTH2 auth data - Token will expire "
		  "soon", "smtp-hve.office365.com",
		  "m365.auth.xoauth2_token_expiring" },
		/* CORRECTION-CATALOG-POSTFIX-DSN: soft bounce, 4.x.x */
		{ "SASL authentication failed; server smtp-hve.office365.com"
		  "[52.96.1.1] said: 501 4.5.127 Invalid XOAUTH2 auth data - "
		  "Token will expire soon", NULL,
		  "m365.auth.xoauth2_token_expiring" },
		/* M365-RELAY-SASL-CACHED: the embedded reply decides */
		{ "SASL [CACHED] authentication failed; server "
		  "smtp.office365.com[52.96.1.1] said: 535 5.7.139 "
		  "Authentication unsuccessful, SmtpClientAuthentication is "
		  "disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled "
		  "for more information. [DM6PR02CA0123.namprd02.prod.outlook.com]",
		  NULL, "m365.auth.smtp_auth_disabled_tenant" },
		{ "delivery temporarily suspended: SASL [CACHED] authentication "
		  "failed; server smtp.office365.com[52.96.1.1] said: 535 5.7.3 "
		  "Authentication unsuccessful [SN4PR0501CA0054.namprd05.prod."
		  "outlook.com]", NULL, "m365.auth.bad_credentials" },
		/* CORRECTION-M365-MAIL-5757: consumer Outlook.com trailer */
		{ "530 5.7.57 Client not authenticated to send mail. "
		  "[LO2P265CA0123.GBRP265.PROD.EXCHANGELABS.COM]", NULL,
		  "m365.auth.not_authenticated" },
	};
	struct verdict v;
	size_t	 i;

	(void)state;
	for (i = 0; i < NELEM(t); i++) {
		verdict_init(&v);
		if (!explain_reply(&kb, t[i].text, strlen(t[i].text), t[i].relay,
		    &v) || strcmp(v.cause, t[i].want) != 0)
			fail_msg("row %zu: got %s, want %s", i,
			    v.cause ? v.cause : "none", t[i].want);
		assert_false(v.local);
	}
}

/* the rule table: local statements load, fail and stay apart */
static void
test_rules_local(void **state)
{
	static const char good[] =
	    "cause m365.unknown unknown\ncause a.local oauth\n"
	    "cause a.reply auth\n"
	    "local a.local \"TokenStore::Read\" \"failed to open\"\n"
	    "rule a.reply 535 5.7.3\n";
	static const struct {
		const char *text, *want;
	} bad[] = {
		{ "cause m365.unknown unknown\nlocal x.y \"abcd\"\n",
		  "t:2: rule for undeclared cause" },
		{ "cause m365.unknown unknown\nlocal m365.unknown\n",
		  "t:2: local: want" },
		{ "cause m365.unknown unknown\nlocal m365.unknown abcd\n",
		  "t:2: pattern must be quoted" },
		{ "cause m365.unknown unknown\nlocal m365.unknown \"ab\"\n",
		  "t:2: local pattern too short" },
		{ "cause m365.unknown unknown\nlocal m365.unknown \"abcd\" "
		  "\"abcd\" \"abcd\" \"abcd\" \"abcd\"\n", "t:2: too many" },
		{ "provider m365 localmarker \"ab\"\n",
		  "t:1: signature too short" },
	};
	struct rules *rs;
	char	 err[256];
	size_t	 i;

	(void)state;
	rs = malloc(sizeof(*rs));
	assert_non_null(rs);
	assert_int_equal(rules_load_buf(rs, good, strlen(good), "t", err,
	    sizeof(err)), 0);
	assert_int_equal(rules_match_local(rs, "x TokenStore::Read: failed "
	    "to open file", 39), rules_cause_index(rs, "a.local"));
	/* the length bounds the search */
	assert_int_equal(rules_match_local(rs, "x TokenStore::Read: failed "
	    "to open file", 33), -1);
	assert_int_equal(rules_match_local(rs, "TokenStore::Read: ok", 20), -1);
	/* reply rules never see local rules, and the other way round */
	assert_int_equal(rules_match(rs, 0, "", "TokenStore::Read: failed to "
	    "open"), -1);
	assert_int_equal(rules_match_local(rs, "535 5.7.3 x", 11), -1);
	assert_int_equal(rules_match(rs, 535, "5.7.3", "x"),
	    rules_cause_index(rs, "a.reply"));
	assert_int_equal(rules_match_local(rs, NULL, 0), -1);
	for (i = 0; i < NELEM(bad); i++) {
		assert_int_equal(rules_load_buf(rs, bad[i].text,
		    strlen(bad[i].text), "t", err, sizeof(err)), -1);
		if (strstr(err, bad[i].want) == NULL)
			fail_msg("row %zu: got \"%s\", want \"%s\"", i, err,
			    bad[i].want);
	}
	/* a local marker is no evidence for a server's reply */
	assert_int_equal(rules_provider(kb.rules, NULL, NULL,
	    "550 AADSTS700082 x"), PROVIDER_NONE);
	assert_int_equal(rules_provider_local(kb.rules, NULL,
	    "AADSTS700082 x"), PROVIDER_M365);
	free(rs);
}

/* the English hints: complete, and they say what to run and where */
static void
test_hints_en(void **state)
{
	const struct rules *rs = kb.rules;
	const struct hint_entry *e;
	const char *used;
	char	 all[8192];
	int	 i, k, oauth;
	size_t	 o;

	(void)state;
	for (i = 0; i < rs->nrules; i++) {
		if (!rs->rules[i].local)
			continue;
		e = hints_find(&kb.hints, "en", rs->causes[rs->rules[i].cause].id,
		    &used);
		if (e == NULL)
			fail_msg("no en hint for %s",
			    rs->causes[rs->rules[i].cause].id);
		assert_string_equal(used, "en");
		assert_true(e->summary != NULL && e->summary[0] != '\0');
		assert_true(e->user != NULL && e->user[0] != '\0');
		assert_true(e->nsteps >= 2);
		for (o = 0, k = 0; k < e->nsteps; k++)
			o += (size_t)snprintf(all + o, sizeof(all) - o, "%s\n",
			    e->step[k]);
		oauth = strncmp(e->id, "m365.oauth.", 11) == 0;
		/* a real command or a real path in the steps */
		if (oauth && strstr(all, "sasl-xoauth2-tool") == NULL &&
		    strstr(all, "/etc/sasl-xoauth2.conf") == NULL &&
		    strstr(all, "Entra admin center") == NULL)
			fail_msg("%s: no sasl-xoauth2 command or path", e->id);
		if (strncmp(e->id, "relay.sasl.", 11) == 0 &&
		    strstr(all, "main.cf") == NULL &&
		    strstr(all, "sasl_passwd") == NULL &&
		    strstr(all, "saslpluginviewer") == NULL)
			fail_msg("%s: no Postfix setting", e->id);
	}
	/* the exact sasl-xoauth2 get-token form */
	e = hints_find(&kb.hints, "en", "m365.oauth.refresh_token_idle", NULL);
	assert_non_null(e);
	assert_non_null(strstr(e->step[0], "sasl-xoauth2-tool get-token "
	    "outlook <token-file> --client-id=<app-id> --tenant=<tenant> "
	    "--use-device-flow"));
	assert_non_null(strstr(e->step[0], "/var/spool/postfix"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_every_local_cause),
		cmocka_unit_test(test_provider_policy),
		cmocka_unit_test(test_refine),
		cmocka_unit_test(test_logline_xoauth2),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_corrections),
		cmocka_unit_test(test_rules_local),
		cmocka_unit_test(test_hints_en),
	};

	return (cmocka_run_group_tests(tests, kb_setup, kb_teardown));
}
