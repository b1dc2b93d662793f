/*
 * common/sandbox.h -- the confinement of each role, built in one place
 * (docs/SANDBOX.md is the table this code implements).
 *
 * Runs in: every process but the supervisor (and in the supervisor's child
 * between fork and exec of an external agent). Privilege: it only takes
 * privilege away.
 *
 * Two halves make a role's profile:
 *  - before exec, the supervisor's child (supervisor/confine.c): uid/gid,
 *    namespaces, capabilities, securebits, rlimits, descriptors, env;
 *  - after exec, the role binary itself (sandbox_enter): PR_SET_DUMPABLE 0,
 *    PR_SET_NO_NEW_PRIVS, its Landlock ruleset, its seccomp filter.
 *    Allow-list roles die on any other syscall (SCMP_ACT_KILL_PROCESS);
 *    an external agent's other syscalls fail with ENOSYS.
 *    It never returns on failure: a process that cannot be confined does
 *    not run (fail closed, T8), unless the operator waived that layer
 *    (aksup --allow-degraded=LAYER; the supervisor passes the list in
 *    $AKSUP_WAIVED).
 */
#ifndef AKSUP_SANDBOX_H
#define AKSUP_SANDBOX_H

#include <stddef.h>
#include <sys/types.h>

#include "common/roles.h"

/* The confinement layers (docs/SANDBOX.md). Each can be missing on a host;
 * aksup refuses to start when one is, unless the operator waives it. */
#define LAYER_SECCOMP		0x01u	/* seccomp filter (+ no_new_privs) */
#define LAYER_LANDLOCK		0x02u	/* Landlock ruleset */
#define LAYER_NAMESPACES	0x04u	/* user (unprivileged) / pid, net, mount, ipc, uts */
#define LAYER_UIDS		0x08u	/* a uid/gid per role (started as root) */
#define LAYER_CAPS		0x10u	/* every capability set empty, securebits locked */
#define LAYER_RLIMITS		0x20u	/* per-role resource limits */
#define LAYER_CGROUP		0x40u	/* the session's memory and pids cgroup */
#define LAYER_ALL		0x7fu

/* "seccomp,landlock" <-> mask. Parse returns -1 on an unknown name. */
int sandbox_layers_parse(const char *list, unsigned *mask);
/* Comma-separated names of `mask` into buf ("" when none). */
const char *sandbox_layers_str(unsigned mask, char *buf, size_t len);
/* Name of a single layer bit. */
const char *sandbox_layer_name(unsigned bit);

/* fs worker: the rights (FS_RIGHT_*, common/fsrights.h) beneath one
 * O_PATH root dirfd; called for every root before sandbox_enter. With
 * SANDBOX_FS_STORE (the snapshot store, FS_RIGHTS_ALL | this): renames
 * between its own directories too. */
#define SANDBOX_FS_STORE	0x100u
/* With SANDBOX_FS_TREE (a writable root, when the session has a
 * snapshot store): a tree snapshot walks it (its directories read) and
 * a rollback of one restores it (symbolic links made again). */
#define SANDBOX_FS_TREE		0x200u
int sandbox_fs_root(int dirfd, unsigned rights);

/* http worker: a file it may still read once confined (a CA bundle, a
 * resolver file), registered before sandbox_enter; read-only, nothing
 * else (LLK_CA_FILES). A path that does not exist is skipped. 0, or -1
 * (more than SANDBOX_RO_FILES_MAX). */
#define SANDBOX_RO_FILES_MAX	16
int sandbox_ro_file(const char *path);

/* Confine the calling process for `role`. Exits on failure. */
void sandbox_enter(enum role role);

/* External agents and commands: a Landlock ruleset giving read+execute
 * beneath the paths in `ro`, read+write of the files in `rw` (device
 * nodes; a command's writable roots), every file right beneath the
 * directories in `rwdir` (the private /tmp), listing of the directories
 * in `lsdir` (its own mount view's /), no TCP unless `tcp` (a network:
 * true command), no abstract unix sockets and no signals outside the
 * domain. NULL-terminated lists; a path that does not exist is skipped.
 * Returns 0, or -1 with errno when Landlock is unavailable. Called
 * before sandbox_enter(ROLE_AGENT_EXTERNAL, ROLE_COMMAND*). */
int sandbox_landlock(const char *const *ro, const char *const *rw,
    const char *const *rwdir, const char *const *lsdir, int tcp);

/* `role`'s filter as a BPF program, built once (libseccomp's build
 * costs ~2 ms; loading a ready program ~0.4 ms): the proc worker builds
 * its commands' filters before its own filter closes, each command's
 * child loads one. prog->filter NULL when the seccomp layer is waived.
 * 0, or -1. */
struct sock_fprog;
int sandbox_seccomp_prepare(enum role role, struct sock_fprog *prog);
/* no_new_privs, then load it (nothing when waived); exits on failure. */
void sandbox_seccomp_load(const struct sock_fprog *prog);

/* Write `role`'s seccomp filter, built as sandbox_enter would load it,
 * to `fd` as libseccomp's PFC text (the golden dump of the tests;
 * tests/sandbox/filterdump.c). Returns 0, or -1. */
int sandbox_seccomp_export(enum role role, int fd);

/* Every capability set and the bounding set empty (caps; the bounding
 * set and securebits only with have_setpcap), ids changed to uid/gid
 * with no supplementary group (uids). 0, or -1 with *what "c:STEP"
 * (capabilities) or "u:STEP" (ids). */
int sandbox_drop(int caps, int have_setpcap, int uids, uid_t uid, gid_t gid,
    const char **what);
/* 1 when the bounding set is empty. */
int sandbox_bounding_empty(void);

/* Landlock ABI of the running kernel (0: none). */
int sandbox_landlock_abi(void);

#endif
