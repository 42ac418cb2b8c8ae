/*
 * config.h - relayhint.conf: "name = value" settings shared by the adapters
 *
 * One setting per line, '#' starts a comment line, names are lower case.
 * An unknown name, a bad value or a duplicate is an error reported as
 * "file:line: reason"; a world-writable file is refused.  Settings a given
 * adapter does not use (the Exim object has no socket) are still checked,
 * so one file can serve both.  See relayhint.conf(5).
 */
#ifndef RH_CONFIG_H
#define RH_CONFIG_H

#include <stddef.h>

#define CONFIG_PATH_MAX		256
#define CONFIG_FILE_MAX		(64 * 1024)
#define CONFIG_LINE_MAX		1024
#define CONFIG_DEFAULT_SOCKET	"inet:8894@127.0.0.1"

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
	char	 syslog_socket[CONFIG_PATH_MAX];/* "/dev/log" */
	/* webhook alerts (spooled; relayhint alert-drain posts them) */
	char	 alert_spool[CONFIG_PATH_MAX];	/* "" = no alerts */
	int	 alert_quiet;			/* seconds between alerts per cause */
	int	 alert_spool_max;		/* alert files kept */
	/* where each setting came from: line number, 0 = default */
	int	 line[32];
};

/* config_init - every setting at its default */
void	config_init(struct config *);

/*
 * config_load - read path (bounded to CONFIG_FILE_MAX) over the defaults.
 * Returns 0, or -1 with "path:line: reason" (or "path: reason") in err.
 */
int	config_load(struct config *, const char *path, char *err, size_t errlen);

/* config_load_buf - the same from text; name is used in error messages */
int	config_load_buf(struct config *, const char *text, size_t len,
	    const char *name, char *err, size_t errlen);

/* config_line - the line that set name, 0 for a default or unknown name */
int	config_line(const struct config *, const char *name);

/* config_facility_name - "mail", "local0", ... for a facility value */
const char *config_facility_name(int facility);

/*
 * config_socket_check - a libmilter socket spec we accept: "unix:/abs",
 * "local:/abs", "inet:PORT@HOST", "inet:PORT", "inet6:PORT@HOST".  Returns
 * NULL when fine, else the reason (it catches Postfix's "inet:HOST:PORT").
 */
const char *config_socket_check(const char *spec);

#endif
