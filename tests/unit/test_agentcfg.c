/*
 * tests/unit/test_agentcfg.c -- unit tests of the AGENT.yaml loader
 * (broker/agentcfg.c): the normalized configuration, the endpoint, every
 * key's types and bounds, the default tools the policy allows, the tool
 * checks, and the positions of errors.
 *
 * Runs in: the test process only, as whatever user runs the test suite.
 * Privilege: none; policies and AGENT.yaml files are strings here.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/agentcfg.h"
#include "policy/policy.h"

/* Every action a default tool needs, and llm.chat. */
static const char full_yaml[] =
    "capabilities:\n"
    "  - {action: fs.read, resource: /workspace/**}\n"
    "  - {action: fs.write, resource: /workspace/**}\n"
    "  - {action: fs.delete, resource: /workspace/**}\n"
    "  - {action: fs.list, resource: /workspace/**}\n"
    "  - {action: proc.exec, resource: ls}\n"
    "  - {action: net.http, resource: \"https://**\"}\n"
    "  - {action: llm.chat, resource: \"**\"}\n";

static const char read_only_yaml[] =
    "capabilities:\n"
    "  - {action: fs.read, resource: /workspace/**}\n"
    "  - {action: llm.chat, resource: \"**\"}\n";

static struct policy *
pol(const char *yaml)
{
	struct policy *p = NULL;
	struct policy_err err;

	ck_assert_msg(policy_load_buf(yaml, strlen(yaml), "p.yaml", &p,
	    &err) == 0, "policy: %d:%d: %s", err.line, err.col, err.msg);
	return p;
}

static void
load_ok_p(const char *yaml, const char *policy, struct agentcfg *c)
{
	struct policy *p = pol(policy);
	struct agentcfg_err err;

	ck_assert_msg(agentcfg_load("a.yaml", yaml, strlen(yaml), p, c,
	    &err) == 0, "load: %s:%d:%d: %s", err.file, err.line, err.col,
	    err.msg);
	ck_assert_ptr_nonnull(c->config);
	policy_free(p);
}

static void
load_ok(const char *yaml, struct agentcfg *c)
{
	load_ok_p(yaml, full_yaml, c);
}

/* Fails exactly at line:col with msg; the output is left empty. */
static void
load_bad(const char *yaml, int line, int col, const char *msg)
{
	struct policy *p = pol(full_yaml);
	struct agentcfg c;
	struct agentcfg_err err;

	memset(&c, 0x55, sizeof(c));
	ck_assert_int_eq(agentcfg_load("a.yaml", yaml, strlen(yaml), p, &c,
	    &err), -1);
	ck_assert_ptr_null(c.config);
	ck_assert_str_eq(c.endpoint, "");
	ck_assert_str_eq(err.file, "a.yaml");
	ck_assert_str_eq(err.msg, msg);
	ck_assert_int_eq(err.line, line);
	ck_assert_int_eq(err.col, col);
	policy_free(p);
}

/* The config's compact JSON (malloc'd), as the broker sends it. */
static char *
dump(const struct agentcfg *c)
{
	char *s = json_dumps(c->config, JSON_COMPACT | JSON_PRESERVE_ORDER);

	ck_assert_ptr_nonnull(s);
	return s;
}

static const char *
str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	ck_assert_msg(s != NULL, "no string \"%s\"", key);
	return s;
}

static const json_t *
tools(const struct agentcfg *c)
{
	const json_t *t = json_object_get(c->config, "tools");

	ck_assert(json_is_array(t));
	return t;
}

/* A config whose one tool is TOOL (YAML lines, indented 4). */
static char *
with_tool(const char *tool)
{
	char *s;

	ck_assert_int_ge(asprintf(&s, "model: openai/gpt-4o-mini\n"
	    "tools:\n  - %s\n", tool), 0);
	return s;
}

static void
tool_bad(const char *tool, int line, int col, const char *msg)
{
	char *y = with_tool(tool);

	load_bad(y, line, col, msg);
	free(y);
}

/* ---- the whole file ---------------------------------------------------- */

START_TEST(test_round_trip)
{
	/* keys in another order than the config's: it is normalized */
	static const char y[] =
	    "tools:\n"
	    "  - target_from: file\n"
	    "    action: fs.read\n"
	    "    parameters:\n"
	    "      type: object\n"
	    "      properties:\n"
	    "        file: {type: string, maxLength: 0x100}\n"
	    "        lines: {type: [integer, \"null\"], default: ~}\n"
	    "        raw: {type: boolean, enum: [true, \"true\"]}\n"
	    "      required: [file]\n"
	    "    description: Print a file.\n"
	    "    name: cat\n"
	    "max_tokens: 1024\n"
	    "temperature: 0.5\n"
	    "max_turns: 7\n"
	    "instructions: |\n"
	    "  Be brief.\n"
	    "base_url: https://llm.example.com/v1\n"
	    "model: anthropic/claude-sonnet-4-5\n";
	struct agentcfg c;
	char *s;

	load_ok(y, &c);
	s = dump(&c);
	ck_assert_str_eq(s, "{\"model\":\"anthropic/claude-sonnet-4-5\","
	    "\"instructions\":\"Be brief.\\n\",\"max_turns\":7,"
	    "\"temperature\":0.5,\"max_tokens\":1024,\"tools\":[{"
	    "\"name\":\"cat\",\"description\":\"Print a file.\","
	    "\"parameters\":{\"type\":\"object\",\"properties\":{"
	    "\"file\":{\"type\":\"string\",\"maxLength\":256},"
	    "\"lines\":{\"type\":[\"integer\",\"null\"],\"default\":null},"
	    "\"raw\":{\"type\":\"boolean\",\"enum\":[true,\"true\"]}},"
	    "\"required\":[\"file\"],\"additionalProperties\":false},"
	    "\"action\":\"fs.read\","
	    "\"target_from\":\"file\"}]}");
	ck_assert_str_eq(c.endpoint, "anthropic=https://llm.example.com/v1");
	free(s);
	agentcfg_free(&c);
	ck_assert_ptr_null(c.config);
	agentcfg_free(&c);	/* twice is harmless */
}
END_TEST

START_TEST(test_defaults)
{
	static const char *const names[] = { "read_file", "write_file",
	    "delete_file", "list_dir", "run_command", "http_request" };
	static const char *const acts[] = { "fs.read", "fs.write",
	    "fs.delete", "fs.list", "proc.exec", "net.http" };
	static const char *const targets[] = { "path", "path", "path", "path",
	    "program", "url" };
	const json_t *t, *pa, *req;
	struct agentcfg c;
	size_t i, j;
	bool found;

	load_ok("model: openai/gpt-4o-mini\n", &c);
	ck_assert_str_eq(str(c.config, "model"), "openai/gpt-4o-mini");
	ck_assert_ptr_nonnull(strstr(str(c.config, "instructions"),
	    "DENIED"));
	ck_assert_int_eq(json_integer_value(json_object_get(c.config,
	    "max_turns")), AGENTCFG_MAX_TURNS_DEFAULT);
	ck_assert_ptr_null(json_object_get(c.config, "temperature"));
	ck_assert_ptr_null(json_object_get(c.config, "max_tokens"));
	ck_assert_str_eq(c.endpoint, "");
	ck_assert_int_eq(json_array_size(tools(&c)), 6);
	for (i = 0; i < 6; i++) {
		t = json_array_get(tools(&c), i);
		ck_assert_str_eq(str(t, "name"), names[i]);
		ck_assert_str_eq(str(t, "action"), acts[i]);
		ck_assert_str_eq(str(t, "target_from"), targets[i]);
		ck_assert_uint_gt(strlen(str(t, "description")), 10);
		pa = json_object_get(t, "parameters");
		ck_assert_str_eq(str(pa, "type"), "object");
		ck_assert(json_is_false(json_object_get(pa,
		    "additionalProperties")));
		ck_assert_ptr_nonnull(json_object_get(json_object_get(pa,
		    "properties"), targets[i]));
		req = json_object_get(pa, "required");
		for (j = 0, found = false; j < json_array_size(req); j++)
			found |= strcmp(json_string_value(json_array_get(req,
			    j)), targets[i]) == 0;
		ck_assert(found);
	}
	/* write_file requires both; http_request's headers are strings */
	ck_assert_int_eq(json_array_size(json_object_get(json_object_get(
	    json_array_get(tools(&c), 1), "parameters"), "required")), 2);
	ck_assert_str_eq(str(json_object_get(json_object_get(json_object_get(
	    json_object_get(json_array_get(tools(&c), 5),
	    "parameters"), "properties"), "headers"),
	    "additionalProperties"), "type"), "string");
	agentcfg_free(&c);
}
END_TEST

START_TEST(test_default_tools_filtered)
{
	struct agentcfg c;

	load_ok_p("model: openai/gpt-4o-mini\n", read_only_yaml, &c);
	ck_assert_int_eq(json_array_size(tools(&c)), 1);
	ck_assert_str_eq(str(json_array_get(tools(&c), 0), "name"),
	    "read_file");
	agentcfg_free(&c);
}
END_TEST

START_TEST(test_tools_empty)
{
	struct agentcfg c;

	load_ok("model: openai/gpt-4o-mini\ntools: []\n", &c);
	ck_assert_int_eq(json_array_size(tools(&c)), 0);
	agentcfg_free(&c);
	load_bad("model: openai/gpt-4o-mini\ntools:\n", 2, 7,
	    "tools: must be a list of tools (tools: [] for none)");
	load_bad("model: openai/gpt-4o-mini\ntools: {a: 1}\n", 2, 8,
	    "tools: must be a list of tools (tools: [] for none)");
}
END_TEST

START_TEST(test_unknown_key)
{
	load_bad("model: openai/gpt-4o-mini\nsystem: hi\n", 2, 1,
	    "unknown key \"system\" (AGENT.yaml has model, base_url, "
	    "instructions, max_turns, temperature, max_tokens, timeout and tools)");
	load_bad("instructions: hi\n", 1, 1,
	    "missing \"model\" (provider/model, or replay:PATH)");
}
END_TEST

START_TEST(test_duplicate_key)
{
	load_bad("model: openai/a\nmax_turns: 3\nmodel: openai/b\n", 3, 1,
	    "duplicate key \"model\"");
	tool_bad("{name: a, name: b, action: fs.read, target_from: /x}", 3, 15,
	    "tools[0]: duplicate key \"name\"");
	tool_bad("{name: a, action: fs.read, target_from: /x,\n"
	    "     parameters: {properties: {x: {}, x: {}}}}", 4, 39,
	    "tools[0].parameters: duplicate key \"x\"");
}
END_TEST

/* ---- model, base_url, endpoint ------------------------------------------ */

START_TEST(test_replay)
{
	struct agentcfg c;

	load_ok("model: \"replay:/var/lib/t/my run+1.jsonl\"\n", &c);
	ck_assert_str_eq(str(c.config, "model"), "replay/my_run_1");
	ck_assert_str_eq(c.endpoint, "replay=/var/lib/t/my run+1.jsonl");
	agentcfg_free(&c);
	load_ok("model: replay:t.v2.jsonl\n", &c);
	ck_assert_str_eq(str(c.config, "model"), "replay/t.v2");
	ck_assert_str_eq(c.endpoint, "replay=t.v2.jsonl");
	agentcfg_free(&c);
	load_ok("model: replay:/x/.jsonl\n", &c);
	ck_assert_str_eq(str(c.config, "model"), "replay/transcript");
	agentcfg_free(&c);
	load_ok("model: replay:/x/\n", &c);
	ck_assert_str_eq(str(c.config, "model"), "replay/transcript");
	ck_assert_str_eq(c.endpoint, "replay=/x/");
	agentcfg_free(&c);
	load_bad("model: \"replay:\"\n", 1, 8,
	    "model: replay: needs the transcript's path (replay:PATH)");
	load_bad("model: \"replay:/a\\tb\"\n", 1, 8,
	    "model: the transcript's path holds a control character");
}
END_TEST

START_TEST(test_replay_path_max)
{
	char y[1200], path[1026];
	struct agentcfg c;

	memset(path, 'p', 1024);
	path[1024] = '\0';
	snprintf(y, sizeof(y), "model: replay:%s\n", path);
	load_ok(y, &c);
	ck_assert_uint_eq(strlen(c.endpoint), 7 + 1024);
	agentcfg_free(&c);
	snprintf(y, sizeof(y), "model: replay:%sp\n", path);
	load_bad(y, 1, 8,
	    "model: the transcript's path is longer than 1024 bytes");
}
END_TEST

START_TEST(test_base_url)
{
	struct agentcfg c;
	char y[2300], url[2100];

	load_ok("model: ollama/llama3\nbase_url: http://127.0.0.1:8080/v1\n",
	    &c);
	ck_assert_str_eq(c.endpoint, "ollama=http://127.0.0.1:8080/v1");
	agentcfg_free(&c);
	load_bad("model: ollama/llama3\nbase_url: ftp://h/v1\n", 2, 11,
	    "base_url: must be an http:// or https:// URL");
	load_bad("model: ollama/llama3\nbase_url: \"https://\"\n", 2, 11,
	    "base_url: must be an http:// or https:// URL");
	load_bad("model: ollama/llama3\nbase_url: \"https://h/a b\"\n", 2, 11,
	    "base_url: must be printable ASCII without spaces");
	load_bad("model: ollama/llama3\nbase_url: 8080\n", 2, 11,
	    "base_url: must be a string");
	memset(url, 'a', sizeof(url));
	memcpy(url, "https://", 8);
	url[2048] = '\0';
	snprintf(y, sizeof(y), "model: o/m\nbase_url: %s\n", url);
	load_ok(y, &c);
	ck_assert_str_eq(c.endpoint + 2, url);
	agentcfg_free(&c);
	url[2048] = 'a';
	url[2049] = '\0';
	snprintf(y, sizeof(y), "model: o/m\nbase_url: %s\n", url);
	load_bad(y, 2, 11, "base_url: is longer than 2048 bytes");
}
END_TEST

START_TEST(test_base_url_with_replay)
{
	load_bad("model: replay:/t.jsonl\nbase_url: https://h/v1\n", 2, 11,
	    "base_url: is not for a replay: model (the transcript answers, "
	    "no endpoint)");
}
END_TEST

START_TEST(test_model_bounds)
{
	static const char bad_form[] = "model: must be \"provider/model\" "
	    "(e.g. openai/gpt-4o-mini; the provider 1 to 32 of a-z, 0-9, _ "
	    "and -) or \"replay:PATH\"";
	char y[400], name[300];
	struct agentcfg c;

	load_bad("model: gpt-4o\n", 1, 8, bad_form);
	load_bad("model: OpenAI/gpt-4o\n", 1, 8, bad_form);
	load_bad("model: /gpt-4o\n", 1, 8, bad_form);
	load_bad("model: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/m\n", 1, 8,
	    bad_form);
	load_ok("model: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/m\n", &c);
	agentcfg_free(&c);
	load_bad("model: openai/\n", 1, 8, "model: the model's name (after "
	    "\"openai/\") must be printable ASCII without spaces");
	load_bad("model: \"openai/gpt 4\"\n", 1, 8, "model: the model's name "
	    "(after \"openai/\") must be printable ASCII without spaces");
	load_bad("model: \"openai/gpt\\u00e9\"\n", 1, 8, "model: the model's "
	    "name (after \"openai/\") must be printable ASCII without spaces");
	load_bad("model: replay/x\n", 1, 8, "model: the provider \"replay\" "
	    "is the offline model: write replay:PATH");
	load_bad("model: 4\n", 1, 8, "model: must be a string: "
	    "\"provider/model\" or \"replay:PATH\"");
	load_bad("model: [openai/x]\n", 1, 8, "model: must be a string: "
	    "\"provider/model\" or \"replay:PATH\"");
	/* 256 bytes in all, then 257 */
	memset(name, 'm', sizeof(name));
	name[256 - 2] = '\0';
	snprintf(y, sizeof(y), "model: o/%s\n", name);
	load_ok(y, &c);
	ck_assert_uint_eq(strlen(str(c.config, "model")), 256);
	agentcfg_free(&c);
	snprintf(y, sizeof(y), "model: o/%sm\n", name);
	load_bad(y, 1, 8, "model: is longer than 256 bytes");
}
END_TEST

/* ---- instructions and numbers ------------------------------------------- */

START_TEST(test_instructions)
{
	size_t n = 64 * 1024;
	char *y = malloc(n + 64);
	struct agentcfg c;

	ck_assert_ptr_nonnull(y);
	memcpy(y, "model: o/m\ninstructions: ", 25);
	memset(y + 25, 'i', n);
	strcpy(y + 25 + n, "\n");
	load_ok(y, &c);
	ck_assert_uint_eq(strlen(str(c.config, "instructions")), n);
	agentcfg_free(&c);
	strcpy(y + 25 + n, "i\n");
	load_bad(y, 2, 15, "instructions: is longer than 65536 bytes");
	free(y);
	load_bad("model: o/m\ninstructions: [a]\n", 2, 15,
	    "instructions: must be a string");
	load_bad("model: o/m\ninstructions:\n", 2, 14,
	    "instructions: must be a string");
}
END_TEST

START_TEST(test_max_turns)
{
	static const char msg[] = "max_turns: must be a whole number from 1 "
	    "to 1000";
	struct agentcfg c;

	load_ok("model: o/m\nmax_turns: 1000\n", &c);
	ck_assert_int_eq(json_integer_value(json_object_get(c.config,
	    "max_turns")), 1000);
	agentcfg_free(&c);
	load_ok("model: o/m\nmax_turns: 1\n", &c);
	agentcfg_free(&c);
	load_bad("model: o/m\nmax_turns: 0\n", 2, 12, msg);
	load_bad("model: o/m\nmax_turns: 1001\n", 2, 12, msg);
	load_bad("model: o/m\nmax_turns: \"5\"\n", 2, 12, msg);
	load_bad("model: o/m\nmax_turns: 2.5\n", 2, 12, msg);
	load_bad("model: o/m\nmax_turns: 99999999999999999999\n", 2, 12, msg);
}
END_TEST

START_TEST(test_temperature)
{
	static const char msg[] = "temperature: must be a number from 0 to 2";
	struct agentcfg c;
	const json_t *t;

	load_ok("model: o/m\ntemperature: 1\n", &c);
	t = json_object_get(c.config, "temperature");
	ck_assert(json_is_real(t));
	ck_assert(json_real_value(t) == 1.0);
	agentcfg_free(&c);
	load_ok("model: o/m\ntemperature: 2.0\n", &c);
	agentcfg_free(&c);
	load_ok("model: o/m\ntemperature: 0\n", &c);
	agentcfg_free(&c);
	load_bad("model: o/m\ntemperature: -0.1\n", 2, 14, msg);
	load_bad("model: o/m\ntemperature: 2.01\n", 2, 14, msg);
	load_bad("model: o/m\ntemperature: .nan\n", 2, 14, msg);
	load_bad("model: o/m\ntemperature: hot\n", 2, 14, msg);
}
END_TEST

START_TEST(test_max_tokens)
{
	static const char msg[] = "max_tokens: must be a whole number from 1 "
	    "to 1000000";
	struct agentcfg c;

	load_ok("model: o/m\nmax_tokens: 1000000\n", &c);
	ck_assert_int_eq(json_integer_value(json_object_get(c.config,
	    "max_tokens")), 1000000);
	agentcfg_free(&c);
	load_bad("model: o/m\nmax_tokens: 0\n", 2, 13, msg);
	load_bad("model: o/m\nmax_tokens: 1000001\n", 2, 13, msg);
	load_bad("model: o/m\nmax_tokens: true\n", 2, 13, msg);
}
END_TEST

/* ---- tools ------------------------------------------------------------- */

START_TEST(test_target_not_property)
{
	tool_bad("{name: t, action: fs.read, target_from: path,\n"
	    "     parameters: {properties: {file: {type: string}},\n"
	    "                  required: [file]}}", 3, 45,
	    "tools[0].target_from: \"path\" is not a property of its "
	    "parameters");
	/* no parameters at all: the default has no properties */
	tool_bad("{name: t, action: fs.read, target_from: path}", 3, 45,
	    "tools[0].target_from: \"path\" is not a property of its "
	    "parameters");
}
END_TEST

START_TEST(test_target_not_required)
{
	tool_bad("{name: t, action: fs.read, target_from: path,\n"
	    "     parameters: {properties: {path: {type: string}}}}", 3, 45,
	    "tools[0].target_from: \"path\" is not in its parameters' "
	    "required list: a missing target is an error, never a fallback");
	tool_bad("{name: t, action: fs.read, target_from: path,\n"
	    "     parameters: {properties: {path: {}, x: {}}, required: [x]}}",
	    3, 45, "tools[0].target_from: \"path\" is not in its "
	    "parameters' required list: a missing target is an error, never "
	    "a fallback");
	tool_bad("{name: t, action: fs.read, target_from: a.b}", 3, 45,
	    "tools[0].target_from: must be a property name (1 to 64 of A-Z, "
	    "a-z, 0-9, _ and -) or a JSON pointer (\"/...\")");
}
END_TEST

START_TEST(test_target_pointer)
{
	struct agentcfg c;
	char *y = with_tool("{name: t, action: net.http, "
	    "target_from: \"/req/a~0b~1c\"}");
	char tool[400], ptr[300];

	load_ok(y, &c);
	free(y);
	ck_assert_str_eq(str(json_array_get(tools(&c), 0), "target_from"),
	    "/req/a~0b~1c");
	agentcfg_free(&c);
	tool_bad("{name: t, action: net.http, target_from: /a~2}", 3, 46,
	    "tools[0].target_from: is not a JSON pointer: '~' must be "
	    "followed by 0 or 1");
	tool_bad("{name: t, action: net.http, target_from: /a~}", 3, 46,
	    "tools[0].target_from: is not a JSON pointer: '~' must be "
	    "followed by 0 or 1");
	memset(ptr, 'p', sizeof(ptr));
	ptr[0] = '/';
	ptr[257] = '\0';
	snprintf(tool, sizeof(tool), "{name: t, action: fs.read, "
	    "target_from: %s}", ptr);
	tool_bad(tool, 3, 45, "tools[0].target_from: is longer than 256 "
	    "bytes");
	ptr[256] = '\0';
	snprintf(tool, sizeof(tool), "{name: t, action: fs.read, "
	    "target_from: %s}", ptr);
	y = with_tool(tool);
	load_ok(y, &c);
	free(y);
	agentcfg_free(&c);
}
END_TEST

START_TEST(test_default_parameters)
{
	struct agentcfg c;
	char *y = with_tool("{name: t, action: fs.list, target_from: /}");
	char *s;

	load_ok(y, &c);
	free(y);
	s = json_dumps(json_object_get(json_array_get(tools(&c), 0),
	    "parameters"), JSON_COMPACT);
	ck_assert_str_eq(s, "{\"type\":\"object\",\"properties\":{},"
	    "\"additionalProperties\":false}");
	free(s);
	ck_assert_str_eq(str(json_array_get(tools(&c), 0), "description"),
	    "");
	agentcfg_free(&c);
	/* no "type": "object" is put first */
	y = with_tool("{name: t, action: fs.list, target_from: p,\n"
	    "     parameters: {properties: {p: {}}, required: [p]}}");
	load_ok(y, &c);
	free(y);
	s = json_dumps(json_object_get(json_array_get(tools(&c), 0),
	    "parameters"), JSON_COMPACT | JSON_PRESERVE_ORDER);
	ck_assert_str_eq(s, "{\"type\":\"object\",\"properties\":{\"p\":{}},"
	    "\"required\":[\"p\"],\"additionalProperties\":false}");
	free(s);
	agentcfg_free(&c);
	/* what the operator says of additionalProperties stays */
	y = with_tool("{name: t, action: fs.list, target_from: p,\n"
	    "     parameters: {properties: {p: {}}, required: [p],"
	    " additionalProperties: true}}");
	load_ok(y, &c);
	free(y);
	ck_assert(json_is_true(json_object_get(json_object_get(json_array_get(
	    tools(&c), 0), "parameters"), "additionalProperties")));
	agentcfg_free(&c);
}
END_TEST

START_TEST(test_parameters_checked)
{
	tool_bad("{name: t, action: fs.read, target_from: /,\n"
	    "     parameters: {type: string}}", 4, 25,
	    "tools[0].parameters.type: must be \"object\": a tool takes an "
	    "object of arguments");
	tool_bad("{name: t, action: fs.read, target_from: /,\n"
	    "     parameters: [a]}", 4, 18,
	    "tools[0].parameters: must be a mapping: a JSON Schema of type "
	    "object");
	tool_bad("{name: t, action: fs.read, target_from: /,\n"
	    "     parameters: {properties: [a]}}", 4, 31,
	    "tools[0].parameters.properties: must be a mapping");
	tool_bad("{name: t, action: fs.read, target_from: /,\n"
	    "     parameters: {required: [1]}}", 4, 29,
	    "tools[0].parameters.required: must be a list of property names");
	tool_bad("{name: t, action: fs.read, target_from: /,\n"
	    "     parameters: {maximum: 1e999}}", 4, 28,
	    "tools[0].parameters: only finite numbers are allowed");
}
END_TEST

START_TEST(test_action_refused)
{
	tool_bad("{name: t, action: llm.chat, target_from: /x}", 3, 23,
	    "tools[0].action: llm.chat is not a tool action: the agent's own "
	    "model calls are not tools");
	tool_bad("{name: t, action: fs.rm, target_from: /x}", 3, 23,
	    "tools[0].action: unknown action \"fs.rm\" (fs.read, fs.write, "
	    "fs.delete, fs.list, proc.exec, net.http, mcp.call, mcp.list, "
	    "snapshot.rollback)");
	tool_bad("{name: t, action: [fs.read], target_from: /x}", 3, 23,
	    "tools[0].action: must be a string: an action");
}
END_TEST

START_TEST(test_tool_fields)
{
	char tool[200], name[80];
	struct agentcfg c;
	char *y;

	tool_bad("{name: a, action: fs.read}", 3, 5,
	    "tools[0]: missing \"target_from\"");
	tool_bad("{action: fs.read, target_from: /}", 3, 5,
	    "tools[0]: missing \"name\"");
	tool_bad("{name: a, target_from: /}", 3, 5,
	    "tools[0]: missing \"action\"");
	tool_bad("{name: a, action: fs.read, target_from: /, when: now}", 3,
	    48, "tools[0]: unknown key \"when\" (a tool has name, description, "
	    "parameters, action and target_from)");
	tool_bad("read_file", 3, 5, "tools[0]: must be a mapping (name, "
	    "description, parameters, action, target_from)");
	tool_bad("{name: \"a b\", action: fs.read, target_from: /}", 3, 12,
	    "tools[0].name: must be 1 to 64 of A-Z, a-z, 0-9, _ and -");
	tool_bad("{name: a, description: [x], action: fs.read, target_from: /}",
	    3, 28, "tools[0].description: must be a string");
	memset(name, 'N', sizeof(name));
	name[64] = '\0';
	snprintf(tool, sizeof(tool), "{name: %s, action: fs.read, "
	    "target_from: /}", name);
	y = with_tool(tool);
	load_ok(y, &c);
	free(y);
	agentcfg_free(&c);
	snprintf(tool, sizeof(tool), "{name: %sN, action: fs.read, "
	    "target_from: /}", name);
	tool_bad(tool, 3, 12, "tools[0].name: must be 1 to 64 of A-Z, a-z, "
	    "0-9, _ and -");
}
END_TEST

START_TEST(test_description_max)
{
	char *d = malloc(5000), *tool, *y;
	struct agentcfg c;

	ck_assert_ptr_nonnull(d);
	memset(d, 'd', 4097);
	d[4096] = '\0';
	ck_assert_int_ge(asprintf(&tool, "{name: a, description: %s, "
	    "action: fs.read, target_from: /}", d), 0);
	y = with_tool(tool);
	load_ok(y, &c);
	agentcfg_free(&c);
	free(y);
	free(tool);
	d[4096] = 'd';
	d[4097] = '\0';
	ck_assert_int_ge(asprintf(&tool, "{name: a, description: %s, "
	    "action: fs.read, target_from: /}", d), 0);
	tool_bad(tool, 3, 28, "tools[0].description: is longer than 4096 "
	    "bytes");
	free(tool);
	free(d);
}
END_TEST

START_TEST(test_duplicate_tool_names)
{
	load_bad("model: o/m\ntools:\n"
	    "  - {name: a, action: fs.read, target_from: /}\n"
	    "  - {name: b, action: fs.read, target_from: /}\n"
	    "  - {name: a, action: fs.list, target_from: /}\n", 5, 12,
	    "tools[2].name: \"a\" is also the name of tools[0]");
}
END_TEST

/* 128 tools, then 129 (each with a distinct name). */
static char *
many_tools(size_t n, const char *desc)
{
	size_t cap = 64 + n * (80 + strlen(desc)), o, i;
	char *y = malloc(cap);

	ck_assert_ptr_nonnull(y);
	o = (size_t)snprintf(y, cap, "model: o/m\ntools:\n");
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(y + o, cap - o, "  - {name: t%zu, "
		    "description: %s, action: fs.read, target_from: /}\n", i,
		    desc);
	return y;
}

START_TEST(test_tools_max)
{
	struct agentcfg c;
	char *y = many_tools(128, "d");

	load_ok(y, &c);
	ck_assert_int_eq(json_array_size(tools(&c)), 128);
	agentcfg_free(&c);
	free(y);
	y = many_tools(129, "d");
	load_bad(y, 131, 5, "tools: at most 128 tools");
	free(y);
}
END_TEST

START_TEST(test_config_size)
{
	char *d = malloc(4097), *y;

	ck_assert_ptr_nonnull(d);
	memset(d, 'd', 4096);
	d[4096] = '\0';
	/* 60 tools of 4 KiB descriptions: more than 192 KiB of JSON */
	y = many_tools(60, d);
	load_bad(y, 1, 1, "the agent's configuration is larger than 196608 "
	    "bytes");
	free(y);
	free(d);
}
END_TEST

/* ---- errors and their positions ------------------------------------------ */

START_TEST(test_error_positions)
{
	load_bad("", 1, 1, "empty file: AGENT.yaml is a mapping with at least "
	    "model: provider/model");
	load_bad("# only a comment\n", 1, 1, "empty file: AGENT.yaml is a "
	    "mapping with at least model: provider/model");
	load_bad("- model: o/m\n", 1, 1, "top level must be a mapping "
	    "(model:, instructions:, tools:, ...)");
	load_bad("model: o/m\ntools: [\n", 3, 1, "YAML syntax error: did not "
	    "find expected node content");
	load_bad("model: &m o/m\n", 1, 8, "anchors are not allowed");
	load_bad("model: o/m\n---\nmodel: o/m\n", 2, 1,
	    "only one YAML document is allowed");
	load_bad("model: !!str o/m\n", 1, 8, "tags are not allowed");
	/* the third tool's error is on its own line */
	load_bad("model: o/m\n"
	    "tools:\n"
	    "  - {name: a, action: fs.read, target_from: /}\n"
	    "  - {name: b, action: fs.read, target_from: /}\n"
	    "  - name: c\n"
	    "    action: fs.read\n"
	    "    target_from: nope\n", 7, 18,
	    "tools[2].target_from: \"nope\" is not a property of its "
	    "parameters");
}
END_TEST

START_TEST(test_no_input)
{
	struct policy *p = pol(full_yaml);
	struct agentcfg c;
	struct agentcfg_err err;

	ck_assert_int_eq(agentcfg_load(NULL, NULL, 3, p, &c, &err), -1);
	ck_assert_str_eq(err.file, "<agent>");
	ck_assert_str_eq(err.msg, "no input");
	ck_assert_ptr_null(c.config);
	policy_free(p);
}
END_TEST

/* An error after base_url set the endpoint leaves it empty. */
START_TEST(test_failure_clears_out)
{
	load_bad("model: o/m\nbase_url: https://h\nmax_turns: 0\n", 3, 12,
	    "max_turns: must be a whole number from 1 to 1000");
}
END_TEST

static Suite *
agentcfg_suite(void)
{
	Suite *s = suite_create("agentcfg");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_default_tools_filtered);
	tcase_add_test(tc, test_tools_empty);
	tcase_add_test(tc, test_unknown_key);
	tcase_add_test(tc, test_duplicate_key);
	tcase_add_test(tc, test_replay);
	tcase_add_test(tc, test_replay_path_max);
	tcase_add_test(tc, test_base_url);
	tcase_add_test(tc, test_base_url_with_replay);
	tcase_add_test(tc, test_model_bounds);
	tcase_add_test(tc, test_instructions);
	tcase_add_test(tc, test_max_turns);
	tcase_add_test(tc, test_temperature);
	tcase_add_test(tc, test_max_tokens);
	tcase_add_test(tc, test_target_not_property);
	tcase_add_test(tc, test_target_not_required);
	tcase_add_test(tc, test_target_pointer);
	tcase_add_test(tc, test_default_parameters);
	tcase_add_test(tc, test_parameters_checked);
	tcase_add_test(tc, test_action_refused);
	tcase_add_test(tc, test_tool_fields);
	tcase_add_test(tc, test_description_max);
	tcase_add_test(tc, test_duplicate_tool_names);
	tcase_add_test(tc, test_tools_max);
	tcase_add_test(tc, test_config_size);
	tcase_add_test(tc, test_error_positions);
	tcase_add_test(tc, test_no_input);
	tcase_add_test(tc, test_failure_clears_out);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(agentcfg_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
