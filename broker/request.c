/*
 * broker/request.c -- decode agent requests and encode answers
 * (docs/PROTOCOL.md, version 2). Pure: no I/O, no exit(); fuzzed by
 * fuzz/fuzz_request.c.
 *
 * Runs in: the broker (confined). Privilege: none. Input: untrusted bytes
 * from the agent.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "broker/broker.h"
#include "common/jsonesc.h"
#include "policy/internal.h"

#define STR_(x)	#x
#define STR(x)	STR_(x)

static void
setwhy(char *why, size_t whylen, const char *s)
{
	snprintf(why, whylen, "%s", s);
}

/* Bytes of s to keep so that at most max bytes end on a UTF-8 character
 * boundary (the reason goes into JSON answers and records). */
static int
utf8_prefix(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return (int)n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;	/* s[n] continues a character: cut before its start */
	return (int)n;
}

enum req_result
request_decode(const char *buf, size_t len, struct request *rq, char *why,
	       size_t whylen)
{
	json_error_t jerr;
	const char *key, *err = NULL;
	char unknown[80];
	json_t *v;

	memset(rq, 0, sizeof(*rq));
	/* Duplicate keys and NUL characters are rejected by the parser:
	 * both are ways to make two readers see two requests. */
	rq->root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (rq->root == NULL) {
		snprintf(why, whylen, "not JSON: %s", jerr.text);
		return REQ_FRAMING;
	}
	if (!json_is_object(rq->root)) {
		setwhy(why, whylen, "not a JSON object");
		json_decref(rq->root);
		rq->root = NULL;
		return REQ_FRAMING;
	}
	/*
	 * Every field is bounded before anything is reported: the records
	 * of a malformed request carry action and target, the answer the
	 * id. A field past its bound is dropped (NULL), whatever other
	 * fault the request has. The first fault, in this order, is the
	 * reason.
	 */
	unknown[0] = '\0';
	json_object_foreach(rq->root, key, v) {
		if (strcmp(key, "id") != 0 && strcmp(key, "action") != 0 &&
		    strcmp(key, "target") != 0 && strcmp(key, "params") != 0) {
			snprintf(unknown, sizeof(unknown), "unknown field \"%.*s\"",
			    utf8_prefix(key, 40), key);
			break;
		}
	}
	if (unknown[0] != '\0')
		err = unknown;
	v = json_object_get(rq->root, "id");
	if (v == NULL)
		err = err ? err : "missing id";
	else if (json_is_integer(v) ||
	    (json_is_string(v) && json_string_length(v) <= REQUEST_ID_MAX))
		rq->id = v;
	else if (json_is_string(v))
		err = err ? err : "id too long (at most "
		    STR(REQUEST_ID_MAX) " bytes)";
	else
		err = err ? err : "id must be an integer or a string";
	v = json_object_get(rq->root, "action");
	/* actions are short names; a huge one would only bloat records */
	if (json_is_string(v) && json_string_length(v) <= REQUEST_ACTION_MAX)
		rq->action = json_string_value(v);
	else if (json_is_string(v))
		err = err ? err : "action too long";
	else
		err = err ? err : "action must be a string";
	v = json_object_get(rq->root, "target");
	if (json_is_string(v) && json_string_length(v) <= REQUEST_TARGET_MAX) {
		rq->target = json_string_value(v);
		rq->target_len = json_string_length(v);
	} else if (json_is_string(v))
		err = err ? err : "target too long";
	else
		err = err ? err : "target must be a string";
	v = json_object_get(rq->root, "params");
	if (v != NULL && !json_is_null(v) && !json_is_object(v))
		err = err ? err : "params must be an object";
	if (err != NULL) {
		setwhy(why, whylen, err);
		return REQ_MALFORMED;
	}
	if (v == NULL || json_is_null(v)) {
		rq->params = json_object();
		if (rq->params == NULL) {
			setwhy(why, whylen, "out of memory");
			return REQ_MALFORMED;
		}
		/* owned by root from here on */
		if (json_object_set_new(rq->root, "params", rq->params) < 0) {
			rq->params = NULL;
			setwhy(why, whylen, "out of memory");
			return REQ_MALFORMED;
		}
	} else
		rq->params = v;
	return REQ_OK;
}

void
request_free(struct request *rq)
{
	json_decref(rq->root);
	memset(rq, 0, sizeof(*rq));
}

/* ---- params: one table of every action's params ------------------------- */

enum ptype { PT_STRING, PT_INT, PT_NUMBER, PT_BOOL, PT_STRLIST, PT_OBJECT };

static const char *const type_names[] = {
	[PT_STRING] = "a string", [PT_INT] = "an integer",
	[PT_NUMBER] = "a number", [PT_BOOL] = "a boolean",
	[PT_STRLIST] = "a list of strings", [PT_OBJECT] = "an object",
};

struct param_def {
	const char *name;
	enum ptype type;
	bool required;		/* checked by the provider stage */
	size_t max;		/* string: bytes, list: items; 0: unbounded */
	const char *const *oneof;	/* string values the provider takes
					   (provider stage); NULL: any */
};

struct action_def {
	const char *action;
	/* closed: a key not in the row is malformed (the action has a
	 * provider, which takes exactly these). Open: the action has no
	 * provider yet; the keys listed are typed (policy constraints and
	 * defaults see them), the rest pass, as nothing runs. */
	bool closed;
	const struct param_def *params;		/* ends with a NULL name */
};

static const char *const encodings[] = { "utf-8", "base64", NULL };

static const struct param_def p_read[] = {
	{ "encoding", PT_STRING, false, 16, encodings },
	{ NULL, 0, false, 0, NULL },
};
static const struct param_def p_write[] = {
	{ "content", PT_STRING, true, 0, NULL },
	{ "encoding", PT_STRING, false, 16, encodings },
	{ NULL, 0, false, 0, NULL },
};
static const struct param_def p_none[] = {
	{ NULL, 0, false, 0, NULL },
};
static const struct param_def p_http[] = {
	{ "method", PT_STRING, false, 32, NULL },
	{ "timeout", PT_NUMBER, false, 0, NULL },
	{ NULL, 0, false, 0, NULL },
};
static const struct param_def p_exec[] = {
	{ "args", PT_STRLIST, false, 0, NULL },
	{ "timeout", PT_NUMBER, false, 0, NULL },
	{ NULL, 0, false, 0, NULL },
};
static const struct param_def p_chat[] = {
	{ "max_tokens", PT_INT, false, 0, NULL },
	{ NULL, 0, false, 0, NULL },
};

/* Every action the policy knows (policy_actions[]); a new provider is
 * its row made closed. */
static const struct action_def action_defs[] = {
	{ "fs.read", true, p_read },
	{ "fs.write", true, p_write },
	{ "fs.delete", true, p_none },
	{ "fs.list", true, p_none },
	{ "net.http", false, p_http },
	{ "proc.exec", false, p_exec },
	{ "mcp.call", false, p_none },
	{ "llm.chat", false, p_chat },
	{ "snapshot.rollback", false, p_none },
};

_Static_assert(sizeof(action_defs) / sizeof(action_defs[0]) == NACTIONS,
    "a params row for every action of the policy");

static const struct action_def *
action_def(const char *action)
{
	size_t i;

	for (i = 0; i < sizeof(action_defs) / sizeof(action_defs[0]); i++)
		if (strcmp(action_defs[i].action, action) == 0)
			return &action_defs[i];
	return NULL;
}

static bool
type_ok(const json_t *v, enum ptype t)
{
	size_t i;

	switch (t) {
	case PT_STRING:
		return json_is_string(v);
	case PT_INT:
		return json_is_integer(v);
	case PT_NUMBER:
		return json_is_number(v);
	case PT_BOOL:
		return json_is_boolean(v);
	case PT_OBJECT:
		return json_is_object(v);
	case PT_STRLIST:
		if (!json_is_array(v))
			return false;
		for (i = 0; i < json_array_size(v); i++)
			if (!json_is_string(json_array_get(v, i)))
				return false;
		return true;
	}
	return false;
}

/* Types and bounds of the keys present; unknown keys of a closed row. */
static int
check_types(const struct action_def *a, const json_t *params, char *why,
	    size_t whylen)
{
	const struct param_def *d;
	const char *key;
	json_t *v;
	size_t n;

	json_object_foreach((json_t *)params, key, v) {
		for (d = a->params; d->name != NULL; d++)
			if (strcmp(d->name, key) == 0)
				break;
		if (d->name == NULL) {
			if (!a->closed)
				continue;
			snprintf(why, whylen, "params.%.*s is not a parameter "
			    "of %s", utf8_prefix(key, 40), key, a->action);
			return -1;
		}
		if (!type_ok(v, d->type)) {
			snprintf(why, whylen, "params.%s must be %s", d->name,
			    type_names[d->type]);
			return -1;
		}
		n = d->type == PT_STRING ? json_string_length(v) :
		    d->type == PT_STRLIST ? json_array_size(v) : 0;
		if (d->max != 0 && n > d->max) {
			snprintf(why, whylen, "params.%s must be at most %zu %s",
			    d->name, d->max, d->type == PT_STRING ? "bytes" :
			    "items");
			return -1;
		}
	}
	return 0;
}

/* Required keys present, values the provider takes. */
static int
check_provider(const struct action_def *a, const json_t *params, char *why,
	       size_t whylen)
{
	const struct param_def *d;
	const json_t *v;
	size_t i, o;

	for (d = a->params; d->name != NULL; d++) {
		v = json_object_get(params, d->name);
		if (v == NULL) {
			if (!d->required)
				continue;
			snprintf(why, whylen, "params.%s must be %s", d->name,
			    type_names[d->type]);
			return -1;
		}
		if (!type_ok(v, d->type)) {	/* the types stage ran */
			snprintf(why, whylen, "params.%s must be %s", d->name,
			    type_names[d->type]);
			return -1;
		}
		if (d->oneof == NULL)
			continue;
		for (i = 0; d->oneof[i] != NULL; i++)
			if (strcmp(d->oneof[i], json_string_value(v)) == 0)
				break;
		if (d->oneof[i] != NULL)
			continue;
		o = (size_t)snprintf(why, whylen, "params.%s must be", d->name);
		for (i = 0; d->oneof[i] != NULL && o < whylen; i++)
			o += (size_t)snprintf(why + o, whylen - o, "%s %s",
			    i == 0 ? "" : " or", d->oneof[i]);
		return -1;
	}
	return 0;
}

bool
request_action_has_params(const char *action)
{
	return action_def(action) != NULL;
}

int
request_check_params(const char *action, const json_t *params,
		     enum params_stage stage, char *why, size_t whylen)
{
	const struct action_def *a;

	if (!json_is_object(params)) {
		setwhy(why, whylen, "params must be an object");
		return -1;
	}
	/* an unknown action is denied, whatever its params */
	if ((a = action_def(action)) == NULL)
		return 0;
	if (stage == PARAMS_TYPES)
		return check_types(a, params, why, whylen);
	return check_provider(a, params, why, whylen);
}

/*
 * The answer, written in one pass: {"id":..,"status":..,"data":DATA,
 * "error":..,"record_id":..}. `data` is JSON text the broker produced or
 * validated (NULL: null). Strings go through json_escape(); a string
 * that is not UTF-8 (never from the agent: the decoder checked it) is
 * written as null rather than failing the answer.
 */
char *
response_encode_text(const json_t *id, const char *status, const char *data,
		     size_t dlen, const char *error, const char *record_id,
		     size_t *len)
{
	size_t cap = 96 + (data ? dlen : 4), o = 0, k;
	const char *strs[3] = { status, error, record_id };
	char *buf, idnum[24];
	int i;

	for (i = 0; i < 3; i++)
		cap += strs[i] ? JSON_ESCAPE_MAX(strlen(strs[i])) : 4;
	if (json_is_string(id))
		cap += JSON_ESCAPE_MAX(json_string_length(id));
	if ((buf = malloc(cap)) == NULL)
		return NULL;
#define OUT(s, n) do { memcpy(buf + o, (s), (n)); o += (n); } while (0)
#define OUTS(lit) OUT(lit, sizeof(lit) - 1)
#define OUTSTR(s) do {							\
	if ((s) == NULL || (k = json_escape(buf + o, (s), strlen(s))) == 0) \
		OUTS("null");						\
	else								\
		o += k;							\
} while (0)
	OUTS("{\"id\":");
	if (json_is_integer(id)) {
		k = (size_t)snprintf(idnum, sizeof(idnum), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(id));
		OUT(idnum, k);
	} else if (json_is_string(id) && (k = json_escape(buf + o,
	    json_string_value(id), json_string_length(id))) != 0)
		o += k;
	else
		OUTS("null");
	OUTS(",\"status\":");
	OUTSTR(status);
	OUTS(",\"data\":");
	if (data != NULL)
		OUT(data, dlen);
	else
		OUTS("null");
	OUTS(",\"error\":");
	OUTSTR(error);
	OUTS(",\"record_id\":");
	OUTSTR(record_id);
	OUTS("}");
	buf[o] = '\0';
#undef OUT
#undef OUTS
#undef OUTSTR
	*len = o;
	return buf;
}

char *
response_encode(const json_t *id, const char *status, json_t *data,
		const char *error, const char *record_id, size_t *len)
{
	char *d = NULL, *s;

	if (data != NULL) {
		d = json_dumps(data, JSON_COMPACT | JSON_ENCODE_ANY |
		    JSON_PRESERVE_ORDER);
		json_decref(data);
		if (d == NULL)
			return NULL;
	}
	s = response_encode_text(id, status, d, d ? strlen(d) : 0, error,
	    record_id, len);
	free(d);
	return s;
}
