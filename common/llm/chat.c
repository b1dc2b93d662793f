/*
 * common/llm/chat.c -- llm.chat's translation between the neutral chat
 * format and the provider APIs (common/llm/chat.h): the params checked
 * into a canonical copy, the OpenAI and Anthropic request bodies built
 * from that copy, the providers' answers and a replay transcript's
 * answer read into the one canonical answer, a provider's error message
 * cleaned. Pure (no I/O, no exit(), no state): unit-tested and fuzzed
 * (fuzz/fuzz_llm.c).
 *
 * Runs in: the llm worker (confined) and the broker (the params check,
 * broker/prov_llm.c). Privilege: none needed.
 * Input: the agent's params (untrusted, already JSON through the
 * broker), a provider's answer and error bodies (anyone's bytes: any
 * byte may be anywhere), the operator's replay transcript.
 *
 * Bodies are bounded (LLM_BODY_MAX) before they are parsed, and parsed
 * with JSON_REJECT_DUPLICATES (a key given twice is an answer read two
 * ways: refused) and JSON_ALLOW_NUL (so a NUL is refused here, by name,
 * in the fields that reach the agent: content, names, ids, arguments;
 * a NUL elsewhere is never passed on raw). The agent's params get the
 * same NUL checks (a broker may build strings with one).
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/llm/chat.h"

#define OOM	"out of memory"

/* Where an answer's errors come from: the start of each sentence. */
#define WHO_MODEL	"the model's answer"
#define WHO_REPLAY	"the answer"

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* A key the input gave, for an error: printable ASCII only (others
 * '?'), at most 32 bytes, then "...". */
static const char *
safe_key(const char *s, char *buf, size_t n)
{
	size_t i, o = 0;

	for (i = 0; s[i] != '\0' && o + 4 < n; i++) {
		if (i == 32) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		buf[o++] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	}
	buf[o] = '\0';
	return buf;
}

/* The string's value when v is a string without NUL, else NULL. */
static const char *
str_nonul(const json_t *v)
{
	const char *s;

	if (!json_is_string(v))
		return NULL;
	s = json_string_value(v);
	return strlen(s) == json_string_length(v) ? s : NULL;
}

/* 1 when v is a string with a NUL in it. */
static int
str_hasnul(const json_t *v)
{
	return json_is_string(v) && str_nonul(v) == NULL;
}

/* [A-Za-z0-9_-]{1,LLM_NAME_MAX} */
static int
name_ok(const json_t *v)
{
	const char *s = str_nonul(v);
	size_t i, n;

	if (s == NULL || (n = strlen(s)) < 1 || n > LLM_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' &&
		    s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

/* A string of 1..LLM_ID_MAX bytes without NUL. */
static int
id_ok(const json_t *v)
{
	const char *s = str_nonul(v);

	return s != NULL && s[0] != '\0' && strlen(s) <= LLM_ID_MAX;
}

/* The first key of o not in the NULL-ended list, or NULL. */
static const char *
unknown_key(const json_t *o, const char *const *known)
{
	const char *k;
	json_t *v;
	size_t i;

	json_object_foreach((json_t *)o, k, v) {
		for (i = 0; known[i] != NULL; i++)
			if (strcmp(k, known[i]) == 0)
				break;
		if (known[i] == NULL)
			return k;
	}
	return NULL;
}

/* json_object_set_new that is -1 when v is NULL (out of memory). */
static int
put(json_t *o, const char *k, json_t *v)
{
	return json_object_set_new(o, k, v);
}

/* ---- tool calls (the OpenAI shape, in params and in answers) ---- */

/*
 * One tool call in canonical form, {"id", "type": "function",
 * "function": {"name", "arguments"}}, or NULL with err. strict (params,
 * replay answers): unknown keys refused, id required; else (a provider's
 * answer) other keys ignored, a missing id made "call_I". `where` names
 * the array ("params.messages[3].tool_calls").
 */
static json_t *
call_canon(const json_t *c, size_t i, int strict, const char *where,
    char *err, size_t errlen)
{
	static const char *const ck[] = { "id", "type", "function", NULL };
	static const char *const fk[] = { "name", "arguments", NULL };
	const json_t *id, *type, *fn, *args;
	const char *k;
	char kb[40], synth[32];
	json_t *r;

	if (!json_is_object(c)) {
		seterr(err, errlen, "%s[%zu] must be an object", where, i);
		return NULL;
	}
	if (strict && (k = unknown_key(c, ck)) != NULL) {
		seterr(err, errlen, "%s[%zu] has an unknown key \"%s\"", where,
		    i, safe_key(k, kb, sizeof(kb)));
		return NULL;
	}
	id = json_object_get(c, "id");
	if (!strict && (id == NULL || json_is_null(id))) {
		(void)snprintf(synth, sizeof(synth), "call_%zu", i);
		id = NULL;
	} else if (!id_ok(id)) {
		seterr(err, errlen, "%s[%zu].id must be a string of 1 to %d "
		    "bytes without NUL", where, i, LLM_ID_MAX);
		return NULL;
	}
	type = json_object_get(c, "type");
	if (type != NULL && !(!strict && json_is_null(type)) &&
	    !(json_is_string(type) && strcmp(json_string_value(type),
	    "function") == 0)) {
		seterr(err, errlen, "%s[%zu].type must be \"function\"", where,
		    i);
		return NULL;
	}
	fn = json_object_get(c, "function");
	if (!json_is_object(fn)) {
		seterr(err, errlen, "%s[%zu].function must be an object", where,
		    i);
		return NULL;
	}
	if (strict && (k = unknown_key(fn, fk)) != NULL) {
		seterr(err, errlen, "%s[%zu].function has an unknown key \"%s\"",
		    where, i, safe_key(k, kb, sizeof(kb)));
		return NULL;
	}
	if (!name_ok(json_object_get(fn, "name"))) {
		seterr(err, errlen, "%s[%zu].function.name must match "
		    "[A-Za-z0-9_-]{1,%d}", where, i, LLM_NAME_MAX);
		return NULL;
	}
	args = json_object_get(fn, "arguments");
	if (str_nonul(args) == NULL) {
		seterr(err, errlen, "%s[%zu].function.arguments must be a "
		    "string without NUL", where, i);
		return NULL;
	}
	r = json_pack("{s:s, s:s, s:{s:O, s:O}}",
	    "id", id != NULL ? json_string_value(id) : synth,
	    "type", "function",
	    "function", "name", json_object_get(fn, "name"),
	    "arguments", args);
	if (r == NULL)
		seterr(err, errlen, OOM);
	return r;
}

/* An array of tool calls in canonical form (see call_canon), at most
 * LLM_TOOLS_MAX of them. */
static json_t *
calls_canon(const json_t *a, int strict, const char *where, char *err,
    size_t errlen)
{
	json_t *r, *c;
	size_t i;

	if (!json_is_array(a)) {
		seterr(err, errlen, "%s must be an array", where);
		return NULL;
	}
	if (json_array_size(a) > LLM_TOOLS_MAX) {
		seterr(err, errlen, "%s has more than %d tool calls", where,
		    LLM_TOOLS_MAX);
		return NULL;
	}
	if ((r = json_array()) == NULL) {
		seterr(err, errlen, OOM);
		return NULL;
	}
	for (i = 0; i < json_array_size(a); i++) {
		if ((c = call_canon(json_array_get(a, i), i, strict, where,
		    err, errlen)) == NULL)
			goto fail;
		if (json_array_append_new(r, c) < 0) {
			seterr(err, errlen, OOM);
			goto fail;
		}
	}
	return r;
fail:
	json_decref(r);
	return NULL;
}

/* ---- params ---- */

enum role { R_SYSTEM, R_USER, R_ASSISTANT, R_TOOL };

static const char *const role_names[] = { "system", "user", "assistant",
    "tool" };

static int
role_of(const json_t *v)
{
	const char *s = str_nonul(v);
	int r;

	for (r = 0; s != NULL && r < 4; r++)
		if (strcmp(s, role_names[r]) == 0)
			return r;
	return -1;
}

/* One message of params.messages in canonical form: {"role",
 * "content" (a string; null only for an assistant with tool calls),
 * "tool_calls" (non-empty) or "tool_call_id"}. */
static json_t *
msg_canon(const json_t *m, size_t i, char *err, size_t errlen)
{
	static const char *const mk[] = { "role", "content", "tool_calls",
	    "tool_call_id", NULL };
	const json_t *content, *calls, *tcid;
	json_t *r = NULL, *cc = NULL;
	const char *k;
	char kb[40], where[64];
	int role;

	if (!json_is_object(m)) {
		seterr(err, errlen, "params.messages[%zu] must be an object", i);
		return NULL;
	}
	if ((k = unknown_key(m, mk)) != NULL) {
		seterr(err, errlen, "params.messages[%zu] has an unknown key "
		    "\"%s\"", i, safe_key(k, kb, sizeof(kb)));
		return NULL;
	}
	if ((role = role_of(json_object_get(m, "role"))) < 0) {
		seterr(err, errlen, "params.messages[%zu].role must be one of "
		    "system, user, assistant, tool", i);
		return NULL;
	}
	content = json_object_get(m, "content");
	calls = json_object_get(m, "tool_calls");
	tcid = json_object_get(m, "tool_call_id");
	if (calls != NULL && role != R_ASSISTANT) {
		seterr(err, errlen, "params.messages[%zu].tool_calls is only for "
		    "an assistant message", i);
		return NULL;
	}
	if (tcid != NULL && role != R_TOOL) {
		seterr(err, errlen, "params.messages[%zu].tool_call_id is only "
		    "for a tool message", i);
		return NULL;
	}
	if (role == R_TOOL && !id_ok(tcid)) {
		seterr(err, errlen, "params.messages[%zu].tool_call_id must be a "
		    "string of 1 to %d bytes without NUL", i, LLM_ID_MAX);
		return NULL;
	}
	if (calls != NULL && !json_is_null(calls)) {
		(void)snprintf(where, sizeof(where),
		    "params.messages[%zu].tool_calls", i);
		if ((cc = calls_canon(calls, 1, where, err, errlen)) == NULL)
			return NULL;
		if (json_array_size(cc) == 0) {
			json_decref(cc);
			cc = NULL;
		}
	}
	if (str_hasnul(content)) {
		seterr(err, errlen, "params.messages[%zu].content contains a NUL",
		    i);
		goto fail;
	}
	if (!json_is_string(content) && !(cc != NULL && (content == NULL ||
	    json_is_null(content)))) {
		seterr(err, errlen, "params.messages[%zu].content must be a "
		    "string (null only in an assistant message with tool_calls)",
		    i);
		goto fail;
	}
	if ((r = json_pack("{s:s, s:O}", "role", role_names[role], "content",
	    json_is_string(content) ? content : json_null())) == NULL)
		goto oom;
	if (cc != NULL && put(r, "tool_calls", cc) < 0) {
		cc = NULL;
		goto oom;
	}
	cc = NULL;
	if (role == R_TOOL && put(r, "tool_call_id", json_copy((json_t *)
	    tcid)) < 0)
		goto oom;
	return r;
oom:
	seterr(err, errlen, OOM);
fail:
	json_decref(cc);
	json_decref(r);
	return NULL;
}

/* One tool of params.tools in canonical form: {"type": "function",
 * "function": {"name", "description" (when given), "parameters"}}. */
static json_t *
tool_canon(const json_t *t, size_t i, char *err, size_t errlen)
{
	static const char *const tk[] = { "type", "function", NULL };
	static const char *const fk[] = { "name", "description", "parameters",
	    NULL };
	const json_t *type, *fn, *desc, *par;
	json_t *f, *r;
	const char *k;
	char kb[40];

	if (!json_is_object(t)) {
		seterr(err, errlen, "params.tools[%zu] must be an object", i);
		return NULL;
	}
	if ((k = unknown_key(t, tk)) != NULL) {
		seterr(err, errlen, "params.tools[%zu] has an unknown key \"%s\"",
		    i, safe_key(k, kb, sizeof(kb)));
		return NULL;
	}
	type = json_object_get(t, "type");
	if (type != NULL && !(json_is_string(type) &&
	    strcmp(json_string_value(type), "function") == 0)) {
		seterr(err, errlen, "params.tools[%zu].type must be \"function\"",
		    i);
		return NULL;
	}
	fn = json_object_get(t, "function");
	if (!json_is_object(fn)) {
		seterr(err, errlen, "params.tools[%zu].function must be an "
		    "object", i);
		return NULL;
	}
	if ((k = unknown_key(fn, fk)) != NULL) {
		seterr(err, errlen, "params.tools[%zu].function has an unknown "
		    "key \"%s\"", i, safe_key(k, kb, sizeof(kb)));
		return NULL;
	}
	if (!name_ok(json_object_get(fn, "name"))) {
		seterr(err, errlen, "params.tools[%zu].function.name must match "
		    "[A-Za-z0-9_-]{1,%d}", i, LLM_NAME_MAX);
		return NULL;
	}
	desc = json_object_get(fn, "description");
	if (desc != NULL && str_nonul(desc) == NULL) {
		seterr(err, errlen, "params.tools[%zu].function.description "
		    "must be a string without NUL", i);
		return NULL;
	}
	par = json_object_get(fn, "parameters");
	if (par != NULL && !json_is_object(par)) {
		seterr(err, errlen, "params.tools[%zu].function.parameters must "
		    "be an object", i);
		return NULL;
	}
	if ((f = json_pack("{s:O}", "name", json_object_get(fn, "name"))) ==
	    NULL)
		goto oom;
	if ((desc != NULL && put(f, "description", json_copy((json_t *)desc))
	    < 0) || put(f, "parameters", par != NULL ? json_deep_copy(par) :
	    json_pack("{s:s, s:{}}", "type", "object", "properties")) < 0) {
		json_decref(f);
		goto oom;
	}
	if ((r = json_pack("{s:s, s:o}", "type", "function", "function", f)) ==
	    NULL)
		goto oom;
	return r;
oom:
	seterr(err, errlen, OOM);
	return NULL;
}

/* params.tools in canonical form: names unique. */
static json_t *
tools_canon(const json_t *a, char *err, size_t errlen)
{
	json_t *r, *t;
	size_t i, j;

	if (!json_is_array(a) || json_array_size(a) > LLM_TOOLS_MAX) {
		seterr(err, errlen, "params.tools must be an array of at most %d "
		    "tools", LLM_TOOLS_MAX);
		return NULL;
	}
	if ((r = json_array()) == NULL) {
		seterr(err, errlen, OOM);
		return NULL;
	}
	for (i = 0; i < json_array_size(a); i++) {
		if ((t = tool_canon(json_array_get(a, i), i, err, errlen)) ==
		    NULL)
			goto fail;
		if (json_array_append_new(r, t) < 0) {
			seterr(err, errlen, OOM);
			goto fail;
		}
		for (j = 0; j < i; j++)
			if (json_equal(json_object_get(json_object_get(
			    json_array_get(r, j), "function"), "name"),
			    json_object_get(json_object_get(t, "function"),
			    "name"))) {
				seterr(err, errlen, "params.tools[%zu].function."
				    "name is the name of params.tools[%zu] too",
				    i, j);
				goto fail;
			}
	}
	return r;
fail:
	json_decref(r);
	return NULL;
}

/*
 * The params checked, as a canonical copy: {"messages": [...], "tools":
 * [...] (when given and not empty), "max_tokens", "temperature" (when
 * given)}. NULL with err.
 */
static json_t *
params_canon(const json_t *params, char *err, size_t errlen)
{
	static const char *const pk[] = { "messages", "tools", "max_tokens",
	    "temperature", NULL };
	const json_t *msgs, *tools, *mt, *temp;
	json_t *r, *a, *m;
	const char *k;
	char kb[40];
	size_t i;

	if (!json_is_object(params)) {
		seterr(err, errlen, "params must be an object");
		return NULL;
	}
	if ((k = unknown_key(params, pk)) != NULL) {
		seterr(err, errlen, "params has an unknown key \"%s\" (known: "
		    "messages, tools, max_tokens, temperature)",
		    safe_key(k, kb, sizeof(kb)));
		return NULL;
	}
	msgs = json_object_get(params, "messages");
	if (!json_is_array(msgs) || json_array_size(msgs) < 1 ||
	    json_array_size(msgs) > LLM_MESSAGES_MAX) {
		seterr(err, errlen, "params.messages must be an array of 1 to %d "
		    "messages", LLM_MESSAGES_MAX);
		return NULL;
	}
	mt = json_object_get(params, "max_tokens");
	if (mt != NULL && !(json_is_integer(mt) && json_integer_value(mt) >= 1
	    && json_integer_value(mt) <= LLM_MAX_TOKENS_MAX)) {
		seterr(err, errlen, "params.max_tokens must be an integer from 1 "
		    "to %d", LLM_MAX_TOKENS_MAX);
		return NULL;
	}
	temp = json_object_get(params, "temperature");
	if (temp != NULL && !(json_is_number(temp) &&
	    json_number_value(temp) >= 0 && json_number_value(temp) <= 2)) {
		seterr(err, errlen, "params.temperature must be a number from 0 "
		    "to 2");
		return NULL;
	}
	if ((r = json_object()) == NULL || (a = json_array()) == NULL ||
	    put(r, "messages", a) < 0)
		goto oom;
	for (i = 0; i < json_array_size(msgs); i++) {
		if ((m = msg_canon(json_array_get(msgs, i), i, err, errlen)) ==
		    NULL)
			goto fail;
		if (json_array_append_new(a, m) < 0)
			goto oom;
	}
	tools = json_object_get(params, "tools");
	if (tools != NULL) {
		if ((a = tools_canon(tools, err, errlen)) == NULL)
			goto fail;
		if (json_array_size(a) == 0)
			json_decref(a);
		else if (put(r, "tools", a) < 0)
			goto oom;
	}
	if (mt != NULL && put(r, "max_tokens", json_copy((json_t *)mt)) < 0)
		goto oom;
	if (temp != NULL && put(r, "temperature", json_copy((json_t *)temp)) <
	    0)
		goto oom;
	return r;
oom:
	seterr(err, errlen, OOM);
fail:
	json_decref(r);
	return NULL;
}

int
llm_params_check(const json_t *params, char *err, size_t errlen)
{
	json_t *c = params_canon(params, err, errlen);

	json_decref(c);
	return c != NULL ? 0 : -1;
}

/* ---- requests ---- */

/* The OpenAI body: the canonical params with the model first. */
static json_t *
openai_body(const char *model, json_t *cp)
{
	json_t *b = json_pack("{s:s}", "model", model);
	const char *k;
	json_t *v;

	if (b == NULL)
		return NULL;
	json_object_foreach(cp, k, v)
		if (json_object_set(b, k, v) < 0) {
			json_decref(b);
			return NULL;
		}
	return b;
}

/* All system messages' content joined with "\n\n" (malloc'd), NULL
 * with *none set when there is none. */
static char *
system_text(const json_t *msgs, int *none)
{
	size_t i, n = 0, o = 0, l;
	const json_t *m;
	const char *c;
	char *t;
	int cnt = 0;

	json_array_foreach(msgs, i, m)
		if (role_of(json_object_get(m, "role")) == R_SYSTEM) {
			n += json_string_length(json_object_get(m, "content")) +
			    2;
			cnt++;
		}
	*none = cnt == 0;
	if (cnt == 0 || (t = malloc(n + 1)) == NULL)
		return NULL;
	json_array_foreach(msgs, i, m)
		if (role_of(json_object_get(m, "role")) == R_SYSTEM) {
			if (o > 0) {
				memcpy(t + o, "\n\n", 2);
				o += 2;
			}
			c = json_string_value(json_object_get(m, "content"));
			l = strlen(c);
			memcpy(t + o, c, l);
			o += l;
		}
	t[o] = '\0';
	return t;
}

/* A pending Anthropic message: its role, tool_result blocks (first, as
 * the API asks) and its other blocks. */
struct amsg {
	const char *role;
	json_t *results, *blocks;
};

/* Append the pending message to out (as {"role", "content"}; a lone
 * text block as a plain string) and empty it. -1: out of memory. */
static int
amsg_flush(struct amsg *p, json_t *out)
{
	json_t *content, *b;
	int rc = -1;

	if (p->role == NULL)
		return 0;
	if ((content = json_array()) == NULL ||
	    json_array_extend(content, p->results) < 0 ||
	    json_array_extend(content, p->blocks) < 0) {
		json_decref(content);
		goto done;
	}
	if (json_array_size(content) == 1 && (b = json_array_get(content, 0),
	    strcmp(json_string_value(json_object_get(b, "type")), "text") ==
	    0)) {
		b = json_incref(json_object_get(b, "text"));
		json_decref(content);
		content = b;
	}
	rc = json_array_append_new(out, json_pack("{s:s, s:o}", "role",
	    p->role, "content", content));
done:
	json_array_clear(p->results);
	json_array_clear(p->blocks);
	p->role = NULL;
	return rc;
}

/* The arguments text as a tool_use input: the object it parses to, else
 * {} (the model wrote something else; the provider wants an object). */
static json_t *
args_input(const char *args)
{
	json_t *v = json_loads(args, JSON_REJECT_DUPLICATES, NULL);

	if (json_is_object(v))
		return v;
	json_decref(v);
	return json_object();
}

/* Add canonical message m to the pending message (flushed into out
 * first when its role differs). */
static int
amsg_add(struct amsg *p, json_t *out, const json_t *m)
{
	int role = role_of(json_object_get(m, "role"));
	const char *ar = role == R_ASSISTANT ? "assistant" : "user";
	const json_t *content = json_object_get(m, "content"), *calls, *c, *fn;
	size_t i;
	int bad = 0;

	if (p->role != NULL && strcmp(p->role, ar) != 0 &&
	    amsg_flush(p, out) < 0)
		return -1;
	p->role = ar;
	if (role == R_TOOL)
		return json_array_append_new(p->results, json_pack("{s:s, s:O, "
		    "s:O}", "type", "tool_result", "tool_use_id",
		    json_object_get(m, "tool_call_id"), "content", content));
	calls = json_object_get(m, "tool_calls");
	if (role == R_USER || (json_is_string(content) &&
	    (json_string_length(content) > 0 || calls == NULL)))
		bad |= json_array_append_new(p->blocks, json_pack("{s:s, s:O}",
		    "type", "text", "text", content));
	json_array_foreach(calls, i, c) {
		fn = json_object_get(c, "function");
		bad |= json_array_append_new(p->blocks, json_pack("{s:s, s:O, "
		    "s:O, s:o}", "type", "tool_use", "id", json_object_get(c,
		    "id"), "name", json_object_get(fn, "name"), "input",
		    args_input(json_string_value(json_object_get(fn,
		    "arguments")))));
	}
	return bad ? -1 : 0;
}

/* The Anthropic messages: the canonical ones but system, consecutive
 * ones of one role (a tool message is a user one) merged. */
static json_t *
anthropic_messages(const json_t *msgs)
{
	struct amsg p = { NULL, json_array(), json_array() };
	json_t *out = json_array();
	const json_t *m;
	size_t i;
	int bad = out == NULL || p.results == NULL || p.blocks == NULL;

	json_array_foreach(msgs, i, m) {
		if (bad)
			break;
		if (role_of(json_object_get(m, "role")) != R_SYSTEM)
			bad = amsg_add(&p, out, m) < 0;
	}
	if (!bad)
		bad = amsg_flush(&p, out) < 0;
	json_decref(p.results);
	json_decref(p.blocks);
	if (bad) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* The Anthropic tools: {"name", "description", "input_schema"}. */
static json_t *
anthropic_tools(const json_t *tools)
{
	json_t *out = json_array(), *t;
	const json_t *v, *fn;
	size_t i;

	json_array_foreach(tools, i, v) {
		if (out == NULL)
			break;
		fn = json_object_get(v, "function");
		t = json_pack("{s:O}", "name", json_object_get(fn, "name"));
		if (t != NULL && json_object_get(fn, "description") != NULL &&
		    put(t, "description", json_copy(json_object_get(fn,
		    "description"))) < 0) {
			json_decref(t);
			t = NULL;
		}
		if (t != NULL && put(t, "input_schema", json_incref(
		    json_object_get(fn, "parameters"))) < 0) {
			json_decref(t);
			t = NULL;
		}
		if (json_array_append_new(out, t) < 0) {
			json_decref(out);
			out = NULL;
		}
	}
	return out;
}

/* The Anthropic body from canonical params, or NULL with err. */
static json_t *
anthropic_body(const char *model, json_t *cp, char *err, size_t errlen)
{
	json_t *b, *msgs = json_object_get(cp, "messages"), *mt, *temp, *tools;
	char *sys;
	int none;

	temp = json_object_get(cp, "temperature");
	if (temp != NULL && json_number_value(temp) > 1) {
		seterr(err, errlen, "params.temperature must be at most 1 for "
		    "an Anthropic model");
		return NULL;
	}
	mt = json_object_get(cp, "max_tokens");
	if ((b = json_pack("{s:s, s:I}", "model", model, "max_tokens",
	    mt != NULL ? json_integer_value(mt) :
	    (json_int_t)LLM_ANTHROPIC_DEFAULT_MAX_TOKENS)) == NULL)
		goto oom;
	sys = system_text(msgs, &none);
	if (!none && (sys == NULL || put(b, "system", json_string(sys)) < 0)) {
		free(sys);
		goto oom;
	}
	free(sys);
	if (put(b, "messages", anthropic_messages(msgs)) < 0)
		goto oom;
	if (json_array_size(json_object_get(b, "messages")) == 0) {
		seterr(err, errlen, "params.messages must have a message that "
		    "is not a system one for an Anthropic model");
		json_decref(b);
		return NULL;
	}
	tools = json_object_get(cp, "tools");
	if (tools != NULL && put(b, "tools", anthropic_tools(tools)) < 0)
		goto oom;
	if (temp != NULL && json_object_set(b, "temperature", temp) < 0)
		goto oom;
	return b;
oom:
	json_decref(b);
	seterr(err, errlen, OOM);
	return NULL;
}

/* A model name: 1..256 printable ASCII characters. */
static int
model_ok(const char *m)
{
	size_t i;

	if (m == NULL || m[0] == '\0')
		return 0;
	for (i = 0; m[i] != '\0'; i++)
		if (i >= 256 || m[i] < 0x21 || m[i] > 0x7e)
			return 0;
	return 1;
}

char *
llm_request(enum llm_api api, const char *model, const json_t *params,
    char *err, size_t errlen)
{
	json_t *cp, *b = NULL;
	char *t = NULL;

	if (api != LLM_API_OPENAI && api != LLM_API_ANTHROPIC) {
		seterr(err, errlen, "the model's API is not known");
		return NULL;
	}
	if (!model_ok(model)) {
		seterr(err, errlen, "the model name must be 1 to 256 printable "
		    "characters");
		return NULL;
	}
	if ((cp = params_canon(params, err, errlen)) == NULL)
		return NULL;
	if (api == LLM_API_OPENAI) {
		if ((b = openai_body(model, cp)) == NULL)
			seterr(err, errlen, OOM);
	} else
		b = anthropic_body(model, cp, err, errlen);
	if (b != NULL && (t = json_dumps(b, JSON_COMPACT)) == NULL)
		seterr(err, errlen, OOM);
	json_decref(b);
	json_decref(cp);
	return t;
}

/* ---- answers ---- */

/* The body parsed (bounded first), an object, or NULL with err. */
static json_t *
load_object(const char *who, const char *body, size_t len, char *err,
    size_t errlen)
{
	json_t *v;

	if (len > LLM_BODY_MAX) {
		seterr(err, errlen, "%s is larger than %u MiB", who,
		    LLM_BODY_MAX >> 20);
		return NULL;
	}
	if (body == NULL && len > 0) {
		seterr(err, errlen, "%s is not JSON", who);
		return NULL;
	}
	v = json_loadb(body != NULL ? body : "", len, JSON_REJECT_DUPLICATES |
	    JSON_ALLOW_NUL, NULL);
	if (v == NULL) {
		seterr(err, errlen, "%s is not JSON", who);
		return NULL;
	}
	if (!json_is_object(v)) {
		seterr(err, errlen, "%s is not a JSON object", who);
		json_decref(v);
		return NULL;
	}
	return v;
}

/* One token count: absent or null 0, else an integer 0..10^12. */
static int
count_get(const json_t *usage, const char *key, long long *n,
    const char *who, char *err, size_t errlen)
{
	const json_t *v = json_object_get(usage, key);

	*n = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > LLM_USAGE_MAX) {
		seterr(err, errlen, "%s: usage.%s must be an integer from 0 to "
		    "10^12", who, key);
		return -1;
	}
	*n = json_integer_value(v);
	return 0;
}

/* usage (absent or null: 0, 0) with the provider's two keys. */
static int
usage_get(const json_t *root, const char *ik, const char *ok,
    struct llm_usage *u, const char *who, char *err, size_t errlen)
{
	const json_t *usage = json_object_get(root, "usage");

	u->input = u->output = 0;
	if (usage == NULL || json_is_null(usage))
		return 0;
	if (!json_is_object(usage)) {
		seterr(err, errlen, "%s: usage must be an object", who);
		return -1;
	}
	if (count_get(usage, ik, &u->input, who, err, errlen) < 0 ||
	    count_get(usage, ok, &u->output, who, err, errlen) < 0) {
		u->input = u->output = 0;
		return -1;
	}
	return 0;
}

/*
 * The canonical answer. content (len bytes) NULL or empty: null. calls
 * (taken, may be NULL) omitted when empty. NULL when out of memory.
 */
static json_t *
answer_new(const char *content, size_t clen, json_t *calls,
    const char *finish, const struct llm_usage *u)
{
	json_t *msg, *a;

	msg = json_pack("{s:s, s:o}", "role", "assistant", "content",
	    content != NULL && clen > 0 ? json_stringn(content, clen) :
	    json_null());
	if (msg != NULL && calls != NULL && json_array_size(calls) > 0) {
		if (put(msg, "tool_calls", calls) < 0) {
			json_decref(msg);
			return NULL;
		}
	} else
		json_decref(calls);
	if (msg == NULL)
		return NULL;
	a = json_pack("{s:o, s:s, s:{s:I, s:I}}", "message", msg,
	    "finish_reason", finish, "usage", "input_tokens",
	    (json_int_t)u->input, "output_tokens", (json_int_t)u->output);
	return a;
}

/* content: absent, null or a string without NUL. -1 with err. */
static int
content_get(const json_t *v, const char *who, const char *where,
    const char **s, size_t *len, char *err, size_t errlen)
{
	*s = NULL;
	*len = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		seterr(err, errlen, "%s: %s must be a string or null", who, where);
		return -1;
	}
	if ((*s = str_nonul(v)) == NULL) {
		seterr(err, errlen, "%s: %s contains a NUL", who, where);
		return -1;
	}
	*len = json_string_length(v);
	return 0;
}

static const char *
openai_finish(const json_t *v)
{
	const char *s = json_string_value(v);

	if (s == NULL)
		return "other";
	if (strcmp(s, "stop") == 0 || strcmp(s, "length") == 0 ||
	    strcmp(s, "tool_calls") == 0)
		return s;
	return strcmp(s, "function_call") == 0 ? "tool_calls" : "other";
}

static json_t *
openai_response(json_t *root, struct llm_usage *u, char *err, size_t errlen)
{
	const json_t *choices = json_object_get(root, "choices"), *ch, *msg,
	    *tc;
	const char *content;
	json_t *calls = NULL, *a;
	size_t clen;

	if (!json_is_array(choices) || json_array_size(choices) == 0) {
		seterr(err, errlen, WHO_MODEL " has no choices");
		return NULL;
	}
	ch = json_array_get(choices, 0);
	if (!json_is_object(ch) || !json_is_object(msg = json_object_get(ch,
	    "message"))) {
		seterr(err, errlen, WHO_MODEL " has no choices[0].message");
		return NULL;
	}
	if (content_get(json_object_get(msg, "content"), WHO_MODEL,
	    "choices[0].message.content", &content, &clen, err, errlen) < 0)
		return NULL;
	tc = json_object_get(msg, "tool_calls");
	if (tc != NULL && !json_is_null(tc) && (calls = calls_canon(tc, 0,
	    WHO_MODEL ": choices[0].message.tool_calls", err, errlen)) == NULL)
		return NULL;
	if (usage_get(root, "prompt_tokens", "completion_tokens", u, WHO_MODEL,
	    err, errlen) < 0) {
		json_decref(calls);
		return NULL;
	}
	if ((a = answer_new(content, clen, calls, openai_finish(
	    json_object_get(ch, "finish_reason")), u)) == NULL)
		seterr(err, errlen, OOM);
	return a;
}

static const char *
anthropic_finish(const json_t *v)
{
	const char *s = json_string_value(v);

	if (s == NULL)
		return "other";
	if (strcmp(s, "end_turn") == 0 || strcmp(s, "stop_sequence") == 0)
		return "stop";
	if (strcmp(s, "tool_use") == 0)
		return "tool_calls";
	return strcmp(s, "max_tokens") == 0 ? "length" : "other";
}

/* A tool_use block as a canonical tool call (the I-th), or NULL with
 * err. */
static json_t *
tool_use_call(const json_t *b, size_t bi, size_t i, char *err, size_t errlen)
{
	const json_t *id = json_object_get(b, "id"), *in;
	char synth[32], *args;
	json_t *r;

	if (id == NULL || json_is_null(id)) {
		(void)snprintf(synth, sizeof(synth), "call_%zu", i);
		id = NULL;
	} else if (!id_ok(id)) {
		seterr(err, errlen, WHO_MODEL ": content[%zu].id must be a "
		    "string of 1 to %d bytes without NUL", bi, LLM_ID_MAX);
		return NULL;
	}
	if (!name_ok(json_object_get(b, "name"))) {
		seterr(err, errlen, WHO_MODEL ": content[%zu].name must match "
		    "[A-Za-z0-9_-]{1,%d}", bi, LLM_NAME_MAX);
		return NULL;
	}
	in = json_object_get(b, "input");
	if (in == NULL || json_is_null(in))
		args = strdup("{}");
	else
		args = json_dumps(in, JSON_COMPACT | JSON_ENCODE_ANY);
	if (args == NULL) {
		seterr(err, errlen, OOM);
		return NULL;
	}
	r = json_pack("{s:s, s:s, s:{s:O, s:s}}",
	    "id", id != NULL ? json_string_value(id) : synth,
	    "type", "function",
	    "function", "name", json_object_get(b, "name"),
	    "arguments", args);
	free(args);
	if (r == NULL)
		seterr(err, errlen, OOM);
	return r;
}

/* Append s (n bytes) to the growing buffer *t (*len used, *cap room). */
static int
grow_append(char **t, size_t *len, size_t *cap, const char *s, size_t n)
{
	size_t nc;
	char *p;

	if (n == 0)
		return 0;
	if (n > *cap - *len) {
		nc = *cap ? *cap : 256;
		while (nc - *len < n)
			nc *= 2;	/* bounded: the body is <= 16 MiB */
		if ((p = realloc(*t, nc)) == NULL)
			return -1;
		*t = p;
		*cap = nc;
	}
	memcpy(*t + *len, s, n);
	*len += n;
	return 0;
}

static json_t *
anthropic_response(json_t *root, struct llm_usage *u, char *err,
    size_t errlen)
{
	const json_t *content = json_object_get(root, "content"), *b, *type,
	    *text;
	json_t *calls, *c, *a = NULL;
	char *t = NULL;
	size_t i, tlen = 0, tcap = 0;

	if (!json_is_array(content)) {
		seterr(err, errlen, WHO_MODEL " has no content");
		return NULL;
	}
	if ((calls = json_array()) == NULL)
		goto oom;
	json_array_foreach(content, i, b) {
		if (!json_is_object(b) || !json_is_string(type =
		    json_object_get(b, "type"))) {
			seterr(err, errlen, WHO_MODEL ": content[%zu] must be an "
			    "object with a type", i);
			goto fail;
		}
		if (strcmp(json_string_value(type), "text") == 0) {
			text = json_object_get(b, "text");
			if (!json_is_string(text) || str_nonul(text) == NULL) {
				seterr(err, errlen, WHO_MODEL ": content[%zu].text "
				    "must be a string without NUL", i);
				goto fail;
			}
			if (grow_append(&t, &tlen, &tcap, json_string_value(text),
			    json_string_length(text)) < 0)
				goto oom;
		} else if (strcmp(json_string_value(type), "tool_use") == 0) {
			if (json_array_size(calls) == LLM_TOOLS_MAX) {
				seterr(err, errlen, WHO_MODEL " has more than %d "
				    "tool calls", LLM_TOOLS_MAX);
				goto fail;
			}
			if ((c = tool_use_call(b, i, json_array_size(calls), err,
			    errlen)) == NULL)
				goto fail;
			if (json_array_append_new(calls, c) < 0)
				goto oom;
		}
	}
	if (usage_get(root, "input_tokens", "output_tokens", u, WHO_MODEL, err,
	    errlen) < 0)
		goto fail;
	a = answer_new(t, tlen, calls, anthropic_finish(json_object_get(root,
	    "stop_reason")), u);
	calls = NULL;
	if (a == NULL)
		goto oom;
	goto out;
oom:
	seterr(err, errlen, OOM);
fail:
	json_decref(calls);
out:
	free(t);
	return a;
}

json_t *
llm_response(enum llm_api api, const char *body, size_t len,
    struct llm_usage *u, char *err, size_t errlen)
{
	struct llm_usage tmp;
	json_t *root, *a = NULL;

	if (u == NULL)
		u = &tmp;
	u->input = u->output = 0;
	if (api != LLM_API_OPENAI && api != LLM_API_ANTHROPIC) {
		seterr(err, errlen, "the model's API is not known");
		return NULL;
	}
	if ((root = load_object(WHO_MODEL, body, len, err, errlen)) == NULL)
		return NULL;
	if (api == LLM_API_OPENAI)
		a = openai_response(root, u, err, errlen);
	else
		a = anthropic_response(root, u, err, errlen);
	json_decref(root);
	if (a == NULL)
		u->input = u->output = 0;
	return a;
}

/* finish_reason of a replay answer: one of the four; absent, from the
 * calls. NULL when it is none of them. */
static const char *
replay_finish(const json_t *v, int has_calls)
{
	static const char *const fr[] = { "stop", "tool_calls", "length",
	    "other" };
	const char *s;
	size_t i;

	if (v == NULL)
		return has_calls ? "tool_calls" : "stop";
	if ((s = json_string_value(v)) == NULL)
		return NULL;
	for (i = 0; i < 4; i++)
		if (strcmp(s, fr[i]) == 0)
			return fr[i];
	return NULL;
}

static json_t *
replay_answer(json_t *root, struct llm_usage *u, char *err, size_t errlen)
{
	static const char *const ak[] = { "message", "finish_reason", "usage",
	    NULL };
	static const char *const mk[] = { "role", "content", "tool_calls",
	    NULL };
	static const char *const uk[] = { "input_tokens", "output_tokens",
	    NULL };
	const json_t *msg, *role, *tc, *usage;
	const char *k, *content, *finish;
	json_t *calls = NULL, *a;
	char kb[40];
	size_t clen;

	if ((k = unknown_key(root, ak)) != NULL) {
		seterr(err, errlen, WHO_REPLAY " has an unknown key \"%s\"",
		    safe_key(k, kb, sizeof(kb)));
		return NULL;
	}
	if (!json_is_object(msg = json_object_get(root, "message"))) {
		seterr(err, errlen, WHO_REPLAY " has no message object");
		return NULL;
	}
	if ((k = unknown_key(msg, mk)) != NULL) {
		seterr(err, errlen, WHO_REPLAY ": message has an unknown key "
		    "\"%s\"", safe_key(k, kb, sizeof(kb)));
		return NULL;
	}
	role = json_object_get(msg, "role");
	if (role != NULL && !(json_is_string(role) &&
	    strcmp(json_string_value(role), "assistant") == 0)) {
		seterr(err, errlen, WHO_REPLAY ": message.role must be "
		    "\"assistant\"");
		return NULL;
	}
	if (content_get(json_object_get(msg, "content"), WHO_REPLAY,
	    "message.content", &content, &clen, err, errlen) < 0)
		return NULL;
	usage = json_object_get(root, "usage");
	if (json_is_object(usage) && (k = unknown_key(usage, uk)) != NULL) {
		seterr(err, errlen, WHO_REPLAY ": usage has an unknown key "
		    "\"%s\"", safe_key(k, kb, sizeof(kb)));
		return NULL;
	}
	if (usage_get(root, "input_tokens", "output_tokens", u, WHO_REPLAY,
	    err, errlen) < 0)
		return NULL;
	tc = json_object_get(msg, "tool_calls");
	if (tc != NULL && !json_is_null(tc) && (calls = calls_canon(tc, 1,
	    WHO_REPLAY ": message.tool_calls", err, errlen)) == NULL)
		return NULL;
	if ((finish = replay_finish(json_object_get(root, "finish_reason"),
	    json_array_size(calls) > 0)) == NULL) {
		seterr(err, errlen, WHO_REPLAY ": finish_reason must be one of "
		    "stop, tool_calls, length, other");
		json_decref(calls);
		return NULL;
	}
	if ((a = answer_new(content, clen, calls, finish, u)) == NULL)
		seterr(err, errlen, OOM);
	return a;
}

json_t *
llm_answer_check(const char *text, size_t len, struct llm_usage *u,
    char *err, size_t errlen)
{
	struct llm_usage tmp;
	json_t *root, *a;

	if (u == NULL)
		u = &tmp;
	u->input = u->output = 0;
	if ((root = load_object(WHO_REPLAY, text, len, err, errlen)) == NULL)
		return NULL;
	a = replay_answer(root, u, err, errlen);
	json_decref(root);
	if (a == NULL)
		u->input = u->output = 0;
	return a;
}

/* ---- errors ---- */

int
llm_error_message(const char *body, size_t len, char *msg, size_t msglen)
{
	const json_t *e, *m;
	json_t *root;
	const char *s;
	size_t i, n, o = 0;
	unsigned char c;
	int rc = -1;

	if (msg != NULL && msglen > 0)
		msg[0] = '\0';
	if ((root = load_object("", body, len, NULL, 0)) == NULL)
		return -1;
	e = json_object_get(root, "error");
	m = json_is_object(e) ? json_object_get(e, "message") : e;
	if (!json_is_string(m))
		goto out;
	s = json_string_value(m);
	n = json_string_length(m);
	/* one '?' per character that is not printable ASCII: a lead
	 * byte stands for its character, continuation bytes are dropped
	 * (the text is UTF-8: jansson checked it) */
	for (i = 0; msg != NULL && i < n && o + 1 < msglen; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x80 && c < 0xc0)
			continue;
		msg[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (msg != NULL && msglen > 0)
		msg[o] = '\0';
	rc = 0;
out:
	json_decref(root);
	return rc;
}
