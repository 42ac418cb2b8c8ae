/*
 * hint.h - message catalogs and hint rendering
 *
 * Catalog format (conf/hints/LANG.catalog, UTF-8):
 *
 *   # comment
 *   lang zh-TW
 *   name 繁體中文
 *   dir rtl                  (optional; "ltr" is the default)
 *
 *   [_ui]                    labels used around hints
 *   KEY = text
 *
 *   [cause.id]
 *   summary = one line: what happened
 *   step = one concrete step (repeatable, in order)
 *   user = a short note for the person who reads the bounce
 *   source = https://... the documentation the steps rest on (repeatable;
 *            a translation without source lines shares the English ones)
 *
 * Values are single lines.  "\n" is not interpreted.  Unknown keys in a
 * section, a missing "lang", duplicate sections and invalid UTF-8 are
 * errors ("file:line: reason").
 */
#ifndef RH_HINT_H
#define RH_HINT_H

#include <stddef.h>

#define HINT_MAX_LANGS		16
#define HINT_MAX_STEPS		12
#define HINT_MAX_SOURCES	8
#define HINT_VALUE_MAX		1024
#define HINT_LANG_MAX		16

struct buf;
struct rules;

struct hint_entry {
	char	 id[64];
	char	*summary;
	char	*user;
	int	 nsteps;
	char	*step[HINT_MAX_STEPS];
	int	 nsources;
	char	*source[HINT_MAX_SOURCES];
};

struct hint_ui {
	char	 key[32];
	char	*value;
};

struct hint_catalog {
	char	 lang[HINT_LANG_MAX];
	char	 name[64];
	int	 rtl;
	int	 nentries;
	struct hint_entry *entries;	/* heap; NULL when packed */
	int	 nui;
	struct hint_ui *ui;		/* heap; NULL when packed */
	int	 packed;		/* compiled in: in hints.pack, from */
	int	 pentry, pui;		/* entries[pentry], ui[pui] on */
};

/*
 * The compiled-in catalogs (builtin.h, written by tools/embed.c) hold no
 * pointers: every string is an offset into one const blob, so the
 * program's start relocates nothing and copies no page of them (a
 * pointer in static data of a PIE is a copy-on-write page fault at every
 * start, used or not).  An entry gets its struct hint_entry form the
 * first time it is looked up, in store[] (static, zero until then),
 * once even when several threads look it up at once (the milter's).
 */
struct hint_pentry {
	unsigned int	 id, summary, user;	/* blob offsets; HINT_PNONE */
	unsigned int	 first;		/* strs[first..]: steps, then sources */
	unsigned char	 nsteps, nsources;
};

#define HINT_PNONE	0xffffffffu

struct hint_pui {
	unsigned int	 key, value;	/* blob offsets */
};

/* an entry's struct hint_entry form and its flag, on one page */
struct hint_slot {
	struct hint_entry e;
	_Atomic unsigned char ready;	/* empty, being filled in, ready */
};

struct hint_pack {
	const char	*blob;
	const struct hint_pentry *entries;
	const unsigned int *strs;
	const struct hint_pui *ui;
	struct hint_slot *store;	/* same index as entries */
};

struct hints {
	int	 ncat;
	struct hint_catalog cat[HINT_MAX_LANGS];
	struct hint_pack pack;		/* the packed catalogs' data */
};

/*
 * UI label keys every catalog must define:
 *   title          heading of the block inserted into a bounce
 *   title_delayed  the same for a delay notice (mail still queued)
 *   user_heading   "For you" - the note to the person who reads the bounce
 *   admin_heading  "For the mail administrator"
 *   cause_label    "Cause"    (followed by the cause id)
 *   reply_label    "Server reply"
 *   server_label   "Microsoft server"
 *   footer         one line: added by relayhint; the original report follows unchanged
 *   sources_label  "Sources" (followed by the documentation links)
 */
extern const char *const hint_ui_keys[];

void	hints_init(struct hints *);
void	hints_free(struct hints *);

/* hints_load_buf - add one catalog from text; -1 with "name:line: reason" in err */
int	hints_load_buf(struct hints *, const char *text, size_t len,
	    const char *name, char *err, size_t errlen);

/* hints_load_dir - every *.catalog file in dir */
int	hints_load_dir(struct hints *, const char *dir, char *err, size_t errlen);

/*
 * hints_check - every cause in rules has a complete entry (summary, at
 * least one step, user note) in every catalog, and every catalog has every
 * UI key.  Returns the number of problems, each written to err (first one).
 */
int	hints_check(const struct hints *, const struct rules *, char *err,
	    size_t errlen);

/*
 * hints_entry - entry i of catalog cat (0 <= i < nentries), for a caller
 * that walks a catalog: a packed catalog has no entries[] to index
 */
const struct hint_entry *hints_entry(const struct hints *, int cat, int i);

/* hints_find - the entry for cause in lang, falling back to "en"; NULL if none */
const struct hint_entry *hints_find(const struct hints *, const char *lang,
	    const char *cause, const char **used_lang);

/*
 * hints_sources - the documentation links for cause in lang: the entry's
 * own, else the English entry's (translations share them); sets *n, NULL
 * when there are none
 */
char *const *hints_sources(const struct hints *, const char *lang,
	    const char *cause, int *n);

/* hint_url_ok - "https://HOST/...": a plausible host, printable ASCII, no blanks */
int	hint_url_ok(const char *url);

/* hints_ui - a UI label in lang with fallback to "en"; "" if none */
const char *hints_ui(const struct hints *, const char *lang, const char *key);

/* hints_has_lang - a catalog for exactly this tag, or its primary subtag */
const char *hints_match_lang(const struct hints *, const char *tag);

#define HINT_ADMIN_FIRST	0x01	/* postmaster copy: steps before user note */
#define HINT_NO_USER		0x02	/* omit the note for the bounce reader */
#define HINT_DELAYED		0x04	/* a delay notice: mail is still queued */

struct verdict;

/*
 * hint_render - the text block inserted into a bounce: a title line, the
 * summary, the user note and the admin steps, word-wrapped at 76 columns,
 * LF line ends, ending with an empty line.
 */
int	hint_render(const struct hints *, const struct verdict *,
	    const char *lang, int flags, struct buf *out);

#endif
