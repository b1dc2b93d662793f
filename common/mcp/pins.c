/*
 * common/mcp/pins.c -- the MCP tool pins (common/mcp/pins.h): the pin
 * file's lines read into a table, each line checked whole (JSON, its
 * members, its names, its time, its definition against its digest)
 * before anything of it is kept, and the lines to append made by the
 * same reader. Pure: no I/O, no exit(); bounded by PINS_FILE_MAX and
 * PINS_LINE_MAX. Unit-tested (tests/unit/test_mcp_pins.c) and fuzzed
 * (fuzz/fuzz_mcp_pins.c).
 *
 * Runs in: aksup-worker-mcp (confined) and aksup-broker --mcp-tools /
 * --mcp-pin (`aksup mcp`, confined as the policy tool). Privilege: none
 * needed. Input: the pin file (the operator's, appended to by the worker
 * with what MCP servers announce: anyone's bytes).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/mcp/jsonrpc.h"
#include "common/mcp/pins.h"

#define DIGEST_LEN	64
#define TIME_LEN	20	/* "2026-12-07T17:40:00Z" */

/* A "seen" line kept: since the tool's last pin, each digest once. */
struct seen {
	char digest[DIGEST_LEN + 1];
	char at[TIME_LEN + 1];
	json_t *def;
};

struct entry {
	char server[PINS_SERVER_MAX + 1];
	char tool[JR_TOOL_NAME_MAX + 1];
	int pinned;
	char digest[DIGEST_LEN + 1];
	char at[TIME_LEN + 1];
	json_t *def;
	struct seen *seen;	/* the latest last */
	size_t nseen, capseen;
};

struct pins {
	struct entry **e;	/* in the order first seen */
	size_t n, cap;
	json_t *index;		/* "server/tool" -> its index in e */
	json_t *servers;	/* a "server" or "pin" line names it */
};

enum kind { K_SERVER, K_PIN, K_SEEN };

/* One line, checked: what it says (borrowed from root). */
struct line {
	enum kind kind;
	const char *server, *tool, *digest, *at;
	json_t *def;
	json_t *root;
};

/* ---- the checks (a reader's and pins_add's) ---- */

static int
server_ok(const char *s)
{
	size_t i, len = strlen(s);

	if (len == 0 || len > PINS_SERVER_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* jsonrpc.h's tool names: 1..JR_TOOL_NAME_MAX bytes of SEP-986's set. */
static int
tool_ok(const char *s)
{
	size_t i, len = strlen(s);

	if (len == 0 || len > JR_TOOL_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		    c == '.' || c == '/'))
			return 0;
	}
	return 1;
}

static int
digest_ok(const char *s)
{
	size_t i;

	if (strlen(s) != DIGEST_LEN)
		return 0;
	for (i = 0; i < DIGEST_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f')))
			return 0;
	return 1;
}

static int
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_days(int y, int m)
{
	static const int d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	return m == 2 && leap(y) ? 29 : d[m - 1];
}

static int
digits(const char *s, int n)
{
	int v = 0;

	while (n-- > 0)
		v = v * 10 + (*s++ - '0');
	return v;
}

/* RFC 3339 in UTC to the second, exactly "YYYY-MM-DDTHH:MM:SSZ". */
static int
time_ok(const char *s)
{
	static const char form[] = "dddd-dd-ddTdd:dd:ddZ";
	int y, mo, d;
	size_t i;

	if (strlen(s) != TIME_LEN)
		return 0;
	for (i = 0; i < TIME_LEN; i++)
		if (form[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != form[i])
			return 0;
	y = digits(s, 4);
	mo = digits(s + 5, 2);
	d = digits(s + 8, 2);
	return mo >= 1 && mo <= 12 && d >= 1 && d <= month_days(y, mo) &&
	    digits(s + 11, 2) <= 23 && digits(s + 14, 2) <= 59 &&
	    digits(s + 17, 2) <= 59;
}

/* Now, as time_ok reads it. By hand from the epoch seconds: gmtime_r()
 * may load /etc/localtime on its first call, which a confined caller
 * cannot (as audit/audit.c). */
static int
time_now(char out[TIME_LEN + 1])
{
	struct timespec ts;
	long long days, z, era, doe, yoe, y, doy, mp, sod;
	unsigned m, d;
	char buf[80];

	if (clock_gettime(CLOCK_REALTIME, &ts) < 0 || ts.tv_sec < 0)
		return -1;
	days = (long long)ts.tv_sec / 86400;
	sod = (long long)ts.tv_sec % 86400;
	/* civil_from_days (H. Hinnant) */
	z = days + 719468;
	era = z / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	y += m <= 2;
	if (y > 9999)
		return -1;
	snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ",
	    y, m, d, sod / 3600, sod / 60 % 60, sod % 60);
	memcpy(out, buf, TIME_LEN + 1);
	return 0;
}

/* A string member's value, or NULL. */
static const char *
str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* def: the tool's {name, description, inputSchema, annotations} (no
 * other member), named tool, with the digest it is pinned by. */
static int
def_ok(const json_t *def, const char *tool, const char *digest)
{
	const char *k;
	json_t *v;
	char hex[JR_DIGEST_HEX];

	if (!json_is_object(def))
		return 0;
	json_object_foreach((json_t *)def, k, v) {
		if (strcmp(k, "name") == 0 ? !json_is_string(v) :
		    strcmp(k, "description") == 0 ? !json_is_string(v) :
		    strcmp(k, "inputSchema") == 0 ? !json_is_object(v) :
		    strcmp(k, "annotations") == 0 ? !json_is_object(v) : 1)
			return 0;
	}
	if (str(def, "name") == NULL || strcmp(str(def, "name"), tool) != 0)
		return 0;
	if (jr_tool_digest(def, hex) < 0)
		return 0;
	return strcmp(hex, digest) == 0;
}

/* 0 and *l filled (l->root owned: json_decref it), or -1 when s[0..len)
 * is not a pin line. */
static int
line_read(const char *s, size_t len, struct line *l)
{
	json_error_t err;
	json_t *o, *v;
	const char *k;

	memset(l, 0, sizeof(*l));
	if (len == 0 || len > PINS_LINE_MAX)
		return -1;
	if ((o = json_loadb(s, len, JSON_REJECT_DUPLICATES, &err)) == NULL)
		return -1;
	l->root = o;
	v = json_object_get(o, "v");
	if (!json_is_object(o) || !json_is_integer(v) ||
	    json_integer_value(v) != 1 || (k = str(o, "kind")) == NULL)
		goto bad;
	if (strcmp(k, "server") == 0)
		l->kind = K_SERVER;
	else if (strcmp(k, "pin") == 0)
		l->kind = K_PIN;
	else if (strcmp(k, "seen") == 0)
		l->kind = K_SEEN;
	else
		goto bad;
	/* its members and no other */
	if (json_object_size(o) != (l->kind == K_SERVER ? 4u : 7u))
		goto bad;
	if ((l->server = str(o, "server")) == NULL || !server_ok(l->server) ||
	    (l->at = str(o, "at")) == NULL || !time_ok(l->at))
		goto bad;
	if (l->kind == K_SERVER)
		return 0;
	l->def = json_object_get(o, "def");
	if ((l->tool = str(o, "tool")) == NULL || !tool_ok(l->tool) ||
	    (l->digest = str(o, "digest")) == NULL || !digest_ok(l->digest) ||
	    !def_ok(l->def, l->tool, l->digest))
		goto bad;
	return 0;
 bad:
	json_decref(o);
	memset(l, 0, sizeof(*l));
	return -1;
}

/* ---- the table ---- */

struct pins *
pins_new(void)
{
	struct pins *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->index = json_object();
	p->servers = json_object();
	if (p->index == NULL || p->servers == NULL) {
		pins_free(p);
		return NULL;
	}
	return p;
}

static void
entry_free(struct entry *e)
{
	size_t i;

	if (e == NULL)
		return;
	json_decref(e->def);
	for (i = 0; i < e->nseen; i++)
		json_decref(e->seen[i].def);
	free(e->seen);
	free(e);
}

void
pins_free(struct pins *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++)
		entry_free(p->e[i]);
	free(p->e);
	json_decref(p->index);
	json_decref(p->servers);
	free(p);
}

/* "server/tool": a server name holds no '/', so the key is one pair's. */
static int
key_of(char *out, size_t n, const char *server, const char *tool)
{
	int k = snprintf(out, n, "%s/%s", server, tool);

	return k < 0 || (size_t)k >= n ? -1 : 0;
}

static struct entry *
entry_find(const struct pins *p, const char *server, const char *tool)
{
	char key[PINS_SERVER_MAX + JR_TOOL_NAME_MAX + 2];
	json_t *i;

	if (p == NULL || server == NULL || tool == NULL ||
	    key_of(key, sizeof(key), server, tool) < 0 ||
	    (i = json_object_get(p->index, key)) == NULL)
		return NULL;
	return p->e[json_integer_value(i)];
}

/* The entry of (server, tool), made when there is none (with room for
 * one seen line); NULL when out of memory, nothing changed. */
static struct entry *
entry_get(struct pins *p, const char *server, const char *tool)
{
	char key[PINS_SERVER_MAX + JR_TOOL_NAME_MAX + 2];
	struct entry *e, **ne;
	size_t cap;

	if ((e = entry_find(p, server, tool)) != NULL)
		return e;
	if (key_of(key, sizeof(key), server, tool) < 0)
		return NULL;
	if (p->n == p->cap) {
		cap = p->cap ? p->cap * 2 : 16;
		if ((ne = realloc(p->e, cap * sizeof(*ne))) == NULL)
			return NULL;
		p->e = ne;
		p->cap = cap;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->seen = calloc(1, sizeof(*e->seen))) == NULL)
		goto fail;
	e->capseen = 1;
	snprintf(e->server, sizeof(e->server), "%s", server);
	snprintf(e->tool, sizeof(e->tool), "%s", tool);
	if (json_object_set_new(p->index, key, json_integer((json_int_t)p->n))
	    < 0)
		goto fail;
	p->e[p->n++] = e;
	return e;
 fail:
	entry_free(e);
	return NULL;
}

/* A pin settles what was seen before it. */
static void
pin_set(struct entry *e, const struct line *l)
{
	size_t i;

	for (i = 0; i < e->nseen; i++)
		json_decref(e->seen[i].def);
	e->nseen = 0;
	json_decref(e->def);
	e->def = json_incref(l->def);
	e->pinned = 1;
	snprintf(e->digest, sizeof(e->digest), "%s", l->digest);
	snprintf(e->at, sizeof(e->at), "%s", l->at);
}

/* A digest seen again moves last (later lines win). */
static int
seen_add(struct entry *e, const struct line *l)
{
	struct seen *ns;
	size_t i, cap;

	for (i = 0; i < e->nseen; i++)
		if (strcmp(e->seen[i].digest, l->digest) == 0)
			break;
	if (i < e->nseen) {
		json_decref(e->seen[i].def);
		memmove(&e->seen[i], &e->seen[i + 1], (e->nseen - i - 1) *
		    sizeof(*e->seen));
		e->nseen--;
	} else if (e->nseen == e->capseen) {
		cap = e->capseen * 2;
		if ((ns = realloc(e->seen, cap * sizeof(*ns))) == NULL)
			return -1;
		e->seen = ns;
		e->capseen = cap;
	}
	ns = &e->seen[e->nseen++];
	snprintf(ns->digest, sizeof(ns->digest), "%s", l->digest);
	snprintf(ns->at, sizeof(ns->at), "%s", l->at);
	ns->def = json_incref(l->def);
	return 0;
}

/* A checked line into the table: 0, or -1 when out of memory. */
static int
apply(struct pins *p, const struct line *l)
{
	struct entry *e;

	if (l->kind != K_SEEN &&
	    json_object_set_new(p->servers, l->server, json_true()) < 0)
		return -1;
	if (l->kind == K_SERVER)
		return 0;
	if ((e = entry_get(p, l->server, l->tool)) == NULL)
		return -1;
	if (l->kind == K_PIN) {
		pin_set(e, l);
		return 0;
	}
	return seen_add(e, l);
}

/* One line of the file: 1 kept, 0 not a pin line, -1 out of memory. */
static int
load_line(struct pins *p, const char *s, size_t len)
{
	struct line l;
	int rc;

	if (line_read(s, len, &l) < 0)
		return 0;
	rc = apply(p, &l) < 0 ? -1 : 1;
	json_decref(l.root);
	return rc;
}

struct pins *
pins_load(const char *text, size_t len, size_t *skipped)
{
	struct pins *p;
	const char *nl;
	size_t off = 0, end, bad = 0;
	int rc;

	if (skipped != NULL)
		*skipped = 0;
	if ((p = pins_new()) == NULL)
		return NULL;
	if (text == NULL)
		len = 0;
	if (len > PINS_FILE_MAX) {	/* past the bound: not read */
		len = PINS_FILE_MAX;
		bad++;
	}
	while (off < len) {
		nl = memchr(text + off, '\n', len - off);
		end = nl != NULL ? (size_t)(nl - text) : len;
		if ((rc = load_line(p, text + off, end - off)) < 0) {
			pins_free(p);
			return NULL;
		}
		if (rc == 0)
			bad++;
		off = end + 1;
	}
	if (skipped != NULL)
		*skipped = bad;
	return p;
}

/* ---- questions ---- */

int
pins_server_known(const struct pins *p, const char *server)
{
	return p != NULL && server != NULL &&
	    json_object_get(p->servers, server) != NULL;
}

const char *
pins_digest(const struct pins *p, const char *server, const char *tool)
{
	const struct entry *e = entry_find(p, server, tool);

	return e != NULL && e->pinned ? e->digest : NULL;
}

enum pin_state
pins_check(const struct pins *p, const char *server, const char *tool,
    const char *digest)
{
	const char *pin = pins_digest(p, server, tool);

	if (pin != NULL)
		return digest != NULL && strcmp(pin, digest) == 0 ? PIN_OK :
		    PIN_CHANGED;
	return pins_server_known(p, server) ? PIN_NEW : PIN_UNKNOWN;
}

int
pins_seen(const struct pins *p, const char *server, const char *tool,
    const char *digest)
{
	const struct entry *e = entry_find(p, server, tool);
	size_t i;

	if (e == NULL || digest == NULL)
		return 0;
	for (i = 0; i < e->nseen; i++)
		if (strcmp(e->seen[i].digest, digest) == 0)
			return 1;
	return 0;
}

size_t
pins_count(const struct pins *p)
{
	return p != NULL ? p->n : 0;
}

int
pins_entry(const struct pins *p, size_t i, struct pin_entry *out)
{
	const struct entry *e;
	size_t k;

	memset(out, 0, sizeof(*out));
	if (p == NULL || i >= p->n)
		return -1;
	e = p->e[i];
	out->server = e->server;
	out->tool = e->tool;
	if (e->pinned) {
		out->digest = e->digest;
		out->at = e->at;
		out->def = e->def;
	}
	/* what awaits approval: the last seen since the pin, not the pin */
	for (k = e->nseen; k-- > 0; )
		if (!e->pinned || strcmp(e->seen[k].digest, e->digest) != 0) {
			out->seen = e->seen[k].digest;
			out->seen_at = e->seen[k].at;
			out->seen_def = e->seen[k].def;
			break;
		}
	return 0;
}

/* ---- the lines appended ---- */

/* The tool's object as jr_tool_digest reads it: its four members. */
static json_t *
def_copy(const json_t *def)
{
	static const char *const keys[] = {
		"name", "description", "inputSchema", "annotations",
	};
	json_t *o, *v;
	size_t i;

	if (!json_is_object(def) || (o = json_object()) == NULL)
		return NULL;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if ((v = json_object_get(def, keys[i])) != NULL &&
		    json_object_set(o, keys[i], v) < 0) {
			json_decref(o);
			return NULL;
		}
	return o;
}

/* The line's object, unchecked (the reader checks its text); NULL when
 * an argument is missing or out of memory. */
static json_t *
line_build(enum kind kind, const char *server, const char *tool,
    const char *digest, const json_t *def, const char *at)
{
	static const char *const kinds[] = { "server", "pin", "seen" };
	json_t *o;
	int bad;

	if ((o = json_object()) == NULL)
		return NULL;
	bad = json_object_set_new(o, "v", json_integer(1)) < 0 ||
	    json_object_set_new(o, "kind", json_string(kinds[kind])) < 0 ||
	    json_object_set_new(o, "server", json_string(server)) < 0 ||
	    json_object_set_new(o, "at", json_string(at)) < 0;
	if (!bad && kind != K_SERVER)
		bad = json_object_set_new(o, "tool", json_string(tool)) < 0 ||
		    json_object_set_new(o, "digest", json_string(digest)) < 0 ||
		    json_object_set_new(o, "def", def_copy(def)) < 0;
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

char *
pins_add(struct pins *p, const char *kind, const char *server,
    const char *tool, const char *digest, const json_t *def,
    const char *at, size_t *len)
{
	char now[TIME_LEN + 1], *t = NULL, *out = NULL;
	struct line l = { 0 };
	enum kind k;
	json_t *o = NULL;
	size_t n;

	if (len != NULL)
		*len = 0;
	if (p == NULL || kind == NULL || server == NULL || len == NULL)
		return NULL;
	if (strcmp(kind, "server") == 0)
		k = K_SERVER;
	else if (strcmp(kind, "pin") == 0)
		k = K_PIN;
	else if (strcmp(kind, "seen") == 0)
		k = K_SEEN;
	else
		return NULL;
	if (k == K_SERVER ? tool != NULL || digest != NULL || def != NULL :
	    tool == NULL || digest == NULL || def == NULL)
		return NULL;
	if (at == NULL) {
		if (time_now(now) < 0)
			return NULL;
		at = now;
	}
	if ((o = line_build(k, server, tool, digest, def, at)) == NULL ||
	    (t = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		goto out;
	/* what a reader will make of it, and only that, is recorded */
	n = strlen(t);
	if (line_read(t, n, &l) < 0 || (out = malloc(n + 2)) == NULL)
		goto out;
	if (apply(p, &l) < 0) {
		free(out);
		out = NULL;
		goto out;
	}
	memcpy(out, t, n);
	out[n] = '\n';
	out[n + 1] = '\0';
	*len = n + 1;
 out:
	json_decref(l.root);
	json_decref(o);
	free(t);
	return out;
}
