/*
 * builtin.h - compiled-in copies of conf/relayhint.rules and conf/hints/
 * (generated at build time by tools/embed.c)
 */
#ifndef RH_BUILTIN_H
#define RH_BUILTIN_H

extern const char builtin_rules[];
extern const char *const builtin_catalogs[];	/* NULL-terminated */
extern const char *const builtin_catalog_names[];

#endif
