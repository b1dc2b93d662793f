/*
 * common/schema.c -- the JSON Schema subset of common/schema.h:
 * a tools/call's arguments against the tool's inputSchema. Follows the
 * schema (never the value alone) to SCHEMA_DEPTH_MAX levels, counts
 * every step against SCHEMA_WORK_MAX, and keeps the first reason only.
 * Pure (no I/O, no exit(), no allocation): unit-tested and fuzzed
 * (fuzz/fuzz_mcp.c).
 *
 * Runs in: aksup-worker-mcp, aksup-agent (confined). Privilege: none needed. Input:
 * a schema from an MCP server and arguments from the agent (anyone's
 * JSON, parsed by jansson: valid UTF-8, no NUL in strings).
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/schema.h"

struct ctx {
	char path[SCHEMA_PATH_MAX + 1];
	size_t plen;
	size_t cut_at;		/* where "..." stands, when cut */
	int cut;
	size_t root_len;
	size_t work;
	int failed;		/* the first outcome: -1 or -2 */
	char *why;
	size_t whylen;
};

/* ---- the path in reasons ---- */

/* Append pre and s[0..n) (a name: sanitized unless raw), returning the
 * old length, to pop back to. Past the room, "..." ends the path. */
static size_t
push(struct ctx *c, const char *pre, const char *s, size_t n, int raw)
{
	size_t old = c->plen, i, pl = strlen(pre);

	if (c->cut)
		return old;
	if (c->plen + pl + n > SCHEMA_PATH_MAX - 3) {
		memcpy(c->path + c->plen, "...", 4);
		c->cut_at = c->plen;
		c->plen += 3;
		c->cut = 1;
		return old;
	}
	memcpy(c->path + c->plen, pre, pl);
	c->plen += pl;
	for (i = 0; i < n; i++) {
		unsigned char b = (unsigned char)s[i];

		int keep = raw || (b >= 'a' && b <= 'z') || (b >= 'A' &&
		    b <= 'Z') || (b >= '0' && b <= '9') || b == '_' || b == '-';

		c->path[c->plen++] = (char)(keep ? b : '?');
	}
	c->path[c->plen] = '\0';
	return old;
}

static void
pop(struct ctx *c, size_t old)
{
	if (c->cut && old <= c->cut_at)
		c->cut = 0;
	c->plen = old;
	c->path[old] = '\0';
}

static size_t
push_key(struct ctx *c, const char *k)
{
	return push(c, ".", k, strlen(k), 0);
}

static size_t
push_index(struct ctx *c, size_t i)
{
	char b[32];
	int n = snprintf(b, sizeof(b), "[%zu]", i);

	return push(c, "", b, (size_t)n, 1);
}

/* ---- outcomes ---- */

/* rc -1: the value; rc -2: the schema. The first reason stays. */
__attribute__((format(printf, 3, 4)))
static int
say(struct ctx *c, int rc, const char *fmt, ...)
{
	char msg[128];
	va_list ap;

	if (c->failed)
		return c->failed;
	c->failed = rc;
	if (c->why == NULL || c->whylen == 0)
		return rc;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (rc == -2)
		(void)snprintf(c->why, c->whylen, "inputSchema at %s: %s",
		    c->path, msg);
	else
		(void)snprintf(c->why, c->whylen, "%s: %s", c->path, msg);
	return rc;
}

static int
step(struct ctx *c)
{
	if (++c->work <= SCHEMA_WORK_MAX)
		return 0;
	if (!c->failed) {
		c->plen = c->root_len;	/* the whole value is refused */
		c->path[c->plen] = '\0';
		c->cut = 0;
	}
	return say(c, -1, "too large to check");
}

/* ---- numbers ---- */

/* 1 when the number has no fractional part. */
static int
integral(const json_t *v)
{
	double x, a;

	if (json_is_integer(v))
		return 1;
	if (!json_is_real(v))
		return 0;
	x = json_real_value(v);
	a = x < 0 ? -x : x;
	if (a >= 9007199254740992.0)	/* 2^53: every double is whole */
		return 1;
	return x == (double)(long long)x;
}

/* -1, 0, 1 as a is below, equal to, above b (both numbers). */
static int
numcmp(const json_t *a, const json_t *b)
{
	double x, y;

	if (json_is_integer(a) && json_is_integer(b)) {
		json_int_t i = json_integer_value(a), j = json_integer_value(b);

		return i < j ? -1 : i > j;
	}
	x = json_number_value(a);
	y = json_number_value(b);
	return x < y ? -1 : x > y;
}

static const char *
numtext(const json_t *n, char *buf, size_t len)
{
	if (json_is_integer(n))
		(void)snprintf(buf, len, "%lld",
		    (long long)json_integer_value(n));
	else
		(void)snprintf(buf, len, "%.17g", json_real_value(n));
	return buf;
}

/* ---- equality (enum, const): numbers by value ---- */

/* 1 equal, 0 not, -1 out of steps. */
static int
jeq(struct ctx *c, const json_t *a, const json_t *b)
{
	const char *k;
	const json_t *x, *y;
	size_t i;
	int r;

	if (step(c))
		return -1;
	if (json_is_number(a) && json_is_number(b))
		return numcmp(a, b) == 0;
	if (json_typeof(a) != json_typeof(b))
		return 0;
	switch (json_typeof(a)) {
	case JSON_STRING:
		return json_string_length(a) == json_string_length(b) &&
		    memcmp(json_string_value(a), json_string_value(b),
		    json_string_length(a)) == 0;
	case JSON_ARRAY:
		if (json_array_size(a) != json_array_size(b))
			return 0;
		json_array_foreach(a, i, x)
			if ((r = jeq(c, x, json_array_get(b, i))) != 1)
				return r;
		return 1;
	case JSON_OBJECT:
		if (json_object_size(a) != json_object_size(b))
			return 0;
		json_object_foreach((json_t *)(uintptr_t)a, k, x) {
			if ((y = json_object_get(b, k)) == NULL)
				return 0;
			if ((r = jeq(c, x, y)) != 1)
				return r;
		}
		return 1;
	default:	/* true, false, null: the type says it */
		return 1;
	}
}

/* ---- the schema's own keywords ---- */

static const char *const type_names[] = {
	"object", "array", "string", "number", "integer", "boolean", "null",
};
#define NTYPES	(sizeof(type_names) / sizeof(type_names[0]))

static int
type_known(const json_t *t)
{
	size_t i;

	if (!json_is_string(t))
		return 0;
	for (i = 0; i < NTYPES; i++)
		if (strcmp(json_string_value(t), type_names[i]) == 0)
			return 1;
	return 0;
}

static int
nonneg_int(const json_t *v)
{
	return json_is_integer(v) && json_integer_value(v) >= 0;
}

/* The keywords this supports, each of its type; else -2. */
static int
node_ok(struct ctx *c, const json_t *s)
{
	static const char *const nums[] = { "minimum", "maximum" };
	static const char *const excl[] = {
		"exclusiveMinimum", "exclusiveMaximum",
	};
	static const char *const counts[] = {
		"minLength", "maxLength", "minItems", "maxItems",
	};
	const json_t *v, *x;
	size_t i;

	v = json_object_get(s, "type");
	if (v != NULL && !type_known(v)) {
		if (!json_is_array(v) || json_array_size(v) == 0)
			return say(c, -2, "type is not a type or a list of "
			    "them");
		json_array_foreach(v, i, x)
			if (!type_known(x))
				return say(c, -2, "type[%zu] is not a type", i);
	}
	if (!json_is_object(json_object_get(s, "properties")) &&
	    json_object_get(s, "properties") != NULL)
		return say(c, -2, "properties is not an object");
	v = json_object_get(s, "required");
	if (v != NULL) {
		if (!json_is_array(v))
			return say(c, -2, "required is not an array");
		json_array_foreach(v, i, x)
			if (!json_is_string(x))
				return say(c, -2, "required[%zu] is not a "
				    "string", i);
	}
	v = json_object_get(s, "additionalProperties");
	if (v != NULL && !json_is_object(v) && !json_is_boolean(v))
		return say(c, -2, "additionalProperties is not a schema");
	v = json_object_get(s, "items");
	if (v != NULL && !json_is_object(v) && !json_is_boolean(v) &&
	    !json_is_array(v))
		return say(c, -2, "items is not a schema or a list of them");
	v = json_object_get(s, "enum");
	if (v != NULL && !json_is_array(v))
		return say(c, -2, "enum is not an array");
	for (i = 0; i < 2; i++) {
		v = json_object_get(s, nums[i]);
		if (v != NULL && !json_is_number(v))
			return say(c, -2, "%s is not a number", nums[i]);
		v = json_object_get(s, excl[i]);
		if (v != NULL && !json_is_number(v) && !json_is_boolean(v))
			return say(c, -2, "%s is not a number", excl[i]);
	}
	for (i = 0; i < 4; i++) {
		v = json_object_get(s, counts[i]);
		if (v != NULL && !nonneg_int(v))
			return say(c, -2, "%s is not a non-negative integer",
			    counts[i]);
	}
	return 0;
}

/* ---- the value ---- */

static int check(struct ctx *c, const json_t *s, const json_t *v, int depth);

static int
type_is(const json_t *v, const char *t)
{
	if (strcmp(t, "object") == 0)
		return json_is_object(v);
	if (strcmp(t, "array") == 0)
		return json_is_array(v);
	if (strcmp(t, "string") == 0)
		return json_is_string(v);
	if (strcmp(t, "number") == 0)
		return json_is_number(v);
	if (strcmp(t, "integer") == 0)
		return integral(v);
	if (strcmp(t, "boolean") == 0)
		return json_is_boolean(v);
	return json_is_null(v);
}

static const char *
article(const char *t)
{
	return strcmp(t, "null") == 0 ? "" : (t[0] == 'a' || t[0] == 'i' ||
	    t[0] == 'o') ? "an " : "a ";
}

static int
check_type(struct ctx *c, const json_t *s, const json_t *v)
{
	const json_t *t = json_object_get(s, "type"), *x;
	char list[96];
	size_t i, o = 0;

	if (t == NULL)
		return 0;
	if (json_is_string(t)) {
		if (type_is(v, json_string_value(t)))
			return 0;
		return say(c, -1, "must be %s%s", article(json_string_value(t)),
		    json_string_value(t));
	}
	list[0] = '\0';
	json_array_foreach(t, i, x) {
		if (type_is(v, json_string_value(x)))
			return 0;
		if (o < sizeof(list))
			o += (size_t)snprintf(list + o, sizeof(list) - o,
			    "%s%s", i ? ", " : "", json_string_value(x));
	}
	return say(c, -1, "must be of type %s", list);
}

static int
check_enum_const(struct ctx *c, const json_t *s, const json_t *v)
{
	const json_t *e = json_object_get(s, "enum"), *x;
	size_t i;
	int r;

	if (e != NULL) {
		json_array_foreach(e, i, x) {
			if ((r = jeq(c, x, v)) < 0)
				return -1;
			if (r == 1)
				break;
		}
		if (i == json_array_size(e))
			return say(c, -1, "must be one of the schema's values");
	}
	if ((e = json_object_get(s, "const")) != NULL) {
		if ((r = jeq(c, e, v)) < 0)
			return -1;
		if (r == 0)
			return say(c, -1, "must be the schema's constant");
	}
	return 0;
}

static int
check_number(struct ctx *c, const json_t *s, const json_t *v)
{
	static const struct {
		const char *kw;
		int bad_lo, bad_eq, bad_hi;	/* outcomes refused */
		const char *say;
	} b[] = {
		{ "minimum", 1, 0, 0, "must be at least" },
		{ "maximum", 0, 0, 1, "must be at most" },
		{ "exclusiveMinimum", 1, 1, 0, "must be greater than" },
		{ "exclusiveMaximum", 0, 1, 1, "must be less than" },
	};
	const json_t *n;
	char t[40];
	size_t i;
	int r;

	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		if ((n = json_object_get(s, b[i].kw)) == NULL ||
		    !json_is_number(n))
			continue;	/* absent, or draft 4's boolean */
		r = numcmp(v, n);
		if ((r < 0 && b[i].bad_lo) || (r == 0 && b[i].bad_eq) ||
		    (r > 0 && b[i].bad_hi))
			return say(c, -1, "%s %s", b[i].say,
			    numtext(n, t, sizeof(t)));
	}
	return 0;
}

/* Code points of a valid UTF-8 string. */
static size_t
cps(const json_t *v)
{
	const unsigned char *s = (const unsigned char *)json_string_value(v);
	size_t i, n = 0, len = json_string_length(v);

	for (i = 0; i < len; i++)
		n += (s[i] & 0xc0) != 0x80;
	return n;
}

static int
check_count(struct ctx *c, const json_t *s, size_t n, const char *lo,
    const char *hi, const char *unit)
{
	const json_t *m;

	if ((m = json_object_get(s, lo)) != NULL &&
	    (json_int_t)n < json_integer_value(m))
		return say(c, -1, "must have at least %lld %s",
		    (long long)json_integer_value(m), unit);
	if ((m = json_object_get(s, hi)) != NULL &&
	    (json_int_t)n > json_integer_value(m))
		return say(c, -1, "must have at most %lld %s",
		    (long long)json_integer_value(m), unit);
	return 0;
}

static int
check_array(struct ctx *c, const json_t *s, const json_t *v, int depth)
{
	const json_t *items = json_object_get(s, "items"), *x, *sub;
	size_t i, old;
	int rc;

	if ((rc = check_count(c, s, json_array_size(v), "minItems", "maxItems",
	    "items")) != 0 || items == NULL)
		return rc;
	json_array_foreach(v, i, x) {
		sub = json_is_array(items) ? json_array_get(items, i) : items;
		if (sub == NULL)
			break;	/* past a list of schemas: not checked */
		old = push_index(c, i);
		rc = check(c, sub, x, depth + 1);
		pop(c, old);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
check_object(struct ctx *c, const json_t *s, const json_t *v, int depth)
{
	const json_t *props = json_object_get(s, "properties");
	const json_t *req = json_object_get(s, "required");
	const json_t *add = json_object_get(s, "additionalProperties");
	const json_t *x, *sub;
	const char *k;
	size_t i, old;
	int rc = 0;

	json_array_foreach(req, i, x) {
		if (step(c))
			return -1;
		if (json_object_get(v, json_string_value(x)) == NULL) {
			old = push_key(c, json_string_value(x));
			rc = say(c, -1, "is required");
			pop(c, old);
			return rc;
		}
	}
	if (json_object_get(s, "patternProperties") != NULL)
		add = NULL;	/* not supported: it would be wrong */
	json_object_foreach((json_t *)(uintptr_t)v, k, x) {
		if (step(c))
			return -1;
		sub = props ? json_object_get(props, k) : NULL;
		if (sub == NULL)
			sub = add;
		if (sub == NULL)
			continue;
		old = push_key(c, k);
		rc = check(c, sub, x, depth + 1);
		pop(c, old);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
check(struct ctx *c, const json_t *s, const json_t *v, int depth)
{
	int rc;

	if (depth > SCHEMA_DEPTH_MAX)
		return say(c, -2, "nested deeper than %d", SCHEMA_DEPTH_MAX);
	if (step(c))
		return -1;
	if (json_is_true(s))
		return 0;
	if (json_is_false(s))
		return say(c, -1, "is not allowed");
	if (!json_is_object(s))
		return say(c, -2, "a schema is not an object or a boolean");
	if ((rc = node_ok(c, s)) != 0 || (rc = check_type(c, s, v)) != 0 ||
	    (rc = check_enum_const(c, s, v)) != 0)
		return rc;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return check_object(c, s, v, depth);
	case JSON_ARRAY:
		return check_array(c, s, v, depth);
	case JSON_STRING:
		return check_count(c, s, cps(v), "minLength", "maxLength",
		    "characters");
	case JSON_INTEGER:
	case JSON_REAL:
		return check_number(c, s, v);
	default:
		return 0;
	}
}

int
schema_check(const json_t *schema, const json_t *value, const char *root,
    char *why, size_t whylen)
{
	struct ctx c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.why = why;
	c.whylen = whylen;
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	(void)push(&c, "", root ? root : "", root ? strlen(root) : 0, 0);
	c.root_len = c.plen;
	if (schema == NULL || value == NULL)
		return say(&c, -2, "no schema or no value");
	rc = check(&c, schema, value, 0);
	return rc == 0 ? 0 : c.failed ? c.failed : -1;
}
