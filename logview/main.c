/*
 * logview/main.c -- aksup-log: show the audit log, one row per request.
 *
 * Runs in: the aksup-log process, as the invoking user, seccomp-confined
 * (ROLE_LOGVIEW) right after argument parsing. It never opens a path: the
 * supervisor hands it the log on fd 0 (a pipe it keeps filling with
 * --follow), and it writes the table (or JSON Lines) to stdout and
 * warnings to stderr.
 *
 * usage: aksup-log [--status S] [--action A] [--session ID] [--since T]
 *                  [--until T] [--record-id ID] [--limit N] [--json]
 *                  [--follow [--backlog BYTES]]
 *        aksup-log verify --keys N [--allow-open] [--allow-crashed]
 *            (key files on fds 3 .. 3+N-1; audit/verify.c does the work)
 * Only `aksup log` starts it, so its usage messages show aksup log's
 * usage (common/logusage.h). --backlog: with --follow --limit N, the first
 * BYTES on fd 0 are the log as it was; the last N rows of those are shown
 * before following (tail -n N -f).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "audit/verify.h"
#include "common/log.h"
#include "common/sandbox.h"
#include "common/util.h"
#include "logview/records.h"
#include "logview/snapshots.h"
#include "common/logusage.h"

#define READ_CHUNK	(64 * 1024)

/* All of fd 0 (a file or a pipe), chunk by chunk, into a parser. */
static void
feed_stdin(int (*feed)(void *, const char *, size_t), void *arg,
    const char *failed)
{
	static char buf[READ_CHUNK];
	ssize_t n;

	for (;;) {
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			fatal("reading the log");
		if (n == 0)
			return;
		if (feed(arg, buf, (size_t)n) == -1)
			fatalx("%s", failed);
	}
}

static int
feed_av(void *v, const char *p, size_t n)
{
	return av_feed(v, p, n);
}

static int
feed_lv(void *lv, const char *p, size_t n)
{
	return lv_feed(lv, p, n);
}

enum { COL_TIME, COL_STATUS, COL_ACTION, COL_TARGET, COL_MS, COL_RULE,
    COL_ERROR, NCOLS };	/* (and the fixed widths of --follow below) */

static const char *const col_names[NCOLS] = {
	"TIME", "STATUS", "ACTION", "TARGET", "MS", "RULE", "ERROR"
};

struct cell {
	char	*s;
	size_t	 w;
};

static char outbuf[BUFSIZ * 4];

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: %s\n", AKSUP_LOG_USAGE);
}

static noreturn void
usage_error(const char *msg, const char *arg)
{
	log_warnx("%s%s%s", msg, arg ? ": " : "", arg ? arg : "");
	usage(stderr);
	exit(2);
}

static size_t
parse_limit(const char *s)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		usage_error("--limit wants a positive number", s);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > SIZE_MAX)
		usage_error("--limit wants a positive number", s);
	return (size_t)v;
}

/* A time filter: a prefix of YYYY-MM-DDTHH:MM:SS.uuuuuuZ. */
static const char *
check_time(const char *s)
{
	static const char pat[] = "0000-00-00T00:00:00.000000Z";
	size_t i, n = strlen(s);

	if (n < 4 || n > sizeof(pat) - 1)
		usage_error("a time is YYYY-MM-DD[THH:MM[:SS[.uuuuuu]]][Z] (UTC)",
		    s);
	for (i = 0; i < n; i++)
		if (pat[i] == '0' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
			usage_error("a time is YYYY-MM-DD[THH:MM[:SS[.uuuuuu]]]"
			    "[Z] (UTC)", s);
	return s;
}

static void
verify_note(const char *msg, void *arg)
{
	(void)arg;
	printf("note: %s\n", msg);
}

/*
 * aksup-log verify: keys from fds 3.., the log from fd 0. Everything is
 * read under the filter (read(2) only); OpenSSL's SHA-256 is fetched
 * before it closes.
 */
static int
verify_main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "keys",	required_argument,	NULL, 'k' },
		{ "key-name",	required_argument,	NULL, 'K' },
		{ "allow-open",	no_argument,		NULL, 'o' },
		{ "allow-crashed", no_argument,		NULL, 'c' },
		{ NULL,		0,			NULL, 0 }
	};
	const struct av_result *r;
	struct av_opts o;
	struct av *v;
	char err[200], *text;
	size_t len;
	long nkeys = 0, i, nnames = 0;
	const char *names[64];
	char label[32];
	int ch, rc;

	memset(&o, 0, sizeof(o));
	o.note = verify_note;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'k':
			if (parse_int(optarg, 0, 64, &nkeys) < 0)
				usage_error("--keys wants a number", optarg);
			break;
		case 'K':
			if (nnames < 64)
				names[nnames++] = optarg;
			break;
		case 'o':
			o.allow_open = 1;
			break;
		case 'c':
			o.allow_crashed = 1;
			break;
		default:
			usage_error("unknown option", argv[optind - 1]);
		}
	}
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	json_object_seed(0);
	if ((v = av_new(&o)) == NULL)
		fatalx("cannot set up the verifier");
	sandbox_enter(ROLE_LOGVIEW);

	for (i = 0; i < nkeys; i++) {
		/* named as the operator gave it (--key), else by place */
		snprintf(label, sizeof(label), "%ld", i + 1);
		if (read_all(3 + (int)i, 1024 * 1024, &text, &len) < 0)
			fatal("reading key file %s", i < nnames ? names[i] :
			    label);
		if (av_add_keys(v, text, len, err, sizeof(err)) < 0)
			fatalx("key file %s: %s (not a seal key file of "
			    "--seal-key-out?)", i < nnames ? names[i] : label, err);
		memset(text, 0, len);
		free(text);
		close(3 + (int)i);
	}
	feed_stdin(feed_av, v, "out of memory");
	if ((rc = av_finish(v)) == -1)
		fatalx("out of memory");
	r = av_result(v);
	if (rc == 0)
		printf("OK: %llu records, %llu session%s, %llu seals, %llu "
		    "checked with a key\n", (unsigned long long)r->records,
		    (unsigned long long)r->sessions, r->sessions == 1 ? "" : "s",
		    (unsigned long long)r->seals,
		    (unsigned long long)r->seals_checked);
	else
		printf("INVALID: seq %llu, line %lu: %s\n",
		    (unsigned long long)r->bad_seq, r->bad_line, r->msg);
	av_free(v);
	if (fflush(stdout) == EOF)
		return 1;
	return rc == 0 ? 0 : 1;
}

static void
warn_line(unsigned long lineno, const char *why, void *arg)
{
	log_warnx("line %lu: %s", lineno, why);
}

/* The whole log from fd 0, which may be a pipe. */
static struct lv *
read_log(void)
{
	struct lv *lv;

	if ((lv = lv_new(warn_line, NULL)) == NULL)
		fatalx("out of memory");
	feed_stdin(feed_lv, lv, "log too large or out of memory");
	if (lv_finish(lv) == -1)
		fatalx("log too large or out of memory");
	return lv;
}

static void
print_json(const struct lv *lv, const size_t *ix, size_t n)
{
	size_t i;
	char *s;

	for (i = 0; i < n; i++) {
		if ((s = lv_row_json(lv_row(lv, ix[i]))) == NULL)
			fatalx("out of memory");
		fputs(s, stdout);
		putchar('\n');
		free(s);
	}
}

static void
set_cell(struct cell *c, const char *s, size_t cols)
{
	if ((c->s = lv_display(s, cols, &c->w)) == NULL)
		fatalx("out of memory");
}

static void
row_cells(const struct lv_row *r, struct cell *c)
{
	char ms[32], *both;

	if (r->has_duration)
		snprintf(ms, sizeof(ms), "%.3f", r->duration_ms);
	else
		snprintf(ms, sizeof(ms), "-");
	set_cell(&c[COL_TIME], r->timestamp, 0);
	set_cell(&c[COL_STATUS], r->status, 0);
	set_cell(&c[COL_ACTION], r->action, 0);
	if (r->target_sent != NULL && r->target != NULL) {
		/* what was decided, and what the agent wrote */
		if (asprintf(&both, "%s (sent %s)", r->target,
		    r->target_sent) < 0)
			fatalx("out of memory");
		set_cell(&c[COL_TARGET], both, LV_TARGET_COLS);
		free(both);
	} else
		set_cell(&c[COL_TARGET], r->target, LV_TARGET_COLS);
	set_cell(&c[COL_MS], ms, 0);
	set_cell(&c[COL_RULE], r->rule, 0);
	set_cell(&c[COL_ERROR], r->error, 0);
}

static void
print_line(const struct cell *c, const size_t *w)
{
	size_t j, pad;

	for (j = 0; j < NCOLS; j++) {
		fputs(c[j].s, stdout);
		if (j == NCOLS - 1)
			break;
		/* to the column's width, and never less than two spaces
		 * (a cell wider than --follow's fixed width) */
		for (pad = c[j].w; pad < w[j] + 2 || pad < c[j].w + 2; pad++)
			putchar(' ');
	}
	putchar('\n');
}

static void
print_table(const struct lv *lv, const size_t *ix, size_t n)
{
	struct cell head[NCOLS], *cells;
	size_t w[NCOLS], i, j;

	if ((cells = reallocarray(NULL, n ? n : 1, sizeof(head))) == NULL)
		fatalx("out of memory");
	for (j = 0; j < NCOLS; j++) {
		head[j].s = (char *)col_names[j];
		w[j] = head[j].w = strlen(col_names[j]);
	}
	for (i = 0; i < n; i++) {
		row_cells(lv_row(lv, ix[i]), &cells[i * NCOLS]);
		for (j = 0; j < NCOLS; j++)
			if (cells[i * NCOLS + j].w > w[j])
				w[j] = cells[i * NCOLS + j].w;
	}
	print_line(head, w);
	for (i = 0; i < n; i++) {
		print_line(&cells[i * NCOLS], w);
		for (j = 0; j < NCOLS; j++)
			free(cells[i * NCOLS + j].s);
	}
	free(cells);
}

/* Fixed widths: rows are printed as they complete. */
static void
print_row_fixed(const struct lv_row *r)
{
	static const size_t w[NCOLS] = { 27, 11, 12, LV_TARGET_COLS, 9, 24,
	    0 };
	struct cell c[NCOLS];
	size_t j;

	row_cells(r, c);
	print_line(c, w);
	for (j = 0; j < NCOLS; j++)
		free(c[j].s);
}

/* The first row to show of those read so far: the one that leaves
 * `limit` matching rows from it to the end (0: all of them). */
static size_t
tail_start(const struct lv *lv, const struct lv_filter *f)
{
	size_t i = lv_nrows(lv), k = 0;

	if (f->limit == 0)
		return 0;
	while (i > 0 && k < f->limit)
		if (lv_match(lv_row(lv, --i), f))
			k++;
	return i;
}

/* --follow: fd 0 is a pipe the supervisor keeps filling; print each row
 * once it is final, flush after each read. With a limit, the first
 * `backlog` bytes are the log as it was: only its last `limit` rows are
 * printed (tail -n N -f), then every new one. */
static int
follow_log(const struct lv_filter *f, int json, unsigned long long backlog)
{
	static char buf[READ_CHUNK];
	static const size_t w[NCOLS] = { 27, 11, 12, LV_TARGET_COLS, 9, 24,
	    0 };
	struct cell head[NCOLS];
	size_t next = 0, j;
	unsigned long long seen = 0;
	int holding = f->limit > 0 && backlog > 0;
	struct lv *lv;
	ssize_t n;
	char *s;

	if ((lv = lv_new(warn_line, NULL)) == NULL)
		fatalx("out of memory");
	if (!json) {
		for (j = 0; j < NCOLS; j++) {
			head[j].s = (char *)col_names[j];
			head[j].w = strlen(col_names[j]);
		}
		print_line(head, w);
	}
	for (;;) {
		if (fflush(stdout) == EOF)
			return 1;
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			fatal("reading the log");
		if (n > 0 && lv_feed(lv, buf, (size_t)n) == -1)
			fatalx("log too large or out of memory");
		seen += (unsigned long long)n;
		if (holding) {
			if (n > 0 && seen < backlog)
				continue;	/* still the log as it was */
			holding = 0;
			next = tail_start(lv, f);
		}
		for (; next < lv_nrows(lv) && lv_row_final(lv, next); next++) {
			if (!lv_match(lv_row(lv, next), f))
				continue;
			if (json) {
				if ((s = lv_row_json(lv_row(lv, next))) == NULL)
					fatalx("out of memory");
				puts(s);
				free(s);
			} else
				print_row_fixed(lv_row(lv, next));
		}
		if (n == 0)
			break;
	}
	lv_free(lv);
	return fflush(stdout) == EOF ? 1 : 0;
}

/*
 * aksup rollback --session S [--since ID]: the record ids of session S's
 * writes and deletes (outcome OK), and commands with snapshot: tree
 * (outcome OK or FAILED), whose outcome names their snapshot, that no
 * rollback in this log undid yet, newest first, one a line: the order
 * to undo them in. With since: down to that record, which is one of
 * them. (The action is not looked at: any outcome naming its own
 * record id as its snapshot counts.)
 */
static int
print_plan(struct lv *lv, const char *session, const char *since)
{
	const struct lv_row *r;
	size_t i = lv_nrows(lv), n = 0, seen = 0;
	json_t *undone;

	/* those a rollback (in any session of this log) already undid */
	if ((undone = json_object()) == NULL)
		fatalx("out of memory");
	for (i = 0; i < lv_nrows(lv); i++) {
		r = lv_row(lv, i);
		seen += r->session != NULL && strcmp(r->session, session) == 0;
		if (r->action != NULL && strcmp(r->action,
		    "snapshot.rollback") == 0 && r->status != NULL &&
		    strcmp(r->status, "OK") == 0 && r->target != NULL &&
		    json_object_set_new(undone, r->target, json_true()) < 0)
			fatalx("out of memory");
	}
	i = lv_nrows(lv);
	while (i-- > 0) {
		r = lv_row(lv, i);
		/* an outcome naming its own snapshot: an OK write or delete,
		 * or a command with its tree snapshot, OK or FAILED (a
		 * command that failed or timed out may have changed files) */
		if (r->snapshot <= 0 || r->session == NULL ||
		    strcmp(r->session, session) != 0 || r->status == NULL ||
		    (strcmp(r->status, "OK") != 0 &&
		    strcmp(r->status, "FAILED") != 0) || r->record_id == NULL)
			continue;
		if (json_object_get(undone, r->record_id) != NULL) {
			/* --since may name one undone already: stop there */
			if (since != NULL && strcmp(r->record_id, since) == 0) {
				since = NULL;
				break;
			}
			continue;
		}
		printf("%s\n", r->record_id);
		n++;
		if (since != NULL && strcmp(r->record_id, since) == 0) {
			since = NULL;
			break;
		}
	}
	json_decref(undone);
	lv_free(lv);
	if (since != NULL) {
		log_warnx("--since %s: no write, delete or command of session "
		    "%s with a snapshot has that record id", since, session);
		return 1;
	}
	if (seen == 0) {
		log_warnx("session %s is not in this log (aksup log --session "
		    "PREFIX shows the sessions it holds)", session);
		return 1;
	}
	if (n == 0)
		log_warnx("session %s: nothing left to undo (no write, delete "
		    "or command with a snapshot that no rollback undid yet)",
		    session);
	return fflush(stdout) == EOF || ferror(stdout) ? 1 : 0;
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "status",	required_argument,	NULL, 's' },
		{ "action",	required_argument,	NULL, 'a' },
		{ "limit",	required_argument,	NULL, 'n' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "session",	required_argument,	NULL, 'S' },
		{ "since",	required_argument,	NULL, 'f' },
		{ "until",	required_argument,	NULL, 'u' },
		{ "record-id",	required_argument,	NULL, 'r' },
		{ "follow",	no_argument,		NULL, 'F' },
		{ "backlog",	required_argument,	NULL, 'B' },
		/* aksup rollback --session: its plan (internal) */
		{ "rollback-plan", required_argument,	NULL, 'R' },
		{ "plan-since",	required_argument,	NULL, 'P' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct lv_filter f;
	size_t n, *ix;
	struct lv *lv;
	unsigned long long backlog = 0;
	const char *plan = NULL, *plan_since = NULL;
	char *end, bad[64];
	int ch, json = 0, follow = 0;

	log_init("aksup log");
	if (argc > 1 && strcmp(argv[1], "verify") == 0)
		return verify_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "snapshots") == 0)
		return snapshots_main(argc - 1, argv + 1);
	memset(&f, 0, sizeof(f));
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			if (lv_status_parse(optarg, &f.statuses, bad,
			    sizeof(bad)) < 0) {
				log_warnx("--status %s: \"%s\" is no status; the "
				    "statuses are " LV_STATUS_NAMES " (a list: "
				    "DENIED,ERROR)", optarg, bad);
				usage(stderr);
				exit(2);
			}
			break;
		case 'a':
			f.action = optarg;
			break;
		case 'S':
			if (*optarg == '\0')
				usage_error("--session wants a session id or "
				    "a prefix of one", NULL);
			f.session = optarg;
			break;
		case 'f':
			f.since = check_time(optarg);
			break;
		case 'u':
			f.until = check_time(optarg);
			break;
		case 'r':
			f.record_id = optarg;
			break;
		case 'F':
			follow = 1;
			break;
		case 'B':
			errno = 0;
			backlog = strtoull(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end != '\0' ||
			    errno != 0)
				usage_error("--backlog wants a number", optarg);
			break;
		case 'n':
			f.limit = parse_limit(optarg);
			break;
		case 'R':
			plan = optarg;
			break;
		case 'P':
			plan_since = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			usage_error("option needs an argument",
			    argv[optind - 1]);
		default:
			usage_error("unknown option", argv[optind - 1]);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument", argv[optind]);

	/*
	 * Before the filter closes: a static stdout buffer (else glibc's
	 * first write may call isatty(), an ioctl, on a non-tty character
	 * device such as /dev/null) and jansson's hash seed (it reads
	 * /dev/urandom the first time a JSON object is made).
	 */
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	json_object_seed(0);
	sandbox_enter(ROLE_LOGVIEW);

	if (follow)
		return follow_log(&f, json, backlog);
	lv = read_log();
	if (plan != NULL) {
		log_init("aksup rollback");	/* whose messages they are */
		return print_plan(lv, plan, plan_since);
	}
	ix = lv_select(lv, &f, &n);
	if (n == (size_t)-1)
		fatalx("out of memory");
	if (json)
		print_json(lv, ix, n);
	else
		print_table(lv, ix, n);
	free(ix);
	lv_free(lv);
	if (fflush(stdout) == EOF || ferror(stdout))
		fatal("writing the output");
	return 0;
}
