/*
 * policy/glob.h -- the compiled path glob shared by policy.c and path.c
 * (private to policy/).
 *
 * Runs in: the broker (confined). Privilege: none.
 */
#ifndef AKSUP_POLICY_GLOB_H
#define AKSUP_POLICY_GLOB_H

#include <stdbool.h>

struct glob;

/* Compile a pattern (fs: normalized absolute path rules). 0 or -1. */
int glob_compile(const char *pattern, bool fs, struct glob **out);
bool glob_match(const struct glob *g, const char *path);
void glob_free(struct glob *g);
/* True when path is absolute and already normalized. */
bool path_is_canonical(const char *path);

#endif
