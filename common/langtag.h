/*
 * langtag.h - POSIX locale names to the language tags the catalogs use
 */
#ifndef RH_LANGTAG_H
#define RH_LANGTAG_H

#include <stddef.h>

#define LANGTAG_MAX	16

/* langtag_from_locale - "zh_TW.UTF-8@x" -> "zh-TW"; 0, or -1 for C/POSIX/garbage */
int	langtag_from_locale(const char *name, char *tag, size_t len);

/* langtag_from_env - the tag of LC_ALL, else LC_MESSAGES, else LANG; -1 if none */
int	langtag_from_env(char *tag, size_t len);

#endif
