/*
 * tests/integration/probe.c -- aksup-probe, a test agent: each mode does
 * one thing an agent (honest or hostile) could do on its channel, and
 * prints what happened for tests/integration/run.sh to check.
 *
 * Runs in: the agent seat under `aksup run` (untrusted, confined).
 *
 *   aksup-probe escape              open("/etc/passwd"), socket(AF_INET)
 *   aksup-probe raw JSON            send one raw message, print the answer
 *   aksup-probe oversize            send a message just above the broker's
 *                                   limit (1 MiB + 1 byte at most)
 *   aksup-probe fdpass TARGET       send a request carrying a descriptor
 *   aksup-probe wait TARGET         read TARGET, print "READY pid", wait for
 *                                   a line on stdin, read TARGET again
 *   aksup-probe orphan MARKER       leave a detached child behind, exit
 *   aksup-probe pipeline TARGET N   print "READY pid", wait for a line on
 *                                   stdin, send N requests at once (odd
 *                                   ids read TARGET, even ids read
 *                                   /etc/shadow), print "ANS id status"
 *                                   for each answer in arrival order
 *   aksup-probe pipeline TARGET N exit   the same, every request
 *                                   reading TARGET, but after sending
 *                                   wait for a second line, then exit
 *                                   having read no answer
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "agent/client.h"
#include "broker/broker.h"	/* BROKER_AGENT_MAX_MIN */

static char buf[AKSUP_MSG_MAX + 1];

static int
answer(int fd)
{
	ssize_t n = aksup_recv(fd, buf, sizeof(buf));

	if (n <= 0) {
		printf("EOF\n");
		return 1;
	}
	printf("%s\n", buf);
	fflush(stdout);
	return 0;
}

static int
mode_escape(void)
{
	int fd, escaped = 0;

	fd = open("/etc/passwd", O_RDONLY);
	printf("open: %s\n", fd >= 0 ? "OPENED" : strerror(errno));
	escaped |= fd >= 0;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	printf("socket: %s\n", fd >= 0 ? "OPENED" : strerror(errno));
	escaped |= fd >= 0;
	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	printf("socket6: %s\n", fd >= 0 ? "OPENED" : strerror(errno));
	escaped |= fd >= 0;
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	printf("unix-dgram: %s\n", fd >= 0 ? "OPENED" : strerror(errno));
	escaped |= fd >= 0;
	/* a named unix socket (dbus, docker...): refused before the path is
	 * even looked up, so EPERM rather than ENOENT */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd >= 0) {
		struct sockaddr_un sa;

		memset(&sa, 0, sizeof(sa));
		sa.sun_family = AF_UNIX;
		snprintf(sa.sun_path, sizeof(sa.sun_path), "/run/aksup-none.sock");
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			printf("unix-connect: CONNECTED\n");
			escaped = 1;
		} else
			printf("unix-connect: %s\n", strerror(errno));
	}
	return escaped;
}

/*
 * One message larger than the broker's limit that the kernel accepts:
 * the broker's limit is min(1 MiB, its SO_SNDBUF - 32 KiB) (broker/main.c),
 * and both ends of the agent channel get the same buffer size
 * (supervisor/session.c), so a message of min(1 MiB + 1, our SO_SNDBUF
 * - 64) is always above it and within what the kernel sends (up to
 * SO_SNDBUF - 32). Our buffer is left as the supervisor sized it.
 * Prints "sent N", then the answer (EOF: the broker ended the agent).
 * Only with a buffer of at most 64 KiB is the broker's limit the full
 * 1 MiB, which no message this kernel sends exceeds: "skip: ...".
 */
static int
mode_oversize(int fd)
{
	size_t len = AKSUP_MSG_MAX + 1;
	int sndbuf = 0;
	socklen_t sl = sizeof(sndbuf);
	char *m;

	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &sl) < 0) {
		printf("getsockopt: %s\n", strerror(errno));
		return 2;
	}
	if (sndbuf <= BROKER_AGENT_MAX_MIN + 32 * 1024) {
		printf("skip: SO_SNDBUF %d: the broker takes up to 1 MiB, the "
		    "kernel sends at most %d bytes\n", sndbuf, sndbuf - 32);
		return 3;
	}
	if ((size_t)sndbuf - 64 < len)
		len = (size_t)sndbuf - 64;
	if ((m = malloc(len)) == NULL)
		return 2;
	memset(m, ' ', len);
	m[0] = '{';
	m[len - 1] = '}';
	printf("sent %zu\n", len);
	if (aksup_send(fd, m, len) < 0) {
		printf("send: %s\n", strerror(errno));
		free(m);
		return 2;
	}
	free(m);
	return answer(fd);
}

static int
mode_fdpass(int fd, const char *target)
{
	char *req = aksup_request_json(1, "fs.read", target, NULL);
	union {
		struct cmsghdr align;
		char b[CMSG_SPACE(sizeof(int))];
	} c;
	struct msghdr mh;
	struct iovec v;
	struct cmsghdr *cm;
	int pass = 1;	/* stdout */

	v.iov_base = req;
	v.iov_len = strlen(req);
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &v;
	mh.msg_iovlen = 1;
	mh.msg_control = c.b;
	mh.msg_controllen = sizeof(c.b);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &pass, sizeof(int));
	if (sendmsg(fd, &mh, 0) < 0) {
		printf("sendmsg: %s\n", strerror(errno));
		return 2;
	}
	free(req);
	return answer(fd);
}

static int
mode_wait(int fd, const char *target)
{
	char *ans, line[64];

	ans = aksup_call(fd, 1, "fs.read", target, NULL);
	printf("%s\n", ans ? ans : "EOF");
	free(ans);
	printf("READY %d\n", (int)getpid());
	fflush(stdout);
	if (fgets(line, sizeof(line), stdin) == NULL)
		return 2;
	ans = aksup_call(fd, 2, "fs.read", target, NULL);
	printf("%s\n", ans ? ans : "EOF");
	free(ans);
	return 0;
}

static int
mode_orphan(const char *marker)
{
	pid_t pid = fork();

	if (pid == 0) {
		setsid();
		if (fork() == 0) {
			char cmd[256];

			snprintf(cmd, sizeof(cmd), "sleep 300; : %s", marker);
			execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
			_exit(1);
		}
		_exit(0);
	}
	sleep(1);
	printf("left a child behind\n");
	return 0;
}

static int
mode_pipeline(int fd, const char *target, int n, int leave)
{
	char line[64], *req;
	json_t *a;
	int i;

	printf("READY %d\n", (int)getpid());
	if (fgets(line, sizeof(line), stdin) == NULL)
		return 2;
	for (i = 1; i <= n; i++) {
		/* (leaving: all allowed, so no answer waits unread in its
		 * socket when it goes: its end closes without an error) */
		req = aksup_request_json(i, "fs.read", i % 2 || leave ? target :
		    "/etc/shadow", NULL);
		if (req == NULL || aksup_send(fd, req, strlen(req)) < 0)
			return 2;
		free(req);
	}
	if (leave) {
		printf("SENT %d\n", n);
		return fgets(line, sizeof(line), stdin) == NULL ? 2 : 0;
	}
	for (i = 1; i <= n; i++) {
		if (aksup_recv(fd, buf, sizeof(buf)) <= 0) {
			printf("EOF\n");
			return 1;
		}
		if ((a = json_loads(buf, 0, NULL)) == NULL)
			return 2;
		printf("ANS %lld %s\n", (long long)json_integer_value(
		    json_object_get(a, "id")), json_string_value(
		    json_object_get(a, "status")));
		json_decref(a);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		return 2;
	if (strcmp(argv[1], "escape") == 0)
		return mode_escape();
	if (strcmp(argv[1], "orphan") == 0 && argc == 3)
		return mode_orphan(argv[2]);
	if ((fd = aksup_channel()) < 0) {
		fprintf(stderr, "probe: no channel\n");
		return 2;
	}
	if (strcmp(argv[1], "raw") == 0 && argc == 3) {
		if (aksup_send(fd, argv[2], strlen(argv[2])) < 0)
			return 2;
		return answer(fd);
	}
	if (strcmp(argv[1], "oversize") == 0)
		return mode_oversize(fd);
	if (strcmp(argv[1], "fdpass") == 0 && argc == 3)
		return mode_fdpass(fd, argv[2]);
	if (strcmp(argv[1], "wait") == 0 && argc == 3)
		return mode_wait(fd, argv[2]);
	if (strcmp(argv[1], "pipeline") == 0 && (argc == 4 || (argc == 5 &&
	    strcmp(argv[4], "exit") == 0)))
		return mode_pipeline(fd, argv[2], atoi(argv[3]), argc == 5);
	return 2;
}
