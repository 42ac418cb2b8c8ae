/*
 * test_charset.c - charset_to_utf8 and the rewrite of parts in other
 * charsets
 *
 * Round trips: a text in each charset bounces really come in is built
 * here from UTF-8 with glibc's iconv, put as the first part of a
 * multipart/report, rewritten, and the rewritten part must decode (by
 * its new headers) to exactly the hint followed by the original text as
 * UTF-8.  A text that is not clean in its declared charset must pass
 * unchanged: never mojibake under a utf-8 label.
 */
#include "testutil.h"

#include <iconv.h>

#include "buf.h"
#include "charset.h"
#include "mime.h"
#include "rewrite.h"

#define NELEM(t)	(sizeof(t) / sizeof((t)[0]))
#define MAX		(1024 * 1024)

/* enc - UTF-8 text s in charset cs (iconv name), into out */
static size_t
enc(const char *cs, const char *s, char *out, size_t outlen)
{
	iconv_t	 cd;
	char	*ip = (char *)s, *op = out;
	size_t	 il = strlen(s), ol = outlen;

	cd = iconv_open(cs, "UTF-8");
	if (cd == (iconv_t)-1)
		fail_msg("iconv_open %s", cs);
	if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 ||
	    iconv(cd, NULL, NULL, &op, &ol) == (size_t)-1)
		fail_msg("%s: cannot encode the sample", cs);
	iconv_close(cd);
	return ((size_t)(op - out));
}

/* Each charset of the issue, as labelled in mail, with a text it holds. */
static const struct {
	const char *label;	/* the MIME label in the bounce */
	const char *iconv;	/* how this test encodes the sample */
	const char *text;	/* UTF-8 */
} rt[] = {
	{ "windows-1252", "CP1252", "Die E-Mail wasn\xe2\x80\x99t "
	    "delivered \xe2\x80\x93 caf\xc3\xa9 \xe2\x82\xac 5\n" },
	{ "Windows-1250", "CP1250", "Zpr\xc3\xa1va nebyla doru\xc4\x8d"
	    "ena.\n" },
	{ "windows-1251", "CP1251", "\xd0\xa1\xd0\xbe\xd0\xbe\xd0\xb1\xd1\x89"
	    "\xd0\xb5\xd0\xbd\xd0\xb8\xd0\xb5 \xd0\xbd\xd0\xb5 "
	    "\xd0\xb4\xd0\xbe\xd1\x81\xd1\x82\xd0\xb0\xd0\xb2\xd0\xbb\xd0\xb5"
	    "\xd0\xbd\xd0\xbe.\n" },
	{ "windows-1256", "CP1256", "\xd9\x84\xd9\x85 \xd9\x8a\xd8\xaa\xd9\x85 "
	    "\xd8\xaa\xd8\xb3\xd9\x84\xd9\x8a\xd9\x85 \xd8\xa7\xd9\x84\xd8\xb1"
	    "\xd8\xb3\xd8\xa7\xd9\x84\xd8\xa9.\n" },
	{ "iso-8859-1", "ISO-8859-1", "Le message n'a pas \xc3\xa9t\xc3\xa9 "
	    "remis.\n" },
	{ "ISO-8859-2", "ISO-8859-2", "Wiadomo\xc5\x9b\xc4\x87 nie zosta\xc5"
	    "\x82" "a dostarczona.\n" },
	{ "iso-8859-15", "ISO-8859-15", "Co\xc3\xbbt: 5 \xe2\x82\xac\n" },
	{ "utf-7", "UTF-7", "Nachricht nicht zugestellt: \xc3\xa4\xc3\xb6"
	    "\xc3\xbc \xe2\x82\xac\n" },
	{ "unicode-1-1-utf-7", "UTF-7", "Delivery failed \xe2\x80\x94 "
	    "\xe9\x85\x8d\xe4\xbf\xa1\xe5\xa4\xb1\xe6\x95\x97\n" },
	{ "iso-2022-jp", "ISO-2022-JP", "\xe9\x85\x8d\xe4\xbf\xa1\xe3\x81\xa7"
	    "\xe3\x81\x8d\xe3\x81\xbe\xe3\x81\x9b\xe3\x82\x93\xe3\x81\xa7"
	    "\xe3\x81\x97\xe3\x81\x9f\xe3\x80\x82\n" },
	{ "Shift_JIS", "SHIFT_JIS", "\xe9\x85\x8d\xe4\xbf\xa1\xe5\xa4\xb1"
	    "\xe6\x95\x97\xef\xbc\x88\xe5\xae\x9b\xe5\x85\x88\xef\xbc\x89\n" },
	{ "euc-kr", "EUC-KR", "\xeb\xa9\x94\xec\x8b\x9c\xec\xa7\x80\xeb\xa5"
	    "\xbc \xeb\xb3\xb4\xeb\x82\xbc \xec\x88\x98 \xec\x97\x86\xec\x8a"
	    "\xb5\xeb\x8b\x88\xeb\x8b\xa4.\n" },
	{ "ks_c_5601-1987", "CP949", "\xeb\xa9\x94\xec\x8b\x9c\xec\xa7\x80\n" },
	{ "gb2312", "GB2312", "\xe9\x82\xae\xe4\xbb\xb6\xe6\x97\xa0\xe6\xb3"
	    "\x95\xe9\x80\x81\xe8\xbe\xbe\xe3\x80\x82\n" },
	{ "GBK", "GBK", "\xe9\x83\xb5\xe4\xbb\xb6\xe7\x84\xa1\xe6\xb3\x95\n" },
	{ "gb18030", "GB18030", "\xe9\x82\xae\xe4\xbb\xb6 \xe2\x82\xac "
	    "\xf0\x9f\x93\xa7\n" },
	{ "big5", "BIG5", "\xe9\x83\xb5\xe4\xbb\xb6\xe7\x84\xa1\xe6\xb3\x95"
	    "\xe9\x80\x81\xe9\x81\x94\xe3\x80\x82\n" },
	{ "koi8-r", "KOI8-R", "\xd0\xa1\xd0\xbe\xd0\xbe\xd0\xb1\xd1\x89\xd0\xb5"
	    "\xd0\xbd\xd0\xb8\xd0\xb5 \xd0\xbd\xd0\xb5 \xd0\xb4\xd0\xbe\xd1"
	    "\x81\xd1\x82\xd0\xb0\xd0\xb2\xd0\xbb\xd0\xb5\xd0\xbd\xd0\xbe.\n" },
};

static const char hint[] = "relayhint: \xe6\x8f\x90\xe7\xa4\xba (535 "
    "5.7.139)\nFix it.\n\n";

/* rt_one - one charset, its text sent as cte ("8bit" or "base64") */
static void
rt_one(const char *label, const char *text, const char *raw, size_t rawlen,
    const char *cte)
{
	static char body[8192];
	struct mime_multipart *mp;
	const struct mime_part *p;
	struct buf b64, out, dec;
	char	 ctype[64], what[128];
	const char *tail = "\n--b\nContent-Type: message/delivery-status\n\n"
	    "Status: 5.7.139\n--b--\n";
	size_t	 n;
	enum rewrite_status st;

	snprintf(what, sizeof(what), "%s %s", label, cte);
	buf_init(&b64, MAX);
	if (strcmp(cte, "base64") == 0)
		assert_int_equal(mime_b64_encode(raw, rawlen, "\n", &b64), 0);
	else
		buf_append(&b64, raw, rawlen);
	n = (size_t)snprintf(body, sizeof(body), "--b\nContent-Type: text/plain;"
	    " charset=\"%s\"\nContent-Transfer-Encoding: %s\n\n", label, cte);
	memcpy(body + n, b64.data, b64.len);
	n += b64.len;
	memcpy(body + n, tail, strlen(tail));
	n += strlen(tail);
	buf_init(&out, MAX);
	st = rewrite_body("multipart/report; boundary=b", body, n, hint,
	    strlen(hint), MAX, &out);
	if (st != REWRITE_OK)
		fail_msg("%s: got %s", what, rewrite_strerror(st));
	/* the DSN part and the end: byte-identical */
	if (out.len < strlen(tail) || memcmp(out.data + out.len -
	    strlen(tail), tail, strlen(tail)) != 0)
		fail_msg("%s: the DSN part changed", what);
	mp = malloc(sizeof(*mp));
	assert_non_null(mp);
	snprintf(ctype, sizeof(ctype), "multipart/report; boundary=b");
	assert_int_equal(mime_split_multipart(ctype, out.data, out.len, mp), 0);
	assert_int_equal(mp->nparts, 2);
	p = &mp->part[0];
	if (strcmp(p->charset, "utf-8") != 0)
		fail_msg("%s: charset got %s", what, p->charset);
	if (strcmp(p->cte, "quoted-printable") != 0 &&
	    strcmp(p->cte, "base64") != 0)
		fail_msg("%s: cte got %s", what, p->cte);
	buf_init(&dec, MAX);
	assert_int_equal(mime_decode_body(p->cte, p->body, p->body_len, &dec),
	    0);
	buf_putc(&dec, '\0');
	if (strncmp(dec.data, hint, strlen(hint)) != 0 ||
	    strcmp(dec.data + strlen(hint), text) != 0)
		fail_msg("%s: got \"%s\", want the hint and \"%s\"", what,
		    dec.data, text);
	buf_free(&dec);
	buf_free(&out);
	buf_free(&b64);
	free(mp);
}

static void
test_round_trips(void **state)
{
	char	 raw[4096];
	size_t	 i, n;

	(void)state;
	for (i = 0; i < NELEM(rt); i++) {
		n = enc(rt[i].iconv, rt[i].text, raw, sizeof(raw));
		rt_one(rt[i].label, rt[i].text, raw, n, "base64");
		/* 7-bit charsets travel as they are, the others as 8bit */
		rt_one(rt[i].label, rt[i].text, raw, n, "8bit");
	}
}

/* Not clean in its charset: refused, and the rewrite passes unchanged. */
static void
test_unclean(void **state)
{
	static const struct {
		const char *cs, *in;
	} t[] = {
		{ "us-ascii", "caf\xe9" },
		{ "utf-8", "caf\xe9" },
		{ "utf-8", "\xed\xa0\x80" },		/* a surrogate */
		{ "shift_jis", "\x82" },		/* cut lead byte */
		{ "euc-kr", "\xb0" },
		{ "gb2312", "\x81" },
		{ "big5", "\xa4" },
		{ "iso-2022-jp", "\x1b$B$" },		/* cut in 2-byte mode */
		{ "utf-7", "+\xff" },
		{ "x-no-such-charset", "abc" },
		{ "utf-8//TRANSLIT", "abc" },		/* not a plain name */
		{ "windows-1252", "\x81" },		/* undefined in CP1252 */
	};
	struct buf out;
	char	 body[256];
	size_t	 i, n;

	(void)state;
	for (i = 0; i < NELEM(t); i++) {
		buf_init(&out, MAX);
		buf_puts(&out, "kept");
		if (charset_to_utf8(t[i].cs, t[i].in, strlen(t[i].in),
		    &out) != -1)
			fail_msg("%s \"%s\": converted", t[i].cs, t[i].in);
		if (out.len != 4 || memcmp(out.data, "kept", 4) != 0)
			fail_msg("%s: out changed on failure", t[i].cs);
		buf_free(&out);
		/*
		 * A part already labelled utf-8 keeps its bytes and its
		 * label (the hint adds no error of ours); the rest must
		 * not be relabelled.
		 */
		if (strcmp(t[i].cs, "utf-8") == 0)
			continue;
		n = (size_t)snprintf(body, sizeof(body), "--b\nContent-Type: "
		    "text/plain; charset=%s\nContent-Transfer-Encoding: 8bit\n\n"
		    "%s\n--b\n\nx\n--b--\n", t[i].cs, t[i].in);
		buf_init(&out, MAX);
		if (rewrite_body("multipart/report; boundary=b", body, n,
		    "\xc3\xa9\n", 3, MAX, &out) != REWRITE_UNSUPPORTED ||
		    out.len != 0)
			fail_msg("%s: rewritten", t[i].cs);
		buf_free(&out);
	}
}

/* The real bounces of the corpus in charsets other than UTF-8. */
static void
test_corpus(void **state)
{
	static const char *const files[] = {
		"lhost-office365-01.eml",	/* windows-1252 */
		"lhost-outlook-01.eml",		/* unicode-1-1-utf-7 */
		"lhost-ezweb-08.eml",		/* iso-2022-jp */
		"lhost-exchange2003-05.eml",	/* iso-8859-1 */
	};
	char	 rel[256], ctype[512];
	char	*raw;
	const char *body;
	size_t	 len, hl, i;
	struct buf out;
	enum rewrite_status st;

	(void)state;
	for (i = 0; i < NELEM(files); i++) {
		snprintf(rel, sizeof(rel), "tests/data/external/set-of-emails/"
		    "%s", files[i]);
		raw = tu_read(rel, &len);
		assert_int_equal(mime_split_message(raw, len, &hl, &body), 0);
		assert_true(mime_header_get(raw, hl, "Content-Type", ctype,
		    sizeof(ctype)) > 0);
		buf_init(&out, 4 * MAX);
		st = rewrite_body(ctype, body, len - (size_t)(body - raw), hint,
		    strlen(hint), MAX, &out);
		if (st != REWRITE_OK)
			fail_msg("%s: got %s", files[i], rewrite_strerror(st));
		if (strstr(out.data, "charset=utf-8") == NULL)
			fail_msg("%s: no part relabelled utf-8", files[i]);
		buf_free(&out);
		free(raw);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_unclean),
		cmocka_unit_test(test_corpus),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
