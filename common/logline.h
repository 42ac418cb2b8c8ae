/*
 * logline.h - Postfix and Exim log lines that carry a delivery failure
 */
#ifndef RH_LOGLINE_H
#define RH_LOGLINE_H

#include <stddef.h>

enum logline_mta {
	LOGLINE_NONE = 0,
	LOGLINE_POSTFIX,
	LOGLINE_EXIM
};

enum logline_kind {
	LOGLINE_OTHER = 0,	/* recognised MTA line, no failure in it */
	LOGLINE_DEFERRED,	/* Postfix status=deferred, Exim "==" */
	LOGLINE_BOUNCED,	/* Postfix status=bounced/expired, Exim "**" */
	LOGLINE_AUTH_FAILED,	/* Postfix "SASL authentication failed" warning
				 * without status, Exim "authenticator failed" */
	LOGLINE_SASL_LOCAL,	/* relay-local SASL trouble, no server reply
				 * ("No worthy mechs found" and the like,
				 * "cannot authenticate to server", and the
				 * sasl-xoauth2 plugin's "auth failed" trace) */
	LOGLINE_BOUNCE_NOTICE,	/* Postfix "sender non-delivery notification: ID"
				 * or "sender delay notification: ID" */
	LOGLINE_REMOVED		/* Postfix "QUEUEID: removed", Exim "Completed" */
};

#define LOGLINE_ID_MAX		64
#define LOGLINE_ADDR_MAX	320
#define LOGLINE_HOST_MAX	256
#define LOGLINE_TIME_MAX	40

struct logline {
	enum logline_mta	 mta;
	enum logline_kind	 kind;
	char	 time[LOGLINE_TIME_MAX];	/* as written: "Nov 22 17:12:51",
						 * "2026-11-22T17:26:51.526305+00:00",
						 * "2026-11-22 17:39:19" */
	char	 host[LOGLINE_HOST_MAX];	/* syslog host name, "" for Exim mainlog */
	char	 program[64];			/* "postfix/smtp", "exim" */
	char	 queue_id[LOGLINE_ID_MAX];	/* Postfix queue id or Exim message id */
	char	 recipient[LOGLINE_ADDR_MAX];	/* to=<...> or the Exim address */
	char	 relay[LOGLINE_HOST_MAX];	/* remote host name: "smtp.office365.com",
						 * "127.0.0.1"; no [ip], no port */
	char	 relay_ip[64];			/* the bracketed address, "" when none */
	char	 dsn[16];			/* Postfix dsn=, "" otherwise */
	char	 related_id[LOGLINE_ID_MAX];	/* BOUNCE_NOTICE: the new bounce's queue id */
	long	 pid;			/* the [pid] of the syslog tag, 0 if none */
	int	 xoauth2;		/* SASL_LOCAL from the sasl-xoauth2 plugin */
	const char *reason;			/* points into the input: the text in
						 * the final "(...)" of a Postfix line,
						 * or the error after "H=...: " of an
						 * Exim line; NULL when none */
	size_t	 reason_len;
};

/*
 * logline_parse - recognise one log line (without its newline) in classic
 * syslog (RFC 3164), RFC 5424 / rsyslog high-precision, journald short
 * (-o short, short-iso, short-precise) or Exim mainlog form.  Returns the
 * kind (LOGLINE_OTHER when the line is an MTA line of no interest or not an
 * MTA line at all; mta then tells which).  Never reads past len; every
 * field is bounded and terminated.
 */
enum logline_kind logline_parse(const char *line, size_t len, struct logline *);

#endif
