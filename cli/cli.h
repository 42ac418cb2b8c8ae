/*
 * cli.h - shared pieces of the relayhint command
 */
#ifndef RH_CLI_H
#define RH_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "explain.h"

#define EX_OK_		0
#define EXIT_NOCAUSE	1
#define EXIT_USAGE	2

#define CLI_INPUT_MAX	(64u * 1024 * 1024)

struct buf;

struct cli {
	struct kb	 kb;
	const char	*lang;
	int		 json;
};

/* cli_read_all - a file ("-" = stdin) into b (bounded); -1 with a message on error */
int	cli_read_all(const char *path, struct buf *b);

/* out_verdict_json - one JSON object (one line) for a verdict and its hint */
void	out_verdict_json(FILE *, const struct cli *, const struct verdict *);

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

void	usage(FILE *);

#endif
