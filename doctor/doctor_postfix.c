/*
 * doctor_postfix.c - relayhint doctor for Postfix
 *
 * Functions: doctor_postfix.
 *
 * What it asks Postfix (read-only, through struct doctor_io):
 *   postconf [-c DIR] -x                  every main.cf parameter, expanded
 *   postconf [-c DIR] -P                  master.cf -o overrides
 *   postconf [-c DIR] -F SVC/unix/chroot  whether the smtp client is chrooted
 *   postmap [-c DIR] -q KEY MAP           the login for a relay host, with
 *                                         the keys Postfix itself tries
 * and the files those name: sasl-xoauth2 token files (at the path the
 * chrooted smtp process sees), /etc/sasl-xoauth2.conf, the CA bundle in
 * the chroot, the SASL plugin directories, relayhint.conf.
 *
 * For each relay host (relayhost, or the nexthop of default_transport)
 * that goes to Microsoft it decides which way the relay logs in (a
 * password over AUTH LOGIN, XOAUTH2 with a sasl-xoauth2 token file, or
 * none for a connector) and as which mailbox, then checks what will make
 * that way fail: the December 2026 Basic authentication change, a
 * password-map key that does not match the relayhost form ("[host]:587"
 * versus "host"), SASL security options that leave no mechanism the
 * server offers (Postfix's noplaintext default), the TLS level, how long
 * a soft-bounced login failure sits in the queue before anyone is told,
 * the token files (place, owner, JSON, refresh token, age against the
 * 90-day idle limit, endpoint and tenant), and the relayhint milter.
 *
 * Secrets: the password field of the map is read only to tell a token
 * path from a password, and only a value that is a token path in an
 * XOAUTH2 set-up is ever copied into the report.  Token and secret values
 * of JSON files are never copied; only whether they are present.
 *
 * Limits: DOCTOR_PC_MAX parameters of DOCTOR_PC_VALUE bytes; command
 * output bounded to DOCTOR_OUT_MAX; files to DOCTOR_FILE_MAX; at most
 * DOCTOR_MAX_HOPS relay hosts.  transport_maps and
 * sender_dependent_relayhost_maps are not read (an INFO check says so).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "doctor.h"
#include "jsonr.h"
#include "text.h"

#define DOCTOR_PC_MAX		4000
#define DOCTOR_PC_VALUE		4096
#define DOCTOR_OUT_MAX		(4 * 1024 * 1024)
#define DOCTOR_FILE_MAX		(64 * 1024)
#define DOCTOR_WARN_DAYS	60
#define DOCTOR_IDLE_DAYS	90
#define DOCTOR_LINE_MAX		8192

/* the December 2026 default-off of Basic authentication for SMTP AUTH */

struct pcparam {
	char	 name[80];
	char	*value;
};

struct pf {
	const struct doctor_io *io;
	const struct doctor_opts *opts;
	struct doctor_report *r;
	int	 npc;
	struct pcparam *pc;
	struct buf over;		/* postconf -P output */
	char	 svc[64];		/* the smtp client service name */
	int	 chroot;
	char	 qdir[1024];		/* queue_directory */
	long	 owner_uid;		/* mail_owner, -1 unknown */
	int	 have_plugins;		/* a SASL plugin directory was found */
	int	 has_login, has_xoauth2;
	int	 has_kdexoauth2;	/* Debian's libsasl2-modules-kdexoauth2 */
};

/* Postfix's own defaults for what we read, when postconf does not say */
static const char *const pf_defaults[][2] = {
	{ "smtp_sasl_auth_enable", "no" },
	{ "smtp_sasl_security_options", "noplaintext, noanonymous" },
	{ "smtp_sasl_tls_security_options", "$smtp_sasl_security_options" },
	{ "smtp_sasl_tls_verified_security_options",
	  "$smtp_sasl_tls_security_options" },
	{ "smtp_sasl_mechanism_filter", "" },
	{ "smtp_sasl_password_maps", "" },
	{ "smtp_sasl_auth_soft_bounce", "yes" },
	{ "smtp_sender_dependent_authentication", "no" },
	{ "smtp_tls_security_level", "" },
	{ "smtp_tls_wrappermode", "no" },
	{ "smtp_tls_cert_file", "" },
	{ "maximal_queue_lifetime", "5d" },
	{ "bounce_queue_lifetime", "5d" },
	{ "delay_warning_time", "0h" },
	{ "soft_bounce", "no" },
	{ "queue_directory", "/var/spool/postfix" },
	{ "mail_owner", "postfix" },
	{ "relayhost", "" },
	{ "default_transport", "smtp" },
	{ "transport_maps", "" },
	{ "sender_dependent_relayhost_maps", "" },
	{ "non_smtpd_milters", "" },
	{ "internal_mail_filter_classes", "" },
	{ "milter_default_action", "tempfail" },
	{ NULL, NULL }
};

/* pf_run - a Postfix command with -c DIR when a directory was given */
static int
pf_run(struct pf *p, const char *prog, const char *a1, const char *a2,
    const char *a3, struct buf *out)
{
	char	*argv[8];
	int	 n = 0;

	argv[n++] = (char *)prog;
	if (p->opts->config_dir != NULL) {
		argv[n++] = (char *)"-c";
		argv[n++] = (char *)p->opts->config_dir;
	}
	if (a1 != NULL)
		argv[n++] = (char *)a1;
	if (a2 != NULL)
		argv[n++] = (char *)a2;
	if (a3 != NULL)
		argv[n++] = (char *)a3;
	argv[n] = NULL;
	return (p->io->run(p->io->ctx, argv, out));
}

/* pc_get - a main.cf parameter (postconf -x, else Postfix's default) */
static const char *
pc_get(const struct pf *p, const char *name)
{
	int	 i;

	for (i = 0; i < p->npc; i++)
		if (strcmp(p->pc[i].name, name) == 0)
			return (p->pc[i].value);
	for (i = 0; pf_defaults[i][0] != NULL; i++)
		if (strcmp(pf_defaults[i][0], name) == 0)
			return (pf_defaults[i][1]);
	return ("");
}

/* pc_smtp - a master.cf "-o" override of the smtp service, else main.cf */
static const char *
pc_smtp(const struct pf *p, const char *name)
{
	char	 key[256];
	const char *s, *e, *v;
	size_t	 kl;

	snprintf(key, sizeof(key), "%s/unix/%s = ", p->svc, name);
	kl = strlen(key);
	for (s = p->over.data; s != NULL && *s != '\0'; s = e + (*e != '\0')) {
		if ((e = strchr(s, '\n')) == NULL)
			e = s + strlen(s);
		if ((size_t)(e - s) > kl && memcmp(s, key, kl) == 0) {
			/* a ring: callers hold a few values at once */
			static char ring[8][DOCTOR_PC_VALUE];
			static int slot;
			char	*val = ring[slot++ & 7];

			v = s + kl;
			text_copy(val, DOCTOR_PC_VALUE, v, (size_t)(e - v));
			/* "$name" indirections of -o values: one level */
			if (val[0] == '$')
				return (pc_get(p, val + 1 + (val[1] == '{')));
			return (val);
		}
	}
	v = pc_get(p, name);
	/* an unexpanded default ("$smtp_sasl_security_options") */
	if (v[0] == '$')
		return (pc_smtp(p, v + 1));
	return (v);
}

/* pc_load - parse "name = value" lines of postconf -x; bounded */
static int
pc_load(struct pf *p, const struct buf *out)
{
	const char *s, *e, *eq;
	size_t	 nl;

	if ((p->pc = calloc(DOCTOR_PC_MAX, sizeof(*p->pc))) == NULL)
		return (-1);
	for (s = out->data; s != NULL && *s != '\0' && p->npc < DOCTOR_PC_MAX;
	    s = e + (*e != '\0')) {
		if ((e = strchr(s, '\n')) == NULL)
			e = s + strlen(s);
		if ((size_t)(e - s) > DOCTOR_PC_VALUE ||
		    (eq = memchr(s, '=', (size_t)(e - s))) == NULL)
			continue;
		for (nl = (size_t)(eq - s); nl > 0 && s[nl - 1] == ' '; nl--)
			;
		if (nl == 0 || nl >= sizeof(p->pc[0].name))
			continue;
		memcpy(p->pc[p->npc].name, s, nl);
		p->pc[p->npc].name[nl] = '\0';
		eq++;
		while (eq < e && *eq == ' ')
			eq++;
		if ((p->pc[p->npc].value = malloc((size_t)(e - eq) + 1)) == NULL)
			return (-1);
		text_copy(p->pc[p->npc].value, (size_t)(e - eq) + 1, eq,
		    (size_t)(e - eq));
		p->npc++;
	}
	return (0);
}

/* word_in - a word of a comma/space list, ASCII case-insensitive */
static int
word_in(const char *list, const char *w)
{
	size_t	 n = strlen(w), k;
	const char *s = list;

	while (*s != '\0') {
		while (*s == ',' || *s == ' ' || *s == '\t')
			s++;
		for (k = 0; s[k] != '\0' && s[k] != ',' && s[k] != ' ' &&
		    s[k] != '\t'; k++)
			;
		if (k == n && text_casecmp_n(s, w, n) == 0)
			return (1);
		s += k;
	}
	return (0);
}

/* hop_parse - "[host]:port", "host:port", "[host]", "host" */
static int
hop_parse(const char *s, size_t len, struct doctor_hop *h)
{
	const char *e = s + len, *q;

	memset(h, 0, sizeof(*h));
	text_copy(h->nexthop, sizeof(h->nexthop), s, len);
	h->port = 25;
	if (s < e && *s == '[') {
		if ((q = memchr(s, ']', len)) == NULL)
			return (-1);
		h->bracket = 1;
		text_copy(h->host, sizeof(h->host), s + 1, (size_t)(q - s - 1));
		s = q + 1;
	} else {
		for (q = s; q < e && *q != ':'; q++)
			;
		text_copy(h->host, sizeof(h->host), s, (size_t)(q - s));
		s = q;
	}
	if (s < e && *s == ':') {
		if (e - s == 11 && memcmp(s, ":submission", 11) == 0)
			h->port = 587;
		else if (e - s == 5 && memcmp(s, ":smtp", 5) == 0)
			h->port = 25;
		else if (e - s == 6 && memcmp(s, ":smtps", 6) == 0)
			h->port = 465;
		else
			h->port = atoi(s + 1);
	}
	return (h->host[0] ? 0 : -1);
}

/* hops_find - relayhost entries and the nexthop of default_transport */
static void
hops_find(struct pf *p)
{
	const char *lists[2], *s, *q;
	size_t	 k, n;
	int	 i;

	lists[0] = pc_get(p, "relayhost");
	lists[1] = "";
	s = pc_get(p, "default_transport");
	/* "smtp:[host]:587" carries its own nexthop */
	if ((q = strchr(s, ':')) != NULL) {
		text_copy(p->svc, sizeof(p->svc), s, (size_t)(q - s));
		if (lists[0][0] == '\0')
			lists[1] = q + 1;
	} else
		text_copy(p->svc, sizeof(p->svc), s, strlen(s));
	if (p->svc[0] == '\0')
		snprintf(p->svc, sizeof(p->svc), "smtp");
	for (i = 0; i < 2; i++) {
		for (s = lists[i]; *s != '\0' && p->r->nhops < DOCTOR_MAX_HOPS;) {
			while (*s == ',' || *s == ' ')
				s++;
			for (n = 0; s[n] != '\0' && s[n] != ',' && s[n] != ' ';
			    n++)
				;
			if (n > 0 && n < 256 && hop_parse(s, n,
			    &p->r->hop[p->r->nhops]) == 0) {
				struct doctor_hop *h = &p->r->hop[p->r->nhops];

				for (k = 0; h->host[k] != '\0'; k++)
					h->host[k] = (char)tolower(
					    (unsigned char)h->host[k]);
				h->kind = doctor_kind_of(h->host);
				p->r->nhops++;
			}
			s += n;
		}
	}
}

/* map_lookup - first map of a list that has key; 1 found, 0 not, -1 error */
static int
map_lookup(struct pf *p, const char *maps, const char *key, char *val,
    size_t vlen)
{
	char	 map[1024];
	struct buf out;
	const char *s = maps;
	size_t	 n;
	int	 rc, err = 0;

	while (*s != '\0') {
		while (*s == ',' || *s == ' ')
			s++;
		for (n = 0; s[n] != '\0' && s[n] != ',' && s[n] != ' '; n++)
			;
		if (n == 0)
			break;
		text_copy(map, sizeof(map), s, n);
		s += n;
		buf_init(&out, 64 * 1024);
		rc = pf_run(p, "postmap", "-q", key, map, &out);
		if (rc == 0 && out.data != NULL) {
			n = strcspn(out.data, "\n");
			text_copy(val, vlen, out.data, n);
			/* the value is a secret: wipe our copy of the output */
			memset(out.data, 0, out.len);
			buf_free(&out);
			return (1);
		}
		if (out.data != NULL)
			memset(out.data, 0, out.len);
		buf_free(&out);
		if (rc != 1)
			err = 1;
	}
	return (err ? -1 : 0);
}

/* fix_oauth - the XOAUTH2 path for one mailbox, as one instruction */
static void
fix_oauth(const struct doctor_hop *h, const char *mbox, char *out,
    size_t outlen, int chroot, const char *qdir)
{
	const char *dom = strchr(mbox, '@');

	/* a cut instruction is still the right start; say so */
	if (snprintf(out, outlen,
	    "OAuth 2.0 (XOAUTH2): install sasl-xoauth2; in main.cf set "
	    "smtp_sasl_mechanism_filter = xoauth2, smtp_sasl_security_options "
	    "= and smtp_sasl_tls_security_options = (empty); in sasl_passwd "
	    "\"%s %s:/etc/tokens/%s\" then postmap; in /etc/sasl-xoauth2.conf "
	    "\"token_endpoint\": \"https://login.microsoftonline.com/%s/oauth2/"
	    "v2.0/token\"; get the token signed in as %s: sasl-xoauth2-tool "
	    "get-token outlook %s/etc/tokens/%s --client-id=<app-id> "
	    "--tenant=%s --use-device-flow; chown postfix:postfix it; keep "
	    "SMTP AUTH on for that mailbox only: Set-CASMailbox -Identity %s "
	    "-SmtpClientAuthenticationDisabled $false. Or, with no mailbox "
	    "login at all, a certificate-based inbound connector and relayhost "
	    "= [<tenant MX host from: dig MX %s>]:25",
	    h->nexthop, mbox, mbox, dom ? dom + 1 : "<tenant>", mbox,
	    chroot ? qdir : "", mbox, dom ? dom + 1 : "<tenant>", mbox,
	    dom ? dom + 1 : "<your-domain>") >= (int)outlen && outlen > 4)
		memcpy(out + outlen - 4, "...", 4);
}

/* key_forms - the keys Postfix tries, then near misses to look for */
static int
key_forms(const struct doctor_hop *h, char keys[][300], int *ntry)
{
	int	 n = 0;

	/* smtp_sasl_passwd_lookup(): the server's host name, then the
	 * destination exactly as written in relayhost */
	snprintf(keys[n++], 300, "%s", h->host);
	if (strcmp(h->nexthop, h->host) != 0)
		snprintf(keys[n++], 300, "%s", h->nexthop);
	*ntry = n;
	/* forms people write that Postfix does not try for this relayhost */
	snprintf(keys[n++], 300, "[%s]:%d", h->host, h->port);
	snprintf(keys[n++], 300, "%s:%d", h->host, h->port);
	snprintf(keys[n++], 300, "[%s]", h->host);
	snprintf(keys[n++], 300, "[%s]:submission", h->host);
	return (n);
}

/* check_login - which mailbox, found under which key; the way in */
static void
check_login(struct pf *p, struct doctor_hop *h)
{
	struct doctor_check *c;
	char	 keys[8][300], val[1024];
	const char *maps = pc_smtp(p, "smtp_sasl_password_maps");
	const char *filter = pc_smtp(p, "smtp_sasl_mechanism_filter");
	char	*colon;
	int	 i, k, n, ntry, rc, hit = -1, err = 0;

	if (!word_in(pc_smtp(p, "smtp_sasl_auth_enable"), "yes")) {
		if (h->kind == DOCTOR_KIND_CONNECTOR) {
			c = doctor_add(p->r, DOCTOR_OK, "sasl.login", h->nexthop);
			doctor_reason(c, "No SMTP AUTH to the connector host: "
			    "Microsoft 365 matches the relay by its IP address "
			    "or TLS certificate.");
			return;
		}
		c = doctor_add(p->r, DOCTOR_FAIL, "sasl.login", h->nexthop);
		doctor_reason(c, "smtp_sasl_auth_enable is not yes: Postfix "
		    "sends without logging in and %s answers 530 5.7.57 "
		    "Client not authenticated.", h->host);
		doctor_fix(c, "postconf -e smtp_sasl_auth_enable=yes "
		    "smtp_sasl_password_maps=hash:/etc/postfix/sasl_passwd "
		    "smtp_tls_security_level=encrypt; add \"%s <mailbox>:"
		    "<token-file-or-password>\" to /etc/postfix/sasl_passwd; "
		    "postmap /etc/postfix/sasl_passwd; postfix reload",
		    h->nexthop);
		return;
	}
	if (maps[0] == '\0') {
		c = doctor_add(p->r, h->kind == DOCTOR_KIND_CONNECTOR ?
		    DOCTOR_INFO : DOCTOR_FAIL, "sasl.password_map", h->nexthop);
		doctor_reason(c, "smtp_sasl_password_maps is empty: no login "
		    "for any server%s.", h->kind == DOCTOR_KIND_CONNECTOR ? "" :
		    ", so Microsoft 365 answers 530 5.7.57");
		doctor_fix(c, "postconf -e smtp_sasl_password_maps=hash:/etc/"
		    "postfix/sasl_passwd; add \"%s <mailbox>:<secret>\"; "
		    "postmap /etc/postfix/sasl_passwd", h->nexthop);
		return;
	}
	n = key_forms(h, keys, &ntry);
	for (i = 0; i < n && hit < 0; i++) {
		/* near misses: only forms that differ from the ones tried */
		for (k = 0; i >= ntry && k < ntry; k++)
			if (strcmp(keys[i], keys[k]) == 0)
				break;
		if (i >= ntry && k < ntry)
			continue;
		rc = map_lookup(p, maps, keys[i], val, sizeof(val));
		if (rc < 0)
			err = 1;
		else if (rc == 1)
			hit = i;
	}
	if (hit < 0) {
		c = doctor_add(p->r, err ? DOCTOR_SKIP :
		    h->kind == DOCTOR_KIND_CONNECTOR ? DOCTOR_OK : DOCTOR_FAIL,
		    "sasl.password_map", h->nexthop);
		if (err)
			doctor_reason(c, "postmap -q could not read %s (run "
			    "doctor as root, or the map file is missing)", maps);
		else if (h->kind == DOCTOR_KIND_CONNECTOR)
			doctor_reason(c, "No login for the connector host, as "
			    "it should be.");
		else {
			doctor_reason(c, "No entry in %s for \"%s\"%s%s%s: "
			    "Postfix will not log in, and Microsoft 365 answers "
			    "530 5.7.57 Client not authenticated.", maps,
			    keys[0], ntry > 1 ? " or \"" : "", ntry > 1 ?
			    keys[1] : "", ntry > 1 ? "\"" : "");
			doctor_fix(c, "Add \"%s <mailbox>:<token-file-or-"
			    "password>\" to the map source, then postmap it "
			    "and postfix reload.", h->nexthop);
		}
		return;
	}
	/*
	 * The login name is before the first ':'; the rest is a secret.
	 * Without a ':' Postfix sends the whole value as the user name and
	 * an empty password (smtp_sasl_glue.c), and the value is most
	 * likely the password itself: it is not shown.
	 */
	if ((colon = strchr(val, ':')) == NULL) {
		memset(val, 0, sizeof(val));
		c = doctor_add(p->r, DOCTOR_FAIL, "sasl.password_map",
		    h->nexthop);
		doctor_reason(c, "The entry \"%s\" has no \"<mailbox>:\" "
		    "part: Postfix sends the whole value as the user name with "
		    "an empty password, and Microsoft 365 refuses the login "
		    "(the value is not shown, it may be the password).",
		    keys[hit]);
		doctor_fix(c, "Write \"%s <mailbox>:<token-file-or-password>\" "
		    "in the map source, then postmap it and postfix reload.",
		    h->nexthop);
		return;
	}
	*colon = '\0';
	text_copy(h->mailbox, sizeof(h->mailbox), val, strlen(val));
	text_copy(h->key, sizeof(h->key), keys[hit], strlen(keys[hit]));
	if (colon[1] == '/' && word_in(filter, "xoauth2") &&
	    strchr(colon + 1, ' ') == NULL)
		text_copy(h->token, sizeof(h->token), colon + 1,
		    strlen(colon + 1));
	h->way = h->token[0] ? DOCTOR_WAY_XOAUTH2 : DOCTOR_WAY_PASSWORD;
	memset(val, 0, sizeof(val));
	if (hit >= ntry) {
		c = doctor_add(p->r, DOCTOR_FAIL, "sasl.password_map",
		    h->nexthop);
		doctor_reason(c, "The login for %s is in the map under \"%s\", "
		    "but for relayhost %s Postfix looks up \"%s\"%s%s%s only: "
		    "the entry never matches, Postfix sends without logging in "
		    "and Microsoft 365 answers 530 5.7.57.", h->mailbox[0] ?
		    h->mailbox : "this relay", keys[hit], h->nexthop, keys[0],
		    ntry > 1 ? " and \"" : "", ntry > 1 ? keys[1] : "",
		    ntry > 1 ? "\"" : "");
		doctor_fix(c, "In the map source write the key exactly as "
		    "relayhost: \"%s %s:...\" (or set relayhost = %s), then "
		    "postmap the map and postfix reload.", h->nexthop,
		    h->mailbox, keys[hit]);
		return;
	}
	if (h->mailbox[0] == '\0' || strspn(h->mailbox, " \t") ==
	    strlen(h->mailbox)) {
		c = doctor_add(p->r, DOCTOR_FAIL, "sasl.password_map",
		    h->nexthop);
		doctor_reason(c, "The entry \"%s\" has an empty user name: "
		    "Cyrus SASL stops with \"All-whitespace username\" "
		    "(relay.sasl.empty_user).", keys[hit]);
		doctor_fix(c, "Write \"%s <mailbox>:<token-file-or-password>\" "
		    "in the map source, then postmap it.", h->nexthop);
		return;
	}
	c = doctor_add(p->r, DOCTOR_OK, "sasl.password_map", h->nexthop);
	doctor_reason(c, "Postfix logs in as %s (map key \"%s\"), %s.",
	    h->mailbox, keys[hit], h->way == DOCTOR_WAY_XOAUTH2 ?
	    "with XOAUTH2 and a sasl-xoauth2 token file" :
	    "with a password (AUTH LOGIN)");
}

/* check_map_age - a hash/lmdb/btree map older than its source text */
static void
check_map_age(struct pf *p)
{
	static const char *const ext[][2] = {
		{ "hash:", ".db" }, { "btree:", ".db" }, { "lmdb:", ".lmdb" },
		{ "cdb:", ".cdb" }, { "dbm:", ".dir" },
	};
	const char *maps = pc_smtp(p, "smtp_sasl_password_maps");
	char	 src[1024], db[1100], path[1100];
	struct stat ss, ds;
	struct doctor_check *c;
	size_t	 i, n;

	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		n = strlen(ext[i][0]);
		if (strncmp(maps, ext[i][0], n) != 0)
			continue;
		text_copy(src, sizeof(src), maps + n, strcspn(maps + n, ", "));
		snprintf(db, sizeof(db), "%s%s", src, ext[i][1]);
		if (doctor_file(p->io, src, path, sizeof(path)) < 0 ||
		    stat(path, &ss) < 0)
			return;
		if (doctor_file(p->io, db, path, sizeof(path)) < 0 ||
		    stat(path, &ds) < 0) {
			c = doctor_add(p->r, DOCTOR_FAIL, "sasl.map_built", src);
			doctor_reason(c, "%s exists but %s does not: Postfix "
			    "finds no login at all.", src, db);
			doctor_fix(c, "postmap %s%s", ext[i][0], src);
		} else if (ss.st_mtime > ds.st_mtime) {
			c = doctor_add(p->r, DOCTOR_WARN, "sasl.map_built", src);
			doctor_reason(c, "%s was changed after %s was built: "
			    "Postfix still uses the old entries.", src, db);
			doctor_fix(c, "postmap %s%s; postfix reload", ext[i][0],
			    src);
		} else {
			c = doctor_add(p->r, DOCTOR_OK, "sasl.map_built", src);
			doctor_reason(c, "%s is up to date with %s.", db, src);
		}
		if ((ss.st_mode & 004) != 0) {
			c = doctor_add(p->r, DOCTOR_WARN, "sasl.map_mode", src);
			doctor_reason(c, "%s is readable by every local user "
			    "and holds the relay's login.", src);
			doctor_fix(c, "chown root:root %s %s; chmod 600 %s %s",
			    src, db, src, db);
		}
		return;
	}
}

/* check_basic - the dated warning for password logins */
static void
check_basic(struct pf *p, const struct doctor_hop *h)
{
	struct doctor_check *c;
	char	 fix[DOCTOR_TEXT_MAX];
	long	 days = (DOCTOR_BASIC_OFF_TIME - (long)p->io->now) / 86400;

	if (h->way != DOCTOR_WAY_PASSWORD)
		return;
	fix_oauth(h, h->mailbox, fix, sizeof(fix), p->chroot, p->qdir);
	if (h->kind == DOCTOR_KIND_CONSUMER) {
		c = doctor_add(p->r, DOCTOR_FAIL, "basic_auth.deadline",
		    h->nexthop);
		doctor_reason(c, "%s logs in to consumer Outlook.com with a "
		    "password; Outlook.com has refused Basic authentication "
		    "since September 2024.", h->mailbox);
		doctor_fix(c, "Use OAuth 2.0 (XOAUTH2) with sasl-xoauth2, or "
		    "an Exchange Online mailbox.");
		return;
	}
	if (h->kind == DOCTOR_KIND_HVE) {
		c = doctor_add(p->r, DOCTOR_INFO, "basic_auth.deadline",
		    h->nexthop);
		doctor_reason(c, "%s logs in to High Volume Email with a "
		    "password; Microsoft supports Basic authentication on HVE "
		    "until September 2028.", h->mailbox);
		doctor_fix(c, "Plan the move to %s", fix);
		return;
	}
	c = doctor_add(p->r, DOCTOR_WARN, "basic_auth.deadline", h->nexthop);
	if (days > 0)
		doctor_reason(c, "%s logs in with a password (Basic "
		    "authentication). Microsoft turns Basic authentication for "
		    "SMTP AUTH off by default for existing tenants at the end "
		    "of December 2026 (%ld days from now); re-enabling it is "
		    "possible for a while only, and the final removal date is "
		    "to be announced in the second half of 2027.", h->mailbox,
		    days);
	else
		doctor_reason(c, "%s logs in with a password (Basic "
		    "authentication), which Microsoft turned off by default "
		    "for existing tenants at the end of December 2026; it "
		    "works only while re-enabled, and the final removal date "
		    "is announced for the second half of 2027.", h->mailbox);
	doctor_fix(c, "Move to %s", fix);
}

/* plugins_find - which Cyrus SASL client plugins are installed */
static void
plugins_find(struct pf *p)
{
	static const char *const dirs[] = {
		"/usr/lib/sasl2", "/usr/lib64/sasl2", "/usr/local/lib/sasl2",
		"/usr/lib/x86_64-linux-gnu/sasl2", "/usr/lib/aarch64-linux-gnu/sasl2",
		"/usr/lib/i386-linux-gnu/sasl2", "/usr/lib/arm-linux-gnueabihf/sasl2",
	};
	char	 path[1100];
	struct dirent *d;
	DIR	*dir;
	size_t	 i;
	int	 n;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (doctor_file(p->io, dirs[i], path, sizeof(path)) < 0 ||
		    (dir = opendir(path)) == NULL)
			continue;
		p->have_plugins = 1;
		for (n = 0; n < 1000 && (d = readdir(dir)) != NULL; n++) {
			if (strncmp(d->d_name, "liblogin.so", 11) == 0)
				p->has_login = 1;
			if (strncmp(d->d_name, "libsasl-xoauth2.so", 18) == 0)
				p->has_xoauth2 = 1;
			if (strncmp(d->d_name, "libkdexoauth2.so", 16) == 0)
				p->has_kdexoauth2 = 1;
		}
		closedir(dir);
	}
}

/*
 * check_mech_pin - an XOAUTH2 client plugin is installed: does a
 * mechanism filter pin this relay's method?  Without one Cyrus SASL may
 * pick XOAUTH2 for a password login (or LOGIN for an OAuth one); with
 * libsasl2-modules-kdexoauth2 that fails as "invalid parameter supplied"
 * (measured), and that plugin cannot take Postfix's password at all.
 */
static void
check_mech_pin(struct pf *p, const struct doctor_hop *h, const char *filter)
{
	struct doctor_check *c;
	int	 xo = h->way == DOCTOR_WAY_XOAUTH2;

	if (!p->has_xoauth2 && !p->has_kdexoauth2)
		return;
	if (filter[0] != '\0' && (xo ? !word_in(filter, "login") &&
	    !word_in(filter, "plain") : !word_in(filter, "xoauth2")))
		return;
	c = doctor_add(p->r, DOCTOR_WARN, "sasl.mechanism_filter", h->nexthop);
	doctor_reason(c, "An XOAUTH2 client plugin is installed (%s) and "
	    "smtp_sasl_mechanism_filter = \"%s\" does not pin the %s login, "
	    "so Cyrus SASL may pick %s and defer mail with \"cannot "
	    "authenticate to server ...: invalid parameter supplied\" "
	    "(relay.sasl.mechanism_unpinned).", p->has_kdexoauth2 ?
	    "libkdexoauth2.so" : "libsasl-xoauth2.so", filter, xo ? "XOAUTH2" :
	    "password", xo ? "LOGIN" : "XOAUTH2");
	doctor_fix(c, "postconf -e 'smtp_sasl_mechanism_filter = %s'; postfix "
	    "reload", xo ? "xoauth2" : "login, plain");
}

/* check_mechs - is a mechanism left that the server offers? */
static void
check_mechs(struct pf *p, const struct doctor_hop *h)
{
	static const char *const bad[] = { "noplaintext", "noactive",
	    "nodictionary", "mutual_auth" };
	struct doctor_check *c;
	const char *lvl = pc_smtp(p, "smtp_tls_security_level");
	const char *pname, *opts, *filter;
	const char *excl = NULL;
	int	 login, xo, want;
	size_t	 i;

	if (h->way == DOCTOR_WAY_NONE)
		return;
	/* the options Postfix applies depend on the TLS state */
	if (word_in(lvl, "verify") || word_in(lvl, "secure"))
		pname = "smtp_sasl_tls_verified_security_options";
	else if (lvl[0] != '\0' && !word_in(lvl, "none"))
		pname = "smtp_sasl_tls_security_options";
	else
		pname = "smtp_sasl_security_options";
	opts = pc_smtp(p, pname);
	filter = pc_smtp(p, "smtp_sasl_mechanism_filter");
	/* LOGIN and XOAUTH2 both lack the flags these options demand */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (word_in(opts, bad[i]))
			excl = bad[i];
	login = excl == NULL && (filter[0] == '\0' || word_in(filter, "login"))
	    && (!p->have_plugins || p->has_login);
	xo = excl == NULL && (filter[0] == '\0' || word_in(filter, "xoauth2"))
	    && (!p->have_plugins || p->has_xoauth2);
	want = h->way == DOCTOR_WAY_XOAUTH2 ? xo : login;
	if (want) {
		c = doctor_add(p->r, DOCTOR_OK, "sasl.mechanisms", h->nexthop);
		doctor_reason(c, "%s = \"%s\" leaves %s, which %s offers.",
		    pname, opts, h->way == DOCTOR_WAY_XOAUTH2 ? "XOAUTH2" :
		    "LOGIN", h->host);
		check_mech_pin(p, h, filter);
		return;
	}
	c = doctor_add(p->r, DOCTOR_FAIL, "sasl.mechanisms", h->nexthop);
	if (excl != NULL)
		doctor_reason(c, "%s = \"%s\": \"%s\" excludes both mechanisms "
		    "%s offers (LOGIN and XOAUTH2), so Postfix logs \"No worthy "
		    "mechs found\" and defers every message "
		    "(relay.sasl.no_mechanism).", pname, opts, excl, h->host);
	else if (filter[0] != '\0' && !word_in(filter,
	    h->way == DOCTOR_WAY_XOAUTH2 ? "xoauth2" : "login"))
		doctor_reason(c, "smtp_sasl_mechanism_filter = \"%s\" leaves "
		    "no %s, the mechanism this login needs.", filter,
		    h->way == DOCTOR_WAY_XOAUTH2 ? "XOAUTH2" : "LOGIN");
	else if (h->way == DOCTOR_WAY_XOAUTH2 && p->has_kdexoauth2)
		/* measured: tests/integration/migrate/delivery.sh */
		doctor_reason(c, "The Cyrus SASL plugin for XOAUTH2 "
		    "(sasl-xoauth2) is not installed; libkdexoauth2.so (Debian's "
		    "libsasl2-modules-kdexoauth2) is installed but cannot log "
		    "Postfix in: every login fails with \"invalid parameter "
		    "supplied\".");
	else
		doctor_reason(c, "The Cyrus SASL plugin for %s is not "
		    "installed, so Postfix logs \"No worthy mechs found\".",
		    h->way == DOCTOR_WAY_XOAUTH2 ? "XOAUTH2 (sasl-xoauth2)" :
		    "LOGIN (libsasl2-modules)");
	if (h->way == DOCTOR_WAY_XOAUTH2)
		doctor_fix(c, "install sasl-xoauth2 if missing (Debian 12 has "
		    "no package: build it from https://github.com/tarickb/"
		    "sasl-xoauth2 with cmake -DCMAKE_INSTALL_PREFIX=/usr "
		    "-DCMAKE_INSTALL_SYSCONFDIR=/etc; Ubuntu: "
		    "ppa:sasl-xoauth2/stable); "
		    "postconf -e 'smtp_sasl_mechanism_filter = xoauth2' "
		    "'smtp_sasl_security_options =' "
		    "'smtp_sasl_tls_security_options ='; postfix reload; check "
		    "with saslpluginviewer -c");
	else
		doctor_fix(c, "apt-get install libsasl2-modules (if missing); "
		    "postconf -e 'smtp_sasl_security_options = noanonymous' "
		    "'smtp_sasl_tls_security_options = noanonymous'; postfix "
		    "reload. Better: move to XOAUTH2 (see basic_auth.deadline)");
}

/* check_tls - the TLS level the smtp client uses for this relay host */
static void
check_tls(struct pf *p, const struct doctor_hop *h)
{
	struct doctor_check *c;
	const char *lvl = pc_smtp(p, "smtp_tls_security_level");
	int	 strong, none, wrapper;

	strong = word_in(lvl, "encrypt") || word_in(lvl, "verify") ||
	    word_in(lvl, "secure") || word_in(lvl, "dane") ||
	    word_in(lvl, "dane-only") || word_in(lvl, "fingerprint");
	none = lvl[0] == '\0' || word_in(lvl, "none");
	wrapper = word_in(pc_smtp(p, "smtp_tls_wrappermode"), "yes");
	if (h->kind == DOCTOR_KIND_CONNECTOR) {
		c = doctor_add(p->r, strong ? DOCTOR_OK : DOCTOR_WARN,
		    "tls.level", h->nexthop);
		doctor_reason(c, "smtp_tls_security_level = \"%s\"%s", lvl,
		    strong ? ": the connection to the connector is always "
		    "encrypted." : ": a connector that requires TLS or a "
		    "certificate refuses a plain-text relay with 454 4.7.0.");
		if (!strong)
			doctor_fix(c, "postconf -e smtp_tls_security_level="
			    "encrypt; postfix reload");
		if (pc_smtp(p, "smtp_tls_cert_file")[0] == '\0') {
			c = doctor_add(p->r, DOCTOR_INFO, "tls.certificate",
			    h->nexthop);
			doctor_reason(c, "No client certificate "
			    "(smtp_tls_cert_file): only an IP-based connector "
			    "can match this relay. A certificate-based "
			    "connector survives IP changes.");
			doctor_fix(c, "smtp_tls_cert_file and smtp_tls_key_file "
			    "with a certificate whose CN/SAN is an accepted "
			    "domain; Set-InboundConnector -Identity <connector> "
			    "-TlsSenderCertificateName <that domain>");
		}
		return;
	}
	if (h->port == 465 && !wrapper) {
		c = doctor_add(p->r, DOCTOR_FAIL, "tls.level", h->nexthop);
		doctor_reason(c, "Port 465 needs smtp_tls_wrappermode = yes; "
		    "Microsoft 365 submission uses STARTTLS on port 587.");
		doctor_fix(c, "relayhost = [%s]:587 with "
		    "smtp_tls_security_level = encrypt", h->host);
		return;
	}
	if (h->port == 25 && h->kind == DOCTOR_KIND_SUBMIT) {
		c = doctor_add(p->r, DOCTOR_WARN, "tls.port", h->nexthop);
		doctor_reason(c, "SMTP AUTH submission to %s belongs on port "
		    "587; port 25 is often blocked by providers.", h->host);
		doctor_fix(c, "relayhost = [%s]:587; map key [%s]:587", h->host,
		    h->host);
	}
	if (!h->bracket) {
		c = doctor_add(p->r, DOCTOR_INFO, "relayhost.brackets",
		    h->nexthop);
		doctor_reason(c, "Without [brackets] Postfix first looks up MX "
		    "records for %s.", h->host);
		doctor_fix(c, "relayhost = [%s]:%d and the same key in the "
		    "password map", h->host, h->port);
	}
	c = doctor_add(p->r, strong ? DOCTOR_OK : none ? DOCTOR_FAIL :
	    DOCTOR_WARN, "tls.level", h->nexthop);
	if (strong)
		doctor_reason(c, "smtp_tls_security_level = %s: STARTTLS is "
		    "required before AUTH.", lvl);
	else if (none)
		doctor_reason(c, "smtp_tls_security_level is \"%s\": no "
		    "STARTTLS, so %s offers no AUTH and answers 530 5.7.57 (or "
		    "451 5.7.3 STARTTLS is required).", lvl, h->host);
	else
		doctor_reason(c, "smtp_tls_security_level = %s: if STARTTLS "
		    "fails, Postfix goes on in plain text, %s offers no AUTH "
		    "and the mail is refused with 530 5.7.57.", lvl, h->host);
	if (!strong)
		doctor_fix(c, "postconf -e smtp_tls_security_level=encrypt; "
		    "postfix reload");
}

/* check_queue - how long a deferred login failure sits before anyone knows */
static void
check_queue(struct pf *p)
{
	struct doctor_check *c;
	char	 life[32], warn[32];
	long	 ml = doctor_duration(pc_get(p, "maximal_queue_lifetime"), 'd');
	long	 dw = doctor_duration(pc_get(p, "delay_warning_time"), 'h');
	int	 soft = word_in(pc_smtp(p, "smtp_sasl_auth_soft_bounce"),
	    "yes");
	int	 gsoft = word_in(pc_get(p, "soft_bounce"), "yes");

	if (ml < 0)
		ml = 5 * 86400;
	doctor_days(ml, life, sizeof(life));
	if (gsoft) {
		c = doctor_add(p->r, DOCTOR_WARN, "queue.soft_bounce", NULL);
		doctor_reason(c, "soft_bounce = yes: every refusal, even a "
		    "permanent 5xx, is retried until maximal_queue_lifetime "
		    "(%s).", life);
		doctor_fix(c, "postconf -e soft_bounce=no once testing is "
		    "over; postfix reload");
	}
	if (dw <= 0) {
		c = doctor_add(p->r, DOCTOR_WARN, "queue.notice", NULL);
		doctor_reason(c, "%s; delay_warning_time = 0 sends no delay "
		    "notice, so nobody is told for %s (maximal_queue_lifetime) "
		    "until the sender finally gets a bounce.", soft ?
		    "A failed login to Microsoft 365 (535) is deferred, not "
		    "bounced (smtp_sasl_auth_soft_bounce = yes)" :
		    "Temporary failures (token refresh errors, 4xx throttling) "
		    "are deferred", life);
		doctor_fix(c, "postconf -e delay_warning_time=4h (the relayhint "
		    "milter puts the cause into that notice); watch the queue "
		    "with relayhint queue, which says when the oldest message "
		    "will bounce");
	} else {
		doctor_days(dw, warn, sizeof(warn));
		c = doctor_add(p->r, DOCTOR_OK, "queue.notice", NULL);
		doctor_reason(c, "A deferred message's sender is told after %s "
		    "(delay_warning_time); it bounces after %s "
		    "(maximal_queue_lifetime)%s.", warn, life, soft ?
		    "; failed logins (535) are deferred "
		    "(smtp_sasl_auth_soft_bounce = yes)" : "");
	}
}

/* token_conf - the effective sasl-xoauth2 value: token file, then config */
static int
token_conf(const char *tok, size_t tl, const char *conf, size_t cl,
    const char *key, char *out, size_t outlen)
{
	if (tok != NULL && jsonr_get(tok, tl, key, out, outlen) == 1)
		return (1);
	if (conf != NULL && jsonr_get(conf, cl, key, out, outlen) == 1)
		return (2);
	out[0] = '\0';
	return (0);
}

/* check_endpoint - token_endpoint: set, Microsoft's, tenant-specific */
static void
check_endpoint(struct pf *p, const struct doctor_hop *h, const char *ep,
    int where, const char *subject)
{
	struct doctor_check *c;
	const char *t, *dom = strchr(h->mailbox, '@');
	char	 tenant[128];

	dom = dom ? dom + 1 : "<tenant>";
	if (ep[0] == '\0' || strstr(ep, "accounts.google.com") != NULL) {
		c = doctor_add(p->r, DOCTOR_FAIL, "xoauth2.endpoint", subject);
		doctor_reason(c, "%s: sasl-xoauth2 sends the refresh token to "
		    "Google, its default; Google answers \"The OAuth client was "
		    "not found\" (m365.oauth.endpoint_google).", ep[0] ?
		    "token_endpoint is Google's" : "token_endpoint is not set");
		doctor_fix(c, "In /etc/sasl-xoauth2.conf (or the token file): "
		    "\"token_endpoint\": \"https://login.microsoftonline.com/%s/"
		    "oauth2/v2.0/token\"", dom);
		return;
	}
	t = strstr(ep, "login.microsoftonline.");
	if (t == NULL) {
		c = doctor_add(p->r, DOCTOR_WARN, "xoauth2.endpoint", subject);
		doctor_reason(c, "token_endpoint %s is not Microsoft Entra ID's "
		    "(login.microsoftonline.com).", ep);
		doctor_fix(c, "\"token_endpoint\": \"https://login."
		    "microsoftonline.com/%s/oauth2/v2.0/token\"", dom);
		return;
	}
	t = strchr(t, '/');
	text_copy(tenant, sizeof(tenant), t ? t + 1 : "", t ?
	    strcspn(t + 1, "/") : 0);
	if (strcmp(tenant, "consumers") == 0 &&
	    h->kind != DOCTOR_KIND_CONSUMER) {
		c = doctor_add(p->r, DOCTOR_FAIL, "xoauth2.endpoint", subject);
		doctor_reason(c, "token_endpoint uses \"consumers\" (personal "
		    "Microsoft accounts); a Microsoft 365 token is refused with "
		    "AADSTS7000012 (m365.oauth.wrong_tenant).");
		doctor_fix(c, "\"token_endpoint\": \"https://login."
		    "microsoftonline.com/%s/oauth2/v2.0/token\" and a new token "
		    "with --tenant=%s", dom, dom);
	} else if (strstr(ep, "/v2.0/") == NULL || strcmp(tenant, "common") ==
	    0) {
		c = doctor_add(p->r, DOCTOR_WARN, "xoauth2.endpoint", subject);
		doctor_reason(c, "token_endpoint %s is %s; the tenant-specific "
		    "v2.0 endpoint avoids AADSTS900144 and AADSTS7000012.", ep,
		    strstr(ep, "/v2.0/") == NULL ? "the old v1 endpoint" :
		    "the multi-tenant \"common\" endpoint");
		doctor_fix(c, "\"token_endpoint\": \"https://login."
		    "microsoftonline.com/%s/oauth2/v2.0/token\"", dom);
	} else {
		c = doctor_add(p->r, DOCTOR_OK, "xoauth2.endpoint", subject);
		doctor_reason(c, "token_endpoint is Microsoft Entra ID, tenant "
		    "\"%s\" (from %s).", tenant, where == 1 ? "the token file" :
		    "/etc/sasl-xoauth2.conf");
	}
}

/* token_missing - the token file is not where the smtp process reads it */
static void
token_missing(struct pf *p, const struct doctor_hop *h, const char *seen)
{
	struct doctor_check *c;
	struct stat ost;
	char	 outside[1200], dir[1100], *slash;

	c = doctor_add(p->r, DOCTOR_FAIL, "xoauth2.token_file", seen);
	if (p->chroot && doctor_file(p->io, h->token, outside,
	    sizeof(outside)) == 0 && stat(outside, &ost) == 0) {
		doctor_reason(c, "The token file is at %s, but the smtp "
		    "process runs chrooted in %s and reads %s, which "
		    "does not exist (m365.oauth.token_file_missing).",
		    h->token, p->qdir, seen);
		snprintf(dir, sizeof(dir), "%s", seen);
		if ((slash = strrchr(dir, '/')) != NULL)
			*slash = '\0';
		doctor_fix(c, "mkdir -p %s; mv %s %s; chown -R "
		    "postfix:postfix %s (keep %s in sasl_passwd), or set "
		    "the chroot column of %s/unix in master.cf to n",
		    dir, h->token, seen, dir, h->token, p->svc);
	} else {
		doctor_reason(c, "The smtp process reads the token for "
		    "%s from %s%s; it does not exist "
		    "(m365.oauth.token_file_missing).", h->mailbox,
		    seen, p->chroot ? " (inside the Postfix chroot)" :
		    "");
		doctor_fix(c, "sasl-xoauth2-tool get-token outlook %s "
		    "--client-id=<app-id> --tenant=%s "
		    "--use-device-flow (sign in as %s); chown "
		    "postfix:postfix %s", seen, strchr(h->mailbox, '@') ?
		    strchr(h->mailbox, '@') + 1 : "<tenant>",
		    h->mailbox, seen);
	}
}

/* token_perms - who may read and replace the token file */
static void
token_perms(struct pf *p, const struct stat *st, const char *seen)
{
	struct doctor_check *c;

	if (p->owner_uid >= 0 && (long)st->st_uid != p->owner_uid) {
		c = doctor_add(p->r, DOCTOR_FAIL, "xoauth2.token_owner", seen);
		doctor_reason(c, "%s belongs to uid %ld, not to %s: the smtp "
		    "process cannot rewrite it after a refresh.", seen,
		    (long)st->st_uid, pc_get(p, "mail_owner"));
		doctor_fix(c, "chown %s:%s %s; chmod 600 %s",
		    pc_get(p, "mail_owner"), pc_get(p, "mail_owner"), seen,
		    seen);
	} else if ((st->st_mode & 077) != 0) {
		c = doctor_add(p->r, DOCTOR_WARN, "xoauth2.token_mode", seen);
		doctor_reason(c, "%s holds a refresh token and is readable by "
		    "others (mode %03o).", seen, (unsigned)(st->st_mode & 0777));
		doctor_fix(c, "chmod 600 %s", seen);
	}
}

/*
 * token_json - the token file's JSON and its refresh token; 0 when the
 * later checks can read it, -1 when not (the failure is reported)
 */
static int
token_json(struct pf *p, const struct doctor_hop *h, const struct buf *tb,
    const char *seen)
{
	struct doctor_check *c;
	char	 v[512];

	if (tb->len == 0 || jsonr_get(tb->data, tb->len, "refresh_token",
	    v, sizeof(v)) < 0) {
		c = doctor_add(p->r, DOCTOR_FAIL, "xoauth2.token_json", seen);
		doctor_reason(c, "%s is not a JSON object: sasl-xoauth2 fails "
		    "with a reader error (m365.oauth.bad_json).", seen);
		doctor_fix(c, "sasl-xoauth2-tool get-token outlook %s "
		    "--client-id=<app-id> --tenant=<tenant> --use-device-flow",
		    seen);
		memset(v, 0, sizeof(v));
		return (-1);
	}
	if (v[0] == '\0' && jsonr_get(tb->data, tb->len,
	    "use_client_credentials", v, sizeof(v)) != 1 &&
	    jsonr_get(tb->data, tb->len, "manage_token_externally", v,
	    sizeof(v)) != 1) {
		c = doctor_add(p->r, DOCTOR_FAIL, "xoauth2.token_json", seen);
		doctor_reason(c, "%s has no refresh_token: sasl-xoauth2 cannot "
		    "renew the access token (m365.oauth.no_refresh_token).",
		    seen);
		doctor_fix(c, "sasl-xoauth2-tool get-token outlook %s "
		    "--client-id=<app-id> --tenant=<tenant> --use-device-flow "
		    "(sign in as %s)", seen, h->mailbox);
	} else {
		c = doctor_add(p->r, DOCTOR_OK, "xoauth2.token_json", seen);
		doctor_reason(c, "%s is valid JSON with a refresh token.", seen);
	}
	memset(v, 0, sizeof(v));
	return (0);
}

/* token_age - sasl-xoauth2 rewrites the file on every refresh */
static void
token_age(struct pf *p, const struct doctor_hop *h, time_t mtime,
    const char *seen)
{
	struct doctor_check *c;
	long	 days = (long)(p->io->now - mtime) / 86400;

	if (days >= DOCTOR_IDLE_DAYS) {
		c = doctor_add(p->r, DOCTOR_FAIL, "xoauth2.token_age", seen);
		doctor_reason(c, "Last refreshed %ld days ago: Microsoft Entra "
		    "ID lets a refresh token idle for 90 days at most, so the "
		    "next refresh fails with AADSTS700082 "
		    "(m365.oauth.refresh_token_idle).", days);
		doctor_fix(c, "sasl-xoauth2-tool get-token outlook %s "
		    "--client-id=<app-id> --tenant=<tenant> --use-device-flow "
		    "(sign in as %s); then refresh weekly: "
		    "sasl-xoauth2-tool test-token-refresh %s as postfix from "
		    "cron", seen, h->mailbox, seen);
	} else if (days >= DOCTOR_WARN_DAYS) {
		c = doctor_add(p->r, DOCTOR_WARN, "xoauth2.token_age", seen);
		doctor_reason(c, "Last refreshed %ld days ago; after 90 idle "
		    "days Microsoft Entra ID refuses it (AADSTS700082), in %ld "
		    "days.", days, DOCTOR_IDLE_DAYS - days);
		doctor_fix(c, "Refresh it now and weekly from cron, as postfix: "
		    "sasl-xoauth2-tool test-token-refresh %s", seen);
	} else {
		c = doctor_add(p->r, DOCTOR_OK, "xoauth2.token_age", seen);
		doctor_reason(c, "Last refreshed %ld day%s ago (limit: 90 idle "
		    "days).", days, days == 1 ? "" : "s");
	}
}

/* token_ca_bundle - the CA bundle libcurl needs, as the chroot sees it */
static void
token_ca_bundle(struct pf *p, const struct buf *tb, const char *conf,
    size_t clen)
{
	struct doctor_check *c;
	struct stat st;
	char	 seen[1100], path[1200], v[512];

	if (token_conf(tb->data, tb->len, conf, clen, "ca_bundle_file", v,
	    sizeof(v)) == 0)
		snprintf(v, sizeof(v), "/etc/ssl/certs/ca-certificates.crt");
	if (snprintf(seen, sizeof(seen), "%s%s", p->qdir, v) >=
	    (int)sizeof(seen))
		seen[0] = '\0';	/* too long to be a path we check */
	if (seen[0] != '\0' && doctor_file(p->io, seen, path,
	    sizeof(path)) == 0 && stat(path, &st) == 0) {
		c = doctor_add(p->r, DOCTOR_OK, "xoauth2.ca_bundle", seen);
		doctor_reason(c, "The CA bundle for "
		    "login.microsoftonline.com is in the chroot.");
	} else if (token_conf(tb->data, tb->len, conf, clen,
	    "ca_certs_dir", v, sizeof(v)) == 0) {
		c = doctor_add(p->r, DOCTOR_FAIL, "xoauth2.ca_bundle", seen);
		doctor_reason(c, "%s is missing: inside the chroot "
		    "libcurl cannot verify login.microsoftonline.com "
		    "(m365.oauth.ca_bundle_missing).", seen);
		doctor_fix(c, "mkdir -p %s/etc/ssl/certs; cp "
		    "/etc/ssl/certs/ca-certificates.crt %s/etc/ssl/"
		    "certs/", p->qdir, p->qdir);
	}
}

/* check_token - one sasl-xoauth2 token file, where the smtp process reads it */
static void
check_token(struct pf *p, const struct doctor_hop *h, const char *conf,
    size_t clen)
{
	struct doctor_check *c;
	struct buf tb;
	struct stat st;
	char	 seen[1100], path[1200], v[512];
	const char *cpath = p->opts->xoauth2_conf ? p->opts->xoauth2_conf :
	    "/etc/sasl-xoauth2.conf";
	int	 where;

	snprintf(seen, sizeof(seen), "%s%s", p->chroot ? p->qdir : "",
	    h->token);
	if (doctor_file(p->io, seen, path, sizeof(path)) < 0)
		return;
	if (stat(path, &st) != 0) {
		token_missing(p, h, seen);
		return;
	}
	token_perms(p, &st, seen);
	buf_init(&tb, DOCTOR_FILE_MAX + 1);
	if (doctor_read(p->io, seen, DOCTOR_FILE_MAX, &tb) < 0) {
		c = doctor_add(p->r, errno == EACCES ? DOCTOR_SKIP : DOCTOR_FAIL,
		    "xoauth2.token_json", seen);
		doctor_reason(c, "Cannot read %s: %s.", seen, strerror(errno));
		buf_free(&tb);
		return;
	}
	if (token_json(p, h, &tb, seen) < 0)
		goto out;
	token_age(p, h, st.st_mtime, seen);
	/* endpoint and tenant: the token file overrides the configuration */
	where = token_conf(tb.data, tb.len, conf, clen, "token_endpoint", v,
	    sizeof(v));
	check_endpoint(p, h, v, where, seen);
	if (token_conf(tb.data, tb.len, conf, clen, "client_id", v,
	    sizeof(v)) == 0) {
		c = doctor_add(p->r, DOCTOR_FAIL, "xoauth2.client_id", seen);
		doctor_reason(c, "No client_id in %s or in %s.", seen, cpath);
		doctor_fix(c, "\"client_id\": \"<app-id>\" (Microsoft Entra "
		    "admin center > App registrations) in %s", cpath);
	}
	if (p->chroot)
		token_ca_bundle(p, &tb, conf, clen);
out:
	if (tb.data != NULL)
		memset(tb.data, 0, tb.len);
	buf_free(&tb);
}

/* check_xoauth2_conf - /etc/sasl-xoauth2.conf: JSON and who can read it */
static int
check_xoauth2_conf(struct pf *p, struct buf *conf)
{
	struct doctor_check *c;
	struct stat st;
	char	 path[1100], v[16];
	const char *cpath = p->opts->xoauth2_conf ? p->opts->xoauth2_conf :
	    "/etc/sasl-xoauth2.conf";

	if (doctor_read(p->io, cpath, DOCTOR_FILE_MAX, conf) < 0) {
		c = doctor_add(p->r, errno == ENOENT ? DOCTOR_WARN :
		    DOCTOR_SKIP, "xoauth2.config", cpath);
		doctor_reason(c, "Cannot read %s: %s.", cpath, strerror(errno));
		if (errno == ENOENT)
			doctor_fix(c, "Create it with \"client_id\" and "
			    "\"token_endpoint\" (unless every token file "
			    "carries them)");
		return (-1);
	}
	if (jsonr_get(conf->data, conf->len, "client_id", v,
	    sizeof(v)) < 0) {
		c = doctor_add(p->r, DOCTOR_FAIL, "xoauth2.config", cpath);
		doctor_reason(c, "%s is not valid JSON: the plugin does not "
		    "load and Postfix logs \"No worthy mechs found\" "
		    "(m365.oauth.bad_json).", cpath);
		doctor_fix(c, "sasl-xoauth2-tool test-config; fix the JSON it "
		    "reports");
		return (-1);
	}
	c = doctor_add(p->r, DOCTOR_OK, "xoauth2.config", cpath);
	doctor_reason(c, "%s is valid JSON.", cpath);
	if (jsonr_get(conf->data, conf->len, "client_secret", v,
	    sizeof(v)) == 1 && v[0] != '\0' &&
	    doctor_file(p->io, cpath, path, sizeof(path)) == 0 &&
	    stat(path, &st) == 0 && (st.st_mode & 004) != 0) {
		c = doctor_add(p->r, DOCTOR_WARN, "xoauth2.secret_mode", cpath);
		doctor_reason(c, "%s holds client_secret and is readable by "
		    "every local user.", cpath);
		doctor_fix(c, "Move \"client_secret\" into the token file "
		    "(owned by postfix, mode 600), or chmod 640 %s and chgrp "
		    "postfix %s", cpath, cpath);
	}
	memset(v, 0, sizeof(v));
	return (0);
}

/* check_milter - the relayhint milter wiring for Postfix's own bounces */
static void
check_milter(struct pf *p)
{
	struct doctor_check *c;
	const char *m = pc_get(p, "non_smtpd_milters");
	const char *s;
	char	 sock[256] = "127.0.0.1:8894";
	struct buf rc;
	int	 accept;

	/* the socket relayhint.conf names, in Postfix's spelling */
	buf_init(&rc, DOCTOR_FILE_MAX + 1);
	if (doctor_read(p->io, "/etc/relayhint/relayhint.conf",
	    DOCTOR_FILE_MAX, &rc) == 0 && rc.data != NULL &&
	    (s = strstr(rc.data, "socket")) != NULL &&
	    (s = strchr(s, '=')) != NULL) {
		const char *at, *e;

		for (s++; *s == ' '; s++)
			;
		e = s + strcspn(s, " \n#");
		if (e - s > 5 && strncmp(s, "inet:", 5) == 0 &&
		    (at = memchr(s, '@', (size_t)(e - s))) != NULL)
			snprintf(sock, sizeof(sock), "%.*s:%.*s",
			    (int)(e - at - 1), at + 1, (int)(at - s - 5), s + 5);
		else if (e - s > 5 && strncmp(s, "unix:", 5) == 0)
			text_copy(sock, sizeof(sock), s + 5, (size_t)(e - s - 5));
	}
	buf_free(&rc);
	if ((s = strstr(m, sock)) == NULL)
		s = strstr(m, "relayhint");
	if (s == NULL) {
		c = doctor_add(p->r, DOCTOR_INFO, "milter.wiring", NULL);
		doctor_reason(c, "The relayhint milter is not in "
		    "non_smtpd_milters: Postfix's bounces and delay notices "
		    "carry no explanation (optional).");
		doctor_fix(c, "postconf -e 'non_smtpd_milters = { inet:%s, "
		    "default_action=accept }' 'internal_mail_filter_classes = "
		    "bounce'; postfix reload", sock);
		return;
	}
	c = doctor_add(p->r, word_in(pc_get(p, "internal_mail_filter_classes"),
	    "bounce") ? DOCTOR_OK : DOCTOR_WARN, "milter.classes", NULL);
	if (c->level == DOCTOR_OK)
		doctor_reason(c, "internal_mail_filter_classes includes bounce: "
		    "bounces and delay notices go through the milter.");
	else {
		doctor_reason(c, "internal_mail_filter_classes = \"%s\" lacks "
		    "bounce: Postfix's own bounces bypass the relayhint milter.",
		    pc_get(p, "internal_mail_filter_classes"));
		doctor_fix(c, "postconf -e 'internal_mail_filter_classes = "
		    "bounce'; postfix reload");
	}
	/* "{ inet:..., default_action=accept }" or the global default */
	accept = 0;
	{
		const char *open = s, *close = strchr(s, '}');

		while (open > m && *open != '{' && *open != '}' && *open != ',')
			open--;
		if (*open == '{' && close != NULL) {
			const char *da = strstr(open, "default_action");

			if (da != NULL && da < close)
				accept = strncmp(da + strcspn(da, "=") + 1,
				    "accept", 6) == 0 || strncmp(da +
				    strcspn(da, "=") + 2, "accept", 6) == 0;
			else
				accept = word_in(pc_get(p,
				    "milter_default_action"), "accept");
		} else
			accept = word_in(pc_get(p, "milter_default_action"),
			    "accept");
	}
	c = doctor_add(p->r, accept ? DOCTOR_OK : DOCTOR_WARN,
	    "milter.default_action", NULL);
	if (accept)
		doctor_reason(c, "default_action=accept: a stopped milter never "
		    "delays a bounce.");
	else {
		doctor_reason(c, "The relayhint milter has no "
		    "default_action=accept (milter_default_action = %s): if "
		    "it stops, Postfix delays its own bounces.",
		    pc_get(p, "milter_default_action"));
		doctor_fix(c, "non_smtpd_milters = { inet:%s, "
		    "default_action=accept }; postfix reload", sock);
	}
}

/* pf_free - release what the run took */
static void
pf_free(struct pf *p)
{
	int	 i;

	for (i = 0; i < p->npc; i++)
		free(p->pc[i].value);
	free(p->pc);
	buf_free(&p->over);
}

/* doctor_postfix - every check for a Postfix instance */
int
doctor_postfix(const struct doctor_io *io, const struct doctor_opts *opts,
    struct doctor_report *r)
{
	struct pf p;
	struct buf out, conf;
	struct doctor_check *c;
	struct doctor_hop *h;
	const char *s;
	int	 i, rc, ms = 0, any_xo = 0, conf_ok = -1;

	memset(&p, 0, sizeof(p));
	p.io = io;
	p.opts = opts;
	p.r = r;
	snprintf(r->mta, sizeof(r->mta), "postfix");
	if (opts->config_dir != NULL)
		text_copy(r->config_dir, sizeof(r->config_dir), opts->config_dir,
		    strlen(opts->config_dir));
	buf_init(&p.over, DOCTOR_OUT_MAX);
	buf_init(&out, DOCTOR_OUT_MAX);
	rc = pf_run(&p, "postconf", "-x", NULL, NULL, &out);
	if (rc != 0 || out.data == NULL || out.overflow ||
	    pc_load(&p, &out) < 0 || p.npc == 0) {
		c = doctor_add(r, DOCTOR_SKIP, "postfix.postconf", opts->config_dir);
		doctor_reason(c, "postconf%s%s -x %s: cannot read the Postfix "
		    "configuration.", opts->config_dir ? " -c " : "",
		    opts->config_dir ? opts->config_dir : "", rc < 0 ?
		    "could not be run" : "failed");
		doctor_fix(c, "Install Postfix, or point --config-dir at the "
		    "directory with main.cf.");
		buf_free(&out);
		pf_free(&p);
		return (-1);
	}
	buf_free(&out);
	pf_run(&p, "postconf", "-P", NULL, NULL, &p.over);
	hops_find(&p);
	/* chroot of the smtp client, and the directory it sees as / */
	{
		char	 f[128];

		snprintf(f, sizeof(f), "%s/unix/chroot", p.svc);
		buf_init(&out, 64 * 1024);
		if (pf_run(&p, "postconf", "-F", f, NULL, &out) == 0 &&
		    out.data != NULL && (s = strstr(out.data, " = ")) != NULL)
			p.chroot = s[3] == 'y';
		buf_free(&out);
	}
	text_copy(p.qdir, sizeof(p.qdir), pc_get(&p, "queue_directory"),
	    strlen(pc_get(&p, "queue_directory")));
	p.owner_uid = io->uid ? io->uid(io->ctx, pc_get(&p, "mail_owner")) : -1;
	plugins_find(&p);
	for (i = 0; i < r->nhops; i++)
		if (r->hop[i].kind != DOCTOR_KIND_OTHER)
			ms++;
	if (ms == 0) {
		c = doctor_add(r, DOCTOR_OK, "relayhost", NULL);
		if (r->nhops == 0)
			doctor_reason(c, "No relayhost: Postfix delivers "
			    "directly; there is no Microsoft 365 relay to "
			    "check.");
		else
			doctor_reason(c, "No relay host goes to Microsoft 365 "
			    "(relayhost = %s).", pc_get(&p, "relayhost"));
	}
	if (pc_get(&p, "transport_maps")[0] != '\0' ||
	    pc_get(&p, "sender_dependent_relayhost_maps")[0] != '\0') {
		c = doctor_add(r, DOCTOR_INFO, "relayhost.maps", NULL);
		doctor_reason(c, "transport_maps or "
		    "sender_dependent_relayhost_maps are set; relay hosts named "
		    "only there are not checked.");
	}
	for (i = 0; i < r->nhops; i++) {
		h = &r->hop[i];
		if (h->kind == DOCTOR_KIND_OTHER)
			continue;
		c = doctor_add(r, DOCTOR_INFO, "relayhost", h->nexthop);
		doctor_reason(c, "%s is %s (port %d).", h->host,
		    h->kind == DOCTOR_KIND_SUBMIT ? "Microsoft 365 SMTP AUTH "
		    "submission" : h->kind == DOCTOR_KIND_HVE ? "Microsoft 365 "
		    "High Volume Email (internal recipients only)" :
		    h->kind == DOCTOR_KIND_CONSUMER ? "consumer Outlook.com" :
		    "a Microsoft 365 MX host (connector or Direct Send)",
		    h->port);
		check_login(&p, h);
		if (word_in(pc_get(&p, "smtp_sender_dependent_authentication"),
		    "yes")) {
			c = doctor_add(r, DOCTOR_INFO, "sasl.sender_dependent",
			    h->nexthop);
			doctor_reason(c, "smtp_sender_dependent_authentication = "
			    "yes: a sender's own entry comes first; doctor "
			    "checks the per-host entry only.");
		}
		check_basic(&p, h);
		check_mechs(&p, h);
		check_tls(&p, h);
		if (h->way == DOCTOR_WAY_XOAUTH2)
			any_xo = 1;
	}
	if (ms > 0) {
		check_map_age(&p);
		check_queue(&p);
	}
	if (any_xo) {
		buf_init(&conf, DOCTOR_FILE_MAX + 1);
		conf_ok = check_xoauth2_conf(&p, &conf);
		for (i = 0; i < r->nhops; i++)
			if (r->hop[i].way == DOCTOR_WAY_XOAUTH2)
				check_token(&p, &r->hop[i], conf_ok == 0 ?
				    conf.data : NULL, conf_ok == 0 ? conf.len :
				    0);
		if (conf.data != NULL)
			memset(conf.data, 0, conf.len);
		buf_free(&conf);
	}
	check_milter(&p);
	pf_free(&p);
	return (0);
}
