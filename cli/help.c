/*
 * help.c - the help text of each relayhint command
 *
 * Functions: usage, usage_cmd.
 *
 * One entry per command, so that "relayhint CMD --help" prints that
 * command's options and nothing else. tests/cli/help.py compares each
 * entry with the command's getopt table and with relayhint(1), so an
 * option added in one place and forgotten in another fails make check.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
	const char *cmd;
	const char *text;
} help[] = {
	{ "explain",
	"usage: relayhint explain [--json] [--language L] [TEXT...|-]\n"
	"Classify one reply, log line, DSN, bounce or postqueue -j record.\n"
	"  --json       one JSON object on one line\n"
	"  --language L hint language (default: LC_ALL, LC_MESSAGES, LANG,\n"
	"               relayhint.conf language, en)\n"
	"Exit: 0 cause found, 1 no cause, 2 usage or input error.\n" },
	{ "bounce",
	"usage: relayhint bounce [--rewrite [--output-dir DIR]] [--postmaster]\n"
	"                        [--language L] [--json]\n"
	"                        [--max-message-size BYTES] [--jobs N]\n"
	"                        FILE|DIR|MBOX|- ...\n"
	"Classify a bounce or delay notice; many of them from several files,\n"
	"a directory, a Maildir or an mbox (also on standard input): one line\n"
	"or JSON record per message with its source, then a summary by cause.\n"
	"  --rewrite        print the message enriched, as the milter leaves it\n"
	"  --postmaster     put the administrator's steps first\n"
	"  --json           one JSON object on one line\n"
	"  --language L     hint language (default: LC_ALL, LC_MESSAGES, LANG,\n"
	"                   relayhint.conf language, en)\n"
	"  --max-message-size BYTES  larger messages pass unchanged\n"
	"                   (max_message_size, default 4m)\n"
	"  --output-dir DIR with --rewrite over many messages: write each there\n"
	"  --jobs N         over many messages: N threads (default: the CPUs)\n"
	"Exit: 0 cause found, 1 no cause, 2 usage or input error.\n" },
	{ "scan",
	"usage: relayhint scan [--json] [--language L] [--metrics FILE]\n"
	"                      [--follow [--alert-spool DIR] [--alert-quiet T]\n"
	"                      [--alert-spool-max N]] [--max-pairs N] [--jobs N]\n"
	"                      [FILE...]\n"
	"Microsoft 365 failures in Postfix and Exim logs, once per queue id.\n"
	"  --json            JSON Lines, one record per failure\n"
	"  --language L      hint language (default: LC_ALL, LC_MESSAGES, LANG,\n"
	"                    relayhint.conf language, en)\n"
	"  --metrics FILE    write Prometheus metrics (textfile collector format)\n"
	"  --follow          follow one growing log, as tail -F does\n"
	"  --alert-spool DIR with --follow: spool an alert per new cause\n"
	"  --alert-quiet T   time before the same cause alerts again\n"
	"                    (alert_quiet, default 1h)\n"
	"  --alert-spool-max N spooled alerts kept at most (alert_spool_max, 100)\n"
	"  --max-pairs N     (queue id, cause) pairs in memory (200000); past it\n"
	"                    the least recently seen leaves (still reported;\n"
	"                    --follow forgets it) and, seen again, counts anew\n"
	"  --jobs N          N threads parse the lines (default: the CPUs;\n"
	"                    1: none); the report is the same for any N\n"
	"Exit: 0 no Microsoft 365 failure, 1 failures found, 2 input error.\n" },
	{ "queue",
	"usage: relayhint queue [--json] [--language L] [--metrics FILE] [--file FILE]\n"
	"                       [--lifetime T] [--bounce-lifetime T]\n"
	"                       [--config-dir DIR] [--now EPOCH]\n"
	"Classify Postfix's queue (postqueue -j) and summarise by cause.\n"
	"  --json              JSON Lines, one record per cause\n"
	"  --language L        hint language (default: LC_ALL, LC_MESSAGES, LANG,\n"
	"                      relayhint.conf language, en)\n"
	"  --metrics FILE      write Prometheus metrics (textfile collector format)\n"
	"  --file FILE         read postqueue -j output from FILE (- = stdin)\n"
	"  --lifetime T        maximal_queue_lifetime (default: from postconf)\n"
	"  --bounce-lifetime T bounce_queue_lifetime (default: from postconf)\n"
	"  --config-dir DIR    Postfix configuration directory for postconf -c\n"
	"  --now EPOCH         the current time, for reproducible reports\n"
	"Exit: 0 done, 2 usage or input error.\n" },
	{ "doctor",
	"usage: relayhint doctor [--json] [--mta postfix|exim] [--config-dir DIR]\n"
	"                        [--xoauth2-conf FILE] [--passwd-client FILE]\n"
	"                        [--exim PATH] [--metrics FILE]\n"
	"Audit the MTA's Microsoft 365 set-up.\n"
	"  --json               one JSON object\n"
	"  --mta postfix|exim   which MTA to audit (default: the one installed)\n"
	"  --config-dir DIR     Postfix configuration directory\n"
	"  --xoauth2-conf FILE  sasl-xoauth2 configuration file\n"
	"  --passwd-client FILE Exim's passwd.client\n"
	"  --exim PATH          the Exim binary to ask for its configuration\n"
	"  --metrics FILE       write Prometheus metrics: check results and the\n"
	"                       date Basic authentication for SMTP AUTH goes off\n"
	"Exit: 0 OK, 1 WARN, 2 FAIL, 3 could not check.\n" },
	{ "probe",
	"usage: relayhint probe [--server HOST:PORT] --user U\n"
	"         (--password-file F | --password-env VAR | --xoauth2-token-file F |\n"
	"          --oauth-client ID (--oauth-tenant T | --token-url URL)\n"
	"          (--oauth-secret-file F | --oauth-secret-env VAR))\n"
	"         [--send-to R] [--from A] [--ca-file F] [--timeout S]\n"
	"         [-H HOST] [-p PORT] [-w S] [-c S] [--language L] [--verbose]\n"
	"         [--metrics FILE] [--json]\n"
	"Log in to Microsoft 365 now, as a monitoring plugin.\n"
	"  --server HOST:PORT      default smtp.office365.com:587\n"
	"  -H, --hostname HOST     the server's host name (port 587 unless -p)\n"
	"  -p, --port PORT         the server's port\n"
	"  -w, --warning S         WARNING when the login takes S seconds or more\n"
	"  -c, --critical S        CRITICAL when it takes S seconds or more\n"
	"  --user U                the mailbox to log in as\n"
	"  --password-file F       password in F (mode 0600 or stricter)\n"
	"  --password-env VAR      password in the environment variable VAR\n"
	"  --xoauth2-token-file F  an OAuth 2.0 access token in F\n"
	"  --oauth-client ID       fetch a token with client credentials\n"
	"  --oauth-tenant T        the Entra tenant (id or domain)\n"
	"  --token-url URL         the token endpoint instead of the tenant's\n"
	"  --oauth-secret-file F   the client secret in F\n"
	"  --oauth-secret-env VAR  the client secret in VAR\n"
	"  --send-to R             also send a test message to R\n"
	"  --from A                envelope sender (default: --user)\n"
	"  --ca-file F             trust anchors instead of the system's\n"
	"  -t, --timeout S         give up after S seconds (default 30)\n"
	"  --language L            hint language\n"
	"  -v, --verbose           show the SMTP dialogue (secrets masked)\n"
	"  --json                  one JSON object instead of the status line\n"
	"  -V, --version           print the version\n"
	"  --metrics FILE          write Prometheus metrics (textfile collector)\n"
	"Exit: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n" },
	{ "alert-drain",
	"usage: relayhint alert-drain [--spool DIR] [--once]\n"
	"         (--webhook FORMAT,URL ... | --webhook-file F)\n"
	"         [--secret-file F | --secret-env VAR] [--ca-file F]\n"
	"         [--retries N] [--backoff S] [--connect-timeout S]\n"
	"         [--timeout S] [--interval S] [--max-age S]\n"
	"         [--allow-http]\n"
	"Post spooled alerts to webhooks.\n"
	"  --spool DIR          the alert spool (default /var/spool/relayhint/alerts)\n"
	"  --once               drain once and exit\n"
	"  --webhook FORMAT,URL json, teams or slack, and its URL (repeatable)\n"
	"  --webhook-file F     one FORMAT,URL per line (mode 0600 or stricter)\n"
	"  --secret-file F      HMAC key for the X-Relayhint-Signature header\n"
	"  --secret-env VAR     HMAC key in the environment variable VAR\n"
	"  --ca-file F          trust anchors instead of the system's\n"
	"  --retries N          attempts per webhook and run\n"
	"  --backoff S          seconds between attempts\n"
	"  --connect-timeout S  TCP and TLS connect timeout\n"
	"  --timeout S          whole request timeout\n"
	"  --interval S         seconds between spool scans when not --once\n"
	"  --allow-http         also post to plain http:// URLs (not recommended)\n"
	"  --max-age S          drop an undelivered alert this old (604800)\n"
	"Exit: 0 done, 1 some alert not delivered, 2 usage error.\n" },
	{ "migrate",
	"usage: relayhint migrate [--mta postfix|exim] [--to oauth|connector]\n"
	"         [--config-dir DIR] [--mailbox A] [--tenant T] [--client-id ID]\n"
	"         [--app-only] [--domain D] [--connector-host H] [--xoauth2-conf F]\n"
	"         [--token-conf F] [--exim PATH] [--backup-dir DIR] [--no-reload]\n"
	"         [--login] [--no-verify] [--test-send ADDR] [--token-base URL]\n"
	"         [--ca-file F] [--token-state F] [--secret-file F]\n"
	"         [--verify-server HOST:PORT] [--apply | --rollback STAMP]\n"
	"Leave password logins: show the plan (default), apply it with a backup,\n"
	"or roll it back.\n"
	"  --mta postfix|exim   which MTA (default: the one installed)\n"
	"  --to oauth|connector OAuth 2.0 (XOAUTH2) on port 587, or an inbound\n"
	"                       connector to <tenant>.mail.protection.outlook.com:25\n"
	"  --config-dir DIR     Postfix configuration directory\n"
	"  --mailbox A          the mailbox the relay sends as\n"
	"  --tenant T           the Entra tenant (id or domain)\n"
	"  --client-id ID       the Entra application's client id\n"
	"  --app-only           client credentials instead of a delegated token\n"
	"  --domain D           your accepted domain: the connector host is D\n"
	"                       with dashes + .mail.protection.outlook.com\n"
	"  --connector-host H   the connector host, when it is not that\n"
	"  --xoauth2-conf F     sasl-xoauth2's configuration file\n"
	"  --token-conf F       relayhint token's configuration file (Exim)\n"
	"  --exim PATH          the Exim binary\n"
	"  --backup-dir DIR     where --apply keeps its backups\n"
	"  --no-reload          do not reload the MTA after --apply\n"
	"  --login              get the first token now (device code, or client\n"
	"                       credentials with --app-only) where the MTA reads it\n"
	"  --no-verify          --apply without the XOAUTH2 login test (offline)\n"
	"  --test-send ADDR     the login test also sends a message to ADDR\n"
	"  --token-base URL     Entra ID endpoint base (default\n"
	"                       https://login.microsoftonline.com)\n"
	"  --ca-file F          trust anchors for the endpoint and the login test\n"
	"  --token-state F      refresh token file (/var/lib/relayhint/token.state)\n"
	"  --secret-file F      client secret for --app-only\n"
	"                       (/etc/relayhint/client.secret)\n"
	"  --verify-server H:P  where the login test logs in (the relay host)\n"
	"  --apply              write the changes (backup first)\n"
	"  --rollback STAMP     put back the files of the backup STAMP\n"
	"Exit: 0 done or already done (nothing written), 1 sign-in or login\n"
	"test refused (nothing applied), 2 usage, 3 nothing changed because of\n"
	"an error.\n" },
	{ "token",
	"usage: relayhint token login|refresh [--config FILE] [--force] [--quiet]\n"
	"                                     [--max-wait S]\n"
	"Get (login) and keep fresh (refresh) an OAuth 2.0 access token.\n"
	"  --config FILE  token configuration (default /etc/relayhint/token.conf)\n"
	"  --force        refresh even when the token is still valid\n"
	"  --quiet        print nothing when all is well\n"
	"  --max-wait S   login: give up the device-code wait after S seconds\n"
	"Exit: 0 fresh, 1 refused, 2 usage, 3 local trouble.\n" },
	{ "filter",
	"usage: relayhint filter [--sender=ADDRESS] [--postmaster] [--language L]\n"
	"                        [--max-message-size BYTES] < MESSAGE\n"
	"Exim's transport_filter: a bounce (empty --sender) comes out enriched,\n"
	"any other message byte for byte.  Never fails: exit 0, nothing on\n"
	"stderr, the message unchanged on any error.  See relayhint-exim(8).\n"
	"  --sender=ADDRESS  the envelope sender; empty for a bounce\n"
	"  --postmaster      put the administrator's steps first\n"
	"  --language L      hint language\n"
	"  --max-message-size BYTES  larger messages stream through unchanged\n" },
	{ "check",
	"usage: relayhint [-c FILE] [--rules-file FILE] [--hints-dir DIR] check\n"
	"Load the rules and every catalog and report problems.\n"
	"Exit: 0 OK, 78 a rules or catalog file that does not load.\n" },
	{ "causes",
	"usage: relayhint [-c FILE] [--rules-file FILE] [--hints-dir DIR] causes\n"
	"List every cause id and its area, one per line.\n" },
	{ NULL, NULL }
};

/* usage - the synopsis */
void
usage(FILE *fp)
{
	fputs("usage: relayhint [-c FILE] [--rules-file FILE] [--hints-dir DIR] "
	    "COMMAND ...\n"
	    "\n"
	    "  relayhint explain [--json] [--language L] [TEXT|FILE|-]\n"
	    "        classify one reply, log line, DSN or bounce\n"
	    "  relayhint bounce [--rewrite] [--postmaster] [--language L] [--json] FILE|-\n"
	    "        classify a bounce; --rewrite prints it enriched, as the milter does\n"
	    "  relayhint filter [--sender=S] [--language L] [--postmaster]\n"
	    "        [--max-message-size N]\n"
	    "        stdin to stdout, a bounce enriched, anything else unchanged;\n"
	    "        always exit 0, nothing on stderr (Exim transport_filter)\n"
	    "  relayhint scan [--json] [--follow [--alert-spool DIR] [--alert-quiet S]] [FILE...]\n"
	    "        Microsoft 365 failures in Postfix/Exim logs, once per queue id\n"
	    "  relayhint queue [--json] [--file FILE]\n"
	    "        classify Postfix's queue (postqueue -j) and summarise by cause\n"
	    "  relayhint doctor [--mta postfix|exim] [--config-dir DIR] [--json]\n"
	    "        audit the MTA's Microsoft 365 set-up (exit 0 OK, 1 WARN, 2 FAIL, 3 unchecked)\n"
	    "  relayhint probe [--server H:P] --user U (--password-file F | --password-env V |\n"
	    "        --xoauth2-token-file F | --oauth-client ID ...) [--send-to R] [--ca-file F]\n"
	    "        log in to Microsoft 365 now (exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)\n"
	    "  relayhint alert-drain [--spool DIR] [--once] (--webhook json|teams|slack,URL ... |\n"
	    "        --webhook-file F) [--secret-file F] [--ca-file F] [--allow-http] [--max-age S]\n"
	    "        post spooled alerts to webhooks\n"
	    "  relayhint migrate [--mta postfix|exim] [--to oauth|connector] [--config-dir DIR]\n"
	    "        [--mailbox A] [--tenant T] [--client-id ID] [--app-only] [--domain D]\n"
	    "        [--apply | --rollback STAMP] [--backup-dir DIR] [--no-reload]\n"
	    "        leave password logins: plan (default), apply with a backup, roll back\n"
	    "  relayhint token login|refresh [--config FILE] [--force] [--quiet]\n"
	    "        first OAuth token (device flow or client credentials), then keep it fresh\n"
	    "  relayhint check      load rules and catalogs, report problems\n"
	    "  relayhint causes     list cause ids\n"
	    "  relayhint -h | --help | -V | --version\n"
	    "\n"
	    "  -c, --config FILE    relayhint.conf (default " CONFIG_DEFAULT_PATH
	    ",\n"
	    "                       \"none\": no file); options win over the environment,\n"
	    "                       the environment over the file\n"
	    "Exit: 0 cause found / done, 1 no cause, 2 usage error, 78 bad config.\n",
	    fp);
}

/*
 * usage_cmd - one command's help on stdout; on stderr (a usage error)
 * only its synopsis and a pointer to --help, so the error stays visible
 */
void
usage_cmd(FILE *fp, const char *cmd)
{
	const char *t, *nl;
	int	 i;

	for (i = 0; help[i].cmd != NULL; i++)
		if (strcmp(help[i].cmd, cmd) == 0)
			break;
	if (help[i].cmd == NULL) {
		usage(fp);
		return;
	}
	if (fp == stdout) {
		fputs(help[i].text, fp);
		return;
	}
	for (t = help[i].text; *t == 'u' || *t == ' '; t = nl + 1) {
		if ((nl = strchr(t, '\n')) == NULL)
			break;
		fwrite(t, 1, (size_t)(nl - t) + 1, fp);
	}
	fprintf(fp, "Try 'relayhint %s --help' for more.\n", cmd);
}
