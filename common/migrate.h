/*
 * migrate.h - the text edits and diffs behind relayhint migrate
 *
 * relayhint migrate moves a relay from a password login on
 * smtp.office365.com to OAuth 2.0 (XOAUTH2) or to a connector.  The
 * pieces that only transform text live here, so that the unit tests run
 * them without an MTA: setting a main.cf parameter the way postconf -e
 * does, replacing one password-map entry, editing an Exim configuration
 * (a new XOAUTH2 authenticator, the old LOGIN/PLAIN client authenticators
 * commented out, the smarthost and port of a connector), and the unified
 * diff the plan prints.  The diff can hide the value column of map files,
 * so that a password never reaches the plan.
 */
#ifndef RH_MIGRATE_H
#define RH_MIGRATE_H

#include <stddef.h>

struct buf;

#define MIGRATE_FILE_MAX	(1024 * 1024)	/* a configuration file */
#define MIGRATE_DIFF_LINES	20000		/* lines per side, for the diff */

/*
 * migrate_cf_set - set NAME = VALUE in main.cf text: replace the first
 * definition (and its continuation lines) in place, or append one line.
 * 0, or -1 when the result does not fit (out's limit).
 */
int	migrate_cf_set(const struct buf *in, const char *name,
	    const char *value, struct buf *out);

/*
 * migrate_map_set - replace the entry for KEY in a Postfix lookup table
 * source ("key value" lines), or append it; 0, or -1 on overflow
 */
int	migrate_map_set(const struct buf *in, const char *key,
	    const char *value, struct buf *out);

/*
 * migrate_exim_auth - Exim: comment out every client authenticator whose
 * public_name (without one, its name) is LOGIN or PLAIN (or XOAUTH2: an
 * older one of ours) and insert AUTH (a whole authenticator definition)
 * at the top of the authenticators section, creating the section when
 * there is none.  Directive lines (.ifdef, .endif...) stay as they are;
 * an authenticator that also serves (a server_* option) loses only its
 * client_send, continuation lines included.
 * With AUTH NULL, IN is a piece of the authenticators section (a file
 * of Debian's conf.d/auth/): only the commenting out.
 * The authenticator named on AUTH's first line, when IN has it (a run
 * before), is ours: kept when it is AUTH, else replaced in place, and no
 * copy is inserted, so a second run changes nothing.  With HOST (the
 * relay host), a client whose client_condition has ${if !eq{$host}{HOST}}
 * (restored for other transports, as the plan's CHECK says) is kept.
 * Returns the number of client authenticators commented out (or that
 * lost their client_send), or -1 on overflow.
 */
int	migrate_exim_auth(const struct buf *in, const char *auth,
	    const char *host, struct buf *out);

/*
 * migrate_exim_mailbox - the mailbox the authenticator NAME (ours, from
 * a run before) logs in as: the user= of its client_send, into mailbox.
 * 1, 0 when there is none (or it does not fit), -1 on overflow.
 */
int	migrate_exim_mailbox(const struct buf *in, const char *name,
	    char *mailbox, size_t len);

/*
 * migrate_exim_connector - Exim: in every manualroute router whose
 * route_list or route_data names HOST_OLD, put HOST_NEW instead; in the
 * smtp transports of those routers (and no other: a transport to another
 * smarthost keeps its AUTH), set port = 25 where the port is 587, comment
 * out hosts_require_auth and hosts_try_auth with all their continuation
 * lines (a connector takes no AUTH) and make sure hosts_require_tls = *
 * is set.  Returns the number of lines changed, -1 on overflow, or
 * MIGRATE_EXIM_BYHAND (nothing changed) when no router names HOST_OLD
 * literally (a macro, an expansion), one that does picks its transport
 * with an expansion, or a router to other hosts shares the transport.
 */
#define MIGRATE_EXIM_BYHAND	(-2)

int	migrate_exim_connector(const struct buf *in, const char *host_old,
	    const char *host_new, struct buf *out);

/*
 * migrate_exim_transport - the transport of the first router whose
 * route_list or route_data names HOST, into NAME: 1, 0 when none does
 * (or it picks its transport with an expansion), -1 on overflow
 */
int	migrate_exim_transport(const struct buf *in, const char *host,
	    char *name, size_t len);

/*
 * migrate_exim_macro - the first macro of the main section (NAME = ...
 * before any "begin") whose value names HOST, into NAME: 1, 0 when none
 * does, -1 on overflow.  With migrate_exim_transport on that name, the
 * transport of a router that names the host through the macro.
 */
int	migrate_exim_macro(const struct buf *in, const char *host,
	    char *name, size_t len);

/*
 * migrate_exim_require_auth - Exim: in the smtp transport named
 * TRANSPORT, when it has hosts_try_auth and no hosts_require_auth,
 * rename hosts_try_auth to hosts_require_auth (same host list) after a
 * comment line: with XOAUTH2 a refused token then defers with
 * Microsoft's 535 instead of going on without AUTH into 530 5.7.57.
 * Other transports may deliver to servers without AUTH and stay.  With
 * TRANSPORT NULL, IN is a piece of the transports section (a file of
 * Debian's conf.d/transport/) and each smtp transport in it counts.
 * Returns the number of options renamed, or -1 on overflow.
 */
int	migrate_exim_require_auth(const struct buf *in, const char *transport,
	    struct buf *out);

/*
 * migrate_exim_auth_others - Exim: the smtp transports other than
 * TRANSPORT (NULL: none excluded) that log in, blank-separated in names
 * (cut at len): the LOGIN/PLAIN client authenticators that
 * migrate_exim_auth comments out were theirs too.  Returns how many, or
 * -1 on overflow.
 */
int	migrate_exim_auth_others(const struct buf *in, const char *transport,
	    char *names, size_t len);

/*
 * migrate_exim_auth_includes - Exim: the files that .include or
 * .include_if_exists pull into the authenticators section, blank-separated
 * in files (cut at len); migrate_exim_auth does not edit them.  Returns
 * how many, or -1 on overflow.
 */
int	migrate_exim_auth_includes(const struct buf *in, char *files,
	    size_t len);

/*
 * migrate_exim_try_auth - Exim: the smtp transports that try AUTH
 * without requiring it (hosts_try_auth and no hosts_require_auth), only
 * TRANSPORT or with NULL every one: their names blank-separated in names
 * (cut at len) and their hosts_try_auth options as written, continuation
 * lines included, appended to out (NULL: not wanted).  Returns how many,
 * or -1 on overflow.
 */
int	migrate_exim_try_auth(const struct buf *in, const char *transport,
	    char *names, size_t len, struct buf *out);

/*
 * migrate_sh_set - set NAME='VALUE' (VALUE given with its quotes) in a
 * shell variable file such as Debian's update-exim4.conf.conf: replace
 * the first assignment, or append one.  0, or -1 on overflow.
 */
int	migrate_sh_set(const struct buf *in, const char *name,
	    const char *value, struct buf *out);

/*
 * migrate_diff - the unified diff (3 lines of context) of two texts, with
 * the ---/+++ header naming PATH, appended to out; nothing when they are
 * equal.  With MIGRATE_HIDE_MAP, every line shows only its first field
 * and its second field up to the first ':' (map files: key and user,
 * never a password); with MIGRATE_HIDE_EXIM, the value of an option that
 * can hold a password (client_send, client_password, server_password...)
 * or of a main.cf static:/inline: table is replaced by ********, on
 * the lines of a and on added lines that comment out one of them (added
 * lines are otherwise the caller's own text), and so is every
 * continuation line of such a value (Exim: after a line ending in a
 * backslash; main.cf: lines starting with white space);
 * MIGRATE_HIDE_MAP_OLD hides as MIGRATE_HIDE_MAP the lines of a (context
 * and removed) and shows the added lines, when b's new lines are known to
 * hold no secret (a token file path).  An empty a is shown as /dev/null.
 * Returns the number of changed lines, -1 when a side has more than
 * MIGRATE_DIFF_LINES lines.
 */
#define MIGRATE_HIDE_NONE	0
#define MIGRATE_HIDE_MAP	1
#define MIGRATE_HIDE_EXIM	2
#define MIGRATE_HIDE_MAP_OLD	3

int	migrate_diff(const char *path, const struct buf *a, const struct buf *b,
	    int hide, struct buf *out);

/*
 * migrate_pf_plugins - the XOAUTH2 client plugins Cyrus SASL finds in
 * DIRS (NULL-terminated; NULL: the usual Debian and upstream plugin
 * directories): a mask of MIGRATE_PLUGIN_*; dir gets the directory of
 * libkdexoauth2.so when there is one, else of libsasl-xoauth2.so
 */
#define MIGRATE_PLUGIN_XOAUTH2	1	/* sasl-xoauth2: libsasl-xoauth2.so */
#define MIGRATE_PLUGIN_KDEX	2	/* Debian's libsasl2-modules-kdexoauth2 */

int	migrate_pf_plugins(const char *const *dirs, char *dir, size_t dirlen);

/*
 * migrate_pf_oauth_notes - the relay-side notes of a Postfix XOAUTH2
 * plan: which plugin can log Postfix in, why Debian 12's own cannot, and
 * what an app-only (client credentials) login means for Postfix
 */
void	migrate_pf_oauth_notes(struct buf *out, int plugins, const char *dir,
	    int app_only);

/* migrate_tenant_host - "contoso.example" -> "contoso-example.mail.protection.outlook.com" */
int	migrate_tenant_host(const char *domain, char *out, size_t outlen);

#endif
