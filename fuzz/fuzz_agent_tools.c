/*
 * fuzz/fuzz_agent_tools.c -- the built-in agent's reading of a model's
 * tool call (agent/builtin/tools.c: the arguments' JSON, the schema
 * check, the target by name or JSON pointer) against fixed tools. The
 * input is the tool call's arguments text; its first byte picks the
 * tool.
 *
 * Runs in: the fuzzer only. Privilege: n/a.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/builtin/tools.h"

static const char TOOLS[] =
    "[{\"name\":\"read_file\",\"action\":\"fs.read\",\"target_from\":\"path\","
    "\"parameters\":{\"type\":\"object\",\"properties\":{\"path\":{\"type\":"
    "\"string\",\"maxLength\":4096}},\"required\":[\"path\"],"
    "\"additionalProperties\":false}},"
    "{\"name\":\"run\",\"action\":\"proc.exec\",\"target_from\":\"program\","
    "\"parameters\":{\"type\":\"object\",\"properties\":{\"program\":{\"type\":"
    "\"string\"},\"args\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}},"
    "\"required\":[\"program\"]}},"
    "{\"name\":\"deep\",\"action\":\"net.http\",\"target_from\":\"/a/0/b~1c\","
    "\"parameters\":{\"type\":\"object\"}}]";

static const char *const names[] = { "read_file", "run", "deep", "none" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static json_t *tools;
	struct tool_req r;
	char err[512];
	json_t *call, *o;

	if (tools == NULL) {
		json_object_seed(1);
		tools = json_loads(TOOLS, 0, NULL);
	}
	if (size < 1 || tools == NULL)
		return 0;
	call = json_pack("{s:s, s:{s:s, s:s%}}", "id", "c", "function",
	    "name", names[data[0] % 4], "arguments", (const char *)data + 1,
	    size - 1);
	if (call == NULL)
		return 0;	/* not UTF-8: jansson refuses the string */
	if (tool_request(tools, call, &r, err, sizeof(err)) == 0)
		tool_req_free(&r);
	json_decref(call);
	o = tools_offered(tools);
	json_decref(o);
	return 0;
}
