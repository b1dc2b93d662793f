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

	bad = policy_check_examples(p, print_err, NULL);
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
 * Decide as the gate does (broker/loop.c): fs targets are normalized,
 * the provider's defaults are filled in, then policy_explain. Exit 0 when
 * allowed, 3 when denied, 1 when the request is malformed, 2 when
 * --params is not a JSON object.
 */
int
explain_request(const struct policy *p, const char *action,
    const char *target, const char *params_json)
{
	char canon[POLICY_PATH_MAX], why[200];
	struct policy_decision d;
	json_error_t jerr;
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
	if (request_check_params(action, params, PARAMS_TYPES, why,
	    sizeof(why)) < 0 ||
	    policy_fill_defaults(action, params, why, sizeof(why)) < 0) {
		printf("decision: ERROR (malformed request: %s)\n", why);
		goto out;
	}
	if (policy_action_is_fs(action)) {
		if (path_normalize(target, strlen(target), canon,
		    sizeof(canon)) < 0) {
			printf("decision: DENIED\nrule:     default-deny\n"
			    "why:      not an absolute path (or too long)\n");
			rc = 3;
			goto out;
		}
		if (strcmp(canon, target) != 0)
			printf("normalized: %s\n", canon);
		target = canon;
	}
	if ((text = policy_explain(p, action, target, params)) == NULL) {
		fprintf(stderr, "out of memory\n");
		goto out;
	}
	fputs(text, stdout);
	free(text);
	policy_decide(p, action, target, params, &d);
	rc = d.allow ? 0 : 3;
	/* as the gate does next: an allowed fs request whose params the
	 * provider does not take is a malformed request */
	if (d.allow && policy_action_is_fs(action) &&
	    request_check_params(action, params, PARAMS_PROVIDER, why,
	    sizeof(why)) < 0) {
		printf("but:      the gate answers ERROR (malformed request: "
		    "%s)\n", why);
		rc = 1;
	}
out:
	json_decref(params);
	return rc;
}
