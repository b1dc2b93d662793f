/*
 * tests/unit/test_client.c -- the client library reads every answer the
 * broker can send (agent/client.c).
 */
#include <check.h>
#include <string.h>

#include "agent/client.h"

static const struct {
	const char *answer, *status;	/* status NULL: -1 expected */
} cases[] = {
	{ "{\"id\":1,\"status\":\"OK\",\"data\":\"hi\",\"error\":null,\"record_id\":\"r\"}", "OK" },
	/* a NUL character in the data (an older broker's fs.read of a
	 * file holding one) is still an OK answer */
	{ "{\"id\":1,\"status\":\"OK\",\"data\":\"a\\u0000b\",\"error\":null,\"record_id\":\"r\"}", "OK" },
	{ "{\"id\":\"x\",\"status\":\"ERROR\",\"data\":null,\"error\":\"file holds a NUL byte (use encoding base64)\",\"record_id\":\"r\"}", "ERROR" },
	{ "{\"id\":null,\"status\":\"DENIED\",\"data\":null,\"error\":\"not permitted\",\"record_id\":\"r\"}", "DENIED" },
	{ "{\"id\":1,\"status\":5}", NULL },
	{ "[\"OK\"]", NULL },
	{ "not json", NULL },
};

START_TEST(test_answer_status)
{
	char st[16] = "";
	int rc = aksup_answer_status(cases[_i].answer, st, sizeof(st));

	if (cases[_i].status == NULL) {
		ck_assert_int_eq(rc, -1);
		return;
	}
	ck_assert_msg(rc == 0, "case %d: %s", _i, cases[_i].answer);
	ck_assert_str_eq(st, cases[_i].status);
}
END_TEST

/* A status longer than the caller's buffer is refused, not cut. */
START_TEST(test_answer_status_short_buffer)
{
	char st[3];

	ck_assert_int_eq(aksup_answer_status("{\"status\":\"DENIED\"}", st,
	    sizeof(st)), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("client");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_answer_status, 0,
	    sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_answer_status_short_buffer);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
