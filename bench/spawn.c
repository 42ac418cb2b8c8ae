/*
 * spawn.c - run one command and say what it cost, for bench/pairs.py
 *
 *   spawn OUT ERR COMMAND [ARG...]
 *
 * Runs COMMAND with standard input from /dev/null, standard output to
 * OUT and standard error to ERR, and prints on its own standard output
 * "WALL_S CPU_S MAXRSS_KB EXIT": the wall time from before fork() until
 * wait4() returned, the child's user+system CPU and its peak resident
 * set size from wait4(), and its exit status (128+N for signal N).
 *
 * With SPAWN_TIMEOUT=N in the environment a child still running after
 * N seconds is killed (SIGKILL; the status then says 137).
 *
 * Why a C program: Linux keeps a process's peak RSS across fork() and
 * execve(), so a tool started from Python inherits the interpreter's
 * ~12 MB as its "peak"; forked from this small program, the floor is
 * what this program uses (about 1 MB), and the timing has no
 * interpreter in it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile pid_t child;

static void
on_alarm(int sig)
{
	(void)sig;
	if (child > 0)
		kill(child, SIGKILL);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct rusage	 ru;
	double		 t0, wall;
	pid_t		 pid;
	const char	*limit = getenv("SPAWN_TIMEOUT");
	int		 status, in, out, err, rc;

	if (argc < 4) {
		fprintf(stderr, "usage: spawn OUT ERR COMMAND [ARG...]\n");
		return 2;
	}
	in = open("/dev/null", O_RDONLY);
	out = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0600);
	err = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (in < 0 || out < 0 || err < 0) {
		perror("spawn: open");
		return 2;
	}
	t0 = now();
	pid = fork();
	if (pid < 0) {
		perror("spawn: fork");
		return 2;
	}
	if (pid == 0) {
		dup2(in, 0);
		dup2(out, 1);
		dup2(err, 2);
		execvp(argv[3], argv + 3);
		_exit(127);
	}
	child = pid;
	if (limit != NULL && atoi(limit) > 0) {
		signal(SIGALRM, on_alarm);
		alarm((unsigned)atoi(limit));
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno == EINTR)
			continue;
		perror("spawn: wait4");
		return 2;
	}
	wall = now() - t0;
	rc = WIFEXITED(status) ? WEXITSTATUS(status) :
	    128 + WTERMSIG(status);
	printf("%.6f %.6f %ld %d\n", wall,
	    ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6,
	    ru.ru_maxrss, rc);
	return 0;
}
