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
 */

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "policy/policy.h"

/* Defined in path.c. */
#include "policy/glob.h"

#define MAX_DEPTH	32	/* YAML nesting; a policy needs 4 */
#define MAX_RESOURCE	8192	/* non-fs resources (URLs, tool names) */

static const char *const actions[] = {
	"fs.read", "fs.write", "fs.delete", "fs.list",
	"proc.exec", "net.http", "mcp.call", "llm.chat",
	"snapshot.rollback",
};
#define NACTIONS	(sizeof(actions) / sizeof(actions[0]))
#define NFS_ACTIONS	4	/* the first four */

struct constraint {
	char *key;
	json_t *val;		/* string, integer, real, true, false, null */
};

struct rule {
	int action;		/* index into actions[] */
	struct glob *glob;
	struct constraint *cons;
	size_t ncons;
	int root;		/* fs rules: index into policy->roots */
	char id[300];		/* "FILE:LINE" */
};

struct policy {
	struct rule *rules;
	size_t nrules;
	char **roots;
	unsigned *root_actions;	/* POLICY_FS_* per root */
	size_t nroots;
};

/* What a plain scalar means under the YAML 1.2 core schema. */
enum scalar_type {
	SC_NULL,
	SC_BOOL,
	SC_INT,
	SC_REAL,
	SC_STR
};

struct loader {
	yaml_document_t *doc;
	struct policy_err *err;
	const char *name;
	struct policy *p;
	size_t ruleno;		/* 1-based, for messages */
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

static int __attribute__((format(printf, 3, 4)))
set_err(struct policy_err *err, yaml_mark_t mark, const char *fmt, ...)
{
	va_list ap;

	err->line = (int)mark.line + 1;
	err->col = (int)mark.column + 1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* An error about a node, prefixed with "rule N: " inside a rule. */
static int __attribute__((format(printf, 3, 4)))
node_err(struct loader *ld, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ld->ruleno > 0)
		return set_err(ld->err, n->start_mark, "rule %zu: %s",
		    ld->ruleno, msg);
	return set_err(ld->err, n->start_mark, "%s", msg);
}

/* Quote a scalar for a message: printable ASCII only, truncated. */
static const char *
quote(const yaml_node_t *n, char *buf, size_t size)
{
	size_t i, o = 0;

	for (i = 0; i < n->data.scalar.length && o + 4 < size; i++) {
		unsigned char c = n->data.scalar.value[i];

		buf[o++] = (c >= 0x20 && c < 0x7f && c != '"') ? c : '?';
	}
	if (i < n->data.scalar.length) {
		buf[o - 1] = buf[o - 2] = buf[o - 3] = '.';
	}
	buf[o] = '\0';
	return buf;
}

/* ---- pre-scan: syntax, aliases, anchors, tags, depth, documents ---------- */

static int
parser_err(yaml_parser_t *ps, struct policy_err *err)
{
	yaml_mark_t m = ps->problem_mark;

	if (ps->error == YAML_MEMORY_ERROR)
		return set_err(err, m, "out of memory");
	return set_err(err, m, "YAML syntax error: %s",
	    ps->problem ? ps->problem : "unknown");
}

static int
check_event(const yaml_event_t *ev, int *depth, int *docs,
    struct policy_err *err)
{
	const yaml_char_t *anchor = NULL, *tag = NULL;
	int implicit = 1;

	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		return set_err(err, ev->start_mark,
		    "aliases are not allowed");
	case YAML_DOCUMENT_START_EVENT:
		if (++*docs > 1)
			return set_err(err, ev->start_mark,
			    "only one YAML document is allowed");
		return 0;
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		tag = ev->data.scalar.tag;
		implicit = ev->data.scalar.plain_implicit ||
		    ev->data.scalar.quoted_implicit;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
		implicit = ev->data.sequence_start.implicit;
		(*depth)++;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
		implicit = ev->data.mapping_start.implicit;
		(*depth)++;
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		(*depth)--;
		return 0;
	default:
		return 0;
	}
	if (anchor != NULL)
		return set_err(err, ev->start_mark, "anchors are not allowed");
	if (tag != NULL && !implicit)
		return set_err(err, ev->start_mark, "tags are not allowed");
	if (*depth > MAX_DEPTH)
		return set_err(err, ev->start_mark, "nesting too deep");
	return 0;
}

/*
 * Walk the events once before building the document: the document API
 * resolves aliases silently, so this is where they are refused (and
 * with them any "billion laughs" expansion).
 */
static int
prescan(const char *buf, size_t len, struct policy_err *err)
{
	yaml_parser_t ps;
	yaml_event_t ev;
	int depth = 0, docs = 0, rc = -1;
	bool end = false;

	if (!yaml_parser_initialize(&ps)) {
		err->line = err->col = 1;
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -1;
	}
	yaml_parser_set_input_string(&ps, (const unsigned char *)buf, len);
	while (!end) {
		if (!yaml_parser_parse(&ps, &ev)) {
			parser_err(&ps, err);
			goto out;
		}
		end = ev.type == YAML_STREAM_END_EVENT;
		rc = check_event(&ev, &depth, &docs, err);
		yaml_event_delete(&ev);
		if (rc != 0)
			goto out;
	}
	rc = 0;
out:
	yaml_parser_delete(&ps);
	return rc;
}

/* ---- scalars ----------------------------------------------------------- */

static bool
is_one_of(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

static size_t
digits(const char *s, const char *set)
{
	return strspn(s, set);
}

static bool
is_int(const char *s)
{
	size_t n;

	if ((s[0] == '0' && s[1] == 'o') || (s[0] == '0' && s[1] == 'x')) {
		n = digits(s + 2, s[1] == 'o' ? "01234567" :
		    "0123456789abcdefABCDEF");
		return n > 0 && s[2 + n] == '\0';
	}
	if (*s == '-' || *s == '+')
		s++;
	n = digits(s, "0123456789");
	return n > 0 && s[n] == '\0';
}

/* [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )? */
static bool
is_float(const char *s)
{
	size_t n, m = 0;

	if (*s == '-' || *s == '+')
		s++;
	n = digits(s, "0123456789");
	s += n;
	if (*s == '.') {
		m = digits(s + 1, "0123456789");
		s += 1 + m;
	}
	if (n == 0 && m == 0)
		return false;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '-' || *s == '+')
			s++;
		n = digits(s, "0123456789");
		if (n == 0)
			return false;
		s += n;
	}
	return *s == '\0';
}

static bool
is_special_float(const char *s)
{
	static const char *const inf[] = { ".inf", ".Inf", ".INF", NULL };
	static const char *const nan[] = { ".nan", ".NaN", ".NAN", NULL };

	if (is_one_of(s, nan))
		return true;
	if (*s == '-' || *s == '+')
		s++;
	return is_one_of(s, inf);
}

static enum scalar_type
scalar_type(const yaml_node_t *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL",
	    NULL };
	static const char *const bools[] = { "true", "True", "TRUE", "false",
	    "False", "FALSE", NULL };
	const char *s = (const char *)n->data.scalar.value;

	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return SC_STR;
	if (is_one_of(s, nulls))
		return SC_NULL;
	if (is_one_of(s, bools))
		return SC_BOOL;
	if (is_int(s))
		return SC_INT;
	if (is_float(s) || is_special_float(s))
		return SC_REAL;
	return SC_STR;
}

static bool
has_nul(const yaml_node_t *n)
{
	return memchr(n->data.scalar.value, '\0', n->data.scalar.length) !=
	    NULL;
}

/* A string scalar without NUL; what action, resource and keys must be. */
static bool
is_string(const yaml_node_t *n)
{
	return n != NULL && n->type == YAML_SCALAR_NODE &&
	    scalar_type(n) == SC_STR && !has_nul(n);
}

/* Resolve a constraint value to JSON; NULL with an error set on failure. */
static json_t *
scalar_json(struct loader *ld, const yaml_node_t *n)
{
	const char *s = (const char *)n->data.scalar.value;
	long long i;
	double d;
	json_t *j = NULL;

	switch (scalar_type(n)) {
	case SC_NULL:
		return json_null();
	case SC_BOOL:
		return json_boolean(s[0] == 't' || s[0] == 'T');
	case SC_INT:
		errno = 0;
		if (s[0] == '0' && (s[1] == 'o' || s[1] == 'x'))
			i = strtoll(s + 2, NULL, s[1] == 'o' ? 8 : 16);
		else
			i = strtoll(s, NULL, 10);
		if (errno == ERANGE) {
			node_err(ld, n, "integer out of range");
			return NULL;
		}
		j = json_integer(i);
		break;
	case SC_REAL:
		d = strtod(s, NULL);
		if (is_special_float(s) || !isfinite(d)) {
			node_err(ld, n, "only finite numbers are allowed");
			return NULL;
		}
		j = json_real(d);
		break;
	case SC_STR:
		j = json_stringn(s, n->data.scalar.length);
		if (j == NULL) {
			node_err(ld, n, "invalid string");
			return NULL;
		}
		return j;
	}
	if (j == NULL)
		node_err(ld, n, "out of memory");
	return j;
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
	yaml_node_pair_t *a, *b;
	yaml_node_t *ka, *kb;
	char q[64];

	for (a = map->data.mapping.pairs.start;
	    a < map->data.mapping.pairs.top; a++) {
		ka = node(ld, a->key);
		if (!is_string(ka))
			return node_err(ld, ka, "keys must be strings");
		for (b = map->data.mapping.pairs.start; b < a; b++) {
			kb = node(ld, b->key);
			if (strcmp((char *)ka->data.scalar.value,
			    (char *)kb->data.scalar.value) == 0)
				return node_err(ld, ka, "duplicate key \"%s\"",
				    quote(ka, q, sizeof(q)));
		}
	}
	return 0;
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
compile_resource(struct loader *ld, struct rule *r, yaml_node_t *n,
    const char *res)
{
	int rc = glob_compile(res, r->action < NFS_ACTIONS, &r->glob);

	if (rc == -2)
		return node_err(ld, n, "\"**\" must be a whole path segment");
	if (rc != 0)
		return node_err(ld, n, "out of memory");
	return 0;
}

static int
load_fs_resource(struct loader *ld, struct rule *r, yaml_node_t *n)
{
	const char *res = (const char *)n->data.scalar.value;
	char norm[POLICY_PATH_MAX], root[POLICY_PATH_MAX];

	if (res[0] != '/')
		return node_err(ld, n,
		    "\"resource\" must be an absolute path for %s",
		    actions[r->action]);
	if (has_dot_segment(res))
		return node_err(ld, n,
		    "\"resource\" must not contain \".\" or \"..\" segments");
	if (path_normalize(res, strlen(res), norm, sizeof(norm)) != 0)
		return node_err(ld, n, "\"resource\" is too long");
	if (compile_resource(ld, r, n, norm) != 0)
		return -1;
	if (pattern_root(norm, root, sizeof(root)) != 0 ||
	    (r->root = add_root(ld->p, root)) < 0)
		return node_err(ld, n, "out of memory");
	/* actions[0..3] are fs.read, fs.write, fs.delete, fs.list */
	ld->p->root_actions[r->root] |= 1u << r->action;
	return 0;
}

static int
load_resource(struct loader *ld, struct rule *r, yaml_node_t *n)
{
	if (!is_string(n))
		return node_err(ld, n, "\"resource\" must be a string");
	if (n->data.scalar.length == 0)
		return node_err(ld, n, "\"resource\" must not be empty");
	if (r->action < NFS_ACTIONS)
		return load_fs_resource(ld, r, n);
	if (n->data.scalar.length > MAX_RESOURCE)
		return node_err(ld, n, "\"resource\" is too long");
	return compile_resource(ld, r, n, (const char *)n->data.scalar.value);
}

static int
load_action(struct loader *ld, struct rule *r, yaml_node_t *n)
{
	char q[64];

	if (!is_string(n))
		return node_err(ld, n, "\"action\" must be a string");
	r->action = action_index((const char *)n->data.scalar.value);
	if (r->action < 0)
		return node_err(ld, n, "unknown action \"%s\"",
		    quote(n, q, sizeof(q)));
	return 0;
}

static int
load_constraints(struct loader *ld, struct rule *r, yaml_node_t *map)
{
	yaml_node_pair_t *pr;
	yaml_node_t *v;
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

		v = node(ld, pr->value);
		if (v->type != YAML_SCALAR_NODE || has_nul(v))
			return node_err(ld, v,
			    "constraint \"%s\" must be a scalar",
			    key_text(ld, pr));
		if ((c->key = strdup(key_text(ld, pr))) == NULL)
			return node_err(ld, v, "out of memory");
		r->ncons++;
		if ((c->val = scalar_json(ld, v)) == NULL)
			return -1;
	}
	return 0;
}

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
	    "constraint", NULL };
	yaml_node_pair_t *pr;
	char q[64];

	if (check_keys(ld, map) != 0)
		return -1;
	for (pr = map->data.mapping.pairs.start;
	    pr < map->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = node(ld, pr->key);

		if (!is_one_of((const char *)k->data.scalar.value, known))
			return node_err(ld, k, "unknown key \"%s\"",
			    quote(k, q, sizeof(q)));
	}
	return 0;
}

static int
load_rule(struct loader *ld, struct rule *r, yaml_node_t *map)
{
	yaml_node_t *a, *res, *con;

	r->root = -1;
	if (map->type != YAML_MAPPING_NODE)
		return node_err(ld, map, "must be a mapping");
	if (check_rule_keys(ld, map) != 0)
		return -1;
	if ((a = field(ld, map, "action")) == NULL)
		return node_err(ld, map, "missing field \"action\"");
	if ((res = field(ld, map, "resource")) == NULL)
		return node_err(ld, map, "missing field \"resource\"");
	if (load_action(ld, r, a) != 0 || load_resource(ld, r, res) != 0)
		return -1;
	if ((con = field(ld, map, "constraint")) != NULL &&
	    load_constraints(ld, r, con) != 0)
		return -1;
	snprintf(r->id, sizeof(r->id), "%s:%zu", ld->name,
	    map->start_mark.line + 1);
	return 0;
}

static int
load_rules(struct loader *ld, yaml_node_t *seq)
{
	yaml_node_item_t *it;
	size_t n;

	if (seq->type != YAML_SEQUENCE_NODE)
		return node_err(ld, seq, "\"capabilities\" must be a sequence");
	n = seq->data.sequence.items.top - seq->data.sequence.items.start;
	if (n == 0)
		return 0;
	if ((ld->p->rules = calloc(n, sizeof(*ld->p->rules))) == NULL)
		return node_err(ld, seq, "out of memory");
	for (it = seq->data.sequence.items.start;
	    it < seq->data.sequence.items.top; it++) {
		ld->ruleno = ld->p->nrules + 1;
		/* count it first, so policy_free() sees a partial rule */
		ld->p->nrules++;
		if (load_rule(ld, &ld->p->rules[ld->ruleno - 1],
		    node(ld, *it)) != 0)
			return -1;
	}
	ld->ruleno = 0;
	return 0;
}

static int
load_top(struct loader *ld)
{
	yaml_node_t *root = yaml_document_get_root_node(ld->doc);
	yaml_node_pair_t *pr;
	yaml_node_t *caps = NULL;
	yaml_mark_t start = { 0, 0, 0 };
	char q[64];

	if (root == NULL)
		return set_err(ld->err, start, "empty document");
	if (root->type != YAML_MAPPING_NODE)
		return node_err(ld, root, "top level must be a mapping");
	if (check_keys(ld, root) != 0)
		return -1;
	for (pr = root->data.mapping.pairs.start;
	    pr < root->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = node(ld, pr->key);

		if (strcmp((const char *)k->data.scalar.value,
		    "capabilities") != 0)
			return node_err(ld, k, "unknown top-level key \"%s\"",
			    quote(k, q, sizeof(q)));
		caps = node(ld, pr->value);
	}
	if (caps == NULL)
		return node_err(ld, root, "missing field \"capabilities\"");
	return load_rules(ld, caps);
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
	if (prescan(buf, len, err) != 0)
		return -1;
	ld.err = err;
	ld.name = err->file;
	ld.doc = &doc;
	if ((ld.p = calloc(1, sizeof(*ld.p))) == NULL ||
	    !(have_ps = yaml_parser_initialize(&ps))) {
		err->line = err->col = 1;
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		goto out;
	}
	yaml_parser_set_input_string(&ps, (const unsigned char *)buf, len);
	if (!(have_doc = yaml_parser_load(&ps, &doc))) {
		parser_err(&ps, err);
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

void
policy_free(struct policy *p)
{
	size_t i, j;

	if (p == NULL)
		return;
	for (i = 0; i < p->nrules; i++) {
		struct rule *r = &p->rules[i];

		glob_free(r->glob);
		for (j = 0; j < r->ncons; j++) {
			free(r->cons[j].key);
			json_decref(r->cons[j].val);
		}
		free(r->cons);
	}
	for (i = 0; i < p->nroots; i++)
		free(p->roots[i]);
	free(p->roots);
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

const char *
policy_root(const struct policy *p, size_t i)
{
	if (p == NULL || i >= p->nroots)
		return NULL;
	return p->roots[i];
}

/* ---- decisions --------------------------------------------------------- */

static bool
value_equal(const json_t *want, const json_t *got)
{
	if (got == NULL)
		return false;
	switch (json_typeof(want)) {
	case JSON_STRING:
		return json_is_string(got) &&
		    json_string_length(want) == json_string_length(got) &&
		    memcmp(json_string_value(want), json_string_value(got),
		    json_string_length(want)) == 0;
	case JSON_INTEGER:
		if (json_is_integer(got))
			return json_integer_value(want) ==
			    json_integer_value(got);
		return json_is_real(got) &&
		    (double)json_integer_value(want) == json_real_value(got);
	case JSON_REAL:
		return json_is_number(got) &&
		    json_real_value(want) == json_number_value(got);
	case JSON_TRUE:
	case JSON_FALSE:
	case JSON_NULL:
		return json_typeof(want) == json_typeof(got);
	default:
		return false;
	}
}

static bool
constraints_hold(const struct rule *r, const json_t *params)
{
	size_t i;

	if (r->ncons == 0)
		return true;
	if (!json_is_object(params))
		return false;
	for (i = 0; i < r->ncons; i++)
		if (!value_equal(r->cons[i].val,
		    json_object_get(params, r->cons[i].key)))
			return false;
	return true;
}

void
policy_decide(const struct policy *p, const char *action,
    const char *target, const json_t *params, struct policy_decision *out)
{
	int a = action_index(action);
	size_t i;

	out->allow = false;
	out->rule = -1;
	out->root = -1;
	snprintf(out->rule_id, sizeof(out->rule_id), "default-deny");
	if (p == NULL || a < 0 || target == NULL)
		return;
	if (a < NFS_ACTIONS && !path_is_canonical(target))
		return;
	for (i = 0; i < p->nrules; i++) {
		const struct rule *r = &p->rules[i];

		if (r->action != a || !glob_match(r->glob, target) ||
		    !constraints_hold(r, params))
			continue;
		out->allow = true;
		out->rule = (int)i;
		out->root = r->root;
		memcpy(out->rule_id, r->id, sizeof(out->rule_id));
		return;
	}
}
