/*
 * mlfi.h - relayhint-milter: callbacks, the loaded configuration, reload
 */
#ifndef RH_MILTER_MLFI_H
#define RH_MILTER_MLFI_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "explain.h"

#define MLFI_NAME	"relayhint-milter"
#define MLFI_HDR_MAX	(64 * 1024)	/* collected header block */

/* A configuration and the knowledge base it names, shared by sessions */
struct runtime {
	struct config	 cfg;
	struct kb	 kb;
	char		 path[CONFIG_PATH_MAX];	/* file it came from, "" = defaults */
	int		 refs;			/* sessions using it */
};

/*
 * runtime_build - read path (NULL: defaults only), load the rules and
 * catalogs it names, check the language.  Returns a new runtime, or NULL
 * with "file:line: reason" in err.
 */
struct runtime *runtime_build(const char *path, char *err, size_t errlen);
void	runtime_free(struct runtime *);

/* runtime_install - make rt current; the old one goes when unused */
void	runtime_install(struct runtime *);

/* runtime_current_config - a copy of the current settings */
int	runtime_current_config(struct config *);

/* mlfi_register - hand the callbacks to libmilter; -1 on failure */
int	mlfi_register(void);

/*
 * mlfi_test_file - run one message file (LF or CRLF) through the same
 * callbacks offline; print the message as Postfix would store it to out.
 * Returns 0, -1 when the file cannot be read.
 */
int	mlfi_test_file(const char *path, FILE *out);

#endif
