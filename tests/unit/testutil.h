/*
 * testutil.h - shared helpers for the cmocka unit tests
 *
 * RH_SRCDIR is the source tree; test data lives in tests/data/.
 */
#ifndef RH_TESTUTIL_H
#define RH_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <dirent.h>

/* tu_path - absolute path of a file under the source tree (static buffer) */
static inline const char *
tu_path(const char *rel)
{
	static char path[4096];

	int	 n;

	n = snprintf(path, sizeof(path), "%s/%s", RH_SRCDIR, rel);
	if (n < 0 || (size_t)n >= sizeof(path))
		fail_msg("path too long: %s", rel);
	return (path);
}

/* tu_read - whole file into a malloc'ed NUL-terminated buffer; fails the test if missing */
static inline char *
tu_read(const char *rel, size_t *lenp)
{
	FILE	*f;
	char	*p;
	long	 n;

	f = fopen(tu_path(rel), "rb");
	if (f == NULL)
		fail_msg("cannot open %s", tu_path(rel));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc((size_t)n + 1);
	assert_non_null(p);
	if (n > 0 && fread(p, 1, (size_t)n, f) != (size_t)n)
		fail_msg("short read %s", rel);
	p[n] = '\0';
	fclose(f);
	if (lenp)
		*lenp = (size_t)n;
	return (p);
}

/* tu_eml_list - sorted *.eml names under a data directory; returns the count */
static inline int
tu_eml_list(const char *dir, char names[][512], int max)
{
	DIR	*d;
	struct dirent *de;
	char	 tmp[512];
	int	 n = 0, i, j;
	size_t	 l;

	if ((d = opendir(tu_path(dir))) == NULL)
		fail_msg("cannot open %s", dir);
	while ((de = readdir(d)) != NULL && n < max) {
		l = strlen(de->d_name);
		if (l < 5 || l >= 200 || strcmp(de->d_name + l - 4, ".eml") != 0)
			continue;
		snprintf(names[n++], 512, "%.200s/%.200s", dir, de->d_name);
	}
	closedir(d);
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			memcpy(tmp, names[j], sizeof(tmp));
			memcpy(names[j], names[j - 1], sizeof(tmp));
			memcpy(names[j - 1], tmp, sizeof(tmp));
		}
	return (n);
}

#endif
