/*
 * common/mcp/jsonrpc.h -- the MCP pure pieces (in common/ because the
 * mcp worker and the broker's `aksup mcp` modes share them, via the pin
 * file's digests) for talking to
 * an MCP server over its stdio (newline-delimited JSON-RPC 2.0): the
 * line reader and the classifier of what the server writes, the
 * builders of what the worker writes, and the readers of the results
 * the worker uses (initialize, server/discover, tools/list, tools/call).
 * None does I/O or exits, none keeps more than its bound: each is
 * unit-tested (tests/unit/test_mcp_jsonrpc.c) and fuzzed
 * (fuzz/fuzz_mcp.c). The arguments' check against a tool's inputSchema
 * is common/schema.h.
 *
 * Runs in: aksup-worker-mcp (confined), aksup-broker's --mcp-tools and
 * --mcp-pin modes (the digest), the unit tests and the fuzzers.
 * Privilege: none needed. Input: an MCP server's stdout (anyone's
 * bytes: the server is whatever program the policy names, and what it
 * says is never trusted beyond these checks).
 *
 * Protocol eras: the legacy one (initialize handshake, 2025-11-25 and
 * before) and the stateless 2026-07-28 one (server/discover, a "_meta"
 * in every request's params, a "resultType" of "complete" or
 * "input_required" in every result). A result without "resultType" is
 * read as "complete" (the legacy era has none).
 */
#ifndef AKSUP_COMMON_MCP_JSONRPC_H
#define AKSUP_COMMON_MCP_JSONRPC_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the line reader ---- */

#define JR_LINE_MAX_DEFAULT	(4u * 1024 * 1024)	/* bytes before '\n' */

/*
 * Bytes in, complete lines out. The buffer holds the current line only
 * and never grows past max + 1 bytes: a longer line is dropped to its
 * '\n' (whatever it held) and counted in "dropped".
 */
struct jr_reader {
	char *buf;
	size_t len;		/* bytes of the current line held */
	size_t cap;
	size_t max;		/* a line's bound, '\n' not counted */
	int discarding;		/* inside a line longer than max */
	int yielded;		/* the last call yielded the line in buf */
	uint64_t dropped;	/* lines dropped for their length */
};

/* max 0: JR_LINE_MAX_DEFAULT. Allocates nothing yet. */
void jr_reader_init(struct jr_reader *r, size_t max);
void jr_reader_free(struct jr_reader *r);

/*
 * Take bytes from data[0..n), up to and including the first '\n' (or
 * all of them when there is none); *used says how many. Returns 1 when
 * a line ended there: *line (NUL-terminated, its '\n' and a '\r' before
 * it removed) and *len are valid until the next call. Returns 0 when
 * the bytes were taken and no line is complete (or the line ending was
 * an over-long line's, dropped), -1 when out of memory (nothing taken).
 * The caller loops until the chunk is used up:
 *	while (n > 0) {
 *		if ((rc = jr_reader_feed(&r, p, n, &used, &line, &len)) < 0)
 *			fail;
 *		p += used, n -= used;
 *		if (rc == 1)
 *			handle(line, len);
 *	}
 * A line may hold any byte (NUL too): its length is *len.
 */
int jr_reader_feed(struct jr_reader *r, const char *data, size_t n,
    size_t *used, const char **line, size_t *len);

/* At the end of the stream: 1 with the unterminated last line (not
 * over the bound, not empty), else 0. */
int jr_reader_eof(struct jr_reader *r, const char **line, size_t *len);

/* ---- the classifier ---- */

enum jr_kind {
	JR_RESPONSE,		/* id, exactly one of result / error */
	JR_REQUEST,		/* server to client: method and id */
	JR_NOTIFICATION,	/* method, no id */
	JR_NOT_JSON,		/* no JSON text at all (a log line): ignore */
	JR_INVALID,		/* JSON, but not a message (why says) */
};

/* JSON-RPC 2.0's error codes. */
#define JR_PARSE_ERROR		(-32700)
#define JR_INVALID_REQUEST	(-32600)
#define JR_METHOD_NOT_FOUND	(-32601)
#define JR_INVALID_PARAMS	(-32602)
#define JR_INTERNAL_ERROR	(-32603)

#define JR_METHOD_MAX	256	/* bytes of a method name */
#define JR_ID_STR_MAX	256	/* bytes of a string id */

/*
 * One classified line. root is the parsed message (owned, NULL for
 * JR_NOT_JSON); the other json_t pointers borrow from it. Strings are
 * UTF-8 without NUL (jansson's reading without JSON_ALLOW_NUL).
 */
struct jr_msg {
	enum jr_kind kind;
	json_t *root;
	json_t *id;		/* integer or string; for a response with
				 * an error also JSON null (JSON-RPC: the
				 * server could not read the request's id) */
	const char *method;	/* request, notification */
	json_t *params;		/* request, notification: an object or NULL */
	json_t *result;		/* response: an object, or NULL */
	json_t *error;		/* response: the error object, or NULL */
	json_int_t err_code;	/* error.code */
	const char *err_message;	/* error.message */
	json_t *err_data;	/* error.data, or NULL */
	const char *why;	/* JR_INVALID, JR_NOT_JSON: a static reason */
};

/*
 * Read one line as the server's message. The rules: a JSON object with
 * "jsonrpc":"2.0" (any key order, duplicate keys refused); a "method"
 * (a string of 1..JR_METHOD_MAX bytes) makes it a request when it has
 * an "id" (an integer, or a string of at most JR_ID_STR_MAX bytes;
 * never null) and a notification when it has none; "params", when
 * present, is an object (MCP's); a request or notification has no
 * "result" or "error". Without "method" it is a response: an "id" and
 * exactly one of "result" (an object: MCP's results are objects) and
 * "error" ({"code": integer, "message": string, "data"?: any}). A
 * batch (an array) is JR_INVALID: MCP has none since 2025-06-18.
 * JR_NOT_JSON is a line that is no JSON text (invalid syntax, invalid
 * UTF-8, empty); JSON that jansson cannot hold (an integer past 64
 * bits, a real past a double, "\u0000" in a string, a duplicate key,
 * nesting past 2048) is JR_INVALID. m is always filled; jr_msg_free it.
 */
enum jr_kind jr_classify(const char *line, size_t len, struct jr_msg *m);
void jr_msg_free(struct jr_msg *m);

/*
 * 1 when a response's id is the one the client sent. The client sends
 * integer ids only and compares them as sent: a server answering 7 with
 * "7" (or 7.0) does not answer request 7.
 */
int jr_id_is(const json_t *id, json_int_t sent);

/* ---- builders: one compact line each, ending in "\n" ---- */

/*
 * Each returns malloc'd text (NUL-terminated, *len its length with the
 * '\n'), or NULL (out of memory, or an argument of the wrong type:
 * params an object or NULL to leave it out, result an object, id an
 * integer, string or null). The arguments are borrowed, not stolen.
 * JSON text has no raw newline (a string's is escaped), so one message
 * is one line.
 */
char *jr_request(json_int_t id, const char *method, const json_t *params,
    size_t *len);
char *jr_notification(const char *method, const json_t *params, size_t *len);
char *jr_response_result(const json_t *id, const json_t *result, size_t *len);
char *jr_response_error(const json_t *id, int code, const char *message,
    size_t *len);

/*
 * The answer to a server's request (m->kind JR_REQUEST): "ping" gets
 * {}, "roots/list" gets {"roots": roots} (roots an array, NULL for
 * none: []); anything else (sampling/createMessage, elicitation/create,
 * methods the client does not know) gets error -32601, the capability
 * never declared. Returns a line as the builders do.
 */
char *jr_answer(const struct jr_msg *m, const json_t *roots, size_t *len);

/*
 * The 2026-07-28 request's "_meta": sets params["_meta"] to
 * {"io.modelcontextprotocol/protocolVersion": version,
 *  "io.modelcontextprotocol/clientInfo": {"name", "version"},
 *  "io.modelcontextprotocol/clientCapabilities": {}}
 * (keeping other _meta members). 0, or -1 (params no object, or _meta
 * there and no object, or out of memory).
 */
int jr_params_meta(json_t *params, const char *version,
    const char *client_name, const char *client_version);

/* ---- the results the worker reads ---- */

#define JR_TOOL_NAME_MAX	128	/* bytes */
#define JR_CURSOR_MAX		(16 * 1024)	/* bytes of a nextCursor */
#define JR_VERSION_MAX		64	/* bytes of a protocol version */
#define JR_ERROR_TEXT_MAX	4096	/* bytes of an isError's text */
#define JR_CONTENT_TYPE_MAX	64	/* bytes of a content block's type */
#define JR_DIGEST_HEX		65	/* SHA-256 in hex, and a NUL */

/* A result's "resultType" (2026-07-28). */
enum jr_rtype {
	JR_RT_BAD = -1,		/* not a string, or unknown */
	JR_RT_COMPLETE = 0,	/* "complete", or absent (legacy) */
	JR_RT_INPUT_REQUIRED = 1,	/* "input_required" (MRTR) */
};
enum jr_rtype jr_result_type(const json_t *result);

/*
 * The helpers below return 0 when the result is as the spec says, -1
 * when not, with a short reason in why (whylen bytes, why may be NULL),
 * naming the member ("tools[2].name: not a string") and never quoting
 * the server's text. Out-pointers borrow from result.
 */

/*
 * An initialize result (legacy era): protocolVersion a string of
 * 1..JR_VERSION_MAX bytes, capabilities an object, serverInfo an
 * object with a string name (version and the rest not read);
 * instructions, when present, a string.
 */
int jr_initialize_result(const json_t *result, const char **version,
    char *why, size_t whylen);

/*
 * A server/discover result (2026-07-28): resultType "complete" (or
 * absent), supportedVersions a non-empty array of strings of
 * 1..JR_VERSION_MAX bytes, capabilities an object; serverInfo (the
 * spec's page has it, its final schema moved it to _meta), when
 * present, an object; instructions a string; ttlMs a non-negative
 * integer; cacheScope a string. *versions: the array.
 */
int jr_discover_result(const json_t *result, json_t **versions, char *why,
    size_t whylen);
/* 1 when versions (a checked supportedVersions) holds version. */
int jr_version_listed(const json_t *versions, const char *version);

/*
 * One page of tools/list: resultType "complete" (or absent); tools an
 * array of objects, each with a name of 1..JR_TOOL_NAME_MAX bytes of
 * A-Z a-z 0-9 _ - . / (the spec's SEP-986 set: what a policy matches),
 * once per page; inputSchema an object (required); description and
 * title, when present, strings; annotations, outputSchema and _meta,
 * when present, objects. nextCursor, when present, a string of at most
 * JR_CURSOR_MAX bytes: *next_cursor, or NULL when absent or empty (the
 * last page). The caller bounds the number of pages and checks names
 * across pages.
 */
int jr_tools_page(const json_t *result, json_t **tools,
    const char **next_cursor, char *why, size_t whylen);

/*
 * The digest a tool is pinned by: SHA-256, lower-case hex, of
 * json_dumps(JSON_SORT_KEYS | JSON_COMPACT) of {name, description,
 * inputSchema, annotations} (a member absent from the tool absent from
 * the object; keys sorted at every depth, so the server's key order
 * does not matter). title, outputSchema, icons and _meta are not in it.
 * 0, or -1 (no string name, no object inputSchema, out of memory).
 */
int jr_tool_digest(const json_t *tool, char out_hex[JR_DIGEST_HEX]);

/* What jr_call_result found. */
enum jr_call {
	JR_CALL_BAD = -1,
	JR_CALL_OK = 0,			/* a complete result */
	JR_CALL_INPUT_REQUIRED = 1,	/* MRTR: the server asks for input */
};

/*
 * A tools/call result. Complete: content an array of blocks, each an
 * object with a string type (at most JR_CONTENT_TYPE_MAX bytes): "text"
 * has a string text; "image" and "audio" string data and mimeType;
 * "resource" a resource object with a string uri and a string text or
 * blob; "resource_link" string uri and name; another type (a later
 * revision's) is let through unread. Blocks' annotations and _meta,
 * when present, objects; structuredContent, when present, an object;
 * isError, when present, a boolean (*is_error). For an isError result,
 * *text is the text blocks joined with "\n", cut to JR_ERROR_TEXT_MAX
 * bytes on a UTF-8 character boundary (malloc'd; NULL otherwise; text
 * may be NULL if not wanted). "input_required": inputRequests, when
 * present, an object, requestState a string; JR_CALL_INPUT_REQUIRED.
 */
enum jr_call jr_call_result(const json_t *result, int *is_error, char **text,
    char *why, size_t whylen);

#endif
