/*
 * supervisor/cgroup.h -- one cgroup per session for the agent (memory and
 * pids limits): cgroup v1 `memory` + `pids` controllers where the host
 * mounts them, else cgroup v2 (memory.max, pids.max); unprivileged only
 * in a subtree the user owns (delegated). docs/SANDBOX.md "Cgroup".
 *
 * Runs in: aksup (supervisor), trusted: creates, limits and removes the
 * cgroup; the agent's child only writes "0" to a cgroup.procs descriptor
 * the supervisor opened, before it execs.
 */
#ifndef AKSUP_CGROUP_H
#define AKSUP_CGROUP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CGROUP_MEMORY_DEFAULT	(1024ull * 1024 * 1024)	/* 1 GiB */
#define CGROUP_PIDS_DEFAULT	256

/* Parse --memory-max (BYTES with K/M/G suffix) / --pids-max N: 0 or -1. */
int cgroup_parse_bytes(const char *s, uint64_t *v);
/* The same number without the 4 MiB floor (--audit-max-bytes): 0 or -1. */
int cgroup_parse_size(const char *s, uint64_t *v);
int cgroup_parse_pids(const char *s, long *v);

/* Create the session's cgroup with these limits. 0, or -1 with *why set
 * (no usable controllers here: the "cgroup" layer is missing). */
int cgroup_create(uint64_t mem, long pids, const char **why);

/* "cgroup-v1:memory=N:pids=N" (in force) for session_start, or "". */
const char *cgroup_desc(void);

/* In the agent's child before exec: join the cgroup. 0 or -1. */
int cgroup_enter(void);

/* A cgroup `name` beneath each of the session's (none: 0), given to
 * uid/gid as root, opened into fds[] (at most 2); arg gets the limits a
 * command beneath it takes, "VERSION:MEMORY:PIDS". Returns how many, or
 * -1 (said). */
int cgroup_sub(const char *name, uid_t uid, gid_t gid, int *fds, char *arg,
    size_t arglen);

/* At session end: kill what is left in it and beneath it, remove it. */
void cgroup_destroy(void);

#endif
