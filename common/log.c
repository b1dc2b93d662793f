/*
 * common/log.c -- one logging API for every process (see log.h).
 * Runs in: every process. Privilege: none.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/jsonesc.h"
#include "common/log.h"

static const char *log_role = "aksup";
static int log_verbose;

void
log_init(const char *role)
{
	log_role = role;
}

void
log_set_verbose(int v)
{
	log_verbose = v;
}

/*
 * A message may carry bytes a peer chose (a path, jansson's "near '...'"
 * of an agent's request): every control but a tab, every invalid UTF-8
 * byte and every json_unsafe_cp() code point (C1, bidi, invisible
 * format characters) becomes '?', in place, so none reaches the
 * operator's terminal. Returns the new length (never longer).
 */
static size_t
terminal_safe(char *buf, size_t n)
{
	unsigned char *s = (unsigned char *)buf;
	size_t i = 0, o = 0, k;
	unsigned cp;

	while (i < n) {
		if ((k = utf8_decode(s + i, n - i, &cp)) == 0) {
			s[o++] = '?';
			i++;
		} else if (cp != '\t' && json_unsafe_cp(cp)) {
			s[o++] = '?';
			i += k;
		} else {
			memmove(s + o, s + i, k);
			o += k;
			i += k;
		}
	}
	return o;
}

static void __attribute__((format(printf, 1, 0)))
vlog(const char *fmt, va_list ap, int with_errno)
{
	char buf[1024];
	int saved = errno;
	int n, m;

	n = snprintf(buf, sizeof(buf), "%s: ", log_role);
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = 0;
	m = vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	if (m < 0)
		m = 0;
	n += m;
	if ((size_t)n >= sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	if (with_errno) {
		m = snprintf(buf + n, sizeof(buf) - n, ": %s", strerror(saved));
		if (m > 0)
			n += m;
		if ((size_t)n >= sizeof(buf) - 2)
			n = sizeof(buf) - 2;
	}
	n = (int)terminal_safe(buf, (size_t)n);
	buf[n++] = '\n';
	/* One write per line; a short write to stderr is not worth a retry. */
	if (write(STDERR_FILENO, buf, n) < 0) {
		/* nothing sensible to do */
	}
	errno = saved;
}

#define LOGFN(name, cond, err)			\
	void name(const char *fmt, ...)		\
	{					\
		va_list ap;			\
		if (!(cond))			\
			return;			\
		va_start(ap, fmt);		\
		vlog(fmt, ap, err);		\
		va_end(ap);			\
	}

LOGFN(log_debug, log_verbose > 1, 0)
LOGFN(log_info, log_verbose > 0, 0)
LOGFN(log_warn, 1, 1)
LOGFN(log_warnx, 1, 0)

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap, 1);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap, 0);
	va_end(ap);
	exit(1);
}
