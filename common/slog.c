/*
 * slog.c - syslog lines over a unix socket, for the adapters
 *
 * Functions: slog_init, slog_close, slog_vsend, slog_send.
 *
 * Why not syslog(3): openlog() would change the ident of the Exim
 * process that loaded the dlfunc object, and glibc always writes to
 * /dev/log, where the milter must also log into a test harness or a
 * chroot.  So the wire format is written here: "<PRI>Mmm dd hh:mm:ss
 * TAG[PID]: text", with English month names whatever the locale, as one
 * datagram; a stream socket (some syslog-ng setups) gets the same line
 * ended by a newline.
 *
 * Limits: the text is cut at SLOG_TEXT_MAX - 1 bytes, the whole line at
 * line_max - 1; sends never block (MSG_DONTWAIT), and a line that cannot
 * be sent is dropped.  Control bytes in the text become '?'.
 *
 * Logs nothing itself (it is the log).
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "slog.h"

/* slog_init - remember where to log; connect lazily */
void
slog_init(struct slog *sl, const char *tag, int facility, const char *path,
    int keep)
{
	memset(sl, 0, sizeof(*sl));
	sl->fd = -1;
	(void)snprintf(sl->tag, sizeof(sl->tag), "%s", tag);
	sl->facility = facility;
	if (path == NULL || path[0] == '\0')
		path = "/dev/log";
	/* a path that does not fit is refused (slog_connect), never cut */
	if (strlen(path) < sizeof(sl->path))
		memcpy(sl->path, path, strlen(path) + 1);
	sl->keep = keep;
}

/* slog_close - close a kept socket */
void
slog_close(struct slog *sl)
{
	int	 save = errno;

	if (sl->fd >= 0)
		(void)close(sl->fd);
	sl->fd = -1;
	errno = save;
}

/* slog_connect - a socket to sl->path, datagram first, else a stream */
static int
slog_connect(struct slog *sl)
{
	struct sockaddr_un sun;
	int	 type;

	slog_close(sl);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (sl->path[0] == '\0' || strlen(sl->path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	memcpy(sun.sun_path, sl->path, strlen(sl->path) + 1);
	for (type = SOCK_DGRAM;; type = SOCK_STREAM) {
		if ((sl->fd = socket(AF_UNIX, type | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, 0)) < 0)
			return (-1);
		if (connect(sl->fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			break;
		slog_close(sl);
		if (type == SOCK_STREAM || errno != EPROTOTYPE)
			return (-1);
	}
	sl->stream = type == SOCK_STREAM;
	return (0);
}

/* slog_write - one line on the socket, connecting first when needed */
static int
slog_write(struct slog *sl, char *line, size_t len)
{
	if (sl->fd < 0 && slog_connect(sl) < 0)
		return (-1);
	if (sl->stream)
		line[len++] = '\n';	/* the caller left room for it */
	if (send(sl->fd, line, len, MSG_DONTWAIT | MSG_NOSIGNAL) ==
	    (ssize_t)len)
		return (0);
	if (sl->stream)
		len--;
	slog_close(sl);
	return (-1);
}

/* slog_vsend - format, censor and send one line */
int
slog_vsend(struct slog *sl, int pri, const char *prefix, const char *fmt,
    va_list ap)
{
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	char	 text[SLOG_TEXT_MAX], line[SLOG_TEXT_MAX + 128 + 1];
	char	 stamp[32];
	size_t	 i, n, max;
	struct tm tm;
	time_t	 now;
	int	 len, rc;

	n = (size_t)snprintf(text, sizeof(text), "%s", prefix);
	if (n < sizeof(text))
		(void)vsnprintf(text + n, sizeof(text) - n, fmt, ap);
	for (i = 0; text[i] != '\0'; i++)
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			text[i] = '?';
	now = time(NULL);
	if (localtime_r(&now, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	/* month names fixed: the caller's locale must not change the format */
	(void)snprintf(stamp, sizeof(stamp), "%s %2d %02d:%02d:%02d",
	    mon[tm.tm_mon % 12], tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (sl->copy_stderr)
		(void)fprintf(stderr, "%s %s[%ld]: %s\n", stamp, sl->tag,
		    (long)getpid(), text);
	max = sl->line_max > 0 && sl->line_max < sizeof(line) - 1 ?
	    sl->line_max : sizeof(line) - 1;
	len = snprintf(line, max, "<%d>%s %s[%ld]: %s", sl->facility | pri,
	    stamp, sl->tag, (long)getpid(), text);
	if (len < 0)
		return (-1);
	if ((size_t)len >= max)
		len = (int)max - 1;
	rc = slog_write(sl, line, (size_t)len);
	/* a kept socket: the log daemon may have restarted, one new try */
	if (rc < 0 && sl->keep && errno != EAGAIN)
		rc = slog_write(sl, line, (size_t)len);
	if (!sl->keep)
		slog_close(sl);
	return (rc);
}

/* slog_send - one line, no prefix */
int
slog_send(struct slog *sl, int pri, const char *fmt, ...)
{
	va_list	 ap;
	int	 rc;

	va_start(ap, fmt);
	rc = slog_vsend(sl, pri, "", fmt, ap);
	va_end(ap);
	return (rc);
}
