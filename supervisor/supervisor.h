/*
 * supervisor/supervisor.h -- the supervisor's pieces: CLI, sessions,
 * spawning.
 *
 * Runs in: aksup, the supervisor. Privilege: the invoking user's (root or
 * not): it is the only process that opens files by path. It never parses
 * agent data, YAML or JSON (it does not link libyaml, jansson or libcurl).
 */
#ifndef AKSUP_SUPERVISOR_H
#define AKSUP_SUPERVISOR_H

#include <sys/types.h>

#include "common/roles.h"

/* exit codes of aksup (docs/aksup.1) */
#define EXIT_OK		0
#define EXIT_ERR	1
#define EXIT_USAGE	2
#define EXIT_DENIED	3

#define SPAWN_FDS_MAX	72
/* --llm and --llm-key, each (the endpoint's bound: LLM_URL_MAX) */
#define LLM_PROVIDERS_MAX	16
/* the llm worker's key sources: the built-in providers', each --llm's
 * and AGENT.yaml's base_url's, at most one each */
#define LLM_SOURCES_MAX		(LLM_PROVIDERS_MAX + 4)

struct spawn {
	enum role role;		/* its row of common/roles.h: the profile */
	const char *path;	/* RF_EXTERNAL roles: the program to exec
				 * (ours are found by the row's binary) */
	char **argv;
	char **envp;
	int src[SPAWN_FDS_MAX];	/* descriptor src[i] lands on dst[i] */
	int dst[SPAWN_FDS_MAX];
	int nfds;
	int stdin_fd;		/* -1: /dev/null */
	int stdout_fd;		/* -1: /dev/null, -2: inherit */
	const struct agent_view *view;	/* external agent: its view's plan */
	int ns_keep;		/* CLONE_NEW* of its row it does not get (the
				 * proc worker: the host's network when a
				 * rule gives commands network: true) */
};

/* Path of one of our role binaries (aksup-broker, ...). */
const char *helper_path(const char *name);

/* Environment for our role binaries (sanitizer options only). */
char **helper_env(void);

/* aksup-broker alone on a policy file (--check, --explain): its exit
 * code, or -1 when the file cannot be opened. */
int run_policy_helper(const char *policy, char **argv);

/* fork + exec as described; returns the pid or -1. */
pid_t spawn_role(const struct spawn *s);

/* A whole session: broker, fs worker, agent; returns aksup's exit code. */
struct agent_view;

struct session_cfg {
	const char *policy_path;
	const char *log_path;
	enum role agent_role;	/* the agent's seat: AGENT_EXTERNAL, CLIENT */
	char **agent_argv;	/* NULL-terminated */
	int agent_stdin;	/* -2: inherit (aksup-submit) */
	int agent_stdin_pipe;	/* run --stdin: our stdin, piped */
	unsigned long long timeout_ms;	/* run --timeout; 0: none */
	struct agent_view *view;	/* run: the agent's view (view.h) */
	/* audit (supervisor/auditfile.c); NULL: the broker's default */
	const char *audit_sync;		/* always | batch | none */
	const char *seal_key_out;	/* new file for k_0; NULL: no seals */
	const char *seal_every;		/* records between seals */
	const char *seal_interval;	/* ms between seals */
	const char *params_max;		/* log params in full up to N bytes */
	char max_bytes[24];		/* --audit-max-bytes in bytes; "" */
	const char *max_records;	/* --audit-max-records N */
	const char *layers, *waived;	/* sandbox layers, "a,b" */
	/* confinement (supervisor/confine.c) */
	const char *allow_degraded;	/* --allow-degraded=LAYER,... */
	const char *run_as;		/* --run-as USER (fs worker) */
	const char *uid_base;		/* --uid-base N (roles, as root) */
	const char *memory_max;		/* --memory-max BYTES (the cgroup) */
	const char *pids_max;		/* --pids-max N (the cgroup) */
	const char *http_ca;		/* --http-ca FILE, absolute (net.http) */
	const char *mcp_pins;		/* --mcp-pins FILE (mcp.call); NULL:
					 * cli_default_pins beside the log */
	/* the snapshot store (supervisor/snapstore.c) */
	const char *snapshot_dir;	/* --snapshot-dir DIR; NULL: beside
					 * the log */
	unsigned long long snapshot_max;	/* --snapshot-max-bytes; 0:
						 * the default */
	unsigned long long snapshot_ttl;	/* --snapshot-ttl s; 0: the
						 * default */
	/* the model providers (supervisor/llmcfg.c) */
	const char *llm[LLM_PROVIDERS_MAX];	/* --llm NAME=URL */
	unsigned nllm;				/* (more: refused) */
	const char *llm_key[LLM_PROVIDERS_MAX];	/* --llm-key NAME=FILE */
	unsigned nllm_key;
	const char *llm_replay;			/* --llm-replay FILE */
	const char *agent_yaml;			/* run --agent FILE */
};

/* The confinement options of run and submit (getopt_long codes). */
#define CONFINE_OPT_DEGRADED	0x1101
#define CONFINE_OPT_RUNAS	0x1102
#define CONFINE_OPT_UIDBASE	0x1103
#define CONFINE_OPT_MEMMAX	0x1104
#define CONFINE_OPT_PIDSMAX	0x1105
#define CONFINE_OPT_HTTPCA	0x1106
#define CONFINE_OPT_MCPPINS	0x1107
#define CONFINE_OPT_SNAPDIR	0x1108
#define LLM_OPT_URL		0x1109
#define LLM_OPT_KEY		0x110a
#define LLM_OPT_REPLAY		0x110b
#define SNAP_OPT_MAX		0x1201
#define SNAP_OPT_TTL		0x1202
#define CONFINE_LONG_OPTIONS \
	{ "allow-degraded", required_argument, NULL, CONFINE_OPT_DEGRADED }, \
	{ "run-as", required_argument, NULL, CONFINE_OPT_RUNAS }, \
	{ "uid-base", required_argument, NULL, CONFINE_OPT_UIDBASE }, \
	{ "memory-max", required_argument, NULL, CONFINE_OPT_MEMMAX }, \
	{ "pids-max", required_argument, NULL, CONFINE_OPT_PIDSMAX }, \
	{ "http-ca", required_argument, NULL, CONFINE_OPT_HTTPCA }, \
	{ "mcp-pins", required_argument, NULL, CONFINE_OPT_MCPPINS }, \
	{ "snapshot-dir", required_argument, NULL, CONFINE_OPT_SNAPDIR }, \
	{ "snapshot-max-bytes", required_argument, NULL, SNAP_OPT_MAX }, \
	{ "snapshot-ttl", required_argument, NULL, SNAP_OPT_TTL }, \
	{ "llm", required_argument, NULL, LLM_OPT_URL }, \
	{ "llm-key", required_argument, NULL, LLM_OPT_KEY }, \
	{ "llm-replay", required_argument, NULL, LLM_OPT_REPLAY }
#define CONFINE_USAGE \
	"[--allow-degraded LAYER,...] [--run-as USER] [--uid-base N] " \
	"[--memory-max BYTES] [--pids-max N] [--http-ca FILE] " \
	"[--mcp-pins FILE] [--snapshot-dir DIR] [--snapshot-max-bytes N] " \
	"[--snapshot-ttl SECONDS] [--llm NAME=URL] [--llm-key NAME=FILE] " \
	"[--llm-replay FILE]"
int session_run(const struct session_cfg *cfg);
/* supervisor/llmcfg.c: run's and submit's --llm options (1: taken, 0:
 * not one of them); what is wrong with them, said (-1). */
int llmcfg_opt(int ch, const char *arg, struct session_cfg *cfg);
int llmcfg_check(const struct session_cfg *cfg);

/* The audit options of run and submit (getopt_long codes). */
#define AUDIT_OPT_SYNC		0x1001
#define AUDIT_OPT_SEALKEY	0x1002
#define AUDIT_OPT_SEALEVERY	0x1003
#define AUDIT_OPT_SEALINT	0x1004
#define AUDIT_OPT_PARAMS	0x1005
#define AUDIT_OPT_MAXBYTES	0x1006
#define AUDIT_OPT_MAXRECS	0x1007
#define AUDIT_LONG_OPTIONS \
	{ "audit-sync", required_argument, NULL, AUDIT_OPT_SYNC }, \
	{ "seal-key-out", required_argument, NULL, AUDIT_OPT_SEALKEY }, \
	{ "seal-every", required_argument, NULL, AUDIT_OPT_SEALEVERY }, \
	{ "seal-interval", required_argument, NULL, AUDIT_OPT_SEALINT }, \
	{ "audit-params", required_argument, NULL, AUDIT_OPT_PARAMS }, \
	{ "audit-max-bytes", required_argument, NULL, AUDIT_OPT_MAXBYTES }, \
	{ "audit-max-records", required_argument, NULL, AUDIT_OPT_MAXRECS }
#define AUDIT_USAGE \
	"[--audit-sync always|batch|none] [--seal-key-out FILE] " \
	"[--seal-every N] [--seal-interval MS] [--audit-params MAX] " \
	"[--audit-max-bytes BYTES] [--audit-max-records N]"

/* 1: the option was an audit option (stored in cfg), 0: not one, -1: a
 * bad value (message printed). */
/* --snapshot-max-bytes, --snapshot-ttl of run and submit (supervisor/
 * snapstore.c): 1 taken, 0 not one of them, -1 a bad value (said). */
int snapstore_cli_opt(int ch, const char *arg, struct session_cfg *cfg,
    const char *cmd);
/* The default snapshot store: "snapshots" beside the log (NULL: of
 * cli_default_log(0)); a static buffer, or NULL (said). */
const char *snapstore_default(const char *log_path);
int audit_cli_opt(int ch, const char *arg, struct session_cfg *cfg,
    const char *cmd);
/* After all options: 0, or -1 when they do not go together (message
 * printed; --seal-every/--seal-interval without --seal-key-out). */
int audit_cli_check(const struct session_cfg *cfg, const char *cmd);
/* A session's audit files and, for the placement check, the
 * directories that hold them (O_PATH; -1 when not open). */
struct auditfiles {
	int logfd, keyfd;
	int logdir, keydir;
	const char *keybase;	/* the key file's name in keydir */
	const char *logbase;	/* the log's name in logdir, when created */
	int log_created;	/* this session made the log: removed at
				 * the end while still empty */
	int drop_key;		/* auditfile_close removes the key even
				 * when it holds one (placement refused) */
};
/* Open and lock the log for a session, create the seal-key file; no
 * directory on either path is followed through a symlink. 0 or -1
 * (message printed: e.g. the log is in use, naming the holder). */
int auditfile_open(const struct session_cfg *cfg, struct auditfiles *af);
void auditfile_close(struct auditfiles *af);

/* supervisor/placement.c. The policy file, opened for reading: -1
 * (message printed) unless it is a regular file of yours or root's that
 * nobody else may write. Used by run, submit, validate-policy and
 * policy explain alike. */
int policyfile_open(const char *path);
/* The same checks for another file of the operator's that decides what
 * a session does (the built-in agent's AGENT.yaml, a replay
 * transcript); what names it in messages. */
int operator_file_open(const char *path, const char *what);
/* An O_PATH descriptor of the directory holding the open file fd, or -1
 * (message printed). */
int placement_dir_of(int fd, const char *what, const char *path);
/* One file that must lie outside every fs root. The list session_run
 * builds: the audit log, the seal key file, the policy file (a snapshot
 * store, when there is one, is one more row). */
struct place_file {
	const char *what;	/* "audit log", for messages */
	const char *path;	/* as the operator named it */
	int dirfd;		/* O_PATH: the directory holding it */
	int fd;			/* the file itself (st_nlink), or -1 */
	int beneath;		/* set by placement_check: lies in a root */
};
/* One policy fs root, as BROKER_READY names it and open_root opened it;
 * or an mcp server's path (action PLACE_MCP, rule its "FILE:LINE"). */
#define PLACE_MCP	"mcp_servers"
struct place_root {
	const char *path;
	const char *rule, *action;	/* the first rule opening it; NULL:
					 * a path of the agent's view */
	int fd;			/* open_root's O_PATH dirfd, or -1 */
	int missing;		/* fd is only its deepest existing ancestor */
};
/* 0, or -1 (message printed naming the file, the root and the rule) when
 * a file lies at or beneath a root, or cannot be placed. */
/* As root under sudo (or --run-as): 1 when uid is the user aksup runs
 * for, whose files are theirs to decide with (supervisor/placement.c). */
int invoking_user(uid_t uid);
int placement_check(struct place_file *f, size_t nf,
    const struct place_root *r, size_t nr);
/* FD's directory as a path inside its filesystem, whatever mount shows
 * it (supervisor/fspath.c); 0, or -1 when the kernel cannot tell. */
int fs_internal_path(int fd, char *out, size_t n);
/* 1 when filesystem path INNER is OUTER or lies beneath it. */
int fs_path_beneath(const char *inner, const char *outer);
/* After the session: 0, or -1 (message printed) when a file's name no
 * longer names the inode held in f->fd, or it has a second name. */
int placement_intact(const struct place_file *f, size_t nf);
/* Append the broker's audit arguments to argv[n..max-1]; returns n. */
int auditfile_broker_args(const struct session_cfg *cfg, int keyfd,
    char **argv, int n, int max);

/* Run a role binary to completion with the given fds; returns its exit
 * code (or 128+signal). */
int run_helper(struct spawn *s);

/* supervisor/cli_util.c: a command line that is wrong, said (naming the
 * option, argument or value) with the usage; each returns EXIT_USAGE. */
int cli_usage(const char *cmd, const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
struct option;
int cli_opt_error(const char *cmd, const char *usage, int ch, char **argv,
    const struct option *opts);
int cli_arg_error(const char *cmd, const char *usage, const char *arg);
/* The audit log when --log-path is not given: $AKSUP_LOG; else, as
 * root, /var/log/aksup/aksup.log; else $XDG_STATE_HOME/aksup/aksup.log
 * ($HOME/.local/state/aksup/aksup.log). `make` creates its directories
 * (0700) for a session; NULL (said) when there is none. */
const char *cli_default_log(int make);
/* The MCP tool pin file (common/mcp/pins.h) when --mcp-pins is not
 * given: mcp-pins.jsonl in the directory of log_path, the audit log
 * (NULL: of cli_default_log(0)). A static buffer, overwritten by the
 * next call; NULL (said) when there is no default log or the path is
 * too long. The session and `aksup mcp` alike. */
const char *cli_default_pins(const char *log_path);
/* 1 when s begins with 36 bytes shaped as the broker's record and
 * session ids (lower-case hex, '-' at 8, 13, 18, 23), else 0. */
int cli_id_prefix(const char *s);
/* openat2 with no symbolic link and no magic link followed: fd or -1. */
int open_nofollow(int dirfd, const char *path, unsigned long long flags);

int cmd_version(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_mcp(int argc, char **argv);
int cmd_submit(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_rollback(int argc, char **argv);	/* supervisor/cli_rollback.c */
int cmd_snapshots(int argc, char **argv);	/* supervisor/cli_snapshots.c */
int cmd_run(int argc, char **argv);

#endif
