/*
 * targets.h - the fuzz targets, shared by the libFuzzer harnesses
 * (fuzz/fuzz_*.c), the gcc replay program (fuzz/standalone.c) and the
 * regression test (tests/unit/test_fuzz_regress.c).
 *
 * Each target takes one input and returns 0, or FUZZ_BAD when an
 * invariant the interface promises does not hold; the libFuzzer wrapper
 * turns FUZZ_BAD into abort() so it is saved as a crash, the regression
 * test asserts 0.  Memory errors are left to the sanitizers.
 */
#ifndef RH_FUZZ_TARGETS_H
#define RH_FUZZ_TARGETS_H

#include <stddef.h>
#include <stdint.h>

#define FUZZ_BAD	1

/* fuzz_init - load the compiled-in knowledge base once; 0 or -1 */
int	fuzz_init(void);

/* fuzz_fini - release it (so leak checkers stay quiet) */
void	fuzz_fini(void);

/* fuzz_why - the last invariant that failed, for messages */
const char *fuzz_why(void);

/*
 * fuzz_run - fn(data, size) with the work it causes bounded linearly in
 * size (FUZZ_BAD when over); what the harnesses and the replay call
 */
int	fuzz_run(int (*)(const uint8_t *, size_t), const uint8_t *, size_t);

int	fuzz_reply(const uint8_t *, size_t);
int	fuzz_dsn(const uint8_t *, size_t);
int	fuzz_mime(const uint8_t *, size_t);
int	fuzz_rewrite(const uint8_t *, size_t);
int	fuzz_bounce(const uint8_t *, size_t);
int	fuzz_logline(const uint8_t *, size_t);
int	fuzz_pqjson(const uint8_t *, size_t);
int	fuzz_jsonr(const uint8_t *, size_t);
int	fuzz_explain(const uint8_t *, size_t);
int	fuzz_rules(const uint8_t *, size_t);
int	fuzz_hints(const uint8_t *, size_t);
int	fuzz_redact(const uint8_t *, size_t);
int	fuzz_config(const uint8_t *, size_t);

struct fuzz_target {
	const char *name;	/* fuzz/corpus/NAME, fuzz/crashes/NAME */
	int	(*fn)(const uint8_t *, size_t);
};

/* fuzz_targets - every target, ending with a NULL name */
extern const struct fuzz_target fuzz_targets[];

#endif
