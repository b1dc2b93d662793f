/*
 * workers/proc/proc.h -- the proc worker's pieces: its configuration
 * (argv, from the supervisor) and one command's sandbox (cmd.c).
 *
 * Runs in: aksup-worker-proc, inner root of a user namespace of its own
 * holding PROC_KEEP_CAPS there only (common/roles.h); and, for cmd.c,
 * each command's child between clone and exec.
 */
#ifndef AKSUP_WORKERS_PROC_H
#define AKSUP_WORKERS_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/fds.h"
#include "common/wire.h"

#define PROC_CG_MAX	2

struct proc_root {
	int fd;			/* O_PATH directory: the supervisor's, then
				 * (proc_view, the worker's) its own view's */
	int rw;			/* fs.write is allowed beneath it */
	int skip;		/* not bound (a mount beneath it) */
	const char *path;	/* where, in the command's view */
};

struct sock_fprog;

struct proc_cfg {
	int ns;			/* namespaces in force; else refuse all */
	int net;		/* it kept the host's network (a rule gives
				 * commands network: true) */
	int inner;		/* the inner uid a command runs as (0, 1) */
	int cgver;		/* 0: no cgroup; 1, 2 */
	char cgmem[24], cgpids[24];	/* a command's limits */
	int cgfd[PROC_CG_MAX];	/* the worker's cgroup directories */
	int ncg;
	struct proc_root roots[FS_ROOTS_MAX];
	int nroots;
	/* the commands' filters, built once before the worker's own */
	struct sock_fprog *filter, *filter_net;
};

/* What one command's child needs, all prepared by the parent. */
struct cmd_spec {
	struct proc_cfg *cfg;
	const char *path;	/* the program, absolute, as decided */
	const char *cwd;	/* "" : /tmp */
	char **argv, **envp;
	int network;
	unsigned timeout_ms;
	int in, out, err;	/* the child's ends of its pipes */
	int status;		/* the child's report of a failed start */
	int cgprocs[PROC_CG_MAX];	/* its cgroup's cgroup.procs, or -1 */
};

/* A PROC_REQ, read (req.c): its strings point into the request. */
#define PROCREQ_STRINGS_MAX	65536
#define PROCREQ_OUTPUT_MAX	(1024 * 1024)
struct procreq {
	const char *path, *cwd;
	char **argv, **envp;	/* NULL-terminated arrays, malloc'd */
	int network;
	uint32_t timeout_ms, max_output, data_max;
	const char *in;		/* stdin bytes */
	size_t inlen;
};
/* 0, or -1 when the request breaks the protocol (nothing allocated). */
int procreq_parse(uint8_t *req, size_t len, struct procreq *out);
void procreq_free(struct procreq *r);

/*
 * Build a mount view of the system, the roots (and, with net_files, what
 * names and TLS need) and enter it: the worker's own at start (tiny
 * /tmp), each command's in its child (beneath the worker's, the same
 * paths). The roots are opened by path with the files' owner's
 * filesystem ids (cfg->inner). 0, or -1 with *failed naming the step.
 */
int proc_view(struct proc_cfg *c, const char *tmp_opts, int net_files,
    int for_worker, const char **failed);

/* The child: confine, then exec. Never returns. */
_Noreturn void cmd_child(const struct cmd_spec *sp);

/* ---- spawn.c: shared by the proc and mcp workers ---- */

/* argv[argi] "ns:U[:net]" or "nons", argv[argi+1] "cg:-" or
 * "cg:VERSION:MEMORY:PIDS:N" (N cgroup directories on descriptors from
 * fd on), then "FD:RIGHTS:PATH" per root on the next ones. Fatal when
 * bad (the supervisor's). */
void proc_cfg_parse(struct proc_cfg *cfg, int argc, char **argv, int argi,
    int fd);
/* Enter the worker's own view (cfg's roots); fatal on failure. */
void proc_own_view(struct proc_cfg *cfg);
/* Build the children's two filters into cfg; fatal on failure. */
void proc_filters(struct proc_cfg *cfg);

/* A started child: the worker's ends. */
struct proc_child {
	pid_t pid;
	int pidfd;
	int in, out, err;	/* its stdin (write), stdout, stderr (read) */
	int status;		/* its report of a failed start (read) */
	char cgname[32];	/* its cgroup beneath the worker's */
};
/* Start sp (cfg, path, argv, envp, cwd, network, timeout_ms set) in its
 * sandbox; 0, or -1 with *why (nothing left open). */
int proc_spawn(struct cmd_spec *sp, struct proc_child *ch, const char **why);
void proc_cgroup_remove(const struct proc_cfg *cfg, struct proc_child *ch);
/* A signal to it (pid 1 of its namespace: SIGKILL ends all it started). */
void proc_signal(const struct proc_child *ch, int sig);

#endif
