/*
 * test_alertspool.c - the alert spool and the adapters' on-disk quiet window
 *
 * Each test works in a fresh directory under /tmp: the first sighting
 * of a cause spools, repeats inside the quiet window do not, the first
 * after it does with the count held back; processes racing on one cause
 * spool exactly once; the bound drops the oldest with a log line; a bad
 * cause id never becomes a path; an unusable spool is an error, not a
 * crash.
 */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alertspool.h"
#include "buf.h"
#include "explain.h"
#include "kbfixture.h"

static const char r573[] = "535 5.7.3 Authentication unsuccessful "
    "[SN4PR0501CA0054.namprd05.prod.outlook.com]";
static const char r139[] = "535 5.7.139 Authentication unsuccessful, "
    "SmtpClientAuthentication is disabled for the Tenant. Visit "
    "https://aka.ms/smtp_auth_disabled for more information. "
    "[DM6PR02CA0123.namprd02.prod.outlook.com]";

/* a log callback that counts and keeps the last line */
static int nlogged;
static char lastlog[512];

static void
logged(void *ctx, const char *msg)
{
	(void)ctx;
	nlogged++;
	snprintf(lastlog, sizeof(lastlog), "%s", msg);
}

/* verdict_of - classify a real Microsoft reply */
static void
verdict_of(struct verdict *v, const char *reply)
{
	verdict_init(v);
	assert_int_equal(explain_reply(&kb, reply, strlen(reply),
	    "smtp.office365.com", v), 1);
	assert_non_null(v->cause);
}

/* rm_tree - remove a test directory (two levels are enough here) */
static void
rm_tree(const char *dir)
{
	char	 cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* nalerts - alert files in the spool */
static int
nalerts(const char *dir)
{
	char	**names;
	int	 n = alertspool_list(dir, &names);

	if (n >= 0)
		alertspool_list_free(names, n);
	return (n);
}

/* alert_at - parse the i-th oldest alert file */
static void
alert_at(const char *dir, int i, struct alert *a)
{
	char	**names, path[600], err[256];
	struct buf text;
	int	 n = alertspool_list(dir, &names);

	assert_true(i < n);
	snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
	buf_init(&text, ALERT_FILE_MAX);
	assert_int_equal(buf_load_file(&text, path, err, sizeof(err)), 0);
	assert_int_equal(alertspool_parse(a, text.data, text.len), 0);
	buf_free(&text);
	alertspool_list_free(names, n);
}

/* first, held back, after the window with the count held back */
static void
test_quiet_window(void **state)
{
	char	 dir[] = "/tmp/rh-aspool.XXXXXX", err[ALERT_ERR_MAX];
	struct alertspool sp = { NULL, 10, 60, logged, NULL };
	struct verdict v, w;
	struct alert a;

	(void)state;
	assert_non_null(mkdtemp(dir));
	sp.dir = dir;
	verdict_of(&v, r573);
	verdict_of(&w, r139);
	assert_int_equal(alertspool_note(&sp, &v, &kb.hints, "en", "milter",
	    1000, err, sizeof(err)), 1);
	assert_int_equal(nalerts(dir), 1);
	assert_int_equal(alertspool_note(&sp, &v, &kb.hints, "en", "milter",
	    1010, err, sizeof(err)), 0);
	assert_int_equal(alertspool_note(&sp, &v, &kb.hints, "en", "milter",
	    1059, err, sizeof(err)), 0);
	assert_int_equal(nalerts(dir), 1);
	/* another cause has its own window */
	assert_int_equal(alertspool_note(&sp, &w, &kb.hints, "en", "milter",
	    1020, err, sizeof(err)), 1);
	assert_int_equal(nalerts(dir), 2);
	/* 60 s after the first alert: the next one, with 2 held back */
	assert_int_equal(alertspool_note(&sp, &v, &kb.hints, "en", "milter",
	    1060, err, sizeof(err)), 1);
	assert_int_equal(nalerts(dir), 3);
	alert_at(dir, 0, &a);
	assert_string_equal(a.cause, "m365.auth.bad_credentials");
	assert_int_equal(a.count, 1);
	assert_int_equal(a.suppressed, 0);
	assert_string_equal(a.first_seen, "1970-01-01T00:16:40Z");
	assert_string_equal(a.source, "milter");
	assert_int_equal(a.smtp_code, 535);
	assert_string_equal(a.status, "5.7.3");
	assert_true(a.nsteps > 0 && a.summary[0] != '\0');
	alert_at(dir, 2, &a);
	assert_string_equal(a.cause, "m365.auth.bad_credentials");
	assert_int_equal(a.count, 4);
	assert_int_equal(a.suppressed, 2);
	assert_string_equal(a.first_seen, "1970-01-01T00:16:40Z");
	assert_string_equal(a.last_seen, "1970-01-01T00:17:40Z");
	/* the window starts again at the second alert */
	assert_int_equal(alertspool_note(&sp, &v, &kb.hints, "en", "milter",
	    1100, err, sizeof(err)), 0);
	/* quiet 0: every sighting */
	sp.quiet = 0;
	assert_int_equal(alertspool_note(&sp, &v, &kb.hints, "en", "milter",
	    1101, err, sizeof(err)), 1);
	alert_at(dir, 3, &a);
	assert_int_equal(a.count, 6);
	assert_int_equal(a.suppressed, 1);
	/* alerts off: nothing, no error */
	sp.dir = "";
	assert_int_equal(alertspool_note(&sp, &v, &kb.hints, "en", "milter",
	    1102, err, sizeof(err)), 0);
	assert_int_equal(nlogged, 0);
	rm_tree(dir);
}

/* processes racing on one cause: exactly one alert, every sighting counted */
static void
test_race(void **state)
{
	enum { NPROC = 8 };
	char	 dir[] = "/tmp/rh-aspool.XXXXXX", err[ALERT_ERR_MAX],
		 path[600], line[256];
	struct alertspool sp = { NULL, 100, 3600, logged, NULL };
	struct verdict v;
	pid_t	 pid[NPROC];
	int	 go[2], i, st, ones = 0, bad = 0, fd;
	ssize_t	 n;
	char	 c;

	(void)state;
	assert_non_null(mkdtemp(dir));
	sp.dir = dir;
	verdict_of(&v, r139);
	assert_int_equal(pipe(go), 0);
	for (i = 0; i < NPROC; i++) {
		assert_true((pid[i] = fork()) >= 0);
		if (pid[i] == 0) {
			close(go[1]);
			/* all start together when the parent closes the pipe */
			while (read(go[0], &c, 1) > 0)
				;
			st = alertspool_note(&sp, &v, &kb.hints, "en", "exim",
			    time(NULL), err, sizeof(err));
			if (st < 0)
				fprintf(stderr, "child: %s\n", err);
			_exit(st == 1 ? 1 : st == 0 ? 0 : 2);
		}
	}
	close(go[0]);
	close(go[1]);
	for (i = 0; i < NPROC; i++) {
		assert_int_equal(waitpid(pid[i], &st, 0), pid[i]);
		assert_true(WIFEXITED(st));
		ones += WEXITSTATUS(st) == 1;
		bad += WEXITSTATUS(st) == 2;
	}
	assert_int_equal(bad, 0);
	assert_int_equal(ones, 1);
	assert_int_equal(nalerts(dir), 1);
	snprintf(path, sizeof(path), "%s/state/%s", dir, v.cause);
	assert_true((fd = open(path, O_RDONLY)) >= 0);
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	assert_true(n > 0);
	line[n] = '\0';
	/* "relayhint-alert-state 1 FIRST LAST COUNT HELD" */
	assert_non_null(strstr(line, " 8 7\n"));
	rm_tree(dir);
}

/* the bound: the oldest go, each with a log line */
static void
test_bound(void **state)
{
	char	 dir[] = "/tmp/rh-aspool.XXXXXX", err[ALERT_ERR_MAX];
	struct verdict v;
	struct alert a, got;
	int	 i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	verdict_of(&v, r573);
	alertspool_fill(&a, &v, &kb.hints, "en", "test");
	nlogged = 0;
	for (i = 1; i <= 5; i++) {
		a.count = (unsigned long)i;
		assert_int_equal(alertspool_put(dir, 3, &a, logged, NULL, err,
		    sizeof(err)), 0);
	}
	assert_int_equal(nalerts(dir), 3);
	assert_int_equal(nlogged, 2);
	assert_non_null(strstr(lastlog, "alert spool full (3): dropped "
	    "oldest alert a."));
	for (i = 0; i < 3; i++) {
		alert_at(dir, i, &got);
		assert_int_equal(got.count, (unsigned long)(i + 3));
	}
	nlogged = 0;
	rm_tree(dir);
}

/* a cause id becomes a file name only when it is [a-z0-9._-] */
static void
test_bad_cause(void **state)
{
	static const struct {
		const char *id;
		int	 ok;
	} t[] = {
		{ "m365.auth.bad_credentials", 1 },
		{ "relay.sasl.no_worthy_mechs", 1 },
		{ "a-b.c_d.9", 1 },
		{ "../evil", 0 },
		{ "..", 0 },
		{ ".", 0 },
		{ ".hidden", 0 },
		{ "a/b", 0 },
		{ "/etc/passwd", 0 },
		{ "M365.Auth", 0 },
		{ "a b", 0 },
		{ "a\nb", 0 },
		{ "", 0 },
	};
	char	 dir[] = "/tmp/rh-aspool.XXXXXX", err[ALERT_ERR_MAX],
		 path[600], longid[200];
	struct alertspool sp = { NULL, 10, 60, logged, NULL };
	struct verdict v;
	struct stat st;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (alertspool_cause_ok(t[i].id) != t[i].ok)
			fail_msg("cause_ok(\"%s\"): got %d, want %d", t[i].id,
			    !t[i].ok, t[i].ok);
	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	assert_false(alertspool_cause_ok(longid));
	assert_false(alertspool_cause_ok(NULL));

	assert_non_null(mkdtemp(dir));
	sp.dir = dir;
	verdict_of(&v, r573);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (t[i].ok || t[i].id[0] == '\0')
			continue;
		v.cause = t[i].id;
		err[0] = '\0';
		assert_int_equal(alertspool_note(&sp, &v, &kb.hints, "en",
		    "test", 1000, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "is not [a-z0-9._-]"));
		/* printable in the message, whatever the id held */
		assert_null(strchr(err, '\n'));
	}
	v.cause = longid;
	assert_int_equal(alertspool_note(&sp, &v, &kb.hints, "en", "test",
	    1000, err, sizeof(err)), -1);
	/* nothing was made: no state directory, no alert, no "evil" */
	snprintf(path, sizeof(path), "%s/state", dir);
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(nalerts(dir), 0);
	assert_int_equal(stat("/tmp/evil", &st) == 0 &&
	    st.st_mtime >= time(NULL) - 5, 0);
	rm_tree(dir);
}

/* an unusable spool is an error with a reason, never a crash */
static void
test_unwritable(void **state)
{
	char	 dir[] = "/tmp/rh-aspool.XXXXXX", err[ALERT_ERR_MAX],
		 path[600], target[600];
	struct alertspool sp = { NULL, 10, 60, logged, NULL };
	struct verdict v;
	struct alert a;
	struct stat st;
	int	 fd, i;

	(void)state;
	verdict_of(&v, r573);
	/* missing */
	sp.dir = "/nonexistent/rh-spool";
	err[0] = '\0';
	assert_int_equal(alertspool_note(&sp, &v, &kb.hints, "en", "test",
	    1000, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/rh-spool"));
	alertspool_fill(&a, &v, &kb.hints, "en", "test");
	assert_int_equal(alertspool_put(sp.dir, 3, &a, logged, NULL, err,
	    sizeof(err)), -1);
	/* a path through a regular file: ENOTDIR even for root */
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/file", dir);
	assert_true((fd = open(path, O_WRONLY | O_CREAT, 0600)) >= 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/file/spool", dir);
	sp.dir = path;
	assert_int_equal(alertspool_note(&sp, &v, &kb.hints, "en", "test",
	    1000, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "Not a directory"));
	/* read-only for a user other than root */
	if (geteuid() != 0) {
		assert_int_equal(chmod(dir, 0500), 0);
		sp.dir = dir;
		assert_int_equal(alertspool_note(&sp, &v, &kb.hints, "en",
		    "test", 1000, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "Permission denied"));
		chmod(dir, 0700);
	}
	/* a symbolic link where the state file goes is not followed */
	snprintf(path, sizeof(path), "%s/state", dir);
	assert_int_equal(mkdir(path, 0770), 0);
	snprintf(target, sizeof(target), "%s/target", dir);
	assert_true((fd = open(target, O_WRONLY | O_CREAT, 0600)) >= 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/state/%s", dir, v.cause);
	assert_int_equal(symlink(target, path), 0);
	sp.dir = dir;
	assert_int_equal(alertspool_note(&sp, &v, &kb.hints, "en", "test",
	    1000, err, sizeof(err)), -1);
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_size, 0);
	/* too many causes: a new one is refused, known ones still count */
	unlink(path);
	for (i = 0; i < ALERT_STATE_MAX; i++) {
		snprintf(path, sizeof(path), "%s/state/x%d", dir, i);
		assert_true((fd = open(path, O_WRONLY | O_CREAT, 0600)) >= 0);
		close(fd);
	}
	assert_int_equal(alertspool_note(&sp, &v, &kb.hints, "en", "test",
	    1000, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "causes"));
	assert_int_equal(nalerts(dir), 0);
	rm_tree(dir);
}

/*
 * an alert that could not be spooled starts no quiet window: the next
 * sighting spools it (a full disk, here a file size limit that the
 * short state line fits under and the alert does not, used to mute the
 * cause for alert_quiet with nothing sent)
 */
static void
test_quiet_after_spool(void **state)
{
	char	 dir[] = "/tmp/rh-aspool.XXXXXX", err[ALERT_ERR_MAX];
	struct alertspool sp = { NULL, 10, 3600, logged, NULL };
	struct verdict v;
	struct rlimit old, lim;
	void	(*oldsig)(int);

	(void)state;
	verdict_of(&v, r573);
	assert_non_null(mkdtemp(dir));
	sp.dir = dir;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 200;
	oldsig = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	err[0] = '\0';
	assert_int_equal(alertspool_note(&sp, &v, &kb.hints, "en", "test",
	    1000, err, sizeof(err)), -1);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, oldsig);
	assert_non_null(strstr(err, "alert spool"));
	assert_int_equal(nalerts(dir), 0);
	/* inside what would have been the quiet window: still due */
	assert_int_equal(alertspool_note(&sp, &v, &kb.hints, "en", "test",
	    1001, err, sizeof(err)), 1);
	assert_int_equal(nalerts(dir), 1);
	/* now the window runs: the next sighting is held back */
	assert_int_equal(alertspool_note(&sp, &v, &kb.hints, "en", "test",
	    1002, err, sizeof(err)), 0);
	assert_int_equal(nalerts(dir), 1);
	rm_tree(dir);
}

/* modes whatever the umask: group-readable alerts, group-writable state */
static void
test_modes(void **state)
{
	char	 dir[] = "/tmp/rh-aspool.XXXXXX", err[ALERT_ERR_MAX],
		 path[600], **names;
	struct alertspool sp = { NULL, 10, 60, logged, NULL };
	struct verdict v;
	struct stat st;
	mode_t	 old;
	int	 n, fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	sp.dir = dir;
	verdict_of(&v, r573);
	old = umask(077);
	assert_int_equal(alertspool_note(&sp, &v, &kb.hints, "en", "test",
	    1000, err, sizeof(err)), 1);
	umask(old);
	snprintf(path, sizeof(path), "%s/state/%s", dir, v.cause);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0660);
	snprintf(path, sizeof(path), "%s/state", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0770, 0770);
	n = alertspool_list(dir, &names);
	assert_int_equal(n, 1);
	snprintf(path, sizeof(path), "%s/%s", dir, names[0]);
	alertspool_list_free(names, n);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	/* a damaged state file starts the cause afresh */
	snprintf(path, sizeof(path), "%s/state/%s", dir, v.cause);
	assert_true((fd = open(path, O_WRONLY | O_TRUNC)) >= 0);
	assert_int_equal(write(fd, "garbage\n", 8), 8);
	close(fd);
	assert_int_equal(alertspool_note(&sp, &v, &kb.hints, "en", "test",
	    1001, err, sizeof(err)), 1);
	rm_tree(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quiet_window),
		cmocka_unit_test(test_race),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_bad_cause),
		cmocka_unit_test(test_unwritable),
		cmocka_unit_test(test_quiet_after_spool),
		cmocka_unit_test(test_modes),
	};

	return (cmocka_run_group_tests(tests, kb_setup, kb_teardown));
}
