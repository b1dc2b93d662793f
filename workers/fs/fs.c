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
#include "workers/fs/beneath.h"
#include "workers/worker.h"

#define ROOTS_MAX	FS_ROOTS_MAX	/* common/fds.h */
#define LIST_MAX	100000
/* Content bytes that still fit an answer once encoded. */
#define READ_MAX_UTF8	(AGENT_MSG_MAX - 4096)
#define READ_MAX_B64	((AGENT_MSG_MAX - 4096) / 4 * 3)

static int roots[ROOTS_MAX];
static char *rootsfx[ROOTS_MAX];	/* missing part of a root, or NULL */
static unsigned rights[ROOTS_MAX];	/* FS_RIGHT_* (common/fsrights.h) */
static size_t nroots;

static void
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

static void
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

/* Split "a/b/c" into parent "a/b" and name "c" (parent "." for "c"). */
static int
split_parent(const char *rel, char *parent, size_t plen, const char **name)
{
	const char *slash = strrchr(rel, '/');

	if (strcmp(rel, ".") == 0 || rel[0] == '\0')
		return -1;
	if (slash == NULL) {
		snprintf(parent, plen, ".");
		*name = rel;
		return 0;
	}
	if ((size_t)(slash - rel) >= plen)
		return -1;
	memcpy(parent, rel, (size_t)(slash - rel));
	parent[slash - rel] = '\0';
	*name = slash + 1;
	return 0;
}

/*
 * The directories one request created, so that a request that fails
 * leaves none behind: each is named by where it ends in the walked path
 * (its parent is the path before it). Only what mkdirat made here is
 * listed, never a directory that existed or that another process made
 * meanwhile (EEXIST).
 */
struct made {
	size_t *end;
	size_t n;
};

/* Every name in rel can be created: 1..NAME_MAX bytes, not "." or "..".
 * Checked before anything is made, so a bad last name creates nothing. */
static int
names_ok(const char *rel)
{
	const char *p = rel, *e;
	size_t n;

	do {
		e = strchrnul(p, '/');
		n = (size_t)(e - p);
		if (n > NAME_MAX) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.')) {
			errno = EINVAL;
			return -1;
		}
		p = e + 1;
	} while (*e != '\0');
	return 0;
}

/* Remove what `m` lists, deepest first, each as one name in its parent
 * opened beneath dirfd (RESOLVE_BENEATH, no symlinks: a directory swapped
 * for a link meanwhile is not followed). AT_REMOVEDIR removes only an
 * empty directory: whatever someone else put there meanwhile stays. */
static void
made_undo(int dirfd, const char *rel, struct made *m)
{
	char parent[PATH_MAX];
	size_t start;
	int pfd;

	while (m->n > 0) {
		size_t end = m->end[--m->n];

		/* the name is rel[start, end), its parent rel[0, start - 1) */
		for (start = end; start > 0 && rel[start - 1] != '/'; start--)
			;
		if (start == 0)
			snprintf(parent, sizeof(parent), ".");
		else {
			memcpy(parent, rel, start - 1);
			parent[start - 1] = '\0';
		}
		if ((pfd = open_beneath(dirfd, parent, O_PATH | O_DIRECTORY,
		    0)) < 0)
			continue;
		memmove(parent, rel + start, end - start);
		parent[end - start] = '\0';
		if (unlinkat(pfd, parent, AT_REMOVEDIR) < 0)
			log_warn("cannot remove the directory it made");
		close(pfd);
	}
	free(m->end);
	m->end = NULL;
}

/* Open (creating when asked) the directory `rel` beneath dirfd, one
 * component at a time so every step is RESOLVE_BENEATH|NO_SYMLINKS. With
 * `m`, the directories made are listed there (made_undo removes them);
 * on failure they are removed before returning. rel (shorter than
 * PATH_MAX) has passed names_ok. */
static int
open_dir(int dirfd, const char *rel, struct made *m)
{
	char seg[NAME_MAX + 1];
	const char *p = rel, *e;
	int cur, next, err;

	if (m == NULL || strcmp(rel, ".") == 0)
		return open_beneath(dirfd, rel, O_PATH | O_DIRECTORY, 0);
	m->n = 0;
	if ((m->end = calloc(strlen(rel) / 2 + 1, sizeof(*m->end))) == NULL)
		fatal("calloc");
	if ((cur = open_beneath(dirfd, ".", O_PATH | O_DIRECTORY, 0)) < 0)
		goto fail;
	while (*p != '\0') {
		e = strchrnul(p, '/');
		if ((size_t)(e - p) >= sizeof(seg)) {
			close(cur);
			errno = ENAMETOOLONG;	/* names_ok said so first */
			goto fail;
		}
		memcpy(seg, p, (size_t)(e - p));
		seg[e - p] = '\0';
		next = open_beneath(cur, seg, O_PATH | O_DIRECTORY, 0);
		if (next < 0 && errno == ENOENT) {
			if (mkdirat(cur, seg, 0755) == 0)
				m->end[m->n++] = (size_t)(e - rel);
			else if (errno != EEXIST) {
				close(cur);
				goto fail;
			}
			next = open_beneath(cur, seg, O_PATH | O_DIRECTORY, 0);
		}
		close(cur);
		if (next < 0)
			goto fail;
		cur = next;
		p = *e ? e + 1 : e;
	}
	return cur;
fail:
	err = errno;
	made_undo(dirfd, rel, m);
	errno = err;
	return -1;
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

static void
do_write(int root, const char *rel, const char *target, int b64,
	 const char *data, size_t dlen, struct reply *r)
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
	reply_json(r, json_pack("{s:I}", "bytes_written", (json_int_t)len));
out:
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
do_delete(int root, const char *rel, const char *target, struct reply *r)
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
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    unlinkat(dfd, name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0) {
		reply_errno(r, errno == EEXIST ? ENOTEMPTY : errno, target);
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
	char *path = NULL, *target = NULL;
	const char *data;
	size_t need;

	memcpy(&q, payload, sizeof(q));
	need = sizeof(q) + (size_t)q.path_len + q.target_len + q.data_len;
	if (need != len || q.path_len == 0 || q.root >= nroots)
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
	switch (q.op) {
	case FS_OP_READ:
		do_read(roots[q.root], path, target, q.enc == FS_ENC_BASE64, r);
		break;
	case FS_OP_WRITE:
		do_write(roots[q.root], path, target, q.enc == FS_ENC_BASE64,
		    data, q.data_len, r);
		break;
	case FS_OP_DELETE:
		do_delete(roots[q.root], path, target, r);
		break;
	case FS_OP_LIST:
		do_list(roots[q.root], path, target, r);
		break;
	default:
		fatalx("protocol violation from broker: fs op %u", q.op);
	}
out:
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
	if (rootsfx[i] == NULL && sandbox_fs_root(roots[i], rights[i]) < 0)
		fatal("landlock root");
}

/* argv: one entry per policy root, "FD:RIGHTS:SUFFIX" or "-"
 * (unavailable). */
static void
fs_init(int argc, char **argv)
{
	struct stat st;
	long fd;
	int i, fl;
	char *end;

	if (argc - 1 > ROOTS_MAX)
		fatalx("too many roots");
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0) {
			roots[nroots++] = -1;
			continue;
		}
		/* FD:RIGHTS:SUFFIX -- rights r w d l; the suffix is the
		 * part of a root that does not exist yet (may be empty) */
		fd = strtol(argv[i], &end, 10);
		if (*end != ':' || fd < WORKER_FD_ROOT0 || fd > 1024)
			fatalx("bad root argument %s", argv[i]);
		for (end++; *end != ':' && *end != '\0'; end++) {
			const char *k = strchr(FS_RIGHT_LETTERS, *end);

			if (k == NULL)
				fatalx("bad root argument %s", argv[i]);
			rights[nroots] |= 1u << (k - FS_RIGHT_LETTERS);
		}
		if (*end != ':' || rights[nroots] == 0)
			fatalx("bad root argument %s", argv[i]);
		if (end[1] != '\0') {
			if (!suffix_ok(end + 1))
				fatalx("bad root argument %s", argv[i]);
			if ((rootsfx[nroots] = strdup(end + 1)) == NULL)
				fatal("strdup");
		}
		/* Each root must be what the supervisor promised: an
		 * O_PATH descriptor of a directory. */
		if (fstat((int)fd, &st) < 0 || !S_ISDIR(st.st_mode) ||
		    (fl = fcntl((int)fd, F_GETFL)) < 0 || !(fl & O_PATH))
			fatalx("root fd %ld is not an O_PATH directory", fd);
		roots[nroots] = (int)fd;
		landlock_root(nroots);
		nroots++;
	}
}

static const struct worker_def fs_worker = {
	.name = "aksup fs worker",	/* its messages: aksup, which part */
	.role = ROLE_WORKER_FS,
	.req_type = WIRE_FS_REQ,
	.resp_type = WIRE_FS_RESP,
	.init = fs_init,
	.handle = fs_handle,
};

int
main(int argc, char **argv)
{
	return worker_main(&fs_worker, argc, argv);
}
