/*
 * relayhint-milter.c - the daemon: options, privileges, socket, signals
 *
 * Functions: main and its helpers (usage, version, daemonize, drop_user,
 * supervise, worker).
 *
 * Process layout.  libmilter's signal thread treats SIGHUP like SIGTERM
 * (it stops the milter), so SIGHUP cannot reach libmilter if it is to
 * mean "reload".  The daemon is therefore two processes, as OpenDKIM's
 * AutoRestart mode is: a supervisor that owns the signals and a worker
 * that runs smfi_main().  SIGHUP to the supervisor becomes SIGUSR1 to
 * the worker, whose reload thread builds a new configuration and
 * knowledge base and swaps them in only when both are valid.  SIGTERM
 * and SIGINT to the supervisor become SIGUSR2 to the worker, which exits
 * at once: libmilter's own stop (smfi_stop) is noticed only at its
 * listener's next poll, seconds later, and a manual restart in that time
 * found the socket still taken.  Sessions in flight end with the MTA's
 * default_action (fail open; the milter's changes are ordered so that a
 * cut leaves a valid message, see mlfi.c); then the supervisor exits.  A worker that dies
 * is restarted, at most RESTART_MAX times per RESTART_WINDOW seconds.
 *
 * Privileges: started as root, it reads the configuration, creates the
 * directory of a unix socket, then switches to "user =" before anything
 * else; without "user =" it refuses to run as root.
 *
 * Exit codes (sysexits): 0, EX_USAGE, EX_CONFIG (bad configuration, also
 * for -n), EX_NOUSER, EX_OSERR, EX_SOFTWARE (worker keeps dying).
 *
 * Logs: start, stop, reload and its failure, worker restarts (syslog,
 * facility and socket from the configuration; stderr too with -d).
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "config.h"
#include "explain.h"
#include "hint.h"
#include "log.h"
#include "mlfi.h"

#define RESTART_MAX	5
#define RESTART_WINDOW	60
#define STOP_WAIT	10		/* seconds before SIGKILL at shutdown */

#ifndef RH_SYSCONFDIR
#define RH_SYSCONFDIR	"/etc/relayhint"
#endif
#define DEFAULT_CONF	RH_SYSCONFDIR "/relayhint.conf"

static const char *conf_path = DEFAULT_CONF;
static int	 conf_given;
static volatile pid_t worker_pid;

/* usage - the synopsis */
static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: relayhint-milter [-dfnV] [-c file] [-t file]\n"
	    "  -c file  configuration (default " DEFAULT_CONF ")\n"
	    "  -f       stay in the foreground\n"
	    "  -d       debug: foreground, log to stderr too\n"
	    "  -n       check the configuration and exit\n"
	    "  -t file  run one message file through the filter, print it\n"
	    "  -V       version, libmilter, rules and catalogs\n"
	    "  -h       this help\n");
}

/* version - what was built and what it loads */
static int
version(void)
{
	struct runtime *rt;
	unsigned int maj, min, pl;
	char	 err[512];
	int	 i;

	smfi_version(&maj, &min, &pl);
	printf("relayhint-milter %s\n", RH_VERSION);
	printf("libmilter %u.%u.%u (built with SMFI_VERSION 0x%x)\n", maj, min,
	    pl, (unsigned)SMFI_VERSION);
	if ((rt = runtime_build(conf_given ? conf_path : NULL, err,
	    sizeof(err))) == NULL) {
		printf("configuration: %s\n", err);
		return (EX_CONFIG);
	}
	printf("rules: %d causes, %d rules (%s)\n", rt->kb.rules->ncauses,
	    rt->kb.rules->nrules, rt->cfg.rules_file[0] ? rt->cfg.rules_file :
	    "compiled-in");
	printf("catalogs (%s):", rt->cfg.hints_dir[0] ? rt->cfg.hints_dir :
	    "compiled-in");
	for (i = 0; i < rt->kb.hints.ncat; i++)
		printf(" %s", rt->kb.hints.cat[i].lang);
	printf("\n");
	runtime_free(rt);
	return (0);
}

/* load - build the first runtime; missing default file means defaults */
static struct runtime *
load(char *err, size_t errlen)
{
	if (!conf_given && access(conf_path, F_OK) < 0 && errno == ENOENT)
		return (runtime_build(NULL, err, errlen));
	return (runtime_build(conf_path, err, errlen));
}

/* socket_dir - create the directory of a unix socket, owned by the user */
static int
socket_dir(const struct config *cfg, const struct passwd *pw)
{
	char	 dir[CONFIG_PATH_MAX], *slash;
	const char *path;

	if (strncmp(cfg->socket, "unix:", 5) != 0 &&
	    strncmp(cfg->socket, "local:", 6) != 0)
		return (0);
	path = strchr(cfg->socket, ':') + 1;
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return (0);
	*slash = '\0';
	if (mkdir(dir, 0750) < 0) {
		if (errno == EEXIST)
			return (0);
		fprintf(stderr, "relayhint-milter: mkdir %s: %s\n", dir,
		    strerror(errno));
		return (-1);
	}
	if (pw != NULL && chown(dir, pw->pw_uid, pw->pw_gid) < 0) {
		fprintf(stderr, "relayhint-milter: chown %s: %s\n", dir,
		    strerror(errno));
		return (-1);
	}
	return (0);
}

/* drop_user - become pw for good */
static int
drop_user(const struct passwd *pw)
{
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 ||
	    setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
		fprintf(stderr, "relayhint-milter: cannot switch to user "
		    "%s: %s\n", pw->pw_name, strerror(errno));
		return (-1);
	}
	if (setuid(0) == 0) {
		fprintf(stderr, "relayhint-milter: still root after "
		    "switching to %s\n", pw->pw_name);
		return (-1);
	}
	return (0);
}

/* daemonize - detach from the terminal */
static int
daemonize(void)
{
	pid_t	 pid;
	int	 fd;

	if ((pid = fork()) < 0)
		return (-1);
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return (-1);
	if ((pid = fork()) < 0)
		return (-1);
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		return (-1);
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return (0);
}

/* write_pid - the supervisor's pid, if asked for */
static void
write_pid(const char *path)
{
	FILE	*fp;

	if (*path == '\0')
		return;
	if ((fp = fopen(path, "w")) == NULL) {
		log_warning("relayhint: cannot write %s: %m", path);
		return;
	}
	fprintf(fp, "%ld\n", (long)getpid());
	fclose(fp);
}

/* reload_thread - SIGUSR1: build, swap on success; SIGUSR2: exit now */
static void *
reload_thread(void *arg)
{
	struct runtime *rt;
	struct config old;
	sigset_t set;
	char	 err[512];
	int	 sig;

	(void)arg;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGUSR2)
			_exit(0);	/* the kernel closes the socket */
		if ((rt = runtime_build(conf_given || access(conf_path, F_OK) ==
		    0 ? conf_path : NULL, err, sizeof(err))) == NULL) {
			log_warning("relayhint: reload failed, keeping the old "
			    "configuration: %s", err);
			continue;
		}
		if (runtime_current_config(&old) == 0 &&
		    (strcmp(old.socket, rt->cfg.socket) != 0 ||
		    strcmp(old.user, rt->cfg.user) != 0))
			log_warning("relayhint: socket or user changed: restart "
			    "relayhint-milter to apply");
		log_open("relayhint-milter", rt->cfg.syslog_facility,
		    rt->cfg.syslog_socket);
		runtime_install(rt);
		log_info("relayhint: configuration reloaded");
	}
	return (NULL);
}

/*
 * worker_sigset - the worker's blocked signals.  Every thread inherits
 * them: SIGUSR1/SIGUSR2 only for the reload thread's sigwait, HUP/TERM/
 * INT only for libmilter's signal thread (which blocks them itself, but
 * only in threads started after it).
 */
static void
worker_sigset(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGUSR2);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
}

/* worker - the libmilter process */
static int
worker(const struct config *cfg)
{
	pthread_t tid;
	sigset_t set;
	const char *path = NULL;
	mode_t	 old;
	int	 rc;

	worker_sigset(&set);
	pthread_sigmask(SIG_SETMASK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (pthread_create(&tid, NULL, reload_thread, NULL) != 0) {
		log_error("relayhint: cannot start the reload thread");
		return (EX_OSERR);
	}
	pthread_detach(tid);
	if (strncmp(cfg->socket, "unix:", 5) == 0 ||
	    strncmp(cfg->socket, "local:", 6) == 0)
		path = strchr(cfg->socket, ':') + 1;
	if (smfi_setconn((char *)cfg->socket) != MI_SUCCESS ||
	    smfi_settimeout(cfg->milter_timeout) != MI_SUCCESS ||
	    mlfi_register() < 0) {
		log_error("relayhint: libmilter setup failed for %s",
		    cfg->socket);
		return (EX_SOFTWARE);
	}
	old = umask((mode_t)(~cfg->socket_mode & 0777));
	rc = smfi_opensocket(1);
	umask(old);
	if (rc != MI_SUCCESS) {
		log_error("relayhint: cannot listen on %s", cfg->socket);
		return (EX_OSERR);
	}
	if (path != NULL && chmod(path, (mode_t)cfg->socket_mode) < 0)
		log_warning("relayhint: chmod %s: %m", path);
	log_info("relayhint: listening on %s", cfg->socket);
	rc = smfi_main();
	return (rc == MI_SUCCESS ? 0 : EX_SOFTWARE);
}

/*
 * start_worker - fork one.  SIGUSR1 (reload) and SIGUSR2 (stop) are blocked from before
 * the fork until the reload thread waits for it: a SIGHUP right after a
 * start used to reach the worker while SIGUSR1 still had its default
 * action, and killed it.  The worker keeps the supervisor's blocked set
 * plus both, minus SIGCHLD; worker() sets its final mask.
 */
static pid_t
start_worker(const struct config *cfg)
{
	sigset_t set;
	pid_t	 pid;

	if ((pid = fork()) == 0) {
		worker_sigset(&set);
		sigprocmask(SIG_SETMASK, &set, NULL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		_exit(worker(cfg));
	}
	return (pid);
}

/* supervise - own the signals, keep one worker running */
static int
supervise(const struct config *cfg)
{
	struct timespec ts = {1, 0};
	time_t	 starts[RESTART_MAX];
	sigset_t set, usr1;
	pid_t	 pid;
	int	 sig, status, nstart = 0, stopping = 0, i;
	time_t	 deadline = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* inherited by each worker from the fork on (start_worker) */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigaddset(&usr1, SIGUSR2);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	memset(starts, 0, sizeof(starts));
	starts[nstart++ % RESTART_MAX] = time(NULL);
	if ((worker_pid = start_worker(cfg)) < 0) {
		log_error("relayhint: fork: %m");
		return (EX_OSERR);
	}
	for (;;) {
		sig = sigtimedwait(&set, NULL, &ts);
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			if (pid != worker_pid)
				continue;
			worker_pid = 0;
			if (stopping)
				return (0);
			log_warning("relayhint: worker %ld exited (%s %d); "
			    "restarting", (long)pid, WIFSIGNALED(status) ?
			    "signal" : "status", WIFSIGNALED(status) ?
			    WTERMSIG(status) : WEXITSTATUS(status));
			/* too many restarts in the window: give up */
			i = nstart % RESTART_MAX;
			if (nstart >= RESTART_MAX &&
			    time(NULL) - starts[i] < RESTART_WINDOW) {
				log_error("relayhint: worker keeps exiting; "
				    "giving up");
				return (EX_SOFTWARE);
			}
			sleep(1);
			starts[nstart++ % RESTART_MAX] = time(NULL);
			if ((worker_pid = start_worker(cfg)) < 0) {
				log_error("relayhint: fork: %m");
				return (EX_OSERR);
			}
		}
		if (sig == SIGHUP && worker_pid > 0)
			kill(worker_pid, SIGUSR1);
		else if ((sig == SIGTERM || sig == SIGINT) && !stopping) {
			log_info("relayhint: stopping");
			stopping = 1;
			deadline = time(NULL) + STOP_WAIT;
			if (worker_pid > 0)
				kill(worker_pid, SIGUSR2);
			else
				return (0);
		}
		if (stopping && time(NULL) >= deadline && worker_pid > 0) {
			kill(worker_pid, SIGKILL);
			deadline = time(NULL) + STOP_WAIT;
		}
	}
}

/* main - options, checks, privileges, then the supervisor */
int
main(int argc, char **argv)
{
	struct runtime *rt;
	struct passwd *pw = NULL;
	struct config cfg;
	struct stat st;
	const char *test_file = NULL, *why;
	char	 err[512];
	int	 ch, foreground = 0, check = 0, show_version = 0, rc;

	while ((ch = getopt(argc, argv, "c:dfhnt:V")) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			conf_given = 1;
			break;
		case 'd':
			log_debug = 1;
			foreground = 1;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'h':
			usage(stdout);
			return (0);
		case 'n':
			check = 1;
			break;
		case 't':
			test_file = optarg;
			break;
		case 'V':
			show_version = 1;
			break;
		default:
			usage(stderr);
			return (EX_USAGE);
		}
	}
	if (optind != argc) {
		usage(stderr);
		return (EX_USAGE);
	}
	if (show_version)
		return (version());
	if ((rt = load(err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return (EX_CONFIG);
	}
	if (check) {
		/* alerts fail open at run time, so say it now, once */
		if (rt->cfg.alert_spool[0] != '\0') {
			why = NULL;
			if (stat(rt->cfg.alert_spool, &st) < 0)
				why = strerror(errno);
			else if (!S_ISDIR(st.st_mode))
				why = "not a directory";
			if (why != NULL)
				fprintf(stderr, "relayhint-milter: warning: "
				    "alert_spool %s: %s: no webhook alert will "
				    "be spooled\n", rt->cfg.alert_spool, why);
		}
		printf("configuration OK\n");
		runtime_free(rt);
		return (0);
	}
	cfg = rt->cfg;
	log_open("relayhint-milter", cfg.syslog_facility, cfg.syslog_socket);
	if (test_file != NULL) {
		log_stderr(1);
		runtime_install(rt);
		if (mlfi_test_file(test_file, stdout) < 0) {
			fprintf(stderr, "relayhint-milter: cannot read %s\n",
			    test_file);
			return (EX_NOINPUT);
		}
		return (0);
	}
	if (geteuid() == 0) {
		if (cfg.user[0] == '\0') {
			fprintf(stderr, "relayhint-milter: refusing to run as "
			    "root; set \"user =\" in %s\n", conf_path);
			return (EX_CONFIG);
		}
		if ((pw = getpwnam(cfg.user)) == NULL) {
			fprintf(stderr, "relayhint-milter: no such user: %s\n",
			    cfg.user);
			return (EX_NOUSER);
		}
		if (pw->pw_uid == 0) {
			fprintf(stderr, "relayhint-milter: user %s is root\n",
			    cfg.user);
			return (EX_CONFIG);
		}
	}
	if (socket_dir(&cfg, pw) < 0)
		return (EX_OSERR);
	if (pw != NULL && drop_user(pw) < 0)
		return (EX_OSERR);
	if (!foreground && daemonize() < 0) {
		fprintf(stderr, "relayhint-milter: cannot detach: %s\n",
		    strerror(errno));
		return (EX_OSERR);
	}
	log_stderr(log_debug);
	runtime_install(rt);
	write_pid(cfg.pid_file);
	log_info("relayhint: starting relayhint-milter %s (%s, language %s)",
	    RH_VERSION, conf_given || access(conf_path, F_OK) == 0 ?
	    conf_path : "defaults", cfg.language);
	rc = supervise(&cfg);
	if (cfg.pid_file[0] != '\0')
		unlink(cfg.pid_file);
	log_info("relayhint: stopped");
	return (rc);
}
