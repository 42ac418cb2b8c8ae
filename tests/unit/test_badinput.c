/*
 * test_badinput.c - named hostile and broken inputs through the public
 * entry points (issue #5): each must give a clear error or an unchanged
 * pass-through, never a crash, never a header or log text we did not
 * write, and bounded memory.
 *
 * Entry points: bounce_rewrite_message (what the milter does with a
 * message), bounce_classify, explain_text, dsn_parse, mime_split_message,
 * mime_split_multipart, mime_header_get, rules_load_buf, hints_load_buf,
 * kb_load.  Messages are built from the real Postfix bounce
 * tests/data/postfix/hard-535-5.7.3.eml.
 *
 * The 50 MB case runs first and measures the peak resident size with
 * getrusage(ru_maxrss) around the calls (the input is built and touched
 * before), so its bound is the library's own use; see "Limits and
 * memory" in relayhint-milter(8).
 */
#include <sys/resource.h>

#include <time.h>
#include <unistd.h>

#include "testutil.h"

#include "bounce.h"
#include "buf.h"
#include "dsn.h"
#include "explain.h"
#include "hint.h"
#include "mime.h"
#include "rules.h"

#include "kbfixture.h"

#define SAMPLE		"tests/data/postfix/hard-535-5.7.3.eml"
#define BND		"702311022E8.1795367569/relay.example.test"
#define BIG_LEN		(50u * 1024 * 1024)
/* extra peak RSS the library may use for a 50 MB message (measured ~50 MB: one copy) */
#define BIG_RSS_MAX_KB	(BIG_LEN / 1024 + 16 * 1024)
#define LONG_LINE	(100u * 1024)
#define DEPTH		1000

/* ---- helpers ---- */

/* crlf - s with every LF made CRLF (the sample is LF, a milter sees CRLF) */
static char *
crlf(const char *s, size_t len, size_t *outlen)
{
	char	*o = malloc(2 * len + 1);
	size_t	 i, n = 0;

	assert_non_null(o);
	for (i = 0; i < len; i++) {
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			o[n++] = '\r';
		o[n++] = s[i];
	}
	o[n] = '\0';
	*outlen = n;
	return (o);
}

/* sample - the real bounce, CRLF when want_crlf */
static char *
sample(int want_crlf, size_t *len)
{
	char	*lf, *c;
	size_t	 n;

	lf = tu_read(SAMPLE, &n);
	if (!want_crlf) {
		*len = n;
		return (lf);
	}
	c = crlf(lf, n, len);
	free(lf);
	return (c);
}

/* replace - a copy of s with the first "from" replaced by to (fails if absent) */
static char *
replace(const char *s, size_t len, const char *from, const char *to,
    size_t tolen, size_t *outlen)
{
	const char *p = NULL;
	size_t	 i, fl = strlen(from);
	char	*o;

	for (i = 0; i + fl <= len; i++)
		if (memcmp(s + i, from, fl) == 0) {
			p = s + i;
			break;
		}
	if (p == NULL)
		fail_msg("replace: \"%s\" not in the input", from);
	*outlen = len - fl + tolen;
	o = malloc(*outlen + 1);
	assert_non_null(o);
	memcpy(o, s, (size_t)(p - s));
	memcpy(o + (p - s), to, tolen);
	memcpy(o + (p - s) + tolen, p + fl, len - (size_t)(p - s) - fl);
	o[*outlen] = '\0';
	return (o);
}

/* replace_s - replace() with a C string */
static char *
replace_s(const char *s, size_t len, const char *from, const char *to,
    size_t *outlen)
{
	return (replace(s, len, from, to, strlen(to), outlen));
}

/* printable_only - every byte of s[0..len) is 0x20..0x7e */
static int
printable_only(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return (0);
	return (1);
}

/* count_byte - occurrences of c; lone CR (not before LF) when c is -1 */
static size_t
count_byte(const char *s, size_t len, int c)
{
	size_t	 i, n = 0;

	for (i = 0; i < len; i++)
		if (c < 0 ? s[i] == '\r' && (i + 1 == len || s[i + 1] != '\n') :
		    s[i] == (char)c)
			n++;
	return (n);
}

/* line_in - the header line l (with its line break) occurs in hdrs */
static int
line_in(const char *hdrs, size_t hlen, const char *l, size_t n)
{
	size_t	 i;

	for (i = 0; i + n <= hlen; i++)
		if ((i == 0 || hdrs[i - 1] == '\n') &&
		    memcmp(hdrs + i, l, n) == 0)
			return (1);
	return (0);
}

/*
 * check_output - the promises for one rewrite: rc is -1, 0 or 1; 0 means
 * out is the input byte for byte; 1 means every header line of out that
 * is not a line of the input is one we write (Content-Type, C-T-E,
 * MIME-Version, X-Relayhint-*) with printable text only, and the output
 * has no more NUL bytes or lone CRs than the input had.
 */
static void
check_output(const char *what, const char *in, size_t inlen, int rc,
    const struct buf *out)
{
	const char *body;
	size_t	 hlen, i, e, inhlen;
	const char *inbody;

	if (rc < -1 || rc > 1)
		fail_msg("%s: rc %d", what, rc);
	if (rc == 0) {
		if (out->len != inlen || memcmp(out->data, in, inlen) != 0)
			fail_msg("%s: pass-through changed the message", what);
		return;
	}
	if (rc < 0)
		return;
	if (count_byte(out->data, out->len, 0) > count_byte(in, inlen, 0))
		fail_msg("%s: the rewrite added NUL bytes", what);
	if (count_byte(out->data, out->len, -1) > count_byte(in, inlen, -1))
		fail_msg("%s: the rewrite added lone CRs", what);
	if (mime_split_message(out->data, out->len, &hlen, &body) < 0)
		fail_msg("%s: rewritten message has no header block", what);
	if (mime_split_message(in, inlen, &inhlen, &inbody) < 0)
		inhlen = 0;
	for (i = 0; i < hlen; i = e) {
		const char *l = out->data + i;
		size_t	 n, vlen;

		for (e = i; e < hlen && out->data[e] != '\n'; e++)
			;
		if (e < hlen)
			e++;
		n = e - i;
		if (line_in(in, inhlen, l, n))
			continue;
		vlen = n;
		while (vlen > 0 && (l[vlen - 1] == '\n' || l[vlen - 1] == '\r'))
			vlen--;
		if (strncmp(l, "X-Relayhint-Cause: ", 19) != 0 &&
		    strncmp(l, "X-Relayhint-Code: ", 18) != 0 &&
		    strncmp(l, "Content-Type: ", 14) != 0 &&
		    strncmp(l, "Content-Transfer-Encoding: ", 27) != 0 &&
		    strncmp(l, "MIME-Version: ", 14) != 0)
			fail_msg("%s: header line not from the input and not "
			    "ours: \"%.*s\"", what, (int)(vlen > 80 ? 80 : vlen),
			    l);
		if (!printable_only(l, vlen))
			fail_msg("%s: control byte in our header line \"%.*s\"",
			    what, (int)(vlen > 80 ? 80 : vlen), l);
	}
}

/* rewrite - bounce_rewrite_message plus check_output; returns rc */
static int
rewrite(const char *what, const char *msg, size_t len, size_t max_size,
    struct bounce_result *res)
{
	struct bounce_opts opts;
	struct bounce_result r;
	struct buf out;
	int	 rc;

	memset(&opts, 0, sizeof(opts));
	opts.max_size = max_size;
	buf_init(&out, len + (8u << 20));
	rc = bounce_rewrite_message(&kb, &opts, msg, len, &out,
	    res ? res : &r);
	check_output(what, msg, len, rc, &out);
	buf_free(&out);
	return (rc);
}

/* verdict_clean - no control bytes in what a verdict carries to logs */
static void
verdict_clean(const char *what, const struct verdict *v)
{
	if (!printable_only(v->status, strlen(v->status)) ||
	    !printable_only(v->server_id, strlen(v->server_id)) ||
	    !printable_only(v->relay, strlen(v->relay)) ||
	    !printable_only(v->queue_id, strlen(v->queue_id)) ||
	    !printable_only(v->recipient, strlen(v->recipient)))
		fail_msg("%s: control byte in a verdict field", what);
	if (strpbrk(v->reply, "\r\n") != NULL)
		fail_msg("%s: CR/LF in the verdict's reply", what);
}

/* explain - explain_text on a counted, unterminated copy */
static int
explain(const char *what, const char *s, size_t len, struct verdict *v)
{
	char	*c = malloc(len ? len : 1);
	int	 rc;

	assert_non_null(c);
	memcpy(c, s, len);
	verdict_init(v);
	rc = explain_text(&kb, c, len, v);
	free(c);
	verdict_clean(what, v);
	return (rc);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static long
maxrss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_maxrss);
}

/* ---- the cases ---- */

/*
 * 50 MB: a real bounce whose returned message is 50 MB.  Over the
 * default max_size it passes unchanged; explain_text and the classifier
 * must not copy it either.  Runs first: see the block comment.
 */
static void
test_body_50mb(void **state)
{
	struct bounce_result res;
	struct verdict v;
	char	*s, *big, *p;
	size_t	 len, hlen, n;
	const char *body;
	long	 before, after;
	double	 t0, t1, t2, t3;

	s = sample(1, &len);
	big = malloc(BIG_LEN + len + 1);
	assert_non_null(big);
	/* the sample, then 50 MB of returned-message lines before its end */
	memcpy(big, s, len);
	p = big + len;
	for (n = 0; n + 78 <= BIG_LEN; n += 78, p += 78)
		memcpy(p, "Returned message line of the 50 MB body: 0123456789 "
		    "abcdefghijklmnopqrstuvw\r\n", 78);
	n = (size_t)(p - big);
	big[n] = '\0';
	free(s);

	before = maxrss_kb();
	t0 = now();
	assert_int_equal(rewrite("50 MB default max_size", big, n, 0, &res), 0);
	assert_int_equal(res.rw, REWRITE_TOO_LARGE);
	t1 = now();
	(void)explain("50 MB explain_text", big, n, &v);
	t2 = now();
	assert_int_equal(mime_split_message(big, n, &hlen, &body), 0);
	memset(&res, 0, sizeof(res));
	(void)bounce_classify(&kb, big, hlen, body, n - (size_t)(body - big),
	    &res);
	t3 = now();
	after = maxrss_kb();
	print_message("50 MB message: peak RSS %ld kB before, %ld kB after, "
	    "+%ld kB (bound %u kB); rewrite %.2f s, explain_text %.2f s, "
	    "bounce_classify %.2f s\n", before, after, after - before,
	    (unsigned)BIG_RSS_MAX_KB, t1 - t0, t2 - t1, t3 - t2);
	free(big);
#if defined(__SANITIZE_ADDRESS__)
	/* ASan's quarantine keeps freed blocks resident: not a measure */
	print_message("50 MB message: RSS bound not checked under ASan\n");
#else
	assert_true(after - before <= (long)BIG_RSS_MAX_KB);
#endif
}

/* truncated: the sample cut at every 61st byte and at the part edges */
static void
test_truncated(void **state)
{
	struct verdict v;
	struct dsn *d;
	char	*s, what[64];
	size_t	 len, cut;
	int	 ok = 0;

	s = sample(1, &len);
	d = malloc(sizeof(*d));
	assert_non_null(d);
	for (cut = 0; cut <= len; cut += cut < len && cut + 61 > len ?
	    len - cut : 61) {
		snprintf(what, sizeof(what), "truncated at %zu", cut);
		if (rewrite(what, s, cut, 0, NULL) == 1)
			ok++;
		(void)explain(what, s, cut, &v);
		(void)dsn_parse(s, cut, d);
		if (cut == len)
			break;
	}
	/* the whole message is still enriched, a header block alone is not */
	assert_int_equal(rewrite("whole", s, len, 0, NULL), 1);
	assert_int_equal(rewrite("header only", s, 200, 0, NULL), 0);
	assert_true(ok > 0);
	free(d);
	free(s);
}

/* boundary: missing parameter, never used, repeated delimiters, too long */
static void
test_boundary(void **state)
{
	static const char many[] = "--b\r\n\r\n--b\r\n\r\n--b\r\n\r\n--b\r\n\r\n"
	    "--b\r\n\r\n--b\r\n\r\n--b\r\n\r\n--b\r\n\r\n--b\r\n\r\n--b\r\n\r\n"
	    "--b\r\n\r\n--b\r\n\r\n--b\r\n\r\n--b\r\n\r\n--b\r\n\r\n--b\r\n\r\n"
	    "--b\r\n\r\n--b--\r\n";
	char	*s, *m, *m2, b[MIME_BOUNDARY_MAX + 40], ct[sizeof(b) + 64];
	size_t	 len, n, n2;
	struct mime_multipart mp;

	s = sample(1, &len);
	/* no boundary parameter: unchanged */
	m = replace_s(s, len, "boundary=", "xboundary=", &n);
	assert_int_equal(rewrite("missing boundary param", m, n, 0, NULL), 0);
	free(m);
	/* a boundary the body never uses: unchanged */
	m = replace_s(s, len, "boundary=\"", "boundary=\"nowhere-", &n);
	assert_int_equal(rewrite("unused boundary", m, n, 0, NULL), 0);
	free(m);
	/* the first delimiter line twice: an empty part */
	m = replace_s(s, len, "\r\n--" BND, "\r\n--" BND "\r\n--" BND, &n);
	(void)rewrite("repeated delimiter", m, n, 0, NULL);
	/* and the close delimiter twice, then a delimiter after it */
	m2 = replace_s(m, n, BND "--", BND "--\r\n--" BND "--\r\n--" BND,
	    &n2);
	(void)rewrite("repeated close delimiter", m2, n2, 0, NULL);
	free(m2);
	free(m);
	/* 17 parts: over MIME_MAX_PARTS, refused */
	assert_int_equal(mime_split_multipart("multipart/report; boundary=b",
	    many, sizeof(many) - 1, &mp), -1);
	/* a boundary longer than RFC 2046 allows: refused */
	memset(b, 'x', sizeof(b) - 1);
	b[sizeof(b) - 1] = '\0';
	snprintf(ct, sizeof(ct), "multipart/report; boundary=\"%s\"", b);
	assert_int_equal(mime_split_multipart(ct, "--x\r\n", 5, &mp), -1);
	free(s);
}

/* nested: 1000 multipart levels, the report's parts at the bottom */
static void
test_nested_1000(void **state)
{
	struct buf b;
	struct verdict v;
	char	*s, *dsnp;
	size_t	 len;
	int	 i;
	const char *dsn;

	s = sample(1, &len);
	dsn = strstr(s, "Reporting-MTA:");
	assert_non_null(dsn);
	dsnp = strndup(dsn, 900);
	buf_init(&b, 16u << 20);
	buf_puts(&b, "From: MAILER-DAEMON@relay.example.test\r\n"
	    "MIME-Version: 1.0\r\nContent-Type: multipart/report; "
	    "report-type=delivery-status; boundary=\"L0\"\r\n\r\n");
	for (i = 0; i < DEPTH; i++)
		buf_printf(&b, "--L%d\r\nContent-Type: multipart/mixed; "
		    "boundary=\"L%d\"\r\n\r\n", i, i + 1);
	buf_printf(&b, "--L%d\r\nContent-Type: message/delivery-status\r\n\r\n"
	    "%s\r\n", DEPTH, dsnp);
	for (i = DEPTH; i >= 0; i--)
		buf_printf(&b, "--L%d--\r\n", i);
	assert_false(b.overflow);
	(void)rewrite("nested 1000 deep", b.data, b.len, 0, NULL);
	(void)explain("nested 1000 deep", b.data, b.len, &v);
	/* the same nesting as the returned message of a real bounce */
	buf_reset(&b);
	buf_append(&b, s, len);
	for (i = 0; i < DEPTH; i++)
		buf_printf(&b, "Content-Type: multipart/mixed; boundary=\"N%d\""
		    "\r\n\r\n--N%d\r\n", i, i);
	(void)rewrite("nested in the returned message", b.data, b.len, 0,
	    NULL);
	buf_free(&b);
	free(dsnp);
	free(s);
}

/* long lines: 100 KB header lines, Diagnostic-Code, Content-Type */
static void
test_long_lines(void **state)
{
	struct verdict v;
	struct dsn *d;
	char	*s, *m, *lng, val[256];
	size_t	 len, n;
	int	 i;

	s = sample(1, &len);
	lng = malloc(LONG_LINE + 64);
	assert_non_null(lng);
	memset(lng, 'A', LONG_LINE + 63);
	memcpy(lng, "Subject: ", 9);
	memcpy(lng + LONG_LINE, "\r\nFrom:", 8);
	m = replace(s, len, "From:", lng, LONG_LINE + 7, &n);
	assert_int_equal(rewrite("100 KB Subject line", m, n, 0, NULL), 1);
	/* the value is cut to the buffer, and what is kept is its start */
	assert_true(mime_header_get(m, n, "Subject", val, sizeof(val)) >= 0);
	assert_int_equal(strlen(val), sizeof(val) - 1);
	assert_int_equal(strspn(val, "A"), sizeof(val) - 1);
	free(m);
	/* a Diagnostic-Code of 100 KB */
	memcpy(lng, "smtp; 535 5.7.3 ", 16);
	memcpy(lng + LONG_LINE, "\r\n ", 4);	/* folded on */
	m = replace(s, len, "smtp; 535 5.7.3 ", lng, LONG_LINE + 3, &n);
	(void)rewrite("100 KB Diagnostic-Code", m, n, 0, NULL);
	(void)explain("100 KB Diagnostic-Code", m, n, &v);
	d = malloc(sizeof(*d));
	assert_non_null(d);
	/*
	 * Over the whole message every paragraph is a field group; the
	 * recipient group with the long Diagnostic-Code keeps its start,
	 * cut to DSN_DIAG_MAX, so the reply code still classifies.
	 */
	(void)dsn_parse(m, n, d);
	for (i = 0; i < d->nrcpt && strncmp(d->rcpt[i].diag,
	    "535 5.7.3 AAAA", 14) != 0; i++)
		;
	assert_true(i < d->nrcpt);
	assert_int_equal(strlen(d->rcpt[i].diag), DSN_DIAG_MAX - 1);
	assert_int_equal(strspn(d->rcpt[i].diag + 10, "A"),
	    DSN_DIAG_MAX - 11);
	free(d);
	free(m);
	/* a 100 KB Content-Type parameter before the boundary */
	memcpy(lng, "x-pad=\"", 7);
	memset(lng + 7, 'p', LONG_LINE);
	memcpy(lng + 7 + LONG_LINE, "\"; boundary=", 13);
	m = replace(s, len, "boundary=", lng, LONG_LINE + 19, &n);
	(void)rewrite("100 KB Content-Type", m, n, 0, NULL);
	free(m);
	free(lng);
	free(s);
}

/* NUL bytes in headers, the boundary line, the DSN and the Diagnostic-Code */
static void
test_nul_bytes(void **state)
{
	static const struct {
		const char *at, *to;
		size_t	 tolen;
	} cases[] = {
		{ "Subject:", "Sub\0ject:", 9 },
		{ "Status: 5.7.3", "Status: 5.7\0.3", 14 },
		{ "smtp; 535 5.7.3 Authentication", "smtp; 535 5.7.3 Auth\0"
		    "Bcc: victim@example", 40 },
		{ "Final-Recipient: rfc822; bob", "Final-Recipient: rfc822; b\0"
		    "ob", 29 },
		{ "\r\n--702311022E8", "\r\n--70231\0" "1022E8", 16 },
		{ "Remote-MTA: dns; 127.0.0.1", "Remote-MTA: dns; 127.0\0.0.1",
		    27 },
	};
	struct verdict v;
	struct dsn *d;
	char	*s, *m, what[64];
	size_t	 len, n, i;

	s = sample(1, &len);
	d = malloc(sizeof(*d));
	assert_non_null(d);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(what, sizeof(what), "NUL case %zu", i);
		m = replace(s, len, cases[i].at, cases[i].to, cases[i].tolen,
		    &n);
		(void)rewrite(what, m, n, 0, NULL);
		(void)explain(what, m, n, &v);
		(void)dsn_parse(m, n, d);
		if (d->nrcpt > 0 && (memchr(d->rcpt[0].diag, '\r',
		    strlen(d->rcpt[0].diag)) || strchr(d->rcpt[0].diag, '\n')))
			fail_msg("%s: CR/LF in the parsed diag", what);
		free(m);
	}
	free(d);
	free(s);
}

/* invalid UTF-8 in the Diagnostic-Code, the text part, Content-Language */
static void
test_invalid_utf8(void **state)
{
	struct verdict v;
	char	*s, *m, *m2;
	size_t	 len, n, n2;

	s = sample(1, &len);
	m = replace_s(s, len, "Authentication unsuccessful",
	    "Authentication \xc3\x28\xff\xfe\xe2\x82 unsuccessful\xed\xa0\x80",
	    &n);
	(void)rewrite("invalid UTF-8 in the reply", m, n, 0, NULL);
	(void)explain("invalid UTF-8 in the reply", m, n, &v);
	m2 = replace_s(m, n, "MIME-Version:", "Content-Language: \xff\xc0\r\n"
	    "MIME-Version:", &n2);
	(void)rewrite("invalid UTF-8 in Content-Language", m2, n2, 0, NULL);
	free(m2);
	free(m);
	m = replace_s(s, len, "This is the mail system", "\xf8\x88\x80\x80\x80"
	    " is the mail system", &n);
	assert_int_equal(rewrite("invalid UTF-8 in the text part", m, n, 0,
	    NULL) >= 0, 1);
	free(m);
	free(s);
}

/* line ends: all LF, all CRLF, alternating, CR only */
static void
test_line_end_mixes(void **state)
{
	char	*lf, *mix;
	size_t	 len, i, n;
	int	 k;

	lf = sample(0, &len);
	assert_int_equal(rewrite("LF", lf, len, 0, NULL), 1);
	mix = malloc(2 * len + 1);
	assert_non_null(mix);
	for (k = 0; k < 3; k++) {
		int	 line = 0;

		for (i = 0, n = 0; i < len; i++) {
			if (lf[i] != '\n') {
				mix[n++] = lf[i];
				continue;
			}
			line++;
			if (k == 0 && line % 2)		/* CRLF, LF, CRLF ... */
				mix[n++] = '\r';
			if (k == 1) {			/* CR only */
				mix[n++] = '\r';
				continue;
			}
			if (k == 2 && line % 3 == 0) {	/* LF, LF, CR ... */
				mix[n++] = '\r';
				continue;
			}
			mix[n++] = '\n';
		}
		(void)rewrite(k == 0 ? "CRLF/LF mix" : k == 1 ? "CR only" :
		    "LF/CR mix", mix, n, 0, NULL);
	}
	free(mix);
	free(lf);
}

/*
 * Header injection: a Diagnostic-Code, Status, Remote-MTA or
 * Final-Recipient carrying "\r\nBcc: victim@example" in every form a
 * parser might turn into a line break (lone CR, folded CRLF, bare LF,
 * encoded).  The enriched message must carry no header but the input's
 * and ours, and ours printable; the verdict (what is logged) no CR/LF.
 */
static void
test_injection(void **state)
{
	static const struct {
		const char *at, *to;
	} cases[] = {
		{ "Authentication unsuccessful",
		    "Authentication unsuccessful\rBcc: victim@example" },
		{ "Authentication unsuccessful",
		    "Authentication unsuccessful\r\n Bcc: victim@example" },
		{ "Authentication unsuccessful",
		    "Authentication unsuccessful\r\nBcc: victim@example" },
		{ "Authentication unsuccessful",
		    "Authentication unsuccessful\nBcc: victim@example" },
		{ "Authentication unsuccessful",
		    "Authentication unsuccessful=0D=0ABcc: victim@example" },
		{ "Status: 5.7.3", "Status: 5.7.3\rBcc: victim@example" },
		{ "Status: 5.7.3", "Status: 5.7.3\r\n Bcc: victim@example" },
		{ "Remote-MTA: dns; 127.0.0.1",
		    "Remote-MTA: dns; 127.0.0.1\rBcc: victim@example" },
		{ "Final-Recipient: rfc822; bob@customer.example",
		    "Final-Recipient: rfc822; bob@customer.example\rBcc: "
		    "victim@example" },
		{ "SN4PR0501CA0054.namprd05.prod.outlook.com",
		    "SN4PR0501CA0054\r\nBcc: victim@example.namprd05.prod."
		    "outlook.com" },
	};
	struct bounce_opts opts;
	struct bounce_result res;
	struct verdict v;
	struct buf out;
	char	*s, *m, what[64];
	size_t	 len, n, i, hlen;
	const char *body;
	int	 rc, enriched = 0;

	s = sample(1, &len);
	memset(&opts, 0, sizeof(opts));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(what, sizeof(what), "injection case %zu", i);
		m = replace_s(s, len, cases[i].at, cases[i].to, &n);
		buf_init(&out, n + (1u << 20));
		rc = bounce_rewrite_message(&kb, &opts, m, n, &out, &res);
		check_output(what, m, n, rc, &out);
		if (rc == 1) {
			enriched++;
			assert_int_equal(mime_split_message(out.data, out.len,
			    &hlen, &body), 0);
			/* the only Bcc: at the start of a line is in the body */
			if (line_in(out.data, hlen, "Bcc:", 4))
				fail_msg("%s: Bcc: header in the output", what);
			verdict_clean(what, &res.v);
		}
		buf_free(&out);
		(void)explain(what, m, n, &v);
		free(m);
	}
	/* the reply is still recognised in most forms: the test tests something */
	print_message("injection: %d of %zu forms enriched, none injected\n",
	    enriched, sizeof(cases) / sizeof(cases[0]));
	assert_true(enriched >= 5);
	free(s);
}

/* rule files with syntax errors: -1 and "name:line: reason" */
static void
test_rules_errors(void **state)
{
	static const struct {
		const char *text;
		int	 line;
	} cases[] = {
		{ "cause\n", 1 },
		{ "# ok\n\nprovider m365 bogus .x\n", 3 },
		{ "provider m365 marker \"unterminated\n", 1 },
		{ "cause a.b auth\nrule a.b 535 5.7.3 \"x\" \"y\" \"z\" \"w\" "
		    "\"v\" \"u\"\n", 2 },
		{ "cause a.b auth\nrule no.such.cause 535 5.7.3\n", 2 },
		{ "cause a.b auth\nrule a.b 99999 5.7.3\n", 2 },
		{ "cause a.b auth\nrule a.b 535 5.7.3-1\n", 2 },
		{ "cause a.b auth\n\x01\x02\n", 2 },
		{ "cause a.b auth\ncause a.b auth\n", 2 },
		{ "frobnicate\n", 1 },
	};
	struct rules *r;
	char	 err[512], want[64];
	size_t	 i;
	int	 rc;

	r = malloc(sizeof(*r));
	assert_non_null(r);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(r, 0, sizeof(*r));
		err[0] = '\0';
		rc = rules_load_buf(r, cases[i].text, strlen(cases[i].text),
		    "bad.rules", err, sizeof(err));
		snprintf(want, sizeof(want), "bad.rules:%d: ", cases[i].line);
		if (rc != -1 || strncmp(err, want, strlen(want)) != 0 ||
		    strlen(err) <= strlen(want))
			fail_msg("rules case %zu: rc %d, err \"%s\", want "
			    "\"%s<reason>\"", i, rc, err, want);
	}
	free(r);
}

/* hint catalogs with syntax errors, and kb_load naming the file */
static void
test_hints_errors(void **state)
{
	static const struct {
		const char *text;
		int	 line;
	} cases[] = {
		{ "lang en\n[unterminated\n", 2 },
		{ "lang en\nsummary = before any section\n", 2 },
		{ "lang en\n[_ui]\nno equals sign\n", 3 },
		{ "lang ../../etc\n", 1 },
	};
	struct hints h;
	struct kb k;
	char	 err[512], want[64], path[] = "/tmp/rh-badinput-XXXXXX";
	size_t	 i;
	int	 rc, fd;
	FILE	*f;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hints_init(&h);
		err[0] = '\0';
		rc = hints_load_buf(&h, cases[i].text, strlen(cases[i].text),
		    "bad.catalog", err, sizeof(err));
		snprintf(want, sizeof(want), "bad.catalog:%d: ", cases[i].line);
		if (rc != -1 || strncmp(err, want, strlen(want)) != 0)
			fail_msg("hints case %zu: rc %d, err \"%s\", want "
			    "\"%s<reason>\"", i, rc, err, want);
		hints_free(&h);
	}
	/* kb_load of a broken rules file names file and line */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("# fine\ncause a.b auth\nrule a.b 535 \"unterminated\n", f);
	fclose(f);
	rc = kb_load(&k, path, NULL, err, sizeof(err));
	unlink(path);
	snprintf(want, sizeof(want), "%s:3: ", path);
	if (rc != -1 || strncmp(err, want, strlen(want)) != 0)
		fail_msg("kb_load: rc %d, err \"%s\", want \"%s<reason>\"", rc,
		    err, want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_body_50mb),	/* first: RSS baseline */
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_boundary),
		cmocka_unit_test(test_nested_1000),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_line_end_mixes),
		cmocka_unit_test(test_injection),
		cmocka_unit_test(test_rules_errors),
		cmocka_unit_test(test_hints_errors),
	};

	return (cmocka_run_group_tests(tests, kb_setup, kb_teardown));
}
