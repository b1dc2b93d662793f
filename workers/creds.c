/*
 * workers/creds.c -- the source values the supervisor gave one worker
 * alone (a sealed memfd, "SOURCE\0VALUE\0" per source: the http
 * worker's credentials, the mcp servers' env) and the expansion of a
 * template ("${NAME}", "${file:/path}", "$$"; docs/POLICY.md §13, §14)
 * with them. A value never leaves the worker except where the template
 * puts it (a header, a server's environment): no error text and no
 * result names anything but the source. Pure but creds_read_fd.
 *
 * Runs in: aksup-worker-http, aksup-worker-mcp (the blob is read before
 * confinement, the templates expanded after). Privilege: none needed. Input: the
 * supervisor's blob (trusted, checked again: a bad one is fatal to the
 * caller) and the broker's templates (a confined peer: a template that
 * names no source in the blob is an error answer).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "workers/creds.h"

int
creds_load(struct credstore *cs, const char *blob, size_t len)
{
	size_t o = 0, i;
	const char *s, *v, *nul;

	memset(cs, 0, sizeof(*cs));
	if (len > CREDS_BLOB_MAX)
		return -1;
	while (o < len) {
		s = blob + o;
		if ((nul = memchr(s, '\0', len - o)) == NULL)
			return -1;
		o = (size_t)(nul - blob) + 1;
		if (o >= len || (nul = memchr(blob + o, '\0', len - o)) == NULL)
			return -1;
		v = blob + o;
		o = (size_t)(nul - blob) + 1;
		if (cs->n == CREDS_SOURCES_MAX || strpbrk(v, "\r\n") != NULL ||
		    !((strncmp(s, "ENV:", 4) == 0 && s[4] != '\0') ||
		    (strncmp(s, "FILE:/", 6) == 0 && s[6] != '\0')))
			return -1;
		for (i = 0; i < cs->n; i++)
			if (strcmp(cs->src[i], s) == 0)
				return -1;
		cs->src[cs->n] = s;
		cs->val[cs->n++] = v;
	}
	return 0;
}

const char *
creds_display(const char *src)
{
	if (strncmp(src, "ENV:", 4) == 0)
		return src + 4;
	if (strncmp(src, "FILE:", 5) == 0)
		return src + 5;
	return src;
}

/* Index of the source "PREFIX" + name[0..n), or -1. */
static int
find(const struct credstore *cs, const char *prefix, const char *name,
    size_t n)
{
	size_t i, pl = strlen(prefix);

	for (i = 0; i < cs->n; i++)
		if (strncmp(cs->src[i], prefix, pl) == 0 &&
		    strlen(cs->src[i] + pl) == n &&
		    memcmp(cs->src[i] + pl, name, n) == 0)
			return (int)i;
	return -1;
}

static void
mark(struct credused *u, int idx)
{
	size_t i;

	for (i = 0; i < u->n; i++)
		if (u->idx[i] == idx)
			return;
	if (u->n < CREDS_SOURCES_MAX)
		u->idx[u->n++] = (unsigned char)idx;
}

/* Append n bytes to the growing string. 0, or -1 (out of memory). */
static int
append(char **b, size_t *len, size_t *cap, const char *s, size_t n)
{
	char *nb;

	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		if ((nb = realloc(*b, *cap)) == NULL)
			return -1;
		*b = nb;
	}
	memcpy(*b + *len, s, n);
	*len += n;
	(*b)[*len] = '\0';
	return 0;
}

char *
creds_expand(const struct credstore *cs, const char *tmpl,
    struct credused *used, char *err, size_t errlen)
{
	char *b = NULL;
	size_t len = 0, cap = 0, n;
	const char *p = tmpl, *end, *prefix;
	int idx;

	if (append(&b, &len, &cap, "", 0) < 0)
		goto oom;
	while (*p != '\0') {
		if (*p != '$') {
			n = strcspn(p, "$");
			if (append(&b, &len, &cap, p, n) < 0)
				goto oom;
			p += n;
			continue;
		}
		if (p[1] == '$') {
			if (append(&b, &len, &cap, "$", 1) < 0)
				goto oom;
			p += 2;
			continue;
		}
		if (p[1] != '{' || (end = strchr(p + 2, '}')) == NULL) {
			snprintf(err, errlen, "credential template: a '$' that "
			    "is not ${NAME}, ${file:/path} or $$");
			goto fail;
		}
		p += 2;
		prefix = "ENV:";
		if (strncmp(p, "file:", 5) == 0) {
			prefix = "FILE:";
			p += 5;
		}
		n = (size_t)(end - p);
		if ((idx = find(cs, prefix, p, n)) < 0) {
			snprintf(err, errlen, "credential %s%.*s: the "
			    "supervisor gave no value for it", prefix,
			    (int)(n > 256 ? 256 : n), p);
			goto fail;
		}
		if (append(&b, &len, &cap, cs->val[idx],
		    strlen(cs->val[idx])) < 0)
			goto oom;
		mark(used, idx);
		p = end + 1;
	}
	return b;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	free(b);
	return NULL;
}

void
creds_read_fd(int fd, struct credstore *cs, char **blob)
{
	struct stat st;
	size_t off = 0;
	ssize_t n;

	memset(cs, 0, sizeof(*cs));
	*blob = NULL;
	if (fcntl(fd, F_GETFD) < 0)
		return;			/* the policy has none */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size < 0 || st.st_size > CREDS_BLOB_MAX)
		fatalx("source values: not a blob of at most %d bytes on fd %d",
		    CREDS_BLOB_MAX, fd);
	if ((*blob = malloc((size_t)st.st_size + 1)) == NULL)
		fatal("malloc");
	while (off < (size_t)st.st_size) {
		n = pread(fd, *blob + off, (size_t)st.st_size - off,
		    (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fatal("source values: read");
		off += (size_t)n;
	}
	close(fd);
	if (creds_load(cs, *blob, off) < 0)
		fatalx("source values: a malformed blob from the supervisor");
}

void
creds_scrub(const struct credstore *cs, char *msg)
{
	size_t i, vl;
	char *p;

	for (i = 0; i < cs->n; i++) {
		if ((vl = strlen(cs->val[i])) < 4)
			continue;
		while ((p = strstr(msg, cs->val[i])) != NULL) {
			memmove(p + 3, p + vl, strlen(p + vl) + 1);
			memcpy(p, "***", 3);
		}
	}
}

void
creds_mask(const struct credstore *cs, char *b, size_t len)
{
	size_t i, vl;
	char *p, *end = b + len;

	for (i = 0; b != NULL && i < cs->n; i++) {
		if ((vl = strlen(cs->val[i])) < 4)
			continue;
		for (p = b; p < end && (p = memmem(p, (size_t)(end - p),
		    cs->val[i], vl)) != NULL; p += vl)
			memset(p, '*', vl);
	}
}
