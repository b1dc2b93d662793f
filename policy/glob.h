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

#include <stddef.h>

/* Compile a pattern (fs: normalized absolute path rules). 0, -1 (no
 * memory), -2 ("**" inside a segment), -3 (bad class or escape). */
int glob_compile(const char *pattern, bool fs, struct glob **out);
/* True when every "[" class in s[0..len) closes and no backslash is
 * last. */
bool glob_seg_valid(const char *s, size_t len);
bool glob_match(const struct glob *g, const char *path);
void glob_free(struct glob *g);
/* True when path is absolute and already normalized. */
bool path_is_canonical(const char *path);

#endif
