/*
 * supervisor/session.c -- one session: open what the others need, start
 * broker, fs worker and agent, then only watch; tear everything down when
 * any part dies (fail closed).
 *
 * Runs in: aksup (supervisor). Privilege: the invoking user's. It opens
 * the policy, the audit log and the fs roots by path -- paths the operator
 * gave or the operator's policy names -- and hands the descriptors down;
 * it reads nothing from the agent. Signals arrive on a signalfd, so no
 * work happens in a signal handler (T9). It is a child subreaper, so
 * anything the agent leaves behind is reparented here and killed at the
 * end: no orphan outlives a session.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/chan.h"
#include "common/exits.h"
#include "common/fds.h"
#include "common/fsrights.h"
#include "common/log.h"
#include "common/util.h"
#include "supervisor/confine.h"
#include "supervisor/relay.h"
#include "supervisor/supervisor.h"
#include "supervisor/view.h"

#define READY_TIMEOUT_MS	30000
#define BROKER_GRACE_MS		10000	/* agent gone: broker drains */
#define WORKER_GRACE_MS		3000	/* worker gone: broker answers */
#define AGENT_GRACE_MS		2000	/* broker gone: agent reads, exits */
#define STOP_GRACE_MS		2000	/* stopped: SIGTERM, then SIGKILL */
#define EXIT_TIMEOUT		124	/* --timeout expired (timeout(1)) */
#define MAX_ROOTS		FS_ROOTS_MAX	/* the policy loader's bound */
_Static_assert(FS_ROOTS_MAX + 1 <= SPAWN_FDS_MAX,
    "the fs worker's channel and roots are one spawn's descriptors");

enum { P_BROKER, P_WORKER, P_AGENT, P_N };
static const char *pname[P_N] = { "broker", "fs worker", "agent" };

struct proc {
	pid_t pid;
	int done;
	int status;
};

struct sess {
	struct proc p[P_N];
	int sigfd;
	uint64_t deadline;	/* 0: none */
	int killed;
	int agent_killed;	/* we SIGKILLed the agent while it ran */
	int signo;		/* a terminating signal we received */
	int sbfd;		/* our end of sb: SESSION_STOP */
	uint64_t stop_at;	/* --timeout: when; 0: none */
	int stopping;		/* session_stop ran */
	int timed_out;
	struct relay *rl;	/* the external agent's stdio, or NULL */
};

static int
pair(int sv[2], size_t bufsz)
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	if (bufsz) {
		chan_size_buffers(sv[0], bufsz);
		chan_size_buffers(sv[1], bufsz);
	}
	return 0;
}

static void
kill_all(struct sess *s)
{
	int i;

	for (i = P_N - 1; i >= 0; i--)
		if (s->p[i].pid > 0 && !s->p[i].done) {
			/* the agent's whole session (process group) too */
			if (i == P_AGENT) {
				(void)kill(-s->p[i].pid, SIGKILL);
				s->agent_killed = 1;
			}
			(void)kill(s->p[i].pid, SIGKILL);
		}
	s->killed = 1;
}

static void
set_deadline(struct sess *s, int ms)
{
	uint64_t d = now_ns() + (uint64_t)ms * 1000000ull;

	if (s->deadline == 0 || d < s->deadline)
		s->deadline = d;
}

/*
 * End the session the recorded way: the broker is told why (SESSION_STOP:
 * it stops serving the agent and writes session_end with the reason),
 * the agent gets `sig` (its init forwards it), and STOP_GRACE_MS later
 * whatever is left is killed. A second stop kills at once.
 */
static void
session_stop(struct sess *s, const char *reason, int sig)
{
	struct iovec iov = { (void *)reason, strlen(reason) };
	struct chan c;

	if (s->stopping++ || s->p[P_AGENT].pid <= 0) {
		kill_all(s);
		return;
	}
	if (s->sbfd >= 0 && !s->p[P_BROKER].done) {
		chan_init(&c, s->sbfd, WR_SUPERVISOR, WR_BROKER, "broker");
		if (chan_send(&c, WIRE_SESSION_STOP, 0, &iov, 1) < 0)
			log_warn("cannot tell the broker to stop");
	}
	if (!s->p[P_AGENT].done)
		(void)kill(s->p[P_AGENT].pid, sig);
	set_deadline(s, STOP_GRACE_MS);
}

/*
 * The broker is gone: nothing can act any more. An agent it ended for
 * breaking the protocol dies now; otherwise (the agent closed its channel,
 * a worker died, the log failed) the agent has AGENT_GRACE_MS to read its
 * last answers, see EOF and exit by itself.
 */
static void
broker_gone(struct sess *s, int st)
{
	if (s->p[P_WORKER].pid > 0 && !s->p[P_WORKER].done)
		(void)kill(s->p[P_WORKER].pid, SIGKILL);
	if (WIFEXITED(st) && WEXITSTATUS(st) != 2 && WEXITSTATUS(st) != 1)
		set_deadline(s, AGENT_GRACE_MS);
	else
		kill_all(s);
}

/*
 * SIGKILL our children (we are a subreaper: what the agent left behind is
 * reparented to us), sparing the broker and the fs worker when `s` is
 * given: those end by their own rules.
 */
static void
kill_children(const struct sess *s)
{
	char path[64], buf[4096];
	ssize_t n;
	char *p, *end;
	int fd, i, role;

	snprintf(path, sizeof(path), "/proc/self/task/%d/children", getpid());
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	for (p = buf; *p; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		for (role = 0, i = 0; s != NULL && i < P_N; i++)
			if (s->p[i].pid == pid && i != P_AGENT)
				role = 1;
		if (pid > 0 && !role)
			(void)kill((pid_t)pid, SIGKILL);
	}
}


static void
reap(struct sess *s)
{
	pid_t pid;
	int st, i;

	if (s->p[P_AGENT].done)
		kill_children(s);	/* what the agent left goes with it */
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0; i < P_N; i++) {
			if (s->p[i].pid != pid)
				continue;
			s->p[i].done = 1;
			s->p[i].status = st;
			log_debug("%s exited (status 0x%x)", pname[i], st);
			if (i == P_AGENT) {
				kill_children(s);	/* what the agent left goes with it */
				if (s->rl != NULL)
					relay_stop_input(s->rl);
			}
			if (i == P_BROKER)
				broker_gone(s, st);
			else if (i == P_AGENT) {
				(void)kill(-pid, SIGKILL);	/* its group */
				set_deadline(s, BROKER_GRACE_MS);
			}
			else
				set_deadline(s, WORKER_GRACE_MS);
		}
	}
}

static int
all_done(struct sess *s)
{
	int i;

	for (i = 0; i < P_N; i++)
		if (s->p[i].pid > 0 && !s->p[i].done)
			return 0;
	return 1;
}

/* One pass of the watch loop: signals, deadlines. */
static void
watch_once(struct sess *s, int extra_fd)
{
	struct signalfd_siginfo si;
	struct pollfd pfd[2 + RELAY_NPOLL];
	int timeout = -1, n, np = 1;
	uint64_t now = now_ns();

	if (s->stop_at && now >= s->stop_at) {
		s->stop_at = 0;
		s->timed_out = 1;
		log_warnx("--timeout reached; ending the session");
		session_stop(s, "timeout", SIGTERM);
	}
	if (s->deadline) {
		if (now >= s->deadline) {
			kill_all(s);
			s->deadline = 0;
		} else
			timeout = (int)((s->deadline - now) / 1000000ull) + 1;
	}
	if (s->stop_at) {
		n = (int)((s->stop_at - now) / 1000000ull) + 1;
		if (timeout < 0 || n < timeout)
			timeout = n;
	}
	pfd[0].fd = s->sigfd;
	pfd[0].events = POLLIN;
	if (extra_fd >= 0) {
		pfd[np].fd = extra_fd;
		pfd[np++].events = POLLIN;
	}
	/* the agent's stdio moves in the same loop, never blocking it */
	if (s->rl != NULL)
		np += relay_poll(s->rl, pfd + np);
	n = poll(pfd, (nfds_t)np, timeout);
	if (n < 0 && errno != EINTR)
		fatal("poll");
	if (n > 0 && s->rl != NULL)
		relay_handle(s->rl);
	if (n > 0 && (pfd[0].revents & POLLIN)) {
		while (read(s->sigfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGCHLD)
				continue;
			log_warnx("caught signal %u; ending the session",
			    si.ssi_signo);
			if (s->signo == 0)
				s->signo = (int)si.ssi_signo;
			/* passed on to the agent (its init); the second
			 * one, or one before the agent runs, kills now */
			session_stop(s, "signal", (int)si.ssi_signo);
		}
	}
	reap(s);
}

/* Kill and reap whatever the agent left behind: each round kills our
 * current children; their own children are then reparented to us and
 * die in the next round, until none is left. */
static void
kill_leftovers(void)
{
	struct timespec ms = { 0, 1000000 };
	int rounds;

	for (rounds = 0; rounds < 5000; rounds++) {
		kill_children(NULL);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD)
			break;
		nanosleep(&ms, NULL);
	}
}

static int
exit_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return EXIT_ERR;
}

static void
report_broker(int st)
{
	if (!WIFEXITED(st)) {
		if (WIFSIGNALED(st) && WTERMSIG(st) != SIGKILL)
			log_warnx("broker killed by signal %d", WTERMSIG(st));
		return;
	}
	switch (WEXITSTATUS(st)) {
	case BROKER_EXIT_OK:
		break;
	case BROKER_EXIT_AGENT:
		log_warnx("the agent broke the protocol and was ended "
		    "(see the audit log)");
		break;
	case BROKER_EXIT_WORKER:
		log_warnx("a worker died; the session was ended");
		break;
	case BROKER_EXIT_AUDIT:
		log_warnx("the audit log could not be written; the session "
		    "was ended (fail closed)");
		break;
	case BROKER_EXIT_BUDGET:
		log_warnx("the session's audit budget ran out and the session "
		    "was ended (see the audit log; raise --audit-max-bytes or "
		    "--audit-max-records)");
		break;
	default:
		log_warnx("broker failed (exit %d)", WEXITSTATUS(st));
	}
}

/* Wait for the broker's list of fs roots. Returns bytes, or -1. */
static ssize_t
wait_ready(struct sess *s, int supfd, char *buf, size_t cap)
{
	struct chan c;
	struct msg m;
	uint64_t end = now_ns() + (uint64_t)READY_TIMEOUT_MS * 1000000ull;
	int rc;

	chan_init(&c, supfd, WR_SUPERVISOR, WR_BROKER, "broker");
	set_deadline(s, READY_TIMEOUT_MS);
	while (!s->p[P_BROKER].done && now_ns() < end) {
		struct pollfd pfd = { supfd, POLLIN, 0 };

		if (poll(&pfd, 1, 0) == 1) {
			rc = chan_recv(&c, buf, cap, &m);
			if (rc <= 0)
				return -1;
			s->deadline = 0;
			memmove(buf, m.payload, m.hdr.len);
			return (ssize_t)m.hdr.len;
		}
		watch_once(s, supfd);
	}
	return -1;
}

/*
 * An O_PATH dirfd for a policy root. A root that does not exist yet (a
 * write rule's output directory) is reached through its deepest existing
 * ancestor: `sfx` gets the missing part, which the worker creates on the
 * first write and walks, beneath the ancestor, for everything else.
 */
static int
open_root(const char *root, char *sfx, size_t sfxlen)
{
	struct open_how how;
	char dir[PATH_MAX];
	char *slash;
	int fd;

	sfx[0] = '\0';
	if (snprintf(dir, sizeof(dir), "%s", root) >= (int)sizeof(dir))
		return -1;
	memset(&how, 0, sizeof(how));
	how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
	/* The broker decides on the lexical path: the root it names must
	 * be that directory, not wherever a symlink (planted by anyone
	 * who can write a parent) points. */
	how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	for (;;) {
		fd = (int)syscall(SYS_openat2, AT_FDCWD, dir[0] ? dir : "/",
		    &how, sizeof(how));
		if (fd >= 0)
			break;
		if (errno == ELOOP) {
			log_warnx("policy root %s passes through a symbolic "
			    "link; name the real path (actions beneath it will "
			    "fail)", root);
			return -1;
		}
		if (errno != ENOENT || (slash = strrchr(dir, '/')) == NULL ||
		    dir[0] == '\0') {
			log_warn("policy root %s unavailable", root);
			return -1;
		}
		*slash = '\0';
	}
	if (strcmp(dir, root) != 0) {
		if (snprintf(sfx, sfxlen, "%s", root + strlen(dir) +
		    (root[strlen(dir)] == '/' ? 1 : 0)) >= (int)sfxlen)
			fatalx("policy root %s: path too long", root);
		log_info("policy root %s does not exist yet", root);
	}
	return fd;
}

/* The next NUL-terminated string of BROKER_READY after q, which must
 * end within the payload (a broker that breaks this is fatal). */
static char *
ready_field(char *q, char *end)
{
	char *nul;

	if (q >= end || (nul = memchr(q, '\0', (size_t)(end - q))) == NULL)
		fatalx("protocol violation from broker: bad root list");
	return nul + 1;
}

static char *
env_entry(const char *name)
{
	const char *v = getenv(name);
	char *e;

	if (v == NULL)
		return NULL;
	if (asprintf(&e, "%s=%s", name, v) < 0)
		fatal("asprintf");
	return e;
}

/* FS_RIGHT_* bits as the fs worker's argv letters ("rwdl"). */
static const char *
fs_letters(unsigned rights, char out[sizeof(FS_RIGHT_LETTERS)])
{
	size_t i, n = 0;

	for (i = 0; i < sizeof(FS_RIGHT_LETTERS) - 1; i++)
		if (rights & (1u << i))
			out[n++] = FS_RIGHT_LETTERS[i];
	out[n] = '\0';
	return out;
}

int
session_run(const struct session_cfg *cfg)
{
	int sb[2] = { -1, -1 }, ab[2] = { -1, -1 }, bf[2] = { -1, -1 };

	int policyfd = -1, policydir = -1, rootfd[MAX_ROOTS], nroots = 0, i;
	char *roots = NULL, *q, *wargv[MAX_ROOTS + 2], *bargv[32];
	struct auditfiles af = { -1, -1, -1, -1, NULL, 0 };
	static struct place_root proot[MAX_ROOTS + VIEW_MAX + 16];
	int nview = 0, nsys = 0, j, refused = 0;
	struct place_file pfile[4];
	size_t npf = 0;
	int nb, intact = 0;
	char *aenv[8];
	static char fdarg[MAX_ROOTS][PATH_MAX + 32];
	static char rootsfx[MAX_ROOTS][PATH_MAX - 32];
	unsigned char rootacts[MAX_ROOTS];
	char letters[sizeof(FS_RIGHT_LETTERS)];
	struct spawn sp;
	struct sess s;
	struct relay rl;
	struct sigaction ign, oldpipe;
	int child[3] = { -1, -1, -1 }, relay_on = 0;
	sigset_t mask;
	ssize_t rlen;
	size_t ne;
	int rc = EXIT_ERR;

	memset(&s, 0, sizeof(s));
	s.sigfd = -1;
	s.sbfd = -1;
	/* A reader of our stdout that went away is an EPIPE for the relay
	 * (supervisor/relay.c), not our death. Children reset it. */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	(void)sigaction(SIGPIPE, &ign, &oldpipe);

	/* The policy: a file only you (or root) can change, and where it
	 * lies, for the placement check (supervisor/placement.c). */
	if ((policyfd = policyfile_open(cfg->policy_path)) < 0)
		return EXIT_ERR;
	if ((policydir = placement_dir_of(policyfd, "policy file",
	    cfg->policy_path)) < 0)
		goto out;
	/* The audit log, locked for this session (held until we return),
	 * and the seal-key file (supervisor/auditfile.c). */
	if (auditfile_open(cfg, &af) < 0)
		goto out;

	if (pair(sb, 0) < 0 || pair(ab, AGENT_MSG_MAX) < 0 ||
	    pair(bf, WIRE_PAYLOAD_MAX) < 0) {
		log_warn("socketpair");
		goto out;
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGQUIT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (s.sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		fatal("signalfd");
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1);

	/* broker */
	memset(&sp, 0, sizeof(sp));
	sp.kind = SPAWN_INTERNAL;
	sp.path = helper_path("aksup-broker");
	bargv[0] = "aksup-broker";
	bargv[1] = "--policy-name";
	bargv[2] = (char *)cfg->policy_path;
	nb = auditfile_broker_args(cfg, af.keyfd, bargv, 3, 31);
	bargv[nb] = NULL;
	sp.argv = bargv;
	sp.envp = helper_env();
	sp.src[0] = sb[1]; sp.dst[0] = BROKER_FD_SUP;
	sp.src[1] = ab[1]; sp.dst[1] = BROKER_FD_AGENT;
	sp.src[2] = af.logfd; sp.dst[2] = BROKER_FD_AUDIT;
	sp.src[3] = policyfd; sp.dst[3] = BROKER_FD_POLICY;
	sp.src[4] = bf[0]; sp.dst[4] = BROKER_FD_FS;
	sp.nfds = 5;
	if (af.keyfd >= 0) {
		sp.src[5] = af.keyfd; sp.dst[5] = BROKER_FD_SEALKEY;
		sp.nfds = 6;
	}
	sp.stdin_fd = -1;
	sp.stdout_fd = -1;
	if ((s.p[P_BROKER].pid = spawn_role(&sp)) < 0)
		fatal("fork");
	close(sb[1]); sb[1] = -1;
	close(ab[1]); ab[1] = -1;
	close(bf[0]); bf[0] = -1;
	/* policyfd stays open until the placement check (its st_nlink);
	 * af.logfd until we return: it holds the log's session lock. */
	s.sbfd = sb[0];

	if ((roots = malloc(WIRE_PAYLOAD_MAX)) == NULL)
		fatal("malloc");
	rlen = wait_ready(&s, sb[0], roots, WIRE_PAYLOAD_MAX);
	if (rlen < 0) {
		/* the broker said why (policy errors) on stderr */
		kill_all(&s);
		while (!all_done(&s))
			watch_once(&s, -1);
		rc = EXIT_ERR;
		goto done;
	}

	/* The broker's protocol first: another build's broker is refused
	 * before anything it says is used. */
	if ((size_t)rlen < sizeof(WIRE_VERSION) ||
	    memcmp(roots, WIRE_VERSION, sizeof(WIRE_VERSION)) != 0)
		fatalx("the broker (%s) speaks another internal protocol than "
		    "this aksup (%s): install aksup and its role binaries "
		    "together", helper_path("aksup-broker"), WIRE_VERSION);
	/* fs roots: O_PATH dirfds of the directories the policy names. A
	 * root that does not exist is reported; actions beneath it fail.
	 * Each entry: rights byte, path, rule "FILE:LINE", action. */
	for (q = roots + sizeof(WIRE_VERSION); q < roots + rlen; ) {
		/* a root left out would break the worker's numbering */
		if (nroots >= MAX_ROOTS || nroots + 1 >= SPAWN_FDS_MAX)
			fatalx("the policy names more than %d filesystem "
			    "roots", nroots);
		rootacts[nroots] = (unsigned char)*q++;
		proot[nroots].path = q;
		q = ready_field(q, roots + rlen);
		proot[nroots].rule = q;
		q = ready_field(q, roots + rlen);
		proot[nroots].action = q;
		q = ready_field(q, roots + rlen);
		if (proot[nroots].path[0] != '/' || rootacts[nroots] == 0 ||
		    (rootacts[nroots] & ~FS_RIGHTS_ALL) != 0)
			fatalx("protocol violation from broker: bad root list");
		rootfd[nroots] = open_root(proot[nroots].path, rootsfx[nroots],
		    sizeof(rootsfx[nroots]));
		proot[nroots].fd = rootfd[nroots];
		proot[nroots].missing = rootsfx[nroots][0] != '\0';
		nroots++;
	}

	/* The agent's view is one more set of roots: what it can read
	 * without asking (the system part, its program, each --ro) holds
	 * no protected file. The plan's binds are judged by the inodes it
	 * pinned, the ones the agent's child binds. */
	for (i = 0; cfg->view != NULL && view_system[i] != NULL; i++) {
		/* O_PATH of a system path: nothing read */
		if ((j = open(view_system[i], O_PATH | O_CLOEXEC)) >= 0)
			proot[nroots + nview++] = (struct place_root){
			    view_system[i], NULL, NULL, j, 0 };
	}
	nsys = nview;
	for (i = 0; cfg->view != NULL && (size_t)i < cfg->view->n; i++) {
		const struct view_ent *e = &cfg->view->e[i];

		if (e->link == NULL)
			proot[nroots + nview++] = (struct place_root){ e->path,
			    NULL, NULL, e->fd, 0 };
	}
	/* Before any worker or agent runs: the log, the seal key and the
	 * policy must lie outside every root (supervisor/placement.c).
	 * Refused, the broker is told to stop (its channel closed) and
	 * ends the session the recorded way: session_end, no request. */
	pfile[npf++] = (struct place_file){ "audit log", cfg->log_path,
	    af.logdir, af.logfd, 0 };
	if (af.keyfd >= 0)
		pfile[npf++] = (struct place_file){ "seal key file",
		    cfg->seal_key_out, af.keydir, af.keyfd, 0 };
	pfile[npf++] = (struct place_file){ "policy file", cfg->policy_path,
	    policydir, policyfd, 0 };
	i = placement_check(pfile, npf, proot, (size_t)(nroots + nview));
	for (j = nroots; j < nroots + nsys; j++)
		close(proot[j].fd);	/* (the plan's stay the plan's) */
	close(policyfd); policyfd = -1;
	npf--;		/* the policy is read: only the log and key are held */
	if (i < 0) {
		for (i = 0; i < nroots; i++)
			if (rootfd[i] >= 0)
				close(rootfd[i]);
		close(sb[0]); sb[0] = -1;
		set_deadline(&s, BROKER_GRACE_MS);
		while (!all_done(&s))
			watch_once(&s, -1);
		/* A key the agent could read later seals nothing: gone. */
		if (af.keyfd >= 0 && pfile[1].beneath) {
			af.drop_key = 1;
			log_warnx("removed the seal key file %s (it lay where "
			    "the agent can read it); the refused session's "
			    "log verifies without --key", cfg->seal_key_out);
		}
		rc = EXIT_ERR;
		refused = 1;
		goto done;
	}

	/* fs worker */
	memset(&sp, 0, sizeof(sp));
	sp.kind = SPAWN_INTERNAL;
	sp.path = helper_path("aksup-worker-fs");
	wargv[0] = "aksup-worker-fs";
	/* the worker's only channel is the broker's: nothing to say to
	 * the supervisor, which watches it by its pid */
	sp.src[0] = bf[1]; sp.dst[0] = WORKER_FD_BROKER;
	sp.nfds = 1;
	for (i = 0; i < nroots; i++) {
		if (rootfd[i] >= 0 && sp.nfds < SPAWN_FDS_MAX) {
			sp.src[sp.nfds] = rootfd[i];
			sp.dst[sp.nfds] = WORKER_FD_ROOT0 + sp.nfds - 1;
			/* FD:RIGHTS:MISSING-SUFFIX, rights as letters */
			if (snprintf(fdarg[i], sizeof(fdarg[i]), "%d:%s:%s",
			    sp.dst[sp.nfds], fs_letters(rootacts[i], letters),
			    rootsfx[i]) >= (int)sizeof(fdarg[i]))
				fatalx("policy root too long");
			sp.nfds++;
		} else
			snprintf(fdarg[i], sizeof(fdarg[i]), "-");
		wargv[i + 1] = fdarg[i];
	}
	wargv[nroots + 1] = NULL;
	sp.argv = wargv;
	sp.envp = helper_env();
	sp.stdin_fd = -1;
	sp.stdout_fd = -1;
	if ((s.p[P_WORKER].pid = spawn_role(&sp)) < 0)
		fatal("fork");
	close(bf[1]); bf[1] = -1;
	for (i = 0; i < nroots; i++)
		if (rootfd[i] >= 0)
			close(rootfd[i]);

	/* agent */
	memset(&sp, 0, sizeof(sp));
	sp.kind = cfg->agent_kind;
	sp.argv = cfg->agent_argv;
	sp.src[0] = ab[0]; sp.dst[0] = AGENT_FD;
	sp.nfds = 1;
	sp.stdin_fd = cfg->agent_stdin == -2 ? 0 : cfg->agent_stdin;
	sp.stdout_fd = -2;
	if (cfg->agent_kind == SPAWN_AGENT_EXTERNAL) {
		/* Not the operator's terminal (T1): stdin /dev/null or, with
		 * --stdin, a pipe we fill; stdout and stderr pipes we relay. */
		if (relay_open(&rl, cfg->agent_stdin_pipe, child) < 0)
			fatal("stdio pipes");
		relay_on = 1;
		sp.stdin_fd = child[0];
		sp.src[1] = child[1]; sp.dst[1] = 1;
		sp.src[2] = child[2]; sp.dst[2] = 2;
		sp.nfds = 3;
	}
	ne = 0;
	aenv[ne++] = "AKSUP_FD=3";
	aenv[ne++] = "PATH=/usr/local/bin:/usr/bin:/bin";
	if (cfg->agent_kind == SPAWN_AGENT_EXTERNAL && confine_has_view())
		aenv[ne++] = "HOME=" VIEW_HOME;
	if ((aenv[ne] = env_entry("LANG")) != NULL) ne++;
	if ((aenv[ne] = env_entry("ASAN_OPTIONS")) != NULL) ne++;
	if ((aenv[ne] = env_entry("UBSAN_OPTIONS")) != NULL) ne++;
	aenv[ne] = NULL;
	sp.envp = aenv;
	if (cfg->agent_kind == SPAWN_AGENT_EXTERNAL) {
		/* CMD as view_plan resolved it (on the operator's PATH), in
		 * the view it planned: nothing else of the host. */
		sp.path = cfg->view->program;
		sp.view = cfg->view;
	} else
		sp.path = helper_path(cfg->agent_argv[0]);
	if ((s.p[P_AGENT].pid = spawn_role(&sp)) < 0)
		fatal("fork");
	close(ab[0]); ab[0] = -1;
	if (relay_on) {
		relay_started(&rl, child);
		s.rl = &rl;
	}
	if (cfg->timeout_ms > 0)
		s.stop_at = now_ns() + cfg->timeout_ms * 1000000ull;

	while (!all_done(&s))
		watch_once(&s, -1);
done:
	kill_leftovers();
	/* every agent process is gone: the rest of its output, to EOF */
	if (relay_on) {
		s.rl = NULL;
		relay_started(&rl, child);
		relay_finish(&rl);
	}
	if (s.p[P_BROKER].pid > 0)
		report_broker(s.p[P_BROKER].status);
	/* (a refused session said what was wrong with its files) */
	intact = refused ? 0 : placement_intact(pfile, npf);
	if (s.signo)
		rc = 128 + s.signo;
	else if (s.timed_out)
		rc = EXIT_TIMEOUT;
	else if (s.p[P_AGENT].pid > 0)
		rc = exit_code(s.p[P_AGENT].status);
	/*
	 * The broker ended the session abnormally (the agent broke the
	 * protocol, a worker died, the log failed): that is an ERROR (1).
	 * submit promises 0/1/2/3 only, so always 1. run keeps CMD's own
	 * exit code, but not the 128+9 of our teardown killing it.
	 */
	if (!s.signo && !s.timed_out && s.p[P_BROKER].pid > 0 &&
	    exit_code(s.p[P_BROKER].status) != 0) {
		if (rc == 0 || cfg->agent_kind == SPAWN_INTERNAL)
			rc = EXIT_ERR;
		else if (s.agent_killed && WIFSIGNALED(s.p[P_AGENT].status) &&
		    WTERMSIG(s.p[P_AGENT].status) == SIGKILL)
			rc = EXIT_ERR;
	}
	if (intact < 0)
		rc = EXIT_ERR;
out:
	free(roots);
	for (i = 0; i < 2; i++) {
		if (sb[i] >= 0) close(sb[i]);
		if (ab[i] >= 0) close(ab[i]);
		if (bf[i] >= 0) close(bf[i]);
	}
	if (policyfd >= 0)
		close(policyfd);
	if (policydir >= 0)
		close(policydir);
	auditfile_close(&af);
	if (s.sigfd >= 0)
		close(s.sigfd);
	(void)sigaction(SIGPIPE, &oldpipe, NULL);
	return rc;
}
