/*
 * snapshot/tree.c -- a tree snapshot's entries (snapshot/snap.h, struct
 * snap_tree): built by the fs worker before a proc.exec whose rule says
 * `snapshot: tree`, checked whole whenever one is read back, and
 * written in and read from its metadata line (snap.c's "roots" and
 * "tree" members).
 *
 * Runs in: aksup-worker-fs and aksup-log (confined). Privilege: none
 * needed. Pure: no I/O, no exit(); bounded by SNAP_TREE_MAX and
 * SNAP_ROOTS_MAX. Input: entries the fs worker made, or a store line
 * anyone with the store owner's rights may have edited: snap_tree_check
 * runs on every tree parsed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot/snap.h"
#include "snapshot/internal.h"

struct snap_tree *
snap_tree_new(void)
{
	return calloc(1, sizeof(struct snap_tree));
}

void
snap_tree_free(struct snap_tree *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nroots; i++)
		free(t->roots[i]);
	for (i = 0; i < t->n; i++) {
		free(t->e[i].path);
		free(t->e[i].target);
	}
	free(t->e);
	free(t);
}

int
snap_tree_root(struct snap_tree *t, const char *root)
{
	unsigned i;

	if (t == NULL || root == NULL || !snap_root_ok(root) ||
	    t->nroots == SNAP_ROOTS_MAX)
		return -1;
	for (i = 0; i < t->nroots; i++)
		if (strcmp(t->roots[i], root) == 0)
			return -1;
	if ((t->roots[t->nroots] = strdup(root)) == NULL)
		return -1;
	return (int)t->nroots++;
}

static int
target_ok(const char *s)
{
	size_t n = s == NULL ? 0 : strnlen(s, SNAP_PATH_MAX + 1);

	return n > 0 && n <= SNAP_PATH_MAX;
}

int
snap_tree_add(struct snap_tree *t, unsigned root, char type,
    const char *path, unsigned mode, uint64_t size, const char *blob,
    const char *target)
{
	struct snap_ent *e;

	if (t == NULL || root >= t->nroots || path == NULL ||
	    !snap_path_ok(path) || mode > 07777 || size > (uint64_t)INT64_MAX)
		return -1;
	switch (type) {
	case SNAP_ENT_FILE:
		if (blob == NULL || !snap_hex_ok(blob) || target != NULL)
			return -1;
		break;
	case SNAP_ENT_DIR:
		if (size != 0 || (blob != NULL && blob[0] != '\0') ||
		    target != NULL)
			return -1;
		break;
	case SNAP_ENT_LINK:
		if (mode != 0 || size != 0 || (blob != NULL &&
		    blob[0] != '\0') || !target_ok(target))
			return -1;
		break;
	default:
		return -1;
	}
	if (t->n == SNAP_TREE_MAX) {
		errno = E2BIG;
		return -1;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;

		if ((e = reallocarray(t->e, cap, sizeof(*e))) == NULL)
			return -1;
		t->e = e;
		t->cap = cap;
	}
	e = &t->e[t->n];
	memset(e, 0, sizeof(*e));
	e->root = root;
	e->type = type;
	e->mode = mode;
	e->size = size;
	if (type == SNAP_ENT_FILE)
		memcpy(e->blob, blob, SNAP_HEX_LEN + 1);
	if ((e->path = strdup(path)) == NULL ||
	    (target != NULL && (e->target = strdup(target)) == NULL)) {
		free(e->path);
		return -1;
	}
	t->n++;
	return 0;
}

static int
ent_cmp(unsigned ra, const char *pa, unsigned rb, const char *pb)
{
	if (ra != rb)
		return ra < rb ? -1 : 1;
	return strcmp(pa, pb);
}

static int
ent_qcmp(const void *a, const void *b)
{
	const struct snap_ent *x = a, *y = b;

	return ent_cmp(x->root, x->path, y->root, y->path);
}

void
snap_tree_sort(struct snap_tree *t)
{
	if (t != NULL && t->n > 1)
		qsort(t->e, t->n, sizeof(*t->e), ent_qcmp);
}

const struct snap_ent *
snap_tree_find(const struct snap_tree *t, unsigned root, const char *path)
{
	size_t lo = 0, hi;
	int c;

	if (t == NULL || path == NULL)
		return NULL;
	hi = t->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		c = ent_cmp(root, path, t->e[mid].root, t->e[mid].path);
		if (c == 0)
			return &t->e[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* e's parent: a directory entry of its root (or the root itself). */
static int
parent_ok(const struct snap_tree *t, const struct snap_ent *e)
{
	char parent[SNAP_PATH_MAX + 1];
	const struct snap_ent *p;
	const char *slash = strrchr(e->path, '/');

	if (slash == NULL)
		return 1;
	memcpy(parent, e->path, (size_t)(slash - e->path));
	parent[slash - e->path] = '\0';
	p = snap_tree_find(t, e->root, parent);
	return p != NULL && p->type == SNAP_ENT_DIR;
}

int
snap_tree_check(const struct snap_tree *t, char *why, size_t whylen)
{
	const struct snap_ent *e;
	unsigned i, k;
	size_t j;

	if (t == NULL || t->nroots == 0 || t->nroots > SNAP_ROOTS_MAX) {
		snap_fail(why, whylen, "roots: not 1 to %d", SNAP_ROOTS_MAX);
		return -1;
	}
	for (i = 0; i < t->nroots; i++) {
		if (t->roots[i] == NULL || !snap_root_ok(t->roots[i])) {
			snap_fail(why, whylen, "roots: not absolute normalized "
			    "paths");
			return -1;
		}
		for (k = 0; k < i; k++)
			if (strcmp(t->roots[k], t->roots[i]) == 0) {
				snap_fail(why, whylen, "roots: a root twice");
				return -1;
			}
	}
	if (t->n > SNAP_TREE_MAX) {
		snap_fail(why, whylen, "tree: more than %d entries", SNAP_TREE_MAX);
		return -1;
	}
	for (j = 0; j < t->n; j++) {
		e = &t->e[j];
		if (e->root >= t->nroots || e->path == NULL ||
		    !snap_path_ok(e->path)) {
			snap_fail(why, whylen, "tree: entry %zu: a bad root or path",
			    j);
			return -1;
		}
		if (j > 0 && ent_cmp(t->e[j - 1].root, t->e[j - 1].path,
		    e->root, e->path) >= 0) {
			snap_fail(why, whylen, "tree: entry %zu: not sorted, or "
			    "twice", j);
			return -1;
		}
		if ((e->type == SNAP_ENT_FILE && (!snap_hex_ok(e->blob) ||
		    e->target != NULL || e->mode > 07777 ||
		    e->size > (uint64_t)INT64_MAX)) ||
		    (e->type == SNAP_ENT_DIR && (e->size != 0 ||
		    e->blob[0] != '\0' || e->target != NULL ||
		    e->mode > 07777)) ||
		    (e->type == SNAP_ENT_LINK && (e->size != 0 ||
		    e->blob[0] != '\0' || e->mode != 0 ||
		    !target_ok(e->target))) ||
		    (e->type != SNAP_ENT_FILE && e->type != SNAP_ENT_DIR &&
		    e->type != SNAP_ENT_LINK)) {
			snap_fail(why, whylen, "tree: entry %zu: members not as "
			    "its type says", j);
			return -1;
		}
		if (!parent_ok(t, e)) {
			snap_fail(why, whylen, "tree: entry %zu: its parent is not "
			    "a directory entry", j);
			return -1;
		}
	}
	return 0;
}
