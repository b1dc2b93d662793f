/*
 * broker/inflight.c -- the workers' side of the gate: every allowed
 * request, its decision already in the log, goes to the worker its
 * provider row names and waits there in flight; each worker's answer
 * (matched by its tag) is recorded as the outcome and answered to the
 * agent, in the order the answers come. Several requests are in flight
 * per worker and across workers, within WORKER_INFLIGHT_MAX and
 * SESSION_INFLIGHT_MAX. A worker that dies or breaks the protocol fails
 * every request it held, each with its outcome record, and ends the
 * session; so does the session's end.
 *
 * Runs in: the broker, after sandbox_enter(ROLE_BROKER). Privilege: none.
 * Input: worker answers, from confined peers: checked by the wire table
 * (common/chan.c) and by the provider's result hook before they reach
 * the agent.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "audit/audit.h"
#include "broker/loop.h"
#include "common/log.h"
#include "common/util.h"

#define TOO_LARGE	"result too large for the agent channel"

_Static_assert(WORKER_SEND_AHEAD <= WORKER_INFLIGHT_MAX &&
    WORKER_INFLIGHT_MAX <= SESSION_INFLIGHT_MAX, "bounds in order");

/* The workers of the matrix (common/roles.h) the supervisor started
 * beside the broker: each a row with RF_WORKER and RF_SESSION. */
void
inflight_init(struct broker *b)
{
	const struct chan_def *c;
	struct wchan *w;
	unsigned i;

	for (i = 0; i < chan_ndefs; i++) {
		c = &chan_defs[i];
		if (c->a != ROLE_BROKER ||
		    (role_defs[c->b].flags & (RF_WORKER | RF_SESSION)) !=
		    (RF_WORKER | RF_SESSION))
			continue;
		/* not started for this policy (BROKER_READY said so): its
		 * channel is never used */
		if ((role_defs[c->b].flags & RF_OPTIONAL) &&
		    !provider_worker_wanted(b->cfg->policy, c->b)) {
			close(c->fd_a);
			continue;
		}
		if (b->nw == WORKERS_MAX)
			fatalx("more workers than WORKERS_MAX");
		w = &b->w[b->nw++];
		memset(w, 0, sizeof(*w));
		w->role = c->b;
		/* "worker-fs" speaks of itself as "fs worker" */
		snprintf(w->label, sizeof(w->label), "%s worker",
		    strncmp(role_defs[c->b].name, "worker-", 7) == 0 ?
		    role_defs[c->b].name + 7 : role_defs[c->b].name);
		chan_init(&w->ch, c->fd_a, ROLE_BROKER, c->b, w->label);
		w->alive = 1;
		w->ahead = (role_defs[c->b].flags & RF_CONCURRENT) ?
		    WORKER_RESOLVE_MAX : WORKER_SEND_AHEAD;
	}
}

struct wchan *
inflight_worker(struct broker *b, enum role role)
{
	int i;

	for (i = 0; i < b->nw; i++)
		if (b->w[i].role == role)
			return &b->w[i];
	return NULL;
}

int
inflight_room(const struct broker *b)
{
	int i;

	if (b->inflight >= SESSION_INFLIGHT_MAX)
		return 0;
	/* the next request may be for any worker; one that runs many at
	 * once refuses one more instead (inflight_start) */
	for (i = 0; i < b->nw; i++)
		if (b->w[i].alive && b->w[i].n >= WORKER_INFLIGHT_MAX &&
		    !(role_defs[b->w[i].role].flags & RF_CONCURRENT))
			return 0;
	return 1;
}

static void
job_free(struct broker *b, struct job *j)
{
	/* what it could have generated is no longer held */
	llm_tokens.reserved -= j->f.tokens;
	request_free(&j->rq);
	free(j->target);
	free(j->f.owned);
	free(j->hopf.owned);
	while (j->hops != NULL && j->nallowed > 0) {
		free(j->hops[--j->nallowed].url);
		free(j->hops[j->nallowed].rule);
	}
	free(j->hops);
	/* its params buffer goes back to the broker when it has none */
	if (j->params != NULL && b->pbuf == NULL) {
		b->pbuf = j->params;
		b->pcap = j->pcap;
	} else
		free(j->params);
	free(j);
}

static void
unlink_job(struct broker *b, struct job *j)
{
	struct wchan *w = j->w;
	struct job **pp, *prev = NULL;

	for (pp = &w->head; *pp != NULL; prev = *pp, pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	if (w->tail == j)
		w->tail = prev;
	w->n--;
	if (j->sent)
		w->nsent--;
	b->inflight--;
}

/* Each redirect hop the request was allowed to follow ends with it:
 * its outcome is the request's (one exchange). */
static void
hop_outcomes(struct broker *b, struct job *j, enum audit_status st,
    const char *err)
{
	struct reqctx c = j->c;
	unsigned i;

	c.target_sent = NULL;
	for (i = 0; i < j->nallowed; i++) {
		memcpy(c.rid, j->hops[i].rid, sizeof(c.rid));
		c.reserve = j->hops[i].reserve;
		c.rule = j->hops[i].rule;
		if (broker_record(b, &c, AUDIT_R_OUTCOME, j->hops[i].url, st,
		    err) < 0)
			break;
	}
}

/*
 * A request's end: its outcome record (OK with the answer when the
 * provider did it, else FAILED with why), then the answer. The outcome
 * states what the provider did: OK when it succeeded, even when its
 * result cannot reach the agent (an fs.read or fs.list larger than the
 * channel; never a row with small_result); the error beside it says what
 * the agent got instead.
 */
/* A resolving job's own params text goes back to the broker's buffer,
 * where broker_decide's inflight_start takes it again. */
static void
params_back(struct broker *b, struct job *j)
{
	if (j->params == NULL)
		return;
	free(b->pbuf);
	b->pbuf = j->params;
	b->pcap = j->pcap;
	j->c.params = b->pbuf;
	j->params = NULL;
}

/*
 * A request's end: its outcome record (OK with the answer when the
 * provider did it, else FAILED with why), then the answer. The outcome
 * states what the provider did: OK when it succeeded, even when its
 * result cannot reach the agent (an fs.read or fs.list larger than the
 * channel; never a row with small_result); the error beside it says what
 * the agent got instead. Data with an error (a command that timed out:
 * its output so far) is FAILED and answered ERROR with the data. A job
 * still resolving has no decision yet: it is decided as sent and, if
 * allowed, fails with err.
 */
static void
finish(struct broker *b, struct job *j, const char *data, size_t dlen,
    const char *err)
{
	const char *perr = err;		/* the provider's own */
	char *ok = NULL;
	size_t oklen = 0;

	unlink_job(b, j);
	if (j->resolving) {
		params_back(b, j);
		broker_decide(b, &j->rq, &j->c, j->rq.target, j->rq.target_len,
		    err ? err : "provider failed");
		job_free(b, j);
		return;
	}
	if (data != NULL) {
		ok = response_encode_text(j->rq.id, err ? "ERROR" : "OK", data,
		    dlen, err, j->c.rid, &oklen);
		if (ok == NULL || oklen > b->cfg->agent_max) {
			if (err == NULL)
				err = ok == NULL ? "internal error" : TOO_LARGE;
			free(ok);
			ok = NULL;
		}
	}
	if (err == NULL && ok == NULL)
		err = "provider failed";
	hop_outcomes(b, j, data != NULL && perr == NULL ? AUDIT_S_OK :
	    AUDIT_S_FAILED, err);
	if (broker_record(b, &j->c, AUDIT_R_OUTCOME, j->c.target, data != NULL &&
	    perr == NULL ? AUDIT_S_OK : AUDIT_S_FAILED, err) < 0) {
		free(ok);
		broker_answer(b, j->rq.id, "ERROR", NULL,
		    broker_unavailable(b), j->c.rid);
	} else if (ok != NULL)
		broker_enqueue(b, ok, oklen);
	else
		broker_answer(b, j->rq.id, "ERROR", NULL, err, j->c.rid);
	job_free(b, j);
}

/* The worker refused it by a check of its own (an MCP tool changed
 * since pinned): DENIED, and the outcome record says why. */
static void
refused(struct broker *b, struct job *j, const char *why)
{
	unlink_job(b, j);
	hop_outcomes(b, j, AUDIT_S_FAILED, why);
	if (broker_record(b, &j->c, AUDIT_R_OUTCOME, j->c.target,
	    AUDIT_S_DENIED, why) < 0)
		broker_answer(b, j->rq.id, "ERROR", NULL,
		    broker_unavailable(b), j->c.rid);
	else
		broker_answer(b, j->rq.id, "DENIED", NULL, why, j->c.rid);
	job_free(b, j);
}

/* The worker is gone or broke the protocol: every request it held fails
 * (recorded), and the session ends. */
static void
worker_down(struct broker *b, struct wchan *w, int violation)
{
	char err[96];

	if (!w->alive)
		return;
	if (violation)
		log_warnx("protocol violation from %s; ending the session",
		    w->label);
	else
		log_warnx("%s is gone; ending the session", w->label);
	w->alive = 0;
	b->reading = 0;
	if (b->status == 0)
		b->status = BROKER_EXIT_WORKER;
	if (violation)
		snprintf(err, sizeof(err), "provider failed: protocol "
		    "violation");
	else
		snprintf(err, sizeof(err), "provider failed: %s died",
		    w->label);
	while (w->head != NULL)
		finish(b, w->head, NULL, 0, err);
}

/*
 * Send what the worker may take now, in order: at most WORKER_SEND_AHEAD
 * unanswered. Nothing is sent once the session is ending for want of a
 * log (no outcome could be recorded).
 */
static void
flush_sends(struct broker *b, struct wchan *w)
{
	struct job *j;

	for (j = w->head; j != NULL && w->alive; ) {
		struct job *next = j->next;

		if (j->hop_unsent) {
			if (chan_send_nowait(&w->ch, j->pv->hop_resp, j->tag,
			    j->hopf.iov, j->hopf.iovcnt) < 0) {
				if (errno == EAGAIN || errno == EINTR)
					break;		/* POLLOUT: later */
				/* our half shut (the session is stopping):
				 * the worker ends it and answers */
				if (errno != EPIPE) {
					worker_down(b, w, 0);
					return;
				}
			}
			j->hop_unsent = 0;
			free(j->hopf.owned);
			j->hopf.owned = NULL;
		}
		if (j->sent) {
			j = next;
			continue;
		}
		if (b->status == BROKER_EXIT_AUDIT) {
			/* no outcome could be recorded: it never runs */
			finish(b, j, NULL, 0, broker_unavailable(b));
			j = next;
			continue;
		}
		if (w->nsent >= w->ahead)
			break;
		if ((j->then != NULL ? chan_send_nowait(&w->ch, WIRE_FS_REQ,
		    j->tag, j->snapiov, 2) : chan_send_nowait(&w->ch,
		    j->resolving ? j->pv->resolve_req : j->pv->req, j->tag,
		    j->f.iov, j->f.iovcnt)) < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;		/* POLLOUT: later */
			if (errno == EMSGSIZE) {
				finish(b, j, NULL, 0, "request too large");
				j = next;
				continue;
			}
			worker_down(b, w, 0);
			return;
		}
		j->sent = 1;
		w->nsent++;
		j = next;
	}
}

/* j (unlinked) at the end of worker w's list. */
static void
job_link(struct broker *b, struct wchan *w, struct job *j)
{
	j->w = w;
	j->next = NULL;
	j->sent = 0;
	if (w->tail)
		w->tail->next = j;
	else
		w->head = j;
	w->tail = j;
	w->n++;
	b->inflight++;
}

/*
 * proc.exec with snapshot: tree: the job goes first to the fs worker,
 * which snapshots every writable root as record j->c.rid (FS_OP_SNAPTREE,
 * the program its target), and only then to its own worker (tree_taken).
 * No fs worker, or no snapshot: the command does not run.
 */
static int
tree_first(struct broker *b, struct job *j, unsigned ttl, const char **err)
{
	struct wchan *fw = inflight_worker(b, ROLE_WORKER_FS);
	struct fs_req *q = (struct fs_req *)(void *)j->snapq;

	_Static_assert(sizeof(struct fs_req) <= FWD_HDR_MAX, "fs_req fits");
	if (fw == NULL || !fw->alive) {
		*err = "No snapshot could be taken, so nothing was done: the "
		    "fs worker is gone";
		return -1;
	}
	if (strlen(j->c.rid) != FS_ID_LEN || j->f.session == NULL ||
	    strlen(j->f.session) != FS_ID_LEN) {
		*err = "internal error: no record id";
		return -1;
	}
	memset(q, 0, sizeof(*q));
	q->op = FS_OP_SNAPTREE;
	q->ttl = ttl;
	memcpy(q->rid, j->c.rid, FS_ID_LEN);
	memcpy(q->session, j->f.session, FS_ID_LEN);
	q->target_len = (uint32_t)strlen(j->target);
	j->snapiov[0].iov_base = q;
	j->snapiov[0].iov_len = sizeof(*q);
	j->snapiov[1].iov_base = j->target;
	j->snapiov[1].iov_len = q->target_len;
	j->then = j->w;
	unlink_job(b, j);
	job_link(b, fw, j);
	return 0;
}

/* The fs worker's answer to a job's tree snapshot: on to its own worker
 * (the outcome names the snapshot), or the command does not run. -1:
 * the answer breaks the protocol. */
static int
tree_taken(struct broker *b, struct job *j, uint32_t kind, const char *text)
{
	char err[1024];
	struct wchan *to = j->then;

	if (kind == REPLY_ERROR) {
		snprintf(err, sizeof(err), "No snapshot could be taken, so "
		    "nothing was done: %s", text);
		finish(b, j, NULL, 0, err);
		return 0;
	}
	if (kind != REPLY_JSON)
		return -1;
	unlink_job(b, j);
	j->then = NULL;
	j->c.snapshot = 1;
	j->c.tree = 1;
	job_link(b, to, j);
	/* the session ends (stopped, the log failed, the agent gone): the
	 * snapshot is kept, the command never starts */
	if (b->status != 0 || b->cfg->stop_reason != NULL || b->stopped ||
	    b->agent_gone) {
		finish(b, j, NULL, 0, "session ended before it ran");
		return 0;
	}
	if (!to->alive) {
		finish(b, j, NULL, 0, "provider failed: the worker is gone");
		return 0;
	}
	flush_sends(b, to);
	return 0;
}

/* A job for rq (moved into it) on worker w, at the end of its list. */
static struct job *
job_new(struct broker *b, struct wchan *w, const struct provider *pv,
    struct request *rq, const struct reqctx *c, const char *target)
{
	struct job *j;

	if ((j = calloc(1, sizeof(*j))) == NULL ||
	    (j->target = strdup(target)) == NULL)
		fatal("calloc");
	j->pv = pv;
	j->tag = ++b->tag;
	j->rq = *rq;		/* the request's JSON is the job's now */
	memset(rq, 0, sizeof(*rq));
	j->c = *c;
	j->c.action = j->rq.action;
	j->c.target = j->target;
	snprintf(j->rule, sizeof(j->rule), "%s", c->rule ? c->rule : "");
	j->c.rule = c->rule ? j->rule : NULL;
	if (c->params != NULL && c->params == b->pbuf) {
		/* the canonical params text: the broker's buffer, taken */
		j->params = b->pbuf;
		j->pcap = b->pcap;
		j->c.params = j->params;
		b->pbuf = NULL;
		b->pcap = 0;
	}
	job_link(b, w, j);
	return j;
}

/* Its jobs past resolution (running or about to), and those waiting on
 * their tree snapshot to come to it. */
static unsigned
running(const struct broker *b, const struct wchan *w)
{
	const struct job *j;
	unsigned n = 0;
	int i;

	for (j = w->head; j != NULL; j = j->next)
		n += !j->resolving;
	for (i = 0; i < b->nw; i++)
		for (j = b->w[i].head; j != NULL; j = j->next)
			n += j->then == w;
	return n;
}

void
inflight_start(struct broker *b, struct wchan *w, const struct provider *pv,
    struct request *rq, const struct reqctx *c, const struct gate *g)
{
	const char *err = NULL;
	struct job *j;
	/* a worker that runs many at once takes WORKER_INFLIGHT_MAX; one
	 * more is refused, never waited for (inflight_room) */
	int full = (role_defs[w->role].flags & RF_CONCURRENT) &&
	    running(b, w) >= WORKER_INFLIGHT_MAX;

	j = job_new(b, w, pv, rq, c, g->target);
	if (!w->alive)
		err = "provider failed: the worker is gone";
	else if (full)
		err = "too many requests running at once (at most 16 per "
		    "worker of this kind); try again when one has answered";
	j->f.rid = j->c.rid;
	j->f.session = audit_session_id(b->cfg->audit);
	j->f.operator_client = b->cfg->operator_client;
	/* the outcome of a write or delete names its snapshot (the worker
	 * does not do it without one) or says there was none */
	if (pv->snapshots)
		j->c.snapshot = g->d.no_snapshot ? -1 : 1;
	if (err != NULL || pv->encode(&j->f, b->cfg->policy, j->rq.action,
	    j->rq.params, j->target, &g->d, &err) < 0 ||
	    (g->d.tree_snapshot && tree_first(b, j, g->d.snapshot_ttl,
	    &err) < 0)) {
		finish(b, j, NULL, 0, err);
		return;
	}
	if (j->then != NULL)
		w = j->w;	/* the fs worker, first */
	/* a metered call holds what it may generate (job_free gives it
	 * back): calls in flight together cannot pass the budget */
	llm_tokens.reserved += j->f.tokens;
	/* started while the agent's requests drain (a bare name resolved
	 * after the half-close): its own bound extends the drain */
	if (b->drain_until != 0 && !b->stopped && b->status == 0 &&
	    j->f.run_ms > 0 && now_ns() + (j->f.run_ms + 1000) * 1000000ull >
	    b->drain_until)
		b->drain_until = now_ns() + (j->f.run_ms + 1000) * 1000000ull;
	flush_sends(b, w);
}

void
inflight_resolve(struct broker *b, struct wchan *w, const struct provider *pv,
    struct request *rq, const struct reqctx *c)
{
	struct job *j;

	j = job_new(b, w, pv, rq, c, rq->target);
	j->resolving = 1;
	/* a resolution runs nothing and is answered at once: it is not
	 * held back by the commands running (a 17th is then refused on
	 * its resolved path), only bounded itself */
	if (w->n > WORKER_RESOLVE_MAX) {
		finish(b, j, NULL, 0, "too many requests running at once (at "
		    "most 16 per worker of this kind); try again when one has "
		    "answered");
		return;
	}
	j->f.iov[0].iov_base = (void *)j->rq.target;
	j->f.iov[0].iov_len = j->rq.target_len;
	j->f.iovcnt = 1;
	flush_sends(b, w);
}

/*
 * The worker's resolution of a job's bare target: an absolute, normal
 * path (REPLY_RAW) or not found (REPLY_ERROR). The request is decided
 * now, on the path (or as sent, failing when allowed). -1: the answer
 * breaks the protocol.
 */
static int
resolved(struct broker *b, struct job *j, uint32_t kind, const char *p,
    size_t len)
{
	char norm[PROC_NAME_MAX + 4096];
	const char *fail = NULL;

	if (kind == REPLY_RAW) {
		if (len == 0 || memchr(p, '\0', len) != NULL ||
		    path_normalize(p, len, norm, sizeof(norm)) < 0 ||
		    strlen(norm) != len || memcmp(norm, p, len) != 0)
			return -1;
	} else if (kind == REPLY_ERROR) {
		fail = "program not found in the fixed PATH "
		    "(/usr/local/bin:/usr/bin:/bin)";
		norm[0] = '\0';
	} else
		return -1;
	unlink_job(b, j);
	params_back(b, j);
	/* the session ends (stopped, the log failed, the agent gone and
	 * the proc channel shut): decided, never started */
	if (fail == NULL && (b->status != 0 || b->cfg->stop_reason != NULL ||
	    b->stopped || b->agent_gone))
		fail = "session ended before it ran";
	if (kind == REPLY_RAW)
		broker_decide(b, &j->rq, &j->c, norm, strlen(norm), fail);
	else
		broker_decide(b, &j->rq, &j->c, j->rq.target, j->rq.target_len,
		    fail);
	job_free(b, j);
	return 0;
}

unsigned
inflight_longest_ms(const struct broker *b)
{
	const struct job *j;
	unsigned m = 0;
	int i;

	for (i = 0; i < b->nw; i++)
		for (j = b->w[i].head; j != NULL; j = j->next)
			if (j->f.run_ms > m)
				m = j->f.run_ms;
	return m;
}

void
inflight_stop(struct broker *b)
{
	int i;

	/* Safe: only our end's writing half; the worker reads EOF, kills
	 * what it runs and answers each (then the drain records them). */
	for (i = 0; i < b->nw; i++)
		if (b->w[i].alive &&
		    (role_defs[b->w[i].role].flags & RF_CONCURRENT))
			(void)shutdown(b->w[i].ch.fd, SHUT_WR);
}

/*
 * Its worker asks to follow a redirect of job j to `url`: decided like
 * a request of its own, on the same params, with a decision record of
 * its own (a new record id, the credentials the worker would add); the
 * worker waits for the answer. -1: the message breaks the protocol.
 */
static int
hop(struct broker *b, struct job *j, const char *url, size_t len)
{
	const char *names[HTTP_CRED_NAMES_MAX], *err = NULL;
	enum audit_status st;
	enum gate_verdict v;
	struct reqctx c = j->c;
	struct gate g;
	int allowed = 0;

	if (j->pv->hop == NULL || j->resolving || j->hop_unsent ||
	    j->nhops >= j->f.hops_max || j->nhops >= HTTP_HOPS_MAX ||
	    len == 0 || memchr(url, '\0', len))
		return -1;
	j->nhops++;
	c.t0 = now_ns();
	record_id_new(b, c.rid);
	c.target_sent = NULL;
	c.reserve = 0;
	v = gate_decide(b->cfg->policy, j->rq.action, url, len, j->rq.params,
	    &g);
	c.rule = v != GATE_MALFORMED ? g.d.rule_id : NULL;
	st = v == GATE_ALLOWED ? AUDIT_S_ALLOWED : v == GATE_DENIED ?
	    AUDIT_S_DENIED : AUDIT_S_INVALID;
	if (st == AUDIT_S_ALLOWED && (b->status != 0 || b->stopped ||
	    b->cfg->stop_reason != NULL)) {
		st = AUDIT_S_DENIED;	/* the session ends: no new exchange */
		c.rule = NULL;
		err = "session ended before the redirect was followed";
	}
	if (st == AUDIT_S_ALLOWED) {
		c.ncreds = j->pv->creds != NULL ? j->pv->creds(b->cfg->policy,
		    url, j->target, names) : 0;
		c.creds = names;
	}
	if (broker_record(b, &c, AUDIT_R_DECISION, url, st, st ==
	    AUDIT_S_ALLOWED ? NULL : err ? err : v == GATE_DENIED ?
	    "redirect not permitted" : g.why) == 0 && st == AUDIT_S_ALLOWED) {
		if (j->hops == NULL && (j->hops = calloc(HTTP_HOPS_MAX,
		    sizeof(*j->hops))) == NULL)
			fatal("calloc");
		memcpy(j->hops[j->nallowed].rid, c.rid, sizeof(c.rid));
		if ((j->hops[j->nallowed].url = strdup(url)) == NULL ||
		    (j->hops[j->nallowed].rule = strdup(g.d.rule_id)) == NULL)
			fatal("strdup");
		j->hops[j->nallowed++].reserve = audit_last_reserve(
		    b->cfg->audit);
		allowed = 1;
	}
	memset(&j->hopf, 0, sizeof(j->hopf));
	if (j->pv->hop(&j->hopf, b->cfg->policy, j->target, url,
	    j->rq.params, allowed ? &g.d : NULL, &err) < 0 &&
	    j->pv->hop(&j->hopf, b->cfg->policy, j->target, url, j->rq.params,
	    NULL, &err) < 0)
		fatalx("hop answer");
	j->hop_unsent = 1;
	return 0;
}

/* One message from a worker: the answer to one of its requests. */
/* A metered answer's tokens (struct llm_usage_wire, before its JSON):
 * summed for the session's budget, named in its outcome record. A short
 * answer is left to the row's result hook, which refuses it. */
static void
metered(struct job *j, const uint8_t *p, size_t len)
{
	struct llm_usage_wire u;
	const unsigned long long most = 1000000000000ull;	/* 10^12 */

	if (len < sizeof(u))
		return;
	memcpy(&u, p, sizeof(u));
	/* a confined peer's numbers: bounded, never wrapped */
	u.input = u.input > most ? most : u.input;
	u.output = u.output > most ? most : u.output;
	llm_tokens.used += u.input + u.output;
	j->c.tokens = 1;
	j->c.tokens_in = u.input;
	j->c.tokens_out = u.output;
}

static void
worker_read(struct broker *b, struct wchan *w)
{
	const char *data = NULL, *err = NULL, *why = NULL;
	struct reply_hdr rh;
	struct msg m;
	struct job *j;
	size_t dlen = 0;
	int rc;

	rc = chan_recv_why(&w->ch, b->wbuf, b->wbufsz, &m, &why);
	if (rc == -2) {
		/* a wire-level violation too ends the recorded way: every
		 * request it held gets its outcome */
		log_warnx("%s: %s", w->label, why);
		worker_down(b, w, 1);
		return;
	}
	if (rc == 0 || (rc < 0 && errno != EAGAIN && errno != EINTR)) {
		worker_down(b, w, 0);
		return;
	}
	if (rc < 0)
		return;
	for (j = w->head; j != NULL && !(j->sent && j->tag == m.hdr.tag);
	    j = j->next)
		;
	if (j != NULL && !j->resolving && m.hdr.type == j->pv->hop_req &&
	    j->pv->hop_req != WIRE_NONE) {
		m.payload[m.hdr.len] = '\0';	/* wbuf has room for it */
		if (hop(b, j, (const char *)m.payload, m.hdr.len) < 0)
			worker_down(b, w, 1);
		else
			flush_sends(b, w);
		return;
	}
	if (j == NULL || m.hdr.type != (j->then != NULL ? WIRE_FS_RESP :
	    j->resolving ? j->pv->resolve_resp : j->pv->resp)) {
		worker_down(b, w, 1);
		return;
	}
	memcpy(&rh, m.payload, sizeof(rh));
	m.payload[m.hdr.len] = '\0';	/* wbuf has room for it */
	if (j->then != NULL) {
		if (tree_taken(b, j, rh.kind, (const char *)m.payload +
		    sizeof(rh)) < 0)
			worker_down(b, w, 1);
		else
			flush_sends(b, w);
		return;
	}
	if (j->resolving) {
		if (resolved(b, j, rh.kind, (const char *)m.payload +
		    sizeof(rh), m.hdr.len - sizeof(rh)) < 0)
			worker_down(b, w, 1);
		else
			flush_sends(b, w);
		return;
	}
	if (j->pv->metered)
		metered(j, m.payload + sizeof(rh), m.hdr.len - sizeof(rh));
	rc = j->pv->result(j->pv, rh.kind, (const char *)m.payload +
	    sizeof(rh), m.hdr.len - sizeof(rh), &b->esc, &data, &dlen, &err);
	if (rc < 0) {
		/* the decision is in the log: ended the recorded way */
		worker_down(b, w, 1);
		return;
	}
	if (rc == 1 && !j->resolving)
		refused(b, j, err);
	else
		finish(b, j, data, dlen, err);
	flush_sends(b, w);
}

/* A hop answer of one of its jobs waits for room on the channel. */
static int
hop_waits(const struct wchan *w)
{
	const struct job *j;

	for (j = w->head; j != NULL; j = j->next)
		if (j->hop_unsent)
			return 1;
	return 0;
}

int
inflight_poll(struct broker *b, struct pollfd *pfd)
{
	int i;

	for (i = 0; i < b->nw; i++) {
		/* a worker speaks only when asked; unasked, it is EOF or a
		 * violation, either way seen here */
		pfd[i].fd = b->w[i].alive ? b->w[i].ch.fd : -1;
		pfd[i].events = POLLIN;
		if ((b->w[i].nsent < b->w[i].n &&
		    b->w[i].nsent < b->w[i].ahead) || hop_waits(&b->w[i]))
			pfd[i].events |= POLLOUT;
		pfd[i].revents = 0;
	}
	return b->nw;
}

void
inflight_handle(struct broker *b, const struct pollfd *pfd)
{
	int i;

	for (i = 0; i < b->nw; i++) {
		if (!b->w[i].alive || pfd[i].revents == 0)
			continue;
		if (pfd[i].revents & POLLIN)
			worker_read(b, &b->w[i]);
		else if (pfd[i].revents & (POLLHUP | POLLERR | POLLNVAL))
			worker_down(b, &b->w[i], 0);
		if (b->w[i].alive && (pfd[i].revents & POLLOUT))
			flush_sends(b, &b->w[i]);
	}
}

void
inflight_cancel_unsent(struct broker *b, const char *why)
{
	struct job *j, *next;
	int i;

	for (i = 0; i < b->nw; i++)
		for (j = b->w[i].head; j != NULL; j = next) {
			next = j->next;
			if (!j->sent)
				finish(b, j, NULL, 0, why);
		}
}

void
inflight_end(struct broker *b, const char *why)
{
	char err[160];
	int i;

	/* never sent: never ran; sent: the worker may be doing it now,
	 * and the record says so rather than claim it failed */
	inflight_cancel_unsent(b, "session ended before it ran");
	snprintf(err, sizeof(err), "%s (it may have run)", why);
	for (i = 0; i < b->nw; i++)
		while (b->w[i].head != NULL)
			finish(b, b->w[i].head, NULL, 0, err);
}
