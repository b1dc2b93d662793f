/*
 * tests/unit/test_audit_verify.c -- the verifier (audit/verify.c) against
 * logs the writer (audit/audit.c) made, and the tamper vectors of issue 5:
 * a flipped byte, a deleted line, two swapped lines, a cut tail, a tail
 * re-sealed with a later key, a forged seal; plus crashes, torn lines and
 * sessions one after the other.
 *
 * Runs in: the test runner, as the invoking user, unconfined; temporary
 * files from mkstemp in /tmp, unlinked at once.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>

#include "audit/audit.h"
#include "audit/verify.h"

static const struct audit_session sess = { "0.0.0-test", "p.yaml", "abc",
    "seccomp", "", NULL, NULL };

static int
tmpfd(void)
{
	char path[] = "/tmp/test_verify.XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	unlink(path);
	return fd;
}

static char *
slurp(int fd, size_t *len)
{
	struct stat st;
	char *buf;

	ck_assert_int_eq(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	ck_assert_int_eq(pread(fd, buf, (size_t)st.st_size, 0), st.st_size);
	buf[st.st_size] = '\0';
	*len = (size_t)st.st_size;
	return buf;
}

/* A session of `n` requests (every third DENIED, the others ALLOWED + OK),
 * sealed every `every` records when key != NULL (its text appended). */
static void
session(int fd, int n, unsigned every, int end, char *key, size_t keycap)
{
	struct audit_opts o = { AUDIT_SYNC_NONE, every, 0, 0, 0, 0 };
	struct audit_rec r;
	struct audit *a = NULL;
	char err[256], id[32], *k;
	int kfd = -1, i;
	size_t klen;

	ck_assert_int_eq(audit_open(fd, &o, &a, err, sizeof(err)), 0);
	if (key != NULL)
		kfd = tmpfd();
	ck_assert_msg(audit_begin(a, &sess, kfd >= 0 ? dup(kfd) : -1, err,
	    sizeof(err)) == 0, "%s", err);
	for (i = 0; i < n; i++) {
		memset(&r, 0, sizeof(r));
		snprintf(id, sizeof(id), "id-%d", i);
		r.action = "fs.read";
		r.target = "/w/a.txt";
		r.record_id = id;
		r.type = AUDIT_R_DECISION;
		r.duration_ms = 0.25;
		r.status = i % 3 == 2 ? AUDIT_S_DENIED : AUDIT_S_ALLOWED;
		ck_assert_int_eq(audit_write(a, &r), 0);
		if (i % 3 != 2) {
			r.type = AUDIT_R_OUTCOME;
			r.status = AUDIT_S_OK;
			ck_assert_int_eq(audit_write(a, &r), 0);
		}
	}
	if (end)
		ck_assert_int_eq(audit_end(a), 0);
	audit_close(a);
	if (kfd >= 0) {
		k = slurp(kfd, &klen);
		ck_assert_uint_lt(strlen(key) + klen, keycap);
		strcat(key, k);
		free(k);
		close(kfd);
	}
}

static int nnotes;
static char notes[4096];	/* the notes of the last verify, one a line */

static void
count_note(const char *msg, void *arg)
{
	(void)arg;
	nnotes++;
	if (strlen(notes) + strlen(msg) + 2 < sizeof(notes)) {
		strcat(notes, msg);
		strcat(notes, "\n");
	}
}

/* Verify text; returns the result (copied). allow_open 2: also
 * --allow-crashed; 3: --allow-crashed alone. */
static struct av_result
verify(const char *text, size_t len, const char *key, int allow_open)
{
	struct av_opts o = { allow_open & 1, count_note, NULL,
	    allow_open >= 2 };
	struct av_result res;
	struct av *v;
	char err[200];
	size_t i, step = len / 7 + 1;

	nnotes = 0;
	notes[0] = '\0';
	v = av_new(&o);
	ck_assert_ptr_nonnull(v);
	if (key != NULL)
		ck_assert_msg(av_add_keys(v, key, strlen(key), err,
		    sizeof(err)) == 0, "%s", err);
	for (i = 0; i < len; i += step)		/* odd chunks */
		ck_assert_int_eq(av_feed(v, text + i, len - i < step ?
		    len - i : step), 0);
	ck_assert_int_ge(av_finish(v), 0);
	res = *av_result(v);
	av_free(v);
	return res;
}

/* Line i (1-based) of text: start and length. */
static const char *
line_at(const char *text, int i, size_t *len)
{
	const char *p = text, *nl;

	while (--i > 0)
		p = strchr(p, '\n') + 1;
	nl = strchr(p, '\n');
	*len = (size_t)(nl - p);
	return p;
}

static int
nlines(const char *text)
{
	int n = 0;

	for (; *text; text++)
		n += *text == '\n';
	return n;
}

/* The log from the vector tests: one sealed session, 12 requests, sealed
 * every 5 records, ended. */
static char *
sealed_log(size_t *len, char *key, size_t keycap)
{
	int fd = tmpfd();
	char *t;

	key[0] = '\0';
	session(fd, 12, 5, 1, key, keycap);
	t = slurp(fd, len);
	close(fd);
	return t;
}

#define ASSERT_BAD(res, seq, line) do {					\
	ck_assert_msg(!(res).valid, "tampering not detected");		\
	ck_assert_msg((res).bad_seq == (uint64_t)(seq) &&		\
	    (res).bad_line == (unsigned long)(line),			\
	    "first bad: seq %llu line %lu (%s), want seq %d line %d",	\
	    (unsigned long long)(res).bad_seq, (res).bad_line, (res).msg,	\
	    (seq), (line));						\
} while (0)

START_TEST(test_valid)
{
	char key[512], *t;
	size_t len;
	struct av_result r;

	t = sealed_log(&len, key, sizeof(key));
	r = verify(t, len, key, 0);
	ck_assert_msg(r.valid, "%s", r.msg);
	ck_assert_uint_eq(r.sessions, 1);
	ck_assert_uint_eq(r.records, (uint64_t)nlines(t));
	ck_assert_uint_gt(r.seals, 3);
	ck_assert_uint_eq(r.seals_checked, r.seals);
	r = verify(t, len, NULL, 0);	/* no key: valid, seals unchecked */
	ck_assert(r.valid);
	ck_assert_uint_eq(r.seals_checked, 0);
	ck_assert_int_gt(nnotes, 0);
	free(t);
}
END_TEST

START_TEST(test_flipped_byte)
{
	char key[512], *t;
	size_t len, ll;
	const char *l;
	struct av_result r;

	t = sealed_log(&len, key, sizeof(key));
	l = line_at(t, 6, &ll);
	/* inside the target of line 6 */
	((char *)strstr(l, "/w/a.txt"))[3] ^= 0x01;
	r = verify(t, len, key, 0);
	ASSERT_BAD(r, 6, 6);
	r = verify(t, len, NULL, 0);		/* the chain alone sees it */
	ASSERT_BAD(r, 6, 6);
	free(t);
}
END_TEST

START_TEST(test_deleted_line)
{
	char key[512], *t;
	const char *l;
	size_t len, ll;
	struct av_result r;

	t = sealed_log(&len, key, sizeof(key));
	l = line_at(t, 7, &ll);
	memmove((char *)l, l + ll + 1, len - (size_t)(l - t) - ll - 1);
	len -= ll + 1;
	t[len] = '\0';
	r = verify(t, len, key, 0);
	ASSERT_BAD(r, 7, 7);		/* seq 7 is missing at line 7 */
	free(t);
}
END_TEST

START_TEST(test_swapped_lines)
{
	char key[512], *t, *tmp;
	const char *a, *b;
	size_t len, la, lb;
	struct av_result r;

	t = sealed_log(&len, key, sizeof(key));
	a = line_at(t, 8, &la);
	b = line_at(t, 9, &lb);
	tmp = malloc(la + lb + 2);
	memcpy(tmp, b, lb);
	tmp[lb] = '\n';
	memcpy(tmp + lb + 1, a, la);
	memcpy((char *)a, tmp, la + lb + 1);
	free(tmp);
	r = verify(t, len, key, 0);
	ASSERT_BAD(r, 8, 8);
	free(t);
}
END_TEST

START_TEST(test_cut_tail)
{
	char key[512], *t;
	const char *l;
	size_t len, ll;
	int n;
	struct av_result r;

	t = sealed_log(&len, key, sizeof(key));
	n = nlines(t);
	l = line_at(t, n - 2, &ll);		/* keep n - 3 lines */
	len = (size_t)(l - t);
	t[len] = '\0';
	r = verify(t, len, key, 0);
	ASSERT_BAD(r, n - 2, n - 2);
	/* Cut in the middle of a line: also refused. */
	r = verify(t, len + 10, key, 0);
	ck_assert(!r.valid);
	free(t);
}
END_TEST

/*
 * The attacker changes a record after the seal of epoch e and re-chains
 * the rest; holding only a later key k_(e+2) (a broker compromised
 * later), every later seal is re-made with that key. With k_0 the
 * verifier derives each epoch's own key: the first re-made seal fails.
 */
static char *
reseal(const char *t, size_t len, int edit_line, const unsigned char *k,
    int later, size_t *outlen)
{
	const size_t flags = JSON_COMPACT | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(17);
	unsigned char key[32], next[32], head[32], mac[32];
	char prevhex[65], hex[65], *out, *s;
	const char *l;
	size_t ll, o = 0;
	int i, n = nlines(t), j;
	json_t *js;

	(void)len;
	out = malloc(len * 2 + 4096);
	memcpy(key, k, 32);
	for (i = 1; i <= n; i++) {
		l = line_at(t, i, &ll);
		js = json_loadb(l, ll, 0, NULL);
		ck_assert_ptr_nonnull(js);
		if (i == edit_line)
			json_object_set_new(js, "target",
			    json_string("/w/forged.txt"));
		if (i > edit_line) {
			json_object_set_new(js, "prev", json_string(prevhex));
			if (strcmp(json_string_value(json_object_get(js,
			    "type")), "seal") == 0) {
				unsigned char use[32];
				uint64_t e = (uint64_t)json_integer_value(
				    json_object_get(js, "epoch"));

				/* the attacker's key: k_(e+later) */
				memcpy(use, key, 32);
				for (j = 0; j < later; j++) {
					audit_key_evolve(use, next);
					memcpy(use, next, 32);
				}
				for (j = 0; j < 32; j++)
					sscanf(prevhex + 2 * j, "%2hhx", &head[j]);
				audit_seal_mac(use, head, e, mac);
				for (j = 0; j < 32; j++)
					snprintf(hex + 2 * j, 3, "%02x", mac[j]);
				json_object_set_new(js, "mac", json_string(hex));
			}
		}
		if (strcmp(json_string_value(json_object_get(js, "type")),
		    "seal") == 0) {
			audit_key_evolve(key, next);
			memcpy(key, next, 32);
		}
		if (i >= edit_line)
			s = json_dumps(js, flags);
		else
			s = strndup(l, ll);
		audit_sha256_hex(s, strlen(s), prevhex);
		memcpy(out + o, s, strlen(s));
		o += strlen(s);
		out[o++] = '\n';
		free(s);
		json_decref(js);
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

static void
key0(const char *key, unsigned char k[32])
{
	const char *h = strrchr(key, ' ') + 1;
	int j;

	for (j = 0; j < 32; j++)
		sscanf(h + 2 * j, "%2hhx", &k[j]);
}

START_TEST(test_resealed_with_later_key)
{
	char key[512], *t, *f;
	unsigned char k[32];
	size_t len, flen;
	struct av_result r;

	t = sealed_log(&len, key, sizeof(key));
	key0(key, k);
	/* Sanity: with each epoch's own key the forgery would pass -- this
	 * is what forward security keeps from a later intruder. */
	f = reseal(t, len, 10, k, 0, &flen);
	r = verify(f, flen, key, 0);
	ck_assert_msg(r.valid, "%s", r.msg);
	free(f);
	/* With a later key: the first re-sealed seal names its range. */
	f = reseal(t, len, 10, k, 2, &flen);
	r = verify(f, flen, key, 0);
	ck_assert(!r.valid);
	ck_assert_msg(r.bad_seq <= 10 && strstr(r.msg, "seal") != NULL,
	    "seq %llu: %s", (unsigned long long)r.bad_seq, r.msg);
	free(f);
	free(t);
}
END_TEST

START_TEST(test_forged_seal)
{
	char key[512], *t, *m = NULL;
	size_t len, ll;
	const char *l;
	int i, n;
	struct av_result r;

	t = sealed_log(&len, key, sizeof(key));
	n = nlines(t);
	/* the second seal of the log: its mac, all zeros */
	for (i = 3; i <= n; i++) {
		l = line_at(t, i, &ll);
		if ((m = strstr(l, "\"mac\":\"")) != NULL && m < l + ll)
			break;
	}
	ck_assert_ptr_nonnull(m);
	memset(m + 7, '0', 64);
	r = verify(t, len, key, 0);
	ck_assert(!r.valid);
	ck_assert_msg(strstr(r.msg, "does not verify") != NULL, "%s", r.msg);
	ck_assert_uint_le(r.bad_line, (unsigned long)i);
	/* The chain does not cover the mac's own line: without the key the
	 * forgery at the seal goes by, but the next prev does not. */
	r = verify(t, len, NULL, 0);
	ck_assert(!r.valid);
	free(t);
}
END_TEST

/*
 * An intruder who can edit the log but has no key rewrites it whole:
 * mode 1 drops every seal and marks the session "seal": null; mode 2
 * renames the session. seq and the chain are rebuilt, so only the key
 * the operator holds can tell.
 */
static char *
rewrite_unsealed(const char *t, int mode, size_t *outlen)
{
	const size_t flags = JSON_COMPACT | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(17);
	char prevhex[65], *out, *s;
	const char *l, *type;
	size_t ll, o = 0;
	int i, n = nlines(t);
	json_int_t seq = 0;
	json_t *js;

	memset(prevhex, '0', 64);
	prevhex[64] = '\0';
	out = malloc(strlen(t) * 2 + 64);
	for (i = 1; i <= n; i++) {
		l = line_at(t, i, &ll);
		js = json_loadb(l, ll, 0, NULL);
		ck_assert_ptr_nonnull(js);
		type = json_string_value(json_object_get(js, "type"));
		if (mode == 1 && strcmp(type, "seal") == 0) {
			json_decref(js);
			continue;
		}
		if (mode == 1 && strcmp(type, "session_start") == 0)
			json_object_set_new(js, "seal", json_null());
		if (mode == 2)
			json_object_set_new(js, "session", json_string(
			    "00000000-0000-4000-8000-000000000000"));
		json_object_set_new(js, "seq", json_integer(++seq));
		json_object_set_new(js, "prev", json_string(prevhex));
		s = json_dumps(js, flags);
		audit_sha256_hex(s, strlen(s), prevhex);
		memcpy(out + o, s, strlen(s));
		o += strlen(s);
		out[o++] = '\n';
		free(s);
		json_decref(js);
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

START_TEST(test_seals_removed_or_session_renamed)
{
	char key[512], *t, *f;
	size_t len, flen;
	struct av_result r;
	int mode;

	t = sealed_log(&len, key, sizeof(key));
	for (mode = 1; mode <= 2; mode++) {
		f = rewrite_unsealed(t, mode, &flen);
		/* without the key the rewrite is a valid unsealed log ... */
		r = verify(f, flen, NULL, 0);
		ck_assert_msg(r.valid, "mode %d: %s", mode, r.msg);
		/* ... with it, it is not */
		r = verify(f, flen, key, 0);
		ck_assert_msg(!r.valid, "mode %d: rewrite not detected", mode);
		ck_assert_msg(strstr(r.msg, mode == 1 ? "not sealed" :
		    "not in the log") != NULL, "mode %d: %s", mode, r.msg);
		free(f);
	}
	free(t);
}
END_TEST

START_TEST(test_sessions_and_crashes)
{
	int fd = tmpfd();
	char key[1024] = "", *t;
	size_t len;
	struct av_result r;

	session(fd, 4, 3, 1, key, sizeof(key));		/* clean */
	session(fd, 4, 3, 0, key, sizeof(key));		/* crash */
	ck_assert_int_eq(write(fd, "{\"seq\":99,\"ti", 13), 13);	/* torn */
	t = slurp(fd, &len);
	r = verify(t, len, key, 0);
	ck_assert(!r.valid);			/* open, torn */
	r = verify(t, len, key, 1);
	ck_assert_msg(r.valid, "%s", r.msg);
	free(t);
	session(fd, 2, 0, 1, NULL, 0);			/* unsealed, clean */
	session(fd, 3, 2, 1, key, sizeof(key));
	t = slurp(fd, &len);
	/* the second session's key is given and it has no final seal */
	r = verify(t, len, key, 0);
	ck_assert(!r.valid);
	ck_assert_msg(strstr(r.msg, "no final seal") != NULL, "%s", r.msg);
	r = verify(t, len, key, 3);
	ck_assert_msg(r.valid, "%s (line %lu)", r.msg, r.bad_line);
	ck_assert_msg(strstr(notes, "no final seal (crashed): records seq "
	    "24..24 are unsealed") != NULL, "%s", notes);
	ck_assert_uint_eq(r.sessions, 4);
	ck_assert_uint_eq(r.torn, 1);
	ck_assert_uint_eq(r.seals, r.seals_checked);
	free(t);
	close(fd);
}
END_TEST

START_TEST(test_outcome_without_decision)
{
	int fd = tmpfd();
	struct audit *a = NULL;
	struct audit_rec r = { .type = AUDIT_R_OUTCOME, .status = AUDIT_S_OK,
	    .record_id = "nope" };
	char err[256], *t;
	size_t len;
	struct av_result res;

	ck_assert_int_eq(audit_open(fd, NULL, &a, err, sizeof(err)), 0);
	ck_assert_int_eq(audit_begin(a, &sess, -1, err, sizeof(err)), 0);
	ck_assert_int_eq(audit_write(a, &r), 0);
	audit_close(a);
	t = slurp(fd, &len);
	res = verify(t, len, NULL, 1);
	ASSERT_BAD(res, 2, 2);
	free(t);
	close(fd);
}
END_TEST

/* An outcome DENIED (a worker's own refusal after ALLOWED) is an
 * mcp.call's (a tool changed since pinned), and no other action's. */
START_TEST(test_outcome_denied)
{
	int fd, k;
	struct audit *a = NULL;
	struct audit_rec d = { .type = AUDIT_R_DECISION, .status =
	    AUDIT_S_ALLOWED, .target = "s/t", .record_id = "r1" };
	struct audit_rec o = { .type = AUDIT_R_OUTCOME, .status =
	    AUDIT_S_DENIED, .target = "s/t", .record_id = "r1",
	    .error = "tool changed since pinned" };
	char err[256], *t;
	size_t len;
	struct av_result res;

	for (k = 0; k < 2; k++) {
		fd = tmpfd();
		d.action = o.action = k == 0 ? "mcp.call" : "fs.read";
		ck_assert_int_eq(audit_open(fd, NULL, &a, err, sizeof(err)), 0);
		ck_assert_int_eq(audit_begin(a, &sess, -1, err, sizeof(err)), 0);
		ck_assert_int_eq(audit_write(a, &d), 0);
		o.reserve = audit_last_reserve(a);
		ck_assert_int_eq(audit_write(a, &o), 0);
		audit_close(a);
		t = slurp(fd, &len);
		res = verify(t, len, NULL, 1);
		if (k == 0)
			ck_assert_msg(res.valid, "%s (line %lu)", res.msg,
			    res.bad_line);
		else {
			ASSERT_BAD(res, 3, 3);
			ck_assert_msg(strstr(res.msg, "outcome with status "
			    "DENIED") != NULL, "%s", res.msg);
		}
		free(t);
		close(fd);
	}
}
END_TEST

START_TEST(test_garbage_and_keys)
{
	struct av_result r;
	struct av *v = av_new(NULL);
	char err[200];

	r = verify("hello\n", 6, NULL, 1);
	ASSERT_BAD(r, 1, 1);
	r = verify("", 0, NULL, 0);
	ck_assert(r.valid);
	ck_assert_int_eq(av_add_keys(v, "aksup-seal-key 1 x y\n", 21, err,
	    sizeof(err)), -1);
	av_free(v);
}
END_TEST

/*
 * Issue 10: cut a cleanly ended, sealed session back to its first seal
 * and let a new session note the "crash". The writer itself appends that
 * session (it reads the cut log's tail and says recovered), as anyone
 * who can write the file can do without a key.
 */
START_TEST(test_faked_crash)
{
	char key[512], *t, *f;
	const char *l;
	size_t len, ll, flen;
	struct av_result r;
	int fd;

	t = sealed_log(&len, key, sizeof(key));
	l = line_at(t, 3, &ll);			/* keep session_start, seal 0 */
	fd = tmpfd();
	ck_assert_int_eq(write(fd, t, (size_t)(l - t)), l - t);
	session(fd, 2, 0, 1, NULL, 0);
	f = slurp(fd, &flen);
	ck_assert_ptr_nonnull(strstr(f, "\"recovered\":{"));
	/* without the key: a crash, as the log says */
	r = verify(f, flen, NULL, 0);
	ck_assert_msg(r.valid, "%s", r.msg);
	/* with it: not taken on the log's word */
	r = verify(f, flen, key, 0);
	ck_assert_msg(!r.valid, "faked crash not detected");
	ASSERT_BAD(r, 3, 3);
	ck_assert_msg(strstr(r.msg, "no final seal") != NULL, "%s", r.msg);
	/* the operator expects a crash: valid, and the note says what is
	 * (not) sealed */
	r = verify(f, flen, key, 3);
	ck_assert_msg(r.valid, "%s", r.msg);
	ck_assert_msg(strstr(notes, "no final seal (crashed): no record "
	    "after its last seal (seq 2) is unsealed") != NULL, "%s", notes);
	free(f);
	close(fd);
	free(t);
}
END_TEST

/* A keyed session whose final seal is gone: at the end of the log, and
 * in the middle (the next session follows a session_end, so its
 * session_start says nothing of a crash). */
START_TEST(test_keyed_without_final_seal)
{
	char key[512], *t, *f;
	const char *l;
	size_t len, ll, flen;
	struct av_result r;
	int n, fd;

	t = sealed_log(&len, key, sizeof(key));
	n = nlines(t);
	l = line_at(t, n, &ll);			/* the final seal */
	ck_assert_ptr_nonnull(strstr(l, "\"final\":true"));
	len = (size_t)(l - t);
	r = verify(t, len, key, 0);
	ASSERT_BAD(r, n - 1, n - 1);		/* session_end is unsealed */
	r = verify(t, len, key, 1);		/* not a running session */
	ck_assert(!r.valid);
	r = verify(t, len, key, 3);
	ck_assert_msg(r.valid, "%s", r.msg);
	ck_assert_msg(strstr(notes, "records seq 27..27 are unsealed") !=
	    NULL, "%s", notes);
	fd = tmpfd();
	ck_assert_int_eq(write(fd, t, len), (ssize_t)len);
	session(fd, 1, 0, 1, NULL, 0);
	f = slurp(fd, &flen);
	ck_assert_ptr_nonnull(strstr(f, "\"recovered\":null"));
	r = verify(f, flen, key, 0);
	ASSERT_BAD(r, n - 1, n - 1);
	r = verify(f, flen, NULL, 0);		/* no key: a note */
	ck_assert_msg(r.valid, "%s", r.msg);
	free(f);
	close(fd);
	free(t);
}
END_TEST

/* Set member `k` of line `edit` to `val` (stolen) and re-chain every
 * later line, as an intruder without a key can. */
static char *
edit_rechain(const char *t, int edit, const char *k, json_t *val,
    size_t *outlen)
{
	const size_t flags = JSON_COMPACT | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(17);
	char prevhex[65], *out, *s;
	const char *l;
	size_t ll, o = 0;
	int i, n = nlines(t);
	json_t *js;

	out = malloc(strlen(t) * 2 + 64);
	for (i = 1; i <= n; i++) {
		l = line_at(t, i, &ll);
		if (i < edit) {
			s = strndup(l, ll);
		} else {
			js = json_loadb(l, ll, 0, NULL);
			ck_assert_ptr_nonnull(js);
			if (i == edit)
				json_object_set_new(js, k, val);
			else
				json_object_set_new(js, "prev",
				    json_string(prevhex));
			s = json_dumps(js, flags);
			json_decref(js);
		}
		audit_sha256_hex(s, strlen(s), prevhex);
		memcpy(out + o, s, strlen(s));
		o += strlen(s);
		out[o++] = '\n';
		free(s);
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

START_TEST(test_time_goes_back)
{
	char *t, *f;
	size_t len, flen;
	struct av_result r;
	int fd = tmpfd();

	session(fd, 3, 0, 1, NULL, 0);		/* unsealed: the chain only */
	t = slurp(fd, &len);
	f = edit_rechain(t, 4, "time",
	    json_string("2000-01-01T00:00:00.000000Z"), &flen);
	r = verify(f, flen, NULL, 0);
	ASSERT_BAD(r, 4, 4);
	ck_assert_msg(strstr(r.msg, "time goes back") != NULL, "%s", r.msg);
	free(f);
	free(t);
	close(fd);
}
END_TEST

START_TEST(test_seal_count_wrong)
{
	char key[512], *t, *f;
	const char *l;
	size_t len, ll, flen;
	struct av_result r;
	int i;

	t = sealed_log(&len, key, sizeof(key));
	for (i = 3; ; i++) {			/* the seal of epoch 1 */
		l = line_at(t, i, &ll);
		if (strstr(l, "\"epoch\":1,") != NULL &&
		    strstr(l, "\"epoch\":1,") < l + ll)
			break;
	}
	f = edit_rechain(t, i, "records", json_integer(4), &flen);
	r = verify(f, flen, NULL, 0);		/* the mac is not checked */
	ASSERT_BAD(r, i, i);
	ck_assert_msg(strstr(r.msg, "seal covers 4 records") != NULL, "%s",
	    r.msg);
	free(f);
	free(t);
}
END_TEST


/* The session's budget (docs/AUDIT.md): a flood of records with 60 KiB
 * targets and 4 KiB errors under a 64 KiB budget, sealed every 3
 * records: the decision that would not leave room is refused
 * (AUDIT_BUDGET), the session still ends with session_end ("reason":
 * "audit budget") and the final seal, the file is within the budget,
 * and it verifies with the key. */
START_TEST(test_budget_ends_sealed)
{
	struct audit_opts o = { AUDIT_SYNC_NONE, 3, 0, 0, 64 * 1024, 0 };
	struct audit_rec r;
	struct audit *a = NULL;
	struct av_result res;
	char err[256], key[4096] = "", id[32], *t, *big, *text, *k;
	int fd = tmpfd(), kfd = tmpfd(), i, rc = 0, n;
	size_t len, klen, ll;
	const char *last;
	struct stat st;

	big = malloc(60 * 1024 + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, 'a', 60 * 1024);
	big[0] = '/';
	big[60 * 1024] = '\0';
	t = big;
	ck_assert_int_eq(audit_open(fd, &o, &a, err, sizeof(err)), 0);
	ck_assert_msg(audit_begin(a, &sess, dup(kfd), err, sizeof(err)) == 0,
	    "%s", err);
	for (i = 0; i < 1000; i++) {
		memset(&r, 0, sizeof(r));
		r.action = "fs.read";
		snprintf(id, sizeof(id), "id-%d", i);
		r.target = t;
		r.record_id = id;
		r.type = AUDIT_R_DECISION;
		r.status = i % 2 ? AUDIT_S_DENIED : AUDIT_S_ALLOWED;
		if ((rc = audit_write(a, &r)) != 0)
			break;
		if (i % 2 == 0) {
			r.type = AUDIT_R_OUTCOME;
			r.status = AUDIT_S_FAILED;
			r.error = big + 1;	/* cut to AUDIT_ERROR_MAX */
			ck_assert_int_eq(audit_write(a, &r), 0);
		}
	}
	ck_assert_int_eq(rc, AUDIT_BUDGET);
	ck_assert_int_gt(i, 4);
	/* refused again, and nothing was written for it */
	ck_assert_int_eq(fstat(fd, &st), 0);
	len = (size_t)st.st_size;
	r.type = AUDIT_R_DECISION;
	r.record_id = "again";
	ck_assert_int_eq(audit_write(a, &r), AUDIT_BUDGET);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_uint_eq((size_t)st.st_size, len);
	ck_assert_int_eq(audit_end_reason(a, "audit budget"), 0);
	audit_close(a);
	k = slurp(kfd, &klen);
	ck_assert_uint_lt(klen, sizeof(key));
	memcpy(key, k, klen);
	free(k);
	text = slurp(fd, &len);
	ck_assert_msg(len <= 64 * 1024, "log %zu bytes over a 64 KiB budget",
	    len);
	n = nlines(text);
	last = line_at(text, n, &ll);
	ck_assert_ptr_nonnull(memmem(last, ll, "\"type\":\"seal\"", 13));
	ck_assert_ptr_nonnull(memmem(last, ll, "\"final\":true", 12));
	last = line_at(text, n - 1, &ll);
	ck_assert_ptr_nonnull(memmem(last, ll, "\"type\":\"session_end\"", 20));
	ck_assert_ptr_nonnull(memmem(last, ll, "\"reason\":\"audit budget\"",
	    23));
	res = verify(text, len, key, 0);
	ck_assert_msg(res.valid, "verify: %s", res.msg);
	ck_assert_uint_eq(res.seals_checked, res.seals);
	free(text);
	free(big);
	close(kfd);
	close(fd);
}
END_TEST

static Suite *
verify_suite(void)
{
	Suite *s = suite_create("audit-verify");
	TCase *tc = tcase_create("vectors");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_valid);
	tcase_add_test(tc, test_flipped_byte);
	tcase_add_test(tc, test_deleted_line);
	tcase_add_test(tc, test_swapped_lines);
	tcase_add_test(tc, test_cut_tail);
	tcase_add_test(tc, test_resealed_with_later_key);
	tcase_add_test(tc, test_forged_seal);
	tcase_add_test(tc, test_seals_removed_or_session_renamed);
	tcase_add_test(tc, test_sessions_and_crashes);
	tcase_add_test(tc, test_outcome_without_decision);
	tcase_add_test(tc, test_outcome_denied);
	tcase_add_test(tc, test_garbage_and_keys);
	tcase_add_test(tc, test_faked_crash);
	tcase_add_test(tc, test_keyed_without_final_seal);
	tcase_add_test(tc, test_time_goes_back);
	tcase_add_test(tc, test_seal_count_wrong);
	tcase_add_test(tc, test_budget_ends_sealed);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(verify_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
