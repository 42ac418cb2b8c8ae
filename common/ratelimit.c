/*
 * ratelimit.c - per-key (per-cause) log rate limit in a fixed table
 *
 * Functions: ratelimit_init, ratelimit_set_window, ratelimit_check.
 *
 * Policy: the first line for a key opens a window of ratelimit.window
 * seconds; further lines inside the window are held back and counted; the
 * first line after the window is written with the count and opens a new
 * window.  A clock that steps backwards closes the window (better one
 * line too many than a silent log).  The policy is quiet_due (quiet.c),
 * which the on-disk store of the Exim object and the alert spool use.
 *
 * Limits: RATELIMIT_SLOTS keys; when all are in use the least recently
 * used one is reused, so memory stays fixed whatever the input.  A linear
 * scan is fine at this size and runs once per enriched bounce.
 *
 * Logs nothing.
 */
#include <string.h>

#include "quiet.h"
#include "ratelimit.h"

/* ratelimit_init - empty table */
void
ratelimit_init(struct ratelimit *rl, int window)
{
	memset(rl, 0, sizeof(*rl));
	rl->window = window < 0 ? 0 : window;
}

/* ratelimit_set_window - new window length, counts kept */
void
ratelimit_set_window(struct ratelimit *rl, int window)
{
	rl->window = window < 0 ? 0 : window;
}

/* ratelimit_check - decide for one line */
int
ratelimit_check(struct ratelimit *rl, const char *key, time_t now,
    unsigned long *held)
{
	struct ratelimit_slot *s, *victim = NULL;
	struct quiet w = {0, 0, 0, 0};
	char	 k[RATELIMIT_KEY_MAX];
	int	 i;

	*held = 0;
	if (rl->window <= 0)
		return (1);
	strncpy(k, key ? key : "", sizeof(k) - 1);
	k[sizeof(k) - 1] = '\0';
	for (i = 0; i < RATELIMIT_SLOTS; i++) {
		s = &rl->slot[i];
		if (s->key[0] != '\0' && strcmp(s->key, k) == 0)
			break;
		if (victim == NULL || (victim->key[0] != '\0' &&
		    (s->key[0] == '\0' || s->last < victim->last)))
			victim = s;
	}
	if (i == RATELIMIT_SLOTS) {
		/* new key: take a free slot or the least recently used one */
		s = victim;
		memcpy(s->key, k, sizeof(s->key));
		s->start = s->last = now;
		s->held = 0;
		return (1);
	}
	s->last = now;
	w.last = (long long)s->start;
	if (quiet_due(&w, rl->window, now)) {
		*held = s->held;
		s->held = 0;
		s->start = now;
		return (1);
	}
	s->held++;
	return (0);
}
