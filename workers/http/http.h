/*
 * workers/http/http.h -- the http worker's pure pieces: the reading of
 * HTTP_REQ and HTTP_HOP_ANSWER (req.c), the address classes it refuses
 * (addr.c), the credential values and header templates (workers/creds.h) and
 * the result JSON (result.c). None does I/O or exits: each is
 * unit-tested (tests/unit/test_http.c) and the parsers of bytes are
 * fuzzed (fuzz/fuzz_http.c).
 *
 * Runs in: aksup-worker-http (confined: its own uid, Landlock
 * LLK_CA_FILES, its seccomp list), the unit tests and the fuzzer.
 * Privilege: none needed. Input: the broker's bytes (a confined peer:
 * every length checked), the supervisor's credential blob, and a web
 * server's response (anyone's bytes).
 */
#ifndef AKSUP_WORKERS_HTTP_H
#define AKSUP_WORKERS_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "common/wire.h"
#include "workers/creds.h"

/* ---- req.c: HTTP_REQ and HTTP_HOP_ANSWER ---- */

#define HTTPREQ_METHOD_MAX	32
#define HTTPREQ_BYTES_MAX	HTTP_BODY_MAX	/* max_bytes cap (wire.h) */
#define HTTPREQ_FOLLOW_MAX	HTTP_HOPS_MAX	/* follow_redirects cap */
#define HTTPREQ_HNAME_MAX	HTTP_NAME_MAX	/* a header's name */
#define HTTPREQ_TEMPLATE_MAX	1024	/* a credential header's template */

/* One credential header: its name and value template, in the message. */
struct httpcred {
	const char *name;
	const char *tmpl;
};

/* An HTTP_REQ, read: strings point into the request. */
struct httpreq {
	uint32_t flags;		/* HTTP_F_* */
	uint32_t timeout_ms, max_bytes, follow, data_max;
	const char *method;	/* upper-case letters, 1..32 */
	const char *url;	/* http:// or https://, < HTTP_URL_MAX */
	const char **headers;	/* nheaders "Name: value", malloc'd array */
	size_t nheaders;
	struct httpcred *creds;	/* malloc'd array */
	size_t ncreds;
	const char *body;
	size_t body_len;
};

/* An HTTP_HOP_ANSWER, read: strings point into the message. */
struct httphop {
	int allowed;
	uint32_t flags;
	uint32_t timeout_ms, max_bytes, follow;	/* the hop rule's caps */
	struct httpcred *creds;	/* malloc'd array */
	size_t ncreds;
};

/* 0, or -1 when the message breaks the protocol (nothing allocated). */
int httpreq_parse(const uint8_t *req, size_t len, struct httpreq *out);
void httpreq_free(struct httpreq *r);
int httphop_parse(const uint8_t *msg, size_t len, struct httphop *out);
void httphop_free(struct httphop *h);

/* 1 when u is a URL the worker may fetch: http:// or https:// (any
 * case), at most HTTP_URL_MAX bytes, no space, control or non-ASCII byte. */
int http_url_ok(const char *u);
/* 1 when s[0..n) is an HTTP token (RFC 9110: a header's name). */
int http_token(const char *s, size_t n);
/* 1 when the header name is one the worker sets itself (Host,
 * Content-Length, Transfer-Encoding, Connection, Upgrade, TE, Trailer,
 * Keep-Alive, Proxy-*), compared without case. */
int http_reserved_header(const char *name, size_t n);

/* ---- addr.c: the addresses refused unless a rule names the host ---- */

enum addr_class {
	ADDR_PUBLIC = 0,
	ADDR_LOOPBACK,		/* 127/8, ::1 */
	ADDR_PRIVATE,		/* 10/8, 172.16/12, 192.168/16, fc00::/7,
				 * fec0::/10 (the old site-local) */
	ADDR_LINKLOCAL,		/* 169.254/16, fe80::/10 */
	ADDR_CGNAT,		/* 100.64/10 */
	ADDR_MULTICAST,		/* 224/4, ff00::/8 */
	ADDR_UNSPECIFIED,	/* 0/8, :: */
	ADDR_BROADCAST,		/* 255.255.255.255 */
	ADDR_RESERVED,		/* 198.18/15, 240/4 */
};

/* The class of an address: family AF_INET (4 bytes) or AF_INET6 (16
 * bytes), in network order. IPv4-mapped (::ffff:a.b.c.d),
 * IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::/96) addresses are
 * judged by their IPv4 address. An unknown family is ADDR_UNSPECIFIED. */
enum addr_class addr_classify(int family, const unsigned char *a);
/* "a loopback address", ...; "a public address" for ADDR_PUBLIC. */
const char *addr_class_name(enum addr_class c);

/* ---- result.c: the answer's JSON ---- */

#define RESULT_HEADERS_MAX	100	/* response headers kept */
#define RESULT_HEADER_BYTES	(64 * 1024)

/* A response header as received: any bytes. */
struct rhdr {
	const char *name, *value;
	size_t nlen, vlen;
};

struct http_result {
	long status;
	const struct rhdr *hdrs;
	size_t nhdrs;
	const char *body;	/* any bytes */
	size_t body_len;
	int truncated;		/* cut at max_bytes already */
	const char *url;	/* the final URL */
	const char *const *redirects;	/* URLs followed, in order */
	size_t nredirects;
	const char *redirect_denied;	/* or NULL */
	const char *const *creds;	/* source names used (display) */
	size_t ncreds;
};

/*
 * The result as JSON text of at most data_max bytes (malloc'd, *outlen
 * its length, NUL-terminated): {"status_code", "headers", "url",
 * "redirects", ["redirect_denied",] ["credentials",] "truncated",
 * "body_encoding", "body"}. Header names are lower-cased (a name that is
 * no token is dropped), repeated names joined with ", ", a value that is
 * not UTF-8 read as ISO-8859-1 (RFC 9110's obs-text). The body is
 * "utf-8" text when it is valid UTF-8 without NUL (an incomplete last
 * character of a body cut at max_bytes is dropped), else "base64"; it
 * is cut further to fit data_max, and then "truncated" is true.
 * Returns 0, or -1 when even an empty body does not fit (or out of
 * memory).
 */
int http_result_encode(const struct http_result *r, size_t data_max,
    char **out, size_t *outlen);

/* Standard base64 of n bytes into out (4 * ((n + 2) / 3) + 1 bytes,
 * NUL-terminated); returns the length written. */
size_t http_b64_encode(const unsigned char *in, size_t n, char *out);

#endif
