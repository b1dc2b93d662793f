/*
 * logview/snapshots.c -- aksup-log snapshots list|gc: the snapshot
 * store's metadata lines (docs/ROLLBACK.md), each checked whole by
 * snapshot/snap.c, as a table or JSON Lines (list), or as what a sweep
 * removes (gc). A tree snapshot (proc.exec, "roots" and "tree") is shown
 * as its program, its first root and a summary of its entries; gc keeps
 * every blob its file entries name.
 *
 * Runs in: the aksup-log process, as the invoking user, seccomp-confined
 * (ROLE_LOGVIEW) before it reads a byte. It opens nothing: the
 * supervisor copies the store's metadata files, one line each, onto fd 0
 * (unparsed), and takes back gc's plan from stdout, by the line's place
 * on fd 0 (0, 1, ...: the supervisor's own list of files):
 *   expired N             line N's snapshot has expired: it may go
 *   damaged N             line N is no metadata line: it may go (it is
 *                         never restored)
 *   blob HEX              a blob a kept snapshot names (keep it): an
 *                         fs snapshot's blob member, and every file
 *                         entry's blob of a tree snapshot (proc.exec
 *                         with snapshot: tree), each said once per line
 * Input: the store's files, which anyone with its owner's rights may have
 * edited; a line that is not a whole, valid metadata line is said and
 * skipped (list) or counted as damaged (gc: removed with the expired).
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common/jsonesc.h"
#include "common/log.h"
#include "common/sandbox.h"
#include "logview/records.h"
#include "logview/snapshots.h"
#include "snapshot/snap.h"


/* What list shows of one snapshot (its metadata checked whole first;
 * the bytes a metadata line may hold are not kept). */
struct row {
	char record_id[SNAP_ID_LEN + 1], session[SNAP_ID_LEN + 1];
	char action[SNAP_ACTION_MAX];
	int64_t at, expires;
	uint64_t seq, size;
	unsigned mode;
	int existed, dir;
	int tree;		/* a tree snapshot (proc.exec): */
	size_t entries;		/*   its entries, */
	unsigned nroots;	/*   its roots, */
	char *root1;		/*   the first of them, */
	uint64_t bytes;		/*   its files' bytes (tree_bytes) */
	char *path;		/* root + "/" + path */
};

struct snaps {
	struct row *r;
	size_t n, cap;
	size_t damaged;
};

/* "2026-12-07T20:53:24Z" */
static void
utc(int64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "%lld", (long long)t);
}

static int
by_time(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	if ((c = strcmp(x->session, y->session)) != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* A tree snapshot's files' bytes, in all (each file may be up to
 * INT64_MAX bytes: the sum stops there rather than wrap). */
static uint64_t
tree_bytes(const struct snap_tree *t)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->e[i].type == SNAP_ENT_FILE) {
			if (t->e[i].size > (uint64_t)INT64_MAX - sum)
				return (uint64_t)INT64_MAX;
			sum += t->e[i].size;
		}
	return sum;
}

static int
by_hex(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* gc: every blob a kept tree snapshot's file entries name, each once
 * (two files of the same bytes share one). */
static void
tree_blobs(const struct snap_tree *t)
{
	const char **b;
	size_t i, n = 0;

	if (t->n == 0)
		return;
	if ((b = reallocarray(NULL, t->n, sizeof(*b))) == NULL)
		fatal("reallocarray");
	for (i = 0; i < t->n; i++)
		if (t->e[i].type == SNAP_ENT_FILE)
			b[n++] = t->e[i].blob;
	if (n > 1)
		qsort(b, n, sizeof(*b), by_hex);
	for (i = 0; i < n; i++)
		if (i == 0 || strcmp(b[i - 1], b[i]) != 0)
			printf("blob %s\n", b[i]);
	free(b);
}

/* --json of a tree snapshot: its line as the store holds it (once
 * checked), with what says what it is besides its roots and tree:
 * tree_entries (how many) and tree_bytes (its files' bytes). */
static void
print_tree_json(const char *line, size_t n, const struct snap_meta *m)
{
	json_error_t err;
	json_t *o;
	char *text, *e;

	/* (it parsed once already: only memory can fail it here) */
	if ((o = json_loadb(line, n, JSON_REJECT_DUPLICATES, &err)) == NULL ||
	    json_object_set_new(o, "tree_entries",
	    json_integer((json_int_t)m->tree->n)) != 0 ||
	    json_object_set_new(o, "tree_bytes",
	    json_integer((json_int_t)tree_bytes(m->tree))) != 0 ||
	    (text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		fatalx("out of memory");
	json_decref(o);
	if ((e = json_escape_unsafe(text)) == NULL)
		fatalx("out of memory");
	free(text);
	printf("%s\n", e);
	free(e);
}

static void
keep_row(struct snaps *s, const struct snap_meta *m)
{
	struct row *r;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		if ((s->r = reallocarray(s->r, s->cap, sizeof(*s->r))) == NULL)
			fatal("reallocarray");
	}
	r = &s->r[s->n++];
	memset(r, 0, sizeof(*r));
	memcpy(r->record_id, m->record_id, sizeof(r->record_id));
	memcpy(r->session, m->session, sizeof(r->session));
	memcpy(r->action, m->action, sizeof(r->action));
	r->at = m->at;
	r->expires = m->expires;
	r->seq = m->seq;
	r->size = m->size;
	r->mode = m->mode;
	r->existed = m->existed;
	r->dir = m->dir;
	if (m->tree != NULL) {
		r->tree = 1;
		r->entries = m->tree->n;
		r->nroots = m->tree->nroots;
		r->bytes = tree_bytes(m->tree);
		/* (a checked tree has 1 to 64 roots) */
		if ((r->root1 = strdup(m->tree->nroots > 0 ?
		    m->tree->roots[0] : "")) == NULL)
			fatal("strdup");
	}
	if (asprintf(&r->path, "%s%s%s", m->root, strcmp(m->root, "/") ?
	    "/" : "", m->path) < 0)
		fatal("out of memory");
}

/* The next line of fd 0 (read(2) only: no stdio under the filter)
 * into *line (its '\n' kept), *len its length: 1, 0 at the end. A line
 * longer than SNAP_META_MAX (never one of the supervisor's) comes back
 * empty: damaged. */
static int
next_line(char **line, size_t *len)
{
	static char buf[64 * 1024];
	static size_t have, off;
	static int eof;
	static char *acc;
	size_t n = 0, take;
	char *nl;
	ssize_t r;
	int over = 0;

	if (acc == NULL && (acc = malloc(SNAP_META_MAX + 1)) == NULL)
		fatal("malloc");
	for (;;) {
		if (off == have && !eof) {
			while ((r = read(STDIN_FILENO, buf, sizeof(buf))) < 0 &&
			    errno == EINTR)
				;
			if (r < 0)
				fatal("reading the store");
			eof = r == 0;
			have = (size_t)r;
			off = 0;
		}
		if (off == have) {	/* the end */
			*line = acc;
			*len = over ? 0 : n;
			return n > 0 || over;
		}
		nl = memchr(buf + off, '\n', have - off);
		take = nl ? (size_t)(nl - (buf + off)) + 1 : have - off;
		if (!over && n + take <= SNAP_META_MAX) {
			memcpy(acc + n, buf + off, take);
			n += take;
		} else
			over = 1;
		off += take;
		if (nl != NULL) {
			*line = acc;
			*len = over ? 0 : n;
			return 1;
		}
	}
}

/* Line k of fd 0 (n bytes, its '\n' last), parsed into m: gc's plan,
 * --json printed, or the table's row kept. */
static void
one(struct snaps *s, const struct snap_meta *m, char *line, size_t n,
    size_t k, const char *session, int gc, int json, int64_t now)
{
	char *e;

	if (gc) {
		if (snap_expired(m, now))
			printf("expired %zu\n", k);
		else if (m->tree != NULL)
			tree_blobs(m->tree);
		else if (m->existed && !m->dir && !m->has_inline)
			printf("blob %s\n", m->blob);
		return;
	}
	if (session != NULL && strcmp(m->session, session) != 0)
		return;
	if (json && m->tree != NULL) {
		print_tree_json(line, n, m);
		return;
	}
	if (json) {
		/* as the store holds it, once checked, with what must
		 * not reach a terminal escaped (aksup log --json's) */
		line[n - 1] = '\0';	/* its '\n' */
		if ((e = json_escape_unsafe(line)) == NULL)
			fatalx("out of memory");
		printf("%s\n", e);
		free(e);
		return;
	}
	keep_row(s, m);
}

/* Every line of fd 0, read one at a time (each at most a metadata
 * file's bound), checked; gc's plan and --json printed as read, the
 * table's small rows kept (then sorted). */
static void
read_lines(struct snaps *s, const char *session, int gc, int json,
    int64_t now)
{
	char *line, why[160];
	struct snap_meta *m;
	size_t n, k;

	if ((m = malloc(sizeof(*m))) == NULL)
		fatal("malloc");
	for (k = 0; next_line(&line, &n); k++) {
		if (n == 0 || snap_meta_parse(line, n, m, why,
		    sizeof(why)) < 0) {
			log_warnx("a damaged snapshot metadata file (%s): "
			    "never restored", n == 0 ? "too long" : why);
			s->damaged++;
			if (gc)
				printf("damaged %zu\n", k);
			continue;
		}
		one(s, m, line, n, k, session, gc, json, now);
		snap_meta_free(m);	/* (a tree snapshot's entries) */
	}
	free(m);
	if (s->n > 0)
		qsort(s->r, s->n, sizeof(*s->r), by_time);
}

/* "/usr/bin/sh (tree of /srv/ws: 9 entries, 1234 bytes)", or "(tree of
 * /srv/ws and 2 more roots: ...)" (--json lists them all): shown (the
 * program, escaped) freed, the whole malloc'd; NULL out of memory. */
static char *
tree_said(char *shown, const struct row *m)
{
	char *out = NULL, *root, more[48] = "";
	size_t w;

	/* the root escaped as the path is */
	if ((root = lv_display(m->root1, 0, &w)) == NULL)
		goto out;
	if (m->nroots > 1)
		snprintf(more, sizeof(more), " and %u more root%s",
		    m->nroots - 1, m->nroots == 2 ? "" : "s");
	if (asprintf(&out, "%s (tree of %s%s: %zu entr%s, %llu byte%s)",
	    shown, root, more, m->entries, m->entries == 1 ? "y" : "ies",
	    (unsigned long long)m->bytes, m->bytes == 1 ? "" : "s") < 0)
		out = NULL;
	free(root);
out:
	free(shown);
	return out;
}

static void
print_table(const struct snaps *s, int64_t now)
{
	char at[32], ex[32], before[32], *shown;
	size_t i, w;

	printf("%-36s  %-20s  %-9s  %-8s  %-9s  %s\n", "RECORD_ID", "TAKEN",
	    "ACTION", "EXPIRES", "BEFORE", "PATH");
	for (i = 0; i < s->n; i++) {
		const struct row *m = &s->r[i];
		long long left = (long long)(m->expires - now);

		utc(m->at, at);
		if (left <= 0)
			snprintf(ex, sizeof(ex), "expired");
		else if (left < 120)
			snprintf(ex, sizeof(ex), "in %llds", left);
		else if (left < 7200)
			snprintf(ex, sizeof(ex), "in %lldm", left / 60);
		else if (left < 172800)
			snprintf(ex, sizeof(ex), "in %lldh", left / 3600);
		else
			snprintf(ex, sizeof(ex), "in %lldd", left / 86400);
		if (m->tree)
			snprintf(before, sizeof(before), "tree");
		else if (!m->existed)
			snprintf(before, sizeof(before), "absent");
		else if (m->dir)
			snprintf(before, sizeof(before), "dir %04o", m->mode);
		else
			snprintf(before, sizeof(before), "%lluB",
			    (unsigned long long)m->size);
		/* the path as aksup log shows a target: what would move a
		 * terminal's cursor or turn text around, escaped */
		if ((shown = lv_display(m->path, 0, &w)) == NULL)
			fatalx("out of memory");
		/* a tree snapshot: the program, then what it holds */
		if (m->tree && (shown = tree_said(shown, m)) == NULL)
			fatalx("out of memory");
		printf("%-36s  %-20s  %-9s  %-8s  %-9s  %s\n", m->record_id,
		    at, m->action, ex, before, shown);
		free(shown);
	}
}

int
snapshots_main(int argc, char *argv[])
{
	static char outbuf[BUFSIZ * 4];
	static const struct option opts[] = {
		{ "session",	required_argument,	NULL, 'S' },
		{ "json",	no_argument,		NULL, 'j' },
		{ NULL,		0,			NULL, 0 }
	};
	struct snaps s;
	const char *session = NULL, *mode;
	int ch, json = 0, gc;
	int64_t now;

	if (argc < 2 || (strcmp(argv[1], "list") != 0 &&
	    strcmp(argv[1], "gc") != 0))
		fatalx("usage: aksup-log snapshots list|gc [--session ID] "
		    "[--json]");
	mode = argv[1];
	gc = strcmp(mode, "gc") == 0;
	optind = 2;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'S': session = optarg; break;
		case 'j': json = 1; break;
		default: fatalx("snapshots: unknown option");
		}
	}
	if (gc && (session != NULL || json))
		fatalx("snapshots gc takes no --session or --json");
	log_init("aksup snapshots");	/* whose messages they are */
	/* a buffer of its own before the filter: else glibc's first write
	 * to a non-tty character device (stdout on /dev/null) asks
	 * isatty(), an ioctl the filter kills (as aksup log's main) */
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	json_object_seed(0);	/* before the filter: /dev/urandom */
	tzset();		/* and gmtime_r's first look at the zone */
	sandbox_enter(ROLE_LOGVIEW);
	memset(&s, 0, sizeof(s));
	now = (int64_t)time(NULL);
	read_lines(&s, session, gc, json, now);
	if (!gc && !json)	/* (gc and --json: printed as read) */
		print_table(&s, now);
	for (size_t i = 0; i < s.n; i++) {
		free(s.r[i].path);
		free(s.r[i].root1);
	}
	free(s.r);
	if (fflush(stdout) == EOF || ferror(stdout))
		fatal("writing the output");
	return 0;
}
