/*
 * fuzz/fuzz_request.c -- libFuzzer harness for the agent-message codec
 * (broker/request.c).
 *
 * Runs in: the fuzzer process only, as the invoking user, unconfined. The
 * input is one agent message, exactly as the broker hands it to
 * request_decode(). The harness then walks the same path as the broker's
 * handle_request(): for a well-formed fs.* request it normalizes the target
 * and checks the params, and in every case it encodes an answer with
 * whatever id was decoded (possibly none) and frees everything. Before
 * the fs checks it types the params (request_check_params) and fills in
 * the provider's defaults (provider_prepare), as the broker does
 * before deciding.
 *
 * Invariants (__builtin_trap() when violated):
 *  - REQ_OK implies id, action and target are non-NULL, id is an integer
 *    or a string, target_len matches the target, and params is an object;
 *  - id, action and target are within their bounds (a string id at most
 *    REQUEST_ID_MAX bytes ...) whenever they are set, malformed or not:
 *    they go into the records;
 *  - REQ_FRAMING leaves nothing to free (root NULL);
 *  - a failing check fills `why`;
 *  - provider_prepare returns 0 or -1 (with `why` filled), and the
 *    params stay an object either way;
 *  - a normalized target is absolute and NUL-free;
 *  - an encoded answer, when non-NULL, has the reported length and parses
 *    back (json_loads) as an object with the same "status", the same "id"
 *    (null when none was decoded) and, for an answer carrying the params
 *    as data, the same data;
 *  - json_escape() of the raw input (file content takes this path) is
 *    0 exactly when jansson finds the bytes not UTF-8, and otherwise
 *    parses back to the very same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "broker/broker.h"
#include "common/jsonesc.h"
#include "policy/policy.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* Fixed hash seed: object iteration order (and so every run) is
	 * reproducible. */
	json_object_seed(1);
	return 0;
}

/* The one-pass escaper agrees with jansson on what is UTF-8 and on what
 * the escaped text means. */
static void
escape_check(const char *s, size_t n)
{
	char *buf = malloc(JSON_ESCAPE_MAX(n));
	json_t *ref, *back;
	size_t k;

	CHECK(buf != NULL);
	k = json_escape(buf, s, n);
	ref = json_stringn(s, n);	/* NULL: not UTF-8 */
	CHECK((k == 0) == (ref == NULL));
	if (k != 0) {
		back = json_loadb(buf, k, JSON_DECODE_ANY | JSON_ALLOW_NUL,
		    NULL);
		CHECK(json_is_string(back));
		CHECK(json_string_length(back) == n);
		CHECK(memcmp(json_string_value(back), s, n) == 0);
		json_decref(back);
	}
	json_decref(ref);
	free(buf);
}

/* Encode an answer and check it reads back. `data` is stolen. */
static void
encode_check(const json_t *id, const char *status, json_t *data,
	     const char *error)
{
	json_t *expect = data ? json_deep_copy(data) : NULL;
	json_error_t jerr;
	json_t *back, *v;
	size_t len = 0;
	char *s;

	if (data != NULL && expect == NULL) {
		json_decref(data);
		return;		/* out of memory */
	}
	s = response_encode(id, status, data, error, "rid-0001", &len);
	if (s == NULL) {
		/* Allocation failure, or a text jansson refuses (invalid
		 * UTF-8 in `error`); the broker falls back to a fixed
		 * error. That one must always encode. */
		s = response_encode(id, "ERROR", NULL, "internal error",
		    "rid-0001", &len);
		CHECK(s != NULL);
		json_decref(expect);
		expect = NULL;
		status = "ERROR";
	}
	CHECK(len == strlen(s));
	back = json_loads(s, 0, &jerr);
	CHECK(back != NULL);
	CHECK(json_is_object(back));
	v = json_object_get(back, "status");
	CHECK(json_is_string(v) && strcmp(json_string_value(v), status) == 0);
	v = json_object_get(back, "id");
	if (id == NULL)
		CHECK(json_is_null(v));
	else
		CHECK(v != NULL && json_equal(v, id));
	if (expect != NULL) {
		v = json_object_get(back, "data");
		CHECK(v != NULL && json_equal(v, expect));
	}
	json_decref(back);
	json_decref(expect);
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[200], errbuf[320], canon[POLICY_PATH_MAX];
	struct request rq;
	enum req_result rr;
	int rc;

	escape_check((const char *)data, size);
	why[0] = '\0';
	rr = request_decode((const char *)data, size, &rq, why, sizeof(why));
	switch (rr) {
	case REQ_FRAMING:
		CHECK(why[0] != '\0');
		CHECK(rq.root == NULL);
		/* The broker ends the agent without answering; encode an
		 * error anyway to cover the no-id path. */
		encode_check(NULL, "ERROR", NULL, why);
		break;
	case REQ_MALFORMED:
		CHECK(why[0] != '\0');
		CHECK(rq.root != NULL);
		/* what the INVALID record and the answer carry is bounded
		 * whatever the fault (docs/PROTOCOL.md §2) */
		CHECK(rq.action == NULL ||
		    strlen(rq.action) <= REQUEST_ACTION_MAX);
		CHECK(rq.target == NULL || rq.target_len <= REQUEST_TARGET_MAX);
		CHECK(rq.id == NULL || json_is_integer(rq.id) ||
		    json_string_length(rq.id) <= REQUEST_ID_MAX);
		CHECK(strlen(why) < 200);
		snprintf(errbuf, sizeof(errbuf), "malformed request: %s", why);
		encode_check(rq.id, "ERROR", NULL, errbuf);
		break;
	case REQ_OK:
		CHECK(rq.root != NULL);
		CHECK(rq.id != NULL && rq.action != NULL && rq.target != NULL);
		CHECK(json_is_integer(rq.id) || json_is_string(rq.id));
		CHECK(rq.params != NULL && json_is_object(rq.params));
		CHECK(strlen(rq.target) == rq.target_len);
		/* broker/loop.c: the params table, then the defaults,
		 * before the decision */
		CHECK(rq.target_len <= REQUEST_TARGET_MAX);
		CHECK(strlen(rq.action) <= REQUEST_ACTION_MAX);
		CHECK(!json_is_string(rq.id) ||
		    json_string_length(rq.id) <= REQUEST_ID_MAX);
		why[0] = '\0';
		if (provider_check_params(rq.action, rq.params, PARAMS_TYPES,
		    why, sizeof(why)) < 0) {
			CHECK(why[0] != '\0');
			snprintf(errbuf, sizeof(errbuf),
			    "malformed request: %s", why);
			encode_check(rq.id, "ERROR", NULL, errbuf);
			break;
		}
		why[0] = '\0';
		rc = provider_prepare(rq.action, rq.params, why,
		    sizeof(why));
		CHECK(rc == 0 || rc == -1);
		CHECK(json_is_object(rq.params));
		if (rc < 0) {
			CHECK(why[0] != '\0');
			snprintf(errbuf, sizeof(errbuf),
			    "malformed request: %s", why);
			encode_check(rq.id, "ERROR", NULL, errbuf);
			break;
		}
		if (policy_action_is_fs(rq.action)) {
			if (path_normalize(rq.target, rq.target_len, canon,
			    sizeof(canon)) == 0) {
				CHECK(canon[0] == '/');
				CHECK(strlen(canon) < sizeof(canon));
			}
			why[0] = '\0';
			if (provider_check_params(rq.action, rq.params,
			    PARAMS_PROVIDER, why, sizeof(why)) < 0) {
				CHECK(why[0] != '\0');
				snprintf(errbuf, sizeof(errbuf),
				    "malformed request: %s", why);
				encode_check(rq.id, "ERROR", NULL, errbuf);
				break;
			}
		}
		/* Echo the params as data: covers encoding of arbitrary
		 * agent-supplied JSON. */
		encode_check(rq.id, "OK", json_deep_copy(rq.params), NULL);
		break;
	default:
		__builtin_trap();
	}
	request_free(&rq);
	CHECK(rq.root == NULL);
	return 0;
}
