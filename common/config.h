/*
 * config.h - relayhint.conf: "name = value" settings shared by the adapters
 *
 * One setting per line, '#' starts a comment line, names are lower case.
 * An unknown name, a bad value or a duplicate is an error reported as
 * "file:line: reason"; a world-writable file is refused.  Settings a given
 * program does not use (the Exim object has no socket) are still checked,
 * so one file serves the command, the milter and the Exim object.  The
 * names, types and defaults are settings.h's table.  See relayhint.conf(5).
 */
#ifndef RH_CONFIG_H
#define RH_CONFIG_H

#include <stddef.h>

#include "settings.h"

#define CONFIG_PATH_MAX		256
#define CONFIG_FILE_MAX		(64 * 1024)
#define CONFIG_LINE_MAX		1024
#define CONFIG_SETTINGS_MAX	40
#define CONFIG_WARN_MAX		4
#define CONFIG_DEFAULT_PATH	RH_SYSCONFDIR "/relayhint.conf"

/*
 * Where a value came from; a higher source wins over a lower one, in
 * any order of calls: the command line (or the Exim OPTIONS string) over
 * the environment over the file over the default.
 */
enum config_src {
	CONFIG_SRC_DEFAULT = 0,
	CONFIG_SRC_FILE,
	CONFIG_SRC_ENV,
	CONFIG_SRC_ARG
};

/* The values; settings.c says which row fills which field */
struct config {
	/* milter daemon */
	char	 socket[CONFIG_PATH_MAX];	/* libmilter form */
	int	 socket_mode;			/* unix socket permissions */
	char	 user[33];			/* switch to this user when root */
	char	 pid_file[CONFIG_PATH_MAX];	/* "" = none */
	int	 milter_timeout;		/* seconds libmilter waits for the MTA */
	/* hints */
	char	 language[16];			/* catalog for the hint */
	int	 use_content_language;		/* the original message's language */
	int	 postmaster_admin_first;	/* admin steps first in postmaster copies */
	int	 user_note;			/* include the note for the bounce reader */
	char	 double_bounce_sender[65];	/* local part of Postfix's postmaster-copy sender */
	char	 rules_file[CONFIG_PATH_MAX];	/* "" = compiled-in */
	char	 hints_dir[CONFIG_PATH_MAX];	/* "" = compiled-in */
	size_t	 max_message_size;		/* larger messages pass unchanged */
	/* logging */
	int	 log_repeat_window;		/* seconds; 0 = log every message */
	int	 syslog_facility;		/* LOG_MAIL, ... */
	char	 syslog_socket[CONFIG_PATH_MAX];/* "/dev/log"; "" = none */
	char	 syslog_tag[32];		/* Exim object's syslog tag */
	/* webhook alerts (spooled; relayhint alert-drain posts them) */
	char	 alert_spool[CONFIG_PATH_MAX];	/* "" = no alerts */
	int	 alert_quiet;			/* seconds between alerts per cause */
	int	 alert_spool_max;		/* alert files kept */
	/* the Exim object and Exim's main log */
	char	 mainlog[CONFIG_PATH_MAX];	/* "" = none (syslog only) */
	size_t	 mainlog_tail;			/* bytes read from its end */
	int	 mainlog_write;			/* one main log line per event */
	char	 log_repeat_state[CONFIG_PATH_MAX];/* "" = default */
	/* per setting: the line that set it (0: not from a file), source */
	int	 line[CONFIG_SETTINGS_MAX];
	unsigned char src[CONFIG_SETTINGS_MAX];
	/* old spellings met: "file:line: 'old' is deprecated; use 'new'" */
	char	 warn[CONFIG_WARN_MAX][160];
	int	 nwarn;
};

/* config_init - every setting at its default (DEF_* in settings.h) */
void	config_init(struct config *);

/*
 * config_load - read path (bounded to CONFIG_FILE_MAX) over the defaults.
 * Returns 0, or -1 with "path:line: reason" (or "path: reason") in err.
 * A value set from a higher source (config_set) is checked, not applied.
 */
int	config_load(struct config *, const char *path, char *err, size_t errlen);

/* config_load_buf - the same from text; name is used in error messages */
int	config_load_buf(struct config *, const char *text, size_t len,
	    const char *name, char *err, size_t errlen);

/*
 * config_set - one name=value from src (CONFIG_SRC_ENV, _ARG), where is
 * the SET_IN_* place it was written (for aliases; an alias adds a line
 * to warn[]).  Returns 0, or -1 with "name: reason" in err.
 */
int	config_set(struct config *, const char *name, size_t namelen,
	    const char *value, enum config_src src, unsigned where,
	    char *err, size_t errlen);

/* config_line - the line that set name, 0 for a default or unknown name */
int	config_line(const struct config *, const char *name);

#endif
