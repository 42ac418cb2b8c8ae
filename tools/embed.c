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
 * The output defines builtin_rules (a struct rules) and
 * builtin_hints_load (the catalogs, packed: hint.h, struct hint_pack),
 * written as C initialisers, so that a program starts with the knowledge
 * base already in place: no parsing, no UTF-8 check, no copy and no
 * allocation per start (relayhint explain, each Exim delivery process).
 * Nothing in it is a pointer: a pointer in the static data of a
 * position-independent program is relocated, and so copied page by
 * page, at every start.
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

/*
 * The catalogs' strings, each once, in one blob (the packed form,
 * hint.h): first every cause id and label key, which the lookups scan,
 * and the labels, then the English entries (the fallback of every
 * language), then the others, entry by entry, so that rendering one
 * hint reads few pages of it.
 */
#define BLOB_MAX	(8 * 1024 * 1024)
#define BLOB_HASH	(1 << 16)

static char	*blob;
static size_t	 blob_len;
static unsigned int blob_hash[BLOB_HASH];	/* offset + 1; 0 = empty */
static unsigned int *strs;
static size_t	 nstrs, strs_max;

/* blob_add - the offset of s in the blob, added when new */
static unsigned int
blob_add(const char *s)
{
	size_t	 len = strlen(s) + 1;
	unsigned long hv = 5381;
	const char *p;
	unsigned int i;

	for (p = s; *p != '\0'; p++)
		hv = hv * 33 + (unsigned char)*p;
	for (i = hv & (BLOB_HASH - 1); blob_hash[i] != 0;
	    i = (i + 1) & (BLOB_HASH - 1))
		if (strcmp(blob + blob_hash[i] - 1, s) == 0)
			return (blob_hash[i] - 1);
	if (blob_len + len > BLOB_MAX) {
		fprintf(stderr, "embed: catalogs larger than %d bytes\n",
		    BLOB_MAX);
		exit(1);
	}
	memcpy(blob + blob_len, s, len);
	blob_hash[i] = (unsigned int)blob_len + 1;
	blob_len += len;
	return (blob_hash[i] - 1);
}

/* blob_opt - a possibly absent string */
static unsigned int
blob_opt(const char *s)
{
	return (s == NULL ? HINT_PNONE : blob_add(s));
}

/* strs_add - one step or source offset */
static void
strs_add(unsigned int off)
{
	if (nstrs == strs_max) {
		strs_max = strs_max ? 2 * strs_max : 1024;
		if ((strs = realloc(strs, strs_max * sizeof(*strs))) == NULL) {
			perror("embed");
			exit(1);
		}
	}
	strs[nstrs++] = off;
}

/* put_blob - the blob as one string literal (its last NUL is the literal's) */
static void
put_blob(FILE *out)
{
	size_t	 i, start;

	if (blob_len == 0)
		fputs("    \"\"\n", out);
	for (start = 0; start < blob_len; start = i + 1) {
		i = start + strlen(blob + start);
		fputs("    ", out);
		put_str(out, blob + start);
		/* each string's NUL, but the last (the literal ends with one) */
		if (i + 1 < blob_len)
			fputs(" \"\\000\"", out);
		putc('\n', out);
	}
}

/* put_hints - the packed catalogs and builtin_hints_load */
static void
put_hints(FILE *out)
{
	const struct hint_catalog *c;
	const struct hint_entry *e;
	int	 i, k, s, pass, nent = 0;
	unsigned int (*ent)[6], (*ui)[2];
	int	 nui = 0;

	if ((blob = malloc(BLOB_MAX)) == NULL) {
		perror("embed");
		exit(1);
	}
	for (i = 0; i < hs.ncat; i++) {
		nent += hs.cat[i].nentries;
		nui += hs.cat[i].nui;
	}
	if ((ent = calloc((size_t)nent + 1, sizeof(*ent))) == NULL ||
	    (ui = calloc((size_t)nui + 1, sizeof(*ui))) == NULL) {
		perror("embed");
		exit(1);
	}
	/* what the lookups scan comes first, and every label */
	for (i = 0; i < hs.ncat; i++) {
		for (k = 0; k < hs.cat[i].nentries; k++)
			(void)blob_add(hs.cat[i].entries[k].id);
		for (k = 0; k < hs.cat[i].nui; k++)
			(void)blob_add(hs.cat[i].ui[k].key);
	}
	for (i = 0, nui = 0; i < hs.ncat; i++)
		for (k = 0; k < hs.cat[i].nui; k++, nui++) {
			ui[nui][0] = blob_add(hs.cat[i].ui[k].key);
			ui[nui][1] = blob_add(hs.cat[i].ui[k].value);
		}
	/* then the entries: English first, every language falls back to it */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0, nent = 0; i < hs.ncat;
		    nent += hs.cat[i++].nentries) {
			c = &hs.cat[i];
			if ((strcmp(c->lang, "en") == 0) != (pass == 0))
				continue;
			for (k = 0; k < c->nentries; k++) {
				e = &c->entries[k];
				ent[nent + k][0] = blob_add(e->id);
				ent[nent + k][1] = blob_opt(e->summary);
				ent[nent + k][2] = blob_opt(e->user);
				ent[nent + k][3] = (unsigned int)nstrs;
				ent[nent + k][4] = (unsigned int)e->nsteps;
				ent[nent + k][5] = (unsigned int)e->nsources;
				for (s = 0; s < e->nsteps; s++)
					strs_add(blob_add(e->step[s]));
				for (s = 0; s < e->nsources; s++)
					strs_add(blob_add(e->source[s]));
			}
		}
	}
	strs_add(HINT_PNONE);	/* an empty initialiser list is not C11 */
	/*
	 * One object, in the order a start reads it: the catalogs' heads
	 * (copied by builtin_hints_load), the labels' and entries' offsets,
	 * then the blob with the ids first, so that a lookup touches one
	 * stretch of pages instead of a page in each of five arrays.
	 */
	fprintf(out, "static const struct {\n\tstruct hints h;\n"
	    "\tstruct hint_pui ui[%d];\n\tstruct hint_pentry ent[%d];\n"
	    "\tunsigned int strs[%zu];\n\tchar blob[%zu];\n} pk = {\n",
	    nui ? nui : 1, nent ? nent : 1, nstrs, blob_len ? blob_len : 1);
	fprintf(out, "    .h = { .ncat = %d, .cat = {\n", hs.ncat);
	for (i = 0, k = 0, s = 0; i < hs.ncat; i++) {
		c = &hs.cat[i];
		fputs("\t{ .lang = ", out);
		put_str(out, c->lang);
		fputs(", .name = ", out);
		put_str(out, c->name);
		fprintf(out, ", .rtl = %d,\n\t  .nentries = %d, .nui = %d, "
		    ".packed = 1, .pentry = %d, .pui = %d },\n", c->rtl,
		    c->nentries, c->nui, k, s);
		k += c->nentries;
		s += c->nui;
	}
	fputs("    } },\n    .ui = {\n", out);
	for (i = 0; i < nui; i++)
		fprintf(out, "\t{ %u, %u },\n", ui[i][0], ui[i][1]);
	if (nui == 0)
		fputs("\t{ 0, 0 },\n", out);
	fputs("    },\n    .ent = {\n", out);
	for (i = 0; i < nent; i++)
		fprintf(out, "\t{ %u, %u, %u, %u, %u, %u },\n", ent[i][0],
		    ent[i][1], ent[i][2], ent[i][3], ent[i][4], ent[i][5]);
	if (nent == 0)
		fprintf(out, "\t{ 0, %u, %u, 0, 0, 0 },\n", HINT_PNONE,
		    HINT_PNONE);
	fputs("    },\n    .strs = {", out);
	for (i = 0; i < (int)nstrs; i++)
		fprintf(out, "%s%u,", i % 8 ? " " : "\n\t", strs[i]);
	fputs("\n    },\n    .blob =\n", out);
	put_blob(out);
	fputs("};\n\n", out);
	fprintf(out, "/* the struct hint_entry form, filled in on first use */\n"
	    "static struct hint_slot store[%d];\n\n", nent + 1);
	/*
	 * The pointers are set by code, not by static initialisers: code
	 * addresses its data relative to itself, initialisers would need
	 * relocations (what the packed form is there to avoid).
	 */
	fputs("/* builtin_hints_load - the compiled-in catalogs, used in place */\n"
	    "void\nbuiltin_hints_load(struct hints *h)\n{\n"
	    "\t*h = pk.h;\n"
	    "\th->pack.blob = pk.blob;\n"
	    "\th->pack.entries = pk.ent;\n"
	    "\th->pack.strs = pk.strs;\n"
	    "\th->pack.ui = pk.ui;\n"
	    "\th->pack.store = store;\n}\n", out);
	free(ent);
	free(ui);
	free(strs);
	free(blob);
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
