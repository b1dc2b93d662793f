/*
 * common/mountview.h -- a mount view built from nothing: a new root
 * (tmpfs) holding read-only binds of the system's programs and
 * libraries, four device nodes, what the caller adds (the external
 * agent's planned binds and links; a command's fs roots), a private
 * /tmp and /dev/shm; then pivot_root into it. One builder for the two
 * sandboxes that have a view: the external agent's (supervisor/
 * confine.c) and each proc.exec command's (workers/proc/).
 *
 * Runs in: a child between fork and exec, inside its own mount namespace
 * (made private first by mv_init, so nothing propagates to the host).
 * Privilege: CAP_SYS_ADMIN over that namespace only (real root, or a
 * user namespace of its own). It only ever shows the child less: every
 * source is something the child could already reach, cloned with nosuid
 * (T10), nodev (but the device nodes) and read-only (but what the caller
 * asks writable).
 */
#ifndef AKSUP_COMMON_MOUNTVIEW_H
#define AKSUP_COMMON_MOUNTVIEW_H

#include <limits.h>
#include <stddef.h>

/* The system's part: read-only, the same in every view. */
extern const char *const view_system[];		/* /usr, /lib, ... */
extern const char *const view_dev_ro[];		/* /dev/urandom ... */
extern const char *const view_dev_rw[];		/* /dev/null ... */
/* What a program with the network needs to find names and trust TLS:
 * bound read-only (through a symlink: its target) for network: true. */
extern const char *const view_net[];		/* /etc/resolv.conf ... */

#define MV_MAX		256	/* entries of one view */
#define MV_SHM_SIZE	"size=64m,nr_inodes=4k"	/* the private /dev/shm */
#define MV_TMP_SIZE	"size=64m,nr_inodes=16k"	/* the private /tmp of the
						   external agent and of
						   each command */

struct mv_ent {
	const char *path;	/* where, in the view */
	int fd;			/* detached mount to place, or -1 */
	int is_dir;
	int late;		/* a link placed after every bind, its
				 * parents made first */
	char link[PATH_MAX];	/* a symlink to recreate instead */
};

struct mountview {
	struct mv_ent e[MV_MAX];
	size_t n;
	const char *failed;	/* what the last call failed on */
};

/* Start a view: the namespace's mounts made private. 0, or -1. */
int mv_init(struct mountview *m);
/* The system part and the device nodes. 0, or -1 (m->failed). */
int mv_take_system(struct mountview *m);
/* A bind at `path` of the inode `fd` (O_PATH) names, without the mounts
 * beneath it; read-only unless rw. 0, or -1. */
int mv_take_fd(struct mountview *m, const char *path, int fd, int is_dir,
    int rw);
/* view_net: each file or directory that exists, its symlinks followed.
 * 0, or -1. */
int mv_take_net(struct mountview *m);
/* A symlink at `path` to `target`, made after every bind. 0, or -1. */
int mv_take_link(struct mountview *m, const char *path, const char *target);
/*
 * Build it and enter it: the tmpfs root, a private /tmp (tmpfs with
 * tmp_opts, 1777), every entry, /dev/shm, /proc of the caller's pid
 * namespace when with_proc (sanitizer runs), pivot_root, the root made
 * read-only. 0, or -1 with m->failed naming the step.
 */
int mv_enter(struct mountview *m, const char *tmp_opts, int with_proc);

#endif
