/*
 * fuzz_dlfunc.c - libFuzzer harness: the Exim ${dlfunc} entry points
 * relayhint_event, relayhint_cause, relayhint_hint, relayhint_version
 * (exim-dlfunc/relayhint_exim.c) with fuzzed argc and argv
 *
 * Exim calls these as int f(uschar **yield, int argc, uschar *argv[])
 * with argv strings it expanded from its configuration and from message
 * data ($event_data, $host, a message id), so every argument is outside
 * input.  Input layout: byte 0 picks the function, byte 1 the argc
 * (0..7, so wrong counts are fuzzed too), the rest is argv, fields
 * separated by NUL bytes (missing fields are "").
 *
 * What is checked besides "no crash": the return is OK or ERROR; ERROR
 * comes with a yield (Exim logs it); a yield is a NUL-terminated string
 * from store_get with no CR and no NUL inside its allocation, and no LF
 * except in relayhint_hint's text (lines we render) and its "header"
 * format, which must be exactly the two X-Relayhint lines; log_write
 * lines carry no CR/LF.
 *
 * Harness-only shim: the dlfunc object calls three Exim functions,
 * store_get_3, log_write and expand_string.  They are defined below with
 * just enough behaviour for the fuzzer (a per-input arena, a formatting
 * check, fixed variable values); they are not Exim's code and are never
 * linked into relayhint.so.
 *
 * Side effects are pinned: the harness appends its own OPTIONS words to
 * whatever the input gives (later words win in parse_opts), so the
 * syslog socket is never written ("log=none"), relayhint.conf is never
 * read ("config=none"), the knowledge base is the repository's files
 * (loaded once) and the main log is a fixture from tests/data/exim/.
 * The rate-limit state file is then never opened (it is only used when
 * a syslog line is sent).
 */
#define DLFUNC_IMPL
#include <local_scan.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "targets.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

exim_dlfunc_t relayhint_event, relayhint_cause, relayhint_hint,
    relayhint_version;

#ifndef RH_SRCDIR
#define RH_SRCDIR	"."
#endif

#define DLF_ARGC_MAX	7
#define DLF_ARENA_MAX	64

/* The words appended to OPTIONS: no file or socket outside the tree */
static const char dlf_pin[] = " log=none config=none ratelimit=0"
    " rules=" RH_SRCDIR "/conf/relayhint.rules"
    " hints=" RH_SRCDIR "/conf/hints"
    " mainlog=" RH_SRCDIR "/tests/data/exim/logs/"
    "p1-plain-require-auth-5.7.139-bounce-now/mainlog.log";

/* ---- harness-only shim of the Exim API ---- */

static struct {
	void	*p;
	size_t	 n;
} dlf_arena[DLF_ARENA_MAX];
static int dlf_narena;

/* store_get_3 - Exim's per-message store, as a per-input arena */
void *
store_get_3(int size, const void *proto_mem, const char *func, int line)
{
	void	*p;

	if (size < 0 || dlf_narena == DLF_ARENA_MAX)
		abort();
	if ((p = malloc((size_t)size + 1)) == NULL)
		abort();
	dlf_arena[dlf_narena].p = p;
	dlf_arena[dlf_narena].n = (size_t)size;
	dlf_narena++;
	return (p);
}

/* log_write - format as Exim would, and insist on one line */
void
log_write(unsigned int selector, int flags, const char *fmt, ...)
{
	char	 line[16384];
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (strpbrk(line, "\r\n") != NULL) {
		fprintf(stderr, "fuzz_dlfunc: CR/LF in a log_write line\n");
		abort();
	}
}

/* expand_string - the few variables the object asks for */
uschar *
expand_string(uschar *s)
{
	static uschar spool[] = "/nonexistent/spool", id[] = "0", empty[] = "";

	if (strcmp((char *)s, "$spool_directory") == 0)
		return (spool);
	if (strcmp((char *)s, "$exim_uid") == 0 ||
	    strcmp((char *)s, "$exim_gid") == 0)
		return (id);
	return (empty);
}

/* ---- the harness ---- */

/* arena_owns - p is the start of an arena block; its size in *n */
static int
arena_owns(const void *p, size_t *n)
{
	int	 i;

	for (i = 0; i < dlf_narena; i++)
		if (dlf_arena[i].p == p) {
			*n = dlf_arena[i].n;
			return (1);
		}
	return (0);
}

/* arena_free - end of input: Exim would reset its store here */
static void
arena_free(void)
{
	while (dlf_narena > 0)
		free(dlf_arena[--dlf_narena].p);
}

/* check_yield - the promises of the block comment; aborts when broken */
static void
check_yield(const uschar *y, int rc, int allow_lf)
{
	size_t	 n, len;

	if (rc != OK && rc != ERROR) {
		fprintf(stderr, "fuzz_dlfunc: return %d\n", rc);
		abort();
	}
	if (y == NULL) {
		if (rc == ERROR) {
			fprintf(stderr, "fuzz_dlfunc: ERROR without text\n");
			abort();
		}
		return;
	}
	if (!arena_owns(y, &n)) {
		fprintf(stderr, "fuzz_dlfunc: yield not from store_get\n");
		abort();
	}
	len = strlen((const char *)y);
	if (len + 1 != n) {
		fprintf(stderr, "fuzz_dlfunc: NUL inside the yield\n");
		abort();
	}
	if (memchr(y, '\r', len) != NULL ||
	    (!allow_lf && memchr(y, '\n', len) != NULL)) {
		fprintf(stderr, "fuzz_dlfunc: CR/LF in the yield\n");
		abort();
	}
}

/* count_lf - line feeds in s */
static int
count_lf(const uschar *s)
{
	int	 n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return (n);
}

/*
 * fuzz_fini - for fuzz/standalone.c: the object keeps its knowledge base
 * for the life of the process, as in Exim, so there is nothing to free
 */
void
fuzz_fini(void)
{
}

/* LLVMFuzzerInitialize - nothing to load: the object loads on first use */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return (0);
}

/* LLVMFuzzerTestOneInput - one call of one entry point */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int optpos[4] = { 5, 1, 3, 0 };	/* OPTIONS index */
	uschar	*argv[DLF_ARGC_MAX + 1], *yield = NULL;
	char	*copy, *field[DLF_ARGC_MAX], *opt = NULL;
	size_t	 i, start, olen;
	int	 fn, argc, nf, rc, allow_lf = 0;

	if (size < 2)
		return (0);
	fn = data[0] % 4;
	argc = data[1] % (DLF_ARGC_MAX + 1);
	data += 2;
	size -= 2;

	/* argv fields: NUL-separated, each its own exact-size allocation */
	if ((copy = malloc(size + 1)) == NULL)
		abort();
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (nf = 0; nf < DLF_ARGC_MAX; nf++)
		field[nf] = NULL;
	for (nf = 0, start = 0, i = 0; i <= size && nf < DLF_ARGC_MAX; i++)
		if (i == size || copy[i] == '\0') {
			if ((field[nf] = strndup(copy + start, i - start)) ==
			    NULL)
				abort();
			nf++;
			start = i + 1;
		}
	for (i = 0; i < DLF_ARGC_MAX; i++)
		if (field[i] == NULL && (field[i] = strdup("")) == NULL)
			abort();
	free(copy);

	/* the pinned OPTIONS words go after the input's own */
	if (argc > optpos[fn]) {
		olen = strlen(field[optpos[fn]]);
		if ((opt = malloc(olen + sizeof(dlf_pin))) == NULL)
			abort();
		memcpy(opt, field[optpos[fn]], olen);
		memcpy(opt + olen, dlf_pin, sizeof(dlf_pin));
		free(field[optpos[fn]]);
		field[optpos[fn]] = opt;
	} else if (argc == optpos[fn] && argc < DLF_ARGC_MAX) {
		/* no OPTIONS argument: add one, so no default file is used */
		free(field[argc]);
		if ((field[argc] = strdup(dlf_pin + 1)) == NULL)
			abort();
		argc++;
	}
	for (i = 0; i < DLF_ARGC_MAX; i++)
		argv[i] = (uschar *)field[i];
	argv[DLF_ARGC_MAX] = NULL;

	switch (fn) {
	case 0:
		rc = relayhint_event(&yield, argc, argv);
		break;
	case 1:
		rc = relayhint_cause(&yield, argc, argv);
		break;
	case 2:
		rc = relayhint_hint(&yield, argc, argv);
		/* a hint text is lines; a "header" yield is our two lines */
		allow_lf = 1;
		if (yield != NULL && yield[0] == '\n' && (strncmp((char *)
		    yield, "\nX-Relayhint-Cause: ", 20) != 0 ||
		    count_lf(yield) != 2)) {
			fprintf(stderr, "fuzz_dlfunc: header yield is not "
			    "two X-Relayhint lines\n");
			abort();
		}
		break;
	default:
		rc = relayhint_version(&yield, argc, argv);
		break;
	}
	check_yield(yield, rc, allow_lf);
	arena_free();
	for (i = 0; i < DLF_ARGC_MAX; i++)
		free(field[i]);
	return (0);
}
