/*
 * supervisor/session.h -- one session's state, shared by its three parts:
 * session.c (start the rows of common/roles.h in order, end), start.c
 * (what each row needs besides its channels) and watch.c (signals,
 * deadlines, reaping, teardown).
 *
 * Runs in: aksup (supervisor). Privilege: the invoking user's.
 */
#ifndef AKSUP_SUPERVISOR_SESSION_H
#define AKSUP_SUPERVISOR_SESSION_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/fds.h"
#include "common/roles.h"
#include "supervisor/relay.h"
#include "supervisor/supervisor.h"

#define CHAN_MAX	16	/* rows of the channel matrix */
#define ROOTS_PLACE_MAX	(FS_ROOTS_MAX + 256)	/* fs roots + the view's */

struct proc {
	pid_t pid;		/* 0: not (yet) started */
	int done;
	int status;
};

struct sess {
	const struct session_cfg *cfg;
	enum role agent;	/* the agent's row (cfg->agent_role) */
	struct proc p[ROLE_N];
	int chan[CHAN_MAX][2];	/* the matrix's pairs: end a, end b; -1 */
	int sigfd;
	uint64_t deadline;	/* kill what is left then; 0: none */
	uint64_t stop_at;	/* --timeout: when; 0: none */
	int killed, agent_killed, signo, stopping, timed_out, refused;
	int broker_ready;	/* the broker loaded the policy, said so */
	char wanted[ROLE_N];	/* RF_OPTIONAL rows BROKER_READY named */
	struct relay *rl;	/* the external agent's stdio, or NULL */
	struct relay rly;
	int relay_child[3], relay_on;

	/* what start.c opens and hands down */
	struct auditfiles af;
	int policyfd, policydir;
	struct place_file pfile[7 + LLM_SOURCES_MAX];
	size_t npf;
	char *ready;		/* BROKER_READY's payload */
	int nroots;
	int rootfd[FS_ROOTS_MAX];
	unsigned char rootacts[FS_ROOTS_MAX];
	char (*rootsfx)[PATH_MAX - 32];	/* [FS_ROOTS_MAX] */
	char (*fdarg)[PATH_MAX + 32];	/* [FS_ROOTS_MAX + 4] */
	struct place_root *proot;	/* [ROOTS_PLACE_MAX] */
	char *argv[2 * FS_ROOTS_MAX + 34];	/* the spawn being prepared */
	char *env[8];
	int procfd[2], nprocfd;	/* the proc worker's cgroup fds */
	char *credsrc[64];	/* the credentials' sources (BROKER_READY) */
	int ncredsrc;
	int credfd;		/* their values, sealed; -1: none */
	/* the mcp worker's (supervisor/mcp.c) */
	char *mcpsrc[64];	/* its servers' env sources (BROKER_READY) */
	int nmcpsrc;
	int mcpenvfd;		/* their values, sealed; -1: none */
	int nmcp;		/* its servers' paths, each once */
	const char *mcppath[FS_ROOTS_MAX], *mcpid[FS_ROOTS_MAX];
	unsigned char mcprights[FS_ROOTS_MAX];
	int mcpfd[FS_ROOTS_MAX];	/* O_PATH directories */
	int pinsfd, pinsdir;	/* the pin file, its directory; -1 */
	char *pinspath;
	const char *pinsbase;	/* its name in pinsdir */
	int pins_created;	/* made by this session */
	/* the snapshot store (supervisor/snapstore.c) */
	int snapfd;		/* O_PATH directory; -1 */
	int snapparent;		/* its directory when this session made it
				 * (O_PATH); -1 */
	char *snappath;		/* absolute */
	char snaparg[80];	/* the fs worker's "snap:FD:MAX:TTL" */
	/* the llm worker's (supervisor/llmcfg.c) */
	char *llm_src[LLM_SOURCES_MAX];	/* its keys' sources, each once */
	int nllm_src;
	struct {
		const char *path;	/* a --llm-key file: its path, */
		int fd, dir;		/* held for the placement check */
	} llm_keyfile[LLM_SOURCES_MAX];
	int nllm_keyfile;
	int llm_keyfd;		/* their values, sealed; -1: none */
	int llm_replayfd;	/* --llm-replay's file; -1: none */
	/* the built-in agent's (BROKER_READY's; supervisor/llmcfg.c) */
	const char *agent_endpoint;	/* "", "NAME=URL", "replay=PATH" */
	const char *agent_config;	/* its JSON, handed on unread */
	int agentyamlfd;	/* AGENT.yaml, for the broker; -1 */
	int agentyamldir;	/* O_PATH: its directory; -1 */
	const char *llm_replaypath;	/* the transcript's, as opened */
	int llm_replaydir;	/* O_PATH: its directory; -1 */
	int agent_cfgfd;	/* the config, sealed, for the agent; -1 */
};

/* snapstore.c: the snapshot store, made and opened for the fs worker;
 * 0, or -1 (said, naming the directory: the session is refused).
 * snapstore_close closes what is left. */
int snapstore_open(struct sess *s);
void snapstore_close(struct sess *s);
void snapstore_unmake(struct sess *s);	/* a refused session's new store */

/* mcp.c: the mcp worker's pin file, env values and paths, opened when
 * BROKER_READY names the worker; 0, or -1 (said, naming the file or the
 * server: the session is refused). mcp_close closes what is left. */
int mcp_open(struct sess *s);
void mcp_close(struct sess *s);
void mcp_unmake(struct sess *s);	/* a refused session's new pin file */

/* llmcfg.c: the llm worker's providers. llmcfg_open reads the keys and
 * opens the transcript when BROKER_READY names the worker (-1: said, the
 * session is refused); llmcfg_argv fills its argv and fds; llmcfg_close
 * closes what is left. */
int llmcfg_open(struct sess *s);
void llmcfg_argv(struct sess *s, struct spawn *sp);
void llmcfg_close(struct sess *s);
/* The built-in agent's configuration in a sealed memfd (agent_cfgfd),
 * and its model's endpoint or transcript for the llm worker: 0, or -1
 * (said: the session is refused). Nothing without --agent. */
int llmcfg_agent_open(struct sess *s);
void llmcfg_agent_close(struct sess *s);
void llmcfg_keyfiles_close(struct sess *s);

/* creds.c: the sources' values, read now, in a sealed memfd for one
 * worker alone (the http worker's credentials, the mcp servers' env):
 * its fd, -1 when there are none, -2 when one cannot be read (said,
 * naming it and `what` needs it: the session does not start). */
int creds_open(char *const *src, int nsrc, const char *what);
/* A memfd of ours sealed (write, grow, shrink, seal) and rewound, before
 * it is handed on; fatal when it cannot be. */
void memfd_seal(int fd, const char *what);

/* start.c: each row's resources. prepare fills argv, env and the fds
 * besides the channels (which session.c placed); started runs once the
 * process exists. Either returns 0, or -1: the session is not started
 * further (the reason was said). */
int start_prepare(struct sess *s, enum role r, struct spawn *sp);
int start_started(struct sess *s, enum role r);
/* The supervisor's end of its channel to the broker. */
int start_sup_fd(const struct sess *s);

/* watch.c */
void watch_init(struct sess *s);	/* signalfd, subreaper */
void watch_once(struct sess *s, int extra_fd);
int watch_all_done(const struct sess *s);
void watch_kill_all(struct sess *s);
void watch_set_deadline(struct sess *s, int ms);
void watch_kill_leftovers(void);
void watch_report_broker(int status, enum role agent);

#endif
