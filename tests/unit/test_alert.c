/*
 * test_alert.c - webhook alerts: payloads per format, HMAC, scan's watcher
 *
 * The spool and the adapters' on-disk quiet window: test_alertspool.c.
 *
 * Payloads are checked with a small embedded JSON validator (RFC 8259
 * grammar, no extensions) and by finding their fields; the HMAC against
 * a value computed with "openssl dgst -sha256 -hmac".
 */
#include "testutil.h"

#include <dirent.h>
#include <unistd.h>

#include "alert.h"
#include "buf.h"
#include "explain.h"
#include "kbfixture.h"


/* ---- a strict little JSON validator ---- */
static const char *jv_value(const char *, int);

/* jv_ws - skip white space */
static const char *
jv_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return (p);
}

/* jv_string - a string; NULL when malformed */
static const char *
jv_string(const char *p)
{
	int	 i;

	if (*p++ != '"')
		return (NULL);
	for (; *p != '"'; p++) {
		if ((unsigned char)*p < 0x20)
			return (NULL);
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				for (i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF",
					    p[i]) || p[i] == '\0')
						return (NULL);
				p += 4;
			} else if (!strchr("\"\\/bfnrt", *p) || *p == '\0')
				return (NULL);
		}
	}
	return (p + 1);
}

/* jv_value - any value; NULL when malformed */
static const char *
jv_value(const char *p, int depth)
{
	if (depth > 64)
		return (NULL);
	p = jv_ws(p);
	if (*p == '{' || *p == '[') {
		char	 close = *p == '{' ? '}' : ']';
		int	 obj = *p == '{';

		p = jv_ws(p + 1);
		if (*p == close)
			return (p + 1);
		for (;;) {
			if (obj) {
				if ((p = jv_string(jv_ws(p))) == NULL)
					return (NULL);
				p = jv_ws(p);
				if (*p++ != ':')
					return (NULL);
			}
			if ((p = jv_value(p, depth + 1)) == NULL)
				return (NULL);
			p = jv_ws(p);
			if (*p == close)
				return (p + 1);
			if (*p++ != ',')
				return (NULL);
		}
	}
	if (*p == '"')
		return (jv_string(p));
	if (strncmp(p, "true", 4) == 0 || strncmp(p, "null", 4) == 0)
		return (p + 4);
	if (strncmp(p, "false", 5) == 0)
		return (p + 5);
	if (*p == '-' || (*p >= '0' && *p <= '9')) {
		if (*p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return (NULL);
		while ((*p >= '0' && *p <= '9') || *p == '.' || *p == 'e' ||
		    *p == 'E' || *p == '+' || *p == '-')
			p++;
		return (p);
	}
	return (NULL);
}

/* json_valid - the whole text is exactly one JSON value */
static int
json_valid(const char *s)
{
	const char *e = jv_value(s, 0);

	return (e != NULL && *jv_ws(e) == '\0');
}

/* sample - an alert from a real Microsoft reply */
static void
sample(struct alert *a)
{
	static const char r[] = "535 5.7.139 Authentication unsuccessful, "
	    "SmtpClientAuthentication is disabled for the Tenant. Visit "
	    "https://aka.ms/smtp_auth_disabled for more information. "
	    "[SN4PR0501CA0054.namprd05.prod.outlook.com 2026-11-22T17:00:00Z "
	    "08DE2A1B2C3D4E5F] <\"quote\"> & \\back";
	struct verdict v;

	verdict_init(&v);
	assert_int_equal(explain_reply(&kb, r, strlen(r),
	    "smtp.office365.com", &v), 1);
	alertspool_fill(a, &v, &kb.hints, "en", "scan");
	snprintf(a->first_seen, sizeof(a->first_seen), "2026-11-22T17:00:00Z");
	snprintf(a->last_seen, sizeof(a->last_seen), "2026-11-22T17:05:00Z");
	a->count = 7;
	a->suppressed = 3;
}

/* every format parses as JSON and carries the alert's fields */
static void
test_payloads(void **state)
{
	static const struct {
		const char *fmt;
		const char *want[6];
	} t[] = {
		{ "json", { "\"cause\":\"m365.auth.smtp_auth_disabled_tenant\"",
		    "\"smtp_code\":535", "\"enhanced_code\":\"5.7.139\"",
		    "\"count\":7", "\"steps\":[\"", "\"relay\":\"smtp.office365.com\"" } },
		{ "teams", { "\"type\":\"AdaptiveCard\"",
		    "application/vnd.microsoft.card.adaptive",
		    "\"value\":\"535 5.7.139\"", "\"title\":\"Server id\"",
		    "\"text\":\"1. ", "m365.auth.smtp_auth_disabled_tenant" } },
		{ "slack", { "\"blocks\":[", "\"type\":\"header\"",
		    "*Code*\\n535 5.7.139", "&lt;\\\"quote\\\"&gt;",
		    "1. ", "m365.auth.smtp_auth_disabled_tenant" } },
	};
	struct alert a;
	struct buf b;
	size_t	 i, k;
	int	 f;

	(void)state;
	sample(&a);
	assert_true(a.nsteps > 0);
	assert_true(a.summary[0] != '\0');
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		f = alert_format_parse(t[i].fmt);
		assert_true(f >= 0);
		buf_init(&b, ALERT_BODY_MAX);
		assert_int_equal(alert_payload(&a, f, &b), 0);
		if (!json_valid(b.data))
			fail_msg("%s: not valid JSON: %s", t[i].fmt, b.data);
		for (k = 0; k < 6 && t[i].want[k] != NULL; k++)
			if (strstr(b.data, t[i].want[k]) == NULL)
				fail_msg("%s: got %s, want it to contain %s",
				    t[i].fmt, b.data, t[i].want[k]);
		buf_free(&b);
	}
	assert_int_equal(alert_format_parse("xml"), -1);
}

/* the validator itself rejects what it must */
static void
test_validator(void **state)
{
	(void)state;
	assert_true(json_valid("{\"a\":[1,\"x\",null,{}]}"));
	assert_false(json_valid("{\"a\":1,}"));
	assert_false(json_valid("{\"a\":\"x\ny\"}"));
	assert_false(json_valid("{\"a\":1} x"));
	assert_false(json_valid("{a:1}"));
}

/* HMAC-SHA256 over "timestamp.body", known answers from openssl dgst */
static void
test_hmac(void **state)
{
	static const struct {
		const char *key, *ts, *body, *want;
	} t[] = {
		/* printf '%s' '1700000000.{"cause":"x"}' |
		 *     openssl dgst -sha256 -hmac whsec-test-key */
		{ "whsec-test-key", "1700000000", "{\"cause\":\"x\"}",
		  "6a0fdf8b65e21ae6302f994bcdf3e93783a5f180e8289e2fa2c07654174817bc" },
		/* printf '%s' '1700000000.' | openssl dgst -sha256 -hmac k */
		{ "k", "1700000000", "",
		  "5c2999a43333a6877f49c8003f235c4f6de40f85b1b7414b70bd470a8db53d97" },
	};
	char	 hex[ALERT_SIG_HEX];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(alert_sign(t[i].key, strlen(t[i].key), t[i].ts,
		    t[i].body, strlen(t[i].body), hex), 0);
		assert_string_equal(hex, t[i].want);
	}
	/* the timestamp is signed: another one gives another signature */
	assert_int_equal(alert_sign("k", 1, "1700000001", "", 0, hex), 0);
	assert_string_not_equal(hex, t[1].want);
}

/* the spool form survives a round trip; junk is refused */
static void
test_serialize(void **state)
{
	struct alert a, b;
	struct buf s;
	int	 k;

	(void)state;
	sample(&a);
	buf_init(&s, ALERT_FILE_MAX);
	assert_int_equal(alertspool_serialize(&a, &s), 0);
	assert_int_equal(alertspool_parse(&b, s.data, s.len), 0);
	assert_string_equal(a.cause, b.cause);
	assert_string_equal(a.reply, b.reply);
	assert_string_equal(a.summary, b.summary);
	assert_int_equal(a.smtp_code, b.smtp_code);
	assert_int_equal(a.count, b.count);
	assert_int_equal(a.suppressed, b.suppressed);
	assert_int_equal(a.nsteps, b.nsteps);
	for (k = 0; k < a.nsteps; k++)
		assert_string_equal(a.step[k], b.step[k]);
	buf_free(&s);
	assert_int_equal(alertspool_parse(&b, "hello\n", 6), -1);
	assert_int_equal(alertspool_parse(&b, "relayhint-alert 1\n", 18), -1);
}

/* no secret from a relay-local line reaches a payload */
static void
test_no_secret(void **state)
{
	static const char r[] = "[sasl-xoauth2] auth failed: TokenStore::"
	    "Refresh: http error: {\"error\":\"invalid_grant\",\"error_"
	    "description\":\"AADSTS700082: The refresh token has expired\"} "
	    "refresh_token=0.AAAA-SeCrEtToKeN password=hunter2";
	struct verdict v;
	struct alert a;
	struct buf b;
	int	 f;

	(void)state;
	verdict_init(&v);
	explain_reply(&kb, r, strlen(r), NULL, &v);
	/* even if the verdict kept it, the alert must not */
	snprintf(v.reply, sizeof(v.reply), "%s", r);
	if (v.cause == NULL)
		v.cause = "m365.oauth.refresh_token_idle";
	alertspool_fill(&a, &v, &kb.hints, "en", "scan");
	for (f = ALERT_JSON; f <= ALERT_SLACK; f++) {
		buf_init(&b, ALERT_BODY_MAX);
		assert_int_equal(alert_payload(&a, f, &b), 0);
		assert_null(strstr(b.data, "SeCrEtToKeN"));
		assert_null(strstr(b.data, "hunter2"));
		buf_free(&b);
	}
}

/* the quiet window: first sighting alerts, repeats wait */
static void
test_watch(void **state)
{
	char	 dir[] = "/tmp/rh-alert-watch.XXXXXX", path[512], **names;
	struct alert_watch w;
	struct verdict v;
	static const char r[] = "535 5.7.3 Authentication unsuccessful "
	    "[SN4PR0501CA0054.namprd05.prod.outlook.com]";
	int	 n, i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	verdict_init(&v);
	assert_int_equal(explain_reply(&kb, r, strlen(r), "smtp.office365.com",
	    &v), 1);
	alert_watch_init(&w, dir, 10, 60, &kb.hints, "en", "scan");
	assert_int_equal(alert_watch_note(&w, &v, "t1", 1000), 1);
	assert_int_equal(alert_watch_note(&w, &v, "t2", 1010), 0);
	assert_int_equal(alert_watch_note(&w, &v, "t3", 1030), 0);
	assert_int_equal(alert_watch_note(&w, &v, "t4", 1061), 1);
	n = alertspool_list(dir, &names);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	alertspool_list_free(names, n);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validator),
		cmocka_unit_test(test_payloads),
		cmocka_unit_test(test_hmac),
		cmocka_unit_test(test_serialize),
		cmocka_unit_test(test_no_secret),
		cmocka_unit_test(test_watch),
	};

	return (cmocka_run_group_tests(tests, kb_setup, kb_teardown));
}
