/*
 * logfmt.h - the one syslog line relayhint writes per enriched message
 *
 *   QUEUEID: relayhint: orig_queue_id=ID provider=m365 cause=ID dsn=X.Y.Z
 *       relay=HOST server_id=ID lang=xx action=hinted [suppressed=N]
 *
 * (one line; wrapped here).  Every value is sanitized: no control
 * characters, no white space, at most LOGFMT_VALUE_MAX bytes; an empty
 * value is written "none", as Postfix writes relay=none.
 */
#ifndef RH_LOGFMT_H
#define RH_LOGFMT_H

#include <stddef.h>

#define LOGFMT_VALUE_MAX	128

struct buf;
struct verdict;

/*
 * logfmt_value - one value as it goes into a key=value pair: printable
 * (text_printable), white space and '"' become '_', "none" when empty,
 * cut at LOGFMT_VALUE_MAX bytes with "..." appended.  Returns the length.
 */
size_t	logfmt_value(char *dst, size_t dstlen, const char *src);

/*
 * logfmt_verdict - append the line (no line end) for a message whose own
 * queue id is queue_id ("NOQUEUE" when NULL or empty).  suppressed > 0
 * adds "suppressed=N": lines held back by the rate limit since the last
 * one for this cause.  Returns 0, or -1 when out overflowed.
 */
int	logfmt_verdict(struct buf *out, const char *queue_id,
	    const struct verdict *v, const char *lang, const char *action,
	    unsigned long suppressed);

/*
 * logfmt_kind - append " kind=K": "ms-ndr" for a report Microsoft wrote,
 * then also " ndr=" (who: exchange-online, outlook.com, exchange-onprem)
 * and " orig_message_id=" (what bounced); other_kind for anything else
 * ("postfix-bounce", "dsn").  Returns 0, or -1 when out overflowed.
 */
int	logfmt_kind(struct buf *out, const struct verdict *v,
	    const char *other_kind);

/* logfmt_provider - "m365" or "none" */
const char *logfmt_provider(int provider);

#endif
