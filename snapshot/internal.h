/*
 * snapshot/internal.h -- what snapshot/snap.c and snapshot/tree.c share
 * and nothing else sees.
 *
 * Runs in: wherever the snapshot library is linked (the fs worker,
 * aksup-log). Privilege: none. Pure.
 */
#ifndef AKSUP_SNAPSHOT_INTERNAL_H
#define AKSUP_SNAPSHOT_INTERNAL_H

#include <stddef.h>

/* A reason into why (whylen bytes; why may be NULL: nothing). */
void snap_fail(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
