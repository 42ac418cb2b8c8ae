/*
 * buf.h - bounded, growable byte buffer
 *
 * Every buffer has a hard maximum fixed at creation; an append past it
 * fails and sets the overflow flag instead of growing without bound.
 */
#ifndef RH_BUF_H
#define RH_BUF_H

#include <stddef.h>
#include <string.h>

struct buf {
	char	*data;		/* always NUL-terminated when non-NULL */
	size_t	 len;
	size_t	 cap;
	size_t	 max;		/* hard limit on len */
	int	 overflow;	/* an append hit max or malloc failed */
};

void	buf_init(struct buf *, size_t max);
void	buf_free(struct buf *);
void	buf_reset(struct buf *);
int	buf_append_grow(struct buf *, const void *, size_t);
int	buf_puts(struct buf *, const char *);
int	buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* buf_putnum - a decimal integer, as printf's %lld writes it */
int	buf_putnum(struct buf *, long long);

/*
 * buf_append, buf_putc - add n bytes, one byte.  Inline: the JSON writer
 * and the decoders add a few bytes at a time, and while they fit in the
 * storage there is nothing to check but the room (cap never exceeds
 * max + 1, so fitting in cap is within max); buf_append_grow does the rest.
 */
static inline int
buf_append(struct buf *b, const void *p, size_t n)
{
	if (b->cap - b->len > n) {
		if (n > 0)
			memcpy(b->data + b->len, p, n);
		b->len += n;
		b->data[b->len] = '\0';
		return (0);
	}
	return (buf_append_grow(b, p, n));
}

static inline int
buf_putc(struct buf *b, int c)
{
	char	 ch = (char)c;

	if (b->cap - b->len > 1) {
		b->data[b->len++] = ch;
		b->data[b->len] = '\0';
		return (0);
	}
	return (buf_append_grow(b, &ch, 1));
}

/*
 * buf_load_file - append a whole file, at most the buffer's max; -1 with
 * "path: reason" in err when it cannot be opened or read, or is too large
 */
int	buf_load_file(struct buf *, const char *path, char *err, size_t errlen);

/*
 * buf_load_secret - buf_load_file for a file that holds a credential
 * ("password", "client secret", ...: what): -1 with a message naming
 * the mode and the chmod when its group or others may read it
 */
int	buf_load_secret(struct buf *, const char *path, const char *what,
	    char *err, size_t errlen);

#endif
