/*
 * broker/providers.c -- the provider table: every action the policy
 * knows, its worker, its params (type, bound, default, values) and its
 * hooks; and the checks that read it. A new provider is its row made
 * closed, with a worker (common/roles.h), messages (common/wire.h) and
 * hooks (broker/prov_NAME.c).
 *
 * Runs in: the broker (confined), and its --check/--explain modes.
 * Privilege: none. Pure: no I/O, no exit(); fuzzed by fuzz_request.
 * Input: the agent's params (untrusted), already a JSON object.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/provider.h"
#include "common/b64.h"
#include "common/jsonesc.h"
#include "common/llm/chat.h"
#include "policy/internal.h"
#include "snapshot/snap.h"

/* ---- the schemas -------------------------------------------------------- */

static const char *const encodings[] = { "utf-8", "base64", NULL };

static const struct param_def p_read[] = {
	{ "encoding", PT_STRING, false, 16, encodings, "\"utf-8\"" },
	{ NULL, 0, false, 0, NULL, NULL },
};
static const struct param_def p_write[] = {
	{ "content", PT_STRING, true, 0, NULL, NULL },
	{ "encoding", PT_STRING, false, 16, encodings, "\"utf-8\"" },
	{ NULL, 0, false, 0, NULL, NULL },
};
static const struct param_def p_none[] = {
	{ NULL, 0, false, 0, NULL, NULL },
};
static const struct param_def p_http[] = {
	{ "method", PT_STRING, false, 32, NULL, "\"GET\"" },
	{ "headers", PT_OBJECT, false, 0, NULL, NULL },
	{ "body", PT_TEXT_OR_JSON, false, 0, NULL, NULL },
	{ "timeout", PT_NUMBER, false, 0, NULL, "30" },
	{ "max_bytes", PT_INT, false, 0, NULL, NULL },
	{ "follow_redirects", PT_INT, false, 0, NULL, "0" },
	{ NULL, 0, false, 0, NULL, NULL },
};
static const struct param_def p_exec[] = {
	{ "args", PT_STRLIST, false, PROC_ARGS_MAX, NULL, "[]" },
	{ "cwd", PT_STRING, false, PROC_CWD_MAX, NULL, NULL },
	{ "env", PT_OBJECT, false, 0, NULL, NULL },
	{ "stdin", PT_STRING, false, 0, NULL, NULL },
	{ "timeout", PT_NUMBER, false, 0, NULL, "30" },
	{ "max_output", PT_INT, false, 0, NULL, "1048576" },
	{ NULL, 0, false, 0, NULL, NULL },
};
static const struct param_def p_rollback[] = {
	{ "force", PT_BOOL, false, 0, NULL, "false" },
	{ NULL, 0, false, 0, NULL, NULL },
};
static const struct param_def p_chat[] = {
	{ "messages", PT_LIST, true, LLM_MESSAGES_MAX, NULL, NULL },
	{ "tools", PT_LIST, false, LLM_TOOLS_MAX, NULL, NULL },
	{ "max_tokens", PT_INT, false, 0, NULL, NULL },
	{ "temperature", PT_NUMBER, false, 0, NULL, NULL },
	{ "timeout", PT_NUMBER, false, 0, NULL, "120" },
	{ NULL, 0, false, 0, NULL, NULL },
};

/* ---- canonical forms ---------------------------------------------------- */

static int
setwhy(char *why, size_t whylen, const char *s)
{
	snprintf(why, whylen, "%s", s);
	return -1;
}

/* fs.write: constraints see the decoded content (policy/cons.c); text
 * that does not decode is never decided. */
static int
canon_write(json_t *params, char *why, size_t whylen)
{
	const json_t *enc = json_object_get(params, "encoding");
	const json_t *c = json_object_get(params, "content");
	unsigned char *out;
	size_t n;
	int rc;

	if (!json_is_string(enc) || strcmp(json_string_value(enc),
	    "base64") != 0 || !json_is_string(c))
		return 0;
	n = json_string_length(c);
	if ((out = malloc(B64_DECODED_MAX(n) + 1)) == NULL)
		return setwhy(why, whylen, "out of memory");
	rc = b64_decode(json_string_value(c), n, out, &n);
	free(out);
	return rc < 0 ? setwhy(why, whylen, "params.content is not valid "
	    "base64") : 0;
}

/* snapshot.rollback: the target is a record id, exactly (a lower-case
 * UUID); anything else is refused before any lookup. */
static int
target_record_id(const char *target, size_t len, char *why, size_t whylen)
{
	if (len == FS_ID_LEN && strlen(target) == len && snap_id_ok(target))
		return 0;
	return setwhy(why, whylen, "target is not a record id (a lower-case "
	    "UUID, as an answer's record_id)");
}

/* ---- the table ---------------------------------------------------------- */

#define FS_ROW(act, schema, canon, small, snap)				\
	{ act, ROLE_WORKER_FS, true, true, schema, canon,		\
	    WIRE_FS_REQ, WIRE_FS_RESP, WIRE_NONE, WIRE_NONE, fs_encode,	\
	    fs_result, WIRE_NONE, WIRE_NONE, NULL, NULL, NULL, small,	\
	    snap, NULL, false }
#define NONE_ROW(act, schema, canon)					\
	{ act, ROLE_NONE, false, false, schema, canon,			\
	    WIRE_NONE, WIRE_NONE, WIRE_NONE, WIRE_NONE, NULL, NULL,	\
	    WIRE_NONE, WIRE_NONE, NULL, NULL, NULL, 0, false, NULL, false }

/* One row per action of the policy (policy_actions[], same order). */
const struct provider providers[] = {
	FS_ROW("fs.read", p_read, NULL, 0, false),
	FS_ROW("fs.write", p_write, canon_write, FS_SMALL_DATA_MAX, true),
	FS_ROW("fs.delete", p_none, NULL, FS_SMALL_DATA_MAX, true),
	FS_ROW("fs.list", p_none, NULL, 0, false),
	{ "proc.exec", ROLE_WORKER_PROC, false, true, p_exec, proc_canon,
	    WIRE_PROC_REQ, WIRE_PROC_RESP, WIRE_PROC_RESOLVE,
	    WIRE_PROC_RESOLVED, proc_encode, proc_result, WIRE_NONE,
	    WIRE_NONE, NULL, NULL, proc_network, 0, false, NULL, false },
	{ "net.http", ROLE_WORKER_HTTP, false, true, p_http, http_canon,
	    WIRE_HTTP_REQ, WIRE_HTTP_RESP, WIRE_NONE, WIRE_NONE, http_encode,
	    http_result, WIRE_HTTP_HOP, WIRE_HTTP_HOP_ANSWER, http_hop,
	    http_cred_names, NULL, 0, false, NULL, false },
	{ "mcp.call", ROLE_WORKER_MCP, false, false, p_none, NULL,
	    WIRE_MCP_REQ, WIRE_MCP_RESP, WIRE_NONE, WIRE_NONE, mcp_encode,
	    mcp_result, WIRE_NONE, WIRE_NONE, NULL, NULL, mcp_network, 0,
	    false, NULL, false },
	{ "mcp.list", ROLE_WORKER_MCP, false, true, p_none, NULL,
	    WIRE_MCP_REQ, WIRE_MCP_RESP, WIRE_NONE, WIRE_NONE, mcp_encode,
	    mcp_result, WIRE_NONE, WIRE_NONE, NULL, NULL, mcp_network, 0,
	    false, NULL, false },
	{ "llm.chat", ROLE_WORKER_LLM, false, true, p_chat, llm_canon,
	    WIRE_LLM_REQ, WIRE_LLM_RESP, WIRE_NONE, WIRE_NONE, llm_encode,
	    llm_result, WIRE_NONE, WIRE_NONE, NULL, NULL, NULL, 0, false,
	    llm_target_check, true },
	{ "snapshot.rollback", ROLE_WORKER_FS, false, true, p_rollback, NULL,
	    WIRE_FS_REQ, WIRE_FS_RESP, WIRE_NONE, WIRE_NONE, fs_encode,
	    fs_result, WIRE_NONE, WIRE_NONE, NULL, NULL, NULL, 0, false,
	    target_record_id, false },
};
const size_t nproviders = sizeof(providers) / sizeof(providers[0]);

_Static_assert(sizeof(providers) / sizeof(providers[0]) == NACTIONS,
    "a provider row for every action of the policy");

const struct provider *
provider_of(const char *action)
{
	size_t i;

	for (i = 0; action != NULL && i < nproviders; i++)
		if (strcmp(providers[i].action, action) == 0)
			return &providers[i];
	return NULL;
}

bool
provider_worker_wanted(const struct policy *p, enum role r)
{
	size_t i;

	for (i = 0; i < nproviders; i++)
		if (providers[i].worker == r &&
		    policy_allows_action(p, providers[i].action))
			return true;
	return false;
}

bool
provider_worker_network(const struct policy *p, enum role r)
{
	size_t i;

	for (i = 0; i < nproviders; i++)
		if (providers[i].worker == r && providers[i].network != NULL &&
		    providers[i].network(p))
			return true;
	return false;
}

/* ---- the checks --------------------------------------------------------- */

static const char *const type_names[] = {
	[PT_STRING] = "a string", [PT_INT] = "an integer",
	[PT_NUMBER] = "a number", [PT_BOOL] = "a boolean",
	[PT_STRLIST] = "a list of strings", [PT_OBJECT] = "an object",
	[PT_TEXT_OR_JSON] = "a string, an object or a list",
	[PT_LIST] = "a list",
};

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
	case PT_TEXT_OR_JSON:
		return json_is_string(v) || json_is_object(v) ||
		    json_is_array(v);
	case PT_LIST:
		return json_is_array(v);
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

static int
type_error(const struct param_def *d, char *why, size_t whylen)
{
	snprintf(why, whylen, "params.%s must be %s", d->name,
	    type_names[d->type]);
	return -1;
}

/* Types and bounds of the keys present; unknown keys of a closed row. */
static int
check_types(const struct provider *a, const json_t *params, char *why,
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
		if (!type_ok(v, d->type))
			return type_error(d, why, whylen);
		n = d->type == PT_STRING ? json_string_length(v) :
		    d->type == PT_STRLIST || d->type == PT_LIST ?
		    json_array_size(v) : 0;
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
check_provider(const struct provider *a, const json_t *params, char *why,
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
			return type_error(d, why, whylen);
		}
		if (!type_ok(v, d->type))	/* the types stage ran */
			return type_error(d, why, whylen);
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

int
provider_check_params(const char *action, const json_t *params,
    enum params_stage stage, char *why, size_t whylen)
{
	const struct provider *a;

	if (!json_is_object(params))
		return setwhy(why, whylen, "params must be an object");
	/* an unknown action is denied, whatever its params */
	if ((a = provider_of(action)) == NULL)
		return 0;
	if (stage == PARAMS_TYPES)
		return check_types(a, params, why, whylen);
	return check_provider(a, params, why, whylen);
}

/* A default's JSON text as a value: a string, an integer, a boolean or
 * []. */
static json_t *
dflt_value(const char *t)
{
	size_t n = strlen(t);

	if (strcmp(t, "false") == 0 || strcmp(t, "true") == 0)
		return json_boolean(t[0] == 't');
	if (n >= 2 && t[0] == '"')
		return json_stringn(t + 1, n - 2);
	if (strcmp(t, "[]") == 0)
		return json_array();
	return json_integer(strtoll(t, NULL, 10));
}

int
provider_prepare(const char *action, json_t *params, char *why,
    size_t whylen)
{
	const struct provider *a;
	const struct param_def *d;
	json_t *v;

	if (provider_check_params(action, params, PARAMS_TYPES, why,
	    whylen) < 0)
		return -1;
	if ((a = provider_of(action)) == NULL)
		return 0;
	for (d = a->params; d->name != NULL; d++) {
		if (d->dflt == NULL || json_object_get(params, d->name) != NULL)
			continue;
		v = dflt_value(d->dflt);
		if (v == NULL || json_object_set_new(params, d->name, v) < 0)
			return setwhy(why, whylen, "out of memory");
	}
	return a->canon != NULL ? a->canon(params, why, whylen) : 0;
}

const char *
provider_text(const char *raw, size_t len, struct growbuf *esc, size_t *dlen,
    const char **err, const char *const why[2])
{
	size_t need;
	char *nb;

	/* Text carries no NUL on the agent channel, either way
	 * (docs/PROTOCOL.md §1). */
	if (memchr(raw, '\0', len) != NULL) {
		*err = why[0];
		return NULL;
	}
	/* validated and escaped in one pass into the reused buffer */
	need = JSON_ESCAPE_MAX(len);
	if (need > esc->cap) {
		if ((nb = realloc(esc->buf, need)) == NULL) {
			*err = "out of memory";
			return NULL;
		}
		esc->buf = nb;
		esc->cap = need;
	}
	if ((*dlen = json_escape(esc->buf, raw, len)) == 0) {
		*err = why[1];
		return NULL;
	}
	return esc->buf;
}

int
provider_object_result(uint32_t kind, const char *raw, size_t len,
    const char **data, size_t *dlen, const char **err)
{
	json_t *r;

	*data = NULL;
	if (kind == REPLY_ERROR || kind == REPLY_DENIED) {
		if (len == 0)
			return -1;
		*err = raw;
		return kind == REPLY_DENIED ? 1 : 0;
	}
	if (kind != REPLY_JSON ||
	    (r = json_loadb(raw, len, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return -1;
	if (!json_is_object(r)) {
		json_decref(r);
		return -1;
	}
	json_decref(r);
	*data = raw;
	*dlen = len;
	return 0;
}
