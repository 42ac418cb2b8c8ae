/*
 * logfmt.c - format the key=value syslog line for an enriched message
 *
 * Functions: logfmt_value, logfmt_verdict, logfmt_provider.
 *
 * The line follows Postfix's shape, queue id first, so that
 * "grep QUEUEID /var/log/mail.log" shows our line next to Postfix's own:
 *
 *   3F1A2102303: relayhint: orig_queue_id=1934E1022EB provider=m365
 *   cause=m365.auth.bad_credentials dsn=5.7.3 relay=smtp.office365.com
 *   server_id=SN4PR0501CA0054.namprd05.prod.outlook.com lang=en
 *   action=hinted
 *
 * Every value comes from a bounce, i.e. from a remote server or from
 * whoever sent the original message, so it is censored before it reaches
 * a log file: control characters and invalid UTF-8 become '?'
 * (text_printable), white space and quotes become '_' so a value cannot
 * fake another key=value pair, and length is bounded (Postfix's
 * smtp_chat.c does the same with printable() and "%.30s...").
 *
 * Logs nothing itself.
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "explain.h"
#include "logfmt.h"
#include "ndr.h"
#include "text.h"

/* logfmt_value - a censored, bounded, never empty value */
size_t
logfmt_value(char *dst, size_t dstlen, const char *src)
{
	char	 tmp[LOGFMT_VALUE_MAX * 2 + 8];
	size_t	 n, i, srclen;

	if (dstlen == 0)
		return (0);
	srclen = src ? strnlen(src, LOGFMT_VALUE_MAX * 4) : 0;
	n = text_printable(tmp, sizeof(tmp), src ? src : "", srclen);
	for (i = 0; i < n; i++)
		if (tmp[i] == ' ' || tmp[i] == '"' || tmp[i] == '\'')
			tmp[i] = '_';
	if (n == 0) {
		snprintf(dst, dstlen, "none");
		return (strlen(dst));
	}
	if (n > LOGFMT_VALUE_MAX || srclen >= LOGFMT_VALUE_MAX * 4) {
		n = n > LOGFMT_VALUE_MAX ? LOGFMT_VALUE_MAX : n;
		/* never cut inside a UTF-8 sequence */
		while (n > 0 && ((unsigned char)tmp[n] & 0xC0) == 0x80)
			n--;
		snprintf(dst, dstlen, "%.*s...", (int)n, tmp);
	} else
		snprintf(dst, dstlen, "%.*s", (int)n, tmp);
	return (strlen(dst));
}

/* logfmt_provider - provider name as logged */
const char *
logfmt_provider(int provider)
{
	return (provider == PROVIDER_M365 ? "m365" : "none");
}

/* logfmt_verdict - the whole line */
int
logfmt_verdict(struct buf *out, const char *queue_id,
    const struct verdict *v, const char *lang, const char *action,
    unsigned long suppressed)
{
	char	 qid[LOGFMT_VALUE_MAX + 4], orig[LOGFMT_VALUE_MAX + 4];
	char	 cause[LOGFMT_VALUE_MAX + 4], dsn[LOGFMT_VALUE_MAX + 4];
	char	 relay[LOGFMT_VALUE_MAX + 4], sid[LOGFMT_VALUE_MAX + 4];
	char	 lng[LOGFMT_VALUE_MAX + 4], act[LOGFMT_VALUE_MAX + 4];

	logfmt_value(qid, sizeof(qid), queue_id && *queue_id ? queue_id :
	    "NOQUEUE");
	logfmt_value(orig, sizeof(orig), v->queue_id);
	logfmt_value(cause, sizeof(cause), v->cause);
	logfmt_value(dsn, sizeof(dsn), v->status);
	logfmt_value(relay, sizeof(relay), v->relay);
	logfmt_value(sid, sizeof(sid), v->server_id);
	logfmt_value(lng, sizeof(lng), lang);
	logfmt_value(act, sizeof(act), action);
	buf_printf(out, "%s: relayhint: orig_queue_id=%s provider=%s "
	    "cause=%s dsn=%s relay=%s server_id=%s lang=%s action=%s", qid,
	    orig, logfmt_provider(v->provider), cause, dsn, relay, sid, lng,
	    act);
	if (suppressed > 0)
		buf_printf(out, " suppressed=%lu", suppressed);
	return (out->overflow ? -1 : 0);
}

/* logfmt_kind - what kind of report the line is about */
int
logfmt_kind(struct buf *out, const struct verdict *v, const char *other_kind)
{
	char	 val[LOGFMT_VALUE_MAX + 4];

	if (v->form != FORM_NDR) {
		logfmt_value(val, sizeof(val), other_kind);
		buf_printf(out, " kind=%s", val);
		return (out->overflow ? -1 : 0);
	}
	buf_printf(out, " kind=ms-ndr");
	logfmt_value(val, sizeof(val), ndr_kind_name(v->ndr_kind));
	buf_printf(out, " ndr=%s", val);
	logfmt_value(val, sizeof(val), v->orig_msgid);
	buf_printf(out, " orig_message_id=%s", val);
	return (out->overflow ? -1 : 0);
}
