/*
 * audit/audit.c -- the audit log writer: canonical, hash-chained JSON
 * Lines with forward-secure seals.
 *
 * Runs in: the broker, confined (seccomp allow-list), with no privileges.
 * It acts only on the log fd the supervisor opened and locked for it
 * (O_APPEND) and, once, on the seal-key fd the supervisor created
 * (O_CREAT|O_EXCL, 0600) -- it writes k_0 there and closes it.
 *
 * Everything that may touch the file system (OpenSSL configuration, the
 * SHA-256 and HMAC fetch, the jansson hash seed, the log's tail) happens
 * in audit_open(), before the broker enters its sandbox. Afterwards the
 * writer needs clock_gettime(2), write(2), fdatasync(2) (sync modes batch
 * and always), getrandom(2) (session id, k_0) and memory. The hot path
 * allocates nothing: one reused line buffer, one reused EVP_MD_CTX, one
 * reused EVP_MAC_CTX. The timestamp is computed by hand from the epoch
 * seconds, because gmtime_r() may load /etc/localtime on its first call.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

#include "audit/audit.h"
#include "common/jsonesc.h"
#include "common/hex.h"

#define AUDIT_CHUNK	(64 * 1024)
#define AUDIT_TAIL_MAX	(4 * 1024 * 1024)	/* longest tail we search */
/* A line must fit the tail window of the next audit_open, together with
 * its newline and the newline that precedes it. */
#define AUDIT_LINE_MAX	(AUDIT_TAIL_MAX - 2)


struct audit {
	int		 fd;
	struct audit_opts o;
	uint64_t	 seq;		/* seq of the last record */
	char		 prev[65];	/* hash of the last record line */
	unsigned char	 prev_raw[32];
	int64_t		 last_us;	/* time of the last record */
	int64_t		 ts_sec;	/* the second ts_prefix spells */
	char		 ts_prefix[24];	/* "YYYY-MM-DDTHH:MM:SS." */
	int		 torn;		/* log ends in a torn line */
	uint64_t	 torn_bytes;
	int		 broken;	/* a write failed: refuse all further */
	int		 hold;		/* commit() keeps the line for the next */
	int		 held;		/* the buffer starts with a kept line */
	int		 began, ended;
	/* what audit_open found about the previous session */
	int		 prev_clean;
	char		 prev_session[64];

	char		 session[37];
	uint64_t	 records;	/* request records in this session */
	uint64_t	 written;	/* bytes this session wrote */
	uint64_t	 reserved;	/* held for the outcomes of ALLOWED
					   decisions still in flight */
	uint64_t	 pending;	/* those decisions */
	uint64_t	 last_reserve;	/* the last ALLOWED decision's hold */
	uint64_t	 counts[AUDIT_S_N];

	/* seals */
	unsigned char	 key[AUDIT_KEY_LEN];	/* k_epoch */
	int		 have_key;
	uint64_t	 epoch;
	uint64_t	 since_seal;	/* records since the last seal */
	uint64_t	 last_seal_ns;

	/* durability */
	int		 dirty;		/* written, not yet fdatasync'd */
	uint64_t	 last_sync_ns;
	struct syncer	*sy;		/* batch: fdatasync off the request path */

	EVP_MD		*md;
	EVP_MD_CTX	*ctx;
	EVP_MAC		*mac;
	EVP_MAC_CTX	*mctx;

	char		*buf;		/* the line being built */
	size_t		 len, cap;
	size_t		 lstart;	/* 1 when the line follows a "\n" */
	int		 oom;
};

/*
 * sync=batch group commit in a thread of its own: a record is written
 * (write(2)) before its action runs, as always, and this thread makes
 * the log durable at most AUDIT_BATCH_MS later, without holding up the
 * request path (an fdatasync costs 0.1 to 3 ms here, docs/PERFORMANCE.md).
 * A failed fdatasync is seen by the next record, which fails closed.
 */
struct syncer {
	pthread_t	 th;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	int		 fd;
	int		 dirty, stop, failed;
	uint64_t	 last_ns;
};

static const char zero_hash[65] =
    "0000000000000000000000000000000000000000000000000000000000000000";

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

const char *
audit_sync_name(enum audit_sync s)
{
	switch (s) {
	case AUDIT_SYNC_ALWAYS: return "always";
	case AUDIT_SYNC_NONE: return "none";
	default: return "batch";
	}
}

int
audit_sync_parse(const char *s, enum audit_sync *out)
{
	if (strcmp(s, "batch") == 0)
		*out = AUDIT_SYNC_BATCH;
	else if (strcmp(s, "always") == 0)
		*out = AUDIT_SYNC_ALWAYS;
	else if (strcmp(s, "none") == 0)
		*out = AUDIT_SYNC_NONE;
	else
		return -1;
	return 0;
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
chain_hash(struct audit *a, const void *buf, size_t len, unsigned char d[32])
{
	unsigned int n = 0;

	if (EVP_DigestInit_ex(a->ctx, a->md, NULL) != 1 ||
	    EVP_DigestUpdate(a->ctx, buf, len) != 1 ||
	    EVP_DigestFinal_ex(a->ctx, d, &n) != 1 || n != 32)
		return -1;
	return 0;
}

void
audit_hash_hex(struct audit *a, const void *buf, size_t len, char hex[65])
{
	unsigned char d[32];

	if (chain_hash(a, buf, len, d) == -1) {
		memset(hex, 'x', 64);
		hex[64] = '\0';
		return;
	}
	hex_encode(d, 32, hex);
}

int
audit_key_evolve(const unsigned char k[AUDIT_KEY_LEN],
    unsigned char next[AUDIT_KEY_LEN])
{
	unsigned char buf[12 + AUDIT_KEY_LEN], d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	int ok;

	memcpy(buf, "aksup-evolve", 12);
	memcpy(buf + 12, k, AUDIT_KEY_LEN);
	ok = EVP_Digest(buf, sizeof(buf), d, &n, EVP_sha256(), NULL) == 1 &&
	    n == 32;
	if (ok)
		memcpy(next, d, AUDIT_KEY_LEN);
	OPENSSL_cleanse(buf, sizeof(buf));
	OPENSSL_cleanse(d, sizeof(d));
	return ok ? 0 : -1;
}

static void
be64(uint64_t v, unsigned char out[8])
{
	int i;

	for (i = 7; i >= 0; i--) {
		out[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
}

int
audit_seal_mac(const unsigned char k[AUDIT_KEY_LEN],
    const unsigned char head[32], uint64_t epoch, unsigned char mac[32])
{
	unsigned char msg[40];
	unsigned int n = 0;

	memcpy(msg, head, 32);
	be64(epoch, msg + 32);
	if (HMAC(EVP_sha256(), k, AUDIT_KEY_LEN, msg, sizeof(msg), mac,
	    &n) == NULL || n != 32)
		return -1;
	return 0;
}

/* --- the tail of an existing log --------------------------------------- */

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
 * file holds no complete line at all. *torn is the length of a fragment
 * after the last newline (0: the file ends in a newline).
 */
static int
read_last_line(int fd, off_t size, char **line, size_t *linelen,
    uint64_t *torn, char *err, size_t errlen)
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
		/* end: one past the last byte of the last complete line */
		nl = memrchr(buf, '\n', win);
		if (nl == NULL) {
			if (off == 0) {		/* only a torn fragment */
				*torn = (uint64_t)size;
				ret = 0;
				goto out;
			}
			goto grow;
		}
		*torn = (uint64_t)(win - (size_t)(nl - buf) - 1);
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

/*
 * Days since 1970-01-01 from a UTC calendar date and back (H. Hinnant's
 * algorithms), so no libc time zone state is ever touched.
 */
static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

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

/* "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" to microseconds since the epoch; -1 when
 * the string is not exactly that. */
int64_t
audit_parse_time(const char *s)
{
	unsigned v[7], i, m, d;
	static const unsigned w[7] = { 4, 2, 2, 2, 2, 2, 6 };
	static const char sep[7] = { '-', '-', 'T', ':', ':', '.', 'Z' };
	const char *p = s;
	unsigned j;

	if (s == NULL || strlen(s) != 27)
		return -1;
	for (i = 0; i < 7; i++) {
		v[i] = 0;
		for (j = 0; j < w[i]; j++, p++) {
			if (*p < '0' || *p > '9')
				return -1;
			v[i] = v[i] * 10 + (unsigned)(*p - '0');
		}
		if (*p++ != sep[i])
			return -1;
	}
	m = v[1];
	d = v[2];
	if (m < 1 || m > 12 || d < 1 || d > 31 || v[3] > 23 || v[4] > 59 ||
	    v[5] > 60)
		return -1;
	return (days_from_civil(v[0], m, d) * 86400 + v[3] * 3600 +
	    v[4] * 60 + v[5]) * 1000000ll + v[6];
}

/* The facts of the last record: seq (0 when not a record), time, type. */
static uint64_t
last_record(struct audit *a, const char *line, size_t len)
{
	json_t *o, *s, *t;
	json_int_t v;
	uint64_t seq = 0;
	const char *type, *sess;

	if ((o = json_loadb(line, len, 0, NULL)) == NULL)
		return 0;
	if (json_is_object(o) && (s = json_object_get(o, "seq")) != NULL &&
	    json_is_integer(s) && (v = json_integer_value(s)) > 0)
		seq = (uint64_t)v;
	if ((t = json_object_get(o, "time")) == NULL)
		t = json_object_get(o, "timestamp");	/* version 0.1 */
	a->last_us = audit_parse_time(json_string_value(t));
	if (a->last_us < 0)
		a->last_us = 0;
	type = json_string_value(json_object_get(o, "type"));
	a->prev_clean = audit_rtype_of(type) == AUDIT_R_SESSION_END ||
	    (audit_rtype_of(type) == AUDIT_R_SEAL &&
	    json_is_true(json_object_get(o, "final")));
	sess = json_string_value(json_object_get(o, "session"));
	if (sess != NULL)
		snprintf(a->prev_session, sizeof(a->prev_session), "%s", sess);
	json_decref(o);
	return seq;
}

int
audit_open(int fd, const struct audit_opts *o, struct audit **out,
    char *err, size_t errlen)
{
	OSSL_PARAM mp[2];
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
	if (o != NULL)
		a->o = *o;
	if (a->o.params_max > AUDIT_PARAMS_MAX)
		a->o.params_max = AUDIT_PARAMS_MAX;
	memcpy(a->prev, zero_hash, sizeof(a->prev));
	a->prev_clean = 1;

	/* Before the sandbox: seed jansson's hash (reads /dev/urandom),
	 * fetch SHA-256 and HMAC and bind the MAC to SHA-256 (may read
	 * openssl.cnf), so that none of it happens lazily under the
	 * seccomp filter. */
	json_object_seed(0);
	mp[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	mp[1] = OSSL_PARAM_construct_end();
	if ((a->md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL ||
	    (a->ctx = EVP_MD_CTX_new()) == NULL ||
	    (a->mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (a->mctx = EVP_MAC_CTX_new(a->mac)) == NULL ||
	    EVP_MAC_CTX_set_params(a->mctx, mp) != 1 ||
	    EVP_MAC_init(a->mctx, a->key, sizeof(a->key), NULL) != 1) {
		snprintf(err, errlen, "cannot set up SHA-256 and HMAC");
		goto fail;
	}
	if (chain_hash(a, "", 0, a->prev_raw) == -1) {
		snprintf(err, errlen, "cannot compute SHA-256");
		goto fail;
	}
	memset(a->prev_raw, 0, sizeof(a->prev_raw));
	a->cap = 64 * 1024;
	if ((a->buf = malloc(a->cap)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}

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
	if (read_last_line(fd, st.st_size, &line, &linelen, &a->torn_bytes,
	    err, errlen) == -1)
		goto fail;
	a->torn = a->torn_bytes > 0;
	/*
	 * A torn fragment (a crash, or a full disk, in the middle of a
	 * write) is not part of the chain. Its terminating newline is
	 * written together with the next record, in the same write(2), and
	 * that record (session_start) names the fragment's length, so a
	 * verifier knows exactly which line to skip.
	 */
	if (line != NULL) {
		if ((a->seq = last_record(a, line, linelen)) == 0) {
			snprintf(err, errlen, "cannot continue chain: last "
			    "line is not a record");
			goto fail;
		}
		if (chain_hash(a, line, linelen, a->prev_raw) == -1) {
			snprintf(err, errlen, "cannot compute SHA-256");
			goto fail;
		}
		hex_encode(a->prev_raw, 32, a->prev);
	} else
		a->prev_clean = 0;	/* only a torn fragment */
	if (a->torn)
		a->prev_clean = 0;
 done:
	free(line);
	*out = a;
	return 0;
 fail:
	free(line);
	audit_close(a);
	return -1;
}

/* --- the batch syncer ------------------------------------------------- */

static void
abs_deadline(uint64_t ns, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ns / 1000000000u);
	ts->tv_nsec = (long)(ns % 1000000000u);
}

static void *
syncer_main(void *arg)
{
	struct syncer *s = arg;
	struct timespec ts;
	uint64_t due;
	int rc;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->dirty && !s->stop)
			pthread_cond_wait(&s->cv, &s->mu);
		if (!s->dirty)
			break;		/* stopping, nothing to do */
		/* at most one fdatasync every AUDIT_BATCH_MS */
		due = s->last_ns + AUDIT_BATCH_MS * 1000000ull;
		abs_deadline(due, &ts);
		while (!s->stop && mono_ns() < due)
			(void)pthread_cond_timedwait(&s->cv, &s->mu, &ts);
		s->dirty = 0;
		pthread_mutex_unlock(&s->mu);
		rc = fdatasync(s->fd);
		pthread_mutex_lock(&s->mu);
		s->last_ns = mono_ns();
		if (rc == -1 && errno != EINVAL)
			s->failed = 1;
		if (s->stop)
			break;
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

int
audit_start_syncer(struct audit *a)
{
	pthread_condattr_t ca;
	struct syncer *s;

	if (a->o.sync != AUDIT_SYNC_BATCH || a->sy != NULL)
		return 0;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	s->fd = a->fd;
	s->last_ns = mono_ns();
	if (pthread_condattr_init(&ca) != 0 ||
	    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&s->cv, &ca) != 0 ||
	    pthread_mutex_init(&s->mu, NULL) != 0 ||
	    pthread_create(&s->th, NULL, syncer_main, s) != 0) {
		free(s);
		return -1;
	}
	pthread_condattr_destroy(&ca);
	a->sy = s;
	return 0;
}

static void
syncer_stop(struct audit *a)
{
	struct syncer *s = a->sy;

	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = 1;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->th, NULL);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
	a->sy = NULL;
}

/* A record was written: tell the syncer. -1 if an earlier sync failed. */
static int
syncer_mark(struct audit *a)
{
	struct syncer *s = a->sy;
	int failed;

	pthread_mutex_lock(&s->mu);
	failed = s->failed;
	if (!s->dirty) {
		s->dirty = 1;
		pthread_cond_signal(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
	if (failed) {
		/* the kernel may have dropped written pages: fail closed */
		a->broken = 1;
		return -1;
	}
	return 0;
}

/* --- building a line --------------------------------------------------- */

static int
reserve(struct audit *a, size_t n)
{
	size_t ncap;
	char *nb;

	if (a->oom)
		return -1;
	if (n <= a->cap - a->len)
		return 0;
	if (n > AUDIT_TAIL_MAX + 64 - a->len) {	/* never a valid line */
		a->oom = 1;
		return -1;
	}
	for (ncap = a->cap; ncap - a->len < n; ncap *= 2)
		;
	if ((nb = realloc(a->buf, ncap)) == NULL) {
		a->oom = 1;
		return -1;
	}
	a->buf = nb;
	a->cap = ncap;
	return 0;
}

static void
put(struct audit *a, const char *s, size_t n)
{
	if (reserve(a, n) == -1)
		return;
	memcpy(a->buf + a->len, s, n);
	a->len += n;
}

#define PUTS(a, lit)	put((a), (lit), sizeof(lit) - 1)

/* Decimal digits of v, right-aligned in tmp[24]; returns the first. */
static char *
u64_digits(uint64_t v, char tmp[24])
{
	char *p = tmp + 24;

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return p;
}

static void
put_u64(struct audit *a, uint64_t v)
{
	char tmp[24], *p = u64_digits(v, tmp);

	put(a, p, (size_t)(tmp + 24 - p));
}

/* A duration in ms with three decimals (the "%.3f" of a non-negative
 * value below 1e15, rounded to the microsecond); null otherwise, as NaN
 * and infinities are not JSON numbers. */
static void
put_ms3(struct audit *a, double ms)
{
	char tmp[24], *p;
	uint64_t us;
	int i;

	if (!(ms >= 0 && ms < 1e15)) {	/* NaN fails both */
		PUTS(a, "null");
		return;
	}
	us = (uint64_t)(ms * 1000 + 0.5);
	p = u64_digits(us / 1000, tmp);
	put(a, p, (size_t)(tmp + 24 - p));
	tmp[0] = '.';
	for (i = 3; i >= 1; i--, us /= 10)
		tmp[i] = (char)('0' + us % 10);
	put(a, tmp, 4);
}

/* A JSON string, or null for NULL and for text that is not UTF-8. The
 * escapes are fixed: \" \\ \b \f \n \r \t, other controls \u00XX. */
static void
put_str(struct audit *a, const char *str)
{
	size_t n, k;

	if (str == NULL) {
		PUTS(a, "null");
		return;
	}
	n = strlen(str);
	if (reserve(a, JSON_ESCAPE_MAX(n)) == -1)
		return;
	if ((k = json_escape(a->buf + a->len, str, n)) == 0) {
		PUTS(a, "null");
		return;
	}
	a->len += k;
}

/*
 * A request's string that may be long (the agent chose it): at most max
 * bytes of it, cut at a character boundary, and when it was cut, its
 * full length and SHA-256 as NAME_len and NAME_sha256 right after it. A
 * flood of long denied targets then costs max bytes a record, not the
 * agent's whole message.
 */
static void
put_str_bounded(struct audit *a, const char *name, const char *str,
    size_t max)
{
	char hex[65], tmp[24], *p;
	size_t n, cut, k;

	if (str == NULL || (n = strlen(str)) <= max) {
		put_str(a, str);
		return;
	}
	for (cut = max; cut > 0 && ((unsigned char)str[cut] & 0xc0) == 0x80;
	    cut--)
		;
	if (reserve(a, JSON_ESCAPE_MAX(cut)) == -1)
		return;
	if ((k = json_escape(a->buf + a->len, str, cut)) == 0)
		PUTS(a, "null");
	else
		a->len += k;
	PUTS(a, ",\"");
	put(a, name, strlen(name));
	PUTS(a, "_len\":");
	p = u64_digits(n, tmp);
	put(a, p, (size_t)(tmp + 24 - p));
	PUTS(a, ",\"");
	put(a, name, strlen(name));
	PUTS(a, "_sha256\":\"");
	audit_hash_hex(a, str, n, hex);
	put(a, hex, 64);
	PUTS(a, "\"");
}

/* An array of strings from "a,b,c" ("" and NULL: []). */
static void
put_list(struct audit *a, const char *csv)
{
	char item[256];
	const char *p = csv, *c;
	size_t n;
	int first = 1;

	PUTS(a, "[");
	while (p != NULL && *p != '\0') {
		c = strchr(p, ',');
		n = c ? (size_t)(c - p) : strlen(p);
		if (n > 0 && n < sizeof(item)) {
			memcpy(item, p, n);
			item[n] = '\0';
			if (!first)
				PUTS(a, ",");
			put_str(a, item);
			first = 0;
		}
		p = c ? c + 1 : NULL;
	}
	PUTS(a, "]");
}

static int
timestamp(struct audit *a, char *buf, size_t len)
{
	struct timespec ts;
	long long days, secs, y;
	int64_t us;
	unsigned m, d;
	long frac;
	int n, i;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		return -1;
	/* Records never go back in time, even when the clock is stepped:
	 * a verifier checks the order. */
	us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	if (us < a->last_us)
		us = a->last_us;
	a->last_us = us;
	if (us < 0)		/* a clock before 1970 is not trusted */
		return -1;
	/* The date and time to the second change once a second: spell
	 * them then, and only the microseconds for each record. */
	if (a->ts_prefix[0] == '\0' || us / 1000000 != a->ts_sec) {
		a->ts_sec = us / 1000000;
		days = us / 86400000000ll;
		secs = us / 1000000 % 86400;
		civil_from_days(days, &y, &m, &d);
		n = snprintf(a->ts_prefix, sizeof(a->ts_prefix),
		    "%04lld-%02u-%02uT%02lld:%02lld:%02lld.", y, m, d,
		    secs / 3600, secs / 60 % 60, secs % 60);
		if (n != 20) {		/* a year after 9999 */
			a->ts_prefix[0] = '\0';
			return -1;
		}
	}
	if (len < 28)
		return -1;
	memcpy(buf, a->ts_prefix, 20);
	frac = (long)(us % 1000000);
	for (i = 25; i >= 20; i--, frac /= 10)
		buf[i] = (char)('0' + frac % 10);
	buf[26] = 'Z';
	buf[27] = '\0';
	return 0;
}

/* {"seq":N,"time":T,"session":S,"type":TYPE */
static int
begin_line(struct audit *a, const char *type)
{
	char ts[40];

	/* a line held back (audit_end's session_end) goes out in the
	 * same write(2) as this one */
	if (!a->held) {
		a->len = 0;
		a->oom = 0;
	}
	a->lstart = a->len + (a->torn && a->len == 0 ? 1 : 0);
	if (timestamp(a, ts, sizeof(ts)) == -1)
		return -1;
	if (a->torn && a->len == 0)
		PUTS(a, "\n");
	PUTS(a, "{\"seq\":");
	put_u64(a, a->seq + 1);
	PUTS(a, ",\"time\":\"");
	put(a, ts, strlen(ts));
	PUTS(a, "\",\"session\":\"");
	put(a, a->session, strlen(a->session));
	PUTS(a, "\",\"type\":\"");
	put(a, type, strlen(type));
	PUTS(a, "\"");
	return 0;
}

static int
do_sync(struct audit *a)
{
	if (fdatasync(a->fd) == -1 && errno != EINVAL) {
		/* The kernel may have dropped the dirty pages: what the
		 * chain says is written may be gone. Fail closed. */
		a->broken = 1;
		return -1;
	}
	a->dirty = 0;
	a->last_sync_ns = mono_ns();
	return 0;
}

/* ,"prev":...} + newline; hash, one write(2), sync as configured. */
static int
commit(struct audit *a)
{
	unsigned char d[32];
	size_t linelen;
	ssize_t n;

	PUTS(a, ",\"prev\":\"");
	put(a, a->prev, 64);
	PUTS(a, "\"}");
	if (a->oom || (linelen = a->len - a->lstart) > AUDIT_LINE_MAX)
		return -1;
	if (chain_hash(a, a->buf + a->lstart, linelen, d) == -1)
		return -1;
	PUTS(a, "\n");
	if (a->oom)
		return -1;
	if (a->hold) {
		/* Not written yet: the next line (the final seal) is built
		 * on this one's hash and both go out in one write(2). Any
		 * failure from here on breaks the writer for good. */
		a->hold = 0;
		a->held = 1;
		a->seq++;
		memcpy(a->prev_raw, d, 32);
		hex_encode(d, 32, a->prev);
		return 0;
	}

	/* One write(2): with O_APPEND the line lands whole at the end. A
	 * write interrupted before transferring anything returns EINTR. */
	do {
		n = write(a->fd, a->buf, a->len);
	} while (n == -1 && errno == EINTR);
	if (n != (ssize_t)a->len) {
		/* Part of the line may be in the file: the chain cannot be
		 * continued by this process. The caller fails closed. */
		if (n >= 0) {
			a->broken = n > 0;
			errno = ENOSPC;	/* a short write: the file is full */
		}
		if (a->held)
			a->broken = 1;	/* seq and prev moved on already */
		a->held = 0;
		return -1;
	}
	a->held = 0;
	a->torn = 0;
	a->written += (uint64_t)n;
	a->seq++;
	memcpy(a->prev_raw, d, 32);
	hex_encode(d, 32, a->prev);
	a->dirty = 1;
	switch (a->o.sync) {
	case AUDIT_SYNC_ALWAYS:
		return do_sync(a);
	case AUDIT_SYNC_BATCH:
		if (a->sy != NULL)
			return syncer_mark(a);
		if (mono_ns() - a->last_sync_ns >= AUDIT_BATCH_MS * 1000000ull)
			return do_sync(a);
		return 0;
	default:
		return 0;
	}
}

/*
 * Write a seal for the current epoch, then evolve the key and wipe the
 * old one. The MAC is computed and the key evolved before the write, so
 * k_epoch lives no longer than this function even when the write fails.
 */
static int
seal(struct audit *a, int final)
{
	static const unsigned char zero[AUDIT_KEY_LEN];
	unsigned char msg[40], mac[32], next[32];
	unsigned int n = 0;
	size_t ml = 0;
	char hex[65];
	uint64_t records = a->since_seal;
	int ok;

	if (!a->have_key)
		return 0;
	/* What the seal covers is on disk before the seal. */
	if (a->o.sync != AUDIT_SYNC_NONE && a->dirty && do_sync(a) == -1)
		return -1;
	memcpy(msg, a->prev_raw, 32);
	be64(a->epoch, msg + 32);
	ok = EVP_MAC_init(a->mctx, a->key, sizeof(a->key), NULL) == 1 &&
	    EVP_MAC_update(a->mctx, msg, sizeof(msg)) == 1 &&
	    EVP_MAC_final(a->mctx, mac, &ml, sizeof(mac)) == 1 && ml == 32;
	/* k_(e+1) = SHA-256("aksup-evolve" || k_e); the reused digest
	 * context is re-initialised at once (its state held k_e's block)
	 * and the MAC context is re-keyed with zeros (its inner and outer
	 * pads are derived from k_e). */
	ok = ok && EVP_DigestInit_ex(a->ctx, a->md, NULL) == 1 &&
	    EVP_DigestUpdate(a->ctx, "aksup-evolve", 12) == 1 &&
	    EVP_DigestUpdate(a->ctx, a->key, sizeof(a->key)) == 1 &&
	    EVP_DigestFinal_ex(a->ctx, next, &n) == 1 && n == 32;
	(void)EVP_DigestInit_ex(a->ctx, a->md, NULL);
	(void)EVP_MAC_init(a->mctx, zero, sizeof(zero), NULL);
	OPENSSL_cleanse(a->key, sizeof(a->key));
	if (ok && !final)
		memcpy(a->key, next, sizeof(a->key));
	else
		a->have_key = 0;
	OPENSSL_cleanse(next, sizeof(next));
	if (!ok) {
		a->broken = 1;
		return -1;
	}
	hex_encode(mac, 32, hex);
	if (begin_line(a, "seal") == -1)
		return -1;
	PUTS(a, ",\"epoch\":");
	put_u64(a, a->epoch);
	PUTS(a, ",\"records\":");
	put_u64(a, records);
	if (final)
		PUTS(a, ",\"final\":true,\"mac\":\"");
	else
		PUTS(a, ",\"final\":false,\"mac\":\"");
	put(a, hex, 64);
	PUTS(a, "\"");
	a->epoch++;
	a->since_seal = 0;
	a->last_seal_ns = mono_ns();
	if (commit(a) == -1) {
		a->broken = 1;	/* a gap in the epochs: nothing after */
		return -1;
	}
	return 0;
}

static int
write_key(int fd, const char *session, const unsigned char k[32])
{
	char line[160], hex[65];
	size_t len, done = 0;
	ssize_t n;
	int ret = -1;

	hex_encode(k, 32, hex);
	len = (size_t)snprintf(line, sizeof(line), "aksup-seal-key 1 %s %s\n",
	    session, hex);
	while (done < len) {
		n = write(fd, line + done, len - done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		done += (size_t)n;
	}
	ret = 0;
 out:
	OPENSSL_cleanse(line, sizeof(line));
	OPENSSL_cleanse(hex, sizeof(hex));
	return ret;
}

int
audit_begin(struct audit *a, const struct audit_session *s, int keyfd,
    char *err, size_t errlen)
{
	unsigned char r[16];
	int ret = -1;

	if (a->began) {
		snprintf(err, errlen, "session already started");
		goto out;
	}
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		snprintf(err, errlen, "getrandom: %s", strerror(errno));
		goto out;
	}
	uuid4_format(r, a->session);
	if (keyfd >= 0) {
		/* k_0: written to the operator's file, then used for the
		 * first seal only (right after session_start) and wiped. */
		if (getrandom(a->key, sizeof(a->key), 0) !=
		    (ssize_t)sizeof(a->key)) {
			snprintf(err, errlen, "getrandom: %s", strerror(errno));
			goto out;
		}
		if (write_key(keyfd, a->session, a->key) == -1) {
			snprintf(err, errlen, "cannot write the seal key: %s",
			    strerror(errno));
			OPENSSL_cleanse(a->key, sizeof(a->key));
			goto out;
		}
		a->have_key = 1;
	}
	a->began = 1;
	a->last_sync_ns = a->last_seal_ns = mono_ns();
	if (begin_line(a, "session_start") == -1)
		goto werr;
	PUTS(a, ",\"version\":");
	put_str(a, s->version);
	PUTS(a, ",\"policy\":");
	put_str(a, s->policy);
	PUTS(a, ",\"policy_sha256\":");
	put_str(a, s->policy_sha256);
	PUTS(a, ",\"layers\":");
	put_list(a, s->layers);
	PUTS(a, ",\"waived\":");
	put_list(a, s->waived);
	if (s->view != NULL) {	/* compact JSON, checked by the caller */
		PUTS(a, ",\"view\":");
		put(a, s->view, strlen(s->view));
	}
	if (s->roots != NULL) {	/* the same */
		PUTS(a, ",\"roots\":");
		put(a, s->roots, strlen(s->roots));
	}
	PUTS(a, ",\"sync\":\"");
	put(a, audit_sync_name(a->o.sync), strlen(audit_sync_name(a->o.sync)));
	PUTS(a, "\",\"seal\":");
	if (a->have_key) {
		PUTS(a, "{\"every\":");
		put_u64(a, a->o.seal_every);
		PUTS(a, ",\"interval_ms\":");
		put_u64(a, a->o.seal_interval_ms);
		PUTS(a, "}");
	} else
		PUTS(a, "null");
	PUTS(a, ",\"params_max\":");
	put_u64(a, a->o.params_max);
	PUTS(a, ",\"recovered\":");
	if (a->prev_clean)
		PUTS(a, "null");
	else {
		PUTS(a, "{\"session\":");
		put_str(a, a->prev_session[0] ? a->prev_session : NULL);
		PUTS(a, ",\"last_seq\":");
		put_u64(a, a->seq);
		PUTS(a, ",\"torn_bytes\":");
		put_u64(a, a->torn_bytes);
		PUTS(a, "}");
	}
	if (commit(a) == -1)
		goto werr;
	if (seal(a, 0) == -1)
		goto werr;
	ret = 0;
	goto out;
 werr:
	snprintf(err, errlen, "cannot write session_start: %s",
	    errno ? strerror(errno) : "record too long");
 out:
	if (keyfd >= 0)
		close(keyfd);
	if (ret == -1) {
		OPENSSL_cleanse(a->key, sizeof(a->key));
		a->have_key = 0;
		a->broken = 1;
	}
	return ret;
}

static void
count(struct audit *a, enum audit_status status)
{
	if ((unsigned)status < AUDIT_S_N)
		a->counts[status]++;
}

/*
 * The decision being built (its line in a->buf, less the ,"prev" tail
 * commit adds) fits the session's budget only with room left for the
 * outcome it may need, a seal after each and the closing records, so
 * what the session writes never passes max_bytes (docs/AUDIT.md).
 */
static uint64_t
line_bound(const struct audit *a)
{
	return (uint64_t)a->len + sizeof(",\"prev\":\"\"}\n") - 1 + 64;
}

static int
over_budget(struct audit *a)
{
	uint64_t line, need;

	/* the outcomes of ALLOWED decisions still in flight (the broker
	 * keeps several) are owed too: their room is held */
	if (a->o.max_records > 0 &&
	    a->records + a->pending + 2 > a->o.max_records)
		return 1;
	if (a->o.max_bytes == 0)
		return 0;
	line = line_bound(a);
	need = line + AUDIT_SEAL_MAX + line + AUDIT_OUTCOME_EXTRA +
	    AUDIT_SEAL_MAX + AUDIT_CLOSE_MAX + a->reserved;
	return a->written + need > a->o.max_bytes;
}

/* An ALLOWED decision holds room for its outcome (and a seal after it)
 * until the outcome is written; the outcome gives back what its
 * decision held (r->reserve). */
static void
hold(struct audit *a, const struct audit_rec *r, enum audit_rtype rt,
    uint64_t line)
{
	if (rt == AUDIT_R_DECISION && r->status == AUDIT_S_ALLOWED) {
		a->last_reserve = line + AUDIT_OUTCOME_EXTRA + AUDIT_SEAL_MAX;
		a->reserved += a->last_reserve;
		a->pending++;
	} else if (rt == AUDIT_R_OUTCOME && a->pending > 0) {
		a->pending--;
		a->reserved -= r->reserve < a->reserved ? r->reserve :
		    a->reserved;
		if (a->pending == 0)
			a->reserved = 0;
	}
}

uint64_t
audit_last_reserve(const struct audit *a)
{
	return a != NULL ? a->last_reserve : 0;
}

int
audit_write(struct audit *a, const struct audit_rec *r)
{
	enum audit_rtype rt;
	uint64_t line;
	size_t i;

	if (a == NULL || r == NULL || !a->began || a->ended || a->broken ||
	    (r->type != AUDIT_R_DECISION && r->type != AUDIT_R_OUTCOME) ||
	    audit_status_name(r->status) == NULL)
		return -1;
	if (begin_line(a, audit_rtype_name(r->type)) == -1)
		return -1;
	PUTS(a, ",\"action\":");
	put_str(a, r->action);
	PUTS(a, ",\"target\":");
	put_str_bounded(a, "target", r->target, AUDIT_TARGET_MAX);
	if (r->target_sent != NULL) {
		PUTS(a, ",\"target_sent\":");
		put_str_bounded(a, "target_sent", r->target_sent,
		    AUDIT_TARGET_MAX);
	}
	for (i = 0; i < r->ncreds; i++) {
		if (i == 0)
			PUTS(a, ",\"credentials\":[");
		else
			PUTS(a, ",");
		put_str(a, r->creds[i]);	/* a name the policy bounds */
		if (i + 1 == r->ncreds)
			PUTS(a, "]");
	}
	if (r->snapshot != 0) {
		PUTS(a, ",\"snapshot\":");
		if (r->snapshot > 0)
			put_str(a, r->record_id);
		else
			PUTS(a, "false");
	}
	if (r->tokens) {
		PUTS(a, ",\"tokens\":{\"input\":");
		put_u64(a, r->tokens_in);
		PUTS(a, ",\"output\":");
		put_u64(a, r->tokens_out);
		PUTS(a, "}");
	}
	PUTS(a, ",\"params_sha256\":");
	put_str(a, r->params_sha256);
	if (a->o.params_max > 0) {
		PUTS(a, ",\"params\":");
		if (r->params != NULL && r->params_len <= a->o.params_max)
			put(a, r->params, r->params_len);
		else if (r->params != NULL) {
			/* beyond the bound: not cut (a cut JSON value is
			 * not JSON), its length beside params_sha256 */
			PUTS(a, "null,\"params_len\":");
			put_u64(a, r->params_len);
		} else
			PUTS(a, "null");
	}
	PUTS(a, ",\"status\":");
	put_str(a, audit_status_name(r->status));
	PUTS(a, ",\"rule\":");
	put_str(a, r->rule);
	PUTS(a, ",\"error\":");
	put_str_bounded(a, "error", r->error, AUDIT_ERROR_MAX);
	PUTS(a, ",\"duration_ms\":");
	put_ms3(a, r->duration_ms);
	PUTS(a, ",\"record_id\":");
	put_str(a, r->record_id);
	rt = r->type;
	line = line_bound(a);
	if (rt == AUDIT_R_DECISION && over_budget(a))
		return AUDIT_BUDGET;
	if (commit(a) == -1)
		return -1;
	hold(a, r, rt, line);
	a->records++;
	a->since_seal++;
	count(a, r->status);
	if (a->have_key && a->o.seal_every > 0 &&
	    a->since_seal >= a->o.seal_every)
		return seal(a, 0);
	return 0;
}

int
audit_timeout_ms(const struct audit *a)
{
	uint64_t now, due = 0, d;

	if (a == NULL || !a->began || a->ended || a->broken)
		return -1;
	if (a->o.sync == AUDIT_SYNC_BATCH && a->dirty && a->sy == NULL)
		due = a->last_sync_ns + AUDIT_BATCH_MS * 1000000ull;
	if (a->have_key && a->o.seal_interval_ms > 0 && a->since_seal > 0) {
		d = a->last_seal_ns + a->o.seal_interval_ms * 1000000ull;
		if (due == 0 || d < due)
			due = d;
	}
	if (due == 0)
		return -1;
	now = mono_ns();
	if (now >= due)
		return 0;
	return (int)((due - now + 999999) / 1000000);
}

int
audit_tick(struct audit *a)
{
	uint64_t now;

	if (a == NULL || !a->began || a->ended)
		return 0;
	if (a->broken)
		return -1;
	now = mono_ns();
	if (a->have_key && a->o.seal_interval_ms > 0 && a->since_seal > 0 &&
	    now >= a->last_seal_ns + a->o.seal_interval_ms * 1000000ull &&
	    seal(a, 0) == -1)
		return -1;
	if (a->o.sync == AUDIT_SYNC_BATCH && a->dirty && a->sy == NULL &&
	    now >= a->last_sync_ns + AUDIT_BATCH_MS * 1000000ull &&
	    do_sync(a) == -1)
		return -1;
	return 0;
}

int
audit_end(struct audit *a)
{
	return audit_end_reason(a, NULL);
}

int
audit_end_reason(struct audit *a, const char *reason)
{
	int i;

	if (a == NULL || !a->began || a->ended || a->broken)
		return -1;
	/* The syncer may have seen a writeback error (reported once per
	 * file): stop it and fail the end rather than lose that. */
	if (a->sy != NULL) {
		int failed;

		pthread_mutex_lock(&a->sy->mu);
		failed = a->sy->failed;
		pthread_mutex_unlock(&a->sy->mu);
		syncer_stop(a);
		if (failed) {
			a->broken = 1;
			return -1;
		}
	}
	if (begin_line(a, "session_end") == -1)
		return -1;
	PUTS(a, ",\"records\":");
	put_u64(a, a->records);
	PUTS(a, ",\"counts\":{");
	for (i = 0; i < AUDIT_S_N; i++) {
		if (i > 0)
			PUTS(a, ",");
		PUTS(a, "\"");
		put(a, audit_status_name((enum audit_status)i),
		    strlen(audit_status_name((enum audit_status)i)));
		PUTS(a, "\":");
		put_u64(a, a->counts[i]);
	}
	PUTS(a, "}");
	if (reason != NULL) {	/* a fixed word of the broker's, no escaping */
		PUTS(a, ",\"reason\":\"");
		put(a, reason, strlen(reason));
		PUTS(a, "\"");
	}
	/* session_end and the final seal reach the file in one write(2),
	 * so no crash falls between them. Unsealed: session_end alone. */
	a->hold = a->have_key;
	if (commit(a) == -1) {
		a->hold = 0;
		a->broken = 1;
		return -1;
	}
	if (seal(a, 1) == -1)
		return -1;
	a->ended = 1;
	if (a->o.sync != AUDIT_SYNC_NONE && a->dirty)
		return do_sync(a);
	return 0;
}

uint64_t
audit_seq(const struct audit *a)
{
	return a->seq;
}

const char *
audit_session_id(const struct audit *a)
{
	return a->session;
}

void
audit_close(struct audit *a)
{
	if (a == NULL)
		return;
	syncer_stop(a);
	OPENSSL_cleanse(a->key, sizeof(a->key));
	EVP_MAC_CTX_free(a->mctx);
	EVP_MAC_free(a->mac);
	EVP_MD_CTX_free(a->ctx);
	EVP_MD_free(a->md);
	free(a->buf);
	free(a);
}
