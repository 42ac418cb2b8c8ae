/*
 * doctor.c - relayhint doctor: audit the local MTA's Microsoft 365 path
 *
 * Functions: cmd_doctor.
 *
 * Runs the checks of doctor/doctor*.c against the real system: commands
 * (postconf, postmap, exim) run without a shell, with a clean
 * environment, stdin from /dev/null, stderr discarded, a time limit of
 * DOCTOR_CMD_TIMEOUT seconds and their output bounded.  Prints the
 * report (--json for tools) and exits 0 OK, 1 WARN, 2 FAIL, 3 could not
 * check (2 is also a usage error, as for every relayhint command).
 *
 * Limits: each command's output is bounded by the caller's buffer; a
 * command that outlives the timeout is killed and counts as failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "metrics.h"
#include "doctor.h"

#define DOCTOR_CMD_TIMEOUT	20	/* seconds */

extern char **environ;
#define DOCTOR_EXIT_UNCHECKED	3

/*
 * run_argv - fork and exec argv with a bounded output and a deadline;
 * the command's stderr goes to ours when keep_err (its own diagnostics,
 * "postqueue: fatal: ...", are what the admin needs), else to /dev/null
 */
static int
run_argv(char *const argv[], struct buf *out, int keep_err)
{
	static char *const env[] = {
		"PATH=/usr/sbin:/usr/bin:/sbin:/bin:/usr/local/sbin:/usr/local/bin",
		"LC_ALL=C", NULL
	};
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	char	 chunk[4096];
	pid_t	 pid;
	int	 fd[2], status, devnull, flags, done = 0;
	ssize_t	 n;
	time_t	 deadline;

	if (pipe(fd) < 0)
		return (-1);
	if ((pid = fork()) < 0) {
		close(fd[0]);
		close(fd[1]);
		return (-1);
	}
	if (pid == 0) {
		devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0) {
			dup2(devnull, 0);
			if (!keep_err)
				dup2(devnull, 2);
			if (devnull > 2)
				close(devnull);
		}
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		environ = (char **)env;
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fd[1]);
	flags = fcntl(fd[0], F_GETFL);
	fcntl(fd[0], F_SETFL, flags | O_NONBLOCK);
	deadline = time(NULL) + DOCTOR_CMD_TIMEOUT;
	while (!done) {
		n = read(fd[0], chunk, sizeof(chunk));
		if (n > 0) {
			/* beyond the bound: keep draining, flag overflow */
			buf_append(out, chunk, (size_t)n);
			continue;
		}
		if (n == 0)
			done = 1;
		else if (errno == EAGAIN || errno == EINTR) {
			if (time(NULL) > deadline) {
				kill(pid, SIGKILL);
				done = 2;
			} else
				nanosleep(&ts, NULL);
		} else
			done = 1;
	}
	close(fd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (done == 2)
		return (-1);
	if (WIFEXITED(status))
		return (WEXITSTATUS(status) == 127 ? -1 : WEXITSTATUS(status));
	return (-1);
}

/* cli_run - a command's output, its stderr discarded (doctor's probes) */
int
cli_run(void *ctx, char *const argv[], struct buf *out)
{
	(void)ctx;
	return (run_argv(argv, out, 0));
}

/* cli_run_loud - the same with the command's stderr passed through */
int
cli_run_loud(char *const argv[], struct buf *out)
{
	return (run_argv(argv, out, 1));
}

/* cli_uid - the uid of a local user, -1 when there is none */
long
cli_uid(void *ctx, const char *user)
{
	struct passwd *pw;

	(void)ctx;
	if ((pw = getpwnam(user)) == NULL)
		return (-1);
	return ((long)pw->pw_uid);
}

/* have_prog - an executable of that name in the PATH real_run uses */
static int
have_prog(const char *name)
{
	static const char *const dirs[] = { "/usr/sbin", "/usr/bin", "/sbin",
	    "/bin", "/usr/local/sbin", "/usr/local/bin" };
	char	 p[256];
	size_t	 i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dirs[i], name);
		if (access(p, X_OK) == 0)
			return (1);
	}
	return (0);
}

/* doctor_metrics - the report as Prometheus gauges in path; -1 on error */
static int
doctor_metrics(const struct doctor_report *r, const char *path)
{
	static const char *const res[] = { "ok", "info", "warn", "fail",
	    "skip" };
	struct metrics m;
	char	 err[512];
	int	 i, rc;

	if (metrics_init(&m) < 0)
		return (-1);
	metrics_put(&m, METRICS_SET, "relayhint_basic_auth_off_timestamp_seconds",
	    (double)DOCTOR_BASIC_OFF_TIME, (char *)NULL);
	for (i = 0; i < 5; i++)
		metrics_put(&m, METRICS_ADD, "relayhint_doctor_checks", 0,
		    "result", res[i], (char *)NULL);
	for (i = 0; i < r->n; i++) {
		metrics_put(&m, METRICS_ADD, "relayhint_doctor_checks", 1,
		    "result", res[r->c[i].level], (char *)NULL);
		/* check ids are ours; the subject (a host, a file) is not */
		metrics_put(&m, METRICS_MAX, "relayhint_doctor_check_result",
		    (double)r->c[i].level, "check", r->c[i].id, (char *)NULL);
	}
	if ((rc = metrics_write(&m, path, err, sizeof(err))) < 0)
		fprintf(stderr, "relayhint: metrics: %s\n", err);
	metrics_free(&m);
	return (rc);
}

/* cmd_doctor - doctor [--mta postfix|exim] [--config-dir DIR] [--json] */
int
cmd_doctor(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "mta", required_argument, NULL, 'm' },
		{ "config-dir", required_argument, NULL, 'C' },
		{ "xoauth2-conf", required_argument, NULL, 'x' },
		{ "passwd-client", required_argument, NULL, 'p' },
		{ "exim", required_argument, NULL, 'e' },
		{ "metrics", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct doctor_report *r;
	struct doctor_opts dopts;
	struct doctor_io io;
	struct buf out;
	const char *mta = NULL, *metrics_path = NULL;
	int	 ch, rc;

	memset(&dopts, 0, sizeof(dopts));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "jm:C:x:p:e:M:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			c->json = 1;
			break;
		case 'm':
			mta = optarg;
			break;
		case 'C':
			dopts.config_dir = optarg;
			break;
		case 'x':
			dopts.xoauth2_conf = optarg;
			break;
		case 'p':
			dopts.passwd_client = optarg;
			break;
		case 'e':
			dopts.exim = optarg;
			mta = "exim";
			break;
		case 'M':
			metrics_path = optarg;
			break;
		case 'h':
			usage_cmd(stdout, "doctor");
			return (0);
		default:
			usage_cmd(stderr, "doctor");
			return (EXIT_USAGE);
		}
	}
	if (optind != argc || (mta != NULL && strcmp(mta, "postfix") != 0 &&
	    strcmp(mta, "exim") != 0)) {
		usage_cmd(stderr, "doctor");
		return (EXIT_USAGE);
	}
	if (mta == NULL)
		mta = have_prog("postconf") ? "postfix" : have_prog("exim") ||
		    have_prog("exim4") ? "exim" : "postfix";
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		fprintf(stderr, "relayhint: out of memory\n");
		return (DOCTOR_EXIT_UNCHECKED);
	}
	memset(&io, 0, sizeof(io));
	io.run = cli_run;
	io.uid = cli_uid;
	io.root = "";
	io.now = time(NULL);
	if (strcmp(mta, "exim") == 0)
		doctor_exim(&io, &dopts, r);
	else
		doctor_postfix(&io, &dopts, r);
	buf_init(&out, 4 * 1024 * 1024);
	if (c->json)
		doctor_json(r, &out);
	else
		doctor_text(r, &out);
	fwrite(out.data, 1, out.len, stdout);
	buf_free(&out);
	rc = doctor_exit(r);
	if (metrics_path != NULL && doctor_metrics(r, metrics_path) < 0 &&
	    rc < DOCTOR_EXIT_UNCHECKED)
		rc = DOCTOR_EXIT_UNCHECKED;
	free(r);
	return (rc);
}
