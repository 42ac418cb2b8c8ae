/*
 * reply.h - SMTP replies: reply code, RFC 3463 enhanced status, server id
 */
#ifndef RH_REPLY_H
#define RH_REPLY_H

#include <stddef.h>

#define REPLY_STATUS_MAX	16	/* "5.7.139" and up to 3.3.3 digits */
#define REPLY_SERVERID_MAX	128
#define REPLY_TEXT_MAX		1024

struct reply {
	int	code;				/* 0 when the text carries none */
	char	status[REPLY_STATUS_MAX];	/* "" when none */
	char	server_id[REPLY_SERVERID_MAX];	/* bracketed Microsoft id, host part only */
	char	text[REPLY_TEXT_MAX];		/* printable, unfolded, code included */
	int	truncated;			/* text was cut at REPLY_TEXT_MAX */
};

/* reply_status_valid - length of a N.NNN.NNN enhanced code at s, or 0 */
size_t	reply_status_valid(const char *s, size_t len);

/*
 * reply_parse - find the first SMTP reply in free text (a bare reply,
 * multi-line "535-" continuation lines, a folded Diagnostic-Code value,
 * or the tail of a log line) and split it.  Returns 1 when a reply code
 * or an enhanced status was found, 0 otherwise; r is filled either way.
 */
int	reply_parse(const char *s, size_t len, struct reply *r);

/*
 * reply_server_id - find a bracketed Microsoft server id in s and copy
 * its host part ("SN4PR0501CA0054.namprd05.prod.outlook.com") to out.
 * Returns 1 when found.
 */
int	reply_server_id(const char *s, size_t len, char *out, size_t outlen);

/* reply_status_class_eq - compare enhanced codes ignoring the class digit (4 vs 5) */
int	reply_status_class_eq(const char *a, const char *b);

#endif
