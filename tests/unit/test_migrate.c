/*
 * test_migrate.c - the text edits and the diff behind relayhint migrate
 *
 * Each edit is checked against the exact text it must produce; the diff
 * is checked by applying it back (a patch of a to b must give b) with an
 * independent reader of its own hunks, and the hidden modes must never
 * show a password.
 */
#include "testutil.h"

#include "buf.h"
#include "migrate.h"

static void
setb(struct buf *b, const char *s)
{
	buf_init(b, MIGRATE_FILE_MAX);
	buf_puts(b, s);
}

/* main.cf: replace in place (dropping continuation lines), dedupe, append */
static void
test_cf_set(void **state)
{
	static const struct {
		const char *in, *name, *value, *want;
	} t[] = {
		{ "a = 1\nrelayhost = [x]:587\nb = 2\n", "relayhost", "[y]:25",
		  "a = 1\nrelayhost = [y]:25\nb = 2\n" },
		{ "relayhost = x\n    continued\nb = 2\n", "relayhost", "y",
		  "relayhost = y\nb = 2\n" },
		{ "relayhost=x\nrelayhost = z\n", "relayhost", "y",
		  "relayhost = y\n" },
		{ "#relayhost = x\nrelayhostx = 1\n", "relayhost", "y",
		  "#relayhost = x\nrelayhostx = 1\nrelayhost = y\n" },
		{ "a = 1", "smtp_sasl_security_options", "",
		  "a = 1\nsmtp_sasl_security_options =\n" },
		{ "", "a", "b", "a = b\n" },
	};
	struct buf in, out;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		setb(&in, t[i].in);
		buf_init(&out, MIGRATE_FILE_MAX);
		assert_int_equal(migrate_cf_set(&in, t[i].name, t[i].value,
		    &out), 0);
		if (strcmp(out.data ? out.data : "", t[i].want) != 0)
			fail_msg("row %zu: got [%s], want [%s]", i, out.data,
			    t[i].want);
		buf_free(&in);
		buf_free(&out);
	}
	/* a result past the buffer's limit fails */
	setb(&in, "a = 1\n");
	buf_init(&out, 8);
	assert_int_equal(migrate_cf_set(&in, "relayhost", "[smtp]:587", &out),
	    -1);
	buf_free(&in);
	buf_free(&out);
}

static void
test_map_set(void **state)
{
	struct buf in, out;

	(void)state;
	setb(&in, "# c\n[smtp.office365.com]:587 u@x:pw\nother a:b\n");
	buf_init(&out, MIGRATE_FILE_MAX);
	assert_int_equal(migrate_map_set(&in, "[smtp.office365.com]:587",
	    "u@x:/etc/tokens/u@x", &out), 0);
	assert_string_equal(out.data, "# c\n[smtp.office365.com]:587 "
	    "u@x:/etc/tokens/u@x\nother a:b\n");
	buf_free(&in);
	setb(&in, "other a:b");
	assert_int_equal(migrate_map_set(&in, "k", "v", &out), 0);
	assert_string_equal(out.data, "other a:b\nk v\n");
	buf_free(&in);
	buf_free(&out);
}

static const char exim_in[] =
    "primary_hostname = relay\n"
    "begin routers\n"
    "smarthost:\n"
    "  driver = manualroute\n"
    "  domains = ! +local_domains\n"
    "  route_list = * smtp.office365.com::587 byname\n"
    "  transport = remote_smtp_smarthost\n"
    "begin transports\n"
    "remote_smtp_smarthost:\n"
    "  driver = smtp\n"
    "  port = 587\n"
    "  hosts_require_auth = *\n"
    "  hosts_require_tls = *\n"
    "begin authenticators\n"
    "login:\n"
    "  driver = plaintext\n"
    "  public_name = LOGIN\n"
    "  client_send = : relay@contoso.example : Sup3rSecret\n"
    "\n"
    "cram:\n"
    "  driver = cram_md5\n"
    "  public_name = CRAM-MD5\n"
    "  client_name = x\n";

static void
test_exim_auth(void **state)
{
	struct buf in, out;
	const char *auth = "xoauth2_m365:\n  driver = plaintext\n"
	    "  public_name = XOAUTH2\n  client_send = : T\n";

	(void)state;
	setb(&in, exim_in);
	buf_init(&out, MIGRATE_FILE_MAX);
	assert_int_equal(migrate_exim_auth(&in, auth, NULL, &out), 1);
	assert_non_null(strstr(out.data, "begin authenticators\n\n"
	    "xoauth2_m365:\n  driver = plaintext\n"));
	assert_non_null(strstr(out.data, "# relayhint migrate: login:\n"
	    "# relayhint migrate:   driver = plaintext\n"));
	assert_non_null(strstr(out.data, "# relayhint migrate:   client_send"));
	/* not a LOGIN/PLAIN client: kept */
	assert_non_null(strstr(out.data, "\ncram:\n  driver = cram_md5\n"));
	buf_free(&in);
	/* no authenticators section: one is added */
	setb(&in, "begin routers\nx:\n  driver = accept\n");
	assert_int_equal(migrate_exim_auth(&in, auth, NULL, &out), 0);
	assert_non_null(strstr(out.data, "\nbegin authenticators\n\n"
	    "xoauth2_m365:\n"));
	buf_free(&in);
	buf_free(&out);
}

/*
 * A second run on a migrated file changes nothing: our authenticator
 * (known by the name on AUTH's first line) is kept, not commented out
 * with a new copy above it, and the lines we commented out stay as they
 * are.  One blank line on each side of the inserted block, whatever the
 * file had after "begin authenticators"; our block ends at its last
 * option, not at the commented-out login below it, so a changed AUTH
 * (another mailbox) replaces only those lines.
 */
static void
test_exim_auth_again(void **state)
{
	static const char auth[] = "xoauth2_m365:\n  driver = plaintext\n"
	    "  public_name = XOAUTH2\n  # a comment of ours\n"
	    "  client_send = <; user=a@x\\x01auth=Bearer T\n";
	static const char auth2[] = "xoauth2_m365:\n  driver = plaintext\n"
	    "  public_name = XOAUTH2\n  # a comment of ours\n"
	    "  client_send = <; user=b@x\\x01auth=Bearer T\n";
	static const char in1[] =
	    "begin authenticators\n\n"
	    "login:\n  driver = plaintext\n  public_name = LOGIN\n"
	    "  client_send = : u : p\n\n"
	    "cram:\n  driver = cram_md5\n  client_name = x\n";
	static const char want1[] =
	    "begin authenticators\n\n"
	    "xoauth2_m365:\n  driver = plaintext\n"
	    "  public_name = XOAUTH2\n  # a comment of ours\n"
	    "  client_send = <; user=a@x\\x01auth=Bearer T\n\n"
	    "# relayhint migrate: login:\n"
	    "# relayhint migrate:   driver = plaintext\n"
	    "# relayhint migrate:   public_name = LOGIN\n"
	    "# relayhint migrate:   client_send = : u : p\n\n"
	    "cram:\n  driver = cram_md5\n  client_name = x\n";
	static const struct {
		const char *in, *want;
	} blanks[] = {
		/* no blank line after begin, none at the end */
		{ "begin authenticators\nlogin:\n  driver = plaintext\n"
		  "  public_name = LOGIN\n  client_send = : u : p\n",
		  "begin authenticators\n\nNEW\n\n# relayhint migrate: login:\n"
		  "# relayhint migrate:   driver = plaintext\n"
		  "# relayhint migrate:   public_name = LOGIN\n"
		  "# relayhint migrate:   client_send = : u : p\n" },
		/* an empty section at the end of the file */
		{ "begin authenticators\n", "begin authenticators\n\nNEW\n" },
		{ "begin authenticators\n\n", "begin authenticators\n\nNEW\n" },
		/* no section: one blank line before it, whatever was there */
		{ "x = 1\n\n", "x = 1\n\nbegin authenticators\n\nNEW\n" },
		{ "x = 1", "x = 1\n\nbegin authenticators\n\nNEW\n" },
	};
	struct buf in, out, again;
	size_t	 i;
	char	*want2, *at;

	(void)state;
	setb(&in, in1);
	buf_init(&out, MIGRATE_FILE_MAX);
	buf_init(&again, MIGRATE_FILE_MAX);
	assert_int_equal(migrate_exim_auth(&in, auth, NULL, &out), 1);
	assert_string_equal(out.data, want1);
	/* again: nothing to comment out, nothing to insert */
	assert_int_equal(migrate_exim_auth(&out, auth, NULL, &again), 0);
	assert_string_equal(again.data, want1);
	/* another mailbox: our block changes in place, the rest stays */
	assert_int_equal(migrate_exim_auth(&out, auth2, NULL, &again), 0);
	want2 = strdup(want1);
	assert_non_null(at = strstr(want2, "user=a@x"));
	at[5] = 'b';
	assert_string_equal(again.data, want2);
	free(want2);
	buf_free(&in);

	/*
	 * what two runs of the older code left: ours on top, an older copy
	 * and the login commented out below it.  Stays as it is.
	 */
	setb(&in, "begin authenticators\n\n");
	buf_puts(&in, auth);
	buf_puts(&in, "\n\n# relayhint migrate: xoauth2_m365:\n"
	    "# relayhint migrate:   driver = plaintext\n"
	    "  # a comment of ours\n"
	    "# relayhint migrate:   client_send = <; user=a@x\n\n\n"
	    "# relayhint migrate: login:\n"
	    "# relayhint migrate:   client_send = : u : p\n\n");
	assert_int_equal(migrate_exim_auth(&in, auth, NULL, &out), 0);
	assert_string_equal(out.data, in.data);
	buf_free(&in);

	/* an active second copy of ours (or any XOAUTH2 client) goes */
	setb(&in, "begin authenticators\n\n");
	buf_puts(&in, auth);
	buf_puts(&in, "\nold:\n  driver = plaintext\n  public_name = XOAUTH2\n"
	    "  client_send = : x\n");
	assert_int_equal(migrate_exim_auth(&in, auth, NULL, &out), 1);
	assert_non_null(strstr(out.data, "\n# relayhint migrate: old:\n"));
	assert_int_equal(strstr(out.data, "xoauth2_m365:") - out.data,
	    (long)strlen("begin authenticators\n\n"));
	buf_free(&in);

	/*
	 * a last blank line without its newline: ours starts a line (it was
	 * indented behind the blanks, so the next run did not find it and
	 * inserted a second copy)
	 */
	setb(&in, "begin authenticators\n   ");
	assert_int_equal(migrate_exim_auth(&in, auth, NULL, &out), 0);
	assert_non_null(strstr(out.data, "\nxoauth2_m365:\n"));
	assert_int_equal(migrate_exim_auth(&out, auth, NULL, &again), 0);
	assert_string_equal(again.data, out.data);
	buf_free(&in);

	for (i = 0; i < sizeof(blanks) / sizeof(blanks[0]); i++) {
		setb(&in, blanks[i].in);
		assert_true(migrate_exim_auth(&in, "NEW\n", NULL, &out) >= 0);
		if (strcmp(out.data, blanks[i].want) != 0)
			fail_msg("row %zu: got [%s], want [%s]", i, out.data,
			    blanks[i].want);
		buf_free(&in);
	}
	buf_free(&out);
	buf_free(&again);
}

/* exim_auth_includes - what .include pulls into the authenticators */
static void
test_exim_auth_includes(void **state)
{
	struct buf in;
	char	 files[64];

	(void)state;
	setb(&in, "begin routers\n.include /etc/exim/routers.conf\n"
	    "begin authenticators\n.include /etc/exim/auth-login.conf\n"
	    "  .include_if_exists /etc/exim/auth-more.conf\n"
	    ".includex /not/a/directive\n# .include /a/comment\n"
	    "begin transports\n.include /etc/exim/transports.conf\n");
	assert_int_equal(migrate_exim_auth_includes(&in, files,
	    sizeof(files)), 2);
	assert_string_equal(files,
	    "/etc/exim/auth-login.conf /etc/exim/auth-more.conf");
	buf_free(&in);
	/* cut at the room given, still counted */
	setb(&in, "begin authenticators\n.include /a\n.include /bb\n");
	assert_int_equal(migrate_exim_auth_includes(&in, files, 4), 2);
	assert_string_equal(files, "/a");
	buf_free(&in);
}

/*
 * exim_mailbox - the mailbox our authenticator logs in as, from its
 * client_send (user=...): a migrated file has no LOGIN client left to
 * read it from.  Only the named authenticator, not commented out.
 */
static void
test_exim_mailbox(void **state)
{
	static const struct {
		const char *in;
		int	 rc;
		const char *want;
	} t[] = {
		{ "begin authenticators\nxoauth2_m365:\n  driver = plaintext\n"
		  "  client_send = <; user=relay@contoso.example\\x01auth=Bearer "
		  "${readfile{/etc/exim4/t}{}}\\x01\\x01 ; ${if bool{true}{}}\n",
		  1, "relay@contoso.example" },
		/* '^' is how an older file may write the separator */
		{ "begin authenticators\nxoauth2_m365 :\n"
		  "  client_send = ^user=a@b^auth=Bearer x^^\n", 1, "a@b" },
		/* commented out, another name, another section: none */
		{ "begin authenticators\n# relayhint migrate: xoauth2_m365:\n"
		  "# relayhint migrate:   client_send = <; user=a@b\\x01\n", 0, "" },
		{ "begin authenticators\nother:\n  client_send = <; user=a@b\\x01\n",
		  0, "" },
		{ "begin transports\nxoauth2_m365:\n  client_send = <; user=a@b\\x01\n",
		  0, "" },
		/* no user= or an empty one */
		{ "begin authenticators\nxoauth2_m365:\n  client_send = : u : p\n",
		  0, "" },
		{ "begin authenticators\nxoauth2_m365:\n  client_send = <; user=\\x01\n",
		  0, "" },
	};
	struct buf in;
	char	 mb[64];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		setb(&in, t[i].in);
		if (migrate_exim_mailbox(&in, "xoauth2_m365", mb, sizeof(mb)) !=
		    t[i].rc || strcmp(mb, t[i].want) != 0)
			fail_msg("row %zu: got [%s], want [%s]", i, mb, t[i].want);
		buf_free(&in);
	}
	/* too long for the buffer: none, not a cut address */
	setb(&in, t[0].in);
	assert_int_equal(migrate_exim_mailbox(&in, "xoauth2_m365", mb, 8), 0);
	assert_string_equal(mb, "");
	buf_free(&in);
}

/*
 * The plan's CHECK tells the admin to restore a LOGIN/PLAIN client that
 * other transports need with client_condition = ${if !eq{$host}{HOST}}:
 * a later run keeps it.  A condition that leaves Microsoft in (another
 * host, or eq instead of !eq) does not keep it away from Microsoft.
 */
static void
test_exim_auth_restored(void **state)
{
	static const char auth[] = "xoauth2_m365:\n  driver = plaintext\n"
	    "  public_name = XOAUTH2\n  client_send = <; user=a@x\\x01\n";
	static const struct {
		const char *cond;
		int	 kept;
	} t[] = {
		{ "${if !eq{$host}{smtp.office365.com}}", 1 },
		{ "${if !eq {$host} {smtp.office365.com} }", 1 },
		{ "${if !eq{$host}\\\n    {smtp.office365.com}}", 1 },
		{ "${if !eqi{$host}{SMTP.Office365.com}}", 1 },
		/* Exim's eq is case-sensitive: Microsoft is let in */
		{ "${if !eq{$host}{SMTP.Office365.com}}", 0 },
		{ "${if or{{!eq{$host}{smtp.office365.com}}{true}}}", 0 },
		{ "${if !eq{$host}{mail.partner.example}}", 0 },
		{ "${if eq{$host}{smtp.office365.com}}", 0 },
		{ "${if !eq{$tls_out_cipher}{}}", 0 },
	};
	struct buf in, out;
	size_t	 i;

	(void)state;
	buf_init(&out, MIGRATE_FILE_MAX);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		setb(&in, "begin authenticators\n\n");
		buf_puts(&in, auth);
		buf_printf(&in, "\nlogin:\n  driver = plaintext\n"
		    "  public_name = LOGIN\n  client_condition = %s\n"
		    "  client_send = : u : p\n", t[i].cond);
		if (migrate_exim_auth(&in, auth, "smtp.office365.com", &out) !=
		    !t[i].kept || (strcmp(out.data, in.data) == 0) != t[i].kept)
			fail_msg("row %zu: got [%s]", i, out.data);
		buf_free(&in);
	}
	buf_free(&out);
}

/* Debian conf.d/auth: a fragment of the section, only commented out */
static void
test_exim_auth_fragment(void **state)
{
	struct buf in, out;
	const char *frag = "cram_md5:\n  driver = cram_md5\n"
	    "  client_name = x\n\n"
	    "plain:\n  driver = plaintext\n  public_name = PLAIN\n"
	    ".ifndef AUTH_CLIENT_ALLOW_NOTLS_PASSWORDS\n"
	    "  client_send = \"<; ^a\\\n\t\t ^b\"\n.endif\n\n"
	    "login:\n  driver = plaintext\n  public_name = LOGIN\n"
	    "  # a comment\n  client_send = : u : p\n";
	const char *want = "cram_md5:\n  driver = cram_md5\n"
	    "  client_name = x\n\n"
	    "# relayhint migrate: plain:\n"
	    "# relayhint migrate:   driver = plaintext\n"
	    "# relayhint migrate:   public_name = PLAIN\n"
	    ".ifndef AUTH_CLIENT_ALLOW_NOTLS_PASSWORDS\n"
	    "# relayhint migrate:   client_send = \"<; ^a\\\n"
	    "# relayhint migrate: \t\t ^b\"\n"
	    ".endif\n\n"
	    "# relayhint migrate: login:\n"
	    "# relayhint migrate:   driver = plaintext\n"
	    "# relayhint migrate:   public_name = LOGIN\n"
	    "  # a comment\n"
	    "# relayhint migrate:   client_send = : u : p\n";

	(void)state;
	setb(&in, frag);
	buf_init(&out, MIGRATE_FILE_MAX);
	assert_int_equal(migrate_exim_auth(&in, NULL, NULL, &out), 2);
	assert_string_equal(out.data, want);
	assert_null(strstr(out.data, "begin"));
	buf_free(&in);
	buf_free(&out);
}

/* update-exim4.conf.conf: NAME='VALUE' replaced once, or appended */
static void
test_sh_set(void **state)
{
	static const struct {
		const char *in, *want;
	} t[] = {
		{ "dc_a='1'\ndc_smarthost='smtp.office365.com::587'\ndc_b='2'\n",
		  "dc_a='1'\ndc_smarthost='x::25'\ndc_b='2'\n" },
		{ "dc_smarthost='a'\ndc_smarthost='b'\n", "dc_smarthost='x::25'\n" },
		/* a longer name is not this one; a missing last newline is added */
		{ "dc_smarthost_x='a'", "dc_smarthost_x='a'\ndc_smarthost='x::25'\n" },
		{ "", "dc_smarthost='x::25'\n" },
	};
	struct buf in, out;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		setb(&in, t[i].in);
		buf_init(&out, MIGRATE_FILE_MAX);
		assert_int_equal(migrate_sh_set(&in, "dc_smarthost", "'x::25'",
		    &out), 0);
		assert_string_equal(out.data, t[i].want);
		buf_free(&in);
		buf_free(&out);
	}
}

static void
test_exim_connector(void **state)
{
	struct buf in, out;
	int	 n;

	(void)state;
	setb(&in, exim_in);
	buf_init(&out, MIGRATE_FILE_MAX);
	n = migrate_exim_connector(&in, "smtp.office365.com",
	    "contoso-example.mail.protection.outlook.com", &out);
	assert_int_equal(n, 3);
	assert_non_null(strstr(out.data, "  route_list = * contoso-example."
	    "mail.protection.outlook.com byname\n"));
	assert_non_null(strstr(out.data, "  port = 25\n"));
	assert_non_null(strstr(out.data, "# relayhint migrate:   "
	    "hosts_require_auth = *\n"));
	assert_null(strstr(out.data, "587"));
	buf_free(&in);
	buf_free(&out);
}

/*
 * --to connector: an option continued over several lines is commented
 * out whole (Debian's hosts_try_auth with its ${if exists...}); only the
 * transport of the router to Microsoft changes, not one to another
 * smarthost; and when no router names the host literally (a macro), a
 * router picks its transport with an expansion, or another router
 * shares the transport, nothing is changed: MIGRATE_EXIM_BYHAND
 */
static void
test_exim_connector_scope(void **state)
{
	static const char two[] =
	    "begin routers\n"
	    "partner:\n  driver = manualroute\n  transport = partner_smtp\n"
	    "  route_list = * mail.partner.example::587 byname\n"
	    "smarthost :\n  driver = manualroute\n  transport = m365_smtp\n"
	    "  route_list = * smtp.office365.com::587 byname\n"
	    "begin transports\n"
	    "partner_smtp:\n  driver = smtp\n  port = 587\n"
	    "  hosts_try_auth = mail.partner.example\n"
	    "m365_smtp:\n  driver = smtp\n  port = 587\n"
	    "  hosts_try_auth = <; ${if exists{/etc/p} \\\n"
	    "# a comment in the middle\n"
	    "        {${lookup{$host}nwildlsearch{/etc/p} \\\n"
	    "        {$host_address}}}{}}\n"
	    "  hosts_require_tls = *\n";
	static const char want[] =
	    "begin routers\n"
	    "partner:\n  driver = manualroute\n  transport = partner_smtp\n"
	    "  route_list = * mail.partner.example::587 byname\n"
	    "smarthost :\n  driver = manualroute\n  transport = m365_smtp\n"
	    "  route_list = * c.mail.protection.outlook.com byname\n"
	    "begin transports\n"
	    "partner_smtp:\n  driver = smtp\n  port = 587\n"
	    "  hosts_try_auth = mail.partner.example\n"
	    "m365_smtp:\n  driver = smtp\n  port = 25\n"
	    "# relayhint migrate:   hosts_try_auth = <; ${if exists{/etc/p} \\\n"
	    "# relayhint migrate: # a comment in the middle\n"
	    "# relayhint migrate:         {${lookup{$host}nwildlsearch{/etc/p} "
	    "\\\n"
	    "# relayhint migrate:         {$host_address}}}{}}\n"
	    "  hosts_require_tls = *\n";
	static const char *const byhand[] = {
		/* the host through a macro */
		"SMARTHOST = smtp.office365.com::587\nbegin routers\n"
		"s:\n  driver = manualroute\n  transport = t\n"
		"  route_list = * SMARTHOST byname\n"
		"begin transports\nt:\n  driver = smtp\n  hosts_try_auth = *\n",
		/* the transport through an expansion */
		"begin routers\ns:\n  driver = manualroute\n"
		"  transport = ${if eq{$domain}{x}{a}{t}}\n"
		"  route_list = * smtp.office365.com::587 byname\n"
		"begin transports\nt:\n  driver = smtp\n  hosts_try_auth = *\n",
		/* a router to another host shares the transport */
		"begin routers\np:\n  driver = manualroute\n  transport = t\n"
		"  route_list = * mail.partner.example byname\n"
		"s:\n  driver = manualroute\n  transport = t\n"
		"  route_list = * smtp.office365.com::587 byname\n"
		"begin transports\nt:\n  driver = smtp\n  hosts_try_auth = *\n",
	};
	struct buf in, out;
	size_t	 i;

	(void)state;
	setb(&in, two);
	buf_init(&out, MIGRATE_FILE_MAX);
	assert_int_equal(migrate_exim_connector(&in, "smtp.office365.com",
	    "c.mail.protection.outlook.com", &out), 3);
	assert_string_equal(out.data, want);
	buf_free(&in);
	for (i = 0; i < sizeof(byhand) / sizeof(byhand[0]); i++) {
		setb(&in, byhand[i]);
		if (migrate_exim_connector(&in, "smtp.office365.com",
		    "c.mail.protection.outlook.com", &out) != MIGRATE_EXIM_BYHAND)
			fail_msg("row %zu: changed [%s]", i, out.data);
		assert_int_equal(out.len, 0);
		buf_free(&in);
	}
	buf_free(&out);
}

/*
 * Authenticators: a directive (.ifdef/.endif) is never commented out,
 * as the .endif may close an .ifdef before the block; one that also
 * serves (server_*) loses only its client_send, with its continuation
 * lines; without public_name the instance name is the one offered, and
 * "name :" starts a driver too
 */
static void
test_exim_auth_wrappers(void **state)
{
	static const char in1[] =
	    "begin authenticators\n"
	    ".ifdef USE_LOGIN\n"
	    "login:\n  driver = plaintext\n  public_name = LOGIN\n"
	    "  client_send = : u : p\n"
	    ".endif\n"
	    "fixed_plain:\n  driver = plaintext\n  public_name = PLAIN\n"
	    "  server_prompts = :\n"
	    "  server_condition = ${if eq{$auth2}{app}}\n"
	    "  client_send = ^relay@contoso.example \\\n"
	    "      ^Pw\n"
	    "  server_set_id = $auth2\n"
	    "plain :\n  driver = plaintext\n  client_send = ^u^p\n"
	    "cram:\n  driver = cram_md5\n  client_name = x\n"
	    "  client_secret = y\n";
	static const char want[] =
	    "begin authenticators\n\nNEW\n\n"
	    ".ifdef USE_LOGIN\n"
	    "# relayhint migrate: login:\n"
	    "# relayhint migrate:   driver = plaintext\n"
	    "# relayhint migrate:   public_name = LOGIN\n"
	    "# relayhint migrate:   client_send = : u : p\n"
	    ".endif\n"
	    "fixed_plain:\n  driver = plaintext\n  public_name = PLAIN\n"
	    "  server_prompts = :\n"
	    "  server_condition = ${if eq{$auth2}{app}}\n"
	    "# relayhint migrate:   client_send = ^relay@contoso.example \\\n"
	    "# relayhint migrate:       ^Pw\n"
	    "  server_set_id = $auth2\n"
	    "# relayhint migrate: plain :\n"
	    "# relayhint migrate:   driver = plaintext\n"
	    "# relayhint migrate:   client_send = ^u^p\n"
	    "cram:\n  driver = cram_md5\n  client_name = x\n"
	    "  client_secret = y\n";
	struct buf in, out;

	(void)state;
	setb(&in, in1);
	buf_init(&out, MIGRATE_FILE_MAX);
	assert_int_equal(migrate_exim_auth(&in, "NEW\n", NULL, &out), 3);
	assert_string_equal(out.data, want);
	buf_free(&in);
	buf_free(&out);
}

/*
 * hosts_try_auth becomes hosts_require_auth: in Debian's own
 * remote_smtp_smarthost piece (the value goes on over continuation
 * lines, which stay), in a whole file only inside smtp transports that
 * have no hosts_require_auth yet; a second run changes nothing
 */
static void
test_exim_require_auth(void **state)
{
	static const char deb[] =
	    "remote_smtp_smarthost:\n"
	    "  driver = smtp\n"
	    "  multi_domain\n"
	    "  hosts_try_auth = <; ${if exists{CONFDIR/passwd.client} \\\n"
	    "        {\\\n"
	    "        ${lookup{$host}nwildlsearch{CONFDIR/passwd.client}"
	    "{$host_address}}\\\n"
	    "        }\\\n"
	    "        {} \\\n"
	    "      }\n"
	    ".ifdef REMOTE_SMTP_SMARTHOST_HOSTS_REQUIRE_TLS\n"
	    "  hosts_require_tls = REMOTE_SMTP_SMARTHOST_HOSTS_REQUIRE_TLS\n"
	    ".endif\n";
	static const char whole[] =
	    "begin routers\n"
	    "dnslookup:\n  driver = dnslookup\n  transport = remote_smtp\n"
	    "smarthost:\n  driver = manualroute\n  transport = a\n"
	    "  route_list = * smtp.office365.com::587 byname\n"
	    "begin transports\n"
	    "remote_smtp:\n  driver = smtp\n  hosts_try_auth = *\n"
	    "a:\n  driver = smtp\n  hosts_try_auth = *\n"
	    "b:\n  driver = smtp\n  hosts_try_auth = *\n"
	    "  hosts_require_auth = m365\n"
	    "begin authenticators\n";
	struct buf in, out, again;
	const char *p;
	char	 t[32];

	(void)state;
	setb(&in, deb);
	buf_init(&out, MIGRATE_FILE_MAX);
	assert_int_equal(migrate_exim_require_auth(&in, NULL, &out), 1);
	p = strstr(out.data, "  hosts_require_auth = <; ${if exists{CONFDIR/"
	    "passwd.client} \\\n        {\\\n");
	assert_non_null(p);
	assert_null(strstr(out.data, "  hosts_try_auth"));
	/* the comment is the line before, and nothing else moved */
	assert_true(p > out.data && p[-1] == '\n');
	assert_int_equal(out.len, in.len + (size_t)(strstr(out.data,
	    "  hosts_require_auth") - strstr(out.data, "# relayhint migrate:"))
	    + strlen("hosts_require_auth") - strlen("hosts_try_auth"));
	buf_init(&again, MIGRATE_FILE_MAX);
	assert_int_equal(migrate_exim_require_auth(&out, NULL, &again), 0);
	assert_string_equal(again.data, out.data);
	buf_free(&in);
	buf_free(&out);
	buf_free(&again);

	/*
	 * a whole file: only the transport of the router that goes to
	 * Microsoft changes; remote_smtp delivers to any MX, which may offer
	 * no AUTH, and b already requires it
	 */
	setb(&in, whole);
	assert_int_equal(migrate_exim_transport(&in, "smtp.office365.com", t,
	    sizeof(t)), 1);
	assert_string_equal(t, "a");
	assert_int_equal(migrate_exim_transport(&in, "smtp-legacy.office365."
	    "com", t, sizeof(t)), 0);
	buf_init(&out, MIGRATE_FILE_MAX);
	assert_int_equal(migrate_exim_require_auth(&in, "a", &out), 1);
	assert_non_null(strstr(out.data, "a:\n  driver = smtp\n# relayhint "
	    "migrate: "));
	assert_non_null(strstr(out.data, "\n  hosts_require_auth = *\nb:\n"));
	assert_non_null(strstr(out.data, "remote_smtp:\n  driver = smtp\n"
	    "  hosts_try_auth = *\n"));
	assert_non_null(strstr(out.data, "b:\n  driver = smtp\n  hosts_try_auth"
	    " = *\n  hosts_require_auth = m365\n"));
	buf_free(&out);
	/* a transport named like the start of another is not that one */
	buf_init(&out, MIGRATE_FILE_MAX);
	assert_int_equal(migrate_exim_require_auth(&in, "remote", &out), 0);
	assert_string_equal(out.data, in.data);
	buf_free(&in);
	buf_free(&out);
}

/*
 * apply_diff - apply a unified diff (as migrate_diff writes it) to a;
 * an independent reading of the hunk headers and lines
 */
static char *
apply_diff(const char *a, const char *diff)
{
	const char *al[512], *p, *nl;
	size_t	 alen[512];
	char	*out = calloc(1, 65536);
	int	 na = 0, ai = 0, sa, ca, sb, cb;

	for (p = a; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		assert_non_null(nl);
		al[na] = p;
		alen[na++] = (size_t)(nl - p) + 1;
	}
	for (p = diff; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (strncmp(p, "@@ ", 3) == 0) {
			assert_int_equal(sscanf(p, "@@ -%d,%d +%d,%d @@", &sa,
			    &ca, &sb, &cb), 4);
			for (; ai < sa - 1 + (ca == 0); ai++)
				strncat(out, al[ai], alen[ai]);
		} else if (strncmp(p, "--- ", 4) == 0 && ai == 0 &&
		    out[0] == '\0') {
			continue;	/* the header */
		} else if (*p == ' ' || *p == '-') {
			if (strncmp(p + 1, al[ai], alen[ai]) != 0)
				fail_msg("context mismatch at line %d", ai + 1);
			if (*p == ' ')
				strncat(out, al[ai], alen[ai]);
			ai++;
		} else if (*p == '+' && strncmp(p, "+++ ", 4) != 0)
			strncat(out, p + 1, (size_t)(nl - p));
	}
	for (; ai < na; ai++)
		strncat(out, al[ai], alen[ai]);
	return (out);
}

static void
test_diff_roundtrip(void **state)
{
	static const struct {
		const char *a, *b;
		int	 changed;
	} t[] = {
		{ "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n",
		  "1\n2\nX\n4\n5\n6\n7\n8\n9\n10\n11\nY\n", 4 },
		{ "a\nb\n", "a\nb\nc\n", 1 },
		{ "a\nb\nc\n", "b\nc\n", 1 },
		{ "", "new\n", 1 },
		{ "x\ny\nz\n", "x\ny\nz\n", 0 },
		{ "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n", "a\nB\nc\nd\ne\nf\ng\nH\ni\nj\n", 4 },
	};
	struct buf a, b, d;
	char	*got;
	size_t	 i;
	int	 n;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		setb(&a, t[i].a);
		setb(&b, t[i].b);
		buf_init(&d, MIGRATE_FILE_MAX);
		n = migrate_diff("/etc/x", &a, &b, MIGRATE_HIDE_NONE, &d);
		if (n != t[i].changed)
			fail_msg("row %zu: got %d changed lines, want %d:\n%s",
			    i, n, t[i].changed, d.data ? d.data : "");
		if (n > 0) {
			assert_non_null(strstr(d.data, "\n+++ /etc/x (relayhint migrate)\n"));
			got = apply_diff(t[i].a, d.data);
			if (strcmp(got, t[i].b) != 0)
				fail_msg("row %zu: patch gives [%s], want [%s]\n"
				    "%s", i, got, t[i].b, d.data);
			free(got);
		} else
			assert_int_equal(d.len, 0);
		buf_free(&a);
		buf_free(&b);
		buf_free(&d);
	}
}

/* the hidden modes never show the password */
static void
test_diff_hides(void **state)
{
	struct buf a, b, d;

	(void)state;
	setb(&a, "[smtp.office365.com]:587 relay@contoso.example:Sup3rSecret\n");
	setb(&b, "[smtp.office365.com]:587 relay@contoso.example:/etc/tokens/"
	    "relay@contoso.example\n");
	buf_init(&d, MIGRATE_FILE_MAX);
	assert_int_equal(migrate_diff("m", &a, &b, MIGRATE_HIDE_MAP, &d), 2);
	assert_null(strstr(d.data, "Sup3rSecret"));
	assert_non_null(strstr(d.data, "-[smtp.office365.com]:587 "
	    "relay@contoso.example:********\n"));
	buf_free(&a);
	buf_free(&b);
	buf_reset(&d);
	setb(&a, exim_in);
	setb(&b, "");
	assert_true(migrate_diff("e", &a, &b, MIGRATE_HIDE_EXIM, &d) > 0);
	assert_null(strstr(d.data, "Sup3rSecret"));
	assert_non_null(strstr(d.data, "-  client_send = ********\n"));
	assert_non_null(strstr(d.data, "-  public_name = LOGIN\n"));
	buf_free(&a);
	buf_free(&b);
	buf_reset(&d);
	setb(&a, "smtp_sasl_password_maps = inline:{ k=u:Pw0rd }\n");
	setb(&b, "x = 1\n");
	assert_int_equal(migrate_diff("m", &a, &b, MIGRATE_HIDE_EXIM, &d), 2);
	assert_null(strstr(d.data, "Pw0rd"));
	buf_free(&a);
	buf_free(&b);
	buf_free(&d);
}

/*
 * A password on a continuation line of client_send (Exim: a line ending
 * in a backslash goes on; comment lines in between do not stop it), or
 * of a main.cf parameter (lines starting with white space), is hidden
 * too: in the old lines, in context, and in the commented-out copy
 * migrate_exim_auth writes.  The option after it is shown again.
 */
static void
test_diff_hides_continued(void **state)
{
	static const char conf[] =
	    "begin authenticators\n\n"
	    "login:\n  driver = plaintext\n  public_name = LOGIN\n"
	    "  client_send = : relay@contoso.example \\\n"
	    "                : Sup3rSecretPW\n"
	    "plain:\n  driver = plaintext\n  public_name = PLAIN\n"
	    "  client_send = ^relay@contoso.example \\  \n"
	    "# a comment inside the run\n"
	    "    ^Sec0nd\\\n"
	    "    PwTail\n"
	    "  client_condition = yes\n";
	struct buf a, b, d;

	(void)state;
	setb(&a, conf);
	buf_init(&b, MIGRATE_FILE_MAX);
	buf_init(&d, MIGRATE_FILE_MAX);
	assert_int_equal(migrate_exim_auth(&a, "x:\n  driver = plaintext\n",
	    NULL, &b), 2);
	assert_true(migrate_diff("e", &a, &b, MIGRATE_HIDE_EXIM, &d) > 0);
	assert_null(strstr(d.data, "Sup3rSecretPW"));
	assert_null(strstr(d.data, "Sec0nd"));
	assert_null(strstr(d.data, "PwTail"));
	assert_non_null(strstr(d.data, "-                ********\n"));
	assert_non_null(strstr(d.data, "+# relayhint migrate:"
	    "                 ********\n"));
	assert_non_null(strstr(d.data, "client_condition = yes"));
	buf_reset(&d);
	/* the same text only as context, around an unrelated change */
	buf_reset(&b);
	buf_puts(&b, conf);
	buf_puts(&b, "x:\n");
	assert_true(migrate_diff("e", &a, &b, MIGRATE_HIDE_EXIM, &d) > 0);
	assert_null(strstr(d.data, "PwTail"));
	buf_free(&a);
	buf_reset(&b);
	buf_reset(&d);
	setb(&a, "smtp_sasl_password_maps =\n    static:relay:Pw0rdCont\n"
	    "relayhost = [x]:587\n");
	buf_puts(&b, "relayhost = [y]:25\n");
	assert_true(migrate_diff("m", &a, &b, MIGRATE_HIDE_EXIM, &d) > 0);
	assert_null(strstr(d.data, "Pw0rdCont"));
	assert_non_null(strstr(d.data, "-relayhost = [x]:587\n"));
	buf_free(&a);
	buf_free(&b);
	buf_free(&d);
}

static void
test_tenant_host(void **state)
{
	char	 h[128];

	(void)state;
	assert_int_equal(migrate_tenant_host("Contoso.Example", h, sizeof(h)), 0);
	assert_string_equal(h, "contoso-example.mail.protection.outlook.com");
	assert_int_equal(migrate_tenant_host("a-b.c.d", h, sizeof(h)), 0);
	assert_string_equal(h, "a-b-c-d.mail.protection.outlook.com");
	/* must reject */
	assert_int_equal(migrate_tenant_host("", h, sizeof(h)), -1);
	assert_int_equal(migrate_tenant_host("x y", h, sizeof(h)), -1);
	assert_int_equal(migrate_tenant_host("evil\n.com", h, sizeof(h)), -1);
	assert_int_equal(migrate_tenant_host("contoso.example", h, 20), -1);
}

/*
 * exim_auth_others - the other smtp transports that log in are named, so
 * that the plan can say their LOGIN/PLAIN authenticators went too
 */
static void
test_exim_auth_others(void **state)
{
	static const char conf[] =
	    "begin routers\n"
	    "smarthost:\n  driver = manualroute\n  transport = m365_smtp\n"
	    "  route_list = * smtp.office365.com::587 byname\n"
	    "begin transports\n"
	    "remote_smtp:\n  driver = smtp\n"
	    "partner_smtp :\n  driver = smtp\n  port = 587\n"
	    "  hosts_try_auth = mail.partner.example\n"
	    "m365_smtp:\n  driver = smtp\n  hosts_try_auth = *\n"
	    "lmtp_pipe:\n  driver = pipe\n  hosts_try_auth = *\n"
	    "other_smtp:\n  driver = smtp\n  hosts_require_auth = <; a ; \\\n"
	    "    b\n"
	    "begin authenticators\n"
	    "login:\n  driver = plaintext\n  public_name = LOGIN\n";
	struct buf in;
	char	 names[64];

	(void)state;
	buf_init(&in, 1 << 16);
	buf_puts(&in, conf);
	assert_int_equal(migrate_exim_auth_others(&in, "m365_smtp", names,
	    sizeof(names)), 2);
	assert_string_equal(names, "partner_smtp other_smtp");
	assert_int_equal(migrate_exim_auth_others(&in, NULL, names,
	    sizeof(names)), 3);
	assert_string_equal(names, "partner_smtp m365_smtp other_smtp");
	/* names cut at the buffer, the count whole */
	assert_int_equal(migrate_exim_auth_others(&in, NULL, names, 20), 3);
	assert_string_equal(names, "partner_smtp");
	buf_reset(&in);
	buf_puts(&in, "begin transports\nm365_smtp:\n  driver = smtp\n"
	    "  hosts_try_auth = *\n");
	assert_int_equal(migrate_exim_auth_others(&in, "m365_smtp", names,
	    sizeof(names)), 0);
	assert_string_equal(names, "");
	buf_free(&in);
}

/*
 * exim_try_auth - what the NOT DONE step of the plan shows: the
 * hosts_try_auth option of the transport to Microsoft as written (a
 * macro name, continuation lines and a comment among them included), or
 * with no transport known the names of the smtp transports that try AUTH
 * without requiring it
 */
static void
test_exim_try_auth(void **state)
{
	static const char conf[] =
	    "SMARTHOST = smtp.office365.com::587\n"
	    "AUTH_HOSTS = *\n"
	    "begin routers\n"
	    "smarthost:\n  driver = manualroute\n  transport = m365_smtp\n"
	    "  route_list = * SMARTHOST byname\n"
	    "begin transports\n"
	    "remote_smtp:\n  driver = smtp\n"
	    "m365_smtp:\n  driver = smtp\n  port = 587\n"
	    "  hosts_try_auth = <; ${if exists{/etc/p} \\\n"
	    "# a comment in the middle\n"
	    "        {$host_address}{}}\n"
	    "  hosts_require_tls = *\n"
	    "macro_smtp :\n  driver = smtp\n  hosts_try_auth = AUTH_HOSTS\n"
	    "done_smtp:\n  driver = smtp\n  hosts_try_auth = *\n"
	    "  hosts_require_auth = *\n"
	    "lmtp:\n  driver = lmtp\n  hosts_try_auth = *\n"
	    "begin authenticators\n";
	struct buf in, out;
	char	 names[64];

	(void)state;
	setb(&in, conf);
	buf_init(&out, MIGRATE_FILE_MAX);
	assert_int_equal(migrate_exim_try_auth(&in, "m365_smtp", names,
	    sizeof(names), &out), 1);
	assert_string_equal(names, "m365_smtp");
	assert_string_equal(out.data, "  hosts_try_auth = <; ${if exists{/etc/p} "
	    "\\\n# a comment in the middle\n        {$host_address}{}}\n");
	buf_reset(&out);
	assert_int_equal(migrate_exim_try_auth(&in, "macro_smtp", names,
	    sizeof(names), &out), 1);
	assert_string_equal(out.data, "  hosts_try_auth = AUTH_HOSTS\n");
	/* requires AUTH already, not smtp, not there: none */
	buf_reset(&out);
	assert_int_equal(migrate_exim_try_auth(&in, "done_smtp", names,
	    sizeof(names), &out), 0);
	assert_int_equal(migrate_exim_try_auth(&in, "lmtp", names,
	    sizeof(names), &out), 0);
	assert_int_equal(migrate_exim_try_auth(&in, "m365", names,
	    sizeof(names), &out), 0);
	assert_int_equal(out.len, 0);
	assert_string_equal(names, "");
	/* every smtp transport that tries AUTH without requiring it */
	assert_int_equal(migrate_exim_try_auth(&in, NULL, names,
	    sizeof(names), &out), 2);
	assert_string_equal(names, "m365_smtp macro_smtp");
	buf_free(&in);
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cf_set),
		cmocka_unit_test(test_map_set),
		cmocka_unit_test(test_exim_auth),
		cmocka_unit_test(test_exim_auth_again),
		cmocka_unit_test(test_exim_auth_includes),
		cmocka_unit_test(test_exim_mailbox),
		cmocka_unit_test(test_exim_auth_restored),
		cmocka_unit_test(test_exim_auth_fragment),
		cmocka_unit_test(test_sh_set),
		cmocka_unit_test(test_exim_connector),
		cmocka_unit_test(test_exim_connector_scope),
		cmocka_unit_test(test_exim_auth_wrappers),
		cmocka_unit_test(test_exim_require_auth),
		cmocka_unit_test(test_exim_auth_others),
		cmocka_unit_test(test_exim_try_auth),
		cmocka_unit_test(test_diff_roundtrip),
		cmocka_unit_test(test_diff_hides),
		cmocka_unit_test(test_diff_hides_continued),
		cmocka_unit_test(test_tenant_host),
	};

	return (cmocka_run_group_tests_name("test_migrate", tests, NULL, NULL));
}
