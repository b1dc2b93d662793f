/*
 * supervisor/snapstore.c -- the snapshot store's directory (docs/
 * ROLLBACK.md): named by --snapshot-dir or beside the audit log, made
 * 0700 when missing, opened O_PATH (no symlink on the way), checked
 * (a directory of the fs worker's user that nobody else may enter), and
 * handed to the fs worker alone, on WORKER_FD_SNAP; its quota and TTL as
 * that worker's argument. The placement check (placement.c) then refuses
 * a store that lies beneath a directory the policy opens to the agent.
 *
 * Runs in: aksup (the supervisor), before any worker starts. Privilege:
 * the invoking user's; the directory is made by its path as that user
 * (confine_as_invoker) and, only when the fs worker runs as another
 * (--run-as, as root), given to that user right after it was made. It
 * reads nothing in the store: the fs worker does, confined.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fds.h"
#include "common/fsrights.h"
#include "common/log.h"
#include "common/util.h"
#include "supervisor/cgroup.h"
#include "supervisor/confine.h"
#include "supervisor/session.h"
#include "supervisor/view.h"

#define SNAP_DEFAULT_MAX	(1024ull * 1024 * 1024)	/* 1 GiB */
#define SNAP_TTL_MAX		(100ull * 365 * 24 * 3600)

int
snapstore_cli_opt(int ch, const char *arg, struct session_cfg *cfg,
    const char *cmd)
{
	uint64_t b;
	long v;

	switch (ch) {
	case SNAP_OPT_MAX:
		if (cgroup_parse_size(arg, &b) < 0 || b < 65536) {
			fprintf(stderr, "aksup %s: bad value for "
			    "--snapshot-max-bytes: %s (a size of at least 64K, "
			    "with K, M or G)\n", cmd, arg);
			return -1;
		}
		cfg->snapshot_max = b;
		return 1;
	case SNAP_OPT_TTL:
		if (parse_int(arg, 1, (long)SNAP_TTL_MAX, &v) < 0) {
			fprintf(stderr, "aksup %s: bad value for --snapshot-ttl: "
			    "%s (seconds, 1 to %llu)\n", cmd, arg, SNAP_TTL_MAX);
			return -1;
		}
		cfg->snapshot_ttl = (unsigned long long)v;
		return 1;
	}
	return 0;
}

/* The store's path, absolute (a relative one is from the working
 * directory, as the log's): malloc'd, or NULL (said). */
static char *
store_path(const struct session_cfg *cfg)
{
	const char *p = cfg->snapshot_dir != NULL ? cfg->snapshot_dir :
	    snapstore_default(cfg->log_path);
	char cwd[PATH_MAX], *abs;
	size_t n;

	if (p == NULL)
		return NULL;
	if (p[0] == '/')
		abs = strdup(p);
	else if (getcwd(cwd, sizeof(cwd)) == NULL ||
	    asprintf(&abs, "%s/%s", cwd, p) < 0)
		abs = NULL;
	if (abs == NULL) {
		log_warn("snapshot store %s", p);
		return NULL;
	}
	/* no trailing '/': its last name is made */
	for (n = strlen(abs); n > 1 && abs[n - 1] == '/'; n--)
		abs[n - 1] = '\0';
	return abs;
}

/* Make (0700) and open the store as the invoking user: the O_PATH fd, or
 * -1 (said). *made: 1 when this call made it; *parent: its directory
 * (O_PATH, kept to remove it again: snapstore_unmake). */
static int
open_store(const char *path, int *made, int *parent)
{
	char dir[PATH_MAX], *slash;
	int dfd = -1, fd = -1;

	*made = 0;
	*parent = -1;
	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir) ||
	    strcmp(path, "/") == 0) {
		log_warnx("snapshot store %s: a directory of its own, please",
		    path);
		return -1;
	}
	slash = strrchr(dir, '/');
	*slash = '\0';
	if ((dfd = open_nofollow(AT_FDCWD, dir[0] ? dir : "/", O_PATH |
	    O_DIRECTORY | O_CLOEXEC)) < 0) {
		log_warn("snapshot store %s: directory %s%s", path, dir[0] ?
		    dir : "/", errno == ELOOP ? " (a symbolic link on the way, "
		    "which aksup does not follow)" : "");
		return -1;
	}
	if (mkdirat(dfd, slash + 1, 0700) == 0)
		*made = 1;
	else if (errno != EEXIST) {
		log_warn("snapshot store %s: cannot make it", path);
		goto out;
	}
	if ((fd = open_nofollow(dfd, slash + 1, O_PATH | O_DIRECTORY |
	    O_CLOEXEC)) < 0)
		log_warn("snapshot store %s%s", path, errno == ELOOP ? " (a "
		    "symbolic link, which aksup does not follow)" : errno ==
		    ENOTDIR ? " (not a directory)" : "");
out:
	if (fd >= 0 && *made) {
		*parent = dfd;
		return fd;
	}
	close(dfd);
	return fd;
}

/* Whether the policy lets the agent write or delete anywhere: only then
 * is there anything to snapshot or roll back. */
static int
store_wanted(const struct sess *s)
{
	int i;

	for (i = 0; i < s->nroots; i++)
		if (s->rootacts[i] & (FS_RIGHT_WRITE | FS_RIGHT_DELETE))
			return 1;
	return 0;
}

#define STORE_MARK	".aksup-snapshot-store"

/*
 * The directory is a snapshot store: it holds the mark aksup leaves in
 * every store it makes or adopts. One without it is adopted (the mark
 * made) only when it holds nothing but a store's own folders: the fs
 * worker clears files in it and may create and rename anything beneath
 * it, so a directory of other files (a home, --snapshot-dir ~) is never
 * taken for one. 0, or -1 (said). As the invoking user.
 */
static int
store_mark(int fd, const char *path, int make)
{
	static const char *const own[] = { "meta", "blobs", "tmp", NULL };
	struct dirent *de;
	struct stat st;
	size_t i;
	DIR *d;
	int rd, mk;

	if (fstatat(fd, STORE_MARK, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode))
		return 0;
	if ((rd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (d = fdopendir(rd)) == NULL) {
		if (rd >= 0)
			close(rd);
		log_warn("snapshot store %s", path);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		for (i = 0; own[i] != NULL && strcmp(own[i], de->d_name); i++)
			;
		/* a store's own folder: a directory by that name */
		if (own[i] != NULL && (fstatat(fd, de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode)))
			i = sizeof(own) / sizeof(own[0]) - 1;
		if (own[i] == NULL) {
			log_warnx("snapshot store %s: a directory that holds "
			    "other files (%s) and is no snapshot store (no %s "
			    "in it); refusing to use it: name an empty or a new "
			    "directory", path, de->d_name, STORE_MARK);
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	if (!make)
		return 0;
	if ((mk = openat(fd, STORE_MARK, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) < 0 && errno != EEXIST) {
		log_warn("snapshot store %s: %s", path, STORE_MARK);
		return -1;
	}
	if (mk >= 0)
		close(mk);
	return 0;
}

/* 1 when the directory on fd lies at or beneath the store (st, its
 * identity; ip, its path inside its filesystem, "" when unknown): up by
 * "..", and inside the filesystem (a bind mount of a store's folder). */
static int
in_store(int fd, const struct stat *st, const char *ip)
{
	char p[PATH_MAX];
	struct stat cur, up;
	int d, next, depth;

	if (fd < 0)
		return 0;
	if (fstat(fd, &cur) == 0 && cur.st_dev == st->st_dev && ip[0] != '\0'
	    && fs_internal_path(fd, p, sizeof(p)) == 0 &&
	    fs_path_beneath(p, ip))
		return 1;
	if ((d = openat(fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return 0;	/* (a file of the view: its directory counts) */
	for (depth = 0; depth < 4096 && fstat(d, &cur) == 0; depth++) {
		if (cur.st_dev == st->st_dev && cur.st_ino == st->st_ino) {
			close(d);
			return 1;
		}
		next = openat(d, "..", O_PATH | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (next < 0 || fstat(next, &up) < 0 || (up.st_dev ==
		    cur.st_dev && up.st_ino == cur.st_ino)) {
			if (next >= 0)
				close(next);
			break;
		}
		close(d);
		d = next;
	}
	close(d);
	return 0;
}

/* Nothing the agent or a server can reach may lie in the store: a root
 * inside it would let the agent read the bytes it overwrote under other
 * policies, forge snapshots, or lose files to the worker's sweeps. */
static int
store_contains_none(const struct sess *s, int fd)
{
	const struct agent_view *v = s->cfg->view;
	char ip[PATH_MAX];
	struct stat st;
	int i;

	if (fstat(fd, &st) < 0)
		return -1;
	if (fs_internal_path(fd, ip, sizeof(ip)) < 0)
		ip[0] = '\0';
	for (i = 0; i < s->nroots; i++)
		if (!s->proot[i].missing && in_store(s->rootfd[i], &st, ip)) {
			log_warnx("snapshot store %s holds fs root %s (rule at "
			    "%s); refusing to start: put the store outside "
			    "every directory the policy opens", s->snappath,
			    s->proot[i].path, s->proot[i].rule);
			return -1;
		}
	for (i = 0; i < s->nmcp; i++)
		if (in_store(s->mcpfd[i], &st, ip)) {
			log_warnx("snapshot store %s holds %s, which the policy "
			    "gives an mcp server; refusing to start",
			    s->snappath, s->mcppath[i]);
			return -1;
		}
	for (i = 0; v != NULL && (size_t)i < v->n; i++)
		if (v->e[i].link == NULL && in_store(v->e[i].fd, &st, ip)) {
			log_warnx("snapshot store %s holds %s of the agent's "
			    "view; refusing to start", s->snappath,
			    v->e[i].path);
			return -1;
		}
	return 0;
}

int
snapstore_open(struct sess *s)
{
	struct stat st;
	uid_t uid;
	gid_t gid;
	int made, fd;

	s->snapfd = s->snapparent = -1;
	if (!store_wanted(s))
		return 0;	/* the fs worker gets "snap:-" */
	if ((s->snappath = store_path(s->cfg)) == NULL)
		return -1;
	if (confine_as_invoker(1) < 0) {
		(void)confine_as_invoker(0);
		return -1;
	}
	fd = open_store(s->snappath, &made, &s->snapparent);
	/* a directory of other files is said as such first (before its
	 * mode, which chmod would not make right) */
	if (fd >= 0 && store_mark(fd, s->snappath, 0) < 0) {
		close(fd);
		fd = -1;
	}
	(void)confine_as_invoker(0);
	if (fd < 0)
		return -1;
	if (store_contains_none(s, fd) < 0)
		goto fail;
	confine_fs_ids(&uid, &gid);
	/* Safe: only a directory this call just made, as root, for the
	 * user the fs worker runs as (--run-as): theirs from the start. */
	if (made && fstat(fd, &st) == 0 && st.st_uid != uid && geteuid() == 0 &&
	    fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0) {
		log_warn("snapshot store %s: cannot give it to uid %u",
		    s->snappath, (unsigned)uid);
		goto fail;
	}
	/* Theirs alone: another user who can enter it could read every
	 * file the agent overwrote, or plant a snapshot to roll back. */
	if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != uid ||
	    (st.st_mode & 077) != 0) {
		log_warnx("snapshot store %s must be a directory of uid %u (the "
		    "user the fs worker runs as) that nobody else may enter "
		    "(it is uid %u, mode %03o%s)", s->snappath, (unsigned)uid,
		    (unsigned)st.st_uid, (unsigned)(st.st_mode & 0777),
		    (st.st_mode & 077) != 0 ? ": chmod 700 it" : "");
		goto fail;
	}
	/* a store of the right user and mode: is it one (marked), or may
	 * it become one (its mark made, as the invoking user)? */
	if (confine_as_invoker(1) < 0 || store_mark(fd, s->snappath, 1) < 0) {
		(void)confine_as_invoker(0);
		goto fail;
	}
	(void)confine_as_invoker(0);
	s->snapfd = fd;
	snprintf(s->snaparg, sizeof(s->snaparg), "snap:%d:%llu:%llu",
	    WORKER_FD_SNAP, s->cfg->snapshot_max ? s->cfg->snapshot_max :
	    SNAP_DEFAULT_MAX, s->cfg->snapshot_ttl);	/* 0: not given */
	return 0;
fail:
	close(fd);
	return -1;
}

void
snapstore_unmake(struct sess *s)
{
	const char *base;
	int fd;

	/* Safe: only the directory this session made, by its name in the
	 * directory held since, and only while it is empty (the fs worker,
	 * which fills it, never ran: the session was refused). */
	if (s->snapparent < 0 || s->snappath == NULL ||
	    (base = strrchr(s->snappath, '/')) == NULL)
		return;
	if (confine_as_invoker(1) == 0 && (fd = openat(s->snapparent,
	    base + 1, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
		(void)unlinkat(fd, STORE_MARK, 0);	/* its mark, then it */
		close(fd);
		(void)unlinkat(s->snapparent, base + 1, AT_REMOVEDIR);
	}
	(void)confine_as_invoker(0);
}

void
snapstore_close(struct sess *s)
{
	if (s->snapfd >= 0)
		close(s->snapfd);
	s->snapfd = -1;
	if (s->snapparent >= 0)
		close(s->snapparent);
	s->snapparent = -1;
	free(s->snappath);
	s->snappath = NULL;
}
