/*
 * alertspool.h - webhook alerts: the spool and the per-cause quiet window
 *
 * The mail path (milter, Exim object) and "relayhint scan --follow"
 * write an alert as one small file into a spool directory; "relayhint
 * alert-drain" (cli/alert_drain.c, libcurl) posts it later, so a slow or
 * dead receiver never holds up mail.  This part needs neither libcurl
 * nor OpenSSL: it is in librelayhint.a, which the milter and the Exim
 * object link.  Rendering and signing are in cli/alert.c.
 *
 * The quiet window of the adapters is kept on disk (SPOOL/state/CAUSE),
 * one file per cause, updated under flock: the milter restarts, Exim
 * runs a new process per delivery, and both share one spool.
 */
#ifndef RH_ALERTSPOOL_H
#define RH_ALERTSPOOL_H

#include <stddef.h>
#include <time.h>

#include "hint.h"
#include "quiet.h"

#define ALERT_VALUE_MAX		1024	/* one field, printable */
#define ALERT_STEPS		HINT_MAX_STEPS
#define ALERT_CAUSE_MAX		128	/* cause id, also a state file name */
#define ALERT_SPOOL_DEFAULT_MAX	100	/* files kept in the spool */
#define ALERT_SPOOL_SCAN_MAX	10000	/* directory entries looked at */
#define ALERT_STATE_MAX		QUIET_FILES_MAX	/* cause state files */
#define ALERT_FILE_MAX		(64 * 1024)
#define ALERT_ERR_MAX		512

/* one alert, every value printable (no control bytes), no secrets */
struct alert {
	char	 cause[ALERT_CAUSE_MAX];
	char	 area[32];
	int	 smtp_code;
	char	 status[32];
	char	 relay[256];
	char	 server_id[256];
	char	 queue_id[64];
	char	 reply[ALERT_VALUE_MAX];
	char	 first_seen[40];
	char	 last_seen[40];
	unsigned long count;		/* sightings of this cause */
	unsigned long suppressed;	/* sightings held back by the quiet window */
	char	 host[256];		/* this relay's host name */
	char	 source[32];		/* "scan", "milter", "exim", ... */
	char	 lang[16];
	char	 summary[ALERT_VALUE_MAX];
	int	 nsteps;
	char	 step[ALERT_STEPS][ALERT_VALUE_MAX];
};

/* where a writer's notices go (a dropped alert); msg has no line end */
typedef void alert_log_fn(void *ctx, const char *msg);

/* one spool as an adapter uses it */
struct alertspool {
	const char	*dir;		/* NULL or "": alerts off */
	int		 max;		/* alert files kept; <= 0: default */
	int		 quiet;		/* seconds between alerts per cause */
	alert_log_fn	*log;		/* NULL: "relayhint: warning: " stderr */
	void		*logctx;
};

struct verdict;
struct hints;
struct buf;

/* alertspool_fill - an alert from a verdict and the hint for its cause */
void	alertspool_fill(struct alert *, const struct verdict *,
	    const struct hints *, const char *lang, const char *source);

/* alertspool_serialize - the spool file form: "key value" lines */
int	alertspool_serialize(const struct alert *, struct buf *);

/* alertspool_parse - read the spool file form back; -1 when it is not one */
int	alertspool_parse(struct alert *, const char *text, size_t len);

/* alertspool_cause_ok - 1 when a cause id may name a file: [a-z0-9._-] */
int	alertspool_cause_ok(const char *);

/*
 * alertspool_put - write the alert to dir as a new file (temporary name,
 * then rename, group-readable); when the spool then holds more than max
 * files the oldest are removed, each with a line through log.  Returns
 * 0, or -1 with the reason in err.
 */
int	alertspool_put(const char *dir, int max, const struct alert *,
	    alert_log_fn *log, void *logctx, char *err, size_t errlen);

/*
 * alertspool_list - the spool's alert files, oldest first (names
 * malloc'ed into *names, at most ALERT_SPOOL_SCAN_MAX).  Returns the
 * count, or -1.  alertspool_list_free releases them.
 */
int	alertspool_list(const char *dir, char ***names);
void	alertspool_list_free(char **names, int n);

/*
 * alertspool_note - one sighting of v's cause at time now.  Under a lock
 * on SPOOL/state/CAUSE: count it; on the first sighting, and on the
 * first after each quiet window, spool an alert (with the sightings held
 * back since the last one); the quiet window starts only once the alert
 * is in the spool.  Returns 1 when spooled, 0 when held back
 * (or no cause, or alerts off), -1 with the reason in err.  Never blocks
 * for more than about 200 ms on the lock.
 */
int	alertspool_note(const struct alertspool *, const struct verdict *,
	    const struct hints *, const char *lang, const char *source,
	    time_t now, char *err, size_t errlen);

#endif
