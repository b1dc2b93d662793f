/*
 * broker/loop.c -- the gate, the agent's side: read a request, validate,
 * decide, write the decision to the audit log, and only then hand it to
 * the worker its provider row names (broker/inflight.c), which answers
 * later; answer the agent. One poll loop over the agent channel, the
 * supervisor's and every worker's.
 *
 * Runs in: the broker, after sandbox_enter(ROLE_BROKER). Privilege: none:
 * its channels, the audit fd, memory.
 *
 * Requests are read in arrival order and answered in completion order:
 * a denied or malformed request at once, an allowed one when its worker
 * answers (answers carry the agent's id). Answers wait in a queue while
 * the agent does not read; past QUEUE_MAX, or with as many requests in
 * flight as the bounds allow (broker/loop.h), the broker stops reading
 * requests until the agent or the workers catch up. When reading stops
 * (the agent is done or ended, a worker died, the log failed, the
 * supervisor stopped the session) the requests in flight are drained,
 * within a bound; each gets its outcome record before session_end.
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
#include "broker/loop.h"
#include "common/chan.h"
#include "common/jsonesc.h"
#include "common/log.h"
#include "common/hex.h"
#include "common/util.h"

#define QUEUE_MAX	256
#define DRAIN_STOP_MS	1000	/* stopped: what was sent may answer */
#define DRAIN_MS	5000	/* agent done: what it asked for finishes */

/*
 * What an answer can hold, by arithmetic (docs/PROTOCOL.md §3). A string
 * id is at most REQUEST_ID_MAX bytes (request_decode), the smallest
 * agent_max is BROKER_AGENT_MAX_MIN. The OK answers of rows with a
 * small_result (fs.write, fs.delete: at most PROVIDER_SMALL_MAX), the
 * broker's own errors (errbuf) and the too-large error always fit with
 * the agent's id: a completed write or delete is always answered OK, and
 * its outcome never depends on the id.
 */
#define ERRBUF_MAX		320
_Static_assert(ANSWER_MAX(PROVIDER_SMALL_MAX, 0) <= BROKER_AGENT_MAX_MIN,
    "an fs.write or fs.delete answer fits with any id");
_Static_assert(ANSWER_MAX(4, ERRBUF_MAX) <= BROKER_AGENT_MAX_MIN,
    "a malformed-request answer fits with any id");
_Static_assert(ANSWER_MAX(4, sizeof("result too large for the agent "
    "channel")) <= BROKER_AGENT_MAX_MIN, "the too-large answer fits with any id");

void
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

void
broker_enqueue(struct broker *b, char *buf, size_t len)
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

void
broker_answer(struct broker *b, const json_t *id, const char *status,
    json_t *data, const char *error, const char *record_id)
{
	size_t len = 0;
	char *s;

	s = response_encode(id, status, data, error, record_id, &len);
	if (s != NULL && len > b->cfg->agent_max) {
		/* a provider's long message: this one always fits with the
		 * id (its bound, above) */
		free(s);
		s = response_encode(id, "ERROR", NULL, "result too large for "
		    "the agent channel", record_id, &len);
	}
	if (s == NULL)
		s = response_encode(id, "ERROR", NULL, "internal error",
		    record_id, &len);
	if (s == NULL)
		fatalx("cannot encode an answer");
	broker_enqueue(b, s, len);
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
const char *
broker_unavailable(const struct broker *b)
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
int
broker_record(struct broker *b, const struct reqctx *c,
    enum audit_rtype type, const char *target, enum audit_status status,
    const char *error)
{
	struct audit_rec r;

	memset(&r, 0, sizeof(r));
	r.type = type;
	r.action = c->action;
	r.target = target;
	r.target_sent = c->target_sent;
	if (type == AUDIT_R_DECISION) {
		r.creds = c->creds;
		r.ncreds = c->ncreds;
	}
	r.params_sha256 = c->psha[0] ? c->psha : NULL;
	r.params = c->params;
	r.params_len = c->plen;
	r.status = status;
	r.rule = c->rule;
	r.error = error;
	r.duration_ms = ms_since(c->t0);
	r.record_id = c->rid;
	r.reserve = c->reserve;
	if (type == AUDIT_R_OUTCOME && (status == AUDIT_S_OK || c->tree))
		r.snapshot = c->snapshot;
	if (type == AUDIT_R_OUTCOME && c->tokens) {
		r.tokens = 1;
		r.tokens_in = c->tokens_in;
		r.tokens_out = c->tokens_out;
	}
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

/*
 * A request refused before it runs: its decision record, then the answer
 * the agent gets (the record's error as its error); when the record
 * cannot be written, the answer says that instead (fail closed).
 */
static void
refuse(struct broker *b, const struct reqctx *c, const json_t *id,
    const char *target, enum audit_status rstatus, const char *astatus,
    const char *error)
{
	if (broker_record(b, c, AUDIT_R_DECISION, target, rstatus, error) == 0)
		broker_answer(b, id, astatus, NULL, error, c->rid);
	else
		broker_answer(b, id, "ERROR", NULL, broker_unavailable(b),
		    c->rid);
}

/* A malformed request (why): INVALID, the agent gets ERROR. */
static void
malformed(struct broker *b, const struct reqctx *c, const json_t *id,
    const char *target, const char *why)
{
	char errbuf[ERRBUF_MAX];

	snprintf(errbuf, sizeof(errbuf), "malformed request: %s", why);
	refuse(b, c, id, target, AUDIT_S_INVALID, "ERROR", errbuf);
}

void
broker_decide(struct broker *b, struct request *rq, struct reqctx *c,
    const char *target, size_t tlen, const char *fail)
{
	struct gate g;
	enum gate_verdict v;
	struct wchan *w = NULL;
	const char *t, *names[HTTP_CRED_NAMES_MAX];
	int rc;

	/* Typed, defaults filled, normalized, decided (broker/gate.c) */
	v = gate_decide(b->cfg->policy, rq->action, target, tlen, rq->params,
	    &g);
	t = g.target;
	if (v != GATE_MALFORMED)
		c->rule = g.d.rule_id;
	/* /w/../etc/passwd decided as /etc/passwd, echo as /usr/bin/echo:
	 * both recorded */
	if (t != NULL && strcmp(t, rq->target) != 0)
		c->target_sent = rq->target;
	switch (v) {
	case GATE_MALFORMED:
		malformed(b, c, rq->id, t ? t : rq->target, g.why);
		return;
	case GATE_DENIED:
		refuse(b, c, rq->id, t ? t : rq->target, AUDIT_S_DENIED,
		    "DENIED", "not permitted");
		return;
	case GATE_PROVIDER_PARAMS:
		malformed(b, c, rq->id, t, g.why);
		return;
	case GATE_ALLOWED:
		break;
	}
	/* A rule's token budget, spent or held by the calls running (what
	 * they may read and generate): denied, as the policy says, and
	 * recorded so */
	if (g.d.token_budget > 0) {
		char why[ERRBUF_MAX];

		if (llm_budget_refusal(g.d.token_budget, c->plen, why,
		    sizeof(why))) {
			refuse(b, c, rq->id, t, AUDIT_S_DENIED, "DENIED", why);
			return;
		}
	}
	/* The worker of its provider row, if the session has one. */
	if (g.pv->worker != ROLE_NONE)
		w = inflight_worker(b, g.pv->worker);
	if (w == NULL) {
		refuse(b, c, rq->id, t, AUDIT_S_NO_PROVIDER, "ERROR",
		    "no provider");
		return;
	}
	/* The decision is in the log before anything runs; a decision
	 * that cannot be written denies its action (fail closed). It names
	 * the credentials its worker will add (never a value). */
	if (g.pv->creds != NULL) {
		c->ncreds = g.pv->creds(b->cfg->policy, t, NULL, names);
		c->creds = names;
	}
	rc = broker_record(b, c, AUDIT_R_DECISION, t, AUDIT_S_ALLOWED, NULL);
	c->creds = NULL;
	c->ncreds = 0;
	if (rc < 0) {
		broker_answer(b, rq->id, "ERROR", NULL, broker_unavailable(b),
		    c->rid);
		return;
	}
	if (fail != NULL) {
		/* allowed, never started: its outcome says why */
		if (broker_record(b, c, AUDIT_R_OUTCOME, t, AUDIT_S_FAILED,
		    fail) < 0)
			fail = broker_unavailable(b);
		broker_answer(b, rq->id, "ERROR", NULL, fail, c->rid);
		return;
	}
	c->reserve = audit_last_reserve(b->cfg->audit);
	inflight_start(b, w, g.pv, rq, c, &g);	/* takes rq */
}

/* A bare program name its worker can resolve: what the policy takes as
 * one (docs/POLICY.md §5), else it is decided as sent (and denied). */
static int
resolvable(const struct request *rq)
{
	size_t i;

	if (rq->target_len == 0 || rq->target_len > PROC_NAME_MAX)
		return 0;
	for (i = 0; i < rq->target_len; i++)
		if (rq->target[i] == '/' || (unsigned char)rq->target[i] < 0x20 ||
		    rq->target[i] == 0x7f)
			return 0;
	return strcmp(rq->target, ".") != 0 && strcmp(rq->target, "..") != 0;
}

static void
handle_request(struct broker *b, const char *buf, size_t len)
{
	const struct provider *pv;
	struct request rq;
	struct reqctx c;
	struct wchan *w;
	char why[200], errbuf[ERRBUF_MAX];
	enum req_result rr;

	memset(&c, 0, sizeof(c));
	c.t0 = now_ns();
	record_id_new(b, c.rid);
	rr = request_decode(buf, len, &rq, why, sizeof(why));
	if (rr == REQ_FRAMING) {
		snprintf(errbuf, sizeof(errbuf), "framing: %s", why);
		log_warnx("agent broke framing (%s); ending it", why);
		(void)broker_record(b, &c, AUDIT_R_DECISION, NULL, AUDIT_S_INVALID,
		    errbuf);
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
	/* A bare program is decided as the path its worker finds it at
	 * (the fixed PATH): asked first, decided when it answers. */
	pv = provider_of(rq.action);
	if (pv != NULL && pv->resolve_req != WIRE_NONE && resolvable(&rq) &&
	    (w = inflight_worker(b, pv->worker)) != NULL && w->alive) {
		inflight_resolve(b, w, pv, &rq, &c);	/* takes rq */
		goto out;
	}
	broker_decide(b, &rq, &c, rq.target, rq.target_len, NULL);
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
		(void)broker_record(b, &c, AUDIT_R_DECISION, NULL, AUDIT_S_INVALID, why);
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

/* Reading has stopped: what is in flight has until a bound from now,
 * the short one when the session is being ended. */
static void
drain_start(struct broker *b)
{
	int stopped = b->stopped;
	int ms = stopped || b->status != 0 ? DRAIN_STOP_MS : DRAIN_MS;
	unsigned longest = inflight_longest_ms(b);

	/* the agent is done: a command it started has its own timeout */
	if (ms == DRAIN_MS && longest + 1000 > (unsigned)ms)
		ms = (int)longest + 1000;

	b->drain_until = now_ns() + (uint64_t)ms * 1000000ull;
	/* ended for want of a log, or by the supervisor: what has not
	 * reached its worker never runs, and what runs is ended */
	if (stopped || b->status == BROKER_EXIT_AUDIT) {
		inflight_cancel_unsent(b, stopped ? "session ended before it "
		    "ran" : broker_unavailable(b));
		inflight_stop(b);
	}
}

/* The poll's timeout: the audit writer's next duty, the drain's end. */
static int
loop_timeout(const struct broker *b)
{
	uint64_t drain_until = b->drain_until;
	int t = audit_timeout_ms(b->cfg->audit);
	uint64_t now;
	int d;

	if (drain_until == 0 || b->inflight == 0)
		return t;
	now = now_ns();
	d = now >= drain_until ? 0 :
	    (int)((drain_until - now) / 1000000ull) + 1;
	return t < 0 || d < t ? d : t;
}

int
broker_loop(struct broker_cfg *cfg)
{
	struct pollfd pfd[2 + WORKERS_MAX];
	struct broker b;
	int np, n, want;

	memset(&b, 0, sizeof(b));
	b.cfg = cfg;
	b.reading = 1;
	b.rndpos = sizeof(b.rnd);
	inflight_init(&b);
	b.wbufsz = sizeof(struct wire_hdr) + WIRE_PAYLOAD_MAX + 1;
	if ((b.inbuf = malloc(cfg->agent_max + 1)) == NULL ||
	    (b.wbuf = malloc(b.wbufsz)) == NULL)
		fatal("malloc");
	b.wbufsz--;		/* keep one byte for a terminating NUL */

	for (;;) {
		if (flush_agent(&b) < 0) {
			drop_queue(&b);
			b.reading = 0;
		}
		if (!b.reading && b.drain_until == 0)
			drain_start(&b);
		/* the log failed: what has not reached its worker never runs
		 * (and is not waited for) */
		if (b.status == BROKER_EXIT_AUDIT)
			inflight_cancel_unsent(&b, broker_unavailable(&b));
		if (!b.reading && b.inflight == 0 &&
		    (b.qhead == NULL || b.stopped))
			break;
		if (b.drain_until != 0 && b.inflight > 0 &&
		    now_ns() >= b.drain_until) {
			inflight_end(&b, "session ended; the worker did not "
			    "answer in time");
			continue;
		}
		want = b.reading && b.qlen < QUEUE_MAX && inflight_room(&b);
		/* While reading, the agent's hang-up is seen even at a bound
		 * (POLLHUP comes whatever the events); once reading stopped
		 * and no answer waits, the channel is left out (a hang-up
		 * there would only spin the loop). */
		pfd[0].fd = b.reading || b.qhead || (!b.agent_gone &&
		    b.inflight > 0) ? cfg->agent_fd : -1;
		pfd[0].events = (want ? POLLIN : 0) | (b.qhead ? POLLOUT : 0);
		pfd[1].fd = b.stopped ? -1 : cfg->sup_fd;
		pfd[1].events = POLLIN;
		np = 2 + inflight_poll(&b, pfd + 2);
		/* The next request, or a worker's answer, often follows
		 * within microseconds: look for it before sleeping
		 * (common/util.h). */
		n = (want || b.inflight > 0) && b.qhead == NULL ?
		    spin_poll(pfd, (nfds_t)np, SPIN_NS) : 0;
		if (n == 0 && poll(pfd, (nfds_t)np,
		    loop_timeout(&b)) < 0) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		/* The batch fdatasync and the seal every T ms are due
		 * even while the agent is quiet, and under load. */
		if (audit_timeout_ms(cfg->audit) == 0 &&
		    audit_tick(cfg->audit) < 0 && b.status != BROKER_EXIT_AUDIT)
			audit_failed(&b);
		if (pfd[1].revents) {
			/* the supervisor is stopping us (or gone): the
			 * session ends now, what was sent may still answer */
			sup_stop(cfg);
			b.stopped = 1;
			b.reading = 0;
			b.drain_until = 0;
			continue;
		}
		inflight_handle(&b, pfd + 2);
		/* Reading stopped and the agent hung up (gone, not a
		 * half-close): nobody reads what is in flight. What has not
		 * started never does; what runs is ended (a command is
		 * killed, with its outcome), within the short drain. */
		if (!b.reading && !b.agent_gone && b.inflight > 0 &&
		    (pfd[0].revents & (POLLHUP | POLLERR))) {
			b.agent_gone = 1;
			drop_queue(&b);
			inflight_cancel_unsent(&b, "the agent was gone before it ran");
			inflight_stop(&b);
			if (b.drain_until > now_ns() + DRAIN_STOP_MS * 1000000ull)
				b.drain_until = now_ns() + DRAIN_STOP_MS *
				    1000000ull;
			continue;
		}
		if (pfd[0].revents & (POLLERR | POLLNVAL)) {
			drop_queue(&b);		/* the agent is gone */
			b.reading = 0;
			continue;
		}
		/* At a bound the agent closed its channel: it is gone and
		 * reads no answer; what it sent and the broker has not read
		 * was never decided and is dropped; what is in flight
		 * drains. (A half-close, shutdown(SHUT_WR), is not a
		 * hang-up: its requests are all read, in turn.) */
		if (!want && b.reading && (pfd[0].revents & POLLHUP)) {
			b.reading = 0;
			continue;
		}
		/* done, or ended (what was answered before is still sent) */
		if (want && b.reading && (pfd[0].revents & (POLLIN | POLLHUP)) &&
		    read_agent(&b) <= 0)
			b.reading = 0;
	}
	/* Session end: whatever is still in flight gets its outcome. */
	inflight_end(&b, "session ended");
	free(b.inbuf);
	free(b.wbuf);
	free(b.pbuf);
	free(b.esc.buf);
	drop_queue(&b);
	return b.status;
}
