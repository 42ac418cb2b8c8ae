/*
 * token.c - OAuth 2.0 tokens for the relay, and relayhint token refresh
 *
 * Functions: oauth_device, oauth_client, oauth_refresh, token_wipe,
 * cmd_token (token_write and token_write_mode: token_write.c).
 *
 * The grants of the Microsoft identity platform, as plain form POSTs
 * with libcurl (HTTPS only, certificate verified, bounded answers):
 *   device authorization grant  POST BASE/TENANT/oauth2/v2.0/devicecode,
 *       then poll .../token with grant_type
 *       urn:ietf:params:oauth:grant-type:device_code every "interval"
 *       seconds: authorization_pending goes on, slow_down adds 5 seconds
 *       (RFC 8628), authorization_declined, expired_token and
 *       bad_verification_code end it;
 *   client credentials          scope https://outlook.office365.com/.default
 *   refresh token               scope https://outlook.office.com/SMTP.Send
 *                               offline_access
 * (https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-device-code,
 *  .../v2-oauth2-client-creds-grant-flow, and the SMTP scopes of
 *  https://learn.microsoft.com/en-us/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth).
 *
 * relayhint token refresh --config FILE keeps an access token file fresh
 * for an MTA that has no OAuth client (Exim's XOAUTH2 plaintext
 * authenticator reads it with ${readfile}).  One refresher at a time
 * (flock on STATE.lock); every file is replaced by rename, so a delivery
 * reads the old token or the new one, never half of one.  The state file
 * (refresh token) stays root's; the access token file belongs to the MTA
 * user, mode 0600.  Run by conf/relayhint-token-refresh.{service,timer}.
 *
 * Secrets: tokens, client secrets and the form bodies that carry them are
 * never printed and are wiped after use; an endpoint error is reported by
 * its "error" code and AADSTS description (which quote no token), cut to
 * TOKEN_ERR_MAX printable characters.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stddef.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "buf.h"
#include "cli.h"
#include "jsonr.h"
#include "net.h"
#include "text.h"
#include "token.h"

#define TOKEN_RESP_MAX		(64 * 1024)
#define TOKEN_ERR_MAX		300
#define TOKEN_CONF_MAX		(16 * 1024)
#define TOKEN_MIN_VALID		900	/* refresh when fewer seconds are left */

/* sink - collect a bounded answer */
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
	if (e != NULL) {
		explicit_bzero(e, strlen(e));
		curl_free(e);
	}
}

/* wipe_buf - zero and free a buffer that held a secret */
static void
wipe_buf(struct buf *b)
{
	if (b->data != NULL)
		explicit_bzero(b->data, b->len);
	buf_free(b);
}

/*
 * post - POST form to BASE/TENANT/oauth2/v2.0/WHAT; the HTTP status, or
 * -1 with curl's reason in err.  The answer goes to resp.
 */
static long
post(const struct oauth *o, const char *what, const struct buf *form,
    struct buf *resp, char *err, size_t errlen)
{
	CURL	*curl;
	char	 url[1024], cerr[CURL_ERROR_SIZE] = "";
	long	 status = 0;
	CURLcode rc;

	if ((size_t)snprintf(url, sizeof(url), "%s/%s/oauth2/v2.0/%s", o->base,
	    o->tenant, what) >= sizeof(url)) {
		snprintf(err, errlen, "endpoint URL too long");
		return (-1);
	}
	if ((curl = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "curl_easy_init failed");
		return (-1);
	}
	buf_reset(resp);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	net_setup(curl, "https", o->ca_file, o->timeout, o->timeout, cerr);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, form->data ? form->data : "");
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)form->len);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, resp);
	rc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(curl);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s: %s", url, cerr[0] ? cerr :
		    curl_easy_strerror(rc));
		return (-1);
	}
	if (resp->overflow) {
		snprintf(err, errlen, "%s: answer larger than %d bytes", url,
		    TOKEN_RESP_MAX);
		return (-1);
	}
	return (status);
}

/* jget - a member of the answer, "" when absent or not JSON */
static void
jget(const struct buf *resp, const char *key, char *out, size_t outlen)
{
	if (resp->data == NULL || jsonr_get(resp->data, resp->len, key,
	    out, outlen) != 1)
		out[0] = '\0';
}

/* endpoint_error - "error: AADSTS... description", printable and cut */
static void
endpoint_error(const struct buf *resp, long status, char *err, size_t errlen)
{
	char	 code[64], desc[2048], line[TOKEN_ERR_MAX + 1], *t;

	jget(resp, "error", code, sizeof(code));
	jget(resp, "error_description", desc, sizeof(desc));
	/* Entra's descriptions go on with "\r\nTrace ID: ...": not ours to print */
	if ((t = strstr(desc, "Trace ID:")) != NULL)
		*t = '\0';
	desc[strcspn(desc, "\r\n")] = '\0';
	for (t = desc + strlen(desc); t > desc && t[-1] == ' '; t--)
		t[-1] = '\0';
	text_printable(line, sizeof(line), desc, strlen(desc));
	snprintf(err, errlen, "token endpoint answered HTTP %ld: %s%s%s", status,
	    code[0] ? code : "(no error code)", line[0] ? ": " : "", line);
}

/* took - the tokens of a 200 answer; -1 without an access token */
static int
took(const struct buf *resp, struct token_set *ts, char *err, size_t errlen)
{
	char	 n[32];

	jget(resp, "access_token", ts->access, sizeof(ts->access));
	jget(resp, "refresh_token", ts->refresh, sizeof(ts->refresh));
	jget(resp, "expires_in", n, sizeof(n));
	ts->expires_at = (long)time(NULL) + (n[0] ? atol(n) : 3600);
	if (ts->access[0] == '\0' || strpbrk(ts->access, " \t\r\n:^") != NULL) {
		snprintf(err, errlen, "token endpoint answered without a "
		    "usable access_token");
		token_wipe(ts);
		return (-1);
	}
	return (0);
}

/* grant - one POST to .../token; 0, 1 to poll again, -1 on error */
static int
grant(const struct oauth *o, struct buf *form, struct token_set *ts,
    char *code, size_t codelen, char *err, size_t errlen)
{
	struct buf resp;
	long	 st;
	int	 rc;

	buf_init(&resp, TOKEN_RESP_MAX);
	st = post(o, "token", form, &resp, err, errlen);
	if (code != NULL)
		code[0] = '\0';
	if (st == 200)
		rc = took(&resp, ts, err, errlen);
	else if (st < 0)
		rc = -1;
	else {
		if (code != NULL)
			jget(&resp, "error", code, codelen);
		endpoint_error(&resp, st, err, errlen);
		rc = code != NULL && (strcmp(code, "authorization_pending") == 0 ||
		    strcmp(code, "slow_down") == 0) ? 1 : -1;
	}
	wipe_buf(&resp);
	return (rc);
}

/* oauth_device - the device authorization grant */
int
oauth_device(const struct oauth *o, FILE *tty, struct token_set *ts,
    char *err, size_t errlen)
{
	struct buf form, resp;
	CURL	*curl;
	char	 dcode[4096], ucode[64], uri[512], n[32], code[64];
	char	 pu[128], pr[600];
	long	 st, interval, expires, deadline;
	int	 rc = -1;

	memset(ts, 0, sizeof(*ts));
	if ((curl = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "curl_easy_init failed");
		return (-1);
	}
	buf_init(&form, 16384);
	buf_init(&resp, TOKEN_RESP_MAX);
	form_add(curl, &form, "client_id", o->client_id);
	form_add(curl, &form, "scope", TOKEN_SCOPE_USER);
	st = post(o, "devicecode", &form, &resp, err, errlen);
	if (st != 200) {
		if (st > 0)
			endpoint_error(&resp, st, err, errlen);
		goto out;
	}
	jget(&resp, "device_code", dcode, sizeof(dcode));
	jget(&resp, "user_code", ucode, sizeof(ucode));
	jget(&resp, "verification_uri", uri, sizeof(uri));
	jget(&resp, "interval", n, sizeof(n));
	interval = n[0] ? atol(n) : 5;
	jget(&resp, "expires_in", n, sizeof(n));
	expires = n[0] ? atol(n) : 900;
	if (dcode[0] == '\0' || ucode[0] == '\0' || uri[0] == '\0') {
		snprintf(err, errlen, "devicecode answer lacks device_code, "
		    "user_code or verification_uri");
		goto out;
	}
	if (interval < 1 || interval > 60)
		interval = 5;
	if (o->max_wait > 0 && o->max_wait < expires)
		expires = o->max_wait;
	text_printable(pu, sizeof(pu), ucode, strlen(ucode));
	text_printable(pr, sizeof(pr), uri, strlen(uri));
	fprintf(tty, "To sign in as the sending mailbox, open %s and enter "
	    "the code %s (valid %ld minutes); waiting...\n", pr, pu,
	    (expires + 59) / 60);
	fflush(tty);
	deadline = (long)time(NULL) + expires;
	for (;;) {
		sleep((unsigned)interval);
		buf_reset(&form);
		form_add(curl, &form, "grant_type",
		    "urn:ietf:params:oauth:grant-type:device_code");
		form_add(curl, &form, "client_id", o->client_id);
		form_add(curl, &form, "device_code", dcode);
		rc = grant(o, &form, ts, code, sizeof(code), err, errlen);
		if (rc != 1)
			break;
		if (strcmp(code, "slow_down") == 0)
			interval += 5;
		if ((long)time(NULL) + interval > deadline) {
			snprintf(err, errlen, "nobody signed in within %ld "
			    "seconds (authorization_pending)", expires);
			rc = -1;
			break;
		}
	}
out:
	explicit_bzero(dcode, sizeof(dcode));
	wipe_buf(&form);
	wipe_buf(&resp);
	curl_easy_cleanup(curl);
	return (rc == 0 ? 0 : -1);
}

/* oauth_client - the client credentials grant (app-only) */
int
oauth_client(const struct oauth *o, struct token_set *ts, char *err,
    size_t errlen)
{
	struct buf form;
	CURL	*curl;
	int	 rc;

	memset(ts, 0, sizeof(*ts));
	if (o->secret == NULL) {
		snprintf(err, errlen, "client credentials need a client secret");
		return (-1);
	}
	if ((curl = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "curl_easy_init failed");
		return (-1);
	}
	buf_init(&form, 4 * TOKEN_MAX);
	form_add(curl, &form, "client_id", o->client_id);
	form_add(curl, &form, "client_secret", o->secret);
	form_add(curl, &form, "scope", TOKEN_SCOPE_APP);
	form_add(curl, &form, "grant_type", "client_credentials");
	rc = grant(o, &form, ts, NULL, 0, err, errlen);
	wipe_buf(&form);
	curl_easy_cleanup(curl);
	return (rc);
}

/* oauth_refresh - a new access token (and usually refresh token) */
int
oauth_refresh(const struct oauth *o, const char *refresh,
    struct token_set *ts, char *err, size_t errlen)
{
	struct buf form;
	CURL	*curl;
	int	 rc;

	memset(ts, 0, sizeof(*ts));
	if ((curl = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "curl_easy_init failed");
		return (-1);
	}
	buf_init(&form, 4 * TOKEN_MAX);
	form_add(curl, &form, "client_id", o->client_id);
	if (o->secret != NULL)
		form_add(curl, &form, "client_secret", o->secret);
	form_add(curl, &form, "grant_type", "refresh_token");
	form_add(curl, &form, "refresh_token", refresh);
	form_add(curl, &form, "scope", TOKEN_SCOPE_USER);
	rc = grant(o, &form, ts, NULL, 0, err, errlen);
	/* Entra ID may keep the old refresh token */
	if (rc == 0 && ts->refresh[0] == '\0')
		text_copy(ts->refresh, sizeof(ts->refresh), refresh,
		    strlen(refresh));
	wipe_buf(&form);
	curl_easy_cleanup(curl);
	return (rc);
}

/* token_wipe - zero a token set */
void
token_wipe(struct token_set *ts)
{
	explicit_bzero(ts, sizeof(*ts));
}

/*
 * The refresher's configuration: "key = value" lines, # comments.
 */
struct tconf {
	char	 tenant[256];
	char	 client_id[128];
	char	 secret_file[1024];
	char	 grant[32];		/* refresh_token | client_credentials */
	char	 state_file[1024];	/* refresh token (JSON), root's */
	char	 token_file[1024];	/* access token only, the MTA's */
	char	 owner[64];		/* user that reads token_file */
	char	 base_url[512];
	char	 ca_file[1024];
	long	 min_valid;
};

/*
 * tconf_parse - the refresher configuration from text (NAME for messages);
 * the text is modified (split into lines).  0, or -1 with a message.
 */
static int
tconf_parse(const char *name, char *text, struct tconf *t)
{
	static const struct {
		const char *key;
		size_t	 off, len;
	} keys[] = {
#define K(n) { #n, offsetof(struct tconf, n), sizeof(((struct tconf *)0)->n) }
		K(tenant), K(client_id), K(secret_file), K(grant),
		K(state_file), K(token_file), K(owner), K(base_url), K(ca_file),
#undef K
	};
	char	*line, *save = NULL, *eq, *k, *v, *e;
	size_t	 i;
	int	 lineno = 0;

	memset(t, 0, sizeof(*t));
	t->min_valid = TOKEN_MIN_VALID;
	snprintf(t->grant, sizeof(t->grant), "refresh_token");
	snprintf(t->base_url, sizeof(t->base_url), "%s", TOKEN_DEFAULT_BASE);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		while (*line == ' ' || *line == '\t')
			line++;
		if (*line == '#' || *line == '\0')
			continue;
		if ((eq = strchr(line, '=')) == NULL)
			goto bad;
		for (e = eq; e > line && (e[-1] == ' ' || e[-1] == '\t'); e--)
			;
		*e = '\0';
		k = line;
		for (v = eq + 1; *v == ' ' || *v == '\t'; v++)
			;
		for (e = v + strlen(v); e > v && (e[-1] == ' ' ||
		    e[-1] == '\t' || e[-1] == '\r'); e--)
			;
		*e = '\0';
		if (strcmp(k, "min_valid") == 0) {
			t->min_valid = atol(v);
			continue;
		}
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (strcmp(k, keys[i].key) == 0)
				break;
		if (i == sizeof(keys) / sizeof(keys[0]) ||
		    strlen(v) >= keys[i].len)
			goto bad;
		memcpy((char *)t + keys[i].off, v, strlen(v) + 1);
	}
	if (t->tenant[0] == '\0' || t->client_id[0] == '\0' ||
	    t->state_file[0] == '\0' || t->token_file[0] == '\0') {
		fprintf(stderr, "relayhint: %s: tenant, client_id, state_file "
		    "and token_file are required\n", name);
		return (-1);
	}
	return (0);
bad:
	fprintf(stderr, "relayhint: %s:%d: not a known \"key = value\" line\n",
	    name, lineno);
	return (-1);
}

/* tconf_load - read the refresher configuration; -1 with a message */
static int
tconf_load(const char *path, struct tconf *t)
{
	struct buf b;
	char	 err[512];
	int	 rc;

	buf_init(&b, TOKEN_CONF_MAX);
	/* "-": relayhint migrate --login hands over a configuration to be */
	if (strcmp(path, "-") == 0) {
		if (cli_read_all(path, &b) < 0 || b.data == NULL) {
			buf_free(&b);
			return (-1);
		}
	} else if (buf_load_file(&b, path, err, sizeof(err)) < 0 ||
	    b.data == NULL) {
		fprintf(stderr, "relayhint: %s\n", b.data ? err : path);
		buf_free(&b);
		return (-1);
	}
	rc = tconf_parse(path, b.data, t);
	buf_free(&b);
	return (rc);
}

/* owner_ids - uid and gid of a user name ("" = root) */
static int
owner_ids(const char *user, uid_t *uid, gid_t *gid)
{
	struct passwd *pw;

	if (user[0] == '\0') {
		*uid = 0;
		*gid = 0;
		return (0);
	}
	if ((pw = getpwnam(user)) == NULL)
		return (-1);
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return (0);
}

/*
 * token_state_write - the refresher's state: {"refresh_token": ...,
 * "expires_at": N}; tokens are base64url/JWT text, with no character
 * that needs a JSON escape (took() and the loader refuse others).
 */
static int
token_state_write(const char *path, const struct token_set *ts)
{
	struct buf b;
	int	 rc;

	buf_init(&b, 3 * TOKEN_MAX);
	buf_printf(&b, "{\"refresh_token\": \"%s\", \"expires_at\": %ld}\n",
	    ts->refresh, ts->expires_at);
	rc = b.overflow ? -1 : token_write(path, b.data, b.len, 0, 0);
	wipe_buf(&b);
	return (rc);
}

/*
 * token_store - hand a token set to the MTA: the access token file (the
 * token alone, owned by owner) and the refresher's state.  0, or -1 with
 * a message.
 */
static int
token_store(const struct tconf *t, const struct token_set *ts)
{
	uid_t	 uid;
	gid_t	 gid;

	if (owner_ids(t->owner, &uid, &gid) < 0) {
		fprintf(stderr, "relayhint: token owner %s: no such user\n",
		    t->owner);
		return (-1);
	}
	if (strpbrk(ts->refresh, "\"\\") != NULL) {
		fprintf(stderr, "relayhint: refresh token has characters a "
		    "token never has; not stored\n");
		return (-1);
	}
	if (token_write(t->token_file, ts->access, strlen(ts->access), uid,
	    gid) < 0) {
		fprintf(stderr, "relayhint: %s: %s\n", t->token_file,
		    strerror(errno));
		return (-1);
	}
	if (token_state_write(t->state_file, ts) < 0) {
		fprintf(stderr, "relayhint: %s: %s\n", t->state_file,
		    strerror(errno));
		return (-1);
	}
	return (0);
}

/* secret_file - the first line of a file; -1 with a message */
static int
secret_file(const char *path, char *out, size_t outlen)
{
	struct buf b;
	char	 err[512];

	buf_init(&b, outlen - 1);
	if (buf_load_file(&b, path, err, sizeof(err)) < 0 || b.data == NULL) {
		fprintf(stderr, "relayhint: %s\n", b.data ? err : path);
		wipe_buf(&b);
		return (-1);
	}
	text_copy(out, outlen, b.data, strcspn(b.data, "\r\n"));
	wipe_buf(&b);
	return (out[0] ? 0 : -1);
}

/* token_oauth - the struct oauth of a refresher configuration */
static void
token_oauth(const struct tconf *t, const char *secret, struct oauth *o)
{
	memset(o, 0, sizeof(*o));
	o->base = t->base_url;
	o->tenant = t->tenant;
	o->client_id = t->client_id;
	o->secret = secret[0] ? secret : NULL;
	o->ca_file = t->ca_file[0] ? t->ca_file : NULL;
	o->timeout = 30;
}

/*
 * token_refresh - refresh when the access token has fewer than min_valid
 * seconds left (or --force).  Exit 0 fresh, 1 the endpoint refused (the
 * AADSTS reason and its cause on stderr), 2 usage, 3 local trouble.
 */
static int
token_refresh(struct cli *c, const char *conf, int force, int quiet)
{
	struct tconf t;
	struct token_set *ts = NULL, *nts = NULL;
	struct oauth o;
	struct buf st;
	struct verdict v;
	char	 lock[1100], secret[4096] = "", err[1024], n[32];
	int	 fd = -1, rc = 3;

	if (tconf_load(conf, &t) < 0)
		return (2);
	if (t.secret_file[0] && secret_file(t.secret_file, secret,
	    sizeof(secret)) < 0)
		return (3);
	snprintf(lock, sizeof(lock), "%s.lock", t.state_file);
	if ((fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0 ||
	    flock(fd, LOCK_EX) < 0) {
		fprintf(stderr, "relayhint: %s: %s\n", lock, strerror(errno));
		goto out;
	}
	if ((ts = calloc(1, sizeof(*ts))) == NULL ||
	    (nts = calloc(1, sizeof(*nts))) == NULL)
		goto out;
	buf_init(&st, 3 * TOKEN_MAX);
	if (buf_load_file(&st, t.state_file, err, sizeof(err)) == 0 &&
	    st.data != NULL) {
		if (jsonr_get(st.data, st.len, "refresh_token",
		    ts->refresh, sizeof(ts->refresh)) < 0)
			ts->refresh[0] = '\0';
		if (jsonr_get(st.data, st.len, "expires_at", n,
		    sizeof(n)) == 1)
			ts->expires_at = atol(n);
	}
	wipe_buf(&st);
	if (!force && ts->expires_at - (long)time(NULL) > t.min_valid &&
	    access(t.token_file, F_OK) == 0) {
		if (!quiet)
			printf("token: still valid for %ld seconds; not "
			    "refreshed\n", ts->expires_at - (long)time(NULL));
		rc = 0;
		goto out;
	}
	token_oauth(&t, secret, &o);
	if (strcmp(t.grant, "client_credentials") == 0)
		rc = oauth_client(&o, nts, err, sizeof(err));
	else if (ts->refresh[0] == '\0') {
		fprintf(stderr, "relayhint: %s holds no refresh token; sign in "
		    "again with relayhint migrate --login\n", t.state_file);
		rc = 1;
		goto out;
	} else
		rc = oauth_refresh(&o, ts->refresh, nts, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "relayhint: token refresh failed: %s\n", err);
		verdict_init(&v);
		(void)explain_text(&c->kb, err, strlen(err), &v);
		if (v.cause != NULL)
			fprintf(stderr, "relayhint: cause %s (relayhint "
			    "explain '%s')\n", v.cause, v.cause);
		rc = 1;
		goto out;
	}
	rc = token_store(&t, nts) == 0 ? 0 : 3;
	if (rc == 0 && !quiet)
		printf("token: refreshed, valid for %ld seconds\n",
		    nts->expires_at - (long)time(NULL));
out:
	if (ts != NULL)
		token_wipe(ts);
	if (nts != NULL)
		token_wipe(nts);
	free(ts);
	free(nts);
	explicit_bzero(secret, sizeof(secret));
	if (fd >= 0)
		close(fd);	/* releases the lock */
	return (rc);
}

/* login - the first token for a parsed refresher configuration */
static int
login(const struct tconf *t, long max_wait)
{
	struct token_set *ts;
	struct oauth o;
	char	 secret[4096] = "", err[1024];
	int	 rc;

	if (t->secret_file[0] && secret_file(t->secret_file, secret,
	    sizeof(secret)) < 0)
		return (3);
	if ((ts = calloc(1, sizeof(*ts))) == NULL)
		return (3);
	token_oauth(t, secret, &o);
	o.max_wait = max_wait;
	if (strcmp(t->grant, "client_credentials") == 0)
		rc = oauth_client(&o, ts, err, sizeof(err));
	else
		rc = oauth_device(&o, stdout, ts, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "relayhint: sign-in failed: %s\n", err);
		rc = 1;
	} else
		rc = token_store(t, ts) == 0 ? 0 : 3;
	if (rc == 0)
		printf("token: signed in; access token written to %s (mode "
		    "0600, owner %s)\n", t->token_file, t->owner[0] ? t->owner :
		    "root");
	token_wipe(ts);
	free(ts);
	explicit_bzero(secret, sizeof(secret));
	return (rc);
}

/* token_login - the first token of a refresher configuration */
int
token_login(struct cli *c, const char *conf, long max_wait)
{
	struct tconf t;

	(void)c;
	if (tconf_load(conf, &t) < 0)
		return (2);
	return (login(&t, max_wait));
}

/* cmd_token - token refresh|login --config FILE [--force] [--quiet] */
int
cmd_token(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "force", no_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "max-wait", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *conf = RH_SYSCONFDIR "/token.conf", *verb;
	long	 max_wait = 0;
	int	 ch, force = 0, quiet = 0;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		usage_cmd(stdout, "token");
		return (0);
	}
	if (argc < 2 || (strcmp(argv[1], "refresh") != 0 &&
	    strcmp(argv[1], "login") != 0)) {
		usage_cmd(stderr, "token");
		return (EXIT_USAGE);
	}
	verb = argv[1];
	optind = 2;
	while ((ch = getopt_long(argc, argv, "c:fqw:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			conf = optarg;
			break;
		case 'f':
			force = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'w':
			max_wait = atol(optarg);
			break;
		case 'h':
			usage_cmd(stdout, "token");
			return (0);
		default:
			usage_cmd(stderr, "token");
			return (EXIT_USAGE);
		}
	}
	if (optind != argc) {
		usage_cmd(stderr, "token");
		return (EXIT_USAGE);
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (strcmp(verb, "login") == 0)
		return (token_login(c, conf, max_wait));
	return (token_refresh(c, conf, force, quiet));
}
