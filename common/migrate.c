/*
 * migrate.c - the text edits and diffs behind relayhint migrate
 *
 * Functions: migrate_cf_set, migrate_map_set, migrate_exim_auth,
 * migrate_exim_mailbox, migrate_exim_connector, migrate_exim_transport,
 * migrate_exim_macro, migrate_exim_require_auth, migrate_exim_auth_others,
 * migrate_exim_try_auth, migrate_sh_set, migrate_diff, migrate_tenant_host,
 * migrate_pf_plugins, migrate_pf_oauth_notes.
 *
 * Every edit reads a whole configuration file held in a buffer and
 * writes the edited copy into another; nothing here writes to the disk
 * (migrate_pf_plugins lists the Cyrus SASL plugin directories).
 * The edits are line based, as the MTAs' own formats are: a main.cf
 * parameter is a line starting with its name and its continuation lines
 * start with white space (postconf(5)); a lookup table source has the key
 * as first field; an Exim driver starts with "name:" in column one and
 * ends before the next one or the next "begin" line (the blank and
 * comment lines after its last option lie between two drivers: an edit
 * of one leaves them), and an Exim option goes on over the lines after
 * one ending in a backslash (Exim spec, chapter 6): an option is
 * commented out with all of them.
 *
 * Limits: inputs are bounded by their buffers (MIGRATE_FILE_MAX); the diff
 * compares at most MIGRATE_DIFF_LINES lines a side and, for a changed
 * middle larger than DIFF_CELLS comparisons, shows it as one replaced
 * block instead of the shortest edit (still a correct patch).
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "migrate.h"
#include "text.h"

#define DIFF_CELLS	(4u * 1024 * 1024)
#define DIFF_CONTEXT	3
#define EXIM_MARK	"# relayhint migrate: "

struct lines {
	int	 n;
	const char **p;
	size_t	*len;		/* with the newline, if any */
};

/* lines_split - index the lines of b; 0, or -1 when there are too many */
static int
lines_split(const struct buf *b, struct lines *l, int max)
{
	const char *s = b->data ? b->data : "", *e = s + b->len, *nl;
	int	 cap = 0;

	memset(l, 0, sizeof(*l));
	while (s < e) {
		if (l->n == max)
			return (-1);
		if (l->n == cap) {
			const char **np;
			size_t	*nlen;

			cap = cap ? cap * 2 : 64;
			if ((np = realloc(l->p, cap * sizeof(*np))) == NULL)
				return (-1);
			l->p = np;
			if ((nlen = realloc(l->len, cap * sizeof(*nlen))) == NULL)
				return (-1);
			l->len = nlen;
		}
		nl = memchr(s, '\n', (size_t)(e - s));
		l->p[l->n] = s;
		l->len[l->n] = nl ? (size_t)(nl - s) + 1 : (size_t)(e - s);
		s += l->len[l->n];
		l->n++;
	}
	return (0);
}

static void
lines_free(struct lines *l)
{
	free(l->p);
	free(l->len);
}

/* put_line - a line, adding the newline a last line may lack */
static void
put_line(struct buf *out, const char *p, size_t len)
{
	buf_append(out, p, len);
	if (len == 0 || p[len - 1] != '\n')
		buf_putc(out, '\n');
}

/* cf_is_def - does this main.cf line define NAME? */
static int
cf_is_def(const char *p, size_t len, const char *name)
{
	size_t	 n = strlen(name), i;

	if (len < n || strncmp(p, name, n) != 0)
		return (0);
	for (i = n; i < len && (p[i] == ' ' || p[i] == '\t'); i++)
		;
	return (i < len && p[i] == '=');
}

/* migrate_cf_set - set one main.cf parameter as postconf -e would */
int
migrate_cf_set(const struct buf *in, const char *name, const char *value,
    struct buf *out)
{
	struct lines l;
	int	 i, done = 0;

	if (lines_split(in, &l, 1000000) < 0) {
		lines_free(&l);
		return (-1);
	}
	buf_reset(out);
	for (i = 0; i < l.n; i++) {
		if (!cf_is_def(l.p[i], l.len[i], name)) {
			buf_append(out, l.p[i], l.len[i]);
			continue;
		}
		/* drop continuation lines: they belong to this value */
		while (i + 1 < l.n && l.len[i + 1] > 1 &&
		    (l.p[i + 1][0] == ' ' || l.p[i + 1][0] == '\t'))
			i++;
		if (done++)
			continue;	/* a later duplicate would win */
		if (value[0] != '\0')
			buf_printf(out, "%s = %s\n", name, value);
		else
			buf_printf(out, "%s =\n", name);
	}
	if (!done) {
		if (out->len > 0 && out->data[out->len - 1] != '\n')
			buf_putc(out, '\n');
		if (value[0] != '\0')
			buf_printf(out, "%s = %s\n", name, value);
		else
			buf_printf(out, "%s =\n", name);
	}
	lines_free(&l);
	return (out->overflow ? -1 : 0);
}

/*
 * set_entry - replace the first line that starts with NAME and one of SEPS
 * (case-blind if FOLD) by NAME SEPS[0] VALUE, drop the later ones, or
 * append it; the shared body of migrate_map_set and migrate_sh_set
 */
static int
set_entry(const struct buf *in, const char *name, int fold, const char *seps,
    const char *value, struct buf *out)
{
	struct lines l;
	size_t	 n = strlen(name);
	int	 i, done = 0;

	if (lines_split(in, &l, 1000000) < 0) {
		lines_free(&l);
		return (-1);
	}
	buf_reset(out);
	for (i = 0; i < l.n; i++) {
		if (l.len[i] > n && (fold ? text_casecmp_n(l.p[i], name, n) :
		    memcmp(l.p[i], name, n)) == 0 && l.p[i][n] != '\0' &&
		    strchr(seps, l.p[i][n]) != NULL) {
			if (!done++)
				buf_printf(out, "%s%c%s\n", name, seps[0], value);
			continue;
		}
		buf_append(out, l.p[i], l.len[i]);
	}
	if (!done) {
		if (out->len > 0 && out->data[out->len - 1] != '\n')
			buf_putc(out, '\n');
		buf_printf(out, "%s%c%s\n", name, seps[0], value);
	}
	lines_free(&l);
	return (out->overflow ? -1 : 0);
}

/* migrate_map_set - replace or add one "key value" entry */
int
migrate_map_set(const struct buf *in, const char *key, const char *value,
    struct buf *out)
{
	return (set_entry(in, key, 1, " \t", value, out));
}

/* skip_ws - the first non-blank of a line */
static const char *
skip_ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	return (p);
}

/* ex_continued - does the line end with a backslash (Exim: the next one goes on)? */
static int
ex_continued(const char *p, size_t len)
{
	while (len > 0 && (p[len - 1] == '\n' || p[len - 1] == '\r' ||
	    p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	return (len > 0 && p[len - 1] == '\\');
}

/* ex_begin - is this line "begin SECTION"?  copies the section name */
static int
ex_begin(const char *p, size_t len, char *sect, size_t slen)
{
	const char *e = p + len, *s;
	size_t	 n;

	p = skip_ws(p, e);
	if (e - p < 6 || text_casecmp_n(p, "begin", 5) != 0 ||
	    (p[5] != ' ' && p[5] != '\t'))
		return (0);
	s = skip_ws(p + 5, e);
	for (n = 0; s + n < e && isalpha((unsigned char)s[n]); n++)
		;
	text_copy(sect, slen, s, n);
	return (1);
}

/*
 * ex_driver_start - "name:" in column one starts a router, transport or
 * authenticator; blanks may come before the colon ("name :").  The
 * length of the name, 0 when the line starts none.
 */
static size_t
ex_driver_start(const char *p, size_t len)
{
	size_t	 i, n;

	if (len == 0 || !(isalnum((unsigned char)p[0]) || p[0] == '_'))
		return (0);
	for (i = 0; i < len && (isalnum((unsigned char)p[i]) || p[i] == '_' ||
	    p[i] == '-'); i++)
		;
	for (n = i; i < len && (p[i] == ' ' || p[i] == '\t'); i++)
		;
	return (i < len && p[i] == ':' ? n : 0);
}

/* ex_driver_is - does this line start the driver called NAME? */
static int
ex_driver_is(const char *p, size_t len, const char *name)
{
	size_t	 n = ex_driver_start(p, len);

	return (n > 0 && n == strlen(name) && memcmp(p, name, n) == 0);
}

/* ex_comment - a comment line, or a directive (.ifdef, .endif, .include...) */
static int
ex_comment(const char *p, size_t len)
{
	const char *s = skip_ws(p, p + len);

	return (s < p + len && (*s == '#' || *s == '.'));
}

/*
 * opt_last - the last line of the logical line that starts at line i:
 * Exim goes on after a line ending in a backslash, and comment lines in
 * the middle of such a run do not end it (Exim spec, chapter 6).  A
 * comment or directive line itself is never continued.
 */
static int
opt_last(const struct lines *l, int i)
{
	int	 cont;

	if (ex_comment(l->p[i], l->len[i]))
		return (i);
	cont = ex_continued(l->p[i], l->len[i]);
	while (cont && i + 1 < l->n) {
		i++;
		if (*skip_ws(l->p[i], l->p[i] + l->len[i]) != '#')
			cont = ex_continued(l->p[i], l->len[i]);
	}
	return (i);
}

/*
 * comment_out - lines i..last (one option with its continuation lines)
 * behind EXIM_MARK; blank lines stay blank.  All of them: a first line
 * commented out alone leaves its continuation lines as options Exim
 * cannot read ("option setting expected").
 */
static void
comment_out(struct buf *out, const struct lines *l, int i, int last)
{
	for (; i <= last; i++) {
		if (l->len[i] > 0 && l->p[i][0] != '\n')
			buf_puts(out, EXIM_MARK);
		buf_append(out, l->p[i], l->len[i]);
	}
}

/* ex_opt - does this line set option NAME?  value start in *val */
static int
ex_opt(const char *p, size_t len, const char *name, const char **val)
{
	const char *e = p + len;
	size_t	 n = strlen(name);

	p = skip_ws(p, e);
	if ((size_t)(e - p) < n || text_casecmp_n(p, name, n) != 0)
		return (0);
	p = skip_ws(p + n, e);
	if (p >= e || *p != '=')
		return (0);
	if (val != NULL)
		*val = skip_ws(p + 1, e);
	return (1);
}

/* val_is - the option value (to end of line) is one of the words */
static int
val_word(const char *v, const char *e, const char *w)
{
	size_t	 n = strlen(w);

	while (e > v && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' ||
	    e[-1] == '\t'))
		e--;
	return ((size_t)(e - v) == n && text_casecmp_n(v, w, n) == 0);
}

/* block_end - the line after the driver block that starts at i */
static int
block_end(const struct lines *l, int i)
{
	char	 sect[32];

	for (i++; i < l->n; i++)
		if (ex_driver_start(l->p[i], l->len[i]) ||
		    ex_begin(l->p[i], l->len[i], sect, sizeof(sect)))
			break;
	return (i);
}

/* ex_blank - a line of white space only */
static int
ex_blank(const char *p, size_t len)
{
	const char *s = skip_ws(p, p + len);

	return (s == p + len || *s == '\n' || *s == '\r');
}

/*
 * block_last - the last option line of the driver block i..end-1.  The
 * blank, comment and directive lines after it lie between this block and
 * the next one (the lines we commented out of a login authenticator
 * below ours, the .ifdef of the next block): an edit of this block must
 * not take them along, nor compare them with its own text.
 */
static int
block_last(const struct lines *l, int i, int end)
{
	while (end - 1 > i && (ex_blank(l->p[end - 1], l->len[end - 1]) ||
	    ex_comment(l->p[end - 1], l->len[end - 1])))
		end--;
	return (end - 1);
}

/* ex_find_driver - the first line of driver NAME in section SECT; -1 if none */
static int
ex_find_driver(const struct lines *l, const char *sect, const char *name)
{
	char	 s[32] = "";
	int	 i;

	for (i = 0; i < l->n; i++)
		if (!ex_begin(l->p[i], l->len[i], s, sizeof(s)) &&
		    strcmp(s, sect) == 0 && ex_driver_is(l->p[i], l->len[i],
		    name))
			return (i);
	return (-1);
}

/* ex_old_name - does a public name (or, without one, the instance name) say LOGIN, PLAIN or XOAUTH2? */
static int
ex_old_name(const char *v, const char *e)
{
	return (val_word(v, e, "LOGIN") || val_word(v, e, "PLAIN") ||
	    val_word(v, e, "XOAUTH2"));
}

/*
 * insert_auth - AUTH after the "begin authenticators" line at i: after
 * the blank lines that follow it (one when there are none), with one
 * blank line before what comes next.  The line to go on from.
 */
static int
insert_auth(struct buf *out, const struct lines *l, int i, const char *auth)
{
	int	 j;

	put_line(out, l->p[i], l->len[i]);
	/* put_line: a last blank line may lack its newline, and ours must
	 * start a line of its own (indented, a next run would not find it) */
	for (j = i + 1; j < l->n && ex_blank(l->p[j], l->len[j]); j++)
		put_line(out, l->p[j], l->len[j]);
	if (j == i + 1)
		buf_putc(out, '\n');
	put_line(out, auth, strlen(auth));
	if (j < l->n)
		buf_putc(out, '\n');
	return (j - 1);
}

/*
 * cond_away - the client_condition at l[j..k] is the one the plan's CHECK
 * gives, ${if !eq{$host}{HOST}} as a whole, so the authenticator is never
 * offered to HOST.  Blanks between the parts and continuation lines are
 * allowed; eq compares case-sensitively in Exim, so HOST must match as
 * written (eqi: in any case).  Anything else, an or{} around it say,
 * may still let HOST in and does not count.
 */
static int
cond_away(const struct lines *l, int j, int k, const char *host)
{
	char	 got[320], want[320];
	const char *v, *e;
	size_t	 n = 0, hl = strlen(host);
	int	 i;

	if (!ex_opt(l->p[j], l->len[j], "client_condition", &v))
		return (0);
	for (i = j; i <= k; i++) {
		if (i > j)
			v = l->p[i];
		for (e = l->p[i] + l->len[i]; v < e; v++) {
			if (*v == ' ' || *v == '\t' || *v == '\r' ||
			    *v == '\n' || (*v == '\\' && v + 1 < e &&
			    (v[1] == '\n' || v[1] == '\r')))
				continue;
			if (n + 1 >= sizeof(got))
				return (0);
			got[n++] = *v;
		}
	}
	got[n] = '\0';
	if ((size_t)snprintf(want, sizeof(want), "${if!eq{$host}{%s}}", host) <
	    sizeof(want) && strcmp(got, want) == 0)
		return (1);
	/* ${if!eqi{$host}{HOST}}: the host in any case */
	return (n == 18 + hl && memcmp(got, "${if!eqi{$host}{", 16) == 0 &&
	    text_casecmp_n(got + 16, host, hl) == 0 &&
	    strcmp(got + 16 + hl, "}}") == 0);
}

/*
 * migrate_exim_auth - the XOAUTH2 authenticator in, LOGIN/PLAIN clients
 * out.  An authenticator that also serves (a server_* option: local
 * clients log in to this relay with it) loses only its client_send, so
 * it stops being a client and goes on serving.  Directive lines (.ifdef,
 * .endif...) are never commented out: they may pair with one outside the
 * block.  A second run must change nothing: the authenticator named on
 * AUTH's first line is ours from a run before, kept when it is AUTH and
 * else replaced in place, and no new copy goes on top (which would
 * comment ours out as an older XOAUTH2 client); and a LOGIN/PLAIN client
 * the admin restored for other transports with the plan's client_condition
 * (${if !eq{$host}{HOST}}, HOST the relay host) is left alone.
 */
int
migrate_exim_auth(const struct buf *in, const char *auth, const char *host,
    struct buf *out)
{
	struct lines l;
	char	 sect[32] = "", ours[64] = "";
	const char *v, *s;
	size_t	 nn, alen = 0;
	int	 i, j, k, end, last, client, old, named, server, kept;
	int	 inserted = 0, mine = -1, n = 0;

	if (lines_split(in, &l, 1000000) < 0) {
		lines_free(&l);
		return (-1);
	}
	buf_reset(out);
	if (auth == NULL) {
		/* a conf.d/auth file: inside the section, nothing to insert */
		text_copy(sect, sizeof(sect), "authenticators", 14);
		inserted = 1;
	} else {
		alen = strlen(auth);
		nn = ex_driver_start(auth, strcspn(auth, "\n"));
		if (nn > 0 && nn < sizeof(ours))
			text_copy(ours, sizeof(ours), auth, nn);
		if (ours[0] != '\0' && (mine = ex_find_driver(&l,
		    "authenticators", ours)) >= 0)
			inserted = 1;
	}
	for (i = 0; i < l.n; i++) {
		if (ex_begin(l.p[i], l.len[i], sect, sizeof(sect))) {
			if (strcmp(sect, "authenticators") == 0 && !inserted++)
				i = insert_auth(out, &l, i, auth);
			else
				put_line(out, l.p[i], l.len[i]);
			continue;
		}
		if (strcmp(sect, "authenticators") != 0 ||
		    (nn = ex_driver_start(l.p[i], l.len[i])) == 0) {
			buf_append(out, l.p[i], l.len[i]);
			continue;
		}
		end = block_end(&l, i);
		last = block_last(&l, i, end);
		if (i == mine) {
			/* ours: the same text stays byte for byte */
			if ((size_t)(l.p[last] + l.len[last] - l.p[i]) == alen &&
			    memcmp(l.p[i], auth, alen) == 0)
				buf_append(out, l.p[i], alen);
			else
				put_line(out, auth, alen);
			for (j = last + 1; j < end; j++)
				buf_append(out, l.p[j], l.len[j]);
			i = end - 1;
			continue;
		}
		client = old = named = server = kept = 0;
		for (j = i + 1; j <= last; j = opt_last(&l, j) + 1) {
			s = skip_ws(l.p[j], l.p[j] + l.len[j]);
			if (ex_opt(l.p[j], l.len[j], "client_send", NULL))
				client = 1;
			k = opt_last(&l, j);
			/* the client_condition the plan's CHECK gives */
			if (host != NULL && host[0] != '\0' &&
			    cond_away(&l, j, k, host))
				kept = 1;
			if (s + 7 < l.p[j] + l.len[j] &&
			    text_casecmp_n(s, "server_", 7) == 0)
				server = 1;
			if (ex_opt(l.p[j], l.len[j], "public_name", &v)) {
				named = 1;
				old |= ex_old_name(v, l.p[j] + l.len[j]);
			}
		}
		/* without public_name, Exim offers the instance name */
		if (!named)
			old = ex_old_name(l.p[i], l.p[i] + nn);
		/* restored for other transports as the plan said: it stays */
		if (kept)
			old = 0;
		if (client && old)
			n++;
		if (client && old && !server)
			buf_puts(out, EXIM_MARK);
		buf_append(out, l.p[i], l.len[i]);
		for (j = i + 1; j <= last; j = k + 1) {
			k = opt_last(&l, j);
			if (k > last)
				k = last;
			/* keep comment, directive and blank lines as they are */
			if (client && old && !ex_comment(l.p[j], l.len[j]) &&
			    (!server || ex_opt(l.p[j], l.len[j], "client_send",
			    NULL)))
				comment_out(out, &l, j, k);
			else
				buf_append(out, l.p[j],
				    (size_t)(l.p[k] + l.len[k] - l.p[j]));
		}
		/* what lies between this block and the next, as it is */
		for (j = last + 1; j < end; j++)
			buf_append(out, l.p[j], l.len[j]);
		i = end - 1;
	}
	if (!inserted) {
		/* no section yet: one blank line before the new one */
		if (out->len > 0 && out->data[out->len - 1] != '\n')
			buf_putc(out, '\n');
		if (out->len > 0 && (out->len < 2 ||
		    out->data[out->len - 2] != '\n'))
			buf_putc(out, '\n');
		buf_puts(out, "begin authenticators\n\n");
		put_line(out, auth, strlen(auth));
	}
	lines_free(&l);
	return (out->overflow ? -1 : n);
}

/* migrate_exim_mailbox - user= of the client_send of authenticator NAME */
int
migrate_exim_mailbox(const struct buf *in, const char *name, char *mailbox,
    size_t len)
{
	struct lines l;
	const char *v, *e, *u;
	size_t	 n;
	int	 i, j, end;

	if (len > 0)
		mailbox[0] = '\0';
	if (lines_split(in, &l, 1000000) < 0) {
		lines_free(&l);
		return (-1);
	}
	if ((i = ex_find_driver(&l, "authenticators", name)) >= 0) {
		end = block_end(&l, i);
		for (j = i + 1; j < end; j++) {
			if (!ex_opt(l.p[j], l.len[j], "client_send", &v))
				continue;
			e = l.p[j] + l.len[j];
			if ((u = text_casestr(v, (size_t)(e - v), "user=")) ==
			    NULL)
				break;
			/* up to ^A: "\x01" as we write it, or '^' */
			for (u += 5, n = 0; u + n < e && u[n] != '\\' &&
			    u[n] != '^' && u[n] != ';' &&
			    !isspace((unsigned char)u[n]); n++)
				;
			if (n > 0 && n < len)
				text_copy(mailbox, len, u, n);
			break;
		}
	}
	lines_free(&l);
	return (len > 0 && mailbox[0] != '\0');
}

#define CONN_TRANSPORTS	8	/* routers to Microsoft with their own transport */

/* tname - the transport option's value, when it is a plain name */
static int
tname(const char *v, const char *e, char *name, size_t len)
{
	const char *te;

	for (te = v; te < e && !isspace((unsigned char)*te); te++)
		if (!isalnum((unsigned char)*te) && *te != '_' && *te != '-')
			return (0);
	if (te == v || (size_t)(te - v) >= len)
		return (0);
	text_copy(name, len, v, (size_t)(te - v));
	return (1);
}

/*
 * conn_transports - the transports of the routers whose route_list or
 * route_data names HOST: their count, or -1 when the change cannot be
 * made safely by us: no router names the host literally (a macro, an
 * expansion), one of them picks its transport with an expansion, or a
 * router to other hosts uses one of those transports too
 */
static int
conn_transports(const struct lines *l, const char *host,
    char names[][64], int max)
{
	char	 sect[32] = "", t[64], other[64][64];
	const char *v;
	int	 i, j, end, hit, hasname, n = 0, no = 0, k;

	for (i = 0; i < l->n; i++) {
		if (ex_begin(l->p[i], l->len[i], sect, sizeof(sect)) ||
		    strcmp(sect, "routers") != 0 ||
		    !ex_driver_start(l->p[i], l->len[i]))
			continue;
		end = block_end(l, i);
		hit = hasname = 0;
		t[0] = '\0';
		for (j = i + 1; j < end; j++) {
			if ((ex_opt(l->p[j], l->len[j], "route_list", &v) ||
			    ex_opt(l->p[j], l->len[j], "route_data", &v)) &&
			    text_casestr(v, (size_t)(l->p[j] + l->len[j] - v),
			    host) != NULL)
				hit = 1;
			if (ex_opt(l->p[j], l->len[j], "transport", &v))
				hasname = tname(v, l->p[j] + l->len[j], t,
				    sizeof(t));
		}
		i = end - 1;
		if (!hit) {
			if (hasname && no < 64)
				text_copy(other[no++], 64, t, strlen(t));
			continue;
		}
		if (!hasname || n == max)
			return (-1);
		for (k = 0; k < n && strcmp(names[k], t) != 0; k++)
			;
		if (k == n)
			text_copy(names[n++], 64, t, strlen(t));
	}
	for (j = 0; j < no; j++)
		for (k = 0; k < n; k++)
			if (strcmp(other[j], names[k]) == 0)
				return (-1);
	return (n > 0 ? n : -1);
}

/*
 * migrate_exim_connector - smarthost to the connector host, no AUTH, TLS
 * required; only in the transports of the routers to HOST_OLD (others
 * may carry mail to servers that do want AUTH).  Returns
 * MIGRATE_EXIM_BYHAND, with OUT empty, when conn_transports cannot say
 * which transport that is: removing AUTH while the route still goes to
 * smtp.office365.com:587 would bounce every message (530 5.7.57).
 */
int
migrate_exim_connector(const struct buf *in, const char *host_old,
    const char *host_new, struct buf *out)
{
	struct lines l;
	char	 sect[32] = "", port[16], names[CONN_TRANSPORTS][64];
	const char *v, *h;
	size_t	 ho = strlen(host_old);
	int	 i, j, k, end, nt, mine, authed, smtp, tls, changed = 0;

	if (lines_split(in, &l, 1000000) < 0) {
		lines_free(&l);
		return (-1);
	}
	buf_reset(out);
	if ((nt = conn_transports(&l, host_old, names, CONN_TRANSPORTS)) < 0) {
		lines_free(&l);
		return (MIGRATE_EXIM_BYHAND);
	}
	for (i = 0; i < l.n; i++) {
		if (ex_begin(l.p[i], l.len[i], sect, sizeof(sect))) {
			buf_append(out, l.p[i], l.len[i]);
			continue;
		}
		if (strcmp(sect, "routers") == 0 &&
		    (ex_opt(l.p[i], l.len[i], "route_list", &v) ||
		    ex_opt(l.p[i], l.len[i], "route_data", &v)) &&
		    (h = text_casestr(v, (size_t)(l.p[i] + l.len[i] - v),
		    host_old)) != NULL) {
			/* host, then an optional "::port" that must go */
			buf_append(out, l.p[i], (size_t)(h - l.p[i]));
			buf_puts(out, host_new);
			h += ho;
			if (h[0] == ':' && h[1] == ':')
				for (h += 2; isdigit((unsigned char)*h); h++)
					;
			buf_append(out, h, (size_t)(l.p[i] + l.len[i] - h));
			changed++;
			continue;
		}
		if (strcmp(sect, "transports") != 0 ||
		    !ex_driver_start(l.p[i], l.len[i])) {
			buf_append(out, l.p[i], l.len[i]);
			continue;
		}
		end = block_end(&l, i);
		for (k = 0, mine = 0; k < nt; k++)
			mine |= ex_driver_is(l.p[i], l.len[i], names[k]);
		authed = smtp = tls = 0;
		for (j = i; j < end; j++) {
			if (ex_opt(l.p[j], l.len[j], "driver", &v) &&
			    val_word(v, l.p[j] + l.len[j], "smtp"))
				smtp = 1;
			if (ex_opt(l.p[j], l.len[j], "hosts_require_auth", NULL) ||
			    ex_opt(l.p[j], l.len[j], "hosts_try_auth", NULL))
				authed = 1;
			if (ex_opt(l.p[j], l.len[j], "hosts_require_tls", NULL))
				tls = 1;
		}
		for (j = i; j < end; j = k + 1) {
			k = opt_last(&l, j);
			if (k >= end)
				k = end - 1;
			if (!(mine && smtp && authed)) {
				buf_append(out, l.p[j],
				    (size_t)(l.p[k] + l.len[k] - l.p[j]));
				continue;
			}
			if (ex_opt(l.p[j], l.len[j], "hosts_require_auth", NULL) ||
			    ex_opt(l.p[j], l.len[j], "hosts_try_auth", NULL)) {
				comment_out(out, &l, j, k);
				changed++;
				continue;
			}
			if (j == k && ex_opt(l.p[j], l.len[j], "port", &v)) {
				text_copy(port, sizeof(port), v,
				    (size_t)(l.p[j] + l.len[j] - v));
				port[strcspn(port, " \t\r\n")] = '\0';
				if (strcmp(port, "587") == 0 ||
				    strcmp(port, "submission") == 0) {
					buf_puts(out, "  port = 25\n");
					changed++;
					continue;
				}
			}
			buf_append(out, l.p[j],
			    (size_t)(l.p[k] + l.len[k] - l.p[j]));
			if (!tls && ex_opt(l.p[j], l.len[j], "driver", NULL)) {
				buf_puts(out, "  hosts_require_tls = *\n");
				changed++;
			}
		}
		i = end - 1;
	}
	lines_free(&l);
	return (out->overflow ? -1 : changed);
}

/* migrate_exim_transport - the transport of the first router routing to host */
int
migrate_exim_transport(const struct buf *in, const char *host, char *name,
    size_t len)
{
	struct lines l;
	char	 sect[32] = "";
	char	 t[64];
	const char *v;
	int	 i, j, end, hit, named = 0;

	name[0] = '\0';
	if (lines_split(in, &l, 1000000) < 0) {
		lines_free(&l);
		return (-1);
	}
	for (i = 0; i < l.n && name[0] == '\0'; i++) {
		if (ex_begin(l.p[i], l.len[i], sect, sizeof(sect)) ||
		    strcmp(sect, "routers") != 0 ||
		    !ex_driver_start(l.p[i], l.len[i]))
			continue;
		end = block_end(&l, i);
		hit = 0;
		for (j = i; j < end; j++) {
			if ((ex_opt(l.p[j], l.len[j], "route_list", &v) ||
			    ex_opt(l.p[j], l.len[j], "route_data", &v)) &&
			    text_casestr(v, (size_t)(l.p[j] + l.len[j] - v),
			    host) != NULL)
				hit = 1;
			/* "${if ...}" names no one transport: none */
			if (ex_opt(l.p[j], l.len[j], "transport", &v))
				named = tname(v, l.p[j] + l.len[j], t,
				    sizeof(t));
		}
		if (hit && named)
			text_copy(name, len, t, strlen(t));
		named = 0;
		i = end - 1;
	}
	lines_free(&l);
	return (name[0] != '\0');
}

/* migrate_exim_macro - the first macro of the main section naming HOST */
int
migrate_exim_macro(const struct buf *in, const char *host, char *name,
    size_t len)
{
	struct lines l;
	char	 sect[32] = "";
	const char *p, *e, *n;
	int	 i;

	name[0] = '\0';
	if (lines_split(in, &l, 1000000) < 0) {
		lines_free(&l);
		return (-1);
	}
	for (i = 0; i < l.n && name[0] == '\0' && sect[0] == '\0'; i++) {
		if (ex_begin(l.p[i], l.len[i], sect, sizeof(sect)))
			break;
		/* NAME = value, NAME starting with an upper-case letter */
		p = l.p[i];
		e = p + l.len[i];
		if (!isupper((unsigned char)*p))
			continue;
		for (n = p; n < e && (isalnum((unsigned char)*n) || *n == '_');
		    n++)
			;
		if (*skip_ws(n, e) == '=' && text_casestr(n, (size_t)(e - n),
		    host) != NULL && (size_t)(n - p) < len)
			text_copy(name, len, p, (size_t)(n - p));
	}
	lines_free(&l);
	return (name[0] != '\0');
}

/* tpt_auth - what an smtp transport's block l[i..end) says of AUTH */
struct tpt_auth {
	int	 smtp;		/* driver = smtp */
	int	 req;		/* hosts_require_auth is set */
	int	 opt;		/* the first hosts_try_auth line, or -1 */
};

static void
tpt_auth(const struct lines *l, int i, int end, struct tpt_auth *t)
{
	const char *v;
	int	 j;

	t->smtp = t->req = 0;
	t->opt = -1;
	/* an option at a time: a continuation line is no option */
	for (j = i + 1; j < end; j = opt_last(l, j) + 1) {
		if (ex_opt(l->p[j], l->len[j], "driver", &v) &&
		    val_word(v, l->p[j] + l->len[j], "smtp"))
			t->smtp = 1;
		if (ex_opt(l->p[j], l->len[j], "hosts_require_auth", NULL))
			t->req = 1;
		if (t->opt < 0 && ex_opt(l->p[j], l->len[j], "hosts_try_auth",
		    NULL))
			t->opt = j;
	}
}

/* migrate_exim_require_auth - hosts_try_auth becomes hosts_require_auth */
int
migrate_exim_require_auth(const struct buf *in, const char *transport,
    struct buf *out)
{
	struct lines l;
	struct tpt_auth t;
	char	 sect[32] = "";
	const char *o;
	int	 i, j, end, changed = 0;

	if (lines_split(in, &l, 1000000) < 0) {
		lines_free(&l);
		return (-1);
	}
	buf_reset(out);
	if (transport == NULL)
		text_copy(sect, sizeof(sect), "transports", 10);
	for (i = 0; i < l.n; i++) {
		if (ex_begin(l.p[i], l.len[i], sect, sizeof(sect)) ||
		    strcmp(sect, "transports") != 0 ||
		    !ex_driver_start(l.p[i], l.len[i])) {
			buf_append(out, l.p[i], l.len[i]);
			continue;
		}
		end = block_end(&l, i);
		tpt_auth(&l, i, end, &t);
		/* another transport may carry mail to servers without AUTH */
		if (transport != NULL && !ex_driver_is(l.p[i], l.len[i],
		    transport))
			t.smtp = 0;
		for (j = i; j < end; j++) {
			if (!t.smtp || t.req ||
			    !ex_opt(l.p[j], l.len[j], "hosts_try_auth", NULL)) {
				buf_append(out, l.p[j], l.len[j]);
				continue;
			}
			/*
			 * The name only: the value may go on over continuation
			 * lines, and the hosts it tried AUTH with are the ones
			 * that must now have it.
			 */
			o = skip_ws(l.p[j], l.p[j] + l.len[j]);
			buf_printf(out, "%shosts_try_auth became "
			    "hosts_require_auth: a refused login defers with "
			    "its own reason instead of going on without AUTH\n",
			    EXIM_MARK);
			buf_append(out, l.p[j], (size_t)(o - l.p[j]));
			buf_puts(out, "hosts_require_auth");
			o += strlen("hosts_try_auth");
			buf_append(out, o, (size_t)(l.p[j] + l.len[j] - o));
			changed++;
		}
		i = end - 1;
	}
	lines_free(&l);
	return (out->overflow ? -1 : changed);
}

/* names_add - one more blank-separated name in names, cut at len */
static void
names_add(char *names, size_t len, size_t *at, const char *p, size_t n)
{
	if (*at + n + 2 > len)
		return;
	if (*at > 0)
		names[(*at)++] = ' ';
	memcpy(names + *at, p, n);
	*at += n;
	names[*at] = '\0';
}

/* logs_in, tries_only - the transports the two callers of tpt_walk want */
static int
logs_in(const struct tpt_auth *t)
{
	return (t->smtp && (t->req || t->opt >= 0));
}

static int
tries_only(const struct tpt_auth *t)
{
	return (t->smtp && !t->req && t->opt >= 0);
}

/*
 * tpt_walk - the transports that keep() wants, TRANSPORT only (only) or
 * all but it (!only; NULL: all): how many, their names in names
 * (blank-separated, cut at len) and, with out, their hosts_try_auth as
 * written; -1 when out overflows
 */
static int
tpt_walk(const struct buf *in, const char *transport, int only,
    int (*keep)(const struct tpt_auth *), char *names, size_t len,
    struct buf *out)
{
	struct lines l;
	struct tpt_auth t;
	char	 sect[32] = "";
	size_t	 nn, at = 0;
	int	 i, j, end, n = 0;

	if (len > 0)
		names[0] = '\0';
	if (lines_split(in, &l, 1000000) < 0) {
		lines_free(&l);
		return (-1);
	}
	for (i = 0; i < l.n; i++) {
		if (ex_begin(l.p[i], l.len[i], sect, sizeof(sect)) ||
		    strcmp(sect, "transports") != 0 ||
		    (nn = ex_driver_start(l.p[i], l.len[i])) == 0)
			continue;
		end = block_end(&l, i);
		if (transport == NULL || ex_driver_is(l.p[i], l.len[i],
		    transport) == only) {
			tpt_auth(&l, i, end, &t);
			if (keep(&t)) {
				n++;
				names_add(names, len, &at, l.p[i], nn);
				if (out != NULL) {
					j = opt_last(&l, t.opt);
					if (j >= end)
						j = end - 1;
					for (; t.opt <= j; t.opt++)
						put_line(out, l.p[t.opt],
						    l.len[t.opt]);
				}
			}
		}
		i = end - 1;
	}
	lines_free(&l);
	return (out != NULL && out->overflow ? -1 : n);
}

/*
 * migrate_exim_auth_others - the smtp transports other than TRANSPORT
 * that log in (hosts_try_auth or hosts_require_auth), their names in
 * names, blank-separated (cut at len).  migrate_exim_auth comments out
 * every LOGIN/PLAIN client authenticator, theirs too: the admin must be
 * told.  Returns how many, or -1 on overflow.
 */
int
migrate_exim_auth_others(const struct buf *in, const char *transport,
    char *names, size_t len)
{
	return (tpt_walk(in, transport, 0, logs_in, names, len, NULL));
}

/*
 * migrate_exim_auth_includes - the files the authenticators section pulls
 * in with .include or .include_if_exists, blank-separated in files (cut
 * at len).  relayhint edits only the file it was given: a LOGIN/PLAIN
 * client in an included file stays active, and Exim offers it (with the
 * password) after a refused XOAUTH2.  Returns how many, -1 on overflow.
 */
int
migrate_exim_auth_includes(const struct buf *in, char *files, size_t len)
{
	struct lines l;
	char	 sect[32] = "";
	const char *p, *e, *f;
	size_t	 at = 0, n;
	int	 i, count = 0;

	if (len > 0)
		files[0] = '\0';
	if (lines_split(in, &l, 1000000) < 0) {
		lines_free(&l);
		return (-1);
	}
	for (i = 0; i < l.n; i++) {
		if (ex_begin(l.p[i], l.len[i], sect, sizeof(sect)) ||
		    strcmp(sect, "authenticators") != 0)
			continue;
		e = l.p[i] + l.len[i];
		p = skip_ws(l.p[i], e);
		if ((size_t)(e - p) < 9 || memcmp(p, ".include", 8) != 0)
			continue;
		f = p + 8;
		if ((size_t)(e - f) >= 10 && memcmp(f, "_if_exists", 10) == 0)
			f += 10;
		if (f >= e || (*f != ' ' && *f != '\t'))
			continue;
		f = skip_ws(f, e);
		for (n = 0; f + n < e && !isspace((unsigned char)f[n]); n++)
			;
		if (n == 0)
			continue;
		count++;
		names_add(files, len, &at, f, n);
	}
	lines_free(&l);
	return (count);
}

/*
 * migrate_exim_try_auth - the smtp transports that try AUTH without
 * requiring it, with their hosts_try_auth as written: what the plan's
 * NOT DONE step tells the admin to rename when no router names the host
 * literally and relayhint leaves the transport alone
 */
int
migrate_exim_try_auth(const struct buf *in, const char *transport,
    char *names, size_t len, struct buf *out)
{
	return (tpt_walk(in, transport, 1, tries_only, names, len, out));
}

/* migrate_sh_set - NAME='VALUE' in a shell variable file */
int
migrate_sh_set(const struct buf *in, const char *name, const char *value,
    struct buf *out)
{
	return (set_entry(in, name, 0, "=", value, out));
}

/* hidden - a map line as "key user:********" */
static void
hidden(struct buf *out, const char *p, size_t len)
{
	const char *e = p + len, *s = p, *c;

	while (e > p && (e[-1] == '\n' || e[-1] == '\r'))
		e--;
	while (s < e && *s != ' ' && *s != '\t')
		s++;
	if (*p == '#' || s == e) {
		/* comments and lone keys carry no secret we know of */
		if (*p == '#')
			buf_append(out, p, (size_t)(e - p));
		else
			buf_append(out, p, (size_t)(s - p));
		buf_putc(out, '\n');
		return;
	}
	buf_append(out, p, (size_t)(s - p));
	s = skip_ws(s, e);
	c = memchr(s, ':', (size_t)(e - s));
	buf_putc(out, ' ');
	buf_append(out, s, c ? (size_t)(c - s) : 0);
	buf_puts(out, c ? ":********\n" : "********\n");
}

/*
 * secret_opt - does this line set an option whose value may hold a
 * password?  The '=' in *eqp.  Secret-bearing options: client_send,
 * *password*, *secret* (but not a *_maps parameter, which names a
 * table), and any static: or inline: table, whose value is the data
 * itself.  A line we commented out (EXIM_MARK) is read without the mark.
 */
static int
secret_opt(const char *p, size_t len, const char **eqp)
{
	const char *e = p + len, *s = p, *eq, *ne;
	size_t	 ml = strlen(EXIM_MARK), nl;

	if (len > ml && memcmp(p, EXIM_MARK, ml) == 0)
		s = p + ml;
	s = skip_ws(s, e);
	if (s == e || *s == '#' || (eq = memchr(s, '=', (size_t)(e - s))) == NULL)
		return (0);
	for (ne = eq; ne > s && (ne[-1] == ' ' || ne[-1] == '\t'); ne--)
		;
	nl = (size_t)(ne - s);
	if (!(text_casestr(s, nl, "client_send") != NULL ||
	    ((text_casestr(s, nl, "password") != NULL ||
	    text_casestr(s, nl, "secret") != NULL) &&
	    !text_has_suffix(s, nl, "_maps")) ||
	    text_casestr(eq, (size_t)(e - eq), "static:") != NULL ||
	    text_casestr(eq, (size_t)(e - eq), "inline:") != NULL))
		return (0);
	*eqp = eq;
	return (1);
}

/*
 * masked - a configuration line whose value may hold a password: the
 * option name and "= ********"; 0 when the line is not one of those
 */
static int
masked(struct buf *out, const char *p, size_t len)
{
	const char *eq;

	if (!secret_opt(p, len, &eq))
		return (0);
	buf_append(out, p, (size_t)(eq - p) + 1);
	buf_puts(out, " ********\n");
	return (1);
}

/* unmarked - the line without our EXIM_MARK, if it has one */
static void
unmarked(const char **p, size_t *len)
{
	size_t	 ml = strlen(EXIM_MARK);

	if (*len > ml && memcmp(*p, EXIM_MARK, ml) == 0) {
		*p += ml;
		*len -= ml;
	}
}

/*
 * pf_table - a main.cf parameter in column one whose continuation lines
 * hold a static: or inline: table ("name =" alone on its line, the
 * table below): the data is the secret
 */
static int
pf_table(const struct lines *l, int i)
{
	const char *p = l->p[i];

	if (l->len[i] == 0 || p[0] == ' ' || p[0] == '\t' || p[0] == '#' ||
	    memchr(p, '=', l->len[i]) == NULL)
		return (0);
	for (i++; i < l->n && l->len[i] > 1 && (l->p[i][0] == ' ' ||
	    l->p[i][0] == '\t'); i++)
		if (text_casestr(l->p[i], l->len[i], "static:") != NULL ||
		    text_casestr(l->p[i], l->len[i], "inline:") != NULL)
			return (1);
	return (0);
}

/*
 * secret_tails - flag in f the lines that go on with the value of a
 * secret-bearing option: masking line by line would print them in
 * clear.  Exim continues a line that ends with a backslash (comment
 * lines in between do not break the run: Exim spec, chapter 6); a
 * main.cf parameter defined in column one goes on over the lines that
 * start with white space (postconf(5)).  A line we commented out counts
 * as the line it was.
 */
static void
secret_tails(const struct lines *l, char *f)
{
	const char *p, *eq;
	size_t	 len;
	int	 i, exim, pf;

	memset(f, 0, (size_t)l->n);
	for (i = 0; i < l->n; i++) {
		p = l->p[i];
		len = l->len[i];
		if (!secret_opt(p, len, &eq) && !pf_table(l, i))
			continue;
		unmarked(&p, &len);
		exim = ex_continued(p, len);
		pf = len > 0 && p[0] != ' ' && p[0] != '\t';
		while (i + 1 < l->n) {
			p = l->p[i + 1];
			len = l->len[i + 1];
			unmarked(&p, &len);
			if (exim) {
				if (*skip_ws(p, p + len) != '#')
					exim = ex_continued(p, len);
			} else if (!(pf && len > 1 && (p[0] == ' ' ||
			    p[0] == '\t')))
				break;
			f[++i] = 1;
		}
	}
}

/* hide_tail - a continuation line of a secret: its indent and ******** */
static void
hide_tail(struct buf *out, const char *p, size_t len)
{
	size_t	 ml = strlen(EXIM_MARK);
	const char *s = p, *e = p + len;

	if (len > ml && memcmp(p, EXIM_MARK, ml) == 0)
		s += ml;
	s = skip_ws(s, e);
	buf_append(out, p, (size_t)(s - p));
	buf_puts(out, "********\n");
}

/* diff_line - one line of a hunk, with its prefix */
static void
diff_line(struct buf *out, int c, const char *p, size_t len, int hide,
    int tail)
{
	buf_putc(out, c);
	if (hide == MIGRATE_HIDE_MAP || (hide == MIGRATE_HIDE_MAP_OLD &&
	    c != '+'))
		hidden(out, p, len);
	else if (hide == MIGRATE_HIDE_EXIM && tail)
		hide_tail(out, p, len);
	else if (hide == MIGRATE_HIDE_EXIM && (c != '+' ||
	    (len > strlen(EXIM_MARK) && memcmp(p, EXIM_MARK,
	    strlen(EXIM_MARK)) == 0)) && masked(out, p, len))
		;	/* an added line is ours, unless it is an old one commented out */
	else {
		put_line(out, p, len);
		if (len == 0 || p[len - 1] != '\n')
			buf_puts(out, "\\ No newline at end of file\n");
	}
}

/* lines_eq - two lines are equal */
static int
lines_eq(const struct lines *a, int i, const struct lines *b, int j)
{
	return (a->len[i] == b->len[j] &&
	    memcmp(a->p[i], b->p[j], a->len[i]) == 0);
}

/* migrate_diff - unified diff with DIFF_CONTEXT lines of context */
int
migrate_diff(const char *path, const struct buf *a, const struct buf *b,
    int hide, struct buf *out)
{
	struct lines la, lb;
	unsigned short *dp = NULL;
	char	*op = NULL;		/* '=', '-', '+' */
	char	*ta = NULL, *tb = NULL;	/* secret_tails of a and b */
	int	*oa = NULL, *ob = NULL;
	int	 pre, suf, n, m, i, j, k, nops = 0, changed = 0;
	int	 h0, h1, sa, sb, ca, cb;

	if (lines_split(a, &la, MIGRATE_DIFF_LINES) < 0 ||
	    lines_split(b, &lb, MIGRATE_DIFF_LINES) < 0) {
		lines_free(&la);
		lines_free(&lb);
		return (-1);
	}
	for (pre = 0; pre < la.n && pre < lb.n && lines_eq(&la, pre, &lb, pre);
	    pre++)
		;
	for (suf = 0; suf < la.n - pre && suf < lb.n - pre &&
	    lines_eq(&la, la.n - 1 - suf, &lb, lb.n - 1 - suf); suf++)
		;
	n = la.n - pre - suf;
	m = lb.n - pre - suf;
	if (n == 0 && m == 0)
		goto done;
	op = malloc((size_t)(la.n + lb.n) + 1);
	oa = malloc(sizeof(int) * ((size_t)(la.n + lb.n) + 1));
	ob = malloc(sizeof(int) * ((size_t)(la.n + lb.n) + 1));
	ta = calloc((size_t)la.n + 1, 1);
	tb = calloc((size_t)lb.n + 1, 1);
	if (op == NULL || oa == NULL || ob == NULL || ta == NULL || tb == NULL) {
		changed = -1;
		goto done;
	}
	if (hide == MIGRATE_HIDE_EXIM) {
		secret_tails(&la, ta);
		secret_tails(&lb, tb);
	}
	for (i = 0; i < pre; i++, nops++) {
		op[nops] = '=';
		oa[nops] = i;
		ob[nops] = i;
	}
	/* longest common subsequence of the middle, when it is small */
	if ((size_t)(n + 1) * (size_t)(m + 1) <= DIFF_CELLS &&
	    (dp = calloc((size_t)(n + 1) * (size_t)(m + 1),
	    sizeof(*dp))) != NULL) {
#define DP(x, y) dp[(size_t)(x) * (size_t)(m + 1) + (size_t)(y)]
		for (i = n - 1; i >= 0; i--)
			for (j = m - 1; j >= 0; j--)
				DP(i, j) = lines_eq(&la, pre + i, &lb, pre + j) ?
				    DP(i + 1, j + 1) + 1 : DP(i + 1, j) >=
				    DP(i, j + 1) ? DP(i + 1, j) : DP(i, j + 1);
		for (i = 0, j = 0; i < n || j < m; nops++) {
			if (i < n && j < m && lines_eq(&la, pre + i, &lb,
			    pre + j)) {
				op[nops] = '=';
				oa[nops] = pre + i++;
				ob[nops] = pre + j++;
			} else if (j >= m || (i < n && DP(i + 1, j) >=
			    DP(i, j + 1))) {
				op[nops] = '-';
				oa[nops] = pre + i++;
				ob[nops] = pre + j;
			} else {
				op[nops] = '+';
				oa[nops] = pre + i;
				ob[nops] = pre + j++;
			}
		}
#undef DP
	} else {
		for (i = 0; i < n; i++, nops++) {
			op[nops] = '-';
			oa[nops] = pre + i;
			ob[nops] = pre;
		}
		for (j = 0; j < m; j++, nops++) {
			op[nops] = '+';
			oa[nops] = pre + n;
			ob[nops] = pre + j;
		}
	}
	for (i = 0; i < suf; i++, nops++) {
		op[nops] = '=';
		oa[nops] = la.n - suf + i;
		ob[nops] = lb.n - suf + i;
	}
	buf_printf(out, "--- %s\n+++ %s (relayhint migrate)\n", la.n ? path :
	    "/dev/null", path);
	/* hunks: runs of changes with up to 2*DIFF_CONTEXT equal lines inside */
	for (k = 0; k < nops; ) {
		if (op[k] == '=') {
			k++;
			continue;
		}
		h0 = k >= DIFF_CONTEXT ? k - DIFF_CONTEXT : 0;
		for (h1 = k; h1 < nops; h1++) {
			if (op[h1] != '=')
				continue;
			for (j = h1; j < nops && op[j] == '=' &&
			    j - h1 < 2 * DIFF_CONTEXT + 1; j++)
				;
			if (j == nops || op[j] == '=')
				break;
			h1 = j - 1;
		}
		if (h1 + DIFF_CONTEXT < nops)
			h1 += DIFF_CONTEXT;
		else
			h1 = nops;
		for (ca = cb = 0, j = h0; j < h1; j++) {
			ca += op[j] != '+';
			cb += op[j] != '-';
		}
		sa = ca ? oa[h0] + 1 : oa[h0];
		sb = cb ? ob[h0] + 1 : ob[h0];
		buf_printf(out, "@@ -%d,%d +%d,%d @@\n", sa, ca, sb, cb);
		for (j = h0; j < h1; j++) {
			if (op[j] == '+')
				diff_line(out, '+', lb.p[ob[j]], lb.len[ob[j]],
				    hide, tb[ob[j]]);
			else
				diff_line(out, op[j] == '-' ? '-' : ' ',
				    la.p[oa[j]], la.len[oa[j]], hide, ta[oa[j]]);
			changed += op[j] != '=';
		}
		k = h1;
	}
done:
	free(dp);
	free(ta);
	free(tb);
	free(op);
	free(oa);
	free(ob);
	lines_free(&la);
	lines_free(&lb);
	return (changed);
}

/* migrate_tenant_host - the connector host of an accepted domain */
int
migrate_tenant_host(const char *domain, char *out, size_t outlen)
{
	size_t	 i, o = 0;
	int	 n;

	for (i = 0; domain[i] != '\0'; i++) {
		if (!isalnum((unsigned char)domain[i]) && domain[i] != '.' &&
		    domain[i] != '-')
			return (-1);
		if (o + 1 >= outlen)
			return (-1);
		out[o++] = domain[i] == '.' ? '-' : (char)tolower(
		    (unsigned char)domain[i]);
	}
	out[o] = '\0';
	if (o == 0)
		return (-1);
	n = snprintf(out + o, outlen - o, ".mail.protection.outlook.com");
	return (n < 0 || (size_t)n >= outlen - o ? -1 : 0);
}

/* migrate_pf_plugins - which XOAUTH2 client plugins Cyrus SASL would load */
int
migrate_pf_plugins(const char *const *dirs, char *dir, size_t dirlen)
{
	static const char *const usual[] = {
		"/usr/lib/x86_64-linux-gnu/sasl2", "/usr/lib/aarch64-linux-gnu/sasl2",
		"/usr/lib/i386-linux-gnu/sasl2", "/usr/lib/arm-linux-gnueabihf/sasl2",
		"/usr/lib/sasl2", "/usr/lib64/sasl2", "/usr/local/lib/sasl2", NULL
	};
	struct dirent *d;
	DIR	*dp;
	int	 i, n, found = 0, here;

	if (dirlen > 0)
		dir[0] = '\0';
	for (i = 0, dirs = dirs ? dirs : usual; dirs[i] != NULL; i++) {
		if ((dp = opendir(dirs[i])) == NULL)
			continue;
		here = 0;
		/* a plugin directory holds a few dozen files; bound it anyway */
		for (n = 0; n < 1000 && (d = readdir(dp)) != NULL; n++) {
			if (strncmp(d->d_name, "libsasl-xoauth2.so", 18) == 0)
				here |= MIGRATE_PLUGIN_XOAUTH2;
			if (strncmp(d->d_name, "libkdexoauth2.so", 16) == 0)
				here |= MIGRATE_PLUGIN_KDEX;
		}
		closedir(dp);
		if (dirlen > 0 && ((here & MIGRATE_PLUGIN_KDEX) ||
		    (here && dir[0] == '\0')))
			text_copy(dir, dirlen, dirs[i], strlen(dirs[i]));
		found |= here;
	}
	return (found);
}

/*
 * migrate_pf_oauth_notes - what Postfix needs on the relay for XOAUTH2.
 *
 * Postfix has no OAuth client of its own: its smtp(8) hands the password
 * map's "user:password" to Cyrus SASL, and an XOAUTH2 client plugin makes
 * the login out of it.  sasl-xoauth2 reads a token file named by the
 * password and refreshes it.  Debian 12's libsasl2-modules-kdexoauth2
 * (KDE's, for KIMAP) would take the password as the access token, but it
 * asks for it with a "simple" callback (_plug_get_simple(SASL_CB_PASS)),
 * and Postfix registers SASL_CB_PASS as a secret callback
 * (sasl_getsecret_t, xsasl_cyrus_client.c): called with the wrong
 * arguments, Postfix's callback returns SASL_BADPARAM, and every login
 * ends as "cannot authenticate to server ...: invalid parameter
 * supplied" before a byte reaches the server (measured with Postfix 3.7:
 * tests/integration/migrate/delivery.sh).
 */
void
migrate_pf_oauth_notes(struct buf *out, int plugins, const char *dir,
    int app_only)
{
	buf_puts(out, "Relay side:\n");
	if (plugins & MIGRATE_PLUGIN_XOAUTH2)
		buf_printf(out, "  - sasl-xoauth2 is installed (libsasl-xoauth2.so"
		    "%s%s): Postfix logs in with XOAUTH2 through it.\n",
		    dir[0] && !(plugins & MIGRATE_PLUGIN_KDEX) ? " in " : "",
		    dir[0] && !(plugins & MIGRATE_PLUGIN_KDEX) ? dir : "");
	else
		buf_puts(out, "  - Install sasl-xoauth2 BEFORE --apply: until "
		    "Postfix has it, every message is deferred (kept in the "
		    "queue, not lost).  It is not packaged in Debian 12: build "
		    "it from github.com/tarickb/sasl-xoauth2 (cmake; it "
		    "installs libsasl-xoauth2.so for Cyrus SASL) or use its "
		    "Ubuntu PPA (ppa:sasl-xoauth2/stable).\n");
	buf_puts(out, "  - Debian 12's own libsasl2-modules-kdexoauth2 "
	    "(libkdexoauth2.so) cannot log Postfix in: it asks for the token "
	    "through a callback type Postfix does not provide, so every login "
	    "fails with \"invalid parameter supplied\" before anything is "
	    "sent; relayhint therefore offers no Debian-native OAuth path for "
	    "Postfix.\n");
	if (plugins & MIGRATE_PLUGIN_KDEX)
		buf_printf(out, "    It is installed here (%s): with "
		    "smtp_sasl_mechanism_filter = xoauth2 and no sasl-xoauth2 "
		    "Postfix would pick it.  If nothing else needs it: apt-get "
		    "remove libsasl2-modules-kdexoauth2.\n", dir);
	if (app_only)
		buf_puts(out, "  - App-only (client credentials) on Postfix: "
		    "sasl-xoauth2 documents renewal with a refresh token only, "
		    "and Microsoft's client credentials grant returns none, so "
		    "it cannot keep an app-only token fresh by itself; relayhint "
		    "token login --config FILE (grant = client_credentials) "
		    "gets one and relayhint probe --xoauth2-token-file verifies "
		    "it.  For Postfix prefer the delegated sign-in (without "
		    "--app-only) or the connector (--to connector).\n");
}
