/*
 * dsn.h - RFC 3464 message/delivery-status fields
 */
#ifndef RH_DSN_H
#define RH_DSN_H

#include <stddef.h>

#define DSN_MAX_RCPT	32
#define DSN_DIAG_MAX	1024

struct dsn_rcpt {
	char	final_recipient[320];	/* address part, "rfc822;" removed */
	char	action[16];
	char	status[16];
	char	remote_mta[256];	/* "dns;" removed */
	char	diag_type[16];		/* "smtp", "x-unix", ... */
	char	diag[DSN_DIAG_MAX];	/* Diagnostic-Code text, unfolded, printable */
	char	will_retry_until[64];
};

struct dsn {
	char	reporting_mta[256];
	char	queue_id[64];		/* X-Postfix-Queue-ID */
	char	sender[320];		/* X-Postfix-Sender */
	char	arrival_date[64];
	int	nrcpt;
	int	rcpt_dropped;		/* recipient groups beyond DSN_MAX_RCPT */
	struct dsn_rcpt rcpt[DSN_MAX_RCPT];
};

/*
 * dsn_parse - parse the body of a message/delivery-status part: one
 * per-message field group, then per-recipient groups separated by empty
 * lines.  Folded lines are joined.  Returns 0, or -1 when no field was
 * found at all.
 */
int	dsn_parse(const char *body, size_t len, struct dsn *);

#endif
