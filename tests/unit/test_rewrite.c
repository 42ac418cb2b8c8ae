/*
 * test_rewrite.c - rewrite_body, rewrite_text, rewrite_strerror
 *
 * The property under test is the product's promise: the hint is on top
 * of the first part, and everything from the second part's delimiter to
 * the end, the preamble and the boundary are byte-identical.
 */
#include "testutil.h"


#include "buf.h"
#include "charset.h"
#include "mime.h"
#include "rewrite.h"
#include "text.h"

#define NELEM(t)	(sizeof(t) / sizeof((t)[0]))
#define MAX_FILES	128
#define MAX		(1024 * 1024)

static const char hint_ascii[] =
    "Microsoft 365 rejected the login of this server (535 5.7.139).\n"
    "Fix: enable authenticated SMTP for the mailbox.\n"
    "----------------------------------------------------------------------\n\n";
static const char hint_zh[] =
    "提示：Microsoft 365 拒绝了本服务器的登录 (535 5.7.139)。\n"
    "解决办法：请为该邮箱启用 SMTP AUTH，或者使用应用密码。"
    "这一行故意写得很长，以便检查引用可打印编码的软换行不会把一个汉字拆成两半。\n\n";
static const char hint_ar[] =
    "تلميح: رفض Microsoft 365 تسجيل دخول هذا الخادم (535 5.7.139).\n"
    "الحل: فعّل مصادقة SMTP لصندوق البريد.\n\n";

/* eml_read - tu_read for a listed name (a fixed-size copy for gcc -O2) */
static char *
eml_read(const char *name, size_t *len)
{
	char	 rel[512];

	snprintf(rel, sizeof(rel), "%.500s", name);
	return (tu_read(rel, len));
}

/* to_crlf - a malloc'ed copy with every bare LF made CRLF */
static char *
to_crlf(const char *in, size_t len, size_t *outlen)
{
	char	*out;
	size_t	 i, o = 0;

	out = malloc(2 * len + 1);
	assert_non_null(out);
	for (i = 0; i < len; i++) {
		if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r'))
			out[o++] = '\r';
		out[o++] = in[i];
	}
	out[o] = '\0';
	*outlen = o;
	return (out);
}

/* norm_lf - append s with CRLF made LF */
static void
norm_lf(struct buf *b, const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (!(s[i] == '\r' && i + 1 < len && s[i + 1] == '\n'))
			buf_putc(b, s[i]);
}

/* has_bare_lf - an LF not preceded by CR */
static int
has_bare_lf(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			return (1);
	return (0);
}

/* same_bytes - equal spans */
static int
same_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
	return (alen == blen && (alen == 0 || memcmp(a, b, alen) == 0));
}

/*
 * check_text - the rewritten text part q0 of p0: hint first, then the
 * original text (as UTF-8), charset and encoding consistent
 */
static void
check_text(const char *what, const struct mime_part *p0,
    const struct mime_part *q0, const char *hint, size_t hint_len)
{
	struct buf din, dout, want, b2;
	char	 a[512], b[512];
	size_t	 i, s, e;
	int	 ascii = text_is_ascii(hint, hint_len);

	/* the first part: hint first, then the original text */
	buf_init(&din, MAX);
	buf_init(&dout, MAX);
	buf_init(&want, 4 * MAX);
	buf_init(&b2, 4 * MAX);
	if (mime_decode_body(p0->cte, p0->body, p0->body_len, &din) != 0 ||
	    mime_decode_body(q0->cte, q0->body, q0->body_len, &dout) != 0)
		fail_msg("%s: first part does not decode", what);
	/* the hint as it goes in: no lone CR, no NUL, a final line break */
	for (i = 0; i < hint_len; i++)
		if (hint[i] != '\0' && (hint[i] != '\r' ||
		    (i + 1 < hint_len && hint[i + 1] == '\n')))
			buf_putc(&b2, hint[i]);
	norm_lf(&want, b2.data ? b2.data : "", b2.len);
	if (hint_len > 0 && hint[hint_len - 1] != '\n')
		buf_putc(&want, '\n');
	/* a part in another charset comes back as UTF-8 */
	if (!charset_is_utf8(p0->charset)) {
		struct buf u;

		buf_init(&u, 4 * MAX);
		if (charset_to_utf8(p0->charset, din.data ? din.data : "",
		    din.len, &u) != 0)
			fail_msg("%s: rewritten, but %s does not decode", what,
			    p0->charset);
		buf_reset(&din);
		buf_append(&din, u.data ? u.data : "", u.len);
		buf_free(&u);
	}
	norm_lf(&want, din.data ? din.data : "", din.len);
	buf_reset(&din);
	norm_lf(&din, dout.data ? dout.data : "", dout.len);
	if (!same_bytes(din.data ? din.data : "", din.len,
	    want.data ? want.data : "", want.len))
		fail_msg("%s: first part got \"%.200s\"..., want \"%.200s\"...",
		    what, din.data ? din.data : "", want.data);
	if (!ascii && strcmp(q0->charset, "utf-8") != 0)
		fail_msg("%s: charset got \"%s\", want utf-8", what,
		    q0->charset);
	if (!ascii && (p0->cte[0] == '\0' || strcmp(p0->cte, "7bit") == 0) &&
	    strcmp(q0->cte, "quoted-printable") != 0 &&
	    strcmp(q0->cte, "base64") != 0)
		fail_msg("%s: cte got \"%s\", want quoted-printable or base64",
		    what, q0->cte);
	if (!charset_is_utf8(p0->charset) && strcmp(q0->charset, "utf-8") != 0)
		fail_msg("%s: charset %s kept", what, q0->charset);
	/* (a part with no empty line gains the last header's line break) */
	if (ascii && charset_is_utf8(p0->charset) &&
	    (strcmp(p0->cte, "8bit") == 0 || p0->cte[0] == '\0') &&
	    (q0->hdr_len < p0->hdr_len || q0->hdr_len > p0->hdr_len + 2 ||
	    (q0->hdr_len != p0->hdr_len && p0->body_len > 0) ||
	    memcmp(p0->start, q0->start, p0->hdr_len) != 0))
		fail_msg("%s: headers changed for an ASCII hint", what);
	/* header lines we had no reason to touch stay */
	if (mime_header_get(p0->start, p0->hdr_len, "Content-Description", a,
	    sizeof(a)) >= 0 && (mime_header_get(q0->start, q0->hdr_len,
	    "Content-Description", b, sizeof(b)) < 0 || strcmp(a, b) != 0))
		fail_msg("%s: Content-Description lost", what);
	/* QP lines stay within 76 characters */
	if (strcmp(q0->cte, "quoted-printable") == 0)
		for (s = 0; s < q0->body_len; s = e + 1) {
			for (e = s; e < q0->body_len && q0->body[e] != '\n'; e++)
				;
			i = e - s;
			if (i > 0 && q0->body[e - 1] == '\r')
				i--;
			if (i > 76)
				fail_msg("%s: QP line of %zu characters", what,
				    i);
		}
	buf_free(&din);
	buf_free(&dout);
	buf_free(&want);
	buf_free(&b2);
}

/* check_html - the rewritten HTML part q0 holds our block, once */
static void
check_html(const char *what, const struct mime_part *q0)
{
	struct buf d;
	const char *m;

	buf_init(&d, 4 * MAX);
	if (mime_decode_body(q0->cte, q0->body, q0->body_len, &d) != 0)
		fail_msg("%s: HTML part does not decode", what);
	buf_putc(&d, '\0');
	if ((m = strstr(d.data, "<!--relayhint-hint-->")) == NULL)
		fail_msg("%s: no hint in the HTML part", what);
	if (strstr(m + 1, "<!--relayhint-hint-->") != NULL)
		fail_msg("%s: two hints in the HTML part", what);
	if (strcmp(q0->charset, "utf-8") != 0)
		fail_msg("%s: HTML charset %s", what, q0->charset);
	buf_free(&d);
}

/*
 * check_first - the first part: a text part with the hint or, when it is
 * a multipart (Exchange's alternative), the same parts, each text one
 * with the hint and every other one byte-identical
 */
static void
check_first(const char *what, const struct mime_part *p0,
    const struct mime_part *q0, const char *hint, size_t hint_len)
{
	struct mime_multipart *a, *b;
	char	 ia[1024], ib[1024];
	int	 k, texts = 0;

	if (strncasecmp(p0->ctype, "multipart/", 10) != 0) {
		check_text(what, p0, q0, hint, hint_len);
		return;
	}
	a = malloc(sizeof(*a));
	b = malloc(sizeof(*b));
	assert_non_null(a);
	assert_non_null(b);
	if (mime_header_get(p0->start, p0->hdr_len, "Content-Type", ia,
	    sizeof(ia)) < 0 || mime_header_get(q0->start, q0->hdr_len,
	    "Content-Type", ib, sizeof(ib)) < 0 || strcmp(ia, ib) != 0)
		fail_msg("%s: first part's Content-Type changed", what);
	if (mime_split_multipart(ia, p0->body, p0->body_len, a) != 0 ||
	    mime_split_multipart(ib, q0->body, q0->body_len, b) != 0 ||
	    a->nparts != b->nparts)
		fail_msg("%s: first part's parts changed", what);
	for (k = 0; k < a->nparts; k++) {
		if (a->part[k].ctype[0] == '\0' ||
		    strncasecmp(a->part[k].ctype, "text/plain", 10) == 0) {
			check_text(what, &a->part[k], &b->part[k], hint,
			    hint_len);
			texts++;
		} else if (strncasecmp(a->part[k].ctype, "text/html", 9) == 0) {
			check_html(what, &b->part[k]);
			texts++;
		} else if (!same_bytes(a->part[k].start, a->part[k].len,
		    b->part[k].start, b->part[k].len))
			fail_msg("%s: inner part %d changed", what, k + 1);
	}
	if (texts == 0)
		fail_msg("%s: no text part in the first part", what);
	free(a);
	free(b);
}

/*
 * check_ok - out is a correct rewrite of body: same boundary and parts,
 * parts 2..n, preamble, epilogue and the whole tail byte-identical, the
 * first part decodes to hint + original text, line ends kept.
 */
static void
check_ok(const char *what, const char *ctype, const char *body, size_t len,
    const char *hint, size_t hint_len, const struct buf *out)
{
	struct mime_multipart *in, *nw;
	const struct mime_part *p0, *q0;
	size_t	 tail;
	int	 k, crlf;

	in = malloc(sizeof(*in));
	nw = malloc(sizeof(*nw));
	assert_non_null(in);
	assert_non_null(nw);
	if (mime_split_multipart(ctype, body, len, in) != 0)
		fail_msg("%s: input does not split", what);
	if (mime_split_multipart(ctype, out->data, out->len, nw) != 0)
		fail_msg("%s: output does not split", what);
	if (strcmp(in->boundary, nw->boundary) != 0 ||
	    in->nparts != nw->nparts || in->closed != nw->closed)
		fail_msg("%s: got %s/%d/%d, want %s/%d/%d", what, nw->boundary,
		    nw->nparts, nw->closed, in->boundary, in->nparts,
		    in->closed);
	if (!same_bytes(in->preamble, in->preamble_len, nw->preamble,
	    nw->preamble_len))
		fail_msg("%s: preamble changed", what);
	for (k = 1; k < in->nparts; k++)
		if (!same_bytes(in->part[k].start, in->part[k].len,
		    nw->part[k].start, nw->part[k].len))
			fail_msg("%s: part %d changed", what, k + 1);
	if (!same_bytes(in->epilogue, in->epilogue_len, nw->epilogue,
	    nw->epilogue_len))
		fail_msg("%s: epilogue changed", what);
	p0 = &in->part[0];
	q0 = &nw->part[0];
	/* the prefix up to the first part, and the tail after it */
	if (!same_bytes(body, (size_t)(p0->start - body), out->data,
	    (size_t)(q0->start - out->data)))
		fail_msg("%s: preamble or first delimiter changed", what);
	tail = len - (size_t)(p0->start + p0->len - body);
	if (out->len < tail || memcmp(body + len - tail,
	    out->data + out->len - tail, tail) != 0)
		fail_msg("%s: bytes after the first part changed", what);

	check_first(what, p0, q0, hint, hint_len);
	/* line ends: CRLF in, CRLF out */
	crlf = !has_bare_lf(body, len);
	if (crlf && has_bare_lf(out->data, out->len))
		fail_msg("%s: bare LF in a CRLF body", what);
	if (!crlf && memchr(body, '\r', len) == NULL &&
	    memchr(out->data, '\r', out->len) != NULL)
		fail_msg("%s: CR in an LF body", what);
	free(in);
	free(nw);
}

/* message - body and top-level Content-Type of a whole message */
struct message {
	char	*data;
	size_t	 len;
	const char *body;
	size_t	 blen;
	char	 ctype[512];
};

/* msg_load - split a message; 0 when it is not multipart */
static int
msg_load(struct message *m, char *data, size_t len)
{
	size_t	 hl;

	m->data = data;
	m->len = len;
	if (mime_split_message(data, len, &hl, &m->body) != 0)
		fail_msg("no header/body split");
	m->blen = len - (size_t)(m->body - data);
	if (mime_header_get(data, hl, "Content-Type", m->ctype,
	    sizeof(m->ctype)) < 0)
		m->ctype[0] = '\0';
	return (strncasecmp(m->ctype, "multipart/", 10) == 0);
}

static void
test_corpus(void **state)
{
	static const char *const dirs[] = { "tests/data/postfix",
	    "tests/data/exim" };
	static const struct {
		const char *name;
		const char *text;
	} hints[] = {
		{ "ascii", hint_ascii }, { "zh", hint_zh }, { "ar", hint_ar },
	};
	static char names[MAX_FILES][512];
	struct message m;
	struct buf out;
	char	 what[700], *raw, *data;
	size_t	 len, dlen;
	int	 d, n, i, h, crlf, checked = 0;
	enum rewrite_status st;

	(void)state;
	for (d = 0; d < (int)NELEM(dirs); d++) {
		n = tu_eml_list(dirs[d], names, MAX_FILES);
		assert_true(n > 0);
		for (i = 0; i < n; i++) {
			raw = eml_read(names[i], &len);
			for (crlf = 0; crlf < 2; crlf++) {
				data = crlf ? to_crlf(raw, len, &dlen) : raw;
				if (!crlf)
					dlen = len;
				if (!msg_load(&m, data, dlen)) {
					if (crlf)
						free(data);
					continue;
				}
				for (h = 0; h < (int)NELEM(hints); h++) {
					snprintf(what, sizeof(what), "%.500s %s %s",
					    names[i], crlf ? "CRLF" : "LF",
					    hints[h].name);
					buf_init(&out, 4 * MAX);
					st = rewrite_body(m.ctype, m.body, m.blen,
					    hints[h].text, strlen(hints[h].text),
					    MAX, &out);
					if (st != REWRITE_OK)
						fail_msg("%s: got %s, want OK",
						    what, rewrite_strerror(st));
					check_ok(what, m.ctype, m.body, m.blen,
					    hints[h].text,
					    strlen(hints[h].text), &out);
					buf_free(&out);
					checked++;
				}
				if (crlf)
					free(data);
			}
			free(raw);
		}
	}
	/* 50 samples, 2 line-end styles, 3 hints */
	assert_int_equal(checked, 300);
}

/* Real third-party bounces: refuse what we cannot take, never break it. */
static void
test_external(void **state)
{
	static char names[MAX_FILES][512];
	struct message m;
	struct buf out;
	char	*raw;
	size_t	 len;
	int	 n, i, ok = 0;
	enum rewrite_status st;

	(void)state;
	n = tu_eml_list("tests/data/external/set-of-emails", names, MAX_FILES);
	assert_int_equal(n, 75);
	for (i = 0; i < n; i++) {
		raw = eml_read(names[i], &len);
		if (msg_load(&m, raw, len)) {
			buf_init(&out, 4 * MAX);
			st = rewrite_body(m.ctype, m.body, m.blen, hint_zh,
			    strlen(hint_zh), MAX, &out);
			if (st == REWRITE_OK) {
				check_ok(names[i], m.ctype, m.body, m.blen,
				    hint_zh, strlen(hint_zh), &out);
				ok++;
			} else if (out.len != 0)
				fail_msg("%s: %s but out not empty", names[i],
				    rewrite_strerror(st));
			else if (st != REWRITE_NOT_REPORT &&
			    st != REWRITE_UNSUPPORTED)
				fail_msg("%s: got %s", names[i],
				    rewrite_strerror(st));
			buf_free(&out);
		}
		free(raw);
	}
	/* Postfix, Sendmail, qmail, Microsoft and others with plain text */
	if (ok < 20)
		fail_msg("got %d rewritten, want at least 20", ok);
}

/* starts_delim - the line at s (n bytes) starts with "--" and agrees with b */
static int
starts_delim(const char *s, size_t n, const char *b)
{
	size_t	 k = strlen(b);

	if (n < 2 || s[0] != '-' || s[1] != '-')
		return (0);
	if (n - 2 < k)
		k = n - 2;
	return (memcmp(s + 2, b, k) == 0);
}

/*
 * A property over random boundaries (1..70 bchars, dashes weighted so
 * that all-dash boundaries of every length come up): whatever hint goes
 * in -- a separator of 70 dashes, "--" + the boundary, the boundary
 * cut short -- the rewritten body splits into the same parts, parts 2..n
 * are byte-identical, and no line of the new first part (headers and
 * text, 7bit, 8bit, QP and base64 inputs) starts with "--" and a prefix
 * of the boundary.  A boundary of 68 dashes once made the hint's
 * separator line a delimiter.
 */
static void
test_boundary_property(void **state)
{
	static const char bchars[] = "0123456789abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? ";
	static const char *const ctes[] = { "7bit", "8bit",
	    "quoted-printable", "base64" };
	struct mime_multipart *in, *nw;
	struct buf body, hint, out;
	char	 b[MIME_BOUNDARY_MAX + 1], ctype[200];
	const char *s, *e, *end;
	size_t	 blen, i;
	unsigned int seed = 14;
	int	 round, k, kind, checked = 0;
	enum rewrite_status st;

	(void)state;
	in = malloc(sizeof(*in));
	nw = malloc(sizeof(*nw));
	assert_non_null(in);
	assert_non_null(nw);
	for (round = 0; round < 3000; round++) {
		blen = 1 + (size_t)(rand_r(&seed) % MIME_BOUNDARY_MAX);
		kind = rand_r(&seed) % 4;
		for (i = 0; i < blen; i++)
			b[i] = kind == 0 ? '-' : kind == 1 && rand_r(&seed) % 2 ?
			    '-' : bchars[rand_r(&seed) % (sizeof(bchars) - 1)];
		if (b[blen - 1] == ' ')
			b[blen - 1] = '-';	/* no space at the end */
		b[blen] = '\0';
		snprintf(ctype, sizeof(ctype), "multipart/report; "
		    "report-type=delivery-status; boundary=\"%s\"", b);
		buf_init(&body, MAX);
		buf_init(&hint, MAX);
		buf_init(&out, 4 * MAX);
		buf_printf(&body, "preamble\n--%s\nContent-Type: text/plain; "
		    "charset=us-ascii\nContent-Transfer-Encoding: %s\n\n%s\n"
		    "--%s\nContent-Type: message/delivery-status\n\n"
		    "Reporting-MTA: dns; a.example\n\nFinal-Recipient: "
		    "rfc822; x@b.example\nStatus: 5.7.139\n\n--%s--\n", b,
		    ctes[round % 4], round % 4 == 3 ? "SGVsbG8K" : "Hello", b,
		    b);
		buf_printf(&hint, "%s\n"
		    "----------------------------------------------------------"
		    "------------\n--%s\n--%s--\n--%.*s\n--\n%s\n",
		    round % 2 ? "\xc3\xa9t\xc3\xa9" : "Hint", b, b,
		    (int)(blen / 2), b, b);
		if (mime_split_multipart(ctype, body.data, body.len, in) != 0)
			fail_msg("round %d: input with boundary \"%s\" does "
			    "not split", round, b);
		st = rewrite_body(ctype, body.data, body.len, hint.data,
		    hint.len, MAX, &out);
		if (st != REWRITE_OK)
			fail_msg("round %d boundary \"%s\": got %s, want OK",
			    round, b, rewrite_strerror(st));
		if (mime_split_multipart(ctype, out.data, out.len, nw) != 0 ||
		    nw->nparts != in->nparts || nw->closed != in->closed)
			fail_msg("round %d boundary \"%s\": got %d parts, want "
			    "%d", round, b, nw->nparts, in->nparts);
		for (k = 1; k < in->nparts; k++)
			if (!same_bytes(in->part[k].start, in->part[k].len,
			    nw->part[k].start, nw->part[k].len))
				fail_msg("round %d boundary \"%s\": part %d "
				    "changed", round, b, k + 1);
		s = nw->part[0].start;
		end = s + nw->part[0].len;
		for (; s < end; s = e + 1) {
			if ((e = memchr(s, '\n', (size_t)(end - s))) == NULL)
				e = end;
			if (starts_delim(s, (size_t)(e - s), b))
				fail_msg("round %d boundary \"%s\": inserted "
				    "line \"%.*s\"", round, b, (int)(e - s), s);
		}
		buf_free(&body);
		buf_free(&hint);
		buf_free(&out);
		checked++;
	}
	assert_int_equal(checked, 3000);
	free(in);
	free(nw);
}

static void
test_cases(void **state)
{
	static const struct {
		const char *name;
		const char *ctype;
		const char *body;
		size_t	 len;		/* 0: strlen */
		const char *hint;
		enum rewrite_status want;
		const char *out;	/* exact output, or NULL */
		size_t	 out_len;	/* 0: strlen */
	} t[] = {
		{ "qp utf-8", "multipart/report; boundary=b",
		  "--b\nContent-Type: text/plain; charset=utf-8\n"
		  "Content-Transfer-Encoding: quoted-printable\n\n"
		  "caf=C3=A9 =\nsoft\n--b\nContent-Type: message/delivery-status"
		  "\n\nStatus: 5.7.3\n--b--\n", 0, "Hinweis: \xc3\xa4\n",
		  REWRITE_OK,
		  "--b\nContent-Type: text/plain; charset=utf-8\n"
		  "Content-Transfer-Encoding: quoted-printable\n\n"
		  "Hinweis: =C3=A4\ncaf=C3=A9 soft\n--b\nContent-Type: "
		  "message/delivery-status\n\nStatus: 5.7.3\n--b--\n", 0 },
		{ "base64 ascii", "multipart/report; boundary=b",
		  "--b\nContent-Type: text/plain; charset=us-ascii\n"
		  "Content-Transfer-Encoding: base64\n\nSGVsbG8gd29ybGQK\n"
		  "--b\n\nx\n--b--\n", 0, "Hint\n", REWRITE_OK,
		  "--b\nContent-Type: text/plain; charset=us-ascii\n"
		  "Content-Transfer-Encoding: quoted-printable\n\n"
		  "Hint\nHello world\n\n--b\n\nx\n--b--\n", 0 },
		{ "base64 utf-8 hint", "multipart/report; boundary=b",
		  "--b\r\nContent-Transfer-Encoding: BASE64\r\n"
		  "Content-Type: text/plain; charset=\"us-ascii\"\r\n\r\n"
		  "SGk=\r\n--b\r\n\r\nx\r\n--b--\r\n", 0, "\xd8\xa3\n",
		  REWRITE_OK,
		  "--b\r\nContent-Transfer-Encoding: quoted-printable\r\n"
		  "Content-Type: text/plain; charset=utf-8\r\n\r\n"
		  "=D8=A3\r\nHi\r\n--b\r\n\r\nx\r\n--b--\r\n", 0 },
		{ "7bit params kept", "multipart/report; boundary=b",
		  "pre\n--b\nContent-Description: Notification\n"
		  "Content-type: text/plain;\n\tcharset=\"us-ascii\"; "
		  "format=flowed; x=\"a;b\"\n\nend \n--b\n\nx\n--b--\nepi\n", 0,
		  "\xe6\x8f\x90\xe7\xa4\xba\n", REWRITE_OK,
		  "pre\n--b\nContent-Description: Notification\n"
		  "Content-Type: text/plain; format=flowed; x=\"a;b\"; "
		  "charset=utf-8\n"
		  "Content-Transfer-Encoding: quoted-printable\n\n"
		  "=E6=8F=90=E7=A4=BA\nend=20\n--b\n\nx\n--b--\nepi\n", 0 },
		{ "no part headers", "multipart/report; boundary=b",
		  "--b\n\ntext\n--b\n\nx\n--b--\n", 0, "\xc3\xa9\n", REWRITE_OK,
		  "--b\nContent-Type: text/plain; charset=utf-8\n"
		  "Content-Transfer-Encoding: quoted-printable\n\n"
		  "=C3=A9\ntext\n--b\n\nx\n--b--\n", 0 },
		{ "8bit us-ascii", "multipart/report; boundary=b",
		  "--b\nContent-Type: text/plain; charset=us-ascii\n"
		  "Content-Transfer-Encoding: 8bit\n\ntext\n--b\n\nx\n--b--\n", 0,
		  "\xc3\xa9\n", REWRITE_OK,
		  "--b\nContent-Type: text/plain; charset=utf-8\n"
		  "Content-Transfer-Encoding: 8bit\n\n"
		  "\xc3\xa9\ntext\n--b\n\nx\n--b--\n", 0 },
		{ "8bit crlf", "multipart/report; boundary=b",
		  "--b\r\nContent-Type: text/plain; charset=utf-8\r\n"
		  "Content-Transfer-Encoding: 8bit\r\n\r\ntext\r\n--b\r\n\r\nx"
		  "\r\n--b--\r\n", 0, "a\nb\r\nc\rd\n\n", REWRITE_OK,
		  "--b\r\nContent-Type: text/plain; charset=utf-8\r\n"
		  "Content-Transfer-Encoding: 8bit\r\n\r\n"
		  "a\r\nb\r\ncd\r\n\r\ntext\r\n--b\r\n\r\nx\r\n--b--\r\n", 0 },
		{ "hint without final line break", "multipart/report; boundary=b",
		  "--b\n\ntext\n--b\n\nx\n--b--\n", 0, "Hint", REWRITE_OK,
		  "--b\n\nHint\ntext\n--b\n\nx\n--b--\n", 0 },
		{ "NUL bytes 8bit", "multipart/report; boundary=b",
		  "--b\nContent-Type: text/plain; charset=utf-8\n"
		  "Content-Transfer-Encoding: 8bit\n\na\0b\n--b\n\nx\0y\n--b--\n",
		  96, "H\n", REWRITE_OK,
		  "--b\nContent-Type: text/plain; charset=utf-8\n"
		  "Content-Transfer-Encoding: 8bit\n\nH\na\0b\n--b\n\nx\0y\n--b--\n",
		  98 },
		{ "NUL bytes 7bit", "multipart/report; boundary=b",
		  "--b\n\na\0b\n--b\n\nx\0y\n--b--\n", 24, "\xc3\xa9\n",
		  REWRITE_OK,
		  "--b\nContent-Type: text/plain; charset=utf-8\n"
		  "Content-Transfer-Encoding: quoted-printable\n\n"
		  "=C3=A9\na=00b\n--b\n\nx\0y\n--b--\n", 117 },
		{ "repeated boundary", "multipart/report; boundary=b",
		  "--b\n--b\n\ntwo\n--b--\n", 0, "H\n", REWRITE_OK,
		  "--b\n\nH\n\n--b\n\ntwo\n--b--\n", 0 },
		{ "headers only", "multipart/report; boundary=b",
		  "--b\nContent-Type: text/plain\n--b\n\ntwo\n--b--\n", 0, "H\n",
		  REWRITE_OK,
		  "--b\nContent-Type: text/plain\n\nH\n\n--b\n\ntwo\n--b--\n", 0 },
		{ "boundary in a quoted string",
		  "multipart/report; x=\"; boundary=fake\"; boundary=\"re al\"",
		  "--fake\n\nf\n--re al\n\none\n--fake\n--re al\n\ntwo\n"
		  "--re al--\n", 0, "H\n", REWRITE_OK,
		  "--fake\n\nf\n--re al\n\nH\none\n--fake\n--re al\n\ntwo\n"
		  "--re al--\n", 0 },
		{ "no close delimiter", "multipart/report; boundary=b",
		  "--b\n\none\n--b\n\ntwo", 0, "H\n", REWRITE_OK,
		  "--b\n\nH\none\n--b\n\ntwo", 0 },
		{ "iso-8859-1 8bit", "multipart/report; boundary=b",
		  "--b\nContent-Type: text/plain; charset=iso-8859-1\n"
		  "Content-Transfer-Encoding: 8bit\n\n\xe9t\xe9\n--b\n\nx\n--b--\n",
		  0, "H\n", REWRITE_OK,
		  "--b\nContent-Type: text/plain; charset=utf-8\n"
		  "Content-Transfer-Encoding: base64\n\nSArDqXTDqQ==\n"
		  "--b\n\nx\n--b--\n", 0 },
		{ "iso-8859-1 7bit", "multipart/report; boundary=b",
		  "--b\nContent-Type: text/plain; charset=ISO-8859-1\n\nx\n--b\n\n"
		  "x\n--b--\n", 0, "H\n", REWRITE_OK, NULL, 0 },
		{ "utf-7", "multipart/report; boundary=b",
		  "--b\nContent-Type: text/plain; charset=unicode-1-1-utf-7\n\n"
		  "+AOk-t+AOk-\n--b\n\nx\n--b--\n", 0, "H\n", REWRITE_OK, NULL,
		  0 },
		{ "invalid utf-7", "multipart/report; boundary=b",
		  "--b\nContent-Type: text/plain; charset=unicode-1-1-utf-7\n\n"
		  "+\xff\n--b\n\nx\n--b--\n", 0, "H\n", REWRITE_UNSUPPORTED,
		  NULL, 0 },
		{ "unknown charset", "multipart/report; boundary=b",
		  "--b\nContent-Type: text/plain; charset=x-no-such\n\nx\n"
		  "--b\n\nx\n--b--\n", 0, "H\n", REWRITE_UNSUPPORTED, NULL, 0 },
		{ "iso-2022-jp cut in an escape", "multipart/report; boundary=b",
		  "--b\nContent-Type: text/plain; charset=iso-2022-jp\n\n"
		  "\x1b$B$\n--b\n\nx\n--b--\n", 0, "H\n", REWRITE_UNSUPPORTED,
		  NULL, 0 },
		{ "uuencode", "multipart/report; boundary=b",
		  "--b\nContent-Transfer-Encoding: x-uuencode\n\nx\n--b\n\nx\n"
		  "--b--\n", 0, "H\n", REWRITE_UNSUPPORTED, NULL, 0 },
		{ "not multipart", "text/plain; boundary=b",
		  "--b\n\nx\n--b\n\nx\n--b--\n", 0, "H\n", REWRITE_NOT_REPORT,
		  NULL, 0 },
		{ "no ctype", "", "--b\n\nx\n--b\n\nx\n--b--\n", 0, "H\n",
		  REWRITE_NOT_REPORT, NULL, 0 },
		{ "no boundary", "multipart/report; report-type=delivery-status",
		  "--b\n\nx\n--b\n\nx\n--b--\n", 0, "H\n", REWRITE_NOT_REPORT,
		  NULL, 0 },
		{ "no delimiter", "multipart/report; boundary=b",
		  "just text\n-- b\n", 0, "H\n", REWRITE_NOT_REPORT, NULL, 0 },
		{ "one part, closed", "multipart/report; boundary=b",
		  "--b\n\nx\n--b--\n--b\n\ny\n", 0, "H\n", REWRITE_OK,
		  "--b\n\nH\nx\n--b--\n--b\n\ny\n", 0 },
		{ "one part, not closed", "multipart/report; boundary=b",
		  "--b\n\nx\n-- b--\n", 0, "H\n", REWRITE_NOT_REPORT, NULL, 0 },
		{ "CR-only line ends", "multipart/report; boundary=b",
		  "pre\r--b\r\rx\r--b\r\ry\r--b--\r", 0, "H\n",
		  REWRITE_NOT_REPORT, NULL, 0 },
		{ "invalid UTF-8 hint", "multipart/report; boundary=b",
		  "--b\n\nx\n--b\n\ny\n--b--\n", 0, "\xe9\n", REWRITE_ERROR,
		  NULL, 0 },
	};
	struct buf out;
	size_t	 i, len;
	enum rewrite_status st;

	(void)state;
	for (i = 0; i < NELEM(t); i++) {
		len = t[i].len ? t[i].len : strlen(t[i].body);
		buf_init(&out, MAX);
		buf_puts(&out, "stale");
		st = rewrite_body(t[i].ctype, t[i].body, len, t[i].hint,
		    strlen(t[i].hint), MAX, &out);
		if (st != t[i].want)
			fail_msg("%s: got %s, want %s", t[i].name,
			    rewrite_strerror(st), rewrite_strerror(t[i].want));
		if (st != REWRITE_OK) {
			if (out.len != 0)
				fail_msg("%s: out holds %zu bytes", t[i].name,
				    out.len);
		} else {
			if (t[i].out != NULL && !same_bytes(out.data, out.len,
			    t[i].out, t[i].out_len ? t[i].out_len :
			    strlen(t[i].out)))
				fail_msg("%s: got \"%s\", want \"%s\"",
				    t[i].name, out.data, t[i].out);
			check_ok(t[i].name, t[i].ctype, t[i].body, len,
			    t[i].hint, strlen(t[i].hint), &out);
		}
		buf_free(&out);
	}
}

/* build - a report whose parts are made by the caller */
static void
build(struct buf *b, const char *first_headers, const char *third)
{
	buf_printf(b, "This is a MIME-encapsulated message.\n\n--B.1/x\n%s\n"
	    "Original text.\n\n--B.1/x\nContent-Type: message/delivery-status"
	    "\n\nStatus: 5.7.139\n\n--B.1/x\n", first_headers);
	buf_puts(b, third);
	buf_puts(b, "\n--B.1/x--\nepilogue\n");
}

static void
test_adversarial(void **state)
{
	const char *ct = "multipart/report; boundary=\"B.1/x\"";
	struct buf b, big, out;
	enum rewrite_status st;
	char	*xlong;
	int	 i;

	(void)state;
	/* a 100 KB header line in the first part is copied, not parsed */
	buf_init(&big, MAX);
	buf_puts(&big, "X-Long: ");
	for (i = 0; i < 100 * 1024; i++)
		buf_putc(&big, 'a' + i % 26);
	buf_putc(&big, '\n');
	xlong = strdup(big.data);
	assert_non_null(xlong);
	buf_puts(&big, "Content-Type: text/plain; charset=us-ascii\n");
	buf_init(&b, MAX);
	build(&b, big.data, "\nreturned\n");
	buf_init(&out, 4 * MAX);
	st = rewrite_body(ct, b.data, b.len, hint_zh, strlen(hint_zh), MAX,
	    &out);
	assert_int_equal(st, REWRITE_OK);
	check_ok("100 KB header", ct, b.data, b.len, hint_zh, strlen(hint_zh),
	    &out);
	assert_non_null(text_casestr(out.data, out.len, xlong));
	free(xlong);
	buf_free(&out);
	buf_free(&b);

	/* a 100 KB Content-Type cannot be edited safely: refuse */
	buf_reset(&big);
	buf_puts(&big, "Content-Type: text/plain; x=\"");
	for (i = 0; i < 100 * 1024; i++)
		buf_putc(&big, 'a');
	buf_puts(&big, "\"; charset=us-ascii\n");
	buf_init(&b, MAX);
	build(&b, big.data, "\nreturned\n");
	buf_init(&out, 4 * MAX);
	st = rewrite_body(ct, b.data, b.len, hint_zh, strlen(hint_zh), MAX,
	    &out);
	assert_int_equal(st, REWRITE_UNSUPPORTED);
	assert_int_equal(out.len, 0);
	buf_free(&out);
	buf_free(&b);

	/* 1000 nested multiparts in the returned message stay opaque */
	buf_reset(&big);
	for (i = 0; i < 1000; i++)
		buf_printf(&big, "Content-Type: multipart/mixed; boundary=n%d"
		    "\n\n--n%d\n", i, i);
	buf_puts(&big, "\ndeep\n");
	for (i = 999; i >= 0; i--)
		buf_printf(&big, "--n%d--\n", i);
	assert_false(big.overflow);
	buf_init(&b, MAX);
	build(&b, "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: 8bit\n", big.data);
	buf_init(&out, 4 * MAX);
	st = rewrite_body(ct, b.data, b.len, hint_ar, strlen(hint_ar), MAX,
	    &out);
	assert_int_equal(st, REWRITE_OK);
	check_ok("nested", ct, b.data, b.len, hint_ar, strlen(hint_ar), &out);
	buf_free(&out);
	buf_free(&b);

	/* ... and as the first part it is not text we can annotate */
	buf_init(&b, MAX);
	buf_printf(&b, "--B.1/x\n%s--B.1/x\n\nx\n--B.1/x--\n", big.data);
	buf_init(&out, 4 * MAX);
	st = rewrite_body(ct, b.data, b.len, hint_ar, strlen(hint_ar), MAX,
	    &out);
	assert_int_equal(st, REWRITE_UNSUPPORTED);
	assert_int_equal(out.len, 0);
	buf_free(&out);
	buf_free(&b);
	buf_free(&big);

	/* MIME_MAX_PARTS parts are fine, one more is refused */
	for (i = MIME_MAX_PARTS; i <= MIME_MAX_PARTS + 1; i++) {
		int	 k;

		buf_init(&b, MAX);
		for (k = 0; k < i; k++)
			buf_printf(&b, "--B.1/x\n\npart %d\n", k);
		buf_puts(&b, "--B.1/x--\n");
		buf_init(&out, 4 * MAX);
		st = rewrite_body(ct, b.data, b.len, "H\n", 2, MAX, &out);
		if (i <= MIME_MAX_PARTS) {
			assert_int_equal(st, REWRITE_OK);
			check_ok("max parts", ct, b.data, b.len, "H\n", 2, &out);
		} else {
			assert_int_equal(st, REWRITE_NOT_REPORT);
			assert_int_equal(out.len, 0);
		}
		buf_free(&out);
		buf_free(&b);
	}
}

static void
test_limits(void **state)
{
	const char *ct = "multipart/report; boundary=b";
	const char *body = "--b\n\ntext\n--b\n\nx\n--b--\n";
	size_t	 len = strlen(body);
	struct buf out;
	enum rewrite_status st;

	(void)state;
	/* input over max */
	buf_init(&out, MAX);
	st = rewrite_body(ct, body, len, "H\n", 2, len - 1, &out);
	assert_int_equal(st, REWRITE_TOO_LARGE);
	assert_int_equal(out.len, 0);
	/* input at max, output over it */
	buf_puts(&out, "stale");
	st = rewrite_body(ct, body, len, "H\n", 2, len, &out);
	assert_int_equal(st, REWRITE_TOO_LARGE);
	assert_int_equal(out.len, 0);
	/* exactly enough room */
	st = rewrite_body(ct, body, len, "H\n", 2, len + 2, &out);
	assert_int_equal(st, REWRITE_OK);
	assert_int_equal(out.len, len + 2);
	/* "no limit" from the caller must not wrap any size computation */
	st = rewrite_body(ct, body, len, "\xc3\xa9\n", 3, SIZE_MAX, &out);
	assert_int_equal(st, REWRITE_OK);
	check_ok("SIZE_MAX", ct, body, len, "\xc3\xa9\n", 3, &out);
	/* QP growth counts too */
	st = rewrite_body(ct, body, len, "\xc3\xa9\n", 3, len + 20, &out);
	assert_int_equal(st, REWRITE_TOO_LARGE);
	assert_int_equal(out.len, 0);
	buf_free(&out);
	/* the caller's buffer is a limit as well */
	buf_init(&out, 10);
	st = rewrite_body(ct, body, len, "H\n", 2, MAX, &out);
	assert_int_equal(st, REWRITE_TOO_LARGE);
	assert_int_equal(out.len, 0);
	buf_free(&out);
}

/* Every prefix of a real bounce: refused or rewritten soundly, never broken. */
static void
test_truncated(void **state)
{
	static const char *const files[] = {
		"tests/data/postfix/hard-535-5.7.3.eml",
		"tests/data/exim/r1-require-auth-5.7.3-bounce-now-alice-1.eml",
	};
	struct message m;
	struct buf out;
	char	*raw, *data, what[128];
	size_t	 len, dlen, cut;
	int	 f, crlf, ok, refused;
	enum rewrite_status st;

	(void)state;
	for (f = 0; f < (int)NELEM(files); f++) {
		raw = tu_read(files[f], &len);
		for (crlf = 0; crlf < 2; crlf++) {
			data = crlf ? to_crlf(raw, len, &dlen) : raw;
			if (!crlf)
				dlen = len;
			assert_true(msg_load(&m, data, dlen));
			ok = refused = 0;
			buf_init(&out, 4 * MAX);
			for (cut = 0; cut <= m.blen; cut++) {
				st = rewrite_body(m.ctype, m.body, cut, hint_zh,
				    strlen(hint_zh), MAX, &out);
				snprintf(what, sizeof(what), "file %d crlf %d "
				    "cut %zu", f, crlf, cut);
				if (st == REWRITE_OK) {
					check_ok(what, m.ctype, m.body, cut,
					    hint_zh, strlen(hint_zh), &out);
					ok++;
				} else if (st == REWRITE_NOT_REPORT &&
				    out.len == 0)
					refused++;
				else
					fail_msg("%s: got %s", what,
					    rewrite_strerror(st));
			}
			/* cut before the second delimiter: refused */
			assert_true(refused > 0);
			assert_true(ok > 0);
			buf_free(&out);
			if (crlf)
				free(data);
		}
		free(raw);
	}
}

static void
test_text(void **state)
{
	static const struct {
		const char *ctype, *cte, *body, *hint;
		enum rewrite_status want;
		const char *out, *new_ctype, *new_cte;
	} t[] = {
		{ "text/plain; charset=us-ascii", "", "Body\n", "H\n",
		  REWRITE_OK, "H\nBody\n", NULL, NULL },
		{ "text/plain; charset=us-ascii", "7bit", "Body \n",
		  "\xe6\x8f\x90\n", REWRITE_OK, "=E6=8F=90\nBody=20\n",
		  "text/plain; charset=utf-8", "quoted-printable" },
		{ "text/plain; charset=utf-8", "8bit", "Body\n",
		  "\xe6\x8f\x90\n", REWRITE_OK, "\xe6\x8f\x90\nBody\n", NULL,
		  NULL },
		{ "text/plain; charset=US-ASCII", "8bit", "Body\n",
		  "\xe6\x8f\x90\n", REWRITE_OK, "\xe6\x8f\x90\nBody\n",
		  "text/plain; charset=utf-8", NULL },
		{ "", "", "a\r\nb\r\n", "H\nI\n", REWRITE_OK,
		  "H\r\nI\r\na\r\nb\r\n", NULL, NULL },
		{ NULL, NULL, "a\n", "\xc3\xa9", REWRITE_OK, "=C3=A9\na\n",
		  "text/plain; charset=utf-8", "quoted-printable" },
		{ "text/plain", "base64", "SGk=", "H\n", REWRITE_OK, "H\nHi",
		  NULL, "quoted-printable" },
		{ "text/plain", "Quoted-Printable", "a=3Db", "H\n", REWRITE_OK,
		  "H\na=3Db", NULL, NULL },
		{ "text/plain; charset=iso-8859-1", "8bit", "\xe9\n", "H\n",
		  REWRITE_OK, "SArDqQo=\n", "text/plain; charset=utf-8",
		  "base64" },
		{ "text/plain; charset=shift_jis", "8bit", "\x82\n", "H\n",
		  REWRITE_UNSUPPORTED, "", NULL, NULL },
		{ "text/plain", "x-uuencode", "x", "H\n", REWRITE_UNSUPPORTED,
		  "", NULL, NULL },
		{ "text/html", "", "<p>", "H\n", REWRITE_NOT_REPORT, "", NULL,
		  NULL },
		{ "multipart/mixed; boundary=b", "", "--b\n", "H\n",
		  REWRITE_NOT_REPORT, "", NULL, NULL },
		{ "text/plain", "", "x\n", "\xff\n", REWRITE_ERROR, "", NULL,
		  NULL },
	};
	struct buf out;
	const char *nct, *ncte;
	size_t	 i;
	enum rewrite_status st;

	(void)state;
	for (i = 0; i < NELEM(t); i++) {
		buf_init(&out, MAX);
		buf_puts(&out, "stale");
		nct = ncte = "unset";
		st = rewrite_text(t[i].ctype, t[i].cte, t[i].body,
		    strlen(t[i].body), t[i].hint, strlen(t[i].hint), MAX, &out,
		    &nct, &ncte);
		if (st != t[i].want)
			fail_msg("row %zu: got %s, want %s", i,
			    rewrite_strerror(st), rewrite_strerror(t[i].want));
		if (!same_bytes(out.data ? out.data : "", out.len, t[i].out,
		    strlen(t[i].out)))
			fail_msg("row %zu: got \"%s\", want \"%s\"", i,
			    out.data, t[i].out);
		if ((nct == NULL) != (t[i].new_ctype == NULL) ||
		    (nct != NULL && strcmp(nct, t[i].new_ctype) != 0))
			fail_msg("row %zu: new ctype got %s, want %s", i,
			    nct ? nct : "NULL", t[i].new_ctype ?
			    t[i].new_ctype : "NULL");
		if ((ncte == NULL) != (t[i].new_cte == NULL) ||
		    (ncte != NULL && strcmp(ncte, t[i].new_cte) != 0))
			fail_msg("row %zu: new cte got %s, want %s", i,
			    ncte ? ncte : "NULL", t[i].new_cte ?
			    t[i].new_cte : "NULL");
		buf_free(&out);
	}
	/* too large, in and out */
	buf_init(&out, MAX);
	assert_int_equal(rewrite_text("text/plain", "", "abc", 3, "H\n", 2, 2,
	    &out, &nct, &ncte), REWRITE_TOO_LARGE);
	assert_int_equal(rewrite_text("text/plain", "", "abc", 3, "H\n", 2, 4,
	    &out, &nct, &ncte), REWRITE_TOO_LARGE);
	assert_int_equal(out.len, 0);
	assert_int_equal(rewrite_text("text/plain", "", "abc", 3, "H\n", 2, 5,
	    &out, &nct, &ncte), REWRITE_OK);
	assert_int_equal(out.len, 5);
	buf_free(&out);
}

static void
test_strerror(void **state)
{
	static const enum rewrite_status all[] = { REWRITE_OK,
	    REWRITE_NOT_REPORT, REWRITE_TOO_LARGE, REWRITE_UNSUPPORTED,
	    REWRITE_ERROR };
	size_t	 i, j;

	(void)state;
	for (i = 0; i < NELEM(all); i++) {
		assert_non_null(rewrite_strerror(all[i]));
		assert_true(strlen(rewrite_strerror(all[i])) > 0);
		for (j = 0; j < i; j++)
			if (strcmp(rewrite_strerror(all[i]),
			    rewrite_strerror(all[j])) == 0)
				fail_msg("statuses %zu and %zu share \"%s\"", i,
				    j, rewrite_strerror(all[i]));
	}
	assert_string_equal(rewrite_strerror(REWRITE_TOO_LARGE),
	    "message too large");
	assert_string_equal(rewrite_strerror((enum rewrite_status)99),
	    "unknown status");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_external),
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_boundary_property),
		cmocka_unit_test(test_adversarial),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_strerror),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
