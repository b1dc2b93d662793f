/*
 * tests/unit/test_prov_http.c -- the broker's net.http hooks
 * (broker/prov_http.c): params in their canonical form, the worker's
 * request capped by the rule, the credential templates it carries (and
 * the ones a hop to another origin does not), the worker's answer
 * checked before it reaches the agent.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/broker.h"
#include "broker/provider.h"

static const char yaml[] =
    "capabilities:\n"
    "  - action: net.http\n"
    "    resource: https://api.example.com/**\n"
    "    timeout_max: 5\n"
    "    max_bytes: 100\n"
    "    follow_redirects: 2\n"
    "  - action: net.http\n"
    "    resource: https://*.example.org/**\n"
    "credentials:\n"
    "  - resource: https://api.example.com/v1/**\n"
    "    headers:\n"
    "      Authorization: Bearer ${API_TOKEN}\n"
    "  - resource: https://api.example.com/**\n"
    "    headers:\n"
    "      authorization: other ${OTHER}\n"
    "      X-Org: ${file:/etc/org}\n";

static struct policy *
load(void)
{
	struct policy *p = NULL;
	struct policy_err err;

	ck_assert_msg(policy_load_buf(yaml, strlen(yaml), "t.yaml", &p,
	    &err) == 0, "%d:%d: %s", err.line, err.col, err.msg);
	return p;
}

/* Decide target with params (JSON text): the gate's verdict, g filled. */
static enum gate_verdict
decide(struct policy *p, const char *target, json_t *params, struct gate *g)
{
	return gate_decide(p, "net.http", target, strlen(target), params, g);
}

static const struct {
	const char *params;
	const char *why;	/* NULL: well-formed */
} canon_cases[] = {
	{ "{}", NULL },
	{ "{\"method\":\"post\",\"body\":\"x\"}", NULL },
	{ "{\"headers\":{\"Host\":\"evil\"}}", "set by the http worker" },
	{ "{\"headers\":{\"transfer-encoding\":\"chunked\"}}", "set by the http worker" },
	{ "{\"headers\":{\"Proxy-Authorization\":\"x\"}}", "set by the http worker" },
	{ "{\"headers\":{\"X A\":\"x\"}}", "not an HTTP header name" },
	{ "{\"headers\":{\"X-A\":\"a\\r\\nX-B: b\"}}", "control character" },
	{ "{\"headers\":{\"X-A\":5}}", "must be a string" },
	{ "{\"headers\":{\"X-A\":\"a\\u007fb\"}}", "control character" },
	{ "{\"headers\":\"X-A: b\"}", "must be an object" },
	{ "{\"method\":\"G T\"}", "letters only" },
	{ "{\"timeout\":0}", "positive" },
	{ "{\"max_bytes\":0}", "1 to 16777216" },
	{ "{\"max_bytes\":16777217}", "1 to 16777216" },
	{ "{\"follow_redirects\":21}", "0 to 20" },
	{ "{\"follow_redirects\":-1}", "0 to 20" },
	{ "{\"body\":5}", "a string, an object or a list" },
	{ "{\"verify\":false}", "not a parameter" },
};

START_TEST(test_canon)
{
	struct policy *p = load();
	json_t *params = json_loads(canon_cases[_i].params, 0, NULL);
	struct gate g;
	enum gate_verdict v;

	ck_assert_ptr_nonnull(params);
	v = decide(p, "https://api.example.com/v1/x", params, &g);
	if (canon_cases[_i].why == NULL)
		ck_assert_msg(v == GATE_ALLOWED, "%s: %s",
		    canon_cases[_i].params, g.why);
	else {
		ck_assert_int_eq(v, GATE_MALFORMED);
		ck_assert_msg(strstr(g.why, canon_cases[_i].why) != NULL,
		    "%s: %s", canon_cases[_i].params, g.why);
	}
	json_decref(params);
	policy_free(p);
}
END_TEST

/* A JSON body is sent as its text, with its content type. */
START_TEST(test_json_body)
{
	struct policy *p = load();
	json_t *params = json_loads("{\"body\":{\"a\":[1,2]}}", 0, NULL);
	struct gate g;

	ck_assert_int_eq(decide(p, "https://api.example.com/v1/x", params, &g),
	    GATE_ALLOWED);
	ck_assert_str_eq(json_string_value(json_object_get(params, "body")),
	    "{\"a\":[1,2]}");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    params, "headers"), "Content-Type")), "application/json");
	json_decref(params);
	policy_free(p);
}
END_TEST

/* The strings of a request or hop: n pairs after `skip` strings. */
static const char *
nth(const char *buf, size_t len, size_t i)
{
	size_t o = 0;

	while (i-- > 0) {
		o += strlen(buf + o) + 1;
		ck_assert_uint_lt(o, len);
	}
	return buf + o;
}

START_TEST(test_encode_capped)
{
	struct policy *p = load();
	json_t *params = json_loads("{\"timeout\":60,\"max_bytes\":1000,"
	    "\"follow_redirects\":9,\"headers\":{\"Authorization\":\"mine\"}}",
	    0, NULL);
	const struct http_req *hr;
	const char *err = NULL, *s;
	struct fwd f;
	struct gate g;

	ck_assert_int_eq(decide(p, "https://api.example.com/v1/x", params, &g),
	    GATE_ALLOWED);
	memset(&f, 0, sizeof(f));
	ck_assert_int_eq(http_encode(&f, p, "net.http", params,
	    "https://api.example.com/v1/x", &g.d, &err), 0);
	hr = (const struct http_req *)(const void *)f.hdr;
	ck_assert_uint_eq(hr->timeout_ms, 5000);	/* the rule's 5 s */
	ck_assert_uint_eq(hr->max_bytes, 100);
	ck_assert_uint_eq(hr->follow, 2);
	ck_assert_uint_eq(f.hops_max, 2);	/* more hops: a violation */
	ck_assert_uint_eq(hr->flags, HTTP_F_PRIVATE_OK);	/* named host */
	ck_assert_uint_eq(hr->nheaders, 1);
	s = f.iov[1].iov_base;
	ck_assert_str_eq(nth(s, f.iov[1].iov_len, 0), "GET");
	ck_assert_str_eq(nth(s, f.iov[1].iov_len, 2), "Authorization: mine");
	/* two entries match; the first one's Authorization wins, X-Org
	 * comes from the second: templates, never a value */
	ck_assert_uint_eq(hr->ncreds, 2);
	ck_assert_str_eq(nth(s, f.iov[1].iov_len, 3), "Authorization");
	ck_assert_str_eq(nth(s, f.iov[1].iov_len, 4), "Bearer ${API_TOKEN}");
	ck_assert_str_eq(nth(s, f.iov[1].iov_len, 5), "X-Org");
	ck_assert_str_eq(nth(s, f.iov[1].iov_len, 6), "${file:/etc/org}");
	free(f.owned);
	json_decref(params);
	policy_free(p);
}
END_TEST

/* A wildcard host never lets a private address through. */
START_TEST(test_encode_wildcard)
{
	struct policy *p = load();
	json_t *params = json_object();
	const struct http_req *hr;
	const char *err = NULL;
	struct fwd f;
	struct gate g;

	ck_assert_int_eq(decide(p, "https://a.example.org/", params, &g),
	    GATE_ALLOWED);
	memset(&f, 0, sizeof(f));
	ck_assert_int_eq(http_encode(&f, p, "net.http", params,
	    "https://a.example.org/", &g.d, &err), 0);
	hr = (const struct http_req *)(const void *)f.hdr;
	ck_assert_uint_eq(hr->flags & HTTP_F_PRIVATE_OK, 0);
	ck_assert_uint_eq(hr->ncreds, 0);
	ck_assert_uint_eq(hr->follow, 0);
	ck_assert_uint_eq(hr->max_bytes, 1048576);
	free(f.owned);
	json_decref(params);
	policy_free(p);
}
END_TEST

START_TEST(test_hop_origin)
{
	struct policy *p = load();
	json_t *params = json_object();
	const struct http_hop *hh;
	const char *err = NULL, *names[HTTP_CRED_NAMES_MAX];
	struct fwd f;
	struct gate g;

	ck_assert_int_eq(decide(p, "https://api.example.com:443/v1/b", params,
	    &g), GATE_ALLOWED);
	/* same origin (the default port written out): its credentials */
	memset(&f, 0, sizeof(f));
	ck_assert_int_eq(http_hop(&f, p, "https://API.example.com/v1/a",
	    "https://api.example.com:443/v1/b", params, &g.d, &err), 0);
	hh = (const struct http_hop *)(const void *)f.hdr;
	ck_assert_uint_eq(hh->allowed, 1);
	ck_assert_uint_eq(hh->ncreds, 2);
	/* the hop's own rule's caps */
	ck_assert_uint_eq(hh->timeout_ms, 5000);
	ck_assert_uint_eq(hh->max_bytes, 100);
	ck_assert_uint_eq(hh->follow, 0);
	free(f.owned);
	/* what is sent is what is named: the second entry's Authorization
	 * (${OTHER}) is shadowed by the first's, never sent, never named */
	ck_assert_uint_eq(http_cred_names(p, "https://api.example.com/v1/b",
	    NULL, names), 2);
	ck_assert_str_eq(names[0], "API_TOKEN");
	ck_assert_str_eq(names[1], "/etc/org");
	ck_assert_uint_eq(http_cred_names(p, "https://api.example.com/v2",
	    NULL, names), 2);
	ck_assert_str_eq(names[0], "OTHER");
	ck_assert_str_eq(names[1], "/etc/org");
	/* another origin: none, though the entries match the URL */
	memset(&f, 0, sizeof(f));
	ck_assert_int_eq(http_hop(&f, p, "http://api.example.com/v1/a",
	    "https://api.example.com/v1/b", params, &g.d, &err), 0);
	hh = (const struct http_hop *)(const void *)f.hdr;
	ck_assert_uint_eq(hh->allowed, 1);
	ck_assert_uint_eq(hh->ncreds, 0);
	ck_assert_uint_eq(http_cred_names(p, "https://api.example.com/v1/b",
	    "https://api.example.com:8443/", names), 0);
	free(f.owned);
	/* denied: the 3xx is the answer */
	memset(&f, 0, sizeof(f));
	ck_assert_int_eq(http_hop(&f, p, "https://api.example.com/",
	    "https://evil.test/", params, NULL, &err), 0);
	hh = (const struct http_hop *)(const void *)f.hdr;
	ck_assert_uint_eq(hh->allowed, 0);
	ck_assert_uint_eq(hh->ncreds, 0);
	ck_assert_ptr_null(f.owned);
	json_decref(params);
	policy_free(p);
}
END_TEST

static const struct {
	const char *json;
	int ok;
} results[] = {
	{ "{\"status_code\":200,\"headers\":{\"a\":\"b\"},\"body\":\"x\","
	  "\"body_encoding\":\"utf-8\",\"truncated\":false,\"url\":\"u\","
	  "\"redirects\":[]}", 1 },
	{ "{\"status_code\":302,\"headers\":{},\"body\":\"\","
	  "\"body_encoding\":\"utf-8\",\"truncated\":false,\"url\":\"u\","
	  "\"redirects\":[],\"redirect_denied\":\"v\","
	  "\"credentials\":[\"A\"]}", 1 },
	/* what a worker must never answer */
	{ "{\"status_code\":99,\"headers\":{},\"body\":\"\","
	  "\"body_encoding\":\"utf-8\",\"truncated\":false,\"url\":\"u\","
	  "\"redirects\":[]}", 0 },
	{ "{\"status_code\":200,\"headers\":{\"a\":1},\"body\":\"\","
	  "\"body_encoding\":\"utf-8\",\"truncated\":false,\"url\":\"u\","
	  "\"redirects\":[]}", 0 },
	{ "{\"status_code\":200,\"headers\":{},\"body\":\"\","
	  "\"body_encoding\":\"utf-8\",\"truncated\":false,\"url\":\"u\","
	  "\"redirects\":[],\"extra\":1}", 0 },
	{ "{\"status_code\":200,\"headers\":{},\"body\":\"\","
	  "\"body_encoding\":\"utf-8\",\"truncated\":false,\"url\":\"u\"}", 0 },
	{ "[1]", 0 },
	{ "{\"status_code\":200", 0 },
};

START_TEST(test_result)
{
	struct growbuf esc = { NULL, 0 };
	const char *data = NULL, *err = NULL;
	size_t dlen = 0;
	int rc;

	rc = http_result(provider_of("net.http"), REPLY_JSON, results[_i].json,
	    strlen(results[_i].json), &esc, &data, &dlen, &err);
	ck_assert_msg(results[_i].ok ? rc == 0 && data != NULL : rc == -1,
	    "%s", results[_i].json);
	rc = http_result(provider_of("net.http"), REPLY_ERROR, "refused", 7,
	    &esc, &data, &dlen, &err);
	ck_assert_int_eq(rc, 0);
	ck_assert_ptr_null(data);
	ck_assert_str_eq(err, "refused");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("prov_http");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_canon, 0,
	    sizeof(canon_cases) / sizeof(canon_cases[0]));
	tcase_add_test(tc, test_json_body);
	tcase_add_test(tc, test_encode_capped);
	tcase_add_test(tc, test_encode_wildcard);
	tcase_add_test(tc, test_hop_origin);
	tcase_add_loop_test(tc, test_result, 0,
	    sizeof(results) / sizeof(results[0]));
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
