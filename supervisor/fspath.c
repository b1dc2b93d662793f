/*
 * supervisor/fspath.c -- where an open directory lies inside its
 * filesystem, whatever mount shows it: the mount's root within the
 * filesystem (mountinfo's fourth field) joined to the directory's path
 * below the mount point. Two directories of one filesystem (one st_dev)
 * are nested exactly when these paths are; a bind mount of a
 * subdirectory cannot hide that, as it hides it from a walk up by "..".
 *
 * Runs in: aksup (supervisor). Privilege: the invoking user's. Reads
 * /proc/self/fdinfo, /proc/self/fd and /proc/self/mountinfo of its own
 * process: the kernel's account of descriptors it already holds.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "supervisor/supervisor.h"

/* The mount id the kernel gives FD (fdinfo's mnt_id), or -1. */
static long
mount_id(int fd)
{
	char name[64], line[256];
	long id = -1;
	FILE *f;

	snprintf(name, sizeof(name), "/proc/self/fdinfo/%d", fd);
	if ((f = fopen(name, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "mnt_id: %ld", &id) == 1)
			break;
	fclose(f);
	return id;
}

/* mountinfo's octal escapes (\040 for a space) undone in place. */
static void
unescape(char *s)
{
	char *d = s;

	for (; *s; s++, d++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
			    (s[3] - '0'));
			s += 3;
		} else
			*d = *s;
	}
	*d = '\0';
}

/* Mount ID's root (within its filesystem) and mount point, or -1. */
static int
mount_of(long id, char *root, char *point, size_t n)
{
	char *line = NULL, *f[5], *save = NULL, *p;
	size_t cap = 0;
	int rc = -1, k;
	FILE *m;

	if ((m = fopen("/proc/self/mountinfo", "re")) == NULL)
		return -1;
	while (rc < 0 && getline(&line, &cap, m) > 0) {
		for (k = 0, p = line; k < 5; k++, p = NULL)
			if ((f[k] = strtok_r(p, " \n", &save)) == NULL)
				break;
		if (k < 5 || strtol(f[0], NULL, 10) != id)
			continue;
		unescape(f[3]);
		unescape(f[4]);
		if (strlen(f[3]) >= n || strlen(f[4]) >= n)
			break;
		strcpy(root, f[3]);
		strcpy(point, f[4]);
		rc = 0;
	}
	free(line);
	fclose(m);
	return rc;
}

int
fs_internal_path(int fd, char *out, size_t n)
{
	char link[64], path[PATH_MAX], root[PATH_MAX], point[PATH_MAX];
	const char *below;
	size_t pl;
	ssize_t len;
	long id;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((id = mount_id(fd)) < 0 ||
	    (len = readlink(link, path, sizeof(path) - 1)) <= 0)
		return -1;
	path[len] = '\0';
	if (path[0] != '/' ||
	    mount_of(id, root, point, sizeof(root)) < 0)
		return -1;	/* unreachable, deleted, or no such mount */
	/* The path below the mount point: the kernel names the fd from
	 * our root through that very mount, so the point is its prefix. */
	pl = strcmp(point, "/") == 0 ? 0 : strlen(point);
	if (strncmp(path, point, pl) != 0 ||
	    (path[pl] != '\0' && path[pl] != '/'))
		return -1;
	below = path + pl;
	if (strcmp(root, "/") == 0)
		root[0] = '\0';
	if (snprintf(out, n, "%s%s", root, below) >= (int)n)
		return -1;
	if (out[0] == '\0')
		strcpy(out, "/");
	return 0;
}

int
fs_path_beneath(const char *inner, const char *outer)
{
	size_t ol = strlen(outer);

	if (strcmp(outer, "/") == 0)
		return 1;
	return strncmp(inner, outer, ol) == 0 &&
	    (inner[ol] == '\0' || inner[ol] == '/');
}
