/*
 * common/schema.h -- a small JSON Schema subset: the check of a tool
 * call's arguments against the tool's schema, before it goes on: an
 * MCP tools/call's against the tool's inputSchema (the mcp worker), a
 * model's tool call against its tool's parameters (the built-in agent).
 * Pure and bounded: unit-tested (tests/unit/test_mcp_jsonrpc.c) and
 * fuzzed (fuzz/fuzz_mcp.c).
 *
 * Runs in: aksup-worker-mcp and aksup-agent (confined), the unit tests
 * and the fuzzer. Privilege: none needed. Input: the schema is an MCP
 * server's (anyone's JSON) or the operator's (AGENT.yaml), the
 * arguments the agent's or a model's (anyone's JSON): neither is
 * trusted.
 *
 * Supported keywords (each applies only to the JSON type it is about,
 * as JSON Schema says):
 *   any:     type (a name or a list of names: object, array, string,
 *            number, integer, boolean, null; "integer" also takes a
 *            real with no fractional part), enum, const (numbers
 *            compared by value: 1 equals 1.0);
 *   object:  properties, required, additionalProperties (a boolean or a
 *            schema; not applied when patternProperties is there, which
 *            is not supported);
 *   array:   items (a schema for every item, or a list of schemas, item
 *            by item), minItems, maxItems;
 *   string:  minLength, maxLength (in code points);
 *   number:  minimum, maximum, exclusiveMinimum, exclusiveMaximum (the
 *            numeric form of draft 6 on; the boolean form of draft 4 is
 *            ignored).
 * A schema may be a boolean (true: anything, false: nothing). Every
 * other keyword ($ref, $defs, allOf, anyOf, oneOf, not, if/then/else,
 * pattern, format, patternProperties, dependentRequired, uniqueItems,
 * multipleOf, ...) is ignored: what it would refuse passes. This is a
 * check for the agent's benefit (an early, clear refusal), never a
 * boundary: the server still reads what it is sent.
 *
 * Bounds: the schema is followed to SCHEMA_DEPTH_MAX levels (deeper is
 * the schema's fault), and a check takes at most SCHEMA_WORK_MAX steps
 * (a step: a value or a keyword looked at; past it the arguments are
 * refused as too large to check). Memory: the path buffer only.
 */
#ifndef AKSUP_COMMON_SCHEMA_H
#define AKSUP_COMMON_SCHEMA_H

#include <jansson.h>
#include <stddef.h>

#define SCHEMA_DEPTH_MAX	32
#define SCHEMA_WORK_MAX		(1u << 20)
#define SCHEMA_PATH_MAX		160	/* bytes of a path in a reason */
#define SCHEMA_WHY_MAX		256	/* a reason's buffer, enough */

/*
 * Check value against schema. root names the value in reasons
 * ("arguments"). Returns 0 when it conforms; -1 when it does not, with
 * why (whylen bytes) saying where and what: "arguments.path: must be a
 * string", "arguments.items[3]: must be at most 10"; -2 when the
 * schema is not one (a keyword of the wrong type, nested past
 * SCHEMA_DEPTH_MAX): "inputSchema at arguments.x: minimum is not a
 * number". A name in a path keeps A-Z a-z 0-9 _ - and every other byte
 * shows as '?'; a long path is cut, ending in "...".
 */
int schema_check(const json_t *schema, const json_t *value, const char *root,
    char *why, size_t whylen);

#endif
