/*
 * xheader.h - the X-Relayhint-* header fields, one writer for every output
 *
 * The milter adds them through smfi_addheader, "relayhint bounce
 * --rewrite" and the milter's rewritten message write them into the
 * header block, the Exim object yields them to add_header and to the
 * bounce templates.  All take the names and values from here.
 */
#ifndef RH_XHEADER_H
#define RH_XHEADER_H

#include <stddef.h>

#define XHEADER_MAX		3	/* Cause, Code, Hint */
#define XHEADER_HINT_MAX	700	/* bytes of the summary in a Hint */
#define XHEADER_VALUE_MAX	(XHEADER_HINT_MAX + 4)
#define XHEADER_LINE_MAX	998	/* RFC 5322 2.1.1, CRLF excluded */

struct xheader {
	const char *name;		/* "X-Relayhint-Cause" ... */
	char	 value[XHEADER_VALUE_MAX];	/* no CR, LF, NUL; unfolded */
};

struct xheaders {
	int	 n;
	struct xheader f[XHEADER_MAX];
};

struct verdict;
struct hints;
struct buf;

/*
 * xheader_fields - X-Relayhint-Cause and X-Relayhint-Code ("none" when
 * the verdict has no enhanced status) for v, which has a cause; with h,
 * also X-Relayhint-Hint: the summary in lang, or in "en" when lang's is
 * not ASCII, cut at XHEADER_HINT_MAX bytes (*used: the language taken;
 * "en" when none).  Every value is printable (text_printable).  Returns
 * the number of fields.
 */
int	xheader_fields(struct xheaders *, const struct verdict *v,
	    const struct hints *h, const char *lang, const char **used);

/* xheader_write - each field as pre "Name: value" post, one line each */
void	xheader_write(struct buf *, const struct xheaders *, const char *pre,
	    const char *post);

#endif
