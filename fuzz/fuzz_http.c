/*
 * fuzz/fuzz_http.c -- libFuzzer harness for the http worker's pure
 * parts: its reading of an HTTP_REQ and an HTTP_HOP_ANSWER (the
 * broker's bytes, workers/http/req.c), the result JSON built from a web
 * server's headers and body (anyone's bytes, workers/http/result.c), and
 * the credential blob and templates (workers/creds.c).
 *
 * Runs in: the fuzzer process only, as the invoking user, unconfined.
 * Input layout: byte 0 mod 4 picks the target:
 *   0: httpreq_parse of the rest;  1: httphop_parse of the rest;
 *   2: http_result_encode: bytes 1-2 data_max (little-endian, + 1),
 *      byte 3 the header count (mod 9) and bit 0x80 "truncated", then
 *      per header a name length byte, a value length byte and their
 *      bytes; the rest is the body;
 *   3: the rest split at its first "\n\n": a credential blob, then a
 *      template expanded with it.
 * Every payload is copied to a buffer of exactly its size, so ASan sees
 * any over-read.
 *
 * Invariants (__builtin_trap() when violated): an accepted HTTP_REQ has
 * its method (1-32 upper-case letters), URL (http_url_ok), headers and
 * credential pairs inside the buffer and NUL-terminated, its body
 * ending exactly at the buffer's end and the bounds of common/wire.h;
 * an accepted hop says 0 or 1 and has no credentials when denied; an
 * encoded result is at most data_max bytes of JSON, an object with an
 * integer status_code, its body (decoded) a prefix of the real one,
 * "truncated" true when it is shorter; a template's expansion fails
 * with the same error text when every value is emptied (no error
 * depends on, so none holds, a credential value).
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/b64.h"
#include "workers/http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static int
inside(const uint8_t *b, size_t n, const char *s)
{
	return (const uint8_t *)s >= b && (const uint8_t *)s < b + n &&
	    memchr(s, '\0', n - (size_t)((const uint8_t *)s - b)) != NULL;
}

static void
req(const uint8_t *b, size_t size)
{
	struct httpreq r;
	size_t i, k;

	if (httpreq_parse(b, size, &r) < 0)
		return;
	CHECK(inside(b, size, r.method) && strlen(r.method) >= 1 &&
	    strlen(r.method) <= HTTPREQ_METHOD_MAX);
	for (k = 0; r.method[k]; k++)
		CHECK(r.method[k] >= 'A' && r.method[k] <= 'Z');
	CHECK(inside(b, size, r.url) && http_url_ok(r.url));
	CHECK(r.nheaders <= HTTP_HEADERS_MAX && r.ncreds <= HTTP_CRED_HEADERS_MAX);
	for (i = 0; i < r.nheaders; i++)
		CHECK(inside(b, size, r.headers[i]) &&
		    strchr(r.headers[i], ':') != NULL &&
		    strpbrk(r.headers[i], "\r\n") == NULL);
	for (i = 0; i < r.ncreds; i++)
		CHECK(inside(b, size, r.creds[i].name) &&
		    inside(b, size, r.creds[i].tmpl) &&
		    !http_reserved_header(r.creds[i].name,
		    strlen(r.creds[i].name)));
	CHECK((const uint8_t *)r.body + r.body_len == b + size);
	CHECK(r.timeout_ms >= 1 && r.max_bytes >= 1 &&
	    r.max_bytes <= HTTPREQ_BYTES_MAX && r.data_max >= 1 &&
	    r.follow <= HTTPREQ_FOLLOW_MAX);
	httpreq_free(&r);
}

static void
hop(const uint8_t *b, size_t size)
{
	struct httphop h;
	size_t i;

	if (httphop_parse(b, size, &h) < 0)
		return;
	CHECK(h.allowed == 0 || h.allowed == 1);
	CHECK(h.allowed || h.ncreds == 0);
	for (i = 0; i < h.ncreds; i++)
		CHECK(inside(b, size, h.creds[i].name) &&
		    inside(b, size, h.creds[i].tmpl));
	httphop_free(&h);
}

static void
result(const uint8_t *b, size_t size)
{
	static const char *const redirs[] = { "http://a/1" };
	static const char *const cn[] = { "API_TOKEN", "/etc/k" };
	struct rhdr h[8];
	struct http_result r;
	size_t o = 3, dm, len, got, n;
	unsigned char *dec;
	char *t;
	json_t *v, *body;
	const char *bs;

	if (size < 3)
		return;
	dm = ((size_t)b[0] | (size_t)b[1] << 8) + 1;
	memset(&r, 0, sizeof(r));
	r.truncated = (b[2] & 0x80) != 0;
	for (n = 0; n < (size_t)(b[2] & 0x7f) % 9 && o + 2 <= size; n++) {
		size_t nl = b[o], vl = b[o + 1];

		o += 2;
		if (nl + vl > size - o)
			break;
		h[n] = (struct rhdr){ (const char *)b + o,
		    (const char *)b + o + nl, nl, vl };
		o += nl + vl;
	}
	r.status = 200;
	r.hdrs = h;
	r.nhdrs = n;
	r.body = (const char *)b + o;
	r.body_len = size - o;
	r.url = "http://a/1";
	r.redirects = redirs;
	r.nredirects = 1;
	r.creds = cn;
	r.ncreds = b[2] & 1 ? 2 : 0;
	if (http_result_encode(&r, dm, &t, &len) < 0)
		return;
	CHECK(len <= dm && strlen(t) == len);
	v = json_loadb(t, len, 0, NULL);
	CHECK(json_is_object(v) &&
	    json_is_integer(json_object_get(v, "status_code")));
	body = json_object_get(v, "body");
	CHECK(json_is_string(body));
	bs = json_string_value(body);
	if (strcmp(json_string_value(json_object_get(v, "body_encoding")),
	    "base64") == 0) {
		dec = malloc(json_string_length(body) + 4);
		CHECK(b64_decode(bs, json_string_length(body), dec, &got) == 0);
		CHECK(got <= r.body_len && memcmp(dec, r.body, got) == 0);
		free(dec);
	} else {
		got = json_string_length(body);
		CHECK(got <= r.body_len && memcmp(bs, r.body, got) == 0);
	}
	CHECK(got == r.body_len || json_is_true(json_object_get(v,
	    "truncated")));
	json_decref(v);
	free(t);
}

static void
creds(const uint8_t *b, size_t size)
{
	const uint8_t *sep = memmem(b, size, "\n\n", 2);
	struct credstore cs, blank;
	struct credused u, u2;
	char err[512], err2[512], *tmpl, *v, *v2;
	size_t bl, i;

	if (sep == NULL)
		return;
	bl = (size_t)(sep - b);
	if (creds_load(&cs, (const char *)b, bl) < 0)
		return;
	for (i = 0; i < cs.n; i++)
		CHECK(strpbrk(cs.val[i], "\r\n") == NULL);
	tmpl = malloc(size - bl - 2 + 1);
	memcpy(tmpl, sep + 2, size - bl - 2);
	tmpl[size - bl - 2] = '\0';
	memset(&u, 0, sizeof(u));
	err[0] = '\0';
	v = creds_expand(&cs, tmpl, &u, err, sizeof(err));
	/* the same sources with every value empty: the same outcome and
	 * the same error text (an error depends on no value) */
	blank = cs;
	for (i = 0; i < blank.n; i++)
		blank.val[i] = "";
	memset(&u2, 0, sizeof(u2));
	err2[0] = '\0';
	v2 = creds_expand(&blank, tmpl, &u2, err2, sizeof(err2));
	CHECK((v == NULL) == (v2 == NULL));
	if (v == NULL)
		CHECK(err[0] != '\0' && strcmp(err, err2) == 0);
	else
		CHECK(u.n <= cs.n && u.n == u2.n);
	free(v);
	free(v2);
	free(tmpl);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *b;

	if (size < 1)
		return 0;
	b = malloc(size - 1 ? size - 1 : 1);
	memcpy(b, data + 1, size - 1);
	switch (data[0] % 4) {
	case 0:
		req(b, size - 1);
		break;
	case 1:
		hop(b, size - 1);
		break;
	case 2:
		result(b, size - 1);
		break;
	default:
		creds(b, size - 1);
		break;
	}
	free(b);
	return 0;
}
