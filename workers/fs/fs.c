/*
 * workers/fs/fs.c -- the filesystem provider: fs.read, fs.write, fs.delete,
 * fs.list, acting only beneath the root dirfds it was handed.
 *
 * Runs in: aksup-worker-fs, exec'd by the supervisor. Privilege: the file
 * rights of the files' owner (aksup --run-as, default the invoking user),
 * no capabilities, reachable only through the O_PATH root dirfds on fds
 * 5..; Landlock (common/sandbox.c) limits it to those roots with exactly
 * the rights the policy grants beneath each. It never opens a path from
 * "/" or the cwd. Every open
 * is openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS
 * | RESOLVE_NO_XDEV) beneath a root (or beneath a directory so opened),
 * one name at a time where it creates or removes, and everything after
 * acts on the fd: a symlink, `..`, a rename race or a mount point (a bind
 * mount of the audit log's directory inside a root) cannot lead outside
 * the root (T6, T14). That open is open_beneath (workers/fs/beneath.c).
 */
#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/b64.h"
#include "common/fds.h"
#include "common/fsrights.h"
#include "common/log.h"
#include "snapshot/snap.h"
#include "workers/fs/beneath.h"
#include "workers/fs/fs.h"
#include "workers/worker.h"

#define ROOTS_MAX	FS_ROOTS_MAX	/* common/fds.h */
#define LIST_MAX	100000
/* Content bytes that still fit an answer once encoded. */
#define READ_MAX_UTF8	(AGENT_MSG_MAX - 4096)
#define READ_MAX_B64	((AGENT_MSG_MAX - 4096) / 4 * 3)

static int roots[ROOTS_MAX];
static char *rootsfx[ROOTS_MAX];	/* missing part of a root, or NULL */
static unsigned rights[ROOTS_MAX];	/* FS_RIGHT_* (common/fsrights.h) */
static const char *rootpath[ROOTS_MAX];	/* as the policy names it */
static int whole[ROOTS_MAX];	/* FS_ROOT_WHOLE: the policy gives all of it */
static size_t nroots;

int
fs_root_by_path(const char *path, unsigned need)
{
	size_t i;

	for (i = 0; i < nroots; i++)
		if (roots[i] >= 0 && rootsfx[i] == NULL &&
		    (rights[i] & need) == need && rootpath[i] != NULL &&
		    strcmp(rootpath[i], path) == 0)
			return roots[i];
	return -1;
}

int
fs_root_whole(const char *path)
{
	size_t i;

	for (i = 0; i < nroots; i++)
		if (roots[i] >= 0 && rootsfx[i] == NULL && whole[i] &&
		    rootpath[i] != NULL && strcmp(rootpath[i], path) == 0 &&
		    (rights[i] & (FS_RIGHT_WRITE | FS_RIGHT_DELETE)) ==
		    (FS_RIGHT_WRITE | FS_RIGHT_DELETE))
			return roots[i];
	return -1;
}

int
fs_root_at(size_t i, unsigned need, const char **path)
{
	if (i >= nroots)
		return -2;
	*path = rootpath[i];
	if (roots[i] < 0 || rootsfx[i] != NULL || rootpath[i] == NULL ||
	    (rights[i] & need) != need)
		return -1;
	return roots[i];
}

void
reply_errno(struct reply *r, int err, const char *target)
{
	switch (err) {
	case ENOENT:
		reply_error(r, "File not found: %s", target);
		break;
	case ELOOP:
		reply_error(r, "Symbolic links are not followed: %s", target);
		break;
	case EXDEV:
		reply_error(r, "Path leaves its root or crosses a mount "
		    "point: %s", target);
		break;
	case ENOTDIR:
		reply_error(r, "Not a directory: %s", target);
		break;
	case EISDIR:
		reply_error(r, "Is a directory: %s", target);
		break;
	case EACCES:
	case EPERM:
		reply_error(r, "Permission denied: %s", target);
		break;
	case ENOTEMPTY:
		reply_error(r, "Directory not empty: %s", target);
		break;
	case EFBIG:
		reply_error(r, "File too large: %s", target);
		break;
	default:
		reply_error(r, "%s: %s", strerror(err), target);
	}
}

void
reply_json(struct reply *r, json_t *j)
{
	r->buf = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(j);
	if (r->buf == NULL) {
		reply_error(r, "internal error: cannot encode");
		return;
	}
	r->kind = REPLY_JSON;
	r->len = strlen(r->buf);
}

/*
 * Open `rel` beneath dirfd for reading, only when it is a regular file
 * (dir 0: fs.read) or a directory (dir 1: fs.list). Nothing else is ever
 * opened: opening a FIFO releases a writer blocked on it (and may block),
 * opening a device node runs its driver's open.
 *
 *  1. openat2 O_PATH: the name is looked up, the inode is not opened (no
 *     driver, no FIFO partner; Landlock does not govern O_PATH), fstat:
 *     any other type is refused here.
 *  2. openat2 the same name O_RDONLY | O_NONBLOCK (| O_DIRECTORY for a
 *     directory, which the kernel checks before it opens anything).
 *  3. fstat: st_dev and st_ino must be those of step 1, else refused.
 *
 * Linux cannot reopen an O_PATH descriptor except through the magic link
 * /proc/self/fd/N (refused by RESOLVE_NO_MAGICLINKS, and /proc is outside
 * the Landlock rules), hence the second lookup. The race: between 1 and 2
 * the name can be replaced by something else. The worker serves one
 * request at a time and the agent reaches the files only through it, so
 * the only racer is a process outside the session with write access to
 * that directory. What it can gain: step 2 opens its replacement once,
 * O_NONBLOCK (a FIFO does not hang us; a device's driver open runs, as
 * the worker's uid, under its Landlock rights); step 3 refuses it, so
 * nothing of it is read or reaches the agent.
 */
static int
open_checked(int dirfd, const char *rel, int dir, const char *target,
    struct reply *r)
{
	struct stat st, st2;
	int pfd, fd;

	if ((pfd = open_beneath(dirfd, rel, O_PATH, 0)) < 0) {
		reply_errno(r, errno, target);
		return -1;
	}
	if (fstat(pfd, &st) < 0) {
		reply_errno(r, errno, target);
		close(pfd);
		return -1;
	}
	close(pfd);
	if (dir && !S_ISDIR(st.st_mode)) {
		reply_errno(r, ENOTDIR, target);
		return -1;
	}
	if (!dir && !S_ISREG(st.st_mode)) {
		reply_error(r, S_ISDIR(st.st_mode) ? "Is a directory: %s" :
		    "Not a regular file: %s", target);
		return -1;
	}
	fd = open_beneath(dirfd, rel, O_RDONLY | O_NONBLOCK |
	    (dir ? O_DIRECTORY : 0), 0);
	if (fd < 0) {
		reply_errno(r, errno, target);
		return -1;
	}
	if (fstat(fd, &st2) < 0 || st2.st_dev != st.st_dev ||
	    st2.st_ino != st.st_ino) {
		reply_error(r, "File changed while being opened: %s", target);
		close(fd);
		return -1;
	}
	return fd;
}

static void
do_read(int root, const char *rel, const char *target, int b64,
	struct reply *r)
{
	size_t max = b64 ? READ_MAX_B64 : READ_MAX_UTF8, len = 0;
	struct stat st;
	char *buf = NULL, *enc;
	ssize_t n;
	int fd;

	if ((fd = open_checked(root, rel, 0, target, r)) < 0)
		return;
	if (fstat(fd, &st) < 0) {
		reply_errno(r, errno, target);
		goto out;
	}
	if ((size_t)st.st_size > max) {
		reply_errno(r, EFBIG, target);
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		fatal("malloc");
	while (len < (size_t)st.st_size) {
		n = pread(fd, buf + len, (size_t)st.st_size - len, (off_t)len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			reply_errno(r, errno, target);
			goto out;
		}
		if (n == 0)
			break;	/* shrank meanwhile */
		len += (size_t)n;
	}
	if (b64) {
		if ((enc = malloc(4 * ((len + 2) / 3) + 1)) == NULL)
			fatal("malloc");
		r->len = (size_t)EVP_EncodeBlock((unsigned char *)enc,
		    (unsigned char *)buf, (int)len);
		r->buf = enc;
	} else {
		r->buf = buf;
		r->len = len;
		buf = NULL;
	}
	r->kind = REPLY_RAW;
out:
	free(buf);
	close(fd);
}

/* How many of the path's last ancestors `made` lists: all of them from
 * the first it made down to the parent, else 0 (another process made
 * one meanwhile: none is claimed, none is ever removed by a rollback). */
static unsigned
made_last(const char *parent, const struct made *m)
{
	size_t i, want = 1;

	if (m->n == 0 || m->end[m->n - 1] != strlen(parent))
		return 0;
	for (i = m->end[0]; parent[i] != '\0'; i++)
		want += parent[i] == '/';
	return want == m->n ? (unsigned)m->n : 0;
}

/* The snapshot before a write or delete (tk: its ids, root and path;
 * NULL: the rule said snapshot: false). 0, or -1 with the answer made:
 * nothing may then be done. */
static int
snapshot_first(struct snap_take *tk, int dfd, const char *name,
    const char *target, struct reply *r)
{
	char why[512];

	if (tk == NULL)
		return 0;
	tk->dfd = dfd;
	tk->name = name;
	if (store_take(tk, why, sizeof(why)) == 0)
		return 0;
	reply_error(r, "No snapshot could be taken, so nothing was done: %s: "
	    "%s", why, target);
	return -1;
}

static void
do_write(int root, const char *rel, const char *target, int b64,
	 const char *data, size_t dlen, struct snap_take *tk, struct reply *r)
{
	char parent[PATH_MAX], tmp[64];
	unsigned char *dec = NULL, rnd[8];
	struct made made = { NULL, 0 };
	const char *name;
	const unsigned char *p;
	size_t len, off = 0;
	int dfd = -1, fd = -1;
	ssize_t n;

	if (split_parent(rel, parent, sizeof(parent), &name) < 0) {
		reply_error(r, "Is a directory: %s", target);
		return;
	}
	/* every name, the last one too, before any directory is made */
	if (names_ok(rel) < 0) {
		reply_errno(r, errno, target);
		return;
	}
	if (b64) {
		if ((dec = malloc(B64_DECODED_MAX(dlen) + 1)) == NULL)
			fatal("malloc");
		if (b64_decode(data, dlen, dec, &len) < 0) {
			reply_error(r, "content is not valid base64");
			goto out;
		}
		p = dec;
	} else {
		p = (const unsigned char *)data;
		len = dlen;
	}
	if ((dfd = open_dir(root, parent, &made)) < 0) {
		reply_errno(r, errno, target);
		goto out;
	}
	if (tk != NULL) {
		tk->after = p;
		tk->after_len = len;
		tk->ncreated = made_last(parent, &made);
	}
	if (snapshot_first(tk, dfd, name, target, r) < 0)
		goto out;
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		fatal("getrandom");
	snprintf(tmp, sizeof(tmp), ".aksup-%02x%02x%02x%02x%02x%02x%02x%02x.tmp",
	    rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	fd = open_beneath(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0) {
		reply_errno(r, errno, target);
		goto out;
	}
	while (off < len) {
		n = write(fd, p + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			reply_errno(r, errno, target);
			(void)unlinkat(dfd, tmp, 0);
			goto out;
		}
		off += (size_t)n;
	}
	/* Atomic replace within one directory fd: a symlink at `name` is
	 * replaced, never followed. */
	if (renameat(dfd, tmp, dfd, name) < 0) {
		reply_errno(r, errno, target);
		(void)unlinkat(dfd, tmp, 0);
		goto out;
	}
	made.n = 0;	/* written: the directories stay */
	tk = NULL;	/* and its snapshot */
	reply_json(r, json_pack("{s:I}", "bytes_written", (json_int_t)len));
out:
	if (tk != NULL && tk->dfd >= 0)
		store_drop(tk->rid);	/* taken, then not written */
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	/* failed after making directories: remove them (dfd is closed
	 * first; made_undo reopens each parent beneath the root) */
	made_undo(root, parent, &made);
	free(dec);
}

static void
do_delete(int root, const char *rel, const char *target,
    struct snap_take *tk, struct reply *r)
{
	char parent[4096];
	const char *name;
	struct stat st;
	int dfd;

	if (split_parent(rel, parent, sizeof(parent), &name) < 0) {
		reply_error(r, "Cannot delete a root: %s", target);
		return;
	}
	if ((dfd = open_dir(root, parent, NULL)) < 0) {
		reply_errno(r, errno, target);
		return;
	}
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		reply_errno(r, errno, target);
		close(dfd);
		return;
	}
	if (snapshot_first(tk, dfd, name, target, r) < 0) {
		close(dfd);
		return;
	}
	if (unlinkat(dfd, name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0) {
		reply_errno(r, errno == EEXIST ? ENOTEMPTY : errno, target);
		if (tk != NULL)
			store_drop(tk->rid);	/* taken, then not done */
		close(dfd);
		return;
	}
	close(dfd);
	reply_json(r, json_pack("{s:b}", "deleted", 1));
}

/* Is `name` in dirfd a mount point? Its metadata is another file
 * system's (the root of what was mounted there), not the root's. */
static int
mount_point(int dirfd, const char *name)
{
	int fd = open_beneath(dirfd, name, O_PATH, 0);

	if (fd >= 0)
		close(fd);
	return fd < 0 && errno == EXDEV;
}

static const char *
type_name(mode_t m)
{
	if (S_ISREG(m))
		return "file";
	if (S_ISDIR(m))
		return "dir";
	if (S_ISLNK(m))
		return "symlink";
	return "other";
}

static void
do_list(int root, const char *rel, const char *target, struct reply *r)
{
	struct dirent *de;
	struct stat st;
	json_t *arr, *e, *nm;
	DIR *d;
	int fd, mnt;

	if ((fd = open_checked(root, rel, 1, target, r)) < 0)
		return;
	if ((d = fdopendir(fd)) == NULL) {
		reply_errno(r, errno, target);
		close(fd);
		return;
	}
	if ((arr = json_array()) == NULL)
		fatal("json_array");
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (json_array_size(arr) >= LIST_MAX) {
			reply_error(r, "Too many entries: %s", target);
			json_decref(arr);
			closedir(d);
			return;
		}
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;	/* gone meanwhile */
		mnt = mount_point(dirfd(d), de->d_name);
		nm = json_string(de->d_name);
		e = json_pack("{s:o,s:s,s:I}", "name", nm ? nm : json_null(),
		    "type", mnt ? "mount" : type_name(st.st_mode),
		    "size", mnt ? (json_int_t)0 : (json_int_t)st.st_size);
		if (e == NULL)
			fatal("json_pack");
		if (nm == NULL) {
			/* not UTF-8: give the bytes, encoded */
			size_t l = strlen(de->d_name);
			char *b = malloc(4 * ((l + 2) / 3) + 1);

			if (b == NULL)
				fatal("malloc");
			EVP_EncodeBlock((unsigned char *)b,
			    (unsigned char *)de->d_name, (int)l);
			json_object_set_new(e, "name_base64", json_string(b));
			free(b);
		}
		json_array_append_new(arr, e);
	}
	closedir(d);
	reply_json(r, arr);
}

static int suffix_ok(const char *sfx);

static void
fs_handle(const uint8_t *payload, size_t len, struct reply *r)
{
	struct fs_req q;
	struct snap_take tk;
	char *path = NULL, *target = NULL, *rel0 = NULL, rid[FS_ID_LEN + 1],
	    session[FS_ID_LEN + 1], self[FS_ID_LEN + 1];
	const char *data;
	size_t need;

	memcpy(&q, payload, sizeof(q));
	need = sizeof(q) + (size_t)q.path_len + q.target_len + q.data_len;
	memcpy(rid, q.rid, FS_ID_LEN);
	rid[FS_ID_LEN] = '\0';
	memcpy(session, q.session, FS_ID_LEN);
	session[FS_ID_LEN] = '\0';
	memcpy(self, q.self, FS_ID_LEN);
	self[FS_ID_LEN] = '\0';
	/* a rollback names its record (which the broker checked); a
	 * snapshot is named by its request's */
	if (q.op == FS_OP_ROLLBACK && need == len && snap_id_ok(rid) &&
	    snap_id_ok(session) && snap_id_ok(self) &&
	    (q.flags & ~(FS_F_FORCE | FS_F_ANY_SESSION)) == 0) {
		rollback_do(rid, self, session, (q.flags & FS_F_ANY_SESSION) ==
		    0, (q.flags & FS_F_FORCE) != 0, r);
		return;
	}
	if (q.op == FS_OP_SNAPTREE && need == len && q.path_len == 0 &&
	    q.data_len == 0 && q.target_len > 0 && q.target_len < PATH_MAX &&
	    snap_id_ok(rid) && snap_id_ok(session) && q.flags == 0) {
		if ((target = strndup((const char *)payload + sizeof(q),
		    q.target_len)) == NULL)
			fatal("strndup");
		tree_snapshot(rid, session, target, q.ttl, r);
		free(target);
		return;
	}
	if (need != len || q.path_len == 0 || q.root >= nroots ||
	    (q.flags & ~FS_F_SNAPSHOT) != 0 || ((q.flags & FS_F_SNAPSHOT) &&
	    (!snap_id_ok(rid) || !snap_id_ok(session))))
		fatalx("protocol violation from broker: bad fs request");
	path = strndup((const char *)payload + sizeof(q), q.path_len);
	target = strndup((const char *)payload + sizeof(q) + q.path_len,
	    q.target_len);
	if (path == NULL || target == NULL)
		fatal("strndup");
	data = (const char *)payload + sizeof(q) + q.path_len + q.target_len;
	/* the broker sends canonical relative paths: "." or names with
	 * no "." / ".." segment (openat2 would refuse an escape anyway) */
	if (strlen(path) != q.path_len ||
	    (strcmp(path, ".") != 0 && !suffix_ok(path))) {
		reply_error(r, "bad path: %s", target);
		goto out;
	}
	if (strcmp(path, ".") == 0 &&
	    (q.op == FS_OP_DELETE || q.op == FS_OP_WRITE)) {
		/* checked here, before a missing root's suffix is added */
		reply_error(r, q.op == FS_OP_DELETE ? "Cannot delete a root: %s" :
		    "Is a directory: %s", target);
		goto out;
	}
	if (roots[q.root] < 0) {
		reply_error(r, "File not found: %s (root not available)",
		    target);
		goto out;
	}
	/* Only what some rule allows beneath this root, whoever asks. */
	if (q.op < FS_OP_READ || q.op > FS_OP_LIST ||
	    !(rights[q.root] & FS_RIGHT(q.op)))
		fatalx("protocol violation from broker: op %u not allowed "
		    "beneath root %u", q.op, q.root);
	if ((rel0 = strdup(path)) == NULL)
		fatal("strdup");
	if (rootsfx[q.root] != NULL) {
		/* the root does not exist yet: walk to it beneath its
		 * nearest existing ancestor */
		char *full;

		if (asprintf(&full, "%s%s%s", rootsfx[q.root],
		    strcmp(path, ".") ? "/" : "", strcmp(path, ".") ? path : "") < 0)
			fatal("asprintf");
		free(path);
		path = full;
	}
	/* its snapshot's names: the path as the policy's root sees it */
	memset(&tk, 0, sizeof(tk));
	tk.rid = rid;
	tk.session = session;
	tk.action = q.op == FS_OP_WRITE ? "fs.write" : "fs.delete";
	tk.root = rootpath[q.root];
	tk.rel = rel0;
	tk.ttl = q.ttl;
	tk.dfd = -1;
	switch (q.op) {
	case FS_OP_READ:
		do_read(roots[q.root], path, target, q.enc == FS_ENC_BASE64, r);
		break;
	case FS_OP_WRITE:
		do_write(roots[q.root], path, target, q.enc == FS_ENC_BASE64,
		    data, q.data_len, (q.flags & FS_F_SNAPSHOT) ? &tk : NULL,
		    r);
		break;
	case FS_OP_DELETE:
		do_delete(roots[q.root], path, target,
		    (q.flags & FS_F_SNAPSHOT) ? &tk : NULL, r);
		break;
	case FS_OP_LIST:
		do_list(roots[q.root], path, target, r);
		break;
	default:
		fatalx("protocol violation from broker: fs op %u", q.op);
	}
out:
	free(rel0);
	free(path);
	free(target);
}

/* A missing root's suffix: relative, canonical, no "." or ".." segment. */
static int
suffix_ok(const char *sfx)
{
	const char *p = sfx, *e;
	size_t n;

	if (*sfx == '\0' || *sfx == '/')
		return 0;
	while (*p) {
		e = strchrnul(p, '/');
		n = (size_t)(e - p);
		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		p = *e ? e + 1 : e;
	}
	return 1;
}

/*
 * Landlock (sandbox_enter) grants each root exactly its rights, beneath
 * its dirfd. A root that does not exist yet is held as its nearest
 * existing ancestor plus a suffix: granting rights on the ancestor would
 * open more than the policy says, so a root that may be written is made
 * now (one mkdirat at a time, beneath the ancestor, as the files' owner)
 * and the rule goes on it; a root that may only be read, listed or
 * deleted from gets no rule (nothing exists beneath it to act on).
 */
static void
landlock_root(size_t i)
{
	struct made made = { NULL, 0 };
	int fd;

	if (rootsfx[i] != NULL && (rights[i] & FS_RIGHT_WRITE)) {
		/* every name first; a failure part-way removes what it made */
		if (strlen(rootsfx[i]) >= PATH_MAX || names_ok(rootsfx[i]) < 0 ||
		    (fd = open_dir(roots[i], rootsfx[i], &made)) < 0) {
			log_warn("cannot create root %s", rootsfx[i]);
			return;
		}
		free(made.end);
		/* fds from open_beneath are O_CLOEXEC and above the placed
		 * ones; the ancestor is no longer needed */
		close(roots[i]);
		roots[i] = fd;
		free(rootsfx[i]);
		rootsfx[i] = NULL;
	}
	/* a writable root is walked by a tree snapshot and restored by its
	 * rollback: only when there is a store (snap_arg ran first) */
	if (rootsfx[i] == NULL && sandbox_fs_root(roots[i], rights[i] |
	    (store_on() && (rights[i] & FS_RIGHT_WRITE) ? SANDBOX_FS_TREE :
	    0)) < 0)
		fatal("landlock root");
}

/* argv[1]: the snapshot store, "snap:FD:MAX_BYTES:TTL_SECONDS" (TTL 0:
 * not given on the command line; FD is
 * WORKER_FD_SNAP, an O_PATH directory) or "snap:-" (none: a write or
 * delete that asks for a snapshot fails). */
static void
snap_arg(const char *a)
{
	unsigned long long max, ttl;
	struct stat st;
	long fd;
	char *end;
	int fl;

	if (strcmp(a, "snap:-") == 0)
		return;
	if (strncmp(a, "snap:", 5) != 0)
		fatalx("bad snapshot argument %s", a);
	fd = strtol(a + 5, &end, 10);
	if (*end != ':' || fd != WORKER_FD_SNAP)
		fatalx("bad snapshot argument %s", a);
	max = strtoull(end + 1, &end, 10);
	if (*end != ':' || max == 0)
		fatalx("bad snapshot argument %s", a);
	ttl = strtoull(end + 1, &end, 10);
	if (*end != '\0' || ttl > (unsigned long long)SNAP_TIME_MAX)
		fatalx("bad snapshot argument %s", a);
	if (fstat((int)fd, &st) < 0 || !S_ISDIR(st.st_mode) ||
	    (fl = fcntl((int)fd, F_GETFL)) < 0 || !(fl & O_PATH))
		fatalx("snapshot store fd %ld is not an O_PATH directory", fd);
	store_init((int)fd, (uint64_t)max, (int64_t)ttl);
	/* Landlock: every right in the store and nothing above it */
	if (sandbox_fs_root((int)fd, FS_RIGHTS_ALL | SANDBOX_FS_STORE) < 0)
		fatal("landlock snapshot store");
}

/* One root: "FD:RIGHTS:SUFFIX" or "-" (unavailable), and its path as
 * the policy names it (the snapshots' "root"). */
static void
root_arg(const char *a, const char *path)
{
	struct stat st;
	long fd;
	int fl;
	char *end;

	if (path[0] != '/' || !snap_root_ok(path))
		fatalx("bad root path argument %s", path);
	rootpath[nroots] = path;
	if (strcmp(a, "-") == 0) {
		roots[nroots++] = -1;
		return;
	}
	/* FD:RIGHTS:SUFFIX -- rights r w d l; the suffix is the part of a
	 * root that does not exist yet (may be empty) */
	fd = strtol(a, &end, 10);
	if (*end != ':' || fd < WORKER_FD_ROOT0 || fd >= WORKER_FD_SNAP)
		fatalx("bad root argument %s", a);
	for (end++; *end != ':' && *end != '\0'; end++) {
		const char *k = strchr(FS_RIGHT_LETTERS, *end);

		if (*end == FS_ROOT_WHOLE_LETTER) {
			whole[nroots] = 1;
			continue;
		}
		if (k == NULL)
			fatalx("bad root argument %s", a);
		rights[nroots] |= 1u << (k - FS_RIGHT_LETTERS);
	}
	if (*end != ':' || rights[nroots] == 0)
		fatalx("bad root argument %s", a);
	if (end[1] != '\0') {
		if (!suffix_ok(end + 1))
			fatalx("bad root argument %s", a);
		if ((rootsfx[nroots] = strdup(end + 1)) == NULL)
			fatal("strdup");
	}
	/* Each root must be what the supervisor promised: an O_PATH
	 * descriptor of a directory. */
	if (fstat((int)fd, &st) < 0 || !S_ISDIR(st.st_mode) ||
	    (fl = fcntl((int)fd, F_GETFL)) < 0 || !(fl & O_PATH))
		fatalx("root fd %ld is not an O_PATH directory", fd);
	roots[nroots] = (int)fd;
	landlock_root(nroots);
	nroots++;
}

/* argv: the snapshot store, then one entry per policy root, then each
 * root's path, in policy order. */
static void
fs_init(int argc, char **argv)
{
	int i, n;

	if (argc < 2 || (argc - 2) % 2 != 0)
		fatalx("usage: aksup-worker-fs snap:... ROOT... PATH...");
	n = (argc - 2) / 2;
	if (n > ROOTS_MAX)
		fatalx("too many roots");
	/* Safe: a signal ignored, no handler. A write past its file size
	 * limit (RLIMIT_FSIZE) then fails with EFBIG, said to the agent (a
	 * snapshot of a file over it), instead of killing the worker. */
	if (signal(SIGXFSZ, SIG_IGN) == SIG_ERR)
		fatal("signal");
	snap_arg(argv[1]);
	for (i = 0; i < n; i++)
		root_arg(argv[2 + i], argv[2 + n + i]);
}

static const struct worker_def fs_worker = {
	.name = "aksup fs worker",	/* its messages: aksup, which part */
	.role = ROLE_WORKER_FS,
	.req_type = WIRE_FS_REQ,
	.resp_type = WIRE_FS_RESP,
	.init = fs_init,
	.handle = fs_handle,
	.ready = store_start,	/* leftovers and the expired, confined */
	.idle = store_spare,	/* the next snapshot's file, made early */
	.fini = store_sweep,	/* the session's end: the expired go */
};

int
main(int argc, char **argv)
{
	return worker_main(&fs_worker, argc, argv);
}
