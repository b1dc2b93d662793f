/*
 * supervisor/cli_log.c -- aksup log (show the audit log) and aksup log
 * verify (prove it). Both end in aksup-log, confined: the supervisor only
 * opens the files the operator named and hands over descriptors.
 *
 * Runs in: aksup, the supervisor. Privilege: the invoking user's; opens
 * the log O_RDONLY and the key files O_RDONLY, by the operator's paths.
 * With --follow it copies the growing log, byte for byte and unparsed,
 * into a pipe to aksup-log (which may not wait or sleep under its
 * filter): reading and copying bytes is all it does with them.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "common/logusage.h"
#include "supervisor/supervisor.h"

#define KEYS_MAX	16
#define FOLLOW_MS	200

static int
usage_err(const char *usage, const char *msg)
{
	return cli_usage("log", usage, "%s", msg);
}

/* The log to read: --log-path's, else the default (where aksup run
 * writes). -1 (said, naming which) when it cannot be opened. */
static int
open_log(const char **logp)
{
	int dflt = *logp == NULL, fd;

	if (dflt && (*logp = cli_default_log(0)) == NULL)
		return -1;
	if ((fd = open(*logp, O_RDONLY | O_CLOEXEC)) >= 0)
		return fd;
	if (dflt && errno == ENOENT)
		log_warnx("no audit log at %s yet: it is the default, and no "
		    "session has written it (--log-path names another)", *logp);
	else
		log_warn("audit log %s", *logp);
	return -1;
}

static const char verify_usage[] =
    "aksup log verify [--log-path F] [--key FILE]... [--allow-open]\n"
    "                 [--allow-crashed]";

static int
cmd_log_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "log-path", required_argument, NULL, 'l' },
		{ "key", required_argument, NULL, 'k' },
		{ "allow-open", no_argument, NULL, 'o' },
		{ "allow-crashed", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *logp = NULL, *keys[KEYS_MAX];
	char *largv[8 + 2 * KEYS_MAX], nkeys[16];
	struct spawn sp;
	int ch, n = 0, nk = 0, allow_open = 0, allow_crashed = 0, fd = -1;
	int kfd[KEYS_MAX];
	int i, rc = EXIT_ERR;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (ch) {
		case 'l': logp = optarg; break;
		case 'k':
			if (nk == KEYS_MAX)
				return usage_err(verify_usage, "too many keys");
			keys[nk++] = optarg;
			break;
		case 'o': allow_open = 1; break;
		case 'c': allow_crashed = 1; break;
		case 'h':
			printf("usage: %s\n\nChecks the hash chain, seq, time "
			    "order, sessions, decision/outcome pairing and,\n"
			    "with the session's key file, every seal. Exit 0 "
			    "valid, 1 with the first bad record, 2 usage.\n"
			    "--allow-open: the last session may lack its end "
			    "(running or crashed).\n--allow-crashed: a keyed "
			    "session may lack its final seal (a crash); the\n"
			    "records it leaves unsealed are named.\n",
			    verify_usage);
			return EXIT_OK;
		default:
			return cli_opt_error("log", verify_usage, ch, argv,
			    opts);
		}
	}
	if (optind != argc)
		return cli_arg_error("log", verify_usage, argv[optind]);
	for (i = 0; i < KEYS_MAX; i++)
		kfd[i] = -1;
	if ((fd = open_log(&logp)) < 0)
		goto out;
	memset(&sp, 0, sizeof(sp));
	for (i = 0; i < nk; i++) {
		if ((kfd[i] = open(keys[i], O_RDONLY | O_CLOEXEC)) < 0) {
			log_warn("--key %s", keys[i]);
			goto out;
		}
		sp.src[i] = kfd[i];
		sp.dst[i] = 3 + i;
	}
	sp.nfds = nk;
	snprintf(nkeys, sizeof(nkeys), "%d", nk);
	largv[n++] = "aksup-log";
	largv[n++] = "verify";
	largv[n++] = "--keys";
	largv[n++] = nkeys;
	for (i = 0; i < nk; i++) {	/* for its messages: the files' names */
		largv[n++] = "--key-name";
		largv[n++] = (char *)keys[i];
	}
	if (allow_open)
		largv[n++] = "--allow-open";
	if (allow_crashed)
		largv[n++] = "--allow-crashed";
	largv[n] = NULL;
	/* The log and the keys are read by aksup-log, confined: fd 0 the
	 * log, fds 3.. the key files. */
	sp.role = ROLE_LOGVIEW;
	sp.argv = largv;
	sp.envp = helper_env();
	sp.stdin_fd = fd;
	sp.stdout_fd = -2;
	rc = run_helper(&sp);
 out:
	for (i = 0; i < KEYS_MAX; i++)
		if (kfd[i] >= 0)
			close(kfd[i]);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Copy the log into aksup-log's pipe as it grows, until aksup-log ends
 * (or we are interrupted: it then dies with us, PDEATHSIG). */
static int
follow(struct spawn *sp, int logfd)
{
	static char buf[64 * 1024];
	int p[2], st, reaped = 0;
	pid_t pid;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0) {
		log_warn("pipe");
		return EXIT_ERR;
	}
	(void)signal(SIGPIPE, SIG_IGN);
	sp->stdin_fd = p[0];
	if ((pid = spawn_role(sp)) < 0) {
		log_warn("fork");
		close(p[0]);
		close(p[1]);
		return EXIT_ERR;
	}
	close(p[0]);
	for (;;) {
		n = read(logfd, buf, sizeof(buf));
		if (n > 0) {
			if (write_all(p[1], buf, (size_t)n) < 0)
				break;		/* aksup-log is gone */
			continue;
		}
		if (n < 0 && errno != EINTR) {
			log_warn("reading the log");
			break;
		}
		if (waitpid(pid, &st, WNOHANG) == pid) {
			reaped = 1;
			break;
		}
		(void)poll(NULL, 0, FOLLOW_MS);
	}
	close(p[1]);
	while (!reaped && waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return EXIT_ERR;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}

static const char log_usage[] = AKSUP_LOG_USAGE;

/*
 * `aksup log verify ...`, and also `aksup log --log-path L verify ...`
 * (the order a user types): the first argument that is no option and no
 * option's value, when it is "verify". Returns verify's exit code, or -1
 * when this is no verify.
 */
static int
verify_at(int argc, char **argv, const struct option *opts)
{
	char *vargv[64];
	int i, j, k, n = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return -1;
		if (argv[i][0] != '-')
			break;
		/* an option with its value in the next argument? (log's,
		 * and verify's --key; exact names: a prefix is left to
		 * getopt, in the mode it is typed in) */
		if (strcmp(argv[i], "--key") == 0) {
			i++;
			continue;
		}
		for (j = 0; opts[j].name != NULL; j++)
			if (strncmp(argv[i], "--", 2) == 0 &&
			    strcmp(argv[i] + 2, opts[j].name) == 0 &&
			    opts[j].has_arg == required_argument) {
				i++;
				break;
			}
	}
	if (i >= argc || strcmp(argv[i], "verify") != 0 || argc > 63)
		return -1;
	vargv[n++] = "verify";
	for (k = 1; k < argc; k++)
		if (k != i)
			vargv[n++] = argv[k];
	vargv[n] = NULL;
	return cmd_log_verify(n, vargv);
}

int
cmd_log(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "log-path", required_argument, NULL, 'l' },
		{ "status", required_argument, NULL, 's' },
		{ "action", required_argument, NULL, 'a' },
		{ "session", required_argument, NULL, 'S' },
		{ "since", required_argument, NULL, 'f' },
		{ "until", required_argument, NULL, 'u' },
		{ "record-id", required_argument, NULL, 'r' },
		{ "limit", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "follow", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *logp = NULL;
	char *largv[24], backlog[32];
	struct spawn sp;
	struct stat st;
	int ch, n = 0, fd, rc, follow_mode = 0, limit = 0;

	if ((rc = verify_at(argc, argv, opts)) >= 0)
		return rc;
	if (argc == 2 && strcmp(argv[1], "help") == 0)
		argv[1] = "--help";	/* aksup log help: as policy help */
	optind = 1;
	opterr = 0;
	largv[n++] = "aksup-log";
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (ch) {
		case 'l': logp = optarg; break;
		case 's': case 'a': case 'S': case 'f': case 'u': case 'r':
		case 'n':
			largv[n++] = ch == 's' ? "--status" : ch == 'a' ?
			    "--action" : ch == 'S' ? "--session" : ch == 'f' ?
			    "--since" : ch == 'u' ? "--until" : ch == 'r' ?
			    "--record-id" : "--limit";
			largv[n++] = optarg;
			limit |= ch == 'n';
			break;
		case 'j': largv[n++] = "--json"; break;
		case 'F': largv[n++] = "--follow"; follow_mode = 1; break;
		case 'h':
			printf("usage: %s\n\nOne row per request (decision joined "
			    "with its outcome). --limit shows the last N\n"
			    "(with --follow: the last N, then every new row, as "
			    "tail -n N -f);\n--since/--until take RFC 3339 UTC "
			    "times or a prefix (2026-01-31, 2026-01-31T10:00);\n"
			    "--session takes a session's UUID or a prefix of it "
			    "(every session that starts with it).\n"
			    "--log-path defaults to $AKSUP_LOG, else "
			    "/var/log/aksup/aksup.log (root), else\n"
			    "$XDG_STATE_HOME/aksup/aksup.log "
			    "(~/.local/state/aksup/aksup.log): where aksup run "
			    "writes.\n"
			    "Exit: 0 ok (verify: valid), 1 error (verify: "
			    "invalid), 2 usage.\n", log_usage);
			return EXIT_OK;
		default:
			return cli_opt_error("log", log_usage, ch, argv,
			    opts);
		}
		if (n > 20)
			return usage_err(log_usage, "too many options");
	}
	if (optind != argc)
		return cli_arg_error("log", log_usage, argv[optind]);
	largv[n] = NULL;
	if ((fd = open_log(&logp)) < 0)
		return EXIT_ERR;
	/* --follow --limit N: aksup-log shows the last N rows of the log as
	 * it is now (its first st_size bytes), then every new one. */
	if (follow_mode && limit && fstat(fd, &st) == 0 && st.st_size > 0) {
		snprintf(backlog, sizeof(backlog), "%lld",
		    (long long)st.st_size);
		largv[n++] = "--backlog";
		largv[n++] = backlog;
		largv[n] = NULL;
	}
	/* The log is parsed by aksup-log, confined, from fd 0. */
	memset(&sp, 0, sizeof(sp));
	sp.role = ROLE_LOGVIEW;
	sp.argv = largv;
	sp.envp = helper_env();
	sp.stdin_fd = fd;
	sp.stdout_fd = -2;
	rc = follow_mode ? follow(&sp, fd) : run_helper(&sp);
	close(fd);
	return rc;
}
