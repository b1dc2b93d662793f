/*
 * examples/example-agent.c -- an example external agent for `aksup run`:
 * it does the work an agent would do through the broker channel, then
 * tries to get around it, and reports what happened.
 *
 * Runs in: the agent seat (untrusted), confined by aksup: its only way to
 * act is the channel on $AKSUP_FD. Privilege: none.
 *
 *   aksup run --policy configs/restrictive.yaml -- aksup-example-agent [FILE...]
 *
 * Exit 0 when every attempt to get around the broker failed, 1 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/client.h"

static long long next_id = 1;

static void
show(int fd, const char *action, const char *target, const char *params)
{
	char *ans = aksup_call(fd, next_id++, action, target, params);

	printf("> %s %s\n  %s\n", action, target, ans ? ans : "(no answer)");
	free(ans);
}

int
main(int argc, char **argv)
{
	int fd, i, escaped = 0, s;

	if ((fd = aksup_channel()) < 0) {
		fprintf(stderr, "example-agent: no broker channel; run me "
		    "under 'aksup run'\n");
		return 2;
	}
	printf("== work, through the broker ==\n");
	if (argc < 2)
		show(fd, "fs.read", "/workspace/notes.txt", NULL);
	for (i = 1; i < argc; i++)
		show(fd, "fs.read", argv[i], NULL);
	show(fd, "fs.list", "/workspace", NULL);
	show(fd, "fs.write", "/workspace/output/summary.txt",
	    "{\"content\": \"summary written by the example agent\\n\"}");

	printf("== attempts to get around the policy ==\n");
	show(fd, "fs.read", "/etc/passwd", NULL);
	show(fd, "fs.read", "/workspace/../etc/passwd", NULL);
	show(fd, "net.http", "https://example.com/", NULL);

	printf("== attempts to get around the broker ==\n");
	if ((s = open("/etc/passwd", O_RDONLY)) >= 0) {
		printf("open(/etc/passwd): SUCCEEDED (not confined!)\n");
		close(s);
		escaped = 1;
	} else
		printf("open(/etc/passwd): %s\n", strerror(errno));
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) >= 0) {
		printf("socket(AF_INET): SUCCEEDED (not confined!)\n");
		close(s);
		escaped = 1;
	} else
		printf("socket(AF_INET): %s\n", strerror(errno));
	printf("%s\n", escaped ? "RESULT: the sandbox leaked" :
	    "RESULT: every way around the broker was closed");
	return escaped;
}
