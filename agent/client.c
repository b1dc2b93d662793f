/*
 * agent/client.c -- the agent-channel client library (see client.h).
 *
 * Runs in: the agent (untrusted), aksup-submit, tests, benchmarks.
 * Privilege: none needed; it only uses the channel fd.
 */
#include <errno.h>
#include <sched.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <stdint.h>
#include <time.h>

#include "agent/client.h"

#ifdef __SANITIZE_ADDRESS__
/* Sanitizer builds only. An external agent's view has no /proc, so the
 * sanitizer runtime cannot read ASAN_OPTIONS (it reads them from
 * /proc/self/environ) and LeakSanitizer's exit check, which needs
 * ptrace (refused to every agent), would end the agent with an error.
 * Leak checking is off in every sandboxed process anyway. */
int __lsan_is_turned_off(void);
int
__lsan_is_turned_off(void)
{
	return 1;
}
#endif

int
aksup_channel(void)
{
	const char *e = getenv("AKSUP_FD");
	int fd = 3, type = 0;
	socklen_t sl = sizeof(type);
	char *end;

	if (e != NULL) {
		long v = strtol(e, &end, 10);

		if (*end != '\0' || v < 0 || v > 65535)
			return -1;
		fd = (int)v;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &sl) < 0 ||
	    type != SOCK_SEQPACKET)
		return -1;
	return fd;
}

int
aksup_send(int fd, const char *json, size_t len)
{
	ssize_t n;

	do {
		n = send(fd, json, len, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if ((size_t)n != len) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

/* Spin this long on a non-blocking recv before blocking: an answer that
 * arrives within it costs no wake-up of a halted CPU. 200 us covers an
 * fs.read (p50 ~50 us, two hops) with its tail; at 50 us half the reads
 * outlasted the spin and paid the wake-up (docs/PERFORMANCE.md). An
 * answer that takes longer (a model call) costs 200 us of CPU once. */
#ifndef RECV_SPIN_NS
#define RECV_SPIN_NS	200000
#endif

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

ssize_t
aksup_recv(int fd, char *buf, size_t cap)
{
	uint64_t end;
	ssize_t n;

	if (cap < 2) {
		errno = EINVAL;
		return -1;
	}
	end = mono_ns() + RECV_SPIN_NS;
	do {
		n = recv(fd, buf, cap - 1, MSG_TRUNC | MSG_DONTWAIT);
		if (n < 0 && errno == EAGAIN)
			sched_yield();	/* a peer on this CPU may be due */
	} while (n < 0 && (errno == EAGAIN || errno == EINTR) &&
	    mono_ns() < end);
	while (n < 0 && (errno == EAGAIN || errno == EINTR))
		n = recv(fd, buf, cap - 1, MSG_TRUNC);
	/*
	 * A broker that ends the session while requests of ours sit unread
	 * leaves ECONNRESET on our socket, and the kernel reports it before
	 * any answer still queued (docs/PROTOCOL.md). The error is consumed
	 * by that recv: read again for what was sent before the end.
	 */
	if (n < 0 && errno == ECONNRESET) {
		n = recv(fd, buf, cap - 1, MSG_TRUNC | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == ECONNRESET))
			n = 0;		/* nothing queued: end of session */
	}
	if (n < 0)
		return -1;
	if ((size_t)n > cap - 1) {
		errno = EMSGSIZE;
		return -1;
	}
	buf[n] = '\0';
	return n;
}

char *
aksup_request_json(long long id, const char *action, const char *target,
		   const char *params_json)
{
	json_t *o, *p = NULL;
	char *s = NULL;

	if (params_json != NULL) {
		p = json_loads(params_json, JSON_REJECT_DUPLICATES, NULL);
		if (!json_is_object(p)) {
			json_decref(p);
			return NULL;
		}
	}
	o = json_pack("{s:I,s:s,s:s}", "id", (json_int_t)id, "action", action,
	    "target", target);
	if (o == NULL) {
		json_decref(p);
		return NULL;
	}
	if (p != NULL && json_object_set_new(o, "params", p) < 0)
		goto out;
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
out:
	json_decref(o);
	return s;
}

char *
aksup_call(int fd, long long id, const char *action, const char *target,
	   const char *params_json)
{
	char *req, *buf;
	ssize_t n;

	if ((req = aksup_request_json(id, action, target, params_json)) == NULL)
		return NULL;
	if (aksup_send(fd, req, strlen(req)) < 0) {
		free(req);
		return NULL;
	}
	free(req);
	if ((buf = malloc(AKSUP_MSG_MAX + 1)) == NULL)
		return NULL;
	n = aksup_recv(fd, buf, AKSUP_MSG_MAX + 1);
	if (n <= 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/*
 * Every answer a broker can send must be read: this broker never sends
 * \u0000 (docs/PROTOCOL.md §1), but a status is a status whatever the
 * data holds, so the parser takes NUL characters rather than call a
 * success an error.
 */
int
aksup_answer_status(const char *answer, char *out, size_t outlen)
{
	json_t *o = json_loads(answer, JSON_ALLOW_NUL, NULL);
	const char *s;
	int rc = -1;

	s = json_string_value(json_object_get(o, "status"));
	if (s != NULL && strlen(s) < outlen) {
		memcpy(out, s, strlen(s) + 1);
		rc = 0;
	}
	json_decref(o);
	return rc;
}
