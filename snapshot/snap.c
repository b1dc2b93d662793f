/*
 * snapshot/snap.c -- the snapshot store's format (snapshot/snap.h):
 * record ids, the metadata line checked whole (JSON, every member's
 * type and range, the members against each other) before anything of it
 * is kept, the line made by the same rules, and the store's file names.
 * Pure: no I/O, no exit(), no global state; bounded by SNAP_META_MAX.
 * Unit-tested (tests/unit/test_snapshot.c) and fuzzed
 * (fuzz/fuzz_snapshot.c).
 *
 * Runs in: aksup-worker-fs (confined), once wired in (issue 18).
 * Privilege: none needed. Input: the store's files (written by the fs
 * worker; torn by a crash or edited by anyone with the store owner's
 * rights).
 */
#include <jansson.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/b64.h"
#include "snapshot/snap.h"
#include "snapshot/internal.h"

#define WHY_KEY_MAX	32	/* bytes of an unknown key in a reason */

void
snap_fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || whylen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

static int
lhex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* 1 when the array s (size bytes) holds a NUL: a C string within it. */
static int
terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

int
snap_id_ok(const char *s)
{
	size_t i;

	if (s == NULL || strnlen(s, SNAP_ID_LEN + 1) != SNAP_ID_LEN)
		return 0;
	for (i = 0; i < SNAP_ID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!lhex(s[i]))
			return 0;
	}
	if (s[14] < '1' || s[14] > '8')		/* version */
		return 0;
	if (s[19] != '8' && s[19] != '9' && s[19] != 'a' && s[19] != 'b')
		return 0;			/* RFC 4122 variant */
	return 1;
}

int
snap_hex_ok(const char *s)
{
	size_t i;

	if (s == NULL || strnlen(s, SNAP_HEX_LEN + 1) != SNAP_HEX_LEN)
		return 0;
	for (i = 0; i < SNAP_HEX_LEN; i++)
		if (!lhex(s[i]))
			return 0;
	return 1;
}

int
snap_path_ok(const char *p)
{
	size_t i, len, start = 0;

	if (p == NULL)
		return 0;
	len = strnlen(p, SNAP_PATH_MAX + 1);
	if (len == 0 || len > SNAP_PATH_MAX)
		return 0;
	for (i = 0; i <= len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (i < len && c != '/') {
			if (c < 0x20 || c == 0x7f)
				return 0;
			continue;
		}
		/* a component p[start..i) ends */
		if (i == start)
			return 0;	/* leading, trailing or "//" */
		if (p[start] == '.' && (i - start == 1 ||
		    (i - start == 2 && p[start + 1] == '.')))
			return 0;	/* "." or ".." */
		start = i + 1;
	}
	return 1;
}

int
snap_root_ok(const char *r)
{
	if (r == NULL || r[0] != '/')
		return 0;
	if (r[1] == '\0')
		return 1;
	return strnlen(r, SNAP_PATH_MAX + 1) <= SNAP_PATH_MAX &&
	    snap_path_ok(r + 1);
}

/* Components of a path (its '/' + 1). */
static size_t
components(const char *p)
{
	size_t c = 1;

	for (; *p != '\0'; p++)
		c += *p == '/';
	return c;
}

int
snap_created_dir(const struct snap_meta *m, unsigned i, char *out, size_t n)
{
	size_t c, d, j, k = 0;

	if (m == NULL || out == NULL || !terminated(m->path, sizeof m->path))
		return -1;
	c = components(m->path);
	if (m->ncreated > SNAP_DIRS_MAX || m->ncreated > c - 1 ||
	    i >= m->ncreated)
		return -1;
	d = c - m->ncreated + i;	/* its depth: 1 .. c - 1 */
	for (j = 0; m->path[j] != '\0'; j++)
		if (m->path[j] == '/' && ++k == d)
			break;
	if (j >= n)
		return -1;
	memcpy(out, m->path, j);
	out[j] = '\0';
	return 0;
}

int
snap_meta_check(const struct snap_meta *m, char *why, size_t whylen)
{
	int write, tree;

	if (m == NULL) {
		snap_fail(why, whylen, "no metadata");
		return -1;
	}
	if (m->v != SNAP_VERSION) {
		snap_fail(why, whylen, "v: not %d", SNAP_VERSION);
		return -1;
	}
	if (!terminated(m->record_id, sizeof m->record_id) ||
	    !snap_id_ok(m->record_id)) {
		snap_fail(why, whylen, "record_id: not a lower-case UUID");
		return -1;
	}
	if (!terminated(m->session, sizeof m->session) ||
	    !snap_id_ok(m->session)) {
		snap_fail(why, whylen, "session: not a lower-case UUID");
		return -1;
	}
	if (!terminated(m->action, sizeof m->action) ||
	    (strcmp(m->action, "fs.write") != 0 &&
	    strcmp(m->action, "fs.delete") != 0 &&
	    strcmp(m->action, "proc.exec") != 0)) {
		snap_fail(why, whylen, "action: not fs.write, fs.delete or "
		    "proc.exec");
		return -1;
	}
	write = strcmp(m->action, "fs.write") == 0;
	tree = strcmp(m->action, "proc.exec") == 0;
	if (tree ? (snap_tree_check(m->tree, why, whylen) != 0 ||
	    strcmp(m->root, "/") != 0 || m->existed) : m->tree != NULL) {
		if (!tree)
			snap_fail(why, whylen, "roots, tree: only for proc.exec");
		else if (m->tree != NULL && snap_tree_check(m->tree, NULL,
		    0) == 0)
			snap_fail(why, whylen, "root, existed: not \"/\" and false "
			    "for proc.exec");
		return -1;
	}
	if (m->seq < 1 || m->seq > (uint64_t)SNAP_SEQ_MAX) {
		snap_fail(why, whylen, "seq: out of range");
		return -1;
	}
	if (!terminated(m->root, sizeof m->root) || !snap_root_ok(m->root)) {
		snap_fail(why, whylen, "root: not an absolute normalized path");
		return -1;
	}
	if (!terminated(m->path, sizeof m->path) || !snap_path_ok(m->path)) {
		snap_fail(why, whylen, "path: not a normalized relative path");
		return -1;
	}
	if (m->existed != 0 && m->existed != 1) {
		snap_fail(why, whylen, "existed: not 0 or 1");
		return -1;
	}
	if (!write && !tree && !m->existed) {
		snap_fail(why, whylen, "existed: false for fs.delete");
		return -1;
	}
	if (!terminated(m->blob, sizeof m->blob)) {
		snap_fail(why, whylen, "blob: not 64 lower-case hex digits");
		return -1;
	}
	if (m->dir != 0 && (m->dir != 1 || !m->existed || write)) {
		snap_fail(why, whylen, "dir: true but not an fs.delete of what "
		    "existed");
		return -1;
	}
	if (m->has_inline != 0 && (m->has_inline != 1 || !m->existed ||
	    m->dir || m->size > SNAP_INLINE_MAX)) {
		snap_fail(why, whylen, "inline: only for a file that existed, of at "
		    "most %d bytes", SNAP_INLINE_MAX);
		return -1;
	}
	if (m->dir && (m->size != 0 || m->blob[0] != '\0')) {
		snap_fail(why, whylen, "dir: true but size or blob set");
		return -1;
	}
	if (m->existed) {
		if (m->mode > 07777) {
			snap_fail(why, whylen, "mode: above 07777");
			return -1;
		}
		if (m->size > (uint64_t)INT64_MAX) {
			snap_fail(why, whylen, "size: above INT64_MAX");
			return -1;
		}
		if (!m->dir && !snap_hex_ok(m->blob)) {
			snap_fail(why, whylen, "blob: not 64 lower-case hex digits");
			return -1;
		}
	} else {
		if (m->mode != 0) {
			snap_fail(why, whylen, "mode: set but existed is false");
			return -1;
		}
		if (m->size != 0) {
			snap_fail(why, whylen, "size: set but existed is false");
			return -1;
		}
		if (m->blob[0] != '\0') {
			snap_fail(why, whylen, "blob: set but existed is false");
			return -1;
		}
	}
	if (!terminated(m->after, sizeof m->after) ||
	    (write ? !snap_hex_ok(m->after) : m->after[0] != '\0')) {
		snap_fail(why, whylen, write ?
		    "after: not 64 lower-case hex digits" :
		    "after: not empty for fs.delete or proc.exec");
		return -1;
	}
	if (m->ncreated > 0 && (!write || m->existed)) {
		snap_fail(why, whylen,
		    "created: not empty but the file existed");
		return -1;
	}
	if (m->ncreated > SNAP_DIRS_MAX) {
		snap_fail(why, whylen, "created: more than %d", SNAP_DIRS_MAX);
		return -1;
	}
	if (m->ncreated > components(m->path) - 1) {
		snap_fail(why, whylen, "created: more than path's ancestors");
		return -1;
	}
	if (m->at < 0 || m->at > SNAP_TIME_MAX) {
		snap_fail(why, whylen, "at: out of range");
		return -1;
	}
	if (m->expires < m->at || m->expires > SNAP_TIME_MAX) {
		snap_fail(why, whylen, "expires: before at or out of range");
		return -1;
	}
	return 0;
}

/*
 * text (a dumped object, "{...}") with the inline bytes as its last
 * member, then a newline: malloc'd, its length into *len; NULL when over
 * SNAP_META_MAX. Written here, not by jansson: base64 is only
 * [A-Za-z0-9+/=], which JSON never escapes, and having jansson check and
 * escape kilobytes of it was half of a small snapshot's cost.
 */
static char *
with_inline(const char *text, const struct snap_meta *m, size_t *len)
{
	static const char key[] = "\"inline\":\"";
	size_t n = strlen(text), b = 0, total;
	char *line, *p;

	if (m->has_inline)
		b = 4 * ((m->size + 2) / 3);
	if (n < 2 || text[n - 1] != '}')
		return NULL;
	/* text without its "}", a "," (if it has members), the key, the
	 * bytes, "\"}"; then "\n" (and a NUL, not counted) */
	total = n + (m->has_inline ? (n > 2) - 1 + sizeof(key) - 1 + b + 2 :
	    0) + 1;
	if (total > SNAP_META_MAX ||
	    (line = malloc(total + 1)) == NULL)
		return NULL;
	memcpy(line, text, n);
	p = line + n;
	if (m->has_inline) {
		p--;	/* over the "}" */
		if (n > 2)
			*p++ = ',';
		memcpy(p, key, sizeof(key) - 1);
		p += sizeof(key) - 1;
		p += EVP_EncodeBlock((unsigned char *)p, m->inl, (int)m->size);
		*p++ = '"';
		*p++ = '}';
	}
	*p++ = '\n';
	*p = '\0';
	if (len != NULL)
		*len = (size_t)(p - line);
	return line;
}

/* A tree's "roots" and "tree" members (NULL: out of memory, or a
 * string that is not UTF-8, which json_set_new then refuses). */
static json_t *
roots_json(const struct snap_tree *t)
{
	json_t *a = json_array();
	unsigned i;

	for (i = 0; a != NULL && i < t->nroots; i++)
		if (json_array_append_new(a, json_string(t->roots[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *
tree_json(const struct snap_tree *t)
{
	const struct snap_ent *e;
	json_t *a = json_array(), *x;
	size_t i;

	for (i = 0; a != NULL && i < t->n; i++) {
		e = &t->e[i];
		if (e->type == SNAP_ENT_FILE)
			x = json_pack("[s,i,s,i,I,s]", "f", (int)e->root,
			    e->path, (int)e->mode, (json_int_t)e->size,
			    e->blob);
		else if (e->type == SNAP_ENT_DIR)
			x = json_pack("[s,i,s,i]", "d", (int)e->root, e->path,
			    (int)e->mode);
		else
			x = json_pack("[s,i,s,s]", "l", (int)e->root, e->path,
			    e->target);
		if (json_array_append_new(a, x) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

void
snap_meta_free(struct snap_meta *m)
{
	if (m == NULL)
		return;
	snap_tree_free(m->tree);
	m->tree = NULL;
}

char *
snap_meta_dump(const struct snap_meta *m, size_t *len)
{
	json_t *o, *created;
	char dir[SNAP_PATH_MAX + 1], *text, *line;
	unsigned i;

	if (snap_meta_check(m, NULL, 0) != 0)
		return NULL;
	if ((created = json_array()) == NULL)
		return NULL;
	for (i = 0; i < m->ncreated; i++)
		if (snap_created_dir(m, i, dir, sizeof dir) != 0 ||
		    json_array_append_new(created, json_string(dir)) != 0) {
			json_decref(created);
			return NULL;
		}
	/* json_pack fails (NULL) on a string that is not UTF-8 */
	o = json_pack("{s:i,s:s,s:s,s:s,s:I,s:s,s:s,s:b,s:s,s:o,s:I,s:I}",
	    "v", m->v, "record_id", m->record_id, "session", m->session,
	    "action", m->action, "seq", (json_int_t)m->seq, "root", m->root,
	    "path", m->path, "existed", m->existed, "after", m->after,
	    "created", created, "at", (json_int_t)m->at,
	    "expires", (json_int_t)m->expires);
	if (o == NULL)
		return NULL;
	if (m->existed && (json_object_set_new(o, "mode",
	    json_integer((json_int_t)m->mode)) != 0 ||
	    json_object_set_new(o, "dir", json_boolean(m->dir)) != 0)) {
		json_decref(o);
		return NULL;
	}
	if (m->existed && !m->dir && (json_object_set_new(o, "size",
	    json_integer((json_int_t)m->size)) != 0 ||
	    json_object_set_new(o, "blob", json_string(m->blob)) != 0)) {
		json_decref(o);
		return NULL;
	}
	if (m->tree != NULL && json_object_set_new(o, "tree",
	    tree_json(m->tree)) != 0) {
		json_decref(o);
		return NULL;
	}
	if (m->tree != NULL && json_object_set_new(o, "roots",
	    roots_json(m->tree)) != 0) {
		json_decref(o);
		return NULL;
	}
	text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (text == NULL)
		return NULL;
	line = with_inline(text, m, len);
	free(text);
	return line;
}

/* ---- the reader ---- */

static const char *const known[] = {
	"v", "record_id", "session", "action", "seq", "root", "path",
	"existed", "dir", "inline",
	"mode", "size", "blob", "after", "created", "at", "expires",
	"roots", "tree",
};

/* One "tree" entry (an array, as tree_json writes it) into t. */
static int
get_ent(struct snap_tree *t, json_t *x, size_t j, char *why, size_t whylen)
{
	const char *type = json_string_value(json_array_get(x, 0));
	json_t *r = json_array_get(x, 1), *p = json_array_get(x, 2);
	json_t *a3 = json_array_get(x, 3), *a4 = json_array_get(x, 4);
	json_t *a5 = json_array_get(x, 5);
	size_t want;

	if (!json_is_array(x) || type == NULL || strlen(type) != 1 ||
	    json_string_length(json_array_get(x, 0)) != 1) {
		snap_fail(why, whylen, "tree: entry %zu: not [TYPE, ...]", j);
		return -1;
	}
	want = type[0] == 'f' ? 6 : 4;
	if (json_array_size(x) != want || !json_is_integer(r) ||
	    json_integer_value(r) < 0 ||
	    json_integer_value(r) >= SNAP_ROOTS_MAX || !json_is_string(p) ||
	    strlen(json_string_value(p)) != json_string_length(p)) {
		snap_fail(why, whylen, "tree: entry %zu: not [TYPE, ROOT, PATH, "
		    "...]", j);
		return -1;
	}
	if (type[0] == 'l' ? !json_is_string(a3) ||
	    strlen(json_string_value(a3)) != json_string_length(a3) :
	    !json_is_integer(a3) || json_integer_value(a3) < 0 ||
	    json_integer_value(a3) > 07777 ||
	    (type[0] == 'f' && (!json_is_integer(a4) ||
	    json_integer_value(a4) < 0 || !json_is_string(a5)))) {
		snap_fail(why, whylen, "tree: entry %zu: members not as its type "
		    "says", j);
		return -1;
	}
	errno = 0;
	if (snap_tree_add(t, (unsigned)json_integer_value(r), type[0],
	    json_string_value(p), type[0] == 'l' ? 0 :
	    (unsigned)json_integer_value(a3), type[0] == 'f' ?
	    (uint64_t)json_integer_value(a4) : 0, type[0] == 'f' ?
	    json_string_value(a5) : NULL, type[0] == 'l' ?
	    json_string_value(a3) : NULL) != 0) {
		snap_fail(why, whylen, "tree: entry %zu: %s", j, errno == E2BIG ?
		    "too many entries" : "a bad member");
		return -1;
	}
	return 0;
}

/* "roots" and "tree", both or neither, into m->tree. */
static int
get_tree(json_t *o, struct snap_meta *m, char *why, size_t whylen)
{
	json_t *roots = json_object_get(o, "roots");
	json_t *tree = json_object_get(o, "tree");
	size_t j;

	if (roots == NULL && tree == NULL)
		return 0;
	if (!json_is_array(roots) || !json_is_array(tree) ||
	    json_array_size(roots) == 0 ||
	    json_array_size(roots) > SNAP_ROOTS_MAX ||
	    json_array_size(tree) > SNAP_TREE_MAX) {
		snap_fail(why, whylen, "roots, tree: not both arrays in bounds");
		return -1;
	}
	if ((m->tree = snap_tree_new()) == NULL) {
		snap_fail(why, whylen, "out of memory");
		return -1;
	}
	for (j = 0; j < json_array_size(roots); j++) {
		json_t *r = json_array_get(roots, j);

		if (!json_is_string(r) || strlen(json_string_value(r)) !=
		    json_string_length(r) ||
		    snap_tree_root(m->tree, json_string_value(r)) < 0) {
			snap_fail(why, whylen, "roots: not distinct absolute "
			    "normalized paths");
			return -1;
		}
	}
	for (j = 0; j < json_array_size(tree); j++)
		if (get_ent(m->tree, json_array_get(tree, j), j, why,
		    whylen) != 0)
			return -1;
	return 0;
}

/* String member key of o into out (size bytes): 0 or -1 with why. */
static int
get_str(json_t *o, const char *key, char *out, size_t size, char *why,
    size_t whylen)
{
	json_t *v = json_object_get(o, key);
	size_t n;

	if (v == NULL) {
		snap_fail(why, whylen, "%s: missing", key);
		return -1;
	}
	if (!json_is_string(v)) {
		snap_fail(why, whylen, "%s: not a string", key);
		return -1;
	}
	n = json_string_length(v);
	if (n >= size || strlen(json_string_value(v)) != n) {
		snap_fail(why, whylen, "%s: too long or holds a NUL", key);
		return -1;
	}
	memcpy(out, json_string_value(v), n + 1);
	return 0;
}

/* Integer member key of o in [lo, hi]: 0 or -1 with why. */
static int
get_int(json_t *o, const char *key, json_int_t lo, json_int_t hi,
    json_int_t *out, char *why, size_t whylen)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL) {
		snap_fail(why, whylen, "%s: missing", key);
		return -1;
	}
	if (!json_is_integer(v)) {
		snap_fail(why, whylen, "%s: not an integer", key);
		return -1;
	}
	*out = json_integer_value(v);
	if (*out < lo || *out > hi) {
		snap_fail(why, whylen, "%s: out of range", key);
		return -1;
	}
	return 0;
}

/* "inline": base64 (strict, common/b64.c) of exactly size bytes. */
static int
get_inline(json_t *v, struct snap_meta *m, char *why, size_t whylen)
{
	size_t n, len;

	if (!json_is_string(v)) {
		snap_fail(why, whylen, "inline: not a string");
		return -1;
	}
	n = json_string_length(v);
	if (n > 4 * ((SNAP_INLINE_MAX + 2) / 3) || m->size > SNAP_INLINE_MAX ||
	    b64_decode(json_string_value(v), n, m->inl, &len) != 0 ||
	    len != m->size) {
		snap_fail(why, whylen, "inline: not base64 of exactly size bytes "
		    "(at most %d)", SNAP_INLINE_MAX);
		return -1;
	}
	m->has_inline = 1;
	return 0;
}

static int
parse_obj(json_t *o, struct snap_meta *m, char *why, size_t whylen)
{
	char dir[SNAP_PATH_MAX + 1];
	const char *key;
	json_t *v, *created;
	json_int_t x;
	size_t i, k;

	json_object_foreach(o, key, v) {
		for (k = 0; k < sizeof known / sizeof known[0]; k++)
			if (strcmp(key, known[k]) == 0)
				break;
		if (k == sizeof known / sizeof known[0]) {
			char shown[WHY_KEY_MAX + 1];

			for (i = 0; i < WHY_KEY_MAX && key[i] != '\0'; i++)
				shown[i] = key[i] > 0x20 && key[i] < 0x7f &&
				    key[i] != '"' ? key[i] : '?';
			shown[i] = '\0';
			snap_fail(why, whylen, "unknown key \"%s\"", shown);
			return -1;
		}
	}
	if (get_int(o, "v", SNAP_VERSION, SNAP_VERSION, &x, why, whylen))
		return -1;
	m->v = (int)x;
	if (get_str(o, "record_id", m->record_id, sizeof m->record_id, why,
	    whylen) != 0 || get_str(o, "session", m->session,
	    sizeof m->session, why, whylen) != 0 || get_str(o, "action",
	    m->action, sizeof m->action, why, whylen) != 0)
		return -1;
	if (get_int(o, "seq", 1, SNAP_SEQ_MAX, &x, why, whylen) != 0)
		return -1;
	m->seq = (uint64_t)x;
	if (get_str(o, "root", m->root, sizeof m->root, why, whylen) != 0)
		return -1;
	if (get_str(o, "path", m->path, sizeof m->path, why, whylen) != 0)
		return -1;
	v = json_object_get(o, "existed");
	if (v == NULL || !json_is_boolean(v)) {
		snap_fail(why, whylen, v == NULL ? "existed: missing" :
		    "existed: not true or false");
		return -1;
	}
	m->existed = json_is_true(v);
	if (m->existed) {
		if (get_int(o, "mode", 0, 07777, &x, why, whylen) != 0)
			return -1;
		m->mode = (unsigned)x;
		v = json_object_get(o, "dir");
		if (v == NULL || !json_is_boolean(v)) {
			snap_fail(why, whylen, v == NULL ? "dir: missing" :
			    "dir: not true or false");
			return -1;
		}
		m->dir = json_is_true(v);
	}
	if (m->existed && !m->dir) {
		if (get_int(o, "size", 0, INT64_MAX, &x, why, whylen) != 0)
			return -1;
		m->size = (uint64_t)x;
		if (get_str(o, "blob", m->blob, sizeof m->blob, why,
		    whylen) != 0)
			return -1;
		if ((v = json_object_get(o, "inline")) != NULL &&
		    get_inline(v, m, why, whylen) != 0)
			return -1;
	} else {
		static const char *const gone[] = { "mode", "dir", "size",
		    "blob", "inline" };
		const char *const *only = m->existed ? gone + 2 : gone;

		for (k = 0; k < (m->existed ? 3u : 5u); k++)
			if (json_object_get(o, only[k]) != NULL) {
				snap_fail(why, whylen, m->existed ?
				    "%s: present but dir is true" :
				    "%s: present but existed is false",
				    only[k]);
				return -1;
			}
	}
	if (get_str(o, "after", m->after, sizeof m->after, why, whylen) != 0)
		return -1;
	created = json_object_get(o, "created");
	if (created == NULL || !json_is_array(created)) {
		snap_fail(why, whylen, created == NULL ? "created: missing" :
		    "created: not an array");
		return -1;
	}
	if (json_array_size(created) > SNAP_DIRS_MAX) {
		snap_fail(why, whylen, "created: more than %d", SNAP_DIRS_MAX);
		return -1;
	}
	m->ncreated = (unsigned)json_array_size(created);
	if (get_int(o, "at", 0, SNAP_TIME_MAX, &x, why, whylen) != 0)
		return -1;
	m->at = (int64_t)x;
	if (get_int(o, "expires", 0, SNAP_TIME_MAX, &x, why, whylen) != 0)
		return -1;
	m->expires = (int64_t)x;
	if (get_tree(o, m, why, whylen) != 0)
		return -1;
	if (snap_meta_check(m, why, whylen) != 0)
		return -1;
	/* path is good now: the list must be its last ancestors */
	for (i = 0; i < m->ncreated; i++) {
		v = json_array_get(created, i);
		if (!json_is_string(v)) {
			snap_fail(why, whylen, "created: not an array of strings");
			return -1;
		}
		if (snap_created_dir(m, (unsigned)i, dir, sizeof dir) != 0 ||
		    json_string_length(v) != strlen(dir) ||
		    strcmp(json_string_value(v), dir) != 0) {
			snap_fail(why, whylen, "created: not path's last "
			    "ancestors, shallowest first");
			return -1;
		}
	}
	return 0;
}

int
snap_meta_parse(const char *buf, size_t len, struct snap_meta *m, char *why,
    size_t whylen)
{
	json_error_t e;
	json_t *o;
	int rc;

	snap_fail(why, whylen, "%s", "");
	if (m == NULL) {
		snap_fail(why, whylen, "no metadata");
		return -1;
	}
	memset(m, 0, sizeof *m);
	if (buf == NULL || len == 0) {
		snap_fail(why, whylen, "line: empty");
		return -1;
	}
	if (len > SNAP_META_MAX) {
		snap_fail(why, whylen, "line: over %u bytes", SNAP_META_MAX);
		return -1;
	}
	if (buf[len - 1] != '\n') {
		snap_fail(why, whylen, "line: no final newline (torn)");
		return -1;
	}
	o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &e);
	if (o == NULL) {
		snap_fail(why, whylen, "line: %s", e.text);
		return -1;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		snap_fail(why, whylen, "line: not a JSON object");
		return -1;
	}
	rc = parse_obj(o, m, why, whylen);
	json_decref(o);
	if (rc != 0) {
		snap_meta_free(m);
		memset(m, 0, sizeof *m);
	}
	return rc;
}

/* ---- names ---- */

int
snap_blob_name(const char *hex, char *out, size_t n)
{
	int r;

	if (!snap_hex_ok(hex) || out == NULL)
		return -1;
	r = snprintf(out, n, "blobs/%.2s/%s", hex, hex);
	return r < 0 || (size_t)r >= n ? -1 : 0;
}

int
snap_meta_name(const char *record_id, char *out, size_t n)
{
	int r;

	if (!snap_id_ok(record_id) || out == NULL)
		return -1;
	r = snprintf(out, n, "meta/%s.json", record_id);
	return r < 0 || (size_t)r >= n ? -1 : 0;
}

int
snap_tmp_name(const char *final, unsigned long long nonce, char *out,
    size_t n)
{
	char want[sizeof "blobs/ab/" + SNAP_HEX_LEN];
	const char *base;
	int r;

	if (final == NULL || out == NULL)
		return -1;
	/* final must be what snap_blob_name or snap_meta_name makes */
	if (strncmp(final, "blobs/", 6) == 0) {
		if (strnlen(final, sizeof want) != sizeof want - 1)
			return -1;
		base = final + 9;
		if (snap_blob_name(base, want, sizeof want) != 0 ||
		    strcmp(want, final) != 0)
			return -1;
	} else if (strncmp(final, "meta/", 5) == 0) {
		char id[SNAP_ID_LEN + 1];

		if (strnlen(final, sizeof "meta/.json" + SNAP_ID_LEN) !=
		    sizeof "meta/.json" - 1 + SNAP_ID_LEN)
			return -1;
		base = final + 5;
		if (strcmp(base + SNAP_ID_LEN, ".json") != 0)
			return -1;
		memcpy(id, base, SNAP_ID_LEN);
		id[SNAP_ID_LEN] = '\0';
		if (!snap_id_ok(id))
			return -1;
	} else
		return -1;
	r = snprintf(out, n, "tmp/%016llx-%s", nonce, base);
	return r < 0 || (size_t)r >= n ? -1 : 0;
}

int
snap_expired(const struct snap_meta *m, int64_t now)
{
	/* no metadata: nothing to keep */
	return m == NULL || now >= m->expires;
}
