/*
 * test_quiet.c - quiet windows on disk (common/quiet.c)
 *
 * What the Exim object's syslog rate limit and the alert spool rely on:
 * the first sighting passes, repeats inside the window are held and
 * counted, the first after it passes with the count; a clock stepping
 * back lets a line through; any text becomes a safe file name; a
 * symbolic link where a state file goes is refused, not followed.
 */
#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "quiet.h"

/* policy - quiet_due row by row */
static void
test_policy(void **state)
{
	static const struct {
		long long last;
		int	 window;
		long	 now;
		int	 want;
	} t[] = {
		{ 0, 300, 1000, 1 },		/* new key */
		{ 1000, 300, 1299, 0 },		/* inside */
		{ 1000, 300, 1300, 1 },		/* the window has passed */
		{ 1000, 300, 999, 1 },		/* the clock stepped back */
		{ 1000, 0, 1001, 1 },		/* no window */
	};
	struct quiet q;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&q, 0, sizeof(q));
		q.last = t[i].last;
		if (quiet_due(&q, t[i].window, (time_t)t[i].now) != t[i].want)
			fail_msg("row %zu: got %d, want %d", i, !t[i].want,
			    t[i].want);
	}
}

/* check - pass, hold, hold, pass with held=2, kept across opens */
static void
test_check(void **state)
{
	char	 dir[] = "/tmp/rh-quiet.XXXXXX", sub[64], err[256], path[256];
	char	 key[QUIET_KEY_MAX];
	unsigned long held = 99;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/q", dir);
	quiet_key_make(key, sizeof(key), "smtp.office365.com|m365.auth.x");
	assert_string_equal(key, "smtp.office365.com_m365.auth.x");
	assert_true(quiet_key_ok(key));
	assert_int_equal(quiet_check("t", "keys", sub, key, 300, 1000, &held,
	    err, sizeof(err)), 1);
	assert_int_equal(held, 0);
	assert_int_equal(quiet_check("t", "keys", sub, key, 300, 1100, &held,
	    err, sizeof(err)), 0);
	assert_int_equal(quiet_check("t", "keys", sub, key, 300, 1200, &held,
	    err, sizeof(err)), 0);
	assert_int_equal(quiet_check("t", "keys", sub, key, 300, 1300, &held,
	    err, sizeof(err)), 1);
	assert_int_equal(held, 2);
	/* the directory is the group's: setgid, group-writable */
	assert_int_equal(stat(sub, &st), 0);
	assert_true(S_ISDIR(st.st_mode) && (st.st_mode & 02070) == 02070);
	/* a symbolic link where a state file goes is refused */
	snprintf(path, sizeof(path), "%s/evil", sub);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_int_equal(quiet_check("t", "keys", sub, "evil", 300, 1000,
	    &held, err, sizeof(err)), -1);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", sub, key);
	unlink(path);
	rmdir(sub);
	rmdir(dir);
}

/* keys - any text becomes a file name, never a path or a dot file */
static void
test_keys(void **state)
{
	char	 k[QUIET_KEY_MAX], longer[400];

	(void)state;
	quiet_key_make(k, sizeof(k), "../../etc/passwd");
	assert_string_equal(k, "_._.._etc_passwd");
	assert_true(quiet_key_ok(k));
	quiet_key_make(k, sizeof(k), "");
	assert_string_equal(k, "_");
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	quiet_key_make(k, sizeof(k), longer);
	assert_int_equal(strlen(k), QUIET_KEY_MAX - 1);
	assert_false(quiet_key_ok(".hidden"));
	assert_false(quiet_key_ok("a/b"));
	assert_false(quiet_key_ok(longer));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_keys),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
