/*
 * policy/url.c -- URL patterns and targets for net.http, matched by
 * component (scheme, host, port, path), never as strings.
 *
 * Runs in: the broker (confined by ROLE_BROKER: libcurl's URL API is pure
 * parsing, malloc only) and in its --check / --explain modes. Privilege:
 * none. No I/O, no exit().
 *
 * Targets are parsed with libcurl (curl_url_set), the parser the http
 * worker uses, and then held to a stricter shape than curl accepts, so
 * that no other URL parser could read a different host out of them:
 * "http://" or "https://" literally, no userinfo, no '%' '\' or non-ASCII
 * byte in the authority, no IPv6 zone, no encoded '/', '.', '\' or NUL in
 * the path. The path is percent-decoded and normalized like a file path
 * before it is matched, so "/v1/%61dmin/../x" is "/v1/x".
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "policy/internal.h"

static bool
has_prefix_ci(const char *s, const char *p)
{
	return strncasecmp(s, p, strlen(p)) == 0;
}

static void
lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* A dotted quad (curl has already turned 0x7f.1, 2130706433 ... into
 * one) or a bracketed IPv6 address: anything else is no IP literal. */
static bool
is_ip_literal(const char *h)
{
	struct in_addr a4;
	struct in6_addr a6;
	char buf[URL_HOST_MAX];
	size_t len = strlen(h);

	if (h[0] == '[') {
		if (len < 3 || len >= sizeof(buf) || h[len - 1] != ']')
			return false;
		memcpy(buf, h + 1, len - 2);
		buf[len - 2] = '\0';
		return inet_pton(AF_INET6, buf, &a6) == 1;
	}
	return inet_pton(AF_INET, h, &a4) == 1;
}

/* A DNS name as we accept it: LDH labels of 1..63 bytes, no empty label. */
static bool
is_dns_name(const char *h)
{
	size_t label = 0, total = 0;

	for (; *h != '\0'; h++, total++) {
		unsigned char c = (unsigned char)*h;

		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!isalnum(c) && c != '-' && c != '_')
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0 && total < 254;
}

/*
 * A name whose last label is a number ("0x7f", "1.2.3.4.", "017") is
 * read as an IPv4 address by URL parsers (WHATWG, curl) and by
 * inet_aton: it is not a DNS name, and curl has already turned the ones
 * it reads as addresses into dotted quads. What is left is ambiguous.
 */
static bool
numeric_tail(const char *h)
{
	const char *l = strrchr(h, '.');

	l = l ? l + 1 : h;
	if (l[0] == '0' && (l[1] == 'x' || l[1] == 'X'))
		return strspn(l + 2, "0123456789abcdefABCDEF") ==
		    strlen(l + 2);
	return strspn(l, "0123456789") == strlen(l);
}

static int
scheme_default_port(bool https)
{
	return https ? 443 : 80;
}

/*
 * Decode %XX in a path (curl leaves them as written). Encoded '/', '.',
 * '\' and NUL are refused: they are how a path that means one thing to
 * us means another to a server. Returns 0 or -1.
 */
static int
decode_path(const char *in, char *out, size_t size, const char **why)
{
	size_t o = 0;
	int hi, lo;

	for (; *in != '\0'; in++) {
		unsigned char c = (unsigned char)*in;

		if (c == '%') {
			if (!isxdigit((unsigned char)in[1]) ||
			    !isxdigit((unsigned char)in[2])) {
				*why = "bad percent-encoding in the path";
				return -1;
			}
			hi = isdigit((unsigned char)in[1]) ? in[1] - '0' :
			    (tolower((unsigned char)in[1]) - 'a' + 10);
			lo = isdigit((unsigned char)in[2]) ? in[2] - '0' :
			    (tolower((unsigned char)in[2]) - 'a' + 10);
			c = (unsigned char)(hi * 16 + lo);
			if (c == '/' || c == '.' || c == '\\' || c == '\0') {
				*why = "encoded '/', '.', '\\' or NUL in the path";
				return -1;
			}
			in += 2;
		}
		if (o + 1 >= size) {
			*why = "path too long";
			return -1;
		}
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

/* ---- targets ------------------------------------------------------------ */

int
url_parse(const char *url, struct url_target *t, const char **why)
{
	char decoded[POLICY_PATH_MAX];
	char *host = NULL, *port = NULL, *path = NULL, *user = NULL;
	char *pass = NULL, *zone = NULL, *scheme = NULL;
	const char *a, *e;
	CURLU *u = NULL;
	size_t len, i;
	int rc = -1;

	memset(t, 0, sizeof(*t));
	*why = NULL;
	len = strlen(url);
	if (len == 0 || len > URL_MAX) {
		*why = "empty or too long";
		return -1;
	}
	/* The shape curl would also accept, but other parsers might read
	 * differently: insist on the plain form. */
	if (has_prefix_ci(url, "https://")) {
		t->https = true;
		a = url + 8;
	} else if (has_prefix_ci(url, "http://")) {
		a = url + 7;
	} else {
		*why = "only http:// and https:// URLs are allowed";
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)url[i];

		if (c <= 0x20 || c == 0x7f || c == '\\') {
			*why = "control character, space or '\\' in the URL";
			return -1;
		}
		/* what the http worker sends is what was decided: raw
		 * bytes would be sent as they are, or re-encoded */
		if (c >= 0x80) {
			*why = "a non-ASCII byte in the URL (percent-encode it)";
			return -1;
		}
	}
	e = a + strcspn(a, "/?#");
	for (i = 0; a + i < e; i++) {
		unsigned char c = (unsigned char)a[i];

		if (c == '@') {
			*why = "userinfo (user@) is not allowed";
			return -1;
		}
		if (c == '%' || c >= 0x80) {
			*why = "percent-encoded or non-ASCII host";
			return -1;
		}
	}
	if ((u = curl_url()) == NULL) {
		*why = "out of memory";
		return -1;
	}
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
		*why = "not a valid URL";
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) ||
	    t->https != (strcmp(scheme, "https") == 0)) {
		*why = "only http:// and https:// URLs are allowed";
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PASSWORD, &pass, 0) == CURLUE_OK) {
		*why = "userinfo (user@) is not allowed";
		goto out;
	}
	if (curl_url_get(u, CURLUPART_ZONEID, &zone, 0) == CURLUE_OK) {
		*why = "IPv6 zone ids are not allowed";
		goto out;
	}
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    host[0] == '\0') {
		*why = "no host";
		goto out;
	}
	len = strlen(host);
	if (len > 1 && host[len - 1] == '.' && host[0] != '[')
		host[--len] = '\0';	/* "example.com." is example.com */
	if (len >= sizeof(t->host)) {
		*why = "host name too long";
		goto out;
	}
	memcpy(t->host, host, len + 1);
	lower(t->host);
	t->ip = is_ip_literal(t->host);
	if (!t->ip && (!is_dns_name(t->host) || numeric_tail(t->host))) {
		*why = "not a valid host name";
		goto out;
	}
	if (curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
	    CURLUE_OK) {
		t->port = scheme_default_port(t->https);
	} else {
		t->port = atoi(port);
		if (t->port <= 0 || t->port > 65535) {
			*why = "bad port";
			goto out;
		}
	}
	if (curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK) {
		*why = "no path";
		goto out;
	}
	if (decode_path(path, decoded, sizeof(decoded), why) < 0)
		goto out;
	if (decoded[0] != '/' || path_normalize(decoded, strlen(decoded),
	    t->path, sizeof(t->path)) < 0) {
		*why = "bad path";
		goto out;
	}
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(user);
	curl_free(pass);
	curl_free(zone);
	curl_url_cleanup(u);
	return rc;
}

/* ---- patterns ----------------------------------------------------------- */

void
url_pat_free(struct url_pat *u)
{
	free(u->host);
	glob_free(u->path);
	memset(u, 0, sizeof(*u));
}

/* Run an exact pattern host through curl, so that "127.1" is "127.0.0.1"
 * and "[::1]" is what a target's host will be. */
static int
canon_host(const char *host, bool https, char **out)
{
	struct url_target t;
	const char *why;
	char buf[URL_HOST_MAX + 16];

	if (snprintf(buf, sizeof(buf), "%s://%s/", https ? "https" : "http",
	    host) >= (int)sizeof(buf))
		return -1;
	if (url_parse(buf, &t, &why) < 0)
		return -1;
	if ((*out = strdup(t.host)) == NULL)
		return -1;
	return 0;
}

int
url_pat_compile(const char *pat, struct url_pat *u, const char **why)
{
	char host[URL_HOST_MAX], norm[POLICY_PATH_MAX];
	const char *a, *e, *colon, *path;
	size_t hlen;
	char *end;
	long port;
	int rc;

	memset(u, 0, sizeof(*u));
	u->port = 0;
	if (strncmp(pat, "https://", 8) == 0) {
		u->https = true;
		a = pat + 8;
	} else if (strncmp(pat, "http://", 7) == 0) {
		a = pat + 7;
	} else {
		*why = "must start with http:// or https://";
		return -1;
	}
	e = a + strcspn(a, "/");
	path = *e == '/' ? e : NULL;
	if (memchr(a, '@', e - a) != NULL) {
		*why = "must not contain userinfo (user@)";
		return -1;
	}
	if (strpbrk(pat, "#\\") != NULL || memchr(a, '?', e - a) != NULL) {
		*why = "must not contain '#', '\\' or a '?' in the host";
		return -1;
	}
	/* port: the last ':' after a possible "[v6]" */
	colon = NULL;
	{
		const char *s = a;

		if (*s == '[') {
			const char *rb = memchr(s, ']', e - s);

			if (rb == NULL) {
				*why = "unterminated IPv6 address";
				return -1;
			}
			s = rb;
		}
		colon = memchr(s, ':', e - s);
	}
	hlen = (colon ? colon : e) - a;
	if (hlen == 0 || hlen >= sizeof(host)) {
		*why = "bad host";
		return -1;
	}
	memcpy(host, a, hlen);
	host[hlen] = '\0';
	u->port = scheme_default_port(u->https);
	u->port_explicit = colon != NULL;
	if (colon != NULL) {
		if (e - colon == 2 && colon[1] == '*')
			u->port = -1;
		else {
			port = strtol(colon + 1, &end, 10);
			if (end != e || end == colon + 1 || port < 1 ||
			    port > 65535 || colon[1] == '+' ||
			    colon[1] == '-') {
				*why = "bad port (a number 1-65535 or *)";
				return -1;
			}
			u->port = (int)port;
		}
	}
	if (strcmp(host, "**") == 0) {
		u->host_kind = HOST_ANY;
	} else if (host[0] == '*' && host[1] == '.') {
		u->host_kind = HOST_ONE_LABEL;
		lower(host);
		if (!is_dns_name(host + 2) || strchr(host + 2, '*') != NULL) {
			*why = "bad host after \"*.\"";
			return -1;
		}
		if ((u->host = strdup(host + 1)) == NULL)
			goto nomem;
	} else {
		if (strpbrk(host, "*?[]") != NULL && host[0] != '[') {
			*why = "host wildcards are only \"**\" and a leftmost "
			    "\"*.\"";
			return -1;
		}
		u->host_kind = HOST_EXACT;
		if (canon_host(host, u->https, &u->host) < 0) {
			*why = "bad host";
			return -1;
		}
		u->host_ip = is_ip_literal(u->host);
	}
	/* A "**" host without a path is the Python project's "any URL":
	 * any path too (any port only with ":*"). */
	if (path == NULL)
		path = u->host_kind == HOST_ANY ? "/**" : "/";
	if (strlen(path) >= sizeof(norm) ||
	    path_normalize(path, strlen(path), norm, sizeof(norm)) < 0) {
		*why = "bad path";
		goto fail;
	}
	{
		/* no "." or ".." segments: write the path you mean */
		char tmp[POLICY_PATH_MAX];

		snprintf(tmp, sizeof(tmp), "%s/", path);
		if (strstr(tmp, "/./") != NULL || strstr(tmp, "/../") != NULL ||
		    strchr(path, '%') != NULL) {
			*why = "path must not contain \".\", \"..\" or '%'";
			goto fail;
		}
	}
	rc = glob_compile(norm, true, &u->path);
	if (rc == -2) {
		*why = "\"**\" must be a whole path segment";
		goto fail;
	}
	if (rc == -3) {
		*why = "bad character class or escape in the path";
		goto fail;
	}
	if (rc != 0)
		goto nomem;
	return 0;
nomem:
	*why = "out of memory";
fail:
	url_pat_free(u);
	return -1;
}

/* ---- matching ----------------------------------------------------------- */

bool
url_match(const struct url_pat *u, const struct url_target *t, bool deny,
    char *why, size_t whylen)
{
	size_t hl, pl;

	if (u->https != t->https) {
		if (why)
			snprintf(why, whylen, "scheme %s is not %s",
			    t->https ? "https" : "http",
			    u->https ? "https" : "http");
		return false;
	}
	switch (u->host_kind) {
	case HOST_ANY:
		if (t->ip && !deny) {
			if (why)
				snprintf(why, whylen, "host %s is an IP literal "
				    "(\"**\" matches names only)", t->host);
			return false;
		}
		break;
	case HOST_ONE_LABEL:
		/* An allow's "*." is one label; a deny's covers every name
		 * beneath the domain, so an extra label cannot step round it. */
		hl = strlen(t->host);
		pl = strlen(u->host);
		if (t->ip || hl <= pl || strcmp(t->host + hl - pl, u->host) != 0 ||
		    (!deny && memchr(t->host, '.', hl - pl) != NULL)) {
			if (why)
				snprintf(why, whylen, "host %s is not one label "
				    "under %s", t->host, u->host + 1);
			return false;
		}
		break;
	case HOST_EXACT:
		if (strcmp(u->host, t->host) != 0) {
			if (why)
				snprintf(why, whylen, "host %s is not %s",
				    t->host, u->host);
			return false;
		}
		break;
	}
	/* A deny rule without a port denies on every port: naming another
	 * port must not step round it. */
	if (u->port != -1 && !(deny && !u->port_explicit) &&
	    u->port != t->port) {
		if (why)
			snprintf(why, whylen, "port %d is not %d", t->port,
			    u->port);
		return false;
	}
	if (!glob_match(u->path, t->path)) {
		if (why)
			snprintf(why, whylen, "path %s does not match",
			    t->path);
		return false;
	}
	return true;
}
