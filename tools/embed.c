/*
 * embed.c - build-time tool: check the rules and catalogs, then compile
 * them into C data
 *
 * Usage: embed OUT.c RULES CATALOG...
 *
 * Loads RULES and every CATALOG with the loaders the programs use on a
 * site's own files (common/rules.c, common/hint.c: UTF-8 only, known keys
 * only, bounded values), then checks that every catalog has a complete
 * entry for every cause and every UI label (hints_check).  Any problem is
 * printed as "file:line: reason" and fails the build: nothing invalid is
 * ever compiled in.
 *
 * The output defines builtin_rules (a struct rules) and builtin_hints (a
 * struct hints whose entries and strings are static data), written as C
 * initialisers, so that a program starts with the knowledge base already
 * in place: no parsing, no UTF-8 check, no copy and no allocation per
 * start (relayhint explain, each Exim delivery process).
 * tests/unit/test_builtin.c checks that the data equals what the
 * loaders make of the same files.
 *
 * Runs on the build host only, on our own files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hint.h"
#include "rules.h"

#define EMBED_FILE_MAX	(1024 * 1024)

static struct rules rs;
static struct hints hs;

/* put_str - a C string literal; bytes outside printable ASCII in octal */
static void
put_str(FILE *out, const char *s)
{
	const unsigned char *p;
	int	 col = 0;

	if (s == NULL) {
		fputs("NULL", out);
		return;
	}
	putc('"', out);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (col > 70) {
			fputs("\"\n\t    \"", out);
			col = 0;
		}
		if (*p == '"' || *p == '\\')
			col += fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f || *p == '?')
			col += fprintf(out, "\\%03o", (unsigned)*p);
		else {
			putc(*p, out);
			col++;
		}
	}
	putc('"', out);
}

/* put_rules - the rule table as an initialiser of builtin_rules */
static void
put_rules(FILE *out)
{
	const struct rule *r;
	int	 i, k;

	fprintf(out, "const struct rules builtin_rules = {\n"
	    "    .ncauses = %d,\n    .causes = {\n", rs.ncauses);
	for (i = 0; i < rs.ncauses; i++) {
		fputs("\t{ ", out);
		put_str(out, rs.causes[i].id);
		fputs(", ", out);
		put_str(out, rs.causes[i].area);
		fputs(" },\n", out);
	}
	fprintf(out, "    },\n    .nrules = %d,\n    .rules = {\n", rs.nrules);
	for (i = 0; i < rs.nrules; i++) {
		r = &rs.rules[i];
		fprintf(out, "\t{ .cause = %d, .code = %d, .status = ", r->cause,
		    r->code);
		put_str(out, r->status);
		fprintf(out, ", .sclass = %d, .subject = %d, .lo = %d, "
		    ".hi = %d,\n\t  .npat = %d, .pat = { ", r->sclass,
		    r->subject, r->lo, r->hi, r->npat);
		for (k = 0; k < r->npat; k++) {
			put_str(out, r->pat[k]);
			fputs(", ", out);
		}
		fputs("},\n\t  .plen = { ", out);
		for (k = 0; k < r->npat; k++)
			fprintf(out, "%zu, ", r->plen[k]);
		fputs("}, .panchor = { ", out);
		for (k = 0; k < r->npat; k++)
			fprintf(out, "%zu, ", r->panchor[k]);
		fputs("}, .lpat = { ", out);
		for (k = 0; k < RULES_MAX_PATTERNS; k++)
			fprintf(out, "%d, ", r->lpat[k]);
		fputs("}, .host = ", out);
		put_str(out, r->host);
		fprintf(out, ", .line = %d, .local = %d },\n", r->line,
		    r->local);
	}
	fprintf(out, "    },\n    .nsigs = %d,\n    .sigs = {\n", rs.nsigs);
	for (i = 0; i < rs.nsigs; i++) {
		fprintf(out, "\t{ %d, %d, ", (int)rs.sigs[i].provider,
		    (int)rs.sigs[i].kind);
		put_str(out, rs.sigs[i].text);
		fprintf(out, ", %zu, %zu },\n", rs.sigs[i].len,
		    rs.sigs[i].anchor);
	}
	fprintf(out, "    },\n    .unknown_cause = %d,\n    .nlocal_pat = %d,\n"
	    "    .local_pat = {\n", rs.unknown_cause, rs.nlocal_pat);
	for (i = 0; i < rs.nlocal_pat; i++)
		fprintf(out, "\t{ %d, %d, %d },\n", rs.local_pat[i].rule,
		    rs.local_pat[i].pat, rs.local_pat[i].parent);
	fputs("    }\n};\n\n", out);
}

/* put_catalog - one catalog's entries and labels as static arrays */
static void
put_catalog(FILE *out, int n, const struct hint_catalog *c)
{
	const struct hint_entry *e;
	int	 i, k;

	fprintf(out, "/* %s */\nstatic const struct hint_entry cat%d_entries[] = {\n",
	    c->lang, n);
	for (i = 0; i < c->nentries; i++) {
		e = &c->entries[i];
		fputs("    { .id = ", out);
		put_str(out, e->id);
		fputs(",\n\t.summary = ", out);
		put_str(out, e->summary);
		fputs(",\n\t.user = ", out);
		put_str(out, e->user);
		fprintf(out, ",\n\t.nsteps = %d, .step = {", e->nsteps);
		for (k = 0; k < e->nsteps; k++) {
			fputs("\n\t    ", out);
			put_str(out, e->step[k]);
			putc(',', out);
		}
		fprintf(out, " },\n\t.nsources = %d, .source = {", e->nsources);
		for (k = 0; k < e->nsources; k++) {
			fputs("\n\t    ", out);
			put_str(out, e->source[k]);
			putc(',', out);
		}
		fputs(" } },\n", out);
	}
	/* an empty initialiser list is not C11: a catalog has labels */
	fprintf(out, "};\n\nstatic const struct hint_ui cat%d_ui[] = {\n", n);
	for (i = 0; i < c->nui; i++) {
		fputs("    { ", out);
		put_str(out, c->ui[i].key);
		fputs(", ", out);
		put_str(out, c->ui[i].value);
		fputs(" },\n", out);
	}
	fputs("};\n\n", out);
}

/* put_hints - every catalog, then builtin_hints pointing at them */
static void
put_hints(FILE *out)
{
	const struct hint_catalog *c;
	int	 i;

	for (i = 0; i < hs.ncat; i++)
		put_catalog(out, i, &hs.cat[i]);
	/*
	 * The catalogs are never written to: the casts only fit the
	 * struct's non-const members (a loaded catalog owns its heap).
	 */
	fprintf(out, "const struct hints builtin_hints = {\n    .ncat = %d,\n"
	    "    .cat = {\n", hs.ncat);
	for (i = 0; i < hs.ncat; i++) {
		c = &hs.cat[i];
		fputs("\t{ .lang = ", out);
		put_str(out, c->lang);
		fputs(", .name = ", out);
		put_str(out, c->name);
		fprintf(out, ", .rtl = %d,\n\t  .nentries = %d, "
		    ".entries = (struct hint_entry *)cat%d_entries,\n\t  "
		    ".nui = %d, .ui = (struct hint_ui *)cat%d_ui },\n", c->rtl,
		    c->nentries, i, c->nui, i);
	}
	fputs("    }\n};\n", out);
}

/* load_catalog - one catalog file, named by its base name in errors */
static int
load_catalog(const char *path, char *err, size_t errlen)
{
	struct buf b;
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	int	 rc;

	buf_init(&b, EMBED_FILE_MAX);
	rc = buf_load_file(&b, path, err, errlen);
	if (rc == 0)
		rc = hints_load_buf(&hs, b.data, b.len, name, err, errlen);
	buf_free(&b);
	return (rc);
}

int
main(int argc, char **argv)
{
	FILE	*out;
	char	 err[512];
	int	 i, n;

	if (argc < 4) {
		fprintf(stderr, "usage: embed OUT.c RULES CATALOG...\n");
		return (64);
	}
	if (rules_load_file(&rs, argv[2], err, sizeof(err)) < 0) {
		fprintf(stderr, "embed: %s\n", err);
		return (1);
	}
	hints_init(&hs);
	for (i = 3; i < argc; i++)
		if (load_catalog(argv[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "embed: %s\n", err);
			return (1);
		}
	if ((n = hints_check(&hs, &rs, err, sizeof(err))) > 0) {
		fprintf(stderr, "embed: %d problem(s) in the catalogs; first: "
		    "%s\n", n, err);
		return (1);
	}
	if ((out = fopen(argv[1], "w")) == NULL) {
		perror(argv[1]);
		return (1);
	}
	fputs("/* generated by tools/embed.c - do not edit */\n"
	    "#include <stddef.h>\n\n#include \"builtin.h\"\n\n", out);
	put_rules(out);
	put_hints(out);
	if (fclose(out) != 0) {
		perror(argv[1]);
		remove(argv[1]);
		return (1);
	}
	hints_free(&hs);
	return (0);
}
