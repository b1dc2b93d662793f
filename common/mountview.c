/*
 * common/mountview.c -- the mount view builder (common/mountview.h).
 *
 * Runs in: the external agent's child (supervisor/confine.c) and each
 * proc.exec command's child (workers/proc/cmd.c), between fork and exec,
 * in a mount namespace of their own. Privilege: CAP_SYS_ADMIN over that
 * namespace; see each operation's comment for why it is safe.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/mountview.h"

const char *const view_system[] = {
	"/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32",
	"/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", NULL,
};
const char *const view_dev_ro[] = { "/dev/urandom", "/dev/random", NULL };
const char *const view_dev_rw[] = { "/dev/null", "/dev/zero", "/dev/full", NULL };
const char *const view_net[] = {
	"/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/host.conf",
	"/etc/gai.conf", "/etc/ssl/certs", "/etc/ssl/openssl.cnf",
	"/etc/ca-certificates.conf", NULL,
};

/* The staging root: mounted over /tmp in the child's namespace only,
 * after every source was cloned. */
static const char newroot[] = "/tmp";

static int
fail(struct mountview *m, const char *what)
{
	m->failed = what;
	return -1;
}

int
mv_init(struct mountview *m)
{
	m->n = 0;
	m->failed = NULL;
	/* first, so no clone below and no mount after propagates back */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return fail(m, "make mounts private");
	return 0;
}

static struct mv_ent *
next(struct mountview *m, const char *path)
{
	struct mv_ent *e;

	if (m->n == MV_MAX)
		return NULL;
	e = &m->e[m->n++];
	memset(e, 0, sizeof(*e));
	e->path = path;
	e->fd = -1;
	return e;
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

/* A mount point at `dst`: a directory or an empty file. */
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

/* Flags on a detached copy. Safe: mount_setattr here only adds nosuid,
 * nodev, noexec, read-only to a clone the child alone holds. */
static int
set_attr(int fd, unsigned long set, int recursive)
{
	struct mount_attr ma;

	memset(&ma, 0, sizeof(ma));
	ma.attr_set = set;
	return mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ?
	    AT_RECURSIVE : 0), &ma, sizeof(ma));
}

/* A detached, read-only (or device) copy of what is at `path`: a bind of
 * something the child can already see. A symlink (/bin -> usr/bin on
 * merged-/usr systems) is recreated as one; an absent path is left out. */
static int
take_path(struct mountview *m, const char *path, int dev, int follow)
{
	struct mv_ent *e;
	struct stat st;
	ssize_t n;

	if ((e = next(m, path)) == NULL)
		return fail(m, "too many entries");
	if (lstat(path, &st) < 0) {
		m->n--;
		return errno == ENOENT ? 0 : fail(m, path);
	}
	if (S_ISLNK(st.st_mode) && !dev && !follow) {
		if ((n = readlink(path, e->link, sizeof(e->link) - 1)) < 0)
			return fail(m, path);
		e->link[n] = '\0';
		return 0;
	}
	if (stat(path, &st) < 0) {
		m->n--;
		return errno == ENOENT ? 0 : fail(m, path);
	}
	e->is_dir = S_ISDIR(st.st_mode);
	e->fd = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
	    AT_RECURSIVE);
	if (e->fd < 0 || set_attr(e->fd, MOUNT_ATTR_NOSUID | (dev ?
	    MOUNT_ATTR_NOEXEC : MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV), 1) < 0)
		return fail(m, path);
	return 0;
}

int
mv_take_system(struct mountview *m)
{
	size_t i;

	for (i = 0; view_system[i] != NULL; i++)
		if (take_path(m, view_system[i], 0, 0) < 0)
			return -1;
	for (i = 0; view_dev_ro[i] != NULL; i++)
		if (take_path(m, view_dev_ro[i], 1, 0) < 0)
			return -1;
	for (i = 0; view_dev_rw[i] != NULL; i++)
		if (take_path(m, view_dev_rw[i], 1, 0) < 0)
			return -1;
	return 0;
}

int
mv_take_net(struct mountview *m)
{
	size_t i;

	for (i = 0; view_net[i] != NULL; i++)
		if (take_path(m, view_net[i], 0, 1) < 0)
			return -1;
	return 0;
}

/* Cloned alone, without the mounts beneath it (a mount under a root or a
 * --ro directory, a bind of the log's directory, a proc, never comes
 * along); nosuid, nodev, read-only unless rw. */
int
mv_take_fd(struct mountview *m, const char *path, int fd, int is_dir, int rw)
{
	struct mv_ent *e;

	if ((e = next(m, path)) == NULL)
		return fail(m, "too many entries");
	e->is_dir = is_dir;
	e->fd = open_tree(fd, "", AT_EMPTY_PATH | OPEN_TREE_CLONE |
	    OPEN_TREE_CLOEXEC);
	if (e->fd < 0 || set_attr(e->fd, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
	    (rw ? 0 : MOUNT_ATTR_RDONLY), 0) < 0)
		return fail(m, path);
	return 0;
}

int
mv_take_link(struct mountview *m, const char *path, const char *target)
{
	struct mv_ent *e;

	if ((e = next(m, path)) == NULL)
		return fail(m, "too many entries");
	e->late = 1;
	if (snprintf(e->link, sizeof(e->link), "%s", target) >=
	    (int)sizeof(e->link))
		return fail(m, path);
	return 0;
}

static int
place(struct mv_ent *e)
{
	char dst[PATH_MAX];

	if (snprintf(dst, sizeof(dst), "%s%s", newroot, e->path) >=
	    (int)sizeof(dst))
		return -1;
	if (e->late && (mountpoint_for(0, dst) < 0 || unlink(dst) < 0))
		return -1;
	if (e->link[0] != '\0')
		return symlink(e->link, dst) < 0 && errno != EEXIST ? -1 : 0;
	if (e->fd < 0)
		return 0;
	if (mountpoint_for(e->is_dir, dst) < 0 ||
	    move_mount(e->fd, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return -1;
	close(e->fd);
	e->fd = -1;
	return 0;
}

/*
 * Safe: in the child's own mount namespace, made private first so
 * nothing propagates back to the host; it only removes what the child
 * can see. The tmpfs pages of /tmp and /dev/shm count in the memory
 * cgroup the child joined before this.
 */
int
mv_enter(struct mountview *m, const char *tmp_opts, int with_proc)
{
	char opts[128];
	size_t i;
	int late;

	if (mount("aksup-root", newroot, "tmpfs", MS_NOSUID | MS_NODEV,
	    "mode=0755,size=1m,nr_inodes=4k") < 0)
		return fail(m, "tmpfs root");
	snprintf(opts, sizeof(opts), "mode=1777,%s", tmp_opts);
	if (mkdir("/tmp/tmp", 01777) < 0 || mount("aksup-tmp", "/tmp/tmp",
	    "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
		return fail(m, "private /tmp");
	/* POSIX shared memory and semaphores (multiprocessing) need it;
	 * mounted before the entries are placed, as /tmp is, so a root
	 * beneath /dev/shm is placed on it, not hidden under it */
	if (mkdir_p("/tmp/dev/shm", 0755) < 0 || chmod("/tmp/dev/shm", 01777) < 0 ||
	    mount("aksup-shm", "/tmp/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV |
	    MS_NOEXEC, "mode=1777," MV_SHM_SIZE) < 0)
		return fail(m, "private /dev/shm");
	for (late = 0; late < 2; late++)
		for (i = 0; i < m->n; i++)
			if (m->e[i].late == late && place(&m->e[i]) < 0)
				return fail(m, m->e[i].path);
	/* Sanitizer builds only: the runtime reads /proc/self/maps. The
	 * proc of the child's own pid namespace shows only its processes. */
	if (with_proc && (mkdir("/tmp/proc", 0555) < 0 || mount("proc",
	    "/tmp/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0))
		return fail(m, "proc");
	/* Enter it and drop the old root (pivot_root(".", ".") stacks the
	 * old root on the new one; the detach takes it away). */
	if (chdir(newroot) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
	    umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		return fail(m, "pivot_root");
	/* The root itself is read-only: writable only /tmp, /dev/shm and
	 * what the caller bound writable. */
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY |
	    MS_NOSUID | MS_NODEV, NULL) < 0)
		return fail(m, "read-only root");
	return 0;
}
