/*
 * fuzz/fuzz_b64.c -- libFuzzer harness for common/b64.c, the strict
 * base64 decoder of agent-sent fs.write content (the broker's constraints
 * and the fs worker both use it).
 * Runs in: the fuzzer only. Privilege: none.
 *
 * Differential: the input is accepted exactly when it is len % 4 == 0
 * standard-alphabet text with '=' only as the last one or two characters,
 * and an accepted input decodes to what OpenSSL's EVP_DecodeBlock gives
 * (less the padding bytes it counts as zeros); never more than
 * B64_DECODED_MAX(len) bytes.
 */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "common/b64.h"

static int
reference_ok(const unsigned char *s, size_t len)
{
	size_t i, pad = 0;

	if (len % 4 != 0)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '=') {
			if (i + 2 < len)
				return 0;
			pad++;
			continue;
		}
		if (pad > 0 || !((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '+' || s[i] == '/'))
			return 0;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	unsigned char *out, *ref;
	size_t n = 0, pad = 0;
	int rc, m;

	if (size > 1 << 16)
		return 0;
	if ((out = malloc(B64_DECODED_MAX(size) + 1)) == NULL ||
	    (ref = malloc(B64_DECODED_MAX(size) + 3)) == NULL)
		abort();
	rc = b64_decode((const char *)data, size, out, &n);
	if ((rc == 0) != reference_ok(data, size))
		abort();
	if (rc == 0) {
		if (n > B64_DECODED_MAX(size))
			abort();
		if (size > 0 && data[size - 1] == '=')
			pad = (data[size - 2] == '=') ? 2 : 1;
		m = EVP_DecodeBlock(ref, data, (int)size);
		if (m < 0 || (size_t)m - pad != n || memcmp(out, ref, n) != 0)
			abort();
	}
	free(out);
	free(ref);
	return 0;
}
