/*
 * supervisor/relay.h -- the external agent's stdio, relayed through the
 * supervisor (supervisor/relay.c).
 *
 * Runs in: aksup (supervisor). Privilege: the invoking user's.
 */
#ifndef AKSUP_RELAY_H
#define AKSUP_RELAY_H

#include <poll.h>
#include <stddef.h>

#define RELAY_BUF	(64 * 1024)	/* per stream, bytes waiting */
#define RELAY_STALL_MS	5000		/* drain: the operator's side took
					 * nothing this long: drop the rest */
#define RELAY_NPOLL	6

struct relay_dir {
	int from, to;		/* -1: closed / gone */
	int own_from, own_to;	/* ours to close */
	int mode;		/* how `to` is written (relay.c) */
	int tty;		/* `to` is a terminal: escape controls */
	int eof;		/* `from` is done */
	char *buf;		/* bytes for `to`, [off, len) */
	size_t off, len;
	unsigned char hold[4];	/* an incomplete UTF-8 character */
	size_t nhold;
	const char *name;
};

struct relay {
	struct relay_dir d[3];	/* 0: our stdin -> agent, 1, 2: agent -> ours */
	struct pollfd *pfd;	/* the entries relay_poll filled */
	int pdir[RELAY_NPOLL], pout[RELAY_NPOLL], npfd;
};

/*
 * Pipes for the agent: child[0] the agent's stdin (the read end of a pipe
 * we fill from our stdin when `with_stdin`, else -1: /dev/null), child[1]
 * and child[2] the write ends of its stdout and stderr. The caller hands
 * child[] to the spawn and then calls relay_started. 0 or -1 (errno).
 */
int	relay_open(struct relay *r, int with_stdin, int child[3]);
void	relay_started(struct relay *r, int child[3]);
/* Add our descriptors to pfd (room for RELAY_NPOLL); returns how many. */
int	relay_poll(struct relay *r, struct pollfd *pfd);
/* After poll: move what is ready, never blocking on a pipe or terminal. */
void	relay_handle(struct relay *r);
/* The agent is gone: stop reading our stdin for it. */
void	relay_stop_input(struct relay *r);
/* Everything the agent wrote, to our stdout and stderr, until its pipes
 * are at EOF; gives up (and says so) when our side takes nothing for
 * RELAY_STALL_MS. Then closes everything. */
void	relay_finish(struct relay *r);

#endif
