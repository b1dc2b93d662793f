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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/seccomp.h>
#include <unistd.h>

#include "common/log.h"
#include "common/mountview.h"
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
_Static_assert(1 AKSUP_ROLES(UID_OK_) && UID_COMMAND_ROOT < UIDRANGE_STRIDE,
    "a role's uid offset within the session's uid range");
#undef UID_OK_

#ifdef AKSUP_SANITIZER
/* the sanitizer's shadow memory is gigabytes of private mappings */
#define RL_DATA_MAX	RL_KEEP
#else
#define RL_DATA_MAX	(1024 * MiB)
#endif


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
	if (g.root || (avail & LAYER_NAMESPACES) || sandbox_bounding_empty())
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

/* Every directory above path is searchable by others (o+x). */
static int
searchable(const char *path)
{
	char dir[PATH_MAX], *slash;
	struct stat st;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return 0;
	while ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (stat(dir, &st) < 0 || !(st.st_mode & S_IXOTH))
			return 0;
	}
	return 1;
}

/* Whether the file (its first 1 MiB) holds a PEM certificate. */
static int
is_pem(const char *path)
{
	static const char mark[] = "-----BEGIN CERTIFICATE-----";
	char *buf;
	ssize_t n;
	int fd, ok = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	if ((buf = malloc(1024 * 1024 + 1)) != NULL &&
	    (n = read(fd, buf, 1024 * 1024)) > 0) {
		buf[n] = '\0';
		ok = memmem(buf, (size_t)n, mark, sizeof(mark) - 1) != NULL;
	}
	free(buf);
	close(fd);
	return ok;
}

/* --http-ca FILE: an absolute path to a regular file the http worker
 * can read. As root it runs as a uid of its own: the file must be
 * readable by others (and its directories searchable), else it would
 * stop at its start with the session half made. */
static int
http_ca_check(const char *path)
{
	struct stat st;
	const char *why = NULL;

	if (path[0] != '/')
		why = "give the CA file's absolute path";
	else if (stat(path, &st) < 0 || access(path, R_OK) < 0)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file (a PEM bundle of CA certificates)";
	else if (!is_pem(path))
		why = "holds no PEM certificate (\"-----BEGIN CERTIFICATE-----\")";
	else if (g.root && (!(st.st_mode & S_IROTH) || !searchable(path)))
		why = "the http worker runs as a uid of its own: make the file "
		    "readable by others (chmod o+r) in directories they can "
		    "search";
	if (why == NULL)
		return 0;
	log_warnx("--http-ca %s: %s", path, why);
	return -1;
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
	if (cfg->http_ca != NULL && http_ca_check(cfg->http_ca) < 0)
		return -2;
	if (llmcfg_check(cfg) < 0)
		return -2;
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
	case CONFINE_OPT_HTTPCA: cfg->http_ca = arg; return 1;
	case CONFINE_OPT_MCPPINS: cfg->mcp_pins = arg; return 1;
	case CONFINE_OPT_SNAPDIR: cfg->snapshot_dir = arg; return 1;
	}
	return llmcfg_opt(ch, arg, cfg);
}

const char *
confine_env_waived(void)
{
	return g.waived_env[0] ? g.waived_env : NULL;
}

/* ---- in the parent ---------------------------------------------------- */

/*
 * The maps of an RF_OWN_USERNS child's user namespace, written by us
 * (the parent; a privileged map can only be written from outside). Its
 * inner uid 0 is the role's own uid, inner 1 the files' owner (--run-as,
 * the uid its commands run as); unprivileged, only the invoking user, as
 * inner 0. Safe: root maps two uids that are the session's to give; an
 * unprivileged writer can map nothing but its own.
 */
static int
own_maps(pid_t pid)
{
	char path[64], m[96];
	uid_t w = g.base + (uid_t)role_defs[cur].uid, cu;
	gid_t cg;
	int i;
	static const char *const f[] = { "uid_map", "gid_map" };

	if (!g.root) {
		snprintf(path, sizeof(path), "/proc/%ld/setgroups", (long)pid);
		if (write_file(path, "deny") < 0)
			return -1;
	}
	/* commands never run as host root: root's files' owner is, for
	 * them, a uid of the session's range instead */
	cu = g.run_uid != 0 ? g.run_uid : g.base + UID_COMMAND_ROOT;
	/* nor in root's group (a --run-as user whose group is 0) */
	cg = g.run_uid != 0 && g.run_gid != 0 ? g.run_gid :
	    (gid_t)(g.base + UID_COMMAND_ROOT);
	for (i = 0; i < 2; i++) {
		if (g.root && cu == w)
			return -1;	/* --run-as the role's own uid */
		if (g.root)
			snprintf(m, sizeof(m), "0 %u 1\n1 %u 1\n", (unsigned)w,
			    i == 0 ? (unsigned)cu : (unsigned)cg);
		else
			snprintf(m, sizeof(m), "0 %u 1\n", i == 0 ?
			    (unsigned)g.outer_uid : (unsigned)g.outer_gid);
		snprintf(path, sizeof(path), "/proc/%ld/%s", (long)pid, f[i]);
		if (write_file(path, m) < 0)
			return -1;
	}
	return 0;
}

/* Clone into a user namespace of its own (and the row's others later,
 * in confine_child) and wait there until we have written its maps. */
static pid_t
own_userns_fork(void)
{
	int sv[2];
	char c = 0;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	/* its pid namespace too (only a clone makes the child its pid 1):
	 * it sees and signals only its own commands */
	pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | (role_defs[cur].ns &
	    CLONE_NEWPID) | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid == 0) {
		close(sv[0]);
		/* our /proc files the parent writes must be ours to it
		 * (the supervisor is not dumpable, T4): for the maps only */
		if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0 ||
		    write(sv[1], "r", 1) != 1 || read(sv[1], &c, 1) != 1 ||
		    c != 'm' || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
			child_fail("namespaces", "uid/gid map");
		close(sv[1]);
		return 0;
	}
	close(sv[1]);
	if (pid > 0 && (read(sv[0], &c, 1) != 1 || own_maps(pid) < 0 ||
	    write(sv[0], "m", 1) != 1)) {
		log_warn("%s: its user namespace's uid/gid map",
		    role_defs[cur].name);
		(void)kill(pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(sv[0]);
	return pid;
}

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
	if ((role_defs[cur].flags & RF_OWN_USERNS) &&
	    (g.in_force & LAYER_NAMESPACES))
		pid = own_userns_fork();
	else if (!(role_defs[cur].ns & CLONE_NEWPID) ||
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

/*
 * The external agent's file system (common/mountview.c): the system's
 * libraries and programs, the view's plan (supervisor/view.c: the
 * program and each --ro path, their symlinks recreated), four device
 * nodes, a private /tmp (tmpfs, 64 MiB, HOME inside it) and /dev/shm.
 * Nothing else exists in it: not the workspace, not the policy, not the
 * audit log, not /proc, not /home. Each planned bind is the inode the
 * plan pinned, reached through no symlink, else refused.
 */
static void
view_build(const struct agent_view *v)
{
	struct mountview m;
	size_t i;
	int fd, with_proc = 0;

	if (mv_init(&m) < 0 || mv_take_system(&m) < 0)
		child_fail("namespaces", m.failed);
	for (i = 0; i < v->n; i++) {
		if (v->e[i].link != NULL) {
			if (mv_take_link(&m, v->e[i].path, v->e[i].link) < 0)
				child_fail("namespaces", v->e[i].path);
			continue;
		}
		/* planned a moment ago; a symlink on its way or another
		 * inode since? never bound by this way */
		if ((fd = view_reopen(&v->e[i])) < 0)
			child_fail("namespaces", errno == ESTALE || errno ==
			    ELOOP ? "a path of the view changed while aksup "
			    "started" : v->e[i].path);
		if (mv_take_fd(&m, v->e[i].path, fd, v->e[i].is_dir, 0) < 0)
			child_fail("namespaces", v->e[i].path);
		close(fd);
	}
#ifdef AKSUP_SANITIZER
	with_proc = 1;
#endif
	if (mv_enter(&m, MV_TMP_SIZE, with_proc) < 0)
		child_fail("namespaces", m.failed);
	if (chdir(g.cwd) < 0 && chdir("/") < 0)
		child_fail("namespaces", "chdir");
}

static void
drop_privileges(int caps, int uids, uid_t uid, gid_t gid)
{
	const char *what;

	if (sandbox_drop(caps, g.root || (g.in_force & LAYER_NAMESPACES),
	    uids, uid, gid, &what) < 0)
		child_fail(what[0] == 'u' ? "uids" : "caps", what + 2);
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
	    view ? rootdir : NULL, 0) < 0)
		child_fail("landlock", "ruleset");
}

void
confine_fs_ids(uid_t *uid, gid_t *gid)
{
	/* the fs worker's ids (UID_RUN_AS): --run-as, sudo's invoking
	 * user, or root's own; unprivileged, ours */
	*uid = g.init && g.root ? g.run_uid : geteuid();
	*gid = g.init && g.root ? g.run_gid : getegid();
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
confine_own_userns(enum role r, uid_t *uid, gid_t *gid)
{
	if (!(g.in_force & LAYER_NAMESPACES))
		return -1;
	*uid = g.root ? g.base + (uid_t)role_defs[r].uid : g.outer_uid;
	*gid = g.root ? (gid_t)*uid : g.outer_gid;
	return g.root ? 1 : 0;
}

int
confine_has_view(void)
{
	return (g.in_force & LAYER_NAMESPACES) != 0;
}

/*
 * An RF_OWN_USERNS role (the proc worker): inner root of the user
 * namespace own_userns_fork made, keeping there only the capabilities it
 * needs to build each command's namespaces and mount view and to start
 * it as inner uid 1 (PROC_KEEP_CAPS); none in any other namespace. No
 * SECBIT_NOROOT: its exec as inner root keeps exactly these.
 */
static void
own_userns_child(const struct role_def *p, int ns_keep)
{
	static const cap_value_t keep[] = { PROC_KEEP_CAPS };
	cap_t c;
	int i;

	if (g.root && setgroups(0, NULL) < 0)
		child_fail("uids", "setgroups");
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		child_fail("uids", "inner root of its user namespace");
	if (unshare(p->ns & ~(ns_keep | CLONE_NEWPID)) < 0 ||
	    sethostname("aksup", 5) < 0)
		child_fail("namespaces", "unshare");
	for (i = 0; i <= (int)cap_max_bits() - 1; i++) {
		size_t k;

		for (k = 0; k < sizeof(keep) / sizeof(keep[0]); k++)
			if (keep[k] == i)
				break;
		if (k == sizeof(keep) / sizeof(keep[0]) &&
		    cap_drop_bound((cap_value_t)i) < 0 && errno != EINVAL)
			child_fail("caps", "bounding set");
	}
	if ((c = cap_init()) == NULL ||
	    cap_set_flag(c, CAP_PERMITTED, sizeof(keep) / sizeof(keep[0]),
	    keep, CAP_SET) < 0 ||
	    cap_set_flag(c, CAP_EFFECTIVE, sizeof(keep) / sizeof(keep[0]),
	    keep, CAP_SET) < 0 || cap_set_proc(c) < 0)
		child_fail("caps", "cap_set_proc");
	cap_free(c);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		child_fail("caps", "ambient set");
	if (g.in_force & LAYER_RLIMITS)
		set_rlimits(p);
}

void
confine_child(const struct spawn *s)
{
	const struct role_def *p = &role_defs[cur];
	int ext = (p->flags & RF_EXTERNAL) != 0;
	int ns = (g.in_force & LAYER_NAMESPACES) != 0;
	uid_t uid;
	gid_t gid;

	if (ns && (p->flags & RF_OWN_USERNS)) {
		own_userns_child(p, s->ns_keep);
		return;
	}
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
