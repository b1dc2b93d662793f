/*
 * supervisor/cli_util.c -- what every subcommand says when its command
 * line is wrong: the option, argument or value by name, and what would
 * work (its usage; `aksup help CMD` for the whole help).
 *
 * Runs in: aksup, the supervisor (its CLI). Privilege: the invoking
 * user's; prints only.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/openat2.h>
#include <sys/syscall.h>

#include <pwd.h>

#include "common/log.h"
#include "common/util.h"
#include "supervisor/confine.h"

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
cli_opt_error(const char *cmd, const char *usage, int ch, char **argv,
    const struct option *opts)
{
	char shortopt[3] = { '-', (char)optopt, '\0' }, names[256];
	const char *arg = argv[optind - 1], *name;
	size_t len, n = 0, o = 0;
	int i;

	if (ch == ':')
		return cli_usage(cmd, usage, "%s needs a value", arg);
	if (optopt != 0)
		return cli_usage(cmd, usage, "unknown option %s", shortopt);
	/* a long option's prefix that fits several (--p: --policy and
	 * --pids-max) is ambiguous, not unknown */
	if (strncmp(arg, "--", 2) == 0) {
		name = arg + 2;
		len = strcspn(name, "=");
		names[0] = '\0';
		for (i = 0; len > 0 && opts[i].name != NULL; i++)
			if (strncmp(opts[i].name, name, len) == 0 &&
			    o < sizeof(names)) {
				o += (size_t)snprintf(names + o, sizeof(names) - o,
				    "%s--%s", n++ ? ", " : "", opts[i].name);
			}
		if (n > 1)
			return cli_usage(cmd, usage, "%.*s is ambiguous: %s "
			    "(give more of the name)", (int)(len + 2), arg,
			    names);
	}
	return cli_usage(cmd, usage, "unknown option %s", arg);
}

int
cli_arg_error(const char *cmd, const char *usage, const char *arg)
{
	return cli_usage(cmd, usage, "unexpected argument \"%s\" (every value "
	    "follows its option: --name VALUE)", arg);
}

/* mkdir -p of dir's components below `from` (which exists), each new one
 * 0700: the operator's log directory is nobody else's. */
static int
make_dirs(char *dir, size_t from)
{
	char *p;

	for (p = dir + from + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return -1;
		*p = c;
		if (c == '\0')
			return 0;
	}
}

/* Root for sudo's invoking user: confine_setup's word in a session;
 * before one (aksup log), SUDO_UID itself. */
static int
sudo_user(uid_t *uid)
{
	const char *su = getenv("SUDO_UID");
	gid_t g;
	long v;

	if (confine_files_owner(uid, &g) == 0)
		return 1;
	if (geteuid() != 0 || su == NULL || parse_int(su, 1, 0x7fffffff,
	    &v) < 0)
		return 0;
	*uid = (uid_t)v;
	return 1;
}

const char *
cli_default_log(int make)
{
	static char path[PATH_MAX];
	const char *e = getenv("AKSUP_LOG"), *home = NULL, *base = NULL;
	char dir[PATH_MAX], real[PATH_MAX];
	struct passwd *pw;
	uid_t ou;
	size_t from;
	int rc;

	if (e != NULL && *e != '\0')
		return e;	/* the operator's choice, as given */
	if (sudo_user(&ou)) {
		/* sudo: the invoking user's own state directory, made as
		 * them (never root's /var/log, which is not theirs) */
		if ((pw = getpwuid(ou)) == NULL || pw->pw_dir[0] != '/')
			goto none;
		home = pw->pw_dir;
	} else if (geteuid() == 0) {
		snprintf(dir, sizeof(dir), "/var/log/aksup");
		from = strlen("/var/log");
		goto have;
	} else if ((base = getenv("XDG_STATE_HOME")) != NULL &&
	    base[0] == '/') {
		/* (its own symlinks resolved: aksup follows none later) */
		if (realpath(base, real) != NULL)
			base = real;
		if (snprintf(dir, sizeof(dir), "%s/aksup", base) >=
		    (int)sizeof(dir))
			goto none;
		from = 0;	/* XDG_STATE_HOME itself may not exist yet */
		goto have;
	} else if ((home = getenv("HOME")) == NULL || home[0] != '/')
		goto none;
	/* HOME as it really is: a /home that is a symlink (/var/home)
	 * would be refused by the log's open, which follows none */
	if (realpath(home, real) != NULL)
		home = real;
	if (snprintf(dir, sizeof(dir), "%s/.local/state/aksup", home) >=
	    (int)sizeof(dir))
		goto none;
	from = strlen(home);
 have:
	if (make) {
		if (confine_as_invoker(1) < 0)
			rc = -1;
		else
			rc = make_dirs(dir, from);
		(void)confine_as_invoker(0);
		if (rc < 0) {
			log_warn("cannot make the audit log's directory %s "
			    "(name another with --log-path or AKSUP_LOG)", dir);
			return NULL;
		}
	}
	if (snprintf(path, sizeof(path), "%s/aksup.log", dir) >=
	    (int)sizeof(path))
		goto none;
	return path;
 none:
	log_warnx("no default audit log: neither XDG_STATE_HOME nor HOME is "
	    "an absolute path; name one with --log-path or AKSUP_LOG");
	return NULL;
}

/* NAME beside the log (NULL: the default log), into path (PATH_MAX):
 * its directory as written ("" for a bare name). NULL when too long
 * (said: what, and the option that names another). */
static const char *
beside_log(const char *log_path, const char *name, char *path,
    const char *what, const char *option)
{
	const char *slash;
	int n;

	if (log_path == NULL && (log_path = cli_default_log(0)) == NULL)
		return NULL;
	if ((slash = strrchr(log_path, '/')) == NULL)
		n = snprintf(path, PATH_MAX, "%s", name);
	else
		n = snprintf(path, PATH_MAX, "%.*s/%s",
		    (int)(slash - log_path), log_path, name);
	if (n < 0 || n >= PATH_MAX) {
		log_warnx("no default %s: the directory of %s is too long "
		    "(name one with %s)", what, log_path, option);
		return NULL;
	}
	return path;
}

const char *
cli_default_pins(const char *log_path)
{
	static char path[PATH_MAX];

	return beside_log(log_path, "mcp-pins.jsonl", path, "MCP pin file",
	    "--mcp-pins");
}

const char *
snapstore_default(const char *log_path)
{
	static char path[PATH_MAX];

	return beside_log(log_path, "snapshots", path, "snapshot store",
	    "--snapshot-dir");
}

int
cli_id_prefix(const char *s)
{
	size_t i;

	for (i = 0; i < 36; i++)	/* (stops at a NUL: not a digit) */
		if ((i == 8 || i == 13 || i == 18 || i == 23) ? s[i] != '-' :
		    !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f')))
			return 0;
	return 1;
}

int
open_nofollow(int dirfd, const char *path, unsigned long long flags)
{
	struct open_how how;

	memset(&how, 0, sizeof(how));
	how.flags = flags;
	how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}
