/*
 * tests/sandbox/filterdump.c -- aksup-filterdump: the seccomp filter of
 * a role as libseccomp's PFC text, built by the same code sandbox_enter
 * loads (common/sandbox.c), never loaded here.
 *
 * Runs in: the test suite, unconfined; it only builds a filter in memory.
 *
 *   aksup-filterdump ROLE            print ROLE's PFC on stdout
 *   aksup-filterdump ROLE GOLDEN     exit 0 if it equals GOLDEN, else 1
 *                                    with the first differing line
 *
 * ROLE: broker, worker-fs, client, logview, agent-external,
 * agent-builtin. The golden files are tests/sandbox/filter-ROLE.pfc
 * (x86_64, Debian 12's libseccomp): a changed allow-list of any role
 * shows in review. docs/SANDBOX.md says how to regenerate them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/sandbox.h"

static char *
slurp(FILE *f, size_t *len)
{
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	for (;;) {
		if (n + 4096 > cap) {
			char *nb = realloc(buf, cap = cap * 2 + 8192);

			if (nb == NULL) {
				free(buf);
				return NULL;
			}
			buf = nb;
		}
		if ((r = fread(buf + n, 1, cap - n - 1, f)) == 0)
			break;
		n += r;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* The first line where `a` and `b` differ, on stderr. */
static void
first_diff(const char *a, const char *b)
{
	size_t line = 1;
	const char *ea, *eb;

	for (;;) {
		ea = strchr(a, '\n');
		eb = strchr(b, '\n');
		if (ea == NULL || eb == NULL || ea - a != eb - b ||
		    memcmp(a, b, (size_t)(ea - a)) != 0)
			break;
		a = ea + 1, b = eb + 1, line++;
	}
	fprintf(stderr, "line %zu: built  \"%.*s\"\n", line,
	    (int)(ea ? ea - a : (long)strlen(a)), a);
	fprintf(stderr, "line %zu: golden \"%.*s\"\n", line,
	    (int)(eb ? eb - b : (long)strlen(b)), b);
}

int
main(int argc, char **argv)
{
	enum role role = argc >= 2 ? role_by_name(argv[1]) : ROLE_NONE;

	char *built = NULL, *golden = NULL;
	size_t nb, ng;
	FILE *tmp = NULL, *g = NULL;
	int rc = 2;

	if (argc < 2 || argc > 3 || role == ROLE_NONE ||
	    role == ROLE_SUPERVISOR) {
		fprintf(stderr, "usage: aksup-filterdump ROLE [GOLDEN] (ROLE: "
		    "a row of common/roles.h, e.g. broker, worker-fs)\n");
		return 2;
	}
	if (argc == 2) {
		if (sandbox_seccomp_export(role, 1) < 0) {
			fprintf(stderr, "aksup-filterdump: cannot build the filter\n");
			return 1;
		}
		return 0;
	}
	if ((tmp = tmpfile()) == NULL || (g = fopen(argv[2], "r")) == NULL) {
		perror(argv[2]);
		goto out;
	}
	fflush(tmp);
	if (sandbox_seccomp_export(role, fileno(tmp)) < 0) {
		fprintf(stderr, "aksup-filterdump: cannot build the filter\n");
		goto out;
	}
	rewind(tmp);
	if ((built = slurp(tmp, &nb)) == NULL || (golden = slurp(g, &ng)) == NULL)
		goto out;
	if (nb == ng && memcmp(built, golden, nb) == 0) {
		printf("%s's filter equals %s\n", argv[1], argv[2]);
		rc = 0;
	} else {
		fprintf(stderr, "%s's filter differs from %s (regenerate "
		    "it: docs/SANDBOX.md, \"Golden dump\")\n", argv[1], argv[2]);
		first_diff(built, golden);
		rc = 1;
	}
out:
	free(built);
	free(golden);
	if (tmp != NULL)
		fclose(tmp);
	if (g != NULL)
		fclose(g);
	return rc;
}
