/*
 * common/b64.h -- strict base64 decoding of agent-sent content: the one
 * decoder both the broker's constraints (policy/) and the fs worker's
 * fs.write use, so they agree on every byte.
 * Runs in: the broker (confined) and aksup-worker-fs (confined).
 * Privilege: none. No I/O, no allocation.
 */
#ifndef AKSUP_COMMON_B64_H
#define AKSUP_COMMON_B64_H

#include <stddef.h>

/* Bytes b64_decode writes at most for len characters of input. */
#define B64_DECODED_MAX(len)	((len) / 4 * 3)

/*
 * Decode len characters of standard base64 (RFC 4648 section 4: A-Z a-z
 * 0-9 + /, padded with '=' to a multiple of 4, '=' only as the last one or
 * two characters; no whitespace, no line breaks, no URL alphabet) into out,
 * which holds B64_DECODED_MAX(len) bytes. Returns 0 and the byte count in
 * *outlen, or -1 (out undefined) when in is not such text. The unused low
 * bits of the last character before padding are ignored, as RFC 4648
 * permits.
 */
int b64_decode(const char *in, size_t len, unsigned char *out,
    size_t *outlen);

#endif
