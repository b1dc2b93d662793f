/*
 * policy/policy.h -- the policy language, as a pure library.
 *
 * Runs in: the broker (decisions, load at start-up, confined: no filesystem,
 * no network) and in the broker's --check mode (aksup validate-policy).
 * Privilege: none; it only reads bytes it is given. Never calls exit().
 *
 * Format (the Python project's, extended): a YAML mapping with the key
 * `capabilities:` (allow rules) and optionally `deny:` (deny rules), each a
 * sequence of {action, resource, constraint?, args?, args_max?, env?,
 * network?, timeout_max?, follow_redirects?, max_bytes?, examples?}
 * mappings (args to network: proc.exec only; timeout_max: proc.exec and
 * net.http; follow_redirects, max_bytes: net.http only), and optionally
 * `credentials:` (headers the http worker adds to requests to some URLs,
 * their values named, never held, here), and optionally `mcp_servers:`
 * (the MCP servers mcp.call reaches). A deny rule that matches
 * overrides every allow; nothing matching is a deny. Rule order never
 * changes a decision. See docs/POLICY.md.
 */
#ifndef AKSUP_POLICY_H
#define AKSUP_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#define POLICY_PATH_MAX 4096

/* proc.exec: the cap on a command's run time, in seconds, when its rule
 * has no `timeout_max:`, and the largest `timeout_max:` a rule may give. */
#define POLICY_PROC_TIMEOUT_DEFAULT 30
#define POLICY_PROC_TIMEOUT_MAX 3600
/* proc.exec `env:`: at most this many names a rule, each at most this many
 * bytes, each [A-Za-z_][A-Za-z0-9_]*. */
#define POLICY_ENV_NAMES_MAX 64
#define POLICY_ENV_NAME_MAX 128

/* net.http: a rule's `timeout_max:` (seconds; default and largest),
 * `follow_redirects:` (hops; default 0, largest) and `max_bytes:` (the
 * body kept; default and largest). */
#define POLICY_HTTP_TIMEOUT_DEFAULT 30
#define POLICY_HTTP_TIMEOUT_MAX 3600
#define POLICY_HTTP_FOLLOW_MAX 20
#define POLICY_HTTP_MAX_BYTES_DEFAULT 1048576UL
#define POLICY_HTTP_MAX_BYTES_MAX 16777216UL

/* `credentials:`: at most this many entries, headers an entry, bytes a
 * header name and a value template, distinct sources (ENV:/FILE:) in
 * the whole policy, bytes an environment variable's name. */
#define POLICY_CRED_ENTRIES_MAX 16
#define POLICY_CRED_HEADERS_MAX 8
#define POLICY_CRED_NAME_MAX 64
#define POLICY_CRED_TEMPLATE_MAX 1024
#define POLICY_CRED_SOURCES_MAX 64
#define POLICY_CRED_VAR_MAX 64

/* What uses a source (policy_source_users): a bit each. */
#define POLICY_SOURCE_CREDENTIALS 1u
#define POLICY_SOURCE_MCP 2u

/* `mcp_servers:`: at most this many servers, bytes a name, entries and
 * bytes an entry of `command:`, paths in each of `ro:` and `roots:`,
 * variables in `env:`; a server's `timeout:` (seconds; default and
 * largest). */
#define POLICY_MCP_SERVERS_MAX 16
#define POLICY_MCP_NAME_MAX 64
#define POLICY_MCP_ARGV_MAX 64
#define POLICY_MCP_ARG_MAX 4096
#define POLICY_MCP_PATHS_MAX 16
#define POLICY_MCP_ENV_MAX 32
#define POLICY_MCP_TIMEOUT_DEFAULT 30
#define POLICY_MCP_TIMEOUT_MAX 3600

struct policy;

/* A load error: where it is and what is wrong. `file` is the display name
 * given to policy_load_buf(). line and col are 1-based. */
struct policy_err {
	char file[256];
	int line;
	int col;
	char msg[256];
};

/* Parse a policy from memory. On success returns 0 and *out owns the
 * policy. On error returns -1 and fills *err (never partial policies). */
int policy_load_buf(const char *buf, size_t len, const char *name,
		    struct policy **out, struct policy_err *err);
void policy_free(struct policy *p);

size_t policy_nrules(const struct policy *p);

/* The filesystem roots: distinct directories under which fs.* rules can
 * match (the static prefix of each fs rule's pattern, see POLICY.md).
 * Index i is stable for the life of the policy; the supervisor opens an
 * O_PATH dirfd for each, the fs worker receives them in this order. */
size_t policy_nroots(const struct policy *p);
const char *policy_root(const struct policy *p, size_t i);

/* The fs actions some rule allows beneath root i: a mask of FS_RIGHT_*
 * (common/fsrights.h). The supervisor and the fs worker confine the root
 * to exactly these rights (a read-only root stays read-only even in a
 * compromised worker). */
unsigned policy_root_actions(const struct policy *p, size_t i);
/* Whether everything beneath root i may be written and deleted: an allow
 * rule of fs.write and one of fs.delete whose resource is exactly the root
 * followed by a slash and a double star, neither with constraints, and no deny rule of fs.write
 * or fs.delete whose root lies beneath root i or above it (FS_ROOT_WHOLE:
 * a tree snapshot is put back only there). */
bool policy_root_whole(const struct policy *p, size_t i);
/* The first allow rule, in file order, that opens root i: its "FILE:LINE"
 * (the return value) and its action (*action: "fs.read", ...); NULL when
 * i is out of range. The supervisor names it when it refuses a session
 * whose audit log or policy lies beneath the root. */
const char *policy_root_rule(const struct policy *p, size_t i,
			     const char **action);

/* What the allow rule that decided a proc.exec request grants the command
 * (rule: policy_decision.rule). 0, or -1 when rule is not an allow rule of
 * proc.exec. The env names stay owned by the policy. */
struct proc_grant {
	bool network;
	unsigned timeout_max;		/* seconds; POLICY_PROC_TIMEOUT_DEFAULT when unset */
	const char *const *env;		/* names the agent may set */
	size_t nenv;
};
/* rule indexes all the rules, allow rules (capabilities:) first, then the
 * deny rules, as policy_decision.rule does. On -1, *out (when not NULL)
 * is zeroed: no network, no env, timeout_max 0 (run nothing). */
int policy_proc_grant(const struct policy *p, int rule, struct proc_grant *out);
/* What the allow rule that decided a net.http request grants it (rule:
 * policy_decision.rule): 0, or -1 when rule is not an allow rule of
 * net.http, *out (when not NULL) then zeroed (fetch nothing). */
struct http_grant {
	unsigned timeout_max;		/* seconds; POLICY_HTTP_TIMEOUT_DEFAULT (30) when unset */
	unsigned follow_max;		/* redirect hops; 0 when unset */
	unsigned long max_bytes;	/* body bytes kept; 1048576 when unset */
	bool host_named;		/* the rule's host is a literal name or IP
					 * address (not `**`, not `*.domain`): a
					 * loopback/private address it resolves
					 * to is allowed */
};
int policy_http_grant(const struct policy *p, int rule, struct http_grant *out);

/*
 * `credentials:` -- headers the http worker adds to the requests whose
 * URL an entry's resource matches. The policy holds only templates:
 * "${NAME}" (the operator's environment variable NAME), "${file:/path}"
 * (that file's content, one trailing newline stripped) and "$$" (a "$").
 * It never reads the environment or a file.
 */
/* The number of entries (0 without `credentials:`). */
size_t policy_ncreds(const struct policy *p);
/* The sources the entries name, each once, in first-use order:
 * "ENV:NAME" or "FILE:/path". The supervisor resolves them before any
 * worker starts (a missing one fails the session start, named). NULL
 * when i is out of range. */
size_t policy_cred_nsources(const struct policy *p);
const char *policy_cred_source(const struct policy *p, size_t i);
/* The entries whose resource matches a net.http target, as an allow
 * rule's would (policy/url.c), in file order: their indexes into idx[],
 * at most max; returns how many it wrote. A target that does not parse
 * matches none. */
size_t policy_cred_match(const struct policy *p, const char *target,
			 size_t *idx, size_t max);
/* Entry i: its number of headers; header j's name (the return value,
 * NULL when out of range) and its template (*tmpl; NULL when out of
 * range; tmpl may be NULL). */
size_t policy_cred_nheaders(const struct policy *p, size_t i);
const char *policy_cred_header(const struct policy *p, size_t i, size_t j,
			       const char **tmpl);
/* The source names entry i uses, each once, in first-use order: NAME for
 * ENV:NAME, the path for FILE:/path (what answers and records name:
 * never a value). Up to max into names[]; returns how many it wrote. */
size_t policy_cred_names(const struct policy *p, size_t i,
			 const char **names, size_t max);
/* "FILE:LINE" of entry i (its mapping), NULL when out of range. */
const char *policy_cred_id(const struct policy *p, size_t i);
/* Who uses source i (policy_cred_source): POLICY_SOURCE_CREDENTIALS,
 * POLICY_SOURCE_MCP or both; 0 when i is out of range. */
unsigned policy_source_users(const struct policy *p, size_t i);

/*
 * `mcp_servers:` -- the MCP servers mcp.call reaches, each started (by
 * the MCP worker) in its own sandbox. Names are [a-z0-9][a-z0-9_-]*, the
 * `server` of an mcp.call target "server/tool". Like the credentials'
 * headers, env values are templates whose sources are in the policy's
 * one list (policy_cred_source); the policy never reads them.
 */
struct policy_mcp {
	const char *name;
	const char *const *argv;	/* `command:`; argv[0] an absolute,
					 * normalized path or a bare name
					 * (resolved in the fixed PATH
					 * /usr/local/bin:/usr/bin:/bin) */
	size_t argc;			/* 1..POLICY_MCP_ARGV_MAX */
	const char *const *ro;		/* read-only in its view, besides the
					 * system directories */
	size_t nro;
	const char *const *roots;	/* read-write; its roots/list answer */
	size_t nroots;
	const char *const *env_names;	/* its whole environment: NAME ... */
	const char *const *env_tmpls;	/* ... and its value template */
	size_t nenv;
	const size_t *src;		/* the sources its env uses: indexes
					 * for policy_cred_source, each once */
	size_t nsrc;
	bool network;			/* the host's network (a wide grant) */
	unsigned timeout_s;		/* each call's deadline; 30 unset */
	const char *id;			/* "FILE:LINE" of its name */
};
/* The number of servers (0 without `mcp_servers:`), in file order. */
size_t policy_nmcp(const struct policy *p);
/* Server i's name; NULL when out of range. */
const char *policy_mcp_name(const struct policy *p, size_t i);
/* The index of the server named `name` (compared byte for byte), or -1. */
int policy_mcp_find(const struct policy *p, const char *name);
/* Server i: 0 and *out filled (every pointer owned by the policy), or -1
 * with *out zeroed when i is out of range. */
int policy_mcp_server(const struct policy *p, size_t i,
		      struct policy_mcp *out);

/* true when some allow rule (capabilities:) has this action. */
bool policy_allows_action(const struct policy *p, const char *action);

/* True for the actions aksup knows (fs.read, fs.write, ...). */
bool policy_action_known(const char *action);
/* True when the action's target is a filesystem path (fs.*). */
bool policy_action_is_fs(const char *action);

struct policy_decision {
	bool allow;
	bool by_deny_rule;	/* denied by a `deny:` rule (rule >= 0) */
	int rule;		/* index of the deciding rule, -1 = default deny;
				 * allow rules first (file order), then deny */
	int root;		/* fs actions, when allowed: index into roots */
	bool no_snapshot;	/* fs.write, fs.delete, allowed: every allow
				 * rule that matches says `snapshot: false`:
				 * done without one */
	bool tree_snapshot;	/* proc.exec, allowed: some allow rule that
				 * matches says `snapshot: tree`: the
				 * writable roots are snapshotted before the
				 * command runs (the fs worker) */
	unsigned snapshot_ttl;	/* with a snapshot: the longest
				 * `snapshot_ttl:` of the allow rules that
				 * match (one without counts
				 * POLICY_SNAPSHOT_TTL_DEFAULT); else 0 */
	long long token_budget;	/* llm.chat, allowed: the deciding rule's
				 * `token_budget:`, the tokens the session's
				 * model calls may use in all (the broker
				 * sums them); 0: none */
	char rule_id[300];	/* "FILE:LINE" of the rule, or "default-deny" */
};

/* What the caller does to a request's params before deciding (the
 * broker: its provider table's types, defaults and canonical forms,
 * broker/provider.h): 0, or -1 with why (a malformed request). */
typedef int (*policy_prepare_fn)(const char *action, json_t *params,
    char *why, size_t whylen);

/* The largest `token_budget:` a rule may give. */
#define POLICY_TOKEN_BUDGET_MAX	1000000000000LL
/* The longest `snapshot_ttl:` a rule may give: 100 years, in seconds. */
#define POLICY_SNAPSHOT_TTL_MAX	3153600000u
/* How long a snapshot is kept when no rule or option says: an hour. */
#define POLICY_SNAPSHOT_TTL_DEFAULT	3600u

/* Decide one request. `target` must already be canonical (for fs actions:
 * the output of path_normalize). `params` is a JSON object (may be empty,
 * never NULL), as prepared for the provider (its defaults filled in). Always fills *out; never fails
 * open: anything it cannot judge is a deny. */
void policy_decide(const struct policy *p, const char *action,
		   const char *target, const json_t *params,
		   struct policy_decision *out);

/* The decision, the deciding rule (file:line) and why every other rule
 * for the action did or did not match, as text (malloc'd; NULL when out
 * of memory). Same inputs as policy_decide. */
char *policy_explain(const struct policy *p, const char *action,
		     const char *target, const json_t *params);

/* Check every rule's `examples:` against the whole policy, each
 * example's params through `prepare` first (NULL: as written; a
 * malformed allow example fails). Calls report()
 * once per failing example (err: FILE:LINE:COL of the example and a
 * message naming the rule) and returns the number that fail. */
size_t policy_check_examples(const struct policy *p,
			     policy_prepare_fn prepare,
			     void (*report)(void *arg,
					    const struct policy_err *err),
			     void *arg);
size_t policy_nexamples(const struct policy *p);

/* Lexically normalize an absolute path: collapse `//`, drop `.`, resolve
 * `..` (never above `/`), drop a trailing `/` (except for "/" itself).
 * Returns 0, or -1 when `in` is not absolute, contains NUL within inlen,
 * or the result does not fit in outlen. */
int path_normalize(const char *in, size_t inlen, char *out, size_t outlen);

/* Segment-aware glob: `*` and `?` match inside one segment, `**` as a whole
 * segment matches zero or more whole segments. Both strings normalized. */
bool path_glob_match(const char *pattern, const char *path);

#endif
