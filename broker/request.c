/*
 * broker/request.c -- decode agent requests and encode answers
 * (docs/PROTOCOL.md, version 2). Pure: no I/O, no exit(); fuzzed by
 * fuzz/fuzz_request.c.
 *
 * Runs in: the broker (confined). Privilege: none. Input: untrusted bytes
 * from the agent.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "broker/broker.h"
#include "common/jsonesc.h"

#define STR_(x)	#x
#define STR(x)	STR_(x)

static void
setwhy(char *why, size_t whylen, const char *s)
{
	snprintf(why, whylen, "%s", s);
}

enum req_result
request_decode(const char *buf, size_t len, struct request *rq, char *why,
	       size_t whylen)
{
	json_error_t jerr;
	const char *key, *err = NULL;
	char unknown[80];
	json_t *v;

	memset(rq, 0, sizeof(*rq));
	/* Duplicate keys and NUL characters are rejected by the parser:
	 * both are ways to make two readers see two requests. */
	rq->root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (rq->root == NULL) {
		snprintf(why, whylen, "not JSON: %s", jerr.text);
		return REQ_FRAMING;
	}
	if (!json_is_object(rq->root)) {
		setwhy(why, whylen, "not a JSON object");
		json_decref(rq->root);
		rq->root = NULL;
		return REQ_FRAMING;
	}
	/*
	 * Every field is bounded before anything is reported: the records
	 * of a malformed request carry action and target, the answer the
	 * id. A field past its bound is dropped (NULL), whatever other
	 * fault the request has. The first fault, in this order, is the
	 * reason.
	 */
	unknown[0] = '\0';
	json_object_foreach(rq->root, key, v) {
		if (strcmp(key, "id") != 0 && strcmp(key, "action") != 0 &&
		    strcmp(key, "target") != 0 && strcmp(key, "params") != 0) {
			snprintf(unknown, sizeof(unknown), "unknown field \"%.*s\"",
			    utf8_prefix(key, 40), key);
			break;
		}
	}
	if (unknown[0] != '\0')
		err = unknown;
	v = json_object_get(rq->root, "id");
	if (v == NULL)
		err = err ? err : "missing id";
	else if (json_is_integer(v) ||
	    (json_is_string(v) && json_string_length(v) <= REQUEST_ID_MAX))
		rq->id = v;
	else if (json_is_string(v))
		err = err ? err : "id too long (at most "
		    STR(REQUEST_ID_MAX) " bytes)";
	else
		err = err ? err : "id must be an integer or a string";
	v = json_object_get(rq->root, "action");
	/* actions are short names; a huge one would only bloat records */
	if (json_is_string(v) && json_string_length(v) <= REQUEST_ACTION_MAX)
		rq->action = json_string_value(v);
	else if (json_is_string(v))
		err = err ? err : "action too long";
	else
		err = err ? err : "action must be a string";
	v = json_object_get(rq->root, "target");
	if (json_is_string(v) && json_string_length(v) <= REQUEST_TARGET_MAX) {
		rq->target = json_string_value(v);
		rq->target_len = json_string_length(v);
	} else if (json_is_string(v))
		err = err ? err : "target too long";
	else
		err = err ? err : "target must be a string";
	v = json_object_get(rq->root, "params");
	if (v != NULL && !json_is_null(v) && !json_is_object(v))
		err = err ? err : "params must be an object";
	if (err != NULL) {
		setwhy(why, whylen, err);
		return REQ_MALFORMED;
	}
	if (v == NULL || json_is_null(v)) {
		rq->params = json_object();
		if (rq->params == NULL) {
			setwhy(why, whylen, "out of memory");
			return REQ_MALFORMED;
		}
		/* owned by root from here on */
		if (json_object_set_new(rq->root, "params", rq->params) < 0) {
			rq->params = NULL;
			setwhy(why, whylen, "out of memory");
			return REQ_MALFORMED;
		}
	} else
		rq->params = v;
	return REQ_OK;
}

void
request_free(struct request *rq)
{
	json_decref(rq->root);
	memset(rq, 0, sizeof(*rq));
}

/*
 * The answer, written in one pass: {"id":..,"status":..,"data":DATA,
 * "error":..,"record_id":..}. `data` is JSON text the broker produced or
 * validated (NULL: null). Strings go through json_escape(); a string
 * that is not UTF-8 (never from the agent: the decoder checked it) is
 * written as null rather than failing the answer.
 */
char *
response_encode_text(const json_t *id, const char *status, const char *data,
		     size_t dlen, const char *error, const char *record_id,
		     size_t *len)
{
	size_t cap = 96 + (data ? dlen : 4), o = 0, k;
	const char *strs[3] = { status, error, record_id };
	char *buf, idnum[24];
	int i;

	for (i = 0; i < 3; i++)
		cap += strs[i] ? JSON_ESCAPE_MAX(strlen(strs[i])) : 4;
	if (json_is_string(id))
		cap += JSON_ESCAPE_MAX(json_string_length(id));
	if ((buf = malloc(cap)) == NULL)
		return NULL;
#define OUT(s, n) do { memcpy(buf + o, (s), (n)); o += (n); } while (0)
#define OUTS(lit) OUT(lit, sizeof(lit) - 1)
#define OUTSTR(s) do {							\
	if ((s) == NULL || (k = json_escape(buf + o, (s), strlen(s))) == 0) \
		OUTS("null");						\
	else								\
		o += k;							\
} while (0)
	OUTS("{\"id\":");
	if (json_is_integer(id)) {
		k = (size_t)snprintf(idnum, sizeof(idnum), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(id));
		OUT(idnum, k);
	} else if (json_is_string(id) && (k = json_escape(buf + o,
	    json_string_value(id), json_string_length(id))) != 0)
		o += k;
	else
		OUTS("null");
	OUTS(",\"status\":");
	OUTSTR(status);
	OUTS(",\"data\":");
	if (data != NULL)
		OUT(data, dlen);
	else
		OUTS("null");
	OUTS(",\"error\":");
	OUTSTR(error);
	OUTS(",\"record_id\":");
	OUTSTR(record_id);
	OUTS("}");
	buf[o] = '\0';
#undef OUT
#undef OUTS
#undef OUTSTR
	*len = o;
	return buf;
}

char *
response_encode(const json_t *id, const char *status, json_t *data,
		const char *error, const char *record_id, size_t *len)
{
	char *d = NULL, *s;

	if (data != NULL) {
		d = json_dumps(data, JSON_COMPACT | JSON_ENCODE_ANY |
		    JSON_PRESERVE_ORDER);
		json_decref(data);
		if (d == NULL)
			return NULL;
	}
	s = response_encode_text(id, status, d, d ? strlen(d) : 0, error,
	    record_id, len);
	free(d);
	return s;
}
