/*
 * supervisor/watch.c -- the session's watch: signals (from a signalfd, so
 * no work happens in a handler, T9), deadlines, reaping, and teardown
 * when any part dies (fail closed). How long the others may run once a
 * role is gone is that role's grace in common/roles.h.
 *
 * Runs in: aksup (supervisor). Privilege: the invoking user's; it only
 * sends signals to its own children. It is a child subreaper, so anything
 * the agent leaves behind is reparented here and killed at the end: no
 * orphan outlives a session.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/chan.h"
#include "common/exits.h"
#include "common/log.h"
#include "common/util.h"
#include "supervisor/session.h"

#define STOP_GRACE_MS	2000	/* stopped: SIGTERM, then SIGKILL */

static int
live(const struct sess *s, int r)
{
	return s->p[r].pid > 0 && !s->p[r].done;
}

void
watch_init(struct sess *s)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGQUIT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (s->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		fatal("signalfd");
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
}

void
watch_kill_all(struct sess *s)
{
	int i;

	for (i = ROLE_N - 1; i > ROLE_NONE; i--) {
		if (!live(s, i))
			continue;
		/* the agent's whole session (process group) too */
		if (role_defs[i].flags & RF_AGENT) {
			(void)kill(-s->p[i].pid, SIGKILL);
			s->agent_killed = 1;
		}
		(void)kill(s->p[i].pid, SIGKILL);
	}
	s->killed = 1;
}

void
watch_set_deadline(struct sess *s, int ms)
{
	uint64_t d = now_ns() + (uint64_t)ms * 1000000ull;

	if (s->deadline == 0 || d < s->deadline)
		s->deadline = d;
}

/*
 * End the session the recorded way: the broker is told why (SESSION_STOP:
 * it stops serving the agent and writes session_end with the reason),
 * the agent gets `sig` (its init forwards it), and STOP_GRACE_MS later
 * whatever is left is killed. A second stop kills at once.
 */
static void
session_stop(struct sess *s, const char *reason, int sig)
{
	struct iovec iov = { (void *)reason, strlen(reason) };
	struct chan c;

	if (s->stopping++ || s->p[s->agent].pid <= 0) {
		watch_kill_all(s);
		return;
	}
	if (start_sup_fd(s) >= 0 && !s->p[ROLE_BROKER].done) {
		chan_init(&c, start_sup_fd(s), ROLE_SUPERVISOR, ROLE_BROKER,
		    "broker");
		if (chan_send(&c, WIRE_SESSION_STOP, 0, &iov, 1) < 0)
			log_warn("cannot tell the broker to stop");
	}
	if (!s->p[s->agent].done)
		(void)kill(s->p[s->agent].pid, sig);
	watch_set_deadline(s, STOP_GRACE_MS);
}

/*
 * The broker is gone: nothing can act any more. After a session that
 * ended as it should (exit 0), its workers saw EOF and end by their own
 * rules within the broker's grace (the mcp worker closes each server's
 * stdin, then SIGTERM, then SIGKILL); else they go now. An agent it
 * ended for breaking the protocol (or that it never served) dies now;
 * otherwise (the agent closed its channel, a worker died, the log
 * failed) the agent has the broker's grace to read its last answers,
 * see EOF and exit by itself. What is left at the deadline is killed.
 */
static void
broker_gone(struct sess *s, int st)
{
	int i;

	for (i = 1; i < ROLE_N; i++)
		if ((role_defs[i].flags & RF_WORKER) && live(s, i) &&
		    !(WIFEXITED(st) && WEXITSTATUS(st) == BROKER_EXIT_OK))
			(void)kill(s->p[i].pid, SIGKILL);
	if (WIFEXITED(st) && WEXITSTATUS(st) != BROKER_EXIT_AGENT &&
	    WEXITSTATUS(st) != BROKER_EXIT_SETUP)
		watch_set_deadline(s, role_defs[ROLE_BROKER].grace_ms);
	else
		watch_kill_all(s);
}

/*
 * SIGKILL our children (we are a subreaper: what the agent left behind is
 * reparented to us), sparing the session's own roles but the agent when
 * `s` is given: those end by their own rules.
 */
static void
kill_children(const struct sess *s)
{
	char path[64], buf[4096];
	ssize_t n;
	char *p, *end;
	int fd, i, role;

	snprintf(path, sizeof(path), "/proc/self/task/%d/children", getpid());
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	for (p = buf; *p; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		for (role = 0, i = 1; s != NULL && i < ROLE_N; i++)
			if (s->p[i].pid == pid && !(role_defs[i].flags & RF_AGENT))
				role = 1;
		if (pid > 0 && !role)
			(void)kill((pid_t)pid, SIGKILL);
	}
}

/* One of the session's roles exited. */
static void
gone(struct sess *s, int i, int st)
{
	s->p[i].done = 1;
	s->p[i].status = st;
	log_debug("%s exited (status 0x%x)", role_defs[i].name, st);
	if (role_defs[i].flags & RF_AGENT) {
		kill_children(s);	/* what the agent left goes with it */
		if (s->rl != NULL)
			relay_stop_input(s->rl);
		(void)kill(-s->p[i].pid, SIGKILL);	/* its group */
	}
	if (i == ROLE_BROKER)
		broker_gone(s, st);
	else
		watch_set_deadline(s, role_defs[i].grace_ms);
}

static void
reap(struct sess *s)
{
	pid_t pid;
	int st, i;

	if (s->p[s->agent].done)
		kill_children(s);	/* what the agent left goes with it */
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		for (i = 1; i < ROLE_N; i++)
			if (s->p[i].pid == pid)
				gone(s, i, st);
}

int
watch_all_done(const struct sess *s)
{
	int i;

	for (i = 1; i < ROLE_N; i++)
		if (live(s, i))
			return 0;
	return 1;
}

/* The next poll's timeout: the nearest of the deadline and --timeout. */
static int
next_timeout(struct sess *s)
{
	uint64_t now = now_ns();
	int timeout = -1, n;

	if (s->stop_at && now >= s->stop_at) {
		s->stop_at = 0;
		s->timed_out = 1;
		log_warnx("--timeout reached; ending the session");
		session_stop(s, "timeout", SIGTERM);
	}
	if (s->deadline) {
		if (now >= s->deadline) {
			watch_kill_all(s);
			s->deadline = 0;
		} else
			timeout = (int)((s->deadline - now) / 1000000ull) + 1;
	}
	if (s->stop_at) {
		n = (int)((s->stop_at - now) / 1000000ull) + 1;
		if (timeout < 0 || n < timeout)
			timeout = n;
	}
	return timeout;
}

/* One pass of the watch loop: signals, deadlines, the agent's stdio. */
void
watch_once(struct sess *s, int extra_fd)
{
	struct signalfd_siginfo si;
	struct pollfd pfd[2 + RELAY_NPOLL];
	int timeout = next_timeout(s), n, np = 1;

	pfd[0].fd = s->sigfd;
	pfd[0].events = POLLIN;
	if (extra_fd >= 0) {
		pfd[np].fd = extra_fd;
		pfd[np++].events = POLLIN;
	}
	/* the agent's stdio moves in the same loop, never blocking it */
	if (s->rl != NULL)
		np += relay_poll(s->rl, pfd + np);
	n = poll(pfd, (nfds_t)np, timeout);
	if (n < 0 && errno != EINTR)
		fatal("poll");
	if (n > 0 && s->rl != NULL)
		relay_handle(s->rl);
	if (n > 0 && (pfd[0].revents & POLLIN)) {
		while (read(s->sigfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGCHLD)
				continue;
			log_warnx("caught signal %u; ending the session",
			    si.ssi_signo);
			if (s->signo == 0)
				s->signo = (int)si.ssi_signo;
			/* passed on to the agent (its init); the second
			 * one, or one before the agent runs, kills now */
			session_stop(s, "signal", (int)si.ssi_signo);
		}
	}
	reap(s);
}

/* Kill and reap whatever the agent left behind: each round kills our
 * current children; their own children are then reparented to us and
 * die in the next round, until none is left. */
void
watch_kill_leftovers(void)
{
	struct timespec ms = { 0, 1000000 };
	int rounds;

	for (rounds = 0; rounds < 5000; rounds++) {
		kill_children(NULL);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD)
			break;
		nanosleep(&ms, NULL);
	}
}

void
watch_report_broker(int st, enum role agent)
{
	if (!WIFEXITED(st)) {
		if (WIFSIGNALED(st) && WTERMSIG(st) != SIGKILL)
			log_warnx("broker killed by signal %d", WTERMSIG(st));
		return;
	}
	switch (WEXITSTATUS(st)) {
	case BROKER_EXIT_OK:
		break;
	case BROKER_EXIT_AGENT:
		if (agent == ROLE_CLIENT)	/* aksup submit's own request */
			log_warnx("a request that is not one ended the session "
			    "(said above; see the audit log)");
		else
			log_warnx("the agent broke the protocol and was ended "
			    "(see the audit log)");
		break;
	case BROKER_EXIT_WORKER:
		log_warnx("a worker died; the session was ended");
		break;
	case BROKER_EXIT_AUDIT:
		log_warnx("the audit log could not be written; the session "
		    "was ended (fail closed)");
		break;
	case BROKER_EXIT_BUDGET:
		log_warnx("the session's audit budget ran out and the session "
		    "was ended (see the audit log; raise --audit-max-bytes or "
		    "--audit-max-records)");
		break;
	default:
		log_warnx("broker failed (exit %d)", WEXITSTATUS(st));
	}
}
