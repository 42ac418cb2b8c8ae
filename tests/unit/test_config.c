/*
 * test_config.c - config_load_buf, config_load, setting_socket_check
 */
#include "testutil.h"

#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"

/* every setting, good values */
static void
test_good(void **state)
{
	static const char text[] =
	    "# comment\n"
	    "   # indented comment\n"
	    "\n"
	    "socket = unix:/run/relayhint/relayhint.sock\n"
	    "socket_mode=0600\n"
	    "user = relayhint\n"
	    "pid_file = /run/relayhint/relayhint-milter.pid\n"
	    "milter_timeout = 2m\n"
	    "language = zh-TW\n"
	    "use_content_language = no\n"
	    "postmaster_admin_first = false\n"
	    "user_note = no\n"
	    "double_bounce_sender = bounce-loop\n"
	    "rules_file = /etc/relayhint/relayhint.rules\n"
	    "hints_dir = /usr/share/relayhint/hints\t \n"
	    "max_message_size = 512k\r\n"
	    "log_repeat_window = 1h\n"
	    "syslog_facility = local3\n"
	    "syslog_socket = /var/spool/postfix/dev/log\n"
	    "alert_spool = /var/spool/relayhint/alerts\n"
	    "alert_quiet = 30m\n"
	    "alert_spool_max = 250\n";
	struct config c;
	char	 err[256] = "";

	(void)state;
	config_init(&c);
	if (config_load_buf(&c, text, strlen(text), "t.conf", err,
	    sizeof(err)) != 0)
		fail_msg("got error %s, want none", err);
	assert_string_equal(c.socket, "unix:/run/relayhint/relayhint.sock");
	assert_int_equal(c.socket_mode, 0600);
	assert_string_equal(c.user, "relayhint");
	assert_string_equal(c.pid_file, "/run/relayhint/relayhint-milter.pid");
	assert_int_equal(c.milter_timeout, 120);
	assert_string_equal(c.language, "zh-TW");
	assert_int_equal(c.use_content_language, 0);
	assert_int_equal(c.postmaster_admin_first, 0);
	assert_int_equal(c.user_note, 0);
	assert_string_equal(c.double_bounce_sender, "bounce-loop");
	assert_string_equal(c.rules_file, "/etc/relayhint/relayhint.rules");
	assert_string_equal(c.hints_dir, "/usr/share/relayhint/hints");
	assert_int_equal(c.max_message_size, 512 * 1024);
	assert_int_equal(c.log_repeat_window, 3600);
	assert_int_equal(c.syslog_facility, LOG_LOCAL3);
	assert_string_equal(c.syslog_socket, "/var/spool/postfix/dev/log");
	assert_string_equal(c.alert_spool, "/var/spool/relayhint/alerts");
	assert_int_equal(c.alert_quiet, 1800);
	assert_int_equal(c.alert_spool_max, 250);
	assert_int_equal(config_line(&c, "language"), 9);
	assert_int_equal(config_line(&c, "socket"), 4);
	assert_int_equal(config_line(&c, "no_such"), 0);
	assert_string_equal(setting_facility_name(c.syslog_facility), "local3");
}

/* defaults, as relayhint.conf(5) documents them */
static void
test_defaults(void **state)
{
	struct config c;
	char	 err[256];

	(void)state;
	config_init(&c);
	assert_int_equal(config_load_buf(&c, "", 0, "empty", err,
	    sizeof(err)), 0);
	assert_string_equal(c.socket, "inet:8894@127.0.0.1");
	assert_int_equal(c.socket_mode, 0660);
	assert_string_equal(c.user, "");
	assert_string_equal(c.language, "en");
	assert_int_equal(c.use_content_language, 1);
	assert_int_equal(c.postmaster_admin_first, 1);
	assert_int_equal(c.user_note, 1);
	assert_string_equal(c.double_bounce_sender, "double-bounce");
	assert_string_equal(c.rules_file, "");
	assert_int_equal(c.log_repeat_window, 300);
	assert_int_equal(c.syslog_facility, LOG_MAIL);
	assert_string_equal(c.syslog_socket, "/dev/log");
	assert_int_equal(c.milter_timeout, 60);
	assert_int_equal(c.max_message_size, 4 * 1024 * 1024);
	/* alerts are off until a spool is named */
	assert_string_equal(c.alert_spool, "");
	assert_int_equal(c.alert_quiet, 3600);
	assert_int_equal(c.alert_spool_max, 100);
}

/* every error names file and line */
static void
test_bad(void **state)
{
	static const struct {
		const char *in;
		const char *want;
	} t[] = {
		{ "Language = en\n", "t.conf:1: unknown setting 'Language'; did "
		  "you mean 'language'?" },
		{ "rule_file = /r\n", "t.conf:1: unknown setting 'rule_file'; did "
		  "you mean 'rules_file'?" },
		{ "lang = de\n", "t.conf:1: unknown setting 'lang'; did you mean "
		  "'language'?" },
		{ "ratelimit = 0\n", "t.conf:1: unknown setting 'ratelimit'; did "
		  "you mean 'log_repeat_window'?" },
		{ "x\n\nlanguage en\n", "t.conf:1: expected \"name = value\"" },
		{ "\nfoo = 1\n", "t.conf:2: unknown setting 'foo'" },
		{ "language = en\nlanguage = de\n",
		  "t.conf:2: language: already set at line 1" },
		{ "language = en_US!\n", "t.conf:1: language: not a language tag" },
		{ "language = \n", "t.conf:1: language: not a language tag" },
		{ "use_content_language = maybe\n",
		  "t.conf:1: use_content_language: expected yes or no" },
		{ "socket = inet:127.0.0.1:8894\n",
		  "t.conf:1: socket: this is the Postfix form inet:HOST:PORT; "
		  "the milter listens on inet:PORT@HOST" },
		{ "socket = inet:99999@127.0.0.1\n", "t.conf:1: socket: bad port" },
		{ "socket = unix:relative.sock\n",
		  "t.conf:1: socket: a unix socket path must be absolute" },
		{ "socket = tcp:8894\n", "t.conf:1: socket: socket must be "
		  "unix:/path, inet:PORT@HOST or inet6:PORT@HOST" },
		{ "socket = inet:8894@\n", "t.conf:1: socket: empty host after '@'" },
		{ "socket_mode = 0999\n",
		  "t.conf:1: socket_mode: not an octal mode (e.g. 0660)" },
		{ "socket_mode = 01777\n",
		  "t.conf:1: socket_mode: not an octal mode (e.g. 0660)" },
		{ "user = -root\n", "t.conf:1: user: not a user name" },
		{ "user = a b\n", "t.conf:1: user: white space or control "
		  "character in value" },
		{ "hints_dir = hints\n", "t.conf:1: hints_dir: path must be absolute" },
		{ "max_message_size = 10\n",
		  "t.conf:1: max_message_size: value out of range" },
		{ "max_message_size = 1g\n", "t.conf:1: max_message_size: not a "
		  "size (e.g. 4m, 512k, 100000)" },
		{ "max_message_size = 99999999999999999999999k\n",
		  "t.conf:1: max_message_size: not a size (e.g. 4m, 512k, 100000)" },
		{ "log_repeat_window = -1\n", "t.conf:1: log_repeat_window: not a "
		  "time (e.g. 300s, 5m, 1h)" },
		{ "log_repeat_window = 8d\n",
		  "t.conf:1: log_repeat_window: value out of range" },
		{ "milter_timeout = 0\n", "t.conf:1: milter_timeout: value out of range" },
		{ "syslog_facility = kern\n",
		  "t.conf:1: syslog_facility: unknown syslog facility" },
		{ "double_bounce_sender =\n",
		  "t.conf:1: double_bounce_sender: empty value" },
		{ "pid_file = /a\x01b\n", "t.conf:1: pid_file: white space or "
		  "control character in value" },
		{ "alert_spool = var/spool/relayhint\n",
		  "t.conf:1: alert_spool: path must be absolute" },
		{ "alert_quiet = 1w\n", "t.conf:1: alert_quiet: not a time "
		  "(e.g. 300s, 5m, 1h)" },
		{ "alert_quiet = 8d\n", "t.conf:1: alert_quiet: value out of range" },
		{ "alert_spool_max = 0\n",
		  "t.conf:1: alert_spool_max: value out of range" },
		{ "alert_spool_max = many\n",
		  "t.conf:1: alert_spool_max: not a number" },
	};
	struct config c;
	char	 err[256];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		config_init(&c);
		err[0] = '\0';
		if (config_load_buf(&c, t[i].in, strlen(t[i].in), "t.conf", err,
		    sizeof(err)) != -1)
			fail_msg("%s: got success, want %s", t[i].in, t[i].want);
		if (strcmp(err, t[i].want) != 0)
			fail_msg("%s: got \"%s\", want \"%s\"", t[i].in, err,
			    t[i].want);
	}
}

/* limits: a long line, a NUL byte, an over-long value */
static void
test_limits(void **state)
{
	struct config c;
	char	 err[256], *big;

	(void)state;
	big = malloc(CONFIG_LINE_MAX + 64);
	assert_non_null(big);
	memset(big, 'a', CONFIG_LINE_MAX + 10);
	memcpy(big, "pid_file = /", 12);
	big[CONFIG_LINE_MAX + 10] = '\n';
	config_init(&c);
	assert_int_equal(config_load_buf(&c, big, CONFIG_LINE_MAX + 11, "t",
	    err, sizeof(err)), -1);
	assert_string_equal(err, "t:1: line too long");
	/* fits in a line, not in the field */
	big[300] = '\n';
	config_init(&c);
	assert_int_equal(config_load_buf(&c, big, 301, "t", err, sizeof(err)),
	    -1);
	assert_string_equal(err, "t:1: pid_file: value too long");
	config_init(&c);
	assert_int_equal(config_load_buf(&c, "language = en\0x\n", 16, "t",
	    err, sizeof(err)), -1);
	assert_string_equal(err, "t:1: NUL byte");
	free(big);
}

/* the file loader: missing, world-writable, directory, good */
static void
test_file(void **state)
{
	char	 path[] = "/tmp/rh-test-config.XXXXXX", err[512], want[600];
	struct config c;
	int	 fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "language = de\n", 14), 14);
	close(fd);
	chmod(path, 0644);
	config_init(&c);
	if (config_load(&c, path, err, sizeof(err)) != 0)
		fail_msg("got %s, want success", err);
	assert_string_equal(c.language, "de");
	chmod(path, 0666);
	config_init(&c);
	assert_int_equal(config_load(&c, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: refusing a world-writable "
	    "configuration file (chmod o-w)", path);
	assert_string_equal(err, want);
	unlink(path);
	config_init(&c);
	assert_int_equal(config_load(&c, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	assert_string_equal(err, want);
	config_init(&c);
	assert_int_equal(config_load(&c, "/", err, sizeof(err)), -1);
	assert_string_equal(err, "/: not a regular file");
}

/* socket forms we accept */
static void
test_socket(void **state)
{
	static const char *good[] = {
		"inet:8894@127.0.0.1", "inet:8894", "inet6:8894@[::1]",
		"unix:/run/relayhint/relayhint.sock", "local:/var/spool/x.sock",
		"inet:1@localhost", "inet:65535@127.0.0.1",
	};
	static const char *bad[] = {
		"inet:127.0.0.1:8894", "inet:0@127.0.0.1", "inet:@127.0.0.1",
		"inet:", "unix:", "unix:x", "8894", "inet:65536",
		"inet:88a4@127.0.0.1",
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (setting_socket_check(good[i]) != NULL)
			fail_msg("%s: got \"%s\", want accepted", good[i],
			    setting_socket_check(good[i]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (setting_socket_check(bad[i]) == NULL)
			fail_msg("%s: got accepted, want an error", bad[i]);
}

/* the shipped files parse */
static void
test_shipped(void **state)
{
	static const char *files[] = {
		"conf/relayhint.conf", "conf/relayhint.conf.sample",
	};
	struct config c;
	char	 err[512], *text;
	size_t	 i, len;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		text = tu_read(files[i], &len);
		config_init(&c);
		if (config_load_buf(&c, text, len, files[i], err,
		    sizeof(err)) != 0)
			fail_msg("%s: %s", files[i], err);
		free(text);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_socket),
		cmocka_unit_test(test_shipped),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
