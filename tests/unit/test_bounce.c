/*
 * test_bounce.c - classify and enrich real bounces
 *
 * The Postfix and Exim samples in tests/data/ are real output of Postfix
 * 3.7 and Exim 4.96 against a fake Microsoft 365 server; the external
 * set is 75 real bounces from Sisimai's public corpus.
 */
#include <dirent.h>

#include "testutil.h"

#include "bounce.h"
#include "buf.h"
#include "mime.h"

#include "kbfixture.h"

/* expected - cause from a Postfix sample's name; NULL when unknown */
static const char *
expected(const char *name)
{
	if (strstr(name, "5.7.57"))
		return ("m365.auth.not_authenticated");
	if (strstr(name, "basic-auth-blocked"))
		return ("m365.auth.basic_auth_blocked");
	if (strstr(name, "security-defaults"))
		return ("m365.auth.security_defaults");
	if (strstr(name, "smtpauth-disabled") || strstr(name, "5.7.139"))
		return ("m365.auth.smtp_auth_disabled_tenant");
	return ("m365.auth.bad_credentials");	/* the lab's default 535 5.7.3 */
}

/* classify_message - split and classify a whole message */
static int
classify_message(const char *msg, size_t len, struct bounce_result *res)
{
	const char *body;
	size_t	 hlen;

	if (mime_split_message(msg, len, &hlen, &body) < 0)
		return (-1);
	return (bounce_classify(&kb, msg, hlen, body,
	    len - (size_t)(body - msg), res));
}

/* postfix_samples - every Postfix bounce and delay notice gets its cause */
static void
test_postfix_samples(void **state)
{
	struct bounce_result res;
	DIR	*d;
	struct dirent *de;
	char	 rel[512], *msg;
	size_t	 len;
	int	 n = 0, delayed = 0;

	(void)state;
	d = opendir(tu_path("tests/data/postfix"));
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (strstr(de->d_name, ".eml") == NULL)
			continue;
		snprintf(rel, sizeof(rel), "tests/data/postfix/%s", de->d_name);
		msg = tu_read(rel, &len);
		assert_int_equal(classify_message(msg, len, &res), 1);
		if (strcmp(res.v.cause, expected(de->d_name)) != 0)
			fail_msg("%s: got %s, want %s", de->d_name, res.v.cause,
			    expected(de->d_name));
		assert_int_equal(res.is_report, 1);
		assert_true(res.v.queue_id[0] != '\0');
		assert_true(res.v.recipient[0] != '\0');
		if (strstr(msg, "Action: delayed") != NULL) {
			assert_int_equal(res.delayed, 1);
			delayed++;
		}
		free(msg);
		n++;
	}
	closedir(d);
	assert_true(n >= 30);
	assert_true(delayed >= 4);
}

/* exim_samples - the Exim bounces whose text carries Microsoft's reply */
static void
test_exim_samples(void **state)
{
	static const struct {
		const char *file, *cause;
	} t[] = {
		{ "n1-noauth-5.7.57-alice-1.eml", "m365.auth.not_authenticated" },
		{ "t1-tryauth-5.7.3-alice-1.eml", "m365.auth.not_authenticated" },
		{ "p3-plain-noauth-5.7.57-alice-1.eml", "m365.auth.not_authenticated" },
	};
	struct bounce_result res;
	char	 rel[512], *msg;
	size_t	 i, len;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(rel, sizeof(rel), "tests/data/exim/%s", t[i].file);
		msg = tu_read(rel, &len);
		assert_int_equal(classify_message(msg, len, &res), 1);
		assert_string_equal(res.v.cause, t[i].cause);
		assert_string_equal(res.v.server_id,
		    "SN4PR0501CA0054.namprd05.prod.outlook.com");
		free(msg);
	}
}

/* rewrite_once - a rewritten bounce is not rewritten again */
static void
test_rewrite_once(void **state)
{
	struct bounce_opts o = { "en", 0, 0 };
	struct bounce_result res;
	struct buf a, b;
	char	*msg;
	size_t	 len;

	(void)state;
	msg = tu_read("tests/data/postfix/hard-535-5.7.3.eml", &len);
	buf_init(&a, 1 << 24);
	buf_init(&b, 1 << 24);
	assert_int_equal(bounce_rewrite_message(&kb, &o, msg, len, &a, &res),
	    1);
	assert_int_equal(res.rw, REWRITE_OK);
	assert_non_null(strstr(a.data, "\nX-Relayhint-Cause: "
	    "m365.auth.bad_credentials\n"));
	assert_non_null(strstr(a.data, "\nX-Relayhint-Code: 5.7.3\n"));
	assert_int_equal(bounce_rewrite_message(&kb, &o, a.data, a.len, &b,
	    &res), 0);
	assert_int_equal(res.already, 1);
	assert_int_equal(b.len, a.len);
	assert_memory_equal(a.data, b.data, a.len);
	buf_free(&a);
	buf_free(&b);
	free(msg);
}

/* postmaster - admin steps come before the note for the reader */
static void
test_postmaster(void **state)
{
	struct bounce_opts o = { "en", HINT_ADMIN_FIRST, 0 };
	struct bounce_result res;
	struct buf a;
	char	*msg;
	const char *admin, *user;
	size_t	 len;

	(void)state;
	msg = tu_read("tests/data/postfix/hard-535-5.7.3.eml", &len);
	buf_init(&a, 1 << 24);
	assert_int_equal(bounce_rewrite_message(&kb, &o, msg, len, &a, &res),
	    1);
	admin = strstr(a.data, hints_ui(&kb.hints, "en", "admin_heading"));
	user = strstr(a.data, hints_ui(&kb.hints, "en", "user_heading"));
	assert_non_null(admin);
	assert_non_null(user);
	assert_true(admin < user);
	buf_free(&a);
	free(msg);
}

/* too_large - over the limit: unchanged */
static void
test_too_large(void **state)
{
	struct bounce_opts o = { "en", 0, 1000 };
	struct bounce_result res;
	struct buf a;
	char	*msg;
	size_t	 len;

	(void)state;
	msg = tu_read("tests/data/postfix/hard-535-5.7.3.eml", &len);
	buf_init(&a, 1 << 24);
	assert_int_equal(bounce_rewrite_message(&kb, &o, msg, len, &a, &res),
	    0);
	assert_int_equal(res.rw, REWRITE_TOO_LARGE);
	assert_int_equal(a.len, len);
	assert_memory_equal(a.data, msg, len);
	buf_free(&a);
	free(msg);
}

/* crlf - the milter's CRLF form gives CRLF headers and body */
static void
test_crlf(void **state)
{
	struct bounce_opts o = { "zh-CN", 0, 0 };
	struct bounce_result res;
	struct buf in, a;
	char	*msg;
	size_t	 len, i;

	(void)state;
	msg = tu_read("tests/data/postfix/hard-535-5.7.139-smtpauth-disabled.eml",
	    &len);
	buf_init(&in, 1 << 24);
	buf_init(&a, 1 << 24);
	for (i = 0; i < len; i++) {
		if (msg[i] == '\n')
			buf_putc(&in, '\r');
		buf_putc(&in, msg[i]);
	}
	assert_int_equal(bounce_rewrite_message(&kb, &o, in.data, in.len, &a,
	    &res), 1);
	assert_string_equal(res.lang_used, "zh-CN");
	for (i = 0; i < a.len; i++)
		if (a.data[i] == '\n')
			assert_true(i > 0 && a.data[i - 1] == '\r');
	assert_non_null(strstr(a.data, "\r\nX-Relayhint-Cause: "
	    "m365.auth.smtp_auth_disabled_tenant\r\n"));
	buf_free(&in);
	buf_free(&a);
	free(msg);
}

/* not_a_bounce - an ordinary message and a non-Microsoft bounce pass unchanged */
static void
test_not_a_bounce(void **state)
{
	static const char plain[] = "From: a@b\nTo: c@d\nSubject: hi\n\nhello\n";
	struct bounce_opts o = { "en", 0, 0 };
	struct bounce_result res;
	struct buf a;

	(void)state;
	buf_init(&a, 1 << 20);
	assert_int_equal(bounce_rewrite_message(&kb, &o, plain,
	    sizeof(plain) - 1, &a, &res), 0);
	assert_int_equal(a.len, sizeof(plain) - 1);
	assert_null(res.v.cause);
	buf_free(&a);
}

/* external - 75 real bounces: no crash, never an authentication cause */
static void
test_external(void **state)
{
	struct bounce_opts o = { "en", 0, 0 };
	struct bounce_result res;
	struct buf a;
	DIR	*d;
	struct dirent *de;
	char	 rel[512], *msg;
	size_t	 len;
	int	 n = 0;

	(void)state;
	d = opendir(tu_path("tests/data/external/set-of-emails"));
	assert_non_null(d);
	buf_init(&a, 1 << 25);
	while ((de = readdir(d)) != NULL) {
		if (strstr(de->d_name, ".eml") == NULL)
			continue;
		snprintf(rel, sizeof(rel), "tests/data/external/set-of-emails/%s",
		    de->d_name);
		msg = tu_read(rel, &len);
		buf_reset(&a);
		assert_true(bounce_rewrite_message(&kb, &o, msg, len, &a,
		    &res) >= 0);
		if (res.v.cause != NULL &&
		    strncmp(res.v.cause, "m365.auth.", 10) == 0)
			fail_msg("%s: %s", de->d_name, res.v.cause);
		free(msg);
		n++;
	}
	closedir(d);
	buf_free(&a);
	assert_int_equal(n, 75);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_postfix_samples),
		cmocka_unit_test(test_exim_samples),
		cmocka_unit_test(test_rewrite_once),
		cmocka_unit_test(test_postmaster),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_not_a_bounce),
		cmocka_unit_test(test_external),
	};

	return (cmocka_run_group_tests(tests, kb_setup, kb_teardown));
}
