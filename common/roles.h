/*
 * common/roles.h -- the process diagram as data: one row per role, and
 * the channel matrix (which roles talk, over which descriptors, with what
 * largest message). Everything that differs between processes is read
 * from these two tables: the one role enum, the supervisor's profiles
 * (supervisor/confine.c), the seccomp and Landlock dispatch
 * (common/sandbox.c), the descriptors each process finds its channels on,
 * the order a session starts its processes in (supervisor/session.c),
 * and how long the rest may run once one of them is gone
 * (supervisor/watch.c). docs/ARCHITECTURE.md §1 shows the rows and lists
 * what a new worker adds; docs/SANDBOX.md explains the profiles.
 *
 * Runs in: every process. Privilege: n/a (constants).
 */
#ifndef AKSUP_COMMON_ROLES_H
#define AKSUP_COMMON_ROLES_H

#include <sched.h>

#include "common/fds.h"

/* Namespaces besides the user namespace (created when unprivileged). */
#define NS_ROLE		(CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)
#define NS_AGENT	(NS_ROLE | CLONE_NEWPID | CLONE_NEWNS)

/* uid column: the role's uid/gid is --uid-base plus this (as root), or */
#define UID_RUN_AS	(-1)	/* the files' owner (--run-as, sudo's user) */
#define UID_INVOKER	(-2)	/* the invoking user: never spawned */

/* The uid offset a proc.exec command runs as when the files' owner
 * would be root's uid 0 (started as root without sudo or --run-as): a
 * command is never host root. */
#define UID_COMMAND_ROOT	4

/* rlimit columns: a number, or */
#define RL_KEEP		(-1LL)	/* not set: the operator's limit stays */
#define KiB		(1024LL)
#define MiB		(1024LL * KiB)

/* Landlock column (common/sandbox.c, supervisor/confine.c). */
enum ll_kind {
	LLK_NONE,	/* not confined by us (the supervisor) */
	LLK_NOTHING,	/* no file right at all: acts on the fds it holds */
	LLK_FS_ROOTS,	/* exactly its roots' rights (sandbox_fs_root) */
	LLK_VIEW,	/* its mount view, read-only; /tmp, /dev/shm rw */
	LLK_CA_FILES,	/* read-only: the CA bundle(s) and the resolver's
			 * files (/etc/hosts, resolv.conf, nsswitch.conf),
			 * nothing else (the http worker) */
	LLK_PER_COMMAND,	/* none on itself (Landlock forbids the mounts
				 * it makes for its commands); each command
				 * gets a ruleset of its own (workers/proc/) */
};

/* flags column */
#define RF_SESSION	0x01u	/* started by every session, in row order */
#define RF_WORKER	0x02u	/* a provider's worker (the broker's peer) */
#define RF_AGENT	0x04u	/* the agent's seat: the other end of the
				 * agent channel, in the session's cgroup;
				 * one such row per session */
#define RF_EXTERNAL	0x08u	/* not our binary: confined before exec,
				 * unknown syscalls fail with ENOSYS */
#define RF_OPTIONAL	0x10u	/* started only when the broker's
				 * BROKER_READY names it: the policy allows
				 * one of its actions (broker_wants) */
#define RF_OWN_USERNS	0x20u	/* a user namespace of its own, as root
				 * too, mapped by the supervisor; it keeps
				 * a few capabilities there (PROC_KEEP_CAPS)
				 * and none outside */
/* What an RF_OWN_USERNS role keeps in its own user namespace (and
 * nowhere else): make a command's namespaces and mount view
 * (CAP_SYS_ADMIN), start it as another inner uid (CAP_SETUID, CAP_SETGID),
 * empty its bounding set and lock its securebits (CAP_SETPCAP), kill it
 * and everything it started (CAP_KILL). The includer has <sys/capability.h>. */
#define PROC_KEEP_CAPS	CAP_SYS_ADMIN, CAP_SETUID, CAP_SETGID, CAP_SETPCAP, \
	CAP_KILL
#define RF_BY_WORKER	0x80u	/* started by a worker, never by the
				 * supervisor: the row is its profile
				 * (a proc.exec command, workers/proc/) */
#define RF_CONCURRENT	0x40u	/* runs many requests at once: the broker
				 * sends it up to WORKER_INFLIGHT_MAX and
				 * refuses one more rather than wait */

/*
 * R(ID, name, binary, uid, namespaces,
 *   NOFILE, NPROC, FSIZE, MEMLOCK, seccomp, landlock, grace_ms, flags)
 *
 * name: the role's name in messages, golden filters
 *   (tests/sandbox/filter-NAME.pfc) and test hooks.
 * binary: ours, found beside aksup or in libexec; NULL: the operator's.
 * NPROC 0: the role never forks (its filter would kill it anyway); the
 *   broker's 16 are its audit syncer thread's.
 * seccomp: the builder sc_NAME in common/sandbox.c.
 * grace_ms: once this role is gone, how long the others have before the
 *   supervisor kills what is left (the agent gone: the broker drains its
 *   work; a worker gone: the broker answers and ends; the broker gone:
 *   the agent reads its last answers and exits).
 * Every row: RLIMIT_DATA 1 GiB, RLIMIT_CORE 0, RLIMIT_MSGQUEUE 0.
 * Row order is start order: the broker, then the workers, then the agent.
 */
#define AKSUP_ROLES(R)							\
	R(SUPERVISOR, "supervisor", "aksup", UID_INVOKER, 0,		\
	    RL_KEEP, RL_KEEP, RL_KEEP, RL_KEEP, none, LLK_NONE, 0, 0)	\
	R(BROKER, "broker", "aksup-broker", 0, NS_ROLE,			\
	    64, 16, RL_KEEP, 0, broker, LLK_NOTHING, 2000, RF_SESSION)	\
	R(WORKER_FS, "worker-fs", "aksup-worker-fs", UID_RUN_AS, NS_ROLE, \
	    512, 0, 64 * MiB, 0, worker_fs, LLK_FS_ROOTS, 3000,		\
	    RF_SESSION | RF_WORKER)					\
	R(WORKER_PROC, "worker-proc", "aksup-worker-proc", 3,		\
	    NS_AGENT, 1024, RL_KEEP, 256 * MiB, 64 * KiB,		\
	    worker_proc, LLK_PER_COMMAND, 3000, RF_SESSION | RF_WORKER |	\
	    RF_OPTIONAL | RF_OWN_USERNS | RF_CONCURRENT)			\
	R(WORKER_HTTP, "worker-http", "aksup-worker-http", 5,		\
	    NS_ROLE & ~CLONE_NEWNET, 256, 32, RL_KEEP, 0, worker_http,	\
	    LLK_CA_FILES, 3000, RF_SESSION | RF_WORKER | RF_OPTIONAL |	\
	    RF_CONCURRENT)						\
	R(WORKER_MCP, "worker-mcp", "aksup-worker-mcp", 6,		\
	    NS_AGENT, 1024, RL_KEEP, 256 * MiB, 64 * KiB,		\
	    worker_proc, LLK_PER_COMMAND, 3000, RF_SESSION | RF_WORKER |	\
	    RF_OPTIONAL | RF_OWN_USERNS | RF_CONCURRENT)			\
	R(WORKER_LLM, "worker-llm", "aksup-worker-llm", 7,		\
	    NS_ROLE & ~CLONE_NEWNET, 64, 32, RL_KEEP, 0, worker_http,	\
	    LLK_CA_FILES, 3000, RF_SESSION | RF_WORKER | RF_OPTIONAL)	\
	R(AGENT_EXTERNAL, "agent-external", NULL, 1, NS_AGENT,		\
	    1024, 256, 256 * MiB, 64 * KiB, agent_external, LLK_VIEW,	\
	    10000, RF_AGENT | RF_EXTERNAL)				\
	R(AGENT_BUILTIN, "agent-builtin", "aksup-agent", 1, NS_ROLE,	\
	    16, 0, RL_KEEP, 0, agent_builtin, LLK_NOTHING, 10000, RF_AGENT) \
	R(COMMAND, "command", NULL, UID_RUN_AS, NS_AGENT,		\
	    256, 256, 256 * MiB, 64 * KiB, command, LLK_VIEW, 0,		\
	    RF_EXTERNAL | RF_BY_WORKER)					\
	R(COMMAND_NET, "command-net", NULL, UID_RUN_AS,			\
	    NS_AGENT & ~CLONE_NEWNET, 256, 256, 256 * MiB, 64 * KiB,	\
	    command_net, LLK_VIEW, 0, RF_EXTERNAL | RF_BY_WORKER)		\
	R(CLIENT, "client", "aksup-submit", 1, NS_ROLE,			\
	    16, 0, RL_KEEP, 0, client, LLK_NOTHING, 10000, RF_AGENT)	\
	R(LOGVIEW, "logview", "aksup-log", 2, NS_ROLE,			\
	    64, 0, RL_KEEP, 0, logview, LLK_NOTHING, 0, 0)		\
	R(POLICY_TOOL, "policy-tool", "aksup-broker", 2, NS_ROLE,	\
	    64, 0, RL_KEEP, 0, broker, LLK_NOTHING, 0, 0)

#define ROLE_ENUM_(id, ...) ROLE_##id,
enum role {
	ROLE_NONE = 0,		/* a zeroed struct names no role */
	AKSUP_ROLES(ROLE_ENUM_)
	ROLE_N
};
#undef ROLE_ENUM_

struct role_def {
	const char *name;
	const char *binary;
	int uid;		/* offset from the uid base, or UID_* */
	int ns;			/* CLONE_NEW* */
	long long nofile, nproc, fsize, memlock;	/* or RL_KEEP */
	enum ll_kind landlock;
	int grace_ms;
	unsigned flags;		/* RF_* */
};

/* Indexed by enum role (common/roles.c); ROLE_NONE's row is zeroed. */
extern const struct role_def role_defs[ROLE_N];

/*
 * C(A, FD_IN_A, B, FD_IN_B, MSG_MAX): a SOCK_SEQPACKET socketpair between
 * roles A and B, on those descriptor numbers in each (-1: the supervisor
 * keeps its end where it is), with buffers for MSG_MAX bytes (0: the
 * kernel's default). A session makes the pairs whose two ends it starts;
 * nothing else connects two processes (T5, T12).
 */
#define AKSUP_CHANNELS(C)						\
	C(SUPERVISOR, -1, BROKER, BROKER_FD_SUP, 0)			\
	C(BROKER, BROKER_FD_FS, WORKER_FS, WORKER_FD_BROKER,		\
	    WIRE_PAYLOAD_MAX)						\
	C(BROKER, BROKER_FD_PROC, WORKER_PROC, WORKER_FD_BROKER,		\
	    WIRE_PAYLOAD_MAX)						\
	C(BROKER, BROKER_FD_HTTP, WORKER_HTTP, WORKER_FD_BROKER,		\
	    WIRE_PAYLOAD_MAX)						\
	C(BROKER, BROKER_FD_MCP, WORKER_MCP, WORKER_FD_BROKER,		\
	    WIRE_PAYLOAD_MAX)						\
	C(BROKER, BROKER_FD_LLM, WORKER_LLM, WORKER_FD_BROKER,		\
	    WIRE_PAYLOAD_MAX)						\
	C(BROKER, BROKER_FD_AGENT, AGENT_EXTERNAL, AGENT_FD, AGENT_MSG_MAX) \
	C(BROKER, BROKER_FD_AGENT, AGENT_BUILTIN, AGENT_FD, AGENT_MSG_MAX) \
	C(BROKER, BROKER_FD_AGENT, CLIENT, AGENT_FD, AGENT_MSG_MAX)

struct chan_def {
	enum role a, b;
	int fd_a, fd_b;
	unsigned msg_max;
};

extern const struct chan_def chan_defs[];
extern const unsigned chan_ndefs;

/* Row of `name` ("worker-fs"), or ROLE_NONE. */
enum role role_by_name(const char *name);

/* The descriptor role `self` finds its channel to `peer` on, or -1 when
 * the matrix has no such channel. */
int role_chan_fd(enum role self, enum role peer);

#endif
