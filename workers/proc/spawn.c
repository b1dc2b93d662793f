/*
 * workers/proc/spawn.c -- what the proc worker and the mcp worker share:
 * their configuration from the supervisor (argv and descriptors), their
 * own mount view, the children's prebuilt filters, and starting one
 * child in a sandbox of its own (pipes, a cgroup beneath the worker's,
 * clone into new namespaces, then workers/proc/cmd.c confines it and
 * execs). A proc.exec command and an MCP server are both such children:
 * one piece of code starts them.
 *
 * Runs in: aksup-worker-proc and aksup-worker-mcp. Privilege: inner root
 * of a user namespace of its own, holding PROC_KEEP_CAPS there and no
 * capability in any other (common/roles.h; supervisor/confine.c made
 * it). Input: argv and descriptors from the supervisor (trusted), each
 * checked (a descriptor must be a directory it names).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/sched.h>

#include "common/log.h"
#include "common/sandbox.h"
#include "workers/proc/proc.h"

/* ---- configuration (argv, from the supervisor) ------------------------- */

static int
by_length(const void *a, const void *b)
{
	const struct proc_root *x = a, *y = b;

	return (int)strlen(x->path) - (int)strlen(y->path);
}

void
proc_cfg_parse(struct proc_cfg *cfg, int argc, char **argv, int argi,
    int fd)
{
	int i, ncg = 0;
	char *rights, *path;

	if (argc < argi + 2)
		fatalx("usage: %s [...] ns:U|nons cg:... [FD:RIGHTS:PATH...]",
		    argv[0]);
	if (strncmp(argv[argi], "ns:", 3) == 0) {
		cfg->ns = 1;
		cfg->inner = atoi(argv[argi] + 3) == 1;
		cfg->net = strcmp(argv[argi] + 4, ":net") == 0;
	} else if (strcmp(argv[argi], "nons") != 0)
		fatalx("bad namespace argument");
	if (strcmp(argv[argi + 1], "cg:-") != 0 && sscanf(argv[argi + 1],
	    "cg:%d:%23[0-9]:%23[0-9]:%d", &cfg->cgver, cfg->cgmem,
	    cfg->cgpids, &ncg) != 4)
		fatalx("bad cgroup argument");
	if (ncg < 0 || ncg > PROC_CG_MAX)
		fatalx("bad cgroup argument");
	for (i = 0; i < ncg; i++)
		cfg->cgfd[cfg->ncg++] = fd++;
	for (i = argi + 2; i < argc && cfg->nroots < FS_ROOTS_MAX; i++) {
		struct proc_root *r = &cfg->roots[cfg->nroots];
		struct stat st;

		r->fd = (int)strtol(argv[i], &rights, 10);
		if (*rights != ':' || (path = strchr(rights + 1, ':')) == NULL ||
		    path[1] != '/' || r->fd != fd++ ||
		    fstat(r->fd, &st) < 0 || !S_ISDIR(st.st_mode))
			fatalx("bad root argument %s", argv[i]);
		r->rw = strchr(rights, 'w') != NULL && strchr(rights, 'w') < path;
		r->path = path + 1;
		cfg->nroots++;
	}
	if (i < argc)
		fatalx("more than %d roots", FS_ROOTS_MAX);
	/* a root inside another is bound after it (not hidden by it) */
	qsort(cfg->roots, (size_t)cfg->nroots, sizeof(cfg->roots[0]),
	    by_length);
}

/*
 * The worker's own view, in the mount namespace the supervisor gave it
 * (owned by its user namespace): what its children's views are built
 * from and nothing more -- the system, the roots, the network files
 * when a child may have the network. Safe: it only takes away; a
 * compromised worker that takes the files' owner's uid reaches these
 * files and no other (not /etc, not /home, not the log or the policy).
 */
void
proc_own_view(struct proc_cfg *cfg)
{
	const char *failed = NULL;

	if (!cfg->ns)
		return;
	if (proc_view(cfg, "size=64k,nr_inodes=64", cfg->net, 1, &failed) < 0)
		fatal("its own mount view (%s)", failed ? failed : "?");
}

void
proc_filters(struct proc_cfg *cfg)
{
	static struct sock_fprog filters[2];

	/* built while the worker may still build them (libseccomp's build
	 * needs calls its own filter refuses) */
	if (sandbox_seccomp_prepare(ROLE_COMMAND, &filters[0]) < 0 ||
	    sandbox_seccomp_prepare(ROLE_COMMAND_NET, &filters[1]) < 0)
		fatalx("cannot build the children's seccomp filters");
	cfg->filter = &filters[0];
	cfg->filter_net = &filters[1];
}

/* ---- starting a child --------------------------------------------------- */

/* A cgroup of its own beneath the worker's, with a child's limits; its
 * cgroup.procs opened for the child. 0, or -1. */
static int
cgroup_make(const struct proc_cfg *cfg, struct proc_child *ch,
    int procs[PROC_CG_MAX])
{
	static const char *const files[3][2] = {
		{ "memory.limit_in_bytes", "pids.max" }, { "memory.max",
		"pids.max" }, { NULL, NULL } };
	static unsigned long long seq;
	int i, dfd, fd;

	procs[0] = procs[1] = -1;
	snprintf(ch->cgname, sizeof(ch->cgname), "cmd-%llu", ++seq);
	for (i = 0; i < cfg->ncg; i++) {
		/* v1: memory then pids, one directory each; v2: one */
		const char *lim[2] = { cfg->cgmem, cfg->cgpids };
		int k, v = cfg->cgver == 2 ? 1 : 0;

		if (mkdirat(cfg->cgfd[i], ch->cgname, 0755) < 0)
			return -1;
		if ((dfd = openat(cfg->cgfd[i], ch->cgname, O_RDONLY |
		    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
			return -1;
		for (k = 0; k < 2; k++) {
			if (cfg->cgver == 1 && k != i)
				continue;
			fd = openat(dfd, files[v][k], O_WRONLY | O_CLOEXEC);
			if (fd < 0 || write(fd, lim[k], strlen(lim[k])) !=
			    (ssize_t)strlen(lim[k])) {
				if (fd >= 0)
					close(fd);
				close(dfd);
				return -1;
			}
			close(fd);
		}
		procs[i] = openat(dfd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
		close(dfd);
		if (procs[i] < 0)
			return -1;
	}
	return 0;
}

void
proc_cgroup_remove(const struct proc_cfg *cfg, struct proc_child *ch)
{
	int i;

	for (i = 0; ch->cgname[0] && i < cfg->ncg; i++)
		(void)unlinkat(cfg->cgfd[i], ch->cgname, AT_REMOVEDIR);
	ch->cgname[0] = '\0';
}

static void
close_pair(int p[2])
{
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
}

/*
 * Safe: clone gives the child new pid, mount, ipc, uts and (unless it
 * may have the network) net namespaces, all owned by our own user
 * namespace: they take away, and our capabilities reach nothing beyond
 * them. The child confines itself (cmd_child) before it runs anything.
 */
int
proc_spawn(struct cmd_spec *sp, struct proc_child *ch, const char **why)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int st[2] = { -1, -1 }, i, pidfd = -1, flags;
	pid_t pid;

	memset(ch, 0, sizeof(*ch));
	ch->pidfd = ch->in = ch->out = ch->err = ch->status = -1;
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 ||
	    pipe2(err, O_CLOEXEC) < 0 || pipe2(st, O_CLOEXEC) < 0 ||
	    cgroup_make(sp->cfg, ch, sp->cgprocs) < 0) {
		*why = "cannot prepare it (pipes or its cgroup)";
		goto fail;
	}
	sp->in = in[0];
	sp->out = out[1];
	sp->err = err[1];
	sp->status = st[1];
	flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS |
	    (sp->network ? 0 : CLONE_NEWNET) | CLONE_PIDFD;
	pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, &pidfd, NULL,
	    NULL);
	if (pid == 0)
		cmd_child(sp);
	for (i = 0; i < PROC_CG_MAX; i++)
		if (sp->cgprocs[i] >= 0)
			close(sp->cgprocs[i]);
	if (pid < 0) {
		*why = "cannot start it (clone)";
		goto fail;
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	close(st[1]);
	ch->pid = pid;
	ch->pidfd = pidfd;
	ch->in = in[1];
	ch->out = out[0];
	ch->err = err[0];
	ch->status = st[0];
	return 0;
fail:
	proc_cgroup_remove(sp->cfg, ch);
	close_pair(in);
	close_pair(out);
	close_pair(err);
	close_pair(st);
	return -1;
}

void
proc_signal(const struct proc_child *ch, int sig)
{
	/* Safe: our own child, the pid 1 of its pid namespace: SIGKILL to
	 * it ends every process of the namespace (a forked sleeper too). */
	if (ch->pidfd >= 0)
		(void)syscall(SYS_pidfd_send_signal, ch->pidfd, sig, NULL, 0);
}
