/*
 * workers/llm/llm.c -- aksup-worker-llm: makes each allowed model call
 * (llm.chat, target "provider/model") and answers the model's message.
 * It alone holds the API keys: it builds the provider's request from
 * the conversation (common/llm/chat.c: the OpenAI chat API, or
 * Anthropic's Messages API), sends it to the provider's endpoint the
 * operator configured (never one the agent names), retries 429 and 5xx
 * with a bounded back-off, and answers the tokens used and the model's
 * message in the neutral form the agent parses. "replay/ANY" plays the
 * operator's transcript instead, one answer per call, offline.
 *
 * Runs in: aksup-worker-llm, on the shared worker loop (one call at a
 * time). Privilege: its own uid, no capability, the host's network (no
 * network namespace), Landlock LLK_CA_FILES (read-only: the CA bundle
 * and the resolver's files), the http worker's seccomp list
 * (sc_worker_http: TCP sockets only). It holds the broker channel and
 * the keys' values (read from LLM_FD_KEYS and closed before
 * confinement); it is not dumpable. Input: the broker's requests (a
 * confined peer: every length checked), the supervisor's argv, keys and
 * transcript (trusted, checked), and the providers' answers (anyone's
 * bytes: bounded, parsed by chat.c).
 */
#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "common/fds.h"
#include "common/log.h"
#include "common/util.h"
#include "common/wire.h"
#include "workers/creds.h"
#include "workers/http/curlenv.h"
#include "common/llm/chat.h"
#include "workers/worker.h"

#define EPS_MAX		32		/* built-in and --llm providers */
#define TRIES		4		/* a call and its retries */
#define BACKOFF_MS_MAX	(30 * 1000)	/* a Retry-After, at most */
#define REPLAY_MAX	(16u << 20)	/* a transcript, bytes */

struct endpoint {
	char name[33];
	const char *url;		/* argv's; no trailing '/' needed */
	enum llm_api api;
	const char *key;		/* the value, or NULL: none */
	const char *keyname;		/* its source, for messages */
};

static struct endpoint eps[EPS_MAX];
static size_t neps;
static struct credstore keys;
static char *keys_blob;
static CURLM *multi;
static char *replay;			/* the transcript, NUL-terminated */
static size_t replay_len, replay_off;
static unsigned replay_turn, replay_line;	/* answers taken, lines read */
static int replay_on;

/* ---- start, before confinement ----------------------------------------- */

static struct endpoint *
endpoint_of(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < neps; i++)
		if (strlen(eps[i].name) == len &&
		    memcmp(eps[i].name, name, len) == 0)
			return &eps[i];
	return NULL;
}

/* "NAME=URL", "key:NAME=SOURCE" (SOURCE's value in the keys' memfd). */
static void
arg_endpoint(const char *a)
{
	const char *eq = strchr(a, '=');
	struct endpoint *e;

	if (eq == NULL || eq == a || (size_t)(eq - a) >= sizeof(e->name) ||
	    neps == EPS_MAX || endpoint_of(a, (size_t)(eq - a)) != NULL)
		fatalx("usage: aksup-worker-llm NAME=URL... [key:NAME=SOURCE]... "
		    "[replay]");
	e = &eps[neps++];
	memcpy(e->name, a, (size_t)(eq - a));
	e->url = eq + 1;
	e->api = strcmp(e->name, "anthropic") == 0 ? LLM_API_ANTHROPIC :
	    LLM_API_OPENAI;
}

static void
arg_key(const char *a)
{
	const char *eq = strchr(a, '=');
	struct endpoint *e;
	size_t i;

	if (eq == NULL || (e = endpoint_of(a, (size_t)(eq - a))) == NULL)
		fatalx("key %s: no such provider before it", a);
	for (i = 0; i < keys.n; i++)
		if (strcmp(keys.src[i], eq + 1) == 0)
			break;
	if (i == keys.n)
		fatalx("key %s: not among the values given", a);
	e->key = keys.val[i];
	e->keyname = creds_display(keys.src[i]);
}

/* The transcript, whole, from the supervisor's descriptor. */
static void
replay_read(void)
{
	size_t cap = 64 * 1024;
	ssize_t n;

	if ((replay = malloc(cap + 1)) == NULL)
		fatal("malloc");
	for (;;) {
		if (replay_len == cap) {
			if (cap >= REPLAY_MAX)
				fatalx("the replay transcript is larger than "
				    "%u bytes", REPLAY_MAX);
			cap *= 2;
			if ((replay = realloc(replay, cap + 1)) == NULL)
				fatal("realloc");
		}
		n = read(LLM_FD_REPLAY, replay + replay_len, cap - replay_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fatal("the replay transcript");
		if (n == 0)
			break;
		replay_len += (size_t)n;
	}
	replay[replay_len] = '\0';
	close(LLM_FD_REPLAY);
	replay_on = 1;
}

static void
init(int argc, char **argv)
{
	int i;

	/* before it reads a key: no ptrace, no /proc/PID/mem of a process
	 * holding one (sandbox_enter says it again) */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		fatal("PR_SET_DUMPABLE");
	/* a provider that closes first is an EPIPE, never our death */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fatal("signal");
	creds_read_fd(LLM_FD_KEYS, &keys, &keys_blob);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "replay") == 0 && !replay_on)
			replay_read();
		else if (strncmp(argv[i], "key:", 4) == 0)
			arg_key(argv[i] + 4);
		else
			arg_endpoint(argv[i]);
	}
	multi = curlenv_prepare(CURLENV_SYSTEM_CA);
}

/* ---- one call ---------------------------------------------------------- */

/* A response body, kept up to LLM_BODY_MAX (then the call fails). */
struct body {
	char *buf;
	size_t len, cap;
	int over;
	long retry_after_ms;	/* a Retry-After header; -1: none */
};

static size_t
on_body(char *b, size_t size, size_t n, void *p)
{
	struct body *bd = p;
	size_t len = size * n, cap;
	char *nb;

	if (bd->len + len > LLM_BODY_MAX) {
		bd->over = 1;
		return 0;	/* ends the transfer: CURLE_WRITE_ERROR */
	}
	if (bd->len + len + 1 > bd->cap) {
		cap = bd->cap ? bd->cap : 16 * 1024;
		while (cap < bd->len + len + 1)
			cap *= 2;
		if ((nb = realloc(bd->buf, cap)) == NULL)
			return 0;
		bd->buf = nb;
		bd->cap = cap;
	}
	memcpy(bd->buf + bd->len, b, len);
	bd->len += len;
	bd->buf[bd->len] = '\0';
	return len;
}

/* Retry-After: seconds (an HTTP date is not followed: the back-off's). */
static size_t
on_header(char *b, size_t size, size_t n, void *p)
{
	struct body *bd = p;
	size_t len = size * n;
	char num[16];
	long s;

	if (len > 12 && len < 12 + sizeof(num) &&
	    strncasecmp(b, "retry-after:", 12) == 0) {
		memcpy(num, b + 12, len - 12);
		num[len - 12] = '\0';
		if (sscanf(num, " %ld", &s) == 1 && s >= 0)
			bd->retry_after_ms = s > BACKOFF_MS_MAX / 1000 ?
			    BACKOFF_MS_MAX : s * 1000;
	}
	return len;
}

/* Wait ms (the multi handle has no transfer: a poll of nothing). */
static void
pause_ms(long ms)
{
	if (ms > 0)
		(void)curl_multi_poll(multi, NULL, 0, (int)ms, NULL);
}

/* One exchange through the worker's multi handle (its IPv6 probe and
 * resolver prepared before confinement). */
static CURLcode
perform(CURL *e)
{
	CURLcode rc = CURLE_OK;
	struct CURLMsg *m;
	int running = 1, q;

	if (curl_multi_add_handle(multi, e) != CURLM_OK)
		return CURLE_OUT_OF_MEMORY;
	while (running > 0) {
		if (curl_multi_perform(multi, &running) != CURLM_OK)
			break;
		if (running > 0 && curl_multi_poll(multi, NULL, 0, 1000,
		    NULL) != CURLM_OK)
			break;
	}
	while ((m = curl_multi_info_read(multi, &q)) != NULL)
		if (m->msg == CURLMSG_DONE && m->easy_handle == e)
			rc = m->data.result;
	curl_multi_remove_handle(multi, e);
	return rc;
}

struct call {
	const struct endpoint *ep;
	const char *body;		/* the provider's request */
	long long max_out;		/* the most it may generate */
	long sent;			/* the last try's request bytes sent */
	struct llm_usage charge;	/* what its failed tries may have
					 * cost: each one the provider may
					 * have answered, unread (a timeout,
					 * an answer too large) */
	struct body resp;
	long status;
	char url[LLM_URL_MAX + 32];
	char *auth;			/* the key's header, malloc'd */
};

static int
headers(struct call *c, struct curl_slist **h)
{
	struct curl_slist *n;

	*h = curl_slist_append(NULL, "Content-Type: application/json");
	if (*h == NULL)
		return -1;
	if (c->ep->api == LLM_API_ANTHROPIC && (n = curl_slist_append(*h,
	    "anthropic-version: 2023-06-01")) != NULL)
		*h = n;
	if (c->ep->key == NULL)
		return 0;
	/* Anthropic's header; Azure OpenAI's for its keys ("azure"); else
	 * a bearer token (OpenAI and the servers that speak its API) */
	if (asprintf(&c->auth, "%s%s", c->ep->api == LLM_API_ANTHROPIC ?
	    "x-api-key: " : strcmp(c->ep->name, "azure") == 0 ? "api-key: " :
	    "Authorization: Bearer ", c->ep->key) < 0) {
		c->auth = NULL;
		return -1;
	}
	if ((n = curl_slist_append(*h, c->auth)) == NULL)
		return -1;
	*h = n;
	return 0;
}

/* Wipe what held a key (the header's text, curl's copies of it). */
static void
headers_free(struct call *c, struct curl_slist *h)
{
	struct curl_slist *l;

	for (l = h; l != NULL; l = l->next)
		explicit_bzero(l->data, strlen(l->data));
	curl_slist_free_all(h);
	if (c->auth != NULL)
		explicit_bzero(c->auth, strlen(c->auth));
	free(c->auth);
	c->auth = NULL;
}

/* One try: the status (0: no HTTP answer, *rc why). */
static void
try_once(struct call *c, struct curl_slist *h, long ms, CURLcode *rc)
{
	CURL *e;

	free(c->resp.buf);
	memset(&c->resp, 0, sizeof(c->resp));
	c->resp.retry_after_ms = -1;
	c->status = 0;
	if ((e = curl_easy_init()) == NULL) {
		*rc = CURLE_OUT_OF_MEMORY;
		return;
	}
	(void)curl_easy_setopt(e, CURLOPT_URL, c->url);
	(void)curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	(void)curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	(void)curl_easy_setopt(e, CURLOPT_POSTFIELDS, c->body);
	(void)curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)strlen(c->body));
	(void)curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	(void)curl_easy_setopt(e, CURLOPT_WRITEDATA, &c->resp);
	(void)curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	(void)curl_easy_setopt(e, CURLOPT_HEADERDATA, &c->resp);
	(void)curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, ms);
	(void)curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, ms < 30000 ?
	    ms : 30000L);
	(void)curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	(void)curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	/* the operator's endpoint itself, never through a proxy an
	 * environment variable would name */
	(void)curl_easy_setopt(e, CURLOPT_PROXY, "");
	(void)curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	(void)curl_easy_setopt(e, CURLOPT_CAINFO, CURLENV_SYSTEM_CA);
	(void)curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
	*rc = perform(e);
	if (*rc == CURLE_OK)
		(void)curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &c->status);
	/* whether the request left (a connect that timed out sent none) */
	c->sent = 0;
	(void)curl_easy_getinfo(e, CURLINFO_REQUEST_SIZE, &c->sent);
	curl_easy_cleanup(e);
}

static int
retryable(long status, CURLcode rc)
{
	if (status == 429 || status == 500 || status == 502 ||
	    status == 503 || status == 504 || status == 529)
		return 1;
	return status == 0 && (rc == CURLE_GOT_NOTHING ||
	    rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR ||
	    rc == CURLE_COULDNT_CONNECT);
}

/* A try the provider may have answered (and billed), never read: its
 * input's estimate and all it may generate. */
static void
charge_unread(struct call *c)
{
	c->charge.input += (long long)(strlen(c->body) / 4 + 1);
	c->charge.output += c->max_out;
}

/* Why a call came to nothing, for the agent (never a key). */
static void
why_failed(struct call *c, CURLcode rc, int tries, char *msg, size_t len)
{
	char pm[300];

	/* a provider that echoes the request would show the agent a key */
	creds_mask(&keys, c->resp.buf, c->resp.len);
	if (c->resp.over)
		snprintf(msg, len, "the model provider's answer is larger "
		    "than %u bytes", LLM_BODY_MAX);
	else if (c->status == 0)
		snprintf(msg, len, "the model provider %s could not be "
		    "reached (%s%s)", c->ep->name, rc == CURLE_OPERATION_TIMEDOUT ?
		    "no answer in time: " : "", curl_easy_strerror(rc));
	else {
		if (llm_error_message(c->resp.buf ? c->resp.buf : "",
		    c->resp.len, pm, sizeof(pm)) < 0)
			snprintf(pm, sizeof(pm), "no message");
		snprintf(msg, len, "the model provider %s answered HTTP %ld%s: "
		    "%s", c->ep->name, c->status, tries > 1 ? " (tried again, "
		    "the last answer)" : "", pm);
	}
	creds_scrub(&keys, msg);
}

/* The call's tries, within ms; 0 with the 2xx body in c->resp, or -1
 * with msg. */
static int
call_provider(struct call *c, long ms, char *msg, size_t len)
{
	uint64_t end = now_ns() + (uint64_t)ms * 1000000ull, now;
	struct curl_slist *h = NULL;
	long backoff = 1000, wait, left;
	CURLcode rc = CURLE_OK;
	int t, ret = -1;

	if (headers(c, &h) < 0) {
		snprintf(msg, len, "out of memory");
		goto out;
	}
	for (t = 1; t <= TRIES; t++) {
		/* each try has what is left of the call's time */
		left = (long)((end - now_ns()) / 1000000ull);
		try_once(c, h, left > 0 ? left : 1, &rc);
		if (c->status >= 200 && c->status < 300 && !c->resp.over) {
			ret = 0;
			goto out;
		}
		/* sent and maybe answered (billed) but never read */
		if ((rc == CURLE_OPERATION_TIMEDOUT && c->sent > 0) ||
		    c->resp.over)
			charge_unread(c);
		if (t == TRIES || !retryable(c->status, rc))
			break;
		/* the provider's word, or 1, 2, 4 s; never past the end */
		wait = c->resp.retry_after_ms >= 0 ? c->resp.retry_after_ms :
		    backoff;
		backoff *= 2;
		now = now_ns();
		if (now + (uint64_t)wait * 1000000ull + 1000000000ull >= end)
			break;
		pause_ms(wait);
	}
	why_failed(c, rc, t, msg, len);
out:
	headers_free(c, h);
	return ret;
}

/* ---- answers ----------------------------------------------------------- */

/* The neutral answer's JSON (the usage goes before it: metered). */
static void
reply_answer(struct reply *r, json_t *answer, uint32_t data_max)
{
	char *text;
	size_t n;

	if ((text = json_dumps(answer, JSON_COMPACT)) == NULL) {
		reply_error(r, "out of memory");
		return;
	}
	n = strlen(text);
	if (n > data_max) {
		free(text);
		reply_error(r, "the model's answer (%zu bytes) is larger than "
		    "the agent channel carries (%u)", n, data_max);
		return;
	}
	/* a key an endpoint echoed, escaped in its JSON (a "\/"), shows
	 * up again once decoded */
	creds_mask(&keys, text, n);
	free(r->buf);
	r->buf = text;
	r->len = n;
	r->kind = REPLY_JSON;
}

/* Every answer, an error's too, begins with struct llm_usage_wire: the
 * tokens the call used, or may have cost (the broker counts them). */
static void
metered(struct reply *r, const struct llm_usage *u)
{
	struct llm_usage_wire w;
	char *b;

	w.input = u->input > 0 ? (uint64_t)u->input : 0;
	w.output = u->output > 0 ? (uint64_t)u->output : 0;
	if ((b = malloc(sizeof(w) + r->len)) == NULL)
		fatal("malloc");
	memcpy(b, &w, sizeof(w));
	memcpy(b + sizeof(w), r->buf, r->len);
	free(r->buf);
	r->buf = b;
	r->len += sizeof(w);
}

/* replay/ANY: the transcript's next answer (a JSON object per line;
 * blank lines and lines beginning with '#' skipped), its usage in *u. */
static void
replay_next(struct reply *r, uint32_t data_max, struct llm_usage *u)
{
	char err[300];
	json_t *a;
	char *nl;
	size_t n;

	if (!replay_on) {
		reply_error(r, "no replay transcript: the operator gives one "
		    "with aksup run --llm-replay FILE");
		return;
	}
	for (;;) {
		if (replay_off >= replay_len) {
			reply_error(r, "the replay transcript has no answer "
			    "left (it had %u)", replay_turn);
			return;
		}
		nl = memchr(replay + replay_off, '\n', replay_len - replay_off);
		n = nl != NULL ? (size_t)(nl - (replay + replay_off)) :
		    replay_len - replay_off;
		replay_line++;
		if (n > 0 && replay[replay_off] != '#' &&
		    strspn(replay + replay_off, " \t\r") < n)
			break;
		replay_off += n + 1;
	}
	a = llm_answer_check(replay + replay_off, n, u, err, sizeof(err));
	replay_off += n + 1;
	replay_turn++;
	if (a == NULL) {
		reply_error(r, "the replay transcript's line %u (answer %u): %s",
		    replay_line, replay_turn, err);
		return;
	}
	reply_answer(r, a, data_max);
	json_decref(a);
}

/* The broker's LLM_REQ, read: the model and the params. 0 or -1. */
static int
read_req(const uint8_t *p, size_t len, struct llm_req *lr, char *model,
    json_t **params)
{
	if (len < sizeof(*lr))
		return -1;
	memcpy(lr, p, sizeof(*lr));
	if (lr->model_len == 0 || lr->model_len > LLM_MODEL_MAX ||
	    (uint64_t)lr->model_len + lr->params_len != len - sizeof(*lr))
		return -1;
	memcpy(model, p + sizeof(*lr), lr->model_len);
	model[lr->model_len] = '\0';
	if (strlen(model) != lr->model_len)
		return -1;
	*params = json_loadb((const char *)p + sizeof(*lr) + lr->model_len,
	    lr->params_len, JSON_REJECT_DUPLICATES, NULL);
	return *params != NULL && json_is_object(*params) ? 0 : -1;
}

/* The API's path after the endpoint's; a query the endpoint carries
 * (Azure's ?api-version=...) after both. -1: too long. */
static int
endpoint_url(const struct endpoint *ep, char *url, size_t cap)
{
	const char *q = strchr(ep->url, '?');
	size_t n = q != NULL ? (size_t)(q - ep->url) : strlen(ep->url);

	return (size_t)snprintf(url, cap, "%.*s%s%s%s", (int)n, ep->url,
	    n > 0 && ep->url[n - 1] == '/' ? "" : "/",
	    ep->api == LLM_API_ANTHROPIC ? "messages" : "chat/completions",
	    q != NULL ? q : "") >= cap ? -1 : 0;
}

static void
handle(const uint8_t *p, size_t len, struct reply *r)
{
	char model[LLM_MODEL_MAX + 1], err[300], msg[600];
	struct call c;
	struct llm_req lr;
	struct llm_usage u = { 0, 0 };
	json_t *params = NULL, *answer = NULL, *mt;
	const char *sl;
	char *req = NULL;

	memset(&c, 0, sizeof(c));
	if (read_req(p, len, &lr, model, &params) < 0)
		fatalx("protocol violation from broker: bad LLM_REQ");
	sl = strchr(model, '/');
	if (sl == NULL || sl == model || sl[1] == '\0') {
		reply_error(r, "not a model \"provider/model\"");
		goto out;
	}
	if (llm_params_check(params, err, sizeof(err)) < 0) {
		reply_error(r, "%s", err);
		goto out;
	}
	if ((size_t)(sl - model) == 6 && strncmp(model, "replay", 6) == 0) {
		replay_next(r, lr.data_max, &u);
		goto out;
	}
	if ((c.ep = endpoint_of(model, (size_t)(sl - model))) == NULL) {
		reply_error(r, "no such model provider \"%.*s\": aksup knows "
		    "openai, anthropic, ollama, replay and those the operator "
		    "names with --llm NAME=URL", (int)(sl - model), model);
		goto out;
	}
	if (c.ep->key == NULL && c.ep->api == LLM_API_ANTHROPIC) {
		reply_error(r, "no API key for %s: the operator sets "
		    "ANTHROPIC_API_KEY in aksup's environment or gives --llm-key "
		    "%s=FILE", c.ep->name, c.ep->name);
		goto out;
	}
	if (c.ep->key == NULL && strcmp(c.ep->name, "openai") == 0) {
		reply_error(r, "no API key for openai: the operator sets "
		    "OPENAI_API_KEY in aksup's environment or gives --llm-key "
		    "openai=FILE");
		goto out;
	}
	/* the session's budget left caps what it may generate */
	mt = json_object_get(params, "max_tokens");
	if (lr.max_tokens > 0 && (!json_is_integer(mt) ||
	    json_integer_value(mt) > (json_int_t)lr.max_tokens))
		(void)json_object_set_new(params, "max_tokens",
		    json_integer(lr.max_tokens));
	if ((req = llm_request(c.ep->api, sl + 1, params, err,
	    sizeof(err))) == NULL) {
		reply_error(r, "%s", err);
		goto out;
	}
	if (endpoint_url(c.ep, c.url, sizeof(c.url)) < 0) {
		reply_error(r, "the provider's URL is too long");
		goto out;
	}
	c.body = req;
	mt = json_object_get(params, "max_tokens");
	c.max_out = json_is_integer(mt) ? json_integer_value(mt) :
	    LLM_DEFAULT_MAX_TOKENS;
	if (call_provider(&c, (long)lr.timeout_ms, msg, sizeof(msg)) < 0) {
		u = c.charge;
		reply_error(r, "%s", msg);
		goto out;
	}
	/* a provider that echoes the request would hand the agent a key */
	creds_mask(&keys, c.resp.buf, c.resp.len);
	if ((answer = llm_response(c.ep->api, c.resp.buf ? c.resp.buf : "",
	    c.resp.len, &u, err, sizeof(err))) == NULL) {
		/* answered, so billed, but unread: what it may have cost */
		charge_unread(&c);
		u = c.charge;
		reply_error(r, "%s", err);
		goto out;
	}
	u.input += c.charge.input;	/* (failed tries before it) */
	u.output += c.charge.output;
	reply_answer(r, answer, lr.data_max);
out:
	metered(r, &u);
	json_decref(answer);
	json_decref(params);
	free(req);
	free(c.resp.buf);
}

static void
fini(void)
{
	size_t i;

	curl_multi_cleanup(multi);
	free(replay);
	for (i = 0; i < keys.n; i++)	/* the values lie in the blob */
		explicit_bzero((char *)keys.val[i], strlen(keys.val[i]));
	free(keys_blob);
}

int
main(int argc, char **argv)
{
	static const struct worker_def def = {
		.name = "llm worker",
		.role = ROLE_WORKER_LLM,
		.req_type = WIRE_LLM_REQ,
		.resp_type = WIRE_LLM_RESP,
		.init = init,
		.handle = handle,
		.fini = fini,
	};

	return worker_main(&def, argc, argv);
}
