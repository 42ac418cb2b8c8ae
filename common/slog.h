/*
 * slog.h - the syslog client of the adapters (milter, Exim object)
 *
 * One line is "<PRI>Mmm dd hh:mm:ss TAG[PID]: TEXT", the form syslog(3)
 * sends, over a unix socket whose path is a setting (syslog_socket, log=),
 * without openlog(): the Exim object must not change the ident of the
 * Exim process that loaded it, and the milter logs into test harnesses
 * and chroots.  Not thread-safe: a threaded caller serialises.
 */
#ifndef RH_SLOG_H
#define RH_SLOG_H

#include <stdarg.h>
#include <stddef.h>

#define SLOG_TEXT_MAX	2048	/* the text, prefix included, is cut here */
#define SLOG_PATH_MAX	108	/* sun_path */

struct slog {
	char	 path[SLOG_PATH_MAX];	/* the socket, normally /dev/log */
	char	 tag[64];
	int	 facility;		/* LOG_MAIL and friends, shifted */
	size_t	 line_max;		/* whole line, bytes; 0: text + 128 */
	int	 keep;			/* keep the socket open between lines */
	int	 copy_stderr;		/* also "stamp TAG[PID]: TEXT" on stderr */
	int	 fd;			/* the kept socket, -1 when closed */
	int	 stream;		/* the socket is a stream: '\n' framing */
};

/*
 * slog_init - where to log; connects on first use.  keep: hold one
 * socket open (a long-lived daemon; reconnects once when the log daemon
 * restarted) or open and close it for every line (a process that forks).
 * A path longer than SLOG_PATH_MAX - 1 makes every send fail with
 * ENAMETOOLONG.
 */
void	slog_init(struct slog *, const char *tag, int facility,
	    const char *path, int keep);

/* slog_close - drop a kept socket */
void	slog_close(struct slog *);

/*
 * slog_vsend - one line at severity pri: prefix, then the formatted
 * text; control bytes become '?' (values are censored earlier, this is
 * the last net).  Returns 0, or -1 with errno set when it was not sent
 * (a line that cannot be sent is dropped: logging never blocks).
 */
int	slog_vsend(struct slog *, int pri, const char *prefix,
	    const char *fmt, va_list) __attribute__((format(printf, 4, 0)));

/* slog_send - slog_vsend with no prefix */
int	slog_send(struct slog *, int pri, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
