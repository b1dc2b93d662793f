/*
 * agent/submit.c -- aksup-submit, the agent behind `aksup submit`: send
 * one request (or one per input line with --batch) through the agent
 * channel and print each answer as JSON.
 *
 * Runs in: the agent seat of a session, exec'd by the supervisor.
 * Privilege: none -- fd 3 (the channel), stdin, stdout, stderr, under the
 * ROLE_CLIENT seccomp allow-list from before the first message.
 *
 * Exit: 0 every answer OK, 1 an ERROR (or the channel closed early),
 * 2 usage, 3 a DENIED and no ERROR.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/client.h"
#include "common/log.h"
#include "common/sandbox.h"

#define WINDOW	64		/* requests in flight in batch mode */

static char outbuf[1 << 16], inbuf[1 << 16];

struct tally {
	int ok, denied, error;
};

static void
count(struct tally *t, const char *answer)
{
	char st[16];

	if (aksup_answer_status(answer, st, sizeof(st)) < 0)
		t->error++;
	else if (strcmp(st, "OK") == 0)
		t->ok++;
	else if (strcmp(st, "DENIED") == 0)
		t->denied++;
	else
		t->error++;
}

static int
result(const struct tally *t)
{
	if (t->error)
		return 1;
	if (t->denied)
		return 3;
	return 0;
}

/* stdout is a terminal (asked before the filter: isatty is an ioctl) */
static int out_tty;

/* One answer as a line: as the broker sent it, or, on a terminal, with
 * every non-ASCII character escaped (C1 controls, bidi overrides of a
 * command's output or a file never reach the terminal raw). */
static void
print_line(const char *line)
{
	json_t *v;
	char *a;

	if (!out_tty || (v = json_loads(line, JSON_DECODE_ANY |
	    JSON_ALLOW_NUL, NULL)) == NULL) {
		printf("%s\n", line);
		return;
	}
	a = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER |
	    JSON_ENSURE_ASCII);
	printf("%s\n", a ? a : line);
	free(a);
	json_decref(v);
}

static int
one(int fd, const char *action, const char *target, const char *params)
{
	struct tally t = { 0, 0, 0 };
	json_t *j;
	char *ans, *pretty;

	ans = aksup_call(fd, 1, action, target, params);
	if (ans == NULL) {
		log_warnx("no answer from the broker");
		return 1;
	}
	count(&t, ans);
	/* Pretty-print the answer as the broker sent it (order kept); on a
	 * terminal with every non-ASCII character escaped (print_line) */
	j = json_loads(ans, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	pretty = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	    (out_tty ? JSON_ENSURE_ASCII : 0)) : NULL;
	printf("%s\n", pretty ? pretty : ans);
	free(pretty);
	json_decref(j);
	free(ans);
	return result(&t);
}

static const char *batch_name = "the batch";

/* A batch line that is no JSON object: said with its line number (the
 * broker ends the session at it, audited INVALID). */
static void
check_line(const char *line, size_t len, unsigned long lineno)
{
	json_error_t e;
	json_t *v = json_loadb(line, len, JSON_REJECT_DUPLICATES, &e);

	if (v == NULL)
		log_warnx("%s:%lu: not a JSON request (%s); the session ends "
		    "at it", batch_name, lineno, e.text);
	else if (!json_is_object(v))
		log_warnx("%s:%lu: not a JSON object; the session ends at it",
		    batch_name, lineno);
	json_decref(v);
}

static int
batch(int fd)
{
	struct tally t = { 0, 0, 0 };
	char *line = NULL, *ans;
	size_t cap = 0, len;
	ssize_t n;
	int inflight = 0, eof = 0, rc;
	unsigned long lineno = 0;

	if ((ans = malloc(AKSUP_MSG_MAX + 1)) == NULL)
		fatal("malloc");
	while (!eof || inflight > 0) {
		if (!eof && inflight < WINDOW) {
			n = getline(&line, &cap, stdin);
			if (n < 0) {
				eof = 1;
				continue;
			}
			len = (size_t)n;
			lineno++;
			while (len > 0 && (line[len - 1] == '\n' ||
			    line[len - 1] == '\r'))
				len--;
			if (len == 0)
				continue;
			check_line(line, len, lineno);
			if (aksup_send(fd, line, len) < 0) {
				if (errno != EPIPE && errno != ECONNRESET) {
					log_warn("send");
					rc = 1;
					goto out;
				}
				/* the broker ended the session: stop sending,
				 * but read the answers it sent before that */
				eof = 1;
				if (inflight == 0) {
					log_warnx("the broker closed the channel");
					fflush(stdout);
					rc = 1;
					goto out;
				}
				continue;
			}
			inflight++;
			continue;
		}
		n = aksup_recv(fd, ans, AKSUP_MSG_MAX + 1);
		if (n <= 0) {
			log_warnx("the broker closed the channel with %d "
			    "request(s) unanswered", inflight);
			fflush(stdout);
			rc = 1;
			goto out;
		}
		inflight--;
		count(&t, ans);
		print_line(ans);
	}
	rc = result(&t);
out:
	free(line);
	free(ans);
	return rc;
}

static void
usage(void)
{
	fprintf(stderr, "usage: aksup-submit --action A --target T [--params JSON]\n"
	    "       aksup-submit --batch   (requests on stdin, one per line)\n");
	exit(2);
}

static int
utf8_ok(const char *s)
{
	json_t *v = json_string(s);	/* NULL: not UTF-8 */

	json_decref(v);
	return v != NULL;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "action", required_argument, NULL, 'a' },
		{ "target", required_argument, NULL, 't' },
		{ "params", required_argument, NULL, 'p' },
		{ "batch", no_argument, NULL, 'b' },
		{ "batch-name", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *action = NULL, *target = NULL, *params = NULL;
	int ch, isbatch = 0, fd, rc;
	char *probe;

	log_init("aksup submit");
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'a': action = optarg; break;
		case 't': target = optarg; break;
		case 'p': params = optarg; break;
		case 'b': isbatch = 1; break;
		case 'n': batch_name = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || (!isbatch && (action == NULL || target == NULL)))
		usage();
	/* text the protocol can carry (docs/PROTOCOL.md: UTF-8 JSON) */
	if ((action != NULL && !utf8_ok(action)) ||
	    (target != NULL && !utf8_ok(target))) {
		fprintf(stderr, "aksup submit: --%s is not valid UTF-8 text: "
		    "a request is UTF-8 JSON\n", action != NULL &&
		    !utf8_ok(action) ? "action" : "target");
		return 2;
	}
	if (params != NULL) {
		probe = aksup_request_json(0, action, target, params);
		if (probe == NULL) {
			fprintf(stderr, "aksup submit: --params must be a JSON "
			    "object\n");
			return 2;
		}
		free(probe);
	}
	if ((fd = aksup_channel()) < 0)
		fatalx("no agent channel on $AKSUP_FD");
	/* Fixed stdio buffers: no lazy allocation (an isatty ioctl) after
	 * the filter. */
	out_tty = isatty(1);
	setvbuf(stdout, outbuf, _IOLBF, sizeof(outbuf));
	setvbuf(stdin, inbuf, _IOFBF, sizeof(inbuf));
	json_object_seed(0);
	sandbox_enter(ROLE_CLIENT);
	rc = isbatch ? batch(fd) : one(fd, action, target, params);
	if (fflush(stdout) != 0)
		rc = 1;
	return rc;
}
