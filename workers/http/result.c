/*
 * workers/http/result.c -- the JSON an answered net.http request gets
 * (docs/PROTOCOL.md): status, headers, body, what was followed. Its
 * size is exact before it is written: the body is cut (and the answer
 * says so) until the whole text fits the agent channel's data_max,
 * never one byte more. Pure (no I/O, no exit()): unit-tested and
 * fuzzed (fuzz/fuzz_http.c).
 *
 * Runs in: aksup-worker-http (confined). Privilege: none needed.
 * Input: a web server's response headers and body (anyone's bytes:
 * any byte may be anywhere) and the worker's own URLs and names.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonesc.h"
#include "workers/http/http.h"

size_t
http_b64_encode(const unsigned char *in, size_t n, char *out)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;
	unsigned v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = tab[(v >> 6) & 63];
		out[o++] = tab[v & 63];
	}
	if (i < n) {
		v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 :
		    0);
		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

/* Bytes of the longest prefix of s that is UTF-8 without NUL. */
static size_t
utf8_valid_prefix(const char *s, size_t n)
{
	size_t i = 0, k;
	unsigned cp;

	while (i < n) {
		if ((k = utf8_decode((const unsigned char *)s + i, n - i,
		    &cp)) == 0 || cp == 0)
			break;
		i += k;
	}
	return i;
}

/* 1 when s[0..n) (n < 4) could begin a UTF-8 character: a body cut at
 * max_bytes in the middle of one. */
static int
utf8_incomplete(const char *s, size_t n)
{
	unsigned char c = (unsigned char)s[0];
	size_t need, i;

	if (n == 0 || n > 3)
		return n == 0;
	need = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 :
	    c >= 0xf0 && c <= 0xf4 ? 4 : 0;
	if (need <= n)
		return 0;
	for (i = 1; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			return 0;
	return 1;
}

/*
 * The body as the inside of a JSON string: escapes code point by code
 * point (json_escape's rules) into out (or only counted, out NULL),
 * stopping before a code point that would pass budget. Returns the
 * bytes produced; *kept, the body bytes they hold.
 */
static size_t
esc_walk(const char *s, size_t n, size_t budget, char *out, size_t *kept)
{
	char tmp[JSON_ESCAPE_MAX(4)];
	size_t i = 0, o = 0, k, e;
	unsigned cp;
	unsigned char c;

	while (i < n) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			if (o + 1 > budget)
				break;
			if (out)
				out[o] = (char)c;
			o++;
			i++;
			continue;
		}
		if ((k = utf8_decode((const unsigned char *)s + i, n - i,
		    &cp)) == 0 || (e = json_escape(tmp, s + i, k)) < 2)
			break;	/* not reached: the caller checked */
		e -= 2;	/* the quotes */
		if (o + e > budget)
			break;
		if (out)
			memcpy(out + o, tmp + 1, e);
		o += e;
		i += k;
	}
	*kept = i;
	return o;
}

/* A header name, lower-cased into buf (a token of at most 255 bytes),
 * or NULL to drop it. */
static const char *
lower_name(const struct rhdr *h, char *buf)
{
	size_t i;

	if (h->nlen > 255 || !http_token(h->name, h->nlen))
		return NULL;
	for (i = 0; i < h->nlen; i++)
		buf[i] = (char)((h->name[i] >= 'A' && h->name[i] <= 'Z') ?
		    h->name[i] + 32 : h->name[i]);
	buf[h->nlen] = '\0';
	return buf;
}

/* A header value as UTF-8 (malloc'd): as is when it is UTF-8 without
 * NUL, else each byte read as ISO-8859-1 (NUL dropped). */
static char *
value_utf8(const struct rhdr *h, size_t *len)
{
	char *v;
	size_t i, o = 0;
	unsigned char c;

	if (utf8_valid_prefix(h->value, h->vlen) == h->vlen) {
		if ((v = malloc(h->vlen + 1)) == NULL)
			return NULL;
		memcpy(v, h->value, h->vlen);
		*len = h->vlen;
		v[*len] = '\0';
		return v;
	}
	if ((v = malloc(2 * h->vlen + 1)) == NULL)
		return NULL;
	for (i = 0; i < h->vlen; i++) {
		c = (unsigned char)h->value[i];
		if (c == 0)
			continue;
		if (c < 0x80)
			v[o++] = (char)c;
		else {
			v[o++] = (char)(0xc0 | c >> 6);
			v[o++] = (char)(0x80 | (c & 0x3f));
		}
	}
	v[o] = '\0';
	*len = o;
	return v;
}

/* Add one header to the object: repeated names joined with ", ". */
static int
add_header(json_t *hs, const struct rhdr *h)
{
	char name[256], *v, *j;
	const char *n;
	json_t *old;
	size_t vlen, olen;
	int rc = -1;

	if ((n = lower_name(h, name)) == NULL)
		return 0;
	if ((v = value_utf8(h, &vlen)) == NULL)
		return -1;
	if ((old = json_object_get(hs, n)) == NULL) {
		rc = json_object_set_new(hs, n, json_stringn(v, vlen));
		free(v);
		return rc;
	}
	olen = json_string_length(old);
	if ((j = malloc(olen + 2 + vlen)) != NULL) {
		memcpy(j, json_string_value(old), olen);
		memcpy(j + olen, ", ", 2);
		memcpy(j + olen + 2, v, vlen);
		rc = json_string_setn(old, j, olen + 2 + vlen);
		free(j);
	}
	free(v);
	return rc;
}

static json_t *
str_array(const char *const *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < n; i++)
		if (json_array_append_new(a, json_string(v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* Everything but the body, as JSON text ending in '}'. */
static char *
head_text(const struct http_result *r, int truncated, int text)
{
	json_t *o = json_object(), *hs = json_object();
	char *t = NULL;
	size_t i;
	int bad = o == NULL || hs == NULL;

	for (i = 0; !bad && i < r->nhdrs; i++)
		bad = add_header(hs, &r->hdrs[i]) < 0;
	if (bad) {
		json_decref(hs);
		goto out;
	}
	bad |= json_object_set_new(o, "status_code",
	    json_integer(r->status)) < 0;
	bad |= json_object_set_new(o, "headers", hs) < 0;
	bad |= json_object_set_new(o, "url", json_string(r->url ? r->url :
	    "")) < 0;
	bad |= json_object_set_new(o, "redirects", str_array(r->redirects,
	    r->nredirects)) < 0;
	if (r->redirect_denied != NULL)
		bad |= json_object_set_new(o, "redirect_denied",
		    json_string(r->redirect_denied)) < 0;
	if (r->ncreds > 0)
		bad |= json_object_set_new(o, "credentials",
		    str_array(r->creds, r->ncreds)) < 0;
	bad |= json_object_set_new(o, "truncated", json_boolean(truncated)) < 0;
	bad |= json_object_set_new(o, "body_encoding", json_string(text ?
	    "utf-8" : "base64")) < 0;
	if (!bad)
		t = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
out:
	json_decref(o);
	return t;
}

#define BODY_KEY	",\"body\":\""

/* The text: head without its '}', the body key, the body, "}. */
static int
assemble(const char *head, const char *body, size_t blen, int text,
    size_t bodyout, char **out, size_t *outlen)
{
	size_t hl = strlen(head) - 1, kl = strlen(BODY_KEY), total, kept;
	char *t;

	total = hl + kl + bodyout + 2;
	if ((t = malloc(total + 1)) == NULL)
		return -1;
	memcpy(t, head, hl);
	memcpy(t + hl, BODY_KEY, kl);
	if (text)
		(void)esc_walk(body, blen, bodyout, t + hl + kl, &kept);
	else
		(void)http_b64_encode((const unsigned char *)body, blen,
		    t + hl + kl);
	memcpy(t + total - 2, "\"}", 3);
	*out = t;
	*outlen = total;
	return 0;
}

int
http_result_encode(const struct http_result *r, size_t data_max,
    char **out, size_t *outlen)
{
	const char *body = r->body ? r->body : "";
	size_t blen = r->body_len, v, fixed, room, bodyout, kept;
	int text, truncated = r->truncated, rc = -1, pass;
	char *head = NULL;

	*out = NULL;
	*outlen = 0;
	v = utf8_valid_prefix(body, blen);
	text = v == blen || (r->truncated && utf8_incomplete(body + v,
	    blen - v));
	if (text)
		blen = v;
	/* pass 0: the whole body; pass 1: cut (so "truncated":true) */
	for (pass = 0; pass < 2; pass++) {
		free(head);
		if ((head = head_text(r, truncated, text)) == NULL)
			return -1;
		fixed = strlen(head) - 1 + strlen(BODY_KEY) + 2;
		if (fixed > data_max) {
			if (pass == 1 || blen == 0)
				goto out;
			truncated = 1;
			continue;
		}
		room = data_max - fixed;
		if (text)
			bodyout = esc_walk(body, blen, pass ? room : (size_t)-1,
			    NULL, &kept);
		else {
			kept = pass ? (room / 4) * 3 : blen;
			if (kept > blen)
				kept = blen;
			bodyout = 4 * ((kept + 2) / 3);
		}
		/* "truncated":true is a byte shorter than false: the whole
		 * body may fit now; it says cut, so cut (its last char) */
		if (pass == 1 && kept == blen) {
			if (text)
				bodyout = esc_walk(body, blen, bodyout - 1, NULL,
				    &kept);
			else {
				kept -= kept % 3 ? kept % 3 : 3;
				bodyout = 4 * ((kept + 2) / 3);
			}
		}
		if (bodyout <= room)
			break;
		truncated = 1;
	}
	if (pass == 2)
		goto out;
	rc = assemble(head, body, kept, text, bodyout, out, outlen);
out:
	free(head);
	return rc;
}
