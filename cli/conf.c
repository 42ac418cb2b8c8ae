/*
 * conf.c - the command's settings: relayhint.conf, the environment, options
 *
 * Functions: cli_config_load, cli_setting, cli_aliases, cli_language,
 * cli_jobs, cli_cpus.
 *
 * The command reads the settings table (common/settings.c) as the
 * adapters do, from the same relayhint.conf.  Precedence, highest first:
 * a command line option, the environment (LC_ALL, LC_MESSAGES, LANG for
 * the language; no other setting has one), relayhint.conf, the default.
 * A setting's option is its name with '-' for '_' (rules_file:
 * --rules-file); the spellings of before (--lang, --rules, --catalogs,
 * --max-size, --alert-max) are rewritten to the new ones with a warning.
 *
 * relayhint.conf is RH_SYSCONFDIR/relayhint.conf unless -c FILE (or
 * "-c none") names another.  The default file may be missing, and one
 * this user may not read is skipped with a warning (the milter's file
 * may be private); an explicit file that does not load is an error.
 */
#define _GNU_SOURCE		/* sched_getaffinity */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "settings.h"
#include "text.h"

/*
 * cli_config_load - relayhint.conf into c->cfg under what the command
 * line set already; path NULL: the default file.  0, or -1 with a message
 */
int
cli_config_load(struct cli *c, const char *path, int quiet)
{
	char	 err[512];
	int	 i;

	if (path != NULL && strcmp(path, "none") == 0)
		return (0);
	if (path == NULL) {
		path = CONFIG_DEFAULT_PATH;
		if (access(path, F_OK) != 0 && errno == ENOENT)
			return (0);
		if (access(path, R_OK) != 0) {
			if (!quiet)
				fprintf(stderr, "relayhint: warning: %s: %s; "
				    "using the defaults\n", path,
				    strerror(errno));
			return (0);
		}
	}
	if (config_load(&c->cfg, path, err, sizeof(err)) < 0) {
		if (!quiet)
			fprintf(stderr, "relayhint: %s\n", err);
		return (-1);
	}
	for (i = 0; i < c->cfg.nwarn && !quiet; i++)
		fprintf(stderr, "relayhint: warning: %s\n", c->cfg.warn[i]);
	c->cfg.nwarn = 0;
	return (0);
}

/* option_name - an option's name with '_' for '-', as in the table */
static int
option_name(const char *opt, size_t len, char *out, size_t outlen)
{
	size_t	 i;

	if (len >= outlen)
		return (-1);
	for (i = 0; i < len; i++)
		out[i] = opt[i] == '-' ? '_' : opt[i];
	out[len] = '\0';
	return (0);
}

/* cli_setting - --NAME VALUE for a setting; -1 with a message if bad */
int
cli_setting(struct cli *c, const char *name, const char *value)
{
	const struct setting *s;
	const char *alias;
	char	 err[256], n[40], abs[CONFIG_PATH_MAX], cwd[CONFIG_PATH_MAX];

	if (option_name(name, strlen(name), n, sizeof(n)) < 0)
		n[0] = '\0';
	/* on the command line a relative path is the shell's: from here */
	s = setting_lookup(n, strlen(n), SET_IN_ARGV, &alias);
	if (s != NULL && s->type == ST_PATH && value[0] != '/' &&
	    value[0] != '\0' && strcmp(value, "none") != 0 &&
	    getcwd(cwd, sizeof(cwd)) != NULL &&
	    snprintf(abs, sizeof(abs), "%s/%s", cwd, value) < (int)sizeof(abs))
		value = abs;
	if (config_set(&c->cfg, n, strlen(n), value, CONFIG_SRC_ARG,
	    SET_IN_ARGV, err, sizeof(err)) < 0) {
		fprintf(stderr, "relayhint: --%s: %s\n", name,
		    strchr(err, ':') ? strchr(err, ':') + 2 : err);
		return (-1);
	}
	return (0);
}

/*
 * cli_aliases - rewrite the old spelling of a setting's option in argv
 * (up to a "--") to the new one, with one warning each.  Rewritten
 * arguments live until exit.
 */
void
cli_aliases(int argc, char **argv, int quiet)
{
	const struct setting_alias *a;
	const char *eq;
	char	 name[40], *n;
	size_t	 len, i;
	int	 k;

	for (k = 1; k < argc; k++) {
		if (strcmp(argv[k], "--") == 0)
			break;
		if (strncmp(argv[k], "--", 2) != 0)
			continue;
		eq = strchr(argv[k] + 2, '=');
		len = eq ? (size_t)(eq - argv[k] - 2) : strlen(argv[k] + 2);
		if (option_name(argv[k] + 2, len, name, sizeof(name)) < 0)
			continue;
		for (a = setting_aliases; a->old != NULL; a++)
			if ((a->in & SET_IN_ARGV) && strcmp(a->old, name) == 0)
				break;
		if (a->old == NULL)
			continue;
		len = strlen(a->name) + 3 + (eq ? strlen(eq) : 0);
		if ((n = malloc(len)) == NULL)
			continue;
		(void)snprintf(n, len, "--%s%s", a->name, eq ? eq : "");
		for (i = 2; n[i] != '\0' && n + i != strchr(n, '='); i++)
			if (n[i] == '_')
				n[i] = '-';
		if (!quiet)
			fprintf(stderr, "relayhint: warning: '--%.*s' is "
			    "deprecated; use '%.*s'\n", (int)(eq ? eq -
			    argv[k] - 2 : (long)strlen(argv[k] + 2)),
			    argv[k] + 2, (int)(strlen(a->name) + 2), n);
		argv[k] = n;
	}
}

/*
 * cli_language - the hint language before any --language: the locale
 * (LC_ALL, LC_MESSAGES, LANG) when it names one, else relayhint.conf's
 * language when the file sets it, else NULL (English)
 */
void
cli_language(struct cli *c)
{
	if (langtag_from_env(c->langbuf, sizeof(c->langbuf)) == 0)
		c->lang = c->langbuf;
	else if (config_line(&c->cfg, VAR_LANGUAGE) != 0) {
		(void)snprintf(c->langbuf, sizeof(c->langbuf), "%s",
		    c->cfg.language);
		c->lang = c->langbuf;
		c->lang_explicit = 1;	/* warn if it has no catalog */
	}
}

/* cli_jobs - a --jobs argument (bounce, scan): 1 to 1024; -1 with a message */
int
cli_jobs(const char *arg)
{
	char	*e;
	long	 n;

	errno = 0;
	n = strtol(arg, &e, 10);
	if (errno != 0 || e == arg || *e != '\0' || n < 1 || n > 1024) {
		fprintf(stderr, "relayhint: --jobs: a number from 1 to 1024, "
		    "not \"%s\"\n", arg);
		return (-1);
	}
	return ((int)n);
}

/* cli_cpus - the CPUs this process may run on, as nproc(1) counts them */
int
cli_cpus(void)
{
	cpu_set_t set;
	long	 cpus;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		cpus = CPU_COUNT(&set);
	else
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
	return (cpus > 0 ? (int)cpus : 1);
}
