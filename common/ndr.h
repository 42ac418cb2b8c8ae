/*
 * ndr.h - Microsoft-generated non-delivery reports
 *
 * Exchange Online, Outlook.com and on-premises Exchange write their own
 * bounce format: a "Delivery has failed" text (and HTML) part, a
 * "Diagnostic information for administrators" block naming the
 * generating server and, per recipient, the remote server and its reply,
 * and often a message/delivery-status part.  ndr_parse finds those
 * fields; bounce.c classifies them.
 */
#ifndef RH_NDR_H
#define RH_NDR_H

#include <stddef.h>

#include "buf.h"
#include "reply.h"

#define NDR_MAX_RCPT	8
#define NDR_TEXT_MAX	(256 * 1024)	/* decoded human-readable text */

enum ndr_kind {
	NDR_NONE = 0,		/* not a Microsoft NDR */
	NDR_EXO,		/* Exchange Online (Microsoft 365 tenant) */
	NDR_OUTLOOKCOM,		/* consumer Outlook.com / Hotmail */
	NDR_ONPREM		/* an on-premises Exchange Server */
};

struct ndr_rcpt {
	char	address[320];		/* "" when the NDR names none */
	char	remote[256];		/* server that refused; "" when none */
	char	status[16];		/* DSN Status, N.N.N only */
	char	reply[REPLY_TEXT_MAX];	/* printable reply text */
	int	delayed;		/* DSN Action: delayed */
};

struct ndr {
	enum ndr_kind kind;
	char	generating[256];	/* "Generating server:" or Reporting-MTA */
	char	orig_msgid[256];	/* <id> of the message that bounced */
	int	has_dsn;		/* a delivery-status part was parsed */
	int	nrcpt;
	int	rcpt_dropped;		/* recipients beyond NDR_MAX_RCPT */
	struct ndr_rcpt rcpt[NDR_MAX_RCPT];
};

/*
 * ndr_parse - recognise a Microsoft NDR from its header block and body
 * and extract its fields.  Returns 1 when the message is a Microsoft NDR
 * (n->kind is then not NDR_NONE), 0 when it is not.
 */
int	ndr_parse(const char *hdrs, size_t hlen, const char *body,
	    size_t blen, struct ndr *n);

/*
 * What a caller that reads the same bounce shares with ndr_parse_split,
 * so that one bounce is split and decoded once for the NDR, DSN and text
 * paths and each of its header block's Content-Type and
 * Content-Transfer-Encoding is read once: the caller reads the
 * Content-Type and splits the body by it (in); ndr reads the
 * Content-Transfer-Encoding of a body that is not multipart and decodes
 * the text/plain part (out).  ndr reads the Content-Type through a wider
 * window than most callers: a value that filled the caller's buffer may
 * be cut short and is not shared, and the split is used only when ndr's
 * value is ctype.
 */
struct mime_multipart;
struct ndr_share {
	const char *hdr_ctype;		/* its Content-Type ("" when absent),
					 * NULL when it may be cut short */
	char	 hdr_cte[32];		/* out: its Content-Transfer-Encoding
					 * as written ("" when absent)... */
	int	 hdr_cte_read;		/* ...when ndr read it */
	const char *ctype;		/* the body was split by this, or NULL */
	int	 split_rc;		/* mime_split_multipart's answer */
	const struct mime_multipart *top;	/* and its parts */
	const char *plain;		/* out: this part body, decoded... */
	size_t	 plain_len;
	char	 plain_cte[32];		/* ...by this encoding */
	int	 plain_rc;		/* ...with this answer */
	struct buf plain_txt;		/* ...into this (the caller's) */
};

/*
 * ndr_parse_split - ndr_parse with what sh shares (NULL: nothing).
 * The caller buf_init()s sh->plain_txt with NDR_TEXT_MAX and frees it.
 */
int	ndr_parse_split(const char *hdrs, size_t hlen, const char *body,
	    size_t blen, struct ndr_share *sh, struct ndr *n);

/*
 * ndr_host_is_cloud - host is in Microsoft's cloud mail service
 * (*.outlook.com, *.office365.com, ...), not an on-premises server
 */
int	ndr_host_is_cloud(const char *host);

/* ndr_kind_name - "exchange-online", "outlook.com", "exchange-onprem", NULL */
const char *ndr_kind_name(enum ndr_kind);

/* ndr_kind_label - the same for people */
const char *ndr_kind_label(enum ndr_kind);

#endif
