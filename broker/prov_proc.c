/*
 * broker/prov_proc.c -- the proc provider's hooks: proc.exec's params in
 * their canonical form (before the decision: constraints see them), an
 * allowed request as the proc worker's PROC_REQ (the program as decided,
 * the argv, the environment the rule grants, the timeout capped by the
 * rule), and its PROC_RESP as the agent's data.
 *
 * Runs in: the broker (confined). Privilege: none. Pure. Input: the
 * agent's params (typed by the table) and the proc worker's answer (a
 * confined peer's bytes: parsed and checked here before they reach the
 * agent).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/provider.h"
#include "common/fsrights.h"

_Static_assert(sizeof(struct proc_req) <= FWD_HDR_MAX &&
    _Alignof(struct proc_req) <= 8, "the proc header fits struct fwd");

size_t proc_data_max = AGENT_MSG_MAX - 16 * 1024;

/* What every command's environment holds (docs/POLICY.md §5). */
static const char *const env_fixed[] = {
	"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", "HOME=/tmp",
};

static int
setwhy(char *why, size_t whylen, const char *msg)
{
	snprintf(why, whylen, "%s", msg);
	return -1;
}

static int
env_name_ok(const char *k)
{
	size_t i;

	if (k[0] == '\0' || strlen(k) > 128 || (k[0] >= '0' && k[0] <= '9'))
		return 0;
	for (i = 0; k[i]; i++)
		if (!(k[i] == '_' || (k[i] >= 'A' && k[i] <= 'Z') ||
		    (k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9')))
			return 0;
	return 1;
}

/* Text that becomes a C string in the worker: no NUL inside. */
static int
no_nul(const json_t *v)
{
	return memchr(json_string_value(v), '\0', json_string_length(v)) ==
	    NULL;
}

int
proc_canon(json_t *params, char *why, size_t whylen)
{
	json_t *v, *e;
	const char *k;
	char norm[PROC_CWD_MAX + 1];
	double t;
	size_t i;

	v = json_object_get(params, "args");
	json_array_foreach(v, i, e)
		if (!no_nul(e)) {
			snprintf(why, whylen, "params.args[%zu] holds a NUL "
			    "byte", i);
			return -1;
		}
	if ((v = json_object_get(params, "env")) != NULL) {
		if (json_object_size(v) > PROC_ENV_MAX)
			return setwhy(why, whylen, "params.env has more than "
			    "64 names");
		json_object_foreach(v, k, e) {
			if (!env_name_ok(k))
				return setwhy(why, whylen, "params.env: a name "
				    "must be letters, digits and _, not "
				    "starting with a digit");
			if (!json_is_string(e) || !no_nul(e))
				return setwhy(why, whylen, "params.env: each "
				    "value must be a string without NUL");
		}
	}
	if ((v = json_object_get(params, "cwd")) != NULL) {
		/* the directory the worker will chdir to, normalized: the
		 * form constraints match and the root check sees */
		if (!no_nul(v) || path_normalize(json_string_value(v),
		    json_string_length(v), norm, sizeof(norm)) < 0)
			return setwhy(why, whylen, "params.cwd must be an "
			    "absolute path");
		if (json_string_set(v, norm) < 0)
			return setwhy(why, whylen, "out of memory");
	}
	t = json_number_value(json_object_get(params, "timeout"));
	if (!(t > 0) || !isfinite(t))
		return setwhy(why, whylen, "params.timeout must be a positive "
		    "number of seconds");
	v = json_object_get(params, "max_output");
	if (v != NULL && (json_integer_value(v) < 1 ||
	    json_integer_value(v) > PROC_OUTPUT_MAX))
		return setwhy(why, whylen, "params.max_output must be 1 to "
		    "1048576 bytes");
	return 0;
}

bool
proc_network(const struct policy *p)
{
	struct proc_grant g;
	size_t i;

	for (i = 0; i < policy_nrules(p); i++)
		if (policy_proc_grant(p, (int)i, &g) == 0 && g.network)
			return true;
	return false;
}

/* Beneath an fs root the policy lets the agent read: a command's cwd
 * shows nothing fs.read would not. */
static int
cwd_readable(const struct policy *p, const char *cwd)
{
	const char *r;
	size_t i, n;

	for (i = 0; i < policy_nroots(p); i++) {
		if (!(policy_root_actions(p, i) & FS_RIGHT_READ))
			continue;
		r = policy_root(p, i);
		n = strlen(r);
		if (strcmp(r, "/") == 0 || (strncmp(r, cwd, n) == 0 &&
		    (cwd[n] == '\0' || cwd[n] == '/')))
			return 1;
	}
	return 0;
}

/* Whether params.env sets the name of "NAME=value". */
static int
env_set(const json_t *env, const char *fixed)
{
	char name[16];
	size_t n = strcspn(fixed, "=");

	if (env == NULL || n >= sizeof(name))
		return 0;
	memcpy(name, fixed, n);
	name[n] = '\0';
	return json_object_get(env, name) != NULL;
}

/* A string and its NUL into the buffer at *o. */
static void
put(char *buf, size_t *o, const char *s, size_t n)
{
	memcpy(buf + *o, s, n);
	buf[*o + n] = '\0';
	*o += n + 1;
}

int
proc_encode(struct fwd *f, const struct policy *p, const char *action,
    json_t *params, const char *target, const struct policy_decision *d,
    const char **err)
{
	struct proc_req *pr = (struct proc_req *)(void *)f->hdr;
	const json_t *args = json_object_get(params, "args");
	const json_t *env = json_object_get(params, "env");
	const json_t *cwd = json_object_get(params, "cwd");
	const json_t *in = json_object_get(params, "stdin");
	const json_t *mo = json_object_get(params, "max_output");
	const json_t *e;
	struct proc_grant g;
	const char *k;
	size_t i, len, o = 0;
	double t;
	char *buf;

	(void)action;
	if (target[0] != '/' || policy_proc_grant(p, d->rule, &g) < 0) {
		*err = "internal error: a proc.exec not decided by an allow "
		    "rule on an absolute program";
		return -1;
	}
	if (cwd != NULL && !cwd_readable(p, json_string_value(cwd))) {
		*err = "params.cwd is not beneath an fs root the policy lets "
		    "the agent read";
		return -1;
	}
	memset(pr, 0, sizeof(*pr));
	/* sizes first (every string was bounded by the table) */
	len = strlen(target) + 1 + (cwd ? json_string_length(cwd) : 0) + 1 +
	    strlen(target) + 1;
	json_array_foreach(args, i, e)
		len += json_string_length(e) + 1;
	for (i = 0; i < sizeof(env_fixed) / sizeof(env_fixed[0]); i++)
		len += strlen(env_fixed[i]) + 1;
	json_object_foreach((json_t *)env, k, e)
		len += strlen(k) + 1 + json_string_length(e) + 1;
	if (len > WIRE_PAYLOAD_MAX) {
		*err = "request too large";
		return -1;
	}
	if ((buf = malloc(len)) == NULL) {
		*err = "out of memory";
		return -1;
	}
	put(buf, &o, target, strlen(target));
	put(buf, &o, cwd ? json_string_value(cwd) : "", cwd ?
	    json_string_length(cwd) : 0);
	/* argv[0]: the program as decided; then the agent's, literally */
	put(buf, &o, target, strlen(target));
	json_array_foreach(args, i, e)
		put(buf, &o, json_string_value(e), json_string_length(e));
	pr->argc = (uint32_t)json_array_size(args) + 1;
	/* the fixed three, but a name the rule grants and the agent set
	 * (its value comes after); each name once */
	for (i = 0; i < sizeof(env_fixed) / sizeof(env_fixed[0]); i++)
		if (!env_set(env, env_fixed[i])) {
			put(buf, &o, env_fixed[i], strlen(env_fixed[i]));
			pr->envc++;
		}
	json_object_foreach((json_t *)env, k, e) {
		memcpy(buf + o, k, strlen(k));
		o += strlen(k);
		buf[o++] = '=';
		put(buf, &o, json_string_value(e), json_string_length(e));
		pr->envc++;
	}
	t = json_number_value(json_object_get(params, "timeout"));
	if (t > g.timeout_max)
		t = g.timeout_max;
	pr->timeout_ms = (uint32_t)(t * 1000.0) > 0 ? (uint32_t)(t * 1000.0) :
	    1;
	pr->max_output = mo ? (uint32_t)json_integer_value(mo) :
	    PROC_OUTPUT_MAX;
	pr->flags = g.network ? PROC_F_NETWORK : 0;
	/* its timeout, then the kill and the last of its output */
	f->run_ms = pr->timeout_ms + 2000;
	pr->strs_len = (uint32_t)o;
	pr->stdin_len = in ? (uint32_t)json_string_length(in) : 0;
	pr->data_max = (uint32_t)proc_data_max;
	f->owned = buf;
	f->iov[0].iov_base = pr;
	f->iov[0].iov_len = sizeof(*pr);
	f->iov[1].iov_base = buf;
	f->iov[1].iov_len = o;
	f->iov[2].iov_base = in ? (void *)json_string_value(in) : NULL;
	f->iov[2].iov_len = pr->stdin_len;
	f->iovcnt = 3;
	return 0;
}

/* The keys of a result, each of its type: a worker that answers
 * anything else broke the protocol. */
static int
result_ok(json_t *r)
{
	static const char *const keys[] = { "returncode", "stdout", "stderr",
	    "stdout_encoding", "stderr_encoding", "timed_out", "truncated",
	    NULL };
	size_t i;

	if (!json_is_object(r) || !json_is_integer(json_object_get(r,
	    "returncode")) || !json_is_boolean(json_object_get(r,
	    "timed_out")) || !json_is_boolean(json_object_get(r, "truncated")))
		return 0;
	for (i = 1; i < 5; i++)
		if (!json_is_string(json_object_get(r, keys[i])))
			return 0;
	return json_object_size(r) == 7 || (json_object_size(r) == 8 &&
	    json_is_integer(json_object_get(r, "signal")));
}

int
proc_result(const struct provider *pv, uint32_t kind, const char *raw,
    size_t len, struct growbuf *esc, const char **data, size_t *dlen,
    const char **err)
{
	static char msg[96];
	json_t *r;
	long long sig;

	(void)pv;
	(void)esc;
	*data = NULL;
	if (kind == REPLY_ERROR) {
		*err = raw;
		return 0;
	}
	if (kind != REPLY_JSON ||
	    (r = json_loadb(raw, len, 0, NULL)) == NULL)
		return -1;
	if (!result_ok(r)) {
		json_decref(r);
		return -1;
	}
	/* a non-zero exit is OK with its code (the Python project's way);
	 * a timeout or a signal is ERROR with the output so far */
	sig = json_integer_value(json_object_get(r, "signal"));
	if (json_is_true(json_object_get(r, "timed_out")))
		*err = "timed out: the command and everything it started "
		    "were killed";
	else if (sig > 0) {
		snprintf(msg, sizeof(msg), "killed by signal %lld", sig);
		*err = msg;
	}
	json_decref(r);
	*data = raw;
	*dlen = len;
	return 0;
}
