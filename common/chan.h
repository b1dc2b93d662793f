/*
 * common/chan.h -- one end of an internal channel (see wire.h).
 *
 * Runs in: every process. Privilege: none.
 */
#ifndef AKSUP_CHAN_H
#define AKSUP_CHAN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "common/wire.h"

struct chan {
	int fd;
	enum role self;
	enum role peer;
	const char *name;	/* for messages: "fs worker" */
	uint32_t seen;		/* 1 << type of each type received (WF_ONCE) */
};

struct msg {
	struct wire_hdr hdr;
	uint8_t *payload;	/* owned by the chan's receive buffer */
};

void chan_init(struct chan *c, int fd, enum role self,
	       enum role peer, const char *name);

/* Send one message; iov is the payload in pieces. Returns 0, or -1 with
 * errno (EPIPE when the peer is gone). Blocks until sent. */
int chan_send(struct chan *c, enum wire_type type, uint64_t tag,
	      const struct iovec *iov, int iovcnt);

/* The same, never waiting: -1 with EAGAIN when the socket has no room
 * for the whole message now (a packet goes whole or not at all). */
int chan_send_nowait(struct chan *c, enum wire_type type, uint64_t tag,
		     const struct iovec *iov, int iovcnt);

/* Receive one message into buf (cap bytes incl. header). Returns 1 with *m
 * filled, 0 on EOF (peer closed), -1 on a system error. A message that
 * breaks the protocol (unknown type, wrong sender or receiver, bad size,
 * truncation, a passed descriptor) is fatal: the process exits. */
int chan_recv(struct chan *c, void *buf, size_t cap, struct msg *m);

/* A worker's read of its broker channel in its own event loop (the
 * proc and http workers): 1 with *m, 0 when the broker is gone (EOF),
 * -1 when nothing came (EAGAIN, EINTR). Any other error is fatal, as a
 * violation is (chan_recv). */
int chan_recv_loop(struct chan *c, void *buf, size_t cap, struct msg *m);
/* A worker's answer: struct reply_hdr of this kind, then buf. A broker
 * gone (EPIPE: the session ends) is not an error: nothing is left to
 * tell; any other failure is fatal. */
void chan_reply(struct chan *c, enum wire_type type, uint64_t tag,
    uint32_t kind, const void *buf, size_t len);
/* A copy of m's payload, the caller's to free (exits when out of
 * memory): a request that lives on after the next receive. */
uint8_t *msg_payload_dup(const struct msg *m);

/* The same, for a receiver that ends the session the recorded way
 * rather than at once (the broker, of a worker): a violation returns -2
 * with *why, the descriptors passed closed. */
int chan_recv_why(struct chan *c, void *buf, size_t cap, struct msg *m,
		  const char **why);

/* The checks of chan_recv on one received message of n bytes: NULL when
 * it may be handled (m filled), else why not. Pure; fuzzed. */
const char *wire_check(const struct chan *c, const void *buf, size_t n,
		       struct msg *m);

/* Socket buffers big enough for the largest message, where the kernel
 * allows it (SO_*BUFFORCE when privileged). */
void chan_size_buffers(int fd, size_t msgmax);

/* A role binary, first thing: exits (1, said) unless the supervisor that
 * started it speaks this build's WIRE_VERSION ($AKSUP_WIRE). */
void wire_version_check(void);

#endif
