/*
 * common/mcp/pins.h -- the MCP tool pins: what each server's tools were
 * when the operator last approved them, read from and written to the pin
 * file (one JSON object per line, appended; docs/POLICY.md "Tool pins").
 * Pure: no I/O, no exit(); unit-tested (tests/unit/test_mcp_pins.c) and
 * fuzzed (fuzz/fuzz_mcp_pins.c).
 *
 * Runs in: aksup-worker-mcp (confined; it holds the pin file the
 * supervisor opened, O_RDWR|O_APPEND) and aksup-broker --mcp-tools /
 * --mcp-pin (`aksup mcp`: the supervisor opens the file, the broker
 * binary reads it confined as the policy tool; the supervisor parses no
 * JSON). Privilege: none needed. Input: the pin file, which
 * the worker appends to and the operator owns: each line is checked, a
 * line that is not a pin line (torn by a crash, edited by hand) is
 * skipped and counted, never trusted in part.
 *
 * The file's lines, each a compact JSON object ending in "\n":
 *   {"v":1,"kind":"server","server":S,"at":T}
 *       S was contacted: from then on a tool of S without a pin is new
 *       (denied until approved). Written at first contact.
 *   {"v":1,"kind":"pin","server":S,"tool":N,"digest":D,"at":T,"def":O}
 *       tool N of S is approved with digest D (jr_tool_digest of O, the
 *       tool's {name, description, inputSchema, annotations}); written
 *       at first contact for every tool, and by `aksup mcp pin`.
 *   {"v":1,"kind":"seen","server":S,"tool":N,"digest":D,"at":T,"def":O}
 *       the worker saw N announced with digest D, which is not its pin
 *       (changed, or new on a contacted server): the operator's to
 *       approve. Written once per (S, N, D) a session sees.
 * S is a policy server name (1..64 bytes of [a-z0-9_-]); N a tool name
 * (1..JR_TOOL_NAME_MAX bytes of A-Z a-z 0-9 _ - . /); D 64 lower-case hex
 * digits; T an RFC 3339 UTC time ("2026-12-07T17:40:00Z"); O an object.
 * A writer appends whole lines, one write() each; when the file's last
 * byte is not "\n" (a line torn by a crash), the next line it appends
 * begins with one, or it would be read as part of the torn line.
 * Later lines win: the last "pin" line of (S, N) is its pin; the last
 * "seen" line after it whose digest differs from the pin is what awaits
 * approval. A "pin" line settles the "seen" lines of (S, N) before it:
 * they no longer await approval, nor count for pins_seen (a digest seen
 * again after a pin is written again, and awaits approval again).
 */
#ifndef AKSUP_COMMON_MCP_PINS_H
#define AKSUP_COMMON_MCP_PINS_H

#include <jansson.h>
#include <stddef.h>

#define PINS_FILE_MAX		(16u * 1024 * 1024)	/* bytes read */
#define PINS_LINE_MAX		(1024u * 1024)		/* bytes a line */
#define PINS_SERVER_MAX		64			/* bytes a name */

struct pins;

/* The state of a tool as announced now, against its pin. */
enum pin_state {
	PIN_UNKNOWN = 0,	/* its server never contacted: first contact
				 * pins it */
	PIN_OK,			/* pinned, digest equal */
	PIN_CHANGED,		/* pinned with another digest */
	PIN_NEW,		/* its server was contacted, the tool was not
				 * there (no pin) */
};

/*
 * Read a pin file's text (len bytes, at most PINS_FILE_MAX; any bytes).
 * Returns the table (never NULL but for out of memory); lines that are
 * not pin lines are counted in *skipped (may be NULL). A last line
 * without "\n" is read as a line.
 */
struct pins *pins_load(const char *text, size_t len, size_t *skipped);
struct pins *pins_new(void);	/* empty */
void pins_free(struct pins *p);

/* 1 when a "server" (or a "pin") line names server. */
int pins_server_known(const struct pins *p, const char *server);
/* The pinned digest of server/tool, or NULL. */
const char *pins_digest(const struct pins *p, const char *server,
    const char *tool);
/* The tool's state against its pin (digest: its current one). */
enum pin_state pins_check(const struct pins *p, const char *server,
    const char *tool, const char *digest);
/* 1 when a "seen" line of (server, tool, digest) is already there
 * (after the tool's last "pin" line). */
int pins_seen(const struct pins *p, const char *server, const char *tool,
    const char *digest);

/*
 * Record a line in the table (as if read) and return its text to append
 * (malloc'd, ending in "\n", *len its length), or NULL (out of memory,
 * or an argument that a reader would refuse). kind "server" takes no
 * tool, digest or def; "pin" and "seen" take all three (def the tool's
 * object as jr_tool_digest reads it: name, description, inputSchema,
 * annotations; other members are left out). at: the time, or NULL for
 * now.
 */
char *pins_add(struct pins *p, const char *kind, const char *server,
    const char *tool, const char *digest, const json_t *def,
    const char *at, size_t *len);

/* Walking the table (the CLI): the entries of one server, or of all
 * (server NULL), in the order first seen. */
struct pin_entry {
	const char *server, *tool;
	const char *digest;	/* the pin, or NULL (only seen) */
	const char *at;		/* the pin's time */
	const json_t *def;	/* the pinned definition, or NULL */
	const char *seen;	/* the last seen digest != the pin, or NULL */
	const char *seen_at;
	const json_t *seen_def;
};
size_t pins_count(const struct pins *p);
/* Entry i (0..pins_count-1), or -1 when out of range. */
int pins_entry(const struct pins *p, size_t i, struct pin_entry *out);

#endif
