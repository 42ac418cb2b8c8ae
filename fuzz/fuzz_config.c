/*
 * fuzz_config.c - libFuzzer harness:
 * config_load_buf, config_set (common/config.h, common/settings.c)
 *
 * The body is fuzz_config() in fuzz/targets.c, shared with the gcc replay
 * program and tests/unit/test_fuzz_regress.c; a broken invariant aborts
 * so libFuzzer keeps the input.
 */
#include <stdio.h>
#include <stdlib.h>

#include "targets.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* LLVMFuzzerInitialize - load the knowledge base once, not per input */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (fuzz_init() != 0) {
		fprintf(stderr, "fuzz_config: kb_load failed\n");
		abort();
	}
	return (0);
}

/* LLVMFuzzerTestOneInput - one input; abort on a broken invariant */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (fuzz_run(fuzz_config, data, size) != 0) {
		fprintf(stderr, "fuzz_config: invariant: %s\n", fuzz_why());
		abort();
	}
	return (0);
}
