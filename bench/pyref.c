/*
 * bench/pyref.c -- a reference figure from a Python re-creation of the
 * Python project's code path (bench/http_ref.py, bench/reversible_ref.py):
 * python3 found on $PATH, the script beside the sources or where it is
 * installed, run as `python3 SCRIPT ARG N`, its one line "ops_per_s
 * p50_ms p99_ms" read back. One runner for every such reference.
 *
 * Runs in: aksup-bench, outside any session (the operator's privilege).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench.h"

static int
find_python(char *out, size_t len)
{
	const char *path = getenv("PATH"), *p, *e;

	if (path == NULL || *path == '\0')
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; *p != '\0'; p = *e ? e + 1 : e) {
		e = strchrnul(p, ':');
		if (e > p && snprintf(out, len, "%.*s/python3", (int)(e - p),
		    p) < (int)len && access(out, X_OK) == 0)
			return 0;
	}
	return -1;
}

/* bench/NAME beside the sources, else the installed one. */
static int
find_script(const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s/bench/%s", AKSUP_SRCDIR, name);
	if (access(out, R_OK) == 0)
		return 0;
	snprintf(out, len, "%s/bench/%s", AKSUP_DATADIR, name);
	return access(out, R_OK);
}

void
py_ref(struct result *r, const char *label, const char *script_name,
    const char *arg, int n, void (*child_env)(void), char *why, size_t len)
{
	char py[4096], script[4096], line[256], num[16];
	int p[2], st, ok;
	FILE *f;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", label);
	r->missing = 1;
	if (find_python(py, sizeof(py)) < 0) {
		snprintf(why, len, "python3 not found on $PATH");
		return;
	}
	if (find_script(script_name, script, sizeof(script)) < 0) {
		snprintf(why, len, "bench/%s not found (in %s or %s)",
		    script_name, AKSUP_SRCDIR, AKSUP_DATADIR);
		return;
	}
	if (pipe2(p, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		snprintf(why, len, "could not start python3: %s",
		    strerror(errno));
		return;
	}
	if (pid == 0) {
		dup2(p[1], 1);
		if (child_env != NULL)
			child_env();
		snprintf(num, sizeof(num), "%d", n);
		execl(py, "python3", script, arg, num, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	f = fdopen(p[0], "r");
	ok = f != NULL && fgets(line, sizeof(line), f) != NULL &&
	    sscanf(line, "%lf %lf %lf", &r->ops, &r->p50, &r->p99) == 3;
	if (f != NULL)
		fclose(f);
	else
		close(p[0]);
	waitpid(pid, &st, 0);
	if (!ok || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		snprintf(why, len, "%s did not run here (see its message "
		    "above)", script);
		return;
	}
	r->missing = 0;
	r->n = n;
	r->p95 = -1;	/* the scripts give p50 and p99 only */
}
