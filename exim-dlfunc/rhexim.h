/*
 * rhexim.h - the Exim adapter's own pieces, free of Exim's headers
 *
 * rhexim_log.c keeps the cross-process rate-limit state.  The main log
 * is read by common/eximlog.c, syslog lines go through common/slog.c.
 * Only relayhint_exim.c includes local_scan.h.
 */
#ifndef RH_RHEXIM_H
#define RH_RHEXIM_H

#include <stddef.h>
#include <time.h>

/*
 * rhx_rate_ok - may a line for key be logged now?  The state is a small
 * file shared by all Exim processes (root and the Exim user) holding the
 * milter's struct ratelimit, so the policy is the same: one line per key
 * per interval seconds.  *suppressed gets the number of
 * lines held back since the last one that passed.  Any trouble with the
 * state file lets the line pass (a hint too many beats a hint lost).
 */
int	rhx_rate_ok(const char *state_path, const char *key, int interval,
	    time_t now, unsigned long *suppressed, int owner_uid,
	    int owner_gid);

#endif
