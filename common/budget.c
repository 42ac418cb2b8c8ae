/*
 * budget.c - a CPU bound for classifying one message on the mail path
 *
 * Functions: budget_start, budget_stop, budget_charge, budget_spent.
 *
 * Every search in common/ is linear in its input (the complexity test,
 * tests/unit/test_complexity.c, holds them to it), but a message is
 * searched for many patterns, parsed in several ways, and a future
 * change may bring back a quadratic loop.  The budget caps what one
 * message can cost whatever the code does: the library charges the
 * bytes each search and parser scans, and reads the thread's CPU clock
 * every BUDGET_CLOCK_EVERY bytes charged (CLOCK_THREAD_CPUTIME_ID: a
 * busy machine does not make a cheap message look expensive).  Once
 * spent, budget_charge keeps returning 1: text_casestr_nk then finds
 * nothing and the parsers give up, so the rest of the classification
 * costs next to nothing and the adapter passes the message unchanged.
 *
 * State is thread-local (C11 _Thread_local): the milter runs one
 * message per libmilter thread, the Exim object one per process.
 * Nothing is logged here; the adapters log the message that ran out.
 */
#include <time.h>

#include "budget.h"

#define BUDGET_CLOCK_EVERY	((size_t)256 * 1024)

struct budget {
	int	 running;
	int	 spent;
	size_t	 work_max;
	size_t	 work;			/* bytes charged so far */
	size_t	 next_clock;		/* read the clock at this work */
	struct timespec start;		/* thread CPU time at start */
	unsigned long cpu_ms;
};

static _Thread_local struct budget cur;

/* cpu_now - this thread's CPU time; zero when the clock is missing */
static struct timespec
cpu_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0)
		ts.tv_sec = ts.tv_nsec = 0;
	return (ts);
}

/* elapsed_ms - CPU milliseconds since the budget started */
static unsigned long
elapsed_ms(void)
{
	struct timespec now = cpu_now();
	long	 ms;

	ms = (long)(now.tv_sec - cur.start.tv_sec) * 1000 +
	    (now.tv_nsec - cur.start.tv_nsec) / 1000000;
	return (ms > 0 ? (unsigned long)ms : 0);
}

/* budget_start - this thread's budget: work bytes, cpu_ms of CPU time */
void
budget_start(size_t work, unsigned cpu_ms)
{
	cur.running = 1;
	cur.spent = 0;
	cur.work_max = work;
	cur.work = 0;
	cur.next_clock = BUDGET_CLOCK_EVERY;
	cur.cpu_ms = cpu_ms;
	cur.start = cpu_now();
}

/* budget_stop - end it; 1 when it ran out */
int
budget_stop(size_t *used_work, unsigned long *used_ms)
{
	int	 spent = cur.spent;

	if (used_work != NULL)
		*used_work = cur.work;
	if (used_ms != NULL)
		*used_ms = cur.running ? elapsed_ms() : 0;
	cur.running = cur.spent = 0;
	return (spent);
}

/* budget_charge - n more bytes scanned; 1 when the budget is spent */
int
budget_charge(size_t n)
{
	if (!cur.running)
		return (0);
	if (cur.spent)
		return (1);
	cur.work = n > (size_t)-1 - cur.work ? (size_t)-1 : cur.work + n;
	if (cur.work > cur.work_max)
		return (cur.spent = 1);
	if (cur.work >= cur.next_clock) {
		cur.next_clock = cur.work + BUDGET_CLOCK_EVERY;
		if (elapsed_ms() > cur.cpu_ms)
			return (cur.spent = 1);
	}
	return (0);
}

/* budget_spent - the running budget has run out */
int
budget_spent(void)
{
	return (cur.running && cur.spent);
}
