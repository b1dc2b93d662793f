/*
 * agent/builtin/tools.c -- a model's tool call made an agent-channel
 * request (see tools.h).
 *
 * Runs in: aksup-agent (confined), the unit tests and the fuzzer.
 * Privilege: none. Pure: no I/O, no exit(). Input: a model's tool call
 * (anyone's bytes) and the configuration's tools (checked by the
 * broker, trusted for their form).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/builtin/tools.h"
#include "common/schema.h"

#define TARGET_MAX	8192	/* a target, bytes (a URL's bound) */

const json_t *
json_pointer_get(const json_t *v, const char *ptr)
{
	char key[256];
	const char *end;
	size_t n, o, i;
	char *x;
	long idx;

	if (ptr[0] == '\0')
		return v;
	if (ptr[0] != '/')
		return NULL;
	while (v != NULL && *ptr == '/') {
		ptr++;
		end = strchr(ptr, '/');
		n = end != NULL ? (size_t)(end - ptr) : strlen(ptr);
		for (i = o = 0; i < n && o + 1 < sizeof(key); i++) {
			if (ptr[i] == '~' && i + 1 < n &&
			    (ptr[i + 1] == '0' || ptr[i + 1] == '1')) {
				key[o++] = ptr[i + 1] == '0' ? '~' : '/';
				i++;
			} else if (ptr[i] == '~')
				return NULL;
			else
				key[o++] = ptr[i];
		}
		if (i < n)
			return NULL;	/* a key longer than any we take */
		key[o] = '\0';
		if (json_is_object(v))
			v = json_object_get(v, key);
		else if (json_is_array(v) && o > 0 && o < 10 &&
		    key[0] >= '0' && key[0] <= '9' && (o == 1 ||
		    key[0] != '0')) {
			idx = strtol(key, &x, 10);
			v = *x == '\0' ? json_array_get(v, (size_t)idx) : NULL;
		} else
			v = NULL;
		ptr += n;
	}
	return v;
}

static const json_t *
tool_named(const json_t *tools, const char *name)
{
	const json_t *t;
	size_t i;

	json_array_foreach(tools, i, t)
		if (json_is_string(json_object_get(t, "name")) &&
		    strcmp(json_string_value(json_object_get(t, "name")),
		    name) == 0)
			return t;
	return NULL;
}

/* A name the model wrote, for a message: printable ASCII, cut. */
static void
shown(const char *s, char *out, size_t cap)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < cap && i < 64; i++)
		out[i] = s[i] > ' ' && s[i] <= '~' ? s[i] : '?';
	out[i] = '\0';
}

/* The arguments as an object: the model wrote them as JSON text. */
static json_t *
arguments(const json_t *fn, char *err, size_t errlen)
{
	const json_t *a = json_object_get(fn, "arguments");
	json_error_t je;
	json_t *v;

	if (!json_is_string(a)) {
		snprintf(err, errlen, "error: the tool call has no arguments "
		    "text");
		return NULL;
	}
	if (json_string_length(a) == 0)
		return json_object();	/* "": none */
	v = json_loadb(json_string_value(a), json_string_length(a),
	    JSON_REJECT_DUPLICATES, &je);
	if (v == NULL) {
		snprintf(err, errlen, "error: the arguments are not valid "
		    "JSON (%s, at character %d); send one JSON object",
		    je.text, je.position);
		return NULL;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		snprintf(err, errlen, "error: the arguments must be a JSON "
		    "object");
		return NULL;
	}
	return v;
}

int
tool_request(const json_t *tools, const json_t *call, struct tool_req *r,
    char *err, size_t errlen)
{
	const json_t *fn = json_object_get(call, "function"), *t, *tv;
	const char *name = json_string_value(json_object_get(fn, "name"));
	const char *from;
	char why[SCHEMA_WHY_MAX], nm[72];
	json_t *args = NULL;

	memset(r, 0, sizeof(*r));
	if (name == NULL || (t = tool_named(tools, name)) == NULL) {
		shown(name != NULL ? name : "", nm, sizeof(nm));
		snprintf(err, errlen, "error: no tool named \"%s\"; the tools "
		    "are the ones offered", nm);
		return -1;
	}
	if ((args = arguments(fn, err, errlen)) == NULL)
		return -1;
	if (schema_check(json_object_get(t, "parameters"), args, "arguments",
	    why, sizeof(why)) != 0) {
		snprintf(err, errlen, "error: %s", why);
		goto fail;
	}
	from = json_string_value(json_object_get(t, "target_from"));
	tv = from == NULL ? NULL : from[0] == '/' ?
	    json_pointer_get(args, from) : json_object_get(args, from);
	if (!json_is_string(tv) || json_string_length(tv) == 0 ||
	    json_string_length(tv) > TARGET_MAX ||
	    strlen(json_string_value(tv)) != json_string_length(tv)) {
		snprintf(err, errlen, "error: the argument %s%s%s (the "
		    "target) is missing, empty or not a string", from &&
		    from[0] != '/' ? "\"" : "", from ? from : "?", from &&
		    from[0] != '/' ? "\"" : "");
		goto fail;
	}
	r->action = json_string_value(json_object_get(t, "action"));
	if (r->action == NULL || (r->target = strdup(json_string_value(tv)))
	    == NULL) {
		snprintf(err, errlen, "error: out of memory");
		goto fail;
	}
	/* the rest of the arguments are the action's params (a target
	 * named by a pointer stays where it is) */
	if (from[0] != '/')
		(void)json_object_del(args, from);
	r->params = args;
	return 0;
fail:
	json_decref(args);
	tool_req_free(r);
	return -1;
}

void
tool_req_free(struct tool_req *r)
{
	free(r->target);
	json_decref(r->params);
	memset(r, 0, sizeof(*r));
}

json_t *
tools_offered(const json_t *tools)
{
	json_t *out = json_array(), *f;
	const json_t *t;
	size_t i;

	json_array_foreach(tools, i, t) {
		f = json_pack("{s:s, s:{s:O, s:O*, s:O}}", "type", "function",
		    "function", "name", json_object_get(t, "name"),
		    "description", json_object_get(t, "description"),
		    "parameters", json_object_get(t, "parameters"));
		if (f == NULL || json_array_append_new(out, f) < 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}
