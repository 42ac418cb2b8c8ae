/*
 * logtime.h - the time stamps of mail log lines, as seconds and RFC 3339
 */
#ifndef RH_LOGTIME_H
#define RH_LOGTIME_H

#include <stddef.h>
#include <time.h>

#define LOGTIME_RFC3339_MAX	32	/* "2026-11-22T17:12:49+00:00" + NUL */

/*
 * logtime_parse - "Nov 22 17:12:49" (classic syslog, local time, the
 * year derived from now), "2026-11-22 17:31:13" (Exim, local time) or
 * RFC 3339 "2026-11-22T17:13:10[.123][Z|+01:00]"; 0, or -1 if none
 */
int	logtime_parse(const char *s, size_t len, time_t now, time_t *out);

/* logtime_month - 0 to 11 for "Jan" to "Dec" at p (three bytes), else -1 */
int	logtime_month(const char *p);

/* logtime_rfc3339 - t as "2026-11-22T17:12:49Z" (UTC) */
void	logtime_rfc3339(time_t t, char *out, size_t len);

#endif
