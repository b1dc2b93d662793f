/*
 * common/mcp/jsonrpc.c -- newline-delimited JSON-RPC 2.0 with an MCP
 * server (common/mcp/jsonrpc.h): the line reader (a bounded buffer:
 * an over-long line is dropped, never kept), the classifier of the
 * server's lines, the builders of the worker's, and the readers of the
 * initialize, server/discover, tools/list and tools/call results. Pure
 * (no I/O, no exit()): unit-tested and fuzzed (fuzz/fuzz_mcp.c).
 *
 * Runs in: aksup-worker-mcp (confined). Privilege: none needed. Input:
 * an MCP server's stdout (anyone's bytes: any byte may be anywhere, a
 * line may be of any length, a message may say anything).
 */
#include <jansson.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "common/mcp/jsonrpc.h"

/* ---- the line reader ---- */

#define JR_BUF_FIRST	4096

void
jr_reader_init(struct jr_reader *r, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->max = max ? max : JR_LINE_MAX_DEFAULT;
	if (r->max == (size_t)-1)
		r->max--;	/* room for the NUL */
}

void
jr_reader_free(struct jr_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->len = r->cap = 0;
	r->discarding = r->yielded = 0;
}

/* Room for need bytes (need <= max + 1): doubling, never past max + 1. */
static int
reserve(struct jr_reader *r, size_t need)
{
	size_t c;
	char *b;

	if (need <= r->cap)
		return 0;
	c = r->cap ? r->cap : JR_BUF_FIRST;
	while (c < need)
		c = c > (size_t)-1 / 2 ? need : 2 * c;
	if (c > r->max + 1)
		c = r->max + 1;
	if ((b = realloc(r->buf, c)) == NULL)
		return -1;
	r->buf = b;
	r->cap = c;
	return 0;
}

int
jr_reader_feed(struct jr_reader *r, const char *data, size_t n, size_t *used,
    const char **line, size_t *len)
{
	const char *nl;
	size_t take, body;

	*used = 0;
	*line = NULL;
	*len = 0;
	if (r->yielded) {
		r->len = 0;
		r->yielded = 0;
	}
	if (n == 0)
		return 0;
	nl = memchr(data, '\n', n);
	take = nl ? (size_t)(nl - data) + 1 : n;
	body = nl ? take - 1 : take;
	if (!r->discarding && body > r->max - r->len) {
		r->discarding = 1;	/* over the bound: drop it all */
		r->len = 0;
	}
	if (r->discarding) {
		*used = take;
		if (nl) {
			r->discarding = 0;
			r->dropped++;
		}
		return 0;
	}
	if (reserve(r, r->len + body + 1) < 0)
		return -1;
	memcpy(r->buf + r->len, data, body);
	r->len += body;
	*used = take;
	if (nl == NULL)
		return 0;
	if (r->len > 0 && r->buf[r->len - 1] == '\r')
		r->len--;
	r->buf[r->len] = '\0';
	*line = r->buf;
	*len = r->len;
	r->yielded = 1;
	return 1;
}

int
jr_reader_eof(struct jr_reader *r, const char **line, size_t *len)
{
	*line = NULL;
	*len = 0;
	if (r->yielded) {
		r->len = 0;
		r->yielded = 0;
	}
	if (r->discarding) {
		r->discarding = 0;
		r->dropped++;
		return 0;
	}
	if (r->len == 0)
		return 0;
	/* reserve() made room for the NUL with the last bytes */
	if (r->buf[r->len - 1] == '\r')
		r->len--;
	r->buf[r->len] = '\0';
	*line = r->buf;
	*len = r->len;
	r->yielded = 1;
	return 1;
}

/* ---- the classifier ---- */

static enum jr_kind
kind(struct jr_msg *m, enum jr_kind k, const char *why)
{
	m->kind = k;
	m->why = why;
	return k;
}

/* A line jansson refused: no JSON text (a log line), or JSON it cannot
 * hold (then it was meant as a message, and is a broken one). */
static enum jr_kind
refused(struct jr_msg *m, const json_error_t *e)
{
	switch (json_error_code(e)) {
	case json_error_numeric_overflow:
		return kind(m, JR_INVALID, "a number out of range");
	case json_error_duplicate_key:
		return kind(m, JR_INVALID, "a duplicate key");
	case json_error_null_character:
	case json_error_null_byte_in_key:
		return kind(m, JR_INVALID, "\\u0000 in a string");
	case json_error_stack_overflow:
		return kind(m, JR_INVALID, "nested too deep");
	case json_error_out_of_memory:
		return kind(m, JR_INVALID, "out of memory");
	default:
		return kind(m, JR_NOT_JSON, "not JSON");
	}
}

/* An id as MCP has them: an integer, or a short string. */
static int
id_ok(const json_t *id)
{
	return json_is_integer(id) || (json_is_string(id) &&
	    json_string_length(id) <= JR_ID_STR_MAX);
}

static enum jr_kind
classify_call(struct jr_msg *m, json_t *method)
{
	json_t *id = json_object_get(m->root, "id");
	size_t n = json_string_length(method);

	if (n == 0 || n > JR_METHOD_MAX)
		return kind(m, JR_INVALID, "a method of 0 or too many bytes");
	if (json_object_get(m->root, "result") != NULL ||
	    json_object_get(m->root, "error") != NULL)
		return kind(m, JR_INVALID, "a method and a result or error");
	m->params = json_object_get(m->root, "params");
	if (m->params != NULL && !json_is_object(m->params))
		return kind(m, JR_INVALID, "params not an object");
	m->method = json_string_value(method);
	if (id == NULL)
		return kind(m, JR_NOTIFICATION, NULL);
	if (!id_ok(id))
		return kind(m, JR_INVALID, "a request's id not an integer or "
		    "a short string");
	m->id = id;
	return kind(m, JR_REQUEST, NULL);
}

static enum jr_kind
classify_error(struct jr_msg *m, json_t *err)
{
	json_t *code, *msg;

	if (!json_is_object(err))
		return kind(m, JR_INVALID, "error not an object");
	code = json_object_get(err, "code");
	msg = json_object_get(err, "message");
	if (!json_is_integer(code))
		return kind(m, JR_INVALID, "error.code not an integer");
	if (!json_is_string(msg))
		return kind(m, JR_INVALID, "error.message not a string");
	m->error = err;
	m->err_code = json_integer_value(code);
	m->err_message = json_string_value(msg);
	m->err_data = json_object_get(err, "data");
	return kind(m, JR_RESPONSE, NULL);
}

static enum jr_kind
classify_response(struct jr_msg *m)
{
	json_t *id = json_object_get(m->root, "id");
	json_t *res = json_object_get(m->root, "result");
	json_t *err = json_object_get(m->root, "error");

	if (id == NULL)
		return kind(m, JR_INVALID, "neither a method nor an id");
	if ((res == NULL) == (err == NULL))
		return kind(m, JR_INVALID, "a response needs exactly one of "
		    "result and error");
	/* JSON-RPC 2.0 §5: null when the server could not read the id */
	if (!id_ok(id) && !(json_is_null(id) && err != NULL))
		return kind(m, JR_INVALID, "a response's id not an integer or "
		    "a short string");
	m->id = id;
	if (err != NULL)
		return classify_error(m, err);
	if (!json_is_object(res))
		return kind(m, JR_INVALID, "result not an object");
	m->result = res;
	return kind(m, JR_RESPONSE, NULL);
}

enum jr_kind
jr_classify(const char *line, size_t len, struct jr_msg *m)
{
	json_error_t e;
	json_t *v, *method;

	memset(m, 0, sizeof(*m));
	if ((m->root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &e)) ==
	    NULL)
		return refused(m, &e);
	if (json_is_array(m->root))
		return kind(m, JR_INVALID, "a batch (MCP has none)");
	if (!json_is_object(m->root))
		return kind(m, JR_INVALID, "not an object");
	v = json_object_get(m->root, "jsonrpc");
	if (!json_is_string(v) || strcmp(json_string_value(v), "2.0") != 0)
		return kind(m, JR_INVALID, "no \"jsonrpc\":\"2.0\"");
	method = json_object_get(m->root, "method");
	if (method != NULL) {
		if (!json_is_string(method))
			return kind(m, JR_INVALID, "method not a string");
		return classify_call(m, method);
	}
	return classify_response(m);
}

void
jr_msg_free(struct jr_msg *m)
{
	json_decref(m->root);
	memset(m, 0, sizeof(*m));
	m->kind = JR_INVALID;
}

int
jr_id_is(const json_t *id, json_int_t sent)
{
	return json_is_integer(id) && json_integer_value(id) == sent;
}

/* ---- builders ---- */

/* o as one compact line with "\n" (o's reference taken). */
static char *
line_of(json_t *o, int bad, size_t *len)
{
	char *t = NULL, *l;
	size_t n;

	if (o == NULL || bad)
		goto out;
	if ((t = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL)
		goto out;
	n = strlen(t);
	if ((l = realloc(t, n + 2)) == NULL)
		goto out;
	t = l;
	t[n] = '\n';
	t[n + 1] = '\0';
	if (len)
		*len = n + 1;
	json_decref(o);
	return t;
out:
	free(t);
	json_decref(o);
	return NULL;
}

/* A new object {"jsonrpc":"2.0"}, or NULL. */
static json_t *
envelope(void)
{
	json_t *o = json_object();

	if (o != NULL && json_object_set_new(o, "jsonrpc",
	    json_string("2.0")) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Set o[k] = v, borrowed (jansson takes no const: only its count
 * changes). */
static int
set_borrowed(json_t *o, const char *k, const json_t *v)
{
	return json_object_set(o, k, (json_t *)(uintptr_t)v);
}

static char *
call_line(json_t *id, const char *method, const json_t *params, size_t *len)
{
	json_t *o = envelope();
	int bad = o == NULL || method == NULL || (params != NULL &&
	    !json_is_object(params));

	if (!bad && id != NULL)
		bad = json_object_set_new(o, "id", id) < 0;
	else
		json_decref(id);
	if (!bad)
		bad = json_object_set_new(o, "method", json_string(method)) < 0;
	if (!bad && params != NULL)
		bad = set_borrowed(o, "params", params) < 0;
	return line_of(o, bad, len);
}

char *
jr_request(json_int_t id, const char *method, const json_t *params,
    size_t *len)
{
	json_t *i = json_integer(id);

	if (i == NULL)
		return NULL;
	return call_line(i, method, params, len);
}

char *
jr_notification(const char *method, const json_t *params, size_t *len)
{
	return call_line(NULL, method, params, len);
}

static int
answer_id_ok(const json_t *id)
{
	return json_is_integer(id) || json_is_string(id) || json_is_null(id);
}

char *
jr_response_result(const json_t *id, const json_t *result, size_t *len)
{
	json_t *o = envelope();
	int bad = o == NULL || !answer_id_ok(id) || !json_is_object(result);

	if (!bad)
		bad = set_borrowed(o, "id", id) < 0 ||
		    set_borrowed(o, "result", result) < 0;
	return line_of(o, bad, len);
}

char *
jr_response_error(const json_t *id, int code, const char *message,
    size_t *len)
{
	json_t *o = envelope(), *e = json_object();
	int bad = o == NULL || e == NULL || !answer_id_ok(id) ||
	    message == NULL;

	if (!bad)
		bad = json_object_set_new(e, "code", json_integer(code)) < 0 ||
		    json_object_set_new(e, "message", json_string(message)) <
		    0 || set_borrowed(o, "id", id) < 0;
	if (!bad) {
		bad = json_object_set_new(o, "error", e) < 0;
		e = NULL;
	}
	json_decref(e);
	return line_of(o, bad, len);
}

char *
jr_answer(const struct jr_msg *m, const json_t *roots, size_t *len)
{
	json_t *r;
	char *t;

	if (m->kind != JR_REQUEST || m->method == NULL)
		return NULL;
	if (strcmp(m->method, "ping") == 0)
		r = json_object();
	else if (strcmp(m->method, "roots/list") == 0) {
		if (roots != NULL && !json_is_array(roots))
			return NULL;
		r = json_object();
		if (r != NULL && json_object_set_new(r, "roots", roots ?
		    json_copy((json_t *)(uintptr_t)roots) : json_array()) < 0) {
			json_decref(r);
			return NULL;
		}
	} else
		/* sampling, elicitation, anything else: never declared */
		return jr_response_error(m->id, JR_METHOD_NOT_FOUND,
		    "Method not found", len);
	if (r == NULL)
		return NULL;
	t = jr_response_result(m->id, r, len);
	json_decref(r);
	return t;
}

int
jr_params_meta(json_t *params, const char *version, const char *client_name,
    const char *client_version)
{
	json_t *meta, *info;
	int bad;

	if (!json_is_object(params) || version == NULL || client_name ==
	    NULL || client_version == NULL)
		return -1;
	meta = json_object_get(params, "_meta");
	if (meta == NULL) {
		if ((meta = json_object()) == NULL ||
		    json_object_set_new(params, "_meta", meta) < 0)
			return -1;
	} else if (!json_is_object(meta))
		return -1;
	if ((info = json_object()) == NULL)
		return -1;
	bad = json_object_set_new(info, "name", json_string(client_name)) < 0;
	bad |= json_object_set_new(info, "version",
	    json_string(client_version)) < 0;
	if (bad) {
		json_decref(info);
		return -1;
	}
	bad = json_object_set_new(meta,
	    "io.modelcontextprotocol/protocolVersion",
	    json_string(version)) < 0;
	bad |= json_object_set_new(meta, "io.modelcontextprotocol/clientInfo",
	    info) < 0;
	bad |= json_object_set_new(meta,
	    "io.modelcontextprotocol/clientCapabilities", json_object()) < 0;
	return bad ? -1 : 0;
}

/* ---- results ---- */

__attribute__((format(printf, 3, 4)))
static int
bad(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && whylen > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* 1 when o[k] is absent or of type t (JSON_TRUE stands for a boolean). */
static int
opt(const json_t *o, const char *k, json_type t)
{
	const json_t *v = json_object_get(o, k);

	if (v == NULL)
		return 1;
	if (t == JSON_TRUE)
		return json_is_boolean(v);
	return json_typeof(v) == t;
}

enum jr_rtype
jr_result_type(const json_t *result)
{
	const json_t *t = json_object_get(result, "resultType");

	if (t == NULL)
		return JR_RT_COMPLETE;
	if (!json_is_string(t))
		return JR_RT_BAD;
	if (strcmp(json_string_value(t), "complete") == 0)
		return JR_RT_COMPLETE;
	if (strcmp(json_string_value(t), "input_required") == 0)
		return JR_RT_INPUT_REQUIRED;
	return JR_RT_BAD;
}

static int
version_ok(const json_t *v)
{
	return json_is_string(v) && json_string_length(v) >= 1 &&
	    json_string_length(v) <= JR_VERSION_MAX;
}

int
jr_initialize_result(const json_t *result, const char **version, char *why,
    size_t whylen)
{
	const json_t *v, *info;

	*version = NULL;
	if (!json_is_object(result))
		return bad(why, whylen, "result: not an object");
	v = json_object_get(result, "protocolVersion");
	if (!version_ok(v))
		return bad(why, whylen, "protocolVersion: not a string of 1 to "
		    "%d bytes", JR_VERSION_MAX);
	if (!json_is_object(json_object_get(result, "capabilities")))
		return bad(why, whylen, "capabilities: not an object");
	info = json_object_get(result, "serverInfo");
	if (!json_is_object(info))
		return bad(why, whylen, "serverInfo: not an object");
	if (!json_is_string(json_object_get(info, "name")))
		return bad(why, whylen, "serverInfo.name: not a string");
	if (!opt(result, "instructions", JSON_STRING))
		return bad(why, whylen, "instructions: not a string");
	*version = json_string_value(v);
	return 0;
}

int
jr_discover_result(const json_t *result, json_t **versions, char *why,
    size_t whylen)
{
	json_t *vs, *v;
	size_t i;

	*versions = NULL;
	if (!json_is_object(result))
		return bad(why, whylen, "result: not an object");
	if (jr_result_type(result) != JR_RT_COMPLETE)
		return bad(why, whylen, "resultType: not \"complete\"");
	vs = json_object_get(result, "supportedVersions");
	if (!json_is_array(vs) || json_array_size(vs) == 0)
		return bad(why, whylen, "supportedVersions: not a non-empty "
		    "array");
	json_array_foreach(vs, i, v)
		if (!version_ok(v))
			return bad(why, whylen, "supportedVersions[%zu]: not a "
			    "string of 1 to %d bytes", i, JR_VERSION_MAX);
	if (!json_is_object(json_object_get(result, "capabilities")))
		return bad(why, whylen, "capabilities: not an object");
	if (!opt(result, "serverInfo", JSON_OBJECT))
		return bad(why, whylen, "serverInfo: not an object");
	if (!opt(result, "instructions", JSON_STRING))
		return bad(why, whylen, "instructions: not a string");
	if (!opt(result, "cacheScope", JSON_STRING))
		return bad(why, whylen, "cacheScope: not a string");
	v = json_object_get(result, "ttlMs");
	if (v != NULL && (!json_is_integer(v) || json_integer_value(v) < 0))
		return bad(why, whylen, "ttlMs: not a non-negative integer");
	*versions = vs;
	return 0;
}

int
jr_version_listed(const json_t *versions, const char *version)
{
	const json_t *v;
	size_t i;

	json_array_foreach(versions, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v),
		    version) == 0)
			return 1;
	return 0;
}

/* A tool's name: 1..128 bytes of SEP-986's set. */
static int
tool_name_ok(const json_t *n)
{
	const char *s;
	size_t i, len;

	if (!json_is_string(n))
		return 0;
	s = json_string_value(n);
	len = json_string_length(n);
	if (len == 0 || len > JR_TOOL_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		    c == '.' || c == '/'))
			return 0;
	}
	return 1;
}

static int
check_tool(const json_t *t, size_t i, json_t *seen, char *why, size_t whylen)
{
	const json_t *n;

	if (!json_is_object(t))
		return bad(why, whylen, "tools[%zu]: not an object", i);
	n = json_object_get(t, "name");
	if (!tool_name_ok(n))
		return bad(why, whylen, "tools[%zu].name: not 1 to %d bytes of "
		    "A-Z a-z 0-9 _ - . /", i, JR_TOOL_NAME_MAX);
	if (json_object_get(seen, json_string_value(n)) != NULL)
		return bad(why, whylen, "tools[%zu].name: listed twice", i);
	if (json_object_set_new(seen, json_string_value(n), json_true()) < 0)
		return bad(why, whylen, "out of memory");
	if (!json_is_object(json_object_get(t, "inputSchema")))
		return bad(why, whylen, "tools[%zu].inputSchema: not an object",
		    i);
	if (!opt(t, "description", JSON_STRING))
		return bad(why, whylen, "tools[%zu].description: not a string",
		    i);
	if (!opt(t, "title", JSON_STRING))
		return bad(why, whylen, "tools[%zu].title: not a string", i);
	if (!opt(t, "annotations", JSON_OBJECT))
		return bad(why, whylen, "tools[%zu].annotations: not an object",
		    i);
	if (!opt(t, "outputSchema", JSON_OBJECT))
		return bad(why, whylen, "tools[%zu].outputSchema: not an "
		    "object", i);
	if (!opt(t, "_meta", JSON_OBJECT))
		return bad(why, whylen, "tools[%zu]._meta: not an object", i);
	return 0;
}

int
jr_tools_page(const json_t *result, json_t **tools, const char **next_cursor,
    char *why, size_t whylen)
{
	json_t *ts, *t, *cur, *seen = NULL;
	size_t i;
	int rc = -1;

	*tools = NULL;
	*next_cursor = NULL;
	if (!json_is_object(result))
		return bad(why, whylen, "result: not an object");
	if (jr_result_type(result) != JR_RT_COMPLETE)
		return bad(why, whylen, "resultType: not \"complete\"");
	ts = json_object_get(result, "tools");
	if (!json_is_array(ts))
		return bad(why, whylen, "tools: not an array");
	cur = json_object_get(result, "nextCursor");
	if (cur != NULL && (!json_is_string(cur) || json_string_length(cur) >
	    JR_CURSOR_MAX))
		return bad(why, whylen, "nextCursor: not a string of at most "
		    "%d bytes", JR_CURSOR_MAX);
	if ((seen = json_object()) == NULL)
		return bad(why, whylen, "out of memory");
	json_array_foreach(ts, i, t)
		if (check_tool(t, i, seen, why, whylen) < 0)
			goto out;
	*tools = ts;
	if (cur != NULL && json_string_length(cur) > 0)
		*next_cursor = json_string_value(cur);
	rc = 0;
out:
	json_decref(seen);
	return rc;
}

int
jr_tool_digest(const json_t *tool, char out_hex[JR_DIGEST_HEX])
{
	static const char *const keys[] = {
		"name", "description", "inputSchema", "annotations",
	};
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dl = 0;
	json_t *o = NULL, *v;
	char *t = NULL;
	size_t i;
	int rc = -1;

	out_hex[0] = '\0';
	if (!json_is_string(json_object_get(tool, "name")) ||
	    !json_is_object(json_object_get(tool, "inputSchema")))
		return -1;
	if ((o = json_object()) == NULL)
		return -1;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if ((v = json_object_get(tool, keys[i])) != NULL &&
		    json_object_set(o, keys[i], v) < 0)
			goto out;
	if ((t = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT)) == NULL)
		goto out;
	if (EVP_Digest(t, strlen(t), d, &dl, EVP_sha256(), NULL) != 1 ||
	    dl != 32)
		goto out;
	hex_encode(d, dl, out_hex);
	rc = 0;
out:
	free(t);
	json_decref(o);
	return rc;
}

/* 1 when o[k] is a string. */
static int
has_str(const json_t *o, const char *k)
{
	return json_is_string(json_object_get(o, k));
}

static int
check_block(const json_t *b, size_t i, char *why, size_t whylen)
{
	const json_t *t = json_object_get(b, "type"), *res;
	const char *ty;

	if (!json_is_object(b))
		return bad(why, whylen, "content[%zu]: not an object", i);
	if (!json_is_string(t) || json_string_length(t) == 0 ||
	    json_string_length(t) > JR_CONTENT_TYPE_MAX)
		return bad(why, whylen, "content[%zu].type: not a string of 1 "
		    "to %d bytes", i, JR_CONTENT_TYPE_MAX);
	if (!opt(b, "annotations", JSON_OBJECT) || !opt(b, "_meta",
	    JSON_OBJECT))
		return bad(why, whylen, "content[%zu]: annotations or _meta "
		    "not an object", i);
	ty = json_string_value(t);
	if (strcmp(ty, "text") == 0 && !has_str(b, "text"))
		return bad(why, whylen, "content[%zu].text: not a string", i);
	if ((strcmp(ty, "image") == 0 || strcmp(ty, "audio") == 0) &&
	    (!has_str(b, "data") || !has_str(b, "mimeType")))
		return bad(why, whylen, "content[%zu]: %s without string data "
		    "and mimeType", i, ty);
	if (strcmp(ty, "resource_link") == 0 && (!has_str(b, "uri") ||
	    !has_str(b, "name")))
		return bad(why, whylen, "content[%zu]: resource_link without "
		    "string uri and name", i);
	if (strcmp(ty, "resource") == 0) {
		res = json_object_get(b, "resource");
		if (!json_is_object(res) || !has_str(res, "uri") ||
		    (!has_str(res, "text") && !has_str(res, "blob")))
			return bad(why, whylen, "content[%zu].resource: not an "
			    "object with a string uri and text or blob", i);
	}
	return 0;
}

/* Append s[0..n) to buf (*o bytes of max used), cut on a UTF-8
 * character boundary. 1 when it all fit. */
static int
append_cut(char *buf, size_t *o, size_t max, const char *s, size_t n)
{
	size_t k = n;

	if (k > max - *o) {
		k = max - *o;
		while (k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
			k--;
	}
	memcpy(buf + *o, s, k);
	*o += k;
	return k == n;
}

/* The text blocks joined with "\n", at most JR_ERROR_TEXT_MAX bytes. */
static char *
error_text(const json_t *content)
{
	char *buf = malloc(JR_ERROR_TEXT_MAX + 1);
	const json_t *b;
	size_t i, o = 0;
	int first = 1;

	if (buf == NULL)
		return NULL;
	json_array_foreach(content, i, b) {
		const json_t *t = json_object_get(b, "text");

		if (strcmp(json_string_value(json_object_get(b, "type")),
		    "text") != 0)
			continue;
		if ((!first && !append_cut(buf, &o, JR_ERROR_TEXT_MAX, "\n",
		    1)) || !append_cut(buf, &o, JR_ERROR_TEXT_MAX,
		    json_string_value(t), json_string_length(t)))
			break;
		first = 0;
	}
	buf[o] = '\0';
	return buf;
}

enum jr_call
jr_call_result(const json_t *result, int *is_error, char **text, char *why,
    size_t whylen)
{
	const json_t *content, *b, *e;
	enum jr_rtype rt;
	size_t i;

	if (is_error)
		*is_error = 0;
	if (text)
		*text = NULL;
	if (!json_is_object(result))
		return bad(why, whylen, "result: not an object");
	if ((rt = jr_result_type(result)) == JR_RT_BAD)
		return bad(why, whylen, "resultType: unknown");
	if (rt == JR_RT_INPUT_REQUIRED) {
		if (!opt(result, "inputRequests", JSON_OBJECT))
			return bad(why, whylen, "inputRequests: not an object");
		if (!opt(result, "requestState", JSON_STRING))
			return bad(why, whylen, "requestState: not a string");
		return JR_CALL_INPUT_REQUIRED;
	}
	content = json_object_get(result, "content");
	if (!json_is_array(content))
		return bad(why, whylen, "content: not an array");
	json_array_foreach(content, i, b)
		if (check_block(b, i, why, whylen) < 0)
			return JR_CALL_BAD;
	if (!opt(result, "structuredContent", JSON_OBJECT))
		return bad(why, whylen, "structuredContent: not an object");
	e = json_object_get(result, "isError");
	if (e != NULL && !json_is_boolean(e))
		return bad(why, whylen, "isError: not a boolean");
	if (json_is_true(e)) {
		if (is_error)
			*is_error = 1;
		if (text && (*text = error_text(content)) == NULL)
			return bad(why, whylen, "out of memory");
	}
	return JR_CALL_OK;
}
