/*
 * supervisor/cgroup.c -- the session's cgroup: memory and pids limits on
 * the agent and everything it starts. RLIMIT_DATA counts neither memfd
 * nor SysV shared memory and is per process; a memory cgroup charges
 * every page (anonymous, memfd, shm, tmpfs) to the cgroup of the process
 * that touches it, and pids.max bounds processes per session, whatever
 * their uid.
 *
 * Runs in: aksup (supervisor), trusted, unconfined: creates the cgroup
 * directories beneath its own cgroup (as root) or beneath a cgroup the
 * invoking user owns (delegated), writes the limits, opens cgroup.procs.
 * The agent's child writes "0" to those descriptors before it execs (so
 * it is in the cgroup before it can fork). At the end: SIGKILL whatever
 * is left in it, rmdir.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "supervisor/cgroup.h"

#define CG_MAX 2

static struct {
	int version;			/* 0 none, 1, 2 */
	int n;
	char dir[CG_MAX][4096];		/* created directories */
	int procs[CG_MAX];		/* their cgroup.procs, O_CLOEXEC */
	char desc[128];
	uint64_t mem;
	long pids;
} cg = { .procs = { -1, -1 } };

int
cgroup_parse_size(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long n;
	uint64_t mul = 1;

	errno = 0;
	if (*s < '0' || *s > '9')
		return -1;
	n = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	switch (*end) {
	case 'K': case 'k': mul = 1024ull; end++; break;
	case 'M': case 'm': mul = 1024ull * 1024; end++; break;
	case 'G': case 'g': mul = 1024ull * 1024 * 1024; end++; break;
	}
	if (*end != '\0' || n == 0 || n > UINT64_MAX / mul / 2)
		return -1;
	*v = n * mul;
	return 0;
}

int
cgroup_parse_bytes(const char *s, uint64_t *v)
{
	if (cgroup_parse_size(s, v) < 0)
		return -1;
	/* below 4 MiB nothing starts (the dynamic loader alone) */
	return *v < 4ull * 1024 * 1024 ? -1 : 0;
}

int
cgroup_parse_pids(const char *s, long *v)
{
	char *end;

	errno = 0;
	if (*s < '0' || *s > '9')
		return -1;
	*v = strtol(s, &end, 10);
	return *end != '\0' || errno != 0 || *v < 1 || *v > 4194304 ? -1 : 0;
}

/* Our own cgroup path for controller `ctrl` ("" for v2's 0:: line). */
static int
self_path(const char *ctrl, char *out, size_t len)
{
	char line[4096], *a, *b;
	FILE *f;
	int rc = -1;

	if ((f = fopen("/proc/self/cgroup", "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if ((a = strchr(line, ':')) == NULL ||
		    (b = strchr(a + 1, ':')) == NULL)
			continue;
		*b = '\0';
		if (*ctrl == '\0' ? a[1] == '\0' && strncmp(line, "0", 2) == 0 :
		    strstr(a + 1, ctrl) != NULL) {
			/* a v1 line lists its controllers: match one exactly */
			char *t, *save = NULL;
			int hit = *ctrl == '\0';

			for (t = strtok_r(a + 1, ",", &save); !hit && t;
			    t = strtok_r(NULL, ",", &save))
				hit = strcmp(t, ctrl) == 0;
			if (hit && snprintf(out, len, "%s", b + 1) < (int)len) {
				rc = 0;
				break;
			}
		}
	}
	fclose(f);
	return rc;
}

/* Mount point of the v1 hierarchy holding `ctrl`, or of cgroup2 ("").
 * /proc/self/mountinfo: ID PARENT MAJ:MIN ROOT MOUNTPOINT ... - TYPE SRC OPTS */
static int
mount_of(const char *ctrl, char *out, size_t len, char *root, size_t rlen)
{
	char line[4096], *f[6], *sep, *type, *opts, *save, *t;
	FILE *fp;
	int rc = -1, i;

	if ((fp = fopen("/proc/self/mountinfo", "re")) == NULL)
		return -1;
	while (rc < 0 && fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if ((sep = strstr(line, " - ")) == NULL)
			continue;
		*sep = '\0';
		save = NULL;
		for (i = 0, t = strtok_r(line, " ", &save); t && i < 6;
		    t = strtok_r(NULL, " ", &save))
			f[i++] = t;
		if (i < 5)
			continue;
		save = NULL;
		type = strtok_r(sep + 3, " ", &save);
		(void)strtok_r(NULL, " ", &save);
		opts = strtok_r(NULL, " ", &save);
		if (type == NULL || opts == NULL)
			continue;
		if (*ctrl == '\0') {
			if (strcmp(type, "cgroup2") != 0)
				continue;
		} else {
			int hit = 0;

			if (strcmp(type, "cgroup") != 0)
				continue;
			for (t = strtok_r(opts, ",", &save); t && !hit;
			    t = strtok_r(NULL, ",", &save))
				hit = strcmp(t, ctrl) == 0;
			if (!hit)
				continue;
		}
		if (snprintf(out, len, "%s", f[4]) < (int)len &&
		    snprintf(root, rlen, "%s", f[3]) < (int)rlen)
			rc = 0;
	}
	fclose(fp);
	return rc;
}

/* The directory of our own cgroup in the hierarchy of `ctrl`. */
static int
self_dir(const char *ctrl, char *out, size_t len)
{
	char mnt[4096], root[4096], path[4096];
	const char *rel;
	size_t rl;

	if (mount_of(ctrl, mnt, sizeof(mnt), root, sizeof(root)) < 0 ||
	    self_path(ctrl, path, sizeof(path)) < 0)
		return -1;
	rl = strlen(root);
	rel = path;
	if (strcmp(root, "/") != 0 && strncmp(path, root, rl) == 0)
		rel = path + rl;
	if (snprintf(out, len, "%s%s", mnt, strcmp(rel, "/") == 0 ? "" : rel) >=
	    (int)len)
		return -1;
	return 0;
}

static int
put(const char *dir, const char *file, const char *val)
{
	char p[4200];
	size_t n = strlen(val);
	int fd, rc = -1;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	if ((fd = open(p, O_WRONLY | O_CLOEXEC)) < 0)
		return -1;
	if (write(fd, val, n) == (ssize_t)n)
		rc = 0;
	close(fd);
	return rc;
}

static int
has_file(const char *dir, const char *file)
{
	char p[4200];

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	return access(p, F_OK) == 0;
}

/* Where we may create a child cgroup: as root anywhere in our own
 * cgroup; otherwise only in one the invoking user owns (delegated). */
static int
usable_parent(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	if (geteuid() != 0 && st.st_uid != geteuid())
		return 0;
	return access(dir, W_OK) == 0;
}

static int remove_tree(const char *dir, int depth);

/* mkdir PARENT/aksup-PID; a tree left by a crashed aksup of the same pid
 * (a worker's command or server cgroups beneath it) is removed first,
 * what still runs in it killed: by its name, a session's that is over. */
static int
make_child(const char *parent, char *out, size_t len)
{
	if (snprintf(out, len, "%s/aksup-%ld", parent, (long)getpid()) >=
	    (int)len)
		return -1;
	/* Safe: a new, empty cgroup beneath our own; it only limits. */
	if (mkdir(out, 0755) == 0)
		return 0;
	if (errno == EEXIST && remove_tree(out, 0) == 0 &&
	    mkdir(out, 0755) == 0)
		return 0;
	return -1;
}

static int
add(const char *parent, const char *const files[][2], const char **why)
{
	char *dir = cg.dir[cg.n], p[4200];
	int i;

	if (make_child(parent, dir, sizeof(cg.dir[0])) < 0) {
		*why = "cannot create a cgroup";
		return -1;
	}
	cg.n++;
	for (i = 0; files[i][0] != NULL; i++) {
		if (!has_file(dir, files[i][0]) && files[i][0][0] == '?')
			continue;
		if (put(dir, files[i][0] + (files[i][0][0] == '?'),
		    files[i][1]) < 0) {
			*why = "cannot write the cgroup's limits";
			return -1;
		}
	}
	snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
	if ((cg.procs[cg.n - 1] = open(p, O_WRONLY | O_CLOEXEC)) < 0) {
		*why = "cannot open the cgroup's cgroup.procs";
		return -1;
	}
	return 0;
}

static int
create_v1(const char *mem, const char *pids, const char **why)
{
	char md[4096], pd[4096];
	const char *mf[][2] = {
		{ "memory.limit_in_bytes", mem },
		/* swap accounting on: no swapping past the limit either */
		{ "?memory.memsw.limit_in_bytes", mem },
		{ NULL, NULL },
	};
	const char *pf[][2] = { { "pids.max", pids }, { NULL, NULL } };

	if (self_dir("memory", md, sizeof(md)) < 0 ||
	    self_dir("pids", pd, sizeof(pd)) < 0) {
		*why = "no cgroup v1 memory and pids controllers";
		return 1;
	}
	if (!usable_parent(md) || !usable_parent(pd)) {
		*why = "no cgroup of the memory and pids controllers is "
		    "delegated to this user";
		return -1;
	}
	if (add(md, mf, why) < 0 || add(pd, pf, why) < 0)
		return -1;
	cg.version = 1;
	return 0;
}

static int
create_v2(const char *mem, const char *pids, const char **why)
{
	char d[4096], ctl[4200], buf[512];
	const char *f[][2] = {
		{ "memory.max", mem }, { "?memory.swap.max", "0" },
		{ "pids.max", pids }, { NULL, NULL },
	};
	ssize_t n;
	int fd;

	if (self_dir("", d, sizeof(d)) < 0) {
		*why = "no cgroup v2 hierarchy";
		return -1;
	}
	snprintf(ctl, sizeof(ctl), "%s/cgroup.controllers", d);
	buf[0] = '\0';
	if ((fd = open(ctl, O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	if (strstr(buf, "memory") == NULL || strstr(buf, "pids") == NULL) {
		*why = "no cgroup v2 memory and pids controllers";
		return -1;
	}
	if (!usable_parent(d)) {
		*why = "no cgroup v2 subtree is delegated to this user";
		return -1;
	}
	/* our children get the two controllers (fails in a cgroup that
	 * itself holds processes: then there is no cgroup for us) */
	if (put(d, "cgroup.subtree_control", "+memory +pids") < 0) {
		*why = "cannot enable memory and pids in cgroup.subtree_control";
		return -1;
	}
	if (add(d, f, why) < 0)
		return -1;
	cg.version = 2;
	return 0;
}

int
cgroup_create(uint64_t mem, long pids, const char **why)
{
	char m[32], p[32];
	int rc;

	snprintf(m, sizeof(m), "%" PRIu64, mem);
	snprintf(p, sizeof(p), "%ld", pids);
	/* v1 where the host binds memory and pids to v1 (then a cgroup2
	 * mount has neither), else v2 */
	if ((rc = create_v1(m, p, why)) > 0)
		rc = create_v2(m, p, why);
	if (rc < 0) {
		cgroup_destroy();
		return -1;
	}
	snprintf(cg.desc, sizeof(cg.desc), "cgroup-v%d:memory=%s:pids=%s",
	    cg.version, m, p);
	cg.mem = mem;
	cg.pids = pids;
	return 0;
}

int
cgroup_sub(const char *name, uid_t uid, gid_t gid, int *fds, char *arg,
    size_t arglen)
{
	char d[4200];
	int i;

	if (cg.version == 0)
		return 0;
	/* a command takes at most a quarter of the session's budget */
	snprintf(arg, arglen, "%d:%" PRIu64 ":%ld", cg.version, cg.mem / 4,
	    cg.pids / 4 > 8 ? cg.pids / 4 : 8);
	for (i = 0; i < cg.n; i++) {
		snprintf(d, sizeof(d), "%s/%s", cg.dir[i], name);
		/* Safe: a new, empty cgroup beneath the session's, given to
		 * the worker's uid (as root) so that it can make one
		 * beneath it per command; it can only limit further. */
		if (mkdir(d, 0755) < 0 || (geteuid() == 0 &&
		    chown(d, uid, gid) < 0) || (fds[i] = open(d, O_RDONLY |
		    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
			log_warn("cgroup %s", d);
			return -1;
		}
	}
	return cg.n;
}

const char *
cgroup_desc(void)
{
	return cg.desc;
}

int
cgroup_enter(void)
{
	int i;

	/* "0": the writer itself, before it can fork or exec */
	for (i = 0; i < cg.n; i++)
		if (cg.procs[i] < 0 || write(cg.procs[i], "0", 1) != 1)
			return -1;
	return 0;
}

/* SIGKILL every process still in `dir`; 1 when it is empty. */
static int
kill_in(const char *dir)
{
	char p[4200], line[64];
	FILE *f;
	int empty = 1;

	snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
	if ((f = fopen(p, "re")) == NULL)
		return 1;
	while (fgets(line, sizeof(line), f) != NULL) {
		long pid = strtol(line, NULL, 10);

		/* Safe: only processes of the session's own cgroup */
		if (pid > 1 && pid != (long)getpid())
			(void)kill((pid_t)pid, SIGKILL);
		empty = 0;
	}
	fclose(f);
	return empty;
}

/* Empty and remove `dir` and the cgroups beneath it (a command's, left
 * by a worker that was killed), deepest first. */
static int
remove_tree(const char *dir, int depth)
{
	struct timespec ms = { 0, 1000000 };
	char sub[4200];
	struct dirent *e;
	DIR *d;
	int tries;

	if (depth < 4 && (d = opendir(dir)) != NULL) {
		while ((e = readdir(d)) != NULL)
			if (e->d_type == DT_DIR && e->d_name[0] != '.' &&
			    snprintf(sub, sizeof(sub), "%s/%s", dir,
			    e->d_name) < (int)sizeof(sub))
				(void)remove_tree(sub, depth + 1);
		closedir(d);
	}
	for (tries = 0; tries < 2000; tries++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		(void)kill_in(dir);
		nanosleep(&ms, NULL);
	}
	return -1;
}

void
cgroup_destroy(void)
{
	int i;

	for (i = cg.n - 1; i >= 0; i--) {
		if (cg.procs[i] >= 0)
			close(cg.procs[i]);
		cg.procs[i] = -1;
		if (remove_tree(cg.dir[i], 0) < 0)
			log_warn("cannot remove cgroup %s", cg.dir[i]);
	}
	cg.n = 0;
}
