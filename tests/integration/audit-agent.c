/*
 * tests/integration/audit-agent.c -- aksup-audit-agent: a test agent for
 * tests/integration/audit.sh. N threads share the agent channel (fd 3)
 * and each sends M requests without waiting (SEQPACKET keeps messages
 * whole); one thread reads every answer. Prints "answers=A ok=O
 * denied=D error=E" and exits 0 when all were answered.
 *
 * Runs in: an external agent of aksup run (Landlock, seccomp deny-list),
 * as the invoking user. Privilege: none; it only uses fd 3.
 *
 * usage: aksup-audit-agent STREAMS COUNT ALLOWED-PATH DENIED-PATH
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define FD	3

static int count;
static const char *allowed, *denied;

static void *
sender(void *arg)
{
	long t = (long)arg;
	char msg[4200];
	int i, n;

	for (i = 0; i < count; i++) {
		n = snprintf(msg, sizeof(msg), "{\"id\":%ld,\"action\":\"fs.read\","
		    "\"target\":\"%s\"}", t * 1000000 + i,
		    i % 4 == 3 ? denied : allowed);
		while (send(FD, msg, (size_t)n, MSG_NOSIGNAL) < 0)
			if (errno != EINTR) {
				perror("send");
				exit(1);
			}
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	pthread_t th[64];
	long streams, t, total, got = 0, ok = 0, den = 0, err = 0;
	static char buf[1 << 20];
	ssize_t n;

	if (argc != 5)
		return 2;
	streams = atol(argv[1]);
	count = atoi(argv[2]);
	allowed = argv[3];
	denied = argv[4];
	if (streams < 1 || streams > 64 || count < 1)
		return 2;
	total = streams * count;
	for (t = 0; t < streams; t++)
		if (pthread_create(&th[t], NULL, sender, (void *)t) != 0)
			return 1;
	while (got < total) {
		n = recv(FD, buf, sizeof(buf) - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		buf[n] = '\0';
		got++;
		if (strstr(buf, "\"status\":\"OK\""))
			ok++;
		else if (strstr(buf, "\"status\":\"DENIED\""))
			den++;
		else
			err++;
	}
	for (t = 0; t < streams; t++)
		pthread_join(th[t], NULL);
	printf("answers=%ld ok=%ld denied=%ld error=%ld\n", got, ok, den, err);
	return got == total ? 0 : 1;
}
