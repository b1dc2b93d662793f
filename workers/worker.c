/*
 * workers/worker.c -- the loop every worker shares: confine, then answer
 * the broker's requests one at a time until the broker goes away.
 *
 * Runs in: each worker process. Privilege: whatever the provider's init()
 * took from its inherited fds; the sandbox closes before the first request.
 */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fds.h"
#include "common/log.h"
#include "workers/worker.h"

void
reply_error(struct reply *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	free(r->buf);
	r->kind = REPLY_ERROR;
	r->buf = NULL;
	r->len = 0;
	va_start(ap, fmt);
	n = vasprintf(&r->buf, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatal("vasprintf");
	r->len = (size_t)n;
}

int
worker_main(const struct worker_def *p, int argc, char **argv)
{
	struct reply_hdr rh;
	struct iovec iov[2];
	struct reply r;
	struct chan ch;
	struct msg m;
	size_t cap;
	uint8_t *buf;
	int rc;

	log_init(p->name);
	wire_version_check();
	json_object_seed(0);	/* before the filter: reads /dev/urandom */
	p->init(argc, argv);
	/* Nothing from the supervisor after start: it only watches us. */
	sandbox_enter(p->role);
	if (p->ready != NULL)
		p->ready();

	cap = sizeof(struct wire_hdr) + WIRE_PAYLOAD_MAX;
	if ((buf = malloc(cap)) == NULL)
		fatal("malloc");
	/* its channel, where the matrix of common/roles.h puts it */
	chan_init(&ch, role_chan_fd(p->role, ROLE_BROKER), p->role,
	    ROLE_BROKER, "broker");
	for (;;) {
		/* No spin here: three processes share two CPUs, and a worker
		 * spinning after its answer took CPU from the broker and the
		 * agent (mixed benchmark 25k -> 33k ops/s without it; see
		 * docs/PERFORMANCE.md). The broker and agent spin. */
		rc = chan_recv(&ch, buf, cap, &m);
		if (rc == 0)
			break;		/* broker done: so are we */
		if (rc < 0)
			fatal("broker channel");
		if (m.hdr.type != p->req_type)
			fatalx("protocol violation from broker: unexpected %s",
			    wire_specs[m.hdr.type].name);
		memset(&r, 0, sizeof(r));
		p->handle(m.payload, m.hdr.len, &r);
		if (r.len + sizeof(rh) > WIRE_PAYLOAD_MAX)
			reply_error(&r, "result too large");
		memset(&rh, 0, sizeof(rh));
		rh.kind = r.kind;
		iov[0].iov_base = &rh;
		iov[0].iov_len = sizeof(rh);
		iov[1].iov_base = r.buf;
		iov[1].iov_len = r.len;
		rc = chan_send(&ch, p->resp_type, m.hdr.tag, iov, 2);
		if (rc < 0 && errno == EMSGSIZE) {
			/* the kernel caps the socket buffer below our
			 * maximum (net.core.wmem_max): say so instead */
			reply_error(&r, "result too large for this host's "
			    "socket buffers");
			iov[1].iov_base = r.buf;
			iov[1].iov_len = r.len;
			rh.kind = REPLY_ERROR;
			rc = chan_send(&ch, p->resp_type, m.hdr.tag, iov, 2);
		}
		if (rc < 0) {
			if (errno == EPIPE)
				break;
			fatal("send to broker");
		}
		free(r.buf);
		if (p->idle != NULL)
			p->idle();
	}
	free(buf);
	if (p->fini != NULL)
		p->fini();
	return 0;
}
