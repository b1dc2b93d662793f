/*
 * workers/http/http.c -- aksup-worker-http: makes each allowed net.http
 * request with libcurl, up to 16 at once, and answers each with its
 * status, headers and body (result.c), or why there is none. It
 * checks every address it connects to, where it connects (curl's
 * open-socket callback, after curl's own lookup in a thread of its
 * resolver), and again before each request on a connection it reuses
 * (the pre-request callback): an address of a class a rule must name
 * (addr.c) is refused unless the deciding rule names the host. What is
 * checked is what is connected to: DNS rebinding has nothing to move. It
 * follows no redirect on its own: each hop is the broker's decision
 * (HTTP_HOP, HTTP_HOP_ANSWER). It adds the credential headers the
 * broker names, filled from the values only it holds (workers/creds.c).
 *
 * Runs in: aksup-worker-http (its main thread; libcurl's resolver
 * threads call getaddrinfo and nothing else). Privilege: its own uid, no capability,
 * the host's network (no network namespace), Landlock LLK_CA_FILES
 * (read-only: the CA bundle and the resolver's files), its seccomp list
 * (common/sandbox.c, sc_worker_http: TCP sockets only). It holds the
 * broker channel; the credential values (read from HTTP_FD_CREDS and
 * closed before confinement). Input: the broker's requests (a confined
 * peer: every length checked in req.c), the supervisor's argv and
 * credential blob (trusted, checked), and web servers' answers
 * (anyone's bytes: kept bounded, encoded by result.c).
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <malloc.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/chan.h"
#include "common/log.h"
#include "common/sandbox.h"
#include "common/util.h"
#include "common/wire.h"
#include "workers/http/curlenv.h"
#include "workers/http/http.h"

#define XFERS_MAX	16		/* the broker's WORKER_INFLIGHT_MAX */

struct hoff {				/* a response header in hbuf */
	uint32_t no, nl, vo, vl;
};

struct xfer {
	int used;
	uint64_t tag;
	uint8_t *req;			/* the HTTP_REQ, owned */
	struct httpreq r;		/* points into req */
	uint8_t *hopmsg;		/* the last HTTP_HOP_ANSWER, owned */
	struct httphop hop;		/* points into hopmsg */
	uint64_t start, deadline;	/* now_ns() units, every hop */
	/* this hop */
	char *url;
	const char *method;
	int send_body;
	uint32_t flags;
	const struct httpcred *creds;
	size_t ncreds;
	uint32_t follow;
	CURL *easy;
	int in_multi;
	struct curl_slist *hlist;
	char host[300];			/* this hop's, for messages */
	unsigned port;
	char refused[400];		/* why an address was refused */
	char errbuf[CURL_ERROR_SIZE];
	/* its answer */
	long status;
	char *body;
	size_t blen, bcap;
	int cut;
	char *hbuf;			/* RESULT_HEADER_BYTES */
	size_t hlen;
	struct hoff hdrs[RESULT_HEADERS_MAX];
	size_t nhdrs;
	/* redirects */
	int waiting;			/* for its HTTP_HOP_ANSWER */
	char *next;			/* the URL asked for */
	char *redirects[HTTPREQ_FOLLOW_MAX];
	size_t nredirects;
	char *denied;
	struct credused cused;
};

static struct xfer xfers[XFERS_MAX];
static struct chan ch;
static CURLM *multi;
static struct credstore creds;
static char *creds_blob;
static const char *ca_file = CURLENV_SYSTEM_CA;

/* ---- start, before confinement ----------------------------------------- */

static void
init(int argc, char **argv)
{
	struct stat st;
	int fd;

	if (argc == 2 && strncmp(argv[1], "ca:", 3) == 0 &&
	    argv[1][3] == '/') {
		ca_file = argv[1] + 3;
		if ((fd = open(ca_file, O_RDONLY | O_CLOEXEC)) < 0)
			fatal("the operator's CA file %s", ca_file);
		/* a directory would open Landlock beneath it */
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
			fatalx("the operator's CA file %s is not a regular "
			    "file", ca_file);
		close(fd);
	} else if (argc != 1)
		fatalx("usage: aksup-worker-http [ca:/abs/path]");
}

/* The credential values, once, from the supervisor's sealed memfd. */
static void
creds_read(void)
{
	creds_read_fd(HTTP_FD_CREDS, &creds, &creds_blob);
}

/* ---- answers ----------------------------------------------------------- */

static void
send_reply(uint64_t tag, uint32_t kind, const char *buf, size_t len)
{
	chan_reply(&ch, WIRE_HTTP_RESP, tag, kind, buf, len);
}

/* A credential value never goes out in an error text (creds_scrub),
 * nor in an answer's bytes (creds_mask): a server that echoes the
 * request (an API's error page, an /echo) would hand the agent one. */
static void
scrub(char *msg)
{
	creds_scrub(&creds, msg);
}

static void
mask(char *b, size_t len)
{
	creds_mask(&creds, b, len);
}

static void
send_error(uint64_t tag, char *msg)
{
	scrub(msg);
	send_reply(tag, REPLY_ERROR, msg, strlen(msg));
}

static void
secure_slist_free(struct curl_slist *l)
{
	struct curl_slist *p;

	for (p = l; p != NULL; p = p->next)
		explicit_bzero(p->data, strlen(p->data));
	curl_slist_free_all(l);
}

/* Drop this hop's handle and lists (the response stays). */
static void
hop_end(struct xfer *x)
{
	if (x->easy != NULL) {
		if (x->in_multi)
			curl_multi_remove_handle(multi, x->easy);
		curl_easy_cleanup(x->easy);
	}
	x->easy = NULL;
	x->in_multi = 0;
	secure_slist_free(x->hlist);
	x->hlist = NULL;
}

static void
xfer_free(struct xfer *x)
{
	size_t i;

	hop_end(x);
	httpreq_free(&x->r);
	httphop_free(&x->hop);
	free(x->req);
	free(x->hopmsg);
	free(x->url);
	free(x->body);
	free(x->hbuf);
	free(x->next);
	free(x->denied);
	for (i = 0; i < x->nredirects; i++)
		free(x->redirects[i]);
	memset(x, 0, sizeof(*x));
}

static void
fail(struct xfer *x, char *msg)
{
	char *m = NULL;

	/* a hop's failure names the hop: the agent asked for another URL */
	if (x->nredirects > 0 && asprintf(&m, "redirect hop %zu to %.300s: "
	    "%s", x->nredirects, x->url, msg) < 0)
		m = NULL;
	send_error(x->tag, m != NULL ? m : msg);
	free(m);
	xfer_free(x);
}

static void
answer(struct xfer *x)
{
	struct rhdr h[RESULT_HEADERS_MAX];
	const char *cn[CREDS_SOURCES_MAX];
	struct http_result res;
	char *t, msg[128];
	size_t i, len;

	mask(x->body, x->blen);
	mask(x->hbuf, x->hlen);
	for (i = 0; i < x->nhdrs; i++)
		h[i] = (struct rhdr){ x->hbuf + x->hdrs[i].no,
		    x->hbuf + x->hdrs[i].vo, x->hdrs[i].nl, x->hdrs[i].vl };
	for (i = 0; i < x->cused.n; i++)
		cn[i] = creds_display(creds.src[x->cused.idx[i]]);
	memset(&res, 0, sizeof(res));
	res.status = x->status;
	res.hdrs = h;
	res.nhdrs = x->nhdrs;
	res.body = x->body;
	res.body_len = x->blen;
	res.truncated = x->cut;
	res.url = x->url;
	res.redirects = (const char *const *)x->redirects;
	res.nredirects = x->nredirects;
	res.redirect_denied = x->denied;
	res.creds = cn;
	res.ncreds = x->cused.n;
	if (http_result_encode(&res, x->r.data_max, &t, &len) < 0) {
		snprintf(msg, sizeof(msg), "the answer does not fit in %u "
		    "bytes, even without its body", x->r.data_max);
		fail(x, msg);
		return;
	}
	send_reply(x->tag, REPLY_JSON, t, len);
	free(t);
	xfer_free(x);
}

/* ---- curl's callbacks ---------------------------------------------------- */

static size_t
on_body(char *b, size_t size, size_t n, void *p)
{
	struct xfer *x = p;
	size_t keep = n, room = x->r.max_bytes - x->blen;
	char *nb;

	(void)size;		/* always 1 */
	if (keep > room)
		keep = room;
	if (x->blen + keep > x->bcap) {
		x->bcap = x->bcap * 2 > x->blen + keep ? x->bcap * 2 :
		    x->blen + keep;
		if (x->bcap > x->r.max_bytes)
			x->bcap = x->r.max_bytes;
		if ((nb = realloc(x->body, x->bcap)) == NULL)
			return 0;
		x->body = nb;
	}
	memcpy(x->body + x->blen, b, keep);
	x->blen += keep;
	if (keep < n) {
		/* cut: end the transfer now (bounded time); the write
		 * error it gets is this answer, truncated */
		x->cut = 1;
		return 0;
	}
	return n;
}

static size_t
on_header(char *b, size_t size, size_t n, void *p)
{
	struct xfer *x = p;
	size_t len = n, nl, vo, vl;
	const char *colon;

	(void)size;
	if (len >= 5 && memcmp(b, "HTTP/", 5) == 0) {
		x->hlen = x->nhdrs = 0;	/* a new response (after a 1xx) */
		return n;
	}
	while (len > 0 && (b[len - 1] == '\n' || b[len - 1] == '\r'))
		len--;
	/* the end, a folded line, or no room: nothing kept */
	if (len == 0 || b[0] == ' ' || b[0] == '\t' ||
	    x->nhdrs == RESULT_HEADERS_MAX || x->hlen + len > RESULT_HEADER_BYTES ||
	    (colon = memchr(b, ':', len)) == NULL)
		return n;
	nl = (size_t)(colon - b);
	for (vo = nl + 1; vo < len && (b[vo] == ' ' || b[vo] == '\t'); vo++)
		;
	for (vl = len - vo; vl > 0 && (b[vo + vl - 1] == ' ' ||
	    b[vo + vl - 1] == '\t'); vl--)
		;
	if (x->hbuf == NULL && (x->hbuf = malloc(RESULT_HEADER_BYTES)) == NULL)
		return 0;
	memcpy(x->hbuf + x->hlen, b, len);
	x->hdrs[x->nhdrs++] = (struct hoff){ (uint32_t)x->hlen, (uint32_t)nl,
	    (uint32_t)(x->hlen + vo), (uint32_t)vl };
	x->hlen += len;
	return n;
}

/*
 * An address this exchange may reach: 1, or 0 with why in x->refused.
 * family AF_INET or AF_INET6, a its 4 or 16 bytes.
 */
static int
address_ok(struct xfer *x, int family, const unsigned char *a)
{
	char at[INET6_ADDRSTRLEN];
	enum addr_class c = addr_classify(family, a);

	if (c == ADDR_PUBLIC || (x->flags & HTTP_F_PRIVATE_OK))
		return 1;
	if (inet_ntop(family, a, at, sizeof(at)) == NULL)
		strcpy(at, "?");
	if (strcmp(at, x->host) == 0)
		snprintf(x->refused, sizeof(x->refused), "refused: %s is %s (a "
		    "rule that names this address allows it)", at,
		    addr_class_name(c));
	else
		snprintf(x->refused, sizeof(x->refused), "refused: %.255s "
		    "resolves to %s, %s (a rule that names this host allows "
		    "it)", x->host, at, addr_class_name(c));
	return 0;
}

/* Every connection: a TCP socket to an address this exchange may
 * reach, checked here, on the address connect(2) will get (curl tries
 * the next address of the name when this one is refused). */
static curl_socket_t
open_socket(void *p, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct xfer *x = p;
	const struct sockaddr_in *a4 = (const void *)&a->addr;
	const struct sockaddr_in6 *a6 = (const void *)&a->addr;

	if (purpose != CURLSOCKTYPE_IPCXN || a->socktype != SOCK_STREAM)
		return CURL_SOCKET_BAD;
	if (!(a->family == AF_INET && a->addrlen >= sizeof(*a4) &&
	    address_ok(x, AF_INET, (const unsigned char *)&a4->sin_addr)) &&
	    !(a->family == AF_INET6 && a->addrlen >= sizeof(*a6) &&
	    address_ok(x, AF_INET6, (const unsigned char *)&a6->sin6_addr)))
		return CURL_SOCKET_BAD;
	x->refused[0] = '\0';	/* this address is the one tried last */
	return socket(a->family, SOCK_STREAM | SOCK_CLOEXEC, a->protocol);
}

/* Every request, on a new connection or a reused one: its peer again
 * (a connection made for a rule that names the host is not reused for
 * one that does not). */
static int
before_request(void *p, char *peer, char *local, int rport, int lport)
{
	struct xfer *x = p;
	unsigned char a[16];

	(void)local;
	(void)rport;
	(void)lport;
	if (inet_pton(AF_INET, peer, a) == 1)
		return address_ok(x, AF_INET, a) ? CURL_PREREQFUNC_OK :
		    CURL_PREREQFUNC_ABORT;
	if (inet_pton(AF_INET6, peer, a) == 1)
		return address_ok(x, AF_INET6, a) ? CURL_PREREQFUNC_OK :
		    CURL_PREREQFUNC_ABORT;
	snprintf(x->refused, sizeof(x->refused), "refused: an address that "
	    "is not IPv4 or IPv6 (%.60s)", peer);
	return CURL_PREREQFUNC_ABORT;
}

/* ---- one hop ----------------------------------------------------------- */

/* The URL's host (brackets off an IPv6 literal) and port. 0, or -1
 * with msg. */
static int
url_parts(struct xfer *x, char **host, char *msg, size_t len)
{
	CURLU *u;
	char *h = NULL, *port = NULL, *user = NULL, *pw = NULL, *zone = NULL;
	int rc = -1;
	size_t hl;

	*host = NULL;
	if ((u = curl_url()) == NULL)
		fatalx("curl_url");
	if (curl_url_set(u, CURLUPART_URL, x->url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
	    CURLUE_OK) {
		snprintf(msg, len, "not a URL the worker can read: %.200s",
		    x->url);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PASSWORD, &pw, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_ZONEID, &zone, 0) == CURLUE_OK) {
		snprintf(msg, len, "refused: a URL with userinfo or a zone id");
		goto out;
	}
	hl = strlen(h);
	if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
		memmove(h, h + 1, hl - 2);
		h[hl - 2] = '\0';
	}
	x->port = (unsigned)strtoul(port, NULL, 10);
	if (h[0] == '\0' || x->port == 0 || x->port > 65535) {
		snprintf(msg, len, "not a URL the worker can read: %.200s",
		    x->url);
		goto out;
	}
	*host = strdup(h);
	rc = *host ? 0 : -1;
out:
	curl_free(h);
	curl_free(port);
	curl_free(user);
	curl_free(pw);
	curl_free(zone);
	curl_url_cleanup(u);
	return rc;
}

/* Whether "Name: value" has an empty value (n: the name's length). */
static int
agent_empty(const char *h, size_t n)
{
	h += n + (h[n] == ':');
	return h[strspn(h, " \t")] == '\0';
}

/* The name of an "Name: value" header, its length. */
static size_t
hname_len(const char *h)
{
	return strcspn(h, ":");
}

/*
 * This hop's headers: the agent's (but the worker's own and those a
 * credential sets), "Expect:" (no 100-continue wait), then the
 * credential headers filled in. 0, or -1 with msg.
 */
static int
headers(struct xfer *x, char *msg, size_t len)
{
	struct curl_slist *l = NULL, *nl;
	size_t i, k, n;
	char *v, *line;
	int skip;

	for (i = 0; i < x->r.nheaders; i++) {
		const char *h = x->r.headers[i];

		n = hname_len(h);
		skip = http_reserved_header(h, n);
		for (k = 0; !skip && k < x->ncreds; k++)
			skip = strlen(x->creds[k].name) == n &&
			    strncasecmp(x->creds[k].name, h, n) == 0;
		if (skip)
			continue;
		/* "Name:" with no value: curl sends it only as "Name;" */
		if (agent_empty(h, n)) {
			if (asprintf(&line, "%.*s;", (int)n, h) < 0)
				goto oom;
			nl = curl_slist_append(l, line);
			free(line);
		} else
			nl = curl_slist_append(l, h);
		if (nl == NULL)
			goto oom;
		l = nl;
	}
	if ((nl = curl_slist_append(l, "Expect:")) == NULL)
		goto oom;
	l = nl;
	/* a body without the agent's Content-Type goes without one (curl
	 * would say it is a form) */
	for (i = 0, skip = 0; i < x->r.nheaders && !skip; i++)
		skip = hname_len(x->r.headers[i]) == 12 &&
		    strncasecmp(x->r.headers[i], "content-type", 12) == 0;
	if (x->send_body && !skip) {
		if ((nl = curl_slist_append(l, "Content-Type:")) == NULL)
			goto oom;
		l = nl;
	}
	for (i = 0; i < x->ncreds; i++) {
		/* two entries setting one header: the first is sent */
		for (k = 0, skip = 0; k < i && !skip; k++)
			skip = strcasecmp(x->creds[k].name,
			    x->creds[i].name) == 0;
		if (skip)
			continue;
		if ((v = creds_expand(&creds, x->creds[i].tmpl, &x->cused, msg,
		    len)) == NULL)
			goto fail;
		/* "Name;" is curl's way to send an empty value */
		if (asprintf(&line, "%s%s %s", x->creds[i].name,
		    v[0] ? ":" : ";", v) < 0)
			line = NULL;
		explicit_bzero(v, strlen(v));
		free(v);
		if (line == NULL)
			goto oom;
		nl = curl_slist_append(l, line);
		explicit_bzero(line, strlen(line));
		free(line);
		if (nl == NULL)
			goto oom;
		l = nl;
	}
	x->hlist = l;
	return 0;
oom:
	snprintf(msg, len, "out of memory");
fail:
	secure_slist_free(l);
	return -1;
}

#define SET(opt, val) do {						\
	if (curl_easy_setopt(e, opt, val) != CURLE_OK)			\
		goto bad;						\
} while (0)

/* The options of one hop (the URL, its pin and headers ready). */
static int
easy_setup(struct xfer *x, long remaining_ms)
{
	CURL *e;

	if ((e = x->easy = curl_easy_init()) == NULL)
		return -1;
	SET(CURLOPT_PRIVATE, x);
	SET(CURLOPT_URL, x->url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_PROXY, "");
	SET(CURLOPT_NOPROXY, "*");
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	/* the operator's CA file, when given, replaces the system bundle
	 * (as curl --cacert does); no CA directory either way */
	SET(CURLOPT_CAINFO, ca_file);
	SET(CURLOPT_CAPATH, NULL);
	SET(CURLOPT_TIMEOUT_MS, remaining_ms);
	SET(CURLOPT_NOSIGNAL, 1L);
	/* a transfer that ends while its name is looked up does not wait
	 * for the look-up: its thread finishes alone (at most NPROC 32) */
	SET(CURLOPT_QUICK_EXIT, 1L);
	SET(CURLOPT_ACCEPT_ENCODING, NULL);
	SET(CURLOPT_ERRORBUFFER, x->errbuf);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, x);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, x);
	SET(CURLOPT_OPENSOCKETFUNCTION, open_socket);
	SET(CURLOPT_OPENSOCKETDATA, x);
	SET(CURLOPT_PREREQFUNCTION, before_request);
	SET(CURLOPT_PREREQDATA, x);
	SET(CURLOPT_HTTPHEADER, x->hlist);
	if (strcmp(x->method, "HEAD") == 0)
		SET(CURLOPT_NOBODY, 1L);
	else if (x->send_body) {
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->r.body_len);
		SET(CURLOPT_POSTFIELDS, x->r.body);
		SET(CURLOPT_CUSTOMREQUEST, x->method);
	} else if (strcmp(x->method, "GET") == 0)
		SET(CURLOPT_HTTPGET, 1L);
	else
		SET(CURLOPT_CUSTOMREQUEST, x->method);
	return 0;
bad:
	return -1;
}
#undef SET

/* "example.com." is example.com, as the policy decided it: the URL
 * curl gets names the host without its dot (a name with it is not in
 * /etc/hosts). 0, or -1. */
static int
strip_dot(struct xfer *x, char *host)
{
	size_t hl = strlen(host);
	char *url = NULL;
	CURLU *u;
	int rc = -1;

	if (hl < 2 || host[hl - 1] != '.')
		return 0;
	host[hl - 1] = '\0';
	if ((u = curl_url()) == NULL)
		return -1;
	if (curl_url_set(u, CURLUPART_URL, x->url, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_HOST, host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &url, 0) == CURLUE_OK) {
		free(x->url);
		if ((x->url = strdup(url)) != NULL)
			rc = 0;
	}
	curl_free(url);
	curl_url_cleanup(u);
	return rc;
}

/* Start this hop: set up, hand to curl (which resolves the name in a
 * thread of its own; each address is checked as it is connected to).
 * 0, or -1 (answered with the error and freed). */
static int
launch(struct xfer *x)
{
	char msg[768], *host = NULL;
	uint64_t now = now_ns();
	long remaining;

	if (now >= x->deadline) {
		snprintf(msg, sizeof(msg), "timed out after %llu ms",
		    (unsigned long long)((x->deadline - x->start) /
		    1000000ull));
		goto fail;
	}
	remaining = (long)((x->deadline - now) / 1000000ull);
	if (remaining < 1)
		remaining = 1;
	x->refused[0] = '\0';
	if (url_parts(x, &host, msg, sizeof(msg)) < 0 ||
	    headers(x, msg, sizeof(msg)) < 0)
		goto fail;
	if (strip_dot(x, host) < 0) {
		snprintf(msg, sizeof(msg), "not a URL the worker can read: "
		    "%.200s", x->url);
		goto fail;
	}
	snprintf(x->host, sizeof(x->host), "%s", host);
	if (easy_setup(x, remaining) < 0 ||
	    curl_multi_add_handle(multi, x->easy) != CURLM_OK) {
		snprintf(msg, sizeof(msg), "cannot set up the request "
		    "(libcurl)");
		goto fail;
	}
	x->in_multi = 1;
	free(host);
	return 0;
fail:
	free(host);
	fail(x, msg);
	return -1;
}

/* ---- requests and hops --------------------------------------------------- */

static int
is_post_like(const char *m)
{
	return strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 ||
	    strcmp(m, "PATCH") == 0;
}

static void
start(uint64_t tag, uint8_t *req, size_t len)
{
	struct xfer *x;
	char msg[64];
	int i;

	for (i = 0; i < XFERS_MAX && xfers[i].used; i++)
		;
	if (i == XFERS_MAX) {
		free(req);
		snprintf(msg, sizeof(msg), "too many requests at once");
		send_error(tag, msg);
		return;
	}
	x = &xfers[i];
	memset(x, 0, sizeof(*x));
	if (httpreq_parse(req, len, &x->r) < 0)
		fatalx("protocol violation from broker: malformed HTTP_REQ");
	x->used = 1;
	x->tag = tag;
	x->req = req;
	x->start = now_ns();
	x->deadline = x->start + (uint64_t)x->r.timeout_ms * 1000000ull;
	if ((x->url = strdup(x->r.url)) == NULL)
		fatal("strdup");
	x->method = x->r.method;
	x->send_body = x->r.body_len > 0 || is_post_like(x->method);
	x->flags = x->r.flags;
	x->creds = x->r.creds;
	x->ncreds = x->r.ncreds;
	x->follow = x->r.follow;
	(void)launch(x);
}

/* Forget this hop's answer before the next. */
static void
response_reset(struct xfer *x)
{
	free(x->body);
	x->body = NULL;
	x->blen = x->bcap = 0;
	x->cut = 0;
	x->hlen = x->nhdrs = 0;
	x->status = 0;
	x->errbuf[0] = '\0';
}

static void
hop_answer(uint64_t tag, uint8_t *copy, size_t len)
{
	struct xfer *x = NULL;
	int i;

	for (i = 0; i < XFERS_MAX; i++)
		if (xfers[i].used && xfers[i].waiting && xfers[i].tag == tag)
			x = &xfers[i];
	if (x == NULL)
		fatalx("protocol violation from broker: HTTP_HOP_ANSWER for "
		    "no redirect waiting");
	httphop_free(&x->hop);
	if (httphop_parse(copy, len, &x->hop) < 0)
		fatalx("protocol violation from broker: malformed "
		    "HTTP_HOP_ANSWER");
	free(x->hopmsg);
	x->hopmsg = copy;
	x->waiting = 0;
	if (!x->hop.allowed) {
		x->denied = x->next;
		x->next = NULL;
		answer(x);
		return;
	}
	/* 303, and 301/302 after a POST: a GET without body (RFC 9110
	 * 15.4, as browsers do); 307/308 keep the method and body */
	if ((x->status == 303 && strcmp(x->method, "HEAD") != 0) ||
	    ((x->status == 301 || x->status == 302) &&
	    strcmp(x->method, "POST") == 0)) {
		x->method = "GET";
		x->send_body = 0;
	}
	x->redirects[x->nredirects++] = x->next;
	free(x->url);
	if ((x->url = strdup(x->next)) == NULL)
		fatal("strdup");
	x->next = NULL;
	x->flags = x->hop.flags;
	x->creds = x->hop.creds;
	x->ncreds = x->hop.ncreds;
	/* the smaller of each cap: the exchange's and the hop's rule's */
	x->follow = x->follow - 1 < x->hop.follow ? x->follow - 1 :
	    x->hop.follow;
	if (x->hop.max_bytes < x->r.max_bytes)
		x->r.max_bytes = x->hop.max_bytes;
	if (x->start + (uint64_t)x->hop.timeout_ms * 1000000ull < x->deadline)
		x->deadline = x->start + (uint64_t)x->hop.timeout_ms *
		    1000000ull;
	response_reset(x);
	(void)launch(x);
}

/* ---- a transfer's end ---------------------------------------------------- */

static int
tls_error(CURLcode rc)
{
	switch (rc) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_SSL_CLIENTCERT:
	case CURLE_USE_SSL_FAILED:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
		return 1;
	default:
		return 0;
	}
}

static void
describe(struct xfer *x, CURLcode rc, char *msg, size_t len)
{
	const char *why = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);
	char *ip = NULL;
	long oserr = 0;
	int v6;

	(void)curl_easy_getinfo(x->easy, CURLINFO_PRIMARY_IP, &ip);
	if (ip == NULL || ip[0] == '\0')
		ip = x->host;
	v6 = strchr(ip, ':') != NULL;
	if (x->refused[0] != '\0' && (rc == CURLE_COULDNT_CONNECT ||
	    rc == CURLE_ABORTED_BY_CALLBACK))
		snprintf(msg, len, "%.300s", x->refused);
	else if (rc == CURLE_COULDNT_RESOLVE_HOST)
		snprintf(msg, len, "cannot resolve %.255s", x->host);
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		snprintf(msg, len, "timed out after %llu ms",
		    (unsigned long long)((x->deadline - x->start) / 1000000ull));
	else if (rc == CURLE_COULDNT_CONNECT) {
		(void)curl_easy_getinfo(x->easy, CURLINFO_OS_ERRNO, &oserr);
		if (oserr == ECONNREFUSED)
			snprintf(msg, len, "connection refused to %s%s%s:%u",
			    v6 ? "[" : "", ip, v6 ? "]" : "", x->port);
		else
			snprintf(msg, len, "cannot connect to %s%s%s:%u: %s",
			    v6 ? "[" : "", ip, v6 ? "]" : "", x->port,
			    oserr ? strerror((int)oserr) : why);
	} else if (tls_error(rc))
		snprintf(msg, len, "TLS: %s%s", why, strstr(why, "certificate") ?
		    " (a server whose CA is not in the system bundle: the "
		    "operator can give it with --http-ca FILE)" : "");
	else if (rc == CURLE_GOT_NOTHING)
		snprintf(msg, len, "the server closed the connection without "
		    "an answer");
	else
		snprintf(msg, len, "http: %s", why);
}

static int
is_redirect(long code)
{
	return code == 301 || code == 302 || code == 303 || code == 307 ||
	    code == 308;
}

/* Ask the broker about a redirect. 1 when asked (the transfer waits),
 * 0 when this answer is the last. */
static int
ask_hop(struct xfer *x)
{
	struct iovec iov;
	char *loc = NULL;

	if (!is_redirect(x->status) || x->follow == 0 ||
	    x->nredirects == HTTPREQ_FOLLOW_MAX ||
	    curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_URL, &loc) !=
	    CURLE_OK || loc == NULL || !http_url_ok(loc))
		return 0;
	if ((x->next = strdup(loc)) == NULL)
		fatal("strdup");
	iov.iov_base = x->next;
	iov.iov_len = strlen(x->next);
	if (chan_send(&ch, WIRE_HTTP_HOP, x->tag, &iov, 1) < 0 &&
	    errno != EPIPE)
		fatal("send to broker");
	x->waiting = 1;
	hop_end(x);
	return 1;
}

static void
done(struct xfer *x, CURLcode rc)
{
	char msg[CURL_ERROR_SIZE + 128];

	if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && x->cut)) {
		describe(x, rc, msg, sizeof(msg));
		fail(x, msg);
		return;
	}
	(void)curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &x->status);
	if (x->status < 100 || x->status > 599) {
		snprintf(msg, sizeof(msg), "the server answered status %ld, "
		    "which is not an HTTP status (100-599)", x->status);
		fail(x, msg);
		return;
	}
	if (ask_hop(x))
		return;
	answer(x);
}

static void
transfers(void)
{
	struct xfer *x;
	CURLMsg *m;
	int running, left;

	if (curl_multi_perform(multi, &running) != CURLM_OK)
		fatalx("curl_multi_perform");
	while ((m = curl_multi_info_read(multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		x = NULL;
		if (curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
		    (char **)&x) != CURLE_OK || x == NULL)
			fatalx("a transfer of no request");
		done(x, m->data.result);
	}
}

/* ---- the loop ------------------------------------------------------------ */

static void
broker_message(uint8_t *buf, size_t cap, int *eof)
{
	struct msg m;
	int rc;

	if ((rc = chan_recv_loop(&ch, buf, cap, &m)) <= 0) {
		if (rc == 0)
			*eof = 1;	/* the broker is gone */
		return;
	}
	if (m.hdr.type == WIRE_HTTP_HOP_ANSWER) {
		hop_answer(m.hdr.tag, msg_payload_dup(&m), m.hdr.len);
		return;
	}
	if (m.hdr.type != WIRE_HTTP_REQ)
		fatalx("protocol violation from broker: unexpected %s",
		    wire_specs[m.hdr.type].name);
	/* the request's strings and body live in it while it runs */
	start(m.hdr.tag, msg_payload_dup(&m), m.hdr.len);
}

/* The broker is gone: nothing more will be asked; each request ends. */
static void
end_all(void)
{
	char msg[] = "session ended before the answer came";
	int i;

	for (i = 0; i < XFERS_MAX; i++)
		if (xfers[i].used)
			fail(&xfers[i], msg);
}

int
main(int argc, char **argv)
{
	struct curl_waitfd w;
	uint8_t *buf;
	size_t cap;
	int eof = 0;

	/* before it reads a credential: no ptrace, no /proc/PID/mem of a
	 * process holding one (sandbox_enter says it again) */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		fatal("PR_SET_DUMPABLE");
	log_init("http worker");
	wire_version_check();
	/* a server that closes first is an EPIPE for us, never our death */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fatal("signal");
	json_object_seed(0);	/* before Landlock: reads /dev/urandom */
	init(argc, argv);
	creds_read();
	multi = curlenv_prepare(ca_file);
	sandbox_enter(ROLE_WORKER_HTTP);
	cap = sizeof(struct wire_hdr) + WIRE_PAYLOAD_MAX;
	if ((buf = malloc(cap)) == NULL)
		fatal("malloc");
	chan_init(&ch, role_chan_fd(ROLE_WORKER_HTTP, ROLE_BROKER),
	    ROLE_WORKER_HTTP, ROLE_BROKER, "broker");
	while (!eof) {
		w = (struct curl_waitfd){ ch.fd, CURL_WAIT_POLLIN, 0 };
		if (curl_multi_poll(multi, &w, 1, 1000, NULL) != CURLM_OK)
			fatalx("curl_multi_poll");
		if (w.revents != 0)
			broker_message(buf, cap, &eof);
		if (!eof)
			transfers();
	}
	end_all();
	curl_multi_cleanup(multi);
	free(buf);
	free(creds_blob);
	return 0;
}
