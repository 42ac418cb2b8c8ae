/*
 * ratelimit.h - hold back repeats of the same log line (per cause)
 *
 * A stuck queue bounces the same failure for every message in it; the
 * first line in each window is logged, the rest are counted and the count
 * is reported ("suppressed=N") with the next line logged for that key.
 * The table is fixed-size: when full, the key used least recently is
 * dropped (its count is lost, never the memory bound).  Not thread-safe:
 * the caller serializes.
 */
#ifndef RH_RATELIMIT_H
#define RH_RATELIMIT_H

#include <time.h>

#define RATELIMIT_SLOTS		64
#define RATELIMIT_KEY_MAX	64

struct ratelimit_slot {
	char		 key[RATELIMIT_KEY_MAX];	/* "" = free */
	time_t		 start;		/* when the current window opened */
	time_t		 last;		/* last use, for eviction */
	unsigned long	 held;		/* lines held back in this window */
};

struct ratelimit {
	int		 window;	/* seconds; 0 = never hold back */
	struct ratelimit_slot slot[RATELIMIT_SLOTS];
};

/* ratelimit_init - empty table with a window in seconds */
void	ratelimit_init(struct ratelimit *, int window);

/* ratelimit_set_window - change the window, keeping the table (reload) */
void	ratelimit_set_window(struct ratelimit *, int window);

/*
 * ratelimit_check - may a line for key be written at time now?  Returns
 * 1 (write it; *held = lines held back for key since the last one written)
 * or 0 (hold it back; counted).  Keys longer than RATELIMIT_KEY_MAX - 1
 * are compared on their prefix.
 */
int	ratelimit_check(struct ratelimit *, const char *key, time_t now,
	    unsigned long *held);

#endif
