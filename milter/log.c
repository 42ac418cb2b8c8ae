/*
 * log.c - the milter's log: printf-style severities over common/slog.c
 *
 * Functions: log_open, log_stderr, log_info, log_warning, log_error,
 * log_dbg.
 *
 * The wire format, the socket (syslog_socket, reconnected once when the
 * log daemon was restarted) and the censoring of control characters are
 * slog.c's; this file adds the severities, "warning: "-style prefixes and
 * the lock: milter threads share one socket.  A line that cannot be sent
 * is dropped: logging never blocks or fails mail.
 */
#include <pthread.h>
#include <stdarg.h>
#include <string.h>
#include <syslog.h>

#include "log.h"
#include "slog.h"

int	 log_debug;

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static struct slog log_sl = {
	.path = "/dev/log", .tag = "relayhint-milter", .facility = LOG_MAIL,
	.keep = 1, .fd = -1
};

/* log_open - remember where to log; connect lazily */
void
log_open(const char *tag, int facility, const char *path)
{
	char	 old[sizeof(log_sl.path)];
	int	 copy;

	pthread_mutex_lock(&log_lock);
	copy = log_sl.copy_stderr;
	memcpy(old, log_sl.path, sizeof(old));	/* kept when path is "" */
	slog_close(&log_sl);
	slog_init(&log_sl, tag, facility, path != NULL && *path != '\0' ?
	    path : old, 1);
	log_sl.copy_stderr = copy;
	pthread_mutex_unlock(&log_lock);
}

/* log_stderr - copy lines to stderr too */
void
log_stderr(int on)
{
	pthread_mutex_lock(&log_lock);
	log_sl.copy_stderr = on;
	pthread_mutex_unlock(&log_lock);
}

/* log_vsend - format and send one line at a priority */
static void log_vsend(int, const char *, const char *, va_list)
    __attribute__((format(printf, 3, 0)));

static void
log_vsend(int pri, const char *prefix, const char *fmt, va_list ap)
{
	pthread_mutex_lock(&log_lock);
	(void)slog_vsend(&log_sl, pri, prefix, fmt, ap);
	pthread_mutex_unlock(&log_lock);
}

/* log_info - an informational line */
void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vsend(LOG_INFO, "", fmt, ap);
	va_end(ap);
}

/* log_warning - bad input or trouble that mail survives */
void
log_warning(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vsend(LOG_WARNING, "warning: ", fmt, ap);
	va_end(ap);
}

/* log_error - a configuration or system error */
void
log_error(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vsend(LOG_ERR, "error: ", fmt, ap);
	va_end(ap);
}

/* log_dbg - only with -d */
void
log_dbg(const char *fmt, ...)
{
	va_list	 ap;

	if (!log_debug)
		return;
	va_start(ap, fmt);
	log_vsend(LOG_DEBUG, "debug: ", fmt, ap);
	va_end(ap);
}
