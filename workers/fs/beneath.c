/*
 * workers/fs/beneath.c -- open_beneath: every open the fs worker makes
 * (workers/fs/fs.c), on its own so the unit tests can attack it
 * (tests/unit/test_beneath.c).
 * Runs in: aksup-worker-fs (confined), and the unit tests.
 * Privilege: none of its own; the caller's file rights beneath dirfd.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "workers/fs/beneath.h"

int
open_beneath(int dirfd, const char *path, int flags, mode_t mode)
{
	struct open_how how;
	int fd;

	memset(&how, 0, sizeof(how));
	/* openat2 refuses flags that mean nothing with O_PATH */
	how.flags = (uint64_t)(flags | O_CLOEXEC |
	    ((flags & O_PATH) ? 0 : O_NOCTTY));
	how.mode = (flags & O_CREAT) ? mode : 0;
	/* NO_XDEV: a root is one mount. Something mounted beneath it (a
	 * bind mount of a directory outside every root) is not the
	 * directory the placement check examined, so it is not crossed. */
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
	    RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
	do {
		fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	} while (fd < 0 && errno == EAGAIN);
	return fd;
}
