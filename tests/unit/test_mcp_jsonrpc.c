/*
 * tests/unit/test_mcp_jsonrpc.c -- the mcp worker's pure parts
 * (workers/mcp/): the line reader (lines split across reads, an
 * over-long line dropped and the buffer never past its bound), the
 * classifier (ids as sent, hostile JSON), the builders (one line each,
 * read back by the classifier), the answers to a server's requests, the
 * results read (initialize, server/discover, tools/list, tools/call)
 * and the inputSchema subset.
 */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/mcp/jsonrpc.h"
#include "common/schema.h"

static json_t *
J(const char *s)
{
	json_error_t e;
	json_t *v = json_loads(s, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e);

	ck_assert_msg(v != NULL, "bad test JSON %s: %s", s, e.text);
	return v;
}

/* ---- the line reader ---- */

/* Feed the whole chunk; lines found appended to out ("|"-joined). */
static int
feed_all(struct jr_reader *r, const char *p, size_t n, char *out, size_t olen)
{
	const char *line;
	size_t used, len;
	int rc, lines = 0;

	while (n > 0) {
		rc = jr_reader_feed(r, p, n, &used, &line, &len);
		ck_assert_int_ge(rc, 0);
		ck_assert_uint_gt(used, 0);
		p += used;
		n -= used;
		if (rc == 1) {
			ck_assert_uint_eq(strlen(line), len);
			if (out[0] != '\0')
				strncat(out, "|", olen - strlen(out) - 1);
			strncat(out, line, olen - strlen(out) - 1);
			lines++;
		}
		ck_assert_uint_le(r->cap, r->max + 1);
	}
	return lines;
}

START_TEST(test_reader_lines)
{
	struct jr_reader r;
	char out[256] = "";
	const char *line;
	size_t len;

	jr_reader_init(&r, 0);
	ck_assert_uint_eq(r.max, JR_LINE_MAX_DEFAULT);
	ck_assert_int_eq(feed_all(&r, "a\nbb\r\n\nccc", 11, out, sizeof(out)),
	    3);
	ck_assert_str_eq(out, "a|bb|");
	ck_assert_int_eq(jr_reader_eof(&r, &line, &len), 1);
	ck_assert_str_eq(line, "ccc");
	ck_assert_int_eq(jr_reader_eof(&r, &line, &len), 0);
	ck_assert_uint_eq(r.dropped, 0);
	jr_reader_free(&r);
}
END_TEST

START_TEST(test_reader_split)
{
	static const char msg[] =
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n"
	    "{\"jsonrpc\":\"2.0\",\"method\":\"x\"}\n";
	struct jr_reader r;
	char out[256];
	size_t i, k;
	int lines;

	/* every split point, and byte by byte */
	for (k = 1; k < sizeof(msg) - 1; k++) {
		jr_reader_init(&r, 64);
		out[0] = '\0';
		lines = feed_all(&r, msg, k, out, sizeof(out));
		lines += feed_all(&r, msg + k, sizeof(msg) - 1 - k, out,
		    sizeof(out));
		ck_assert_int_eq(lines, 2);
		ck_assert_str_eq(out, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}|"
		    "{\"jsonrpc\":\"2.0\",\"method\":\"x\"}");
		jr_reader_free(&r);
	}
	jr_reader_init(&r, 64);
	out[0] = '\0';
	for (i = 0, lines = 0; i < sizeof(msg) - 1; i++)
		lines += feed_all(&r, msg + i, 1, out, sizeof(out));
	ck_assert_int_eq(lines, 2);
	jr_reader_free(&r);
}
END_TEST

START_TEST(test_reader_bound)
{
	struct jr_reader r;
	char out[256] = "";
	const char *line;
	size_t used, len;

	jr_reader_init(&r, 8);
	/* exactly 8 bytes passes, 9 is dropped (alone or over reads) */
	ck_assert_int_eq(feed_all(&r, "12345678\n123456789\nok\n", 22, out,
	    sizeof(out)), 2);
	ck_assert_str_eq(out, "12345678|ok");
	ck_assert_uint_eq(r.dropped, 1);
	out[0] = '\0';
	ck_assert_int_eq(feed_all(&r, "12345", 5, out, sizeof(out)), 0);
	ck_assert_int_eq(feed_all(&r, "6789abc", 7, out, sizeof(out)), 0);
	ck_assert_int_eq(feed_all(&r, "def\nyes\n", 8, out, sizeof(out)), 1);
	ck_assert_str_eq(out, "yes");
	ck_assert_uint_eq(r.dropped, 2);
	/* a '\r' before '\n' is in the count; a NUL is any byte */
	out[0] = '\0';
	ck_assert_int_eq(feed_all(&r, "1234567\r\n", 9, out, sizeof(out)), 1);
	ck_assert_str_eq(out, "1234567");
	ck_assert_int_eq(jr_reader_feed(&r, "a\0b\n", 4, &used, &line, &len),
	    1);
	ck_assert_uint_eq(used, 4);
	ck_assert_uint_eq(len, 3);
	ck_assert_int_eq(memcmp(line, "a\0b", 4), 0);
	/* the stream ends inside an over-long line: dropped */
	ck_assert_int_eq(feed_all(&r, "123456789012", 12, out, sizeof(out)),
	    0);
	ck_assert_int_eq(jr_reader_eof(&r, &line, &len), 0);
	ck_assert_uint_eq(r.dropped, 3);
	ck_assert_uint_le(r.cap, 9);
	jr_reader_free(&r);
}
END_TEST

START_TEST(test_reader_default_bound)
{
	struct jr_reader r;
	char *big = malloc(JR_LINE_MAX_DEFAULT + 2), out[8] = "";
	const char *line;
	size_t used, len;

	memset(big, 'x', JR_LINE_MAX_DEFAULT + 1);
	big[JR_LINE_MAX_DEFAULT + 1] = '\n';
	jr_reader_init(&r, 0);
	/* 4 MiB + 1: dropped, the buffer never grows to hold it */
	ck_assert_int_eq(feed_all(&r, big, JR_LINE_MAX_DEFAULT + 2, out,
	    sizeof(out)), 0);
	ck_assert_uint_eq(r.dropped, 1);
	ck_assert_uint_le(r.cap, JR_LINE_MAX_DEFAULT + 1);
	/* 4 MiB exactly: a line */
	big[JR_LINE_MAX_DEFAULT] = '\n';
	ck_assert_int_eq(jr_reader_feed(&r, big, JR_LINE_MAX_DEFAULT + 1,
	    &used, &line, &len), 1);
	ck_assert_uint_eq(len, JR_LINE_MAX_DEFAULT);
	ck_assert_uint_le(r.cap, JR_LINE_MAX_DEFAULT + 1);
	jr_reader_free(&r);
	free(big);
}
END_TEST

/* ---- the classifier ---- */

START_TEST(test_classify)
{
	static const struct {
		const char *line;
		enum jr_kind k;
	} t[] = {
		/* responses, any key order, integer or string ids */
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}", JR_RESPONSE },
		{ "{\"result\":{\"tools\":[]},\"id\":7,\"jsonrpc\":\"2.0\"}",
		    JR_RESPONSE },
		{ " {\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"result\":{}} \t",
		    JR_RESPONSE },
		{ "{\"jsonrpc\":\"2.0\",\"id\":-9223372036854775808,\"result\":{}}",
		    JR_RESPONSE },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32601,"
		    "\"message\":\"nope\"}}", JR_RESPONSE },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":1,"
		    "\"message\":\"\",\"data\":[1,{}],\"extra\":1}}", JR_RESPONSE },
		{ "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,"
		    "\"message\":\"Parse error\"}}", JR_RESPONSE },
		/* requests and notifications */
		{ "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"roots/list\"}",
		    JR_REQUEST },
		{ "{\"method\":\"sampling/createMessage\",\"params\":{},\"id\":\"s1\","
		    "\"jsonrpc\":\"2.0\"}", JR_REQUEST },
		{ "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/"
		    "list_changed\"}", JR_NOTIFICATION },
		{ "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\","
		    "\"params\":{\"level\":\"info\",\"data\":\"x\"}}",
		    JR_NOTIFICATION },
		/* not JSON: a server's log, nothing, half a message */
		{ "Starting server on stdio...", JR_NOT_JSON },
		{ "[INFO] ready", JR_NOT_JSON },
		{ "", JR_NOT_JSON },
		{ "   ", JR_NOT_JSON },
		{ "{\"jsonrpc\":\"2.0\",", JR_NOT_JSON },
		{ "42", JR_NOT_JSON },
		{ "\"str\"", JR_NOT_JSON },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"a\":\"\xff\"}}",
		    JR_NOT_JSON },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"a\":\"\xc0\xaf\"}}",
		    JR_NOT_JSON },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}} trailing",
		    JR_NOT_JSON },
		/* JSON, not a message */
		{ "[{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}]", JR_INVALID },
		{ "[]", JR_INVALID },
		{ "{}", JR_INVALID },
		{ "{\"id\":1,\"result\":{}}", JR_INVALID },
		{ "{\"jsonrpc\":\"1.0\",\"id\":1,\"result\":{}}", JR_INVALID },
		{ "{\"jsonrpc\":2.0,\"id\":1,\"result\":{}}", JR_INVALID },
		{ "{\"jsonrpc\":\"2.0\",\"id\":null,\"result\":{}}", JR_INVALID },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{},\"error\":"
		    "{\"code\":1,\"message\":\"m\"}}", JR_INVALID },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1}", JR_INVALID },
		{ "{\"jsonrpc\":\"2.0\",\"result\":{}}", JR_INVALID },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1.5,\"result\":{}}", JR_INVALID },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1.0,\"result\":{}}", JR_INVALID },
		{ "{\"jsonrpc\":\"2.0\",\"id\":true,\"result\":{}}", JR_INVALID },
		{ "{\"jsonrpc\":\"2.0\",\"id\":[1],\"result\":{}}", JR_INVALID },
		{ "{\"jsonrpc\":\"2.0\",\"id\":{},\"result\":{}}", JR_INVALID },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":[]}", JR_INVALID },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":5}", JR_INVALID },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":null}", JR_INVALID },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":\"x\"}", JR_INVALID },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":\"1\","
		    "\"message\":\"m\"}}", JR_INVALID },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":1.5,"
		    "\"message\":\"m\"}}", JR_INVALID },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":1}}",
		    JR_INVALID },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":5}", JR_INVALID },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\"}", JR_INVALID },
		{ "{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}",
		    JR_INVALID },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"ping\"}",
		    JR_INVALID },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"result\":{}}",
		    JR_INVALID },
		{ "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":[1]}",
		    JR_INVALID },
		{ "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":null}",
		    JR_INVALID },
		/* JSON jansson refuses to hold: a broken message */
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":2,\"result\":{}}",
		    JR_INVALID },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"a\":1,\"a\":2}}",
		    JR_INVALID },
		{ "{\"jsonrpc\":\"2.0\",\"id\":99999999999999999999999,"
		    "\"result\":{}}", JR_INVALID },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"n\":1e999}}",
		    JR_INVALID },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"a\":\"\\u0000\"}}",
		    JR_INVALID },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"\\u0000\":1}}",
		    JR_INVALID },
	};
	struct jr_msg m;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		enum jr_kind k = jr_classify(t[i].line, strlen(t[i].line), &m);

		ck_assert_msg(k == t[i].k && m.kind == k,
		    "%s: kind %d, want %d (%s)", t[i].line, (int)k, (int)t[i].k,
		    m.why ? m.why : "");
		if (k == JR_INVALID || k == JR_NOT_JSON)
			ck_assert_ptr_nonnull(m.why);
		if (k == JR_RESPONSE)
			ck_assert((m.result == NULL) != (m.error == NULL));
		if (k == JR_REQUEST || k == JR_NOTIFICATION)
			ck_assert_ptr_nonnull(m.method);
		ck_assert((k == JR_REQUEST) == (m.method != NULL && m.id !=
		    NULL));
		jr_msg_free(&m);
	}
}
END_TEST

START_TEST(test_classify_fields)
{
	static const char e[] = "{\"error\":{\"message\":\"boom\",\"code\":-32602,"
	    "\"data\":{\"why\":1}},\"id\":5,\"jsonrpc\":\"2.0\"}";
	static const char q[] = "{\"jsonrpc\":\"2.0\",\"id\":\"q\",\"method\":"
	    "\"elicitation/create\",\"params\":{\"message\":\"?\"}}";
	static const char nul[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\0x";
	struct jr_msg m;

	ck_assert_int_eq(jr_classify(e, strlen(e), &m), JR_RESPONSE);
	ck_assert(jr_id_is(m.id, 5));
	ck_assert_int_eq(m.err_code, -32602);
	ck_assert_str_eq(m.err_message, "boom");
	ck_assert(json_is_object(m.err_data));
	jr_msg_free(&m);
	ck_assert_int_eq(jr_classify(q, strlen(q), &m), JR_REQUEST);
	ck_assert_str_eq(m.method, "elicitation/create");
	ck_assert_str_eq(json_string_value(m.id), "q");
	ck_assert(json_is_object(m.params));
	jr_msg_free(&m);
	/* a NUL byte inside the line (the reader passes any byte) */
	ck_assert_int_ne(jr_classify(nul, sizeof(nul) - 1, &m), JR_RESPONSE);
	jr_msg_free(&m);
}
END_TEST

/* Nesting: within jansson's 2048 levels a message, past them refused. */
START_TEST(test_classify_deep)
{
	static const char head[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"a\":";
	size_t depths[] = { 2000, 5000 }, i, d, o;
	char *s = malloc(sizeof(head) + 2 * 5000 + 8);
	struct jr_msg m;

	for (i = 0; i < 2; i++) {
		o = strlen(head);
		memcpy(s, head, o);
		for (d = 0; d < depths[i]; d++)
			s[o++] = '[';
		for (d = 0; d < depths[i]; d++)
			s[o++] = ']';
		memcpy(s + o, "}}", 3);
		o += 2;
		ck_assert_int_eq(jr_classify(s, o, &m), i == 0 ? JR_RESPONSE :
		    JR_INVALID);
		jr_msg_free(&m);
	}
	/* a string id and a method past their bounds */
	o = (size_t)sprintf(s, "{\"jsonrpc\":\"2.0\",\"id\":\"");
	memset(s + o, 'i', JR_ID_STR_MAX + 1);
	o += JR_ID_STR_MAX + 1;
	o += (size_t)sprintf(s + o, "\",\"result\":{}}");
	ck_assert_int_eq(jr_classify(s, o, &m), JR_INVALID);
	jr_msg_free(&m);
	o = (size_t)sprintf(s, "{\"jsonrpc\":\"2.0\",\"method\":\"");
	memset(s + o, 'm', JR_METHOD_MAX + 1);
	o += JR_METHOD_MAX + 1;
	o += (size_t)sprintf(s + o, "\"}");
	ck_assert_int_eq(jr_classify(s, o, &m), JR_INVALID);
	jr_msg_free(&m);
	free(s);
}
END_TEST

START_TEST(test_id_is)
{
	json_t *i7 = json_integer(7), *s7 = json_string("7"), *r7 =
	    json_real(7.0), *n = json_null(), *big = json_integer(INT64_MAX);

	ck_assert(jr_id_is(i7, 7));
	ck_assert(!jr_id_is(i7, 8));
	/* the same number as a string, or as a real: not the request sent */
	ck_assert(!jr_id_is(s7, 7));
	ck_assert(!jr_id_is(r7, 7));
	ck_assert(!jr_id_is(n, 0));
	ck_assert(!jr_id_is(NULL, 0));
	ck_assert(jr_id_is(big, INT64_MAX));
	json_decref(i7);
	json_decref(s7);
	json_decref(r7);
	json_decref(big);
}
END_TEST

/* ---- builders ---- */

/* The line is one line, and reads back as kind k. */
static void
one_line(char *t, size_t len, enum jr_kind k)
{
	struct jr_msg m;

	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(strlen(t), len);
	ck_assert(len > 0 && t[len - 1] == '\n');
	ck_assert_ptr_eq(memchr(t, '\n', len), t + len - 1);
	ck_assert_int_eq(jr_classify(t, len - 1, &m), k);
	jr_msg_free(&m);
}

START_TEST(test_build)
{
	json_t *p = J("{\"cursor\":\"a\\nb\",\"n\":[1,2]}"), *id, *res;
	char *t;
	size_t len;

	t = jr_request(1, "tools/list", NULL, &len);
	ck_assert_str_eq(t, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/"
	    "list\"}\n");
	one_line(t, len, JR_REQUEST);
	free(t);
	t = jr_request(2, "tools/list", p, &len);
	ck_assert_str_eq(t, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/"
	    "list\",\"params\":{\"cursor\":\"a\\nb\",\"n\":[1,2]}}\n");
	one_line(t, len, JR_REQUEST);
	free(t);
	ck_assert_int_eq(p->refcount, 1);	/* borrowed, not stolen */
	t = jr_notification("notifications/initialized", NULL, &len);
	ck_assert_str_eq(t, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/"
	    "initialized\"}\n");
	one_line(t, len, JR_NOTIFICATION);
	free(t);
	id = json_string("s1");
	res = J("{\"roots\":[]}");
	t = jr_response_result(id, res, &len);
	ck_assert_str_eq(t, "{\"jsonrpc\":\"2.0\",\"id\":\"s1\",\"result\":"
	    "{\"roots\":[]}}\n");
	one_line(t, len, JR_RESPONSE);
	free(t);
	t = jr_response_error(id, JR_METHOD_NOT_FOUND, "Method not found",
	    &len);
	ck_assert_str_eq(t, "{\"jsonrpc\":\"2.0\",\"id\":\"s1\",\"error\":"
	    "{\"code\":-32601,\"message\":\"Method not found\"}}\n");
	one_line(t, len, JR_RESPONSE);
	free(t);
	/* wrong types: nothing built */
	ck_assert_ptr_null(jr_request(3, NULL, NULL, &len));
	ck_assert_ptr_null(jr_request(3, "x", json_array_get(
	    json_object_get(p, "n"), 0), &len));
	ck_assert_ptr_null(jr_response_result(id, json_object_get(p, "n"),
	    &len));
	ck_assert_ptr_null(jr_response_result(res, res, &len));
	ck_assert_ptr_null(jr_response_error(json_object_get(p, "n"), 1, "m",
	    &len));
	ck_assert_ptr_null(jr_response_error(id, 1, NULL, &len));
	json_decref(id);
	json_decref(res);
	json_decref(p);
}
END_TEST

START_TEST(test_answer)
{
	static const struct {
		const char *req;
		const char *answer;
	} t[] = {
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
		    "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n" },
		{ "{\"jsonrpc\":\"2.0\",\"id\":\"r\",\"method\":\"roots/list\"}",
		    "{\"jsonrpc\":\"2.0\",\"id\":\"r\",\"result\":{\"roots\":[]}}\n" },
		{ "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"sampling/"
		    "createMessage\",\"params\":{}}",
		    "{\"jsonrpc\":\"2.0\",\"id\":2,\"error\":{\"code\":-32601,"
		    "\"message\":\"Method not found\"}}\n" },
		{ "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"elicitation/create\"}",
		    "{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":-32601,"
		    "\"message\":\"Method not found\"}}\n" },
		{ "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"no/such\"}",
		    "{\"jsonrpc\":\"2.0\",\"id\":4,\"error\":{\"code\":-32601,"
		    "\"message\":\"Method not found\"}}\n" },
	};
	static const char note[] = "{\"jsonrpc\":\"2.0\",\"method\":\"ping\"}";
	json_t *roots = J("[{\"uri\":\"file:///workspace\",\"name\":\"w\"}]");
	struct jr_msg m;
	size_t i, len;
	char *a;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_int_eq(jr_classify(t[i].req, strlen(t[i].req), &m),
		    JR_REQUEST);
		a = jr_answer(&m, NULL, &len);
		ck_assert_str_eq(a, t[i].answer);
		free(a);
		jr_msg_free(&m);
	}
	ck_assert_int_eq(jr_classify(t[1].req, strlen(t[1].req), &m),
	    JR_REQUEST);
	a = jr_answer(&m, roots, &len);
	ck_assert_str_eq(a, "{\"jsonrpc\":\"2.0\",\"id\":\"r\",\"result\":"
	    "{\"roots\":[{\"uri\":\"file:///workspace\",\"name\":\"w\"}]}}\n");
	free(a);
	ck_assert_ptr_null(jr_answer(&m, json_array_get(roots, 0), &len));
	jr_msg_free(&m);
	/* a notification gets no answer */
	ck_assert_int_eq(jr_classify(note, strlen(note), &m), JR_NOTIFICATION);
	ck_assert_ptr_null(jr_answer(&m, NULL, &len));
	jr_msg_free(&m);
	json_decref(roots);
}
END_TEST

START_TEST(test_params_meta)
{
	json_t *p = J("{\"name\":\"t\",\"_meta\":{\"progressToken\":1}}");
	json_t *q = J("{\"_meta\":5}"), *e = json_object(), *a = json_array();
	char *s;

	ck_assert_int_eq(jr_params_meta(p, "2026-07-28", "aksup", "0.1.0"), 0);
	s = json_dumps(p, JSON_COMPACT | JSON_PRESERVE_ORDER);
	ck_assert_str_eq(s, "{\"name\":\"t\",\"_meta\":{\"progressToken\":1,"
	    "\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
	    "\"io.modelcontextprotocol/clientInfo\":{\"name\":\"aksup\","
	    "\"version\":\"0.1.0\"},"
	    "\"io.modelcontextprotocol/clientCapabilities\":{}}}");
	free(s);
	ck_assert_int_eq(jr_params_meta(e, "2026-07-28", "a", "1"), 0);
	ck_assert(json_is_object(json_object_get(e, "_meta")));
	ck_assert_int_eq(jr_params_meta(q, "2026-07-28", "a", "1"), -1);
	ck_assert_int_eq(jr_params_meta(a, "2026-07-28", "a", "1"), -1);
	ck_assert_int_eq(jr_params_meta(e, NULL, "a", "1"), -1);
	json_decref(p);
	json_decref(q);
	json_decref(e);
	json_decref(a);
}
END_TEST

/* ---- results ---- */

START_TEST(test_initialize)
{
	static const struct {
		const char *r;
		int rc;
	} t[] = {
		{ "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{\"tools\":"
		    "{\"listChanged\":true}},\"serverInfo\":{\"name\":\"s\","
		    "\"version\":\"1\"},\"instructions\":\"hi\"}", 0 },
		{ "{\"capabilities\":{},\"serverInfo\":{\"name\":\"s\"}}", -1 },
		{ "{\"protocolVersion\":\"\",\"capabilities\":{},\"serverInfo\":"
		    "{\"name\":\"s\"}}", -1 },
		{ "{\"protocolVersion\":2025,\"capabilities\":{},\"serverInfo\":"
		    "{\"name\":\"s\"}}", -1 },
		{ "{\"protocolVersion\":\"v\",\"serverInfo\":{\"name\":\"s\"}}",
		    -1 },
		{ "{\"protocolVersion\":\"v\",\"capabilities\":[],\"serverInfo\":"
		    "{\"name\":\"s\"}}", -1 },
		{ "{\"protocolVersion\":\"v\",\"capabilities\":{},\"serverInfo\":"
		    "{}}", -1 },
		{ "{\"protocolVersion\":\"v\",\"capabilities\":{},\"serverInfo\":"
		    "{\"name\":\"s\"},\"instructions\":1}", -1 },
		{ "[]", -1 },
	};
	const char *v;
	char why[128];
	size_t i;
	json_t *r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = J(t[i].r);
		why[0] = '\0';
		ck_assert_msg(jr_initialize_result(r, &v, why, sizeof(why)) ==
		    t[i].rc, "%s", t[i].r);
		ck_assert(t[i].rc == 0 ? v != NULL : why[0] != '\0');
		json_decref(r);
	}
}
END_TEST

START_TEST(test_discover)
{
	static const struct {
		const char *r;
		int rc;
	} t[] = {
		/* the spec's example */
		{ "{\"resultType\":\"complete\",\"supportedVersions\":"
		    "[\"2026-07-28\"],\"capabilities\":{\"tools\":{},\"resources\":"
		    "{}},\"serverInfo\":{\"name\":\"ExampleServer\",\"version\":"
		    "\"1.0.0\"},\"instructions\":\"x\",\"ttlMs\":3600000,"
		    "\"cacheScope\":\"public\"}", 0 },
		{ "{\"supportedVersions\":[\"2026-07-28\",\"2025-11-25\"],"
		    "\"capabilities\":{},\"_meta\":{}}", 0 },
		{ "{\"resultType\":\"input_required\",\"supportedVersions\":"
		    "[\"2026-07-28\"],\"capabilities\":{}}", -1 },
		{ "{\"resultType\":7,\"supportedVersions\":[\"v\"],"
		    "\"capabilities\":{}}", -1 },
		{ "{\"supportedVersions\":[],\"capabilities\":{}}", -1 },
		{ "{\"supportedVersions\":\"2026-07-28\",\"capabilities\":{}}",
		    -1 },
		{ "{\"supportedVersions\":[\"v\",1],\"capabilities\":{}}", -1 },
		{ "{\"supportedVersions\":[\"\"],\"capabilities\":{}}", -1 },
		{ "{\"supportedVersions\":[\"v\"]}", -1 },
		{ "{\"supportedVersions\":[\"v\"],\"capabilities\":{},"
		    "\"serverInfo\":\"s\"}", -1 },
		{ "{\"supportedVersions\":[\"v\"],\"capabilities\":{},"
		    "\"ttlMs\":-1}", -1 },
		{ "{\"supportedVersions\":[\"v\"],\"capabilities\":{},"
		    "\"ttlMs\":1.5}", -1 },
		{ "{\"supportedVersions\":[\"v\"],\"capabilities\":{},"
		    "\"cacheScope\":1}", -1 },
	};
	json_t *r, *vs;
	char why[128];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = J(t[i].r);
		ck_assert_msg(jr_discover_result(r, &vs, why, sizeof(why)) ==
		    t[i].rc, "%s", t[i].r);
		if (t[i].rc == 0) {
			ck_assert(jr_version_listed(vs, "2026-07-28"));
			ck_assert(!jr_version_listed(vs, "2026-07-2"));
		} else
			ck_assert_ptr_null(vs);
		json_decref(r);
	}
}
END_TEST

static char *
tool_named(const char *name)
{
	json_t *o = J("{\"tools\":[{\"inputSchema\":{\"type\":\"object\"}}]}");
	char *s;

	json_object_set_new(json_array_get(json_object_get(o, "tools"), 0),
	    "name", json_string(name));
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

START_TEST(test_tools_page)
{
	static const struct {
		const char *r;
		int rc;
		const char *cursor;
		const char *why;
	} t[] = {
		{ "{\"tools\":[{\"name\":\"get_weather\",\"title\":\"W\","
		    "\"description\":\"d\",\"inputSchema\":{\"type\":\"object\","
		    "\"properties\":{\"loc\":{\"type\":\"string\"}}},"
		    "\"annotations\":{\"readOnlyHint\":true},\"outputSchema\":{},"
		    "\"_meta\":{},\"icons\":[]},{\"name\":\"a.b/c-d_9\","
		    "\"inputSchema\":{}}],\"nextCursor\":\"c2\"}", 0, "c2", NULL },
		{ "{\"tools\":[],\"resultType\":\"complete\"}", 0, NULL, NULL },
		{ "{\"tools\":[],\"nextCursor\":\"\"}", 0, NULL, NULL },
		{ "{\"tools\":[],\"nextCursor\":5}", -1, NULL, "nextCursor" },
		{ "{\"tools\":[],\"nextCursor\":null}", -1, NULL, "nextCursor" },
		{ "{\"tools\":{}}", -1, NULL, "tools: not an array" },
		{ "{}", -1, NULL, "tools: not an array" },
		{ "{\"tools\":[],\"resultType\":\"input_required\"}", -1, NULL,
		    "resultType" },
		{ "{\"tools\":[5]}", -1, NULL, "tools[0]: not an object" },
		{ "{\"tools\":[{\"inputSchema\":{}}]}", -1, NULL,
		    "tools[0].name" },
		{ "{\"tools\":[{\"name\":\"\",\"inputSchema\":{}}]}", -1, NULL,
		    "tools[0].name" },
		{ "{\"tools\":[{\"name\":\"a b\",\"inputSchema\":{}}]}", -1, NULL,
		    "tools[0].name" },
		{ "{\"tools\":[{\"name\":\"a*\",\"inputSchema\":{}}]}", -1, NULL,
		    "tools[0].name" },
		{ "{\"tools\":[{\"name\":\"\xc3\xa9\",\"inputSchema\":{}}]}", -1,
		    NULL, "tools[0].name" },
		{ "{\"tools\":[{\"name\":7,\"inputSchema\":{}}]}", -1, NULL,
		    "tools[0].name" },
		{ "{\"tools\":[{\"name\":\"a\",\"inputSchema\":{}},{\"name\":\"a\","
		    "\"inputSchema\":{}}]}", -1, NULL, "tools[1].name: listed "
		    "twice" },
		{ "{\"tools\":[{\"name\":\"a\"}]}", -1, NULL,
		    "tools[0].inputSchema" },
		{ "{\"tools\":[{\"name\":\"a\",\"inputSchema\":true}]}", -1, NULL,
		    "tools[0].inputSchema" },
		{ "{\"tools\":[{\"name\":\"a\",\"inputSchema\":{},\"description\":"
		    "1}]}", -1, NULL, "tools[0].description" },
		{ "{\"tools\":[{\"name\":\"a\",\"inputSchema\":{},\"title\":[]}]}",
		    -1, NULL, "tools[0].title" },
		{ "{\"tools\":[{\"name\":\"a\",\"inputSchema\":{},\"annotations\":"
		    "[]}]}", -1, NULL, "tools[0].annotations" },
		{ "{\"tools\":[{\"name\":\"a\",\"inputSchema\":{},\"outputSchema\":"
		    "5}]}", -1, NULL, "tools[0].outputSchema" },
	};
	json_t *r, *tools;
	const char *cur;
	char why[160], *s;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = J(t[i].r);
		why[0] = '\0';
		ck_assert_msg(jr_tools_page(r, &tools, &cur, why, sizeof(why)) ==
		    t[i].rc, "%s", t[i].r);
		if (t[i].rc == 0) {
			ck_assert(json_is_array(tools));
			if (t[i].cursor)
				ck_assert_str_eq(cur, t[i].cursor);
			else
				ck_assert_ptr_null(cur);
		} else {
			ck_assert_ptr_null(tools);
			ck_assert_msg(strstr(why, t[i].why) != NULL, "%s: %s",
			    t[i].r, why);
		}
		json_decref(r);
	}
	/* a name of 128 bytes passes, 129 does not */
	for (i = 128; i <= 129; i++) {
		char name[130];

		memset(name, 'n', i);
		name[i] = '\0';
		s = tool_named(name);
		r = J(s);
		ck_assert_int_eq(jr_tools_page(r, &tools, &cur, NULL, 0),
		    i == 128 ? 0 : -1);
		json_decref(r);
		free(s);
	}
}
END_TEST

START_TEST(test_tool_digest)
{
	static const char a[] = "{\"name\":\"read_file\",\"description\":"
	    "\"Read a file\",\"inputSchema\":{\"type\":\"object\",\"properties\":"
	    "{\"path\":{\"type\":\"string\"}},\"required\":[\"path\"]},"
	    "\"annotations\":{\"readOnlyHint\":true}}";
	/* the same tool, keys in another order at every depth, and what
	 * the digest leaves out (title, outputSchema, _meta) */
	static const char b[] = "{\"annotations\":{\"readOnlyHint\":true},"
	    "\"title\":\"Read\",\"inputSchema\":{\"required\":[\"path\"],"
	    "\"properties\":{\"path\":{\"type\":\"string\"}},\"type\":"
	    "\"object\"},\"_meta\":{\"x\":1},\"outputSchema\":{},\"description\":"
	    "\"Read a file\",\"name\":\"read_file\"}";
	static const char *const other[] = {
		"{\"name\":\"read_file\",\"description\":\"Read a file!\","
		"\"inputSchema\":{\"type\":\"object\",\"properties\":{\"path\":"
		"{\"type\":\"string\"}},\"required\":[\"path\"]},\"annotations\":"
		"{\"readOnlyHint\":true}}",
		"{\"name\":\"read_file\",\"description\":\"Read a file\","
		"\"inputSchema\":{\"type\":\"object\",\"properties\":{\"path\":"
		"{\"type\":\"string\"}},\"required\":[\"path\"]}}",
		"{\"name\":\"read_file\",\"description\":\"Read a file\","
		"\"inputSchema\":{\"type\":\"object\",\"properties\":{\"path\":"
		"{\"type\":\"string\"}}},\"annotations\":{\"readOnlyHint\":true}}",
		"{\"name\":\"read_files\",\"description\":\"Read a file\","
		"\"inputSchema\":{\"type\":\"object\",\"properties\":{\"path\":"
		"{\"type\":\"string\"}},\"required\":[\"path\"]},\"annotations\":"
		"{\"readOnlyHint\":true}}",
	};
	char da[JR_DIGEST_HEX], db[JR_DIGEST_HEX], dx[JR_DIGEST_HEX];
	json_t *ta = J(a), *tb = J(b), *tx;
	size_t i;

	ck_assert_int_eq(jr_tool_digest(ta, da), 0);
	/* SHA-256 of {"annotations":{"readOnlyHint":true},"description":
	 * "Read a file","inputSchema":{"properties":{"path":{"type":
	 * "string"}},"required":["path"],"type":"object"},"name":
	 * "read_file"} (computed apart, with Python's hashlib) */
	ck_assert_str_eq(da, "dbe503ff90eee6ff865cbad8b9b23c9fe6a462f87984c2960"
	    "967f8bd8e09a4f7");
	ck_assert_int_eq(jr_tool_digest(tb, db), 0);
	ck_assert_str_eq(da, db);
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		tx = J(other[i]);
		ck_assert_int_eq(jr_tool_digest(tx, dx), 0);
		ck_assert_str_ne(da, dx);
		json_decref(tx);
	}
	tx = J("{\"inputSchema\":{}}");
	ck_assert_int_eq(jr_tool_digest(tx, dx), -1);
	json_decref(tx);
	tx = J("{\"name\":\"x\"}");
	ck_assert_int_eq(jr_tool_digest(tx, dx), -1);
	json_decref(tx);
	json_decref(ta);
	json_decref(tb);
}
END_TEST

START_TEST(test_call_result)
{
	static const struct {
		const char *r;
		int rc, is_error;
		const char *text;
	} t[] = {
		{ "{\"content\":[{\"type\":\"text\",\"text\":\"hi\"},{\"type\":"
		    "\"image\",\"data\":\"iVBORw0KGgo=\",\"mimeType\":\"image/png\","
		    "\"annotations\":{\"audience\":[\"user\"]}},{\"type\":\"audio\","
		    "\"data\":\"AA==\",\"mimeType\":\"audio/wav\"},{\"type\":"
		    "\"resource\",\"resource\":{\"uri\":\"file:///a\",\"text\":"
		    "\"t\"}},{\"type\":\"resource\",\"resource\":{\"uri\":\"x:b\","
		    "\"blob\":\"AA==\"}},{\"type\":\"resource_link\",\"uri\":"
		    "\"file:///b\",\"name\":\"b\"},{\"type\":\"widget\"}],"
		    "\"structuredContent\":{\"a\":1},\"isError\":false}",
		    JR_CALL_OK, 0, NULL },
		{ "{\"content\":[],\"resultType\":\"complete\"}", JR_CALL_OK, 0,
		    NULL },
		{ "{\"content\":[{\"type\":\"text\",\"text\":\"no such file\"},"
		    "{\"type\":\"image\",\"data\":\"\",\"mimeType\":\"i/p\"},"
		    "{\"type\":\"text\",\"text\":\"second\"}],\"isError\":true}",
		    JR_CALL_OK, 1, "no such file\nsecond" },
		{ "{\"content\":[],\"isError\":true}", JR_CALL_OK, 1, "" },
		{ "{\"resultType\":\"input_required\",\"inputRequests\":{\"a\":"
		    "{\"method\":\"elicitation/create\"}},\"requestState\":\"s\"}",
		    JR_CALL_INPUT_REQUIRED, 0, NULL },
		{ "{\"resultType\":\"input_required\",\"inputRequests\":[]}",
		    JR_CALL_BAD, 0, NULL },
		{ "{\"resultType\":\"input_required\",\"requestState\":1}",
		    JR_CALL_BAD, 0, NULL },
		{ "{\"resultType\":\"weird\",\"content\":[]}", JR_CALL_BAD, 0,
		    NULL },
		{ "{}", JR_CALL_BAD, 0, NULL },
		{ "{\"content\":{}}", JR_CALL_BAD, 0, NULL },
		{ "{\"content\":[5]}", JR_CALL_BAD, 0, NULL },
		{ "{\"content\":[{}]}", JR_CALL_BAD, 0, NULL },
		{ "{\"content\":[{\"type\":\"\"}]}", JR_CALL_BAD, 0, NULL },
		{ "{\"content\":[{\"type\":\"text\"}]}", JR_CALL_BAD, 0, NULL },
		{ "{\"content\":[{\"type\":\"text\",\"text\":5}]}", JR_CALL_BAD, 0,
		    NULL },
		{ "{\"content\":[{\"type\":\"image\",\"data\":\"AA==\"}]}",
		    JR_CALL_BAD, 0, NULL },
		{ "{\"content\":[{\"type\":\"audio\",\"mimeType\":\"a/w\"}]}",
		    JR_CALL_BAD, 0, NULL },
		{ "{\"content\":[{\"type\":\"resource\",\"resource\":{\"text\":"
		    "\"t\"}}]}", JR_CALL_BAD, 0, NULL },
		{ "{\"content\":[{\"type\":\"resource\",\"resource\":{\"uri\":"
		    "\"u\"}}]}", JR_CALL_BAD, 0, NULL },
		{ "{\"content\":[{\"type\":\"resource_link\",\"uri\":\"u\"}]}",
		    JR_CALL_BAD, 0, NULL },
		{ "{\"content\":[{\"type\":\"text\",\"text\":\"\",\"annotations\":"
		    "5}]}", JR_CALL_BAD, 0, NULL },
		{ "{\"content\":[],\"structuredContent\":[1]}", JR_CALL_BAD, 0,
		    NULL },
		{ "{\"content\":[],\"isError\":\"true\"}", JR_CALL_BAD, 0, NULL },
		{ "{\"content\":[],\"isError\":1}", JR_CALL_BAD, 0, NULL },
	};
	json_t *r;
	char why[128], *text;
	size_t i;
	int ie;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = J(t[i].r);
		why[0] = '\0';
		ck_assert_msg((int)jr_call_result(r, &ie, &text, why,
		    sizeof(why)) == t[i].rc, "%s: %s", t[i].r, why);
		ck_assert_int_eq(ie, t[i].is_error);
		if (t[i].text)
			ck_assert_str_eq(text, t[i].text);
		else
			ck_assert_ptr_null(text);
		if (t[i].rc == JR_CALL_BAD)
			ck_assert(why[0] != '\0');
		free(text);
		json_decref(r);
	}
}
END_TEST

/* An isError's text: at most 4 KiB, cut on a character boundary. */
START_TEST(test_call_error_text_bound)
{
	json_t *r = J("{\"content\":[],\"isError\":true}"), *b;
	char *s = malloc(1 + 2 * 3000 + 1), *text;
	size_t i;
	int ie;

	s[0] = 'x';
	for (i = 0; i < 3000; i++)
		memcpy(s + 1 + 2 * i, "\xc3\xa9", 2);
	s[1 + 6000] = '\0';
	for (i = 0; i < 3; i++) {
		b = json_pack("{s:s, s:s}", "type", "text", "text", s);
		json_array_append_new(json_object_get(r, "content"), b);
	}
	ck_assert_int_eq(jr_call_result(r, &ie, &text, NULL, 0), JR_CALL_OK);
	ck_assert_int_eq(ie, 1);
	/* byte 4096 is an é's second byte: the cut is before the é */
	ck_assert_uint_eq(strlen(text), JR_ERROR_TEXT_MAX - 1);
	ck_assert_int_eq(text[0], 'x');
	ck_assert_int_eq((unsigned char)text[JR_ERROR_TEXT_MAX - 2], 0xa9);
	json_decref(r);
	/* text NULL: not wanted */
	r = J("{\"content\":[{\"type\":\"text\",\"text\":\"e\"}],\"isError\":"
	    "true}");
	ck_assert_int_eq(jr_call_result(r, &ie, NULL, NULL, 0), JR_CALL_OK);
	ck_assert_int_eq(ie, 1);
	json_decref(r);
	free(text);
	free(s);
}
END_TEST

/* ---- inputSchema ---- */

START_TEST(test_schema)
{
	static const struct {
		const char *schema, *value;
		int rc;
		const char *why;	/* the whole reason, or NULL */
	} t[] = {
		/* the common shape */
		{ "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":"
		    "\"string\"}},\"required\":[\"path\"]}", "{\"path\":\"a\"}", 0,
		    NULL },
		{ "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":"
		    "\"string\"}},\"required\":[\"path\"]}", "{\"path\":1}", -1,
		    "arguments.path: must be a string" },
		{ "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":"
		    "\"string\"}},\"required\":[\"path\"]}", "{}", -1,
		    "arguments.path: is required" },
		{ "{\"type\":\"object\"}", "[]", -1,
		    "arguments: must be an object" },
		{ "{\"properties\":{\"a\":{}},\"additionalProperties\":false}",
		    "{\"a\":1,\"x y\\n\":2}", -1, "arguments.x?y?: is not allowed" },
		{ "{\"additionalProperties\":{\"type\":\"integer\"}}",
		    "{\"n\":2,\"s\":\"x\"}", -1, "arguments.s: must be an integer" },
		{ "{\"additionalProperties\":false,\"patternProperties\":{}}",
		    "{\"a\":1}", 0, NULL },
		/* types */
		{ "{\"type\":[\"string\",\"null\"]}", "null", 0, NULL },
		{ "{\"type\":[\"string\",\"null\"]}", "5", -1,
		    "arguments: must be of type string, null" },
		{ "{\"type\":\"integer\"}", "1.0", 0, NULL },
		{ "{\"type\":\"integer\"}", "1e300", 0, NULL },
		{ "{\"type\":\"integer\"}", "-9223372036854775808", 0, NULL },
		{ "{\"type\":\"integer\"}", "1.5", -1,
		    "arguments: must be an integer" },
		{ "{\"type\":\"number\"}", "1.5", 0, NULL },
		{ "{\"type\":\"number\"}", "\"1\"", -1,
		    "arguments: must be a number" },
		{ "{\"type\":\"boolean\"}", "false", 0, NULL },
		{ "{\"type\":\"boolean\"}", "0", -1,
		    "arguments: must be a boolean" },
		{ "{\"type\":\"null\"}", "0", -1, "arguments: must be null" },
		{ "{\"type\":\"array\"}", "{}", -1,
		    "arguments: must be an array" },
		/* enum, const: numbers by value */
		{ "{\"enum\":[\"a\",\"b\"]}", "\"b\"", 0, NULL },
		{ "{\"enum\":[\"a\",\"b\"]}", "\"c\"", -1,
		    "arguments: must be one of the schema's values" },
		{ "{\"enum\":[1,null]}", "1.0", 0, NULL },
		{ "{\"enum\":[]}", "1", -1, NULL },
		{ "{\"const\":{\"a\":[1,2]}}", "{\"a\":[1.0,2]}", 0, NULL },
		{ "{\"const\":{\"a\":[1,2]}}", "{\"a\":[1,3]}", -1,
		    "arguments: must be the schema's constant" },
		{ "{\"const\":{\"a\":1}}", "{\"a\":1,\"b\":1}", -1, NULL },
		{ "{\"const\":\"x\"}", "\"x\"", 0, NULL },
		/* numbers */
		{ "{\"minimum\":0}", "-1", -1, "arguments: must be at least 0" },
		{ "{\"minimum\":0}", "0", 0, NULL },
		{ "{\"maximum\":10}", "11", -1, "arguments: must be at most 10" },
		{ "{\"maximum\":10}", "1e308", -1, NULL },
		{ "{\"maximum\":2.5}", "2", 0, NULL },
		{ "{\"exclusiveMinimum\":0}", "0", -1,
		    "arguments: must be greater than 0" },
		{ "{\"exclusiveMaximum\":1.5}", "1.5", -1,
		    "arguments: must be less than 1.5" },
		{ "{\"exclusiveMaximum\":1.5}", "1.4", 0, NULL },
		{ "{\"exclusiveMinimum\":true,\"minimum\":0}", "0", 0, NULL },
		{ "{\"minimum\":0}", "\"-1\"", 0, NULL },	/* not a number */
		{ "{\"maximum\":9223372036854775807}", "9223372036854775807", 0,
		    NULL },
		/* strings: code points */
		{ "{\"minLength\":2}", "\"\xc3\xa9\"", -1,
		    "arguments: must have at least 2 characters" },
		{ "{\"maxLength\":2}", "\"\xc3\xa9\xc3\xa9\"", 0, NULL },
		{ "{\"maxLength\":1}", "\"ab\"", -1,
		    "arguments: must have at most 1 characters" },
		/* arrays */
		{ "{\"items\":{\"type\":\"integer\"}}", "[1,\"x\"]", -1,
		    "arguments[1]: must be an integer" },
		{ "{\"items\":[{\"type\":\"string\"},{\"type\":\"integer\"}]}",
		    "[\"a\",1,\"extra\"]", 0, NULL },
		{ "{\"items\":[{\"type\":\"string\"},{\"type\":\"integer\"}]}",
		    "[\"a\",\"b\"]", -1, "arguments[1]: must be an integer" },
		{ "{\"minItems\":1}", "[]", -1,
		    "arguments: must have at least 1 items" },
		{ "{\"maxItems\":1}", "[1,2]", -1,
		    "arguments: must have at most 1 items" },
		/* nesting, boolean schemas */
		{ "{\"properties\":{\"a\":{\"properties\":{\"b\":{\"items\":"
		    "{\"type\":\"string\"}}}}}}", "{\"a\":{\"b\":[\"x\",1]}}", -1,
		    "arguments.a.b[1]: must be a string" },
		{ "true", "{\"anything\":[1]}", 0, NULL },
		{ "false", "{}", -1, "arguments: is not allowed" },
		{ "{\"properties\":{\"x\":false}}", "{\"x\":1}", -1,
		    "arguments.x: is not allowed" },
		{ "{\"properties\":{\"x\":false}}", "{}", 0, NULL },
		/* keywords not supported: ignored */
		{ "{\"type\":\"string\",\"pattern\":\"^a$\",\"format\":\"email\"}",
		    "\"zzz\"", 0, NULL },
		{ "{\"anyOf\":[{\"type\":\"string\"}],\"$ref\":\"#/x\"}", "1", 0,
		    NULL },
		/* type-specific keywords on another type: not applied */
		{ "{\"required\":[\"a\"],\"minLength\":5,\"items\":false}", "3", 0,
		    NULL },
		/* not a schema */
		{ "5", "1", -2, "inputSchema at arguments: a schema is not an "
		    "object or a boolean" },
		{ "{\"type\":\"strin\"}", "1", -2, NULL },
		{ "{\"type\":[]}", "1", -2, NULL },
		{ "{\"type\":[\"string\",5]}", "1", -2, NULL },
		{ "{\"minimum\":\"0\"}", "1", -2,
		    "inputSchema at arguments: minimum is not a number" },
		{ "{\"required\":\"path\"}", "{}", -2, NULL },
		{ "{\"required\":[1]}", "{}", -2, NULL },
		{ "{\"properties\":[]}", "{}", -2, NULL },
		{ "{\"minLength\":-1}", "\"\"", -2, NULL },
		{ "{\"minItems\":1.5}", "[]", -2, NULL },
		{ "{\"enum\":{}}", "1", -2, NULL },
		{ "{\"items\":5}", "[]", -2, NULL },
		{ "{\"additionalProperties\":1}", "{}", -2, NULL },
		{ "{\"properties\":{\"a\":5}}", "{\"a\":1}", -2,
		    "inputSchema at arguments.a: a schema is not an object or a "
		    "boolean" },
	};
	json_t *s, *v;
	char why[SCHEMA_WHY_MAX];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		s = J(t[i].schema);
		v = J(t[i].value);
		why[0] = '\0';
		rc = schema_check(s, v, "arguments", why, sizeof(why));
		ck_assert_msg(rc == t[i].rc, "%s / %s: %d, want %d (%s)",
		    t[i].schema, t[i].value, rc, t[i].rc, why);
		if (rc != 0)
			ck_assert_msg(why[0] != '\0', "%s: no reason",
			    t[i].schema);
		if (t[i].why)
			ck_assert_str_eq(why, t[i].why);
		json_decref(s);
		json_decref(v);
	}
}
END_TEST

/* n levels of {"properties":{"a": ...}} and {"a": ...}. */
static void
nested(size_t n, json_t **schema, json_t **value)
{
	json_t *s = json_pack("{s:s}", "type", "string"), *v = json_integer(1);
	size_t i;

	for (i = 0; i < n; i++) {
		s = json_pack("{s:{s:o}}", "properties", "a", s);
		v = json_pack("{s:o}", "a", v);
	}
	*schema = s;
	*value = v;
}

START_TEST(test_schema_bounds)
{
	json_t *s, *v, *a;
	char why[SCHEMA_WHY_MAX], name[400];
	size_t i;

	/* the schema followed to 32 levels, the 33rd its fault */
	nested(SCHEMA_DEPTH_MAX, &s, &v);
	ck_assert_int_eq(schema_check(s, v, "arguments", why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "must be a string"));
	json_decref(s);
	json_decref(v);
	nested(SCHEMA_DEPTH_MAX + 1, &s, &v);
	ck_assert_int_eq(schema_check(s, v, "arguments", why, sizeof(why)), -2);
	ck_assert_ptr_nonnull(strstr(why, "nested deeper than 32"));
	ck_assert_ptr_nonnull(strstr(why, "arguments.a.a.a"));
	json_decref(s);
	json_decref(v);
	/* work: a million items and more are too many to look at */
	a = json_array();
	for (i = 0; i < SCHEMA_WORK_MAX + 1; i++)
		json_array_append_new(a, json_true());
	s = J("{\"items\":{\"type\":\"boolean\"}}");
	ck_assert_int_eq(schema_check(s, a, "arguments", why, sizeof(why)), -1);
	ck_assert_str_eq(why, "arguments: too large to check");
	json_decref(s);
	/* a long enum against a long array: bounded too */
	s = json_pack("{s:[O]}", "enum", a);
	json_array_set_new(a, SCHEMA_WORK_MAX, json_false());
	ck_assert_int_eq(schema_check(s, a, "arguments", why, sizeof(why)), -1);
	ck_assert_str_eq(why, "arguments: too large to check");
	json_decref(s);
	json_decref(a);
	/* a long property name: the reason stays in its buffer */
	memset(name, 'k', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	s = json_pack("{s:{s:{s:s}}}", "properties", name, "type", "string");
	v = json_pack("{s:i}", name, 1);
	ck_assert_int_eq(schema_check(s, v, "arguments", why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "...: must be a string"));
	ck_assert_int_eq(schema_check(s, v, "arguments", why, 8), -1);
	ck_assert_uint_eq(strlen(why), 7);
	ck_assert_int_eq(schema_check(s, v, NULL, NULL, 0), -1);
	json_decref(s);
	json_decref(v);
	ck_assert_int_eq(schema_check(NULL, NULL, "arguments", why,
	    sizeof(why)), -2);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("mcp-jsonrpc");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_reader_lines);
	tcase_add_test(tc, test_reader_split);
	tcase_add_test(tc, test_reader_bound);
	tcase_add_test(tc, test_reader_default_bound);
	tcase_add_test(tc, test_classify);
	tcase_add_test(tc, test_classify_fields);
	tcase_add_test(tc, test_classify_deep);
	tcase_add_test(tc, test_id_is);
	tcase_add_test(tc, test_build);
	tcase_add_test(tc, test_answer);
	tcase_add_test(tc, test_params_meta);
	tcase_add_test(tc, test_initialize);
	tcase_add_test(tc, test_discover);
	tcase_add_test(tc, test_tools_page);
	tcase_add_test(tc, test_tool_digest);
	tcase_add_test(tc, test_call_result);
	tcase_add_test(tc, test_call_error_text_bound);
	tcase_add_test(tc, test_schema);
	tcase_add_test(tc, test_schema_bounds);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
