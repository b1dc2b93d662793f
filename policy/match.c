/*
 * policy/match.c -- does one rule match one request? Resources by kind
 * (paths, URLs, programs and argv, MCP tools, plain globs), then the
 * constraints. Each matcher can say why it did not match (for explain);
 * the deciding path passes why = NULL and allocates nothing.
 *
 * Runs in: the broker (confined) and in its --check / --explain modes.
 * Privilege: none. No I/O, no exit().
 */
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "policy/internal.h"

/* why = prefix + quoted arg + suffix (arg may be NULL). */
static void
say(char *why, size_t whylen, const char *prefix, const char *arg,
    const char *suffix)
{
	char q[96];

	if (why == NULL)
		return;
	if (arg != NULL)
		policy_quote(arg, strlen(arg), q, sizeof(q));
	snprintf(why, whylen, "%s%s%s", prefix, arg ? q : "", suffix);
}

/* ---- targets ------------------------------------------------------------ */

bool
prog_target_ok(const char *s, const char **bad)
{
	size_t i, len = strlen(s);

	if (len == 0 || len >= POLICY_PATH_MAX) {
		*bad = "program is empty or too long";
		return false;
	}
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			*bad = "control character in the program name";
			return false;
		}
	if (s[0] == '/') {
		if (!path_is_canonical(s) || len == 1) {
			*bad = "program path is not normalized";
			return false;
		}
		return true;
	}
	if (strchr(s, '/') != NULL || strcmp(s, ".") == 0 ||
	    strcmp(s, "..") == 0) {
		*bad = "a program is an absolute path or a bare name";
		return false;
	}
	return true;
}

void
target_prepare(struct target *t, int action, const char *raw)
{
	const char *sl;
	size_t len;

	t->action = action;
	t->raw = raw;
	t->ok = false;
	t->bad = NULL;
	switch (action) {
	case ACT_FS_READ:
	case ACT_FS_WRITE:
	case ACT_FS_DELETE:
	case ACT_FS_LIST:
		if (!path_is_canonical(raw))
			t->bad = "not an absolute, normalized path";
		else
			t->ok = true;
		return;
	case ACT_NET_HTTP:
		t->ok = url_parse(raw, &t->url, &t->bad) == 0;
		return;
	case ACT_PROC_EXEC:
		t->ok = prog_target_ok(raw, &t->bad);
		return;
	case ACT_MCP_CALL:
		len = strlen(raw);
		sl = strchr(raw, '/');
		if (sl == NULL || sl == raw || sl[1] == '\0' ||
		    len >= sizeof(t->mcpbuf)) {
			t->bad = "not \"server/tool\"";
			return;
		}
		memcpy(t->mcpbuf, raw, len + 1);
		t->mcpbuf[sl - raw] = '\0';
		t->server = t->mcpbuf;
		t->tool = t->mcpbuf + (sl - raw) + 1;
		t->ok = true;
		return;
	default:
		t->ok = true;
		return;
	}
}

/* ---- programs ------------------------------------------------------------ */

static const char *const exec_dirs[] = { "/usr/local/bin/", "/usr/bin/",
    "/bin/" };

/* The name of a program in the fixed PATH: "rm" for "rm" or "/bin/rm";
 * NULL for a path elsewhere. */
static const char *
path_name(const char *p)
{
	size_t i, dl;

	if (p[0] != '/')
		return p;
	for (i = 0; i < sizeof(exec_dirs) / sizeof(exec_dirs[0]); i++) {
		dl = strlen(exec_dirs[i]);
		if (strncmp(p, exec_dirs[i], dl) == 0 && p[dl] != '\0' &&
		    strchr(p + dl, '/') == NULL)
			return p + dl;
	}
	return NULL;
}

static bool
prog_matches(const struct prog_pat *pp, const char *target, bool deny,
    char *why, size_t whylen)
{
	const char *tn, *pn;

	if (pp->any || strcmp(pp->prog, target) == 0)
		return true;
	tn = path_name(target);
	pn = path_name(pp->prog);
	/* a bare name also names that program in the fixed PATH */
	if (pp->bare && target[0] == '/' && tn != NULL &&
	    strcmp(tn, pp->prog) == 0)
		return true;
	/* a deny of /usr/bin/rm also denies "rm" and /bin/rm: the same
	 * program by another of its names in the fixed PATH */
	if (deny && !pp->bare && tn != NULL && pn != NULL &&
	    strcmp(tn, pn) == 0)
		return true;
	say(why, whylen, "program ", target, " is not the rule's");
	return false;
}

/* A glob that does not start with '-' never matches an option: "*.txt"
 * must not let "--output=x.txt" through. */
static bool
arg_glob(const char *glob, const char *arg)
{
	if (arg[0] == '-' && glob[0] != '-')
		return false;
	return fnmatch(glob, arg, 0) == 0;
}

static bool
args_match(const struct prog_pat *pp, const json_t *params, char *why,
    size_t whylen)
{
	const json_t *args = json_is_object(params) ?
	    json_object_get(params, "args") : NULL;
	const json_t *a;
	const char *s;
	size_t n, i;

	if (args == NULL)
		n = 0;
	else if (!json_is_array(args)) {
		say(why, whylen, "params.args is not a list of strings", NULL, "");
		return false;
	} else
		n = json_array_size(args);
	for (i = 0; i < n; i++) {
		a = json_array_get(args, i);
		if (!json_is_string(a) || memchr(json_string_value(a), '\0',
		    json_string_length(a)) != NULL) {
			say(why, whylen, "params.args is not a list of strings",
			    NULL, "");
			return false;
		}
	}
	if (pp->args_max >= 0 && n > (size_t)pp->args_max) {
		if (why)
			snprintf(why, whylen, "%zu arguments, args_max is %ld",
			    n, pp->args_max);
		return false;
	}
	switch (pp->args_kind) {
	case ARGS_NONE:
		if (n == 0)
			return true;
		say(why, whylen, "the rule has no \"args\": no arguments "
		    "allowed", NULL, "");
		return false;
	case ARGS_EXACT:
	case ARGS_GLOB:
		if (n != pp->nargs) {
			if (why)
				snprintf(why, whylen, "%zu arguments, the rule "
				    "has exactly %zu", n, pp->nargs);
			return false;
		}
		break;
	case ARGS_PREFIX:
		if (n < pp->nargs) {
			if (why)
				snprintf(why, whylen, "%zu arguments, the "
				    "prefix has %zu", n, pp->nargs);
			return false;
		}
		break;
	}
	for (i = 0; i < pp->nargs; i++) {
		s = json_string_value(json_array_get(args, i));
		if (pp->args_kind == ARGS_GLOB ? arg_glob(pp->args[i], s) :
		    strcmp(pp->args[i], s) == 0)
			continue;
		if (why) {
			char q[64];

			snprintf(why, whylen, "argument %zu \"%s\" does not "
			    "match \"%s\"", i + 1,
			    policy_quote(s, strlen(s), q, sizeof(q)),
			    pp->args[i]);
		}
		return false;
	}
	return true;
}

static bool
env_granted(const struct prog_pat *pp, const char *name, size_t len)
{
	size_t i;

	if (memchr(name, '\0', len) != NULL)
		return false;
	for (i = 0; i < pp->nenv; i++)
		if (strcmp(pp->env[i], name) == 0)
			return true;
	return false;
}

/*
 * params.env (an allow rule only): every name the request sets must be
 * one of the rule's env: names. Absent or {} sets none. Anything but an
 * object of strings (without NUL) matches no allow rule: fail closed.
 */
static bool
env_match(const struct prog_pat *pp, const json_t *params, char *why,
    size_t whylen)
{
	json_t *env = json_is_object(params) ?
	    json_object_get(params, "env") : NULL;
	const json_t *v;
	void *it;

	if (env == NULL)
		return true;
	if (!json_is_object(env)) {
		say(why, whylen, "params.env is not an object of strings", NULL,
		    "");
		return false;
	}
	for (it = json_object_iter(env); it != NULL;
	    it = json_object_iter_next(env, it)) {
		v = json_object_iter_value(it);
		if (!json_is_string(v) || memchr(json_string_value(v), '\0',
		    json_string_length(v)) != NULL) {
			say(why, whylen, "params.env is not an object of strings",
			    NULL, "");
			return false;
		}
	}
	for (it = json_object_iter(env); it != NULL;
	    it = json_object_iter_next(env, it)) {
		if (env_granted(pp, json_object_iter_key(it),
		    json_object_iter_key_len(it)))
			continue;
		say(why, whylen, "env ", json_object_iter_key(it),
		    " not granted by this rule");
		return false;
	}
	return true;
}

/* ---- MCP ----------------------------------------------------------------- */

static bool
mcp_matches(const struct mcp_pat *m, const struct target *t, char *why,
    size_t whylen)
{
	if (m->server != NULL && fnmatch(m->server, t->server, 0) != 0) {
		say(why, whylen, "server ", t->server, " does not match");
		return false;
	}
	if (m->tool != NULL && fnmatch(m->tool, t->tool, 0) != 0) {
		say(why, whylen, "tool ", t->tool, " does not match");
		return false;
	}
	return true;
}

/* ---- one rule ------------------------------------------------------------ */

bool
rule_matches(const struct rule *r, const struct target *t,
    const json_t *params, char *why, size_t whylen)
{
	if (!t->ok) {
		say(why, whylen, "target rejected: ", t->bad, "");
		return false;
	}
	switch (r->kind) {
	case RES_PATH:
		if (!glob_match(r->glob, t->raw)) {
			say(why, whylen, "path ", t->raw, " does not match");
			return false;
		}
		break;
	case RES_GLOB:
		if (!glob_match(r->glob, t->raw)) {
			say(why, whylen, "", t->raw, " does not match");
			return false;
		}
		break;
	case RES_URL:
		if (!url_match(&r->url, &t->url, r->deny, why, whylen))
			return false;
		break;
	case RES_PROG:
		if (!prog_matches(&r->prog, t->raw, r->deny, why, whylen))
			return false;
		/* a deny rule without args: denies the program whatever
		 * its arguments; an allow rule allows exactly what it says */
		if ((!r->deny || r->prog.args_kind != ARGS_NONE) &&
		    !args_match(&r->prog, params, why, whylen))
			return false;
		/* env: limits an allow rule; a deny rule ignores it (it
		 * matches at least as much as the same rule as allow) */
		if (!r->deny && !env_match(&r->prog, params, why, whylen))
			return false;
		break;
	case RES_MCP:
		if (!mcp_matches(&r->mcp, t, why, whylen))
			return false;
		break;
	}
	return cons_hold(r->cons, r->ncons, params, r->deny, why, whylen);
}
