/*
 * hint.c - message catalogs and hint rendering
 *
 * Functions: hints_init, hints_free, hints_load_buf, hints_load_dir,
 * hints_check, hints_entry, hints_find, hints_sources, hints_ui,
 * hints_match_lang, hint_url_ok, hint_render.
 *
 * Catalogs are ours (conf/hints/LANG.catalog), but a site may edit them,
 * so the loader validates like a config parser: UTF-8 only, known keys
 * only, "file:line: reason" on error, and a catalog is added whole or
 * not at all.  Every language falls back to English key by key, so a
 * half-translated site catalog still renders.
 *
 * The compiled-in catalogs are packed (hint.h, struct hint_pack): the
 * lookups read their offsets, and give an entry its struct hint_entry
 * form on first use (pack_entry, safe from several threads), so a
 * start touches only the pages of the entries it uses.
 *
 * Limits: HINT_MAX_LANGS catalogs, 512 entries each, HINT_MAX_STEPS steps
 * and HINT_MAX_SOURCES documentation links (https only) per cause,
 * values of at most HINT_VALUE_MAX bytes, files of 1 MiB.
 * Rendered text is word-wrapped at 76 columns (East Asian wide characters
 * count two) and is bounded by the caller's buffer.
 */
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "explain.h"
#include "hint.h"
#include "rules.h"
#include "text.h"

#define HINT_MAX_ENTRIES	512
#define HINT_FILE_MAX		(1024 * 1024)
#define HINT_WRAP		76

const char *const hint_ui_keys[] = {
	"title", "title_delayed", "user_heading", "admin_heading",
	"cause_label", "reply_label", "server_label", "footer",
	"sources_label", "colon", NULL
};

/* hints_init - no catalogs */
void
hints_init(struct hints *h)
{
	memset(h, 0, sizeof(*h));
}

/* catalog_free - release one catalog's heap (a packed one has none) */
static void
catalog_free(struct hint_catalog *c)
{
	int	 i, k;

	for (i = 0; !c->packed && i < c->nentries; i++) {
		free(c->entries[i].summary);
		free(c->entries[i].user);
		for (k = 0; k < c->entries[i].nsteps; k++)
			free(c->entries[i].step[k]);
		for (k = 0; k < c->entries[i].nsources; k++)
			free(c->entries[i].source[k]);
	}
	for (i = 0; !c->packed && i < c->nui; i++)
		free(c->ui[i].value);
	free(c->entries);
	free(c->ui);
	memset(c, 0, sizeof(*c));
}

/* hints_free - release every catalog */
void
hints_free(struct hints *h)
{
	int	 i;

	for (i = 0; i < h->ncat; i++)
		catalog_free(&h->cat[i]);
	h->ncat = 0;
}

/* hint_err - "name:line: reason" */
static int
hint_err(char *err, size_t errlen, const char *name, int line,
    const char *why, const char *arg)
{
	snprintf(err, errlen, "%s:%d: %s%s%.64s%s", name, line, why,
	    arg ? " \"" : "", arg ? arg : "", arg ? "\"" : "");
	return (-1);
}

/* trim - strip white space at both ends of s[0..*len) in place */
static const char *
trim(const char *s, size_t *len)
{
	while (*len > 0 && (s[0] == ' ' || s[0] == '\t')) {
		s++;
		(*len)--;
	}
	while (*len > 0 && (s[*len - 1] == ' ' || s[*len - 1] == '\t' ||
	    s[*len - 1] == '\r'))
		(*len)--;
	return (s);
}

/* dupn - malloc'ed copy of n bytes */
static char *
dupn(const char *s, size_t n)
{
	char	*p;

	if ((p = malloc(n + 1)) != NULL) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return (p);
}

/* catalog_line - one "key = value" line inside a section */
static int
catalog_line(struct hint_catalog *c, int sect, const char *k, size_t klen,
    const char *v, size_t vlen, const char *name, int line, char *err,
    size_t errlen)
{
	struct hint_entry *e;
	char	 key[32], *val;
	int	 i;

	text_copy(key, sizeof(key), k, klen);
	if (klen >= sizeof(key))
		return (hint_err(err, errlen, name, line, "unknown key", key));
	if (vlen == 0)
		return (hint_err(err, errlen, name, line, "empty value", key));
	if (vlen >= HINT_VALUE_MAX)
		return (hint_err(err, errlen, name, line, "value too long",
		    key));
	if (sect < 0) {		/* [_ui] */
		for (i = 0; hint_ui_keys[i] != NULL; i++)
			if (strcmp(hint_ui_keys[i], key) == 0)
				break;
		if (hint_ui_keys[i] == NULL)
			return (hint_err(err, errlen, name, line,
			    "unknown UI key", key));
		for (i = 0; i < c->nui; i++)
			if (strcmp(c->ui[i].key, key) == 0)
				return (hint_err(err, errlen, name, line,
				    "duplicate key", key));
		if ((val = dupn(v, vlen)) == NULL)
			return (hint_err(err, errlen, name, line,
			    "out of memory", NULL));
		snprintf(c->ui[c->nui].key, sizeof(c->ui[0].key), "%s", key);
		c->ui[c->nui++].value = val;
		return (0);
	}
	e = &c->entries[sect];
	if (strcmp(key, "summary") == 0 || strcmp(key, "user") == 0) {
		char	**slot = key[0] == 's' ? &e->summary : &e->user;

		if (*slot != NULL)
			return (hint_err(err, errlen, name, line,
			    "duplicate key", key));
		if ((*slot = dupn(v, vlen)) == NULL)
			return (hint_err(err, errlen, name, line,
			    "out of memory", NULL));
		return (0);
	}
	if (strcmp(key, "step") == 0) {
		if (e->nsteps >= HINT_MAX_STEPS)
			return (hint_err(err, errlen, name, line,
			    "too many steps", NULL));
		if ((e->step[e->nsteps] = dupn(v, vlen)) == NULL)
			return (hint_err(err, errlen, name, line,
			    "out of memory", NULL));
		e->nsteps++;
		return (0);
	}
	if (strcmp(key, "source") == 0) {
		if (e->nsources >= HINT_MAX_SOURCES)
			return (hint_err(err, errlen, name, line,
			    "too many sources", NULL));
		if ((val = dupn(v, vlen)) == NULL)
			return (hint_err(err, errlen, name, line,
			    "out of memory", NULL));
		if (!hint_url_ok(val)) {
			free(val);
			return (hint_err(err, errlen, name, line,
			    "source must be an https:// URL", NULL));
		}
		e->source[e->nsources++] = val;
		return (0);
	}
	return (hint_err(err, errlen, name, line, "unknown key", key));
}

/*
 * hint_url_ok - a link we print for administrators: https only (no
 * downgrade), a host of letters, digits, dots and dashes with at least
 * one dot, then nothing but printable ASCII without blanks, quotes or
 * angle brackets, so that it cannot break a line, a header or HTML.
 */
int
hint_url_ok(const char *url)
{
	const char *s, *host;
	int	 dots = 0;

	if (url == NULL || strncmp(url, "https://", 8) != 0)
		return (0);
	for (s = host = url + 8; *s != '\0' && *s != '/' && *s != '?' &&
	    *s != '#'; s++) {
		if (*s == '.') {
			if (s == host || s[-1] == '.')
				return (0);
			dots++;
		} else if (!((*s >= 'a' && *s <= 'z') ||
		    (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		    *s == '-'))
			return (0);
	}
	if (s == host || dots == 0 || s[-1] == '.')
		return (0);
	for (; *s != '\0'; s++)
		if (*s <= ' ' || *s >= 0x7f || *s == '"' || *s == '<' ||
		    *s == '>' || *s == '\\' || *s == '`')
			return (0);
	return (1);
}

/* catalog_parse - the whole text of one catalog */
static int
catalog_parse(struct hint_catalog *c, const char *text, size_t len,
    const char *name, char *err, size_t errlen)
{
	size_t	 i = 0, eol, n, klen, vlen;
	const char *s, *eq, *v;
	int	 line = 0, sect = -2, k;

	if (!text_utf8_valid(text, len))
		return (hint_err(err, errlen, name, 0, "not valid UTF-8",
		    NULL));
	if ((c->entries = calloc(HINT_MAX_ENTRIES, sizeof(*c->entries))) ==
	    NULL || (c->ui = calloc(16, sizeof(*c->ui))) == NULL)
		return (hint_err(err, errlen, name, 0, "out of memory", NULL));
	while (i < len) {
		line++;
		for (eol = i; eol < len && text[eol] != '\n'; eol++)
			;
		n = eol - i;
		s = trim(text + i, &n);
		i = eol + 1;
		if (n == 0 || s[0] == '#')
			continue;
		if (memchr(s, '\0', n) != NULL)
			return (hint_err(err, errlen, name, line, "NUL byte",
			    NULL));
		if (s[0] == '[') {
			char	 id[64];

			if (n < 3 || s[n - 1] != ']' || n - 2 >= sizeof(id))
				return (hint_err(err, errlen, name, line,
				    "bad section header", NULL));
			text_copy(id, sizeof(id), s + 1, n - 2);
			if (c->lang[0] == '\0')
				return (hint_err(err, errlen, name, line,
				    "section before \"lang\"", NULL));
			if (strcmp(id, "_ui") == 0) {
				if (c->nui > 0)
					return (hint_err(err, errlen, name,
					    line, "duplicate section", id));
				sect = -1;
				continue;
			}
			for (k = 0; k < c->nentries; k++)
				if (strcmp(c->entries[k].id, id) == 0)
					return (hint_err(err, errlen, name,
					    line, "duplicate section", id));
			if (c->nentries >= HINT_MAX_ENTRIES)
				return (hint_err(err, errlen, name, line,
				    "too many sections", NULL));
			sect = c->nentries++;
			snprintf(c->entries[sect].id, sizeof(c->entries[0].id),
			    "%s", id);
			continue;
		}
		if (sect == -2) {	/* preamble: lang, name, dir */
			for (klen = 0; klen < n && s[klen] != ' ' &&
			    s[klen] != '\t'; klen++)
				;
			vlen = n - klen;
			v = trim(s + klen, &vlen);
			if (klen == 4 && memcmp(s, "lang", 4) == 0) {
				text_copy(c->lang, sizeof(c->lang), v, vlen);
				if (vlen >= sizeof(c->lang) ||
				    !text_lang_ok(c->lang))
					return (hint_err(err, errlen, name,
					    line, "bad language tag", c->lang));
			} else if (klen == 4 && memcmp(s, "name", 4) == 0)
				text_copy(c->name, sizeof(c->name), v, vlen);
			else if (klen == 3 && memcmp(s, "dir", 3) == 0) {
				if (vlen == 3 && memcmp(v, "rtl", 3) == 0)
					c->rtl = 1;
				else if (!(vlen == 3 && memcmp(v, "ltr", 3) == 0))
					return (hint_err(err, errlen, name,
					    line, "dir must be ltr or rtl",
					    NULL));
			} else
				return (hint_err(err, errlen, name, line,
				    "unknown statement", NULL));
			continue;
		}
		if ((eq = memchr(s, '=', n)) == NULL)
			return (hint_err(err, errlen, name, line,
			    "want: key = value", NULL));
		klen = (size_t)(eq - s);
		trim(s, &klen);
		vlen = n - (size_t)(eq - s) - 1;
		v = trim(eq + 1, &vlen);
		if (catalog_line(c, sect, s, klen, v, vlen, name, line, err,
		    errlen) < 0)
			return (-1);
	}
	if (c->lang[0] == '\0')
		return (hint_err(err, errlen, name, line, "missing \"lang\"",
		    NULL));
	return (0);
}

/* hints_load_buf - add one catalog; all or nothing */
int
hints_load_buf(struct hints *h, const char *text, size_t len,
    const char *name, char *err, size_t errlen)
{
	struct hint_catalog *c;
	int	 i;

	if (h->ncat >= HINT_MAX_LANGS)
		return (hint_err(err, errlen, name, 0, "too many catalogs",
		    NULL));
	c = &h->cat[h->ncat];
	memset(c, 0, sizeof(*c));
	if (catalog_parse(c, text, len, name, err, errlen) < 0) {
		catalog_free(c);
		return (-1);
	}
	for (i = 0; i < h->ncat; i++) {
		if (strcmp(h->cat[i].lang, c->lang) == 0) {
			hint_err(err, errlen, name, 0,
			    "duplicate catalog for language", c->lang);
			catalog_free(c);
			return (-1);
		}
	}
	h->ncat++;
	return (0);
}

/* hints_load_file - one catalog file of at most HINT_FILE_MAX bytes */
static int
hints_load_file(struct hints *h, const char *path, char *err, size_t errlen)
{
	struct buf b;
	int	 rc;

	buf_init(&b, HINT_FILE_MAX);
	rc = buf_load_file(&b, path, err, errlen);
	if (rc == 0)
		rc = hints_load_buf(h, b.data, b.len, path, err, errlen);
	buf_free(&b);
	return (rc);
}

/* name_cmp - qsort order for file names */
static int
name_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* hints_load_dir - every *.catalog in dir, in name order */
int
hints_load_dir(struct hints *h, const char *dir, char *err, size_t errlen)
{
	DIR	*d;
	struct dirent *de;
	char	*names[HINT_MAX_LANGS + 1], path[4096];
	int	 n = 0, i, rc = 0;
	size_t	 len;

	if ((d = opendir(dir)) == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return (-1);
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 9 || de->d_name[0] == '.' ||
		    strcmp(de->d_name + len - 8, ".catalog") != 0)
			continue;
		if (n >= HINT_MAX_LANGS) {
			snprintf(err, errlen, "%s: more than %d catalogs", dir,
			    HINT_MAX_LANGS);
			rc = -1;
			break;
		}
		if ((names[n] = strdup(de->d_name)) == NULL) {
			snprintf(err, errlen, "%s: out of memory", dir);
			rc = -1;
			break;
		}
		n++;
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), name_cmp);
	for (i = 0; i < n; i++) {
		if (rc == 0) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
			rc = hints_load_file(h, path, err, errlen);
		}
		free(names[i]);
	}
	if (rc == 0 && h->ncat == 0) {
		snprintf(err, errlen, "%s: no *.catalog files", dir);
		rc = -1;
	}
	return (rc);
}

/* catalog_get - the catalog for exactly lang */
static const struct hint_catalog *
catalog_get(const struct hints *h, const char *lang)
{
	int	 i;

	if (lang == NULL)
		return (NULL);
	for (i = 0; i < h->ncat; i++)
		if (text_casecmp_n(h->cat[i].lang, lang,
		    strlen(h->cat[i].lang) + 1) == 0)
			return (&h->cat[i]);
	return (NULL);
}

/* a packed entry's state (struct hint_slot's ready) */
#define SLOT_EMPTY	0
#define SLOT_FILLING	1
#define SLOT_READY	2

/* pack_str - a blob string, NULL for none */
static char *
pack_str(const struct hint_pack *p, unsigned int off)
{
	/* never written to: char * only fits struct hint_entry's fields */
	return (off == HINT_PNONE ? NULL : (char *)(p->blob + off));
}

/*
 * pack_entry - entry k of the packed catalogs in struct hint_entry
 * form, filled in on first use.  The thread that moves the slot from
 * empty to filling fills it and publishes it with a release store; any
 * other waits (yielding: a fill takes a microsecond) until it reads
 * ready with acquire, and then sees the whole entry.  No lock: a mutex
 * would be one more page to touch at every start.
 */
static const struct hint_entry *
pack_entry(const struct hint_pack *p, int k)
{
	const struct hint_pentry *pe = &p->entries[k];
	struct hint_slot *slot = &p->store[k];
	struct hint_entry *e = &slot->e;
	unsigned char st;
	int	 i;

	if (atomic_load_explicit(&slot->ready, memory_order_acquire) ==
	    SLOT_READY)
		return (e);
	st = SLOT_EMPTY;
	if (!atomic_compare_exchange_strong_explicit(&slot->ready, &st,
	    SLOT_FILLING, memory_order_acquire, memory_order_acquire)) {
		while (atomic_load_explicit(&slot->ready,
		    memory_order_acquire) != SLOT_READY)
			sched_yield();
		return (e);
	}
	snprintf(e->id, sizeof(e->id), "%s", p->blob + pe->id);
	e->summary = pack_str(p, pe->summary);
	e->user = pack_str(p, pe->user);
	e->nsteps = pe->nsteps;
	for (i = 0; i < pe->nsteps; i++)
		e->step[i] = pack_str(p, p->strs[pe->first + i]);
	e->nsources = pe->nsources;
	for (i = 0; i < pe->nsources; i++)
		e->source[i] = pack_str(p, p->strs[pe->first + pe->nsteps + i]);
	atomic_store_explicit(&slot->ready, SLOT_READY, memory_order_release);
	return (e);
}

/* entry_id - the cause id of entry i of a catalog */
static const char *
entry_id(const struct hints *h, const struct hint_catalog *c, int i)
{
	if (c->packed)
		return (h->pack.blob + h->pack.entries[c->pentry + i].id);
	return (c->entries[i].id);
}

/* entry_at - entry i of a catalog */
static const struct hint_entry *
entry_at(const struct hints *h, const struct hint_catalog *c, int i)
{
	if (c->packed)
		return (pack_entry(&h->pack, c->pentry + i));
	return (&c->entries[i]);
}

/* ui_key, ui_value - label i of a catalog */
static const char *
ui_key(const struct hints *h, const struct hint_catalog *c, int i)
{
	if (c->packed)
		return (h->pack.blob + h->pack.ui[c->pui + i].key);
	return (c->ui[i].key);
}

static const char *
ui_value(const struct hints *h, const struct hint_catalog *c, int i)
{
	if (c->packed)
		return (h->pack.blob + h->pack.ui[c->pui + i].value);
	return (c->ui[i].value);
}

/* entry_get - a cause's entry in one catalog */
static const struct hint_entry *
entry_get(const struct hints *h, const struct hint_catalog *c,
    const char *cause)
{
	int	 i;

	for (i = 0; c != NULL && i < c->nentries; i++)
		if (strcmp(entry_id(h, c, i), cause) == 0)
			return (entry_at(h, c, i));
	return (NULL);
}

/* hints_entry - entry i of catalog cat */
const struct hint_entry *
hints_entry(const struct hints *h, int cat, int i)
{
	if (cat < 0 || cat >= h->ncat || i < 0 || i >= h->cat[cat].nentries)
		return (NULL);
	return (entry_at(h, &h->cat[cat], i));
}

/*
 * hints_match_lang - map a tag from a header or the command line to a
 * catalog: exact, then Chinese script/region to zh-TW or zh-CN, then the
 * primary subtag ("vi-VN" -> "vi").
 */
const char *
hints_match_lang(const struct hints *h, const char *tag)
{
	const struct hint_catalog *c;
	char	 prim[HINT_LANG_MAX];
	size_t	 n;

	if (tag == NULL || !text_lang_ok(tag))
		return (NULL);
	if ((c = catalog_get(h, tag)) != NULL)
		return (c->lang);
	if (text_casecmp_n(tag, "zh", 2) == 0 && (tag[2] == '\0' ||
	    tag[2] == '-')) {
		if (text_casestr(tag, strlen(tag), "hant") ||
		    text_casestr(tag, strlen(tag), "-tw") ||
		    text_casestr(tag, strlen(tag), "-hk") ||
		    text_casestr(tag, strlen(tag), "-mo"))
			c = catalog_get(h, "zh-TW");
		else
			c = catalog_get(h, "zh-CN");
		return (c ? c->lang : NULL);
	}
	for (n = 0; tag[n] != '\0' && tag[n] != '-' && n + 1 < sizeof(prim);
	    n++)
		prim[n] = tag[n];
	prim[n] = '\0';
	return ((c = catalog_get(h, prim)) ? c->lang : NULL);
}

/* hints_find - entry for cause in lang, else English */
const struct hint_entry *
hints_find(const struct hints *h, const char *lang, const char *cause,
    const char **used_lang)
{
	const struct hint_catalog *c;
	const struct hint_entry *e;
	const char *l;

	if (cause == NULL)
		return (NULL);
	if ((l = hints_match_lang(h, lang)) != NULL &&
	    (c = catalog_get(h, l)) != NULL &&
	    (e = entry_get(h, c, cause)) != NULL && e->summary != NULL) {
		if (used_lang)
			*used_lang = c->lang;
		return (e);
	}
	c = catalog_get(h, "en");
	if ((e = entry_get(h, c, cause)) != NULL && used_lang)
		*used_lang = c->lang;
	return (e);
}

/* hints_sources - the entry's links, else the English entry's */
char *const *
hints_sources(const struct hints *h, const char *lang, const char *cause,
    int *n)
{
	const struct hint_entry *e;

	*n = 0;
	if ((e = hints_find(h, lang, cause, NULL)) != NULL && e->nsources > 0) {
		*n = e->nsources;
		return (e->source);
	}
	if ((e = entry_get(h, catalog_get(h, "en"), cause)) != NULL &&
	    e->nsources > 0) {
		*n = e->nsources;
		return (e->source);
	}
	return (NULL);
}

/* hints_ui - a label in lang, else English, else "" */
const char *
hints_ui(const struct hints *h, const char *lang, const char *key)
{
	const struct hint_catalog *c;
	const char *l;
	int	 pass, i;

	for (pass = 0; pass < 2; pass++) {
		l = pass == 0 ? hints_match_lang(h, lang) : "en";
		if ((c = catalog_get(h, l)) == NULL)
			continue;
		for (i = 0; i < c->nui; i++)
			if (strcmp(ui_key(h, c, i), key) == 0)
				return (ui_value(h, c, i));
	}
	return ("");
}

/* hints_check - completeness of every catalog against the rules */
int
hints_check(const struct hints *h, const struct rules *rs, char *err,
    size_t errlen)
{
	const struct hint_entry *e;
	int	 i, k, problems = 0, found;

	if (errlen > 0)
		err[0] = '\0';
#define PROBLEM(...) do {						\
	if (problems++ == 0)						\
		snprintf(err, errlen, __VA_ARGS__);			\
} while (0)
	if (catalog_get(h, "en") == NULL)
		PROBLEM("no English catalog");
	for (i = 0; i < h->ncat; i++) {
		for (k = 0; hint_ui_keys[k] != NULL; k++) {
			int	 u;

			for (found = 0, u = 0; u < h->cat[i].nui; u++)
				found |= strcmp(ui_key(h, &h->cat[i], u),
				    hint_ui_keys[k]) == 0;
			if (!found)
				PROBLEM("%s: missing UI key %s",
				    h->cat[i].lang, hint_ui_keys[k]);
		}
		for (k = 0; k < rs->ncauses; k++) {
			e = entry_get(h, &h->cat[i], rs->causes[k].id);
			if (e == NULL)
				PROBLEM("%s: no entry for %s", h->cat[i].lang,
				    rs->causes[k].id);
			else if (e->summary == NULL || e->user == NULL ||
			    e->nsteps == 0)
				PROBLEM("%s: incomplete entry for %s",
				    h->cat[i].lang, rs->causes[k].id);
		}
		for (k = 0; k < h->cat[i].nentries; k++)
			if (rules_cause_index(rs, entry_id(h, &h->cat[i], k)) <
			    0)
				PROBLEM("%s: entry for unknown cause %s",
				    h->cat[i].lang, entry_id(h, &h->cat[i], k));
	}
#undef PROBLEM
	return (problems);
}

/* char_width - display columns of the UTF-8 character at s (1 or 2) */
static int
char_width(const unsigned char *s, size_t *n)
{
	unsigned long cp;

	if (s[0] < 0x80) {
		*n = 1;
		return (1);
	}
	if ((s[0] & 0xe0) == 0xc0) {
		*n = 2;
		return (1);
	}
	if ((s[0] & 0xf0) == 0xe0) {
		*n = 3;
		cp = ((s[0] & 0x0fUL) << 12) | ((s[1] & 0x3fUL) << 6) |
		    (s[2] & 0x3fUL);
		/* CJK, Hangul, full-width forms: two columns */
		return ((cp >= 0x1100 && cp <= 0x115f) ||
		    (cp >= 0x2e80 && cp <= 0xa4cf) ||
		    (cp >= 0xac00 && cp <= 0xd7a3) ||
		    (cp >= 0xf900 && cp <= 0xfaff) ||
		    (cp >= 0xfe30 && cp <= 0xfe4f) ||
		    (cp >= 0xff00 && cp <= 0xff60) ||
		    (cp >= 0xffe0 && cp <= 0xffe6) ? 2 : 1);
	}
	*n = 4;
	return (2);
}

/*
 * Commands an administrator copies from a hint: a PowerShell cmdlet
 * (Verb-Noun) or one of these programs starts one, and it runs to the
 * next ";", ", ", ". ", bracket or wide (CJK) character.  wrap() never
 * breaks a line inside one: a command cut across lines pastes as two.
 */
static const char *const cmd_words[] = {
	"postconf ", "postmap ", "postfix ", "postqueue ", "postsuper ",
	"sasl-xoauth2-tool ", "saslpluginviewer ", "apt-get ", "chmod ",
	"chown ", "systemctl ", "update-exim4.conf", "exim ", "exim4 ",
	"relayhint ", "openssl ", NULL
};

#define HINT_CMD_SPANS	16

/* cmd_start - a command begins at s[i] (the start of a word) */
static int
cmd_start(const unsigned char *s, size_t len, size_t i)
{
	size_t	 j, k;

	for (k = 0; cmd_words[k] != NULL; k++)
		if (len - i >= strlen(cmd_words[k]) &&
		    memcmp(s + i, cmd_words[k], strlen(cmd_words[k])) == 0)
			return (1);
	/* Verb-Noun: [A-Z][a-z]+ "-" [A-Z][A-Za-z0-9]+ */
	if (i >= len || s[i] < 'A' || s[i] > 'Z')
		return (0);
	for (j = i + 1; j < len && s[j] >= 'a' && s[j] <= 'z'; j++)
		;
	if (j == i + 1 || j + 2 >= len || s[j] != '-' || s[j + 1] < 'A' ||
	    s[j + 1] > 'Z')
		return (0);
	for (j += 2; j < len && ((s[j] >= 'a' && s[j] <= 'z') ||
	    (s[j] >= 'A' && s[j] <= 'Z') || (s[j] >= '0' && s[j] <= '9')); j++)
		;
	return (j >= len || s[j] == ' ');
}

/* cmd_end - where the command that starts at s[i] ends */
static size_t
cmd_end(const unsigned char *s, size_t len, size_t i)
{
	for (; i < len; i++) {
		if (s[i] >= 0x80 || s[i] == ';' || s[i] == '(' || s[i] == ')')
			return (i);
		if ((s[i] == ',' || s[i] == '.') && (i + 1 == len ||
		    s[i + 1] == ' '))
			return (i);
	}
	return (len);
}

/* cmd_spans - the [start, end) ranges of commands in text, at most max */
static int
cmd_spans(const unsigned char *s, size_t len, size_t span[][2], int max)
{
	size_t	 i;
	int	 n = 0;

	for (i = 0; i < len && n < max; i++) {
		if (i > 0 && s[i - 1] != ' ' && s[i - 1] != '(' &&
		    s[i - 1] < 0x80)
			continue;
		if (!cmd_start(s, len, i))
			continue;
		span[n][0] = i;
		span[n][1] = cmd_end(s, len, i);
		i = span[n][1];
		n++;
	}
	return (n);
}

/* cjk_closing - s starts with CJK punctuation no line may begin with */
static int
cjk_closing(const unsigned char *s, size_t len)
{
	static const char *const p[] = { "\xe3\x80\x81", "\xe3\x80\x82",
	    "\xef\xbc\x8c", "\xef\xbc\x9b", "\xef\xbc\x9a", "\xef\xbc\x89",
	    "\xe3\x80\x8d", "\xe3\x80\x8f", "\xe3\x80\x91", "\xef\xbc\x81",
	    "\xef\xbc\x9f", NULL };
	int	 k;

	for (k = 0; p[k] != NULL; k++)
		if (len >= 3 && memcmp(s, p[k], 3) == 0)
			return (1);
	return (0);
}

/* in_span - a line break before byte i would cut a command */
static int
in_span(size_t span[][2], int n, size_t i)
{
	int	 k;

	for (k = 0; k < n; k++)
		if (i > span[k][0] && i < span[k][1])
			return (1);
	return (0);
}

/*
 * wrap - append text as lines of at most HINT_WRAP columns: the first
 * line starts with first, the others with indent.  Lines break at a
 * space, or next to a wide (CJK) character, never inside a word, so a
 * URL stays whole even when it is longer than the line, and never
 * inside a command (cmd_spans), however long.
 */
static void
wrap(struct buf *out, const char *first, const char *indent,
    const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t	 len = strlen(text), i = 0, n, start, brk, nb;
	size_t	 span[HINT_CMD_SPANS][2];
	int	 col, w, cw, prev_wide, nspan;

	nspan = cmd_spans(s, len, span, HINT_CMD_SPANS);
	buf_puts(out, first);
	col = (int)strlen(first);
	while (i < len) {
		while (i < len && s[i] == ' ')
			i++;
		if (i >= len)
			break;
		start = i;
		brk = 0;		/* a break before byte brk */
		w = col;
		prev_wide = 0;
		while (i < len) {
			cw = char_width(s + i, &n);
			if (i + n > len)
				n = len - i;
			if (i > start && (s[i] == ' ' || cw == 2 ||
			    prev_wide) && !in_span(span, nspan, i) &&
			    !cjk_closing(s + i, len - i))
				brk = i;
			if (w + cw > HINT_WRAP && brk > start)
				break;
			prev_wide = cw == 2;
			w += cw;
			i += n;
		}
		nb = i < len ? brk : len;
		/* no trailing blanks before the line break */
		while (nb > start && s[nb - 1] == ' ')
			nb--;
		buf_append(out, text + start, nb - start);
		buf_putc(out, '\n');
		i = i < len ? brk : len;
		if (i < len) {
			buf_puts(out, indent);
			col = (int)strlen(indent);
		}
	}
	if (len == 0)
		buf_putc(out, '\n');
}

/* render_admin - the administrator's part: steps, cause, reply, server */
static void
render_admin(const struct hints *h, const struct verdict *v,
    const char *lang, const struct hint_entry *e, struct buf *out)
{
	char *const *src;
	char	 num[16];
	int	 k, nsrc;

	buf_printf(out, "%s%s\n", hints_ui(h, lang, "admin_heading"),
	    hints_ui(h, lang, "colon"));
	for (k = 0; k < e->nsteps; k++) {
		snprintf(num, sizeof(num), "  %d. ", k + 1);
		wrap(out, num, "     ", e->step[k]);
	}
	/* where the steps come from, so an administrator can check them */
	if ((src = hints_sources(h, lang, v->cause, &nsrc)) != NULL) {
		buf_printf(out, "  %s%s\n", hints_ui(h, lang,
		    "sources_label"), hints_ui(h, lang, "colon"));
		for (k = 0; k < nsrc; k++)
			buf_printf(out, "    %s\n", src[k]);
	}
	buf_printf(out, "  %s%s %s\n", hints_ui(h, lang, "cause_label"),
	    hints_ui(h, lang, "colon"), v->cause);
	if (v->reply[0] != '\0') {
		char	 label[128];

		snprintf(label, sizeof(label), "  %s%s ",
		    hints_ui(h, lang, "reply_label"), hints_ui(h, lang,
		    "colon"));
		wrap(out, label, "    ", v->reply);
	}
	if (v->server_id[0] != '\0')
		buf_printf(out, "  %s%s %s\n", hints_ui(h, lang,
		    "server_label"), hints_ui(h, lang, "colon"), v->server_id);
}

/* hint_render - the block inserted at the top of a bounce */
int
hint_render(const struct hints *h, const struct verdict *v,
    const char *lang, int flags, struct buf *out)
{
	const struct hint_entry *e;
	const char *used = "en";

	if (v->cause == NULL ||
	    (e = hints_find(h, lang, v->cause, &used)) == NULL ||
	    e->summary == NULL)
		return (-1);
	wrap(out, "", "", hints_ui(h, used, (flags & HINT_DELAYED) ?
	    "title_delayed" : "title"));
	buf_putc(out, '\n');
	wrap(out, "", "", e->summary);
	buf_putc(out, '\n');
	if (flags & HINT_ADMIN_FIRST) {
		render_admin(h, v, used, e, out);
		buf_putc(out, '\n');
	}
	if (!(flags & HINT_NO_USER) && e->user != NULL) {
		buf_printf(out, "%s%s\n", hints_ui(h, used, "user_heading"),
		    hints_ui(h, used, "colon"));
		wrap(out, "  ", "  ", e->user);
		buf_putc(out, '\n');
	}
	if (!(flags & HINT_ADMIN_FIRST)) {
		render_admin(h, v, used, e, out);
		buf_putc(out, '\n');
	}
	wrap(out, "", "", hints_ui(h, used, "footer"));
	/*
	 * Not dashes: a line of them is a MIME delimiter under a boundary
	 * of dashes ("--" + 68 "-"), and this block goes into multipart
	 * bodies (rewrite.c indents any line that could still imitate one).
	 */
	buf_puts(out, "______________________________________________________________________\n\n");
	return (out->overflow ? -1 : 0);
}
