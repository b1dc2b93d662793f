/*
 * policy/decide.c -- decisions: deny-overrides-allow,
 * the explanation of a decision, and the rules' own examples.
 *
 * Runs in: the broker (confined: decisions for every request), and in its
 * --check (examples) and --explain modes. Privilege: none. Never prints,
 * never exits: explain and the example check hand text back.
 *
 * Precedence: a request is denied when any deny rule matches it, else
 * allowed when any allow rule matches it, else denied by default. The
 * order of rules never changes a decision; it only picks which of several
 * matching rules of the deciding kind is reported (the first in the file).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/internal.h"

static int
action_of(const char *action)
{
	int i;

	if (action == NULL)
		return -1;
	for (i = 0; i < NACTIONS; i++)
		if (strcmp(policy_actions[i], action) == 0)
			return i;
	return -1;
}

/* ---- deciding ------------------------------------------------------------- */

/* An allowed fs target must lie at or beneath its rule's root. */
static bool
beneath_root(const struct policy *p, const struct rule *r, const char *t)
{
	const char *root;
	size_t n;

	if (r->kind != RES_PATH || r->deny)
		return true;
	if (r->root < 0 || (size_t)r->root >= p->nroots)
		return false;
	root = p->roots[r->root];
	if (strcmp(root, "/") == 0)
		return true;
	n = strlen(root);
	return strncmp(root, t, n) == 0 && (t[n] == '\0' || t[n] == '/');
}

static void
deny_default(struct policy_decision *out)
{
	out->allow = false;
	out->by_deny_rule = false;
	out->rule = -1;
	out->root = -1;
	out->tree_snapshot = false;
	out->token_budget = 0;
	snprintf(out->rule_id, sizeof(out->rule_id), "default-deny");
}

/*
 * The rule that decides (index), or -1 for the default deny. Its
 * snapshot (fs.write, fs.delete) is every matching allow rule's word,
 * not the first one's, so the order of rules never changes it: none only
 * when each says snapshot: false, kept the longest any gives (a rule
 * without snapshot_ttl: POLICY_SNAPSHOT_TTL_DEFAULT).
 */
static int
decide(const struct policy *p, const struct target *t, const json_t *params,
    struct policy_decision *out)
{
	size_t i;
	int allow = -1, snap = 0, tree = 0;
	unsigned ttl = 0;

	for (i = 0; i < p->nrules; i++) {
		const struct rule *r = &p->rules[i];

		if (r->action != t->action)
			continue;
		if (r->deny) {
			if (rule_matches(r, t, params, NULL, 0))
				return (int)i;	/* deny overrides */
		} else if (allow >= 0 && t->action != ACT_FS_WRITE &&
		    t->action != ACT_FS_DELETE && t->action != ACT_PROC_EXEC) {
			continue;	/* the first allow decides; only a deny
					   rule still matters */
		} else if (rule_matches(r, t, params, NULL, 0) &&
		    beneath_root(p, r, t->raw)) {
			if (allow < 0)
				allow = (int)i;
			if (t->action == ACT_PROC_EXEC) {
				if (r->tree_snapshot) {
					tree = 1;
					if ((r->snapshot_ttl ? r->snapshot_ttl :
					    POLICY_SNAPSHOT_TTL_DEFAULT) > ttl)
						ttl = r->snapshot_ttl ?
						    r->snapshot_ttl :
						    POLICY_SNAPSHOT_TTL_DEFAULT;
				}
			} else if (!r->no_snapshot) {
				snap = 1;
				if ((r->snapshot_ttl ? r->snapshot_ttl :
				    POLICY_SNAPSHOT_TTL_DEFAULT) > ttl)
					ttl = r->snapshot_ttl ? r->snapshot_ttl :
					    POLICY_SNAPSHOT_TTL_DEFAULT;
			}
		}
	}
	out->no_snapshot = !snap;
	out->tree_snapshot = tree;
	out->snapshot_ttl = snap || tree ? ttl : 0;
	return allow;
}

void
policy_decide(const struct policy *p, const char *action,
    const char *target, const json_t *params, struct policy_decision *out)
{
	struct target *t;
	const struct rule *r;
	const json_t *cp;
	json_t *owned;
	int a = action_of(action), i;

	deny_default(out);
	if (p == NULL || a < 0 || target == NULL)
		return;
	if ((t = malloc(sizeof(*t))) == NULL)
		return;		/* fail closed */
	target_prepare(t, a, target);
	cp = cons_params(a, params, &owned);
	/* NULL: closed */
	i = t->ok && cp != NULL ? decide(p, t, cp, out) : -1;
	json_decref(owned);
	free(t);
	if (i < 0)
		return;
	r = &p->rules[i];
	out->rule = i;
	memcpy(out->rule_id, r->id, sizeof(out->rule_id));
	if (r->deny) {
		out->by_deny_rule = true;
		return;
	}
	out->allow = true;
	out->root = r->root;
	out->token_budget = r->token_budget;
	if (a != ACT_FS_WRITE && a != ACT_FS_DELETE) {
		out->no_snapshot = false;	/* (not its kind of action) */
		if (a != ACT_PROC_EXEC)
			out->snapshot_ttl = 0;
	}
}

/* ---- a growing text buffer ------------------------------------------------ */

struct text {
	char *buf;
	size_t len, size;
	bool fail;
};

static void __attribute__((format(printf, 2, 3)))
tprintf(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *nb;

	if (t->fail)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->buf ? t->buf + t->len : NULL,
		    t->buf ? t->size - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->fail = true;
			return;
		}
		if (t->buf != NULL && (size_t)n < t->size - t->len) {
			t->len += n;
			return;
		}
		if ((nb = realloc(t->buf, t->size + n + 256)) == NULL) {
			t->fail = true;
			return;
		}
		t->buf = nb;
		t->size += n + 256;
	}
}

static void
rule_line(struct text *x, const struct rule *r)
{
	char q[200];

	tprintf(x, "%s (%s %s %s)", r->id, r->deny ? "deny" : "allow",
	    policy_actions[r->action],
	    policy_quote(r->resource, strlen(r->resource), q, sizeof(q)));
}

/* An allowed net.http: the grant (section 4) and the headers the
 * credentials add (names and sources only, never a value). */
static void
explain_http(struct text *x, const struct policy *p, const struct rule *r,
    const struct http_grant *g, const char *target)
{
	size_t idx[POLICY_CRED_ENTRIES_MAX], n, i, j, k, nn;
	const char *names[POLICY_CRED_SOURCES_MAX], *h;
	char q[100];

	tprintf(x, "grant:    timeout_max %us%s, follow_redirects %u%s, "
	    "max_bytes %lu%s, host %s\n", g->timeout_max,
	    r->http.timeout_max == 0 ? " (default)" : "", g->follow_max,
	    r->http.follow_max < 0 ? " (default)" : "", g->max_bytes,
	    r->http.max_bytes == 0 ? " (default)" : "", g->host_named ?
	    "named (its private addresses allowed)" :
	    "by wildcard (public addresses only)");
	n = policy_cred_match(p, target, idx, POLICY_CRED_ENTRIES_MAX);
	tprintf(x, "headers:  %s", n == 0 ? "none from credentials" : "");
	for (i = 0; i < n; i++) {
		for (j = 0; (h = policy_cred_header(p, idx[i], j, NULL)) !=
		    NULL; j++)
			tprintf(x, "%s%s", i + j ? ", " : "", h);
		tprintf(x, " (%s", policy_cred_id(p, idx[i]));
		nn = policy_cred_names(p, idx[i], names, POLICY_CRED_SOURCES_MAX);
		for (k = 0; k < nn; k++)
			tprintf(x, "%s%s", k ? ", " : ", from ", policy_quote(
			    names[k], strlen(names[k]), q, sizeof(q)));
		tprintf(x, "%s)", nn == 0 ? ", literal" : "");
	}
	tprintf(x, "\n");
}

char *
policy_explain(const struct policy *p, const char *action,
    const char *target, const json_t *params)
{
	struct text x = { NULL, 0, 0, false };
	struct policy_decision d;
	struct proc_grant g;
	struct http_grant hg;
	struct target *t = NULL;
	const json_t *cp = NULL;
	json_t *owned = NULL;
	char why[512], q[300], *ps;
	size_t i, shown = 0;
	int a = action_of(action);

	policy_decide(p, action, target, params, &d);
	tprintf(&x, "action:   %s\n", policy_quote(action ? action : "(none)",
	    action ? strlen(action) : 6, q, sizeof(q)));
	tprintf(&x, "target:   %s\n", policy_quote(target ? target : "(none)",
	    target ? strlen(target) : 6, q, sizeof(q)));
	ps = json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS);
	tprintf(&x, "params:   %s\n", ps ? ps : "{}");
	free(ps);
	tprintf(&x, "decision: %s\n", d.allow ? "ALLOWED" : "DENIED");
	tprintf(&x, "rule:     ");
	if (d.rule >= 0)
		rule_line(&x, &p->rules[d.rule]);
	else
		tprintf(&x, "default-deny");
	tprintf(&x, "\n");
	if (d.allow && d.root >= 0)
		tprintf(&x, "root:     %s\n", policy_root(p, d.root));
	if (d.allow && (a == ACT_FS_WRITE || a == ACT_FS_DELETE))
		tprintf(&x, "snapshot: %s", d.no_snapshot ? "none (the rule "
		    "says snapshot: false; snapshot.rollback cannot undo it)\n" :
		    "taken first (the action is not done without one), kept ");
	if (d.allow && (a == ACT_FS_WRITE || a == ACT_FS_DELETE) &&
	    !d.no_snapshot) {
		if (d.snapshot_ttl != POLICY_SNAPSHOT_TTL_DEFAULT)
			tprintf(&x, "%us (the longest snapshot_ttl of the "
			    "allow rules that match) unless --snapshot-ttl "
			    "says\n", d.snapshot_ttl);
		else
			tprintf(&x, "%us unless --snapshot-ttl says\n",
			    d.snapshot_ttl);
	}
	if (d.allow && a == ACT_PROC_EXEC) {
		if (d.tree_snapshot)
			tprintf(&x, "snapshot: tree (every writable root, "
			    "before the command runs; it does not run without "
			    "one), kept %us unless --snapshot-ttl says\n",
			    d.snapshot_ttl);
		else
			tprintf(&x, "snapshot: none (no rule that matches says "
			    "snapshot: tree; snapshot.rollback cannot undo "
			    "what it does)\n");
	}
	if (d.allow && a == ACT_LLM_CHAT)
		tprintf(&x, "tokens:   %s", d.token_budget > 0 ? "" : "no "
		    "budget (no token_budget on the rule)\n");
	if (d.allow && a == ACT_LLM_CHAT && d.token_budget > 0)
		tprintf(&x, "at most %lld for the session in all (token_budget: "
		    "the broker sums what each call used and denies the call "
		    "past it)\n", d.token_budget);
	if (d.allow && policy_proc_grant(p, d.rule, &g) == 0) {
		tprintf(&x, "grant:    network %s, timeout_max %us%s, env",
		    g.network ? "yes (the host's)" : "no", g.timeout_max,
		    p->rules[d.rule].prog.timeout_max == 0 ? " (default)" : "");
		for (i = 0; i < g.nenv; i++)
			tprintf(&x, "%s%s", i ? ", " : " ", g.env[i]);
		tprintf(&x, "%s\n", g.nenv == 0 ? " (none)" : "");
	}
	if (d.allow && policy_http_grant(p, d.rule, &hg) == 0)
		explain_http(&x, p, &p->rules[d.rule], &hg, target);
	if (p == NULL || a < 0 || target == NULL) {
		tprintf(&x, "why:      %s\n", a < 0 ? "unknown action" :
		    "no policy or no target");
		goto out;
	}
	if ((t = malloc(sizeof(*t))) == NULL) {
		x.fail = true;
		goto out;
	}
	target_prepare(t, a, target);
	if (!t->ok) {
		tprintf(&x, "why:      target rejected: %s\n", t->bad);
		goto out;
	}
	if ((cp = cons_params(a, params, &owned)) == NULL)
		tprintf(&x, "why:      params.content is not valid base64\n");
	if (d.rule >= 0)
		tprintf(&x, "why:      %s\n", d.by_deny_rule ?
		    "a deny rule matches (deny overrides every allow)" :
		    "an allow rule matches and no deny rule does");
	else
		tprintf(&x, "why:      no rule matches (default deny)\n");
	for (i = 0; i < p->nrules; i++) {
		const struct rule *r = &p->rules[i];

		if (r->action != a || (int)i == d.rule)
			continue;
		if (shown++ == 0)
			tprintf(&x, "other rules for %s:\n", policy_actions[a]);
		tprintf(&x, "  ");
		rule_line(&x, r);
		why[0] = '\0';
		if (cp != NULL && rule_matches(r, t, cp, why, sizeof(why))) {
			if (!beneath_root(p, r, target))
				tprintf(&x, ": target outside the rule's root\n");
			else if (d.by_deny_rule && !r->deny)
				tprintf(&x, ": matches, overridden by the deny "
				    "rule\n");
			else
				tprintf(&x, ": matches too (the first in file "
				    "order is reported)\n");
		} else
			tprintf(&x, ": no match: %s\n", why);
	}
	if (shown == 0)
		tprintf(&x, "other rules for %s: none\n", policy_actions[a]);
out:
	json_decref(owned);
	free(t);
	if (x.fail) {
		free(x.buf);
		return NULL;
	}
	return x.buf;
}

/* snprintf without gcc's truncation warning: messages are cut on purpose. */
static void __attribute__((format(printf, 3, 4)))
msgf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

/* ---- examples ------------------------------------------------------------- */

/* Does rule r itself match this request? */
static bool
rule_matches_req(const struct policy *p, const struct rule *r,
    const char *target, const json_t *params)
{
	const json_t *cp;
	struct target *t;
	json_t *owned;
	bool m;

	if ((t = malloc(sizeof(*t))) == NULL)
		return false;
	target_prepare(t, r->action, target);
	cp = cons_params(r->action, params, &owned);
	m = cp != NULL && rule_matches(r, t, cp, NULL, 0) &&
	    beneath_root(p, r, target);
	json_decref(owned);
	free(t);
	return m;
}

/* Why one example fails, into msg; false when it holds. */
static bool
example_fails(const struct policy *p, const struct rule *r,
    const struct example *ex, policy_prepare_fn prepare, char *msg,
    size_t size)
{
	struct policy_decision d;
	char why[200];
	json_t *params;
	bool fails = false;

	if ((params = json_deep_copy(ex->params)) == NULL) {
		msgf(msg, size, "cannot be checked: out of memory");
		return true;
	}
	if (prepare != NULL && prepare(policy_actions[r->action], params, why,
	    sizeof(why)) < 0) {
		/* a malformed request is never allowed */
		if (ex->allow) {
			msgf(msg, size, "is malformed: %s", why);
			fails = true;
		}
		goto out;
	}
	policy_decide(p, policy_actions[r->action], ex->target, params, &d);
	if (ex->allow && !d.allow) {
		msgf(msg, size, "is denied (by %s)", d.rule_id);
		fails = true;
	} else if (!ex->allow && d.allow) {
		msgf(msg, size, "is allowed (by %s)", d.rule_id);
		fails = true;
	} else if (ex->allow == !r->deny &&
	    !rule_matches_req(p, r, ex->target, params)) {
		msgf(msg, size, "is %s by %s, but this rule does not match "
		    "it", d.allow ? "allowed" : "denied", d.rule_id);
		fails = true;
	}
out:
	json_decref(params);
	return fails;
}

size_t
policy_check_examples(const struct policy *p, policy_prepare_fn prepare,
    void (*report)(void *arg, const struct policy_err *err), void *arg)
{
	struct policy_err e;
	char q[80], msg[200];
	size_t i, j, bad = 0;

	if (p == NULL)
		return 0;
	for (i = 0; i < p->nrules; i++) {
		const struct rule *r = &p->rules[i];

		for (j = 0; j < r->nex; j++) {
			const struct example *ex = &r->ex[j];

			if (!example_fails(p, r, ex, prepare, msg,
			    sizeof(msg)))
				continue;
			bad++;
			if (report == NULL)
				continue;
			memset(&e, 0, sizeof(e));
			snprintf(e.file, sizeof(e.file), "%s", p->name);
			e.line = ex->pos.line;
			e.col = ex->pos.col;
			msgf(e.msg, sizeof(e.msg), "%srule %zu (%s): %s "
			    "example \"%s\" %s", r->deny ? "deny " : "", r->no,
			    r->id, ex->allow ? "allow" : "deny",
			    policy_quote(ex->target, strlen(ex->target), q,
			    sizeof(q)), msg);
			report(arg, &e);
		}
	}
	return bad;
}

size_t
policy_nexamples(const struct policy *p)
{
	size_t i, n = 0;

	for (i = 0; p != NULL && i < p->nrules; i++)
		n += p->rules[i].nex;
	return n;
}
