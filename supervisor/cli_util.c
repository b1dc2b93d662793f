/*
 * supervisor/cli_util.c -- what every subcommand says when its command
 * line is wrong: the option, argument or value by name, and what would
 * work (its usage; `aksup help CMD` for the whole help).
 *
 * Runs in: aksup, the supervisor (its CLI). Privilege: the invoking
 * user's; prints only.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "supervisor/supervisor.h"

int
cli_usage(const char *cmd, const char *usage, const char *fmt, ...)
{
	va_list ap;

	if (fmt != NULL) {
		fprintf(stderr, "aksup %s: ", cmd);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	fprintf(stderr, "usage: %s\n(aksup help %s: every option and exit "
	    "code)\n", usage, cmd);
	return EXIT_USAGE;
}

/*
 * getopt_long's '?' (an option it does not know) or ':' (an option
 * without its value; optstring begins with ':'), said with the option's
 * own text: argv[optind - 1] (the option as typed), but for an unknown
 * short option in a cluster, optopt.
 */
int
cli_opt_error(const char *cmd, const char *usage, int ch, char **argv)
{
	char shortopt[3] = { '-', (char)optopt, '\0' };

	if (ch == ':')
		return cli_usage(cmd, usage, "%s needs a value",
		    argv[optind - 1]);
	return cli_usage(cmd, usage, "unknown option %s", optopt != 0 ?
	    shortopt : argv[optind - 1]);
}

int
cli_arg_error(const char *cmd, const char *usage, const char *arg)
{
	return cli_usage(cmd, usage, "unexpected argument \"%s\" (every value "
	    "follows its option: --name VALUE)", arg);
}
