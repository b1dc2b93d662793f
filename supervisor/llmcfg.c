/*
 * supervisor/llmcfg.c -- the model providers the llm worker may call
 * (llm.chat): the built-in endpoints (openai, anthropic, ollama), the
 * operator's --llm NAME=URL (another endpoint, or one of those moved),
 * --llm-key NAME=FILE and --llm-replay FILE; the worker's argv
 * ("NAME=URL" per provider, "key:NAME=SOURCE" per key it has), its keys
 * in a sealed memfd (supervisor/creds.c's reader) and the transcript's
 * descriptor. No key is in any argv, environment or log: each is read
 * once here and handed to the llm worker alone.
 *
 * Runs in: aksup (the supervisor), unconfined, as the invoking user (or
 * root), before the llm worker starts. Input: the operator's options,
 * environment (NAME_API_KEY: OPENAI_API_KEY, ANTHROPIC_API_KEY, ...)
 * and files (trusted; checked for form).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/wire.h"
#include "supervisor/session.h"

static const struct {
	const char *name, *url;
} builtin[] = {
	{ "openai", "https://api.openai.com/v1" },
	{ "anthropic", "https://api.anthropic.com/v1" },
	{ "ollama", "http://127.0.0.1:11434/v1" },
};
#define NBUILTIN	(sizeof(builtin) / sizeof(builtin[0]))

int
llmcfg_opt(int ch, const char *arg, struct session_cfg *cfg)
{
	switch (ch) {
	case LLM_OPT_URL:
		if (cfg->nllm < LLM_PROVIDERS_MAX)
			cfg->llm[cfg->nllm] = arg;
		cfg->nllm++;
		return 1;
	case LLM_OPT_KEY:
		if (cfg->nllm_key < LLM_PROVIDERS_MAX)
			cfg->llm_key[cfg->nllm_key] = arg;
		cfg->nllm_key++;
		return 1;
	case LLM_OPT_REPLAY:
		cfg->llm_replay = arg;
		return 1;
	}
	return 0;
}

/* NAME of "NAME=REST" (a provider: lower-case letters, digits, - and _,
 * at most 32), its length; 0 when it is not one. */
static size_t
name_len(const char *s)
{
	size_t n = 0;

	while (n <= 32 && (islower((unsigned char)s[n]) ||
	    isdigit((unsigned char)s[n]) || s[n] == '-' || s[n] == '_'))
		n++;
	return n > 0 && n <= 32 && s[n] == '=' ? n : 0;
}

static int
url_ok(const char *u)
{
	size_t i;

	if (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0)
		return 0;
	for (i = 0; u[i] != '\0'; i++)
		if ((unsigned char)u[i] <= ' ' || (unsigned char)u[i] > '~')
			return 0;
	return i <= LLM_URL_MAX;
}

/* Whether the name of opts[k] is given before it. */
static int
twice(const char *const *opts, unsigned k)
{
	size_t l = name_len(opts[k]);
	unsigned i;

	for (i = 0; i < k; i++)
		if (name_len(opts[i]) == l && strncmp(opts[i], opts[k], l) == 0)
			return 1;
	return 0;
}

/* The operator's --llm entry for name, or NULL. */
static const char *
given(const char *const *opts, unsigned n, const char *name, size_t l)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (name_len(opts[i]) == l && strncmp(opts[i], name, l) == 0)
			return opts[i] + l + 1;
	return NULL;
}

/* Whether name (l bytes) is a built-in provider's. */
static int
builtin_name(const char *name, size_t l)
{
	size_t i;

	for (i = 0; i < NBUILTIN; i++)
		if (strlen(builtin[i].name) == l &&
		    strncmp(builtin[i].name, name, l) == 0)
			return 1;
	return 0;
}

int
llmcfg_check(const struct session_cfg *cfg)
{
	unsigned i;
	size_t n;

	if (cfg->nllm > LLM_PROVIDERS_MAX || cfg->nllm_key >
	    LLM_PROVIDERS_MAX) {
		log_warnx("--llm and --llm-key: at most %d of each",
		    LLM_PROVIDERS_MAX);
		return -1;
	}
	for (i = 0; i < cfg->nllm; i++) {
		n = name_len(cfg->llm[i]);
		if (n == 0 || !url_ok(cfg->llm[i] + n + 1)) {
			log_warnx("--llm %s: NAME=URL, NAME of lower-case "
			    "letters, digits, - and _ (at most 32), URL http:// "
			    "or https:// without spaces (at most %d bytes), as "
			    "--llm ollama=http://127.0.0.1:11434/v1",
			    cfg->llm[i], LLM_URL_MAX);
			return -1;
		}
		if (strncmp(cfg->llm[i], "replay=", 7) == 0) {
			log_warnx("--llm %s: \"replay\" is the offline model "
			    "(--llm-replay FILE)", cfg->llm[i]);
			return -1;
		}
		if (twice(cfg->llm, i)) {
			log_warnx("--llm %s: that provider is given twice",
			    cfg->llm[i]);
			return -1;
		}
	}
	for (i = 0; i < cfg->nllm_key; i++) {
		n = name_len(cfg->llm_key[i]);
		if (n == 0 || cfg->llm_key[i][n + 1] != '/' ||
		    strlen(cfg->llm_key[i] + n + 1) >= PATH_MAX - 32) {
			log_warnx("--llm-key %s: NAME=FILE, FILE an absolute "
			    "path (the key, one line), as --llm-key "
			    "openai=/etc/aksup/openai.key", cfg->llm_key[i]);
			return -1;
		}
		/* (AGENT.yaml's base_url may name it: checked once read) */
		if (cfg->agent_yaml == NULL && !builtin_name(cfg->llm_key[i],
		    n) && given(cfg->llm, cfg->nllm, cfg->llm_key[i], n) ==
		    NULL) {
			log_warnx("--llm-key %s: no provider %.*s (the known "
			    "ones are openai, anthropic, ollama; another is "
			    "named with --llm %.*s=URL)", cfg->llm_key[i],
			    (int)n, cfg->llm_key[i], (int)n, cfg->llm_key[i]);
			return -1;
		}
		if (twice(cfg->llm_key, i)) {
			log_warnx("--llm-key %s: that provider is given twice",
			    cfg->llm_key[i]);
			return -1;
		}
	}
	return 0;
}

/* The endpoints the operator gave: each --llm, then AGENT.yaml's
 * base_url ("NAME=URL", checked by the broker; "" or a replay: none). */
static unsigned
endpoints(const struct sess *s, const char **opts)
{
	unsigned i, n = 0;

	for (i = 0; i < s->cfg->nllm; i++)
		opts[n++] = s->cfg->llm[i];
	if (s->agent_endpoint != NULL && s->agent_endpoint[0] != '\0' &&
	    strncmp(s->agent_endpoint, "replay=", 7) != 0)
		opts[n++] = s->agent_endpoint;
	return n;
}

/* Every provider, in order: the built-in ones (moved by --llm or
 * AGENT.yaml's base_url), then the others named so. The name
 * (NUL-terminated, in buf) and its URL. */
static int
provider_at(const struct sess *s, unsigned k, char *name, size_t cap,
    const char **url)
{
	const char *opts[LLM_PROVIDERS_MAX + 1];
	unsigned i, j, extra = 0, nopt = endpoints(s, opts);
	size_t n;

	if (k < NBUILTIN) {
		snprintf(name, cap, "%s", builtin[k].name);
		*url = given(opts, nopt, name, strlen(name));
		if (*url == NULL)
			*url = builtin[k].url;
		return 0;
	}
	for (i = 0; i < nopt; i++) {
		n = name_len(opts[i]);
		snprintf(name, cap, "%.*s", (int)n, opts[i]);
		for (j = 0; j < NBUILTIN; j++)
			if (strcmp(name, builtin[j].name) == 0)
				break;
		if (j < NBUILTIN)
			continue;
		if (extra++ == k - NBUILTIN) {
			*url = opts[i] + n + 1;
			return 0;
		}
	}
	return -1;
}

/* Whether name's endpoint is AGENT.yaml's base_url (not the operator's
 * command line, not built in). */
static int
agent_endpoint(const struct sess *s, const char *name)
{
	size_t n = s->agent_endpoint != NULL ? name_len(s->agent_endpoint) : 0;

	return n > 0 && strlen(name) == n &&
	    strncmp(s->agent_endpoint, name, n) == 0;
}

/* The key source of provider name: FILE:/path (--llm-key), ENV:NAME_API_KEY
 * when that variable is set and not empty, or "" (none). An endpoint
 * that only AGENT.yaml's base_url gives gets a key from --llm-key alone:
 * a file that moves openai's endpoint never takes OPENAI_API_KEY along. */
static void
key_source(const struct sess *s, const char *name, char *src, size_t cap)
{
	const struct session_cfg *cfg = s->cfg;
	const char *f = given(cfg->llm_key, cfg->nllm_key, name, strlen(name));
	const char *v;
	size_t i, o;

	src[0] = '\0';
	if (f != NULL) {
		snprintf(src, cap, "FILE:%s", f);
		return;
	}
	if (agent_endpoint(s, name))
		return;
	o = (size_t)snprintf(src, cap, "ENV:");
	for (i = 0; name[i] != '\0' && o + 1 < cap; i++)
		src[o++] = name[i] == '-' ? '_' :
		    (char)toupper((unsigned char)name[i]);
	snprintf(src + o, cap - o, "_API_KEY");
	if ((v = getenv(src + 4)) == NULL || v[0] == '\0')
		src[0] = '\0';
}

/* The transcript: --llm-replay FILE, or AGENT.yaml's model replay:PATH
 * (relative to AGENT.yaml's directory); never both. */
static int
replay_open(struct sess *s)
{
	const struct session_cfg *cfg = s->cfg;
	const char *agent = s->agent_endpoint != NULL &&
	    strncmp(s->agent_endpoint, "replay=", 7) == 0 ?
	    s->agent_endpoint + 7 : NULL;
	static char path[PATH_MAX];
	const char *slash;

	if (agent != NULL && cfg->llm_replay != NULL) {
		log_warnx("--llm-replay %s and %s's model replay:%s both name a "
		    "transcript: give one", cfg->llm_replay, cfg->agent_yaml,
		    agent);
		return -1;
	}
	if (agent == NULL && cfg->llm_replay == NULL)
		return 0;
	if (agent != NULL && agent[0] != '/' && (slash = strrchr(
	    cfg->agent_yaml, '/')) != NULL)
		snprintf(path, sizeof(path), "%.*s/%s",
		    (int)(slash - cfg->agent_yaml), cfg->agent_yaml, agent);
	else
		snprintf(path, sizeof(path), "%s", agent != NULL ? agent :
		    cfg->llm_replay);
	/* the model's words in a demo: the operator's file, a regular
	 * one only its owner (you or root) may change, and never where
	 * the agent could (the placement check) */
	if ((s->llm_replayfd = operator_file_open(path,
	    "replay transcript")) < 0 || (s->llm_replaydir =
	    placement_dir_of(s->llm_replayfd, "replay transcript",
	    path)) < 0)
		return -1;
	s->llm_replaypath = path;
	return 0;
}

int
llmcfg_agent_open(struct sess *s)
{
	size_t len, n;

	/* the broker's word on where keys may go: checked as an operator's
	 * --llm would be, and only ever the built-in agent's */
	n = name_len(s->agent_endpoint);
	if (s->agent_endpoint[0] != '\0' && (s->agent != ROLE_AGENT_BUILTIN ||
	    (strncmp(s->agent_endpoint, "replay=", 7) != 0 && (n == 0 ||
	    !url_ok(s->agent_endpoint + n + 1)))))
		fatalx("protocol violation from broker: a model endpoint");
	if (s->agent != ROLE_AGENT_BUILTIN)
		return 0;
	if (n > 0 && given(s->cfg->llm, s->cfg->nllm, s->agent_endpoint,
	    n) != NULL) {
		log_warnx("--llm %.*s=... and %s's base_url both give the "
		    "endpoint of %.*s: give one", (int)n, s->agent_endpoint,
		    s->cfg->agent_yaml, (int)n, s->agent_endpoint);
		return -1;
	}
	len = strlen(s->agent_config);
	/* Safe: an anonymous file of ours, sealed before the agent gets
	 * it: what the broker checked is what the agent reads. */
	if ((s->agent_cfgfd = memfd_create("aksup-agent-config",
	    MFD_CLOEXEC | MFD_ALLOW_SEALING)) < 0)
		fatal("memfd_create");
	if (write(s->agent_cfgfd, s->agent_config, len) != (ssize_t)len)
		fatal("agent configuration memfd");
	memfd_seal(s->agent_cfgfd, "agent configuration memfd");
	return 0;
}

/* Every --llm-key names a provider (AGENT.yaml's base_url known now). */
static int
keys_named(const struct sess *s)
{
	char name[40];
	const char *url;
	unsigned i, k;
	size_t n;

	for (i = 0; i < s->cfg->nllm_key; i++) {
		n = name_len(s->cfg->llm_key[i]);
		for (k = 0; provider_at(s, k, name, sizeof(name), &url) == 0;
		    k++)
			if (strlen(name) == n &&
			    strncmp(name, s->cfg->llm_key[i], n) == 0)
				break;
		if (provider_at(s, k, name, sizeof(name), &url) < 0) {
			log_warnx("--llm-key %s: no provider %.*s (the known "
			    "ones are openai, anthropic, ollama; another is "
			    "named with --llm %.*s=URL or AGENT.yaml's "
			    "base_url)", s->cfg->llm_key[i], (int)n,
			    s->cfg->llm_key[i], (int)n, s->cfg->llm_key[i]);
			return -1;
		}
	}
	return 0;
}

static int
source_known(const struct sess *s, const char *src)
{
	int i;

	for (i = 0; i < s->nllm_src; i++)
		if (strcmp(s->llm_src[i], src) == 0)
			return 1;
	return 0;
}

/* Each key file, with the policy file's checks (yours or root's, only
 * its owner may write it) and held for the placement check: a key
 * beneath a root the agent may read would be the agent's to read. */
static int
keyfiles_open(struct sess *s)
{
	const char *path;
	int i;

	for (i = 0; i < s->nllm_src; i++) {
		if (strncmp(s->llm_src[i], "FILE:", 5) != 0)
			continue;
		path = s->llm_src[i] + 5;
		if ((s->llm_keyfile[s->nllm_keyfile].fd = operator_file_open(path,
		    "model key file")) < 0 ||
		    (s->llm_keyfile[s->nllm_keyfile].dir = placement_dir_of(
		    s->llm_keyfile[s->nllm_keyfile].fd, "model key file",
		    path)) < 0) {
			if (s->llm_keyfile[s->nllm_keyfile].fd >= 0)
				close(s->llm_keyfile[s->nllm_keyfile].fd);
			return -1;
		}
		s->llm_keyfile[s->nllm_keyfile++].path = path;
	}
	return 0;
}

void
llmcfg_keyfiles_close(struct sess *s)
{
	while (s->nllm_keyfile > 0) {
		s->nllm_keyfile--;
		close(s->llm_keyfile[s->nllm_keyfile].fd);
		close(s->llm_keyfile[s->nllm_keyfile].dir);
	}
}

int
llmcfg_open(struct sess *s)
{
	char name[40], src[PATH_MAX - 16];
	const char *url;
	unsigned k;

	s->llm_keyfd = s->llm_replayfd = -1;
	s->nllm_src = 0;
	if (keys_named(s) < 0)
		return -1;
	for (k = 0; provider_at(s, k, name, sizeof(name), &url) == 0; k++) {
		key_source(s, name, src, sizeof(src));
		if (src[0] == '\0' || source_known(s, src))
			continue;	/* (one source for two providers: once) */
		if (s->nllm_src == LLM_SOURCES_MAX)
			fatalx("more than %d model keys", LLM_SOURCES_MAX);
		if ((s->llm_src[s->nllm_src] = strdup(src)) == NULL)
			fatal("strdup");
		s->nllm_src++;
	}
	if (keyfiles_open(s) < 0)
		return -1;
	if (s->nllm_src > 0 && (s->llm_keyfd = creds_open(s->llm_src,
	    s->nllm_src, "a model key (--llm-key)")) == -2) {
		s->llm_keyfd = -1;
		return -1;
	}
	return replay_open(s);
}

void
llmcfg_argv(struct sess *s, struct spawn *sp)
{
	char name[40], src[PATH_MAX - 16];
	const char *url;
	unsigned k, a = 1, f = 0;

	for (k = 0; provider_at(s, k, name, sizeof(name), &url) == 0; k++) {
		snprintf(s->fdarg[f], sizeof(s->fdarg[f]), "%s=%s", name, url);
		s->argv[a++] = s->fdarg[f++];
		key_source(s, name, src, sizeof(src));
		if (src[0] == '\0')
			continue;
		snprintf(s->fdarg[f], sizeof(s->fdarg[f]), "key:%s=%s", name,
		    src);
		s->argv[a++] = s->fdarg[f++];
	}
	if (s->llm_replayfd >= 0) {
		s->argv[a++] = "replay";
		sp->src[sp->nfds] = s->llm_replayfd;
		sp->dst[sp->nfds++] = LLM_FD_REPLAY;
	}
	if (s->llm_keyfd >= 0) {
		sp->src[sp->nfds] = s->llm_keyfd;
		sp->dst[sp->nfds++] = LLM_FD_KEYS;
	}
}

void
llmcfg_agent_close(struct sess *s)
{
	if (s->agent_cfgfd >= 0)
		close(s->agent_cfgfd);
	if (s->agentyamlfd >= 0)
		close(s->agentyamlfd);
	if (s->agentyamldir >= 0)
		close(s->agentyamldir);
	s->agent_cfgfd = s->agentyamlfd = s->agentyamldir = -1;
}

void
llmcfg_close(struct sess *s)
{
	llmcfg_keyfiles_close(s);
	if (s->llm_keyfd >= 0)
		close(s->llm_keyfd);
	if (s->llm_replayfd >= 0)
		close(s->llm_replayfd);
	if (s->llm_replaydir >= 0)
		close(s->llm_replaydir);
	s->llm_keyfd = s->llm_replayfd = s->llm_replaydir = -1;
	while (s->nllm_src > 0)
		free(s->llm_src[--s->nllm_src]);
}
