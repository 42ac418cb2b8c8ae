/*
 * config.c - relayhint.conf loader shared by the milter and the Exim object
 *
 * Functions: config_init, config_load, config_load_buf, config_line,
 * config_facility_name, config_socket_check.
 *
 * Syntax: "name = value", one per line; blank lines and lines whose first
 * non-blank character is '#' are ignored; there are no trailing comments
 * (a '#' inside a value is part of it, as in Postfix main.cf).  Names are
 * lower case.  Values are checked here, once, so "relayhint-milter -n"
 * finds every mistake the daemon would trip over later.
 *
 * Limits: the file is at most CONFIG_FILE_MAX bytes, a line at most
 * CONFIG_LINE_MAX; longer values than a field holds are errors, never
 * truncated silently.  A file writable by others is refused: it decides
 * which rules and catalogs a root-started daemon reads.
 *
 * Logs nothing: errors go to the caller as "file:line: reason".
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "alertspool.h"
#include "bounce.h"
#include "config.h"
#include "text.h"

enum ctype {
	C_STR,		/* plain text without white space */
	C_PATH,		/* absolute path or empty */
	C_BOOL,		/* yes/no */
	C_INT,		/* decimal within min..max */
	C_SIZE,		/* bytes, optional k/m suffix */
	C_TIME,		/* seconds, optional s/m/h/d suffix */
	C_MODE,		/* octal permission bits */
	C_LANG,		/* language tag */
	C_FACILITY,	/* syslog facility name */
	C_SOCKET,	/* libmilter socket spec */
	C_USER		/* user name */
};

struct key {
	const char	*name;
	enum ctype	 type;
	size_t		 off;
	size_t		 size;		/* C_STR-like: field size */
	long		 min, max;
};

#define F(m)	offsetof(struct config, m), sizeof(((struct config *)0)->m)

static const struct key keys[] = {
	{"socket", C_SOCKET, F(socket), 0, 0},
	{"socket_mode", C_MODE, F(socket_mode), 0, 0777},
	{"user", C_USER, F(user), 0, 0},
	{"pid_file", C_PATH, F(pid_file), 0, 0},
	{"milter_timeout", C_TIME, F(milter_timeout), 1, 86400},
	{"language", C_LANG, F(language), 0, 0},
	{"use_content_language", C_BOOL, F(use_content_language), 0, 1},
	{"postmaster_admin_first", C_BOOL, F(postmaster_admin_first), 0, 1},
	{"user_note", C_BOOL, F(user_note), 0, 1},
	{"double_bounce_sender", C_STR, F(double_bounce_sender), 0, 0},
	{"rules_file", C_PATH, F(rules_file), 0, 0},
	{"hints_dir", C_PATH, F(hints_dir), 0, 0},
	{"max_message_size", C_SIZE, F(max_message_size), 1024,
	    64L * 1024 * 1024},
	{"log_repeat_window", C_TIME, F(log_repeat_window), 0, 7 * 86400},
	{"syslog_facility", C_FACILITY, F(syslog_facility), 0, 0},
	{"syslog_socket", C_PATH, F(syslog_socket), 0, 0},
	{"alert_spool", C_PATH, F(alert_spool), 0, 0},
	{"alert_quiet", C_TIME, F(alert_quiet), 0, 7 * 86400},
	{"alert_spool_max", C_INT, F(alert_spool_max), 1, 100000},
};

#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

_Static_assert(NKEYS <= sizeof(((struct config *)0)->line) / sizeof(int),
    "struct config: line[] too small");

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

/* config_init - defaults, as documented in relayhint.conf(5) */
void
config_init(struct config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->socket, sizeof(c->socket), "%s", CONFIG_DEFAULT_SOCKET);
	c->socket_mode = 0660;
	c->milter_timeout = 60;
	snprintf(c->language, sizeof(c->language), "en");
	c->use_content_language = 1;
	c->postmaster_admin_first = 1;
	c->user_note = 1;
	snprintf(c->double_bounce_sender, sizeof(c->double_bounce_sender),
	    "double-bounce");
	c->max_message_size = BOUNCE_DEFAULT_MAX;
	c->log_repeat_window = 300;
	c->syslog_facility = LOG_MAIL;
	snprintf(c->syslog_socket, sizeof(c->syslog_socket), "/dev/log");
	c->alert_quiet = 3600;
	c->alert_spool_max = ALERT_SPOOL_DEFAULT_MAX;
}

/* config_facility_name - the name of a facility value, "?" if unknown */
const char *
config_facility_name(int facility)
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

/* config_socket_check - accept only the libmilter forms we document */
const char *
config_socket_check(const char *spec)
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
	if (n == 0 || n >= sizeof(num)) {
		if (strchr(p, ':') != NULL)
			return ("this is the Postfix form inet:HOST:PORT; the "
			    "milter listens on inet:PORT@HOST");
		return ("bad port");
	}
	memcpy(num, p, n);
	num[n] = '\0';
	if (parse_ulong(num, 10, &port) < 0 || port == 0 || port > 65535) {
		if (strchr(p, ':') != NULL)
			return ("this is the Postfix form inet:HOST:PORT; the "
			    "milter listens on inet:PORT@HOST");
		return ("bad port");
	}
	if (*at == '@' && at[1] == '\0')
		return ("empty host after '@'");
	return (NULL);
}

/* set_value - check one value and store it */
static const char *
set_value(struct config *c, const struct key *k, const char *v)
{
	static const unsigned long size_mult[] = {1024, 1024, 1024 * 1024,
	    1024 * 1024};
	static const unsigned long time_mult[] = {1, 60, 3600, 86400};
	unsigned long long n;
	char	*dst = (char *)c + k->off;
	const char *why;
	size_t	 len = strlen(v);
	size_t	 i;

	switch (k->type) {
	case C_STR:
	case C_PATH:
	case C_LANG:
	case C_SOCKET:
	case C_USER:
		if (len >= k->size)
			return ("value too long");
		for (i = 0; i < len; i++)
			if ((unsigned char)v[i] <= ' ' ||
			    (unsigned char)v[i] == 0x7f)
				return ("white space or control character in "
				    "value");
		if (k->type == C_PATH && len > 0 && v[0] != '/')
			return ("path must be absolute");
		if (k->type == C_LANG && !text_lang_ok(v))
			return ("not a language tag");
		if (k->type == C_SOCKET && (why = config_socket_check(v)))
			return (why);
		if (k->type == C_USER && len > 0) {
			for (i = 0; i < len; i++)
				if (!((v[i] >= 'a' && v[i] <= 'z') ||
				    (v[i] >= '0' && v[i] <= '9') ||
				    v[i] == '_' || v[i] == '-' || v[i] == '.' ||
				    (v[i] >= 'A' && v[i] <= 'Z')))
					return ("not a user name");
			if (v[0] == '-')
				return ("not a user name");
		}
		if (k->type == C_STR && len == 0)
			return ("empty value");
		memcpy(dst, v, len + 1);
		return (NULL);
	case C_BOOL:
		if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0)
			*(int *)(void *)dst = 1;
		else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0)
			*(int *)(void *)dst = 0;
		else
			return ("expected yes or no");
		return (NULL);
	case C_INT:
	case C_TIME:
		if (k->type == C_INT ? parse_ulong(v, 10, &n) < 0 :
		    parse_scaled(v, "smhd", time_mult, &n) < 0)
			return (k->type == C_INT ? "not a number" :
			    "not a time (e.g. 300s, 5m, 1h)");
		if (n < (unsigned long long)k->min ||
		    n > (unsigned long long)k->max)
			return ("value out of range");
		*(int *)(void *)dst = (int)n;
		return (NULL);
	case C_SIZE:
		if (parse_scaled(v, "kKmM", size_mult, &n) < 0)
			return ("not a size (e.g. 4m, 512k, 100000)");
		if (n < (unsigned long long)k->min ||
		    n > (unsigned long long)k->max)
			return ("value out of range");
		*(size_t *)(void *)dst = (size_t)n;
		return (NULL);
	case C_MODE:
		if (parse_ulong(v, 8, &n) < 0 || n > (unsigned long long)k->max)
			return ("not an octal mode (e.g. 0660)");
		*(int *)(void *)dst = (int)n;
		return (NULL);
	case C_FACILITY:
		for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
			if (strcmp(v, facilities[i].name) == 0) {
				*(int *)(void *)dst = facilities[i].value;
				return (NULL);
			}
		return ("unknown syslog facility");
	}
	return ("internal error");
}

/* parse_line - one line without its line end; 0, or -1 with err set */
static int
parse_line(struct config *c, char *line, const char *name, int lineno,
    char *err, size_t errlen)
{
	char	*p, *eq, *end, *val;
	const char *why;
	size_t	 i, klen;

	for (p = line; *p == ' ' || *p == '\t'; p++)
		;
	if (*p == '\0' || *p == '#')
		return (0);
	if ((eq = strchr(p, '=')) == NULL)
		return (text_seterr(err, errlen, "%s:%d: expected \"name = value\"",
		    name, lineno));
	for (end = eq; end > p && (end[-1] == ' ' || end[-1] == '\t'); end--)
		;
	klen = (size_t)(end - p);
	for (val = eq + 1; *val == ' ' || *val == '\t'; val++)
		;
	for (end = val + strlen(val); end > val &&
	    (end[-1] == ' ' || end[-1] == '\t'); end--)
		;
	*end = '\0';
	for (i = 0; i < NKEYS; i++)
		if (strlen(keys[i].name) == klen &&
		    memcmp(keys[i].name, p, klen) == 0)
			break;
	if (i == NKEYS) {
		char	 shown[64];

		text_printable(shown, sizeof(shown), p, klen);
		return (text_seterr(err, errlen, "%s:%d: unknown setting \"%s\"",
		    name, lineno, shown));
	}
	if (c->line[i] != 0)
		return (text_seterr(err, errlen, "%s:%d: %s: already set at line %d",
		    name, lineno, keys[i].name, c->line[i]));
	if ((why = set_value(c, &keys[i], val)) != NULL)
		return (text_seterr(err, errlen, "%s:%d: %s: %s", name, lineno,
		    keys[i].name, why));
	c->line[i] = lineno;
	return (0);
}

/* config_load_buf - parse text over the current settings */
int
config_load_buf(struct config *c, const char *text, size_t len,
    const char *name, char *err, size_t errlen)
{
	char	 line[CONFIG_LINE_MAX + 1];
	size_t	 i = 0, e, n;
	int	 lineno = 0;

	if (len > CONFIG_FILE_MAX)
		return (text_seterr(err, errlen, "%s: file larger than %d bytes",
		    name, CONFIG_FILE_MAX));
	while (i < len) {
		lineno++;
		for (e = i; e < len && text[e] != '\n'; e++)
			;
		n = e - i;
		if (n > 0 && text[i + n - 1] == '\r')
			n--;
		if (n > CONFIG_LINE_MAX)
			return (text_seterr(err, errlen, "%s:%d: line too long",
			    name, lineno));
		if (memchr(text + i, '\0', n) != NULL)
			return (text_seterr(err, errlen, "%s:%d: NUL byte", name,
			    lineno));
		memcpy(line, text + i, n);
		line[n] = '\0';
		if (parse_line(c, line, name, lineno, err, errlen) < 0)
			return (-1);
		i = e + 1;
	}
	return (0);
}

/* config_load - read and parse a file; refuse one others may write */
int
config_load(struct config *c, const char *path, char *err, size_t errlen)
{
	struct stat st;
	char	*text;
	ssize_t	 r;
	size_t	 len = 0;
	int	 fd, rc;

	if ((fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC)) < 0)
		return (text_seterr(err, errlen, "%s: %s", path, strerror(errno)));
	if (fstat(fd, &st) < 0) {
		rc = errno;
		close(fd);
		return (text_seterr(err, errlen, "%s: %s", path, strerror(rc)));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return (text_seterr(err, errlen, "%s: not a regular file", path));
	}
	if (st.st_mode & S_IWOTH) {
		close(fd);
		return (text_seterr(err, errlen, "%s: refusing a world-writable "
		    "configuration file (chmod o-w)", path));
	}
	if (st.st_size > CONFIG_FILE_MAX) {
		close(fd);
		return (text_seterr(err, errlen, "%s: file larger than %d bytes",
		    path, CONFIG_FILE_MAX));
	}
	if ((text = malloc(CONFIG_FILE_MAX + 1)) == NULL) {
		close(fd);
		return (text_seterr(err, errlen, "%s: out of memory", path));
	}
	while (len <= CONFIG_FILE_MAX &&
	    (r = read(fd, text + len, CONFIG_FILE_MAX + 1 - len)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = errno;
			free(text);
			close(fd);
			return (text_seterr(err, errlen, "%s: %s", path,
			    strerror(rc)));
		}
		len += (size_t)r;
		if (len > CONFIG_FILE_MAX)
			break;
	}
	close(fd);
	rc = config_load_buf(c, text, len, path, err, errlen);
	free(text);
	return (rc);
}

/* config_line - where a setting was made */
int
config_line(const struct config *c, const char *name)
{
	size_t	 i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return (c->line[i]);
	return (0);
}
