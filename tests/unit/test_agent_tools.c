/*
 * tests/unit/test_agent_tools.c -- the built-in agent's tools
 * (agent/builtin/tools.c): a model's tool call made a request, or the
 * error the model reads instead (never a fallback target).
 */
#include <check.h>
#include <jansson.h>
#include <string.h>

#include "agent/builtin/tools.h"

static const char TOOLS[] =
    "[{\"name\":\"read_file\",\"description\":\"read\",\"action\":\"fs.read\","
    "\"target_from\":\"path\",\"parameters\":{\"type\":\"object\","
    "\"properties\":{\"path\":{\"type\":\"string\"}},\"required\":[\"path\"],"
    "\"additionalProperties\":false}},"
    "{\"name\":\"write_file\",\"action\":\"fs.write\",\"target_from\":\"path\","
    "\"parameters\":{\"type\":\"object\",\"properties\":{\"path\":{\"type\":"
    "\"string\"},\"content\":{\"type\":\"string\"}},\"required\":[\"path\","
    "\"content\"]}},"
    "{\"name\":\"fetch\",\"action\":\"net.http\",\"target_from\":\"/req/url\","
    "\"parameters\":{\"type\":\"object\",\"properties\":{\"req\":{\"type\":"
    "\"object\"}}}}]";

static json_t *tools;

static void
setup(void)
{
	tools = json_loads(TOOLS, 0, NULL);
	ck_assert_ptr_nonnull(tools);
}

static void
teardown(void)
{
	json_decref(tools);
}

/* A tool call as the llm worker answers it. */
static json_t *
call(const char *name, const char *args)
{
	json_t *c = json_pack("{s:s, s:s, s:{s:s, s:s}}", "id", "c1", "type",
	    "function", "function", "name", name, "arguments", args);

	ck_assert_ptr_nonnull(c);
	return c;
}

/* tool_request's result: 0 with the request, or -1 with err. */
static int
req(const char *name, const char *args, struct tool_req *r, char *err,
    size_t errlen)
{
	json_t *c = call(name, args);
	int rc = tool_request(tools, c, r, err, errlen);

	json_decref(c);
	return rc;
}

START_TEST(test_target_from_name)
{
	struct tool_req r;
	char err[256];
	char *p;

	ck_assert_int_eq(req("write_file", "{\"path\":\"/w/a\",\"content\":"
	    "\"hi\"}", &r, err, sizeof(err)), 0);
	ck_assert_str_eq(r.action, "fs.write");
	ck_assert_str_eq(r.target, "/w/a");
	/* the target is taken out of the params, the rest stays */
	p = json_dumps(r.params, JSON_COMPACT | JSON_SORT_KEYS);
	ck_assert_str_eq(p, "{\"content\":\"hi\"}");
	free(p);
	tool_req_free(&r);
}
END_TEST

START_TEST(test_target_from_pointer)
{
	struct tool_req r;
	char err[256];

	ck_assert_int_eq(req("fetch", "{\"req\":{\"url\":\"https://x/\"}}",
	    &r, err, sizeof(err)), 0);
	ck_assert_str_eq(r.target, "https://x/");
	/* a pointer's target stays in the params */
	ck_assert_ptr_nonnull(json_object_get(r.params, "req"));
	tool_req_free(&r);
	ck_assert_int_eq(req("fetch", "{\"req\":{}}", &r, err, sizeof(err)),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "/req/url (the target) is "
	    "missing"));
}
END_TEST

START_TEST(test_missing_target_no_fallback)
{
	struct tool_req r;
	char err[256];

	/* the schema of fetch requires nothing: the target is still
	 * required, never another value */
	ck_assert_int_eq(req("fetch", "{}", &r, err, sizeof(err)), -1);
	ck_assert_ptr_null(r.target);
	ck_assert_int_eq(req("fetch", "{\"req\":{\"url\":5}}", &r, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(req("fetch", "{\"req\":{\"url\":\"\"}}", &r, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(req("fetch", "{\"req\":{\"url\":\"a\\u0000b\"}}", &r,
	    err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_schema_checked)
{
	struct tool_req r;
	char err[256];

	ck_assert_int_eq(req("read_file", "{\"path\":\"/a\",\"mode\":1}", &r,
	    err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "arguments"));
	ck_assert_int_eq(req("read_file", "{\"path\":7}", &r, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "arguments.path"));
	ck_assert_int_eq(req("write_file", "{\"path\":\"/a\"}", &r, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "content"));
}
END_TEST

START_TEST(test_malformed_arguments)
{
	struct tool_req r;
	char err[256];

	ck_assert_int_eq(req("read_file", "{\"path\": \"/a\"", &r, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "not valid JSON"));
	ck_assert_int_eq(req("read_file", "[\"/a\"]", &r, err, sizeof(err)),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "must be a JSON object"));
	ck_assert_int_eq(req("read_file", "{\"path\":\"/a\",\"path\":\"/b\"}",
	    &r, err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_unknown_tool)
{
	struct tool_req r;
	char err[256];

	ck_assert_int_eq(req("rm\x1b[2J", "{}", &r, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "no tool named \"rm?[2J\""));
}
END_TEST

START_TEST(test_pointer)
{
	json_t *v = json_loads("{\"a/b\":{\"~x\":[1,{\"k\":\"v\"}]}}", 0,
	    NULL);

	ck_assert_str_eq(json_string_value(json_pointer_get(v,
	    "/a~1b/~0x/1/k")), "v");
	ck_assert_ptr_null(json_pointer_get(v, "/a~1b/~0x/01"));
	ck_assert_ptr_null(json_pointer_get(v, "/a~1b/~2x"));
	ck_assert_ptr_null(json_pointer_get(v, "a"));
	ck_assert_ptr_eq(json_pointer_get(v, ""), v);
	json_decref(v);
}
END_TEST

START_TEST(test_offered)
{
	json_t *o = tools_offered(tools);

	ck_assert_uint_eq(json_array_size(o), 3);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    json_array_get(o, 0), "function"), "name")), "read_file");
	/* the action and target_from are the agent's, not the model's */
	ck_assert_ptr_null(json_object_get(json_object_get(json_array_get(o,
	    0), "function"), "action"));
	ck_assert_ptr_null(json_object_get(json_object_get(json_array_get(o,
	    1), "function"), "description"));
	json_decref(o);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("agent-tools");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_target_from_name);
	tcase_add_test(tc, test_target_from_pointer);
	tcase_add_test(tc, test_missing_target_no_fallback);
	tcase_add_test(tc, test_schema_checked);
	tcase_add_test(tc, test_malformed_arguments);
	tcase_add_test(tc, test_unknown_tool);
	tcase_add_test(tc, test_pointer);
	tcase_add_test(tc, test_offered);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
