/*
 * fuzz_ndr.c - libFuzzer harness: ndr_parse (common/ndr.h), then the
 * whole bounce path for what it recognised
 *
 * The input is a whole message.  ndr_parse must stay inside it and hand
 * back fields that are terminated, printable (no CR, LF or control
 * byte: they go into headers and JSON) and within their counts; a
 * recognised NDR must have a kind and, through bounce_classify, never an
 * authentication cause.  bounce_rewrite_message must keep everything
 * from the delivery-status part on byte-identical.  The body is here
 * rather than in fuzz/targets.c so this harness stands alone; it builds
 * as a gcc replay program like the others (fuzz/standalone.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "buf.h"
#include "explain.h"
#include "mime.h"
#include "ndr.h"
#include "targets.h"

#define NDR_FUZZ_MAX	(256 * 1024)

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct kb fkb;

/* field_ok - terminated within its size, no control byte */
static int
field_ok(const char *s, size_t size)
{
	size_t	 i;

	for (i = 0; i < size && s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return (0);
	return (i < size);
}

/* dsn_start - first byte of the top-level delivery-status part, or NULL */
static const char *
dsn_start(const char *hdrs, size_t hlen, const char *body, size_t blen)
{
	static struct mime_multipart mp;
	char	 ctype[1024];
	int	 i;

	if (mime_header_get(hdrs, hlen, "Content-Type", ctype,
	    sizeof(ctype)) < 0 || mime_split_multipart(ctype, body, blen,
	    &mp) < 0)
		return (NULL);
	for (i = 1; i < mp.nparts; i++)
		if (mime_type_is(mp.part[i].ctype, "message/delivery-status"))
			return (mp.part[i].start);
	return (NULL);
}

/* fail - a broken invariant: libFuzzer keeps the input */
static void
fail(const char *why)
{
	fprintf(stderr, "fuzz_ndr: invariant: %s\n", why);
	abort();
}

/* LLVMFuzzerInitialize - load the knowledge base once, not per input */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	 err[512];

	(void)argc;
	(void)argv;
	if (kb_load(&fkb, NULL, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_ndr: kb_load: %s\n", err);
		abort();
	}
	return (0);
}

/* ndr_one - one message; fail() aborts on a broken promise */
static int
ndr_one(const uint8_t *data, size_t size)
{
	const char *msg, *body, *dsn;
	struct ndr *n;
	struct bounce_result *res;
	struct buf out;
	size_t	 hlen, tail;
	int	 i, rc, is;

	if (size > NDR_FUZZ_MAX)
		return (0);
	/* an exact-size copy: ASan sees any read past the input */
	if ((msg = malloc(size ? size : 1)) == NULL)
		return (0);
	memcpy((char *)msg, data, size);
	if (mime_split_message(msg, size, &hlen, &body) != 0) {
		free((char *)msg);
		return (0);
	}
	n = malloc(sizeof(*n));
	res = malloc(sizeof(*res));
	if (n == NULL || res == NULL)
		goto done;
	is = ndr_parse(msg, hlen, body, size - (size_t)(body - msg), n);
	if (is != (n->kind != NDR_NONE))
		fail("return value and kind disagree");
	if (n->nrcpt < 0 || n->nrcpt > NDR_MAX_RCPT || n->rcpt_dropped < 0)
		fail("recipient count out of range");
	if (!field_ok(n->generating, sizeof(n->generating)) ||
	    !field_ok(n->orig_msgid, sizeof(n->orig_msgid)))
		fail("message field not printable or not terminated");
	for (i = 0; i < n->nrcpt; i++)
		if (!field_ok(n->rcpt[i].address, sizeof(n->rcpt[i].address)) ||
		    !field_ok(n->rcpt[i].remote, sizeof(n->rcpt[i].remote)) ||
		    !field_ok(n->rcpt[i].status, sizeof(n->rcpt[i].status)) ||
		    !field_ok(n->rcpt[i].reply, sizeof(n->rcpt[i].reply)))
			fail("recipient field not printable or not terminated");
	if (!is)
		goto done;
	/* a recognised NDR through the classifier and the rewrite */
	rc = bounce_classify(&fkb, msg, hlen, body,
	    size - (size_t)(body - msg), res);
	if (res->v.form != FORM_NDR)
		fail("recognised NDR not classified as one");
	if (rc && (res->v.cause == NULL ||
	    strncmp(res->v.cause, "m365.auth.", 10) == 0))
		fail("authentication cause (or none) for an NDR");
	buf_init(&out, 2 * NDR_FUZZ_MAX + 128 * 1024);
	rc = bounce_rewrite_message(&fkb, NULL, msg, size, &out, res);
	if (rc == 1 && (dsn = dsn_start(msg, hlen, body,
	    size - (size_t)(body - msg))) != NULL) {
		tail = size - (size_t)(dsn - msg);
		if (out.len < tail || memcmp(out.data + out.len - tail, dsn,
		    tail) != 0)
			fail("rewrite changed the delivery-status part");
	}
	if (rc == 0 && (out.len != size || memcmp(out.data, msg, size) != 0))
		fail("message passed, but not unchanged");
	buf_free(&out);
done:
	free(n);
	free(res);
	free((char *)msg);
	return (0);
}

/* LLVMFuzzerTestOneInput - one message, its work linear in its size */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (fuzz_run(ndr_one, data, size) != 0)
		fail(fuzz_why());
	return (0);
}
