/*
 * alertspool.c - webhook alerts: the spool and the per-cause quiet window
 *
 * Functions: alertspool_fill, alertspool_serialize, alertspool_parse,
 * alertspool_cause_ok, alertspool_put, alertspool_list,
 * alertspool_list_free, alertspool_note.
 *
 * The spool is a directory of small text files, one per alert, named
 * "a.SECONDS.MICROSECONDS.PID.SEQ" with fixed-width numbers so that
 * name order is age order.  A file is written under a "t." name and
 * renamed, so the drainer never sees half an alert.  The spool holds at
 * most "max" files: the writer removes the oldest beyond that and logs
 * each one it drops ("alert spool full (MAX): dropped oldest alert
 * NAME").  Values are printable (text_printable) and the reply goes
 * through explain_redact: an alert carries no password or token.
 *
 * Several programs share one spool: the milter (its own user), Exim's
 * delivery processes (root and the Exim user), scan --follow.  The
 * documented setup is a directory of a common group, mode 2770; files
 * are made group-readable (alerts) or group-writable (state) whatever
 * the caller's umask, and opened with O_NOFOLLOW: a group member must
 * not be able to point a writer elsewhere with a symbolic link.
 *
 * The quiet window lives in SPOOL/state/CAUSE, the on-disk store of
 * quiet.c (one line "relayhint-alert-state 1 FIRST LAST COUNT HELD",
 * rewritten under a lock tried for about 200 ms, never waited for: mail
 * goes on without the alert).  The cause id becomes a file name only
 * when it is [a-z0-9._-] and does not start with a dot.
 *
 * Limits: ALERT_VALUE_MAX per value, ALERT_FILE_MAX per spool file,
 * ALERT_SPOOL_SCAN_MAX files listed, ALERT_STATE_MAX state files.
 *
 * Logs: nothing itself; errors go back in err, drops through the
 * caller's alert_log_fn.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "alertspool.h"
#include "buf.h"
#include "explain.h"
#include "quiet.h"
#include "text.h"

#define STATE_DIR	"state"

/* put - a printable copy of a C string into a fixed field */
static void
put(char *dst, size_t dstlen, const char *src)
{
	if (src == NULL)
		src = "";
	text_printable(dst, dstlen, src, strlen(src));
}

/* say - a notice through the caller's logger, or stderr */
static void
say(alert_log_fn *log, void *ctx, const char *msg)
{
	if (log != NULL)
		log(ctx, msg);
	else
		fprintf(stderr, "relayhint: warning: %s\n", msg);
}

/* alertspool_fill - an alert from a verdict and the hint for its cause */
void
alertspool_fill(struct alert *a, const struct verdict *v,
    const struct hints *h, const char *lang, const char *source)
{
	const struct hint_entry *e = NULL;
	const char *used = NULL;
	char	 reply[REPLY_TEXT_MAX], host[256] = "";
	int	 k;

	memset(a, 0, sizeof(*a));
	put(a->cause, sizeof(a->cause), v->cause);
	put(a->area, sizeof(a->area), v->area);
	a->smtp_code = v->smtp_code;
	put(a->status, sizeof(a->status), v->status);
	put(a->relay, sizeof(a->relay), v->relay);
	put(a->server_id, sizeof(a->server_id), v->server_id);
	put(a->queue_id, sizeof(a->queue_id), v->queue_id);
	/* the verdict redacts relay-local text; do it again, it is cheap */
	text_copy(reply, sizeof(reply), v->reply, strlen(v->reply));
	explain_redact(reply);
	put(a->reply, sizeof(a->reply), reply);
	/* the name is not trusted to be printable either */
	if (gethostname(host, sizeof(host) - 1) < 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	put(a->host, sizeof(a->host), host);
	put(a->source, sizeof(a->source), source);
	if (v->cause != NULL && h != NULL)
		e = hints_find(h, lang ? lang : "en", v->cause, &used);
	if (e == NULL)
		return;
	put(a->lang, sizeof(a->lang), used);
	put(a->summary, sizeof(a->summary), e->summary);
	for (k = 0; k < e->nsteps && k < ALERT_STEPS; k++)
		put(a->step[k], sizeof(a->step[k]), e->step[k]);
	a->nsteps = k;
}

/* alertspool_serialize - "key value" lines; values have no line ends */
int
alertspool_serialize(const struct alert *a, struct buf *b)
{
	int	 k;

	buf_puts(b, "relayhint-alert 1\n");
	buf_printf(b, "cause %s\narea %s\nsmtp_code %d\nstatus %s\n",
	    a->cause, a->area, a->smtp_code, a->status);
	buf_printf(b, "relay %s\nserver_id %s\nqueue_id %s\nreply %s\n",
	    a->relay, a->server_id, a->queue_id, a->reply);
	buf_printf(b, "first_seen %s\nlast_seen %s\ncount %lu\n"
	    "suppressed %lu\n", a->first_seen, a->last_seen, a->count,
	    a->suppressed);
	buf_printf(b, "host %s\nsource %s\nlang %s\nsummary %s\n", a->host,
	    a->source, a->lang, a->summary);
	for (k = 0; k < a->nsteps; k++)
		buf_printf(b, "step %s\n", a->step[k]);
	return (b->overflow ? -1 : 0);
}

/* alertspool_parse - the spool form back into an alert */
int
alertspool_parse(struct alert *a, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl, *sp;
	char	 key[32], num[32];
	size_t	 klen, vlen;
	int	 first = 1;

	memset(a, 0, sizeof(*a));
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if ((sp = memchr(p, ' ', (size_t)(nl - p))) == NULL)
			sp = nl;
		klen = (size_t)(sp - p);
		if (klen >= sizeof(key))
			return (-1);
		memcpy(key, p, klen);
		key[klen] = '\0';
		if (sp < nl)
			sp++;
		vlen = (size_t)(nl - sp);
		if (first) {
			if (strcmp(key, "relayhint-alert") != 0)
				return (-1);
			first = 0;
			continue;
		}
#define F(name, field)							\
		else if (strcmp(key, name) == 0)			\
			text_printable(a->field, sizeof(a->field), sp, vlen)
		if (klen == 0)
			continue;
		F("cause", cause);
		F("area", area);
		F("status", status);
		F("relay", relay);
		F("server_id", server_id);
		F("queue_id", queue_id);
		F("reply", reply);
		F("first_seen", first_seen);
		F("last_seen", last_seen);
		F("host", host);
		F("source", source);
		F("lang", lang);
		F("summary", summary);
#undef F
		else if (strcmp(key, "step") == 0 && a->nsteps < ALERT_STEPS) {
			text_printable(a->step[a->nsteps],
			    sizeof(a->step[0]), sp, vlen);
			a->nsteps++;
		} else if (strcmp(key, "smtp_code") == 0 ||
		    strcmp(key, "count") == 0 ||
		    strcmp(key, "suppressed") == 0) {
			text_copy(num, sizeof(num), sp, vlen);
			if (key[0] == 's' && key[1] == 'm')
				a->smtp_code = atoi(num);
			else if (key[0] == 'c')
				a->count = strtoul(num, NULL, 10);
			else
				a->suppressed = strtoul(num, NULL, 10);
		}
		if (nl == end)
			break;
	}
	return (first || a->cause[0] == '\0' ? -1 : 0);
}

/* alertspool_cause_ok - a cause id that is safe as a file name */
int
alertspool_cause_ok(const char *s)
{
	size_t	 i, n;

	if (s == NULL || (n = strlen(s)) == 0 || n >= ALERT_CAUSE_MAX ||
	    s[0] == '.')
		return (0);
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		    s[i] == '_' || s[i] == '-'))
			return (0);
	return (1);
}

/* name_cmp - qsort: file names in age order */
static int
name_cmp(const void *x, const void *y)
{
	return (strcmp(*(char *const *)x, *(char *const *)y));
}

/* alertspool_list - the alert files, oldest first */
int
alertspool_list(const char *dir, char ***names)
{
	DIR	*d;
	struct dirent *de;
	char	**v;
	int	 n = 0;

	*names = NULL;
	if ((d = opendir(dir)) == NULL)
		return (-1);
	if ((v = calloc(ALERT_SPOOL_SCAN_MAX, sizeof(*v))) == NULL) {
		closedir(d);
		return (-1);
	}
	while (n < ALERT_SPOOL_SCAN_MAX && (de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "a.", 2) != 0)
			continue;
		if ((v[n] = strdup(de->d_name)) == NULL)
			break;
		n++;
	}
	closedir(d);
	qsort(v, (size_t)n, sizeof(*v), name_cmp);
	*names = v;
	return (n);
}

/* alertspool_list_free - release a listing */
void
alertspool_list_free(char **names, int n)
{
	int	 i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* write_all - the whole buffer, or -1 */
static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

/* alertspool_put - one alert file, then enforce the bound */
int
alertspool_put(const char *dir, int max, const struct alert *a,
    alert_log_fn *log, void *logctx, char *err, size_t errlen)
{
	/* milter threads share it: names must not collide */
	static atomic_ulong seq;
	struct timeval tv;
	struct buf b;
	char	 tmp[4096], final[4096], msg[512], **names;
	unsigned long n_seq;
	int	 fd, n, i, rc = -1, e;

	if (max <= 0)
		max = ALERT_SPOOL_DEFAULT_MAX;
	buf_init(&b, ALERT_FILE_MAX);
	if (alertspool_serialize(a, &b) < 0) {
		text_seterr(err, errlen, "alert for %s too large; not spooled",
		    a->cause);
		goto out;
	}
	gettimeofday(&tv, NULL);
	n_seq = atomic_fetch_add(&seq, 1) + 1;
	snprintf(final, sizeof(final), "%s/a.%012lld.%06ld.%010ld.%010lu",
	    dir, (long long)tv.tv_sec, (long)tv.tv_usec, (long)getpid(),
	    n_seq);
	snprintf(tmp, sizeof(tmp), "%s/t.%010ld.%010lu", dir, (long)getpid(),
	    n_seq);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC | O_NOCTTY, 0640)) < 0) {
		text_seterr(err, errlen, "alert spool %s: %s", dir, strerror(errno));
		goto out;
	}
	/* whatever the umask: the drainer reads it through the group */
	if (fchmod(fd, 0640) < 0 || write_all(fd, b.data, b.len) < 0 ||
	    fsync(fd) < 0) {
		e = errno;
		close(fd);
		unlink(tmp);
		text_seterr(err, errlen, "alert spool %s: %s", dir, strerror(e));
		goto out;
	}
	if (close(fd) < 0 || rename(tmp, final) < 0) {
		e = errno;
		unlink(tmp);
		text_seterr(err, errlen, "alert spool %s: %s", dir, strerror(e));
		goto out;
	}
	rc = 0;
	/* the bound: the oldest go first, each with a log line */
	if ((n = alertspool_list(dir, &names)) > max) {
		for (i = 0; i < n - max; i++) {
			snprintf(tmp, sizeof(tmp), "%s/%s", dir, names[i]);
			/* another writer may have taken it: no line then */
			if (unlink(tmp) == 0) {
				snprintf(msg, sizeof(msg), "alert spool full "
				    "(%d): dropped oldest alert %s", max,
				    names[i]);
				say(log, logctx, msg);
			}
		}
	}
	if (n >= 0)
		alertspool_list_free(names, n);
out:
	buf_free(&b);
	return (rc);
}

/* iso_time - "2026-11-22T17:00:00Z" */
static void
iso_time(char *out, size_t len, long long t)
{
	time_t	 tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL)
		snprintf(out, len, "-");
	else
		strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* alertspool_note - count a sighting; spool when the quiet window allows */
int
alertspool_note(const struct alertspool *sp, const struct verdict *v,
    const struct hints *h, const char *lang, const char *source,
    time_t now, char *err, size_t errlen)
{
	struct quiet s;
	struct alert a;
	char	 sdir[4096];
	unsigned long held;
	int	 fd, due;

	if (sp == NULL || sp->dir == NULL || sp->dir[0] == '\0' ||
	    v->cause == NULL)
		return (0);
	if (!alertspool_cause_ok(v->cause)) {
		char	 shown[64];

		put(shown, sizeof(shown), v->cause);
		return (text_seterr(err, errlen, "cause id \"%s\" is not "
		    "[a-z0-9._-]; no alert", shown));
	}
	if ((size_t)snprintf(sdir, sizeof(sdir), "%s/%s", sp->dir,
	    STATE_DIR) >= sizeof(sdir))
		return (text_seterr(err, errlen, "alert spool path too long"));
	if ((fd = quiet_open("alert spool", "causes", sdir, v->cause, err,
	    errlen)) < 0)
		return (-1);
	quiet_read(fd, &s);
	if (s.first == 0)
		s.first = (long long)now;
	s.count++;
	due = quiet_due(&s, sp->quiet, now);
	held = s.held;
	/*
	 * The quiet window starts only once the alert is in the spool, so
	 * the alert is written under the state lock: a spool that cannot
	 * be written leaves the cause due (the next sighting tries again)
	 * instead of muted for alert_quiet with nothing sent.  A sighting
	 * of the same cause meanwhile waits at most the lock's 200 ms.
	 */
	if (due) {
		alertspool_fill(&a, v, h, lang, source);
		iso_time(a.first_seen, sizeof(a.first_seen), s.first);
		iso_time(a.last_seen, sizeof(a.last_seen), (long long)now);
		a.count = s.count;
		a.suppressed = held;
		if (alertspool_put(sp->dir, sp->max, &a, sp->log, sp->logctx,
		    err, errlen) < 0)
			due = -1;
	}
	if (due == 1) {
		s.last = (long long)now;
		s.held = 0;
	} else
		s.held++;
	/* a state not written after a spooled alert: the next is not muted */
	if (quiet_write(fd, &s) < 0 && due == 0) {
		text_seterr(err, errlen, "alert spool %s: state for %s: %s",
		    sp->dir, v->cause, strerror(errno));
		close(fd);
		return (-1);
	}
	close(fd);			/* drops the lock */
	return (due);
}
