/*
 * fuzz/fuzz_agentcfg.c -- libFuzzer harness for the AGENT.yaml loader
 * (broker/agentcfg.c) and with it the YAML reading it shares with the
 * policy loader (policy/yjson.c).
 *
 * Runs in: the fuzzer process only, as the invoking user, unconfined.
 * The input is the file's bytes, copied to a buffer of exactly its size
 * (not NUL-terminated, so ASan sees any over-read), loaded under a fixed
 * policy that allows every action (built once).
 *
 * Invariants (__builtin_trap() when violated): a failure leaves the
 * output empty and names a position (line and col >= 1) and a non-empty
 * message; a success has a config of the documented shape: "model" a
 * string, "instructions" a string, "max_turns" 1..1000, "temperature"
 * (when there) 0..2, "max_tokens" (when there) 1..1000000, at most 128
 * tools each with a name, a description, an object "parameters" whose
 * "type" is "object", an action that is not llm.chat and a target_from
 * that is a JSON pointer or a required property; its compact JSON fits
 * AGENTCFG_JSON_MAX; the endpoint is "", "NAME=http..." or "replay=...",
 * "replay=" exactly when the model is "replay/...".
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "broker/agentcfg.h"
#include "policy/policy.h"

static const char policy_yaml[] =
    "capabilities:\n"
    "  - {action: fs.read, resource: /workspace/**}\n"
    "  - {action: fs.write, resource: /workspace/**}\n"
    "  - {action: fs.delete, resource: /workspace/**}\n"
    "  - {action: fs.list, resource: /workspace/**}\n"
    "  - {action: proc.exec, resource: \"*\"}\n"
    "  - {action: net.http, resource: \"https://**\"}\n"
    "  - {action: mcp.call, resource: \"**\"}\n"
    "  - {action: llm.chat, resource: \"**\"}\n"
    "  - {action: snapshot.rollback, resource: \"**\"}\n";

static struct policy *pol;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct policy_err err;

	if (policy_load_buf(policy_yaml, strlen(policy_yaml), "fuzz.yaml",
	    &pol, &err) != 0)
		__builtin_trap();
	return 0;
}

static void
check_target(const json_t *t)
{
	const json_t *pa = json_object_get(t, "parameters");
	const char *tf = json_string_value(json_object_get(t, "target_from"));
	const json_t *req = json_object_get(pa, "required");
	size_t i;

	if (tf == NULL)
		__builtin_trap();
	if (tf[0] == '/')
		return;
	if (json_object_get(json_object_get(pa, "properties"), tf) == NULL)
		__builtin_trap();
	for (i = 0; i < json_array_size(req); i++)
		if (strcmp(json_string_value(json_array_get(req, i)), tf) == 0)
			return;
	__builtin_trap();
}

static void
check_tool(const json_t *t)
{
	const json_t *pa = json_object_get(t, "parameters");
	const char *act = json_string_value(json_object_get(t, "action"));

	if (!json_is_string(json_object_get(t, "name")) ||
	    !json_is_string(json_object_get(t, "description")) ||
	    !json_is_object(pa) ||
	    !json_is_string(json_object_get(pa, "type")) ||
	    strcmp(json_string_value(json_object_get(pa, "type")), "object") ||
	    act == NULL || !policy_action_known(act) ||
	    strcmp(act, "llm.chat") == 0)
		__builtin_trap();
	check_target(t);
}

static void
check_number(const json_t *c, const char *key, double lo, double hi,
    int required)
{
	const json_t *v = json_object_get(c, key);

	if (v == NULL && !required)
		return;
	if (!json_is_number(v) || json_number_value(v) < lo ||
	    json_number_value(v) > hi)
		__builtin_trap();
}

static void
check_ok(const struct agentcfg *ac)
{
	const json_t *c = ac->config, *tools = json_object_get(c, "tools");
	const char *model = json_string_value(json_object_get(c, "model"));
	int replay;
	size_t i;

	if (model == NULL || !json_is_string(json_object_get(c,
	    "instructions")) || !json_is_array(tools) ||
	    json_array_size(tools) > 128)
		__builtin_trap();
	check_number(c, "max_turns", 1, 1000, 1);
	check_number(c, "temperature", 0, 2, 0);
	check_number(c, "max_tokens", 1, 1000000, 0);
	for (i = 0; i < json_array_size(tools); i++)
		check_tool(json_array_get(tools, i));
	if (json_dumpb(c, NULL, 0, JSON_COMPACT | JSON_PRESERVE_ORDER) >
	    AGENTCFG_JSON_MAX)
		__builtin_trap();
	replay = strncmp(model, "replay/", 7) == 0;
	if (replay != (strncmp(ac->endpoint, "replay=", 7) == 0))
		__builtin_trap();
	if (!replay && ac->endpoint[0] != '\0' &&
	    strstr(ac->endpoint, "=http") == NULL)
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct agentcfg ac;
	struct agentcfg_err err;
	char *buf = malloc(size > 0 ? size : 1);

	if (buf == NULL)
		return 0;
	if (size > 0)
		memcpy(buf, data, size);
	if (agentcfg_load("fuzz-agent.yaml", buf, size, pol, &ac, &err) ==
	    0) {
		check_ok(&ac);
		agentcfg_free(&ac);
	} else if (ac.config != NULL || ac.endpoint[0] != '\0' ||
	    err.line < 1 || err.col < 1 || err.msg[0] == '\0' ||
	    strcmp(err.file, "fuzz-agent.yaml") != 0) {
		__builtin_trap();
	}
	free(buf);
	return 0;
}
