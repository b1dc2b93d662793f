/*
 * tests/unit/test_roles.c -- the process diagram's tables kept whole:
 * the role rows and the channel matrix (common/roles.h) and the provider
 * table (broker/providers.c). Each check names a way a new row could be
 * added half-done: a worker no channel reaches, two descriptors on one
 * number, a provider whose worker the broker has no channel to, a role
 * without a filter, a profile found by a name that is not a row.
 *
 * Runs in: the test runner. Privilege: none.
 */
#include <check.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "broker/provider.h"
#include "common/fds.h"
#include "common/roles.h"
#include "common/sandbox.h"
#include "policy/internal.h"

/* Every row but the zeroed ROLE_NONE: a name, found again by it. */
START_TEST(test_rows_named)
{
	int i, j;

	ck_assert_ptr_null(role_defs[ROLE_NONE].name);
	for (i = 1; i < ROLE_N; i++) {
		ck_assert_ptr_nonnull(role_defs[i].name);
		ck_assert_int_eq(role_by_name(role_defs[i].name), i);
		for (j = i + 1; j < ROLE_N; j++)
			ck_assert_str_ne(role_defs[i].name, role_defs[j].name);
	}
	/* a name that is not a row is no role: never a default profile */
	ck_assert_int_eq(role_by_name("helper"), ROLE_NONE);
	ck_assert_int_eq(role_by_name("aksup-broker"), ROLE_NONE);
	ck_assert_int_eq(role_by_name(""), ROLE_NONE);
}
END_TEST

/* Our binaries are named; only the operator's program is not, and it
 * alone is confined entirely before exec. */
START_TEST(test_binary_or_external)
{
	int i;

	for (i = 1; i < ROLE_N; i++)
		ck_assert_msg((role_defs[i].binary == NULL) ==
		    ((role_defs[i].flags & RF_EXTERNAL) != 0), "%s",
		    role_defs[i].name);
}
END_TEST

/* Every role but the supervisor has a seccomp filter that builds and a
 * Landlock kind; the supervisor has neither. */
START_TEST(test_every_role_confined)
{
	int i, fd = open("/dev/null", O_WRONLY);

	ck_assert_int_ge(fd, 0);
	for (i = 1; i < ROLE_N; i++) {
		if (i == ROLE_SUPERVISOR) {
			ck_assert_int_eq(role_defs[i].landlock, LLK_NONE);
			ck_assert_int_eq(sandbox_seccomp_export((enum role)i,
			    fd), -1);
			continue;
		}
		ck_assert_msg(role_defs[i].landlock != LLK_NONE, "%s",
		    role_defs[i].name);
		ck_assert_msg(sandbox_seccomp_export((enum role)i, fd) == 0,
		    "%s: no filter", role_defs[i].name);
	}
	ck_assert_int_eq(sandbox_seccomp_export(ROLE_NONE, fd), -1);
	ck_assert_int_eq(sandbox_seccomp_export(ROLE_N, fd), -1);
	close(fd);
}
END_TEST

/* The descriptors a role finds after exec: its channel ends and its
 * other fixed numbers (common/fds.h), all distinct, none on 0-2. */
static void
check_fds(enum role r, const int *fixed, size_t nfixed)
{
	int seen[64] = { 0 }, fd, agent_fd = -1;
	enum role other;
	unsigned i;
	size_t k;

	for (k = 0; k < nfixed; k++) {
		ck_assert_int_gt(fixed[k], 2);
		ck_assert_msg(!seen[fixed[k]]++, "%s: fd %d twice",
		    role_defs[r].name, fixed[k]);
	}
	for (i = 0; i < chan_ndefs; i++) {
		if (chan_defs[i].a == r) {
			fd = chan_defs[i].fd_a;
			other = chan_defs[i].b;
		} else if (chan_defs[i].b == r) {
			fd = chan_defs[i].fd_b;
			other = chan_defs[i].a;
		} else
			continue;
		if (r == ROLE_SUPERVISOR) {
			ck_assert_int_eq(fd, -1);	/* kept where it is */
			continue;
		}
		ck_assert_int_gt(fd, 2);
		ck_assert_int_lt(fd, 64);
		/* the agent channel: one number, whichever row sits in
		 * the agent's seat (one per session) */
		if ((role_defs[other].flags & RF_AGENT) && fd == agent_fd)
			continue;
		if (role_defs[other].flags & RF_AGENT)
			agent_fd = fd;
		ck_assert_msg(!seen[fd]++, "%s: fd %d twice",
		    role_defs[r].name, fd);
	}
}

START_TEST(test_matrix_descriptors)
{
	static const int broker[] = { BROKER_FD_AUDIT, BROKER_FD_POLICY,
	    BROKER_FD_SEALKEY };
	static const int fs[] = { WORKER_FD_ROOT0 };
	int i;

	check_fds(ROLE_BROKER, broker, 3);
	check_fds(ROLE_WORKER_FS, fs, 1);
	for (i = 1; i < ROLE_N; i++)
		if (i != ROLE_BROKER && i != ROLE_WORKER_FS)
			check_fds((enum role)i, NULL, 0);
	/* the fs worker's roots come after its channel */
	ck_assert_int_gt(WORKER_FD_ROOT0, role_chan_fd(ROLE_WORKER_FS,
	    ROLE_BROKER));
}
END_TEST

/* Who talks to whom: the supervisor only to the broker; every worker
 * and every seat of the agent only to the broker; the agent's seat on
 * AGENT_FD; the broker's end of each worker on a number of its own. */
START_TEST(test_matrix_peers)
{
	unsigned i, j;
	int r;

	for (i = 0; i < chan_ndefs; i++) {
		const struct chan_def *c = &chan_defs[i];

		ck_assert_int_ne(c->a, c->b);
		ck_assert(c->a == ROLE_BROKER || c->b == ROLE_BROKER);
		for (j = i + 1; j < chan_ndefs; j++)
			ck_assert(!(chan_defs[j].a == c->a &&
			    chan_defs[j].b == c->b));
	}
	for (r = 1; r < ROLE_N; r++) {
		if (role_defs[r].flags & RF_AGENT)
			ck_assert_int_eq(role_chan_fd((enum role)r,
			    ROLE_BROKER), AGENT_FD);
		if (role_defs[r].flags & RF_WORKER)
			ck_assert_msg(role_chan_fd(ROLE_BROKER, (enum role)r) >
			    2, "%s has no channel to the broker",
			    role_defs[r].name);
		if (!(role_defs[r].flags & (RF_AGENT | RF_WORKER)) &&
		    r != ROLE_SUPERVISOR)
			ck_assert_int_eq(role_chan_fd((enum role)r,
			    ROLE_BROKER), -1);
	}
	ck_assert_int_eq(role_chan_fd(ROLE_SUPERVISOR, ROLE_WORKER_FS), -1);
	ck_assert_int_eq(role_chan_fd(ROLE_WORKER_FS, ROLE_AGENT_EXTERNAL),
	    -1);
}
END_TEST

/* A provider row per action of the policy, in its order; each worker it
 * names is a worker row the broker reaches, with messages that go from
 * the broker to it and back. */
START_TEST(test_providers)
{
	size_t i;

	ck_assert_uint_eq(nproviders, NACTIONS);
	for (i = 0; i < nproviders; i++) {
		const struct provider *pv = &providers[i];

		ck_assert_str_eq(pv->action, policy_actions[i]);
		ck_assert_ptr_eq(provider_of(pv->action), pv);
		ck_assert_ptr_nonnull(pv->params);
		if (pv->worker == ROLE_NONE) {
			ck_assert(!pv->closed);
			continue;
		}
		/* closed, but mcp.call: its params are the tool's
		 * arguments, checked by the mcp worker against the tool's
		 * inputSchema (the server's, not ours) */
		ck_assert(pv->closed || strcmp(pv->action, "mcp.call") == 0);
		ck_assert(role_defs[pv->worker].flags & RF_WORKER);
		ck_assert_int_gt(role_chan_fd(ROLE_BROKER, pv->worker), 2);
		ck_assert_ptr_nonnull(pv->encode);
		ck_assert_ptr_nonnull(pv->result);
		ck_assert_int_eq(wire_specs[pv->req].from, ROLE_BROKER);
		ck_assert_int_eq(wire_specs[pv->req].to, pv->worker);
		ck_assert_int_eq(wire_specs[pv->resp].from, pv->worker);
		ck_assert_int_eq(wire_specs[pv->resp].to, ROLE_BROKER);
		ck_assert_uint_le(pv->small_result, PROVIDER_SMALL_MAX);
		/* every answer begins with the reply header */
		ck_assert_uint_ge(wire_specs[pv->resp].min,
		    sizeof(struct reply_hdr));
	}
	ck_assert_ptr_null(provider_of("fs.readx"));
	ck_assert_ptr_null(provider_of(NULL));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("roles");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_rows_named);
	tcase_add_test(tc, test_binary_or_external);
	tcase_add_test(tc, test_every_role_confined);
	tcase_add_test(tc, test_matrix_descriptors);
	tcase_add_test(tc, test_matrix_peers);
	tcase_add_test(tc, test_providers);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
