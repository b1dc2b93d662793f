/*
 * workers/fs/beneath.h -- the fs worker's one way of opening a name:
 * openat2 beneath a directory fd, never through a symlink, a magic link
 * or a mount point.
 * Runs in: aksup-worker-fs (confined), and the unit tests.
 * Privilege: none of its own; the caller's file rights beneath dirfd.
 */
#ifndef AKSUP_WORKERS_FS_BENEATH_H
#define AKSUP_WORKERS_FS_BENEATH_H

#include <sys/types.h>

/*
 * openat2(dirfd, path) with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV; flags get O_CLOEXEC (and
 * O_NOCTTY unless O_PATH), mode only with O_CREAT. An absolute path, a
 * `..` that leaves dirfd, any symlink on the way and any mount crossed
 * are refused (-1, errno: EXDEV, ELOOP). Retried on EAGAIN.
 */
int	open_beneath(int dirfd, const char *path, int flags, mode_t mode);

#endif
