/*
 * audit/audit.c -- the audit log writer: hash-chained JSON Lines.
 *
 * Runs in: the broker, confined (seccomp allow-list), with no privileges.
 * It acts only on the log fd the supervisor opened for it (O_APPEND).
 *
 * Everything that may touch the file system or ask the kernel for
 * randomness (OpenSSL configuration and digest fetch, the jansson hash
 * seed) happens in audit_open(), which the broker calls before it enters
 * its sandbox. audit_write() then only needs clock_gettime(2), write(2)
 * and memory: the timestamp is computed by hand from the epoch seconds,
 * because gmtime_r() may try to load /etc/localtime on its first call.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "audit/audit.h"

#define AUDIT_CHUNK	(64 * 1024)
#define AUDIT_TAIL_MAX	(4 * 1024 * 1024)	/* longest tail we search */
/* A line must fit the tail window of the next audit_open, together with
 * its newline and the newline that precedes it. */
#define AUDIT_LINE_MAX	(AUDIT_TAIL_MAX - 2)

struct audit {
	int		 fd;
	uint64_t	 seq;		/* seq of the last record */
	char		 prev[65];	/* hash of the last record line */
	int		 torn;		/* log ends in a torn line: prefix "\n" */
	int		 broken;	/* a write failed: refuse all further */
	EVP_MD		*md;
	EVP_MD_CTX	*ctx;
};

static const char zero_hash[65] =
    "0000000000000000000000000000000000000000000000000000000000000000";

static void
hex_encode(const unsigned char *d, size_t n, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 0xf];
	}
	hex[2 * n] = '\0';
}

void
audit_sha256_hex(const void *buf, size_t len, char hex[65])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_Digest(buf, len, d, &n, EVP_sha256(), NULL) != 1 || n != 32) {
		/* Cannot happen with a working libcrypto; never leave the
		 * caller with an uninitialised buffer that looks valid. */
		memset(hex, 'x', 64);
		hex[64] = '\0';
		return;
	}
	hex_encode(d, n, hex);
}

/* Hash with the context prepared in audit_open (no fetch, no config). */
static int
chain_hash(struct audit *a, const void *buf, size_t len, char hex[65])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_DigestInit_ex(a->ctx, a->md, NULL) != 1 ||
	    EVP_DigestUpdate(a->ctx, buf, len) != 1 ||
	    EVP_DigestFinal_ex(a->ctx, d, &n) != 1 || n != 32)
		return -1;
	hex_encode(d, n, hex);
	return 0;
}

static ssize_t
pread_full(int fd, char *buf, size_t len, off_t off)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pread(fd, buf + done, len - done, off + (off_t)done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

/*
 * Find the last complete line of the file (size > 0). On success *line
 * (malloc'd, no newline) and *linelen are set; *line is NULL when the
 * file holds no complete line at all. *torn tells whether the file does
 * not end in a newline.
 */
static int
read_last_line(int fd, off_t size, char **line, size_t *linelen, int *torn,
    char *err, size_t errlen)
{
	char *buf = NULL, *nl, *start;
	size_t win = AUDIT_CHUNK, have, end;
	off_t off;
	int ret = -1;

	*line = NULL;
	*linelen = 0;
	*torn = 0;
	for (;;) {
		if ((off_t)win > size)
			win = (size_t)size;
		off = size - (off_t)win;
		free(buf);
		if ((buf = malloc(win)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		if (pread_full(fd, buf, win, off) != (ssize_t)win) {
			snprintf(err, errlen, "cannot read the log: %s",
			    errno == EBADF ? "fd not open for reading" :
			    errno ? strerror(errno) : "short read");
			goto out;
		}
		*torn = buf[win - 1] != '\n';
		/* end: one past the last byte of the last complete line */
		nl = memrchr(buf, '\n', win);
		if (nl == NULL) {
			if (off == 0) {		/* only a torn fragment */
				ret = 0;
				goto out;
			}
			goto grow;
		}
		end = (size_t)(nl - buf);
		start = memrchr(buf, '\n', end);
		if (start != NULL || off == 0) {
			start = start ? start + 1 : buf;
			have = (size_t)(buf + end - start);
			if ((*line = malloc(have + 1)) == NULL) {
				snprintf(err, errlen, "out of memory");
				goto out;
			}
			memcpy(*line, start, have);
			(*line)[have] = '\0';
			*linelen = have;
			ret = 0;
			goto out;
		}
 grow:
		if (win >= AUDIT_TAIL_MAX) {
			snprintf(err, errlen, "cannot continue chain: last "
			    "line longer than %d bytes", AUDIT_TAIL_MAX);
			goto out;
		}
		win *= 2;
		if (win > AUDIT_TAIL_MAX)
			win = AUDIT_TAIL_MAX;
	}
 out:
	free(buf);
	return ret;
}

/* The seq of a record line, or 0 when the line is not a record. */
static uint64_t
record_seq(const char *line, size_t len)
{
	json_t *o, *s;
	json_int_t v;
	uint64_t seq = 0;

	if ((o = json_loadb(line, len, 0, NULL)) == NULL)
		return 0;
	if (json_is_object(o) && (s = json_object_get(o, "seq")) != NULL &&
	    json_is_integer(s) && (v = json_integer_value(s)) > 0)
		seq = (uint64_t)v;
	json_decref(o);
	return seq;
}

int
audit_open(int fd, struct audit **out, char *err, size_t errlen)
{
	struct audit *a;
	struct stat st;
	char *line = NULL;
	size_t linelen;

	*out = NULL;
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	a->fd = fd;
	memcpy(a->prev, zero_hash, sizeof(a->prev));

	/* Before the sandbox: seed jansson's hash (reads /dev/urandom) and
	 * fetch SHA-256 (may read openssl.cnf), so that neither happens
	 * lazily under the seccomp filter. */
	json_object_seed(0);
	if ((a->md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL ||
	    (a->ctx = EVP_MD_CTX_new()) == NULL) {
		snprintf(err, errlen, "cannot set up SHA-256");
		goto fail;
	}
	if (chain_hash(a, "", 0, a->prev) == -1) {
		snprintf(err, errlen, "cannot compute SHA-256");
		goto fail;
	}
	memcpy(a->prev, zero_hash, sizeof(a->prev));

	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "cannot stat the log: %s",
		    strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "the log is not a regular file");
		goto fail;
	}
	if (st.st_size == 0)
		goto done;
	if (read_last_line(fd, st.st_size, &line, &linelen, &a->torn,
	    err, errlen) == -1)
		goto fail;
	/*
	 * A torn fragment (a crash in the middle of a write) is not part of
	 * the chain. Its terminating newline is written together with the
	 * next record, in the same write(2): writing it here would leave a
	 * "complete" garbage last line, and the next open would refuse the
	 * log if the broker died before its first record.
	 */
	if (line != NULL) {
		if ((a->seq = record_seq(line, linelen)) == 0) {
			snprintf(err, errlen, "cannot continue chain: last "
			    "line is not a record");
			goto fail;
		}
		if (chain_hash(a, line, linelen, a->prev) == -1) {
			snprintf(err, errlen, "cannot compute SHA-256");
			goto fail;
		}
	}
 done:
	free(line);
	*out = a;
	return 0;
 fail:
	free(line);
	audit_close(a);
	return -1;
}

/*
 * UTC calendar date from days since 1970-01-01 (H. Hinnant's
 * civil_from_days), so no libc time zone state is ever touched.
 */
static void
civil_from_days(long long z, long long *y, unsigned *m, unsigned *d)
{
	long long era, yy;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = (long long)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yy + (*m <= 2);
}

static int
timestamp(char *buf, size_t len)
{
	struct timespec ts;
	long long days, secs, y;
	unsigned m, d;
	int n;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		return -1;
	days = (long long)ts.tv_sec / 86400;
	secs = (long long)ts.tv_sec % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	n = snprintf(buf, len, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%06ldZ",
	    y, m, d, secs / 3600, secs / 60 % 60, secs % 60,
	    (long)(ts.tv_nsec / 1000));
	return n > 0 && (size_t)n < len ? 0 : -1;
}

/* A string, or null when absent or refused by jansson (not UTF-8). */
static json_t *
str_or_null(const char *s)
{
	json_t *j;

	if (s == NULL || (j = json_string(s)) == NULL)
		return json_null();
	return j;
}

static json_t *
duration(double ms)
{
	char buf[64];
	json_t *j;

	/* Three decimals; NaN and infinities are not JSON numbers. */
	if (snprintf(buf, sizeof(buf), "%.3f", ms) >= (int)sizeof(buf) ||
	    (j = json_real(strtod(buf, NULL))) == NULL)
		return json_null();
	return j;
}

static json_t *
make_record(struct audit *a, const struct audit_rec *r, const char *ts)
{
	json_t *o;
	int bad = 0;

	if ((o = json_object()) == NULL)
		return NULL;
	bad |= json_object_set_new(o, "seq", json_integer(
	    (json_int_t)(a->seq + 1)));
	bad |= json_object_set_new(o, "timestamp", json_string(ts));
	bad |= json_object_set_new(o, "type", str_or_null(r->type));
	bad |= json_object_set_new(o, "action", str_or_null(r->action));
	bad |= json_object_set_new(o, "target", str_or_null(r->target));
	bad |= json_object_set_new(o, "status", str_or_null(r->status));
	bad |= json_object_set_new(o, "rule", str_or_null(r->rule));
	bad |= json_object_set_new(o, "error", str_or_null(r->error));
	bad |= json_object_set_new(o, "duration_ms", duration(r->duration_ms));
	bad |= json_object_set_new(o, "record_id", str_or_null(r->record_id));
	bad |= json_object_set_new(o, "prev", json_string(a->prev));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int
audit_write(struct audit *a, const struct audit_rec *r)
{
	const size_t flags = JSON_COMPACT | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(15);
	json_t *o = NULL;
	char ts[40], hex[65], *buf = NULL, *line;
	size_t len, pre, total;
	ssize_t n;
	int ret = -1;

	if (a == NULL || r == NULL || a->broken)
		return -1;
	if (timestamp(ts, sizeof(ts)) == -1 ||
	    (o = make_record(a, r, ts)) == NULL)
		goto out;
	if ((len = json_dumpb(o, NULL, 0, flags)) == 0 || len > AUDIT_LINE_MAX)
		goto out;
	pre = a->torn ? 1 : 0;
	total = pre + len + 1;
	if ((buf = malloc(total)) == NULL)
		goto out;
	line = buf + pre;
	if (json_dumpb(o, line, len, flags) != len)
		goto out;
	if (pre)
		buf[0] = '\n';
	line[len] = '\n';
	if (chain_hash(a, line, len, hex) == -1)
		goto out;

	/* One write(2): with O_APPEND the line lands whole at the end. A
	 * write interrupted before transferring anything returns EINTR. */
	do {
		n = write(a->fd, buf, total);
	} while (n == -1 && errno == EINTR);
	if (n != (ssize_t)total) {
		/* Part of the line may be in the file: the chain cannot be
		 * continued by this process. The caller fails closed. */
		if (n > 0)
			a->broken = 1;
		goto out;
	}
	a->torn = 0;
	a->seq++;
	memcpy(a->prev, hex, sizeof(a->prev));
	ret = 0;
 out:
	free(buf);
	json_decref(o);
	return ret;
}

uint64_t
audit_seq(const struct audit *a)
{
	return a->seq;
}

void
audit_close(struct audit *a)
{
	if (a == NULL)
		return;
	EVP_MD_CTX_free(a->ctx);
	EVP_MD_free(a->md);
	free(a);
}
