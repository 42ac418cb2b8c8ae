/*
 * alert.h - webhook alerts: payloads, signature, scan --follow's watcher
 *
 * An alert is written to a spool directory (common/alertspool.c: one
 * file, renamed into place) on the mail or log path, and posted later by
 * "relayhint alert-drain" (alert_drain.c, libcurl), so that a slow or
 * dead receiver never holds up anything.  This part renders (alert.c)
 * and signs (alert_sign.c, OpenSSL HMAC: relayhint-net only); it lives
 * under cli/ so that librelayhint.a, the milter and the Exim object gain
 * no new library.
 */
#ifndef RH_ALERT_H
#define RH_ALERT_H

#include <stddef.h>
#include <time.h>

#include "alertspool.h"
#include "hint.h"
#include "ratelimit.h"

#define ALERT_BODY_MAX		(256 * 1024)
#define ALERT_SIG_HEX		65	/* 64 hex digits + NUL */

enum alert_format {
	ALERT_JSON = 0,		/* generic JSON object */
	ALERT_TEAMS,		/* Teams Workflows: message + Adaptive Card */
	ALERT_SLACK		/* Slack incoming webhook: text + blocks */
};

struct verdict;
struct hints;
struct buf;

/* alert_format_parse - "json", "teams", "slack"; -1 when unknown */
int	alert_format_parse(const char *);

/* alert_payload - the request body for one format; -1 on overflow */
int	alert_payload(const struct alert *, enum alert_format, struct buf *);

/*
 * alert_sign - hex HMAC-SHA256 over "TIMESTAMP.BODY" with key; the
 * receiver recomputes it from the X-Relayhint-Timestamp header and the
 * raw body.  Returns 0, or -1 when OpenSSL fails.
 */
int	alert_sign(const void *key, size_t keylen, const char *timestamp,
	    const char *body, size_t bodylen, char hex[ALERT_SIG_HEX]);

/* per-cause state for a long-running watcher: first sighting and quiet window */
struct alert_watch {
	const char	*spool;
	int		 max;
	struct ratelimit rl;
	int		 n;
	struct {
		char		 cause[RATELIMIT_KEY_MAX];
		char		 first[40];
		unsigned long	 count;
	} c[RATELIMIT_SLOTS];
	const struct hints *hints;
	const char	*lang;
	const char	*source;
};

/* alert_watch_init - quiet window in seconds (0: alert every sighting) */
void	alert_watch_init(struct alert_watch *, const char *spool, int max,
	    int quiet, const struct hints *, const char *lang,
	    const char *source);

/*
 * alert_watch_note - one sighting of v's cause (at log time "when"); an
 * alert is spooled on the first one and on the first after each quiet
 * window.  Returns 1 when spooled, 0 when held back, -1 on error.
 */
int	alert_watch_note(struct alert_watch *, const struct verdict *,
	    const char *when, time_t now);

#endif
