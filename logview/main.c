/*
 * logview/main.c -- aksup-log: show the audit log, one row per request.
 *
 * Runs in: the aksup-log process, as the invoking user, seccomp-confined
 * (ROLE_LOGVIEW) right after argument parsing. It never opens a path: the
 * supervisor hands it the log on fd 0, and it writes the table (or JSON
 * Lines) to stdout and warnings to stderr.
 *
 * usage: aksup-log [--status S] [--action A] [--limit N] [--json]
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/log.h"
#include "common/sandbox.h"
#include "logview/records.h"

#define READ_CHUNK	(64 * 1024)

enum { COL_TIME, COL_STATUS, COL_ACTION, COL_TARGET, COL_MS, COL_ERROR,
    NCOLS };

static const char *const col_names[NCOLS] = {
	"TIME", "STATUS", "ACTION", "TARGET", "MS", "ERROR"
};

struct cell {
	char	*s;
	size_t	 w;
};

static char outbuf[BUFSIZ * 4];

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: aksup-log [--status S] [--action A] [--limit N] "
	    "[--json]\n");
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

static void
warn_line(unsigned long lineno, const char *why, void *arg)
{
	log_warnx("line %lu: %s", lineno, why);
}

/* The whole log from fd 0, which may be a pipe. */
static struct lv *
read_log(void)
{
	static char buf[READ_CHUNK];
	struct lv *lv;
	ssize_t n;

	if ((lv = lv_new(warn_line, NULL)) == NULL)
		fatalx("out of memory");
	for (;;) {
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			fatal("reading the log");
		if (n == 0)
			break;
		if (lv_feed(lv, buf, (size_t)n) == -1)
			fatalx("log too large or out of memory");
	}
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
	char ms[32];

	if (r->has_duration)
		snprintf(ms, sizeof(ms), "%.3f", r->duration_ms);
	else
		snprintf(ms, sizeof(ms), "-");
	set_cell(&c[COL_TIME], r->timestamp, 0);
	set_cell(&c[COL_STATUS], r->status, 0);
	set_cell(&c[COL_ACTION], r->action, 0);
	set_cell(&c[COL_TARGET], r->target, LV_TARGET_COLS);
	set_cell(&c[COL_MS], ms, 0);
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
		for (pad = c[j].w; pad < w[j] + 2; pad++)
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

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "status",	required_argument,	NULL, 's' },
		{ "action",	required_argument,	NULL, 'a' },
		{ "limit",	required_argument,	NULL, 'n' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	const char *status = NULL, *action = NULL;
	size_t limit = 0, n, *ix;
	struct lv *lv;
	int ch, json = 0;

	log_init("aksup log");
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			status = optarg;
			break;
		case 'a':
			action = optarg;
			break;
		case 'n':
			limit = parse_limit(optarg);
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

	lv = read_log();
	ix = lv_select(lv, status, action, limit, &n);
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
