/*
 * supervisor/relay.c -- the external agent's stdio: never the operator's
 * terminal (T1). Its stdin is /dev/null, or with --stdin a pipe this
 * fills from aksup's stdin (closed at EOF); its stdout and stderr are
 * pipes copied here to aksup's stdout and stderr, byte for byte, or, when
 * that side is a terminal, with every control character but newline and
 * tab (and C1 and the bidirectional controls of UTF-8) shown escaped,
 * the way aksup log shows them (\xNN, \r, \uNNNN).
 *
 * Runs in: aksup (supervisor), in the session's poll loop. Privilege: the
 * invoking user's. It opens nothing by a path but /proc/self/fd/N of its
 * own stdout and stderr (a second, non-blocking description of the same
 * pipe or terminal, so the operator's shared one is left as it is). The
 * agent's bytes are copied or escaped, never interpreted. It never
 * blocks on a pipe or terminal: what waits is bounded (RELAY_BUF per
 * stream), and when it is full the agent's pipe is not read, so the agent
 * waits in write(2) as in any pipeline. At the end the rest is written
 * until the agent's pipes are at EOF (every agent process is dead by
 * then), unless our side takes nothing for RELAY_STALL_MS: that is said
 * and dropped, so the agent cannot stall the teardown.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/jsonesc.h"
#include "common/log.h"
#include "common/util.h"
#include "supervisor/relay.h"

enum { W_PLAIN, W_NONBLOCK, W_SEND, W_GATED };

static void
close_from(struct relay_dir *d)
{
	if (d->own_from && d->from >= 0)
		(void)close(d->from);
	d->from = -1;
	d->eof = 1;
}

static void
close_to(struct relay_dir *d)
{
	if (d->own_to && d->to >= 0)
		(void)close(d->to);
	d->to = -1;
	d->off = d->len = 0;
}

/*
 * How to write our stdout or stderr without blocking: a regular file as
 * it is (it does not block); a socket with MSG_DONTWAIT; a pipe or a
 * terminal through a second description opened O_NONBLOCK, so the
 * operator's own (shared with the shell) is not changed; failing that,
 * at most PIPE_BUF bytes after POLLOUT.
 */
static void
setup_out(struct relay_dir *d, int fd)
{
	char path[64];
	struct stat st;
	int nfd;

	d->to = fd;
	d->own_to = 0;
	d->mode = W_GATED;
	d->tty = isatty(fd);
	if (fstat(fd, &st) < 0) {
		d->to = -1;	/* not open: the output goes nowhere */
		return;
	}
	if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)) {
		d->mode = W_PLAIN;
		return;
	}
	if (S_ISSOCK(st.st_mode)) {
		d->mode = W_SEND;
		return;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	/* Safe: it is our own descriptor, reopened for writing only;
	 * O_NOCTTY so a terminal does not become ours. */
	nfd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (nfd >= 0) {
		d->to = nfd;
		d->own_to = 1;
		d->mode = W_NONBLOCK;
	}
}

int
relay_open(struct relay *r, int with_stdin, int child[3])
{
	int p[2], i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < 3; i++) {
		r->d[i].from = r->d[i].to = -1;
		child[i] = -1;
		/* + room for sprintf's NUL after a full buffer */
		if ((r->d[i].buf = malloc(RELAY_BUF + 8)) == NULL)
			return -1;
	}
	r->d[0].name = "stdin";
	r->d[1].name = "stdout";
	r->d[2].name = "stderr";
	r->d[0].eof = 1;
	if (with_stdin) {
		if (pipe2(p, O_CLOEXEC) < 0)
			return -1;
		child[0] = p[0];
		r->d[0].from = 0;	/* ours, read only after POLLIN */
		r->d[0].eof = 0;
		r->d[0].to = p[1];
		r->d[0].own_to = 1;
		r->d[0].mode = W_NONBLOCK;
		if (fcntl(p[1], F_SETFL, O_NONBLOCK) < 0)
			return -1;
	}
	for (i = 1; i < 3; i++) {
		if (pipe2(p, O_CLOEXEC) < 0)
			return -1;
		child[i] = p[1];
		r->d[i].from = p[0];
		r->d[i].own_from = 1;
		if (fcntl(p[0], F_SETFL, O_NONBLOCK) < 0)
			return -1;
		setup_out(&r->d[i], i);
	}
	return 0;
}

void
relay_started(struct relay *r, int child[3])
{
	int i;

	(void)r;
	for (i = 0; i < 3; i++)
		if (child[i] >= 0) {
			(void)close(child[i]);
			child[i] = -1;
		}
}

/* Does s[0..n) begin a UTF-8 character that the next read may finish? */
static int
utf8_partial(const unsigned char *s, size_t n)
{
	size_t need, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		need = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		need = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		need = 4;
	else
		return 0;
	if (n >= need)
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return 1;
}

/* Terminal form of s[0..n) appended to d->buf (room for 4 * n bytes);
 * an incomplete character at the end waits in d->hold unless `final`. */
static void
put_escaped(struct relay_dir *d, const unsigned char *s, size_t n, int final)
{
	char *o = d->buf + d->len;
	unsigned cp;
	size_t i = 0, k;

	while (i < n) {
		if ((k = utf8_decode(s + i, n - i, &cp)) == 0) {
			if (!final && utf8_partial(s + i, n - i)) {
				memcpy(d->hold, s + i, n - i);
				d->nhold = n - i;
				break;
			}
			o += sprintf(o, "\\x%02x", s[i]);
			i++;
			continue;
		}
		if (cp == '\n' || cp == '\t' || !json_unsafe_cp(cp))
			memcpy(o, s + i, k), o += k;
		else if (cp == '\r')
			o += sprintf(o, "\\r");
		else if (cp < 0x80)
			o += sprintf(o, "\\x%02x", cp);
		else
			o += sprintf(o, "\\u%04x", cp);
		i += k;
	}
	d->len = (size_t)(o - d->buf);
}

/* Read what is there into the buffer, as far as it has room. */
static void
fill(struct relay_dir *d)
{
	unsigned char in[4 + 16384];
	size_t room, want;
	ssize_t n;

	if (d->off == d->len)
		d->off = d->len = 0;
	else if (d->off > 0) {
		memmove(d->buf, d->buf + d->off, d->len - d->off);
		d->len -= d->off;
		d->off = 0;
	}
	room = RELAY_BUF - d->len;
	want = d->tty ? (room / 4 > d->nhold ? room / 4 - d->nhold : 0) : room;
	if (want > sizeof(in) - 4)
		want = sizeof(in) - 4;
	if (want == 0)
		return;
	memcpy(in, d->hold, d->nhold);
	n = read(d->from, in + d->nhold, want);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* EOF (or the end of a stdin we cannot read) */
		if (d->nhold > 0)
			put_escaped(d, d->hold, d->nhold, 1);
		d->nhold = 0;
		close_from(d);
		return;
	}
	if (d->to < 0)
		return;		/* our side is gone: dropped */
	if (d->tty) {
		size_t total = d->nhold + (size_t)n;

		d->nhold = 0;
		put_escaped(d, in, total, 0);
	} else {
		memcpy(d->buf + d->len, in, (size_t)n);
		d->len += (size_t)n;
	}
}

/* Write what is waiting; 1 when anything went, 0 when nothing did. */
static int
flush(struct relay_dir *d, int gated_ok)
{
	size_t n;
	ssize_t w;
	int moved = 0;

	while (d->to >= 0 && d->off < d->len) {
		n = d->len - d->off;
		if (d->mode == W_GATED) {
			if (!gated_ok)
				break;
			if (n > PIPE_BUF)
				n = PIPE_BUF;
		}
		if (d->mode == W_SEND)
			w = send(d->to, d->buf + d->off, n, MSG_DONTWAIT |
			    MSG_NOSIGNAL);
		else
			w = write(d->to, d->buf + d->off, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			break;
		if (w <= 0) {
			/* Our side is gone (EPIPE: the reader went away).
			 * For the agent's output: close its pipe too, so it
			 * sees EPIPE, as in a shell pipeline. */
			close_to(d);
			close_from(d);	/* our stdin: no longer read */
			return 1;
		}
		d->off += (size_t)w;
		moved = 1;
		if (d->mode == W_GATED)
			break;
	}
	/* stdin at EOF and all passed on: the agent sees EOF */
	if (d->eof && d->off == d->len && d->own_to && d->from < 0 &&
	    !d->own_from)
		close_to(d);
	return moved;
}

int
relay_poll(struct relay *r, struct pollfd *pfd)
{
	struct relay_dir *d;
	int i, n = 0;

	for (i = 0; i < 3; i++) {
		d = &r->d[i];
		if (d->from >= 0 && !d->eof && d->len - d->off < RELAY_BUF / 2) {
			pfd[n].fd = d->from;
			pfd[n].events = POLLIN;
			pfd[n].revents = 0;
			r->pdir[n] = i;
			r->pout[n++] = 0;
		}
		if (d->to >= 0 && d->off < d->len) {
			pfd[n].fd = d->to;
			pfd[n].events = POLLOUT;
			pfd[n].revents = 0;
			r->pdir[n] = i;
			r->pout[n++] = 1;
		}
	}
	r->pfd = pfd;
	r->npfd = n;
	return n;
}

static int
handle(struct relay *r)
{
	int i, moved = 0, gated[3] = { 0, 0, 0 };

	for (i = 0; i < r->npfd; i++) {
		struct relay_dir *d = &r->d[r->pdir[i]];

		if (r->pfd[i].revents == 0)
			continue;
		if (r->pout[i])
			gated[r->pdir[i]] = 1;	/* (an error: write says) */
		else if (d->from >= 0) {
			size_t before = d->len;

			fill(d);
			moved |= d->len != before || d->from < 0;
		}
	}
	for (i = 0; i < 3; i++)
		moved |= flush(&r->d[i], gated[i]);
	r->npfd = 0;
	return moved;
}

void
relay_handle(struct relay *r)
{
	(void)handle(r);
}

void
relay_stop_input(struct relay *r)
{
	struct relay_dir *d = &r->d[0];

	d->from = -1;
	d->eof = 1;
	close_to(d);
}

void
relay_finish(struct relay *r)
{
	struct pollfd pfd[RELAY_NPOLL];
	uint64_t last = now_ns();
	int i, n;

	relay_stop_input(r);
	for (;;) {
		if ((n = relay_poll(r, pfd)) == 0)
			break;
		if (poll(pfd, (nfds_t)n, RELAY_STALL_MS) < 0 && errno != EINTR)
			break;
		if (handle(r))
			last = now_ns();
		else if (now_ns() - last >= (uint64_t)RELAY_STALL_MS * 1000000ull) {
			for (i = 1; i < 3; i++)
				if (r->d[i].off < r->d[i].len)
					log_warnx("%s takes no more of the "
					    "agent's output; %zu bytes dropped",
					    r->d[i].name,
					    r->d[i].len - r->d[i].off);
			break;
		}
	}
	for (i = 0; i < 3; i++) {
		close_from(&r->d[i]);
		close_to(&r->d[i]);
		free(r->d[i].buf);
		r->d[i].buf = NULL;
	}
}
