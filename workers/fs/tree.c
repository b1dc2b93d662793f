/*
 * workers/fs/tree.c -- tree snapshots (docs/ROLLBACK.md "Commands"):
 * before a proc.exec whose rule says `snapshot: tree`, every writable
 * root as it is (each regular file's bytes as a content-addressed blob,
 * each directory's mode, each symbolic link's target) in one metadata
 * line; and the rollback of one, which puts the roots back as they were.
 *
 * Runs in: aksup-worker-fs (confined). Privilege: the files' owner's
 * rights beneath the writable roots (Landlock adds READ_DIR and
 * MAKE_SYM there when the session has a store, SANDBOX_FS_TREE) and in
 * the store. Every open is open_beneath a root dirfd
 * (RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV): a link is kept and made
 * again, never followed; a mount beneath a root stops the snapshot.
 * Input: the roots' names and bytes (the agent's commands wrote them):
 * bounded by SNAP_TREE_MAX entries, SNAP_PATH_MAX bytes a path, the
 * store's quota. A tree read back from the store is checked whole
 * (snap_meta_parse, snap_tree_check) and every blob's digest again
 * before anything is replaced.
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

#include "common/fsrights.h"
#include "common/log.h"
#include "snapshot/snap.h"
#include "workers/fs/beneath.h"
#include "workers/fs/fs.h"

/* A path for a message: its last 160 bytes at most ("..." before),
 * so the reason after it is never cut off. One a message. */
static const char *
brief(const char *p)
{
	static char buf[168];
	size_t n = strlen(p);

	if (n <= 160)
		return p;
	snprintf(buf, sizeof(buf), "...%s", p + n - 160);
	return buf;
}

struct walk {
	struct snap_tree *t;
	unsigned ri;		/* the root's index in t */
	int root;		/* its dirfd */
	dev_t dev;		/* its filesystem: nothing beneath on another */
	uint64_t bytes;		/* regular files' bytes */
	char *why;
	size_t whylen;
};

static int
child(const char *rel, const char *name, char *out, size_t n)
{
	int k = rel[0] ? snprintf(out, n, "%s/%s", rel, name) :
	    snprintf(out, n, "%s", name);

	return k < 0 || (size_t)k >= n || (size_t)k > SNAP_PATH_MAX ? -1 : 0;
}

/* An entry the tree could not take (errno from snap_tree_add). */
static void
full_why(struct walk *w, const char *rel)
{
	if (errno == E2BIG)
		snprintf(w->why, w->whylen, "more than %d files, directories "
		    "and links beneath the writable roots: too many to "
		    "snapshot (snapshot: tree)", SNAP_TREE_MAX);
	else
		snprintf(w->why, w->whylen, "cannot snapshot %s: a name the "
		    "store cannot keep", brief(rel));
}

static int
take_file(struct walk *w, int dfd, const char *name, const char *rel,
    const struct stat *st)
{
	char hex[SNAP_HEX_LEN + 1], why[256];
	struct stat st2;
	uint64_t size;
	int fd, rc = -1;

	if ((fd = open_beneath(dfd, name, O_RDONLY | O_NONBLOCK, 0)) < 0 ||
	    fstat(fd, &st2) < 0 || st2.st_ino != st->st_ino ||
	    st2.st_dev != st->st_dev) {
		snprintf(w->why, w->whylen, "cannot snapshot %s: %s", brief(rel),
		    fd < 0 ? strerror(errno) : "it changed while being opened");
		goto out;
	}
	if (store_blob(fd, &st2, hex, &size, why, sizeof(why)) < 0) {
		snprintf(w->why, w->whylen, "%s: %s", brief(rel), why);
		goto out;
	}
	if (snap_tree_add(w->t, w->ri, SNAP_ENT_FILE, rel,
	    (unsigned)(st2.st_mode & 07777), size, hex, NULL) < 0)
		goto full;
	w->bytes += size;
	rc = 0;
	goto out;
full:
	full_why(w, rel);
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

/* rel ("" the root itself), a directory beneath w->root: its entries,
 * depth first. 0, or -1 with w->why. */
static int
walk_dir(struct walk *w, const char *rel)
{
	char path[SNAP_PATH_MAX + 2], target[PATH_MAX + 1];
	struct dirent *de;
	struct stat st;
	ssize_t n;
	DIR *d;
	int fd, rc = -1;

	if ((fd = open_beneath(w->root, rel[0] ? rel : ".", O_RDONLY |
	    O_DIRECTORY, 0)) < 0 || (d = fdopendir(fd)) == NULL) {
		snprintf(w->why, w->whylen, "cannot snapshot %s: %s",
		    brief(rel[0] ? rel : "the root"), strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (child(rel, de->d_name, path, sizeof(path)) < 0) {
			snprintf(w->why, w->whylen, "cannot snapshot %s/...: "
			    "a path too long", brief(rel));
			goto out;
		}
		if (fstatat(dirfd(d), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) < 0) {
			snprintf(w->why, w->whylen, "cannot snapshot %s: %s",
			    brief(path), strerror(errno));
			goto out;
		}
		if (st.st_dev != w->dev) {
			snprintf(w->why, w->whylen, "cannot snapshot %s: a "
			    "mount point", brief(path));
			goto out;
		}
		if (S_ISDIR(st.st_mode)) {
			if (snap_tree_add(w->t, w->ri, SNAP_ENT_DIR, path,
			    (unsigned)(st.st_mode & 07777), 0, NULL, NULL) < 0)
				goto full;
			if (walk_dir(w, path) < 0)
				goto out;
		} else if (S_ISREG(st.st_mode)) {
			if (take_file(w, dirfd(d), de->d_name, path, &st) < 0)
				goto out;
		} else if (S_ISLNK(st.st_mode)) {
			n = readlinkat(dirfd(d), de->d_name, target,
			    sizeof(target) - 1);
			if (n <= 0) {
				snprintf(w->why, w->whylen, "cannot snapshot "
				    "%s: %s", brief(path), n < 0 ? strerror(errno) :
				    "an empty link");
				goto out;
			}
			target[n] = '\0';
			if (snap_tree_add(w->t, w->ri, SNAP_ENT_LINK, path, 0,
			    0, NULL, target) < 0)
				goto full;
		}
		/* a FIFO, socket or device: neither kept nor touched */
	}
	if (errno != 0) {
		snprintf(w->why, w->whylen, "cannot snapshot %s: %s",
		    brief(rel[0] ? rel : "the root"), strerror(errno));
		goto out;
	}
	rc = 0;
	goto out;
full:
	full_why(w, path);
out:
	closedir(d);
	return rc;
}

/* Root path beneath (or equal to) another writable root: walked with
 * that one. */
static int
nested(const char *path, size_t self)
{
	const char *other;
	size_t i, n;
	int fd;

	for (i = 0; (fd = fs_root_at(i, FS_RIGHT_WRITE, &other)) != -2; i++) {
		if (i == self || fd < 0)
			continue;
		n = strlen(other);
		if (strcmp(other, "/") == 0 || (strncmp(path, other, n) == 0 &&
		    (path[n] == '/' || (path[n] == '\0' && i < self))))
			return 1;
	}
	return 0;
}

static int
walk_root(struct snap_tree *t, const char *path, int fd, uint64_t *bytes,
    char *why, size_t whylen)
{
	struct walk w;
	struct stat st;
	int ri;

	if ((ri = snap_tree_root(t, path)) < 0 || fstat(fd, &st) < 0) {
		snprintf(why, whylen, "cannot snapshot root %s", path);
		return -1;
	}
	memset(&w, 0, sizeof(w));
	w.t = t;
	w.ri = (unsigned)ri;
	w.root = fd;
	w.dev = st.st_dev;
	w.why = why;
	w.whylen = whylen;
	if (walk_dir(&w, "") < 0) {
		size_t n = strlen(why);

		/* which root the walk was in */
		snprintf(why + n, whylen - n, " (beneath %s)", path);
		return -1;
	}
	*bytes += w.bytes;
	return 0;
}

/* The tree snapshot: of `roots` (NULL: every writable root once) as
 * record rid. 0, or -1 with why. */
static int
take_tree(const char *rid, const char *session, const char *program,
    unsigned ttl, const struct snap_tree *roots, size_t *nent,
    uint64_t *bytes, char *why, size_t whylen)
{
	struct snap_meta *m;
	const char *path;
	size_t i;
	int fd, rc = -1;

	if (!store_on()) {
		snprintf(why, whylen, "no snapshot store in this session");
		return -1;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->tree = snap_tree_new()) == NULL)
		fatal("calloc");
	snprintf(m->record_id, sizeof(m->record_id), "%s", rid);
	snprintf(m->session, sizeof(m->session), "%s", session);
	snprintf(m->action, sizeof(m->action), "proc.exec");
	snprintf(m->root, sizeof(m->root), "/");
	if (program[0] != '/' || snprintf(m->path, sizeof(m->path), "%s",
	    program + 1) >= (int)sizeof(m->path) || !snap_path_ok(m->path)) {
		snprintf(why, whylen, "cannot snapshot for %s: not an "
		    "absolute program path", program);
		goto out;
	}
	*bytes = 0;
	store_hold();
	if (roots != NULL) {
		for (i = 0; i < roots->nroots; i++) {
			path = roots->roots[i];
			if ((fd = fs_root_by_path(path, FS_RIGHT_WRITE)) < 0) {
				snprintf(why, whylen, "root %s is not one this "
				    "policy lets fs.write", path);
				goto unlock;
			}
			if (walk_root(m->tree, path, fd, bytes, why,
			    whylen) < 0)
				goto unlock;
		}
	} else
		for (i = 0; (fd = fs_root_at(i, FS_RIGHT_WRITE, &path)) !=
		    -2; i++) {
			if (fd < 0 || nested(path, i))
				continue;
			if (walk_root(m->tree, path, fd, bytes, why,
			    whylen) < 0)
				goto unlock;
		}
	if (m->tree->nroots == 0) {
		snprintf(why, whylen, "no writable root to snapshot");
		goto unlock;
	}
	snap_tree_sort(m->tree);
	*nent = m->tree->n;
	rc = store_put_tree(m, ttl, why, whylen);
unlock:
	store_release();
out:
	snap_meta_free(m);
	free(m);
	return rc;
}

void
tree_snapshot(const char *rid, const char *session, const char *program,
    unsigned ttl, struct reply *r)
{
	char why[512];
	uint64_t bytes;
	size_t n = 0;

	if (take_tree(rid, session, program, ttl, NULL, &n, &bytes, why,
	    sizeof(why)) < 0) {
		reply_error(r, "%s", why);
		return;
	}
	reply_json(r, json_pack("{s:s,s:I,s:I}", "snapshot", rid, "entries",
	    (json_int_t)n, "bytes", (json_int_t)bytes));
}

/* ---- the rollback ---- */

/* Every blob the tree names holds its digest's bytes: 0, or -1. */
static int
blobs_whole(const struct snap_tree *t, char *why, size_t whylen)
{
	char hex[SNAP_HEX_LEN + 1];
	uint64_t n;
	size_t i;
	int fd, ok;

	for (i = 0; i < t->n; i++) {
		if (t->e[i].type != SNAP_ENT_FILE)
			continue;
		if ((fd = store_blob_open(t->e[i].blob)) < 0) {
			snprintf(why, whylen, "the bytes of %s are missing from "
			    "the store", t->e[i].path);
			return -1;
		}
		ok = store_copy(fd, -1, t->e[i].size, hex, &n) == 0 &&
		    n == t->e[i].size && strcmp(hex, t->e[i].blob) == 0;
		close(fd);
		if (!ok) {
			snprintf(why, whylen, "the bytes of %s are damaged (not "
			    "the SHA-256 they were stored under)",
			    t->e[i].path);
			return -1;
		}
	}
	return 0;
}

/* The regular file name in dfd holds e's bytes and mode already. */
static int
same_file(int dfd, const char *name, const struct snap_ent *e,
    const struct stat *st)
{
	char hex[SNAP_HEX_LEN + 1];
	uint64_t n;
	int fd, ok;

	if ((uint64_t)st->st_size != e->size ||
	    (unsigned)(st->st_mode & 07777) != (e->mode & 01777))
		return 0;
	if ((fd = open_beneath(dfd, name, O_RDONLY | O_NONBLOCK, 0)) < 0)
		return 0;
	ok = store_copy(fd, -1, e->size, hex, &n) == 0 && n == e->size &&
	    strcmp(hex, e->blob) == 0;
	close(fd);
	return ok;
}

static int
same_link(int dfd, const char *name, const struct snap_ent *e)
{
	char target[PATH_MAX + 1];
	ssize_t n = readlinkat(dfd, name, target, sizeof(target) - 1);

	if (n < 0)
		return 0;
	target[n] = '\0';
	return strcmp(target, e->target) == 0;
}

struct restore {
	const struct snap_tree *t;
	unsigned ri;
	int root;
	dev_t dev;
	char *why;
	size_t whylen;
};

static int prune_dir(struct restore *rs, const char *rel, int doomed);

/* One name beneath rel: kept when the tree holds it as it is, else
 * removed (a directory with all beneath it). A FIFO, socket or device
 * the tree does not name is left alone, unless its directory goes
 * (doomed). 0, or -1 with why. */
static int
prune_one(struct restore *rs, int dfd, const char *name, const char *path,
    int doomed)
{
	const struct snap_ent *e = doomed ? NULL :
	    snap_tree_find(rs->t, rs->ri, path);
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		snprintf(rs->why, rs->whylen, "%s: %s", brief(path), strerror(errno));
		return -1;
	}
	if (st.st_dev != rs->dev) {
		snprintf(rs->why, rs->whylen, "%s: a mount point", brief(path));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		int keep = e != NULL && e->type == SNAP_ENT_DIR;

		if (prune_dir(rs, path, !keep) < 0)
			return -1;
		if (keep)
			return 0;
		if (unlinkat(dfd, name, AT_REMOVEDIR) < 0)
			goto fail;
		return 0;
	}
	if (S_ISREG(st.st_mode) && e != NULL && e->type == SNAP_ENT_FILE &&
	    same_file(dfd, name, e, &st))
		return 0;
	if (S_ISLNK(st.st_mode) && e != NULL && e->type == SNAP_ENT_LINK &&
	    same_link(dfd, name, e))
		return 0;
	/* a FIFO, socket or device the tree does not name: left alone */
	if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode) && e == NULL &&
	    !doomed)
		return 0;
	if (unlinkat(dfd, name, 0) < 0)
		goto fail;
	return 0;
fail:
	snprintf(rs->why, rs->whylen, "cannot remove %s: %s", brief(path),
	    strerror(errno));
	return -1;
}

static int
prune_dir(struct restore *rs, const char *rel, int doomed)
{
	char path[SNAP_PATH_MAX + 2];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd, rc = -1;

	if ((fd = open_beneath(rs->root, rel[0] ? rel : ".", O_RDONLY |
	    O_DIRECTORY, 0)) < 0 || (d = fdopendir(fd)) == NULL) {
		snprintf(rs->why, rs->whylen, "cannot open %s: %s",
		    brief(rel[0] ? rel : "the root"), strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* its owner may write in it while it is restored (its mode is the
	 * tree's again at the end); never the root itself, whose mode the
	 * tree does not hold */
	if (rel[0] != '\0' && fstat(dirfd(d), &st) == 0 &&
	    (st.st_mode & 0700) != 0700)
		(void)fchmod(dirfd(d), (mode_t)((st.st_mode & 01777) | 0700));
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (child(rel, de->d_name, path, sizeof(path)) < 0) {
			snprintf(rs->why, rs->whylen, "%s/...: a path too long",
			    rel);
			goto out;
		}
		if (prune_one(rs, dirfd(d), de->d_name, path, doomed) < 0)
			goto out;
	}
	rc = 0;
out:
	closedir(d);
	return rc;
}

/* e made again where it is missing (the prune kept what was right). */
static int
make_one(struct restore *rs, const struct snap_ent *e)
{
	char parent[SNAP_PATH_MAX + 1], w[256];
	const char *name;
	struct stat st;
	int dfd, rc = -1;

	if (split_parent(e->path, parent, sizeof(parent), &name) < 0 ||
	    (dfd = open_beneath(rs->root, parent, O_RDONLY | O_DIRECTORY |
	    O_PATH, 0)) < 0) {
		snprintf(rs->why, rs->whylen, "cannot open the directory of "
		    "%s: %s", brief(e->path), strerror(errno));
		return -1;
	}
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		rc = 0;		/* kept by the prune: as it was */
		goto out;
	}
	if (e->type == SNAP_ENT_DIR)
		rc = mkdirat(dfd, name, 0700);
	else if (e->type == SNAP_ENT_LINK)
		rc = symlinkat(e->target, dfd, name);
	else if (restore_file(dfd, name, e->blob, e->size, e->mode, NULL, w,
	    sizeof(w)) < 0) {
		snprintf(rs->why, rs->whylen, "%s: %s", brief(e->path), w);
		goto out;
	} else
		rc = 0;
	if (rc < 0)
		snprintf(rs->why, rs->whylen, "cannot make %s: %s", brief(e->path),
		    strerror(errno));
out:
	close(dfd);
	return rc;
}

/* The directories' modes, deepest first (a read-only one last). */
static void
dir_modes(struct restore *rs)
{
	size_t i;
	int fd;

	for (i = rs->t->n; i-- > 0; ) {
		const struct snap_ent *e = &rs->t->e[i];

		if (e->root != rs->ri || e->type != SNAP_ENT_DIR)
			continue;
		if ((fd = open_beneath(rs->root, e->path, O_RDONLY |
		    O_DIRECTORY, 0)) < 0)
			continue;
		(void)fchmod(fd, (mode_t)(e->mode & 01777));
		close(fd);
	}
}

static int
restore_root(const struct snap_tree *t, unsigned ri, int root, char *why,
    size_t whylen)
{
	struct restore rs;
	struct stat st;
	size_t i;

	if (fstat(root, &st) < 0) {
		snprintf(why, whylen, "%s: %s", t->roots[ri], strerror(errno));
		return -1;
	}
	memset(&rs, 0, sizeof(rs));
	rs.t = t;
	rs.ri = ri;
	rs.root = root;
	rs.dev = st.st_dev;
	rs.why = why;
	rs.whylen = whylen;
	if (prune_dir(&rs, "", 0) < 0)
		return -1;
	for (i = 0; i < t->n; i++)
		if (t->e[i].root == ri && make_one(&rs, &t->e[i]) < 0)
			return -1;
	dir_modes(&rs);
	return 0;
}

int
tree_restore(const struct snap_meta *m, const char *self,
    const char *session, int force, int *kept, char *why, size_t whylen)
{
	char w[512], program[SNAP_PATH_MAX + 2];
	const struct snap_tree *t = m->tree;
	uint64_t bytes;
	size_t n;
	unsigned i;

	/* putting a tree back removes and rewrites anything beneath its
	 * roots: the policy must let the agent write and delete all of
	 * each (rules of ROOT and all beneath, no constraint, no deny rule
	 * over it) */
	for (i = 0; i < t->nroots; i++)
		if (fs_root_whole(t->roots[i]) < 0) {
			snprintf(why, whylen, "its root %s is not a root this "
			    "policy lets fs.write and fs.delete whole (a tree "
			    "is put back whole: what was made since is "
			    "removed; rules fs.write and fs.delete of %s/**, "
			    "without constraints, and no deny rule of either "
			    "beneath it); nothing restored", t->roots[i],
			    strcmp(t->roots[i], "/") ? t->roots[i] : "");
			return -1;
		}
	if (blobs_whole(t, w, sizeof(w)) < 0) {
		snprintf(why, whylen, "%s; nothing restored", w);
		return -1;
	}
	/* what is there now, first: this rollback can be rolled back.
	 * A command can make that impossible (a file it made unreadable,
	 * more entries than a snapshot holds): force restores without */
	snprintf(program, sizeof(program), "/%s", m->path);
	*kept = 0;
	if (take_tree(self, session, program, 0, t, &n, &bytes, w,
	    sizeof(w)) < 0) {
		if (!force) {
			snprintf(why, whylen, "what is there now could not be "
			    "snapshotted, so nothing was restored: %s (the "
			    "operator's aksup rollback --force restores without "
			    "that snapshot: what is there now is then lost)", w);
			return -1;
		}
		log_warnx("rollback of %s forced without a snapshot of what "
		    "it replaces: %s", m->record_id, w);
	} else
		*kept = 1;
	for (i = 0; i < t->nroots; i++)
		if (restore_root(t, i, fs_root_whole(t->roots[i]), w,
		    sizeof(w)) < 0) {
			if (*kept)
				snprintf(why, whylen, "%s (beneath %s); what was "
				    "already done can be undone with the rollback "
				    "of %s", w, t->roots[i], self);
			else
				snprintf(why, whylen, "%s (beneath %s); part of "
				    "the tree was restored", w, t->roots[i]);
			return -1;
		}
	return 0;
}
