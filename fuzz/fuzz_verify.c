/*
 * fuzz/fuzz_verify.c -- libFuzzer harness for the audit log verifier's
 * reader (audit/verify.c): line assembly, JSON, chain, sessions, seals.
 *
 * Runs in: the fuzzer only, as the invoking user, unconfined. The input
 * stands for a log file anyone may have edited. The first byte chooses
 * the chunking and the allow-open flag; a fixed key for one session id is
 * loaded so seal checks run too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit/verify.h"

static const char key[] = "aksup-seal-key 1 "
    "00000000-0000-4000-8000-000000000000 "
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";

static void
note(const char *msg, void *arg)
{
	(void)msg;
	(void)arg;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct av_opts o = { 0, note, NULL, 0 };
	const struct av_result *r;
	struct av *v;
	char err[200];
	size_t split;

	if (size == 0)
		return 0;
	o.allow_open = data[0] & 1;
	o.allow_crashed = data[0] >> 7;
	split = (data[0] >> 1) % size;
	data++;
	size--;
	if (split > size)
		split = size;
	if ((v = av_new(&o)) == NULL)
		return 0;
	if (av_add_keys(v, key, sizeof(key) - 1, err, sizeof(err)) != 0)
		abort();
	if (av_feed(v, (const char *)data, split) == 0 &&
	    av_feed(v, (const char *)data + split, size - split) == 0 &&
	    av_finish(v) >= 0) {
		r = av_result(v);
		if (!r->valid && r->msg[0] == '\0')
			abort();	/* an invalid log always says why */
	}
	av_free(v);
	return 0;
}
