/*
 * test_slog.c - the adapters' syslog client (common/slog.c)
 *
 * What an operator's log pipeline relies on: "<PRI>Mmm dd hh:mm:ss
 * TAG[PID]: TEXT" as one datagram, English month names, the facility
 * and severity in PRI; control bytes from remote text never reach the
 * log (they become '?'); the line is cut at line_max; a stream socket
 * gets the same line ended by a newline; a socket path that does not
 * fit is refused, not cut to another path; a dead socket is an error,
 * not a hang.
 */
#include "testutil.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "slog.h"

static char dir[] = "/tmp/test_slog.XXXXXX";

/* listen_on - a bound unix socket of type at DIR/name */
static int
listen_on(const char *name, int type, char *path, size_t len)
{
	struct sockaddr_un sun;
	int	 fd;

	(void)snprintf(path, len, "%s/%s", dir, name);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	(void)unlink(path);
	fd = socket(AF_UNIX, type, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	if (type == SOCK_STREAM)
		assert_int_equal(listen(fd, 1), 0);
	return (fd);
}

/* check_form - "<PRI>Mmm dd hh:mm:ss TAG[PID]: " then want */
static void
check_form(const char *got, int pri, const char *tag, const char *want)
{
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	char	 head[64], rest[64];
	int	 i, n;

	n = snprintf(head, sizeof(head), "<%d>", pri);
	assert_memory_equal(got, head, (size_t)n);
	for (i = 0; i < 12; i++)
		if (strncmp(got + n, mon[i], 3) == 0)
			break;
	assert_true(i < 12);
	/* " dd hh:mm:ss " */
	assert_true(got[n + 3] == ' ' && got[n + 6] == ' ' &&
	    got[n + 9] == ':' && got[n + 12] == ':' && got[n + 15] == ' ');
	(void)snprintf(rest, sizeof(rest), "%s[%ld]: ", tag, (long)getpid());
	assert_memory_equal(got + n + 16, rest, strlen(rest));
	assert_string_equal(got + n + 16 + strlen(rest), want);
}

/* datagram - one line per datagram, censored, both connection modes */
static void
test_datagram(void **state)
{
	struct slog sl;
	char	 path[256], got[4096];
	ssize_t	 n;
	int	 fd, keep;

	(void)state;
	fd = listen_on("dgram", SOCK_DGRAM, path, sizeof(path));
	for (keep = 0; keep < 2; keep++) {
		slog_init(&sl, "relayhint-test", LOG_MAIL, path, keep);
		assert_int_equal(slog_send(&sl, LOG_INFO, "cause=%s n=%d",
		    "m365.x\r\nFAKE: line\x7f", 3), 0);
		n = recv(fd, got, sizeof(got) - 1, 0);
		assert_true(n > 0);
		got[n] = '\0';
		check_form(got, LOG_MAIL | LOG_INFO, "relayhint-test",
		    "cause=m365.x??FAKE: line? n=3");
		assert_int_equal(sl.fd >= 0, keep);
		slog_close(&sl);
	}
	/* the whole line is cut at line_max - 1 bytes */
	slog_init(&sl, "t", LOG_MAIL, path, 0);
	sl.line_max = 100;
	assert_int_equal(slog_send(&sl, LOG_WARNING, "%0500d", 7), 0);
	n = recv(fd, got, sizeof(got), 0);
	assert_int_equal(n, 99);
	close(fd);
	(void)unlink(path);
}

/* stream - a stream /dev/log gets newline-framed lines */
static void
test_stream(void **state)
{
	struct slog sl;
	char	 path[256], got[4096];
	ssize_t	 n;
	int	 fd, c;

	(void)state;
	fd = listen_on("stream", SOCK_STREAM, path, sizeof(path));
	slog_init(&sl, "relayhint-exim", LOG_MAIL, path, 0);
	assert_int_equal(slog_send(&sl, LOG_INFO, "%s", "hello"), 0);
	c = accept(fd, NULL, NULL);
	assert_true(c >= 0);
	n = recv(c, got, sizeof(got) - 1, 0);
	assert_true(n > 1);
	got[n] = '\0';
	assert_int_equal(got[n - 1], '\n');
	got[n - 1] = '\0';
	check_form(got, LOG_MAIL | LOG_INFO, "relayhint-exim", "hello");
	close(c);
	close(fd);
	(void)unlink(path);
}

/* refused - no socket, or a path too long for one: -1, never blocks */
static void
test_refused(void **state)
{
	struct slog sl;
	char	 path[300];

	(void)state;
	(void)snprintf(path, sizeof(path), "%s/nothing-here", dir);
	slog_init(&sl, "t", LOG_MAIL, path, 1);
	assert_int_equal(slog_send(&sl, LOG_INFO, "x"), -1);
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	slog_init(&sl, "t", LOG_MAIL, path, 0);
	errno = 0;
	assert_int_equal(slog_send(&sl, LOG_INFO, "x"), -1);
	assert_int_equal(errno, ENAMETOOLONG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_datagram),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_refused),
	};
	int	 rc;

	if (mkdtemp(dir) == NULL)
		return (1);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	(void)rmdir(dir);
	return (rc);
}
