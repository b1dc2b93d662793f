/*
 * common/wire.h -- every internal message, declared once.
 *
 * Runs in: every process. Privilege: none.
 *
 * Internal channels (supervisor<->child, broker<->worker) are
 * SOCK_SEQPACKET socketpairs: one message per packet, a struct wire_hdr
 * followed by `len` payload bytes. The table below is the whole protocol:
 * for each type the sending and receiving role and the payload size range.
 * chan_recv() checks type, sender, receiver, size and that no descriptor
 * rides along before any handler sees a message; a trusted peer that breaks
 * the protocol is fatal (the caller exits, the supervisor tears down).
 *
 * The agent channel is different (public, JSON): see docs/PROTOCOL.md.
 */
#ifndef AKSUP_WIRE_H
#define AKSUP_WIRE_H

#include <stdint.h>

#include "common/fsrights.h"
#include "common/roles.h"	/* who sends and receives: enum role */

/* Largest agent message (docs/PROTOCOL.md) and internal payload. */
/*
 * The internal protocol's version: bumped with any change to a message
 * below. The supervisor gives it to every role binary it starts
 * (AKSUP_WIRE=...), each checks it first thing (wire_version_check), and
 * the broker's BROKER_READY begins with it: a libexec copy of another
 * build never talks to this one, in either direction.
 */
#define WIRE_VERSION		"aksup-wire-12"
#define WIRE_VERSION_ENV	"AKSUP_WIRE"

#define AGENT_MSG_MAX	(1024 * 1024)
#define WIRE_PAYLOAD_MAX (AGENT_MSG_MAX + 64 * 1024)

/*
 * MSG(name, from, to, min_payload, max_payload, flags)
 *
 * flags: WF_ONCE, the receiver accepts it once per channel; a second is a
 * protocol violation (fatal), like a wrong sender or size.
 *
 * Why the supervisor may trust BROKER_READY's roots: it is the broker's
 * first and only message to the supervisor, read (wait_ready) before any
 * worker or agent exists, when the broker has read nothing but the
 * operator's policy; the supervisor never reads the channel again.
 */
#define WF_ONCE		0x1u
#define WIRE_MESSAGES(MSG)						\
	/* broker -> supervisor, once: policy loaded; payload =	\
	 * WIRE_VERSION and a NUL, then the optional workers the	\
	 * policy needs (RF_OPTIONAL rows' names, comma-separated, each	\
	 * NAME+net when it needs the host's network, "" for none) and	\
	 * a NUL, then the credentials' sources the supervisor reads for	\
	 * the http worker (policy_cred_source: "ENV:NAME", "FILE:/p"),	\
	 * each NUL-terminated, and an empty string; then the sources	\
	 * the supervisor reads for the mcp worker (the servers' env),	\
	 * likewise, and an empty string; then the mcp servers' paths	\
	 * (their ro and roots, when the mcp worker runs), each one	\
	 * byte FS_RIGHT_READ or FS_RIGHT_READ|FS_RIGHT_WRITE, the path	\
	 * and the server's "FILE:LINE" NUL-terminated, then a 0 byte;	\
	 * then the fs roots in policy order, each one byte of FS_RIGHT_* rights	\
	 * then three NUL-terminated strings: the path, the "FILE:LINE"	\
	 * of the first rule opening it, that rule's action (fs.read..).	\
	 * The supervisor refuses a session whose audit log, seal key	\
	 * or policy lies beneath a root (supervisor/placement.c). */	\
	MSG(BROKER_READY, ROLE_BROKER, ROLE_SUPERVISOR, 0, 256 * 1024,	\
	    WF_ONCE)							\
	/* broker -> fs worker: struct fs_req + path + content */	\
	MSG(FS_REQ, ROLE_BROKER, ROLE_WORKER_FS, sizeof(struct fs_req),	\
	    WIRE_PAYLOAD_MAX, 0)					\
	/* fs worker -> broker: struct reply_hdr + JSON text (data on	\
	 * success) or the error message (on failure) */		\
	MSG(FS_RESP, ROLE_WORKER_FS, ROLE_BROKER, sizeof(struct reply_hdr),	\
	    WIRE_PAYLOAD_MAX, 0)					\
	/* broker -> proc worker: a bare program name to resolve in	\
	 * the fixed PATH, before the decision (no NUL) */		\
	MSG(PROC_RESOLVE, ROLE_BROKER, ROLE_WORKER_PROC, 1, PROC_NAME_MAX, 0) \
	/* proc worker -> broker: struct reply_hdr + the absolute path	\
	 * (REPLY_RAW) or why not (REPLY_ERROR) */			\
	MSG(PROC_RESOLVED, ROLE_WORKER_PROC, ROLE_BROKER,		\
	    sizeof(struct reply_hdr), sizeof(struct reply_hdr) + 4096, 0) \
	/* broker -> proc worker: struct proc_req + its strings */	\
	MSG(PROC_REQ, ROLE_BROKER, ROLE_WORKER_PROC, sizeof(struct proc_req), \
	    WIRE_PAYLOAD_MAX, 0)					\
	/* proc worker -> broker: struct reply_hdr + the result, JSON	\
	 * (REPLY_JSON), or why the command never ran (REPLY_ERROR) */	\
	MSG(PROC_RESP, ROLE_WORKER_PROC, ROLE_BROKER,			\
	    sizeof(struct reply_hdr), WIRE_PAYLOAD_MAX, 0)		\
	/* broker -> http worker: struct http_req + its strings + body */ \
	MSG(HTTP_REQ, ROLE_BROKER, ROLE_WORKER_HTTP, sizeof(struct http_req), \
	    WIRE_PAYLOAD_MAX, 0)					\
	/* http worker -> broker, with a request's tag: its answer was	\
	 * a redirect it may follow (http_req.follow left); payload =	\
	 * the absolute next URL (no NUL). The broker decides it and	\
	 * answers HTTP_HOP_ANSWER with the same tag. */		\
	MSG(HTTP_HOP, ROLE_WORKER_HTTP, ROLE_BROKER, 1, HTTP_URL_MAX, 0) \
	/* broker -> http worker: struct http_hop + its credential	\
	 * strings (as in struct http_req) */				\
	MSG(HTTP_HOP_ANSWER, ROLE_BROKER, ROLE_WORKER_HTTP,		\
	    sizeof(struct http_hop), 64 * 1024, 0)			\
	/* http worker -> broker: struct reply_hdr + the result, JSON	\
	 * (REPLY_JSON), or why no answer came (REPLY_ERROR) */		\
	MSG(HTTP_RESP, ROLE_WORKER_HTTP, ROLE_BROKER,			\
	    sizeof(struct reply_hdr), WIRE_PAYLOAD_MAX, 0)		\
	/* broker -> mcp worker: struct mcp_req + JSON text (below) */	\
	MSG(MCP_REQ, ROLE_BROKER, ROLE_WORKER_MCP, sizeof(struct mcp_req), \
	    WIRE_PAYLOAD_MAX, 0)					\
	/* mcp worker -> broker: struct reply_hdr + the result, JSON	\
	 * (REPLY_JSON), why it failed (REPLY_ERROR), or why the call	\
	 * is refused (REPLY_DENIED: a tool changed since pinned) */	\
	MSG(MCP_RESP, ROLE_WORKER_MCP, ROLE_BROKER,			\
	    sizeof(struct reply_hdr), WIRE_PAYLOAD_MAX, 0)		\
	/* broker -> llm worker: struct llm_req + model + params JSON */ \
	MSG(LLM_REQ, ROLE_BROKER, ROLE_WORKER_LLM, sizeof(struct llm_req), \
	    WIRE_PAYLOAD_MAX, 0)					\
	/* llm worker -> broker: struct reply_hdr, struct		\
	 * llm_usage_wire (what the call used, or may have cost), then	\
	 * the answer (REPLY_JSON) or why none came (REPLY_ERROR) */	\
	MSG(LLM_RESP, ROLE_WORKER_LLM, ROLE_BROKER,			\
	    sizeof(struct reply_hdr), WIRE_PAYLOAD_MAX, 0)		\
	/* supervisor -> broker, at most once: end the session (the	\
	 * agent is being stopped); payload = the reason, "timeout" or	\
	 * "signal", for session_end. */				\
	MSG(SESSION_STOP, ROLE_SUPERVISOR, ROLE_BROKER, 1, 16, WF_ONCE)

struct wire_hdr {
	uint32_t type;		/* enum wire_type */
	uint32_t len;		/* payload bytes after the header */
	uint64_t tag;		/* request tag, echoed in the answer */
};

enum fs_enc {
	FS_ENC_UTF8 = 0,
	FS_ENC_BASE64,
};

#define FS_F_SNAPSHOT	0x1u	/* fs.write, fs.delete: take a snapshot
				   first (the rule did not say snapshot:
				   false); without one the action is not
				   done */
#define FS_F_FORCE	0x2u	/* FS_OP_ROLLBACK: restore even when the
				   file changed since the action */
#define FS_F_ANY_SESSION 0x4u	/* FS_OP_ROLLBACK: a snapshot of another
				   session too (the operator's aksup
				   rollback); without it, an agent undoes
				   only its own session's */
#define FS_ID_LEN	36	/* a record or session id, a UUID */

struct fs_req {
	uint32_t op;		/* enum fs_op */
	uint32_t root;		/* index of the root dirfd (not for
				   FS_OP_ROLLBACK: the snapshot names it) */
	uint32_t enc;		/* enum fs_enc */
	uint32_t path_len;	/* path relative to the root, no NUL ("."
				   for FS_OP_ROLLBACK) */
	uint32_t data_len;	/* content for FS_OP_WRITE (encoded) */
	uint32_t target_len;	/* canonical target, for error texts */
	uint32_t flags;		/* FS_F_* */
	uint32_t ttl;		/* FS_F_SNAPSHOT: seconds its snapshot is kept
				   by the rule (snapshot_ttl); 0: not said */
	char rid[FS_ID_LEN];	/* the request's record id (its snapshot's
				   name); FS_OP_ROLLBACK: the record to
				   undo (no NUL) */
	char session[FS_ID_LEN];	/* the session's id (no NUL) */
	char self[FS_ID_LEN];	/* FS_OP_ROLLBACK: its own record id, which
				   names the snapshot of what it replaces
				   (a rollback can be rolled back) */
	/* then: path, target, data */
};

/* A bare program name the proc worker resolves: bytes. */
#define PROC_NAME_MAX		255

#define PROC_F_NETWORK		0x1u	/* the host's network (rule's
					   network: true) */
/*
 * A command to run. Strings follow the header in this order, each
 * NUL-terminated: the program (absolute, as decided), cwd ("" for
 * the private /tmp), then argc argv entries, then envc "NAME=value"
 * entries; then stdin_len bytes of standard input.
 */
struct proc_req {
	uint32_t argc;		/* argv entries, argv[0] included */
	uint32_t envc;
	uint32_t flags;		/* PROC_F_* */
	uint32_t timeout_ms;	/* killed (the whole namespace) after it */
	uint32_t max_output;	/* bytes kept per stream */
	uint32_t strs_len;	/* bytes of the strings */
	uint32_t stdin_len;
	uint32_t data_max;	/* the result JSON fits in this: output is
				   cut further to fit (the agent channel's) */
};

/* ---- net.http ---- */
/* A URL, bytes (the policy's own bound on a target). */
#define HTTP_URL_MAX		8192
#define HTTP_HEADERS_MAX	64	/* agent headers a request */
#define HTTP_NAME_MAX		64	/* a header name, bytes */
#define HTTP_VALUE_MAX		8192	/* an agent header's value, bytes */
#define HTTP_BODY_MAX		(16 * 1024 * 1024)	/* max_bytes at most */
#define HTTP_HOPS_MAX		20	/* follow_redirects at most */
#define HTTP_CRED_HEADERS_MAX	128	/* injected: 16 entries x 8 */
#define HTTP_F_PRIVATE_OK	0x1u	/* the deciding rule names the host
					   (or address) literally: a
					   loopback, private, link-local...
					   address it resolves to is
					   allowed; else refused */
/*
 * An allowed request. Strings follow the header, each NUL-terminated:
 * the method (upper-case letters), the URL (as decided), then nheaders
 * agent headers "Name: value", then ncreds credential headers as two
 * strings each, "Name" and its template ("${NAME}", "${file:/path}",
 * "$$" as docs/POLICY.md §13 says), which the worker fills from the
 * values the supervisor gave it alone; then body_len bytes of body.
 */
struct http_req {
	uint32_t flags;		/* HTTP_F_* */
	uint32_t timeout_ms;	/* the whole exchange, every hop */
	uint32_t max_bytes;	/* body bytes kept; beyond: cut, flagged */
	uint32_t follow;	/* redirect hops it may ask the broker for */
	uint32_t data_max;	/* the result JSON fits in this (the
				   agent channel's): the body is cut to fit */
	uint32_t nheaders;
	uint32_t ncreds;
	uint32_t strs_len;	/* bytes of the strings */
	uint32_t body_len;
};

/* The broker's word on a redirect hop: followed (allowed) or not. The
 * credential headers for the new URL follow, as in struct http_req
 * (none to another origin than the first request's). */
struct http_hop {
	uint32_t allowed;	/* 1: go on; 0: the 3xx is the answer */
	uint32_t flags;		/* HTTP_F_*, for the new URL */
	uint32_t ncreds;
	uint32_t strs_len;
	/* the hop's own rule's caps (the worker keeps the smaller of
	 * these and what the exchange had): */
	uint32_t timeout_ms;	/* from the first request's start */
	uint32_t max_bytes;
	uint32_t follow;	/* hops left after this one */
	uint32_t reserved;
};

/* ---- mcp.call, mcp.list ---- */
enum mcp_op {
	MCP_OP_CALL = 1,	/* tools/call of "tool" with "arguments" */
	MCP_OP_LIST = 2,	/* tools/list */
};
/*
 * An allowed call or list. The JSON text that follows is an object:
 * "server": the server as the policy declares it, {"name", "argv",
 * "ro", "roots", "env": {NAME: TEMPLATE}, "network", "id" ("FILE:LINE")}
 * (the worker starts it as said the first time it is named, and keeps
 * it for the session); for MCP_OP_CALL "tool" (a name) and "arguments"
 * (an object, the agent's params).
 */
struct mcp_req {
	uint32_t op;		/* enum mcp_op */
	uint32_t timeout_ms;	/* the server's answer, after it is up */
	uint32_t data_max;	/* the result JSON fits in this */
	uint32_t json_len;	/* bytes of the JSON text */
};

/* ---- llm.chat ---- */
#define LLM_MODEL_MAX		256	/* a target "provider/model", bytes */
#define LLM_URL_MAX		2048	/* a provider's endpoint (--llm), bytes */
#define LLM_TIMEOUT_MAX		600	/* a call's timeout, seconds */
#define AGENT_PROMPT_MAX	65536	/* run --agent's PROMPT, bytes */
/*
 * An allowed model call: the target "provider/model" (model_len bytes,
 * no NUL), then the params as JSON text (params_len bytes: messages,
 * tools, max_tokens, temperature; typed by the broker, checked again by
 * the worker, which builds the provider's request from them).
 */
struct llm_req {
	uint32_t timeout_ms;	/* the whole call, every retry */
	uint32_t data_max;	/* the answer JSON fits in this */
	uint32_t max_tokens;	/* the most it may generate (the session's
				   token budget left, or the agent's own
				   smaller one); 0: the provider's default */
	uint32_t model_len;
	uint32_t params_len;
	uint32_t reserved;
};
/* What every answer of the llm worker begins with: the tokens the call
 * used, as the provider counted them, or (an error) what its tries may
 * have cost unread (a timeout: its input's estimate and its max_tokens);
 * the broker sums them against the session's token budget and records
 * them. */
struct llm_usage_wire {
	uint64_t input;
	uint64_t output;
};

/* What follows a worker's answer header: its kind. */
enum reply_kind {
	REPLY_ERROR = 0,	/* error text (the agent's "error") */
	REPLY_JSON = 1,		/* JSON text (the agent's "data") */
	REPLY_RAW = 2,		/* raw bytes the broker makes a JSON string */
	REPLY_DENIED = 3,	/* refused by the worker's own check (a tool
				 * changed since pinned): the text says why;
				 * the agent's status DENIED */
};

/* What every worker's answer begins with (every worker's answer
 * message: min >= sizeof(struct reply_hdr); test_roles checks it). */
struct reply_hdr {
	uint32_t kind;		/* enum reply_kind */
	uint32_t reserved;
};

#define WIRE_ENUM(name, from, to, min, max, flags) WIRE_##name,
enum wire_type {
	WIRE_NONE = 0,
	WIRE_MESSAGES(WIRE_ENUM)
	WIRE_NTYPES
};
#undef WIRE_ENUM

struct wire_spec {
	const char *name;
	enum role from;
	enum role to;
	uint32_t min;
	uint32_t max;
	unsigned flags;		/* WF_* */
};
_Static_assert(WIRE_NTYPES <= 32, "struct chan's seen mask");

/* The table, indexed by enum wire_type. */
extern const struct wire_spec wire_specs[WIRE_NTYPES];

#endif
