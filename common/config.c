/*
 * config.c - relayhint.conf loader shared by the command and the adapters
 *
 * Functions: config_init, config_load, config_load_buf, config_set,
 * config_line.
 *
 * Syntax: "name = value", one per line; blank lines and lines whose first
 * non-blank character is '#' are ignored; there are no trailing comments
 * (a '#' inside a value is part of it, as in Postfix main.cf).  Names are
 * lower case.  Names, types and defaults come from the settings table
 * (settings.c), which checks each value, so "relayhint-milter -n" finds
 * every mistake the daemon would trip over later.  An unknown name gets
 * a suggestion ("did you mean 'rules_file'?").  A value can come from
 * several places: each one remembers its source, and a higher source
 * (the command line, the Exim OPTIONS string, the environment) wins over
 * the file whatever the order of the calls.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "settings.h"
#include "text.h"

/* config_init - defaults, as documented in relayhint.conf(5) */
void
config_init(struct config *c)
{
	size_t	 i;

	memset(c, 0, sizeof(*c));
	/* the DEF_ strings go through the same checks as a file's values */
	for (i = 0; i < settings_count; i++)
		(void)setting_parse(c, &settings[i], settings[i].def);
}

/* unknown - "unknown setting 'x'; did you mean 'y'?" */
static int
unknown(const char *where, const char *name, size_t len, char *err,
    size_t errlen)
{
	char	 shown[64];
	const char *near;

	text_printable(shown, sizeof(shown), name, len);
	if ((near = setting_suggest(name, len)) != NULL)
		return (text_seterr(err, errlen, "%sunknown setting '%s'; did "
		    "you mean '%s'?", where, shown, near));
	return (text_seterr(err, errlen, "%sunknown setting '%s'", where,
	    shown));
}

/* note_alias - remember one "'old' is deprecated" for the caller to show */
static void
note_alias(struct config *c, const char *where, const char *old,
    const char *name)
{
	if (c->nwarn >= CONFIG_WARN_MAX)
		return;
	(void)snprintf(c->warn[c->nwarn++], sizeof(c->warn[0]), "%.90s'%s' is "
	    "deprecated; use '%s'", where, old, name);
}

/* config_set - one value from the command line, OPTIONS or environment */
int
config_set(struct config *c, const char *name, size_t namelen,
    const char *value, enum config_src src, unsigned where, char *err,
    size_t errlen)
{
	const struct setting *s;
	const char *alias, *why;
	struct config scratch;
	size_t	 i;

	if ((s = setting_lookup(name, namelen, where, &alias)) == NULL)
		return (unknown("", name, namelen, err, errlen));
	i = (size_t)(s - settings);
	/* a lower source is still checked: its mistake is reported */
	if ((why = setting_parse(c->src[i] > src ? &scratch : c, s, value)))
		return (text_seterr(err, errlen, "%s: %s", s->name, why));
	if (c->src[i] <= src)
		c->src[i] = (unsigned char)src;
	if (alias != NULL)
		note_alias(c, "", alias, s->name);
	return (0);
}

/* parse_line - one line without its line end; 0, or -1 with err set */
static int
parse_line(struct config *c, char *line, const char *name, int lineno,
    char *err, size_t errlen)
{
	const struct setting *s;
	struct config scratch;
	char	*p, *eq, *end, *val, where[CONFIG_PATH_MAX + 16];
	const char *why, *alias;
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
	(void)snprintf(where, sizeof(where), "%s:%d: ", name, lineno);
	if ((s = setting_lookup(p, klen, SET_IN_CONF, &alias)) == NULL)
		return (unknown(where, p, klen, err, errlen));
	if (alias != NULL)
		note_alias(c, where, alias, s->name);
	i = (size_t)(s - settings);
	if (c->line[i] != 0)
		return (text_seterr(err, errlen, "%s:%d: %s: already set at line %d",
		    name, lineno, s->name, c->line[i]));
	/* a value from a higher source stays; this one is still checked */
	if ((why = setting_parse(c->src[i] > CONFIG_SRC_FILE ? &scratch : c,
	    s, val)) != NULL)
		return (text_seterr(err, errlen, "%s:%d: %s: %s", name, lineno,
		    s->name, why));
	if (c->src[i] < CONFIG_SRC_FILE)
		c->src[i] = CONFIG_SRC_FILE;
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
	const struct setting *s;

	if ((s = setting_find(name, strlen(name))) == NULL)
		return (0);
	return (c->line[s - settings]);
}
