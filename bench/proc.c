/*
 * bench/proc.c -- aksup-bench's proc.exec benchmarks: what running one
 * command costs through a session, against two references (bubblewrap
 * with comparable isolation, and a bare fork+exec), whether a slow
 * command holds back the fs.reads sent with it, and what each layer of a
 * command's sandbox costs (the steps workers/proc/cmd.c takes, in its
 * order, each measured alone in a child of this process).
 *
 * Runs in: aksup-bench. proc_inner and overlap_inner in the agent seat of
 * a session (confined; they speak only the agent channel); the rest
 * outside any session with the operator's privilege. split_run makes a
 * user namespace of its own for a child (as the proc worker has one), and
 * as root a temporary cgroup beneath the hierarchies' roots, removed at
 * the end. Nothing here asserts: figures are printed.
 */
#include <errno.h>
#include <linux/filter.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench.h"
#include "common/mountview.h"
#include "common/sandbox.h"

#define TRUE_PATH	"/bin/true"
#define CMD_TMP_OPTS	"size=64m,nr_inodes=16k"	/* a command's /tmp */
#define NS_FLAGS	(CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | \
			 CLONE_NEWUTS | CLONE_NEWNET)

static char *const true_argv[] = { "true", NULL };
/* the command's environment, as the proc worker gives it */
static char *const cmd_envp[] = { "PATH=/usr/local/bin:/usr/bin:/bin",
	"LANG=C.UTF-8", "HOME=/tmp", NULL };

int
bench_ok_rc0(const char *buf)
{
	const char *p;

	if (strstr(buf, "\"status\":\"OK\"") == NULL ||
	    (p = strstr(buf, "\"returncode\":0")) == NULL)
		return 0;
	p += strlen("\"returncode\":0");
	return *p == ',' || *p == '}';
}

/* ---- inner: proc.exec through the session ------------------------------ */

void
proc_inner(struct result *r)
{
	char *buf = malloc(MSGBUF), req[256];
	double lat[PROC_N], t0, t;
	ssize_t n;
	int i;

	if (buf == NULL)
		exit(2);
	t0 = now_s();
	for (i = 0; i < PROC_N; i++) {
		snprintf(req, sizeof(req), "{\"id\":%d,\"action\":\"proc.exec\","
		    "\"target\":\"" TRUE_PATH "\",\"params\":{\"args\":[],"
		    "\"timeout\":30}}", i);
		t = now_s();
		if (aksup_send(chan_fd, req, strlen(req)) < 0 ||
		    (n = aksup_recv(chan_fd, buf, MSGBUF)) <= 0) {
			r->errors += PROC_N - i;
			lat[i] = now_s() - t;
			stats(r, lat, i + 1, now_s() - t0);
			free(buf);
			return;
		}
		lat[i] = now_s() - t;
		if (!bench_ok_rc0(buf)) {
			if (r->errors++ == 0)
				fprintf(stderr, "aksup-bench: proc: unexpected "
				    "answer: %.300s\n", buf);
		}
	}
	stats(r, lat, PROC_N, now_s() - t0);
	free(buf);
}

/* ---- inner: a slow command beside fast reads ------------------------- */

#define OV_N	(OVERLAP_SLEEPS + OVERLAP_READS)

struct ov {
	double t0, sent[OV_N], got[OV_N];
	int errors, base;
};

/* Routes the answers by id while the requests are still being sent:
 * each answer's arrival time, as it comes. */
static void *
ov_reader(void *arg)
{
	struct ov *o = arg;
	char *buf = malloc(MSGBUF);
	int got = 0;
	long id;
	ssize_t n;

	while (buf != NULL && got < OV_N) {
		if ((n = aksup_recv(chan_fd, buf, MSGBUF)) <= 0)
			break;
		if (strncmp(buf, "{\"id\":", 6) != 0)
			continue;
		id = strtol(buf + 6, NULL, 10) - o->base;
		if (id < 0 || id >= OV_N || o->got[id] > 0)
			continue;
		o->got[id] = now_s();
		if (id < OVERLAP_SLEEPS ? !bench_ok_rc0(buf) :
		    strstr(buf, "\"status\":\"OK\"") == NULL) {
			if (o->errors++ == 0)
				fprintf(stderr, "aksup-bench: overlap: unexpected "
				    "answer: %.300s\n", buf);
		}
		got++;
	}
	o->errors += OV_N - got;
	free(buf);
	return NULL;
}

void
overlap_inner(struct result *r, const char *ws)
{
	static struct ov o;
	double wall[OVERLAP_REPS], lr[OVERLAP_REPS], ls[OVERLAP_REPS];
	double lat[OVERLAP_REPS * OVERLAP_READS], t1 = 0;
	char req[4096];
	pthread_t rd;
	int rep, i, nl = 0;

	for (rep = 0; rep < OVERLAP_REPS; rep++) {
		memset(&o, 0, sizeof(o));
		o.base = rep * 1000;
		if (pthread_create(&rd, NULL, ov_reader, &o) != 0)
			exit(2);
		o.t0 = now_s();
		/* the sleeps first: the reads sent after them must not wait */
		for (i = 0; i < OV_N; i++) {
			if (i < OVERLAP_SLEEPS)
				snprintf(req, sizeof(req), "{\"id\":%d,\"action\":"
				    "\"proc.exec\",\"target\":\"sleep\",\"params\":"
				    "{\"args\":[\"0.2\"],\"timeout\":30}}",
				    o.base + i);
			else
				snprintf(req, sizeof(req), "{\"id\":%d,\"action\":"
				    "\"fs.read\",\"target\":\"%s/small.txt\"}",
				    o.base + i, ws);
			o.sent[i] = now_s();
			if (aksup_send(chan_fd, req, strlen(req)) < 0)
				break;
		}
		pthread_join(rd, NULL);
		r->errors += o.errors;
		wall[rep] = lr[rep] = ls[rep] = 0;
		for (i = 0; i < OV_N; i++) {
			double at = o.got[i] > 0 ? o.got[i] - o.t0 : 0;

			if (at > wall[rep])
				wall[rep] = at;
			if (i < OVERLAP_SLEEPS && at > ls[rep])
				ls[rep] = at;
			if (i >= OVERLAP_SLEEPS && at > lr[rep])
				lr[rep] = at;
			if (i >= OVERLAP_SLEEPS && o.got[i] > 0)
				lat[nl++] = o.got[i] - o.sent[i];
		}
		t1 += wall[rep];
	}
	/* p50/p95/p99: an fs.read's send to its answer, every repetition */
	if (nl > 0)
		stats(r, lat, nl, 1);
	r->n = OVERLAP_REPS * OV_N;
	r->wall = median_of(wall, OVERLAP_REPS) * 1e3;
	r->last_read = median_of(lr, OVERLAP_REPS) * 1e3;
	r->last_sleep = median_of(ls, OVERLAP_REPS) * 1e3;
	/* requests over the time until each batch's last answer */
	r->ops = t1 > 0 ? r->n / t1 : 0;
}

/* ---- outer: the references ------------------------------------------- */

/* n x fork+exec+wait of argv[0]; the number that did not exit 0 */
static int
fork_exec(char *const argv[], int quiet, double *lat, int n, double *elapsed)
{
	double t0 = now_s(), t;
	int i, st, bad = 0, devnull = -1;
	pid_t pid;

	if (quiet)
		devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	for (i = 0; i < n; i++) {
		t = now_s();
		if ((pid = fork()) == 0) {
			if (devnull >= 0)
				dup2(devnull, 2);
			execv(argv[0], argv);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0)
			bad++;
		lat[i] = now_s() - t;
	}
	*elapsed = now_s() - t0;
	if (devnull >= 0)
		close(devnull);
	return bad;
}

void
proc_fork(struct result *r)
{
	double lat[PROC_N], el;

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "proc-fork");
	r->errors = fork_exec((char *const []){ TRUE_PATH, NULL }, 0, lat, PROC_N, &el);
	stats(r, lat, PROC_N, el);
}

static int
find_bwrap(char *out, size_t len)
{
	const char *path = getenv("PATH"), *p, *e;

	if (path == NULL || *path == '\0')
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; *p != '\0'; p = *e ? e + 1 : e) {
		e = strchrnul(p, ':');
		if (e > p && snprintf(out, len, "%.*s/bwrap", (int)(e - p), p) <
		    (int)len && access(out, X_OK) == 0)
			return 0;
	}
	return -1;
}

/*
 * bwrap with what a command of aksup gets: every namespace (user, pid,
 * net, ipc, uts, cgroup), the same system part of the view read-only
 * (the lib dirs' symlinks as symlinks), a /dev of the usual nodes, a
 * private /tmp; no /proc (a command has none). bwrap adds no Landlock,
 * seccomp filter, rlimits or cgroup.
 */
void
proc_bwrap(struct result *r, char *why, size_t len)
{
	static char bw[4096], links[16][4096];
	char *av[80];
	double lat[PROC_N], el;
	struct stat st;
	int k = 0, i, nl = 0, bad;

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "proc-bwrap");
	if (find_bwrap(bw, sizeof(bw)) < 0) {
		r->missing = 1;
		snprintf(why, len, "not installed (apt-get install bubblewrap)");
		return;
	}
	av[k++] = bw;
	av[k++] = "--unshare-all";
	av[k++] = "--die-with-parent";
	for (i = 0; view_system[i] != NULL && k < 70; i++) {
		ssize_t n;

		if (lstat(view_system[i], &st) < 0)
			continue;
		if (S_ISLNK(st.st_mode) && nl < 16) {
			n = readlink(view_system[i], links[nl],
			    sizeof(links[nl]) - 1);
			if (n <= 0)
				continue;
			links[nl][n] = '\0';
			av[k++] = "--symlink";
			av[k++] = links[nl++];
			av[k++] = (char *)view_system[i];
		} else {
			av[k++] = "--ro-bind";
			av[k++] = (char *)view_system[i];
			av[k++] = (char *)view_system[i];
		}
	}
	av[k++] = "--dev";
	av[k++] = "/dev";
	av[k++] = "--tmpfs";
	av[k++] = "/tmp";
	av[k++] = TRUE_PATH;
	av[k] = NULL;
	/* one try, its complaint shown: a bwrap that cannot run here is a
	 * missing reference, not a failed benchmark */
	if ((bad = fork_exec(av, 0, lat, 1, &el)) != 0) {
		r->missing = 1;
		snprintf(why, len, "did not run %s here (see its message above)",
		    TRUE_PATH);
		return;
	}
	r->errors = fork_exec(av, 1, lat, PROC_N, &el);
	stats(r, lat, PROC_N, el);
}

/* ---- outer: the cost of each layer ---------------------------------- */

const char *const split_names[SPLIT_N] = {
	"bare", "ns", "view", "creds", "landlock", "seccomp", "cgroup",
	"userns",
};
const char *const split_titles[SPLIT_N] = {
	"fork+exec+wait /bin/true",
	"+ pid/mount/ipc/uts/net namespaces",
	"+ mount view",
	"+ setsid, hostname, rlimits, ids, caps",
	"+ Landlock",
	"+ seccomp (the command's sandbox)",
	"+ a cgroup of its own",
	"(namespaces with a user ns each)",
};

/* as root, the inner uid a command runs as (the files' owner) */
static int split_root;
static struct sock_fprog split_filter;	/* ROLE_COMMAND's, built once */

/* The cgroup a command gets (as root): v1 a memory and a pids directory,
 * v2 one; beneath a parent made for the run. */
static struct {
	int ver, n;
	char parent[2][128];
} cg;

static int
put(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), rc = -1;

	if (fd < 0)
		return -1;
	if (write(fd, val, strlen(val)) == (ssize_t)strlen(val))
		rc = 0;
	close(fd);
	return rc;
}

static void
cg_setup(char *why, size_t len)
{
	char p[256], buf[256] = "";
	int fd;
	ssize_t n;

	cg.ver = cg.n = 0;
	if (!split_root) {
		snprintf(why, len, "as root only (a cgroup to make)");
		return;
	}
	/* v1 where the host binds memory and pids to v1, else v2 */
	if (access("/sys/fs/cgroup/memory/memory.limit_in_bytes", F_OK) == 0 &&
	    access("/sys/fs/cgroup/pids/cgroup.procs", F_OK) == 0) {
		snprintf(cg.parent[0], sizeof(cg.parent[0]),
		    "/sys/fs/cgroup/memory/aksup-bench-%ld", (long)getpid());
		snprintf(cg.parent[1], sizeof(cg.parent[1]),
		    "/sys/fs/cgroup/pids/aksup-bench-%ld", (long)getpid());
		cg.ver = 1;
		cg.n = 2;
	} else if ((fd = open("/sys/fs/cgroup/cgroup.subtree_control",
	    O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		close(fd);
		/* the host's choice: never changed here */
		if (strstr(buf, "memory") == NULL || strstr(buf, "pids") ==
		    NULL) {
			snprintf(why, len, "memory and pids not enabled in the "
			    "cgroup v2 root");
			return;
		}
		snprintf(cg.parent[0], sizeof(cg.parent[0]),
		    "/sys/fs/cgroup/aksup-bench-%ld", (long)getpid());
		cg.ver = 2;
		cg.n = 1;
	} else {
		snprintf(why, len, "no cgroup memory and pids controllers");
		return;
	}
	for (fd = 0; fd < cg.n; fd++)
		if (mkdir(cg.parent[fd], 0755) < 0) {
			snprintf(why, len, "cannot make %.100s", cg.parent[fd]);
			while (fd-- > 0)
				rmdir(cg.parent[fd]);
			cg.n = 0;
			return;
		}
	snprintf(p, sizeof(p), "%s/cgroup.subtree_control", cg.parent[0]);
	if (cg.ver == 2 && put(p, "+memory +pids") < 0) {
		snprintf(why, len, "cannot enable memory and pids in %.100s",
		    cg.parent[0]);
		rmdir(cg.parent[0]);
		cg.n = 0;
	}
}

/* What the proc worker does for a command before its clone: a cgroup
 * directory (two on v1) with a quarter of the default session limits,
 * cgroup.procs opened for the child. */
static int
cg_make(int seq, int procs[2])
{
	static const char *const files[2][2] = {
		{ "memory.limit_in_bytes", "pids.max" },
		{ "memory.max", "pids.max" } };
	static const char *const vals[2] = { "268435456", "64" };
	char p[320];
	int i, k;

	procs[0] = procs[1] = -1;
	for (i = 0; i < cg.n; i++) {
		snprintf(p, sizeof(p), "%s/cmd-%d", cg.parent[i], seq);
		if (mkdir(p, 0755) < 0)
			return -1;
		for (k = 0; k < 2; k++) {
			if (cg.ver == 1 && k != i)
				continue;
			snprintf(p, sizeof(p), "%s/cmd-%d/%s", cg.parent[i], seq,
			    files[cg.ver - 1][k]);
			if (put(p, vals[k]) < 0)
				return -1;
		}
		snprintf(p, sizeof(p), "%s/cmd-%d/cgroup.procs", cg.parent[i],
		    seq);
		if ((procs[i] = open(p, O_WRONLY | O_CLOEXEC)) < 0)
			return -1;
	}
	return 0;
}

static void
cg_remove(int seq)
{
	char p[320];
	int i;

	for (i = 0; i < cg.n; i++) {
		snprintf(p, sizeof(p), "%s/cmd-%d", cg.parent[i], seq);
		(void)rmdir(p);
	}
}

static _Noreturn void
child_fail(int fd, const char *what)
{
	char msg[96];

	snprintf(msg, sizeof(msg), "%s: %s", what, strerror(errno));
	(void)!write(fd, msg, strlen(msg));
	_exit(126);
}

static void
set_limit(int fd, int res, rlim_t v)
{
	struct rlimit r = { v, v }, old;

	if (getrlimit(res, &old) == 0 && old.rlim_max != RLIM_INFINITY &&
	    old.rlim_max < v)
		r.rlim_cur = r.rlim_max = old.rlim_max;
	if (setrlimit(res, &r) < 0)
		child_fail(fd, "rlimits");
}

/*
 * The command's child, up to layer `upto`: the steps of the proc
 * worker's child in its order (cgroup, setsid, hostname, filesystem ids,
 * view, cwd, rlimits, ids and capabilities, Landlock, seccomp, stdio),
 * then exec. (A command's fs roots, bound into its view, are left out:
 * the split measures the view of the system directories.)
 */
static _Noreturn void
layer_child(enum split_layer upto, int st, const int procs[2])
{
	static struct mountview m;
	static const char *const rootdir[] = { "/", NULL };
	static const char *const rwdir[] = { "/tmp", "/dev/shm", NULL };
	const char *ro[32], *what;
	size_t n = 0, i;

	if (upto >= SPLIT_CGROUP)
		for (i = 0; i < 2; i++)
			if (procs[i] >= 0 && write(procs[i], "0", 1) != 1)
				child_fail(st, "cgroup");
	if (upto >= SPLIT_CREDS && (setsid() < 0 ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || sethostname("aksup", 5) < 0))
		child_fail(st, "setsid, hostname");
	/* as root, the files' owner's filesystem ids for the view */
	if (upto >= SPLIT_CREDS && split_root) {
		(void)setfsgid(1);
		(void)setfsuid(1);
	}
	if (upto >= SPLIT_VIEW) {
		if (mv_init(&m) < 0 || mv_take_system(&m) < 0 ||
		    mv_enter(&m, CMD_TMP_OPTS, 0) < 0) {
			errno = errno ? errno : EINVAL;
			child_fail(st, m.failed ? m.failed : "mount view");
		}
		if (chdir("/tmp") < 0)
			child_fail(st, "cwd");
	}
	if (upto >= SPLIT_CREDS) {
		set_limit(st, RLIMIT_CPU, 32);
#ifndef AKSUP_SANITIZER
		set_limit(st, RLIMIT_AS, (rlim_t)4 << 30);
#endif
		set_limit(st, RLIMIT_NPROC, 256);
		set_limit(st, RLIMIT_FSIZE, (rlim_t)256 << 20);
		set_limit(st, RLIMIT_NOFILE, 256);
		set_limit(st, RLIMIT_CORE, 0);
		set_limit(st, RLIMIT_MEMLOCK, 64 << 10);
		set_limit(st, RLIMIT_MSGQUEUE, 0);
		if (sandbox_drop(1, 1, split_root, 1, 1, &what) < 0)
			child_fail(st, what + 2);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
			child_fail(st, "death signal");
	}
	if (upto >= SPLIT_LANDLOCK) {
		for (i = 0; view_system[i] != NULL; i++)
			ro[n++] = view_system[i];
		for (i = 0; view_dev_ro[i] != NULL; i++)
			ro[n++] = view_dev_ro[i];
		ro[n] = NULL;
		if (sandbox_landlock(ro, view_dev_rw, rwdir, rootdir, 0) < 0)
			child_fail(st, "Landlock");
	}
	/* the filter as the proc worker loads it: built once, loaded here */
	if (upto >= SPLIT_SECCOMP)
		sandbox_seccomp_load(&split_filter);	/* exits on failure */
	if (upto >= SPLIT_CREDS) {
		if (dup3(st, 3, O_CLOEXEC) < 0)
			child_fail(st, "stdio");
		st = 3;
		if (syscall(SYS_close_range, 4, ~0U, 0) < 0)
			child_fail(st, "close_range");
	}
	execve(TRUE_PATH, true_argv, cmd_envp);
	child_fail(st, "exec " TRUE_PATH);
}

/* PROC_N commands with the layers up to `upto`, cloned with `flags`:
 * the median per command, ms; -1 with why on the first failure. */
static double
layer_run(enum split_layer upto, int flags, char *why, size_t len)
{
	double lat[PROC_N], t;
	int i, s[2], procs[2] = { -1, -1 }, wst;
	char msg[96];
	ssize_t n;
	pid_t pid;

	for (i = 0; i < PROC_N; i++) {
		if (pipe2(s, O_CLOEXEC) < 0) {
			snprintf(why, len, "pipe: %s", strerror(errno));
			return -1;
		}
		t = now_s();
		if (upto >= SPLIT_CGROUP && cg_make(i, procs) < 0) {
			snprintf(why, len, "cgroup: %s", strerror(errno));
			close(s[0]);
			close(s[1]);
			cg_remove(i);
			return -1;
		}
		pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL,
		    NULL, NULL);
		if (pid == 0) {
			close(s[0]);
			layer_child(upto, s[1], procs);
		}
		close(s[1]);
		if (procs[0] >= 0)
			close(procs[0]);
		if (procs[1] >= 0)
			close(procs[1]);
		procs[0] = procs[1] = -1;
		if (pid > 0)
			while (waitpid(pid, &wst, 0) < 0 && errno == EINTR)
				;
		if (upto >= SPLIT_CGROUP)
			cg_remove(i);
		lat[i] = now_s() - t;
		if (pid < 0 || !WIFEXITED(wst) || WEXITSTATUS(wst) != 0) {
			n = pid < 0 ? 0 : read(s[0], msg, sizeof(msg) - 1);
			msg[n > 0 ? n : 0] = '\0';
			if (pid < 0)
				snprintf(why, len, "clone: %s", strerror(errno));
			else if (n > 0)
				snprintf(why, len, "%s", msg);
			else
				snprintf(why, len, "the child %s %d",
				    WIFEXITED(wst) ? "exited" : "died of signal",
				    WIFEXITED(wst) ? WEXITSTATUS(wst) :
				    WTERMSIG(wst));
			close(s[0]);
			return -1;
		}
		close(s[0]);
	}
	return median_of(lat, PROC_N) * 1e3;
}

/* The driver, in a user namespace of its own as the proc worker is:
 * each layer, cumulatively; the results on `out`. */
static _Noreturn void
driver(int sync, int out)
{
	static struct split s;
	char c;
	int l;

	if (read(sync, &c, 1) != 1 || c != 'm')
		_exit(1);
	for (l = SPLIT_NS; l <= SPLIT_CGROUP; l++) {
		s.ms[l] = -1;
		if (l == SPLIT_CGROUP && cg.n == 0)
			continue;	/* the reason is the parent's */
		/* a layer that failed fails every one above it */
		if (l > SPLIT_NS && s.ms[l - 1] < 0 && s.why[l - 1][0]) {
			snprintf(s.why[l], sizeof(s.why[l]), "(below)");
			continue;
		}
		s.ms[l] = layer_run((enum split_layer)l, NS_FLAGS, s.why[l],
		    sizeof(s.why[l]));
	}
	(void)!write(out, &s, sizeof(s));
	_exit(0);
}

/* The maps of the driver's user namespace, written from outside:
 * as root inner 0 is root and inner 1 nobody, the uid a command runs
 * as; unprivileged, only ourselves as inner 0 (setgroups denied). */
static int
driver_maps(pid_t pid)
{
	char p[64], m[64];

	if (!split_root) {
		snprintf(p, sizeof(p), "/proc/%ld/setgroups", (long)pid);
		if (put(p, "deny") < 0)
			return -1;
	}
	snprintf(p, sizeof(p), "/proc/%ld/uid_map", (long)pid);
	if (split_root)
		snprintf(m, sizeof(m), "0 0 1\n1 65534 1\n");
	else
		snprintf(m, sizeof(m), "0 %u 1\n", (unsigned)geteuid());
	if (put(p, m) < 0)
		return -1;
	snprintf(p, sizeof(p), "/proc/%ld/gid_map", (long)pid);
	if (split_root)
		snprintf(m, sizeof(m), "0 0 1\n1 65534 1\n");
	else
		snprintf(m, sizeof(m), "0 %u 1\n", (unsigned)getegid());
	return put(p, m);
}

void
split_run(struct split *s)
{
	struct split got;
	double lat[PROC_N], el;
	int sync[2], out[2], l, bad, ok = 0;
	pid_t pid;

	if (split_filter.filter == NULL &&
	    sandbox_seccomp_prepare(ROLE_COMMAND, &split_filter) < 0)
		fprintf(stderr, "aksup-bench: cannot build the command filter\n");

	memset(s, 0, sizeof(*s));
	for (l = 0; l < SPLIT_N; l++)
		s->ms[l] = -1;
	split_root = geteuid() == 0;
	bad = fork_exec((char *const []){ TRUE_PATH, NULL }, 0, lat, PROC_N,
	    &el);
	if (bad == 0)
		s->ms[SPLIT_BARE] = median_of(lat, PROC_N) * 1e3;
	else
		snprintf(s->why[SPLIT_BARE], sizeof(s->why[0]), "%d failed", bad);
	/* beside: a user namespace made for each command too */
	s->ms[SPLIT_USERNS] = layer_run(SPLIT_NS, NS_FLAGS | CLONE_NEWUSER,
	    s->why[SPLIT_USERNS], sizeof(s->why[0]));
	cg_setup(s->why[SPLIT_CGROUP], sizeof(s->why[0]));
	if (pipe2(sync, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		return;
	pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL,
	    NULL, NULL);
	if (pid == 0) {
		close(sync[1]);
		close(out[0]);
		driver(sync[0], out[1]);
	}
	close(sync[0]);
	close(out[1]);
	if (pid > 0 && driver_maps(pid) == 0 && write(sync[1], "m", 1) == 1 &&
	    read(out[0], &got, sizeof(got)) == (ssize_t)sizeof(got))
		ok = 1;
	close(sync[1]);
	close(out[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	for (l = SPLIT_NS; l <= SPLIT_CGROUP; l++) {
		if (!ok) {
			snprintf(s->why[l], sizeof(s->why[0]), "no user namespace "
			    "for the driver");
			continue;
		}
		if (l == SPLIT_CGROUP && cg.n == 0)
			continue;
		s->ms[l] = got.ms[l];
		memcpy(s->why[l], got.why[l], sizeof(s->why[0]));
	}
	for (l = cg.n - 1; l >= 0; l--)
		(void)rmdir(cg.parent[l]);
	cg.n = 0;
}
