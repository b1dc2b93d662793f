/*
 * supervisor/main.c -- aksup: dispatch a subcommand.
 *
 * Runs in: aksup, the supervisor. Privilege: the invoking user's.
 */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "supervisor/supervisor.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} cmds[] = {
	{ "run", cmd_run, "run an agent (CMD, or the built-in --agent) under a policy" },
	{ "submit", cmd_submit, "submit one request (or a batch) under a policy" },
	{ "log", cmd_log, "show the audit log" },
	{ "rollback", cmd_rollback, "undo writes, deletes and snapshot: tree commands from their snapshots" },
	{ "snapshots", cmd_snapshots, "snapshots list|gc: the snapshot store" },
	{ "validate-policy", cmd_validate, "check a policy file" },
	{ "policy", cmd_policy, "policy explain: how a policy decides a request" },
	{ "mcp", cmd_mcp, "mcp tools|pin: MCP servers' tools, pinned and approved" },
	{ "version", cmd_version, "print the version" },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: aksup COMMAND [OPTIONS]\n\ncommands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-16s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f, "\n'aksup help COMMAND' (or 'aksup COMMAND --help') for a "
	    "command's options and exit codes.\n"
	    "exit codes: 0 ok, 1 error, 2 usage, 3 denied (submit, policy "
	    "explain); run: CMD's own, 124, 126, 127 (aksup help run)\n");
}

/* aksup help COMMAND [SUB]: that command's --help. */
static int
help(int argc, char **argv)
{
	char *hargv[4];
	size_t i;

	if (argc < 3) {
		usage(stdout);
		return EXIT_OK;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[2], cmds[i].name) != 0)
			continue;
		hargv[0] = argv[2];
		hargv[1] = argc > 3 ? argv[3] : "--help";
		hargv[2] = argc > 3 ? "--help" : NULL;
		hargv[3] = NULL;
		return cmds[i].fn(argc > 3 ? 3 : 2, hargv);
	}
	fprintf(stderr, "aksup help: no command '%s'\n", argv[2]);
	usage(stderr);
	return EXIT_USAGE;
}

int
main(int argc, char **argv)
{
	size_t i;

	log_init("aksup");
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "help") == 0)
		return help(argc, argv);
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(argc - 1, argv + 1);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "aksup: unknown command '%s' (the commands are "
	    "below)\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
