/*
 * supervisor/cli_mcp.c -- `aksup mcp tools` (the policy's MCP servers and
 * their tools' pin states) and `aksup mcp pin` (approve the tools that
 * changed or appeared since pinned). The supervisor opens the policy and
 * the pin file and appends the approved lines; the broker binary reads
 * both, confined as the policy tool (aksup-broker --mcp-tools /
 * --mcp-pin, broker/mcp_cli.c): the supervisor parses no YAML and no
 * JSON, and only copies the lines it is handed, whole, after the
 * operator said yes.
 *
 * Runs in: aksup, the supervisor. Privilege: the invoking user's; opens
 * the policy and the pin file by the operator's paths (the pin file
 * O_NOFOLLOW: read O_RDONLY, appended O_WRONLY|O_APPEND, one write() a
 * line), and a memfd for the broker's lines.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fds.h"
#include "common/log.h"
#include "common/util.h"
#include "supervisor/confine.h"
#include "supervisor/supervisor.h"

/* The lines the broker hands back approve what the pin file holds: at
 * most twice its bound (PINS_FILE_MAX, common/mcp/pins.h). */
#define LINES_MAX	(32u * 1024 * 1024)

static const char mcp_usage[] =
    "aksup mcp tools --policy FILE [--mcp-pins FILE | --log-path FILE]\n"
    "       aksup mcp pin --policy FILE [--mcp-pins FILE | --log-path FILE] "
    "[--yes]\n                     [SERVER[/TOOL]]";

static const char mcp_help[] =
    "\ntools: each MCP server the policy declares, and its tools in the pin\n"
    "file: pinned, or changed or new and awaiting approval (denied until\n"
    "approved); then the tools of servers the policy does not declare.\n"
    "pin: for each tool awaiting approval (of SERVER, or that TOOL), how its\n"
    "announced definition differs from its pin; then, once approved, its\n"
    "\"pin\" line is appended to the pin file. --yes approves without asking;\n"
    "else the question is asked on a terminal, and without one nothing is\n"
    "approved.\n"
    "The pin file: --mcp-pins FILE, else mcp-pins.jsonl beside --log-path's\n"
    "log, else beside the default audit log. It must be a regular file of\n"
    "yours or root's that nobody else may write; none yet: no pins.\n"
    "Exit: 0 ok (pin: approved, or nothing awaited), 1 error or nothing\n"
    "approved, 2 usage (also a SERVER the policy does not declare).\n";

struct mcp_args {
	const char *sub;	/* "tools", "pin" */
	const char *policy, *pins, *logp, *sel;
	int yes;
};

/* ---- the pin file ---- */

/* The operator's file: regular, yours or root's, nobody else's to
 * write. 0, or -1 (said). */
static int
pins_fd_ok(int fd, const char *path, struct stat *st)
{
	if (fstat(fd, st) < 0) {
		log_warn("MCP pin file %s", path);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		log_warnx("MCP pin file %s is not a regular file: refused",
		    path);
		return -1;
	}
	if ((st->st_mode & 022) != 0) {
		log_warnx("MCP pin file %s is %s-writable (mode %03o): refused "
		    "(chmod go-w %s)", path, (st->st_mode & 020) ? "group" :
		    "world", (unsigned)(st->st_mode & 0777), path);
		return -1;
	}
	if (st->st_uid != geteuid() && st->st_uid != 0 &&
	    !invoking_user(st->st_uid)) {
		log_warnx("MCP pin file %s belongs to uid %u, neither you nor "
		    "root: refused", path, (unsigned)st->st_uid);
		return -1;
	}
	return 0;
}

/* The pin file for reading: its fd, -2 when there is none (no pins),
 * -1 (said) when refused. */
static int
pins_open(const char *path, struct stat *st)
{
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return -2;
		if (errno == ELOOP)
			log_warnx("MCP pin file %s is a symbolic link: refused "
			    "(name the file itself)", path);
		else
			log_warn("MCP pin file %s", path);
		return -1;
	}
	if (pins_fd_ok(fd, path, st) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* 1 when the file read (rfd) ends inside a line (torn by a crash):
 * what is appended then begins with a '\n', or it would be part of
 * that line. */
static int
ends_torn(int rfd, const struct stat *st)
{
	char c;

	return st->st_size > 0 && pread(rfd, &c, 1, st->st_size - 1) == 1 &&
	    c != '\n';
}

/* One approved line (its '\n' included), after a '\n' when torn: one
 * write(). The bytes written, or -1. */
static ssize_t
write_line(int fd, const char *l, size_t n, int torn)
{
	char *t;
	ssize_t w;

	if (!torn)
		return write(fd, l, n);
	if ((t = malloc(n + 1)) == NULL)
		return -1;
	t[0] = '\n';
	memcpy(t + 1, l, n);
	w = write(fd, t, n + 1);
	free(t);
	return w < 0 ? w : w - 1;
}

/* Append the approved lines, one write() a line, to the file read (rfd,
 * was). 0, or -1 (said, with how many were appended). */
static int
pins_append(const char *path, int rfd, const struct stat *was,
    const char *buf, size_t len, size_t nlines)
{
	const char *l = buf, *nl;
	struct stat st;
	size_t done = 0, n;
	ssize_t w;
	int fd, rc = -1, torn;

	fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC |
	    O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		log_warn("MCP pin file %s: nothing approved", path);
		return -1;
	}
	if (pins_fd_ok(fd, path, &st) < 0)
		goto out;
	if (st.st_dev != was->st_dev || st.st_ino != was->st_ino) {
		log_warnx("MCP pin file %s was replaced while read: nothing "
		    "approved (run it again)", path);
		goto out;
	}
	torn = ends_torn(rfd, &st);
	for (; l < buf + len; l = nl + 1, done++, torn = 0) {
		nl = memchr(l, '\n', (size_t)(buf + len - l));
		n = (size_t)(nl - l) + 1;
		if ((w = write_line(fd, l, n, torn)) != (ssize_t)n) {
			if (w < 0)
				log_warn("MCP pin file %s: append", path);
			else
				log_warnx("MCP pin file %s: a short append "
				    "(%zd of %zu bytes)", path, w, n);
			log_warnx("%zu of %zu tools approved", done, nlines);
			goto out;
		}
	}
	rc = 0;
 out:
	close(fd);
	return rc;
}

/* ---- the broker's half ---- */

/* aksup-broker MODE on the policy, the pin file on its stdin (-1: none)
 * and lines_fd (-1: none) on BROKER_FD_SUP. Its exit status, or -1. */
static int
run_broker(const char *mode, const struct mcp_args *a, const char *path,
    int pins_fd, int lines_fd)
{
	char *bargv[10];
	struct spawn sp;
	int n = 0, pfd, rc;

	if ((pfd = policyfile_open(a->policy)) < 0)
		return -1;
	bargv[n++] = "aksup-broker";
	bargv[n++] = (char *)mode;
	bargv[n++] = "--policy-name";
	bargv[n++] = (char *)a->policy;
	bargv[n++] = "--";
	bargv[n++] = (char *)path;
	if (a->sel != NULL)
		bargv[n++] = (char *)a->sel;
	bargv[n] = NULL;
	memset(&sp, 0, sizeof(sp));
	sp.role = ROLE_POLICY_TOOL;
	sp.argv = bargv;
	sp.envp = helper_env();
	sp.src[0] = pfd;
	sp.dst[0] = BROKER_FD_POLICY;
	sp.nfds = 1;
	if (lines_fd >= 0) {
		sp.src[1] = lines_fd;
		sp.dst[1] = BROKER_FD_SUP;
		sp.nfds = 2;
	}
	sp.stdin_fd = pins_fd;
	sp.stdout_fd = -2;
	fflush(stdout);
	rc = run_helper(&sp);
	close(pfd);
	return rc;
}

static int
broker_rc(int rc)
{
	if (rc == 0)
		return EXIT_OK;
	return rc == 2 ? EXIT_USAGE : EXIT_ERR;
}

/* The lines the broker wrote: whole lines, counted in *nlines. */
static int
lines_read(int fd, char **buf, size_t *len, size_t *nlines)
{
	size_t i;

	*buf = NULL;
	*nlines = 0;
	if (lseek(fd, 0, SEEK_SET) < 0 || read_all(fd, LINES_MAX, buf,
	    len) < 0) {
		log_warn("the approving lines");
		return -1;
	}
	for (i = 0; i < *len; i++) {
		if ((*buf)[i] == '\0')
			break;
		if ((*buf)[i] == '\n')
			(*nlines)++;
	}
	if (i < *len || (*len > 0 && (*buf)[*len - 1] != '\n')) {
		log_warnx("the approving lines are not whole lines: nothing "
		    "approved");
		free(*buf);
		*buf = NULL;
		return -1;
	}
	return 0;
}

/* 1 when the operator approves the n tools shown. */
static int
confirm(size_t n, const char *path, int yes)
{
	char ans[16];

	if (yes)
		return 1;
	if (!isatty(STDIN_FILENO)) {
		log_warnx("%zu tool%s await%s approval: nothing approved "
		    "(standard input is not a terminal; --yes approves "
		    "without asking)", n, n == 1 ? "" : "s", n == 1 ? "s" : "");
		return 0;
	}
	printf("approve %s (pin %s in %s)? [y/N] ", n == 1 ? "this tool" :
	    "these tools", n == 1 ? "it" : "them", path);
	fflush(stdout);
	if (fgets(ans, sizeof(ans), stdin) == NULL ||
	    (strcmp(ans, "y\n") != 0 && strcmp(ans, "Y\n") != 0 &&
	    strcmp(ans, "yes\n") != 0)) {
		printf("nothing approved\n");
		return 0;
	}
	return 1;
}

/* ---- the subcommands ---- */

static int
mcp_tools(const struct mcp_args *a, const char *path)
{
	struct stat st;
	int fd, rc;

	if ((fd = pins_open(path, &st)) == -1)
		return EXIT_ERR;
	rc = run_broker("--mcp-tools", a, path, fd, -1);
	if (fd >= 0)
		close(fd);
	return rc < 0 ? EXIT_ERR : broker_rc(rc);
}

static int
mcp_pin(const struct mcp_args *a, const char *path)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, n = 0;
	int fd, mfd = -1, rc = EXIT_ERR;

	if ((fd = pins_open(path, &st)) == -1)
		return EXIT_ERR;
	if ((mfd = memfd_create("aksup-mcp-pin", MFD_CLOEXEC)) < 0) {
		log_warn("memfd_create");
		goto out;
	}
	if ((rc = run_broker("--mcp-pin", a, path, fd, mfd)) < 0) {
		rc = EXIT_ERR;
		goto out;
	}
	if ((rc = broker_rc(rc)) != EXIT_OK)
		goto out;
	rc = EXIT_ERR;
	if (lines_read(mfd, &buf, &len, &n) < 0)
		goto out;
	if (n == 0) {		/* nothing awaited: the broker said so */
		rc = EXIT_OK;
		goto out;
	}
	if (fd < 0) {		/* no file read, yet lines: refuse */
		log_warnx("MCP pin file %s: none, yet approvals: nothing "
		    "approved", path);
		goto out;
	}
	if (!confirm(n, path, a->yes))
		goto out;
	if (pins_append(path, fd, &st, buf, len, n) < 0)
		goto out;
	printf("approved %zu tool%s: pinned in %s\n", n, n == 1 ? "" : "s",
	    path);
	rc = EXIT_OK;
 out:
	free(buf);
	if (mfd >= 0)
		close(mfd);
	if (fd >= 0)
		close(fd);
	return rc;
}

static int
usage_err(const char *msg)
{
	return cli_usage("mcp", mcp_usage, "%s", msg);
}

/* The options of tools and pin; EXIT_OK, or an exit code to return
 * (-1: --help printed). */
static int
parse(int argc, char **argv, struct mcp_args *a)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "mcp-pins", required_argument, NULL, 'm' },
		{ "log-path", required_argument, NULL, 'l' },
		{ "yes", no_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch, pin = strcmp(a->sub, "pin") == 0;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (ch) {
		case 'p': a->policy = optarg; break;
		case 'm': a->pins = optarg; break;
		case 'l': a->logp = optarg; break;
		case 'y': a->yes = 1; break;
		case 'h':
			printf("usage: %s\n%s", mcp_usage, mcp_help);
			return -1;
		default:
			return cli_opt_error("mcp", mcp_usage, ch, argv, opts);
		}
	}
	if (a->yes && !pin)
		return usage_err("--yes is pin's");
	if (optind < argc && (!pin || optind + 1 < argc))
		return cli_arg_error("mcp", mcp_usage, argv[pin ? optind + 1 :
		    optind]);
	if (optind < argc)
		a->sel = argv[optind];
	if (a->policy == NULL)
		return usage_err("--policy is required");
	if (a->pins != NULL && a->logp != NULL)
		return usage_err("--mcp-pins names the pin file, --log-path the "
		    "log it lies beside: one of them");
	if (a->sel != NULL && (a->sel[0] == '\0' || a->sel[0] == '/'))
		return usage_err("SERVER[/TOOL] names a server");
	return EXIT_OK;
}

int
cmd_mcp(int argc, char **argv)
{
	struct mcp_args a;
	const char *path;
	int rc;

	if (argc < 2)
		return usage_err("a subcommand is required (tools or pin)");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		printf("usage: %s\n%s", mcp_usage, mcp_help);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "tools") != 0 && strcmp(argv[1], "pin") != 0)
		return cli_usage("mcp", mcp_usage, "unknown subcommand \"%s\" "
		    "(the ones there are: tools, pin)", argv[1]);
	memset(&a, 0, sizeof(a));
	a.sub = argv[1];
	if ((rc = parse(argc - 1, argv + 1, &a)) != EXIT_OK)
		return rc < 0 ? EXIT_OK : rc;
	if ((path = a.pins) == NULL && (path = cli_default_pins(a.logp)) ==
	    NULL)
		return EXIT_ERR;
	return strcmp(a.sub, "tools") == 0 ? mcp_tools(&a, path) :
	    mcp_pin(&a, path);
}
