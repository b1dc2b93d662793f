/*
 * broker/provider.h -- the provider table: one row per action the policy
 * knows, saying which worker does it, what params it takes (types,
 * bounds, defaults, values), how its worker request is built and how the
 * worker's answer becomes the agent's data (broker/providers.c). The
 * gate (broker/gate.c) and the loop (broker/loop.c) read the row; they
 * know no provider by name.
 *
 * Runs in: the broker (confined), and its --check/--explain modes.
 * Privilege: none. Pure: no I/O, no exit(); fuzzed by
 * fuzz/fuzz_request.c.
 */
#ifndef AKSUP_BROKER_PROVIDER_H
#define AKSUP_BROKER_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <jansson.h>

#include "common/roles.h"
#include "common/wire.h"
#include "policy/policy.h"

enum ptype { PT_STRING, PT_INT, PT_NUMBER, PT_BOOL, PT_STRLIST, PT_OBJECT,
	PT_TEXT_OR_JSON, PT_LIST };

struct param_def {
	const char *name;
	enum ptype type;
	bool required;		/* checked by the provider stage */
	size_t max;		/* string: bytes, list: items; 0: unbounded */
	const char *const *oneof;	/* string values the provider takes
					   (provider stage); NULL: any */
	const char *dflt;	/* JSON text of the value the provider uses
				   when the key is absent; NULL: none */
};

/* A request to a worker, built in storage the in-flight request owns:
 * valid while it lives. hdr holds the provider's fixed header (struct
 * fs_req, ...): each provider asserts its header fits FWD_HDR_MAX. */
#define FWD_HDR_MAX	192
struct fwd {
	_Alignas(8) unsigned char hdr[FWD_HDR_MAX];
	const char *rid;	/* the request's record id (36 bytes + NUL) */
	const char *session;	/* the session's id (the same form) */
	int operator_client;	/* broker_cfg's: may undo any session's */
	struct iovec iov[4];
	int iovcnt;
	void *owned;		/* a buffer the hook made, freed with it */
	unsigned run_ms;	/* how long the worker may take on it by the
				 * provider's own bound (a command's timeout);
				 * 0: no bound of its own */
	unsigned hops_max;	/* hop_req messages its worker may send for
				 * it (net.http: its follow_redirects as
				 * capped); one more breaks the protocol */
	uint32_t tokens;	/* a metered row's: the tokens it may
				 * generate, held from the session's budget
				 * until it answers (llm.chat) */
};

/* A reusable buffer (the escaped text of a raw answer). */
struct growbuf {
	char *buf;
	size_t cap;
};

struct provider {
	const char *action;	/* "fs.read" */
	enum role worker;	/* its row of common/roles.h; ROLE_NONE: no
				 * provider yet (allowed: ERROR "no provider") */
	bool path_target;	/* the target is a filesystem path (normalized) */
	/* closed: a key not in the schema is malformed (the action has a
	 * provider, which takes exactly these). Open: the keys listed are
	 * typed (policy constraints and defaults see them), the rest pass:
	 * nothing runs (no provider), or they are a tool's arguments
	 * (mcp.call: the mcp worker checks them against the tool's
	 * inputSchema before the call). */
	bool closed;
	const struct param_def *params;		/* ends with a NULL name */
	/* Beyond types: canonical forms the worker will use (constraints
	 * see them). 0, or -1 with why. NULL: none. */
	int (*canon)(json_t *params, char *why, size_t whylen);
	enum wire_type req, resp;	/* its messages (common/wire.h) */
	/* A target without a '/' is resolved by the worker before the
	 * decision (proc.exec: a bare program name in the fixed PATH), with
	 * these messages; WIRE_NONE: never. */
	enum wire_type resolve_req, resolve_resp;
	/* The worker's request for an allowed action (target canonical,
	 * d the decision). 0, or -1 with *err (the request fails). */
	int (*encode)(struct fwd *f, const struct policy *p,
	    const char *action, json_t *params, const char *target,
	    const struct policy_decision *d, const char **err);
	/* The worker's answer (kind: enum reply_kind, raw: its bytes, a
	 * NUL after them) as the agent's data: 0 with *data and *dlen (JSON
	 * text) or *err; 1 with *err when the worker refused it
	 * (REPLY_DENIED: the agent's DENIED); -1 when it breaks the
	 * protocol. */
	int (*result)(const struct provider *pv, uint32_t kind,
	    const char *raw, size_t len, struct growbuf *esc,
	    const char **data, size_t *dlen, const char **err);
	/* A worker that asks the broker mid-request (net.http: may it
	 * follow this redirect?) sends hop_req with the request's tag and
	 * the new target; the broker decides and records it like a request
	 * of its own and answers hop_resp, built by `hop` (d NULL: denied;
	 * first: the request's own target). WIRE_NONE: never. */
	enum wire_type hop_req, hop_resp;
	int (*hop)(struct fwd *f, const struct policy *p, const char *first,
	    const char *target, json_t *params,
	    const struct policy_decision *d, const char **err);
	/* The names of the credentials its worker adds for target (none
	 * to another origin than first's, when not NULL), for the records
	 * and never a value: into names[HTTP_CRED_NAMES_MAX]. NULL: none. */
	size_t (*creds)(const struct policy *p, const char *target,
	    const char *first, const char **names);
	/* Whether its worker needs the host's network under this policy
	 * (proc.exec: a rule with network: true). NULL: never. */
	bool (*network)(const struct policy *p);
	size_t small_result;	/* >0: the answer's data is at most this
				 * (an OK answer that always fits) */
	/* fs.write, fs.delete: its worker takes a snapshot first unless the
	 * rule says snapshot: false; the outcome record names it. */
	bool snapshots;
	/* A target the action takes only in one form (snapshot.rollback: a
	 * record id), checked before the decision: 0, or -1 with why (a
	 * malformed request, never looked up). NULL: any. */
	int (*target_check)(const char *target, size_t len, char *why,
	    size_t whylen);
	/* Its worker's OK answers begin with struct llm_usage_wire, the
	 * tokens the call used: the broker sums them (llm_tokens) against
	 * the deciding rule's token_budget and the outcome records them. */
	bool metered;
};

/* Whether a session under this policy needs worker `r`: some action of
 * its rows has an allow rule (an RF_OPTIONAL worker is started only
 * then; BROKER_READY names it). */
bool provider_worker_wanted(const struct policy *p, enum role r);
/* Whether worker r needs the host's network under this policy (its
 * rows' network hooks): BROKER_READY names it NAME+net. */
bool provider_worker_network(const struct policy *p, enum role r);

/* The row of `action`, or NULL (an unknown action: denied). */
const struct provider *provider_of(const char *action);
/* Rows, for the tests: the table and its length. */
extern const struct provider providers[];
extern const size_t nproviders;

/*
 * Check a request's params against its row. PARAMS_TYPES, before the
 * decision: each key present has its type and bound, and a closed row
 * takes no other key. PARAMS_PROVIDER, once allowed: the required keys
 * are there, the values are ones the provider takes. An action without a
 * row passes (it is denied). Returns 0 or -1 with `why` filled.
 */
enum params_stage { PARAMS_TYPES, PARAMS_PROVIDER };
int provider_check_params(const char *action, const json_t *params,
    enum params_stage stage, char *why, size_t whylen);

/* Before the decision: the types (PARAMS_TYPES), then the defaults the
 * provider would use for keys left out, then its canonical forms (the
 * params constraints see are the ones the worker gets). 0, or -1 with
 * why (a malformed request). */
int provider_prepare(const char *action, json_t *params, char *why,
    size_t whylen);

/* The text a worker answered raw, as a JSON string into esc: NULL and
 * *err when it holds a NUL (why[0]) or is not UTF-8 (why[1]): the agent
 * channel carries text only (docs/PROTOCOL.md §1). For a result hook,
 * which says in why[] what the text was. */
const char *provider_text(const char *raw, size_t len, struct growbuf *esc,
    size_t *dlen, const char **err, const char *const why[2]);

/* A worker's answer that is a JSON object (REPLY_JSON, checked: one
 * object, no duplicate key), or why there is none (REPLY_ERROR), or why
 * it refused (REPLY_DENIED: returns 1): a result hook's work for the mcp
 * and llm workers. -1: it breaks the protocol. */
int provider_object_result(uint32_t kind, const char *raw, size_t len,
    const char **data, size_t *dlen, const char **err);

/* ---- the hooks, by provider ---------------------------------------- */

/* The largest data of an answer that must always fit (a row's
 * small_result): fs.write's and fs.delete's {"bytes_written":N}. */
#define FS_SMALL_DATA_MAX \
	(sizeof("{\"bytes_written\":-9223372036854775808}") - 1)
#define PROVIDER_SMALL_MAX	FS_SMALL_DATA_MAX

/* broker/prov_proc.c: proc.exec. Its bounds (docs/PROTOCOL.md §6). */
#define PROC_OUTPUT_MAX	(1024 * 1024)	/* max_output, bytes per stream */
#define PROC_ARGS_MAX	1024		/* args entries */
#define PROC_ENV_MAX	64		/* env names */
#define PROC_CWD_MAX	4095		/* cwd, bytes */
/* The largest result a proc.exec answer can carry on this session's
 * agent channel (set by the broker from its agent_max; the worker cuts
 * output to fit). */
extern size_t proc_data_max;
int proc_canon(json_t *params, char *why, size_t whylen);
bool proc_network(const struct policy *p);
int proc_encode(struct fwd *f, const struct policy *p, const char *action,
    json_t *params, const char *target, const struct policy_decision *d,
    const char **err);
int proc_result(const struct provider *pv, uint32_t kind, const char *raw,
    size_t len, struct growbuf *esc, const char **data, size_t *dlen,
    const char **err);

/* broker/prov_mcp.c: mcp.call and mcp.list (docs/PROTOCOL.md §6). The
 * largest result an answer can carry (set by the broker from its
 * agent_max; the worker refuses a larger one). */
extern size_t mcp_data_max;
int mcp_encode(struct fwd *f, const struct policy *p, const char *action,
    json_t *params, const char *target, const struct policy_decision *d,
    const char **err);
int mcp_result(const struct provider *pv, uint32_t kind, const char *raw,
    size_t len, struct growbuf *esc, const char **data, size_t *dlen,
    const char **err);
bool mcp_network(const struct policy *p);

/* broker/prov_http.c: net.http (docs/PROTOCOL.md §6). */
#define HTTP_CRED_NAMES_MAX	64	/* sources named in one answer */
/* The largest result a net.http answer can carry (set by the broker
 * from its agent_max; the worker cuts the body to fit). */
extern size_t http_data_max;
int http_header_reserved(const char *name);
int http_canon(json_t *params, char *why, size_t whylen);
int http_encode(struct fwd *f, const struct policy *p, const char *action,
    json_t *params, const char *target, const struct policy_decision *d,
    const char **err);
int http_hop(struct fwd *f, const struct policy *p, const char *first,
    const char *url, json_t *params, const struct policy_decision *d,
    const char **err);
int http_result(const struct provider *pv, uint32_t kind, const char *raw,
    size_t len, struct growbuf *esc, const char **data, size_t *dlen,
    const char **err);
/* The source names (NAME, or the path of a file) of the credentials the
 * worker sends to url (none to another origin than first's, when not
 * NULL): into names[HTTP_CRED_NAMES_MAX]; returns how many. */
size_t http_cred_names(const struct policy *p, const char *url,
    const char *first, const char **names);


/* broker/prov_llm.c: llm.chat (docs/PROTOCOL.md §6). The largest answer
 * (set by the broker from its agent_max; the worker refuses a larger
 * one). */
extern size_t llm_data_max;
/* The session's tokens: used (as the providers counted them) and held
 * by the calls in flight (what each may generate). The broker's loop
 * keeps them (broker/inflight.c). */
struct llm_tokens {
	unsigned long long used, reserved;
};
extern struct llm_tokens llm_tokens;
/* What is left of budget (a rule's token_budget) for this session: 0
 * when nothing; -1 when budget is 0 (none). */
long long llm_tokens_left(long long budget);
int llm_target_check(const char *target, size_t len, char *why,
    size_t whylen);
/* The tokens a call's input may be, from its params' length (JSON text
 * bytes / 4, rounded up): held from the budget with what it may
 * generate. */
unsigned long long llm_input_estimate(size_t params_len);
/* Whether a call under budget (a rule's token_budget; 0: none) is
 * refused: 1 with why (the budget spent, or too little left for its
 * input's estimate), else 0. */
int llm_budget_refusal(long long budget, size_t params_len, char *why,
    size_t whylen);
int llm_canon(json_t *params, char *why, size_t whylen);
int llm_encode(struct fwd *f, const struct policy *p, const char *action,
    json_t *params, const char *target, const struct policy_decision *d,
    const char **err);
int llm_result(const struct provider *pv, uint32_t kind, const char *raw,
    size_t len, struct growbuf *esc, const char **data, size_t *dlen,
    const char **err);

/* broker/prov_fs.c */
int fs_encode(struct fwd *f, const struct policy *p, const char *action,
    json_t *params, const char *target, const struct policy_decision *d,
    const char **err);
int fs_result(const struct provider *pv, uint32_t kind, const char *raw,
    size_t len, struct growbuf *esc, const char **data, size_t *dlen,
    const char **err);

#endif
