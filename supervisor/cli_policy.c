/*
 * supervisor/cli_policy.c -- `aksup policy explain`: how the policy
 * decides one request, and why. The supervisor only opens the policy
 * file; the broker binary parses it and the --params JSON, confined
 * (aksup-broker --explain, broker/explain.c), as validate-policy does.
 *
 * Runs in: aksup, the supervisor. Privilege: the invoking user's; opens
 * only the policy named on the command line.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "supervisor/supervisor.h"

static const char policy_usage[] =
    "aksup policy explain --policy FILE --action A --target T "
    "[--params JSON]";

static const char policy_help[] =
    "\nShows how the policy decides one request (as the broker would,\n"
    "defaults such as method GET filled in): the decision, the rule that\n"
    "made it (FILE:LINE or default-deny) and why each other rule for the\n"
    "action did not match.\n"
    "Exit: 0 allowed, 3 denied, 1 error (policy invalid, file missing,\n"
    "params unfit for the action), 2 usage (also --params that is not a\n"
    "JSON object).\n";

static int
usage_err(const char *msg)
{
	return cli_usage("policy", policy_usage, "%s", msg);
}

static int
explain(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "action", required_argument, NULL, 'a' },
		{ "target", required_argument, NULL, 't' },
		{ "params", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *policy = NULL, *action = NULL, *target = NULL;
	const char *params = NULL;
	char *bargv[12];
	int ch, rc, n = 0;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (ch) {
		case 'p': policy = optarg; break;
		case 'a': action = optarg; break;
		case 't': target = optarg; break;
		case 'P': params = optarg; break;
		case 'h':
			printf("usage: %s\n%s", policy_usage, policy_help);
			return EXIT_OK;
		default:
			return cli_opt_error("policy explain",
			    policy_usage, ch, argv, opts);
		}
	}
	if (optind != argc)
		return cli_arg_error("policy explain", policy_usage,
		    argv[optind]);
	if (policy == NULL || action == NULL || target == NULL)
		return usage_err("--policy, --action and --target are required");
	bargv[n++] = "aksup-broker";
	bargv[n++] = "--explain";
	bargv[n++] = "--policy-name";
	bargv[n++] = (char *)policy;
	bargv[n++] = "--action";
	bargv[n++] = (char *)action;
	bargv[n++] = "--target";
	bargv[n++] = (char *)target;
	if (params != NULL) {
		bargv[n++] = "--params";
		bargv[n++] = (char *)params;
	}
	bargv[n] = NULL;
	if ((rc = run_policy_helper(policy, bargv)) < 0)
		return EXIT_ERR;
	switch (rc) {
	case 0:
		return EXIT_OK;
	case 3:
		return EXIT_DENIED;
	case 2:		/* --params is not a JSON object */
		fprintf(stderr, "usage: %s\n", policy_usage);
		return EXIT_USAGE;
	default:
		return EXIT_ERR;
	}
}

int
cmd_policy(int argc, char **argv)
{
	if (argc < 2)
		return usage_err("a subcommand is required");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		printf("usage: %s\n%s", policy_usage, policy_help);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "explain") == 0)
		return explain(argc - 1, argv + 1);
	return cli_usage("policy", policy_usage, "unknown subcommand \"%s\" "
	    "(the one there is: explain)", argv[1]);
}
