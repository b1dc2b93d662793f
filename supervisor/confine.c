/*
 * supervisor/confine.c -- each role's profile, the half applied before
 * exec: namespaces, uid/gid, capabilities, securebits, rlimits; for an
 * external agent also its mount view, Landlock ruleset and seccomp
 * filter. docs/SANDBOX.md is the table; the rows of common/roles.h are
 * its data.
 *
 * Runs in: aksup (supervisor): confine_setup decides which layers are in
 * force; then in the supervisor's child, between fork and exec, where
 * confine_child applies them. Privilege: the invoking user's (root or
 * not). Everything here only takes privilege away from the child, in an
 * order where each step still has what the next one needs:
 *   namespaces (need CAP_SYS_ADMIN: real root, or the fresh user ns)
 *   -> mount view (same) -> securebits, bounding set (need CAP_SETPCAP)
 *   -> groups, gid, uid -> capability sets emptied -> rlimits
 *   -> [external agent: Landlock, seccomp] -> execve.
 * A step that fails for a layer in force ends the child (exit 126): a
 * process that cannot be confined does not run (T8).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/securebits.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/seccomp.h>
#include <unistd.h>

#include "common/log.h"
#include "supervisor/view.h"
#include "common/util.h"
#include "common/sandbox.h"
#include "supervisor/cgroup.h"
#include "supervisor/uidrange.h"
#include "supervisor/confine.h"
#include "supervisor/supervisor.h"

/* ---- the profiles: the rows of common/roles.h ------------------------ */

/* As root, a session's roles take uids base + 0 .. UIDRANGE_STRIDE - 1
 * (supervisor/uidrange.c): a row's offset past that would share the next
 * session's uids. */
#define UID_OK_(id, nm, bin, u, ...) && (u) < UIDRANGE_STRIDE
_Static_assert(1 AKSUP_ROLES(UID_OK_), "a role's uid offset within the "
    "session's uid range");
#undef UID_OK_

#ifdef AKSUP_SANITIZER
/* the sanitizer's shadow memory is gigabytes of private mappings */
#define RL_DATA_MAX	RL_KEEP
#else
#define RL_DATA_MAX	(1024 * MiB)
#endif

/* The external agent's view: the plan is supervisor/view.c's. */
#define PRIVATE_TMP_SIZE "size=64m,nr_inodes=16k"

/* ---- the session's layers --------------------------------------------- */

static struct {
	int init;
	int root;		/* started as root: a uid per role */
	int session;		/* run/submit: the session gets a cgroup */
	int sudo;		/* root for sudo's invoking user (run_uid) */
	uint64_t mem_max;	/* its limits */
	long pids_max;
	unsigned in_force, waived;
	uid_t base, run_uid, outer_uid;
	gid_t run_gid, outer_gid;
	char layers[256], waived_s[96], waived_env[128];
	char cwd[PATH_MAX];
} g;

static enum role cur;			/* the child's role */
static noreturn void child_fail(const char *layer, const char *what);
static enum role forced;		/* test hook: profile override */

static int
write_file(const char *path, const char *s)
{
	size_t len = strlen(s);
	int fd, rc = -1;

	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return -1;
	if (write(fd, s, len) == (ssize_t)len)
		rc = 0;
	close(fd);
	return rc;
}

/*
 * Unprivileged: a user namespace where we map only our own uid and gid
 * (the one mapping an unprivileged process may write), with setgroups
 * denied. Safe: inside it we hold capabilities over nothing but the
 * namespaces it owns; outside we are still the invoking user.
 */
static int
userns_maps(void)
{
	char m[64];
	int rc = -1;

	/* The supervisor is not dumpable (T4), so our /proc/self files
	 * belong to root and we could not write them: dumpable for the
	 * three writes only. We hold nothing but our role's descriptors
	 * here, and are still the invoking user to the outside. */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		return -1;
	if (write_file("/proc/self/setgroups", "deny") < 0)
		goto out;
	snprintf(m, sizeof(m), "%u %u 1", (unsigned)g.outer_uid,
	    (unsigned)g.outer_uid);
	if (write_file("/proc/self/uid_map", m) < 0)
		goto out;
	snprintf(m, sizeof(m), "%u %u 1", (unsigned)g.outer_gid,
	    (unsigned)g.outer_gid);
	if (write_file("/proc/self/gid_map", m) < 0)
		goto out;
	rc = 0;
out:
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		rc = -1;
	return rc;
}

/* Can this host give a child the namespaces of the profiles? Tried in
 * a throw-away child; the exit code says which step failed. */
static int
probe_namespaces(const char **why)
{
	static const char *const steps[] = {
		"ok", "no user namespaces", "cannot map uid/gid",
		"no pid/net/mount/ipc/uts namespaces", "cannot make mounts private",
		"cannot mount tmpfs",
	};
	pid_t pid;
	int st;

	if ((pid = fork()) < 0)
		return 0;
	if (pid == 0) {
		if (!g.root) {
			if (unshare(CLONE_NEWUSER) < 0)
				_exit(1);
			if (userns_maps() < 0)
				_exit(2);
		}
		if (unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC |
		    CLONE_NEWUTS | CLONE_NEWPID) < 0)
			_exit(3);
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(4);
		if (mount("aksup", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV,
		    "size=4k") < 0)
			_exit(5);
		_exit(0);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 0;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 1;
	*why = WIFEXITED(st) && WEXITSTATUS(st) < 6 ?
	    steps[WEXITSTATUS(st)] : "probe failed";
	return 0;
}

static int
bounding_set_empty(void)
{
	int c;

	for (c = 0; c <= (int)cap_max_bits() - 1; c++)
		if (cap_get_bound((cap_value_t)c) > 0)
			return 0;
	return 1;
}

static unsigned
probe_layers(const char *why[8])
{
	unsigned avail = LAYER_RLIMITS, action = SECCOMP_RET_KILL_PROCESS;
	const char *e;
	unsigned off;

	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0 &&
	    syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0)
		avail |= LAYER_SECCOMP;
	else
		why[0] = "the kernel has no seccomp filters";
	if (sandbox_landlock_abi() >= 1)
		avail |= LAYER_LANDLOCK;
	else
		why[1] = "the kernel has no Landlock (or it is not enabled)";
	if (probe_namespaces(&why[2]))
		avail |= LAYER_NAMESPACES;
	if (g.root)
		avail |= LAYER_UIDS;
	/* the session's cgroup, created here (removed by cgroup_destroy) */
	if (g.session && cgroup_create(g.mem_max, g.pids_max, &why[6]) == 0)
		avail |= LAYER_CGROUP;
	if (g.root || (avail & LAYER_NAMESPACES) || bounding_set_empty())
		avail |= LAYER_CAPS;
	else
		why[4] = "the bounding set cannot be cleared without a user "
		    "namespace";
#ifdef AKSUP_TEST_HOOKS
	/* Test builds only: pretend a layer is missing on this host. */
	if ((e = getenv("AKSUP_TEST_DISABLE_LAYERS")) != NULL &&
	    sandbox_layers_parse(e, &off) == 0) {
		avail &= ~off;
		for (int i = 0; i < 7; i++)
			if (off & (1u << i))
				why[i] = "disabled by AKSUP_TEST_DISABLE_LAYERS";
	}
#else
	(void)e;
	(void)off;
#endif
	return avail;
}

static int
parse_uid(const char *s, uid_t *uid, gid_t *gid)
{
	struct passwd *pw;
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s != '\0' && *end == '\0' && errno == 0 && v >= 0 &&
	    v < 0x7fffffff) {
		*uid = (uid_t)v;
		pw = getpwuid(*uid);
		*gid = pw ? pw->pw_gid : (gid_t)v;
		return 0;
	}
	if ((pw = getpwnam(s)) == NULL)
		return -1;
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

static unsigned
decide(const char *allow, int strict, const char *why[8])
{
	unsigned wanted, avail, missing, allowed = 0;
	char buf[96];
	int i;

	if (allow != NULL && sandbox_layers_parse(allow, &allowed) < 0) {
		log_warnx("--allow-degraded=%s: layers are seccomp, landlock, "
		    "namespaces, uids, caps, rlimits, cgroup", allow);
		return ~0u;
	}
	wanted = LAYER_ALL & ~(g.root ? 0 : LAYER_UIDS) &
	    ~(g.session ? 0 : LAYER_CGROUP);
	avail = probe_layers(why);
	missing = wanted & ~avail;
	if (strict && (missing & ~allowed)) {
		for (i = 0; i < 7; i++)
			if (missing & ~allowed & (1u << i))
				log_warnx("refusing to start: the %s layer is not "
				    "available (%s); --allow-degraded=%s runs "
				    "without it", sandbox_layer_name(1u << i),
				    why[i] ? why[i] : "unknown",
				    sandbox_layer_name(1u << i));
		return ~0u;
	}
	g.in_force = wanted & avail;
	g.waived = missing;
	sandbox_layers_str(g.in_force, g.layers, sizeof(g.layers));
	/* which limits: "...,cgroup,cgroup-v1:memory=N:pids=N" */
	if ((g.in_force & LAYER_CGROUP) && cgroup_desc()[0] != '\0')
		snprintf(g.layers + strlen(g.layers), sizeof(g.layers) -
		    strlen(g.layers), ",%s", cgroup_desc());
	sandbox_layers_str(g.waived, g.waived_s, sizeof(g.waived_s));
	if (g.waived)
		snprintf(g.waived_env, sizeof(g.waived_env), "AKSUP_WAIVED=%s",
		    g.waived_s);
	if (strict && g.waived)
		log_warnx("running degraded (--allow-degraded): %s waived; "
		    "in force: %s", g.waived_s,
		    sandbox_layers_str(g.in_force, buf, sizeof(buf)));
	g.init = 1;
	return 0;
}

static void
init_ids(void)
{
	g.root = geteuid() == 0;
	g.outer_uid = getuid();
	g.outer_gid = getgid();
	g.base = CONFINE_UID_BASE;
	g.run_uid = g.outer_uid;
	g.run_gid = g.outer_gid;
	if (getcwd(g.cwd, sizeof(g.cwd)) == NULL)
		snprintf(g.cwd, sizeof(g.cwd), "/");
	/* Only the supervisor says what is waived, never our caller's
	 * environment. */
	(void)unsetenv("AKSUP_WAIVED");
}

/* The roles' uids (base .. base + the pool) must be nobody's: a role
 * running as a real user's uid could signal, ptrace or read what that
 * user owns. 0, or -1 (said, naming the user). */
static int
uids_unowned(uid_t base, const char *opt)
{
	struct passwd *pw;
	uid_t u;

	for (u = base; u < base + UIDRANGE_SLOTS * UIDRANGE_STRIDE; u++)
		if ((pw = getpwuid(u)) != NULL) {
			log_warnx("%s%s: uid %u is the user %s's; the roles "
			    "of sessions take uids %u to %u, which must be "
			    "nobody's: choose another --uid-base", opt ?
			    "--uid-base " : "the default uid base", opt ? opt :
			    "", (unsigned)u, pw->pw_name, (unsigned)base,
			    (unsigned)(base + UIDRANGE_SLOTS *
			    UIDRANGE_STRIDE - 1));
			return -1;
		}
	return 0;
}

int
confine_setup(struct session_cfg *cfg)
{
	const char *why[8] = { 0 };
	const char *su, *sg;
	unsigned allowed;
	char *end;
	long v;

	init_ids();
	/* The supervisor holds every descriptor of the session: no process
	 * of our uid may ptrace it or read its /proc/PID/{mem,environ,fd}
	 * (T4, T5). */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (cfg->uid_base != NULL) {
		v = strtol(cfg->uid_base, &end, 10);
		if (*cfg->uid_base == '\0' || *end != '\0' || v < 1 ||
		    v > 0x7fff0000) {
			log_warnx("--uid-base %s: a number from 1 to %d (the "
			    "first of %d uids the sessions' roles take, as "
			    "root)", cfg->uid_base, 0x7fff0000,
			    UIDRANGE_SLOTS * UIDRANGE_STRIDE);
			return -2;
		}
		g.base = (uid_t)v;
	}
	if (cfg->run_as != NULL) {
		if (parse_uid(cfg->run_as, &g.run_uid, &g.run_gid) < 0) {
			log_warnx("--run-as %s: no such user", cfg->run_as);
			return -2;
		}
		if (!g.root && g.run_uid != g.outer_uid) {
			log_warnx("--run-as needs aksup to be started as root");
			return -1;
		}
	} else if (g.root && (su = getenv("SUDO_UID")) != NULL &&
	    (sg = getenv("SUDO_GID")) != NULL) {
		/* "the invoking user" of sudo aksup ... */
		long u, gg;

		if (parse_int(su, 1, 0x7fffffff, &u) < 0 ||
		    parse_int(sg, 0, 0x7fffffff, &gg) < 0) {
			log_warnx("SUDO_UID/SUDO_GID are not numeric ids; "
			    "name the files' owner with --run-as");
			return -2;
		}
		g.run_uid = (uid_t)u;
		g.run_gid = (gid_t)gg;
		g.sudo = 1;
	}
	if (cfg->allow_degraded != NULL && (cfg->allow_degraded[0] == '\0' ||
	    sandbox_layers_parse(cfg->allow_degraded, &allowed) < 0)) {
		log_warnx("--allow-degraded=%s: layers are seccomp, landlock, "
		    "namespaces, uids, caps, rlimits, cgroup", cfg->allow_degraded);
		return -2;
	}
	g.session = 1;
	/* As root, this session's roles get uids no other session has
	 * (per-uid limits such as RLIMIT_NPROC stay per session). */
	if (g.root && (uids_unowned(g.base, cfg->uid_base) < 0 ||
	    uidrange_acquire(g.base, &g.base) < 0))
		return cfg->uid_base != NULL ? -2 : -1;
	g.mem_max = CGROUP_MEMORY_DEFAULT;
	g.pids_max = CGROUP_PIDS_DEFAULT;
	if (cfg->memory_max != NULL &&
	    cgroup_parse_bytes(cfg->memory_max, &g.mem_max) < 0) {
		log_warnx("--memory-max %s: bytes from 4M, with K, M or G",
		    cfg->memory_max);
		return -2;
	}
	if (cfg->pids_max != NULL &&
	    cgroup_parse_pids(cfg->pids_max, &g.pids_max) < 0) {
		log_warnx("--pids-max %s: a number from 1", cfg->pids_max);
		return -2;
	}
	if (decide(cfg->allow_degraded, 1, why) == ~0u) {
		cgroup_destroy();
		return -1;
	}
	cfg->layers = g.layers;
	cfg->waived = g.waived_s;
	return 0;
}

int
confine_cli_opt(int ch, const char *arg, struct session_cfg *cfg)
{
	switch (ch) {
	case CONFINE_OPT_DEGRADED: cfg->allow_degraded = arg; return 1;
	case CONFINE_OPT_RUNAS: cfg->run_as = arg; return 1;
	case CONFINE_OPT_UIDBASE: cfg->uid_base = arg; return 1;
	case CONFINE_OPT_MEMMAX: cfg->memory_max = arg; return 1;
	case CONFINE_OPT_PIDSMAX: cfg->pids_max = arg; return 1;
	}
	return 0;
}

const char *
confine_env_waived(void)
{
	return g.waived_env[0] ? g.waived_env : NULL;
}

/* ---- in the parent ---------------------------------------------------- */

void
confine_force_profile(const char *name)
{
	forced = name != NULL ? role_by_name(name) : ROLE_NONE;
}

pid_t
confine_fork(const struct spawn *s)
{
	const char *why[8] = { 0 };
	int flags, agent;
	pid_t pid;

	if (!g.init) {
		/* a helper outside a session: what the host has, no refusal */
		init_ids();
		(void)decide(NULL, 0, why);
	}
	/* the role the caller named, never one guessed from a file name */
	cur = forced != ROLE_NONE ? forced : s->role;
	if (cur <= ROLE_NONE || cur >= ROLE_N ||
	    role_defs[cur].uid == UID_INVOKER)
		fatalx("spawn: no profile for role %d", (int)cur);
	agent = (role_defs[cur].flags & RF_AGENT) != 0;
	if (!(role_defs[cur].ns & CLONE_NEWPID) ||
	    !(g.in_force & LAYER_NAMESPACES))
		pid = fork();
	else {
		/* The agent is pid 1 of its own pid namespace: it sees no
		 * other process, and when it exits the kernel kills
		 * everything it left. */
		flags = role_defs[cur].ns | (g.root ? 0 : CLONE_NEWUSER);
		pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL,
		    NULL, NULL);
	}
	/* The agent's seat joins the session's cgroup first thing: before
	 * it can fork, exec or allocate anything worth counting. */
	if (pid == 0 && agent && (g.in_force & LAYER_CGROUP) &&
	    cgroup_enter() < 0)
		child_fail("cgroup", "join the session's cgroup");
	return pid;
}

/* ---- in the child ----------------------------------------------------- */

static noreturn void
child_fail(const char *layer, const char *what)
{
	log_warn("%s: cannot apply the %s layer (%s); refusing to run",
	    role_defs[cur].name, layer, what);
	_exit(126);
}

static int
mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX], *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -1;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* A mount point for `src` at `dst`: a directory or an empty file. */
static int
mountpoint_for(int is_dir, const char *dst)
{
	char parent[PATH_MAX], *slash;
	int fd;

	snprintf(parent, sizeof(parent), "%s", dst);
	if ((slash = strrchr(parent, '/')) != NULL && slash != parent) {
		*slash = '\0';
		if (mkdir_p(parent, 0755) < 0)
			return -1;
	}
	if (is_dir)
		return mkdir(dst, 0755) < 0 && errno != EEXIST ? -1 : 0;
	if ((fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0444)) < 0)
		return -1;
	close(fd);
	return 0;
}

struct tree {
	const char *path;	/* where, in the view */
	int fd;			/* detached copy of the mount, or -1 */
	int is_dir;
	char link[PATH_MAX];	/* a symlink to recreate instead */
};

/* A detached, read-only (or device) copy of what is at `path`. Safe: it
 * is a bind mount of something the invoking user can already see, with
 * nosuid (T10) and, for everything but the device nodes, nodev and
 * read-only added; mount_setattr can only add these flags here. */
static int
take_tree(struct tree *t, const char *path, int dev)
{
	struct mount_attr ma;
	struct stat st;
	ssize_t n;

	memset(t, 0, sizeof(*t));
	t->path = path;
	t->fd = -1;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (S_ISLNK(st.st_mode) && !dev) {
		/* /bin -> usr/bin on merged-/usr systems */
		if ((n = readlink(path, t->link, sizeof(t->link) - 1)) < 0)
			return -1;
		t->link[n] = '\0';
		return 0;
	}
	if (stat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	t->is_dir = S_ISDIR(st.st_mode);
	t->fd = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
	    AT_RECURSIVE);
	if (t->fd < 0)
		return -1;
	memset(&ma, 0, sizeof(ma));
	ma.attr_set = MOUNT_ATTR_NOSUID | (dev ? MOUNT_ATTR_NOEXEC :
	    MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV);
	if (mount_setattr(t->fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &ma,
	    sizeof(ma)) < 0)
		return -1;
	return 0;
}

static int
place_tree(struct tree *t, const char *newroot)
{
	char dst[PATH_MAX];

	if (snprintf(dst, sizeof(dst), "%s%s", newroot, t->path) >=
	    (int)sizeof(dst))
		return -1;
	if (t->link[0] != '\0')
		return symlink(t->link, dst) < 0 && errno != EEXIST ? -1 : 0;
	if (t->fd < 0)
		return 0;
	if (mountpoint_for(t->is_dir, dst) < 0)
		return -1;
	if (move_mount(t->fd, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return -1;
	close(t->fd);
	t->fd = -1;
	return 0;
}


/*
 * A bind of the plan: the inode the plan pinned (reached through no
 * symlink, else refused), cloned alone, without the mounts beneath it
 * (a mount under a --ro directory, a bind of the log's directory or a
 * proc, never comes along), read-only, nosuid, nodev. Safe for the same
 * reasons as take_tree.
 */
static int
take_planned(struct tree *t, const struct view_ent *e)
{
	struct mount_attr ma;
	int fd;

	memset(t, 0, sizeof(*t));
	t->path = e->path;
	t->is_dir = e->is_dir;
	if ((fd = view_reopen(e)) < 0)
		return -1;
	t->fd = open_tree(fd, "", AT_EMPTY_PATH | OPEN_TREE_CLONE |
	    OPEN_TREE_CLOEXEC);
	close(fd);
	if (t->fd < 0)
		return -1;
	memset(&ma, 0, sizeof(ma));
	ma.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV;
	return mount_setattr(t->fd, "", AT_EMPTY_PATH, &ma, sizeof(ma));
}

/* A symlink of the plan, at its path in the new root. */
static int
place_link(const struct view_ent *e, const char *newroot)
{
	char dst[PATH_MAX];
	struct tree t;

	memset(&t, 0, sizeof(t));
	t.path = e->path;
	t.fd = -1;
	if (snprintf(t.link, sizeof(t.link), "%s", e->link) >=
	    (int)sizeof(t.link) || snprintf(dst, sizeof(dst), "%s%s", newroot,
	    e->path) >= (int)sizeof(dst) || mountpoint_for(0, dst) < 0 ||
	    unlink(dst) < 0)
		return -1;
	return place_tree(&t, newroot);
}

/*
 * The external agent's file system: a new root (tmpfs, read-only once
 * built) holding read-only bind mounts of the system's libraries and
 * programs, the view's plan (supervisor/view.c: the program and each
 * --ro path, their symlinks recreated), four device nodes, a private
 * /tmp (tmpfs, 64 MiB, HOME inside it) and a private /dev/shm (tmpfs,
 * 64 MiB). Nothing else exists in it: not the workspace, not the policy,
 * not the audit log, not /proc, not /home.
 *
 * Safe: it runs in the child's own mount namespace (made private first,
 * so nothing propagates back to the host), and only removes what the
 * child can see. The staging root is mounted over /tmp in that namespace
 * only; every source was cloned before it was covered. The tmpfs pages
 * of /tmp and /dev/shm are charged to the session's memory cgroup (the
 * child joined it before this).
 */
static void
view_build(const struct agent_view *v)
{
	static const char newroot[] = "/tmp";
	struct tree t[VIEW_MAX + 32];
	size_t n = 0, i;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		child_fail("namespaces", "make mounts private");
	for (i = 0; view_system[i] != NULL; i++)
		if (take_tree(&t[n++], view_system[i], 0) < 0)
			child_fail("namespaces", view_system[i]);
	for (i = 0; view_dev_ro[i] != NULL; i++)
		if (take_tree(&t[n++], view_dev_ro[i], 1) < 0)
			child_fail("namespaces", view_dev_ro[i]);
	for (i = 0; view_dev_rw[i] != NULL; i++)
		if (take_tree(&t[n++], view_dev_rw[i], 1) < 0)
			child_fail("namespaces", view_dev_rw[i]);
	for (i = 0; i < v->n; i++) {
		if (v->e[i].link != NULL)
			continue;
		/* planned a moment ago; a symlink on its way or another
		 * inode since? never bound by this way */
		if (take_planned(&t[n++], &v->e[i]) < 0)
			child_fail("namespaces", errno == ESTALE || errno ==
			    ELOOP ? "a path of the view changed while aksup "
			    "started" : v->e[i].path);
	}

	if (mount("aksup-root", newroot, "tmpfs", MS_NOSUID | MS_NODEV,
	    "mode=0755,size=1m,nr_inodes=4k") < 0)
		child_fail("namespaces", "tmpfs root");
	if (mkdir("/tmp/tmp", 01777) < 0 ||
	    mount("aksup-tmp", "/tmp/tmp", "tmpfs", MS_NOSUID | MS_NODEV,
	    "mode=1777," PRIVATE_TMP_SIZE) < 0)
		child_fail("namespaces", "private /tmp");
	for (i = 0; i < n; i++)
		if (place_tree(&t[i], newroot) < 0)
			child_fail("namespaces", t[i].path);
	for (i = 0; i < v->n; i++)
		if (v->e[i].link != NULL && place_link(&v->e[i], newroot) < 0)
			child_fail("namespaces", v->e[i].path);
	/* POSIX shared memory and semaphores (multiprocessing) need it */
	if (mkdir_p("/tmp/dev/shm", 0755) < 0 || chmod("/tmp/dev/shm", 01777) < 0 ||
	    mount("aksup-shm", "/tmp/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV |
	    MS_NOEXEC, "mode=1777," VIEW_SHM_SIZE) < 0)
		child_fail("namespaces", "private /dev/shm");
#ifdef AKSUP_SANITIZER
	/* Sanitizer builds only: the runtime reads /proc/self/maps. The
	 * proc of the agent's own pid namespace shows only its processes. */
	if (mkdir("/tmp/proc", 0555) < 0 || mount("proc", "/tmp/proc", "proc",
	    MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		child_fail("namespaces", "proc");
#endif
	/* Enter it and drop the old root (pivot_root(".", ".") stacks the
	 * old root on the new one; the detach takes it away). */
	if (chdir(newroot) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
	    umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		child_fail("namespaces", "pivot_root");
	/* The root itself is read-only: writable only /tmp and /dev/shm. */
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY |
	    MS_NOSUID | MS_NODEV, NULL) < 0)
		child_fail("namespaces", "read-only root");
	if (chdir(g.cwd) < 0 && chdir("/") < 0)
		child_fail("namespaces", "chdir");
}

/*
 * Capabilities: all gone for good. Securebits first (needs CAP_SETPCAP):
 * NOROOT so an exec as uid 0 (the fs worker run as root's files) gains
 * nothing, NO_SETUID_FIXUP so the uid change below does not touch the
 * sets we empty ourselves, ambient raising off; all locked. Then the
 * bounding set (CAP_SETPCAP again), then the uid/gid change, then the
 * effective/permitted/inheritable sets and the ambient set, then a check.
 */
#define SECURE_ALL (SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | \
	SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED | \
	SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE | \
	SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED)

static void
drop_privileges(int caps, int uids, uid_t uid, gid_t gid)
{
	cap_t c;
	int i, have_setpcap = g.root || (g.in_force & LAYER_NAMESPACES);
	uid_t r, e, s;

	if (caps && have_setpcap) {
		if (prctl(PR_SET_SECUREBITS, SECURE_ALL, 0, 0, 0) < 0)
			child_fail("caps", "securebits");
		for (i = 0; i <= (int)cap_max_bits() - 1; i++)
			if (cap_drop_bound((cap_value_t)i) < 0 && errno != EINVAL)
				child_fail("caps", "bounding set");
	}
	if (uids) {
		/* Safe: setgroups/setresgid/setresuid only ever move root
		 * to the role's unprivileged ids here, never back. */
		if (setgroups(0, NULL) < 0)
			child_fail("uids", "setgroups");
		if (setresgid(gid, gid, gid) < 0)
			child_fail("uids", "setresgid");
		if (setresuid(uid, uid, uid) < 0)
			child_fail("uids", "setresuid");
		if (getresuid(&r, &e, &s) < 0 || r != uid || e != uid || s != uid)
			child_fail("uids", "uid check");
	}
	if (caps) {
		if ((c = cap_init()) == NULL || cap_set_proc(c) < 0)
			child_fail("caps", "cap_set_proc");
		cap_free(c);
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
		    errno != EINVAL)
			child_fail("caps", "ambient set");
		if (!bounding_set_empty())
			child_fail("caps", "bounding set not empty");
	}
}

/* One limit of the row; never raised above one the operator set lower
 * (hard or soft). */
static void
set_rlimit(int res, long long val)
{
	struct rlimit r, old;

	if (val == RL_KEEP)
		return;
#ifdef AKSUP_TEST_HOOKS
	/* the test probe forks its attacks, then lowers this itself */
	if (res == RLIMIT_NPROC && val == 0 && forced != ROLE_NONE &&
	    getenv("AKSUP_TEST_PROBE_ROLE") != NULL)
		return;
#endif
	if (getrlimit(res, &old) < 0)
		child_fail("rlimits", "getrlimit");
	r.rlim_cur = r.rlim_max = (rlim_t)val;
	if (old.rlim_max != RLIM_INFINITY && old.rlim_max < r.rlim_max)
		r.rlim_cur = r.rlim_max = old.rlim_max;
	if (old.rlim_cur != RLIM_INFINITY && old.rlim_cur < r.rlim_cur)
		r.rlim_cur = old.rlim_cur;
	if (setrlimit(res, &r) < 0)
		child_fail("rlimits", "setrlimit");
}

static void
set_rlimits(const struct role_def *d)
{
	set_rlimit(RLIMIT_NOFILE, d->nofile);
	set_rlimit(RLIMIT_NPROC, d->nproc);
	set_rlimit(RLIMIT_FSIZE, d->fsize);
	set_rlimit(RLIMIT_MEMLOCK, d->memlock);
	set_rlimit(RLIMIT_DATA, RL_DATA_MAX);
	set_rlimit(RLIMIT_CORE, 0);
	set_rlimit(RLIMIT_MSGQUEUE, 0);
}

static void
agent_external_landlock(const struct agent_view *v, int view)
{
	const char *ro[VIEW_MAX + 32];
	static const char *const rwdir[] = { "/tmp", "/dev/shm", NULL };
	static const char *const rootdir[] = { "/", NULL };
	size_t n = 0, i;

	for (i = 0; view_system[i] != NULL; i++)
		ro[n++] = view_system[i];
	for (i = 0; view_dev_ro[i] != NULL; i++)
		ro[n++] = view_dev_ro[i];
#ifdef AKSUP_SANITIZER
	ro[n++] = "/proc/self";
#endif
	for (i = 0; i < v->n; i++)
		if (v->e[i].link == NULL)
			ro[n++] = v->e[i].path;
	ro[n] = NULL;
	/* Read-only view of what a program needs to start, read-write
	 * /dev/null and friends, the private /tmp and /dev/shm; no TCP, no
	 * signals or abstract sockets outside its domain. */
	if (sandbox_landlock(ro, view_dev_rw, view ? rwdir : NULL,
	    view ? rootdir : NULL) < 0)
		child_fail("landlock", "ruleset");
}

int
confine_files_owner(uid_t *uid, gid_t *gid)
{
	/* root for sudo's invoking user only (never --run-as: that user
	 * is the fs worker's, not the operator) */
	if (!g.init || !g.root || !g.sudo || g.run_uid == 0)
		return -1;
	*uid = g.run_uid;
	*gid = g.run_gid;
	return 0;
}

int
confine_as_invoker(int on)
{
	static gid_t saved[NGROUPS_MAX];
	static int nsaved = -1;

	if (!g.init || !g.root || !g.sudo || g.run_uid == 0)
		return 0;
	/* Safe: the filesystem ids only, and back: while on, a path is
	 * opened and a file made with the invoking user's permissions
	 * (no supplementary group at all, never more than the user's), so
	 * sudo aksup makes nothing the user could not make. */
	if (on) {
		if ((nsaved = getgroups(NGROUPS_MAX, saved)) < 0 ||
		    setgroups(0, NULL) < 0)
			return -1;
		(void)setfsgid(g.run_gid);
		(void)setfsuid(g.run_uid);
		if ((uid_t)setfsuid((uid_t)-1) != g.run_uid)
			return -1;
		return 0;
	}
	(void)setfsuid(0);
	(void)setfsgid(0);
	if (nsaved >= 0 && setgroups((size_t)nsaved, saved) < 0)
		fatal("setgroups");	/* never root with the user's set */
	nsaved = -1;
	return 0;
}

int
confine_has_view(void)
{
	return (g.in_force & LAYER_NAMESPACES) != 0;
}

void
confine_child(const struct spawn *s)
{
	const struct role_def *p = &role_defs[cur];
	int ext = (p->flags & RF_EXTERNAL) != 0;
	int ns = (g.in_force & LAYER_NAMESPACES) != 0;
	uid_t uid;
	gid_t gid;

	if (ns) {
		if (!g.root && !ext && unshare(CLONE_NEWUSER) < 0)
			child_fail("namespaces", "user namespace");
		if (!g.root && userns_maps() < 0)
			child_fail("namespaces", "uid/gid map");
		/* Safe: new namespaces only take away (an empty network
		 * namespace has only a down loopback; a new IPC namespace
		 * has no queues or shared memory of the host). */
		if (!ext && unshare(p->ns) < 0)
			child_fail("namespaces", "unshare");
		if (sethostname("aksup", 5) < 0)
			child_fail("namespaces", "uts");
		if (ext)
			view_build(s->view);
	}
	if (p->uid == UID_RUN_AS) {
		uid = g.run_uid;
		gid = g.run_gid;
	} else {
		uid = g.base + (uid_t)p->uid;
		gid = (gid_t)uid;
	}
	drop_privileges((g.in_force & LAYER_CAPS) != 0,
	    g.root && (g.in_force & LAYER_UIDS), uid, gid);
	if (g.in_force & LAYER_RLIMITS)
		set_rlimits(p);
	/* Its HOME, made as the agent's own uid (in its private /tmp). */
	if (ext && ns && mkdir(VIEW_HOME, 0700) < 0 && errno != EEXIST)
		child_fail("namespaces", "HOME");
	if (ext) {
		if (g.in_force & LAYER_LANDLOCK)
			agent_external_landlock(s->view, ns);
		if (g.in_force & LAYER_SECCOMP)
			sandbox_enter(cur);
		else if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			child_fail("seccomp", "no_new_privs");
	}
}
