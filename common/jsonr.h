/*
 * jsonr.h - the one JSON reader: a bounded cursor over one JSON text
 *
 * Used for postqueue -j records (pqjson.c), sasl-xoauth2 token files and
 * Entra ID token answers (doctor/, cli/token.c, cli/probe.c).
 */
#ifndef RH_JSONR_H
#define RH_JSONR_H

#include <stddef.h>

/* containers open at once, counted on an explicit stack, never recursed */
#define JSONR_MAX_DEPTH	16

struct jsonr {
	const char *p;		/* next byte */
	const char *e;		/* end of the input: never read */
	char	 ctl;		/* what an escaped control becomes: '?' or ' ' */
};

/* jsonr_init - a cursor over s[0..len); escaped controls become ctl */
void	jsonr_init(struct jsonr *, const char *s, size_t len, int ctl);

/* jsonr_ws - skip white space; jsonr_peek - the next byte, -1 at the end */
void	jsonr_ws(struct jsonr *);
int	jsonr_peek(const struct jsonr *);

/*
 * jsonr_string - the string at the cursor, unescaped into dst (size
 * bytes with the NUL; dst NULL: only checked).  Cut at a whole UTF-8
 * sequence.  0, 1 when cut, -1 on a syntax error.
 */
int	jsonr_string(struct jsonr *, char *dst, size_t size);

/* jsonr_number - a number; *vp its integer part, clamped (vp may be NULL) */
int	jsonr_number(struct jsonr *, long long *vp);

/* jsonr_literal - true, false, null: 0, 1, 2, or -1; *bp 1 for true */
int	jsonr_literal(struct jsonr *, int *bp);

/* jsonr_skip - any value, inside depth open containers; 0 or -1 */
int	jsonr_skip(struct jsonr *, int depth);

/*
 * jsonr_key - white space, "key", ':' and white space; the key into
 * buf (NULL: dropped), "" when it does not fit.  0 or -1.
 */
int	jsonr_key(struct jsonr *, char *buf, size_t size);

/*
 * jsonr_open - white space and the open byte ('{' or '['): 1 when the
 * container is empty (its close consumed too), 0 when a member or
 * element follows, -1 when the open byte is not there.
 */
int	jsonr_open(struct jsonr *, int open);

/*
 * jsonr_next - after a member or element: 1 at ',' (consumed), 0 at the
 * close byte ('}' or ']', consumed), -1 otherwise.
 */
int	jsonr_next(struct jsonr *, int close);

/* jsonr_end - 0 when only white space is left, else -1 */
int	jsonr_end(struct jsonr *);

/*
 * jsonr_get - the first top-level member key of the JSON object s into
 * out: a string unescaped (escaped controls as spaces), a number or
 * literal as written, a container as "".  1 found, 0 absent, -1 when s
 * is not one JSON object (out then "").
 */
int	jsonr_get(const char *s, size_t len, const char *key, char *out,
	    size_t outlen);

#endif
