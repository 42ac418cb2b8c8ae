/*
 * scan_test.c - the Exim object's main log reader, on synthetic logs
 * that the recorded ones are too small to produce: evidence spread over
 * 64 KiB chunk boundaries, overlong lines, a tail limit, earlier attempts.
 *
 * Built and run by run.sh (cc ... LIB: common/eximlog.c); prints
 * one "PASS: name" or "FAIL: name: why" line per case.  Usage:
 * scan_test TMPDIR.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "eximlog.h"

#define ID	"1xVBXN-0000NW-1f"
#define AUTH	"2026-11-22 17:39:37 " ID " m365_login authenticator failed " \
		"H=smtp.office365.com [127.0.0.1] 535 5.7.139 Authentication " \
		"unsuccessful, SmtpClientAuthentication is disabled for the " \
		"Tenant. Visit https://aka.ms/smtp_auth_disabled for more " \
		"information. [DM6PR02CA0123.namprd02.prod.outlook.com]\n"
#define ARRIVE	"2026-11-22 17:39:36 " ID " <= alice@example.test H=(vm) " \
		"[127.0.0.1] P=esmtp S=474 for user@example.net\n"
#define DEFER42	"2026-11-22 17:39:37 " ID " == user@example.net R=smarthost " \
		"T=m365_smtp defer (-42) DT=0s: authentication required but " \
		"authentication attempt(s) failed\n"
#define FAIL530	"2026-11-22 17:39:37 " ID " ** user@example.net R=smarthost " \
		"T=m365_try H=smtp.office365.com [127.0.0.1]:587 X=TLS1.3 " \
		"CV=no: " \
		"SMTP error from remote mail server after pipelined end of " \
		"data: 530 5.7.57 Client not authenticated to send mail. " \
		"[SN4PR0501CA0054.namprd05.prod.outlook.com] DT=0s\n"
#define AUTH573	"2026-11-22 17:39:37 " ID " m365_login authenticator failed " \
		"H=smtp.office365.com [127.0.0.1] 535 5.7.3 Authentication " \
		"unsuccessful [SN4PR0501CA0054.namprd05.prod.outlook.com]\n"
#define FILLER	"2026-11-22 17:39:40 1xVBXZ-0000ZZ-2g == other@example.net " \
		"R=smarthost T=m365_smtp defer (-54) DT=0s: retry time not " \
		"reached\n"

static int nfail;
static int quiet;		/* loops: report only failures */

/* put - append text n times */
static void
put(FILE *f, const char *s, int n)
{
	while (n-- > 0)
		fputs(s, f);
}

/* run - write the log, classify ID, compare the cause */
static void
run(const struct kb *kb, const char *dir, const char *name, const char *pre,
    int nfill, int pad, const char *post, size_t tail, int in_attempt,
    const char *want)
{
	char	 path[512];
	struct eximlog_query q;
	struct eximlog_answer a;
	FILE	*f;
	int	 i;

	snprintf(path, sizeof(path), "%s/scan-%s.log", dir, name);
	if ((f = fopen(path, "w")) == NULL) {
		printf("FAIL: scan-%s: cannot write %s\n", name, path);
		nfail++;
		return;
	}
	fputs(pre, f);
	for (i = 0; i < pad; i++)
		fputc('x', f);
	if (pad > 0)
		fputc('\n', f);
	put(f, FILLER, nfill);
	fputs(post, f);
	fclose(f);
	memset(&q, 0, sizeof(q));
	q.id = ID;
	q.mainlog = path;
	q.tail_max = tail;
	q.in_attempt = in_attempt;
	eximlog_classify(kb, &q, &a);
	if (strcmp(a.v.cause ? a.v.cause : "", want) == 0) {
		if (!quiet)
			printf("PASS: scan-%s\n", name);
	} else {
		printf("FAIL: scan-%s: got [%s] want [%s] (read %zu bytes)\n",
		    name, a.v.cause ? a.v.cause : "", want, a.bytes_read);
		nfail++;
	}
	remove(path);
}

int
main(int argc, char **argv)
{
	struct kb kb;
	char	 err[256], name[64];
	int	 off, before, flen = (int)strlen(FILLER);
	const char *T = "m365.auth.smtp_auth_disabled_tenant";

	if (argc != 2 || kb_load(&kb, NULL, NULL, err, sizeof(err)) < 0) {
		printf("FAIL: scan-setup: %s\n", argc != 2 ? "usage" : err);
		return (1);
	}
	/* the auth line far behind the end, across chunk boundaries */
	run(&kb, argv[1], "far-behind", ARRIVE AUTH DEFER42, 5000, 0, "",
	    0, 0, T);
	/* every alignment of the auth line around the first 64 KiB boundary */
	quiet = 1;
	before = nfail;
	for (off = 65536 - 400; off < 65536 + 400; off += 7) {
		/* vary the bytes after the auth line around 64 KiB */
		snprintf(name, sizeof(name), "boundary-%d", off);
		run(&kb, argv[1], name, ARRIVE AUTH, off / flen, off % flen,
		    "", 0, 1, T);
	}
	for (off = 2 * 65536 - 300; off < 2 * 65536 + 300; off += 13) {
		snprintf(name, sizeof(name), "boundary2-%d", off);
		run(&kb, argv[1], name, ARRIVE AUTH DEFER42, off / flen,
		    off % flen, "", 0, 0, T);
	}
	quiet = 0;
	if (nfail == before)
		printf("PASS: scan-chunk-boundaries\n");
	/* overlong lines (skipped) between the evidence and the end */
	run(&kb, argv[1], "overlong-line", ARRIVE AUTH, 100, 3 * EXIMLOG_LINE_MAX,
	    "", 0, 1, T);
	run(&kb, argv[1], "overlong-chunk", ARRIVE AUTH, 3, 70000, "", 0, 1, T);
	/* the tail limit: the evidence lies beyond it */
	run(&kb, argv[1], "tail-limit", ARRIVE AUTH, 20000, 0, "", 65536, 1,
	    "");
	/* try_auth: the 535 behind the 530 wins */
	run(&kb, argv[1], "auth-beats-530", ARRIVE, 10, 0, AUTH573 FAIL530,
	    0, 0, "m365.auth.bad_credentials");
	/* an earlier attempt's 535 does not explain this attempt's 530 */
	run(&kb, argv[1], "earlier-attempt", ARRIVE AUTH DEFER42, 10, 0,
	    FAIL530, 0, 0, "m365.auth.not_authenticated");
	/* delay warning: the newest attempt is behind "retry time" lines */
	run(&kb, argv[1], "warning-context",
	    ARRIVE AUTH573 DEFER42 AUTH DEFER42, 30, 0, "", 0, 0, T);
	kb_free(&kb);
	return (nfail ? 1 : 0);
}
