/*
 * fuzz/fuzz_mcp_pins.c -- libFuzzer harness for the MCP tool pins
 * (common/mcp/pins.c): the pin file's reader and the lines pins_add
 * makes.
 *
 * Runs in: the fuzzer process only, as the invoking user, unconfined.
 * Input layout: byte 0 0x01: pins_add; the rest split at '\n' into
 * kind, server, tool, at, def (a JSON text) and, when there is a sixth
 * part, the digest (else jr_tool_digest of def); an empty tool or at
 * is NULL. Any other input: a whole pin file for pins_load.
 * Every payload is copied to a buffer of exactly its size, so ASan sees
 * any over-read.
 *
 * Invariants (__builtin_trap() when violated): pins_load returns a
 * table and skips at most one line per line; every entry has a server
 * of 1..64 bytes of [a-z0-9_-], a tool of 1..128 bytes of A-Z a-z 0-9 _
 * - . /, a pin or a seen digest (64 lower-case hex, never equal), a time
 * of 20 bytes and a definition with each; pins_check, pins_digest,
 * pins_seen and pins_server_known agree with the entries; loading twice
 * gives the same; the entries rebuilt with pins_add (for an input of at
 * most 32 KiB: its numbers may print longer) give lines that all load
 * back, skipping none, into the same entries. pins_add returns a line
 * that ends in its one '\n' and loads back as one line, or NULL and
 * changes nothing.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/mcp/jsonrpc.h"
#include "common/mcp/pins.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

#define ROUND_TRIP_MAX	(32 * 1024)

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	json_object_seed(1);
	return 0;
}

static int
charset(const char *s, size_t max, const char *extra, int upper)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    (upper && c >= 'A' && c <= 'Z') || strchr(extra, c) != NULL))
			return 0;
	}
	return 1;
}

static int
hex64(const char *s)
{
	return s != NULL && strlen(s) == 64 && strspn(s, "0123456789abcdef") ==
	    64;
}

static void
entry_ok(const struct pins *p, const struct pin_entry *e)
{
	CHECK(charset(e->server, PINS_SERVER_MAX, "_-", 0));
	CHECK(charset(e->tool, JR_TOOL_NAME_MAX, "_-./", 1));
	CHECK(e->digest != NULL || e->seen != NULL);
	if (e->digest != NULL) {
		CHECK(hex64(e->digest));
		CHECK(e->at != NULL && strlen(e->at) == 20);
		CHECK(json_is_object(e->def));
		CHECK(strcmp(pins_digest(p, e->server, e->tool), e->digest) ==
		    0);
		CHECK(pins_check(p, e->server, e->tool, e->digest) == PIN_OK);
		CHECK(pins_server_known(p, e->server));
	} else {
		CHECK(e->at == NULL && e->def == NULL);
		CHECK(pins_digest(p, e->server, e->tool) == NULL);
	}
	if (e->seen != NULL) {
		CHECK(hex64(e->seen));
		CHECK(e->digest == NULL || strcmp(e->seen, e->digest) != 0);
		CHECK(e->seen_at != NULL && strlen(e->seen_at) == 20);
		CHECK(json_is_object(e->seen_def));
		CHECK(pins_seen(p, e->server, e->tool, e->seen));
		CHECK(pins_check(p, e->server, e->tool, e->seen) ==
		    (e->digest != NULL ? PIN_CHANGED :
		    pins_server_known(p, e->server) ? PIN_NEW : PIN_UNKNOWN));
	} else
		CHECK(e->seen_at == NULL && e->seen_def == NULL);
}

static int
same_entry(const struct pin_entry *a, const struct pin_entry *b)
{
#define SAME(x) ((a->x == NULL) == (b->x == NULL) && \
	(a->x == NULL || strcmp(a->x, b->x) == 0))
	return strcmp(a->server, b->server) == 0 &&
	    strcmp(a->tool, b->tool) == 0 && SAME(digest) && SAME(at) &&
	    SAME(seen) && SAME(seen_at) &&
	    (a->def == NULL ? b->def == NULL : json_equal(a->def, b->def)) &&
	    (a->seen_def == NULL ? b->seen_def == NULL :
	    json_equal(a->seen_def, b->seen_def));
#undef SAME
}

/* Append one pins_add line to *text. */
static void
add(struct pins *q, const char *kind, const struct pin_entry *e,
    char **text, size_t *len)
{
	int pin = kind[0] == 'p';
	size_t n;
	char *l;

	l = pins_add(q, kind, e->server, e->tool, pin ? e->digest : e->seen,
	    pin ? e->def : e->seen_def, pin ? e->at : e->seen_at, &n);
	CHECK(l != NULL && n > 0 && l[n - 1] == '\n' &&
	    memchr(l, '\n', n) == l + n - 1);
	*text = realloc(*text, *len + n);
	CHECK(*text != NULL);
	memcpy(*text + *len, l, n);
	*len += n;
	free(l);
}

/* The entries rebuilt by pins_add read back as they were. */
static void
round_trip(const struct pins *p)
{
	struct pins *q = pins_new(), *r;
	struct pin_entry a, b, c;
	char *text = NULL;
	size_t i, len = 0, skipped;

	CHECK(q != NULL);
	for (i = 0; pins_entry(p, i, &a) == 0; i++) {
		if (a.digest != NULL)
			add(q, "pin", &a, &text, &len);
		if (a.seen != NULL)
			add(q, "seen", &a, &text, &len);
	}
	r = pins_load(text, len, &skipped);
	CHECK(r != NULL && skipped == 0);
	CHECK(pins_count(r) == pins_count(p) && pins_count(q) == pins_count(p));
	for (i = 0; pins_entry(p, i, &a) == 0; i++) {
		CHECK(pins_entry(q, i, &b) == 0 && pins_entry(r, i, &c) == 0);
		CHECK(same_entry(&a, &b) && same_entry(&a, &c));
	}
	pins_free(r);
	pins_free(q);
	free(text);
}

static void
file(const char *buf, size_t size)
{
	struct pins *p, *p2;
	struct pin_entry e;
	size_t skipped, skipped2, lines = 1, i;

	for (i = 0; i < size; i++)
		lines += buf[i] == '\n';
	p = pins_load(buf, size, &skipped);
	CHECK(p != NULL && skipped <= lines);
	p2 = pins_load(buf, size, &skipped2);
	CHECK(p2 != NULL && skipped2 == skipped &&
	    pins_count(p2) == pins_count(p));
	CHECK(pins_count(p) <= lines);
	for (i = 0; i < pins_count(p); i++) {
		struct pin_entry e2;

		CHECK(pins_entry(p, i, &e) == 0);
		entry_ok(p, &e);
		CHECK(pins_entry(p2, i, &e2) == 0 && same_entry(&e, &e2));
	}
	CHECK(pins_entry(p, pins_count(p), &e) == -1);
	if (size <= ROUND_TRIP_MAX)
		round_trip(p);
	pins_free(p2);
	pins_free(p);
}

/* The next '\n'-separated part of [*s, end) (NUL-terminated in place),
 * or NULL when there is none. */
static char *
part(char **s, char *end)
{
	char *b = *s, *nl;

	if (b == NULL || b > end)
		return NULL;
	if ((nl = memchr(b, '\n', (size_t)(end - b))) == NULL) {
		*s = NULL;
		*end = '\0';
		return b;
	}
	*nl = '\0';
	*s = nl + 1;
	return b;
}

static void
adder(const char *data, size_t size)
{
	char *buf = malloc(size + 1), *s = buf, *end = buf + size;
	char *kind, *server, *tool, *at, *deftext, *dig, hex[JR_DIGEST_HEX];
	struct pins *p = pins_new(), *q;
	struct pin_entry a, b;
	json_t *def = NULL;
	size_t len, skipped;
	char *l;

	CHECK(buf != NULL && p != NULL);
	memcpy(buf, data, size);
	buf[size] = '\0';
	kind = part(&s, end);
	server = part(&s, end);
	tool = part(&s, end);
	at = part(&s, end);
	deftext = part(&s, end);
	dig = part(&s, end);
	if (kind == NULL || server == NULL)
		goto out;
	if (deftext != NULL)
		def = json_loads(deftext, JSON_REJECT_DUPLICATES, NULL);
	if (dig == NULL && def != NULL && jr_tool_digest(def, hex) == 0)
		dig = hex;
	l = pins_add(p, kind, server, tool != NULL && *tool ? tool : NULL,
	    dig, def, at != NULL && *at ? at : NULL, &len);
	if (l == NULL) {
		CHECK(len == 0 && pins_count(p) == 0 &&
		    !pins_server_known(p, server));
		goto out;
	}
	CHECK(len == strlen(l) && l[len - 1] == '\n' &&
	    memchr(l, '\n', len) == l + len - 1);
	q = pins_load(l, len, &skipped);
	CHECK(q != NULL && skipped == 0 && pins_count(q) == pins_count(p));
	CHECK(pins_count(p) <= 1);
	CHECK(pins_server_known(q, server) == pins_server_known(p, server));
	if (pins_count(p) == 1) {
		CHECK(pins_entry(p, 0, &a) == 0 && pins_entry(q, 0, &b) == 0);
		entry_ok(p, &a);
		CHECK(same_entry(&a, &b));
	}
	pins_free(q);
	free(l);
 out:
	json_decref(def);
	pins_free(p);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf;

	if (size > 0 && data[0] == 0x01) {
		adder((const char *)data + 1, size - 1);
		return 0;
	}
	if ((buf = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	file(buf, size);
	free(buf);
	return 0;
}
