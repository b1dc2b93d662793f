/*
 * logview/records.h -- parse audit log lines and join them into rows.
 *
 * Runs in: the aksup-log process (invoking user, seccomp-confined, reads
 * only fd 0) and the fuzz/unit tests. Privilege: none; pure memory work on
 * bytes it is handed. Never calls exit().
 *
 * One row per request: a "decision" record, completed by the "outcome"
 * record with the same record_id when the decision was ALLOWED. Lines that
 * are not JSON objects with an integer seq are skipped and reported.
 */
#ifndef AKSUP_LOGVIEW_RECORDS_H
#define AKSUP_LOGVIEW_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#define LV_LINE_MAX	(8 * 1024 * 1024)	/* longer lines are skipped */
#define LV_ROWS_MAX	(4 * 1024 * 1024)	/* rows kept in memory */
#define LV_TARGET_COLS	50			/* table width of TARGET */

struct lv_row {
	uint64_t	 seq;		/* of the decision record */
	char		*timestamp;	/* "time"; every string may be NULL */
	char		*session;
	char		*action;
	char		*target;
	char		*target_sent;	/* as sent, when normalized */
	char		*status;	/* final: outcome's, or decision's */
	char		*error;
	char		*rule;
	char		*record_id;
	double		 duration_ms;
	int		 has_duration;
	int		 has_outcome;
	int		 snapshot;	/* its outcome: 1 named its snapshot
					   (rollback can undo it), -1 said
					   snapshot: false, 0 neither */
	int		 has_tokens;	/* its outcome named the tokens its
					   model call used (llm.chat): */
	long long	 tokens_in, tokens_out;
	int		 ended;		/* ALLOWED, its session over without its
					   outcome (crashed): it gets none */
};

/* Called for every skipped line; why is e.g. "not a record". */
typedef void (*lv_warn_fn)(unsigned long lineno, const char *why, void *arg);

struct lv;

struct lv	*lv_new(lv_warn_fn warn, void *arg);
void		 lv_free(struct lv *);

/* Feed raw bytes of the log, in any chunking; lv_finish() takes a last
 * line without a newline. Return 0, or -1 when out of memory or past
 * LV_ROWS_MAX (the state is then unusable). */
int		 lv_feed(struct lv *, const char *buf, size_t len);
int		 lv_finish(struct lv *);
/* One line, without its newline (used by lv_feed; exposed for tests). */
int		 lv_line(struct lv *, const char *line, size_t len,
		    unsigned long lineno);

size_t		 lv_nrows(const struct lv *);
const struct lv_row *lv_row(const struct lv *, size_t i);
unsigned long	 lv_nskipped(const struct lv *);

/* Which rows to show; NULL members match anything. status is compared
 * case-insensitively, action and record_id exactly; session matches every
 * session that starts with it (the full UUID or a prefix: "30c25cda");
 * since and until are RFC 3339 times or a prefix of one ("2026-01-31"),
 * both inclusive. */
struct lv_filter {
	unsigned	 statuses;	/* lv_status_parse's mask; 0: any */
	const char	*action, *session, *record_id;
	const char	*since, *until;
	size_t		 limit;		/* > 0: only the last `limit` */
};

int		 lv_match(const struct lv_row *, const struct lv_filter *);

/* --status: a comma-separated list, any case, of the records' statuses
 * (ALLOWED DENIED INVALID NO_PROVIDER OK FAILED) and the agent's answer
 * statuses (OK DENIED ERROR: ERROR is every row the agent was answered
 * ERROR for: INVALID, NO_PROVIDER, FAILED, and OK with an error). 0 with
 * *mask, or -1 with the first word that is none of them in bad. */
int		 lv_status_parse(const char *list, unsigned *mask, char *bad,
		    size_t badlen);
#define LV_STATUS_NAMES	"ALLOWED, DENIED, INVALID, NO_PROVIDER, OK, " \
			"FAILED, ERROR"

/* Indices of the matching rows. Returns a malloc'd array (count in *n;
 * may be NULL when *n is 0), or NULL with *n == (size_t)-1 when out of
 * memory. */
size_t		*lv_select(const struct lv *, const struct lv_filter *,
		    size_t *n);

/* Row i will not change any more: its outcome is in, it needs none, or
 * its session is over (session_end, or a later session_start). A later
 * request says nothing: the broker answers requests in completion
 * order, so an outcome can follow other requests' records. */
int		 lv_row_final(const struct lv *, size_t i);

/* The --json form of a row: a compact JSON object, malloc'd, no newline. */
char		*lv_row_json(const struct lv_row *);

/* A string made safe for a terminal: control characters, C1 controls and
 * bidi overrides escaped, invalid UTF-8 replaced, cut to `cols` code
 * points with "…" (0: no cut). NULL becomes "-". Returns malloc'd string
 * and its width in code points in *width. */
char		*lv_display(const char *s, size_t cols, size_t *width);

#endif
