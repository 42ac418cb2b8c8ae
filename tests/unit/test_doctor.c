/*
 * test_doctor.c - relayhint doctor's Postfix checks on configuration
 * fixtures, and the helpers they share
 *
 * tests/data/doctor/CASE/ holds what Postfix's tools would print
 * (postconf.txt for postconf -x, postconf-P.txt, postconf-F.txt, maps.txt
 * for postmap -q: "MAP<TAB>KEY<TAB>VALUE", "MAP<TAB>*<TAB>!N" = exit N),
 * the files under root/ (token files, /etc/sasl-xoauth2.conf, plugin
 * directories), setup.txt (file ages and modes, the clock, the mail_owner
 * uid, the secrets that must never be printed) and expect.txt: one line
 * per expected check ("LEVEL id [subject]"), "none id", "contains TEXT",
 * "mailbox X", "login X", "kind X" and "exit N".  Cases named exim-* run
 * the Exim checks on exim-bV.txt and exim-{routers,transports,
 * authenticators}.txt (what exim -bV and -bP print).  Every case runs
 * both report forms; no secret of the case may appear in either.
 */
#include "testutil.h"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "buf.h"
#include "doctor.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define NOW		1795348800L	/* 2026-11-22T12:00:00Z */

static const char *const cases[] = {
	"password-noplaintext-default", "password-good",
	"password-after-deadline", "key-mismatch", "no-entry", "no-entry-unbracketed", "sasl-off",
	"empty-user-no-tls", "stale-map-tls-may", "map-unreadable",
	"filter-mismatch", "login-plugin-missing", "master-override",
	"xoauth2-chroot-ok", "xoauth2-noplaintext", "xoauth2-outside-chroot",
	"xoauth2-no-chroot", "xoauth2-token-missing",
	"xoauth2-idle70-google-nocabundle", "xoauth2-idle95-consumers",
	"xoauth2-common-noclientid", "xoauth2-broken-json-owner",
	"xoauth2-no-refresh-mode", "connector-tls-may", "not-microsoft",
	"no-relayhost", "postconf-fails", "consumer-password", "hve-password",
	"milter-no-accept", "milter-relayhint-conf",
	"kdexoauth2-unpinned", "kdexoauth2-pinned", "kdexoauth2-oauth",
	"exim-literal-tryauth-light", "exim-wildcard-require-heavy",
	"exim-plain-only-nofile", "exim-no-smarthost", "exim-not-installed",
	"sasl-passwd-nouser", "exim-passwd-two-fields",
	"exim-passwd-world-readable",
};

struct fx {
	char	 dir[4200];
	char	 root[4300];
	long	 uid_offset;
	int	 saw_c;			/* postconf/postmap got -c */
};

/* fx_cat - a fixture file into out; 0, or -1 when absent */
static int
fx_cat(const struct fx *f, const char *name, struct buf *out)
{
	char	 p[4400], chunk[4096];
	FILE	*fp;
	size_t	 n;

	snprintf(p, sizeof(p), "%s/%s", f->dir, name);
	if ((fp = fopen(p, "r")) == NULL)
		return (-1);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_append(out, chunk, n);
	fclose(fp);
	return (0);
}

/* fx_run - postconf and postmap as the fixture says */
static int
fx_run(void *ctx, char *const argv[], struct buf *out)
{
	struct fx *f = ctx;
	struct buf m;
	char	*line, *save = NULL, *k, *v;
	int	 i, q = -1;

	for (i = 1; argv[i] != NULL; i++) {
		if (strcmp(argv[i], "-c") == 0)
			f->saw_c = 1;
		if (strcmp(argv[i], "-q") == 0)
			q = i;
	}
	if (strcmp(argv[0], "postconf") == 0) {
		struct buf tmp;

		buf_init(&tmp, 1 << 20);
		if (fx_cat(f, "postconf.txt", &tmp) < 0) {
			buf_free(&tmp);
			return (1);
		}
		buf_free(&tmp);
		for (i = 1; argv[i] != NULL; i++) {
			if (strcmp(argv[i], "-P") == 0) {
				fx_cat(f, "postconf-P.txt", out);
				return (0);
			}
			if (strcmp(argv[i], "-F") == 0)
				return (fx_cat(f, "postconf-F.txt", out) < 0);
		}
		return (fx_cat(f, "postconf.txt", out) < 0);
	}
	if (strcmp(argv[0], "exim4") == 0) {
		for (i = 1; argv[i] != NULL; i++) {
			if (strcmp(argv[i], "-bV") == 0)
				return (fx_cat(f, "exim-bV.txt", out) < 0 ? -1 :
				    0);
			if (strcmp(argv[i], "-bP") == 0 && argv[i + 1] != NULL) {
				char	 n[64];

				snprintf(n, sizeof(n), "exim-%s.txt", argv[i + 1]);
				return (fx_cat(f, n, out) < 0);
			}
		}
		return (1);
	}
	if (strcmp(argv[0], "postmap") != 0 || q < 0 || argv[q + 1] == NULL ||
	    argv[q + 2] == NULL)
		return (-1);
	buf_init(&m, 1 << 20);
	fx_cat(f, "maps.txt", &m);
	for (line = m.data ? strtok_r(m.data, "\n", &save) : NULL;
	    line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if ((k = strchr(line, '\t')) == NULL ||
		    (v = strchr(k + 1, '\t')) == NULL)
			continue;
		*k++ = '\0';
		*v++ = '\0';
		if (strcmp(line, argv[q + 2]) != 0)
			continue;
		if (strcmp(k, "*") == 0 && v[0] == '!') {
			i = atoi(v + 1);
			buf_free(&m);
			return (i);
		}
		if (strcasecmp(k, argv[q + 1]) == 0) {
			buf_printf(out, "%s\n", v);
			buf_free(&m);
			return (0);
		}
	}
	buf_free(&m);
	return (1);
}

/* fx_uid - the test runner owns the fixture files (plus an offset) */
static long
fx_uid(void *ctx, const char *user)
{
	struct fx *f = ctx;

	(void)user;
	return ((long)getuid() + f->uid_offset);
}

/* fx_setup - ages, modes, clock, uid offset; the secrets to look for */
static void
fx_setup(struct fx *f, struct doctor_io *io, char secrets[][256], int *nsec)
{
	struct buf b;
	struct timeval tv[2];
	char	*line, *save = NULL, path[5400], arg[1024];
	long	 n;

	buf_init(&b, 1 << 20);
	fx_cat(f, "setup.txt", &b);
	for (line = b.data ? strtok_r(b.data, "\n", &save) : NULL;
	    line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "age %1023s %ld", arg, &n) == 2) {
			snprintf(path, sizeof(path), "%s%s", f->root, arg);
			tv[0].tv_sec = tv[1].tv_sec = io->now - n * 86400 - 3600;
			tv[0].tv_usec = tv[1].tv_usec = 0;
			if (utimes(path, tv) < 0)
				fail_msg("%s: utimes %s", f->dir, path);
		} else if (sscanf(line, "mode %1023s %lo", arg,
		    (unsigned long *)&n) == 2) {
			snprintf(path, sizeof(path), "%s%s", f->root, arg);
			if (chmod(path, (mode_t)n) < 0)
				fail_msg("%s: chmod %s", f->dir, path);
		} else if (sscanf(line, "now %ld", &n) == 1)
			io->now = n;
		else if (sscanf(line, "uid_offset %ld", &n) == 1)
			f->uid_offset = n;
		else if (strncmp(line, "secret ", 7) == 0 && *nsec < 16)
			snprintf(secrets[(*nsec)++], 256, "%s", line + 7);
	}
	buf_free(&b);
}

/* expect_one - one expect.txt line against the report */
static void
expect_one(const char *cname, const char *line, const struct doctor_report *r,
    const struct buf *text)
{
	static const char *const lv[] = { "OK", "INFO", "WARN", "FAIL",
	    "SKIP" };
	const struct doctor_check *c;
	char	 w1[32], w2[64], subj[512];
	int	 i, k, n;

	subj[0] = '\0';
	n = sscanf(line, "%31s %63s %511[^\n]", w1, w2, subj);
	if (strcmp(w1, "exit") == 0) {
		if (doctor_exit(r) != atoi(w2))
			fail_msg("%s: exit %d, want %s", cname, doctor_exit(r),
			    w2);
		return;
	}
	if (strcmp(w1, "contains") == 0) {
		if (strstr(text->data, line + 9) == NULL)
			fail_msg("%s: report lacks \"%s\":\n%s", cname,
			    line + 9, text->data);
		return;
	}
	if (strcmp(w1, "none") == 0) {
		if ((c = doctor_find(r, w2, NULL)) != NULL)
			fail_msg("%s: unexpected check %s (%s): %s", cname, w2,
			    doctor_level_name(c->level), c->reason);
		return;
	}
	if (strcmp(w1, "mailbox") == 0 || strcmp(w1, "login") == 0 ||
	    strcmp(w1, "kind") == 0) {
		for (i = 0; i < r->nhops; i++)
			if (strcmp(w2, w1[0] == 'm' ? r->hop[i].mailbox :
			    w1[0] == 'l' ? doctor_way_name(r->hop[i].way) :
			    doctor_kind_name(r->hop[i].kind)) == 0)
				return;
		fail_msg("%s: no relay host with %s %s", cname, w1, w2);
	}
	for (k = 0; k < 5 && strcmp(w1, lv[k]) != 0; k++)
		;
	if (k == 5)
		fail_msg("%s: bad expect line \"%s\"", cname, line);
	c = doctor_find(r, w2, n >= 3 ? subj : NULL);
	if (c == NULL)
		fail_msg("%s: no check %s (%s):\n%s", cname, w2, subj,
		    text->data);
	if ((int)c->level != k)
		fail_msg("%s: %s is %s, want %s: %s", cname, w2,
		    doctor_level_name(c->level), w1, c->reason);
	/* a problem always comes with a fix */
	if ((c->level == DOCTOR_FAIL || c->level == DOCTOR_WARN) &&
	    c->fix[0] == '\0' && strcmp(w2, "xoauth2.token_json") != 0)
		fail_msg("%s: %s %s has no fix", cname, w1, w2);
}

/* run_case - one fixture directory */
static void
run_case(const char *name)
{
	struct doctor_report *r;
	struct doctor_opts opts;
	struct doctor_io io;
	struct fx f;
	struct buf e, text, json;
	char	 secrets[16][256], *line, *save = NULL;
	int	 nsec = 0, i;

	memset(&f, 0, sizeof(f));
	if (snprintf(f.dir, sizeof(f.dir), "%s/%s",
	    tu_path("tests/data/doctor"), name) >= (int)sizeof(f.dir))
		fail_msg("path too long");
	snprintf(f.root, sizeof(f.root), "%s/root", f.dir);
	memset(&io, 0, sizeof(io));
	io.run = fx_run;
	io.uid = fx_uid;
	io.ctx = &f;
	io.root = f.root;
	io.now = NOW;
	fx_setup(&f, &io, secrets, &nsec);
	memset(&opts, 0, sizeof(opts));
	r = calloc(1, sizeof(*r));
	assert_non_null(r);
	if (strncmp(name, "exim-", 5) == 0)
		doctor_exim(&io, &opts, r);
	else
		doctor_postfix(&io, &opts, r);
	assert_false(f.saw_c);
	buf_init(&text, 1 << 22);
	buf_init(&json, 1 << 22);
	doctor_text(r, &text);
	doctor_json(r, &json);
	assert_false(text.overflow);
	for (i = 0; i < nsec; i++)
		if (strstr(text.data, secrets[i]) != NULL ||
		    strstr(json.data, secrets[i]) != NULL)
			fail_msg("%s: secret \"%s\" in the report", name,
			    secrets[i]);
	assert_non_null(strstr(json.data, "\"checks\":["));
	buf_init(&e, 1 << 20);
	if (fx_cat(&f, "expect.txt", &e) < 0)
		fail_msg("%s: no expect.txt", name);
	for (line = strtok_r(e.data, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		expect_one(name, line, r, &text);
	buf_free(&e);
	buf_free(&text);
	buf_free(&json);
	free(r);
}

/* every fixture case */
static void
test_cases(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++)
		run_case(cases[i]);
}

/* every fixture directory is in the table above */
static void
test_cases_listed(void **state)
{
	struct dirent *d;
	DIR	*dir;
	size_t	 i;

	(void)state;
	dir = opendir(tu_path("tests/data/doctor"));
	assert_non_null(dir);
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		for (i = 0; i < NELEM(cases); i++)
			if (strcmp(cases[i], d->d_name) == 0)
				break;
		if (i == NELEM(cases))
			fail_msg("fixture %s is not run", d->d_name);
	}
	closedir(dir);
}

/* a config directory reaches the commands as -c DIR */
static void
test_config_dir(void **state)
{
	struct doctor_report *r;
	struct doctor_opts opts;
	struct doctor_io io;
	struct fx f;

	(void)state;
	memset(&f, 0, sizeof(f));
	if (snprintf(f.dir, sizeof(f.dir), "%s",
	    tu_path("tests/data/doctor/not-microsoft")) >= (int)sizeof(f.dir))
		fail_msg("path too long");
	snprintf(f.root, sizeof(f.root), "%s/root", f.dir);
	memset(&io, 0, sizeof(io));
	io.run = fx_run;
	io.ctx = &f;
	io.root = f.root;
	io.now = NOW;
	memset(&opts, 0, sizeof(opts));
	opts.config_dir = "/etc/postfix-out";
	r = calloc(1, sizeof(*r));
	assert_non_null(r);
	assert_int_equal(doctor_postfix(&io, &opts, r), 0);
	assert_true(f.saw_c);
	assert_string_equal(r->config_dir, "/etc/postfix-out");
	free(r);
}

/* doctor_duration, doctor_kind_of, doctor_exit */
static void
test_helpers(void **state)
{
	struct doctor_report *r;

	(void)state;
	assert_int_equal(doctor_duration("5d", 'd'), 5 * 86400);
	assert_int_equal(doctor_duration("5", 'd'), 5 * 86400);
	assert_int_equal(doctor_duration("4h", 'd'), 4 * 3600);
	assert_int_equal(doctor_duration("0h", 'h'), 0);
	assert_int_equal(doctor_duration("1w", 'd'), 7 * 86400);
	assert_int_equal(doctor_duration("x", 'd'), -1);
	assert_int_equal(doctor_duration("3y", 'd'), -1);
	assert_int_equal(doctor_kind_of("SMTP.Office365.com"),
	    DOCTOR_KIND_SUBMIT);
	assert_int_equal(doctor_kind_of("smtp-legacy.office365.com"),
	    DOCTOR_KIND_SUBMIT);
	assert_int_equal(doctor_kind_of("smtp-hve.office365.com"),
	    DOCTOR_KIND_HVE);
	assert_int_equal(doctor_kind_of("smtp-mail.outlook.com"),
	    DOCTOR_KIND_CONSUMER);
	assert_int_equal(doctor_kind_of("contoso-com.mail.protection.outlook.com"),
	    DOCTOR_KIND_CONNECTOR);
	assert_int_equal(doctor_kind_of("contoso-com.a-v1.mx.microsoft"),
	    DOCTOR_KIND_CONNECTOR);
	assert_int_equal(doctor_kind_of("mail.protection.outlook.com"),
	    DOCTOR_KIND_OTHER);
	assert_int_equal(doctor_kind_of("office365.com.evil.example"),
	    DOCTOR_KIND_OTHER);
	assert_int_equal(doctor_kind_of("smtp.gmail.com"), DOCTOR_KIND_OTHER);
	r = calloc(1, sizeof(*r));
	assert_non_null(r);
	assert_int_equal(doctor_exit(r), 3);
	doctor_add(r, DOCTOR_OK, "a", NULL);
	doctor_add(r, DOCTOR_INFO, "b", NULL);
	assert_int_equal(doctor_exit(r), 0);
	doctor_add(r, DOCTOR_SKIP, "c", NULL);
	assert_int_equal(doctor_exit(r), 3);
	doctor_add(r, DOCTOR_WARN, "d", NULL);
	assert_int_equal(doctor_exit(r), 1);
	doctor_add(r, DOCTOR_FAIL, "e", NULL);
	assert_int_equal(doctor_exit(r), 2);
	/* a full table counts, never overflows */
	while (r->n < DOCTOR_MAX_CHECKS)
		doctor_add(r, DOCTOR_OK, "f", NULL);
	doctor_add(r, DOCTOR_FAIL, "g", NULL);
	assert_int_equal(r->dropped, 1);
	assert_null(doctor_find(r, "g", NULL));
	free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_cases_listed),
		cmocka_unit_test(test_config_dir),
		cmocka_unit_test(test_helpers),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
