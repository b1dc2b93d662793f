/*
 * fuzz/fuzz_proc.c -- libFuzzer harness for the two readers of the proc
 * provider's bytes: the proc worker's reading of a PROC_REQ
 * (workers/proc/req.c, procreq_parse: the broker's bytes) and the
 * broker's reading of a PROC_RESP (broker/prov_proc.c, proc_result: the
 * worker's bytes).
 *
 * Runs in: the fuzzer process only, as the invoking user, unconfined.
 * Input layout: byte 0 picks the reader (even: procreq_parse; odd:
 * proc_result with the reply kind byte 0 / 2 mod 3); the rest is the
 * payload, copied to a buffer of exactly its size so ASan sees any
 * over-read (proc_result's gets the NUL the broker's buffer has).
 *
 * Invariants (__builtin_trap() when violated): an accepted PROC_REQ has
 * an absolute program, a cwd that is "" or absolute, argc >= 1 argv
 * entries and envc entries, each inside the buffer and NUL-terminated,
 * stdin inside the buffer, and the bounds of common/wire.h; an accepted
 * PROC_RESP is JSON of exactly the result's shape, and an ERROR kind is
 * passed on as its error.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "broker/provider.h"
#include "workers/proc/proc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static int
inside(const uint8_t *b, size_t n, const char *s)
{
	return (const uint8_t *)s >= b && (const uint8_t *)s < b + n &&
	    memchr(s, '\0', n - (size_t)((const uint8_t *)s - b)) != NULL;
}

static void
req(const uint8_t *data, size_t size)
{
	struct procreq r;
	uint8_t *b = malloc(size ? size : 1);
	size_t i;

	memcpy(b, data, size);
	if (procreq_parse(b, size, &r) == 0) {
		CHECK(inside(b, size, r.path) && r.path[0] == '/');
		CHECK(inside(b, size, r.cwd) && (r.cwd[0] == '\0' ||
		    r.cwd[0] == '/'));
		CHECK(r.argv != NULL && r.argv[0] != NULL && r.envp != NULL);
		for (i = 0; r.argv[i] != NULL; i++)
			CHECK(inside(b, size, r.argv[i]));
		for (i = 0; r.envp[i] != NULL; i++)
			CHECK(inside(b, size, r.envp[i]));
		CHECK((const uint8_t *)r.in + r.inlen == b + size);
		CHECK(r.timeout_ms >= 1 && r.max_output >= 1 &&
		    r.max_output <= PROCREQ_OUTPUT_MAX);
		procreq_free(&r);
	}
	free(b);
}

static void
resp(uint32_t kind, const uint8_t *data, size_t size)
{
	const struct provider *pv = provider_of("proc.exec");
	struct growbuf esc = { NULL, 0 };
	const char *d = NULL, *err = NULL;
	size_t dlen = 0;
	char *b = malloc(size + 1);
	json_t *v;

	memcpy(b, data, size);
	b[size] = '\0';
	if (pv->result(pv, kind, b, size, &esc, &d, &dlen, &err) == 0) {
		if (kind == REPLY_ERROR)
			CHECK(d == NULL && err == b);
		else {
			CHECK(d == b && dlen == size);
			v = json_loadb(d, dlen, 0, NULL);
			CHECK(json_is_object(v) && json_is_integer(
			    json_object_get(v, "returncode")));
			json_decref(v);
		}
	} else
		CHECK(kind != REPLY_ERROR);
	free(esc.buf);
	free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if ((data[0] & 1) == 0)
		req(data + 1, size - 1);
	else
		resp((uint32_t)(data[0] >> 1) % 3, data + 1, size - 1);
	return 0;
}
