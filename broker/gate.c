/*
 * broker/gate.c -- the gate's decision pipeline, once: the params typed
 * and bounded, the provider's defaults filled in, an fs target
 * normalized, the policy's decision, then the params the provider takes.
 * The broker's loop (broker/loop.c) records and answers what it says;
 * `aksup policy explain` (broker/explain.c) prints it, so the two cannot
 * drift apart.
 *
 * Runs in: aksup-broker (the gate, and --explain), under its sandbox.
 * Privilege: none; pure (no I/O).
 */
#include <stdio.h>
#include <string.h>

#include "broker/broker.h"
#include "policy/policy.h"

enum gate_verdict
gate_decide(const struct policy *p, const char *action, const char *target,
    size_t target_len, json_t *params, struct gate *g)
{
	memset(&g->d, 0, sizeof(g->d));
	g->why[0] = '\0';
	g->target = target;
	g->pv = provider_of(action);
	/* Every param of every action by type and bound, then the defaults
	 * and canonical forms the provider will use (method GET, encoding
	 * utf-8, args []), which constraints apply to: its row of the
	 * provider table, before the policy or a worker sees them. */
	if (provider_prepare(action, params, g->why, sizeof(g->why)) < 0)
		return GATE_MALFORMED;
	if (g->pv != NULL && g->pv->target_check != NULL &&
	    g->pv->target_check(target, target_len, g->why,
	    sizeof(g->why)) < 0)
		return GATE_MALFORMED;
	if (g->pv != NULL && g->pv->path_target)
		g->target = path_normalize(target, target_len, g->canon,
		    sizeof(g->canon)) == 0 ? g->canon : NULL;
	if (g->target == NULL) {	/* relative, NUL, too long: denied */
		snprintf(g->d.rule_id, sizeof(g->d.rule_id), "default-deny");
		return GATE_DENIED;
	}
	policy_decide(p, action, g->target, params, &g->d);
	if (!g->d.allow || g->pv == NULL)	/* (no row: never allowed) */
		return GATE_DENIED;
	/* Allowed: are the params what the provider takes? */
	if (g->pv->worker != ROLE_NONE && provider_check_params(action,
	    params, PARAMS_PROVIDER, g->why, sizeof(g->why)) < 0)
		return GATE_PROVIDER_PARAMS;
	return GATE_ALLOWED;
}
