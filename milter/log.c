/*
 * log.c - syslog client for relayhint-milter
 *
 * Functions: log_open, log_stderr, log_info, log_warning, log_error,
 * log_dbg.
 *
 * Why not syslog(3): glibc always writes to /dev/log, and the daemon must
 * also log into a test harness or a chroot, so the socket path is a
 * setting (syslog_socket).  The wire format is what syslog(3) sends:
 * "<PRI>Mmm dd hh:mm:ss TAG[PID]: text" over a unix datagram socket,
 * reconnecting once when the log daemon was restarted.  A line that
 * cannot be sent is dropped: logging never blocks or fails mail.
 *
 * Limits: a line is cut at LOG_LINE_MAX bytes; control characters in the
 * text become '?' (values are sanitized earlier, this is the last net).
 * Thread-safe (one mutex); the socket is non-blocking.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINE_MAX	2048

int	 log_debug;

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int	 log_fd = -1;
static int	 log_to_stderr;
static int	 log_facility = LOG_MAIL;
static char	 log_tag[64] = "relayhint-milter";
static char	 log_path[108] = "/dev/log";

/* log_connect - (re)open the datagram socket; caller holds the lock */
static void
log_connect(void)
{
	struct sockaddr_un sun;

	if (log_fd >= 0)
		close(log_fd);
	log_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
	if (log_fd < 0)
		return;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", log_path);
	if (connect(log_fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		close(log_fd);
		log_fd = -1;
	}
}

/* log_open - remember where to log; connect lazily */
void
log_open(const char *tag, int facility, const char *path)
{
	pthread_mutex_lock(&log_lock);
	snprintf(log_tag, sizeof(log_tag), "%s", tag);
	log_facility = facility;
	if (path != NULL && *path != '\0')
		snprintf(log_path, sizeof(log_path), "%s", path);
	if (log_fd >= 0) {
		close(log_fd);
		log_fd = -1;
	}
	pthread_mutex_unlock(&log_lock);
}

/* log_stderr - copy lines to stderr too */
void
log_stderr(int on)
{
	log_to_stderr = on;
}

/* log_vsend - format and send one line at a priority */
static void log_vsend(int, const char *, const char *, va_list)
    __attribute__((format(printf, 3, 0)));

static void
log_vsend(int pri, const char *prefix, const char *fmt, va_list ap)
{
	char	 text[LOG_LINE_MAX], line[LOG_LINE_MAX + 128], stamp[32];
	struct tm tm;
	time_t	 now;
	size_t	 i, n;
	int	 len;

	n = (size_t)snprintf(text, sizeof(text), "%s", prefix);
	if (n < sizeof(text))
		vsnprintf(text + n, sizeof(text) - n, fmt, ap);
	for (i = 0; text[i] != '\0'; i++)
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			text[i] = '?';
	now = time(NULL);
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm);
	pthread_mutex_lock(&log_lock);
	if (log_to_stderr)
		fprintf(stderr, "%s %s[%ld]: %s\n", stamp, log_tag,
		    (long)getpid(), text);
	len = snprintf(line, sizeof(line), "<%d>%s %s[%ld]: %s",
	    log_facility | pri, stamp, log_tag, (long)getpid(), text);
	if (len > (int)sizeof(line) - 1)
		len = (int)sizeof(line) - 1;
	if (log_fd < 0)
		log_connect();
	if (log_fd >= 0 && send(log_fd, line, (size_t)len, MSG_NOSIGNAL) < 0 &&
	    errno != EAGAIN) {
		/* the log daemon restarted: one new try */
		log_connect();
		if (log_fd >= 0)
			(void)send(log_fd, line, (size_t)len, MSG_NOSIGNAL);
	}
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
