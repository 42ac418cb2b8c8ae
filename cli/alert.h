/*
 * alert.h - webhook alerts: payloads, signature, spool
 *
 * An alert is written to a spool directory (one file, renamed into place)
 * on the mail or log path, and posted later by "relayhint alert-drain"
 * (alert_drain.c, libcurl), so that a slow or dead receiver never holds
 * up anything.  This part needs OpenSSL (HMAC) but not libcurl; it lives
 * under cli/ so that librelayhint.a, the milter and the Exim object gain
 * no new library.
 */
#ifndef RH_ALERT_H
#define RH_ALERT_H

#include <stddef.h>
#include <time.h>

#include "hint.h"
#include "ratelimit.h"

#define ALERT_VALUE_MAX		1024	/* one field, printable */
#define ALERT_STEPS		HINT_MAX_STEPS
#define ALERT_SPOOL_DEFAULT_MAX	100	/* files kept in the spool */
#define ALERT_SPOOL_SCAN_MAX	10000	/* directory entries looked at */
#define ALERT_FILE_MAX		(64 * 1024)
#define ALERT_BODY_MAX		(256 * 1024)
#define ALERT_SIG_HEX		65	/* 64 hex digits + NUL */

enum alert_format {
	ALERT_JSON = 0,		/* generic JSON object */
	ALERT_TEAMS,		/* Teams Workflows: message + Adaptive Card */
	ALERT_SLACK		/* Slack incoming webhook: text + blocks */
};

/* one alert, every value printable (no control bytes), no secrets */
struct alert {
	char	 cause[128];
	char	 area[32];
	int	 smtp_code;
	char	 status[32];
	char	 relay[256];
	char	 server_id[256];
	char	 queue_id[64];
	char	 reply[ALERT_VALUE_MAX];
	char	 first_seen[40];
	char	 last_seen[40];
	unsigned long count;		/* queue ids seen with this cause */
	unsigned long suppressed;	/* sightings held back by the quiet window */
	char	 host[256];		/* this relay's host name */
	char	 source[32];		/* "scan", "probe", ... */
	char	 lang[16];
	char	 summary[ALERT_VALUE_MAX];
	int	 nsteps;
	char	 step[ALERT_STEPS][ALERT_VALUE_MAX];
};

struct verdict;
struct hints;
struct buf;

/* alert_fill - an alert from a verdict and the hint for its cause */
void	alert_fill(struct alert *, const struct verdict *,
	    const struct hints *, const char *lang, const char *source);

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

/* alert_serialize - the spool file form: "key value" lines */
int	alert_serialize(const struct alert *, struct buf *);

/* alert_parse - read the spool file form back; -1 when it is not one */
int	alert_parse(struct alert *, const char *text, size_t len);

/*
 * alert_spool_put - write the alert to dir as a new file (temporary name,
 * then rename); when the spool then holds more than max files the oldest
 * are removed, each with a warning on stderr.  Returns 0, or -1 with a
 * warning on stderr.
 */
int	alert_spool_put(const char *dir, int max, const struct alert *);

/*
 * alert_spool_list - the spool's alert files, oldest first (names
 * malloc'ed into *names, at most ALERT_SPOOL_SCAN_MAX).  Returns the count,
 * or -1.  alert_spool_list_free releases them.
 */
int	alert_spool_list(const char *dir, char ***names);
void	alert_spool_list_free(char **names, int n);

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
