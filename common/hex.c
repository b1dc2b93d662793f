/*
 * common/hex.c -- hex and UUID text (common/hex.h).
 * Runs in: the broker (ids, hashes) and aksup-log (verify).
 * Privilege: none.
 */
#include "common/hex.h"

void
hex_encode(const void *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *d = in;
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 0xf];
	}
	out[2 * n] = '\0';
}

void
uuid4_format(unsigned char r[16], char out[37])
{
	static const int group[] = { 4, 2, 2, 2, 6 };
	size_t i, o = 0, k = 0;

	r[6] = (r[6] & 0x0f) | 0x40;	/* version 4 */
	r[8] = (r[8] & 0x3f) | 0x80;	/* RFC 4122 variant */
	for (i = 0; i < 5; i++) {
		if (i > 0)
			out[o++] = '-';
		hex_encode(r + k, (size_t)group[i], out + o);
		o += 2 * (size_t)group[i];
		k += (size_t)group[i];
	}
	out[o] = '\0';
}
