/*
 * workers/worker.h -- what a worker plugs into the shared worker loop
 * (struct worker_def; the broker's provider rows are broker/provider.h).
 *
 * Runs in: each worker process. Privilege: the worker's own (see each
 * provider's first comment); the loop adds none.
 */
#ifndef AKSUP_WORKER_H
#define AKSUP_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "common/chan.h"
#include "common/sandbox.h"

/* An answer being built. */
struct reply {
	uint32_t kind;		/* enum reply_kind (common/wire.h) */
	char *buf;		/* malloc'd */
	size_t len;
};

struct worker_def {
	const char *name;		/* "fs worker" */
	enum role role;			/* its row of common/roles.h */
	enum wire_type req_type, resp_type;
	/* Take argv, check the inherited fds; runs before the sandbox. */
	void (*init)(int argc, char **argv);
	/* Handle one request; always fills *r. */
	void (*handle)(const uint8_t *payload, size_t len, struct reply *r);
	/* Under the sandbox, before the first request; NULL: nothing. */
	void (*ready)(void);
	/* After each answer is sent, before the next request is read:
	 * work taken off the answers' path; NULL: nothing. */
	void (*idle)(void);
	/* The broker is done (its channel closed); NULL: nothing. */
	void (*fini)(void);
};

int worker_main(const struct worker_def *p, int argc, char **argv);

void reply_error(struct reply *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
