/*
 * common/fds.h -- where each process finds its descriptors after exec.
 *
 * The supervisor places them (supervisor/spawn.c) and closes every other
 * descriptor; each child checks them before use. This is the whole
 * contract between the supervisor and its children about inherited fds.
 */
#ifndef AKSUP_FDS_H
#define AKSUP_FDS_H

/* aksup-broker */
#define BROKER_FD_SUP		3	/* channel to the supervisor */
#define BROKER_FD_AGENT		4	/* the agent channel (JSON) */
#define BROKER_FD_AUDIT		5	/* audit log, O_RDWR|O_APPEND */
#define BROKER_FD_POLICY	6	/* policy file, read once */
#define BROKER_FD_FS		7	/* channel to the fs worker */
#define BROKER_FD_SEALKEY	8	/* seal key file, O_WRONLY, new: the
					   broker writes k_0 once, closes it */
#define BROKER_FD_PROC		9	/* channel to the proc worker (closed
					   unused when the policy allows no
					   proc.exec: it is not started) */
#define BROKER_FD_HTTP		10	/* channel to the http worker (closed
					   unused when the policy allows no
					   net.http) */
#define BROKER_FD_MCP		11	/* channel to the mcp worker (closed
					   unused when the policy allows no
					   mcp.call or mcp.list) */
#define BROKER_FD_LLM		12	/* channel to the llm worker (closed
					   unused when the policy allows no
					   llm.chat) */
#define BROKER_FD_AGENTCFG	13	/* the built-in agent's AGENT.yaml,
					   read once (aksup run --agent) */

/* aksup-worker-fs */
#define WORKER_FD_BROKER	4	/* channel to the broker */
#define WORKER_FD_ROOT0		5	/* first O_PATH root dirfd */
/* The most fs roots (directories a policy opens) one session may have:
 * the worker's channel and its root dirfds are one spawn's descriptors
 * (SPAWN_FDS_MAX in supervisor/supervisor.h, checked there). The policy
 * loader refuses more, naming the rule. */
#define FS_ROOTS_MAX		63
/* the snapshot store (O_PATH directory, docs/ROLLBACK.md), after the
 * roots' numbers */
#define WORKER_FD_SNAP		(WORKER_FD_ROOT0 + FS_ROOTS_MAX)

/* aksup-worker-proc: WORKER_FD_BROKER, then its cgroup directories and
 * the roots it binds into each command's view, from this number on, in
 * the order its argv lists them (workers/proc/proc.c) */
#define PROC_FD_FIRST		5

/* aksup-worker-http: WORKER_FD_BROKER, then the credentials' values
 * (a sealed memfd the supervisor wrote: "SOURCE\0VALUE\0" per source,
 * SOURCE as policy_cred_source names it, "ENV:NAME" or "FILE:/path"),
 * read once and closed before the worker confines itself; -1 (absent)
 * when the policy has no credentials */
#define HTTP_FD_CREDS		5

/* aksup-worker-mcp: WORKER_FD_BROKER, then the pin file (O_RDWR |
 * O_APPEND, the operator's: common/mcp/pins.h), then the values of the
 * servers' env sources (a sealed memfd as HTTP_FD_CREDS's; -1 when no
 * server's env names a source), then its cgroup directories and the
 * servers' ro and roots paths from MCP_FD_FIRST on, as its argv lists
 * them (as the proc worker's) */
#define MCP_FD_PINS		5
#define MCP_FD_ENV		6
#define MCP_FD_FIRST		7

/* aksup-worker-llm: WORKER_FD_BROKER, then the API keys (a sealed memfd
 * as HTTP_FD_CREDS's, sources "ENV:NAME" or "FILE:/path"; -1 when the
 * operator gave none), then the replay transcript (the operator's file,
 * read once; -1 when none) */
#define LLM_FD_KEYS		5
#define LLM_FD_REPLAY		6

/* the agent (external or built-in, and aksup-submit) */
#define AGENT_FD		3	/* also in $AKSUP_FD */
/* the built-in agent: its configuration (BROKER_READY's JSON, in a
 * sealed memfd), read once and closed before confinement */
#define AGENT_FD_CONFIG		4

#endif
