/*
 * common/util.h -- small helpers every process uses.
 * Runs in: every process. Privilege: none.
 */
#ifndef AKSUP_UTIL_H
#define AKSUP_UTIL_H

#include <stddef.h>
#include <poll.h>
#include <stdint.h>

/* Read all of fd (up to max bytes) into a malloc'd, NUL-terminated buffer.
 * Returns 0, or -1 (errno EFBIG when longer than max). */
int read_all(int fd, size_t max, char **out, size_t *outlen);

/* write(2) the whole buffer, retrying on EINTR and short writes. */
int write_all(int fd, const void *buf, size_t len);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t now_ns(void);

/*
 * Wait up to spin_ns for fd to become readable by polling with a zero
 * timeout, before the caller blocks. On this VM waking a process on the
 * other (halted) CPU costs ~20 us per hop; a peer that answers within the
 * spin is seen without that cost (docs/PERFORMANCE.md). Returns 1 when fd
 * is readable (or has an error/hangup to report), 0 when the spin ran out.
 */
#ifndef SPIN_NS
#define SPIN_NS		50000
#endif
int spin_readable(int fd, uint64_t spin_ns);
/* The same over several descriptors: poll(2)'s count with revents
 * filled once one is ready within spin_ns, else 0. */
int spin_poll(struct pollfd *p, nfds_t n, uint64_t spin_ns);

/* Parse a decimal int in [min, max]. Returns 0 or -1. */
int parse_int(const char *s, long min, long max, long *out);

#endif
