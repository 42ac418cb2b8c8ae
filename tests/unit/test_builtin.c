/*
 * test_builtin.c - the compiled-in knowledge base: the data tools/embed
 * wrote is what the loaders make of conf/, kb_load uses it in place, and
 * the build step refuses rules and catalogs the loaders refuse
 */
#include <sys/stat.h>
#include <sys/wait.h>
#include <pthread.h>
#include <unistd.h>

#include "testutil.h"

#include "builtin.h"
#include "explain.h"
#include "hint.h"
#include "rules.h"

static struct rules rs;

/* str_eq - two catalog strings, either possibly NULL */
static void
str_eq(const char *got, const char *want, const char *what, const char *lang,
    const char *id)
{
	if ((got == NULL) != (want == NULL) || (got != NULL &&
	    strcmp(got, want) != 0))
		fail_msg("%s %s %s: got \"%s\", want \"%s\"", lang, id, what,
		    got ? got : "(null)", want ? want : "(null)");
}

/*
 * rules_same - builtin_rules equals conf/relayhint.rules as loaded: a
 * field added to struct rule that embed does not write fails here
 * (static data and the loader's memset both leave padding zero)
 */
static void
test_rules_same(void **state)
{
	char	 err[512];
	int	 i;

	(void)state;
	if (rules_load_file(&rs, tu_path("conf/relayhint.rules"), err,
	    sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_int_equal(builtin_rules.ncauses, rs.ncauses);
	assert_int_equal(builtin_rules.nrules, rs.nrules);
	assert_int_equal(builtin_rules.nsigs, rs.nsigs);
	for (i = 0; i < rs.nrules; i++)
		if (memcmp(&builtin_rules.rules[i], &rs.rules[i],
		    sizeof(rs.rules[i])) != 0)
			fail_msg("rule %d (line %d) differs", i,
			    rs.rules[i].line);
	if (memcmp(&builtin_rules, &rs, sizeof(rs)) != 0)
		fail_msg("struct rules differs outside the rules");
}

/*
 * hints_same - the compiled-in catalogs equal conf/hints/ as loaded,
 * string by string, read through the lookups the programs use (the
 * packed form is filled in entry by entry on the way)
 */
static void
test_hints_same(void **state)
{
	const struct hint_catalog *g, *w;
	const struct hint_entry *ge, *we;
	struct hints b, h;
	char	 err[512];
	int	 i, k, s;

	(void)state;
	hints_init(&h);
	if (hints_load_dir(&h, tu_path("conf/hints"), err, sizeof(err)) < 0)
		fail_msg("%s", err);
	builtin_hints_load(&b);
	assert_int_equal(b.ncat, h.ncat);
	for (i = 0; i < h.ncat; i++) {
		g = &b.cat[i];
		w = &h.cat[i];
		assert_string_equal(g->lang, w->lang);
		assert_string_equal(g->name, w->name);
		assert_int_equal(g->rtl, w->rtl);
		assert_int_equal(g->packed, 1);
		assert_null(g->entries);
		assert_int_equal(g->nentries, w->nentries);
		assert_int_equal(g->nui, w->nui);
		for (k = 0; hint_ui_keys[k] != NULL; k++)
			str_eq(hints_ui(&b, g->lang, hint_ui_keys[k]),
			    hints_ui(&h, w->lang, hint_ui_keys[k]), "label",
			    w->lang, hint_ui_keys[k]);
		for (k = 0; k < w->nentries; k++) {
			ge = hints_entry(&b, i, k);
			we = hints_entry(&h, i, k);
			assert_non_null(ge);
			assert_ptr_equal(we, &w->entries[k]);
			assert_string_equal(ge->id, we->id);
			/* what the lookup by cause finds is that entry */
			assert_ptr_equal(hints_find(&b, g->lang, ge->id, NULL),
			    we->summary ? ge : hints_find(&b, "en", ge->id,
			    NULL));
			str_eq(ge->summary, we->summary, "summary", w->lang,
			    we->id);
			str_eq(ge->user, we->user, "user", w->lang, we->id);
			assert_int_equal(ge->nsteps, we->nsteps);
			for (s = 0; s < we->nsteps; s++)
				str_eq(ge->step[s], we->step[s], "step",
				    w->lang, we->id);
			assert_int_equal(ge->nsources, we->nsources);
			for (s = 0; s < we->nsources; s++)
				str_eq(ge->source[s], we->source[s], "source",
				    w->lang, we->id);
		}
		assert_null(hints_entry(&b, i, w->nentries));
	}
	/* a packed catalog has no heap: freeing the copy leaves the data */
	hints_free(&b);
	hints_free(&h);
}

#define RACE_THREADS	4

static struct hints race_hints;
static pthread_barrier_t race_start;

/*
 * race_walk - every entry of every catalog, looked up by cause, all
 * threads at once from the barrier on, half of them from the end
 */
static void *
race_walk(void *arg)
{
	const struct hint_entry *e;
	long	 bad = 0;
	int	 l, i, n, back = arg != NULL;

	pthread_barrier_wait(&race_start);
	for (l = 0; l < race_hints.ncat; l++)
		for (n = 0; n < race_hints.cat[l].nentries; n++) {
			i = back ? race_hints.cat[l].nentries - 1 - n : n;
			e = hints_entry(&race_hints, l, i);
			if (e == NULL || hints_find(&race_hints,
			    race_hints.cat[l].lang, e->id, NULL) == NULL ||
			    hints_sources(&race_hints, race_hints.cat[l].lang,
			    e->id, &(int){ 0 }) == NULL)
				bad++;
		}
	return ((void *)bad);
}

/*
 * first_use_threads - the milter's threads fill in the packed entries
 * at the same time, on first use: each gets whole entries (run first in
 * the program, while no entry is filled in; make check-sanitize's
 * helgrind/TSan runs would name a race)
 */
static void
test_first_use_threads(void **state)
{
	pthread_t t[RACE_THREADS];
	void	*bad;
	int	 i;

	(void)state;
	builtin_hints_load(&race_hints);
	assert_int_equal(pthread_barrier_init(&race_start, NULL,
	    RACE_THREADS), 0);
	for (i = 0; i < RACE_THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, race_walk,
		    i % 2 ? &race_hints : NULL), 0);
	for (i = 0; i < RACE_THREADS; i++) {
		assert_int_equal(pthread_join(t[i], &bad), 0);
		assert_null(bad);
	}
	pthread_barrier_destroy(&race_start);
}

/* in_place - kb_load points at the compiled-in data; kb_free leaves it */
static void
test_in_place(void **state)
{
	const struct hint_entry *first = NULL, *e;
	struct kb kb;
	char	 err[512];
	int	 round;

	(void)state;
	for (round = 0; round < 2; round++) {
		assert_int_equal(kb_load(&kb, NULL, NULL, err, sizeof(err)), 0);
		assert_ptr_equal(kb.rules, &builtin_rules);
		assert_true(kb.hints.ncat >= 6);
		assert_int_equal(kb.hints.cat[0].packed, 1);
		/* the same static entry every time, its strings in place */
		e = hints_find(&kb.hints, "en", "m365.unknown", NULL);
		assert_non_null(e);
		if (round == 0)
			first = e;
		assert_ptr_equal(e, first);
		assert_int_equal(kb.builtin, KB_BUILTIN_RULES |
		    KB_BUILTIN_HINTS);
		kb_free(&kb);
		assert_null(kb.rules);
		assert_int_equal(kb.hints.ncat, 0);
	}
	assert_non_null(first->summary);
	/* a site's catalog directory is still loaded and checked */
	assert_int_equal(kb_load(&kb, NULL, tu_path("conf/hints"), err,
	    sizeof(err)), 0);
	assert_int_equal(kb.builtin, KB_BUILTIN_RULES);
	assert_int_equal(kb.hints.cat[0].packed, 0);
	assert_non_null(kb.hints.cat[0].entries);
	kb_free(&kb);
}

/* embed_run - run the build step on a temporary copy; its exit status */
static int
embed_run(const char *dir, const char *rules, const char *catalog,
    const char *catalog_name)
{
	char	 out[600], rpath[600], cpath[600], cmd[2400];
	FILE	*f;
	int	 st;

	snprintf(out, sizeof(out), "%s/builtin.c", dir);
	snprintf(rpath, sizeof(rpath), "%s/relayhint.rules", dir);
	snprintf(cpath, sizeof(cpath), "%s/%s", dir, catalog_name);
	assert_non_null(f = fopen(rpath, "w"));
	fputs(rules, f);
	fclose(f);
	assert_non_null(f = fopen(cpath, "w"));
	fputs(catalog, f);
	fclose(f);
	unlink(out);
	snprintf(cmd, sizeof(cmd), "%s/tools/embed %s %s %s 2>/dev/null",
	    RH_BUILDDIR, out, rpath, cpath);
	st = system(cmd);
	unlink(rpath);
	unlink(cpath);
	return (WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/* embed_refuses - the build fails on a catalog or rules file we would refuse */
static void
test_embed_refuses(void **state)
{
	static const char rules_ok[] =
	    "cause m365.unknown unknown\ncause a.b auth\n"
	    "rule a.b 535 5.7.139 \"Authentication unsuccessful\"\n";
	static const char ui[] =
	    "[_ui]\ntitle = T\ntitle_delayed = D\nuser_heading = U\n"
	    "admin_heading = A\ncause_label = C\nreply_label = R\n"
	    "server_label = S\nfooter = F\nsources_label = L\ncolon = :\n";
	static const char entries[] =
	    "[m365.unknown]\nsummary = s\nstep = t\nuser = u\n"
	    "[a.b]\nsummary = s\nstep = t\nuser = u\n";
	static const struct {
		const char *what;
		const char *rules;
		const char *head;	/* before ui + entries */
		const char *tail;	/* after them */
		int	 want;		/* exit status */
	} cases[] = {
		{ "good input", rules_ok, "lang en\n", "", 0 },
		{ "invalid UTF-8", rules_ok, "lang en\nname Engl\xc3\x28sh\n", "",
		    1 },
		{ "a cause without an entry", "cause m365.unknown unknown\n"
		    "cause a.b auth\ncause c.d auth\n"
		    "rule a.b 535 * \"x\"\nrule c.d 535 * \"y\"\n",
		    "lang en\n", "", 1 },
		{ "an unknown key", rules_ok, "lang en\n", "colour = red\n", 1 },
		{ "an http source", rules_ok, "lang en\n",
		    "source = http://example.com/\n", 1 },
		{ "a bad rules file", "cause a.b auth\nrule a.b 535 \"x\n",
		    "lang en\n", "", 1 },
	};
	char	 dir[] = "/tmp/rh-embed-XXXXXX", cat[4096], out[600];
	struct stat st;
	size_t	 i;
	int	 rc;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(out, sizeof(out), "%s/builtin.c", dir);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(cat, sizeof(cat), "%s%s%s%s", cases[i].head, ui,
		    entries, cases[i].tail);
		rc = embed_run(dir, cases[i].rules, cat, "en.catalog");
		if (rc != cases[i].want)
			fail_msg("%s: embed exit %d, want %d", cases[i].what, rc,
			    cases[i].want);
		/* a refused input leaves no half-written output behind */
		if (cases[i].want != 0 && stat(out, &st) == 0)
			fail_msg("%s: output written", cases[i].what);
	}
	unlink(out);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_use_threads),
		cmocka_unit_test(test_rules_same),
		cmocka_unit_test(test_hints_same),
		cmocka_unit_test(test_in_place),
		cmocka_unit_test(test_embed_refuses),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
