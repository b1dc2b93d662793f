/*
 * supervisor/auditfile.c -- the audit log's files: open and lock the log
 * for one session, create the seal-key file, and the audit options of
 * run/submit that become the broker's arguments.
 *
 * Runs in: aksup (supervisor). Privilege: the invoking user's. It opens
 * two paths the operator named on the command line, following no
 * symlink in any component, and hands the fds to the broker (their
 * directories, O_PATH, stay for the placement check, placement.c); it
 * never reads or parses a record (that is the broker's and aksup-log's
 * work, confined).
 *
 * Lock: an open-file-description lock (F_OFD_SETLK) on one byte far past
 * any real end of the log. It belongs to the open file description the
 * supervisor shares with the broker (the broker's fd 5 is a dup of it),
 * so it is held while either lives and cannot be dropped by a stray
 * close(). A second, classic POSIX lock on the next byte is the holder
 * note: F_GETLK on it names the holder's pid, which an OFD lock cannot.
 * Both are advisory and only ever taken by aksup.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "audit/audit.h"
#include "supervisor/cgroup.h"
#include "supervisor/confine.h"
#include "supervisor/supervisor.h"
#include "supervisor/view.h"

#define LOCK_SESSION_OFF	((off_t)1 << 62)
#define LOCK_NOTE_OFF		(LOCK_SESSION_OFF + 1)

static void
flock_init(struct flock *l, short type, off_t start)
{
	memset(l, 0, sizeof(*l));
	l->l_type = type;
	l->l_whence = SEEK_SET;
	l->l_start = start;
	l->l_len = 1;
}

/* Returns 0 when this process now holds the log's session lock. */
static int
lock_log(int fd, const char *path)
{
	struct flock l;

	flock_init(&l, F_WRLCK, LOCK_SESSION_OFF);
	if (fcntl(fd, F_OFD_SETLK, &l) == 0) {
		/* The note: a process lock, gone with this process. */
		flock_init(&l, F_WRLCK, LOCK_NOTE_OFF);
		if (fcntl(fd, F_SETLK, &l) < 0)
			log_debug("audit log holder note: %s", strerror(errno));
		return 0;
	}
	if (errno != EAGAIN && errno != EACCES) {
		log_warn("cannot lock audit log %s", path);
		return -1;
	}
	flock_init(&l, F_WRLCK, LOCK_NOTE_OFF);
	if (fcntl(fd, F_GETLK, &l) == 0 && l.l_type != F_UNLCK)
		log_warnx("audit log %s is in use by another session (aksup "
		    "pid %ld); refusing to start a second one", path,
		    (long)l.l_pid);
	else
		log_warnx("audit log %s is in use by another session (its "
		    "supervisor is gone, its broker is ending); refusing to "
		    "start a second one", path);
	return -1;
}

/*
 * An O_PATH descriptor of the directory that holds `path`, reached
 * without following a symbolic link in any component (a symlinked
 * directory the agent can write, or one planted by anyone who can write
 * a parent, would put the file wherever it points: inside the agent's
 * root, say). *base gets the last component. -1: message printed.
 */
static int
open_parent(const char *what, const char *path, char *dir, size_t dirlen,
    const char **base)
{
	struct open_how how;
	const char *slash = strrchr(path, '/');
	int fd;

	if (slash == NULL) {
		snprintf(dir, dirlen, ".");
		*base = path;
	} else {
		if ((size_t)(slash - path) >= dirlen) {
			log_warnx("%s %s: path too long", what, path);
			return -1;
		}
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
		if (dir[0] == '\0')
			snprintf(dir, dirlen, "/");
		*base = slash + 1;
	}
	if (**base == '\0') {
		log_warnx("%s %s names a directory, not a file", what, path);
		return -1;
	}
	memset(&how, 0, sizeof(how));
	how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
	how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	fd = (int)syscall(SYS_openat2, AT_FDCWD, dir, &how, sizeof(how));
	if (fd < 0 && errno == ELOOP)
		log_warnx("%s %s: the directory %s is or passes through a "
		    "symbolic link, which aksup does not follow; name the "
		    "real directory", what, path, dir);
	else if (fd < 0)
		log_warn("%s %s: directory %s%s", what, path, dir, errno ==
		    ENOENT ? " (make it first: mkdir -p)" : "");
	return fd;
}

static int open_files(const struct session_cfg *cfg,
    struct auditfiles *af);

int
auditfile_open(const struct session_cfg *cfg, struct auditfiles *af)
{
	int rc;

	af->logfd = af->keyfd = af->logdir = af->keydir = -1;
	af->drop_key = af->log_created = 0;
	af->keybase = af->logbase = NULL;
	/* Under sudo, by path as the invoking user: only where they may
	 * make or open a file, and theirs (supervisor/confine.c). */
	if (confine_as_invoker(1) < 0) {
		log_warn("cannot take the invoking user's file ids");
		(void)confine_as_invoker(0);
		return -1;
	}
	rc = open_files(cfg, af);
	(void)confine_as_invoker(0);
	return rc;
}

/* The same name still names the inode fd holds (nobody renamed, removed
 * or replaced it since it was opened). */
static int
same_file(int dirfd, const char *base, int fd)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && a.st_nlink > 0 &&
	    fstatat(dirfd, base, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int
open_files(const struct session_cfg *cfg, struct auditfiles *af)
{
	char dir[PATH_MAX];
	const char *base;
	struct stat st;
	uid_t ou;
	gid_t og;
	int fd = -1;

	/* The audit log: append-only for the broker, private to the
	 * operator (0600); read back by the broker only to continue the
	 * hash chain. Opened by the operator's path, as the operator. */
	/* Never through a symlink, in the last component or any directory
	 * (one planted in a directory others can write would send our
	 * records anywhere), never a FIFO or device, and only a file of
	 * ours that nobody else may write. */
	if ((af->logdir = open_parent("audit log", cfg->log_path, dir,
	    sizeof(dir), &base)) < 0)
		goto fail;
	/* new (a session that never begins removes it again), or the
	 * existing log */
	fd = openat(af->logdir, base, O_RDWR | O_APPEND | O_CREAT | O_EXCL |
	    O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK, 0600);
	if (fd >= 0) {
		af->log_created = 1;
		af->logbase = base;
	} else if (errno == EEXIST)
		fd = openat(af->logdir, base, O_RDWR | O_APPEND | O_CLOEXEC |
		    O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 && errno == ELOOP) {
		log_warnx("audit log %s is a symbolic link, which aksup does "
		    "not follow (the link could be changed to point anywhere); "
		    "name the real file", cfg->log_path);
		goto fail;
	}
	if (fd < 0) {
		log_warn("cannot open audit log %s", cfg->log_path);
		goto fail;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		log_warnx("audit log %s is not a regular file", cfg->log_path);
		goto fail;
	}
	/* yours (under sudo: the invoking user's, or root's) */
	if ((st.st_uid != geteuid() && (confine_files_owner(&ou, &og) < 0 ||
	    st.st_uid != ou)) || (st.st_mode & 022) != 0) {
		log_warnx("audit log %s must belong to you and be writable by "
		    "you alone (it is uid %u, mode %03o)", cfg->log_path,
		    (unsigned)st.st_uid, (unsigned)(st.st_mode & 0777));
		goto fail;
	}
	if (lock_log(fd, cfg->log_path) < 0)
		goto fail;
	/* Locked: still the file of that name? (a session that never
	 * began removes the empty log it made; one opened just before
	 * that would be locking a removed file) */
	if (!same_file(af->logdir, base, fd)) {
		log_warnx("audit log %s was removed or replaced while aksup "
		    "opened it (another session starting with it?); run again",
		    cfg->log_path);
		goto fail;
	}
	if (cfg->seal_key_out != NULL) {
		/* A new file only (O_EXCL: never an existing file, never
		 * through a symlink, in no component), readable by the
		 * operator alone. The broker writes k_0 into it and
		 * closes it. */
		if ((af->keydir = open_parent("seal key file",
		    cfg->seal_key_out, dir, sizeof(dir), &af->keybase)) < 0)
			goto fail;
		af->keyfd = openat(af->keydir, af->keybase, O_WRONLY | O_CREAT |
		    O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (af->keyfd < 0) {
			if (errno == EEXIST)
				log_warnx("seal key file %s exists; each session "
				    "needs a new one", cfg->seal_key_out);
			else
				log_warn("cannot create seal key file %s",
				    cfg->seal_key_out);
			goto fail;
		}
	}
	af->logfd = fd;
	return 0;
 fail:
	/* ours, empty, and still under its name: removed */
	if (fd >= 0 && af->log_created && same_file(af->logdir, base, fd) &&
	    fstat(fd, &st) == 0 && st.st_size == 0)
		(void)unlinkat(af->logdir, base, 0);
	if (fd >= 0)
		close(fd);
	af->log_created = 0;
	if (af->logdir >= 0)
		close(af->logdir);
	if (af->keydir >= 0)
		close(af->keydir);
	af->logdir = af->keydir = -1;
	return -1;
}

void
auditfile_close(struct auditfiles *af)
{
	struct stat a, b;

	/* A session that never began leaves an empty key file, a refused
	 * one may leave a key where the agent can read it: remove it, if
	 * it is still the file we created (by its directory's fd: no path
	 * is looked up again). */
	if (af->keyfd >= 0) {
		if (fstat(af->keyfd, &a) == 0 &&
		    (a.st_size == 0 || af->drop_key) &&
		    fstatat(af->keydir, af->keybase, &b,
		    AT_SYMLINK_NOFOLLOW) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino)
			(void)unlinkat(af->keydir, af->keybase, 0);
		close(af->keyfd);
	}
	/* The same for a log this session created and never wrote (the
	 * policy was bad, the session refused before session_start): no
	 * empty log is left behind. Still under the session's lock. */
	if (af->logfd >= 0 && af->log_created && fstat(af->logfd, &a) == 0 &&
	    a.st_size == 0 && fstatat(af->logdir, af->logbase, &b,
	    AT_SYMLINK_NOFOLLOW) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino)
		(void)unlinkat(af->logdir, af->logbase, 0);
	if (af->logfd >= 0)
		close(af->logfd);	/* drops the note; the broker is gone */
	if (af->logdir >= 0)
		close(af->logdir);
	if (af->keydir >= 0)
		close(af->keydir);
	af->logfd = af->keyfd = af->logdir = af->keydir = -1;
}

int
auditfile_broker_args(const struct session_cfg *cfg, int keyfd, char **argv,
    int n, int max)
{
#define ARG(s)	do { if (n < max) argv[n++] = (char *)(s); } while (0)
	ARG("--sync");
	ARG(cfg->audit_sync ? cfg->audit_sync : "batch");
	ARG("--log-name");		/* for its messages only */
	ARG(cfg->log_path);
	if (keyfd >= 0)
		ARG("--seal-key");
	if (cfg->seal_every) {
		ARG("--seal-every");
		ARG(cfg->seal_every);
	}
	if (cfg->seal_interval) {
		ARG("--seal-interval");
		ARG(cfg->seal_interval);
	}
	if (cfg->params_max) {
		ARG("--params-max");
		ARG(cfg->params_max);
	}
	if (cfg->max_bytes[0] != '\0') {
		ARG("--max-bytes");
		ARG(cfg->max_bytes);
	}
	if (cfg->max_records) {
		ARG("--max-records");
		ARG(cfg->max_records);
	}
	ARG("--layers");
	ARG(cfg->layers ? cfg->layers : "");
	ARG("--waived");
	ARG(cfg->waived ? cfg->waived : "");
	if (cfg->view != NULL) {	/* the agent's view, for session_start */
		ARG("--view");
		ARG(cfg->view->json);
	}
	/* the agent is the operator's own client (aksup submit, aksup
	 * rollback), not an agent: it may roll back any session's snapshot */
	if (cfg->agent_role == ROLE_CLIENT)
		ARG("--operator-client");
#undef ARG
	return n;
}

int
audit_cli_opt(int ch, const char *arg, struct session_cfg *cfg,
    const char *cmd)
{
	const char *opt = NULL, *want = NULL;
	uint64_t b;
	long v;

	switch (ch) {
	case AUDIT_OPT_SYNC:
		opt = "--audit-sync", want = "always, batch or none";
		if (strcmp(arg, "always") != 0 && strcmp(arg, "batch") != 0 &&
		    strcmp(arg, "none") != 0)
			goto bad;
		cfg->audit_sync = arg;
		return 1;
	case AUDIT_OPT_SEALKEY:
		cfg->seal_key_out = arg;
		return 1;
	case AUDIT_OPT_SEALEVERY:
		opt = "--seal-every", want = "records between seals, a number "
		    "from 0 (0: none) to 2^30";
		if (parse_int(arg, 0, 1 << 30, &v) < 0)
			goto bad;
		cfg->seal_every = arg;
		return 1;
	case AUDIT_OPT_SEALINT:
		opt = "--seal-interval", want = "milliseconds between seals, "
		    "a number from 0 (0: none)";
		if (parse_int(arg, 0, 1 << 30, &v) < 0)
			goto bad;
		cfg->seal_interval = arg;
		return 1;
	case AUDIT_OPT_PARAMS:
		opt = "--audit-params", want = "bytes of params logged in "
		    "full, 0 (hashes only) to 1048576";
		if (parse_int(arg, 0, 1024 * 1024, &v) < 0)
			goto bad;
		cfg->params_max = arg;
		return 1;
	case AUDIT_OPT_MAXBYTES:
		/* the broker takes plain bytes, at least AUDIT_MIN_BYTES */
		if (cgroup_parse_size(arg, &b) < 0 || b < AUDIT_MIN_BYTES ||
		    b > LONG_MAX) {
			fprintf(stderr, "aksup %s: bad value for "
			    "--audit-max-bytes: %s (a size of at least 64K, "
			    "with K, M or G)\n", cmd, arg);
			return -1;
		}
		snprintf(cfg->max_bytes, sizeof(cfg->max_bytes), "%llu",
		    (unsigned long long)b);
		return 1;
	case AUDIT_OPT_MAXRECS:
		if (parse_int(arg, 2, LONG_MAX, &v) < 0) {
			fprintf(stderr, "aksup %s: bad value for "
			    "--audit-max-records: %s (at least 2)\n", cmd, arg);
			return -1;
		}
		cfg->max_records = arg;
		return 1;
	default:
		return 0;
	}
 bad:
	fprintf(stderr, "aksup %s: %s %s: not a value it takes (%s)\n", cmd,
	    opt, arg, want);
	return -1;
}

int
audit_cli_check(const struct session_cfg *cfg, const char *cmd)
{
	if (cfg->seal_key_out == NULL &&
	    (cfg->seal_every != NULL || cfg->seal_interval != NULL)) {
		fprintf(stderr, "aksup %s: --seal-every and --seal-interval "
		    "need --seal-key-out\n", cmd);
		return -1;
	}
	return 0;
}
