/*
 * workers/mcp/server.c -- one MCP server's life in the mcp worker:
 * started on first use as a child in the proc sandbox (workers/proc/
 * spawn.c, cmd.c: its own namespaces, a view of the system and its ro
 * and roots only, a cgroup, no capability, Landlock, the agent's seccomp
 * filter), the protocol probed (server/discover: the 2026-07-28
 * stateless era; else initialize: the legacy era), its tools listed and
 * checked against their pins, then calls, one at a time, each read with
 * a deadline. What it writes on stderr is drained into the operator's
 * log (capped); a server that crashes or stops answering is stopped,
 * the call it held is ERROR, and it is started again once.
 *
 * Runs in: aksup-worker-mcp (confined: see workers/mcp/mcp.c).
 * Privilege: as the proc worker, PROC_KEEP_CAPS in its own user
 * namespace only. Input: the server's stdout and stderr (anyone's
 * bytes: the program the policy names; read through the bounded reader
 * and classifier of common/mcp/jsonrpc.c, never trusted beyond it).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "common/wire.h"
#include "workers/mcp/mcp.h"
#include "common/schema.h"

#define MODERN_VERSION	"2026-07-28"
#define LEGACY_OFFER	"2025-11-25"
#define CLIENT_NAME	"aksup"
#define CLIENT_VERSION	"0.1"

static const char *const legacy_ok[] = {
	"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05",
};

static const char *const bin_dirs[] = {
	"/usr/local/bin", "/usr/bin", "/bin",
};

static void answer_error(struct mcp_server *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- the server table ------------------------------------------------ */

struct mcp_server *
srv_get(struct mcp_worker *w, json_t *spec)
{
	const char *name = json_string_value(json_object_get(spec, "name"));
	struct mcp_server *s;
	int i;

	for (i = 0; i < w->nsrv; i++)
		if (strcmp(w->srv[i].name, name) == 0)
			return &w->srv[i];
	if (w->nsrv == MCP_SERVERS_MAX || strlen(name) >= sizeof(s->name))
		return NULL;
	s = &w->srv[w->nsrv++];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->spec = json_incref(spec);
	s->ch.pidfd = s->ch.in = s->ch.out = s->ch.err = s->ch.status = -1;
	jr_reader_init(&s->rd, 0);
	return s;
}

void
srv_enqueue(struct mcp_worker *w, struct mcp_server *s, struct mcp_job *j)
{
	(void)w;
	j->next = NULL;
	if (s->tail != NULL)
		s->tail->next = j;
	else
		s->head = j;
	s->tail = j;
}

/* ---- answers ---------------------------------------------------------- */

static void
answer_cur(struct mcp_server *s, uint32_t kind, const char *text,
    size_t len)
{
	if (s->cur == NULL)
		return;
	mcp_answer(s->cur, kind, text, len);
	mcp_job_free(s->cur);
	s->cur = NULL;
}

static void
answer_error(struct mcp_server *s, const char *fmt, ...)
{
	char msg[1536];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	answer_cur(s, REPLY_ERROR, msg, strlen(msg));
}

/* ---- talking to it ----------------------------------------------------- */

static void
fd_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Queue bytes for its stdin (written as it reads). 0, or -1 when it has
 * not read what it was sent (bounded). */
static int
send_text(struct mcp_server *s, char *text, size_t len)
{
	char *nb;

	if (text == NULL)
		return -1;
	if (s->ch.in < 0 || s->wlen - s->woff + len > MCP_STDIN_MAX) {
		free(text);
		return -1;
	}
	if (s->woff > 0) {
		memmove(s->wbuf, s->wbuf + s->woff, s->wlen - s->woff);
		s->wlen -= s->woff;
		s->woff = 0;
	}
	if ((nb = realloc(s->wbuf, s->wlen + len)) == NULL)
		fatal("realloc");
	s->wbuf = nb;
	memcpy(s->wbuf + s->wlen, text, len);
	s->wlen += len;
	free(text);
	srv_stdin(NULL, s);
	return 0;
}

void
srv_stdin(struct mcp_worker *w, struct mcp_server *s)
{
	ssize_t n;

	(void)w;
	while (s->ch.in >= 0 && s->woff < s->wlen) {
		n = write(s->ch.in, s->wbuf + s->woff, s->wlen - s->woff);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			/* it closed its stdin: what it was sent is lost;
			 * its exit (or the deadline) ends the call */
			s->woff = s->wlen = 0;
			fd_close(&s->ch.in);
			return;
		}
		s->woff += (size_t)n;
	}
}

/* A request: its id awaited until the deadline. params is stolen. */
static int
request(struct mcp_server *s, const char *method, json_t *params,
    unsigned ms)
{
	size_t len;
	char *t;

	if (params == NULL)
		params = json_object();
	if (s->modern && jr_params_meta(params, MODERN_VERSION, CLIENT_NAME,
	    CLIENT_VERSION) < 0) {
		json_decref(params);
		return -1;
	}
	s->wait_id = ++s->next_id;
	t = jr_request(s->wait_id, method, params, &len);
	json_decref(params);
	s->deadline = now_ns() + (uint64_t)ms * 1000000ull;
	/* its start (handshake, every tools/list page) has one deadline
	 * in all: a server that answers each page slowly is no longer */
	if (s->st != SRV_CALL && s->start_deadline != 0 &&
	    s->deadline > s->start_deadline)
		s->deadline = s->start_deadline;
	return send_text(s, t, len);
}

static unsigned
timeout_ms(const struct mcp_server *s)
{
	json_int_t t = json_integer_value(json_object_get(s->spec,
	    "timeout_ms"));

	if (s->cur != NULL)
		return s->cur->timeout_ms;
	return t > 0 && t <= 3600000 ? (unsigned)t : 30000u;
}

/* ---- starting it ------------------------------------------------------ */

static char **
strv(const json_t *a)
{
	char **v;
	size_t i;

	if ((v = calloc(json_array_size(a) + 1, sizeof(*v))) == NULL)
		fatal("calloc");
	for (i = 0; i < json_array_size(a); i++)
		v[i] = (char *)json_string_value(json_array_get(a, i));
	return v;
}

/* Its program: a path as the policy names it, or a bare name in the
 * fixed PATH (as the proc worker resolves one). */
static int
program(const char *a0, char *out, size_t n)
{
	struct stat st;
	size_t i;

	if (a0[0] == '/') {
		snprintf(out, n, "%s", a0);
		return 0;
	}
	for (i = 0; i < sizeof(bin_dirs) / sizeof(bin_dirs[0]); i++) {
		snprintf(out, n, "%s/%s", bin_dirs[i], a0);
		if (stat(out, &st) == 0 && S_ISREG(st.st_mode) &&
		    (st.st_mode & 0111))
			return 0;
	}
	return -1;
}

/* Its environment: exactly the names its env: gives, each template
 * expanded with the values the supervisor gave us alone. */
static char **
environment(struct mcp_worker *w, struct mcp_server *s, char *why,
    size_t whylen)
{
	json_t *env = json_object_get(s->spec, "env");
	struct credused used;
	const char *k;
	json_t *v;
	char **e, *val, err[256];
	size_t n = 0;

	if ((e = calloc(json_object_size(env) + 1, sizeof(*e))) == NULL)
		fatal("calloc");
	json_object_foreach(env, k, v) {
		val = creds_expand(&w->env, json_string_value(v), &used, err,
		    sizeof(err));
		if (val == NULL) {
			snprintf(why, whylen, "env %s: %s", k, err);
			goto fail;
		}
		if (asprintf(&e[n], "%s=%s", k, val) < 0)
			fatal("asprintf");
		free(val);
		n++;
	}
	return e;
fail:
	while (n > 0)
		free(e[--n]);
	free(e);
	return NULL;
}

static void
strv_free(char **v, int owned)
{
	size_t i;

	for (i = 0; owned && v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* 1 when the spec's list names path. */
static int
listed(const json_t *a, const char *path)
{
	size_t i;

	for (i = 0; i < json_array_size(a); i++)
		if (strcmp(json_string_value(json_array_get(a, i)), path) == 0)
			return 1;
	return 0;
}

/* The worker's configuration with only this server's paths: its roots
 * read-write, its ro read-only, nothing of another server's. */
static void
own_cfg(const struct mcp_worker *w, const struct mcp_server *s,
    struct proc_cfg *c)
{
	const json_t *ro = json_object_get(s->spec, "ro");
	const json_t *rw = json_object_get(s->spec, "roots");
	int i;

	*c = w->cfg;
	c->nroots = 0;
	for (i = 0; i < w->cfg.nroots; i++) {
		const struct proc_root *r = &w->cfg.roots[i];

		if (!listed(ro, r->path) && !listed(rw, r->path))
			continue;
		c->roots[c->nroots] = *r;
		c->roots[c->nroots++].rw = listed(rw, r->path);
	}
}

/* server/discover, waited for a short while: a legacy server answers
 * -32601 at once; one that ignores it is sent initialize after
 * MCP_PROBE_MS (and a late discover result still switches to the
 * stateless era, on_line). */
static void
probe(struct mcp_server *s)
{
	unsigned ms = timeout_ms(s);

	s->st = SRV_DISCOVER;
	s->start_deadline = now_ns() + ((uint64_t)ms + MCP_PROBE_MS) *
	    1000000ull;
	s->modern = 1;		/* the probe carries its _meta */
	if (request(s, "server/discover", NULL, ms < MCP_PROBE_MS ? ms :
	    MCP_PROBE_MS) < 0)
		s->deadline = now_ns();
	s->modern = 0;
	s->probe_id = s->wait_id;
}

static int
start(struct mcp_worker *w, struct mcp_server *s)
{
	struct proc_cfg c;
	struct cmd_spec sp;
	char path[4096], why[512];
	const char *fault = NULL;
	char **argv, **envp;
	int i;

	if (!w->cfg.ns) {
		answer_error(s, "the namespaces layer is waived: a server "
		    "cannot be confined, so none runs");
		return -1;
	}
	argv = strv(json_object_get(s->spec, "argv"));
	if (argv[0] == NULL || program(argv[0], path, sizeof(path)) < 0) {
		answer_error(s, "server %s: its program %s is not in "
		    "/usr/local/bin, /usr/bin or /bin", s->name, argv[0] ?
		    argv[0] : "?");
		strv_free(argv, 0);
		return -1;
	}
	if ((envp = environment(w, s, why, sizeof(why))) == NULL) {
		answer_error(s, "server %s: %s", s->name, why);
		strv_free(argv, 0);
		return -1;
	}
	own_cfg(w, s, &c);
	memset(&sp, 0, sizeof(sp));
	sp.cfg = &c;
	sp.path = path;
	sp.cwd = "";
	sp.argv = argv;
	sp.envp = envp;
	sp.network = json_is_true(json_object_get(s->spec, "network"));
	/* CPU seconds for the session (the wall-clock bounds are ours) */
	sp.timeout_ms = 3600u * 1000u;
	i = proc_spawn(&sp, &s->ch, &fault);
	strv_free(argv, 0);
	strv_free(envp, 1);
	if (i < 0) {
		answer_error(s, "server %s: %s", s->name, fault);
		return -1;
	}
	(void)fcntl(s->ch.in, F_SETFL, O_NONBLOCK);
	(void)fcntl(s->ch.out, F_SETFL, O_NONBLOCK);
	(void)fcntl(s->ch.err, F_SETFL, O_NONBLOCK);
	(void)fcntl(s->ch.status, F_SETFL, O_NONBLOCK);
	s->running = 1;
	s->exited = 0;
	s->next_id = 0;
	s->wlen = s->woff = 0;
	s->errlen = 0;
	json_decref(s->tools);
	s->tools = NULL;
	jr_reader_free(&s->rd);
	jr_reader_init(&s->rd, 0);
	log_info("mcp server %s started (pid %ld)", s->name, (long)s->ch.pid);
	probe(s);
	return 0;
}

/* Stop it now (SIGKILL: pid 1 of its namespace, all it started goes). */
static void
kill_now(struct mcp_server *s)
{
	if (s->running)
		proc_signal(&s->ch, SIGKILL);
	fd_close(&s->ch.in);
}

/* It failed the session's trust (no answer, a broken protocol): the
 * call is ERROR, it is stopped, and started again once. */
static void
fail_server(struct mcp_server *s, const char *why)
{
	answer_error(s, "server %s: %s", s->name, why);
	kill_now(s);
	s->restarts++;
	s->st = SRV_STOPPING;	/* until its exit is seen */
	s->stop_step = 2;
	s->deadline = 0;
}

/* ---- the handshake and the tool list ---------------------------------- */

static void
initialize(struct mcp_server *s)
{
	json_t *p = json_pack("{s:s, s:{s:{s:b}}, s:{s:s, s:s}}",
	    "protocolVersion", LEGACY_OFFER, "capabilities", "roots",
	    "listChanged", 0, "clientInfo", "name", CLIENT_NAME, "version",
	    CLIENT_VERSION);

	s->modern = 0;
	s->st = SRV_INIT;
	if (request(s, "initialize", p, timeout_ms(s)) < 0)
		fail_server(s, "it does not read its stdin");
}

static void
list_page(struct mcp_server *s)
{
	json_t *p = json_object();

	if (s->cursor != NULL)
		json_object_set_new(p, "cursor", json_string(s->cursor));
	s->st = SRV_LIST;
	if (request(s, "tools/list", p, timeout_ms(s)) < 0)
		fail_server(s, "it does not read its stdin");
}

static void
list_start(struct mcp_server *s)
{
	json_decref(s->tools);
	s->tools = json_array();
	free(s->cursor);
	s->cursor = NULL;
	s->pages = 0;
	list_page(s);
}

static void
on_discover(struct mcp_server *s, const struct jr_msg *m)
{
	json_t *versions;

	if (m->result != NULL && jr_discover_result(m->result, &versions,
	    NULL, 0) == 0 && jr_version_listed(versions, MODERN_VERSION)) {
		s->modern = 1;
		snprintf(s->version, sizeof(s->version), MODERN_VERSION);
		list_start(s);
		return;
	}
	initialize(s);		/* an error (-32601 from a legacy one) */
}

static void
on_initialize(struct mcp_server *s, const struct jr_msg *m)
{
	const char *v = NULL;
	char why[128];
	size_t i;
	size_t len;
	char *t;

	if (m->error != NULL) {
		answer_error(s, "server %s refused initialize (%lld): %.200s",
		    s->name, (long long)m->err_code, m->err_message);
		fail_server(s, "initialize refused");
		return;
	}
	if (jr_initialize_result(m->result, &v, why, sizeof(why)) < 0) {
		fail_server(s, why);
		return;
	}
	for (i = 0; i < sizeof(legacy_ok) / sizeof(legacy_ok[0]); i++)
		if (strcmp(v, legacy_ok[i]) == 0)
			break;
	if (i == sizeof(legacy_ok) / sizeof(legacy_ok[0])) {
		fail_server(s, "it speaks a protocol version aksup does not "
		    "(not 2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05)");
		return;
	}
	snprintf(s->version, sizeof(s->version), "%s", v);
	t = jr_notification("notifications/initialized", NULL, &len);
	if (send_text(s, t, len) < 0) {
		fail_server(s, "it does not read its stdin");
		return;
	}
	list_start(s);
}

/* Whether a line for this tool may go into the pin file: its definition
 * at most MCP_PIN_DEF_MAX bytes, and the server's lines this session at
 * most MCP_PINS_APPEND_MAX (a server cannot fill the operator's file). */
static int
pin_room(struct mcp_server *s, const json_t *tool)
{
	size_t n = json_dumpb(tool, NULL, 0, JSON_COMPACT);

	if (n == 0 || n > MCP_PIN_DEF_MAX ||
	    s->pins_written + n + 512 > MCP_PINS_APPEND_MAX)
		return 0;
	s->pins_written += n + 512;
	return 1;
}

/* A tool's record of its pin: {"digest", "pinned" (or null), "state"}. */
static json_t *
pin_info(struct mcp_worker *w, struct mcp_server *s, const json_t *tool,
    int first)
{
	const char *name = json_string_value(json_object_get(tool, "name"));
	const char *server = s->name;
	char d[JR_DIGEST_HEX], *line = NULL;
	const char *pinned, *state;
	enum pin_state ps;
	size_t len;

	if (jr_tool_digest(tool, d) < 0)
		return NULL;
	ps = pins_check(w->pins, server, name, d);
	if (first || ps == PIN_UNKNOWN) {
		/* a tool that cannot be pinned is never called: its state
		 * stays "new" (the operator's to approve) */
		if (pin_room(s, tool))
			line = pins_add(w->pins, "pin", server, name, d, tool,
			    NULL, &len);
		if (line == NULL)
			log_warnx("mcp server %s: tool %s cannot be pinned (its "
			    "definition is larger than %u bytes, or the "
			    "server's pins this session than %u): its calls "
			    "are denied", server, name, MCP_PIN_DEF_MAX,
			    MCP_PINS_APPEND_MAX);
		else if (write(w->pins_fd, line, len) != (ssize_t)len)
			log_warn("the pin file: cannot pin %s/%s", server, name);
		ps = line != NULL ? PIN_OK : PIN_NEW;
		free(line);
	} else if ((ps == PIN_CHANGED || ps == PIN_NEW) &&
	    !pins_seen(w->pins, server, name, d)) {
		/* noted for the operator when there is room; denied
		 * either way */
		if (pin_room(s, tool))
			line = pins_add(w->pins, "seen", server, name, d, tool,
			    NULL, &len);
		if (line != NULL && write(w->pins_fd, line, len) !=
		    (ssize_t)len)
			log_warn("the pin file: cannot note %s/%s", server, name);
		free(line);
		log_warnx("mcp server %s: tool %s %s since pinned: its calls are "
		    "denied until the operator approves it (aksup mcp pin "
		    "--policy FILE --mcp-pins %s %s/%s)", server, name,
		    ps == PIN_CHANGED ? "changed" : "is new", w->pins_path,
		    server, name);
	}
	pinned = pins_digest(w->pins, server, name);
	state = ps == PIN_OK ? "pinned" : ps == PIN_CHANGED ? "changed" :
	    "new";
	return json_pack("{s:s, s:s*, s:s}", "digest", d, "pinned", pinned,
	    "state", state);
}

/* The list is complete: each tool's pin state; at first contact (no
 * line names the server) every tool is pinned as it is now. */
static int
pins_apply(struct mcp_worker *w, struct mcp_server *s)
{
	int first = !pins_server_known(w->pins, s->name);
	json_t *t, *info;
	size_t i, len;
	char *line;

	if (first) {
		line = pins_add(w->pins, "server", s->name, NULL, NULL, NULL,
		    NULL, &len);
		if (line != NULL && write(w->pins_fd, line, len) !=
		    (ssize_t)len)
			log_warn("the pin file: cannot note server %s", s->name);
		free(line);
	}
	json_array_foreach(s->tools, i, t) {
		if ((info = pin_info(w, s, t, first)) == NULL)
			return -1;
		/* kept beside the tool, never inside what it announced */
		json_object_set_new(t, "aksup:pin", info);
	}
	return 0;
}

static void
on_list(struct mcp_worker *w, struct mcp_server *s, const struct jr_msg *m)
{
	const char *next = NULL;
	json_t *tools, *t, *u;
	char why[160];
	size_t i, k;

	if (m->error != NULL || jr_tools_page(m->result, &tools, &next, why,
	    sizeof(why)) < 0) {
		fail_server(s, m->error != NULL ? "tools/list refused" : why);
		return;
	}
	json_array_foreach(tools, i, t) {
		const char *n = json_string_value(json_object_get(t, "name"));

		json_array_foreach(s->tools, k, u)
			if (strcmp(n, json_string_value(json_object_get(u,
			    "name"))) == 0) {
				fail_server(s, "tools/list names a tool twice");
				return;
			}
		if (json_array_size(s->tools) == MCP_TOOLS_MAX) {
			fail_server(s, "it announces more than 1024 tools");
			return;
		}
		/* a copy: the page is freed with its message */
		json_array_append_new(s->tools, json_deep_copy(t));
	}
	free(s->cursor);
	s->cursor = next != NULL ? strdup(next) : NULL;
	if (s->cursor != NULL && ++s->pages < MCP_PAGES_MAX) {
		list_page(s);
		return;
	}
	if (s->cursor != NULL) {
		fail_server(s, "tools/list goes on past 64 pages");
		return;
	}
	if (pins_apply(w, s) < 0) {
		fail_server(s, "a tool it announces cannot be digested");
		return;
	}
	s->st = SRV_READY;
	s->deadline = s->start_deadline = 0;
}

/* ---- serving a job ------------------------------------------------------ */

static json_t *
find_tool(const struct mcp_server *s, const char *name)
{
	json_t *t;
	size_t i;

	json_array_foreach(s->tools, i, t)
		if (strcmp(json_string_value(json_object_get(t, "name")),
		    name) == 0)
			return t;
	return NULL;
}

static void
answer_json(struct mcp_server *s, json_t *o)
{
	char *t = json_dumps(o, JSON_COMPACT);

	json_decref(o);
	if (t == NULL)
		fatalx("out of memory");
	if (strlen(t) > s->cur->data_max)
		answer_error(s, "the result (%zu bytes) is larger than an "
		    "answer can carry", strlen(t));
	else
		answer_cur(s, REPLY_JSON, t, strlen(t));
	free(t);
}

static void
serve_list(struct mcp_server *s)
{
	json_t *a = json_array(), *t, *o, *pin;
	/* what the digest covers, and nothing else (a title is not
	 * pinned: text the model would read unchecked) */
	const char *keys[] = { "name", "description", "inputSchema",
	    "annotations" };
	const char *state;
	size_t i, k;

	json_array_foreach(s->tools, i, t) {
		pin = json_object_get(t, "aksup:pin");
		state = json_string_value(json_object_get(pin, "state"));
		o = json_object();
		/* a changed or new tool: its name and digests only; the text
		 * it announces now is not shown before it is approved (a
		 * description is what a prompt injection is written in) */
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (json_object_get(t, keys[k]) != NULL && (k == 0 ||
			    strcmp(state, "pinned") == 0))
				json_object_set(o, keys[k], json_object_get(t,
				    keys[k]));
		json_object_set(o, "pin", json_object_get(pin, "state"));
		json_object_set(o, "digest", json_object_get(pin, "digest"));
		if (strcmp(state, "pinned") != 0)
			json_object_set(o, "pinned", json_object_get(pin,
			    "pinned"));
		json_array_append_new(a, o);
	}
	answer_json(s, json_pack("{s:s, s:s, s:o}", "server", s->name,
	    "protocol", s->version, "tools", a));
}

static void
serve_call(struct mcp_worker *w, struct mcp_server *s)
{
	struct mcp_job *j = s->cur;
	json_t *t = find_tool(s, j->tool), *pin;
	const char *state, *pinned, *d;
	char why[SCHEMA_WHY_MAX], msg[1536];
	int rc;

	if (t == NULL) {
		answer_error(s, "server %s has no tool %.128s (mcp.list shows "
		    "its tools)", s->name, j->tool);
		return;
	}
	pin = json_object_get(t, "aksup:pin");
	state = json_string_value(json_object_get(pin, "state"));
	d = json_string_value(json_object_get(pin, "digest"));
	pinned = json_string_value(json_object_get(pin, "pinned"));
	if (strcmp(state, "pinned") != 0) {
		if (pinned != NULL)
			snprintf(msg, sizeof(msg), "tool changed since pinned: "
			    "%s/%s pinned %s, announced %s; the operator "
			    "approves it with: aksup mcp pin --policy FILE "
			    "--mcp-pins %s %s/%s", s->name, j->tool, pinned, d,
			    w->pins_path, s->name, j->tool);
		else
			snprintf(msg, sizeof(msg), "tool new since the server "
			    "was pinned: %s/%s announced %s, never pinned; the "
			    "operator approves it with: aksup mcp pin --policy "
			    "FILE --mcp-pins %s %s/%s", s->name, j->tool, d,
			    w->pins_path, s->name, j->tool);
		answer_cur(s, REPLY_DENIED, msg, strlen(msg));
		return;
	}
	rc = schema_check(json_object_get(t, "inputSchema"), j->args,
	    "arguments", why, sizeof(why));
	if (rc != 0) {
		answer_error(s, rc == -1 ? "the arguments do not match the "
		    "tool's inputSchema: %s" : "the tool's inputSchema cannot "
		    "be checked, so it is not called: %s", why);
		return;
	}
	s->st = SRV_CALL;
	if (request(s, "tools/call", json_pack("{s:s, s:O}", "name", j->tool,
	    "arguments", j->args), j->timeout_ms) < 0)
		fail_server(s, "it does not read its stdin");
}

static void
on_call(struct mcp_server *s, const struct jr_msg *m)
{
	json_t *o, *sc;
	char why[160], *text = NULL;
	int is_error = 0;
	enum jr_call c;

	s->st = SRV_READY;
	s->deadline = 0;
	if (m->error != NULL) {
		answer_error(s, "server %s answered error %lld: %.512s", s->name,
		    (long long)m->err_code, m->err_message);
		return;
	}
	c = jr_call_result(m->result, &is_error, &text, why, sizeof(why));
	if (c == JR_CALL_BAD)
		answer_error(s, "server %s: not a tools/call result: %s",
		    s->name, why);
	else if (c == JR_CALL_INPUT_REQUIRED)
		answer_error(s, "the tool asked for more input "
		    "(input_required): aksup answers no server request for "
		    "input, so the call ends here");
	else if (is_error)
		answer_error(s, "the tool reported an error: %s", text ? text :
		    "");
	else {
		o = json_pack("{s:O}", "content", json_object_get(m->result,
		    "content"));
		if ((sc = json_object_get(m->result, "structuredContent")))
			json_object_set(o, "structuredContent", sc);
		answer_json(s, o);
	}
	free(text);
}

/* ---- what it writes ------------------------------------------------------ */

/* "file://" and the path, each byte but the unreserved ones and '/'
 * percent-encoded (RFC 3986): "#", "?", " " stay in the path. */
static char *
file_uri(const char *path)
{
	static const char hexd[] = "0123456789ABCDEF";
	size_t n = strlen(path), o;
	char *u;

	if ((u = malloc(7 + 3 * n + 1)) == NULL)
		fatal("malloc");
	memcpy(u, "file://", 7);
	for (o = 7; *path != '\0'; path++) {
		unsigned char c = (unsigned char)*path;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~' || c == '/')
			u[o++] = (char)c;
		else {
			u[o++] = '%';
			u[o++] = hexd[c >> 4];
			u[o++] = hexd[c & 15];
		}
	}
	u[o] = '\0';
	return u;
}

static json_t *
roots_json(const struct mcp_server *s)
{
	const json_t *r = json_object_get(s->spec, "roots");
	json_t *a = json_array(), *p;
	const char *base;
	char *uri;
	size_t i;

	json_array_foreach(r, i, p) {
		base = strrchr(json_string_value(p), '/');
		uri = file_uri(json_string_value(p));
		json_array_append_new(a, json_pack("{s:s, s:s}", "uri", uri,
		    "name", base && base[1] ? base + 1 : "/"));
		free(uri);
	}
	return a;
}

static void
on_line(struct mcp_worker *w, struct mcp_server *s, const char *line,
    size_t len)
{
	struct jr_msg m;
	json_t *roots, *late;
	size_t n;
	char *t;

	switch (jr_classify(line, len, &m)) {
	case JR_REQUEST:
		/* ping, roots/list; sampling, elicitation refused */
		roots = roots_json(s);
		t = jr_answer(&m, roots, &n);
		json_decref(roots);
		(void)send_text(s, t, n);
		break;
	case JR_RESPONSE:
		if (s->st == SRV_INIT && jr_id_is(m.id, s->probe_id) &&
		    m.result != NULL && jr_discover_result(m.result,
		    &late, NULL, 0) == 0 && jr_version_listed(late,
		    MODERN_VERSION)) {
			/* a discover answered late, after initialize went:
			 * the stateless era after all */
			s->wait_id = s->probe_id;
			on_discover(s, &m);
			break;
		}
		if (!jr_id_is(m.id, s->wait_id))
			break;		/* not awaited: dropped */
		s->wait_id = 0;
		if (s->st == SRV_DISCOVER)
			on_discover(s, &m);
		else if (s->st == SRV_INIT)
			on_initialize(s, &m);
		else if (s->st == SRV_LIST)
			on_list(w, s, &m);
		else if (s->st == SRV_CALL)
			on_call(s, &m);
		break;
	default:
		/* notifications, log lines, what is not a message */
		break;
	}
	jr_msg_free(&m);
}

void
srv_stdout(struct mcp_worker *w, struct mcp_server *s)
{
	char buf[65536];
	const char *p, *line;
	size_t used, len;
	ssize_t n;
	int rc;

	n = read(s->ch.out, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		fd_close(&s->ch.out);
		return;
	}
	for (p = buf; n > 0; p += used, n -= (ssize_t)used) {
		if ((rc = jr_reader_feed(&s->rd, p, (size_t)n, &used, &line,
		    &len)) < 0)
			fatal("out of memory");
		if (rc == 1)
			on_line(w, s, line, len);
	}
	srv_advance(w, s);
}

/* Its stderr, drained always; lines to the operator's log up to
 * MCP_STDERR_LOG_MAX bytes a server. */
void
srv_stderr(struct mcp_server *s)
{
	char buf[16384];
	ssize_t n, i;

	n = read(s->ch.err, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		fd_close(&s->ch.err);
		return;
	}
	for (i = 0; i < n && s->stderr_logged < MCP_STDERR_LOG_MAX; i++) {
		char c = buf[i];

		if (c != '\n' && s->errlen < sizeof(s->errline) - 1) {
			s->errline[s->errlen++] = (c >= 0x20 && c != 0x7f) ||
			    c == '\t' || (c & 0x80) ? c : '?';
			continue;
		}
		if (c != '\n')
			continue;	/* the rest of a long line: dropped */
		s->errline[s->errlen] = '\0';
		log_warnx("mcp server %s: %s", s->name, s->errline);
		s->stderr_logged += s->errlen + 1;
		s->errlen = 0;
		if (s->stderr_logged >= MCP_STDERR_LOG_MAX)
			log_warnx("mcp server %s: its further stderr is not "
			    "logged (64 KiB logged)", s->name);
	}
}

/* ---- its end -------------------------------------------------------------- */

void
srv_exited(struct mcp_worker *w, struct mcp_server *s)
{
	char why[512] = "";
	const char *again;
	siginfo_t si;
	ssize_t n;

	memset(&si, 0, sizeof(si));
	if (waitid((idtype_t)P_PIDFD, (id_t)s->ch.pidfd, &si, WEXITED |
	    WNOHANG) < 0 || si.si_pid == 0)
		return;
	n = read(s->ch.status, why, sizeof(why) - 1);
	why[n > 0 ? n : 0] = '\0';
	s->running = 0;
	s->exited = 1;
	fd_close(&s->ch.in);
	fd_close(&s->ch.out);
	fd_close(&s->ch.err);
	fd_close(&s->ch.status);
	fd_close(&s->ch.pidfd);
	proc_cgroup_remove(&w->cfg, &s->ch);
	s->wlen = s->woff = 0;
	s->deadline = 0;
	if (s->st == SRV_STOPPING) {
		s->st = w->eof ? SRV_DOWN : s->restarts > 1 ? SRV_DEAD :
		    SRV_DOWN;
		srv_advance(w, s);
		return;
	}
	s->start_failed = why[0] != '\0';
	again = s->start_failed ? "it is not started again this session" :
	    s->restarts ? "it failed twice this session: not started again" :
	    "it is started again at its next call";
	if (s->start_failed)
		answer_error(s, "server %s could not start: %s; %s", s->name,
		    why, again);
	else if (si.si_code == CLD_EXITED)
		answer_error(s, "server %s exited (status %d) %s; %s", s->name,
		    si.si_status, s->st == SRV_CALL ? "during the call" :
		    "during its start (handshake)", again);
	else
		answer_error(s, "server %s was killed by signal %d %s; %s",
		    s->name, si.si_status, s->st == SRV_CALL ? "during the call" :
		    "during its start (handshake)", again);
	log_warnx("mcp server %s ended (%s %d): %s", s->name, si.si_code ==
	    CLD_EXITED ? "status" : "signal", si.si_status, again);
	s->restarts++;
	s->st = s->start_failed || s->restarts > 1 ? SRV_DEAD : SRV_DOWN;
	srv_advance(w, s);
}

void
srv_tick(struct mcp_worker *w, struct mcp_server *s, uint64_t now)
{
	if (s->st == SRV_STOPPING && s->running && s->stop_at != 0 &&
	    now >= s->stop_at) {
		/* the session's end: its stdin closed, then SIGTERM (an
		 * init ignores one it has no handler for), then SIGKILL */
		proc_signal(&s->ch, s->stop_step == 0 ? SIGTERM : SIGKILL);
		s->stop_step++;
		s->stop_at = s->stop_step >= 2 ? 0 : now + MCP_STOP_MS *
		    1000000ull;
		return;
	}
	if (s->deadline == 0 || now < s->deadline)
		return;
	s->deadline = 0;
	if (s->st == SRV_DISCOVER) {
		initialize(s);	/* no answer to the probe: legacy */
		return;
	}
	if (s->st == SRV_INIT || s->st == SRV_LIST || s->st == SRV_CALL) {
		char why[160];

		snprintf(why, sizeof(why), "no answer %s within %u ms: "
		    "stopped (%s)", s->st == SRV_CALL ? "to the call" :
		    "to its start (handshake)", timeout_ms(s), s->restarts ?
		    "it failed twice this session: not started again" :
		    "started again at its next call");
		fail_server(s, why);
	}
	(void)w;
}

uint64_t
srv_next_deadline(const struct mcp_server *s)
{
	if (s->st == SRV_STOPPING && s->stop_at != 0)
		return s->stop_at;
	return s->deadline;
}

void
srv_stop(struct mcp_worker *w, struct mcp_server *s)
{
	(void)w;
	if (!s->running)
		return;
	fd_close(&s->ch.in);
	if (s->st != SRV_STOPPING) {
		s->st = SRV_STOPPING;
		s->stop_step = 0;
		s->stop_at = now_ns() + MCP_STOP_MS * 1000000ull;
	}
}

int
srv_gone(const struct mcp_server *s)
{
	return !s->running;
}

/* ---- driving it -------------------------------------------------------- */

void
srv_advance(struct mcp_worker *w, struct mcp_server *s)
{
	for (;;) {
		if (w->eof) {
			/* the session ends: what it held and what waited is
			 * answered (the broker records each), then it stops */
			answer_error(s, "session ended: the server was stopped");
			while ((s->cur = s->head) != NULL) {
				s->head = s->cur->next;
				answer_error(s, "session ended before the server "
				    "was called");
			}
			s->tail = NULL;
			srv_stop(w, s);
			return;
		}
		if (s->st == SRV_STOPPING || (s->cur != NULL &&
		    s->st != SRV_READY && s->st != SRV_DOWN &&
		    s->st != SRV_DEAD))
			return;		/* busy: its answer comes */
		if (s->cur == NULL) {
			if ((s->cur = s->head) == NULL)
				return;
			if ((s->head = s->cur->next) == NULL)
				s->tail = NULL;
		}
		if (s->st == SRV_DEAD) {
			answer_error(s, "server %s %s; it is not started again",
			    s->name, s->start_failed ? "could not start this "
			    "session" : "failed twice this session");
			continue;
		}
		if (s->st == SRV_DOWN) {
			if (start(w, s) < 0)
				continue;	/* answered */
			return;
		}
		/* ready */
		if (s->cur->op == MCP_OP_LIST)
			serve_list(s);
		else
			serve_call(w, s);
		if (s->st != SRV_READY)
			return;
	}
}
