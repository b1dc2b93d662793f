/*
 * common/util.c -- small helpers every process uses.
 * Runs in: every process. Privilege: none.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"

int
read_all(int fd, size_t max, char **out, size_t *outlen)
{
	size_t len = 0, cap = 4096;
	char *buf, *nb;
	ssize_t n;

	if ((buf = malloc(cap + 1)) == NULL)
		return -1;
	for (;;) {
		if (len == cap) {
			if (cap >= max + 1) {
				free(buf);
				errno = EFBIG;
				return -1;
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			if ((nb = realloc(buf, cap + 1)) == NULL) {
				free(buf);
				return -1;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max) {
		free(buf);
		errno = EFBIG;
		return -1;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}

int
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int
spin_poll(struct pollfd *p, nfds_t n, uint64_t spin_ns)
{
	uint64_t end = now_ns() + spin_ns;
	int r;

	do {
		if ((r = poll(p, n, 0)) != 0)
			return r > 0 ? r : 0;
		if (spin_ns == 0)
			break;
		/* let a peer that shares this CPU run: it may be the one
		 * we are waiting for */
		sched_yield();
	} while (now_ns() < end);
	return 0;
}

int
spin_readable(int fd, uint64_t spin_ns)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return spin_poll(&p, 1, spin_ns) > 0;
}

int
parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}
