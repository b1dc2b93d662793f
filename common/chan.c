/*
 * common/chan.c -- internal channels: send, and receive with every check
 * of the wire table before a handler runs.
 *
 * Runs in: every process. Privilege: none.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/chan.h"
#include "common/log.h"

#define WIRE_SPEC(name, from, to, min, max, flags) \
	[WIRE_##name] = { #name, from, to, min, max, flags },
const struct wire_spec wire_specs[WIRE_NTYPES] = {
	WIRE_MESSAGES(WIRE_SPEC)
};
#undef WIRE_SPEC

void
chan_init(struct chan *c, int fd, enum role self, enum role peer,
	  const char *name)
{
	c->fd = fd;
	c->self = self;
	c->peer = peer;
	c->name = name;
	c->seen = 0;
}

static int
send_flags(struct chan *c, enum wire_type type, uint64_t tag,
	   const struct iovec *iov, int iovcnt, int flags)
{
	struct iovec v[8];
	struct wire_hdr h;
	struct msghdr mh;
	size_t len = 0;
	ssize_t n;
	int i;

	if (iovcnt < 0 || iovcnt > 7) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < iovcnt; i++) {
		len += iov[i].iov_len;
		v[i + 1] = iov[i];
	}
	if (len > wire_specs[type].max || len < wire_specs[type].min) {
		errno = EMSGSIZE;
		return -1;
	}
	memset(&h, 0, sizeof(h));
	h.type = type;
	h.len = (uint32_t)len;
	h.tag = tag;
	v[0].iov_base = &h;
	v[0].iov_len = sizeof(h);
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = v;
	mh.msg_iovlen = iovcnt + 1;
	do {
		n = sendmsg(c->fd, &mh, MSG_NOSIGNAL | flags);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if ((size_t)n != sizeof(h) + len) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

int
chan_send(struct chan *c, enum wire_type type, uint64_t tag,
	  const struct iovec *iov, int iovcnt)
{
	return send_flags(c, type, tag, iov, iovcnt, 0);
}

int
chan_send_nowait(struct chan *c, enum wire_type type, uint64_t tag,
		 const struct iovec *iov, int iovcnt)
{
	return send_flags(c, type, tag, iov, iovcnt, MSG_DONTWAIT);
}

/* Close every descriptor a peer tried to pass: none is ever expected. */
static int
drop_fds(struct msghdr *mh)
{
	struct cmsghdr *cm;
	int found = 0;

	for (cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			int *fds = (int *)CMSG_DATA(cm);
			size_t k, nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (k = 0; k < nfd; k++)
				close(fds[k]);
		}
		found = 1;
	}
	return found;
}

const char *
wire_check(const struct chan *c, const void *buf, size_t n, struct msg *m)
{
	const struct wire_spec *s;

	if (n < sizeof(struct wire_hdr))
		return "short message";
	memcpy(&m->hdr, buf, sizeof(m->hdr));
	if (m->hdr.type == WIRE_NONE || m->hdr.type >= WIRE_NTYPES)
		return "unknown message type";
	s = &wire_specs[m->hdr.type];
	if (s->from != c->peer || s->to != c->self)
		return "message type not allowed on this channel";
	if (n - sizeof(struct wire_hdr) != m->hdr.len ||
	    m->hdr.len < s->min || m->hdr.len > s->max)
		return "message of bad size";
	if ((s->flags & WF_ONCE) && (c->seen & (1u << m->hdr.type)))
		return "message allowed once, sent again";
	m->payload = (uint8_t *)buf + sizeof(struct wire_hdr);
	return NULL;
}

int
chan_recv_why(struct chan *c, void *buf, size_t cap, struct msg *m,
    const char **why)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * 8)];
	} cbuf;
	struct msghdr mh;
	struct iovec v;
	ssize_t n;

	v.iov_base = buf;
	v.iov_len = cap;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &v;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf.buf;
	mh.msg_controllen = sizeof(cbuf.buf);
	do {
		n = recvmsg(c->fd, &mh, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (n == 0)
		return 0;
	if (drop_fds(&mh) || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		*why = "descriptor or truncated message";
		return -2;
	}
	if ((*why = wire_check(c, buf, (size_t)n, m)) != NULL)
		return -2;
	c->seen |= 1u << m->hdr.type;
	return 1;
}

int
chan_recv_loop(struct chan *c, void *buf, size_t cap, struct msg *m)
{
	int rc = chan_recv(c, buf, cap, m);

	if (rc < 0 && errno != EAGAIN && errno != EINTR)
		fatal("%s channel", c->name);
	return rc;
}

void
chan_reply(struct chan *c, enum wire_type type, uint64_t tag, uint32_t kind,
    const void *buf, size_t len)
{
	struct reply_hdr rh;
	struct iovec iov[2];

	memset(&rh, 0, sizeof(rh));
	rh.kind = kind;
	iov[0].iov_base = &rh;
	iov[0].iov_len = sizeof(rh);
	iov[1].iov_base = (void *)buf;
	iov[1].iov_len = len;
	if (chan_send(c, type, tag, iov, 2) < 0 && errno != EPIPE)
		fatal("send to %s", c->name);
}

uint8_t *
msg_payload_dup(const struct msg *m)
{
	uint8_t *copy;

	if ((copy = malloc(m->hdr.len > 0 ? m->hdr.len : 1)) == NULL)
		fatal("malloc");
	memcpy(copy, m->payload, m->hdr.len);
	return copy;
}

int
chan_recv(struct chan *c, void *buf, size_t cap, struct msg *m)
{
	const char *why = NULL;
	int rc = chan_recv_why(c, buf, cap, m, &why);

	if (rc == -2)
		fatalx("protocol violation from %s: %s", c->name, why);
	return rc;
}

void
chan_size_buffers(int fd, size_t msgmax)
{
	int sz = (int)(msgmax + 64 * 1024);

	/* FORCE needs CAP_NET_ADMIN; without it the plain call is capped
	 * at net.core.[wr]mem_max, and the broker answers "too large"
	 * where a message would not fit. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
}

void
wire_version_check(void)
{
	const char *v = getenv(WIRE_VERSION_ENV);

	if (v == NULL || strcmp(v, WIRE_VERSION) != 0)
		fatalx("started by an aksup of another build (internal protocol "
		    "%s, this binary speaks %s), or not by aksup at all: install "
		    "aksup and its role binaries together", v ? v : "unknown",
		    WIRE_VERSION);
}
