/*
 * common/b64.c -- strict base64 decoding (common/b64.h).
 * Runs in: the broker (confined) and aksup-worker-fs (confined).
 * Privilege: none. No I/O, no allocation.
 */
#include "common/b64.h"

/* The value of a base64 character, or -1. */
static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
b64_decode(const char *in, size_t len, unsigned char *out, size_t *outlen)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i, j, n = 0, pad = 0;
	unsigned long acc;
	int v;

	if (len % 4 != 0)
		return -1;
	if (len > 0 && s[len - 1] == '=')
		pad = (len > 1 && s[len - 2] == '=') ? 2 : 1;
	for (i = 0; i < len; i += 4) {
		acc = 0;
		for (j = 0; j < 4; j++) {
			if (i + j >= len - pad) {
				acc <<= 6;	/* padding: zero bits */
				continue;
			}
			if ((v = b64_value(s[i + j])) < 0)
				return -1;	/* a stray '=' too */
			acc = (acc << 6) | (unsigned long)v;
		}
		out[n++] = (unsigned char)(acc >> 16);
		out[n++] = (unsigned char)(acc >> 8);
		out[n++] = (unsigned char)acc;
	}
	*outlen = n - pad;
	return 0;
}
