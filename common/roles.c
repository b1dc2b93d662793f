/*
 * common/roles.c -- the role table and the channel matrix of
 * common/roles.h, as data.
 *
 * Runs in: every process. Privilege: n/a (constants).
 */
#include <string.h>

#include "common/roles.h"
#include "common/wire.h"

#define ROLE_ROW_(id, nm, bin, u, nsf, nf, np, fs, ml, sc, ll, gr, fl) \
	[ROLE_##id] = { nm, bin, u, nsf, nf, np, fs, ml, ll, gr, fl },
const struct role_def role_defs[ROLE_N] = {
	AKSUP_ROLES(ROLE_ROW_)
};
#undef ROLE_ROW_

#define CHAN_ROW_(a, fa, b, fb, max) \
	{ ROLE_##a, ROLE_##b, fa, fb, max },
const struct chan_def chan_defs[] = {
	AKSUP_CHANNELS(CHAN_ROW_)
};
#undef CHAN_ROW_
const unsigned chan_ndefs = sizeof(chan_defs) / sizeof(chan_defs[0]);

enum role
role_by_name(const char *name)
{
	int i;

	for (i = 1; i < ROLE_N; i++)
		if (strcmp(role_defs[i].name, name) == 0)
			return (enum role)i;
	return ROLE_NONE;
}

int
role_chan_fd(enum role self, enum role peer)
{
	unsigned i;

	for (i = 0; i < chan_ndefs; i++) {
		if (chan_defs[i].a == self && chan_defs[i].b == peer)
			return chan_defs[i].fd_a;
		if (chan_defs[i].b == self && chan_defs[i].a == peer)
			return chan_defs[i].fd_b;
	}
	return -1;
}
