/*
 * bench/snapshot.c -- aksup-bench's snapshot benchmark: what the snapshot
 * the fs worker takes before every allowed fs.write (workers/fs/store.c)
 * adds to a write. SNAP_N lock-step fs.write of 2500 bytes of text, each
 * over one of SNAP_FILES existing 2500-byte files, through a session
 * whose fs.write rule says `snapshot: false`, then through one whose rule
 * does not (snapshots on, the default), in every round: the host's speed
 * drifts, so each round's overhead compares its own two sessions, and the
 * median round is reported. The reference, right after: the Python
 * project's ReversibleActionLayer write path, re-created in
 * bench/reversible_ref.py, on the same files and contents.
 *
 * Runs in: aksup-bench. snap_inner in the agent seat of a session
 * (confined; it speaks only the agent channel); the rest outside any
 * session, with the operator's privilege, beneath the bench's temp dir:
 * the files, a fresh --snapshot-dir per session, python3 and its
 * directory. It asserts (in the exit status) no errors, SNAP_N decision
 * records per session, and the snapshots: with them on, SNAP_N outcome
 * records naming one and SNAP_N metadata files in the store; off, none.
 * The figures are printed, never asserted.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench.h"

static const char *const mode_name[2] = { "off", "on" };

/* SNAP_SIZE bytes of text: lines of 99 characters and a newline, the
 * first words `tag k line`: every content distinct, so no snapshot's
 * blob is shared with another's (bench/reversible_ref.py's text()). */
static void
snap_text(char out[SNAP_SIZE + 1], const char *tag, int k)
{
	static const char abc[] = "abcdefghijklmnopqrstuvwxyz";
	char *p;
	int line, o, c;

	for (line = 0; line < SNAP_SIZE / 100; line++) {
		p = out + line * 100;
		o = snprintf(p, 100, "%s %04d line %02d ", tag, k, line);
		for (c = o; c < 99; c++)
			p[c] = abc[(c - o) % 26];
		p[99] = '\n';
	}
	out[SNAP_SIZE] = '\0';
}

/* ---- inner: the writes through the session --------------------------- */

/* 1 when an answer is OK with "bytes_written":SNAP_SIZE */
static int
ok_written(const char *buf)
{
	char pat[48];
	const char *p;

	snprintf(pat, sizeof(pat), "\"bytes_written\":%d", SNAP_SIZE);
	if (strstr(buf, "\"status\":\"OK\"") == NULL ||
	    (p = strstr(buf, pat)) == NULL)
		return 0;
	p += strlen(pat);
	return *p == ',' || *p == '}';
}

void
snap_inner(struct result *r, const char *ws)
{
	char *buf = malloc(MSGBUF), text[SNAP_SIZE + 1];
	char esc[2 * SNAP_SIZE + 1], req[2 * SNAP_SIZE + PATH_MAX + 256];
	double lat[SNAP_N], t0, t;
	int i, k, o;

	if (buf == NULL)
		exit(2);
	t0 = now_s();
	for (i = 0; i < SNAP_N; i++) {
		snap_text(text, "write", i);
		for (k = o = 0; k < SNAP_SIZE; k++) {	/* JSON: \n escaped */
			if (text[k] == '\n') {
				esc[o++] = '\\';
				esc[o++] = 'n';
			} else
				esc[o++] = text[k];
		}
		esc[o] = '\0';
		snprintf(req, sizeof(req), "{\"id\":%d,\"action\":\"fs.write\","
		    "\"target\":\"%s/snap/doc%d.txt\",\"params\":{\"content\":"
		    "\"%s\"}}", i, ws, i % SNAP_FILES, esc);
		t = now_s();
		if (aksup_send(chan_fd, req, strlen(req)) < 0 ||
		    aksup_recv(chan_fd, buf, MSGBUF) <= 0) {
			r->errors += SNAP_N - i;
			lat[i] = now_s() - t;
			stats(r, lat, i + 1, now_s() - t0);
			free(buf);
			return;
		}
		lat[i] = now_s() - t;
		if (!ok_written(buf) && r->errors++ == 0)
			fprintf(stderr, "aksup-bench: snapshot: unexpected "
			    "answer: %.300s\n", buf);
	}
	stats(r, lat, SNAP_N, now_s() - t0);
	free(buf);
}

/* ---- outer: the sessions, their checks ------------------------------- */

static char pol[2][PATH_MAX];	/* [0] snapshot: false, [1] the default */

void
snap_setup(const char *dir, const char *ws)
{
	char buf[1024], path[PATH_MAX];
	int m;

	for (m = 0; m < 2; m++) {
		snprintf(pol[m], sizeof(pol[m]), "%s/snapshot-%s.yaml", dir,
		    mode_name[m]);
		snprintf(buf, sizeof(buf), "capabilities:\n  - action: fs.read"
		    "\n    resource: %s/**\n  - action: fs.write\n    resource: "
		    "%s/snap/**\n%s", ws, ws, m == 0 ? "    snapshot: false\n" :
		    "");
		write_file(pol[m], buf, strlen(buf));
	}
	snprintf(path, sizeof(path), "%s/snap", ws);
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		perror(path);
		exit(1);
	}
}

/* The files every session starts from: SNAP_FILES of SNAP_SIZE bytes. */
static void
fresh_files(const char *ws)
{
	char path[PATH_MAX], text[SNAP_SIZE + 1];
	int k;

	for (k = 0; k < SNAP_FILES; k++) {
		snap_text(text, "original", k);
		snprintf(path, sizeof(path), "%s/snap/doc%d.txt", ws, k);
		write_file(path, text, SNAP_SIZE);
	}
}

/* Outcome records in log that name a snapshot; -1: no log. */
static long
count_taken(const char *log)
{
	FILE *f = fopen(log, "r");
	char *line = NULL;
	const char *type;
	size_t cap = 0;
	long n = 0;
	json_t *j;

	if (f == NULL)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		j = json_loads(line, 0, NULL);
		type = json_string_value(json_object_get(j, "type"));
		if (type != NULL && strcmp(type, "outcome") == 0 &&
		    json_is_string(json_object_get(j, "snapshot")))
			n++;
		json_decref(j);
	}
	free(line);
	fclose(f);
	return n;
}

/* Metadata files (meta/<record id>.json) in the store; -1: no meta/. */
static long
count_meta(const char *store)
{
	char path[PATH_MAX];
	struct dirent *de;
	size_t l;
	long n = 0;
	DIR *d;

	if (snprintf(path, sizeof(path), "%s/meta", store) >=
	    (int)sizeof(path) || (d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if ((l = strlen(de->d_name)) > 5 &&
		    strcmp(de->d_name + l - 5, ".json") == 0)
			n++;
	closedir(d);
	return n;
}

/* ---- outer: the reference (bench/reversible_ref.py) ------------------ */

/* python3 bench/reversible_ref.py DIR SNAP_N: ops/s, p50 and p99. */
static void
snap_ref(struct result *r, const char *dir, char *why, size_t len)
{
	py_ref(r, "snapshot-ref", "reversible_ref.py", dir, SNAP_N, NULL, why,
	    len);
}

int
snap_round(struct snap_round *s, int round, int runs, const char *dir,
    const char *ws, char *why, size_t len)
{
	char log[PATH_MAX], store[PATH_MAX], sfx[16] = "";
	const char *opts[3];
	int m, bad = 0;
	long want;

	memset(s, 0, sizeof(*s));
	if (runs > 1)
		snprintf(sfx, sizeof(sfx), "-%d", round + 1);
	for (m = 0; m < 2; m++) {	/* off, then on */
		fresh_files(ws);
		snprintf(log, sizeof(log), "%s/snapshot-%s%s.log", dir,
		    mode_name[m], sfx);
		/* fresh: made by aksup, beside (never beneath) the roots */
		snprintf(store, sizeof(store), "%s/snapshots-%s-%d", dir,
		    mode_name[m], round + 1);
		opts[0] = "--snapshot-dir";
		opts[1] = store;
		opts[2] = NULL;
		/* its agent side's name: not one of the checkout's
		 * directories (aksup run warns of an argument naming a file
		 * the agent cannot reach) */
		bench_session("snapshot-write", pol[m], log, ws, NULL, opts,
		    &s->res[m]);
		snprintf(s->res[m].name, sizeof(s->res[m].name),
		    "snapshot-%s", mode_name[m]);
		s->taken[m] = count_taken(log);
		s->meta[m] = count_meta(store);
		want = m == 0 ? 0 : SNAP_N;
		/* off: its store may never have been made (-1: none) */
		if (s->res[m].errors != 0 || s->res[m].records != SNAP_N ||
		    s->taken[m] != want || (s->meta[m] != want &&
		    !(m == 0 && s->meta[m] == -1))) {
			fprintf(stderr, "aksup-bench: snapshot %s, round %d: %d "
			    "errors, %ld of %d records, %ld of %ld outcomes "
			    "naming a snapshot, %ld of %ld in the store\n",
			    mode_name[m], round + 1, s->res[m].errors,
			    s->res[m].records, SNAP_N, s->taken[m], want,
			    s->meta[m], want);
			bad = 1;
		}
	}
	if (s->res[0].errors == 0 && s->res[1].errors == 0 &&
	    s->res[0].p50 > 0 && s->res[1].p50 > 0) {
		s->pct = (s->res[1].p50 / s->res[0].p50 - 1) * 100;
		s->has_pct = 1;
	}
	/* the reference right after, the host's speed being what it was */
	snprintf(store, sizeof(store), "%s/snapshot-ref-%d", dir, round + 1);
	snap_ref(&s->ref, store, why, len);
	return bad ? -1 : 0;
}

/* ---- the report ------------------------------------------------------ */

static int
cmp_ops(const void *a, const void *b)
{
	const struct result *x = *(const struct result *const *)a;
	const struct result *y = *(const struct result *const *)b;

	return cmp_double(&x->ops, &y->ops);
}

/* The round whose overhead is the median (the upper one of an even
 * count), its rank in *lo and *hi the lowest and highest overhead; the
 * first round when none has one (*lo = *hi = 0). */
static int
median_round(int runs, const struct snap_round *s, double *lo, double *hi)
{
	double v[64];
	int k, n = 0, pick = 0;

	*lo = *hi = 0;
	for (k = 0; k < runs && n < 64; k++)
		if (s[k].has_pct)
			v[n++] = s[k].pct;
	if (n == 0)
		return 0;
	median_of(v, n);	/* sorted */
	*lo = v[0];
	*hi = v[n - 1];
	for (k = 0; k < runs; k++)
		if (s[k].has_pct && s[k].pct == v[n / 2])
			pick = k;
	return pick;
}

/* snapshots: outcome records naming one, of those expected (the
 * store's metadata files were counted too: a difference is said on
 * stderr) */
static void
row(const char *title, const struct result *m, long taken, long want)
{
	char recs[32], snaps[32];

	snprintf(recs, sizeof(recs), "%ld/%d", m->records, SNAP_N);
	snprintf(snaps, sizeof(snaps), "%ld/%ld", taken, want);
	printf("%-36s %9.0f %8.4f %8.4f %8.4f %6d %9s %9s\n", title, m->ops,
	    m->p50, m->p95, m->p99, m->errors, recs, snaps);
}

void
snap_report(int json, int runs, const struct snap_round *s,
    const char *ref_why, int first)
{
	const struct result *by[64], *ref = NULL;
	const struct snap_round *mr;
	double lo, hi;
	int k, n = 0, m;

	k = median_round(runs, s, &lo, &hi);
	mr = &s[k];
	if (ref_why == NULL) {
		for (k = 0; k < runs && n < 64; k++)
			by[n++] = &s[k].ref;
		qsort(by, (size_t)n, sizeof(by[0]), cmp_ops);
		ref = by[n / 2];
	}
	if (json) {
		for (m = 0; m < 2; m++) {
			printf("{\"name\":\"snapshot-%s\",\"ops\":%.1f,"
			    "\"p50_ms\":%.4f,\"p95_ms\":%.4f,\"p99_ms\":%.4f,"
			    "\"runs\":%d,\"round\":%d,\"errors\":%d,\"n\":%d,"
			    "\"records\":%ld,\"expected_records\":%d,"
			    "\"snapshots\":%ld,\"expected_snapshots\":%d",
			    mode_name[m], mr->res[m].ops, mr->res[m].p50,
			    mr->res[m].p95, mr->res[m].p99, runs,
			    (int)(mr - s) + 1, mr->res[m].errors, mr->res[m].n,
			    mr->res[m].records, SNAP_N, mr->taken[m],
			    m ? SNAP_N : 0);
			if (m == 1 && mr->has_pct)
				printf(",\"overhead_pct\":%.1f,"
				    "\"overhead_pct_min\":%.1f,"
				    "\"overhead_pct_max\":%.1f,"
				    "\"target_overhead_pct\":%d", mr->pct, lo,
				    hi, SNAP_TARGET_PCT);
			printf("}\n");
		}
		if (ref == NULL)
			printf("{\"name\":\"snapshot-ref\",\"missing\":\"%s\"}\n",
			    strpbrk(ref_why, "\"\\") ? "(see stderr)" : ref_why);
		else
			printf("{\"name\":\"snapshot-ref\",\"ops\":%.1f,"
			    "\"p50_ms\":%.4f,\"p99_ms\":%.4f,\"runs\":%d,"
			    "\"n\":%d}\n", ref->ops, ref->p50, ref->p99, runs,
			    ref->n);
		return;
	}
	printf("%s%-36s %9s %8s %8s %8s %6s %9s %9s\n", first ? "" : "\n",
	    "Write 2.5 KB over 2.5 KB (300)", "ops/s", "p50 ms", "p95 ms",
	    "p99 ms", "errors", "records", "snapshots");
	row("  snapshots off (snapshot: false)", &mr->res[0], mr->taken[0],
	    0);
	row("  snapshots on (the default)", &mr->res[1], mr->taken[1],
	    SNAP_N);
	if (ref != NULL)
		printf("%-36s %9.0f %8.4f %8s %8.4f\n", "  reversible_ref.py "
		    "(Python)", ref->ops, ref->p50, "-", ref->p99);
	else
		printf("  reversible_ref.py: skipped: %s\n", ref_why);
	if (!mr->has_pct) {
		printf("Snapshot overhead: no figure (a session had errors, "
		    "above)\n");
		return;
	}
	printf("Snapshot overhead, p50 per write: %+.1f %% (target <= %d %%: "
	    "%s)", mr->pct, SNAP_TARGET_PCT, mr->pct <= SNAP_TARGET_PCT ?
	    "met" : "not met");
	if (runs > 1)
		printf("; round %d of %d, the median (rounds %+.1f to %+.1f %%)",
		    (int)(mr - s) + 1, runs, lo, hi);
	printf("\n");
	if (ref != NULL)
		printf("p50 per write: aksup snapshots off %.3f ms, on %.3f ms; "
		    "ReversibleActionLayer (reversible_ref.py) %.3f ms\n",
		    mr->res[0].p50, mr->res[1].p50, ref->p50);
}
