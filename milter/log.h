/*
 * log.h - the milter's syslog client
 */
#ifndef RH_MILTER_LOG_H
#define RH_MILTER_LOG_H

/* log_open - tag, facility and datagram socket path ("/dev/log") */
void	log_open(const char *tag, int facility, const char *path);

/* log_stderr - also copy every line to stderr (-d, -t, startup errors) */
void	log_stderr(int on);

/* log_debug_on - 1 when -d was given */
extern int log_debug;

/* log_info, log_warning, log_error - one line; warnings get "warning: " */
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warning(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_dbg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
