/*
 * token_write.c - replace a file atomically
 *
 * Functions: token_write, token_write_mode.
 *
 * A temporary file in the same directory, written, owned (when root),
 * chmod'ed, fsync'ed and renamed over the old one, so that a reader (the
 * MTA reading its token, a metrics collector, a user's script) sees the
 * old file or the new one, never a part.  Written for the OAuth tokens,
 * and the one writer of every file the command replaces (migrate's
 * files, --metrics, bounce --output-dir); apart from token.c so that the
 * relayhint command does not need libcurl for it (relayhint-net does).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "token.h"

/* token_write - replace path atomically, mode 0600, owned by uid:gid */
int
token_write(const char *path, const char *data, size_t len, uid_t uid,
    gid_t gid)
{
	return (token_write_mode(path, data, len, 0600, uid, gid));
}

/*
 * token_write_mode - replace path atomically: a temporary file in the same
 * directory, written, owned (when root), chmod, fsync'ed, then renamed
 */
int
token_write_mode(const char *path, const char *data, size_t len,
    mode_t mode, uid_t uid, gid_t gid)
{
	char	 tmp[4200];
	ssize_t	 w;
	size_t	 off = 0;
	int	 fd, e;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path,
	    (long)getpid()) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) < 0)
		return (-1);
	while (off < len) {
		if ((w = write(fd, data + off, len - off)) < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)w;
	}
	if ((geteuid() == 0 && fchown(fd, uid, gid) < 0) ||
	    fchmod(fd, mode & 07777) < 0 || fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	return (0);
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = e;
	return (-1);
}
