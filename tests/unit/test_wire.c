/*
 * tests/unit/test_wire.c -- the internal message table and the checks a
 * receiver makes before any handler runs (common/chan.c), on real
 * socketpairs; and the one logging API, which keeps a peer's bytes from
 * steering the operator's terminal (common/log.c).
 */
#include <check.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/chan.h"
#include "common/log.h"

static void
mkmsg(uint8_t *buf, uint32_t type, uint32_t len)
{
	struct wire_hdr h = { type, len, 1 };

	memcpy(buf, &h, sizeof(h));
}

/* Issue 10 (attacker review): the broker's "agent broke framing (...)"
 * quoted jansson's "near '...'", raw agent bytes, to stderr. Every
 * control (ESC, C1), bidi override, invisible format character and
 * invalid byte is '?' on stderr; a tab and plain UTF-8 stay. */
START_TEST(test_log_terminal_safe)
{
	static const char want[] =
	    "t: near '?[2J?]0;x??+??\t\xc3\xa9 ok?'\n";
	char got[256];
	int p[2], saved;
	ssize_t n;

	ck_assert_int_eq(pipe(p), 0);
	saved = dup(STDERR_FILENO);
	dup2(p[1], STDERR_FILENO);
	log_init("t");
	log_warnx("near '%s'", "\x1b[2J\x9b]0;x\x07\xe2\x80\xae+"
	    "\xe2\x80\x8b\xff\t\xc3\xa9 ok\n");
	dup2(saved, STDERR_FILENO);
	close(p[1]);
	n = read(p[0], got, sizeof(got) - 1);
	close(p[0]);
	ck_assert_int_gt(n, 0);
	got[n] = '\0';
	ck_assert_str_eq(got, want);
}
END_TEST

START_TEST(test_check_table)
{
	uint8_t buf[256];
	struct chan broker_side, worker_side;
	struct msg m;
	size_t fsq = sizeof(struct fs_req), fsr = sizeof(struct reply_hdr);

	chan_init(&broker_side, -1, ROLE_BROKER, ROLE_WORKER_FS, "fs worker");
	chan_init(&worker_side, -1, ROLE_WORKER_FS, ROLE_BROKER, "broker");
	memset(buf, 0, sizeof(buf));

	/* right type, direction and size */
	mkmsg(buf, WIRE_FS_RESP, (uint32_t)fsr);
	ck_assert_ptr_null(wire_check(&broker_side, buf, sizeof(struct wire_hdr) + fsr, &m));
	mkmsg(buf, WIRE_FS_REQ, (uint32_t)fsq);
	ck_assert_ptr_null(wire_check(&worker_side, buf, sizeof(struct wire_hdr) + fsq, &m));
	/* wrong sender: a worker may not send a request */
	ck_assert_ptr_nonnull(wire_check(&broker_side, buf, sizeof(struct wire_hdr) + fsq, &m));
	/* a worker may not claim to be the broker talking to the supervisor */
	mkmsg(buf, WIRE_BROKER_READY, 0);
	ck_assert_ptr_nonnull(wire_check(&broker_side, buf, sizeof(struct wire_hdr), &m));
	/* unknown types */
	mkmsg(buf, 0, 0);
	ck_assert_ptr_nonnull(wire_check(&broker_side, buf, sizeof(struct wire_hdr), &m));
	mkmsg(buf, WIRE_NTYPES, 0);
	ck_assert_ptr_nonnull(wire_check(&broker_side, buf, sizeof(struct wire_hdr), &m));
	/* length field disagrees with the packet */
	mkmsg(buf, WIRE_FS_RESP, (uint32_t)fsr + 4);
	ck_assert_ptr_nonnull(wire_check(&broker_side, buf, sizeof(struct wire_hdr) + fsr, &m));
	/* below the minimum size */
	mkmsg(buf, WIRE_FS_RESP, 2);
	ck_assert_ptr_nonnull(wire_check(&broker_side, buf, sizeof(struct wire_hdr) + 2, &m));
	/* shorter than a header */
	ck_assert_ptr_nonnull(wire_check(&broker_side, buf, 3, &m));
}
END_TEST

/* WF_ONCE: a second BROKER_READY (or SESSION_STOP) on one channel is a
 * violation, over a real socketpair: the receiver dies saying so. */
START_TEST(test_once_messages)
{
	struct chan tx, rx;
	struct msg m;
	uint8_t buf[64];
	struct iovec iov = { "aksup-wire-x", 13 };
	int sv[2], st;
	pid_t pid;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
	    sv), 0);
	chan_init(&tx, sv[0], ROLE_BROKER, ROLE_SUPERVISOR, "supervisor");
	ck_assert_int_eq(chan_send(&tx, WIRE_BROKER_READY, 0, &iov, 1), 0);
	ck_assert_int_eq(chan_send(&tx, WIRE_BROKER_READY, 0, &iov, 1), 0);
	if ((pid = fork()) == 0) {
		chan_init(&rx, sv[1], ROLE_SUPERVISOR, ROLE_BROKER, "broker");
		if (chan_recv(&rx, buf, sizeof(buf), &m) != 1)
			_exit(3);
		(void)chan_recv(&rx, buf, sizeof(buf), &m);	/* fatal */
		_exit(0);
	}
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 1);	/* fatalx */
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(test_roundtrip_socketpair)
{
	int sv[2];
	struct chan a, b;
	struct reply_hdr r = { 1, 0 };
	struct iovec iov[2];
	uint8_t buf[1024];
	struct msg m;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	chan_init(&a, sv[0], ROLE_WORKER_FS, ROLE_BROKER, "broker");
	chan_init(&b, sv[1], ROLE_BROKER, ROLE_WORKER_FS, "fs worker");
	iov[0].iov_base = &r;
	iov[0].iov_len = sizeof(r);
	iov[1].iov_base = "\"hi\"";
	iov[1].iov_len = 4;
	ck_assert_int_eq(chan_send(&a, WIRE_FS_RESP, 42, iov, 2), 0);
	ck_assert_int_eq(chan_recv(&b, buf, sizeof(buf), &m), 1);
	ck_assert_uint_eq(m.hdr.type, WIRE_FS_RESP);
	ck_assert_uint_eq(m.hdr.tag, 42);
	ck_assert_uint_eq(m.hdr.len, sizeof(r) + 4);
	ck_assert_int_eq(memcmp(m.payload + sizeof(r), "\"hi\"", 4), 0);
	/* the sender refuses what the table forbids */
	iov[0].iov_len = 2;
	ck_assert_int_eq(chan_send(&a, WIRE_FS_RESP, 1, iov, 1), -1);
	close(sv[0]);
	ck_assert_int_eq(chan_recv(&b, buf, sizeof(buf), &m), 0);
	close(sv[1]);
}
END_TEST

/* A violation on a real channel is fatal: the receiver exits 1. */
START_TEST(test_violation_is_fatal)
{
	int sv[2];
	struct chan b;
	uint8_t buf[64];
	struct msg m;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	chan_init(&b, sv[1], ROLE_BROKER, ROLE_WORKER_FS, "fs worker");
	mkmsg(buf, 999, 0);
	ck_assert_int_eq(write(sv[0], buf, sizeof(struct wire_hdr)),
	    (ssize_t)sizeof(struct wire_hdr));
	chan_recv(&b, buf, sizeof(buf), &m);
	ck_abort_msg("chan_recv returned on a violation");
}
END_TEST

/*
 * Issue 12: a descriptor riding on an internal message is a protocol
 * violation from a trusted peer, fatal like any other (no message type
 * carries one). A well-formed FS_RESP from the fs worker's side, first
 * plain (received), then the same with an fd in SCM_RIGHTS: the
 * receiver, a forked child with its stderr on a pipe, must exit 1 and
 * say "descriptor". Had chan_recv only closed the fd and gone on, the
 * message would have been handled (the child exits 0).
 */
START_TEST(test_fd_on_internal_channel_is_fatal)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} cbuf;
	struct reply_hdr r = { 1, 0 };
	struct cmsghdr *cm;
	struct msghdr mh;
	struct iovec iov[2];
	struct wire_hdr h = { WIRE_FS_RESP, sizeof(r), 7 };
	int sv[2], errp[2], pp[2], st, i;
	char err[512];
	ssize_t n;
	pid_t pid;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	ck_assert_int_eq(pipe(errp), 0);
	ck_assert_int_eq(pipe(pp), 0);	/* the descriptor passed */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct chan b;
		struct msg m;
		uint8_t buf[256];

		dup2(errp[1], STDERR_FILENO);
		log_init("t");
		chan_init(&b, sv[1], ROLE_BROKER, ROLE_WORKER_FS, "fs worker");
		if (chan_recv(&b, buf, sizeof(buf), &m) != 1 ||
		    m.hdr.type != WIRE_FS_RESP)
			_exit(3);	/* the plain message is good */
		if (chan_recv(&b, buf, sizeof(buf), &m) == 1 &&
		    m.hdr.type == WIRE_FS_RESP && m.hdr.tag == 7)
			_exit(0);	/* handed on, fd and all */
		_exit(4);
	}
	close(errp[1]);
	close(sv[1]);
	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = &r;
	iov[1].iov_len = sizeof(r);
	for (i = 0; i < 2; i++) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = iov;
		mh.msg_iovlen = 2;
		if (i == 1) {
			memset(&cbuf, 0, sizeof(cbuf));
			mh.msg_control = cbuf.buf;
			mh.msg_controllen = sizeof(cbuf.buf);
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cm), &pp[0], sizeof(int));
		}
		ck_assert_int_eq(sendmsg(sv[0], &mh, MSG_NOSIGNAL),
		    (ssize_t)(sizeof(h) + sizeof(r)));
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	n = read(errp[0], err, sizeof(err) - 1);
	err[n > 0 ? n : 0] = '\0';
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 1,
	    "receiver: status %#x (0: the message with an fd was handled), "
	    "stderr: %s", (unsigned)st, err);
	ck_assert_msg(strstr(err, "protocol violation from fs worker: "
	    "descriptor") != NULL, "stderr: %s", err);
	close(errp[0]);
	close(pp[0]);
	close(pp[1]);
	close(sv[0]);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("wire");
	TCase *lc = tcase_create("log");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_check_table);
	tcase_add_test(tc, test_once_messages);
	tcase_add_test(tc, test_roundtrip_socketpair);
	tcase_add_exit_test(tc, test_violation_is_fatal, 1);
	tcase_add_test(tc, test_fd_on_internal_channel_is_fatal);
	suite_add_tcase(s, tc);
	tcase_add_test(lc, test_log_terminal_safe);
	suite_add_tcase(s, lc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
