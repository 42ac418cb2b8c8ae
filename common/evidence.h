/*
 * evidence.h - find the SMTP reply inside any text, and say how sure
 */
#ifndef RH_EVIDENCE_H
#define RH_EVIDENCE_H

#include <stddef.h>

#include "reply.h"

/* what says a reply is Microsoft's, strongest first */
enum evidence_kind {
	EVIDENCE_NONE = 0,
	EVIDENCE_HOST,		/* the relay host name */
	EVIDENCE_SERVER_ID,	/* the bracketed server id */
	EVIDENCE_MARKER,	/* a string only Microsoft's servers send */
	EVIDENCE_WORDING	/* enhanced code plus Exchange's own words */
};

/* the reply found: where it was read and what it says unwrapped */
struct evidence_reply {
	size_t	 off;			/* span of the input read as the reply */
	size_t	 len;
	int	 rank;			/* 0 none, 1 code only, 2 enhanced
					 * code only, 3 both */
	int	 nested;		/* quoted inside another reply
					 * ("550-550 5.1.10 ..."): the host
					 * that said the outer one did not
					 * write it */
	char	 text[REPLY_TEXT_MAX];	/* "535 5.7.3 ...": wrapping, quotes
					 * and escapes undone, continuation
					 * lines joined */
};

/*
 * evidence_find - the SMTP reply in text of any shape: bare, after a
 * log prefix, inside an application's exception text, a quoted or
 * escaped string (Python bytes, JSON, PHP), with the reply code before
 * the enhanced code, apart from it ("(535, b'5.7.3 ...')") or after the
 * text ("... SMTP code: 550").  The first candidate with both codes
 * wins, else the first with an enhanced code, else the first 4xx/5xx
 * code followed by text.  Returns 1 when a candidate was found.  Reads
 * at most EVIDENCE_SCAN_MAX bytes; never allocates.
 */
#define EVIDENCE_SCAN_MAX	(64 * 1024)
int	evidence_find(const char *text, size_t len, struct evidence_reply *);

/*
 * evidence_host_before - the server named as "HOST[address]" nearest
 * before s[off] (off bytes of s are read); 1 with the name in out
 */
int	evidence_host_before(const char *s, size_t off, char *out,
	    size_t outlen);

/* evidence_ms_tag - 1 when s holds an EOP tag: "AS(7555)", "(S3140)" */
int	evidence_ms_tag(const char *s, size_t len);

/* evidence_name - "host", "server_id", "marker", "wording"; NULL for none */
const char *evidence_name(enum evidence_kind);

#endif
