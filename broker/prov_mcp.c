/*
 * broker/prov_mcp.c -- the mcp provider's hooks: an allowed mcp.call
 * ("server/tool", params the tool's arguments) or mcp.list ("server") as
 * the mcp worker's MCP_REQ (the server as the policy declares it, the
 * tool, the arguments, the server's timeout), and its MCP_RESP as the
 * agent's data.
 *
 * Runs in: the broker (confined). Privilege: none. Pure. Input: the
 * agent's params (a JSON object, any keys: the tool's schema is the
 * server's, checked by the worker) and the mcp worker's answer (a
 * confined peer's bytes: parsed and checked here before they reach the
 * agent).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/provider.h"

_Static_assert(sizeof(struct mcp_req) <= FWD_HDR_MAX &&
    _Alignof(struct mcp_req) <= 8, "the mcp header fits struct fwd");

size_t mcp_data_max = AGENT_MSG_MAX - 16 * 1024;

static json_t *
strlist(const char *const *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < n; i++)
		if (json_array_append_new(a, json_string(v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* The server as the policy declares it (struct mcp_req's "server"). */
static json_t *
server_json(const struct policy_mcp *m)
{
	json_t *env = json_object(), *s;
	size_t i;

	for (i = 0; env != NULL && i < m->nenv; i++)
		if (json_object_set_new(env, m->env_names[i],
		    json_string(m->env_tmpls[i])) < 0) {
			json_decref(env);
			return NULL;
		}
	s = json_pack("{s:s, s:o*, s:o*, s:o*, s:o*, s:b, s:s}", "name",
	    m->name, "argv", strlist(m->argv, m->argc), "ro",
	    strlist(m->ro, m->nro), "roots", strlist(m->roots, m->nroots),
	    "env", env, "network", m->network, "id", m->id ? m->id : "?");
	return s;
}

/* The server part of a target: "files" of "files/read_file", or all. */
static int
server_of(const struct policy *p, const char *target, int call,
    struct policy_mcp *m)
{
	char name[POLICY_MCP_NAME_MAX + 1];
	const char *sl = strchr(target, '/');
	size_t n = call && sl != NULL ? (size_t)(sl - target) : strlen(target);
	int i;

	if ((call && (sl == NULL || sl[1] == '\0')) || n == 0 ||
	    n >= sizeof(name))
		return -1;
	memcpy(name, target, n);
	name[n] = '\0';
	if ((i = policy_mcp_find(p, name)) < 0)
		return -1;
	return policy_mcp_server(p, (size_t)i, m);
}

int
mcp_encode(struct fwd *f, const struct policy *p, const char *action,
    json_t *params, const char *target, const struct policy_decision *d,
    const char **err)
{
	struct mcp_req *mr = (struct mcp_req *)(void *)f->hdr;
	int call = strcmp(action, "mcp.call") == 0;
	struct policy_mcp m;
	json_t *o;
	char *text;

	(void)d;
	if (server_of(p, target, call, &m) < 0) {
		*err = call ? "no such server: the policy's mcp_servers does not "
		    "declare the server of this \"server/tool\"" : "no such "
		    "server: the policy's mcp_servers does not declare it";
		return -1;
	}
	o = json_pack("{s:o*}", "server", server_json(&m));
	if (o != NULL && call && json_object_set_new(o, "tool",
	    json_string(strchr(target, '/') + 1)) < 0)
		json_object_clear(o);
	if (o != NULL && call && json_object_set(o, "arguments", params) < 0)
		json_object_clear(o);
	text = o != NULL && json_object_size(o) == (call ? 3u : 1u) ?
	    json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (text == NULL) {
		*err = "out of memory";
		return -1;
	}
	if (strlen(text) > WIRE_PAYLOAD_MAX - sizeof(*mr)) {
		free(text);
		*err = "request too large";
		return -1;
	}
	memset(mr, 0, sizeof(*mr));
	mr->op = call ? MCP_OP_CALL : MCP_OP_LIST;
	mr->timeout_ms = m.timeout_s * 1000u;
	mr->data_max = (uint32_t)mcp_data_max;
	mr->json_len = (uint32_t)strlen(text);
	/* a server's start and handshake, then the call: each read has the
	 * server's deadline; then the stop of a server that hung */
	f->run_ms = 3 * mr->timeout_ms + 5000;
	f->owned = text;
	f->iov[0].iov_base = mr;
	f->iov[0].iov_len = sizeof(*mr);
	f->iov[1].iov_base = text;
	f->iov[1].iov_len = mr->json_len;
	f->iovcnt = 2;
	return 0;
}

/* An OK answer is a JSON object (the worker built it from what the
 * server said, checked there). */
int
mcp_result(const struct provider *pv, uint32_t kind, const char *raw,
    size_t len, struct growbuf *esc, const char **data, size_t *dlen,
    const char **err)
{
	(void)pv;
	(void)esc;
	return provider_object_result(kind, raw, len, data, dlen, err);
}

bool
mcp_network(const struct policy *p)
{
	struct policy_mcp m;
	size_t i;

	for (i = 0; i < policy_nmcp(p); i++)
		if (policy_mcp_server(p, i, &m) == 0 && m.network)
			return true;
	return false;
}
