/*
 * rhexim.h - the Exim adapter's own pieces, free of Exim's headers
 *
 * rhexim_scan.c reads this message's lines back from the end of Exim's
 * main log and picks the most telling reply; rhexim_log.c keeps the
 * cross-process rate-limit state (syslog lines go through common/slog.c).  Only
 * relayhint_exim.c includes local_scan.h.
 */
#ifndef RH_RHEXIM_H
#define RH_RHEXIM_H

#include <stddef.h>
#include <time.h>

#include "explain.h"

#define RHX_TAIL_DEFAULT	(1024u * 1024)	/* main log bytes read */
#define RHX_TAIL_MAX		(64u * 1024 * 1024)
#define RHX_LINE_MAX		8192		/* longer lines: skipped */
#define RHX_ID_MAX		32

/*
 * How telling a piece of evidence is; higher wins, and among equals the
 * most recent wins.  Exim's "authenticator failed" line carries the real
 * 535 reason, which the 530 5.7.57 that follows under hosts_try_auth
 * only hides.
 */
enum rhx_tier {
	RHX_TIER_NONE = 0,
	RHX_TIER_GENERIC,	/* Exim's "authentication attempt(s) failed" */
	RHX_TIER_RESULT_UNKNOWN,/* a Microsoft reply no rule knows */
	RHX_TIER_RESULT,	/* a known reply on a ==, ** line or event */
	RHX_TIER_AUTH_UNKNOWN,	/* an unknown reply to AUTH */
	RHX_TIER_AUTH		/* a known reply to AUTH */
};

enum rhx_src {
	RHX_SRC_NONE = 0,
	RHX_SRC_EVENT,		/* $event_data / the caller's text */
	RHX_SRC_AUTH_LINE,	/* "authenticator failed" main log line */
	RHX_SRC_RESULT_LINE	/* "==" or "**" main log line */
};

enum rhx_logstate {
	RHX_LOG_UNUSED = 0,	/* no main log asked for */
	RHX_LOG_READ,		/* read */
	RHX_LOG_NOFILE,		/* not there, or not a regular file */
	RHX_LOG_ERROR		/* open or read failed (errno in log_errno) */
};

struct rhx_query {
	const char *id;		/* Exim message id; "" or NULL: none */
	const char *text;	/* $event_data or an error text; may be "" */
	int	 defer_errno;	/* $event_defer_errno; -42 = ERRNO_AUTHFAIL */
	const char *relay;	/* $host; may be "" */
	const char *mainlog;	/* path; NULL or "": syslog-only setup */
	size_t	 tail_max;	/* bytes read from the end; 0: default */
	int	 in_attempt;	/* called during a delivery attempt, whose
				 * own == or ** line is not written yet */
};

struct rhx_answer {
	struct verdict v;
	enum rhx_tier tier;
	enum rhx_src src;
	enum rhx_logstate log;
	int	 log_errno;
	int	 id_seen;	/* some main log line carries the id */
	int	 generic_auth;	/* Exim's own auth failure text or -42 seen */
	size_t	 bytes_read;
};

/* rhx_is_msgid - an Exim message id, old (16) or 4.97+ (23) form */
int	rhx_is_msgid(const char *);

/* rhx_classify - the best verdict from the text and the main log */
int	rhx_classify(const struct kb *, const struct rhx_query *,
	    struct rhx_answer *);

/* rhx_generic_auth - Exim's text for a failed AUTH, or errno -42 */
int	rhx_generic_auth(const char *text, size_t len, int defer_errno);

/* rhx_src_name - the source=... word of log lines */
const char *rhx_src_name(enum rhx_src);

/*
 * rhx_rate_ok - may a line for key be logged now?  The state is a small
 * file shared by all Exim processes (root and the Exim user) holding the
 * milter's struct ratelimit, so the policy is the same: one line per key
 * per interval seconds.  *suppressed gets the number of
 * lines held back since the last one that passed.  Any trouble with the
 * state file lets the line pass (a hint too many beats a hint lost).
 */
int	rhx_rate_ok(const char *state_path, const char *key, int interval,
	    time_t now, unsigned long *suppressed, int owner_uid,
	    int owner_gid);

#endif
