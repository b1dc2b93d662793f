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
	(void)confine_as_invoker(0);
	if (fd < 0)
		return -1;
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

	/* Safe: only the directory this session made, by its name in the
	 * directory held since, and only while it is empty (the fs worker,
	 * which fills it, never ran: the session was refused). */
	if (s->snapparent < 0 || s->snappath == NULL ||
	    (base = strrchr(s->snappath, '/')) == NULL)
		return;
	if (confine_as_invoker(1) == 0)
		(void)unlinkat(s->snapparent, base + 1, AT_REMOVEDIR);
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
