/*
 * tests/unit/test_mcp_pins.c -- the MCP tool pins (common/mcp/pins.c):
 * the pin file read line by line (later lines win, a pin settles what
 * was seen before it), every line that is not a pin line skipped and
 * counted and nothing of it kept (torn, wrong types, bad digests, bad
 * names, duplicate keys, over-long, not UTF-8), the states of a tool
 * against its pin, and the lines pins_add makes read back as they were.
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/mcp/jsonrpc.h"
#include "common/mcp/pins.h"

#define AT1	"2026-12-07T17:40:00Z"
#define AT2	"2026-12-08T09:00:00Z"

static json_t *
J(const char *s)
{
	json_error_t e;
	json_t *v = json_loads(s, JSON_REJECT_DUPLICATES, &e);

	ck_assert_msg(v != NULL, "bad test JSON %s: %s", s, e.text);
	return v;
}

/* A tool's definition (desc may be NULL) and its digest. */
static json_t *
tool_def(const char *name, const char *desc, char hex[JR_DIGEST_HEX])
{
	json_t *d = J("{\"inputSchema\":{\"type\":\"object\"}}");

	json_object_set_new(d, "name", json_string(name));
	if (desc != NULL)
		json_object_set_new(d, "description", json_string(desc));
	ck_assert_int_eq(jr_tool_digest(d, hex), 0);
	return d;
}

/* A hand-made pin or seen line (compact, sorted keys) with '\n'. */
static char *
line(const char *kind, const char *server, const char *tool,
    const char *desc, const char *at)
{
	char hex[JR_DIGEST_HEX], *t, *out;
	json_t *d = tool_def(tool, desc, hex);
	json_t *o = json_pack("{s:i,s:s,s:s,s:s,s:s,s:O,s:s}", "v", 1,
	    "kind", kind, "server", server, "tool", tool, "digest", hex,
	    "def", d, "at", at);

	ck_assert_ptr_nonnull(o);
	t = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	ck_assert_int_ge(asprintf(&out, "%s\n", t), 0);
	free(t);
	json_decref(o);
	json_decref(d);
	return out;
}

static char *
server_line(const char *server, const char *at)
{
	char *out;

	ck_assert_int_ge(asprintf(&out, "{\"at\":\"%s\",\"kind\":\"server\","
	    "\"server\":\"%s\",\"v\":1}\n", at, server), 0);
	return out;
}

/* Joins lines (each freed) into one malloc'd text. */
static char *
join(char **lines, size_t n)
{
	size_t i, len = 0;
	char *t;

	for (i = 0; i < n; i++)
		len += strlen(lines[i]);
	t = calloc(1, len + 1);
	ck_assert_ptr_nonnull(t);
	for (i = 0; i < n; i++) {
		strcat(t, lines[i]);
		free(lines[i]);
	}
	return t;
}

static struct pins *
load(const char *text, size_t *skipped)
{
	struct pins *p = pins_load(text, strlen(text), skipped);

	ck_assert_ptr_nonnull(p);
	return p;
}

static const char *
digest_of(const char *tool, const char *desc)
{
	static char hex[JR_DIGEST_HEX];

	json_decref(tool_def(tool, desc, hex));
	return hex;
}

START_TEST(test_round_trip)
{
	struct pins *p = pins_new(), *q;
	char hex[JR_DIGEST_HEX], hex2[JR_DIGEST_HEX], hex3[JR_DIGEST_HEX];
	char *l[4], *text;
	json_t *d1 = tool_def("read_file", "Read a file.", hex);
	json_t *d2 = tool_def("read_file", "Read a file, then more.", hex2);
	json_t *d3 = tool_def("a.b/c-d_E", NULL, hex3);
	struct pin_entry a, b;
	size_t len, skipped = 9, i, n;

	/* members jr_tool_digest does not read are left out */
	json_object_set_new(d1, "title", json_string("Read"));
	json_object_set_new(d1, "_meta", json_object());
	l[0] = pins_add(p, "server", "files", NULL, NULL, NULL, AT1, &len);
	ck_assert_ptr_nonnull(l[0]);
	ck_assert_uint_eq(len, strlen(l[0]));
	ck_assert_str_eq(l[0], "{\"at\":\"" AT1 "\",\"kind\":\"server\","
	    "\"server\":\"files\",\"v\":1}\n");
	l[1] = pins_add(p, "pin", "files", "read_file", hex, d1, AT1, &len);
	ck_assert_ptr_nonnull(l[1]);
	ck_assert_uint_eq(len, strlen(l[1]));
	ck_assert_ptr_eq(strchr(l[1], '\n'), l[1] + len - 1);	/* one line */
	ck_assert_ptr_null(strstr(l[1], "title"));
	ck_assert_ptr_null(strstr(l[1], "_meta"));
	l[2] = pins_add(p, "seen", "files", "read_file", hex2, d2, AT2, &len);
	ck_assert_ptr_nonnull(l[2]);
	l[3] = pins_add(p, "pin", "git-1_x", "a.b/c-d_E", hex3, d3, AT2, &len);
	ck_assert_ptr_nonnull(l[3]);
	text = join(l, 4);
	q = load(text, &skipped);
	ck_assert_uint_eq(skipped, 0);
	n = pins_count(p);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(pins_count(q), n);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(pins_entry(p, i, &a), 0);
		ck_assert_int_eq(pins_entry(q, i, &b), 0);
		ck_assert_str_eq(a.server, b.server);
		ck_assert_str_eq(a.tool, b.tool);
		ck_assert_str_eq(a.digest, b.digest);
		ck_assert_str_eq(a.at, b.at);
		ck_assert(json_equal(a.def, b.def));
		ck_assert_int_eq(a.seen == NULL, b.seen == NULL);
		if (a.seen != NULL) {
			ck_assert_str_eq(a.seen, b.seen);
			ck_assert_str_eq(a.seen_at, b.seen_at);
			ck_assert(json_equal(a.seen_def, b.seen_def));
		}
	}
	ck_assert_int_eq(pins_entry(q, 0, &b), 0);
	ck_assert_str_eq(b.digest, digest_of("read_file", "Read a file."));
	ck_assert_str_eq(b.at, AT1);
	ck_assert_ptr_null(json_object_get(b.def, "title"));
	ck_assert_str_eq(json_string_value(json_object_get(b.def,
	    "description")), "Read a file.");
	ck_assert_str_eq(b.seen, hex2);
	ck_assert_str_eq(b.seen_at, AT2);
	ck_assert_int_eq(pins_server_known(q, "files"), 1);
	ck_assert_int_eq(pins_server_known(q, "git-1_x"), 1);
	json_decref(d1);
	json_decref(d2);
	json_decref(d3);
	free(text);
	pins_free(p);
	pins_free(q);
}
END_TEST

START_TEST(test_later_lines_win)
{
	char *l[6], *text, d2[JR_DIGEST_HEX], d3[JR_DIGEST_HEX];
	struct pins *p;
	struct pin_entry e;
	size_t skipped;

	snprintf(d2, sizeof(d2), "%s", digest_of("t", "two"));
	snprintf(d3, sizeof(d3), "%s", digest_of("t", "three"));
	l[0] = line("pin", "s", "t", "one", AT1);
	l[1] = line("pin", "s", "t", "two", AT2);	/* the pin */
	l[2] = line("seen", "s", "t", "three", AT1);
	l[3] = line("seen", "s", "t", "four", AT1);
	l[4] = line("seen", "s", "t", "three", AT2);	/* seen again: last */
	l[5] = line("seen", "s", "t", "two", AT2);	/* the pin: ignored */
	text = join(l, 6);
	p = load(text, &skipped);
	ck_assert_uint_eq(skipped, 0);
	ck_assert_uint_eq(pins_count(p), 1);
	ck_assert_str_eq(pins_digest(p, "s", "t"), d2);
	ck_assert_int_eq(pins_entry(p, 0, &e), 0);
	ck_assert_str_eq(e.at, AT2);
	ck_assert_str_eq(json_string_value(json_object_get(e.def,
	    "description")), "two");
	ck_assert_str_eq(e.seen, d3);
	ck_assert_str_eq(e.seen_at, AT2);
	ck_assert_str_eq(json_string_value(json_object_get(e.seen_def,
	    "description")), "three");
	pins_free(p);
	free(text);
}
END_TEST

/* A pin settles what was seen before it: nothing awaits, and a digest
 * seen before is not "seen" any more (the worker writes it again). */
START_TEST(test_pin_settles_seen)
{
	char *l[3], *text, d3[JR_DIGEST_HEX];
	struct pins *p;
	struct pin_entry e;

	snprintf(d3, sizeof(d3), "%s", digest_of("t", "three"));
	l[0] = line("seen", "s", "t", "two", AT1);
	l[1] = line("seen", "s", "t", "three", AT1);
	l[2] = line("pin", "s", "t", "three", AT2);
	text = join(l, 3);
	p = load(text, NULL);
	ck_assert_int_eq(pins_entry(p, 0, &e), 0);
	ck_assert_str_eq(e.digest, d3);
	ck_assert_ptr_null(e.seen);
	ck_assert_int_eq(pins_seen(p, "s", "t", digest_of("t", "two")), 0);
	ck_assert_int_eq(pins_check(p, "s", "t", digest_of("t", "two")),
	    PIN_CHANGED);
	pins_free(p);
	free(text);
}
END_TEST

START_TEST(test_torn_last_line)
{
	char *l[2], *text;
	struct pins *p;
	size_t skipped, len;

	l[0] = line("pin", "s", "a", NULL, AT1);
	l[1] = line("pin", "s", "b", NULL, AT1);
	text = join(l, 2);
	len = strlen(text);
	/* the second line cut anywhere: the first kept, the rest skipped */
	p = pins_load(text, len - 7, &skipped);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(skipped, 1);
	ck_assert_uint_eq(pins_count(p), 1);
	ck_assert_ptr_nonnull(pins_digest(p, "s", "a"));
	ck_assert_ptr_null(pins_digest(p, "s", "b"));
	pins_free(p);
	/* a last line without its '\n' is a line */
	p = pins_load(text, len - 1, &skipped);
	ck_assert_uint_eq(skipped, 0);
	ck_assert_uint_eq(pins_count(p), 2);
	pins_free(p);
	/* nothing at all */
	p = pins_load(NULL, 0, &skipped);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(skipped, 0);
	ck_assert_uint_eq(pins_count(p), 0);
	pins_free(p);
	free(text);
}
END_TEST

/* Replace the first "from" in line s with "to" (malloc'd). */
static char *
edit(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);
	char *out;

	ck_assert_msg(at != NULL, "%s not in %s", from, s);
	ck_assert_int_ge(asprintf(&out, "%.*s%s%s", (int)(at - s), s, to,
	    at + strlen(from)), 0);
	return out;
}

/* Each bad line alone between two good ones: skipped, counted, and
 * nothing of it kept (the server "x" it names stays unknown). */
START_TEST(test_bad_lines_skipped)
{
	char *good = line("pin", "x", "t", "d", AT1);
	char *sgood = server_line("x", AT1);
	char *dup, *wrongdef, *bad[40], *text, *dg, *x, name[140];
	struct pins *p;
	size_t i, n = 0, skipped;

	ck_assert_int_ge(asprintf(&dg, "\"digest\":\"%s\"", digest_of("t",
	    "d")), 0);
	bad[n++] = edit(good, "\"v\":1", "\"v\":2");
	bad[n++] = edit(good, "\"v\":1", "\"v\":\"1\"");
	bad[n++] = edit(good, "\"v\":1", "\"v\":1.0");
	bad[n++] = edit(good, "\"kind\":\"pin\"", "\"kind\":\"pinned\"");
	bad[n++] = edit(good, "\"kind\":\"pin\"", "\"kind\":[\"pin\"]");
	bad[n++] = edit(good, "\"server\":\"x\"", "\"server\":\"X\"");
	bad[n++] = edit(good, "\"server\":\"x\"", "\"server\":\"\"");
	bad[n++] = edit(good, "\"server\":\"x\"", "\"server\":\"x/y\"");
	bad[n++] = edit(good, "\"server\":\"x\"", "\"server\":5");
	/* a server of 65 bytes, a tool of JR_TOOL_NAME_MAX + 1 */
	memset(name, 'a', PINS_SERVER_MAX + 1);
	name[PINS_SERVER_MAX + 1] = '\0';
	ck_assert_int_ge(asprintf(&x, "\"server\":\"%s\"", name), 0);
	bad[n++] = edit(good, "\"server\":\"x\"", x);
	free(x);
	memset(name, 'a', JR_TOOL_NAME_MAX + 1);
	name[JR_TOOL_NAME_MAX + 1] = '\0';
	x = line("pin", "x", name, "d", AT1);
	bad[n++] = x;
	bad[n++] = edit(good, "\"tool\":\"t\"", "\"tool\":\"t t\"");
	bad[n++] = edit(good, "\"tool\":\"t\"", "\"tool\":\"\"");
	bad[n++] = edit(good, "\"tool\":\"t\"", "\"tool\":true");
	bad[n++] = edit(good, "\"digest\":\"", "\"digest\":\"A");
	bad[n++] = edit(good, "\"digest\":\"", "\"digest\":\"0");
	bad[n++] = edit(good, dg, "\"digest\":5");
	bad[n++] = edit(good, dg, "\"digest\":null");
	bad[n++] = edit(good, "\"at\":\"" AT1 "\"",
	    "\"at\":\"2026-12-07 17:40:00Z\"");
	bad[n++] = edit(good, "\"at\":\"" AT1 "\"",
	    "\"at\":\"2026-02-29T17:40:00Z\"");
	bad[n++] = edit(good, "\"at\":\"" AT1 "\"",
	    "\"at\":\"2026-12-07T24:00:00Z\"");
	bad[n++] = edit(good, "\"at\":\"" AT1 "\"",
	    "\"at\":\"2026-12-07T17:40:00+00:00\"");
	bad[n++] = edit(good, "\"at\":\"" AT1 "\"", "\"at\":1796665200");
	/* a definition that is not the one its digest names */
	bad[n++] = edit(good, "\"description\":\"d\"", "\"description\":\"e\"");
	bad[n++] = edit(good, "\"name\":\"t\"", "\"name\":\"u\"");
	bad[n++] = edit(good, "\"def\":{", "\"def\":{\"title\":\"T\",");
	bad[n++] = edit(good, "{\"type\":\"object\"}", "[]");
	bad[n++] = edit(good, "\"description\":\"d\"", "\"description\":5");
	/* members: one too many, one missing, one twice */
	bad[n++] = edit(good, "\"v\":1", "\"v\":1,\"w\":1");
	bad[n++] = edit(good, "\"at\":\"" AT1 "\",", "");
	bad[n++] = edit(good, "\"v\":1", "\"v\":1,\"v\":1");
	dup = edit(good, "\"tool\":\"t\"", "\"tool\":\"t\",\"tool\":\"t\"");
	bad[n++] = edit(dup, ",\"v\":1", "");	/* 7 members, one twice */
	free(dup);
	/* the digest of another definition */
	wrongdef = line("pin", "x", "t", "other", AT1);
	snprintf(name, sizeof(name), "%s", digest_of("t", "other"));
	bad[n++] = edit(wrongdef, name, digest_of("t", "d"));
	free(wrongdef);
	bad[n++] = edit(sgood, "\"v\":1", "\"tool\":\"t\",\"v\":1");
	bad[n++] = strdup("[1,2]\n");
	bad[n++] = strdup("\n");
	bad[n++] = strdup("not json\n");
	for (i = 0; i < n; i++) {
		char *l[3] = { line("pin", "s", "a", NULL, AT1), bad[i],
		    line("pin", "s", "b", NULL, AT1) };

		text = join(l, 3);
		p = load(text, &skipped);
		ck_assert_msg(skipped == 1, "line %zu kept: %s", i, text);
		ck_assert_uint_eq(pins_count(p), 2);
		ck_assert_int_eq(pins_server_known(p, "x"), 0);
		ck_assert_int_eq(pins_check(p, "x", "t", digest_of("t", "d")),
		    PIN_UNKNOWN);
		pins_free(p);
		free(text);
	}
	/* and the good ones, unedited, are read */
	p = load(good, &skipped);
	ck_assert_uint_eq(skipped, 0);
	ck_assert_uint_eq(pins_count(p), 1);
	pins_free(p);
	p = load(sgood, &skipped);
	ck_assert_uint_eq(skipped, 0);
	ck_assert_int_eq(pins_server_known(p, "x"), 1);
	pins_free(p);
	free(good);
	free(sgood);
	free(dg);
}
END_TEST

START_TEST(test_duplicate_key)
{
	char *good = line("pin", "s", "t", "d", AT1);
	char *dup = edit(good, "\"kind\":\"pin\"",
	    "\"kind\":\"seen\",\"kind\":\"pin\"");
	char *dup2 = edit(good, "{\"type\":\"object\"}",
	    "{\"type\":\"object\",\"type\":\"object\"}");
	char *l[2] = { dup, dup2 };
	char *text = join(l, 2);
	struct pins *p;
	size_t skipped;

	p = load(text, &skipped);
	ck_assert_uint_eq(skipped, 2);
	ck_assert_uint_eq(pins_count(p), 0);
	pins_free(p);
	free(text);
	free(good);
}
END_TEST

START_TEST(test_states)
{
	char *l[3], *text, d1[JR_DIGEST_HEX], d2[JR_DIGEST_HEX];
	struct pins *p;

	snprintf(d1, sizeof(d1), "%s", digest_of("t", "one"));
	snprintf(d2, sizeof(d2), "%s", digest_of("t", "two"));
	p = pins_new();
	ck_assert_int_eq(pins_check(p, "s", "t", d1), PIN_UNKNOWN);
	ck_assert_ptr_null(pins_digest(p, "s", "t"));
	pins_free(p);
	l[0] = server_line("s", AT1);
	l[1] = line("pin", "s", "t", "one", AT1);
	l[2] = line("seen", "q", "t", "two", AT1);  /* q: seen, not contacted */
	text = join(l, 3);
	p = load(text, NULL);
	ck_assert_int_eq(pins_check(p, "s", "t", d1), PIN_OK);
	ck_assert_int_eq(pins_check(p, "s", "t", d2), PIN_CHANGED);
	ck_assert_int_eq(pins_check(p, "s", "u", d1), PIN_NEW);
	ck_assert_int_eq(pins_check(p, "r", "t", d1), PIN_UNKNOWN);
	ck_assert_int_eq(pins_check(p, "q", "t", d2), PIN_UNKNOWN);
	ck_assert_int_eq(pins_server_known(p, "q"), 0);
	ck_assert_str_eq(pins_digest(p, "s", "t"), d1);
	pins_free(p);
	free(text);
	/* a pin line alone makes its server contacted */
	l[0] = line("pin", "s", "t", "one", AT1);
	text = join(l, 1);
	p = load(text, NULL);
	ck_assert_int_eq(pins_server_known(p, "s"), 1);
	ck_assert_int_eq(pins_check(p, "s", "u", d1), PIN_NEW);
	pins_free(p);
	free(text);
}
END_TEST

START_TEST(test_seen)
{
	char hex[JR_DIGEST_HEX], d1[JR_DIGEST_HEX];
	json_t *d = tool_def("t", "new", hex);
	struct pins *p = pins_new();
	struct pin_entry e;
	char *t;
	size_t len;

	snprintf(d1, sizeof(d1), "%s", digest_of("t", "one"));
	ck_assert_int_eq(pins_seen(p, "s", "t", hex), 0);
	t = pins_add(p, "seen", "s", "t", hex, d, AT1, &len);
	ck_assert_ptr_nonnull(t);
	free(t);
	ck_assert_int_eq(pins_seen(p, "s", "t", hex), 1);
	ck_assert_int_eq(pins_seen(p, "s", "t", d1), 0);
	ck_assert_int_eq(pins_seen(p, "s", "u", hex), 0);
	ck_assert_int_eq(pins_seen(p, "r", "t", hex), 0);
	/* only seen: no pin, the seen one awaits */
	ck_assert_int_eq(pins_entry(p, 0, &e), 0);
	ck_assert_ptr_null(e.digest);
	ck_assert_ptr_null(e.def);
	ck_assert_str_eq(e.seen, hex);
	ck_assert_ptr_null(pins_digest(p, "s", "t"));
	/* approved: settled */
	t = pins_add(p, "pin", "s", "t", hex, d, AT2, &len);
	ck_assert_ptr_nonnull(t);
	free(t);
	ck_assert_int_eq(pins_seen(p, "s", "t", hex), 0);
	ck_assert_int_eq(pins_entry(p, 0, &e), 0);
	ck_assert_ptr_null(e.seen);
	ck_assert_str_eq(e.digest, hex);
	ck_assert_int_eq(pins_check(p, "s", "t", hex), PIN_OK);
	json_decref(d);
	pins_free(p);
}
END_TEST

START_TEST(test_entries_walk)
{
	char *l[5], *text;
	struct pins *p;
	struct pin_entry e;

	l[0] = line("pin", "b", "z", NULL, AT1);
	l[1] = line("seen", "a", "y", NULL, AT1);
	l[2] = line("pin", "b", "x", NULL, AT1);
	l[3] = line("pin", "a", "y", "later", AT2);
	l[4] = line("pin", "b", "z", "again", AT2);
	text = join(l, 5);
	p = load(text, NULL);
	ck_assert_uint_eq(pins_count(p), 3);
	ck_assert_int_eq(pins_entry(p, 0, &e), 0);
	ck_assert_str_eq(e.server, "b");
	ck_assert_str_eq(e.tool, "z");
	ck_assert_str_eq(e.at, AT2);
	ck_assert_int_eq(pins_entry(p, 1, &e), 0);
	ck_assert_str_eq(e.server, "a");
	ck_assert_str_eq(e.tool, "y");
	ck_assert_str_eq(e.digest, digest_of("y", "later"));
	ck_assert_ptr_null(e.seen);
	ck_assert_int_eq(pins_entry(p, 2, &e), 0);
	ck_assert_str_eq(e.tool, "x");
	ck_assert_ptr_null(e.seen_def);
	ck_assert_int_eq(pins_entry(p, 3, &e), -1);
	ck_assert_ptr_null(e.server);
	ck_assert_int_eq(pins_entry(p, (size_t)-1, &e), -1);
	pins_free(p);
	free(text);
	ck_assert_uint_eq(pins_count(NULL), 0);
}
END_TEST

/* A definition of a description of n bytes whose line is *linelen. */
static char *
sized_line(size_t desc, size_t *linelen)
{
	char *d = malloc(desc + 1), *l;

	ck_assert_ptr_nonnull(d);
	memset(d, 'a', desc);
	d[desc] = '\0';
	l = line("pin", "s", "t", d, AT1);
	free(d);
	*linelen = strlen(l) - 1;
	return l;
}

START_TEST(test_huge_line)
{
	size_t base, len, skipped;
	char *l, *t;
	struct pins *p;
	char hex[JR_DIGEST_HEX];
	json_t *d;

	free(sized_line(0, &base));
	/* exactly PINS_LINE_MAX bytes: read */
	l = sized_line(PINS_LINE_MAX - base, &len);
	ck_assert_uint_eq(len, PINS_LINE_MAX);
	p = load(l, &skipped);
	ck_assert_uint_eq(skipped, 0);
	ck_assert_uint_eq(pins_count(p), 1);
	pins_free(p);
	free(l);
	/* one more: skipped */
	l = sized_line(PINS_LINE_MAX - base + 1, &len);
	ck_assert_uint_eq(len, PINS_LINE_MAX + 1);
	p = load(l, &skipped);
	ck_assert_uint_eq(skipped, 1);
	ck_assert_uint_eq(pins_count(p), 0);
	pins_free(p);
	free(l);
	/* and pins_add does not make a line no reader keeps */
	t = malloc(PINS_LINE_MAX + 1);
	memset(t, 'a', PINS_LINE_MAX);
	t[PINS_LINE_MAX] = '\0';
	d = tool_def("t", t, hex);
	p = pins_new();
	free(t);
	t = pins_add(p, "pin", "s", "t", hex, d, AT1, &len);
	ck_assert_ptr_null(t);
	ck_assert_uint_eq(len, 0);
	ck_assert_uint_eq(pins_count(p), 0);
	ck_assert_int_eq(pins_server_known(p, "s"), 0);
	pins_free(p);
	json_decref(d);
}
END_TEST

/* More than PINS_FILE_MAX bytes: what lies past the bound is not read
 * (a good line straddling it is torn there). */
START_TEST(test_file_bound)
{
	char *a = line("pin", "s", "a", NULL, AT1);
	char *b = line("pin", "s", "b", NULL, AT1), *text;
	size_t na = strlen(a), nb = strlen(b), total, skipped;
	struct pins *p;

	total = PINS_FILE_MAX + nb;
	text = malloc(total);
	ck_assert_ptr_nonnull(text);
	memset(text, '\n', total);
	memcpy(text, a, na);
	memcpy(text + PINS_FILE_MAX - nb / 2, b, nb);
	p = pins_load(text, total, &skipped);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(pins_count(p), 1);
	ck_assert_ptr_nonnull(pins_digest(p, "s", "a"));
	ck_assert_ptr_null(pins_digest(p, "s", "b"));
	ck_assert_uint_gt(skipped, 0);
	pins_free(p);
	/* the same line ending at the bound, its '\n' its last byte: read */
	memset(text + PINS_FILE_MAX - nb, '\n', 2 * nb);
	memcpy(text + PINS_FILE_MAX - nb, b, nb);
	p = pins_load(text, total, &skipped);
	ck_assert_uint_eq(pins_count(p), 2);
	ck_assert_ptr_nonnull(pins_digest(p, "s", "b"));
	pins_free(p);
	free(text);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_not_utf8)
{
	char *good = line("pin", "s", "t", "caf\xc3\xa9", AT1);
	char *bad[4], *text;
	struct pins *p;
	size_t i, skipped, len;
	char hex[JR_DIGEST_HEX];
	json_t *d;

	bad[0] = edit(good, "caf\xc3\xa9", "caf\xff");
	bad[1] = edit(good, "caf\xc3\xa9", "caf\xc3");
	bad[2] = edit(good, "caf\xc3\xa9", "caf\xed\xa0\x80"); /* surrogate */
	bad[3] = edit(good, "caf\xc3\xa9", "caf\\u0000");
	for (i = 0; i < 4; i++) {
		p = load(bad[i], &skipped);
		ck_assert_msg(skipped == 1, "line %zu kept", i);
		ck_assert_uint_eq(pins_count(p), 0);
		pins_free(p);
		free(bad[i]);
	}
	/* a NUL byte in the line */
	len = strlen(good);
	text = strdup(good);
	text[len / 2] = '\0';
	p = pins_load(text, len, &skipped);
	ck_assert_uint_eq(skipped, 1);
	ck_assert_uint_eq(pins_count(p), 0);
	pins_free(p);
	free(text);
	/* valid UTF-8 is kept as is */
	p = load(good, &skipped);
	ck_assert_uint_eq(skipped, 0);
	ck_assert_uint_eq(pins_count(p), 1);
	pins_free(p);
	free(good);
	/* pins_add of a string jansson holds with a NUL: no line */
	d = tool_def("t", NULL, hex);
	json_object_set_new(d, "description", json_stringn("a\0b", 3));
	ck_assert_int_eq(jr_tool_digest(d, hex), 0);
	p = pins_new();
	ck_assert_ptr_null(pins_add(p, "pin", "s", "t", hex, d, AT1, &len));
	ck_assert_uint_eq(pins_count(p), 0);
	pins_free(p);
	json_decref(d);
}
END_TEST

START_TEST(test_add_refuses)
{
	char hex[JR_DIGEST_HEX], other[JR_DIGEST_HEX];
	json_t *d = tool_def("t", "d", hex), *arr = json_array();
	struct pins *p = pins_new();
	size_t len = 7;

	snprintf(other, sizeof(other), "%s", digest_of("t", "e"));
	ck_assert_ptr_null(pins_add(p, "pinned", "s", "t", hex, d, AT1, &len));
	ck_assert_uint_eq(len, 0);
	ck_assert_ptr_null(pins_add(p, "pin", "S", "t", hex, d, AT1, &len));
	ck_assert_ptr_null(pins_add(p, "pin", "s", "t t", hex, d, AT1, &len));
	ck_assert_ptr_null(pins_add(p, "pin", "s", "u", hex, d, AT1, &len));
	ck_assert_ptr_null(pins_add(p, "pin", "s", "t", other, d, AT1, &len));
	ck_assert_ptr_null(pins_add(p, "pin", "s", "t", "ABC", d, AT1, &len));
	ck_assert_ptr_null(pins_add(p, "pin", "s", "t", hex, d, "today",
	    &len));
	ck_assert_ptr_null(pins_add(p, "pin", "s", "t", hex, arr, AT1, &len));
	ck_assert_ptr_null(pins_add(p, "pin", "s", "t", hex, NULL, AT1, &len));
	ck_assert_ptr_null(pins_add(p, "seen", "s", NULL, hex, d, AT1, &len));
	ck_assert_ptr_null(pins_add(p, "server", "s", "t", NULL, NULL, AT1,
	    &len));
	ck_assert_ptr_null(pins_add(p, "server", "s", NULL, NULL, d, AT1,
	    &len));
	ck_assert_ptr_null(pins_add(NULL, "server", "s", NULL, NULL, NULL, AT1,
	    &len));
	ck_assert_uint_eq(pins_count(p), 0);
	ck_assert_int_eq(pins_server_known(p, "s"), 0);
	json_decref(d);
	json_decref(arr);
	pins_free(p);
}
END_TEST

/* at NULL: now, in the form a reader keeps. */
START_TEST(test_add_now)
{
	struct pins *p = pins_new();
	char *t, want[32], want2[32];
	const char *at;
	size_t len;
	time_t t0, t1;
	struct tm tm;
	json_t *o;

	t0 = time(NULL);
	t = pins_add(p, "server", "s", NULL, NULL, NULL, NULL, &len);
	t1 = time(NULL);
	ck_assert_ptr_nonnull(t);
	o = J(t);
	at = json_string_value(json_object_get(o, "at"));
	gmtime_r(&t0, &tm);
	strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
	gmtime_r(&t1, &tm);
	strftime(want2, sizeof(want2), "%Y-%m-%dT%H:%M:%SZ", &tm);
	ck_assert_msg(strcmp(at, want) == 0 || strcmp(at, want2) == 0,
	    "%s is not %s", at, want);
	ck_assert_int_eq(pins_server_known(p, "s"), 1);
	json_decref(o);
	free(t);
	pins_free(p);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("mcp-pins");
	TCase *tc = tcase_create("pins");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_later_lines_win);
	tcase_add_test(tc, test_pin_settles_seen);
	tcase_add_test(tc, test_torn_last_line);
	tcase_add_test(tc, test_bad_lines_skipped);
	tcase_add_test(tc, test_duplicate_key);
	tcase_add_test(tc, test_states);
	tcase_add_test(tc, test_seen);
	tcase_add_test(tc, test_entries_walk);
	tcase_add_test(tc, test_huge_line);
	tcase_add_test(tc, test_file_bound);
	tcase_add_test(tc, test_not_utf8);
	tcase_add_test(tc, test_add_refuses);
	tcase_add_test(tc, test_add_now);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
