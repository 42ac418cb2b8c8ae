/*
 * test_builtin.c - the compiled-in knowledge base: the data tools/embed
 * wrote is what the loaders make of conf/, kb_load uses it in place, and
 * the build step refuses rules and catalogs the loaders refuse
 */
#include <sys/stat.h>
#include <sys/wait.h>
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

/* hints_same - builtin_hints equals conf/hints/ as loaded, string by string */
static void
test_hints_same(void **state)
{
	const struct hint_catalog *g, *w;
	const struct hint_entry *ge, *we;
	struct hints h;
	char	 err[512];
	int	 i, k, s;

	(void)state;
	hints_init(&h);
	if (hints_load_dir(&h, tu_path("conf/hints"), err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_int_equal(builtin_hints.ncat, h.ncat);
	for (i = 0; i < h.ncat; i++) {
		g = &builtin_hints.cat[i];
		w = &h.cat[i];
		assert_string_equal(g->lang, w->lang);
		assert_string_equal(g->name, w->name);
		assert_int_equal(g->rtl, w->rtl);
		assert_int_equal(g->nentries, w->nentries);
		assert_int_equal(g->nui, w->nui);
		for (k = 0; k < w->nui; k++) {
			assert_string_equal(g->ui[k].key, w->ui[k].key);
			str_eq(g->ui[k].value, w->ui[k].value, "label",
			    w->lang, w->ui[k].key);
		}
		for (k = 0; k < w->nentries; k++) {
			ge = &g->entries[k];
			we = &w->entries[k];
			assert_string_equal(ge->id, we->id);
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
	}
	hints_free(&h);
}

/* in_place - kb_load points at the compiled-in data; kb_free leaves it */
static void
test_in_place(void **state)
{
	struct kb kb;
	char	 err[512];
	int	 round;

	(void)state;
	for (round = 0; round < 2; round++) {
		assert_int_equal(kb_load(&kb, NULL, NULL, err, sizeof(err)), 0);
		assert_ptr_equal(kb.rules, &builtin_rules);
		assert_int_equal(kb.hints.ncat, builtin_hints.ncat);
		assert_ptr_equal(kb.hints.cat[0].entries,
		    builtin_hints.cat[0].entries);
		assert_int_equal(kb.builtin, KB_BUILTIN_RULES |
		    KB_BUILTIN_HINTS);
		kb_free(&kb);
		assert_null(kb.rules);
		assert_int_equal(kb.hints.ncat, 0);
	}
	/* a site's catalog directory is still loaded and checked */
	assert_int_equal(kb_load(&kb, NULL, tu_path("conf/hints"), err,
	    sizeof(err)), 0);
	assert_int_equal(kb.builtin, KB_BUILTIN_RULES);
	assert_true(kb.hints.cat[0].entries != builtin_hints.cat[0].entries);
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
		cmocka_unit_test(test_rules_same),
		cmocka_unit_test(test_hints_same),
		cmocka_unit_test(test_in_place),
		cmocka_unit_test(test_embed_refuses),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
