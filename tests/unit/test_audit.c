/*
 * tests/unit/test_audit.c -- unit tests of audit/ (the hash-chained log
 * writer) and logview/records.c (the reader's parse, join and filter).
 *
 * Runs in: the test runner, as the invoking user, unconfined. It works on
 * temporary files made with mkstemp in /tmp and removed afterwards.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "audit/audit.h"
#include "common/jsonesc.h"
#include "logview/records.h"

static const char zeros[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

/* --- helpers ---------------------------------------------------------- */

static char tmppath[64];

static int
tmpfile_rw(void)
{
	int fd;

	snprintf(tmppath, sizeof(tmppath), "/tmp/test_audit.XXXXXX");
	fd = mkstemp(tmppath);
	ck_assert_int_ge(fd, 0);
	unlink(tmppath);
	return fd;
}

/* Reopen the (already unlinked) file through /proc with other flags. */
static int
reopen(int fd, int flags)
{
	char p[64];
	int nfd;

	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	nfd = open(p, flags | O_CLOEXEC);
	ck_assert_int_ge(nfd, 0);
	return nfd;
}

static void
append_raw(int fd, const char *s)
{
	ck_assert_int_eq(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

/* Whole file contents, NUL-terminated. */
static char *
slurp(int fd, size_t *len)
{
	struct stat st;
	char *buf;

	ck_assert_int_eq(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(pread(fd, buf, (size_t)st.st_size, 0), st.st_size);
	buf[st.st_size] = '\0';
	if (len)
		*len = (size_t)st.st_size;
	return buf;
}

/* Split into lines (modifies buf); returns count. */
static size_t
split_lines(char *buf, char **lines, size_t max)
{
	size_t n = 0;
	char *p = buf, *nl;

	while (*p != '\0' && n < max) {
		lines[n++] = p;
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	return n;
}

/* Independent SHA-256 (EVP, fresh context) of a string. */
static void
sha256_ref(const char *s, char hex[65])
{
	unsigned char d[32];
	unsigned int n = 0, i;
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(EVP_DigestInit_ex(c, EVP_sha256(), NULL), 1);
	ck_assert_int_eq(EVP_DigestUpdate(c, s, strlen(s)), 1);
	ck_assert_int_eq(EVP_DigestFinal_ex(c, d, &n), 1);
	EVP_MD_CTX_free(c);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

static const char *
jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static json_int_t
jint(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static json_t *
parse(const char *line)
{
	json_t *o = json_loads(line, JSON_REJECT_DUPLICATES, NULL);

	ck_assert_msg(json_is_object(o), "not a JSON object: %s", line);
	return o;
}

static const struct audit_session sess = { "0.0.0-test", "p.yaml",
    "abc", "seccomp,landlock", "", NULL, NULL };

/* Open the log without starting a session. */
static struct audit *
open_raw(int fd)
{
	struct audit *a = NULL;
	char err[256] = "";

	ck_assert_msg(audit_open(fd, NULL, &a, err, sizeof(err)) == 0,
	    "audit_open: %s", err);
	ck_assert_ptr_nonnull(a);
	return a;
}

/* Open and start an unsealed session (line: session_start). */
static struct audit *
open_ok(int fd)
{
	struct audit *a = open_raw(fd);
	char err[256] = "";

	ck_assert_msg(audit_begin(a, &sess, -1, err, sizeof(err)) == 0,
	    "audit_begin: %s", err);
	return a;
}

/* The last line of the file, parsed. */
static json_t *
last_line(int fd)
{
	char *buf, *lines[64];
	size_t n;
	json_t *o;

	buf = slurp(fd, NULL);
	n = split_lines(buf, lines, 64);
	ck_assert_uint_gt(n, 0);
	o = parse(lines[n - 1]);
	free(buf);
	return o;
}

static void
write_ok(struct audit *a, const char *type, const char *status,
    const char *id)
{
	struct audit_rec r = {
		.type = audit_rtype_of(type), .action = "fs.read",
		.target = "/w/a.txt",
		.status = (enum audit_status)audit_status_of(status), .rule = "r1", .error = NULL,
		.duration_ms = 1.5, .record_id = id,
	};

	ck_assert_int_eq(audit_write(a, &r), 0);
}

/* --- audit ------------------------------------------------------------ */

START_TEST(test_sha256_vector)
{
	char hex[65];

	audit_sha256_hex("abc", 3, hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	audit_sha256_hex("", 0, hex);
	ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
}
END_TEST

START_TEST(test_first_record)
{
	int fd = tmpfile_rw();
	struct audit *a = open_ok(fd);
	char *buf, *lines[4];
	json_t *o;
	const char *ts;

	ck_assert_uint_eq(audit_seq(a), 1);	/* session_start */
	write_ok(a, "decision", "DENIED", "id-1");
	ck_assert_uint_eq(audit_seq(a), 2);
	buf = slurp(fd, NULL);
	ck_assert_int_eq(buf[strlen(buf) - 1], '\n');
	ck_assert_uint_eq(split_lines(buf, lines, 4), 2);
	o = parse(lines[0]);
	ck_assert_int_eq(jint(o, "seq"), 1);
	ck_assert_str_eq(jstr(o, "prev"), zeros);
	ck_assert_str_eq(jstr(o, "type"), "session_start");
	ck_assert_str_eq(jstr(o, "session"), audit_session_id(a));
	ck_assert_str_eq(jstr(o, "version"), "0.0.0-test");
	ck_assert_str_eq(jstr(o, "sync"), "batch");
	ck_assert(json_is_null(json_object_get(o, "seal")));
	ck_assert(json_is_null(json_object_get(o, "recovered")));
	ck_assert_uint_eq(json_array_size(json_object_get(o, "layers")), 2);
	json_decref(o);
	o = parse(lines[1]);
	ck_assert_int_eq(jint(o, "seq"), 2);
	ck_assert_str_eq(jstr(o, "type"), "decision");
	ck_assert_str_eq(jstr(o, "session"), audit_session_id(a));
	ck_assert_str_eq(jstr(o, "status"), "DENIED");
	ck_assert_str_eq(jstr(o, "record_id"), "id-1");
	ck_assert(json_is_null(json_object_get(o, "error")));
	ck_assert(json_is_real(json_object_get(o, "duration_ms")));
	ck_assert(json_real_value(json_object_get(o, "duration_ms")) == 1.5);
	/* 2026-11-26T08:20:00.123456Z */
	ts = jstr(o, "time");
	ck_assert_ptr_nonnull(ts);
	ck_assert_uint_eq(strlen(ts), 27);
	ck_assert(ts[4] == '-' && ts[7] == '-' && ts[10] == 'T' &&
	    ts[13] == ':' && ts[16] == ':' && ts[19] == '.' && ts[26] == 'Z');
	ck_assert(strncmp(ts, "20", 2) == 0);
	json_decref(o);
	free(buf);
	audit_close(a);
	close(fd);
}
END_TEST

START_TEST(test_timestamp_matches_gmtime)
{
	int fd = tmpfile_rw();
	struct audit *a = open_ok(fd);
	char *buf, want[32], want2[32];
	struct tm tm;
	time_t t0, t1;
	json_t *o;

	struct timespec ts0, ts1;

	/* The writer's clock (CLOCK_REALTIME), not time(): that one is the
	 * coarse clock, up to a tick behind, and read a second early near a
	 * second's boundary (a flake: "...:44.004Z vs ...:43"). */
	clock_gettime(CLOCK_REALTIME, &ts0);
	write_ok(a, "decision", "DENIED", "x");
	clock_gettime(CLOCK_REALTIME, &ts1);
	t0 = ts0.tv_sec;
	t1 = ts1.tv_sec;
	buf = NULL;
	o = last_line(fd);
	gmtime_r(&t0, &tm);
	strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S", &tm);
	gmtime_r(&t1, &tm);
	strftime(want2, sizeof(want2), "%Y-%m-%dT%H:%M:%S", &tm);
	ck_assert_msg(strncmp(jstr(o, "time"), want, 19) == 0 ||
	    strncmp(jstr(o, "time"), want2, 19) == 0,
	    "%s vs %s", jstr(o, "time"), want);
	json_decref(o);
	free(buf);
	audit_close(a);
	close(fd);
}
END_TEST

START_TEST(test_key_order)
{
	static const char *keys[] = { "seq", "time", "session", "type",
	    "action", "target", "params_sha256", "status", "rule", "error",
	    "duration_ms", "record_id", "prev" };
	int fd = tmpfile_rw();
	struct audit *a = open_ok(fd);
	char *buf, *p, k[32];
	size_t i;
	json_t *o;

	write_ok(a, "decision", "ALLOWED", "id");
	buf = slurp(fd, NULL);
	ck_assert(strncmp(buf, "{\"seq\":1,\"time\":\"", 17) == 0);
	p = strchr(buf, '\n') + 1;
	ck_assert(strncmp(p, "{\"seq\":2,\"time\":\"", 17) == 0);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(k, sizeof(k), "\"%s\":", keys[i]);
		ck_assert_msg((p = strstr(p, k)) != NULL, "key %s", keys[i]);
	}
	buf[strlen(buf) - 1] = '\0';
	o = parse(strchr(buf, '\n') + 1);
	ck_assert_uint_eq(json_object_size(o), 13);
	json_decref(o);
	free(buf);
	audit_close(a);
	close(fd);
}
END_TEST

START_TEST(test_chain)
{
	int fd = tmpfile_rw();
	struct audit *a = open_ok(fd);
	char *buf, *lines[8], hex[65];
	size_t n, i;
	json_t *o;

	write_ok(a, "decision", "ALLOWED", "a");
	write_ok(a, "outcome", "OK", "a");
	write_ok(a, "decision", "DENIED", "b");
	write_ok(a, "decision", "INVALID", NULL);
	ck_assert_uint_eq(audit_seq(a), 5);
	buf = slurp(fd, NULL);
	n = split_lines(buf, lines, 8);
	ck_assert_uint_eq(n, 5);
	for (i = 0; i < n; i++) {
		o = parse(lines[i]);
		ck_assert_int_eq(jint(o, "seq"), (json_int_t)i + 1);
		if (i == 0)
			ck_assert_str_eq(jstr(o, "prev"), zeros);
		else {
			sha256_ref(lines[i - 1], hex);
			ck_assert_str_eq(jstr(o, "prev"), hex);
		}
		json_decref(o);
	}
	free(buf);
	audit_close(a);
	close(fd);
}
END_TEST

START_TEST(test_reopen_continues)
{
	int fd = tmpfile_rw();
	struct audit *a = open_ok(fd);
	char *buf, *lines[8], hex[65];
	json_t *o;

	write_ok(a, "decision", "DENIED", "a");
	write_ok(a, "decision", "DENIED", "b");
	audit_close(a);			/* no session_end: a crash */
	a = open_ok(fd);
	ck_assert_uint_eq(audit_seq(a), 4);
	write_ok(a, "decision", "DENIED", "c");
	ck_assert_uint_eq(audit_seq(a), 5);
	ck_assert_int_eq(audit_end(a), 0);
	audit_close(a);
	a = open_ok(fd);		/* after a clean end */
	audit_close(a);

	buf = slurp(fd, NULL);
	ck_assert_uint_eq(split_lines(buf, lines, 8), 7);
	o = parse(lines[3]);
	ck_assert_int_eq(jint(o, "seq"), 4);
	ck_assert_str_eq(jstr(o, "type"), "session_start");
	ck_assert_int_eq(jint(json_object_get(o, "recovered"), "last_seq"), 3);
	sha256_ref(lines[2], hex);
	ck_assert_str_eq(jstr(o, "prev"), hex);
	json_decref(o);
	o = parse(lines[5]);
	ck_assert_str_eq(jstr(o, "type"), "session_end");
	ck_assert_int_eq(jint(o, "records"), 1);
	ck_assert_int_eq(jint(json_object_get(o, "counts"), "DENIED"), 1);
	json_decref(o);
	o = parse(lines[6]);
	ck_assert(json_is_null(json_object_get(o, "recovered")));
	json_decref(o);
	free(buf);
	close(fd);
}
END_TEST

START_TEST(test_torn_line)
{
	int fd = tmpfile_rw();
	struct audit *a = open_ok(fd);
	char *buf, *lines[8], hex[65];
	size_t len0, len1;
	json_t *o, *rec;

	write_ok(a, "decision", "DENIED", "a");
	audit_close(a);
	append_raw(fd, "{\"seq\":3,\"time\":\"20");	/* crash */
	free(slurp(fd, &len0));

	/* Opening writes nothing (a crash before the next record must
	 * leave the log continuable), and may be repeated. */
	a = open_raw(fd);
	ck_assert_uint_eq(audit_seq(a), 2);
	free(slurp(fd, &len1));
	ck_assert_uint_eq(len0, len1);
	audit_close(a);
	a = open_ok(fd);
	ck_assert_uint_eq(audit_seq(a), 3);
	write_ok(a, "decision", "DENIED", "d");
	audit_close(a);

	buf = slurp(fd, NULL);
	ck_assert_int_eq(buf[strlen(buf) - 1], '\n');
	ck_assert_uint_eq(split_lines(buf, lines, 8), 5);
	ck_assert_str_eq(lines[2], "{\"seq\":3,\"time\":\"20");
	o = parse(lines[3]);
	ck_assert_int_eq(jint(o, "seq"), 3);
	ck_assert_str_eq(jstr(o, "type"), "session_start");
	rec = json_object_get(o, "recovered");
	ck_assert_int_eq(jint(rec, "torn_bytes"), 19);
	ck_assert_int_eq(jint(rec, "last_seq"), 2);
	sha256_ref(lines[1], hex);	/* chain skips the fragment */
	ck_assert_str_eq(jstr(o, "prev"), hex);
	json_decref(o);
	o = parse(lines[4]);
	ck_assert_int_eq(jint(o, "seq"), 4);
	sha256_ref(lines[3], hex);
	ck_assert_str_eq(jstr(o, "prev"), hex);
	json_decref(o);
	free(buf);

	a = open_raw(fd);
	ck_assert_uint_eq(audit_seq(a), 4);
	audit_close(a);
	close(fd);
}
END_TEST

START_TEST(test_only_torn_fragment)
{
	int fd = tmpfile_rw();
	struct audit *a;
	char *buf, *lines[4];
	json_t *o;

	append_raw(fd, "{\"se");
	a = open_raw(fd);
	ck_assert_uint_eq(audit_seq(a), 0);
	audit_close(a);
	a = open_ok(fd);
	audit_close(a);
	buf = slurp(fd, NULL);
	ck_assert_uint_eq(split_lines(buf, lines, 4), 2);
	o = parse(lines[1]);
	ck_assert_int_eq(jint(o, "seq"), 1);
	ck_assert_str_eq(jstr(o, "prev"), zeros);
	ck_assert_int_eq(jint(json_object_get(o, "recovered"), "torn_bytes"),
	    4);
	json_decref(o);
	free(buf);
	close(fd);
}
END_TEST

static void
open_fails(const char *content, const char *msg)
{
	int fd = tmpfile_rw();
	struct audit *a = (struct audit *)1;
	char err[256] = "";

	append_raw(fd, content);
	ck_assert_int_eq(audit_open(fd, NULL, &a, err, sizeof(err)), -1);
	ck_assert_ptr_null(a);
	ck_assert_msg(strstr(err, msg) != NULL, "err: %s", err);
	close(fd);
}

START_TEST(test_garbage_last_line)
{
	const char *why = "cannot continue chain: last line is not a record";

	open_fails("{\"seq\":1,\"prev\":\"x\"}\nthis is not json\n", why);
	open_fails("{\"seq\":1}\n[1,2,3]\n", why);
	open_fails("{\"seq\":1}\n{\"seq\":\"2\"}\n", why);
	open_fails("{\"seq\":1}\n{\"no\":\"seq\"}\n", why);
	open_fails("{\"seq\":1}\n\n", why);
	open_fails("garbage\n", why);
	/* garbage, then a torn fragment: still refused */
	open_fails("{\"seq\":1}\nxx\n{\"seq\":3", why);
}
END_TEST

START_TEST(test_escaping)
{
	static const char *target = "a \"quoted\"\nline\\ \t\x01 "
	    "\xc3\xbc \xe2\x82\xac \xf0\x9f\x98\x80 \xe2\x80\xae end\x7f";
	int fd = tmpfile_rw();
	struct audit *a = open_ok(fd);
	struct audit_rec r = {
		.type = AUDIT_R_DECISION, .action = "fs.read", .target = target,
		.status = AUDIT_S_DENIED, .error = "no \"rule\"\r\n\b\f", .rule = NULL,
		.duration_ms = 0, .record_id = "id",
	};
	char *buf, *lines[4];
	json_t *o;

	ck_assert_int_eq(audit_write(a, &r), 0);
	buf = slurp(fd, NULL);
	ck_assert_uint_eq(split_lines(buf, lines, 4), 2);
	o = parse(lines[1]);
	ck_assert_str_eq(jstr(o, "target"), target);
	ck_assert_str_eq(jstr(o, "error"), "no \"rule\"\r\n\b\f");
	ck_assert(json_is_null(json_object_get(o, "rule")));
	ck_assert_ptr_nonnull(strstr(lines[1], "\\u0001"));
	json_decref(o);
	free(buf);
	audit_close(a);
	close(fd);
}
END_TEST

START_TEST(test_invalid_utf8_is_null)
{
	static const char *bad[] = { "bad \xff\xfe", "\xc0\xaf", "\xed\xa0\x80",
	    "\xf4\x90\x80\x80", "\xe2\x82", "\xc3" };
	int fd = tmpfile_rw();
	struct audit *a = open_ok(fd);
	struct audit_rec r = {
		.type = AUDIT_R_DECISION, .action = "fs.read",
		.status = AUDIT_S_DENIED, .record_id = "id",
	};
	size_t i;
	json_t *o;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r.target = bad[i];
		ck_assert_int_eq(audit_write(a, &r), 0);
		o = last_line(fd);
		ck_assert_msg(json_is_null(json_object_get(o, "target")),
		    "case %zu", i);
		ck_assert_str_eq(jstr(o, "action"), "fs.read");
		json_decref(o);
	}
	audit_close(a);
	close(fd);
}
END_TEST

START_TEST(test_all_null_and_odd_numbers)
{
	int fd = tmpfile_rw();
	struct audit *a = open_ok(fd);
	struct audit_rec r;
	char *buf, *lines[4];
	json_t *o;

	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(audit_write(a, &r), -1);	/* a type is needed */
	r.type = AUDIT_R_DECISION;
	r.status = AUDIT_S_N;			/* and a status */
	ck_assert_int_eq(audit_write(a, &r), -1);
	r.status = AUDIT_S_DENIED;
	r.duration_ms = 1.0 / 0.0;
	ck_assert_int_eq(audit_write(a, &r), 0);
	r.duration_ms = 12.3456;
	ck_assert_int_eq(audit_write(a, &r), 0);
	buf = slurp(fd, NULL);
	ck_assert_uint_eq(split_lines(buf, lines, 4), 3);
	o = parse(lines[1]);
	ck_assert_str_eq(json_string_value(json_object_get(o, "status")),
	    "DENIED");
	ck_assert(json_is_null(json_object_get(o, "action")));
	ck_assert(json_is_null(json_object_get(o, "duration_ms")));
	json_decref(o);
	ck_assert_ptr_nonnull(strstr(lines[2], "\"duration_ms\":12.346,"));
	free(buf);
}
END_TEST

/* Durations are spelled with three decimals, rounded to the microsecond;
 * what is not a finite, non-negative number below 1e15 is null. */
START_TEST(test_duration_spelling)
{
	static const struct { double ms; const char *want; } c[] = {
		{ 0, "0.000" }, { 0.0004, "0.000" }, { 0.0006, "0.001" },
		{ 1.5, "1.500" }, { 999.9996, "1000.000" },
		{ 123456789.0125, "123456789.013" }, { -0.5, "null" },
		{ 1e15, "null" }, { 0.0 / 0.0, "null" },
	};
	int fd = tmpfile_rw();
	struct audit *a = open_ok(fd);
	struct audit_rec r;
	char *buf, *lines[16], want[64];
	size_t i;

	memset(&r, 0, sizeof(r));
	r.type = AUDIT_R_DECISION;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		r.duration_ms = c[i].ms;
		ck_assert_int_eq(audit_write(a, &r), 0);
	}
	buf = slurp(fd, NULL);
	ck_assert_uint_eq(split_lines(buf, lines, 16),
	    1 + sizeof(c) / sizeof(c[0]));
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		snprintf(want, sizeof(want), "\"duration_ms\":%s,", c[i].want);
		ck_assert_msg(strstr(lines[1 + i], want) != NULL,
		    "%s not in %s", want, lines[1 + i]);
	}
	free(buf);
	audit_close(a);
	close(fd);
}
END_TEST

START_TEST(test_readonly_fd)
{
	int fd = tmpfile_rw(), ro;
	struct audit *a;
	char err[256];

	a = open_ok(fd);
	write_ok(a, "decision", "DENIED", "a");
	audit_close(a);
	ro = reopen(fd, O_RDONLY);
	a = open_raw(ro);
	ck_assert_uint_eq(audit_seq(a), 2);
	ck_assert_int_eq(audit_begin(a, &sess, -1, err, sizeof(err)), -1);
	ck_assert_int_eq(audit_write(a, &(struct audit_rec){
	    .type = AUDIT_R_DECISION, .status = AUDIT_S_DENIED }), -1);
	ck_assert_uint_eq(audit_seq(a), 2);
	audit_close(a);
	close(ro);
	close(fd);
}
END_TEST

START_TEST(test_writeonly_fd)
{
	int fd = tmpfile_rw(), wo;
	struct audit *a = NULL;
	char err[256] = "";

	/* Empty: nothing to read, works. */
	wo = reopen(fd, O_WRONLY | O_APPEND);
	a = open_ok(wo);
	write_ok(a, "decision", "DENIED", "a");
	audit_close(a);
	/* Not empty: the chain cannot be read back, refused. */
	ck_assert_int_eq(audit_open(wo, NULL, &a, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "not open for reading"));
	close(wo);
	close(fd);
}
END_TEST

START_TEST(test_not_regular)
{
	int p[2];
	struct audit *a = NULL;
	char err[256] = "";

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(audit_open(p[1], NULL, &a, err, sizeof(err)), -1);
	ck_assert_ptr_null(a);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(test_long_last_line)
{
	int fd = tmpfile_rw();
	struct audit *a = open_ok(fd);
	size_t big = 300 * 1024;
	char *target = malloc(big + 1), *buf, *lines[8], hex[65];
	json_t *o;

	memset(target, 'x', big);
	target[big] = '\0';
	write_ok(a, "decision", "DENIED", "a");
	ck_assert_int_eq(audit_write(a, &(struct audit_rec){
	    .type = AUDIT_R_DECISION, .status = AUDIT_S_DENIED, .target = target }), 0);
	audit_close(a);
	a = open_ok(fd);
	ck_assert_uint_eq(audit_seq(a), 4);
	audit_close(a);
	buf = slurp(fd, NULL);
	ck_assert_uint_eq(split_lines(buf, lines, 8), 4);
	o = parse(lines[3]);
	sha256_ref(lines[2], hex);
	ck_assert_str_eq(jstr(o, "prev"), hex);
	json_decref(o);
	free(buf);
	free(target);
	close(fd);
}
END_TEST

START_TEST(test_too_long_line_refused)
{
	int fd = tmpfile_rw();
	struct audit *a = open_ok(fd);
	size_t big = 5 * 1024 * 1024;
	char *target = malloc(big + 1);
	struct stat st, st2;

	memset(target, 'y', big);
	target[big] = '\0';
	ck_assert_int_eq(fstat(fd, &st), 0);
	/* (targets and errors are cut; the action, bounded by the broker
	 * at decode, is not) */
	ck_assert_int_eq(audit_write(a, &(struct audit_rec){
	    .type = AUDIT_R_DECISION, .action = target }), -1);
	ck_assert_int_eq(fstat(fd, &st2), 0);
	ck_assert_int_eq(st.st_size, st2.st_size);
	ck_assert_uint_eq(audit_seq(a), 1);
	write_ok(a, "decision", "DENIED", "a");		/* still usable */
	audit_close(a);
	free(target);
	close(fd);
}
END_TEST

START_TEST(test_params)
{
	int fd = tmpfile_rw();
	struct audit_opts o = { AUDIT_SYNC_NONE, 0, 0, 16, 0, 0 };
	struct audit *a = NULL;
	struct audit_rec r = { .type = AUDIT_R_DECISION, .status = AUDIT_S_DENIED,
	    .params_sha256 = "ab", .params = "{\"a\":1}", .params_len = 7 };
	char err[256];
	json_t *j;

	ck_assert_int_eq(audit_open(fd, &o, &a, err, sizeof(err)), 0);
	ck_assert_int_eq(audit_begin(a, &sess, -1, err, sizeof(err)), 0);
	ck_assert_int_eq(audit_write(a, &r), 0);
	j = last_line(fd);
	ck_assert_int_eq(jint(json_object_get(j, "params"), "a"), 1);
	ck_assert_str_eq(jstr(j, "params_sha256"), "ab");
	json_decref(j);
	r.params = "{\"a\":\"0123456789abcdef\"}";	/* over the cap */
	r.params_len = strlen(r.params);
	ck_assert_int_eq(audit_write(a, &r), 0);
	j = last_line(fd);
	ck_assert(json_is_null(json_object_get(j, "params")));
	ck_assert_str_eq(jstr(j, "params_sha256"), "ab");
	json_decref(j);
	audit_close(a);
	close(fd);
}
END_TEST

START_TEST(test_sync_modes)
{
	static const char *names[] = { "always", "batch", "none" };
	enum audit_sync m;
	size_t i;

	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(audit_sync_parse(names[i], &m), 0);
		ck_assert_str_eq(audit_sync_name(m), names[i]);
	}
	ck_assert_int_eq(audit_sync_parse("sometimes", &m), -1);
}
END_TEST

START_TEST(test_parse_time)
{
	ck_assert(audit_parse_time("1970-01-01T00:00:00.000001Z") == 1);
	ck_assert(audit_parse_time("2000-03-01T00:00:00.000000Z") ==
	    951868800000000ll);
	ck_assert(audit_parse_time("2000-13-01T00:00:00.000000Z") == -1);
	ck_assert(audit_parse_time("2000-01-01 00:00:00.000000Z") == -1);
	ck_assert(audit_parse_time("2000-01-01T00:00:00.00000Z") == -1);
	ck_assert(audit_parse_time(NULL) == -1);
}
END_TEST

/* --- logview/records.c ------------------------------------------------ */

static unsigned long warned[16];
static size_t nwarned;

static void
warn_cb(unsigned long lineno, const char *why, void *arg)
{
	if (nwarned < 16)
		warned[nwarned++] = lineno;
}

static struct lv *
lv_of(const char *text)
{
	struct lv *lv;

	nwarned = 0;
	lv = lv_new(warn_cb, NULL);
	ck_assert_ptr_nonnull(lv);
	ck_assert_int_eq(lv_feed(lv, text, strlen(text)), 0);
	ck_assert_int_eq(lv_finish(lv), 0);
	return lv;
}

#define DEC(seq, id, st, act) "{\"seq\":" #seq ",\"timestamp\":\"t" #seq \
	"\",\"type\":\"decision\",\"action\":\"" act "\",\"target\":\"/x\"," \
	"\"status\":\"" st "\",\"rule\":null,\"error\":null," \
	"\"duration_ms\":0.1,\"record_id\":\"" id "\",\"prev\":\"p\"}\n"
#define OUT(seq, id, st, err) "{\"seq\":" #seq ",\"timestamp\":\"t" #seq \
	"\",\"type\":\"outcome\",\"action\":\"fs.read\",\"target\":\"/x\"," \
	"\"status\":\"" st "\",\"rule\":null,\"error\":" err "," \
	"\"duration_ms\":7.25,\"record_id\":\"" id "\",\"prev\":\"p\"}\n"

START_TEST(test_lv_join)
{
	struct lv *lv = lv_of(
	    DEC(1, "a", "ALLOWED", "fs.read")
	    DEC(2, "b", "DENIED", "fs.write")
	    DEC(3, "c", "ALLOWED", "fs.read")
	    OUT(4, "c", "FAILED", "\"ENOENT\"")
	    OUT(5, "a", "OK", "null")
	    DEC(6, "d", "ALLOWED", "proc.exec"));
	const struct lv_row *r;

	ck_assert_uint_eq(lv_nrows(lv), 4);
	ck_assert_uint_eq(lv_nskipped(lv), 0);
	r = lv_row(lv, 0);
	ck_assert_uint_eq(r->seq, 1);
	ck_assert_str_eq(r->status, "OK");
	ck_assert_str_eq(r->timestamp, "t1");	/* the decision's time */
	ck_assert(r->has_duration && r->duration_ms == 7.25);
	ck_assert_ptr_null(r->error);
	r = lv_row(lv, 1);
	ck_assert_str_eq(r->status, "DENIED");
	ck_assert(r->duration_ms == 0.1);
	r = lv_row(lv, 2);
	ck_assert_str_eq(r->status, "FAILED");
	ck_assert_str_eq(r->error, "ENOENT");
	r = lv_row(lv, 3);				/* pending / crash */
	ck_assert_str_eq(r->status, "ALLOWED");
	ck_assert(!r->has_outcome);
	ck_assert_ptr_null(lv_row(lv, 4));
	lv_free(lv);
}
END_TEST

START_TEST(test_lv_skips)
{
	struct lv *lv = lv_of(
	    "not json\n"
	    DEC(1, "a", "DENIED", "fs.read")
	    "[1,2]\n"
	    "{\"no\":\"seq\"}\n"
	    "{\"seq\":2,\"type\":\"session_start\",\"layers\":[]}\n"
	    OUT(3, "a", "OK", "null")		/* not ALLOWED: ignored */
	    OUT(4, "zz", "OK", "null")		/* no decision */
	    "{\"seq\":5,\"seq\":6,\"type\":\"decision\"}\n"
	    "\n"
	    DEC(7, "b", "NO_PROVIDER", "net.http")
	    "{\"seq\":8,\"type\":\"decision\",\"status\":\"DENIED\"}");

	ck_assert_uint_eq(lv_nrows(lv), 3);	/* a, b, and the last line */
	ck_assert_str_eq(lv_row(lv, 0)->status, "DENIED");
	ck_assert_str_eq(lv_row(lv, 1)->status, "NO_PROVIDER");
	ck_assert_uint_eq(lv_row(lv, 2)->seq, 8);
	ck_assert_ptr_null(lv_row(lv, 2)->record_id);
	ck_assert_uint_eq(lv_nskipped(lv), 7);
	ck_assert_uint_eq(nwarned, 7);
	ck_assert_uint_eq(warned[0], 1);
	ck_assert_uint_eq(warned[1], 3);
	ck_assert_uint_eq(warned[2], 4);
	ck_assert_uint_eq(warned[3], 6);
	ck_assert_uint_eq(warned[4], 7);
	ck_assert_uint_eq(warned[5], 8);
	ck_assert_uint_eq(warned[6], 9);
	lv_free(lv);
}
END_TEST

START_TEST(test_lv_chunked)
{
	const char *text = DEC(1, "a", "ALLOWED", "fs.read")
	    "junk\n" OUT(2, "a", "OK", "null") DEC(3, "b", "DENIED", "x");
	struct lv *lv;
	size_t i;

	nwarned = 0;
	lv = lv_new(warn_cb, NULL);
	for (i = 0; text[i] != '\0'; i++)
		ck_assert_int_eq(lv_feed(lv, text + i, 1), 0);
	ck_assert_int_eq(lv_finish(lv), 0);
	ck_assert_uint_eq(lv_nrows(lv), 2);
	ck_assert_str_eq(lv_row(lv, 0)->status, "OK");
	ck_assert_uint_eq(nwarned, 1);
	ck_assert_uint_eq(warned[0], 2);
	lv_free(lv);
}
END_TEST

static size_t *
sel(struct lv *lv, const char *status, const char *action, size_t limit,
    size_t *n)
{
	struct lv_filter f = { 0 };
	char bad[64];

	if (status != NULL)
		ck_assert_int_eq(lv_status_parse(status, &f.statuses, bad,
		    sizeof(bad)), 0);
	f.action = action;
	f.limit = limit;
	return lv_select(lv, &f, n);
}

START_TEST(test_lv_filters)
{
	struct lv *lv = lv_of(
	    "{\"seq\":1,\"time\":\"2026-01-01T10:00:00.000000Z\",\"session\":\"s1\","
	    "\"type\":\"decision\",\"status\":\"DENIED\",\"record_id\":\"a\"}\n"
	    "{\"seq\":2,\"time\":\"2026-01-02T10:00:00.000000Z\",\"session\":\"s2\","
	    "\"type\":\"decision\",\"status\":\"ALLOWED\",\"record_id\":\"b\"}\n"
	    "{\"seq\":3,\"time\":\"2026-01-03T10:00:00.000000Z\",\"session\":\"s2\","
	    "\"type\":\"decision\",\"status\":\"DENIED\",\"record_id\":\"c\"}\n");
	struct lv_filter f = { 0 };
	size_t n, *ix;

	f.session = "s2";
	ix = lv_select(lv, &f, &n);
	ck_assert_uint_eq(n, 2);
	free(ix);
	f.session = "s";	/* a prefix: every session starting with it */
	ix = lv_select(lv, &f, &n);
	ck_assert_uint_eq(n, 3);
	free(ix);
	f.session = "s22";
	ix = lv_select(lv, &f, &n);
	ck_assert_uint_eq(n, 0);
	free(ix);
	memset(&f, 0, sizeof(f));
	f.since = "2026-01-02";
	f.until = "2026-01-02";
	ix = lv_select(lv, &f, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(lv_row(lv, ix[0])->record_id, "b");
	free(ix);
	memset(&f, 0, sizeof(f));
	f.record_id = "c";
	ix = lv_select(lv, &f, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(lv_row(lv, ix[0])->session, "s2");
	free(ix);
	ck_assert(lv_row_final(lv, 0));
	/* ALLOWED, no outcome yet: a later request says nothing (answers
	 * come in completion order), only its session's end does */
	ck_assert(!lv_row_final(lv, 1));
	ck_assert(lv_row_final(lv, 2));
	lv_free(lv);
}
END_TEST

static int
feed(struct lv *lv, const char *text)
{
	return lv_feed(lv, text, strlen(text));
}

/* aksup log --status: the records' statuses and the answers' (ERROR is
 * every row answered ERROR), a list, any case; anything else refused
 * with the word (before: any string, an empty table, exit 0). */
START_TEST(test_lv_status_filter)
{
	struct lv *lv = lv_of(
	    DEC(1, "a", "DENIED", "fs.read")
	    DEC(2, "b", "ALLOWED", "fs.read")
	    OUT(3, "b", "OK", "null")
	    DEC(4, "c", "INVALID", "fs.read")
	    DEC(5, "d", "ALLOWED", "fs.read")
	    OUT(6, "d", "FAILED", "\"gone\"")
	    DEC(7, "e", "NO_PROVIDER", "net.http")
	    DEC(8, "f", "ALLOWED", "fs.read")
	    OUT(9, "f", "OK", "\"result too large for the agent channel\""));
	static const struct { const char *q; size_t n; } c[] = {
		{ "DENIED", 1 }, { "denied", 1 }, { "OK", 2 },
		{ "ERROR", 4 },		/* c d e f */
		{ "DENIED,ERROR", 5 }, { "failed", 1 }, { "NO_PROVIDER", 1 },
		{ "invalid,ok", 3 },
	};
	unsigned m;
	size_t i, n, *ix;
	char bad[64];

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		ix = sel(lv, c[i].q, NULL, 0, &n);
		ck_assert_msg(n == c[i].n, "%s: %zu rows", c[i].q, n);
		free(ix);
	}
	ck_assert_int_eq(lv_status_parse("DENY", &m, bad, sizeof(bad)), -1);
	ck_assert_str_eq(bad, "DENY");
	ck_assert_int_eq(lv_status_parse("OK,,DENIED", &m, bad, sizeof(bad)),
	    -1);
	ck_assert_str_eq(bad, "");
	ck_assert_int_eq(lv_status_parse("", &m, bad, sizeof(bad)), -1);
	lv_free(lv);
}
END_TEST

/* aksup log --follow: an ALLOWED row is final once its outcome is in,
 * even after other requests' records, or once its session is over (it
 * crashed: no outcome will come). */
START_TEST(test_lv_final_in_completion_order)
{
	struct lv *lv = lv_of(
	    "{\"seq\":1,\"session\":\"s1\",\"type\":\"decision\","
	    "\"status\":\"ALLOWED\",\"record_id\":\"a\"}\n"
	    "{\"seq\":2,\"session\":\"s1\",\"type\":\"decision\","
	    "\"status\":\"ALLOWED\",\"record_id\":\"b\"}\n"
	    "{\"seq\":3,\"session\":\"s1\",\"type\":\"outcome\","
	    "\"status\":\"OK\",\"record_id\":\"b\"}\n");

	ck_assert(!lv_row_final(lv, 0));	/* a: still in flight */
	ck_assert(lv_row_final(lv, 1));		/* b: answered first */
	ck_assert_int_eq(feed(lv, "{\"seq\":4,\"session\":\"s1\","
	    "\"type\":\"outcome\",\"status\":\"OK\",\"record_id\":\"a\"}\n"), 0);
	ck_assert(lv_row_final(lv, 0));
	ck_assert_str_eq(lv_row(lv, 0)->status, "OK");
	ck_assert_int_eq(feed(lv, "{\"seq\":5,\"session\":\"s1\","
	    "\"type\":\"decision\",\"status\":\"ALLOWED\","
	    "\"record_id\":\"c\"}\n"), 0);
	ck_assert(!lv_row_final(lv, 2));
	ck_assert_int_eq(feed(lv, "{\"seq\":6,\"session\":\"s2\","
	    "\"type\":\"session_start\"}\n"), 0);
	ck_assert(lv_row_final(lv, 2));		/* s1 crashed: none comes */
	lv_free(lv);
}
END_TEST

START_TEST(test_lv_select)
{
	struct lv *lv = lv_of(
	    DEC(1, "a", "DENIED", "fs.read")
	    DEC(2, "b", "ALLOWED", "fs.read")
	    OUT(3, "b", "OK", "null")
	    DEC(4, "c", "DENIED", "fs.write")
	    DEC(5, "d", "DENIED", "fs.read")
	    DEC(6, "e", "INVALID", "fs.read"));
	size_t n, *ix;

	ix = sel(lv, NULL, NULL, 0, &n);
	ck_assert_uint_eq(n, 5);
	free(ix);
	ix = sel(lv, "denied", NULL, 0, &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(ix[0], 0);
	ck_assert_uint_eq(ix[2], 3);
	free(ix);
	ix = sel(lv, "DENIED", "fs.read", 0, &n);
	ck_assert_uint_eq(n, 2);
	free(ix);
	ix = sel(lv, NULL, "FS.READ", 0, &n);	/* action exact */
	ck_assert_uint_eq(n, 0);
	free(ix);
	ix = sel(lv, NULL, NULL, 2, &n);		/* the last two */
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(ix[0], 3);
	ck_assert_uint_eq(ix[1], 4);
	free(ix);
	ix = sel(lv, "denied", NULL, 2, &n);	/* filter, then limit */
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(ix[0], 2);
	ck_assert_uint_eq(ix[1], 3);
	free(ix);
	ix = sel(lv, "ok", NULL, 100, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(lv_row(lv, ix[0])->seq, 2);
	free(ix);
	lv_free(lv);
}
END_TEST

START_TEST(test_lv_row_json)
{
	struct lv *lv = lv_of(DEC(1, "a", "ALLOWED", "fs.read")
	    OUT(2, "a", "FAILED", "\"boom\""));
	char *s = lv_row_json(lv_row(lv, 0));

	ck_assert_str_eq(s, "{\"timestamp\":\"t1\",\"session\":null,\"action\":\"fs.read\","
	    "\"target\":\"/x\",\"status\":\"FAILED\",\"error\":\"boom\","
	    "\"duration_ms\":7.25,\"record_id\":\"a\",\"rule\":null,"
	    "\"seq\":1}");
	free(s);
	lv_free(lv);
}
END_TEST

START_TEST(test_lv_display)
{
	char *s, longs[128];
	size_t w;

	s = lv_display(NULL, 0, &w);
	ck_assert_str_eq(s, "-");
	free(s);
	s = lv_display("a\x1b[2Jb\n\x7f", 0, &w);
	ck_assert_str_eq(s, "a\\x1b[2Jb\\n\\x7f");
	ck_assert_uint_eq(w, strlen(s));
	free(s);
	s = lv_display("\xc2\x85 \xe2\x80\xae \xff \xc3\xbc", 0, &w);
	ck_assert_str_eq(s, "\\u0085 \\u202e \\xff \xc3\xbc");
	ck_assert_uint_eq(w, 6 + 1 + 6 + 1 + 4 + 1 + 1);
	free(s);
	memset(longs, 'z', 60);
	longs[60] = '\0';
	s = lv_display(longs, 50, &w);
	ck_assert_uint_eq(w, 50);
	ck_assert_uint_eq(strlen(s), 49 + 3);
	ck_assert_str_eq(s + 49, "\xe2\x80\xa6");
	free(s);
	longs[50] = '\0';				/* exactly fits */
	s = lv_display(longs, 50, &w);
	ck_assert_str_eq(s, longs);
	free(s);
}
END_TEST

START_TEST(test_audit_to_lv)
{
	int fd = tmpfile_rw();
	struct audit *a = open_ok(fd);
	struct lv *lv;
	char *buf;
	size_t len;

	write_ok(a, "decision", "ALLOWED", "r1");
	write_ok(a, "outcome", "OK", "r1");
	write_ok(a, "decision", "DENIED", "r2");
	audit_close(a);
	append_raw(fd, "{\"torn");
	a = open_ok(fd);
	write_ok(a, "decision", "ALLOWED", "r3");
	audit_close(a);
	buf = slurp(fd, &len);
	nwarned = 0;
	lv = lv_new(warn_cb, NULL);
	ck_assert_int_eq(lv_feed(lv, buf, len), 0);
	ck_assert_int_eq(lv_finish(lv), 0);
	ck_assert_uint_eq(lv_nrows(lv), 3);
	ck_assert_str_eq(lv_row(lv, 0)->status, "OK");
	ck_assert_str_eq(lv_row(lv, 1)->status, "DENIED");
	ck_assert_str_eq(lv_row(lv, 2)->status, "ALLOWED");
	ck_assert_uint_eq(lv_row(lv, 2)->seq, 6);
	ck_assert_uint_eq(nwarned, 1);
	ck_assert_uint_eq(warned[0], 5);
	lv_free(lv);
	free(buf);
	close(fd);
}
END_TEST

/*
 * Issue 10: session_end and the final seal reach the file in one
 * write(2), so a kill can never fall between them. The child ends a
 * sealed session under ptrace; the parent counts the write(2) calls on
 * the log fd after the child's marker (a write(2) to fd -1, EBADF).
 */
static int
end_writes_child(int fd)
{
	struct audit_opts o = { AUDIT_SYNC_NONE, 1000, 0, 0, 0, 0 };
	struct audit *a = NULL;
	char err[256];
	int kfd = tmpfile_rw();

	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) == -1)
		return 3;
	raise(SIGSTOP);
	if (audit_open(fd, &o, &a, err, sizeof(err)) == -1 ||
	    audit_begin(a, &sess, kfd, err, sizeof(err)) == -1)
		return 4;
	write_ok(a, "decision", "DENIED", "r1");
	(void)!write(-1, "marker", 6);
	if (audit_end(a) == -1)
		return 5;
	audit_close(a);
	return 0;
}

START_TEST(test_end_one_write)
{
	struct __ptrace_syscall_info si;
	int fd = tmpfile_rw(), st, writes = 0, marked = 0;
	char *buf, *lines[16];
	size_t n;
	pid_t pid;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(end_writes_child(fd));
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFSTOPPED(st), "ptrace not permitted here");
	ck_assert_int_eq(ptrace(PTRACE_SETOPTIONS, pid, NULL,
	    (void *)PTRACE_O_TRACESYSGOOD), 0);
	for (;;) {
		ck_assert_int_eq(ptrace(PTRACE_SYSCALL, pid, NULL, NULL), 0);
		ck_assert_int_eq(waitpid(pid, &st, 0), pid);
		if (WIFEXITED(st))
			break;
		if (!WIFSTOPPED(st) || WSTOPSIG(st) != (SIGTRAP | 0x80))
			continue;
		ck_assert_int_gt(ptrace(PTRACE_GET_SYSCALL_INFO, pid,
		    (void *)sizeof(si), &si), 0);
		if (si.op != PTRACE_SYSCALL_INFO_ENTRY ||
		    si.entry.nr != SYS_write)
			continue;
		if ((int)si.entry.args[0] == -1)
			marked = 1;
		else if (marked && (int)si.entry.args[0] == fd)
			writes++;
	}
	ck_assert_int_eq(WEXITSTATUS(st), 0);
	ck_assert(marked);
	ck_assert_msg(writes == 1, "session_end and the final seal took %d "
	    "write(2) calls", writes);
	buf = slurp(fd, NULL);
	n = split_lines(buf, lines, 16);
	ck_assert_uint_eq(n, 5);
	ck_assert_ptr_nonnull(strstr(lines[3], "\"type\":\"session_end\""));
	ck_assert_ptr_nonnull(strstr(lines[4], "\"final\":true"));
	free(buf);
	close(fd);
}
END_TEST

/* Issue 10: U+2028/9, bidi controls, C1 and DEL are escaped in records
 * and in --json, by one function. */
START_TEST(test_escape_unsafe)
{
	static const char in[] = "a\xe2\x80\xa8" "b\xe2\x80\xae" "c\xc2\x85" "d\x7f"
	    "\xd8\x9c\xe2\x81\xa6\xc3\xa9"
	    "\xc2\xad\xe2\x80\x8b\xe2\x81\xa0\xef\xbb\xbf\xf3\xa0\x80\x81"
	    "\xe2\x80\x90";	/* U+2010, a visible hyphen: kept */
	static const char want[] = "\"a\\u2028b\\u202ec\\u0085d\\u007f"
	    "\\u061c\\u2066\xc3\xa9"
	    "\\u00ad\\u200b\\u2060\\ufeff\\udb40\\udc01\xe2\x80\x90\"";
	char out[JSON_ESCAPE_MAX(sizeof(in))], *j;
	struct lv_row r = { .seq = 1, .target = (char *)in };
	size_t n;
	json_t *o;

	n = json_escape(out, in, sizeof(in) - 1);
	ck_assert_uint_eq(n, sizeof(want) - 1);
	ck_assert(memcmp(out, want, n) == 0);
	j = lv_row_json(&r);
	ck_assert_ptr_nonnull(j);
	ck_assert_msg(strstr(j, want) != NULL, "%s", j);
	o = json_loads(j, 0, NULL);		/* still the same value */
	ck_assert_str_eq(json_string_value(json_object_get(o, "target")), in);
	json_decref(o);
	free(j);
}
END_TEST

/* Issue 10: a 64 KiB target is recorded cut to AUDIT_TARGET_MAX bytes,
 * with its length and SHA-256. */
START_TEST(test_long_target_cut)
{
	int fd = tmpfile_rw();
	struct audit *a = open_ok(fd);
	char *t = malloc(65536 + 1), hex[65];
	struct audit_rec r = { .type = AUDIT_R_DECISION, .action = "fs.read",
	    .status = AUDIT_S_DENIED, .record_id = "x" };
	json_t *o;

	memset(t, 'a', 65536);
	t[0] = '/';
	t[65536] = '\0';
	r.target = t;
	ck_assert_int_eq(audit_write(a, &r), 0);
	o = last_line(fd);
	ck_assert_ptr_null(json_object_get(o, "target_sent"));	/* none */
	json_decref(o);
	r.target_sent = t;	/* as sent: bounded the same way */
	ck_assert_int_eq(audit_write(a, &r), 0);
	o = last_line(fd);
	ck_assert_uint_eq(strlen(json_string_value(json_object_get(o,
	    "target_sent"))), AUDIT_TARGET_MAX);
	ck_assert_int_eq(json_integer_value(json_object_get(o,
	    "target_sent_len")), 65536);
	ck_assert_uint_eq(strlen(json_string_value(json_object_get(o,
	    "target"))), AUDIT_TARGET_MAX);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "target_len")),
	    65536);
	audit_sha256_hex(t, 65536, hex);
	ck_assert_str_eq(json_string_value(json_object_get(o,
	    "target_sha256")), hex);
	json_decref(o);
	audit_close(a);
	free(t);
	close(fd);
}
END_TEST


/* --audit-max-records: a decision is refused when it and its outcome
 * would pass the budget; session_end still goes out, with the reason. */
START_TEST(test_budget_records)
{
	struct audit_opts o = { AUDIT_SYNC_NONE, 0, 0, 0, 0, 5 };
	struct audit *a = NULL;
	struct audit_rec r = { .type = AUDIT_R_DECISION, .action = "fs.read",
	    .target = "/x", .status = AUDIT_S_DENIED, .record_id = "x" };
	char err[256];
	int fd = tmpfile_rw(), i, rc = 0;
	json_t *o2;

	ck_assert_int_eq(audit_open(fd, &o, &a, err, sizeof(err)), 0);
	ck_assert_int_eq(audit_begin(a, &sess, -1, err, sizeof(err)), 0);
	for (i = 0; i < 10 && (rc = audit_write(a, &r)) == 0; i++)
		;
	ck_assert_int_eq(rc, AUDIT_BUDGET);
	ck_assert_int_eq(i, 4);		/* 4 + 2 would be 6 > 5 */
	ck_assert_int_eq(audit_end_reason(a, "audit budget"), 0);
	o2 = last_line(fd);
	ck_assert_str_eq(json_string_value(json_object_get(o2, "type")),
	    "session_end");
	ck_assert_int_eq(json_integer_value(json_object_get(o2, "records")), 4);
	ck_assert_str_eq(json_string_value(json_object_get(o2, "reason")),
	    "audit budget");
	json_decref(o2);
	audit_close(a);
	close(fd);
}
END_TEST

/* Several ALLOWED decisions in flight (the broker keeps up to 64): each
 * holds room for its outcome, so their outcomes and the closing records
 * still fit both budgets. Without the hold the decisions went on until
 * the last one's outcome alone fit, and the outcomes passed the budget. */
START_TEST(test_budget_outcomes_in_flight)
{
	struct audit_opts o = { AUDIT_SYNC_NONE, 0, 0, 0, AUDIT_MIN_BYTES, 10 };
	struct audit *a = NULL;
	struct audit_rec r = { .type = AUDIT_R_DECISION, .action = "fs.read",
	    .target = "/x", .status = AUDIT_S_ALLOWED, .record_id = "x" };
	uint64_t held[64];
	char err[256], *t = malloc(3000);
	int fd = tmpfile_rw(), i, n, rc = 0;
	struct stat st;

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(audit_open(fd, &o, &a, err, sizeof(err)), 0);
	ck_assert_int_eq(audit_begin(a, &sess, -1, err, sizeof(err)), 0);
	for (n = 0; n < 64 && (rc = audit_write(a, &r)) == 0; n++)
		held[n] = audit_last_reserve(a);
	ck_assert_int_eq(rc, AUDIT_BUDGET);
	ck_assert_int_eq(n, 5);		/* 2 x 4 records + 2 <= 10 */
	r.type = AUDIT_R_OUTCOME;
	r.status = AUDIT_S_OK;
	for (i = 0; i < n; i++) {
		r.reserve = held[i];
		ck_assert_int_eq(audit_write(a, &r), 0);
	}
	ck_assert_int_eq(audit_end_reason(a, "audit budget"), 0);
	audit_close(a);
	close(fd);

	/* bytes: long targets until refused, then every outcome */
	memset(t, 'a', 2999);
	t[0] = '/';
	t[2999] = '\0';
	o.max_records = 0;
	fd = tmpfile_rw();
	a = NULL;
	ck_assert_int_eq(audit_open(fd, &o, &a, err, sizeof(err)), 0);
	ck_assert_int_eq(audit_begin(a, &sess, -1, err, sizeof(err)), 0);
	r.type = AUDIT_R_DECISION;
	r.status = AUDIT_S_ALLOWED;
	r.target = t;
	r.reserve = 0;
	for (n = 0; n < 64 && (rc = audit_write(a, &r)) == 0; n++)
		held[n] = audit_last_reserve(a);
	ck_assert_int_eq(rc, AUDIT_BUDGET);
	ck_assert_int_gt(n, 1);
	r.type = AUDIT_R_OUTCOME;
	r.status = AUDIT_S_FAILED;
	r.error = "session ended before it ran";
	for (i = 0; i < n; i++) {
		r.reserve = held[i];
		ck_assert_int_eq(audit_write(a, &r), 0);
	}
	ck_assert_int_eq(audit_end_reason(a, "audit budget"), 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_msg((uint64_t)st.st_size <= AUDIT_MIN_BYTES,
	    "%lld bytes written, budget %llu", (long long)st.st_size,
	    (unsigned long long)AUDIT_MIN_BYTES);
	audit_close(a);
	close(fd);
	free(t);
}
END_TEST

/* --audit-params MAX: params beyond MAX are not cut (that would not be
 * JSON) but null, with their length beside params_sha256. */
START_TEST(test_params_beyond_bound)
{
	struct audit_opts o = { AUDIT_SYNC_NONE, 0, 0, 16, 0, 0 };
	struct audit *a = NULL;
	const char *p = "{\"content\":\"0123456789abcdef\"}";
	char err[256], hex[65];
	struct audit_rec r = { .type = AUDIT_R_DECISION, .action = "fs.write",
	    .target = "/x", .status = AUDIT_S_DENIED, .record_id = "x" };
	int fd = tmpfile_rw();
	json_t *o2;

	audit_sha256_hex(p, strlen(p), hex);
	r.params = p;
	r.params_len = strlen(p);
	r.params_sha256 = hex;
	ck_assert_int_eq(audit_open(fd, &o, &a, err, sizeof(err)), 0);
	ck_assert_int_eq(audit_begin(a, &sess, -1, err, sizeof(err)), 0);
	ck_assert_int_eq(audit_write(a, &r), 0);
	o2 = last_line(fd);
	ck_assert(json_is_null(json_object_get(o2, "params")));
	ck_assert_int_eq(json_integer_value(json_object_get(o2, "params_len")),
	    (json_int_t)strlen(p));
	ck_assert_str_eq(json_string_value(json_object_get(o2,
	    "params_sha256")), hex);
	json_decref(o2);
	audit_close(a);
	close(fd);
}
END_TEST

static Suite *
audit_suite(void)
{
	Suite *s = suite_create("audit");
	TCase *tc = tcase_create("writer");
	TCase *lc = tcase_create("logview");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_sha256_vector);
	tcase_add_test(tc, test_first_record);
	tcase_add_test(tc, test_timestamp_matches_gmtime);
	tcase_add_test(tc, test_key_order);
	tcase_add_test(tc, test_chain);
	tcase_add_test(tc, test_reopen_continues);
	tcase_add_test(tc, test_torn_line);
	tcase_add_test(tc, test_only_torn_fragment);
	tcase_add_test(tc, test_garbage_last_line);
	tcase_add_test(tc, test_escaping);
	tcase_add_test(tc, test_invalid_utf8_is_null);
	tcase_add_test(tc, test_all_null_and_odd_numbers);
	tcase_add_test(tc, test_duration_spelling);
	tcase_add_test(tc, test_readonly_fd);
	tcase_add_test(tc, test_writeonly_fd);
	tcase_add_test(tc, test_not_regular);
	tcase_add_test(tc, test_long_last_line);
	tcase_add_test(tc, test_too_long_line_refused);
	tcase_add_test(tc, test_params);
	tcase_add_test(tc, test_sync_modes);
	tcase_add_test(tc, test_parse_time);
	tcase_add_test(tc, test_end_one_write);
	tcase_add_test(tc, test_escape_unsafe);
	tcase_add_test(tc, test_long_target_cut);
	tcase_add_test(tc, test_budget_records);
	tcase_add_test(tc, test_lv_final_in_completion_order);
	tcase_add_test(tc, test_lv_status_filter);
	tcase_add_test(tc, test_budget_outcomes_in_flight);
	tcase_add_test(tc, test_params_beyond_bound);
	suite_add_tcase(s, tc);

	tcase_add_test(lc, test_lv_join);
	tcase_add_test(lc, test_lv_skips);
	tcase_add_test(lc, test_lv_chunked);
	tcase_add_test(lc, test_lv_select);
	tcase_add_test(lc, test_lv_filters);
	tcase_add_test(lc, test_lv_row_json);
	tcase_add_test(lc, test_lv_display);
	tcase_add_test(lc, test_audit_to_lv);
	suite_add_tcase(s, lc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(audit_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
