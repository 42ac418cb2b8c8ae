/*
 * migrate.c - relayhint migrate: from a password login to XOAUTH2 or a
 * connector, planned, applied with a backup, and rolled back
 *
 * Functions: cmd_migrate.
 *
 * relayhint migrate reads the running configuration with doctor's readers
 * (postconf, exim -bP) and the files they name, builds the edited copy of
 * every file it would change (common/migrate.c does the text edits) and
 * prints, by default, only the plan: a unified diff per file, with the
 * password column of map files and Exim's client_send values hidden, then
 * the Microsoft-side steps and what to verify.  Nothing is written.
 *
 * --apply writes the files: first a copy of each one that exists into
 * BACKUP/STAMP/ (mode 0700) with a manifest (mode, owner, whether the
 * file existed, which lookup table to rebuild), then each new file by
 * rename of a temporary in the same directory (the MTA sees the old file
 * or the new one), then postmap for changed tables and a reload of a
 * running MTA.  A failure part way restores what was already written.
 * --rollback STAMP puts every file back byte for byte and removes the
 * files the migration created.  A run on a configuration already
 * migrated the same way finds every file as it would write it: the plan
 * says "Already done" and --apply writes nothing and makes no backup.
 *
 * Facts used (each printed with its source in the plan):
 *   sasl-xoauth2 main.cf settings and token file: github.com/tarickb/sasl-xoauth2
 *   connector host <domain-with-dashes>.mail.protection.outlook.com:25, and
 *   the OAuth scopes and cmdlets: learn.microsoft.com (see the plan text).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "doctor.h"
#include "migrate.h"
#include "text.h"
#include "token.h"

#define MIGRATE_FILES		12
#define MIGRATE_PATH_MAX	1024
#define MIGRATE_BACKUP_DIR	"/var/backups/relayhint/migrate"
#define MIGRATE_EXIT_FAIL	3

/* hide: what a diff of this file may show */
enum mhide {
	SHOW_ALL = MIGRATE_HIDE_NONE,
	SHOW_MAP_KEYS = MIGRATE_HIDE_MAP,
	SHOW_EXIM = MIGRATE_HIDE_EXIM,
	SHOW_NEW_MAP = MIGRATE_HIDE_MAP_OLD,
	SHOW_NOTHING
};

/*
 * source: a file of the plan is written by --apply; the token files by
 * --login (before apply: their backup is what they held before the
 * login); Debian's generated Exim configuration by update-exim4.conf
 * (backed up, restored byte for byte, never diffed)
 */
enum msrc {
	FROM_APPLY,
	FROM_LOGIN,
	FROM_TOOL
};

struct mfile {
	char	 path[MIGRATE_PATH_MAX];	/* on disk */
	struct buf old, new;
	int	 existed;
	enum mhide hide;
	char	 postmap[MIGRATE_PATH_MAX + 16]; /* "hash:/path" to rebuild */
	mode_t	 mode;				/* for a new file */
	char	 owner[64];			/* for a new file; "" = root */
	enum msrc source;			/* who writes it */
	struct stat st;				/* FROM_LOGIN: the file before */
};

struct mopts {
	const char *mta;		/* "postfix" | "exim" */
	const char *to;			/* "oauth" | "connector" */
	const char *config_dir;		/* NULL: the MTA's default */
	const char *mailbox;		/* override of the login name */
	const char *tenant;		/* GUID or domain */
	const char *client_id;
	const char *domain;		/* accepted domain, for the connector */
	const char *connector_host;	/* override of the MX host */
	const char *xoauth2_conf;	/* /etc/sasl-xoauth2.conf */
	const char *backup_dir;
	const char *exim;		/* exim binary */
	const char *token_conf;		/* relayhint token refresh config */
	int	 app_only;		/* client credentials, SMTP.SendAsApp */
	int	 no_reload;
	int	 login;			/* --login: the first token, before apply */
	int	 no_verify;		/* --no-verify: apply without a probe */
	const char *test_send;		/* --test-send ADDR: probe sends mail */
	const char *token_base;		/* Entra endpoint base (tests) */
	const char *ca_file;		/* trust anchors: endpoint and probe */
	const char *token_state;	/* the refresher's state file */
	const char *secret_file;	/* app-only: the client secret */
	const char *verify_server;	/* HOST:PORT the probe logs in to */
};

struct plan {
	struct mopts *o;
	int	 n;
	struct mfile f[MIGRATE_FILES];
	char	 config_dir[MIGRATE_PATH_MAX];
	char	 mailbox[320];
	char	 host[256];		/* relay host today */
	char	 key[300];		/* its password-map key, "" when none */
	char	 tenant[256];
	char	 client_id[128];
	char	 mxhost[300];		/* connector host */
	char	 token_path[MIGRATE_PATH_MAX];	/* as the MTA names it */
	char	 token_disk[MIGRATE_PATH_MAX];	/* on disk (chroot) */
	struct buf steps;		/* Microsoft-side and manual steps */
	int	 plugins;		/* Postfix XOAUTH2: MIGRATE_PLUGIN_* */
	struct cli *c;
	int	 port;			/* relay port today */
	int	 kind;			/* relay host today: DOCTOR_KIND_* */
	int	 debian;		/* EXIM_PLAIN, EXIM_SPLIT, EXIM_TEMPLATE */
	char	 gen[MIGRATE_PATH_MAX];	/* Debian: the generated configuration */
	char	 upd[MIGRATE_PATH_MAX];	/* Debian: update-exim4.conf */
	char	 token_conf[MIGRATE_PATH_MAX];	/* Exim: the refresher's */
};

/* the name of our Exim authenticator: how a second run knows it */
#define MIGRATE_EXIM_AUTH	"xoauth2_m365"

/* Exim layouts: one file; Debian's conf.d; Debian's single template */
#define EXIM_PLAIN	0
#define EXIM_SPLIT	1
#define EXIM_TEMPLATE	2

/* pathf - snprintf into a path buffer; -1 (ENAMETOOLONG) when cut */
static int __attribute__((format(printf, 3, 4)))
pathf(char *out, size_t outlen, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(out, outlen, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= outlen) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	return (0);
}

/* run_out - run argv, first line of its output into out; exit status */
static int
run_out(char *const argv[], char *out, size_t outlen)
{
	struct buf b;
	int	 rc;

	buf_init(&b, 64 * 1024);
	rc = cli_run(NULL, argv, &b);
	if (b.data != NULL)
		text_copy(out, outlen, b.data, strcspn(b.data, "\r\n"));
	else
		out[0] = '\0';
	buf_free(&b);
	return (rc);
}

/* pf_param - postconf [-c DIR] -h NAME; "" when unknown */
static void
pf_param(const struct plan *p, const char *flag, const char *name,
    char *out, size_t outlen)
{
	char	*argv[8];
	int	 n = 0;

	argv[n++] = (char *)"postconf";
	if (p->o->config_dir != NULL) {
		argv[n++] = (char *)"-c";
		argv[n++] = (char *)p->o->config_dir;
	}
	argv[n++] = (char *)flag;
	argv[n++] = (char *)name;
	argv[n] = NULL;
	if (run_out(argv, out, outlen) != 0)
		out[0] = '\0';
}

/* plan_file - the plan's entry for path, loaded; NULL when full or unreadable */
static struct mfile *
plan_file(struct plan *p, const char *path, enum mhide hide)
{
	struct mfile *f;
	char	 err[512];
	int	 i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->f[i].path, path) == 0)
			return (&p->f[i]);
	if (p->n == MIGRATE_FILES || strlen(path) >= sizeof(f->path))
		return (NULL);
	f = &p->f[p->n];
	memset(f, 0, sizeof(*f));
	text_copy(f->path, sizeof(f->path), path, strlen(path));
	f->hide = hide;
	f->mode = 0644;
	buf_init(&f->old, MIGRATE_FILE_MAX);
	buf_init(&f->new, MIGRATE_FILE_MAX);
	if (access(path, F_OK) == 0) {
		if (buf_load_file(&f->old, path, err, sizeof(err)) < 0) {
			fprintf(stderr, "relayhint: %s\n", err);
			buf_free(&f->old);
			buf_free(&f->new);
			return (NULL);
		}
		f->existed = 1;
	}
	buf_append(&f->new, f->old.data ? f->old.data : "", f->old.len);
	p->n++;
	return (f);
}

/* plan_free - release the file buffers */
static void
plan_free(struct plan *p)
{
	int	 i;

	for (i = 0; i < p->n; i++) {
		buf_free(&p->f[i].old);
		buf_free(&p->f[i].new);
	}
	buf_free(&p->steps);
}

/* file_same - would --apply leave this file as it is? */
static int
file_same(const struct mfile *f)
{
	return (f->existed && f->old.len == f->new.len &&
	    memcmp(f->old.data ? f->old.data : "", f->new.data ?
	    f->new.data : "", f->old.len) == 0);
}

/* new_from - an edit's result T (status RC) becomes f->new; T is freed */
static int
new_from(struct mfile *f, struct buf *t, int rc)
{
	if (rc >= 0) {
		buf_reset(&f->new);
		buf_append(&f->new, t->data ? t->data : "", t->len);
	}
	buf_free(t);
	return (rc < 0 ? -1 : 0);
}

/* set_with - one more NAME = VALUE edit (main.cf, shell file) on f->new */
static int
set_with(struct mfile *f, int (*fn)(const struct buf *, const char *,
    const char *, struct buf *), const char *name, const char *value)
{
	struct buf t;

	buf_init(&t, MIGRATE_FILE_MAX);
	return (new_from(f, &t, fn(&f->new, name, value, &t)));
}

/* cf_set - one more main.cf edit on f->new */
static int
cf_set(struct mfile *f, const char *name, const char *value)
{
	return (set_with(f, migrate_cf_set, name, value));
}

/* map_set - one more lookup table edit on f->new */
static int
map_set(struct mfile *f, const char *key, const char *value)
{
	struct buf t;
	int	 rc;

	buf_init(&t, MIGRATE_FILE_MAX);
	rc = migrate_map_set(&f->new, key, value, &t);
	if (rc == 0) {
		buf_reset(&f->new);
		buf_append(&f->new, t.data ? t.data : "", t.len);
	}
	explicit_bzero(t.data ? t.data : "", 0);
	buf_free(&t);
	return (rc);
}

/* find_hop - doctor's view of the relay: the first Microsoft 365 hop */
static int
find_hop(struct plan *p, struct doctor_report *r)
{
	struct doctor_opts d;
	struct doctor_io io;
	const struct doctor_hop *h = NULL;
	int	 i;

	memset(&d, 0, sizeof(d));
	d.config_dir = p->gen[0] ? p->gen : p->o->config_dir;
	d.xoauth2_conf = p->o->xoauth2_conf;
	d.exim = p->o->exim;
	memset(&io, 0, sizeof(io));
	io.run = cli_run;
	io.uid = cli_uid;
	io.root = "";
	io.now = time(NULL);
	if (strcmp(p->o->mta, "exim") == 0)
		doctor_exim(&io, &d, r);
	else
		doctor_postfix(&io, &d, r);
	for (i = 0; i < r->nhops && h == NULL; i++)
		if (r->hop[i].kind == DOCTOR_KIND_SUBMIT)
			h = &r->hop[i];
	for (i = 0; i < r->nhops && h == NULL; i++)
		if (r->hop[i].kind != DOCTOR_KIND_OTHER)
			h = &r->hop[i];
	if (h == NULL) {
		fprintf(stderr, "relayhint: no relay host to Microsoft 365 found "
		    "in the %s configuration (relayhint doctor --mta %s shows "
		    "what was read)\n", p->o->mta, p->o->mta);
		return (-1);
	}
	text_copy(p->host, sizeof(p->host), h->host, strlen(h->host));
	text_copy(p->key, sizeof(p->key), h->key, strlen(h->key));
	p->port = h->port;
	p->kind = (int)h->kind;
	if (p->o->mailbox != NULL)
		text_copy(p->mailbox, sizeof(p->mailbox), p->o->mailbox,
		    strlen(p->o->mailbox));
	else
		text_copy(p->mailbox, sizeof(p->mailbox), h->mailbox,
		    strlen(h->mailbox));
	return (0);
}

/* mailbox_domain - the part after '@', "" when none */
static const char *
mailbox_domain(const char *m)
{
	const char *at = strrchr(m, '@');

	return (at ? at + 1 : "");
}

/* safe_value - may this go into a configuration line as is? */
static int
safe_value(const char *s)
{
	for (; *s; s++)
		if (!(text_is_ascii(s, 1) && *s > ' ' && *s != '"' &&
		    *s != '\\' && *s != ':' && *s != '$' && *s != '{' &&
		    *s != '}' && *s != '#' && *s != ','))
			return (0);
	return (1);
}

/* plan_ids - tenant, client id, connector host from options and the mailbox */
static int
plan_ids(struct plan *p)
{
	const char *dom = p->o->domain ? p->o->domain : mailbox_domain(p->mailbox);
	const char *t = p->o->tenant ? p->o->tenant : dom;

	if (p->mailbox[0] != '\0' && (!safe_value(p->mailbox) ||
	    strchr(p->mailbox, '@') == NULL)) {
		fprintf(stderr, "relayhint: login name is not a mailbox address; "
		    "give --mailbox ADDR\n");
		return (-1);
	}
	text_copy(p->tenant, sizeof(p->tenant), t, strlen(t));
	text_copy(p->client_id, sizeof(p->client_id), p->o->client_id ?
	    p->o->client_id : "CLIENT-ID", strlen(p->o->client_id ?
	    p->o->client_id : "CLIENT-ID"));
	if (!safe_value(p->tenant) || !safe_value(p->client_id)) {
		fprintf(stderr, "relayhint: --tenant and --client-id take a "
		    "GUID or domain name\n");
		return (-1);
	}
	if (p->o->connector_host != NULL) {
		if (!safe_value(p->o->connector_host))
			return (-1);
		text_copy(p->mxhost, sizeof(p->mxhost), p->o->connector_host,
		    strlen(p->o->connector_host));
	} else if (p->o->domain == NULL && p->kind == DOCTOR_KIND_CONNECTOR &&
	    safe_value(p->host))
		/*
		 * A second run: the relay goes to a connector already.  That
		 * host stays (it may have come from --connector-host), not
		 * one guessed from the mailbox, nor the placeholder when,
		 * with SASL off, doctor no longer reads a mailbox.
		 */
		text_copy(p->mxhost, sizeof(p->mxhost), p->host,
		    strlen(p->host));
	else if (dom[0] == '\0' || migrate_tenant_host(dom, p->mxhost,
	    sizeof(p->mxhost)) < 0)
		text_copy(p->mxhost, sizeof(p->mxhost),
		    "CONTOSO-COM.mail.protection.outlook.com", 39);
	return (0);
}

/* steps_oauth - the Microsoft side of an XOAUTH2 login, with sources */
static void
steps_oauth(struct plan *p)
{
	struct buf *s = &p->steps;

	buf_printf(s, "Microsoft side (in this order):\n");
	buf_printf(s, "  1. Register an application in Microsoft Entra ID "
	    "(App registrations > New registration; tenant %s).\n", p->tenant);
	if (p->o->app_only) {
		buf_printf(s, "  2. API permissions > Add > APIs my organization "
		    "uses > Office 365 Exchange Online > Application "
		    "permissions > SMTP.SendAsApp; grant admin consent.  "
		    "Certificates & secrets > New client secret (store it in a "
		    "root-only file).\n");
		buf_printf(s, "  3. Exchange Online PowerShell "
		    "(Connect-ExchangeOnline -Organization %s):\n", p->tenant);
		buf_printf(s, "       New-ServicePrincipal -AppId %s "
		    "-ObjectId <OBJECT_ID of the Enterprise application>\n",
		    p->client_id);
		buf_printf(s, "       Add-MailboxPermission -Identity \"%s\" "
		    "-User <SERVICE_PRINCIPAL_ID> -AccessRights FullAccess\n",
		    p->mailbox[0] ? p->mailbox : "MAILBOX");
		buf_printf(s, "     (to send as other addresses too: "
		    "Add-RecipientPermission -Identity ADDRESS -Trustee "
		    "<SERVICE_PRINCIPAL_ID> -AccessRights SendAs)\n");
		buf_printf(s, "     token: client credentials, scope %s\n",
		    TOKEN_SCOPE_APP);
	} else {
		buf_printf(s, "  2. Authentication > Allow public client flows = "
		    "Yes (device code sign-in).  API permissions > Add > APIs "
		    "my organization uses > Office 365 Exchange Online > "
		    "Delegated permissions > SMTP.Send; grant admin consent.\n");
		buf_printf(s, "  3. token: device authorization grant signed in "
		    "as %s, scope %s\n", p->mailbox[0] ? p->mailbox : "MAILBOX",
		    TOKEN_SCOPE_USER);
	}
	buf_printf(s, "  4. SMTP AUTH for this mailbox only (the tenant "
	    "setting may stay off):\n       Set-CASMailbox -Identity %s "
	    "-SmtpClientAuthenticationDisabled $false\n",
	    p->mailbox[0] ? p->mailbox : "MAILBOX");
	buf_printf(s, "  Sources: learn.microsoft.com/exchange/client-developer/"
	    "legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-"
	    "by-using-oauth ; learn.microsoft.com/entra/identity-platform/"
	    "v2-oauth2-device-code ; learn.microsoft.com/exchange/"
	    "clients-and-mobile-in-exchange-online/authenticated-client-smtp-"
	    "submission\n");
}

/* steps_connector - the Microsoft side of a connector */
static void
steps_connector(struct plan *p)
{
	struct buf *s = &p->steps;
	const char *dom = p->o->domain ? p->o->domain :
	    mailbox_domain(p->mailbox);

	if (dom[0] == '\0' || !safe_value(dom))
		dom = "YOUR-DOMAIN";
	buf_printf(s, "Microsoft side:\n");
	buf_printf(s, "  1. Exchange Online PowerShell: an inbound connector "
	    "that recognises this relay by its public IP address, or by the "
	    "name in its TLS certificate:\n");
	buf_printf(s, "       New-InboundConnector -Name \"relayhint relay\" "
	    "-ConnectorType OnPremises -SenderDomains *.%s "
	    "-SenderIPAddresses RELAY-PUBLIC-IP "
	    "-RestrictDomainsToIPAddresses $true\n", dom);
	buf_printf(s, "     or\n       New-InboundConnector -Name "
	    "\"relayhint relay\" -ConnectorType OnPremises -SenderDomains "
	    "*.%s -RequireTls $true -TlsSenderCertificateName RELAY-CERT-NAME "
	    "-RestrictDomainsToCertificate $true\n", dom);
	buf_printf(s, "  2. Mail goes to %s:25, your domain's MX host (check: "
	    "dig +short mx %s; newer domains use a *.mx.microsoft host: "
	    "give it with --connector-host).  No SMTP AUTH at all: the "
	    "password or token is no longer used.\n", p->mxhost, dom);
	buf_printf(s, "  3. Every sender domain must be an accepted domain of "
	    "the tenant, and the connector must match the relay (IP or "
	    "certificate), else mail to outside recipients is refused with "
	    "550 5.7.64 TenantAttribution; Relay Access Denied.\n");
	buf_printf(s, "  Sources: learn.microsoft.com/exchange/mail-flow-best-"
	    "practices/how-to-set-up-a-multifunction-device-or-application-to-"
	    "send-email-using-microsoft-365-or-office-365 ; learn.microsoft."
	    "com/powershell/module/exchange/new-inboundconnector\n");
}

/* plan_postfix - main.cf, the password map, sasl-xoauth2.conf */
static int
plan_postfix(struct plan *p)
{
	struct mfile *cf, *map, *xc;
	char	 path[MIGRATE_PATH_MAX], maps[MIGRATE_PATH_MAX], level[64];
	char	 qdir[MIGRATE_PATH_MAX], chroot[16], key[300], *c, *e;
	char	*argv[8];
	int	 n = 0;

	if (p->o->config_dir != NULL)
		text_copy(p->config_dir, sizeof(p->config_dir),
		    p->o->config_dir, strlen(p->o->config_dir));
	else
		pf_param(p, "-h", "config_directory", p->config_dir,
		    sizeof(p->config_dir));
	if (p->config_dir[0] == '\0') {
		fprintf(stderr, "relayhint: postconf: cannot find Postfix's "
		    "config_directory\n");
		return (-1);
	}
	if (pathf(path, sizeof(path), "%s/main.cf", p->config_dir) < 0 ||
	    (cf = plan_file(p, path, SHOW_EXIM)) == NULL || !cf->existed) {
		fprintf(stderr, "relayhint: %s: cannot read\n", path);
		return (-1);
	}
	pf_param(p, "-h", "smtp_tls_security_level", level, sizeof(level));
	if (strcmp(p->o->to, "connector") == 0) {
		snprintf(path, sizeof(path), "[%s]:25", p->mxhost);
		if (cf_set(cf, "relayhost", path) < 0 ||
		    cf_set(cf, "smtp_sasl_auth_enable", "no") < 0)
			return (-1);
		if (strcmp(level, "encrypt") != 0 && strcmp(level, "verify")
		    != 0 && strcmp(level, "secure") != 0 &&
		    cf_set(cf, "smtp_tls_security_level", "encrypt") < 0)
			return (-1);
		steps_connector(p);
		return (0);
	}

	/* XOAUTH2 with sasl-xoauth2 */
	if (p->mailbox[0] == '\0') {
		fprintf(stderr, "relayhint: no login name in the password map; "
		    "give --mailbox ADDR\n");
		return (-1);
	}
	if (cf_set(cf, "smtp_sasl_auth_enable", "yes") < 0 ||
	    cf_set(cf, "smtp_sasl_mechanism_filter", "xoauth2") < 0 ||
	    cf_set(cf, "smtp_sasl_security_options", "") < 0)
		return (-1);
	pf_param(p, "-n", "smtp_sasl_tls_security_options", key, sizeof(key));
	if (key[0] != '\0' && cf_set(cf, "smtp_sasl_tls_security_options", "")
	    < 0)
		return (-1);
	/* with TLS verify or secure, Postfix applies this one instead */
	pf_param(p, "-n", "smtp_sasl_tls_verified_security_options", key,
	    sizeof(key));
	if (key[0] != '\0' && cf_set(cf,
	    "smtp_sasl_tls_verified_security_options", "") < 0)
		return (-1);
	if (strcmp(level, "encrypt") != 0 && strcmp(level, "verify") != 0 &&
	    strcmp(level, "secure") != 0 &&
	    cf_set(cf, "smtp_tls_security_level", "encrypt") < 0)
		return (-1);

	/* the password map: the first file-based table */
	pf_param(p, "-h", "smtp_sasl_password_maps", maps, sizeof(maps));
	c = maps + strspn(maps, " \t,");
	c[strcspn(c, " \t,")] = '\0';
	e = strchr(c, ':');
	if (c[0] == '\0') {
		if (pathf(maps, sizeof(maps), "hash:%s/sasl_passwd",
		    p->config_dir) < 0 || cf_set(cf, "smtp_sasl_password_maps", maps) < 0)
			return (-1);
		c = maps;
		e = strchr(c, ':');
	}
	if (e == NULL || (strncmp(c, "hash:", 5) != 0 && strncmp(c, "lmdb:", 5)
	    != 0 && strncmp(c, "btree:", 6) != 0 && strncmp(c, "cdb:", 4) != 0
	    && strncmp(c, "texthash:", 9) != 0)) {
		fprintf(stderr, "relayhint: smtp_sasl_password_maps = %.200s is "
		    "not a file-based table; edit it by hand (the plan below "
		    "shows main.cf only)\n", c);
		return (-1);
	}
	/* the token path as the smtp process sees it; on disk under the chroot */
	snprintf(p->token_path, sizeof(p->token_path), "/etc/tokens/%s",
	    p->mailbox);
	argv[n++] = (char *)"postconf";
	if (p->o->config_dir != NULL) {
		argv[n++] = (char *)"-c";
		argv[n++] = (char *)p->o->config_dir;
	}
	argv[n++] = (char *)"-h";
	argv[n++] = (char *)"-F";
	argv[n++] = (char *)"smtp/unix/chroot";
	argv[n] = NULL;
	if (run_out(argv, chroot, sizeof(chroot)) != 0)
		chroot[0] = '\0';
	pf_param(p, "-h", "queue_directory", qdir, sizeof(qdir));
	if (pathf(p->token_disk, sizeof(p->token_disk), "%s%s",
	    strcmp(chroot, "y") == 0 ? qdir : "", p->token_path) < 0)
		return (-1);
	/* the new entry names a token file, no secret: show it */
	if ((map = plan_file(p, e + 1, SHOW_NEW_MAP)) == NULL)
		return (-1);
	map->mode = 0600;
	if (strncmp(c, "texthash:", 9) != 0)
		text_copy(map->postmap, sizeof(map->postmap), c, strlen(c));
	if (p->key[0] != '\0')
		text_copy(key, sizeof(key), p->key, strlen(p->key));
	else
		snprintf(key, sizeof(key), "[%s]:587", p->host);
	if (pathf(path, sizeof(path), "%s:%s", p->mailbox, p->token_path) < 0
	    || map_set(map, key, path) < 0)
		return (-1);

	/* sasl-xoauth2.conf: no secret in it (a client secret, if any, goes
	 * in the root/postfix-only token file, which overrides it) */
	xc = plan_file(p, p->o->xoauth2_conf ? p->o->xoauth2_conf :
	    "/etc/sasl-xoauth2.conf", SHOW_ALL);
	if (xc == NULL)
		return (-1);
	buf_reset(&xc->new);
	buf_printf(&xc->new, "{\n  \"client_id\": \"%s\",\n  \"client_secret\":"
	    " \"\",\n  \"token_endpoint\": \"%s/%s/oauth2/v2.0/token\",\n"
	    "  \"log_to_syslog_on_failure\": \"yes\"\n}\n", p->client_id,
	    TOKEN_DEFAULT_BASE, p->tenant);
	steps_oauth(p);
	p->plugins = migrate_pf_plugins(NULL, path, sizeof(path));
	migrate_pf_oauth_notes(&p->steps, p->plugins, path, p->o->app_only);
	if (!p->o->app_only)
		buf_printf(&p->steps, "  - first token (device flow, as the "
		    "mailbox): sasl-xoauth2-tool get-token outlook %s "
		    "--client-id=%s --tenant=%s --use-device-flow; then chown "
		    "postfix:postfix, mode 0600%s.  sasl-xoauth2 refreshes it "
		    "from then on.\n", p->token_disk, p->client_id, p->tenant,
		    strcmp(chroot, "y") == 0 ?
		    " (the path is inside the smtp chroot)" : "");
	return (0);
}

/* sh_value - NAME='VALUE' of a Debian update-exim4.conf.conf; "" if none */
static void
sh_value(const struct buf *b, const char *name, char *out, size_t outlen)
{
	const char *s = b->data ? b->data : "", *e;
	size_t	 n = strlen(name);

	out[0] = '\0';
	for (; *s != '\0'; s = e + (*e != '\0')) {
		e = s + strcspn(s, "\n");
		if ((size_t)(e - s) > n && strncmp(s, name, n) == 0 &&
		    s[n] == '=') {
			s += n + 1;
			if (*s == '\'' || *s == '"')
				s++;
			text_copy(out, outlen, s, strcspn(s, "'\"\n"));
			return;
		}
	}
}

/*
 * exim_layout - where this Exim's configuration comes from.  With
 * DIR/update-exim4.conf.conf and no DIR/exim4.conf it is Debian's:
 * update-exim4.conf builds the running file (/var/lib/exim4/
 * config.autogenerated; DIR/config.autogenerated for a --config-dir
 * other than /etc/exim4, a private copy) from DIR/conf.d/ when
 * dc_use_split_config is true, else from DIR/exim4.conf.template.
 * update-exim4.conf is the one next to --exim when there is one.
 */
static int
exim_layout(struct plan *p)
{
	const char *dir = p->o->config_dir ? p->o->config_dir : "/etc/exim4";
	char	 path[MIGRATE_PATH_MAX], split[16], err[256], *sl;
	struct buf b;

	text_copy(p->config_dir, sizeof(p->config_dir), dir, strlen(dir));
	p->debian = EXIM_PLAIN;
	if (pathf(path, sizeof(path), "%s/exim4.conf", dir) < 0 ||
	    access(path, F_OK) == 0 || pathf(path, sizeof(path),
	    "%s/update-exim4.conf.conf", dir) < 0 || access(path, R_OK) != 0)
		return (0);
	buf_init(&b, 256 * 1024);
	if (buf_load_file(&b, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "relayhint: %s\n", err);
		buf_free(&b);
		return (-1);
	}
	sh_value(&b, "dc_use_split_config", split, sizeof(split));
	buf_free(&b);
	p->debian = strcmp(split, "true") == 0 ? EXIM_SPLIT : EXIM_TEMPLATE;
	if (strcmp(dir, "/etc/exim4") == 0 || strcmp(dir, "/etc/exim4/") == 0)
		text_copy(p->gen, sizeof(p->gen),
		    "/var/lib/exim4/config.autogenerated", 35);
	else if (pathf(p->gen, sizeof(p->gen), "%s/config.autogenerated",
	    dir) < 0)
		return (-1);
	text_copy(p->upd, sizeof(p->upd), "update-exim4.conf", 17);
	if (p->o->exim != NULL && (sl = strrchr(p->o->exim, '/')) != NULL &&
	    pathf(path, sizeof(path), "%.*s/update-exim4.conf",
	    (int)(sl - p->o->exim), p->o->exim) == 0 && access(path, X_OK) == 0)
		text_copy(p->upd, sizeof(p->upd), path, strlen(path));
	if (access(p->gen, R_OK) != 0) {
		fprintf(stderr, "relayhint: Debian's Exim configuration in %s, "
		    "but no %s yet: run %s%s%s%s%s first\n", dir, p->gen, p->upd,
		    p->o->config_dir ? " -d " : "", p->o->config_dir ? dir : "",
		    p->o->config_dir ? " -o " : "", p->o->config_dir ? p->gen :
		    "");
		return (-1);
	}
	return (0);
}

/* exim_conf_find - the single Exim file in DIR (not split); -1, quiet, if none */
static int
exim_conf_find(const char *dir, char *out, size_t outlen)
{
	static const char *const names[] = { "exim.conf", "exim4.conf",
	    "exim4.conf.template" };
	size_t	 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (pathf(out, outlen, "%s/%s", dir, names[i]) < 0)
			break;
		if (access(out, R_OK) == 0)
			return (0);
	}
	return (-1);
}

/* exim_conf - the single Exim configuration file we edit (not split) */
static int
exim_conf(struct plan *p, char *out, size_t outlen)
{
	if (exim_conf_find(p->config_dir, out, outlen) == 0)
		return (0);
	fprintf(stderr, "relayhint: no exim.conf, exim4.conf or "
	    "exim4.conf.template in %s\n", p->config_dir);
	return (-1);
}

/*
 * exim_mailbox - a configuration migrated before has no LOGIN client
 * for Microsoft left for doctor to read the mailbox from: take it from
 * the client_send of our authenticator in the file Exim reads (Debian:
 * the generated one), so that a second run plans the same text, finds
 * nothing to change and says so, instead of asking for --mailbox.  Ours
 * wins over doctor's: what doctor found then is a LOGIN client kept for
 * other smarthosts (client_condition), whose user is not Microsoft's.
 * Only --mailbox overrides it.
 */
static void
exim_mailbox(struct plan *p)
{
	char	 path[MIGRATE_PATH_MAX], mb[sizeof(p->mailbox)], err[512];
	struct buf b;

	if (p->o->mailbox != NULL)
		return;
	if (p->gen[0] != '\0')
		text_copy(path, sizeof(path), p->gen, strlen(p->gen));
	else if (exim_conf_find(p->config_dir, path, sizeof(path)) < 0)
		return;
	buf_init(&b, MIGRATE_FILE_MAX);
	if (buf_load_file(&b, path, err, sizeof(err)) == 0 &&
	    migrate_exim_mailbox(&b, MIGRATE_EXIM_AUTH, mb, sizeof(mb)) == 1)
		text_copy(p->mailbox, sizeof(p->mailbox), mb, strlen(mb));
	buf_free(&b);
}

/* edit_with - f->new through one of common/migrate.c's edits */
static int
edit_with(struct mfile *f, int (*fn)(const struct buf *, const char *,
    struct buf *), const char *arg)
{
	struct buf t;

	buf_init(&t, MIGRATE_FILE_MAX);
	return (new_from(f, &t, fn(&f->new, arg, &t)));
}

/*
 * conf_d - a file of Debian's conf.d as update-exim4.conf reads it: when
 * X exists and so does X.rul, X.rul is read instead (its run_parts:
 * "Use file.rul instead of file if it exists"), so that is the one to
 * edit.  PATH is changed in place; -1 when the name does not fit.
 */
static int
conf_d(char *path, size_t len)
{
	char	 rul[MIGRATE_PATH_MAX];

	if (pathf(rul, sizeof(rul), "%s.rul", path) < 0)
		return (-1);
	if (access(path, F_OK) == 0 && access(rul, F_OK) == 0)
		text_copy(path, len, rul, strlen(rul));
	return (0);
}

/*
 * exim_macros - Debian: REMOTE_SMTP_SMARTHOST_HOSTS_REQUIRE_TLS = * in
 * the local macros file (conf.d/main/000_localmacros, or
 * exim4.conf.localmacros for the single template; README.Debian), so
 * that Debian's remote_smtp_smarthost never sends mail, a password or a
 * token without TLS
 */
static int
exim_macros(struct plan *p)
{
	struct mfile *mf;
	char	 path[MIGRATE_PATH_MAX];

	if (pathf(path, sizeof(path), p->debian == EXIM_SPLIT ?
	    "%s/conf.d/main/000_localmacros" : "%s/exim4.conf.localmacros",
	    p->config_dir) < 0 || (p->debian == EXIM_SPLIT &&
	    conf_d(path, sizeof(path)) < 0) ||
	    (mf = plan_file(p, path, SHOW_EXIM)) == NULL)
		return (-1);
	return (cf_set(mf, "REMOTE_SMTP_SMARTHOST_HOSTS_REQUIRE_TLS", "*"));
}

/* exim_generated - Debian: back up the file update-exim4.conf rewrites */
static int
exim_generated(struct plan *p)
{
	struct mfile *g;

	if (p->debian == EXIM_PLAIN)
		return (0);
	if ((g = plan_file(p, p->gen, SHOW_NOTHING)) == NULL)
		return (-1);
	g->source = FROM_TOOL;
	return (0);
}

/*
 * exim_hint - the transport that carries mail to p->host when no router
 * names it literally but one names a macro that does: "" when unknown
 */
static void
exim_hint(const struct plan *p, const struct buf *conf, char *macro,
    size_t mlen, char *tpt, size_t tlen)
{
	tpt[0] = '\0';
	if (migrate_exim_macro(conf, p->host, macro, mlen) == 1)
		(void)migrate_exim_transport(conf, macro, tpt, tlen);
	else
		macro[0] = '\0';
}

/*
 * exim_byhand - --to connector on a configuration whose route to
 * Microsoft we cannot rewrite ourselves (a macro or an expansion names
 * the host or picks the transport, or the transport serves other hosts
 * too): say what to change, change nothing.  Removing AUTH while the
 * route still goes to smtp.office365.com:587 would bounce every message
 * with 530 5.7.57.
 */
static void
exim_byhand(const struct plan *p, const struct mfile *f, const char *conf)
{
	char	 macro[64], tpt[64];

	exim_hint(p, &f->new, macro, sizeof(macro), tpt, sizeof(tpt));
	fprintf(stderr, "relayhint: %s: route_list names the host through a "
	    "macro or expansion (or the router to %s picks its transport "
	    "with an expansion, or shares it with a router to other hosts); "
	    "edit it by hand:\n", conf, p->host);
	if (macro[0] != '\0')
		fprintf(stderr, "  - the macro %s: %s instead of %s (port 25: "
		    "no ::587)\n", macro, p->mxhost, p->host);
	else
		fprintf(stderr, "  - the router to %s: route to %s, port 25 "
		    "(no ::587)\n", p->host, p->mxhost);
	fprintf(stderr, "  - %s%s%s: comment out hosts_try_auth and "
	    "hosts_require_auth (all their lines), port = 25 instead of 587, "
	    "hosts_require_tls = *\n", tpt[0] ? "the transport " : "its smtp "
	    "transport", tpt[0] ? tpt : "", tpt[0] ? " only" : " (only that one)");
	fprintf(stderr, "  - then check it: exim -C %s -bV\n", conf);
}

/*
 * plan_changes - how many of the files --apply writes would change: 0
 * when the migration is already in place (a second run), which the plan
 * says and --apply then leaves alone
 */
static int
plan_changes(const struct plan *p)
{
	int	 i, n = 0;

	for (i = 0; i < p->n; i++)
		if (p->f[i].source == FROM_APPLY && !file_same(&p->f[i]))
			n++;
	return (n);
}

/* exim_connector - the smarthost to the tenant's MX host, port 25, TLS */
static int
exim_connector(struct plan *p, const char *conf)
{
	struct mfile *f;
	char	 path[MIGRATE_PATH_MAX], old[300], val[400];

	if (p->debian == EXIM_PLAIN) {
		struct buf t;
		int	 rc;

		if ((f = plan_file(p, conf, SHOW_EXIM)) == NULL)
			return (-1);
		buf_init(&t, MIGRATE_FILE_MAX);
		rc = migrate_exim_connector(&f->new, p->host, p->mxhost, &t);
		if (rc == MIGRATE_EXIM_BYHAND) {
			exim_byhand(p, f, conf);
			buf_free(&t);
			return (-1);
		}
		if (new_from(f, &t, rc) < 0)
			return (-1);
	} else {
		/* Debian: dc_smarthost in update-exim4.conf.conf */
		if (pathf(path, sizeof(path), "%s/update-exim4.conf.conf",
		    p->config_dir) < 0 || (f = plan_file(p, path, SHOW_ALL)) ==
		    NULL)
			return (-1);
		sh_value(&f->new, "dc_smarthost", old, sizeof(old));
		snprintf(val, sizeof(val), "'%s::25'", p->mxhost);
		if (set_with(f, migrate_sh_set, "dc_smarthost", val) < 0 ||
		    exim_macros(p) < 0 || exim_generated(p) < 0)
			return (-1);
	}
	steps_connector(p);
	/* a second run rebuilds nothing (plan_changes: 0) */
	if (p->debian != EXIM_PLAIN && plan_changes(p) > 0)
		buf_printf(&p->steps, "Relay side (Debian): --apply runs %s; "
		    "passwd.client stays as it is (the connector offers no "
		    "AUTH, so Exim sends no password).\n", p->upd);
	return (0);
}

/*
 * exim_auth_edit - f->new through migrate_exim_auth: its LOGIN/PLAIN
 * clients out and AUTH in (NULL: a conf.d/auth file, nothing to put in).
 * How many clients went, -1 on overflow.
 */
static int
exim_auth_edit(struct mfile *f, const char *auth, const char *host)
{
	struct buf t;
	int	 n;

	buf_init(&t, MIGRATE_FILE_MAX);
	n = migrate_exim_auth(&f->new, auth, host, &t);
	return (new_from(f, &t, n) < 0 ? -1 : n);
}

/*
 * exim_own_rul - Debian's conf.d/auth/20_relayhint-xoauth2 is our own
 * file, written whole.  update-exim4.conf reads X.rul instead of X when
 * both exist (conf_d), so an X.rul next to ours (left from an older setup,
 * or an override of an older text of ours) would keep our authenticator
 * from Exim, or give it a stale mailbox or token path, once X exists.  It
 * gets the same text: shown in the plan (its old values hidden like any
 * Exim file's), kept in the backup and put back by --rollback, which
 * also removes X, so that update-exim4.conf ignores the .rul again.
 */
static int
exim_own_rul(struct plan *p, const struct mfile *own, struct buf *notes)
{
	char	 rul[MIGRATE_PATH_MAX];
	struct mfile *r;

	if (pathf(rul, sizeof(rul), "%s.rul", own->path) < 0)
		return (-1);
	if (access(rul, F_OK) != 0)
		return (0);
	if ((r = plan_file(p, rul, SHOW_EXIM)) == NULL)
		return (-1);
	buf_reset(&r->new);
	buf_append(&r->new, own->new.data ? own->new.data : "", own->new.len);
	if (!file_same(r))
		buf_printf(notes, "  - NOTE: %s is there, and update-exim4.conf "
		    "reads it instead of %s (a conf.d file X.rul overrides X), "
		    "so it gets the same text; what it held is in the backup, "
		    "and --rollback puts it back.\n", rul, own->path);
	return (0);
}

/*
 * exim_auth_text - the XOAUTH2 client authenticator.  client_send is a
 * list of two items: the initial response user=MAILBOX^Aauth=Bearer
 * TOKEN^A^A sent with AUTH (the plaintext driver base64-encodes it),
 * and an empty answer for the one challenge Microsoft sends on a
 * refused token (334 with a base64 JSON status), after which it answers
 * 535 5.7.3.  Without that second item Exim runs out of items, cancels
 * with "*" and logs only "Too few items in client_send", losing
 * Microsoft's reply.  An empty item cannot end an Exim list (it is
 * dropped), so the second item is an expansion that yields "".
 */
static void
exim_auth_text(const struct plan *p, struct buf *auth)
{
	buf_printf(auth, MIGRATE_EXIM_AUTH ":\n  driver = plaintext\n"
	    "  public_name = XOAUTH2\n"
	    "  # a bearer token: over TLS only\n"
	    "  client_condition = ${if !eq{$tls_out_cipher}{}}\n"
	    "  # initial response, then an empty answer to the error challenge\n"
	    "  client_send = <; user=%s\\x01auth=Bearer "
	    "${readfile{%s}{}}\\x01\\x01 ; ${if bool{true}{}}\n", p->mailbox,
	    p->token_path);
}

/*
 * exim_notdone - --to oauth, one file: no router names p->host literally
 * (a macro, or its transport is picked by an expansion), so the smtp
 * transport to Microsoft keeps hosts_try_auth.  Left so, a refused token
 * makes Exim go on without AUTH and Microsoft answers 530 5.7.57, which
 * hides the reason.  Tell the admin what to change: when a macro leads
 * to the transport, its own hosts_try_auth lines before and after (the
 * host list as written, which may be a macro or go on over several
 * lines); else the smtp transports that may be the one.  Nothing when
 * no smtp transport tries AUTH without requiring it.
 */
static void
exim_notdone(const struct plan *p, const struct buf *conf, struct buf *out)
{
	struct buf opt;
	char	 macro[64], tpt[64], names[256];
	const char *l, *e;
	int	 n, pass;

	exim_hint(p, conf, macro, sizeof(macro), tpt, sizeof(tpt));
	buf_init(&opt, MIGRATE_FILE_MAX);
	n = migrate_exim_try_auth(conf, tpt[0] ? tpt : NULL, names,
	    sizeof(names), &opt);
	if (n <= 0) {
		buf_free(&opt);
		return;
	}
	buf_printf(out, "  - NOT DONE, edit by hand: %s, so relayhint did "
	    "not change the transport that carries mail to %s.  ", tpt[0] ?
	    "no router names the host literally (it comes through a macro)" :
	    "no router names the host literally (a macro), or its router "
	    "picks the transport with an expansion", p->host);
	if (tpt[0] == '\0') {
		/* which one is the router's choice: we cannot tell */
		buf_printf(out, "In the smtp transport its router uses (and "
		    "only that one; here %s: %s), rename the option "
		    "hosts_try_auth to hosts_require_auth and keep its value, "
		    "the host list after '=' with all its continuation lines, "
		    "as it is,", n > 1 ? "the smtp transports that try AUTH "
		    "without requiring it are" : "the one smtp transport that "
		    "tries AUTH without requiring it is", names);
	} else {
		/* its own lines: the host list as written, a macro included */
		buf_printf(out, "In the transport %s (its router routes to "
		    "macro %s), rename hosts_try_auth to hosts_require_auth, "
		    "the host list unchanged:\n", tpt, macro);
		for (pass = 0; pass < 2; pass++)
			for (l = opt.data; l != NULL && l < opt.data + opt.len;
			    l = e + 1) {
				e = memchr(l, '\n', (size_t)(opt.data + opt.len -
				    l));
				if (e == NULL)
					e = opt.data + opt.len;
				buf_puts(out, pass ? "      +" : "      -");
				if (pass && l == opt.data) {
					size_t	 ws = strspn(l, " \t");

					buf_append(out, l, ws);
					buf_puts(out, "hosts_require_auth");
					l += ws + strlen("hosts_try_auth");
				}
				buf_append(out, l, (size_t)(e - l));
				buf_putc(out, '\n');
			}
		buf_puts(out, "   ");
	}
	buf_puts(out, " so that a refused token defers with Microsoft's 535 "
	    "and its reason instead of going on without AUTH into 530 "
	    "5.7.57.\n");
	buf_free(&opt);
}

/* plan_exim - the configuration, the refresher's configuration */
static int
plan_exim(struct plan *p)
{
	struct mfile *cf, *tc;
	struct buf auth, notdone;
	char	 path[MIGRATE_PATH_MAX], tpt[128] = "", others[256], incs[512];
	int	 rc, gone = 0;

	path[0] = '\0';
	if (p->debian != EXIM_SPLIT && exim_conf(p, path, sizeof(path)) < 0)
		return (-1);
	if (strcmp(p->o->to, "connector") == 0)
		return (exim_connector(p, path));
	if (p->mailbox[0] == '\0') {
		fprintf(stderr, "relayhint: no login name in passwd.client; give "
		    "--mailbox ADDR\n");
		return (-1);
	}
	if (pathf(p->token_path, sizeof(p->token_path),
	    "%s/relayhint-xoauth2.token", p->config_dir) < 0)
		return (-1);
	text_copy(p->token_disk, sizeof(p->token_disk), p->token_path,
	    strlen(p->token_path));
	/* ';' separates client_send's items; '^' is a NUL to the driver */
	if (strpbrk(p->mailbox, ";^") != NULL ||
	    strpbrk(p->token_path, ";^{}$\\") != NULL) {
		fprintf(stderr, "relayhint: the mailbox or the configuration "
		    "directory has a character Exim's client_send cannot "
		    "carry (; ^ { } $ \\)\n");
		return (-1);
	}
	buf_init(&auth, 4096);
	buf_init(&notdone, 4096);
	exim_auth_text(p, &auth);
	if (p->debian == EXIM_SPLIT) {
		/*
		 * Debian's conf.d: our authenticator in a file of its own
		 * that sorts before 30_exim4-config_examples (Exim offers
		 * them in order), the LOGIN and PLAIN clients there
		 * commented out.  Each conf.d file X is edited as X.rul
		 * when that overrides it (conf_d); ours is written whole,
		 * and an X.rul of ours gets the same text (exim_own_rul);
		 * its old text is shown masked, as an admin may have put
		 * a password there by hand.
		 * passwd.client stays: the remote_smtp_smarthost transport
		 * only tries AUTH with hosts that have an entry there.
		 */
		rc = -1;
		if (pathf(path, sizeof(path), "%s/conf.d/auth/"
		    "20_relayhint-xoauth2", p->config_dir) == 0 &&
		    (cf = plan_file(p, path, SHOW_EXIM)) != NULL) {
			buf_reset(&cf->new);
			buf_printf(&cf->new, "# relayhint migrate: XOAUTH2 to "
			    "Microsoft 365 (relayhint(1), migrate)\n\n%s",
			    auth.data);
			rc = exim_own_rul(p, cf, &notdone);
		}
		if (rc == 0 && (pathf(path, sizeof(path), "%s/conf.d/auth/"
		    "30_exim4-config_examples", p->config_dir) < 0 ||
		    conf_d(path, sizeof(path)) < 0 ||
		    (cf = plan_file(p, path, SHOW_EXIM)) == NULL ||
		    exim_auth_edit(cf, NULL, p->host) < 0))
			rc = -1;
		/* the transport that tries AUTH with passwd.client's hosts */
		if (rc == 0 && (pathf(path, sizeof(path), "%s/conf.d/transport/"
		    "30_exim4-config_remote_smtp_smarthost", p->config_dir) < 0 ||
		    conf_d(path, sizeof(path)) < 0 ||
		    (access(path, R_OK) == 0 && ((cf = plan_file(p, path,
		    SHOW_EXIM)) == NULL || edit_with(cf,
		    migrate_exim_require_auth, NULL) < 0))))
			rc = -1;
	} else {
		rc = (cf = plan_file(p, path, SHOW_EXIM)) == NULL ||
		    (gone = exim_auth_edit(cf, auth.data, p->host)) < 0 ?
		    -1 : 0;
		/* only the transport that carries mail to Microsoft */
		if (p->debian == EXIM_TEMPLATE)
			text_copy(tpt, sizeof(tpt), "remote_smtp_smarthost", 21);
		else if (rc == 0 && migrate_exim_transport(&cf->new, p->host,
		    tpt, sizeof(tpt)) < 0)
			rc = -1;
		if (rc == 0 && tpt[0] != '\0' &&
		    edit_with(cf, migrate_exim_require_auth, tpt) < 0)
			rc = -1;
		if (rc == 0 && tpt[0] == '\0')
			exim_notdone(p, &cf->new, &notdone);
		/*
		 * the old authenticators served other smarthosts too?  Only
		 * when this run comments them out: on a second run there is
		 * nothing left to warn about.
		 */
		if (rc == 0 && gone > 0 && tpt[0] != '\0' &&
		    migrate_exim_auth_others(&cf->old, tpt, others,
		    sizeof(others)) > 0)
			buf_printf(&notdone, "  - CHECK: the transport(s) %s "
			    "log in too, and the LOGIN/PLAIN client "
			    "authenticators now commented out were theirs as "
			    "well.  If they still need them, restore those "
			    "blocks with this line added to each, so that they "
			    "are never offered to %s:\n"
			    "      client_condition = ${if !eq{$host}{%s}}\n",
			    others, p->host, p->host);
		/* what .include pulls in is not edited: said on every run */
		if (rc == 0 && migrate_exim_auth_includes(&cf->new, incs,
		    sizeof(incs)) > 0)
			buf_printf(&notdone, "  - CHECK: the authenticators "
			    "section includes %s, which relayhint does not "
			    "edit.  A LOGIN or PLAIN client authenticator in "
			    "there still sends the password to %s when "
			    "Microsoft refuses the token: comment it out, or "
			    "add this line to it:\n"
			    "      client_condition = ${if !eq{$host}{%s}}\n",
			    incs, p->host, p->host);
	}
	buf_free(&auth);
	if (rc < 0 || (p->debian != EXIM_PLAIN && (exim_macros(p) < 0 ||
	    exim_generated(p) < 0))) {
		buf_free(&notdone);
		return (-1);
	}
	tc = plan_file(p, p->o->token_conf ? p->o->token_conf :
	    RH_SYSCONFDIR "/token.conf", SHOW_ALL);
	if (tc == NULL) {
		buf_free(&notdone);
		return (-1);
	}
	text_copy(p->token_conf, sizeof(p->token_conf), tc->path,
	    strlen(tc->path));
	tc->mode = 0600;
	buf_reset(&tc->new);
	buf_printf(&tc->new, "# relayhint token refresh: keeps %s fresh for "
	    "Exim's XOAUTH2 authenticator\ntenant = %s\nclient_id = %s\n"
	    "grant = %s\n", p->token_path, p->tenant, p->client_id,
	    p->o->app_only ? "client_credentials" : "refresh_token");
	if (p->o->app_only)
		buf_printf(&tc->new, "secret_file = %s\n", p->o->secret_file ?
		    p->o->secret_file : RH_SYSCONFDIR "/client.secret");
	buf_printf(&tc->new, "state_file = %s\ntoken_file = %s\n"
	    "owner = Debian-exim\n", p->o->token_state ? p->o->token_state :
	    "/var/lib/relayhint/token.state", p->token_path);
	if (p->o->token_base != NULL)
		buf_printf(&tc->new, "base_url = %s\n", p->o->token_base);
	if (p->o->ca_file != NULL)
		buf_printf(&tc->new, "ca_file = %s\n", p->o->ca_file);
	steps_oauth(p);
	buf_printf(&p->steps, "Relay side:\n  - first token: relayhint migrate "
	    "--login (or relayhint token login --config %s after --apply)\n"
	    "  - keep it fresh: systemctl enable --now "
	    "relayhint-token-refresh.timer (runs relayhint token refresh "
	    "every 10 minutes; each write is a rename, so a delivery reads "
	    "a whole token)\n", tc->path);
	/* the unit names the default file */
	if (strcmp(tc->path, RH_SYSCONFDIR "/token.conf") != 0)
		buf_printf(&p->steps, "    The unit reads %s/token.conf: for "
		    "%s, systemctl edit relayhint-token-refresh.service and "
		    "add under [Service] an empty ExecStart= line, then "
		    "ExecStart=relayhint token refresh --quiet --config %s\n",
		    RH_SYSCONFDIR, tc->path, tc->path);
	if (notdone.len > 0)
		buf_append(&p->steps, notdone.data, notdone.len);
	buf_free(&notdone);
	if (p->debian != EXIM_PLAIN && plan_changes(p) > 0)
		buf_printf(&p->steps, "  - Debian: --apply runs %s; the "
		    "password line in passwd.client must stay (Debian's "
		    "remote_smtp_smarthost logs in only to hosts listed "
		    "there, and now requires the login: hosts_require_auth) "
		    "but is no longer sent: replace the password with a "
		    "placeholder once mail flows.\n", p->upd);
	return (0);
}

/* plan_print - the diffs and the steps; the number of files to change */
static int
plan_print(struct plan *p, FILE *fp)
{
	struct buf d;
	/* what doctor reads: Debian's generated file, else --config-dir */
	const char *dd = p->gen[0] ? p->gen : p->o->config_dir;
	int	 i, rc, changes = plan_changes(p);

	buf_init(&d, 8 * MIGRATE_FILE_MAX);
	for (i = 0; i < p->n; i++) {
		struct mfile *f = &p->f[i];

		if (f->source == FROM_TOOL) {
			/* nothing written, nothing for it to rebuild */
			if (changes == 0)
				continue;
			buf_printf(&d, "(then: %s%s%s%s%s rewrites %s, which "
			    "Exim reads; backed up, restored byte for byte by "
			    "--rollback)\n", p->upd, p->o->config_dir ? " -d " :
			    "", p->o->config_dir ? p->config_dir : "",
			    p->o->config_dir ? " -o " : "", p->o->config_dir ?
			    p->gen : "", f->path);
			continue;
		}
		if (f->hide == SHOW_NOTHING) {
			buf_printf(&d, "--- %s\n+++ %s (relayhint migrate)\n"
			    "(contents not shown: it holds a secret)\n",
			    f->existed ? f->path : "/dev/null", f->path);
			continue;
		}
		if (!f->existed)
			buf_printf(&d, "(new file %s, mode %04o, owner %s)\n",
			    f->path, (unsigned)f->mode, f->owner[0] ? f->owner :
			    "root");
		rc = migrate_diff(f->path, &f->old,
		    &f->new, (int)f->hide, &d);
		if (rc < 0) {
			buf_printf(&d, "(%s: too large to compare)\n", f->path);
			continue;
		}
		if (f->postmap[0] != '\0' && rc > 0)
			buf_printf(&d, "(then: postmap %s)\n", f->postmap);
	}
	if (p->token_disk[0] != '\0')
		buf_printf(&d, "(token file %s: written by --login, mode 0600, "
		    "never shown)\n", p->token_disk);
	fwrite(d.data ? d.data : "", 1, d.len, fp);
	buf_free(&d);
	if (changes == 0)
		fprintf(fp, "Already done: every file already says this; "
		    "nothing to change (--apply writes %s).\n", p->o->login ?
		    "only what --login signs in for: the token files, backed "
		    "up first" : "nothing and makes no backup");
	fprintf(fp, "\n%s", p->steps.data ? p->steps.data : "");
	if (changes == 0)
		fprintf(fp, "Verify: relayhint doctor --mta %s%s%s\n",
		    p->o->mta, dd ? " --config-dir " : "", dd ? dd : "");
	else if (strcmp(p->o->to, "connector") == 0)
		fprintf(fp, "Verify after --apply: a test message through the "
		    "relay to an outside address (mail -s test ADDRESS), then "
		    "relayhint doctor --mta %s%s%s; the password in the map is "
		    "no longer used: delete it once mail flows.\n", p->o->mta,
		    p->o->config_dir ? " --config-dir " : "",
		    p->o->config_dir ? p->o->config_dir : "");
	else if (strcmp(p->o->mta, "postfix") == 0)
		fprintf(fp, "Verify before --apply: sasl-xoauth2-tool "
		    "test-token-refresh %s (the token endpoint takes the "
		    "refresh token)\nAfter --apply: relayhint doctor --mta "
		    "postfix%s%s; then a test message through the relay\n",
		    p->token_disk, p->o->config_dir ? " --config-dir " : "",
		    p->o->config_dir ? p->o->config_dir : "");
	else
		fprintf(fp, "Verify: --apply first logs in to %s as %s with the "
		    "token in %s, as relayhint probe --xoauth2-token-file does "
		    "(--test-send ADDR also sends a message; --no-verify skips "
		    "it), and applies nothing when that fails\nAfter --apply: "
		    "relayhint doctor --mta %s%s%s\n", p->host, p->mailbox[0] ?
		    p->mailbox : "MAILBOX", p->token_path, p->o->mta,
		    dd ? " --config-dir " : "", dd ? dd : "");
	return (changes);
}

/* file_put - replace path atomically, keeping mode and owner (token.c) */
static int
file_put(const char *path, const char *data, size_t len, mode_t mode,
    uid_t uid, gid_t gid)
{
	return (token_write_mode(path, data, len, mode, uid, gid));
}

/* postmap - rebuild one indexed table */
static int
postmap(const char *config_dir, const char *table)
{
	struct buf b;
	char	*argv[6];
	int	 n = 0, rc;

	argv[n++] = (char *)"postmap";
	if (config_dir != NULL && config_dir[0] != '\0') {
		argv[n++] = (char *)"-c";
		argv[n++] = (char *)config_dir;
	}
	argv[n++] = (char *)table;
	argv[n] = NULL;
	buf_init(&b, 64 * 1024);
	rc = cli_run(NULL, argv, &b);
	buf_free(&b);
	if (rc != 0)
		fprintf(stderr, "relayhint: postmap %s failed (exit %d)\n",
		    table, rc);
	return (rc == 0 ? 0 : -1);
}

/* reload - reload a running MTA; quiet when it is not running */
static void
reload(const char *mta, const char *config_dir, int no_reload)
{
	struct buf b;
	char	*argv[6];
	int	 n = 0;

	if (no_reload)
		return;
	buf_init(&b, 64 * 1024);
	if (strcmp(mta, "postfix") == 0) {
		argv[n++] = (char *)"postfix";
		if (config_dir != NULL && config_dir[0] != '\0') {
			argv[n++] = (char *)"-c";
			argv[n++] = (char *)config_dir;
		}
		argv[n++] = (char *)"status";
		argv[n] = NULL;
		if (cli_run(NULL, argv, &b) == 0) {
			argv[n - 1] = (char *)"reload";
			if (cli_run(NULL, argv, &b) == 0)
				printf("migrate: postfix reloaded\n");
			else
				fprintf(stderr, "relayhint: postfix reload "
				    "failed\n");
		} else
			printf("migrate: postfix is not running; nothing "
			    "reloaded\n");
	} else {
		argv[0] = (char *)"systemctl";
		argv[1] = (char *)"reload-or-restart";
		argv[2] = (char *)"exim4";
		argv[3] = NULL;
		if (access("/run/systemd/system", F_OK) != 0)
			printf("migrate: exim4 not reloaded (no systemd); each "
			    "new delivery reads the new configuration\n");
		else if (cli_run(NULL, argv, &b) == 0)
			printf("migrate: exim4 reloaded\n");
		else
			fprintf(stderr, "relayhint: systemctl reload-or-restart "
			    "exim4 failed: see systemctl status exim4 and "
			    "exim -bV; a configuration Exim refuses also fails "
			    "each new delivery\n");
	}
	buf_free(&b);
}

/*
 * The backup manifest, one line per file:
 *   INDEX TAB EXISTED TAB MODE(octal) TAB UID TAB GID TAB POSTMAP|- TAB PATH
 * plus a first line "mta MTA CONFIG_DIR|-".
 */

/*
 * backup_path - copy path (when it exists) to DIR/INDEX and describe it in
 * the manifest; the copy is read from disk, byte for byte
 */
static int
backup_path(const char *dir, int i, const char *path, const char *pm,
    FILE *man)
{
	struct stat st;
	struct buf b;
	char	 bk[MIGRATE_PATH_MAX + 64], err[512];
	int	 existed, rc = 0;

	memset(&st, 0, sizeof(st));
	existed = lstat(path, &st) == 0;
	if (existed && !S_ISREG(st.st_mode)) {
		fprintf(stderr, "relayhint: %s: not a regular file; not "
		    "changed\n", path);
		return (-1);
	}
	if (existed) {
		buf_init(&b, 64 * MIGRATE_FILE_MAX);
		snprintf(bk, sizeof(bk), "%s/%d", dir, i);
		if (buf_load_file(&b, path, err, sizeof(err)) < 0) {
			fprintf(stderr, "relayhint: %s\n", err);
			rc = -1;
		} else if (file_put(bk, b.data ? b.data : "", b.len, 0600, 0,
		    0) < 0)
			rc = -1;
		explicit_bzero(b.data ? b.data : "", b.len);
		buf_free(&b);
		if (rc < 0)
			return (-1);
	}
	fprintf(man, "%d\t%d\t%o\t%ld\t%ld\t%s\t%s\n", i, existed,
	    (unsigned)(st.st_mode & 07777), (long)st.st_uid, (long)st.st_gid,
	    pm != NULL && pm[0] ? pm : "-", path);
	return (0);
}

/*
 * backup_login - the backup of a file --login wrote: what it held before
 * the login (f->old, f->st), or that it did not exist
 */
static int
backup_login(const char *dir, int i, const struct mfile *f, FILE *man)
{
	char	 bk[MIGRATE_PATH_MAX + 64];

	if (f->existed) {
		snprintf(bk, sizeof(bk), "%s/%d", dir, i);
		if (file_put(bk, f->old.data ? f->old.data : "", f->old.len,
		    0600, 0, 0) < 0)
			return (-1);
	}
	fprintf(man, "%d\t%d\t%o\t%ld\t%ld\t-\t%s\n", i, f->existed,
	    (unsigned)(f->st.st_mode & 07777), (long)f->st.st_uid,
	    (long)f->st.st_gid, f->path);
	return (0);
}

/*
 * update_exim4 - Debian: rebuild the configuration Exim reads from the
 * files just written.  Without update-exim4.conf (exim4-config not
 * installed) the files stay written and Exim goes on with the old
 * generated file until someone runs it: said, and not an error.
 */
static int
update_exim4(const struct plan *p)
{
	struct buf b;
	char	*argv[8];
	int	 n = 0, rc;

	argv[n++] = (char *)p->upd;
	if (p->o->config_dir != NULL) {
		argv[n++] = (char *)"-d";
		argv[n++] = (char *)p->config_dir;
		argv[n++] = (char *)"-o";
		argv[n++] = (char *)p->gen;
	}
	argv[n] = NULL;
	buf_init(&b, 64 * 1024);
	rc = cli_run(NULL, argv, &b);
	buf_free(&b);
	if (rc < 0) {
		printf("migrate: %s not found (Debian's exim4-config): the "
		    "files are written, but Exim reads %s, which still holds "
		    "the old configuration; run update-exim4.conf, then "
		    "systemctl restart exim4\n", p->upd, p->gen);
		return (0);
	}
	if (rc != 0) {
		fprintf(stderr, "relayhint: %s failed (exit %d); Exim would "
		    "refuse the new configuration\n", p->upd, rc);
		return (-1);
	}
	printf("migrate: %s rebuilt %s\n", p->upd, p->gen);
	return (0);
}

/* map_index - the file postmap builds for TYPE:PATH; -1 for none */
static int
map_index(const char *table, char *out, size_t outlen)
{
	static const struct {
		const char *type, *suffix;
	} t[] = {
		{ "hash:", ".db" }, { "btree:", ".db" }, { "lmdb:", ".lmdb" },
		{ "cdb:", ".cdb" },
	};
	size_t	 i, n;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = strlen(t[i].type);
		if (strncmp(table, t[i].type, n) == 0)
			return (pathf(out, outlen, "%s%s", table + n,
			    t[i].suffix));
	}
	return (-1);
}

/* new_owner - uid/gid of a new file's owner; root when unknown */
static void
new_owner(const struct mfile *f, uid_t *uid, gid_t *gid)
{
	long	 u = f->owner[0] ? cli_uid(NULL, f->owner) : 0;

	*uid = u > 0 ? (uid_t)u : 0;
	*gid = 0;
}

/* restore - the rollback of one manifest line; 0 or -1 */
static int
restore(const char *dir, const char *line, const char *config_dir)
{
	char	 pm[MIGRATE_PATH_MAX + 16], path[MIGRATE_PATH_MAX], bk[MIGRATE_PATH_MAX + 64];
	unsigned mode;
	long	 uid, gid;
	int	 i, existed;
	struct buf b;
	char	 err[512];

	if (sscanf(line, "%d\t%d\t%o\t%ld\t%ld\t%1039[^\t]\t%1023[^\n]", &i,
	    &existed, &mode, &uid, &gid, pm, path) != 7)
		return (-1);
	if (!existed && strcmp(pm, "-") != 0) {
		/* an index the migration's postmap created: build it again */
		return (postmap(config_dir, pm));
	}
	if (!existed) {
		if (unlink(path) < 0 && errno != ENOENT) {
			fprintf(stderr, "relayhint: %s: %s\n", path,
			    strerror(errno));
			return (-1);
		}
		printf("migrate: removed %s (the migration created it)\n", path);
		return (0);
	}
	snprintf(bk, sizeof(bk), "%s/%d", dir, i);
	buf_init(&b, MIGRATE_FILE_MAX);
	if (buf_load_file(&b, bk, err, sizeof(err)) < 0) {
		fprintf(stderr, "relayhint: %s\n", err);
		buf_free(&b);
		return (-1);
	}
	if (file_put(path, b.data ? b.data : "", b.len, (mode_t)mode,
	    (uid_t)uid, (gid_t)gid) < 0) {
		fprintf(stderr, "relayhint: %s: %s\n", path, strerror(errno));
		explicit_bzero(b.data ? b.data : "", b.len);
		buf_free(&b);
		return (-1);
	}
	explicit_bzero(b.data ? b.data : "", b.len);
	buf_free(&b);
	printf("migrate: restored %s\n", path);
	return (0);
}

/* migrate_rollback - undo the migration of STAMP */
static int
migrate_rollback(const struct mopts *o, const char *stamp)
{
	char	 dir[MIGRATE_PATH_MAX], man[MIGRATE_PATH_MAX + 16];
	char	 line[3 * MIGRATE_PATH_MAX], mta[16] = "", cd[MIGRATE_PATH_MAX];
	FILE	*fp;
	int	 bad = 0, first = 1;

	if (strchr(stamp, '/') != NULL || stamp[0] == '.' || stamp[0] == '\0') {
		fprintf(stderr, "relayhint: --rollback takes the stamp printed "
		    "by --apply\n");
		return (EXIT_USAGE);
	}
	snprintf(dir, sizeof(dir), "%s/%s", o->backup_dir, stamp);
	snprintf(man, sizeof(man), "%s/manifest", dir);
	if ((fp = fopen(man, "r")) == NULL) {
		fprintf(stderr, "relayhint: %s: %s\n", man, strerror(errno));
		return (MIGRATE_EXIT_FAIL);
	}
	cd[0] = '\0';
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (first) {
			first = 0;
			if (sscanf(line, "mta %15s %1023s", mta, cd) != 2) {
				bad++;
				break;
			}
			if (strcmp(cd, "-") == 0)
				cd[0] = '\0';
			continue;
		}
		if (restore(dir, line, cd) < 0)
			bad++;
	}
	fclose(fp);
	if (mta[0] != '\0')
		reload(mta, cd, o->no_reload);
	if (bad) {
		fprintf(stderr, "relayhint: rollback %s: %d file(s) not "
		    "restored; the copies are in %s\n", stamp, bad, dir);
		return (MIGRATE_EXIT_FAIL);
	}
	printf("migrate: rolled back %s\n", stamp);
	return (0);
}

/*
 * exim_bin - the Exim binary to check a configuration with: --exim, else
 * exim4 or exim in the directories cli_run searches; -1 when none
 */
static int
exim_bin(const struct plan *p, char *out, size_t outlen)
{
	static const char *const dirs[] = { "/usr/sbin", "/usr/bin", "/sbin",
	    "/bin", "/usr/local/sbin", "/usr/local/bin" };
	static const char *const names[] = { "exim4", "exim" };
	size_t	 i, j;

	if (p->o->exim != NULL) {
		text_copy(out, outlen, p->o->exim, strlen(p->o->exim));
		return (access(out, X_OK) == 0 ? 0 : -1);
	}
	for (j = 0; j < sizeof(names) / sizeof(names[0]); j++)
		for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
			if (pathf(out, outlen, "%s/%s", dirs[i], names[j]) == 0 &&
			    access(out, X_OK) == 0)
				return (0);
	return (-1);
}

/*
 * exim_check - one Exim file (no Debian tool rebuilds or checks it):
 * the new text in a temporary file next to it, read by exim -C TMP -bV,
 * before anything is backed up or written.  Exim refuses a file it
 * cannot read at the next delivery; the admin must see that now, with
 * Exim's own message, and keep the old file.  No Exim binary: a note.
 */
static int
exim_check(const struct plan *p)
{
	char	 ex[MIGRATE_PATH_MAX], tmp[MIGRATE_PATH_MAX], *sl;
	char	*argv[5];
	struct buf b;
	int	 i, fd, rc;

	for (i = 0; i < p->n; i++) {
		const struct mfile *f = &p->f[i];

		if (f->source != FROM_APPLY || f->hide != SHOW_EXIM)
			continue;
		if (exim_bin(p, ex, sizeof(ex)) < 0) {
			printf("migrate: no exim binary found (--exim PATH): "
			    "%s not checked with exim -bV\n", f->path);
			return (0);
		}
		/* the same directory: the same file system, owner and rules */
		sl = strrchr(f->path, '/');
		if (pathf(tmp, sizeof(tmp), "%.*s/.relayhint-check.XXXXXX",
		    sl ? (int)(sl - f->path) : 1, sl ? f->path : ".") < 0 ||
		    (fd = mkstemp(tmp)) < 0) {
			fprintf(stderr, "relayhint: %s: cannot write a copy to "
			    "check: %s; nothing changed\n", f->path,
			    strerror(errno));
			return (-1);
		}
		rc = write(fd, f->new.data ? f->new.data : "", f->new.len) ==
		    (ssize_t)f->new.len ? 0 : -1;
		if (close(fd) < 0)
			rc = -1;
		if (rc == 0) {
			argv[0] = ex;
			argv[1] = (char *)"-C";
			argv[2] = tmp;
			argv[3] = (char *)"-bV";
			argv[4] = NULL;
			buf_init(&b, 64 * 1024);
			rc = cli_run_loud(argv, &b);
			buf_free(&b);
		} else
			fprintf(stderr, "relayhint: %s: %s\n", tmp,
			    strerror(errno));
		(void)unlink(tmp);
		if (rc != 0) {
			fprintf(stderr, "relayhint: %s -bV refuses the new %s "
			    "(Exim read it as %s, since removed; line numbers "
			    "are the new text's); nothing changed\n", ex, f->path,
			    tmp);
			return (-1);
		}
		printf("migrate: %s -bV accepts the new %s\n", ex, f->path);
	}
	return (0);
}

/* plan_apply - back up, write, rebuild, reload; roll back on failure */
static int
plan_apply(struct plan *p)
{
	char	 stamp[32], dir[MIGRATE_PATH_MAX], man[MIGRATE_PATH_MAX + 16];
	struct stat st;
	struct tm tm;
	time_t	 now = time(NULL);
	FILE	*fp;
	uid_t	 uid;
	gid_t	 gid;
	int	 i, n, fd = -1, written = 0;

	if (strcmp(p->o->mta, "exim") == 0 && p->debian == EXIM_PLAIN &&
	    exim_check(p) < 0)
		return (MIGRATE_EXIT_FAIL);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	if (mkdir(p->o->backup_dir, 0700) < 0 && errno != EEXIST) {
		/* the parent may be missing: one level is enough for /var/backups */
		char	 parent[MIGRATE_PATH_MAX], *sl;

		text_copy(parent, sizeof(parent), p->o->backup_dir,
		    strlen(p->o->backup_dir));
		if ((sl = strrchr(parent, '/')) != NULL && sl != parent) {
			*sl = '\0';
			(void)mkdir(parent, 0700);
		}
		if (mkdir(p->o->backup_dir, 0700) < 0 && errno != EEXIST) {
			fprintf(stderr, "relayhint: %s: %s\n", p->o->backup_dir,
			    strerror(errno));
			return (MIGRATE_EXIT_FAIL);
		}
	}
	/* a second migration in the same second (a rollback, then the
	 * other path) gets the next free suffix: 20261207T161333Z-2 */
	for (i = 1;; i++) {
		if (i == 1)
			snprintf(dir, sizeof(dir), "%s/%s", p->o->backup_dir,
			    stamp);
		else
			snprintf(dir, sizeof(dir), "%s/%s-%d",
			    p->o->backup_dir, stamp, i);
		if (mkdir(dir, 0700) == 0)
			break;
		if (errno != EEXIST || i == 99) {
			fprintf(stderr, "relayhint: %s: %s\n", dir,
			    strerror(errno));
			return (MIGRATE_EXIT_FAIL);
		}
	}
	if (i > 1)
		snprintf(stamp + strlen(stamp), sizeof(stamp) - strlen(stamp),
		    "-%d", i);
	snprintf(man, sizeof(man), "%s/manifest", dir);
	if ((fd = open(man, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0 ||
	    (fp = fdopen(fd, "w")) == NULL) {
		if (fd >= 0)
			close(fd);
		fprintf(stderr, "relayhint: %s: %s\n", man, strerror(errno));
		return (MIGRATE_EXIT_FAIL);
	}
	fprintf(fp, "mta %s %s\n", p->o->mta, strcmp(p->o->mta, "postfix") == 0
	    && p->o->config_dir ? p->o->config_dir : "-");
	/*
	 * Each file, then the index postmap builds from it: the rollback
	 * restores in this order, so an index is never older than its
	 * source (Postfix warns about that) and is the same bytes as before.
	 */
	for (i = 0, n = 0; i < p->n; i++) {
		char	 idx[MIGRATE_PATH_MAX];

		if (p->f[i].source == FROM_LOGIN) {
			if (backup_login(dir, n++, &p->f[i], fp) < 0) {
				fprintf(stderr, "relayhint: backup of %s failed; "
				    "nothing changed\n", p->f[i].path);
				fclose(fp);
				return (MIGRATE_EXIT_FAIL);
			}
			continue;
		}
		if (backup_path(dir, n++, p->f[i].path, NULL, fp) < 0 ||
		    (p->f[i].postmap[0] != '\0' && map_index(p->f[i].postmap,
		    idx, sizeof(idx)) == 0 && backup_path(dir, n++, idx,
		    p->f[i].postmap, fp) < 0)) {
			fprintf(stderr, "relayhint: backup of %s failed; "
			    "nothing changed\n", p->f[i].path);
			fclose(fp);
			return (MIGRATE_EXIT_FAIL);
		}
	}
	if (fflush(fp) != 0 || fsync(fileno(fp)) < 0 || fclose(fp) != 0) {
		fprintf(stderr, "relayhint: %s: %s\n", man, strerror(errno));
		return (MIGRATE_EXIT_FAIL);
	}
	for (i = 0; i < p->n; i++) {
		struct mfile *f = &p->f[i];

		if (f->source != FROM_APPLY)
			continue;
		if (file_same(f))
			continue;
		if (f->existed && stat(f->path, &st) == 0) {
			uid = st.st_uid;
			gid = st.st_gid;
		} else {
			new_owner(f, &uid, &gid);
			st.st_mode = f->mode;
		}
		if (file_put(f->path, f->new.data ? f->new.data : "", f->new.len,
		    st.st_mode, uid, gid) < 0) {
			fprintf(stderr, "relayhint: %s: %s\n", f->path,
			    strerror(errno));
			goto undo;
		}
		written++;
		if (f->postmap[0] != '\0' && postmap(p->o->config_dir,
		    f->postmap) < 0)
			goto undo;
		printf("migrate: wrote %s\n", f->path);
	}
	if (p->debian != EXIM_PLAIN && update_exim4(p) < 0)
		goto undo;
	reload(p->o->mta, p->o->config_dir, p->o->no_reload);
	printf("migrate: applied %s; backup in %s\nTo undo: relayhint migrate "
	    "--rollback %s%s%s\n", stamp, dir, stamp,
	    strcmp(p->o->backup_dir, MIGRATE_BACKUP_DIR) != 0 ?
	    " --backup-dir " : "", strcmp(p->o->backup_dir,
	    MIGRATE_BACKUP_DIR) != 0 ? p->o->backup_dir : "");
	return (0);
undo:
	fprintf(stderr, "relayhint: apply failed after %d file(s); rolling "
	    "back\n", written);
	migrate_rollback(p->o, stamp);
	return (MIGRATE_EXIT_FAIL);
}

/* login_file - a file --login is about to write, as it is now */
static int
login_file(struct plan *p, const char *path)
{
	struct mfile *f;

	if ((f = plan_file(p, path, SHOW_NOTHING)) == NULL)
		return (-1);
	f->source = FROM_LOGIN;
	if (f->existed && stat(path, &f->st) < 0)
		return (-1);
	return (0);
}

/*
 * plan_login - --login: the first token, written where the MTA reads it
 * (Exim: the access token file, the Exim user's, mode 0600; the refresh
 * token in the refresher's root-only state file), before anything else
 * changes.  The exit status of relayhint token login.
 */
static int
plan_login(struct plan *p)
{
	static char *login_argv[] = { "relayhint", "token", "login",
	    "--config", "-", NULL };
	struct mfile *tc = NULL;
	char	 state[MIGRATE_PATH_MAX], lock[MIGRATE_PATH_MAX + 8];
	int	 i, rc;

	if (strcmp(p->o->to, "oauth") != 0) {
		printf("migrate: --login: a connector has no login; nothing to "
		    "sign in\n");
		return (0);
	}
	if (strcmp(p->o->mta, "exim") != 0) {
		fprintf(stderr, "relayhint: --login: for Postfix the first token "
		    "comes from sasl-xoauth2-tool (see the plan above)\n");
		return (EXIT_USAGE);
	}
	for (i = 0; i < p->n; i++)
		if (strcmp(p->f[i].path, p->token_conf) == 0)
			tc = &p->f[i];
	if (tc == NULL || tc->new.data == NULL)
		return (MIGRATE_EXIT_FAIL);
	text_copy(state, sizeof(state), p->o->token_state ? p->o->token_state :
	    "/var/lib/relayhint/token.state", strlen(p->o->token_state ?
	    p->o->token_state : "/var/lib/relayhint/token.state"));
	/* the refresher's lock file too: a rollback leaves nothing behind */
	snprintf(lock, sizeof(lock), "%s.lock", state);
	if (login_file(p, p->token_disk) < 0 || login_file(p, state) < 0 ||
	    login_file(p, lock) < 0) {
		fprintf(stderr, "relayhint: --login: cannot read %s or %s as "
		    "they are\n", p->token_disk, state);
		return (MIGRATE_EXIT_FAIL);
	}
	printf("migrate: signing in (%s)\n", p->o->app_only ?
	    "client credentials" : "device code");
	fflush(stdout);
	/* relayhint-net reads the configuration not yet on disk on stdin */
	rc = cli_net_run(login_argv, tc->new.data);
	if (rc != 0)
		fprintf(stderr, "relayhint: --login failed: nothing applied\n");
	return (rc);
}

/*
 * plan_verify - before --apply: log in to the relay host with the new
 * credentials through relayhint probe (XOAUTH2, STARTTLS, certificate
 * verified) and, with --test-send, send a test message.  The probe prints
 * its status line and, on a refusal, the classified cause and hint.
 * 0 when the login worked.
 */
static int
plan_verify(struct plan *p)
{
	char	 server[300];
	char	*argv[16];
	int	 n = 0, rc;

	if (strcmp(p->o->to, "oauth") != 0) {
		printf("migrate: verify: a connector has no login to test before "
		    "the switch; after --apply send a test message\n");
		return (0);
	}
	if (strcmp(p->o->mta, "exim") != 0)
		return (0);	/* Postfix: sasl-xoauth2 owns the token */
	if (access(p->token_disk, R_OK) != 0) {
		fprintf(stderr, "relayhint: verify: no token in %s: add --login "
		    "(or run relayhint token login), or skip the check with "
		    "--no-verify\n", p->token_disk);
		return (-1);
	}
	if (p->o->verify_server != NULL)
		text_copy(server, sizeof(server), p->o->verify_server,
		    strlen(p->o->verify_server));
	else
		snprintf(server, sizeof(server), "%s:%d", p->host, p->port &&
		    p->port != 25 ? p->port : 587);
	argv[n++] = (char *)"relayhint";
	argv[n++] = (char *)"probe";
	argv[n++] = (char *)"--server";
	argv[n++] = server;
	argv[n++] = (char *)"--user";
	argv[n++] = p->mailbox;
	argv[n++] = (char *)"--xoauth2-token-file";
	argv[n++] = p->token_disk;
	if (p->o->ca_file != NULL) {
		argv[n++] = (char *)"--ca-file";
		argv[n++] = (char *)p->o->ca_file;
	}
	if (p->o->test_send != NULL) {
		argv[n++] = (char *)"--send-to";
		argv[n++] = (char *)p->o->test_send;
	}
	argv[n] = NULL;
	printf("migrate: verify: XOAUTH2 login to %s as %s%s%s\n", server,
	    p->mailbox, p->o->test_send ? ", test message to " : "",
	    p->o->test_send ? p->o->test_send : "");
	fflush(stdout);
	rc = cli_net_run(argv, NULL);
	fflush(stdout);
	if (rc != 0)
		fprintf(stderr, "relayhint: verify failed (probe exit %d): "
		    "nothing applied; the cause is above (--no-verify skips "
		    "this check)\n", rc);
	return (rc == 0 ? 0 : -1);
}

/* cmd_migrate - plan (default), --apply, --rollback STAMP */
int
cmd_migrate(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mta", required_argument, NULL, 'm' },
		{ "to", required_argument, NULL, 't' },
		{ "config-dir", required_argument, NULL, 'C' },
		{ "mailbox", required_argument, NULL, 'u' },
		{ "tenant", required_argument, NULL, 'T' },
		{ "client-id", required_argument, NULL, 'i' },
		{ "domain", required_argument, NULL, 'd' },
		{ "connector-host", required_argument, NULL, 'H' },
		{ "xoauth2-conf", required_argument, NULL, 'x' },
		{ "token-conf", required_argument, NULL, 'k' },
		{ "backup-dir", required_argument, NULL, 'b' },
		{ "exim", required_argument, NULL, 'e' },
		{ "app-only", no_argument, NULL, 'A' },
		{ "apply", no_argument, NULL, 'a' },
		{ "rollback", required_argument, NULL, 'r' },
		{ "no-reload", no_argument, NULL, 'N' },
		{ "login", no_argument, NULL, 'L' },
		{ "no-verify", no_argument, NULL, 'n' },
		{ "test-send", required_argument, NULL, 'S' },
		{ "token-base", required_argument, NULL, 'B' },
		{ "ca-file", required_argument, NULL, 'c' },
		{ "token-state", required_argument, NULL, 's' },
		{ "secret-file", required_argument, NULL, 'K' },
		{ "verify-server", required_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct mopts o;
	struct plan *p;
	struct doctor_report *r;
	const char *rollback = NULL;
	int	 ch, apply = 0, rc;

	memset(&o, 0, sizeof(o));
	o.to = "oauth";
	o.backup_dir = MIGRATE_BACKUP_DIR;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "m:t:C:u:T:i:d:H:x:k:b:e:Aar:NLnS:B:c:s:K:v:h",
	    opts, NULL)) != -1) {
		switch (ch) {
		case 'm': o.mta = optarg; break;
		case 't': o.to = optarg; break;
		case 'C': o.config_dir = optarg; break;
		case 'u': o.mailbox = optarg; break;
		case 'T': o.tenant = optarg; break;
		case 'i': o.client_id = optarg; break;
		case 'd': o.domain = optarg; break;
		case 'H': o.connector_host = optarg; break;
		case 'x': o.xoauth2_conf = optarg; break;
		case 'k': o.token_conf = optarg; break;
		case 'b': o.backup_dir = optarg; break;
		case 'e': o.exim = optarg; o.mta = "exim"; break;
		case 'A': o.app_only = 1; break;
		case 'a': apply = 1; break;
		case 'r': rollback = optarg; break;
		case 'N': o.no_reload = 1; break;
		case 'L': o.login = 1; break;
		case 'n': o.no_verify = 1; break;
		case 'S': o.test_send = optarg; break;
		case 'B': o.token_base = optarg; break;
		case 'c': o.ca_file = optarg; break;
		case 's': o.token_state = optarg; break;
		case 'K': o.secret_file = optarg; break;
		case 'v': o.verify_server = optarg; break;
		case 'h':
			usage_cmd(stdout, "migrate");
			return (0);
		default:
			usage_cmd(stderr, "migrate");
			return (EXIT_USAGE);
		}
	}
	if (optind != argc || (o.mta != NULL && strcmp(o.mta, "postfix") != 0 &&
	    strcmp(o.mta, "exim") != 0) || (strcmp(o.to, "oauth") != 0 &&
	    strcmp(o.to, "connector") != 0) || (apply && rollback != NULL)) {
		usage_cmd(stderr, "migrate");
		return (EXIT_USAGE);
	}
	if (rollback != NULL)
		return (migrate_rollback(&o, rollback));
	if (o.mta == NULL)
		o.mta = access("/usr/sbin/postconf", X_OK) == 0 ? "postfix" :
		    access("/usr/sbin/exim4", X_OK) == 0 ||
		    access("/usr/sbin/exim", X_OK) == 0 ? "exim" : "postfix";
	p = calloc(1, sizeof(*p));
	r = calloc(1, sizeof(*r));
	if (p == NULL || r == NULL) {
		free(p);
		free(r);
		fprintf(stderr, "relayhint: out of memory\n");
		return (MIGRATE_EXIT_FAIL);
	}
	p->o = &o;
	p->c = c;
	buf_init(&p->steps, 64 * 1024);
	rc = MIGRATE_EXIT_FAIL;
	if ((strcmp(o.mta, "exim") == 0 && exim_layout(p) < 0) ||
	    find_hop(p, r) < 0)
		goto out;
	if (strcmp(o.mta, "exim") == 0)
		exim_mailbox(p);
	if (plan_ids(p) < 0)
		goto out;
	if ((strcmp(o.mta, "exim") == 0 ? plan_exim(p) : plan_postfix(p)) < 0) {
		fprintf(stderr, "relayhint: no plan: the configuration was not "
		    "changed\n");
		goto out;
	}
	/*
	 * A second run: nothing to write, so no backup (a rollback to it
	 * would undo nothing), no reload, no login test.  --login still
	 * signs in, and its token files are backed up as on a first run.
	 */
	if (plan_print(p, stdout) == 0 && apply && !o.login) {
		printf("migrate: already done: nothing written, no backup "
		    "made\n");
		rc = 0;
		goto out;
	}
	fflush(stdout);
	/* Postfix without the plugin would defer every message */
	if (apply && p->token_disk[0] != '\0' &&
	    strcmp(o.mta, "postfix") == 0 &&
	    !(p->plugins & MIGRATE_PLUGIN_XOAUTH2)) {
		if (!o.no_verify) {
			fprintf(stderr, "relayhint: sasl-xoauth2 is not "
			    "installed: Postfix would defer every message until "
			    "it is; nothing applied (install it first, or give "
			    "--no-verify to apply anyway)\n");
			rc = 1;
			goto out;
		}
		fprintf(stderr, "relayhint: warning: sasl-xoauth2 is not "
		    "installed: Postfix defers every message (they stay in the "
		    "queue) until it is, or until --rollback\n");
	}
	if (o.login && (rc = plan_login(p)) != 0)
		goto out;
	if (apply && !o.no_verify && plan_verify(p) < 0) {
		rc = 1;
		goto out;
	}
	rc = apply ? plan_apply(p) : 0;
out:
	plan_free(p);
	free(p);
	free(r);
	return (rc);
}
