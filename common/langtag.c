/*
 * langtag.c - POSIX locale names to the language tags the catalogs use
 *
 * Functions: langtag_from_locale, langtag_from_env.
 *
 * An admin who set LANG=vi_VN.UTF-8 expects the hints in Vietnamese
 * without --lang, as gettext programs do.  POSIX writes a locale as
 * language[_territory][.codeset][@modifier]; the catalogs are named by
 * BCP 47 tags (zh-TW, vi), so the codeset and modifier are dropped and
 * '_' becomes '-'.  hints_match_lang then maps the tag to a catalog
 * (zh-Hant, zh-HK to zh-TW, vi-VN to vi).  We do not call setlocale():
 * only the name matters, and the locale need not be installed.
 *
 * The order is POSIX's for message catalogs: LC_ALL, then LC_MESSAGES,
 * then LANG; an empty variable counts as unset.  C and POSIX mean no
 * preference (English).
 */
#include <stdlib.h>
#include <string.h>

#include "langtag.h"

/* langtag_from_locale - "zh_TW.UTF-8@x" -> "zh-TW"; 0, or -1 for C/POSIX/garbage */
int
langtag_from_locale(const char *name, char *tag, size_t len)
{
	size_t	 i, n;
	char	 c;

	if (name == NULL || len == 0 || strcmp(name, "C") == 0 ||
	    strncmp(name, "C.", 2) == 0 || strcmp(name, "POSIX") == 0)
		return (-1);
	for (n = 0; name[n] != '\0' && name[n] != '.' && name[n] != '@'; n++)
		;
	if (n < 2 || n >= len || n >= LANGTAG_MAX)
		return (-1);
	for (i = 0; i < n; i++) {
		c = name[i];
		if (c == '_')
			c = '-';
		else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-'))
			return (-1);
		tag[i] = c;
	}
	tag[n] = '\0';
	return (0);
}

/* langtag_from_env - the tag of LC_ALL, else LC_MESSAGES, else LANG; -1 if none */
int
langtag_from_env(char *tag, size_t len)
{
	static const char *const vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
	const char *v;
	size_t	 i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if ((v = getenv(vars[i])) != NULL && *v != '\0')
			return (langtag_from_locale(v, tag, len));
	return (-1);
}
