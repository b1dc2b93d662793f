/*
 * workers/fs/rollback.c -- snapshot.rollback: undo one fs.write or
 * fs.delete from its snapshot (docs/ROLLBACK.md). The prior bytes and
 * mode come back (the file replaced by one rename, as fs.write does); a
 * file the write created goes, with the directories it made when they
 * are empty again; a deleted empty directory is made again.
 *
 * Runs in: aksup-worker-fs (confined). Privilege: the files' owner's
 * rights beneath the roots this session's policy lets fs.write, and in
 * the store. The snapshot names its root as a path: it is restored only
 * beneath a root of this policy with that path and the write right, by
 * open_beneath one name at a time, so a snapshot (which anyone with the
 * store owner's rights could have edited) reaches nothing the policy
 * does not let the agent write. The blob's digest is checked before its
 * bytes replace anything.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fsrights.h"
#include "common/log.h"
#include "snapshot/snap.h"
#include "workers/fs/beneath.h"
#include "workers/fs/fs.h"

/* The state the action left, unless it changed since: 0 when the file
 * is as the write left it (its digest is m->after) or, after a delete,
 * absent; else -1 with why. */
static int
unchanged(int dfd, const char *name, const struct snap_meta *m, char *why,
    size_t whylen)
{
	char hex[SNAP_HEX_LEN + 1];
	struct stat st;
	uint64_t n;
	int fd, rc;

	fd = open_beneath(dfd, name, O_PATH, 0);
	if (strcmp(m->action, "fs.delete") == 0) {
		if (fd < 0 && errno == ENOENT)
			return 0;
		if (fd >= 0)
			close(fd);
		snprintf(why, whylen, "it exists again since the delete");
		return -1;
	}
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, fd < 0 && errno == ENOENT ?
		    "it was removed since the write" :
		    "it is no longer the file the write left");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	if ((fd = open_beneath(dfd, name, O_RDONLY | O_NONBLOCK, 0)) < 0) {
		snprintf(why, whylen, "cannot read it: %s", strerror(errno));
		return -1;
	}
	rc = store_copy(fd, -1, UINT64_MAX, hex, &n);
	close(fd);
	if (rc < 0 || strcmp(hex, m->after) != 0) {
		snprintf(why, whylen, "its content changed since the write "
		    "(its SHA-256 is not what the write left)");
		return -1;
	}
	return 0;
}

static int
write_all(int fd, const unsigned char *p, size_t len)
{
	ssize_t w;

	while (len > 0) {
		w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* The blob's bytes as `name` in dfd, with the mode: through a temp file
 * and a rename, its digest checked first. 0 or -1 with why. */
static int
put_back(int dfd, const char *name, const struct snap_meta *m, char *why,
    size_t whylen)
{
	return restore_file(dfd, name, m->blob, m->size, m->mode,
	    m->has_inline ? m->inl : NULL, why, whylen);
}

int
restore_file(int dfd, const char *name, const char *blob, uint64_t size,
    unsigned mode, const unsigned char *inl, char *why, size_t whylen)
{
	char tmp[64], hex[SNAP_HEX_LEN + 1];
	unsigned char rnd[8];
	uint64_t n;
	int in, out = -1, rc = -1;

	if (inl != NULL)
		in = -1;	/* the bytes are in the line */
	else if ((in = store_blob_open(blob)) < 0) {
		snprintf(why, whylen, "its snapshot's bytes are missing from "
		    "the store (%s)", strerror(errno));
		return -1;
	}
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		fatal("getrandom");
	snprintf(tmp, sizeof(tmp), ".aksup-%02x%02x%02x%02x%02x%02x%02x%02x.tmp",
	    rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	if ((out = open_beneath(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL,
	    0600)) < 0) {
		snprintf(why, whylen, "cannot write it: %s", strerror(errno));
		goto out;
	}
	if (inl != NULL) {
		store_sha256(inl, (size_t)size, hex);
		n = size;
		if (strcmp(hex, blob) == 0 && write_all(out, inl,
		    (size_t)size) < 0) {
			snprintf(why, whylen, "cannot write it: %s",
			    strerror(errno));
			goto out;
		}
	} else if (store_copy(in, out, size, hex, &n) < 0)
		hex[0] = '\0';
	if (n != size || strcmp(hex, blob) != 0) {
		snprintf(why, whylen, "its snapshot's bytes are damaged (not "
		    "the SHA-256 it was stored under); nothing restored");
		goto out;
	}
	/* the mode it had: set-user-ID and set-group-ID bits are not
	 * given back (a snapshot is no way to mint one) */
	if (fchmod(out, (mode_t)(mode & 01777)) < 0 ||
	    renameat(dfd, tmp, dfd, name) < 0) {
		snprintf(why, whylen, "cannot write it: %s", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (out >= 0)
		close(out);
	if (rc < 0 && out >= 0)
		(void)unlinkat(dfd, tmp, 0);
	if (in >= 0)
		close(in);
	return rc;
}

/* A deleted (empty) directory made again, with its exact mode (the
 * umask cleared around the one mkdirat: opening it to fchmod would need
 * the list right). One there already (force): left as it is, its mode
 * too. 0 or -1 with why. */
static int
remake_dir(int dfd, const char *name, unsigned mode, int force, char *why,
    size_t whylen)
{
	mode_t old = umask(0);
	int rc = mkdirat(dfd, name, (mode_t)(mode & 01777));
	int err = errno;

	umask(old);
	if (rc < 0 && !(err == EEXIST && force)) {
		snprintf(why, whylen, "cannot make the directory: %s",
		    strerror(err));
		return -1;
	}
	return 0;
}

/* The directories the write made, deepest first, while empty. */
static void
remove_created(int root, const struct snap_meta *m)
{
	char dir[SNAP_PATH_MAX + 1], parent[PATH_MAX];
	const char *name;
	unsigned i;
	int pfd;

	for (i = m->ncreated; i-- > 0;) {
		if (snap_created_dir(m, i, dir, sizeof(dir)) < 0 ||
		    split_parent(dir, parent, sizeof(parent), &name) < 0 ||
		    (pfd = open_dir(root, parent, NULL)) < 0)
			return;
		if (unlinkat(pfd, name, AT_REMOVEDIR) < 0) {
			close(pfd);
			return;	/* not empty: someone's files, kept */
		}
		close(pfd);
	}
}

/* Who undoes: the rollback request's own record id and session. */
struct undoer {
	const char *self, *session;
	int kept;		/* out: what it replaced is in the store */
};

/*
 * What the rollback is about to replace or remove, snapshotted first
 * under the rollback's own record id, as fs.write and fs.delete are: a
 * rollback (a forced one above all, which overwrites whatever is there)
 * can itself be rolled back. A restore is a write whose result is the
 * snapshot's bytes; a removal is a delete. Nothing there to remove:
 * nothing to keep. 0, or -1 with why (then nothing is done).
 */
static int
keep_current(int dfd, const char *name, const struct snap_meta *m,
    struct undoer *u, char *why, size_t whylen)
{
	struct snap_take tk;
	struct stat st;

	if (!m->existed && fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 &&
	    errno == ENOENT)
		return 0;
	memset(&tk, 0, sizeof(tk));
	tk.rid = u->self;
	tk.session = u->session;
	tk.action = m->existed ? "fs.write" : "fs.delete";
	tk.root = m->root;
	tk.rel = m->path;
	tk.dfd = dfd;
	tk.name = name;
	tk.after_hex = m->existed ? m->blob : NULL;
	if (store_take(&tk, why, whylen) < 0)
		return -1;
	u->kept = 1;
	return 0;
}

/* Undo m beneath root: 0 and what was done in *done, or -1 with why. */
static int
undo(int root, const struct snap_meta *m, int force, struct undoer *u,
    const char **done, char *why, size_t whylen)
{
	char parent[PATH_MAX], w[160];
	struct made made = { NULL, 0 };
	const char *name;
	int dfd, rc = -1;

	if (split_parent(m->path, parent, sizeof(parent), &name) < 0 ||
	    names_ok(m->path) < 0) {
		snprintf(why, whylen, "its path is not one fs.write takes");
		return -1;
	}
	/* restoring: the parents are made again if they went meanwhile
	 * (and removed again when nothing is restored) */
	dfd = open_dir(root, parent, m->existed ? &made : NULL);
	if (dfd < 0) {
		if (!m->existed && errno == ENOENT && force) {
			*done = "removed";	/* nothing left to remove */
			return 0;
		}
		snprintf(why, whylen, "cannot open its directory: %s",
		    strerror(errno));
		return -1;
	}
	if (!force && unchanged(dfd, name, m, w, sizeof(w)) < 0) {
		snprintf(why, whylen, "the file changed after the action: %s; "
		    "nothing restored (force: true, or aksup rollback --force, "
		    "restores anyway)", w);
		goto out;
	}
	if (!(m->existed && m->dir) &&
	    keep_current(dfd, name, m, u, w, sizeof(w)) < 0) {
		snprintf(why, whylen, "what is there now could not be "
		    "snapshotted, so nothing was restored: %s", w);
		goto out;
	}
	if (m->existed && m->dir) {
		if (remake_dir(dfd, name, m->mode, force, why, whylen) < 0)
			goto out;
		*done = "directory";
	} else if (m->existed) {
		if (put_back(dfd, name, m, why, whylen) < 0)
			goto out;
		*done = "file";
	} else {
		if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT) {
			snprintf(why, whylen, "cannot remove it: %s",
			    strerror(errno));
			goto out;
		}
		close(dfd);
		dfd = -1;
		remove_created(root, m);
		*done = "removed";
	}
	rc = 0;
	made.n = 0;	/* restored: the parents it made stay */
out:
	if (rc < 0 && u->kept) {
		store_drop(u->self);	/* kept, then nothing done */
		u->kept = 0;
	}
	if (dfd >= 0)
		close(dfd);
	made_undo(root, parent, &made);	/* (frees the list) */
	return rc;
}

void
rollback_do(const char *rid, const char *self, const char *session,
    int own_only, int force, struct reply *r)
{
	struct undoer u = { self, session, 0 };
	struct snap_meta *m;
	const char *done = NULL;
	char why[512];
	int root;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		fatal("calloc");
	if (store_meta(rid, m, why, sizeof(why)) < 0) {
		reply_error(r, "%s", why);
		goto out;
	}
	/* an agent undoes its own session's writes; the operator any */
	if (own_only && strcmp(m->session, session) != 0) {
		reply_error(r, "snapshot %s belongs to another session: an "
		    "agent rolls back only its own session's actions (the "
		    "operator: aksup rollback); nothing restored", rid);
		goto out;
	}
	if (m->tree != NULL) {
		json_t *roots = json_array();
		unsigned i;
		int kept = 0;

		/* without a snapshot of what it replaces: the operator's
		 * forced rollback alone, never an agent's (it would destroy
		 * what others wrote since, with no copy) */
		if (tree_restore(m, self, session, force && !own_only, &kept,
		    why, sizeof(why)) < 0) {
			json_decref(roots);
			reply_error(r, "cannot roll back %s (proc.exec of /%s, "
			    "its tree snapshot): %s", rid, m->path, why);
			goto out;
		}
		store_forget(rid);
		for (i = 0; roots != NULL && i < m->tree->nroots; i++)
			json_array_append_new(roots,
			    json_string(m->tree->roots[i]));
		reply_json(r, json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:s?}",
		    "rolled_back", rid, "action", m->action, "root", m->root,
		    "path", m->path, "restored", "tree", "roots", roots,
		    "snapshot", kept ? self : NULL));
		goto out;
	}
	/* restoring bytes is a write; removing what a write created (and
	 * its directories) is a delete: the policy must give both rights */
	if ((root = fs_root_by_path(m->root, m->existed ? FS_RIGHT_WRITE :
	    FS_RIGHT_WRITE | FS_RIGHT_DELETE)) < 0) {
		reply_error(r, "snapshot %s: its root %s is not a root this "
		    "policy lets fs.write%s; nothing restored", rid, m->root,
		    m->existed ? "" : " and fs.delete (to remove what the "
		    "write created)");
		goto out;
	}
	if (undo(root, m, force, &u, &done, why, sizeof(why)) < 0) {
		reply_error(r, "cannot roll back %s (%s of %s%s%s): %s", rid,
		    m->action, m->root, strcmp(m->root, "/") ? "/" : "",
		    m->path, why);
		goto out;
	}
	store_forget(rid);	/* undone: a second rollback finds none */
	reply_json(r, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s?}", "rolled_back",
	    rid, "action", m->action, "root", m->root, "path", m->path,
	    "restored", done, "snapshot", u.kept ? self : NULL));
out:
	snap_meta_free(m);
	free(m);
}
