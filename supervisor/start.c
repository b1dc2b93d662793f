/*
 * supervisor/start.c -- what each role of a session needs besides its
 * channels (session.c places those from the matrix of common/roles.h):
 * the broker its policy and audit files, the fs worker the roots the
 * broker listed, the agent its stdio, environment and view. One prepare
 * (before the spawn) and one started (after it) per row that needs them.
 *
 * Runs in: aksup (supervisor). Privilege: the invoking user's. It opens
 * the policy, the audit log and the fs roots by path -- paths the operator
 * gave or the operator's policy names -- and hands the descriptors down;
 * it reads nothing from the agent. What it reads from the broker
 * (BROKER_READY) it reads once, before any worker or agent exists
 * (common/wire.h says why that is safe).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/chan.h"
#include "common/fsrights.h"
#include "common/log.h"
#include "common/util.h"
#include "supervisor/cgroup.h"
#include "supervisor/confine.h"
#include "supervisor/session.h"
#include "supervisor/view.h"

#define READY_TIMEOUT_MS	30000

int
start_sup_fd(const struct sess *s)
{
	unsigned i;

	for (i = 0; i < chan_ndefs; i++)
		if (chan_defs[i].a == ROLE_SUPERVISOR)
			return s->chan[i][0];
	return -1;
}

/* ---- the broker ------------------------------------------------------- */

/* The policy (a file only you or root can change), the audit log (locked
 * for this session, held until the end) and the seal-key file. */
static int
prep_broker(struct sess *s, struct spawn *sp)
{
	const struct session_cfg *cfg = s->cfg;
	int n;

	if ((s->policyfd = policyfile_open(cfg->policy_path)) < 0 ||
	    (s->policydir = placement_dir_of(s->policyfd, "policy file",
	    cfg->policy_path)) < 0 || auditfile_open(cfg, &s->af) < 0)
		return -1;
	s->argv[0] = "aksup-broker";
	s->argv[1] = "--policy-name";
	s->argv[2] = (char *)cfg->policy_path;
	n = auditfile_broker_args(cfg, s->af.keyfd, s->argv, 3, 31);
	s->argv[n] = NULL;
	sp->src[sp->nfds] = s->af.logfd; sp->dst[sp->nfds++] = BROKER_FD_AUDIT;
	sp->src[sp->nfds] = s->policyfd; sp->dst[sp->nfds++] = BROKER_FD_POLICY;
	if (cfg->agent_yaml != NULL) {
		/* the built-in agent's configuration: the operator's, opened
		 * with the policy's checks (who may change it decides the
		 * model, its endpoint and the tools) */
		if ((s->agentyamlfd = operator_file_open(cfg->agent_yaml,
		    "agent configuration")) < 0 || (s->agentyamldir =
		    placement_dir_of(s->agentyamlfd, "agent configuration",
		    cfg->agent_yaml)) < 0)
			return -1;
		s->argv[n++] = "--agent-name";
		s->argv[n++] = (char *)cfg->agent_yaml;
		s->argv[n] = NULL;
		sp->src[sp->nfds] = s->agentyamlfd;
		sp->dst[sp->nfds++] = BROKER_FD_AGENTCFG;
	}
	if (s->af.keyfd >= 0) {
		sp->src[sp->nfds] = s->af.keyfd;
		sp->dst[sp->nfds++] = BROKER_FD_SEALKEY;
	}
	return 0;
}

/* Wait for BROKER_READY. Returns its payload's bytes, or -1. */
static ssize_t
wait_ready(struct sess *s, int supfd, char *buf, size_t cap)
{
	struct chan c;
	struct msg m;
	uint64_t end = now_ns() + (uint64_t)READY_TIMEOUT_MS * 1000000ull;
	int rc;

	chan_init(&c, supfd, ROLE_SUPERVISOR, ROLE_BROKER, "broker");
	watch_set_deadline(s, READY_TIMEOUT_MS);
	while (!s->p[ROLE_BROKER].done && now_ns() < end) {
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

/* Sources ("ENV:NAME", "FILE:/p"), each NUL-terminated, up to an empty
 * string, into src[64]; the field after them. */
static char *
ready_sources(char *q, char *end, char **src, int *n)
{
	while (q < end && *q != '\0') {
		if (*n == 64)
			fatalx("protocol violation from broker: too many "
			    "sources");
		src[(*n)++] = q;
		q = ready_field(q, end);
	}
	return ready_field(q, end);
}

/* The optional workers the broker will serve: RF_OPTIONAL rows by name,
 * comma-separated (common/wire.h); anything else is a violation. */
static char *
want_workers(struct sess *s, char *q, char *end)
{
	char *next = ready_field(q, end), *name, *save = NULL, *plus;
	enum role r;

	for (name = strtok_r(q, ",", &save); name != NULL;
	    name = strtok_r(NULL, ",", &save)) {
		/* NAME, or NAME+net: it needs the host's network */
		if ((plus = strchr(name, '+')) != NULL) {
			if (strcmp(plus, "+net") != 0)
				fatalx("protocol violation from broker: bad "
				    "worker list");
			*plus = '\0';
		}
		r = role_by_name(name);
		if (r == ROLE_NONE || !(role_defs[r].flags & RF_OPTIONAL))
			fatalx("protocol violation from broker: bad worker "
			    "list");
		s->wanted[r] = plus != NULL ? 2 : 1;
	}
	return next;
}

/*
 * BROKER_READY: the broker's protocol first (another build's broker is
 * refused before anything it says is used), then the fs roots, each
 * opened as an O_PATH dirfd. A root that does not exist is reported;
 * actions beneath it fail. Each entry: rights byte, path, rule
 * "FILE:LINE", action.
 */
static void
read_roots(struct sess *s, char *roots, ssize_t rlen)
{
	struct place_root *pr;
	char *q;
	int n;

	if ((size_t)rlen < sizeof(WIRE_VERSION) ||
	    memcmp(roots, WIRE_VERSION, sizeof(WIRE_VERSION)) != 0)
		fatalx("the broker (%s) speaks another internal protocol than "
		    "this aksup (%s): install aksup and its role binaries "
		    "together", helper_path("aksup-broker"), WIRE_VERSION);
	q = roots + sizeof(WIRE_VERSION);
	q = want_workers(s, q, roots + rlen);
	/* the credentials' sources, then the mcp servers' env sources */
	q = ready_sources(q, roots + rlen, s->credsrc, &s->ncredsrc);
	q = ready_sources(q, roots + rlen, s->mcpsrc, &s->nmcpsrc);
	/* the mcp servers' paths (each once), up to a 0 byte */
	while (q < roots + rlen && *q != '\0') {
		unsigned char r = (unsigned char)*q++;
		const char *path = q, *id;
		int k;

		q = ready_field(q, roots + rlen);
		id = q;
		q = ready_field(q, roots + rlen);
		if (path[0] != '/' || (r != FS_RIGHT_READ && r != (FS_RIGHT_READ |
		    FS_RIGHT_WRITE)))
			fatalx("protocol violation from broker: bad mcp paths");
		for (k = 0; k < s->nmcp && strcmp(s->mcppath[k], path); k++)
			;
		if (k == FS_ROOTS_MAX)
			fatalx("the policy's mcp_servers name more than %d "
			    "paths", FS_ROOTS_MAX);
		if (k == s->nmcp) {
			s->mcppath[k] = path;
			s->mcpid[k] = id;
			s->mcprights[k] = 0;
			s->mcpfd[k] = -1;
			s->nmcp++;
		}
		s->mcprights[k] |= r;	/* read-write for one: bound so */
	}
	if (q >= roots + rlen)
		fatalx("protocol violation from broker: bad mcp paths");
	q++;
	/* the built-in agent's model endpoint and configuration: handed on,
	 * never parsed here (supervisor/llmcfg.c) */
	s->agent_endpoint = q;
	q = ready_field(q, roots + rlen);
	s->agent_config = q;
	q = ready_field(q, roots + rlen);
	if ((s->agent == ROLE_AGENT_BUILTIN) != (s->agent_config[0] != '\0'))
		fatalx("protocol violation from broker: agent configuration");
	while (q < roots + rlen) {
		/* a root left out would break the worker's numbering */
		if ((n = s->nroots) >= FS_ROOTS_MAX)
			fatalx("the policy names more than %d filesystem "
			    "roots", n);
		pr = &s->proot[n];
		s->rootacts[n] = (unsigned char)*q++;
		pr->path = q;
		q = ready_field(q, roots + rlen);
		pr->rule = q;
		q = ready_field(q, roots + rlen);
		pr->action = q;
		q = ready_field(q, roots + rlen);
		if (pr->path[0] != '/' || (s->rootacts[n] & FS_RIGHTS_ALL) == 0 ||
		    (s->rootacts[n] & ~(FS_RIGHTS_ALL | FS_ROOT_WHOLE)) != 0)
			fatalx("protocol violation from broker: bad root list");
		s->rootfd[n] = open_root(pr->path, s->rootsfx[n],
		    sizeof(s->rootsfx[n]));
		pr->fd = s->rootfd[n];
		pr->missing = s->rootsfx[n][0] != '\0';
		s->nroots++;
	}
}

/*
 * Before any worker or agent runs: the log, the seal key and the policy
 * must lie outside every fs root and outside the agent's view (what it
 * can read without asking: the system part, its program, each --ro),
 * supervisor/placement.c. The view's binds are judged by the inodes its
 * plan pinned, the ones the agent's child binds. Returns 0, or -1.
 */
static int
check_placement(struct sess *s)
{
	const struct agent_view *v = s->cfg->view;
	int nview = 0, nsys, i, j, rc;

	for (i = 0; v != NULL && view_system[i] != NULL; i++) {
		/* O_PATH of a system path: nothing read */
		if ((j = open(view_system[i], O_PATH | O_CLOEXEC)) >= 0)
			s->proot[s->nroots + nview++] = (struct place_root){
			    view_system[i], NULL, NULL, j, 0 };
	}
	nsys = nview;
	for (i = 0; v != NULL && (size_t)i < v->n; i++)
		if (v->e[i].link == NULL)
			s->proot[s->nroots + nview++] = (struct place_root){
			    v->e[i].path, NULL, NULL, v->e[i].fd, 0 };
	s->pfile[s->npf++] = (struct place_file){ "audit log",
	    s->cfg->log_path, s->af.logdir, s->af.logfd, 0 };
	if (s->af.keyfd >= 0)
		s->pfile[s->npf++] = (struct place_file){ "seal key file",
		    s->cfg->seal_key_out, s->af.keydir, s->af.keyfd, 0 };
	if (s->pinsfd >= 0)
		s->pfile[s->npf++] = (struct place_file){ "mcp pin file",
		    s->pinspath, s->pinsdir, s->pinsfd, 0 };
	/* the store: the prior bytes of what the agent wrote, and the
	 * snapshots rollback trusts; walked up from itself */
	if (s->snapfd >= 0)
		s->pfile[s->npf++] = (struct place_file){ "snapshot store",
		    s->snappath, s->snapfd, -1, 0 };
	/* what decides the built-in agent's model, endpoint, tools and
	 * (replay) words: read now, never to be the agent's to change */
	if (s->agentyamlfd >= 0)
		s->pfile[s->npf++] = (struct place_file){ "agent configuration",
		    s->cfg->agent_yaml, s->agentyamldir, s->agentyamlfd, 0 };
	if (s->llm_replayfd >= 0)
		s->pfile[s->npf++] = (struct place_file){ "replay transcript",
		    s->llm_replaypath, s->llm_replaydir, s->llm_replayfd, 0 };
	for (i = 0; i < s->nllm_keyfile; i++)
		s->pfile[s->npf++] = (struct place_file){ "model key file",
		    s->llm_keyfile[i].path, s->llm_keyfile[i].dir,
		    s->llm_keyfile[i].fd, 0 };
	s->pfile[s->npf++] = (struct place_file){ "policy file",
	    s->cfg->policy_path, s->policydir, s->policyfd, 0 };
	/* an mcp server's paths: what it can read and write */
	for (i = 0; i < s->nmcp && s->nroots + nview < ROOTS_PLACE_MAX; i++)
		s->proot[s->nroots + nview++] = (struct place_root){
		    s->mcppath[i], s->mcpid[i], PLACE_MCP,
		    s->mcpfd[i], 0 };
	rc = placement_check(s->pfile, s->npf, s->proot,
	    (size_t)(s->nroots + nview));
	for (j = s->nroots; j < s->nroots + nsys; j++)
		close(s->proot[j].fd);	/* (the plan's stay the plan's) */
	close(s->policyfd);
	s->policyfd = -1;
	/* the policy, AGENT.yaml and the transcript are read: only the
	 * log, key, pins and store are held (checked again at the end) */
	s->npf -= 1 + (s->agentyamlfd >= 0) + (s->llm_replayfd >= 0) +
	    s->nllm_keyfile;
	llmcfg_keyfiles_close(s);	/* (creds_open read them) */
	return rc;
}

/*
 * Refused: the broker is told to stop (its channel closed) and ends the
 * session the recorded way: session_end, no request. A key the agent
 * could read later seals nothing: it goes.
 */
static void
refuse(struct sess *s)
{
	unsigned i;

	for (i = 0; i < chan_ndefs; i++)
		if (chan_defs[i].a == ROLE_SUPERVISOR && s->chan[i][0] >= 0) {
			close(s->chan[i][0]);
			s->chan[i][0] = -1;
		}
	watch_set_deadline(s, role_defs[s->agent].grace_ms);
	if (s->af.keyfd >= 0 && s->pfile[1].beneath) {
		s->af.drop_key = 1;
		log_warnx("removed the seal key file %s (it lay where the "
		    "agent can read it); the refused session's log verifies "
		    "without --key", s->cfg->seal_key_out);
	}
	s->refused = 1;
}

/* aksup run: an argument naming a file the agent can neither see nor
 * ask for (docs/aksup-run.1). */
static void
warn_args(struct sess *s)
{
	const char *roots[FS_ROOTS_MAX];
	int i;

	if (s->cfg->view == NULL)
		return;
	for (i = 0; i < s->nroots; i++)
		roots[i] = s->proot[i].path;
	view_warn_args(s->cfg->view, s->cfg->agent_argv, roots,
	    (size_t)s->nroots);
}

/* The policy loaded (else the broker said why on stderr): its roots,
 * then the placement check. */
static int
broker_started(struct sess *s)
{
	ssize_t rlen;

	if ((s->ready = malloc(WIRE_PAYLOAD_MAX)) == NULL)
		fatal("malloc");
	rlen = wait_ready(s, start_sup_fd(s), s->ready, WIRE_PAYLOAD_MAX);
	if (rlen < 0) {
		watch_kill_all(s);
		return -1;
	}
	read_roots(s, s->ready, rlen);
	s->broker_ready = 1;
	warn_args(s);
	/* the mcp worker's files, before the placement check sees them */
	if (s->wanted[ROLE_WORKER_MCP] && mcp_open(s) < 0) {
		refuse(s);
		return -1;
	}
	/* the model keys and transcript, for the llm worker alone; the
	 * built-in agent's configuration, for it alone (before the
	 * placement check, which sees AGENT.yaml and the transcript) */
	s->llm_keyfd = s->llm_replayfd = -1;
	if (snapstore_open(s) < 0 || (s->wanted[ROLE_WORKER_LLM] &&
	    llmcfg_open(s) < 0) || llmcfg_agent_open(s) < 0 ||
	    check_placement(s) < 0) {
		refuse(s);
		return -1;
	}
	/* before any worker starts: a source missing is said, named, and
	 * the session never runs */
	s->credfd = -1;
	if (s->wanted[ROLE_WORKER_HTTP] &&
	    (s->credfd = creds_open(s->credsrc, s->ncredsrc,
	    "the policy's credentials")) == -2) {
		s->credfd = -1;
		refuse(s);
		return -1;
	}
	return 0;
}

/* ---- the fs worker ---------------------------------------------------- */

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

/* Its argv: the snapshot store ("snap:FD:MAX:TTL" on WORKER_FD_SNAP, or
 * "snap:-"), then its roots on WORKER_FD_ROOT0.., one entry each in
 * policy order: FD:RIGHTS:MISSING-SUFFIX, or "-" for a root that could
 * not be opened; then each root's path as the policy names it (the
 * snapshots name their root so). */
static int
prep_worker_fs(struct sess *s, struct spawn *sp)
{
	char letters[sizeof(FS_RIGHT_LETTERS) + 1];
	int i, k = 0;

	_Static_assert(FS_ROOTS_MAX + 2 <= SPAWN_FDS_MAX,
	    "the fs worker's channel, roots and store are one spawn's "
	    "descriptors");
	s->argv[0] = "aksup-worker-fs";
	s->argv[1] = s->snapfd >= 0 ? s->snaparg : "snap:-";
	if (s->snapfd >= 0) {
		sp->src[sp->nfds] = s->snapfd;
		sp->dst[sp->nfds++] = WORKER_FD_SNAP;
	}
	for (i = 0; i < s->nroots; i++) {
		if (s->rootfd[i] >= 0) {
			sp->src[sp->nfds] = s->rootfd[i];
			sp->dst[sp->nfds] = WORKER_FD_ROOT0 + k++;
			/* and 't' for a root the policy gives whole
			 * (FS_ROOT_WHOLE: a tree may be put back there) */
			fs_letters(s->rootacts[i], letters);
			if (s->rootacts[i] & FS_ROOT_WHOLE)
				strcat(letters, (char[]){ FS_ROOT_WHOLE_LETTER,
				    '\0' });
			if (snprintf(s->fdarg[i], sizeof(s->fdarg[i]),
			    "%d:%s:%s", sp->dst[sp->nfds], letters,
			    s->rootsfx[i]) >= (int)sizeof(s->fdarg[i]))
				fatalx("policy root too long");
			sp->nfds++;
		} else
			snprintf(s->fdarg[i], sizeof(s->fdarg[i]), "-");
		s->argv[i + 2] = s->fdarg[i];
		s->argv[s->nroots + i + 2] = (char *)s->proot[i].path;
	}
	s->argv[2 * s->nroots + 2] = NULL;
	return 0;
}

/* Once the workers that bind or open them have them (the agent is
 * started after every worker): the supervisor holds no root longer. */
static void
close_roots(struct sess *s)
{
	int i;

	if (s->snapfd >= 0) {	/* the fs worker's alone */
		close(s->snapfd);
		s->snapfd = -1;
	}
	for (i = 0; i < s->nroots; i++)
		if (s->rootfd[i] >= 0) {
			close(s->rootfd[i]);
			s->rootfd[i] = -1;
		}
}

/* ---- the proc worker -------------------------------------------------- */

/*
 * Its argv: "ns:U" (the inner uid its commands run as) or "nons" (the
 * namespaces layer is waived: it refuses every command), then "cg:-" or
 * "cg:VERSION:MEMORY:PIDS:N" (N cgroup directories of its own beneath the
 * session's, on the next descriptors), then one "FD:RIGHTS:PATH" per fs
 * root it binds into each command's view: those that exist and that the
 * policy lets the agent read or write (docs/SANDBOX.md).
 */
static int
prep_worker_proc(struct sess *s, struct spawn *sp)
{
	char letters[sizeof(FS_RIGHT_LETTERS)], lim[64];
	int cgfd[2], ncg, i, k = 0, inner;
	uid_t uid;
	gid_t gid;

	inner = confine_own_userns(ROLE_WORKER_PROC, &uid, &gid);
	s->argv[k++] = "aksup-worker-proc";
	/* a rule gives commands network: true: the worker keeps the
	 * host's network namespace for them (else it has its own, empty) */
	if (s->wanted[ROLE_WORKER_PROC] == 2)
		sp->ns_keep = CLONE_NEWNET;
	if (inner < 0)
		snprintf(s->fdarg[0], sizeof(s->fdarg[0]), "nons");
	else
		snprintf(s->fdarg[0], sizeof(s->fdarg[0]), "ns:%d%s", inner,
		    sp->ns_keep ? ":net" : "");
	s->argv[k++] = s->fdarg[0];
	if ((ncg = cgroup_sub("proc", uid, gid, cgfd, lim, sizeof(lim))) < 0)
		return -1;
	if (ncg == 0)
		snprintf(s->fdarg[1], sizeof(s->fdarg[1]), "cg:-");
	else
		snprintf(s->fdarg[1], sizeof(s->fdarg[1]), "cg:%s:%d", lim, ncg);
	s->argv[k++] = s->fdarg[1];
	for (i = 0; i < ncg; i++) {
		sp->src[sp->nfds] = cgfd[i];
		sp->dst[sp->nfds] = PROC_FD_FIRST + sp->nfds - 1;
		s->procfd[s->nprocfd++] = cgfd[i];
		sp->nfds++;
	}
	_Static_assert(FS_ROOTS_MAX + 3 <= SPAWN_FDS_MAX, "the proc worker's "
	    "channel, cgroups and roots are one spawn's descriptors");
	for (i = 0; i < s->nroots; i++) {
		if (s->rootfd[i] < 0 || s->rootsfx[i][0] != '\0' ||
		    !(s->rootacts[i] & (FS_RIGHT_READ | FS_RIGHT_WRITE)))
			continue;
		sp->src[sp->nfds] = s->rootfd[i];
		sp->dst[sp->nfds] = PROC_FD_FIRST + sp->nfds - 1;
		if (snprintf(s->fdarg[k], sizeof(s->fdarg[k]), "%d:%s:%s",
		    sp->dst[sp->nfds], fs_letters(s->rootacts[i] &
		    (FS_RIGHT_READ | FS_RIGHT_WRITE), letters),
		    s->proot[i].path) >= (int)sizeof(s->fdarg[k]))
			fatalx("policy root too long");
		s->argv[k] = s->fdarg[k];
		k++;
		sp->nfds++;
	}
	s->argv[k] = NULL;
	return 0;
}

static int
worker_proc_started(struct sess *s)
{
	while (s->nprocfd > 0)
		close(s->procfd[--s->nprocfd]);
	return 0;
}

/* ---- the mcp worker --------------------------------------------------- */

/*
 * Its argv: as the proc worker's ("ns:U" or "nons", "cg:..."), then one
 * "FD:RIGHTS:PATH" per server path (the union of the servers' ro and
 * roots, each once; "rw" where some server has it in roots). The pin
 * file on MCP_FD_PINS, the servers' env values on MCP_FD_ENV (when any
 * server's env names a source).
 */
static int
prep_worker_mcp(struct sess *s, struct spawn *sp)
{
	char lim[64];
	int cgfd[2], ncg, i, k = 0, inner;
	uid_t uid;
	gid_t gid;

	inner = confine_own_userns(ROLE_WORKER_MCP, &uid, &gid);
	s->argv[k++] = "aksup-worker-mcp";
	if (snprintf(s->fdarg[2], sizeof(s->fdarg[2]), "pins:%s",
	    s->pinspath) >= (int)sizeof(s->fdarg[2]))
		fatalx("mcp pin file path too long");
	s->argv[k++] = s->fdarg[2];
	if (s->wanted[ROLE_WORKER_MCP] == 2)
		sp->ns_keep = CLONE_NEWNET;
	if (inner < 0)
		snprintf(s->fdarg[0], sizeof(s->fdarg[0]), "nons");
	else
		snprintf(s->fdarg[0], sizeof(s->fdarg[0]), "ns:%d%s", inner,
		    sp->ns_keep ? ":net" : "");
	s->argv[k++] = s->fdarg[0];
	sp->src[sp->nfds] = s->pinsfd;
	sp->dst[sp->nfds++] = MCP_FD_PINS;
	if (s->mcpenvfd >= 0) {
		sp->src[sp->nfds] = s->mcpenvfd;
		sp->dst[sp->nfds++] = MCP_FD_ENV;
	}
	if ((ncg = cgroup_sub("mcp", uid, gid, cgfd, lim, sizeof(lim))) < 0)
		return -1;
	if (ncg == 0)
		snprintf(s->fdarg[1], sizeof(s->fdarg[1]), "cg:-");
	else
		snprintf(s->fdarg[1], sizeof(s->fdarg[1]), "cg:%s:%d", lim, ncg);
	s->argv[k++] = s->fdarg[1];
	for (i = 0; i < ncg; i++) {
		sp->src[sp->nfds] = cgfd[i];
		sp->dst[sp->nfds] = MCP_FD_FIRST + i;
		s->procfd[s->nprocfd++] = cgfd[i];
		sp->nfds++;
	}
	_Static_assert(FS_ROOTS_MAX + 5 <= SPAWN_FDS_MAX, "the mcp worker's "
	    "channel, files, cgroups and paths are one spawn's descriptors");
	for (i = 0; i < s->nmcp; i++) {
		sp->src[sp->nfds] = s->mcpfd[i];
		sp->dst[sp->nfds] = MCP_FD_FIRST + ncg + i;
		if (snprintf(s->fdarg[k], sizeof(s->fdarg[k]), "%d:%s:%s",
		    sp->dst[sp->nfds], (s->mcprights[i] & FS_RIGHT_WRITE) ?
		    "rw" : "r", s->mcppath[i]) >= (int)sizeof(s->fdarg[k]))
			fatalx("mcp server path too long");
		s->argv[k] = s->fdarg[k];
		k++;
		sp->nfds++;
	}
	s->argv[k] = NULL;
	return 0;
}

static int
worker_mcp_started(struct sess *s)
{
	int fd = s->pinsfd;

	while (s->nprocfd > 0)
		close(s->procfd[--s->nprocfd]);
	/* the worker's alone now (the pin file stays held: its name is
	 * checked again after the session, as the log's) */
	s->pinsfd = -1;
	mcp_close(s);
	s->pinsfd = fd;
	return 0;
}

/* ---- the http worker -------------------------------------------------- */

/* Its argv: "ca:PATH" when the operator gave --http-ca (the file its TLS
 * trusts instead of the system's bundle). The credentials' values on
 * HTTP_FD_CREDS, never in argv or the environment. */
static int
prep_worker_http(struct sess *s, struct spawn *sp)
{
	s->argv[0] = "aksup-worker-http";
	if (s->cfg->http_ca != NULL) {
		snprintf(s->fdarg[0], sizeof(s->fdarg[0]), "ca:%s",
		    s->cfg->http_ca);
		s->argv[1] = s->fdarg[0];
	}
	if (s->credfd >= 0) {
		sp->src[sp->nfds] = s->credfd;
		sp->dst[sp->nfds++] = HTTP_FD_CREDS;
	}
	return 0;
}

static int
worker_http_started(struct sess *s)
{
	if (s->credfd >= 0)
		close(s->credfd);	/* the worker's alone now */
	s->credfd = -1;
	return 0;
}

/* ---- the llm worker --------------------------------------------------- */

/* Its argv: "NAME=URL" per provider, "key:NAME=SOURCE" per key it has,
 * "replay" with the transcript; the keys' values on LLM_FD_KEYS. */
static int
prep_worker_llm(struct sess *s, struct spawn *sp)
{
	llmcfg_argv(s, sp);
	return 0;
}

static int
worker_llm_started(struct sess *s)
{
	llmcfg_close(s);	/* the worker's alone now */
	return 0;
}

/* ---- the agent -------------------------------------------------------- */

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

static int
prep_agent(struct sess *s, struct spawn *sp)
{
	const struct session_cfg *cfg = s->cfg;
	int ext = (role_defs[s->agent].flags & RF_EXTERNAL) != 0;
	size_t ne = 0;

	sp->argv = cfg->agent_argv;
	sp->stdin_fd = cfg->agent_stdin == -2 ? 0 : cfg->agent_stdin;
	sp->stdout_fd = -2;
	if (ext || s->agent == ROLE_AGENT_BUILTIN) {
		/* Not the operator's terminal (T1): stdin /dev/null or, with
		 * --stdin, a pipe we fill; stdout and stderr pipes we relay
		 * (the built-in agent prints what a model wrote). */
		if (relay_open(&s->rly, cfg->agent_stdin_pipe,
		    s->relay_child) < 0)
			fatal("stdio pipes");
		s->relay_on = 1;
		sp->stdin_fd = s->relay_child[0];
		sp->src[sp->nfds] = s->relay_child[1]; sp->dst[sp->nfds++] = 1;
		sp->src[sp->nfds] = s->relay_child[2]; sp->dst[sp->nfds++] = 2;
	}
	if (ext) {
		/* CMD as view_plan resolved it (on the operator's PATH), in
		 * the view it planned: nothing else of the host. */
		sp->path = cfg->view->program;
		sp->view = cfg->view;
	}
	if (s->agent_cfgfd >= 0) {
		sp->src[sp->nfds] = s->agent_cfgfd;
		sp->dst[sp->nfds++] = AGENT_FD_CONFIG;
	}
	s->env[ne++] = "AKSUP_FD=3";
	s->env[ne++] = "PATH=/usr/local/bin:/usr/bin:/bin";
	if (ext && confine_has_view())
		s->env[ne++] = "HOME=" VIEW_HOME;
	if ((s->env[ne] = env_entry("LANG")) != NULL) ne++;
	if ((s->env[ne] = env_entry("ASAN_OPTIONS")) != NULL) ne++;
	if ((s->env[ne] = env_entry("UBSAN_OPTIONS")) != NULL) ne++;
	s->env[ne] = NULL;
	sp->envp = s->env;
	return 0;
}

static int
agent_started(struct sess *s)
{
	close_roots(s);
	if (s->agent_cfgfd >= 0)
		close(s->agent_cfgfd);	/* the agent's alone now */
	s->agent_cfgfd = -1;
	if (s->relay_on) {
		relay_started(&s->rly, s->relay_child);
		s->rl = &s->rly;
	}
	if (s->cfg->timeout_ms > 0)
		s->stop_at = now_ns() + s->cfg->timeout_ms * 1000000ull;
	return 0;
}

/* ---- the rows --------------------------------------------------------- */

static const struct {
	int (*prepare)(struct sess *, struct spawn *);
	int (*started)(struct sess *);
} starters[ROLE_N] = {
	[ROLE_BROKER] = { prep_broker, broker_started },
	[ROLE_WORKER_FS] = { prep_worker_fs, NULL },
	[ROLE_WORKER_PROC] = { prep_worker_proc, worker_proc_started },
	[ROLE_WORKER_HTTP] = { prep_worker_http, worker_http_started },
	[ROLE_WORKER_MCP] = { prep_worker_mcp, worker_mcp_started },
	[ROLE_WORKER_LLM] = { prep_worker_llm, worker_llm_started },
	[ROLE_AGENT_EXTERNAL] = { prep_agent, agent_started },
	[ROLE_AGENT_BUILTIN] = { prep_agent, agent_started },
	[ROLE_CLIENT] = { prep_agent, agent_started },
};

int
start_prepare(struct sess *s, enum role r, struct spawn *sp)
{
	/* argv: the binary's name alone, unless the row's prepare says
	 * more; nothing of the previous spawn's */
	memset(s->argv, 0, sizeof(s->argv));
	s->argv[0] = (char *)role_defs[r].binary;
	sp->argv = s->argv;
	sp->envp = helper_env();
	return starters[r].prepare != NULL ? starters[r].prepare(s, sp) : 0;
}

int
start_started(struct sess *s, enum role r)
{
	return starters[r].started != NULL ? starters[r].started(s) : 0;
}
