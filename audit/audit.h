/*
 * audit/audit.h -- the audit log writer, as a pure library.
 *
 * Runs in: the broker (writer; the log fd was opened and locked by the
 * supervisor, O_APPEND|O_CLOEXEC, mode 0600, and is the broker's only
 * file). Privilege: none; acts only on the fds it is given. Never calls
 * exit(). The verifier is audit/verify.h.
 *
 * Format (docs/AUDIT.md): JSON Lines, canonical (fixed key order per
 * record type, no optional whitespace). Every line carries `seq` (1, 2,
 * ... across sessions), `time`, `session`, `type` and last `prev`, the
 * lowercase hex SHA-256 of the previous line's bytes (without its
 * newline); the first line of a log has 64 zeros. A session is
 * session_start [seal] (decision [outcome] | seal)* session_end [seal].
 *
 * Seals: HMAC-SHA256(k_e, prev || be64(e)) with k_(e+1) = SHA-256(
 * "aksup-evolve" || k_e); the old key is wiped at once. k_0 goes to the
 * operator's key file and is used for exactly one seal, right after
 * session_start, so the broker never keeps it.
 */
#ifndef AKSUP_AUDIT_H
#define AKSUP_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#define AUDIT_KEY_LEN		32
#define AUDIT_BATCH_MS		10	/* batch: fdatasync at most this often */
#define AUDIT_PARAMS_MAX	(1024 * 1024)	/* largest params_max */
#define AUDIT_TARGET_MAX	4096	/* longer targets: cut, with length
					   and SHA-256 (docs/AUDIT.md) */
#define AUDIT_ERROR_MAX		512	/* longer errors: cut, the same way */
/* The budget's reservations (docs/AUDIT.md): the largest seal line and
 * the closing records (session_end + final seal), and what an outcome
 * may add to its decision's size (the error and duration). */
#define AUDIT_SEAL_MAX		512
#define AUDIT_CLOSE_MAX		1536
#define AUDIT_OUTCOME_EXTRA	(6 * AUDIT_ERROR_MAX + 256)
#define AUDIT_BUDGET		(-2)
/* The budget's defaults and floor (docs/AUDIT.md): 1 GiB, and as many
 * records as 1 GiB of the smallest request records (about 270 bytes). */
#define AUDIT_DEFAULT_MAX_BYTES		(1024ull * 1024 * 1024)
#define AUDIT_DEFAULT_MAX_RECORDS	4000000ull
#define AUDIT_MIN_BYTES			(64ull * 1024)	/* audit_write: budget exhausted */

enum audit_sync {
	AUDIT_SYNC_BATCH = 0,	/* fdatasync <= every 10 ms, before seals, end */
	AUDIT_SYNC_ALWAYS,	/* fdatasync after every record */
	AUDIT_SYNC_NONE,	/* never: the page cache decides */
};

struct audit_opts {
	enum audit_sync	 sync;
	unsigned	 seal_every;	  /* seal after N records; 0: no */
	unsigned	 seal_interval_ms; /* or T ms after the last; 0: no */
	size_t		 params_max;	  /* log params in full up to this
					     many bytes; 0: hash only */
	uint64_t	 max_bytes;	  /* session budget in bytes; 0: none */
	uint64_t	 max_records;	  /* and in request records; 0: none */
};

/* A record's "type" and a request record's "status", by value: the
 * writer takes them so, the readers (the verifier, aksup log, the
 * writer's look at the log's tail) tell them apart so, not by strcmp in
 * each (audit/rtype.c). AUDIT_R_OTHER: NULL or a type no version writes. */
enum audit_rtype {
	AUDIT_R_OTHER = 0,
	AUDIT_R_SESSION_START,
	AUDIT_R_DECISION,
	AUDIT_R_OUTCOME,
	AUDIT_R_SEAL,
	AUDIT_R_SESSION_END,
};
enum audit_rtype audit_rtype_of(const char *type);
const char *audit_rtype_name(enum audit_rtype t);

/* decision: ALLOWED DENIED INVALID NO_PROVIDER; outcome: OK FAILED (in
 * this order: session_end's counts are written in it). */
enum audit_status {
	AUDIT_S_ALLOWED,
	AUDIT_S_DENIED,
	AUDIT_S_INVALID,
	AUDIT_S_NO_PROVIDER,
	AUDIT_S_OK,
	AUDIT_S_FAILED,
	AUDIT_S_N
};
/* The status named s, or -1. */
int audit_status_of(const char *s);
const char *audit_status_name(enum audit_status st);

/* One request record. Strings may be NULL (written as null). `type` is
 * AUDIT_R_DECISION (written before the action runs) or AUDIT_R_OUTCOME
 * (after); `status` one of its statuses. params: canonical JSON text (or NULL) of params_len bytes;
 * params_sha256: its hex SHA-256 (audit_hash_hex). */
struct audit_rec {
	enum audit_rtype type;
	const char	*action;
	const char	*target;
	const char	*target_sent;	/* as the agent sent it, when the
					   gate normalized it to another
					   target; NULL: the same */
	const char *const *creds;	/* names of the credentials its
					   worker adds (never a value) */
	size_t		 ncreds;
	const char	*params_sha256;
	const char	*params;
	size_t		 params_len;
	enum audit_status status;
	const char	*rule;
	const char	*error;
	double		 duration_ms;
	const char	*record_id;
	uint64_t	 reserve;	/* outcome: what its decision held
					   (audit_last_reserve) */
	int		 snapshot;	/* an OK outcome of fs.write or
					   fs.delete: 1 its snapshot was
					   taken ("snapshot": record_id), -1
					   the rule said snapshot: false
					   ("snapshot": false); 0: no member */
	int		 tokens;	/* an outcome of llm.chat: 1, the
					   tokens its call used, "tokens":
					   {"input": N, "output": M}; 0: no
					   member */
	unsigned long long tokens_in, tokens_out;
};

/* The room the last ALLOWED decision holds for its outcome in the
 * session's budget: the caller keeps it with the request and gives it
 * back in the outcome's `reserve` (several may be in flight). */
struct audit;
uint64_t audit_last_reserve(const struct audit *a);

/* What session_start says about the session. */

struct audit_session {
	const char	*version;	/* aksup version */
	const char	*policy;	/* policy name as given */
	const char	*policy_sha256;	/* hex digest of the policy bytes */
	const char	*layers;	/* sandbox layers in force, a,b,c */
	const char	*waived;	/* layers the operator waived */
	const char	*view;		/* the external agent's view: a JSON
					 * object (ASCII), or NULL */
	const char	*roots;		/* the policy's fs roots: a JSON array
					 * (ASCII), or NULL */
};

struct audit;

/*
 * Take over a log fd, before the sandbox closes: set up OpenSSL (digest
 * and MAC fetch), read the last complete line (pread) to continue the
 * chain and to learn whether the last session ended. A log whose last
 * line is cut off (a crash) is continued after a newline. Returns 0 or -1
 * with a message in err.
 */
int	audit_open(int fd, const struct audit_opts *o, struct audit **out,
	    char *err, size_t errlen);

/*
 * Start the session: write session_start. keyfd >= 0: draw k_0, write it
 * to keyfd ("aksup-seal-key 1 SESSION HEX\n"), close keyfd, seal epoch 0
 * with it and wipe it; keyfd -1: the session is not sealed. Returns 0 or
 * -1 (the session must not start).
 */
int	audit_begin(struct audit *a, const struct audit_session *s, int keyfd,
	    char *err, size_t errlen);

/* sync=batch: run the periodic fdatasync in a thread of its own (call
 * after the process's sandbox is in force: the thread inherits it).
 * Returns 0, or -1 (batch syncs then happen inline). No-op otherwise. */
int	audit_start_syncer(struct audit *a);

/* Append one request record with a single write(2); seal when N records
 * are due. Returns 0, or -1 when it could not be written (and synced, in
 * sync=always): the caller must fail closed. A decision that would not
 * leave room in the session's budget for its outcome, their seals and
 * the closing records is not written: AUDIT_BUDGET (the writer stays
 * usable; the caller denies the request and ends the session with
 * audit_end_reason(a, "audit budget")). Outcomes are reserved for. */
int	audit_write(struct audit *a, const struct audit_rec *r);

/* Timers: the batch fdatasync and the seal every T ms. audit_timeout_ms
 * is the poll timeout until the next one is due (-1: none). audit_tick
 * does what is due; -1 when a sync or seal failed (fail closed). */
int	audit_timeout_ms(const struct audit *a);
int	audit_tick(struct audit *a);

/* End the session: session_end (counts by status), the final seal, and
 * fdatasync (except sync=none). Returns 0 or -1. */
int	audit_end(struct audit *a);
/* The same with the session's end reason ("timeout", "signal": the
 * supervisor stopped it) as session_end's "reason"; NULL: none. */
int	audit_end_reason(struct audit *a, const char *reason);

uint64_t	 audit_seq(const struct audit *a);	/* of the last record */
const char	*audit_session_id(const struct audit *a);
void		 audit_close(struct audit *a);	/* frees, wipes; fd stays */

/* SHA-256 of buf as 64 lowercase hex chars + NUL into hex[65]; the
 * writer's reused context (no allocation). */
void	audit_hash_hex(struct audit *a, const void *buf, size_t len,
	    char hex[65]);
/* The same, standalone (one-shot EVP_Digest). */
void	audit_sha256_hex(const void *buf, size_t len, char hex[65]);

/* The key schedule and seal, for the verifier and tests. 0 or -1. */
int	audit_key_evolve(const unsigned char k[AUDIT_KEY_LEN],
	    unsigned char next[AUDIT_KEY_LEN]);
int	audit_seal_mac(const unsigned char k[AUDIT_KEY_LEN],
	    const unsigned char head[32], uint64_t epoch,
	    unsigned char mac[32]);

/* "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" to microseconds since the epoch; -1 when
 * the text is not exactly that. */
int64_t		audit_parse_time(const char *s);

const char	*audit_sync_name(enum audit_sync);
int		 audit_sync_parse(const char *s, enum audit_sync *out);

#endif
