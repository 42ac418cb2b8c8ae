/*
 * main.c - relayhint: explain Microsoft 365 delivery failures
 *
 * Usage: see usage() and relayhint(1).
 *
 * The command is a thin user of common/: it reads input, calls the same
 * classifier and rewrite the milter and the Exim object use, and prints.
 * Exit status: 0 a cause was found (or the command did its job), 1 no
 * cause, 2 usage or input error, 78 (EX_CONFIG) a rules or catalog file
 * that does not load.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bounce.h"
#include "buf.h"
#include "cli.h"
#include "mime.h"
#include "text.h"

/* cmd_explain - explain [--json] [--language L] [TEXT...|FILE|-] */
int
cmd_explain(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "language", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct verdict v;
	struct stat st;
	struct buf in;
	int	 ch, i, found;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "jl:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			c->json = 1;
			break;
		case 'l':
			cli_set_lang(c, optarg);
			break;
		case 'h':
			usage_cmd(stdout, "explain");
			return (0);
		default:
			usage_cmd(stderr, "explain");
			return (EXIT_USAGE);
		}
	}
	buf_init(&in, CLI_INPUT_MAX);
	if (optind >= argc || (optind == argc - 1 &&
	    strcmp(argv[optind], "-") == 0)) {
		if (cli_read_all("-", &in) < 0) {
			buf_free(&in);
			return (EXIT_USAGE);
		}
	} else if (optind == argc - 1 && stat(argv[optind], &st) == 0 &&
	    S_ISREG(st.st_mode)) {
		/* "explain bounce.eml": a file, read it (bounce rewrites one) */
		if (cli_read_all(argv[optind], &in) < 0) {
			buf_free(&in);
			return (EXIT_USAGE);
		}
	} else {
		for (i = optind; i < argc; i++) {
			if (i > optind)
				buf_putc(&in, ' ');
			buf_puts(&in, argv[i]);
		}
	}
	for (i = 0; i < (int)in.len && (in.data[i] == ' ' ||
	    in.data[i] == '\t' || in.data[i] == '\r' || in.data[i] == '\n'); i++)
		;
	if (in.data == NULL || i == (int)in.len) {
		fprintf(stderr, "relayhint: explain: empty input\n");
		buf_free(&in);
		return (EXIT_USAGE);
	}
	found = explain_text(&c->kb, in.data, in.len, &v);
	c->in = in.data;
	c->inlen = in.len;
	if (c->json)
		out_verdict_json(stdout, c, &v);
	else
		out_verdict_text(stdout, c, &v);
	c->in = NULL;
	buf_free(&in);
	return (found ? 0 : EXIT_NOCAUSE);
}

/* cmd_bounce - bounce [--rewrite] [--postmaster] [--language L] FILE|- */
int
cmd_bounce(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rewrite", no_argument, NULL, 'r' },
		{ "postmaster", no_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "language", required_argument, NULL, 'l' },
		{ "max-message-size", required_argument, NULL, 'm' },
		{ "output-dir", required_argument, NULL, 'o' },
		{ "jobs", required_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct bounce_opts bo;
	struct bounce_result *res;
	struct buf in, out;
	int	 ch, rewrite = 0, rc;
	const char *outdir = NULL;

	memset(&bo, 0, sizeof(bo));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "rpjl:m:o:J:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'J':
			if ((c->jobs = cli_jobs(optarg)) < 0)
				return (EXIT_USAGE);
			break;
		case 'r':
			rewrite = 1;
			break;
		case 'p':
			bo.hint_flags |= HINT_ADMIN_FIRST;
			break;
		case 'j':
			c->json = 1;
			break;
		case 'l':
			cli_set_lang(c, optarg);
			break;
		case 'o':
			outdir = optarg;
			break;
		case 'm':
			if (cli_setting(c, "max-message-size", optarg) < 0)
				return (EXIT_USAGE);
			break;
		case 'h':
			usage_cmd(stdout, "bounce");
			return (0);
		default:
			usage_cmd(stderr, "bounce");
			return (EXIT_USAGE);
		}
	}
	if (optind >= argc) {
		usage_cmd(stderr, "bounce");
		return (EXIT_USAGE);
	}
	bo.lang = c->lang;
	bo.max_size = c->cfg.max_message_size;
	if (!c->cfg.user_note)
		bo.hint_flags |= HINT_NO_USER;
	if (batch_wanted(argc - optind, argv + optind, outdir))
		return (batch_run(c, &bo, rewrite, outdir, argc - optind,
		    argv + optind));
	buf_init(&in, CLI_INPUT_MAX);
	if (strcmp(argv[optind], "-") == 0) {
		/* an mbox on standard input is a batch too */
		char	 head[8];
		size_t	 hl;

		/* --rewrite to stdout hands back one message: not a batch */
		if (batch_stdin(head, &hl) && (!rewrite || outdir != NULL)) {
			buf_free(&in);
			return (batch_run(c, &bo, rewrite, outdir, 1,
			    argv + optind));
		}
		(void)buf_append(&in, head, hl);
	}
	/*
	 * --rewrite must hand back every message it is given: one larger
	 * than the input buffer (far over any --max-message-size) is copied through
	 * unchanged, not classified: exit 1, as for any message over the
	 * size limit.
	 */
	if ((rc = cli_read_pass(argv[optind], &in, rewrite ? stdout :
	    NULL)) != 0) {
		buf_free(&in);
		if (rc < 0)
			return (EXIT_USAGE);
		fprintf(stderr, "relayhint: message left unchanged: %s\n",
		    rewrite_strerror(REWRITE_TOO_LARGE));
		return (EXIT_NOCAUSE);
	}
	if ((res = malloc(sizeof(*res))) == NULL) {
		if (rewrite)
			fwrite(in.data, 1, in.len, stdout);
		buf_free(&in);
		return (EXIT_USAGE);
	}
	if (rewrite) {
		buf_init(&out, CLI_INPUT_MAX + 1024 * 1024);
		rc = bounce_rewrite_message(&c->kb, &bo, in.data, in.len, &out,
		    res);
		if (rc < 0) {
			/* never lose the message: print it as it came */
			fwrite(in.data, 1, in.len, stdout);
			rc = 0;
		} else
			fwrite(out.data, 1, out.len, stdout);
		if (rc == 0 && res->rw != REWRITE_OK && ((res->v.cause !=
		    NULL && !res->already) || res->rw == REWRITE_TOO_LARGE))
			fprintf(stderr, "relayhint: message left unchanged: "
			    "%s\n", rewrite_strerror(res->rw));
		buf_free(&out);
		rc = res->v.cause != NULL ? 0 : EXIT_NOCAUSE;
	} else {
		const char *body;
		size_t	 hlen;

		if (mime_split_message(in.data, in.len, &hlen, &body) == 0)
			bounce_classify(&c->kb, in.data, hlen, body,
			    in.len - (size_t)(body - in.data), res);
		else {
			memset(res, 0, sizeof(*res));
			explain_text(&c->kb, in.data, in.len, &res->v);
		}
		if (c->json)
			out_verdict_json(stdout, c, &res->v);
		else
			out_verdict_text(stdout, c, &res->v);
		rc = res->v.cause != NULL ? 0 : EXIT_NOCAUSE;
	}
	free(res);
	buf_free(&in);
	return (rc);
}

/* cmd_check - load everything and check catalogs against rules */
static int
cmd_check(struct cli *c)
{
	char	 err[512];
	int	 n;

	if ((n = hints_check(&c->kb.hints, c->kb.rules, err, sizeof(err))) > 0) {
		fprintf(stderr, "relayhint: %d problem(s); first: %s\n", n, err);
		return (EXIT_CONFIG);
	}
	printf("configuration OK: %d causes, %d rules, %d languages\n",
	    c->kb.rules->ncauses, c->kb.rules->nrules, c->kb.hints.ncat);
	return (0);
}

/* cmd_causes - one cause id and area per line */
static int
cmd_causes(struct cli *c)
{
	int	 i;

	for (i = 0; i < c->kb.rules->ncauses; i++)
		printf("%s\t%s\n", c->kb.rules->causes[i].id,
		    c->kb.rules->causes[i].area);
	return (0);
}

/* wants_help - "check --help" and "causes --help" print help, not run */
static int
wants_help(int argc, char **argv)
{
	return (argc > 1 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0));
}

/* cmd_check_argv, cmd_causes_argv - the table's signature for argument-less commands */
static int
cmd_check_argv(struct cli *c, int argc, char **argv)
{
	if (argc == 2 && wants_help(argc, argv)) {
		usage_cmd(stdout, "check");
		return (0);
	}
	if (argc > 1) {
		usage_cmd(stderr, "check");
		return (EXIT_USAGE);
	}
	return (cmd_check(c));
}

static int
cmd_causes_argv(struct cli *c, int argc, char **argv)
{
	if (argc == 2 && wants_help(argc, argv)) {
		usage_cmd(stdout, "causes");
		return (0);
	}
	if (argc > 1) {
		usage_cmd(stderr, "causes");
		return (EXIT_USAGE);
	}
	return (cmd_causes(c));
}

/*
 * the commands; the ones that talk to servers (libcurl, OpenSSL) are
 * relayhint-net's (net_main.c): this program stays small and quick to
 * start, and runs that one for them
 */
static const struct cli_cmd commands[] = {
	{ "explain", cmd_explain, NULL },
	{ "bounce", cmd_bounce, NULL },
	{ "filter", cmd_filter, filter_pass },
	{ "scan", cmd_scan, NULL },
	{ "queue", cmd_queue, NULL },
	{ "doctor", cmd_doctor, NULL },
	{ "probe", CLI_HELPER, NULL },
	{ "alert-drain", CLI_HELPER, NULL },
	{ "migrate", cmd_migrate, NULL },
	{ "token", CLI_HELPER, NULL },
	{ "check", cmd_check_argv, NULL },
	{ "causes", cmd_causes_argv, NULL },
	{ NULL, NULL, NULL }
};

int
main(int argc, char **argv)
{
	return (cli_main(argc, argv, commands));
}

