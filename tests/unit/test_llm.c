/*
 * tests/unit/test_llm.c -- llm.chat's translation (common/llm/chat.c):
 * the params checked (every refusal names its field), the OpenAI and
 * Anthropic request bodies (system joined, tool messages merged,
 * arguments parsed into input, tools mapped, default max_tokens), the
 * providers' answers read into the neutral answer (text, parallel tool
 * calls, finish reasons, usage) and refused when wrong, a replay
 * answer's round trip, a provider's error message cleaned and cut.
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/llm/chat.h"

static json_t *
J(const char *s)
{
	json_error_t e;
	json_t *v = json_loads(s, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e);

	ck_assert_msg(v != NULL, "bad test JSON %s: %s", s, e.text);
	return v;
}

/* The request body for params (text), compared with want exactly. */
static void
req_is(enum llm_api api, const char *params, const char *want)
{
	json_t *p = J(params);
	char err[256] = "", *t;

	ck_assert_int_eq(llm_params_check(p, err, sizeof(err)), 0);
	t = llm_request(api, "m-1", p, err, sizeof(err));
	ck_assert_msg(t != NULL, "%s: %s", params, err);
	ck_assert_str_eq(t, want);
	free(t);
	json_decref(p);
}

/* params refused by llm_params_check (and llm_request) with an error
 * that holds want. */
static void
params_bad(const json_t *p, const char *want)
{
	char err[256] = "", err2[256] = "";

	ck_assert_int_eq(llm_params_check(p, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, want) != NULL, "err \"%s\", want \"%s\"",
	    err, want);
	ck_assert_ptr_null(llm_request(LLM_API_OPENAI, "m", p, err2,
	    sizeof(err2)));
	ck_assert_str_eq(err, err2);
}

static void
params_bad_s(const char *params, const char *want)
{
	json_t *p = J(params);

	params_bad(p, want);
	json_decref(p);
}

/* The answer for body, dumped compact, compared with want. */
static void
resp_is(enum llm_api api, const char *body, const char *want,
    long long in, long long out)
{
	struct llm_usage u = { -1, -1 };
	char err[256] = "", *t;
	json_t *a = llm_response(api, body, strlen(body), &u, err, sizeof(err));

	ck_assert_msg(a != NULL, "%s: %s", body, err);
	t = json_dumps(a, JSON_COMPACT);
	ck_assert_str_eq(t, want);
	ck_assert_int_eq(u.input, in);
	ck_assert_int_eq(u.output, out);
	free(t);
	json_decref(a);
}

static void
resp_bad_n(enum llm_api api, const char *body, size_t len, const char *want)
{
	struct llm_usage u = { -1, -1 };
	char err[256] = "";

	ck_assert_ptr_null(llm_response(api, body, len, &u, err, sizeof(err)));
	ck_assert_msg(strstr(err, want) != NULL, "err \"%s\", want \"%s\"",
	    err, want);
	ck_assert_int_eq(u.input, 0);
	ck_assert_int_eq(u.output, 0);
}

static void
resp_bad(enum llm_api api, const char *body, const char *want)
{
	resp_bad_n(api, body, strlen(body), want);
}

/* ---- requests ---- */

START_TEST(test_openai_request)
{
	/* model first, messages as given (type added to a tool call), tools
	 * with their default parameters, optional keys only when given */
	req_is(LLM_API_OPENAI, "{\"messages\":[{\"role\":\"user\",\"content\":"
	    "\"hi\"}]}", "{\"model\":\"m-1\",\"messages\":[{\"role\":\"user\","
	    "\"content\":\"hi\"}]}");
	req_is(LLM_API_OPENAI, "{\"temperature\":0.5,\"max_tokens\":100,"
	    "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"ls\"}}],"
	    "\"messages\":[{\"role\":\"system\",\"content\":\"s\"},{\"role\":"
	    "\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c1\","
	    "\"function\":{\"name\":\"ls\",\"arguments\":\"{}\"}}]},{\"role\":"
	    "\"tool\",\"tool_call_id\":\"c1\",\"content\":\"a b\"}]}",
	    "{\"model\":\"m-1\",\"messages\":[{\"role\":\"system\",\"content\":"
	    "\"s\"},{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{"
	    "\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"ls\","
	    "\"arguments\":\"{}\"}}]},{\"role\":\"tool\",\"content\":\"a b\","
	    "\"tool_call_id\":\"c1\"}],\"tools\":[{\"type\":\"function\","
	    "\"function\":{\"name\":\"ls\",\"parameters\":{\"type\":\"object\","
	    "\"properties\":{}}}}],\"max_tokens\":100,\"temperature\":0.5}");
}
END_TEST

START_TEST(test_anthropic_request_system)
{
	/* every system message joined, wherever it is; default max_tokens */
	req_is(LLM_API_ANTHROPIC, "{\"messages\":[{\"role\":\"system\","
	    "\"content\":\"one\"},{\"role\":\"user\",\"content\":\"hi\"},"
	    "{\"role\":\"system\",\"content\":\"two\"}]}",
	    "{\"model\":\"m-1\",\"max_tokens\":4096,\"system\":\"one\\n\\ntwo\","
	    "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
	/* none: no system key; max_tokens and temperature as given */
	req_is(LLM_API_ANTHROPIC, "{\"max_tokens\":7,\"temperature\":1,"
	    "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
	    "{\"model\":\"m-1\",\"max_tokens\":7,\"messages\":[{\"role\":"
	    "\"user\",\"content\":\"hi\"}],\"temperature\":1}");
}
END_TEST

START_TEST(test_anthropic_request_tools)
{
	/* an assistant's text and calls as blocks, arguments parsed into
	 * input; the tool results and the user's text after them one user
	 * message, results first; tools as name/description/input_schema */
	req_is(LLM_API_ANTHROPIC, "{\"tools\":[{\"function\":{\"name\":\"rd\","
	    "\"description\":\"read\",\"parameters\":{\"type\":\"object\"}}},"
	    "{\"function\":{\"name\":\"ls\"}}],\"messages\":["
	    "{\"role\":\"user\",\"content\":\"go\"},"
	    "{\"role\":\"assistant\",\"content\":\"ok\",\"tool_calls\":["
	    "{\"id\":\"a\",\"type\":\"function\",\"function\":{\"name\":\"rd\","
	    "\"arguments\":\"{\\\"p\\\":\\\"x\\\"}\"}},"
	    "{\"id\":\"b\",\"function\":{\"name\":\"ls\",\"arguments\":\"[1]\"}}]},"
	    "{\"role\":\"tool\",\"tool_call_id\":\"a\",\"content\":\"X\"},"
	    "{\"role\":\"tool\",\"tool_call_id\":\"b\",\"content\":\"Y\"},"
	    "{\"role\":\"user\",\"content\":\"more\"}]}",
	    "{\"model\":\"m-1\",\"max_tokens\":4096,\"messages\":["
	    "{\"role\":\"user\",\"content\":\"go\"},"
	    "{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":"
	    "\"ok\"},{\"type\":\"tool_use\",\"id\":\"a\",\"name\":\"rd\","
	    "\"input\":{\"p\":\"x\"}},{\"type\":\"tool_use\",\"id\":\"b\","
	    "\"name\":\"ls\",\"input\":{}}]},"
	    "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\","
	    "\"tool_use_id\":\"a\",\"content\":\"X\"},{\"type\":\"tool_result\","
	    "\"tool_use_id\":\"b\",\"content\":\"Y\"},{\"type\":\"text\","
	    "\"text\":\"more\"}]}],"
	    "\"tools\":[{\"name\":\"rd\",\"description\":\"read\","
	    "\"input_schema\":{\"type\":\"object\"}},{\"name\":\"ls\","
	    "\"input_schema\":{\"type\":\"object\",\"properties\":{}}}]}");
}
END_TEST

START_TEST(test_anthropic_request_merge)
{
	/* a user message before tool results: results still first; two
	 * users in a row one message; an assistant with no text and a call
	 * of arguments that do not parse: only the tool_use, input {} */
	req_is(LLM_API_ANTHROPIC, "{\"messages\":["
	    "{\"role\":\"user\",\"content\":\"a\"},"
	    "{\"role\":\"user\",\"content\":\"b\"},"
	    "{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":["
	    "{\"id\":\"i\",\"function\":{\"name\":\"f\",\"arguments\":\"{bad\"}}]},"
	    "{\"role\":\"user\",\"content\":\"c\"},"
	    "{\"role\":\"tool\",\"tool_call_id\":\"i\",\"content\":\"r\"}]}",
	    "{\"model\":\"m-1\",\"max_tokens\":4096,\"messages\":["
	    "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},"
	    "{\"type\":\"text\",\"text\":\"b\"}]},"
	    "{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\","
	    "\"id\":\"i\",\"name\":\"f\",\"input\":{}}]},"
	    "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\","
	    "\"tool_use_id\":\"i\",\"content\":\"r\"},{\"type\":\"text\","
	    "\"text\":\"c\"}]}]}");
}
END_TEST

START_TEST(test_request_refusals)
{
	json_t *p = J("{\"temperature\":1.5,\"messages\":[{\"role\":\"user\","
	    "\"content\":\"x\"}]}");
	json_t *s = J("{\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]}");
	char err[256] = "", *t;

	/* above 1: fine for OpenAI, refused for Anthropic */
	t = llm_request(LLM_API_OPENAI, "m", p, err, sizeof(err));
	ck_assert_ptr_nonnull(t);
	free(t);
	ck_assert_ptr_null(llm_request(LLM_API_ANTHROPIC, "m", p, err,
	    sizeof(err)));
	ck_assert_str_eq(err, "params.temperature must be at most 1 for an "
	    "Anthropic model");
	/* only system messages: nothing to send to Anthropic */
	ck_assert_ptr_null(llm_request(LLM_API_ANTHROPIC, "m", s, err,
	    sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "not a system one"));
	/* a model name with a space or empty, an unknown API */
	ck_assert_ptr_null(llm_request(LLM_API_OPENAI, "a b", s, err,
	    sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "model name"));
	ck_assert_ptr_null(llm_request(LLM_API_OPENAI, "", s, err, sizeof(err)));
	ck_assert_ptr_null(llm_request((enum llm_api)3, "m", s, err,
	    sizeof(err)));
	json_decref(p);
	json_decref(s);
}
END_TEST

/* ---- params ---- */

START_TEST(test_params_unknown_keys)
{
	params_bad_s("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
	    "\"stream\":true}", "params has an unknown key \"stream\"");
	params_bad_s("{\"messages\":[{\"role\":\"user\",\"content\":\"x\","
	    "\"name\":\"bob\"}]}", "params.messages[0] has an unknown key "
	    "\"name\"");
	params_bad_s("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
	    "\"tools\":[{\"function\":{\"name\":\"f\",\"strict\":true}}]}",
	    "params.tools[0].function has an unknown key \"strict\"");
	params_bad_s("{\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{"
	    "\"id\":\"i\",\"index\":0,\"function\":{\"name\":\"f\","
	    "\"arguments\":\"\"}}]}]}", "params.messages[0].tool_calls[0] has "
	    "an unknown key \"index\"");
	/* a key's controls and length never reach the error raw */
	params_bad_s("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
	    "\"a\\u001b[31m\\u00e9bcdefghijklmnopqrstuvwxyz0123456789\":1}",
	    "unknown key \"a?[31m??bcdefghijklmnopqrstuvwxy...\"");
}
END_TEST

START_TEST(test_params_roles)
{
	params_bad_s("{\"messages\":[{\"role\":\"developer\",\"content\":"
	    "\"x\"}]}", "params.messages[0].role must be one of system, user, "
	    "assistant, tool");
	params_bad_s("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"},"
	    "{\"content\":\"x\"}]}", "params.messages[1].role must be one of");
	/* a tool message needs its id; only a tool message has one */
	params_bad_s("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"},"
	    "{\"role\":\"tool\",\"content\":\"r\"}]}",
	    "params.messages[1].tool_call_id must be a string of 1 to 256");
	params_bad_s("{\"messages\":[{\"role\":\"tool\",\"tool_call_id\":\"\","
	    "\"content\":\"r\"}]}", "params.messages[0].tool_call_id must be");
	params_bad_s("{\"messages\":[{\"role\":\"user\",\"tool_call_id\":\"i\","
	    "\"content\":\"r\"}]}", "params.messages[0].tool_call_id is only "
	    "for a tool message");
	params_bad_s("{\"messages\":[{\"role\":\"user\",\"content\":\"x\","
	    "\"tool_calls\":[]}]}", "params.messages[0].tool_calls is only for "
	    "an assistant message");
}
END_TEST

START_TEST(test_params_content)
{
	json_t *p;

	params_bad_s("{\"messages\":[{\"role\":\"user\",\"content\":null}]}",
	    "params.messages[0].content must be a string");
	params_bad_s("{\"messages\":[{\"role\":\"system\"}]}",
	    "params.messages[0].content must be a string");
	params_bad_s("{\"messages\":[{\"role\":\"assistant\",\"content\":"
	    "null}]}", "params.messages[0].content must be a string");
	params_bad_s("{\"messages\":[{\"role\":\"assistant\",\"content\":null,"
	    "\"tool_calls\":[]}]}", "params.messages[0].content must be a "
	    "string");
	params_bad_s("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":"
	    "\"text\",\"text\":\"x\"}]}]}", "params.messages[0].content must be");
	/* a NUL in content (a string built with one) */
	p = json_pack("{s:[{s:s, s:s#}]}", "messages", "role", "user",
	    "content", "a\0b", (size_t)3);
	params_bad(p, "params.messages[0].content contains a NUL");
	json_decref(p);
	/* null content with calls, absent content with calls: fine */
	p = J("{\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":"
	    "\"i\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}]}");
	ck_assert_int_eq(llm_params_check(p, NULL, 0), 0);
	json_decref(p);
}
END_TEST

START_TEST(test_params_bounds)
{
	json_t *p, *msgs, *m;
	char big[200];
	size_t i;

	params_bad_s("[]", "params must be an object");
	params_bad_s("{}", "params.messages must be an array of 1 to 1024");
	params_bad_s("{\"messages\":[]}", "params.messages must be an array");
	params_bad_s("{\"messages\":[1]}", "params.messages[0] must be an "
	    "object");
	p = J("{\"messages\":[]}");
	msgs = json_object_get(p, "messages");
	m = J("{\"role\":\"user\",\"content\":\"x\"}");
	for (i = 0; i < LLM_MESSAGES_MAX; i++)
		json_array_append(msgs, m);
	ck_assert_int_eq(llm_params_check(p, NULL, 0), 0);
	json_array_append(msgs, m);
	params_bad(p, "params.messages must be an array of 1 to 1024");
	json_decref(m);
	json_decref(p);
#define ONE "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]"
	params_bad_s("{" ONE ",\"max_tokens\":0}", "params.max_tokens must be "
	    "an integer from 1 to 1000000");
	params_bad_s("{" ONE ",\"max_tokens\":1000001}", "params.max_tokens");
	params_bad_s("{" ONE ",\"max_tokens\":10.0}", "params.max_tokens");
	params_bad_s("{" ONE ",\"temperature\":-0.1}", "params.temperature "
	    "must be a number from 0 to 2");
	params_bad_s("{" ONE ",\"temperature\":2.01}", "params.temperature");
	params_bad_s("{" ONE ",\"temperature\":\"1\"}", "params.temperature");
	p = J("{" ONE ",\"max_tokens\":1000000,\"temperature\":2}");
	ck_assert_int_eq(llm_params_check(p, NULL, 0), 0);
	json_decref(p);
	/* tools: names per pattern and unique, at most 128 */
	params_bad_s("{" ONE ",\"tools\":[{\"function\":{\"name\":\"a b\"}}]}",
	    "params.tools[0].function.name must match [A-Za-z0-9_-]{1,64}");
	memset(big, 'n', 65);
	(void)snprintf(big + 65, sizeof(big) - 65, "\"}}]}");
	{
		char t[400];

		(void)snprintf(t, sizeof(t), "{" ONE ",\"tools\":[{\"function\":"
		    "{\"name\":\"%s", big);
		params_bad_s(t, "params.tools[0].function.name must match");
		big[64] = '\0';
		(void)snprintf(t, sizeof(t), "{" ONE ",\"tools\":[{\"function\":"
		    "{\"name\":\"%s\"}}]}", big);
		p = J(t);
		ck_assert_int_eq(llm_params_check(p, NULL, 0), 0);
		json_decref(p);
	}
	params_bad_s("{" ONE ",\"tools\":[{\"function\":{\"name\":\"f\"}},"
	    "{\"function\":{\"name\":\"g\"}},{\"function\":{\"name\":\"f\"}}]}",
	    "params.tools[2].function.name is the name of params.tools[0] too");
	params_bad_s("{" ONE ",\"tools\":[{\"type\":\"web\",\"function\":{"
	    "\"name\":\"f\"}}]}", "params.tools[0].type must be \"function\"");
	params_bad_s("{" ONE ",\"tools\":[{\"function\":{\"name\":\"f\","
	    "\"parameters\":[]}}]}", "params.tools[0].function.parameters must "
	    "be an object");
	p = J("{" ONE ",\"tools\":[]}");
	msgs = json_object_get(p, "tools");
	for (i = 0; i <= LLM_TOOLS_MAX; i++) {
		(void)snprintf(big, sizeof(big), "{\"function\":{\"name\":"
		    "\"t%zu\"}}", i);
		json_array_append_new(msgs, J(big));
	}
	params_bad(p, "params.tools must be an array of at most 128 tools");
	json_array_remove(msgs, 0);
	ck_assert_int_eq(llm_params_check(p, NULL, 0), 0);
	json_decref(p);
#undef ONE
}
END_TEST

START_TEST(test_params_tool_calls)
{
#define AS(calls) "{\"messages\":[{\"role\":\"assistant\",\"content\":null," \
	"\"tool_calls\":" calls "}]}"
	params_bad_s(AS("[{\"function\":{\"name\":\"f\",\"arguments\":\"\"}}]"),
	    "params.messages[0].tool_calls[0].id must be a string");
	params_bad_s(AS("[{\"id\":\"i\",\"function\":{\"name\":\"f.x\","
	    "\"arguments\":\"\"}}]"), "params.messages[0].tool_calls[0]."
	    "function.name must match");
	params_bad_s(AS("[{\"id\":\"i\",\"function\":{\"name\":\"f\","
	    "\"arguments\":{}}}]"), "params.messages[0].tool_calls[0].function."
	    "arguments must be a string");
	params_bad_s(AS("[{\"id\":\"i\",\"type\":\"x\",\"function\":{\"name\":"
	    "\"f\",\"arguments\":\"\"}}]"), "tool_calls[0].type must be "
	    "\"function\"");
	params_bad_s(AS("{}"), "params.messages[0].tool_calls must be an array");
#undef AS
}
END_TEST

/* ---- answers: OpenAI ---- */

START_TEST(test_openai_text)
{
	resp_is(LLM_API_OPENAI, "{\"id\":\"chatcmpl-1\",\"object\":"
	    "\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
	    "\"assistant\",\"content\":\"Hello \\u00e9\",\"refusal\":null},"
	    "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,"
	    "\"completion_tokens\":3,\"total_tokens\":15}}",
	    "{\"message\":{\"role\":\"assistant\",\"content\":\"Hello \xc3\xa9\"},"
	    "\"finish_reason\":\"stop\",\"usage\":{\"input_tokens\":12,"
	    "\"output_tokens\":3}}", 12, 3);
	/* no usage, empty content: 0, 0 and null */
	resp_is(LLM_API_OPENAI, "{\"choices\":[{\"message\":{\"content\":\"\"},"
	    "\"finish_reason\":\"length\"}]}", "{\"message\":{\"role\":"
	    "\"assistant\",\"content\":null},\"finish_reason\":\"length\","
	    "\"usage\":{\"input_tokens\":0,\"output_tokens\":0}}", 0, 0);
}
END_TEST

START_TEST(test_openai_tool_calls)
{
	/* parallel calls, arguments as the model wrote them (even broken),
	 * a missing id made up, other keys ignored */
	resp_is(LLM_API_OPENAI, "{\"choices\":[{\"message\":{\"role\":"
	    "\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,\"id\":"
	    "\"call_a\",\"type\":\"function\",\"function\":{\"name\":\"rd\","
	    "\"arguments\":\"{\\\"p\\\": 1}\"}},{\"function\":{\"name\":\"ls\","
	    "\"arguments\":\"{oops\"}}]},\"finish_reason\":\"tool_calls\"}],"
	    "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":9}}",
	    "{\"message\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":"
	    "[{\"id\":\"call_a\",\"type\":\"function\",\"function\":{\"name\":"
	    "\"rd\",\"arguments\":\"{\\\"p\\\": 1}\"}},{\"id\":\"call_1\",\"type\":"
	    "\"function\",\"function\":{\"name\":\"ls\",\"arguments\":\"{oops\"}}"
	    "]},\"finish_reason\":\"tool_calls\",\"usage\":{\"input_tokens\":5,"
	    "\"output_tokens\":9}}", 5, 9);
}
END_TEST

START_TEST(test_openai_finish)
{
	static const char *const t[][2] = {
		{ "\"stop\"", "stop" }, { "\"length\"", "length" },
		{ "\"tool_calls\"", "tool_calls" },
		{ "\"function_call\"", "tool_calls" },
		{ "\"content_filter\"", "other" }, { "null", "other" },
		{ "7", "other" },
	};
	char body[256];
	struct llm_usage u;
	json_t *a;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		(void)snprintf(body, sizeof(body), "{\"choices\":[{\"message\":"
		    "{\"content\":\"x\"},\"finish_reason\":%s}]}", t[i][0]);
		a = llm_response(LLM_API_OPENAI, body, strlen(body), &u, NULL, 0);
		ck_assert_ptr_nonnull(a);
		ck_assert_str_eq(json_string_value(json_object_get(a,
		    "finish_reason")), t[i][1]);
		json_decref(a);
	}
}
END_TEST

/* An OpenAI answer with n tool calls (malloc'd). */
static char *
openai_calls(size_t n)
{
	char *b = malloc(100 + n * 70);
	size_t i, o;

	o = (size_t)sprintf(b, "{\"choices\":[{\"message\":{\"tool_calls\":[");
	for (i = 0; i < n; i++)
		o += (size_t)sprintf(b + o, "%s{\"id\":\"c%zu\",\"function\":{"
		    "\"name\":\"f\",\"arguments\":\"{}\"}}", i ? "," : "", i);
	(void)sprintf(b + o, "]}}]}");
	return b;
}

START_TEST(test_openai_refusals)
{
	json_t *a;
	char *big;

#define C0 "{\"choices\":[{\"message\":"
	resp_bad(LLM_API_OPENAI, "{\"choices\":", "the model's answer is not "
	    "JSON");
	resp_bad(LLM_API_OPENAI, "", "the model's answer is not JSON");
	resp_bad(LLM_API_OPENAI, "[1]", "the model's answer is not a JSON "
	    "object");
	resp_bad(LLM_API_OPENAI, "{}", "the model's answer has no choices");
	resp_bad(LLM_API_OPENAI, "{\"choices\":[]}", "has no choices");
	resp_bad(LLM_API_OPENAI, "{\"choices\":{}}", "has no choices");
	resp_bad(LLM_API_OPENAI, "{\"choices\":[{\"message\":\"x\"}]}",
	    "has no choices[0].message");
	resp_bad(LLM_API_OPENAI, C0 "{\"content\":5}}]}",
	    "choices[0].message.content must be a string or null");
	resp_bad(LLM_API_OPENAI, C0 "{\"content\":\"a\\u0000b\"}}]}",
	    "choices[0].message.content contains a NUL");
	resp_bad(LLM_API_OPENAI, C0 "{\"content\":\"x\"}}],\"choices\":[]}",
	    "not JSON");	/* a key twice */
	resp_bad(LLM_API_OPENAI, C0 "{\"tool_calls\":[{\"id\":\"i\","
	    "\"function\":{\"name\":\"../etc\",\"arguments\":\"{}\"}}]}}]}",
	    "tool_calls[0].function.name must match");
	resp_bad(LLM_API_OPENAI, C0 "{\"tool_calls\":[{\"id\":\"i\","
	    "\"function\":{\"name\":\"f\\u0000\",\"arguments\":\"{}\"}}]}}]}",
	    "tool_calls[0].function.name must match");
	resp_bad(LLM_API_OPENAI, C0 "{\"tool_calls\":[{\"id\":\"i\","
	    "\"function\":{\"name\":\"f\",\"arguments\":{\"a\":1}}}]}}]}",
	    "tool_calls[0].function.arguments must be a string without NUL");
	resp_bad(LLM_API_OPENAI, C0 "{\"tool_calls\":[{\"id\":\"i\","
	    "\"function\":{\"name\":\"f\",\"arguments\":\"\\u0000\"}}]}}]}",
	    "tool_calls[0].function.arguments must be a string without NUL");
	resp_bad(LLM_API_OPENAI, C0 "{\"tool_calls\":[{\"id\":\"\","
	    "\"function\":{\"name\":\"f\",\"arguments\":\"\"}}]}}]}",
	    "tool_calls[0].id must be a string of 1 to 256 bytes");
	resp_bad(LLM_API_OPENAI, C0 "{\"tool_calls\":[{\"id\":\"i\",\"type\":"
	    "\"custom\",\"function\":{\"name\":\"f\",\"arguments\":\"\"}}]}}]}",
	    "tool_calls[0].type must be \"function\"");
	resp_bad(LLM_API_OPENAI, C0 "{\"tool_calls\":\"f\"}}]}",
	    "choices[0].message.tool_calls must be an array");
	/* usage: non-negative integers up to 10^12 */
	resp_bad(LLM_API_OPENAI, C0 "{\"content\":\"x\"}}],\"usage\":{"
	    "\"prompt_tokens\":-1}}", "usage.prompt_tokens must be an integer "
	    "from 0 to 10^12");
	resp_bad(LLM_API_OPENAI, C0 "{\"content\":\"x\"}}],\"usage\":{"
	    "\"completion_tokens\":1000000000001}}", "usage.completion_tokens");
	resp_bad(LLM_API_OPENAI, C0 "{\"content\":\"x\"}}],\"usage\":{"
	    "\"prompt_tokens\":1.0}}", "usage.prompt_tokens");
	resp_bad(LLM_API_OPENAI, C0 "{\"content\":\"x\"}}],\"usage\":[]}",
	    "usage must be an object");
	/* 16 MiB and a byte: refused before it is read */
	big = malloc(LLM_BODY_MAX + 1);
	memset(big, ' ', LLM_BODY_MAX + 1);
	memcpy(big, C0 "{\"content\":\"x\"}}]}", strlen(C0 "{\"content\":"
	    "\"x\"}}]}"));
	resp_bad_n(LLM_API_OPENAI, big, LLM_BODY_MAX + 1, "larger than 16 MiB");
	free(big);
	/* 129 tool calls refused, 128 taken */
	big = openai_calls(LLM_TOOLS_MAX + 1);
	resp_bad(LLM_API_OPENAI, big, "has more than 128 tool calls");
	free(big);
	big = openai_calls(LLM_TOOLS_MAX);
	a = llm_response(LLM_API_OPENAI, big, strlen(big), NULL, NULL, 0);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(json_array_size(json_object_get(json_object_get(a,
	    "message"), "tool_calls")), LLM_TOOLS_MAX);
	json_decref(a);
	free(big);
#undef C0
}
END_TEST

START_TEST(test_response_not_nul_terminated)
{
	/* the body is len bytes: what follows it is never read */
	static const char b[] = "{\"choices\":[{\"message\":{\"content\":\"x\"}}]}"
	    "GARBAGE";
	json_t *a = llm_response(LLM_API_OPENAI, b, sizeof(b) - 1 - 7, NULL,
	    NULL, 0);

	ck_assert_ptr_nonnull(a);
	json_decref(a);
	resp_bad_n(LLM_API_OPENAI, b, sizeof(b) - 1, "not JSON");
	resp_bad_n(LLM_API_OPENAI, NULL, 0, "not JSON");
}
END_TEST

START_TEST(test_id_lengths)
{
	char id[LLM_ID_MAX + 2], *body;
	json_t *a, *p;
	size_t n;

	/* 256 bytes taken, 257 refused: in an answer and in params */
	memset(id, 'i', sizeof(id) - 1);
	id[LLM_ID_MAX] = '\0';
	n = strlen(id) + 200;
	body = malloc(n);
	(void)snprintf(body, n, "{\"choices\":[{\"message\":{\"tool_calls\":"
	    "[{\"id\":\"%s\",\"function\":{\"name\":\"f\",\"arguments\":"
	    "\"\"}}]}}]}", id);
	a = llm_response(LLM_API_OPENAI, body, strlen(body), NULL, NULL, 0);
	ck_assert_ptr_nonnull(a);
	json_decref(a);
	p = json_pack("{s:[{s:s, s:s, s:s}]}", "messages", "role", "tool",
	    "content", "r", "tool_call_id", id);
	ck_assert_int_eq(llm_params_check(p, NULL, 0), 0);
	json_decref(p);
	id[LLM_ID_MAX] = 'i';
	id[LLM_ID_MAX + 1] = '\0';
	(void)snprintf(body, n, "{\"choices\":[{\"message\":{\"tool_calls\":"
	    "[{\"id\":\"%s\",\"function\":{\"name\":\"f\",\"arguments\":"
	    "\"\"}}]}}]}", id);
	resp_bad(LLM_API_OPENAI, body, "tool_calls[0].id must be a string of "
	    "1 to 256 bytes without NUL");
	free(body);
	p = json_pack("{s:[{s:s, s:s, s:s}]}", "messages", "role", "tool",
	    "content", "r", "tool_call_id", id);
	params_bad(p, "params.messages[0].tool_call_id must be");
	json_decref(p);
}
END_TEST

START_TEST(test_params_nul_arguments)
{
	/* a NUL in a call's arguments or in a tool's description */
	json_t *p = json_pack("{s:[{s:s, s:n, s:[{s:s, s:{s:s, s:s#}}]}]}",
	    "messages", "role", "assistant", "content", "tool_calls", "id", "i",
	    "function", "name", "f", "arguments", "{}\0", (size_t)3);

	params_bad(p, "params.messages[0].tool_calls[0].function.arguments "
	    "must be a string without NUL");
	json_decref(p);
	p = json_pack("{s:[{s:s, s:s}], s:[{s:{s:s, s:s#}}]}", "messages",
	    "role", "user", "content", "x", "tools", "function", "name", "f",
	    "description", "d\0", (size_t)2);
	params_bad(p, "params.tools[0].function.description must be a string "
	    "without NUL");
	json_decref(p);
}
END_TEST

START_TEST(test_anthropic_input_any)
{
	/* input that is not an object is still dumped as the arguments; a
	 * NUL inside it stays an escape, never a raw NUL */
	resp_is(LLM_API_ANTHROPIC, "{\"content\":[{\"type\":\"tool_use\","
	    "\"id\":\"t\",\"name\":\"f\",\"input\":\"s\\u0000\"},"
	    "{\"type\":\"tool_use\",\"id\":\"u\",\"name\":\"g\",\"input\":"
	    "[1]}]}", "{\"message\":{\"role\":\"assistant\",\"content\":null,"
	    "\"tool_calls\":[{\"id\":\"t\",\"type\":\"function\",\"function\":"
	    "{\"name\":\"f\",\"arguments\":\"\\\"s\\\\u0000\\\"\"}},{\"id\":"
	    "\"u\",\"type\":\"function\",\"function\":{\"name\":\"g\","
	    "\"arguments\":\"[1]\"}}]},\"finish_reason\":\"other\",\"usage\":"
	    "{\"input_tokens\":0,\"output_tokens\":0}}", 0, 0);
}
END_TEST

/* ---- answers: Anthropic ---- */

START_TEST(test_anthropic_text)
{
	/* text blocks joined (an empty one first), thinking ignored,
	 * end_turn is stop */
	resp_is(LLM_API_ANTHROPIC, "{\"id\":\"msg_1\",\"type\":\"message\","
	    "\"role\":\"assistant\",\"model\":\"claude\",\"content\":["
	    "{\"type\":\"text\",\"text\":\"\"},"
	    "{\"type\":\"thinking\",\"thinking\":\"hm\",\"signature\":\"s\"},"
	    "{\"type\":\"text\",\"text\":\"Hel\"},{\"type\":\"text\",\"text\":"
	    "\"lo\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
	    "\"usage\":{\"input_tokens\":20,\"output_tokens\":4,"
	    "\"cache_read_input_tokens\":0}}",
	    "{\"message\":{\"role\":\"assistant\",\"content\":\"Hello\"},"
	    "\"finish_reason\":\"stop\",\"usage\":{\"input_tokens\":20,"
	    "\"output_tokens\":4}}", 20, 4);
	resp_is(LLM_API_ANTHROPIC, "{\"content\":[],\"stop_reason\":"
	    "\"max_tokens\"}", "{\"message\":{\"role\":\"assistant\",\"content\":"
	    "null},\"finish_reason\":\"length\",\"usage\":{\"input_tokens\":0,"
	    "\"output_tokens\":0}}", 0, 0);
}
END_TEST

START_TEST(test_anthropic_tool_use)
{
	/* text and two tool_use blocks: input dumped compact, missing input
	 * "{}", a missing id made up from the call's index */
	resp_is(LLM_API_ANTHROPIC, "{\"content\":[{\"type\":\"text\",\"text\":"
	    "\"Let me look.\"},{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":"
	    "\"rd\",\"input\":{\"path\": \"/w/a\", \"n\": [1, 2]}},{\"type\":"
	    "\"tool_use\",\"name\":\"ls\"}],\"stop_reason\":\"tool_use\","
	    "\"usage\":{\"input_tokens\":1,\"output_tokens\":2}}",
	    "{\"message\":{\"role\":\"assistant\",\"content\":\"Let me look.\","
	    "\"tool_calls\":[{\"id\":\"toolu_1\",\"type\":\"function\","
	    "\"function\":{\"name\":\"rd\",\"arguments\":\"{\\\"path\\\":"
	    "\\\"/w/a\\\",\\\"n\\\":[1,2]}\"}},{\"id\":\"call_1\",\"type\":"
	    "\"function\",\"function\":{\"name\":\"ls\",\"arguments\":\"{}\"}}]},"
	    "\"finish_reason\":\"tool_calls\",\"usage\":{\"input_tokens\":1,"
	    "\"output_tokens\":2}}", 1, 2);
}
END_TEST

START_TEST(test_anthropic_finish)
{
	static const char *const t[][2] = {
		{ "\"end_turn\"", "stop" }, { "\"stop_sequence\"", "stop" },
		{ "\"tool_use\"", "tool_calls" }, { "\"max_tokens\"", "length" },
		{ "\"pause_turn\"", "other" }, { "\"refusal\"", "other" },
		{ "null", "other" }, { "[]", "other" },
	};
	char body[256];
	json_t *a;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		(void)snprintf(body, sizeof(body), "{\"content\":[{\"type\":"
		    "\"text\",\"text\":\"x\"}],\"stop_reason\":%s}", t[i][0]);
		a = llm_response(LLM_API_ANTHROPIC, body, strlen(body), NULL,
		    NULL, 0);
		ck_assert_ptr_nonnull(a);
		ck_assert_str_eq(json_string_value(json_object_get(a,
		    "finish_reason")), t[i][1]);
		json_decref(a);
	}
}
END_TEST

START_TEST(test_anthropic_refusals)
{
	char *big;
	size_t i, o;

	resp_bad(LLM_API_ANTHROPIC, "{\"type\":\"message\"}", "the model's "
	    "answer has no content");
	resp_bad(LLM_API_ANTHROPIC, "{\"content\":\"hi\"}", "has no content");
	resp_bad(LLM_API_ANTHROPIC, "{\"content\":[\"hi\"]}", "content[0] must "
	    "be an object with a type");
	resp_bad(LLM_API_ANTHROPIC, "{\"content\":[{\"text\":\"hi\"}]}",
	    "content[0] must be an object with a type");
	resp_bad(LLM_API_ANTHROPIC, "{\"content\":[{\"type\":\"text\",\"text\":"
	    "3}]}", "content[0].text must be a string without NUL");
	resp_bad(LLM_API_ANTHROPIC, "{\"content\":[{\"type\":\"text\",\"text\":"
	    "\"a\"},{\"type\":\"text\",\"text\":\"\\u0000\"}]}", "content[1].text "
	    "must be a string without NUL");
	resp_bad(LLM_API_ANTHROPIC, "{\"content\":[{\"type\":\"tool_use\","
	    "\"id\":\"t\",\"name\":\"a/b\",\"input\":{}}]}", "content[0].name "
	    "must match");
	resp_bad(LLM_API_ANTHROPIC, "{\"content\":[{\"type\":\"tool_use\","
	    "\"id\":7,\"name\":\"f\",\"input\":{}}]}", "content[0].id must be");
	resp_bad(LLM_API_ANTHROPIC, "{\"content\":[],\"usage\":{"
	    "\"input_tokens\":-5}}", "usage.input_tokens must be an integer");
	resp_bad(LLM_API_ANTHROPIC, "{\"content\":[],\"usage\":{"
	    "\"output_tokens\":\"5\"}}", "usage.output_tokens");
	big = malloc(200 * 60);
	o = (size_t)sprintf(big, "{\"content\":[");
	for (i = 0; i <= LLM_TOOLS_MAX; i++)
		o += (size_t)sprintf(big + o, "%s{\"type\":\"tool_use\",\"id\":"
		    "\"t%zu\",\"name\":\"f\",\"input\":{}}", i ? "," : "", i);
	(void)sprintf(big + o, "]}");
	resp_bad(LLM_API_ANTHROPIC, big, "has more than 128 tool calls");
	free(big);
}
END_TEST

/* ---- replay answers ---- */

/* A provider's answer, dumped, read back by llm_answer_check: the same
 * answer and usage. */
static void
round_trip(enum llm_api api, const char *body)
{
	struct llm_usage u, u2;
	json_t *a = llm_response(api, body, strlen(body), &u, NULL, 0), *b;
	char err[256] = "", *t;

	ck_assert_ptr_nonnull(a);
	t = json_dumps(a, JSON_COMPACT);
	b = llm_answer_check(t, strlen(t), &u2, err, sizeof(err));
	ck_assert_msg(b != NULL, "%s: %s", t, err);
	ck_assert(json_equal(a, b));
	ck_assert_int_eq(u.input, u2.input);
	ck_assert_int_eq(u.output, u2.output);
	free(t);
	json_decref(a);
	json_decref(b);
}

START_TEST(test_answer_round_trip)
{
	round_trip(LLM_API_OPENAI, "{\"choices\":[{\"message\":{\"content\":"
	    "\"hi\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":"
	    "3,\"completion_tokens\":4}}");
	round_trip(LLM_API_ANTHROPIC, "{\"content\":[{\"type\":\"text\","
	    "\"text\":\"a\"},{\"type\":\"tool_use\",\"id\":\"x\",\"name\":\"f\","
	    "\"input\":{\"k\":[1]}}],\"stop_reason\":\"tool_use\",\"usage\":{"
	    "\"input_tokens\":1000000000000,\"output_tokens\":0}}");
}
END_TEST

START_TEST(test_answer_check)
{
	static const char *const bad[][2] = {
		{ "{\"message\":{\"content\":\"x\"},\"extra\":1}",
		    "the answer has an unknown key \"extra\"" },
		{ "{\"finish_reason\":\"stop\"}", "the answer has no message" },
		{ "{\"message\":{\"role\":\"user\",\"content\":\"x\"}}",
		    "message.role must be \"assistant\"" },
		{ "{\"message\":{\"content\":\"x\",\"refusal\":null}}",
		    "message has an unknown key \"refusal\"" },
		{ "{\"message\":{\"content\":\"x\"},\"finish_reason\":\"done\"}",
		    "finish_reason must be one of stop, tool_calls, length, other" },
		{ "{\"message\":{\"tool_calls\":[{\"function\":{\"name\":\"f\","
		    "\"arguments\":\"{}\"}}]}}",
		    "message.tool_calls[0].id must be a string" },
		{ "{\"message\":{\"content\":\"x\"},\"usage\":{\"input_tokens\":"
		    "-1}}", "usage.input_tokens must be an integer" },
		{ "{\"message\":{\"content\":\"x\"},\"usage\":{\"total\":1}}",
		    "usage has an unknown key \"total\"" },
		{ "{\"message\":{\"content\":\"\\u0000\"}}",
		    "message.content contains a NUL" },
		{ "nope", "the answer is not JSON" },
	};
	struct llm_usage u = { 5, 5 };
	char err[256], *t;
	const char *in;
	json_t *a;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_ptr_null(llm_answer_check(bad[i][0], strlen(bad[i][0]),
		    &u, err, sizeof(err)));
		ck_assert_msg(strstr(err, bad[i][1]) != NULL, "%s: err \"%s\"",
		    bad[i][0], err);
	}
	/* short forms: role, finish_reason, usage left out */
	in = "{\"message\":{\"content\":\"hi\"}}";
	a = llm_answer_check(in, strlen(in), &u, err, sizeof(err));
	ck_assert_ptr_nonnull(a);
	t = json_dumps(a, JSON_COMPACT);
	ck_assert_str_eq(t, "{\"message\":{\"role\":\"assistant\",\"content\":"
	    "\"hi\"},\"finish_reason\":\"stop\",\"usage\":{\"input_tokens\":0,"
	    "\"output_tokens\":0}}");
	ck_assert_int_eq(u.input, 0);
	free(t);
	json_decref(a);
	in = "{\"message\":{\"tool_calls\":[{\"id\":\"c\",\"function\":{"
	    "\"name\":\"f\",\"arguments\":\"{}\"}}]},\"usage\":{"
	    "\"input_tokens\":9}}";
	a = llm_answer_check(in, strlen(in), &u, err, sizeof(err));
	ck_assert_msg(a != NULL, "%s", err);
	ck_assert_str_eq(json_string_value(json_object_get(a,
	    "finish_reason")), "tool_calls");
	ck_assert_int_eq(u.input, 9);
	ck_assert_int_eq(u.output, 0);
	json_decref(a);
}
END_TEST

/* ---- error bodies ---- */

START_TEST(test_error_message)
{
	char m[64];
	static const char oa[] = "{\"error\":{\"message\":\"Incorrect API key "
	    "provided\",\"type\":\"invalid_request_error\",\"code\":null}}";
	static const char an[] = "{\"type\":\"error\",\"error\":{\"type\":"
	    "\"overloaded_error\",\"message\":\"Overloaded\"}}";
	static const char odd[] = "{\"error\":{\"message\":\"a\\u0000b\\n"
	    "\\u00e9\\u2603\\ud83d\\ude00\\u001b[2Jz\"}}";
	static const char lng[] = "{\"error\":\"0123456789abcdef\"}";

	ck_assert_int_eq(llm_error_message(oa, strlen(oa), m, sizeof(m)), 0);
	ck_assert_str_eq(m, "Incorrect API key provided");
	ck_assert_int_eq(llm_error_message(an, strlen(an), m, sizeof(m)), 0);
	ck_assert_str_eq(m, "Overloaded");
	/* NUL, newline, escape: '?'; a character beyond ASCII: one '?' */
	ck_assert_int_eq(llm_error_message(odd, strlen(odd), m, sizeof(m)), 0);
	ck_assert_str_eq(m, "a?b?????[2Jz");
	/* cut to msglen - 1 */
	ck_assert_int_eq(llm_error_message(lng, strlen(lng), m, 5), 0);
	ck_assert_str_eq(m, "0123");
	ck_assert_int_eq(llm_error_message(lng, strlen(lng), m, 1), 0);
	ck_assert_str_eq(m, "");
	/* none: -1 and "" */
	strcpy(m, "old");
	ck_assert_int_eq(llm_error_message("{\"error\":{\"code\":5}}", 20, m,
	    sizeof(m)), -1);
	ck_assert_str_eq(m, "");
	strcpy(m, "old");
	ck_assert_int_eq(llm_error_message("<html>502</html>", 16, m,
	    sizeof(m)), -1);
	ck_assert_str_eq(m, "");
	ck_assert_int_eq(llm_error_message("{\"message\":\"x\"}", 15, m,
	    sizeof(m)), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("llm");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_openai_request);
	tcase_add_test(tc, test_anthropic_request_system);
	tcase_add_test(tc, test_anthropic_request_tools);
	tcase_add_test(tc, test_anthropic_request_merge);
	tcase_add_test(tc, test_request_refusals);
	tcase_add_test(tc, test_params_unknown_keys);
	tcase_add_test(tc, test_params_roles);
	tcase_add_test(tc, test_params_content);
	tcase_add_test(tc, test_params_bounds);
	tcase_add_test(tc, test_params_tool_calls);
	tcase_add_test(tc, test_openai_text);
	tcase_add_test(tc, test_openai_tool_calls);
	tcase_add_test(tc, test_openai_finish);
	tcase_add_test(tc, test_openai_refusals);
	tcase_add_test(tc, test_response_not_nul_terminated);
	tcase_add_test(tc, test_id_lengths);
	tcase_add_test(tc, test_params_nul_arguments);
	tcase_add_test(tc, test_anthropic_input_any);
	tcase_add_test(tc, test_anthropic_text);
	tcase_add_test(tc, test_anthropic_tool_use);
	tcase_add_test(tc, test_anthropic_finish);
	tcase_add_test(tc, test_anthropic_refusals);
	tcase_add_test(tc, test_answer_round_trip);
	tcase_add_test(tc, test_answer_check);
	tcase_add_test(tc, test_error_message);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
