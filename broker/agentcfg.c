/*
 * broker/agentcfg.c -- load the built-in agent's AGENT.yaml, check it
 * against the policy, and make the normalized configuration the agent
 * gets (broker/agentcfg.h) and the model endpoint the llm worker gets.
 *
 * Runs in: the broker (aksup-broker, confined: no filesystem, no
 * network), once at its start, on the bytes the supervisor hands it (the
 * operator's file). Privilege: none. Pure: never calls exit(), never
 * prints; every error is returned with its FILE:LINE:COL.
 *
 * YAML is read as the policy is (policy/yjson.c): no aliases, anchors,
 * tags or second document, nesting at most YJ_MAX_DEPTH, the YAML 1.2
 * core schema's types, keys strings and each once. Strict: an unknown
 * key, a wrong type or a value out of its bounds is an error, never
 * ignored or clamped.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "broker/agentcfg.h"
#include "common/wire.h"
#include "policy/internal.h"

#define PROVIDER_MAX		32
#define MODEL_MAX		256	/* "provider/model", bytes */
#define REPLAY_PATH_MAX		1024
#define BASE_URL_MAX		2048
#define INSTRUCTIONS_MAX	(64 * 1024)
#define MAX_TURNS_MAX		1000
#define MAX_TOKENS_MAX		1000000
#define TEMPERATURE_MAX		2.0
#define TOOLS_MAX		128
#define TOOL_NAME_MAX		64
#define DESCRIPTION_MAX		4096
#define POINTER_MAX		256

#define DUMP_FLAGS	AGENTCFG_DUMP_FLAGS

static const char default_instructions[] =
    "You are an agent working under aksup: each tool call you make is a "
    "request that the operator's policy allows or denies, and each is "
    "recorded. Work on the user's task step by step. Use the tools to "
    "read, change and run things; do not guess what a file holds or what "
    "a command prints. A DENIED result means the policy forbids it: do "
    "not retry it, adapt (another way, or say what you could not do). "
    "When the task is done, answer with a short summary of what you did.";

/* AGENT.yaml's keys, in the normalized config's order. */
enum { K_MODEL, K_BASE_URL, K_INSTRUCTIONS, K_MAX_TURNS, K_TEMPERATURE,
	K_MAX_TOKENS, K_TIMEOUT, K_TOOLS, NTOP };
static const char *const top_keys[NTOP + 1] = { "model", "base_url",
	"instructions", "max_turns", "temperature", "max_tokens", "timeout",
	"tools", NULL };

/* A tool's keys, likewise. */
enum { T_NAME, T_DESCRIPTION, T_PARAMETERS, T_ACTION, T_TARGET_FROM,
	NTOOL };
static const char *const tool_keys[NTOOL + 1] = { "name", "description",
	"parameters", "action", "target_from", NULL };

/* The default tools (no `tools:`), each only when the policy allows its
 * action. Their parameters are JSON Schema objects. */
static const struct deftool {
	const char *name, *description, *action, *target, *schema;
} deftools[] = {
	{ "read_file", "Read a file; path is absolute.", "fs.read", "path",
	  "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\","
	  "\"description\":\"The file's absolute path.\"}},"
	  "\"required\":[\"path\"],\"additionalProperties\":false}" },
	{ "write_file", "Write a file, created or replaced; path is absolute, "
	  "content is the whole new text.", "fs.write", "path",
	  "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\","
	  "\"description\":\"The file's absolute path.\"},"
	  "\"content\":{\"type\":\"string\",\"description\":\"The file's "
	  "whole new content.\"}},\"required\":[\"path\",\"content\"],"
	  "\"additionalProperties\":false}" },
	{ "delete_file", "Delete a file; path is absolute.", "fs.delete",
	  "path",
	  "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\","
	  "\"description\":\"The file's absolute path.\"}},"
	  "\"required\":[\"path\"],\"additionalProperties\":false}" },
	{ "list_dir", "List a directory's entries; path is absolute.",
	  "fs.list", "path",
	  "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\","
	  "\"description\":\"The directory's absolute path.\"}},"
	  "\"required\":[\"path\"],\"additionalProperties\":false}" },
	{ "run_command", "Run a program, without a shell: program is a bare "
	  "name or an absolute path, args its arguments.", "proc.exec",
	  "program",
	  "{\"type\":\"object\",\"properties\":{\"program\":{\"type\":"
	  "\"string\",\"description\":\"A bare name (found in the PATH) or "
	  "an absolute path.\"},\"args\":{\"type\":\"array\",\"items\":"
	  "{\"type\":\"string\"},\"description\":\"The arguments, one string "
	  "each.\"}},\"required\":[\"program\"],"
	  "\"additionalProperties\":false}" },
	{ "http_request", "Make an HTTP request; url is absolute (http or "
	  "https).", "net.http", "url",
	  "{\"type\":\"object\",\"properties\":{\"url\":{\"type\":\"string\","
	  "\"description\":\"The absolute URL.\"},\"method\":{\"type\":"
	  "\"string\",\"description\":\"GET (the default), POST, PUT, ...\"},"
	  "\"headers\":{\"type\":\"object\",\"additionalProperties\":"
	  "{\"type\":\"string\"},\"description\":\"Header names and "
	  "values.\"},\"body\":{\"type\":\"string\",\"description\":\"The "
	  "request's body.\"}},\"required\":[\"url\"],"
	  "\"additionalProperties\":false}" },
};
#define NDEFTOOLS	(sizeof(deftools) / sizeof(deftools[0]))

struct aload {
	yaml_document_t *doc;
	struct yjson yj;		/* its errors through yj_report */
	struct agentcfg_err *err;
	const struct policy *p;
	struct agentcfg *out;
	char ctx[24];			/* "tools[N]" in a tool, else "" */
	const char *yjfield;		/* what yj_value is reading */
	const char *replay;		/* PATH of replay:PATH, or NULL */
	char provider[PROVIDER_MAX + 1];	/* "provider" of the model */
};

/* ---- errors ------------------------------------------------------------ */

/* An error at node n (NULL: 1:1): "CTX.FIELD: msg", parts left out when
 * empty. Returns -1. */
static int __attribute__((format(printf, 4, 5)))
aerr(struct aload *ld, const yaml_node_t *n, const char *field,
    const char *fmt, ...)
{
	char msg[240];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ld->err->line = n != NULL ? (int)n->start_mark.line + 1 : 1;
	ld->err->col = n != NULL ? (int)n->start_mark.column + 1 : 1;
	if (field == NULL)
		field = "";
	snprintf(ld->err->msg, sizeof(ld->err->msg), "%s%s%s%s%s",
	    ld->ctx, ld->ctx[0] != '\0' && field[0] != '\0' ? "." : "",
	    field, ld->ctx[0] != '\0' || field[0] != '\0' ? ": " : "", msg);
	return -1;
}

/* yjson.c's errors, about the field being read. */
static int
yj_report(void *arg, const yaml_node_t *n, const char *msg)
{
	struct aload *ld = arg;

	return aerr(ld, n, ld->yjfield, "%s", msg);
}

/* A policy_err (the pre-scan's, the parser's) as ours. */
static int
from_perr(struct agentcfg_err *err, const struct policy_err *perr)
{
	err->line = perr->line > 0 ? perr->line : 1;
	err->col = perr->col > 0 ? perr->col : 1;
	snprintf(err->msg, sizeof(err->msg), "%s", perr->msg);
	return -1;
}

/* ---- nodes ------------------------------------------------------------- */

static yaml_node_t *
node(struct aload *ld, int id)
{
	return yaml_document_get_node(ld->doc, id);
}

static const char *
sval(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static size_t
slen(const yaml_node_t *n)
{
	return n->data.scalar.length;
}

static const char *
quote(const yaml_node_t *n, char *buf, size_t size)
{
	return policy_quote(sval(n), slen(n), buf, size);
}

static int
key_index(const char *const *keys, const char *k)
{
	int i;

	for (i = 0; keys[i] != NULL; i++)
		if (strcmp(keys[i], k) == 0)
			return i;
	return -1;
}

/* A mapping's values by key (keys: its known keys; v: one slot each);
 * a key not in keys is an error naming what the mapping takes. */
static int
collect(struct aload *ld, yaml_node_t *map, const char *const *keys,
    yaml_node_t **v, const char *takes)
{
	yaml_node_pair_t *pr;
	yaml_node_t *k;
	char q[64];
	int i;

	if (yj_check_keys(&ld->yj, map) != 0)
		return -1;
	for (pr = map->data.mapping.pairs.start;
	    pr < map->data.mapping.pairs.top; pr++) {
		k = node(ld, pr->key);
		if ((i = key_index(keys, sval(k))) < 0)
			return aerr(ld, k, NULL, "unknown key \"%s\" (%s)",
			    quote(k, q, sizeof(q)), takes);
		v[i] = node(ld, pr->value);
	}
	return 0;
}

/* The value of key in a mapping node, or NULL. */
static yaml_node_t *
map_get(struct aload *ld, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *pr;

	for (pr = map->data.mapping.pairs.start;
	    pr < map->data.mapping.pairs.top; pr++)
		if (strcmp(sval(node(ld, pr->key)), key) == 0)
			return node(ld, pr->value);
	return NULL;
}

/* A string scalar (no NUL) of at most max bytes. */
static int
want_string(struct aload *ld, yaml_node_t *n, const char *field,
    size_t max)
{
	if (!yj_is_string(n))
		return aerr(ld, n, field, "must be a string");
	if (slen(n) > max)
		return aerr(ld, n, field, "is longer than %zu bytes", max);
	return 0;
}

/* Set o[key] to a new value v (NULL: out of memory, reported at n). */
static int
put(struct aload *ld, json_t *o, const char *key, json_t *v,
    const yaml_node_t *n)
{
	if (v == NULL || json_object_set_new(o, key, v) != 0)
		return aerr(ld, n, key, "out of memory");
	return 0;
}

/* The node's string as JSON (valid UTF-8: libyaml checked its input). */
static int
put_str(struct aload *ld, json_t *o, const char *key, const yaml_node_t *n)
{
	json_t *s = json_stringn(sval(n), slen(n));

	if (s == NULL)
		return aerr(ld, n, key, "is not valid UTF-8");
	return put(ld, o, key, s, n);
}

static bool
in_set(char c, bool upper)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
	    c == '-' || (upper && c >= 'A' && c <= 'Z');
}

/* 1..max bytes of [a-z0-9_-] (upper: [A-Za-z0-9_-]). */
static bool
is_name(const char *s, size_t len, size_t max, bool upper)
{
	size_t i;

	if (len == 0 || len > max)
		return false;
	for (i = 0; i < len; i++)
		if (!in_set(s[i], upper))
			return false;
	return true;
}

/* Printable ASCII without a space (0x21..0x7e). */
static bool
is_graph(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

/* ---- model, base_url ---------------------------------------------------- */

/* replay:PATH: the model "replay/NAME", NAME PATH's last component
 * without ".jsonl", [A-Za-z0-9._-] kept and any other byte '_'. */
static int
load_replay(struct aload *ld, yaml_node_t *n, json_t *cfg)
{
	const char *path = sval(n) + 7, *base;
	size_t plen = slen(n) - 7, blen, i;
	char model[7 + REPLAY_PATH_MAX + 1];

	if (plen == 0)
		return aerr(ld, n, "model", "replay: needs the transcript's "
		    "path (replay:PATH)");
	if (plen > REPLAY_PATH_MAX)
		return aerr(ld, n, "model", "the transcript's path is longer "
		    "than %d bytes", REPLAY_PATH_MAX);
	for (i = 0; i < plen; i++)
		if ((unsigned char)path[i] < 0x20 || path[i] == 0x7f)
			return aerr(ld, n, "model", "the transcript's path "
			    "holds a control character");
	base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	blen = plen - (size_t)(base - path);
	if (blen >= 6 && memcmp(base + blen - 6, ".jsonl", 6) == 0)
		blen -= 6;
	memcpy(model, "replay/", 7);
	for (i = 0; i < blen; i++)
		model[7 + i] = in_set(base[i], true) || base[i] == '.' ?
		    base[i] : '_';
	if (blen == 0)
		blen = strlen(strcpy(model + 7, "transcript"));
	model[7 + blen] = '\0';
	ld->replay = path;
	snprintf(ld->out->endpoint, sizeof(ld->out->endpoint), "replay=%s",
	    path);
	return put(ld, cfg, "model", json_string(model), n);
}

static int
load_model(struct aload *ld, yaml_node_t *n, json_t *cfg)
{
	const char *s, *slash;
	size_t plen;

	if (!yj_is_string(n))
		return aerr(ld, n, "model", "must be a string: "
		    "\"provider/model\" or \"replay:PATH\"");
	s = sval(n);
	if (strncmp(s, "replay:", 7) == 0)
		return load_replay(ld, n, cfg);
	slash = strchr(s, '/');
	plen = slash != NULL ? (size_t)(slash - s) : 0;
	if (!is_name(s, plen, PROVIDER_MAX, false))
		return aerr(ld, n, "model", "must be \"provider/model\" (e.g. "
		    "openai/gpt-4o-mini; the provider 1 to %d of a-z, 0-9, _ "
		    "and -) or \"replay:PATH\"", PROVIDER_MAX);
	if (plen == 6 && memcmp(s, "replay", 6) == 0)
		return aerr(ld, n, "model", "the provider \"replay\" is the "
		    "offline model: write replay:PATH");
	if (slen(n) > MODEL_MAX)
		return aerr(ld, n, "model", "is longer than %d bytes",
		    MODEL_MAX);
	if (slen(n) == plen + 1 || !is_graph(s, slen(n)))
		return aerr(ld, n, "model", "the model's name (after "
		    "\"%.*s/\") must be printable ASCII without spaces",
		    (int)plen, s);
	memcpy(ld->provider, s, plen);
	ld->provider[plen] = '\0';
	return put_str(ld, cfg, "model", n);
}

static int
load_base_url(struct aload *ld, yaml_node_t *n)
{
	const char *s;
	size_t skip;

	if (want_string(ld, n, "base_url", BASE_URL_MAX) != 0)
		return -1;
	if (ld->replay != NULL)
		return aerr(ld, n, "base_url", "is not for a replay: model "
		    "(the transcript answers, no endpoint)");
	s = sval(n);
	skip = strncmp(s, "http://", 7) == 0 ? 7 :
	    strncmp(s, "https://", 8) == 0 ? 8 : 0;
	if (skip == 0 || slen(n) == skip)
		return aerr(ld, n, "base_url", "must be an http:// or "
		    "https:// URL");
	if (!is_graph(s, slen(n)))
		return aerr(ld, n, "base_url", "must be printable ASCII "
		    "without spaces");
	snprintf(ld->out->endpoint, sizeof(ld->out->endpoint), "%s=%s",
	    ld->provider, s);
	return 0;
}

/* ---- numbers ----------------------------------------------------------- */

/* A whole number from lo to hi. */
static int
whole_in(struct aload *ld, yaml_node_t *n, const char *field, long long lo,
    long long hi, json_int_t *out)
{
	json_t *j = NULL;

	if (n->type == YAML_SCALAR_NODE && yj_scalar_type(n) == SC_INT)
		j = yj_scalar(&ld->yj, n);
	if (j == NULL || json_integer_value(j) < lo ||
	    json_integer_value(j) > hi) {
		json_decref(j);
		return aerr(ld, n, field, "must be a whole number from %lld "
		    "to %lld", lo, hi);
	}
	*out = json_integer_value(j);
	json_decref(j);
	return 0;
}

static int
load_whole(struct aload *ld, yaml_node_t *n, json_t *cfg, const char *field,
    long long hi)
{
	json_int_t v = 0;

	if (whole_in(ld, n, field, 1, hi, &v) != 0)
		return -1;
	return put(ld, cfg, field, json_integer(v), n);
}

static int
load_temperature(struct aload *ld, yaml_node_t *n, json_t *cfg)
{
	json_t *j = NULL;
	double d = -1;

	if (n->type == YAML_SCALAR_NODE && (yj_scalar_type(n) == SC_INT ||
	    yj_scalar_type(n) == SC_REAL))
		j = yj_scalar(&ld->yj, n);
	if (j != NULL)
		d = json_number_value(j);
	json_decref(j);
	if (j == NULL || !(d >= 0 && d <= TEMPERATURE_MAX))
		return aerr(ld, n, "temperature", "must be a number from 0 "
		    "to 2");
	return put(ld, cfg, "temperature", json_real(d), n);
}

/* ---- tools ------------------------------------------------------------- */

static int
load_tool_name(struct aload *ld, yaml_node_t *n, const json_t *tools,
    json_t *t)
{
	const char *other;
	size_t i;
	char q[80];

	if (!yj_is_string(n) || !is_name(sval(n), slen(n), TOOL_NAME_MAX,
	    true))
		return aerr(ld, n, "name", "must be 1 to %d of A-Z, a-z, 0-9, "
		    "_ and -", TOOL_NAME_MAX);
	for (i = 0; i < json_array_size(tools); i++) {
		other = json_string_value(json_object_get(
		    json_array_get(tools, i), "name"));
		if (other != NULL && strcmp(other, sval(n)) == 0)
			return aerr(ld, n, "name", "\"%s\" is also the name of "
			    "tools[%zu]", quote(n, q, sizeof(q)), i);
	}
	return put_str(ld, t, "name", n);
}

/* The schema's "type", when present, is "object"; "properties" an
 * object; "required" a list of strings. */
static int
check_schema(struct aload *ld, yaml_node_t *n, const json_t *s)
{
	const json_t *v;
	size_t i;

	v = json_object_get(s, "type");
	if (v != NULL && !(json_is_string(v) &&
	    strcmp(json_string_value(v), "object") == 0))
		return aerr(ld, map_get(ld, n, "type"), "parameters.type",
		    "must be \"object\": a tool takes an object of arguments");
	v = json_object_get(s, "properties");
	if (v != NULL && !json_is_object(v))
		return aerr(ld, map_get(ld, n, "properties"),
		    "parameters.properties", "must be a mapping");
	v = json_object_get(s, "required");
	if (v != NULL && !json_is_array(v))
		return aerr(ld, map_get(ld, n, "required"),
		    "parameters.required", "must be a list of property names");
	for (i = 0; i < json_array_size(v); i++)
		if (!json_is_string(json_array_get(v, i)))
			return aerr(ld, map_get(ld, n, "required"),
			    "parameters.required", "must be a list of property "
			    "names");
	return 0;
}

/* parameters: a JSON Schema object ("type": "object" put first when
 * absent; "additionalProperties": false when it says nothing of them:
 * a model's call carries the arguments the operator listed, never a
 * param of the action they left out, such as net.http's
 * follow_redirects or snapshot.rollback's force); default
 * {"type":"object","properties":{},"additionalProperties":false}. */
static int
load_params(struct aload *ld, yaml_node_t *n, json_t *t)
{
	json_t *s, *o;

	if (n == NULL)
		return put(ld, t, "parameters", json_pack("{s:s,s:{},s:b}",
		    "type", "object", "properties", "additionalProperties", 0),
		    NULL);
	if (n->type != YAML_MAPPING_NODE)
		return aerr(ld, n, "parameters", "must be a mapping: a JSON "
		    "Schema of type object");
	ld->yjfield = "parameters";
	s = yj_value(&ld->yj, n);
	ld->yjfield = NULL;
	if (s == NULL)
		return -1;
	if (check_schema(ld, n, s) != 0) {
		json_decref(s);
		return -1;
	}
	if (json_object_get(s, "type") == NULL) {
		o = json_pack("{s:s}", "type", "object");
		if (o == NULL || json_object_update(o, s) != 0) {
			json_decref(o);
			o = NULL;
		}
		json_decref(s);
		s = o;
	}
	if (s != NULL && json_object_get(s, "additionalProperties") == NULL &&
	    json_object_set_new(s, "additionalProperties", json_false()) != 0) {
		json_decref(s);
		s = NULL;
	}
	return put(ld, t, "parameters", s, n);
}

static int
load_action(struct aload *ld, yaml_node_t *n, json_t *t)
{
	char q[64], list[160] = "";
	size_t i;

	if (!yj_is_string(n))
		return aerr(ld, n, "action", "must be a string: an action");
	if (strcmp(sval(n), "llm.chat") == 0)
		return aerr(ld, n, "action", "llm.chat is not a tool action: "
		    "the agent's own model calls are not tools");
	if (!policy_action_known(sval(n))) {
		for (i = 0; i < NACTIONS; i++)
			if (i != ACT_LLM_CHAT)
				snprintf(list + strlen(list), sizeof(list) -
				    strlen(list), "%s%s", list[0] ? ", " : "",
				    policy_actions[i]);
		return aerr(ld, n, "action", "unknown action \"%s\" (%s)",
		    quote(n, q, sizeof(q)), list);
	}
	return put_str(ld, t, "action", n);
}

/* A JSON pointer (RFC 6901): '/' first, each '~' followed by 0 or 1. */
static bool
is_pointer(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] == '~' && (i + 1 == len || (s[i + 1] != '0' &&
		    s[i + 1] != '1')))
			return false;
	return len > 0 && s[0] == '/';
}

static bool
is_required(const json_t *params, const char *name)
{
	const json_t *req = json_object_get(params, "required");
	size_t i;

	for (i = 0; i < json_array_size(req); i++)
		if (strcmp(json_string_value(json_array_get(req, i)), name) ==
		    0)
			return true;
	return false;
}

/* target_from: a JSON pointer into the arguments, or a property that
 * parameters lists and requires (a missing target is an error, never a
 * fallback). */
static int
load_target(struct aload *ld, yaml_node_t *n, json_t *t)
{
	const json_t *params = json_object_get(t, "parameters");
	char q[80];

	if (!yj_is_string(n))
		return aerr(ld, n, "target_from", "must be a string: a "
		    "property of parameters or a JSON pointer (\"/...\")");
	if (sval(n)[0] == '/') {
		if (slen(n) > POINTER_MAX)
			return aerr(ld, n, "target_from", "is longer than %d "
			    "bytes", POINTER_MAX);
		if (!is_pointer(sval(n), slen(n)))
			return aerr(ld, n, "target_from", "is not a JSON "
			    "pointer: '~' must be followed by 0 or 1");
		return put_str(ld, t, "target_from", n);
	}
	if (!is_name(sval(n), slen(n), TOOL_NAME_MAX, true))
		return aerr(ld, n, "target_from", "must be a property name "
		    "(1 to %d of A-Z, a-z, 0-9, _ and -) or a JSON pointer "
		    "(\"/...\")", TOOL_NAME_MAX);
	if (json_object_get(json_object_get(params, "properties"),
	    sval(n)) == NULL)
		return aerr(ld, n, "target_from", "\"%s\" is not a property "
		    "of its parameters", quote(n, q, sizeof(q)));
	if (!is_required(params, sval(n)))
		return aerr(ld, n, "target_from", "\"%s\" is not in its "
		    "parameters' required list: a missing target is an "
		    "error, never a fallback", quote(n, q, sizeof(q)));
	return put_str(ld, t, "target_from", n);
}

static int
load_tool_fields(struct aload *ld, yaml_node_t *map, yaml_node_t **v,
    const json_t *tools, json_t *t)
{
	static const int need[] = { T_NAME, T_ACTION, T_TARGET_FROM };
	size_t i;

	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (v[need[i]] == NULL)
			return aerr(ld, map, NULL, "missing \"%s\"",
			    tool_keys[need[i]]);
	if (load_tool_name(ld, v[T_NAME], tools, t) != 0)
		return -1;
	if (v[T_DESCRIPTION] != NULL) {
		if (want_string(ld, v[T_DESCRIPTION], "description",
		    DESCRIPTION_MAX) != 0 ||
		    put_str(ld, t, "description", v[T_DESCRIPTION]) != 0)
			return -1;
	} else if (put(ld, t, "description", json_string(""), map) != 0)
		return -1;
	if (load_params(ld, v[T_PARAMETERS], t) != 0 ||
	    load_action(ld, v[T_ACTION], t) != 0)
		return -1;
	return load_target(ld, v[T_TARGET_FROM], t);
}

static int
load_tool(struct aload *ld, size_t i, yaml_node_t *map, json_t *tools)
{
	yaml_node_t *v[NTOOL] = { NULL };
	json_t *t;

	snprintf(ld->ctx, sizeof(ld->ctx), "tools[%zu]", i);
	if (map->type != YAML_MAPPING_NODE)
		return aerr(ld, map, NULL, "must be a mapping (name, "
		    "description, parameters, action, target_from)");
	if (collect(ld, map, tool_keys, v, "a tool has name, description, "
	    "parameters, action and target_from") != 0)
		return -1;
	if ((t = json_object()) == NULL)
		return aerr(ld, map, NULL, "out of memory");
	if (load_tool_fields(ld, map, v, tools, t) != 0) {
		json_decref(t);
		return -1;
	}
	if (json_array_append_new(tools, t) != 0)
		return aerr(ld, map, NULL, "out of memory");
	ld->ctx[0] = '\0';
	return 0;
}

static int
load_tools(struct aload *ld, yaml_node_t *n, json_t *tools)
{
	yaml_node_item_t *it;
	size_t i = 0;

	if (n->type != YAML_SEQUENCE_NODE)
		return aerr(ld, n, "tools", "must be a list of tools "
		    "(tools: [] for none)");
	for (it = n->data.sequence.items.start;
	    it < n->data.sequence.items.top; it++, i++) {
		if (i == TOOLS_MAX)
			return aerr(ld, node(ld, *it), "tools", "at most %d "
			    "tools", TOOLS_MAX);
		if (load_tool(ld, i, node(ld, *it), tools) != 0)
			return -1;
	}
	return 0;
}

/* No `tools:`: the default tools of the actions the policy allows (none
 * without a policy). */
static int
default_tools(struct aload *ld, const yaml_node_t *root, json_t *tools)
{
	const struct deftool *d;
	json_t *t;
	size_t i;

	for (i = 0; i < NDEFTOOLS; i++) {
		d = &deftools[i];
		if (ld->p == NULL || !policy_allows_action(ld->p, d->action))
			continue;
		t = json_pack("{s:s,s:s,s:o,s:s,s:s}", "name", d->name,
		    "description", d->description, "parameters",
		    json_loads(d->schema, 0, NULL), "action", d->action,
		    "target_from", d->target);
		if (t == NULL || json_array_append_new(tools, t) != 0)
			return aerr(ld, root, "tools", "out of memory");
	}
	return 0;
}

/* ---- the whole file ---------------------------------------------------- */

static int
load_fields(struct aload *ld, yaml_node_t *root, yaml_node_t **v,
    json_t *cfg)
{
	json_t *tools;

	if (load_model(ld, v[K_MODEL], cfg) != 0)
		return -1;
	if (v[K_BASE_URL] != NULL && load_base_url(ld, v[K_BASE_URL]) != 0)
		return -1;
	if (v[K_INSTRUCTIONS] != NULL) {
		if (want_string(ld, v[K_INSTRUCTIONS], "instructions",
		    INSTRUCTIONS_MAX) != 0 || put_str(ld, cfg, "instructions",
		    v[K_INSTRUCTIONS]) != 0)
			return -1;
	} else if (put(ld, cfg, "instructions",
	    json_string(default_instructions), root) != 0)
		return -1;
	if (v[K_MAX_TURNS] != NULL) {
		if (load_whole(ld, v[K_MAX_TURNS], cfg, "max_turns",
		    MAX_TURNS_MAX) != 0)
			return -1;
	} else if (put(ld, cfg, "max_turns",
	    json_integer(AGENTCFG_MAX_TURNS_DEFAULT), root) != 0)
		return -1;
	if (v[K_TEMPERATURE] != NULL &&
	    load_temperature(ld, v[K_TEMPERATURE], cfg) != 0)
		return -1;
	if (v[K_MAX_TOKENS] != NULL && load_whole(ld, v[K_MAX_TOKENS], cfg,
	    "max_tokens", MAX_TOKENS_MAX) != 0)
		return -1;
	/* each model call's, in seconds (llm.chat's timeout param) */
	if (v[K_TIMEOUT] != NULL && load_whole(ld, v[K_TIMEOUT], cfg,
	    "timeout", LLM_TIMEOUT_MAX) != 0)
		return -1;
	if ((tools = json_array()) == NULL ||
	    json_object_set_new(cfg, "tools", tools) != 0)
		return aerr(ld, root, "tools", "out of memory");
	if (v[K_TOOLS] != NULL)
		return load_tools(ld, v[K_TOOLS], tools);
	return default_tools(ld, root, tools);
}

static int
load_top(struct aload *ld, json_t **cfgp)
{
	yaml_node_t *root = yaml_document_get_root_node(ld->doc);
	yaml_node_t *v[NTOP] = { NULL };
	json_t *cfg;
	size_t size;

	if (root == NULL)
		return aerr(ld, NULL, NULL, "empty file: AGENT.yaml is a "
		    "mapping with at least model: provider/model");
	if (root->type != YAML_MAPPING_NODE)
		return aerr(ld, root, NULL, "top level must be a mapping "
		    "(model:, instructions:, tools:, ...)");
	if (collect(ld, root, top_keys, v, "AGENT.yaml has model, base_url, "
	    "instructions, max_turns, temperature, max_tokens, timeout and "
	    "tools") != 0)
		return -1;
	if (v[K_MODEL] == NULL)
		return aerr(ld, root, NULL, "missing \"model\" "
		    "(provider/model, or replay:PATH)");
	if ((*cfgp = cfg = json_object()) == NULL)
		return aerr(ld, root, NULL, "out of memory");
	if (load_fields(ld, root, v, cfg) != 0)
		return -1;
	size = json_dumpb(cfg, NULL, 0, DUMP_FLAGS);
	if (size == 0 || size > AGENTCFG_JSON_MAX)
		return aerr(ld, root, NULL, "the agent's configuration is "
		    "larger than %d bytes", AGENTCFG_JSON_MAX);
	return 0;
}

int
agentcfg_load(const char *name, const char *bytes, size_t len,
    const struct policy *p, struct agentcfg *out, struct agentcfg_err *err)
{
	struct policy_err perr;
	struct aload ld;
	yaml_parser_t ps;
	yaml_document_t doc;
	bool have_ps = false, have_doc = false;
	json_t *cfg = NULL;
	int rc = -1;

	memset(err, 0, sizeof(*err));
	memset(&perr, 0, sizeof(perr));
	memset(&ld, 0, sizeof(ld));
	memset(out, 0, sizeof(*out));
	snprintf(err->file, sizeof(err->file), "%s",
	    name != NULL ? name : "<agent>");
	err->line = err->col = 1;
	if (bytes == NULL && len > 0) {
		snprintf(err->msg, sizeof(err->msg), "no input");
		return -1;
	}
	if (bytes == NULL)
		bytes = "";
	if (yj_prescan(bytes, len, &perr) != 0)
		return from_perr(err, &perr);
	ld.doc = ld.yj.doc = &doc;
	ld.yj.err = yj_report;
	ld.yj.arg = &ld;
	ld.err = err;
	ld.p = p;
	ld.out = out;
	if (!(have_ps = yaml_parser_initialize(&ps))) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		goto out;
	}
	yaml_parser_set_input_string(&ps, (const unsigned char *)bytes, len);
	if (!(have_doc = yaml_parser_load(&ps, &doc))) {
		yj_parser_err(&ps, &perr);
		from_perr(err, &perr);
		goto out;
	}
	if (load_top(&ld, &cfg) != 0)
		goto out;
	out->config = cfg;
	cfg = NULL;
	rc = 0;
out:
	json_decref(cfg);
	if (rc != 0)
		memset(out, 0, sizeof(*out));
	if (have_doc)
		yaml_document_delete(&doc);
	if (have_ps)
		yaml_parser_delete(&ps);
	return rc;
}

void
agentcfg_free(struct agentcfg *c)
{
	if (c == NULL)
		return;
	json_decref(c->config);
	c->config = NULL;
	c->endpoint[0] = '\0';
}
