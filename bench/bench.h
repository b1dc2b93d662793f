/*
 * bench/bench.h -- what aksup-bench's files share: a benchmark's
 * figures, the clock, the percentiles, and the proc.exec benchmarks
 * (bench/proc.c): their agent side in a session and, outside any
 * session, the references (bubblewrap, a bare fork+exec) and the
 * per-layer cost of a command's sandbox; net.http's (bench/http.c),
 * mcp's (bench/mcp.c) and the snapshot store's (bench/snapshot.c).
 *
 * Runs in: aksup-bench, outside a session (the operator's privilege) and,
 * for the --inner parts, in the agent seat of a session (confined).
 */
#ifndef AKSUP_BENCH_H
#define AKSUP_BENCH_H

#include "agent/client.h"

#define MSGBUF	(AKSUP_MSG_MAX + 1)

struct result {
	char name[32];
	int n;
	double ops, p50, p95, p99;	/* ops/s, ms */
	int errors;
	long records;			/* decision records in the log */
	/* overlap: wall time to the last answer, to the last fs.read's and
	 * to the last sleep's, ms (medians of its repetitions); mcp: wall
	 * is the server's start, ms (the session's first call; the direct
	 * client's spawn to the initialize answer) */
	double wall, last_read, last_sleep;
	int missing;			/* a reference not run (bwrap,
					 * http_ref.py) */
};

extern int chan_fd;			/* the agent channel (inner) */

double now_s(void);
int cmp_double(const void *a, const void *b);
void stats(struct result *r, double *lat, int n, double elapsed);
double median_of(double *v, int n);	/* sorts v */

/* bench/aksup-bench.c, for the benchmarks in files of their own: */
void write_file(const char *path, const char *data, size_t len); /* or exit */
/* One `aksup run` session of the benchmark `name` (its agent side:
 * aksup-bench --inner NAME --ws=WS [arg]), under policy, logging to log;
 * opts: more options of aksup run (NULL-terminated, at most 4), or NULL.
 * Its figures, errors and decision records in *r. */
int bench_session(const char *name, const char *policy, const char *log,
    const char *ws, const char *arg, const char *const *opts,
    struct result *r);

/* ---- bench/proc.c ------------------------------------------------------ */

#define PROC_N		200	/* commands per measurement */
#define OVERLAP_REPS	5
#define OVERLAP_SLEEPS	10
#define OVERLAP_READS	100

/* The agent side, in a session: 200 x proc.exec /bin/true, lock-step;
 * and OVERLAP_REPS x (10 sleeps and 100 reads sent at once). */
void proc_inner(struct result *r);
void overlap_inner(struct result *r, const char *ws);

/* The references, outside any session: 200 x fork+exec+wait of
 * /bin/true, bare; and of bwrap running it (r->missing when bwrap is not
 * installed, or did not run /bin/true: its reason in why). */
void proc_fork(struct result *r);
void proc_bwrap(struct result *r, char *why, size_t len);

/* The per-command cost of each layer of a command's sandbox. */
enum split_layer {
	SPLIT_BARE,		/* fork + exec + wait */
	SPLIT_NS,		/* clone: pid, mount, ipc, uts, net */
	SPLIT_VIEW,		/* + the mount view */
	SPLIT_CREDS,		/* + setsid, hostname, rlimits, ids, caps */
	SPLIT_LANDLOCK,		/* + Landlock */
	SPLIT_SECCOMP,		/* + seccomp: the command's sandbox */
	SPLIT_CGROUP,		/* + a cgroup of its own (root only) */
	SPLIT_USERNS,		/* beside: SPLIT_NS with a user ns each */
	SPLIT_N
};
struct split {
	double ms[SPLIT_N];	/* median per command; < 0: not measured */
	char why[SPLIT_N][160];	/* why not */
};
extern const char *const split_names[SPLIT_N];
extern const char *const split_titles[SPLIT_N];
void split_run(struct split *s);

/* ---- bench/http.c ------------------------------------------------------ */

#define HTTP_N		500	/* GETs per measurement */
#define HTTP_BODY	1024	/* the server's answer, bytes of 'x' */

/* The server: 127.0.0.1, a port the kernel picks (in *port); a thread per
 * connection, keep-alive unless the client says close. -1 and why when
 * it cannot listen. Stopped by http_server_stop (or the exit). */
int http_server_start(int *port, char *why, size_t len);
void http_server_stop(void);

/* The agent side, in a session: HTTP_N x net.http GET url, lock-step,
 * each OK with status_code 200. */
void http_inner(struct result *r, const char *url);

/* The reference, outside any session: python3 bench/http_ref.py url
 * HTTP_N (ops/s, p50 and p99; p95 is -1). r->missing, and why, when
 * python3 or the script is not there or it failed. */
void http_ref(struct result *r, const char *url, char *why, size_t len);

/* ---- bench/mcp.c ------------------------------------------------------- */

#define MCP_N		500	/* tools/call echo per measurement */

/* Finds @modelcontextprotocol/server-everything's entry (its package.json
 * "bin") in dir/node_modules and node on $PATH, and writes the session's
 * policy to pol: an mcp_servers entry "everything" (node, the entry,
 * stdio; node_modules read-only) and mcp.call of its every tool. -1 and
 * why when either is missing. */
int mcp_setup(const char *dir, const char *pol, char *why, size_t len);

/* The agent side, in a session: a warm-up mcp.call everything/echo
 * {message: "hi"} (the server's start, in r->wall), then MCP_N of them,
 * lock-step, each OK. */
void mcp_inner(struct result *r);

/* The direct client, outside any session: the server on pipes (its
 * stderr to errlog), initialize, notifications/initialized, a warm-up
 * tools/call echo, then MCP_N of them, each timed from its write to its
 * answer's line; r->wall is spawn to the initialize answer. r->missing,
 * and why, when the server did not start or answer. */
void mcp_direct(struct result *r, const char *errlog, char *why, size_t len);

/* ---- bench/snapshot.c -------------------------------------------------- */

#define SNAP_N		300	/* fs.write per measurement */
#define SNAP_FILES	4	/* the existing files they overwrite, in turn */
#define SNAP_SIZE	2500	/* bytes of text, each file before and after */
#define SNAP_TARGET_PCT	30	/* snapshots may add this to a write's p50 */

/* One round: the session with snapshots off (the rule says snapshot:
 * false), then on (the default), then the reference. */
struct snap_round {
	struct result res[2];	/* [0] off, [1] on */
	long taken[2];		/* outcome records naming a snapshot */
	long meta[2];		/* metadata files in its store; -1: none */
	struct result ref;	/* reversible_ref.py; ref.missing: not run */
	double pct;		/* on's p50 over off's, -1, in percent */
	int has_pct;		/* both sessions whole: pct is a figure */
};

/* The agent side, in a session: SNAP_N x fs.write of SNAP_SIZE bytes of
 * text over WS/snap/doc<i % SNAP_FILES>.txt, lock-step, each OK. */
void snap_inner(struct result *r, const char *ws);
/* The agent side of a tree session: a warm-up, then lock-step
 * `/bin/true` under a rule with or without snapshot: tree, each OK. */
void tree_inner(struct result *r);
/* 1 when an answer is OK with "returncode":0 (bench/proc.c) */
int bench_ok_rc0(const char *buf);

/* Writes dir's two policies (fs.read beneath WS, fs.write beneath
 * WS/snap, with and without snapshot: false) and makes WS/snap. */
void snap_setup(const char *dir, const char *ws);

/* Round `round` (0-based) of `runs`: the two sessions, each on fresh
 * copies of the SNAP_FILES files and a fresh --snapshot-dir beneath dir,
 * and python3 bench/reversible_ref.py in a fresh directory beneath dir
 * (s->ref.missing, and why, when python3 or the script is not there or
 * it failed). -1 (said on stderr) when a session had errors or records
 * or snapshots other than expected. */
int snap_round(struct snap_round *s, int round, int runs, const char *dir,
    const char *ws, char *why, size_t len);

/* The figures of the round whose overhead is the median, the
 * reference's (median by ops/s; or ref_why), the overhead and the
 * target. first: nothing was printed before it. */
void snap_report(int json, int runs, const struct snap_round *s,
    const char *ref_why, int first);

/* bench/pyref.c: python3 bench/SCRIPT ARG N (child_env, when not NULL,
 * runs in the child first), its "ops p50 p99" into r (named label); a
 * reference that cannot run is r->missing with why. */
void py_ref(struct result *r, const char *label, const char *script,
    const char *arg, int n, void (*child_env)(void), char *why, size_t len);

#endif
