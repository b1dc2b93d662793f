/*
 * broker/explain.h -- the broker binary's operator modes (broker/explain.c):
 * --check for aksup validate-policy, --explain for aksup policy explain.
 *
 * Runs in: aksup-broker --check / --explain, confined (ROLE_BROKER).
 * Privilege: none.
 */
#ifndef AKSUP_BROKER_EXPLAIN_H
#define AKSUP_BROKER_EXPLAIN_H

#include "policy/policy.h"

/* Check every rule's examples; prints "OK: ..." or one FILE:LINE:COL
 * line per failing example on stderr. Returns the exit status (0 or 1). */
int check_examples(const struct policy *p);

/* Print the explanation of one request. Returns the exit status: 0
 * allowed, 3 denied, 1 malformed (the params do not suit the action),
 * 2 params_json is not a JSON object (a usage error). params_json may
 * be NULL. */
int explain_request(const struct policy *p, const char *action,
    const char *target, const char *params_json);

#endif
