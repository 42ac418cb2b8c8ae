/*
 * test_migrate_postfix.c - the Postfix XOAUTH2 plugin check and notes of
 * relayhint migrate
 *
 * migrate_pf_plugins is run on plugin directories made here (empty, the
 * Debian plugins only, with libkdexoauth2.so, with libsasl-xoauth2.so,
 * both, missing); migrate_pf_oauth_notes must tell each case apart: the
 * install step only without sasl-xoauth2, the kdexoauth2 directory only
 * when it is installed, the app-only caveat only with --app-only.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "migrate.h"

static char base[] = "/tmp/rh-test-pfplug.XXXXXX";

/* mkplugins - a directory NAME under base holding the files FILES */
static void
mkplugins(const char *name, const char *const *files, char *dir, size_t dirlen)
{
	char	 path[512];
	FILE	*fp;

	snprintf(dir, dirlen, "%s/%s", base, name);
	assert_int_equal(mkdir(dir, 0755), 0);
	for (; *files != NULL; files++) {
		snprintf(path, sizeof(path), "%s/%s", dir, *files);
		assert_non_null(fp = fopen(path, "w"));
		fclose(fp);
	}
}

static void
test_plugins(void **state)
{
	static const char *const none[] = { NULL };
	static const char *const debian[] = { "liblogin.so", "liblogin.so.2",
	    "libplain.so.2", NULL };
	static const char *const kdex[] = { "liblogin.so", "libkdexoauth2.so",
	    "libkdexoauth2.so.3", NULL };
	static const char *const xo[] = { "libsasl-xoauth2.so", NULL };
	char	 d0[512], d1[512], d2[512], d3[512], got[512];
	const char *dirs[6];

	(void)state;
	assert_non_null(mkdtemp(base));
	mkplugins("empty", none, d0, sizeof(d0));
	mkplugins("debian", debian, d1, sizeof(d1));
	mkplugins("kdex", kdex, d2, sizeof(d2));
	mkplugins("xo", xo, d3, sizeof(d3));

	dirs[0] = d0; dirs[1] = d1; dirs[2] = NULL;
	assert_int_equal(migrate_pf_plugins(dirs, got, sizeof(got)), 0);
	assert_string_equal(got, "");

	dirs[2] = d2; dirs[3] = NULL;
	assert_int_equal(migrate_pf_plugins(dirs, got, sizeof(got)),
	    MIGRATE_PLUGIN_KDEX);
	assert_string_equal(got, d2);

	dirs[0] = d3; dirs[1] = NULL;
	assert_int_equal(migrate_pf_plugins(dirs, got, sizeof(got)),
	    MIGRATE_PLUGIN_XOAUTH2);
	assert_string_equal(got, d3);

	/* both: the directory named is the kdexoauth2 one, whatever the order */
	dirs[0] = d3; dirs[1] = d2; dirs[2] = NULL;
	assert_int_equal(migrate_pf_plugins(dirs, got, sizeof(got)),
	    MIGRATE_PLUGIN_XOAUTH2 | MIGRATE_PLUGIN_KDEX);
	assert_string_equal(got, d2);

	/* a missing directory is skipped, not an error */
	dirs[0] = "/nonexistent/sasl2"; dirs[1] = d1; dirs[2] = NULL;
	assert_int_equal(migrate_pf_plugins(dirs, got, sizeof(got)), 0);

	snprintf(got, sizeof(got), "rm -rf '%s'", base);
	assert_int_equal(system(got), 0);
}

static void
test_notes(void **state)
{
	static const struct {
		int	 plugins, app_only;
		const char *dir;
		const char *want[3], *not[3];
	} t[] = {
		{ 0, 0, "", { "Install sasl-xoauth2 BEFORE --apply",
		  "not packaged in Debian 12", "invalid parameter supplied" },
		  { "installed here", "App-only", "is installed (" } },
		{ MIGRATE_PLUGIN_KDEX, 0, "/usr/lib/x86_64-linux-gnu/sasl2",
		  { "Install sasl-xoauth2 BEFORE --apply",
		  "It is installed here (/usr/lib/x86_64-linux-gnu/sasl2)",
		  "apt-get remove libsasl2-modules-kdexoauth2" },
		  { "App-only", "is installed (", NULL } },
		{ MIGRATE_PLUGIN_XOAUTH2, 1, "/usr/lib/sasl2",
		  { "sasl-xoauth2 is installed (libsasl-xoauth2.so in /usr/lib/sasl2)",
		  "App-only (client credentials) on Postfix",
		  "grant = client_credentials" },
		  { "BEFORE --apply", "installed here", NULL } },
	};
	struct buf b;
	size_t	 i, j;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_init(&b, 64 * 1024);
		migrate_pf_oauth_notes(&b, t[i].plugins, t[i].dir, t[i].app_only);
		for (j = 0; j < 3; j++) {
			if (t[i].want[j] != NULL && strstr(b.data, t[i].want[j])
			    == NULL)
				fail_msg("row %zu: got %s, want %s", i, b.data,
				    t[i].want[j]);
			if (t[i].not[j] != NULL && strstr(b.data, t[i].not[j])
			    != NULL)
				fail_msg("row %zu: got %s, must not have %s", i,
				    b.data, t[i].not[j]);
		}
		buf_free(&b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plugins),
		cmocka_unit_test(test_notes),
	};

	return (cmocka_run_group_tests_name("test_migrate_postfix", tests,
	    NULL, NULL));
}
