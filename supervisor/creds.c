/*
 * supervisor/creds.c -- the credentials' values (docs/POLICY.md §13):
 * each source the policy names (BROKER_READY lists them: "ENV:NAME",
 * "FILE:/path"), read once from the operator's environment and files,
 * into a sealed memfd that only the http worker receives (on
 * HTTP_FD_CREDS). The broker, which loaded the policy, never holds a
 * value; no argv or environment of any role carries one.
 *
 * Runs in: aksup (the supervisor), unconfined, as the invoking user (or
 * root), before any worker starts. Input: the source names from the
 * broker's BROKER_READY (its first message, before any agent exists:
 * trusted, see common/wire.h), the operator's environment and files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "supervisor/session.h"

#define CRED_VALUE_MAX	(16 * 1024)	/* one value, bytes */

/* A value that can be a header's: no CR, LF, NUL or other control
 * character but a tab (the same rule as the templates). */
static int
value_ok(const char *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (((unsigned char)v[i] < 0x20 && v[i] != '\t') ||
		    v[i] == 0x7f)
			return 0;
	return 1;
}

/* FILE:/path's content, one trailing newline stripped, into buf. Read
 * as the operator: O_NOFOLLOW on the last component is not asked (a
 * key file may be a link the operator made); the policy is theirs. */
static ssize_t
read_file_value(const char *path, char *buf, size_t cap)
{
	struct stat st;
	ssize_t n, got = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return -1;
	/* a careless operator's key file: said, not refused (the policy
	 * is theirs; so is the file) */
	if (fstat(fd, &st) == 0 && (st.st_mode & S_IROTH))
		log_warnx("the secret FILE:%s is readable by every user of this "
		    "host (mode %04o): make it mode 0600, owned by the user "
		    "that runs aksup", path, (unsigned)(st.st_mode & 07777));
	while ((n = read(fd, buf + got, cap - (size_t)got)) > 0 &&
	    (size_t)(got += n) < cap)
		;
	close(fd);
	if (n < 0)
		return -1;
	if ((size_t)got == cap) {
		errno = EFBIG;
		return -1;
	}
	if (got > 0 && buf[got - 1] == '\n')
		got--;
	return got;
}

/* Append "SOURCE\0VALUE\0" to the memfd. */
static int
put(int fd, const char *s, size_t n)
{
	static const char nul = '\0';

	return write(fd, s, n) == (ssize_t)n && write(fd, &nul, 1) == 1 ? 0 :
	    -1;
}

int
creds_open(char *const *src, int nsrc, const char *what)
{
	static char buf[CRED_VALUE_MAX];
	const char *v;
	ssize_t n;
	int fd = -1, i;

	if (nsrc == 0)
		return -1;
	/* Safe: an anonymous file of ours; sealed before it is handed on,
	 * so the worker can read it and nothing can change it. */
	if ((fd = memfd_create("aksup-credentials", MFD_CLOEXEC |
	    MFD_ALLOW_SEALING)) < 0)
		fatal("memfd_create");
	for (i = 0; i < nsrc; i++) {
		if (strncmp(src[i], "ENV:", 4) == 0) {
			if ((v = getenv(src[i] + 4)) == NULL) {
				log_warnx("%s needs %s, "
				    "which is not set in aksup's environment; "
				    "set it (export %s=...) or remove the "
				    "entry", what, src[i], src[i] + 4);
				goto fail;
			}
			n = (ssize_t)strlen(v);
			if (n == 0) {
				log_warnx("%s needs %s, "
				    "which is set but empty in aksup's "
				    "environment: an empty secret "
				    "is a mistake; set it or remove the entry",
				    what, src[i]);
				goto fail;
			}
			if ((size_t)n >= sizeof(buf)) {
				log_warnx("%s: longer than %d bytes", src[i],
				    CRED_VALUE_MAX - 1);
				goto fail;
			}
			memcpy(buf, v, (size_t)n);
		} else if (strncmp(src[i], "FILE:/", 6) == 0) {
			if ((n = read_file_value(src[i] + 5, buf,
			    sizeof(buf))) < 0) {
				log_warnx("%s needs %s: "
				    "%s%s", what, src[i], errno == EFBIG ?
				    "larger than 16 KiB" : strerror(errno),
				    errno == EACCES ? " (aksup reads it as the "
				    "user that runs aksup: make it that user's, "
				    "mode 0600)" : "");
				goto fail;
			}
		} else
			fatalx("protocol violation from broker: bad "
			    "credential source");
		if (!value_ok(buf, (size_t)n)) {
			log_warnx("%s holds CR, LF, NUL or another control "
			    "character: it cannot be a header's value", src[i]);
			goto fail;
		}
		if (put(fd, src[i], strlen(src[i])) < 0 ||
		    put(fd, buf, (size_t)n) < 0)
			fatal("credentials memfd");
		explicit_bzero(buf, sizeof(buf));
	}
	memfd_seal(fd, "credentials memfd");
	return fd;
fail:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return -2;
}

void
memfd_seal(int fd, const char *what)
{
	/* Safe: ours, sealed before it is handed on: its reader sees what
	 * was written and nothing can change it. */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_WRITE | F_SEAL_SEAL) < 0 || lseek(fd, 0, SEEK_SET) != 0)
		fatal("%s: seal", what);
}
