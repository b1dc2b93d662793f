/*
 * workers/http/req.c -- the http worker's reading of an HTTP_REQ and an
 * HTTP_HOP_ANSWER (common/wire.h): the header's numbers against the
 * payload, then each NUL-terminated string within strs_len (the method,
 * the URL, nheaders "Name: value" headers, ncreds name/template pairs),
 * then the body, which ends the message exactly. Pure (no I/O, no
 * exit()): unit-tested and fuzzed (fuzz/fuzz_http.c).
 *
 * Runs in: aksup-worker-http (confined). Privilege: none needed. Input:
 * the broker's bytes (a confined peer: nothing in them is trusted
 * beyond this check; chan_recv checked the message's size only).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "workers/http/http.h"

/* The next NUL-terminated string of s[*o..len), or NULL. */
static const char *
next_str(const char *s, size_t len, size_t *o)
{
	const char *p, *nul;

	if (*o >= len || (nul = memchr(s + *o, '\0', len - *o)) == NULL)
		return NULL;
	p = s + *o;
	*o = (size_t)(nul - s) + 1;
	return p;
}

int
http_token(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("!#$%&'*+-.^_`|~", c) !=
		    NULL) || c == '\0')
			return 0;
	}
	return 1;
}

int
http_reserved_header(const char *name, size_t n)
{
	static const char *const reserved[] = {
		"host", "content-length", "transfer-encoding", "connection",
		"upgrade", "te", "trailer", "keep-alive",
	};
	size_t i;

	if (n >= 6 && strncasecmp(name, "proxy-", 6) == 0)
		return 1;
	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strlen(reserved[i]) == n &&
		    strncasecmp(name, reserved[i], n) == 0)
			return 1;
	return 0;
}

/* A header value: no CR, LF or NUL (NUL ended the string already). */
static int
clean_value(const char *v)
{
	return strpbrk(v, "\r\n") == NULL;
}

/* "Name: value", the name a token. */
static int
agent_header(const char *h)
{
	const char *colon = strchr(h, ':');

	return colon != NULL && http_token(h, (size_t)(colon - h)) &&
	    clean_value(colon + 1);
}

/* ncreds name/template pairs from s[*o..len) into a new array. */
static int
cred_pairs(const char *s, size_t len, size_t *o, uint32_t n,
    struct httpcred **out)
{
	struct httpcred *c;
	uint32_t i;

	*out = NULL;
	if (n == 0)
		return 0;
	if (n > HTTP_CRED_HEADERS_MAX || (c = calloc(n, sizeof(*c))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if ((c[i].name = next_str(s, len, o)) == NULL ||
		    (c[i].tmpl = next_str(s, len, o)) == NULL ||
		    strlen(c[i].name) > HTTPREQ_HNAME_MAX ||
		    !http_token(c[i].name, strlen(c[i].name)) ||
		    http_reserved_header(c[i].name, strlen(c[i].name)) ||
		    strlen(c[i].tmpl) > HTTPREQ_TEMPLATE_MAX ||
		    !clean_value(c[i].tmpl)) {
			free(c);
			return -1;
		}
	}
	*out = c;
	return 0;
}

static int
method_ok(const char *m)
{
	size_t i, n = strlen(m);

	if (n < 1 || n > HTTPREQ_METHOD_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (m[i] < 'A' || m[i] > 'Z')
			return 0;
	return 1;
}

int
http_url_ok(const char *u)
{
	size_t i, n = strlen(u);

	if (n > HTTP_URL_MAX || (strncasecmp(u, "http://", 7) != 0 &&
	    strncasecmp(u, "https://", 8) != 0))
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)u[i] <= ' ' || (unsigned char)u[i] >= 0x7f)
			return 0;
	return 1;
}

int
httpreq_parse(const uint8_t *req, size_t len, struct httpreq *out)
{
	struct http_req hr;
	const char *s;
	size_t o = 0, slen, i;

	memset(out, 0, sizeof(*out));
	if (len < sizeof(hr))
		return -1;
	memcpy(&hr, req, sizeof(hr));
	s = (const char *)req + sizeof(hr);
	slen = len - sizeof(hr);
	if (hr.strs_len > slen || hr.body_len != slen - hr.strs_len ||
	    (hr.flags & ~HTTP_F_PRIVATE_OK) != 0 || hr.timeout_ms < 1 ||
	    hr.max_bytes < 1 || hr.max_bytes > HTTPREQ_BYTES_MAX ||
	    hr.follow > HTTPREQ_FOLLOW_MAX || hr.data_max < 1 ||
	    hr.data_max > WIRE_PAYLOAD_MAX - sizeof(struct reply_hdr) ||
	    hr.nheaders > HTTP_HEADERS_MAX || hr.ncreds > HTTP_CRED_HEADERS_MAX)
		return -1;
	if ((out->method = next_str(s, hr.strs_len, &o)) == NULL ||
	    !method_ok(out->method) ||
	    (out->url = next_str(s, hr.strs_len, &o)) == NULL ||
	    !http_url_ok(out->url))
		return -1;
	if (hr.nheaders > 0 && (out->headers = calloc(hr.nheaders,
	    sizeof(*out->headers))) == NULL)
		return -1;
	for (i = 0; i < hr.nheaders; i++)
		if ((out->headers[i] = next_str(s, hr.strs_len, &o)) == NULL ||
		    !agent_header(out->headers[i]))
			goto bad;
	out->nheaders = hr.nheaders;
	if (cred_pairs(s, hr.strs_len, &o, hr.ncreds, &out->creds) < 0 ||
	    o != hr.strs_len)
		goto bad;
	out->ncreds = hr.ncreds;
	out->flags = hr.flags;
	out->timeout_ms = hr.timeout_ms;
	out->max_bytes = hr.max_bytes;
	out->follow = hr.follow;
	out->data_max = hr.data_max;
	out->body = s + hr.strs_len;
	out->body_len = hr.body_len;
	return 0;
bad:
	httpreq_free(out);
	return -1;
}

void
httpreq_free(struct httpreq *r)
{
	free(r->headers);
	free(r->creds);
	r->headers = NULL;
	r->creds = NULL;
	r->nheaders = r->ncreds = 0;
}

int
httphop_parse(const uint8_t *msg, size_t len, struct httphop *out)
{
	struct http_hop hh;
	const char *s;
	size_t o = 0;

	memset(out, 0, sizeof(*out));
	if (len < sizeof(hh))
		return -1;
	memcpy(&hh, msg, sizeof(hh));
	s = (const char *)msg + sizeof(hh);
	if (hh.strs_len != len - sizeof(hh) || hh.allowed > 1 ||
	    (hh.flags & ~HTTP_F_PRIVATE_OK) != 0 ||
	    hh.ncreds > HTTP_CRED_HEADERS_MAX ||
	    (!hh.allowed && hh.ncreds > 0) ||
	    (hh.allowed && (hh.timeout_ms == 0 || hh.max_bytes == 0 ||
	    hh.max_bytes > HTTP_BODY_MAX || hh.follow > HTTP_HOPS_MAX)))
		return -1;
	if (cred_pairs(s, hh.strs_len, &o, hh.ncreds, &out->creds) < 0)
		return -1;
	if (o != hh.strs_len) {
		httphop_free(out);
		return -1;
	}
	out->allowed = (int)hh.allowed;
	out->flags = hh.flags;
	out->timeout_ms = hh.timeout_ms;
	out->max_bytes = hh.max_bytes;
	out->follow = hh.follow;
	out->ncreds = hh.ncreds;
	return 0;
}

void
httphop_free(struct httphop *h)
{
	free(h->creds);
	h->creds = NULL;
	h->ncreds = 0;
}
