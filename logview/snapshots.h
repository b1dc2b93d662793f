/*
 * logview/snapshots.h -- aksup-log snapshots list|gc (logview/snapshots.c).
 * Runs in: aksup-log (confined, ROLE_LOGVIEW). Privilege: none.
 */
#ifndef AKSUP_LOGVIEW_SNAPSHOTS_H
#define AKSUP_LOGVIEW_SNAPSHOTS_H

/* argv[0] "snapshots", argv[1] "list" or "gc"; returns the exit status. */
int snapshots_main(int argc, char *argv[]);

#endif
