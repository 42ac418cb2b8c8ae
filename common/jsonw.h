/*
 * jsonw.h - writing JSON values into a struct buf
 */
#ifndef RH_JSONW_H
#define RH_JSONW_H

#include <stddef.h>

struct buf;

/* jsonw_str - a JSON string (quoted, escaped; invalid UTF-8 becomes U+FFFD) or null */
int	jsonw_str(struct buf *, const char *s);

/* jsonw_strn - the same for a counted string */
int	jsonw_strn(struct buf *, const char *s, size_t len);

/* jsonw_key - "key": */
int	jsonw_key(struct buf *, const char *key);

#endif
