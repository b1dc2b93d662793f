/*
 * broker/loop.c -- the gate: read a request, validate, decide, write the
 * decision to the audit log, and only then forward it to the worker that
 * owns the action; write the outcome, answer the agent.
 *
 * Runs in: the broker, after sandbox_enter(ROLE_BROKER). Privilege: none:
 * its channels, the audit fd, memory.
 *
 * Requests are handled one at a time in arrival order; the agent may
 * pipeline (answers carry its id). Answers wait in a queue while the agent
 * does not read; past QUEUE_MAX the broker stops reading requests until the
 * agent catches up.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "audit/audit.h"
#include "broker/broker.h"
#include "common/chan.h"
#include "common/jsonesc.h"
#include "common/log.h"
#include "common/hex.h"
#include "common/util.h"

#define QUEUE_MAX	256

/*
 * What an answer can hold, by arithmetic (docs/PROTOCOL.md §3). A string
 * id is at most REQUEST_ID_MAX bytes (request_decode), the smallest
 * agent_max is BROKER_AGENT_MAX_MIN. The OK answers of fs.write and
 * fs.delete (data at most FS_SMALL_DATA_MAX, checked in fs_forward), the
 * broker's own errors (errbuf) and the too-large error always fit with
 * the agent's id: a completed write or delete is always answered OK, and
 * its outcome never depends on the id. Only fs.read and fs.list carry
 * data of the file system's size; when that cannot fit, the outcome is
 * still OK (the provider did it) with this error beside it.
 */
#define TOO_LARGE		"result too large for the agent channel"
#define FS_SMALL_DATA_MAX	(sizeof("{\"bytes_written\":-9223372036854775808}") - 1)
#define ERRBUF_MAX		320
_Static_assert(ANSWER_MAX(FS_SMALL_DATA_MAX, 0) <= BROKER_AGENT_MAX_MIN,
    "an fs.write or fs.delete answer fits with any id");
_Static_assert(ANSWER_MAX(4, ERRBUF_MAX) <= BROKER_AGENT_MAX_MIN,
    "a malformed-request answer fits with any id");
_Static_assert(ANSWER_MAX(4, sizeof(TOO_LARGE)) <= BROKER_AGENT_MAX_MIN,
    "the too-large answer fits with any id");


struct outmsg {
	struct outmsg *next;
	size_t len;
	char *buf;
};

struct broker {
	struct broker_cfg *cfg;
	struct chan fs;
	int fs_alive;
	struct outmsg *qhead, *qtail;
	size_t qlen;
	int reading;		/* still reading requests */
	int status;		/* exit status once reading stops */
	char *inbuf;
	uint8_t *fsbuf;
	size_t fsbufsz;
	uint64_t tag;
	uint8_t rnd[512];
	size_t rndpos;
	char *pbuf;		/* canonical params, reused */
	size_t pcap;
	char *dbuf;		/* escaped file content, reused */
	size_t dcap;
	char empty_sha[65];	/* SHA-256 of "{}", the usual params */
};

/* What every record of one request shares. */
struct reqctx {
	const char *action;
	const char *target;
	const char *params;	/* canonical JSON, or NULL */
	size_t plen;
	char psha[65];		/* its SHA-256; "" when no params */
	const char *rule;
	char rid[37];
	uint64_t t0;
};

static void
record_id_new(struct broker *b, char out[37])
{
	uint8_t *r;

	if (b->rndpos + 16 > sizeof(b->rnd)) {
		if (getrandom(b->rnd, sizeof(b->rnd), 0) != sizeof(b->rnd))
			fatal("getrandom");
		b->rndpos = 0;
	}
	r = b->rnd + b->rndpos;
	b->rndpos += 16;
	uuid4_format(r, out);
}

static void
enqueue(struct broker *b, char *buf, size_t len)
{
	struct outmsg *m;
	ssize_t n;

	/* Nothing queued before it: send it now (the common case; no
	 * queue entry). A full or failing channel queues it, and
	 * flush_agent() sees the error in order. */
	if (b->qhead == NULL) {
		n = send(b->cfg->agent_fd, buf, len, MSG_DONTWAIT |
		    MSG_NOSIGNAL);
		if (n == (ssize_t)len) {
			free(buf);
			return;
		}
	}
	if ((m = calloc(1, sizeof(*m))) == NULL)
		fatal("calloc");
	m->buf = buf;
	m->len = len;
	if (b->qtail)
		b->qtail->next = m;
	else
		b->qhead = m;
	b->qtail = m;
	b->qlen++;
}

static void
answer(struct broker *b, const json_t *id, const char *status, json_t *data,
       const char *error, const char *record_id)
{
	size_t len = 0;
	char *s;

	s = response_encode(id, status, data, error, record_id, &len);
	if (s != NULL && len > b->cfg->agent_max) {
		/* a provider's long message: this one always fits with the
		 * id (its bound, see TOO_LARGE below) */
		free(s);
		s = response_encode(id, "ERROR", NULL, TOO_LARGE, record_id,
		    &len);
	}
	if (s == NULL)
		s = response_encode(id, "ERROR", NULL, "internal error",
		    record_id, &len);
	if (s == NULL)
		fatalx("cannot encode an answer");
	enqueue(b, s, len);
}

static double
ms_since(uint64_t t0)
{
	return (double)(now_ns() - t0) / 1e6;
}

/* The audit log failed: nothing more may run (fail closed). */
static void
audit_failed(struct broker *b)
{
	log_warn("audit log write failed; denying and ending the session");
	b->reading = 0;
	b->status = BROKER_EXIT_AUDIT;
}

/*
 * The session's audit budget is spent (--audit-max-bytes/-records): the
 * request is not run, and the session ends the recorded way, as on
 * SESSION_STOP: session_end with reason "audit budget" and the final
 * seal, for which the writer kept room (broker/main.c).
 */
static void
budget_out(struct broker *b)
{
	if (b->cfg->stop_reason == NULL)
		log_warnx("audit budget exhausted; ending the session");
	b->cfg->stop_reason = "audit budget";
	b->reading = 0;
	b->status = BROKER_EXIT_BUDGET;
}

/* What the agent gets when its decision could not be recorded. */
static const char *
unavailable(const struct broker *b)
{
	return b->status == BROKER_EXIT_BUDGET ? "audit budget exhausted" :
	    "audit log unavailable";
}

/*
 * Canonical params (compact, keys sorted) into the reused buffer and
 * their SHA-256 with the writer's reused context: no allocation per
 * request beyond jansson's own.
 */
static void
params_digest(struct broker *b, const json_t *params, struct reqctx *c)
{
	const size_t flags = JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY |
	    JSON_REAL_PRECISION(17);
	size_t n;
	char *nb;

	c->params = NULL;
	c->plen = 0;
	c->psha[0] = '\0';
	if (params == NULL)
		return;
	if (json_is_object(params) && json_object_size(params) == 0) {
		/* most requests: no params; hash "{}" once per session */
		if (b->empty_sha[0] == '\0')
			audit_hash_hex(b->cfg->audit, "{}", 2, b->empty_sha);
		c->params = "{}";
		c->plen = 2;
		memcpy(c->psha, b->empty_sha, sizeof(c->psha));
		return;
	}
	n = json_dumpb(params, b->pbuf, b->pcap, flags);
	if (n > b->pcap) {
		if ((nb = realloc(b->pbuf, n)) == NULL)
			return;
		b->pbuf = nb;
		b->pcap = n;
		n = json_dumpb(params, b->pbuf, b->pcap, flags);
	}
	if (n == 0 || n > b->pcap)
		return;
	c->params = b->pbuf;
	c->plen = n;
	audit_hash_hex(b->cfg->audit, c->params, c->plen, c->psha);
}

/* Write a record or fail closed: nothing runs without its record. */
static int
audit(struct broker *b, const struct reqctx *c, const char *type,
      const char *target, const char *status, const char *error)
{
	struct audit_rec r;

	memset(&r, 0, sizeof(r));
	r.type = type;
	r.action = c->action;
	r.target = target;
	r.params_sha256 = c->psha[0] ? c->psha : NULL;
	r.params = c->params;
	r.params_len = c->plen;
	r.status = status;
	r.rule = c->rule;
	r.error = error;
	r.duration_ms = ms_since(c->t0);
	r.record_id = c->rid;
	switch (audit_write(b->cfg->audit, &r)) {
	case 0:
		return 0;
	case AUDIT_BUDGET:
		budget_out(b);
		return -1;
	default:
		audit_failed(b);
		return -1;
	}
}

static int
fs_op(const char *action)
{
	if (strcmp(action, "fs.read") == 0)
		return FS_OP_READ;
	if (strcmp(action, "fs.write") == 0)
		return FS_OP_WRITE;
	if (strcmp(action, "fs.delete") == 0)
		return FS_OP_DELETE;
	if (strcmp(action, "fs.list") == 0)
		return FS_OP_LIST;
	return 0;
}

/* The target relative to its root, both canonical; NULL if not beneath. */
static const char *
rel_to_root(const char *root, const char *target)
{
	size_t n = strlen(root);

	if (strcmp(root, "/") == 0)
		return target[1] ? target + 1 : ".";
	if (strncmp(root, target, n) != 0)
		return NULL;
	if (target[n] == '\0')
		return ".";
	if (target[n] != '/')
		return NULL;
	return target + n + 1;
}

/*
 * Forward an allowed fs request and wait for its answer. Returns the data
 * as JSON text (in b->fsbuf or b->dbuf, valid until the next call) with
 * *dlen set, or NULL with *err set (a static or the worker's text).
 */
static const char *
fs_forward(struct broker *b, const struct request *rq, int root,
	   const char *canon, size_t *dlenp, const char **err)
{
	const json_t *enc = json_object_get(rq->params, "encoding");
	/* content travels for fs.write only (up to 1 MiB, never needed
	 * by the other operations) */
	const json_t *content = strcmp(rq->action, "fs.write") == 0 ?
	    json_object_get(rq->params, "content") : NULL;
	struct fs_req fr;
	struct iovec iov[4];
	struct fs_resp resp;
	struct msg m;
	const char *rel, *raw;
	json_t *data;
	size_t dlen, need;
	char *nb;
	int rc;

	rel = rel_to_root(policy_root(b->cfg->policy, root), canon);
	if (rel == NULL) {
		*err = "internal error: target outside its root";
		return NULL;
	}
	memset(&fr, 0, sizeof(fr));
	fr.op = fs_op(rq->action);
	fr.root = (uint32_t)root;
	/* the params table checked it (a string, utf-8 or base64, for
	 * fs.read and fs.write only); never trust that here */
	fr.enc = (json_is_string(enc) && (fr.op == FS_OP_READ ||
	    fr.op == FS_OP_WRITE) && strcmp(json_string_value(enc),
	    "base64") == 0) ? FS_ENC_BASE64 : FS_ENC_UTF8;
	fr.path_len = (uint32_t)strlen(rel);
	fr.target_len = (uint32_t)strlen(canon);
	fr.data_len = content ? (uint32_t)json_string_length(content) : 0;
	iov[0].iov_base = &fr;
	iov[0].iov_len = sizeof(fr);
	iov[1].iov_base = (void *)rel;
	iov[1].iov_len = fr.path_len;
	iov[2].iov_base = (void *)canon;
	iov[2].iov_len = fr.target_len;
	iov[3].iov_base = content ? (void *)json_string_value(content) : NULL;
	iov[3].iov_len = fr.data_len;
	b->tag++;
	if (chan_send(&b->fs, WIRE_FS_REQ, b->tag, iov, 4) < 0) {
		if (errno == EMSGSIZE) {
			*err = "request too large";
			return NULL;
		}
		goto dead;
	}
	(void)spin_readable(b->fs.fd, SPIN_NS);
	rc = chan_recv(&b->fs, b->fsbuf, b->fsbufsz, &m);
	if (rc <= 0)
		goto dead;
	if (m.hdr.type != WIRE_FS_RESP || m.hdr.tag != b->tag)
		goto violation;
	memcpy(&resp, m.payload, sizeof(resp));
	dlen = m.hdr.len - sizeof(resp);
	m.payload[m.hdr.len] = '\0';	/* fsbuf has room for it */
	if (resp.ok == REPLY_ERROR) {
		*err = (const char *)m.payload + sizeof(resp);
		return NULL;
	}
	raw = (const char *)m.payload + sizeof(resp);
	if (resp.ok == REPLY_RAW) {
		/* Text carries no NUL on the agent channel, either way
		 * (docs/PROTOCOL.md §1): such a file is read as base64. */
		if (memchr(raw, '\0', dlen) != NULL) {
			*err = "file holds a NUL byte (use encoding base64)";
			return NULL;
		}
		/* raw content that becomes a JSON string: must be UTF-8;
		 * validated and escaped in one pass into the reused buffer */
		need = JSON_ESCAPE_MAX(dlen);
		if (need > b->dcap) {
			if ((nb = realloc(b->dbuf, need)) == NULL)
				fatal("realloc");
			b->dbuf = nb;
			b->dcap = need;
		}
		if ((*dlenp = json_escape(b->dbuf, raw, dlen)) == 0) {
			*err = "file is not valid UTF-8 (use encoding base64)";
			return NULL;
		}
		return b->dbuf;
	}
	if (resp.ok != REPLY_JSON)
		goto violation;
	/* the fixed-shape results whose answer must always fit (above) */
	if ((fr.op == FS_OP_WRITE || fr.op == FS_OP_DELETE) &&
	    dlen > FS_SMALL_DATA_MAX)
		goto violation;
	/* JSON text: spliced into the answer only if it is exactly one
	 * JSON value (nothing before or after it). */
	data = json_loadb(raw, dlen, JSON_DECODE_ANY, NULL);
	if (data == NULL)
		goto violation;
	json_decref(data);
	*dlenp = dlen;
	return raw;
violation:
	/* A worker that breaks the protocol is done for, but the decision
	 * is already in the log: end it the recorded way (FAILED outcome,
	 * session_end) rather than dying here. */
	log_warnx("protocol violation from fs worker; ending the session");
	b->fs_alive = 0;
	b->reading = 0;
	b->status = BROKER_EXIT_WORKER;
	*err = "provider failed: protocol violation";
	return NULL;
dead:
	log_warnx("fs worker is gone; ending the session");
	b->fs_alive = 0;
	b->reading = 0;
	b->status = BROKER_EXIT_WORKER;
	*err = "provider failed: fs worker died";
	return NULL;
}

/*
 * A request refused before it runs: its decision record, then the answer
 * the agent gets (the record's error as its error); when the record
 * cannot be written, the answer says that instead (fail closed).
 */
static void
refuse(struct broker *b, const struct reqctx *c, const json_t *id,
    const char *target, const char *rstatus, const char *astatus,
    const char *error)
{
	if (audit(b, c, "decision", target, rstatus, error) == 0)
		answer(b, id, astatus, NULL, error, c->rid);
	else
		answer(b, id, "ERROR", NULL, unavailable(b), c->rid);
}

/* A malformed request (why): INVALID, the agent gets ERROR. */
static void
malformed(struct broker *b, const struct reqctx *c, const json_t *id,
    const char *target, const char *why)
{
	char errbuf[ERRBUF_MAX];

	snprintf(errbuf, sizeof(errbuf), "malformed request: %s", why);
	refuse(b, c, id, target, "INVALID", "ERROR", errbuf);
}

static void
handle_request(struct broker *b, const char *buf, size_t len)
{
	struct gate g;
	enum gate_verdict v;
	struct request rq;
	struct reqctx c;
	char why[200], errbuf[ERRBUF_MAX];
	const char *target, *err = NULL;
	char *ok_answer = NULL;
	size_t ok_len = 0;
	enum req_result rr;
	const char *data;
	size_t dlen = 0;

	memset(&c, 0, sizeof(c));
	c.t0 = now_ns();
	record_id_new(b, c.rid);
	rr = request_decode(buf, len, &rq, why, sizeof(why));
	if (rr == REQ_FRAMING) {
		snprintf(errbuf, sizeof(errbuf), "framing: %s", why);
		log_warnx("agent broke framing (%s); ending it", why);
		(void)audit(b, &c, "decision", NULL, "INVALID", errbuf);
		b->reading = 0;
		if (b->status == 0)
			b->status = BROKER_EXIT_AGENT;
		goto out;
	}
	c.action = rq.action;
	params_digest(b, rq.params != NULL ? rq.params : rq.root != NULL ?
	    json_object_get(rq.root, "params") : NULL, &c);
	if (rr == REQ_MALFORMED) {
		malformed(b, &c, rq.id, rq.target, why);
		goto out;
	}
	/* Typed, defaults filled, normalized, decided (broker/gate.c) */
	v = gate_decide(b->cfg->policy, rq.action, rq.target, rq.target_len,
	    rq.params, &g);
	target = g.target;
	if (v != GATE_MALFORMED)
		c.rule = g.d.rule_id;
	switch (v) {
	case GATE_MALFORMED:
		malformed(b, &c, rq.id, rq.target, g.why);
		goto out;
	case GATE_DENIED:
		refuse(b, &c, rq.id, target ? target : rq.target, "DENIED",
		    "DENIED", "not permitted");
		goto out;
	case GATE_PROVIDER_PARAMS:
		malformed(b, &c, rq.id, target, g.why);
		goto out;
	case GATE_ALLOWED:
		break;
	}
	if (!g.is_fs) {
		refuse(b, &c, rq.id, target, "NO_PROVIDER", "ERROR",
		    "no provider");
		goto out;
	}
	/* The decision is in the log before anything runs; a decision
	 * that cannot be written denies its action (fail closed). */
	if (audit(b, &c, "decision", target, "ALLOWED", NULL) < 0) {
		answer(b, rq.id, "ERROR", NULL, unavailable(b), c.rid);
		goto out;
	}
	data = fs_forward(b, &rq, g.d.root, target, &dlen, &err);
	if (data == NULL && err == NULL)
		err = "provider failed";
	/* Encode first. The outcome states what the provider did: OK when
	 * it succeeded, even when its result cannot reach the agent (an
	 * fs.read or fs.list larger than the channel; never a write or a
	 * delete, see TOO_LARGE); the error beside it says what the agent
	 * got instead. */
	if (data != NULL) {
		ok_answer = response_encode_text(rq.id, "OK", data, dlen, NULL,
		    c.rid, &ok_len);
		if (ok_answer == NULL || ok_len > b->cfg->agent_max) {
			err = ok_answer == NULL ? "internal error" : TOO_LARGE;
			free(ok_answer);
			ok_answer = NULL;
		}
	}
	if (audit(b, &c, "outcome", target, data != NULL ? "OK" : "FAILED",
	    ok_answer ? NULL : err) < 0) {
		free(ok_answer);
		answer(b, rq.id, "ERROR", NULL, unavailable(b), c.rid);
		goto out;
	}
	if (ok_answer != NULL)
		enqueue(b, ok_answer, ok_len);
	else
		answer(b, rq.id, "ERROR", NULL, err, c.rid);
out:
	request_free(&rq);
}

/* Read one agent message. Returns 1 handled, 0 EOF, -1 framing broken. */
static int
read_agent(struct broker *b)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * 8)];
	} cbuf;
	struct msghdr mh;
	struct iovec v;
	struct reqctx c;
	char why[120];
	ssize_t n;

	v.iov_base = b->inbuf;
	v.iov_len = b->cfg->agent_max + 1;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &v;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf.buf;
	mh.msg_controllen = sizeof(cbuf.buf);
	n = recvmsg(b->cfg->agent_fd, &mh, MSG_TRUNC | MSG_CMSG_CLOEXEC |
	    MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 1;
	if (n < 0) {
		log_warn("agent channel");
		return 0;
	}
	if (n == 0 && !(mh.msg_flags & MSG_TRUNC) && mh.msg_controllen == 0)
		return 0;
	why[0] = '\0';
	if (mh.msg_controllen > 0) {
		struct cmsghdr *cm;

		/* T12: no descriptor ever crosses the agent channel. */
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
			if (cm->cmsg_level == SOL_SOCKET &&
			    cm->cmsg_type == SCM_RIGHTS) {
				int *fds = (int *)CMSG_DATA(cm);
				size_t k, nfd = (cm->cmsg_len - CMSG_LEN(0)) /
				    sizeof(int);
				for (k = 0; k < nfd; k++)
					close(fds[k]);
			}
		snprintf(why, sizeof(why), "framing: ancillary data");
	} else if ((size_t)n > b->cfg->agent_max || (mh.msg_flags & MSG_TRUNC))
		snprintf(why, sizeof(why), "framing: message of %zd bytes "
		    "exceeds %zu", n, b->cfg->agent_max);
	if (why[0] != '\0') {
		log_warnx("agent broke framing (%s); ending it", why);
		memset(&c, 0, sizeof(c));
		c.t0 = now_ns();
		record_id_new(b, c.rid);
		(void)audit(b, &c, "decision", NULL, "INVALID", why);
		if (b->status == 0)
			b->status = BROKER_EXIT_AGENT;
		return -1;
	}
	handle_request(b, b->inbuf, (size_t)n);
	return 1;
}

/* Send queued answers until the agent's buffer is full. */
static int
flush_agent(struct broker *b)
{
	struct outmsg *m;
	ssize_t n;

	while ((m = b->qhead) != NULL) {
		n = send(b->cfg->agent_fd, m->buf, m->len,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n < 0)
			return -1;	/* agent gone: drop the rest */
		b->qhead = m->next;
		if (b->qhead == NULL)
			b->qtail = NULL;
		b->qlen--;
		free(m->buf);
		free(m);
	}
	return 0;
}

static void
drop_queue(struct broker *b)
{
	struct outmsg *m;

	while ((m = b->qhead) != NULL) {
		b->qhead = m->next;
		free(m->buf);
		free(m);
	}
	b->qtail = NULL;
	b->qlen = 0;
}

/*
 * The supervisor spoke: SESSION_STOP (--timeout, a signal to aksup) with
 * its reason for session_end, or EOF (it is gone). Either way the
 * session ends now; a reason other than the two known is a violation.
 */
static void
sup_stop(struct broker_cfg *cfg)
{
	static const char *const reasons[] = { "timeout", "signal" };
	uint8_t buf[sizeof(struct wire_hdr) + 16];
	struct chan sup;
	struct msg m;
	size_t i;

	chan_init(&sup, cfg->sup_fd, ROLE_BROKER, ROLE_SUPERVISOR, "supervisor");
	if (chan_recv(&sup, buf, sizeof(buf), &m) != 1 ||
	    m.hdr.type != WIRE_SESSION_STOP)
		return;
	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (m.hdr.len == strlen(reasons[i]) &&
		    memcmp(m.payload, reasons[i], m.hdr.len) == 0)
			cfg->stop_reason = reasons[i];
	if (cfg->stop_reason == NULL)
		fatalx("protocol violation from supervisor: bad stop reason");
}

int
broker_loop(struct broker_cfg *cfg)
{
	struct pollfd pfd[3];
	struct broker b;
	int rc, timeout;

	memset(&b, 0, sizeof(b));
	b.cfg = cfg;
	b.reading = 1;
	b.fs_alive = 1;
	b.rndpos = sizeof(b.rnd);
	chan_init(&b.fs, cfg->fs_fd, ROLE_BROKER, ROLE_WORKER_FS, "fs worker");
	b.fsbufsz = sizeof(struct wire_hdr) + WIRE_PAYLOAD_MAX + 1;
	if ((b.inbuf = malloc(cfg->agent_max + 1)) == NULL ||
	    (b.fsbuf = malloc(b.fsbufsz)) == NULL)
		fatal("malloc");
	b.fsbufsz--;		/* keep one byte for a terminating NUL */

	for (;;) {
		if (flush_agent(&b) < 0) {
			drop_queue(&b);
			b.reading = 0;
		}
		if (!b.reading && b.qhead == NULL)
			break;
		pfd[0].fd = cfg->agent_fd;
		pfd[0].events = (b.reading && b.qlen < QUEUE_MAX ? POLLIN : 0) |
		    (b.qhead ? POLLOUT : 0);
		pfd[1].fd = cfg->sup_fd;
		pfd[1].events = POLLIN;
		pfd[2].fd = b.fs_alive ? cfg->fs_fd : -1;
		pfd[2].events = POLLIN;
		/* The next request often follows within microseconds:
		 * look for it before sleeping (common/util.h). */
		if (b.reading && b.qhead == NULL && b.qlen < QUEUE_MAX &&
		    spin_readable(cfg->agent_fd, SPIN_NS)) {
			/* the seal every T ms is due under load too */
			if (audit_timeout_ms(cfg->audit) == 0 &&
			    audit_tick(cfg->audit) < 0) {
				audit_failed(&b);
				continue;
			}
			rc = read_agent(&b);
			if (rc <= 0)
				b.reading = 0;
			continue;
		}
		/* The batch fdatasync and the seal every T ms are due
		 * even while the agent is quiet. */
		timeout = audit_timeout_ms(cfg->audit);
		if (poll(pfd, 3, timeout) < 0) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (audit_tick(cfg->audit) < 0 && b.status != BROKER_EXIT_AUDIT) {
			audit_failed(&b);
			continue;
		}
		if (pfd[1].revents) {	/* supervisor gone or stopping us */
			sup_stop(cfg);
			break;
		}
		if (pfd[2].revents) {
			/* the worker speaks only when asked: EOF or a
			 * violation either way */
			log_warnx("fs worker is gone; ending the session");
			b.fs_alive = 0;
			b.reading = 0;
			b.status = BROKER_EXIT_WORKER;
			continue;
		}
		if (pfd[0].revents & (POLLERR | POLLNVAL)) {
			drop_queue(&b);
			break;
		}
		if (b.reading && (pfd[0].revents & (POLLIN | POLLHUP))) {
			rc = read_agent(&b);
			if (rc == 0)
				b.reading = 0;	/* agent done */
			else if (rc < 0) {
				b.reading = 0;
				/* what was answered before the break is
				 * still sent; then the agent is ended */
			}
		}
	}
	free(b.inbuf);
	free(b.fsbuf);
	free(b.pbuf);
	free(b.dbuf);
	drop_queue(&b);
	return b.status;
}
