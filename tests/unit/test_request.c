/*
 * tests/unit/test_request.c -- the agent-channel request decoder and the
 * answer encoder (broker/request.c), table-driven.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "broker/broker.h"
#include "common/jsonesc.h"

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

START_TEST(test_fs_params)
{
	struct { const char *action, *params; int ok; } t[] = {
		{ "fs.read", "{}", 0 },
		{ "fs.read", "{\"encoding\":\"base64\"}", 0 },
		{ "fs.read", "{\"encoding\":\"latin1\"}", -1 },
		{ "fs.read", "{\"encoding\":1}", -1 },
		{ "fs.write", "{\"content\":\"x\"}", 0 },
		{ "fs.write", "{}", -1 },
		{ "fs.write", "{\"content\":1}", -1 },
		{ "fs.write", "{\"content\":\"eA==\",\"encoding\":\"base64\"}", 0 },
		{ "fs.delete", "{}", 0 },
		{ "fs.list", "{}", 0 },
	};
	size_t i;
	char why[100];

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		json_t *p = json_loads(t[i].params, 0, NULL);

		ck_assert_msg(request_check_fs_params(t[i].action, p, why,
		    sizeof(why)) == t[i].ok, "%s %s", t[i].action, t[i].params);
		json_decref(p);
	}
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
	tcase_add_test(tc, test_fs_params);
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
