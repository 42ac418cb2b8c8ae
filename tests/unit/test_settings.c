/*
 * test_settings.c - the settings table against itself, its aliases, the
 * sources of a value, and relayhint.conf(5) and relayhint.conf.sample
 *
 * The table (common/settings.c) is the truth: every row must be
 * documented in the man page and the sample with its default and the
 * programs that use it, and neither may name a setting the table lacks.
 */
#include "testutil.h"

#include "config.h"
#include "settings.h"

/* where_text - "cli, milter, exim" for a row's bits */
static void
where_text(unsigned where, char *out, size_t outlen)
{
	out[0] = '\0';
	if (where & SET_CLI)
		snprintf(out + strlen(out), outlen - strlen(out), "cli");
	if (where & SET_MILTER)
		snprintf(out + strlen(out), outlen - strlen(out), "%smilter",
		    out[0] ? ", " : "");
	if (where & SET_EXIM)
		snprintf(out + strlen(out), outlen - strlen(out), "%sexim",
		    out[0] ? ", " : "");
}

/* line_at - the line that starts with prefix (at a line start), or NULL */
static const char *
line_at(const char *text, const char *prefix)
{
	const char *p = text;
	size_t	 n = strlen(prefix);

	while (p != NULL && *p != '\0') {
		if (strncmp(p, prefix, n) == 0)
			return (p);
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return (NULL);
}

/* every row: unique name, a default that parses, a place it applies */
static void
test_table(void **state)
{
	struct config c;
	const struct setting_alias *a;
	const char *why, *alias;
	size_t	 i, j;

	(void)state;
	assert_true(settings_count <= CONFIG_SETTINGS_MAX);
	for (i = 0; i < settings_count; i++) {
		if (settings[i].where == 0)
			fail_msg("%s: applies nowhere", settings[i].name);
		for (j = i + 1; j < settings_count; j++)
			if (strcmp(settings[i].name, settings[j].name) == 0)
				fail_msg("%s: two rows", settings[i].name);
		if ((why = setting_parse(&c, &settings[i], settings[i].def)))
			fail_msg("%s: default \"%s\": %s", settings[i].name,
			    settings[i].def, why);
		if (setting_lookup(settings[i].name, strlen(settings[i].name),
		    SET_IN_EXIM, &alias) != &settings[i] || alias != NULL)
			fail_msg("%s: not found by its name", settings[i].name);
	}
	for (a = setting_aliases; a->old != NULL; a++) {
		if (setting_find(a->name, strlen(a->name)) == NULL)
			fail_msg("alias %s: no setting %s", a->old, a->name);
		if (setting_find(a->old, strlen(a->old)) != NULL)
			fail_msg("alias %s: is a setting's name", a->old);
	}
}

/* the old spellings work only where they were written, with a warning */
static void
test_aliases(void **state)
{
	static const struct {
		const char *name;
		unsigned in;
		const char *want;	/* NULL: unknown there */
	} t[] = {
		{ "rules", SET_IN_EXIM, "rules_file" },
		{ "rules", SET_IN_ARGV, "rules_file" },
		{ "rules", SET_IN_CONF, NULL },
		{ "ratelimit", SET_IN_EXIM, "log_repeat_window" },
		{ "ratelimit", SET_IN_ARGV, NULL },
		{ "log", SET_IN_EXIM, "syslog_socket" },
		{ "lang", SET_IN_ARGV, "language" },
		{ "lang", SET_IN_EXIM, NULL },
		{ "catalogs", SET_IN_ARGV, "hints_dir" },
		{ "hints", SET_IN_EXIM, "hints_dir" },
		{ "logmain", SET_IN_EXIM, "mainlog_write" },
		{ "tail", SET_IN_EXIM, "mainlog_tail" },
		{ "rules_file", SET_IN_CONF, "rules_file" },
	};
	const struct setting *s;
	const char *alias;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		s = setting_lookup(t[i].name, strlen(t[i].name), t[i].in,
		    &alias);
		if (t[i].want == NULL ? s != NULL : s == NULL ||
		    strcmp(s->name, t[i].want) != 0)
			fail_msg("%s in %#x: got %s, want %s", t[i].name,
			    t[i].in, s ? s->name : "unknown",
			    t[i].want ? t[i].want : "unknown");
	}
}

/* the nearest name for a typo, another case, an old spelling, a prefix */
static void
test_suggest(void **state)
{
	static const struct {
		const char *in, *want;
	} t[] = {
		{ "rule_file", "rules_file" },
		{ "Language", "language" },
		{ "hints-dir", "hints_dir" },
		{ "lang", "language" },
		{ "ratelimit", "log_repeat_window" },
		{ "alert_spol", "alert_spool" },
		{ "colour", NULL },
		{ "x", NULL },
	};
	const char *got;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		got = setting_suggest(t[i].in, strlen(t[i].in));
		if (t[i].want == NULL ? got != NULL : got == NULL ||
		    strcmp(got, t[i].want) != 0)
			fail_msg("%s: got %s, want %s", t[i].in,
			    got ? got : "none", t[i].want ? t[i].want : "none");
	}
}

/* an argument wins over the file in either order; a file's alias warns */
static void
test_sources(void **state)
{
	static const char file[] = "language = de\nlog_repeat_window = 1m\n";
	struct config c;
	char	 err[256] = "";

	(void)state;
	config_init(&c);
	assert_int_equal(config_set(&c, "ratelimit", 9, "0", CONFIG_SRC_ARG,
	    SET_IN_EXIM, err, sizeof(err)), 0);
	assert_int_equal(config_set(&c, "language", 8, "vi", CONFIG_SRC_ENV,
	    SET_IN_ARGV, err, sizeof(err)), 0);
	assert_int_equal(config_load_buf(&c, file, strlen(file), "f", err,
	    sizeof(err)), 0);
	/* the file came last and still lost to both */
	assert_int_equal(c.log_repeat_window, 0);
	assert_string_equal(c.language, "vi");
	assert_int_equal(config_line(&c, "language"), 1);
	assert_int_equal(c.nwarn, 1);
	assert_string_equal(c.warn[0], "'ratelimit' is deprecated; use "
	    "'log_repeat_window'");
	/* an argument over an argument: the later one */
	assert_int_equal(config_set(&c, "language", 8, "ro", CONFIG_SRC_ARG,
	    SET_IN_ARGV, err, sizeof(err)), 0);
	assert_string_equal(c.language, "ro");
	/* a lower source's mistake is still reported */
	config_init(&c);
	assert_int_equal(config_set(&c, "language", 8, "ro", CONFIG_SRC_ARG,
	    SET_IN_ARGV, err, sizeof(err)), 0);
	assert_int_equal(config_load_buf(&c, "language = x!\n", 14, "g", err,
	    sizeof(err)), -1);
	assert_string_equal(err, "g:1: language: not a language tag");
	assert_string_equal(c.language, "ro");
	/* the file over the default, "none" for an empty path */
	config_init(&c);
	assert_int_equal(config_load_buf(&c, "syslog_socket = none\n", 21,
	    "h", err, sizeof(err)), 0);
	assert_string_equal(c.syslog_socket, "");
	assert_int_equal(config_set(&c, "colour", 6, "red", CONFIG_SRC_ARG,
	    SET_IN_EXIM, err, sizeof(err)), -1);
	assert_string_equal(err, "unknown setting 'colour'");
	assert_int_equal(config_set(&c, "tail", 4, "0", CONFIG_SRC_ARG,
	    SET_IN_EXIM, err, sizeof(err)), -1);
	assert_string_equal(err, "mainlog_tail: value out of range");
}

/*
 * relayhint.conf(5): ".It Cm NAME No (default ...)" then ".Sy WHERE ."
 * for every row, with the default as written; no other ".It Cm x No
 * (default" entries
 */
static void
test_man_page(void **state)
{
	char	*man = tu_read("man/relayhint.conf.5", NULL);
	char	 want[128], where[64], line[512], name[64];
	const char *p, *nl;
	size_t	 i, n;

	(void)state;
	for (i = 0; i < settings_count; i++) {
		snprintf(want, sizeof(want), ".It Cm %s No (default",
		    settings[i].name);
		if ((p = line_at(man, want)) == NULL)
			fail_msg("relayhint.conf(5) does not document %s",
			    settings[i].name);
		nl = strchr(p, '\n');
		n = (size_t)(nl - p) < sizeof(line) ? (size_t)(nl - p) :
		    sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		if (settings[i].def[0] != '\0') {
			snprintf(want, sizeof(want), " %s )", settings[i].def);
			if (strstr(line, want) == NULL)
				fail_msg("relayhint.conf(5): %s: default is %s "
				    "in the table: %s", settings[i].name,
				    settings[i].def, line);
		} else if (strstr(line, "(default: ") == NULL)
			fail_msg("relayhint.conf(5): %s has no default in the "
			    "table: %s", settings[i].name, line);
		where_text(settings[i].where, where, sizeof(where));
		snprintf(want, sizeof(want), ".Sy %s .\n", where);
		if (strncmp(nl + 1, want, strlen(want)) != 0)
			fail_msg("relayhint.conf(5): %s: want \"%.*s\" after "
			    "its .It line", settings[i].name,
			    (int)strlen(want) - 1, want);
	}
	for (p = man; (p = strstr(p, "\n.It Cm ")) != NULL; p++) {
		if (sscanf(p, "\n.It Cm %63s No (default", name) != 1 ||
		    strstr(p, " No (default") == NULL ||
		    strstr(p, " No (default") > strchr(p + 1, '\n'))
			continue;
		if (setting_find(name, strlen(name)) == NULL)
			fail_msg("relayhint.conf(5) documents %s, which is not "
			    "in the settings table", name);
	}
	free(man);
}

/*
 * relayhint.conf.sample: "# NAME (WHERE) - " and "NAME = DEFAULT" (or
 * "#NAME =" for an empty default) for every row; every "name =" line of
 * the sample and the shipped relayhint.conf names a row
 */
static void
test_sample(void **state)
{
	static const char *const files[] = {
		"conf/relayhint.conf.sample", "conf/relayhint.conf"
	};
	char	*text, want[160], where[64], name[64];
	const char *p;
	size_t	 i, f;

	(void)state;
	text = tu_read(files[0], NULL);
	for (i = 0; i < settings_count; i++) {
		where_text(settings[i].where, where, sizeof(where));
		snprintf(want, sizeof(want), "# %s (%s) - ", settings[i].name,
		    where);
		if (line_at(text, want) == NULL)
			fail_msg("relayhint.conf.sample: no \"%s\"", want);
		if (settings[i].def[0] != '\0')
			snprintf(want, sizeof(want), "%s = %s\n",
			    settings[i].name, settings[i].def);
		else
			snprintf(want, sizeof(want), "#%s =", settings[i].name);
		if (line_at(text, want) == NULL)
			fail_msg("relayhint.conf.sample: no \"%s\" line "
			    "(the default)", want);
	}
	free(text);
	for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		text = tu_read(files[f], NULL);
		for (p = text; p != NULL && *p != '\0'; p = strchr(p, '\n'),
		    p = p ? p + 1 : NULL) {
			if (*p == '#')
				p++;
			if (sscanf(p, "%63[a-z_0-9] =", name) == 1 &&
			    strncmp(p + strlen(name), " =", 2) == 0 &&
			    setting_find(name, strlen(name)) == NULL)
				fail_msg("%s sets %s, which is not in the "
				    "settings table", files[f], name);
		}
		free(text);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_suggest),
		cmocka_unit_test(test_sources),
		cmocka_unit_test(test_man_page),
		cmocka_unit_test(test_sample),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
