/*
 * common/fsrights.h -- the fs provider's operations and the rights a
 * root is opened with, spelled once for every process that speaks of
 * them: the policy (which rights a root needs), the broker (BROKER_READY),
 * the supervisor (the worker's argv), the fs worker (its checks) and
 * common/sandbox.c (its Landlock rights).
 *
 * Runs in: all of them. Privilege: n/a (constants).
 */
#ifndef AKSUP_COMMON_FSRIGHTS_H
#define AKSUP_COMMON_FSRIGHTS_H

/* An fs request's operation (FS_REQ.op on the broker-worker channel). */
enum fs_op {
	FS_OP_READ = 1,
	FS_OP_WRITE,
	FS_OP_DELETE,
	FS_OP_LIST,
	/* snapshot.rollback: undo the fs.write or fs.delete whose record
	 * id fs_req.rid names, from the snapshot store. Not a right of a
	 * root: the worker restores only beneath a root of the policy with
	 * the snapshot's path and the write right (which Landlock maps to
	 * making and removing files and directories too). */
	FS_OP_ROLLBACK,
	/* proc.exec with snapshot: tree, before the command: every
	 * writable root into the store as record fs_req.rid, the program
	 * (the request's target) its target. Not a right of a root either:
	 * it reads the roots the write right already reaches. */
	FS_OP_SNAPTREE,
};

/* The right an operation needs beneath a root: one bit per operation. */
#define FS_RIGHT(op)	(1u << ((unsigned)(op) - 1))
#define FS_RIGHT_READ	FS_RIGHT(FS_OP_READ)	/* r: read files */
#define FS_RIGHT_WRITE	FS_RIGHT(FS_OP_WRITE)	/* w: create/replace files, make dirs */
#define FS_RIGHT_DELETE	FS_RIGHT(FS_OP_DELETE)	/* d: remove files and dirs */
#define FS_RIGHT_LIST	FS_RIGHT(FS_OP_LIST)	/* l: read directories */
#define FS_RIGHTS_ALL	0xfu
/* Not a right but a fact about a root the policy gives the fs worker
 * with its rights (BROKER_READY's byte, the argv letter 't'): every path
 * beneath it may be written and deleted (allow rules `fs.write ROOT/` and everything beneath
 * and `fs.delete` likewise without constraints, no deny rule of either
 * over any of it). Only then may a tree snapshot be put back there: it
 * removes and rewrites anything beneath the root. */
#define FS_ROOT_WHOLE	0x80u
#define FS_ROOT_WHOLE_LETTER	't'

/* The rights as letters, in the fs worker's argv: letter i is right 1<<i. */
#define FS_RIGHT_LETTERS	"rwdl"

#endif
