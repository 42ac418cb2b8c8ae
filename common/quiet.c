/*
 * quiet.c - quiet windows kept on disk, shared by processes
 *
 * Functions: quiet_due, quiet_open, quiet_read, quiet_write,
 * quiet_key_ok, quiet_key_make, quiet_dir, quiet_check.
 *
 * The store is a directory of one-line files, one per key, so that two
 * keys never wait for each other and a damaged file costs one key.  A
 * file is read and rewritten under flock(2) - per open file, so milter
 * threads exclude each other as processes do.  The lock is tried for
 * about 200 ms, never waited for: mail goes on without the count.
 *
 * Several users share a store (the milter's, root and the Exim user in
 * Exim's delivery processes): the directory is made setgid and files
 * group-writable whatever the umask, and O_NOFOLLOW keeps a group
 * member from pointing a writer elsewhere with a symbolic link.
 *
 * Limits: QUIET_FILES_MAX keys per directory (a new key beyond is an
 * error, so its lines pass), lines of QUIET_LINE_MAX bytes.
 *
 * Logs nothing; errors go back in err.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "quiet.h"
#include "text.h"

#define QUIET_LINE_MAX	256
#define LOCK_TRIES	100		/* x 2 ms */

/* quiet_due - the window policy, one for every store */
int
quiet_due(const struct quiet *q, int window, time_t now)
{
	return (q->last == 0 || window <= 0 || (long long)now < q->last ||
	    (long long)now - q->last >= window);
}

/* quiet_key_ok - a key that is a safe file name */
int
quiet_key_ok(const char *key)
{
	size_t	 i;

	if (key == NULL || key[0] == '\0' || key[0] == '.' ||
	    strlen(key) >= QUIET_KEY_MAX)
		return (0);
	for (i = 0; key[i] != '\0'; i++)
		if (!((key[i] >= 'a' && key[i] <= 'z') || (key[i] >= 'A' &&
		    key[i] <= 'Z') || (key[i] >= '0' && key[i] <= '9') ||
		    key[i] == '.' || key[i] == '_' || key[i] == '-' ||
		    key[i] == '@'))
			return (0);
	return (1);
}

/* quiet_key_make - any text as a key: other bytes become '_' */
void
quiet_key_make(char *out, size_t outlen, const char *s)
{
	size_t	 i;
	char	 c;

	if (outlen == 0)
		return;
	if (outlen > QUIET_KEY_MAX)
		outlen = QUIET_KEY_MAX;
	for (i = 0; s[i] != '\0' && i < outlen - 1; i++) {
		c = s[i];
		out[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		    c == '@' ? c : '_';
	}
	out[i] = '\0';
	if (out[0] == '.' || out[0] == '\0')
		out[0] = '_';
	if (i == 0 && outlen > 1)
		out[1] = '\0';
}

/* quiet_dir - the store directory, made for and handed to uid:gid by root */
int
quiet_dir(const char *dir, int uid, int gid)
{
	struct stat st;

	if (mkdir(dir, 0770) == 0)
		(void)chmod(dir, 02770);	/* umask; the group's setgid */
	else if (errno != EEXIST)
		return (-1);
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return (-1);
	/* made by root: its files then get gid through the setgid bit */
	if (st.st_uid == 0 && geteuid() == 0 && uid > 0 &&
	    lchown(dir, (uid_t)uid, (gid_t)gid) < 0)
		return (-1);
	return (0);
}

/* count_files - entries in the directory, bounded */
static int
count_files(const char *path)
{
	DIR	*d;
	struct dirent *de;
	int	 n = 0;

	if ((d = opendir(path)) == NULL)
		return (-1);
	while (n <= QUIET_FILES_MAX && (de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return (n);
}

/* lock - flock within about 200 ms, or give up */
static int
lock(int fd)
{
	struct timespec ts = {0, 2 * 1000 * 1000};
	int	 i;

	for (i = 0; i < LOCK_TRIES; i++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return (0);
		if (errno != EWOULDBLOCK && errno != EINTR)
			return (-1);
		(void)nanosleep(&ts, NULL);
	}
	errno = ETIMEDOUT;
	return (-1);
}

/* quiet_open - DIR/KEY, created when new and within the bound, locked */
int
quiet_open(const char *what, const char *noun, const char *dir,
    const char *key, char *err, size_t errlen)
{
	char	 path[4096 + QUIET_KEY_MAX];
	struct stat st;
	int	 fd, n, flags = O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, key) >=
	    sizeof(path))
		return (text_seterr(err, errlen, "%s path too long", what));
	if ((fd = open(path, flags)) >= 0 || errno != ENOENT)
		goto opened;
	/* a new key: make room for it, or refuse */
	if (mkdir(dir, 0770) == 0)
		(void)chmod(dir, 02770);	/* umask; the group's setgid */
	else if (errno != EEXIST)
		return (text_seterr(err, errlen, "%s %s: %s", what, dir,
		    strerror(errno)));
	if ((n = count_files(dir)) < 0)
		return (text_seterr(err, errlen, "%s %s: %s", what, dir,
		    strerror(errno)));
	if (n >= QUIET_FILES_MAX)
		return (text_seterr(err, errlen, "%s %s: more than %d %s; "
		    "not counting %s", what, dir, QUIET_FILES_MAX, noun, key));
	if ((fd = open(path, flags | O_CREAT, 0660)) >= 0)
		(void)fchmod(fd, 0660);	/* another user updates it too */
opened:
	if (fd < 0)
		return (text_seterr(err, errlen, "%s %s: %s", what, path,
		    strerror(errno)));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return (text_seterr(err, errlen, "%s %s: not a regular file",
		    what, path));
	}
	if (lock(fd) < 0) {
		text_seterr(err, errlen, "%s %s: lock for %s: %s", what, dir,
		    key, strerror(errno));
		close(fd);
		return (-1);
	}
	return (fd);
}

/* quiet_read - the counters; all zero when new or unreadable */
void
quiet_read(int fd, struct quiet *q)
{
	char	 line[QUIET_LINE_MAX];
	ssize_t	 n;

	memset(q, 0, sizeof(*q));
	if ((n = pread(fd, line, sizeof(line) - 1, 0)) <= 0)
		return;
	line[n] = '\0';
	/* a damaged file starts the key afresh: one line too many */
	if (sscanf(line, "relayhint-alert-state 1 %lld %lld %lu %lu",
	    &q->first, &q->last, &q->count, &q->held) != 4 || q->first <= 0)
		memset(q, 0, sizeof(*q));
}

/* quiet_write - the counters back, as one short line */
int
quiet_write(int fd, const struct quiet *q)
{
	char	 line[QUIET_LINE_MAX];
	int	 n;

	n = snprintf(line, sizeof(line), "relayhint-alert-state 1 %lld %lld "
	    "%lu %lu\n", q->first, q->last, q->count, q->held);
	if (n < 0 || (size_t)n >= sizeof(line) || ftruncate(fd, 0) < 0 ||
	    pwrite(fd, line, (size_t)n, 0) != n)
		return (-1);
	return (0);
}

/* quiet_check - count one sighting and decide it */
int
quiet_check(const char *what, const char *noun, const char *dir,
    const char *key, int window, time_t now, unsigned long *held, char *err,
    size_t errlen)
{
	struct quiet q;
	int	 fd, due;

	*held = 0;
	if ((fd = quiet_open(what, noun, dir, key, err, errlen)) < 0)
		return (-1);
	quiet_read(fd, &q);
	if (q.first == 0)
		q.first = (long long)now;
	q.count++;
	if ((due = quiet_due(&q, window, now))) {
		*held = q.held;
		q.last = (long long)now;
		q.held = 0;
	} else
		q.held++;
	if (quiet_write(fd, &q) < 0) {
		text_seterr(err, errlen, "%s %s: state for %s: %s", what, dir,
		    key, strerror(errno));
		due = -1;
	}
	close(fd);			/* drops the lock */
	return (due);
}
