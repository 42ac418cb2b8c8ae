/*
 * climain.c - what relayhint and relayhint-net do before a command runs
 *
 * Functions: cli_main, cli_set_lang, cli_net_run.
 *
 * The global options (-c, --rules-file, --hints-dir, -h, -V; conf.c
 * rewrites the old spellings), relayhint.conf, the language from the
 * environment or the file, the knowledge base, then the command from the
 * program's table.  The relayhint command has no libcurl or OpenSSL in it, so that
 * it starts in well under a millisecond (explain, bounce, scan, filter as
 * an Exim transport filter); the commands that talk to servers (probe,
 * alert-drain, token) are built into relayhint-net, installed in
 * RH_LIBEXECDIR, and relayhint executes it with its own command line:
 * same options, output and exit status.  A relayhint in a build tree runs
 * the relayhint-net next to it.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

#define CLI_HELPER_NAME	"relayhint-net"

/* version - -V output: what this build knows */
static void
version(struct cli *c)
{
	int	 i;

	printf("relayhint %s\n", RH_VERSION);
	if (c->kb.rules != NULL) {
		printf("rules: %d causes, %d rules\nlanguages:",
		    c->kb.rules->ncauses, c->kb.rules->nrules);
		for (i = 0; i < c->kb.hints.ncat; i++)
			printf(" %s", c->kb.hints.cat[i].lang);
		printf("\n");
	}
}

/*
 * helper_exec - run relayhint-net with this command line; returns only
 * when it cannot be run.  The one next to this program first (a build
 * tree), else the installed one.
 */
static int
helper_exec(char **argv, const char *cmd)
{
	char	 path[PATH_MAX];
	ssize_t	 n;
	char	*slash;

	if ((n = readlink("/proc/self/exe", path, sizeof(path) -
	    sizeof(CLI_HELPER_NAME))) > 0) {
		path[n] = '\0';
		if ((slash = strrchr(path, '/')) != NULL) {
			strcpy(slash + 1, CLI_HELPER_NAME);
			if (access(path, X_OK) == 0)
				execv(path, argv);
		}
	}
	execv(RH_LIBEXECDIR "/" CLI_HELPER_NAME, argv);
	fprintf(stderr, "relayhint: %s: cannot run %s: %s\n", cmd,
	    RH_LIBEXECDIR "/" CLI_HELPER_NAME, strerror(errno));
	return (EXIT_CONFIG);
}

/*
 * cli_net_run - a relayhint-net command as a child (migrate's login and
 * its check before --apply), input on its standard input when given;
 * its exit status, or EXIT_CONFIG when it could not be run
 */
int
cli_net_run(char **argv, const char *input)
{
	int	 fd[2] = { -1, -1 }, status;
	size_t	 len, off = 0;
	ssize_t	 n;
	pid_t	 pid;

	if (input != NULL && pipe(fd) < 0)
		return (EXIT_CONFIG);
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) < 0) {
		if (input != NULL) {
			close(fd[0]);
			close(fd[1]);
		}
		return (EXIT_CONFIG);
	}
	if (pid == 0) {
		if (input != NULL) {
			close(fd[1]);
			if (dup2(fd[0], STDIN_FILENO) < 0)
				_exit(EXIT_CONFIG);
			close(fd[0]);
		}
		_exit(helper_exec(argv, argv[1]));
	}
	if (input != NULL) {
		close(fd[0]);
		len = strlen(input);
		while (off < len && ((n = write(fd[1], input + off,
		    len - off)) > 0 || (n < 0 && errno == EINTR)))
			off += n > 0 ? (size_t)n : 0;
		close(fd[1]);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return (EXIT_CONFIG);
	return (WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_CONFIG);
}

/* cli_set_lang - --language TAG; POSIX forms (zh_TW.UTF-8) accepted */
void
cli_set_lang(struct cli *c, const char *tag)
{
	c->lang_explicit = 1;
	if (langtag_from_locale(tag, c->langbuf, sizeof(c->langbuf)) == 0)
		c->lang = c->langbuf;
	else
		c->lang = tag;	/* refused later, with a warning */
}

/* is_quiet - the command may write nothing to stderr (filter) */
static int
is_quiet(int argc, char **argv, const struct cli_cmd *commands)
{
	int	 i, k;

	for (i = 1; i < argc && argv[i][0] == '-'; i++)
		if (strchr(argv[i], '=') == NULL && strcmp(argv[i], "-h") &&
		    strcmp(argv[i], "--help") && strcmp(argv[i], "-V") &&
		    strcmp(argv[i], "--version"))
			i++;	/* every other global option takes a value */
	for (k = 0; i < argc && commands[k].name != NULL; k++)
		if (strcmp(argv[i], commands[k].name) == 0)
			return (commands[k].quiet != NULL);
	return (0);
}

/* cli_main - global options, knowledge base, then the command */
int
cli_main(int argc, char **argv, const struct cli_cmd *commands)
{
	struct cli c;
	const char *conf = NULL;
	char	 err[512];
	int	 i, k, rc;

	memset(&c, 0, sizeof(c));
	c.offset = -1;
	config_init(&c.cfg);
	/* Exim copies a transport filter's stderr into the message */
	cli_aliases(argc, argv, is_quiet(argc, argv, commands));
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return (0);
		} else if (strcmp(argv[i], "-V") == 0 ||
		    strcmp(argv[i], "--version") == 0) {
			if (kb_load(&c.kb, NULL, NULL, err, sizeof(err)) < 0)
				c.kb.rules = NULL;
			version(&c);
			kb_free(&c.kb);
			return (0);
		} else if ((strcmp(argv[i], "-c") == 0 ||
		    strcmp(argv[i], "--config") == 0) && i + 1 < argc)
			conf = argv[++i];
		else if ((strcmp(argv[i], "--rules-file") == 0 ||
		    strcmp(argv[i], "--hints-dir") == 0) && i + 1 < argc) {
			if (cli_setting(&c, argv[i] + 2, argv[i + 1]) < 0)
				return (EXIT_USAGE);
			i++;
		} else {
			fprintf(stderr, "relayhint: unknown option %s\n",
			    argv[i]);
			usage(stderr);
			return (EXIT_USAGE);
		}
	}
	if (i >= argc) {
		usage(stderr);
		return (EXIT_USAGE);
	}
	for (k = 0; commands[k].name != NULL; k++)
		if (strcmp(argv[i], commands[k].name) == 0)
			break;
	if (commands[k].name == NULL) {
		fprintf(stderr, "relayhint: unknown command \"%.64s\"\n",
		    argv[i]);
		usage(stderr);
		return (EXIT_USAGE);
	}
	if (commands[k].run == CLI_HELPER)
		return (helper_exec(argv, commands[k].name));
	/* Exim copies a transport filter's stderr into the message */
	if (commands[k].quiet != NULL &&
	    freopen("/dev/null", "w", stderr) == NULL)
		return (commands[k].quiet());
	if (cli_config_load(&c, conf, commands[k].quiet != NULL) < 0) {
		if (commands[k].quiet != NULL)
			return (commands[k].quiet());	/* never hold mail back */
		return (EXIT_CONFIG);
	}
	/* LC_ALL, LC_MESSAGES, LANG, then relayhint.conf, until --language */
	cli_language(&c);
	if (kb_load(&c.kb, c.cfg.rules_file[0] ? c.cfg.rules_file : NULL,
	    c.cfg.hints_dir[0] ? c.cfg.hints_dir : NULL, err,
	    sizeof(err)) < 0) {
		if (commands[k].quiet != NULL)
			return (commands[k].quiet());	/* never hold mail back */
		fprintf(stderr, "relayhint: %s\n", err);
		return (EXIT_CONFIG);
	}
	rc = commands[k].run(&c, argc - i, argv + i);
	if (c.lang_explicit && strcmp(c.lang, "en") != 0 &&
	    hints_match_lang(&c.kb.hints, c.lang) == NULL)
		fprintf(stderr, "relayhint: warning: no catalog for language "
		    "\"%.16s\"; used English\n", c.lang);
	kb_free(&c.kb);
	return (rc);
}
