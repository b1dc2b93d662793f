/*
 * workers/creds.h -- the values of the policy's sources the supervisor
 * gave one worker alone (a sealed memfd, "SOURCE\0VALUE\0" per source:
 * HTTP_FD_CREDS for the http worker's credentials, MCP_FD_ENV for the
 * mcp servers' env) and the expansion of a template with them
 * ("${NAME}", "${file:/path}", "$$"; docs/POLICY.md §13, §14). Shared by
 * the http and mcp workers: one reader, one expander.
 *
 * Runs in: aksup-worker-http, aksup-worker-mcp (the blob is read before
 * confinement, the templates expanded after). Privilege: none needed.
 */
#ifndef AKSUP_WORKERS_CREDS_H
#define AKSUP_WORKERS_CREDS_H

#include <stddef.h>


#define CREDS_BLOB_MAX		(256 * 1024)
#define CREDS_SOURCES_MAX	64	/* policy: at most 64 sources */

struct credstore {
	size_t n;
	const char *src[CREDS_SOURCES_MAX];	/* "ENV:NAME", "FILE:/p" */
	const char *val[CREDS_SOURCES_MAX];
};

/* Read the blob "SOURCE\0VALUE\0"... (len bytes, kept by the caller):
 * every source "ENV:NAME" or "FILE:/path", once; every value free of
 * CR and LF. 0, or -1 when it is not such a blob. */
int creds_load(struct credstore *cs, const char *blob, size_t len);

/* The sources a request used, each once, by index into the store. */
struct credused {
	size_t n;
	unsigned char idx[CREDS_SOURCES_MAX];
};

/* Expand a template: "${NAME}" is the value of source ENV:NAME,
 * "${file:/p}" that of FILE:/p, "$$" a "$"; anything else itself.
 * Returns a malloc'd string, marking the sources it used in *used; or
 * NULL with err (errlen bytes) saying why, naming a source and never a
 * value. */
char *creds_expand(const struct credstore *cs, const char *tmpl,
    struct credused *used, char *err, size_t errlen);

/* The name a result lists for a source: NAME for ENV:NAME, the path
 * for FILE:/path. */
const char *creds_display(const char *src);

/* A value (of 4 bytes or more) that shows up in msg, a NUL-terminated
 * error text, is blotted out as "***" (an error never carries one). */
void creds_scrub(const struct credstore *cs, char *msg);
/* The same in len bytes of an answer, each byte of a value masked with
 * '*' (the length kept). b may be NULL. */
void creds_mask(const struct credstore *cs, char *b, size_t len);

/* Read the blob on fd (absent: an empty store) into *blob (kept by the
 * caller, malloc'd) and load it; the fd is closed. Fatal when it is not
 * a blob (the supervisor's). */
void creds_read_fd(int fd, struct credstore *cs, char **blob);

#endif
