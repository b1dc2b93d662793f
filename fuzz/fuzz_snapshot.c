/*
 * fuzz/fuzz_snapshot.c -- libFuzzer harness for the snapshot store's
 * format (snapshot/snap.c): the metadata line's reader and writer, the
 * record id and path checks, the store's names.
 *
 * Runs in: the fuzzer process only, as the invoking user, unconfined.
 * Input: a metadata file's bytes (anyone's, as the fs worker will read
 * them from the store), copied to a buffer of exactly its size, so ASan
 * sees any over-read; the same bytes, up to their first NUL, also as a
 * record id and a path.
 *
 * Invariants (__builtin_trap() when violated): snap_meta_parse returns
 * 0 or -1; -1 comes with a reason and leaves the struct zeroed; what it
 * accepts keeps every rule (snap_meta_check), dumps (a line ending in
 * its only '\n', at most SNAP_META_MAX bytes) and parses back to the
 * same struct, and dumps again to the same bytes; its created
 * directories are path's ancestors, each deeper than the one before;
 * its record id and blob give store names (snap_tmp_name of them too)
 * that hold no ".." and no '/' but the layout's. A tree snapshot
 * (snapshot/tree.c: "roots" and "tree") is exactly a proc.exec, root "/",
 * nothing existed; its tree keeps snap_tree_check's rules, each entry is
 * found where it is (snap_tree_find), its parent a directory entry, each
 * file entry's blob a store name; the round trip gives the same roots
 * and entries. Every tree parsed is freed (snap_meta_free), so a leak is
 * LeakSanitizer's finding. An id snap_id_ok
 * accepts is 36 bytes of [0-9a-f-]; a path snap_path_ok accepts has no
 * "." or ".." component, no empty one, no control byte.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "snapshot/snap.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	json_object_seed(1);
	return 0;
}

static int
all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

static int
count(const char *s, char c)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == c;
	return n;
}

/* A blob's names are ones the layout allows. */
static void
blob_names(const char *hex)
{
	char name[256], tmp[256];

	CHECK(snap_blob_name(hex, name, sizeof name) == 0);
	CHECK(strncmp(name, "blobs/", 6) == 0 && count(name, '/') == 2 &&
	    strstr(name, "..") == NULL);
	CHECK(snap_tmp_name(name, 42, tmp, sizeof tmp) == 0);
	CHECK(strncmp(tmp, "tmp/", 4) == 0 && count(tmp, '/') == 1);
}

/* Every name is one the layout allows. */
static void
names(const struct snap_meta *m)
{
	char name[256], tmp[256];

	CHECK(snap_meta_name(m->record_id, name, sizeof name) == 0);
	CHECK(strncmp(name, "meta/", 5) == 0 && count(name, '/') == 1 &&
	    strstr(name, "..") == NULL);
	CHECK(snap_tmp_name(name, 42, tmp, sizeof tmp) == 0);
	CHECK(strncmp(tmp, "tmp/", 4) == 0 && count(tmp, '/') == 1 &&
	    strstr(tmp, "..") == NULL);
	if (m->existed && !m->dir)
		blob_names(m->blob);
	else
		CHECK(snap_blob_name(m->blob, name, sizeof name) == -1);
}

/* A tree snapshot keeps the rules of one, entry by entry. */
static void
tree_rules(const struct snap_meta *m)
{
	const struct snap_tree *t = m->tree;
	const struct snap_ent *e;
	char why[128], parent[SNAP_PATH_MAX + 1];
	const char *slash;
	size_t j;

	CHECK((t != NULL) == (strcmp(m->action, "proc.exec") == 0));
	if (t == NULL)
		return;
	CHECK(strcmp(m->root, "/") == 0 && !m->existed && !m->dir &&
	    m->after[0] == '\0' && m->ncreated == 0 && !m->has_inline);
	CHECK(snap_tree_check(t, why, sizeof why) == 0);
	CHECK(t->nroots >= 1 && t->nroots <= SNAP_ROOTS_MAX);
	CHECK(t->n <= SNAP_TREE_MAX && t->n <= t->cap);
	for (j = 0; j < t->nroots; j++)
		CHECK(snap_root_ok(t->roots[j]));
	for (j = 0; j < t->n; j++) {
		e = &t->e[j];
		CHECK(e->root < t->nroots && snap_path_ok(e->path));
		CHECK(snap_tree_find(t, e->root, e->path) == e);
		if (j > 0)
			CHECK(t->e[j - 1].root < e->root ||
			    (t->e[j - 1].root == e->root &&
			    strcmp(t->e[j - 1].path, e->path) < 0));
		if ((slash = strrchr(e->path, '/')) != NULL) {
			const struct snap_ent *p;

			memcpy(parent, e->path, (size_t)(slash - e->path));
			parent[slash - e->path] = '\0';
			p = snap_tree_find(t, e->root, parent);
			CHECK(p != NULL && p->type == SNAP_ENT_DIR && p < e);
		}
		switch (e->type) {
		case SNAP_ENT_FILE:
			CHECK(e->mode <= 07777 && e->target == NULL &&
			    e->size <= (uint64_t)INT64_MAX);
			blob_names(e->blob);
			break;
		case SNAP_ENT_DIR:
			CHECK(e->mode <= 07777 && e->size == 0 &&
			    e->blob[0] == '\0' && e->target == NULL);
			break;
		case SNAP_ENT_LINK:
			CHECK(e->mode == 0 && e->size == 0 &&
			    e->blob[0] == '\0' && e->target != NULL &&
			    e->target[0] != '\0');
			break;
		default:
			CHECK(0);
		}
	}
}

/* Two trees hold the same roots and entries (both NULL: the same). */
static void
same_tree(const struct snap_tree *a, const struct snap_tree *b)
{
	const struct snap_ent *x, *y;
	size_t i;

	CHECK((a == NULL) == (b == NULL));
	if (a == NULL)
		return;
	CHECK(a != b);
	CHECK(a->nroots == b->nroots && a->n == b->n);
	for (i = 0; i < a->nroots; i++)
		CHECK(a->roots[i] != b->roots[i] &&
		    strcmp(a->roots[i], b->roots[i]) == 0);
	for (i = 0; i < a->n; i++) {
		x = &a->e[i];
		y = &b->e[i];
		CHECK(x->root == y->root && x->type == y->type &&
		    x->mode == y->mode && x->size == y->size &&
		    memcmp(x->blob, y->blob, sizeof x->blob) == 0);
		CHECK(x->path != y->path && strcmp(x->path, y->path) == 0);
		CHECK((x->target == NULL) == (y->target == NULL));
		if (x->target != NULL)
			CHECK(strcmp(x->target, y->target) == 0);
	}
}

/* a and b equal, member by member: every byte but the tree pointer (the
 * struct is zeroed first by the reader, padding too), and the trees'
 * contents. */
static void
same(const struct snap_meta *a, const struct snap_meta *b)
{
	const size_t at = offsetof(struct snap_meta, tree);
	const size_t after = at + sizeof a->tree;

	CHECK(memcmp(a, b, at) == 0);
	CHECK(memcmp((const char *)a + after, (const char *)b + after,
	    sizeof *a - after) == 0);
	same_tree(a->tree, b->tree);
}

static void
accepted(const struct snap_meta *m, struct snap_meta *back)
{
	char why[128], dir[SNAP_PATH_MAX + 1], *line, *again;
	size_t len, len2, prev = 0;
	unsigned i;

	CHECK(snap_meta_check(m, why, sizeof why) == 0);
	CHECK(snap_id_ok(m->record_id) && snap_id_ok(m->session));
	CHECK(snap_path_ok(m->path));
	for (i = 0; i < m->ncreated; i++) {
		size_t n;

		CHECK(snap_created_dir(m, i, dir, sizeof dir) == 0);
		n = strlen(dir);
		CHECK(n > prev && n < strlen(m->path) &&
		    strncmp(dir, m->path, n) == 0 && m->path[n] == '/');
		prev = n;
	}
	CHECK(snap_created_dir(m, m->ncreated, dir, sizeof dir) == -1);
	names(m);
	tree_rules(m);

	line = snap_meta_dump(m, &len);
	CHECK(line != NULL);
	CHECK(len > 0 && len <= SNAP_META_MAX && len == strlen(line));
	CHECK(line[len - 1] == '\n' && strchr(line, '\n') == line + len - 1);
	CHECK(snap_meta_parse(line, len, back, why, sizeof why) == 0);
	same(m, back);
	again = snap_meta_dump(back, &len2);
	CHECK(again != NULL && len2 == len && memcmp(line, again, len) == 0);
	snap_meta_free(back);
	CHECK(back->tree == NULL);
	free(again);
	free(line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* (static: two structs of over 64 KiB each off the stack) */
	static struct snap_meta m, back;
	char why[128], *buf, *s;
	size_t i, n;
	int rc;

	if (size > SNAP_META_MAX + 16)
		return 0;
	buf = malloc(size ? size : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	why[0] = '\0';
	rc = snap_meta_parse(buf, size, &m, why, sizeof why);
	CHECK(rc == 0 || rc == -1);
	if (rc == 0) {
		accepted(&m, &back);
		snap_meta_free(&m);
		CHECK(m.tree == NULL);
	} else
		CHECK(why[0] != '\0' && all_zero(&m, sizeof m));
	free(buf);

	/* the same bytes as a C string: an id, a path */
	n = strnlen((const char *)data, size);
	s = malloc(n + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, n);
	s[n] = '\0';
	if (snap_id_ok(s)) {
		CHECK(n == 36);
		for (i = 0; i < n; i++)
			CHECK((s[i] >= '0' && s[i] <= '9') ||
			    (s[i] >= 'a' && s[i] <= 'f') || s[i] == '-');
	}
	if (snap_path_ok(s)) {
		CHECK(n > 0 && n <= SNAP_PATH_MAX && s[0] != '/' &&
		    s[n - 1] != '/' && strstr(s, "//") == NULL);
		CHECK(strcmp(s, ".") != 0 && strcmp(s, "..") != 0 &&
		    strncmp(s, "./", 2) != 0 && strncmp(s, "../", 3) != 0 &&
		    strstr(s, "/./") == NULL && strstr(s, "/../") == NULL);
		CHECK(!(n >= 2 && strcmp(s + n - 2, "/.") == 0) &&
		    !(n >= 3 && strcmp(s + n - 3, "/..") == 0));
		for (i = 0; i < n; i++)
			CHECK((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
	}
	free(s);
	return 0;
}
