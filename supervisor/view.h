/*
 * supervisor/view.h -- what the external agent sees of the host's files:
 * the plan of its mount view, made once before the session starts.
 *
 * Runs in: aksup (supervisor), before any child is spawned; the plan is
 * then read by the agent's child (supervisor/confine.c) to build the
 * view, by the placement check (no protected file in it) and by the
 * broker's session_start record (its JSON). Privilege: the invoking
 * user's; it only lstat()s and readlink()s the paths the operator named.
 */
#ifndef AKSUP_VIEW_H
#define AKSUP_VIEW_H

#include <stddef.h>
#include <sys/types.h>

#include "common/mountview.h"

#define VIEW_RO_MAX	64		/* --ro paths on one command line */
#define VIEW_MAX	128		/* planned entries: --ro, links, the program */
#define VIEW_JSON_MAX	(16 * 1024)	/* the view as session_start records it */
#define VIEW_HOME	"/tmp/home"	/* the agent's HOME, in its private /tmp */

/* The system's part (view_system, view_dev_*): common/mountview.h */

struct view_ent {
	char *path;	/* where, in the view: absolute, no symlink on the way */
	char *link;	/* a symlink to recreate there, or NULL: a bind */
	int is_dir;	/* a bind: of a directory (else of a file) */
	int fd;		/* a bind: O_PATH, held by the supervisor (placement) */
	dev_t dev;	/* a bind: what the plan saw; the child binds that */
	ino_t ino;	/*   inode or refuses */
};

struct agent_view {
	char *program;		/* the absolute path CMD is executed by */
	struct view_ent e[VIEW_MAX];
	size_t n;
	char *json;		/* {"program":..,"ro":[..],...} for session_start */
};

/*
 * Plan the view: resolve CMD (a bare name on the operator's PATH, a
 * relative path against the working directory), then the program and
 * each --ro path through every symlink on the way; every link met is
 * recreated in the view and every final target bound read-only, unless
 * the system part or another bind already shows it. Returns 0; -1 for a
 * bad --ro (message printed; a usage error) or 127 when CMD is not found.
 */
int view_plan(struct agent_view *v, const char *cmd, char *const *ro,
    size_t nro);

/* Warn (stderr) of each argument of CMD that names an existing file the
 * agent cannot see, with the --ro that would show it. */
void view_warn_args(const struct agent_view *v, char *const *argv,
    const char *const *roots, size_t nroots);
/* What CMD needs that the view lacks (#! interpreter, PREFIX, venv). */
void view_warn_program(const struct agent_view *v);

/* In the agent's child: an O_PATH descriptor of the planned bind `e`,
 * opened through no symlink and still the inode the plan saw; or -1. */
int view_reopen(const struct view_ent *e);

/* 1 when the real path `p` is visible in the view (system part or bind). */
int view_shows(const struct agent_view *v, const char *p);

void view_free(struct agent_view *v);

#endif
