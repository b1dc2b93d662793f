/*
 * supervisor/spawn.c -- fork + exec of one role with its descriptors on
 * fixed numbers (common/fds.h) and nothing else.
 *
 * Runs in: aksup (supervisor), and in the child between fork and exec.
 * Privilege: the invoking user's. Safe because the child keeps only the
 * descriptors listed for its role (close_range of all others, T5), gets a
 * new session without our terminal (setsid, T1), dies with the supervisor
 * (PDEATHSIG), takes on its role's profile (supervisor/confine.c:
 * namespaces, uid, capabilities, rlimits), and execs a binary of ours, or,
 * for an external agent, the operator's command after its mount view,
 * Landlock and seccomp are in force, from a fork of its init
 * (supervisor/agentinit.c): the agent's stdin is /dev/null or a pipe,
 * its stdout and stderr pipes the supervisor relays (supervisor/relay.c),
 * never the operator's terminal (T1).
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

#include "common/fds.h"
#include "common/log.h"
#include "common/sandbox.h"
#include "common/wire.h"
#include "supervisor/confine.h"
#include "supervisor/supervisor.h"


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
		snprintf(path, sizeof(path), "%s/aksup-broker", dir);
		/* a copy of aksup on its own has no roles to start */
		if (access(path, X_OK) != 0)
			fatalx("cannot find aksup's role binaries (aksup-broker, "
			    "aksup-worker-fs, ...): not beside %s, not in "
			    "%s/../libexec/aksup, not in %s. Run aksup from its "
			    "build directory, or install it (meson install)",
			    exe, exe, AKSUP_LIBEXECDIR);
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

#ifdef AKSUP_TEST_HOOKS
/*
 * Test builds only (-Dtest_hooks=true; never in a default build): with
 * AKSUP_TEST_PROBE_ROLE=NAME in aksup's environment, the spawn of role
 * NAME (broker, worker-fs, agent-builtin: the seat of aksup submit)
 * execs tests/sandbox's aksup-sbprobe instead, under that role's
 * profile: "aksup-sbprobe NAME $AKSUP_TEST_PROBE_ARGS -- ROLE-ARGV...".
 */
static const char *
test_hook(struct spawn *s)
{
	static char *argv[96], args[1024];
	const char *name = getenv("AKSUP_TEST_PROBE_ROLE");
	enum role want;
	char *a, *save;
	int n = 0, i;

	if (name == NULL || (want = role_by_name(name)) == ROLE_NONE)
		return NULL;
	/* that role's spawn, or (agent-builtin, before it has a binary of
	 * its own) any spawn in the agent's seat but an external one */
	if (want != s->role && !((role_defs[want].flags & RF_AGENT) &&
	    (role_defs[s->role].flags & RF_AGENT) &&
	    !(role_defs[s->role].flags & RF_EXTERNAL)))
		return NULL;
	argv[n++] = "aksup-sbprobe";
	argv[n++] = (char *)name;
	snprintf(args, sizeof(args), "%s",
	    getenv("AKSUP_TEST_PROBE_ARGS") ? getenv("AKSUP_TEST_PROBE_ARGS") : "");
	for (a = strtok_r(args, " ", &save); a && n < 40;
	    a = strtok_r(NULL, " ", &save))
		argv[n++] = a;
	argv[n++] = "--";
	for (i = 1; s->argv[i] != NULL && n < 94; i++)
		argv[n++] = s->argv[i];
	argv[n] = NULL;
	s->argv = argv;
	s->path = helper_path("aksup-sbprobe");
	return name;
}
#endif

pid_t
spawn_role(const struct spawn *sp)
{
	struct spawn copy = *sp, *s = &copy;
	sigset_t none;
	pid_t parent = getpid(), pid;
	int i;

	/* our binaries are found by their row, never by a path we were
	 * given; only the operator's program (RF_EXTERNAL) comes as one */
	if (s->role <= ROLE_NONE || s->role >= ROLE_N ||
	    (role_defs[s->role].binary == NULL) !=
	    ((role_defs[s->role].flags & RF_EXTERNAL) != 0))
		fatalx("spawn: no such role %d", (int)s->role);
	if (!(role_defs[s->role].flags & RF_EXTERNAL))
		s->path = helper_path(role_defs[s->role].binary);

#ifdef AKSUP_TEST_HOOKS
	const char *hooked = test_hook(s);

	if (hooked != NULL)
		confine_force_profile(hooked);
#endif
	pid = confine_fork(s);
#ifdef AKSUP_TEST_HOOKS
	if (pid != 0 && hooked != NULL)
		confine_force_profile(NULL);
#endif
	if (pid != 0)
		return pid < 0 ? -1 : pid;

	/* child */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (i = 1; i < NSIG; i++)
		signal(i, SIG_DFL);
	/* In its own pid namespace the agent sees its parent as pid 0. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 ||
	    (getppid() != parent && getppid() != 0))
		_exit(127);
	if (setsid() < 0)
		_exit(127);
	if (place_fds(s) < 0) {
		log_warn("spawn %s: descriptors", s->path);
		_exit(127);
	}
	/* namespaces, uid/gid, capabilities, rlimits; for an external
	 * agent also its mount view, Landlock and seccomp */
	confine_child(s);
	/* A change of uid or gid clears the parent-death signal: set it
	 * again now that the ids are final, and make sure the supervisor
	 * did not die in between (then nothing would kill us). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 ||
	    (getppid() != parent && getppid() != 0))
		_exit(127);
	/* An external agent is not its namespace's pid 1: this process
	 * stays as its init (supervisor/agentinit.c), confined as it is. */
	if (role_defs[s->role].flags & RF_EXTERNAL)
		agentinit_fork();
	execve(s->path, s->argv, s->envp);
	log_warn("exec %s", s->path);
	_exit(127);
}

/* The environment of our own role binaries: empty but for the layers
 * the operator waived (AKSUP_WAIVED, read by sandbox_enter) and the
 * sanitizer runtime's options in sanitizer test runs. */
char **
helper_env(void)
{
	static char *env[5];
	static char buf[2][512];
	const char *names[] = { "ASAN_OPTIONS", "UBSAN_OPTIONS" };
	const char *v;
	int i, n = 0, e = 0;

	for (i = 0; i < 2; i++)
		if ((v = getenv(names[i])) != NULL &&
		    snprintf(buf[n], sizeof(buf[n]), "%s=%s", names[i], v) <
		    (int)sizeof(buf[n]))
			env[e++] = buf[n], n++;
	if ((v = confine_env_waived()) != NULL)
		env[e++] = (char *)v;
	/* the internal protocol this aksup speaks (common/wire.h) */
	env[e++] = WIRE_VERSION_ENV "=" WIRE_VERSION;
	env[e] = NULL;
	return env;
}

/*
 * The broker binary on its own, for a policy only (validate-policy,
 * policy explain): the policy on fd 6, confined like any role, never
 * parsed here. Returns its exit code, or -1 when the file cannot be
 * opened (said on stderr).
 */
int
run_policy_helper(const char *policy, char **argv)
{
	struct spawn sp;
	int fd, rc;

	/* The same checks as a session's policy (placement.c): a policy
	 * others can write is refused here too, before it is trusted. */
	if ((fd = policyfile_open(policy)) < 0)
		return -1;
	memset(&sp, 0, sizeof(sp));
	sp.role = ROLE_POLICY_TOOL;
	sp.argv = argv;
	sp.envp = helper_env();
	sp.src[0] = fd;
	sp.dst[0] = BROKER_FD_POLICY;
	sp.nfds = 1;
	sp.stdin_fd = -1;
	sp.stdout_fd = -2;
	rc = run_helper(&sp);
	close(fd);
	return rc;
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
