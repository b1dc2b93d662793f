/*
 * supervisor/uidrange.h -- a range of role uids of its own for each
 * session started as root, so that per-uid limits (RLIMIT_NPROC) and
 * kill(2) by uid never reach across sessions. docs/SANDBOX.md "Uids".
 *
 * Runs in: aksup (supervisor) started as root, before any child.
 */
#ifndef AKSUP_UIDRANGE_H
#define AKSUP_UIDRANGE_H

#include <sys/types.h>

#define UIDRANGE_DIR	"/run/aksup"	/* root's, 0700: one lock a slot */
#define UIDRANGE_STRIDE	8		/* uids a session: base + 0..4 (7) */
#define UIDRANGE_SLOTS	64		/* sessions at once, as root */

/* Take the first free slot of the pool that starts at pool: *base is
 * pool + slot * UIDRANGE_STRIDE. The slot is held (an flock on its lock
 * file) until this process exits, however it exits. 0, or -1 with a
 * message logged (no free slot; the lock directory unsafe). */
int uidrange_acquire(uid_t pool, uid_t *base);

#endif
