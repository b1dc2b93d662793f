/*
 * policy/cons.c -- typed constraints on a request's params: evaluate,
 * describe, free. (They are compiled and type-checked at load, in
 * policy.c; regexes are compiled there too, never while deciding.)
 *
 * Runs in: the broker (confined) and in its --check / --explain modes.
 * Privilege: none. No I/O, no exit(). Evaluation allocates nothing.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/b64.h"
#include "policy/internal.h"

/* Same type and value; integers and reals compare numerically. */
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

/* -1, 0, 1 as got <, =, > bound; 2 when got is not a number. */
static int
num_cmp(const json_t *got, const json_t *bound)
{
	double g, b;

	if (!json_is_number(got))
		return 2;
	if (json_is_integer(got) && json_is_integer(bound)) {
		json_int_t x = json_integer_value(got);
		json_int_t y = json_integer_value(bound);

		return x < y ? -1 : x > y;
	}
	g = json_number_value(got);
	b = json_number_value(bound);
	return g < b ? -1 : g > b;
}

static int
count_bytes(const char *buf, size_t size, void *data)
{
	size_t *n = data;

	(void)buf;
	*n += size;
	return 0;
}

static bool
string_has_nul(const json_t *s)
{
	return memchr(json_string_value(s), '\0', json_string_length(s)) !=
	    NULL;
}

/*
 * In a deny rule, a value an operator cannot judge (a glob or regex on a
 * non-string or a string with NUL, a range on a non-number, a length on a
 * number) counts as matching: a deny rule must not be stepped around by
 * sending a param of an unexpected type. In an allow rule it fails.
 */
static bool
term_holds(const struct cterm *t, const json_t *v, bool deny)
{
	size_t i, n = 0;
	int r;

	if (t->op == C_ABSENT)
		return v == NULL;
	if (v == NULL)
		return false;
	switch (t->op) {
	case C_EQ:
		return value_equal(t->val, v);
	case C_ONE_OF:
		for (i = 0; i < json_array_size(t->val); i++)
			if (value_equal(json_array_get(t->val, i), v))
				return true;
		return false;
	case C_MIN:
		r = num_cmp(v, t->val);
		return r == 0 || r == 1 || (r == 2 && deny);
	case C_MAX:
		r = num_cmp(v, t->val);
		return r == 0 || r == -1 || (r == 2 && deny);
	case C_GLOB:
		if (!json_is_string(v) || string_has_nul(v))
			return deny;
		return fnmatch(json_string_value(t->val), json_string_value(v),
		    0) == 0;
	case C_REGEX:
		if (!json_is_string(v) || string_has_nul(v))
			return deny;
		return regexec(&t->re, json_string_value(v), 0, NULL, 0) == 0;
	case C_MAX_LENGTH:
		if (json_is_string(v))
			return (long long)json_string_length(v) <= t->n;
		if (json_is_array(v))
			return (long long)json_array_size(v) <= t->n;
		if (json_is_object(v))
			return (long long)json_object_size(v) <= t->n;
		return deny;
	case C_MAX_SIZE:
		if (json_dump_callback(v, count_bytes, &n,
		    JSON_COMPACT | JSON_ENCODE_ANY) != 0)
			return deny;	/* not UTF-8 (decoded content) */
		return (long long)n <= t->n;
	case C_ABSENT:
		break;
	}
	return false;
}

void
cterm_describe(const struct cterm *t, char *buf, size_t size)
{
	char *s = NULL;

	switch (t->op) {
	case C_EQ:
		s = json_dumps(t->val, JSON_ENCODE_ANY | JSON_COMPACT);
		snprintf(buf, size, "equals %s", s ? s : "?");
		break;
	case C_ONE_OF:
		s = json_dumps(t->val, JSON_ENCODE_ANY | JSON_COMPACT);
		snprintf(buf, size, "one of %s", s ? s : "?");
		break;
	case C_MIN:
	case C_MAX:
		s = json_dumps(t->val, JSON_ENCODE_ANY | JSON_COMPACT);
		snprintf(buf, size, "%s %s", t->op == C_MIN ? ">=" : "<=",
		    s ? s : "?");
		break;
	case C_GLOB:
		snprintf(buf, size, "matches glob \"%s\"",
		    json_string_value(t->val));
		break;
	case C_REGEX:
		snprintf(buf, size, "matches regex \"%s\"",
		    json_string_value(t->val));
		break;
	case C_MAX_LENGTH:
		snprintf(buf, size, "has length <= %lld", t->n);
		break;
	case C_MAX_SIZE:
		snprintf(buf, size, "is at most %lld bytes of JSON", t->n);
		break;
	case C_ABSENT:
		snprintf(buf, size, "is absent");
		break;
	}
	free(s);
}

bool
cons_hold(const struct constraint *c, size_t n, const json_t *params,
    bool deny, char *why, size_t whylen)
{
	char desc[160], got[64];
	const json_t *v;
	size_t i, j;
	char *s;

	for (i = 0; i < n; i++) {
		v = json_is_object(params) ?
		    json_object_get(params, c[i].key) : NULL;
		for (j = 0; j < c[i].nterms; j++) {
			if (term_holds(&c[i].terms[j], v, deny))
				continue;
			if (why != NULL) {
				cterm_describe(&c[i].terms[j], desc,
				    sizeof(desc));
				/* ASCII-only JSON: printable, quotes kept */
				s = v ? json_dumps(v, JSON_ENCODE_ANY |
				    JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
				snprintf(got, sizeof(got), "%s", s ? s :
				    v ? "not UTF-8" : "absent");
				if (s != NULL && strlen(s) >= sizeof(got))
					memcpy(got + sizeof(got) - 4, "...", 4);
				snprintf(why, whylen, "param %s must be: %s "
				    "(it is %s)", c[i].key, desc, got);
				free(s);
			}
			return false;
		}
	}
	return true;
}

/*
 * The params constraints are held against. For fs.write with encoding
 * base64, "content" is the decoded bytes (a length-counted string that
 * may hold NUL or non-UTF-8 bytes; the terms judge it by its length, and
 * treat NUL as unjudgeable), so a constraint means the bytes written, not
 * their encoding. Returns params itself, or a copy in *owned (free it);
 * NULL when the content is not strict base64 or memory runs out (the
 * caller fails closed).
 */
const json_t *
cons_params(int action, const json_t *params, json_t **owned)
{
	const json_t *enc, *c;
	unsigned char *buf;
	json_t *copy, *dec;
	size_t n;

	*owned = NULL;
	if (action != ACT_FS_WRITE || !json_is_object(params))
		return params;
	enc = json_object_get(params, "encoding");
	c = json_object_get(params, "content");
	if (!json_is_string(enc) || strcmp(json_string_value(enc), "base64") ||
	    !json_is_string(c))
		return params;
	if ((buf = malloc(B64_DECODED_MAX(json_string_length(c)) + 1)) == NULL)
		return NULL;
	if (b64_decode(json_string_value(c), json_string_length(c), buf,
	    &n) < 0) {
		free(buf);
		return NULL;
	}
	dec = json_stringn_nocheck((const char *)buf, n);
	free(buf);
	/* json_copy: a shallow copy of params; the other values are shared */
	if (dec == NULL || (copy = json_copy((json_t *)params)) == NULL) {
		json_decref(dec);
		return NULL;
	}
	if (json_object_set_new(copy, "content", dec) != 0) {
		json_decref(copy);
		return NULL;
	}
	*owned = copy;
	return copy;
}

void
cons_free(struct constraint *c, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < c[i].nterms; j++) {
			json_decref(c[i].terms[j].val);
			if (c[i].terms[j].have_re)
				regfree(&c[i].terms[j].re);
		}
		free(c[i].terms);
		free(c[i].key);
	}
	free(c);
}
