/*
 * supervisor/spawn.c -- fork + exec of one role with its descriptors on
 * fixed numbers (common/fds.h) and nothing else.
 *
 * Runs in: aksup (supervisor), and in the child between fork and exec.
 * Privilege: the invoking user's. Safe because the child keeps only the
 * descriptors listed for its role (close_range of all others, T5), gets a
 * new session without our terminal (setsid, T1), dies with the supervisor
 * (PDEATHSIG), and execs a binary of ours, or, for an external agent, the
 * operator's command after Landlock and seccomp are in force.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/sandbox.h"
#include "supervisor/supervisor.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/*
 * Role binaries live next to aksup in a build tree, or in
 * ../libexec/aksup relative to it when installed. Found from
 * /proc/self/exe, never from $PATH or the environment.
 */
const char *
helper_path(const char *name)
{
	static char dir[PATH_MAX + 64];
	static char path[PATH_MAX + 128];
	char exe[PATH_MAX];
	ssize_t n;
	char *slash;

	if (dir[0] == '\0') {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n < 0)
			fatal("readlink /proc/self/exe");
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL)
			*slash = '\0';
		snprintf(path, sizeof(path), "%s/aksup-broker", exe);
		if (access(path, X_OK) == 0)
			snprintf(dir, sizeof(dir), "%s", exe);
		else if (snprintf(path, sizeof(path), "%s/../libexec/aksup/"
		    "aksup-broker", exe) > 0 && access(path, X_OK) == 0)
			snprintf(dir, sizeof(dir), "%s/../libexec/aksup", exe);
		else
			snprintf(dir, sizeof(dir), "%s", AKSUP_LIBEXECDIR);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

/* In the child: put src[i] on dst[i] via high temporaries, so a source
 * that sits on another's destination is not clobbered. */
static int
place_fds(const struct spawn *s)
{
	int tmp[SPAWN_FDS_MAX], i, fd, maxdst = 2, devnull;

	for (i = 0; i < s->nfds; i++)
		if ((tmp[i] = fcntl(s->src[i], F_DUPFD_CLOEXEC, 256)) < 0)
			return -1;
	if ((devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
		return -1;
	if (dup2(s->stdin_fd >= 0 ? s->stdin_fd : devnull, 0) < 0)
		return -1;
	if (s->stdout_fd != -2 &&
	    dup2(s->stdout_fd >= 0 ? s->stdout_fd : devnull, 1) < 0)
		return -1;
	for (i = 0; i < s->nfds; i++) {
		if (dup2(tmp[i], s->dst[i]) < 0)
			return -1;
		if (s->dst[i] > maxdst)
			maxdst = s->dst[i];
	}
	/* Every descriptor that is not on the role's list goes (T5): the
	 * gaps below the highest one, then everything above it. */
	for (fd = 3; fd < maxdst; fd++) {
		for (i = 0; i < s->nfds && s->dst[i] != fd; i++)
			;
		if (i == s->nfds)
			(void)close(fd);
	}
	if (syscall(SYS_close_range, maxdst + 1, ~0U, 0) < 0)
		return -1;
	return 0;
}

static const char *agent_ro_base[] = {
	"/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin",
	"/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
	"/dev/urandom", "/dev/random", NULL,
};
static const char *agent_rw[] = { "/dev/null", "/dev/zero", NULL };

static void
confine_external(const struct spawn *s)
{
	const char *ro[128];
	size_t n = 0, i;

	for (i = 0; agent_ro_base[i] != NULL; i++)
		ro[n++] = agent_ro_base[i];
#ifdef AKSUP_SANITIZER
	/* Sanitizer builds only: the runtime reads its options from
	 * /proc/self/environ and its own maps (this pid after exec). */
	ro[n++] = "/proc/self";
#endif
	for (i = 0; s->ro_paths && s->ro_paths[i] && n < 126; i++)
		ro[n++] = s->ro_paths[i];
	ro[n] = NULL;
	/* Read-only view of what a program needs to start, nothing else;
	 * no TCP, no signals or abstract sockets outside its domain. */
	if (sandbox_landlock(ro, agent_rw) < 0)
		fatal("landlock (refusing to run the agent unconfined)");
	sandbox_enter(ROLE_AGENT_EXTERNAL);
}

pid_t
spawn_role(const struct spawn *s)
{
	sigset_t none;
	pid_t parent = getpid(), pid;
	int i;

	if ((pid = fork()) < 0)
		return -1;
	if (pid > 0)
		return pid;

	/* child */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (i = 1; i < NSIG; i++)
		signal(i, SIG_DFL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(127);
	if (setsid() < 0)
		_exit(127);
	if (place_fds(s) < 0) {
		log_warn("spawn %s: descriptors", s->path);
		_exit(127);
	}
	if (s->kind == SPAWN_AGENT_EXTERNAL)
		confine_external(s);
	execve(s->path, s->argv, s->envp);
	log_warn("exec %s", s->path);
	_exit(127);
}

/* The environment of our own role binaries: empty but for the sanitizer
 * runtime's options in sanitizer test runs. */
char **
helper_env(void)
{
	static char *env[3];
	static char buf[2][512];
	const char *names[] = { "ASAN_OPTIONS", "UBSAN_OPTIONS" };
	const char *v;
	int i, n = 0;

	for (i = 0; i < 2; i++)
		if ((v = getenv(names[i])) != NULL &&
		    snprintf(buf[n], sizeof(buf[n]), "%s=%s", names[i], v) <
		    (int)sizeof(buf[n]))
			env[n] = buf[n], n++;
	env[n] = NULL;
	return env;
}

int
run_helper(struct spawn *s)
{
	pid_t pid;
	int st;

	if ((pid = spawn_role(s)) < 0) {
		log_warn("fork");
		return EXIT_ERR;
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			log_warn("waitpid");
			return EXIT_ERR;
		}
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}
