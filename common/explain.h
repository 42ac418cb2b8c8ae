/*
 * explain.h - the knowledge base and the one-call classifier
 *
 * This is the interface the CLI, the milter and the Exim object use.
 */
#ifndef RH_EXPLAIN_H
#define RH_EXPLAIN_H

#include <stddef.h>

#include "evidence.h"
#include "rules.h"
#include "hint.h"
#include "ndr.h"
#include "reply.h"

/* RH_VERSION: from the file VERSION, by the Makefile (RH_CFLAGS) */
#ifndef RH_VERSION
#define RH_VERSION	"unknown"
#endif

enum form {
	FORM_NONE = 0,
	FORM_REPLY,		/* a bare SMTP reply */
	FORM_POSTFIX_LOG,
	FORM_EXIM_LOG,
	FORM_DSN,		/* a bounce message or a delivery-status part */
	FORM_TEXT_BOUNCE,	/* a bounce without a usable DSN (Exim text) */
	FORM_POSTQUEUE,		/* a postqueue -j record */
	FORM_NDR		/* a Microsoft-generated NDR (ndr.c) */
};

struct kb {
	const struct rules *rules;	/* builtin_rules, or heap */
	struct hints	 hints;		/* builtin_hints_load's, or heap */
	int		 builtin;	/* KB_BUILTIN_*: in place, not freed */
};

#define KB_BUILTIN_RULES	0x01
#define KB_BUILTIN_HINTS	0x02

struct verdict {
	enum form	 form;
	enum provider	 provider;
	const char	*cause;		/* points into kb; NULL when none */
	const char	*area;
	int		 smtp_code;	/* 0 when none */
	char		 status[REPLY_STATUS_MAX];
	char		 server_id[REPLY_SERVERID_MAX];
	char		 relay[256];	/* remote host name, no [ip] or port */
	char		 queue_id[64];	/* queue id of the failed message */
	char		 recipient[320];
	char		 reply[REPLY_TEXT_MAX];	/* printable reply text; for a
						 * relay-local failure the local
						 * text, secrets redacted */
	int		 local;		/* a relay-local failure: a "local"
					 * rule matched (cause may still be
					 * NULL: a named server that is not
					 * Microsoft's) */
	enum ndr_kind	 ndr_kind;	/* FORM_NDR: who wrote the NDR */
	char		 ndr_server[256];	/* FORM_NDR: generating server */
	char		 orig_msgid[256];	/* FORM_NDR: <id> that bounced */
	enum evidence_kind evidence;	/* what says it is Microsoft's */
	const char	*read_at;	/* the span read as the reply, in the
					 * caller's input; NULL when the reply
					 * came from a parsed copy (DSN) */
	size_t		 read_len;
};

/*
 * kb_load - rules from rules_path (NULL: compiled-in) and catalogs from
 * hints_dir (NULL: compiled-in).  Returns 0, or -1 with "file:line:
 * reason" in err.
 */
int	kb_load(struct kb *, const char *rules_path, const char *hints_dir,
	    char *err, size_t errlen);
void	kb_free(struct kb *);

/* verdict_init - zero a verdict */
void	verdict_init(struct verdict *);

/*
 * explain_reply - classify one reply text (any length, possibly folded or
 * multi-line) received from relay host (NULL or "" when unknown).  Text
 * of a relay-local failure (the relay's own SASL or OAuth client failed,
 * no server reply: "No worthy mechs found", "cannot authenticate to
 * server H[ip]: generic failure", a sasl-xoauth2 line) is tried against
 * the "local" rules first; it counts when the server (relay, or the name
 * in the text) is Microsoft's, when the text itself is Microsoft's (Entra
 * ID "AADSTS" codes), or when no server name is known (none, or only an
 * IP address).  A named server that is not Microsoft's gets no cause.
 * Returns 1 when a cause was found, 0 when not.
 */
int	explain_reply(const struct kb *, const char *text, size_t len,
	    const char *relay, struct verdict *);

/*
 * explain_pq - classify a postqueue -j record pqjson_parse has read (what
 * explain_text does with its text, for a caller that parsed it already)
 */
struct pqjson;
int	explain_pq(const struct kb *, const struct pqjson *, struct verdict *);

/*
 * explain_text - classify any one input: a bounce message, a DSN part, a
 * Postfix or Exim log line, a postqueue -j record or a bare reply.  The
 * form is detected.  For a message with several failed recipients the
 * first one with a cause wins.  Returns 1 when a cause was found.
 */
int	explain_text(const struct kb *, const char *text, size_t len,
	    struct verdict *);

/* explain_redact - overwrite token, secret and password values in s */
void	explain_redact(char *s);

/* form_name - "reply", "postfix-log", ... */
const char *form_name(enum form);

#endif
