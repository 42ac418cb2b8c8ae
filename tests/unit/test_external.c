/*
 * test_external.c - every real bounce of the external set, end to end
 *
 * tests/data/external/set-of-emails/ holds 75 real bounces from Sisimai's
 * public corpus (see its README and LICENSE).  No one here wrote them,
 * so they test robustness as much as classification: each goes through
 * explain_text, bounce_classify and bounce_rewrite_message without a
 * crash, a hang (each file is timed) or an m365.auth.* cause, and gets
 * the cause the table below names.  The table's category is index.tsv's:
 *
 *   NEG     negative: not Microsoft at all -> no cause
 *   RCPT    recipient-side-ms: a Microsoft-hosted recipient refused
 *           -> m365.recipient.* or outlookcom.*
 *   ONPREM  other-ms: on-premises Exchange NDR -> exchange.onprem.*
 *   MSNDR   ms-ndr: written by Exchange Online / Outlook.com
 *           -> m365.ndr.*, outlookcom.* or m365.recipient.*
 *
 * A NULL cause in a non-NEG row is a known miss (no cause yet); such a
 * row also accepts a cause of its category, so a later rule that finds
 * one does not break the test.  The per-category counts are printed.
 */
#include <time.h>

#include "testutil.h"

#include "bounce.h"
#include "buf.h"
#include "mime.h"

#include "kbfixture.h"

#define EXT_DIR		"tests/data/external/set-of-emails/"
#define EXT_SECONDS	2.0	/* per file, for all three calls */

enum cat { NEG, RCPT, ONPREM, MSNDR, NCAT };

static const char *const cat_name[NCAT] = {
	"negative", "recipient-side-ms", "other-ms (on-prem)", "ms-ndr",
};

static const struct {
	const char *file;
	enum cat cat;
	const char *cause;
} ext[] = {
	{ "lhost-amazonses-08.eml", NEG, NULL },
	{ "lhost-amazonses-21.eml", NEG, NULL },
	{ "lhost-dragonfly-02.eml", RCPT, "m365.recipient.dmarc" },
	{ "lhost-dragonfly-03.eml", NEG, NULL },
	{ "lhost-exchange2003-04.eml", ONPREM, "exchange.onprem.rejected" },
	{ "lhost-exchange2003-05.eml", ONPREM, "exchange.onprem.rejected" },
	{ "lhost-exchange2007-01.eml", ONPREM, "exchange.onprem.rejected" },
	{ "lhost-exchange2007-02.eml", ONPREM, "exchange.onprem.rejected" },
	{ "lhost-exchange2007-03.eml", ONPREM, "exchange.onprem.rejected" },
	{ "lhost-exchange2007-04.eml", ONPREM, "exchange.onprem.rejected" },
	{ "lhost-exchange2007-05.eml", ONPREM, "exchange.onprem.rejected" },
	{ "lhost-exchange2007-06.eml", ONPREM, "exchange.onprem.rejected" },
	{ "lhost-exchange2007-07.eml", ONPREM, "exchange.onprem.rejected" },
	{ "lhost-exim-01.eml", NEG, NULL },
	{ "lhost-exim-30.eml", NEG, NULL },
	{ "lhost-ezweb-08.eml", RCPT, "outlookcom.ip_blocked" },
	{ "lhost-gmail-05.eml", NEG, NULL },
	{ "lhost-mimecast-01.eml", RCPT, "m365.recipient.access_denied" },
	{ "lhost-mimecast-02.eml", RCPT, NULL },
	{ "lhost-office365-01.eml", MSNDR, "m365.recipient.not_found" },
	{ "lhost-office365-02.eml", MSNDR, "m365.recipient.not_found" },
	{ "lhost-office365-03.eml", MSNDR, "m365.ndr.remote_rejected" },
	{ "lhost-office365-04.eml", MSNDR, "outlookcom.rejected" },
	{ "lhost-office365-05.eml", MSNDR, "outlookcom.rejected" },
	{ "lhost-office365-06.eml", MSNDR, "m365.ndr.remote_unreachable" },
	{ "lhost-office365-07.eml", MSNDR, "outlookcom.rejected" },
	{ "lhost-office365-08.eml", MSNDR, "m365.ndr.remote_unreachable" },
	{ "lhost-office365-09.eml", MSNDR, "outlookcom.rejected" },
	{ "lhost-office365-10.eml", MSNDR, "outlookcom.rejected" },
	{ "lhost-office365-11.eml", MSNDR, "outlookcom.rejected" },
	{ "lhost-office365-12.eml", MSNDR, "outlookcom.rejected" },
	{ "lhost-office365-13.eml", MSNDR, "m365.recipient.not_found" },
	{ "lhost-outlook-01.eml", MSNDR, "outlookcom.rejected" },
	{ "lhost-outlook-02.eml", MSNDR, "outlookcom.rejected" },
	{ "lhost-outlook-03.eml", MSNDR, "outlookcom.rejected" },
	{ "lhost-outlook-04.eml", MSNDR, "outlookcom.rejected" },
	{ "lhost-outlook-06.eml", MSNDR, "outlookcom.rejected" },
	{ "lhost-outlook-07.eml", MSNDR, "outlookcom.rejected" },
	{ "lhost-outlook-08.eml", MSNDR, "outlookcom.rejected" },
	{ "lhost-outlook-09.eml", MSNDR, "outlookcom.rejected" },
	{ "lhost-postfix-09.eml", NEG, NULL },
	{ "lhost-postfix-30.eml", RCPT, "m365.recipient.access_denied" },
	{ "lhost-postfix-47.eml", RCPT, "outlookcom.rejected" },
	{ "lhost-postfix-54.eml", NEG, NULL },
	{ "lhost-postfix-65.eml", NEG, NULL },
	{ "lhost-postfix-70.eml", NEG, NULL },
	{ "lhost-qmail-03.eml", NEG, NULL },
	{ "lhost-qmail-09.eml", RCPT, "m365.recipient.ip_banned" },
	{ "lhost-qmail-15.eml", RCPT, "m365.recipient.dmarc" },
	{ "lhost-qmail-22.eml", RCPT, "m365.recipient.dmarc" },
	{ "lhost-sendmail-07.eml", NEG, NULL },
	{ "lhost-sendmail-08.eml", NEG, NULL },
	{ "lhost-sendmail-31.eml", NEG, NULL },
	{ "lhost-sendmail-35.eml", NEG, NULL },
	{ "lhost-sendmail-58.eml", NEG, NULL },
	{ "lhost-sendmail-59.eml", NEG, NULL },
	{ "lhost-x2-07.eml", RCPT, "m365.recipient.loop" },
	{ "make-test-23.eml", RCPT, "outlookcom.rejected" },
	{ "rhost-messagelabs-01.eml", NEG, NULL },
	{ "rhost-microsoft-01.eml", RCPT, "m365.recipient.ip_banned" },
	{ "rhost-microsoft-02.eml", RCPT, "m365.recipient.access_denied" },
	{ "rhost-microsoft-03.eml", MSNDR, "m365.recipient.not_found" },
	{ "rhost-microsoft-04.eml", RCPT, "m365.recipient.dmarc" },
	{ "rhost-microsoft-05.eml", RCPT, "m365.recipient.ip_reputation" },
	{ "rhost-microsoft-06.eml", RCPT, "outlookcom.auth_level" },
	{ "rhost-outlook-01.eml", MSNDR, "outlookcom.rejected" },
	{ "rhost-outlook-02.eml", MSNDR, "outlookcom.rejected" },
	{ "rhost-outlook-03.eml", MSNDR, "outlookcom.rejected" },
	{ "rhost-outlook-04.eml", MSNDR, "outlookcom.rejected" },
	{ "rhost-outlook-06.eml", MSNDR, "outlookcom.rejected" },
	{ "rhost-outlook-07.eml", MSNDR, "outlookcom.rejected" },
	{ "rhost-outlook-08.eml", MSNDR, "outlookcom.rejected" },
	{ "rhost-outlook-09.eml", MSNDR, "outlookcom.rejected" },
	{ "rhost-yahooinc-01.eml", NEG, NULL },
	{ "rhost-zoho-04.eml", NEG, NULL },
};

/* in_category - the cause belongs to the category's areas */
static int
in_category(enum cat c, const char *cause)
{
	switch (c) {
	case NEG:
		return (cause == NULL);
	case RCPT:
		return (cause != NULL && (strncmp(cause, "m365.recipient.",
		    15) == 0 || strncmp(cause, "outlookcom.", 11) == 0));
	case ONPREM:
		return (cause != NULL && strncmp(cause, "exchange.onprem.",
		    16) == 0);
	case MSNDR:
		return (cause != NULL && (strncmp(cause, "m365.ndr.", 9) == 0 ||
		    strncmp(cause, "outlookcom.", 11) == 0 ||
		    strncmp(cause, "m365.recipient.", 15) == 0));
	default:
		return (0);
	}
}

/* no_auth - never an authentication cause for any of these */
static void
no_auth(const char *file, const char *what, const char *cause)
{
	if (cause != NULL && (strncmp(cause, "m365.auth.", 10) == 0 ||
	    strncmp(cause, "m365.oauth.", 11) == 0 ||
	    strncmp(cause, "relay.sasl.", 11) == 0))
		fail_msg("%s: %s gave %s", file, what, cause);
}

/* same - two causes are the same (both may be NULL) */
static int
same(const char *a, const char *b)
{
	return ((a == NULL && b == NULL) || (a != NULL && b != NULL &&
	    strcmp(a, b) == 0));
}

/* test_external - the whole set, file by file */
static void
test_external(void **state)
{
	struct bounce_opts o = { "en", 0, 0 };
	struct bounce_result *res = malloc(sizeof(*res));
	struct verdict v;
	struct buf out;
	const char *body;
	char	 rel[512], *msg;
	size_t	 i, len, hlen;
	int	 total[NCAT] = { 0 }, inarea[NCAT] = { 0 }, rc, bad = 0;
	clock_t	 t0;
	double	 secs;

	(void)state;
	assert_non_null(res);
	buf_init(&out, 1 << 24);
	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		snprintf(rel, sizeof(rel), EXT_DIR "%s", ext[i].file);
		msg = tu_read(rel, &len);
		t0 = clock();
		/* explain */
		rc = explain_text(&kb, msg, len, &v);
		no_auth(ext[i].file, "explain", v.cause);
		assert_int_equal(rc, v.cause != NULL);
		/* bounce */
		assert_int_equal(mime_split_message(msg, len, &hlen, &body), 0);
		rc = bounce_classify(&kb, msg, hlen, body,
		    len - (size_t)(body - msg), res);
		no_auth(ext[i].file, "bounce", res->v.cause);
		if (!same(v.cause, res->v.cause))
			fail_msg("%s: explain %s, bounce %s", ext[i].file,
			    v.cause ? v.cause : "(none)", res->v.cause ?
			    res->v.cause : "(none)");
		/* bounce --rewrite */
		buf_reset(&out);
		rc = bounce_rewrite_message(&kb, &o, msg, len, &out, res);
		assert_true(rc >= 0);
		no_auth(ext[i].file, "rewrite", res->v.cause);
		if (rc == 0 && (out.len != len || memcmp(out.data, msg, len)))
			fail_msg("%s: passed, but changed", ext[i].file);
		secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
		if (secs > EXT_SECONDS)
			fail_msg("%s: %.2f s", ext[i].file, secs);
		/* the table */
		total[ext[i].cat]++;
		if (in_category(ext[i].cat, v.cause))
			inarea[ext[i].cat]++;
		if (same(v.cause, ext[i].cause) || (ext[i].cause == NULL &&
		    in_category(ext[i].cat, v.cause)))
			;
		else {
			print_error("%s (%s): got %s, want %s\n", ext[i].file,
			    cat_name[ext[i].cat], v.cause ? v.cause : "(none)",
			    ext[i].cause ? ext[i].cause : "(none)");
			bad++;
		}
		if (ext[i].cause != NULL && !in_category(ext[i].cat,
		    ext[i].cause))
			fail_msg("%s: table row outside its category",
			    ext[i].file);
		free(msg);
	}
	/* "as the category wants": no cause for a negative, else a
	 * cause in the category's areas */
	for (i = 0; i < NCAT; i++)
		print_message("external: %-20s %2d files, %2d as the category "
		    "wants\n", cat_name[i], total[i], inarea[i]);
	buf_free(&out);
	free(res);
	assert_int_equal(bad, 0);
	assert_int_equal(total[NEG] + total[RCPT] + total[ONPREM] +
	    total[MSNDR], 75);
}

/* test_index - the table and index.tsv name the same files and categories */
static void
test_index(void **state)
{
	char	*idx, *line, *save = NULL, *f, *c;
	size_t	 i, len;
	int	 rows = 0;
	enum cat want;

	(void)state;
	idx = tu_read(EXT_DIR "index.tsv", &len);
	for (line = strtok_r(idx, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "file\t", 5) == 0)
			continue;
		f = line;
		if ((c = strchr(f, '\t')) == NULL)
			fail_msg("index.tsv: bad row %s", line);
		*c++ = '\0';
		/* category is the fourth column */
		if ((c = strchr(c, '\t')) == NULL || (c = strchr(c + 1,
		    '\t')) == NULL)
			fail_msg("index.tsv: bad row %s", f);
		c++;
		want = strncmp(c, "negative", 8) == 0 ? NEG :
		    strncmp(c, "recipient-side-ms", 17) == 0 ? RCPT :
		    strncmp(c, "other-ms", 8) == 0 ? ONPREM :
		    strncmp(c, "ms-ndr", 6) == 0 ? MSNDR : NCAT;
		for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
			if (strcmp(ext[i].file, f) == 0)
				break;
		if (i == sizeof(ext) / sizeof(ext[0]))
			fail_msg("%s: in index.tsv, not in the table", f);
		if (ext[i].cat != want)
			fail_msg("%s: category differs from index.tsv", f);
		rows++;
	}
	assert_int_equal(rows, (int)(sizeof(ext) / sizeof(ext[0])));
	free(idx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index),
		cmocka_unit_test(test_external),
	};

	return (cmocka_run_group_tests(tests, kb_setup, kb_teardown));
}
