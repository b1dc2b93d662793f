/*
 * agent/builtin/main.c -- aksup-agent, the built-in LLM agent: the
 * loop of model turns and tool calls, every one of them an
 * agent-channel request the broker decides and records. Its model
 * calls are llm.chat requests (the llm worker holds the keys: this
 * process never sees one); a model's tool calls become the requests of
 * their tools (agent/builtin/tools.c), submitted pipelined, and each
 * answer, DENIED and ERROR ones too, goes back to the model as the
 * tool's result. It ends when the model answers without a tool call
 * (its text on stdout), at max_turns, or when a model call fails.
 *
 * Runs in: aksup-agent. Privilege: none: its own uid, no capability,
 * Landlock with no file right (LLK_NOTHING), the strictest seccomp list
 * (common/sandbox.c sc_agent_builtin: read its channel and stdin, write
 * its channel, stdout and stderr, memory, clock, exit). Before it
 * confines itself it reads its configuration from AGENT_FD_CONFIG (the
 * broker's check of AGENT.yaml, a sealed memfd: trusted for form).
 * Input: the broker's answers, whose data holds a model's words
 * (anyone's bytes: parsed here, the most confined process), and the
 * prompt on stdin or argv (the operator's).
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/builtin/tools.h"
#include "agent/client.h"
#include "common/fds.h"
#include "common/log.h"
#include "common/sandbox.h"
#include "common/wire.h"

#define CONFIG_MAX	(256 * 1024)	/* its configuration, bytes */
#define RESULT_MAX	(16 * 1024)	/* a tool's result, as the model
					   reads it (more: cut, said) */
#define CALLS_MAX	128		/* tool calls of one turn */

struct agent {
	int fd;				/* the channel */
	json_t *cfg;			/* its configuration */
	const char *model;
	const json_t *cfg_tools;	/* its tools (the configuration's) */
	json_t *tools;			/* offered, the OpenAI shape */
	json_t *msgs;			/* the conversation */
	char *ans;			/* an answer's buffer */
	long long next_id;
	int quiet;
	const char *log_path;
	/* the summary: model turns, tool calls by status, tokens */
	unsigned turns, n_ok, n_denied, n_error;
	unsigned long long tok_in, tok_out;
};

/* ---- output ------------------------------------------------------------- */

/* stderr: a line per action, unless --quiet */
static void live(struct agent *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
live(struct agent *a, const char *fmt, ...)
{
	va_list ap;

	if (a->quiet)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static double
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 +
	    (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* ---- the channel -------------------------------------------------------- */

/* Send one request; its id. -1: the channel is gone. */
static long long
submit(struct agent *a, const char *action, const char *target,
    const json_t *params)
{
	json_t *rq;
	char *text;
	long long id = ++a->next_id;
	int rc;

	rq = json_pack("{s:I, s:s, s:s, s:O}", "id", (json_int_t)id,
	    "action", action, "target", target, "params", params);
	text = rq != NULL ? json_dumps(rq, JSON_COMPACT) : NULL;
	json_decref(rq);
	if (text == NULL)
		return -1;
	if (strlen(text) >= AKSUP_MSG_MAX) {
		free(text);
		errno = EMSGSIZE;
		return -1;
	}
	rc = aksup_send(a->fd, text, strlen(text));
	free(text);
	return rc < 0 ? -1 : id;
}

/* The next answer, parsed; NULL when the channel is gone (said). */
static json_t *
receive(struct agent *a)
{
	ssize_t n = aksup_recv(a->fd, a->ans, AKSUP_MSG_MAX + 1);
	json_t *r;

	if (n <= 0) {
		log_warnx("the broker closed the channel%s", n < 0 ?
		    " (an error)" : "");
		return NULL;
	}
	if ((r = json_loadb(a->ans, (size_t)n, 0, NULL)) == NULL ||
	    !json_is_object(r)) {
		json_decref(r);
		log_warnx("an answer that is not a JSON object");
		return NULL;
	}
	return r;
}

static const char *
status_of(const json_t *ans)
{
	const char *s = json_string_value(json_object_get(ans, "status"));

	return s != NULL ? s : "?";
}

static void
count(struct agent *a, const char *status)
{
	if (strcmp(status, "OK") == 0)
		a->n_ok++;
	else if (strcmp(status, "DENIED") == 0)
		a->n_denied++;
	else
		a->n_error++;
}

/* ---- a model turn ------------------------------------------------------- */

/* llm.chat of the conversation: the model's message (new), or NULL
 * (said; the loop ends). */
static json_t *
model_turn(struct agent *a)
{
	struct timespec t0;
	json_t *p, *ans = NULL, *msg = NULL, *data, *u;
	const char *st, *e;
	long long id;

	p = json_pack("{s:O}", "messages", a->msgs);
	if (p != NULL && json_array_size(a->tools) > 0)
		(void)json_object_set(p, "tools", a->tools);
	if (p != NULL && json_object_get(a->cfg, "max_tokens") != NULL)
		(void)json_object_set(p, "max_tokens",
		    json_object_get(a->cfg, "max_tokens"));
	if (p != NULL && json_object_get(a->cfg, "temperature") != NULL)
		(void)json_object_set(p, "temperature",
		    json_object_get(a->cfg, "temperature"));
	if (p != NULL && json_object_get(a->cfg, "timeout") != NULL)
		(void)json_object_set(p, "timeout",
		    json_object_get(a->cfg, "timeout"));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (p == NULL || (id = submit(a, "llm.chat", a->model, p)) < 0) {
		log_warnx("the conversation cannot be sent (%s): it is larger "
		    "than the channel carries, or memory ran out",
		    strerror(errno));
		goto out;
	}
	if ((ans = receive(a)) == NULL)
		goto out;
	st = status_of(ans);
	data = json_object_get(ans, "data");
	u = json_object_get(data, "usage");
	if (json_is_integer(json_object_get(u, "input_tokens")))
		a->tok_in += (unsigned long long)json_integer_value(
		    json_object_get(u, "input_tokens"));
	if (json_is_integer(json_object_get(u, "output_tokens")))
		a->tok_out += (unsigned long long)json_integer_value(
		    json_object_get(u, "output_tokens"));
	live(a, "llm.chat %s -> %s (%.0f ms)\n", a->model, st, ms_since(&t0));
	if (strcmp(st, "OK") != 0) {
		e = json_string_value(json_object_get(ans, "error"));
		log_warnx("the model call %s %s: %s", a->model,
		    strcmp(st, "DENIED") == 0 ? "was DENIED" : "failed (ERROR)",
		    e ? e : "?");
		goto out;
	}
	msg = json_object_get(data, "message");
	if (!json_is_object(msg)) {
		log_warnx("the model's answer holds no message");
		msg = NULL;
		goto out;
	}
	json_incref(msg);
out:
	json_decref(p);
	json_decref(ans);
	return msg;
}

/* ---- tool calls ---------------------------------------------------------- */

/* A tool call's name, for a live line ("?" when it has none). */
static const char *
name_of(const json_t *call)
{
	const char *n = json_string_value(json_object_get(json_object_get(call,
	    "function"), "name"));

	return n != NULL ? n : "?";
}

/* A tool's result as the model reads it: its data (text as it is,
 * JSON as text), or its status and error; cut to RESULT_MAX. */
static json_t *
result_text(const json_t *ans)
{
	const char *st = status_of(ans), *e;
	const json_t *d = json_object_get(ans, "data");
	char *s = NULL, *buf;
	size_t n;
	json_t *r;

	if (strcmp(st, "OK") == 0 && json_is_string(d))
		s = strdup(json_string_value(d));
	else if (strcmp(st, "OK") == 0)
		s = json_dumps(d, JSON_COMPACT | JSON_ENCODE_ANY);
	else {
		e = json_string_value(json_object_get(ans, "error"));
		if (asprintf(&s, "%s: %s", st, e != NULL ? e : "") < 0)
			s = NULL;
	}
	if (s == NULL)
		return json_string("error: out of memory");
	if ((n = strlen(s)) > RESULT_MAX) {
		/* cut at a UTF-8 boundary */
		n = RESULT_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		if (asprintf(&buf, "%.*s\n[cut: %zu bytes more]", (int)n, s,
		    strlen(s) - n) < 0)
			buf = NULL;
		free(s);
		s = buf;
	}
	r = s != NULL ? json_string(s) : NULL;
	free(s);
	return r != NULL ? r : json_string("error: the result is not text");
}

static int
add_result(struct agent *a, const json_t *call, json_t *content)
{
	json_t *m = json_pack("{s:s, s:O, s:o}", "role", "tool",
	    "tool_call_id", json_object_get(call, "id"), "content", content);

	return m != NULL ? json_array_append_new(a->msgs, m) : -1;
}

/* One turn's tool calls: each submitted (pipelined), each answer its
 * result, in the calls' order. -1: the channel is gone. */
static int
tool_calls(struct agent *a, const json_t *calls)
{
	long long ids[CALLS_MAX];
	json_t *res[CALLS_MAX] = { NULL };
	struct tool_req rq[CALLS_MAX];
	struct timespec t0[CALLS_MAX];
	char err[512];
	size_t n = json_array_size(calls), i, k, left = 0;
	const char *e;
	json_t *ans;
	long long id;
	int rc = -1;

	if (n > CALLS_MAX)
		n = CALLS_MAX;	/* (the llm worker refuses more) */
	memset(rq, 0, sizeof(rq));
	for (i = 0; i < n; i++) {
		ids[i] = -1;
		if (tool_request(a->cfg_tools, json_array_get(calls, i), &rq[i],
		    err, sizeof(err)) < 0) {
			res[i] = json_string(err);
			a->n_error++;
			live(a, "  tool %s -> not submitted: %s\n",
			    name_of(json_array_get(calls, i)), err);
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &t0[i]);
		if ((ids[i] = submit(a, rq[i].action, rq[i].target,
		    rq[i].params)) < 0) {
			res[i] = json_string("error: the request cannot be "
			    "sent (larger than the channel carries)");
			a->n_error++;
			continue;
		}
		left++;
	}
	/* answers come in completion order: matched by id */
	while (left > 0) {
		if ((ans = receive(a)) == NULL)
			goto out;
		id = json_integer_value(json_object_get(ans, "id"));
		for (k = 0; k < n && ids[k] != id; k++)
			;
		if (k == n || res[k] != NULL) {
			json_decref(ans);
			continue;	/* not one of ours */
		}
		res[k] = result_text(ans);
		count(a, status_of(ans));
		e = json_string_value(json_object_get(ans, "error"));
		live(a, "  %s %s -> %s (%.1f ms)%s%s\n", rq[k].action,
		    rq[k].target, status_of(ans), ms_since(&t0[k]),
		    e != NULL ? ": " : "", e != NULL ? e : "");
		json_decref(ans);
		left--;
	}
	for (i = 0; i < n; i++) {
		if (add_result(a, json_array_get(calls, i), res[i]) < 0)
			goto out;
		res[i] = NULL;
	}
	rc = 0;
out:
	for (i = 0; i < n; i++) {
		json_decref(res[i]);
		tool_req_free(&rq[i]);
	}
	return rc;
}

/* ---- the loop ------------------------------------------------------------ */

/* One prompt: turns until the model answers without a tool call. 0
 * (its text on stdout), 1 the loop ended without an answer. */
static int
run_prompt(struct agent *a, const char *prompt)
{
	json_int_t max = json_integer_value(json_object_get(a->cfg,
	    "max_turns"));
	const json_t *calls, *text;
	json_t *msg;
	json_int_t t;

	if (json_array_append_new(a->msgs, json_pack("{s:s, s:s}", "role",
	    "user", "content", prompt)) < 0)
		return 1;
	for (t = 0; t < max; t++) {
		a->turns++;
		if ((msg = model_turn(a)) == NULL)
			return 1;
		json_array_append(a->msgs, msg);
		calls = json_object_get(msg, "tool_calls");
		text = json_object_get(msg, "content");
		if (json_array_size(calls) > 0 && json_is_string(text))
			live(a, "  model: %s\n", json_string_value(text));
		if (json_array_size(calls) == 0) {
			printf("%s\n", json_is_string(text) ?
			    json_string_value(text) : "");
			fflush(stdout);
			json_decref(msg);
			return 0;
		}
		if (tool_calls(a, calls) < 0) {
			json_decref(msg);
			return 1;
		}
		json_decref(msg);
	}
	log_warnx("stopped: max_turns (%lld) reached without a final answer",
	    (long long)max);
	return 1;
}

static void
summary(struct agent *a)
{
	fprintf(stderr, "aksup-agent: %u model turn%s; tool calls: %u OK, %u "
	    "DENIED, %u ERROR; tokens: %llu in, %llu out%s%s\n", a->turns,
	    a->turns == 1 ? "" : "s", a->n_ok, a->n_denied, a->n_error,
	    a->tok_in, a->tok_out, a->log_path ? "; audit log: " : "",
	    a->log_path ? a->log_path : "");
}

/* ---- start ---------------------------------------------------------------- */

static json_t *
read_config(void)
{
	static char buf[CONFIG_MAX + 1];
	size_t len = 0;
	ssize_t n;
	json_t *c;

	while ((n = read(AGENT_FD_CONFIG, buf + len, CONFIG_MAX - len)) > 0)
		len += (size_t)n;
	if (n < 0)
		fatal("its configuration (fd %d)", AGENT_FD_CONFIG);
	close(AGENT_FD_CONFIG);
	if ((c = json_loadb(buf, len, 0, NULL)) == NULL || !json_is_object(c) ||
	    !json_is_string(json_object_get(c, "model")) ||
	    !json_is_array(json_object_get(c, "tools")) ||
	    !json_is_integer(json_object_get(c, "max_turns")))
		fatalx("its configuration is not one the broker makes");
	return c;
}

/* The prompt on stdin (the operator's, piped by the supervisor): all of
 * it, or (interactive) one line; NULL at its end. Longer than
 * AGENT_PROMPT_MAX: refused, never cut. */
static char *
read_prompt(int line)
{
	static char buf[AGENT_PROMPT_MAX + 2];
	size_t len = 0;
	ssize_t n = 0;

	while (len <= AGENT_PROMPT_MAX) {
		n = read(0, buf + len, line ? 1 : AGENT_PROMPT_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (line && buf[len - 1] == '\n')
			break;
	}
	if (len > AGENT_PROMPT_MAX)
		fatalx("the prompt on stdin is longer than %d bytes",
		    AGENT_PROMPT_MAX);
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	buf[len] = '\0';
	return len > 0 || (line && n > 0) ? buf : NULL;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "prompt", required_argument, NULL, 'p' },
		{ "log-path", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	static char outbuf[16 * 1024];
	struct agent a;
	const char *prompt = NULL, *inst;
	char *line;
	int ch, interactive = 0, rc = 0;

	memset(&a, 0, sizeof(a));
	log_init("aksup-agent");
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'q': a.quiet = 1; break;
		case 'i': interactive = 1; break;
		case 'p': prompt = optarg; break;
		case 'l': a.log_path = optarg; break;
		default: fatalx("usage: aksup-agent [--quiet] [--interactive] "
		    "[--prompt TEXT] [--log-path FILE]");
		}
	}
	json_object_seed(0);	/* before the filter: reads /dev/urandom */
	a.cfg = read_config();
	if ((a.ans = malloc(AKSUP_MSG_MAX + 1)) == NULL)
		fatal("malloc");
	/* a fixed buffer: no lazy fstat or isatty() after the filter */
	setvbuf(stdout, outbuf, _IOLBF, sizeof(outbuf));
	a.fd = AGENT_FD;
	sandbox_enter(ROLE_AGENT_BUILTIN);

	a.model = json_string_value(json_object_get(a.cfg, "model"));
	a.cfg_tools = json_object_get(a.cfg, "tools");
	a.tools = tools_offered(a.cfg_tools);
	a.msgs = json_array();
	inst = json_string_value(json_object_get(a.cfg, "instructions"));
	if (a.tools == NULL || a.msgs == NULL || (inst != NULL &&
	    json_array_append_new(a.msgs, json_pack("{s:s, s:s}", "role",
	    "system", "content", inst)) < 0))
		fatalx("out of memory");
	if (prompt != NULL)
		rc = run_prompt(&a, prompt);
	else if (!interactive) {
		if ((line = read_prompt(0)) == NULL)
			fatalx("no prompt: give PROMPT or write it on stdin");
		rc = run_prompt(&a, line);
	} else {
		fprintf(stderr, "> ");
		while ((line = read_prompt(1)) != NULL) {
			if (line[0] != '\0')
				rc = run_prompt(&a, line);
			fprintf(stderr, "> ");
		}
	}
	summary(&a);
	json_decref(a.msgs);
	json_decref(a.tools);
	json_decref(a.cfg);
	free(a.ans);
	return rc;
}
