/*
 * net_main.c - relayhint-net: the relayhint commands that talk to servers
 *
 * Usage: relayhint-net [--rules FILE] [--catalogs DIR] probe|alert-drain|token ...
 *
 * Not run by hand: relayhint executes it with its own command line for
 * probe, alert-drain and token (climain.c), so that only this program
 * links libcurl and OpenSSL (about thirty shared libraries) and the
 * relayhint command starts without them.  Options, output and exit status
 * are relayhint's: see relayhint(1).
 */
#include <stdio.h>

#include "cli.h"

static const struct cli_cmd commands[] = {
	{ "probe", cmd_probe, NULL },
	{ "alert-drain", cmd_alert_drain, NULL },
	{ "token", cmd_token, NULL },
	{ NULL, NULL, NULL }
};

int
main(int argc, char **argv)
{
	return (cli_main(argc, argv, commands));
}
