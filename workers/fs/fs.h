/*
 * workers/fs/fs.h -- the fs worker's parts, between its files: the
 * answers (fs.c), the directory walks (dirs.c), the snapshot store
 * (store.c) and rollback (rollback.c).
 *
 * Runs in: aksup-worker-fs (confined). Privilege: the files' owner's
 * file rights beneath the root dirfds and the snapshot store's dirfd, as
 * Landlock grants them; no capability.
 */
#ifndef AKSUP_WORKERS_FS_FS_H
#define AKSUP_WORKERS_FS_FS_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "workers/worker.h"

/* ---- fs.c: answers and roots ---- */

/* The agent's error text for errno err on target. */
void reply_errno(struct reply *r, int err, const char *target);
/* j (taken) as the JSON answer. */
void reply_json(struct reply *r, json_t *j);
/* The dirfd of the root the policy names `path` (as written, "/srv/w"),
 * when it exists and was opened with every right in `need`; else -1. */
int fs_root_by_path(const char *path, unsigned need);
/* The dirfd of the root named path when the policy gives all of it
 * (written and deleted anywhere beneath: FS_ROOT_WHOLE), else -1. */
int fs_root_whole(const char *path);
/* Root i, in policy order: its dirfd when it exists and has every right
 * in need, else -1; -2 past the last. *path: as the policy names it. */
int fs_root_at(size_t i, unsigned need, const char **path);

/* ---- tree.c: proc.exec with snapshot: tree ---- */

/* Snapshot every writable root (one beneath another only once) as
 * record rid of session, before the command `program` runs: answers
 * {"snapshot":RID,"entries":N,"bytes":N}, or an error saying why none
 * could be taken (the command must then not run). */
void tree_snapshot(const char *rid, const char *session, const char *program,
    unsigned ttl, struct reply *r);
/* snapshot.rollback of a tree record m: its roots put back as they were
 * (what is there and not in it removed, the rest restored), what is
 * there now snapshotted first as record self (*kept 1; with force, the
 * operator's only, when that cannot be done, restored without it: *kept
 * 0). 0, or -1 with
 * why. */
struct snap_meta;
int tree_restore(const struct snap_meta *m, const char *self,
    const char *session, int force, int *kept, char *why, size_t whylen);

/* ---- dirs.c: walks beneath a root ---- */

/*
 * The directories one request created, so that a request that fails
 * leaves none behind: each is named by where it ends in the walked path
 * (its parent is the path before it). Only what mkdirat made here is
 * listed, never a directory that existed or that another process made
 * meanwhile (EEXIST).
 */
struct made {
	size_t *end;
	size_t n;
};

/* Split "a/b/c" into parent "a/b" and name "c" (parent "." for "c"). */
int split_parent(const char *rel, char *parent, size_t plen,
    const char **name);
/* Every name in rel can be created: 1..NAME_MAX bytes, not "." or "..". */
int names_ok(const char *rel);
/* Remove what m lists, deepest first, when empty; frees m's list. */
void made_undo(int dirfd, const char *rel, struct made *m);
/* Open (creating when m is given) the directory rel beneath dirfd, one
 * component at a time. */
int open_dir(int dirfd, const char *rel, struct made *m);

/* ---- store.c: the snapshot store (docs/ROLLBACK.md) ---- */

/* Take the store on dirfd (O_PATH, the supervisor's): its folders made,
 * leftovers of a crash in tmp/ removed, expired snapshots swept, its
 * size counted. max_bytes: the quota; ttl: seconds a snapshot is kept
 * (--snapshot-ttl; 0: not given, the rule's or SNAP_TTL_DEFAULT). */
void store_init(int dirfd, uint64_t max_bytes, int64_t ttl);
/* Whether a store was given (else FS_F_SNAPSHOT fails the action). */
int store_on(void);
/* Under the sandbox, once: crash leftovers in tmp/ and the expired go. */
void store_start(void);
/* After an answer: the next snapshot's file made off its path. */
void store_spare(void);
/* SHA-256 of buf as 64 lower-case hex digits. */
void store_sha256(const void *buf, size_t len, char out[65]);
/* Copy fd in to fd out (-1: hash only), at most max bytes: its digest
 * and size. 0, or -1 with errno (EDQUOT: over max). */
int store_copy(int in, int out, uint64_t max, char hex[65], uint64_t *n);

/* What the action is about to change: the file `name` in dfd (the
 * directory of root `root` + `rel` opened beneath it). */
struct snap_take {
	const char *rid, *session;	/* NUL-terminated ids */
	const char *action;		/* "fs.write", "fs.delete" */
	const char *root, *rel;		/* the root as the policy names it,
					   the path relative to it */
	int dfd;
	const char *name;
	const unsigned char *after;	/* fs.write: the bytes it writes */
	size_t after_len;
	const char *after_hex;		/* or their SHA-256, when known (a
					   rollback's: its snapshot's) */
	unsigned ncreated;		/* fs.write: parents it just made */
	unsigned ttl;			/* the rule's snapshot_ttl; 0: none */
};
/* Capture the prior state (bytes, mode, whether it existed) and write
 * its metadata, atomically: 0, or -1 with why (the action must then not
 * be done). */
int store_take(const struct snap_take *t, char *why, size_t whylen);
/* The action failed after store_take: its snapshot goes. */
void store_drop(const char *rid);
/* Expired snapshots and the blobs no snapshot names any more (older
 * than a minute: another session may be about to name them). */
void store_sweep(void);

/* Read record rid's metadata (checked whole): 0, or -1 with why ("no
 * snapshot found" when absent or expired). */
struct snap_meta;
int store_meta(const char *rid, struct snap_meta *m, char *why,
    size_t whylen);
/* The store's lock held shared (a snapshot of many files), and let go. */
void store_hold(void);
void store_release(void);
/* The bytes of the regular file open on in (st its fstat) as a blob:
 * its digest and size. 0, or -1 with why. Under store_hold. */
struct stat;
int store_blob(int in, const struct stat *st, char hex[65], uint64_t *size,
    char *why, size_t whylen);
/* m (a proc.exec tree snapshot, its record id, session, root, path and
 * tree filled) stamped (v, seq, at, expires by rule_ttl) and written as
 * its metadata line: 0, or -1 with why. Under store_hold. */
int store_put_tree(struct snap_meta *m, unsigned rule_ttl, char *why,
    size_t whylen);
/* Open blob hex for reading (O_RDONLY): fd or -1. */
int store_blob_open(const char *hex);
/* Remove rid's metadata (rolled back). */
void store_forget(const char *rid);

/* ---- rollback.c ---- */

/* blob's bytes (size of them; or inl's, when not NULL) as `name` in dfd
 * with mode (less set-id bits): a temp file beside it, its digest
 * checked, renamed over it. 0, or -1 with why (nothing replaced). */
int restore_file(int dfd, const char *name, const char *blob, uint64_t size,
    unsigned mode, const unsigned char *inl, char *why, size_t whylen);

/* snapshot.rollback of record rid (force: even when the file changed
 * since the action), itself the request self of session: what it
 * replaces or removes is snapshotted first under self. own_only: only a
 * snapshot of that session (an agent's rollback); else any (the
 * operator's aksup rollback). */
void rollback_do(const char *rid, const char *self, const char *session,
    int own_only, int force, struct reply *r);

#endif
