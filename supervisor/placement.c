/*
 * supervisor/placement.c -- the files that decide and record a session
 * (the audit log, the seal key, the policy) must lie outside every
 * directory the policy opens to the agent, and the policy must be a file
 * only its owner (the operator or root) can change.
 *
 * Runs in: aksup (supervisor). Privilege: the invoking user's. It opens
 * O_PATH descriptors of directories (each protected file's directory and
 * its ancestors, each fs root) and compares identities; it reads no file
 * and follows no name the agent could have planted: the walk goes up by
 * "..", which no symlink can redirect.
 *
 * The rule: a protected file is refused when some directory on its way
 * up to "/" is (by st_dev and st_ino, so symlinks and bind mounts of the
 * root cannot hide it) a policy fs root the policy grants any right on
 * (read of the key is as bad as a write of the log). The roots are
 * compared twice: as the fs worker receives them (open_root, no symlink
 * followed) and as the path resolves with symlinks followed, so a root
 * the operator named through a symlink counts too. A root that does not
 * exist yet cannot hold an existing file and is skipped.
 *
 * A walk up by ".." climbs the mount tree, not the filesystem: a file on
 * a bind mount of a directory inside a root never meets the root on its
 * way up, yet the agent reaches it through the root. So each file is
 * also placed inside its filesystem (supervisor/fspath.c) and refused
 * when that path lies at or beneath a root's on the same filesystem.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "supervisor/confine.h"
#include "supervisor/supervisor.h"

static int
same(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* As root under sudo (or --run-as): uid is the user aksup runs for,
 * whose files are theirs to decide with. */
int
invoking_user(uid_t uid)
{
	const char *su = getenv("SUDO_UID");
	uid_t ou;
	gid_t og;
	long v;

	if (geteuid() != 0)
		return 0;
	if (confine_files_owner(&ou, &og) == 0)
		return uid == ou;
	return su != NULL && parse_int(su, 1, 0x7fffffff, &v) == 0 &&
	    (uid_t)v == uid;
}

int
policyfile_open(const char *path)
{
	return operator_file_open(path, "policy");
}

int
operator_file_open(const char *path, const char *what)
{
	struct stat st;
	int fd;

	/* Followed if a symlink: the operator's own naming. What matters
	 * is the file opened, checked below by its descriptor. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0) {
		log_warn("cannot open %s %s", what, path);
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		log_warnx("%s %s is not a regular file", what, path);
		goto fail;
	}
	/* The file that decides must be changeable only by its owner, and
	 * the owner must be you or root: as for the audit log, a file
	 * others can write (chmod 666, a policy in /tmp of another user)
	 * is a policy anyone can rewrite for the next session. */
	if ((st.st_uid != geteuid() && st.st_uid != 0 &&
	    !invoking_user(st.st_uid)) || (st.st_mode & 022) != 0) {
		log_warnx("%s %s must belong to you or root and be "
		    "writable by its owner alone (it is uid %u, mode %03o; "
		    "%s %s)",
		    what, path, (unsigned)st.st_uid, (unsigned)(st.st_mode & 0777),
		    (st.st_mode & 022) != 0 ? "chmod go-w" :
		    "copy it to a file of yours:", path);
		goto fail;
	}
	return fd;
 fail:
	close(fd);
	return -1;
}

int
placement_dir_of(int fd, const char *what, const char *path)
{
	char link[64], real[PATH_MAX], *slash;
	struct stat a, b;
	ssize_t n;
	int dfd;

	/* The kernel's name of the open file; confirmed below by identity,
	 * so a rename between the two steps is refused, not misread. */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, real, sizeof(real) - 1);
	if (n <= 0 || real[0] != '/') {
		log_warnx("cannot find the directory of the %s %s", what, path);
		return -1;
	}
	real[n] = '\0';
	slash = strrchr(real, '/');
	*slash = '\0';
	dfd = open(real[0] ? real : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	*slash = '/';
	if (dfd < 0 || fstat(fd, &a) < 0 ||
	    fstatat(dfd, slash + 1, &b, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !same(&a, &b)) {
		log_warnx("cannot find the directory of the %s %s (moved "
		    "while aksup starts?)", what, path);
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	return dfd;
}

/* Each root's identities and, for each, its path inside its filesystem
 * ("" when it cannot be told: then any file of that filesystem counts
 * as beneath it). */
struct root_id {
	struct stat st[2];
	char ipath[2][PATH_MAX];
	int n;
};

static void
root_ids(const struct place_root *r, struct root_id *id)
{
	int fd;

	id->n = 0;
	if (r->fd >= 0 && !r->missing && fstat(r->fd, &id->st[0]) == 0) {
		if (fs_internal_path(r->fd, id->ipath[0], PATH_MAX) < 0)
			id->ipath[0][0] = '\0';
		id->n++;
	}
	/* Symlinks followed: the directory the operator's path names now.
	 * O_PATH opens nothing but the name; a root that cannot be
	 * reached this way holds nothing for anyone. */
	if ((fd = open(r->path, O_PATH | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		if (fstat(fd, &id->st[id->n]) == 0 &&
		    (id->n == 0 || !same(&id->st[0], &id->st[id->n]))) {
			if (fs_internal_path(fd, id->ipath[id->n],
			    PATH_MAX) < 0)
				id->ipath[id->n][0] = '\0';
			id->n++;
		}
		close(fd);
	}
}

/* 0: the file's directory lies beneath no root inside its filesystem;
 * 1: beneath root *hit; -1: cannot tell (said). */
static int
inside_fs(const struct place_file *f, const struct root_id *ids, size_t nr,
    size_t *hit)
{
	char ip[PATH_MAX];
	struct stat st;
	size_t i;
	int k;

	if (fstat(f->dirfd, &st) < 0 ||
	    fs_internal_path(f->dirfd, ip, sizeof(ip)) < 0) {
		log_warnx("the %s %s: cannot tell where its directory lies "
		    "in its filesystem (/proc/self/mountinfo); refusing to "
		    "start", f->what, f->path);
		return -1;
	}
	for (i = 0; i < nr; i++)
		for (k = 0; k < ids[i].n; k++)
			if (ids[i].st[k].st_dev == st.st_dev &&
			    (ids[i].ipath[k][0] == '\0' ||
			    fs_path_beneath(ip, ids[i].ipath[k]))) {
				*hit = i;
				return 1;
			}
	return 0;
}

/* 1 when a root is a file (a file of the agent's view) and that file is
 * f itself: *hit set. 0 otherwise. */
static int
is_file_root(const struct place_file *f, const struct place_root *r,
    size_t nr, size_t *hit)
{
	struct stat a, b;
	size_t i;

	if (f->fd < 0 || fstat(f->fd, &a) < 0)
		return 0;
	for (i = 0; i < nr; i++)
		if (r[i].fd >= 0 && fstat(r[i].fd, &b) == 0 &&
		    !S_ISDIR(b.st_mode) && same(&a, &b)) {
			*hit = i;
			return 1;
		}
	return 0;
}

/* 0: the file is outside every root; 1: beneath root *hit; -1: error. */
static int
walk_up(const struct place_file *f, size_t nr, const struct root_id *ids,
    size_t *hit)
{
	struct stat cur, up;
	size_t i;
	int fd, next, k, depth;

	/* A fresh descriptor of the file's directory: closed as we go up. */
	if ((fd = openat(f->dirfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fstat(fd, &cur) < 0)
		goto fail;
	for (depth = 0; depth < 4096; depth++) {
		for (i = 0; i < nr; i++)
			for (k = 0; k < ids[i].n; k++)
				if (same(&cur, &ids[i].st[k])) {
					*hit = i;
					close(fd);
					return 1;
				}
		/* ".." of a mount's root is the mount point's parent; ".."
		 * of "/" is "/" itself: there the walk ends. */
		next = openat(fd, "..", O_PATH | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (next < 0 || fstat(next, &up) < 0) {
			if (next >= 0)
				close(next);
			goto fail;
		}
		close(fd);
		fd = next;
		if (same(&up, &cur)) {
			close(fd);
			return 0;
		}
		cur = up;
	}
	errno = ELOOP;
 fail:
	log_warn("the %s %s: cannot walk up from its directory to /", f->what,
	    f->path);
	if (fd >= 0)
		close(fd);
	return -1;
}

/* How the operator moves each protected file, for the refusals: the
 * option after the fs-root message, the words after the view's. */
static const struct {
	const char *what, *option, *move;
} hints[] = {
	{ "audit log", " (--log-path FILE)", "give --log-path" },
	{ "seal key file", " (--seal-key-out FILE)", "give --seal-key-out" },
	{ "snapshot store", " (--snapshot-dir DIR)", "give --snapshot-dir" },
	{ "agent configuration", " (--agent FILE)",
	    "keep the agent configuration" },
	{ "replay transcript", " (--llm-replay FILE, or AGENT.yaml's "
	    "replay:PATH)", "keep the replay transcript" },
	{ "model key file", " (--llm-key NAME=FILE)",
	    "keep the model key file" },
};

static const char *
hint(const char *what, int move)
{
	size_t i;

	for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
		if (strcmp(what, hints[i].what) == 0)
			return move ? hints[i].move : hints[i].option;
	return move ? "keep the policy file" : "";
}

int
placement_check(struct place_file *f, size_t nf,
    const struct place_root *r, size_t nr)
{
	struct root_id *ids = NULL;
	struct stat st;
	int rc = -1, w, bad = 0;
	size_t i, hit;

	if (nr > 0 && (ids = calloc(nr, sizeof(*ids))) == NULL)
		fatal("calloc");
	for (i = 0; i < nr; i++)
		root_ids(&r[i], &ids[i]);
	for (i = 0; i < nf; i++) {
		/* A second name (hard link) could lie anywhere, beneath a
		 * root too: the agent would write the same inode. */
		if (f[i].fd >= 0 && fstat(f[i].fd, &st) == 0 &&
		    st.st_nlink > 1) {
			log_warnx("the %s %s has %lu names (hard links); one "
			    "may lie beneath a directory the agent can reach, "
			    "refusing to start", f[i].what, f[i].path,
			    (unsigned long)st.st_nlink);
			bad = 1;	/* and the others are still checked */
			continue;
		}
		w = is_file_root(&f[i], r, nr, &hit);
		if (w == 0)
			w = walk_up(&f[i], nr, ids, &hit);
		if (w == 0)
			w = inside_fs(&f[i], ids, nr, &hit);
		if (w < 0)
			goto out;
		if (w > 0 && r[hit].rule == NULL) {	/* the agent's view */
			log_warnx("the %s %s lies in the agent's view (%s, "
			    "put there by --ro or as CMD); refusing to start: "
			    "%s outside %s, or name a narrower --ro",
			    f[i].what, f[i].path, r[hit].path,
			    hint(f[i].what, 1), r[hit].path);
			f[i].beneath = 1;
			bad = 1;
		} else if (w > 0 && strcmp(r[hit].action, PLACE_MCP) == 0) {
			log_warnx("the %s %s lies beneath %s, which the policy "
			    "gives an mcp server (its ro or roots; the server "
			    "declared at %s); refusing to start: put it "
			    "outside every path the policy gives the agent or "
			    "a server%s", f[i].what,
			    f[i].path, r[hit].path, r[hit].rule,
			    hint(f[i].what, 0));
			f[i].beneath = 1;
			bad = 1;
		} else if (w > 0) {	/* each one said, then refused */
			log_warnx("the %s %s lies beneath fs root %s (rule at "
			    "%s grants %s); refusing to start: put it outside "
			    "every directory the policy opens to the agent%s",
			    f[i].what, f[i].path, r[hit].path, r[hit].rule,
			    r[hit].action, hint(f[i].what, 0));
			f[i].beneath = 1;
			bad = 1;
		}
	}
	rc = bad ? -1 : 0;
 out:
	free(ids);
	return rc;
}

/*
 * After the session: does each file's name still name the inode aksup
 * held, with no second name? A miss means something removed, replaced or
 * linked the log or key while the session ran (a hole in the fences
 * above, or the operator): the records are in the inode we held, not in
 * the file `aksup log verify` will read. Said, and the session fails.
 */
int
placement_intact(const struct place_file *f, size_t nf)
{
	struct stat held, named;
	const char *base;
	size_t i;
	int rc = 0;

	for (i = 0; i < nf; i++) {
		if (f[i].fd < 0 || f[i].dirfd < 0)
			continue;
		base = strrchr(f[i].path, '/');
		base = base != NULL ? base + 1 : f[i].path;
		if (fstat(f[i].fd, &held) < 0 ||
		    fstatat(f[i].dirfd, base, &named, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !same(&held, &named) || held.st_nlink != 1) {
			log_warnx("the %s %s was removed, replaced or given "
			    "another name while the session ran; what aksup "
			    "wrote is not what the name holds now",
			    f[i].what, f[i].path);
			rc = -1;
		}
	}
	return rc;
}
