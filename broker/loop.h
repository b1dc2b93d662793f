/*
 * broker/loop.h -- the gate's state, shared by its two halves: loop.c
 * (the agent's side: read, decide, record, answer; the poll loop) and
 * inflight.c (the workers' side: allowed requests in flight, sent and
 * answered in completion order).
 *
 * Runs in: the broker, after sandbox_enter(ROLE_BROKER). Privilege: none:
 * its channels, the audit fd, memory.
 */
#ifndef AKSUP_BROKER_LOOP_H
#define AKSUP_BROKER_LOOP_H

#include <poll.h>
#include <stdint.h>

#include "audit/audit.h"
#include "broker/broker.h"
#include "broker/provider.h"
#include "common/chan.h"

/* Bounds on requests in flight (allowed, handed to a worker, not yet
 * answered): per worker and per session. At either the broker stops
 * reading the agent until one completes, as it does when answers wait. */
#define WORKER_INFLIGHT_MAX	16
#define SESSION_INFLIGHT_MAX	64
#define WORKERS_MAX		8	/* worker rows a broker can serve */
/* An RF_CONCURRENT worker's jobs at most: WORKER_INFLIGHT_MAX running
 * and as many resolutions besides (its provider's resolve_req) */
#define WORKER_RESOLVE_MAX	(2 * WORKER_INFLIGHT_MAX)
/* Requests sent ahead to one worker (sent, not yet answered): one it
 * works on and one waiting in its socket, so a send never waits for a
 * worker that is itself waiting to send its answer. The rest of its
 * WORKER_INFLIGHT_MAX wait in the broker, decided and recorded. */
#define WORKER_SEND_AHEAD	2

/* What every record of one request shares. */
struct reqctx {
	const char *action;
	const char *target;
	const char *target_sent;	/* as sent, when normalized to another;
					 * NULL: the same */
	const char *params;	/* canonical JSON, or NULL */
	size_t plen;
	char psha[65];		/* its SHA-256; "" when no params */
	const char *rule;
	char rid[37];
	uint64_t t0;
	uint64_t reserve;	/* the audit budget its outcome holds */
	const char *const *creds;	/* its decision record: the names of
					 * the credentials its worker adds */
	size_t ncreds;
	int snapshot;		/* its outcome, when OK: audit_rec.snapshot */
	int tokens;		/* its outcome names the tokens used: */
	unsigned long long tokens_in, tokens_out;	/* (llm.chat) */
	int tree;		/* its tree snapshot was taken (proc.exec,
				 * snapshot: tree): every outcome names it,
				 * a failed command's too */
};

/* A redirect hop its worker was allowed to follow: a decision of its
 * own, whose outcome is the request's. */
struct hop {
	char rid[37];
	uint64_t reserve;
	char *url;		/* its target */
	char *rule;		/* the rule that allowed it */
};

/* An allowed request in flight: it owns everything its outcome record
 * and answer need. */
struct job {
	struct job *next;	/* its worker's list, in send order */
	struct wchan *w;
	const struct provider *pv;
	uint64_t tag;
	int sent;
	int resolving;		/* its target is being resolved: no
				 * decision yet (provider's resolve_req) */
	struct request rq;	/* the agent's id, action, params */
	struct reqctx c;	/* points into rq, target, params, rule */
	char *target;		/* canonical */
	char *params;		/* canonical params text (NULL: "{}") */
	size_t pcap;
	char rule[300];
	struct fwd f;		/* the worker's request */
	struct wchan *then;	/* set while its tree snapshot is taken: the
				 * job waits on the fs worker, then goes to
				 * this one (proc.exec, snapshot: tree) */
	_Alignas(8) unsigned char snapq[FWD_HDR_MAX];	/* that request */
	struct iovec snapiov[2];
	struct hop *hops;	/* allowed hops (provider's hop_req) */
	unsigned nhops;		/* hops asked for, allowed or not */
	unsigned nallowed;
	struct fwd hopf;	/* the broker's word on the last hop */
	int hop_unsent;		/* hopf waits for room on the channel */
};

/* One worker's channel (a row of the channel matrix). */
struct wchan {
	enum role role;
	char label[32];		/* "fs worker", for messages */
	struct chan ch;
	int alive;
	struct job *head, *tail;	/* in flight, in send order */
	unsigned n;		/* jobs in the list */
	unsigned nsent;		/* of them sent, not yet answered */
	unsigned ahead;		/* sent ahead at most: WORKER_SEND_AHEAD,
				 * or WORKER_INFLIGHT_MAX (RF_CONCURRENT) */
};

struct outmsg {
	struct outmsg *next;
	size_t len;
	char *buf;
};

struct broker {
	struct broker_cfg *cfg;
	struct wchan w[WORKERS_MAX];
	int nw;
	unsigned inflight;	/* jobs, all workers */
	struct outmsg *qhead, *qtail;
	size_t qlen;
	int reading;		/* still reading requests */
	int agent_gone;		/* hung up while requests were in flight */
	int stopped;		/* the supervisor stopped the session */
	uint64_t drain_until;	/* reading stopped: the drain's end; 0 */
	int status;		/* exit status once reading stops */
	char *inbuf;
	uint8_t *wbuf;		/* a worker's message */
	size_t wbufsz;
	uint64_t tag;
	uint8_t rnd[512];
	size_t rndpos;
	char *pbuf;		/* canonical params, handed to a job */
	size_t pcap;
	struct growbuf esc;	/* escaped raw answers, reused */
	char empty_sha[65];	/* SHA-256 of "{}", the usual params */
};

/* loop.c: records and answers */
void record_id_new(struct broker *b, char out[37]);
/* Decide rq on `target` (as sent, or as its worker resolved it), record
 * the decision and answer or start it. fail: an allowed request is not
 * started but ends FAILED with this (its resolution failed, the session
 * is ending). rq stays the caller's to free (empty once taken). */
void broker_decide(struct broker *b, struct request *rq, struct reqctx *c,
    const char *target, size_t tlen, const char *fail);
int broker_record(struct broker *b, const struct reqctx *c,
    enum audit_rtype type, const char *target, enum audit_status status,
    const char *error);
void broker_answer(struct broker *b, const json_t *id, const char *status,
    json_t *data, const char *error, const char *record_id);
void broker_enqueue(struct broker *b, char *buf, size_t len);
const char *broker_unavailable(const struct broker *b);

/* inflight.c */
void inflight_init(struct broker *b);
struct wchan *inflight_worker(struct broker *b, enum role role);
/* Take an allowed request (its decision recorded) into flight: rq and
 * params move into the job. The answer comes later, in completion
 * order; a request that cannot be sent is answered now. */
void inflight_start(struct broker *b, struct wchan *w,
    const struct provider *pv, struct request *rq, const struct reqctx *c,
    const struct gate *g);
/* A request whose target its worker resolves first (the provider's
 * resolve_req): rq moves into a job; broker_decide follows the answer. */
void inflight_resolve(struct broker *b, struct wchan *w,
    const struct provider *pv, struct request *rq, const struct reqctx *c);
/* The longest a request in flight may still take by its provider's
 * own bound (a command's timeout), in ms; 0 when none says. */
unsigned inflight_longest_ms(const struct broker *b);
/* The session is stopped: each concurrent worker is told (its channel's
 * EOF) to end what runs and answer it. */
void inflight_stop(struct broker *b);
/* Whether the broker may read another request. */
int inflight_room(const struct broker *b);
/* Poll entries of the workers (their fds, POLLIN; -1 when gone) from
 * pfd[0]; returns how many. inflight_handle acts on their revents. */
int inflight_poll(struct broker *b, struct pollfd *pfd);
void inflight_handle(struct broker *b, const struct pollfd *pfd);
/* Requests not yet sent to their worker fail now (FAILED, `why`): they
 * never run. */
void inflight_cancel_unsent(struct broker *b, const char *why);
/* Session end: every request still in flight gets its outcome record
 * (FAILED, `why`), before session_end. */
void inflight_end(struct broker *b, const char *why);

#endif
