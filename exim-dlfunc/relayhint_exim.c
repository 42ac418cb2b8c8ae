/*
 * relayhint_exim.c - Exim ${dlfunc} entry points over the relayhint core
 *
 * Functions (each an exim_dlfunc_t; see relayhint-exim(8)):
 *   relayhint_event{EVENT}{DATA}{ERRNO}{MSGID}{HOST}[{OPTIONS}]
 *	for a smarthost transport's event_action: classifies this delivery
 *	failure, writes one main log line and one rate-limited syslog line,
 *	and always yields "" so the delivery is never disturbed;
 *   relayhint_cause{MSGID-OR-TEXT}[{OPTIONS}[{FALLBACK-TEXT}]]
 *	yields the cause id ("" when none), for ${if}, add_header, filters;
 *   relayhint_hint{MSGID-OR-TEXT}{LANG}{FORMAT}[{OPTIONS}]
 *	yields the rendered hint for bounce_message_file/warn_message_file
 *	(FORMAT "text", "header" or "cause", with ",delayed", ",admin",
 *	",nouser", ",utf8" modifiers);
 *   relayhint_bounce{HEADERS}{BODY}{FORMAT}[{LANG}[{OPTIONS}]]
 *	for acl_smtp_data (or a system filter): classifies a bounce that
 *	came in over SMTP - a Microsoft NDR for a local sender, or another
 *	MTA's DSN - from $message_headers_raw and $message_body, and
 *	yields the header lines to add (FORMAT "header": X-Relayhint-Cause,
 *	-Code and -Hint, newline separated) or the cause id ("cause"); ""
 *	when there is no cause or it carries X-Relayhint-Cause already.
 *	One main log and one rate-limited syslog line per cause found.
 *	The body itself cannot be changed from an ACL or a filter;
 *   relayhint_version{}
 *	yields "relayhint VERSION exim-abi MAJOR.MINOR rules=N langs=..."
 *
 * OPTIONS is one string of words: an absolute path names Exim's main log
 * (the setting mainlog); "syslog" says there is none; config=FILE|none
 * names relayhint.conf; every other word is name=value with a name from
 * the settings table (settings.h: syslog_socket, log_repeat_window,
 * rules_file, hints_dir, mainlog_tail, ...), the same names as in
 * relayhint.conf, which supplies what OPTIONS does not set.  The names
 * of before (log=, ratelimit=, rules=, hints=, tag=, state=, tail=,
 * logmain=) still work, with one main log warning per process.
 *
 * Webhook alerts: with alert_spool set in relayhint.conf, every cause
 * relayhint_event sees is a sighting for alertspool_note() (common/
 * alertspool.c); the first one, and the first after each alert_quiet,
 * leaves an alert in the spool for "relayhint alert-drain".  The quiet
 * window is kept in the spool (each delivery is a new process), shared
 * with the milter.  A spool error costs the alert only: one main log
 * warning per RHX_ALERT_WARN seconds (through the rate-limit store).
 *
 * Rate limit: each delivery is a new process, so the syslog rate limit
 * is kept on disk, in the store quiet.c keeps for the alert spool too
 * (state=, default $spool_directory/db/relayhint-quiet/).
 *
 * Process model: Exim calls these in the delivery process (root), in the
 * transport subprocess and while making bounces (the Exim user), and in
 * -be tests (any user).  The rules and catalogs are loaded on first use
 * and kept for the life of the process; they are read-only afterwards,
 * so a fork inherits them safely, and each delivery is a new process, so
 * edited files are picked up without restarting Exim.  No signals, no
 * alarm(), no exit(), no openlog(); syslog goes as our own datagram.
 *
 * Errors: wrong argument counts and unknown options or formats are
 * configuration mistakes and return ERROR (Exim puts them in the panic
 * log).  Everything else - unreadable files, no cause, out of memory -
 * returns OK with an empty yield and at most one "relayhint: warning:"
 * main log line per process and kind.
 *
 * Limits: bounded main log read (common/eximlog.c), hint text of at most
 * RHX_OUT_MAX bytes, syslog lines of 2 KiB, per-process dedup of the
 * last RHX_DEDUP event lines.
 */
#define DLFUNC_IMPL
#include <local_scan.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alertspool.h"
#include "bounce.h"
#include "budget.h"
#include "buf.h"
#include "config.h"
#include "eximlog.h"
#include "explain.h"
#include "hint.h"
#include "logfmt.h"
#include "quiet.h"
#include "slog.h"
#include "text.h"
#include "xheader.h"

#define RHX_EXPORT		__attribute__((visibility("default")))
#define RHX_OUT_MAX		(64u * 1024)
#define RHX_DEDUP		8
#define RHX_DEFAULT_CONFIG	RH_SYSCONFDIR "/relayhint.conf"
#define RHX_SEV_INFO		6	/* syslog severities, as <syslog.h> */
#define RHX_ALERT_WARN		300	/* seconds between spool warnings */
#define RHX_SYSLOG_MAX		2048	/* a syslog line is cut here */

/*
 * The settings' own sizes (struct config), not PATH_MAX: every call
 * writes each field, and a field per 4 KiB page was a page fault per
 * field in the first call of each delivery process.
 */
struct rhx_opts {
	char	 mainlog[CONFIG_PATH_MAX];	/* "" = none (syslog-only) */
	char	 syslog[CONFIG_PATH_MAX];	/* "" = do not send */
	char	 tag[32];
	char	 state[CONFIG_PATH_MAX];	/* "" = default under the spool */
	char	 rules[CONFIG_PATH_MAX];
	char	 hints[CONFIG_PATH_MAX];
	char	 lang[16];		/* when LANG is "" */
	int	 ratelimit;
	int	 logmain;
	int	 facility;		/* LOG_MAIL and friends, shifted */
	int	 user_note;
	char	 alert_spool[CONFIG_PATH_MAX];	/* "" = no alerts */
	int	 alert_quiet;
	int	 alert_max;
	size_t	 tail;
};

exim_dlfunc_t relayhint_event, relayhint_cause, relayhint_hint,
    relayhint_bounce, relayhint_version;

/* The knowledge base, loaded once per process (see the block comment) */
static struct kb rhx_kb;
static int rhx_kb_state;		/* 0 not tried, 1 ok, -1 failed */
static char rhx_kb_from[2 * CONFIG_PATH_MAX + 2];
static unsigned rhx_warned;		/* warning kinds logged already */
static char rhx_dedup[RHX_DEDUP][96];
static int rhx_dedup_next;
static struct config rhx_cfg;		/* relayhint.conf, once per process */
static int rhx_cfg_state;		/* 0 not tried, 1 ok, -1 none/failed */
/*
 * The file rhx_cfg came from.  CONFIG_PATH_MAX, not PATH_MAX: a page of
 * its own would be one more page fault in every delivery process; a
 * longer config= path is never equal to its cut copy, so it is read
 * again on each call, still right.
 */
static char rhx_cfg_from[CONFIG_PATH_MAX];

#define RHX_W_KB	0x01
#define RHX_W_MAINLOG	0x02
#define RHX_W_ASCII	0x04
#define RHX_W_LANG	0x08
#define RHX_W_SYSLOG	0x10
#define RHX_W_CONFIG	0x20
#define RHX_W_ALIAS	0x40

/*
 * yield_str - hand a copy of s to Exim.  Exim (4.94+) tracks taint by
 * the store a string lives in: text with bytes from a remote server in
 * it (the reply quoted in a hint, the status code in a header) goes to
 * tainted store, so that a configuration cannot use it unchecked in a
 * file name or command; our own words (a cause id from the rules, a
 * version, an error) stay untainted.
 */
static void
yield_str(uschar **yield, const char *s, int remote)
{
	size_t	 n = strlen(s);
	uschar	*p;

	p = store_get((int)n + 1, remote ? GET_TAINTED : GET_UNTAINTED);
	memcpy(p, s, n + 1);
	*yield = p;
}

/* fail_config - a configuration mistake: ERROR, and Exim logs the text */
static int
fail_config(uschar **yield, const char *fn, const char *why)
{
	char	 msg[512];

	(void)snprintf(msg, sizeof(msg), "%s: %s (see relayhint-exim(8))",
	    fn, why);
	yield_str(yield, msg, 0);
	return (ERROR);
}

/* warn_once - one main log warning per process and kind */
static void
warn_once(unsigned kind, const char *what)
{
	if (rhx_warned & kind)
		return;
	rhx_warned |= kind;
	/* log_write puts the id of the message being handled first itself */
	log_write(0, LOG_MAIN, "relayhint: warning: %s", what);
}

/* load_config - relayhint.conf (shared with the milter), once per file */
static const struct config *
load_config(const char *path)
{
	char	 err[512], msg[600];
	int	 i;

	if (rhx_cfg_state != 0 && strcmp(rhx_cfg_from, path) == 0)
		return (&rhx_cfg);
	(void)snprintf(rhx_cfg_from, sizeof(rhx_cfg_from), "%s", path);
	config_init(&rhx_cfg);
	rhx_cfg_state = -1;
	if (path[0] != '\0' && access(path, F_OK) == 0) {
		if (config_load(&rhx_cfg, path, err, sizeof(err)) == 0) {
			rhx_cfg_state = 1;
			for (i = 0; i < rhx_cfg.nwarn; i++)
				warn_once(RHX_W_ALIAS, rhx_cfg.warn[i]);
		} else {
			/* a broken file costs its settings only */
			config_init(&rhx_cfg);
			(void)snprintf(msg, sizeof(msg), "%s; using the "
			    "defaults", err);
			warn_once(RHX_W_CONFIG, msg);
		}
	}
	return (&rhx_cfg);
}

/*
 * parse_opts - OPTIONS over relayhint.conf over the defaults: the words
 * are the settings table's name=value (settings.h; older names work with
 * a main log warning), a bare path (the main log), "syslog" (no main
 * log) and config=FILE|none.  -1 with why for a mistake.
 */
static int
parse_opts(const char *s, struct rhx_opts *o, const char **why)
{
	static char whybuf[300];
	static struct config cfg;	/* per call; too large for the stack */
	char	 copy[4096], *w[64], *v, *save = NULL, err[256];
	const char *config = RHX_DEFAULT_CONFIG;
	int	 i, n = 0;

	if (s != NULL && strlen(s) >= sizeof(copy))
		return (*why = "OPTIONS too long", -1);
	(void)snprintf(copy, sizeof(copy), "%s", s != NULL ? s : "");
	for (w[n] = strtok_r(copy, " \t\n", &save); w[n] != NULL;
	    w[n] = strtok_r(NULL, " \t\n", &save))
		if (++n == (int)(sizeof(w) / sizeof(w[0])))
			return (*why = "too many OPTIONS words", -1);
	for (i = 0; i < n; i++)
		if (strncmp(w[i], "config=", 7) == 0) {
			config = strcmp(w[i] + 7, "none") == 0 ? "" : w[i] + 7;
			if (config[0] != '\0' && config[0] != '/')
				return (*why = "config= wants a path or none",
				    -1);
		}
	memcpy(&cfg, load_config(config), sizeof(cfg));
	cfg.nwarn = 0;
	for (i = 0; i < n; i++) {
		if (strncmp(w[i], "config=", 7) == 0)
			continue;
		/* a bare path is the main log, "syslog" says there is none */
		if (w[i][0] == '/' || strcmp(w[i], "syslog") == 0 ||
		    strcmp(w[i], "-") == 0) {
			v = w[i][0] == '/' ? w[i] : "none";
			if (config_set(&cfg, VAR_MAINLOG, strlen(VAR_MAINLOG),
			    v, CONFIG_SRC_ARG, SET_IN_EXIM, err,
			    sizeof(err)) < 0)
				goto bad;
			continue;
		}
		if ((v = strchr(w[i], '=')) == NULL)
			return (*why = "an OPTIONS word is neither a path nor "
			    "name=value", -1);
		*v++ = '\0';
		if (strcmp(w[i], VAR_MAINLOG) == 0 && strcmp(v, "syslog") == 0)
			v = "none";
		if (config_set(&cfg, w[i], strlen(w[i]), v, CONFIG_SRC_ARG,
		    SET_IN_EXIM, err, sizeof(err)) < 0)
			goto bad;
	}
	if (cfg.nwarn > 0) {
		(void)snprintf(whybuf, sizeof(whybuf), "OPTIONS: %s", cfg.warn[0]);
		warn_once(RHX_W_ALIAS, whybuf);
	}
	memset(o, 0, sizeof(*o));
	(void)snprintf(o->mainlog, sizeof(o->mainlog), "%s", cfg.mainlog);
	(void)snprintf(o->syslog, sizeof(o->syslog), "%s", cfg.syslog_socket);
	(void)snprintf(o->tag, sizeof(o->tag), "%s", cfg.syslog_tag);
	(void)snprintf(o->state, sizeof(o->state), "%s",
	    cfg.log_repeat_state);
	(void)snprintf(o->rules, sizeof(o->rules), "%s", cfg.rules_file);
	(void)snprintf(o->hints, sizeof(o->hints), "%s", cfg.hints_dir);
	(void)snprintf(o->lang, sizeof(o->lang), "%s", cfg.language);
	o->ratelimit = cfg.log_repeat_window;
	o->logmain = cfg.mainlog_write;
	o->facility = cfg.syslog_facility;
	o->user_note = cfg.user_note;
	(void)snprintf(o->alert_spool, sizeof(o->alert_spool), "%s",
	    cfg.alert_spool);
	o->alert_quiet = cfg.alert_quiet;
	o->alert_max = cfg.alert_spool_max;
	o->tail = cfg.mainlog_tail;
	return (0);
bad:
	(void)snprintf(whybuf, sizeof(whybuf), "OPTIONS: %s", err);
	return (*why = whybuf, -1);
}

/* get_kb - the process's knowledge base, loading it on first use */
static const struct kb *
get_kb(const struct rhx_opts *o)
{
	char	 from[sizeof(rhx_kb_from)], err[512], msg[700];

	(void)snprintf(from, sizeof(from), "%s|%s", o->rules, o->hints);
	if (rhx_kb_state != 0 && strcmp(from, rhx_kb_from) == 0)
		return (rhx_kb_state > 0 ? &rhx_kb : NULL);
	if (rhx_kb_state > 0)
		kb_free(&rhx_kb);
	memcpy(rhx_kb_from, from, strlen(from) + 1);
	rhx_kb_state = -1;
	if (kb_load(&rhx_kb, o->rules[0] ? o->rules : NULL,
	    o->hints[0] ? o->hints : NULL, err, sizeof(err)) == 0) {
		rhx_kb_state = 1;
		return (&rhx_kb);
	}
	/* A broken site file must not cost the hint: use the built-in copy */
	(void)snprintf(msg, sizeof(msg), "%s; using the built-in rules and "
	    "catalogs", err);
	warn_once(RHX_W_KB, msg);
	if ((o->rules[0] || o->hints[0]) &&
	    kb_load(&rhx_kb, NULL, NULL, err, sizeof(err)) == 0) {
		rhx_kb_state = 1;
		return (&rhx_kb);
	}
	return (NULL);
}

/* format_line - the milter's line (logfmt.c), then what only Exim knows */
static void
format_line(struct buf *b, const char *id, const struct eximlog_answer *a,
    const char *event, unsigned long suppressed, const char *note)
{
	char	 val[LOGFMT_VALUE_MAX + 4];

	(void)logfmt_verdict(b, id, &a->v, "", "logged", suppressed);
	(void)logfmt_value(val, sizeof(val), a->v.recipient);
	buf_printf(b, " rcpt=%s", val);
	(void)logfmt_value(val, sizeof(val), event);
	buf_printf(b, " event=%s source=%s", val, eximlog_src_name(a->src));
	if (note != NULL)
		buf_printf(b, " note=\"%s\"", note);	/* our own text */
}

/* dedup_seen - this process logged the same id and cause already */
static int
dedup_seen(const char *id, const char *cause)
{
	char	 key[sizeof(rhx_dedup[0])];
	int	 i;

	(void)snprintf(key, sizeof(key), "%s|%s", id, cause);
	for (i = 0; i < RHX_DEDUP; i++)
		if (strcmp(rhx_dedup[i], key) == 0)
			return (1);
	memcpy(rhx_dedup[rhx_dedup_next], key, sizeof(key));
	rhx_dedup_next = (rhx_dedup_next + 1) % RHX_DEDUP;
	return (0);
}

/* expand_var - an Exim variable, "" when unset or failing */
static const char *
expand_var(const char *name)
{
	uschar	*s = expand_string(US name);

	return (s ? CS s : "");
}

/* state_path - the rate-limit store: log_repeat_state or in Exim's hints directory */
static void
state_path(const struct rhx_opts *o, char *out, size_t outlen)
{
	const char *spool;

	if (o->state[0] != '\0') {
		(void)snprintf(out, outlen, "%s", o->state);
		return;
	}
	spool = expand_var("$spool_directory");
	if (spool[0] == '/')
		(void)snprintf(out, outlen, "%s/db/relayhint-quiet", spool);
	else
		out[0] = '\0';
}

/*
 * rate_ok - may a line for key be logged now?  The quiet store of
 * quiet.c, shared by all Exim processes (root and the Exim user, who
 * logs most events); any trouble lets the line pass
 */
static int
rate_ok(const char *dir, const char *key, int window, unsigned long *held,
    int uid, int gid)
{
	char	 k[QUIET_KEY_MAX], err[ALERT_ERR_MAX];

	*held = 0;
	if (window <= 0 || dir[0] == '\0')
		return (1);
	quiet_key_make(k, sizeof(k), key);
	(void)quiet_dir(dir, uid, gid);
	return (quiet_check("rate limit", "keys", dir, k, window, time(NULL),
	    held, err, sizeof(err)) != 0);
}

/* syslog_line - one line through slog.c, a socket of its own (Exim forks) */
static int
syslog_line(const struct rhx_opts *o, const char *msg)
{
	struct slog sl;

	slog_init(&sl, o->tag, o->facility, o->syslog, 0);
	sl.line_max = RHX_SYSLOG_MAX;
	return (slog_send(&sl, RHX_SEV_INFO, "%s", msg));
}

/* alert_log - a dropped alert, from the spool's bound, to the main log */
static void
alert_log(void *ctx, const char *msg)
{
	(void)ctx;
	log_write(0, LOG_MAIN, "relayhint: warning: %s", msg);
}

/* alert_note - a sighting for the webhook alerts; never disturbs delivery */
static void
alert_note(const struct rhx_opts *o, const struct kb *kb,
    const struct eximlog_answer *a, const char *spath, int uid, int gid)
{
	struct alertspool sp;
	char	 err[ALERT_ERR_MAX];
	unsigned long held = 0;

	if (o->alert_spool[0] == '\0' || a->v.cause == NULL)
		return;
	memset(&sp, 0, sizeof(sp));
	sp.dir = o->alert_spool;
	sp.max = o->alert_max;
	sp.quiet = o->alert_quiet;
	sp.log = alert_log;
	if (alertspool_note(&sp, &a->v, &kb->hints, o->lang, "exim",
	    time(NULL), err, sizeof(err)) >= 0)
		return;
	/* one line per window for all Exim processes, as for syslog */
	if (rate_ok(spath, "relayhint|alert-spool", RHX_ALERT_WARN, &held,
	    uid, gid))
		log_write(0, LOG_MAIN, "relayhint: warning: webhook alert not "
		    "spooled (the message is not affected): %s suppressed=%lu",
		    err, held);
}

/* relayhint_event - event_action: classify, log, yield "" */
RHX_EXPORT int
relayhint_event(uschar **yield, int argc, uschar *argv[])
{
	struct rhx_opts o;
	struct eximlog_query q;
	struct eximlog_answer a;
	struct buf b;
	const struct kb *kb;
	const char *ev, *why = NULL, *note, *id;
	char	 rcpt[320], rkey[400], spath[PATH_MAX + 32];
	unsigned long suppressed = 0;
	long	 en;
	int	 uid, gid;

	*yield = NULL;
	if (argc < 5 || argc > 6)
		return (fail_config(yield, "relayhint_event", "wants "
		    "{$event_name}{$event_data}{$event_defer_errno}"
		    "{$message_exim_id}{$host} and optional {OPTIONS}"));
	ev = CS argv[0];
	/* Cheap exit for tcp:*, smtp:*, tls:*, msg:delivery, msg:complete */
	if (strncmp(ev, "msg:", 4) != 0 || (strstr(ev, "defer") == NULL &&
	    strstr(ev, "fail") == NULL))
		return (OK);
	if (parse_opts(argc > 5 ? CS argv[5] : NULL, &o, &why) < 0)
		return (fail_config(yield, "relayhint_event", why));
	id = CS argv[3];
	if ((kb = get_kb(&o)) == NULL)
		return (OK);
	memset(&q, 0, sizeof(q));
	q.id = id;
	q.text = CS argv[1];
	en = strtol(CS argv[2], NULL, 10);
	q.defer_errno = en < INT_MIN || en > INT_MAX ? 0 : (int)en;
	q.relay = CS argv[4];
	q.mainlog = o.mainlog;
	q.tail_max = o.tail;
	q.in_attempt = 1;
	if (!eximlog_classify(kb, &q, &a))
		return (OK);
	if (a.v.recipient[0] == '\0') {
		(void)snprintf(rcpt, sizeof(rcpt), "%s", expand_var(
		    "${if def:domain{$local_part@$domain}}"));
		text_printable(a.v.recipient, sizeof(a.v.recipient), rcpt,
		    strlen(rcpt));
	}
	/* msg:host:defer and msg:defer of one attempt: one line */
	if (dedup_seen(id, a.v.cause))
		return (OK);
	note = eximlog_note(&a);
	if (a.log == EXIMLOG_LOG_ERROR)
		warn_once(RHX_W_MAINLOG, "cannot read the main log given "
		    "to relayhint_event; hints fall back to the event text");

	buf_init(&b, 4096);
	if (o.logmain) {
		/* Exim's style: "ID relayhint: ...", and Exim writes the ID */
		format_line(&b, id, &a, ev, 0, note);
		if (!b.overflow && b.len > strlen(id) + 2)
			log_write(0, LOG_MAIN, "%s", b.data + strlen(id) + 2);
		buf_reset(&b);
	}
	state_path(&o, spath, sizeof(spath));
	uid = (int)strtol(expand_var("$exim_uid"), NULL, 10);
	gid = (int)strtol(expand_var("$exim_gid"), NULL, 10);
	(void)snprintf(rkey, sizeof(rkey), "%s|%s", a.v.relay, a.v.cause);
	if (o.syslog[0] != '\0' && rate_ok(spath, rkey, o.ratelimit,
	    &suppressed, uid, gid)) {
		format_line(&b, id, &a, ev, suppressed, note);
		if (!b.overflow && syslog_line(&o, b.data) < 0) {
			char	 w[CONFIG_PATH_MAX + 128];

			(void)snprintf(w, sizeof(w), "cannot send to %s: %s",
			    o.syslog, strerror(errno));
			warn_once(RHX_W_SYSLOG, w);
		}
	}
	buf_free(&b);
	alert_note(&o, kb, &a, spath, uid, gid);
	return (OK);
}

/* relayhint_cause - the cause id of a message id or an error text */
RHX_EXPORT int
relayhint_cause(uschar **yield, int argc, uschar *argv[])
{
	struct rhx_opts o;
	struct eximlog_answer a;
	const struct kb *kb;
	const char *why = NULL;

	*yield = NULL;
	if (argc < 1 || argc > 3)
		return (fail_config(yield, "relayhint_cause",
		    "wants {MSGID-OR-TEXT} and optional {OPTIONS}{FALLBACK}"));
	if (parse_opts(argc > 1 ? CS argv[1] : NULL, &o, &why) < 0)
		return (fail_config(yield, "relayhint_cause", why));
	if ((kb = get_kb(&o)) == NULL)
		return (OK);
	if (eximlog_lookup(kb, o.mainlog, o.tail, CS argv[0],
	    argc > 2 ? CS argv[2] : NULL, &a))
		yield_str(yield, a.v.cause, 0);
	return (OK);
}

/* parse_format - "text", "header", "cause" plus ",delayed" and friends */
static int
parse_format(const char *s, int *kind, int *flags, int *utf8)
{
	char	 copy[128], *w, *save = NULL;

	*kind = 't';
	*flags = 0;
	*utf8 = 0;
	if (strlen(s) >= sizeof(copy))
		return (-1);
	memcpy(copy, s, strlen(s) + 1);
	for (w = strtok_r(copy, ", ", &save); w != NULL;
	    w = strtok_r(NULL, ", ", &save)) {
		if (strcmp(w, "text") == 0 || strcmp(w, "block") == 0)
			*kind = 't';
		else if (strcmp(w, "header") == 0)
			*kind = 'h';
		else if (strcmp(w, "cause") == 0)
			*kind = 'c';
		else if (strcmp(w, "delayed") == 0)
			*flags |= HINT_DELAYED;
		else if (strcmp(w, "admin") == 0)
			*flags |= HINT_ADMIN_FIRST;
		else if (strcmp(w, "nouser") == 0)
			*flags |= HINT_NO_USER;
		else if (strcmp(w, "utf8") == 0)
			*utf8 = 1;
		else
			return (-1);
	}
	return (0);
}

/* relayhint_hint - the hint text for a message id or an error text */
RHX_EXPORT int
relayhint_hint(uschar **yield, int argc, uschar *argv[])
{
	struct rhx_opts o;
	struct eximlog_answer a;
	struct buf b;
	struct xheaders xh;
	const struct kb *kb;
	const char *why = NULL, *lang;
	int	 kind, flags, utf8;

	*yield = NULL;
	if (argc < 3 || argc > 4)
		return (fail_config(yield, "relayhint_hint", "wants "
		    "{MSGID-OR-TEXT}{LANG}{FORMAT} and optional {OPTIONS}"));
	if (parse_format(CS argv[2], &kind, &flags, &utf8) < 0)
		return (fail_config(yield, "relayhint_hint", "FORMAT is text, "
		    "header or cause, with ,delayed ,admin ,nouser ,utf8"));
	if (parse_opts(argc > 3 ? CS argv[3] : NULL, &o, &why) < 0)
		return (fail_config(yield, "relayhint_hint", why));
	if ((kb = get_kb(&o)) == NULL)
		return (OK);
	if (!eximlog_lookup(kb, o.mainlog, o.tail, CS argv[0], NULL, &a))
		return (OK);
	lang = CS argv[1];
	/* LANG may come from message data: a bad tag is not a config error */
	if (lang[0] == '\0')
		lang = o.lang;
	else if (!text_lang_ok(lang)) {
		warn_once(RHX_W_LANG, "relayhint_hint: LANG is not a "
		    "language tag; using en");
		lang = "en";
	}
	if (!o.user_note)
		flags |= HINT_NO_USER;
	if (kind == 'c') {
		yield_str(yield, a.v.cause, 0);
		return (OK);
	}
	buf_init(&b, RHX_OUT_MAX);
	if (kind == 'h') {
		/* appended to a template's header line: never a blank line */
		(void)xheader_fields(&xh, &a.v, NULL, NULL, NULL);
		xheader_write(&b, &xh, "\n", "");
	} else {
		if (hint_render(&kb->hints, &a.v, lang, flags, &b) < 0)
			buf_reset(&b);
		/* Exim labels the part us-ascii; a translation may not fit */
		if (!utf8 && b.len > 0 && !text_is_ascii(b.data, b.len)) {
			warn_once(RHX_W_ASCII, "relayhint_hint: the hint "
			    "in this language is not ASCII and Exim labels "
			    "the bounce us-ascii; using en (add ,utf8 to "
			    "FORMAT to send it anyway)");
			buf_reset(&b);
			if (hint_render(&kb->hints, &a.v, "en", flags, &b) < 0)
				buf_reset(&b);
		}
	}
	if (!b.overflow && b.len > 0)
		yield_str(yield, b.data, 1);
	buf_free(&b);
	return (OK);
}

/* bounce_log - main log and rate-limited syslog line for a received bounce */
static void
bounce_log(const struct rhx_opts *o, const struct kb *kb,
    const struct eximlog_answer *a, const char *lang)
{
	struct buf b;
	const char *id = expand_var("$message_exim_id");
	char	 rkey[400], spath[PATH_MAX + 32];
	unsigned long suppressed = 0;
	int	 uid, gid, pass;

	state_path(o, spath, sizeof(spath));
	uid = (int)strtol(expand_var("$exim_uid"), NULL, 10);
	gid = (int)strtol(expand_var("$exim_gid"), NULL, 10);
	(void)snprintf(rkey, sizeof(rkey), "inbound|%s", a->v.cause);
	buf_init(&b, 4096);
	for (pass = 0; pass < 2; pass++) {
		if (pass == 0 && !o->logmain)
			continue;
		if (pass == 1 && (o->syslog[0] == '\0' || !rate_ok(spath,
		    rkey, o->ratelimit, &suppressed, uid, gid)))
			break;
		buf_reset(&b);
		(void)logfmt_verdict(&b, id, &a->v, lang, "header",
		    suppressed);
		(void)logfmt_kind(&b, &a->v, "dsn");
		if (b.overflow)
			break;
		/* Exim's main log style: "ID relayhint: ...", Exim adds ID */
		if (pass == 0)
			log_write(0, LOG_MAIN, "%s", strstr(b.data,
			    "relayhint: ") ? strstr(b.data, "relayhint: ") :
			    b.data);
		else if (syslog_line(o, b.data) < 0)
			warn_once(RHX_W_SYSLOG, "relayhint_bounce: cannot send "
			    "to the syslog socket");
	}
	buf_free(&b);
	alert_note(o, kb, a, spath, uid, gid);
}

/*
 * relayhint_bounce - a bounce received over SMTP: the header lines to
 * add, or the cause.  HEADERS is $message_headers_raw (LF between
 * fields), BODY is $message_body with message_body_newlines = true; a
 * body cut at message_body_visible still has the NDR's diagnostic text,
 * which comes first.
 */
RHX_EXPORT int
relayhint_bounce(uschar **yield, int argc, uschar *argv[])
{
	struct rhx_opts o;
	struct eximlog_answer *a;
	struct bounce_result *res;
	struct buf hdrs, out;
	const struct kb *kb;
	struct xheaders xh;
	const char *why = NULL, *lang, *used = "en";
	size_t	 blen;
	int	 kind, flags, utf8, ok;

	*yield = NULL;
	if (argc < 3 || argc > 5)
		return (fail_config(yield, "relayhint_bounce", "wants "
		    "{HEADERS}{BODY}{FORMAT} and optional {LANG}{OPTIONS}"));
	if (parse_format(CS argv[2], &kind, &flags, &utf8) < 0 ||
	    (kind != 'h' && kind != 'c'))
		return (fail_config(yield, "relayhint_bounce", "FORMAT is "
		    "header or cause"));
	if (parse_opts(argc > 4 ? CS argv[4] : NULL, &o, &why) < 0)
		return (fail_config(yield, "relayhint_bounce", why));
	if ((kb = get_kb(&o)) == NULL)
		return (OK);
	lang = argc > 3 ? CS argv[3] : "";
	if (lang[0] == '\0' || !text_lang_ok(lang))
		lang = o.lang;
	/* the header block as bounce_classify wants it: one line end each */
	buf_init(&hdrs, 256 * 1024);
	buf_puts(&hdrs, CS argv[0]);
	buf_putc(&hdrs, '\n');
	blen = strlen(CS argv[1]);
	a = calloc(1, sizeof(*a));
	res = malloc(sizeof(*res));
	/* over the CPU budget: no header, no cause, one main log line */
	budget_start(BUDGET_WORK_DEFAULT, BUDGET_CPU_MS_DEFAULT);
	ok = a != NULL && res != NULL && !hdrs.overflow &&
	    hdrs.len + blen <= BOUNCE_DEFAULT_MAX &&
	    bounce_classify(kb, hdrs.data, hdrs.len, CS argv[1], blen, res);
	if (budget_stop(NULL, NULL)) {
		log_write(0, LOG_MAIN, "relayhint: warning: message passed "
		    "unchanged: over the CPU budget");
		ok = 0;
	}
	if (!ok || res->already || res->v.cause == NULL) {
		free(a);
		free(res);
		buf_free(&hdrs);
		return (OK);
	}
	buf_free(&hdrs);
	a->v = res->v;
	a->tier = EXIMLOG_TIER_RESULT;
	a->src = EXIMLOG_SRC_EVENT;
	free(res);
	if (kind == 'c')
		yield_str(yield, a->v.cause, 0);
	else {
		/* lines for add_header: newline between, none at the end */
		(void)xheader_fields(&xh, &a->v, &kb->hints, lang, &used);
		buf_init(&out, 4096);
		xheader_write(&out, &xh, "\n", "");
		if (!out.overflow)
			yield_str(yield, out.data + 1, 1);
		buf_free(&out);
	}
	bounce_log(&o, kb, a, kind == 'h' ? used : "");
	free(a);
	return (OK);
}

/* relayhint_version - what was built and what is loaded, for -be checks */
RHX_EXPORT int
relayhint_version(uschar **yield, int argc, uschar *argv[])
{
	struct rhx_opts o;
	struct buf b;
	const struct kb *kb;
	const char *why = NULL;
	int	 i;

	*yield = NULL;
	if (argc > 1)
		return (fail_config(yield, "relayhint_version",
		    "wants no argument or {OPTIONS}"));
	if (parse_opts(argc > 0 ? CS argv[0] : NULL, &o, &why) < 0)
		return (fail_config(yield, "relayhint_version", why));
	buf_init(&b, 1024);
	buf_printf(&b, "relayhint %s exim-abi %d.%d", RH_VERSION,
	    LOCAL_SCAN_ABI_VERSION_MAJOR, LOCAL_SCAN_ABI_VERSION_MINOR);
	if ((kb = get_kb(&o)) != NULL) {
		buf_printf(&b, " rules=%d causes=%d langs=", kb->rules->nrules,
		    kb->rules->ncauses);
		for (i = 0; i < kb->hints.ncat; i++)
			buf_printf(&b, "%s%s", i ? "," : "",
			    kb->hints.cat[i].lang);
	} else
		buf_puts(&b, " kb=unavailable");
	if (!b.overflow)
		yield_str(yield, b.data, 0);
	buf_free(&b);
	return (OK);
}
