/*
 * test_fuzz_regress.c - replay the fuzz corpora and crashes under gcc
 *
 * Every file in fuzz/corpus/NAME/ and fuzz/crashes/NAME/ runs through
 * the same target function the libFuzzer harness fuzz/fuzz_NAME.c calls
 * (fuzz/targets.c is compiled into this program), and must come back 0:
 * no broken invariant.  A crash here is a crash in make check.  Each
 * input that once failed also has a named test below with the exact
 * result it must now give (libcbor's test/bad_inputs_test.c).
 */
#include <dirent.h>
#include <sys/stat.h>

#include "testutil.h"

#include <time.h>

#include "../../fuzz/targets.c"

/* replay_dir - every regular file of RH_SRCDIR/rel through fn; the count */
static int
replay_dir(const char *rel, int (*fn)(const uint8_t *, size_t))
{
	char	 dir[4096], file[4096 + 256];
	struct dirent *de;
	struct stat st;
	DIR	*d;
	char	*data;
	size_t	 len;
	int	 n = 0;

	snprintf(dir, sizeof(dir), "%s", tu_path(rel));
	if ((d = opendir(dir)) == NULL)
		return (0);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s", rel, de->d_name);
		if (stat(tu_path(file), &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		data = tu_read(file, &len);
		if (fuzz_run(fn, (const uint8_t *)data, len) != 0)
			fail_msg("%s: got invariant failure \"%s\", want none",
			    file, fuzz_why());
		free(data);
		n++;
	}
	closedir(d);
	return (n);
}

/* test_replay_all - fuzz/corpus/NAME and fuzz/crashes/NAME for every target */
static void
test_replay_all(void **state)
{
	const struct fuzz_target *t;
	char	 rel[256];
	int	 n, total = 0;

	for (t = fuzz_targets; t->name != NULL; t++) {
		snprintf(rel, sizeof(rel), "fuzz/corpus/%s", t->name);
		n = replay_dir(rel, t->fn);
		if (n == 0)
			fail_msg("%s: got an empty seed corpus, want files", rel);
		total += n;
		snprintf(rel, sizeof(rel), "fuzz/crashes/%s", t->name);
		total += replay_dir(rel, t->fn);
	}
	assert_true(total > 0);
}

/* run - one named input through its target */
static int
run(int (*fn)(const uint8_t *, size_t), const char *s, size_t len)
{
	return (fuzz_run(fn, (const uint8_t *)s, len));
}

/*
 * Harness findings, kept so the checks stay as they were decided.
 *
 * mime_split_multipart accepts a body whose first delimiter is the close
 * delimiter: 0 with no parts (the harness first demanded at least one).
 */
static void
test_mime_close_delimiter_only(void **state)
{
	static const char body[] = "--b--\n";
	static const char msg[] = "Content-Type: multipart/mixed; "
	    "boundary=b\n\n--b--\n";
	struct mime_multipart mp;

	assert_int_equal(mime_split_multipart("multipart/mixed; boundary=b",
	    body, sizeof(body) - 1, &mp), 0);
	assert_int_equal(mp.nparts, 0);
	assert_int_equal(mp.closed, 1);
	assert_int_equal(run(fuzz_mime, msg, sizeof(msg) - 1), 0);
}

/*
 * An empty first part shares its line break with the first delimiter:
 * rewrite_body keeps everything from the second delimiter line on, and
 * the check measures from there (fuzz/crashes/rewrite/empty-first-part).
 */
static void
test_rewrite_empty_first_part(void **state)
{
	static const char ctype[] = "multipart/report; "
	    "report-type=delivery-status; boundary=B";
	static const char body[] = "--B\n--B\nContent-Type: "
	    "message/delivery-status\n\nStatus: 5.0.0\n\n--B--\n";
	struct buf out;

	buf_init(&out, 65536);
	assert_int_equal(rewrite_body(ctype, body, sizeof(body) - 1,
	    hint_ascii, strlen(hint_ascii), 65536, &out), REWRITE_OK);
	assert_int_equal(check_rewritten(ctype, body, sizeof(body) - 1,
	    out.data, out.len), 0);
	/* the hint went in, the second delimiter line and what follows did not move */
	assert_non_null(strstr(out.data, "relayhint: test hint"));
	assert_non_null(strstr(out.data, "\n--B\nContent-Type: "
	    "message/delivery-status\n\nStatus: 5.0.0\n\n--B--\n"));
	buf_free(&out);
}

/*
 * mime.c: mime_qp_encode wrote '-' literally at the start of a line, so
 * rewrite_body, re-encoding a first part whose decoded text held
 * "--boundary" (sent as "=2D=2DB"), produced a delimiter line: the
 * output had three parts instead of two (delimiter injection).
 * Now a '-' that starts a line, hard or soft, is always "=2D".
 */
static void
test_rewrite_qp_decoded_delimiter(void **state)
{
	static const char ctype[] = "multipart/report; boundary=B";
	static const char body[] = "--B\n"
	    "Content-Type: text/plain\n"
	    "Content-Transfer-Encoding: quoted-printable\n"
	    "\n"
	    "hello\n=2D=2DB\nmore\n"
	    "--B\n"
	    "Content-Type: message/delivery-status\n"
	    "\n"
	    "Status: 5.0.0\n"
	    "\n"
	    "--B--\n";
	struct mime_multipart mp;
	struct buf out;
	char	*f;
	size_t	 len;

	buf_init(&out, 65536);
	assert_int_equal(rewrite_body(ctype, body, sizeof(body) - 1,
	    hint_utf8, strlen(hint_utf8), 65536, &out), REWRITE_OK);
	assert_int_equal(mime_split_multipart(ctype, out.data, out.len, &mp),
	    0);
	assert_int_equal(mp.nparts, 2);
	assert_non_null(strstr(out.data, "\nhello\n=2D-B\nmore\n--B\n"));
	assert_int_equal(check_rewritten(ctype, body, sizeof(body) - 1,
	    out.data, out.len), 0);
	buf_free(&out);
	f = tu_read("fuzz/crashes/rewrite/qp-decoded-delimiter", &len);
	assert_int_equal(run(fuzz_rewrite, f, len), 0);
	free(f);
}

/* the same for a soft line break that would leave "--B" at a line start */
static void
test_qp_encode_leading_dash(void **state)
{
	char	 in[128], want[128];
	struct buf out;

	memset(in, 'a', 74);
	memcpy(in + 74, "--B", 4);
	memset(want, 'a', 74);
	memcpy(want + 74, "-=\n=2DB", 8);
	buf_init(&out, 4096);
	assert_int_equal(mime_qp_encode(in, strlen(in), "\n", &out), 0);
	assert_string_equal(out.data, want);
	buf_reset(&out);
	assert_int_equal(mime_qp_encode("--B\r\n-x", 7, "\r\n", &out), 0);
	assert_string_equal(out.data, "=2D-B\r\n=2Dx");
	buf_free(&out);
	assert_int_equal(run(fuzz_mime, in, strlen(in)), 0);
}

/* dirty_stack - leave garbage where the next call's locals will be */
static void
dirty_stack(void)
{
	volatile char junk[64 * 1024];
	size_t	 i;

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = 0x5a;
}

/*
 * explain.c: explain_logline returned 0 for an MTA line of no interest
 * ("removed", "Completed") without initialising the verdict, and
 * explain_text copied it out as the first log line's: status, reply and
 * form were stack garbage (valgrind; a crash under the fuzzer).  Now the
 * verdict is initialised first, and the line keeps its log form.
 */
static void
test_explain_mta_line_no_failure(void **state)
{
	static const char *const lines[] = {
	    "Nov 22 17:12:51 relay postfix/qmgr[123]: 84ACB1022E9: removed",
	    "2026-11-22 17:39:27 1vXaBc-000123-AB Completed",
	};
	struct verdict v;
	size_t	 i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		dirty_stack();
		memset(&v, 0x5a, sizeof(v));
		assert_int_equal(explain_text(&fuzz_kb, lines[i],
		    strlen(lines[i]), &v), 0);
		/* a log line of no interest is reported as such, not as a reply */
		assert_int_equal(v.form, i == 0 ? FORM_POSTFIX_LOG :
		    FORM_EXIM_LOG);
		assert_null(v.cause);
		assert_int_equal(v.smtp_code, 0);
		assert_string_equal(v.status, "");
		assert_string_equal(v.server_id, "");
		assert_string_equal(v.queue_id, "");
		assert_string_equal(v.reply, "");
	}
	for (i = 0; i < 2; i++) {
		static const char *const f[] = {
		    "fuzz/crashes/explain/uninit-verdict-exim-line-no-failure",
		    "fuzz/crashes/explain/uninit-verdict-postfix-removed",
		};
		char	*d;
		size_t	 len;

		d = tu_read(f[i], &len);
		dirty_stack();
		assert_int_equal(run(fuzz_explain, d, len), 0);
		free(d);
	}
}

/* rewrite_message - bounce_rewrite_message of a file; returns its result */
static int
rewrite_message(const char *rel, struct buf *out, struct bounce_result *res)
{
	struct bounce_opts opts;
	char	*msg;
	size_t	 len;
	int	 got;

	memset(&opts, 0, sizeof(opts));
	opts.lang = "en";
	msg = tu_read(rel, &len);
	buf_init(out, 2 * BOUNCE_DEFAULT_MAX);
	got = bounce_rewrite_message(&fuzz_kb, &opts, msg, len, out, res);
	free(msg);
	return (got);
}

/*
 * bounce.c: classify_dsn copied the DSN's Status field, free text made
 * printable but not ASCII, into X-Relayhint-Code when the reply had no
 * enhanced code.  Now only a valid N.NNN.NNN is taken.
 */
static void
test_bounce_dsn_status_free_text(void **state)
{
	struct bounce_result res;
	struct buf out;

	assert_int_equal(rewrite_message(
	    "fuzz/crashes/bounce/dsn-status-free-text-in-header", &out,
	    &res), 1);
	assert_string_equal(res.v.cause, "m365.unknown");
	assert_string_equal(res.v.status, "");
	assert_non_null(strstr(out.data, "\nX-Relayhint-Cause: m365.unknown\n"
	    "X-Relayhint-Code: none\n\n"));
	buf_free(&out);
	assert_int_equal(run(fuzz_bounce, "", 0), 0);
}

/* the same with a Status that starts with a valid code: the code is kept */
static void
test_bounce_dsn_status_code_prefix(void **state)
{
	static const char m[] = "From: MAILER-DAEMON\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\n"
	    "\tboundary=\"B\"\n"
	    "MIME-Version: 1.0\n"
	    "\n"
	    "--B\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "Delivery failed.\n"
	    "\n"
	    "--B\n"
	    "Content-Type: message/delivery-status\n"
	    "\n"
	    "Reporting-MTA: dns; relay.example\n"
	    "\n"
	    "Final-Recipient: rfc822; bob@example.com\n"
	    "Action: failed\n"
	    "Status: 5.7.139 (permanent \xc3\xa9)\n"
	    "Remote-MTA: dns; smtp.office365.com\n"
	    "Diagnostic-Code: smtp; 535 Authentication unsuccessful,\n"
	    "    SmtpClientAuthentication is disabled for the Tenant.\n"
	    "\n"
	    "--B--\n";
	struct bounce_opts opts;
	struct bounce_result res;
	struct buf out;

	memset(&opts, 0, sizeof(opts));
	buf_init(&out, 2 * BOUNCE_DEFAULT_MAX);
	assert_int_equal(bounce_rewrite_message(&fuzz_kb, &opts, m,
	    sizeof(m) - 1, &out, &res), 1);
	assert_string_equal(res.v.status, "5.7.139");
	assert_non_null(strstr(out.data, "\nX-Relayhint-Code: 5.7.139\n\n"));
	assert_int_equal(run(fuzz_bounce, m, sizeof(m) - 1), 0);
	buf_free(&out);
}

/*
 * fuzz_bounce timed out (15 s) on a 240 kB header block of long and
 * many lines: its check that every output header line is one of the
 * input's searched the whole block for each line.  The harness, not
 * the library: now kept lines are looked for after the last one found.
 */
static void
test_bounce_many_header_lines(void **state)
{
	struct buf m;
	struct timespec a, b;
	double	 s;
	int	 i;

	buf_init(&m, 1024 * 1024);
	buf_puts(&m, "From: MAILER-DAEMON@relay.example.test\r\nSubject: ");
	for (i = 0; i < 100000; i++)
		buf_putc(&m, 'X');
	buf_puts(&m, "\r\n");
	for (i = 0; i < 4000; i++)
		buf_printf(&m, "X-Line-%d: v\r\n", i);
	buf_puts(&m, "Content-Type: text/plain\r\n\r\n"
	    "530 5.7.57 Client not authenticated to send mail\r\n");
	assert_false(m.overflow);
	assert_int_equal(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a), 0);
	assert_int_equal(run(fuzz_bounce, m.data, m.len), 0);
	assert_int_equal(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b), 0);
	s = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	if (getenv("RH_SANITIZE") == NULL && s > 1.0)
		fail_msg("fuzz_bounce on 4000 header lines: got %.2f s CPU, "
		    "want < 1 s", s);
	buf_free(&m);
}

static int
setup(void **state)
{
	return (fuzz_init());
}

static int
teardown(void **state)
{
	fuzz_fini();
	return (0);
}

/*
 * redact_text took the first word of the line after "[host]:port" for
 * that entry's password and masked it whole: a JSON key there
 * ('{"access_token"') was masked and its value was not
 * (fuzz/crashes/redact/hostport-line-then-json-key-*).  A sasl_passwd
 * entry is one line; on one line the word after it is still masked.
 */
static void
test_redact_hostport_own_line(void **state)
{
	char	 s[] = "[smtp.example.test]:587\n{\"access_token\" : "
	    "\"Zq8Kx3Lm9Pw2Vn7R\"}";
	char	 t[] = "[smtp.example.test]:587 Zq8Kx3Lm9Pw2Vn7R";

	(void)state;
	redact_text(s);
	assert_string_equal(s, "[smtp.example.test]:587\n{\"access_token\" : "
	    "\"***\"}");
	redact_text(t);
	assert_string_equal(t, "[smtp.example.test]:587 ***");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_all),
		cmocka_unit_test(test_mime_close_delimiter_only),
		cmocka_unit_test(test_rewrite_empty_first_part),
		cmocka_unit_test(test_rewrite_qp_decoded_delimiter),
		cmocka_unit_test(test_qp_encode_leading_dash),
		cmocka_unit_test(test_explain_mta_line_no_failure),
		cmocka_unit_test(test_bounce_dsn_status_free_text),
		cmocka_unit_test(test_bounce_dsn_status_code_prefix),
		cmocka_unit_test(test_bounce_many_header_lines),
		cmocka_unit_test(test_redact_hostport_own_line),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
