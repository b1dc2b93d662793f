/*
 * fuzz/fuzz_llm.c -- libFuzzer harness for llm.chat's translation
 * (common/llm/chat.c): a provider's answer and error bodies (anyone's
 * bytes), a replay transcript's answer, and the agent's params with the
 * request bodies built from them.
 *
 * Runs in: the fuzzer process only, as the invoking user, unconfined.
 * Input layout: byte 0 mod 5 picks the target (the seeds start with
 * 'A'..'E', which are 0..4 mod 5), the rest is the body:
 *   0 'A': llm_response(LLM_API_OPENAI);  1 'B': llm_response(ANTHROPIC);
 *   2 'C': llm_answer_check;  3 'D': llm_error_message;
 *   4 'E': the rest parsed as JSON (NUL allowed), llm_params_check, then
 *      llm_request for both APIs.
 * Every body is copied to a buffer of exactly its size (not
 * NUL-terminated), so ASan sees any over-read.
 *
 * Invariants (__builtin_trap() when violated): a refusal has an error
 * sentence and usage 0, 0; an accepted answer has the canonical shape
 * (message.role "assistant", content a non-empty string without NUL or
 * null, 1..128 tool calls with an id of 1..256 bytes, type "function",
 * a name of [A-Za-z0-9_-]{1,64}, string arguments without NUL;
 * finish_reason one of four; usage the counts returned, 0..10^12), and
 * read back by llm_answer_check it is the same answer with the same
 * usage; an error message is printable ASCII shorter than msglen, a
 * shorter buffer's a prefix of a longer one's, "" when none was found;
 * params that pass the check make an OpenAI request (JSON, the model,
 * as many messages) and an Anthropic one unless refused for a
 * temperature above 1 or no message but system ones (JSON, roles
 * alternating, max_tokens set, every tool_use input an object); params
 * that fail make no request, with the check's very error.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/llm/chat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static int
str_ok(const json_t *v, size_t min, size_t max)
{
	return json_is_string(v) && strlen(json_string_value(v)) ==
	    json_string_length(v) && json_string_length(v) >= min &&
	    json_string_length(v) <= max;
}

static int
name_ok(const json_t *v)
{
	const char *s;

	if (!str_ok(v, 1, LLM_NAME_MAX))
		return 0;
	for (s = json_string_value(v); *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

static int
count_ok(const json_t *v, long long want)
{
	return json_is_integer(v) && json_integer_value(v) == want &&
	    want >= 0 && want <= LLM_USAGE_MAX;
}

/* The canonical answer's shape, its usage u. */
static void
answer_shape(const json_t *a, const struct llm_usage *u)
{
	const json_t *m = json_object_get(a, "message"), *c, *tc, *fn, *us;
	const char *fr;
	size_t i;

	CHECK(json_is_object(a) && json_object_size(a) == 3);
	CHECK(json_is_object(m));
	CHECK(json_is_string(json_object_get(m, "role")) &&
	    strcmp(json_string_value(json_object_get(m, "role")),
	    "assistant") == 0);
	c = json_object_get(m, "content");
	CHECK(json_is_null(c) || str_ok(c, 1, LLM_BODY_MAX));
	tc = json_object_get(m, "tool_calls");
	CHECK(json_object_size(m) == (tc != NULL ? 3u : 2u));
	if (tc != NULL) {
		CHECK(json_is_array(tc) && json_array_size(tc) >= 1 &&
		    json_array_size(tc) <= LLM_TOOLS_MAX);
		json_array_foreach(tc, i, c) {
			CHECK(json_is_object(c) && json_object_size(c) == 3);
			CHECK(str_ok(json_object_get(c, "id"), 1, LLM_ID_MAX));
			CHECK(strcmp(json_string_value(json_object_get(c,
			    "type")), "function") == 0);
			fn = json_object_get(c, "function");
			CHECK(json_is_object(fn) && json_object_size(fn) == 2);
			CHECK(name_ok(json_object_get(fn, "name")));
			CHECK(str_ok(json_object_get(fn, "arguments"), 0,
			    LLM_BODY_MAX * 6));
		}
	}
	fr = json_string_value(json_object_get(a, "finish_reason"));
	CHECK(fr != NULL && (strcmp(fr, "stop") == 0 || strcmp(fr,
	    "tool_calls") == 0 || strcmp(fr, "length") == 0 ||
	    strcmp(fr, "other") == 0));
	us = json_object_get(a, "usage");
	CHECK(json_is_object(us) && json_object_size(us) == 2);
	CHECK(count_ok(json_object_get(us, "input_tokens"), u->input));
	CHECK(count_ok(json_object_get(us, "output_tokens"), u->output));
}

/* An accepted answer, dumped and read back as a replay answer: the
 * same answer, the same usage. */
static void
round_trip(const json_t *a, const struct llm_usage *u)
{
	struct llm_usage u2 = { -1, -1 };
	char err[256] = "", *t = json_dumps(a, JSON_COMPACT);
	json_t *b;
	size_t n;

	CHECK(t != NULL);
	n = strlen(t);
	b = llm_answer_check(t, n, &u2, err, sizeof(err));
	CHECK(b != NULL && json_equal(a, b));
	CHECK(u2.input == u->input && u2.output == u->output);
	json_decref(b);
	free(t);
}

static void
answer(int api, const uint8_t *b, size_t size)
{
	struct llm_usage u = { -1, -1 };
	char err[256] = "";
	json_t *a;

	if (api)
		a = llm_response(api, (const char *)b, size, &u, err,
		    sizeof(err));
	else
		a = llm_answer_check((const char *)b, size, &u, err,
		    sizeof(err));
	if (a == NULL) {
		CHECK(err[0] != '\0' && u.input == 0 && u.output == 0);
		return;
	}
	answer_shape(a, &u);
	round_trip(a, &u);
	json_decref(a);
}

static void
errmsg(const uint8_t *b, size_t size)
{
	char m[96], s[8];
	size_t i, k = 1 + size % sizeof(s);
	int rc = llm_error_message((const char *)b, size, m, sizeof(m));

	CHECK(strlen(m) < sizeof(m));
	for (i = 0; m[i]; i++)
		CHECK(m[i] >= 0x20 && m[i] < 0x7f);
	if (rc < 0)
		CHECK(m[0] == '\0');
	CHECK(llm_error_message((const char *)b, size, s, k) == rc);
	CHECK(strlen(s) < k && strncmp(s, m, strlen(s)) == 0);
	CHECK(strlen(s) == k - 1 || strcmp(s, m) == 0);
}

/* The Anthropic request: roles alternate, every tool_use input an
 * object. */
static void
anthropic_shape(const json_t *r)
{
	const json_t *msgs = json_object_get(r, "messages"), *m, *c, *blk;
	const char *prev = "", *role;
	size_t i, j;

	CHECK(json_is_integer(json_object_get(r, "max_tokens")));
	CHECK(json_is_array(msgs) && json_array_size(msgs) >= 1);
	json_array_foreach(msgs, i, m) {
		role = json_string_value(json_object_get(m, "role"));
		CHECK(role != NULL && strcmp(role, prev) != 0);
		prev = role;
		c = json_object_get(m, "content");
		CHECK(json_is_string(c) || json_is_array(c));
		json_array_foreach(c, j, blk)
			if (strcmp(json_string_value(json_object_get(blk,
			    "type")), "tool_use") == 0)
				CHECK(json_is_object(json_object_get(blk,
				    "input")));
	}
}

static void
request(const uint8_t *b, size_t size)
{
	json_t *p = json_loadb((const char *)b, size, JSON_DECODE_ANY |
	    JSON_ALLOW_NUL, NULL), *r, *t;
	char err[256] = "", err2[256] = "", *o, *a;
	int rc;

	if (p == NULL)
		return;
	rc = llm_params_check(p, err, sizeof(err));
	o = llm_request(LLM_API_OPENAI, "m", p, err2, sizeof(err2));
	if (rc < 0) {
		CHECK(err[0] != '\0' && o == NULL && strcmp(err, err2) == 0);
		CHECK(llm_request(LLM_API_ANTHROPIC, "m", p, err2,
		    sizeof(err2)) == NULL && strcmp(err, err2) == 0);
		json_decref(p);
		return;
	}
	CHECK(o != NULL);
	r = json_loads(o, 0, NULL);
	CHECK(json_is_object(r) && strcmp(json_string_value(json_object_get(r,
	    "model")), "m") == 0);
	CHECK(json_array_size(json_object_get(r, "messages")) ==
	    json_array_size(json_object_get(p, "messages")));
	json_decref(r);
	free(o);
	err2[0] = '\0';
	a = llm_request(LLM_API_ANTHROPIC, "m", p, err2, sizeof(err2));
	if (a == NULL) {
		t = json_object_get(p, "temperature");
		CHECK((t != NULL && json_number_value(t) > 1) ||
		    strstr(err2, "not a system one") != NULL);
	} else {
		r = json_loads(a, 0, NULL);
		CHECK(json_is_object(r));
		anthropic_shape(r);
		json_decref(r);
		free(a);
	}
	json_decref(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *b;

	if (size < 1)
		return 0;
	b = malloc(size - 1 ? size - 1 : 1);
	memcpy(b, data + 1, size - 1);
	switch (data[0] % 5) {
	case 0:
		answer(LLM_API_OPENAI, b, size - 1);
		break;
	case 1:
		answer(LLM_API_ANTHROPIC, b, size - 1);
		break;
	case 2:
		answer(0, b, size - 1);
		break;
	case 3:
		errmsg(b, size - 1);
		break;
	default:
		request(b, size - 1);
		break;
	}
	free(b);
	return 0;
}
