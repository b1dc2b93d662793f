/*
 * agent/builtin/tools.h -- the built-in agent's tools: a model's tool
 * call made an agent-channel request (the tool's action; its target
 * taken from the arguments by the tool's target_from; the rest of the
 * arguments its params), after its arguments are checked against the
 * tool's parameters; and the tools offered to the model. Pure (no I/O,
 * no exit()): unit-tested (tests/unit/test_agent_tools.c) and fuzzed
 * (fuzz/fuzz_agent_tools.c).
 *
 * Runs in: aksup-agent (the most confined process), the unit tests and
 * the fuzzer. Privilege: none. Input: the tools of the configuration
 * (the broker checked AGENT.yaml) and a model's tool calls (anyone's
 * bytes: a model answers what its prompt, or a document it read, makes
 * it answer).
 */
#ifndef AKSUP_AGENT_BUILTIN_TOOLS_H
#define AKSUP_AGENT_BUILTIN_TOOLS_H

#include <jansson.h>
#include <stddef.h>

/* A tool call made a request: what the agent submits. */
struct tool_req {
	const char *action;	/* the tool's (points into the tools) */
	char *target;		/* malloc'd */
	json_t *params;		/* new */
};

/*
 * The request for a tool call ({"id", "type", "function": {"name",
 * "arguments"}}, as the llm worker answers it) under tools (the
 * configuration's list). 0 with *r filled (free with tool_req_free),
 * or -1 with err: what the model is told as the tool's result (no
 * such tool, arguments that are not a JSON object, a schema violation,
 * a target missing or not a string: never a fallback).
 */
int tool_request(const json_t *tools, const json_t *call, struct tool_req *r,
    char *err, size_t errlen);
void tool_req_free(struct tool_req *r);

/* The tools as the llm.chat params want them (the OpenAI function
 * shape): a new list. */
json_t *tools_offered(const json_t *tools);

/* RFC 6901: the value at pointer ("/a/b", "~0" "~1" escapes) in v, or
 * NULL. */
const json_t *json_pointer_get(const json_t *v, const char *pointer);

#endif
