/*
 * broker/agentcfg.h -- the built-in agent's AGENT.yaml, loaded and
 * checked against the policy: the normalized configuration the
 * supervisor hands unchanged to the agent, and the model endpoint for
 * the llm worker.
 *
 * Runs in: the broker (confined: no filesystem, no network), at its
 * start, on the bytes the supervisor hands it. Privilege: none. Pure:
 * never calls exit(), never prints.
 *
 * AGENT.yaml is a mapping of model (required), base_url, instructions,
 * max_turns, temperature, max_tokens and tools; anything else is an
 * error. The normalized configuration, compact JSON, keys in this order:
 *
 *   {"model":"openai/gpt-4o-mini","instructions":"...","max_turns":20,
 *    "temperature":0.2,"max_tokens":1024,
 *    "tools":[{"name":"read_file","description":"...",
 *              "parameters":{...},"action":"fs.read",
 *              "target_from":"path"}]}
 *
 * (temperature and max_tokens only when given). Without `tools:`, the
 * default tools of the actions the policy allows; `tools: []`: none.
 */
#ifndef AKSUP_BROKER_AGENTCFG_H
#define AKSUP_BROKER_AGENTCFG_H

#include <stddef.h>
#include <jansson.h>

#include "policy/policy.h"

#define AGENTCFG_MAX_TURNS_DEFAULT 20
#define AGENTCFG_JSON_MAX (192 * 1024)	/* the normalized config, bytes */
/* How the configuration is written for the agent (BROKER_READY): the
 * size bound above is of this text; 0.2 stays 0.2. */
#define AGENTCFG_DUMP_FLAGS	(JSON_COMPACT | JSON_PRESERVE_ORDER | \
	JSON_REAL_PRECISION(15))

/* A load error: the display name given, its 1-based line and column,
 * the message (naming the field: "tools[2].target_from: ..."). */
struct agentcfg_err {
	char file[256];
	int line, col;
	char msg[300];
};

struct agentcfg {
	json_t *config;		/* the normalized config (above) */
	char endpoint[2400];	/* "", or "NAME=URL" (base_url given: the
				 * model's provider at that URL), or
				 * "replay=PATH" (model replay:PATH, PATH as
				 * written) */
};

/* Load AGENT.yaml (bytes, len; name for messages) under policy p (the
 * actions it allows pick the default tools). 0 with *out filled (free
 * it with agentcfg_free), or -1 with *err filled and *out empty. */
int agentcfg_load(const char *name, const char *bytes, size_t len,
    const struct policy *p, struct agentcfg *out, struct agentcfg_err *err);
/* Free what agentcfg_load filled; *c is left empty (safe twice). */
void agentcfg_free(struct agentcfg *c);

#endif
