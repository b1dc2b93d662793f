/*
 * policy/yjson.c -- the strict reading of YAML shared by the policy
 * loader (policy/policy.c) and the AGENT.yaml loader (broker/agentcfg.c):
 * the pre-scan that refuses aliases, anchors, tags, deep nesting and a
 * second document; the YAML 1.2 core schema's typing of plain scalars;
 * string keys, each once; YAML values to JSON.
 *
 * Runs in: the broker (confined: no filesystem, no network) and in its
 * --check / --explain modes. Privilege: none. Never calls exit(), never
 * prints: errors go to the caller's struct policy_err or its callback,
 * with the node's position.
 */

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "policy/internal.h"

/* ---- errors ------------------------------------------------------------ */

int
yj_set_err(struct policy_err *err, yaml_mark_t mark, const char *fmt, ...)
{
	va_list ap;

	err->line = (int)mark.line + 1;
	err->col = (int)mark.column + 1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* An error about node n, through the caller's callback. */
static int __attribute__((format(printf, 3, 4)))
yj_err(const struct yjson *y, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[232];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return y->err(y->arg, n, msg);
}

/* ---- pre-scan: syntax, aliases, anchors, tags, depth, documents ---------- */

int
yj_parser_err(yaml_parser_t *ps, struct policy_err *err)
{
	yaml_mark_t m = ps->problem_mark;

	if (ps->error == YAML_MEMORY_ERROR)
		return yj_set_err(err, m, "out of memory");
	return yj_set_err(err, m, "YAML syntax error: %s",
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
		return yj_set_err(err, ev->start_mark,
		    "aliases are not allowed");
	case YAML_DOCUMENT_START_EVENT:
		if (++*docs > 1)
			return yj_set_err(err, ev->start_mark,
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
		return yj_set_err(err, ev->start_mark,
		    "anchors are not allowed");
	if (tag != NULL && !implicit)
		return yj_set_err(err, ev->start_mark, "tags are not allowed");
	if (*depth > YJ_MAX_DEPTH)
		return yj_set_err(err, ev->start_mark, "nesting too deep");
	return 0;
}

/*
 * Walk the events once before building the document: the document API
 * resolves aliases silently, so this is where they are refused (and
 * with them any "billion laughs" expansion).
 */
int
yj_prescan(const char *buf, size_t len, struct policy_err *err)
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
			yj_parser_err(&ps, err);
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

bool
yj_one_of(const char *s, const char *const *list)
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

	if (yj_one_of(s, nan))
		return true;
	if (*s == '-' || *s == '+')
		s++;
	return yj_one_of(s, inf);
}

enum scalar_type
yj_scalar_type(const yaml_node_t *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL",
	    NULL };
	static const char *const bools[] = { "true", "True", "TRUE", "false",
	    "False", "FALSE", NULL };
	const char *s = (const char *)n->data.scalar.value;

	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return SC_STR;
	if (yj_one_of(s, nulls))
		return SC_NULL;
	if (yj_one_of(s, bools))
		return SC_BOOL;
	if (is_int(s))
		return SC_INT;
	if (is_float(s) || is_special_float(s))
		return SC_REAL;
	return SC_STR;
}

bool
yj_has_nul(const yaml_node_t *n)
{
	return memchr(n->data.scalar.value, '\0', n->data.scalar.length) !=
	    NULL;
}

/* A string scalar without NUL; what action, resource and keys must be. */
bool
yj_is_string(const yaml_node_t *n)
{
	return n != NULL && n->type == YAML_SCALAR_NODE &&
	    yj_scalar_type(n) == SC_STR && !yj_has_nul(n);
}

/* Resolve a scalar to JSON; NULL with an error reported on failure. */
json_t *
yj_scalar(const struct yjson *y, const yaml_node_t *n)
{
	const char *s = (const char *)n->data.scalar.value;
	long long i;
	double d;
	json_t *j = NULL;

	switch (yj_scalar_type(n)) {
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
			yj_err(y, n, "integer out of range");
			return NULL;
		}
		j = json_integer(i);
		break;
	case SC_REAL:
		d = strtod(s, NULL);
		if (is_special_float(s) || !isfinite(d)) {
			yj_err(y, n, "only finite numbers are allowed");
			return NULL;
		}
		j = json_real(d);
		break;
	case SC_STR:
		j = json_stringn(s, n->data.scalar.length);
		if (j == NULL) {
			yj_err(y, n, "invalid string");
			return NULL;
		}
		return j;
	}
	if (j == NULL)
		yj_err(y, n, "out of memory");
	return j;
}

/* ---- mappings ---------------------------------------------------------- */

static yaml_node_t *
node(const struct yjson *y, int id)
{
	return yaml_document_get_node(y->doc, id);
}

static const char *
key_text(const struct yjson *y, const yaml_node_pair_t *pr)
{
	return (const char *)node(y, pr->key)->data.scalar.value;
}

/* Keys must be strings and unique; report the second occurrence. */
int
yj_check_keys(const struct yjson *y, yaml_node_t *map)
{
	yaml_node_pair_t *a, *b;
	yaml_node_t *ka, *kb;
	char q[64];

	for (a = map->data.mapping.pairs.start;
	    a < map->data.mapping.pairs.top; a++) {
		ka = node(y, a->key);
		if (!yj_is_string(ka))
			return yj_err(y, ka, "keys must be strings");
		for (b = map->data.mapping.pairs.start; b < a; b++) {
			kb = node(y, b->key);
			if (strcmp((char *)ka->data.scalar.value,
			    (char *)kb->data.scalar.value) == 0)
				return yj_err(y, ka, "duplicate key \"%s\"",
				    policy_quote((const char *)
				    ka->data.scalar.value,
				    ka->data.scalar.length, q, sizeof(q)));
		}
	}
	return 0;
}

/* ---- YAML values to JSON (constraint operands, example params, the
 * agent's tool parameters) ------------------------------------------------ */

json_t *
yj_value(const struct yjson *y, yaml_node_t *n)
{
	yaml_node_pair_t *pr;
	yaml_node_item_t *it;
	json_t *j, *v;

	switch (n->type) {
	case YAML_SCALAR_NODE:
		if (yj_has_nul(n)) {
			yj_err(y, n, "NUL bytes are not allowed");
			return NULL;
		}
		return yj_scalar(y, n);
	case YAML_SEQUENCE_NODE:
		if ((j = json_array()) == NULL)
			goto nomem;
		for (it = n->data.sequence.items.start;
		    it < n->data.sequence.items.top; it++) {
			if ((v = yj_value(y, node(y, *it))) == NULL ||
			    json_array_append_new(j, v) != 0) {
				json_decref(j);
				return NULL;
			}
		}
		return j;
	case YAML_MAPPING_NODE:
		if (yj_check_keys(y, n) != 0)
			return NULL;
		if ((j = json_object()) == NULL)
			goto nomem;
		for (pr = n->data.mapping.pairs.start;
		    pr < n->data.mapping.pairs.top; pr++) {
			if ((v = yj_value(y, node(y, pr->value))) == NULL ||
			    json_object_set_new(j, key_text(y, pr), v) != 0) {
				json_decref(j);
				return NULL;
			}
		}
		return j;
	default:
		break;
	}
	yj_err(y, n, "unexpected YAML node");
	return NULL;
nomem:
	yj_err(y, n, "out of memory");
	return NULL;
}
