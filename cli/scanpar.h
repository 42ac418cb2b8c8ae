/*
 * scanpar.h - a log file's lines parsed by worker threads, in file order
 */
#ifndef RH_SCANPAR_H
#define RH_SCANPAR_H

#include <signal.h>
#include <stddef.h>

#include "logline.h"

#define SCANPAR_WORKERS_MAX	16
#define SCANPAR_BLOCK		(256 * 1024)	/* block 0 */
#define SCANPAR_HOST		64	/* what a pid slot compares */

/*
 * One line that the caller's filter kept, with the lines before it that
 * the filter let go (none: a record of dropped lines only, at the end of
 * a block).  whole: the caller parses line itself (the filter asked for
 * it, or the worker had no room for records); line is valid until the
 * callback returns.
 */
struct scanpar_rec {
	const char *line;
	size_t	 len;
	unsigned long skipped;
	long	 pid;
	unsigned char kind;		/* enum logline_kind */
	unsigned char mta;		/* enum logline_mta */
	unsigned char xoauth2;
	unsigned char whole;
	unsigned char none;
	char	 host[SCANPAR_HOST];	/* cut to SCANPAR_HOST - 1 */
	char	 queue_id[LOGLINE_ID_MAX];
};

/* in a worker: 0 drop the line, 1 keep a record, 2 keep it whole */
typedef int (*scanpar_want)(const struct logline *, enum logline_kind);
/* in the calling thread, in file order: nonzero stops the read */
typedef int (*scanpar_take)(void *, const struct scanpar_rec *);

/*
 * scanpar_fd - read fd to its end: each line (its first linemax - 1
 * bytes, up to a NUL) parsed by one of workers threads in blocks of
 * block bytes (0: SCANPAR_BLOCK; at least linemax), handed to take in
 * order; a file's offset is left at the end read, as read(2) leaves it.
 * A signal that sets *stop ends the read within a block.  Returns 0, -1
 * when take or *stop stopped it, -2 when out of memory before the first
 * read.
 */
int	scanpar_fd(int fd, int workers, size_t block, size_t linemax,
	    scanpar_want, scanpar_take, void *, volatile sig_atomic_t *stop);

/* scanpar_line_len - the bytes of a line that count (see scanpar.c) */
size_t	scanpar_line_len(const char *p, size_t len, size_t linemax, int nul);

#endif
