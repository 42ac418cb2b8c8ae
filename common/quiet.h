/*
 * quiet.h - quiet windows kept on disk, shared by processes
 *
 * "Say it once per window" for programs that cannot keep the count in
 * memory: Exim runs each delivery in a new process, the milter restarts,
 * and both share the alert spool.  One small file per key in a
 * directory, "relayhint-alert-state 1 FIRST LAST COUNT HELD", rewritten
 * under flock(2).  Used for the webhook alerts (alertspool.c) and the
 * Exim object's syslog rate limit; the milter's in-memory table
 * (ratelimit.c) follows the same policy, quiet_due.
 */
#ifndef RH_QUIET_H
#define RH_QUIET_H

#include <stddef.h>
#include <time.h>

#define QUIET_KEY_MAX	128	/* bytes of a key, also a file name */
#define QUIET_FILES_MAX	1024	/* keys kept in one directory */

struct quiet {
	long long	 first;		/* first sighting; 0: new key */
	long long	 last;		/* the last one let through; 0: none */
	unsigned long	 count;		/* sightings */
	unsigned long	 held;		/* held back since the last one */
};

/*
 * quiet_due - may a sighting at now pass?  Yes for a new key, without a
 * window, once the window since the last one let through has passed,
 * and when the clock stepped back (one line too many beats silence).
 */
int	quiet_due(const struct quiet *, int window, time_t now);

/*
 * quiet_open - DIR/KEY opened (made when new, mode 0660, within
 * QUIET_FILES_MAX; DIR made 02770 when missing) and locked within about
 * 200 ms.  key must be quiet_key_ok.  Symbolic links are not followed.
 * Returns the descriptor (close it to unlock), or -1 with "WHAT DIR:
 * reason" in err (a full directory: "more than N NOUN").
 */
int	quiet_open(const char *what, const char *noun, const char *dir,
	    const char *key, char *err, size_t errlen);

/* quiet_read - the key's counters; all zero when new or damaged */
void	quiet_read(int fd, struct quiet *);

/* quiet_write - the counters back; 0 or -1 (errno set) */
int	quiet_write(int fd, const struct quiet *);

/* quiet_key_ok - 1 when key may name a file: [A-Za-z0-9._@-], no dot first */
int	quiet_key_ok(const char *key);

/*
 * quiet_key_make - a key from any text: bytes outside quiet_key_ok's set
 * become '_', a leading dot too; cut at QUIET_KEY_MAX - 1 bytes
 */
void	quiet_key_make(char *out, size_t outlen, const char *s);

/*
 * quiet_dir - make the store directory when missing (02770); one that
 * root made and owns goes to uid:gid (uid > 0), so that the files root
 * makes in it later are the group's.  0, or -1 (errno set).
 */
int	quiet_dir(const char *dir, int uid, int gid);

/*
 * quiet_check - one sighting of key: count it; 1 when it may pass
 * (*held: sightings held back before it), 0 when held back, -1 when the
 * store could not be used (err set; the caller lets it pass).
 */
int	quiet_check(const char *what, const char *noun, const char *dir,
	    const char *key, int window, time_t now, unsigned long *held,
	    char *err, size_t errlen);

#endif
