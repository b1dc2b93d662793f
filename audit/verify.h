/*
 * audit/verify.h -- the audit log verifier (aksup log verify), as a pure
 * library.
 *
 * Runs in: the aksup-log process in verify mode (invoking user, seccomp-
 * confined, reads the log on fd 0 and key files on fds the supervisor
 * opened), and in the unit tests and fuzzers. Privilege: none; memory
 * work on bytes it is handed. Never calls exit().
 *
 * The log is untrusted input: anyone who could write the file may have
 * put anything in it. The verifier checks, line by line: the SHA-256
 * chain, seq without gaps, time never going back, one session at a time
 * (session_start ... session_end, a crashed session acknowledged by the
 * next session_start), decision/outcome pairing, session_end's counts,
 * and each seal against its own epoch's key (derived from k_0 of the key
 * file), never the current one. It stops at the first bad record and
 * names it (seq and line). docs/AUDIT.md.
 */
#ifndef AKSUP_AUDIT_VERIFY_H
#define AKSUP_AUDIT_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#define AV_LINE_MAX	(8 * 1024 * 1024)	/* longer lines are bad */
#define AV_KEYS_MAX	4096

/* Called for every remark that does not make the log invalid (unsealed
 * tails, seals not checked for want of a key, torn fragments). */
typedef void (*av_note_fn)(const char *msg, void *arg);

struct av_opts {
	int		 allow_open;	/* a last session without its end is
					   fine (running, or crashed) */
	av_note_fn	 note;
	void		*arg;
	int		 allow_crashed;	/* a keyed session may lack its final
					   seal (a crash): noted, with the
					   records it leaves unsealed */
};

struct av_result {
	int		 valid;		/* after av_finish */
	uint64_t	 bad_seq;	/* the first bad record */
	unsigned long	 bad_line;
	char		 msg[512];
	uint64_t	 records, sessions, seals, seals_checked;
	uint64_t	 last_seq;	/* of the last good record */
	unsigned long	 torn;		/* torn fragments skipped */
};

struct av;

/* NULL when out of memory or OpenSSL cannot be set up (call it before
 * the sandbox: it fetches SHA-256). */
struct av	*av_new(const struct av_opts *);
void		 av_free(struct av *);

/* Key file text: lines "aksup-seal-key 1 SESSION HEX64". 0 or -1. */
int		 av_add_keys(struct av *, const char *text, size_t len,
		    char *err, size_t errlen);

/* Raw log bytes in any chunking. -1 only when out of memory. */
int		 av_feed(struct av *, const char *buf, size_t len);
/* End of the log: 0 valid, 1 invalid, -1 out of memory. */
int		 av_finish(struct av *);
const struct av_result *av_result(const struct av *);

#endif
