/*
 * test_logtime.c - logtime_parse, logtime_rfc3339, langtag_from_locale
 *
 * What a dashboard and a report rely on: every stamp a Postfix or Exim
 * log can carry becomes the same absolute time, a December line read in
 * January is last year's, and anything else is "no time", not a guess.
 */
#include <stdlib.h>
#include <time.h>

#include "testutil.h"

#include "langtag.h"
#include "logtime.h"

/* zone-qualified stamps: no dependence on TZ */
static void
test_zoned(void **state)
{
	static const struct {
		const char *in;
		const char *want;
	} t[] = {
		{ "2026-11-22T17:13:10Z", "2026-11-22T17:13:10Z" },
		{ "2026-11-22T17:13:10.123456+00:00", "2026-11-22T17:13:10Z" },
		{ "2026-11-22T18:13:10+01:00", "2026-11-22T17:13:10Z" },
		{ "2026-11-22T12:13:10-05:00", "2026-11-22T17:13:10Z" },
		{ "2026-11-22T17:12:55.127900+0000", "2026-11-22T17:12:55Z" },
		{ "2026-11-22 17:31:13.028 +0000", "2026-11-22T17:31:13Z" },
		{ "2026-11-22 19:31:13 +0200", "2026-11-22T17:31:13Z" },
		{ "2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z" },
		{ "2027-01-01T00:00:00Z", "2027-01-01T00:00:00Z" },
	};
	char	 out[LOGTIME_RFC3339_MAX];
	time_t	 tt;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (logtime_parse(t[i].in, strlen(t[i].in), 0, &tt) != 0)
			fail_msg("%s: not parsed", t[i].in);
		logtime_rfc3339(tt, out, sizeof(out));
		if (strcmp(out, t[i].want) != 0)
			fail_msg("%s: got %s, want %s", t[i].in, out,
			    t[i].want);
	}
	/* the deadline gauge's value */
	assert_int_equal(logtime_parse("2027-01-01T00:00:00Z", 20, 0, &tt), 0);
	assert_int_equal((long)tt, 1798761600L);
}

/* local stamps in the local zone; the classic one gets a year */
static void
test_local(void **state)
{
	char	 out[LOGTIME_RFC3339_MAX];
	time_t	 tt, now;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	/* now: 2026-12-07T11:00:00Z */
	now = 1796641200;
	assert_int_equal(logtime_parse("Nov 22 17:12:49", 15, now, &tt), 0);
	logtime_rfc3339(tt, out, sizeof(out));
	assert_string_equal(out, "2026-11-22T17:12:49Z");
	assert_int_equal(logtime_parse("Dec  7 10:59:59 host", 20, now, &tt),
	    0);
	logtime_rfc3339(tt, out, sizeof(out));
	assert_string_equal(out, "2026-12-07T10:59:59Z");
	/* read on 2027-01-02: December is last year's */
	now = 1798848000;
	assert_int_equal(logtime_parse("Dec 31 23:59:59", 15, now, &tt), 0);
	logtime_rfc3339(tt, out, sizeof(out));
	assert_string_equal(out, "2026-12-31T23:59:59Z");
	assert_int_equal(logtime_parse("Jan  1 00:00:01", 15, now, &tt), 0);
	logtime_rfc3339(tt, out, sizeof(out));
	assert_string_equal(out, "2027-01-01T00:00:01Z");
	/* Exim without log_timezone: local */
	setenv("TZ", "EET-2", 1);	/* POSIX form: no tzdata needed */
	tzset();
	assert_int_equal(logtime_parse("2026-11-22 19:31:13", 19, now, &tt),
	    0);
	logtime_rfc3339(tt, out, sizeof(out));
	assert_string_equal(out, "2026-11-22T17:31:13Z");
	setenv("TZ", "UTC", 1);
	tzset();
}

/* not a time: refused, and never read past len */
static void
test_refused(void **state)
{
	static const char *const bad[] = {
		"", "Foo 22 17:12:49", "Nov 32 17:12:49", "Nov 22 25:12:49",
		"Nov 22 17:12", "2026-13-01 00:00:00", "2026-11-22T17:13:10",
		"2026-11-22X17:13:10Z", "1969-12-31 23:59:59", "AF75D1022F2:",
		"2026-11-2", "Nov  x 17:12:49",
	};
	time_t	 tt;
	size_t	 i;
	char	 cut[8];

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (logtime_parse(bad[i], strlen(bad[i]), 0, &tt) == 0)
			fail_msg("\"%s\" was taken for a time", bad[i]);
	/* a valid stamp cut by len is not a time */
	memcpy(cut, "Nov 22 ", 7);
	cut[7] = '1';
	assert_int_equal(logtime_parse(cut, sizeof(cut), 0, &tt), -1);
}

/*
 * months - the one table both the log line reader (a "Mmm dd" stamp
 * starts a syslog line) and the time parser use: every abbreviation is
 * its month, in any other case or spelling it is none, and each month
 * of a classic stamp lands in the right tm_mon
 */
static void
test_months(void **state)
{
	static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	static const char *const none[] = {
		"jan", "JAN", "Jum", "Ju ", "Mai", "Mac", "Apx", "Aux", "Sap",
		"Oc ", "Nox", "Dez", "Fab", "   ", "Xyz",
	};
	char	 line[32], rfc[LOGTIME_RFC3339_MAX];
	time_t	 tt, now = 1795000000;	/* 2026-11-18 */
	int	 m;
	size_t	 i;

	(void)state;
	for (m = 0; m < 12; m++) {
		assert_int_equal(logtime_month(names + 3 * m), m);
		snprintf(line, sizeof(line), "%.3s 05 10:00:00", names + 3 * m);
		assert_int_equal(logtime_parse(line, strlen(line), now, &tt),
		    0);
		logtime_rfc3339(tt, rfc, sizeof(rfc));
		assert_int_equal((rfc[5] - '0') * 10 + (rfc[6] - '0'), m + 1);
	}
	for (i = 0; i < sizeof(none) / sizeof(none[0]); i++)
		if (logtime_month(none[i]) != -1)
			fail_msg("\"%s\" was taken for a month", none[i]);
}

/*
 * years - a classic stamp has no year: the latest that puts it at most
 * a day after now and has its date (a reader's clock behind the logging
 * host's at New Year; Feb 29)
 */
static void
test_years(void **state)
{
	static const struct {
		const char *now, *line, *want;
	} t[] = {
		/* the common case: earlier this year */
		{ "2026-11-22T17:20:00Z", "Nov 22 17:12:49", "2026-11-22T17:12:49Z" },
		/* a December line read in January */
		{ "2027-01-01T00:00:05Z", "Dec 31 23:59:59", "2026-12-31T23:59:59Z" },
		/* a January line read on December 31, the host ahead */
		{ "2026-12-31T23:59:58Z", "Jan  1 00:00:01", "2027-01-01T00:00:01Z" },
		{ "2026-12-31T20:00:00Z", "Jan  1 06:00:00", "2027-01-01T06:00:00Z" },
		/* but a January line from long ago in December is this year's */
		{ "2026-12-15T00:00:00Z", "Jan  5 10:00:00", "2026-01-05T10:00:00Z" },
		/* up to a day ahead is now's year */
		{ "2026-06-01T12:00:00Z", "Jun  2 11:00:00", "2026-06-02T11:00:00Z" },
		/* more than a day ahead is last year's */
		{ "2026-06-01T12:00:00Z", "Jun  3 12:00:00", "2025-06-03T12:00:00Z" },
		/* Feb 29 is a leap year's */
		{ "2025-04-01T00:00:00Z", "Feb 29 12:00:00", "2024-02-29T12:00:00Z" },
		{ "2028-03-01T00:00:00Z", "Feb 29 12:00:00", "2028-02-29T12:00:00Z" },
	};
	char	 rfc[LOGTIME_RFC3339_MAX];
	time_t	 now, tt;
	size_t	 i;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(logtime_parse(t[i].now, strlen(t[i].now), 0,
		    &now), 0);
		if (logtime_parse(t[i].line, strlen(t[i].line), now, &tt) != 0)
			fail_msg("\"%s\" at %s: no time", t[i].line, t[i].now);
		logtime_rfc3339(tt, rfc, sizeof(rfc));
		if (strcmp(rfc, t[i].want) != 0)
			fail_msg("\"%s\" at %s: %s, want %s", t[i].line,
			    t[i].now, rfc, t[i].want);
	}
	/* a date no month has is no time ("Nov 31" was Dec 1) */
	assert_int_equal(logtime_parse("Nov 31 10:00:00", 15, now, &tt), -1);
}

/* POSIX locale names to catalog tags */
static void
test_langtag(void **state)
{
	static const struct {
		const char *in;
		const char *want;	/* NULL: no preference */
	} t[] = {
		{ "vi_VN.UTF-8", "vi-VN" },
		{ "zh_TW.UTF-8", "zh-TW" },
		{ "zh_CN.GB18030@stroke", "zh-CN" },
		{ "ar_EG.UTF-8", "ar-EG" },
		{ "ro_RO", "ro-RO" },
		{ "zh-Hant", "zh-Hant" },
		{ "en", "en" },
		{ "C", NULL },
		{ "C.UTF-8", NULL },
		{ "POSIX", NULL },
		{ "../../etc/passwd", NULL },
		{ "x", NULL },
		{ "a_very_long_locale_name_indeed", NULL },
	};
	char	 tag[LANGTAG_MAX];
	size_t	 i;
	int	 rc;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		rc = langtag_from_locale(t[i].in, tag, sizeof(tag));
		if (t[i].want == NULL && rc == 0)
			fail_msg("%s: got %s, want none", t[i].in, tag);
		if (t[i].want != NULL && (rc != 0 || strcmp(tag, t[i].want)))
			fail_msg("%s: want %s", t[i].in, t[i].want);
	}
	setenv("LANG", "ro_RO.UTF-8", 1);
	setenv("LC_MESSAGES", "vi_VN.UTF-8", 1);
	setenv("LC_ALL", "", 1);
	assert_int_equal(langtag_from_env(tag, sizeof(tag)), 0);
	assert_string_equal(tag, "vi-VN");
	setenv("LC_ALL", "zh_TW.UTF-8", 1);
	assert_int_equal(langtag_from_env(tag, sizeof(tag)), 0);
	assert_string_equal(tag, "zh-TW");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zoned),
		cmocka_unit_test(test_local),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_months),
		cmocka_unit_test(test_years),
		cmocka_unit_test(test_langtag),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
