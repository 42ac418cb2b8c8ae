/*
 * budget.h - a CPU bound for classifying one message on the mail path
 *
 * The milter and the Exim object start a budget before they hand a
 * message to the library and look at it afterwards: when it ran out,
 * the message passes unchanged.  The searches and parsers charge the
 * bytes they scan (budget_charge); once the budget is spent they stop
 * finding anything, so the classification ends quickly and the adapter
 * throws its result away.  Without a started budget (the command line
 * tool, the tests) charging is a no-op.  The budget belongs to the
 * calling thread (the milter classifies in many threads at once).
 */
#ifndef RH_BUDGET_H
#define RH_BUDGET_H

#include <stddef.h>

/*
 * The documented bounds (relayhint-milter(8), relayhint-exim(8)): one
 * message may cost at most BUDGET_WORK_DEFAULT bytes scanned by the
 * library's searches and parsers, and at most BUDGET_CPU_MS_DEFAULT
 * milliseconds of the thread's CPU time, whichever comes first.  A
 * 4 MiB bounce (max_message_size's default) needs well under a tenth
 * of either.
 */
#define BUDGET_WORK_DEFAULT	((size_t)1 << 30)	/* 1 GiB scanned */
#define BUDGET_CPU_MS_DEFAULT	1000			/* 1 s of CPU */

/* budget_start - this thread's budget: work bytes, cpu_ms of CPU time */
void	budget_start(size_t work, unsigned cpu_ms);

/*
 * budget_stop - end it; returns 1 when it ran out (the result must not
 * be used), 0 when the work fitted.  *used_work and *used_ms (either
 * may be NULL) say what it cost, for the log line.
 */
int	budget_stop(size_t *used_work, unsigned long *used_ms);

/*
 * budget_charge - n more bytes scanned; 1 when the budget is spent
 * (now or before), 0 otherwise or when no budget is running.  Cheap: the
 * clock is read once per BUDGET_CLOCK_EVERY bytes charged.
 */
int	budget_charge(size_t n);

/* budget_spent - the running budget has run out */
int	budget_spent(void);

#endif
