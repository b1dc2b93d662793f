/*
 * supervisor/view.c -- the plan of the external agent's mount view: the
 * system directories, the program, and only what the operator names
 * with --ro, each resolved through its symlinks so that what the chain
 * needs is there too. docs/SANDBOX.md "The agent's view".
 *
 * Runs in: aksup (supervisor), before the session starts. Privilege: the
 * invoking user's. It reads no file: lstat, readlink and access on the
 * names the operator gave (and on PATH, for a bare CMD). The agent's
 * child builds the view from this plan (supervisor/confine.c); nothing
 * outside the plan is mounted, and an argument of CMD no longer brings
 * its file in (a file no rule and no record mentions would be readable).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/jsonesc.h"
#include "common/log.h"
#include "supervisor/view.h"

/* The host's kernel interfaces never enter a view by --ro. */
static const char *const never[] = { "/proc", "/sys", "/dev", NULL };

/* 1 when p is dir or lies beneath it (both absolute, normalised). */
static int
beneath(const char *p, const char *dir)
{
	size_t n = strlen(dir);

	if (n == 1 && dir[0] == '/')
		return 1;
	return strncmp(p, dir, n) == 0 && (p[n] == '/' || p[n] == '\0');
}

static int
in_list(const char *p, const char *const *l)
{
	size_t i;

	for (i = 0; l[i] != NULL; i++)
		if (beneath(p, l[i]))
			return 1;
	return 0;
}

int
view_shows(const struct agent_view *v, const char *p)
{
	size_t i;

	if (in_list(p, view_system) || in_list(p, view_dev_ro) ||
	    in_list(p, view_dev_rw))
		return 1;
	for (i = 0; i < v->n; i++)
		if (v->e[i].link == NULL && (v->e[i].is_dir ?
		    beneath(p, v->e[i].path) : strcmp(p, v->e[i].path) == 0))
			return 1;
	return 0;
}

/* Kernel interfaces that no bind may bring in, wherever mounted. */
static int
pseudo_fs(int fd)
{
	static const long magic[] = { PROC_SUPER_MAGIC, SYSFS_MAGIC,
	    DEVPTS_SUPER_MAGIC, DEBUGFS_MAGIC, TRACEFS_MAGIC,
	    SECURITYFS_MAGIC, CGROUP_SUPER_MAGIC, CGROUP2_SUPER_MAGIC,
	    BPF_FS_MAGIC, SELINUX_MAGIC, SMACK_MAGIC, EFIVARFS_MAGIC,
	    0x62656570 /* configfs */, 0x1cd1 /* devpts alt */ };
	struct statfs sf;
	size_t i;

	if (fstatfs(fd, &sf) < 0)
		return 1;	/* cannot tell: not in the view */
	for (i = 0; i < sizeof(magic) / sizeof(magic[0]); i++)
		if ((long)sf.f_type == magic[i])
			return 1;
	return 0;
}

/* O_PATH of a real path, through no symlink (a parent swapped for one
 * since the walk fails here, ELOOP); -1 with errno. */
static int
open_real(const char *path)
{
	struct open_how how;

	memset(&how, 0, sizeof(how));
	how.flags = O_PATH | O_CLOEXEC;
	how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	return (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
}

int
view_reopen(const struct view_ent *e)
{
	struct stat st;
	int fd;

	if ((fd = open_real(e->path)) < 0)
		return -1;
	if (fstat(fd, &st) < 0 || st.st_dev != e->dev || st.st_ino != e->ino ||
	    (S_ISDIR(st.st_mode) != 0) != (e->is_dir != 0)) {
		close(fd);
		errno = ESTALE;
		return -1;
	}
	return fd;
}

static int
add(struct agent_view *v, const char *path, const char *link, int fd)
{
	struct view_ent *e;
	struct stat st;
	size_t i;

	for (i = 0; i < v->n; i++)
		if (strcmp(v->e[i].path, path) == 0) {
			if (fd >= 0)
				close(fd);
			return 0;	/* named twice */
		}
	if (v->n >= VIEW_MAX) {
		log_warnx("run: the agent's view would hold more than %d "
		    "paths (--ro and the links on their way): name fewer "
		    "--ro paths", VIEW_MAX);
		if (fd >= 0)
			close(fd);
		return errno = E2BIG, -1;
	}
	e = &v->e[v->n];
	memset(e, 0, sizeof(*e));
	e->fd = -1;
	if ((e->path = strdup(path)) == NULL ||
	    (link != NULL && (e->link = strdup(link)) == NULL))
		fatal("strdup");
	if (fd >= 0) {
		if (fstat(fd, &st) < 0)
			fatal("fstat");
		e->fd = fd;
		e->is_dir = S_ISDIR(st.st_mode);
		e->dev = st.st_dev;
		e->ino = st.st_ino;
	}
	v->n++;
	return 0;
}

/*
 * Walk `path` (absolute) one component at a time from "/". `cur` is
 * always a real path (no symlink in it), so ".." is lexical there. A
 * symlink met is planned as a link (unless something shows it already,
 * decided at the end) and its target walked in its place; the last real
 * path is planned as a bind. 0, or -1 with errno.
 */
static int
chain(struct agent_view *v, const char *path)
{
	char cur[PATH_MAX], rest[PATH_MAX], link[PATH_MAX], next[PATH_MAX];
	char tmp[PATH_MAX];
	char *c, *save;
	struct stat st;
	ssize_t n;
	int hops = 0, fd;

	cur[0] = '\0';
	if (snprintf(rest, sizeof(rest), "%s", path) >= (int)sizeof(rest))
		return errno = ENAMETOOLONG, -1;
	for (;;) {
		/* the next component of rest */
		c = rest;
		while (*c == '/')
			c++;
		if (*c == '\0')
			break;
		if ((save = strchr(c, '/')) != NULL)
			*save++ = '\0';
		if (strcmp(c, ".") == 0 || strcmp(c, "..") == 0) {
			if (c[1] == '.' && (c = strrchr(cur, '/')) != NULL)
				*c = '\0';
			memmove(rest, save ? save : "", strlen(save ? save : "") + 1);
			continue;
		}
		if (snprintf(next, sizeof(next), "%s/%s", cur, c) >=
		    (int)sizeof(next))
			return errno = ENAMETOOLONG, -1;
		memmove(rest, save ? save : "", strlen(save ? save : "") + 1);
		if (lstat(next, &st) < 0)
			return -1;
		if (!S_ISLNK(st.st_mode)) {
			memcpy(cur, next, strlen(next) + 1);
			continue;
		}
		if (++hops > 40)
			return errno = ELOOP, -1;
		if ((n = readlink(next, link, sizeof(link) - 1)) <= 0)
			return n == 0 ? (errno = ENOENT, -1) : -1;
		link[n] = '\0';
		if (add(v, next, link, -1) < 0)
			return -1;
		/* the target, then what was left of the path */
		if (snprintf(tmp, sizeof(tmp), "%s/%s", link, rest) >=
		    (int)sizeof(tmp))
			return errno = ENAMETOOLONG, -1;
		memcpy(rest, tmp, strlen(tmp) + 1);
		if (link[0] == '/')
			cur[0] = '\0';
	}
	if (cur[0] == '\0')
		strcpy(cur, "/");
	if (in_list(cur, never) || strcmp(cur, "/") == 0 ||
	    strcmp(cur, "/tmp") == 0)
		return errno = EPERM, -1;
	/* Pinned: the placement check and the child judge this inode. */
	if ((fd = open_real(cur)) < 0)
		return -1;
	if (pseudo_fs(fd)) {
		close(fd);
		return errno = EPERM, -1;
	}
	return add(v, cur, NULL, fd);
}

/* Drop each entry something else shows: the system part, a bound
 * directory above it. What is left never nests. */
static void
prune(struct agent_view *v)
{
	size_t i, j, k = 0;
	int shown;

	for (i = 0; i < v->n; i++) {
		shown = in_list(v->e[i].path, view_system);
		for (j = 0; j < v->n && !shown; j++)
			shown = j != i && v->e[j].link == NULL &&
			    v->e[j].is_dir && beneath(v->e[i].path, v->e[j].path);
		if (shown) {
			free(v->e[i].path);
			free(v->e[i].link);
			if (v->e[i].fd >= 0)
				close(v->e[i].fd);
		} else
			v->e[k++] = v->e[i];
	}
	v->n = k;
}

/* A path as the operator named it, made absolute (the working directory
 * in front of a relative one); symlinks are left for chain(). */
static int
absolute(const char *p, char *out, size_t len)
{
	char cwd[PATH_MAX];

	if (p[0] == '/')
		return snprintf(out, len, "%s", p) < (int)len ? 0 : -1;
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return -1;
	while (strncmp(p, "./", 2) == 0)
		p += 2;
	return snprintf(out, len, "%s/%s", strcmp(cwd, "/") ? cwd : "", p) <
	    (int)len ? 0 : -1;
}

/* CMD as an absolute path: a bare name on the operator's PATH (absolute
 * entries only: "." in PATH does not pick a program for the agent). */
static int
resolve_cmd(const char *cmd, char *out, size_t len)
{
	const char *path = getenv("PATH"), *p, *e;
	struct stat st;
	size_t dl;

	if (strchr(cmd, '/') != NULL)
		return absolute(cmd, out, len);
	if (path == NULL || *path == '\0')
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; *p; p = *e ? e + 1 : e) {
		e = strchrnul(p, ':');
		dl = (size_t)(e - p);
		if (dl == 0 || *p != '/' ||
		    snprintf(out, len, "%.*s/%s", (int)dl, p, cmd) >= (int)len)
			continue;
		if (stat(out, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(out, X_OK) == 0)
			return 0;
	}
	return -1;
}

/* ---- the record --------------------------------------------------------- */

struct sbuf {
	char *b;
	size_t len, cap;
	int bad;
};

static void
sput(struct sbuf *s, const char *str, int quote)
{
	size_t n = strlen(str), k = n;
	char *tmp = NULL;

	if (s->bad)
		return;
	if (quote) {
		if ((tmp = malloc(JSON_ESCAPE_MAX(n))) == NULL)
			fatal("malloc");
		/* 0: not UTF-8, no record can name it */
		if ((k = json_escape(tmp, str, n)) == 0)
			s->bad = 1;
		str = tmp;
	}
	if (!s->bad && s->len + k + 1 > s->cap)
		s->bad = 1;
	if (!s->bad) {
		memcpy(s->b + s->len, str, k);
		s->len += k;
		s->b[s->len] = '\0';
	}
	free(tmp);
}

static void
slist(struct sbuf *s, const char *name, const char *const *l,
    const struct agent_view *v, int binds)
{
	size_t i;
	int first = 1;

	sput(s, name, 0);
	sput(s, "[", 0);
	for (i = 0; l != NULL && l[i] != NULL; i++, first = 0) {
		sput(s, first ? "" : ",", 0);
		sput(s, l[i], 1);
	}
	for (i = 0; binds && i < v->n; i++) {
		if (v->e[i].link != NULL)
			continue;
		sput(s, first ? "" : ",", 0);
		sput(s, v->e[i].path, 1);
		first = 0;
	}
	sput(s, "]", 0);
}

static int
make_json(struct agent_view *v)
{
	static const char *const rw[] = { "/tmp", "/dev/shm", NULL };
	struct sbuf s = { NULL, 0, VIEW_JSON_MAX, 0 };
	size_t i;
	int first = 1;

	if ((s.b = malloc(s.cap)) == NULL)
		fatal("malloc");
	sput(&s, "{\"program\":", 0);
	sput(&s, v->program, 1);
	slist(&s, ",\"ro\":", view_system, v, 1);
	slist(&s, ",\"dev\":", view_dev_rw, v, 0);
	slist(&s, ",\"dev_ro\":", view_dev_ro, v, 0);
	slist(&s, ",\"rw\":", rw, v, 0);
	sput(&s, ",\"links\":{", 0);
	for (i = 0; i < v->n; i++) {
		if (v->e[i].link == NULL)
			continue;
		sput(&s, first ? "" : ",", 0);
		sput(&s, v->e[i].path, 1);
		sput(&s, ":", 0);
		sput(&s, v->e[i].link, 1);
		first = 0;
	}
	sput(&s, "},\"home\":\"" VIEW_HOME "\"}", 0);
	if (s.bad) {
		free(s.b);
		log_warnx("run: the agent's view cannot be recorded (a path "
		    "that is not UTF-8, or more than %d bytes of paths): name "
		    "fewer or shorter --ro paths", VIEW_JSON_MAX);
		return -1;
	}
	v->json = s.b;
	return 0;
}

int
view_plan(struct agent_view *v, const char *cmd, char *const *ro, size_t nro)
{
	char prog[PATH_MAX];
	size_t i;

	memset(v, 0, sizeof(*v));
	if (resolve_cmd(cmd, prog, sizeof(prog)) < 0) {
		log_warnx("run: %s: command not found (looked for it on your "
		    "PATH; give a path to run another program)", cmd);
		return 127;
	}
	if ((v->program = strdup(prog)) == NULL)
		fatal("strdup");
	if (chain(v, prog) < 0) {
		if (errno == ENOENT || errno == ENOTDIR) {
			log_warnx("run: %s: command not found", prog);
			return 127;
		}
		log_warn("run: %s: cannot put it in the agent's view", prog);
		return -1;
	}
	for (i = 0; i < nro; i++) {
		if (absolute(ro[i], prog, sizeof(prog)) == 0 &&
		    chain(v, prog) == 0)
			continue;
		if (errno == EPERM)
			log_warnx("run: --ro %s: the root directory, /tmp "
			    "(the agent has its own), the host's /proc, /sys "
			    "and /dev, and kernel file systems (proc, sysfs, "
			    "cgroup...) wherever mounted are never put in the "
			    "agent's view", ro[i]);
		else if (errno != E2BIG)	/* (that one is said) */
			log_warn("run: --ro %s", ro[i]);
		return -1;
	}
	prune(v);
	return make_json(v);
}

/* dir/NAME exists (lstat: a venv's marker, a prefix's lib/). */
static int
has(const char *dir, const char *name)
{
	char p[PATH_MAX];
	struct stat st;

	return snprintf(p, sizeof(p), "%s/%s", dir, name) < (int)sizeof(p) &&
	    lstat(p, &st) == 0;
}

/* The directory above path's directory ("/a/bin/x" -> "/a"), or "". */
static void
grandparent(const char *path, char *out, size_t len)
{
	char *s;

	snprintf(out, len, "%s", path);
	for (int k = 0; k < 2; k++)
		if ((s = strrchr(out, '/')) != NULL)
			*s = '\0';
	if (out[0] != '/')
		out[0] = '\0';
}

/* What CMD needs that the view lacks, guessed from the program: the
 * interpreter of a #! script, its PREFIX/lib, a venv's pyvenv.cfg. Only
 * said (the agent may not need it); each names the --ro to add. */
static void
warn_program(const struct agent_view *v)
{
	char line[256], dir[PATH_MAX], *interp, *real, *e;
	struct stat st;
	ssize_t n;
	int fd;

	if (strstr(v->program, "/shims/") != NULL)
		log_warnx("run: %s looks like a version manager's shim (pyenv, "
		    "rbenv, asdf): it runs the manager, which the agent cannot "
		    "see; give the interpreter's own path (pyenv which python3) "
		    "and --ro of its version's directory", v->program);
	grandparent(v->program, dir, sizeof(dir));
	if (dir[0] != '\0' && has(dir, "pyvenv.cfg") && !view_shows(v, dir))
		log_warnx("run: %s is a venv's interpreter; for Python to use "
		    "the venv's packages, add --ro %s", v->program, dir);
	if ((real = realpath(v->program, NULL)) == NULL)
		return;
	grandparent(real, dir, sizeof(dir));
	if (!in_list(real, view_system) && dir[0] != '\0' &&
	    has(dir, "lib") && !view_shows(v, dir) && !has(dir, "pyvenv.cfg"))
		log_warnx("run: %s lies in %s/bin; if it needs %s/lib, add "
		    "--ro %s", real, dir, dir, dir);
	/* The program's first line, nothing more: opened without blocking
	 * (a FIFO named as CMD would hang us here) and read only when it
	 * is a regular file. */
	if ((fd = open(real, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) >= 0) {
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    (n = read(fd, line, sizeof(line) - 1)) > 2 &&
		    strncmp(line, "#!", 2) == 0) {
			line[n] = '\0';
			for (interp = line + 2; *interp == ' ' || *interp == '\t';
			    interp++)
				;
			interp[strcspn(interp, " \t\r\n")] = '\0';
			e = interp[0] == '/' ? realpath(interp, NULL) : NULL;
			if (e != NULL && !view_shows(v, e)) {
				grandparent(e, dir, sizeof(dir));
				log_warnx("run: %s is a script for %s, which the "
				    "agent cannot see; add --ro %s (or run the "
				    "interpreter itself)", v->program, interp,
				    dir[0] != '\0' ? dir : e);
			}
			free(e);
		}
		close(fd);
	}
	free(real);
}

void
view_warn_program(const struct agent_view *v)
{
	warn_program(v);
}

/* 1 when p lies at or beneath one of the policy's fs roots. */
static int
under_root(const char *p, const char *const *roots, size_t nroots)
{
	size_t i;

	for (i = 0; i < nroots; i++)
		if (roots[i] != NULL && beneath(p, roots[i]))
			return 1;
	return 0;
}

void
view_warn_args(const struct agent_view *v, char *const *argv,
    const char *const *roots, size_t nroots)
{
	char *real, *seen[64];
	size_t i, j, ns = 0;

	for (i = 1; argv[i] != NULL; i++) {
		if (argv[i][0] == '-' || (real = realpath(argv[i], NULL)) == NULL)
			continue;
		for (j = 0; j < ns && strcmp(seen[j], real) != 0; j++)
			;
		/* said once; not for what the view shows, nor for what the
		 * agent reaches by asking (a path beneath an fs root) */
		if (j < ns || view_shows(v, real) || under_root(real, roots,
		    nroots) || under_root(argv[i], roots, nroots)) {
			free(real);
			continue;
		}
		log_warnx("run: %s names a file the agent can neither open "
		    "nor ask for (it is outside every fs root of the policy); "
		    "to let it read it, add --ro %s (before --; --ro . for a "
		    "project)", argv[i], argv[i]);
		if (ns < 64)
			seen[ns++] = real;
		else
			free(real);
	}
	for (j = 0; j < ns; j++)
		free(seen[j]);
}

void
view_free(struct agent_view *v)
{
	size_t i;

	for (i = 0; i < v->n; i++) {
		free(v->e[i].path);
		free(v->e[i].link);
		if (v->e[i].fd >= 0)
			close(v->e[i].fd);
	}
	free(v->program);
	free(v->json);
	memset(v, 0, sizeof(*v));
}
