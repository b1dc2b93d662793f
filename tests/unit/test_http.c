/*
 * tests/unit/test_http.c -- the http worker's pure parts
 * (workers/http/): the address classes it refuses, its reading of
 * HTTP_REQ and HTTP_HOP_ANSWER, the credential blob and templates (a
 * value never in an error), and the result JSON (UTF-8 or base64 body,
 * headers joined, data_max honoured to the byte).
 */
#include <arpa/inet.h>
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/b64.h"
#include "workers/http/http.h"

/* ---- address classes ---- */

static enum addr_class
cls(const char *s)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, s, a) == 1)
		return addr_classify(AF_INET, a);
	ck_assert_msg(inet_pton(AF_INET6, s, a) == 1, "bad test address %s", s);
	return addr_classify(AF_INET6, a);
}

START_TEST(test_addr_classes)
{
	static const struct {
		const char *a;
		enum addr_class c;
	} t[] = {
		{ "127.0.0.1", ADDR_LOOPBACK }, { "127.255.1.2", ADDR_LOOPBACK },
		{ "::1", ADDR_LOOPBACK }, { "::ffff:127.0.0.1", ADDR_LOOPBACK },
		{ "::127.0.0.1", ADDR_LOOPBACK }, { "64:ff9b::7f00:1", ADDR_LOOPBACK },
		{ "10.1.2.3", ADDR_PRIVATE }, { "172.16.0.1", ADDR_PRIVATE },
		{ "172.31.255.255", ADDR_PRIVATE }, { "192.168.1.1", ADDR_PRIVATE },
		{ "fc00::1", ADDR_PRIVATE }, { "fd12:3456::1", ADDR_PRIVATE },
		{ "::ffff:10.0.0.1", ADDR_PRIVATE }, { "64:ff9b::192.168.0.1",
		ADDR_PRIVATE }, { "fec0::1", ADDR_PRIVATE },
		{ "169.254.169.254", ADDR_LINKLOCAL }, { "fe80::1", ADDR_LINKLOCAL },
		{ "febf::1", ADDR_LINKLOCAL },
		{ "::ffff:169.254.169.254", ADDR_LINKLOCAL },
		{ "100.64.0.1", ADDR_CGNAT }, { "100.127.255.255", ADDR_CGNAT },
		{ "224.0.0.1", ADDR_MULTICAST }, { "239.255.255.255", ADDR_MULTICAST },
		{ "ff02::1", ADDR_MULTICAST }, { "::ffff:224.0.0.1", ADDR_MULTICAST },
		{ "0.0.0.0", ADDR_UNSPECIFIED }, { "0.1.2.3", ADDR_UNSPECIFIED },
		{ "::", ADDR_UNSPECIFIED }, { "::ffff:0.0.0.0", ADDR_UNSPECIFIED },
		{ "255.255.255.255", ADDR_BROADCAST },
		{ "::ffff:255.255.255.255", ADDR_BROADCAST },
		/* public, next to each refused block */
		{ "8.8.8.8", ADDR_PUBLIC }, { "1.1.1.1", ADDR_PUBLIC },
		{ "126.255.255.255", ADDR_PUBLIC }, { "128.0.0.1", ADDR_PUBLIC },
		{ "11.0.0.1", ADDR_PUBLIC }, { "172.15.255.255", ADDR_PUBLIC },
		{ "172.32.0.1", ADDR_PUBLIC }, { "192.167.1.1", ADDR_PUBLIC },
		{ "169.253.1.1", ADDR_PUBLIC }, { "100.63.255.255", ADDR_PUBLIC },
		{ "100.128.0.1", ADDR_PUBLIC }, { "223.255.255.255", ADDR_PUBLIC },
		{ "240.0.0.1", ADDR_RESERVED }, { "255.255.255.254", ADDR_RESERVED },
		{ "198.18.0.1", ADDR_RESERVED }, { "198.19.255.255", ADDR_RESERVED },
		{ "198.17.255.255", ADDR_PUBLIC }, { "198.20.0.1", ADDR_PUBLIC },
		{ "239.255.255.254", ADDR_MULTICAST },
		/* 6to4 and local-use NAT64 carry a v4 address */
		{ "2002:7f00:1::1", ADDR_LOOPBACK }, { "2002:a9fe:a9fe::", ADDR_LINKLOCAL },
		{ "2002:808:808::1", ADDR_PUBLIC },
		{ "64:ff9b:1::a00:1", ADDR_PRIVATE }, { "64:ff9b:1::808:808", ADDR_PUBLIC },
		{ "2606:4700::1111", ADDR_PUBLIC }, { "2001:4860:4860::8888",
		ADDR_PUBLIC }, { "::ffff:8.8.8.8", ADDR_PUBLIC },
		{ "64:ff9b::808:808", ADDR_PUBLIC }, { "fbff::1", ADDR_PUBLIC },
		{ "fe7f::1", ADDR_PUBLIC }, { "::2:0:0:1", ADDR_PUBLIC },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(cls(t[i].a) == t[i].c, "%s: class %d, want %d",
		    t[i].a, (int)cls(t[i].a), (int)t[i].c);
	ck_assert_str_eq(addr_class_name(ADDR_LOOPBACK), "a loopback address");
	ck_assert_int_eq(addr_classify(AF_UNIX, (const unsigned char *)"xxxx"),
	    ADDR_UNSPECIFIED);
}
END_TEST

/* ---- HTTP_REQ ---- */

struct mb {
	uint8_t b[200000];
	size_t o;
	struct http_req h;
};

static void
mb_init(struct mb *m)
{
	memset(m, 0, sizeof(*m));
	m->o = sizeof(m->h);
	m->h = (struct http_req){ HTTP_F_PRIVATE_OK, 30000, 1 << 20, 3,
	    1 << 20, 0, 0, 0, 0 };
}

static void
mb_str(struct mb *m, const char *s)
{
	size_t n = strlen(s) + 1;

	memcpy(m->b + m->o, s, n);
	m->o += n;
}

/* method, URL, headers, creds (pairs), then the body: the header last */
static size_t
mb_done(struct mb *m, const char *body)
{
	m->h.strs_len = (uint32_t)(m->o - sizeof(m->h));
	if (body) {
		memcpy(m->b + m->o, body, strlen(body));
		m->o += strlen(body);
		m->h.body_len = (uint32_t)strlen(body);
	}
	memcpy(m->b, &m->h, sizeof(m->h));
	return m->o;
}

static size_t
good_req(struct mb *m)
{
	mb_init(m);
	mb_str(m, "POST");
	mb_str(m, "https://api.example.com/v1/x?q=1");
	mb_str(m, "Accept: application/json");
	mb_str(m, "X-Empty:");
	m->h.nheaders = 2;
	mb_str(m, "Authorization");
	mb_str(m, "Bearer ${API_TOKEN}");
	m->h.ncreds = 1;
	return mb_done(m, "{\"a\":1}");
}

START_TEST(test_req_good)
{
	static struct mb m;
	struct httpreq r;
	size_t n = good_req(&m);

	ck_assert_int_eq(httpreq_parse(m.b, n, &r), 0);
	ck_assert_str_eq(r.method, "POST");
	ck_assert_str_eq(r.url, "https://api.example.com/v1/x?q=1");
	ck_assert_uint_eq(r.nheaders, 2);
	ck_assert_str_eq(r.headers[0], "Accept: application/json");
	ck_assert_str_eq(r.headers[1], "X-Empty:");
	ck_assert_uint_eq(r.ncreds, 1);
	ck_assert_str_eq(r.creds[0].name, "Authorization");
	ck_assert_str_eq(r.creds[0].tmpl, "Bearer ${API_TOKEN}");
	ck_assert_uint_eq(r.body_len, 7);
	ck_assert(memcmp(r.body, "{\"a\":1}", 7) == 0);
	ck_assert_uint_eq(r.flags, HTTP_F_PRIVATE_OK);
	ck_assert_uint_eq(r.follow, 3);
	httpreq_free(&r);
	/* no headers, no creds, no body */
	mb_init(&m);
	mb_str(&m, "GET");
	mb_str(&m, "HTTP://x/");
	n = mb_done(&m, NULL);
	ck_assert_int_eq(httpreq_parse(m.b, n, &r), 0);
	ck_assert_ptr_null(r.headers);
	ck_assert_uint_eq(r.body_len, 0);
	httpreq_free(&r);
}
END_TEST

/* Each malformation, on its own, is refused. */
enum bad {
	B_SHORT, B_STRS_OVER, B_BODY_LEN, B_METHOD_LOWER, B_METHOD_LONG,
	B_METHOD_EMPTY, B_SCHEME, B_URL_LONG, B_URL_SPACE, B_HDR_NOCOLON,
	B_HDR_NAME, B_HDR_CR, B_HDR_LF, B_CRED_RESERVED, B_CRED_TMPL_LF,
	B_CRED_NAME_EMPTY, B_NO_NUL, B_EXTRA_STR, B_MISSING_STR, B_MAXB_0,
	B_MAXB_BIG, B_DATAMAX_0, B_TIMEOUT_0, B_FLAGS, B_NHEADERS,
	B_NCREDS, B_FOLLOW, B_DATAMAX_BIG, B_N
};

static size_t
bad_req(struct mb *m, enum bad b)
{
	char longm[40], *longu;
	size_t n;

	mb_init(m);
	memset(longm, 'A', 33);
	longm[33] = '\0';
	mb_str(m, b == B_METHOD_LOWER ? "get" : b == B_METHOD_LONG ? longm :
	    b == B_METHOD_EMPTY ? "" : "GET");
	if (b == B_URL_LONG) {
		/* one byte more than the policy decides (URL_MAX) */
		longu = malloc(HTTP_URL_MAX + 2);
		memcpy(longu, "http://a/", 9);
		memset(longu + 9, 'a', HTTP_URL_MAX + 1 - 9);
		longu[HTTP_URL_MAX + 1] = '\0';
		mb_str(m, longu);
		free(longu);
	} else
		mb_str(m, b == B_SCHEME ? "ftp://x/" : b == B_URL_SPACE ?
		    "http://x/a b" : "http://x/");
	mb_str(m, b == B_HDR_NOCOLON ? "Accept" : b == B_HDR_NAME ?
	    "Acc ept: x" : b == B_HDR_CR ? "A: x\rB: y" : b == B_HDR_LF ?
	    "A: x\nB: y" : "A: b");
	m->h.nheaders = 1;
	mb_str(m, b == B_CRED_RESERVED ? "Proxy-Authorization" :
	    b == B_CRED_NAME_EMPTY ? "" : "X-Key");
	mb_str(m, b == B_CRED_TMPL_LF ? "${K}\nX: y" : "${K}");
	m->h.ncreds = 1;
	if (b == B_EXTRA_STR)
		mb_str(m, "extra");
	if (b == B_MISSING_STR)
		m->h.ncreds = 2;
	if (b == B_NO_NUL)
		m->o--;
	switch (b) {
	case B_MAXB_0: m->h.max_bytes = 0; break;
	case B_MAXB_BIG: m->h.max_bytes = HTTPREQ_BYTES_MAX + 1; break;
	case B_DATAMAX_0: m->h.data_max = 0; break;
	case B_DATAMAX_BIG: m->h.data_max = WIRE_PAYLOAD_MAX; break;
	case B_TIMEOUT_0: m->h.timeout_ms = 0; break;
	case B_FLAGS: m->h.flags = 0x2; break;
	case B_NHEADERS: m->h.nheaders = HTTP_HEADERS_MAX + 1; break;
	case B_NCREDS: m->h.ncreds = HTTP_CRED_HEADERS_MAX + 1; break;
	case B_FOLLOW: m->h.follow = HTTPREQ_FOLLOW_MAX + 1; break;
	default: break;
	}
	n = mb_done(m, b == B_NO_NUL ? NULL : "body");
	if (b == B_BODY_LEN) {
		m->h.body_len = 3;
		memcpy(m->b, &m->h, sizeof(m->h));
	}
	if (b == B_STRS_OVER) {
		m->h.strs_len = (uint32_t)(n - sizeof(m->h) + 1);
		memcpy(m->b, &m->h, sizeof(m->h));
	}
	return b == B_SHORT ? sizeof(m->h) - 1 : n;
}

START_TEST(test_req_bad)
{
	static struct mb m;
	struct httpreq r;
	int b;

	for (b = 0; b < B_N; b++) {
		size_t n = bad_req(&m, (enum bad)b);

		ck_assert_msg(httpreq_parse(m.b, n, &r) == -1,
		    "malformation %d accepted", b);
		ck_assert_ptr_null(r.headers);
		ck_assert_ptr_null(r.creds);
	}
}
END_TEST

START_TEST(test_hop)
{
	uint8_t b[256];
	struct http_hop h = { 1, HTTP_F_PRIVATE_OK, 1, 0, 5000, 100, 2, 0 };
	struct httphop hp;
	static const char s[] = "X-Key\0${K}";

	h.strs_len = sizeof(s);
	memcpy(b, &h, sizeof(h));
	memcpy(b + sizeof(h), s, sizeof(s));
	ck_assert_int_eq(httphop_parse(b, sizeof(h) + sizeof(s), &hp), 0);
	ck_assert_int_eq(hp.allowed, 1);
	ck_assert_uint_eq(hp.ncreds, 1);
	ck_assert_uint_eq(hp.max_bytes, 100);
	ck_assert_uint_eq(hp.timeout_ms, 5000);
	ck_assert_uint_eq(hp.follow, 2);
	ck_assert_str_eq(hp.creds[0].tmpl, "${K}");
	httphop_free(&hp);
	/* one byte more than strs_len; allowed 2; denied with creds */
	ck_assert_int_eq(httphop_parse(b, sizeof(h) + sizeof(s) + 1, &hp), -1);
	h.allowed = 2;
	memcpy(b, &h, sizeof(h));
	ck_assert_int_eq(httphop_parse(b, sizeof(h) + sizeof(s), &hp), -1);
	h.allowed = 0;
	memcpy(b, &h, sizeof(h));
	ck_assert_int_eq(httphop_parse(b, sizeof(h) + sizeof(s), &hp), -1);
	/* allowed without its caps: a broken broker */
	h = (struct http_hop){ 1, 0, 0, 0, 0, 100, 0, 0 };
	memcpy(b, &h, sizeof(h));
	ck_assert_int_eq(httphop_parse(b, sizeof(h), &hp), -1);
	h = (struct http_hop){ 1, 0, 0, 0, 10, HTTP_BODY_MAX + 1, 0, 0 };
	memcpy(b, &h, sizeof(h));
	ck_assert_int_eq(httphop_parse(b, sizeof(h), &hp), -1);
	h = (struct http_hop){ 0, 0, 0, 0, 0, 0, 0, 0 };
	memcpy(b, &h, sizeof(h));
	ck_assert_int_eq(httphop_parse(b, sizeof(h), &hp), 0);
	ck_assert_int_eq(hp.allowed, 0);
	ck_assert_int_eq(httphop_parse(b, sizeof(h) - 1, &hp), -1);
}
END_TEST

START_TEST(test_reserved)
{
	ck_assert(http_reserved_header("HOST", 4));
	ck_assert(http_reserved_header("proxy-anything", 14));
	ck_assert(http_reserved_header("Keep-Alive", 10));
	ck_assert(http_reserved_header("te", 2));
	ck_assert(!http_reserved_header("Authorization", 13));
	ck_assert(!http_reserved_header("Hosts", 5));
	ck_assert(!http_reserved_header("Proxy", 5));
	ck_assert(http_token("X-A_b.c~", 8));
	ck_assert(!http_token("X A", 3));
	ck_assert(!http_token("", 0));
	ck_assert(!http_token("a:b", 3));
}
END_TEST

/* ---- credentials ---- */

static const char blob[] = "ENV:API_TOKEN\0s3cr3t-t0ken\0FILE:/etc/k\0"
    "file-secret\0ENV:EMPTY\0";

START_TEST(test_creds_load)
{
	struct credstore cs;

	ck_assert_int_eq(creds_load(&cs, blob, sizeof(blob)), 0);
	ck_assert_uint_eq(cs.n, 3);
	ck_assert_str_eq(cs.val[2], "");
	ck_assert_int_eq(creds_load(&cs, "", 0), 0);
	ck_assert_uint_eq(cs.n, 0);
	/* no last NUL; a source without value; CR in a value; a bad or
	 * repeated source */
	ck_assert_int_eq(creds_load(&cs, blob, sizeof(blob) - 1), -1);
	ck_assert_int_eq(creds_load(&cs, "ENV:A\0", 6), -1);
	ck_assert_int_eq(creds_load(&cs, "ENV:A\0x\ry\0", 10), -1);
	ck_assert_int_eq(creds_load(&cs, "ENV:A\0x\ny\0", 10), -1);
	ck_assert_int_eq(creds_load(&cs, "VAR:A\0x\0", 8), -1);
	ck_assert_int_eq(creds_load(&cs, "ENV:\0x\0", 7), -1);
	ck_assert_int_eq(creds_load(&cs, "FILE:rel\0x\0", 11), -1);
	ck_assert_int_eq(creds_load(&cs, "ENV:A\0x\0ENV:A\0y\0", 16), -1);
	ck_assert_str_eq(creds_display("ENV:API_TOKEN"), "API_TOKEN");
	ck_assert_str_eq(creds_display("FILE:/etc/k"), "/etc/k");
}
END_TEST

START_TEST(test_creds_expand)
{
	static const struct {
		const char *t, *want;
		size_t nused;
	} ok[] = {
		{ "Bearer ${API_TOKEN}", "Bearer s3cr3t-t0ken", 1 },
		{ "${file:/etc/k}", "file-secret", 1 },
		{ "$$", "$", 0 },
		{ "a$$b$$$${API_TOKEN}", "a$b$${API_TOKEN}", 0 },
		{ "$$${API_TOKEN}$$", "$s3cr3t-t0ken$", 1 },
		{ "${API_TOKEN}:${file:/etc/k}:${API_TOKEN}",
		    "s3cr3t-t0ken:file-secret:s3cr3t-t0ken", 2 },
		{ "x${EMPTY}y", "xy", 1 },
		{ "plain }{ text", "plain }{ text", 0 },
		{ "", "", 0 },
	};
	static const char *const bad[] = {
		"${NOPE}", "${file:/etc/other}", "${api_token}", "$X", "$",
		"${API_TOKEN", "a$", "${FILE:/etc/k}",
	};
	struct credstore cs;
	struct credused u;
	char err[256], *v;
	size_t i;

	ck_assert_int_eq(creds_load(&cs, blob, sizeof(blob)), 0);
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		memset(&u, 0, sizeof(u));
		v = creds_expand(&cs, ok[i].t, &u, err, sizeof(err));
		ck_assert_msg(v != NULL, "%s: %s", ok[i].t, err);
		ck_assert_str_eq(v, ok[i].want);
		ck_assert_uint_eq(u.n, ok[i].nused);
		free(v);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&u, 0, sizeof(u));
		err[0] = '\0';
		ck_assert_ptr_null(creds_expand(&cs, bad[i], &u, err,
		    sizeof(err)));
		ck_assert_msg(err[0] != '\0', "%s: no reason", bad[i]);
		/* never a value in an error */
		ck_assert_ptr_null(strstr(err, "s3cr3t"));
		ck_assert_ptr_null(strstr(err, "file-secret"));
	}
	/* a missing source is named */
	memset(&u, 0, sizeof(u));
	(void)creds_expand(&cs, "Bearer ${API_TOKEN} ${NOPE}", &u, err,
	    sizeof(err));
	ck_assert_ptr_nonnull(strstr(err, "ENV:NOPE"));
	ck_assert_ptr_null(strstr(err, "s3cr3t"));
	(void)creds_expand(&cs, "${file:/etc/none}", &u, err, sizeof(err));
	ck_assert_ptr_nonnull(strstr(err, "FILE:/etc/none"));
}
END_TEST

/* ---- the result ---- */

static json_t *
encode(const struct http_result *r, size_t data_max, size_t *len)
{
	char *t;
	json_t *v;

	ck_assert_int_eq(http_result_encode(r, data_max, &t, len), 0);
	ck_assert_uint_le(*len, data_max);
	ck_assert_uint_eq(strlen(t), *len);
	v = json_loadb(t, *len, 0, NULL);
	ck_assert_msg(v != NULL, "not JSON: %s", t);
	free(t);
	return v;
}

static const struct rhdr hdrs[] = {
	{ "Content-Type", "text/plain", 12, 10 },
	{ "Set-Cookie", "a=1", 10, 3 },
	{ "set-cookie", "b=2", 10, 3 },
	{ "Bad Name", "x", 8, 1 },
	{ "X-Latin", "caf\xe9", 7, 4 },
	{ "X-Nul", "a\0b", 5, 3 },
};

START_TEST(test_result_utf8)
{
	static const char *const redirs[] = { "http://a/1", "http://a/2" };
	static const char *const cn[] = { "API_TOKEN" };
	struct http_result r = { 200, hdrs, 6, "h\xc3\xa9llo \"q\"\n", 11, 0,
	    "http://a/2", redirs, 2, NULL, cn, 1 };
	json_t *v, *h;
	size_t len;

	v = encode(&r, 1 << 20, &len);
	ck_assert_int_eq(json_integer_value(json_object_get(v, "status_code")),
	    200);
	ck_assert_str_eq(json_string_value(json_object_get(v, "body")),
	    "h\xc3\xa9llo \"q\"\n");
	ck_assert_str_eq(json_string_value(json_object_get(v,
	    "body_encoding")), "utf-8");
	ck_assert(json_is_false(json_object_get(v, "truncated")));
	h = json_object_get(v, "headers");
	ck_assert_str_eq(json_string_value(json_object_get(h, "set-cookie")),
	    "a=1, b=2");
	ck_assert_str_eq(json_string_value(json_object_get(h,
	    "content-type")), "text/plain");
	ck_assert_ptr_null(json_object_get(h, "bad name"));
	ck_assert_str_eq(json_string_value(json_object_get(h, "x-latin")),
	    "caf\xc3\xa9");
	ck_assert_str_eq(json_string_value(json_object_get(h, "x-nul")), "ab");
	ck_assert_uint_eq(json_array_size(json_object_get(v, "redirects")), 2);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(v,
	    "credentials"), 0)), "API_TOKEN");
	ck_assert_ptr_null(json_object_get(v, "redirect_denied"));
	json_decref(v);
	r.redirect_denied = "http://b/";
	r.ncreds = 0;
	v = encode(&r, 1 << 20, &len);
	ck_assert_str_eq(json_string_value(json_object_get(v,
	    "redirect_denied")), "http://b/");
	ck_assert_ptr_null(json_object_get(v, "credentials"));
	json_decref(v);
}
END_TEST

START_TEST(test_result_base64)
{
	static const char bin[] = "a\0b\xff\xfe";
	struct http_result r = { 200, NULL, 0, bin, 5, 0, "http://a/", NULL,
	    0, NULL, NULL, 0 };
	unsigned char dec[16];
	size_t len, dl;
	json_t *v;
	const char *b;

	v = encode(&r, 4096, &len);
	ck_assert_str_eq(json_string_value(json_object_get(v,
	    "body_encoding")), "base64");
	b = json_string_value(json_object_get(v, "body"));
	ck_assert_int_eq(b64_decode(b, strlen(b), dec, &dl), 0);
	ck_assert_uint_eq(dl, 5);
	ck_assert(memcmp(dec, bin, 5) == 0);
	json_decref(v);
	/* invalid UTF-8 in the middle: base64 even when truncated */
	r.body = "ab\xc3(cd";
	r.body_len = 6;
	r.truncated = 1;
	v = encode(&r, 4096, &len);
	ck_assert_str_eq(json_string_value(json_object_get(v,
	    "body_encoding")), "base64");
	json_decref(v);
	/* an incomplete last character of a cut body: dropped, utf-8 */
	r.body = "ab\xe2\x98";
	r.body_len = 4;
	v = encode(&r, 4096, &len);
	ck_assert_str_eq(json_string_value(json_object_get(v,
	    "body_encoding")), "utf-8");
	ck_assert_str_eq(json_string_value(json_object_get(v, "body")), "ab");
	json_decref(v);
	/* ... but not when the body was whole: base64 */
	r.truncated = 0;
	v = encode(&r, 4096, &len);
	ck_assert_str_eq(json_string_value(json_object_get(v,
	    "body_encoding")), "base64");
	json_decref(v);
}
END_TEST

/* Every data_max from too small to enough: -1, or at most data_max
 * bytes, the body a prefix of the real one, cut only when it had to. */
static void
sweep(const char *body, size_t blen, int text)
{
	struct http_result r = { 404, hdrs, 3, body, blen, 0, "http://a/",
	    NULL, 0, NULL, NULL, 0 };
	size_t dm, len, whole = 0, got, min = 0;
	unsigned char *dec = malloc(blen + 4);
	char *t;
	json_t *v;
	const char *b;

	ck_assert_int_eq(http_result_encode(&r, 1 << 20, &t, &whole), 0);
	free(t);
	for (dm = 1; dm <= whole + 2; dm++) {
		if (http_result_encode(&r, dm, &t, &len) < 0) {
			ck_assert_uint_eq(min, 0);
			continue;
		}
		if (min == 0)
			min = dm;
		ck_assert_uint_le(len, dm);
		v = json_loadb(t, len, 0, NULL);
		ck_assert_msg(v != NULL, "not JSON at %zu: %s", dm, t);
		b = json_string_value(json_object_get(v, "body"));
		if (text) {
			got = json_string_length(json_object_get(v, "body"));
			ck_assert(memcmp(b, body, got) == 0);
		} else
			ck_assert_int_eq(b64_decode(b, strlen(b), dec, &got), 0);
		ck_assert(memcmp(dec, body, text ? 0 : got) == 0);
		ck_assert_int_eq(json_is_true(json_object_get(v, "truncated")),
		    got < blen);
		ck_assert(got == blen || dm < whole);
		/* a cut leaves no room for more: at most one escaped
		 * character (6 bytes, 12 for a pair) or base64 quantum */
		if (got < blen)
			ck_assert_uint_le(dm - len, 12);
		json_decref(v);
		free(t);
	}
	ck_assert_uint_gt(min, 0);
	free(dec);
}

START_TEST(test_result_data_max)
{
	static const char txt[] = "plain \"quoted\" \\ tab\t nl\n \xc3\xa9 "
	    "\xe2\x98\x83 \xe2\x80\xa8 \xf0\x9f\x98\x80 \x01 end";
	static const char bin[] = "\0\1\2\3\4\5\6\7\xff\xfe\xfd\xfc\xfb\xfa"
	    "0123456789";

	sweep(txt, sizeof(txt) - 1, 1);
	sweep(bin, sizeof(bin) - 1, 0);
	sweep("", 0, 1);
}
END_TEST

START_TEST(test_b64)
{
	static const char *const t[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
	};
	char out[16];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_uint_eq(http_b64_encode((const unsigned char *)t[i][0],
		    strlen(t[i][0]), out), strlen(t[i][1]));
		ck_assert_str_eq(out, t[i][1]);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_addr_classes);
	tcase_add_test(tc, test_req_good);
	tcase_add_test(tc, test_req_bad);
	tcase_add_test(tc, test_hop);
	tcase_add_test(tc, test_reserved);
	tcase_add_test(tc, test_creds_load);
	tcase_add_test(tc, test_creds_expand);
	tcase_add_test(tc, test_result_utf8);
	tcase_add_test(tc, test_result_base64);
	tcase_add_test(tc, test_result_data_max);
	tcase_add_test(tc, test_b64);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
