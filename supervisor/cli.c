/*
 * supervisor/cli.c -- the subcommands' options; each ends in a session or
 * in one confined helper (validate-policy runs the broker's --check, log
 * runs aksup-log). The supervisor itself parses no YAML and no JSON.
 *
 * Runs in: aksup, the supervisor. Privilege: the invoking user's; opens
 * only the files named on the command line.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "supervisor/cgroup.h"
#include "common/util.h"
#include "common/wire.h"
#include "supervisor/confine.h"
#include "supervisor/supervisor.h"
#include "supervisor/view.h"


/* A usage error with a fixed message (NULL: the usage alone). */
static int
usage_err(const char *cmd, const char *usage, const char *msg)
{
	return msg ? cli_usage(cmd, usage, "%s", msg) :
	    cli_usage(cmd, usage, NULL);
}

static void
reset_getopt(void)
{
	optind = 1;
	opterr = 0;
}

static const char version_usage[] = "aksup version";

int
cmd_version(int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		printf("usage: %s\n\nPrints \"aksup %s\". Exit: 0, 2 usage.\n",
		    version_usage, AKSUP_VERSION);
		return EXIT_OK;
	}
	if (argc > 1)
		return argv[1][0] == '-' ? cli_usage("version", version_usage,
		    "unknown option %s", argv[1]) : cli_arg_error("version",
		    version_usage, argv[1]);
	printf("aksup %s\n", AKSUP_VERSION);
	return EXIT_OK;
}

/* Without --log-path, the default log (known once confine_setup said
 * whose session this is: under sudo, the invoking user's). */
static int
session_default_log(struct session_cfg *cfg)
{
	if (cfg->log_path == NULL &&
	    (cfg->log_path = cli_default_log(1)) == NULL)
		return -1;
	return 0;
}

/* confine_setup's result as an exit code: -2 is a bad option value. */
static int
confine_rc(int rc, const char *cmd)
{
	if (rc != -2)
		return EXIT_ERR;
	fprintf(stderr, "(aksup help %s: every option and exit code)\n", cmd);
	return EXIT_USAGE;
}

static const char validate_usage[] = "aksup validate-policy --policy FILE";

int
cmd_validate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *policy = NULL;
	char *bargv[5];
	int ch, rc;

	reset_getopt();
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (ch) {
		case 'p': policy = optarg; break;
		case 'h':
			printf("usage: %s\n\nChecks FILE (and every rule's "
			    "examples) and prints \"OK: N rules\", or\n"
			    "FILE:LINE:COL: error. Exit: 0 valid, 1 invalid (or "
			    "not readable), 2 usage.\n", validate_usage);
			return EXIT_OK;
		default:
			return cli_opt_error("validate-policy",
			    validate_usage, ch, argv, opts);
		}
	}
	if (policy == NULL || optind != argc)
		return policy ? cli_arg_error("validate-policy",
		    validate_usage, argv[optind]) : usage_err("validate-policy",
		    validate_usage, "--policy is required");
	/* The policy is parsed by the broker binary, confined. */
	bargv[0] = "aksup-broker";
	bargv[1] = "--check";
	bargv[2] = "--policy-name";
	bargv[3] = (char *)policy;
	bargv[4] = NULL;
	rc = run_policy_helper(policy, bargv);
	return rc == 0 ? EXIT_OK : EXIT_ERR;
}

static const char submit_usage[] =
    "aksup submit --policy FILE --action A --target T [--params JSON] "
    "[--log-path F]\n       aksup submit --policy FILE --batch FILE|- "
    "[--log-path F]\n       (audit: " AUDIT_USAGE ")\n       (sandbox: "
    CONFINE_USAGE ")";

int
cmd_submit(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "action", required_argument, NULL, 'a' },
		{ "target", required_argument, NULL, 't' },
		{ "params", required_argument, NULL, 'P' },
		{ "batch", required_argument, NULL, 'b' },
		{ "log-path", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		AUDIT_LONG_OPTIONS,
		CONFINE_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char *policy = NULL, *action = NULL, *target = NULL;
	const char *params = NULL, *batch = NULL, *logp = NULL;
	struct session_cfg cfg;
	char *aargv[10];
	int ch, n = 0, in = -2, rc;

	memset(&cfg, 0, sizeof(cfg));
	reset_getopt();
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (ch) {
		case 'p': policy = optarg; break;
		case 'a': action = optarg; break;
		case 't': target = optarg; break;
		case 'P': params = optarg; break;
		case 'b': batch = optarg; break;
		case 'l': logp = optarg; break;
		case 'h':
			printf("usage: %s\n\nPrints each result as JSON. Exit: 0 OK, "
			    "1 ERROR, 2 usage, 3 DENIED.\n", submit_usage);
			return EXIT_OK;
		default:
			if (confine_cli_opt(ch, optarg, &cfg))
				break;
			if ((rc = snapstore_cli_opt(ch, optarg, &cfg,
			    "submit")) < 0)
				return usage_err("submit", submit_usage, NULL);
			if (rc > 0)
				break;
			if ((rc = audit_cli_opt(ch, optarg, &cfg, "submit")) < 0)
				return usage_err("submit", submit_usage, NULL);
			if (rc > 0)
				break;
			return cli_opt_error("submit", submit_usage, ch, argv,
			    opts);
		}
	}
	if (optind != argc)
		return cli_arg_error("submit", submit_usage, argv[optind]);
	if (policy == NULL)
		return usage_err("submit", submit_usage, "--policy is required");
	if (batch != NULL && (action || target || params))
		return usage_err("submit", submit_usage,
		    "--batch excludes --action, --target and --params");
	if (batch == NULL && (action == NULL || target == NULL))
		return usage_err("submit", submit_usage,
		    "--action and --target are required");
	if (audit_cli_check(&cfg, "submit") < 0)
		return usage_err("submit", submit_usage, NULL);

	aargv[n++] = "aksup-submit";
	if (batch) {
		aargv[n++] = "--batch";
		aargv[n++] = "--batch-name";	/* for its messages */
		aargv[n++] = strcmp(batch, "-") == 0 ? "stdin" : (char *)batch;
		if (strcmp(batch, "-") != 0 &&
		    (in = open(batch, O_RDONLY | O_CLOEXEC)) < 0) {
			log_warn("--batch %s", batch);
			return EXIT_ERR;
		}
	} else {
		aargv[n++] = "--action";
		aargv[n++] = (char *)action;
		aargv[n++] = "--target";
		aargv[n++] = (char *)target;
		if (params) {
			aargv[n++] = "--params";
			aargv[n++] = (char *)params;
		}
	}
	aargv[n] = NULL;
	cfg.policy_path = policy;
	cfg.log_path = logp;
	cfg.agent_role = ROLE_CLIENT;
	cfg.agent_argv = aargv;
	cfg.agent_stdin = in;
	(void)helper_path("aksup-broker");	/* found (or said), first */
	/* which confinement layers are in force; refuse if one is missing */
	rc = confine_setup(&cfg);
	rc = rc < 0 ? confine_rc(rc, "submit") : session_default_log(&cfg) < 0 ?
	    EXIT_ERR : session_run(&cfg);
	cgroup_destroy();
	if (in >= 0)
		close(in);
	return rc;
}

static const char run_usage[] =
    "aksup run --policy FILE [--log-path F] [--timeout SECONDS] "
    "[--stdin] [--ro PATH]... " AUDIT_USAGE " " CONFINE_USAGE " -- CMD [ARGS...]\n"
    "       aksup run --policy FILE --agent AGENT.yaml [--quiet] [options] "
    "[PROMPT]";

/*
 * run --agent AGENT.yaml [PROMPT]: the built-in agent (aksup-agent),
 * configured by the broker from AGENT.yaml. The prompt: PROMPT's words,
 * or our stdin piped to it (a terminal: one prompt per line, each
 * answered in turn). It sees no file: no --ro, no CMD.
 */
static int
run_builtin(struct session_cfg *cfg, const char *policy, const char *logp,
    const char *agent, int quiet, size_t nro, int nargs, char **args)
{
	static char *av[10];
	static char prompt[AGENT_PROMPT_MAX + 1];
	size_t n = 0, len = 0;
	int i, rc;

	if (nro > 0)
		return usage_err("run", run_usage, "--ro is an external "
		    "agent's: the built-in agent reads files through the "
		    "policy only");
	for (i = 0; i < nargs; i++) {
		/* options go before PROMPT: one after it would be read as
		 * words of the prompt, silently (quote a prompt that holds
		 * such a word) */
		if (strncmp(args[i], "--", 2) == 0)
			return usage_err("run", run_usage, "options go before "
			    "PROMPT (a word of it begins with --: put the "
			    "option first, or quote the prompt)");
		if (len + strlen(args[i]) + (i > 0) > AGENT_PROMPT_MAX)
			return usage_err("run", run_usage, "PROMPT: at most "
			    "65536 bytes (longer: on stdin)");
		len += (size_t)snprintf(prompt + len, sizeof(prompt) - len,
		    "%s%s", i > 0 ? " " : "", args[i]);
	}
	av[n++] = "aksup-agent";
	if (quiet)
		av[n++] = "--quiet";
	if (nargs == 0) {
		/* the prompt on stdin, ours piped to it */
		cfg->agent_stdin_pipe = 1;
		if (isatty(0))
			av[n++] = "--interactive";
	} else {
		av[n++] = "--prompt";
		av[n++] = prompt;
	}
	if (audit_cli_check(cfg, "run") < 0)
		return usage_err("run", run_usage, NULL);
	cfg->policy_path = policy;
	cfg->log_path = logp;
	if (session_default_log(cfg) < 0)
		return EXIT_ERR;
	/* for its closing summary: where the operator reads what it did */
	av[n++] = "--log-path";
	av[n++] = (char *)cfg->log_path;
	av[n] = NULL;
	cfg->agent_yaml = agent;
	cfg->agent_role = ROLE_AGENT_BUILTIN;
	cfg->agent_argv = av;
	cfg->agent_stdin = -2;
	(void)helper_path("aksup-broker");
	(void)helper_path("aksup-agent");
	if ((rc = confine_setup(cfg)) < 0)
		return confine_rc(rc, "run");
	rc = session_run(cfg);
	cgroup_destroy();
	return rc;
}

/* --timeout: whole seconds, 1 s to a year */
#define RUN_TIMEOUT_MAX	(366L * 24 * 3600)

int
cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "log-path", required_argument, NULL, 'l' },
		{ "timeout", required_argument, NULL, 't' },
		{ "stdin", no_argument, NULL, 'i' },
		{ "ro", required_argument, NULL, 'r' },
		{ "agent", required_argument, NULL, 'g' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		AUDIT_LONG_OPTIONS,
		CONFINE_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char *policy = NULL, *logp = NULL, *agent = NULL;
	struct session_cfg cfg;
	int quiet = 0;
	static struct agent_view view;
	char *ro[VIEW_RO_MAX];
	size_t nro = 0;
	int ch, rc;
	long secs;

	memset(&cfg, 0, sizeof(cfg));
	reset_getopt();
	/* "+": stop at the first non-option, CMD's own options are its. */
	while ((ch = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'p': policy = optarg; break;
		case 'l': logp = optarg; break;
		case 't':
			if (parse_int(optarg, 1, RUN_TIMEOUT_MAX, &secs) < 0)
				return usage_err("run", run_usage, "--timeout: "
				    "whole seconds, 1 to 31622400");
			cfg.timeout_ms = (unsigned long long)secs * 1000ull;
			break;
		case 'i': cfg.agent_stdin_pipe = 1; break;
		case 'g': agent = optarg; break;
		case 'q': quiet = 1; break;
		case 'r':
			if (nro >= VIEW_RO_MAX)
				return usage_err("run", run_usage, "--ro: at "
				    "most 64 paths (name their directory)");
			ro[nro++] = optarg;
			break;
		case 'h':
			printf("usage: %s\n\nRuns CMD as the agent: the broker "
			    "channel is on fd 3 ($AKSUP_FD), no network,\n"
			    "read-only system files, no_new_privs, seccomp.\n"
			    "CMD's stdin is /dev/null (--stdin: ours, piped); "
			    "its stdout and stderr are relayed.\n"
			    "CMD sees the system directories, itself and each "
			    "--ro PATH (read-only);\nHOME and /tmp are its "
			    "own: a script agent is run as\n"
			    "  aksup run --policy FILE --ro agent.py -- python3 "
			    "agent.py\n"
			    "Exit: CMD's (128+N: killed by signal N); 1 error "
			    "(also when the session was ended and CMD\nkilled), "
			    "2 usage, 124 --timeout, 126 CMD cannot be confined, "
			    "127 CMD not found.\n\n"
			    "--agent AGENT.yaml runs the built-in LLM agent "
			    "instead (docs/AGENT.md): PROMPT, or\nthe prompt on "
			    "stdin (a terminal: one per line); its answer on "
			    "stdout, a line per\naction on stderr (--quiet: the "
			    "summary only). Exit 0 answered, 1 not (max_turns,\n"
			    "a model call not OK). Its model calls are llm.chat: "
			    "the llm worker holds the\nkeys (NAME_API_KEY, "
			    "--llm-key NAME=FILE) and calls the endpoints "
			    "(--llm NAME=URL;\nbuilt in: openai, anthropic, "
			    "ollama); --llm-replay FILE plays a transcript\n"
			    "offline (model replay/NAME).\n", run_usage);
			return EXIT_OK;
		default:
			if (confine_cli_opt(ch, optarg, &cfg))
				break;
			if ((rc = snapstore_cli_opt(ch, optarg, &cfg,
			    "run")) < 0)
				return usage_err("run", run_usage, NULL);
			if (rc > 0)
				break;
			if ((rc = audit_cli_opt(ch, optarg, &cfg, "run")) < 0)
				return usage_err("run", run_usage, NULL);
			if (rc > 0)
				break;
			return cli_opt_error("run", run_usage, ch, argv,
			    opts);
		}
	}
	if (policy == NULL)
		return usage_err("run", run_usage, "--policy is required");
	if (agent != NULL)
		return run_builtin(&cfg, policy, logp, agent, quiet, nro,
		    argc - optind, argv + optind);
	if (quiet)
		return usage_err("run", run_usage, "--quiet is the built-in "
		    "agent's (--agent AGENT.yaml)");
	if (optind >= argc)
		return usage_err("run", run_usage, "CMD is required");
	if (audit_cli_check(&cfg, "run") < 0)
		return usage_err("run", run_usage, NULL);
	cfg.policy_path = policy;
	cfg.log_path = logp;
	cfg.agent_role = ROLE_AGENT_EXTERNAL;
	cfg.agent_argv = argv + optind;
	cfg.agent_stdin = -2;
	/* what the agent will see: CMD, its symlinks, each --ro */
	if ((rc = view_plan(&view, cfg.agent_argv[0], ro, nro)) != 0)
		return rc == 127 ? 127 : EXIT_USAGE;
	view_warn_program(&view);	/* (its arguments: once the roots
					 * are known, supervisor/start.c) */
	cfg.view = &view;
	(void)helper_path("aksup-broker");	/* found (or said), first */
	/* which confinement layers are in force; refuse if one is missing */
	if ((rc = confine_setup(&cfg)) < 0) {
		view_free(&view);
		return confine_rc(rc, "run");
	}
	rc = session_default_log(&cfg) < 0 ? EXIT_ERR : session_run(&cfg);
	view_free(&view);
	cgroup_destroy();	/* kills what is left in it, removes it */
	return rc;
}
