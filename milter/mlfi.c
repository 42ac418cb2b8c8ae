/*
 * mlfi.c - relayhint-milter callbacks: move bytes between libmilter and
 * common/bounce.c
 *
 * Functions: runtime_build, runtime_free, runtime_install,
 * runtime_current_config, mlfi_register, mlfi_test_file; the xxfi_*
 * callbacks are static.
 *
 * What a message costs: Postfix hands a non_smtpd_milters filter its own
 * bounces with a null envelope sender, and the postmaster copies with the
 * double_bounce_sender address (tests/data/postfix/logs/
 * *.milter-protocol.log).  Listed in smtpd_milters as well, the same
 * callbacks see the bounces that come in over SMTP: Microsoft's own NDRs
 * (Exchange Online, Outlook.com, on-premises Exchange) for a local
 * sender arrive with MAIL FROM:<> too, and bounce_rewrite() knows them
 * (common/ndr.c), so nothing here is specific to who wrote the bounce.
 * Any other sender is accepted at MAIL FROM; a Content-Type other than
 * multipart/report, or a report that is not about delivery (read
 * receipts: report-type=disposition-notification), is accepted at that
 * header, or at the end of the headers when the MTA sends them without
 * a reply each (SMFIP_NR_HDR, Postfix); so ordinary inbound mail costs
 * one MAIL FROM round trip per message and never sends its headers or
 * body, and a null-sender message never sends its body.  Connect, HELO, RCPT,
 * DATA and unknown commands are negotiated away.
 *
 * For a candidate, the header block is rebuilt as "Name: value" CRLF
 * lines and the body (CRLF, as libmilter delivers it) is collected into
 * bounded buffers; at end of message bounce_rewrite() decides.  When it
 * produced a new body, the milter changes Content-Type and
 * Content-Transfer-Encoding if the rewrite needs that, replaces the body,
 * then adds X-Relayhint-Cause and X-Relayhint-Code (mlfi_modify says why
 * in that order).
 *
 * Fail open, always: every internal error, a message over
 * max_message_size, a missing configuration - the message passes
 * unmodified (SMFIS_ACCEPT or SMFIS_CONTINUE); nothing here returns
 * REJECT, TEMPFAIL or DISCARD.  Timeouts are Postfix's to enforce
 * ("default_action=accept" in main.cf).
 *
 * Webhook alerts: with alert_spool set, each bounce with a cause is a
 * sighting for alertspool_note() (common/alertspool.c), which spools an
 * alert on a cause's first sighting and after each alert_quiet; the
 * quiet window is on disk, shared with the Exim object and kept across
 * restarts.  "relayhint alert-drain" posts them, off the mail path.  A
 * spool that cannot be written costs the alert only.
 *
 * Logs: per enriched message, one info line (logfmt.c) with "kind=" at
 * the end (ms-ndr, postfix-bounce or dsn; see dsn_kind), at most one per
 * cause per log_repeat_window; a warning when a bounce with a cause
 * could not be enriched; a warning per alert the spool bound drops, and
 * at most one per MLFI_ALERT_WARN_WINDOW when alerts cannot be spooled;
 * "debug:" lines with -d.
 *
 * Reload: runtime_install() swaps the current runtime under a mutex;
 * sessions keep a counted reference to the runtime they started with.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "alertspool.h"
#include "bounce.h"
#include "budget.h"
#include "buf.h"
#include "config.h"
#include "explain.h"
#include "hint.h"
#include "log.h"
#include "logfmt.h"
#include "mime.h"
#include "mlfi.h"
#include "ratelimit.h"
#include "rewrite.h"
#include "text.h"
#include "xheader.h"

/* Per-connection state; one message at a time */
struct msg {
	struct runtime	*rt;		/* counted reference, NULL when idle */
	int		 postmaster;	/* sender is the double-bounce address */
	int		 is_report;	/* Content-Type: multipart/report seen */
	int		 nr_hdr;	/* SMFIP_NR_HDR: headers get no reply */
	struct buf	 hdrs;		/* "Name: value\r\n" ... */
	struct buf	 body;
};

static pthread_mutex_t rt_lock = PTHREAD_MUTEX_INITIALIZER;
static struct runtime *rt_current;

static pthread_mutex_t rl_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ratelimit rl;

/* alert spool trouble: one warning per window, with the count held back */
#define MLFI_ALERT_WARN_WINDOW	300
static pthread_mutex_t alert_lock = PTHREAD_MUTEX_INITIALIZER;
static time_t alert_warned;
static unsigned long alert_held;

/* -t: the offline session and what the "MTA" was asked to do */
static struct msg *offline_priv;
static struct offline_out {
	struct buf	 addhdrs;	/* "Name: value\n" lines to append */
	char		 new_ctype[128];
	char		 new_cte[32];
	struct buf	 body;
	int		 replaced;
	int		 ops;		/* changes made so far */
	int		 drop_after;	/* -1, or the MTA "goes away" here */
} offline;

/*
 * offline_op - -t only: one more change, or MI_FAILURE once the MTA
 * "went away" (RELAYHINT_TEST_MILTER_DROP=N: after N changes), so that a
 * test sees what a connection lost at each point leaves
 */
static int
offline_op(void)
{
	if (offline.drop_after >= 0 && offline.ops >= offline.drop_after)
		return (MI_FAILURE);
	offline.ops++;
	return (MI_SUCCESS);
}

/*
 * The smfi_* wrappers.  Each libmilter call is made in exactly one
 * place, and a NULL context means -t (offline), where the wrappers
 * record instead of talking to an MTA.
 */

/* rh_getpriv - per-connection state */
static struct msg *
rh_getpriv(SMFICTX *ctx)
{
	return (ctx ? smfi_getpriv(ctx) : offline_priv);
}

/* rh_setpriv - store per-connection state */
static int
rh_setpriv(SMFICTX *ctx, struct msg *m)
{
	if (ctx == NULL) {
		offline_priv = m;
		return (MI_SUCCESS);
	}
	return (smfi_setpriv(ctx, m));
}

/* rh_getsymval - a macro value, NULL when absent */
static const char *
rh_getsymval(SMFICTX *ctx, const char *name)
{
	return (ctx ? smfi_getsymval(ctx, (char *)name) : "TEST");
}

/* rh_addheader - append a header field */
static int
rh_addheader(SMFICTX *ctx, const char *name, const char *value)
{
	if (ctx == NULL) {
		if (offline_op() != MI_SUCCESS)
			return (MI_FAILURE);
		buf_printf(&offline.addhdrs, "%s: %s\n", name, value);
		return (MI_SUCCESS);
	}
	return (smfi_addheader(ctx, (char *)name, (char *)value));
}

/* rh_chgheader - replace the first header field called name */
static int
rh_chgheader(SMFICTX *ctx, const char *name, const char *value)
{
	if (ctx == NULL) {
		if (offline_op() != MI_SUCCESS)
			return (MI_FAILURE);
		if (strcmp(name, "Content-Type") == 0)
			text_copy(offline.new_ctype, sizeof(offline.new_ctype),
			    value, strlen(value));
		else
			text_copy(offline.new_cte, sizeof(offline.new_cte),
			    value, strlen(value));
		return (MI_SUCCESS);
	}
	return (smfi_chgheader(ctx, (char *)name, 1, (char *)value));
}

/* rh_replacebody - the new body, in one go at end of message */
static int
rh_replacebody(SMFICTX *ctx, const char *data, size_t len)
{
	if (len > (size_t)0x7fffffff)
		return (MI_FAILURE);
	if (ctx == NULL) {
		if (offline_op() != MI_SUCCESS)
			return (MI_FAILURE);
		buf_append(&offline.body, data, len);
		offline.replaced = 1;
		return (MI_SUCCESS);
	}
	return (smfi_replacebody(ctx, (unsigned char *)data, (int)len));
}

/* runtime_free - release a runtime nobody uses */
void
runtime_free(struct runtime *rt)
{
	if (rt == NULL)
		return;
	kb_free(&rt->kb);
	free(rt);
}

/* runtime_build - configuration plus knowledge base, checked */
struct runtime *
runtime_build(const char *path, char *err, size_t errlen)
{
	struct runtime *rt;
	char	 kerr[512];
	int	 line;

	if ((rt = calloc(1, sizeof(*rt))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	config_init(&rt->cfg);
	if (path != NULL) {
		text_copy(rt->path, sizeof(rt->path), path, strlen(path));
		if (config_load(&rt->cfg, path, err, errlen) < 0) {
			free(rt);
			return (NULL);
		}
		/* an old spelling of a setting works; say the new one */
		for (line = 0; line < rt->cfg.nwarn; line++)
			log_warning("relayhint: %s", rt->cfg.warn[line]);
	}
	if (kb_load(&rt->kb, rt->cfg.rules_file[0] ? rt->cfg.rules_file :
	    NULL, rt->cfg.hints_dir[0] ? rt->cfg.hints_dir : NULL, kerr,
	    sizeof(kerr)) < 0) {
		snprintf(err, errlen, "%s", kerr);
		free(rt);
		return (NULL);
	}
	if (hints_match_lang(&rt->kb.hints, rt->cfg.language) == NULL) {
		line = config_line(&rt->cfg, "language");
		if (line > 0)
			snprintf(err, errlen, "%s:%d: language: no catalog "
			    "for \"%s\"", path, line, rt->cfg.language);
		else
			snprintf(err, errlen, "%s: language: no catalog for "
			    "\"%s\"", path ? path : "(defaults)",
			    rt->cfg.language);
		runtime_free(rt);
		return (NULL);
	}
	return (rt);
}

/* runtime_install - swap in a new runtime; free the old when idle */
void
runtime_install(struct runtime *rt)
{
	struct runtime *old;

	pthread_mutex_lock(&rt_lock);
	old = rt_current;
	rt_current = rt;
	if (old != NULL && old->refs == 0)
		runtime_free(old);
	pthread_mutex_unlock(&rt_lock);
	pthread_mutex_lock(&rl_lock);
	ratelimit_set_window(&rl, rt->cfg.log_repeat_window);
	pthread_mutex_unlock(&rl_lock);
}

/* runtime_current_config - copy of the settings in force */
int
runtime_current_config(struct config *out)
{
	int	 rc = -1;

	pthread_mutex_lock(&rt_lock);
	if (rt_current != NULL) {
		*out = rt_current->cfg;
		rc = 0;
	}
	pthread_mutex_unlock(&rt_lock);
	return (rc);
}

/* runtime_get - counted reference to the current runtime */
static struct runtime *
runtime_get(void)
{
	struct runtime *rt;

	pthread_mutex_lock(&rt_lock);
	if ((rt = rt_current) != NULL)
		rt->refs++;
	pthread_mutex_unlock(&rt_lock);
	return (rt);
}

/* runtime_put - drop a reference; the last one frees a replaced runtime */
static void
runtime_put(struct runtime *rt)
{
	pthread_mutex_lock(&rt_lock);
	if (--rt->refs == 0 && rt != rt_current)
		runtime_free(rt);
	pthread_mutex_unlock(&rt_lock);
}

/* msg_reset - forget the current message (idempotent) */
static void
msg_reset(struct msg *m)
{
	if (m == NULL)
		return;
	buf_free(&m->hdrs);
	buf_free(&m->body);
	if (m->rt != NULL)
		runtime_put(m->rt);
	m->rt = NULL;
	m->postmaster = m->is_report = 0;
}

/* pass - done with this message: unmodified, as early as possible */
static sfsistat
pass(struct msg *m, const char *why)
{
	if (why != NULL)
		log_dbg("accept: %s", why);
	msg_reset(m);
	return (SMFIS_ACCEPT);
}

/* mlfi_negotiate - ask only for the steps and actions we use */
static sfsistat
mlfi_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	unsigned long want = SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NORCPT |
	    SMFIP_NODATA | SMFIP_NOUNKNOWN;
	struct msg *m;

	/*
	 * No reply per header: a bounce has a dozen header lines, and a
	 * round trip for each was most of the milter's CPU per bounce.
	 * The early accept at a non-report Content-Type then waits for
	 * the end of the headers.
	 */
	if ((f1 & SMFIP_NR_HDR) && (m = calloc(1, sizeof(*m))) != NULL) {
		if (rh_setpriv(ctx, m) == MI_SUCCESS) {
			m->nr_hdr = 1;
			want |= SMFIP_NR_HDR;
		} else
			free(m);
	}
	*pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY);
	*pf1 = f1 & want;
	*pf2 = *pf3 = 0;
	if ((f0 & (SMFIF_ADDHDRS | SMFIF_CHGBODY)) !=
	    (SMFIF_ADDHDRS | SMFIF_CHGBODY))
		log_warning("relayhint: MTA offers no header/body changes "
		    "(actions 0x%lx): messages will pass unchanged", f0);
	return (SMFIS_CONTINUE);
}

/* sender_local - the local part of an envelope address, without <> */
static void
sender_local(const char *addr, char *out, size_t outlen)
{
	const char *p = addr ? addr : "", *e;

	if (*p == '<')
		p++;
	for (e = p; *e && *e != '@' && *e != '>'; e++)
		;
	text_copy(out, outlen, p, (size_t)(e - p));
}

/* mlfi_envfrom - a bounce has a null sender, a postmaster copy ours */
static sfsistat
mlfi_envfrom(SMFICTX *ctx, char **argv)
{
	struct msg *m = rh_getpriv(ctx);
	char	 local[128];

	if (m == NULL) {
		if ((m = calloc(1, sizeof(*m))) == NULL)
			return (SMFIS_ACCEPT);
		if (rh_setpriv(ctx, m) != MI_SUCCESS) {
			free(m);
			return (SMFIS_ACCEPT);
		}
	}
	msg_reset(m);
	if ((m->rt = runtime_get()) == NULL)
		return (pass(m, "no configuration"));
	sender_local(argv ? argv[0] : NULL, local, sizeof(local));
	if (local[0] != '\0') {
		if (strcmp(local, m->rt->cfg.double_bounce_sender) != 0)
			return (pass(m, "sender is not null"));
		m->postmaster = 1;
	}
	buf_init(&m->hdrs, MLFI_HDR_MAX);
	buf_init(&m->body, m->rt->cfg.max_message_size);
	return (SMFIS_CONTINUE);
}

/*
 * hdr_pass - done with this message at a header: accept now, or, when
 * headers get no reply, at the end of the headers (mlfi_eoh)
 */
static sfsistat
hdr_pass(struct msg *m, const char *why)
{
	if (!m->nr_hdr)
		return (pass(m, why));
	(void)pass(m, why);
	return (SMFIS_NOREPLY);
}

/* mlfi_header - keep the header; give up on a non-report Content-Type */
static sfsistat
mlfi_header(SMFICTX *ctx, char *name, char *value)
{
	struct msg *m = rh_getpriv(ctx);
	const char *p;
	char	 rtype[64];

	if (m == NULL)
		return (SMFIS_ACCEPT);
	if (m->rt == NULL)
		return (m->nr_hdr ? SMFIS_NOREPLY : SMFIS_ACCEPT);
	if (strcasecmp(name, "Content-Type") == 0) {
		if (!mime_type_is(value, "multipart/report"))
			return (hdr_pass(m, "not multipart/report"));
		/* no report-type at all: let bounce_rewrite() judge */
		if (mime_param(value, "report-type", rtype, sizeof(rtype)) >= 0 &&
		    strcasecmp(rtype, "delivery-status") != 0 &&
		    strcasecmp(rtype, "global-delivery-status") != 0)
			return (hdr_pass(m, "not a delivery report"));
		m->is_report = 1;
	}
	buf_printf(&m->hdrs, "%s: ", name);
	/* Postfix sends folded values with bare LF; keep the block CRLF */
	for (p = value; *p; p++) {
		if (*p == '\n' && (p == value || p[-1] != '\r'))
			buf_putc(&m->hdrs, '\r');
		buf_putc(&m->hdrs, *p);
	}
	buf_puts(&m->hdrs, "\r\n");
	if (m->hdrs.overflow)
		return (hdr_pass(m, "header block too large"));
	return (m->nr_hdr ? SMFIS_NOREPLY : SMFIS_CONTINUE);
}

/* mlfi_eoh - no Content-Type at all: not a report */
static sfsistat
mlfi_eoh(SMFICTX *ctx)
{
	struct msg *m = rh_getpriv(ctx);

	if (m == NULL || m->rt == NULL)
		return (SMFIS_ACCEPT);
	if (!m->is_report)
		return (pass(m, "no Content-Type"));
	return (SMFIS_CONTINUE);
}

/* mlfi_body - collect, bounded */
static sfsistat
mlfi_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	struct msg *m = rh_getpriv(ctx);

	if (m == NULL || m->rt == NULL)
		return (SMFIS_ACCEPT);
	if (buf_append(&m->body, chunk, len) < 0 || m->body.overflow)
		return (pass(m, "larger than max_message_size"));
	return (SMFIS_CONTINUE);
}

/*
 * returned_language - Content-Language of the returned message (the
 * text/rfc822-headers or message/rfc822 part), mapped to a catalog.
 */
static const char *
returned_language(const struct runtime *rt, const char *hdrs, size_t hlen,
    const char *body, size_t blen)
{
	struct mime_multipart *mp;
	const struct mime_part *p;
	const char *lang = NULL, *inner;
	char	 ctype[512], tag[64];
	size_t	 ilen, n;
	int	 i;

	if (mime_header_get(hdrs, hlen, "Content-Type", ctype,
	    sizeof(ctype)) < 0 || (mp = malloc(sizeof(*mp))) == NULL)
		return (NULL);
	if (mime_split_multipart(ctype, body, blen, mp) == 0) {
		for (i = 1; i < mp->nparts && lang == NULL; i++) {
			p = &mp->part[i];
			if (!mime_type_is(p->ctype, "text/rfc822-headers") &&
			    !mime_type_is(p->ctype, "message/rfc822") &&
			    !mime_type_is(p->ctype, "message/global-headers"))
				continue;
			if (mime_split_message(p->body, p->body_len, &ilen,
			    &inner) < 0)
				ilen = p->body_len;
			if (mime_header_get(p->body, ilen, "Content-Language",
			    tag, sizeof(tag)) <= 0)
				continue;
			/* "de-DE, en" -> "de-DE" */
			n = strcspn(tag, ", \t;");
			tag[n] = '\0';
			lang = hints_match_lang(&rt->kb.hints, tag);
		}
	}
	free(mp);
	return (lang);
}

/*
 * dsn_kind - what the admin is looking at when it is not Microsoft's own
 * report (logfmt_kind): a bounce written by Postfix (its DSN names the
 * queue id, X-Postfix-Queue-ID), or some other MTA's DSN
 */
static const char *
dsn_kind(const struct verdict *v)
{
	return (v->queue_id[0] != '\0' ? "postfix-bounce" : "dsn");
}

/* log_result - the syslog line, rate-limited per cause */
static void
log_result(const char *qid, const struct bounce_result *res, const char *lang,
    int hinted)
{
	struct buf line;
	unsigned long held;
	char	 why[LOGFMT_VALUE_MAX + 4];
	int	 ok;

	pthread_mutex_lock(&rl_lock);
	ok = ratelimit_check(&rl, res->v.cause, time(NULL), &held);
	pthread_mutex_unlock(&rl_lock);
	if (!ok)
		return;
	buf_init(&line, 4096);
	logfmt_verdict(&line, qid, &res->v, lang, hinted ? "hinted" :
	    "unchanged", held);
	(void)logfmt_kind(&line, &res->v, dsn_kind(&res->v));
	if (hinted)
		log_info("%s", line.data ? line.data : "");
	else {
		logfmt_value(why, sizeof(why), rewrite_strerror(res->rw));
		log_warning("%s reason=%s", line.data ? line.data : "", why);
	}
	buf_free(&line);
}

/* alert_log - a dropped alert, from the spool's bound */
static void
alert_log(void *ctx, const char *msg)
{
	(void)ctx;
	log_warning("relayhint: %s", msg);
}

/* alert_note - a sighting of the cause for the webhook alerts; fails open */
static void
alert_note(const struct runtime *rt, const char *qid,
    const struct bounce_result *res)
{
	struct alertspool sp;
	char	 err[ALERT_ERR_MAX];
	unsigned long held;
	time_t	 now = time(NULL);
	int	 say;

	if (rt->cfg.alert_spool[0] == '\0' || res->v.cause == NULL)
		return;
	memset(&sp, 0, sizeof(sp));
	sp.dir = rt->cfg.alert_spool;
	sp.max = rt->cfg.alert_spool_max;
	sp.quiet = rt->cfg.alert_quiet;
	sp.log = alert_log;
	/* the alert is for the administrator: the configured language */
	if (alertspool_note(&sp, &res->v, &rt->kb.hints, rt->cfg.language,
	    "milter", now, err, sizeof(err)) >= 0)
		return;
	pthread_mutex_lock(&alert_lock);
	if ((say = alert_warned == 0 ||
	    now - alert_warned >= MLFI_ALERT_WARN_WINDOW)) {
		alert_warned = now;
		held = alert_held;
		alert_held = 0;
	} else
		alert_held++;
	pthread_mutex_unlock(&alert_lock);
	if (say)
		log_warning("%s: relayhint: webhook alert not spooled (the "
		    "message is not affected): %s suppressed=%lu", qid, err,
		    held);
}

/*
 * old_body_fits - the body as received still reads right under the new
 * Content-Type and Content-Transfer-Encoding (see mlfi_eom): the rewrite
 * only changes them for a 7bit body, to "text/plain; charset=utf-8" and
 * quoted-printable; ASCII is UTF-8, and ASCII without "=" decodes to
 * itself as quoted-printable
 */
static int
old_body_fits(const struct bounce_result *res, const struct buf *body)
{
	const char *b = body->data ? body->data : "";

	if (res->new_ctype == NULL && res->new_cte == NULL)
		return (1);
	if (!text_is_ascii(b, body->len))
		return (0);
	if (res->new_cte == NULL || strcasecmp(res->new_cte, "7bit") == 0 ||
	    strcasecmp(res->new_cte, "8bit") == 0)
		return (1);
	return (strcasecmp(res->new_cte, "quoted-printable") == 0 &&
	    memchr(b, '=', body->len) == NULL);
}

/*
 * mlfi_modify - hand the changes to the MTA in an order that leaves a
 * readable message wherever the connection drops.  Postfix (milter8.c,
 * cleanup) applies each request to the queue file as it arrives, keeps
 * what it got when the filter goes away (default_action=accept), and
 * links a replacement body only once the request after the last body
 * chunk arrives.  So: first Content-Type and Content-Transfer-Encoding,
 * and only when the old body is valid under them too (old_body_fits);
 * then the body, valid under the new headers; last the X-Relayhint
 * headers, so no header claims a hint the body lacks.  The opposite
 * order (body, then headers) leaves a quoted-printable UTF-8 body under
 * "7bit" headers when the connection drops in between.
 */
static int
mlfi_modify(SMFICTX *ctx, const struct msg *m,
    const struct bounce_result *res, const struct buf *out)
{
	struct xheaders xh;
	int	 i;

	if ((res->new_ctype && rh_chgheader(ctx, "Content-Type",
	    res->new_ctype) != MI_SUCCESS) || (res->new_cte &&
	    rh_chgheader(ctx, "Content-Transfer-Encoding", res->new_cte) !=
	    MI_SUCCESS) || rh_replacebody(ctx, out->data, out->len) !=
	    MI_SUCCESS)
		return (-1);
	(void)xheader_fields(&xh, &res->v, NULL, NULL, NULL);
	for (i = 0; i < xh.n; i++)
		if (rh_addheader(ctx, xh.f[i].name, xh.f[i].value) !=
		    MI_SUCCESS)
			return (-1);
	return (0);
}

/* mlfi_eom - classify, rewrite, hand the changes to the MTA */
static sfsistat
mlfi_eom(SMFICTX *ctx)
{
	struct msg *m = rh_getpriv(ctx);
	struct bounce_opts opts;
	struct bounce_result *res;
	struct buf out;
	const struct config *cfg;
	const char *qid, *lang = NULL;
	unsigned long cpu_ms;
	size_t	 work;
	int	 rewritten;

	if (m == NULL || m->rt == NULL)
		return (SMFIS_CONTINUE);
	if ((res = malloc(sizeof(*res))) == NULL)
		return (pass(m, "out of memory"));
	cfg = &m->rt->cfg;
	if ((qid = rh_getsymval(ctx, "i")) == NULL || *qid == '\0')
		qid = "NOQUEUE";
	/* a message that would cost more than the bound passes unchanged */
	budget_start(BUDGET_WORK_DEFAULT, BUDGET_CPU_MS_DEFAULT);
	if (cfg->use_content_language)
		lang = returned_language(m->rt, m->hdrs.data, m->hdrs.len,
		    m->body.data, m->body.len);
	memset(&opts, 0, sizeof(opts));
	opts.lang = lang ? lang : cfg->language;
	opts.max_size = cfg->max_message_size;
	if (m->postmaster && cfg->postmaster_admin_first)
		opts.hint_flags |= HINT_ADMIN_FIRST;
	if (!cfg->user_note)
		opts.hint_flags |= HINT_NO_USER;
	buf_init(&out, cfg->max_message_size + 256 * 1024);
	rewritten = bounce_rewrite(&m->rt->kb, &opts, m->hdrs.data ?
	    m->hdrs.data : "", m->hdrs.len, m->body.data ? m->body.data : "",
	    m->body.len, &out, res);
	if (rewritten && out.overflow)
		rewritten = 0;
	if (budget_stop(&work, &cpu_ms)) {
		log_warning("%s: relayhint: message passed unchanged: over the "
		    "CPU budget (%lu ms CPU, %zu bytes scanned)", qid, cpu_ms,
		    work);
		buf_free(&out);
		free(res);
		msg_reset(m);
		return (SMFIS_CONTINUE);
	}
	if (rewritten && !old_body_fits(res, &m->body)) {
		rewritten = 0;
		res->rw = REWRITE_UNSUPPORTED;
	}
	if (rewritten) {
		if (mlfi_modify(ctx, m, res, &out) < 0)
			log_warning("%s: relayhint: cannot modify message "
			    "(MTA connection lost?)", qid);
		else
			log_result(qid, res, res->lang_used, 1);
	} else if (res->v.cause != NULL && !res->already)
		log_result(qid, res, opts.lang, 0);
	else
		log_dbg("%s: no cause%s", qid, res->already ?
		    " (already hinted)" : "");
	/* after the MTA has its changes; -t (no MTA) spools nothing */
	if (ctx != NULL && res->v.cause != NULL && !res->already)
		alert_note(m->rt, qid, res);
	buf_free(&out);
	free(res);
	msg_reset(m);
	return (SMFIS_CONTINUE);
}

/* mlfi_abort - the MTA gave up on this message */
static sfsistat
mlfi_abort(SMFICTX *ctx)
{
	msg_reset(rh_getpriv(ctx));
	return (SMFIS_CONTINUE);
}

/* mlfi_close - end of the connection */
static sfsistat
mlfi_close(SMFICTX *ctx)
{
	struct msg *m = rh_getpriv(ctx);

	if (m != NULL) {
		msg_reset(m);
		free(m);
		rh_setpriv(ctx, NULL);
	}
	return (SMFIS_CONTINUE);
}

static struct smfiDesc mlfi_desc = {
	.xxfi_name = MLFI_NAME,
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY,
	.xxfi_connect = NULL,
	.xxfi_helo = NULL,
	.xxfi_envfrom = mlfi_envfrom,
	.xxfi_envrcpt = NULL,
	.xxfi_header = mlfi_header,
	.xxfi_eoh = mlfi_eoh,
	.xxfi_body = mlfi_body,
	.xxfi_eom = mlfi_eom,
	.xxfi_abort = mlfi_abort,
	.xxfi_close = mlfi_close,
	.xxfi_unknown = NULL,
	.xxfi_data = NULL,
	.xxfi_negotiate = mlfi_negotiate,
};

/* mlfi_register - the one smfi_register call */
int
mlfi_register(void)
{
	struct config cfg;

	if (runtime_current_config(&cfg) == 0)
		ratelimit_init(&rl, cfg.log_repeat_window);
	return (smfi_register(mlfi_desc) == MI_SUCCESS ? 0 : -1);
}

/* read_file - whole file, bounded */
static int
read_file(const char *path, struct buf *b)
{
	char	 chunk[8192];
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return (-1);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		if (buf_append(b, chunk, (size_t)n) < 0)
			break;
	close(fd);
	return (n < 0 || b->overflow ? -1 : 0);
}

/* feed_headers - call mlfi_header per field as Postfix would */
static sfsistat
feed_headers(const char *h, size_t hlen)
{
	struct buf name, value;
	sfsistat rc = SMFIS_CONTINUE;
	size_t	 i = 0, e, c;

	buf_init(&name, 1024);
	buf_init(&value, MLFI_HDR_MAX);
	while (i < hlen && rc == SMFIS_CONTINUE) {
		buf_reset(&name);
		buf_reset(&value);
		for (c = i; c < hlen && h[c] != ':' && h[c] != '\n'; c++)
			;
		if (c >= hlen || h[c] != ':')
			break;
		buf_append(&name, h + i, c - i);
		i = c + 1;
		if (i < hlen && h[i] == ' ')
			i++;
		/* the value with its folds, line ends as bare LF */
		for (;;) {
			for (e = i; e < hlen && h[e] != '\n'; e++)
				;
			buf_append(&value, h + i, e > i && h[e - 1] == '\r' &&
			    e < hlen ? e - i - 1 : e - i);
			i = e < hlen ? e + 1 : e;
			if (i < hlen && (h[i] == ' ' || h[i] == '\t'))
				buf_putc(&value, '\n');
			else
				break;
		}
		rc = mlfi_header(NULL, name.data ? name.data : (char *)"",
		    value.data ? value.data : (char *)"");
	}
	buf_free(&name);
	buf_free(&value);
	return (rc);
}

/* mlfi_test_file - -t: one message through the callbacks, no MTA */
int
mlfi_test_file(const char *path, FILE *fp)
{
	struct buf in, crlf;
	const char *body, *drop;
	char	 rpath[320], *argv[2];
	size_t	 hlen, i, e;
	sfsistat rc;
	int	 ct, cte;

	buf_init(&in, 64 * 1024 * 1024);
	if (read_file(path, &in) < 0 || in.len == 0) {
		buf_free(&in);
		return (-1);
	}
	memset(&offline, 0, sizeof(offline));
	offline.drop_after = -1;
	if ((drop = getenv("RELAYHINT_TEST_MILTER_DROP")) != NULL &&
	    *drop != '\0')
		offline.drop_after = atoi(drop);
	buf_init(&offline.addhdrs, 64 * 1024);
	buf_init(&offline.body, 80 * 1024 * 1024);
	if (mime_split_message(in.data, in.len, &hlen, &body) < 0) {
		hlen = in.len;
		body = in.data + in.len;
	}
	/* the envelope sender Postfix's local delivery recorded, if any */
	if (mime_header_get(in.data, hlen, "Return-Path", rpath,
	    sizeof(rpath)) < 0)
		snprintf(rpath, sizeof(rpath), "<>");
	argv[0] = rpath;
	argv[1] = NULL;
	rc = mlfi_envfrom(NULL, argv);
	if (rc == SMFIS_CONTINUE)
		rc = feed_headers(in.data, hlen);
	if (rc == SMFIS_CONTINUE)
		rc = mlfi_eoh(NULL);
	if (rc == SMFIS_CONTINUE) {
		/* libmilter hands the body over with CRLF line ends */
		buf_init(&crlf, 2 * in.len + 2);
		for (i = 0; body + i < in.data + in.len; i = e + 1) {
			for (e = i; body + e < in.data + in.len &&
			    body[e] != '\n'; e++)
				;
			buf_append(&crlf, body + i, e > i && body[e - 1] ==
			    '\r' ? e - i - 1 : e - i);
			if (body + e < in.data + in.len)
				buf_puts(&crlf, "\r\n");
		}
		rc = mlfi_body(NULL, (unsigned char *)(crlf.data ? crlf.data :
		    ""), crlf.len);
		buf_free(&crlf);
	}
	if (rc == SMFIS_CONTINUE)
		mlfi_eom(NULL);
	mlfi_close(NULL);
	/* print what the MTA would store, with LF line ends */
	for (i = 0; i < hlen; i = e) {
		for (e = i; e < hlen && in.data[e] != '\n'; e++)
			;
		if (e < hlen)
			e++;
		ct = e - i > 13 && text_casecmp_n(in.data + i, "Content-Type:",
		    13) == 0;
		cte = e - i > 26 && text_casecmp_n(in.data + i,
		    "Content-Transfer-Encoding:", 26) == 0;
		if ((ct && offline.new_ctype[0]) || (cte && offline.new_cte[0])) {
			fprintf(fp, "%s: %s\n", ct ? "Content-Type" :
			    "Content-Transfer-Encoding", ct ? offline.new_ctype :
			    offline.new_cte);
			/* skip the replaced field's continuation lines */
			while (e < hlen && (in.data[e] == ' ' ||
			    in.data[e] == '\t')) {
				while (e < hlen && in.data[e] != '\n')
					e++;
				if (e < hlen)
					e++;
			}
			continue;
		}
		for (; i < e; i++)
			if (in.data[i] != '\r')
				fputc(in.data[i], fp);
	}
	if (hlen > 0 && in.data[hlen - 1] != '\n')
		fputc('\n', fp);
	if (offline.addhdrs.len)
		fwrite(offline.addhdrs.data, 1, offline.addhdrs.len, fp);
	fputc('\n', fp);
	if (offline.replaced) {
		for (i = 0; i < offline.body.len; i++)
			if (!(offline.body.data[i] == '\r' &&
			    i + 1 < offline.body.len &&
			    offline.body.data[i + 1] == '\n'))
				fputc(offline.body.data[i], fp);
	} else
		fwrite(body, 1, (size_t)(in.data + in.len - body), fp);
	buf_free(&offline.addhdrs);
	buf_free(&offline.body);
	buf_free(&in);
	return (0);
}
