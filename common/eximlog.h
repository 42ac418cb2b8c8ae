/*
 * eximlog.h - one Exim delivery attempt, classified from its event text
 * and its own lines at the end of Exim's main log
 *
 * The Exim dlfunc object asks this while Exim delivers (its event_action)
 * and when it makes a bounce; see eximlog.c for why the main log.
 */
#ifndef RH_EXIMLOG_H
#define RH_EXIMLOG_H

#include <stddef.h>

#include "explain.h"

#define EXIMLOG_TAIL_DEFAULT	(1024u * 1024)	/* main log bytes read */
#define EXIMLOG_TAIL_MAX		(64u * 1024 * 1024)
#define EXIMLOG_LINE_MAX		8192		/* longer lines: skipped */
#define EXIMLOG_ID_MAX		32

/*
 * How telling a piece of evidence is; higher wins, and among equals the
 * most recent wins.  Exim's "authenticator failed" line carries the real
 * 535 reason, which the 530 5.7.57 that follows under hosts_try_auth
 * only hides.
 */
enum eximlog_tier {
	EXIMLOG_TIER_NONE = 0,
	EXIMLOG_TIER_GENERIC,	/* Exim's "authentication attempt(s) failed" */
	EXIMLOG_TIER_RESULT_UNKNOWN,/* a Microsoft reply no rule knows */
	EXIMLOG_TIER_RESULT,	/* a known reply on a ==, ** line or event */
	EXIMLOG_TIER_AUTH_UNKNOWN,	/* an unknown reply to AUTH */
	EXIMLOG_TIER_AUTH		/* a known reply to AUTH */
};

enum eximlog_src {
	EXIMLOG_SRC_NONE = 0,
	EXIMLOG_SRC_EVENT,		/* $event_data / the caller's text */
	EXIMLOG_SRC_AUTH_LINE,	/* "authenticator failed" main log line */
	EXIMLOG_SRC_RESULT_LINE	/* "==" or "**" main log line */
};

enum eximlog_logstate {
	EXIMLOG_LOG_UNUSED = 0,	/* no main log asked for */
	EXIMLOG_LOG_READ,		/* read */
	EXIMLOG_LOG_NOFILE,		/* not there, or not a regular file */
	EXIMLOG_LOG_ERROR		/* open or read failed (errno in log_errno) */
};

struct eximlog_query {
	const char *id;		/* Exim message id; "" or NULL: none */
	const char *text;	/* $event_data or an error text; may be "" */
	int	 defer_errno;	/* $event_defer_errno; -42 = ERRNO_AUTHFAIL */
	const char *relay;	/* $host; may be "" */
	const char *mainlog;	/* path; NULL or "": syslog-only setup */
	size_t	 tail_max;	/* bytes read from the end; 0: default */
	int	 in_attempt;	/* called during a delivery attempt, whose
				 * own == or ** line is not written yet */
};

struct eximlog_answer {
	struct verdict v;
	enum eximlog_tier tier;
	enum eximlog_src src;
	enum eximlog_logstate log;
	int	 log_errno;
	int	 id_seen;	/* some main log line carries the id */
	int	 generic_auth;	/* Exim's own auth failure text or -42 seen */
	size_t	 bytes_read;
};

/* eximlog_is_msgid - an Exim message id, old (16) or 4.97+ (23) form */
int	eximlog_is_msgid(const char *);

/* eximlog_classify - the best verdict from the text and the main log */
int	eximlog_classify(const struct kb *, const struct eximlog_query *,
	    struct eximlog_answer *);

/* eximlog_generic_auth - Exim's text for a failed AUTH, or errno -42 */
int	eximlog_generic_auth(const char *text, size_t len, int defer_errno);

/* eximlog_src_name - the source=... word of log lines */
const char *eximlog_src_name(enum eximlog_src);

/*
 * eximlog_lookup - the verdict for a message id (its main log lines) or
 * for a text (a reply, a whole log line, a DSN); fallback, when given,
 * is classified as a text when the id alone says nothing.  1 when a cause
 * was found.
 */
int	eximlog_lookup(const struct kb *, const char *mainlog, size_t tail,
	    const char *subject, const char *fallback,
	    struct eximlog_answer *);

/*
 * eximlog_note - for an auth failure whose precise cause the main log
 * could not give: what the administrator should change (our text, for
 * a note="..." log field), or NULL
 */
const char *eximlog_note(const struct eximlog_answer *);

#endif
