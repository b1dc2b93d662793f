/*
 * common/sandbox.c -- the seccomp and Landlock profiles of every role, in
 * one place (docs/SANDBOX.md is the table; keep the two in step).
 *
 * Runs in: broker, workers, client tools, and the supervisor's child just
 * before it execs an external agent. Privilege: only ever removes it.
 *
 * Allow-list roles: default action kills the whole process (the external
 * agent's: fails with ENOSYS, so a program falls back). The native
 * architecture is the only one in the filter and a foreign one kills;
 * libseccomp's x86_64 filter also sends x32 syscall numbers (bit 30) to
 * the bad-architecture action (T2). Each syscall is listed with the reason
 * the role needs it.
 *
 * Order in sandbox_enter: PR_SET_DUMPABLE 0 (T4: no ptrace, no /proc/PID/
 * mem or environ for anyone of our uid), no_new_privs (T10), Landlock
 * (T6, T14), seccomp (T1-T3, T12). A layer that cannot be applied is fatal
 * unless the supervisor told us the operator waived it.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/securebits.h>
#include <netinet/in.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/fsrights.h"
#include "common/fds.h"
#include "common/log.h"
#include "common/sandbox.h"

/* libseccomp's SCMP_A0()... initialize only some fields of its struct. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

/* ---- layers ----------------------------------------------------------- */

static const char *const layer_names[] = {
	"seccomp", "landlock", "namespaces", "uids", "caps", "rlimits",
	"cgroup",
};
#define NLAYERS (sizeof(layer_names) / sizeof(layer_names[0]))

const char *
sandbox_layer_name(unsigned bit)
{
	size_t i;

	for (i = 0; i < NLAYERS; i++)
		if (bit == (1u << i))
			return layer_names[i];
	return "?";
}

int
sandbox_layers_parse(const char *list, unsigned *mask)
{
	const char *p = list, *e;
	size_t i, n;

	*mask = 0;
	while (p != NULL && *p != '\0') {
		e = strchr(p, ',');
		n = e ? (size_t)(e - p) : strlen(p);
		for (i = 0; i < NLAYERS; i++)
			if (strlen(layer_names[i]) == n &&
			    strncmp(layer_names[i], p, n) == 0)
				break;
		if (n == 3 && strncmp(p, "all", 3) == 0)
			*mask |= LAYER_ALL;
		else if (i == NLAYERS)
			return -1;
		else
			*mask |= 1u << i;
		p = e ? e + 1 : NULL;
	}
	return 0;
}

const char *
sandbox_layers_str(unsigned mask, char *buf, size_t len)
{
	size_t i, off = 0;
	int n;

	if (len)
		buf[0] = '\0';
	for (i = 0; i < NLAYERS; i++) {
		if (!(mask & (1u << i)))
			continue;
		n = snprintf(buf + off, len - off, "%s%s", off ? "," : "",
		    layer_names[i]);
		if (n < 0 || (size_t)n >= len - off)
			break;
		off += (size_t)n;
	}
	return buf;
}

/* Layers the operator waived, as the supervisor passed them down. */
static unsigned
waived(void)
{
	static int done;
	static unsigned w;
	const char *e;

	if (!done) {
		done = 1;
		if ((e = getenv("AKSUP_WAIVED")) != NULL &&
		    sandbox_layers_parse(e, &w) < 0)
			fatalx("sandbox: bad AKSUP_WAIVED");
	}
	return w;
}

/* ---- seccomp ---------------------------------------------------------- */

struct sc_allow {
	int nr;
	const char *why;
};

#define SC(name, why) { SCMP_SYS(name), why }

/* Every allow-list role but the built-in agent. */
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
	SC(restart_syscall, "a call stopped by SIGSTOP resumes on SIGCONT (a debugger, an operator's kill -STOP)"),
};

static const struct sc_allow broker_allow[] = {
	SC(recvmsg, "agent and worker channels"),
	SC(sendmsg, "agent and worker channels"),
	SC(sendto, "send(2) of answers to the agent"),
	SC(shutdown, "the session ends: a concurrent worker (proc) is told "
	    "by its channel's EOF to kill and answer what runs"),
	SC(poll, "waits on its channels"),
	SC(ppoll, "waits on its channels"),
	SC(sched_yield, "the spin lets a process sharing the CPU run"),
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
	SC(pread64, "fs.read"),
	SC(fchmod, "snapshot.rollback gives a restored file its mode, on "
	    "the fd of the temp file it wrote beneath a root"),
	SC(flock, "the snapshot store's lock: shared while a snapshot is "
	    "taken, exclusive while a sweep removes (on the store's fd)"),
	SC(umask, "snapshot.rollback makes a deleted directory again with "
	    "its exact mode (the mask cleared around one mkdirat)"),
	SC(readlinkat, "a tree snapshot (proc.exec, snapshot: tree) keeps "
	    "what a symbolic link beneath a writable root points to"),
	SC(symlinkat, "the rollback of a tree snapshot makes such a link "
	    "again, in an opened dirfd beneath the root"),
	/* newfstatat and fcntl: argument-checked in add_fs_args() */
};

/*
 * The fs worker's calls whose arguments matter (and utimensat, below):
 * - newfstatat only with AT_SYMLINK_NOFOLLOW (type and size of one name
 *   in an opened dirfd, never following it) or AT_EMPTY_PATH (fstat);
 * - fcntl only F_GETFL (fdopendir, the root check) and F_SETFD
 *   (fdopendir marks its fd close-on-exec): never F_SETOWN / F_SETSIG /
 *   F_SETFL O_ASYNC, which would let it signal other processes.
 */
static int
add_fs_args(scmp_filter_ctx ctx)
{
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(newfstatat), 1,
	    SCMP_A3(SCMP_CMP_EQ, AT_SYMLINK_NOFOLLOW)) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(newfstatat), 1,
	    SCMP_A3(SCMP_CMP_EQ, AT_EMPTY_PATH)) < 0)
		return -1;
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
	    SCMP_A1(SCMP_CMP_EQ, F_SETFD)) < 0)
		return -1;
	/* utimensat only on an fd (path NULL): a shared blob's time made
	 * now (futimens), never a name's */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(utimensat), 1,
	    SCMP_A1(SCMP_CMP_EQ, 0)) < 0)
		return -1;
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
	    SCMP_A1(SCMP_CMP_EQ, F_GETFL));
}

/* The http worker: sockets to the hosts the broker decided, and the
 * CA bundle Landlock lets it read (LLK_CA_FILES). socket, fcntl and
 * the memory calls are argument-checked in sc_worker_http. */
static const struct sc_allow http_allow[] = {
	SC(recvmsg, "broker channel"),
	SC(sendmsg, "broker channel; HTTP over its sockets"),
	SC(sendto, "send(2): HTTP over its sockets, DNS over TCP"),
	SC(writev, "glibc's resolver writes a DNS query over TCP with it"),
	SC(recvfrom, "recv(2): same"),
	SC(connect, "a TCP connection to the address it pinned (T13: "
	    "the broker decided the URL, the worker checked the address)"),
	SC(getsockopt, "SO_ERROR of a non-blocking connect"),
	SC(setsockopt, "TCP_NODELAY, keep-alive of its connections"),
	SC(getsockname, "curl records the local address"),
	SC(getpeername, "curl records the peer address"),
	SC(poll, "waits on its channel and sockets"),
	SC(ppoll, "same"),
	SC(openat, "the CA bundle and resolver files; Landlock allows "
	    "those, read-only, and nothing else"),
	SC(getpid, "OpenSSL's fork check"),
	SC(sched_getaffinity, "glibc counts the CPUs (malloc arenas of "
	    "resolver threads; M_ARENA_MAX should keep it from asking)"),
};

static const struct sc_allow client_allow[] = {
	SC(recvmsg, "agent channel"),
	SC(sendmsg, "agent channel"),
	SC(sendto, "send(2) on the agent channel"),
	SC(recvfrom, "recv(2) on the agent channel"),
	SC(poll, "pipelining: read answers while sending"),
	SC(ppoll, "pipelining"),
	SC(sched_yield, "aksup_recv's spin lets a process sharing the CPU run"),
};

/* The built-in agent: nothing but its channel, memory, clock and exit.
 * Calls on descriptors are allowed on AGENT_FD only (see build_builtin). */
static const struct sc_allow builtin_allow[] = {
	SC(exit, "thread exit"),
	SC(exit_group, "process exit"),
	SC(rt_sigreturn, "return from a signal (fatal signals only)"),
	SC(brk, "memory: malloc"),
	SC(munmap, "memory: malloc"),
	SC(mremap, "memory: realloc of large buffers"),
	SC(madvise, "memory: malloc trimming"),
	SC(futex, "memory: libc locks"),
	SC(clock_gettime, "clock: timestamps, timeouts"),
	SC(gettimeofday, "clock (vDSO fallback)"),
	SC(clock_nanosleep, "clock: back-off between LLM calls"),
	SC(nanosleep, "clock: same, older libc"),
	SC(restart_syscall, "a call stopped by SIGSTOP resumes on SIGCONT"),
	SC(sched_yield, "aksup_recv's spin lets a process sharing the CPU run"),
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
	SC(read, "sanitizer"), SC(close, "sanitizer"),
};
#endif

/*
 * External agents: an allow-list in the spirit of Docker's default
 * profile -- what a shell, python3, node or a static C binary need --
 * and every other call fails with ENOSYS (the filter's default), so a
 * program falls back as on an older kernel: a syscall added by a newer
 * kernel (listmount, statmount, open_tree_attr...) never reaches it.
 * The calls below with arguments that matter are allowed only with
 * those (build_agent_external). docs/SANDBOX.md is this list, with a
 * reason per line; tests/sandbox/filter-agent-external.pfc is its golden dump.
 */
static const struct sc_allow agent_allow[] = {
	/* programs and processes: Landlock decides what may be executed */
	SC(execve, "run a program (Landlock: only the view's read-only files)"),
	SC(execveat, "same, fexecve()"),
	SC(fork, "a child process (RLIMIT_NPROC, own pid namespace)"),
	SC(vfork, "posix_spawn, the shell's pipelines"),
	/* clone: only without CLONE_NEW*; clone3: ENOSYS (add_agent_clone) */
	SC(wait4, "reap a child"),
	SC(waitid, "reap a child"),
	SC(exit, "thread exit"),
	SC(exit_group, "process exit"),
	SC(kill, "signals: own pid namespace, Landlock scope (ABI 6)"),
	SC(tkill, "signal a thread of its own"),
	SC(tgkill, "signal a thread of its own (raise, abort)"),
	SC(rt_sigqueueinfo, "sigqueue: same scope as kill"),
	SC(rt_tgsigqueueinfo, "same, to a thread"),
	SC(pidfd_open, "a descriptor for a child (own pid namespace)"),
	SC(pidfd_send_signal, "signal through it: same scope as kill"),
	/* identity: no capabilities, so the set* calls can only keep ids */
	SC(getpid, "its pid"), SC(getppid, "its parent"), SC(gettid, "thread id"),
	SC(getuid, "ids"), SC(geteuid, "ids"), SC(getgid, "ids"),
	SC(getegid, "ids"), SC(getresuid, "ids"), SC(getresgid, "ids"),
	SC(getgroups, "ids"),
	SC(setuid, "no capabilities: only an id it holds"),
	SC(setgid, "same"), SC(setreuid, "same"), SC(setregid, "same"),
	SC(setresuid, "same"), SC(setresgid, "same"),
	SC(setfsuid, "same"), SC(setfsgid, "same"),
	SC(setgroups, "no capabilities: always EPERM"),
	SC(capget, "node, libcap: reads its (empty) sets"),
	SC(capset, "can only lower its (empty) sets"),
	SC(getpgid, "job control of its own processes"),
	SC(setpgid, "the shell puts a pipeline in a group"),
	SC(getpgrp, "same"), SC(getsid, "same"),
	SC(setsid, "setsid(1), daemons: a new session of its own"),
	/* process attributes */
	SC(prctl, "thread names, death signal, no_new_privs; the kernel "
	    "checks the capability of the privileged options, none held"),
	SC(arch_prctl, "x86_64 thread pointer (TLS) of every program"),
	SC(set_tid_address, "libc start-up, threads"),
	SC(set_robust_list, "libc start-up, threads"),
	SC(rseq, "glibc registers rseq for each thread"),
	SC(getrlimit, "read its limits"),
	SC(setrlimit, "lower its limits (raising needs a capability)"),
	SC(prlimit64, "same; other processes: own pid namespace, same uid"),
	SC(getrusage, "time(1), resource accounting"),
	SC(times, "same"),
	SC(getpriority, "nice(1)"),
	SC(setpriority, "lower its priority (raising needs a capability)"),
	SC(sched_yield, "spin locks"),
	SC(sched_getaffinity, "CPU count (os.cpu_count, libuv, nproc)"),
	SC(sched_setaffinity, "within its cpuset only"),
	SC(sched_getparam, "scheduling queries"),
	SC(sched_getscheduler, "scheduling queries"),
	SC(sched_get_priority_min, "scheduling queries"),
	SC(sched_get_priority_max, "scheduling queries"),
	SC(getcpu, "glibc sched_getcpu"),
	SC(uname, "system name (its own uts namespace)"),
	SC(sysinfo, "memory size (glibc qsort, python)"),
	SC(getrandom, "random numbers"),
	SC(umask, "file creation mask"),
	SC(seccomp, "a filter of its own: can only narrow this one"),
	SC(landlock_create_ruleset, "a Landlock domain of its own: narrows"),
	SC(landlock_add_rule, "same"),
	SC(landlock_restrict_self, "same"),
	/* signals */
	SC(rt_sigaction, "signal handlers"),
	SC(rt_sigprocmask, "signal mask"),
	SC(rt_sigreturn, "return from a handler"),
	SC(rt_sigpending, "pending signals"),
	SC(rt_sigtimedwait, "sigwait"),
	SC(rt_sigsuspend, "sigsuspend"),
	SC(sigaltstack, "stack for handlers (python's faulthandler, V8)"),
	SC(restart_syscall, "the kernel restarts a call after a signal"),
	SC(pause, "wait for a signal"),
	SC(alarm, "timer signal"),
	/* memory: mmap/mprotect with PROT_EXEC for ld.so and JITs (node) */
	SC(brk, "malloc"), SC(mmap, "malloc, ld.so maps libraries"),
	SC(munmap, "malloc"), SC(mremap, "realloc"),
	SC(mprotect, "ld.so RELRO, JIT code (V8)"),
	SC(madvise, "malloc trimming, GC"),
	SC(mincore, "GC, page residency"),
	SC(msync, "mapped files"),
	SC(mlock, "keys in memory: RLIMIT_MEMLOCK 64 KiB"),
	SC(mlock2, "same"), SC(munlock, "same"),
	SC(mlockall, "same"), SC(munlockall, "same"),
	SC(memfd_create, "anonymous memory files (JITs, python)"),
	SC(pkey_alloc, "memory protection keys (V8)"),
	SC(pkey_free, "same"), SC(pkey_mprotect, "same"),
	SC(membarrier, "JITs publish code across threads"),
	SC(futex, "locks, threads"),
	/* time */
	SC(clock_gettime, "clock"), SC(clock_getres, "clock"),
	SC(gettimeofday, "clock (vDSO fallback)"), SC(time, "clock"),
	SC(nanosleep, "sleep"), SC(clock_nanosleep, "sleep"),
	SC(getitimer, "interval timers"), SC(setitimer, "interval timers"),
	SC(timer_create, "POSIX timers"), SC(timer_settime, "POSIX timers"),
	SC(timer_gettime, "POSIX timers"), SC(timer_getoverrun, "POSIX timers"),
	SC(timer_delete, "POSIX timers"),
	SC(timerfd_create, "event loops (libuv)"),
	SC(timerfd_settime, "same"), SC(timerfd_gettime, "same"),
	/* descriptors and waiting */
	SC(read, "I/O"), SC(write, "I/O"), SC(readv, "I/O"), SC(writev, "I/O"),
	SC(pread64, "I/O"), SC(pwrite64, "I/O"), SC(preadv, "I/O"),
	SC(pwritev, "I/O"), SC(preadv2, "I/O"), SC(pwritev2, "I/O"),
	SC(lseek, "I/O"),
	SC(sendfile, "cp, servers: file to file"),
	SC(splice, "same, through a pipe"), SC(tee, "same"),
	SC(copy_file_range, "cp"),
	SC(fadvise64, "read-ahead hints (cat, cp)"),
	SC(close, "descriptors"), SC(close_range, "close before exec (python)"),
	SC(dup, "descriptors"), SC(dup2, "descriptors"), SC(dup3, "descriptors"),
	SC(fcntl, "flags, locks; F_SETOWN reaches only its pid namespace"),
	SC(flock, "advisory locks"),
	SC(pipe, "pipes"), SC(pipe2, "pipes"),
	SC(poll, "waiting"), SC(ppoll, "waiting"), SC(select, "waiting"),
	SC(pselect6, "waiting"),
	SC(epoll_create, "event loops"), SC(epoll_create1, "event loops"),
	SC(epoll_ctl, "event loops"), SC(epoll_wait, "event loops"),
	SC(epoll_pwait, "event loops"), SC(epoll_pwait2, "event loops"),
	SC(eventfd, "event loops"), SC(eventfd2, "event loops"),
	SC(signalfd, "event loops"), SC(signalfd4, "event loops"),
	/* files: the mount view and Landlock decide which */
	SC(open, "files"), SC(openat, "files"), SC(openat2, "files"),
	SC(creat, "files"),
	SC(stat, "metadata"), SC(fstat, "metadata"), SC(lstat, "metadata"),
	SC(newfstatat, "metadata"), SC(statx, "metadata (ls, stat)"),
	SC(statfs, "file system of a path (df, ls)"),
	SC(fstatfs, "same, of a descriptor"),
	SC(access, "file tests"), SC(faccessat, "file tests"),
	SC(faccessat2, "file tests"),
	SC(readlink, "symlinks"), SC(readlinkat, "symlinks"),
	SC(getdents, "directories"), SC(getdents64, "directories"),
	SC(getcwd, "working directory"), SC(chdir, "working directory"),
	SC(fchdir, "working directory"),
	SC(mkdir, "the private /tmp (read-only elsewhere)"),
	SC(mkdirat, "same"), SC(rmdir, "same"),
	SC(unlink, "same"), SC(unlinkat, "same"),
	SC(rename, "same"), SC(renameat, "same"), SC(renameat2, "same"),
	SC(link, "same"), SC(linkat, "same"),
	SC(symlink, "same"), SC(symlinkat, "same"),
	SC(mknod, "FIFOs in /tmp (nodev; devices need a capability)"),
	SC(mknodat, "same"),
	SC(truncate, "same"), SC(ftruncate, "same"), SC(fallocate, "same"),
	SC(chmod, "same"), SC(fchmod, "same"), SC(fchmodat, "same"),
	SC(chown, "same (no capabilities: only to its own groups)"),
	SC(fchown, "same"), SC(lchown, "same"), SC(fchownat, "same"),
	SC(utime, "same"), SC(utimes, "same"), SC(utimensat, "same"),
	SC(futimesat, "same"),
	SC(fsync, "same"), SC(fdatasync, "same"),
	SC(getxattr, "ls, cp, python's shutil copy attributes"),
	SC(lgetxattr, "same"), SC(fgetxattr, "same"),
	SC(listxattr, "same"), SC(llistxattr, "same"), SC(flistxattr, "same"),
	SC(setxattr, "same (writable: /tmp only)"),
	SC(lsetxattr, "same"), SC(fsetxattr, "same"),
	SC(removexattr, "same"), SC(lremovexattr, "same"),
	SC(fremovexattr, "same"),
	/* sockets: socket, socketpair, sendto only with the arguments of
	 * add_agent_sockets */
	SC(recvfrom, "recv(2)"), SC(recvmsg, "its channel, socketpairs"),
	SC(sendmsg, "its channel, socketpairs: no datagram socket exists, "
	    "stream ones refuse an address, seqpacket ones ignore it"),
	SC(shutdown, "close one direction"),
	SC(getsockname, "socket queries (python, libuv)"),
	SC(getpeername, "same"), SC(getsockopt, "same"),
	SC(setsockopt, "buffer sizes, SO_PASSCRED"),
};

/* External agents: these fail with EPERM, not ENOSYS: each is a way out
 * of the sandbox or into the kernel's least-audited corners, refused on
 * purpose. docs/SANDBOX.md gives the reason per line. */
struct sc_deny {
	int nr;
	const char *why;
};
#define SD(name, why) { SCMP_SYS(name), why }
static const struct sc_deny agent_deny[] = {
	SD(ptrace, "T4: read or drive another process"),
	SD(process_vm_readv, "T4: read another process's memory"),
	SD(process_vm_writev, "T4: write another process's memory"),
	SD(process_madvise, "T4: act on another process's memory"),
	SD(kcmp, "T4: compare another process's resources"),
	SD(pidfd_getfd, "T5: steal another process's descriptor"),
	SD(move_pages, "T4: move another process's pages"),
	SD(migrate_pages, "T4: same"),
	SD(mount, "T14: change its view of the file system"),
	SD(umount2, "T14: uncover what the mounts hide"),
	SD(pivot_root, "T14: same"),
	SD(chroot, "T14: same"),
	SD(fsopen, "T14: new mount API"),
	SD(fsconfig, "T14: new mount API"),
	SD(fsmount, "T14: new mount API"),
	SD(fspick, "T14: new mount API"),
	SD(move_mount, "T14: new mount API"),
	SD(open_tree, "T14: new mount API"),
	SD(mount_setattr, "T14: new mount API"),
	SD(unshare, "T10: new (user) namespaces: kernel attack surface"),
	SD(setns, "T10: enter another namespace"),
	SD(bpf, "T3: kernel programs"),
	SD(perf_event_open, "T3: kernel attack surface, side channels"),
	SD(userfaultfd, "T3: stalls the kernel at will (race exploits)"),
	SD(io_uring_setup, "T3: I/O the seccomp filter cannot see"),
	SD(io_uring_enter, "T3: same"),
	SD(io_uring_register, "T3: same"),
	SD(keyctl, "kernel keyrings: shared with the operator's session"),
	SD(add_key, "same"),
	SD(request_key, "same"),
	SD(kexec_load, "system administration"),
	SD(kexec_file_load, "system administration"),
	SD(init_module, "system administration"),
	SD(finit_module, "system administration"),
	SD(delete_module, "system administration"),
	SD(swapon, "system administration"),
	SD(swapoff, "system administration"),
	SD(reboot, "system administration"),
	SD(acct, "system administration"),
	SD(quotactl, "system administration"),
	SD(syslog, "kernel log: addresses, other users' messages"),
	SD(vhangup, "terminal hang-up"),
	SD(lookup_dcookie, "kernel profiling"),
	SD(open_by_handle_at, "T14: opens a file by handle, past any path check"),
	SD(name_to_handle_at, "same"),
	/* the read-only view is a bind of the host's /usr: a watch on it
	 * reports the host's own opens (which programs the operator runs,
	 * and when) */
	SD(inotify_init, "watch the host's opens through the read-only view"),
	SD(inotify_init1, "same"),
	SD(inotify_add_watch, "same"),
	SD(inotify_rm_watch, "same"),
	SD(fanotify_init, "watch the whole file system"),
	SD(fanotify_mark, "same"),
	SD(iopl, "raw I/O ports"),
	SD(ioperm, "raw I/O ports"),
	SD(settimeofday, "the system clock"),
	SD(clock_settime, "the system clock"),
	SD(clock_adjtime, "the system clock"),
	SD(adjtimex, "the system clock"),
	SD(uselib, "obsolete loader call"),
	SD(personality, "T2: switches ABI quirks (READ_IMPLIES_EXEC...)"),
	/* Landlock (ABI 7) does not govern connecting to a named unix
	 * socket: no agent connects, binds or listens anywhere (T12). */
	SD(connect, "T12/T13: reach a local service or the network"),
	SD(bind, "T12: offer a socket to others"),
	SD(listen, "T12: same"),
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
	/* fstat(fd) is newfstatat(fd, "", buf, AT_EMPTY_PATH). The filter
	 * cannot see the path: with a non-empty one this is a plain stat
	 * (metadata only; Landlock does not cover stat). Known gap, in
	 * docs/SANDBOX.md; an empty mount namespace for these roles would
	 * close it. */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(newfstatat), 1,
	    SCMP_A3(SCMP_CMP_EQ, AT_EMPTY_PATH)) < 0)
		return -1;
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fstat), 0);
}

/*
 * Threads, never processes: the broker's audit syncer is started inside
 * the sandbox. clone3 takes its flags in memory a filter cannot read, so
 * it fails with ENOSYS and glibc falls back to clone, whose flags are an
 * argument: allowed only with CLONE_THREAD (a thread shares our filter,
 * Landlock domain and everything else; it is never a new process).
 */
static int
add_threads(scmp_filter_ctx ctx)
{
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3),
	    0) < 0)
		return -1;
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
	    SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD)) < 0)
		return -1;
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(set_robust_list),
	    0) < 0)		/* new thread: its robust futex list */
		return -1;
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(rseq), 0) < 0)
		return -1;	/* new thread: glibc registers rseq */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(rt_sigaction),
	    0) < 0)		/* glibc's first pthread_create sets its
			 * internal SIGSETXID handler */
		return -1;
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(rt_sigprocmask),
	    0);		/* pthread_create blocks signals around clone */
}

static int
build_builtin(scmp_filter_ctx ctx)
{
	if (ADD(ctx, builtin_allow) < 0)
		return -1;
	/* memory: anonymous, never executable */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) < 0)
		return -1;
	/* its channel; its stdin (the operator's prompt, a pipe the
	 * supervisor fills), stdout (the answer) and stderr (its log
	 * lines): pipes the supervisor relays, never the terminal */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(read), 1,
	    SCMP_A0(SCMP_CMP_EQ, AGENT_FD)) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(read), 1,
	    SCMP_A0(SCMP_CMP_EQ, 0)) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1,
	    SCMP_A0(SCMP_CMP_EQ, 1)) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1,
	    SCMP_A0(SCMP_CMP_EQ, AGENT_FD)) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1,
	    SCMP_A0(SCMP_CMP_EQ, 2)) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sendmsg), 1,
	    SCMP_A0(SCMP_CMP_EQ, AGENT_FD)) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(recvmsg), 1,
	    SCMP_A0(SCMP_CMP_EQ, AGENT_FD)) < 0)
		return -1;
	/* send(2)/recv(2) are sendto/recvfrom without an address */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sendto), 2,
	    SCMP_A0(SCMP_CMP_EQ, AGENT_FD), SCMP_A4(SCMP_CMP_EQ, 0)) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(recvfrom), 2,
	    SCMP_A0(SCMP_CMP_EQ, AGENT_FD), SCMP_A4(SCMP_CMP_EQ, 0)) < 0)
		return -1;
	return 0;
}

/* The kernel reads an ioctl command as an unsigned int: every command
 * is compared on the low 32 bits, so a command with its upper half set
 * is the same command to the filter as to the kernel (T1). */
#define IOCTL_CMD(cmd) SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, (cmd))

/* termios2 commands (x86_64 numbers; glibc's headers lack termios2). */
#define AK_TCGETS2	0x802c542aUL
#define AK_TCSETS2	0x402c542bUL
#define AK_TCSETSW2	0x402c542cUL
#define AK_TCSETSF2	0x402c542dUL

struct ioctl_cmd {
	unsigned long cmd;
	const char *why;
};
#define IC(cmd, why) { (unsigned long)(cmd), why }

/* ioctl commands an external agent may use: queries and its own
 * descriptors' flags. Any other command fails with ENOSYS. */
static const struct ioctl_cmd agent_ioctl_allow[] = {
	IC(TCGETS, "isatty(), tcgetattr(): reads the terminal's settings"),
	IC(AK_TCGETS2, "same, termios2"),
	IC(TIOCGWINSZ, "the terminal's size (ls, python, node)"),
	IC(TIOCGPGRP, "tcgetpgrp(): the shell asks who is in the foreground"),
	IC(FIONREAD, "bytes waiting on a pipe or socket"),
	IC(FIONBIO, "non-blocking mode of its own descriptor (libuv)"),
	IC(FIOCLEX, "close-on-exec of its own descriptor (libuv, python)"),
	IC(FIONCLEX, "same, off"),
};

/* ...and these fail with EPERM: each writes to a terminal the operator
 * may be sitting at (the agent inherits stdin/stdout/stderr). */
static const struct ioctl_cmd agent_ioctl_deny[] = {
	IC(TIOCSTI, "T1: pushes input into the terminal"),
	IC(TIOCLINUX, "T1: console selection paste and more"),
	IC(TIOCSETD, "T1: changes the line discipline (kernel attack surface)"),
	IC(TCSETS, "T1: changes the terminal's settings (echo off...)"),
	IC(TCSETSW, "same"), IC(TCSETSF, "same"),
	IC(AK_TCSETS2, "same"), IC(AK_TCSETSW2, "same"), IC(AK_TCSETSF2, "same"),
	IC(TCSETA, "same, old termio"), IC(TCSETAW, "same"), IC(TCSETAF, "same"),
	IC(TIOCSWINSZ, "T1: resizes the operator's terminal"),
	IC(TIOCSCTTY, "T1: takes a controlling terminal"),
	IC(TIOCSPGRP, "T1: moves the terminal's foreground group"),
	IC(TIOCCONS, "T1: redirects the console"),
	IC(TIOCVHANGUP, "T1: hangs the terminal up"),
};

static int
add_agent_ioctl(scmp_filter_ctx ctx)
{
	size_t i;

	for (i = 0; i < sizeof(agent_ioctl_allow) / sizeof(agent_ioctl_allow[0]);
	    i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
		    IOCTL_CMD(agent_ioctl_allow[i].cmd)) < 0)
			return -1;
	for (i = 0; i < sizeof(agent_ioctl_deny) / sizeof(agent_ioctl_deny[0]);
	    i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl),
		    1, IOCTL_CMD(agent_ioctl_deny[i].cmd)) < 0)
			return -1;
	return 0;
}

/*
 * Sockets (T12, T13): AF_UNIX of the connected types only. A datagram
 * socket (SOCK_DGRAM, and SOCK_RAW, which the kernel makes a datagram
 * one) could send to a named socket by address without connect(); with
 * none, and connect/bind/listen refused, an agent's sockets are pairs of
 * its own. The type is compared without SOCK_NONBLOCK|SOCK_CLOEXEC on
 * its low 32 bits (the kernel reads an int). The rules are disjoint:
 * family != AF_UNIX and the datagram types fail with EPERM, the two
 * connected types are allowed, anything else meets the default (ENOSYS).
 */
#define SOCK_TYPE_ONLY (0xffffffffu & ~(unsigned)(SOCK_NONBLOCK | SOCK_CLOEXEC))

static int
add_agent_socket_call(scmp_filter_ctx ctx, int nr)
{
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1,
	    SCMP_A0(SCMP_CMP_NE, AF_UNIX)) < 0)
		return -1;
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 2,
	    SCMP_A0(SCMP_CMP_EQ, AF_UNIX),
	    SCMP_A1(SCMP_CMP_MASKED_EQ, SOCK_TYPE_ONLY, SOCK_STREAM)) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 2,
	    SCMP_A0(SCMP_CMP_EQ, AF_UNIX),
	    SCMP_A1(SCMP_CMP_MASKED_EQ, SOCK_TYPE_ONLY, SOCK_SEQPACKET)) < 0)
		return -1;
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 2,
	    SCMP_A0(SCMP_CMP_EQ, AF_UNIX),
	    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_DGRAM)) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 2,
	    SCMP_A0(SCMP_CMP_EQ, AF_UNIX),
	    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_RAW)) < 0)
		return -1;
	return 0;
}

static int
add_agent_sockets(scmp_filter_ctx ctx)
{
	if (add_agent_socket_call(ctx, SCMP_SYS(socket)) < 0 ||
	    add_agent_socket_call(ctx, SCMP_SYS(socketpair)) < 0)
		return -1;
	/* send(2) is sendto without an address; with one, EPERM. sendmsg's
	 * address is in memory the filter cannot read: see its line in
	 * agent_allow. */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sendto), 1,
	    SCMP_A4(SCMP_CMP_EQ, 0)) < 0)
		return -1;
	return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(sendto), 1,
	    SCMP_A4(SCMP_CMP_NE, 0));
}

/* clone() flags that make a new namespace (0x80 is CLONE_NEWTIME). */
static const unsigned long clone_ns_flags[] = {
	CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
	CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET, 0x00000080,
};

/* T10: clone() without a CLONE_NEW* flag is allowed (threads, fork);
 * with one it fails with EPERM, one rule per flag (disjoint from the
 * allow rule). clone3 passes its flags in memory the filter cannot
 * read, so it reports ENOSYS and libc falls back to clone(). */
static int
add_agent_clone(scmp_filter_ctx ctx)
{
	unsigned long all = 0;
	size_t i;

	for (i = 0; i < sizeof(clone_ns_flags) / sizeof(clone_ns_flags[0]); i++) {
		all |= clone_ns_flags[i];
		if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone),
		    1, SCMP_A0(SCMP_CMP_MASKED_EQ, clone_ns_flags[i],
		    clone_ns_flags[i])) < 0)
			return -1;
	}
	/* (clone3 is not listed: the default, ENOSYS) */
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
	    SCMP_A0(SCMP_CMP_MASKED_EQ, all, 0));
}

/*
 * A command the rule gives the network (network: true, a wide grant):
 * TCP and UDP sockets of AF_INET/AF_INET6 and connect(2) besides the
 * agent's AF_UNIX pairs; still no bind or listen (it serves nothing), no
 * raw or packet sockets, no netlink.
 */
static int
add_net_sockets(scmp_filter_ctx ctx)
{
	static const int fam[] = { AF_INET, AF_INET6 };
	static const int type[] = { SOCK_STREAM, SOCK_DGRAM };
	size_t f, t;

	/* no AF_UNIX socket (pairs only): with connect allowed, one could
	 * reach a named socket in a root, or an abstract one where Landlock
	 * cannot scope them */
	for (f = 0; f < 2; f++)
		for (t = 0; t < 2; t++)
			if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
			    SCMP_SYS(socket), 2, SCMP_A0(SCMP_CMP_EQ, fam[f]),
			    SCMP_A1(SCMP_CMP_MASKED_EQ, SOCK_TYPE_ONLY,
			    type[t])) < 0)
				return -1;
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(connect), 0);
}

/*
 * A command writes the roots of the host as the files' owner: no file
 * it makes or changes may be set-user-ID or set-group-ID (executed on
 * the host by another user, it would run as that owner). The mode
 * argument of each call that sets one is checked; openat2 carries its
 * mode in memory the filter cannot read: ENOSYS (libc falls back).
 */
static const struct {
	int nr;
	unsigned arg;		/* the mode's argument */
} mode_calls[] = {
	{ SCMP_SYS(chmod), 1 }, { SCMP_SYS(fchmod), 1 },
	{ SCMP_SYS(fchmodat), 2 }, { SCMP_SYS(open), 2 },
	{ SCMP_SYS(openat), 3 }, { SCMP_SYS(creat), 1 },
	{ SCMP_SYS(mknod), 1 }, { SCMP_SYS(mknodat), 2 },
	{ SCMP_SYS(mkdir), 1 }, { SCMP_SYS(mkdirat), 2 },
};

static int
is_mode_call(int nr)
{
	size_t i;

	for (i = 0; i < sizeof(mode_calls) / sizeof(mode_calls[0]); i++)
		if (mode_calls[i].nr == nr)
			return 1;
	return nr == SCMP_SYS(openat2);
}

static int
add_no_setid(scmp_filter_ctx ctx)
{
	static const unsigned long bits[] = { S_ISUID, S_ISGID };
	struct scmp_arg_cmp c;
	size_t i, k;

	for (i = 0; i < sizeof(mode_calls) / sizeof(mode_calls[0]); i++) {
		/* neither bit: allowed; either: EPERM (disjoint rules) */
		c = (struct scmp_arg_cmp){ mode_calls[i].arg,
		    SCMP_CMP_MASKED_EQ, S_ISUID | S_ISGID, 0 };
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, mode_calls[i].nr, 1,
		    c) < 0)
			return -1;
		for (k = 0; k < 2; k++) {
			c = (struct scmp_arg_cmp){ mode_calls[i].arg,
			    SCMP_CMP_MASKED_EQ, bits[k], bits[k] };
			if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
			    mode_calls[i].nr, 1, c) < 0)
				return -1;
		}
	}
	return 0;
}

static int
build_agent_external(scmp_filter_ctx ctx, int net, int nosetid)
{
	size_t i;

	for (i = 0; i < sizeof(agent_allow) / sizeof(agent_allow[0]); i++)
		if (!(nosetid && is_mode_call(agent_allow[i].nr)) &&
		    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, agent_allow[i].nr,
		    0) < 0)
			return -1;
	if (nosetid && add_no_setid(ctx) < 0)
		return -1;
	for (i = 0; i < sizeof(agent_deny) / sizeof(agent_deny[0]); i++)
		if (!(net && agent_deny[i].nr == SCMP_SYS(connect)) &&
		    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
		    agent_deny[i].nr, 0) < 0)
			return -1;
	if (add_agent_clone(ctx) < 0 || add_agent_ioctl(ctx) < 0)
		return -1;
	if (!net)
		return add_agent_sockets(ctx);
	return add_agent_socket_call(ctx, SCMP_SYS(socketpair)) < 0 ||
	    add_net_sockets(ctx) < 0 || seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
	    SCMP_SYS(sendto), 1, SCMP_A4(SCMP_CMP_EQ, 0)) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(sendto), 1,
	    SCMP_A4(SCMP_CMP_NE, 0)) < 0 ? -1 : 0;
}

/*
 * The proc worker. Its filter stays on every command it starts (filters
 * stack, the strictest answer wins), so it must admit what a command's
 * own filter admits: it is the agent's list with the calls the agent
 * gets conditionally admitted whole (its commands' filters keep the
 * conditions), plus the calls that build a command's sandbox below.
 * Every other call fails with ENOSYS, as for a command (a kill here
 * would kill a command that a newer libc probes with). A call the agent
 * list refuses (ptrace, bpf, ...) is not here: refused in both.
 */
static const struct sc_allow proc_allow[] = {
	/* clone, unshare: add_proc_ns (never a user namespace) */
	SC(mount, "a command's view: tmpfs root, /tmp, /dev/shm, remount ro"),
	SC(umount2, "drop the old root after pivot_root"),
	SC(pivot_root, "enter a command's view"),
	SC(open_tree, "clone the binds of a command's view"),
	SC(move_mount, "place them"),
	SC(mount_setattr, "make them read-only, nosuid, nodev"),
	SC(sethostname, "a command's UTS namespace"),
	SC(socket, "a command's own (its filter decides which)"),
	SC(socketpair, "same"),
	SC(connect, "a network: true command's (its filter decides)"),
	SC(sendto, "same"),
	SC(ioctl, "a command's terminal-free ioctls (its filter decides)"),
	SC(landlock_create_ruleset, "a command's Landlock ruleset"),
	SC(landlock_add_rule, "same"),
	SC(landlock_restrict_self, "same"),
	SC(seccomp, "a command's filter"),
	/* mkdirat (a command's cgroup): add_no_setid, as every mode call */
	SC(unlinkat, "remove it when the command is gone"),
};

/* clone and unshare for a command's namespaces, never CLONE_NEWUSER:
 * the worker holds its capabilities in its own user namespace and makes
 * no other (a nested one would give it a full set there). */
static int
add_proc_ns(scmp_filter_ctx ctx)
{
	static const int nr[] = { SCMP_SYS(clone), SCMP_SYS(unshare) };
	size_t i;

	for (i = 0; i < 2; i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr[i], 1,
		    SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, 0)) < 0 ||
		    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr[i], 1,
		    SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER,
		    CLONE_NEWUSER)) < 0)
			return -1;
	return 0;
}

static int
build_worker_proc(scmp_filter_ctx ctx)
{
	size_t i;

	/* the agent's list but its mode calls, which are checked: the
	 * worker never makes a set-id file either (it may take the files'
	 * owner's uid) */
	for (i = 0; i < sizeof(agent_allow) / sizeof(agent_allow[0]); i++)
		if (!is_mode_call(agent_allow[i].nr) && seccomp_rule_add(ctx,
		    SCMP_ACT_ALLOW, agent_allow[i].nr, 0) < 0)
			return -1;
	return ADD(ctx, proc_allow) < 0 || add_no_setid(ctx) < 0 ||
	    add_proc_ns(ctx) < 0 ? -1 : 0;
}

/* ---- each role's list: the seccomp column of common/roles.h ----------- */

static int
sc_none(scmp_filter_ctx ctx)
{
	(void)ctx;
	return -1;		/* the supervisor is not confined by a filter */
}

static int
sc_broker(scmp_filter_ctx ctx)
{
	return ADD(ctx, base_allow) < 0 || ADD(ctx, broker_allow) < 0 ||
	    add_noexec_memory(ctx) < 0 || add_threads(ctx) < 0 ? -1 : 0;
}

static int
sc_worker_fs(scmp_filter_ctx ctx)
{
	if (ADD(ctx, base_allow) < 0 || ADD(ctx, fs_allow) < 0)
		return -1;
	/* malloc's large blocks, never executable memory */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) < 0)
		return -1;
	/* fstat of a descriptor it opened beneath a root (the size of a
	 * file it reads, fdopendir's check) */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fstat), 0) < 0)
		return -1;
	return add_fs_args(ctx);
}

static int
sc_client(scmp_filter_ctx ctx)
{
	return ADD(ctx, base_allow) < 0 || ADD(ctx, client_allow) < 0 ||
	    add_noexec_memory(ctx) < 0 ? -1 : 0;
}

static int
sc_logview(scmp_filter_ctx ctx)
{
	return ADD(ctx, base_allow) < 0 || add_noexec_memory(ctx) < 0 ? -1 : 0;
}

static int
sc_agent_builtin(scmp_filter_ctx ctx)
{
	return build_builtin(ctx);
}

static int
sc_agent_external(scmp_filter_ctx ctx)
{
	return build_agent_external(ctx, 0, 0);
}

static int
sc_command(scmp_filter_ctx ctx)
{
	return build_agent_external(ctx, 0, 1);
}

static int
sc_command_net(scmp_filter_ctx ctx)
{
	return build_agent_external(ctx, 1, 1);
}

/*
 * socket: AF_INET and AF_INET6 stream sockets only (SOCK_NONBLOCK and
 * SOCK_CLOEXEC may ride along): no UDP (DNS goes over TCP), no unix
 * socket (no local service: nscd's is refused, glibc goes on), no raw
 * or netlink socket. Those glibc tries fail with EACCES so it falls
 * back; any other kills the worker.
 * fcntl: the flag calls curl and libc make, never F_SETOWN/F_SETSIG.
 */
static int
sc_worker_http(scmp_filter_ctx ctx)
{
	static const int fams[] = { AF_INET, AF_INET6 };
	static const int fcmds[] = { F_GETFL, F_SETFL };
	size_t i;

	/* threads: libcurl's resolver looks each name up in one */
	if (ADD(ctx, base_allow) < 0 || ADD(ctx, http_allow) < 0 ||
	    add_noexec_memory(ctx) < 0 || add_threads(ctx) < 0)
		return -1;
	/* protocol 0 (glibc) or IPPROTO_TCP (curl): never SCTP, MPTCP */
	for (i = 0; i < 4; i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 3,
		    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)fams[i / 2]),
		    SCMP_A1(SCMP_CMP_MASKED_EQ, ~(scmp_datum_t)(SOCK_NONBLOCK |
		    SOCK_CLOEXEC) & 0xffffffffu, SOCK_STREAM),
		    SCMP_A2(SCMP_CMP_EQ, i % 2 ? IPPROTO_TCP : 0)) < 0)
			return -1;
	/* what glibc's resolver tries and does without: nscd's unix
	 * socket, a UDP socket (source address sorting), netlink */
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 1,
	    SCMP_A0(SCMP_CMP_EQ, AF_UNIX)) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 1,
	    SCMP_A0(SCMP_CMP_EQ, AF_NETLINK)) < 0)
		return -1;
	for (i = 0; i < 2; i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES),
		    SCMP_SYS(socket), 2,
		    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)fams[i]),
		    SCMP_A1(SCMP_CMP_MASKED_EQ, ~(scmp_datum_t)(SOCK_NONBLOCK |
		    SOCK_CLOEXEC) & 0xffffffffu, SOCK_DGRAM)) < 0)
			return -1;
	/* a connected pair of its own: libcurl's resolver thread tells
	 * the loop it is done through one (it reaches nothing else) */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socketpair), 2,
	    SCMP_A0(SCMP_CMP_EQ, AF_UNIX), SCMP_A1(SCMP_CMP_MASKED_EQ,
	    ~(scmp_datum_t)(SOCK_NONBLOCK | SOCK_CLOEXEC) & 0xffffffffu,
	    SOCK_STREAM)) < 0)
		return -1;
	/* stat by path: glibc checks whether nsswitch.conf changed
	 * (metadata only: Landlock does not cover stat; docs/SANDBOX.md) */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(newfstatat), 1,
	    SCMP_A3(SCMP_CMP_EQ, 0)) < 0)
		return -1;
	for (i = 0; i < sizeof(fcmds) / sizeof(fcmds[0]); i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
		    SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)fcmds[i])) < 0)
			return -1;
	return 0;
}

static int
sc_worker_proc(scmp_filter_ctx ctx)
{
	return build_worker_proc(ctx);
}

#define SC_BUILDER_(id, nm, bin, u, nsf, nf, np, fs, ml, sc, ...) \
	[ROLE_##id] = sc_##sc,
static int (*const sc_builders[ROLE_N])(scmp_filter_ctx) = {
	AKSUP_ROLES(SC_BUILDER_)
};
#undef SC_BUILDER_

/* The filter of `role`, built but not loaded (NULL on failure). */
static scmp_filter_ctx
filter_build(enum role role)
{
	scmp_filter_ctx ctx = NULL;
	uint32_t deflt;
	int rc = -1;

	if (role <= ROLE_NONE || role >= ROLE_N)
		return NULL;
#ifdef AKSUP_SANDBOX_DEBUG
	deflt = SCMP_ACT_TRAP;
#else
	deflt = SCMP_ACT_KILL_PROCESS;
#endif
	/* an unknown call fails as on an older kernel: programs fall back
	 * (and the proc worker's filter stays on its commands) */
	if ((role_defs[role].flags & RF_EXTERNAL) ||
	    role_defs[role].landlock == LLK_PER_COMMAND)
		deflt = SCMP_ACT_ERRNO(ENOSYS);
	if ((ctx = seccomp_init(deflt)) == NULL)
		goto out;
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS) < 0)
		goto out;
	if (sc_builders[role](ctx) < 0)
		goto out;
#ifdef AKSUP_SANITIZER
	if (!(role_defs[role].flags & RF_EXTERNAL) && ADD(ctx, sanitizer_allow) < 0)
		goto out;
#endif
	rc = 0;
out:
	if (rc < 0 && ctx != NULL) {
		seccomp_release(ctx);
		ctx = NULL;
	}
	return ctx;
}

int
sandbox_seccomp_export(enum role role, int fd)
{
	scmp_filter_ctx ctx = filter_build(role);
	int rc;

	if (ctx == NULL)
		return -1;
	rc = seccomp_export_pfc(ctx, fd);
	seccomp_release(ctx);
	return rc < 0 ? -1 : 0;
}

int
sandbox_seccomp_prepare(enum role role, struct sock_fprog *prog)
{
	scmp_filter_ctx ctx = NULL;
	struct stat st;
	void *buf = NULL;
	int fd = -1, rc = -1;

	memset(prog, 0, sizeof(*prog));
	if (waived() & LAYER_SECCOMP)
		return 0;		/* none: the operator waived the layer */
	if ((ctx = filter_build(role)) == NULL ||
	    (fd = memfd_create("aksup-filter", MFD_CLOEXEC)) < 0 ||
	    seccomp_export_bpf(ctx, fd) < 0 || fstat(fd, &st) < 0 ||
	    st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0 ||
	    st.st_size / sizeof(struct sock_filter) > 0xffff ||
	    (buf = malloc((size_t)st.st_size)) == NULL ||
	    pread(fd, buf, (size_t)st.st_size, 0) != st.st_size)
		goto out;
	prog->len = (unsigned short)(st.st_size / sizeof(struct sock_filter));
	prog->filter = buf;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	if (ctx != NULL)
		seccomp_release(ctx);
	return rc;
}

void
sandbox_seccomp_load(const struct sock_fprog *prog)
{
	if (prog->filter == NULL)
		return;			/* the layer is waived */
	/* no_new_privs first: what lets an unprivileged process load it */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) < 0)
		fatalx("sandbox: cannot load the seccomp filter; refusing to "
		    "run (layer seccomp; --allow-degraded=seccomp to waive)");
}

static void
seccomp_role(enum role role)
{
	scmp_filter_ctx ctx = filter_build(role);
	int rc = -1;

	if (ctx != NULL && seccomp_load(ctx) == 0)
		rc = 0;
	if (ctx != NULL)
		seccomp_release(ctx);
	if (rc < 0)
		fatalx("sandbox: cannot load the seccomp filter; refusing to "
		    "run (layer seccomp; --allow-degraded=seccomp to waive)");
}

/* ---- Landlock --------------------------------------------------------- */

/* Debian 12's header knows ABI 2; newer bits defined here. */
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

#define LL_FILE_RIGHTS (LANDLOCK_ACCESS_FS_EXECUTE | \
	LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE | \
	LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV)

struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;	/* ABI 4 */
	uint64_t scoped;		/* ABI 6 */
};

int
sandbox_landlock_abi(void)
{
	int abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);

	return abi < 0 ? 0 : abi;
}

/* A ruleset that handles every right the kernel knows: what no rule
 * grants is denied. Returns the ruleset fd and the handled fs rights. */
static int
ll_create(uint64_t *handled, int tcp)
{
	struct ll_ruleset_attr attr;
	size_t attr_size;
	int abi = sandbox_landlock_abi();

	if (abi < 1) {
		errno = EOPNOTSUPP;
		return -1;
	}
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
		/* tcp: a command the rule gives the network (network:
		 * true): TCP is not handled, so not denied */
		attr.handled_access_net = tcp ? 0 : LL_NET_BIND_TCP |
		    LL_NET_CONNECT_TCP;
		attr_size = offsetof(struct ll_ruleset_attr, scoped);
	}
	if (abi >= 6) {
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
		attr_size = sizeof(attr);
	}
	*handled = attr.handled_access_fs;
	return (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
}

static int
ll_add_fd(int rfd, int fd, uint64_t access)
{
	struct landlock_path_beneath_attr pb;
	int rc;

	pb.allowed_access = access;
	pb.parent_fd = fd;
	rc = (int)syscall(SYS_landlock_add_rule, rfd, LANDLOCK_RULE_PATH_BENEATH,
	    &pb, 0);
	/* A non-directory cannot carry directory rights: retry as a file. */
	if (rc < 0 && errno == EINVAL) {
		pb.allowed_access &= LL_FILE_RIGHTS;
		rc = (int)syscall(SYS_landlock_add_rule, rfd,
		    LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
	}
	return rc;
}

static int
ll_add(int rfd, const char *path, uint64_t access, uint64_t handled)
{
	int fd, rc;

	if ((fd = open(path, O_PATH | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : -1;
	rc = ll_add_fd(rfd, fd, access & handled);
	close(fd);
	return rc;
}

static int
ll_restrict(int rfd)
{
	int rc = -1;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
	    syscall(SYS_landlock_restrict_self, rfd, 0) == 0)
		rc = 0;
	close(rfd);
	return rc;
}

int
sandbox_landlock(const char *const *ro, const char *const *rw,
    const char *const *rwdir, const char *const *lsdir, int tcp)
{
	uint64_t handled, rd = LANDLOCK_ACCESS_FS_EXECUTE |
	    LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
	uint64_t wr = LANDLOCK_ACCESS_FS_READ_FILE |
	    LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE;
	int rfd;

	if ((rfd = ll_create(&handled, tcp)) < 0)
		return -1;
	for (; ro != NULL && *ro != NULL; ro++)
		if (ll_add(rfd, *ro, rd, handled) < 0)
			goto fail;
	for (; rw != NULL && *rw != NULL; rw++)
		if (ll_add(rfd, *rw, wr, handled) < 0)
			goto fail;
	/* every file right but REFER (no links or renames out of it) */
	for (; rwdir != NULL && *rwdir != NULL; rwdir++)
		if (ll_add(rfd, *rwdir, ~(uint64_t)LANDLOCK_ACCESS_FS_REFER &
		    ~(uint64_t)LANDLOCK_ACCESS_FS_IOCTL_DEV, handled) < 0)
			goto fail;
	/* listing only (the agent's own view: `ls /`) */
	for (; lsdir != NULL && *lsdir != NULL; lsdir++)
		if (ll_add(rfd, *lsdir, LANDLOCK_ACCESS_FS_READ_DIR, handled) < 0)
			goto fail;
	return ll_restrict(rfd);
fail:
	close(rfd);
	return -1;
}

/* The fs worker's roots, registered by fs_init before sandbox_enter
 * (at most FS_ROOTS_MAX, common/fds.h). */
static struct {
	int fd;
	unsigned rights;
} fs_roots[FS_ROOTS_MAX + 1];	/* and the snapshot store */
static size_t fs_nroots;

int
sandbox_fs_root(int dirfd, unsigned rights)
{
	if (fs_nroots == FS_ROOTS_MAX + 1) {
		errno = E2BIG;
		return -1;
	}
	fs_roots[fs_nroots].fd = dirfd;
	fs_roots[fs_nroots].rights = rights;
	fs_nroots++;
	return 0;
}

/* The http worker's readable files (sandbox_ro_file). */
static const char *ro_files[SANDBOX_RO_FILES_MAX];
static size_t ro_nfiles;

int
sandbox_ro_file(const char *path)
{
	if (ro_nfiles == SANDBOX_RO_FILES_MAX) {
		errno = E2BIG;
		return -1;
	}
	ro_files[ro_nfiles++] = path;
	return 0;
}

/* What each fs right needs from Landlock, and nothing more: a read-only
 * root stays read-only even if the worker is compromised. */
static uint64_t
fs_landlock_rights(unsigned r)
{
	uint64_t a = 0;

	/* a write or delete is snapshotted first: the worker reads the
	 * file it replaces or removes (into the store, never to the agent:
	 * only snapshot.rollback puts those bytes back) */
	if (r & (FS_RIGHT_READ | FS_RIGHT_WRITE | FS_RIGHT_DELETE))
		a |= LANDLOCK_ACCESS_FS_READ_FILE;
	if (r & FS_RIGHT_LIST)
		a |= LANDLOCK_ACCESS_FS_READ_DIR;
	/* fs.write: a temp file (MAKE_REG, WRITE_FILE, TRUNCATE), renamed
	 * over the target in the same directory (REMOVE_FILE of the old
	 * one), parents made one at a time (MAKE_DIR); a write that fails
	 * removes the (empty) parents it made (REMOVE_DIR). */
	if (r & FS_RIGHT_WRITE)
		a |= LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE |
		    LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_DIR |
		    LANDLOCK_ACCESS_FS_REMOVE_FILE |
		    LANDLOCK_ACCESS_FS_REMOVE_DIR;
	if (r & FS_RIGHT_DELETE)
		a |= LANDLOCK_ACCESS_FS_REMOVE_FILE |
		    LANDLOCK_ACCESS_FS_REMOVE_DIR;
	/* the snapshot store: its files are written in tmp/ and renamed
	 * into meta/ and blobs/ (REFER: from one of its directories to
	 * another, never out of it: both ends need the rule) */
	if (r & SANDBOX_FS_STORE)
		a |= LANDLOCK_ACCESS_FS_REFER;
	/* proc.exec with snapshot: tree: the writable roots walked before
	 * the command (READ_DIR), and put back as they were by its
	 * rollback, symbolic links included (MAKE_SYM; the worker never
	 * follows one: every open is RESOLVE_NO_SYMLINKS) */
	if (r & SANDBOX_FS_TREE)
		a |= LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_MAKE_SYM;
	return a;
}

/* Landlock of our own role binaries: the fs worker gets its roots with
 * their rights; every other role gets nothing at all (it acts only on the
 * descriptors it was handed). */
static int
landlock_role(enum role role)
{
	uint64_t handled;
	size_t i;
	int rfd;

	/* the http worker connects anywhere its worker decides (TCP is
	 * not handled: its seccomp filter and the broker bound it) */
	if ((rfd = ll_create(&handled, role_defs[role].landlock ==
	    LLK_CA_FILES)) < 0)
		return -1;
	/* its CA bundle and resolver files, read-only; nothing else */
	for (i = 0; role_defs[role].landlock == LLK_CA_FILES &&
	    i < ro_nfiles; i++)
		if (ll_add(rfd, ro_files[i], LANDLOCK_ACCESS_FS_READ_FILE,
		    handled) < 0)
			goto fail;
	if (role_defs[role].landlock == LLK_FS_ROOTS)
		for (i = 0; i < fs_nroots; i++)
			if (ll_add_fd(rfd, fs_roots[i].fd,
			    fs_landlock_rights(fs_roots[i].rights) & handled) < 0)
				goto fail;
#ifdef AKSUP_SANITIZER
	/* Sanitizer builds only: the runtime reads its own maps. */
	if (ll_add(rfd, "/proc/self", LANDLOCK_ACCESS_FS_READ_FILE |
	    LANDLOCK_ACCESS_FS_READ_DIR, handled) < 0)
		goto fail;
#endif
	return ll_restrict(rfd);
fail:
	close(rfd);
	return -1;
}

/* ---- identities and capabilities ---------------------------------------- */

int
sandbox_bounding_empty(void)
{
	int c;

	for (c = 0; c <= (int)cap_max_bits() - 1; c++)
		if (cap_get_bound((cap_value_t)c) > 0)
			return 0;
	return 1;
}

/*
 * Capabilities: all gone for good. Securebits first (needs CAP_SETPCAP):
 * NOROOT so an exec as uid 0 (the fs worker run as root's files, a
 * command as inner root) gains nothing, NO_SETUID_FIXUP so the uid
 * change below does not touch the sets we empty ourselves, ambient
 * raising off; all locked. Then the bounding set (CAP_SETPCAP again),
 * then the uid/gid change, then the effective/permitted/inheritable sets
 * and the ambient set, then a check.
 */
#define SECURE_ALL (SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | \
	SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED | \
	SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE | \
	SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED)

int
sandbox_drop(int caps, int have_setpcap, int uids, uid_t uid, gid_t gid,
    const char **what)
{
	cap_t c;
	int i;
	uid_t r, e, s;

	if (caps && have_setpcap) {
		*what = "c:securebits";
		if (prctl(PR_SET_SECUREBITS, SECURE_ALL, 0, 0, 0) < 0)
			return -1;
		*what = "c:bounding set";
		for (i = 0; i <= (int)cap_max_bits() - 1; i++)
			if (cap_drop_bound((cap_value_t)i) < 0 && errno != EINVAL)
				return -1;
	}
	if (uids) {
		/* Safe: setgroups/setresgid/setresuid only ever move a
		 * privileged process to unprivileged ids here, never back. */
		*what = "u:setgroups";
		if (setgroups(0, NULL) < 0)
			return -1;
		*what = "u:setresgid";
		if (setresgid(gid, gid, gid) < 0)
			return -1;
		*what = "u:setresuid";
		if (setresuid(uid, uid, uid) < 0)
			return -1;
		*what = "u:uid check";
		if (getresuid(&r, &e, &s) < 0 || r != uid || e != uid || s != uid)
			return -1;
	}
	if (caps) {
		*what = "c:cap_set_proc";
		if ((c = cap_init()) == NULL || cap_set_proc(c) < 0)
			return -1;
		cap_free(c);
		*what = "c:ambient set";
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
		    errno != EINVAL)
			return -1;
		*what = "c:bounding set not empty";
		if (!sandbox_bounding_empty())
			return -1;
	}
	return 0;
}

/* ---- the whole profile ------------------------------------------------ */

void
sandbox_enter(enum role role)
{
	unsigned w = waived();

	/* Not dumpable: no ptrace, no /proc/PID/{mem,environ,fd} for any
	 * process of our uid, no core dump of our memory (T4, T5). (An
	 * external agent's exec resets this; it is its own.) */
	if (role <= ROLE_NONE || role >= ROLE_N ||
	    role_defs[role].landlock == LLK_NONE)
		fatalx("sandbox: no profile for role %d", (int)role);
	if (!(role_defs[role].flags & RF_EXTERNAL) &&
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		fatal("sandbox: PR_SET_DUMPABLE");
	/* no_new_privs first: it is what lets an unprivileged process load
	 * a filter, and no exec after it can gain privilege (T10). */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fatal("sandbox: PR_SET_NO_NEW_PRIVS");
	if (role_defs[role].landlock != LLK_VIEW &&
	    role_defs[role].landlock != LLK_PER_COMMAND &&
	    !(w & LAYER_LANDLOCK) && landlock_role(role) < 0)
		fatal("sandbox: cannot apply Landlock; refusing to run (layer "
		    "landlock; --allow-degraded=landlock to waive)");
	if (!(w & LAYER_SECCOMP))
		seccomp_role(role);
}
