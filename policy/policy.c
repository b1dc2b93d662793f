/*
 * policy/policy.c -- load a YAML policy and decide requests against it.
 *
 * Runs in: the broker (confined: no filesystem, no network; it is handed
 * the policy bytes by the supervisor) and in the validate-policy check.
 * Privilege: none. Never calls exit(), never prints: every load error is
 * returned in a struct policy_err with its file:line:col.
 *
 * Loading is strict and fail-closed: unknown keys, wrong types, unknown
 * actions, aliases, tags and anything else we do not understand are
 * errors, never ignored. Deciding is allocation-free: patterns are split
 * into segments at load, constraints are resolved to JSON values at load.
 * The strict reading of YAML itself (the pre-scan, the core schema's
 * scalar types, keys, values to JSON) is policy/yjson.c's, shared with
 * the AGENT.yaml loader (broker/agentcfg.c).
 */

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "common/fds.h"
#include "common/fsrights.h"
#include "policy/internal.h"

#define MAX_RESOURCE	8192	/* non-fs resources (URLs, tool names) */
#define MAX_ARGS	256	/* entries of an `args:` list */

const char *const policy_actions[NACTIONS] = {
	"fs.read", "fs.write", "fs.delete", "fs.list",
	"proc.exec", "net.http", "mcp.call", "mcp.list", "llm.chat",
	"snapshot.rollback",
};
#define actions policy_actions

struct loader {
	yaml_document_t *doc;
	struct policy_err *err;
	const char *name;
	struct policy *p;
	size_t ruleno;		/* 1-based, for messages */
	bool deny;		/* loading the `deny:` list */
	size_t credno;		/* 1-based, loading `credentials:` */
	const char *mcpname;	/* quoted, loading a server of `mcp_servers:` */
	struct yjson yj;	/* YAML (yjson.c): its errors via node_err */
};

static int
action_index(const char *action)
{
	size_t i;

	if (action == NULL)
		return -1;
	for (i = 0; i < NACTIONS; i++)
		if (strcmp(actions[i], action) == 0)
			return (int)i;
	return -1;
}

bool
policy_action_known(const char *action)
{
	return action_index(action) >= 0;
}

bool
policy_action_is_fs(const char *action)
{
	int i = action_index(action);

	return i >= 0 && i < NFS_ACTIONS;
}

/* ---- errors ------------------------------------------------------------ */

/* An error about a node, prefixed with "rule N: " inside a rule. */
static int __attribute__((format(printf, 3, 4)))
node_err(struct loader *ld, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[232];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ld->ruleno > 0)
		return yj_set_err(ld->err, n->start_mark, "%srule %zu: %s",
		    ld->deny ? "deny " : "", ld->ruleno, msg);
	if (ld->credno > 0)
		return yj_set_err(ld->err, n->start_mark, "credential %zu: %s",
		    ld->credno, msg);
	if (ld->mcpname != NULL)
		return yj_set_err(ld->err, n->start_mark,
		    "mcp server \"%s\": %s", ld->mcpname, msg);
	return yj_set_err(ld->err, n->start_mark, "%s", msg);
}

/* Quote bytes for a message: printable ASCII only, truncated with "...". */
const char *
policy_quote(const char *s, size_t len, char *buf, size_t size)
{
	size_t i, o = 0;

	if (size < 8) {
		if (size > 0)
			buf[0] = '\0';
		return buf;
	}
	for (i = 0; i < len && o + 4 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[o++] = (c >= 0x20 && c < 0x7f && c != '"') ? (char)c : '?';
	}
	if (i < len)
		buf[o - 1] = buf[o - 2] = buf[o - 3] = '.';
	buf[o] = '\0';
	return buf;
}

static const char *
quote(const yaml_node_t *n, char *buf, size_t size)
{
	return policy_quote((const char *)n->data.scalar.value,
	    n->data.scalar.length, buf, size);
}

/* The errors of yjson.c (the YAML reading), prefixed as node_err's. */
static int
yj_report(void *arg, const yaml_node_t *n, const char *msg)
{
	return node_err(arg, n, "%s", msg);
}

/* ---- scalars ----------------------------------------------------------- */

/* Resolve a constraint value to JSON; NULL with an error set on failure. */
static json_t *
scalar_json(struct loader *ld, const yaml_node_t *n)
{
	return yj_scalar(&ld->yj, n);
}

/* ---- mappings ---------------------------------------------------------- */

static yaml_node_t *
node(struct loader *ld, int id)
{
	return yaml_document_get_node(ld->doc, id);
}

/* Keys must be strings and unique; report the second occurrence. */
static int
check_keys(struct loader *ld, yaml_node_t *map)
{
	return yj_check_keys(&ld->yj, map);
}

static const char *
key_text(struct loader *ld, const yaml_node_pair_t *pr)
{
	return (const char *)node(ld, pr->key)->data.scalar.value;
}

/* ---- roots ------------------------------------------------------------- */

/*
 * The root of a normalized fs pattern: its leading literal segments, but
 * never the last one (a root is the directory holding the targets).
 */
static int
pattern_root(const char *pat, char *root, size_t size)
{
	const char *s = pat + 1, *e, *last = strrchr(pat, '/');
	size_t len = 0;

	while (s <= last) {
		e = strchrnul(s, '/');
		if (e > last || memchr(s, '*', e - s) || memchr(s, '?', e - s) ||
		    memchr(s, '[', e - s) || memchr(s, '\\', e - s))
			break;
		len = e - pat;
		s = e + 1;
	}
	if (len == 0)
		len = 1;	/* "/" */
	if (len + 1 > size)
		return -1;
	memcpy(root, pat, len);
	root[len] = '\0';
	return 0;
}

/* The right an fs action needs beneath its root. */
static unsigned
fs_right_of(int action)
{
	switch (action) {
	case ACT_FS_READ: return FS_RIGHT_READ;
	case ACT_FS_WRITE: return FS_RIGHT_WRITE;
	case ACT_FS_DELETE: return FS_RIGHT_DELETE;
	case ACT_FS_LIST: return FS_RIGHT_LIST;
	}
	return 0;
}

static int
add_root(struct policy *p, const char *root)
{
	char **nr;
	unsigned *na;
	size_t i;

	if ((na = reallocarray(p->root_actions, p->nroots + 1,
	    sizeof(*na))) == NULL)
		return -1;
	p->root_actions = na;
	for (i = 0; i < p->nroots; i++)
		if (strcmp(p->roots[i], root) == 0)
			return (int)i;
	if (p->nroots >= FS_ROOTS_MAX)
		return -2;
	nr = reallocarray(p->roots, p->nroots + 1, sizeof(*nr));
	if (nr == NULL)
		return -1;
	p->roots = nr;
	p->root_actions[p->nroots] = 0;
	if ((p->roots[p->nroots] = strdup(root)) == NULL)
		return -1;
	return (int)p->nroots++;
}

/* ---- rules ------------------------------------------------------------- */

static struct pos
pos_of(const yaml_node_t *n)
{
	struct pos p = { (int)n->start_mark.line + 1,
	    (int)n->start_mark.column + 1 };

	return p;
}

static const char *
sval(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static bool
has_dot_segment(const char *s)
{
	const char *e;

	for (;; s = e + 1) {
		e = strchrnul(s, '/');
		if (s[0] == '.' && (e - s == 1 || (e - s == 2 && s[1] == '.')))
			return true;
		if (*e == '\0')
			return false;
	}
}

static int
glob_err(struct loader *ld, yaml_node_t *n, int rc)
{
	if (rc == -2)
		return node_err(ld, n, "\"**\" must be a whole path segment");
	if (rc == -3)
		return node_err(ld, n, "unclosed \"[\" class or trailing "
		    "\"\\\" in \"resource\"");
	return node_err(ld, n, "out of memory");
}

static int
load_fs_resource(struct loader *ld, struct rule *r, yaml_node_t *n)
{
	const char *res = sval(n);
	char norm[POLICY_PATH_MAX], root[POLICY_PATH_MAX];
	int rc;

	if (res[0] != '/')
		return node_err(ld, n,
		    "\"resource\" must be an absolute path for %s",
		    actions[r->action]);
	if (has_dot_segment(res))
		return node_err(ld, n,
		    "\"resource\" must not contain \".\" or \"..\" segments");
	if (path_normalize(res, strlen(res), norm, sizeof(norm)) != 0)
		return node_err(ld, n, "\"resource\" is too long");
	if ((rc = glob_compile(norm, true, &r->glob)) != 0)
		return glob_err(ld, n, rc);
	if (r->deny)
		return 0;	/* deny rules open no root */
	if (pattern_root(norm, root, sizeof(root)) != 0)
		return node_err(ld, n, "out of memory");
	if ((r->root = add_root(ld->p, root)) == -2)
		return node_err(ld, n, "this rule opens a directory more than the "
		    "63 a policy may open (fs roots: the fixed part of each "
		    "allowed path); use fewer directories, or a common parent");
	if (r->root < 0)
		return node_err(ld, n, "out of memory");
	ld->p->root_actions[r->root] |= fs_right_of(r->action);
	return 0;
}

/* A URL pattern (a rule's or a credential's resource), section 4. */
static int
load_url(struct loader *ld, struct url_pat *u, yaml_node_t *n)
{
	const char *why = NULL;
	char q[64];

	if (url_pat_compile(sval(n), u, &why) < 0)
		return node_err(ld, n, "URL \"%s\": %s",
		    quote(n, q, sizeof(q)), why);
	return 0;
}

static int
load_url_resource(struct loader *ld, struct rule *r, yaml_node_t *n)
{
	return load_url(ld, &r->url, n);
}

static int
load_prog_resource(struct loader *ld, struct rule *r, yaml_node_t *n)
{
	const char *res = sval(n);
	char norm[POLICY_PATH_MAX];

	if (strcmp(res, "*") == 0 || strcmp(res, "**") == 0) {
		r->prog.any = true;
		return 0;
	}
	if (strpbrk(res, "*?[]\\") != NULL)
		return node_err(ld, n, "a program is an absolute path or a "
		    "bare name, without glob characters (or \"*\" for any)");
	if (res[0] == '/') {
		if (has_dot_segment(res) || path_normalize(res, strlen(res),
		    norm, sizeof(norm)) != 0 || strcmp(norm, "/") == 0)
			return node_err(ld, n, "bad program path");
		res = norm;
	} else if (strchr(res, '/') != NULL || strcmp(res, ".") == 0 ||
	    strcmp(res, "..") == 0)
		return node_err(ld, n, "a program is an absolute path or a "
		    "bare name (no '/')");
	r->prog.bare = res[0] != '/';
	if ((r->prog.prog = strdup(res)) == NULL)
		return node_err(ld, n, "out of memory");
	return 0;
}

/* A glob part of "server/tool": "*" and "**" mean any; "**" only whole. */
static int
mcp_part(struct loader *ld, yaml_node_t *n, const char *s, size_t len,
    char **out)
{
	*out = NULL;
	if (len == 0)
		return node_err(ld, n, "MCP resource is \"server/tool\" "
		    "(a part is empty)");
	if ((len == 1 && s[0] == '*') || (len == 2 && memcmp(s, "**", 2) == 0))
		return 0;
	if (memmem(s, len, "**", 2) != NULL)
		return node_err(ld, n, "\"**\" must be a whole server or "
		    "tool name");
	if (!glob_seg_valid(s, len))
		return node_err(ld, n, "unclosed \"[\" class or trailing "
		    "\"\\\" in \"resource\"");
	if ((*out = strndup(s, len)) == NULL)
		return node_err(ld, n, "out of memory");
	return 0;
}

static int
load_mcp_resource(struct loader *ld, struct rule *r, yaml_node_t *n)
{
	const char *res = sval(n), *sl = strchr(res, '/');

	if (sl == NULL) {
		if (strcmp(res, "**") == 0)
			return 0;	/* any server, any tool */
		return node_err(ld, n, "MCP resource is \"server/tool\" "
		    "(or \"**\")");
	}
	if (mcp_part(ld, n, res, sl - res, &r->mcp.server) != 0 ||
	    mcp_part(ld, n, sl + 1, strlen(sl + 1), &r->mcp.tool) != 0)
		return -1;
	return 0;
}

static int
load_resource(struct loader *ld, struct rule *r, yaml_node_t *n)
{
	int rc;

	if (!yj_is_string(n))
		return node_err(ld, n, "\"resource\" must be a string");
	if (n->data.scalar.length == 0)
		return node_err(ld, n, "\"resource\" must not be empty");
	if ((r->resource = strdup(sval(n))) == NULL)
		return node_err(ld, n, "out of memory");
	switch (r->action) {
	case ACT_FS_READ:
	case ACT_FS_WRITE:
	case ACT_FS_DELETE:
	case ACT_FS_LIST:
		r->kind = RES_PATH;
		return load_fs_resource(ld, r, n);
	default:
		break;
	}
	if (n->data.scalar.length > MAX_RESOURCE)
		return node_err(ld, n, "\"resource\" is too long");
	switch (r->action) {
	case ACT_NET_HTTP:
		r->kind = RES_URL;
		return load_url_resource(ld, r, n);
	case ACT_PROC_EXEC:
		r->kind = RES_PROG;
		return load_prog_resource(ld, r, n);
	case ACT_MCP_CALL:
		r->kind = RES_MCP;
		return load_mcp_resource(ld, r, n);
	default:
		r->kind = RES_GLOB;
		if ((rc = glob_compile(sval(n), false, &r->glob)) != 0)
			return glob_err(ld, n, rc);
		return 0;
	}
}

static int
load_action(struct loader *ld, struct rule *r, yaml_node_t *n)
{
	char q[64];

	if (!yj_is_string(n))
		return node_err(ld, n, "\"action\" must be a string");
	r->action = action_index(sval(n));
	if (r->action < 0)
		return node_err(ld, n, "unknown action \"%s\"",
		    quote(n, q, sizeof(q)));
	return 0;
}

/* ---- YAML values to JSON (constraint operands, example params) ---------- */

static json_t *
yaml_json(struct loader *ld, yaml_node_t *n)
{
	return yj_value(&ld->yj, n);
}

/* ---- constraints --------------------------------------------------------- */

static const char *const cop_names[] = {
	[C_EQ] = "equals", [C_ONE_OF] = "one_of", [C_MIN] = "min",
	[C_MAX] = "max", [C_GLOB] = "glob", [C_REGEX] = "regex",
	[C_MAX_LENGTH] = "max_length", [C_MAX_SIZE] = "max_size",
	[C_ABSENT] = "absent",
};
#define NCOPS	(sizeof(cop_names) / sizeof(cop_names[0]))

static bool
is_scalar_value(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && !yj_has_nul(n);
}

/* A non-negative integer scalar. */
static int
nonneg_int(struct loader *ld, yaml_node_t *v, const char *op, long long *out)
{
	json_t *j;

	if (v->type != YAML_SCALAR_NODE || yj_scalar_type(v) != SC_INT)
		return node_err(ld, v, "\"%s\" must be a non-negative integer",
		    op);
	if ((j = scalar_json(ld, v)) == NULL)
		return -1;
	*out = json_integer_value(j);
	json_decref(j);
	if (*out < 0)
		return node_err(ld, v, "\"%s\" must be a non-negative integer",
		    op);
	return 0;
}

static int
load_term(struct loader *ld, struct cterm *t, enum cop op, yaml_node_t *v)
{
	yaml_node_item_t *it;
	char re[1100];
	int rc;

	t->op = op;
	switch (op) {
	case C_EQ:
		if (!is_scalar_value(v))
			return node_err(ld, v, "\"equals\" must be a scalar");
		return (t->val = scalar_json(ld, v)) == NULL ? -1 : 0;
	case C_ONE_OF:
		if (v->type != YAML_SEQUENCE_NODE ||
		    v->data.sequence.items.top == v->data.sequence.items.start)
			return node_err(ld, v, "\"one_of\" must be a non-empty "
			    "list of scalars");
		for (it = v->data.sequence.items.start;
		    it < v->data.sequence.items.top; it++)
			if (!is_scalar_value(node(ld, *it)))
				return node_err(ld, node(ld, *it), "\"one_of\" "
				    "must be a non-empty list of scalars");
		return (t->val = yaml_json(ld, v)) == NULL ? -1 : 0;
	case C_MIN:
	case C_MAX:
		if (v->type != YAML_SCALAR_NODE ||
		    (yj_scalar_type(v) != SC_INT &&
		    yj_scalar_type(v) != SC_REAL))
			return node_err(ld, v, "\"%s\" must be a number",
			    cop_names[op]);
		return (t->val = scalar_json(ld, v)) == NULL ? -1 : 0;
	case C_GLOB:
	case C_REGEX:
		if (!yj_is_string(v))
			return node_err(ld, v, "\"%s\" must be a string",
			    cop_names[op]);
		if ((t->val = json_string(sval(v))) == NULL)
			return node_err(ld, v, "\"%s\" must be UTF-8",
			    cop_names[op]);
		if (op == C_GLOB) {
			if (!glob_seg_valid(sval(v), v->data.scalar.length))
				return node_err(ld, v, "unclosed \"[\" class or "
				    "trailing \"\\\" in \"glob\"");
			return 0;
		}
		/* anchored: the regex must match the whole value */
		if (v->data.scalar.length > sizeof(re) - 8)
			return node_err(ld, v, "\"regex\" is too long");
		snprintf(re, sizeof(re), "^(%s)$", sval(v));
		if ((rc = regcomp(&t->re, re, REG_EXTENDED | REG_NOSUB)) != 0) {
			char msg[100];

			regerror(rc, &t->re, msg, sizeof(msg));
			return node_err(ld, v, "bad regex: %s", msg);
		}
		t->have_re = true;
		return 0;
	case C_MAX_LENGTH:
	case C_MAX_SIZE:
		return nonneg_int(ld, v, cop_names[op], &t->n);
	case C_ABSENT:
		if (v->type != YAML_SCALAR_NODE ||
		    yj_scalar_type(v) != SC_BOOL ||
		    (sval(v)[0] != 't' && sval(v)[0] != 'T'))
			return node_err(ld, v, "\"absent\" must be true");
		return 0;
	}
	return node_err(ld, v, "unknown operator");
}

/* One constraint value: a scalar (equality) or a mapping of operators. */
static int
load_constraint(struct loader *ld, struct constraint *c, yaml_node_t *v)
{
	yaml_node_pair_t *pr;
	yaml_node_t *k;
	size_t n, i;
	char q[64];

	if (v->type == YAML_SCALAR_NODE) {
		if (yj_has_nul(v))
			return node_err(ld, v, "constraint \"%s\" must not "
			    "contain NUL", c->key);
		if ((c->terms = calloc(1, sizeof(*c->terms))) == NULL)
			return node_err(ld, v, "out of memory");
		c->nterms = 1;
		return load_term(ld, &c->terms[0], C_EQ, v);
	}
	if (v->type != YAML_MAPPING_NODE)
		return node_err(ld, v, "constraint \"%s\" must be a scalar or a "
		    "mapping of operators (one_of: for a list)", c->key);
	if (check_keys(ld, v) != 0)
		return -1;
	n = v->data.mapping.pairs.top - v->data.mapping.pairs.start;
	if (n == 0)
		return node_err(ld, v, "constraint \"%s\" has no operator",
		    c->key);
	if ((c->terms = calloc(n, sizeof(*c->terms))) == NULL)
		return node_err(ld, v, "out of memory");
	for (pr = v->data.mapping.pairs.start;
	    pr < v->data.mapping.pairs.top; pr++) {
		k = node(ld, pr->key);
		for (i = 0; i < NCOPS; i++)
			if (strcmp(sval(k), cop_names[i]) == 0)
				break;
		if (i == NCOPS)
			return node_err(ld, k, "unknown constraint operator "
			    "\"%s\" (equals, one_of, min, max, glob, regex, "
			    "max_length, max_size, absent)",
			    quote(k, q, sizeof(q)));
		if (i == C_ABSENT && n > 1)
			return node_err(ld, k, "\"absent\" cannot be combined "
			    "with other operators");
		c->nterms++;
		if (load_term(ld, &c->terms[c->nterms - 1], (enum cop)i,
		    node(ld, pr->value)) != 0)
			return -1;
	}
	return 0;
}

static int
load_constraints(struct loader *ld, struct rule *r, yaml_node_t *map)
{
	yaml_node_pair_t *pr;
	size_t n;

	if (map->type != YAML_MAPPING_NODE)
		return node_err(ld, map, "\"constraint\" must be a mapping");
	if (check_keys(ld, map) != 0)
		return -1;
	n = map->data.mapping.pairs.top - map->data.mapping.pairs.start;
	if (n == 0)
		return 0;
	if ((r->cons = calloc(n, sizeof(*r->cons))) == NULL)
		return node_err(ld, map, "out of memory");
	for (pr = map->data.mapping.pairs.start;
	    pr < map->data.mapping.pairs.top; pr++) {
		struct constraint *c = &r->cons[r->ncons];

		if ((c->key = strdup(key_text(ld, pr))) == NULL)
			return node_err(ld, map, "out of memory");
		c->pos = pos_of(node(ld, pr->key));
		r->ncons++;
		if (load_constraint(ld, c, node(ld, pr->value)) != 0)
			return -1;
	}
	return 0;
}

/* ---- proc.exec argv ------------------------------------------------------ */

static int
load_arg_list(struct loader *ld, struct rule *r, yaml_node_t *seq,
    const char *what)
{
	yaml_node_item_t *it;
	yaml_node_t *a;
	size_t n;

	if (seq->type != YAML_SEQUENCE_NODE)
		return node_err(ld, seq, "\"%s\" must be a list of strings",
		    what);
	n = seq->data.sequence.items.top - seq->data.sequence.items.start;
	if (n > MAX_ARGS)
		return node_err(ld, seq, "\"%s\" has more than %d entries",
		    what, MAX_ARGS);
	if (n > 0 && (r->prog.args = calloc(n, sizeof(char *))) == NULL)
		return node_err(ld, seq, "out of memory");
	for (it = seq->data.sequence.items.start;
	    it < seq->data.sequence.items.top; it++) {
		a = node(ld, *it);
		/* an argument is text: a plain 5 or true is quoted for you */
		if (a->type != YAML_SCALAR_NODE || yj_has_nul(a))
			return node_err(ld, a, "\"%s\" must be a list of "
			    "strings", what);
		if (r->prog.args_kind == ARGS_GLOB &&
		    !glob_seg_valid(sval(a), a->data.scalar.length))
			return node_err(ld, a, "unclosed \"[\" class or "
			    "trailing \"\\\" in an argument glob");
		if ((r->prog.args[r->prog.nargs] = strdup(sval(a))) == NULL)
			return node_err(ld, a, "out of memory");
		r->prog.nargs++;
	}
	return 0;
}

static int
load_args(struct loader *ld, struct rule *r, yaml_node_t *v)
{
	yaml_node_t *k;
	char q[64];

	if (r->action != ACT_PROC_EXEC)
		return node_err(ld, v, "\"args\" is only for proc.exec");
	if (v->type == YAML_SEQUENCE_NODE) {
		r->prog.args_kind = ARGS_EXACT;
		return load_arg_list(ld, r, v, "args");
	}
	if (v->type != YAML_MAPPING_NODE ||
	    v->data.mapping.pairs.top - v->data.mapping.pairs.start != 1)
		return node_err(ld, v, "\"args\" is a list, or one of "
		    "{exact: [...]}, {prefix: [...]}, {glob: [...]}");
	if (check_keys(ld, v) != 0)
		return -1;
	k = node(ld, v->data.mapping.pairs.start->key);
	if (strcmp(sval(k), "exact") == 0)
		r->prog.args_kind = ARGS_EXACT;
	else if (strcmp(sval(k), "prefix") == 0)
		r->prog.args_kind = ARGS_PREFIX;
	else if (strcmp(sval(k), "glob") == 0)
		r->prog.args_kind = ARGS_GLOB;
	else
		return node_err(ld, k, "unknown \"args\" form \"%s\" (exact, "
		    "prefix, glob)", quote(k, q, sizeof(q)));
	return load_arg_list(ld, r, node(ld, v->data.mapping.pairs.start->value),
	    sval(k));
}

/* ---- proc.exec env, network, timeout_max ----------------------------------- */

/* [A-Za-z_][A-Za-z0-9_]*, in ASCII whatever the locale. */
static bool
env_name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    c == '_' || (i > 0 && c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

static int
load_env(struct loader *ld, struct rule *r, yaml_node_t *seq)
{
	yaml_node_item_t *it;
	yaml_node_t *a;
	size_t n, i, len;
	char q[64];

	if (r->action != ACT_PROC_EXEC)
		return node_err(ld, seq, "\"env\" is only for proc.exec");
	if (seq->type != YAML_SEQUENCE_NODE)
		return node_err(ld, seq, "\"env\" must be a list of variable "
		    "names");
	n = seq->data.sequence.items.top - seq->data.sequence.items.start;
	if (n > POLICY_ENV_NAMES_MAX)
		return node_err(ld, seq, "\"env\" has more than %d names",
		    POLICY_ENV_NAMES_MAX);
	if (n > 0 && (r->prog.env = calloc(n, sizeof(char *))) == NULL)
		return node_err(ld, seq, "out of memory");
	for (it = seq->data.sequence.items.start;
	    it < seq->data.sequence.items.top; it++) {
		a = node(ld, *it);
		if (a->type != YAML_SCALAR_NODE || yj_has_nul(a))
			return node_err(ld, a, "\"env\" must be a list of "
			    "variable names");
		len = a->data.scalar.length;
		if (len > POLICY_ENV_NAME_MAX)
			return node_err(ld, a, "env name \"%s\" is longer than "
			    "%d bytes", quote(a, q, sizeof(q)),
			    POLICY_ENV_NAME_MAX);
		if (!env_name_ok(sval(a), len))
			return node_err(ld, a, "env name \"%s\" is not a "
			    "variable name ([A-Za-z_][A-Za-z0-9_]*)",
			    quote(a, q, sizeof(q)));
		/* a plain NULL or TRUE is not a string (YAML 1.2 core) */
		if (yj_scalar_type(a) != SC_STR)
			return node_err(ld, a, "env name %s is read as %s: "
			    "write \"%s\"", sval(a),
			    yj_scalar_type(a) == SC_BOOL ? "a boolean" :
			    "null", sval(a));
		for (i = 0; i < r->prog.nenv; i++)
			if (strcmp(r->prog.env[i], sval(a)) == 0)
				return node_err(ld, a, "env name \"%s\" is "
				    "listed twice", quote(a, q, sizeof(q)));
		if ((r->prog.env[r->prog.nenv] = strdup(sval(a))) == NULL)
			return node_err(ld, a, "out of memory");
		r->prog.nenv++;
	}
	return 0;
}

/* `snapshot: false` on an allow rule of fs.write or fs.delete: the
 * action is done without a snapshot (the outcome record says so).
 * `snapshot: tree` on an allow rule of proc.exec: the writable roots are
 * snapshotted before the command runs (`false`: not, the default). */
static int
load_snapshot(struct loader *ld, struct rule *r, yaml_node_t *v)
{
	if (r->action == ACT_PROC_EXEC) {
		if (r->deny)
			return node_err(ld, v, "\"snapshot\" is only for allow "
			    "rules (a denied command never runs)");
		if (v->type == YAML_SCALAR_NODE &&
		    yj_scalar_type(v) == SC_STR &&
		    strcmp(sval(v), "tree") == 0)
			r->tree_snapshot = true;
		else if (v->type != YAML_SCALAR_NODE ||
		    yj_scalar_type(v) != SC_BOOL || (sval(v)[0] != 'f' &&
		    sval(v)[0] != 'F'))
			return node_err(ld, v, "\"snapshot\" on proc.exec must "
			    "be tree (the writable roots, before the command "
			    "runs) or false");
		return 0;
	}
	if (r->action != ACT_FS_WRITE && r->action != ACT_FS_DELETE)
		return node_err(ld, v, "\"snapshot\" is only for fs.write, "
		    "fs.delete (false) and proc.exec (tree)");
	if (r->deny)
		return node_err(ld, v, "\"snapshot\" is only for allow rules "
		    "(a denied action is never done)");
	if (v->type != YAML_SCALAR_NODE || yj_scalar_type(v) != SC_BOOL)
		return node_err(ld, v, "\"snapshot\" must be true or false");
	r->no_snapshot = !(sval(v)[0] == 't' || sval(v)[0] == 'T');
	return 0;
}

static int
load_network(struct loader *ld, struct rule *r, yaml_node_t *v)
{
	if (r->action != ACT_PROC_EXEC)
		return node_err(ld, v, "\"network\" is only for proc.exec");
	if (v->type != YAML_SCALAR_NODE || yj_scalar_type(v) != SC_BOOL)
		return node_err(ld, v, "\"network\" must be true or false");
	r->prog.network = sval(v)[0] == 't' || sval(v)[0] == 'T';
	return 0;
}

/* A plain integer scalar from lo to hi (YAML 1.2 core: 0x10 is 16):
 * 0, or -1 (the caller says what was wanted; beyond 64 bits too). */
static int
whole_in(struct loader *ld, yaml_node_t *v, long long lo, long long hi,
    long long *out)
{
	json_t *j;

	if (v->type != YAML_SCALAR_NODE || yj_scalar_type(v) != SC_INT)
		return -1;
	if ((j = scalar_json(ld, v)) == NULL)
		return -1;
	*out = json_integer_value(j);
	json_decref(j);
	return *out < lo || *out > hi ? -1 : 0;
}

/* `token_budget: N` on an allow rule of llm.chat: the tokens (input and
 * output, as the provider counts them) all of a session's model calls
 * may use; the broker sums them and denies the call past it. */
static int
load_token_budget(struct loader *ld, struct rule *r, yaml_node_t *v)
{
	long long t;

	if (r->action != ACT_LLM_CHAT || r->deny)
		return node_err(ld, v, "\"token_budget\" is only for allow "
		    "rules of llm.chat");
	if (whole_in(ld, v, 1, POLICY_TOKEN_BUDGET_MAX, &t) != 0)
		return node_err(ld, v, "\"token_budget\" must be a whole "
		    "number of tokens from 1 to %lld", POLICY_TOKEN_BUDGET_MAX);
	r->token_budget = t;
	return 0;
}

/* `snapshot_ttl: SECONDS` on an allow rule of fs.write or fs.delete:
 * how long its snapshots are kept (unless --snapshot-ttl says). */
static int
load_snapshot_ttl(struct loader *ld, struct rule *r, yaml_node_t *v)
{
	long long t;

	if (r->action != ACT_FS_WRITE && r->action != ACT_FS_DELETE &&
	    r->action != ACT_PROC_EXEC)
		return node_err(ld, v, "\"snapshot_ttl\" is only for fs.write, "
		    "fs.delete and proc.exec");
	if (r->action == ACT_PROC_EXEC && !r->deny && !r->tree_snapshot)
		return node_err(ld, v, "\"snapshot_ttl\" on proc.exec needs "
		    "\"snapshot: tree\": there is no snapshot to keep");
	if (r->deny)
		return node_err(ld, v, "\"snapshot_ttl\" is only for allow "
		    "rules");
	if (r->no_snapshot)
		return node_err(ld, v, "\"snapshot_ttl\" with \"snapshot: "
		    "false\": there is no snapshot to keep");
	if (whole_in(ld, v, 1, POLICY_SNAPSHOT_TTL_MAX, &t) != 0)
		return node_err(ld, v, "\"snapshot_ttl\" must be a whole "
		    "number of seconds from 1 to %u", POLICY_SNAPSHOT_TTL_MAX);
	r->snapshot_ttl = (unsigned)t;
	return 0;
}

static int
load_timeout_max(struct loader *ld, struct rule *r, yaml_node_t *v)
{
	static const char msg[] = "\"timeout_max\" must be a whole number "
	    "of seconds from 1 to %d";
	int max = r->action == ACT_NET_HTTP ? POLICY_HTTP_TIMEOUT_MAX :
	    POLICY_PROC_TIMEOUT_MAX;
	long long t;

	if (r->action != ACT_PROC_EXEC && r->action != ACT_NET_HTTP)
		return node_err(ld, v, "\"timeout_max\" is only for proc.exec "
		    "and net.http");
	if (whole_in(ld, v, 1, max, &t) != 0)
		return node_err(ld, v, msg, max);
	if (r->action == ACT_NET_HTTP)
		r->http.timeout_max = (unsigned)t;
	else
		r->prog.timeout_max = (unsigned)t;
	return 0;
}

/* ---- net.http follow_redirects, max_bytes --------------------------------- */

static int
load_follow(struct loader *ld, struct rule *r, yaml_node_t *v)
{
	long long n;

	if (r->action != ACT_NET_HTTP)
		return node_err(ld, v, "\"follow_redirects\" is only for "
		    "net.http");
	if (whole_in(ld, v, 0, POLICY_HTTP_FOLLOW_MAX, &n) != 0)
		return node_err(ld, v, "\"follow_redirects\" must be a whole "
		    "number of redirects from 0 to %d", POLICY_HTTP_FOLLOW_MAX);
	r->http.follow_max = (int)n;
	return 0;
}

static int
load_max_bytes(struct loader *ld, struct rule *r, yaml_node_t *v)
{
	long long n;

	if (r->action != ACT_NET_HTTP)
		return node_err(ld, v, "\"max_bytes\" is only for net.http");
	if (whole_in(ld, v, 1, (long long)POLICY_HTTP_MAX_BYTES_MAX, &n) != 0)
		return node_err(ld, v, "\"max_bytes\" must be a whole number "
		    "of bytes from 1 to %lu", POLICY_HTTP_MAX_BYTES_MAX);
	r->http.max_bytes = (unsigned long)n;
	return 0;
}

/* ---- examples ------------------------------------------------------------ */

static int
load_example(struct loader *ld, struct rule *r, yaml_node_t *n, bool allow)
{
	struct example *e = &r->ex[r->nex];
	yaml_node_pair_t *pr;
	yaml_node_t *t = NULL, *pa = NULL, *k;
	char q[64];

	e->allow = allow;
	e->pos = pos_of(n);
	r->nex++;	/* count it now: policy_free() frees a partial one */
	if (n->type == YAML_MAPPING_NODE) {
		if (check_keys(ld, n) != 0)
			return -1;
		for (pr = n->data.mapping.pairs.start;
		    pr < n->data.mapping.pairs.top; pr++) {
			k = node(ld, pr->key);
			if (strcmp(sval(k), "target") == 0)
				t = node(ld, pr->value);
			else if (strcmp(sval(k), "params") == 0)
				pa = node(ld, pr->value);
			else
				return node_err(ld, k, "unknown key \"%s\" in an "
				    "example (target, params)",
				    quote(k, q, sizeof(q)));
		}
		if (t == NULL)
			return node_err(ld, n, "example without \"target\"");
	} else
		t = n;
	if (t->type != YAML_SCALAR_NODE || yj_has_nul(t))
		return node_err(ld, t, "an example is a target string or "
		    "{target: ..., params: {...}}");
	if (pa != NULL && pa->type != YAML_MAPPING_NODE)
		return node_err(ld, pa, "example \"params\" must be a mapping");
	if ((e->target = strdup(sval(t))) == NULL)
		return node_err(ld, t, "out of memory");
	e->params = pa ? yaml_json(ld, pa) : json_object();
	if (e->params == NULL)
		return pa ? -1 : node_err(ld, n, "out of memory");
	return 0;
}

static int
load_examples(struct loader *ld, struct rule *r, yaml_node_t *map)
{
	yaml_node_pair_t *pr;
	yaml_node_item_t *it;
	yaml_node_t *k, *seq;
	size_t n = 0;
	char q[64];

	if (map->type != YAML_MAPPING_NODE)
		return node_err(ld, map, "\"examples\" must be a mapping "
		    "{allow: [...], deny: [...]}");
	if (check_keys(ld, map) != 0)
		return -1;
	for (pr = map->data.mapping.pairs.start;
	    pr < map->data.mapping.pairs.top; pr++) {
		k = node(ld, pr->key);
		seq = node(ld, pr->value);
		if (strcmp(sval(k), "allow") != 0 && strcmp(sval(k), "deny") != 0)
			return node_err(ld, k, "unknown key \"%s\" in "
			    "\"examples\" (allow, deny)", quote(k, q, sizeof(q)));
		if (seq->type != YAML_SEQUENCE_NODE)
			return node_err(ld, seq, "examples \"%s\" must be a list",
			    sval(k));
		n += seq->data.sequence.items.top -
		    seq->data.sequence.items.start;
	}
	if (n == 0)
		return 0;
	if ((r->ex = calloc(n, sizeof(*r->ex))) == NULL)
		return node_err(ld, map, "out of memory");
	for (pr = map->data.mapping.pairs.start;
	    pr < map->data.mapping.pairs.top; pr++) {
		bool allow = strcmp(key_text(ld, pr), "allow") == 0;

		seq = node(ld, pr->value);
		for (it = seq->data.sequence.items.start;
		    it < seq->data.sequence.items.top; it++)
			if (load_example(ld, r, node(ld, *it), allow) != 0)
				return -1;
	}
	return 0;
}

/* ---- one rule ------------------------------------------------------------ */

/* Find the value of `key` in a rule mapping, or NULL. */
static yaml_node_t *
field(struct loader *ld, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *pr;

	for (pr = map->data.mapping.pairs.start;
	    pr < map->data.mapping.pairs.top; pr++)
		if (strcmp(key_text(ld, pr), key) == 0)
			return node(ld, pr->value);
	return NULL;
}

static int
check_rule_keys(struct loader *ld, yaml_node_t *map)
{
	static const char *const known[] = { "action", "resource",
	    "constraint", "args", "args_max", "env", "network", "timeout_max",
	    "follow_redirects", "max_bytes", "snapshot", "snapshot_ttl",
	    "token_budget", "examples", NULL };
	yaml_node_pair_t *pr;
	char q[64];

	if (check_keys(ld, map) != 0)
		return -1;
	for (pr = map->data.mapping.pairs.start;
	    pr < map->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = node(ld, pr->key);

		if (!yj_one_of(sval(k), known))
			return node_err(ld, k, "unknown key \"%s\"",
			    quote(k, q, sizeof(q)));
	}
	return 0;
}

static int
load_rule(struct loader *ld, struct rule *r, yaml_node_t *map)
{
	yaml_node_t *a, *res, *n;
	long long max;

	r->root = -1;
	r->deny = ld->deny;
	r->no = ld->ruleno;
	r->prog.args_max = -1;
	r->http.follow_max = -1;
	if (map->type != YAML_MAPPING_NODE)
		return node_err(ld, map, "must be a mapping");
	r->pos = pos_of(map);
	snprintf(r->id, sizeof(r->id), "%s:%d", ld->name, r->pos.line);
	if (check_rule_keys(ld, map) != 0)
		return -1;
	if ((a = field(ld, map, "action")) == NULL)
		return node_err(ld, map, "missing field \"action\"");
	if ((res = field(ld, map, "resource")) == NULL)
		return node_err(ld, map, "missing field \"resource\"");
	if (load_action(ld, r, a) != 0 || load_resource(ld, r, res) != 0)
		return -1;
	if ((n = field(ld, map, "args")) != NULL && load_args(ld, r, n) != 0)
		return -1;
	if ((n = field(ld, map, "args_max")) != NULL) {
		if (r->action != ACT_PROC_EXEC)
			return node_err(ld, n, "\"args_max\" is only for "
			    "proc.exec");
		if (r->prog.args_kind == ARGS_NONE)
			return node_err(ld, n, "\"args_max\" needs \"args\" "
			    "(without it no argument is allowed)");
		if (nonneg_int(ld, n, "args_max", &max) != 0)
			return -1;
		if (max > MAX_ARGS * 16)
			return node_err(ld, n, "\"args_max\" is too large");
		r->prog.args_max = (long)max;
	}
	if ((n = field(ld, map, "env")) != NULL && load_env(ld, r, n) != 0)
		return -1;
	if ((n = field(ld, map, "network")) != NULL &&
	    load_network(ld, r, n) != 0)
		return -1;
	if ((n = field(ld, map, "snapshot")) != NULL &&
	    load_snapshot(ld, r, n) != 0)
		return -1;
	if ((n = field(ld, map, "snapshot_ttl")) != NULL &&
	    load_snapshot_ttl(ld, r, n) != 0)
		return -1;
	if ((n = field(ld, map, "token_budget")) != NULL &&
	    load_token_budget(ld, r, n) != 0)
		return -1;
	if ((n = field(ld, map, "timeout_max")) != NULL &&
	    load_timeout_max(ld, r, n) != 0)
		return -1;
	if ((n = field(ld, map, "follow_redirects")) != NULL &&
	    load_follow(ld, r, n) != 0)
		return -1;
	if ((n = field(ld, map, "max_bytes")) != NULL &&
	    load_max_bytes(ld, r, n) != 0)
		return -1;
	if ((n = field(ld, map, "constraint")) != NULL &&
	    load_constraints(ld, r, n) != 0)
		return -1;
	if ((n = field(ld, map, "examples")) != NULL &&
	    load_examples(ld, r, n) != 0)
		return -1;
	return 0;
}

static int
load_rules(struct loader *ld, yaml_node_t *seq, const char *what)
{
	yaml_node_item_t *it;
	struct rule *nr;
	size_t n, base = ld->p->nrules;

	if (seq->type != YAML_SEQUENCE_NODE)
		return node_err(ld, seq, "\"%s\" must be a sequence", what);
	n = seq->data.sequence.items.top - seq->data.sequence.items.start;
	if (n == 0)
		return 0;
	if ((nr = reallocarray(ld->p->rules, base + n, sizeof(*nr))) == NULL)
		return node_err(ld, seq, "out of memory");
	memset(nr + base, 0, n * sizeof(*nr));
	ld->p->rules = nr;
	for (it = seq->data.sequence.items.start;
	    it < seq->data.sequence.items.top; it++) {
		ld->ruleno = ld->p->nrules - base + 1;
		/* count it first, so policy_free() sees a partial rule */
		ld->p->nrules++;
		if (load_rule(ld, &ld->p->rules[ld->p->nrules - 1],
		    node(ld, *it)) != 0)
			return -1;
	}
	ld->ruleno = 0;
	return 0;
}

/* ---- credentials ----------------------------------------------------------- */

/* RFC 9110 tchar: ALPHA DIGIT ! # $ % & ' * + - . ^ _ ` | ~ */
static bool
is_token(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || strchr("!#$%&'*+-.^_`|~", c) !=
		    NULL) || c == '\0')
			return false;
	}
	return true;
}

/* Headers that frame or route the request, or talk to a proxy: the http
 * worker's, never a credential's. */
static bool
header_forbidden(const char *name)
{
	static const char *const no[] = { "host", "content-length",
	    "transfer-encoding", "connection", "upgrade", "te", "trailer",
	    "keep-alive", NULL };
	size_t i;

	if (strncasecmp(name, "proxy-", 6) == 0)
		return true;
	for (i = 0; no[i] != NULL; i++)
		if (strcasecmp(name, no[i]) == 0)
			return true;
	return false;
}

/* [A-Z_][A-Z0-9_]*, at most POLICY_CRED_VAR_MAX bytes. */
static bool
cred_var_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > POLICY_CRED_VAR_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_' ||
		    (i > 0 && s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

/* The index of source "KIND:NAME" in the policy (added when new; `user`,
 * a POLICY_SOURCE_* bit, added to its users), or -1 (no memory), -2 (more
 * than POLICY_CRED_SOURCES_MAX). */
static int
add_source(struct policy *p, unsigned user, const char *kind,
    const char *name, size_t len)
{
	size_t i, kl = strlen(kind);
	char **ns, *src;
	unsigned *nu;

	for (i = 0; i < p->nsources; i++)
		if (strncmp(p->sources[i], kind, kl) == 0 &&
		    strlen(p->sources[i] + kl) == len &&
		    memcmp(p->sources[i] + kl, name, len) == 0) {
			p->source_users[i] |= user;
			return (int)i;
		}
	if (p->nsources >= POLICY_CRED_SOURCES_MAX)
		return -2;
	if ((nu = reallocarray(p->source_users, p->nsources + 1,
	    sizeof(*nu))) == NULL)
		return -1;
	p->source_users = nu;
	if ((src = malloc(kl + len + 1)) == NULL)
		return -1;
	memcpy(src, kind, kl);
	memcpy(src + kl, name, len);
	src[kl + len] = '\0';
	if ((ns = reallocarray(p->sources, p->nsources + 1,
	    sizeof(*ns))) == NULL) {
		free(src);
		return -1;
	}
	p->sources = ns;
	p->sources[p->nsources] = src;
	p->source_users[p->nsources] = user;
	return (int)p->nsources++;
}

/* Where a template's sources go: the policy's list (as `user`) and the
 * entry's own (each once, first-use order), and what to say when the
 * policy's list is full. */
struct tmpl_ctx {
	unsigned user;		/* POLICY_SOURCE_* */
	size_t **src;
	size_t *nsrc;
	const char *full;	/* "the credentials name more than" ... */
};

/* Note that the template's owner uses source "KIND:NAME". */
static int
source_use(struct loader *ld, const struct tmpl_ctx *tc, yaml_node_t *v,
    const char *what, const char *kind, const char *name, size_t len)
{
	size_t i, *ns;
	int k = add_source(ld->p, tc->user, kind, name, len);

	if (k == -2)
		return node_err(ld, v, "%s: %s %d sources (variables and files)",
		    what, tc->full, POLICY_CRED_SOURCES_MAX);
	if (k < 0)
		return node_err(ld, v, "out of memory");
	for (i = 0; i < *tc->nsrc; i++)
		if ((*tc->src)[i] == (size_t)k)
			return 0;
	if ((ns = reallocarray(*tc->src, *tc->nsrc + 1, sizeof(*ns))) == NULL)
		return node_err(ld, v, "out of memory");
	*tc->src = ns;
	(*tc->src)[(*tc->nsrc)++] = (size_t)k;
	return 0;
}

/*
 * A value template: text, "$$" (a "$"), "${NAME}" (the operator's
 * environment variable) and "${file:/abs/path}" (a file's content). Any
 * other "$", and CR, LF, NUL or another control byte (a tab is text),
 * is an error: a value can never add a header or a line of its own.
 * `what` names the value in messages: header "X" (credentials), env "X"
 * (mcp_servers).
 */
static int
load_template(struct loader *ld, const struct tmpl_ctx *tc, const char *what,
    yaml_node_t *v)
{
	const char *s = sval(v), *ref, *e;
	size_t len, i, rl;
	char q[40];

	if (v->type != YAML_SCALAR_NODE || yj_scalar_type(v) != SC_STR)
		return node_err(ld, v, "%s: the value must be a string",
		    what);
	len = v->data.scalar.length;
	if (len > POLICY_CRED_TEMPLATE_MAX)
		return node_err(ld, v, "%s: the value is longer than %d "
		    "bytes", what, POLICY_CRED_TEMPLATE_MAX);
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return node_err(ld, v, "%s: the value holds CR, LF, "
			    "NUL or another control character", what);
	}
	for (i = 0; i < len; i++) {
		if (s[i] != '$')
			continue;
		if (i + 1 < len && s[i + 1] == '$') {
			i++;
			continue;
		}
		if (i + 1 >= len || s[i + 1] != '{')
			return node_err(ld, v, "%s: a \"$\" must start "
			    "${NAME} or ${file:/path}, or be doubled ($$)", what);
		ref = s + i + 2;
		if ((e = memchr(ref, '}', len - i - 2)) == NULL)
			return node_err(ld, v, "%s: \"${\" without its "
			    "\"}\"", what);
		rl = (size_t)(e - ref);
		if (rl >= 5 && memcmp(ref, "file:", 5) == 0) {
			char path[POLICY_PATH_MAX];

			/* absolute, normalized, not "/" itself */
			if (rl - 5 >= sizeof(path) || rl - 5 == 1)
				goto badpath;
			memcpy(path, ref + 5, rl - 5);
			path[rl - 5] = '\0';
			if (!path_is_canonical(path))
				goto badpath;
			if (source_use(ld, tc, v, what, "FILE:", path,
			    rl - 5) != 0)
				return -1;
		} else if (cred_var_ok(ref, rl)) {
			if (source_use(ld, tc, v, what, "ENV:", ref, rl) != 0)
				return -1;
		} else
			return node_err(ld, v, "%s: \"${%s}\" is not ${NAME} "
			    "([A-Z_][A-Z0-9_]*, at most %d bytes) or "
			    "${file:/path}", what, policy_quote(ref, rl, q,
			    sizeof(q)), POLICY_CRED_VAR_MAX);
		i = (size_t)(e - s);
		continue;
badpath:
		return node_err(ld, v, "%s: \"${%s}\" does not name an "
		    "absolute, normalized path", what,
		    policy_quote(ref, rl, q, sizeof(q)));
	}
	return 0;
}

static int
load_cred_headers(struct loader *ld, struct cred *c, yaml_node_t *map)
{
	struct tmpl_ctx tc = { POLICY_SOURCE_CREDENTIALS, &c->src, &c->nsrc,
	    "the credentials name more than" };
	yaml_node_pair_t *pr;
	yaml_node_t *k;
	size_t n, i, len;
	char q[80], what[100];

	if (map->type != YAML_MAPPING_NODE)
		return node_err(ld, map, "\"headers\" must be a mapping "
		    "{NAME: VALUE}");
	if (check_keys(ld, map) != 0)
		return -1;
	n = map->data.mapping.pairs.top - map->data.mapping.pairs.start;
	if (n == 0)
		return node_err(ld, map, "\"headers\" is empty");
	if (n > POLICY_CRED_HEADERS_MAX)
		return node_err(ld, node(ld, map->data.mapping.pairs.start[
		    POLICY_CRED_HEADERS_MAX].key), "\"headers\" has more than "
		    "%d headers", POLICY_CRED_HEADERS_MAX);
	if ((c->hdr = calloc(n, sizeof(*c->hdr))) == NULL)
		return node_err(ld, map, "out of memory");
	for (pr = map->data.mapping.pairs.start;
	    pr < map->data.mapping.pairs.top; pr++) {
		k = node(ld, pr->key);
		len = k->data.scalar.length;
		quote(k, q, sizeof(q));
		if (len > POLICY_CRED_NAME_MAX)
			return node_err(ld, k, "header name \"%s\" is longer "
			    "than %d bytes", q, POLICY_CRED_NAME_MAX);
		if (!is_token(sval(k), len))
			return node_err(ld, k, "header name \"%s\" is not an "
			    "HTTP token (letters, digits, !#$%%&'*+-.^_`|~)", q);
		if (header_forbidden(sval(k)))
			return node_err(ld, k, "header \"%s\" cannot be set by a "
			    "credential (Host, Content-Length, "
			    "Transfer-Encoding, Connection, Upgrade, TE, "
			    "Trailer, Keep-Alive, Proxy-*)", q);
		for (i = 0; i < c->nhdr; i++)
			if (strcasecmp(c->hdr[i].name, sval(k)) == 0)
				return node_err(ld, k, "header \"%s\" is listed "
				    "twice (names are case-insensitive)", q);
		snprintf(what, sizeof(what), "header \"%s\"", q);
		if (load_template(ld, &tc, what, node(ld, pr->value)) != 0)
			return -1;
		if ((c->hdr[c->nhdr].name = strdup(sval(k))) == NULL ||
		    (c->hdr[c->nhdr].tmpl = strdup(sval(node(ld,
		    pr->value)))) == NULL) {
			c->nhdr++;	/* policy_free() frees the half */
			return node_err(ld, k, "out of memory");
		}
		c->nhdr++;
	}
	return 0;
}

static int
load_cred(struct loader *ld, struct cred *c, yaml_node_t *map)
{
	yaml_node_pair_t *pr;
	yaml_node_t *res, *hdrs;
	char q[64];

	if (map->type != YAML_MAPPING_NODE)
		return node_err(ld, map, "must be a mapping {resource: URL, "
		    "headers: {NAME: VALUE}}");
	c->pos = pos_of(map);
	snprintf(c->id, sizeof(c->id), "%s:%d", ld->name, c->pos.line);
	if (check_keys(ld, map) != 0)
		return -1;
	for (pr = map->data.mapping.pairs.start;
	    pr < map->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = node(ld, pr->key);

		if (strcmp(sval(k), "resource") != 0 &&
		    strcmp(sval(k), "headers") != 0)
			return node_err(ld, k, "unknown key \"%s\" (resource, "
			    "headers)", quote(k, q, sizeof(q)));
	}
	if ((res = field(ld, map, "resource")) == NULL)
		return node_err(ld, map, "missing field \"resource\"");
	if ((hdrs = field(ld, map, "headers")) == NULL)
		return node_err(ld, map, "missing field \"headers\"");
	if (!yj_is_string(res))
		return node_err(ld, res, "\"resource\" must be a string");
	if (res->data.scalar.length == 0)
		return node_err(ld, res, "\"resource\" must not be empty");
	if (res->data.scalar.length > MAX_RESOURCE)
		return node_err(ld, res, "\"resource\" is too long");
	if ((c->resource = strdup(sval(res))) == NULL)
		return node_err(ld, res, "out of memory");
	if (load_url(ld, &c->url, res) != 0)
		return -1;
	/* a secret for every host the agent may be allowed to reach */
	if (c->url.host_kind == HOST_ANY)
		return node_err(ld, res, "URL \"%s\": a credential goes only "
		    "to hosts it names: name the host (or *.domain), not **",
		    sval(res));
	return load_cred_headers(ld, c, hdrs);
}

static int
load_credentials(struct loader *ld, yaml_node_t *seq)
{
	yaml_node_item_t *it;
	size_t n;

	if (seq->type != YAML_SEQUENCE_NODE)
		return node_err(ld, seq, "\"credentials\" must be a sequence");
	n = seq->data.sequence.items.top - seq->data.sequence.items.start;
	if (n > POLICY_CRED_ENTRIES_MAX)
		return node_err(ld, node(ld, seq->data.sequence.items.start[
		    POLICY_CRED_ENTRIES_MAX]), "\"credentials\" has more than "
		    "%d entries", POLICY_CRED_ENTRIES_MAX);
	if (n == 0)
		return 0;
	if ((ld->p->creds = calloc(n, sizeof(*ld->p->creds))) == NULL)
		return node_err(ld, seq, "out of memory");
	for (it = seq->data.sequence.items.start;
	    it < seq->data.sequence.items.top; it++) {
		/* count it first, so policy_free() sees a partial entry */
		ld->credno = ++ld->p->ncreds;
		if (load_cred(ld, &ld->p->creds[ld->p->ncreds - 1],
		    node(ld, *it)) != 0)
			return -1;
	}
	ld->credno = 0;
	return 0;
}

/* ---- mcp_servers ------------------------------------------------------------ */

/* [a-z0-9][a-z0-9_-]*, at most POLICY_MCP_NAME_MAX bytes: never a "/"
 * (the server of an mcp.call target ends at its first "/") nor a glob
 * character. */
static bool
mcp_name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > POLICY_MCP_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' &&
		    s[i] <= '9') || (i > 0 && (s[i] == '_' || s[i] == '-'))))
			return false;
	return true;
}

static int
load_mcp_command(struct loader *ld, struct mcp_server *m, yaml_node_t *seq)
{
	yaml_node_item_t *it;
	yaml_node_t *a;
	const char *bad;
	size_t n;
	char q[64];

	if (seq->type != YAML_SEQUENCE_NODE ||
	    (n = seq->data.sequence.items.top -
	    seq->data.sequence.items.start) == 0)
		return node_err(ld, seq, "\"command\" must be a non-empty list "
		    "of strings");
	if (n > POLICY_MCP_ARGV_MAX)
		return node_err(ld, node(ld, seq->data.sequence.items.start[
		    POLICY_MCP_ARGV_MAX]), "\"command\" has more than %d "
		    "entries", POLICY_MCP_ARGV_MAX);
	if ((m->argv = calloc(n, sizeof(char *))) == NULL)
		return node_err(ld, seq, "out of memory");
	for (it = seq->data.sequence.items.start;
	    it < seq->data.sequence.items.top; it++) {
		a = node(ld, *it);
		/* text, as proc.exec's args: a plain 5 is "5" */
		if (a->type != YAML_SCALAR_NODE || yj_has_nul(a))
			return node_err(ld, a, "\"command\" must be a non-empty "
			    "list of strings");
		if (a->data.scalar.length > POLICY_MCP_ARG_MAX)
			return node_err(ld, a, "a \"command\" entry is longer "
			    "than %d bytes", POLICY_MCP_ARG_MAX);
		/* the program, as a proc.exec target */
		if (m->argc == 0 && !prog_target_ok(sval(a), &bad))
			return node_err(ld, a, "\"command\": program \"%s\": "
			    "%s", quote(a, q, sizeof(q)), bad);
		if ((m->argv[m->argc] = strdup(sval(a))) == NULL)
			return node_err(ld, a, "out of memory");
		m->argc++;
	}
	return 0;
}

/* `ro:` or `roots:`: absolute, normalized paths, not "/", each once in
 * both lists together. */
static int
load_mcp_paths(struct loader *ld, struct mcp_server *m, yaml_node_t *seq,
    const char *what, char ***list, size_t *nlist)
{
	yaml_node_item_t *it;
	yaml_node_t *a;
	size_t n, i;
	char q[64];

	if (seq->type != YAML_SEQUENCE_NODE)
		return node_err(ld, seq, "\"%s\" must be a list of absolute "
		    "paths", what);
	n = seq->data.sequence.items.top - seq->data.sequence.items.start;
	if (n > POLICY_MCP_PATHS_MAX)
		return node_err(ld, node(ld, seq->data.sequence.items.start[
		    POLICY_MCP_PATHS_MAX]), "\"%s\" has more than %d paths",
		    what, POLICY_MCP_PATHS_MAX);
	if (n > 0 && (*list = calloc(n, sizeof(char *))) == NULL)
		return node_err(ld, seq, "out of memory");
	for (it = seq->data.sequence.items.start;
	    it < seq->data.sequence.items.top; it++) {
		a = node(ld, *it);
		if (!yj_is_string(a))
			return node_err(ld, a, "\"%s\" must be a list of "
			    "absolute paths", what);
		quote(a, q, sizeof(q));
		if (!path_is_canonical(sval(a)))
			return node_err(ld, a, "\"%s\": \"%s\" is not an "
			    "absolute, normalized path", what, q);
		if (strcmp(sval(a), "/") == 0)
			return node_err(ld, a, "\"%s\": \"/\" is the whole "
			    "filesystem: name the directories", what);
		for (i = 0; i < m->nro; i++)
			if (strcmp(m->ro[i], sval(a)) == 0)
				goto twice;
		for (i = 0; i < m->nroots; i++)
			if (strcmp(m->roots[i], sval(a)) == 0)
				goto twice;
		if (((*list)[*nlist] = strdup(sval(a))) == NULL)
			return node_err(ld, a, "out of memory");
		(*nlist)++;
		continue;
twice:
		return node_err(ld, a, "\"%s\": \"%s\" is listed twice (in "
		    "\"ro\" and \"roots\" together)", what, q);
	}
	return 0;
}

static int
load_mcp_env(struct loader *ld, struct mcp_server *m, yaml_node_t *map)
{
	struct tmpl_ctx tc = { POLICY_SOURCE_MCP, &m->src, &m->nsrc,
	    "credentials and mcp_servers name more than" };
	yaml_node_pair_t *pr;
	yaml_node_t *k;
	size_t n, len;
	char q[64], what[100];

	if (map->type != YAML_MAPPING_NODE)
		return node_err(ld, map, "\"env\" must be a mapping "
		    "{NAME: VALUE}");
	if (check_keys(ld, map) != 0)
		return -1;
	n = map->data.mapping.pairs.top - map->data.mapping.pairs.start;
	if (n > POLICY_MCP_ENV_MAX)
		return node_err(ld, node(ld, map->data.mapping.pairs.start[
		    POLICY_MCP_ENV_MAX].key), "\"env\" has more than %d "
		    "variables", POLICY_MCP_ENV_MAX);
	if (n > 0 && ((m->env_names = calloc(n, sizeof(char *))) == NULL ||
	    (m->env_tmpls = calloc(n, sizeof(char *))) == NULL))
		return node_err(ld, map, "out of memory");
	for (pr = map->data.mapping.pairs.start;
	    pr < map->data.mapping.pairs.top; pr++) {
		k = node(ld, pr->key);
		len = k->data.scalar.length;
		quote(k, q, sizeof(q));
		/* the names of proc.exec's env: */
		if (len > POLICY_ENV_NAME_MAX)
			return node_err(ld, k, "env name \"%s\" is longer than "
			    "%d bytes", q, POLICY_ENV_NAME_MAX);
		if (!env_name_ok(sval(k), len))
			return node_err(ld, k, "env name \"%s\" is not a "
			    "variable name ([A-Za-z_][A-Za-z0-9_]*)", q);
		/* the templates of the credentials' headers */
		snprintf(what, sizeof(what), "env \"%s\"", q);
		if (load_template(ld, &tc, what, node(ld, pr->value)) != 0)
			return -1;
		if ((m->env_names[m->nenv] = strdup(sval(k))) == NULL ||
		    (m->env_tmpls[m->nenv] = strdup(sval(node(ld,
		    pr->value)))) == NULL) {
			m->nenv++;	/* policy_free() frees the half */
			return node_err(ld, k, "out of memory");
		}
		m->nenv++;
	}
	return 0;
}

static int
load_mcp_server(struct loader *ld, struct mcp_server *m, yaml_node_t *key,
    yaml_node_t *map)
{
	static const char *const known[] = { "command", "ro", "roots", "env",
	    "network", "timeout", NULL };
	yaml_node_pair_t *pr;
	yaml_node_t *v;
	long long t;
	char q[64];

	m->pos = pos_of(key);
	snprintf(m->id, sizeof(m->id), "%s:%d", ld->name, m->pos.line);
	m->timeout = POLICY_MCP_TIMEOUT_DEFAULT;
	if ((m->name = strdup(sval(key))) == NULL)
		return node_err(ld, key, "out of memory");
	if (map->type != YAML_MAPPING_NODE)
		return node_err(ld, map, "must be a mapping {command: [...], "
		    "ro: [...], roots: [...], env: {...}, network: false, "
		    "timeout: 30}");
	if (check_keys(ld, map) != 0)
		return -1;
	for (pr = map->data.mapping.pairs.start;
	    pr < map->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = node(ld, pr->key);

		if (!yj_one_of(sval(k), known))
			return node_err(ld, k, "unknown key \"%s\" (command, ro, "
			    "roots, env, network, timeout)",
			    quote(k, q, sizeof(q)));
	}
	if ((v = field(ld, map, "command")) == NULL)
		return node_err(ld, map, "missing field \"command\"");
	if (load_mcp_command(ld, m, v) != 0)
		return -1;
	if ((v = field(ld, map, "ro")) != NULL &&
	    load_mcp_paths(ld, m, v, "ro", &m->ro, &m->nro) != 0)
		return -1;
	if ((v = field(ld, map, "roots")) != NULL &&
	    load_mcp_paths(ld, m, v, "roots", &m->roots, &m->nroots) != 0)
		return -1;
	if ((v = field(ld, map, "env")) != NULL && load_mcp_env(ld, m, v) != 0)
		return -1;
	if ((v = field(ld, map, "network")) != NULL) {
		if (v->type != YAML_SCALAR_NODE || yj_scalar_type(v) != SC_BOOL)
			return node_err(ld, v, "\"network\" must be true or "
			    "false");
		m->network = sval(v)[0] == 't' || sval(v)[0] == 'T';
	}
	if ((v = field(ld, map, "timeout")) != NULL) {
		if (whole_in(ld, v, 1, POLICY_MCP_TIMEOUT_MAX, &t) != 0)
			return node_err(ld, v, "\"timeout\" must be a whole "
			    "number of seconds from 1 to %d",
			    POLICY_MCP_TIMEOUT_MAX);
		m->timeout = (unsigned)t;
	}
	return 0;
}

static int
load_mcp_servers(struct loader *ld, yaml_node_t *map)
{
	yaml_node_pair_t *pr;
	yaml_node_t *k;
	size_t n;
	char q[80];

	if (map->type != YAML_MAPPING_NODE)
		return node_err(ld, map, "\"mcp_servers\" must be a mapping "
		    "{NAME: {command: [...], ...}}");
	if (check_keys(ld, map) != 0)
		return -1;
	n = map->data.mapping.pairs.top - map->data.mapping.pairs.start;
	if (n > POLICY_MCP_SERVERS_MAX)
		return node_err(ld, node(ld, map->data.mapping.pairs.start[
		    POLICY_MCP_SERVERS_MAX].key), "\"mcp_servers\" has more "
		    "than %d servers", POLICY_MCP_SERVERS_MAX);
	if (n == 0)
		return 0;
	if ((ld->p->mcp = calloc(n, sizeof(*ld->p->mcp))) == NULL)
		return node_err(ld, map, "out of memory");
	for (pr = map->data.mapping.pairs.start;
	    pr < map->data.mapping.pairs.top; pr++) {
		k = node(ld, pr->key);
		quote(k, q, sizeof(q));
		if (!mcp_name_ok(sval(k), k->data.scalar.length))
			return node_err(ld, k, "mcp server name \"%s\" is not "
			    "[a-z0-9][a-z0-9_-]* of at most %d bytes", q,
			    POLICY_MCP_NAME_MAX);
		/* count it first, so policy_free() sees a partial server */
		ld->p->nmcp++;
		ld->mcpname = q;
		if (load_mcp_server(ld, &ld->p->mcp[ld->p->nmcp - 1], k,
		    node(ld, pr->value)) != 0)
			return -1;
		ld->mcpname = NULL;
	}
	return 0;
}

/* a is b, lies beneath it, or holds it (both absolute, normalized). */
static bool
overlap(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b), n = na < nb ? na : nb;

	if (strncmp(a, b, n) != 0)
		return false;
	if (na == nb)
		return true;
	/* "/" holds everything; else the longer goes on with a '/' */
	return n == 1 || (na > nb ? a[nb] : b[na]) == '/';
}

/*
 * What a server runs (its program when a path, its ro: where its code
 * and modules are) must be out of reach of whoever could change it: the
 * agent (an fs root it may write or delete beneath) and every other
 * server (its roots). Else the agent, or another server, runs its code
 * as that server, with its env and its network. A load error at the
 * server's name.
 */
static int
check_mcp_code(struct loader *ld)
{
	const struct policy *p = ld->p;
	const struct mcp_server *s, *t;
	yaml_mark_t at = { 0, 0, 0 };
	const char *c;
	size_t i, j, k, r;

	for (i = 0; i < p->nmcp; i++) {
		s = &p->mcp[i];
		at.line = (size_t)(s->pos.line - 1);
		at.column = (size_t)(s->pos.col - 1);
		for (k = 0; k <= s->nro; k++) {
			c = k < s->nro ? s->ro[k] : s->argv[0];
			if (c[0] != '/')
				continue;	/* a bare name: /usr/bin... */
			for (r = 0; r < p->nroots; r++)
				if ((p->root_actions[r] & (FS_RIGHT_WRITE |
				    FS_RIGHT_DELETE)) && overlap(c, p->roots[r]))
					return yj_set_err(ld->err, at,
					    "mcp server \"%s\": %s (its %s) "
					    "overlaps %s, "
					    "where the agent may write or delete "
					    "(fs.write, fs.delete): it could change "
					    "what the server runs; keep the "
					    "server's code out of the agent's reach",
					    s->name, c, k < s->nro ? "ro" :
					    "program", p->roots[r]);
			for (j = 0; j < p->nmcp; j++) {
				t = &p->mcp[j];
				for (r = 0; j != i && r < t->nroots; r++)
					if (overlap(c, t->roots[r]))
						return yj_set_err(ld->err, at,
						    "mcp server \"%s\": %s "
						    "(its %s) "
						    "overlaps %s, a root of mcp "
						    "server \"%s\", which that "
						    "server may write: it could "
						    "change what this one runs",
						    s->name, c, k < s->nro ? "ro" :
						    "program", t->roots[r], t->name);
			}
		}
	}
	return 0;
}

static int
load_top(struct loader *ld)
{
	yaml_node_t *root = yaml_document_get_root_node(ld->doc);
	yaml_node_pair_t *pr;
	yaml_node_t *caps = NULL, *deny = NULL, *creds = NULL, *mcp = NULL;
	yaml_mark_t start = { 0, 0, 0 };
	char q[64];

	if (root == NULL)
		return yj_set_err(ld->err, start, "empty document");
	if (root->type != YAML_MAPPING_NODE)
		return node_err(ld, root, "top level must be a mapping");
	if (check_keys(ld, root) != 0)
		return -1;
	for (pr = root->data.mapping.pairs.start;
	    pr < root->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = node(ld, pr->key);

		if (strcmp(sval(k), "capabilities") == 0)
			caps = node(ld, pr->value);
		else if (strcmp(sval(k), "deny") == 0)
			deny = node(ld, pr->value);
		else if (strcmp(sval(k), "credentials") == 0)
			creds = node(ld, pr->value);
		else if (strcmp(sval(k), "mcp_servers") == 0)
			mcp = node(ld, pr->value);
		else
			return node_err(ld, k, "unknown top-level key \"%s\"",
			    quote(k, q, sizeof(q)));
	}
	if (caps == NULL)
		return node_err(ld, root, "missing field \"capabilities\"");
	if (load_rules(ld, caps, "capabilities") != 0)
		return -1;
	if (deny != NULL) {
		ld->deny = true;
		if (load_rules(ld, deny, "deny") != 0)
			return -1;
		ld->deny = false;
	}
	/* the credentials first: their sources lead the list */
	if (creds != NULL && load_credentials(ld, creds) != 0)
		return -1;
	if (mcp != NULL && load_mcp_servers(ld, mcp) != 0)
		return -1;
	return check_mcp_code(ld);
}

int
policy_load_buf(const char *buf, size_t len, const char *name,
    struct policy **out, struct policy_err *err)
{
	struct loader ld;
	yaml_parser_t ps;
	yaml_document_t doc;
	bool have_ps = false, have_doc = false;
	int rc = -1;

	memset(err, 0, sizeof(*err));
	memset(&ld, 0, sizeof(ld));
	*out = NULL;
	if (name == NULL)
		name = "<policy>";
	snprintf(err->file, sizeof(err->file), "%s", name);
	if (buf == NULL && len > 0) {
		err->line = err->col = 1;
		snprintf(err->msg, sizeof(err->msg), "no input");
		return -1;
	}
	if (buf == NULL)
		buf = "";
	if (yj_prescan(buf, len, err) != 0)
		return -1;
	ld.err = err;
	ld.name = err->file;
	ld.doc = &doc;
	ld.yj.doc = &doc;
	ld.yj.err = yj_report;
	ld.yj.arg = &ld;
	if ((ld.p = calloc(1, sizeof(*ld.p))) == NULL ||
	    !(have_ps = yaml_parser_initialize(&ps))) {
		err->line = err->col = 1;
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		goto out;
	}
	snprintf(ld.p->name, sizeof(ld.p->name), "%s", name);
	yaml_parser_set_input_string(&ps, (const unsigned char *)buf, len);
	if (!(have_doc = yaml_parser_load(&ps, &doc))) {
		yj_parser_err(&ps, err);
		goto out;
	}
	if (load_top(&ld) != 0)
		goto out;
	*out = ld.p;
	ld.p = NULL;
	rc = 0;
out:
	if (have_doc)
		yaml_document_delete(&doc);
	if (have_ps)
		yaml_parser_delete(&ps);
	policy_free(ld.p);
	return rc;
}

static void
rule_free(struct rule *r)
{
	size_t j;

	free(r->resource);
	glob_free(r->glob);
	url_pat_free(&r->url);
	free(r->prog.prog);
	for (j = 0; j < r->prog.nargs; j++)
		free(r->prog.args[j]);
	free(r->prog.args);
	for (j = 0; j < r->prog.nenv; j++)
		free(r->prog.env[j]);
	free(r->prog.env);
	free(r->mcp.server);
	free(r->mcp.tool);
	cons_free(r->cons, r->ncons);
	for (j = 0; j < r->nex; j++) {
		free(r->ex[j].target);
		json_decref(r->ex[j].params);
	}
	free(r->ex);
}

static void
cred_free(struct cred *c)
{
	size_t j;

	free(c->resource);
	url_pat_free(&c->url);
	for (j = 0; j < c->nhdr; j++) {
		free(c->hdr[j].name);
		free(c->hdr[j].tmpl);
	}
	free(c->hdr);
	free(c->src);
}

static void
strv_free(char **v, size_t n)
{
	size_t j;

	for (j = 0; j < n; j++)
		free(v[j]);
	free(v);
}

static void
mcp_free(struct mcp_server *m)
{
	free(m->name);
	strv_free(m->argv, m->argc);
	strv_free(m->ro, m->nro);
	strv_free(m->roots, m->nroots);
	strv_free(m->env_names, m->nenv);
	strv_free(m->env_tmpls, m->nenv);
	free(m->src);
}

void
policy_free(struct policy *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nrules; i++)
		rule_free(&p->rules[i]);
	for (i = 0; i < p->nroots; i++)
		free(p->roots[i]);
	free(p->roots);
	for (i = 0; i < p->ncreds; i++)
		cred_free(&p->creds[i]);
	free(p->creds);
	for (i = 0; i < p->nsources; i++)
		free(p->sources[i]);
	free(p->sources);
	free(p->source_users);
	for (i = 0; i < p->nmcp; i++)
		mcp_free(&p->mcp[i]);
	free(p->mcp);
	free(p->root_actions);
	free(p->rules);
	free(p);
}

size_t
policy_nrules(const struct policy *p)
{
	return p == NULL ? 0 : p->nrules;
}

size_t
policy_nroots(const struct policy *p)
{
	return p == NULL ? 0 : p->nroots;
}

unsigned
policy_root_actions(const struct policy *p, size_t i)
{
	if (p == NULL || i >= p->nroots)
		return 0;
	return p->root_actions[i];
}

/* a and b, two normalized absolute paths: one is the other or beneath
 * it */
static bool
paths_nest(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);

	if (strcmp(a, "/") == 0 || strcmp(b, "/") == 0)
		return true;
	if (na > nb)
		return paths_nest(b, a);
	return strncmp(a, b, na) == 0 && (b[na] == '\0' || b[na] == '/');
}

/* An allow rule of `action` whose resource is exactly root's path, a
 * slash and a double star, without constraints. */
static bool
whole_rule(const struct policy *p, size_t i, int action)
{
	char want[POLICY_PATH_MAX + 4];
	size_t k;

	snprintf(want, sizeof(want), "%s/**", strcmp(p->roots[i], "/") ?
	    p->roots[i] : "");
	for (k = 0; k < p->nrules; k++) {
		const struct rule *r = &p->rules[k];

		if (!r->deny && r->action == action && r->root == (int)i &&
		    r->ncons == 0 && r->resource != NULL &&
		    strcmp(r->resource, want) == 0)
			return true;
	}
	return false;
}

bool
policy_root_whole(const struct policy *p, size_t i)
{
	char droot[POLICY_PATH_MAX];
	size_t k;

	if (p == NULL || i >= p->nroots || !whole_rule(p, i, ACT_FS_WRITE) ||
	    !whole_rule(p, i, ACT_FS_DELETE))
		return false;
	for (k = 0; k < p->nrules; k++) {
		const struct rule *r = &p->rules[k];

		if (!r->deny || (r->action != ACT_FS_WRITE &&
		    r->action != ACT_FS_DELETE))
			continue;
		/* a deny rule's fixed part (before its first wildcard) */
		if (r->resource == NULL || pattern_root(r->resource, droot,
		    sizeof(droot)) != 0 || paths_nest(droot, p->roots[i]))
			return false;
	}
	return true;
}

const char *
policy_root_rule(const struct policy *p, size_t i, const char **action)
{
	size_t k;

	*action = NULL;
	if (p == NULL || i >= p->nroots)
		return NULL;
	for (k = 0; k < p->nrules; k++) {
		const struct rule *r = &p->rules[k];

		if (!r->deny && r->root == (int)i && policy_action_is_fs(
		    actions[r->action])) {
			*action = actions[r->action];
			return r->id;
		}
	}
	return NULL;
}

const char *
policy_root(const struct policy *p, size_t i)
{
	if (p == NULL || i >= p->nroots)
		return NULL;
	return p->roots[i];
}

/* Allow rule number `rule` of `action`, or NULL. The number indexes
 * p->rules: the allow rules first, then the deny rules
 * (policy_decision.rule). */
static const struct rule *
allow_rule(const struct policy *p, int rule, int action)
{
	const struct rule *r;

	if (p == NULL || rule < 0 || (size_t)rule >= p->nrules)
		return NULL;
	r = &p->rules[rule];
	return r->deny || r->action != action ? NULL : r;
}

int
policy_proc_grant(const struct policy *p, int rule, struct proc_grant *out)
{
	const struct rule *r;

	if (out == NULL)
		return -1;
	memset(out, 0, sizeof(*out));
	if ((r = allow_rule(p, rule, ACT_PROC_EXEC)) == NULL)
		return -1;
	out->network = r->prog.network;
	out->timeout_max = r->prog.timeout_max != 0 ? r->prog.timeout_max :
	    POLICY_PROC_TIMEOUT_DEFAULT;
	out->env = (const char *const *)r->prog.env;
	out->nenv = r->prog.nenv;
	return 0;
}

bool
policy_allows_action(const struct policy *p, const char *action)
{
	int a = action_index(action);
	size_t i;

	if (p == NULL || a < 0)
		return false;
	for (i = 0; i < p->nrules; i++)
		if (!p->rules[i].deny && p->rules[i].action == a)
			return true;
	return false;
}

int
policy_http_grant(const struct policy *p, int rule, struct http_grant *out)
{
	const struct rule *r;

	if (out == NULL)
		return -1;
	memset(out, 0, sizeof(*out));
	if ((r = allow_rule(p, rule, ACT_NET_HTTP)) == NULL)
		return -1;
	out->timeout_max = r->http.timeout_max != 0 ? r->http.timeout_max :
	    POLICY_HTTP_TIMEOUT_DEFAULT;
	out->follow_max = r->http.follow_max >= 0 ?
	    (unsigned)r->http.follow_max : 0;
	out->max_bytes = r->http.max_bytes != 0 ? r->http.max_bytes :
	    POLICY_HTTP_MAX_BYTES_DEFAULT;
	out->host_named = r->url.host_kind == HOST_EXACT;
	return 0;
}

/* ---- credentials ----------------------------------------------------------- */

size_t
policy_ncreds(const struct policy *p)
{
	return p == NULL ? 0 : p->ncreds;
}

size_t
policy_cred_nsources(const struct policy *p)
{
	return p == NULL ? 0 : p->nsources;
}

const char *
policy_cred_source(const struct policy *p, size_t i)
{
	if (p == NULL || i >= p->nsources)
		return NULL;
	return p->sources[i];
}

size_t
policy_cred_match(const struct policy *p, const char *target, size_t *idx,
    size_t max)
{
	struct url_target *t;
	const char *why;
	size_t i, n = 0;

	if (p == NULL || target == NULL || p->ncreds == 0 ||
	    (idx == NULL && max > 0))
		return 0;
	if ((t = malloc(sizeof(*t))) == NULL)
		return 0;
	if (url_parse(target, t, &why) == 0)
		for (i = 0; i < p->ncreds && n < max; i++)
			if (url_match(&p->creds[i].url, t, false, NULL, 0))
				idx[n++] = i;
	free(t);
	return n;
}

size_t
policy_cred_nheaders(const struct policy *p, size_t i)
{
	if (p == NULL || i >= p->ncreds)
		return 0;
	return p->creds[i].nhdr;
}

const char *
policy_cred_header(const struct policy *p, size_t i, size_t j,
    const char **tmpl)
{
	if (tmpl != NULL)
		*tmpl = NULL;
	if (p == NULL || i >= p->ncreds || j >= p->creds[i].nhdr)
		return NULL;
	if (tmpl != NULL)
		*tmpl = p->creds[i].hdr[j].tmpl;
	return p->creds[i].hdr[j].name;
}

size_t
policy_cred_names(const struct policy *p, size_t i, const char **names,
    size_t max)
{
	const struct cred *c;
	const char *s;
	size_t k, n = 0;

	if (p == NULL || i >= p->ncreds || names == NULL)
		return 0;
	c = &p->creds[i];
	for (k = 0; k < c->nsrc && n < max; k++) {
		s = p->sources[c->src[k]];
		names[n++] = strchr(s, ':') + 1;	/* "ENV:" or "FILE:" */
	}
	return n;
}

const char *
policy_cred_id(const struct policy *p, size_t i)
{
	if (p == NULL || i >= p->ncreds)
		return NULL;
	return p->creds[i].id;
}

unsigned
policy_source_users(const struct policy *p, size_t i)
{
	if (p == NULL || i >= p->nsources)
		return 0;
	return p->source_users[i];
}

/* ---- mcp_servers ------------------------------------------------------------ */

size_t
policy_nmcp(const struct policy *p)
{
	return p == NULL ? 0 : p->nmcp;
}

const char *
policy_mcp_name(const struct policy *p, size_t i)
{
	if (p == NULL || i >= p->nmcp)
		return NULL;
	return p->mcp[i].name;
}

int
policy_mcp_find(const struct policy *p, const char *name)
{
	size_t i;

	if (p == NULL || name == NULL)
		return -1;
	for (i = 0; i < p->nmcp; i++)
		if (strcmp(p->mcp[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
policy_mcp_server(const struct policy *p, size_t i, struct policy_mcp *out)
{
	const struct mcp_server *m;

	if (out == NULL)
		return -1;
	memset(out, 0, sizeof(*out));
	if (p == NULL || i >= p->nmcp)
		return -1;
	m = &p->mcp[i];
	out->name = m->name;
	out->argv = (const char *const *)m->argv;
	out->argc = m->argc;
	out->ro = (const char *const *)m->ro;
	out->nro = m->nro;
	out->roots = (const char *const *)m->roots;
	out->nroots = m->nroots;
	out->env_names = (const char *const *)m->env_names;
	out->env_tmpls = (const char *const *)m->env_tmpls;
	out->nenv = m->nenv;
	out->src = m->src;
	out->nsrc = m->nsrc;
	out->network = m->network;
	out->timeout_s = m->timeout;
	out->id = m->id;
	return 0;
}
