/*
 * fuzz/fuzz_url.c -- libFuzzer harness for the URL matcher (policy/url.c):
 * target parsing with libcurl plus our stricter checks, pattern compiling,
 * and component matching.
 *
 * Runs in: the fuzzer process only. Privilege: none. Input: a URL pattern,
 * a newline, a target URL (no newline: the input is the target, checked
 * against fixed patterns). Invariants (abort on failure):
 *  - a parsed target has a lower-case host without '%', '@', '\' or
 *    non-ASCII bytes, a port in 1..65535, a canonical path;
 *  - parsing is stable: the target rebuilt from its parts parses to the
 *    same parts;
 *  - a match means what the pattern says: the same scheme, the exact host
 *    (or exactly one more label for "*."), the port, no IP literal for a
 *    "**" host in an allow rule.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/internal.h"

static bool
same(const struct url_target *a, const struct url_target *b)
{
	return a->https == b->https && a->ip == b->ip && a->port == b->port &&
	    strcmp(a->host, b->host) == 0 && strcmp(a->path, b->path) == 0;
}

/* Rebuild a URL from parsed parts, percent-encoding the path. */
static void
rebuild(const struct url_target *t, char *out, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o;
	const unsigned char *p;

	o = (size_t)snprintf(out, size, "%s://%s:%d", t->https ? "https" :
	    "http", t->host, t->port);
	for (p = (const unsigned char *)t->path; *p != '\0' && o + 4 < size;
	    p++) {
		if (isalnum(*p) || *p == '/' || *p == '-' || *p == '_' ||
		    *p == '~' || *p == '.')
			out[o++] = (char)*p;
		else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	out[o] = '\0';
}

static void
check_target(const struct url_target *t)
{
	const unsigned char *h;

	if (t->port < 1 || t->port > 65535)
		abort();
	for (h = (const unsigned char *)t->host; *h != '\0'; h++)
		if (*h == '%' || *h == '@' || *h == '\\' || *h >= 0x80 ||
		    isupper(*h) || *h <= 0x20)
			abort();
	if (t->host[0] == '\0' || (t->host[strlen(t->host) - 1] == '.'))
		abort();
	if (t->path[0] != '/' || strstr(t->path, "//") != NULL ||
	    strstr(t->path, "/./") != NULL || strstr(t->path, "/../") != NULL)
		abort();
}

static void
check_match(const char *pat, const struct url_target *t)
{
	struct url_pat u;
	const char *why;
	size_t hl, pl;
	bool m, md;

	if (url_pat_compile(pat, &u, &why) != 0)
		return;
	m = url_match(&u, t, false, NULL, 0);
	md = url_match(&u, t, true, NULL, 0);
	if (m && !md)
		abort();	/* a deny rule matches at least as much */
	if (m) {
		if (u.https != t->https)
			abort();
		if (u.port != -1 && u.port != t->port)
			abort();
		switch (u.host_kind) {
		case HOST_EXACT:
			if (strcmp(u.host, t->host) != 0)
				abort();
			break;
		case HOST_ONE_LABEL:
			hl = strlen(t->host);
			pl = strlen(u.host);
			if (hl <= pl || strcmp(t->host + hl - pl, u.host) != 0 ||
			    memchr(t->host, '.', hl - pl) != NULL)
				abort();
			break;
		case HOST_ANY:
			if (t->ip)
				abort();
			break;
		}
	}
	url_pat_free(&u);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const pats[] = { "https://api.example.com/**",
	    "https://*.example.com/v1/*", "http://localhost:8080/**",
	    "https://**", "https://127.0.0.1:*/x", "https://[::1]/**" };
	static struct url_target t, t2;
	char *s, *nl, *target, rebuilt[3 * POLICY_PATH_MAX + 400];
	const char *why;
	size_t i;

	if (size > URL_MAX + 100)
		return 0;
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	nl = strchr(s, '\n');
	target = nl ? nl + 1 : s;
	if (nl)
		*nl = '\0';
	if (url_parse(target, &t, &why) != 0) {
		if (why == NULL)
			abort();
		goto out;
	}
	/* userinfo never survives, however it is spelled */
	{
		const char *a = strstr(target, "://");
		size_t alen = a ? strcspn(a + 3, "/?#") : 0;

		if (a == NULL || memchr(a + 3, '@', alen) != NULL)
			abort();
	}
	check_target(&t);
	rebuild(&t, rebuilt, sizeof(rebuilt));
	if (strlen(t.path) < POLICY_PATH_MAX / 3) {
		if (url_parse(rebuilt, &t2, &why) != 0 || !same(&t, &t2))
			abort();
	}
	if (nl)
		check_match(s, &t);
	for (i = 0; i < sizeof(pats) / sizeof(pats[0]); i++)
		check_match(pats[i], &t);
out:
	free(s);
	return 0;
}
