/*
 * supervisor/mcp.c -- what the supervisor opens for the mcp worker when
 * the broker's BROKER_READY names it: the pin file (the operator's,
 * appended to by the worker: common/mcp/pins.h), the values of the
 * servers' env sources (a sealed memfd, supervisor/creds.c), and the
 * servers' ro and roots directories (O_PATH, never through a symlink),
 * which the worker binds into each server's view.
 *
 * Runs in: aksup (the supervisor), before any worker starts.
 * Privilege: the invoking user's (root's as root); the pin file is
 * opened by its path as the invoking user (confine_as_invoker), as the
 * audit log is, so a sudo session never makes or opens a file there
 * that user could not.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <unistd.h>

#include "common/log.h"
#include "supervisor/confine.h"
#include "supervisor/session.h"

/* The pin file: made 0600 when missing; else a regular file of the
 * invoking user's (or root's) that nobody else may write. */
static int
pins_open(struct sess *s)
{
	char dir[PATH_MAX], *slash;
	const char *base;
	struct stat st;
	uid_t ou;
	gid_t og;

	/* (cli_default_pins' buffer is static: a copy, freed with s) */
	s->pinspath = s->cfg->mcp_pins != NULL ? strdup(s->cfg->mcp_pins) :
	    cli_default_pins(s->cfg->log_path) != NULL ?
	    strdup(cli_default_pins(s->cfg->log_path)) : NULL;
	if (s->pinspath == NULL)
		return -1;
	/* a relative path (--mcp-pins, or beside a relative --log-path):
	 * from the working directory, as the log's */
	if (s->pinspath[0] != '/') {
		char cwd[PATH_MAX], *abs;

		if (getcwd(cwd, sizeof(cwd)) == NULL ||
		    asprintf(&abs, "%s/%s", cwd, s->pinspath) < 0) {
			log_warn("mcp pin file %s", s->pinspath);
			return -1;
		}
		free(s->pinspath);
		s->pinspath = abs;
	}
	if (s->pinspath[0] != '/' || snprintf(dir, sizeof(dir), "%s",
	    s->pinspath) >= (int)sizeof(dir) ||
	    (slash = strrchr(dir, '/'))[1] == '\0') {
		log_warnx("mcp pin file %s: an absolute path of a file, please",
		    s->pinspath);
		return -1;
	}
	*slash = '\0';
	base = slash + 1;
	if ((s->pinsdir = open_nofollow(AT_FDCWD, dir[0] ? dir : "/",
	    O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		log_warn("mcp pin file %s: directory %s%s", s->pinspath,
		    dir[0] ? dir : "/", errno == ELOOP ? " (a symbolic link "
		    "on the way, which aksup does not follow)" : "");
		return -1;
	}
	/* its directory: one that others may write (not sticky) lets them
	 * remove the file, and with it every pin: the next contact would
	 * be a first one again */
	if (fstatat(s->pinsdir, "", &st, AT_EMPTY_PATH) < 0 ||
	    ((st.st_mode & 022) && !(st.st_mode & S_ISVTX))) {
		log_warnx("mcp pin file %s: its directory %s may be written by "
		    "others, who could remove the file and every pin with "
		    "it; put it in a directory of yours (chmod go-w)",
		    s->pinspath, dir[0] ? dir : "/");
		return -1;
	}
	/* (base points into dir, gone with this call: the path's own) */
	s->pinsbase = strrchr(s->pinspath, '/') + 1;
	s->pinsfd = openat(s->pinsdir, base, O_RDWR | O_APPEND | O_CREAT |
	    O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0600);
	if (s->pinsfd >= 0)
		s->pins_created = 1;
	else if (errno == EEXIST)
		s->pinsfd = openat(s->pinsdir, base, O_RDWR | O_APPEND |
		    O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (s->pinsfd < 0) {
		log_warn("mcp pin file %s%s", s->pinspath, errno == ELOOP ?
		    " (a symbolic link, which aksup does not follow)" : "");
		return -1;
	}
	if (fstat(s->pinsfd, &st) < 0 || !S_ISREG(st.st_mode)) {
		log_warnx("mcp pin file %s is not a regular file", s->pinspath);
		return -1;
	}
	if ((st.st_uid != geteuid() && (confine_files_owner(&ou, &og) < 0 ||
	    st.st_uid != ou)) || (st.st_mode & 022) != 0) {
		log_warnx("mcp pin file %s must belong to you and be writable "
		    "by you alone (it is uid %u, mode %03o: chmod go-w %s)",
		    s->pinspath, (unsigned)st.st_uid,
		    (unsigned)(st.st_mode & 0777), s->pinspath);
		return -1;
	}
	return 0;
}

/* A kernel's view of the host (processes, devices, the kernel's knobs):
 * never a server's, as never the agent's (--ro refuses them too). */
static int
kernel_fs(int fd)
{
	static const long types[] = { PROC_SUPER_MAGIC, SYSFS_MAGIC,
	    CGROUP_SUPER_MAGIC, CGROUP2_SUPER_MAGIC, DEBUGFS_MAGIC,
	    TRACEFS_MAGIC, SECURITYFS_MAGIC, BPF_FS_MAGIC, DEVPTS_SUPER_MAGIC,
	    0x1cd1 /* devtmpfs */ };
	struct statfs st;
	size_t i;

	if (fstatfs(fd, &st) < 0)
		return 1;		/* unknown: refused */
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if ((long)st.f_type == types[i])
			return 1;
	return 0;
}

/* Each server path: a directory, reached through no symlink, of no
 * kernel filesystem. A path missing is the operator's to make: the
 * session is refused. */
static int
paths_open(struct sess *s)
{
	int i;

	for (i = 0; i < s->nmcp; i++) {
		s->mcpfd[i] = open_nofollow(AT_FDCWD, s->mcppath[i], O_PATH |
		    O_DIRECTORY | O_CLOEXEC);
		if (s->mcpfd[i] >= 0 && kernel_fs(s->mcpfd[i])) {
			log_warnx("mcp server path %s (%s): a kernel filesystem "
			    "(proc, sysfs, cgroup, devices...) is never shown to "
			    "a server", s->mcppath[i], s->mcpid[i]);
			return -1;
		}
		if (s->mcpfd[i] < 0) {
			log_warn("mcp server path %s (%s)%s", s->mcppath[i],
			    s->mcpid[i], errno == ELOOP ? ": a symbolic link "
			    "on the way, which aksup does not follow; name the "
			    "real directory" : errno == ENOTDIR ? ": only "
			    "directories are shown to a server" : "");
			return -1;
		}
	}
	return 0;
}

int
mcp_open(struct sess *s)
{
	int rc;

	s->pinsfd = s->pinsdir = s->mcpenvfd = -1;
	if (confine_as_invoker(1) < 0) {
		log_warn("cannot take the invoking user's file ids");
		(void)confine_as_invoker(0);
		return -1;
	}
	rc = pins_open(s) < 0 || paths_open(s) < 0 ? -1 : 0;
	(void)confine_as_invoker(0);
	if (rc < 0)
		return -1;
	/* read as the invoking user by creds_open itself */
	if ((s->mcpenvfd = creds_open(s->mcpsrc, s->nmcpsrc,
	    "the policy's mcp_servers env")) == -2) {
		s->mcpenvfd = -1;
		return -1;
	}
	return 0;
}

/* A refused session leaves no pin file it made (empty still). */
void
mcp_unmake(struct sess *s)
{
	struct stat st;

	if (s->pins_created && s->pinsfd >= 0 && s->pinsdir >= 0 &&
	    fstat(s->pinsfd, &st) == 0 && st.st_size == 0)
		(void)unlinkat(s->pinsdir, s->pinsbase, 0);
	s->pins_created = 0;
}

void
mcp_close(struct sess *s)
{
	int i;

	if (s->mcpenvfd >= 0)
		close(s->mcpenvfd);
	for (i = 0; i < s->nmcp; i++)
		if (s->mcpfd[i] >= 0)
			close(s->mcpfd[i]);
	if (s->pinsfd >= 0)
		close(s->pinsfd);
	s->mcpenvfd = s->pinsfd = -1;
	s->nmcp = 0;
}
