/*
 * buf.c - bounded, growable byte buffer
 *
 * Functions: buf_init, buf_free, buf_reset, buf_append_grow, buf_puts,
 * buf_printf, buf_load_file, buf_load_secret (buf_append and buf_putc
 * are inline in buf.h: the common case, room in the storage, needs no
 * call).
 *
 * Limits: a buffer never holds more than the max given to buf_init.
 * Appends that would exceed it, or that fail to allocate, return -1,
 * leave the buffer as it was, and set buf->overflow so that callers can
 * check once at the end instead of after every append.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"

/* buf_init - empty buffer with a hard size limit */
void
buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
	b->overflow = 0;
}

/* buf_free - release storage; the buffer may be reused after buf_init */
void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/* buf_reset - forget the contents, keep the storage */
void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->overflow = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

/* buf_grow - make room for n more bytes plus the terminator */
static int
buf_grow(struct buf *b, size_t n)
{
	size_t	 need, ncap;
	char	*p;

	if (n > b->max || b->len > b->max - n) {
		b->overflow = 1;
		return (-1);
	}
	need = b->len + n + 1;
	if (need <= b->cap)
		return (0);
	ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap = ncap > (size_t)-1 / 2 ? need : ncap * 2;
	if (b->max < (size_t)-1 && ncap > b->max + 1)
		ncap = b->max + 1;
	if ((p = realloc(b->data, ncap)) == NULL) {
		b->overflow = 1;
		return (-1);
	}
	b->data = p;
	b->cap = ncap;
	return (0);
}

/* buf_append_grow - add n bytes, growing the storage (buf_append's slow path) */
int
buf_append_grow(struct buf *b, const void *p, size_t n)
{
	if (buf_grow(b, n) < 0)
		return (-1);
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return (0);
}

/* buf_puts - add a C string */
int
buf_puts(struct buf *b, const char *s)
{
	return (buf_append(b, s, strlen(s)));
}

/*
 * buf_putnum - a decimal integer: a JSON record has several, and
 * printf's machinery cost more than the rest of writing one
 */
int
buf_putnum(struct buf *b, long long v)
{
	char	 d[24];
	size_t	 i = sizeof(d);
	unsigned long long u = v < 0 ? 0 - (unsigned long long)v :
	    (unsigned long long)v;

	do
		d[--i] = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		d[--i] = '-';
	return (buf_append(b, d + i, sizeof(d) - i));
}

/* buf_printf - add formatted text */
int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	 small[256];
	char	*big;
	int	 n, rc;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return (-1);
	if ((size_t)n < sizeof(small))
		return (buf_append(b, small, (size_t)n));
	if ((size_t)n > b->max || (big = malloc((size_t)n + 1)) == NULL) {
		b->overflow = 1;
		return (-1);
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	rc = buf_append(b, big, (size_t)n);
	free(big);
	return (rc);
}

/* load_stream - the rest of f into b; -1 with "path: reason" in err */
static int
load_stream(struct buf *b, FILE *f, const char *path, char *err,
    size_t errlen)
{
	char	 chunk[8192];
	size_t	 n;
	int	 rc = 0;

	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(b, chunk, n) < 0) {
			snprintf(err, errlen, "%s: file too large (limit %zu "
			    "bytes)", path, b->max);
			rc = -1;
			break;
		}
	explicit_bzero(chunk, sizeof(chunk));
	if (rc == 0 && ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		rc = -1;
	}
	fclose(f);
	if (rc == 0 && b->data == NULL)
		rc = buf_append(b, "", 0);
	return (rc);
}

/* buf_load_file - a whole configuration file, bounded by the buffer's max */
int
buf_load_file(struct buf *b, const char *path, char *err, size_t errlen)
{
	FILE	*f;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (-1);
	}
	return (load_stream(b, f, path, err, errlen));
}

/*
 * buf_load_secret - a password, client secret or key file; refused when
 * its group or others may read it, checked on the open file (fstat), so
 * a swap after the check cannot slip a readable file in
 */
int
buf_load_secret(struct buf *b, const char *path, const char *what,
    char *err, size_t errlen)
{
	struct stat st;
	FILE	*f;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (fstat(fileno(f), &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		fclose(f);
		return (-1);
	}
	if (st.st_mode & (S_IRGRP | S_IROTH)) {
		snprintf(err, errlen, "%s: refusing a %s file that %s may read "
		    "(mode %04o): run chmod go-rwx %s", path, what,
		    (st.st_mode & S_IROTH) ? "every local user" :
		    "its group", (unsigned)(st.st_mode & 07777), path);
		fclose(f);
		return (-1);
	}
	return (load_stream(b, f, path, err, errlen));
}
