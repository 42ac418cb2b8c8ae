/*
 * filter.c - relayhint filter: a bounce rewrite that never holds mail back
 *
 * Functions: cmd_filter, filter_pass.
 *
 * Exim's transport_filter runs a command between the spool and the
 * mailbox: the whole message on standard input, the message to deliver
 * on standard output.  Exim writes the filter's standard error into the
 * message too, and defers the delivery when the filter exits non-zero.
 * So this command differs from "bounce --rewrite" exactly where that
 * matters: standard error is closed before anything can be written to it
 * (main.c), the exit status is 0 whatever the input (a rules file that
 * does not load, a message that is not a bounce, one too large to read
 * whole), and what comes out is either the rewritten bounce or the input
 * byte for byte.  Only a failure to write standard output exits non-zero:
 * then Exim defers, which delays the message but does not lose it.
 *
 * With --sender=S (Exim: --sender=${if def:sender_address{set}}, since
 * the address itself is tainted) only a message with
 * the null envelope sender, a bounce, is read at all; any other passes
 * through untouched, so a person's mail that quotes a Microsoft error is
 * never rewritten.
 *
 * Limits: at most BOUNCE_DEFAULT_MAX (or --max-message-size, max_message_size) bytes are read into
 * memory; the rest of a larger message is copied through in blocks.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "buf.h"
#include "cli.h"
#include "hint.h"

/* copy_rest - standard input to standard output, in blocks */
static int
copy_rest(void)
{
	static char chunk[65536];	/* not probed on the stack: see out.c */
	size_t	 n;

	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
		if (fwrite(chunk, 1, n, stdout) != n)
			return (-1);
	return (0);
}

/* filter_pass - the message as it came (the rules did not load) */
int
filter_pass(void)
{
	return (copy_rest() < 0 || fflush(stdout) != 0 ? 1 : 0);
}

/* cmd_filter - filter [--sender S] [--language L] [--postmaster] [--max-message-size N] */
int
cmd_filter(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "postmaster", no_argument, NULL, 'p' },
		{ "language", required_argument, NULL, 'l' },
		{ "max-message-size", required_argument, NULL, 'm' },
		{ "sender", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	struct bounce_opts bo;
	struct bounce_result *res = NULL;
	static char chunk[65536];	/* not probed on the stack: see out.c */
	struct buf in, out;
	size_t	 n, max;
	int	 ch, whole = 1, rc = -1, sender = 0;

	/* for a person at a terminal; Exim never passes it */
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		usage_cmd(stdout, "filter");
		return (0);
	}
	memset(&bo, 0, sizeof(bo));
	optind = 1;
	opterr = 0;
	/* a bad option must not stop the mail: it is ignored */
	while ((ch = getopt_long(argc, argv, "pl:m:s:", opts, NULL)) != -1) {
		if (ch == 's' && optarg[0] != '\0')
			sender = 1;
		else if (ch == 'p')
			bo.hint_flags |= HINT_ADMIN_FIRST;
		else if (ch == 'l')
			c->lang = optarg;
		else if (ch == 'm')
			(void)cli_setting(c, "max-message-size", optarg);
	}
	/*
	 * A bounce has the null envelope sender (RFC 5321 4.5.5); any
	 * other message, even one quoting a Microsoft reply, is not ours.
	 */
	if (sender)
		return (filter_pass());
	bo.lang = c->lang;
	bo.max_size = c->cfg.max_message_size;
	if (!c->cfg.user_note)
		bo.hint_flags |= HINT_NO_USER;
	/* Exim's data ACL may have added the headers; the body is ours */
	bo.hint_flags |= BOUNCE_BODY_TOO;
	max = bo.max_size ? bo.max_size : BOUNCE_DEFAULT_MAX;
	buf_init(&in, max);
	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
		if (buf_append(&in, chunk, n) < 0) {
			/* too large to be a bounce we rewrite: as it came */
			if (fwrite(in.data, 1, in.len, stdout) != in.len ||
			    fwrite(chunk, 1, n, stdout) != n ||
			    copy_rest() < 0)
				whole = 0;
			buf_free(&in);
			return (!whole || fflush(stdout) != 0 ? 1 : 0);
		}
	buf_init(&out, max + 1024 * 1024);
	if ((res = malloc(sizeof(*res))) != NULL)
		rc = bounce_rewrite_message(&c->kb, &bo, in.data ? in.data :
		    "", in.len, &out, res);
	if (rc == 1 && out.len > 0)
		whole = fwrite(out.data, 1, out.len, stdout) == out.len;
	else if (in.len > 0)
		whole = fwrite(in.data, 1, in.len, stdout) == in.len;
	free(res);
	buf_free(&out);
	buf_free(&in);
	return (!whole || fflush(stdout) != 0 ? 1 : 0);
}
