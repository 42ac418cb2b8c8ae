/*
 * test_ratelimit.c - ratelimit_check: windows, counts, eviction
 */
#include "testutil.h"

#include "ratelimit.h"

/* one key through two windows */
static void
test_window(void **state)
{
	static const struct {
		time_t	 now;
		int	 want;
		unsigned long held;
	} t[] = {
		{ 1000, 1, 0 },		/* first line: written */
		{ 1001, 0, 0 },		/* held */
		{ 1059, 0, 0 },		/* held */
		{ 1060, 1, 2 },		/* window over: written, 2 held */
		{ 1061, 0, 0 },
		{ 1200, 1, 1 },
		{ 500, 1, 0 },		/* clock stepped back: written */
		{ 501, 0, 0 },
	};
	struct ratelimit rl;
	unsigned long held;
	size_t	 i;
	int	 got;

	(void)state;
	ratelimit_init(&rl, 60);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		got = ratelimit_check(&rl, "m365.auth.bad_credentials", t[i].now,
		    &held);
		if (got != t[i].want || held != t[i].held)
			fail_msg("step %zu (t=%ld): got %d held %lu, want %d held "
			    "%lu", i, (long)t[i].now, got, held, t[i].want,
			    t[i].held);
	}
}

/* keys are independent; window 0 writes everything */
static void
test_keys(void **state)
{
	struct ratelimit rl;
	unsigned long held;

	(void)state;
	ratelimit_init(&rl, 300);
	assert_int_equal(ratelimit_check(&rl, "a", 10, &held), 1);
	assert_int_equal(ratelimit_check(&rl, "b", 10, &held), 1);
	assert_int_equal(ratelimit_check(&rl, "a", 11, &held), 0);
	assert_int_equal(ratelimit_check(&rl, "b", 11, &held), 0);
	assert_int_equal(ratelimit_check(&rl, NULL, 11, &held), 1);
	ratelimit_set_window(&rl, 0);
	assert_int_equal(ratelimit_check(&rl, "a", 12, &held), 1);
	assert_int_equal(held, 0);
	ratelimit_set_window(&rl, -5);
	assert_int_equal(rl.window, 0);
	/* back to a window: the held count survived the reload */
	ratelimit_set_window(&rl, 300);
	assert_int_equal(ratelimit_check(&rl, "a", 400, &held), 1);
	assert_int_equal(held, 1);
}

/* a full table drops the least recently used key, never grows */
static void
test_evict(void **state)
{
	struct ratelimit rl;
	unsigned long held;
	char	 key[32];
	int	 i;

	(void)state;
	ratelimit_init(&rl, 1000);
	for (i = 0; i < RATELIMIT_SLOTS; i++) {
		snprintf(key, sizeof(key), "cause.%d", i);
		assert_int_equal(ratelimit_check(&rl, key, 100 + i, &held), 1);
	}
	/* touch cause.0 so cause.1 is now the oldest */
	assert_int_equal(ratelimit_check(&rl, "cause.0", 500, &held), 0);
	assert_int_equal(ratelimit_check(&rl, "new", 501, &held), 1);
	/* cause.1 was evicted: it is new again, cause.0 is still held */
	assert_int_equal(ratelimit_check(&rl, "cause.0", 502, &held), 0);
	assert_int_equal(ratelimit_check(&rl, "cause.1", 503, &held), 1);
	/* long keys compare on their prefix and do not overflow */
	{
		char	 longkey[200];

		memset(longkey, 'k', sizeof(longkey) - 1);
		longkey[sizeof(longkey) - 1] = '\0';
		assert_int_equal(ratelimit_check(&rl, longkey, 600, &held), 1);
		longkey[150] = 'z';
		assert_int_equal(ratelimit_check(&rl, longkey, 601, &held), 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_evict),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
