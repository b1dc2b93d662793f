/*
 * tests/sandbox/sbprobe.c -- aksup-sbprobe: the sandbox suite's attacker.
 * It attacks every confinement layer from inside a role's profile
 * (docs/THREATMODEL.md T1-T14) and reports, one line per attack on stderr:
 *
 *   RESULT <attack> blocked <how>      the attempt failed
 *   RESULT <attack> ESCAPED <how>      it worked: the sandbox leaked
 *
 * and, before any attack, the descriptors it was started with:
 *
 *   FDS <role> <fd> <fd> ...           every open descriptor (fcntl)
 *   ROOTFDS <fd> ...                   worker-fs: the root dirfds of its argv
 *   STOREFD <fd>                       worker-fs: its snapshot store's
 *
 * Runs in: the seat of a role, under that role's profile. As an external
 * agent it is simply `aksup run -- aksup-sbprobe agent attack LIST ...`.
 * As broker, worker-fs, worker-http or agent-builtin it is exec'd by a
 * test build of aksup (-Dtest_hooks=true, AKSUP_TEST_PROBE_ROLE) in place
 * of the role's
 * binary, after the supervisor applied the role's uid, namespaces,
 * capabilities and rlimits; each attack then runs in a child that first
 * enters the role's own half (sandbox_enter: Landlock, seccomp), as the
 * real binary would, so an allow-list kill ends only that attack.
 *
 *   aksup-sbprobe ROLE attack LIST [key=value ...] [-- ROLE-ARGV]
 *     ROLE   agent | agent-builtin | broker | worker-fs | worker-http
 *     LIST   t1,t2,t2i386,t3,t4,t5,t6ro,t10,t12,t13,t14,unshare,fork,mem,
 *            signal,sc; the http worker's (the host's network is its
 *            own, TCP connect its purpose): udp,raw,packet,netlink,bind,
 *            ropen
 *     pids=stdin   read "PIDS p1 p2..." from stdin after printing READY
 *                  (default: the supervisor and its other children)
 *     suid=PATH    T10: a setuid-root copy of this probe (in the agent's
 *                  view: aksup run --ro PATH)
 *     abstract=NAME, tcp=PORT   T12/T13: listeners the test started
 *     file=PATH, dir=PATH       T14: what must stay unwritable
 *     rofile=NAME  T6 (worker-fs): an existing file beneath each read-only
 *                  root, relative to it
 *     read=TARGET  after a bomb: a request that must still be answered
 *   Test helpers (run unconfined by tests/sandbox/run.sh):
 *     aksup-sbprobe euid                   exit 1 if euid != uid
 *     aksup-sbprobe abi x32|i386           exit 0 if the kernel runs a
 *                                          getpid of that ABI, else 1
 *     aksup-sbprobe listen-abstract NAME SECONDS OUT
 *     aksup-sbprobe listen-tcp PORT SECONDS OUT
 *     aksup-sbprobe swap DIR OTHER SECONDS  exchange two names in a loop
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <termios.h>
#include <unistd.h>

#include "agent/client.h"
#include "common/sandbox.h"

#define IN_CLOEXEC_SB O_CLOEXEC	/* IN_CLOEXEC */

/* What workers/http/http.c registers with sandbox_ro_file (prepare()):
 * its CA bundle (argv "ca:/PATH", else the system's) and these. */
#define HTTP_SYSTEM_CA	"/etc/ssl/certs/ca-certificates.crt"
static const char *const http_ro[] = {
	"/etc/hosts", "/etc/resolv.conf", "/etc/nsswitch.conf",
	"/etc/host.conf", "/etc/gai.conf",
};
#define NHTTP_RO (sizeof(http_ro) / sizeof(http_ro[0]))

#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000
#endif

static const char *role = "agent";
static char **role_argv;		/* after "--" */
static pid_t pids[16];
static int npids;
static const char *opt_suid, *opt_abstract, *opt_read, *opt_rofile;
static int opt_tcp;
static const char *files[16], *dirs[16];
static int nfiles, ndirs;
static char self_path[PATH_MAX];
static const char *http_ca = HTTP_SYSTEM_CA;

/* One line on stderr with one write(2): allowed in every role's filter
 * (the built-in agent's too), no stdio after the sandbox closes. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	(void)!write(2, buf, (size_t)n);
}

/* The role's own half of its profile, as its real binary enters it. */
static void
enter_role(void)
{
	struct rlimit none = { 0, 0 };
	char *end;
	int i;

	if (strcmp(role, "agent") == 0 || strcmp(role, "command") == 0)
		return;		/* confined by aksup before exec */
	/* RLIMIT_NPROC 0 of these profiles (the supervisor left it to us:
	 * the probe had to fork its attacks first) */
	(void)setrlimit(RLIMIT_NPROC, &none);
	if (strcmp(role, "broker") == 0)
		sandbox_enter(ROLE_BROKER);
	else if (strcmp(role, "agent-builtin") == 0)
		sandbox_enter(ROLE_AGENT_BUILTIN);
	else if (strcmp(role, "worker-fs") == 0) {
		/* FD:RIGHTS:SUFFIX, as workers/fs/fs.c reads them */
		for (i = 0; role_argv && role_argv[i]; i++) {
			long fd = strtol(role_argv[i], &end, 10);
			unsigned r = 0;

			if (*end != ':')
				continue;
			for (end++; *end && *end != ':'; end++)
				if (strchr("rwdl", *end) != NULL)
					r |= 1u << (strchr("rwdl", *end) - "rwdl");
			if (*end == ':' && end[1] == '\0')
				(void)sandbox_fs_root((int)fd, r);
		}
		sandbox_enter(ROLE_WORKER_FS);
	} else if (strcmp(role, "worker-http") == 0) {
		/* as workers/http/http.c: the credentials memfd read and
		 * closed, then its files registered, read-only */
		(void)close(HTTP_FD_CREDS);
		for (i = 0; role_argv && role_argv[i]; i++)
			if (strncmp(role_argv[i], "ca:/", 4) == 0)
				http_ca = role_argv[i] + 3;
		(void)sandbox_ro_file(http_ca);
		for (i = 0; i < (int)NHTTP_RO; i++)
			(void)sandbox_ro_file(http_ro[i]);
		sandbox_enter(ROLE_WORKER_HTTP);
	} else {
		say("unknown role %s", role);
		_exit(3);
	}
}

/* ---- the attacks: each returns 0 blocked, 1 escaped ------------------ */

static long
ioctl64(int fd, unsigned long cmd, void *arg)
{
	return syscall(SYS_ioctl, fd, cmd, arg);
}

static int
a_t1(void)
{
	static const unsigned long cmds[] = {
		TIOCSTI, TIOCSTI | (1UL << 32), TIOCLINUX, TIOCLINUX | (1UL << 32),
	};
	int fds[] = { -1, 0, 1, 2 };
	char c = '#';
	size_t i, j;
	int esc = 0;

	for (i = 0; i < 4; i++)
		for (j = 0; j < 4; j++) {
			errno = 0;
			if (ioctl64(fds[i], cmds[j], &c) == 0) {
				say("  t1: ioctl(%d, %#lx) succeeded", fds[i], cmds[j]);
				esc = 1;
			} else if (fds[i] == -1 && errno != EPERM) {
				/* on a bad fd only the filter says EPERM */
				say("  t1: ioctl(-1, %#lx): %s: not filtered",
				    cmds[j], strerror(errno));
				esc = 1;
			}
		}
	if (!esc)
		say("  t1: every TIOCSTI/TIOCLINUX refused by the filter "
		    "(EPERM), also with the upper 32 bits set");
	return esc;
}

/* Our filters kill an x32 number (SIGSYS) before the kernel looks at
 * it. A call that returns was not stopped by the filter: if it failed,
 * the kernel refused it (no x32 ABI), which tests/sandbox/run.sh tells
 * apart with `aksup-sbprobe abi x32` and reports as skipped. */
static int
a_t2(void)
{
	long r = syscall(__X32_SYSCALL_BIT | SYS_getpid);

	say("  t2: x32 getpid returned %ld (%s): not killed by the filter", r,
	    r < 0 ? strerror(errno) : "ran");
	return r > 0;
}

static int
a_t2i386(void)
{
	long r;

	/* i386 getpid (20) through int 0x80 */
	__asm__ volatile ("int $0x80" : "=a"(r) : "a"(20L) : "memory");
	say("  t2i386: int 0x80 getpid returned %ld", r);
	return r > 0;
}

static int
a_t3(void)
{
	unsigned char params[120];	/* struct io_uring_params */
	long r;

	memset(params, 0, sizeof(params));
	r = syscall(SYS_io_uring_setup, 4, params);
	say("  t3: io_uring_setup: %s", r >= 0 ? "got a ring" : strerror(errno));
	return r >= 0;
}

/* The agent's own pid namespace: its own child (same uid, dumpable,
 * same Landlock domain: only the filter stops this) and its init at
 * pid 1. Each call must fail with the filter's EPERM; ESRCH would mean
 * the target did not exist and the test proved nothing. */
static int
t4_own_namespace(void)
{
	static volatile char secret[8] = "secret";
	struct iovec l, rm;
	char buf[8];
	int esc = 0, pfd, p[2];
	pid_t kid;
	long r;

	if (pipe(p) < 0) {
		say("  t4: pipe: %s", strerror(errno));
		return 1;
	}
	if ((kid = fork()) == 0) {
		close(p[1]);
		(void)!read(p[0], buf, 1);	/* until the parent is done */
		_exit(secret[0] == 's' ? 0 : 1);
	}
	close(p[0]);
	if (kid < 0) {
		say("  t4: fork: %s", strerror(errno));
		return 1;
	}
	errno = 0;
	r = ptrace(PTRACE_SEIZE, kid, NULL, NULL);
	say("  t4: ptrace(SEIZE, own child %d): %s", (int)kid, r == 0 ?
	    "ATTACHED" : strerror(errno));
	if (r == 0)
		(void)ptrace(PTRACE_DETACH, kid, NULL, NULL);
	if (r == 0 || errno != EPERM)
		esc = 1;
	l.iov_base = buf;
	l.iov_len = sizeof(buf);
	rm.iov_base = (void *)secret;
	rm.iov_len = sizeof(buf);
	errno = 0;
	r = process_vm_readv(kid, &l, 1, &rm, 1, 0);
	say("  t4: process_vm_readv(own child %d): %s", (int)kid, r >= 0 ?
	    "READ" : strerror(errno));
	if (r >= 0 || errno != EPERM)
		esc = 1;
	pfd = (int)syscall(SYS_pidfd_open, kid, 0);
	if (pfd < 0) {
		say("  t4: pidfd_open(own child %d): %s", (int)kid, strerror(errno));
		esc = 1;
	} else {
		errno = 0;
		r = syscall(SYS_pidfd_getfd, pfd, 0, 0);
		say("  t4: pidfd_getfd(own child %d, 0): %s", (int)kid,
		    r >= 0 ? "STOLE fd 0" : strerror(errno));
		if (r >= 0 || errno != EPERM)
			esc = 1;
		close(pfd);
	}
	errno = 0;
	r = ptrace(PTRACE_SEIZE, 1, NULL, NULL);
	say("  t4: ptrace(SEIZE, its init, pid 1): %s", r == 0 ? "ATTACHED" :
	    strerror(errno));
	if (r == 0)
		(void)ptrace(PTRACE_DETACH, 1, NULL, NULL);
	if (r == 0 || errno != EPERM)
		esc = 1;
	close(p[1]);
	(void)waitpid(kid, NULL, 0);
	return esc;
}

static int
a_t4(void)
{
	struct iovec l, rm;
	char buf[8];
	int i, esc = 0, pfd, agent = strcmp(role, "agent") == 0 ||
	    strcmp(role, "command") == 0;
	long r;

	if (agent)
		esc = t4_own_namespace();
	for (i = 0; i < npids; i++) {
		errno = 0;
		r = ptrace(PTRACE_SEIZE, pids[i], NULL, NULL);
		say("  t4: ptrace(SEIZE, %d): %s", pids[i], r == 0 ? "ATTACHED" :
		    strerror(errno));
		if (r == 0) {
			esc = 1;
			(void)ptrace(PTRACE_DETACH, pids[i], NULL, NULL);
		}
		/* the agent's filter answers EPERM; ESRCH (the host's pids
		 * do not exist in its namespace) is not the filter */
		if (agent && r < 0 && errno != EPERM)
			esc = 1;
		l.iov_base = buf;
		l.iov_len = sizeof(buf);
		rm.iov_base = (void *)0x10000;
		rm.iov_len = sizeof(buf);
		errno = 0;
		r = process_vm_readv(pids[i], &l, 1, &rm, 1, 0);
		/* EFAULT: the permission check passed, the address did not */
		say("  t4: process_vm_readv(%d): %s", pids[i], r >= 0 ? "READ" :
		    strerror(errno));
		if (r >= 0 || errno == EFAULT || (agent && errno != EPERM))
			esc = 1;
		pfd = (int)syscall(SYS_pidfd_open, pids[i], 0);
		if (pfd >= 0) {
			r = syscall(SYS_pidfd_getfd, pfd, 3, 0);
			say("  t4: pidfd_getfd(%d, 3): %s", pids[i],
			    r >= 0 ? "STOLE fd 3" : strerror(errno));
			if (r >= 0)
				esc = 1;
		}
	}
	return esc;
}

static int
a_t5(void)
{
	char p[64], buf[256], exe[PATH_MAX];
	int i, fd, esc = 0;
	ssize_t n;
	DIR *d;

	for (i = 0; i < npids; i++) {
		snprintf(p, sizeof(p), "/proc/%d/environ", pids[i]);
		fd = open(p, O_RDONLY | O_CLOEXEC);
		n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
		say("  t5: read %s: %s", p, n >= 0 ? "READ" : strerror(errno));
		if (n >= 0)
			esc = 1;
		if (fd >= 0)
			close(fd);
		snprintf(p, sizeof(p), "/proc/%d/fd", pids[i]);
		d = opendir(p);
		say("  t5: list %s: %s", p, d ? "LISTED" : strerror(errno));
		if (d != NULL) {
			esc = 1;
			closedir(d);
		}
		snprintf(p, sizeof(p), "/proc/%d/mem", pids[i]);
		fd = open(p, O_RDONLY | O_CLOEXEC);
		say("  t5: open %s: %s", p, fd >= 0 ? "OPENED" : strerror(errno));
		if (fd >= 0)
			esc = 1, close(fd);
	}
	fd = open("/proc/self/exe", O_WRONLY | O_CLOEXEC);
	say("  t5: write /proc/self/exe: %s", fd >= 0 ? "OPENED" : strerror(errno));
	if (fd >= 0)
		esc = 1, close(fd);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0)
		exe[n] = '\0';
	else
		snprintf(exe, sizeof(exe), "%s", self_path);
	fd = open(exe, O_WRONLY | O_APPEND | O_CLOEXEC);
	say("  t5: write its own program %s: %s", exe, fd >= 0 ? "OPENED" :
	    strerror(errno));
	if (fd >= 0)
		esc = 1, close(fd);
	return esc;
}

/* The agent: its view's binds are nosuid and it has no_new_privs, then
 * it execs a setuid-root copy of the probe, which reports its euid.
 * Started unprivileged the exec proves nothing (root is not mapped in
 * the agent's user namespace: the kernel ignores the bit), the other
 * two checks still do. */
static int
a_t10(void)
{
	char *argv[] = { "aksup-sbprobe", "euid", NULL };
	char *envp[] = { NULL };
	struct statvfs sf;
	int esc = 0, nnp;

	if (opt_suid == NULL) {
		say("  t10: no suid=PATH given");
		return 1;
	}
	if (strcmp(role, "agent") == 0 || strcmp(role, "command") == 0) {
		if (statvfs(opt_suid, &sf) < 0) {
			say("  t10: statvfs %s: %s", opt_suid, strerror(errno));
			esc = 1;
		} else {
			say("  t10: the setuid copy's mount: %s", (sf.f_flag &
			    ST_NOSUID) ? "nosuid" : "SUID ALLOWED");
			if (!(sf.f_flag & ST_NOSUID))
				esc = 1;
		}
		nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
		say("  t10: no_new_privs %d", nnp);
		if (nnp != 1)
			esc = 1;
		if (esc)
			return 1;
	}
	execve(opt_suid, argv, envp);
	say("  t10: execve %s: %s", opt_suid, strerror(errno));
	/* not there: the test ran nothing */
	return errno == ENOENT;
}

static int
a_t12(void)
{
	struct sockaddr_un sa;
	socklen_t len;
	int fd, esc = 0;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	say("  t12: socket(AF_UNIX): %s", fd >= 0 ? "created (own use only)" :
	    strerror(errno));
	if (fd < 0)
		return 0;
	if (opt_abstract != NULL) {
		memset(&sa, 0, sizeof(sa));
		sa.sun_family = AF_UNIX;
		snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "%s",
		    opt_abstract);
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
		    strlen(opt_abstract));
		if (connect(fd, (struct sockaddr *)&sa, len) == 0) {
			say("  t12: connect @%s: CONNECTED", opt_abstract);
			esc = 1;
		} else
			say("  t12: connect @%s: %s", opt_abstract, strerror(errno));
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "aksup-sbprobe-bind");
	if (bind(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct
	    sockaddr_un, sun_path) + 19)) == 0 && listen(fd, 1) == 0) {
		say("  t12: bind+listen on an abstract name: LISTENING");
		esc = 1;
	} else
		say("  t12: bind/listen: %s", strerror(errno));
	close(fd);
	return esc;
}

static int
a_t13(void)
{
	static const struct { int d, t, p; const char *n; } s[] = {
		{ AF_INET, SOCK_RAW, IPPROTO_ICMP, "raw icmp" },
		{ AF_PACKET, SOCK_RAW, 0, "packet" },
		{ AF_NETLINK, SOCK_RAW, 0, "netlink" },
		{ AF_INET6, SOCK_DGRAM, 0, "udp6" },
		{ AF_INET, SOCK_STREAM, 0, "tcp" },
	};
	struct sockaddr_in sin;
	size_t i;
	int fd, esc = 0;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		fd = socket(s[i].d, s[i].t | SOCK_CLOEXEC, s[i].p);
		say("  t13: socket(%s): %s", s[i].n, fd >= 0 ? "CREATED" :
		    strerror(errno));
		if (fd < 0)
			continue;
		esc = 1;
		if (s[i].d == AF_INET && s[i].t == SOCK_STREAM && opt_tcp) {
			memset(&sin, 0, sizeof(sin));
			sin.sin_family = AF_INET;
			sin.sin_port = htons((uint16_t)opt_tcp);
			sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			say("  t13: connect 127.0.0.1:%d: %s", opt_tcp,
			    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 ?
			    "CONNECTED" : strerror(errno));
		}
		close(fd);
	}
	return esc;
}

static int
a_t14(void)
{
	int i, fd, esc = 0;

	for (i = 0; i < nfiles; i++) {
		fd = open(files[i], O_WRONLY | O_APPEND | O_CLOEXEC);
		say("  t14: write %s: %s", files[i], fd >= 0 ? "OPENED" :
		    strerror(errno));
		if (fd >= 0)
			esc = 1, close(fd);
	}
	for (i = 0; i < ndirs; i++) {
		int dfd = open(dirs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		fd = dfd < 0 ? -1 : openat(dfd, "aksup-sbprobe-was-here",
		    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		say("  t14: create in %s: %s", dirs[i], fd >= 0 ? "CREATED" :
		    strerror(errno));
		if (fd >= 0)
			esc = 1, close(fd);
		if (dfd >= 0)
			close(dfd);
	}
	return esc;
}

static long
openat2_(int dfd, const char *name, uint64_t flags, uint64_t mode)
{
	struct open_how how;

	memset(&how, 0, sizeof(how));
	how.flags = flags;
	how.mode = mode;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
	return syscall(SYS_openat2, dfd, name, &how, sizeof(how));
}

/* One write-side operation beneath a read-only root: it must fail with
 * Landlock's EACCES (anything else: the test did not reach Landlock). */
static int
t6ro_op(const char *what, int fd, long r)
{
	int e = errno;

	if (r >= 0) {
		say("  t6ro: %s beneath root fd %d: DONE", what, fd);
		if (strncmp(what, "open", 4) == 0)
			close((int)r);
		return 1;
	}
	say("  t6ro: %s beneath root fd %d: %s", what, fd, strerror(e));
	return e != EACCES;
}

/* The fs worker's Landlock rights (T6): through the dirfd of each root
 * the policy opens read-only (no w, no d), write, create, make a
 * directory, remove and rename beneath it. Only calls its filter allows
 * (openat2, mkdirat, unlinkat, renameat): a SIGSYS would prove nothing. */
static int
a_t6ro(void)
{
	char *end, *colon;
	int i, fd, n = 0, esc = 0;
	long r;

	if (strcmp(role, "worker-fs") != 0) {
		say("  t6ro: only the fs worker holds roots");
		return 0;
	}
	if (opt_rofile == NULL) {
		say("  t6ro: no rofile=NAME given");
		return 1;
	}
	for (i = 0; role_argv && role_argv[i]; i++) {
		/* FD:RIGHTS:SUFFIX, as workers/fs/fs.c reads them */
		fd = (int)strtol(role_argv[i], &end, 10);
		if (*end != ':' || (colon = strchr(end + 1, ':')) == NULL ||
		    colon[1] != '\0')
			continue;	/* "-", or a root that does not exist */
		if (memchr(end + 1, 'w', (size_t)(colon - end - 1)) != NULL ||
		    memchr(end + 1, 'd', (size_t)(colon - end - 1)) != NULL)
			continue;	/* the policy lets it change things */
		n++;
		/* the name exists (O_PATH: not a Landlock access) */
		if ((r = openat2_(fd, opt_rofile, O_PATH | O_CLOEXEC, 0)) < 0) {
			say("  t6ro: %s beneath root fd %d: %s (nothing tested)",
			    opt_rofile, fd, strerror(errno));
			esc = 1;
			continue;
		}
		close((int)r);
		esc |= t6ro_op("open O_WRONLY", fd, openat2_(fd, opt_rofile,
		    O_WRONLY | O_CLOEXEC, 0));
		esc |= t6ro_op("open O_CREAT", fd, openat2_(fd,
		    "aksup-sbprobe-file", O_WRONLY | O_CREAT | O_EXCL |
		    O_CLOEXEC, 0600));
		esc |= t6ro_op("mkdirat", fd, mkdirat(fd, "aksup-sbprobe-dir",
		    0700));
		esc |= t6ro_op("renameat", fd, renameat(fd, opt_rofile, fd,
		    "aksup-sbprobe-renamed"));
		esc |= t6ro_op("unlinkat", fd, unlinkat(fd, opt_rofile, 0));
	}
	if (n == 0) {
		say("  t6ro: no read-only root in the worker's argv (nothing "
		    "tested)");
		esc = 1;
	}
	return esc;
}

/* T10: a new user namespace (and with it every other kind) from the
 * agent: unshare(2) and clone(2) with CLONE_NEWUSER, must fail with the
 * filter's EPERM (allow-list roles: SIGSYS). */
static int
a_unshare(void)
{
	int esc = 0, st;
	long r;

	errno = 0;
	r = unshare(CLONE_NEWUSER);
	say("  unshare: unshare(CLONE_NEWUSER): %s", r == 0 ? "NEW USER "
	    "NAMESPACE" : strerror(errno));
	if (r == 0 || errno != EPERM)
		esc = 1;
	errno = 0;
	r = unshare(CLONE_NEWNET);
	say("  unshare: unshare(CLONE_NEWNET): %s", r == 0 ? "NEW NET "
	    "NAMESPACE" : strerror(errno));
	if (r == 0 || errno != EPERM)
		esc = 1;
	errno = 0;
	r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
	if (r == 0)
		_exit(0);
	say("  unshare: clone(CLONE_NEWUSER): %s", r > 0 ? "NEW USER "
	    "NAMESPACE" : strerror(errno));
	if (r > 0)
		(void)waitpid((pid_t)r, &st, 0);
	if (r >= 0 || errno != EPERM)
		esc = 1;
	return esc;
}

#define BOMB_CAP 4096
static int
a_fork(void)
{
	static pid_t kids[BOMB_CAP];
	int n = 0, err = 0, i;
	pid_t p;

	while (n < BOMB_CAP) {
		p = fork();
		if (p == 0) {
			pause();
			_exit(0);
		}
		if (p < 0) {
			err = errno;
			break;
		}
		kids[n++] = p;
	}
	for (i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	for (i = 0; i < n; i++)
		waitpid(kids[i], NULL, 0);
	say("  fork: %d processes, then %s", n, n == BOMB_CAP ? "stopped by the "
	    "probe (NOT contained)" : strerror(err));
	return n == BOMB_CAP;
}

#define MEM_CAP_MIB 8192
static int
a_mem(void)
{
	size_t chunk = 16u << 20, mib = 0;
	char *p;

	while (mib < MEM_CAP_MIB) {
		p = mmap(NULL, chunk, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			break;
		memset(p, 1, chunk);
		mib += 16;
	}
	say("  mem: %zu MiB, then %s", mib, mib >= MEM_CAP_MIB ?
	    "stopped by the probe (NOT contained)" : strerror(errno));
	return mib >= MEM_CAP_MIB;
}

static int
a_signal(void)
{
	int i, esc = 0;

	for (i = 0; i < npids; i++) {
		if (kill(pids[i], 0) == 0) {
			say("  signal: kill(%d, 0): may signal it", pids[i]);
			esc = 1;
		} else
			say("  signal: kill(%d, 0): %s", pids[i], strerror(errno));
		if (kill(pids[i], SIGTERM) == 0) {
			say("  signal: kill(%d, SIGTERM): DELIVERED", pids[i]);
			esc = 1;
		}
	}
	return esc;
}

/* ---- the http worker: it keeps the host's network, so TCP connect is
 * its purpose (t13 is not run as it); what it must not do instead ------ */

/* One socket(2) that must fail with the filter's EACCES (the answer
 * sc_worker_http gives what glibc's resolver tries and does without);
 * any other errno: the kernel refused, not the filter. */
static int
sock_eacces(const char *att, const char *what, int d, int t, int p)
{
	int fd;

	errno = 0;
	fd = socket(d, t, p);
	say("  %s: socket(%s): %s", att, what, fd >= 0 ? "CREATED" :
	    strerror(errno));
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	return errno != EACCES;
}

/* T13 beyond TCP: no UDP socket (DNS goes over TCP: RES_USEVC), with
 * or without the flags, ICMP "ping" sockets (datagram) included. */
static int
a_udp(void)
{
	int esc = 0;

	esc |= sock_eacces("udp", "AF_INET, SOCK_DGRAM", AF_INET,
	    SOCK_DGRAM, 0);
	esc |= sock_eacces("udp", "AF_INET, SOCK_DGRAM|NONBLOCK|CLOEXEC",
	    AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	esc |= sock_eacces("udp", "AF_INET6, SOCK_DGRAM|CLOEXEC", AF_INET6,
	    SOCK_DGRAM | SOCK_CLOEXEC, 0);
	esc |= sock_eacces("udp", "AF_INET, SOCK_DGRAM, IPPROTO_ICMP",
	    AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_ICMP);
	return esc;
}

/* Raw and packet sockets: the filter's default kills (SIGSYS) before
 * the kernel looks at the missing CAP_NET_RAW. One call each: a kill
 * ends the attack. */
static int
a_raw(void)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);

	say("  raw: socket(AF_INET, SOCK_RAW, IPPROTO_ICMP): %s", fd >= 0 ?
	    "CREATED" : strerror(errno));
	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

static int
a_packet(void)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);

	say("  packet: socket(AF_PACKET, SOCK_RAW): %s", fd >= 0 ?
	    "CREATED" : strerror(errno));
	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

/* Netlink (routes, interfaces, the kernel's other sockets): EACCES. */
static int
a_netlink(void)
{
	return sock_eacces("netlink", "AF_NETLINK, SOCK_RAW, NETLINK_ROUTE",
	    AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0) |
	    sock_eacces("netlink", "AF_NETLINK, SOCK_DGRAM", AF_NETLINK,
	    SOCK_DGRAM | SOCK_CLOEXEC, 0);
}

/* A server on the host's network: a TCP socket it may make, bound to
 * a loopback port: bind is not in its list (SIGSYS). */
static int
a_bind(void)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), r;

	if (fd < 0) {
		say("  bind: socket(AF_INET, SOCK_STREAM): %s (its own kind: "
		    "nothing tested)", strerror(errno));
		return 1;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r = bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	say("  bind: bind 127.0.0.1:0: %s", r == 0 ? "BOUND" : strerror(errno));
	if (r == 0 && listen(fd, 1) == 0)
		say("  bind: listen: LISTENING");
	close(fd);
	return r == 0;
}

/* T14 for reading: the worker opens its CA bundle and the resolver's
 * files (Landlock: read-only) and nothing else. Each other file (one
 * any uid may read: only Landlock refuses it), the policy, the log, the
 * agent's files, a directory: Landlock's EACCES. Its own files open for
 * reading (else the profile is not the worker's: nothing tested) and
 * never for writing. Stat by path is allowed (metadata: a residual in
 * docs/SANDBOX.md), said, not an escape. */
static int
ro_refused(const char *path, int flags)
{
	int fd;

	errno = 0;
	fd = open(path, flags | O_CLOEXEC);
	say("  ropen: open %s%s: %s", path, (flags & O_ACCMODE) == O_RDONLY ?
	    ((flags & O_DIRECTORY) ? " (directory)" : "") : " for writing",
	    fd >= 0 ? "OPENED" : strerror(errno));
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	return errno != EACCES;
}

static int
a_ropen(void)
{
	static const char *const others[] = {
		"/etc/passwd", "/etc/group", "/etc/os-release", "/proc/self/status",
	};
	static const char *const odirs[] = { "/", "/etc", "/etc/ssl/certs", "/tmp" };
	struct stat st;
	size_t i;
	int fd, esc = 0, mine = 0;

	if (strcmp(role, "worker-http") != 0) {
		say("  ropen: only the http worker reads files by name");
		return 0;
	}
	/* first what it must not open (the test shows the first lines) */
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		esc |= ro_refused(others[i], O_RDONLY);
	for (i = 0; i < (size_t)nfiles; i++)	/* the policy, the log */
		esc |= ro_refused(files[i], O_RDONLY);
	if (opt_read != NULL)			/* a file of the agent's */
		esc |= ro_refused(opt_read, O_RDONLY);
	for (i = 0; i < sizeof(odirs) / sizeof(odirs[0]); i++)
		esc |= ro_refused(odirs[i], O_RDONLY | O_DIRECTORY);
	for (i = 0; i < (size_t)ndirs; i++)
		esc |= ro_refused(dirs[i], O_RDONLY | O_DIRECTORY);
	for (i = 0; i <= NHTTP_RO; i++) {
		const char *p = i < NHTTP_RO ? http_ro[i] : http_ca;

		fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT)
			continue;	/* not on this host: skipped */
		say("  ropen: read its own %s: %s", p, fd >= 0 ? "opened" :
		    strerror(errno));
		if (fd < 0) {
			esc = 1;	/* not the worker's profile */
			continue;
		}
		close(fd);
		mine++;
		/* read-only: Landlock's EACCES (or the file's mode's) */
		fd = open(p, O_WRONLY | O_APPEND | O_CLOEXEC);
		say("  ropen: open %s for writing: %s", p, fd >= 0 ? "OPENED" :
		    strerror(errno));
		if (fd >= 0)
			esc = 1, close(fd);
	}
	if (mine == 0) {
		say("  ropen: none of its own files readable (nothing tested)");
		esc = 1;
	}
	/* newfstatat with flags 0, as glibc's stat(2) on x86_64 */
	if (syscall(SYS_newfstatat, AT_FDCWD, "/etc/passwd", &st, 0) == 0)
		say("  ropen: stat /etc/passwd by path: allowed (metadata "
		    "only; a residual, docs/SANDBOX.md)");
	return esc;
}

/* The external agent's allow-list (docs/SANDBOX.md): datagram sockets,
 * sendto with an address, syscalls beyond the list, terminal sets,
 * inotify. Each must fail; on the old deny-list each succeeded. */
static int
a_sc(void)
{
	static const long beyond[] = { 457, 458, 467, 999 };
	struct sockaddr_un sa;
	int fd, sv[2], esc = 0, r;
	size_t i;

	if ((fd = socket(AF_UNIX, SOCK_RAW | SOCK_CLOEXEC, 0)) >= 0)
		say("  sc: socket(AF_UNIX, SOCK_RAW): CREATED"), esc = 1, close(fd);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0)) >= 0)
		say("  sc: socket(AF_UNIX, SOCK_DGRAM): CREATED"), esc = 1, close(fd);
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0)
		say("  sc: socketpair(AF_UNIX, SOCK_DGRAM): CREATED"), esc = 1,
		    close(sv[0]), close(sv[1]);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0) {
		memset(&sa, 0, sizeof(sa));
		sa.sun_family = AF_UNIX;
		snprintf(sa.sun_path, sizeof(sa.sun_path), "/tmp/x");
		errno = 0;
		if (sendto(sv[0], "x", 1, 0, (struct sockaddr *)&sa,
		    sizeof(sa)) >= 0 || errno != EPERM)
			say("  sc: sendto with an address: %s (not the filter)",
			    strerror(errno)), esc = 1;
		close(sv[0]), close(sv[1]);
	} else
		say("  sc: socketpair(AF_UNIX, SOCK_STREAM): %s", strerror(errno)), esc = 1;
	for (i = 0; i < sizeof(beyond) / sizeof(beyond[0]); i++) {
		errno = 0;
		if (syscall(beyond[i], 0, 0, 0, 0) >= 0 || errno != ENOSYS)
			say("  sc: syscall %ld: %s (not ENOSYS)", beyond[i],
			    strerror(errno)), esc = 1;
	}
	r = (int)syscall(SYS_inotify_init1, IN_CLOEXEC_SB);
	if (r >= 0 || errno != EPERM)
		say("  sc: inotify_init1: %s", r >= 0 ? "CREATED" : strerror(errno)),
		    esc = 1;
	if (r >= 0)
		close(r);
	/* terminal sets: on fd -1 only the filter answers EPERM */
	errno = 0;
	if (ioctl64(-1, TIOCSETD, &r) == 0 || errno != EPERM)
		say("  sc: ioctl(-1, TIOCSETD): %s", strerror(errno)), esc = 1;
	errno = 0;
	if (ioctl64(-1, TCSETS | (1UL << 32), &r) == 0 || errno != EPERM)
		say("  sc: ioctl(-1, TCSETS|1<<32): %s", strerror(errno)), esc = 1;
	if (!esc)
		say("  sc: datagram sockets, sendto with an address, inotify, "
		    "TIOCSETD/TCSETS refused (EPERM); 457, 458, 467, 999 ENOSYS");
	return esc;
}

static const struct {
	const char *name;
	int (*fn)(void);
	int bomb;	/* afterwards, the session must still answer */
} attacks[] = {
	{ "t1", a_t1, 0 }, { "t2", a_t2, 0 }, { "t2i386", a_t2i386, 0 },
	{ "t3", a_t3, 0 }, { "t4", a_t4, 0 }, { "t5", a_t5, 0 },
	{ "t6ro", a_t6ro, 0 }, { "t10", a_t10, 0 }, { "t12", a_t12, 0 },
	{ "t13", a_t13, 0 }, { "t14", a_t14, 0 }, { "unshare", a_unshare, 0 },
	{ "fork", a_fork, 1 }, { "mem", a_mem, 1 }, { "signal", a_signal, 1 },
	{ "sc", a_sc, 0 }, { "udp", a_udp, 0 }, { "raw", a_raw, 0 },
	{ "packet", a_packet, 0 }, { "netlink", a_netlink, 0 },
	{ "bind", a_bind, 0 }, { "ropen", a_ropen, 0 },
};

/* ---- driver ----------------------------------------------------------- */

static void
auto_pids(void)
{
	char path[64], buf[1024], *p, *end;
	pid_t sup = getppid();
	ssize_t n;
	int fd;

	pids[npids++] = sup;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", sup, sup);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	for (p = buf; *p && npids < 16; p = end) {
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		if (v > 0 && v != getpid())
			pids[npids++] = (pid_t)v;
	}
}

static void
stdin_pids(void)
{
	char line[512], *p, *end;

	printf("READY\n");
	fflush(stdout);
	if (fgets(line, sizeof(line), stdin) == NULL ||
	    strncmp(line, "PIDS", 4) != 0)
		return;
	for (p = line + 4; npids < 16; p = end) {
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		pids[npids++] = (pid_t)v;
	}
}

/* After a bomb: does the broker still answer (and audit) a request? */
static int
survives(const char *what)
{
	int fd = aksup_channel();
	char *ans;
	static long long id = 1000;

	/* only an agent has the agent channel on fd 3 */
	if (opt_read == NULL || fd < 0 || strncmp(role, "agent", 5) != 0)
		return 0;
	ans = aksup_call(fd, id++, "fs.read", opt_read, NULL);
	if (ans != NULL && strstr(ans, "\"status\":\"OK\"") != NULL) {
		fprintf(stderr, "RESULT %s-survive blocked session still answers\n",
		    what);
		free(ans);
		return 0;
	}
	fprintf(stderr, "RESULT %s-survive ESCAPED session lost (%s)\n", what,
	    ans ? ans : "no answer");
	free(ans);
	return 1;
}

/* T14 through the broker: writing the policy or log is not permitted. */
static int
broker_writes(void)
{
	int fd = aksup_channel(), i, esc = 0;
	char *ans;

	if (fd < 0)
		return 0;
	for (i = 0; i < nfiles; i++) {
		ans = aksup_call(fd, 500 + i, "fs.write", files[i],
		    "{\"content\":\"pwned\"}");
		if (ans != NULL && strstr(ans, "\"status\":\"OK\"") != NULL)
			esc = 1;
		fprintf(stderr, "  t14: fs.write %s via the broker: %s\n",
		    files[i], ans ? ans : "no answer");
		free(ans);
	}
	fprintf(stderr, "RESULT t14-broker %s\n", esc ? "ESCAPED" : "blocked");
	return esc;
}

static int
run_attack(size_t k)
{
	pid_t p;
	int st, esc;

	fflush(NULL);
	if ((p = fork()) < 0) {
		fprintf(stderr, "RESULT %s ERROR fork: %s\n", attacks[k].name,
		    strerror(errno));
		return 1;
	}
	if (p == 0) {
		enter_role();
		_exit(attacks[k].fn());
	}
	while (waitpid(p, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(st)) {
		fprintf(stderr, "RESULT %s blocked killed by signal %d%s\n",
		    attacks[k].name, WTERMSIG(st),
		    WTERMSIG(st) == SIGSYS ? " (SIGSYS: seccomp)" : "");
		esc = 0;
	} else {
		esc = WEXITSTATUS(st) != 0;
		fprintf(stderr, "RESULT %s %s exit %d\n", attacks[k].name,
		    esc ? "ESCAPED" : "blocked", WEXITSTATUS(st));
	}
	if (attacks[k].bomb)
		esc |= survives(attacks[k].name);
	return esc;
}

static int
attack(char *list)
{
	char *a, *save;
	size_t k;
	int esc = 0;

	for (a = strtok_r(list, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
		for (k = 0; k < sizeof(attacks) / sizeof(attacks[0]); k++)
			if (strcmp(attacks[k].name, a) == 0)
				break;
		if (k == sizeof(attacks) / sizeof(attacks[0])) {
			fprintf(stderr, "RESULT %s ERROR unknown attack\n", a);
			esc = 1;
			continue;
		}
		esc |= run_attack(k);
	}
	if (nfiles && (strcmp(role, "agent") == 0 ||
	    strcmp(role, "agent-builtin") == 0))
		esc |= broker_writes();
	fprintf(stderr, "DONE %s %s\n", role, esc ? "ESCAPED" : "all blocked");
	return esc;
}

/* ---- unconfined helpers for the test script -------------------------- */

static int
listen_on(int fd, int secs, const char *out)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	FILE *f;
	int c;

	if (listen(fd, 8) < 0)
		return 2;
	if ((f = fopen(out, "w")) == NULL)
		return 2;
	fprintf(f, "LISTENING\n");
	fflush(f);
	while (poll(&pfd, 1, secs * 1000) == 1) {
		if ((c = accept(fd, NULL, NULL)) >= 0) {
			fprintf(f, "CONNECTED\n");
			fflush(f);
			close(c);
		}
	}
	fclose(f);
	return 0;
}

/* Does the kernel run a getpid of this ABI at all? (In a child: without
 * the ABI an int 0x80 is a SIGSEGV.) */
static int
abi_works(const char *abi)
{
	pid_t p;
	long r = -1;
	int st;

	if ((p = fork()) == 0) {
		if (strcmp(abi, "x32") == 0)
			r = syscall(__X32_SYSCALL_BIT | SYS_getpid);
		else
			__asm__ volatile ("int $0x80" : "=a"(r) : "a"(20L) :
			    "memory");
		_exit(r > 0 ? 0 : 1);
	}
	if (p < 0 || waitpid(p, &st, 0) < 0)
		return 2;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		printf("the kernel runs %s system calls\n", abi);
		return 0;
	}
	printf("the kernel has no %s ABI (%s)\n", abi, WIFSIGNALED(st) ?
	    strsignal(WTERMSIG(st)) : "the call failed");
	return 1;
}

/* Every descriptor this process was started with, as the supervisor
 * left it (before the probe opens anything); no /proc needed. */
static void
list_fds(void)
{
	char buf[4096];
	size_t n;
	int fd, i;
	char *end;

	n = (size_t)snprintf(buf, sizeof(buf), "FDS %s", role);
	for (fd = 0; fd < 65536 && n < sizeof(buf) - 16; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, " %d", fd);
	fprintf(stderr, "%s\n", buf);
	if (strcmp(role, "worker-fs") != 0)
		return;
	n = (size_t)snprintf(buf, sizeof(buf), "ROOTFDS");
	for (i = 0; role_argv && role_argv[i] && n < sizeof(buf) - 16; i++) {
		fd = (int)strtol(role_argv[i], &end, 10);
		if (end != role_argv[i] && *end == ':')
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, " %d", fd);
	}
	fprintf(stderr, "%s\n", buf);
	/* its snapshot store: "snap:FD:MAX:TTL" */
	for (i = 0; role_argv && role_argv[i]; i++)
		if (strncmp(role_argv[i], "snap:", 5) == 0 &&
		    (fd = (int)strtol(role_argv[i] + 5, &end, 10)) > 0 &&
		    *end == ':')
			fprintf(stderr, "STOREFD %d\n", fd);
}

static int
helper(int argc, char **argv)
{
	if (strcmp(argv[1], "abi") == 0 && argc == 3)
		return abi_works(argv[2]);
	if (strcmp(argv[1], "euid") == 0) {
		say("  t10: after exec of the setuid binary: euid %d uid %d",
		    (int)geteuid(), (int)getuid());
		return geteuid() != getuid();
	}
	if (strcmp(argv[1], "listen-abstract") == 0 && argc == 5) {
		struct sockaddr_un sa;
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		memset(&sa, 0, sizeof(sa));
		sa.sun_family = AF_UNIX;
		snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "%s", argv[2]);
		if (bind(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct
		    sockaddr_un, sun_path) + 1 + strlen(argv[2]))) < 0)
			return 2;
		return listen_on(fd, atoi(argv[3]), argv[4]);
	}
	if (strcmp(argv[1], "listen-tcp") == 0 && argc == 5) {
		struct sockaddr_in sin;
		int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)atoi(argv[2]));
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
			return 2;
		return listen_on(fd, atoi(argv[3]), argv[4]);
	}
	if (strcmp(argv[1], "swap") == 0 && argc == 5) {
		/* T6: exchange a directory and a symlink to outside the
		 * root, as fast as the kernel lets us */
		time_t end = time(NULL) + atoi(argv[4]);
		unsigned long n = 0;

		while (time(NULL) < end)
			if (syscall(SYS_renameat2, AT_FDCWD, argv[2], AT_FDCWD,
			    argv[3], RENAME_EXCHANGE) == 0)
				n++;
		printf("%lu swaps\n", n);
		return 0;
	}
	return -1;
}

int
main(int argc, char **argv)
{
	char *list = NULL;
	int i, rc, from_stdin = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && (rc = helper(argc, argv)) >= 0)
		return rc;
	if (argc < 3 || strcmp(argv[2], "attack") != 0 || argc < 4) {
		fprintf(stderr, "usage: aksup-sbprobe ROLE attack LIST ...\n");
		return 2;
	}
	if (argv[0][0] == '/')
		snprintf(self_path, sizeof(self_path), "%s", argv[0]);
	role = argv[1];
	list = argv[3];
	for (i = 4; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			role_argv = argv + i + 1;
			break;
		}
		if (strcmp(argv[i], "pids=stdin") == 0)
			from_stdin = 1;
		else if (strncmp(argv[i], "suid=", 5) == 0)
			opt_suid = argv[i] + 5;
		else if (strncmp(argv[i], "abstract=", 9) == 0)
			opt_abstract = argv[i] + 9;
		else if (strncmp(argv[i], "tcp=", 4) == 0)
			opt_tcp = atoi(argv[i] + 4);
		else if (strncmp(argv[i], "read=", 5) == 0)
			opt_read = argv[i] + 5;
		else if (strncmp(argv[i], "rofile=", 7) == 0)
			opt_rofile = argv[i] + 7;
		else if (strncmp(argv[i], "file=", 5) == 0 && nfiles < 16)
			files[nfiles++] = argv[i] + 5;
		else if (strncmp(argv[i], "dir=", 4) == 0 && ndirs < 16)
			dirs[ndirs++] = argv[i] + 4;
	}
	list_fds();
	if (from_stdin)
		stdin_pids();
	else if (strcmp(role, "agent") != 0 && strcmp(role, "command") != 0)
		auto_pids();
	fprintf(stderr, "PROBE %s uid %d pid %d targets", role, (int)getuid(),
	    (int)getpid());
	for (i = 0; i < npids; i++)
		fprintf(stderr, " %d", (int)pids[i]);
	fprintf(stderr, "\n");
	return attack(list);
}
