/*
 * workers/mcp/mcp.h -- the mcp worker's pieces: its servers (server.c:
 * each a child in the proc sandbox, its protocol exchange, its calls)
 * and the loop that serves the broker (mcp.c).
 *
 * Runs in: aksup-worker-mcp, inner root of a user namespace of its own
 * holding PROC_KEEP_CAPS there only (common/roles.h), as the proc
 * worker; each server its child, confined by workers/proc/cmd.c.
 */
#ifndef AKSUP_WORKERS_MCP_H
#define AKSUP_WORKERS_MCP_H

#include <jansson.h>
#include <stdint.h>

#include "workers/creds.h"
#include "common/mcp/jsonrpc.h"
#include "common/mcp/pins.h"
#include "workers/proc/proc.h"

#define MCP_SERVERS_MAX		16	/* the policy's bound */
#define MCP_JOBS_MAX		16	/* the broker's WORKER_INFLIGHT_MAX */
#define MCP_TOOLS_MAX		1024	/* tools a server may announce */
#define MCP_PAGES_MAX		64	/* tools/list pages */
#define MCP_STDERR_LOG_MAX	(64 * 1024)	/* bytes logged a server */
#define MCP_STDIN_MAX		(WIRE_PAYLOAD_MAX + 64 * 1024)
#define MCP_PROBE_MS		2000	/* server/discover's wait */
#define MCP_PIN_DEF_MAX		(64u * 1024)	/* a tool's definition
						 * pinned, bytes */
#define MCP_PINS_APPEND_MAX	(256u * 1024)	/* a server's pin lines
						 * a session, bytes */
#define MCP_STOP_MS		500	/* stdin closed, then SIGTERM, then
					 * SIGKILL, this far apart */

/* One request of the broker's, waiting for or being served by its
 * server. */
struct mcp_job {
	uint64_t tag;
	uint32_t op;		/* enum mcp_op */
	uint32_t timeout_ms, data_max;
	char *tool;		/* MCP_OP_CALL */
	json_t *args;
	struct mcp_job *next;
};

enum srv_state {
	SRV_DOWN,		/* not started (or gone: start on next use) */
	SRV_DISCOVER,		/* server/discover sent */
	SRV_INIT,		/* initialize sent (legacy era) */
	SRV_LIST,		/* tools/list sent */
	SRV_READY,		/* idle */
	SRV_CALL,		/* tools/call sent */
	SRV_STOPPING,		/* stdin closed, being stopped */
	SRV_DEAD,		/* crashed again after its one restart */
};

struct mcp_server {
	char name[65];
	json_t *spec;		/* as the broker sent it (the policy's) */
	struct proc_child ch;
	int running;		/* ch holds a live child */
	int exited;
	enum srv_state st;
	int modern;		/* 2026-07-28 (stateless) era */
	char version[JR_VERSION_MAX + 1];
	struct jr_reader rd;
	char *wbuf;		/* bytes for its stdin not yet written */
	size_t wlen, woff;
	json_int_t next_id, wait_id, probe_id;
	uint64_t deadline;	/* of the answer awaited; 0: none */
	uint64_t start_deadline;	/* its whole start (handshake, tool
					 * list); 0 once it is ready */
	uint64_t stop_at;	/* SRV_STOPPING: the next signal */
	int stop_step;
	json_t *tools;		/* announced: array (accumulating in LIST) */
	char *cursor;		/* LIST: the next page's */
	int pages;
	size_t pins_written;	/* its pin lines this session, bytes */
	int restarts;		/* after a crash or a kill */
	int start_failed;	/* its sandbox could not be made: dead */
	size_t stderr_logged;
	char errline[256];	/* the stderr line being gathered */
	size_t errlen;
	struct mcp_job *cur;	/* being served */
	struct mcp_job *head, *tail;	/* waiting */
};

/* The worker's state, shared by mcp.c and server.c. */
struct mcp_worker {
	struct proc_cfg cfg;
	struct credstore env;	/* the servers' env values */
	struct pins *pins;
	int pins_fd;
	const char *pins_path;	/* its path, for the operator's messages */
	int pins_broken;	/* too large to read: every call refused */
	struct mcp_server srv[MCP_SERVERS_MAX];
	int nsrv;
	int eof;		/* the broker is gone: stop everything */
};

/* server.c */
/* The server of that spec (by name; a new one the first time), or NULL
 * when there is no room. */
struct mcp_server *srv_get(struct mcp_worker *w, json_t *spec);
void srv_enqueue(struct mcp_worker *w, struct mcp_server *s,
    struct mcp_job *j);
/* Work it on: start it, send what its state needs, answer its jobs. */
void srv_advance(struct mcp_worker *w, struct mcp_server *s);
/* Its descriptors' events. */
void srv_stdout(struct mcp_worker *w, struct mcp_server *s);
void srv_stderr(struct mcp_server *s);
void srv_stdin(struct mcp_worker *w, struct mcp_server *s);
void srv_exited(struct mcp_worker *w, struct mcp_server *s);
/* Deadlines: an answer not come, a stop's next step. */
void srv_tick(struct mcp_worker *w, struct mcp_server *s, uint64_t now);
uint64_t srv_next_deadline(const struct mcp_server *s);
/* The session ends: stdin closed, then SIGTERM, then SIGKILL. */
void srv_stop(struct mcp_worker *w, struct mcp_server *s);
int srv_gone(const struct mcp_server *s);

/* mcp.c: the answer to a job (and its end). kind: enum reply_kind. */
void mcp_answer(struct mcp_job *j, uint32_t kind, const char *text,
    size_t len);
void mcp_job_free(struct mcp_job *j);

#endif
