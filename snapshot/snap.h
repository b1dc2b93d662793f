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
 *   tmp/<nonce>-<name>      written, fsync'ed, then renamed to its final
 *                           name: a crash leaves no half file elsewhere
 *
 * The metadata line: one compact JSON object, keys sorted, ending in
 * "\n", at most SNAP_META_MAX bytes, no duplicate or unknown key:
 *   v          1
 *   record_id  the action's record id (snap_id_ok)
 *   session    the session's id (snap_id_ok)
 *   action     "fs.write" or "fs.delete"
 *   root       the fs root's index, 0..FS_ROOTS_MAX-1
 *   path       the file, relative to that root (snap_path_ok)
 *   existed    true or false: the file existed before the action
 *              (always true for fs.delete)
 *   mode       its permission bits (0..07777)      } only when existed,
 *   size       its size in bytes (0..INT64_MAX)    } present then
 *   blob       64 lower-case hex: SHA-256 of its   }
 *              bytes, the blob's name              }
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

struct snap_meta {
	int v;					/* SNAP_VERSION */
	char record_id[SNAP_ID_LEN + 1];
	char session[SNAP_ID_LEN + 1];
	char action[SNAP_ACTION_MAX];		/* "fs.write", "fs.delete" */
	unsigned root;
	char path[SNAP_PATH_MAX + 1];
	int existed;				/* 0 or 1 */
	unsigned mode;				/* when existed, else 0 */
	uint64_t size;				/* when existed, else 0 */
	char blob[SNAP_HEX_LEN + 1];		/* when existed, else "" */
	char after[SNAP_HEX_LEN + 1];		/* "" for fs.delete */
	/* How many of path's last ancestors the write created: the list
	 * is determined by path (snap_created_dir), so only its length is
	 * kept. 0 unless fs.write with existed 0. */
	unsigned ncreated;
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

/* 1 when m has expired at now (now >= m->expires), else 0. */
int snap_expired(const struct snap_meta *m, int64_t now);

#endif
