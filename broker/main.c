/*
 * broker/main.c -- aksup-broker start-up: take the descriptors the
 * supervisor placed (common/fds.h), confine, load the policy, report the
 * fs roots, then serve the agent (broker/loop.c).
 *
 * Runs in: the broker, exec'd by the supervisor. Privilege: it starts with
 * the invoking user's uid but holds no file but the audit log and the
 * policy it was handed; it confines itself before it parses anything.
 *
 * --check: aksup validate-policy. Load the policy on fd 6 (confined), check
 * every rule's examples and print "OK: N rules", or "FILE:LINE:COL:
 * message" lines and exit 1.
 * --explain: aksup policy explain. Load the policy on fd 6 (confined) and
 * print one decision with the rule that made it (broker/explain.c).
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "audit/audit.h"
#include "broker/agentcfg.h"
#include "broker/broker.h"
#include "broker/explain.h"
#include "broker/mcp_cli.h"
#include "common/chan.h"
#include "common/fds.h"
#include "common/fsrights.h"
#include "common/log.h"
#include "common/sandbox.h"
#include "common/util.h"
#include "policy/policy.h"

#define POLICY_FILE_MAX	(1024 * 1024)

static char outbuf[4096];

/* The session's writer (set before the policy is read) and the policy's
 * SHA-256, for session_start. */
static struct audit *g_audit;
static char policy_digest[65];

static unsigned long
num_arg(const char *s, long max)
{
	long v;

	if (parse_int(s, 0, max, &v) < 0) {
		fprintf(stderr, "aksup-broker: bad number %s\n", s);
		exit(2);
	}
	return (unsigned long)v;
}

/* A budget: a plain number of at least min (the supervisor turned
 * K/M/G into bytes). */
static uint64_t
u64_arg(const char *s, uint64_t min)
{
	long v;

	if (parse_int(s, (long)min, LONG_MAX, &v) < 0) {
		fprintf(stderr, "aksup-broker: bad budget %s\n", s);
		exit(2);
	}
	return (uint64_t)v;
}

static void
usage(void)
{
	fprintf(stderr, "usage: aksup-broker [--check | --explain --action A "
	    "--target T [--params JSON]] --policy-name NAME\n"
	    "(started by aksup; not meant to be run by hand)\n");
	exit(2);
}

static struct policy *
load_policy(const char *name)
{
	struct policy_err err;
	struct policy *p;
	size_t len;
	char *buf;

	if (read_all(BROKER_FD_POLICY, POLICY_FILE_MAX, &buf, &len) < 0) {
		if (errno == EFBIG)
			fatalx("%s: policy larger than %d bytes", name,
			    POLICY_FILE_MAX);
		fatal("%s: read", name);
	}
	close(BROKER_FD_POLICY);
	if (g_audit != NULL)
		audit_hash_hex(g_audit, buf, len, policy_digest);
	memset(&err, 0, sizeof(err));
	if (policy_load_buf(buf, len, name, &p, &err) < 0) {
		/* The one place the broker prints to the user: the format
		 * validate-policy promises. */
		fprintf(stderr, "%s:%d:%d: %s\n", err.file, err.line, err.col,
		    err.msg);
		free(buf);
		exit(1);
	}
	free(buf);
	return p;
}

#define AGENTCFG_FILE_MAX	(256 * 1024)	/* AGENT.yaml, bytes */

/* The agent's first model call as the gate would decide it (its model,
 * its max_tokens and temperature, a one-message conversation): a model
 * the policy does not allow is said now, not at the first turn. */
static void
agent_model_allowed(const char *name, const char *pname,
    const struct policy *p, const json_t *cfg)
{
	const char *model = json_string_value(json_object_get(cfg, "model"));
	struct gate g;
	json_t *params;
	enum gate_verdict v;
	char *text;

	params = json_pack("{s:[{s:s, s:s}]}", "messages", "role", "user",
	    "content", "hello");
	if (params == NULL || model == NULL)
		fatalx("out of memory");
	if (json_object_get(cfg, "max_tokens") != NULL)
		(void)json_object_set(params, "max_tokens",
		    json_object_get(cfg, "max_tokens"));
	if (json_object_get(cfg, "temperature") != NULL)
		(void)json_object_set(params, "temperature",
		    json_object_get(cfg, "temperature"));
	if (json_object_get(cfg, "timeout") != NULL)
		(void)json_object_set(params, "timeout",
		    json_object_get(cfg, "timeout"));
	/* the params as the agent will send them, for the hint (before
	 * the gate adds its defaults) */
	text = json_dumps(params, JSON_COMPACT);
	v = gate_decide(p, "llm.chat", model, strlen(model), params, &g);
	json_decref(params);
	if (v == GATE_ALLOWED) {
		free(text);
		return;
	}
	fprintf(stderr, "%s: model: the policy does not allow llm.chat of %s "
	    "(%s); see aksup policy explain --policy %s --action llm.chat "
	    "--target %s --params '%s'\n", name, model, v == GATE_DENIED ?
	    g.d.rule_id : g.why, pname, model, text ? text : "{}");
	exit(1);
}

/* The built-in agent's AGENT.yaml (the operator's, on
 * BROKER_FD_AGENTCFG), checked against the policy: its errors are the
 * operator's to read, as the policy's. */
static void
load_agent(const char *name, const char *pname, const struct policy *p,
    struct agentcfg *out)
{
	struct agentcfg_err err;
	size_t len;
	char *buf;

	if (read_all(BROKER_FD_AGENTCFG, AGENTCFG_FILE_MAX, &buf, &len) < 0) {
		if (errno == EFBIG)
			fatalx("%s: larger than %d bytes", name,
			    AGENTCFG_FILE_MAX);
		fatal("%s: read", name);
	}
	close(BROKER_FD_AGENTCFG);
	memset(&err, 0, sizeof(err));
	if (agentcfg_load(name, buf, len, p, out, &err) < 0) {
		fprintf(stderr, "%s:%d:%d: %s\n", err.file, err.line, err.col,
		    err.msg);
		free(buf);
		exit(1);
	}
	free(buf);
	agent_model_allowed(name, pname, p, out->config);
}

/* Source i is read by the supervisor for worker r: a credential's for
 * the http worker, a server's env for the mcp worker; only when that
 * worker runs (neither gets the other's). */
static int
source_for(const struct policy *p, size_t i, enum role r)
{
	unsigned use = r == ROLE_WORKER_HTTP ? POLICY_SOURCE_CREDENTIALS :
	    POLICY_SOURCE_MCP;

	return provider_worker_wanted(p, r) &&
	    (policy_source_users(p, i) & use);
}

/* A growing NUL-separated payload. */
struct ready {
	char *buf;
	size_t len, cap;
};

static void
put_bytes(struct ready *rd, const void *p, size_t n)
{
	if (rd->len + n > rd->cap) {
		rd->cap = (rd->len + n) * 2 + 4096;
		if ((rd->buf = realloc(rd->buf, rd->cap)) == NULL)
			fatal("realloc");
	}
	memcpy(rd->buf + rd->len, p, n);
	rd->len += n;
}

static void
put_str(struct ready *rd, const char *s)
{
	put_bytes(rd, s, strlen(s) + 1);
}

static void
put_sources(struct ready *rd, const struct policy *p, enum role r)
{
	size_t i;

	for (i = 0; i < policy_cred_nsources(p); i++)
		if (source_for(p, i, r))
			put_str(rd, policy_cred_source(p, i));
	put_str(rd, "");
}

/* The mcp servers' paths, when the mcp worker runs: the supervisor opens
 * them for it and checks where they lie (as the fs roots). */
static void
put_mcp_paths(struct ready *rd, const struct policy *p)
{
	struct policy_mcp m;
	unsigned char rights;
	size_t i, k;

	for (i = 0; provider_worker_wanted(p, ROLE_WORKER_MCP) &&
	    i < policy_nmcp(p); i++) {
		if (policy_mcp_server(p, i, &m) < 0)
			continue;
		for (k = 0; k < m.nro + m.nroots; k++) {
			rights = FS_RIGHT_READ | (k < m.nro ? 0 : FS_RIGHT_WRITE);
			put_bytes(rd, &rights, 1);
			put_str(rd, k < m.nro ? m.ro[k] : m.roots[k - m.nro]);
			put_str(rd, m.id ? m.id : "?");
		}
	}
	put_bytes(rd, "", 1);
}

/* The agent's configuration, compact JSON, NUL-terminated ("" without
 * --agent). */
static void
put_agent_config(struct ready *rd, const json_t *config)
{
	char *s = config != NULL ? json_dumps(config, AGENTCFG_DUMP_FLAGS) :
	    NULL;

	if (config != NULL && s == NULL)
		fatalx("out of memory");
	put_str(rd, s != NULL ? s : "");
	free(s);
}

/*
 * BROKER_READY (common/wire.h): the optional workers the policy needs,
 * the sources the supervisor reads for the http worker and for the mcp
 * worker (names, never values), the mcp servers' paths, then per root
 * its rights byte, its path, the "FILE:LINE" of the first rule that
 * opens it and that rule's action, each NUL-terminated. The supervisor
 * opens the roots and the paths and refuses a session whose log, seal
 * key or policy lies beneath one, naming the rule or the server.
 */
static void
send_ready(struct policy *p, const struct agentcfg *ac)
{
	struct iovec iov[1];
	struct ready rd = { NULL, 0, 0 };
	struct chan sup;
	const char *rule, *act;
	char workers[128] = "";
	unsigned char rights;
	size_t i;
	int r;

	/* the optional workers this policy needs: the supervisor starts
	 * them, the loop serves them (inflight_init asks the same) */
	for (r = ROLE_NONE + 1; r < ROLE_N; r++)
		if ((role_defs[r].flags & RF_OPTIONAL) &&
		    provider_worker_wanted(p, (enum role)r))
			snprintf(workers + strlen(workers), sizeof(workers) -
			    strlen(workers), "%s%s%s", workers[0] ? "," : "",
			    role_defs[r].name, provider_worker_network(p,
			    (enum role)r) ? "+net" : "");
	put_str(&rd, WIRE_VERSION);
	put_str(&rd, workers);
	put_sources(&rd, p, ROLE_WORKER_HTTP);
	put_sources(&rd, p, ROLE_WORKER_MCP);
	put_mcp_paths(&rd, p);
	/* the built-in agent's model endpoint and configuration (text the
	 * supervisor hands on, to the llm worker and the agent) */
	put_str(&rd, ac->endpoint);
	put_agent_config(&rd, ac->config);
	for (i = 0; i < policy_nroots(p); i++) {
		rule = policy_root_rule(p, i, &act);
		rights = (unsigned char)(policy_root_actions(p, i) |
		    (policy_root_whole(p, i) ? FS_ROOT_WHOLE : 0));
		put_bytes(&rd, &rights, 1);
		put_str(&rd, policy_root(p, i));
		put_str(&rd, rule ? rule : "?");
		put_str(&rd, act ? act : "?");
	}
	iov[0].iov_base = rd.buf;
	iov[0].iov_len = rd.len;
	chan_init(&sup, BROKER_FD_SUP, ROLE_BROKER, ROLE_SUPERVISOR, "supervisor");
	if (chan_send(&sup, WIRE_BROKER_READY, 0, iov, 1) < 0)
		fatal("send to supervisor");
	free(rd.buf);
}

/*
 * The policy's fs roots for session_start, compact ASCII JSON:
 * [{"path":"/workspace","rights":"rl","rule":"p.yaml:2"},...]. A root
 * an allow rule of fs.write opens that does not exist yet is made by the
 * fs worker when the session starts (Landlock needs the directory).
 */
static const char *
roots_json(const struct policy *p)
{
	static const char letters[] = FS_RIGHT_LETTERS;
	json_t *a = json_array(), *o, *v;
	const char *rule, *act;
	char rights[sizeof(letters)];
	unsigned r;
	size_t i, k, n;
	char *out;

	for (i = 0; a != NULL && i < policy_nroots(p); i++) {
		r = policy_root_actions(p, i);
		for (k = 0, n = 0; k < sizeof(letters) - 1; k++)
			if (r & (1u << k))
				rights[n++] = letters[k];
		rights[n] = '\0';
		rule = policy_root_rule(p, i, &act);
		/* (a rule "FILE:LINE" of a policy name that is not UTF-8
		 * is left out: JSON cannot say it) */
		o = json_pack("{s:s, s:s}", "path", policy_root(p, i),
		    "rights", rights);
		if (o == NULL || json_array_append_new(a, o) < 0)
			fatalx("out of memory");
		if (rule != NULL && (v = json_string(rule)) != NULL &&
		    json_object_set_new(o, "rule", v) < 0)
			fatalx("out of memory");
	}
	if (a == NULL || (out = json_dumps(a, JSON_COMPACT |
	    JSON_ENSURE_ASCII)) == NULL)
		fatalx("out of memory");
	json_decref(a);
	return out;
}

/* --view: the supervisor's JSON object of the agent's view, recorded in
 * session_start as one compact, ASCII-only value (a trusted peer's, yet
 * parsed and written anew: the record stays one valid line). */
static const char *
view_arg(const char *s)
{
	json_error_t e;
	json_t *v;
	char *out;

	if ((v = json_loads(s, JSON_REJECT_DUPLICATES, &e)) == NULL ||
	    !json_is_object(v))
		fatalx("--view: not a JSON object");
	out = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(v);
	if (out == NULL)
		fatalx("--view: out of memory");
	return out;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "check", no_argument, NULL, 'c' },
		{ "policy-name", required_argument, NULL, 'p' },
		{ "agent-name", required_argument, NULL, 'a' },
		/* audit (supervisor/auditfile.c passes these) */
		{ "sync", required_argument, NULL, 'S' },
		{ "seal-key", no_argument, NULL, 'K' },
		{ "seal-every", required_argument, NULL, 'E' },
		{ "seal-interval", required_argument, NULL, 'I' },
		{ "params-max", required_argument, NULL, 'M' },
		{ "max-bytes", required_argument, NULL, 'B' },
		{ "max-records", required_argument, NULL, 'R' },
		{ "layers", required_argument, NULL, 'L' },
		{ "waived", required_argument, NULL, 'W' },
		{ "view", required_argument, NULL, 'V' },
		{ "log-name", required_argument, NULL, 'N' },
		{ "operator-client", no_argument, NULL, 'O' },
		{ "explain", no_argument, NULL, 'e' },
		{ "action", required_argument, NULL, 'A' },
		{ "target", required_argument, NULL, 'T' },
		{ "params", required_argument, NULL, 'P' },
		/* aksup mcp (broker/mcp_cli.c) */
		{ "mcp-servers", no_argument, NULL, MCP_CLI_SERVERS },
		{ "mcp-tools", no_argument, NULL, MCP_CLI_TOOLS },
		{ "mcp-pin", no_argument, NULL, MCP_CLI_PIN },
		{ NULL, 0, NULL, 0 },
	};
	const char *x_action = NULL, *x_target = NULL, *x_params = NULL;
	const char *log_name = "", *agent_name = NULL;
	struct agentcfg acfg = { NULL, "" };
	int explain = 0, mcp = 0, operator_client = 0;
	struct broker_cfg cfg;
	const char *name = NULL;
	struct audit *audit = NULL;
	struct audit_opts ao = { AUDIT_SYNC_BATCH, 1000, 10000, 0,
	    AUDIT_DEFAULT_MAX_BYTES, AUDIT_DEFAULT_MAX_RECORDS };
	struct audit_session as = { AKSUP_VERSION, NULL, NULL, "", "", NULL,
	    NULL };
	int sealkey = 0, st;
	char err[256];
	int check = 0, ch, sndbuf = 0;
	socklen_t sl = sizeof(sndbuf);
	size_t agent_max = AGENT_MSG_MAX;
	struct policy *p;

	log_init("aksup broker");	/* what the operator reads: aksup, and which part */
	wire_version_check();
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': check = 1; break;
		case 'p': name = optarg; break;
		case 'a': agent_name = optarg; break;
		case 'S':
			if (audit_sync_parse(optarg, &ao.sync) < 0)
				usage();
			break;
		case 'K': sealkey = 1; break;
		case 'E': ao.seal_every = num_arg(optarg, 1 << 30); break;
		case 'I': ao.seal_interval_ms = num_arg(optarg, 1 << 30); break;
		case 'M': ao.params_max = num_arg(optarg, AUDIT_PARAMS_MAX); break;
		case 'B': ao.max_bytes = u64_arg(optarg, AUDIT_MIN_BYTES); break;
		case 'R': ao.max_records = u64_arg(optarg, 2); break;
		case 'L': as.layers = optarg; break;
		case 'W': as.waived = optarg; break;
		case 'V': as.view = view_arg(optarg); break;
		case 'N': log_name = optarg; break;
		case 'O': operator_client = 1; break;
		case 'e': explain = 1; break;
		case 'A': x_action = optarg; break;
		case 'T': x_target = optarg; break;
		case 'P': x_params = optarg; break;
		case MCP_CLI_SERVERS: case MCP_CLI_TOOLS: case MCP_CLI_PIN:
			mcp = ch;
			break;
		default: usage();
		}
	}
	if (mcp != 0 && name != NULL && !check && !explain) {
		/* its arguments follow the options; the policy on fd 6 */
		mcp_cli_prepare();
		setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
		sandbox_enter(ROLE_POLICY_TOOL);
		p = load_policy(name);
		ch = mcp_cli(p, mcp, name, argc - optind, argv + optind);
		policy_free(p);
		return fflush(stdout) == 0 ? ch : 1;
	}
	if (name == NULL || optind != argc || (check && explain) ||
	    (explain && (x_action == NULL || x_target == NULL)))
		usage();

	/* Seed jansson's hash now: it reads /dev/urandom on first use,
	 * which the filter forbids. */
	json_object_seed(0);

	if (check) {
		/* A fixed buffer: no lazy isatty() ioctl after the filter. */
		setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
		sandbox_enter(ROLE_POLICY_TOOL);
		p = load_policy(name);
		ch = check_examples(p);
		policy_free(p);
		return fflush(stdout) == 0 ? ch : 1;
	}
	if (explain) {
		setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
		sandbox_enter(ROLE_POLICY_TOOL);
		p = load_policy(name);
		ch = explain_request(p, x_action, x_target, x_params);
		policy_free(p);
		return fflush(stdout) == 0 ? ch : 1;
	}

	/* The audit fd is the broker's only file; reading its tail (to
	 * continue the chain) and OpenSSL's set-up happen before the
	 * filter closes. */
	if (audit_open(BROKER_FD_AUDIT, &ao, &audit, err, sizeof(err)) < 0)
		fatalx("audit log %s: %s (a new session continues the chain of "
		    "the file's last record: is it an aksup audit log? aksup "
		    "log verify --log-path names its first bad line; or give "
		    "--log-path a new file)", log_name, err);
	g_audit = audit;
	/* Answers larger than the socket buffer cannot be sent whole. */
	if (getsockopt(BROKER_FD_AGENT, SOL_SOCKET, SO_SNDBUF, &sndbuf, &sl) == 0 &&
	    sndbuf > BROKER_AGENT_MAX_MIN + 32 * 1024 &&
	    (size_t)sndbuf - 32 * 1024 < agent_max)
		agent_max = (size_t)sndbuf - 32 * 1024;
	sandbox_enter(ROLE_BROKER);
	p = load_policy(name);
	/* session_start (and k_0 to the operator's key file, closed here)
	 * before anything is served: a session that cannot be audited
	 * does not start. */
	as.policy = name;
	as.policy_sha256 = policy_digest;
	as.roots = roots_json(p);
	if (agent_name != NULL)
		load_agent(agent_name, name, p, &acfg);
	if (audit_begin(audit, &as, sealkey ? BROKER_FD_SEALKEY : -1, err,
	    sizeof(err)) < 0)
		fatalx("audit log: %s", err);
	/* Batch durability in a thread started inside the sandbox, so it
	 * is bound by the same filter and Landlock domain. Without it the
	 * fdatasync runs inline: slower, just as safe. */
	if (audit_start_syncer(audit) < 0)
		log_warnx("audit: no syncer thread; batch syncs run inline");
	send_ready(p, &acfg);
	agentcfg_free(&acfg);

	memset(&cfg, 0, sizeof(cfg));
	cfg.agent_fd = BROKER_FD_AGENT;
	cfg.sup_fd = BROKER_FD_SUP;
	cfg.policy = p;
	cfg.audit = audit;
	cfg.agent_max = agent_max;
	cfg.operator_client = operator_client;
	/* an answer around a command's result: its id, status, an error
	 * (a timeout's), the record id (broker/broker.h) */
	proc_data_max = agent_max - ANSWER_MAX(0, 160);
	http_data_max = proc_data_max;
	mcp_data_max = proc_data_max;
	llm_data_max = proc_data_max;
	st = broker_loop(&cfg);
	/* session_end, the final seal and the last fdatasync; not after a
	 * failed write (the chain cannot go on from this process). */
	if (st != BROKER_EXIT_AUDIT &&
	    audit_end_reason(audit, cfg.stop_reason) < 0) {
		log_warn("audit log: cannot end the session");
		st = BROKER_EXIT_AUDIT;
	}
	audit_close(audit);
	return st;
}
