/*
 * rhexim_log.c - a rate limit shared by all Exim processes
 *
 * Functions: rhx_rate_ok.
 *
 * Why a file for the rate limit: Exim runs every delivery in a new
 * process, so a counter in memory would forget everything between two
 * deliveries.  The state file holds the milter's own table (ratelimit.h,
 * the same policy and key slots), locked with fcntl for the short
 * read-modify-write; a file of the wrong size starts a fresh table.  A
 * lock that cannot be had within ~40 ms, or any other trouble, lets the
 * line through.
 *
 * Logs nothing itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ratelimit.h"
#include "rhexim.h"

#define RHX_RL_TRIES	20

/* rl_lock - a write lock within ~40 ms, or give up */
static int
rl_lock(int fd)
{
	struct flock fl;
	struct timespec ts = {0, 2 * 1000 * 1000};
	int	 i;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	for (i = 0; i < RHX_RL_TRIES; i++) {
		if (fcntl(fd, F_SETLK, &fl) == 0)
			return (0);
		if (errno != EACCES && errno != EAGAIN && errno != EINTR)
			return (-1);
		(void)nanosleep(&ts, NULL);
	}
	return (-1);
}

/* rhx_rate_ok - 1: log it (*suppressed: held back before), 0: hold back */
int
rhx_rate_ok(const char *state_path, const char *key, int interval,
    time_t now, unsigned long *suppressed, int owner_uid, int owner_gid)
{
	struct ratelimit rl;
	struct stat st;
	ssize_t	 got;
	int	 fd, ok;

	*suppressed = 0;
	if (interval <= 0 || state_path == NULL || state_path[0] == '\0')
		return (1);
	if ((fd = open(state_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
	    O_NOCTTY, 0660)) < 0)
		return (1);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || rl_lock(fd) < 0) {
		(void)close(fd);
		return (1);
	}
	/* made by root: hand it to the Exim user, who logs most events */
	if (st.st_size == 0 && geteuid() == 0 && owner_uid > 0 &&
	    st.st_uid == 0)
		if (fchown(fd, (uid_t)owner_uid, (gid_t)owner_gid) != 0) {
			/* best effort: root's events still log, Exim's may not */
		}
	/* the milter's table, kept in the file between Exim's processes */
	got = pread(fd, &rl, sizeof(rl), 0);
	if (got != (ssize_t)sizeof(rl))
		ratelimit_init(&rl, interval);
	else
		ratelimit_set_window(&rl, interval);
	ok = ratelimit_check(&rl, key, now, suppressed);
	if (pwrite(fd, &rl, sizeof(rl), 0) != (ssize_t)sizeof(rl))
		ok = 1;			/* could not count it: let it pass */
	(void)close(fd);		/* drops the lock */
	return (ok);
}
