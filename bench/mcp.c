/*
 * bench/mcp.c -- aksup-bench's mcp benchmark: MCP_N x tools/call `echo`
 * {message: "hi"} on @modelcontextprotocol/server-everything (the npm
 * peer of tests/mcp, installed by tests/mcp/install.sh DIR), two ways in
 * the same round: through a session (mcp.call everything/echo, the mcp
 * worker running the server in its sandbox), and directly, by a bare
 * client here speaking the server's stdio (newline-delimited JSON-RPC
 * 2.0, the 2025 era: initialize, notifications/initialized, tools/call).
 * In both the first call is a warm-up, not counted: through a session it
 * starts the server.
 *
 * Runs in: aksup-bench. mcp_inner in the agent seat of a session
 * (confined; it speaks only the agent channel); mcp_setup and mcp_direct
 * outside any session, with the operator's privilege: mcp_direct runs
 * node and the server with the operator's environment, unconfined, as
 * any MCP client does. Its input is the server's stdout, a program the
 * operator installed: lines are bounded (MCP_LINE_MAX) and every read
 * has a deadline. Nothing here asserts: figures are printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench.h"

#define MCP_LINE_MAX	(4 << 20)	/* a line from the server, bytes */
#define MCP_INIT_S	30		/* spawn to the initialize answer */
#define MCP_CALL_S	10		/* one tools/call's answer */
#define MCP_PKG		"node_modules/@modelcontextprotocol/server-everything"

static char mcp_node[PATH_MAX];		/* node, found on $PATH */
static char mcp_entry[PATH_MAX];	/* the server's dist/index.js */

/* ---- setup: the server's entry, node, the session's policy ------------ */

/* Its package.json's "bin": a string, or a mapping whose
 * mcp-server-everything (else first) entry is the program. */
static int
find_entry(const char *pkg, char *why, size_t len)
{
	char path[PATH_MAX + 256];
	json_t *j, *bin, *v = NULL;
	const char *rel, *key;
	json_error_t e;
	int n;

	if (snprintf(path, sizeof(path), "%s/package.json", pkg) >=
	    (int)sizeof(path)) {
		snprintf(why, len, "%s: the path is too long", pkg);
		return -1;
	}
	if ((j = json_load_file(path, 0, &e)) == NULL) {
		snprintf(why, len, "%s: %s", path, e.text);
		return -1;
	}
	bin = json_object_get(j, "bin");
	if (json_is_string(bin))
		v = bin;
	else if (json_is_object(bin) && (v = json_object_get(bin,
	    "mcp-server-everything")) == NULL)
		json_object_foreach(bin, key, v)
			break;
	if (!json_is_string(v)) {
		snprintf(why, len, "%s: no \"bin\" naming the server", path);
		json_decref(j);
		return -1;
	}
	rel = json_string_value(v);
	while (rel[0] == '.' && rel[1] == '/')
		rel += 2;
	n = snprintf(path, sizeof(path), "%s/%s", pkg, rel);
	if (n >= (int)sizeof(path) || strstr(rel, "..") != NULL ||
	    rel[0] == '/' || realpath(path, mcp_entry) == NULL) {
		snprintf(why, len, "%s: its \"bin\" %.200s is not there", pkg,
		    rel);
		json_decref(j);
		return -1;
	}
	json_decref(j);
	return 0;
}

static int
find_node(char *out, size_t len)
{
	const char *path = getenv("PATH"), *p, *e;
	char cand[PATH_MAX];

	if (path == NULL || *path == '\0')
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; *p != '\0'; p = *e ? e + 1 : e) {
		e = strchrnul(p, ':');
		if (e > p && snprintf(cand, sizeof(cand), "%.*s/node",
		    (int)(e - p), p) < (int)sizeof(cand) &&
		    access(cand, X_OK) == 0 && realpath(cand, out) != NULL &&
		    strlen(out) < len)
			return 0;
	}
	return -1;
}

/* A YAML double-quoted scalar (paths: no control characters expected;
 * " and \ escaped). */
static void
yq(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

int
mcp_setup(const char *dir, const char *pol, char *why, size_t len)
{
	char real[PATH_MAX], pkg[PATH_MAX + 64], mods[PATH_MAX + 16];
	struct stat st;
	FILE *f;

	if (realpath(dir, real) == NULL) {
		snprintf(why, len, "@modelcontextprotocol/server-everything is "
		    "not installed in %s/node_modules (%s: %s)", dir, dir,
		    strerror(errno));
		return -1;
	}
	snprintf(pkg, sizeof(pkg), "%s/" MCP_PKG, real);
	snprintf(mods, sizeof(mods), "%s/node_modules", real);
	if (stat(pkg, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(why, len, "@modelcontextprotocol/server-everything is "
		    "not installed in %s/node_modules", real);
		return -1;
	}
	if (find_entry(pkg, why, len) < 0)
		return -1;
	if (find_node(mcp_node, sizeof(mcp_node)) < 0) {
		snprintf(why, len, "node not found on $PATH");
		return -1;
	}
	/* the server: node (absolute, the one the direct client runs) and
	 * the entry; its view holds node_modules, read-only */
	if ((f = fopen(pol, "we")) == NULL) {
		snprintf(why, len, "%s: %s", pol, strerror(errno));
		return -1;
	}
	fprintf(f, "capabilities:\n  - action: mcp.call\n    resource: "
	    "everything/*\nmcp_servers:\n  everything:\n    command: [");
	yq(f, mcp_node);
	fputs(", ", f);
	yq(f, mcp_entry);
	fputs(", stdio]\n    ro: [", f);
	yq(f, mods);
	fputs("]\n", f);
	if (fclose(f) != 0) {
		snprintf(why, len, "%s: %s", pol, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- inner: mcp.call through the session ------------------------------ */

#define MCP_REQ	"{\"id\":%d,\"action\":\"mcp.call\",\"target\":" \
	"\"everything/echo\",\"params\":{\"message\":\"hi\"}}"

void
mcp_inner(struct result *r)
{
	char *buf = malloc(MSGBUF), req[160];
	double lat[MCP_N], t0, t;
	ssize_t n = 0;
	int i;

	if (buf == NULL)
		exit(2);
	/* the warm-up: the worker starts the server (its sandbox, the
	 * handshake, tools/list); its time in r->wall, ms */
	snprintf(req, sizeof(req), MCP_REQ, 0);
	t = now_s();
	if (aksup_send(chan_fd, req, strlen(req)) < 0 ||
	    (n = aksup_recv(chan_fd, buf, MSGBUF)) <= 0 ||
	    strstr(buf, "\"status\":\"OK\"") == NULL) {
		fprintf(stderr, "aksup-bench: mcp: the first mcp.call was not "
		    "OK: %.400s\n", n > 0 ? buf : "(no answer)");
		r->errors = 1;	/* no figures */
		free(buf);
		return;
	}
	r->wall = (now_s() - t) * 1e3;
	t0 = now_s();
	for (i = 0; i < MCP_N; i++) {
		snprintf(req, sizeof(req), MCP_REQ, i + 1);
		t = now_s();
		if (aksup_send(chan_fd, req, strlen(req)) < 0 ||
		    (n = aksup_recv(chan_fd, buf, MSGBUF)) <= 0) {
			r->errors += MCP_N - i;
			lat[i] = now_s() - t;
			stats(r, lat, i + 1, now_s() - t0);
			free(buf);
			return;
		}
		lat[i] = now_s() - t;
		if ((strstr(buf, "\"status\":\"OK\"") == NULL ||
		    strstr(buf, "Echo: hi") == NULL) && r->errors++ == 0)
			fprintf(stderr, "aksup-bench: mcp: unexpected answer: "
			    "%.300s\n", buf);
	}
	stats(r, lat, MCP_N, now_s() - t0);
	free(buf);
}

/* ---- outer: the bare client, directly over the server's stdio --------- */

struct cli {
	int in, out;		/* the server's stdin (ours to write), stdout */
	char *buf;
	size_t off, len, cap;
	int skip;		/* in a line past MCP_LINE_MAX: dropped */
};

static int
put(int fd, const char *s, size_t n)
{
	ssize_t k;

	while (n > 0) {
		if ((k = write(fd, s, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += k;
		n -= (size_t)k;
	}
	return 0;
}

/* The next line (NUL-terminated, no '\n'): 1; 0 at EOF; -1 at the
 * deadline or on an error. */
static int
next_line(struct cli *c, double deadline, char **line)
{
	struct pollfd pf = { .fd = c->out, .events = POLLIN };
	char *nl;
	double left;
	ssize_t k;

	for (;;) {
		nl = memchr(c->buf + c->off, '\n', c->len - c->off);
		if (nl != NULL) {
			*nl = '\0';
			*line = c->buf + c->off;
			c->off = (size_t)(nl + 1 - c->buf);
			if (c->skip) {	/* the end of an overlong line */
				c->skip = 0;
				continue;
			}
			return 1;
		}
		if (c->off > 0) {
			memmove(c->buf, c->buf + c->off, c->len - c->off);
			c->len -= c->off;
			c->off = 0;
		}
		if (c->len == c->cap) {
			if (c->cap >= MCP_LINE_MAX) {
				c->skip = 1;
				c->len = 0;
			} else {
				char *nb = realloc(c->buf, c->cap * 2);

				if (nb == NULL)
					return -1;
				c->buf = nb;
				c->cap *= 2;
			}
		}
		if ((left = deadline - now_s()) <= 0)
			return -1;
		if (poll(&pf, 1, (int)(left * 1e3) + 1) < 0 && errno != EINTR)
			return -1;
		if (!(pf.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		k = read(c->out, c->buf + c->len, c->cap - c->len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k == 0 ? 0 : -1;
		c->len += (size_t)k;
	}
}

/* The answer to request `id`: its JSON, or NULL (EOF, the deadline).
 * The server's own requests are answered (ping, others -32601); its
 * notifications, and lines that are not JSON-RPC, are skipped. */
static json_t *
await(struct cli *c, json_int_t id, double deadline, const char **why)
{
	json_t *j, *jid, *m;
	char *line, ans[600];
	int k;

	for (;;) {
		if ((k = next_line(c, deadline, &line)) <= 0) {
			*why = k == 0 ? "the server closed its stdout" :
			    "no answer in time";
			return NULL;
		}
		if ((j = json_loads(line, 0, NULL)) == NULL)
			continue;
		jid = json_object_get(j, "id");
		m = json_object_get(j, "method");
		if (json_is_string(m) && jid != NULL) {
			char *ids = json_dumps(jid, JSON_ENCODE_ANY);

			if (ids != NULL && strlen(ids) < 300) {
				if (strcmp(json_string_value(m), "ping") == 0)
					snprintf(ans, sizeof(ans), "{\"jsonrpc\":"
					    "\"2.0\",\"id\":%s,\"result\":{}}\n",
					    ids);
				else
					snprintf(ans, sizeof(ans), "{\"jsonrpc\":"
					    "\"2.0\",\"id\":%s,\"error\":{\"code\":"
					    "-32601,\"message\":\"Method not "
					    "found\"}}\n", ids);
				(void)put(c->in, ans, strlen(ans));
			}
			free(ids);
		} else if (m == NULL && json_is_integer(jid) &&
		    json_integer_value(jid) == id)
			return j;
		json_decref(j);
	}
}

/* 1 when an answer is a result whose text is "Echo: hi", not isError */
static int
echo_ok(json_t *a)
{
	json_t *res = json_object_get(a, "result"), *c0;
	const char *t;

	if (!json_is_object(res) || json_is_true(json_object_get(res,
	    "isError")))
		return 0;
	c0 = json_array_get(json_object_get(res, "content"), 0);
	t = json_string_value(json_object_get(c0, "text"));
	return t != NULL && strcmp(t, "Echo: hi") == 0;
}

/* The last non-empty line of the server's stderr, for a reason. */
static void
err_tail(const char *path, char *out, size_t len)
{
	char buf[4096], *p, *e;
	ssize_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	off_t sz;

	*out = '\0';
	if (fd < 0)
		return;
	if ((sz = lseek(fd, 0, SEEK_END)) > 0 &&
	    lseek(fd, sz > (off_t)sizeof(buf) - 1 ? sz - (off_t)sizeof(buf) + 1 :
	    0, SEEK_SET) >= 0)
		n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	p = (e = strrchr(buf, '\n')) != NULL ? e + 1 : buf;
	snprintf(out, len, "; its stderr said: %.160s", p);
}

/* stdin closed; then SIGTERM, then SIGKILL, to its process group */
static void
reap(pid_t pid)
{
	static const int sig[] = { 0, SIGTERM, SIGKILL };
	double end;
	size_t i;
	int st;

	for (i = 0; i < sizeof(sig) / sizeof(sig[0]); i++) {
		if (sig[i] != 0)
			kill(-pid, sig[i]);
		for (end = now_s() + 2; now_s() < end; usleep(2000))
			if (waitpid(pid, &st, WNOHANG) == pid)
				return;
	}
	waitpid(pid, &st, 0);
}

static const char init_req[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
    "\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\","
    "\"capabilities\":{},\"clientInfo\":{\"name\":\"aksup-bench\","
    "\"version\":\"1\"}}}\n"
    "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n";

void
mcp_direct(struct result *r, const char *errlog, char *why, size_t len)
{
	struct cli c = { .in = -1, .out = -1 };
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, i, ok = 0, efd;
	double lat[MCP_N], t0, t;
	const char *w = "";
	char req[200], tail[200];
	json_t *a;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "mcp-direct");
	r->missing = 1;
	if ((c.buf = malloc(c.cap = 65536)) == NULL ||
	    pipe2(pin, O_CLOEXEC) < 0 || pipe2(pout, O_CLOEXEC) < 0 ||
	    (efd = open(errlog, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) < 0) {
		snprintf(why, len, "could not start the server: %s",
		    strerror(errno));
		goto out;
	}
	t = now_s();
	if ((pid = fork()) < 0) {
		snprintf(why, len, "fork: %s", strerror(errno));
		close(efd);
		goto out;
	}
	if (pid == 0) {	/* its own process group: reaped whole */
		setpgid(0, 0);
		dup2(pin[0], 0);
		dup2(pout[1], 1);
		dup2(efd, 2);
		execl(mcp_node, "node", mcp_entry, "stdio", (char *)NULL);
		_exit(127);
	}
	close(efd);
	close(pin[0]);
	close(pout[1]);
	pin[0] = pout[1] = -1;
	c.in = pin[1];
	c.out = pout[0];
	/* a server gone mid-write is an EPIPE here, not our end */
	sigaction(SIGPIPE, &ign, &old);
	if (put(c.in, init_req, sizeof(init_req) - 1) < 0 ||
	    (a = await(&c, 1, t + MCP_INIT_S, &w)) == NULL) {
		err_tail(errlog, tail, sizeof(tail));
		snprintf(why, len, "%s stdio: initialize: %s%s", mcp_entry,
		    *w ? w : strerror(errno), tail);
		goto stop;
	}
	json_decref(a);
	r->wall = (now_s() - t) * 1e3;	/* spawn to initialized, ms */
	/* id 2, the warm-up; then 3 .. MCP_N + 2, timed */
	t0 = now_s();
	for (i = -1; i < MCP_N; i++) {
		snprintf(req, sizeof(req), "{\"jsonrpc\":\"2.0\",\"id\":%d,"
		    "\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
		    "\"arguments\":{\"message\":\"hi\"}}}\n", i + 3);
		t = now_s();
		if (put(c.in, req, strlen(req)) < 0 ||
		    (a = await(&c, i + 3, t + MCP_CALL_S, &w)) == NULL) {
			err_tail(errlog, tail, sizeof(tail));
			snprintf(why, len, "tools/call echo %d: %s%s", i + 2,
			    *w ? w : strerror(errno), tail);
			goto stop;
		}
		if (i < 0)
			t0 = now_s();
		else
			lat[i] = now_s() - t;
		if (!echo_ok(a) && r->errors++ == 0) {
			char *s = json_dumps(a, JSON_COMPACT);

			fprintf(stderr, "aksup-bench: mcp direct: unexpected "
			    "answer: %.300s\n", s ? s : "?");
			free(s);
		}
		json_decref(a);
	}
	stats(r, lat, MCP_N, now_s() - t0);
	ok = 1;
stop:
	close(c.in);
	c.in = pin[1] = -1;
	reap(pid);
	sigaction(SIGPIPE, &old, NULL);
	r->missing = !ok;
out:
	if (pin[0] >= 0)
		close(pin[0]);
	if (pin[1] >= 0)
		close(pin[1]);
	if (pout[0] >= 0)
		close(pout[0]);
	if (pout[1] >= 0)
		close(pout[1]);
	free(c.buf);
}
