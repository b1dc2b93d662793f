/*
 * policy/path.c -- lexical path normalization and the segment-aware glob.
 *
 * Runs in: the broker (confined: no filesystem, no network) and in the
 * supervisor's validate-policy check. Privilege: none. Pure string work:
 * no I/O, no exit(), no allocation on the matching path.
 *
 * A pattern is split once, at load, into segments of three kinds: a
 * literal (compared with memcmp), a glob (`*`, `?`, `[...]` or a `\`
 * escape, handed to fnmatch(3) with flags 0; a segment never holds a `/`,
 * so `*` cannot cross one) and `**`, which matches zero or more whole
 * segments. Matching is the classic greedy wildcard walk with one
 * backtrack point, over segments instead of characters: O(m * n).
 */

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

/* Shared with policy.c. */
#include "policy/glob.h"

#define GLOB_CHARS	"*?[\\"

enum seg_kind {
	SEG_LIT,
	SEG_GLOB,
	SEG_STAR2
};

struct gseg {
	const char *s;		/* NUL-terminated, inside glob->buf */
	size_t len;
	enum seg_kind kind;
};

struct glob {
	bool fs;		/* absolute path: "/" is zero segments */
	size_t nseg;
	struct gseg *seg;
	char *buf;
};

/* A cursor over the segments of a subject string, without copying. */
struct cursor {
	const char *s;		/* start of the current segment */
	bool done;
};

/*
 * Normalize right to left: a `..` cancels the nearest kept segment on its
 * left, and any `..` left over would climb above `/` and is dropped. This
 * gives the same result as the usual left-to-right stack, but lets us
 * size the result first and fail only when the *result* does not fit.
 */
static size_t
normalize_pass(const char *in, size_t inlen, char *out, size_t outend)
{
	size_t end = inlen, total = 0, pending = 0, start, len;

	while (end > 0) {
		start = end;
		while (start > 0 && in[start - 1] != '/')
			start--;
		len = end - start;
		end = start > 0 ? start - 1 : 0;
		if (len == 0 || (len == 1 && in[start] == '.'))
			continue;
		if (len == 2 && in[start] == '.' && in[start + 1] == '.') {
			pending++;
			continue;
		}
		if (pending > 0) {
			pending--;
			continue;
		}
		total += len + 1;
		if (out != NULL) {
			outend -= len;
			memcpy(out + outend, in + start, len);
			out[--outend] = '/';
		}
	}
	return total;
}

int
path_normalize(const char *in, size_t inlen, char *out, size_t outlen)
{
	size_t total;

	if (in == NULL || out == NULL || inlen == 0 || in[0] != '/')
		return -1;
	if (memchr(in, '\0', inlen) != NULL)
		return -1;
	total = normalize_pass(in, inlen, NULL, 0);
	if (total == 0) {
		if (outlen < 2)
			return -1;
		memcpy(out, "/", 2);
		return 0;
	}
	if (total + 1 > outlen)
		return -1;
	normalize_pass(in, inlen, out, total);
	out[total] = '\0';
	return 0;
}

/* True when path_normalize(path) would return path itself unchanged. */
bool
path_is_canonical(const char *path)
{
	const char *s, *e;
	size_t len;

	if (path == NULL || path[0] != '/')
		return false;
	len = strlen(path);
	if (len >= POLICY_PATH_MAX)
		return false;
	if (len == 1)
		return true;
	for (s = path + 1;; s = e + 1) {
		e = strchrnul(s, '/');
		len = e - s;
		if (len == 0)
			return false;	/* "//" or trailing "/" */
		if (s[0] == '.' && (len == 1 || (len == 2 && s[1] == '.')))
			return false;
		if (*e == '\0')
			return true;
	}
}

/*
 * Every "[" opens a class that closes in the same segment ("[]a]" and
 * "[!]a]" hold a literal "]", "[[:alpha:]]" a named class) and every "\"
 * escapes a following character. fnmatch(3) would read an unclosed "["
 * as a literal; we refuse it, so a pattern means one thing.
 */
bool
glob_seg_valid(const char *s, size_t len)
{
	size_t i, j;

	for (i = 0; i < len; i++) {
		if (s[i] == '\\') {
			if (++i >= len)
				return false;
			continue;
		}
		if (s[i] != '[')
			continue;
		j = i + 1;
		if (j < len && (s[j] == '!' || s[j] == '^'))
			j++;
		if (j < len && s[j] == ']')
			j++;
		for (; j < len && s[j] != ']'; j++) {
			if (s[j] == '[' && j + 1 < len && (s[j + 1] == ':' ||
			    s[j + 1] == '=' || s[j + 1] == '.')) {
				char kind = s[j + 1];

				for (j += 2; j + 1 < len && !(s[j] == kind &&
				    s[j + 1] == ']'); j++)
					;
				if (j + 1 >= len)
					return false;
				j++;
			}
		}
		if (j >= len)
			return false;
		i = j;
	}
	return true;
}

static int
classify(struct gseg *g)
{
	if (g->len == 2 && g->s[0] == '*' && g->s[1] == '*')
		g->kind = SEG_STAR2;
	else if (strstr(g->s, "**") != NULL)
		return -2;	/* "**" only as a whole segment */
	else if (strpbrk(g->s, GLOB_CHARS) != NULL) {
		if (!glob_seg_valid(g->s, g->len))
			return -3;
		g->kind = SEG_GLOB;
	} else
		g->kind = SEG_LIT;
	return 0;
}

/*
 * Compile a pattern. fs patterns are absolute and normalized; the others
 * are split on every '/' as they are. Returns 0, -1 (no memory), -2
 * (a "**" that is not a whole segment) or -3 (an unclosed "[" class or a
 * trailing backslash).
 */
int
glob_compile(const char *pattern, bool fs, struct glob **out)
{
	struct glob *g;
	char *p;
	size_t n, i;
	int rc = -1;

	*out = NULL;
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return -1;
	g->fs = fs;
	if ((g->buf = strdup(pattern)) == NULL)
		goto out;
	p = g->buf;
	if (fs && *p == '/')
		p++;
	n = (*p == '\0' && fs) ? 0 : 1;
	for (i = 0; p[i] != '\0'; i++)
		if (p[i] == '/')
			n++;
	if (n > 0 && (g->seg = calloc(n, sizeof(*g->seg))) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		char *e = strchrnul(p, '/');

		g->seg[i].s = p;
		g->seg[i].len = e - p;
		if (*e == '/')
			*e++ = '\0';
		p = e;
		if ((rc = classify(&g->seg[i])) != 0)
			goto out;
	}
	g->nseg = n;
	*out = g;
	g = NULL;
	rc = 0;
out:
	glob_free(g);
	return rc;
}

void
glob_free(struct glob *g)
{
	if (g == NULL)
		return;
	free(g->seg);
	free(g->buf);
	free(g);
}

static void
cursor_init(struct cursor *c, const char *path, bool fs)
{
	c->s = path;
	c->done = false;
	if (fs) {
		c->s++;		/* caller checked path[0] == '/' */
		if (*c->s == '\0')
			c->done = true;
	}
}

static size_t
cursor_len(const struct cursor *c)
{
	return strchrnul(c->s, '/') - c->s;
}

static void
cursor_next(struct cursor *c)
{
	const char *e = strchrnul(c->s, '/');

	if (*e == '/')
		c->s = e + 1;
	else
		c->done = true;
}

static bool
seg_match(const struct gseg *g, const struct cursor *c)
{
	char buf[POLICY_PATH_MAX];
	size_t len = cursor_len(c);

	if (g->kind == SEG_LIT)
		return len == g->len && memcmp(g->s, c->s, len) == 0;
	if (len >= sizeof(buf))
		return false;	/* fail closed on absurd segments */
	if (c->s[len] == '\0')
		return fnmatch(g->s, c->s, 0) == 0;
	memcpy(buf, c->s, len);
	buf[len] = '\0';
	return fnmatch(g->s, buf, 0) == 0;
}

bool
glob_match(const struct glob *g, const char *path)
{
	struct cursor cur, mark;
	size_t p = 0, star = 0;
	bool have_star = false;

	if (g == NULL || path == NULL || (g->fs && path[0] != '/'))
		return false;
	cursor_init(&cur, path, g->fs);
	mark = cur;
	while (!cur.done) {
		if (p < g->nseg && g->seg[p].kind == SEG_STAR2) {
			have_star = true;
			star = p++;
			mark = cur;
		} else if (p < g->nseg && seg_match(&g->seg[p], &cur)) {
			p++;
			cursor_next(&cur);
		} else if (have_star) {
			/* let the last "**" swallow one more segment */
			p = star + 1;
			cursor_next(&mark);
			cur = mark;
		} else
			return false;
	}
	while (p < g->nseg && g->seg[p].kind == SEG_STAR2)
		p++;
	return p == g->nseg;
}

bool
path_glob_match(const char *pattern, const char *path)
{
	struct glob *g;
	bool fs, ok;

	if (pattern == NULL || path == NULL)
		return false;
	fs = pattern[0] == '/';
	if (glob_compile(pattern, fs, &g) != 0)
		return false;
	ok = glob_match(g, path);
	glob_free(g);
	return ok;
}
