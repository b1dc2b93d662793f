/*
 * workers/proc/proc.c -- aksup-worker-proc: runs each allowed proc.exec
 * in a sandbox of its own (workers/proc/cmd.c), several at once, and
 * answers each when it ends: its exit code, its output (cut at
 * max_output per stream, flagged), whether it timed out. On timeout, and
 * at the session's end (the broker's EOF), a command is killed whole:
 * SIGKILL to the pid 1 of its pid namespace takes everything it started.
 * Before a decision the broker may ask it where a bare program name is in
 * the fixed PATH.
 *
 * Runs in: aksup-worker-proc. Privilege: inner root of a user namespace
 * of its own, holding PROC_KEEP_CAPS there and no capability in any
 * other (common/roles.h; supervisor/confine.c made it); no Landlock
 * (Landlock forbids the mounts each command's view needs: each command
 * gets its own ruleset); its seccomp list (common/sandbox.c,
 * proc_allow). It holds the broker channel, O_PATH descriptors of the
 * fs roots it binds, and its cgroup directories. Input: the broker's
 * requests (a confined peer: every length checked here).
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/sched.h>

#include "common/chan.h"
#include "common/jsonesc.h"
#include "common/log.h"
#include "common/sandbox.h"
#include "common/util.h"
#include "common/wire.h"
#include "workers/proc/proc.h"

#define CMDS_MAX	16		/* the broker's WORKER_INFLIGHT_MAX */

static const char *const fixed_path[] = {
	"/usr/local/bin", "/usr/bin", "/bin",
};

struct stream {
	int fd;			/* our end, -1 once at EOF */
	char *buf;
	size_t len, max;
	int cut;
};

struct cmd {
	int used;
	uint64_t tag;
	int pidfd, status_fd, in_fd;
	struct stream out, err;
	const char *in;		/* stdin bytes, in the request's copy */
	size_t inlen, inoff;
	size_t data_max;	/* the result fits in this (the broker's) */
	uint8_t *req;		/* the request, owned */
	uint64_t deadline;
	int timed_out, exited, wstatus, killed_at_end;
	char why[512];		/* its child's report of a failed start */
	size_t whylen;
	struct proc_child ch;	/* its cgroup's name; fds as below */
};

static struct proc_cfg cfg;
static struct cmd cmds[CMDS_MAX];
static struct chan ch;

/* ---- answers ---------------------------------------------------------- */

static void
send_reply(enum wire_type type, uint64_t tag, uint32_t kind, const char *buf,
    size_t len)
{
	chan_reply(&ch, type, tag, kind, buf, len);
}

static void
send_error(enum wire_type type, uint64_t tag, const char *msg)
{
	send_reply(type, tag, REPLY_ERROR, msg, strlen(msg));
}

/* ---- resolving a bare name --------------------------------------------- */

static void
resolve(uint64_t tag, const uint8_t *p, size_t len)
{
	char name[PROC_NAME_MAX + 1], path[PROC_NAME_MAX + 32];
	struct stat st;
	size_t i;

	/* the broker sends a name it checked: never trust that here */
	if (len == 0 || len > PROC_NAME_MAX || memchr(p, '/', len) ||
	    memchr(p, '\0', len)) {
		send_error(WIRE_PROC_RESOLVED, tag, "not a program name");
		return;
	}
	memcpy(name, p, len);
	name[len] = '\0';
	for (i = 0; i < sizeof(fixed_path) / sizeof(fixed_path[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", fixed_path[i], name);
		/* a regular file someone may execute, as execvp would take */
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    (st.st_mode & 0111)) {
			send_reply(WIRE_PROC_RESOLVED, tag, REPLY_RAW, path,
			    strlen(path));
			return;
		}
	}
	send_error(WIRE_PROC_RESOLVED, tag, "not found");
}

/* ---- starting a command ------------------------------------------------ */

/* A command: its child started by proc_spawn (workers/proc/spawn.c). */
static void
start(uint64_t tag, uint8_t *req, size_t len)
{
	struct procreq r;
	struct cmd_spec sp;
	struct proc_child child;
	struct cmd *c = NULL;
	const char *fault = NULL;
	int i;

	memset(&r, 0, sizeof(r));
	for (i = 0; i < CMDS_MAX && cmds[i].used; i++)
		;
	if (!cfg.ns)
		fault = "the namespaces layer is waived: a command cannot be "
		    "confined, so none runs";
	else if (i == CMDS_MAX)
		fault = "too many commands running";
	else if (procreq_parse(req, len, &r) < 0)
		fatalx("protocol violation from broker: malformed PROC_REQ");
	if (fault != NULL) {
		send_error(WIRE_PROC_RESP, tag, fault);
		goto fail;
	}
	c = &cmds[i];
	memset(c, 0, sizeof(*c));
	memset(&sp, 0, sizeof(sp));
	sp.cfg = &cfg;
	sp.path = r.path;
	sp.cwd = r.cwd;
	sp.argv = r.argv;
	sp.envp = r.envp;
	sp.network = r.network;
	sp.timeout_ms = r.timeout_ms;
	if (proc_spawn(&sp, &child, &fault) < 0) {
		char msg[128];

		snprintf(msg, sizeof(msg), "the command: %s", fault);
		send_error(WIRE_PROC_RESP, tag, msg);
		goto fail;
	}
	c->used = 1;
	c->tag = tag;
	c->ch = child;
	c->pidfd = child.pidfd;
	c->status_fd = child.status;
	c->in_fd = child.in;
	c->out = (struct stream){ child.out, NULL, 0, r.max_output, 0 };
	c->err = (struct stream){ child.err, NULL, 0, r.max_output, 0 };
	c->in = r.in;
	c->inlen = r.inlen;
	c->data_max = r.data_max;
	c->req = req;		/* stdin lives in it */
	c->deadline = now_ns() + (uint64_t)r.timeout_ms * 1000000ull;
	(void)fcntl(c->in_fd, F_SETFL, O_NONBLOCK);
	if (c->inlen == 0) {
		close(c->in_fd);
		c->in_fd = -1;
	}
	procreq_free(&r);
	return;
fail:
	procreq_free(&r);
	free(req);
}

/* ---- running commands -------------------------------------------------- */

static void
kill_cmd(struct cmd *c)
{
	if (!c->exited)
		proc_signal(&c->ch, SIGKILL);
}

static void
stream_read(struct stream *s)
{
	char tmp[65536];
	ssize_t n;
	size_t keep;
	char *nb;

	n = read(s->fd, tmp, sizeof(tmp));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		close(s->fd);
		s->fd = -1;
		return;
	}
	keep = (size_t)n;
	if (s->len + keep > s->max) {
		keep = s->max - s->len;
		s->cut = 1;	/* the rest is read and dropped */
	}
	if (keep == 0)
		return;
	if ((nb = realloc(s->buf, s->len + keep)) == NULL)
		fatal("realloc");
	s->buf = nb;
	memcpy(s->buf + s->len, tmp, keep);
	s->len += keep;
}

static void
stdin_write(struct cmd *c)
{
	ssize_t n = write(c->in_fd, c->in + c->inoff, c->inlen - c->inoff);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		c->inoff += (size_t)n;
	/* all written, or the command closed its stdin: EOF for it */
	if (n < 0 || c->inoff == c->inlen) {
		close(c->in_fd);
		c->in_fd = -1;
	}
}

/* One stream as a JSON string: text as is, other bytes base64. */
static json_t *
stream_json(const char *b, size_t n, const char **enc)
{
	json_t *v;
	char *e;

	if (memchr(b, '\0', n) == NULL && (v = json_stringn(b, n)) != NULL) {
		*enc = "utf-8";
		return v;
	}
	if ((e = malloc(4 * ((n + 2) / 3) + 1)) == NULL)
		fatal("malloc");
	EVP_EncodeBlock((unsigned char *)e, (const unsigned char *)b, (int)n);
	*enc = "base64";
	v = json_string(e);
	free(e);
	return v;
}

/* Where to cut n bytes of b to at most m: not inside a UTF-8 sequence. */
static size_t
cut_at(const char *b, size_t n, size_t m)
{
	if (m >= n)
		return n;
	while (m > 0 && ((unsigned char)b[m] & 0xc0) == 0x80)
		m--;
	return m;
}

static char *
result_text(struct cmd *c, size_t olen, size_t elen, size_t *len)
{
	const char *oenc, *eenc;
	json_t *r;
	char *t;
	int sig = WIFSIGNALED(c->wstatus) ? WTERMSIG(c->wstatus) : 0;

	r = json_object();
	json_object_set_new(r, "returncode", json_integer(WIFEXITED(c->wstatus) ?
	    WEXITSTATUS(c->wstatus) : -sig));
	json_object_set_new(r, "stdout", stream_json(c->out.buf ? c->out.buf :
	    "", olen, &oenc));
	json_object_set_new(r, "stderr", stream_json(c->err.buf ? c->err.buf :
	    "", elen, &eenc));
	json_object_set_new(r, "stdout_encoding", json_string(oenc));
	json_object_set_new(r, "stderr_encoding", json_string(eenc));
	json_object_set_new(r, "timed_out", json_boolean(c->timed_out));
	json_object_set_new(r, "truncated", json_boolean(c->out.cut ||
	    c->err.cut || olen < c->out.len || elen < c->err.len));
	if (sig > 0 && !c->timed_out)
		json_object_set_new(r, "signal", json_integer(sig));
	t = json_dumps(r, JSON_COMPACT);
	json_decref(r);
	if (t == NULL)
		fatal("json_dumps");
	*len = strlen(t);
	return t;
}

/* The answer: the result, its output cut further (flagged) until it
 * fits an agent answer. */
static void
answer(struct cmd *c)
{
	size_t olen = c->out.len, elen = c->err.len, len, over;
	char *t;
	int tries;

	if (c->whylen > 0 && WIFEXITED(c->wstatus) &&
	    WEXITSTATUS(c->wstatus) >= 126) {
		c->why[c->whylen] = '\0';
		send_error(WIRE_PROC_RESP, c->tag, c->why);
		return;
	}
	if (c->killed_at_end) {
		send_error(WIRE_PROC_RESP, c->tag, "session ended: the command "
		    "and everything it started were killed");
		return;
	}
	for (tries = 0; ; tries++) {
		t = result_text(c, olen, elen, &len);
		if (len <= c->data_max || tries == 8)
			break;
		free(t);
		over = len - c->data_max + 64;
		if (olen >= elen)
			olen = cut_at(c->out.buf, olen, olen > over ? olen - over :
			    0);
		else
			elen = cut_at(c->err.buf, elen, elen > over ? elen - over :
			    0);
	}
	send_reply(WIRE_PROC_RESP, c->tag, REPLY_JSON, t, len);
	free(t);
}

static void
cmd_free(struct cmd *c)
{
	if (c->pidfd >= 0)
		close(c->pidfd);
	if (c->status_fd >= 0)
		close(c->status_fd);
	if (c->in_fd >= 0)
		close(c->in_fd);
	if (c->out.fd >= 0)
		close(c->out.fd);
	if (c->err.fd >= 0)
		close(c->err.fd);
	proc_cgroup_remove(&cfg, &c->ch);
	free(c->out.buf);
	free(c->err.buf);
	free(c->req);
	memset(c, 0, sizeof(*c));
}

static void
reap(struct cmd *c)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid((idtype_t)P_PIDFD, (id_t)c->pidfd, &si, WEXITED |
	    WNOHANG) < 0 || si.si_pid == 0)
		return;
	c->exited = 1;
	c->wstatus = si.si_code == CLD_EXITED ? W_EXITCODE(si.si_status, 0) :
	    si.si_status & 0x7f;
}

static void
status_read(struct cmd *c)
{
	ssize_t n = read(c->status_fd, c->why + c->whylen,
	    sizeof(c->why) - 1 - c->whylen);

	if (n > 0) {
		c->whylen += (size_t)n;
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	close(c->status_fd);
	c->status_fd = -1;
}

/* ---- the loop ------------------------------------------------------------ */

static int
next_timeout(void)
{
	uint64_t now = now_ns(), best = 0;
	int i;

	for (i = 0; i < CMDS_MAX; i++)
		if (cmds[i].used && !cmds[i].exited && !cmds[i].timed_out &&
		    (best == 0 || cmds[i].deadline < best))
			best = cmds[i].deadline;
	if (best == 0)
		return -1;
	return best <= now ? 0 : (int)((best - now) / 1000000ull) + 1;
}

static void
broker_message(uint8_t *buf, size_t cap, int *eof)
{
	struct msg m;
	int rc;

	if ((rc = chan_recv_loop(&ch, buf, cap, &m)) <= 0) {
		if (rc == 0)
			*eof = 1;	/* the broker is gone */
		return;
	}
	if (m.hdr.type == WIRE_PROC_RESOLVE) {
		resolve(m.hdr.tag, m.payload, m.hdr.len);
		return;
	}
	if (m.hdr.type != WIRE_PROC_REQ)
		fatalx("protocol violation from broker: unexpected %s",
		    wire_specs[m.hdr.type].name);
	/* the command keeps its request (its stdin) while it runs */
	start(m.hdr.tag, msg_payload_dup(&m), m.hdr.len);
}

int
main(int argc, char **argv)
{
	struct pollfd pfd[1 + CMDS_MAX * 5];
	struct cmd *who[1 + CMDS_MAX * 5];
	uint8_t *buf;
	size_t cap;
	int eof = 0, n, i, k;

	log_init("proc worker");
	wire_version_check();
	/* a command that stops reading its stdin is an EPIPE for us, never
	 * our death (cmd_child restores the default before exec) */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fatal("signal");
	json_object_seed(0);	/* before the filter: reads /dev/urandom */
	proc_cfg_parse(&cfg, argc, argv, 1, PROC_FD_FIRST);
	proc_own_view(&cfg);
	proc_filters(&cfg);
	/* Nothing from the supervisor after start: it only watches us. */
	sandbox_enter(ROLE_WORKER_PROC);
	cap = sizeof(struct wire_hdr) + WIRE_PAYLOAD_MAX;
	if ((buf = malloc(cap)) == NULL)
		fatal("malloc");
	chan_init(&ch, role_chan_fd(ROLE_WORKER_PROC, ROLE_BROKER),
	    ROLE_WORKER_PROC, ROLE_BROKER, "broker");
	for (;;) {
		n = 0;
		/* the broker sends at most CMDS_MAX commands and answers a
		 * 17th itself; resolutions come at any time */
		if (!eof) {
			pfd[n] = (struct pollfd){ ch.fd, POLLIN, 0 };
			who[n++] = NULL;
		}
		for (i = 0; i < CMDS_MAX; i++) {
			struct cmd *c = &cmds[i];
			int fds[4] = { c->out.fd, c->err.fd, c->status_fd,
			    c->exited ? -1 : c->pidfd };

			if (!c->used)
				continue;
			for (k = 0; k < 4; k++)
				if (fds[k] >= 0) {
					pfd[n] = (struct pollfd){ fds[k], POLLIN, 0 };
					who[n++] = c;
				}
			if (c->in_fd >= 0) {
				pfd[n] = (struct pollfd){ c->in_fd, POLLOUT, 0 };
				who[n++] = c;
			}
		}
		if (n == 0 && eof)
			break;
		if (poll(pfd, (nfds_t)n, next_timeout()) < 0 && errno != EINTR)
			fatal("poll");
		for (k = 0; k < n; k++) {
			struct cmd *c = who[k];

			if (pfd[k].revents == 0)
				continue;
			if (c == NULL)
				broker_message(buf, cap, &eof);
			else if (pfd[k].fd == c->out.fd)
				stream_read(&c->out);
			else if (pfd[k].fd == c->err.fd)
				stream_read(&c->err);
			else if (pfd[k].fd == c->status_fd)
				status_read(c);
			else if (pfd[k].fd == c->in_fd)
				stdin_write(c);
			else if (pfd[k].fd == c->pidfd)
				reap(c);
		}
		for (i = 0; i < CMDS_MAX; i++) {
			struct cmd *c = &cmds[i];

			if (!c->used)
				continue;
			if (eof && !c->exited && !c->killed_at_end) {
				c->killed_at_end = 1;
				kill_cmd(c);
			}
			if (!c->exited && !c->timed_out &&
			    now_ns() >= c->deadline) {
				c->timed_out = 1;
				kill_cmd(c);
			}
			/* done: gone, and its output read to EOF (pid 1
			 * gone, nothing in its namespace holds a pipe) */
			if (c->exited && c->out.fd < 0 && c->err.fd < 0 &&
			    c->status_fd < 0) {
				answer(c);
				cmd_free(c);
			}
		}
	}
	free(buf);
	return 0;
}
