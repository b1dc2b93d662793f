/*
 * agent/client.h -- a small C client of the agent channel
 * (docs/PROTOCOL.md, version 7), for external agents, our CLI, tests and
 * benchmarks.
 *
 * Runs in: the agent (untrusted). Privilege: whatever the agent has; the
 * library itself only reads and writes its channel fd.
 */
#ifndef AKSUP_CLIENT_H
#define AKSUP_CLIENT_H

#include <stddef.h>
#include <sys/types.h>

#define AKSUP_PROTOCOL_VERSION	7
#define AKSUP_MSG_MAX		(1024 * 1024)

/* The channel fd from $AKSUP_FD (default 3); -1 if it is not a
 * SOCK_SEQPACKET socket. */
int aksup_channel(void);

/* Send one request message (a JSON object text). 0 or -1 with errno. */
int aksup_send(int fd, const char *json, size_t len);

/* Receive one answer into buf (NUL-terminated). Returns its length, 0 when
 * the broker has closed the channel, -1 on error (EMSGSIZE if it did not
 * fit in cap - 1 bytes). */
ssize_t aksup_recv(int fd, char *buf, size_t cap);

/* Format a request: {"id":ID,"action":..,"target":..,"params":PARAMS}.
 * `params_json` is a JSON object text or NULL. Returns a malloc'd string,
 * or NULL (bad params JSON, or out of memory). */
char *aksup_request_json(long long id, const char *action, const char *target,
			 const char *params_json);

/* One synchronous call: send the request, wait for its answer. Returns the
 * malloc'd answer text, or NULL. */
char *aksup_call(int fd, long long id, const char *action, const char *target,
		 const char *params_json);

/* The "status" member of an answer ("OK", "DENIED", "ERROR"), copied into
 * out; -1 if the answer is not an object with a string status. */
int aksup_answer_status(const char *answer, char *out, size_t outlen);

#endif
