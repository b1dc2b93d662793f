/*
 * supervisor/cli_rollback.c -- aksup rollback: snapshot.rollback through
 * the gate, as `aksup submit` sends any action (decided by the policy,
 * recorded in the audit log, done by the fs worker). One record id, or a
 * session's writes and deletes newest first (--session, --since): their
 * record ids are the audit log's, read by aksup-log (confined), which
 * prints one id a line; each becomes one request of a submit batch.
 *
 * Runs in: aksup, the supervisor. Privilege: the invoking user's; opens
 * the log O_RDONLY by the operator's path and two memfds (aksup-log's
 * output, the batch). It parses nothing but aksup-log's lines, each
 * checked to be a record id before it is written into a request.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "supervisor/supervisor.h"

#define ID_LEN		36
#define PLAN_MAX	(16u * 1024 * 1024)	/* bytes of aksup-log's plan */
#define PASS_MAX	48			/* options passed to submit */

static const char rollback_usage[] =
    "aksup rollback --policy FILE [--log-path F] [--force] RECORD_ID\n"
    "       aksup rollback --policy FILE [--log-path F] [--force] "
    "--session ID [--since RECORD_ID]\n"
    "       (audit: " AUDIT_USAGE ")\n       (sandbox: " CONFINE_USAGE ")";

/* A record or session id as the broker makes them (the broker checks
 * the rest). */
static int
id_shape(const char *s)
{
	return strlen(s) == ID_LEN && cli_id_prefix(s);
}

/* aksup-log --rollback-plan on the log: its output in a memfd (or -1,
 * said); *rc aksup-log's exit status. */
static int
plan(const char *logp, const char *session, const char *since, int *rc)
{
	char *largv[8];
	struct spawn sp;
	int n = 0, fd, out;

	if (logp == NULL && (logp = cli_default_log(0)) == NULL)
		return -1;
	if ((fd = open(logp, O_RDONLY | O_CLOEXEC)) < 0) {
		log_warn("audit log %s", logp);
		return -1;
	}
	if ((out = memfd_create("aksup-rollback-plan", MFD_CLOEXEC)) < 0) {
		log_warn("memfd_create");
		close(fd);
		return -1;
	}
	largv[n++] = "aksup-log";
	largv[n++] = "--rollback-plan";
	largv[n++] = (char *)session;
	if (since != NULL) {
		largv[n++] = "--plan-since";
		largv[n++] = (char *)since;
	}
	largv[n] = NULL;
	/* The log is parsed by aksup-log, confined, from fd 0. */
	memset(&sp, 0, sizeof(sp));
	sp.role = ROLE_LOGVIEW;
	sp.argv = largv;
	sp.envp = helper_env();
	sp.stdin_fd = fd;
	sp.stdout_fd = out;
	*rc = run_helper(&sp);
	close(fd);
	return out;
}

/* The plan's ids as a submit batch, one snapshot.rollback a line, in a
 * memfd: its fd, or -1 (said). *count: how many. */
static int
batch_of(int planfd, int force, size_t *count)
{
	char *buf = NULL, *line, *nl;
	struct stat st;
	FILE *f = NULL;
	int out = -1;
	ssize_t r;

	*count = 0;
	if (fstat(planfd, &st) < 0 || (size_t)st.st_size > PLAN_MAX ||
	    (buf = malloc((size_t)st.st_size + 1)) == NULL ||
	    (r = pread(planfd, buf, (size_t)st.st_size, 0)) != st.st_size) {
		log_warnx("cannot read aksup-log's rollback plan");
		goto fail;
	}
	buf[st.st_size] = '\0';
	if ((out = memfd_create("aksup-rollback-batch", MFD_CLOEXEC)) < 0 ||
	    (f = fdopen(dup(out), "w")) == NULL) {
		log_warn("memfd_create");
		goto fail;
	}
	for (line = buf; *line != '\0'; line = nl + 1) {
		if ((nl = strchr(line, '\n')) == NULL)
			nl = line + strlen(line) - 1;	/* (cannot: id_shape) */
		*nl = '\0';
		if (!id_shape(line)) {
			log_warnx("aksup-log's rollback plan holds a line that "
			    "is no record id");
			goto fail;
		}
		/* an id is hex and '-': nothing in it needs escaping */
		fprintf(f, "{\"id\":%zu,\"action\":\"snapshot.rollback\","
		    "\"target\":\"%s\",\"params\":{\"force\":%s}}\n",
		    ++*count, line, force ? "true" : "false");
	}
	if (fclose(f) != 0) {
		f = NULL;
		log_warn("the rollback batch");
		goto fail;
	}
	free(buf);
	return out;
fail:
	if (f != NULL)
		fclose(f);
	if (out >= 0)
		close(out);
	free(buf);
	return -1;
}

/* Says on stderr which snapshot store the rollback reads (the
 * --snapshot-dir passed on, else the one beside the log). */
static void
note_where(const char *logp, char *const *pass, int np)
{
	const char *store = NULL;
	int i;

	for (i = 0; i < np; i++)
		if (strncmp(pass[i], "--snapshot-dir=", 15) == 0)
			store = pass[i] + 15;
	if (store == NULL)
		store = snapstore_default(logp);
	if (store != NULL)
		fprintf(stderr, "aksup rollback: the snapshot store %s%s%s\n",
		    store, logp ? ", the log " : "", logp ? logp : "");
}

int
cmd_rollback(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "log-path", required_argument, NULL, 'l' },
		{ "force", no_argument, NULL, 'F' },
		{ "session", required_argument, NULL, 'S' },
		{ "since", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		AUDIT_LONG_OPTIONS,
		CONFINE_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char *policy = NULL, *logp = NULL, *session = NULL;
	const char *since = NULL, *record = NULL;
	struct session_cfg scratch;
	char *sargv[PASS_MAX + 16], *pass[PASS_MAX], batchpath[64];
	int ch, li, n = 0, np = 0, force = 0, planfd = -1, bfd = -1, rc;
	size_t count;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", opts, &li)) != -1) {
		switch (ch) {
		case 'p': policy = optarg; break;
		case 'l': logp = optarg; break;
		case 'F': force = 1; break;
		case 'S': session = optarg; break;
		case 's': since = optarg; break;
		case 'h':
			printf("usage: %s\n\nUndoes fs.write and fs.delete "
			    "actions, and proc.exec commands whose rule says\n"
			    "snapshot: tree, from their snapshots, through the "
			    "policy's snapshot.rollback\nrule; each undo is "
			    "recorded. A file changed since is refused unless "
			    "--force.\nA command's roots are put back whole (what "
			    "was made since is removed), only\nwhere the policy "
			    "gives fs.write and fs.delete of ROOT/** without "
			    "constraints\nand no deny rule over it; for a command, "
			    "--force only lets a rollback go on\nwhen what is "
			    "there now cannot be snapshotted first (it is then "
			    "lost).\nExit: 0 OK, 1 ERROR, 2 usage, 3 DENIED.\n",
			    rollback_usage);
			return EXIT_OK;
		case '?': case ':':
			return cli_opt_error("rollback", rollback_usage, ch,
			    argv, opts);
		default:
			/* audit, sandbox and snapshot options: submit's own,
			 * its values checked now so that a bad one is said as
			 * rollback's */
			memset(&scratch, 0, sizeof(scratch));
			if (snapstore_cli_opt(ch, optarg, &scratch,
			    "rollback") < 0 || audit_cli_opt(ch, optarg,
			    &scratch, "rollback") < 0)
				return cli_usage("rollback", rollback_usage,
				    NULL);	/* (said above) */
			if (np == PASS_MAX)
				return cli_usage("rollback", rollback_usage,
				    "too many options");
			if (asprintf(&pass[np], "--%s=%s", opts[li].name,
			    optarg) < 0)
				fatal("asprintf");
			np++;
		}
	}
	if (policy == NULL)
		return cli_usage("rollback", rollback_usage,
		    "--policy is required");
	if (session != NULL && optind != argc)
		return cli_usage("rollback", rollback_usage, "a RECORD_ID or "
		    "--session ID, not both");
	if (session == NULL && optind + 1 != argc)
		return cli_usage("rollback", rollback_usage, "one RECORD_ID "
		    "(an answer's record_id), or --session ID");
	if (session == NULL && !id_shape(argv[optind]))
		return cli_usage("rollback", rollback_usage, "\"%s\" is no "
		    "record id: 36 characters, lower-case hex digits and '-', "
		    "as an answer's record_id or aksup snapshots list shows it",
		    argv[optind]);
	if (session == NULL && since != NULL)
		return cli_usage("rollback", rollback_usage,
		    "--since goes with --session");
	if (session != NULL && (!id_shape(session) ||
	    (since != NULL && !id_shape(since))))
		return cli_usage("rollback", rollback_usage, "--session and "
		    "--since take ids as the log writes them (36 characters, "
		    "lower-case)");
	record = session == NULL ? argv[optind] : NULL;

	sargv[n++] = "submit";
	sargv[n++] = "--policy";
	sargv[n++] = (char *)policy;
	if (logp != NULL) {
		sargv[n++] = "--log-path";
		sargv[n++] = (char *)logp;
	}
	for (li = 0; li < np; li++)
		sargv[n++] = pass[li];
	if (record != NULL) {
		sargv[n++] = "--action";
		sargv[n++] = "snapshot.rollback";
		sargv[n++] = "--target";
		sargv[n++] = (char *)record;
		sargv[n++] = "--params";
		sargv[n++] = force ? "{\"force\":true}" : "{\"force\":false}";
	} else {
		rc = EXIT_ERR;
		if ((planfd = plan(logp, session, since, &rc)) < 0 ||
		    rc != EXIT_OK || (bfd = batch_of(planfd, force,
		    &count)) < 0)
			goto out;
		if (count == 0) {
			rc = EXIT_OK;	/* nothing to undo (aksup-log said) */
			goto out;
		}
		/* the supervisor reads it by this name, as a --batch FILE */
		snprintf(batchpath, sizeof(batchpath), "/proc/self/fd/%d", bfd);
		sargv[n++] = "--batch";
		sargv[n++] = batchpath;
	}
	sargv[n] = NULL;
	/* which log and store: a rollback that finds nothing was most
	 * likely pointed at another pair */
	note_where(logp, pass, np);
	rc = cmd_submit(n, sargv);
out:
	if (planfd >= 0)
		close(planfd);
	if (bfd >= 0)
		close(bfd);
	for (li = 0; li < np; li++)
		free(pass[li]);
	return rc;
}
