/*
 * test_complexity.c - every public parser and search entry point is
 * linear in its input
 *
 * Each entry point gets adversarial shapes (an anchor letter in one
 * case only, many candidates, a search repeated after each hit, many
 * recipients, many parts, one long header) at 1x, 4x and 16x of a base
 * size; the CPU time must grow by at most twice the input at 4x (8x)
 * and three times it at 16x (48x): from 1x to 16x the larger inputs
 * leave the CPU's caches (2.4 MB and its copy for "bounce many parts"),
 * and a shape that is mostly a copy grew x29-x32 there on a quiet
 * machine, against 32 allowed before.  A quadratic loop grows by 16x and
 * 256x and fails either bound.  The
 * time is this process's CPU time, the least of a few runs of a loop
 * long enough to read (a shared, loaded machine only ever adds time),
 * and a shape that fails is measured once more before it counts.
 *
 * Also the 1 MiB / 4 MiB one-case report through bounce_rewrite_message
 * (what `relayhint bounce` and the milter run): under 50 / 200 ms.
 * Skipped under tests/sanitize.sh (RH_SANITIZE): ASan and valgrind
 * times say nothing about the code.
 */
#include "testutil.h"

#include <time.h>

#include "bounce.h"
#include "buf.h"
#include "dsn.h"
#include "explain.h"
#include "logline.h"
#include "mime.h"
#include "ndr.h"
#include "pqjson.h"
#include "reply.h"
#include "text.h"

#include "kbfixture.h"

#define NELEM(t)	(sizeof(t) / sizeof((t)[0]))
#define RUNS		3		/* least of */
#define LOOP_NS		2000000L	/* one timed loop at 1x: >= 2 ms */
#define MAX_REPS	2000

/* A shape: its input for a count n of units, and what runs over it */
struct shape {
	const char *name;
	size_t	 n;			/* units at 1x */
	void	(*gen)(struct buf *, size_t n, const void *arg);
	const void *arg;
	void	(*run)(const char *s, size_t len, const void *arg);
	const void *rarg;
};

static volatile size_t sink;		/* results the compiler must keep */

/* cpu_ns - this process's CPU time */
static long long
cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) < 0)
		fail_msg("clock_gettime: CLOCK_PROCESS_CPUTIME_ID");
	return ((long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
}

/* Generators */

/* gen_rep - the string arg, n times */
static void
gen_rep(struct buf *b, size_t n, const void *arg)
{
	while (n-- > 0)
		buf_puts(b, arg);
}

/* gen_report - a null-sender multipart/report, its text part arg x n */
static void
gen_report(struct buf *b, size_t n, const void *arg)
{
	buf_puts(b, "From: MAILER-DAEMON@relay.example.test\r\n"
	    "Return-Path: <>\r\nSubject: Undelivered Mail Returned to Sender\r\n"
	    "MIME-Version: 1.0\r\nContent-Type: multipart/report; "
	    "report-type=delivery-status; boundary=\"B0\"\r\n\r\n"
	    "--B0\r\nContent-Type: text/plain\r\n\r\n");
	gen_rep(b, n, arg);
	buf_puts(b, "\r\n--B0\r\nContent-Type: message/delivery-status\r\n\r\n"
	    "Reporting-MTA: dns; relay.example.test\r\n\r\n"
	    "Final-Recipient: rfc822; bob@customer.example\r\n"
	    "Action: failed\r\nStatus: 5.7.57\r\n"
	    "Diagnostic-Code: smtp; 530 5.7.57 Client not authenticated\r\n"
	    "\r\n--B0--\r\n");
}

/* gen_dsn_report - a report whose DSN part has n recipients */
static void
gen_dsn_report(struct buf *b, size_t n, const void *arg)
{
	size_t	 i;

	buf_puts(b, "From: MAILER-DAEMON@relay.example.test\r\n"
	    "Return-Path: <>\r\nMIME-Version: 1.0\r\nContent-Type: "
	    "multipart/report; report-type=delivery-status; boundary=\"B0\""
	    "\r\n\r\n--B0\r\nContent-Type: text/plain\r\n\r\nfailed\r\n"
	    "--B0\r\nContent-Type: message/delivery-status\r\n\r\n"
	    "Reporting-MTA: dns; relay.example.test\r\n\r\n");
	for (i = 0; i < n; i++)
		buf_printf(b, "Final-Recipient: rfc822; u%zu@customer.example\r\n"
		    "Action: failed\r\nStatus: 5.7.57\r\nDiagnostic-Code: smtp; "
		    "530 5.7.57 Client not authenticated\r\n\r\n", i);
	buf_puts(b, "--B0--\r\n");
}

/* gen_parts - a multipart/mixed bounce of n sibling parts of arg */
static void
gen_parts(struct buf *b, size_t n, const void *arg)
{
	buf_puts(b, "From: MAILER-DAEMON@relay.example.test\r\n"
	    "Return-Path: <>\r\nMIME-Version: 1.0\r\nContent-Type: "
	    "multipart/report; report-type=delivery-status; boundary=\"B0\""
	    "\r\n\r\n");
	gen_rep(b, n, arg);
	buf_puts(b, "--B0--\r\n");
}

/* gen_header - a message whose Subject is arg x n */
static void
gen_header(struct buf *b, size_t n, const void *arg)
{
	buf_puts(b, "From: MAILER-DAEMON@relay.example.test\r\n"
	    "Return-Path: <>\r\nSubject: ");
	gen_rep(b, n, arg);
	buf_puts(b, "\r\nContent-Type: text/plain\r\n\r\n"
	    "530 5.7.57 Client not authenticated\r\n");
}

/* gen_pqjson - a postqueue -j line with n recipients, reason arg */
static void
gen_pqjson(struct buf *b, size_t n, const void *arg)
{
	size_t	 i;

	buf_puts(b, "{\"queue_name\": \"deferred\", \"queue_id\": \"7BEB61022FC\", "
	    "\"sender\": \"alice@relay.example.test\", \"recipients\": [");
	for (i = 0; i < n; i++)
		buf_printf(b, "%s{\"address\": \"u%zu@customer.example\", "
		    "\"delay_reason\": \"%s\"}", i ? ", " : "", i,
		    (const char *)arg);
	buf_puts(b, "]}");
}

/* gen_logline - one Postfix smtp line whose reply is arg x n */
static void
gen_logline(struct buf *b, size_t n, const void *arg)
{
	buf_puts(b, "Nov 22 17:13:01 relay postfix/smtp[5597]: 83C081022EC: "
	    "to=<bob@customer.example>, relay=smtp.office365.com[52.96.1.2]:587,"
	    " delay=0.12, delays=0.01/0.02/0.09/0, dsn=5.7.57, status=bounced "
	    "(host smtp.office365.com[52.96.1.2] said: 530 5.7.57 ");
	gen_rep(b, n, arg);
	buf_puts(b, ")");
}

/* Runners */

static void
run_casestr(const char *s, size_t len, const void *needle)
{
	sink += text_casestr(s, len, needle) != NULL;
}

/* run_casestr_all - every hit, searching again after each (as ndr.c) */
static void
run_casestr_all(const char *s, size_t len, const void *needle)
{
	const char *p = s, *q;

	while ((q = text_casestr(p, len - (size_t)(p - s), needle)) != NULL) {
		sink++;
		p = q + 1;
	}
}

static void
run_header_get(const char *s, size_t len, const void *name)
{
	char	 out[256];

	sink += (size_t)mime_header_get(s, len, name, out, sizeof(out));
}

static void
run_split_message(const char *s, size_t len, const void *arg)
{
	const char *body;
	size_t	 hl;

	sink += (size_t)mime_split_message(s, len, &hl, &body) + hl;
}

static void
run_split_multipart(const char *s, size_t len, const void *ctype)
{
	static struct mime_multipart mp;

	sink += (size_t)mime_split_multipart(ctype, s, len, &mp);
}

static void
run_decode(const char *s, size_t len, const void *cte)
{
	struct buf out;

	buf_init(&out, 64 * 1024 * 1024);
	sink += (size_t)mime_decode_body(cte, s, len, &out) + out.len;
	buf_free(&out);
}

static void
run_dsn(const char *s, size_t len, const void *arg)
{
	static struct dsn d;

	sink += (size_t)dsn_parse(s, len, &d);
}

static void
run_reply(const char *s, size_t len, const void *arg)
{
	static struct reply r;

	sink += (size_t)reply_parse(s, len, &r);
}

static void
run_ndr(const char *s, size_t len, const void *arg)
{
	static struct ndr n;
	static const char hdrs[] = "From: postmaster@outlook.com\r\n"
	    "Subject: Undeliverable: x\r\nContent-Type: text/plain\r\n";

	sink += (size_t)ndr_parse(hdrs, sizeof(hdrs) - 1, s, len, &n);
}

static void
run_explain_text(const char *s, size_t len, const void *arg)
{
	struct verdict v;

	sink += (size_t)explain_text(&kb, s, len, &v);
}

static void
run_explain_reply(const char *s, size_t len, const void *arg)
{
	struct verdict v;

	sink += (size_t)explain_reply(&kb, s, len, "smtp.office365.com", &v);
}

static void
run_bounce_rewrite(const char *s, size_t len, const void *arg)
{
	static struct bounce_result res;
	struct bounce_opts o;
	struct buf out;

	memset(&o, 0, sizeof(o));
	o.max_size = 64 * 1024 * 1024;
	buf_init(&out, 80 * 1024 * 1024);
	sink += (size_t)bounce_rewrite_message(&kb, &o, s, len, &out, &res);
	buf_free(&out);
}

static void
run_logline(const char *s, size_t len, const void *arg)
{
	static struct logline ll;

	sink += (size_t)logline_parse(s, len, &ll);
}

static void
run_pqjson(const char *s, size_t len, const void *arg)
{
	static struct pqjson pq;
	char	*copy = malloc(len + 1);

	assert_non_null(copy);
	memcpy(copy, s, len + 1);
	sink += (size_t)pqjson_parse(copy, len, &pq);
	free(copy);
}

static const char mixed_ct[] = "multipart/mixed; boundary=\"B0\"";

static const struct shape shapes[] = {
	/* the searches: "ve" anchors on 'v' */
	{ "casestr one-case V", 65536, gen_rep, "V", run_casestr, "ve" },
	{ "casestr one-case v", 65536, gen_rep, "v", run_casestr, "Ve" },
	{ "casestr both cases", 32768, gen_rep, "vV", run_casestr, "vex" },
	{ "casestr again after each hit", 16384, gen_rep, "ve\n",
	  run_casestr_all, "ve" },
	{ "casestr again, other case", 16384, gen_rep, "VE\n",
	  run_casestr_all, "ve" },
	/* MIME */
	{ "header_get long value", 65536, gen_rep, "X", run_header_get,
	  "Content-Type" },
	{ "header_get many fields", 8192, gen_rep, "X-V: v\r\n",
	  run_header_get, "Content-Type" },
	{ "header_get many folds", 16384, gen_rep, "Subject: x\r\n\tV\r\n",
	  run_header_get, "Subject" },
	{ "split_message many fields", 8192, gen_rep, "X-V: v\r\n",
	  run_split_message, NULL },
	{ "split_multipart near-delimiters", 8192, gen_rep, "--B0x\r\n",
	  run_split_multipart, mixed_ct },
	{ "split_multipart dashes", 65536, gen_rep, "-",
	  run_split_multipart, mixed_ct },
	{ "split_multipart many parts", 4096, gen_rep,
	  "--B0\r\n\r\nv\r\n", run_split_multipart, mixed_ct },
	{ "decode base64", 16384, gen_rep, "QUJD", run_decode, "base64" },
	{ "decode qp soft breaks", 16384, gen_rep, "=\r\n", run_decode,
	  "quoted-printable" },
	{ "decode qp escapes", 16384, gen_rep, "=56", run_decode,
	  "quoted-printable" },
	/* DSN, reply, NDR */
	{ "dsn_parse many recipients", 512, gen_dsn_report, NULL, run_dsn,
	  NULL },
	{ "dsn_parse continuation lines", 16384, gen_rep, " V\r\n", run_dsn,
	  NULL },
	{ "reply_parse one-case", 65536, gen_rep, "V", run_reply, NULL },
	{ "reply_parse many lines", 4096, gen_rep, "550-5.7.57 V\r\n",
	  run_reply, NULL },
	{ "ndr_parse one-case", 65536, gen_rep, "V", run_ndr, NULL },
	{ "ndr_parse marker lines", 2048, gen_rep,
	  "remote server returned x\r\n", run_ndr, NULL },
	{ "ndr_parse 2003 lines", 2048, gen_rep,
	  "did not reach the following recipient(s):\r\nv@x on y\r\n", run_ndr,
	  NULL },
	/* the classifier and the mail path */
	{ "explain_text one-case", 65536, gen_rep, "V", run_explain_text,
	  NULL },
	{ "explain_text reply lines", 4096, gen_rep, "550 5.7.57 v\n",
	  run_explain_text, NULL },
	{ "explain_reply one-case", 65536, gen_rep, "V", run_explain_reply,
	  NULL },
	{ "bounce one-case report", 65536, gen_report, "V",
	  run_bounce_rewrite, NULL },
	{ "bounce report of lines", 8192, gen_report, "vvvvvvv\r\n",
	  run_bounce_rewrite, NULL },
	{ "bounce many recipients", 512, gen_dsn_report, NULL,
	  run_bounce_rewrite, NULL },
	{ "bounce many parts", 4096, gen_parts,
	  "--B0\r\nContent-Type: text/plain\r\n\r\nv\r\n", run_bounce_rewrite,
	  NULL },
	{ "bounce header of X", 65536, gen_header, "X", run_bounce_rewrite,
	  NULL },
	/* logs and queue */
	{ "logline_parse one-case", 65536, gen_rep, "V", run_logline, NULL },
	{ "logline_parse long reply", 65536, gen_logline, "V", run_logline,
	  NULL },
	{ "pqjson_parse many recipients", 512, gen_pqjson, "530 5.7.57 V",
	  run_pqjson, NULL },
};

/* measure - least CPU ns of RUNS loops of reps runs over the input */
static long long
measure(const struct shape *sh, const struct buf *in, int reps)
{
	long long best = -1, t;
	int	 r, i;

	for (r = 0; r < RUNS; r++) {
		t = cpu_ns();
		for (i = 0; i < reps; i++)
			sh->run(in->data, in->len, sh->rarg);
		t = cpu_ns() - t;
		if (best < 0 || t < best)
			best = t;
	}
	return (best > 0 ? best : 1);
}

/* growth - times at 1x, 4x, 16x; 0 when within 2x of linear */
static int
growth(const struct shape *sh, long long t[3], size_t len[3])
{
	static const size_t mult[3] = { 1, 4, 16 };
	struct buf in;
	long long one;
	int	 i, reps = 1;

	for (i = 0; i < 3; i++) {
		buf_init(&in, 128 * 1024 * 1024);
		sh->gen(&in, sh->n * mult[i], sh->arg);
		assert_false(in.overflow);
		len[i] = in.len;
		if (i == 0) {
			/* enough runs that the 1x loop can be read */
			one = measure(sh, &in, 1);
			reps = one >= LOOP_NS ? 1 : (int)(LOOP_NS / one) + 1;
			if (reps > MAX_REPS)
				reps = MAX_REPS;
		}
		t[i] = measure(sh, &in, reps);
		buf_free(&in);
		/* quadratic at 4x already: 16x would take minutes */
		if (i == 1 && t[1] > 8 * t[0]) {
			t[2] = 16 * t[1];
			return (1);
		}
	}
	return (t[1] > 8 * t[0] || t[2] > 48 * t[0]);
}

/* test_linear - each shape within 2x of linear at 4x, 3x at 16x */
static void
test_linear(void **state)
{
	long long t[3];
	size_t	 i, len[3];
	int	 bad = 0;

	(void)state;
	if (getenv("RH_SANITIZE") != NULL)
		skip();		/* instrumented code has no meaningful times */
	for (i = 0; i < NELEM(shapes); i++) {
		if (growth(&shapes[i], t, len) && growth(&shapes[i], t, len)) {
			print_message("FAIL %s: %zu/%zu/%zu bytes: x%.1f at 4x, "
			    "x%.1f at 16x (want <= 8, <= 48; 16x not run when "
			    "4x fails)\n", shapes[i].name,
			    len[0], len[1], len[2], (double)t[1] / t[0],
			    (double)t[2] / t[0]);
			bad++;
		} else if (getenv("RH_COMPLEXITY_VERBOSE") != NULL)
			print_message("%-34s x%.1f at 4x, x%.1f at 16x "
			    "(%.2f ms at 16x)\n", shapes[i].name,
			    (double)t[1] / t[0], (double)t[2] / t[0],
			    t[2] / 1e6);
	}
	assert_int_equal(bad, 0);
}

/* one_case_ms - CPU ms (least of RUNS) of a one-case report of size */
static double
one_case_ms(size_t size)
{
	static const struct shape sh = { "one-case", 0, gen_report, "V",
	    run_bounce_rewrite, NULL };
	struct buf in;
	long long t;

	buf_init(&in, 2 * size);
	gen_report(&in, size, "V");
	assert_false(in.overflow);
	t = measure(&sh, &in, 1);
	buf_free(&in);
	return (t / 1e6);
}

/*
 * test_one_case_bounds - the numbers: a 1 MiB / 4 MiB text of
 * 'V' in a report costs under 50 / 200 ms (it cost 5 s / 80 s)
 */
static void
test_one_case_bounds(void **state)
{
	double	 ms1, ms4;

	(void)state;
	if (getenv("RH_SANITIZE") != NULL)
		skip();
	ms1 = one_case_ms(1024 * 1024);
	ms4 = one_case_ms(4 * 1024 * 1024);
	if (getenv("RH_COMPLEXITY_VERBOSE") != NULL)
		print_message("one-case report: %.1f ms (1 MiB), %.1f ms "
		    "(4 MiB)\n", ms1, ms4);
	if (ms1 >= 50 || ms4 >= 200)
		fail_msg("one-case report: got %.1f ms (1 MiB), %.1f ms (4 MiB); "
		    "want < 50, < 200", ms1, ms4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linear),
		cmocka_unit_test(test_one_case_bounds),
	};

	return (cmocka_run_group_tests(tests, kb_setup, kb_teardown));
}
