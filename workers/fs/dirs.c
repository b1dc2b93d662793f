/*
 * workers/fs/dirs.c -- the fs worker's directory walks: a path split into
 * parent and name, names checked before anything is made, a directory
 * opened (and its missing parents made) one component at a time beneath
 * a root, and the directories one request made removed again.
 *
 * Runs in: aksup-worker-fs (confined). Privilege: the files' owner's file
 * rights beneath the root dirfds, as Landlock grants them. Every open is
 * open_beneath (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | ...), one name at
 * a time where it creates or removes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "workers/fs/beneath.h"
#include "workers/fs/fs.h"

/* Split "a/b/c" into parent "a/b" and name "c" (parent "." for "c"). */
int
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

/* Every name in rel can be created: 1..NAME_MAX bytes, not "." or "..".
 * Checked before anything is made, so a bad last name creates nothing. */
int
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
void
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
int
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

