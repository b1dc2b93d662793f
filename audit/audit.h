/*
 * audit/audit.h -- the audit log writer and reader, as a pure library.
 *
 * Runs in: the broker (writer; the log fd was opened by the supervisor,
 * O_APPEND|O_CLOEXEC, mode 0600, and is the broker's only file) and in the
 * log reader process (aksup log). Privilege: none; acts only on the fd it
 * is given. Never calls exit().
 *
 * Format: JSON Lines. Every line carries `seq` (1, 2, ... across sessions)
 * and `prev`, the lowercase hex SHA-256 of the previous line's bytes
 * (without its newline); the first line of a log has 64 zeros. See
 * docs/ARCHITECTURE.md "Audit log".
 */
#ifndef AKSUP_AUDIT_H
#define AKSUP_AUDIT_H

#include <stddef.h>
#include <stdint.h>

struct audit;

/* One record. Strings may be NULL (written as null). `type` is "decision"
 * (written before the action runs) or "outcome" (after). status is one of
 * INVALID, DENIED, NO_PROVIDER, ALLOWED (decision records) and OK, FAILED
 * (outcome records), or a session record type's own. */
struct audit_rec {
	const char *type;
	const char *action;
	const char *target;
	const char *status;
	const char *error;
	const char *rule;
	double duration_ms;
	const char *record_id;
};

/* Take over a log fd: read its last complete line (pread) to continue the
 * chain (seq, prev). A log whose last line is cut off (a crash) is
 * continued after a newline. Returns 0 or -1 with a message in err. */
int audit_open(int fd, struct audit **out, char *err, size_t errlen);

/* Format and append one record with a single write(2). Returns 0, or -1
 * when the record could not be written whole (the caller must then fail
 * closed: deny and end the session). */
int audit_write(struct audit *a, const struct audit_rec *r);

uint64_t audit_seq(const struct audit *a);	/* seq of the last record */
void audit_close(struct audit *a);		/* frees; does not close fd */

/* SHA-256 of buf as 64 lowercase hex chars + NUL into hex[65]. */
void audit_sha256_hex(const void *buf, size_t len, char hex[65]);

#endif
