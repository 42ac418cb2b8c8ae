/*
 * kbfixture.h - the compiled-in knowledge base as a cmocka group fixture
 *
 * Include after testutil.h and explain.h; defines the file's kb and
 * kb_setup / kb_teardown for cmocka_run_group_tests().
 */
#ifndef RH_KBFIXTURE_H
#define RH_KBFIXTURE_H

static struct kb kb;

static int
kb_setup(void **state)
{
	char	 err[512];

	(void)state;
	if (kb_load(&kb, NULL, NULL, err, sizeof(err)) < 0)
		fail_msg("kb_load: %s", err);
	return (0);
}

static int
kb_teardown(void **state)
{
	(void)state;
	kb_free(&kb);
	return (0);
}

#endif
