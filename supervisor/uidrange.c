/*
 * supervisor/uidrange.c -- one range of role uids per session (see
 * uidrange.h). Started as root, every session's roles used to share the
 * uids 64400.. : one agent holding 255 processes stopped every other
 * session's agent from forking (RLIMIT_NPROC counts per uid). Now slot N
 * of the pool gives the session base + N * UIDRANGE_STRIDE.
 *
 * Runs in: aksup (supervisor), as root, before any child exists.
 * Privilege: root's, for creating UIDRANGE_DIR and its lock files only;
 * nothing here is reachable by a role (the directory is root's 0700 and
 * the descriptors are close-on-exec, closed again by close_range in
 * every child).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "supervisor/uidrange.h"

/* The lock directory: created 0700 if absent; refused unless it is a
 * real directory of root's that nobody else may write (another user
 * able to plant or hold lock files could make two sessions share uids). */
static int
open_dir(void)
{
	struct stat st;
	int fd;

	if (mkdir(UIDRANGE_DIR, 0700) < 0 && errno != EEXIST) {
		log_warn("%s", UIDRANGE_DIR);
		return -1;
	}
	fd = open(UIDRANGE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		log_warn("%s (the uid-range locks)", UIDRANGE_DIR);
		return -1;
	}
	if (fstat(fd, &st) < 0 || st.st_uid != 0 || (st.st_mode & 022) != 0) {
		log_warnx("%s: not a directory of root's that only root may "
		    "write; refusing to allocate uids from it", UIDRANGE_DIR);
		close(fd);
		return -1;
	}
	return fd;
}

int
uidrange_acquire(uid_t pool, uid_t *base)
{
	char name[32];
	int dfd, fd = -1, slot, rc = -1;

	if ((dfd = open_dir()) < 0)
		return -1;
	for (slot = 0; slot < UIDRANGE_SLOTS; slot++) {
		snprintf(name, sizeof(name), "uids.%d", slot);
		/* Safe: a file of root's in root's 0700 directory; O_NOFOLLOW
		 * and no O_TRUNC, it is only ever locked, never read. */
		fd = openat(dfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
		    0600);
		if (fd < 0) {
			log_warn("%s/%s", UIDRANGE_DIR, name);
			goto out;
		}
		/* An flock lives with the open file: it is released when
		 * this process exits, crashed or not, so no lease goes stale. */
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			break;
		close(fd);
		fd = -1;
		if (errno != EWOULDBLOCK) {
			log_warn("%s/%s: lock", UIDRANGE_DIR, name);
			goto out;
		}
	}
	if (slot == UIDRANGE_SLOTS) {
		log_warnx("all %d uid ranges are in use (%d sessions as root "
		    "at once); wait for one to end, or start this one with "
		    "another --uid-base", UIDRANGE_SLOTS, UIDRANGE_SLOTS);
		goto out;
	}
	*base = pool + (uid_t)slot * UIDRANGE_STRIDE;
	rc = 0;		/* fd stays open, unused, until we exit */
out:
	close(dfd);
	return rc;
}
