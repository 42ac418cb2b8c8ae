/*
 * logtime.c - the time stamps of mail log lines, as seconds and RFC 3339
 *
 * Functions: logtime_parse, logtime_month, logtime_rfc3339.
 *
 * Postfix's classic syslog stamp ("Nov 22 17:12:49") has no year and no
 * zone; Exim writes local time without a zone; RFC 5424 and journald
 * write RFC 3339.  Reports and metrics need one absolute time, so:
 * local stamps are read in the local zone (mktime with tm_isdst = -1,
 * as syslog wrote them), and a classic stamp gets the current year,
 * or the previous one when that would put it more than a day in the
 * future - a December line read in January, the rule logrotate-aware
 * tools such as logwatch apply.  Output is always UTC with "Z".
 *
 * The parser reads at most len bytes and accepts only the three
 * grammars; anything else is "no time", never a guess.
 */
#include <string.h>

#include "logtime.h"

/* num - n decimal digits at s into *v; -1 if not all digits */
static int
num(const char *s, int n, int *v)
{
	int	 i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		*v = *v * 10 + (s[i] - '0');
	}
	return (0);
}

/* days_from_civil - days since 1970-01-01 of a proleptic Gregorian date */
static long
days_from_civil(long y, int m, int d)
{
	long	 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468);
}

/* hms - "hh:mm:ss" at s */
static int
hms(const char *s, struct tm *tm)
{
	if (num(s, 2, &tm->tm_hour) < 0 || s[2] != ':' ||
	    num(s + 3, 2, &tm->tm_min) < 0 || s[5] != ':' ||
	    num(s + 6, 2, &tm->tm_sec) < 0 || tm->tm_hour > 23 ||
	    tm->tm_min > 59 || tm->tm_sec > 60)
		return (-1);
	return (0);
}

/* local_time - a local broken-down time to seconds; -1 if impossible */
static int
local_time(struct tm *tm, time_t *out)
{
	tm->tm_isdst = -1;
	if ((*out = mktime(tm)) == (time_t)-1)
		return (-1);
	return (0);
}

/*
 * logtime_month - the month (0 to 11) whose English abbreviation are
 * the three bytes at p, or -1: one switch on the first letter, as a log
 * reader asks this of every line
 */
int
logtime_month(const char *p)
{
	switch (p[0]) {
	case 'J':
		if (p[1] == 'a' && p[2] == 'n')
			return (0);
		if (p[1] == 'u' && p[2] == 'n')
			return (5);
		return (p[1] == 'u' && p[2] == 'l' ? 6 : -1);
	case 'F':
		return (p[1] == 'e' && p[2] == 'b' ? 1 : -1);
	case 'M':
		if (p[1] != 'a')
			return (-1);
		return (p[2] == 'r' ? 2 : p[2] == 'y' ? 4 : -1);
	case 'A':
		if (p[1] == 'p' && p[2] == 'r')
			return (3);
		return (p[1] == 'u' && p[2] == 'g' ? 7 : -1);
	case 'S':
		return (p[1] == 'e' && p[2] == 'p' ? 8 : -1);
	case 'O':
		return (p[1] == 'c' && p[2] == 't' ? 9 : -1);
	case 'N':
		return (p[1] == 'o' && p[2] == 'v' ? 10 : -1);
	case 'D':
		return (p[1] == 'e' && p[2] == 'c' ? 11 : -1);
	}
	return (-1);
}

/* classic - "Nov 22 17:12:49" or "Nov  2 17:12:49" */
static int
classic(const char *s, size_t len, time_t now, time_t *out)
{
	struct tm tm, nowtm;
	int	 m, y;
	char	 d0;

	if (len < 15 || s[3] != ' ' || s[6] != ' ' ||
	    (m = logtime_month(s)) < 0)
		return (-1);
	memset(&tm, 0, sizeof(tm));
	d0 = s[4] == ' ' ? '0' : s[4];
	if (d0 < '0' || d0 > '3' || s[5] < '0' || s[5] > '9')
		return (-1);
	tm.tm_mday = (d0 - '0') * 10 + (s[5] - '0');
	if (tm.tm_mday < 1 || tm.tm_mday > 31 || hms(s + 7, &tm) < 0)
		return (-1);
	localtime_r(&now, &nowtm);
	/*
	 * The latest year that puts the stamp at most a day after now: a
	 * December line read in January is last year's, a January line
	 * read on December 31 (the logging host's clock or zone ahead of
	 * ours) next year's, and a day the year lacks (Feb 29) another
	 * year's.  Next year is tried only in that one case, as each try is
	 * a mktime.
	 */
	y = nowtm.tm_mon == 11 && m == 0 ? nowtm.tm_year + 1 : nowtm.tm_year;
	for (; y >= nowtm.tm_year - 4; y--) {
		tm.tm_year = y;
		tm.tm_mon = m;
		tm.tm_mday = (d0 - '0') * 10 + (s[5] - '0');
		(void)hms(s + 7, &tm);
		if (local_time(&tm, out) < 0)
			return (-1);
		if (tm.tm_mon == m && *out <= now + 86400)
			return (0);
	}
	return (-1);
}

/* iso - "YYYY-MM-DD hh:mm:ss" (local) or RFC 3339 with T and a zone */
static int
iso(const char *s, size_t len, time_t *out)
{
	struct tm tm;
	int	 y, off = 0, oh, om;
	size_t	 i;

	if (len < 19 || num(s, 4, &y) < 0 || s[4] != '-' ||
	    num(s + 5, 2, &tm.tm_mon) < 0 || s[7] != '-' ||
	    num(s + 8, 2, &tm.tm_mday) < 0 || (s[10] != ' ' && s[10] != 'T'))
		return (-1);
	if (y < 1970 || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || hms(s + 11, &tm) < 0)
		return (-1);
	i = 19;
	if (i < len && s[i] == '.')
		for (i++; i < len && s[i] >= '0' && s[i] <= '9' && i < 40; i++)
			;
	/* Exim's log_timezone writes " +0000"; RFC 3339 "+00:00" or "Z" */
	if (s[10] == ' ' && i + 1 < len && s[i] == ' ' &&
	    (s[i + 1] == '+' || s[i + 1] == '-'))
		i++;
	if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
		off = 0;
	} else if (i + 5 <= len && (s[i] == '+' || s[i] == '-') &&
	    num(s + i + 1, 2, &oh) == 0 && oh < 24 &&
	    ((i + 6 <= len && s[i + 3] == ':' &&
	    num(s + i + 4, 2, &om) == 0) || num(s + i + 3, 2, &om) == 0) &&
	    om < 60) {
		off = (oh * 60 + om) * 60 * (s[i] == '-' ? -1 : 1);
	} else {
		if (s[10] == 'T')
			return (-1);	/* RFC 3339 requires a zone */
		tm.tm_year = y - 1900;
		tm.tm_mon -= 1;
		return (local_time(&tm, out));
	}
	*out = (time_t)(days_from_civil(y, tm.tm_mon, tm.tm_mday) * 86400L +
	    tm.tm_hour * 3600L + tm.tm_min * 60L + tm.tm_sec - off);
	return (0);
}

/* logtime_parse - one of the three stamps at s; 0, or -1 if none */
int
logtime_parse(const char *s, size_t len, time_t now, time_t *out)
{
	if (s == NULL || len == 0)
		return (-1);
	if (s[0] >= '0' && s[0] <= '9')
		return (iso(s, len, out));
	return (classic(s, len, now, out));
}

/* logtime_rfc3339 - t as "2026-11-22T17:12:49Z" (UTC) */
void
logtime_rfc3339(time_t t, char *out, size_t len)
{
	struct tm tm;

	if (len == 0)
		return;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		out[0] = '\0';
}
