/*
 * broker/prov_llm.c -- the llm provider's hooks: an allowed llm.chat
 * (target "provider/model", params the conversation) as the llm worker's
 * LLM_REQ, capped by what is left of the session's token budget; its
 * LLM_RESP (the tokens used, then the model's answer) as the agent's
 * data. The broker relays the answer: the agent parses it.
 *
 * Runs in: the broker (confined). Privilege: none. Pure but for the
 * session's token count, which the broker's loop keeps (llm_tokens).
 * Input: the agent's params (typed by the row; the worker checks the
 * conversation itself) and the llm worker's answer (a confined peer's
 * bytes: its usage header read, its JSON checked to be an object).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/provider.h"
#include "common/llm/chat.h"

_Static_assert(sizeof(struct llm_req) <= FWD_HDR_MAX &&
    _Alignof(struct llm_req) <= 8, "the llm header fits struct fwd");

size_t llm_data_max = AGENT_MSG_MAX - 16 * 1024;
struct llm_tokens llm_tokens;

/* "provider/model": a provider name of lower-case letters, digits, '-'
 * and '_' (at most 32), a '/', then a model name of printable ASCII
 * without spaces (at most LLM_MODEL_MAX in all). Checked before the
 * decision: anything else is malformed. */
int
llm_target_check(const char *target, size_t len, char *why, size_t whylen)
{
	const char *sl = memchr(target, '/', len);
	size_t i, np = sl != NULL ? (size_t)(sl - target) : 0;

	if (len > LLM_MODEL_MAX || strlen(target) != len || np == 0 ||
	    np > 32 || np + 1 >= len)
		goto bad;
	for (i = 0; i < np; i++)
		if (!islower((unsigned char)target[i]) &&
		    !isdigit((unsigned char)target[i]) && target[i] != '-' &&
		    target[i] != '_')
			goto bad;
	for (i = np + 1; i < len; i++)
		if (target[i] <= ' ' || target[i] > '~')
			goto bad;
	return 0;
bad:
	snprintf(why, whylen, "target is not a model \"provider/model\" "
	    "(openai/gpt-4o-mini: a provider of lower-case letters, digits, "
	    "- and _, then the model, printable, no space, at most %d "
	    "bytes)", LLM_MODEL_MAX);
	return -1;
}

/* Before the decision: the conversation is one the worker takes
 * (common/llm/chat.c, the same check it makes again), the timeout a
 * number of seconds from 1 to LLM_TIMEOUT_MAX. */
int
llm_canon(json_t *params, char *why, size_t whylen)
{
	const json_t *t = json_object_get(params, "timeout");
	json_t *conv;
	int rc;

	if (json_is_number(t) && (json_number_value(t) < 1 ||
	    json_number_value(t) > LLM_TIMEOUT_MAX)) {
		snprintf(why, whylen, "params.timeout must be a number of "
		    "seconds from 1 to %d", LLM_TIMEOUT_MAX);
		return -1;
	}
	/* without one, nothing to check here: an allowed call without
	 * messages is refused by the row's provider stage (required) */
	if (json_object_get(params, "messages") == NULL)
		return 0;
	if ((conv = json_copy(params)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	(void)json_object_del(conv, "timeout");
	rc = llm_params_check(conv, why, whylen);
	json_decref(conv);
	return rc;
}

unsigned long long
llm_input_estimate(size_t params_len)
{
	return params_len / 4 + 1;
}

int
llm_budget_refusal(long long budget, size_t params_len, char *why,
    size_t whylen)
{
	long long left = llm_tokens_left(budget);
	unsigned long long est = llm_input_estimate(params_len);

	if (budget <= 0 || (left > 0 && (unsigned long long)left > est))
		return 0;
	if (llm_tokens.used >= (unsigned long long)budget)
		snprintf(why, whylen, "token budget exhausted: this session's "
		    "model calls used %llu tokens of the %lld its rule allows",
		    llm_tokens.used, budget);
	else
		snprintf(why, whylen, "token budget: %lld tokens left of the "
		    "%lld its rule allows (%llu used, %llu held by calls "
		    "running), not more than this call's input (about %llu "
		    "tokens)", left, budget, llm_tokens.used,
		    llm_tokens.reserved, est);
	return 1;
}

long long
llm_tokens_left(long long budget)
{
	unsigned long long spent = llm_tokens.used + llm_tokens.reserved;

	if (budget <= 0)
		return -1;
	return spent >= (unsigned long long)budget ? 0 :
	    budget - (long long)spent;
}

int
llm_encode(struct fwd *f, const struct policy *p, const char *action,
    json_t *params, const char *target, const struct policy_decision *d,
    const char **err)
{
	struct llm_req *lr = (struct llm_req *)(void *)f->hdr;
	const json_t *mt = json_object_get(params, "max_tokens");
	const json_t *to = json_object_get(params, "timeout");
	long long want = json_is_integer(mt) ? json_integer_value(mt) : 0;
	long long left = llm_tokens_left(d->token_budget);
	double secs = json_is_number(to) ? json_number_value(to) : 120;
	unsigned long long est;
	char *text;

	(void)p;
	(void)action;
	/* the timeout is the broker's and the worker's, not the model's
	 * (decided and recorded with the rest) */
	(void)json_object_del(params, "timeout");
	if ((text = json_dumps(params, JSON_COMPACT)) == NULL) {
		*err = "out of memory";
		return -1;
	}
	est = llm_input_estimate(strlen(text));
	/* what is left of the budget, past the input's estimate, caps what
	 * the call may generate (the gate denied it when nothing is left);
	 * a call that names no bound under a budget gets the usual one,
	 * never the whole budget (a provider refuses more than its model
	 * writes) */
	if (d->token_budget > 0) {
		left = left > (long long)est ? left - (long long)est : 1;
		if (want <= 0)
			want = LLM_DEFAULT_MAX_TOKENS;
		if (want > left)
			want = left;
	}
	if (want > LLM_MAX_TOKENS_MAX)
		want = LLM_MAX_TOKENS_MAX;
	if (strlen(text) + strlen(target) > WIRE_PAYLOAD_MAX - sizeof(*lr)) {
		free(text);
		*err = "request too large";
		return -1;
	}
	memset(lr, 0, sizeof(*lr));
	lr->timeout_ms = (uint32_t)(secs * 1000);
	lr->data_max = (uint32_t)llm_data_max;
	lr->max_tokens = (uint32_t)(want > 0 ? want : 0);
	lr->model_len = (uint32_t)strlen(target);
	lr->params_len = (uint32_t)strlen(text);
	f->run_ms = lr->timeout_ms + 5000;
	/* what it may read and generate is held from the budget until it
	 * answers (then what it used is counted instead) */
	f->tokens = lr->max_tokens + (uint32_t)est;
	f->owned = text;
	f->iov[0].iov_base = lr;
	f->iov[0].iov_len = sizeof(*lr);
	f->iov[1].iov_base = (void *)target;
	f->iov[1].iov_len = lr->model_len;
	f->iov[2].iov_base = text;
	f->iov[2].iov_len = lr->params_len;
	f->iovcnt = 3;
	return 0;
}

/* An answer: struct llm_usage_wire, then a JSON object (the worker built
 * it from the provider's answer, checked there), or why there is none. */
int
llm_result(const struct provider *pv, uint32_t kind, const char *raw,
    size_t len, struct growbuf *esc, const char **data, size_t *dlen,
    const char **err)
{
	(void)pv;
	(void)esc;
	*data = NULL;
	/* every answer begins with the tokens the call used or may have
	 * cost (inflight.c counted them) */
	if (len < sizeof(struct llm_usage_wire))
		return -1;
	return provider_object_result(kind, raw + sizeof(struct
	    llm_usage_wire), len - sizeof(struct llm_usage_wire), data, dlen,
	    err);
}
