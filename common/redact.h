/*
 * redact.h - mask passwords, tokens and AUTH data in text we echo
 */
#ifndef RH_REDACT_H
#define RH_REDACT_H

/*
 * redact_text - overwrite, in place, every value that looks like a
 * credential (see redact.c for the shapes); the text never grows
 */
void	redact_text(char *s);

#endif
