/*
 * test_mime.c - mime_header_get, mime_param, mime_type_is,
 * mime_split_message, mime_split_multipart, mime_decode_body,
 * mime_qp_encode, mime_eol
 */
#include "testutil.h"


#include "budget.h"
#include "buf.h"
#include "mime.h"
#include "text.h"

#define NELEM(t)	(sizeof(t) / sizeof((t)[0]))
#define MAX_FILES	128

static void
test_header_get(void **state)
{
	static const struct {
		const char *hdrs;
		size_t	 len;		/* 0: strlen */
		const char *name;
		size_t	 outlen;
		const char *want;	/* NULL: absent */
	} t[] = {
		{ "Subject: hello\nTo: x\n", 0, "subject", 64, "hello" },
		{ "Content-Type: multipart/report; report-type=delivery-status;\n"
		  "\tboundary=\"702311022E8.1795367569/relay.example.test\"\n"
		  "Content-Transfer-Encoding: 8bit\n", 0, "Content-Type", 256,
		  "multipart/report; report-type=delivery-status; "
		  "boundary=\"702311022E8.1795367569/relay.example.test\"" },
		{ "X: a;\r\n   b;\r\n\tc\r\nY: d\r\n", 0, "x", 64, "a; b; c" },
		{ "X:    a    b   \n", 0, "X", 64, "a    b" },
		{ "Content-Type-X: a\nContent-Type: b\n", 0, "content-type", 64,
		  "b" },
		{ "Content-Type : b\n", 0, "Content-Type", 64, "b" },
		{ "A: 1\n\nB: 2\n", 0, "B", 64, NULL },
		{ "A: 1\r\n\r\nB: 2\r\n", 0, "B", 64, NULL },
		{ " B: 2\n", 0, "B", 64, NULL },
		{ "B 2\nBB: 3\n", 0, "B", 64, NULL },
		{ "To: x\n", 0, "Subject", 64, NULL },
		{ "X: a\0b\n", 7, "X", 64, "ab" },
		{ "X: a\rb\n", 0, "X", 64, "ab" },
		{ "X: value", 0, "X", 64, "value" },
		{ "X:\n", 0, "X", 64, "" },
		{ "X: first\nX: second\n", 0, "X", 64, "first" },
		{ "Subject: hello world\n", 0, "Subject", 6, "hello" },
		{ "X: a\n \n b\n", 0, "X", 64, "a b" },
		{ "X: a  \n\t  b \n", 0, "X", 64, "a b" },
		/* a header that ends where len says, not at the NUL */
		{ "X: abcdef\n", 6, "X", 64, "abc" },
	};
	char	 out[256];
	size_t	 i, len;
	int	 rc;

	(void)state;
	for (i = 0; i < NELEM(t); i++) {
		len = t[i].len ? t[i].len : strlen(t[i].hdrs);
		rc = mime_header_get(t[i].hdrs, len, t[i].name, out,
		    t[i].outlen);
		if (t[i].want == NULL) {
			if (rc != -1)
				fail_msg("row %zu: got %d \"%s\", want -1", i,
				    rc, out);
			continue;
		}
		if (rc != (int)strlen(t[i].want) || strcmp(out, t[i].want) != 0)
			fail_msg("row %zu: got %d \"%s\", want \"%s\"", i, rc,
			    out, t[i].want);
	}
}

static void
test_header_get_long(void **state)
{
	struct buf b;
	char	 out[1024];
	int	 rc, i;

	(void)state;
	buf_init(&b, 1024 * 1024);
	buf_puts(&b, "From: a\nX-Long: ");
	for (i = 0; i < 100 * 1024; i++)
		buf_putc(&b, i % 5000 == 4999 ? '\r' : 'a');
	buf_puts(&b, "\n\tend\nContent-Type: text/plain\n");
	assert_false(b.overflow);
	rc = mime_header_get(b.data, b.len, "X-Long", out, sizeof(out));
	assert_int_equal(rc, (int)sizeof(out) - 1);
	assert_int_equal(strlen(out), sizeof(out) - 1);
	assert_null(strchr(out, '\r'));
	rc = mime_header_get(b.data, b.len, "Content-Type", out, sizeof(out));
	assert_int_equal(rc, 10);
	assert_string_equal(out, "text/plain");
	buf_free(&b);
}

static void
test_param(void **state)
{
	static const struct {
		const char *value;
		const char *param;
		size_t	 outlen;
		const char *want;	/* NULL: -1 */
	} t[] = {
		{ "multipart/report; report-type=delivery-status; "
		  "boundary=\"84ACB1022E9.1795367571/relay.example.test\"",
		  "boundary", 71, "84ACB1022E9.1795367571/relay.example.test" },
		{ "multipart/report; report-type=delivery-status; "
		  "boundary=1795369159-eximdsn-157200747", "boundary", 71,
		  "1795369159-eximdsn-157200747" },
		{ "multipart/report; report-type=delivery-status; "
		  "boundary=1795369159-eximdsn-157200747", "report-type", 64,
		  "delivery-status" },
		{ "multipart/report; report-type=delivery-status", "boundary",
		  71, NULL },
		{ "text/plain", "charset", 40, NULL },
		{ "text/plain; CHARSET=US-ASCII", "charset", 40, "US-ASCII" },
		{ "text/plain; charset = utf-8 ; format=flowed", "charset", 40,
		  "utf-8" },
		{ "text/plain; charset=us-ascii (Plain text)", "charset", 40,
		  "us-ascii" },
		{ "text/plain; charset=\"a\\\"b\"", "charset", 40, "a\"b" },
		{ "multipart/mixed; x=\"; boundary=evil\"; boundary=real",
		  "boundary", 71, "real" },
		{ "multipart/mixed; boundary=\"first\"; boundary=second",
		  "boundary", 71, "first" },
		{ "multipart/mixed; boundary=\"\"", "boundary", 71, "" },
		/* a raw folded value, as a milter gets the header */
		{ "multipart/report;\r\n\treport-type=delivery-status;\n "
		  "boundary=\"b1\"", "report-type", 64, "delivery-status" },
		{ "multipart/report;\r\n\treport-type=delivery-status;\n "
		  "boundary=\"b1\"", "boundary", 71, "b1" },
		{ "multipart/mixed; boundary=\"a  b\"", "boundary", 71, "a  b" },
		{ "multipart/mixed; xboundary=a", "boundary", 71, NULL },
		{ "multipart/mixed; boundary", "boundary", 71, NULL },
		{ "multipart/mixed; junk; boundary=ok", "boundary", 71, "ok" },
		{ "multipart/mixed; boundary=\"unterminated", "boundary", 71,
		  "unterminated" },
		{ "multipart/mixed; boundary=abcdef", "boundary", 7, "abcdef" },
		{ "multipart/mixed; boundary=abcdefg", "boundary", 7, NULL },
		{ "multipart/mixed; boundary=\"abcdefg\"", "boundary", 7, NULL },
	};
	char	 out[128];
	size_t	 i;
	int	 rc;

	(void)state;
	for (i = 0; i < NELEM(t); i++) {
		rc = mime_param(t[i].value, t[i].param, out, t[i].outlen);
		if (t[i].want == NULL) {
			if (rc != -1)
				fail_msg("row %zu: got %d \"%s\", want -1", i,
				    rc, out);
			continue;
		}
		if (rc != (int)strlen(t[i].want) || strcmp(out, t[i].want) != 0)
			fail_msg("row %zu: got %d \"%s\", want \"%s\"", i, rc,
			    out, t[i].want);
	}
}

static void
test_type_is(void **state)
{
	static const struct {
		const char *value;
		const char *type;
		int	 want;
	} t[] = {
		{ "text/plain; charset=utf-8", "text/plain", 1 },
		{ "  TEXT/Plain", "text/plain", 1 },
		{ "text/plain ;x=y", "text/plain", 1 },
		{ "text/plainx", "text/plain", 0 },
		{ "text/plai", "text/plain", 0 },
		{ "", "text/plain", 0 },
		{ "message/delivery-status", "message/delivery-status", 1 },
		{ "message/global-delivery-status", "message/delivery-status", 0 },
	};
	size_t	 i;
	int	 got;

	(void)state;
	for (i = 0; i < NELEM(t); i++)
		if ((got = mime_type_is(t[i].value, t[i].type)) != t[i].want)
			fail_msg("%s vs %s: got %d, want %d", t[i].value,
			    t[i].type, got, t[i].want);
	assert_int_equal(mime_type_is(NULL, "text/plain"), 0);
}

static void
test_split_message(void **state)
{
	static const struct {
		const char *msg;
		int	 rc;
		size_t	 hdr_len;
		const char *body;
	} t[] = {
		{ "A: 1\nB: 2\n\nbody\n", 0, 10, "body\n" },
		{ "A: 1\r\nB: 2\r\n\r\nbody\r\n", 0, 12, "body\r\n" },
		{ "A: 1\nB: 2\n", -1, 0, NULL },
		{ "A: 1\nB: 2\n\n", 0, 10, "" },
		{ "\nbody", 0, 0, "body" },
		{ "\r\nbody", 0, 0, "body" },
		{ "A: 1\r\r\nbody", -1, 0, NULL },
		{ "A: 1\n \n\nbody", 0, 7, "body" },
		{ "", -1, 0, NULL },
	};
	const char *body;
	size_t	 i, hl;
	int	 rc;

	(void)state;
	for (i = 0; i < NELEM(t); i++) {
		hl = 12345;
		rc = mime_split_message(t[i].msg, strlen(t[i].msg), &hl, &body);
		if (rc != t[i].rc)
			fail_msg("row %zu: got %d, want %d", i, rc, t[i].rc);
		if (rc < 0)
			continue;
		if (hl != t[i].hdr_len || strcmp(body, t[i].body) != 0)
			fail_msg("row %zu: got %zu \"%s\", want %zu \"%s\"", i,
			    hl, body, t[i].hdr_len, t[i].body);
	}
}

/*
 * eml_read - tu_read for a listed name; the fixed-size copy keeps
 * gcc's format-truncation check in tu_path quiet at -O2
 */
static char *
eml_read(const char *name, size_t *len)
{
	char	 rel[512];

	snprintf(rel, sizeof(rel), "%.500s", name);
	return (tu_read(rel, len));
}

/*
 * check_layout - the split accounts for every byte: each part starts
 * right after a delimiter line at a line start, parts are in order
 * and inside the body, and the epilogue runs to the end.
 */
static void
check_layout(const char *name, const char *body, size_t len,
    const struct mime_multipart *mp)
{
	const char *prev = body, *d;
	size_t	 blen = strlen(mp->boundary);
	int	 i;

	if (mp->preamble != body || mp->preamble_len > len)
		fail_msg("%s: preamble outside the body", name);
	for (i = 0; i < mp->nparts; i++) {
		const struct mime_part *p = &mp->part[i];

		if (p->start < prev || p->start + p->len > body + len)
			fail_msg("%s: part %d outside the body", name, i);
		if (p->body < p->start || p->body + p->body_len !=
		    p->start + p->len || p->hdr_len > p->len)
			fail_msg("%s: part %d body/header mismatch", name, i);
		/* the delimiter line just before the part */
		for (d = p->start - 1; d > body && d[-1] != '\n'; d--)
			;
		if (p->start - d < (ptrdiff_t)(2 + blen) || d[0] != '-' ||
		    d[1] != '-' || memcmp(d + 2, mp->boundary, blen) != 0)
			fail_msg("%s: part %d not after a delimiter", name, i);
		prev = p->start + p->len;
	}
	if (mp->epilogue < prev || mp->epilogue + mp->epilogue_len !=
	    body + len)
		fail_msg("%s: epilogue does not run to the end", name);
	if (mp->closed && (mp->epilogue_len < 4 + blen ||
	    memcmp(mp->epilogue + 2, mp->boundary, blen) != 0))
		fail_msg("%s: epilogue does not start with the close "
		    "delimiter", name);
}

static void
test_split_corpus(void **state)
{
	static const char *const dirs[] = { "tests/data/postfix",
	    "tests/data/exim" };
	static char names[MAX_FILES][512];
	struct mime_multipart *mp;
	char	 ctype[512], bnd[128], rt[64];
	const char *body;
	char	*msg;
	size_t	 len, hl, blen;
	int	 d, n, i, reports = 0, total = 0;

	(void)state;
	mp = malloc(sizeof(*mp));
	assert_non_null(mp);
	for (d = 0; d < (int)NELEM(dirs); d++) {
		n = tu_eml_list(dirs[d], names, MAX_FILES);
		assert_true(n > 0);
		for (i = 0; i < n; i++) {
			msg = eml_read(names[i], &len);
			assert_int_equal(mime_split_message(msg, len, &hl,
			    &body), 0);
			blen = len - (size_t)(body - msg);
			if (mime_header_get(msg, hl, "Content-Type", ctype,
			    sizeof(ctype)) < 0 ||
			    strncasecmp(ctype, "multipart/", 10) != 0) {
				free(msg);
				continue;
			}
			total++;
			if (mime_split_multipart(ctype, body, blen, mp) != 0)
				fail_msg("%s: split failed", names[i]);
			assert_true(mime_param(ctype, "boundary", bnd,
			    sizeof(bnd)) > 0);
			if (strcmp(mp->boundary, bnd) != 0)
				fail_msg("%s: boundary got %s, want %s",
				    names[i], mp->boundary, bnd);
			if (mp->nparts < 2 || mp->nparts > 3)
				fail_msg("%s: got %d parts, want 2 or 3",
				    names[i], mp->nparts);
			if (!mp->closed)
				fail_msg("%s: close delimiter not found",
				    names[i]);
			if (!mime_type_is(mp->part[0].ctype, "text/plain"))
				fail_msg("%s: part 1 is %s, want text/plain",
				    names[i], mp->part[0].ctype);
			if (mime_param(ctype, "report-type", rt,
			    sizeof(rt)) >= 0 &&
			    strcasecmp(rt, "delivery-status") == 0) {
				reports++;
				if (!mime_type_is(mp->part[1].ctype,
				    "message/delivery-status"))
					fail_msg("%s: part 2 is %s", names[i],
					    mp->part[1].ctype);
			}
			/* Postfix labels its text 8bit utf-8, Exim not at all */
			if (d == 0 && (strcmp(mp->part[0].cte, "8bit") != 0 ||
			    strcmp(mp->part[0].charset, "utf-8") != 0))
				fail_msg("%s: got cte %s charset %s", names[i],
				    mp->part[0].cte, mp->part[0].charset);
			if (d == 1 && (mp->part[0].cte[0] != '\0' ||
			    strcmp(mp->part[0].charset, "us-ascii") != 0))
				fail_msg("%s: got cte %s charset %s", names[i],
				    mp->part[0].cte, mp->part[0].charset);
			check_layout(names[i], body, blen, mp);
			free(msg);
		}
	}
	/* every sample is a multipart/report today */
	assert_int_equal(total, 50);
	assert_int_equal(reports, 50);
	free(mp);
}

/* Real third-party bounces: whatever they are, the split must be sound. */
static void
test_split_external(void **state)
{
	static char names[MAX_FILES][512];
	struct mime_multipart *mp;
	char	 ctype[512];
	const char *body;
	char	*msg;
	size_t	 len, hl, blen;
	int	 n, i, ok = 0, multi = 0;

	(void)state;
	mp = malloc(sizeof(*mp));
	assert_non_null(mp);
	n = tu_eml_list("tests/data/external/set-of-emails", names, MAX_FILES);
	assert_int_equal(n, 75);
	for (i = 0; i < n; i++) {
		msg = eml_read(names[i], &len);
		if (mime_split_message(msg, len, &hl, &body) == 0 &&
		    mime_header_get(msg, hl, "Content-Type", ctype,
		    sizeof(ctype)) >= 0 &&
		    strncasecmp(ctype, "multipart/", 10) == 0) {
			multi++;
			blen = len - (size_t)(body - msg);
			if (mime_split_multipart(ctype, body, blen, mp) == 0) {
				ok++;
				check_layout(names[i], body, blen, mp);
			}
		}
		free(msg);
	}
	/* most real bounces are multipart and split cleanly */
	if (multi < 50 || ok < multi - 5)
		fail_msg("got %d multipart, %d split; want >= 50, <= 5 failures",
		    multi, ok);
	free(mp);
}

static void
test_split_cases(void **state)
{
	static const struct {
		const char *ctype;
		const char *body;
		int	 rc;
		int	 nparts;
		int	 closed;
		const char *part1;	/* the first part, whole */
		const char *body1;	/* its body */
		const char *epilogue;
	} t[] = {
		{ "multipart/mixed; boundary=b",
		  "pre\n--b\nX: 1\n\none\n--b\n\ntwo\n--b--\nepi\n", 0, 2, 1,
		  "X: 1\n\none", "one", "--b--\nepi\n" },
		{ "multipart/mixed; boundary=b",
		  "--b\r\nX: 1\r\n\r\none\r\n--b\r\n\r\ntwo\r\n--b--\r\n", 0, 2,
		  1, "X: 1\r\n\r\none", "one", "--b--\r\n" },
		/* transport padding after the delimiter */
		{ "multipart/mixed; boundary=b",
		  "--b \t\n\none\n--b\t\n\ntwo\n--b-- \n", 0, 2, 1, "\none",
		  "one", "--b-- \n" },
		/* look-alikes are data */
		{ "multipart/mixed; boundary=b",
		  "--b\n\none\n--bx\n x--b\n--b -\n--b\n\ntwo\n", 0, 2, 0,
		  "\none\n--bx\n x--b\n--b -",
		  "one\n--bx\n x--b\n--b -", "" },
		/* no close delimiter: the last part runs to the end */
		{ "multipart/mixed; boundary=b", "--b\n\none\n--b\n\ntwo\n", 0,
		  2, 0, "\none", "one", "" },
		/* repeated delimiter: an empty part */
		{ "multipart/mixed; boundary=b", "--b\n--b\n\ntwo\n--b--", 0, 2,
		  1, "", "", "--b--" },
		/* a part without an empty line is all header */
		{ "multipart/mixed; boundary=b", "--b\nX: 1\n--b--\n", 0, 1, 1,
		  "X: 1", "", "--b--\n" },
		/* close delimiter only */
		{ "multipart/mixed; boundary=b", "--b--\n", 0, 0, 1, NULL, NULL,
		  "--b--\n" },
		/* the real boundary, not the one in a quoted string */
		{ "multipart/mixed; x=\"boundary=fake\"; boundary=\"real\"",
		  "--fake\n\nno\n--real\n\none\n--fake\n--real\n\ntwo\n--real--\n",
		  0, 2, 1, "\none\n--fake", "one\n--fake", "--real--\n" },
		/* CR-only line ends: no delimiter starts a line */
		{ "multipart/mixed; boundary=b", "pre\r--b\r\rone\r--b--\r", -1,
		  0, 0, NULL, NULL, NULL },
		/* a lone CR ends no line */
		{ "multipart/mixed; boundary=b", "--b \n\none\n--b\rx\n", 0,
		  1, 0, "\none\n--b\rx\n", "one\n--b\rx\n", "" },
		{ "multipart/mixed", "--b\n\none\n", -1, 0, 0, NULL, NULL, NULL },
		{ "multipart/mixed; boundary=\"\"", "--\n\none\n", -1, 0, 0,
		  NULL, NULL, NULL },
		{ "text/plain; boundary=b", "--b\n\none\n--b--\n", -1, 0, 0,
		  NULL, NULL, NULL },
		{ "multipart/mixed; boundary=b", "no delimiter here\n", -1, 0, 0,
		  NULL, NULL, NULL },
		{ "multipart/mixed; boundary=b", "", -1, 0, 0, NULL, NULL,
		  NULL },
		/* case matters in a boundary */
		{ "multipart/mixed; boundary=B", "--b\n\none\n--b--\n", -1, 0, 0,
		  NULL, NULL, NULL },
	};
	struct mime_multipart mp;
	size_t	 i;
	int	 rc;

	(void)state;
	for (i = 0; i < NELEM(t); i++) {
		rc = mime_split_multipart(t[i].ctype, t[i].body,
		    strlen(t[i].body), &mp);
		if (rc != t[i].rc)
			fail_msg("row %zu: got %d, want %d", i, rc, t[i].rc);
		if (rc < 0)
			continue;
		if (mp.nparts != t[i].nparts || mp.closed != t[i].closed)
			fail_msg("row %zu: got %d parts closed %d, want %d %d",
			    i, mp.nparts, mp.closed, t[i].nparts, t[i].closed);
		if (t[i].part1 != NULL && (mp.part[0].len !=
		    strlen(t[i].part1) || memcmp(mp.part[0].start, t[i].part1,
		    mp.part[0].len) != 0))
			fail_msg("row %zu: part 1 got \"%.*s\", want \"%s\"", i,
			    (int)mp.part[0].len, mp.part[0].start, t[i].part1);
		if (t[i].body1 != NULL && (mp.part[0].body_len !=
		    strlen(t[i].body1) || memcmp(mp.part[0].body, t[i].body1,
		    mp.part[0].body_len) != 0))
			fail_msg("row %zu: body 1 got \"%.*s\", want \"%s\"", i,
			    (int)mp.part[0].body_len, mp.part[0].body,
			    t[i].body1);
		if (mp.epilogue_len != strlen(t[i].epilogue) ||
		    memcmp(mp.epilogue, t[i].epilogue, mp.epilogue_len) != 0)
			fail_msg("row %zu: epilogue got \"%.*s\", want \"%s\"",
			    i, (int)mp.epilogue_len, mp.epilogue,
			    t[i].epilogue);
		check_layout("row", t[i].body, strlen(t[i].body), &mp);
	}
}

static void
test_split_part_headers(void **state)
{
	static const struct {
		const char *part;
		const char *ctype, *cte, *charset;
	} t[] = {
		{ "Content-type: text/plain; charset=US-ASCII\n"
		  "Content-Transfer-Encoding: Quoted-Printable (x)\n\nx",
		  "text/plain; charset=US-ASCII", "quoted-printable",
		  "us-ascii" },
		{ "\nx", "", "", "" },
		{ "Content-Type: text/plain;\n charset=\"UTF-8\"\n\nx",
		  "text/plain; charset=\"UTF-8\"", "", "utf-8" },
		{ "Content-Type: text/plain; charset=a-charset-name-far-too-"
		  "long-to-be-real-xxxxxxxxxxxxxx\n\nx", NULL, "",
		  "x-unknown" },
	};
	struct mime_multipart mp;
	struct buf b;
	size_t	 i;

	(void)state;
	for (i = 0; i < NELEM(t); i++) {
		buf_init(&b, 4096);
		buf_printf(&b, "--b\n%s\n--b--\n", t[i].part);
		assert_int_equal(mime_split_multipart("multipart/mixed; "
		    "boundary=b", b.data, b.len, &mp), 0);
		assert_int_equal(mp.nparts, 1);
		if (t[i].ctype != NULL)
			assert_string_equal(mp.part[0].ctype, t[i].ctype);
		assert_string_equal(mp.part[0].cte, t[i].cte);
		assert_string_equal(mp.part[0].charset, t[i].charset);
		buf_free(&b);
	}
}

static void
test_split_limits(void **state)
{
	struct mime_multipart mp;
	struct buf b;
	int	 i, n;

	(void)state;
	for (n = MIME_MAX_PARTS - 1; n <= MIME_MAX_PARTS + 1; n++) {
		buf_init(&b, 4096);
		for (i = 0; i < n; i++)
			buf_printf(&b, "--b\n\npart %d\n", i);
		buf_puts(&b, "--b--\n");
		if (n <= MIME_MAX_PARTS) {
			assert_int_equal(mime_split_multipart(
			    "multipart/mixed; boundary=b", b.data, b.len, &mp),
			    0);
			assert_int_equal(mp.nparts, n);
			assert_int_equal(mp.closed, 1);
		} else
			assert_int_equal(mime_split_multipart(
			    "multipart/mixed; boundary=b", b.data, b.len, &mp),
			    -1);
		buf_free(&b);
	}

	/* 1000 nested multiparts are one opaque part */
	buf_init(&b, 1024 * 1024);
	buf_puts(&b, "--outer\nContent-Type: text/plain\n\nhello\n--outer\n");
	for (i = 0; i < 1000; i++)
		buf_printf(&b, "Content-Type: multipart/mixed; boundary=n%d\n\n"
		    "--n%d\n", i, i);
	buf_puts(&b, "\ndeep\n");
	for (i = 999; i >= 0; i--)
		buf_printf(&b, "--n%d--\n", i);
	buf_puts(&b, "--outer--\n");
	assert_false(b.overflow);
	assert_int_equal(mime_split_multipart("multipart/mixed; boundary=outer",
	    b.data, b.len, &mp), 0);
	assert_int_equal(mp.nparts, 2);
	assert_int_equal(mp.closed, 1);
	assert_true(mime_type_is(mp.part[1].ctype, "multipart/mixed"));
	assert_int_equal(mp.epilogue_len, strlen("--outer--\n"));
	buf_free(&b);
}

static void
test_qp_encode(void **state)
{
	static const struct {
		const char *in;
		const char *eol;
		const char *want;
	} t[] = {
		{ "a=b", "\n", "a=3Db" },
		{ "end \nnext\t\n", "\n", "end=20\nnext=09\n" },
		{ "end ", "\n", "end=20" },
		{ "a b\tc", "\n", "a b\tc" },
		{ "\xc3\xa9t\xc3\xa9", "\n", "=C3=A9t=C3=A9" },
		{ "l1\nl2\r\nl3", "\r\n", "l1\r\nl2\r\nl3" },
		{ "cr\ronly", "\n", "cr=0Donly" },
		{ "tab \r\n", "\r\n", "tab=20\r\n" },
		{ "", "\n", "" },
		/* 76 characters fit on a line that a line break ends */
		{ "0123456789012345678901234567890123456789012345678901234567890123456789012345\n",
		  "\n",
		  "0123456789012345678901234567890123456789012345678901234567890123456789012345\n" },
		/* but not on the last line: it keeps room for a soft break */
		{ "0123456789012345678901234567890123456789012345678901234567890123456789012345",
		  "\n",
		  "012345678901234567890123456789012345678901234567890123456789012345678901234=\n5" },
		{ "01234567890123456789012345678901234567890123456789012345678901234567890123456",
		  "\n",
		  "012345678901234567890123456789012345678901234567890123456789012345678901234=\n56" },
		/* the soft break never splits an =XX or a UTF-8 character */
		{ "012345678901234567890123456789012345678901234567890123456789012345678901\xe4\xbd\xa0",
		  "\n",
		  "012345678901234567890123456789012345678901234567890123456789012345678901=\n=E4=BD=A0" },
	};
	struct buf b;
	size_t	 i;

	(void)state;
	for (i = 0; i < NELEM(t); i++) {
		buf_init(&b, 4096);
		assert_int_equal(mime_qp_encode(t[i].in, strlen(t[i].in),
		    t[i].eol, &b), 0);
		if (b.len != strlen(t[i].want) ||
		    (b.len > 0 && memcmp(b.data, t[i].want, b.len) != 0))
			fail_msg("row %zu: got \"%s\", want \"%s\"", i,
			    b.data ? b.data : "", t[i].want);
		buf_free(&b);
	}
	/* a full buffer is an error, not a short result */
	buf_init(&b, 8);
	assert_int_equal(mime_qp_encode("\xe4\xbd\xa0\xe5\xa5\xbd", 6, "\n",
	    &b), -1);
	buf_free(&b);
}

/* qp_lines_ok - line length, no trailing white space, 7bit, whole UTF-8 */
static void
qp_lines_ok(size_t row, const char *s, size_t len, const char *eol,
    int utf8)
{
	struct buf dec;
	size_t	 i, st, e, n;

	for (st = 0; st < len; st = e) {
		const char *nl = memchr(s + st, '\n', len - st);

		e = nl ? (size_t)(nl - s) + 1 : len;
		n = e - st;
		if (nl != NULL) {
			if (strcmp(eol, "\r\n") == 0 &&
			    (n < 2 || s[e - 2] != '\r'))
				fail_msg("row %zu: bare LF", row);
			n -= strlen(eol);
		}
		if (n > 76)
			fail_msg("row %zu: line of %zu characters", row, n);
		if (n > 0 && (s[st + n - 1] == ' ' || s[st + n - 1] == '\t'))
			fail_msg("row %zu: trailing white space", row);
		for (i = st; i < st + n; i++)
			if ((unsigned char)s[i] >= 0x80 || (s[i] < 32 &&
			    s[i] != '\t'))
				fail_msg("row %zu: raw byte 0x%02x", row,
				    (unsigned char)s[i]);
		/* each encoded line decodes to whole UTF-8 characters */
		buf_init(&dec, 1024);
		assert_int_equal(mime_decode_body("quoted-printable", s + st, n,
		    &dec), 0);
		if (utf8 && !text_utf8_valid(dec.data ? dec.data : "",
		    dec.len))
			fail_msg("row %zu: a line splits a UTF-8 character",
			    row);
		buf_free(&dec);
	}
}

static void
test_qp_roundtrip(void **state)
{
	static const char *const zh = "\xe4\xbd\xa0\xe7\x9a\x84\xe9\x82\xae"
	    "\xe4\xbb\xb6\xe6\x9c\xaa\xe8\x83\xbd\xe9\x80\x81\xe8\xbe\xbe";
	static const char *const ar = "\xd9\x84\xd9\x85 \xd9\x8a\xd8\xaa\xd9"
	    "\x85 \xd8\xaa\xd8\xb3\xd9\x84\xd9\x8a\xd9\x85";
	struct buf in, enc, dec, want;
	const char *eol;
	size_t	 row, i;
	int	 e;

	(void)state;
	for (row = 0; row < 8; row++) {
		buf_init(&in, 64 * 1024);
		switch (row) {
		case 0:
			for (i = 0; i < 200; i++)
				buf_puts(&in, zh);
			break;
		case 1:
			for (i = 0; i < 50; i++)
				buf_printf(&in, "%s\n", ar);
			break;
		case 2:
			for (i = 0; i < 500; i++)
				buf_putc(&in, 'x');
			break;
		case 3:
			for (i = 0; i < 300; i++)
				buf_puts(&in, "a=b  \t");
			buf_puts(&in, "  \n=\n==\n .\n");
			break;
		case 4:
			for (i = 0; i < 256; i++)
				buf_putc(&in, (int)i);
			break;
		case 5:
			buf_puts(&in, "mixed ");
			buf_puts(&in, zh);
			buf_puts(&in, " ascii ");
			buf_puts(&in, ar);
			buf_puts(&in, "\r\nline two \r\n\r\n");
			break;
		case 6:
			for (i = 0; i < 100; i++)
				buf_puts(&in, "\xf0\x9f\x98\x80 ");
			break;
		case 7:
			for (i = 0; i < 80; i++)
				buf_puts(&in, "y");
			buf_puts(&in, " \n");
			break;
		}
		for (e = 0; e < 2; e++) {
			eol = e ? "\r\n" : "\n";
			buf_init(&enc, 1024 * 1024);
			buf_init(&dec, 1024 * 1024);
			buf_init(&want, 1024 * 1024);
			assert_int_equal(mime_qp_encode(in.data, in.len, eol,
			    &enc), 0);
			qp_lines_ok(row, enc.data ? enc.data : "", enc.len, eol,
			    text_utf8_valid(in.data, in.len));
			assert_int_equal(mime_decode_body("quoted-printable",
			    enc.data ? enc.data : "", enc.len, &dec), 0);
			/* line breaks come back in the eol style */
			for (i = 0; i < in.len; i++) {
				if (in.data[i] == '\r' && i + 1 < in.len &&
				    in.data[i + 1] == '\n')
					continue;
				if (in.data[i] == '\n')
					buf_puts(&want, eol);
				else
					buf_putc(&want, in.data[i]);
			}
			if (dec.len != want.len || (want.len > 0 &&
			    memcmp(dec.data, want.data, want.len) != 0))
				fail_msg("row %zu eol %d: round trip differs "
				    "(got %zu bytes, want %zu)", row, e, dec.len,
				    want.len);
			buf_free(&enc);
			buf_free(&dec);
			buf_free(&want);
		}
		buf_free(&in);
	}
}

static void
test_decode(void **state)
{
	static const struct {
		const char *cte;
		const char *in;
		const char *want;	/* NULL: -1 */
	} t[] = {
		{ "quoted-printable", "a=3Db=\nc", "a=bc" },
		{ "Quoted-Printable", "soft =  \r\nbreak", "soft break" },
		{ "quoted-printable", "=e4=BD=a0", "\xe4\xbd\xa0" },
		{ "quoted-printable", "bad =ZZ and =4", "bad =ZZ and =4" },
		{ "quoted-printable", "trailing  \nkept  x\t\n", "trailing\nkept  x\n" },
		{ "quoted-printable", "end=", "end" },
		{ "quoted-printable", "=0D=0A", "\r\n" },
		{ "base64", "SGVsbG8=", "Hello" },
		{ "base64", "SGVs\r\nbG8s\n IHdv cmxk", "Hello, world" },
		{ "BASE64", "5L2g5aW9", "\xe4\xbd\xa0\xe5\xa5\xbd" },
		{ "base64", "SGk", "Hi" },
		{ "base64", "SGk=SGk=", "HiHi" },
		{ "base64", "S*G!k", "Hi" },
		{ "base64", "", "" },
		{ "7bit", "as is =3D\n", "as is =3D\n" },
		{ "8bit", "\xc3\xa9", "\xc3\xa9" },
		{ "binary", "x", "x" },
		{ "", "x", "x" },
		{ " 8bit (comment)", "x", "x" },
		{ "x-uuencode", "x", NULL },
		{ "quoted-printablex", "x", NULL },
	};
	struct buf b;
	size_t	 i;
	int	 rc;

	(void)state;
	for (i = 0; i < NELEM(t); i++) {
		buf_init(&b, 4096);
		rc = mime_decode_body(t[i].cte, t[i].in, strlen(t[i].in), &b);
		if (t[i].want == NULL) {
			if (rc != -1)
				fail_msg("row %zu: got %d, want -1", i, rc);
		} else if (rc != 0 || b.len != strlen(t[i].want) ||
		    (b.len > 0 && memcmp(b.data, t[i].want, b.len) != 0))
			fail_msg("row %zu: got %d \"%s\", want \"%s\"", i, rc,
			    b.data ? b.data : "", t[i].want);
		buf_free(&b);
	}
	/* output bounded by the buffer's max */
	for (i = 0; i < 3; i++) {
		static const char *const cte[] = { "8bit", "quoted-printable",
		    "base64" };

		buf_init(&b, 4);
		assert_int_equal(mime_decode_body(cte[i], "SGVsbG8sIHdvcmxk",
		    16, &b), -1);
		assert_true(b.len <= 4);
		buf_free(&b);
	}
	/* NUL bytes are data; len, not the terminator, ends the input */
	buf_init(&b, 64);
	assert_int_equal(mime_decode_body("quoted-printable", "a\0b=00c=41",
	    10, &b), 0);
	assert_int_equal(b.len, 6);
	assert_memory_equal(b.data, "a\0b\0cA", 6);
	buf_reset(&b);
	assert_int_equal(mime_decode_body("quoted-printable", "ab=4", 3, &b), 0);
	assert_int_equal(b.len, 2);
	buf_free(&b);
}

static void
test_eol(void **state)
{
	static const struct {
		const char *in;
		const char *want;
	} t[] = {
		{ "a\r\nb\n", "\r\n" }, { "a\nb\r\n", "\n" }, { "abc", "\n" },
		{ "\r\n", "\r\n" }, { "\n", "\n" }, { "a\rb\n", "\n" },
		{ "", "\n" },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < NELEM(t); i++)
		if (strcmp(mime_eol(t[i].in, strlen(t[i].in)), t[i].want) != 0)
			fail_msg("row %zu: got %s, want %s", i,
			    mime_eol(t[i].in, strlen(t[i].in))[0] == '\r' ?
			    "CRLF" : "LF", t[i].want[0] == '\r' ? "CRLF" : "LF");
	/* len bounds the search */
	assert_string_equal(mime_eol("ab\r\n", 2), "\n");
}

/*
 * header_get_budget - mime.h promises out is always terminated: a value
 * found and copied before the budget ran out in the last charge is not
 * left behind without its NUL (rewrite.c reads it as a string)
 */
static void
test_header_get_budget(void **state)
{
	static const char h[] = "Content-Type: text/plain; charset=utf-8\n\n";
	char	 out[16];
	size_t	 work;
	int	 rc, tipped = 0;

	(void)state;
	/* budgets of every size around the header's: one tips at the end */
	for (work = 1; work < 200; work++) {
		memset(out, 'Z', sizeof(out));
		budget_start(work, 60000);
		rc = mime_header_get(h, sizeof(h) - 1, "Content-Type", out,
		    sizeof(out));
		(void)budget_stop(NULL, NULL);
		if (memchr(out, '\0', sizeof(out)) == NULL)
			fail_msg("work %zu: rc %d, out not terminated", work,
			    rc);
		if (rc < 0) {
			tipped++;
			assert_int_equal(out[0], '\0');
		}
	}
	assert_true(tipped > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_get),
		cmocka_unit_test(test_header_get_long),
		cmocka_unit_test(test_header_get_budget),
		cmocka_unit_test(test_param),
		cmocka_unit_test(test_type_is),
		cmocka_unit_test(test_split_message),
		cmocka_unit_test(test_split_corpus),
		cmocka_unit_test(test_split_external),
		cmocka_unit_test(test_split_cases),
		cmocka_unit_test(test_split_part_headers),
		cmocka_unit_test(test_split_limits),
		cmocka_unit_test(test_qp_encode),
		cmocka_unit_test(test_qp_roundtrip),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_eol),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
