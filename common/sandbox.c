/*
 * common/sandbox.c -- the seccomp and Landlock profiles of every role, in
 * one place (docs/ARCHITECTURE.md "Confinement").
 *
 * Runs in: broker, workers, client tools, and the supervisor's child just
 * before it execs an external agent. Privilege: only ever removes it.
 *
 * Allow-list roles: default action kills the whole process. The native
 * architecture is the only one in the filter and a foreign one kills
 * (libseccomp also rejects x32 syscall numbers on an x86_64 filter).
 * Each syscall is listed with the reason the role needs it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "common/sandbox.h"

/* libseccomp's SCMP_A0()... initialize only some fields of its struct. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

struct sc_allow {
	int nr;
	const char *why;
};

#define SC(name, why) { SCMP_SYS(name), why }

/* Every allow-list role. */
static const struct sc_allow base_allow[] = {
	SC(read, "its channel and input fds"),
	SC(write, "its channel, stderr, the audit fd"),
	SC(close, "descriptors it received"),
	SC(exit, "thread exit"),
	SC(exit_group, "process exit"),
	SC(rt_sigreturn, "return from a signal (fatal signals only)"),
	SC(brk, "malloc"),
	SC(munmap, "malloc"),
	SC(mremap, "realloc of large buffers"),
	SC(madvise, "malloc trimming"),
	SC(futex, "libc locks"),
	SC(clock_gettime, "timestamps, durations"),
	SC(gettimeofday, "timestamps (vDSO fallback)"),
	SC(lseek, "stdio on regular files"),
	SC(sysinfo, "glibc qsort() asks for the memory size"),
	SC(getrandom, "record ids, temp names"),
};

static const struct sc_allow broker_allow[] = {
	SC(recvmsg, "agent and worker channels"),
	SC(sendmsg, "agent and worker channels"),
	SC(sendto, "send(2) of answers to the agent"),
	SC(poll, "waits on its channels"),
	SC(ppoll, "waits on its channels"),
	SC(pread64, "reads the audit log tail once at start"),
	SC(fdatasync, "audit.sync batch/always: records on disk before seals and at exit"),
};

static const struct sc_allow fs_allow[] = {
	SC(recvmsg, "broker channel"),
	SC(sendmsg, "broker channel"),
	SC(openat2, "every open: RESOLVE_BENEATH a root dirfd (T6)"),
	SC(mkdirat, "fs.write creates parents, beneath an opened dirfd"),
	SC(unlinkat, "fs.delete of one name in an opened dirfd"),
	SC(renameat, "fs.write: temp file to target in one dirfd"),
	SC(renameat2, "same, newer glibc"),
	SC(getdents64, "fs.list"),
	SC(newfstatat, "type and size of one name in an opened dirfd"),
	SC(fcntl, "fdopendir checks the descriptor's flags"),
	SC(pread64, "fs.read"),
};

static const struct sc_allow client_allow[] = {
	SC(recvmsg, "agent channel"),
	SC(sendmsg, "agent channel"),
	SC(sendto, "send(2) on the agent channel"),
	SC(recvfrom, "recv(2) on the agent channel"),
	SC(poll, "pipelining: read answers while sending"),
	SC(ppoll, "pipelining"),
};

#ifdef AKSUP_SANITIZER
/* Sanitizer builds only: what the ASan/UBSan runtime calls when it
 * reports (leak checking is turned off in sandboxed processes). */
static const struct sc_allow sanitizer_allow[] = {
	SC(sigaltstack, "sanitizer"), SC(rt_sigaction, "sanitizer"),
	SC(rt_sigprocmask, "sanitizer"), SC(prctl, "sanitizer"),
	SC(getpid, "sanitizer"), SC(gettid, "sanitizer"),
	SC(sched_yield, "sanitizer"), SC(mprotect, "sanitizer"),
	SC(readlink, "sanitizer"), SC(openat, "sanitizer"),
	SC(open, "sanitizer"), SC(tgkill, "sanitizer"),
	SC(getrlimit, "sanitizer"), SC(prlimit64, "sanitizer"),
	SC(sched_getaffinity, "sanitizer"), SC(fstat, "sanitizer"),
	SC(newfstatat, "sanitizer"), SC(mmap, "sanitizer"),
	SC(getppid, "sanitizer"), SC(pipe2, "sanitizer"),
	SC(uname, "sanitizer"), SC(write, "sanitizer"),
};
#endif

/* External agents: default allow (an interpreter must run), these fail
 * with EPERM. The confinement issue tightens this (docs/THREATMODEL.md). */
static const int agent_deny[] = {
	SCMP_SYS(ptrace), SCMP_SYS(process_vm_readv), SCMP_SYS(process_vm_writev),
	SCMP_SYS(mount), SCMP_SYS(umount2), SCMP_SYS(pivot_root), SCMP_SYS(chroot),
	SCMP_SYS(bpf), SCMP_SYS(perf_event_open), SCMP_SYS(keyctl),
	SCMP_SYS(add_key), SCMP_SYS(request_key), SCMP_SYS(io_uring_setup),
	SCMP_SYS(io_uring_enter), SCMP_SYS(io_uring_register),
	SCMP_SYS(userfaultfd), SCMP_SYS(kexec_load), SCMP_SYS(kexec_file_load),
	SCMP_SYS(init_module), SCMP_SYS(finit_module), SCMP_SYS(delete_module),
	SCMP_SYS(unshare), SCMP_SYS(setns), SCMP_SYS(swapon), SCMP_SYS(swapoff),
	SCMP_SYS(reboot), SCMP_SYS(acct), SCMP_SYS(open_by_handle_at),
	SCMP_SYS(name_to_handle_at), SCMP_SYS(fanotify_init), SCMP_SYS(fsopen),
	SCMP_SYS(fsmount), SCMP_SYS(move_mount), SCMP_SYS(open_tree),
	SCMP_SYS(pidfd_getfd), SCMP_SYS(kcmp), SCMP_SYS(lookup_dcookie),
	SCMP_SYS(quotactl), SCMP_SYS(syslog), SCMP_SYS(vhangup),
	/* Landlock (ABI 7) does not govern connecting to a named unix
	 * socket: no agent connects, binds or listens anywhere (T12). */
	SCMP_SYS(connect), SCMP_SYS(bind), SCMP_SYS(listen),
};

static int
add_list(scmp_filter_ctx ctx, const struct sc_allow *l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, l[i].nr, 0) < 0)
			return -1;
	return 0;
}

#define ADD(ctx, l) add_list(ctx, l, sizeof(l) / sizeof(l[0]))

/* mmap/mprotect without PROT_EXEC: no new code after the filter. */
static int
add_noexec_memory(scmp_filter_ctx ctx)
{
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) < 0)
		return -1;
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) < 0)
		return -1;
	/* fstat(fd) is newfstatat(fd, "", buf, AT_EMPTY_PATH): no path. */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(newfstatat), 1,
	    SCMP_A3(SCMP_CMP_EQ, AT_EMPTY_PATH)) < 0)
		return -1;
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fstat), 0);
}

static int
build_agent_external(scmp_filter_ctx ctx)
{
	size_t i;

	for (i = 0; i < sizeof(agent_deny) / sizeof(agent_deny[0]); i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
		    agent_deny[i], 0) < 0)
			return -1;
	/* Only AF_UNIX sockets (T12, T13); with no path to connect to,
	 * that is socketpair() for the agent's own use. */
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(socket), 1,
	    SCMP_A0(SCMP_CMP_NE, AF_UNIX)) < 0)
		return -1;
	/* T1: TIOCSTI/TIOCLINUX, compared on the low 32 bits only since
	 * the kernel ignores the upper half of the command. */
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
	    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI)) < 0)
		return -1;
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
	    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCLINUX)) < 0)
		return -1;
	return 0;
}

void
sandbox_enter(enum sandbox_role role)
{
	scmp_filter_ctx ctx = NULL;
	uint32_t deflt;
	int rc = -1;

#ifdef AKSUP_SANDBOX_DEBUG
	deflt = SCMP_ACT_TRAP;
#else
	deflt = SCMP_ACT_KILL_PROCESS;
#endif
	if (role == ROLE_AGENT_EXTERNAL)
		deflt = SCMP_ACT_ALLOW;

	/* no_new_privs first: it is what lets an unprivileged process load
	 * a filter, and no exec after it can gain privilege (T10). */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fatal("sandbox: PR_SET_NO_NEW_PRIVS");

	if ((ctx = seccomp_init(deflt)) == NULL)
		fatalx("sandbox: seccomp_init failed");
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS) < 0)
		goto out;

	switch (role) {
	case ROLE_BROKER:
		if (ADD(ctx, base_allow) < 0 || ADD(ctx, broker_allow) < 0 ||
		    add_noexec_memory(ctx) < 0)
			goto out;
		break;
	case ROLE_WORKER_FS:
		if (ADD(ctx, base_allow) < 0 || ADD(ctx, fs_allow) < 0 ||
		    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
		    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) < 0 ||
		    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fstat), 0) < 0)
			goto out;
		break;
	case ROLE_CLIENT:
		if (ADD(ctx, base_allow) < 0 || ADD(ctx, client_allow) < 0 ||
		    add_noexec_memory(ctx) < 0)
			goto out;
		break;
	case ROLE_LOGVIEW:
		if (ADD(ctx, base_allow) < 0 || add_noexec_memory(ctx) < 0)
			goto out;
		break;
	case ROLE_AGENT_EXTERNAL:
		if (build_agent_external(ctx) < 0)
			goto out;
		break;
	}
#ifdef AKSUP_SANITIZER
	if (role != ROLE_AGENT_EXTERNAL && ADD(ctx, sanitizer_allow) < 0)
		goto out;
#endif
	if (seccomp_load(ctx) < 0)
		goto out;
	rc = 0;
out:
	seccomp_release(ctx);
	if (rc < 0)
		fatalx("sandbox: cannot load the seccomp filter; refusing to run");
}

/* Landlock: Debian 12's header knows ABI 2; newer bits defined here. */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#define LL_NET_BIND_TCP (1ULL << 0)
#define LL_NET_CONNECT_TCP (1ULL << 1)
#define LL_SCOPE_ABSTRACT_UNIX (1ULL << 0)
#define LL_SCOPE_SIGNAL (1ULL << 1)

struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;	/* ABI 4 */
	uint64_t scoped;		/* ABI 6 */
};

static int
ll_add(int rfd, const char *path, uint64_t access, uint64_t handled)
{
	struct landlock_path_beneath_attr pb;
	int fd, rc;

	if ((fd = open(path, O_PATH | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : -1;
	pb.allowed_access = access & handled;
	pb.parent_fd = fd;
	rc = (int)syscall(SYS_landlock_add_rule, rfd, LANDLOCK_RULE_PATH_BENEATH,
	    &pb, 0);
	close(fd);
	/* A non-directory cannot carry directory rights: retry as a file. */
	if (rc < 0 && errno == EINVAL) {
		if ((fd = open(path, O_PATH | O_CLOEXEC)) < 0)
			return -1;
		pb.parent_fd = fd;
		pb.allowed_access &= LANDLOCK_ACCESS_FS_EXECUTE |
		    LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE |
		    LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV;
		rc = (int)syscall(SYS_landlock_add_rule, rfd,
		    LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
		close(fd);
	}
	return rc;
}

int
sandbox_landlock(const char *const *ro, const char *const *rw)
{
	struct ll_ruleset_attr attr;
	size_t attr_size;
	int abi, rfd = -1, rc = -1;
	uint64_t rd = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE |
	    LANDLOCK_ACCESS_FS_READ_DIR;
	uint64_t wr = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE |
	    LANDLOCK_ACCESS_FS_TRUNCATE;

	abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1)
		return -1;
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = ((LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1);
	attr_size = sizeof(attr.handled_access_fs);
	if (abi >= 2)
		attr.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		attr.handled_access_fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		attr.handled_access_fs |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	if (abi >= 4) {
		attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
		attr_size = offsetof(struct ll_ruleset_attr, scoped);
	}
	if (abi >= 6) {
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
		attr_size = sizeof(attr);
	}
	rfd = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
	if (rfd < 0)
		return -1;
	for (; ro != NULL && *ro != NULL; ro++)
		if (ll_add(rfd, *ro, rd, attr.handled_access_fs) < 0)
			goto out;
	for (; rw != NULL && *rw != NULL; rw++)
		if (ll_add(rfd, *rw, wr, attr.handled_access_fs) < 0)
			goto out;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		goto out;
	if (syscall(SYS_landlock_restrict_self, rfd, 0) < 0)
		goto out;
	rc = 0;
out:
	if (rfd >= 0)
		close(rfd);
	return rc;
}
