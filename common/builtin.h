/*
 * builtin.h - the compiled-in knowledge base: conf/relayhint.rules and
 * the catalogs of conf/hints/, checked and turned into C data at build
 * time by tools/embed.c, and used in place (never parsed, copied or
 * freed at run time)
 */
#ifndef RH_BUILTIN_H
#define RH_BUILTIN_H

#include "hint.h"
#include "rules.h"

extern const struct rules builtin_rules;

/*
 * builtin_hints_load - the compiled-in catalogs, packed (hint.h): h
 * points at static data, hints_free leaves it alone
 */
void	builtin_hints_load(struct hints *);

#endif
