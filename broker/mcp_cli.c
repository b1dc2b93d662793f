/*
 * broker/mcp_cli.c -- the confined half of `aksup mcp` (the supervisor's
 * half is supervisor/cli_mcp.c): the policy's MCP servers, their tools'
 * pin states read from the pin file (common/mcp/pins.h), and for `aksup
 * mcp pin` how an announced tool differs from its pin and the line that
 * approves it.
 *
 * Runs in: aksup-broker --mcp-servers / --mcp-tools / --mcp-pin, started
 * by the supervisor's run_helper with the policy on fd 6, the pin file
 * on fd 0 (/dev/null when there is none) and, for --mcp-pin, a memfd on
 * BROKER_FD_SUP that takes the lines to append; stdout inherited.
 * Privilege: none: under sandbox_enter(ROLE_POLICY_TOOL) before it
 * parses the policy or the pin file (anyone's bytes: the mcp worker
 * writes what servers announce into it). What it prints of a server's
 * text is JSON with every unsafe code point escaped (common/jsonesc.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "broker/mcp_cli.h"
#include "common/fds.h"
#include "common/jsonesc.h"
#include "common/log.h"
#include "common/util.h"
#include "policy/policy.h"
#include "common/mcp/pins.h"

#define SHORT_HEX	12	/* a digest in the listing */
#define BAD_LINES_SAID	8	/* line numbers named, at most */

enum state { ST_PINNED, ST_CHANGED, ST_NEW };

static const char *const state_text[] = {
	[ST_PINNED] = "pinned",
	[ST_CHANGED] = "changed: awaiting approval",
	[ST_NEW] = "new: awaiting approval",
};

static enum state
state_of(const struct pin_entry *e)
{
	if (e->seen == NULL)
		return ST_PINNED;
	return e->digest != NULL ? ST_CHANGED : ST_NEW;
}

/* ---- the pin file ---- */

/* Name the lines that are not pin lines (each read alone: a line's
 * worth does not depend on the others). */
static void
say_bad_lines(const char *buf, size_t len, const char *name, size_t nbad)
{
	char said[BAD_LINES_SAID * 24] = "";
	const char *nl;
	size_t off = 0, end, no = 0, k, n = 0, o = 0;
	struct pins *one;

	while (off < len && n < BAD_LINES_SAID) {
		nl = memchr(buf + off, '\n', len - off);
		end = nl != NULL ? (size_t)(nl - buf) : len;
		no++;
		if ((one = pins_load(buf + off, end - off, &k)) != NULL &&
		    k > 0 && o < sizeof(said)) {
			o += (size_t)snprintf(said + o, sizeof(said) - o, "%s%zu",
			    n > 0 ? ", " : "", no);
			n++;
		}
		pins_free(one);
		off = end + 1;
	}
	log_warnx("MCP pin file %s: %zu line%s not a pin line (torn by a "
	    "crash or edited by hand), skipped: line%s %s%s", name, nbad,
	    nbad == 1 ? " is" : "s are", n == 1 ? "" : "s", said,
	    nbad > n ? ", ..." : "");
}

/* The pin file on fd 0; NULL (said) when it cannot be read. */
static struct pins *
read_pins(const char *name)
{
	struct pins *pins;
	size_t len, bad;
	char *buf;

	if (read_all(0, PINS_FILE_MAX, &buf, &len) < 0) {
		if (errno == EFBIG)
			log_warnx("MCP pin file %s: larger than %u bytes: not "
			    "read (keep a copy, and let a new file pin the "
			    "tools again at first use)", name, PINS_FILE_MAX);
		else
			log_warn("MCP pin file %s: read", name);
		return NULL;
	}
	if ((pins = pins_load(buf, len, &bad)) == NULL)
		log_warnx("MCP pin file %s: out of memory", name);
	else if (bad > 0)
		say_bad_lines(buf, len, name, bad);
	free(buf);
	return pins;
}

/* Entry indexes by server, servers in the order first seen. */
static json_t *
by_server(const struct pins *pins)
{
	struct pin_entry e;
	json_t *by, *list;
	size_t i;

	if ((by = json_object()) == NULL)
		return NULL;
	for (i = 0; pins_entry(pins, i, &e) == 0; i++) {
		if ((list = json_object_get(by, e.server)) == NULL &&
		    (json_object_set_new(by, e.server, json_array()) < 0 ||
		    (list = json_object_get(by, e.server)) == NULL))
			goto fail;
		if (json_array_append_new(list, json_integer((json_int_t)i))
		    < 0)
			goto fail;
	}
	return by;
 fail:
	json_decref(by);
	return NULL;
}

/* ---- aksup mcp tools ---- */

static void
print_entry(const struct pin_entry *e, int width)
{
	char dig[2 * SHORT_HEX + 8];
	const char *at = e->at;

	switch (state_of(e)) {
	case ST_PINNED:
		snprintf(dig, sizeof(dig), "%.*s", SHORT_HEX, e->digest);
		break;
	case ST_CHANGED:
		snprintf(dig, sizeof(dig), "%.*s -> %.*s", SHORT_HEX,
		    e->digest, SHORT_HEX, e->seen);
		at = e->seen_at;
		break;
	case ST_NEW:
		snprintf(dig, sizeof(dig), "-> %.*s", SHORT_HEX, e->seen);
		at = e->seen_at;
		break;
	}
	printf("  %-*s  %-26s  %-28s  %s\n", width, e->tool,
	    state_text[state_of(e)], dig, at);
}

/* One server: a header, then its tools (names and digests are of
 * checked character sets: printed as they are). */
static void
list_server(const struct pins *pins, const json_t *by, const char *server,
    const char *id)
{
	const json_t *list = json_object_get(by, server), *v;
	struct pin_entry e;
	size_t i;
	int width = 4;

	if (id != NULL)
		printf("%s (%s)\n", server, id);
	else
		printf("%s (not in this policy)\n", server);
	if (json_array_size(list) == 0) {
		printf("  %s\n", pins_server_known(pins, server) ?
		    "contacted, no tools" : "not contacted yet (its tools are "
		    "pinned at first use)");
		return;
	}
	json_array_foreach(list, i, v)
		if (pins_entry(pins, (size_t)json_integer_value(v), &e) == 0 &&
		    (int)strlen(e.tool) > width)
			width = (int)strlen(e.tool);
	json_array_foreach(list, i, v)
		if (pins_entry(pins, (size_t)json_integer_value(v), &e) == 0)
			print_entry(&e, width);
}

static int
tools(const struct policy *p, const char *name, const struct pins *pins)
{
	struct policy_mcp m;
	const char *server;
	json_t *by, *v;
	size_t i;

	if ((by = by_server(pins)) == NULL) {
		log_warnx("out of memory");
		return 1;
	}
	printf("MCP tool pins: %s\n", name);
	if (policy_nmcp(p) == 0)
		printf("(the policy declares no mcp_servers)\n");
	for (i = 0; policy_mcp_server(p, i, &m) == 0; i++)
		list_server(pins, by, m.name, m.id);
	json_object_foreach(by, server, v)
		if (policy_mcp_find(p, server) < 0)
			list_server(pins, by, server, NULL);
	json_decref(by);
	return 0;
}

/* ---- aksup mcp pin ---- */

/* A server's value as compact JSON, every unsafe code point escaped. */
static void
show_value(const char *sign, const json_t *v)
{
	char *t = NULL, *safe = NULL;

	if (v == NULL) {
		printf("    %s (none)\n", sign);
		return;
	}
	if ((t = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS |
	    JSON_ENCODE_ANY)) != NULL)
		safe = json_escape_unsafe(t);
	printf("    %s %s\n", sign, safe != NULL ? safe : "(out of memory)");
	free(safe);
	free(t);
}

static void
show_member(const struct pin_entry *e, const char *k)
{
	const json_t *old = json_object_get(e->def, k);
	const json_t *new = json_object_get(e->seen_def, k);

	if ((old == NULL && new == NULL) || (old != NULL && new != NULL &&
	    json_equal(old, new))) {
		printf("  %s: unchanged\n", k);
		return;
	}
	printf("  %s:\n", k);
	show_value("-", old);
	show_value("+", new);
}

static void
show_diff(const struct pin_entry *e)
{
	if (state_of(e) == ST_NEW) {
		printf("%s/%s: new (not there when its server was first "
		    "contacted)\n  announced: %s  %s\n", e->server, e->tool,
		    e->seen, e->seen_at);
		show_value("+", e->seen_def);
		return;
	}
	printf("%s/%s: changed since pinned\n  pinned:    %s  %s\n"
	    "  announced: %s  %s\n", e->server, e->tool, e->digest, e->at,
	    e->seen, e->seen_at);
	show_member(e, "description");
	show_member(e, "inputSchema");
	show_member(e, "annotations");
}

/* The "pin" line of what e announced, to the supervisor. */
static int
approve(struct pins *pins, const struct pin_entry *e)
{
	char *l;
	size_t len;
	int rc;

	if ((l = pins_add(pins, "pin", e->server, e->tool, e->seen,
	    e->seen_def, NULL, &len)) == NULL) {
		log_warnx("%s/%s: cannot make its pin line (out of memory)",
		    e->server, e->tool);
		return -1;
	}
	if ((rc = write_all(BROKER_FD_SUP, l, len)) < 0)
		log_warn("%s/%s: passing its pin line on", e->server, e->tool);
	free(l);
	return rc;
}

/* Which tools: sel "SERVER" or "SERVER/TOOL" (the tool after the first
 * '/'), NULL for all. 0, or 2 (said) when it names no server of p. */
static int
selection(const struct policy *p, const char *pname, const char *sel,
    char *server, size_t n, const char **tool)
{
	const char *slash;
	size_t i;

	*tool = NULL;
	server[0] = '\0';
	if (sel == NULL)
		return 0;
	slash = strchr(sel, '/');
	if ((size_t)snprintf(server, n, "%.*s", slash != NULL ? (int)(slash -
	    sel) : (int)strlen(sel), sel) >= n || policy_mcp_find(p,
	    server) < 0) {
		fprintf(stderr, "aksup mcp pin: \"%s\" is no MCP server of %s "
		    "(it declares ", server, pname);
		for (i = 0; i < policy_nmcp(p); i++)
			fprintf(stderr, "%s%s", i > 0 ? ", " : "",
			    policy_mcp_name(p, i));
		fprintf(stderr, "%s)\n", policy_nmcp(p) == 0 ? "none" : "");
		return 2;
	}
	if (slash != NULL && slash[1] == '\0') {
		fprintf(stderr, "aksup mcp pin: %s: no tool after the '/'\n",
		    sel);
		return 2;
	}
	if (slash != NULL)
		*tool = slash + 1;
	return 0;
}

static void
say_nothing(const struct pins *pins, const char *server, const char *tool)
{
	const char *d;

	if (tool != NULL) {
		d = pins_digest(pins, server, tool);
		if (d != NULL)
			printf("%s/%s: nothing awaits approval (pinned "
			    "%.*s)\n", server, tool, SHORT_HEX, d);
		else
			printf("%s/%s: nothing awaits approval: this pin file "
			    "never saw the tool (a typo, or the session kept "
			    "its pins elsewhere: --log-path, --mcp-pins)\n",
			    server, tool);
	} else if (server[0] != '\0')
		printf("%s: nothing awaits approval%s\n", server,
		    pins_server_known(pins, server) ? "" : " (not contacted "
		    "yet)");
	else
		printf("nothing awaits approval\n");
}

static int
pin(const struct policy *p, const char *pname, const char *file,
    struct pins *pins, const char *sel)
{
	char server[PINS_SERVER_MAX + 1];
	const char *tool;
	struct pin_entry e;
	size_t i, n = 0;
	int rc;

	if ((rc = selection(p, pname, sel, server, sizeof(server),
	    &tool)) != 0)
		return rc;
	/* which file: a session run with --log-path or --mcp-pins keeps
	 * its pins elsewhere than the default */
	printf("MCP tool pins: %s\n", file);
	for (i = 0; pins_entry(pins, i, &e) == 0; i++) {
		if (e.seen == NULL || policy_mcp_find(p, e.server) < 0 ||
		    (server[0] != '\0' && strcmp(e.server, server) != 0) ||
		    (tool != NULL && strcmp(e.tool, tool) != 0))
			continue;
		show_diff(&e);
		if (approve(pins, &e) < 0)	/* e is stale after it */
			return 1;
		n++;
	}
	if (n == 0)
		say_nothing(pins, server, tool);
	/* a tool this file never saw: a typo, or another pin file */
	return n == 0 && tool != NULL && pins_digest(pins, server, tool) ==
	    NULL ? 1 : 0;
}

static int
servers(const struct policy *p)
{
	size_t i;

	for (i = 0; i < policy_nmcp(p); i++)
		printf("%s\n", policy_mcp_name(p, i));
	return 0;
}

void
mcp_cli_prepare(void)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dl = 0;

	json_object_seed(0);
	/* one digest as jr_tool_digest makes them: OpenSSL reads its
	 * configuration and fetches SHA-256 now, and keeps them */
	if (EVP_Digest("", 0, d, &dl, EVP_sha256(), NULL) != 1)
		fatalx("cannot compute a SHA-256 digest (OpenSSL)");
}

int
mcp_cli(const struct policy *p, int mode, const char *policy_name,
    int argc, char **argv)
{
	struct pins *pins;
	int rc;

	if (mode == MCP_CLI_SERVERS)
		return argc == 0 ? servers(p) : 2;
	if (argc < 1 || argc > (mode == MCP_CLI_PIN ? 2 : 1))
		return 2;
	if ((pins = read_pins(argv[0])) == NULL)
		return 1;
	if (mode == MCP_CLI_TOOLS)
		rc = tools(p, argv[0], pins);
	else
		rc = pin(p, policy_name, argv[0], pins, argc > 1 ? argv[1] :
		    NULL);
	pins_free(pins);
	return rc;
}
