/*
 * doctor_exim.c - relayhint doctor for Exim
 *
 * Functions: doctor_exim.
 *
 * What it asks Exim (read-only, through struct doctor_io):
 *   exim [-C FILE] -bV               is Expand_dlfunc built in (the heavy
 *                                    daemon), which the relayhint object needs
 *   exim [-C FILE] -bP routers       manualroute routers whose route_list
 *                                    or route_data names a Microsoft host
 *                                    (Debian's DCsmarthost macro is already
 *                                    substituted in what -bP prints)
 *   exim [-C FILE] -bP transports    the smtp transports: hosts_require_auth
 *                                    versus hosts_try_auth, hosts_require_tls,
 *                                    the relayhint event_action
 *   exim [-C FILE] -bP authenticators client authenticators: LOGIN, PLAIN,
 *                                    XOAUTH2, and the passwd.client they read
 * and passwd.client itself.  The Exim binary is "exim4", else "exim"; the
 * configuration is FILE when --config-dir names a directory holding
 * exim.conf, exim4.conf or exim4.conf.template (else Exim's own default).
 *
 * passwd.client: Debian's authenticators look the server up as $host in
 * /etc/exim4/passwd.client, and exim4_passwd_client(5) says the name
 * compared is the one found by reverse DNS for the server's address, not
 * the name written as smarthost.  An entry whose key is the literal
 * smarthost name (smtp.office365.com) and no wildcard that could match
 * Microsoft's reverse names means Exim sends no AUTH and Microsoft answers
 * 530 5.7.57.  Doctor never resolves names (it needs no network); it
 * reports the entries it finds and which of them can match.  Passwords
 * are never copied: only the first two fields of a three-field line are
 * read; of a two-field line (host:password, the login left out) only the
 * host.  A passwd.client that users other than Exim may read is a WARN.
 *
 * Limits: command output bounded to DOCTOR_EXIM_OUT; passwd.client to
 * DOCTOR_EXIM_FILE bytes and DOCTOR_EXIM_LINES lines; option values cut at
 * DOCTOR_EXIM_VALUE bytes.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "doctor.h"
#include "text.h"

#define DOCTOR_EXIM_OUT		(4 * 1024 * 1024)
#define DOCTOR_EXIM_FILE	(256 * 1024)
#define DOCTOR_EXIM_LINES	5000
#define DOCTOR_EXIM_VALUE	2048

struct ex {
	const struct doctor_io *io;
	const struct doctor_opts *opts;
	struct doctor_report *r;
	const char *prog;
	char	 conf[1024];		/* -C FILE, "" for Exim's default */
	struct buf routers, transports, auths;
};

/* ex_run - exim [-C FILE] a1 a2 */
static int
ex_run(struct ex *e, const char *a1, const char *a2, struct buf *out)
{
	char	*argv[8];
	int	 n = 0;

	argv[n++] = (char *)e->prog;
	if (e->conf[0] != '\0') {
		argv[n++] = (char *)"-C";
		argv[n++] = e->conf;
	}
	argv[n++] = (char *)a1;
	if (a2 != NULL)
		argv[n++] = (char *)a2;
	argv[n] = NULL;
	return (e->io->run(e->io->ctx, argv, out));
}

/*
 * block_opt - the value of option opt in the -bP block "NAME KIND:" of
 * out, copied into val; 1 found, 0 not.  A block ends at an empty line
 * or at the next "... KIND:" header.
 */
static int
block_opt(const struct buf *out, const char *name, const char *kind,
    const char *opt, char *val, size_t vlen)
{
	char	 head[256];
	const char *s, *e, *b;
	size_t	 ol = strlen(opt);

	val[0] = '\0';
	if (out->data == NULL)
		return (0);
	e = out->data;
	snprintf(head, sizeof(head), "%s %s:", name, kind);
	for (s = out->data; *s != '\0'; s = e + (*e != '\0')) {
		e = s + strcspn(s, "\n");
		if ((size_t)(e - s) == strlen(head) && memcmp(s, head,
		    (size_t)(e - s)) == 0)
			break;
	}
	if (*s == '\0')
		return (0);
	for (b = e + (*e != '\0'); *b != '\0' && *b != '\n'; b = e +
	    (*e != '\0')) {
		e = b + strcspn(b, "\n");
		if ((size_t)(e - b) >= ol + 3 && memcmp(b, opt, ol) == 0 &&
		    memcmp(b + ol, " = ", 3) == 0) {
			text_copy(val, vlen, b + ol + 3, (size_t)(e - b - ol - 3));
			return (1);
		}
		if (e > b && e[-1] == ':' && memchr(b, '=', (size_t)(e - b)) ==
		    NULL)
			break;
	}
	return (0);
}

/* block_next - the next "NAME KIND:" header at or after *pos; name out */
static int
block_next(const struct buf *out, const char *kind, size_t *pos, char *name,
    size_t nlen)
{
	const char *s, *e, *sp;
	size_t	 kl = strlen(kind);

	if (out->data == NULL)
		return (0);
	for (s = out->data + *pos; *s != '\0'; s = e + (*e != '\0')) {
		e = s + strcspn(s, "\n");
		sp = memchr(s, ' ', (size_t)(e - s));
		if (sp != NULL && (size_t)(e - sp) == kl + 2 &&
		    memcmp(sp + 1, kind, kl) == 0 && e[-1] == ':') {
			text_copy(name, nlen, s, (size_t)(sp - s));
			*pos = (size_t)(e - out->data) + (*e != '\0');
			return (1);
		}
	}
	return (0);
}

/* hosts_in - Microsoft host names in an option value */
static void
hosts_in(struct ex *e, const char *v)
{
	struct doctor_hop *h;
	const char *p = v, *q;
	char	 host[256];
	int	 i, port;

	while (*p != '\0' && e->r->nhops < DOCTOR_MAX_HOPS) {
		while (*p != '\0' && !(((*p | 32) >= 'a' && (*p | 32) <= 'z') ||
		    (*p >= '0' && *p <= '9')))
			p++;
		for (q = p; *q != '\0' && (((*q | 32) >= 'a' && (*q | 32) <=
		    'z') || (*q >= '0' && *q <= '9') || *q == '.' || *q == '-');
		    q++)
			;
		if (q == p)
			break;
		text_copy(host, sizeof(host), p, (size_t)(q - p));
		port = 25;
		/* Debian's DCsmarthost "host::587" */
		if (q[0] == ':' && q[1] == ':' && q[2] >= '0' && q[2] <= '9')
			port = atoi(q + 2);
		p = q;
		if (doctor_kind_of(host) == DOCTOR_KIND_OTHER)
			continue;
		for (i = 0; i < e->r->nhops; i++)
			if (strcmp(e->r->hop[i].host, host) == 0)
				break;
		if (i < e->r->nhops)
			continue;
		h = &e->r->hop[e->r->nhops++];
		memset(h, 0, sizeof(*h));
		text_copy(h->host, sizeof(h->host), host, strlen(host));
		if (snprintf(h->nexthop, sizeof(h->nexthop), "%s::%d", host,
		    port) >= (int)sizeof(h->nexthop))
			h->nexthop[0] = '\0';	/* a host name that long is no smarthost */
		h->port = port;
		h->bracket = 1;
		h->kind = doctor_kind_of(host);
	}
}

/* pc_entry - does a passwd.client key (nwildlsearch) match this name? */
static int
pc_match(const char *key, const char *name)
{
	size_t	 kl = strlen(key), nl = strlen(name);

	if (strcmp(key, "*") == 0)
		return (1);
	if (key[0] == '*')
		return (nl >= kl - 1 && text_casecmp_n(name + nl - (kl - 1),
		    key + 1, kl - 1) == 0);
	return (kl == nl && text_casecmp_n(key, name, kl) == 0);
}

/*
 * check_pc_mode - passwd.client holds the relay's password: Exim reads
 * it as Debian-exim (root:Debian-exim, mode 640), nobody else should
 */
static void
check_pc_mode(struct ex *e, const char *path)
{
	struct doctor_check *c;
	struct stat st;
	struct group *gr;
	char	 real[4096];
	int	 others, group;

	if (doctor_file(e->io, path, real, sizeof(real)) < 0 ||
	    stat(real, &st) < 0)
		return;
	others = (st.st_mode & 004) != 0;
	group = (st.st_mode & 040) != 0 && ((gr = getgrgid(st.st_gid)) ==
	    NULL || (strcmp(gr->gr_name, "Debian-exim") != 0 &&
	    strcmp(gr->gr_name, "exim") != 0));
	if (!others && !group)
		return;
	c = doctor_add(e->r, DOCTOR_WARN, "exim.passwd_client_mode", path);
	doctor_reason(c, "%s holds the relay's password and %s may read it "
	    "(mode %04o).", path, others ? "every local user" :
	    "a group other than Exim's", (unsigned)(st.st_mode & 07777));
	doctor_fix(c, "chown root:Debian-exim %s; chmod 640 %s", path, path);
}

/* check_passwd_client - which entries Exim can match for the smarthost */
static void
check_passwd_client(struct ex *e, struct doctor_hop *h, const char *path)
{
	static const char *const msnames[] = {
		/* reverse-DNS names of Microsoft's submission and MX hosts */
		"x.outlook.office365.com", "x.prod.outlook.com",
		"x.protection.outlook.com", "x.outlook.com",
	};
	struct doctor_check *c;
	struct buf b;
	char	*line, *save = NULL, *f2, lit[320] = "", wild[320] = "";
	char	 login[320] = "", two[320] = "";
	int	 n = 0, k;
	size_t	 i;

	buf_init(&b, DOCTOR_EXIM_FILE + 1);
	if (doctor_read(e->io, path, DOCTOR_EXIM_FILE, &b) < 0) {
		c = doctor_add(e->r, errno == ENOENT ? DOCTOR_FAIL : DOCTOR_SKIP,
		    "exim.passwd_client", path);
		doctor_reason(c, "Cannot read %s: %s%s.", path, strerror(errno),
		    errno == ENOENT ? "; Exim has no login to send and "
		    "Microsoft 365 answers 530 5.7.57" : "");
		if (errno == ENOENT)
			doctor_fix(c, "Create %s (root:Debian-exim, mode 640) "
			    "with a line \"*:<mailbox>:<password>\" (see "
			    "exim4_passwd_client(5)), then update-exim4.conf",
			    path);
		buf_free(&b);
		return;
	}
	for (line = b.data ? strtok_r(b.data, "\n", &save) : NULL;
	    line != NULL && n < DOCTOR_EXIM_LINES;
	    line = strtok_r(NULL, "\n", &save), n++) {
		while (*line == ' ' || *line == '\t')
			line++;
		if (*line == '#' || *line == '\0' ||
		    (f2 = strchr(line, ':')) == NULL)
			continue;
		*f2++ = '\0';
		/*
		 * host:login:password.  With two fields the second is most
		 * likely the password with the login left out: it is never
		 * taken for a login (nor shown), only the host is named.
		 */
		if (strchr(f2, ':') == NULL) {
			if (two[0] == '\0')
				text_copy(two, sizeof(two), line, strlen(line));
			continue;
		}
		/* the login is the second field; the third, a secret, stays */
		f2[strcspn(f2, ":")] = '\0';
		if (pc_match(line, h->host) && line[0] != '*' && lit[0] == '\0') {
			text_copy(lit, sizeof(lit), line, strlen(line));
			if (login[0] == '\0')
				text_copy(login, sizeof(login), f2, strlen(f2));
		}
		for (i = 0; i < sizeof(msnames) / sizeof(msnames[0]); i++)
			if ((line[0] == '*' || line[0] == '^') && pc_match(line,
			    msnames[i]) && wild[0] == '\0') {
				text_copy(wild, sizeof(wild), line, strlen(line));
				text_copy(login, sizeof(login), f2, strlen(f2));
			}
	}
	memset(b.data, 0, b.len);
	buf_free(&b);
	check_pc_mode(e, path);
	if (two[0] != '\0') {
		c = doctor_add(e->r, DOCTOR_FAIL, "exim.passwd_client_fields",
		    path);
		doctor_reason(c, "The entry for \"%s\" in %s has two fields, "
		    "not three: Exim expects host:login:password "
		    "(exim4_passwd_client(5)) and has no password to send (the "
		    "second field is not shown, it may be the password).",
		    two, path);
		doctor_fix(c, "Write the line as \"%s:<mailbox>:<password>\", "
		    "then update-exim4.conf and systemctl restart exim4", two);
	}
	text_copy(h->mailbox, sizeof(h->mailbox), login, strlen(login));
	if (wild[0] != '\0') {
		c = doctor_add(e->r, DOCTOR_OK, "exim.passwd_client", path);
		doctor_reason(c, "The entry \"%s\" matches the names Exim "
		    "compares for %s (the server's reverse-DNS names); login %s.",
		    wild, h->host, login);
		return;
	}
	k = lit[0] != '\0';
	c = doctor_add(e->r, DOCTOR_FAIL, "exim.passwd_client", path);
	if (k)
		doctor_reason(c, "The entry \"%s\" names the smarthost as "
		    "written, but Exim matches %s against the host names found "
		    "by reverse DNS for the server's address, which are "
		    "Microsoft's own names: the entry silently never matches, "
		    "Exim sends no AUTH and Microsoft 365 answers 530 5.7.57 "
		    "Client not authenticated.", lit, path);
	else
		doctor_reason(c, "No entry in %s can match %s: Exim sends no "
		    "AUTH and Microsoft 365 answers 530 5.7.57.", path, h->host);
	doctor_fix(c, "Use a wildcard line as exim4_passwd_client(5) "
	    "suggests: \"*:%s:<password>\" (only with hosts_require_tls on the "
	    "transport, so the password goes over TLS only), then "
	    "update-exim4.conf and systemctl restart exim4; check the names "
	    "with dig -x on the addresses of %s", login[0] ? login :
	    "<mailbox>", h->host);
}

/* check_transports - AUTH and TLS policy, and the relayhint event_action */
static void
check_transports(struct ex *e, const struct doctor_hop *h)
{
	struct doctor_check *c;
	char	 name[128], drv[64], req[DOCTOR_EXIM_VALUE];
	char	 try_[DOCTOR_EXIM_VALUE], tls[DOCTOR_EXIM_VALUE];
	char	 ev[DOCTOR_EXIM_VALUE];
	size_t	 pos = 0;
	int	 n = 0, wired = 0, masked = 0, noauth = 0, notls = 0;
	char	 mname[128] = "", nname[128] = "", tname[128] = "";

	while (block_next(&e->transports, "transport", &pos, name,
	    sizeof(name)) && n < 200) {
		n++;
		block_opt(&e->transports, name, "transport", "driver", drv,
		    sizeof(drv));
		if (strcmp(drv, "smtp") != 0)
			continue;
		block_opt(&e->transports, name, "transport",
		    "hosts_require_auth", req, sizeof(req));
		block_opt(&e->transports, name, "transport", "hosts_try_auth",
		    try_, sizeof(try_));
		block_opt(&e->transports, name, "transport",
		    "hosts_require_tls", tls, sizeof(tls));
		block_opt(&e->transports, name, "transport", "event_action",
		    ev, sizeof(ev));
		if (strstr(ev, "relayhint_event") != NULL)
			wired = 1;
		if (req[0] == '\0' && try_[0] != '\0' && !masked) {
			masked = 1;
			text_copy(mname, sizeof(mname), name, strlen(name));
		}
		if (req[0] == '\0' && try_[0] == '\0' && !noauth) {
			noauth = 1;
			text_copy(nname, sizeof(nname), name, strlen(name));
		}
		if (tls[0] == '\0' && !notls) {
			notls = 1;
			text_copy(tname, sizeof(tname), name, strlen(name));
		}
	}
	if (h->kind == DOCTOR_KIND_CONNECTOR)
		masked = noauth = 0;
	if (masked) {
		c = doctor_add(e->r, DOCTOR_WARN, "exim.hosts_try_auth", mname);
		doctor_reason(c, "Transport %s has hosts_try_auth without "
		    "hosts_require_auth: when the login to %s fails (535, the "
		    "real cause), Exim goes on without AUTH and Microsoft 365 "
		    "answers 530 5.7.57, which hides the 535 behind a "
		    "misleading reply; the 535 is only in the mainlog's "
		    "\"authenticator failed\" line.", mname, h->host);
		doctor_fix(c, "On transport %s set hosts_require_auth = * (it "
		    "defers instead) and hosts_require_tls = *; on Debian put "
		    "them in the remote_smtp_smarthost transport, then "
		    "update-exim4.conf", mname);
	} else if (noauth && h->kind != DOCTOR_KIND_CONNECTOR) {
		c = doctor_add(e->r, DOCTOR_INFO, "exim.hosts_try_auth", nname);
		doctor_reason(c, "Transport %s never logs in (no "
		    "hosts_require_auth or hosts_try_auth); if it carries mail "
		    "to %s, Microsoft 365 answers 530 5.7.57.", nname, h->host);
	} else {
		c = doctor_add(e->r, DOCTOR_OK, "exim.hosts_try_auth", NULL);
		doctor_reason(c, "The smtp transports require AUTH "
		    "(hosts_require_auth), so a failed login defers with its "
		    "own reason.");
	}
	if (notls && h->kind != DOCTOR_KIND_CONNECTOR) {
		c = doctor_add(e->r, DOCTOR_WARN, "exim.tls", tname);
		doctor_reason(c, "Transport %s has no hosts_require_tls: if "
		    "STARTTLS fails, Exim goes on in plain text and %s offers no "
		    "AUTH (530 5.7.57).", tname, h->host);
		doctor_fix(c, "hosts_require_tls = * on transport %s", tname);
	}
	c = doctor_add(e->r, wired ? DOCTOR_OK : DOCTOR_INFO,
	    "exim.event_action", NULL);
	if (wired)
		doctor_reason(c, "An smtp transport calls relayhint_event: "
		    "deferrals and failures are explained in syslog.");
	else {
		doctor_reason(c, "No smtp transport calls relayhint's "
		    "event_action (optional): failures are not explained in "
		    "syslog.");
		doctor_fix(c, "Add the event_action line of relayhint's "
		    "conf/exim/transport.conf to the smarthost transport");
	}
}

/* check_auths - the client authenticators and the way Exim logs in */
static int
check_auths(struct ex *e, struct doctor_hop *h, char *pcpath, size_t pclen)
{
	struct doctor_check *c;
	char	 name[128], pub[64], cs[DOCTOR_EXIM_VALUE], drv[64], *q;
	size_t	 pos = 0;
	int	 n = 0, login = 0, plain = 0, xo = 0;

	while (block_next(&e->auths, "authenticator", &pos, name,
	    sizeof(name)) && n < 100) {
		n++;
		block_opt(&e->auths, name, "authenticator", "public_name", pub,
		    sizeof(pub));
		block_opt(&e->auths, name, "authenticator", "driver", drv,
		    sizeof(drv));
		cs[0] = '\0';
		if (!block_opt(&e->auths, name, "authenticator", "client_send",
		    cs, sizeof(cs)) && !block_opt(&e->auths, name,
		    "authenticator", "client_name", cs, sizeof(cs)))
			continue;
		if (cs[0] == '\0')
			continue;
		if (strcasecmp(pub, "LOGIN") == 0) {
			login = 1;
			/* literal ": user : password": the user only */
			if (cs[0] == ':' && strchr(cs, '$') == NULL &&
			    h->mailbox[0] == '\0') {
				q = cs + 1 + strspn(cs + 1, " ");
				text_copy(h->mailbox, sizeof(h->mailbox), q,
				    strcspn(q, " :"));
			}
		}
		else if (strcasecmp(pub, "PLAIN") == 0)
			plain = 1;
		else if (strcasecmp(pub, "XOAUTH2") == 0)
			xo = 1;
		/* the passwd.client the authenticator reads */
		if (pcpath[0] == '\0' && (q = strstr(cs, "passwd.client")) !=
		    NULL) {
			const char *b = q;

			while (b > cs && b[-1] != '{' && b[-1] != ' ' &&
			    b[-1] != ';')
				b--;
			text_copy(pcpath, pclen, b, (size_t)(q - b) + 13);
		}
		memset(cs, 0, sizeof(cs));
	}
	h->way = xo ? DOCTOR_WAY_XOAUTH2 : login || plain ?
	    DOCTOR_WAY_PASSWORD : DOCTOR_WAY_NONE;
	if (h->kind == DOCTOR_KIND_CONNECTOR)
		return (0);
	if (!login && !xo) {
		c = doctor_add(e->r, DOCTOR_FAIL, "exim.authenticators", NULL);
		doctor_reason(c, "%s: %s offers only LOGIN and XOAUTH2, so "
		    "Exim %s.", plain ? "Only a PLAIN client authenticator" :
		    "No client authenticator", h->host, plain ? "gets 504 5.7.4 "
		    "Unrecognized authentication type" : "cannot log in "
		    "(530 5.7.57)");
		doctor_fix(c, "A plaintext authenticator with public_name = "
		    "LOGIN (Debian: the login authenticator of "
		    "30_exim4-config_examples), or XOAUTH2 with a token "
		    "helper");
		return (pcpath[0] != '\0');
	}
	c = doctor_add(e->r, DOCTOR_OK, "exim.authenticators", NULL);
	doctor_reason(c, "Client authenticator%s: %s%s%s.", login && xo ? "s" :
	    "", xo ? "XOAUTH2" : "", login ? (xo ? " and LOGIN" : "LOGIN") :
	    "", pcpath[0] ? "" : " (credentials in the authenticator itself, "
	    "not shown)");
	return (pcpath[0] != '\0');
}

/* check_basic_exim - the dated warning for a password login */
static void
check_basic_exim(struct ex *e, const struct doctor_hop *h)
{
	struct doctor_check *c;
	const char *mb = h->mailbox[0] ? h->mailbox : "<mailbox>";

	if (h->way != DOCTOR_WAY_PASSWORD || h->kind != DOCTOR_KIND_SUBMIT)
		return;
	c = doctor_add(e->r, DOCTOR_WARN, "basic_auth.deadline", h->nexthop);
	doctor_reason(c, "Exim logs in to %s as %s with a password (Basic "
	    "authentication). Microsoft turns Basic authentication for SMTP "
	    "AUTH off by default for existing tenants at the end of December "
	    "2026; re-enabling is temporary, and the final removal date is to "
	    "be announced in the second half of 2027.", h->host, mb);
	doctor_fix(c, "Move to OAuth 2.0: an authenticator with public_name = "
	    "XOAUTH2 whose client_send is user=%s^Aauth=Bearer <token>^A^A, the "
	    "token from a helper that refreshes it; keep SMTP AUTH on for that "
	    "mailbox only: Set-CASMailbox -Identity %s "
	    "-SmtpClientAuthenticationDisabled $false. Or relay through a "
	    "certificate-based inbound connector to the tenant's MX host on "
	    "port 25 (no login)", mb, mb);
}

/* conf_find - the Exim configuration file in --config-dir */
static void
conf_find(struct ex *e)
{
	static const char *const names[] = { "exim.conf", "exim4.conf",
	    "exim4.conf.template", "configure" };
	char	 p[1100], real[1200];
	struct stat st;
	size_t	 i;

	e->conf[0] = '\0';
	if (e->opts->config_dir == NULL)
		return;
	if (doctor_file(e->io, e->opts->config_dir, real, sizeof(real)) == 0 &&
	    stat(real, &st) == 0 && S_ISREG(st.st_mode)) {
		text_copy(e->conf, sizeof(e->conf), e->opts->config_dir,
		    strlen(e->opts->config_dir));
		return;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", e->opts->config_dir, names[i]);
		if (doctor_file(e->io, p, real, sizeof(real)) == 0 &&
		    stat(real, &st) == 0) {
			text_copy(e->conf, sizeof(e->conf), p, strlen(p));
			return;
		}
	}
}

/* doctor_exim - every check for an Exim installation */
int
doctor_exim(const struct doctor_io *io, const struct doctor_opts *opts,
    struct doctor_report *r)
{
	struct doctor_check *c;
	struct ex e;
	struct buf out;
	char	 name[128], v[DOCTOR_EXIM_VALUE], pcpath[1024];
	size_t	 pos = 0;
	int	 i, rc, n = 0, usepc;

	memset(&e, 0, sizeof(e));
	e.io = io;
	e.opts = opts;
	e.r = r;
	snprintf(r->mta, sizeof(r->mta), "exim");
	conf_find(&e);
	text_copy(r->config_dir, sizeof(r->config_dir), e.conf, strlen(e.conf));
	buf_init(&out, DOCTOR_EXIM_OUT);
	e.prog = opts->exim ? opts->exim : "exim4";
	if ((rc = ex_run(&e, "-bV", NULL, &out)) < 0 && opts->exim == NULL) {
		buf_reset(&out);
		e.prog = "exim";
		rc = ex_run(&e, "-bV", NULL, &out);
	}
	if (rc != 0 || out.data == NULL) {
		c = doctor_add(r, DOCTOR_SKIP, "exim.version", e.conf[0] ?
		    e.conf : NULL);
		doctor_reason(c, "exim -bV %s: cannot read the Exim "
		    "configuration.", rc < 0 ? "could not be run" : "failed");
		doctor_fix(c, "Install Exim, or point --config-dir at the "
		    "configuration.");
		buf_free(&out);
		return (-1);
	}
	c = doctor_add(r, strstr(out.data, "Expand_dlfunc") ? DOCTOR_OK :
	    DOCTOR_FAIL, "exim.dlfunc", NULL);
	if (c->level == DOCTOR_OK)
		doctor_reason(c, "Exim has Expand_dlfunc: the relayhint object "
		    "can be loaded.");
	else {
		doctor_reason(c, "\"exim -bV\" lacks Expand_dlfunc (Debian's "
		    "light daemon): ${dlfunc} and the relayhint object cannot "
		    "work.");
		doctor_fix(c, "apt-get install exim4-daemon-heavy");
	}
	buf_free(&out);
	buf_init(&e.routers, DOCTOR_EXIM_OUT);
	buf_init(&e.transports, DOCTOR_EXIM_OUT);
	buf_init(&e.auths, DOCTOR_EXIM_OUT);
	ex_run(&e, "-bP", "routers", &e.routers);
	ex_run(&e, "-bP", "transports", &e.transports);
	ex_run(&e, "-bP", "authenticators", &e.auths);
	while (block_next(&e.routers, "router", &pos, name, sizeof(name)) &&
	    n++ < 200) {
		if (block_opt(&e.routers, name, "router", "route_list", v,
		    sizeof(v)))
			hosts_in(&e, v);
		if (block_opt(&e.routers, name, "router", "route_data", v,
		    sizeof(v)))
			hosts_in(&e, v);
	}
	if (r->nhops == 0) {
		c = doctor_add(r, DOCTOR_OK, "smarthost", NULL);
		doctor_reason(c, "No router sends mail to a Microsoft 365 host "
		    "(route_list/route_data); nothing else to check.");
	}
	for (i = 0; i < r->nhops; i++) {
		struct doctor_hop *h = &r->hop[i];

		c = doctor_add(r, DOCTOR_INFO, "smarthost", h->nexthop);
		doctor_reason(c, "%s is %s.", h->host, doctor_kind_name(h->kind));
		pcpath[0] = '\0';
		usepc = check_auths(&e, h, pcpath, sizeof(pcpath));
		if (opts->passwd_client != NULL) {
			text_copy(pcpath, sizeof(pcpath), opts->passwd_client,
			    strlen(opts->passwd_client));
			usepc = 1;
		} else if (pcpath[0] != '/')
			snprintf(pcpath, sizeof(pcpath),
			    "/etc/exim4/passwd.client");
		if (usepc && h->way != DOCTOR_WAY_NONE &&
		    h->kind != DOCTOR_KIND_CONNECTOR)
			check_passwd_client(&e, h, pcpath);
		check_transports(&e, h);
		check_basic_exim(&e, h);
	}
	/* -bP prints literal client_send values: passwords */
	if (e.auths.data != NULL)
		memset(e.auths.data, 0, e.auths.len);
	buf_free(&e.routers);
	buf_free(&e.transports);
	buf_free(&e.auths);
	return (0);
}
