/*
 * settings.c - the table of relayhint settings and how a value is checked
 *
 * Functions: setting_find, setting_lookup, setting_suggest, setting_parse,
 * setting_facility_name, setting_socket_check.
 *
 * One row per setting (settings.h has the names and defaults): the same
 * name in relayhint.conf, in the Exim OPTIONS string and, with '-' for
 * '_', on the relayhint command line.  config_init() applies every DEF_
 * through setting_parse(), so a default is checked like any other value
 * and relayhint.conf(5) can show it as written.  The alias rows keep the
 * spellings admins deployed before the names were unified; the callers
 * warn when one is used.
 *
 * Limits: values are bounded by their field in struct config; a value
 * too long is an error, never truncated.  Logs nothing.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "config.h"
#include "settings.h"
#include "text.h"

#define F(m)	offsetof(struct config, m), sizeof(((struct config *)0)->m)

#define ALL	(SET_CLI | SET_MILTER | SET_EXIM)
#define ADAPT	(SET_MILTER | SET_EXIM)

const struct setting settings[] = {
	/* the milter daemon */
	{VAR_SOCKET, ST_SOCKET, DEF_SOCKET, SET_MILTER, F(socket), 0, 0},
	{VAR_SOCKET_MODE, ST_MODE, DEF_SOCKET_MODE, SET_MILTER, F(socket_mode),
	    0, 0777},
	{VAR_USER, ST_USER, DEF_USER, SET_MILTER, F(user), 0, 0},
	{VAR_PID_FILE, ST_PATH, DEF_PID_FILE, SET_MILTER, F(pid_file), 0, 0},
	{VAR_MILTER_TIMEOUT, ST_TIME, DEF_MILTER_TIMEOUT, SET_MILTER,
	    F(milter_timeout), 1, 86400},
	/* hints */
	{VAR_LANGUAGE, ST_LANG, DEF_LANGUAGE, ALL, F(language), 0, 0},
	{VAR_USE_CONTENT_LANG, ST_BOOL, DEF_USE_CONTENT_LANG, SET_MILTER,
	    F(use_content_language), 0, 1},
	{VAR_PM_ADMIN_FIRST, ST_BOOL, DEF_PM_ADMIN_FIRST, SET_MILTER,
	    F(postmaster_admin_first), 0, 1},
	{VAR_USER_NOTE, ST_BOOL, DEF_USER_NOTE, ALL, F(user_note), 0, 1},
	{VAR_2BOUNCE_SENDER, ST_WORD, DEF_2BOUNCE_SENDER, SET_MILTER,
	    F(double_bounce_sender), 0, 0},
	{VAR_RULES_FILE, ST_PATH, DEF_RULES_FILE, ALL, F(rules_file), 0, 0},
	{VAR_HINTS_DIR, ST_PATH, DEF_HINTS_DIR, ALL, F(hints_dir), 0, 0},
	{VAR_MAX_MSG_SIZE, ST_SIZE, DEF_MAX_MSG_SIZE, SET_CLI | SET_MILTER,
	    F(max_message_size), 1024, 64L * 1024 * 1024},
	/* logging */
	{VAR_LOG_REPEAT_WINDOW, ST_TIME, DEF_LOG_REPEAT_WINDOW, ADAPT,
	    F(log_repeat_window), 0, 7 * 86400},
	{VAR_SYSLOG_FACILITY, ST_FACILITY, DEF_SYSLOG_FACILITY, ADAPT,
	    F(syslog_facility), 0, 0},
	{VAR_SYSLOG_SOCKET, ST_PATH, DEF_SYSLOG_SOCKET, ADAPT,
	    F(syslog_socket), 0, 0},
	{VAR_SYSLOG_TAG, ST_TAG, DEF_SYSLOG_TAG, SET_EXIM, F(syslog_tag), 0, 0},
	/* webhook alerts */
	{VAR_ALERT_SPOOL, ST_PATH, DEF_ALERT_SPOOL, ADAPT, F(alert_spool),
	    0, 0},
	{VAR_ALERT_QUIET, ST_TIME, DEF_ALERT_QUIET, ALL, F(alert_quiet),
	    0, 7 * 86400},
	{VAR_ALERT_SPOOL_MAX, ST_INT, DEF_ALERT_SPOOL_MAX, ALL,
	    F(alert_spool_max), 1, 100000},
	/* the Exim object's view of Exim's own main log */
	{VAR_MAINLOG, ST_PATH, DEF_MAINLOG, SET_EXIM, F(mainlog), 0, 0},
	{VAR_MAINLOG_TAIL, ST_SIZE, DEF_MAINLOG_TAIL, SET_EXIM,
	    F(mainlog_tail), 1, 64L * 1024 * 1024},
	{VAR_MAINLOG_WRITE, ST_BOOL, DEF_MAINLOG_WRITE, SET_EXIM,
	    F(mainlog_write), 0, 1},
	{VAR_LOG_REPEAT_STATE, ST_PATH, DEF_LOG_REPEAT_STATE, SET_EXIM,
	    F(log_repeat_state), 0, 0},
};

const size_t settings_count = sizeof(settings) / sizeof(settings[0]);

_Static_assert(sizeof(settings) / sizeof(settings[0]) <= CONFIG_SETTINGS_MAX,
    "struct config: line[] too small");

/* The spellings before one name per setting; each works with a warning */
const struct setting_alias setting_aliases[] = {
	{"rules", VAR_RULES_FILE, SET_IN_EXIM | SET_IN_ARGV},
	{"hints", VAR_HINTS_DIR, SET_IN_EXIM},
	{"catalogs", VAR_HINTS_DIR, SET_IN_ARGV},
	{"lang", VAR_LANGUAGE, SET_IN_ARGV},
	{"max_size", VAR_MAX_MSG_SIZE, SET_IN_ARGV},
	{"alert_max", VAR_ALERT_SPOOL_MAX, SET_IN_ARGV},
	{"log", VAR_SYSLOG_SOCKET, SET_IN_EXIM},
	{"ratelimit", VAR_LOG_REPEAT_WINDOW, SET_IN_EXIM},
	{"tag", VAR_SYSLOG_TAG, SET_IN_EXIM},
	{"state", VAR_LOG_REPEAT_STATE, SET_IN_EXIM},
	{"tail", VAR_MAINLOG_TAIL, SET_IN_EXIM},
	{"logmain", VAR_MAINLOG_WRITE, SET_IN_EXIM},
	{NULL, NULL, 0},
};

static const struct facility {
	const char	*name;
	int		 value;
} facilities[] = {
	{"mail", LOG_MAIL}, {"daemon", LOG_DAEMON}, {"user", LOG_USER},
	{"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},
	{"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3},
	{"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
	{"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
};

/* setting_find - a canonical name */
const struct setting *
setting_find(const char *name, size_t len)
{
	size_t	 i;

	for (i = 0; i < settings_count; i++)
		if (strlen(settings[i].name) == len &&
		    memcmp(settings[i].name, name, len) == 0)
			return (&settings[i]);
	return (NULL);
}

/* setting_lookup - a canonical name, or an alias accepted where it stood */
const struct setting *
setting_lookup(const char *name, size_t len, unsigned in, const char **alias)
{
	const struct setting_alias *a;

	*alias = NULL;
	if (setting_find(name, len) != NULL)
		return (setting_find(name, len));
	for (a = setting_aliases; a->old != NULL; a++)
		if ((a->in & in) && strlen(a->old) == len &&
		    memcmp(a->old, name, len) == 0) {
			*alias = a->old;
			return (setting_find(a->name, strlen(a->name)));
		}
	return (NULL);
}

/* distance - Levenshtein distance of two short strings, capped at 9 */
static size_t
distance(const char *a, size_t la, const char *b)
{
	size_t	 row[40], i, j, prev, cur, lb = strlen(b);

	if (la >= sizeof(row) / sizeof(row[0]) || lb >= sizeof(row) /
	    sizeof(row[0]))
		return (9);
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			cur = row[j];
			row[j] = prev + (a[i - 1] != b[j - 1]);
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			if (cur + 1 < row[j])
				row[j] = cur + 1;
			prev = cur;
		}
	}
	return (row[lb]);
}

/*
 * setting_suggest - a typo (two edits at most), a name in another case,
 * an old spelling, or a word that starts a name ("lang": "language")
 */
const char *
setting_suggest(const char *name, size_t len)
{
	const struct setting_alias *a;
	const char *best = NULL;
	char	 low[40];
	size_t	 i, d, bestd = 3;

	if (len == 0 || len >= sizeof(low))
		return (NULL);
	for (i = 0; i < len; i++)
		low[i] = (name[i] >= 'A' && name[i] <= 'Z') ? (char)(name[i] +
		    32) : name[i] == '-' ? '_' : name[i];
	for (a = setting_aliases; a->old != NULL; a++)
		if (strlen(a->old) == len && memcmp(a->old, low, len) == 0)
			return (a->name);
	for (i = 0; i < settings_count; i++) {
		d = distance(low, len, settings[i].name);
		if (d < bestd) {
			bestd = d;
			best = settings[i].name;
		}
	}
	if (best != NULL)
		return (best);
	for (i = 0; i < settings_count; i++)
		if (len >= 3 && strncmp(settings[i].name, low, len) == 0)
			return (settings[i].name);
	return (NULL);
}

/* setting_facility_name - the name of a facility value, "?" if unknown */
const char *
setting_facility_name(int facility)
{
	size_t	 i;

	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (facilities[i].value == facility)
			return (facilities[i].name);
	return ("?");
}

/* parse_ulong - all-digit decimal (or octal) number without overflow */
static int
parse_ulong(const char *s, int base, unsigned long long *out)
{
	unsigned long long v = 0;
	int	 d;

	if (*s == '\0')
		return (-1);
	for (; *s; s++) {
		if (*s < '0' || *s > '0' + base - 1)
			return (-1);
		d = *s - '0';
		if (v > (ULLONG_MAX - (unsigned)d) / (unsigned)base)
			return (-1);
		v = v * (unsigned)base + (unsigned)d;
	}
	*out = v;
	return (0);
}

/* parse_scaled - number with a one-letter unit suffix from units/mults */
static int
parse_scaled(const char *s, const char *units, const unsigned long *mults,
    unsigned long long *out)
{
	char	 num[32];
	size_t	 n = strlen(s);
	const char *u;
	unsigned long long v, m = 1;

	if (n == 0 || n >= sizeof(num))
		return (-1);
	memcpy(num, s, n + 1);
	if ((u = strchr(units, num[n - 1])) != NULL && num[n - 1] != '\0') {
		m = mults[u - units];
		num[n - 1] = '\0';
	}
	if (parse_ulong(num, 10, &v) < 0 || (v != 0 && m > ULLONG_MAX / v))
		return (-1);
	*out = v * m;
	return (0);
}

/* setting_socket_check - accept only the libmilter forms we document */
const char *
setting_socket_check(const char *spec)
{
	const char *p, *at;
	unsigned long long port;
	char	 num[8];
	size_t	 n;

	if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0) {
		p = strchr(spec, ':') + 1;
		if (*p != '/')
			return ("a unix socket path must be absolute");
		if (strlen(p) >= 100)
			return ("unix socket path too long (over 100 bytes)");
		return (NULL);
	}
	if (strncmp(spec, "inet:", 5) == 0)
		p = spec + 5;
	else if (strncmp(spec, "inet6:", 6) == 0)
		p = spec + 6;
	else
		return ("socket must be unix:/path, inet:PORT@HOST or "
		    "inet6:PORT@HOST");
	if ((at = strchr(p, '@')) == NULL)
		at = p + strlen(p);
	n = (size_t)(at - p);
	if (n > 0 && n < sizeof(num)) {
		memcpy(num, p, n);
		num[n] = '\0';
	}
	if (n == 0 || n >= sizeof(num) || parse_ulong(num, 10, &port) < 0 ||
	    port == 0 || port > 65535) {
		if (strchr(p, ':') != NULL)
			return ("this is the Postfix form inet:HOST:PORT; the "
			    "milter listens on inet:PORT@HOST");
		return ("bad port");
	}
	if (*at == '@' && at[1] == '\0')
		return ("empty host after '@'");
	return (NULL);
}

/* check_text - a text value's own grammar; NULL when it fits */
static const char *
check_text(const struct setting *s, const char *v, size_t len)
{
	size_t	 i;

	if (len >= s->size)
		return ("value too long");
	for (i = 0; i < len; i++)
		if ((unsigned char)v[i] <= ' ' || (unsigned char)v[i] == 0x7f)
			return ("white space or control character in value");
	switch (s->type) {
	case ST_PATH:
		return (len > 0 && v[0] != '/' ? "path must be absolute" :
		    NULL);
	case ST_LANG:
		return (text_lang_ok(v) ? NULL : "not a language tag");
	case ST_SOCKET:
		return (setting_socket_check(v));
	case ST_TAG:
		if (len == 0 || strpbrk(v, "[]:") != NULL)
			return ("not a short word without [ ] :");
		return (NULL);
	case ST_USER:
		for (i = 0; i < len; i++)
			if (!((v[i] >= 'a' && v[i] <= 'z') ||
			    (v[i] >= 'A' && v[i] <= 'Z') ||
			    (v[i] >= '0' && v[i] <= '9') ||
			    v[i] == '_' || v[i] == '-' || v[i] == '.'))
				return ("not a user name");
		return (len > 0 && v[0] == '-' ? "not a user name" : NULL);
	default:
		return (len == 0 ? "empty value" : NULL);
	}
}

/* setting_parse - check one value and store it */
const char *
setting_parse(struct config *c, const struct setting *s, const char *v)
{
	static const unsigned long size_mult[] = {1024, 1024, 1024 * 1024,
	    1024 * 1024};
	static const unsigned long time_mult[] = {1, 60, 3600, 86400};
	unsigned long long n;
	char	*dst = (char *)c + s->off;
	const char *why;
	size_t	 i;

	switch (s->type) {
	case ST_PATH:
		/* "none" turns a path off, as in the Exim OPTIONS string */
		if (strcmp(v, "none") == 0)
			v = "";
		/* FALLTHROUGH */
	case ST_WORD:
	case ST_TAG:
	case ST_LANG:
	case ST_SOCKET:
	case ST_USER:
		if ((why = check_text(s, v, strlen(v))) != NULL)
			return (why);
		memcpy(dst, v, strlen(v) + 1);
		return (NULL);
	case ST_BOOL:
		if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0)
			*(int *)(void *)dst = 1;
		else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0)
			*(int *)(void *)dst = 0;
		else
			return ("expected yes or no");
		return (NULL);
	case ST_INT:
	case ST_TIME:
		if (s->type == ST_INT ? parse_ulong(v, 10, &n) < 0 :
		    parse_scaled(v, "smhd", time_mult, &n) < 0)
			return (s->type == ST_INT ? "not a number" :
			    "not a time (e.g. 300s, 5m, 1h)");
		if (n < (unsigned long long)s->min ||
		    n > (unsigned long long)s->max)
			return ("value out of range");
		*(int *)(void *)dst = (int)n;
		return (NULL);
	case ST_SIZE:
		if (parse_scaled(v, "kKmM", size_mult, &n) < 0)
			return ("not a size (e.g. 4m, 512k, 100000)");
		if (n < (unsigned long long)s->min ||
		    n > (unsigned long long)s->max)
			return ("value out of range");
		*(size_t *)(void *)dst = (size_t)n;
		return (NULL);
	case ST_MODE:
		if (parse_ulong(v, 8, &n) < 0 || n > (unsigned long long)s->max)
			return ("not an octal mode (e.g. 0660)");
		*(int *)(void *)dst = (int)n;
		return (NULL);
	case ST_FACILITY:
		for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
			if (strcmp(v, facilities[i].name) == 0) {
				*(int *)(void *)dst = facilities[i].value;
				return (NULL);
			}
		return ("unknown syslog facility");
	}
	return ("internal error");
}
