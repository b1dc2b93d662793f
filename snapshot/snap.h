/*
 * snapshot/snap.h -- the snapshot store's format (docs/ROLLBACK.md "The
 * snapshot store"): record ids, the metadata line of one snapshot, and
 * the names of the store's files. Strings only: this library opens,
 * reads and writes nothing. Pure: no I/O, no exit(), no global state;
 * bounded by SNAP_META_MAX. Unit-tested (tests/unit/test_snapshot.c)
 * and fuzzed (fuzz/fuzz_snapshot.c).
 *
 * Runs in: aksup-worker-fs (confined; it alone reaches the store, a
 * directory the supervisor opens) once the store is wired in (issue 18,
 * not yet). Privilege: none needed. Input: the store's files, which the
 * fs worker wrote but which a crash may have torn and anyone with the
 * store's owner's rights may have edited: every metadata line is
 * checked whole before anything of it is used, and a record id is
 * checked before it names any file.
 *
 * The store (relative to its directory):
 *   meta/<record_id>.json   one metadata line (below), mode 0600
 *   blobs/<h0h1>/<hex>      the prior bytes of a file, named by their
 *                           SHA-256 (content-addressed, shared)
 *   tmp/<nonce>-<name>      written, then renamed to its final name: a
 *                           killed writer leaves no half file elsewhere
 *                           (nothing is synced: a power loss may lose
 *                           what the page cache held, as of any write)
 *
 * The metadata line: one compact JSON object, keys sorted, ending in
 * "\n", at most SNAP_META_MAX bytes, no duplicate or unknown key:
 *   v          1
 *   record_id  the action's record id (snap_id_ok)
 *   session    the session's id (snap_id_ok)
 *   action     "fs.write", "fs.delete" or "proc.exec" (a tree snapshot:
 *              root "/", path the program without its first "/",
 *              existed false, after "", created [], and two more
 *              members, only here:
 *                roots  the writable roots, absolute paths
 *                tree   what they held, sorted by (root, path):
 *                       ["f", ROOT, PATH, MODE, SIZE, BLOB]
 *                       ["d", ROOT, PATH, MODE]
 *                       ["l", ROOT, PATH, TARGET]
 *                       ROOT an index in roots, PATH relative to it)
 *   seq        its place among the session's snapshots, 1.. (the fs
 *              worker counts them): a session is rolled back in
 *              reverse seq order
 *   root       the fs root the file is beneath, as the policy names it:
 *              "/" or an absolute normalized path (snap_root_ok)
 *   path       the file, relative to that root (snap_path_ok)
 *   existed    true or false: the file existed before the action
 *              (always true for fs.delete)
 *   dir        true: it was a directory (fs.delete of an empty one);
 *              present exactly when existed
 *   mode       its permission bits (0..07777); present when existed
 *   size       its size in bytes (0..INT64_MAX)    } only when existed
 *   blob       64 lower-case hex: SHA-256 of its   } and not dir,
 *              bytes, the blob's name              } present then
 *   inline     the bytes themselves, base64 (at most SNAP_INLINE_MAX
 *              bytes): then no blob file holds them (a small file costs
 *              one file in the store, not two); optional, only beside
 *              blob, its decoded length exactly size
 *   after      fs.write: 64 lower-case hex, SHA-256 of what the write
 *              left; fs.delete: ""
 *   created    the directories the write created, shallowest first,
 *              deepest (the file's parent) last: each one component
 *              deeper than the one before, every one an ancestor of path
 *              (so the list is path's last ancestors); at most
 *              SNAP_DIRS_MAX; [] unless fs.write of a file that did not
 *              exist
 *   at         when taken, unix seconds, 0..SNAP_TIME_MAX
 *   expires    when it may be swept, unix seconds, at..SNAP_TIME_MAX
 */
#ifndef AKSUP_SNAPSHOT_SNAP_H
#define AKSUP_SNAPSHOT_SNAP_H

#include <stddef.h>
#include <stdint.h>

#define SNAP_VERSION	1
#define SNAP_ID_LEN	36		/* 8-4-4-4-12 */
#define SNAP_HEX_LEN	64		/* SHA-256, lower-case hex */
#define SNAP_PATH_MAX	4095		/* bytes of a path */
#define SNAP_DIRS_MAX	64		/* directories a write created */
#define SNAP_META_MAX	(1024u * 1024)	/* bytes of a metadata line */
#define SNAP_TIME_MAX	INT64_C(253402300799)	/* 9999-12-31T23:59:59Z */
#define SNAP_ACTION_MAX	16
#define SNAP_SEQ_MAX	INT64_C(9007199254740991)	/* 2^53 - 1 */
#define SNAP_INLINE_MAX	(64 * 1024)	/* prior bytes kept in the line */
#define SNAP_TTL_DEFAULT	3600	/* seconds a snapshot is kept unless
					   --snapshot-ttl or the rule says */
#define SNAP_TREE_MAX	10000		/* entries of a tree snapshot */
#define SNAP_ROOTS_MAX	64		/* roots of a tree snapshot */

/* One entry of a tree snapshot (proc.exec with snapshot: tree): a
 * regular file, a directory or a symbolic link beneath one of its
 * roots, as it was before the command ran. */
enum snap_ent_type { SNAP_ENT_FILE = 'f', SNAP_ENT_DIR = 'd',
	SNAP_ENT_LINK = 'l' };
struct snap_ent {
	unsigned root;			/* index in the tree's roots */
	char type;			/* enum snap_ent_type */
	unsigned mode;			/* f, d: 0..07777; l: 0 */
	uint64_t size;			/* f: its size; else 0 */
	char blob[SNAP_HEX_LEN + 1];	/* f: SHA-256, its blob; else "" */
	char *path;			/* relative to its root */
	char *target;			/* l: what it points to; else NULL */
};
struct snap_tree {
	unsigned nroots;
	char *roots[SNAP_ROOTS_MAX];	/* each snap_root_ok, distinct */
	size_t n, cap;
	struct snap_ent *e;		/* sorted by (root, path), bytes */
};

struct snap_meta {
	int v;					/* SNAP_VERSION */
	char record_id[SNAP_ID_LEN + 1];
	char session[SNAP_ID_LEN + 1];
	char action[SNAP_ACTION_MAX];		/* "fs.write", "fs.delete",
						 * "proc.exec" (a tree) */
	uint64_t seq;				/* 1..SNAP_SEQ_MAX */
	char root[SNAP_PATH_MAX + 1];		/* "/", "/srv/work" */
	char path[SNAP_PATH_MAX + 1];
	int existed;				/* 0 or 1 */
	int dir;				/* 0 or 1: an empty directory
						 * (fs.delete); no size, blob */
	unsigned mode;				/* when existed, else 0 */
	uint64_t size;				/* when existed, else 0 */
	char blob[SNAP_HEX_LEN + 1];		/* when existed, else "" */
	int has_inline;				/* the bytes are in inl[] */
	unsigned char inl[SNAP_INLINE_MAX];	/* size bytes of them */
	char after[SNAP_HEX_LEN + 1];		/* "" for fs.delete */
	/* How many of path's last ancestors the write created: the list
	 * is determined by path (snap_created_dir), so only its length is
	 * kept. 0 unless fs.write with existed 0. */
	unsigned ncreated;
	/* proc.exec: the writable roots as they were before the command
	 * (malloc'd: snap_meta_free); NULL for fs.write, fs.delete */
	struct snap_tree *tree;
	int64_t at;
	int64_t expires;
};

/* 1 when s is a record (or session) id: exactly a lower-case UUID,
 * 8-4-4-4-12 hex digits, version 1..8, variant 8, 9, a or b (what
 * common/hex.c's uuid4_format makes); else 0. */
int snap_id_ok(const char *s);

/* 1 when s is 64 lower-case hex digits. */
int snap_hex_ok(const char *s);

/* 1 when p is a normalized relative path: 1..SNAP_PATH_MAX bytes, no
 * leading or trailing '/', no empty, "." or ".." component, no control
 * byte (0x01..0x1f, 0x7f). (The metadata line also needs it valid
 * UTF-8: JSON strings are.) */
int snap_path_ok(const char *p);

/* 1 when r is "/" or "/" followed by a normalized relative path (at
 * most SNAP_PATH_MAX bytes in all). */
int snap_root_ok(const char *r);

/* The i-th directory (0: shallowest, m->ncreated - 1: the parent of
 * m->path) the write created, into out (n bytes). 0, or -1 when i is out
 * of range or out is too small. */
int snap_created_dir(const struct snap_meta *m, unsigned i, char *out,
    size_t n);

/* 0 when m keeps every rule above, else -1 with a short reason naming
 * the member in why (whylen bytes; why may be NULL). */
int snap_meta_check(const struct snap_meta *m, char *why, size_t whylen);

/* m's metadata line (malloc'd, compact, sorted keys, ending in "\n";
 * *len its length, len may be NULL), or NULL when m breaks a rule (or
 * out of memory). */
char *snap_meta_dump(const struct snap_meta *m, size_t *len);

/* Read a metadata line (len bytes, any bytes, at most SNAP_META_MAX;
 * its last byte "\n"). 0 and *m filled, or -1 with a short reason naming
 * the member in why (why may be NULL); *m is then zeroed. */
int snap_meta_parse(const char *buf, size_t len, struct snap_meta *m,
    char *why, size_t whylen);

/* The store's names (relative to its directory), into out (n bytes):
 * 0, or -1 when the argument is not valid or out is too small. */
int snap_blob_name(const char *hex, char *out, size_t n);
		/* "blobs/<hex[0..1]>/<hex>" */
int snap_meta_name(const char *record_id, char *out, size_t n);
		/* "meta/<record_id>.json" */
int snap_tmp_name(const char *final, unsigned long long nonce, char *out,
    size_t n);	/* final: a blob or a meta name; "tmp/<nonce as 16
		 * lower-case hex digits>-<final's last component>" */

/* Free what m holds beyond itself (its tree), and set it NULL. */
void snap_meta_free(struct snap_meta *m);

/* Building a tree (snapshot/tree.c): a new empty one (NULL: out of
 * memory); a root (its index, or -1: not snap_root_ok, a duplicate, or
 * SNAP_ROOTS_MAX reached); an entry (0, or -1: a bad member or
 * SNAP_TREE_MAX reached, errno E2BIG then); sorted once all are in
 * (snap_tree_check wants them sorted). */
struct snap_tree *snap_tree_new(void);
int snap_tree_root(struct snap_tree *t, const char *root);
int snap_tree_add(struct snap_tree *t, unsigned root, char type,
    const char *path, unsigned mode, uint64_t size, const char *blob,
    const char *target);
void snap_tree_sort(struct snap_tree *t);
void snap_tree_free(struct snap_tree *t);
/* 0 when t keeps its rules: 1..SNAP_ROOTS_MAX distinct roots, at most
 * SNAP_TREE_MAX entries sorted by (root, path) without a duplicate, each
 * path snap_path_ok with its parent a directory entry of the same root,
 * each member as its type says; else -1 with why. */
int snap_tree_check(const struct snap_tree *t, char *why, size_t whylen);
/* The entry of (root, path) in a sorted tree, or NULL. */
const struct snap_ent *snap_tree_find(const struct snap_tree *t,
    unsigned root, const char *path);

/* 1 when m has expired at now (now >= m->expires), else 0. */
int snap_expired(const struct snap_meta *m, int64_t now);

#endif
