/*
 * supervisor/session.c -- one session: the rows of common/roles.h that a
 * session has (the broker, its workers, the agent's seat) started in
 * table order, each with its ends of the channel matrix on the numbers
 * the matrix gives and what start.c prepares for it; then only the watch
 * (watch.c) until every one is gone; then aksup's exit code.
 *
 * Runs in: aksup (supervisor). Privilege: the invoking user's. It makes
 * the socketpairs of the matrix and nothing else connects two processes
 * (T5, T12); every descriptor a child gets is one its row lists.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/chan.h"
#include "common/log.h"
#include "supervisor/session.h"

#define EXIT_TIMEOUT	124	/* --timeout expired (timeout(1)) */


static int
in_session(const struct sess *s, enum role r)
{
	return r == ROLE_SUPERVISOR || r == s->agent ||
	    (role_defs[r].flags & RF_SESSION);
}

/* The matrix's pairs between roles this session has. */
static int
open_channels(struct sess *s)
{
	const struct chan_def *c;
	unsigned i;

	if (chan_ndefs > CHAN_MAX)
		fatalx("the channel matrix has more rows than CHAN_MAX");
	for (i = 0; i < chan_ndefs; i++) {
		c = &chan_defs[i];
		if (!in_session(s, c->a) || !in_session(s, c->b))
			continue;
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
		    s->chan[i]) < 0) {
			log_warn("socketpair");
			return -1;
		}
		if (c->msg_max) {
			chan_size_buffers(s->chan[i][0], c->msg_max);
			chan_size_buffers(s->chan[i][1], c->msg_max);
		}
	}
	return 0;
}

/* Role r's ends of the matrix, on the row's numbers; `give` 0 closes
 * them in the supervisor once r has them. */
static void
channel_ends(struct sess *s, enum role r, struct spawn *sp, int give)
{
	unsigned i;
	int e;

	for (i = 0; i < chan_ndefs; i++)
		for (e = 0; e < 2; e++) {
			if ((e ? chan_defs[i].b : chan_defs[i].a) != r ||
			    s->chan[i][e] < 0)
				continue;
			if (give) {
				sp->src[sp->nfds] = s->chan[i][e];
				sp->dst[sp->nfds++] = e ? chan_defs[i].fd_b :
				    chan_defs[i].fd_a;
			} else {
				close(s->chan[i][e]);
				s->chan[i][e] = -1;
			}
		}
}

/* Started: an RF_OPTIONAL row only when the broker (started first, its
 * row before) named it in BROKER_READY; its channel's ends are closed
 * otherwise (the broker closes its own). */
static int
to_start(struct sess *s, enum role r)
{
	if (r == ROLE_SUPERVISOR || !in_session(s, r))
		return 0;
	if ((role_defs[r].flags & RF_OPTIONAL) && !s->wanted[r]) {
		channel_ends(s, r, NULL, 0);
		return 0;
	}
	return 1;
}

static int
start(struct sess *s, enum role r)
{
	struct spawn sp;

	memset(&sp, 0, sizeof(sp));
	sp.role = r;
	sp.stdin_fd = -1;
	sp.stdout_fd = -1;
	channel_ends(s, r, &sp, 1);
	if (start_prepare(s, r, &sp) < 0)
		return -1;
	if ((s->p[r].pid = spawn_role(&sp)) < 0)
		fatal("fork");
	channel_ends(s, r, NULL, 0);
	return start_started(s, r);
}

static int
exit_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return EXIT_ERR;
}

/*
 * aksup's exit code: a signal's 128+N, --timeout's 124, else the agent's.
 * The broker ended the session abnormally (the agent broke the protocol,
 * a worker died, the log failed): that is an ERROR (1). submit promises
 * 0/1/2/3 only, so always 1. run keeps CMD's own exit code, but not the
 * 128+9 of our teardown killing it.
 */
static int
session_rc(const struct sess *s, int started)
{
	const struct proc *a = &s->p[s->agent], *b = &s->p[ROLE_BROKER];
	int rc = EXIT_ERR;

	if (s->signo)
		return 128 + s->signo;
	if (s->timed_out)
		return EXIT_TIMEOUT;
	if (!started)
		return EXIT_ERR;
	if (a->pid > 0)
		rc = exit_code(a->status);
	if (b->pid > 0 && exit_code(b->status) != 0) {
		if (rc == 0 || !(role_defs[s->agent].flags & RF_EXTERNAL))
			rc = EXIT_ERR;
		else if (s->agent_killed && WIFSIGNALED(a->status) &&
		    WTERMSIG(a->status) == SIGKILL)
			rc = EXIT_ERR;
	}
	return rc;
}

static void
session_free(struct sess *s)
{
	unsigned i;
	int e;

	for (i = 0; i < CHAN_MAX; i++)
		for (e = 0; e < 2; e++)
			if (s->chan[i][e] >= 0)
				close(s->chan[i][e]);
	for (e = 0; e < s->nroots; e++)
		if (s->rootfd[e] >= 0)
			close(s->rootfd[e]);
	if (s->policyfd >= 0)
		close(s->policyfd);
	if (s->policydir >= 0)
		close(s->policydir);
	auditfile_close(&s->af);
	if (s->refused) {
		mcp_unmake(s);
		snapstore_unmake(s);
	}
	mcp_close(s);
	llmcfg_close(s);
	llmcfg_agent_close(s);
	snapstore_close(s);
	if (s->pinsdir >= 0)
		close(s->pinsdir);
	free(s->pinspath);
	if (s->sigfd >= 0)
		close(s->sigfd);
	free(s->ready);
	free(s->rootsfx);
	free(s->fdarg);
	free(s->proot);
}

static void
session_init(struct sess *s, const struct session_cfg *cfg)
{
	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->agent = cfg->agent_role;
	s->sigfd = s->policyfd = s->policydir = s->credfd = -1;
	s->mcpenvfd = s->pinsfd = s->pinsdir = s->snapfd = s->snapparent = -1;
	s->llm_keyfd = s->llm_replayfd = -1;
	s->agentyamlfd = s->agent_cfgfd = s->agentyamldir = -1;
	s->llm_replaydir = -1;
	memset(s->chan, -1, sizeof(s->chan));
	s->af = (struct auditfiles){ .logfd = -1, .keyfd = -1, .logdir = -1,
	    .keydir = -1 };
	s->rootsfx = calloc(FS_ROOTS_MAX, sizeof(*s->rootsfx));
	/* a worker's argv: up to 3 entries of its own (the mcp worker's
	 * pins, namespaces, cgroups), then one a root or path */
	s->fdarg = calloc(FS_ROOTS_MAX + 4, sizeof(*s->fdarg));
	s->proot = calloc(ROOTS_PLACE_MAX, sizeof(*s->proot));
	if (s->rootsfx == NULL || s->fdarg == NULL || s->proot == NULL)
		fatal("calloc");
}

int
session_run(const struct session_cfg *cfg)
{
	struct sigaction ign, oldpipe;
	struct sess s;
	int r, started = 1, intact = 0, rc;

	if (!(role_defs[cfg->agent_role].flags & RF_AGENT))
		fatalx("session: the agent's seat needs an agent row");
	(void)helper_path("aksup-broker");	/* found, before any file is
						 * made (else it says so) */
	session_init(&s, cfg);
	/* A reader of our stdout that went away is an EPIPE for the relay
	 * (supervisor/relay.c), not our death. Children reset it. */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	(void)sigaction(SIGPIPE, &ign, &oldpipe);
	watch_init(&s);
	if (open_channels(&s) < 0)
		started = 0;
	for (r = ROLE_NONE + 1; r < ROLE_N && started; r++)
		if (to_start(&s, (enum role)r) && start(&s, (enum role)r) < 0)
			started = 0;
	while (!watch_all_done(&s))
		watch_once(&s, -1);
	watch_kill_leftovers();
	/* every agent process is gone: the rest of its output, to EOF */
	if (s.relay_on) {
		s.rl = NULL;
		relay_started(&s.rly, s.relay_child);
		relay_finish(&s.rly);
	}
	/* (a broker that never got ready said why itself: the policy's
	 * FILE:LINE:COL, an unwritable log) */
	if (s.p[ROLE_BROKER].pid > 0 && (s.broker_ready ||
	    !WIFEXITED(s.p[ROLE_BROKER].status)))	/* (a crash is never
							 * said by itself) */
		watch_report_broker(s.p[ROLE_BROKER].status, s.agent);
	/* (a refused session said what was wrong with its files) */
	if (started && !s.refused)
		intact = placement_intact(s.pfile, s.npf);
	rc = session_rc(&s, started);
	if (intact < 0)
		rc = EXIT_ERR;
	session_free(&s);
	(void)sigaction(SIGPIPE, &oldpipe, NULL);
	return rc;
}
