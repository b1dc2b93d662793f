/*
 * fuzz/fuzz_mcp.c -- libFuzzer harness for the mcp worker's pure parts
 * (common/mcp/jsonrpc.c, common/schema.c): the line reader and the classifier of an MCP server's
 * stdout, the builders and answers read back, the readers of results
 * (initialize, server/discover, tools/list with the tools' digests,
 * tools/call) and the inputSchema subset (common/schema.c).
 *
 * Runs in: the fuzzer process only, as the invoking user, unconfined.
 * Input layout: byte 0 mod 3 picks the target:
 *   0: a stream: byte 1 the line bound (0: 4 MiB, else 1..255), byte 2
 *      the read size (1..64), the rest fed in reads of that size; every
 *      line classified and read as under 2;
 *   1: the rest split at its first '\n': a schema, then a value (JSON
 *      texts) for schema_check;
 *   2: the rest, one line: classified; a response's result read by
 *      every result reader; a request answered; a request or
 *      notification rebuilt.
 * Every payload is copied to a buffer of exactly its size, so ASan sees
 * any over-read.
 *
 * Invariants (__builtin_trap() when violated): the reader takes every
 * byte, yields lines without '\n' of at most the bound, never holds
 * more than the bound + 1 bytes, and yields exactly the lines a plain
 * split finds (less those dropped, each counted); a classified message
 * has the fields its kind says, a broken one a reason; a request's
 * answer and a rebuilt request or notification are one line that reads
 * back as the same kind, id, method and params; an accepted tools page
 * has names of 1..128 bytes, object inputSchemas and a 64-hex digest
 * for each tool; an isError's text is valid UTF-8 of at most 4 KiB;
 * schema_check returns 0, -1 or -2, a reason exactly when not 0, the
 * same twice.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/mcp/jsonrpc.h"
#include "common/schema.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	json_object_seed(1);
	return 0;
}

static void
schema_pair(const json_t *s, const json_t *v)
{
	char why[SCHEMA_WHY_MAX], why2[SCHEMA_WHY_MAX];
	int rc, rc2;
	size_t i;

	memset(why, 'x', sizeof(why));
	rc = schema_check(s, v, "arguments", why, sizeof(why));
	CHECK(rc == 0 || rc == -1 || rc == -2);
	CHECK(memchr(why, '\0', sizeof(why)) != NULL);
	CHECK((rc == 0) == (why[0] == '\0'));
	for (i = 0; why[i]; i++)
		CHECK((unsigned char)why[i] >= 0x20 && why[i] != 0x7f);
	rc2 = schema_check(s, v, "arguments", why2, sizeof(why2));
	CHECK(rc2 == rc && strcmp(why, why2) == 0);
}

static void
tools(const json_t *result)
{
	json_t *ts, *t;
	const char *cur;
	char why[256], hex[JR_DIGEST_HEX];
	size_t i, n;

	if (jr_tools_page(result, &ts, &cur, why, sizeof(why)) < 0) {
		CHECK(ts == NULL && cur == NULL && why[0] != '\0');
		return;
	}
	CHECK(json_is_array(ts));
	CHECK(cur == NULL || (cur[0] != '\0' && strlen(cur) <= JR_CURSOR_MAX));
	json_array_foreach(ts, i, t) {
		const json_t *name = json_object_get(t, "name");

		n = json_string_length(name);
		CHECK(json_is_string(name) && n >= 1 && n <= JR_TOOL_NAME_MAX);
		CHECK(json_is_object(json_object_get(t, "inputSchema")));
		CHECK(jr_tool_digest(t, hex) == 0 && strlen(hex) == 64 &&
		    strspn(hex, "0123456789abcdef") == 64);
		/* the schema against something the server sent */
		schema_pair(json_object_get(t, "inputSchema"),
		    json_object_get(t, "annotations") ?
		    json_object_get(t, "annotations") : result);
	}
}

static void
results(const json_t *result)
{
	const char *v;
	json_t *vs, *u;
	char why[256], *text;
	enum jr_call c;
	int ie;

	if (jr_initialize_result(result, &v, why, sizeof(why)) == 0)
		CHECK(v != NULL && strlen(v) >= 1 &&
		    strlen(v) <= JR_VERSION_MAX);
	if (jr_discover_result(result, &vs, why, sizeof(why)) == 0)
		CHECK(json_is_array(vs) && json_array_size(vs) > 0 &&
		    jr_version_listed(vs, json_string_value(json_array_get(vs,
		    0))));
	else
		CHECK(vs == NULL);
	tools(result);
	c = jr_call_result(result, &ie, &text, why, sizeof(why));
	CHECK(c == JR_CALL_BAD || c == JR_CALL_OK || c ==
	    JR_CALL_INPUT_REQUIRED);
	CHECK(c == JR_CALL_OK || (ie == 0 && text == NULL));
	if (c == JR_CALL_OK && ie) {
		CHECK(text != NULL && strlen(text) <= JR_ERROR_TEXT_MAX);
		u = json_string(text);	/* NULL unless valid UTF-8 */
		CHECK(u != NULL);
		json_decref(u);
	} else
		CHECK(text == NULL);
	free(text);
}

/* A built line: one line, read back as kind k. */
static void
read_back(char *t, size_t len, enum jr_kind k, struct jr_msg *b)
{
	CHECK(t != NULL && len > 0 && strlen(t) == len && t[len - 1] == '\n');
	CHECK(memchr(t, '\n', len) == t + len - 1);
	CHECK(jr_classify(t, len - 1, b) == k);
}

static void
rebuild(const struct jr_msg *m)
{
	struct jr_msg b;
	size_t len;
	char *t;

	if (m->kind == JR_REQUEST) {
		t = jr_answer(m, NULL, &len);
		read_back(t, len, JR_RESPONSE, &b);
		CHECK(json_equal(b.id, m->id));
		CHECK(strcmp(m->method, "ping") == 0 ? b.result != NULL :
		    strcmp(m->method, "roots/list") == 0 ? json_is_array(
		    json_object_get(b.result, "roots")) : b.err_code ==
		    JR_METHOD_NOT_FOUND);
		jr_msg_free(&b);
		free(t);
		t = jr_request(7, m->method, m->params, &len);
		read_back(t, len, JR_REQUEST, &b);
		CHECK(jr_id_is(b.id, 7));
	} else {
		t = jr_notification(m->method, m->params, &len);
		read_back(t, len, JR_NOTIFICATION, &b);
	}
	CHECK(strcmp(b.method, m->method) == 0);
	CHECK((b.params == NULL && m->params == NULL) || json_equal(b.params,
	    m->params));
	jr_msg_free(&b);
	free(t);
}

static void
one_line(const char *line, size_t len)
{
	struct jr_msg m;
	enum jr_kind k = jr_classify(line, len, &m);

	CHECK(k == m.kind);
	switch (k) {
	case JR_NOT_JSON:
		CHECK(m.root == NULL && m.why != NULL);
		break;
	case JR_INVALID:
		CHECK(m.why != NULL);
		break;
	case JR_RESPONSE:
		CHECK((m.result == NULL) != (m.error == NULL));
		CHECK(json_is_integer(m.id) || json_is_string(m.id) ||
		    (json_is_null(m.id) && m.error != NULL));
		if (m.error != NULL)
			CHECK(m.err_message != NULL);
		else
			results(m.result);
		break;
	case JR_REQUEST:
	case JR_NOTIFICATION:
		CHECK(m.method != NULL && strlen(m.method) >= 1 &&
		    strlen(m.method) <= JR_METHOD_MAX);
		CHECK(m.params == NULL || json_is_object(m.params));
		CHECK((k == JR_REQUEST) == (m.id != NULL));
		rebuild(&m);
		break;
	}
	jr_msg_free(&m);
}

static void
stream(const uint8_t *b, size_t size)
{
	struct jr_reader r;
	const char *p, *line, *q;
	size_t n, used, len, chunk, max, lines = 0, plain = 0, seg;
	uint64_t dropped_plain = 0;
	int rc;

	if (size < 2)
		return;
	max = b[0] ? b[0] : 0;
	chunk = 1 + b[1] % 64;
	p = (const char *)b + 2;
	n = size - 2;
	/* what a plain split finds: complete lines within the bound */
	for (q = p; (size_t)(q - p) < n; ) {
		const char *nl = memchr(q, '\n', n - (size_t)(q - p));

		if (nl == NULL)
			break;
		seg = (size_t)(nl - q);
		if (max == 0 || seg <= max)
			plain++;
		else
			dropped_plain++;
		q = nl + 1;
	}
	jr_reader_init(&r, max);
	while (n > 0) {
		size_t c = n < chunk ? n : chunk;
		const char *cp = p;

		p += c;
		n -= c;
		while (c > 0) {
			rc = jr_reader_feed(&r, cp, c, &used, &line, &len);
			CHECK(rc == 0 || rc == 1);
			CHECK(used >= 1 && used <= c);
			cp += used;
			c -= used;
			CHECK(r.cap <= r.max + 1);
			if (rc == 1) {
				CHECK(len <= r.max && line[len] == '\0');
				CHECK(memchr(line, '\n', len) == NULL);
				lines++;
				one_line(line, len);
			}
		}
	}
	CHECK(lines == plain && r.dropped == dropped_plain);
	if (jr_reader_eof(&r, &line, &len) == 1) {
		CHECK(len <= r.max && memchr(line, '\n', len) == NULL);
		one_line(line, len);
	}
	jr_reader_free(&r);
}

static void
schema(const uint8_t *b, size_t size)
{
	const uint8_t *nl = memchr(b, '\n', size);
	json_t *s, *v;

	if (nl == NULL)
		return;
	s = json_loadb((const char *)b, (size_t)(nl - b), JSON_DECODE_ANY |
	    JSON_REJECT_DUPLICATES, NULL);
	v = json_loadb((const char *)nl + 1, size - (size_t)(nl - b) - 1,
	    JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
	if (s != NULL && v != NULL)
		schema_pair(s, v);
	json_decref(s);
	json_decref(v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *b;

	if (size < 1)
		return 0;
	b = malloc(size - 1 ? size - 1 : 1);
	memcpy(b, data + 1, size - 1);
	switch (data[0] % 3) {
	case 0:
		stream(b, size - 1);
		break;
	case 1:
		schema(b, size - 1);
		break;
	default:
		one_line((const char *)b, size - 1);
		break;
	}
	free(b);
	return 0;
}
