/*
 * cli.h - shared pieces of the relayhint command
 */
#ifndef RH_CLI_H
#define RH_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "explain.h"
#include "langtag.h"

#define EX_OK_		0
#define EXIT_NOCAUSE	1
#define EXIT_USAGE	2
#define EXIT_CONFIG	78	/* a rules or catalog file that does not load */

#define CLI_INPUT_MAX	(64u * 1024 * 1024)

struct buf;

struct cli {
	struct kb	 kb;
	struct config	 cfg;		/* relayhint.conf under the options */
	const char	*lang;		/* NULL: English */
	int		 lang_explicit;	/* from --lang, not the locale */
	char		 langbuf[LANGTAG_MAX];
	int		 json;
	const char	*source;	/* batch: the message's file, or NULL */
	long long	 offset;	/* batch: its mbox offset, or -1 */
	const char	*in;		/* the input explain read, for the
					 * "read" span; NULL elsewhere */
	size_t		 inlen;
	int		 jobs;		/* bounce over many messages: threads
					 * (0: one per online CPU) */
};

/*
 * out_hintmemo - the rendered hint members per cause, for one run in one
 * language and one thread (out.c); at most OUT_HINTMEMO_MAX causes
 */
#define OUT_HINTMEMO_MAX	128

struct out_hintmemo {
	const struct cli *c;
	int	 n;
	struct {
		const char *cause;	/* points into c->kb; NULL: none */
		char	*json;
		size_t	 len;
	}	 e[OUT_HINTMEMO_MAX];
};

/* batch_wanted - "bounce" arguments that call for batch mode */
int	batch_wanted(int nargs, char **args, const char *outdir);

/* batch_stdin - read stdin's first 5 bytes into head; 1 for an mbox */
int	batch_stdin(char *head, size_t *len);

/* batch_run - bounce over files, directories, Maildirs, mboxes */
struct bounce_opts;
int	batch_run(struct cli *, const struct bounce_opts *, int rewrite,
	    const char *outdir, int nargs, char **args);

/*
 * a program's commands: run gets the command's own argv ("explain" ...);
 * CLI_HELPER as run: relayhint-net runs it (climain.c); quiet, when set:
 * stderr goes to /dev/null, and quiet() is the exit when the knowledge
 * base does not load (a transport filter never holds mail back)
 */
struct cli_cmd {
	const char *name;
	int	(*run)(struct cli *, int, char **);
	int	(*quiet)(void);
};

#define CLI_HELPER	((int (*)(struct cli *, int, char **))0)

/* cli_main - global options, language, knowledge base, then the command */
int	cli_main(int argc, char **argv, const struct cli_cmd *);

/* cli_config_load - relayhint.conf (NULL: the default file) into c->cfg */
int	cli_config_load(struct cli *, const char *path, int quiet);

/* cli_setting - --NAME VALUE for a setting; -1 with a message if bad */
int	cli_setting(struct cli *, const char *name, const char *value);

/* cli_aliases - old option spellings in argv rewritten, with a warning */
void	cli_aliases(int argc, char **argv, int quiet);

/* cli_language - the language from the locale, else relayhint.conf */
void	cli_language(struct cli *);

/* cli_jobs - a --jobs argument: 1 to 1024; -1 with a message */
int	cli_jobs(const char *arg);

/* cli_cpus - the CPUs this process may run on (nproc(1)); at least 1 */
int	cli_cpus(void);

/* cli_set_lang - --lang TAG; POSIX forms (zh_TW.UTF-8) accepted */
void	cli_set_lang(struct cli *, const char *);

/* cli_net_run - argv ("relayhint", command, ...) run by relayhint-net as a child; its exit */
int	cli_net_run(char **argv, const char *input);

/* cli_read_all - a file ("-" = stdin) into b (bounded); -1 with a message on error */
int	cli_read_all(const char *path, struct buf *b);

/* cli_read_pass - the same; over the limit, copy all of it to pass, 1 */
int	cli_read_pass(const char *path, struct buf *b, FILE *pass);

/* out_verdict_json - one JSON object (one line) for a verdict and its hint */
void	out_verdict_json(FILE *, const struct cli *, const struct verdict *);

/*
 * out_verdict_json_buf - the same appended to a buffer, with the batch's
 * source and offset (NULL, -1: none) and a memo of hints (or NULL)
 */
void	out_verdict_json_buf(struct buf *, const struct cli *,
	    const struct verdict *, const char *source, long long offset,
	    struct out_hintmemo *);

/* out_hintmemo_init, out_hintmemo_free - a memo for out_verdict_json_buf */
void	out_hintmemo_init(struct out_hintmemo *, const struct cli *);
void	out_hintmemo_free(struct out_hintmemo *);

/* out_hint_json_memo - out_hint_json_members, each cause rendered once */
void	out_hint_json_memo(struct buf *, const struct cli *, const char *cause,
	    struct out_hintmemo *);

/* out_verdict_text - the human report of a verdict and its hint */
void	out_verdict_text(FILE *, const struct cli *, const struct verdict *);

/* out_hint_json_members - "summary", "steps", "user_note", "lang" members */
void	out_hint_json_members(struct buf *, const struct cli *, const char *cause);

int	cmd_explain(struct cli *, int, char **);
int	cmd_bounce(struct cli *, int, char **);
int	cmd_filter(struct cli *, int, char **);
int	filter_pass(void);
int	cmd_scan(struct cli *, int, char **);
int	cmd_queue(struct cli *, int, char **);
int	cmd_doctor(struct cli *, int, char **);
int	cmd_probe(struct cli *, int, char **);
int	cmd_alert_drain(struct cli *, int, char **);

int	cmd_migrate(struct cli *, int, char **);
int	cmd_token(struct cli *, int, char **);

/*
 * cli_run, cli_uid - doctor's way of running an MTA tool (no shell, clean
 * environment, bounded output, time limit) and of finding a user's uid
 */
int	cli_run(void *ctx, char *const argv[], struct buf *out);
int	cli_run_loud(char *const argv[], struct buf *out);
long	cli_uid(void *ctx, const char *user);

void	usage(FILE *);
void	usage_cmd(FILE *, const char *);

#endif
