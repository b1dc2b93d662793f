/*
 * workers/mcp/mcp.c -- aksup-worker-mcp: serves the broker's allowed
 * mcp.call and mcp.list on the MCP servers the policy declares, each a
 * child in a sandbox of its own (workers/mcp/server.c), started at its
 * first use and kept for the session; at the session's end (the
 * broker's EOF) each has its stdin closed, then SIGTERM, then SIGKILL.
 * Calls to different servers run at once; one server's run one after
 * another, in the order they came.
 *
 * Runs in: aksup-worker-mcp. Privilege: inner root of a user namespace
 * of its own, holding PROC_KEEP_CAPS there and no capability in any
 * other (common/roles.h; supervisor/confine.c made it), as the proc
 * worker; no Landlock (each server gets its own ruleset); the proc
 * worker's seccomp list. It holds the broker channel, the pin file
 * (O_APPEND: it adds lines, common/mcp/pins.h), O_PATH descriptors of
 * the servers' paths, its cgroup directories; the servers' env values
 * (read from MCP_FD_ENV before confinement). Input: the broker's
 * requests (a confined peer: every length and type checked here) and
 * the servers' output (server.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/chan.h"
#include "common/log.h"
#include "common/sandbox.h"
#include "common/util.h"
#include "common/wire.h"
#include "workers/mcp/mcp.h"

static struct mcp_worker W;
static struct chan ch;
static char *env_blob;

/* n bytes of s without a UTF-8 sequence cut at its end (an error text
 * cut to its buffer, with a server's words in it: the broker makes it
 * a JSON string, which must be whole UTF-8). */
static size_t
utf8_whole(const char *s, size_t n)
{
	size_t i = n, k = 0;
	unsigned char c;

	while (i > 0 && k < 4 && ((unsigned char)s[i - 1] & 0xc0) == 0x80) {
		i--;
		k++;
	}
	if (i == 0)
		return n;
	c = (unsigned char)s[i - 1];
	if (c < 0x80)
		return n;
	/* the lead byte of the last sequence: whole if its length fits */
	if ((c & 0xe0) == 0xc0 ? k == 1 : (c & 0xf0) == 0xe0 ? k == 2 :
	    (c & 0xf8) == 0xf0 ? k == 3 : 0)
		return n;
	return i - 1;
}

void
mcp_answer(struct mcp_job *j, uint32_t kind, const char *text, size_t len)
{
	if (kind != REPLY_JSON)
		len = utf8_whole(text, len);
	chan_reply(&ch, WIRE_MCP_RESP, j->tag, kind, text, len);
}

void
mcp_job_free(struct mcp_job *j)
{
	if (j == NULL)
		return;
	free(j->tool);
	json_decref(j->args);
	free(j);
}

/* The pin file as it is now; too large to read is fatal (a session
 * whose pins cannot be known runs no server). */
static void
pins_read(void)
{
	struct stat st;
	char *buf;
	size_t off = 0, skipped = 0;
	ssize_t n;

	W.pins_fd = MCP_FD_PINS;
	if (fstat(W.pins_fd, &st) < 0 || !S_ISREG(st.st_mode))
		fatalx("the pin file: not a regular file on fd %d", W.pins_fd);
	if (st.st_size > (off_t)PINS_FILE_MAX) {
		/* no pin can be known: every call is refused, the session
		 * goes on (its other providers) */
		log_warnx("the pin file %s is larger than %u bytes: no MCP "
		    "server is called until the operator trims it",
		    W.pins_path, PINS_FILE_MAX);
		W.pins_broken = 1;
		W.pins = pins_new();
		return;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		fatal("malloc");
	while (off < (size_t)st.st_size) {
		n = pread(W.pins_fd, buf + off, (size_t)st.st_size - off,
		    (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	if ((W.pins = pins_load(buf, off, &skipped)) == NULL)
		fatal("out of memory");
	/* a torn last line (a crash mid-append) is ended, so the next
	 * line is read as one */
	if (off > 0 && buf[off - 1] != '\n' && write(W.pins_fd, "\n", 1) != 1)
		log_warn("the pin file");
	if (skipped > 0)
		log_warnx("the pin file: %zu line(s) that are no pin lines "
		    "skipped", skipped);
	free(buf);
}

/* OpenSSL reads its configuration at its first digest: that first one
 * before the filter (as the broker's `aksup mcp` modes do). */
static void
digest_warm(void)
{
	json_t *t = json_pack("{s:s, s:{}}", "name", "warm", "inputSchema");
	char d[JR_DIGEST_HEX];

	if (t == NULL || jr_tool_digest(t, d) < 0)
		fatalx("cannot compute a tool digest");
	json_decref(t);
}

/* ---- the broker's requests ------------------------------------------- */

static int
spec_ok(const json_t *spec)
{
	static const char *const lists[] = { "argv", "ro", "roots" };
	const json_t *a, *v;
	const char *k;
	size_t i, n;

	if (!json_is_object(spec) ||
	    !json_is_string(json_object_get(spec, "name")) ||
	    !json_is_object(json_object_get(spec, "env")))
		return 0;
	for (i = 0; i < 3; i++) {
		if (!json_is_array(a = json_object_get(spec, lists[i])))
			return 0;
		json_array_foreach(a, n, v)
			if (!json_is_string(v))
				return 0;
	}
	json_object_foreach((json_t *)json_object_get(spec, "env"), k, v)
		if (!json_is_string(v))
			return 0;
	return json_array_size(json_object_get(spec, "argv")) > 0;
}

static void
request(uint64_t tag, const uint8_t *p, size_t len)
{
	struct mcp_req mr;
	struct mcp_job *j;
	struct mcp_server *s;
	json_t *o, *spec, *tool, *args;

	memcpy(&mr, p, sizeof(mr));
	if (mr.json_len != len - sizeof(mr) || (mr.op != MCP_OP_CALL &&
	    mr.op != MCP_OP_LIST) || (o = json_loadb((const char *)p +
	    sizeof(mr), mr.json_len, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		fatalx("protocol violation from broker: malformed MCP_REQ");
	spec = json_object_get(o, "server");
	tool = json_object_get(o, "tool");
	args = json_object_get(o, "arguments");
	if (!spec_ok(spec) || (mr.op == MCP_OP_CALL && (!json_is_string(tool)
	    || !json_is_object(args))))
		fatalx("protocol violation from broker: malformed MCP_REQ");
	if ((j = calloc(1, sizeof(*j))) == NULL)
		fatal("calloc");
	j->tag = tag;
	j->op = mr.op;
	j->timeout_ms = mr.timeout_ms > 0 ? mr.timeout_ms : 30000;
	j->data_max = mr.data_max;
	if (mr.op == MCP_OP_CALL) {
		j->tool = strdup(json_string_value(tool));
		j->args = json_incref(args);
	}
	if (W.pins_broken) {
		char msg[600];

		snprintf(msg, sizeof(msg), "the MCP pin file %s is larger than "
		    "%u bytes: no server is called until the operator trims "
		    "it", W.pins_path, PINS_FILE_MAX);
		mcp_answer(j, REPLY_ERROR, msg, strlen(msg));
		mcp_job_free(j);
	} else if ((s = srv_get(&W, spec)) == NULL) {
		static const char full[] = "too many mcp servers";

		mcp_answer(j, REPLY_ERROR, full, sizeof(full) - 1);
		mcp_job_free(j);
	} else {
		/* a job's own deadline comes from the request */
		json_object_set_new(s->spec, "timeout_ms",
		    json_integer(j->timeout_ms));
		srv_enqueue(&W, s, j);
		srv_advance(&W, s);
	}
	json_decref(o);
}

static void
broker_message(uint8_t *buf, size_t cap)
{
	struct msg m;
	int rc, i;

	if ((rc = chan_recv_loop(&ch, buf, cap, &m)) <= 0) {
		if (rc == 0) {
			W.eof = 1;	/* the broker is gone: stop them all */
			for (i = 0; i < W.nsrv; i++)
				srv_advance(&W, &W.srv[i]);
		}
		return;
	}
	if (m.hdr.type != WIRE_MCP_REQ)
		fatalx("protocol violation from broker: unexpected %s",
		    wire_specs[m.hdr.type].name);
	request(m.hdr.tag, m.payload, m.hdr.len);
}

/* ---- the loop ------------------------------------------------------------ */

static int
next_timeout(void)
{
	uint64_t now = now_ns(), best = 0, d;
	int i;

	for (i = 0; i < W.nsrv; i++)
		if ((d = srv_next_deadline(&W.srv[i])) != 0 &&
		    (best == 0 || d < best))
			best = d;
	if (best == 0)
		return -1;
	return best <= now ? 0 : (int)((best - now) / 1000000ull) + 1;
}

static int
all_gone(void)
{
	int i;

	for (i = 0; i < W.nsrv; i++)
		if (!srv_gone(&W.srv[i]))
			return 0;
	return 1;
}

int
main(int argc, char **argv)
{
	struct pollfd pfd[1 + MCP_SERVERS_MAX * 4];
	struct mcp_server *who[1 + MCP_SERVERS_MAX * 4];
	uint8_t *buf;
	size_t cap;
	int n, i, k;

	log_init("mcp worker");
	wire_version_check();
	/* a server that stops reading its stdin is an EPIPE for us */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fatal("signal");
	json_object_seed(0);	/* before the filter: reads /dev/urandom */
	/* argv[1] "pins:PATH" (for messages), then as the proc worker's */
	if (argc < 2 || strncmp(argv[1], "pins:/", 6) != 0)
		fatalx("usage: aksup-worker-mcp pins:PATH ns:U|nons cg:... "
		    "[FD:RIGHTS:PATH...]");
	W.pins_path = argv[1] + 5;
	proc_cfg_parse(&W.cfg, argc, argv, 2, MCP_FD_FIRST);
	creds_read_fd(MCP_FD_ENV, &W.env, &env_blob);
	pins_read();
	proc_own_view(&W.cfg);
	proc_filters(&W.cfg);
	digest_warm();
	/* Nothing from the supervisor after start: it only watches us. */
	sandbox_enter(ROLE_WORKER_MCP);
	cap = sizeof(struct wire_hdr) + WIRE_PAYLOAD_MAX;
	if ((buf = malloc(cap)) == NULL)
		fatal("malloc");
	chan_init(&ch, role_chan_fd(ROLE_WORKER_MCP, ROLE_BROKER),
	    ROLE_WORKER_MCP, ROLE_BROKER, "broker");
	for (;;) {
		n = 0;
		if (!W.eof) {
			pfd[n] = (struct pollfd){ ch.fd, POLLIN, 0 };
			who[n++] = NULL;
		}
		for (i = 0; i < W.nsrv; i++) {
			struct mcp_server *s = &W.srv[i];
			int fds[3] = { s->ch.out, s->ch.err,
			    s->running ? s->ch.pidfd : -1 };

			for (k = 0; k < 3; k++)
				if (fds[k] >= 0) {
					pfd[n] = (struct pollfd){ fds[k], POLLIN,
					    0 };
					who[n++] = s;
				}
			if (s->ch.in >= 0 && s->woff < s->wlen) {
				pfd[n] = (struct pollfd){ s->ch.in, POLLOUT, 0 };
				who[n++] = s;
			}
		}
		if (W.eof && all_gone())
			break;
		/* (no spin on a server's answer: on two vCPUs it takes the
		 * CPU the server needs; docs/PERFORMANCE.md "mcp") */
		if (poll(pfd, (nfds_t)n, next_timeout()) < 0 && errno != EINTR)
			fatal("poll");
		for (k = 0; k < n; k++) {
			struct mcp_server *s = who[k];

			if (pfd[k].revents == 0)
				continue;
			if (s == NULL)
				broker_message(buf, cap);
			else if (pfd[k].fd == s->ch.out)
				srv_stdout(&W, s);
			else if (pfd[k].fd == s->ch.err)
				srv_stderr(s);
			else if (pfd[k].fd == s->ch.in)
				srv_stdin(&W, s);
			else if (pfd[k].fd == s->ch.pidfd)
				srv_exited(&W, s);
		}
		for (i = 0; i < W.nsrv; i++)
			srv_tick(&W, &W.srv[i], now_ns());
	}
	free(buf);
	free(env_blob);
	return 0;
}
