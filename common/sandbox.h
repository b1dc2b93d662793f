/*
 * common/sandbox.h -- the confinement of each role, built in one place.
 *
 * Runs in: every process but the supervisor (and in the supervisor's child
 * between fork and exec of an external agent). Privilege: it only takes
 * privilege away.
 *
 * sandbox_enter() sets PR_SET_NO_NEW_PRIVS and loads the role's libseccomp
 * filter (architecture checked, x32 rejected). Allow-list roles die on any
 * other syscall (SCMP_ACT_KILL_PROCESS). It never returns on failure: a
 * process that cannot be confined does not run (fail closed, T8).
 */
#ifndef AKSUP_SANDBOX_H
#define AKSUP_SANDBOX_H

enum sandbox_role {
	ROLE_BROKER,		/* the gate: channels, audit fd, memory */
	ROLE_WORKER_FS,		/* + *at() calls on its root dirfds */
	ROLE_CLIENT,		/* aksup-submit: its channel, stdin/stdout */
	ROLE_LOGVIEW,		/* aksup-log: reads the log fd, writes stdout */
	ROLE_AGENT_EXTERNAL,	/* deny-list: an interpreter must run */
};

/* Confine the calling process for `role`. Exits on failure. */
void sandbox_enter(enum sandbox_role role);

/* External agents: a Landlock ruleset giving read+execute beneath the
 * paths in `ro`, read+write of the (device) files in `rw`, no TCP, no
 * abstract unix sockets and no signals outside the domain, where the
 * kernel's ABI has them. NULL-terminated lists; a path that does not exist
 * is skipped. Returns 0, or -1 with errno when Landlock is unavailable.
 * Called before sandbox_enter(ROLE_AGENT_EXTERNAL). */
int sandbox_landlock(const char *const *ro, const char *const *rw);

#endif
