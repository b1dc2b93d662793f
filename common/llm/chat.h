/*
 * common/llm/chat.h -- llm.chat's translation between aksup's neutral
 * chat format (the OpenAI chat shape: docs/PROTOCOL.md) and the two
 * provider APIs, OpenAI chat completions and Anthropic Messages: the
 * params checked, the provider's request body built, its answer (or
 * error) read back, a replay transcript's answer checked. Pure (no I/O,
 * no exit(), no state): unit-tested (tests/unit/test_llm.c) and fuzzed
 * (fuzz/fuzz_llm.c).
 *
 * Runs in: the llm worker (confined), the broker (llm_params_check, in
 * broker/prov_llm.c), the unit tests and the fuzzer.
 * Privilege: none needed. Input: the agent's params (untrusted, through
 * the broker), a provider's answer body (anyone's bytes), the
 * operator's replay transcript (checked all the same).
 *
 * Ownership: every char * and json_t * returned is new and the
 * caller's (free(), json_decref()); the inputs are never changed or
 * kept. err is always a NUL-terminated sentence when NULL or -1 is
 * returned, and never holds a value the input gave (an unknown key is
 * named with only its printable ASCII, cut).
 */
#ifndef AKSUP_COMMON_LLM_CHAT_H
#define AKSUP_COMMON_LLM_CHAT_H

#include <jansson.h>
#include <stddef.h>

enum llm_api { LLM_API_OPENAI = 1, LLM_API_ANTHROPIC = 2 };

struct llm_usage { long long input, output; };	/* tokens; 0 when the provider said nothing */

#define LLM_MESSAGES_MAX	1024	/* messages in one call */
#define LLM_TOOLS_MAX		128	/* tools offered, tool calls answered */
#define LLM_NAME_MAX		64	/* a tool's name: [A-Za-z0-9_-]{1,64} */
#define LLM_ID_MAX		256	/* a tool call's id */
#define LLM_MAX_TOKENS_MAX	1000000
/* max_tokens when a call names none and something needs one (the
 * Anthropic API; a session's token budget, broker/prov_llm.c) */
#define LLM_DEFAULT_MAX_TOKENS	4096
#define LLM_ANTHROPIC_DEFAULT_MAX_TOKENS	LLM_DEFAULT_MAX_TOKENS
#define LLM_BODY_MAX		(16u << 20)	/* an answer or error body, before it is parsed */
#define LLM_USAGE_MAX		1000000000000LL	/* a token count: 10^12 */

/*
 * Check the llm.chat params (a JSON object, from an untrusted agent
 * through the broker): keys messages (required), tools, max_tokens,
 * temperature and no other. 0, or -1 with err (a sentence naming the
 * field, e.g. "params.messages[3].role must be one of system, user,
 * assistant, tool").
 */
int llm_params_check(const json_t *params, char *err, size_t errlen);

/*
 * The provider's request body (compact JSON text, malloc'd,
 * NUL-terminated) for `model` (the part after "provider/", e.g.
 * "gpt-4o-mini") from checked params (checked again here). NULL with
 * err. Anthropic only: a temperature above 1 and messages that are all
 * system ones are refused here (the API would refuse them).
 */
char *llm_request(enum llm_api api, const char *model, const json_t *params,
    char *err, size_t errlen);

/*
 * A provider's 2xx answer body (len bytes, anyone's bytes: may be
 * anything, not NUL-terminated) as the neutral answer (a new JSON object
 * the caller owns), its token counts in *u. NULL with err ("the model's
 * answer is not JSON", "the model's answer has no choices", ...).
 * The neutral answer, keys in this order:
 *   {"message": {"role": "assistant", "content": TEXT or null,
 *                "tool_calls": [{"id", "type": "function",
 *                                "function": {"name", "arguments"}}]},
 *    "finish_reason": "stop" | "tool_calls" | "length" | "other",
 *    "usage": {"input_tokens": N, "output_tokens": M}}
 * tool_calls only when there is one; content null when there is no
 * text (an empty string is no text).
 */
json_t *llm_response(enum llm_api api, const char *body, size_t len,
    struct llm_usage *u, char *err, size_t errlen);

/*
 * A neutral answer as written in a replay transcript (one JSON object,
 * the operator's file: checked all the same) -> the neutral answer in
 * canonical form (a new object), its usage in *u (absent: 0, 0). NULL
 * with err. finish_reason may be left out: "tool_calls" when there are
 * tool calls, else "stop". Unknown keys are refused.
 */
json_t *llm_answer_check(const char *text, size_t len, struct llm_usage *u,
    char *err, size_t errlen);

/*
 * The message of a provider's error body ({"error":{"message":"..."}}
 * for both APIs; Anthropic also has {"type":"error","error":{"type":...,
 * "message":...}}; {"error":"..."} is taken too) into msg: only
 * printable ASCII kept (each other character becomes one '?'), cut to
 * msglen-1 bytes. 0 when one was found, -1 when not (msg then "").
 */
int llm_error_message(const char *body, size_t len, char *msg, size_t msglen);

#endif
