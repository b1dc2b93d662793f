/*
 * tests/unit/test_beneath.c -- open_beneath (workers/fs/beneath.c), the
 * fs worker's every open, attacked on its own: a `..` out of the root,
 * an absolute path, a symlink (leading out, and one staying inside).
 * Each must fail with the errno openat2's RESOLVE_* flags give.
 *
 * Issue 12: with RESOLVE_BENEATH removed the worker's other checks
 * (names_ok refuses `..` segments, the broker refuses such targets,
 * Landlock) still refused every integration attack, so nothing failed;
 * here "../x" and the absolute path open.
 *
 * Runs in: the test runner, as the invoking user, unconfined; a
 * directory from mkdtemp in /tmp, removed at the end.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "workers/fs/beneath.h"

static char top[] = "/tmp/test_beneath.XXXXXX";
static char path[PATH_MAX];

static void
put(const char *rel, const char *text)
{
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", top, rel);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/*
 * TOP/root/in.txt       the root's own file (opens)
 * TOP/root/inlink       -> in.txt (stays inside, still a symlink)
 * TOP/root/outlink      -> ../outside
 * TOP/outside/secret.txt, TOP/x
 * Made and removed by the runner (an unchecked fixture), so a failed
 * test leaves nothing behind.
 */
static void
setup(void)
{
	char p2[PATH_MAX];

	ck_assert_ptr_nonnull(mkdtemp(top));
	snprintf(path, sizeof(path), "%s/root", top);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/outside", top);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	put("root/in.txt", "in\n");
	put("outside/secret.txt", "secret\n");
	put("x", "x\n");
	snprintf(p2, sizeof(p2), "%s/root/inlink", top);
	ck_assert_int_eq(symlink("in.txt", p2), 0);
	snprintf(p2, sizeof(p2), "%s/root/outlink", top);
	ck_assert_int_eq(symlink("../outside", p2), 0);
}

static void
teardown(void)
{
	static const char *const rel[] = { "root/in.txt", "root/inlink",
	    "root/outlink", "outside/secret.txt", "x", "made", "root/made",
	    "root", "outside", NULL };
	int i;

	for (i = 0; rel[i] != NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s", top, rel[i]);
		(void)remove(path);
	}
	(void)rmdir(top);
}

/* open_beneath(root, p, flags) must fail with errno `want`. */
static void
refused(int root, const char *p, int flags, int want)
{
	int fd;

	errno = 0;
	fd = open_beneath(root, p, flags, 0);
	if (fd >= 0)
		close(fd);
	ck_assert_msg(fd < 0, "open_beneath(root, \"%s\", %#x) opened it",
	    p, (unsigned)flags);
	ck_assert_msg(errno == want, "open_beneath(root, \"%s\"): %s, want %s",
	    p, strerror(errno), strerror(want));
}

START_TEST(test_open_beneath_refuses_escapes)
{
	static const int flags[] = { O_RDONLY, O_PATH,
	    O_WRONLY | O_CREAT | O_EXCL };
	char abs[PATH_MAX];
	int root = -1, fd, i;

	snprintf(path, sizeof(path), "%s/root", top);
	root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(root, 0);
	/* the root's own file opens: the refusals below are not a broken
	 * function's */
	fd = open_beneath(root, "in.txt", O_RDONLY, 0);
	ck_assert_int_ge(fd, 0);
	close(fd);
	for (i = 0; i < (int)(sizeof(flags) / sizeof(flags[0])); i++) {
		/* `..` out of the root (same filesystem: only BENEATH
		 * refuses it) */
		refused(root, "../x", flags[i], EXDEV);
		refused(root, "../outside/secret.txt", flags[i], EXDEV);
		/* an absolute path, even to the root's own file */
		snprintf(abs, sizeof(abs), "%s/root/in.txt", top);
		refused(root, abs, flags[i], EXDEV);
		refused(root, "/etc/passwd", flags[i], EXDEV);
		/* through a symlink: out of the root, and one that stays
		 * inside (never followed at all) */
		refused(root, "outlink/secret.txt", flags[i], ELOOP);
		refused(root, "outlink/new.txt", flags[i], ELOOP);
		/* (O_EXCL never follows a last component: EEXIST) */
		refused(root, "inlink", flags[i],
		    (flags[i] & O_EXCL) ? EEXIST : ELOOP);
	}
	/* nothing is created outside the root */
	refused(root, "../made", O_WRONLY | O_CREAT | O_EXCL, EXDEV);
	snprintf(path, sizeof(path), "%s/made", top);
	ck_assert_msg(access(path, F_OK) < 0 && errno == ENOENT,
	    "../made was created");
	close(root);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("beneath");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_open_beneath_refuses_escapes);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
