/*
 * workers/fs/store.c -- the snapshot store (docs/ROLLBACK.md): before an
 * allowed fs.write or fs.delete, the prior state of its file (exact
 * bytes, mode, whether it existed) and one metadata line, each written
 * to tmp/ and renamed into place, so a crash leaves a whole snapshot or
 * none; the sweep of expired snapshots and of blobs none names.
 *
 * Runs in: aksup-worker-fs (confined). Privilege: the files' owner's
 * rights in the store, a directory the supervisor made 0700 and opened
 * (O_PATH) for this worker alone; Landlock grants it every right there
 * and nothing above it. Every open in the store is open_beneath, its
 * names made only by snapshot/snap.c from a checked record id or digest.
 * Input: the store's files (written by this worker, but anyone with the
 * owner's rights may have edited them): every metadata line is checked
 * whole (snap_meta_parse), every blob's digest again when it is
 * restored (rollback.c).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "snapshot/snap.h"
#include "workers/fs/beneath.h"
#include "workers/fs/fs.h"

#define COPY_BUF	(64 * 1024)
#define BLOB_GRACE_S	60	/* an unnamed blob younger than this may
				   be about to be named by a session */
#define SWEEP_MAX	1000000	/* snapshots one sweep reads */
#define SWEEP_BUDGET_NS	(1000 * 1000000LL)	/* and for how long */
#define NAME_MAX_STORE	(sizeof("blobs/") + 256)	/* a sub + a name */

static int sdir = -1;		/* the store (O_PATH) */
static uint64_t smax;		/* quota, bytes */
static uint64_t sused;		/* bytes its files hold, as counted */
static int64_t sttl;		/* --snapshot-ttl; 0: not given */
static uint64_t sseq;		/* this session's snapshots so far */
static EVP_MD *sha256;		/* fetched before the sandbox */

int
store_on(void)
{
	return sdir >= 0;
}

static int64_t
now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		fatal("clock_gettime");
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t
now_s(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		fatal("clock_gettime");
	return (int64_t)ts.tv_sec;
}

static void
hexify(const unsigned char *d, char out[SNAP_HEX_LEN + 1])
{
	static const char x[] = "0123456789abcdef";
	int i;

	for (i = 0; i < SNAP_HEX_LEN / 2; i++) {
		out[2 * i] = x[d[i] >> 4];
		out[2 * i + 1] = x[d[i] & 15];
	}
	out[SNAP_HEX_LEN] = '\0';
}

void
store_sha256(const void *buf, size_t len, char out[SNAP_HEX_LEN + 1])
{
	unsigned char d[EVP_MAX_MD_SIZE];

	if (EVP_Digest(buf, len, d, NULL, sha256, NULL) != 1)
		fatalx("sha256");
	hexify(d, out);
}

/*
 * Copy from fd `in` to fd `out` (out may be -1: only hashed), at most
 * `max` bytes: the digest into hex and the count into *n. 0, or -1 with
 * errno (EDQUOT: more than max; EFBIG: over the worker's file size
 * limit, RLIMIT_FSIZE, whose signal fs_init ignores).
 */
int
store_copy(int in, int out, uint64_t max, char hex[SNAP_HEX_LEN + 1],
    uint64_t *n)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	EVP_MD_CTX *c;
	char *buf;
	ssize_t r, w, off;
	int rc = -1, err = 0;

	*n = 0;
	if ((buf = malloc(COPY_BUF)) == NULL || (c = EVP_MD_CTX_new()) ==
	    NULL || EVP_DigestInit_ex(c, sha256, NULL) != 1)
		fatalx("sha256");
	for (;;) {
		r = read(in, buf, COPY_BUF);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = errno;
			goto out;
		}
		if (r == 0)
			break;
		if ((uint64_t)r > max - *n) {
			err = EDQUOT;
			goto out;
		}
		*n += (uint64_t)r;
		if (EVP_DigestUpdate(c, buf, (size_t)r) != 1)
			fatalx("sha256");
		for (off = 0; out >= 0 && off < r; off += w) {
			w = write(out, buf + off, (size_t)(r - off));
			if (w < 0 && errno == EINTR)
				w = 0;
			else if (w < 0) {
				err = errno;
				goto out;
			}
		}
	}
	if (EVP_DigestFinal_ex(c, d, NULL) != 1)
		fatalx("sha256");
	hexify(d, hex);
	rc = 0;
out:
	EVP_MD_CTX_free(c);
	free(buf);
	errno = err;
	return rc;
}

/* A fresh name in tmp/ for final (a name in meta/ or blobs/). */
static void
tmp_name(const char *final, char *out, size_t n)
{
	unsigned long long nonce;

	if (getrandom(&nonce, sizeof(nonce), 0) != sizeof(nonce))
		fatal("getrandom");
	if (final != NULL && snap_tmp_name(final, nonce, out, n) == 0)
		return;
	snprintf(out, n, "tmp/%016llx-incoming", nonce);
}

/* Bytes a file in the store holds: its size, at least a block. */
static uint64_t
cost(uint64_t size)
{
	return size < 4096 ? 4096 : size;
}

static int
full(uint64_t more, char *why, size_t whylen)
{
	if (more <= smax && sused <= smax - more)
		return 0;
	snprintf(why, whylen, "the snapshot store is full (%llu of %llu "
	    "bytes used; --snapshot-max-bytes)", (unsigned long long)sused,
	    (unsigned long long)smax);
	return -1;
}

static void
copy_why(char *why, size_t whylen)
{
	if (errno == EDQUOT)
		snprintf(why, whylen, "the snapshot store is full "
		    "(--snapshot-max-bytes)");
	else if (errno == EFBIG)
		snprintf(why, whylen, "the file is larger than the fs worker "
		    "may write (its file size limit)");
	else
		snprintf(why, whylen, "cannot copy the file into the snapshot "
		    "store: %s", strerror(errno));
}

/* The blob `final` already holds bytes of this digest and size: then its
 * time is made now (a sweep or gc keeps a blob younger than a minute, so
 * it is not removed before the metadata that names it again is written).
 * 1 kept, 0 absent or damaged (to be written anew). */
static int
blob_there(const char *final, const char *hex, uint64_t size)
{
	char got[SNAP_HEX_LEN + 1];
	struct stat bst;
	uint64_t n;
	int fd, ok;

	if ((fd = open_beneath(sdir, final, O_RDONLY | O_NONBLOCK, 0)) < 0)
		return 0;
	ok = fstat(fd, &bst) == 0 && S_ISREG(bst.st_mode) &&
	    (uint64_t)bst.st_size == size &&
	    store_copy(fd, -1, size, got, &n) == 0 && n == size &&
	    strcmp(got, hex) == 0 && futimens(fd, NULL) == 0;
	close(fd);
	return ok;
}

/*
 * A blob of the file open on `in` (st its fstat): its digest into hex,
 * its size into *size. Hashed first: bytes the store already holds
 * (checked) are shared, not written again; else copied into tmp/ (hashed
 * again on the way: the file must not have changed meanwhile) and
 * renamed into blobs/. 0, or -1 with why.
 */
static int
take_blob(int in, const struct stat *st, char hex[SNAP_HEX_LEN + 1],
    uint64_t *size, char *why, size_t whylen)
{
	char tmp[64], final[sizeof("blobs/ab/") + SNAP_HEX_LEN], dir[16];
	char again[SNAP_HEX_LEN + 1];
	uint64_t n;
	int out = -1;

	/* hashed first: bytes the store holds already cost nothing more,
	 * so only a copy counts against the quota (a file larger than the
	 * whole quota is refused unread) */
	if ((uint64_t)st->st_size > smax)
		return full(cost((uint64_t)st->st_size), why, whylen);
	if (store_copy(in, -1, smax, hex, size) < 0) {
		copy_why(why, whylen);
		return -1;
	}
	if (snap_blob_name(hex, final, sizeof(final)) < 0)
		fatalx("blob name");
	if (blob_there(final, hex, *size))
		return 0;	/* shared (content-addressed) */
	if (full(cost(*size) + SNAP_META_MAX / 256, why, whylen) < 0)
		return -1;
	tmp_name(NULL, tmp, sizeof(tmp));
	if (lseek(in, 0, SEEK_SET) != 0 || (out = open_beneath(sdir, tmp,
	    O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0) {
		snprintf(why, whylen, "cannot write in the snapshot store: %s",
		    strerror(errno));
		return -1;
	}
	if (store_copy(in, out, smax - sused, again, &n) < 0) {
		copy_why(why, whylen);
		goto fail;
	}
	if (n != *size || strcmp(again, hex) != 0) {
		snprintf(why, whylen, "cannot snapshot it: it changed while "
		    "being copied");
		goto fail;
	}
	close(out);
	out = -1;
	snprintf(dir, sizeof(dir), "blobs/%.2s", hex);
	/* (a damaged blob of that name is replaced by the rename) */
	if ((mkdirat(sdir, dir, 0700) < 0 && errno != EEXIST) ||
	    renameat(sdir, tmp, sdir, final) < 0) {
		snprintf(why, whylen, "cannot write in the snapshot store: %s",
		    strerror(errno));
		goto fail;
	}
	sused += cost(*size);
	return 0;
fail:
	if (out >= 0)
		close(out);
	(void)unlinkat(sdir, tmp, 0);
	return -1;
}

/*
 * The spare: an empty file in tmp/ made after an answer was sent
 * (store_spare, the worker loop's idle hook), so that the next
 * snapshot's metadata is written into it and renamed, and the cost of
 * making a file (an inode: most of a small snapshot's cost on ext4) is
 * not on any answer's path. Used only while younger than half the grace
 * after which another session's sweep may remove it (clear_tmp); the
 * snapshot makes its own file otherwise, or when the spare is gone.
 */
static int spare = -1;
static char spare_name[64];
static int64_t spare_at;

static void
spare_drop(void)
{
	if (spare < 0)
		return;
	close(spare);
	(void)unlinkat(sdir, spare_name, 0);
	spare = -1;
}

void
store_spare(void)
{
	if (sdir < 0 || spare >= 0)
		return;
	tmp_name(NULL, spare_name, sizeof(spare_name));
	spare = open_beneath(sdir, spare_name, O_WRONLY | O_CREAT | O_EXCL,
	    0600);
	spare_at = now_s();
}

/* A file to write `final` in: the spare if fresh, else a new one in
 * tmp/ (its name into tmp); -1 with errno. */
static int
put_open(const char *final, char *tmp, size_t n)
{
	int fd;

	if (spare >= 0 && now_s() - spare_at < BLOB_GRACE_S / 2) {
		fd = spare;
		spare = -1;
		snprintf(tmp, n, "%s", spare_name);
		return fd;
	}
	spare_drop();
	tmp_name(final, tmp, n);
	return open_beneath(sdir, tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
}

/* Write buf as the store's file `final`, through tmp/ and a rename. */
static int
put_file(const char *final, const char *buf, size_t len, char *why,
    size_t whylen)
{
	char tmp[96];
	size_t off = 0;
	ssize_t w;
	int fd;

	if ((fd = put_open(final, tmp, sizeof(tmp))) < 0)
		goto fail;
	while (off < len) {
		w = write(fd, buf + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto fail;
		off += (size_t)w;
	}
	close(fd);
	fd = -1;
	if (renameat(sdir, tmp, sdir, final) < 0) {
		if (errno != ENOENT || strstr(tmp, "-incoming") == NULL)
			goto fail;
		/* a spare another session's sweep took: once more, anew */
		return put_file(final, buf, len, why, whylen);
	}
	sused += cost(len);
	return 0;
fail:
	snprintf(why, whylen, "cannot write in the snapshot store: %s",
	    strerror(errno));
	if (fd >= 0)
		close(fd);
	(void)unlinkat(sdir, tmp, 0);
	return -1;
}

/* The store's lock (flock on its directory, shared by every process
 * that uses the store): a snapshot is taken holding it shared, a sweep
 * (here or aksup snapshots gc) removes holding it exclusive, so no blob
 * is removed between the moment a snapshot finds it there and the moment
 * the metadata naming it is in place. */
static int slock = -1;
static int blob_locked;		/* store_take holds it for a blob */

static void
store_lock(int op)
{
	while (slock >= 0 && flock(slock, op) < 0)
		if (errno != EINTR)
			fatal("snapshot store lock");
}

/* A file of at most SNAP_INLINE_MAX bytes (fd at any offset; pread):
 * its bytes into the metadata line itself, no blob file. 1 done, 0 it
 * is larger (the caller makes a blob), -1 with errno. */
static int
take_inline(int fd, struct snap_meta *m)
{
	static unsigned char buf[SNAP_INLINE_MAX + 1];
	size_t n = 0;
	ssize_t r;

	for (;;) {
		r = pread(fd, buf + n, sizeof(buf) - n, (off_t)n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == sizeof(buf))
			return 0;	/* grew meanwhile: a blob */
		/* a regular file reads short only at its end */
		if ((size_t)r < sizeof(buf) - (n - (size_t)r))
			break;
	}
	memcpy(m->inl, buf, n);
	m->size = n;
	m->has_inline = 1;
	store_sha256(buf, n, m->blob);
	return 1;
}

/* The prior state of t->name into m (and its blob): 0 or -1 with why.
 * name is one component in t->dfd: fstatat does not follow it. */
static int
prior(const struct snap_take *t, struct snap_meta *m, char *why,
    size_t whylen)
{
	struct stat st, st2;
	int fd, rc = -1;

	if (fstatat(t->dfd, t->name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;	/* existed: 0 */
		snprintf(why, whylen, "cannot snapshot it: %s",
		    strerror(errno));
		return -1;
	}
	m->existed = 1;
	m->mode = st.st_mode & 07777;
	if (S_ISDIR(st.st_mode) && strcmp(t->action, "fs.delete") == 0) {
		m->dir = 1;	/* fs.delete removes only an empty one */
		return 0;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "cannot snapshot it: %s",
		    S_ISLNK(st.st_mode) ? "a symbolic link" : S_ISDIR(
		    st.st_mode) ? "a directory" : "not a regular file");
		return -1;
	}
	/* opened for reading only now that it is known to be a regular
	 * file (a FIFO or device is never opened); the same inode */
	if ((fd = open_beneath(t->dfd, t->name, O_RDONLY | O_NONBLOCK,
	    0)) < 0 || fstat(fd, &st2) < 0 || st2.st_dev != st.st_dev ||
	    st2.st_ino != st.st_ino) {
		snprintf(why, whylen, "cannot snapshot it: %s", fd < 0 ?
		    strerror(errno) : "it changed while being opened");
		goto out;
	}
	/* a small file: in the line (one file in the store, not two) */
	if (st2.st_size <= SNAP_INLINE_MAX &&
	    (rc = take_inline(fd, m)) != 0) {
		if (rc < 0)
			snprintf(why, whylen, "cannot snapshot it: %s",
			    strerror(errno));
		rc = rc > 0 ? 0 : -1;
		goto out;
	}
	/* a blob: from finding it (or writing it) to the metadata naming
	 * it, no sweep may remove it (store_take lets go) */
	store_lock(LOCK_SH);
	blob_locked = 1;
	rc = take_blob(fd, &st2, m->blob, &m->size, why, whylen);
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

static int take(const struct snap_take *t, char *why, size_t whylen);

void
store_hold(void)
{
	store_lock(LOCK_SH);
}

void
store_release(void)
{
	store_lock(LOCK_UN);
}

int
store_blob(int in, const struct stat *st, char hex[SNAP_HEX_LEN + 1],
    uint64_t *size, char *why, size_t whylen)
{
	return take_blob(in, st, hex, size, why, whylen);
}

/* The times and the seq of a new snapshot (ttl: the rule's; 0 none). */
static void
stamp(struct snap_meta *m, unsigned rule_ttl)
{
	int64_t now = now_s(), ttl;

	m->v = SNAP_VERSION;
	m->seq = ++sseq;
	m->at = now;
	/* --snapshot-ttl, else the rule's snapshot_ttl, else the default */
	ttl = sttl > 0 ? sttl : rule_ttl > 0 ? (int64_t)rule_ttl :
	    SNAP_TTL_DEFAULT;
	m->expires = ttl > SNAP_TIME_MAX - now ? SNAP_TIME_MAX : now + ttl;
}

int
store_put_tree(struct snap_meta *m, unsigned rule_ttl, char *why,
    size_t whylen)
{
	char name[sizeof("meta/.json") + SNAP_ID_LEN], *line;
	size_t len;
	int rc;

	stamp(m, rule_ttl);
	if (full(SNAP_META_MAX / 256 + (uint64_t)m->tree->n * 160, why,
	    whylen) < 0)
		return -1;
	if ((line = snap_meta_dump(m, &len)) == NULL) {
		snprintf(why, whylen, "cannot snapshot the roots: a name that "
		    "is not UTF-8, or more than a metadata line holds (%u "
		    "bytes)", SNAP_META_MAX);
		return -1;
	}
	if (snap_meta_name(m->record_id, name, sizeof(name)) < 0)
		fatalx("meta name");
	rc = put_file(name, line, len, why, whylen);
	free(line);
	return rc;
}

/*
 * The store's lock is taken (shared) only when the snapshot has a blob
 * (prior, before take_blob): a snapshot whose bytes are in its metadata
 * line names nothing a sweep could remove (the sweeps and gc remove
 * expired metadata, blobs no metadata names, and temp files a minute
 * old: its own are younger, the spare at most half that).
 */
int
store_take(const struct snap_take *t, char *why, size_t whylen)
{
	int rc;

	blob_locked = 0;
	rc = take(t, why, whylen);
	if (blob_locked)
		store_lock(LOCK_UN);
	blob_locked = 0;
	return rc;
}

static int
take(const struct snap_take *t, char *why, size_t whylen)
{
	struct snap_meta m;
	char name[sizeof("meta/.json") + SNAP_ID_LEN], *line;
	size_t len;
	int rc;

	if (sdir < 0) {
		snprintf(why, whylen, "no snapshot store in this session: "
		    "its policy lets the agent write or delete nowhere, so "
		    "nothing can be snapshotted or restored here (a policy "
		    "with fs.write on the snapshot's root can)");
		return -1;
	}
	/* all but the inline bytes (64 KiB: read into only up to size) */
	memset(&m, 0, offsetof(struct snap_meta, inl));
	memset((char *)&m + offsetof(struct snap_meta, inl) + sizeof(m.inl),
	    0, sizeof(m) - offsetof(struct snap_meta, inl) - sizeof(m.inl));
	snprintf(m.record_id, sizeof(m.record_id), "%s", t->rid);
	snprintf(m.session, sizeof(m.session), "%s", t->session);
	snprintf(m.action, sizeof(m.action), "%s", t->action);
	if (snprintf(m.root, sizeof(m.root), "%s", t->root) >=
	    (int)sizeof(m.root) || snprintf(m.path, sizeof(m.path), "%s",
	    t->rel) >= (int)sizeof(m.path)) {
		snprintf(why, whylen, "cannot snapshot it: path too long");
		return -1;
	}
	stamp(&m, t->ttl);
	if (prior(t, &m, why, whylen) < 0)
		return -1;
	if (strcmp(t->action, "fs.write") == 0) {
		if (t->after_hex != NULL)
			snprintf(m.after, sizeof(m.after), "%s", t->after_hex);
		else
			store_sha256(t->after, t->after_len, m.after);
		if (!m.existed)
			m.ncreated = t->ncreated;
	}
	if (full(SNAP_META_MAX / 256 + (m.has_inline ? m.size / 3 * 4 + 4 :
	    0), why, whylen) < 0)
		return -1;	/* (its blob, if any, goes with a sweep) */
	if ((line = snap_meta_dump(&m, &len)) == NULL) {
		snprintf(why, whylen, "cannot snapshot it: its path is not "
		    "UTF-8 or not normalized");
		return -1;
	}
	if (snap_meta_name(m.record_id, name, sizeof(name)) < 0)
		fatalx("meta name");
	rc = put_file(name, line, len, why, whylen);
	free(line);
	return rc;
}

void
store_forget(const char *rid)
{
	char name[sizeof("meta/.json") + SNAP_ID_LEN];
	struct stat st;

	if (sdir < 0 || snap_meta_name(rid, name, sizeof(name)) < 0)
		return;
	if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    unlinkat(sdir, name, 0) == 0)
		sused -= cost((uint64_t)st.st_size) < sused ?
		    cost((uint64_t)st.st_size) : sused;
}

void
store_drop(const char *rid)
{
	store_forget(rid);	/* its blob: unnamed, swept later */
}

/* The whole of a store file opened on fd, at most max bytes: malloc'd
 * (NUL after it), *len its length; NULL when larger or unreadable. */
static char *
slurp(int fd, size_t max, size_t *len)
{
	char *buf;
	ssize_t r;

	if ((buf = malloc(max + 2)) == NULL)
		fatal("malloc");
	*len = 0;
	for (;;) {
		r = read(fd, buf + *len, max + 1 - *len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		*len += (size_t)r;
		if (*len > max)
			break;
	}
	if (r < 0 || *len > max) {
		free(buf);
		return NULL;
	}
	buf[*len] = '\0';
	return buf;
}

static int
read_meta(const char *name, struct snap_meta *m, char *why, size_t whylen)
{
	size_t len;
	char *buf;
	int fd, rc;

	if ((fd = open_beneath(sdir, name, O_RDONLY | O_NONBLOCK, 0)) < 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	buf = slurp(fd, SNAP_META_MAX, &len);
	close(fd);
	if (buf == NULL) {
		snprintf(why, whylen, "unreadable or over %u bytes",
		    SNAP_META_MAX);
		return -1;
	}
	rc = snap_meta_parse(buf, len, m, why, whylen);
	free(buf);
	return rc;
}

int
store_meta(const char *rid, struct snap_meta *m, char *why, size_t whylen)
{
	char name[sizeof("meta/.json") + SNAP_ID_LEN], w[160];

	if (sdir < 0) {
		snprintf(why, whylen, "no snapshot store in this session: "
		    "its policy lets the agent write or delete nowhere, so "
		    "nothing can be snapshotted or restored here (a policy "
		    "with fs.write on the snapshot's root can)");
		return -1;
	}
	if (snap_meta_name(rid, name, sizeof(name)) < 0) {
		snprintf(why, whylen, "not a record id");
		return -1;
	}
	if (read_meta(name, m, w, sizeof(w)) < 0) {
		if (errno == ENOENT)
			snprintf(why, whylen, "no snapshot found: %s", rid);
		else
			snprintf(why, whylen, "snapshot %s is damaged (%s)",
			    rid, w);
		return -1;
	}
	/* the file's name and its record must agree */
	if (strcmp(m->record_id, rid) != 0) {
		snprintf(why, whylen, "snapshot %s is damaged (another "
		    "record's metadata)", rid);
		snap_meta_free(m);
		return -1;
	}
	if (snap_expired(m, now_s())) {
		snprintf(why, whylen, "no snapshot found: %s (expired)", rid);
		snap_meta_free(m);
		return -1;
	}
	return 0;
}

int
store_blob_open(const char *hex)
{
	char name[sizeof("blobs/ab/") + SNAP_HEX_LEN];

	if (snap_blob_name(hex, name, sizeof(name)) < 0) {
		errno = EINVAL;
		return -1;
	}
	return open_beneath(sdir, name, O_RDONLY | O_NONBLOCK, 0);
}

/* ---- the sweep ---- */

struct names {
	char (*hex)[SNAP_HEX_LEN + 1];
	size_t n, cap;
};

static int
hexcmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void
keep_add(struct names *keep, const char *hex)
{
	if (keep->n == keep->cap) {
		keep->cap = keep->cap ? keep->cap * 2 : 64;
		if ((keep->hex = reallocarray(keep->hex, keep->cap,
		    sizeof(*keep->hex))) == NULL)
			fatal("reallocarray");
	}
	memcpy(keep->hex[keep->n++], hex, SNAP_HEX_LEN + 1);
}

static DIR *
open_sub(const char *name)
{
	DIR *d;
	int fd;

	if ((fd = open_beneath(sdir, name, O_RDONLY | O_DIRECTORY, 0)) < 0)
		return NULL;
	if ((d = fdopendir(fd)) == NULL)
		close(fd);
	return d;
}

/* meta/: the expired go (the torn or damaged are said, never restored,
 * left for aksup snapshots gc); the blobs the others name are kept in
 * *keep. 1 when every metadata file was read, 0 when the budget ran
 * out first. */
static int
sweep_meta(struct names *keep, int64_t now)
{
	char name[NAME_MAX_STORE], why[160];
	struct snap_meta *m;
	struct dirent *de;
	struct stat st;
	size_t seen = 0;
	int64_t until = now_ns() + SWEEP_BUDGET_NS;
	int whole = 1;
	DIR *d;

	if ((d = open_sub("meta")) == NULL)
		return 1;
	if ((m = malloc(sizeof(*m))) == NULL)
		fatal("malloc");
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (snprintf(name, sizeof(name), "meta/%s", de->d_name) >=
		    (int)sizeof(name))
			continue;
		if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		/* Past its budget (a store an agent filled): the rest is only
		 * counted; what has expired is refused when asked for anyway
		 * and goes with a later sweep or aksup snapshots gc, and no
		 * blob is removed (not every name was read). */
		if (!whole || ++seen > SWEEP_MAX || ((seen & 63) == 0 &&
		    now_ns() > until)) {
			whole = 0;
			sused += cost((uint64_t)st.st_size);
			continue;
		}
		if (read_meta(name, m, why, sizeof(why)) < 0) {
			log_warnx("snapshot store: %s: %s (kept, never "
			    "restored)", name, why);
			sused += cost((uint64_t)st.st_size);
			continue;
		}
		if (snap_expired(m, now)) {
			snap_meta_free(m);
			(void)unlinkat(sdir, name, 0);
			continue;
		}
		sused += cost((uint64_t)st.st_size);
		if (m->tree != NULL) {
			size_t j;

			for (j = 0; j < m->tree->n; j++)
				if (m->tree->e[j].type == SNAP_ENT_FILE)
					keep_add(keep, m->tree->e[j].blob);
			snap_meta_free(m);
			continue;
		}
		if (!m->existed || m->dir || m->has_inline)
			continue;
		keep_add(keep, m->blob);
	}
	free(m);
	closedir(d);
	return whole;
}

/* blobs/xx/: counted; with remove, those no snapshot names (and older
 * than the grace) go. */
static void
sweep_blobs(const struct names *keep, int64_t now, int remove)
{
	char sub[16], name[sizeof("blobs/ab/") + SNAP_HEX_LEN + 8];
	struct dirent *de, *fe;
	struct stat st;
	DIR *d, *f;

	if ((d = open_sub("blobs")) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strlen(de->d_name) != 2 || de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "blobs/%.2s", de->d_name);
		if ((f = open_sub(sub)) == NULL)
			continue;
		while ((fe = readdir(f)) != NULL) {
			if (fe->d_name[0] == '.' ||
			    strlen(fe->d_name) != SNAP_HEX_LEN)
				continue;
			snprintf(name, sizeof(name), "%s/%.64s", sub, fe->d_name);
			if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			if (remove && (keep->n == 0 || bsearch(fe->d_name,
			    keep->hex, keep->n, sizeof(*keep->hex),
			    hexcmp) == NULL) &&
			    now - st.st_mtime > BLOB_GRACE_S &&
			    unlinkat(sdir, name, 0) == 0)
				continue;
			sused += cost((uint64_t)st.st_size);
		}
		closedir(f);
	}
	closedir(d);
}

/* A name this worker gives a temp file: 16 hex digits, '-', then
 * "incoming" or a record id and ".json" (tmp_name, snap_tmp_name). */
static int
tmp_name_ok(const char *s)
{
	size_t i;

	for (i = 0; i < 16; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f')))
			return 0;
	if (s[16] != '-')
		return 0;
	s += 17;
	if (strcmp(s, "incoming") == 0)
		return 1;
	return strlen(s) == SNAP_ID_LEN + 5 &&
	    strcmp(s + SNAP_ID_LEN, ".json") == 0 &&
	    strspn(s, "0123456789abcdef-") >= SNAP_ID_LEN;
}

/* tmp/: what a killed writer left half written (its own names only,
 * older than the grace: another session's may be being written). */
static void
clear_tmp(int64_t now)
{
	char name[NAME_MAX_STORE];
	struct dirent *de;
	struct stat st;
	DIR *d;

	if ((d = open_sub("tmp")) == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (tmp_name_ok(de->d_name) && snprintf(name, sizeof(name),
		    "tmp/%s", de->d_name) < (int)sizeof(name) &&
		    fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode) && now - st.st_mtime > BLOB_GRACE_S)
			(void)unlinkat(sdir, name, 0);
	closedir(d);
}

void
store_sweep(void)
{
	struct names keep = { NULL, 0, 0 };
	int64_t now = now_s();
	int whole;

	if (sdir < 0)
		return;
	spare_drop();	/* the session's end (a new one when asked) */
	store_lock(LOCK_EX);
	sused = 0;
	clear_tmp(now);
	whole = sweep_meta(&keep, now);
	if (keep.n > 0)
		qsort(keep.hex, keep.n, sizeof(*keep.hex), hexcmp);
	sweep_blobs(&keep, now, whole);
	store_lock(LOCK_UN);
	free(keep.hex);
}

void
store_init(int dirfd, uint64_t max_bytes, int64_t ttl)
{
	static const char *const subs[] = { "meta", "blobs", "tmp" };
	size_t i;

	/* fetched now: OpenSSL may read its configuration, which the
	 * sandbox will not let it */
	if ((sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		fatalx("cannot fetch SHA-256");
	sdir = dirfd;
	smax = max_bytes;
	sttl = ttl;
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (mkdirat(sdir, subs[i], 0700) < 0 && errno != EEXIST)
			fatal("snapshot store: cannot make %s", subs[i]);
	if ((slock = open_beneath(sdir, ".", O_RDONLY | O_DIRECTORY, 0)) < 0)
		fatal("snapshot store: cannot open it for its lock");
}

/* After the sandbox is in force (store_init runs before it): the
 * leftovers and the expired go. */
void
store_start(void)
{
	store_sweep();
	store_spare();
}
