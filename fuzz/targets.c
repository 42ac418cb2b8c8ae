/*
 * targets.c - one function per entry point that takes outside input
 *
 * Functions: fuzz_init, fuzz_fini, fuzz_why, fuzz_run, fuzz_reply, fuzz_dsn,
 * fuzz_mime, fuzz_rewrite, fuzz_bounce, fuzz_logline, fuzz_pqjson, fuzz_jsonr,
 * fuzz_explain, fuzz_rules, fuzz_hints, fuzz_redact, fuzz_config.
 *
 * Every input a target sees is a counted copy of the fuzzer's bytes with
 * no terminating NUL, so a parser that reads past its length is caught
 * by ASan; where an interface takes a C string the target makes one.
 * Besides "does not crash", each target checks what the header promises:
 * fields terminated within their arrays, pointers inside the input,
 * header-safe text without CR/LF/NUL, and for the rewrite the byte-for-
 * byte promises of rewrite.h and bounce.h.  A broken promise returns
 * FUZZ_BAD with a reason in fuzz_why().
 *
 * Built three ways: by clang with libFuzzer (fuzz/fuzz_*.c), by gcc as a
 * replay program (fuzz/standalone.c), and #included by the cmocka test
 * tests/unit/test_fuzz_regress.c.  Nothing is logged.
 */
#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "budget.h"
#include "buf.h"
#include "charset.h"
#include "config.h"
#include "dsn.h"
#include "explain.h"
#include "hint.h"
#include "jsonr.h"
#include "logline.h"
#include "mime.h"
#include "pqjson.h"
#include "redact.h"
#include "reply.h"
#include "rewrite.h"
#include "rules.h"
#include "text.h"

#include "targets.h"

/* Keep single inputs small: the limits under test are far below this. */
#define FUZZ_OUT_MAX	(1024 * 1024)

static struct kb fuzz_kb;
static int fuzz_kb_ok;
static const char *fuzz_reason = "";

/* BAD - record why, fail the input, and leave by the function's "out:" */
#define BAD(why)	do { fuzz_reason = (why); rc = FUZZ_BAD; goto out; } \
			while (0)

/* bad - the same for helpers that own nothing */
static int
bad(const char *why)
{
	fuzz_reason = why;
	return (FUZZ_BAD);
}

/* Hints the rewrite targets insert: ASCII, and UTF-8 that forces QP. */
static const char hint_ascii[] = "relayhint: test hint\nsecond line\n\n";
static const char hint_utf8[] = "relayhint: \xe6\xb8\xac\xe8\xa9\xa6 hint\n\n";

/* fuzz_init - the compiled-in knowledge base, loaded once */
int
fuzz_init(void)
{
	char	 err[256];

	if (fuzz_kb_ok)
		return (0);
	if (kb_load(&fuzz_kb, NULL, NULL, err, sizeof(err)) != 0)
		return (-1);
	fuzz_kb_ok = 1;
	return (0);
}

/* fuzz_fini - release the knowledge base */
void
fuzz_fini(void)
{
	if (fuzz_kb_ok)
		kb_free(&fuzz_kb);
	fuzz_kb_ok = 0;
}

/* fuzz_why - the reason of the last FUZZ_BAD */
const char *
fuzz_why(void)
{
	return (fuzz_reason);
}

/*
 * fuzz_run - one target under a work budget linear in the input: the
 * library charges the bytes its searches and parsers go over, and more
 * than FUZZ_WORK_PER_BYTE per input byte (plus a floor for small
 * inputs) is a broken promise: a search repeated over the rest of the
 * text, the quadratic class of text_casestr_nk's old bug.  The real
 * corpora stay under a tenth of it (fuzz/RESULTS.md).
 */
#define FUZZ_WORK_PER_BYTE	1024
#define FUZZ_WORK_FLOOR		4096

int
fuzz_run(int (*fn)(const uint8_t *, size_t), const uint8_t *data,
    size_t size)
{
	int	 rc;

	budget_start(FUZZ_WORK_PER_BYTE * (size + FUZZ_WORK_FLOOR), 3600000);
	rc = fn(data, size);
	if (budget_stop(NULL, NULL))
		return (bad("work: more than linear in the input "
		    "(budget_charge)"));
	return (rc);
}

/* dup_exact - a heap copy of exactly len bytes (no NUL), so overreads show */
static char *
dup_exact(const uint8_t *data, size_t len)
{
	char	*p = malloc(len ? len : 1);

	if (p != NULL && len > 0)
		memcpy(p, data, len);
	return (p);
}

/* dup_str - a NUL-terminated heap copy (embedded NULs end the string early) */
static char *
dup_str(const char *data, size_t len)
{
	char	*p = malloc(len + 1);

	if (p != NULL) {
		if (len > 0)
			memcpy(p, data, len);
		p[len] = '\0';
	}
	return (p);
}

/* terminated - a NUL within the array */
static int
terminated(const char *a, size_t size)
{
	return (memchr(a, '\0', size) != NULL);
}

/* header_safe - no CR, LF (or NUL, by construction) in a terminated string */
static int
header_safe(const char *s)
{
	return (strpbrk(s, "\r\n") == NULL);
}

/* printable_ascii - every byte 0x20..0x7e, as an added header value must be */
static int
printable_ascii(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return (0);
	return (1);
}

/* inside - [p, p+n) lies within [base, base+len) */
static int
inside(const char *p, size_t n, const char *base, size_t len)
{
	return (p >= base && p <= base + len && n <= len - (size_t)(p - base));
}

/* first_line - split off "line\n" (the line without its LF) */
static size_t
first_line(const char *s, size_t len, size_t *next)
{
	const char *nl = memchr(s, '\n', len);

	if (nl == NULL) {
		*next = len;
		return (len);
	}
	*next = (size_t)(nl - s) + 1;
	return ((size_t)(nl - s));
}

/* fuzz_reply - reply_parse, reply_server_id, reply_status_valid */
int
fuzz_reply(const uint8_t *data, size_t size)
{
	struct reply r;
	char	*s, id[REPLY_SERVERID_MAX], small[12];
	size_t	 n;
	int	 rc = 0;

	if ((s = dup_exact(data, size)) == NULL)
		return (0);
	memset(&r, 0x5a, sizeof(r));	/* unset fields show as garbage */
	(void)reply_parse(s, size, &r);
	if (!terminated(r.status, sizeof(r.status)) ||
	    !terminated(r.server_id, sizeof(r.server_id)) ||
	    !terminated(r.text, sizeof(r.text)))
		rc = FUZZ_BAD, fuzz_reason = "reply: field not terminated";
	else if (!header_safe(r.text) || !header_safe(r.server_id) ||
	    !header_safe(r.status))
		rc = FUZZ_BAD, fuzz_reason = "reply: CR/LF in parsed text";
	else if (r.code < 0 || r.code > 999)
		rc = FUZZ_BAD, fuzz_reason = "reply: code out of range";
	else if (r.status[0] != '\0' &&
	    reply_status_valid(r.status, strlen(r.status)) != strlen(r.status))
		rc = FUZZ_BAD, fuzz_reason = "reply: status not N.NNN.NNN";
	if (rc == 0 && reply_server_id(s, size, id, sizeof(id)) == 1 &&
	    (!terminated(id, sizeof(id)) || !header_safe(id)))
		rc = FUZZ_BAD, fuzz_reason = "reply_server_id: bad id";
	/* a small output buffer must truncate, not overflow */
	if (rc == 0 && reply_server_id(s, size, small, sizeof(small)) == 1 &&
	    !terminated(small, sizeof(small)))
		rc = FUZZ_BAD, fuzz_reason = "reply_server_id: small not terminated";
	if (rc == 0 && (n = reply_status_valid(s, size)) > size)
		rc = FUZZ_BAD, fuzz_reason = "reply_status_valid: past input";
	else if (rc == 0 && n > 0)
		(void)reply_status_class_eq(r.status, r.status);
	free(s);
	return (rc);
}

/* fuzz_dsn - dsn_parse */
int
fuzz_dsn(const uint8_t *data, size_t size)
{
	struct dsn *d;
	char	*s;
	int	 i, rc = 0;

	s = dup_exact(data, size);
	d = malloc(sizeof(*d));
	if (s == NULL || d == NULL)
		goto out;
	memset(d, 0x5a, sizeof(*d));
	if (dsn_parse(s, size, d) != 0)
		goto out;
	if (d->nrcpt < 0 || d->nrcpt > DSN_MAX_RCPT || d->rcpt_dropped < 0)
		BAD("dsn: nrcpt out of range");
	if (!terminated(d->reporting_mta, sizeof(d->reporting_mta)) ||
	    !terminated(d->queue_id, sizeof(d->queue_id)) ||
	    !terminated(d->sender, sizeof(d->sender)) ||
	    !terminated(d->arrival_date, sizeof(d->arrival_date)))
		BAD("dsn: message field not terminated");
	for (i = 0; i < d->nrcpt; i++) {
		struct dsn_rcpt *r = &d->rcpt[i];

		if (!terminated(r->final_recipient,
		    sizeof(r->final_recipient)) ||
		    !terminated(r->action, sizeof(r->action)) ||
		    !terminated(r->status, sizeof(r->status)) ||
		    !terminated(r->remote_mta, sizeof(r->remote_mta)) ||
		    !terminated(r->diag_type, sizeof(r->diag_type)) ||
		    !terminated(r->diag, sizeof(r->diag)) ||
		    !terminated(r->will_retry_until,
		    sizeof(r->will_retry_until)))
			BAD("dsn: recipient field not terminated");
		/* dsn.h: the Diagnostic-Code text is unfolded and printable */
		if (!header_safe(r->diag))
			BAD("dsn: CR/LF in Diagnostic-Code");
	}
out:
	free(d);
	free(s);
	return (rc);
}

/* check_multipart - every pointer of a split stays inside the body */
static int
check_multipart(const struct mime_multipart *mp, const char *body,
    size_t len)
{
	int	 i;

	if (mp->nparts < 0 || mp->nparts > MIME_MAX_PARTS)
		return (bad("mime: nparts out of range"));
	if (!terminated(mp->boundary, sizeof(mp->boundary)) ||
	    mp->boundary[0] == '\0')
		return (bad("mime: boundary"));
	if (!inside(mp->preamble, mp->preamble_len, body, len))
		return (bad("mime: preamble outside body"));
	if (mp->epilogue != NULL &&
	    !inside(mp->epilogue, mp->epilogue_len, body, len))
		return (bad("mime: epilogue outside body"));
	for (i = 0; i < mp->nparts; i++) {
		const struct mime_part *p = &mp->part[i];

		if (!inside(p->start, p->len, body, len))
			return (bad("mime: part outside body"));
		if (!inside(p->body, p->body_len, p->start, p->len))
			return (bad("mime: part body outside part"));
		if (p->hdr_len > p->len)
			return (bad("mime: part hdr_len > len"));
		if (!terminated(p->ctype, sizeof(p->ctype)) ||
		    !terminated(p->cte, sizeof(p->cte)) ||
		    !terminated(p->charset, sizeof(p->charset)))
			return (bad("mime: part field not terminated"));
		if (!header_safe(p->ctype) || !header_safe(p->cte))
			return (bad("mime: CR/LF in part header value"));
		if (i > 0 && p->start < mp->part[i - 1].start +
		    mp->part[i - 1].len)
			return (bad("mime: parts overlap"));
	}
	return (0);
}

/* qp_roundtrip - decode(qp_encode(x)) == x, lines at most 76 columns */
static int
qp_roundtrip(const char *s, size_t len, const char *eol)
{
	struct buf enc, dec;
	size_t	 i, col = 0;
	int	 rc = 0;

	buf_init(&enc, FUZZ_OUT_MAX);
	buf_init(&dec, FUZZ_OUT_MAX);
	if (mime_qp_encode(s, len, eol, &enc) != 0 || enc.overflow)
		goto out;
	for (i = 0; i < enc.len; i++) {
		/* a line starting with '-' could become a MIME delimiter */
		if (enc.data[i] == '-' && (i == 0 || enc.data[i - 1] == '\n')) {
			rc = FUZZ_BAD;
			fuzz_reason = "mime_qp_encode: line starts with '-'";
			goto out;
		}
		if (enc.data[i] == '\n')
			col = 0;
		else if (enc.data[i] != '\r' && ++col > 76) {
			rc = FUZZ_BAD;
			fuzz_reason = "mime_qp_encode: line over 76";
			goto out;
		}
	}
	if (mime_decode_body("quoted-printable", enc.data, enc.len,
	    &dec) != 0) {
		rc = FUZZ_BAD;
		fuzz_reason = "mime_qp_encode: own output does not decode";
	} else if (strcmp(eol, "\n") == 0 && memchr(s, '\r', len) == NULL &&
	    (dec.len != len || (len > 0 && memcmp(dec.data, s, len) != 0))) {
		/* with CRLF line ends the decoder may normalise; LF-only must round-trip */
		rc = FUZZ_BAD;
		fuzz_reason = "mime_qp_encode: round trip differs";
	}
out:
	buf_free(&enc);
	buf_free(&dec);
	return (rc);
}

/* fuzz_mime - header block, header values, parameters, parts, decoding */
int
fuzz_mime(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "Content-Type",
	    "Content-Transfer-Encoding", "X-Relayhint-Cause", "Subject" };
	static const char *const params[] = { "boundary", "charset",
	    "report-type" };
	struct mime_multipart *mp = NULL;
	struct buf dec;
	const char *body;
	char	*s, *line = NULL, ctype[512], val[MIME_BOUNDARY_MAX + 1],
		 tiny[4];
	size_t	 hlen, blen, n, next;
	int	 i, k, got, rc = 0;

	if ((s = dup_exact(data, size)) == NULL)
		return (0);
	buf_init(&dec, FUZZ_OUT_MAX);
	/* mime_param and mime_type_is on the first line as a header value */
	n = first_line(s, size, &next);
	if ((line = dup_str(s, n)) == NULL)
		goto out;
	for (k = 0; k < 3; k++) {
		got = mime_param(line, params[k], val, sizeof(val));
		if (got >= 0 && (!terminated(val, sizeof(val)) ||
		    (size_t)got != strlen(val)))
			BAD("mime_param: length differs from value");
		(void)mime_param(line, params[k], tiny, sizeof(tiny));
		if (!terminated(tiny, sizeof(tiny)))
			BAD("mime_param: tiny not terminated");
	}
	(void)mime_type_is(line, "multipart/report");
	if (mime_split_message(s, size, &hlen, &body) != 0)
		goto noheaders;
	if (hlen > size || !inside(body, 0, s, size) ||
	    body < s + hlen)
		BAD("mime_split_message: out of range");
	blen = size - (size_t)(body - s);
	for (k = 0; k < 4; k++) {
		got = mime_header_get(s, hlen, names[k], ctype, sizeof(ctype));
		if (!terminated(ctype, sizeof(ctype)))
			BAD("mime_header_get: not terminated");
		if (got >= 0 && (memchr(ctype, '\r', strlen(ctype)) ||
		    memchr(ctype, '\n', strlen(ctype))))
			BAD("mime_header_get: CR/LF copied");
		(void)mime_header_get(s, hlen, names[k], tiny, sizeof(tiny));
		if (!terminated(tiny, sizeof(tiny)))
			BAD("mime_header_get: tiny not terminated");
	}
	if (mime_header_get(s, hlen, "Content-Type", ctype, sizeof(ctype)) < 0)
		goto noheaders;
	if ((mp = malloc(sizeof(*mp))) == NULL)
		goto out;
	memset(mp, 0x5a, sizeof(*mp));
	if (mime_split_multipart(ctype, body, blen, mp) == 0) {
		if ((rc = check_multipart(mp, body, blen)) != 0)
			goto out;
		for (i = 0; i < mp->nparts; i++) {
			buf_reset(&dec);
			(void)mime_decode_body(mp->part[i].cte,
			    mp->part[i].body, mp->part[i].body_len, &dec);
		}
	}
noheaders:
	/* the whole input as a body in each encoding */
	for (k = 0; k < 3; k++) {
		static const char *const ctes[] = { "quoted-printable",
		    "base64", "7bit" };

		buf_reset(&dec);
		(void)mime_decode_body(ctes[k], s, size, &dec);
		if (dec.data != NULL && dec.len > size)
			BAD("mime_decode_body: output larger than input");
	}
	(void)mime_eol(s, size);
	if (size <= 4096)
		rc = qp_roundtrip(s, size, size & 1 ? "\r\n" : "\n");
out:
	buf_free(&dec);
	free(mp);
	free(line);
	free(s);
	return (rc);
}

/*
 * tail_of - where the bytes rewrite.h promises to keep start, measured
 * from the second part's delimiter line (or the close delimiter when
 * there is one part).  Not from the line break before it: when the
 * first part is empty that line break is the first delimiter's own.
 */
static size_t
tail_of(const struct mime_multipart *mp, const char *body, size_t len)
{
	size_t	 q;

	if (mp->nparts < 2)
		return (mp->closed ? (size_t)(mp->epilogue - body) : len);
	q = (size_t)(mp->part[1].start - body);
	/* back over the delimiter line's own line end, then to its start */
	if (q > 0 && body[q - 1] == '\n')
		q--;
	while (q > 0 && body[q - 1] != '\n')
		q--;
	return (q);
}

/* check_rewritten - rewrite_body's promises for one successful rewrite */
static int
check_rewritten(const char *ctype, const char *body, size_t len,
    const char *nbody, size_t nlen)
{
	struct mime_multipart *a, *b;
	size_t	 ta, tb;
	int	 rc = 0;

	a = malloc(sizeof(*a));
	b = malloc(sizeof(*b));
	if (a == NULL || b == NULL)
		goto out;
	if (mime_split_multipart(ctype, body, len, a) != 0) {
		rc = FUZZ_BAD;
		fuzz_reason = "rewrite: input that does not split was rewritten";
		goto out;
	}
	if (mime_split_multipart(ctype, nbody, nlen, b) != 0) {
		rc = FUZZ_BAD;
		fuzz_reason = "rewrite: output does not split";
		goto out;
	}
	if (strcmp(a->boundary, b->boundary) != 0 || a->nparts != b->nparts ||
	    a->closed != b->closed) {
		rc = FUZZ_BAD;
		fuzz_reason = "rewrite: boundary or part count changed";
		goto out;
	}
	if (a->preamble_len != b->preamble_len || (a->preamble_len > 0 &&
	    memcmp(a->preamble, b->preamble, a->preamble_len) != 0)) {
		rc = FUZZ_BAD;
		fuzz_reason = "rewrite: preamble changed";
		goto out;
	}
	ta = tail_of(a, body, len);
	tb = tail_of(b, nbody, nlen);
	if (len - ta != nlen - tb ||
	    memcmp(body + ta, nbody + tb, len - ta) != 0) {
		rc = FUZZ_BAD;
		fuzz_reason = "rewrite: bytes from the second delimiter on changed";
		goto out;
	}
out:
	free(a);
	free(b);
	return (rc);
}

/* cte_is - the mechanism (first token, any case) of a C-T-E value is m */
static int
cte_is(const char *cte, const char *m)
{
	size_t	 n = strlen(m);

	cte += strspn(cte, " \t");
	return (strlen(cte) >= n && text_casecmp_n(cte, m, n) == 0 &&
	    (cte[n] == '\0' || cte[n] == ' ' || cte[n] == '\t' ||
	    cte[n] == '(' || cte[n] == ';'));
}

/*
 * check_reencoded - rewrite_text re-encoded the body as QP: decoded, the
 * output ends with the decoded input.  Only checked where line ends
 * cannot be normalised on the way (no CR anywhere).
 */
static int
check_reencoded(const char *ctype, const char *cte, const char *ncte,
    const char *body, size_t blen, const char *o, size_t olen)
{
	struct buf din, dout, u;
	char	 cs[64];
	int	 rc = 0;

	if (memchr(body, '\r', blen) != NULL || memchr(o, '\r', olen) != NULL)
		return (0);
	buf_init(&din, FUZZ_OUT_MAX);
	buf_init(&dout, FUZZ_OUT_MAX);
	if (mime_decode_body(cte_is(cte, "base64") ? "base64" :
	    cte_is(cte, "quoted-printable") ? "quoted-printable" : "7bit",
	    body, blen, &din) != 0)
		buf_reset(&din);	/* nothing to compare with */
	else if (mime_param(ctype, "charset", cs, sizeof(cs)) >= 0 &&
	    !charset_is_utf8(cs)) {
		/* another charset: compare with its text as UTF-8 */
		buf_init(&u, FUZZ_OUT_MAX);
		if (charset_to_utf8(cs, din.data ? din.data : "", din.len,
		    &u) < 0)
			buf_reset(&din);
		else {
			buf_reset(&din);
			buf_append(&din, u.data ? u.data : "", u.len);
		}
		buf_free(&u);
	}
	if (din.len > 0 &&
	    memchr(din.data, '\r', din.len) == NULL &&
	    mime_decode_body(ncte != NULL && cte_is(ncte, "base64") ?
	    "base64" : "quoted-printable", o, olen, &dout) == 0 &&
	    (dout.len < din.len || (din.len > 0 && memcmp(dout.data +
	    dout.len - din.len, din.data, din.len) != 0))) {
		rc = FUZZ_BAD;
		fuzz_reason = "rewrite_text: re-encoded text lost the body";
	}
	buf_free(&din);
	buf_free(&dout);
	return (rc);
}

/*
 * fuzz_rewrite - rewrite_body and rewrite_text.  Input: line 1 is the
 * top-level Content-Type, line 2 the Content-Transfer-Encoding, the rest
 * the body.  An odd size selects the UTF-8 hint.
 */
int
fuzz_rewrite(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data, *hint, *nct, *ncte;
	char	*ctype = NULL, *cte = NULL, *body = NULL;
	size_t	 n, next, off, blen, hl;
	struct buf out;
	enum rewrite_status st;
	int	 rc = 0, reenc;

	buf_init(&out, FUZZ_OUT_MAX);
	n = first_line(in, size, &next);
	ctype = dup_str(in, n);
	off = next;
	n = first_line(in + off, size - off, &next);
	cte = dup_str(in + off, n);
	off += next;
	blen = size - off;
	body = dup_exact(data + off, blen);
	if (ctype == NULL || cte == NULL || body == NULL)
		goto out;
	hint = size & 1 ? hint_utf8 : hint_ascii;
	hl = strlen(hint);

	st = rewrite_body(ctype, body, blen, hint, hl, 64 * 1024, &out);
	if (st != REWRITE_OK && out.len != 0)
		BAD("rewrite_body: output left on failure");
	if (st == REWRITE_OK &&
	    (rc = check_rewritten(ctype, body, blen, out.data, out.len)) != 0)
		goto out;

	buf_reset(&out);
	st = rewrite_text(ctype, cte, body, blen, hint, hl, 64 * 1024, &out,
	    &nct, &ncte);
	if (st != REWRITE_OK && (out.len != 0 || nct != NULL || ncte != NULL))
		BAD("rewrite_text: output left on failure");
	if (st == REWRITE_OK && ((nct && !printable_ascii(nct, strlen(nct))) ||
	    (ncte && !printable_ascii(ncte, strlen(ncte)))))
		BAD("rewrite_text: new header value not printable");
	reenc = ncte != NULL || cte_is(cte, "quoted-printable") ||
	    cte_is(cte, "base64");
	/* without re-encoding the body follows the hint unchanged */
	if (st == REWRITE_OK && !reenc && (out.len < blen ||
	    memcmp(out.data + out.len - blen, body, blen) != 0))
		BAD("rewrite_text: body not kept");
	/* re-encoded, the decoded text still ends with the decoded body */
	if (st == REWRITE_OK && reenc &&
	    (rc = check_reencoded(ctype, cte, ncte, body, blen, out.data,
	    out.len)) != 0)
		goto out;
	(void)rewrite_strerror(st);
out:
	buf_free(&out);
	free(ctype);
	free(cte);
	free(body);
	return (rc);
}

/*
 * header_line_in - the exact line (with its line end) starts a line of
 * hdrs.  Kept lines keep their order, so the search goes on from *from,
 * past the last line found; only a line not found there (an added one,
 * a few per message) costs a search from the start.  (Searching from
 * the start for every line made a 240 kB header block take the harness
 * seconds: fuzz_bounce timed out on it, not the library.)
 */
static int
header_line_in(const char *line, size_t n, const char *hdrs, size_t hlen,
    size_t *from)
{
	size_t	 i, start;
	int	 pass;

	for (pass = 0; pass < 2; pass++) {
		start = pass == 0 ? *from : 0;
		for (i = start; i + n <= hlen; i++) {
			if (pass == 1 && i >= *from)
				break;
			if ((i == 0 || hdrs[i - 1] == '\n') &&
			    memcmp(hdrs + i, line, n) == 0) {
				if (pass == 0)
					*from = i + n;
				return (1);
			}
		}
	}
	return (0);
}

/* check_headers - each output header line is kept or added and clean */
static int
check_headers(const char *msg, size_t hlen, const char *o, size_t ohlen)
{
	size_t	 i, e, n, v, from = 0;

	for (i = 0; i < ohlen; i = e) {
		for (e = i; e < ohlen && o[e] != '\n'; e++)
			;
		if (e < ohlen)
			e++;
		n = e - i;
		if (header_line_in(o + i, n, msg, hlen, &from))
			continue;
		/* what bounce_rewrite_message adds, and only that */
		if (!(n > 2 && (text_casecmp_n(o + i, "X-Relayhint-", 12) == 0 ||
		    text_casecmp_n(o + i, "Content-Type:", 13) == 0 ||
		    text_casecmp_n(o + i, "Content-Transfer-Encoding:", 26) == 0 ||
		    text_casecmp_n(o + i, "Content-Language:", 17) == 0 ||
		    text_casecmp_n(o + i, "MIME-Version:", 13) == 0)))
			return (bad("bounce: header line neither kept nor added"));
		/* the value up to its own line end must be printable */
		v = n;
		if (v > 0 && o[i + v - 1] == '\n')
			v--;
		if (v > 0 && o[i + v - 1] == '\r')
			v--;
		if (!printable_ascii(o + i, v))
			return (bad("bounce: added header not printable"));
	}
	return (0);
}

/* fuzz_bounce - bounce_rewrite_message and the promises of bounce.h */
int
fuzz_bounce(const uint8_t *data, size_t size)
{
	static const char *const langs[] = { "en", "zh-TW", "ar" };
	struct bounce_opts opts;
	struct bounce_result res;
	struct buf out;
	const char *ib, *ob;
	char	*s, ict[512], oct[512];
	size_t	 ih, oh;
	int	 got, rc = 0;

	if (fuzz_init() != 0 || (s = dup_exact(data, size)) == NULL)
		return (0);
	memset(&opts, 0, sizeof(opts));
	opts.lang = langs[size % 3];
	opts.hint_flags = (size / 3) % 2 ? HINT_ADMIN_FIRST : 0;
	buf_init(&out, 2 * BOUNCE_DEFAULT_MAX);
	got = bounce_rewrite_message(&fuzz_kb, &opts, s, size, &out, &res);
	if (got == 0 && (out.len != size || (size > 0 &&
	    memcmp(out.data, s, size) != 0)))
		BAD("bounce: returned 0 but the message changed");
	if (got != 1)
		goto out;
	if (mime_split_message(s, size, &ih, &ib) != 0 ||
	    mime_split_message(out.data, out.len, &oh, &ob) != 0)
		BAD("bounce: rewritten output has no header block");
	if ((rc = check_headers(s, ih, out.data, oh)) != 0)
		goto out;
	if (res.v.cause == NULL ||
	    !printable_ascii(res.v.cause, strlen(res.v.cause)))
		BAD("bounce: cause not printable");
	if (mime_header_get(s, ih, "Content-Type", ict, sizeof(ict)) >= 0 &&
	    text_casecmp_n(ict, "multipart/", 10) == 0) {
		if (mime_header_get(out.data, oh, "Content-Type", oct,
		    sizeof(oct)) < 0 || strcmp(ict, oct) != 0)
			BAD("bounce: multipart Content-Type changed");
		rc = check_rewritten(ict, ib, size - (size_t)(ib - s), ob,
		    out.len - (size_t)(ob - out.data));
	}
out:
	buf_free(&out);
	free(s);
	return (rc);
}

/* fuzz_logline - logline_parse */
int
fuzz_logline(const uint8_t *data, size_t size)
{
	struct logline ll;
	char	*s;
	int	 rc = 0;

	if ((s = dup_exact(data, size)) == NULL)
		return (0);
	memset(&ll, 0x5a, sizeof(ll));
	(void)logline_parse(s, size, &ll);
	if (!terminated(ll.time, sizeof(ll.time)) ||
	    !terminated(ll.host, sizeof(ll.host)) ||
	    !terminated(ll.program, sizeof(ll.program)) ||
	    !terminated(ll.queue_id, sizeof(ll.queue_id)) ||
	    !terminated(ll.recipient, sizeof(ll.recipient)) ||
	    !terminated(ll.relay, sizeof(ll.relay)) ||
	    !terminated(ll.relay_ip, sizeof(ll.relay_ip)) ||
	    !terminated(ll.dsn, sizeof(ll.dsn)) ||
	    !terminated(ll.related_id, sizeof(ll.related_id)))
		rc = FUZZ_BAD, fuzz_reason = "logline: field not terminated";
	else if (ll.reason != NULL && !inside(ll.reason, ll.reason_len, s,
	    size))
		rc = FUZZ_BAD, fuzz_reason = "logline: reason outside line";
	free(s);
	return (rc);
}

/* fuzz_pqjson - pqjson_parse */
int
fuzz_pqjson(const uint8_t *data, size_t size)
{
	struct pqjson *pq;
	char	*s;
	int	 i, rc = 0;

	s = dup_exact(data, size);
	pq = malloc(sizeof(*pq));
	if (s == NULL || pq == NULL)
		goto out;
	memset(pq, 0x5a, sizeof(*pq));
	if (pqjson_parse(s, size, pq) != 0)
		goto out;
	if (pq->nrcpt < 0 || pq->nrcpt > PQJSON_MAX_RCPT ||
	    pq->rcpt_dropped < 0)
		BAD("pqjson: nrcpt out of range");
	if (!terminated(pq->queue_name, sizeof(pq->queue_name)) ||
	    !terminated(pq->queue_id, sizeof(pq->queue_id)) ||
	    !terminated(pq->sender, sizeof(pq->sender)))
		BAD("pqjson: field not terminated");
	for (i = 0; i < pq->nrcpt; i++)
		if (!terminated(pq->rcpt[i].address,
		    sizeof(pq->rcpt[i].address)) ||
		    !terminated(pq->rcpt[i].delay_reason,
		    sizeof(pq->rcpt[i].delay_reason)))
			BAD("pqjson: recipient field not terminated");
out:
	free(pq);
	free(s);
	return (rc);
}

/*
 * fuzz_jsonr - jsonr_get with output buffers of several sizes; the
 * oracle: jsonr_get refuses exactly the texts that are not one JSON
 * object (the cursor's own jsonr_skip + jsonr_end walk)
 */
int
fuzz_jsonr(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "a", "access_token",
	    "error_description", "expires_at" };
	static const size_t outlen[] = { 1, 2, 16, 4096 };
	struct jsonr c;
	char	*s, *out;
	size_t	 k, n, i;
	int	 rc, valid, got;

	s = dup_exact(data, size);
	out = malloc(4096);
	if (s == NULL || out == NULL) {
		free(out);
		free(s);
		return (0);
	}
	jsonr_init(&c, s, size, '?');
	jsonr_ws(&c);
	valid = jsonr_peek(&c) == '{' && jsonr_skip(&c, 0) == 0 &&
	    jsonr_end(&c) == 0;
	rc = 0;
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		for (n = 0; n < sizeof(outlen) / sizeof(outlen[0]); n++) {
			memset(out, 0x5a, 4096);
			got = jsonr_get(s, size, keys[k], out, outlen[n]);
			if (got < -1 || got > 1)
				BAD("jsonr: result out of range");
			if ((got >= 0) != valid)
				BAD("jsonr: jsonr_get and the cursor disagree");
			if (!terminated(out, outlen[n]))
				BAD("jsonr: value not terminated");
			if (got <= 0 && out[0] != '\0')
				BAD("jsonr: absent member or bad text with a value");
			for (i = 0; got == 1 && out[i] != '\0'; i++)
				if ((unsigned char)out[i] < 0x20)
					BAD("jsonr: control in a value");
		}
out:
	free(out);
	free(s);
	return (rc);
}

/* fuzz_explain - explain_text on any bytes, then the hint for its verdict */
int
fuzz_explain(const uint8_t *data, size_t size)
{
	struct verdict v;
	struct buf hint;
	const char *used;
	char	*s;
	int	 got, rc = 0;

	if (fuzz_init() != 0 || (s = dup_exact(data, size)) == NULL)
		return (0);
	memset(&v, 0x5a, sizeof(v));
	got = explain_text(&fuzz_kb, s, size, &v);
	if (!terminated(v.status, sizeof(v.status)) ||
	    !terminated(v.server_id, sizeof(v.server_id)) ||
	    !terminated(v.relay, sizeof(v.relay)) ||
	    !terminated(v.queue_id, sizeof(v.queue_id)) ||
	    !terminated(v.recipient, sizeof(v.recipient)) ||
	    !terminated(v.reply, sizeof(v.reply)))
		BAD("explain: verdict field not terminated");
	if (!header_safe(v.reply))
		BAD("explain: CR/LF in reply");
	if (got == 1 && v.cause == NULL)
		BAD("explain: found without a cause");
	(void)form_name(v.form);
	/* a cause without a catalog entry is a catalog gap, not an input bug */
	if (got == 1 && hints_find(&fuzz_kb.hints, "en", v.cause, &used)) {
		buf_init(&hint, 64 * 1024);
		if (hint_render(&fuzz_kb.hints, &v, "en", 0, &hint) < 0)
			rc = FUZZ_BAD, fuzz_reason = "explain: hint_render failed";
		buf_free(&hint);
	}
out:
	free(s);
	return (rc);
}

/* fuzz_rules - rules_load_buf, then use what loaded */
int
fuzz_rules(const uint8_t *data, size_t size)
{
	/* static: a fresh 700 kB allocation per input is most of ASan's time */
	static struct rules rules;
	struct rules *r = &rules;
	char	*s, err[256];
	int	 rc = 0, c;

	if ((s = dup_exact(data, size)) == NULL)
		goto out;
	memset(err, 0x5a, sizeof(err));
	if (rules_load_buf(r, s, size, "fuzz", err, sizeof(err)) != 0) {
		if (!terminated(err, sizeof(err)) || err[0] == '\0')
			BAD("rules: error message missing");
		goto out;
	}
	if (r->ncauses < 0 || r->ncauses > RULES_MAX_CAUSES ||
	    r->nrules < 0 || r->nrules > RULES_MAX_RULES ||
	    r->nsigs < 0 || r->nsigs > RULES_MAX_SIGS)
		BAD("rules: counts out of range");
	(void)rules_provider(r, "smtp.office365.com",
	    "SN4PR0501CA0054.namprd05.prod.outlook.com", "535 5.7.139 x");
	c = rules_match(r, 535, "5.7.139",
	    "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication "
	    "is disabled for the Tenant.");
	if (c < -1 || c >= r->ncauses)
		BAD("rules: match out of range");
	c = rules_match(r, 451, "4.7.500", "451 4.7.500 Server busy");
	if (c < -1 || c >= r->ncauses)
		BAD("rules: match out of range");
	if (r->ncauses > 0)
		(void)rules_cause_index(r, r->causes[0].id);
out:
	free(s);
	return (rc);
}

/* fuzz_hints - hints_load_buf, then render a hint from what loaded */
int
fuzz_hints(const uint8_t *data, size_t size)
{
	struct hints *h;
	struct verdict v;
	struct buf out;
	char	*s, err[256];
	const char *used;
	int	 rc = 0;

	s = dup_exact(data, size);
	h = malloc(sizeof(*h));
	if (s == NULL || h == NULL) {
		free(s);
		free(h);
		return (0);
	}
	hints_init(h);
	buf_init(&out, 64 * 1024);
	memset(err, 0x5a, sizeof(err));
	if (hints_load_buf(h, s, size, "fuzz", err, sizeof(err)) != 0) {
		if (!terminated(err, sizeof(err)) || err[0] == '\0')
			rc = FUZZ_BAD, fuzz_reason = "hints: error message missing";
		goto out;
	}
	if (h->ncat != 1)
		rc = FUZZ_BAD, fuzz_reason = "hints: one load, not one catalog";
	if (rc == 0 && h->cat[0].nentries > 0) {
		verdict_init(&v);
		v.cause = h->cat[0].entries[0].id;
		v.smtp_code = 535;
		text_copy(v.status, sizeof(v.status), "5.7.139", 7);
		text_copy(v.reply, sizeof(v.reply), "535 5.7.139 test", 16);
		(void)hints_find(h, h->cat[0].lang, v.cause, &used);
		(void)hint_render(h, &v, h->cat[0].lang, HINT_DELAYED, &out);
		buf_reset(&out);
		(void)hint_render(h, &v, "en", HINT_ADMIN_FIRST | HINT_NO_USER,
		    &out);
	}
	if (rc == 0) {
		(void)hints_ui(h, h->cat[0].lang, "title");
		(void)hints_match_lang(h, h->cat[0].lang);
	}
out:
	buf_free(&out);
	hints_free(h);
	free(h);
	free(s);
	return (rc);
}

/*
 * Credential shapes planted by fuzz_redact, each holding the marker
 * REDACT_SECRET where the secret goes: AUTH transcripts, key=value,
 * JSON, headers, URLs and map lines.  A shape is kept on a line of its
 * own, so the fuzzed text around it can only widen what is masked, and
 * the secret must be gone whatever surrounds it.
 */
#define REDACT_SECRET	"Zq8Kx3Lm9Pw2Vn7R"
static const char *const redact_shapes[] = {
	"AUTH PLAIN " REDACT_SECRET "==",
	"AUTH LOGIN\n334 VXNlcm5hbWU6\ndXNlcg==\n334 UGFzc3dvcmQ6\n"
	    REDACT_SECRET "=\n535 5.7.3 Authentication unsuccessful",
	" -> AUTH LOGIN\n<-  334 UGFzc3dvcmQ6\n -> " REDACT_SECRET "==\n"
	    "<~* 535 5.7.3 Authentication unsuccessful",
	"AUTH XOAUTH2 " REDACT_SECRET,
	"password=" REDACT_SECRET,
	"Password: " REDACT_SECRET,
	"client_secret=" REDACT_SECRET "&grant_type=client_credentials",
	"refresh_token=" REDACT_SECRET,
	"{\"access_token\" : \"" REDACT_SECRET "\", \"expires_in\": 3599}",
	"'password': '" REDACT_SECRET "'",
	"Authorization: Bearer " REDACT_SECRET,
	"Authorization: Basic " REDACT_SECRET,
	"https://relay:" REDACT_SECRET "@smtp.office365.com/",
	"[smtp.office365.com]:587 relay@contoso.com:" REDACT_SECRET,
	"*.office365.com:relay@contoso.com:" REDACT_SECRET,
	"client_assertion=" REDACT_SECRET,
	"SMTP error from remote mail server after AUTH PLAIN "
	    REDACT_SECRET "==: 535 5.7.3 Authentication unsuccessful",
};
#define REDACT_NSHAPES	(sizeof(redact_shapes) / sizeof(redact_shapes[0]))

/* count_byte - how many c in s */
static size_t
count_byte(const char *s, int c)
{
	size_t	 n = 0;

	while ((s = strchr(s, c)) != NULL)
		n++, s++;
	return (n);
}

/* prefix_has_secret - the fuzzed text before the shape holds the marker */
static int
prefix_has_secret(const char *in, size_t half)
{
	size_t	 m = sizeof(REDACT_SECRET) - 1, i;

	for (i = 0; i + m <= half; i++)
		if (memcmp(in + i, REDACT_SECRET, m) == 0)
			return (1);
	return (0);
}

/*
 * fuzz_redact - redact_text on fuzzed text, and on a planted credential
 * between fuzzed text: the text never grows, no CR or LF appears that
 * was not there, every written byte is an input byte or '*', and the
 * planted secret is gone.  Byte 0 picks the shape; the rest is split in
 * two around it (NULs become spaces: redact_text takes a C string).
 */
int
fuzz_redact(const uint8_t *data, size_t size)
{
	const char *shape;
	char	*in, *s, seen[256];
	size_t	 i, half, slen, n;
	int	 rc = 0;

	if (size == 0)
		return (0);
	shape = redact_shapes[data[0] % REDACT_NSHAPES];
	data++, size--;
	half = size / 2;
	slen = strlen(shape);
	n = size + slen + 2;
	in = malloc(n + 1);
	s = malloc(n + 1);
	if (in == NULL || s == NULL) {
		free(in);
		free(s);
		return (0);
	}
	memcpy(in, data, half);
	in[half] = '\n';
	memcpy(in + half + 1, shape, slen);
	in[half + 1 + slen] = '\n';
	memcpy(in + half + slen + 2, data + half, size - half);
	in[n] = '\0';
	for (i = 0; i < n; i++)
		if (in[i] == '\0')
			in[i] = ' ';
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < n; i++)
		seen[(unsigned char)in[i]] = 1;
	memcpy(s, in, n + 1);
	redact_text(s);
	if (strlen(s) > n)
		BAD("redact: the text grew");
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] != '*' && !seen[(unsigned char)s[i]])
			BAD("redact: wrote a byte that was not in the input");
	if (count_byte(s, '\n') > count_byte(in, '\n') ||
	    count_byte(s, '\r') > count_byte(in, '\r'))
		BAD("redact: a line break appeared");
	/* a fuzzed part may hold the marker itself, not as a credential */
	if (strstr(s, REDACT_SECRET) != NULL && strstr(in + half + 1 + slen,
	    REDACT_SECRET) == NULL && !prefix_has_secret(in, half))
		BAD("redact: the planted secret survived");
out:
	free(in);
	free(s);
	return (rc);
}

/*
 * fuzz_config - config_load_buf over the input, then each line again as
 * an Exim OPTIONS word through config_set; errors and values terminated,
 * no control character in an error, paths absolute or empty
 */
int
fuzz_config(const uint8_t *data, size_t size)
{
	struct config *c;
	char	*s, *t, *line, *eq, *save = NULL, err[256];
	int	 rc = 0;

	s = dup_exact(data, size);
	t = malloc(size + 1);		/* a C string for the OPTIONS pass */
	c = malloc(sizeof(*c));
	if (s == NULL || t == NULL || c == NULL) {
		free(s);
		free(t);
		free(c);
		return (0);
	}
	memcpy(t, data, size);
	t[size] = '\0';
	config_init(c);
	memset(err, 0x5a, sizeof(err));
	if (config_load_buf(c, s, size, "fuzz", err, sizeof(err)) != 0) {
		if (!terminated(err, sizeof(err)) || err[0] == '\0' ||
		    strpbrk(err, "\r\n") != NULL)
			rc = FUZZ_BAD, fuzz_reason = "config: bad error message";
	} else if (!terminated(c->rules_file, sizeof(c->rules_file)) ||
	    !terminated(c->language, sizeof(c->language)) ||
	    (c->rules_file[0] != '\0' && c->rules_file[0] != '/') ||
	    (c->mainlog[0] != '\0' && c->mainlog[0] != '/'))
		rc = FUZZ_BAD, fuzz_reason = "config: value not checked";
	for (line = strtok_r(t, "\n", &save); rc == 0 && line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if ((eq = strchr(line, '=')) == NULL)
			continue;
		memset(err, 0x5a, sizeof(err));
		if (config_set(c, line, (size_t)(eq - line), eq + 1,
		    CONFIG_SRC_ARG, SET_IN_EXIM, err, sizeof(err)) != 0 &&
		    (!terminated(err, sizeof(err)) ||
		    strpbrk(err, "\r") != NULL))
			rc = FUZZ_BAD, fuzz_reason = "config_set: bad error";
	}
	if (rc == 0 && (c->nwarn < 0 || c->nwarn > CONFIG_WARN_MAX))
		rc = FUZZ_BAD, fuzz_reason = "config: warnings out of bounds";
	free(c);
	free(t);
	free(s);
	return (rc);
}

const struct fuzz_target fuzz_targets[] = {
	{ "reply", fuzz_reply },
	{ "dsn", fuzz_dsn },
	{ "mime", fuzz_mime },
	{ "rewrite", fuzz_rewrite },
	{ "bounce", fuzz_bounce },
	{ "logline", fuzz_logline },
	{ "pqjson", fuzz_pqjson },
	{ "jsonr", fuzz_jsonr },
	{ "explain", fuzz_explain },
	{ "rules", fuzz_rules },
	{ "hints", fuzz_hints },
	{ "redact", fuzz_redact },
	{ "config", fuzz_config },
	{ NULL, NULL },
};
