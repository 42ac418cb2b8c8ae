/*
 * test_xheader.c - the X-Relayhint-* fields (common/xheader.c)
 *
 * What mail filters and help desks rely on: the names, "none" for a
 * reply without an enhanced code, the English summary when the
 * language's is not ASCII, one line per field with no CR, LF or NUL
 * whatever the verdict holds, under RFC 5322's 998 bytes - for every
 * cause of the shipped rules in every shipped language.
 */
#include "testutil.h"

#include <string.h>

#include "buf.h"
#include "explain.h"
#include "hint.h"
#include "text.h"
#include "xheader.h"

#include "kbfixture.h"

/* lines - cause and code, as the rewriter and the milter write them */
static void
test_lines(void **state)
{
	struct xheaders x;
	struct verdict v;
	struct buf b;

	(void)state;
	verdict_init(&v);
	v.cause = "m365.auth.smtp_auth_disabled_tenant";
	memcpy(v.status, "5.7.139", 8);
	assert_int_equal(xheader_fields(&x, &v, NULL, NULL, NULL), 2);
	buf_init(&b, 4096);
	xheader_write(&b, &x, "", "\r\n");
	assert_string_equal(b.data, "X-Relayhint-Cause: m365.auth."
	    "smtp_auth_disabled_tenant\r\nX-Relayhint-Code: 5.7.139\r\n");
	/* no enhanced code: "none"; the Exim template form */
	v.status[0] = '\0';
	(void)xheader_fields(&x, &v, NULL, NULL, NULL);
	buf_reset(&b);
	xheader_write(&b, &x, "\n", "");
	assert_string_equal(b.data, "\nX-Relayhint-Cause: m365.auth."
	    "smtp_auth_disabled_tenant\nX-Relayhint-Code: none");
	buf_free(&b);
}

/* censored - a value never carries a line end or a control byte */
static void
test_censored(void **state)
{
	struct xheaders x;
	struct verdict v;

	(void)state;
	verdict_init(&v);
	v.cause = "m365.x\r\nBcc: victim@example.com\x01";
	(void)xheader_fields(&x, &v, NULL, NULL, NULL);
	assert_null(strpbrk(x.f[0].value, "\r\n\x01"));
	assert_string_equal(x.f[0].value, "m365.x Bcc: victim@example.com?");
}

/* hint - the summary, ASCII (en when the language's is not), bounded */
static void
test_hint(void **state)
{
	const struct hint_entry *he;
	struct xheaders x;
	struct verdict v;
	struct buf b;
	const char *used, *u;
	char	 want[XHEADER_VALUE_MAX];
	int	 c, l, n;

	(void)state;
	buf_init(&b, 8192);
	verdict_init(&v);
	for (c = 0; c < kb.rules->ncauses; c++) {
		v.cause = kb.rules->causes[c].id;
		for (l = 0; l < kb.hints.ncat; l++) {
			n = xheader_fields(&x, &v, &kb.hints,
			    kb.hints.cat[l].lang, &used);
			he = hints_find(&kb.hints, kb.hints.cat[l].lang,
			    v.cause, &u);
			if (he == NULL || he->summary == NULL) {
				assert_int_equal(n, 2);
				continue;
			}
			assert_int_equal(n, 3);
			assert_string_equal(x.f[2].name, "X-Relayhint-Hint");
			assert_true(text_is_ascii(x.f[2].value,
			    strlen(x.f[2].value)));
			if (!text_is_ascii(he->summary, strlen(he->summary)))
				assert_string_equal(used, "en");
			else
				assert_string_equal(used, u);
			he = hints_find(&kb.hints, used, v.cause, &u);
			(void)text_printable(want, sizeof(want), he->summary,
			    strnlen(he->summary, XHEADER_HINT_MAX));
			assert_string_equal(x.f[2].value, want);
			buf_reset(&b);
			xheader_write(&b, &x, "", "\n");
			assert_null(memchr(b.data, '\r', b.len));
			assert_int_equal(b.len, strlen(b.data));
			for (n = 0; n < 3; n++)
				assert_true(strlen(x.f[n].name) + 2 +
				    strlen(x.f[n].value) <= XHEADER_LINE_MAX);
		}
	}
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_censored),
		cmocka_unit_test(test_hint),
	};

	return (cmocka_run_group_tests(tests, kb_setup, kb_teardown));
}
