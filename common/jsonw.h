/*
 * jsonw.h - writing JSON values into a struct buf
 */
#ifndef RH_JSONW_H
#define RH_JSONW_H

#include <stddef.h>

struct buf;

/*
 * The "schema" member of every JSON output: its version.  Members are
 * only ever added within a version; a renamed or retyped member, or a
 * changed meaning, makes the next one.  conf/schema/ holds one JSON
 * Schema per output.
 */
#define JSONW_SCHEMA	"relayhint/1"

/* jsonw_str - a JSON string (quoted, escaped; invalid UTF-8 becomes U+FFFD) or null */
int	jsonw_str(struct buf *, const char *s);

/* jsonw_strn - the same for a counted string */
int	jsonw_strn(struct buf *, const char *s, size_t len);

/* jsonw_key - "key": */
int	jsonw_key(struct buf *, const char *key);

#endif
