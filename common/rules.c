/*
 * rules.c - the cause rule table and the provider signatures
 *
 * Functions: rules_load_buf, rules_load_file,
 * rules_provider, rules_provider_local, rules_match, rules_match_host,
 * rules_match_local, rules_cause_index.
 *
 * The table is data, not code, so that a new Microsoft wording can be
 * handled by editing conf/relayhint.rules (and `relayhint -n`) without a
 * rebuild.  The syntax is in rules.h and relayhint.conf(5).
 *
 * Limits: RULES_MAX_CAUSES causes, RULES_MAX_RULES rules,
 * RULES_MAX_SIGS signatures, RULES_MAX_PATTERNS patterns per rule of at
 * most RULES_PATTERN_MAX-1 bytes, lines of at most 1023 bytes, files of at
 * most 1 MiB.  Every violation is a load error "name:line: reason"; a
 * table that fails to load is never used in part.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "buf.h"
#include "reply.h"
#include "rules.h"
#include "text.h"

#define RULES_LINE_MAX		1024
#define RULES_FILE_MAX		(1024 * 1024)
#define RULES_MAX_TOKENS	(4 + 2 + RULES_MAX_PATTERNS + 1)

static const char *const rule_areas[] = {
	"auth", "tls", "send", "limit", "relay", "blocked", "message",
	"server", "mailbox", "oauth", "sasl", "recipient", "outlookcom",
	"onprem", "ndr", "unknown", NULL
};

struct token {
	char	text[RULES_PATTERN_MAX];
	int	quoted;
};

static enum provider provider_find(const struct rules *,
	    const struct text_grams *, const char *,
	    const char *, const char *, int);

/* rules_err - format "name:line: reason" */
static int
rules_err(char *err, size_t errlen, const char *name, int line,
    const char *why, const char *arg)
{
	snprintf(err, errlen, "%s:%d: %s%s%.64s%s", name, line, why,
	    arg ? " \"" : "", arg ? arg : "", arg ? "\"" : "");
	return (-1);
}

/* tokenize - split a line into words and quoted strings; -1 on error */
static int
tokenize(const char *s, size_t len, struct token *tok, int max,
    const char **why)
{
	size_t	 i = 0, o;
	int	 n = 0;

	for (;;) {
		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i >= len || s[i] == '#')
			return (n);
		if (n >= max) {
			*why = "too many fields";
			return (-1);
		}
		o = 0;
		tok[n].quoted = s[i] == '"';
		if (tok[n].quoted) {
			for (i++; i < len && s[i] != '"'; i++) {
				if (s[i] == '\\' && i + 1 < len)
					i++;
				if (o + 1 >= sizeof(tok[n].text)) {
					*why = "pattern too long";
					return (-1);
				}
				tok[n].text[o++] = s[i];
			}
			if (i >= len) {
				*why = "missing closing quote";
				return (-1);
			}
			i++;
		} else {
			for (; i < len && s[i] != ' ' && s[i] != '\t'; i++) {
				if (o + 1 >= sizeof(tok[n].text)) {
					*why = "field too long";
					return (-1);
				}
				tok[n].text[o++] = s[i];
			}
		}
		tok[n].text[o] = '\0';
		n++;
	}
}

/* id_ok - cause ids are lower-case words joined by dots: "m365.auth.x" */
static int
id_ok(const char *id)
{
	size_t	 i, n = strlen(id);
	int	 dot = 0;

	if (n == 0 || n >= RULES_ID_MAX || id[0] == '.' || id[n - 1] == '.')
		return (0);
	for (i = 0; i < n; i++) {
		if (id[i] == '.') {
			if (id[i + 1] == '.')
				return (0);
			dot = 1;
		} else if (!((id[i] >= 'a' && id[i] <= 'z') ||
		    (id[i] >= '0' && id[i] <= '9') || id[i] == '_'))
			return (0);
	}
	return (dot);
}

/* parse_num - a number of 1..3 digits; -1 otherwise */
static int
parse_num(const char *s, const char **end)
{
	int	 v = 0, n = 0;

	while (*s >= '0' && *s <= '9' && n < 4) {
		v = v * 10 + (*s++ - '0');
		n++;
	}
	*end = s;
	return (n >= 1 && n <= 3 ? v : -1);
}

/* parse_status - "5.7.139" or "4.7.500-699" into subject and range */
static int
parse_status(const char *s, struct rule *r)
{
	const char *p;
	int	 subj, lo, hi;

	if ((s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.')
		return (-1);
	if ((subj = parse_num(s + 2, &p)) < 0 || *p != '.')
		return (-1);
	if ((lo = parse_num(p + 1, &p)) < 0)
		return (-1);
	hi = lo;
	if (*p == '-' && ((hi = parse_num(p + 1, &p)) < 0 || hi < lo))
		return (-1);
	if (*p != '\0')
		return (-1);
	r->sclass = s[0] - '0';
	r->subject = subj;
	r->lo = lo;
	r->hi = hi;
	return (0);
}

/*
 * host_ok - a host qualifier's SUFFIX: a DNS name part with a dot, long
 * enough that it cannot stand for "any server"
 */
static int
host_ok(const char *h)
{
	size_t	 i, n = strlen(h);

	if (n < 4 || n >= RULES_HOST_MAX || strchr(h, '.') == NULL)
		return (0);
	for (i = 0; i < n; i++)
		if (!((h[i] >= 'a' && h[i] <= 'z') ||
		    (h[i] >= 'A' && h[i] <= 'Z') ||
		    (h[i] >= '0' && h[i] <= '9') || h[i] == '.' ||
		    h[i] == '-'))
			return (0);
	return (1);
}

/* rules_cause_index - index of a cause id, or -1 */
int
rules_cause_index(const struct rules *rs, const char *id)
{
	int	 i;

	for (i = 0; i < rs->ncauses; i++)
		if (strcmp(rs->causes[i].id, id) == 0)
			return (i);
	return (-1);
}

/* rule_new - the next free rule for a declared cause; -1 with err */
static int
rule_new(struct rules *rs, const char *cause, const char *name, int line,
    char *err, size_t errlen, struct rule **rp)
{
	struct rule *r;
	int	 ci;

	if ((ci = rules_cause_index(rs, cause)) < 0)
		return (rules_err(err, errlen, name, line,
		    "rule for undeclared cause", cause));
	if (rs->nrules >= RULES_MAX_RULES)
		return (rules_err(err, errlen, name, line, "too many rules",
		    NULL));
	r = &rs->rules[rs->nrules];
	memset(r, 0, sizeof(*r));
	r->cause = ci;
	r->line = line;
	r->subject = -1;
	*rp = r;
	return (0);
}

/*
 * rule_pattern - add one quoted pattern of at least minlen bytes (else
 * the reason "short", naming shortarg); its length and search anchor are
 * worked out here, once, for text_casestr_nk
 */
static int
rule_pattern(struct rule *r, const struct token *t, size_t minlen,
    const char *shortwhy, const char *shortarg, const char *name, int line,
    char *err, size_t errlen)
{
	size_t	 k;

	if (!t->quoted)
		return (rules_err(err, errlen, name, line,
		    "pattern must be quoted", t->text));
	if (strlen(t->text) < minlen)
		return (rules_err(err, errlen, name, line, shortwhy,
		    shortarg));
	if (r->npat >= RULES_MAX_PATTERNS)
		return (rules_err(err, errlen, name, line,
		    "too many patterns", NULL));
	k = (size_t)r->npat++;
	r->plen[k] = text_copy(r->pat[k], RULES_PATTERN_MAX, t->text,
	    strlen(t->text));
	r->panchor[k] = text_anchor(r->pat[k], r->plen[k]);
	return (0);
}

/* rules_local - "local ID TEXT...": a relay-local rule, patterns only */
static int
rules_local(struct rules *rs, struct token *t, int n, const char *name,
    int line, char *err, size_t errlen)
{
	struct rule *r;
	int	 i;

	if (n < 3)
		return (rules_err(err, errlen, name, line,
		    "local: want: local ID \"TEXT\"...", NULL));
	if (rule_new(rs, t[1].text, name, line, err, errlen, &r) < 0)
		return (-1);
	r->local = 1;
	/* short patterns would match ordinary words of any reply */
	for (i = 2; i < n; i++)
		if (rule_pattern(r, &t[i], 4, "local pattern too short",
		    t[i].text, name, line, err, errlen) < 0)
			return (-1);
	rs->nrules++;
	return (0);
}

/* rules_sig - provider m365|other host|serverid|marker|... TEXT */
static int
rules_sig(struct rules *rs, struct token *t, int n, const char *name,
    int line, char *err, size_t errlen)
{
	struct rule_sig *sg;

	if (n != 4)
		return (rules_err(err, errlen, name, line,
		    "provider: want: provider m365 host|serverid|marker TEXT",
		    NULL));
	if (strcmp(t[1].text, "m365") != 0 &&
	    (strcmp(t[1].text, "other") != 0 ||
	    strcmp(t[2].text, "host") != 0))
		return (rules_err(err, errlen, name, line,
		    "unknown provider", t[1].text));
	if (rs->nsigs >= RULES_MAX_SIGS)
		return (rules_err(err, errlen, name, line,
		    "too many provider lines", NULL));
	sg = &rs->sigs[rs->nsigs];
	/* "other": a host that sends Exchange's words, not M365 */
	sg->provider = strcmp(t[1].text, "other") == 0 ?
	    PROVIDER_NONE : PROVIDER_M365;
	if (strcmp(t[2].text, "host") == 0)
		sg->kind = SIG_HOST;
	else if (strcmp(t[2].text, "serverid") == 0)
		sg->kind = SIG_SERVERID;
	else if (strcmp(t[2].text, "marker") == 0)
		sg->kind = SIG_MARKER;
	else if (strcmp(t[2].text, "localmarker") == 0)
		sg->kind = SIG_LOCAL_MARKER;
	else if (strcmp(t[2].text, "wording") == 0)
		sg->kind = SIG_WORDING;
	else
		return (rules_err(err, errlen, name, line,
		    "unknown signature kind", t[2].text));
	if (t[3].text[0] == '\0' || (sg->kind >= SIG_MARKER &&
	    strlen(t[3].text) < 4))
		return (rules_err(err, errlen, name, line,
		    "signature too short", t[3].text));
	sg->len = text_copy(sg->text, sizeof(sg->text), t[3].text,
	    strlen(t[3].text));
	sg->anchor = text_anchor(sg->text, sg->len);
	rs->nsigs++;
	return (0);
}

/* rules_cause - cause ID AREA */
static int
rules_cause(struct rules *rs, struct token *t, int n, const char *name,
    int line, char *err, size_t errlen)
{
	int	 i;

	if (n != 3)
		return (rules_err(err, errlen, name, line,
		    "cause: want: cause ID AREA", NULL));
	if (!id_ok(t[1].text))
		return (rules_err(err, errlen, name, line,
		    "bad cause id", t[1].text));
	if (rules_cause_index(rs, t[1].text) >= 0)
		return (rules_err(err, errlen, name, line,
		    "duplicate cause", t[1].text));
	for (i = 0; rule_areas[i] != NULL; i++)
		if (strcmp(rule_areas[i], t[2].text) == 0)
			break;
	if (rule_areas[i] == NULL)
		return (rules_err(err, errlen, name, line,
		    "unknown area", t[2].text));
	if (rs->ncauses >= RULES_MAX_CAUSES)
		return (rules_err(err, errlen, name, line,
		    "too many causes", NULL));
	text_copy(rs->causes[rs->ncauses].id, RULES_ID_MAX, t[1].text,
	    strlen(t[1].text));
	text_copy(rs->causes[rs->ncauses].area,
	    sizeof(rs->causes[0].area), t[2].text, strlen(t[2].text));
	if (strcmp(t[1].text, "m365.unknown") == 0)
		rs->unknown_cause = rs->ncauses;
	rs->ncauses++;
	return (0);
}

/* rules_rule - rule ID CODE STATUS [host SUFFIX] ["TEXT"...] */
static int
rules_rule(struct rules *rs, struct token *t, int n, const char *name,
    int line, char *err, size_t errlen)
{
	struct rule *r;
	int	 i;

	if (n < 4)
		return (rules_err(err, errlen, name, line,
		    "rule: want: rule ID CODE STATUS [host SUFFIX] "
		    "[\"TEXT\"...]", NULL));
	if (rule_new(rs, t[1].text, name, line, err, errlen, &r) < 0)
		return (-1);
	if (strcmp(t[2].text, "*") != 0) {
		const char *p;

		if (t[2].quoted || (r->code = parse_num(t[2].text, &p)) < 200 ||
		    r->code > 599 || *p != '\0')
			return (rules_err(err, errlen, name, line,
			    "bad reply code", t[2].text));
	}
	if (strcmp(t[3].text, "*") != 0) {
		if (t[3].quoted || parse_status(t[3].text, r) < 0)
			return (rules_err(err, errlen, name, line,
			    "bad enhanced status code", t[3].text));
		text_copy(r->status, sizeof(r->status), t[3].text,
		    strlen(t[3].text));
	}
	i = 4;
	if (i < n && !t[i].quoted && strcmp(t[i].text, "host") == 0) {
		if (i + 1 >= n || t[i + 1].quoted || !host_ok(t[i + 1].text))
			return (rules_err(err, errlen, name, line,
			    "bad host qualifier", i + 1 < n ? t[i + 1].text :
			    NULL));
		text_copy(r->host, sizeof(r->host), t[i + 1].text,
		    strlen(t[i + 1].text));
		i += 2;
	}
	for (; i < n; i++)
		if (rule_pattern(r, &t[i], 1, "empty pattern", NULL, name,
		    line, err, errlen) < 0)
			return (-1);
	/* a host qualifier alone is enough: "anything this server says" */
	if (r->code == 0 && r->subject < 0 && r->npat == 0 &&
	    r->host[0] == '\0')
		return (rules_err(err, errlen, name, line,
		    "rule matches everything", t[1].text));
	rs->nrules++;
	return (0);
}

/*
 * local_index - number the distinct patterns of the local rules and find
 * each one's parent: the longest other one it contains.  Quadratic in
 * the patterns, once per load (a few hundred compares).
 */
static void
local_index(struct rules *rs)
{
	struct rule *r, *o;
	struct rule_lpat *lp, *q;
	int	 i, k, j, best;
	size_t	 bl;

	rs->nlocal_pat = 0;
	for (i = 0; i < rs->nrules; i++) {
		r = &rs->rules[i];
		for (k = 0; k < RULES_MAX_PATTERNS; k++)
			r->lpat[k] = -1;
		if (!r->local)
			continue;
		for (k = 0; k < r->npat; k++) {
			for (j = 0; j < rs->nlocal_pat; j++) {
				q = &rs->local_pat[j];
				o = &rs->rules[q->rule];
				if (o->plen[q->pat] == r->plen[k] &&
				    text_casecmp_n(o->pat[q->pat], r->pat[k],
				    r->plen[k]) == 0)
					break;
			}
			if (j == rs->nlocal_pat) {
				if (j >= RULES_LOCAL_PATS)
					continue;	/* searched alone */
				lp = &rs->local_pat[rs->nlocal_pat++];
				lp->rule = (short)i;
				lp->pat = (short)k;
				lp->parent = -1;
			}
			r->lpat[k] = (short)j;
		}
	}
	for (i = 0; i < rs->nlocal_pat; i++) {
		lp = &rs->local_pat[i];
		r = &rs->rules[lp->rule];
		best = -1;
		bl = 0;
		for (j = 0; j < rs->nlocal_pat; j++) {
			q = &rs->local_pat[j];
			o = &rs->rules[q->rule];
			/* strictly shorter: no cycles */
			if (j == i || o->plen[q->pat] >= r->plen[lp->pat] ||
			    o->plen[q->pat] <= bl ||
			    text_casestr(r->pat[lp->pat], r->plen[lp->pat],
			    o->pat[q->pat]) == NULL)
				continue;
			best = j;
			bl = o->plen[q->pat];
		}
		lp->parent = (short)best;
	}
}

/* rules_statement - one tokenized line into the table */
static int
rules_statement(struct rules *rs, struct token *t, int n, const char *name,
    int line, char *err, size_t errlen)
{
	if (strcmp(t[0].text, "provider") == 0)
		return (rules_sig(rs, t, n, name, line, err, errlen));
	if (strcmp(t[0].text, "cause") == 0)
		return (rules_cause(rs, t, n, name, line, err, errlen));
	if (strcmp(t[0].text, "local") == 0)
		return (rules_local(rs, t, n, name, line, err, errlen));
	if (strcmp(t[0].text, "rule") == 0)
		return (rules_rule(rs, t, n, name, line, err, errlen));
	return (rules_err(err, errlen, name, line, "unknown statement",
	    t[0].text));
}

/* rules_load_buf - parse a whole rule text; all or nothing */
int
rules_load_buf(struct rules *rs, const char *text, size_t len,
    const char *name, char *err, size_t errlen)
{
	struct token tok[RULES_MAX_TOKENS];
	const char *why;
	size_t	 i = 0, eol, n;
	int	 line = 0, nt;

	memset(rs, 0, sizeof(*rs));
	rs->unknown_cause = -1;
	while (i < len) {
		line++;
		for (eol = i; eol < len && text[eol] != '\n'; eol++)
			;
		n = eol - i;
		if (n > 0 && text[i + n - 1] == '\r')
			n--;
		if (n >= RULES_LINE_MAX)
			return (rules_err(err, errlen, name, line,
			    "line too long", NULL));
		if (memchr(text + i, '\0', n) != NULL)
			return (rules_err(err, errlen, name, line,
			    "NUL byte", NULL));
		why = NULL;
		if ((nt = tokenize(text + i, n, tok, RULES_MAX_TOKENS, &why)) < 0)
			return (rules_err(err, errlen, name, line, why, NULL));
		if (nt > 0 && rules_statement(rs, tok, nt, name, line, err,
		    errlen) < 0)
			return (-1);
		i = eol + 1;
	}
	if (rs->ncauses == 0)
		return (rules_err(err, errlen, name, line, "no causes defined",
		    NULL));
	if (rs->unknown_cause < 0)
		return (rules_err(err, errlen, name, line,
		    "cause m365.unknown is not declared", NULL));
	local_index(rs);
	return (0);
}

/* rules_load_file - read a rule file of at most RULES_FILE_MAX bytes */
int
rules_load_file(struct rules *rs, const char *path, char *err, size_t errlen)
{
	struct buf b;
	int	 rc;

	buf_init(&b, RULES_FILE_MAX);
	rc = buf_load_file(&b, path, err, errlen);
	if (rc == 0)
		rc = rules_load_buf(rs, b.data, b.len, path, err, errlen);
	buf_free(&b);
	return (rc);
}

/* rules_provider - whose reply is it? */
enum provider
rules_provider(const struct rules *rs, const char *host,
    const char *server_id, const char *text)
{
	return (provider_find(rs, NULL, host, server_id, text, 0));
}

/*
 * rules_provider_why - whose reply, and the strongest signature saying
 * so.  The text is searched for every marker up to four times and for
 * every wording once: its byte pairs, taken once, rule most of those
 * searches out.
 */
enum provider
rules_provider_why(const struct rules *rs, const char *host,
    const char *server_id, const char *text, int other_host,
    enum sig_kind *why)
{
	static const enum sig_kind order[] = { SIG_HOST, SIG_SERVERID,
	    SIG_MARKER, SIG_WORDING };
	const struct rule_sig *sg;
	struct text_grams g;
	size_t	 k, tlen = text != NULL ? strlen(text) : 0;
	int	 i;

	text_grams_init(&g, text != NULL ? text : "", tlen);
	/* the first kind in order that fits: each kind is one pass */
	if (provider_find(rs, &g, host, server_id, text, 0) == PROVIDER_M365) {
		for (k = 0; k < 3; k++)
			if (provider_find(rs, &g, order[k] == SIG_HOST ? host :
			    NULL, order[k] == SIG_SERVERID ? server_id : NULL,
			    order[k] == SIG_MARKER ? text : NULL, 0) ==
			    PROVIDER_M365) {
				*why = order[k];
				return (PROVIDER_M365);
			}
	}
	if (other_host || text == NULL)
		return (PROVIDER_NONE);
	for (i = 0; i < rs->nsigs; i++) {
		sg = &rs->sigs[i];
		if (sg->kind == SIG_WORDING && text_grams_may(&g, sg->text,
		    sg->len) && text_casestr_nk(text, tlen, sg->text, sg->len,
		    sg->anchor) != NULL) {
			*why = SIG_WORDING;
			return (sg->provider);
		}
	}
	return (PROVIDER_NONE);
}

/* rules_other_host - does text name a host that only looks like M365? */
int
rules_other_host(const struct rules *rs, const char *text, size_t len)
{
	const struct rule_sig *sg;
	int	 i;

	for (i = 0; i < rs->nsigs; i++) {
		sg = &rs->sigs[i];
		/* ".azurecomm.net" is found as "azurecomm.net" */
		if (sg->kind == SIG_HOST && sg->provider != PROVIDER_M365 &&
		    text_casestr(text, len, sg->text + (sg->text[0] ==
		    '.')) != NULL)
			return (1);
	}
	return (0);
}

/* rules_provider_local - whose server or service is named in local text? */
enum provider
rules_provider_local(const struct rules *rs, const char *host,
    const char *text)
{
	return (provider_find(rs, NULL, host, NULL, text, 1));
}

/*
 * provider_find - the first signature that fits; local markers on
 * request.  g (may be NULL) holds the byte pairs of text.
 */
static enum provider
provider_find(const struct rules *rs, const struct text_grams *g,
    const char *host, const char *server_id, const char *text, int local)
{
	const struct rule_sig *sg;
	size_t	 hlen, slen, tlen;
	int	 i;

	/* each length once, not once per signature */
	hlen = host != NULL ? strlen(host) : 0;
	slen = server_id != NULL ? strlen(server_id) : 0;
	tlen = text != NULL ? strlen(text) : 0;
	for (i = 0; i < rs->nsigs; i++) {
		sg = &rs->sigs[i];
		switch (sg->kind) {
		case SIG_HOST:
			if (hlen > 0 && text_has_suffix(host, hlen, sg->text))
				return (sg->provider);
			break;
		case SIG_SERVERID:
			if (slen > 0 && text_has_suffix(server_id, slen,
			    sg->text))
				return (sg->provider);
			break;
		case SIG_LOCAL_MARKER:
			if (!local)
				break;
			/* FALLTHROUGH */
		case SIG_MARKER:
			if (text != NULL && (g == NULL || text_grams_may(g,
			    sg->text, sg->len)) && text_casestr_nk(text, tlen,
			    sg->text, sg->len, sg->anchor) != NULL)
				return (sg->provider);
			break;
		case SIG_WORDING:	/* rules_provider_why only */
			break;
		}
	}
	return (PROVIDER_NONE);
}

/* status_split - class, subject and detail of "C.S.D"; -1 when not a status */
static int
status_split(const char *status, int *sclass, int *subj, int *detail)
{
	const char *p;

	if (status == NULL || reply_status_valid(status, strlen(status)) == 0)
		return (-1);
	*sclass = status[0] - '0';
	*subj = parse_num(status + 2, &p);
	*detail = parse_num(p + 1, &p);
	return (0);
}

/* rules_match - the first rule that fits, no server name known */
int
rules_match(const struct rules *rs, int code, const char *status,
    const char *text)
{
	return (rules_match_host(rs, code, status, text, NULL));
}

/* rules_match_host - the first rule that fits; -1 when none */
int
rules_match_host(const struct rules *rs, int code, const char *status,
    const char *text, const char *host)
{
	const struct rule *r;
	struct text_grams g;
	int	 i, k, sclass = 0, subj = -1, detail = -1, have_status;
	size_t	 tlen = text ? strlen(text) : 0;
	size_t	 hlen = host ? strlen(host) : 0;

	have_status = status_split(status, &sclass, &subj, &detail) == 0;
	/* one pass for the pairs; most patterns are then not searched */
	text_grams_init(&g, text != NULL ? text : "", tlen);
	for (i = 0; i < rs->nrules; i++) {
		r = &rs->rules[i];
		if (r->local)
			continue;
		if (r->host[0] != '\0' && (hlen == 0 ||
		    !text_has_suffix(host, hlen, r->host)))
			continue;
		/* a reply quoted without its code ("SmtpCommandException:
		 * 4.3.2 ...") is judged by its enhanced code and text */
		if (r->code != 0 && code != 0 && r->code != code)
			continue;
		if (r->subject >= 0 && (!have_status || r->subject != subj ||
		    detail < r->lo || detail > r->hi ||
		    (r->sclass != sclass && !(r->sclass == 5 && sclass == 4))))
			continue;
		for (k = 0; k < r->npat; k++)
			if (text == NULL || !text_grams_may(&g, r->pat[k],
			    r->plen[k]) || text_casestr_nk(text, tlen,
			    r->pat[k], r->plen[k], r->panchor[k]) == NULL)
				break;
		if (k == r->npat)
			return (r->cause);
	}
	return (-1);
}

/*
 * local_has - does local pattern id occur in text?  Each one is searched
 * for once per text (seen[]: 1 found, -1 not), and a pattern whose
 * parent is absent is absent too.  The chain up to a known pattern is
 * walked without recursion.  A spent CPU budget finds nothing, as
 * text_casestr_nk does.
 */
static int
local_has(const struct rules *rs, signed char *seen, int id,
    const struct text_grams *g, const char *text, size_t len)
{
	const struct rule_lpat *lp;
	const struct rule *r;
	short	 chain[RULES_LOCAL_PATS];
	int	 n = 0, q, absent;

	if (budget_spent())
		return (0);
	for (q = id; q >= 0 && seen[q] == 0 && n < RULES_LOCAL_PATS;
	    q = rs->local_pat[q].parent)
		chain[n++] = (short)q;
	absent = q >= 0 && seen[q] < 0;
	while (n-- > 0) {
		q = chain[n];
		if (!absent) {
			lp = &rs->local_pat[q];
			r = &rs->rules[lp->rule];
			absent = !text_grams_may(g, r->pat[lp->pat],
			    r->plen[lp->pat]) || text_casestr_nk(text, len,
			    r->pat[lp->pat], r->plen[lp->pat],
			    r->panchor[lp->pat]) == NULL;
		}
		seen[q] = absent ? -1 : 1;
	}
	return (seen[id] > 0);
}

/* rules_match_local - the first relay-local rule whose patterns all occur */
int
rules_match_local(const struct rules *rs, const char *text, size_t len)
{
	signed char seen[RULES_LOCAL_PATS];
	struct text_grams g;
	const struct rule *r;
	int	 i, k, first;

	if (text == NULL)
		return (-1);
	memset(seen, 0, (size_t)rs->nlocal_pat);
	/* one pass for the pairs; most patterns are then not searched */
	text_grams_init(&g, text, len);
	/*
	 * local_index numbers patterns in rule order and a local rule has
	 * at least one, so local_pat[0] belongs to the first local rule:
	 * the rules before it need not be walked (each is a large struct).
	 */
	first = rs->nlocal_pat > 0 ? rs->local_pat[0].rule : 0;
	for (i = first; i < rs->nrules; i++) {
		r = &rs->rules[i];
		if (!r->local)
			continue;
		for (k = 0; k < r->npat; k++)
			if (r->lpat[k] >= 0 ? !local_has(rs, seen, r->lpat[k],
			    &g, text, len) : !text_grams_may(&g, r->pat[k],
			    r->plen[k]) || text_casestr_nk(text, len,
			    r->pat[k], r->plen[k], r->panchor[k]) == NULL)
				break;
		if (k == r->npat)
			return (r->cause);
	}
	return (-1);
}
