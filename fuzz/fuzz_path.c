/*
 * fuzz/fuzz_path.c -- libFuzzer harness for the path matcher: lexical
 * normalization and the segment-aware glob (policy/path.c).
 *
 * Runs in: the fuzzer process only. Privilege: none. Input: a pattern,
 * a newline, a path (no newline: the input is the path, matched against
 * fixed patterns). Invariants (abort on failure):
 *  - path_normalize's result is canonical and idempotent;
 *  - the glob agrees with a plain dynamic-programming matcher over
 *    segments (the reference);
 *  - a match never lies outside the pattern's static prefix (its leading
 *    literal segments), so a rule cannot reach past its root.
 */
#include <fnmatch.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/glob.h"
#include "policy/policy.h"

#define MAXSEG	64

static size_t
split(char *s, char **seg)
{
	size_t n = 0;

	if (strcmp(s, "/") == 0)
		return 0;
	s++;			/* absolute */
	for (;;) {
		if (n == MAXSEG)
			return MAXSEG + 1;
		seg[n++] = s;
		if ((s = strchr(s, '/')) == NULL)
			return n;
		*s++ = '\0';
	}
}

static bool
seg_eq(const char *p, const char *s)
{
	if (strcmp(p, "**") == 0)
		abort();	/* handled by the caller */
	if (strpbrk(p, "*?[\\") == NULL)
		return strcmp(p, s) == 0;
	if (strlen(s) >= POLICY_PATH_MAX)
		return false;
	return fnmatch(p, s, 0) == 0;
}

/* dp[i][j]: pattern segments i.. match path segments j.. */
static bool
reference(char **ps, size_t np, char **ss, size_t ns)
{
	static bool dp[MAXSEG + 2][MAXSEG + 2];
	size_t i, j;

	for (i = np + 1; i-- > 0;) {
		for (j = ns + 1; j-- > 0;) {
			if (i == np)
				dp[i][j] = j == ns;
			else if (strcmp(ps[i], "**") == 0)
				dp[i][j] = dp[i + 1][j] ||
				    (j < ns && dp[i][j + 1]);
			else
				dp[i][j] = j < ns && seg_eq(ps[i], ss[j]) &&
				    dp[i + 1][j + 1];
		}
	}
	return dp[0][0];
}

static void
check(const char *pat, const char *path)
{
	char pn[POLICY_PATH_MAX], sn[POLICY_PATH_MAX];
	char pc[POLICY_PATH_MAX], sc[POLICY_PATH_MAX];
	char *ps[MAXSEG + 1], *ss[MAXSEG + 1];
	struct glob *g;
	size_t np, ns, i, plen;
	bool got, want;

	if (path_normalize(pat, strlen(pat), pn, sizeof(pn)) != 0 ||
	    path_normalize(path, strlen(path), sn, sizeof(sn)) != 0)
		return;
	if (glob_compile(pn, true, &g) != 0)
		return;
	got = glob_match(g, sn);
	glob_free(g);
	if (got != path_glob_match(pn, sn))
		abort();
	memcpy(pc, pn, sizeof(pc));
	memcpy(sc, sn, sizeof(sc));
	np = split(pc, ps);
	ns = split(sc, ss);
	if (np > MAXSEG || ns > MAXSEG)
		return;
	want = reference(ps, np, ss, ns);
	if (got != want)
		abort();
	if (!got)
		return;
	/* the static prefix: leading literal segments of the pattern */
	plen = 0;
	for (i = 0; i < np && strpbrk(ps[i], "*?[\\") == NULL; i++)
		plen += 1 + strlen(ps[i]);
	if (plen > 0 && (strncmp(pn, sn, plen) != 0 ||
	    (sn[plen] != '\0' && sn[plen] != '/')))
		abort();
}

static void
normalize(const char *s, size_t len)
{
	char out[POLICY_PATH_MAX], again[POLICY_PATH_MAX];

	if (path_normalize(s, len, out, sizeof(out)) != 0)
		return;
	if (path_normalize(out, strlen(out), again, sizeof(again)) != 0 ||
	    strcmp(out, again) != 0)
		abort();
	if (strstr(out, "//") != NULL || strstr(out, "/./") != NULL ||
	    strstr(out, "/../") != NULL || (strlen(out) > 1 &&
	    out[strlen(out) - 1] == '/'))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const pats[] = { "/workspace/**", "/a/*/b",
	    "/a/**/b/**/c", "/**", "/x/[a-c]?/*.txt", "/w/**/.env" };
	char *s, *nl;
	size_t i;

	if (size > 3 * POLICY_PATH_MAX)
		return 0;
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	normalize((const char *)data, size);
	if ((nl = strchr(s, '\n')) != NULL) {
		*nl = '\0';
		normalize(nl + 1, strlen(nl + 1));
		check(s, nl + 1);
	} else {
		for (i = 0; i < sizeof(pats) / sizeof(pats[0]); i++)
			check(pats[i], s);
	}
	free(s);
	return 0;
}
