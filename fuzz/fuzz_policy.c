/*
 * fuzz/fuzz_policy.c -- libFuzzer harness for the policy loader and the
 * path functions.
 *
 * Runs in: the fuzzer process only. Privilege: none. The input is both a
 * policy (policy_load_buf) and, when it loads, a source of decisions; the
 * input is also fed to path_normalize and path_glob_match directly.
 * Invariants checked (abort on failure): a normalized path is canonical
 * and idempotent; an allowed fs decision names a valid root that is a
 * prefix of the target; a denied decision names no rule or a deny rule;
 * explain prints the decision decide makes. Examples are checked too.
 * The net.http grants stay within their bounds (zeroed for a rule that
 * is no allow rule of net.http); the credentials' accessors agree with
 * each other and their matches are entries, in file order.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "broker/provider.h"
#include "policy/policy.h"

static const char *const actions[] = {
	"fs.read", "fs.write", "fs.delete", "fs.list", "proc.exec",
	"net.http", "mcp.call", "mcp.list", "llm.chat", "snapshot.rollback",
};

static const char *const targets[] = {
	"/", "/workspace", "/workspace/a.txt", "/workspace/output/x/y",
	"/tmp/a", "/etc/passwd", "https://api.example.com/v1/x",
	"my_server/some_tool", "ls", "", "https://127.0.0.1:8443/x",
	"http://[::1]/health",
};

static void
check_root(const struct policy *p, const struct policy_decision *d,
    const char *action, const char *target)
{
	const char *root;
	size_t n;

	if (!d->allow) {
		if (d->by_deny_rule && d->rule >= 0 &&
		    (size_t)d->rule < policy_nrules(p))
			return;
		if (d->rule != -1 || strcmp(d->rule_id, "default-deny") != 0)
			abort();
		return;
	}
	if (d->rule < 0 || (size_t)d->rule >= policy_nrules(p))
		abort();
	if (!policy_action_is_fs(action))
		return;
	if (d->root < 0 || (root = policy_root(p, d->root)) == NULL)
		abort();
	n = strlen(root);
	if (strcmp(root, "/") != 0 && (strncmp(root, target, n) != 0 ||
	    (target[n] != '\0' && target[n] != '/')))
		abort();
}

static void
decide_all(const struct policy *p, const char *extra)
{
	struct policy_decision d;
	json_t *params;
	size_t a, t;

	params = json_pack("{s:s, s:i, s:b, s:n}", "method", "GET", "n", 3,
	    "follow", 0, "token");
	if (params == NULL)
		return;
	for (a = 0; a < sizeof(actions) / sizeof(actions[0]); a++) {
		for (t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
			policy_decide(p, actions[a], targets[t], params, &d);
			check_root(p, &d, actions[a], targets[t]);
		}
		policy_decide(p, actions[a], extra, params, &d);
		check_root(p, &d, actions[a], extra);
	}
	json_decref(params);
}

static void
check_match(const struct policy *p, const char *target)
{
	size_t idx[POLICY_CRED_ENTRIES_MAX], n, i;

	n = policy_cred_match(p, target, idx, POLICY_CRED_ENTRIES_MAX);
	if (n > policy_ncreds(p))
		abort();
	for (i = 0; i < n; i++)
		if (idx[i] >= policy_ncreds(p) || (i > 0 && idx[i] <= idx[i - 1]))
			abort();
}

/* the net.http grants and the credentials' accessors */
static void
http_creds(const struct policy *p, const char *extra)
{
	const char *names[POLICY_CRED_SOURCES_MAX], *s, *t, *h;
	struct http_grant g;
	size_t i, j, n, ns = policy_cred_nsources(p);

	for (i = 0; i <= policy_nrules(p); i++) {
		if (policy_http_grant(p, (int)i, &g) == 0) {
			if (g.timeout_max < 1 ||
			    g.timeout_max > POLICY_HTTP_TIMEOUT_MAX ||
			    g.follow_max > POLICY_HTTP_FOLLOW_MAX ||
			    g.max_bytes < 1 ||
			    g.max_bytes > POLICY_HTTP_MAX_BYTES_MAX)
				abort();
		} else if (g.timeout_max != 0 || g.follow_max != 0 ||
		    g.max_bytes != 0 || g.host_named)
			abort();
	}
	if (ns > POLICY_CRED_SOURCES_MAX || policy_cred_source(p, ns) != NULL ||
	    policy_ncreds(p) > POLICY_CRED_ENTRIES_MAX)
		abort();
	for (i = 0; i < ns; i++)
		if ((s = policy_cred_source(p, i)) == NULL ||
		    (strncmp(s, "ENV:", 4) != 0 && strncmp(s, "FILE:/", 6) != 0))
			abort();
	for (i = 0; i < policy_ncreds(p); i++) {
		n = policy_cred_nheaders(p, i);
		if (n < 1 || n > POLICY_CRED_HEADERS_MAX ||
		    policy_cred_header(p, i, n, &t) != NULL || t != NULL ||
		    policy_cred_id(p, i) == NULL)
			abort();
		for (j = 0; j < n; j++)
			if ((h = policy_cred_header(p, i, j, &t)) == NULL ||
			    t == NULL || strlen(h) > POLICY_CRED_NAME_MAX ||
			    strlen(t) > POLICY_CRED_TEMPLATE_MAX ||
			    strpbrk(t, "\r\n") != NULL)
				abort();
		n = policy_cred_names(p, i, names, POLICY_CRED_SOURCES_MAX);
		if (n > ns)
			abort();
		for (j = 0; j < n; j++)
			if (names[j] == NULL || names[j][0] == '\0')
				abort();
	}
	if (policy_cred_nheaders(p, policy_ncreds(p)) != 0 ||
	    policy_cred_id(p, policy_ncreds(p)) != NULL)
		abort();
	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
		check_match(p, targets[i]);
	check_match(p, extra);
}

/* explain must agree with decide on the decision it prints */
static void
explain_one(const struct policy *p, const char *extra)
{
	struct policy_decision d;
	json_t *params;
	char *text;
	size_t a;

	for (a = 0; a < sizeof(actions) / sizeof(actions[0]); a++) {
		/* each action's own params: a closed row takes no other key */
		if ((params = json_object()) == NULL)
			return;
		if (provider_prepare(actions[a], params, NULL, 0) != 0)
			abort();
		policy_decide(p, actions[a], extra, params, &d);
		text = policy_explain(p, actions[a], extra, params);
		json_decref(params);
		if (text == NULL)
			continue;
		if (strstr(text, d.allow ? "decision: ALLOWED\n" :
		    "decision: DENIED\n") == NULL)
			abort();
		free(text);
	}
}

static void
paths(const char *s, size_t len)
{
	char out[POLICY_PATH_MAX], again[POLICY_PATH_MAX];
	const char *nl;

	if (path_normalize(s, len, out, sizeof(out)) == 0) {
		if (path_normalize(out, strlen(out), again, sizeof(again)) != 0 ||
		    strcmp(out, again) != 0)
			abort();
		(void)path_glob_match(out, out);
		(void)path_glob_match("/workspace/**", out);
		(void)path_glob_match("/a/**/b/*/c?", out);
	}
	/* first line is a pattern, the rest a path */
	if ((nl = memchr(s, '\n', len)) != NULL) {
		char *pat = strndup(s, nl - s);

		if (pat != NULL)
			(void)path_glob_match(pat, nl + 1);
		free(pat);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy *p;
	struct policy_err err;
	char *s;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (policy_load_buf(s, size, "fuzz.yaml", &p, &err) == 0) {
		decide_all(p, s);
		(void)policy_check_examples(p, provider_prepare, NULL, NULL);
		explain_one(p, s);
		http_creds(p, s);
		policy_free(p);
	} else if (err.line < 1 || err.col < 1 || err.msg[0] == '\0')
		abort();
	paths(s, size);
	free(s);
	return 0;
}
