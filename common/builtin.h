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
extern const struct hints builtin_hints;

#endif
