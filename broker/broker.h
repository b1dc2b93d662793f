/*
 * broker/broker.h -- the broker's own pieces (request codec, loop).
 *
 * Runs in: the broker. Privilege: none -- after start-up it holds only its
 * channels and the audit fd, under the ROLE_BROKER seccomp allow-list.
 */
#ifndef AKSUP_BROKER_H
#define AKSUP_BROKER_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "common/exits.h"
#include "common/jsonesc.h"
#include "broker/provider.h"
#include "policy/policy.h"

/* Bounds of the request fields (docs/PROTOCOL.md §2), checked at decode
 * before anything is recorded or run: a field past its bound is never
 * handed to the audit writer or the policy. */
#define REQUEST_ID_MAX		256		/* a string id, bytes */
#define REQUEST_ACTION_MAX	128		/* bytes */
#define REQUEST_TARGET_MAX	(64 * 1024)	/* bytes, as sent */

/* The smallest agent_max broker/main.c ever sets: min(1 MiB, SO_SNDBUF
 * - 32 KiB), used only when SO_SNDBUF is above 64 KiB. */
#define BROKER_AGENT_MAX_MIN	(32 * 1024)

/* The longest answer around `data` of dlen bytes: the five keys with
 * quotes, a status, the id (a string id escaped, or an integer), a
 * quoted UUID, and an error escaped from elen bytes. */
#define ANSWER_FIXED	(sizeof("{\"id\":,\"status\":\"DENIED\",\"data\":," \
			    "\"error\":,\"record_id\":\"\"}") - 1 + 36)
#define ANSWER_ID_MAX	JSON_ESCAPE_MAX(REQUEST_ID_MAX)
#define ANSWER_MAX(dlen, elen) \
	(ANSWER_FIXED + ANSWER_ID_MAX + (dlen) + JSON_ESCAPE_MAX(elen))

/* A decoded agent request (docs/PROTOCOL.md). */
struct request {
	json_t *root;		/* owns everything below */
	json_t *id;		/* integer or string; NULL when missing/bad */
	const char *action;	/* NULL when missing/bad */
	const char *target;	/* NULL when missing/bad */
	size_t target_len;
	json_t *params;		/* object; an empty one when absent */
};

enum req_result {
	REQ_OK,			/* well-formed */
	REQ_MALFORMED,		/* an object, but fields wrong: ERROR + INVALID */
	REQ_FRAMING,		/* not a JSON object: ends the agent */
};

/* Decode one agent message. Fills `why` for MALFORMED/FRAMING. */
enum req_result request_decode(const char *buf, size_t len,
			       struct request *rq, char *why, size_t whylen);
void request_free(struct request *rq);

/* Encode an answer. `data` is stolen (may be NULL). Returns a malloc'd
 * compact JSON text, or NULL on allocation failure. */
char *response_encode_text(const json_t *id, const char *status,
			   const char *data, size_t dlen, const char *error,
			   const char *record_id, size_t *len);
char *response_encode(const json_t *id, const char *status, json_t *data,
		      const char *error, const char *record_id, size_t *len);

/* The gate's decision pipeline (broker/gate.c), shared by the loop and
 * `aksup policy explain`. */
enum gate_verdict {
	GATE_MALFORMED,		/* params of a wrong type or bound (why) */
	GATE_DENIED,		/* by the policy, or an fs target that is
				 * not an absolute path (target NULL) */
	GATE_PROVIDER_PARAMS,	/* allowed, but not params the provider
				 * takes (why): malformed */
	GATE_ALLOWED,
};
struct gate {
	const char *target;	/* canonical (fs) or as given; NULL: bad */
	const struct provider *pv;	/* the action's row; NULL: unknown */
	struct policy_decision d;
	char why[200];
	char canon[POLICY_PATH_MAX];
};
enum gate_verdict gate_decide(const struct policy *p, const char *action,
    const char *target, size_t target_len, json_t *params, struct gate *g);

/* broker exit statuses (the supervisor reports them): common/exits.h */

/* The loop: serve the agent until it goes away. Returns the exit status. */
struct broker_cfg {
	int agent_fd, sup_fd;	/* workers: the matrix's (inflight.c) */
	struct policy *policy;
	struct audit *audit;
	size_t agent_max;	/* largest agent message in either direction */
	int operator_client;	/* the agent seat holds aksup submit (the
				 * operator's tool), not an agent */
	const char *stop_reason;	/* out: the supervisor's SESSION_STOP
					 * ("timeout", "signal"), or NULL */
};
int broker_loop(struct broker_cfg *cfg);

#endif
