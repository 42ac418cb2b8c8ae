/*
 * test_budget.c - the CPU budget on the mail path (common/budget.c)
 *
 * What the milter and the Exim object rely on: with the documented
 * default bound a 4 MiB bounce and a real one are classified as
 * without a budget; a message over the bound makes budget_stop say so
 * (the adapters then pass it unchanged), by bytes scanned or by CPU
 * time; without a running budget (the command line tool) nothing is
 * ever refused; the budget belongs to one thread.
 */
#include "testutil.h"

#include <pthread.h>
#include <time.h>

#include "bounce.h"
#include "budget.h"
#include "buf.h"
#include "explain.h"

#include "kbfixture.h"

/* one_case - a null-sender report whose text part is size bytes of 'V' */
static void
one_case(struct buf *b, size_t size)
{
	buf_init(b, size + 4096);
	buf_puts(b, "From: MAILER-DAEMON@relay.example.test\r\nReturn-Path: <>\r\n"
	    "MIME-Version: 1.0\r\nContent-Type: multipart/report; "
	    "report-type=delivery-status; boundary=\"B0\"\r\n\r\n--B0\r\n"
	    "Content-Type: text/plain\r\n\r\n");
	while (size-- > 0)
		buf_putc(b, 'V');
	buf_puts(b, "\r\n--B0\r\nContent-Type: message/delivery-status\r\n\r\n"
	    "Reporting-MTA: dns; relay.example.test\r\n\r\n"
	    "Final-Recipient: rfc822; bob@customer.example\r\nAction: failed\r\n"
	    "Status: 5.7.57\r\nDiagnostic-Code: smtp; 530 5.7.57 Client not "
	    "authenticated to send mail\r\n\r\n--B0--\r\n");
	assert_false(b->overflow);
}

/* rewrite - what the milter runs; returns the cause or "" */
static const char *
rewrite(const char *msg, size_t len, struct bounce_result *res)
{
	struct bounce_opts o;
	struct buf out;

	memset(&o, 0, sizeof(o));
	buf_init(&out, BOUNCE_DEFAULT_MAX + 256 * 1024);
	(void)bounce_rewrite_message(&kb, &o, msg, len, &out, res);
	buf_free(&out);
	return (res->v.cause ? res->v.cause : "");
}

/* test_default_fits - the documented bound lets real mail through */
static void
test_default_fits(void **state)
{
	static struct bounce_result res;
	struct buf b;
	char	*msg, want[128];
	size_t	 len, work;
	unsigned long ms;

	(void)state;
	msg = tu_read("tests/data/postfix/hard-530-5.7.57-no-auth.eml", &len);
	(void)snprintf(want, sizeof(want), "%s", rewrite(msg, len, &res));
	assert_string_not_equal(want, "");
	budget_start(BUDGET_WORK_DEFAULT, BUDGET_CPU_MS_DEFAULT);
	assert_string_equal(rewrite(msg, len, &res), want);
	assert_int_equal(budget_stop(&work, &ms), 0);
	assert_true(work > 0);
	free(msg);

	/* the milter's largest message, the worst shape we know (the CPU
	 * bound is no measure of the code under ASan or valgrind) */
	one_case(&b, BOUNCE_DEFAULT_MAX - 4096);
	budget_start(BUDGET_WORK_DEFAULT, getenv("RH_SANITIZE") != NULL ?
	    600000 : BUDGET_CPU_MS_DEFAULT);
	assert_string_equal(rewrite(b.data, b.len, &res), "m365.auth.not_authenticated");
	assert_int_equal(budget_stop(&work, &ms), 0);
	/* far from the bound: a tenth of it, as budget.h promises */
	if (work > BUDGET_WORK_DEFAULT / 10)
		fail_msg("4 MiB report: %zu bytes scanned, want <= %zu", work,
		    BUDGET_WORK_DEFAULT / 10);
	buf_free(&b);
}

/* test_work_bound - over the bytes-scanned bound: spent, and cheap */
static void
test_work_bound(void **state)
{
	static struct bounce_result res;
	struct buf b;
	size_t	 work;
	unsigned long ms;

	(void)state;
	one_case(&b, 1024 * 1024);
	budget_start(64 * 1024, 60000);
	(void)rewrite(b.data, b.len, &res);
	assert_int_equal(budget_spent(), 1);
	assert_int_equal(budget_stop(&work, &ms), 1);
	assert_true(work > 64 * 1024);
	/* stopped: charging is a no-op again, nothing is refused */
	assert_int_equal(budget_spent(), 0);
	assert_int_equal(budget_charge((size_t)-1), 0);
	assert_string_equal(rewrite(b.data, b.len, &res), "m365.auth.not_authenticated");
	buf_free(&b);
}

/* burn - use ms of this thread's CPU time */
static void
burn(long ms)
{
	struct timespec a, b;

	assert_int_equal(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a), 0);
	do {
		assert_int_equal(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b), 0);
	} while ((b.tv_sec - a.tv_sec) * 1000 +
	    (b.tv_nsec - a.tv_nsec) / 1000000 < ms);
}

/* test_cpu_bound - over the CPU-time bound: spent at the next clock read */
static void
test_cpu_bound(void **state)
{
	(void)state;
	budget_start((size_t)-1, 5);
	assert_int_equal(budget_charge(1024), 0);
	burn(20);
	/* the clock is read every 256 KiB charged */
	assert_int_equal(budget_charge(256 * 1024), 1);
	assert_int_equal(budget_charge(1), 1);
	assert_int_equal(budget_stop(NULL, NULL), 1);
}

/* other_thread - charge a lot in a thread that started no budget */
static void *
other_thread(void *arg)
{
	*(int *)arg = budget_charge((size_t)-1) + budget_spent();
	return (NULL);
}

/* test_per_thread - one thread's spent budget refuses nothing elsewhere */
static void
test_per_thread(void **state)
{
	pthread_t t;
	int	 got = -1;

	(void)state;
	budget_start(10, 60000);
	assert_int_equal(budget_charge(11), 1);
	assert_int_equal(pthread_create(&t, NULL, other_thread, &got), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(got, 0);
	assert_int_equal(budget_stop(NULL, NULL), 1);
}

/* test_no_budget - the command line tool runs without one */
static void
test_no_budget(void **state)
{
	(void)state;
	assert_int_equal(budget_charge((size_t)-1), 0);
	assert_int_equal(budget_charge((size_t)-1), 0);
	assert_int_equal(budget_spent(), 0);
	assert_int_equal(budget_stop(NULL, NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_budget),
		cmocka_unit_test(test_default_fits),
		cmocka_unit_test(test_work_bound),
		cmocka_unit_test(test_cpu_bound),
		cmocka_unit_test(test_per_thread),
	};

	return (cmocka_run_group_tests(tests, kb_setup, kb_teardown));
}
