/*
 * test_layering.c - the include rule of ARCHITECTURE.md, on the tree
 *
 * common/ is the library the adapters link: no file in it includes a
 * header of cli/, milter/, exim-dlfunc/ or doctor/.  doctor/ sits on
 * common/ only.  And no header includes itself through others: the
 * include graph of every directory's headers has no cycle (two files
 * including each other is the shortest one).  Quoted includes are
 * resolved as the compiler does: the including file's directory first,
 * then common/ (-Icommon).
 */
#include "testutil.h"

#include <dirent.h>

#define LAY_MAX_FILES	256
#define LAY_MAX_INC	48

static const char *const lay_dirs[] = { "common", "doctor", "cli", "milter",
	"exim-dlfunc" };

struct lay_file {
	char	 path[128];		/* "common/rules.h" */
	int	 ninc;
	int	 inc[LAY_MAX_INC];	/* indexes of the headers it includes */
	char	 unresolved[LAY_MAX_INC][64];
	int	 nunres;
};

static struct lay_file lay[LAY_MAX_FILES];
static int nlay;

/* lay_find - index of a path in lay[], -1 */
static int
lay_find(const char *path)
{
	int	 i;

	for (i = 0; i < nlay; i++)
		if (strcmp(lay[i].path, path) == 0)
			return (i);
	return (-1);
}

/* lay_list - every .c and .h of the directories into lay[] */
static void
lay_list(void)
{
	struct dirent *de;
	DIR	*d;
	size_t	 i, n;

	nlay = 0;
	for (i = 0; i < sizeof(lay_dirs) / sizeof(lay_dirs[0]); i++) {
		if ((d = opendir(tu_path(lay_dirs[i]))) == NULL)
			fail_msg("cannot open %s", lay_dirs[i]);
		while ((de = readdir(d)) != NULL) {
			n = strlen(de->d_name);
			if (n < 3 || de->d_name[n - 2] != '.' ||
			    (de->d_name[n - 1] != 'c' && de->d_name[n - 1] != 'h'))
				continue;
			assert_true(nlay < LAY_MAX_FILES);
			if (strlen(lay_dirs[i]) + 1 + n >= sizeof(lay[0].path))
				fail_msg("path too long: %s/%s", lay_dirs[i],
				    de->d_name);
			memcpy(lay[nlay].path, lay_dirs[i], strlen(lay_dirs[i]));
			lay[nlay].path[strlen(lay_dirs[i])] = '/';
			memcpy(lay[nlay].path + strlen(lay_dirs[i]) + 1,
			    de->d_name, n + 1);
			lay[nlay].ninc = lay[nlay].nunres = 0;
			nlay++;
		}
		closedir(d);
	}
}

/* lay_scan - the quoted includes of each file, resolved */
static void
lay_scan(void)
{
	char	*text, *p, *q, name[64], dir[64], cand[128];
	size_t	 len;
	int	 i, j;

	for (i = 0; i < nlay; i++) {
		text = tu_read(lay[i].path, &len);
		snprintf(dir, sizeof(dir), "%.*s", (int)(strchr(lay[i].path,
		    '/') - lay[i].path), lay[i].path);
		for (p = text; (p = strstr(p, "#include \"")) != NULL; p = q) {
			p += 10;
			if ((q = strchr(p, '"')) == NULL || q - p >= 64)
				break;
			snprintf(name, sizeof(name), "%.*s", (int)(q - p), p);
			snprintf(cand, sizeof(cand), "%s/%s", dir, name);
			if ((j = lay_find(cand)) < 0) {
				snprintf(cand, sizeof(cand), "common/%s", name);
				j = lay_find(cand);
			}
			if (j >= 0 && lay[i].ninc < LAY_MAX_INC)
				lay[i].inc[lay[i].ninc++] = j;
			else if (j < 0 && lay[i].nunres < LAY_MAX_INC)
				snprintf(lay[i].unresolved[lay[i].nunres++], 64,
				    "%s", name);
		}
		free(text);
	}
}

/* common/ includes only common/ headers (and the generated builtin.h) */
static void
test_common_below_adapters(void **state)
{
	int	 i, k, bad = 0;

	(void)state;
	lay_list();
	lay_scan();
	for (i = 0; i < nlay; i++) {
		int	 in_common = strncmp(lay[i].path, "common/", 7) == 0;
		int	 in_doctor = strncmp(lay[i].path, "doctor/", 7) == 0;

		if (!in_common && !in_doctor)
			continue;
		for (k = 0; k < lay[i].ninc; k++) {
			const char *h = lay[lay[i].inc[k]].path;

			if (strncmp(h, "common/", 7) == 0 ||
			    (in_doctor && strncmp(h, "doctor/", 7) == 0))
				continue;
			print_error("%s includes %s\n", lay[i].path, h);
			bad++;
		}
		for (k = 0; k < lay[i].nunres; k++) {
			print_error("%s includes \"%s\", not in common/\n",
			    lay[i].path, lay[i].unresolved[k]);
			bad++;
		}
	}
	if (bad)
		fail_msg("got %d includes across the layers, want 0", bad);
	/* the check can fail: cli/cli.h is found, and it is not common's */
	assert_true(lay_find("cli/cli.h") >= 0);
	assert_true(lay_find("common/rules.h") >= 0);
}

/* no include cycle among all the headers (iterative depth-first search) */
static void
test_no_include_cycle(void **state)
{
	int	 color[LAY_MAX_FILES], stack[LAY_MAX_FILES], next[LAY_MAX_FILES];
	int	 i, n, top, cycles = 0;

	(void)state;
	lay_list();
	lay_scan();
	memset(color, 0, sizeof(color));
	for (i = 0; i < nlay; i++) {
		if (color[i] != 0)
			continue;
		top = 0;
		stack[top] = i;
		next[top] = 0;
		color[i] = 1;
		while (top >= 0) {
			int	 v = stack[top];

			if (next[top] >= lay[v].ninc) {
				color[v] = 2;	/* done */
				top--;
				continue;
			}
			n = lay[v].inc[next[top]++];
			if (color[n] == 1) {
				print_error("include cycle: %s -> %s\n",
				    lay[v].path, lay[n].path);
				cycles++;
			} else if (color[n] == 0) {
				color[n] = 1;
				stack[++top] = n;
				next[top] = 0;
			}
		}
	}
	if (cycles)
		fail_msg("got %d include cycles, want 0", cycles);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_common_below_adapters),
		cmocka_unit_test(test_no_include_cycle),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
