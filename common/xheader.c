/*
 * xheader.c - the X-Relayhint-* header fields
 *
 * Functions: xheader_fields, xheader_write.
 *
 * Why one place: the fields were written by the bounce rewriter, the
 * milter and twice by the Exim object, each with its own idea of the
 * hint's language and length.  Downstream filters (Sieve, procmail,
 * a help desk) match on these names and values, so they are made once.
 *
 * Values: the cause id (from the rules), the enhanced status code or
 * "none", and the catalog's one-line summary.  All pass text_printable,
 * so no CR, LF or NUL reaches a header even from an edited catalog.  A
 * field is one line, never folded: filters match the whole line, and the
 * summary is bounded (XHEADER_HINT_MAX) so that a field stays well below
 * RFC 5322's 998-byte limit (a static assertion keeps it so); the
 * 78-column SHOULD gives way to the long summary.
 *
 * Logs nothing.
 */
#include <string.h>

#include "buf.h"
#include "explain.h"
#include "hint.h"
#include "text.h"
#include "xheader.h"

/* add - one field with a printable copy of len bytes of value */
static void
add(struct xheaders *x, const char *name, const char *value, size_t len)
{
	struct xheader *f = &x->f[x->n++];

	f->name = name;
	(void)text_printable(f->value, sizeof(f->value), value, len);
}

/* xheader_fields - the fields for one verdict */
int
xheader_fields(struct xheaders *x, const struct verdict *v,
    const struct hints *h, const char *lang, const char **used)
{
	const struct hint_entry *he;
	const char *u = "en";

	memset(x, 0, sizeof(*x));
	add(x, "X-Relayhint-Cause", v->cause, strlen(v->cause));
	add(x, "X-Relayhint-Code", v->status[0] ? v->status : "none",
	    v->status[0] ? strlen(v->status) : 4);
	if (h != NULL) {
		/* a header value is ASCII: a translation that is not, is en */
		if ((he = hints_find(h, lang, v->cause, &u)) != NULL &&
		    he->summary != NULL && !text_is_ascii(he->summary,
		    strlen(he->summary)))
			he = hints_find(h, "en", v->cause, &u);
		if (he != NULL && he->summary != NULL && he->summary[0] != '\0')
			add(x, "X-Relayhint-Hint", he->summary,
			    strnlen(he->summary, XHEADER_HINT_MAX));
	}
	if (used != NULL)
		*used = u;
	return (x->n);
}

/* a field is one line within RFC 5322's limit: nothing to fold */
_Static_assert(sizeof("X-Relayhint-Cause: ") + XHEADER_VALUE_MAX <
    XHEADER_LINE_MAX, "an X-Relayhint field would need folding");

/* xheader_write - the fields as header lines */
void
xheader_write(struct buf *b, const struct xheaders *x, const char *pre,
    const char *post)
{
	int	 i;

	for (i = 0; i < x->n; i++)
		buf_printf(b, "%s%s: %s%s", pre, x->f[i].name, x->f[i].value,
		    post);
}
