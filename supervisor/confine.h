/*
 * supervisor/confine.h -- the half of each role's profile that is applied
 * before exec: uid/gid, namespaces, capabilities, securebits, rlimits, and
 * for an external agent its mount view, Landlock and seccomp. The other
 * half (Landlock and seccomp of our own binaries) is common/sandbox.c.
 * docs/SANDBOX.md is the table both implement.
 *
 * Runs in: aksup (supervisor) to decide which layers are in force, and in
 * the supervisor's child between fork and exec to apply them.
 */
#ifndef AKSUP_CONFINE_H
#define AKSUP_CONFINE_H

#include <sys/types.h>

#include "common/roles.h"

struct session_cfg;
struct spawn;

/* Default uid/gid range of the roles when started as root (--uid-base):
 * broker +0, agent +1, helpers (aksup-log, policy tools) +2. */
#define CONFINE_UID_BASE	64400

/*
 * Decide the layers of a session: probe the host for each one the
 * profiles need, refuse (return -1, naming each missing layer) unless the
 * operator waived it with --allow-degraded. Fills cfg->layers and
 * cfg->waived (for the broker's session_start record) and resolves
 * --run-as and --uid-base. Also makes the supervisor itself non-dumpable.
 * Returns 0, -1 (cannot confine here), or -2 for a bad option value (an
 * unknown layer or user, a bad uid base: a usage error, exit 2).
 */
int confine_setup(struct session_cfg *cfg);

/* --allow-degraded, --run-as, --uid-base of run and submit: 1 when `ch`
 * was one of them (stored in cfg), else 0. */
int confine_cli_opt(int ch, const char *arg, struct session_cfg *cfg);

/* fork, or clone into the role's namespaces; 0 in the child. */
pid_t confine_fork(const struct spawn *s);

/* In the child, after its descriptors are placed: everything of the
 * role's profile that comes before exec. Exits (126) on failure. */
void confine_child(const struct spawn *s);

/* External agent, in the child after confine_child (supervisor/
 * agentinit.c): fork once more; returns in the grandchild, which execs
 * CMD, while this process stays as the namespace's pid 1 (forwards
 * signals, reaps, exits with the agent's status) and never returns. */
void agentinit_fork(void);

/* Test builds (-Dtest_hooks=true) only: the next spawn gets the profile
 * named (docs/SANDBOX.md names: broker, worker-fs, agent-builtin...);
 * NULL resets. */
void confine_force_profile(const char *name);

/* 1 when the external agent gets its own mount view (namespaces in
 * force): then it has a HOME (supervisor/view.h). */
int confine_has_view(void);

/* Started as root by sudo for its invoking user: 0 with that user's
 * ids (the files aksup makes are theirs, their policy and log are
 * accepted as root's); -1 otherwise (--run-as never counts). */
int confine_files_owner(uid_t *uid, gid_t *gid);
/* The ids the fs worker runs as (the files' owner: --run-as, sudo's
 * invoking user, root, or our own): the snapshot store is theirs. */
void confine_fs_ids(uid_t *uid, gid_t *gid);
/* Under sudo: on (1), the filesystem ids become the invoking user's,
 * with no supplementary groups, so what is opened and made by path is
 * what the user could open and make, owned by them; off (0) restores
 * root's. 0, or -1 (on failed: the caller stops). No-op otherwise. */
int confine_as_invoker(int on);

/* An RF_OWN_USERNS row r: its outer uid/gid, and the inner uid its
 * commands run as (1: the files' owner, mapped as root; 0: unprivileged,
 * the invoking user); -1 when the namespaces layer is not in force. */
int confine_own_userns(enum role r, uid_t *uid, gid_t *gid);

/* "AKSUP_WAIVED=..." for our role binaries, or NULL when none. */
const char *confine_env_waived(void);

#endif
