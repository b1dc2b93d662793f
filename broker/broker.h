/*
 * broker/broker.h -- the broker's own pieces (request codec, loop).
 *
 * Runs in: the broker. Privilege: none -- after start-up it holds only its
 * channels and the audit fd, under the ROLE_BROKER seccomp allow-list.
 */
#ifndef AKSUP_BROKER_H
#define AKSUP_BROKER_H

#include <stddef.h>
#include <jansson.h>

#include "policy/policy.h"

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

/* Check the params of an fs.* action (types, known values). Returns 0 or
 * -1 with `why` filled (a malformed request). */
int request_check_fs_params(const char *action, const json_t *params,
			    char *why, size_t whylen);

/* Encode an answer. `data` is stolen (may be NULL). Returns a malloc'd
 * compact JSON text, or NULL on allocation failure. */
char *response_encode_text(const json_t *id, const char *status,
			   const char *data, size_t dlen, const char *error,
			   const char *record_id, size_t *len);
char *response_encode(const json_t *id, const char *status, json_t *data,
		      const char *error, const char *record_id, size_t *len);

/* broker exit statuses (the supervisor reports them) */
#define BROKER_EXIT_OK		0
#define BROKER_EXIT_AGENT	2	/* the agent broke framing */
#define BROKER_EXIT_WORKER	3	/* a worker died */
#define BROKER_EXIT_AUDIT	4	/* the audit log cannot be written */

/* The loop: serve the agent until it goes away. Returns the exit status. */
struct broker_cfg {
	int agent_fd, sup_fd, fs_fd;
	struct policy *policy;
	struct audit *audit;
	size_t agent_max;	/* largest agent message in either direction */
	const char *stop_reason;	/* out: the supervisor's SESSION_STOP
					 * ("timeout", "signal"), or NULL */
};
int broker_loop(struct broker_cfg *cfg);

#endif
