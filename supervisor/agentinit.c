/*
 * supervisor/agentinit.c -- the external agent's init: pid 1 of the
 * agent's pid namespace, so that the agent itself is not.
 *
 * The kernel drops every signal sent to a namespace's pid 1 for which it
 * has no handler: an agent at pid 1 could not be stopped by SIGTERM from
 * the host, and an agent that killed itself would "exit 0". So the child
 * the supervisor cloned into the namespace forks once more, at the very
 * end of its confinement (just before execve): the grandchild execs CMD,
 * and this code stays behind as pid 1. It
 *   - forwards SIGTERM SIGINT SIGHUP SIGQUIT SIGUSR1 SIGUSR2 to the agent
 *     (they reach it blocked, so the kernel queues them: a blocked
 *     signal is never dropped, even at pid 1);
 *   - reaps every process of the namespace (orphans are reparented to
 *     pid 1);
 *   - exits as soon as the agent has: code N for exit(N), 128+N for a
 *     death by signal N (docs/aksup-run.1); the kernel then kills
 *     whatever the agent left in the namespace.
 *
 * Runs in: the agent's first process (supervisor's clone child), after
 * confine_child: the same namespaces, uid, empty capability sets,
 * rlimits, Landlock domain and seccomp filter as the agent, applied
 * before the fork, so this code never runs with more than the agent
 * has. Privilege: none. It holds only fd 2 (stderr); fds 0, 1 and 3 are
 * closed, so it keeps no channel to the broker or the relay open. It
 * reads no data from the agent: only wait statuses and signal numbers.
 * Syscalls: rt_sigprocmask, clone (fork), close, rt_sigtimedwait
 * (sigwaitinfo), wait4, kill, prctl (PDEATHSIG, in the agent), exit_group.
 */
#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fds.h"
#include "supervisor/confine.h"

static const int forwarded[] = {
	SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2,
};

void
agentinit_fork(void)
{
	sigset_t set, none;
	siginfo_t si;
	pid_t self = getpid(), agent, w;
	size_t i;
	int st, sig;

	/* Blocked before the fork: a signal that arrives between the fork
	 * and the wait is queued, not lost. */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&set, forwarded[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		_exit(126);
	if ((agent = fork()) < 0)
		_exit(126);
	if (agent == 0) {
		/* the agent: default dispositions (spawn_role reset them),
		 * nothing blocked; it dies with its init */
		sigemptyset(&none);
		if (sigprocmask(SIG_SETMASK, &none, NULL) < 0 ||
		    prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != self)
			_exit(126);
		return;
	}
	/* The init keeps nothing of the agent's: no stdin, no stdout
	 * relay, no broker channel (the broker must see EOF when the
	 * agent is gone). */
	(void)close(0);
	(void)close(1);
	(void)close(AGENT_FD);
	for (;;) {
		if ((sig = sigwaitinfo(&set, &si)) < 0) {
			if (errno == EINTR)
				continue;
			_exit(126);
		}
		if (sig != SIGCHLD) {
			(void)kill(agent, sig);
			continue;
		}
		while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
			if (w != agent)
				continue;	/* an orphan: reaped */
			if (WIFEXITED(st))
				_exit(WEXITSTATUS(st));
			if (WIFSIGNALED(st))
				_exit(128 + WTERMSIG(st));
		}
	}
}
