/*
 * bounce.h - classify a bounce or delay notice and enrich it
 *
 * The shared path of "relayhint bounce --rewrite", the milter and the
 * Exim object: the adapters only move bytes in and out.
 */
#ifndef RH_BOUNCE_H
#define RH_BOUNCE_H

#include <stddef.h>

#include "explain.h"
#include "rewrite.h"

struct buf;

#define BOUNCE_DEFAULT_MAX	(4u * 1024 * 1024)

struct bounce_opts {
	const char	*lang;		/* "en" when NULL */
	int		 hint_flags;	/* HINT_ADMIN_FIRST, HINT_NO_USER */
	size_t		 max_size;	/* 0: BOUNCE_DEFAULT_MAX */
};

/*
 * A hint_flags bit of bounce_rewrite's own (never passed to hint_render):
 * rewrite the body even when the headers carry X-Relayhint-Cause (Exim's
 * data ACL added them; the transport filter writes the body), without
 * adding those headers again.  The hint in the body keeps a second pass
 * from adding it twice.
 */
#define BOUNCE_BODY_TOO		0x100

struct bounce_result {
	struct verdict	 v;
	int		 is_report;	/* multipart/report; report-type=delivery-status */
	int		 already;	/* carries X-Relayhint-Cause: left alone */
	int		 delayed;	/* DSN Action: delayed (a delay notice) */
	int		 nfailed;	/* recipients in the DSN with a failure */
	enum rewrite_status rw;		/* REWRITE_OK when body was rewritten */
	const char	*new_ctype;	/* non-NULL: replace top-level Content-Type */
	const char	*new_cte;	/* non-NULL: replace top-level C-T-E */
	char		 new_lang[64];	/* non-empty: top-level Content-Language */
	char		 lang_used[16];
};

/*
 * bounce_classify - classify a bounce from its header block and body.
 * Returns 1 when a cause was found.
 */
int	bounce_classify(const struct kb *, const char *hdrs, size_t hlen,
	    const char *body, size_t blen, struct bounce_result *);

/*
 * bounce_rewrite - classify, and when a cause was found, produce the new
 * body in out (see rewrite_body).  Returns 1 when out holds a new body,
 * 0 when the message must pass unchanged (res tells why).
 */
int	bounce_rewrite(const struct kb *, const struct bounce_opts *,
	    const char *hdrs, size_t hlen, const char *body, size_t blen,
	    struct buf *out, struct bounce_result *);

/*
 * bounce_rewrite_message - the whole message as the milter leaves it:
 * original headers (with Content-Type/C-T-E replaced when needed), then
 * X-Relayhint-Cause and X-Relayhint-Code, then the new body.  Returns 1
 * when rewritten, 0 when out holds the message unchanged, -1 on error.
 */
int	bounce_rewrite_message(const struct kb *, const struct bounce_opts *,
	    const char *msg, size_t len, struct buf *out,
	    struct bounce_result *);

#endif
