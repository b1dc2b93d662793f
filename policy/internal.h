/*
 * policy/internal.h -- the compiled policy, shared by the files of
 * policy/ and by nothing else (policy/policy.h is the public header),
 * and its strict reading of YAML (yjson.c), which broker/agentcfg.c
 * shares.
 *
 * Runs in: the broker (confined: no filesystem, no network) and in its
 * --check / --explain modes. Privilege: none. Pure data.
 */
#ifndef AKSUP_POLICY_INTERNAL_H
#define AKSUP_POLICY_INTERNAL_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include <yaml.h>

#include "policy/glob.h"
#include "policy/policy.h"

#define NFS_ACTIONS	4	/* actions[0..3] are fs.* */
enum {
	ACT_FS_READ, ACT_FS_WRITE, ACT_FS_DELETE, ACT_FS_LIST,
	ACT_PROC_EXEC, ACT_NET_HTTP, ACT_MCP_CALL, ACT_MCP_LIST, ACT_LLM_CHAT,
	ACT_SNAPSHOT_ROLLBACK,
	NACTIONS
};
extern const char *const policy_actions[NACTIONS];

/* Where a node was in the YAML file (1-based). */
struct pos {
	int line, col;
};

/* ---- URLs (url.c) ----------------------------------------------------- */

enum host_kind {
	HOST_EXACT,		/* "api.example.com", "127.0.0.1", "[::1]" */
	HOST_ONE_LABEL,		/* "*.example.com": exactly one more label */
	HOST_ANY,		/* "**": any DNS name (and, in a deny rule, any
				 * IP literal too) */
};

struct url_pat {
	bool https;
	enum host_kind host_kind;
	char *host;		/* lower case; ONE_LABEL: ".example.com" */
	bool host_ip;		/* EXACT and an IP literal */
	int port;		/* -1: any (":*"); else the port to match */
	bool port_explicit;	/* the rule named a port (else the default) */
	struct glob *path;	/* normalized path glob */
};

#define URL_HOST_MAX	256
#define URL_MAX		8192

/* A parsed, checked target URL. */
struct url_target {
	bool https;
	bool ip;		/* the host is an IP literal */
	int port;		/* explicit or the scheme's default */
	char host[URL_HOST_MAX];	/* lower case, no trailing dot */
	char path[POLICY_PATH_MAX];	/* percent-decoded, normalized */
};

/* Compile a URL pattern; returns 0, or -1 with a static message. */
int url_pat_compile(const char *pat, struct url_pat *u, const char **why);
void url_pat_free(struct url_pat *u);
/* Parse a target; returns 0, or -1 with a static reason (never matches). */
int url_parse(const char *url, struct url_target *t, const char **why);
/* Match; on a miss fills why (may be NULL) with the component that
 * differs. `deny` widens "**" to IP literals. */
bool url_match(const struct url_pat *u, const struct url_target *t,
    bool deny, char *why, size_t whylen);

/* ---- programs (proc.exec) --------------------------------------------- */

enum args_kind {
	ARGS_NONE,		/* no `args:`: no arguments at all */
	ARGS_EXACT,		/* `args: [a, b]` or `{exact: [...]}` */
	ARGS_PREFIX,		/* `{prefix: [...]}`: these first, then any */
	ARGS_GLOB,		/* `{glob: [...]}`: one glob per argument */
};

struct prog_pat {
	char *prog;		/* absolute normalized path or bare name */
	bool any;		/* "*" or "**": any program */
	bool bare;		/* prog has no '/' */
	enum args_kind args_kind;
	char **args;
	size_t nargs;
	long args_max;		/* -1: no limit beyond args_kind's own */
	char **env;		/* `env:` names the agent may set (allow rules) */
	size_t nenv;
	bool network;		/* `network: true`: the host's network */
	unsigned timeout_max;	/* `timeout_max:` seconds; 0: not given */
};

/* A proc.exec target, or an mcp server's command[0]: an absolute,
 * normalized path (not "/") or a bare name (no '/', not "." or ".."),
 * non-empty, shorter than POLICY_PATH_MAX, without a control byte.
 * false with *bad saying why (match.c). */
bool prog_target_ok(const char *s, const char **bad);

/* The fixed PATH the proc worker resolves bare names in. */
#define POLICY_EXEC_PATH	"/usr/local/bin:/usr/bin:/bin"

/* ---- net.http: what an allow rule grants (policy_http_grant) ------------ */

struct http_opts {
	unsigned timeout_max;	/* `timeout_max:` seconds; 0: not given */
	int follow_max;		/* `follow_redirects:` hops; -1: not given */
	unsigned long max_bytes;	/* `max_bytes:`; 0: not given */
};

/* ---- credentials ------------------------------------------------------ */

struct cred_header {
	char *name;		/* as written (an HTTP token) */
	char *tmpl;		/* the value template, checked */
};

struct cred {
	char *resource;		/* as written */
	struct url_pat url;
	struct cred_header *hdr;
	size_t nhdr;
	size_t *src;		/* indexes into policy->sources, each once,
				 * in first-use order */
	size_t nsrc;
	struct pos pos;
	char id[300];		/* "FILE:LINE" */
};

/* ---- mcp_servers: the servers mcp.call reaches ------------------------- */

struct mcp_server {
	char *name;		/* [a-z0-9][a-z0-9_-]*, the "server" of mcp.call */
	char **argv;		/* `command:`, argv[0] the program */
	size_t argc;
	char **ro;		/* `ro:` absolute, normalized, not "/" */
	size_t nro;
	char **roots;		/* `roots:` likewise */
	size_t nroots;
	char **env_names;	/* `env:` NAME -> template, file order */
	char **env_tmpls;
	size_t nenv;
	size_t *src;		/* indexes into policy->sources, each once,
				 * in first-use order */
	size_t nsrc;
	bool network;
	unsigned timeout;	/* seconds; POLICY_MCP_TIMEOUT_DEFAULT unset */
	struct pos pos;		/* the name */
	char id[300];		/* "FILE:LINE" of the name */
};

/* ---- MCP tools -------------------------------------------------------- */

struct mcp_pat {
	char *server;		/* glob; NULL = any */
	char *tool;		/* glob; NULL = any */
};

/* ---- constraints (cons.c) --------------------------------------------- */

enum cop {
	C_EQ,			/* scalar, or {equals: scalar} */
	C_ONE_OF,		/* {one_of: [scalars]} */
	C_MIN,			/* {min: number} */
	C_MAX,			/* {max: number} */
	C_GLOB,			/* {glob: "pattern"}: fnmatch, flags 0 */
	C_REGEX,		/* {regex: "ERE"}: whole value, POSIX ERE */
	C_MAX_LENGTH,		/* {max_length: n}: string bytes, array items,
				 * object members */
	C_MAX_SIZE,		/* {max_size: n}: bytes of the compact JSON */
	C_ABSENT,		/* {absent: true} */
};

struct cterm {
	enum cop op;
	json_t *val;		/* EQ: the value; ONE_OF: an array; MIN/MAX:
				 * a number; GLOB/REGEX: the source string */
	long long n;		/* MAX_LENGTH, MAX_SIZE */
	regex_t re;
	bool have_re;
};

struct constraint {
	char *key;
	struct cterm *terms;
	size_t nterms;
	struct pos pos;		/* the key */
};

/* ---- examples --------------------------------------------------------- */

struct example {
	bool allow;		/* listed under allow: (else deny:) */
	char *target;
	json_t *params;		/* an object, never NULL */
	struct pos pos;
};

/* ---- rules ------------------------------------------------------------ */

enum res_kind {
	RES_PATH,		/* fs.* */
	RES_URL,		/* net.http */
	RES_PROG,		/* proc.exec */
	RES_MCP,		/* mcp.call */
	RES_GLOB,		/* llm.chat, snapshot.rollback */
};

struct rule {
	int action;		/* ACT_* */
	bool deny;		/* from the top-level `deny:` list */
	enum res_kind kind;
	char *resource;		/* as written, for explain */
	struct glob *glob;	/* RES_PATH, RES_GLOB */
	struct url_pat url;	/* RES_URL */
	struct prog_pat prog;	/* RES_PROG */
	struct mcp_pat mcp;	/* RES_MCP */
	struct http_opts http;	/* RES_URL */
	struct constraint *cons;
	size_t ncons;
	struct example *ex;
	size_t nex;
	int root;		/* allow fs rules: index into policy->roots */
	bool no_snapshot;	/* fs.write, fs.delete: `snapshot: false` */
	bool tree_snapshot;	/* proc.exec: `snapshot: tree` */
	unsigned snapshot_ttl;	/* `snapshot_ttl:` seconds; 0: not given */
	long long token_budget;	/* llm.chat: `token_budget:`; 0: none */
	size_t no;		/* 1-based number within its list */
	struct pos pos;
	char id[300];		/* "FILE:LINE" */
};

struct policy {
	struct rule *rules;	/* capabilities first, then deny, file order */
	size_t nrules;
	char **roots;
	unsigned *root_actions;	/* FS_RIGHT_* per root */
	size_t nroots;
	struct cred *creds;	/* `credentials:`, file order */
	size_t ncreds;
	char **sources;		/* "ENV:NAME" / "FILE:/path", first use */
	unsigned *source_users;	/* POLICY_SOURCE_* per source */
	size_t nsources;
	struct mcp_server *mcp;	/* `mcp_servers:`, file order */
	size_t nmcp;
	char name[256];
};

/* cons.c */
/* deny: the rule is a deny rule (unjudgeable values match, cons.c). */
bool cons_hold(const struct constraint *c, size_t n, const json_t *params,
    bool deny, char *why, size_t whylen);
void cons_free(struct constraint *c, size_t n);
/* The params constraints see: fs.write base64 content decoded (cons.c). */
const json_t *cons_params(int action, const json_t *params, json_t **owned);
/* How a compiled term reads in explain output. */
void cterm_describe(const struct cterm *t, char *buf, size_t size);

/* match.c: does rule r match (action already equal)? why on a miss. */
struct target {
	int action;
	const char *raw;
	bool ok;		/* parsed/canonical; else nothing matches */
	const char *bad;	/* why not ok */
	struct url_target url;	/* net.http */
	const char *server;	/* mcp.call: split copy */
	const char *tool;
	char mcpbuf[POLICY_PATH_MAX * 2];
};
void target_prepare(struct target *t, int action, const char *raw);
bool rule_matches(const struct rule *r, const struct target *t,
    const json_t *params, char *why, size_t whylen);

/* Quote a string for messages: printable ASCII, truncated. */
const char *policy_quote(const char *s, size_t len, char *buf, size_t size);

/* ---- strict YAML (yjson.c) ---------------------------------------------
 * shared with broker/agentcfg.c (AGENT.yaml), which reads YAML as the
 * policy loader does */

#define YJ_MAX_DEPTH	32	/* YAML nesting; a policy needs 7 */

/* What a plain scalar means under the YAML 1.2 core schema. */
enum scalar_type {
	SC_NULL,
	SC_BOOL,
	SC_INT,
	SC_REAL,
	SC_STR
};

/* A document being read: errors about its nodes go to err(arg, node,
 * msg), which records them (with the node's position) and returns -1. */
struct yjson {
	yaml_document_t *doc;
	int (*err)(void *arg, const yaml_node_t *n, const char *msg);
	void *arg;
};

/* Fill *err (line, col 1-based from mark, msg); returns -1. */
int yj_set_err(struct policy_err *err, yaml_mark_t mark, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));
/* The parser's error in *err; returns -1. */
int yj_parser_err(yaml_parser_t *ps, struct policy_err *err);
/* Walk the events before loading: syntax errors, aliases, anchors, tags,
 * nesting deeper than YJ_MAX_DEPTH and a second document are errors
 * (-1, *err filled); 0. Without it yj_value is neither bounded nor safe
 * from alias expansion. */
int yj_prescan(const char *buf, size_t len, struct policy_err *err);
bool yj_one_of(const char *s, const char *const *list);
enum scalar_type yj_scalar_type(const yaml_node_t *n);
bool yj_has_nul(const yaml_node_t *n);
/* A string scalar without NUL (n may be NULL). */
bool yj_is_string(const yaml_node_t *n);
/* A mapping's keys: strings, each once (the second one is reported). */
int yj_check_keys(const struct yjson *y, yaml_node_t *map);
/* A scalar, typed as the core schema says; NULL with an error reported. */
json_t *yj_scalar(const struct yjson *y, const yaml_node_t *n);
/* Any node (after yj_prescan); NULL with an error reported. */
json_t *yj_value(const struct yjson *y, yaml_node_t *n);

#endif
