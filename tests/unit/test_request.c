/*
 * tests/unit/test_request.c -- the agent-channel request decoder and the
 * answer encoder (broker/request.c), table-driven.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/broker.h"
#include "common/jsonesc.h"
#include "policy/internal.h"

struct rcase {
	const char *msg;
	enum req_result want;
	const char *why;	/* substring of the reason, or NULL */
};

static const struct rcase cases[] = {
	{ "{\"id\":1,\"action\":\"fs.read\",\"target\":\"/w/a\"}", REQ_OK, NULL },
	{ "{\"id\":\"x\",\"action\":\"fs.read\",\"target\":\"/w/a\",\"params\":{}}", REQ_OK, NULL },
	{ "{\"id\":1,\"action\":\"fs.read\",\"target\":\"/w/a\",\"params\":null}", REQ_OK, NULL },
	/* malformed: an object, fields wrong */
	{ "{\"action\":\"fs.read\",\"target\":\"/w/a\"}", REQ_MALFORMED, "missing id" },
	{ "{\"id\":1.5,\"action\":\"fs.read\",\"target\":\"/w/a\"}", REQ_MALFORMED, "id must be" },
	{ "{\"id\":[1],\"action\":\"fs.read\",\"target\":\"/w/a\"}", REQ_MALFORMED, "id must be" },
	{ "{\"id\":1,\"target\":\"/w/a\"}", REQ_MALFORMED, "action" },
	{ "{\"id\":1,\"action\":7,\"target\":\"/w/a\"}", REQ_MALFORMED, "action" },
	{ "{\"id\":1,\"action\":\"fs.read\",\"target\":42}", REQ_MALFORMED, "target must be a string" },
	{ "{\"id\":1,\"action\":\"fs.read\",\"target\":null}", REQ_MALFORMED, "target must be a string" },
	{ "{\"id\":1,\"action\":\"fs.read\",\"target\":\"/a\",\"params\":[]}", REQ_MALFORMED, "params must be an object" },
	{ "{\"id\":1,\"action\":\"fs.read\",\"target\":\"/a\",\"params\":\"x\"}", REQ_MALFORMED, "params must be an object" },
	{ "{\"id\":1,\"action\":\"fs.read\",\"target\":\"/a\",\"extra\":1}", REQ_MALFORMED, "unknown field" },
	{ "{\"id\":1,\"action\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"target\":\"/a\"}", REQ_MALFORMED, "action too long" },
	/* framing: not a JSON object */
	{ "[1,2]", REQ_FRAMING, "not a JSON object" },
	{ "42", REQ_FRAMING, NULL },
	{ "{\"id\":1,", REQ_FRAMING, "not JSON" },
	{ "", REQ_FRAMING, NULL },
	{ "{\"id\":1,\"id\":2,\"action\":\"fs.read\",\"target\":\"/a\"}", REQ_FRAMING, NULL },
	{ "{\"id\":1,\"action\":\"fs.read\",\"target\":\"/a\\u0000b\"}", REQ_FRAMING, NULL },
	{ "{\"id\":1,\"action\":\"fs.read\",\"target\":\"\xff\"}", REQ_FRAMING, NULL },
};

START_TEST(test_decode_table)
{
	const struct rcase *c = &cases[_i];
	struct request rq;
	char why[200] = "";
	enum req_result r;

	r = request_decode(c->msg, strlen(c->msg), &rq, why, sizeof(why));
	ck_assert_msg(r == c->want, "case %d (%s): got %d want %d (%s)", _i,
	    c->msg, r, c->want, why);
	if (c->why)
		ck_assert_msg(strstr(why, c->why) != NULL,
		    "case %d: reason '%s' lacks '%s'", _i, why, c->why);
	if (r == REQ_OK) {
		ck_assert_ptr_nonnull(rq.id);
		ck_assert(json_is_object(rq.params));
	}
	request_free(&rq);
}
END_TEST

START_TEST(test_malformed_keeps_id)
{
	const char *m = "{\"id\":9,\"action\":\"fs.read\",\"target\":5}";
	struct request rq;
	char why[100];

	ck_assert_int_eq(request_decode(m, strlen(m), &rq, why, sizeof(why)),
	    REQ_MALFORMED);
	ck_assert_int_eq(json_integer_value(rq.id), 9);
	request_free(&rq);
}
END_TEST

/* A reason quoting an unknown key is cut on a character boundary, so
 * the answer that carries it still encodes (found by fuzz_request). */
START_TEST(test_unknown_field_utf8_cut)
{
	char m[256];
	struct request rq;
	char why[200];
	size_t len;
	char *s;

	snprintf(m, sizeof(m), "{\"id\":1,\"action\":\"a\",\"target\":\"/a\","
	    "\"%s\xc3\xa9\xc3\xa9\":1}", "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk");
	ck_assert_int_eq(request_decode(m, strlen(m), &rq, why, sizeof(why)),
	    REQ_MALFORMED);
	s = response_encode(rq.id, "ERROR", NULL, why, "r", &len);
	ck_assert_ptr_nonnull(s);
	free(s);
	request_free(&rq);
}
END_TEST

/* The one-pass escaper (file content, answers, records) against jansson:
 * same verdict on UTF-8, and the text parses back to the same bytes. */
START_TEST(test_json_escape)
{
	static const struct { const char *s; size_t n; int ok; } t[] = {
		{ "plain", 5, 1 },
		{ "q\"b\\s/", 6, 1 },
		{ "\n\r\t\b\f\x01\x1f\x7f", 8, 1 },
		{ "nul\0inside", 11, 1 },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 15, 1 },
		{ "\xc3", 1, 0 },			/* cut sequence */
		{ "\xc0\xaf", 2, 0 },		/* overlong '/' */
		{ "\xed\xa0\x80", 3, 0 },		/* surrogate */
		{ "\xf4\x90\x80\x80", 4, 0 },	/* > U+10FFFF */
		{ "\xff", 1, 0 },
		{ "", 0, 1 },
	};
	char buf[256];
	json_t *back;
	size_t i, k;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		k = json_escape(buf, t[i].s, t[i].n);
		ck_assert_msg((k != 0) == t[i].ok, "case %zu", i);
		ck_assert_msg((json_stringn(t[i].s, t[i].n) != NULL) == t[i].ok,
		    "jansson disagrees on case %zu", i);
		if (!t[i].ok)
			continue;
		back = json_loadb(buf, k, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
		ck_assert_msg(json_is_string(back), "case %zu: %.*s", i, (int)k,
		    buf);
		ck_assert_uint_eq(json_string_length(back), t[i].n);
		ck_assert(memcmp(json_string_value(back), t[i].s, t[i].n) == 0);
		json_decref(back);
	}
}
END_TEST

/* An answer carrying already-encoded data is one JSON object. */
START_TEST(test_encode_text)
{
	json_t *id = json_string("a\"b"), *back;
	size_t len;
	char *s;
	const char *data = "[1,{\"x\":\"y\"}]";

	s = response_encode_text(id, "OK", data, strlen(data), NULL, "r", &len);
	back = json_loads(s, 0, NULL);
	ck_assert_ptr_nonnull(back);
	ck_assert_str_eq(json_string_value(json_object_get(back, "id")), "a\"b");
	ck_assert_int_eq(json_array_size(json_object_get(back, "data")), 2);
	ck_assert(json_is_null(json_object_get(back, "error")));
	ck_assert_uint_eq(len, strlen(s));
	json_decref(back);
	json_decref(id);
	free(s);
}
END_TEST

/* The params of the provider table (broker/providers.c): every param of every action by
 * type before the decision, the provider's values once allowed. */
struct pcase {
	const char *action, *params;
	enum params_stage stage;
	int ok;
	const char *why;	/* the reason, exactly, when not ok */
};

static const struct pcase pcases[] = {
	{ "fs.read", "{}", PARAMS_TYPES, 0, NULL },
	{ "fs.read", "{\"encoding\":\"base64\"}", PARAMS_PROVIDER, 0, NULL },
	{ "fs.read", "{\"encoding\":\"latin1\"}", PARAMS_TYPES, 0, NULL },
	{ "fs.read", "{\"encoding\":\"latin1\"}", PARAMS_PROVIDER, -1, "params.encoding must be utf-8 or base64" },
	{ "fs.read", "{\"encoding\":1}", PARAMS_TYPES, -1, "params.encoding must be a string" },
	{ "fs.read", "{\"encoding\":null}", PARAMS_TYPES, -1, "params.encoding must be a string" },
	{ "fs.read", "{\"encoding\":[\"utf-8\"]}", PARAMS_TYPES, -1, "params.encoding must be a string" },
	{ "fs.read", "{\"encoding\":\"aaaaaaaaaaaaaaaaa\"}", PARAMS_TYPES, -1, "params.encoding must be at most 16 bytes" },
	{ "fs.read", "{\"content\":\"x\"}", PARAMS_TYPES, -1, "params.content is not a parameter of fs.read" },
	{ "fs.write", "{\"content\":\"x\"}", PARAMS_TYPES, 0, NULL },
	{ "fs.write", "{\"content\":\"x\",\"encoding\":\"utf-8\"}", PARAMS_PROVIDER, 0, NULL },
	{ "fs.write", "{}", PARAMS_TYPES, 0, NULL },	/* required: once allowed */
	{ "fs.write", "{}", PARAMS_PROVIDER, -1, "params.content must be a string" },
	{ "fs.write", "{\"content\":1}", PARAMS_TYPES, -1, "params.content must be a string" },
	{ "fs.write", "{\"content\":{}}", PARAMS_TYPES, -1, "params.content must be a string" },
	{ "fs.write", "{\"content\":\"x\",\"encoding\":true}", PARAMS_TYPES, -1, "params.encoding must be a string" },
	{ "fs.write", "{\"content\":\"eA==\",\"encoding\":\"base64\"}", PARAMS_PROVIDER, 0, NULL },
	{ "fs.write", "{\"content\":\"x\",\"mode\":420}", PARAMS_TYPES, -1, "params.mode is not a parameter of fs.write" },
	/* the finding: these reached the fs forward path */
	{ "fs.list", "{\"encoding\":5}", PARAMS_TYPES, -1, "params.encoding is not a parameter of fs.list" },
	{ "fs.delete", "{\"encoding\":5}", PARAMS_TYPES, -1, "params.encoding is not a parameter of fs.delete" },
	{ "fs.delete", "{\"encoding\":\"utf-8\"}", PARAMS_TYPES, -1, "params.encoding is not a parameter of fs.delete" },
	{ "fs.delete", "{}", PARAMS_TYPES, 0, NULL },
	{ "fs.list", "{}", PARAMS_PROVIDER, 0, NULL },
	/* net.http: typed, closed */
	{ "net.http", "{\"verify\":false}", PARAMS_TYPES, -1, "params.verify is not a parameter of net.http" },
	{ "net.http", "{\"method\":5}", PARAMS_TYPES, -1, "params.method must be a string" },
	{ "net.http", "{\"method\":\"GETGETGETGETGETGETGETGETGETGETGET\"}", PARAMS_TYPES, -1, "params.method must be at most 32 bytes" },
	{ "net.http", "{\"timeout\":\"30\"}", PARAMS_TYPES, -1, "params.timeout must be a number" },
	{ "net.http", "{\"timeout\":2.5,\"headers\":{}}", PARAMS_TYPES, 0, NULL },
	{ "proc.exec", "{\"args\":[\"a\",1]}", PARAMS_TYPES, -1, "params.args must be a list of strings" },
	{ "proc.exec", "{\"args\":\"a\"}", PARAMS_TYPES, -1, "params.args must be a list of strings" },
	{ "proc.exec", "{\"timeout\":true}", PARAMS_TYPES, -1, "params.timeout must be a number" },
	/* version 3: proc.exec's params are closed, each typed */
	{ "proc.exec", "{\"shell\":true}", PARAMS_TYPES, -1, "params.shell is not a parameter of proc.exec" },
	{ "proc.exec", "{\"cwd\":5}", PARAMS_TYPES, -1, "params.cwd must be a string" },
	{ "proc.exec", "{\"env\":[\"A=b\"]}", PARAMS_TYPES, -1, "params.env must be an object" },
	{ "proc.exec", "{\"stdin\":{}}", PARAMS_TYPES, -1, "params.stdin must be a string" },
	{ "proc.exec", "{\"max_output\":1.5}", PARAMS_TYPES, -1, "params.max_output must be an integer" },
	{ "proc.exec", "{\"args\":[\"-c\",\"x\"],\"cwd\":\"/w\",\"env\":{\"A\":\"b\"},\"stdin\":\"in\",\"timeout\":5,\"max_output\":10}", PARAMS_TYPES, 0, NULL },
	{ "llm.chat", "{\"max_tokens\":1.5}", PARAMS_TYPES, -1, "params.max_tokens must be an integer" },
	{ "llm.chat", "{\"max_tokens\":512}", PARAMS_TYPES, 0, NULL },
	{ "mcp.call", "{\"arguments\":{\"q\":1}}", PARAMS_TYPES, 0, NULL },
	/* version 6: snapshot.rollback's params are closed, force typed */
	{ "snapshot.rollback", "{\"force\":\"yes\"}", PARAMS_TYPES, -1, "params.force must be a boolean" },
	{ "snapshot.rollback", "{\"path\":\"/x\"}", PARAMS_TYPES, -1, "params.path is not a parameter of snapshot.rollback" },
	{ "snapshot.rollback", "{\"force\":true}", PARAMS_TYPES, 0, NULL },
	/* version 7: llm.chat's params are closed, each typed; messages
	 * required once allowed */
	{ "llm.chat", "{\"stream\":true}", PARAMS_TYPES, -1, "params.stream is not a parameter of llm.chat" },
	{ "llm.chat", "{\"messages\":{}}", PARAMS_TYPES, -1, "params.messages must be a list" },
	{ "llm.chat", "{\"tools\":\"x\"}", PARAMS_TYPES, -1, "params.tools must be a list" },
	{ "llm.chat", "{\"temperature\":\"hot\"}", PARAMS_TYPES, -1, "params.temperature must be a number" },
	{ "llm.chat", "{\"max_tokens\":1}", PARAMS_PROVIDER, -1, "params.messages must be a list" },
	{ "llm.chat", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"timeout\":5}", PARAMS_PROVIDER, 0, NULL },
	{ "no.such", "{\"x\":1}", PARAMS_TYPES, 0, NULL },	/* denied anyway */
};

START_TEST(test_params_table)
{
	const struct pcase *c = &pcases[_i];
	json_t *p = json_loads(c->params, 0, NULL);
	char why[200] = "";

	ck_assert_ptr_nonnull(p);
	ck_assert_msg(provider_check_params(c->action, p, c->stage, why,
	    sizeof(why)) == c->ok, "%s %s: %s", c->action, c->params, why);
	if (c->why != NULL)
		ck_assert_str_eq(why, c->why);
	json_decref(p);
}
END_TEST

/* One row per action the policy knows: a new one cannot go untyped. */
START_TEST(test_params_every_action)
{
	int i;

	for (i = 0; i < NACTIONS; i++)
		ck_assert_msg(provider_of(policy_actions[i]) != NULL,
		    "%s", policy_actions[i]);
}
END_TEST

/* Every field is bounded before a record can carry it, whatever else is
 * wrong with the request (the finding: a 1 MiB action name with an
 * unknown field reached the INVALID record). */
static char *
big_request(const char *pre, size_t n, const char *post)
{
	size_t a = strlen(pre), b = strlen(post);
	char *m = malloc(a + n + b + 1);

	ck_assert_ptr_nonnull(m);
	memcpy(m, pre, a);
	memset(m + a, 'a', n);
	memcpy(m + a + n, post, b + 1);
	return m;
}

START_TEST(test_fields_bounded)
{
	static const struct {
		const char *pre;
		size_t n;
		const char *post;
		enum req_result want;
		const char *why;
		int action, target, id;	/* expected set (1) or dropped (0) */
	} t[] = {
		{ "{\"id\":1,\"action\":\"", 1 << 20, "\",\"target\":\"/a\",\"x\":1}", REQ_MALFORMED, "unknown field \"x\"", 0, 1, 1 },
		{ "{\"id\":\"x\",\"action\":\"", 1 << 20, "\",\"target\":\"/a\"}", REQ_MALFORMED, "action too long", 0, 1, 1 },
		{ "{\"id\":[],\"action\":\"fs.read\",\"target\":\"/", 1 << 20, "\"}", REQ_MALFORMED, "id must be", 1, 0, 0 },
		{ "{\"id\":\"", REQUEST_ID_MAX + 1, "\",\"action\":\"fs.read\",\"target\":\"/a\"}", REQ_MALFORMED, "id too long (at most 256 bytes)", 1, 1, 0 },
		{ "{\"id\":\"", REQUEST_ID_MAX, "\",\"action\":\"fs.read\",\"target\":\"/a\"}", REQ_OK, NULL, 1, 1, 1 },
		{ "{\"id\":\"", 4096, "\",\"action\":\"fs.read\",\"target\":\"/a\",\"y\":2}", REQ_MALFORMED, "unknown field \"y\"", 1, 1, 0 },
		{ "{\"id\":1,\"action\":\"fs.read\",\"target\":\"/", REQUEST_TARGET_MAX - 1, "\"}", REQ_OK, NULL, 1, 1, 1 },
		{ "{\"id\":1,\"action\":\"fs.read\",\"target\":\"/", REQUEST_TARGET_MAX, "\"}", REQ_MALFORMED, "target too long", 1, 0, 1 },
	};
	struct request rq;
	char why[200];
	size_t i;
	char *m;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		m = big_request(t[i].pre, t[i].n, t[i].post);
		why[0] = '\0';
		ck_assert_msg(request_decode(m, strlen(m), &rq, why,
		    sizeof(why)) == t[i].want, "case %zu: %s", i, why);
		if (t[i].why != NULL)
			ck_assert_msg(strstr(why, t[i].why) != NULL,
			    "case %zu: '%s'", i, why);
		ck_assert_msg((rq.action != NULL) == t[i].action, "case %zu", i);
		ck_assert_msg((rq.target != NULL) == t[i].target, "case %zu", i);
		ck_assert_msg((rq.id != NULL) == t[i].id, "case %zu", i);
		if (rq.action != NULL)
			ck_assert_uint_le(strlen(rq.action), REQUEST_ACTION_MAX);
		if (rq.target != NULL)
			ck_assert_uint_le(rq.target_len, REQUEST_TARGET_MAX);
		request_free(&rq);
		free(m);
	}
}
END_TEST

/* The arithmetic of broker/loop.c, measured: the longest id (every byte
 * escaped six-fold) with the largest fs.write result and the longest
 * broker error fits the smallest channel. */
START_TEST(test_answer_bound)
{
	char idtext[REQUEST_ID_MAX + 1], err[320];
	const char *data = "{\"bytes_written\":-9223372036854775808}";
	json_t *id;
	size_t len;
	char *s;

	memset(idtext, 0x01, REQUEST_ID_MAX);
	idtext[REQUEST_ID_MAX] = '\0';
	id = json_string(idtext);
	s = response_encode_text(id, "OK", data, strlen(data), NULL,
	    "1722873f-dfbd-4756-b5d0-158a52b65d2e", &len);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_le(len, ANSWER_MAX(strlen(data), 0));
	ck_assert_uint_le(len, BROKER_AGENT_MAX_MIN);
	free(s);
	memset(err, 0x01, sizeof(err) - 1);
	err[sizeof(err) - 1] = '\0';
	s = response_encode_text(id, "DENIED", NULL, 0, err,
	    "1722873f-dfbd-4756-b5d0-158a52b65d2e", &len);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_le(len, ANSWER_MAX(4, sizeof(err)));
	ck_assert_uint_le(len, BROKER_AGENT_MAX_MIN);
	free(s);
	json_decref(id);
}
END_TEST

START_TEST(test_encode)
{
	json_t *id = json_integer(7);
	size_t len;
	char *s;

	s = response_encode(id, "OK", json_string("hi"), NULL, "r-1", &len);
	ck_assert_str_eq(s, "{\"id\":7,\"status\":\"OK\",\"data\":\"hi\","
	    "\"error\":null,\"record_id\":\"r-1\"}");
	ck_assert_uint_eq(len, strlen(s));
	free(s);
	s = response_encode(NULL, "ERROR", NULL, "malformed request: missing id",
	    "r-2", &len);
	ck_assert_str_eq(s, "{\"id\":null,\"status\":\"ERROR\",\"data\":null,"
	    "\"error\":\"malformed request: missing id\",\"record_id\":\"r-2\"}");
	free(s);
	json_decref(id);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("request");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_decode_table, 0,
	    sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_malformed_keeps_id);
	tcase_add_loop_test(tc, test_params_table, 0,
	    sizeof(pcases) / sizeof(pcases[0]));
	tcase_add_test(tc, test_params_every_action);
	tcase_add_test(tc, test_fields_bounded);
	tcase_add_test(tc, test_answer_bound);
	tcase_add_test(tc, test_json_escape);
	tcase_add_test(tc, test_encode_text);
	tcase_add_test(tc, test_unknown_field_utf8_cut);
	tcase_add_test(tc, test_encode);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
