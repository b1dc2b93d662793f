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
 * And what a tree snapshot (a proc.exec rule's `snapshot: tree`,
 * workers/fs/tree.c) costs per MiB of the writable roots: TREE_PAIRS
 * pairs of sessions a round, each a warm-up `/bin/true warm-up` (a rule
 * of its own, no snapshot) and TREE_CMDS lock-step `/bin/true`, first
 * under a rule without a snapshot, then under the same rule with
 * `snapshot: tree`, the one writable root holding TREE_FILES files of
 * TREE_FILE_SIZE bytes (TREE_MIB MiB) in TREE_NDIRS directories, and a
 * fresh --snapshot-dir each: a tree session's first command copies every
 * byte into the store's blobs ("first"), the others find every blob
 * there and only hash the files and verify the blobs ("unchanged").
 * Cost per MiB: (its p50 - the baseline's p50 of the same round) /
 * TREE_MIB.
 *
 * Runs in: aksup-bench. snap_inner in the agent seat of a session
 * (confined; it speaks only the agent channel); the rest outside any
 * session, with the operator's privilege, beneath the bench's temp dir:
 * the files, a fresh --snapshot-dir per session, python3 and its
 * directory. It asserts (in the exit status) no errors, SNAP_N decision
 * records per session, and the snapshots: with them on, SNAP_N outcome
 * records naming one and SNAP_N metadata files in the store; off, none;
 * for the trees, every command's decision, and in each tree session
 * TREE_CMDS outcomes naming a snapshot and as many metadata lines each
 * holding the TREE_FILES files and their bytes, TREE_FILES blobs (none
 * without the tree). The figures are printed, never asserted.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench.h"

static const char *const mode_name[2] = { "off", "on" };

/* The trees: one writable root of TREE_FILES files of TREE_FILE_SIZE
 * bytes, spread over TREE_NDIRS directories beneath it. */
#define TREE_FILES	64
#define TREE_FILE_SIZE	(256 * 1024)
#define TREE_BYTES	((long long)TREE_FILES * TREE_FILE_SIZE)
#define TREE_MIB	((double)TREE_BYTES / (1024 * 1024))	/* 16 */
#define TREE_NDIRS	5
#define TREE_PAIRS	5	/* pairs of sessions (without, with) a round */
#define TREE_WARM	1	/* `/bin/true warm-up` first: no snapshot */
#define TREE_CMDS	12	/* `/bin/true` a session, measured */
#define TREE_ROUNDS	64	/* rounds kept (aksup-bench's --runs: 25) */
/* the tree sessions' --ws: not a path (the agent names no file) */
#define TREE_WS		"tree"

static const char *const tree_dirs[TREE_NDIRS] = { "src", "src/lib", "doc",
	"data", "build" };
static const char *const tree_mode[2] = { "off", "tree" };

static void tree_setup(const char *dir);

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
	tree_setup(dir);
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

/* ---- trees: proc.exec without and with `snapshot: tree` --------------- */

/* The agent side of a tree session: TREE_WARM x `/bin/true warm-up`,
 * then TREE_CMDS x `/bin/true`, lock-step, each OK with returncode 0.
 * r->wall: the first measured command, ms (with `snapshot: tree`, the
 * one that copies the tree into a fresh store); ops and the percentiles:
 * the TREE_CMDS - 1 after it. */
void
tree_inner(struct result *r)
{
	char *buf = malloc(MSGBUF), req[256];
	double lat[TREE_CMDS], t0 = 0, t;
	int i, n = 0;

	if (buf == NULL)
		exit(2);
	for (i = -TREE_WARM; i < TREE_CMDS; i++) {
		snprintf(req, sizeof(req), "{\"id\":%d,\"action\":\"proc.exec\","
		    "\"target\":\"/bin/true\",\"params\":{\"args\":[%s],"
		    "\"timeout\":30}}", i + TREE_WARM, i < 0 ? "\"warm-up\"" :
		    "");
		t = now_s();
		if (aksup_send(chan_fd, req, strlen(req)) < 0 ||
		    aksup_recv(chan_fd, buf, MSGBUF) <= 0) {
			r->errors += TREE_CMDS - i;
			break;
		}
		if (i >= 0) {
			lat[n++] = now_s() - t;
			if (i == 0)
				t0 = now_s();
		}
		if (!bench_ok_rc0(buf) && r->errors++ == 0)
			fprintf(stderr, "aksup-bench: snapshot tree: unexpected "
			    "answer: %.300s\n", buf);
	}
	if (n > 0)
		r->wall = lat[0] * 1e3;
	if (n > 1)
		stats(r, lat + 1, n - 1, now_s() - t0);
	else
		r->n = 0;
	free(buf);
}

struct tree_sess {
	struct result res;
	long taken;		/* outcome records naming a snapshot */
	long meta, whole;	/* metadata files; those holding the tree */
	long blobs;		/* blob files in its store; -1: no blobs/ */
};

struct tree_round {
	struct tree_sess s[TREE_PAIRS][2];	/* [pair][0] none, [1] tree */
	/* ms, medians of the round's sessions: the baseline's p50 and first
	 * command, the tree's first command and p50 of the others */
	double base, base_first, first, unch;
	double cost[2];		/* [0] first, [1] unchanged: ms per MiB */
	int has;		/* every session whole: figures */
};

static struct tree_round trs[TREE_ROUNDS];
static char tree_pol[2][PATH_MAX], tree_root[PATH_MAX];

static void
mkdir_or_exit(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		perror(path);
		exit(1);
	}
}

/* The root and its files, each of distinct bytes (xorshift64*, seeded by
 * the file's number: no blob shared between two files); the policies:
 * fs.write beneath the root (its writable root), proc.exec /bin/true
 * without arguments (with `snapshot: tree`, or not) and with the one
 * argument `warm-up` (a rule of its own: never a snapshot). */
static void
tree_setup(const char *dir)
{
	char buf[PATH_MAX + 256], path[PATH_MAX];
	uint64_t *data, x;
	size_t w;
	int m, k;

	if (snprintf(tree_root, sizeof(tree_root), "%s/tree", dir) >=
	    (int)sizeof(tree_root))
		exit(2);
	mkdir_or_exit(tree_root);
	for (k = 0; k < TREE_NDIRS; k++) {
		if (snprintf(path, sizeof(path), "%s/%s", tree_root,
		    tree_dirs[k]) >= (int)sizeof(path))
			exit(2);
		mkdir_or_exit(path);
	}
	if ((data = malloc(TREE_FILE_SIZE)) == NULL)
		exit(2);
	for (k = 0; k < TREE_FILES; k++) {
		x = 0x9e3779b97f4a7c15ULL * (uint64_t)(k + 1);
		for (w = 0; w < TREE_FILE_SIZE / sizeof(*data); w++) {
			x ^= x >> 12;
			x ^= x << 25;
			x ^= x >> 27;
			data[w] = x * 0x2545f4914f6cdd1dULL;
		}
		if (snprintf(path, sizeof(path), "%s/%s/f%02d.bin", tree_root,
		    tree_dirs[k % TREE_NDIRS], k) >= (int)sizeof(path))
			exit(2);
		write_file(path, (const char *)data, TREE_FILE_SIZE);
	}
	free(data);
	for (m = 0; m < 2; m++) {
		snprintf(tree_pol[m], sizeof(tree_pol[m]), "%s/tree-%s.yaml",
		    dir, tree_mode[m]);
		if (snprintf(buf, sizeof(buf), "capabilities:\n  - action: "
		    "fs.write\n    resource: %s/**\n  - action: proc.exec\n"
		    "    resource: /bin/true\n%s  - action: proc.exec\n"
		    "    resource: /bin/true\n    args: [warm-up]\n", tree_root,
		    m == 1 ? "    snapshot: tree\n" : "") >= (int)sizeof(buf))
			exit(2);
		write_file(tree_pol[m], buf, strlen(buf));
	}
}

/* Blob files (blobs/XX/<digest>) in the store; -1: no blobs/. */
static long
count_blobs(const char *store)
{
	char path[PATH_MAX], sub[PATH_MAX];
	struct dirent *de, *be;
	DIR *d, *b;
	long n = 0;

	if (snprintf(path, sizeof(path), "%s/blobs", store) >=
	    (int)sizeof(path) || (d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || snprintf(sub, sizeof(sub), "%s/%s",
		    path, de->d_name) >= (int)sizeof(sub) ||
		    (b = opendir(sub)) == NULL)
			continue;
		while ((be = readdir(b)) != NULL)
			if (be->d_name[0] != '.')
				n++;
		closedir(b);
	}
	closedir(d);
	return n;
}

/* 1 when the metadata file at path is one line whose tree holds the
 * TREE_FILES files and TREE_BYTES bytes ("f" entries: ["f", ROOT, PATH,
 * MODE, SIZE, BLOB], docs/ROLLBACK.md §5.4). */
static int
whole_tree(const char *path)
{
	json_t *j, *t, *e;
	long long bytes = 0;
	const char *kind;
	size_t i;
	long files = 0;
	int ok;

	if ((j = json_load_file(path, 0, NULL)) == NULL)
		return 0;
	t = json_object_get(j, "tree");
	json_array_foreach(t, i, e) {
		kind = json_string_value(json_array_get(e, 0));
		if (kind != NULL && strcmp(kind, "f") == 0) {
			files++;
			bytes += json_integer_value(json_array_get(e, 4));
		}
	}
	ok = json_is_array(t) && files == TREE_FILES && bytes == TREE_BYTES;
	json_decref(j);
	return ok;
}

/* Metadata files in the store (-1: no meta/), those holding the whole
 * tree in *whole. */
static long
count_tree_meta(const char *store, long *whole)
{
	char path[PATH_MAX];
	struct dirent *de;
	size_t l;
	long n = 0;
	DIR *d;

	*whole = 0;
	if (snprintf(path, sizeof(path), "%s/meta", store) >=
	    (int)sizeof(path) || (d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if ((l = strlen(de->d_name)) <= 5 ||
		    strcmp(de->d_name + l - 5, ".json") != 0)
			continue;
		n++;
		if (snprintf(path, sizeof(path), "%s/meta/%s", store,
		    de->d_name) < (int)sizeof(path) && whole_tree(path))
			(*whole)++;
	}
	closedir(d);
	return n;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	(void)remove(path);
	return 0;
}

/* One session, mode m (0 none, 1 tree), pair p of round `round`, in a
 * fresh store; counted; its blobs removed after (16 MiB a tree session:
 * the work dir's metadata and logs stay for --keep). -1 (said) when
 * anything is not as expected. */
static int
tree_session(struct tree_sess *t, int round, int p, int m, const char *dir)
{
	char log[PATH_MAX], store[PATH_MAX], blobs[PATH_MAX + 8];
	const char *opts[3];
	long want = m ? TREE_CMDS : 0;

	snprintf(log, sizeof(log), "%s/tree-%s-%d-%d.log", dir, tree_mode[m],
	    round + 1, p + 1);
	/* fresh: made by aksup, beside (never beneath) the root */
	snprintf(store, sizeof(store), "%s/snapshots-tree-%s-%d-%d", dir,
	    tree_mode[m], round + 1, p + 1);
	opts[0] = "--snapshot-dir";
	opts[1] = store;
	opts[2] = NULL;
	bench_session("snapshot-tree", tree_pol[m], log, TREE_WS, NULL, opts,
	    &t->res);
	snprintf(t->res.name, sizeof(t->res.name), "snapshot-tree-%s",
	    tree_mode[m]);
	t->taken = count_taken(log);
	t->meta = count_tree_meta(store, &t->whole);
	t->blobs = count_blobs(store);
	snprintf(blobs, sizeof(blobs), "%s/blobs", store);
	(void)nftw(blobs, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	/* none: its store may never have been made, or be empty (-1, 0) */
	if (t->res.errors == 0 && t->res.records == TREE_WARM + TREE_CMDS &&
	    t->taken == want && (m ? t->meta == want && t->whole == want &&
	    t->blobs == TREE_FILES : t->meta <= 0 && t->blobs <= 0))
		return 0;
	fprintf(stderr, "aksup-bench: snapshot tree %s, round %d, pair %d: "
	    "%d errors, %ld of %d records, %ld of %ld outcomes naming a "
	    "snapshot, %ld of %ld in the store (%ld holding the %d files), "
	    "%ld of %d blobs\n", tree_mode[m], round + 1, p + 1,
	    t->res.errors, t->res.records, TREE_WARM + TREE_CMDS, t->taken,
	    want, t->meta, want, t->whole, TREE_FILES, t->blobs,
	    m ? TREE_FILES : 0);
	return -1;
}

/* The round's TREE_PAIRS pairs (none, then tree: interleaved), and its
 * figures. -1 (said) when a session was not as expected. */
static int
tree_round(int round, const char *dir)
{
	struct tree_round *tr = &trs[round];
	double v[4][TREE_PAIRS];
	int p, m, bad = 0;

	memset(tr, 0, sizeof(*tr));
	tr->has = 1;
	for (p = 0; p < TREE_PAIRS; p++)
		for (m = 0; m < 2; m++) {
			if (tree_session(&tr->s[p][m], round, p, m, dir) < 0)
				bad = 1;
			if (tr->s[p][m].res.errors != 0 ||
			    tr->s[p][m].res.n != TREE_CMDS - 1)
				tr->has = 0;
			v[2 * m][p] = m ? tr->s[p][m].res.wall :
			    tr->s[p][m].res.p50;
			v[2 * m + 1][p] = m ? tr->s[p][m].res.p50 :
			    tr->s[p][m].res.wall;
		}
	if (!tr->has)
		return bad ? -1 : 0;
	tr->base = median_of(v[0], TREE_PAIRS);
	tr->base_first = median_of(v[1], TREE_PAIRS);
	tr->first = median_of(v[2], TREE_PAIRS);
	tr->unch = median_of(v[3], TREE_PAIRS);
	tr->cost[0] = (tr->first - tr->base) / TREE_MIB;
	tr->cost[1] = (tr->unch - tr->base) / TREE_MIB;
	return bad ? -1 : 0;
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
	/* then the trees' pairs */
	if (round < TREE_ROUNDS && tree_round(round, dir) < 0)
		bad = 1;
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

/* The writes' figures. */
static void
write_report(int json, int runs, const struct snap_round *s,
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

/* The round whose cost of a first snapshot is the median (the upper one
 * of an even count); the lowest and highest of each cost in lo and hi.
 * -1 when no round has figures. */
static int
tree_median(int runs, double lo[2], double hi[2])
{
	double v[2][TREE_ROUNDS];
	int k, c, n = 0, pick = -1;

	for (k = 0; k < runs && k < TREE_ROUNDS; k++)
		if (trs[k].has) {
			v[0][n] = trs[k].cost[0];
			v[1][n++] = trs[k].cost[1];
		}
	if (n == 0)
		return -1;
	for (c = 0; c < 2; c++) {
		median_of(v[c], n);	/* sorted */
		lo[c] = v[c][0];
		hi[c] = v[c][n - 1];
	}
	for (k = 0; k < runs && k < TREE_ROUNDS; k++)
		if (trs[k].has && trs[k].cost[0] == v[0][n / 2])
			pick = k;
	return pick;
}

/* Sums over a round's sessions of mode m: errors, records, outcome
 * records naming a snapshot, commands measured. */
static void
tree_sums(const struct tree_round *tr, int m, int *errors, long *records,
    long *taken, int *n)
{
	int p;

	*errors = *n = 0;
	*records = *taken = 0;
	for (p = 0; p < TREE_PAIRS; p++) {
		*errors += tr->s[p][m].res.errors;
		*records += tr->s[p][m].res.records;
		*taken += tr->s[p][m].taken;
		*n += tr->s[p][m].res.n;
	}
}

static void
tree_row(const char *title, double p50, const double *cost, int n,
    int errors, long records, long taken, long want)
{
	char c[16] = "-", recs[32], snaps[32];

	if (cost != NULL)
		snprintf(c, sizeof(c), "%.3f", *cost);
	snprintf(recs, sizeof(recs), "%ld/%d", records, TREE_PAIRS *
	    (TREE_WARM + TREE_CMDS));
	snprintf(snaps, sizeof(snaps), "%ld/%ld", taken, want);
	printf("%-42s %8.3f %8s %4d %6d %9s %9s\n", title, p50, c, n, errors,
	    recs, snaps);
}

/* The trees' figures: the round whose first snapshot's cost is the
 * median (a round with errors has none: the first one's counts then). */
static void
tree_report(int json, int runs)
{
	static const char *const name[3] = { "off", "first", "unchanged" };
	const struct tree_round *tr;
	double lo[2] = { 0, 0 }, hi[2] = { 0, 0 }, p50;
	char title[64];
	int k, c, m, errors, n, nn;
	long records, taken;

	k = tree_median(runs, lo, hi);
	tr = &trs[k < 0 ? 0 : k];
	if (json) {
		for (c = 0; c < 3; c++) {
			m = c > 0;
			tree_sums(tr, m, &errors, &records, &taken, &n);
			nn = c == 1 ? TREE_PAIRS : n;
			p50 = c == 0 ? tr->base : c == 1 ? tr->first : tr->unch;
			printf("{\"name\":\"snapshot-tree-%s\"", name[c]);
			if (k >= 0)
				printf(",\"p50_ms\":%.4f", p50);
			if (k >= 0 && c == 0)
				printf(",\"first_ms\":%.4f", tr->base_first);
			if (k >= 0 && c > 0)
				printf(",\"ms_per_mib\":%.4f,\"ms_per_mib_min\":"
				    "%.4f,\"ms_per_mib_max\":%.4f",
				    tr->cost[c - 1], lo[c - 1], hi[c - 1]);
			printf(",\"mib\":%.0f,\"files\":%d,\"runs\":%d,"
			    "\"round\":%d,\"sessions\":%d,\"errors\":%d,"
			    "\"n\":%d,\"records\":%ld,\"expected_records\":%d,"
			    "\"snapshots\":%ld,\"expected_snapshots\":%d}\n",
			    TREE_MIB, TREE_FILES, runs, (k < 0 ? 0 : k) + 1,
			    TREE_PAIRS, errors, nn, records, TREE_PAIRS *
			    (TREE_WARM + TREE_CMDS), taken, m ? TREE_PAIRS *
			    TREE_CMDS : 0);
		}
		return;
	}
	snprintf(title, sizeof(title), "proc.exec /bin/true, tree of %.0f MiB",
	    TREE_MIB);
	printf("\n%-42s %8s %8s %4s %6s %9s %9s\n", title, "p50 ms",
	    "ms/MiB", "n", "errors", "records", "snapshots");
	tree_sums(tr, 0, &errors, &records, &taken, &n);
	tree_row("  no snapshot (baseline)", tr->base, NULL, n, errors,
	    records, taken, 0);
	tree_sums(tr, 1, &errors, &records, &taken, &n);
	tree_row("  snapshot: tree, first (all copied)", tr->first, k < 0 ?
	    NULL : &tr->cost[0], TREE_PAIRS, errors, records, taken,
	    TREE_PAIRS * TREE_CMDS);
	tree_row("  snapshot: tree, unchanged (hashed)", tr->unch, k < 0 ?
	    NULL : &tr->cost[1], n, errors, records, taken, TREE_PAIRS *
	    TREE_CMDS);
	if (k < 0) {
		printf("Tree snapshot cost: no figure (a session had errors, "
		    "above)\n");
		return;
	}
	printf("Tree snapshot cost per MiB (%d files in %d directories, "
	    "%.0f MiB): first %.3f ms, unchanged %.3f ms", TREE_FILES,
	    TREE_NDIRS, TREE_MIB, tr->cost[0], tr->cost[1]);
	if (runs > 1)
		printf("; round %d of %d, the median of the first's (rounds: "
		    "first %.3f to %.3f, unchanged %.3f to %.3f ms)", k + 1,
		    runs, lo[0], hi[0], lo[1], hi[1]);
	printf("\n");
}

void
snap_report(int json, int runs, const struct snap_round *s,
    const char *ref_why, int first)
{
	write_report(json, runs, s, ref_why, first);
	tree_report(json, runs);
}
