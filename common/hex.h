/*
 * common/hex.h -- hex and UUID text, for record ids, session ids and
 * hashes in the audit log.
 * Runs in: the broker (ids, hashes) and aksup-log (verify).
 * Privilege: none.
 */
#ifndef AKSUP_COMMON_HEX_H
#define AKSUP_COMMON_HEX_H

#include <stddef.h>

/* Lower-case hex of n bytes into out (2n chars and a NUL). */
void hex_encode(const void *in, size_t n, char *out);

/* A version-4 UUID from 16 random bytes (the version and variant bits
 * are set in r), as 36 chars and a NUL. */
void uuid4_format(unsigned char r[16], char out[37]);

#endif
