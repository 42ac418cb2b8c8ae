/*
 * alert_drain.c - relayhint alert-drain: post spooled alerts with libcurl
 *
 * Functions: cmd_alert_drain.
 *
 * Takes the spool's files oldest first, renders each for every
 * configured webhook (generic JSON, Teams, Slack), signs the body
 * (X-Relayhint-Timestamp, X-Relayhint-Signature: sha256=HEX over
 * "TIMESTAMP.BODY") and POSTs it: TLS peers verified (an extra CA file
 * may be given), connect and total timeouts, at most 1 + retries
 * attempts per webhook with doubling backoff.  An alert leaves the
 * spool only once every webhook took it: one a webhook did not take
 * stays for the next pass (or run), and that webhook is not tried again
 * in this pass (a dead receiver costs one round of retries per pass, not
 * one per alert).  Bounds: an alert older than --max-age is dropped, and
 * the writers keep at most their spool bound, dropping the oldest; both
 * with a log line.  Which webhooks took an alert is recorded in
 * SPOOL/d.NAME (one hook id per line, written after each 2xx), so a
 * drainer killed mid-run resumes where it stopped and does not post an
 * alert again to a webhook that has it; the hook id is a hash of format
 * and URL, as the URL is a credential.  At most the one request in
 * flight when it was killed is repeated.  One drainer per spool (flock
 * on SPOOL/.lock).  It runs apart from the mail path: a dead receiver
 * only delays alerts.
 *
 * Logs (stderr, for the journal): one line per failed attempt, per
 * alert kept for later, per dropped alert and per unreadable file.  A webhook URL is logged as
 * scheme://host only: Slack and Teams URLs carry their credential in
 * the path or query.  The signing secret is never logged.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "alert.h"
#include "buf.h"
#include "cli.h"
#include "net.h"

#define DRAIN_HOOKS_MAX		8
#define DRAIN_SECRET_MAX	4096
#define DRAIN_BACKOFF_MAX	60
#define DRAIN_RESP_MAX		4096
#define DRAIN_AGE_DEFAULT	(7 * 24 * 3600)
#define DRAIN_ID_LEN		32	/* hex digits of a hook id */

struct hook {
	enum alert_format fmt;
	const char	*url;
	char		 shown[300];	/* scheme://host, safe to log */
	char		 id[DRAIN_ID_LEN + 1];	/* delivery record key */
	int		 down;		/* failed in this pass: skip */
};

struct drain {
	const char	*spool;
	struct hook	 hook[DRAIN_HOOKS_MAX];
	int		 nhooks;
	char		 secret[DRAIN_SECRET_MAX];
	size_t		 secretlen;
	const char	*ca_file;
	int		 allow_http;	/* --allow-http: plain http:// too */
	long		 connect_timeout, timeout;
	int		 retries, backoff;
	long		 max_age;
	unsigned long	 sent, kept, dropped;
	struct buf	 hookfile;	/* --webhook-file; hook URLs point in */
};

static volatile sig_atomic_t drain_stop;

/* on_signal - finish the current request, then stop */
static void
on_signal(int sig)
{
	(void)sig;
	drain_stop = 1;
}

/* url_shown - scheme://host[:port] of a URL, for log lines */
static void
url_shown(const char *url, char *out, size_t len)
{
	const char *p = strstr(url, "://"), *e;

	if (p == NULL) {
		snprintf(out, len, "(bad url)");
		return;
	}
	p += 3;
	for (e = p; *e && *e != '/' && *e != '?' && *e != '#' && *e != '@'; e++)
		;
	if (*e == '@') {	/* user:pass@host: skip the credentials */
		p = e + 1;
		for (e = p; *e && *e != '/' && *e != '?' && *e != '#'; e++)
			;
	}
	snprintf(out, len, "%.*s%.*s", (int)(strstr(url, "://") - url + 3),
	    url, (int)(e - p > 200 ? 200 : e - p), p);
}

/* sink - keep at most DRAIN_RESP_MAX bytes of the receiver's answer */
static size_t
sink(char *ptr, size_t size, size_t n, void *arg)
{
	buf_append(arg, ptr, size * n);
	return (size * n);
}

/* post_once - one POST; 0 when the receiver answered 2xx */
static int
post_once(struct drain *d, const struct hook *h, const char *body,
    size_t len, char *why, size_t whylen)
{
	CURL	*curl;
	struct curl_slist *hdr = NULL;
	struct buf resp;
	char	 ts[32], sig[ALERT_SIG_HEX], line[128],
		 errbuf[CURL_ERROR_SIZE] = "";
	long	 status = 0;
	CURLcode rc;

	if ((curl = curl_easy_init()) == NULL) {
		snprintf(why, whylen, "curl_easy_init failed");
		return (-1);
	}
	buf_init(&resp, DRAIN_RESP_MAX);
	snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	hdr = curl_slist_append(hdr, "User-Agent: relayhint/" RH_VERSION);
	snprintf(line, sizeof(line), "X-Relayhint-Timestamp: %s", ts);
	hdr = curl_slist_append(hdr, line);
	if (d->secretlen > 0 && alert_sign(d->secret, d->secretlen, ts, body,
	    len, sig) == 0) {
		snprintf(line, sizeof(line), "X-Relayhint-Signature: sha256=%s",
		    sig);
		hdr = curl_slist_append(hdr, line);
	}
	hdr = curl_slist_append(hdr, "Expect:");
	curl_easy_setopt(curl, CURLOPT_URL, h->url);
	/* redirects too: no https:// webhook ends up in clear text */
	net_setup(curl, d->allow_http ? "http,https" : "https", d->ca_file,
	    d->connect_timeout, d->timeout, errbuf);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)len);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &resp);
	rc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(curl);
	buf_free(&resp);
	if (rc != CURLE_OK) {
		/* curl's messages name host and port, never the path */
		snprintf(why, whylen, "%s", errbuf[0] ? errbuf :
		    curl_easy_strerror(rc));
		return (-1);
	}
	if (status < 200 || status > 299) {
		snprintf(why, whylen, "HTTP status %ld", status);
		return (-1);
	}
	return (0);
}

/* deliver - one alert to one webhook, with bounded retries */
static int
deliver(struct drain *d, const struct hook *h, const struct alert *a,
    const char *name)
{
	struct buf body;
	char	 why[CURL_ERROR_SIZE + 64];
	int	 attempt, wait = d->backoff, rc = -1;

	buf_init(&body, ALERT_BODY_MAX);
	if (alert_payload(a, h->fmt, &body) < 0) {
		fprintf(stderr, "relayhint: warning: alert %s: payload too "
		    "large\n", name);
		buf_free(&body);
		return (-1);
	}
	for (attempt = 1; attempt <= d->retries + 1 && !drain_stop;
	    attempt++) {
		if (post_once(d, h, body.data, body.len, why, sizeof(why)) == 0) {
			rc = 0;
			break;
		}
		fprintf(stderr, "relayhint: warning: alert %s cause=%s to %s: "
		    "attempt %d/%d failed: %s\n", name, a->cause, h->shown,
		    attempt, d->retries + 1, why);
		if (attempt <= d->retries && !drain_stop) {
			sleep((unsigned)wait);
			wait = wait * 2 > DRAIN_BACKOFF_MAX ? DRAIN_BACKOFF_MAX :
			    wait * 2;
		}
	}
	buf_free(&body);
	return (rc);
}

/* hook_id - a hook's key in the delivery record: no URL on disk */
static void
hook_id(struct hook *h)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx;
	char	 fmt[16];
	int	 i;

	snprintf(fmt, sizeof(fmt), "%d,", (int)h->fmt);
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, fmt, strlen(fmt)) != 1 ||
	    EVP_DigestUpdate(ctx, h->url, strlen(h->url)) != 1 ||
	    EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen * 2 <
	    DRAIN_ID_LEN)
		mdlen = 0;
	EVP_MD_CTX_free(ctx);
	/* no digest: an id no record holds, so nothing is skipped */
	for (i = 0; i < DRAIN_ID_LEN / 2; i++)
		snprintf(h->id + 2 * i, 3, "%02x", mdlen ? md[i] : 0xff);
}

/* record_has - the delivery record of an alert names the hook */
static int
record_has(const struct buf *rec, const struct hook *h)
{
	const char *p = rec->data;

	for (; p != NULL && (p = strstr(p, h->id)) != NULL; p += DRAIN_ID_LEN)
		if ((p == rec->data || p[-1] == '\n') &&
		    p[DRAIN_ID_LEN] == '\n')
			return (1);
	return (0);
}

/* record_add - note that a hook took the alert, on disk before going on */
static void
record_add(const char *path, const struct hook *h)
{
	char	 line[DRAIN_ID_LEN + 2];
	int	 fd;

	snprintf(line, sizeof(line), "%s\n", h->id);
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC | O_NOCTTY, 0640)) < 0 ||
	    write(fd, line, strlen(line)) != (ssize_t)strlen(line) ||
	    fsync(fd) < 0)
		fprintf(stderr, "relayhint: warning: %s: %s (a restart may "
		    "post this alert again)\n", path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* alert_age - seconds since the alert was spooled (from its name) */
static long long
alert_age(const char *name, time_t now)
{
	long long t;

	if (sscanf(name, "a.%12lld.", &t) != 1)
		return (0);
	return ((long long)now - t);
}

/* drain_remove - an alert and its delivery record */
static void
drain_remove(const char *path, const char *rpath)
{
	unlink(path);
	unlink(rpath);
}

/*
 * drain_file - one spool file to every webhook that does not have it yet;
 * removed once all have it, kept otherwise
 */
static void
drain_file(struct drain *d, const char *name)
{
	struct alert a;
	struct buf text, rec;
	char	 path[4096], rpath[4096], err[512];
	long long age;
	int	 i, bad, all = 1;

	snprintf(path, sizeof(path), "%s/%s", d->spool, name);
	snprintf(rpath, sizeof(rpath), "%s/d.%s", d->spool, name);
	buf_init(&text, ALERT_FILE_MAX);
	if (buf_load_file(&text, path, err, sizeof(err)) < 0) {
		if (errno != ENOENT)	/* ENOENT: the writer dropped it */
			fprintf(stderr, "relayhint: warning: %s\n", err);
		buf_free(&text);
		drain_remove(path, rpath);
		return;
	}
	bad = alertspool_parse(&a, text.data ? text.data : "", text.len) < 0;
	buf_free(&text);
	if (bad) {
		fprintf(stderr, "relayhint: warning: alert %s: not an alert "
		    "file; removed\n", name);
		drain_remove(path, rpath);
		return;
	}
	if ((age = alert_age(name, time(NULL))) > d->max_age) {
		d->dropped++;
		fprintf(stderr, "relayhint: warning: alert %s cause=%s "
		    "undelivered for %llds (--max-age %ld): dropped\n", name,
		    a.cause, age, d->max_age);
		drain_remove(path, rpath);
		return;
	}
	buf_init(&rec, 4096);
	(void)buf_load_file(&rec, rpath, err, sizeof(err));
	for (i = 0; i < d->nhooks && !drain_stop; i++) {
		if (record_has(&rec, &d->hook[i]))
			continue;
		if (d->hook[i].down)
			all = 0;
		else if (deliver(d, &d->hook[i], &a, name) == 0) {
			record_add(rpath, &d->hook[i]);
			d->sent++;
		} else {
			all = 0;
			if (drain_stop)
				break;
			d->hook[i].down = 1;
			fprintf(stderr, "relayhint: warning: alert %s cause=%s "
			    "to %s not delivered after %d attempt(s): kept "
			    "for the next pass\n", name, a.cause,
			    d->hook[i].shown, d->retries + 1);
		}
	}
	buf_free(&rec);
	if (all && !drain_stop)
		drain_remove(path, rpath);
	else
		d->kept++;
}

/* drain_orphans - delivery records whose alert is gone (crash, bound) */
static void
drain_orphans(struct drain *d)
{
	DIR	*dir;
	struct dirent *de;
	struct stat st;
	char	 path[4096];
	int	 n = 0;

	if ((dir = opendir(d->spool)) == NULL)
		return;
	while ((de = readdir(dir)) != NULL && n++ < ALERT_SPOOL_SCAN_MAX) {
		if (strncmp(de->d_name, "d.a.", 4) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", d->spool,
		    de->d_name + 2);
		if (stat(path, &st) < 0 && errno == ENOENT) {
			snprintf(path, sizeof(path), "%s/%s", d->spool,
			    de->d_name);
			unlink(path);
		}
	}
	closedir(dir);
}

/* drain_pass - every file now in the spool, oldest first */
static int
drain_pass(struct drain *d)
{
	char	**names;
	int	 n, i;

	if ((n = alertspool_list(d->spool, &names)) < 0) {
		fprintf(stderr, "relayhint: alert spool %s: %s\n", d->spool,
		    strerror(errno));
		return (-1);
	}
	for (i = 0; i < d->nhooks; i++)
		d->hook[i].down = 0;
	d->kept = 0;
	for (i = 0; i < n && !drain_stop; i++)
		drain_file(d, names[i]);
	alertspool_list_free(names, n);
	drain_orphans(d);
	return (0);
}

/* load_secret - the signing key from a file or the environment */
static int
load_secret(struct drain *d, const char *file, const char *env)
{
	struct buf b;
	char	 err[512];
	const char *v;

	if (file != NULL) {
		buf_init(&b, DRAIN_SECRET_MAX - 1);
		if (buf_load_secret(&b, file, "webhook signing key", err,
		    sizeof(err)) < 0) {
			fprintf(stderr, "relayhint: %s\n", err);
			buf_free(&b);
			return (-1);
		}
		v = b.data ? b.data : "";
		d->secretlen = b.len;
		memcpy(d->secret, v, b.len);
		buf_free(&b);
	} else if (env != NULL) {
		if ((v = getenv(env)) == NULL || strlen(v) >= DRAIN_SECRET_MAX) {
			fprintf(stderr, "relayhint: $%s is not set or too "
			    "long\n", env);
			return (-1);
		}
		d->secretlen = strlen(v);
		memcpy(d->secret, v, d->secretlen);
	}
	/* a trailing line end in a secret file is not part of the key */
	while (d->secretlen > 0 && (d->secret[d->secretlen - 1] == '\n' ||
	    d->secret[d->secretlen - 1] == '\r'))
		d->secretlen--;
	return (0);
}

/* add_hook - one "FORMAT,URL" webhook; -1 when malformed or too many */
static int
add_hook(struct drain *d, const char *spec)
{
	const char *comma;
	char	 fmt[16];
	int	 f;

	if ((comma = strchr(spec, ',')) == NULL ||
	    (size_t)(comma - spec) >= sizeof(fmt) || comma[1] == '\0' ||
	    d->nhooks == DRAIN_HOOKS_MAX)
		return (-1);
	memcpy(fmt, spec, (size_t)(comma - spec));
	fmt[comma - spec] = '\0';
	if ((f = alert_format_parse(fmt)) < 0)
		return (-1);
	d->hook[d->nhooks].fmt = f;
	d->hook[d->nhooks].url = comma + 1;
	url_shown(comma + 1, d->hook[d->nhooks].shown,
	    sizeof(d->hook[0].shown));
	hook_id(&d->hook[d->nhooks]);
	d->nhooks++;
	return (0);
}

/*
 * load_hooks - "FORMAT,URL" lines from a file ('#' comments, blank lines
 * skipped).  Slack and Teams URLs are credentials: on the command line
 * every local user sees them in ps, so the file is the way to give them,
 * and one that others may read is refused like a world-writable config.
 */
static int
load_hooks(struct drain *d, const char *path)
{
	struct stat st;
	char	 err[512], *p, *nl, *e;
	int	 lineno = 0;

	if (stat(path, &st) == 0 && (st.st_mode & S_IROTH)) {
		fprintf(stderr, "relayhint: %s: refusing a webhook file others "
		    "may read (chmod o-r): webhook URLs are credentials\n",
		    path);
		return (-1);
	}
	buf_init(&d->hookfile, 64 * 1024);
	if (buf_load_file(&d->hookfile, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "relayhint: %s\n", err);
		return (-1);
	}
	for (p = d->hookfile.data; p != NULL && *p != '\0'; p = nl) {
		lineno++;
		if ((nl = strchr(p, '\n')) != NULL)
			*nl++ = '\0';
		e = p + strlen(p);
		while (e > p && (e[-1] == '\r' || e[-1] == ' ' ||
		    e[-1] == '\t'))
			*--e = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#')
			continue;
		if (add_hook(d, p) < 0) {
			/* the line is not echoed: it may hold a credential */
			fprintf(stderr, "relayhint: %s:%d: not FORMAT,URL "
			    "(json, teams or slack), or more than %d "
			    "webhooks\n", path, lineno, DRAIN_HOOKS_MAX);
			return (-1);
		}
	}
	return (0);
}

/* drain_free - the drain and its webhook file */
static void
drain_free(struct drain *d)
{
	buf_free(&d->hookfile);
	free(d);
}

/* num_arg - a bounded decimal option value; -1 when bad */
static long
num_arg(const char *s, long lo, long hi)
{
	char	*end;
	long	 v = strtol(s, &end, 10);

	return (*s == '\0' || *end != '\0' || v < lo || v > hi ? -1 : v);
}

/* cmd_alert_drain - alert-drain [--spool DIR] [--once] --webhook FMT,URL ... */
int
cmd_alert_drain(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "spool", required_argument, NULL, 's' },
		{ "once", no_argument, NULL, '1' },
		{ "webhook", required_argument, NULL, 'w' },
		{ "webhook-file", required_argument, NULL, 'W' },
		{ "secret-file", required_argument, NULL, 'k' },
		{ "secret-env", required_argument, NULL, 'e' },
		{ "ca-file", required_argument, NULL, 'C' },
		{ "retries", required_argument, NULL, 'r' },
		{ "backoff", required_argument, NULL, 'b' },
		{ "connect-timeout", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "interval", required_argument, NULL, 'i' },
		{ "allow-http", no_argument, NULL, 'H' },
		{ "max-age", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct drain *d;
	struct sigaction sa;
	const char *secret_file = NULL, *secret_env = NULL;
	char	 lockpath[4096];
	long	 interval = 5, v;
	int	 ch, once = 0, lockfd, rc = 0;

	(void)c;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return (EXIT_USAGE);
	d->spool = "/var/spool/relayhint/alerts";
	d->connect_timeout = 5;
	d->timeout = 10;
	d->retries = 3;
	d->backoff = 1;
	d->max_age = DRAIN_AGE_DEFAULT;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "s:1w:W:k:e:C:r:b:c:t:i:a:Hh", opts,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
			d->spool = optarg;
			break;
		case '1':
			once = 1;
			break;
		case 'w':
			if (add_hook(d, optarg) < 0)
				goto bad;
			break;
		case 'W':
			if (load_hooks(d, optarg) < 0) {
				drain_free(d);
				return (EXIT_USAGE);
			}
			break;
		case 'k':
			secret_file = optarg;
			break;
		case 'e':
			secret_env = optarg;
			break;
		case 'C':
			d->ca_file = optarg;
			break;
		case 'r':
			if ((v = num_arg(optarg, 0, 10)) < 0)
				goto bad;
			d->retries = (int)v;
			break;
		case 'b':
			if ((v = num_arg(optarg, 0, DRAIN_BACKOFF_MAX)) < 0)
				goto bad;
			d->backoff = (int)v;
			break;
		case 'c':
			if ((v = num_arg(optarg, 1, 300)) < 0)
				goto bad;
			d->connect_timeout = v;
			break;
		case 't':
			if ((v = num_arg(optarg, 1, 600)) < 0)
				goto bad;
			d->timeout = v;
			break;
		case 'i':
			if ((v = num_arg(optarg, 1, 3600)) < 0)
				goto bad;
			interval = v;
			break;
		case 'H':
			d->allow_http = 1;
			break;
		case 'a':
			if ((v = num_arg(optarg, 60, 366L * 24 * 3600)) < 0)
				goto bad;
			d->max_age = v;
			break;
		case 'h':
			usage_cmd(stdout, "alert-drain");
			drain_free(d);
			return (0);
		default:
			goto bad;
		}
	}
	if (optind != argc || d->nhooks == 0) {
		fprintf(stderr, "relayhint: alert-drain needs at least one "
		    "--webhook FORMAT,URL or a --webhook-file\n");
		goto bad;
	}
	for (v = 0; v < d->nhooks; v++)
		if (!d->allow_http && strncasecmp(d->hook[v].url, "https://",
		    8) != 0) {
			/* the alert, the signature and a Slack or Teams URL's
			 * credential would cross the network in clear */
			fprintf(stderr, "relayhint: webhook %s: not https://; "
			    "plain http:// is refused unless --allow-http "
			    "(a receiver on loopback)\n", d->hook[v].shown);
			drain_free(d);
			return (EXIT_USAGE);
		}
	if (load_secret(d, secret_file, secret_env) < 0) {
		drain_free(d);
		return (EXIT_USAGE);
	}
	if (d->secretlen == 0)
		fprintf(stderr, "relayhint: warning: no --secret-file: alerts "
		    "are not signed\n");
	snprintf(lockpath, sizeof(lockpath), "%s/.lock", d->spool);
	if ((lockfd = open(lockpath, O_RDWR | O_CREAT, 0600)) < 0 ||
	    flock(lockfd, LOCK_EX | LOCK_NB) < 0) {
		fprintf(stderr, "relayhint: %s: %s\n", lockpath, errno ==
		    EWOULDBLOCK ? "another alert-drain runs" : strerror(errno));
		if (lockfd >= 0)
			close(lockfd);
		explicit_bzero(d->secret, sizeof(d->secret));
		drain_free(d);
		return (EXIT_USAGE);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	for (;;) {
		if (drain_pass(d) < 0) {
			rc = EXIT_USAGE;
			break;
		}
		if (once || drain_stop)
			break;
		for (v = 0; v < interval * 4 && !drain_stop; v++)
			usleep(250 * 1000);
		if (drain_stop)
			break;
	}
	curl_global_cleanup();
	close(lockfd);
	if (rc == 0 && (d->dropped > 0 || d->kept > 0))
		rc = EXIT_NOCAUSE;
	if (once)
		fprintf(stderr, "relayhint: alert-drain: %lu sent, %lu kept "
		    "for the next run, %lu dropped\n", d->sent, d->kept,
		    d->dropped);
	explicit_bzero(d->secret, sizeof(d->secret));
	drain_free(d);
	return (rc);
bad:
	usage_cmd(stderr, "alert-drain");
	drain_free(d);
	return (EXIT_USAGE);
}
