/*
 * settings.h - every relayhint setting: one name, one type, one default
 *
 * The model is Postfix's mail_params.h: a setting has one name, the one
 * written in relayhint.conf, in the Exim OPTIONS string (name=value) and,
 * with '-' for '_', as a relayhint command line option.  The table in
 * settings.c adds the type, the range and where the setting applies
 * (the command, the milter, the Exim object); config.c reads a file
 * through it, the adapters and the CLI set values through it, and
 * test_settings.c checks relayhint.conf(5) and relayhint.conf.sample
 * against it.  Older spellings are aliases that work with a warning.
 */
#ifndef RH_SETTINGS_H
#define RH_SETTINGS_H

#include <stddef.h>

/* Where a setting is read (a table row may have several) */
#define SET_CLI		0x01	/* relayhint (the command) */
#define SET_MILTER	0x02	/* relayhint-milter */
#define SET_EXIM	0x04	/* the Exim ${dlfunc} object */

/* Where an old spelling is still accepted (alias rows) */
#define SET_IN_CONF	0x10	/* relayhint.conf */
#define SET_IN_EXIM	0x20	/* the Exim OPTIONS string */
#define SET_IN_ARGV	0x40	/* a command line option */

/*
 * The names and defaults.  A default is written as in relayhint.conf;
 * "" means none (an empty path: compiled-in, or off).
 */
#define VAR_SOCKET		"socket"
#define DEF_SOCKET		"inet:8894@127.0.0.1"
#define VAR_SOCKET_MODE		"socket_mode"
#define DEF_SOCKET_MODE		"0660"
#define VAR_USER		"user"
#define DEF_USER		""
#define VAR_PID_FILE		"pid_file"
#define DEF_PID_FILE		""
#define VAR_MILTER_TIMEOUT	"milter_timeout"
#define DEF_MILTER_TIMEOUT	"60s"
#define VAR_LANGUAGE		"language"
#define DEF_LANGUAGE		"en"
#define VAR_USE_CONTENT_LANG	"use_content_language"
#define DEF_USE_CONTENT_LANG	"yes"
#define VAR_PM_ADMIN_FIRST	"postmaster_admin_first"
#define DEF_PM_ADMIN_FIRST	"yes"
#define VAR_USER_NOTE		"user_note"
#define DEF_USER_NOTE		"yes"
#define VAR_2BOUNCE_SENDER	"double_bounce_sender"
#define DEF_2BOUNCE_SENDER	"double-bounce"
#define VAR_RULES_FILE		"rules_file"
#define DEF_RULES_FILE		""
#define VAR_HINTS_DIR		"hints_dir"
#define DEF_HINTS_DIR		""
#define VAR_MAX_MSG_SIZE	"max_message_size"
#define DEF_MAX_MSG_SIZE	"4m"
#define VAR_LOG_REPEAT_WINDOW	"log_repeat_window"
#define DEF_LOG_REPEAT_WINDOW	"300s"
#define VAR_SYSLOG_FACILITY	"syslog_facility"
#define DEF_SYSLOG_FACILITY	"mail"
#define VAR_SYSLOG_SOCKET	"syslog_socket"
#define DEF_SYSLOG_SOCKET	"/dev/log"
#define VAR_SYSLOG_TAG		"syslog_tag"
#define DEF_SYSLOG_TAG		"relayhint-exim"
#define VAR_ALERT_SPOOL		"alert_spool"
#define DEF_ALERT_SPOOL		""
#define VAR_ALERT_QUIET		"alert_quiet"
#define DEF_ALERT_QUIET		"1h"
#define VAR_ALERT_SPOOL_MAX	"alert_spool_max"
#define DEF_ALERT_SPOOL_MAX	"100"
#define VAR_MAINLOG		"mainlog"
#define DEF_MAINLOG		"/var/log/exim4/mainlog"
#define VAR_MAINLOG_TAIL	"mainlog_tail"
#define DEF_MAINLOG_TAIL	"1m"
#define VAR_MAINLOG_WRITE	"mainlog_write"
#define DEF_MAINLOG_WRITE	"yes"
#define VAR_LOG_REPEAT_STATE	"log_repeat_state"
#define DEF_LOG_REPEAT_STATE	""

enum setting_type {
	ST_WORD,	/* text without white space, not empty */
	ST_TAG,		/* a syslog tag: a short word without "[]:" */
	ST_PATH,	/* absolute path, or empty ("none" also means empty) */
	ST_BOOL,	/* yes/no (true/false) */
	ST_INT,		/* decimal within min..max */
	ST_SIZE,	/* bytes, optional k/m suffix */
	ST_TIME,	/* seconds, optional s/m/h/d suffix */
	ST_MODE,	/* octal permission bits */
	ST_LANG,	/* language tag */
	ST_FACILITY,	/* syslog facility name */
	ST_SOCKET,	/* libmilter socket spec */
	ST_USER		/* user name, or empty */
};

struct setting {
	const char	*name;
	enum setting_type type;
	const char	*def;		/* as written in relayhint.conf */
	unsigned	 where;		/* SET_CLI | SET_MILTER | SET_EXIM */
	size_t		 off;		/* the value in struct config */
	size_t		 size;
	long		 min, max;
};

struct setting_alias {
	const char	*old;		/* with '_' also on the command line */
	const char	*name;		/* the setting it means */
	unsigned	 in;		/* SET_IN_* */
};

extern const struct setting settings[];
extern const size_t settings_count;
extern const struct setting_alias setting_aliases[];

struct config;

/* setting_find - the row of a canonical name (len bytes), or NULL */
const struct setting *setting_find(const char *name, size_t len);

/*
 * setting_lookup - the row name (len bytes) means where it was written
 * (one SET_IN_* bit): a canonical name, or an alias that is accepted
 * there, then *alias is its old spelling (else NULL).  NULL when unknown.
 */
const struct setting *setting_lookup(const char *name, size_t len,
	    unsigned in, const char **alias);

/* setting_suggest - the canonical name closest to a misspelt one, or NULL */
const char *setting_suggest(const char *name, size_t len);

/* setting_parse - check v and store it in c; NULL, or the reason */
const char *setting_parse(struct config *c, const struct setting *s,
	    const char *v);

/* setting_facility_name - "mail", "local0", ... for a facility value */
const char *setting_facility_name(int facility);

/*
 * setting_socket_check - a libmilter socket spec we accept: "unix:/abs",
 * "local:/abs", "inet:PORT@HOST", "inet:PORT", "inet6:PORT@HOST".  Returns
 * NULL when fine, else the reason (it catches Postfix's "inet:HOST:PORT").
 */
const char *setting_socket_check(const char *spec);

#endif
