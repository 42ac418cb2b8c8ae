/*
 * standalone.c - replay inputs through a harness without libFuzzer
 *
 * Linked with one fuzz/fuzz_*.c by gcc (or any compiler without
 * -fsanitize=fuzzer), as jansson's test/ossfuzz/standaloneengine.cc:
 * every argument is a file, or a directory whose regular files are
 * replayed in turn.  Exit status 0 when every input ran; a crash or a
 * broken invariant aborts as it would under the fuzzer.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "targets.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* replay_file - read one file whole and run it */
static int
replay_file(const char *path)
{
	FILE	*f;
	uint8_t	*p = NULL;
	size_t	 len = 0, cap = 0, n;

	if ((f = fopen(path, "rb")) == NULL) {
		perror(path);
		return (-1);
	}
	for (;;) {
		if (len == cap) {
			uint8_t *np;

			cap = cap ? 2 * cap : 65536;
			if ((np = realloc(p, cap)) == NULL) {
				free(p);
				fclose(f);
				return (-1);
			}
			p = np;
		}
		if ((n = fread(p + len, 1, cap - len, f)) == 0)
			break;
		len += n;
	}
	fclose(f);
	/* an exact-size copy, so an overread is an overread under valgrind */
	fprintf(stderr, "replay %s (%zu bytes)\n", path, len);
	(void)LLVMFuzzerTestOneInput(p, len);
	free(p);
	return (0);
}

/* replay_path - a file, or every regular file in a directory */
static int
replay_path(const char *path)
{
	struct stat st;
	struct dirent *de;
	DIR	*d;
	char	 sub[4096];
	int	 rc = 0;

	if (stat(path, &st) != 0) {
		perror(path);
		return (-1);
	}
	if (!S_ISDIR(st.st_mode))
		return (replay_file(path));
	if ((d = opendir(path)) == NULL) {
		perror(path);
		return (-1);
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name) >=
		    (int)sizeof(sub))
			continue;
		if (stat(sub, &st) == 0 && S_ISREG(st.st_mode) &&
		    replay_file(sub) != 0)
			rc = -1;
	}
	closedir(d);
	return (rc);
}

int
main(int argc, char **argv)
{
	int	 i, rc = 0;

	(void)LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++)
		if (replay_path(argv[i]) != 0)
			rc = 1;
	fuzz_fini();
	return (rc);
}
