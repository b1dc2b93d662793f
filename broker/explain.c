/*
 * broker/explain.c -- the broker binary's two operator modes besides the
 * gate: `--check` (aksup validate-policy: the policy loads and every rule's
 * examples hold) and `--explain` (aksup policy explain: one decision, the
 * rule that made it and why every other rule of the action did not).
 *
 * Runs in: aksup-broker --check / --explain, started by the supervisor's
 * run_helper with the policy on fd 6 and stdout inherited. Privilege:
 * none: it is under sandbox_enter(ROLE_BROKER) before it parses the policy
 * or the --params JSON, like the gate itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "broker/broker.h"
#include "broker/explain.h"
#include "policy/policy.h"

static void
print_err(void *arg, const struct policy_err *e)
{
	(void)arg;
	fprintf(stderr, "%s:%d:%d: %s\n", e->file, e->line, e->col, e->msg);
}

int
check_examples(const struct policy *p)
{
	size_t bad;

	bad = policy_check_examples(p, provider_prepare, print_err, NULL);
	if (bad > 0) {
		fprintf(stderr, "%zu of %zu examples fail\n", bad,
		    policy_nexamples(p));
		return 1;
	}
	if (policy_nexamples(p) > 0)
		printf("OK: %zu rules, %zu examples\n", policy_nrules(p),
		    policy_nexamples(p));
	else
		printf("OK: %zu rules\n", policy_nrules(p));
	return 0;
}

/*
 * Decide with the gate's own pipeline (broker/gate.c: typed params, the
 * provider's defaults, a normalized fs target, the decision, the params
 * the provider takes), then print why. Exit 0 when allowed, 3 when
 * denied, 1 when the gate would answer ERROR (malformed), 2 when --params
 * is not a JSON object.
 */
int
explain_request(const struct policy *p, const char *action,
    const char *target, const char *params_json)
{
	enum gate_verdict v;
	json_error_t jerr;
	struct gate g;
	json_t *params;
	char *text;
	int rc = 1;

	params = params_json ? json_loads(params_json, JSON_REJECT_DUPLICATES,
	    &jerr) : json_object();
	if (params == NULL || !json_is_object(params)) {
		fprintf(stderr, "--params: not a JSON object%s%s\n",
		    params ? "" : ": ", params ? "" : jerr.text);
		rc = 2;
		goto out;
	}
	v = gate_decide(p, action, target, strlen(target), params, &g);
	if (v == GATE_MALFORMED) {
		printf("decision: ERROR (malformed request: %s)\n", g.why);
		goto out;
	}
	if (g.target == NULL) {
		printf("decision: DENIED\nrule:     default-deny\n"
		    "why:      not an absolute path (or too long)\n");
		rc = 3;
		goto out;
	}
	if (g.pv != NULL && g.pv->path_target && strcmp(g.target, target) != 0)
		printf("normalized: %s\n", g.target);
	if ((text = policy_explain(p, action, g.target, params)) == NULL) {
		fprintf(stderr, "out of memory\n");
		goto out;
	}
	fputs(text, stdout);
	free(text);
	rc = v == GATE_DENIED ? 3 : 0;
	if (v == GATE_PROVIDER_PARAMS) {
		printf("but:      the gate answers ERROR (malformed request: "
		    "%s)\n", g.why);
		rc = 1;
	}
out:
	json_decref(params);
	return rc;
}
