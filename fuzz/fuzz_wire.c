/*
 * fuzz/fuzz_wire.c -- libFuzzer harness for the receiver's checks of
 * internal messages: wire_check() in common/chan.c, the pure part of
 * chan_recv().
 *
 * Runs in: the fuzzer process only, as the invoking user, unconfined.
 * Input layout: byte 0 picks the receiving end (mod 3):
 *   0: broker    receiving from the fs worker
 *   1: fs worker receiving from the broker
 *   2: supervisor receiving from the broker
 * The remaining bytes are one received packet (struct wire_hdr + payload),
 * copied to a buffer of exactly that size so ASan sees any over-read.
 *
 * Invariant (__builtin_trap() when violated): when wire_check() accepts
 * (returns NULL), the type is known, the wire table says it goes from the
 * chan's peer to the chan itself, hdr.len is exactly the payload received,
 * min <= len <= max, and the payload points right after the header.
 * When it refuses, the reason is a non-empty string.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/chan.h"
#include "common/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static const struct {
	enum role self, peer;
	const char *name;
} ends[] = {
	{ ROLE_BROKER, ROLE_WORKER_FS, "fs worker" },
	{ ROLE_WORKER_FS, ROLE_BROKER, "broker" },
	{ ROLE_SUPERVISOR, ROLE_BROKER, "broker" },
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct wire_spec *s;
	const char *why;
	struct chan c;
	struct msg m;
	uint8_t *buf;
	size_t n, e;

	if (size < 1)
		return 0;
	e = data[0] % (sizeof(ends) / sizeof(ends[0]));
	n = size - 1;
	chan_init(&c, -1, ends[e].self, ends[e].peer, ends[e].name);
	if ((buf = malloc(n ? n : 1)) == NULL)
		return 0;
	memcpy(buf, data + 1, n);
	memset(&m, 0, sizeof(m));

	why = wire_check(&c, buf, n, &m);
	if (why == NULL) {
		CHECK(n >= sizeof(struct wire_hdr));
		CHECK(m.hdr.type > WIRE_NONE && m.hdr.type < WIRE_NTYPES);
		s = &wire_specs[m.hdr.type];
		CHECK(s->from == c.peer && s->to == c.self);
		CHECK(m.hdr.len == n - sizeof(struct wire_hdr));
		CHECK(s->min <= m.hdr.len && m.hdr.len <= s->max);
		CHECK(m.payload == buf + sizeof(struct wire_hdr));
		CHECK(memcmp(&m.hdr, buf, sizeof(m.hdr)) == 0);
	} else
		CHECK(why[0] != '\0');
	free(buf);
	return 0;
}
