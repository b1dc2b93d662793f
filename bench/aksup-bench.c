/*
 * bench/aksup-bench.c -- aksup-bench: the Python project's six benchmarks
 * (its scripts/perf_test.py definitions) through a real aksup session --
 * every confinement layer on, default durability -- side by side with the
 * physical floor: a bare socketpair ping-pong, one hop and two hops; and
 * proc.exec (bench/proc.c): a command's cost against bubblewrap and a bare
 * fork+exec, slow commands beside fast reads, and the cost of each layer
 * of a command's sandbox; and net.http (bench/http.c): GETs of a local
 * server through a session against the Python project's HttpProvider;
 * and mcp.call (bench/mcp.c): tools/call echo on server-everything through
 * a session against a bare client over the server's stdio; and the
 * snapshot store (bench/snapshot.c): fs.write over existing files with
 * snapshots off and on against the Python project's ReversibleActionLayer,
 * and proc.exec with and without snapshot: tree (its cost per MiB).
 *
 * Runs in: the operator's shell (outer: sets up a workspace, starts one
 * `aksup run` session per benchmark, counts the audit records, measures the
 * floor and the proc.exec, net.http, mcp and snapshot references, serves
 * HTTP on 127.0.0.1) and, re-exec'd as `aksup-bench --inner NAME --ws=WS
 * [--url=URL]`, in the agent seat
 * of that session (untrusted, confined; it speaks only the agent channel).
 * Privilege: the invoking user's; it writes only beneath its own temp dir
 * (and, as root, a temporary cgroup for the layer split, bench/proc.c).
 *
 * A benchmark is a program that prints figures; it asserts nothing but
 * the record counts the Python script checks (400/400, 1000/1000) and,
 * for the snapshot benchmark, the snapshots taken (300/300, 0/0).
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"
#include "common/sandbox.h"
#include "common/util.h"

double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* p = sorted[floor(N * q)], as the Python script does. */
void
stats(struct result *r, double *lat, int n, double elapsed)
{
	int i;

	qsort(lat, (size_t)n, sizeof(*lat), cmp_double);
	r->n = n;
	r->ops = n / elapsed;
	i = (int)floor(n * 0.50); r->p50 = lat[i < n ? i : n - 1] * 1e3;
	i = (int)floor(n * 0.95); r->p95 = lat[i < n ? i : n - 1] * 1e3;
	i = (int)floor(n * 0.99); r->p99 = lat[i < n ? i : n - 1] * 1e3;
}

double
median_of(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* ---- inner: the agent side ------------------------------------------ */

int chan_fd;

/* One lock-step call; returns 1 if the status is `want`. */
static int
call(char *buf, const char *req, const char *want)
{
	char pat[32];
	ssize_t n;

	if (aksup_send(chan_fd, req, strlen(req)) < 0)
		return 0;
	n = aksup_recv(chan_fd, buf, MSGBUF);
	if (n <= 0)
		return 0;
	snprintf(pat, sizeof(pat), "\"status\":\"%s\"", want);
	return strstr(buf, pat) != NULL;
}

static void
seq_run(struct result *r, int n, const char *ws,
	void (*mk)(char *req, size_t len, int i, const char *ws, const char **want))
{
	char *buf = malloc(MSGBUF), req[4096];
	double *lat = calloc((size_t)n, sizeof(double)), t0, t;
	const char *want;
	int i;

	if (buf == NULL || lat == NULL)
		exit(2);
	t0 = now_s();
	for (i = 0; i < n; i++) {
		mk(req, sizeof(req), i, ws, &want);
		t = now_s();
		if (!call(buf, req, want))
			r->errors++;
		lat[i] = now_s() - t;
	}
	stats(r, lat, n, now_s() - t0);
	free(buf);
	free(lat);
}

static void
mk_deny(char *req, size_t len, int i, const char *ws, const char **want)
{
	(void)ws;
	snprintf(req, len, "{\"id\":%d,\"action\":\"fs.read\",\"target\":"
	    "\"/workspace/file.txt\"}", i);
	*want = "DENIED";
}

static void
mk_read(char *req, size_t len, int i, const char *ws, const char **want)
{
	snprintf(req, len, "{\"id\":%d,\"action\":\"fs.read\",\"target\":"
	    "\"%s/file.txt\"}", i, ws);
	*want = "OK";
}

static void
mk_mixed(char *req, size_t len, int i, const char *ws, const char **want)
{
	switch (i % 3) {
	case 0:
		snprintf(req, len, "{\"id\":%d,\"action\":\"fs.read\","
		    "\"target\":\"%s/file.txt\"}", i, ws);
		*want = "OK";
		break;
	case 1:
		snprintf(req, len, "{\"id\":%d,\"action\":\"fs.write\","
		    "\"target\":\"%s/file.txt\",\"params\":{\"content\":\"x\"}}",
		    i, ws);
		*want = "DENIED";
		break;
	default:
		snprintf(req, len, "{\"id\":%d,\"action\":\"fs.read\","
		    "\"target\":\"/etc/passwd\"}", i);
		*want = "DENIED";
	}
}

static void
mk_write(char *req, size_t len, int i, const char *ws, const char **want)
{
	char content[256];
	int k, o = 0;

	for (k = 1; k <= 10; k++)
		o += snprintf(content + o, sizeof(content) - (size_t)o,
		    "line %d of file %d\\n", k, i);
	snprintf(req, len, "{\"id\":%d,\"action\":\"fs.write\",\"target\":"
	    "\"%s/output/file_%04d.txt\",\"params\":{\"content\":\"%s\"}}",
	    i, ws, i, content);
	*want = "OK";
}

/* Concurrent streams over the one channel: each thread sends its own
 * requests lock-step; a reader thread routes answers by id. */
struct stream {
	pthread_cond_t cv;
	int ready, ok;
};

struct conc {
	pthread_mutex_t mu;
	struct stream *s;
	int nthreads, per, total;
	const char *ws, *action, *target, *want;
	double *lat;
	int errors;
};

struct worker_arg {
	struct conc *c;
	int idx;
};

static void *
conc_reader(void *arg)
{
	struct conc *c = arg;
	char *buf = malloc(MSGBUF), pat[32];
	int got = 0;
	long id;
	ssize_t n;

	snprintf(pat, sizeof(pat), "\"status\":\"%s\"", c->want);
	while (buf && got < c->total) {
		n = aksup_recv(chan_fd, buf, MSGBUF);
		if (n <= 0)
			break;
		if (strncmp(buf, "{\"id\":", 6) != 0)
			continue;
		id = strtol(buf + 6, NULL, 10);
		if (id / 1000000 < 0 || id / 1000000 >= c->nthreads)
			continue;
		pthread_mutex_lock(&c->mu);
		c->s[id / 1000000].ok = strstr(buf, pat) != NULL;
		if (!c->s[id / 1000000].ok)
			fprintf(stderr, "aksup-bench: unexpected answer: %.200s\n",
			    buf);
		c->s[id / 1000000].ready = 1;
		pthread_cond_signal(&c->s[id / 1000000].cv);
		pthread_mutex_unlock(&c->mu);
		got++;
	}
	free(buf);
	if (got < c->total) {
		/* the channel closed early: wake everyone still waiting */
		pthread_mutex_lock(&c->mu);
		for (int i = 0; i < c->nthreads; i++) {
			c->s[i].ready = -1;
			pthread_cond_signal(&c->s[i].cv);
		}
		pthread_mutex_unlock(&c->mu);
	}
	return NULL;
}

static void *
conc_worker(void *arg)
{
	struct worker_arg *wa = arg;
	struct conc *c = wa->c;
	struct stream *s = &c->s[wa->idx];
	char req[4096];
	double t;
	int i;

	for (i = 0; i < c->per; i++) {
		snprintf(req, sizeof(req), "{\"id\":%d,\"action\":\"%s\","
		    "\"target\":\"%s\"}", wa->idx * 1000000 + i, c->action,
		    c->target);
		t = now_s();
		pthread_mutex_lock(&c->mu);
		s->ready = 0;
		pthread_mutex_unlock(&c->mu);
		if (aksup_send(chan_fd, req, strlen(req)) < 0)
			break;
		pthread_mutex_lock(&c->mu);
		while (s->ready == 0)
			pthread_cond_wait(&s->cv, &c->mu);
		if (s->ready < 0 || !s->ok)
			c->errors++;
		pthread_mutex_unlock(&c->mu);
		c->lat[wa->idx * c->per + i] = now_s() - t;
		if (s->ready < 0)
			break;
	}
	return NULL;
}

static void
conc_run(struct result *r, int nthreads, int per, const char *action,
	 const char *target, const char *want)
{
	struct worker_arg *wa = calloc((size_t)nthreads, sizeof(*wa));
	pthread_t *th = calloc((size_t)nthreads, sizeof(*th)), rd;
	struct conc c;
	double t0;
	int i;

	memset(&c, 0, sizeof(c));
	pthread_mutex_init(&c.mu, NULL);
	c.nthreads = nthreads;
	c.per = per;
	c.total = nthreads * per;
	c.action = action;
	c.target = target;
	c.want = want;
	c.s = calloc((size_t)nthreads, sizeof(*c.s));
	c.lat = calloc((size_t)c.total, sizeof(double));
	if (wa == NULL || th == NULL || c.s == NULL || c.lat == NULL)
		exit(2);
	for (i = 0; i < nthreads; i++)
		pthread_cond_init(&c.s[i].cv, NULL);
	t0 = now_s();
	pthread_create(&rd, NULL, conc_reader, &c);
	for (i = 0; i < nthreads; i++) {
		wa[i].c = &c;
		wa[i].idx = i;
		pthread_create(&th[i], NULL, conc_worker, &wa[i]);
	}
	for (i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	pthread_join(rd, NULL);
	r->errors = c.errors;
	stats(r, c.lat, c.total, now_s() - t0);
	free(c.lat);
	free(c.s);
	free(th);
	free(wa);
}

static int
inner(const char *name, const char *ws, const char *url)
{
	struct result r;
	char target[PATH_MAX];

	memset(&r, 0, sizeof(r));
	snprintf(r.name, sizeof(r.name), "%s", name);
	if ((chan_fd = aksup_channel()) < 0) {
		fprintf(stderr, "aksup-bench: no agent channel\n");
		return 2;
	}
	if (strcmp(name, "deny") == 0)
		seq_run(&r, 2000, ws, mk_deny);
	else if (strcmp(name, "read") == 0)
		seq_run(&r, 500, ws, mk_read);
	else if (strcmp(name, "concurrent") == 0) {
		snprintf(target, sizeof(target), "%s/small.txt", ws);
		conc_run(&r, 10, 100, "fs.read", target, "OK");
	} else if (strcmp(name, "integrity") == 0)
		conc_run(&r, 8, 50, "fs.read", "/workspace/file.txt", "DENIED");
	else if (strcmp(name, "mixed") == 0)
		seq_run(&r, 1000, ws, mk_mixed);
	else if (strcmp(name, "write") == 0)
		seq_run(&r, 200, ws, mk_write);
	else if (strcmp(name, "proc") == 0)
		proc_inner(&r);
	else if (strcmp(name, "overlap") == 0)
		overlap_inner(&r, ws);
	else if (strcmp(name, "http") == 0 && url != NULL)
		http_inner(&r, url);
	else if (strcmp(name, "mcp") == 0)
		mcp_inner(&r);
	else if (strcmp(name, "snapshot-write") == 0)
		snap_inner(&r, ws);
	else if (strcmp(name, "snapshot-tree") == 0)
		tree_inner(&r);
	else
		return 2;
	printf("%d %.3f %.6f %.6f %.6f %d %.3f %.3f %.3f\n", r.n, r.ops, r.p50,
	    r.p95, r.p99, r.errors, r.wall, r.last_read, r.last_sleep);
	return 0;
}

/* ---- outer: sessions, records, floor --------------------------------- */

static char self[PATH_MAX], aksup[PATH_MAX];
static const char *degraded;	/* --allow-degraded, passed to aksup run */
static const char *sync_mode;	/* --audit-sync, passed to aksup run */

void
write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len) {
		perror(path);
		exit(1);
	}
	close(fd);
}

static void
empty_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			(void)unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
}

static long
count_decisions(const char *log)
{
	FILE *f = fopen(log, "r");
	char *line = NULL;
	size_t cap = 0;
	long n = 0;
	json_t *j;

	if (f == NULL)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		j = json_loads(line, 0, NULL);
		if (j && json_is_string(json_object_get(j, "type")) &&
		    strcmp(json_string_value(json_object_get(j, "type")),
		    "decision") == 0)
			n++;
		json_decref(j);
	}
	free(line);
	fclose(f);
	return n;
}

/* One session of the benchmark `name`; arg: one more argument for its
 * agent side (--url=URL), or NULL; opts: more options of aksup run
 * (NULL-terminated, at most 4), or NULL. */
int
bench_session(const char *name, const char *policy, const char *log,
	const char *ws, const char *arg, const char *const *opts,
	struct result *r)
{
	int p[2], st;
	pid_t pid;
	FILE *f;

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	if (pipe(p) < 0)
		return -1;
	if ((pid = fork()) == 0) {
		/* 6 + 2 + 2 + 4 (opts) + 5 + 1 (arg) + NULL */
		char *av[24], wsarg[PATH_MAX + 8];
		int k = 0;

		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		av[k++] = "aksup";
		av[k++] = "run";
		av[k++] = "--policy";
		av[k++] = (char *)policy;
		av[k++] = "--log-path";
		av[k++] = (char *)log;
		if (degraded != NULL) {
			av[k++] = "--allow-degraded";
			av[k++] = (char *)degraded;
		}
		if (sync_mode != NULL) {
			av[k++] = "--audit-sync";
			av[k++] = (char *)sync_mode;
		}
		for (int o = 0; opts != NULL && opts[o] != NULL && o < 4; o++)
			av[k++] = (char *)opts[o];
		av[k++] = "--";
		av[k++] = self;
		av[k++] = "--inner";
		av[k++] = (char *)name;
		/* an option, not a path: the agent never opens WS, it only
		 * names targets beneath it in its requests */
		snprintf(wsarg, sizeof(wsarg), "--ws=%s", ws);
		av[k++] = wsarg;
		if (arg != NULL)
			av[k++] = (char *)arg;
		av[k] = NULL;
		execv(aksup, av);
		_exit(127);
	}
	close(p[1]);
	f = fdopen(p[0], "r");
	if (f == NULL || fscanf(f, "%d %lf %lf %lf %lf %d", &r->n, &r->ops,
	    &r->p50, &r->p95, &r->p99, &r->errors) != 6)
		r->errors = -1;
	else if (fscanf(f, "%lf %lf %lf", &r->wall, &r->last_read,
	    &r->last_sleep) != 3)
		r->wall = r->last_read = r->last_sleep = 0;
	if (f)
		fclose(f);
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		r->errors = r->errors < 0 ? r->errors : r->errors + 1;
	r->records = count_decisions(log);
	return 0;
}

/* The floor: a 100-byte SEQPACKET ping-pong, through `hops` hops. */
static void
floor_run(struct result *r, int hops, int n)
{
	int a[2], b[2], i;
	char buf[256], msg[100];
	double *lat = calloc((size_t)n, sizeof(double)), t0, t;
	pid_t echo, mid = -1;

	memset(msg, 'x', sizeof(msg));
	socketpair(AF_UNIX, SOCK_SEQPACKET, 0, a);
	if ((echo = fork()) == 0) {
		int fd = a[1];

		close(a[0]);
		if (hops == 2) {
			socketpair(AF_UNIX, SOCK_SEQPACKET, 0, b);
			if ((mid = fork()) == 0) {	/* the far end */
				ssize_t k;

				close(b[0]);
				while ((k = recv(b[1], buf, sizeof(buf), 0)) > 0)
					send(b[1], buf, (size_t)k, 0);
				_exit(0);
			}
			close(b[1]);
			for (;;) {	/* the middle */
				ssize_t k = recv(fd, buf, sizeof(buf), 0);

				if (k <= 0)
					break;
				send(b[0], buf, (size_t)k, 0);
				k = recv(b[0], buf, sizeof(buf), 0);
				send(fd, buf, (size_t)k, 0);
			}
			close(b[0]);
			waitpid(mid, NULL, 0);
			_exit(0);
		}
		for (;;) {
			ssize_t k = recv(fd, buf, sizeof(buf), 0);

			if (k <= 0)
				_exit(0);
			send(fd, buf, (size_t)k, 0);
		}
	}
	close(a[1]);
	t0 = now_s();
	for (i = 0; i < n; i++) {
		t = now_s();
		send(a[0], msg, sizeof(msg), 0);
		recv(a[0], buf, sizeof(buf), 0);
		lat[i] = now_s() - t;
	}
	snprintf(r->name, sizeof(r->name), "floor-%dhop", hops);
	stats(r, lat, n, now_s() - t0);
	close(a[0]);
	waitpid(echo, NULL, 0);
	free(lat);
}

/* hops: the floor a sequential benchmark is held to (0: none; for mixed,
 * a third of its requests take two hops and two thirds one). */
enum { POL_BENCH, POL_EMPTY, POL_PROC, POL_HTTP, POL_MCP };
static const struct {
	const char *name, *title;
	int policy;
	long want_records;
	int hops;
} benches[] = {
	{ "deny", "Sequential deny-only (2000)", POL_EMPTY, 2000, 1 },
	{ "read", "Sequential fs.read (500)", POL_BENCH, 500, 2 },
	{ "concurrent", "Concurrent 10 x 100 fs.read", POL_BENCH, 1000, 0 },
	{ "integrity", "Log integrity 8 x 50 denied", POL_BENCH, 400, 0 },
	{ "mixed", "Mixed allow/deny (1000)", POL_BENCH, 1000, 3 },
	{ "write", "Write 200 files", POL_BENCH, 200, 2 },
	{ "proc", "proc.exec /bin/true (200)", POL_PROC, PROC_N, 0 },
	{ "overlap", "Overlap 10 sleep+100 read", POL_PROC,
	    OVERLAP_REPS * (OVERLAP_SLEEPS + OVERLAP_READS), 0 },
	{ "http", "net.http GET 1 KiB (500)", POL_HTTP, HTTP_N, 0 },
	/* its records: the warm-up's and MCP_N */
	{ "mcp", "mcp.call echo (500)", POL_MCP, MCP_N + 1, 0 },
};
#define NBENCH (int)(sizeof(benches) / sizeof(benches[0]))
#define B_PROC 6
#define B_OVERLAP 7
#define B_HTTP 8
#define B_MCP 9
#define RUNS_MAX 25

static int
cmp_ops(const void *a, const void *b)
{
	const struct result *x = *(const struct result *const *)a;
	const struct result *y = *(const struct result *const *)b;

	return cmp_double(&x->ops, &y->ops);
}

/* The median run (by ops/s) of `runs`, and the range around it. */
static const struct result *
median(const struct result *r, int runs, int stride, double *lo, double *hi)
{
	const struct result *by[RUNS_MAX];
	int i;

	for (i = 0; i < runs; i++)
		by[i] = r + i * stride;
	qsort(by, (size_t)runs, sizeof(by[0]), cmp_ops);
	*lo = by[0]->ops;
	*hi = by[runs - 1]->ops;
	return by[runs / 2];
}

/* Time a request takes at the floor, for a benchmark's hops. */
static double
floor_s(int hops, double ops1, double ops2)
{
	if (ops1 <= 0 || ops2 <= 0)
		return 0;
	if (hops == 1)
		return 1 / ops1;
	if (hops == 2)
		return 1 / ops2;
	return (1 / ops2 + 2 / ops1) / 3;
}

/* --only deny,read,floor,split,snapshot: which to run (all when NULL). */
static int
select_benches(const char *only, int run[NBENCH], int *floors, int *split,
	       int *snap)
{
	char buf[256], *tok, *save = NULL;
	int i, found;

	for (i = 0; i < NBENCH; i++)
		run[i] = only == NULL;
	*floors = *split = *snap = only == NULL;
	if (only == NULL)
		return 0;
	if (strlen(only) >= sizeof(buf))
		goto bad;
	snprintf(buf, sizeof(buf), "%s", only);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		found = strcmp(tok, "floor") == 0;
		if (found)
			*floors = 1;
		if (strcmp(tok, "split") == 0)
			*split = found = 1;
		if (strcmp(tok, "snapshot") == 0)
			*snap = found = 1;
		for (i = 0; i < NBENCH; i++)
			if (strcmp(tok, benches[i].name) == 0)
				run[i] = found = 1;
		if (!found)
			goto bad;
	}
	return 0;
bad:
	fprintf(stderr, "aksup-bench: --only %s: names are deny, read, "
	    "concurrent, integrity, mixed, write, proc, overlap, http, "
	    "mcp, snapshot, floor, split\n", only);
	return -1;
}

/* What the rounds measured besides the sessions. */
struct extra {
	int floors, split;
	const struct result *fl;	/* [runs][2] the floor */
	const double *ratio;		/* [runs][NBENCH] x floor */
	const struct result *px;	/* [runs][2] bwrap, fork+exec */
	const double *xbw;		/* [runs] aksup p50 / bwrap p50; 0: none */
	const char *bwrap_why;		/* why bwrap did not run, or NULL */
	const struct split *sp;		/* [runs] */
	const struct result *hx;	/* [runs] http_ref.py */
	const double *xht;		/* [runs] aksup ops / its; 0: none */
	const char *http_why;		/* why http_ref.py did not run */
	const struct result *mx;	/* [runs] mcp's direct client */
	const double *xmo, *xmp;	/* [runs] aksup / direct, time per
					 * call and p50; 0: none */
	const char *mcp_why;		/* why the direct client had none */
	const char *mcp_skip;		/* why mcp was not run, or NULL */
	int snap;			/* the snapshot benchmark ran */
	const struct snap_round *sr;	/* [runs] */
	const char *snap_why;		/* why reversible_ref.py did not run */
};

static void
json_head(const struct result *m, int runs, double lo, double hi)
{
	printf("{\"name\":\"%s\",\"ops\":%.1f,\"p50_ms\":%.4f,"
	    "\"p95_ms\":%.4f,\"p99_ms\":%.4f,\"runs\":%d,"
	    "\"ops_min\":%.1f,\"ops_max\":%.1f", m->name, m->ops,
	    m->p50, m->p95, m->p99, runs, lo, hi);
}

/* a string that needs no escaping in JSON (our own messages) */
static const char *
plain(const char *s)
{
	return strpbrk(s, "\"\\") == NULL ? s : "(see stderr)";
}

/* The median of the rounds' ratios, aksup/bwrap or aksup/http_ref.py
 * (0: none). */
static double
x_median(int runs, const double *x)
{
	double v[RUNS_MAX];
	int k, n = 0;

	for (k = 0; k < runs; k++)
		if (x[k] > 0)
			v[n++] = x[k];
	return n > 0 ? median_of(v, n) : 0;
}

/* The median over the rounds of one layer's figure; -1 when none. */
static double
split_ms(int runs, const struct extra *x, int l, const char **why)
{
	double v[RUNS_MAX];
	int k, n = 0;

	*why = "";
	for (k = 0; k < runs; k++) {
		if (x->sp[k].ms[l] >= 0)
			v[n++] = x->sp[k].ms[l];
		else if (**why == '\0')
			*why = x->sp[k].why[l];
	}
	return n > 0 ? median_of(v, n) : -1;
}

/* The http reference's row: its figures (no p95), or why it is missing. */
static void
http_ref_row(int json, int runs, const struct extra *x)
{
	const struct result *m;
	double lo, hi;
	char range[32] = "";

	if (x->http_why != NULL) {
		if (json)
			printf("{\"name\":\"http-ref\",\"missing\":\"%s\"}\n",
			    plain(x->http_why));
		else
			printf("http_ref.py: %s\n", x->http_why);
		return;
	}
	m = median(x->hx, runs, 1, &lo, &hi);
	if (json) {
		printf("{\"name\":\"http-ref\",\"ops\":%.1f,\"p50_ms\":%.4f,"
		    "\"p99_ms\":%.4f,\"runs\":%d,\"ops_min\":%.1f,"
		    "\"ops_max\":%.1f,\"n\":%d}\n", m->ops, m->p50, m->p99,
		    runs, lo, hi, m->n);
		return;
	}
	if (runs > 1)
		snprintf(range, sizeof(range), "%.0f-%.0f", lo, hi);
	printf("%-28s %9.0f %15s %8.4f %8s %8.4f\n", "http_ref.py GET 1 KiB (500)",
	    m->ops, range, m->p50, "-", m->p99);
}

/* The line below the table: aksup's net.http against the reference. */
static void
http_line(int runs, const struct result *hm, const struct extra *x,
	  double xh, int first)
{
	const char *nl = first ? "\n" : "";
	double lo, hi;

	if (hm->n == 0) {
		printf("%snet.http GET 1 KiB: the session gave no figures\n", nl);
		return;
	}
	printf("%snet.http GET 1 KiB: aksup %.0f ops/s (p50 %.3f ms)", nl,
	    hm->ops, hm->p50);
	if (x->http_why == NULL)
		printf(", http_ref.py %.0f ops/s", median(x->hx, runs, 1, &lo,
		    &hi)->ops);
	if (xh > 0)
		printf("; aksup/reference %.2f (target >= 2)%s", xh, runs > 1 ?
		    " (median of the rounds' ratios)" : "");
	else if (x->http_why == NULL)
		printf("; no ratio: %d of aksup's answers were not OK",
		    hm->errors);
	printf("\n");
}

/* mcp's direct client's row: its figures, or why it has none. */
static void
mcp_direct_row(int json, int runs, const struct extra *x)
{
	const struct result *m;
	double lo, hi;
	char range[32] = "";

	if (x->mcp_why != NULL) {
		if (json)
			printf("{\"name\":\"mcp-direct\",\"missing\":\"%s\"}\n",
			    plain(x->mcp_why));
		else
			printf("mcp direct: %s\n", x->mcp_why);
		return;
	}
	m = median(x->mx, runs, 1, &lo, &hi);
	if (json) {
		json_head(m, runs, lo, hi);
		printf(",\"errors\":%d,\"n\":%d,\"start_ms\":%.1f}\n",
		    m->errors, m->n, m->wall);
		return;
	}
	if (runs > 1)
		snprintf(range, sizeof(range), "%.0f-%.0f", lo, hi);
	printf("%-28s %9.0f %15s %8.4f %8.4f %8.4f%s\n", "direct stdio echo (500)",
	    m->ops, range, m->p50, m->p95, m->p99, m->errors ?
	    " (some failed)" : "");
}

/* The lines below the table: mcp.call through aksup against the direct
 * client, and the servers' start. */
static void
mcp_line(int runs, const struct result *mm, const struct extra *x,
	 double xo, double xp, int first)
{
	const struct result *d = NULL;
	double lo, hi;

	if (x->mcp_why == NULL)
		d = median(x->mx, runs, 1, &lo, &hi);
	printf("%smcp.call echo: ", first ? "\n" : "");
	if (mm->n == 0)
		printf("aksup: the session gave no figures (its error is "
		    "above)");
	else
		printf("aksup %.0f ops/s (p50 %.3f ms, p99 %.3f ms)", mm->ops,
		    mm->p50, mm->p99);
	if (d != NULL)
		printf(", direct %.0f ops/s (p50 %.3f ms, p99 %.3f ms)",
		    d->ops, d->p50, d->p99);
	if (xo > 0)
		printf("; aksup/direct, time per call %.2f, p50 %.2f (target "
		    "<= 1.5)%s", xo, xp, runs > 1 ? " (medians of the rounds' "
		    "ratios)" : "");
	else if (d != NULL && mm->n > 0)
		printf("; no ratio: %d of aksup's answers were not OK",
		    mm->errors);
	printf("\n");
	if (mm->n > 0 || d != NULL) {
		printf("mcp server start:");
		if (mm->n > 0)
			printf(" aksup's first mcp.call %.0f ms%s", mm->wall,
			    d != NULL ? ";" : "");
		if (d != NULL)
			printf(" direct, spawn to the initialize answer %.0f ms",
			    d->wall);
		printf("\n");
	}
}

static void
report(int json, int runs, const int run[NBENCH], const struct result *res,
       const struct extra *x)
{
	static const char *const ptitle[2] = { "bwrap /bin/true (200)",
	    "fork+exec /bin/true (200)" };
	const struct result *m, *pm[2] = { NULL, NULL }, *am = NULL;
	const struct result *om = NULL, *hm = NULL, *mm = NULL;
	double lo, hi, rt[RUNS_MAX], xf, xb = 0, xh = 0, ms, prev;
	double xmo = 0, xmp = 0;
	const char *why;
	int i, k, l;

	for (i = 0, k = x->floors; i < NBENCH; i++)
		k |= run[i];
	if (!json && k)
		printf("%-28s %9s %15s %8s %8s %8s %6s %9s %7s\n", "Benchmark",
		    "ops/s", runs > 1 ? "range" : "", "p50 ms", "p95 ms",
		    "p99 ms", "errors", "records", "x floor");
	/* the sessions, the floor, proc's references */
	for (i = 0; i < NBENCH + 4; i++) {
		int b = i < NBENCH, f = !b && i < NBENCH + 2;
		int p = i >= NBENCH + 2;
		char range[32] = "", xs[16] = "";

		if ((b && !run[i]) || (f && !x->floors) || (p && !run[B_PROC]))
			continue;
		if (p && i == NBENCH + 2 && x->bwrap_why != NULL) {
			if (json)
				printf("{\"name\":\"proc-bwrap\",\"missing\":"
				    "\"%s\"}\n", plain(x->bwrap_why));
			else
				printf("bwrap: %s\n", x->bwrap_why);
			continue;
		}
		m = b ? median(res + i, runs, NBENCH, &lo, &hi) :
		    f ? median(x->fl + (i - NBENCH), runs, 2, &lo, &hi) :
		    median(x->px + (i - NBENCH - 2), runs, 2, &lo, &hi);
		if (p)
			pm[i - NBENCH - 2] = m;
		if (b && i == B_PROC)
			am = m;
		if (b && i == B_OVERLAP)
			om = m;
		xf = 0;
		if (b && x->floors && benches[i].hops > 0) {
			/* the median of each round's own ratio */
			for (k = 0; k < runs; k++)
				rt[k] = x->ratio[k * NBENCH + i];
			xf = median_of(rt, runs);
		}
		if (b && i == B_PROC)
			xb = x_median(runs, x->xbw);
		if (b && i == B_HTTP) {
			hm = m;
			xh = x_median(runs, x->xht);
		}
		if (b && i == B_MCP) {
			mm = m;
			xmo = x_median(runs, x->xmo);
			xmp = x_median(runs, x->xmp);
		}
		if (json) {
			json_head(m, runs, lo, hi);
			if (b)
				printf(",\"errors\":%d,\"n\":%d,\"records\":%ld,"
				    "\"expected_records\":%ld", m->errors, m->n,
				    m->records, benches[i].want_records);
			if (p)
				printf(",\"errors\":%d,\"n\":%d", m->errors,
				    m->n);
			if (xf > 0)
				printf(",\"x_floor\":%.2f", xf);
			if (b && i == B_PROC && xb > 0)
				printf(",\"x_bwrap\":%.2f", xb);
			if (b && i == B_HTTP && xh > 0)
				printf(",\"x_ref\":%.2f,\"target_x_ref\":2", xh);
			if (b && i == B_MCP && m->n > 0)
				printf(",\"start_ms\":%.1f", m->wall);
			if (b && i == B_MCP && xmo > 0)
				printf(",\"x_direct\":%.2f,\"x_direct_p50\":%.2f,"
				    "\"target_x_direct\":1.5", xmo, xmp);
			if (b && i == B_OVERLAP)
				printf(",\"wall_ms\":%.1f,\"last_read_ms\":%.1f,"
				    "\"last_sleep_ms\":%.1f,\"target_ms\":500",
				    m->wall, m->last_read, m->last_sleep);
			printf("}\n");
			continue;
		}
		if (runs > 1)
			snprintf(range, sizeof(range), "%.0f-%.0f", lo, hi);
		if (xf > 0)
			snprintf(xs, sizeof(xs), "%.2f", xf);
		if (b)
			printf("%-28s %9.0f %15s %8.4f %8.4f %8.4f %6d %4ld/%-4ld "
			    "%7s\n", benches[i].title, m->ops, range, m->p50,
			    m->p95, m->p99, m->errors, m->records,
			    benches[i].want_records, xs);
		else
			printf("%-28s %9.0f %15s %8.4f %8.4f %8.4f%s\n",
			    f ? (i == NBENCH ? "Floor: socketpair, 1 hop" :
			    "Floor: socketpair, 2 hops") : ptitle[i - NBENCH - 2],
			    m->ops, range, m->p50, m->p95, m->p99,
			    p && m->errors ? " (some failed)" : "");
	}
	if (run[B_HTTP])
		http_ref_row(json, runs, x);
	if (run[B_MCP])
		mcp_direct_row(json, runs, x);
	if (x->mcp_skip != NULL && json)
		printf("{\"name\":\"mcp\",\"skipped\":\"%s\"}\n",
		    plain(x->mcp_skip));
	else if (x->mcp_skip != NULL)
		printf("mcp: skipped: %s (install the servers with "
		    "tests/mcp/install.sh DIR; then --mcp-dir DIR, or "
		    "AKSUP_MCP_DIR=DIR)\n", x->mcp_skip);
	if (!json && am != NULL && am->n == 0)
		printf("\nproc.exec /bin/true: the session gave no figures\n");
	else if (!json && am != NULL) {
		printf("\nproc.exec /bin/true, p50 per command: aksup %.3f ms",
		    am->p50);
		if (pm[0] != NULL)
			printf(", bwrap %.3f ms", pm[0]->p50);
		if (pm[1] != NULL)
			printf(", fork+exec %.3f ms", pm[1]->p50);
		if (xb > 0)
			printf("; aksup/bwrap %.2f%s", xb, runs > 1 ?
			    " (median of the rounds' ratios)" : "");
		printf("\n");
	}
	if (!json && om != NULL && om->wall <= 0)
		printf("%sOverlap: the session gave no figures\n", am ? "" :
		    "\n");
	else if (!json && om != NULL)
		printf("%sOverlap, %d x sleep 0.2 and %d fs.read sent at once "
		    "(median of %d): last answer %.1f ms (target < 500), last "
		    "fs.read %.1f ms, last sleep %.1f ms\n", am ? "" : "\n",
		    OVERLAP_SLEEPS, OVERLAP_READS, OVERLAP_REPS, om->wall,
		    om->last_read, om->last_sleep);
	if (!json && hm != NULL)
		http_line(runs, hm, x, xh, am == NULL && om == NULL);
	if (!json && mm != NULL)
		mcp_line(runs, mm, x, xmo, xmp, am == NULL && om == NULL &&
		    hm == NULL);
	if (x->snap) {
		snap_report(json, runs, x->sr, x->snap_why, !k);
		k = 1;
	}
	if (!x->split)
		return;
	if (!json)
		printf("%s%-40s %8s %8s\n", k ? "\n" : "", "Per command, by "
		    "layer (median of 200)", "ms", "+ms");
	prev = -1;
	for (l = 0; l < SPLIT_N; l++) {
		ms = split_ms(runs, x, l, &why);
		if (json) {
			if (ms < 0)
				printf("{\"name\":\"split-%s\",\"missing\":\"%s\"}\n",
				    split_names[l], plain(why));
			else {
				printf("{\"name\":\"split-%s\",\"ms\":%.4f,"
				    "\"n\":%d,\"runs\":%d", split_names[l], ms,
				    PROC_N, runs);
				if (l != SPLIT_USERNS && l > 0 && prev >= 0)
					printf(",\"layer_ms\":%.4f", ms - prev);
				printf("}\n");
			}
		} else if (ms < 0)
			printf("%-40s not measured: %s\n", split_titles[l], why);
		else if (l == SPLIT_USERNS || l == 0 || prev < 0)
			printf("%-40s %8.3f\n", split_titles[l], ms);
		else
			printf("%-40s %8.3f %+8.3f\n", split_titles[l], ms,
			    ms - prev);
		if (l != SPLIT_USERNS)
			prev = ms;
	}
}

/* Starts the server and writes the policy naming its address; its URL
 * in url. -1 (said) when the server cannot listen. */
static int
http_setup(const char *hpol, char *url, size_t len)
{
	char why[128], polbuf[256];
	int port;

	if (http_server_start(&port, why, sizeof(why)) < 0) {
		fprintf(stderr, "aksup-bench: http: the server did not start: "
		    "%s\n", why);
		return -1;
	}
	snprintf(url, len, "http://127.0.0.1:%d/bytes", port);
	snprintf(polbuf, sizeof(polbuf), "capabilities:\n  - action: "
	    "net.http\n    resource: \"http://127.0.0.1:%d/**\"\n", port);
	write_file(hpol, polbuf, strlen(polbuf));
	return 0;
}

int
main(int argc, char **argv)
{
	/* short paths: the work dir's name is capped at 100 bytes */
	char dir[128], path[256];
	char empty[160], pol[160], ppol[160], ws[144], polbuf[768], out[160];
	const char *base = getenv("TMPDIR"), *policy;
	char data[2501], *slash, bwrap_why[128] = "";
	static struct result res[RUNS_MAX][NBENCH], fl[RUNS_MAX][2];
	static struct result px[RUNS_MAX][2];
	static struct split sp[RUNS_MAX];
	static double ratio[RUNS_MAX][NBENCH], xbw[RUNS_MAX];
	static struct result hx[RUNS_MAX];
	static double xht[RUNS_MAX];
	char hpol[160], url[64] = "", urlarg[72], http_why[256] = "";
	char mpol[160], mcp_why[512] = "", mcp_skip[PATH_MAX + 128] = "";
	static struct result mx[RUNS_MAX];
	static double xmo[RUNS_MAX], xmp[RUNS_MAX];
	static struct snap_round sr[RUNS_MAX];
	char snap_why[256] = "";
	const char *mcp_dir = getenv("AKSUP_MCP_DIR");
	int i, r, json = 0, keep = 0, run[NBENCH], floors = 1, split = 1;
	int snap = 1;
	int failed = 0;
	long runs = 1;
	const char *only = NULL;
	struct extra x;
	unsigned mask;
	ssize_t n;

	if ((argc == 4 || (argc == 5 && strncmp(argv[4], "--url=", 6) == 0))
	    && strcmp(argv[1], "--inner") == 0 &&
	    strncmp(argv[3], "--ws=", 5) == 0)
		return inner(argv[2], argv[3] + 5, argc == 5 ? argv[4] + 6 :
		    NULL);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--keep") == 0)
			keep = 1;
		else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			base = argv[++i];
		else if (strcmp(argv[i], "--audit-sync") == 0 && i + 1 < argc)
			sync_mode = argv[++i];
		else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc &&
		    parse_int(argv[i + 1], 1, RUNS_MAX, &runs) == 0)
			i++;
		else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
			only = argv[++i];
		else if (strcmp(argv[i], "--allow-degraded") == 0 &&
		    i + 1 < argc)
			degraded = argv[++i];
		else if (strcmp(argv[i], "--mcp-dir") == 0 && i + 1 < argc)
			mcp_dir = argv[++i];
		else {
			fprintf(stderr, "usage: aksup-bench [--json] [--keep] "
			    "[--dir DIR] [--runs N] [--only NAME,...]\n"
			    "                   [--audit-sync MODE] "
			    "[--allow-degraded LAYER,...] [--mcp-dir DIR]\n");
			return 2;
		}
	}
	if (select_benches(only, run, &floors, &split, &snap) < 0)
		return 2;
	for (i = 0; i < NBENCH; i++)	/* the ratios need the floor */
		if (run[i] && benches[i].hops > 0)
			floors = 1;
	if (degraded != NULL && sandbox_layers_parse(degraded, &mask) < 0) {
		fprintf(stderr, "aksup-bench: --allow-degraded %s: layers are "
		    "seccomp, landlock, namespaces, uids, caps, rlimits, "
		    "cgroup\n", degraded);
		return 2;
	}
	if (base == NULL || *base == '\0')
		base = "/tmp";
	if (strlen(base) > 100 || base[0] != '/') {
		fprintf(stderr, "aksup-bench: --dir must be an absolute path "
		    "of at most 100 bytes\n");
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s/aksup-bench.XXXXXX", base);
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) < 0)
		return 1;
	self[n] = '\0';
	snprintf(aksup, sizeof(aksup), "%s", self);
	if ((slash = strrchr(aksup, '/')) != NULL)
		snprintf(slash + 1, sizeof(aksup) - (size_t)(slash + 1 - aksup),
		    "aksup");
	if (access(aksup, X_OK) != 0) {
		fprintf(stderr, "aksup-bench: %s not found\n", aksup);
		return 1;
	}
	if (mkdtemp(dir) == NULL)
		return 1;
	chmod(dir, 0755);
	snprintf(ws, sizeof(ws), "%s/ws", dir);
	mkdir(ws, 0755);
	snprintf(path, sizeof(path), "%s/output", ws);
	mkdir(path, 0755);
	memset(data, 'a', 2500);
	for (i = 99; i < 2500; i += 100)
		data[i] = '\n';
	snprintf(path, sizeof(path), "%s/file.txt", ws);
	write_file(path, data, 2500);
	snprintf(path, sizeof(path), "%s/small.txt", ws);
	write_file(path, "a small file\n", 13);
	snprintf(empty, sizeof(empty), "%s/empty.yaml", dir);
	write_file(empty, "capabilities: []\n", 17);
	snprintf(pol, sizeof(pol), "%s/bench.yaml", dir);
	snprintf(polbuf, sizeof(polbuf), "capabilities:\n  - action: fs.read\n"
	    "    resource: %s/**\n  - action: fs.write\n    resource: "
	    "%s/output/**\n", ws, ws);
	write_file(pol, polbuf, strlen(polbuf));
	/* proc and overlap: /bin/true without arguments, `sleep 0.2` (a
	 * bare name, resolved by the worker), reads of the workspace */
	snprintf(ppol, sizeof(ppol), "%s/proc.yaml", dir);
	snprintf(polbuf, sizeof(polbuf), "capabilities:\n  - action: fs.read\n"
	    "    resource: %s/**\n  - action: proc.exec\n    resource: "
	    "/bin/true\n  - action: proc.exec\n    resource: sleep\n"
	    "    args: [\"0.2\"]\n", ws);
	write_file(ppol, polbuf, strlen(polbuf));
	/* http: the server, and a policy naming its address (which allows
	 * loopback) */
	snprintf(hpol, sizeof(hpol), "%s/http.yaml", dir);
	if (run[B_HTTP] && http_setup(hpol, url, sizeof(url)) < 0) {
		run[B_HTTP] = 0;
		failed = 1;
	}
	snprintf(urlarg, sizeof(urlarg), "--url=%s", url);
	/* mcp: the npm peers (tests/mcp/install.sh DIR) and a policy
	 * declaring server-everything; without them it is skipped, said */
	if (mcp_dir == NULL || *mcp_dir == '\0')
		mcp_dir = "/tmp/aksup-mcp";
	snprintf(mpol, sizeof(mpol), "%s/mcp.yaml", dir);
	if (run[B_MCP] && mcp_setup(mcp_dir, mpol, mcp_skip,
	    sizeof(mcp_skip)) < 0)
		run[B_MCP] = 0;
	else
		mcp_skip[0] = '\0';
	/* snapshot: its two policies and the directory its files are in */
	if (snap)
		snap_setup(dir, ws);

	/* Rounds, each every selected benchmark and then the floor: the
	 * host's speed drifts, so a benchmark is compared with the floor
	 * of its own round, and the median round is reported. */
	for (r = 0; r < runs; r++) {
		for (i = 0; i < NBENCH; i++) {
			if (!run[i])
				continue;
			if (runs > 1)
				snprintf(path, sizeof(path), "%s/%s-%d.log",
				    dir, benches[i].name, r + 1);
			else
				snprintf(path, sizeof(path), "%s/%s.log", dir,
				    benches[i].name);
			snprintf(out, sizeof(out), "%s/output", ws);
			empty_dir(out);	/* every round writes new files */
			policy = benches[i].policy == POL_EMPTY ? empty :
			    benches[i].policy == POL_PROC ? ppol :
			    benches[i].policy == POL_HTTP ? hpol :
			    benches[i].policy == POL_MCP ? mpol : pol;
			bench_session(benches[i].name, policy, path, ws,
			    i == B_HTTP ? urlarg : NULL, NULL, &res[r][i]);
			/* said here: the table shows only the median round */
			if (res[r][i].errors != 0 ||
			    res[r][i].records != benches[i].want_records) {
				fprintf(stderr, "aksup-bench: %s, round %d: %d "
				    "errors, %ld of %ld records\n",
				    benches[i].name, r + 1, res[r][i].errors,
				    res[r][i].records, benches[i].want_records);
				failed = 1;
			}
			if (i == B_HTTP) {
				/* the reference, against the same server; no
				 * ratio for a round whose answers were not OK */
				http_ref(&hx[r], url, http_why, sizeof(http_why));
				xht[r] = hx[r].missing || hx[r].ops <= 0 ||
				    res[r][i].ops <= 0 || res[r][i].errors != 0 ?
				    0 : res[r][i].ops / hx[r].ops;
			}
			if (i == B_MCP) {
				/* the direct client, right after; its stderr
				 * in the work dir (--keep keeps it) */
				snprintf(path, sizeof(path), "%s/mcp-direct-%d"
				    ".err", dir, r + 1);
				mcp_direct(&mx[r], path, mcp_why,
				    sizeof(mcp_why));
				xmo[r] = mx[r].missing || mx[r].ops <= 0 ||
				    res[r][i].ops <= 0 || res[r][i].errors != 0 ?
				    0 : mx[r].ops / res[r][i].ops;
				xmp[r] = xmo[r] > 0 && mx[r].p50 > 0 ?
				    res[r][i].p50 / mx[r].p50 : 0;
			}
			if (i != B_PROC)
				continue;
			/* its references right after it, the host's speed
			 * being what it was; a missing one is said, never a
			 * failure */
			proc_bwrap(&px[r][0], bwrap_why, sizeof(bwrap_why));
			proc_fork(&px[r][1]);
			xbw[r] = px[r][0].missing || px[r][0].p50 <= 0 ||
			    res[r][i].p50 <= 0 ? 0 : res[r][i].p50 /
			    px[r][0].p50;
		}
		/* snapshots off, then on, then the reference: in every
		 * round, so that rounds interleave them */
		if (snap && snap_round(&sr[r], r, (int)runs, dir, ws, snap_why,
		    sizeof(snap_why)) < 0)
			failed = 1;
		if (floors) {
			floor_run(&fl[r][0], 1, 20000);
			floor_run(&fl[r][1], 2, 20000);
		}
		if (split)
			split_run(&sp[r]);
		for (i = 0; i < NBENCH; i++) {
			double f = floor_s(benches[i].hops, fl[r][0].ops,
			    fl[r][1].ops);

			/* its time per request over the floor's */
			ratio[r][i] = f > 0 && res[r][i].ops > 0 ?
			    1 / res[r][i].ops / f : 0;
		}
	}
	http_server_stop();
	memset(&x, 0, sizeof(x));
	x.floors = floors;
	x.split = split;
	x.fl = &fl[0][0];
	x.ratio = &ratio[0][0];
	x.px = &px[0][0];
	x.xbw = xbw;
	for (r = 0; r < runs; r++)	/* missing in any round: said */
		if (px[r][0].missing)
			x.bwrap_why = bwrap_why;
	x.sp = sp;
	x.hx = hx;
	x.xht = xht;
	for (r = 0; r < runs; r++)
		if (hx[r].missing)
			x.http_why = http_why;
	x.mx = mx;
	x.xmo = xmo;
	x.xmp = xmp;
	for (r = 0; r < runs && run[B_MCP]; r++)
		if (mx[r].missing)
			x.mcp_why = mcp_why;
	if (mcp_skip[0] != '\0')
		x.mcp_skip = mcp_skip;
	x.snap = snap;
	x.sr = sr;
	for (r = 0; r < runs && snap; r++)
		if (sr[r].ref.missing)
			x.snap_why = snap_why;
	report(json, runs, run, &res[0][0], &x);
	if (!keep) {
		char cmd[160];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "aksup-bench: could not remove %s\n", dir);
	} else
		fprintf(stderr, "kept %s\n", dir);
	return failed;
}
