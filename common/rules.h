/*
 * rules.h - the cause rule table and the provider signatures
 *
 * File format (conf/relayhint.rules; one statement per line, '#' starts a
 * comment, fields separated by white space, patterns in double quotes):
 *
 *   provider m365 host     SUFFIX     relay host name ends with SUFFIX
 *   provider m365 serverid SUFFIX     bracketed server id host ends with SUFFIX
 *   provider m365 marker   "TEXT"     reply text contains TEXT (a string only
 *                                     Microsoft sends, e.g. "STOREDRV.")
 *   provider m365 localmarker "TEXT"  relay-local failure text contains
 *                                     TEXT (Entra ID's "AADSTS" codes)
 *   provider other host    SUFFIX     a host that sends Exchange's words
 *                                     and is not Microsoft 365's (Azure
 *                                     Communication Services): when named
 *                                     as the relay or anywhere in the
 *                                     text, the wording does not count
 *   provider m365 wording  "TEXT"     reply text contains TEXT (an enhanced
 *                                     code with Exchange's own words); the
 *                                     weakest evidence: a named relay host
 *                                     that is not Microsoft's wins over it
 *   cause ID AREA                     declare a cause (AREA: auth, tls, send,
 *                                     limit, relay, blocked, message, server,
 *                                     mailbox, oauth, sasl, recipient,
 *                                     outlookcom, onprem, ndr, unknown)
 *   rule ID CODE STATUS [host SUFFIX] "TEXT" ...
 *                                     first matching rule wins; CODE is a
 *                                     reply code or '*'; STATUS an enhanced
 *                                     code ("5.7.139", "4.7.500-699") or '*';
 *                                     a 5.x.x rule also matches 4.x.x because
 *                                     Postfix's soft bounce turns 5.x.x into
 *                                     4.x.x (not the other way round); every
 *                                     TEXT must occur
 *                                     in the reply (ASCII case-insensitive).
 *                                     "host SUFFIX" (optional, unquoted):
 *                                     the rule matches only when the server
 *                                     that answered has a name ending with
 *                                     SUFFIX (consumer Outlook.com's MX hosts
 *                                     end with .olc.protection.outlook.com);
 *                                     with it, a rule may leave CODE, STATUS
 *                                     and TEXT open.
 *   local ID "TEXT" ...               a relay-local failure (no server
 *                                     reply: the relay's SASL or OAuth
 *                                     client failed); every TEXT must
 *                                     occur; only rules_match_local
 *                                     tries these.
 *
 * Errors are reported as "file:line: reason".
 */
#ifndef RH_RULES_H
#define RH_RULES_H

#include <stddef.h>

#define RULES_MAX_CAUSES	256
#define RULES_MAX_RULES		1024
#define RULES_MAX_PATTERNS	4
#define RULES_MAX_SIGS		128
#define RULES_ID_MAX		64
#define RULES_PATTERN_MAX	160
#define RULES_HOST_MAX		64

enum provider {
	PROVIDER_NONE = 0,
	PROVIDER_M365
};

enum sig_kind {
	SIG_HOST,
	SIG_SERVERID,
	SIG_MARKER,
	SIG_LOCAL_MARKER,		/* only for relay-local text */
	SIG_WORDING			/* Exchange's words, no host named */
};

struct rule_cause {
	char	id[RULES_ID_MAX];
	char	area[16];
};

struct rule {
	int	cause;				/* index into causes[] */
	int	code;				/* 0 = any */
	char	status[16];			/* "" = any; "x.y.a-b" range */
	int	sclass;				/* 2, 4 or 5 */
	int	subject;			/* -1 = any status */
	int	lo, hi;				/* detail range */
	int	npat;
	char	pat[RULES_MAX_PATTERNS][RULES_PATTERN_MAX];
	size_t	plen[RULES_MAX_PATTERNS];	/* strlen(pat[i]) */
	size_t	panchor[RULES_MAX_PATTERNS];	/* text_anchor(pat[i]) */
	char	host[RULES_HOST_MAX];		/* "" = any server */
	int	line;
	int	local;				/* a "local" statement */
	short	lpat[RULES_MAX_PATTERNS];	/* local: its local_pat[], -1 */
};

/*
 * The distinct patterns of the "local" rules (rules_match_local): each
 * is searched for once per text, and not at all when a shorter one
 * inside it (its parent: "AADSTS" in "AADSTS700082") is absent.
 */
#define RULES_LOCAL_PATS	256
struct rule_lpat {
	short	rule, pat;			/* where its text is */
	short	parent;				/* local_pat[] inside it, -1 */
};

struct rule_sig {
	enum provider	provider;
	enum sig_kind	kind;
	char		text[RULES_PATTERN_MAX];
	size_t		len, anchor;		/* of text, see text_anchor */
};

struct rules {
	int	ncauses;
	struct rule_cause causes[RULES_MAX_CAUSES];
	int	nrules;
	struct rule rules[RULES_MAX_RULES];
	int	nsigs;
	struct rule_sig sigs[RULES_MAX_SIGS];
	int	unknown_cause;			/* index of m365.unknown, -1 if none */
	int	nlocal_pat;
	struct rule_lpat local_pat[RULES_LOCAL_PATS];
};

/*
 * rules_load_buf - parse rule text.  name is used in error messages.
 * Returns 0, or -1 with "name:line: reason" in err.
 */
int	rules_load_buf(struct rules *, const char *text, size_t len,
	    const char *name, char *err, size_t errlen);

/* rules_load_file - the same from a file (bounded to 1 MiB) */
int	rules_load_file(struct rules *, const char *path, char *err,
	    size_t errlen);

/*
 * rules_load_builtin - a copy of the compiled-in table (builtin.h), for
 * a caller that wants its own; kb_load uses the table in place
 */
int	rules_load_builtin(struct rules *, char *err, size_t errlen);

/* rules_other_host - 1 when text names a "provider other host" */
int	rules_other_host(const struct rules *, const char *text, size_t len);

/*
 * rules_provider - decide whose reply this is from the relay host name,
 * the server id and the reply text.
 */
enum provider rules_provider(const struct rules *, const char *host,
	    const char *server_id, const char *text);

/*
 * rules_provider_why - the same, also trying the wording signatures
 * (only when other_host is 0: no relay host is named, or only an
 * address), and saying in *why which kind of signature decided: the
 * strongest that fits (host, server id, marker, wording, in that order).
 */
enum provider rules_provider_why(const struct rules *, const char *host,
	    const char *server_id, const char *text, int other_host,
	    enum sig_kind *why);

/*
 * rules_provider_local - the same for relay-local failure text: the
 * host signatures, the markers and the local markers.
 */
enum provider rules_provider_local(const struct rules *, const char *host,
	    const char *text);

/*
 * rules_match - the cause index of the first rule matching code, status
 * and text, or -1.  The caller has established the provider.  Rules with
 * a host qualifier never match here: no server name is known.
 */
int	rules_match(const struct rules *, int code, const char *status,
	    const char *text);

/*
 * rules_match_host - the same, knowing the name of the server that
 * answered (NULL or "" when unknown; an IP address never ends with a
 * host qualifier's SUFFIX).  Rules without a host qualifier match as in
 * rules_match, so the two agree whenever no host rule fits.
 */
int	rules_match_host(const struct rules *, int code, const char *status,
	    const char *text, const char *host);

/*
 * rules_match_local - the cause index of the first "local" rule whose
 * patterns all occur in text (relay-local SASL/OAuth trouble), or -1.
 */
int	rules_match_local(const struct rules *, const char *text, size_t len);

/* rules_cause_index - index of a cause id, or -1 */
int	rules_cause_index(const struct rules *, const char *id);

#endif
