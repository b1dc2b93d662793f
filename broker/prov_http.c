/*
 * broker/prov_http.c -- the http provider's hooks: net.http's params in
 * their canonical form (before the decision: constraints see them), an
 * allowed request as the http worker's HTTP_REQ (the URL as decided, the
 * agent's headers, the credential headers the policy attaches to that
 * URL as templates, the bounds capped by the rule), the broker's word on
 * a redirect hop, and the worker's HTTP_RESP as the agent's data.
 *
 * Runs in: the broker (confined). Privilege: none. Pure. Input: the
 * agent's params (typed by the table) and the http worker's answer (a
 * confined peer's bytes: parsed and checked here before they reach the
 * agent). The broker holds credential templates, never a value: the
 * values are the http worker's alone (docs/POLICY.md §13).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "broker/provider.h"
#include "policy/internal.h"

_Static_assert(URL_MAX == HTTP_URL_MAX, "the worker takes every URL the "
    "policy decides");

_Static_assert(sizeof(struct http_req) <= FWD_HDR_MAX &&
    _Alignof(struct http_req) <= 8, "the http header fits struct fwd");
_Static_assert(sizeof(struct http_hop) <= FWD_HDR_MAX,
    "the hop header fits struct fwd");

size_t http_data_max = AGENT_MSG_MAX - 16 * 1024;

static int
setwhy(char *why, size_t whylen, const char *msg)
{
	snprintf(why, whylen, "%s", msg);
	return -1;
}

/* An HTTP token (RFC 9110 §5.6.2), as a header name. */
static int
is_token(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > HTTP_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) &&
		    strchr("!#$%&'*+-.^_`|~", s[i]) == NULL)
			return 0;
	return 1;
}

/* The headers that frame or route a request, or talk to a proxy: the
 * worker's own (docs/POLICY.md §4). */
int
http_header_reserved(const char *name)
{
	static const char *const own[] = { "host", "content-length",
	    "transfer-encoding", "connection", "upgrade", "te", "trailer",
	    "keep-alive", NULL };
	size_t i;

	for (i = 0; own[i] != NULL; i++)
		if (strcasecmp(name, own[i]) == 0)
			return 1;
	return strncasecmp(name, "proxy-", 6) == 0;
}

/* method upper-cased, letters only (the form the worker sends, and the
 * one constraints match) */
static int
canon_method(json_t *params, char *why, size_t whylen)
{
	json_t *v = json_object_get(params, "method");
	char up[33];
	size_t i, n;

	if (v == NULL)
		return 0;
	if ((n = json_string_length(v)) == 0 || n >= sizeof(up))
		return setwhy(why, whylen, "params.method must be a short "
		    "string");
	for (i = 0; i < n; i++) {
		if (!isalpha((unsigned char)json_string_value(v)[i]))
			return setwhy(why, whylen, "params.method must be "
			    "letters only");
		up[i] = (char)toupper((unsigned char)json_string_value(v)[i]);
	}
	up[n] = '\0';
	/* TRACE and TRACK echo the request, credentials included, into
	 * the answer; CONNECT makes a tunnel, not a request */
	if (strcmp(up, "TRACE") == 0 || strcmp(up, "TRACK") == 0 ||
	    strcmp(up, "CONNECT") == 0)
		return setwhy(why, whylen, "params.method: TRACE, TRACK and "
		    "CONNECT are not sent");
	return json_string_set(v, up) != 0 ? setwhy(why, whylen,
	    "out of memory") : 0;
}

static int
canon_headers(json_t *h, char *why, size_t whylen)
{
	const char *k, *s;
	json_t *v;
	size_t i, n;

	if (json_object_size(h) > HTTP_HEADERS_MAX)
		return setwhy(why, whylen, "params.headers has more than 64 "
		    "headers");
	json_object_foreach(h, k, v) {
		if (!is_token(k, strlen(k))) {
			snprintf(why, whylen, "params.headers: \"%.40s\" is not "
			    "an HTTP header name (a token of at most 64 bytes)",
			    k);
			return -1;
		}
		if (http_header_reserved(k)) {
			snprintf(why, whylen, "params.headers: \"%.40s\" is set "
			    "by the http worker, never by the agent", k);
			return -1;
		}
		if (!json_is_string(v) || (n = json_string_length(v)) >
		    HTTP_VALUE_MAX)
			return setwhy(why, whylen, "params.headers: each value "
			    "must be a string of at most 8192 bytes");
		s = json_string_value(v);
		for (i = 0; i < n; i++)
			if (((unsigned char)s[i] < 0x20 && s[i] != '\t') ||
			    s[i] == 0x7f)
				return setwhy(why, whylen, "params.headers: a "
				    "value holds CR, LF, NUL or another control "
				    "character");
	}
	return 0;
}

/* Whether headers has name (any case). */
static int
has_header(const json_t *h, const char *name)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)h, k, v)
		if (strcasecmp(k, name) == 0)
			return 1;
	return 0;
}

/* body: a string is sent as it is; JSON (an object or a list) as its
 * compact text with its content type, unless the agent named one. */
static int
canon_body(json_t *params, char *why, size_t whylen)
{
	json_t *b = json_object_get(params, "body"), *h;
	char *text;
	int rc;

	if (b == NULL || json_is_string(b))
		return 0;
	if ((text = json_dumps(b, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
		return setwhy(why, whylen, "out of memory");
	rc = json_object_set_new(params, "body", json_string(text));
	free(text);
	if (rc != 0)
		return setwhy(why, whylen, "out of memory");
	if ((h = json_object_get(params, "headers")) == NULL) {
		if (json_object_set_new(params, "headers", h = json_object()))
			return setwhy(why, whylen, "out of memory");
	}
	if (!has_header(h, "content-type") && json_object_set_new(h,
	    "Content-Type", json_string("application/json")) != 0)
		return setwhy(why, whylen, "out of memory");
	return 0;
}

int
http_canon(json_t *params, char *why, size_t whylen)
{
	json_t *v;
	double t;

	if (canon_method(params, why, whylen) < 0 ||
	    canon_body(params, why, whylen) < 0)
		return -1;
	if ((v = json_object_get(params, "headers")) != NULL &&
	    canon_headers(v, why, whylen) < 0)
		return -1;
	t = json_number_value(json_object_get(params, "timeout"));
	if (!(t > 0) || !isfinite(t))
		return setwhy(why, whylen, "params.timeout must be a positive "
		    "number of seconds");
	v = json_object_get(params, "max_bytes");
	if (v != NULL && (json_integer_value(v) < 1 ||
	    json_integer_value(v) > HTTP_BODY_MAX))
		return setwhy(why, whylen, "params.max_bytes must be 1 to "
		    "16777216 bytes");
	v = json_object_get(params, "follow_redirects");
	if (v != NULL && (json_integer_value(v) < 0 ||
	    json_integer_value(v) > HTTP_HOPS_MAX))
		return setwhy(why, whylen, "params.follow_redirects must be 0 "
		    "to 20");
	return 0;
}

/* ---- credentials: templates for one URL ---------------------------------- */

/* Scheme, host and port of a URL, as one string ("https://h:443"),
 * read by curl's parser (the policy's and the worker's). */
static int
origin_of(const char *url, char *out, size_t len)
{
	char *scheme = NULL, *host = NULL, *port = NULL;
	CURLU *u;
	int rc = -1;

	if ((u = curl_url()) == NULL)
		return -1;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) ==
	    CURLUE_OK && snprintf(out, len, "%s://%s:%s", scheme, host,
	    port) < (int)len)
		rc = 0;
	for (; rc == 0 && *out; out++)
		*out = (char)tolower((unsigned char)*out);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

/* Whether one of the templates uses source name nm ("${NAME}", or
 * "${file:PATH}" for a path). */
static int
used_in(const char *nm, const char *const *tmpl, size_t n)
{
	char ref[4200];
	size_t i;

	if (snprintf(ref, sizeof(ref), nm[0] == '/' ? "${file:%s}" : "${%s}",
	    nm) >= (int)sizeof(ref))
		return 1;
	for (i = 0; i < n; i++)
		if (strstr(tmpl[i], ref) != NULL)
			return 1;
	return 0;
}

/*
 * The credential headers for `url`: each matching entry's, in file
 * order, the first entry's winning a name two set; none when `first`
 * (the first request's URL) has another origin. As "Name\0tmpl\0"
 * pairs into buf at *o (the caller sized it: creds_size); *n counts
 * them; names[] (HTTP_CRED_NAMES_MAX) gets the source names used.
 */
static size_t
creds_add(const struct policy *p, const char *url, const char *first,
    char *buf, size_t *o, uint32_t *n, const char **names, size_t *nnames)
{
	size_t idx[16], ni, i, j, k, m, need = 0, first_sent;
	const char *hn, *tmpl, *nm[HTTP_CRED_NAMES_MAX], *seen[HTTP_CRED_HEADERS_MAX];
	const char *sent[HTTP_CRED_HEADERS_MAX];
	char o1[HTTP_URL_MAX], o2[HTTP_URL_MAX];
	size_t nseen = 0;

	if (first != NULL && (origin_of(url, o1, sizeof(o1)) < 0 ||
	    origin_of(first, o2, sizeof(o2)) < 0 || strcmp(o1, o2) != 0))
		return 0;
	ni = policy_cred_match(p, url, idx, 16);
	for (i = 0; i < ni; i++) {
		first_sent = nseen;
		for (j = 0; j < policy_cred_nheaders(p, idx[i]); j++) {
			hn = policy_cred_header(p, idx[i], j, &tmpl);
			for (k = 0; k < nseen; k++)
				if (strcasecmp(seen[k], hn) == 0)
					break;
			if (k < nseen || nseen == HTTP_CRED_HEADERS_MAX)
				continue;
			sent[nseen] = tmpl;
			seen[nseen++] = hn;
			need += strlen(hn) + strlen(tmpl) + 2;
			if (buf != NULL) {
				memcpy(buf + *o, hn, strlen(hn) + 1);
				*o += strlen(hn) + 1;
				memcpy(buf + *o, tmpl, strlen(tmpl) + 1);
				*o += strlen(tmpl) + 1;
				(*n)++;
			}
		}
		if (names == NULL)
			continue;
		/* the sources of the headers this entry sends (one an
		 * earlier entry set is not: its sources are not named) */
		m = policy_cred_names(p, idx[i], nm, HTTP_CRED_NAMES_MAX);
		for (j = 0; j < m; j++) {
			if (!used_in(nm[j], sent + first_sent,
			    nseen - first_sent))
				continue;
			for (k = 0; k < *nnames; k++)
				if (strcmp(names[k], nm[j]) == 0)
					break;
			if (k == *nnames && *nnames < HTTP_CRED_NAMES_MAX)
				names[(*nnames)++] = nm[j];
		}
	}
	return need;
}

size_t
http_cred_names(const struct policy *p, const char *url, const char *first,
    const char **names)
{
	size_t n = 0;

	(void)creds_add(p, url, first, NULL, NULL, NULL, names, &n);
	return n;
}

/* ---- the worker's request ------------------------------------------------ */

static void
put(char *buf, size_t *o, const char *s, size_t n)
{
	memcpy(buf + *o, s, n);
	buf[*o + n] = '\0';
	*o += n + 1;
}

static uint32_t
capped(const json_t *params, const char *key, unsigned long dflt,
    unsigned long max)
{
	const json_t *v = json_object_get(params, key);
	unsigned long x = v != NULL ? (unsigned long)json_integer_value(v) :
	    dflt;

	return (uint32_t)(x < max ? x : max);
}

/* params.timeout capped by the rule, in ms (at least 1) */
static uint32_t
timeout_ms(const json_t *params, const struct http_grant *g)
{
	double t = json_number_value(json_object_get(params, "timeout"));

	if (t > g->timeout_max)
		t = g->timeout_max;
	return (uint32_t)(t * 1000.0) > 0 ? (uint32_t)(t * 1000.0) : 1;
}

int
http_encode(struct fwd *f, const struct policy *p, const char *action,
    json_t *params, const char *target, const struct policy_decision *d,
    const char **err)
{
	struct http_req *hr = (struct http_req *)(void *)f->hdr;
	const json_t *h = json_object_get(params, "headers");
	const json_t *body = json_object_get(params, "body");
	const char *method = json_string_value(json_object_get(params,
	    "method"));
	const json_t *v;
	struct http_grant g;
	const char *k;
	size_t len, o = 0;
	uint32_t n = 0;
	char *buf;

	(void)action;
	if (policy_http_grant(p, d->rule, &g) < 0 || method == NULL) {
		*err = "internal error: a net.http not decided by an allow rule";
		return -1;
	}
	memset(hr, 0, sizeof(*hr));
	len = strlen(method) + 1 + strlen(target) + 1 +
	    creds_add(p, target, NULL, NULL, NULL, NULL, NULL, NULL);
	json_object_foreach((json_t *)h, k, v)
		len += strlen(k) + 2 + json_string_length(v) + 1;
	if (len + (body ? json_string_length(body) : 0) > WIRE_PAYLOAD_MAX -
	    sizeof(*hr)) {
		*err = "request too large";
		return -1;
	}
	if ((buf = malloc(len)) == NULL) {
		*err = "out of memory";
		return -1;
	}
	put(buf, &o, method, strlen(method));
	put(buf, &o, target, strlen(target));
	json_object_foreach((json_t *)h, k, v) {
		memcpy(buf + o, k, strlen(k));
		o += strlen(k);
		buf[o++] = ':';
		buf[o++] = ' ';
		put(buf, &o, json_string_value(v), json_string_length(v));
		hr->nheaders++;
	}
	(void)creds_add(p, target, NULL, buf, &o, &n, NULL, NULL);
	hr->ncreds = n;
	hr->timeout_ms = timeout_ms(params, &g);
	hr->max_bytes = capped(params, "max_bytes",
	    POLICY_HTTP_MAX_BYTES_DEFAULT, g.max_bytes);
	hr->follow = capped(params, "follow_redirects", 0, g.follow_max);
	f->hops_max = hr->follow;
	hr->flags = g.host_named ? HTTP_F_PRIVATE_OK : 0;
	hr->data_max = (uint32_t)http_data_max;
	hr->strs_len = (uint32_t)o;
	hr->body_len = body ? (uint32_t)json_string_length(body) : 0;
	/* its timeout covers every hop; then the last of its answer */
	f->run_ms = hr->timeout_ms + 2000;
	f->owned = buf;
	f->iov[0].iov_base = hr;
	f->iov[0].iov_len = sizeof(*hr);
	f->iov[1].iov_base = buf;
	f->iov[1].iov_len = o;
	f->iov[2].iov_base = body ? (void *)json_string_value(body) : NULL;
	f->iov[2].iov_len = hr->body_len;
	f->iovcnt = 3;
	return 0;
}

int
http_hop(struct fwd *f, const struct policy *p, const char *first,
    const char *url, json_t *params, const struct policy_decision *d,
    const char **err)
{
	struct http_hop *hh = (struct http_hop *)(void *)f->hdr;
	struct http_grant g;
	size_t len = 0, o = 0;
	uint32_t n = 0;
	char *buf = NULL;

	memset(hh, 0, sizeof(*hh));
	f->iovcnt = 1;
	f->iov[0].iov_base = hh;
	f->iov[0].iov_len = sizeof(*hh);
	if (d == NULL || policy_http_grant(p, d->rule, &g) < 0)
		return 0;		/* denied: the 3xx is the answer */
	hh->allowed = 1;
	hh->flags = g.host_named ? HTTP_F_PRIVATE_OK : 0;
	/* the hop's rule's caps on the same params: the worker keeps the
	 * smaller of these and what the exchange had */
	hh->timeout_ms = timeout_ms(params, &g);
	hh->max_bytes = capped(params, "max_bytes",
	    POLICY_HTTP_MAX_BYTES_DEFAULT, g.max_bytes);
	hh->follow = capped(params, "follow_redirects", 0, g.follow_max);
	len = creds_add(p, url, first, NULL, NULL, NULL, NULL, NULL);
	if (len > 0) {
		if ((buf = malloc(len)) == NULL) {
			*err = "out of memory";
			return -1;
		}
		(void)creds_add(p, url, first, buf, &o, &n, NULL, NULL);
	}
	hh->ncreds = n;
	hh->strs_len = (uint32_t)o;
	f->owned = buf;
	f->iov[1].iov_base = buf;
	f->iov[1].iov_len = o;
	f->iovcnt = 2;
	return 0;
}

/* ---- the worker's answer ------------------------------------------------- */

static int
strings_only(const json_t *a, int object)
{
	const char *k;
	json_t *v;
	size_t i;

	if (object) {
		if (!json_is_object(a))
			return 0;
		json_object_foreach((json_t *)a, k, v)
			if (!json_is_string(v))
				return 0;
		return 1;
	}
	if (!json_is_array(a))
		return 0;
	json_array_foreach(a, i, v)
		if (!json_is_string(v))
			return 0;
	return 1;
}

/* The keys of a result, each of its type: a worker that answers anything
 * else broke the protocol. */
static int
result_ok(const json_t *r)
{
	const json_t *v;
	size_t n = 7;

	if (!json_is_object(r))
		return 0;
	v = json_object_get(r, "status_code");
	if (!json_is_integer(v) || json_integer_value(v) < 100 ||
	    json_integer_value(v) > 599)
		return 0;
	if (!strings_only(json_object_get(r, "headers"), 1) ||
	    !json_is_string(json_object_get(r, "body")) ||
	    !json_is_string(json_object_get(r, "body_encoding")) ||
	    !json_is_boolean(json_object_get(r, "truncated")) ||
	    !json_is_string(json_object_get(r, "url")) ||
	    !strings_only(json_object_get(r, "redirects"), 0))
		return 0;
	if ((v = json_object_get(r, "redirect_denied")) != NULL) {
		if (!json_is_string(v))
			return 0;
		n++;
	}
	if ((v = json_object_get(r, "credentials")) != NULL) {
		if (!strings_only(v, 0))
			return 0;
		n++;
	}
	return json_object_size(r) == n;
}

int
http_result(const struct provider *pv, uint32_t kind, const char *raw,
    size_t len, struct growbuf *esc, const char **data, size_t *dlen,
    const char **err)
{
	json_t *r;
	int ok;

	(void)pv;
	(void)esc;
	*data = NULL;
	if (kind == REPLY_ERROR) {
		*err = raw;
		return 0;
	}
	if (kind != REPLY_JSON || (r = json_loadb(raw, len, 0, NULL)) == NULL)
		return -1;
	ok = result_ok(r);
	json_decref(r);
	if (!ok)
		return -1;
	/* 4xx and 5xx are OK with their code (the Python project's way) */
	*data = raw;
	*dlen = len;
	return 0;
}
