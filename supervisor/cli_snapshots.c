/*
 * supervisor/cli_snapshots.c -- aksup snapshots list|gc: the snapshot
 * store (docs/ROLLBACK.md) shown, and swept of what has expired, what is
 * damaged and the blobs no snapshot names.
 *
 * Runs in: aksup, the supervisor. Privilege: the invoking user's; the
 * store is opened by its path as that user (confine_as_invoker), no
 * symlink followed, every name beneath it one component checked for its
 * shape (a record id + ".json", 64 hex digits) before it is opened or
 * removed. It parses no metadata: it copies each metadata file's bytes,
 * one line each, to aksup-log (confined), which checks and shows them or
 * says, by the line's place, which may go (logview/snapshots.c).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "supervisor/confine.h"
#include "supervisor/supervisor.h"

#define NAMES_MAX	1000000		/* metadata files listed */
#define META_MAX	(1024 * 1024)	/* bytes of one (SNAP_META_MAX) */
#define HEX_LEN		64
#define GRACE_S		60		/* a newer unnamed blob or temp file
					   may be a running session's */

static const char snapshots_usage[] =
    "aksup snapshots list [--snapshot-dir DIR | --log-path F] "
    "[--session ID] [--json]\n"
    "       aksup snapshots gc [--snapshot-dir DIR | --log-path F]";

struct store {
	int dir, meta;		/* O_PATH store, its meta/ (O_RDONLY) */
	int lock;		/* gc: the store, O_RDONLY, flock'ed */
	char **names;		/* meta/'s record files */
	size_t n;
};

static int
beneath(int dirfd, const char *path, unsigned long long flags)
{
	struct open_how how;

	memset(&how, 0, sizeof(how));
	how.flags = flags | O_CLOEXEC;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
	    RESOLVE_NO_MAGICLINKS;
	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

static int
hexs_prefix(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f')))
			return 0;
	return 1;
}

static int
hexs(const char *s, size_t n)
{
	return hexs_prefix(s, n) && s[n] == '\0';
}

/* "<record id>.json" */
static int
meta_name(const char *s)
{
	return strlen(s) == 41 && strcmp(s + 36, ".json") == 0 &&
	    cli_id_prefix(s);
}

/* Open the store and list meta/: 0, 1 (no store there: said), -1. */
static int
store_open(const char *path, struct store *st)
{
	struct dirent *de;
	struct stat sb;
	DIR *d;
	int fd;

	memset(st, 0, sizeof(*st));
	st->dir = st->meta = st->lock = -1;
	/* the operator's path, no symlink on the way (as aksup run's) */
	st->dir = (int)syscall(SYS_openat2, AT_FDCWD, path,
	    &(struct open_how){ .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
	    .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS },
	    sizeof(struct open_how));
	if (st->dir < 0) {
		if (errno == ENOENT) {
			log_warnx("no snapshot store at %s (no snapshot taken "
			    "there yet)", path);
			return 1;
		}
		log_warn("snapshot store %s%s", path, errno == ELOOP ? " (a "
		    "symbolic link on the way, which aksup does not follow)" :
		    "");
		return -1;
	}
	/* a store aksup made or adopted holds its mark (supervisor/
	 * snapstore.c): nothing else is listed or swept */
	if (fstatat(st->dir, ".aksup-snapshot-store", &sb,
	    AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(sb.st_mode)) {
		log_warnx("%s is no snapshot store (no .aksup-snapshot-store in "
		    "it; aksup makes one where a session first needs it)", path);
		return -1;
	}
	if ((st->meta = beneath(st->dir, "meta", O_RDONLY | O_DIRECTORY)) < 0) {
		if (errno == ENOENT)
			return 0;
		log_warn("snapshot store %s: meta", path);
		return -1;
	}
	if ((fd = dup(st->meta)) < 0 || (d = fdopendir(fd)) == NULL) {
		log_warn("snapshot store %s: meta", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL && st->n < NAMES_MAX) {
		if (!meta_name(de->d_name))
			continue;
		if ((st->n & (st->n + 1)) == 0 &&	/* 0, 1, 3, 7, ... */
		    (st->names = reallocarray(st->names, 2 * st->n + 2,
		    sizeof(*st->names))) == NULL)
			fatal("realloc");
		if ((st->names[st->n++] = strdup(de->d_name)) == NULL)
			fatal("strdup");
	}
	closedir(d);
	return 0;
}

static void
store_close(struct store *st)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		free(st->names[i]);
	free(st->names);
	if (st->meta >= 0)
		close(st->meta);
	if (st->lock >= 0)
		close(st->lock);	/* (and its lock with it) */
	if (st->dir >= 0)
		close(st->dir);
}

/* One metadata file's bytes into out, as one line: the file when it is
 * exactly one line, else a line aksup-log refuses (its place kept). */
static void
copy_one(struct store *st, size_t i, FILE *out)
{
	static char buf[META_MAX];
	struct stat sb;
	ssize_t r = -1;
	int fd;

	fd = beneath(st->meta, st->names[i], O_RDONLY | O_NONBLOCK |
	    O_NOFOLLOW);
	if (fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
		if (sb.st_size > 0 && sb.st_size <= META_MAX)
			r = read(fd, buf, (size_t)sb.st_size);
		else
			r = 0;	/* empty or too large: damaged */
	}
	if (fd >= 0)
		close(fd);
	if (r > 0 && r == sb.st_size && buf[r - 1] == '\n' &&
	    memchr(buf, '\n', (size_t)r) == buf + r - 1)
		fwrite(buf, 1, (size_t)r, out);
	else
		fputs(r < 0 ? "unreadable\n" : "damaged\n", out);
}

/* aksup-log snapshots MODE, the store's lines on its stdin; its stdout
 * to outfd (-2: ours). Its exit status, or -1. */
static int
show(struct store *st, const char *mode, const char *session, int json,
    int outfd)
{
	char *largv[8];
	struct spawn sp;
	FILE *in;
	int p[2], n = 0, rc, cst;
	pid_t pid;
	size_t i;

	/* A copier, a child of ours, streams the files' bytes into a pipe
	 * while aksup-log reads it: what is held is a line, never the
	 * store (which an agent may have filled to its quota). */
	if (pipe2(p, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		log_warn("pipe");
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		if ((in = fdopen(p[1], "w")) == NULL)
			_exit(1);
		for (i = 0; i < st->n; i++)
			copy_one(st, i, in);
		_exit(fclose(in) == 0 ? 0 : 1);
	}
	close(p[1]);
	largv[n++] = "aksup-log";
	largv[n++] = "snapshots";
	largv[n++] = (char *)mode;
	if (session != NULL) {
		largv[n++] = "--session";
		largv[n++] = (char *)session;
	}
	if (json)
		largv[n++] = "--json";
	largv[n] = NULL;
	memset(&sp, 0, sizeof(sp));
	sp.role = ROLE_LOGVIEW;
	sp.argv = largv;
	sp.envp = helper_env();
	sp.stdin_fd = p[0];
	sp.stdout_fd = outfd;
	/* started as aksup starts its helpers; the store is read (and
	 * swept) as the invoking user again after */
	(void)confine_as_invoker(0);
	rc = run_helper(&sp);
	if (confine_as_invoker(1) < 0)
		rc = -1;
	close(p[0]);	/* (a copier aksup-log left is stopped by EPIPE) */
	while (waitpid(pid, &cst, 0) < 0)
		if (errno != EINTR)
			break;
	return rc;
}

static int
hexcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Files of dir (a store subdirectory, O_RDONLY) older than the grace
 * whose name passes want() and is not in keep[nkeep] (sorted): removed;
 * their count and bytes added. */
static void
sweep_dir(int dir, int (*want)(const char *), char **keep, size_t nkeep,
    size_t *count, unsigned long long *bytes)
{
	struct dirent *de;
	struct stat sb;
	time_t now = time(NULL);
	const char *key;
	DIR *d;
	int fd;

	if ((fd = dup(dir)) < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		key = de->d_name;
		if (!want(de->d_name) || (nkeep > 0 && bsearch(&key, keep,
		    nkeep, sizeof(*keep), hexcmp) != NULL))
			continue;
		if (fstatat(dir, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(sb.st_mode) || now - sb.st_mtime <= GRACE_S)
			continue;
		if (unlinkat(dir, de->d_name, 0) == 0) {
			++*count;
			*bytes += (unsigned long long)sb.st_size;
		}
	}
	closedir(d);
}

static int
blob_name(const char *s)
{
	return strlen(s) == HEX_LEN && hexs(s, HEX_LEN);
}

/* A name the fs worker gives a temp file: 16 hex digits, '-', then
 * "incoming" or "<record id>.json". */
static int
tmp_name(const char *s)
{
	return strlen(s) > 17 && hexs_prefix(s, 16) && s[16] == '-' &&
	    (strcmp(s + 17, "incoming") == 0 || meta_name(s + 17));
}

static int
gc(struct store *st)
{
	char line[128], **keep = NULL, *e, sub[8];
	size_t nkeep = 0, cap = 0, nexp = 0, ndam = 0, nblob = 0, ntmp = 0, k;
	unsigned long long bytes = 0, tbytes = 0;
	struct dirent *de;
	struct stat sb;
	FILE *plan;
	DIR *d;
	int pfd, rc, bdir, sfd;

	if ((pfd = memfd_create("aksup-snapshots-plan", MFD_CLOEXEC)) < 0) {
		log_warn("memfd_create");
		return EXIT_ERR;
	}
	if ((rc = show(st, "gc", NULL, 0, pfd)) != EXIT_OK ||
	    lseek(pfd, 0, SEEK_SET) < 0 || (plan = fdopen(pfd, "r")) == NULL) {
		close(pfd);
		return rc == EXIT_OK ? EXIT_ERR : rc;
	}
	while (fgets(line, sizeof(line), plan) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "blob ", 5) == 0 && blob_name(line + 5)) {
			if (nkeep == cap && (keep = reallocarray(keep,
			    cap = cap ? 2 * cap : 64, sizeof(*keep))) == NULL)
				fatal("reallocarray");
			if ((keep[nkeep++] = strdup(line + 5)) == NULL)
				fatal("strdup");
			continue;
		}
		errno = 0;
		k = strtoul(line + 8, &e, 10);
		if ((strncmp(line, "expired ", 8) != 0 && strncmp(line,
		    "damaged ", 8) != 0) || e == line + 8 || *e != '\0' ||
		    errno != 0 || k >= st->n) {
			log_warnx("aksup-log's gc plan holds a line it should "
			    "not: stopped, nothing more removed");
			rc = EXIT_ERR;
			goto out;
		}
		/* a regular file of that name, removed by the name aksup
		 * found itself (never one aksup-log gave) */
		if (fstatat(st->meta, st->names[k], &sb, AT_SYMLINK_NOFOLLOW) <
		    0 || !S_ISREG(sb.st_mode) || unlinkat(st->meta,
		    st->names[k], 0) < 0)
			continue;
		if (line[0] == 'e')
			nexp++;
		else
			ndam++;
	}
	if (nkeep > 0)
		qsort(keep, nkeep, sizeof(*keep), hexcmp);
	/* blobs/xx/: those no kept snapshot names */
	if ((bdir = beneath(st->dir, "blobs", O_RDONLY | O_DIRECTORY)) >= 0) {
		if ((d = fdopendir(dup(bdir))) != NULL) {
			while ((de = readdir(d)) != NULL) {
				if (strlen(de->d_name) != 2 ||
				    !hexs(de->d_name, 2))
					continue;
				snprintf(sub, sizeof(sub), "%.2s", de->d_name);
				if ((sfd = beneath(bdir, sub, O_RDONLY |
				    O_DIRECTORY)) < 0)
					continue;
				sweep_dir(sfd, blob_name, keep, nkeep, &nblob,
				    &bytes);
				close(sfd);
			}
			closedir(d);
		}
		close(bdir);
	}
	/* tmp/: what a killed session left (a running one's is newer) */
	if ((sfd = beneath(st->dir, "tmp", O_RDONLY | O_DIRECTORY)) >= 0) {
		sweep_dir(sfd, tmp_name, NULL, 0, &ntmp, &tbytes);
		close(sfd);
	}
	printf("removed %zu expired and %zu damaged snapshots, %zu blobs no "
	    "snapshot names (%llu bytes) and %zu leftover temp files; %zu "
	    "snapshots kept\n", nexp, ndam, nblob, bytes, ntmp,
	    st->n - nexp - ndam);
	rc = EXIT_OK;
out:
	fclose(plan);
	for (k = 0; k < nkeep; k++)
		free(keep[k]);
	free(keep);
	return rc;
}

int
cmd_snapshots(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "snapshot-dir", required_argument, NULL, 'd' },
		{ "log-path", required_argument, NULL, 'l' },
		{ "session", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *logp = NULL, *session = NULL, *mode;
	struct store st;
	int ch, json = 0, rc;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		if (argc >= 2) {
			printf("usage: %s\n\nlist: every snapshot in the store "
			    "(default: \"snapshots\" beside the log),\noldest "
			    "first (a command's tree snapshot: its program, its "
			    "first root, its\nentries and bytes); gc: removes the "
			    "expired and damaged ones, the blobs none\nnames and "
			    "temp files a killed session left (each older than a "
			    "minute).\nExit: 0 ok, 1 error, 2 usage.\n",
			    snapshots_usage);
			return EXIT_OK;
		}
		return cli_usage("snapshots", snapshots_usage, "list or gc, "
		    "please");
	}
	mode = argv[1];
	if (strcmp(mode, "list") != 0 && strcmp(mode, "gc") != 0)
		return cli_usage("snapshots", snapshots_usage, "list or gc, not "
		    "\"%s\"", mode);
	optind = 2;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 'l': logp = optarg; break;
		case 'S': session = optarg; break;
		case 'j': json = 1; break;
		case 'h':
			printf("usage: %s\n", snapshots_usage);
			return EXIT_OK;
		default:
			return cli_opt_error("snapshots", snapshots_usage, ch,
			    argv, opts);
		}
	}
	if (optind != argc)
		return cli_arg_error("snapshots", snapshots_usage,
		    argv[optind]);
	if (dir != NULL && logp != NULL)
		return cli_usage("snapshots", snapshots_usage,
		    "--snapshot-dir or --log-path, not both");
	if (mode[0] == 'g' && (session != NULL || json))
		return cli_usage("snapshots", snapshots_usage,
		    "gc takes no --session or --json");
	if (session != NULL && (strlen(session) != 36 ||
	    !cli_id_prefix(session)))
		return cli_usage("snapshots", snapshots_usage, "--session takes "
		    "a session id as the log writes it (36 characters, "
		    "lower-case)");
	if (dir == NULL && (dir = snapstore_default(logp)) == NULL)
		return EXIT_ERR;
	if (confine_as_invoker(1) < 0) {
		(void)confine_as_invoker(0);
		return EXIT_ERR;
	}
	rc = store_open(dir, &st);
	if (rc == 0 && mode[0] == 'g' && (st.lock = beneath(st.dir, ".",
	    O_RDONLY | O_DIRECTORY)) < 0) {
		log_warn("snapshot store %s", dir);
		rc = -1;
	}
	/* gc removes holding the store's lock exclusive, as a session's
	 * sweep does: no session is then between finding a blob there and
	 * writing the metadata that names it (workers/fs/store.c) */
	while (rc == 0 && mode[0] == 'g' && flock(st.lock, LOCK_EX) < 0)
		if (errno != EINTR) {
			log_warn("snapshot store %s: its lock", dir);
			rc = -1;
		}
	if (rc == 0)
		rc = mode[0] == 'l' ? show(&st, "list", session, json, -2) :
		    gc(&st);
	else
		rc = rc > 0 ? EXIT_OK : EXIT_ERR;
	(void)confine_as_invoker(0);
	store_close(&st);
	return rc;
}
