/*
 * workers/proc/cmd.c -- one command's sandbox, applied in its child
 * between clone and exec (docs/SANDBOX.md "Commands"). The child was
 * cloned into new pid, mount, ipc, uts and (unless network: true) net
 * namespaces, owned by the worker's user namespace; it is pid 1 of its
 * pid namespace, so when it exits, or is killed on timeout, the kernel
 * kills everything it started.
 *
 * Runs in: the command's child of aksup-worker-proc, before exec.
 * Privilege: the worker's PROC_KEEP_CAPS in the worker's user namespace
 * (nothing outside it); every step only takes away, in an order where
 * each still has what the next needs:
 *   session, cgroup -> mount view (CAP_SYS_ADMIN over its own mount
 *   namespace) -> rlimits -> securebits, bounding set (CAP_SETPCAP)
 *   -> inner uid 1 (the files' owner) or 0 with no capability
 *   -> Landlock -> the agent's seccomp filter -> exec.
 * A step that fails ends the child (exit 126), its reason on the status
 * pipe: a command that cannot be confined does not run (T8).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "common/mountview.h"
#include "common/sandbox.h"
#include "workers/proc/proc.h"

static int status_fd = -1;

static _Noreturn void
fail(const char *step, const char *what)
{
	char msg[512];
	int n, e = errno;

	n = snprintf(msg, sizeof(msg), "cannot confine the command: %s%s%s%s%s",
	    step, what ? " (" : "", what ? what : "", what ? ")" : "",
	    e ? ": " : "");
	if (n > 0 && (size_t)n < sizeof(msg) && e)
		snprintf(msg + n, sizeof(msg) - (size_t)n, "%s", strerror(e));
	if (status_fd >= 0)
		(void)!write(status_fd, msg, strlen(msg));
	_exit(126);
}

static void
set_limit(int res, rlim_t v)
{
	struct rlimit r = { v, v }, old;

	/* never above what the worker has (it cannot raise a hard limit) */
	if (getrlimit(res, &old) == 0 && old.rlim_max != RLIM_INFINITY &&
	    old.rlim_max < v)
		r.rlim_cur = r.rlim_max = old.rlim_max;
	if (setrlimit(res, &r) < 0)
		fail("rlimits", NULL);
}

static void
limits(const struct cmd_spec *sp)
{
	/* CPU seconds: the timeout's, plus two (the wall-clock kill comes
	 * first; this bounds a command the worker could not kill) */
	set_limit(RLIMIT_CPU, sp->timeout_ms / 1000 + 2);
#ifndef AKSUP_SANITIZER
	set_limit(RLIMIT_AS, (rlim_t)4 << 30);
#endif
	set_limit(RLIMIT_NPROC, 256);
	set_limit(RLIMIT_FSIZE, (rlim_t)256 << 20);
	set_limit(RLIMIT_NOFILE, 256);
	set_limit(RLIMIT_CORE, 0);
	set_limit(RLIMIT_MEMLOCK, 64 << 10);
	set_limit(RLIMIT_MSGQUEUE, 0);
}

/*
 * A root, opened again by its path in the child's own mount namespace (a
 * mount of another namespace cannot be cloned), through no symlink, and
 * only if it is still the directory the supervisor opened: a root
 * swapped since then is never bound.
 */
static int
same_root(const struct proc_root *r)
{
	char buf[PATH_MAX], *comp, *save = NULL;
	struct stat a, b;
	int fd, next;

	/* component by component from /, each O_PATH|O_NOFOLLOW|
	 * O_DIRECTORY: a symlink on the way fails (ENOTDIR); no openat2,
	 * whose mode this worker's filter could not check */
	if (snprintf(buf, sizeof(buf), "%s", r->path) >= (int)sizeof(buf) ||
	    (fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	for (comp = strtok_r(buf, "/", &save); comp != NULL;
	    comp = strtok_r(NULL, "/", &save)) {
		if (strcmp(comp, ".") == 0 || strcmp(comp, "..") == 0) {
			close(fd);
			errno = EINVAL;
			return -1;
		}
		next = openat(fd, comp, O_PATH | O_NOFOLLOW | O_DIRECTORY |
		    O_CLOEXEC);
		close(fd);
		if (next < 0)
			return -1;
		fd = next;
	}
	if (fstat(fd, &a) < 0 || fstat(r->fd, &b) < 0 || a.st_dev != b.st_dev ||
	    a.st_ino != b.st_ino) {
		close(fd);
		errno = ESTALE;
		return -1;
	}
	return fd;
}

/* The worker's cgroup directories (host descriptors), bound into its
 * own view at CG_VIEW/N from the same inode reached by path. */
#define CG_VIEW		"/aksup-cgroup"

static int
take_cgroups(struct mountview *m, struct proc_cfg *c, char paths[][32])
{
	char link[64], host[4096];
	struct stat a, b;
	ssize_t n;
	int i, fd;

	for (i = 0; i < c->ncg; i++) {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", c->cgfd[i]);
		if ((n = readlink(link, host, sizeof(host) - 1)) < 0)
			return -1;
		host[n] = '\0';
		fd = open(host, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &a) < 0 || fstat(c->cgfd[i], &b) < 0 ||
		    a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
			if (fd >= 0)
				close(fd);
			m->failed = "its cgroup";
			return -1;
		}
		snprintf(paths[i], 32, CG_VIEW "/%d", i);
		if (mv_take_fd(m, paths[i], fd, 1, 1) < 0) {
			close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
}

/* After the pivot: every descriptor the worker keeps is its view's,
 * none of the host's (from which ".." would walk the host's tree). */
static int
reopen_in_view(struct proc_cfg *c, char paths[][32])
{
	int i, fd;

	for (i = 0; i < c->nroots; i++) {
		if (c->roots[i].skip)
			fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		else
			fd = open(c->roots[i].path, O_PATH | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || dup3(fd, c->roots[i].fd, O_CLOEXEC) < 0)
			return -1;
		close(fd);
	}
	for (i = 0; i < c->ncg; i++) {
		fd = open(paths[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (fd < 0 || dup3(fd, c->cgfd[i], O_CLOEXEC) < 0)
			return -1;
		close(fd);
	}
	return 0;
}

int
proc_view(struct proc_cfg *c, const char *tmp_opts, int net_files,
    int for_worker, const char **failed)
{
	static struct mountview m;	/* large: not on the stack */
	char cgpaths[PROC_CG_MAX][32];
	int i, fd, with_proc = 0, rc = -1;

	/* the roots are looked up with the files' owner's permissions,
	 * never the worker's own (which may not even search the way to
	 * them); only the filesystem ids: the capabilities stay */
	if (c->inner != 0) {
		(void)setfsgid((gid_t)c->inner);
		(void)setfsuid((uid_t)c->inner);
		if ((uid_t)setfsuid((uid_t)-1) != (uid_t)c->inner) {
			*failed = "filesystem uid";
			return -1;
		}
	}
	if (mv_init(&m) < 0 || mv_take_system(&m) < 0 ||
	    (net_files && mv_take_net(&m) < 0))
		goto out;
	for (i = 0; i < c->nroots; i++) {
		if (c->roots[i].skip)
			continue;
		if ((fd = same_root(&c->roots[i])) < 0) {
			/* the commands' uid cannot reach it (a root-only
			 * directory on the way, as root without --run-as):
			 * the worker leaves it out of every command's view */
			if (for_worker && errno != ESTALE) {
				log_warn("%s: not reachable by the commands' uid; "
				    "not shown to commands", c->roots[i].path);
				c->roots[i].skip = 1;
				continue;
			}
			m.failed = c->roots[i].path;
			goto out;
		}
		if (mv_take_fd(&m, c->roots[i].path, fd, 1, c->roots[i].rw) < 0) {
			close(fd);
			/* a mount beneath it: cloning it alone would uncover
			 * what that mount hides (the kernel refuses). The
			 * worker leaves it out of every command's view. */
			if (for_worker && errno == EINVAL) {
				log_warnx("%s holds a mount beneath it: not "
				    "shown to commands", c->roots[i].path);
				c->roots[i].skip = 1;
				m.failed = NULL;
				continue;
			}
			goto out;
		}
		close(fd);
	}
	if (for_worker && take_cgroups(&m, c, cgpaths) < 0)
		goto out;
#ifdef AKSUP_SANITIZER
	/* the runtime reads /proc/self/maps: a proc of its own pid
	 * namespace (the worker's and each command's are their own) */
	with_proc = 1;
#endif
	if (mv_enter(&m, tmp_opts, with_proc) < 0)
		goto out;
	if (for_worker && reopen_in_view(c, cgpaths) < 0) {
		m.failed = "its descriptors in its view";
		goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		*failed = m.failed;
	if (c->inner != 0) {
		(void)setfsuid(0);
		(void)setfsgid(0);
	}
	return rc;
}

static void
landlock(const struct cmd_spec *sp)
{
	const struct proc_cfg *c = sp->cfg;
	const char *ro[FS_ROOTS_MAX + 32], *rwdir[FS_ROOTS_MAX + 3];
	static const char *const rootdir[] = { "/", NULL };
	size_t n = 0, w = 0, i;

	for (i = 0; view_system[i] != NULL; i++)
		ro[n++] = view_system[i];
	for (i = 0; view_dev_ro[i] != NULL; i++)
		ro[n++] = view_dev_ro[i];
	for (i = 0; sp->network && view_net[i] != NULL; i++)
		ro[n++] = view_net[i];
#ifdef AKSUP_SANITIZER
	ro[n++] = "/proc/self";
#endif
	rwdir[w++] = "/tmp";
	rwdir[w++] = "/dev/shm";
	for (i = 0; i < (size_t)c->nroots; i++) {
		if (c->roots[i].skip)
			continue;	/* not in the view */
		if (c->roots[i].rw)
			rwdir[w++] = c->roots[i].path;
		else
			ro[n++] = c->roots[i].path;
	}
	ro[n] = NULL;
	rwdir[w] = NULL;
	if (sandbox_landlock(ro, view_dev_rw, rwdir, rootdir, sp->network) < 0)
		fail("landlock", NULL);
}

void
cmd_child(const struct cmd_spec *sp)
{
	const char *what;
	int i;

	status_fd = sp->status;
	/* the worker ignores SIGPIPE; an ignored signal stays ignored
	 * across exec: the command gets the default */
	if (signal(SIGPIPE, SIG_DFL) == SIG_ERR)
		fail("signals", NULL);
	/* no controlling terminal, a process group of its own */
	if (setsid() < 0)
		fail("setsid", NULL);
	/* The worker gone, so is the command (and, pid 1, all it started) */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		fail("death signal", NULL);
	/* its cgroup first: before it can fork or allocate */
	for (i = 0; i < PROC_CG_MAX; i++)
		if (sp->cgprocs[i] >= 0 && write(sp->cgprocs[i], "0", 1) != 1)
			fail("cgroup", NULL);
	if (sethostname("aksup", 5) < 0)
		fail("uts namespace", NULL);
	if (proc_view(sp->cfg, MV_TMP_SIZE, sp->network, 0, &what) < 0)
		fail("mount view", what);
	/* with the files' owner's permissions, as the roots were opened */
	if (sp->cfg->inner != 0) {
		(void)setfsgid((gid_t)sp->cfg->inner);
		(void)setfsuid((uid_t)sp->cfg->inner);
	}
	if (chdir(sp->cwd[0] ? sp->cwd : "/tmp") < 0)
		fail("cwd", sp->cwd);
	limits(sp);
	/* inner uid 1: the files' owner (root started aksup); unprivileged,
	 * inner 0, the invoking user, with no capability and NOROOT */
	if (sandbox_drop(1, 1, sp->cfg->inner != 0, (uid_t)sp->cfg->inner,
	    (gid_t)sp->cfg->inner, &what) < 0)
		fail(what + 2, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		fail("death signal", NULL);
	landlock(sp);
	/* the external agent's filter (or its network variant), built by
	 * the worker at its start: loaded, not built, here */
	sandbox_seccomp_load(sp->network ? sp->cfg->filter_net :
	    sp->cfg->filter);
	if (dup2(sp->in, 0) < 0 || dup2(sp->out, 1) < 0 || dup2(sp->err, 2) < 0 ||
	    dup3(sp->status, 3, O_CLOEXEC) < 0)
		fail("stdio", NULL);
	status_fd = 3;
	/* T5: nothing but its stdio (and the status pipe, closed by exec) */
	if (syscall(SYS_close_range, 4, ~0U, 0) < 0)
		fail("close_range", NULL);
	execve(sp->path, sp->argv, sp->envp);
	{
		char msg[300];
		int e = errno;

		snprintf(msg, sizeof(msg), "cannot execute %s: %s", sp->path,
		    strerror(e));
		(void)!write(3, msg, strlen(msg));
	}
	_exit(127);
}
