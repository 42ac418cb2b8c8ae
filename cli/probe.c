/*
 * probe.c - relayhint probe: log in to Microsoft 365 the way the relay does
 *
 * Functions: cmd_probe.
 *
 * Connects with libcurl's SMTP client (STARTTLS required, server
 * certificate verified), authenticates with a password (AUTH LOGIN) or
 * an OAuth 2.0 token (AUTH XOAUTH2; from a file or fetched app-only with
 * client credentials), then sends NOOP or, with --send-to, a short test
 * message.  The server's last reply is captured from libcurl's debug
 * callback (incoming lines only: outgoing lines carry the credentials)
 * and classified with explain_reply, as the adapters do.  Output, Nagios
 * style: one status line first, then the hint.  Exit 0 OK, 1 WARNING
 * (a temporary refusal), 2 CRITICAL (refused, no connection, TLS
 * failure), 3 UNKNOWN (bad usage, unreadable secret, token not issued
 * for a reason that is not Microsoft's).
 *
 * The password, token and client secret are never printed or logged;
 * they are wiped after use.  Limits: secrets PROBE_SECRET_MAX bytes,
 * replies REPLY_TEXT_MAX, token endpoint answer PROBE_RESP_MAX.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "buf.h"
#include "cli.h"
#include "jsonr.h"
#include "jsonw.h"
#include "metrics.h"
#include "net.h"
#include "text.h"

#define PROBE_SECRET_MAX	16384
#define PROBE_RESP_MAX		(64 * 1024)
#define PROBE_OK		0
#define PROBE_WARNING		1
#define PROBE_CRITICAL		2
#define PROBE_UNKNOWN		3

static const char *const probe_state[] = {
	"OK", "WARNING", "CRITICAL", "UNKNOWN"
};

struct probe {
	const char	*server;
	const char	*user;
	const char	*send_to;
	const char	*from;
	const char	*ca_file;
	long		 timeout;
	int		 verbose;
	int		 xoauth2;
	int		 authed;		/* the server said 235 */
	char		 secret[PROBE_SECRET_MAX];	/* password or token */
	char		 last[REPLY_TEXT_MAX];		/* last 4xx/5xx reply */
	char		 cur[REPLY_TEXT_MAX];		/* reply being read */
	char		 challenge[128];	/* XOAUTH2: a 334 after the token */
	const char	*body;
	size_t		 bodyleft;
};

/*
 * secret_load - a secret from a file (first line) or the environment; a
 * password or client-secret file (what) that others may read is refused
 */
static int
secret_load(char *dst, size_t dstlen, const char *file, const char *what,
    const char *env)
{
	struct buf b;
	char	 err[512];
	const char *v;
	size_t	 n;

	if (file != NULL) {
		buf_init(&b, dstlen - 1);
		if ((what != NULL ? buf_load_secret(&b, file, what, err,
		    sizeof(err)) : buf_load_file(&b, file, err,
		    sizeof(err))) < 0) {
			fprintf(stderr, "relayhint: %s\n", err);
			buf_free(&b);
			return (-1);
		}
		v = b.data ? b.data : "";
		n = strcspn(v, "\r\n");
		memcpy(dst, v, n);
		dst[n] = '\0';
		explicit_bzero(b.data, b.len);
		buf_free(&b);
	} else {
		if ((v = getenv(env)) == NULL || strlen(v) >= dstlen) {
			fprintf(stderr, "relayhint: $%s is not set or too "
			    "long\n", env);
			return (-1);
		}
		snprintf(dst, dstlen, "%s", v);
	}
	if (dst[0] == '\0') {
		fprintf(stderr, "relayhint: the secret is empty\n");
		return (-1);
	}
	return (0);
}

/*
 * on_debug - keep the server's replies; a multi-line reply ("250-")
 * is joined until its last line.  Only CURLINFO_HEADER_IN is looked at:
 * HEADER_OUT and DATA_OUT carry the AUTH exchange.
 */
static int
on_debug(CURL *h, curl_infotype type, char *data, size_t size, void *arg)
{
	struct probe *p = arg;
	char	 line[REPLY_TEXT_MAX];
	size_t	 n, cl;

	(void)h;
	if (type != CURLINFO_HEADER_IN)
		return (0);
	n = text_printable(line, sizeof(line), data, size);
	while (n > 0 && line[n - 1] == ' ')
		line[--n] = '\0';
	if (p->verbose)
		fprintf(stderr, "S: %s\n", line);
	cl = strlen(p->cur);
	if (cl > 0 && cl + 1 < sizeof(p->cur))
		p->cur[cl++] = ' ';
	text_copy(p->cur + cl, sizeof(p->cur) - cl, line, n);
	if (n < 4 || line[3] != '-') {
		if (strncmp(p->cur, "235", 3) == 0)
			p->authed = 1;
		/* a 334 with data answers the token: the error challenge */
		if (p->xoauth2 && strncmp(p->cur, "334 ", 4) == 0 &&
		    p->cur[4] != '\0')
			text_copy(p->challenge, sizeof(p->challenge), p->cur,
			    strlen(p->cur));
		/* the refusal, not the 221 of the QUIT that follows it */
		if (p->cur[0] == '4' || p->cur[0] == '5')
			memcpy(p->last, p->cur, sizeof(p->last));
		p->cur[0] = '\0';
	}
	return (0);
}

/* on_read - the test message for --send-to */
static size_t
on_read(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct probe *p = arg;
	size_t	 n = size * nmemb;

	if (n > p->bodyleft)
		n = p->bodyleft;
	memcpy(ptr, p->body, n);
	p->body += n;
	p->bodyleft -= n;
	return (n);
}

/* discard - a command's answer; on_debug has seen it already */
static size_t
discard(char *ptr, size_t size, size_t n, void *arg)
{
	(void)ptr;
	(void)arg;
	return (size * n);
}

/* sink - bounded copy of an HTTP answer */
static size_t
sink(char *ptr, size_t size, size_t n, void *arg)
{
	buf_append(arg, ptr, size * n);
	return (size * n);
}

/* form_add - name=escaped(value)& */
static void
form_add(CURL *curl, struct buf *b, const char *name, const char *value)
{
	char	*e = curl_easy_escape(curl, value, 0);

	buf_printf(b, "%s%s=%s", b->len ? "&" : "", name, e ? e : "");
	curl_free(e);
}

/*
 * token_fetch - an app-only token by client credentials into p->secret.
 * Returns 0; or -1 with the endpoint's error text (AADSTS...) or the
 * transport error in why.
 */
static int
token_fetch(struct probe *p, const char *url, const char *client,
    const char *csecret, char *why, size_t whylen)
{
	CURL	*curl;
	struct buf form, resp;
	char	 errbuf[CURL_ERROR_SIZE] = "";
	long	 status = 0;
	CURLcode rc;
	int	 ret = -1;

	if ((curl = curl_easy_init()) == NULL) {
		snprintf(why, whylen, "curl_easy_init failed");
		return (-1);
	}
	buf_init(&form, PROBE_SECRET_MAX * 4);
	buf_init(&resp, PROBE_RESP_MAX);
	form_add(curl, &form, "client_id", client);
	form_add(curl, &form, "client_secret", csecret);
	form_add(curl, &form, "scope", "https://outlook.office365.com/.default");
	form_add(curl, &form, "grant_type", "client_credentials");
	curl_easy_setopt(curl, CURLOPT_URL, url);
	net_setup(curl, "https", p->ca_file, p->timeout, p->timeout, errbuf);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, form.data);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)form.len);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &resp);
	rc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK)
		snprintf(why, whylen, "token endpoint: %s", errbuf[0] ? errbuf :
		    curl_easy_strerror(rc));
	else if (resp.data == NULL)
		snprintf(why, whylen, "token endpoint: HTTP %ld, empty answer",
		    status);
	else if (status == 200 && jsonr_get(resp.data, resp.len,
	    "access_token", p->secret, sizeof(p->secret)) == 1 &&
	    p->secret[0] != '\0' && strlen(p->secret) + 1 < sizeof(p->secret))
		ret = 0;	/* a token that filled the buffer may be cut */
	else if (jsonr_get(resp.data, resp.len, "error_description", why,
	    whylen) != 1)
		snprintf(why, whylen, "token endpoint: HTTP %ld, no token",
		    status);
	explicit_bzero(form.data, form.len);
	if (resp.data != NULL)
		explicit_bzero(resp.data, resp.len);
	buf_free(&form);
	buf_free(&resp);
	curl_easy_cleanup(curl);
	return (ret);
}

/* smtp_run - connect, STARTTLS, AUTH, NOOP or send; the curl result */
static CURLcode
smtp_run(struct probe *p, char *errbuf)
{
	static char msg[1024];
	struct curl_slist *rcpt = NULL;
	char	 url[512], date[64], from[330];
	time_t	 now = time(NULL);
	CURL	*curl;
	CURLcode rc;

	if ((curl = curl_easy_init()) == NULL)
		return (CURLE_FAILED_INIT);
	snprintf(url, sizeof(url), "smtp://%s", p->server);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	net_setup(curl, "smtp", p->ca_file, p->timeout, p->timeout, errbuf);
	/* STARTTLS or nothing: the login never goes out in clear text */
	curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	curl_easy_setopt(curl, CURLOPT_USERNAME, p->user);
	if (p->xoauth2) {
		curl_easy_setopt(curl, CURLOPT_LOGIN_OPTIONS, "AUTH=XOAUTH2");
		curl_easy_setopt(curl, CURLOPT_XOAUTH2_BEARER, p->secret);
	} else {
		curl_easy_setopt(curl, CURLOPT_LOGIN_OPTIONS, "AUTH=LOGIN");
		curl_easy_setopt(curl, CURLOPT_PASSWORD, p->secret);
	}
	curl_easy_setopt(curl, CURLOPT_DEBUGFUNCTION, on_debug);
	curl_easy_setopt(curl, CURLOPT_DEBUGDATA, p);
	curl_easy_setopt(curl, CURLOPT_VERBOSE, 1L);
	/* the NOOP answer goes to the write callback: not to stdout */
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	if (p->send_to != NULL) {
		strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000",
		    gmtime(&now));
		snprintf(from, sizeof(from), "<%s>", p->from);
		snprintf(msg, sizeof(msg), "Date: %s\r\nFrom: %s\r\nTo: %s\r\n"
		    "Subject: relayhint probe\r\n\r\nA test message sent by "
		    "relayhint probe to check the relay's Microsoft 365 "
		    "login.\r\n", date, p->from, p->send_to);
		p->body = msg;
		p->bodyleft = strlen(msg);
		rcpt = curl_slist_append(rcpt, p->send_to);
		curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
		curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
		curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(curl, CURLOPT_READDATA, p);
	} else
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "NOOP");
	rc = curl_easy_perform(curl);
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(curl);
	return (rc);
}

/* --metrics: where, and the session's duration once measured (< 0: none) */
static const char *probe_metrics_path;
static double probe_secs = -1;

/* probe_metrics - the outcome as Prometheus gauges; a failure is noted */
static void
probe_metrics(int state, const struct verdict *v)
{
	struct metrics m;
	char	 err[512];

	if (probe_metrics_path == NULL || metrics_init(&m) < 0)
		return;
	metrics_put(&m, METRICS_SET, "relayhint_probe_success",
	    state == PROBE_OK ? 1 : 0, (char *)NULL);
	metrics_put(&m, METRICS_SET, "relayhint_probe_state", state,
	    "cause", v != NULL && v->cause != NULL ? v->cause : "",
	    (char *)NULL);
	if (probe_secs >= 0)
		metrics_put(&m, METRICS_SET, "relayhint_probe_duration_seconds",
		    probe_secs, (char *)NULL);
	metrics_put(&m, METRICS_SET, "relayhint_probe_last_run_timestamp_seconds",
	    (double)time(NULL), (char *)NULL);
	if (metrics_write(&m, probe_metrics_path, err, sizeof(err)) < 0)
		fprintf(stderr, "relayhint: metrics: %s\n", err);
	metrics_free(&m);
}

/*
 * probe_json - the outcome as one JSON object: state and exit code, the
 * status line's text, the duration, and the verdict of a refusal with
 * the members explain --json has (conf/schema/probe.schema.json)
 */
static void
probe_json(struct cli *c, int state, const char *text,
    const struct verdict *v)
{
	struct buf b;
	char	*vj = NULL;
	size_t	 vlen = 0;
	FILE	*mf;

	buf_init(&b, 1024 * 1024);
	buf_puts(&b, "{\"schema\":\"" JSONW_SCHEMA "\",");
	jsonw_key(&b, "state");
	jsonw_str(&b, probe_state[state]);
	buf_printf(&b, ",\"exit\":%d,", state);
	jsonw_key(&b, "status");
	jsonw_str(&b, text);
	if (probe_secs >= 0)
		buf_printf(&b, ",\"duration_seconds\":%.6f,", probe_secs);
	else
		buf_puts(&b, ",\"duration_seconds\":null,");
	jsonw_key(&b, "verdict");
	if (v != NULL && v->cause != NULL &&
	    (mf = open_memstream(&vj, &vlen)) != NULL) {
		out_verdict_json(mf, c, v);
		fclose(mf);
		while (vlen > 0 && vj[vlen - 1] == '\n')
			vlen--;
		buf_append(&b, vj, vlen);
		free(vj);
	} else
		buf_puts(&b, "null");
	buf_puts(&b, "}\n");
	fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
}

/* report - the status line, then the hint; returns the exit code */
static int
report(struct cli *c, int state, const char *text, const struct verdict *v)
{
	probe_metrics(state, v);
	if (c->json) {
		probe_json(c, state, text, v);
		return (state);
	}
	printf("PROBE %s - %s\n", probe_state[state], text);
	if (v != NULL && v->cause != NULL) {
		printf("\n");
		out_verdict_text(stdout, c, v);
	}
	return (state);
}

/* threshold - a -w/-c value in seconds: a positive decimal number */
static int
threshold(const char *s, double *out)
{
	char	*end;
	double	 v;

	v = strtod(s, &end);
	if (end == s || *end != '\0' || !(v > 0) || v > 86400)
		return (-1);
	*out = v;
	return (0);
}

/* perfdata - 'time=VALUEs;WARN;CRIT;0;MAX' as the plugin guidelines have it */
static void
perfdata(char *out, size_t len, double secs, double warn, double crit,
    long timeout)
{
	char	 w[32] = "", c[32] = "";

	if (warn > 0)
		snprintf(w, sizeof(w), "%g", warn);
	if (crit > 0)
		snprintf(c, sizeof(c), "%g", crit);
	snprintf(out, len, "time=%.6fs;%s;%s;0;%ld", secs, w, c, timeout);
}

/* cmd_probe - probe --server H:P --user U (secret option) [--send-to R] */
int
cmd_probe(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "hostname", required_argument, NULL, 'H' },
		{ "port", required_argument, NULL, 'p' },
		{ "warning", required_argument, NULL, 'w' },
		{ "critical", required_argument, NULL, 'c' },
		{ "user", required_argument, NULL, 'u' },
		{ "password-file", required_argument, NULL, 'W' },
		{ "password-env", required_argument, NULL, 'P' },
		{ "xoauth2-token-file", required_argument, NULL, 'x' },
		{ "oauth-client", required_argument, NULL, 'o' },
		{ "oauth-tenant", required_argument, NULL, 'T' },
		{ "oauth-secret-file", required_argument, NULL, 'k' },
		{ "oauth-secret-env", required_argument, NULL, 'K' },
		{ "token-url", required_argument, NULL, 'U' },
		{ "send-to", required_argument, NULL, 'r' },
		{ "from", required_argument, NULL, 'f' },
		{ "ca-file", required_argument, NULL, 'C' },
		{ "timeout", required_argument, NULL, 't' },
		{ "language", required_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		{ "version", no_argument, NULL, 'V' },
		{ "metrics", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct probe *p;
	struct verdict v;
	const char *pwfile = NULL, *pwenv = NULL, *tokfile = NULL,
		   *client = NULL, *tenant = NULL, *csfile = NULL,
		   *csenv = NULL, *token_url = NULL;
	char	 errbuf[CURL_ERROR_SIZE] = "", text[REPLY_TEXT_MAX + 512],
		 host[256], url[512], why[1024], *csecret = NULL, *colon,
		 hostport[256], server[256], perf[128], *end;
	const char *hostname = NULL, *why_usage = NULL;
	double	 warn = 0, crit = 0;
	long	 port = 0;
	struct timespec t0, t1;
	double	 secs;
	int	 ch, nsec, state;
	CURLcode rc;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return (PROBE_UNKNOWN);
	p->server = "smtp.office365.com:587";
	p->timeout = 30;
	optind = 1;
	opterr = 0;	/* the status line below says what was wrong */
	while ((ch = getopt_long(argc, argv,
	    "s:H:p:w:c:u:P:x:o:T:k:K:U:r:f:C:t:l:vVh", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			p->server = optarg;
			break;
		case 'H':
			hostname = optarg;
			break;
		case 'p':
			port = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || port < 1 ||
			    port > 65535) {
				why_usage = "bad port";
				goto usage;
			}
			break;
		case 'w':
		case 'c':
			if (threshold(optarg, ch == 'w' ? &warn : &crit) < 0) {
				why_usage = "bad threshold";
				goto usage;
			}
			break;
		case 'u':
			p->user = optarg;
			break;
		case 'W':
			pwfile = optarg;
			break;
		case 'M':
			probe_metrics_path = optarg;
			break;
		case 'P':
			pwenv = optarg;
			break;
		case 'x':
			tokfile = optarg;
			break;
		case 'o':
			client = optarg;
			break;
		case 'T':
			tenant = optarg;
			break;
		case 'k':
			csfile = optarg;
			break;
		case 'K':
			csenv = optarg;
			break;
		case 'U':
			token_url = optarg;
			break;
		case 'r':
			p->send_to = optarg;
			break;
		case 'f':
			p->from = optarg;
			break;
		case 'C':
			p->ca_file = optarg;
			break;
		case 't':
			p->timeout = strtol(optarg, NULL, 10);
			if (p->timeout < 1 || p->timeout > 300) {
				why_usage = "bad timeout";
				goto usage;
			}
			break;
		case 'l':
			cli_set_lang(c, optarg);
			break;
		case 'j':
			c->json = 1;
			break;
		case 'v':
			p->verbose = 1;
			break;
		case 'V':
			printf("relayhint probe %s\n", RH_VERSION);
			free(p);
			return (PROBE_OK);
		case 'h':
			usage_cmd(stdout, "probe");
			free(p);
			return (PROBE_OK);
		default:
			why_usage = "unknown option or missing argument";
			goto usage;
		}
	}
	nsec = (pwfile != NULL) + (pwenv != NULL) + (tokfile != NULL) +
	    (client != NULL);
	if (optind != argc)
		why_usage = "unexpected argument";
	else if (p->user == NULL)
		why_usage = "--user is required";
	else if (nsec != 1)
		why_usage = "give exactly one of --password-file, "
		    "--password-env, --xoauth2-token-file, --oauth-client";
	else if (client != NULL && (csfile == NULL) == (csenv == NULL))
		why_usage = "--oauth-client needs --oauth-secret-file or "
		    "--oauth-secret-env";
	else if (client != NULL && tenant == NULL && token_url == NULL)
		why_usage = "--oauth-client needs --oauth-tenant or --token-url";
	else if (warn > 0 && crit > 0 && warn > crit)
		why_usage = "--warning is above --critical";
	if (why_usage != NULL)
		goto usage;
	if (hostname != NULL || port != 0) {
		if (hostname == NULL) {
			text_copy(hostport, sizeof(hostport), p->server,
			    strlen(p->server));
			if ((colon = strrchr(hostport, ':')) != NULL)
				*colon = '\0';
			hostname = hostport;
		}
		snprintf(server, sizeof(server), "%.240s:%ld", hostname,
		    port ? port : 587);
		p->server = server;
	}
	if (p->from == NULL)
		p->from = p->user;
	text_copy(host, sizeof(host), p->server, strlen(p->server));
	if ((colon = strrchr(host, ':')) != NULL)
		*colon = '\0';
	verdict_init(&v);
	p->xoauth2 = tokfile != NULL || client != NULL;
	if (client != NULL) {
		if ((csecret = calloc(1, PROBE_SECRET_MAX)) == NULL ||
		    secret_load(csecret, PROBE_SECRET_MAX, csfile,
		    "client secret", csenv) < 0) {
			free(csecret);
			free(p);
			return (report(c, PROBE_UNKNOWN, "cannot read the "
			    "client secret", NULL));
		}
		if (token_url == NULL) {
			snprintf(url, sizeof(url), "https://login.microsoft"
			    "online.com/%s/oauth2/v2.0/token", tenant);
			token_url = url;
		}
		curl_global_init(CURL_GLOBAL_DEFAULT);
		if (token_fetch(p, token_url, client, csecret, why,
		    sizeof(why)) < 0) {
			/* the endpoint's text is untrusted: printable only */
			text_printable(text, sizeof(text), why, strlen(why));
			explicit_bzero(csecret, PROBE_SECRET_MAX);
			free(csecret);
			explain_redact(text);
			curl_global_cleanup();
			state = explain_reply(&c->kb, text, strlen(text), NULL,
			    &v) ? PROBE_CRITICAL : PROBE_UNKNOWN;
			free(p);
			snprintf(errbuf, sizeof(errbuf), "no token for client "
			    "%.64s: %.150s", client, text);
			return (report(c, state, errbuf, &v));
		}
		explicit_bzero(csecret, PROBE_SECRET_MAX);
		free(csecret);
	} else {
		if (secret_load(p->secret, sizeof(p->secret), pwfile ? pwfile :
		    tokfile, pwfile ? "password" : NULL, pwenv) < 0) {
			free(p);
			return (report(c, PROBE_UNKNOWN, "cannot read the "
			    "secret", NULL));
		}
		curl_global_init(CURL_GLOBAL_DEFAULT);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = smtp_run(p, errbuf);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	explicit_bzero(p->secret, sizeof(p->secret));
	curl_global_cleanup();
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	probe_secs = secs;
	if (rc == CURLE_OK && !p->authed) {
		/* libcurl goes on without AUTH when the server offers none */
		snprintf(text, sizeof(text), "%s offered no AUTH mechanism "
		    "after STARTTLS; the login was not tried | %s",
		    p->server, perf);
		free(p);
		return (report(c, PROBE_CRITICAL, text, NULL));
	}
	perfdata(perf, sizeof(perf), secs, warn, crit, p->timeout);
	if (rc == CURLE_OK) {
		state = crit > 0 && secs >= crit ? PROBE_CRITICAL :
		    warn > 0 && secs >= warn ? PROBE_WARNING : PROBE_OK;
		snprintf(text, sizeof(text), "%s accepted %s login of %s%s%s "
		    "in %.2fs%s | %s", p->server, p->xoauth2 ? "XOAUTH2" :
		    "password (AUTH LOGIN)", p->user, p->send_to ?
		    "; test message queued for " : "", p->send_to ?
		    p->send_to : "", secs, state == PROBE_OK ? "" :
		    state == PROBE_WARNING ? " (above --warning)" :
		    " (above --critical)", perf);
		state = report(c, state, text, NULL);
		if (!p->xoauth2 && !c->json)
			printf("Note: Microsoft turns Basic authentication for "
			    "SMTP AUTH off by default at the end of December "
			    "2026; move this relay to OAuth 2.0 (XOAUTH2).\n");
		free(p);
		return (state);
	}
	/*
	 * XOAUTH2 refused: Microsoft answers a token it does not take with a
	 * 334 error challenge (base64 JSON), waits for an empty line and then
	 * says 535 5.7.3, its reply for any rejected XOAUTH2 token.  libcurl
	 * ends the session at the challenge, so that 535 is never read:
	 * classify the refusal as that reply, and say so.
	 */
	if (rc == CURLE_LOGIN_DENIED && p->last[0] == '\0' &&
	    p->challenge[0] != '\0') {
		explain_reply(&c->kb, "535 5.7.3 Authentication unsuccessful",
		    37, host, &v);
		snprintf(text, sizeof(text), "%s refused the XOAUTH2 token of "
		    "%s: error challenge %.80s (Microsoft's 535 5.7.3 "
		    "follows it; libcurl ends the session first)%s%s | %s",
		    p->server, p->user, p->challenge, v.cause ? "; cause " :
		    "", v.cause ? v.cause : "", perf);
		free(p);
		return (report(c, PROBE_CRITICAL, text, &v));
	}
	/* a reply from the server: classify it like any other */
	if (p->last[0] != '\0' && (p->last[0] == '4' || p->last[0] == '5')) {
		explain_reply(&c->kb, p->last, strlen(p->last), host, &v);
		state = p->last[0] == '4' ? PROBE_WARNING : PROBE_CRITICAL;
		snprintf(text, sizeof(text), "%s refused: %s%s%s | %s",
		    p->server, p->last, v.cause ? "; cause " : "",
		    v.cause ? v.cause : "", perf);
	} else {
		state = PROBE_CRITICAL;
		snprintf(text, sizeof(text), "%s: %s | %s", p->server,
		    errbuf[0] ? errbuf : curl_easy_strerror(rc), perf);
	}
	free(p);
	return (report(c, state, text, &v));
usage:
	/* a monitoring plugin always prints a status line, even here */
	printf("PROBE UNKNOWN - usage: %s\n", why_usage ? why_usage :
	    "bad arguments");
	usage_cmd(stderr, "probe");
	free(p);
	return (PROBE_UNKNOWN);
}
