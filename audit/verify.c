/*
 * audit/verify.c -- the audit log verifier.
 *
 * Runs in: aksup-log (verify mode), confined by ROLE_LOGVIEW: only memory
 * work on the bytes it is handed; av_new() fetches SHA-256 before the
 * filter closes. Also in the unit tests and the fuzzer. Privilege: none.
 * Never calls exit().
 *
 * Lines are checked one behind the reader: a line that is not a record is
 * accepted only when the next line is a session_start that names it as
 * the torn fragment of a crashed write (recovered.torn_bytes). Everything
 * else that does not fit is the first bad record, and checking stops.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "audit/audit.h"
#include "audit/verify.h"
#include "common/hex.h"


struct avkey {
	char		 session[37];
	unsigned char	 k0[AUDIT_KEY_LEN];
	int		 used;		/* its session was in the log */
};

struct pend {			/* the line held back by one */
	json_t		*o;
	unsigned char	 hash[32];
	size_t		 len;
	unsigned long	 lineno;
	int		 have;
};

struct av {
	struct av_opts	 opts;
	struct av_result res;
	int		 done;		/* first error found */
	int		 dead;		/* out of memory */

	struct avkey	*keys;
	size_t		 nkeys;

	/* line assembly */
	char		*buf;
	size_t		 buflen, bufcap;
	int		 overlong;
	unsigned long	 lineno;
	struct pend	 pend;
	uint64_t	 dropped;	/* torn fragment just skipped */

	/* chain */
	uint64_t	 seq;
	unsigned char	 prev[32];
	char		 prevhex[65];
	int64_t		 last_us;

	/* the current session */
	int		 in_session;
	int		 closed;	/* session_end seen */
	int		 need_final;	/* sealed: the final seal must follow */
	char		 session[64];
	int		 sealed;
	int		 expect_seal0;
	uint64_t	 epoch;
	int		 have_key;
	unsigned char	 key[AUDIT_KEY_LEN];
	uint64_t	 since_seal;
	uint64_t	 first_unsealed_seq;	/* 0: none */
	unsigned long	 first_unsealed_line;
	uint64_t	 last_seal_seq;		/* 0: none yet */
	uint64_t	 sess_seals;
	uint64_t	 records, counts[AUDIT_S_N];
	json_t		*ids;		/* record_id -> 1 pending, 0 done */

	EVP_MD		*md;
	EVP_MD_CTX	*ctx;
};

static void note(struct av *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
static void fail(struct av *, uint64_t, unsigned long, const char *, ...)
    __attribute__((format(printf, 4, 5)));

static void
note(struct av *v, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (v->opts.note == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	v->opts.note(msg, v->opts.arg);
}

static void
fail(struct av *v, uint64_t seq, unsigned long line, const char *fmt, ...)
{
	va_list ap;

	if (v->done)
		return;
	v->done = 1;
	v->res.valid = 0;
	v->res.bad_seq = seq;
	v->res.bad_line = line;
	va_start(ap, fmt);
	vsnprintf(v->res.msg, sizeof(v->res.msg), fmt, ap);
	va_end(ap);
}

struct av *
av_new(const struct av_opts *o)
{
	struct av *v;

	if ((v = calloc(1, sizeof(*v))) == NULL)
		return NULL;
	if (o != NULL)
		v->opts = *o;
	memset(v->prevhex, '0', 64);
	v->res.valid = 1;
	if ((v->md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL ||
	    (v->ctx = EVP_MD_CTX_new()) == NULL ||
	    (v->ids = json_object()) == NULL) {
		av_free(v);
		return NULL;
	}
	return v;
}

void
av_free(struct av *v)
{
	if (v == NULL)
		return;
	if (v->keys != NULL) {
		OPENSSL_cleanse(v->keys, v->nkeys * sizeof(*v->keys));
		free(v->keys);
	}
	OPENSSL_cleanse(v->key, sizeof(v->key));
	json_decref(v->pend.o);
	json_decref(v->ids);
	EVP_MD_CTX_free(v->ctx);
	EVP_MD_free(v->md);
	free(v->buf);
	free(v);
}

static int
unhex(const char *s, size_t n, unsigned char *out)
{
	size_t i;
	int hi, lo;

	for (i = 0; i < n; i++) {
		hi = s[2 * i];
		lo = s[2 * i + 1];
		hi = hi >= '0' && hi <= '9' ? hi - '0' :
		    hi >= 'a' && hi <= 'f' ? hi - 'a' + 10 : -1;
		lo = lo >= '0' && lo <= '9' ? lo - '0' :
		    lo >= 'a' && lo <= 'f' ? lo - 'a' + 10 : -1;
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* A lowercase hex string of exactly 2n chars, decoded. */
static int
hexstr(const char *s, size_t n, unsigned char *out)
{
	if (s == NULL || strlen(s) != 2 * n)
		return -1;
	return unhex(s, n, out);
}

int
av_add_keys(struct av *v, const char *text, size_t len, char *err,
    size_t errlen)
{
	char line[256], sess[64], hex[80];
	const char *p = text, *end = text + len, *nl;
	struct avkey *nk;
	unsigned long ln = 0;
	size_t n;
	int ret = -1;

	while (p < end) {
		ln++;
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n == 0 || (n >= 1 && p[0] == '#'))
			goto next;
		if (n >= sizeof(line) || v->nkeys >= AV_KEYS_MAX) {
			snprintf(err, errlen, "key line %lu: too long or too "
			    "many keys", ln);
			goto out;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		if ((nk = reallocarray(v->keys, v->nkeys + 1,
		    sizeof(*nk))) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		v->keys = nk;
		nk = &v->keys[v->nkeys];
		if (sscanf(line, "aksup-seal-key 1 %63s %79s", sess, hex) != 2 ||
		    strlen(sess) != 36 || hexstr(hex, 32, nk->k0) == -1) {
			snprintf(err, errlen, "key line %lu: not \"aksup-seal-"
			    "key 1 SESSION HEX\"", ln);
			goto out;
		}
		memcpy(nk->session, sess, 37);
		nk->used = 0;
		v->nkeys++;
 next:
		p = nl ? nl + 1 : end;
	}
	ret = 0;
 out:
	OPENSSL_cleanse(line, sizeof(line));
	OPENSSL_cleanse(hex, sizeof(hex));
	return ret;
}

static const char *
sget(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int
uget(json_t *o, const char *k, uint64_t *out)
{
	json_t *j = json_object_get(o, k);

	if (!json_is_integer(j) || json_integer_value(j) < 0)
		return -1;
	*out = (uint64_t)json_integer_value(j);
	return 0;
}

static int
status_ix(const char *s, int lo, int hi)
{
	int i = audit_status_of(s);

	return i >= lo && i <= hi ? i : -1;
}

/* The current session ends without its end (next session_start). */
static void
session_abandon(struct av *v)
{
	if (v->sealed && v->first_unsealed_seq != 0)
		note(v, "session %s: records seq %llu..%llu after its last "
		    "seal are unsealed (the session ended abnormally)",
		    v->session, (unsigned long long)v->first_unsealed_seq,
		    (unsigned long long)v->seq);
}

/*
 * A session whose key was given has no final seal. The seals prove only
 * what comes before the last one; a crash and a cut (records after a
 * seal removed, a "recovering" session_start appended, which needs no
 * key) look the same. So it is a bad log unless the operator says a
 * crash is expected (--allow-crashed); then the note names exactly the
 * records no seal covers. Returns -1 when the log is bad.
 */
static int
keyed_unsealed(struct av *v, uint64_t seq, unsigned long ln)
{
	if (!v->opts.allow_crashed) {
		if (v->first_unsealed_seq != 0)
			fail(v, v->first_unsealed_seq, v->first_unsealed_line,
			    "session %s has no final seal: records seq "
			    "%llu..%llu are covered by no seal (a crash, or "
			    "records cut and replaced; --allow-crashed "
			    "accepts a crash)", v->session,
			    (unsigned long long)v->first_unsealed_seq,
			    (unsigned long long)v->seq);
		else
			fail(v, seq, ln, "session %s has no final seal: it "
			    "stops at its last seal, seq %llu (a crash, or the "
			    "records after it cut; --allow-crashed accepts "
			    "a crash)", v->session,
			    (unsigned long long)v->last_seal_seq);
		return -1;
	}
	if (v->first_unsealed_seq != 0)
		note(v, "session %s has no final seal (crashed): records seq "
		    "%llu..%llu are unsealed (only the chain covers them); "
		    "its last seal is seq %llu", v->session,
		    (unsigned long long)v->first_unsealed_seq,
		    (unsigned long long)v->seq,
		    (unsigned long long)v->last_seal_seq);
	else
		note(v, "session %s has no final seal (crashed): no record "
		    "after its last seal (seq %llu) is unsealed; what the "
		    "session did after it is not in the log", v->session,
		    (unsigned long long)v->last_seal_seq);
	return 0;
}

static void
session_report(struct av *v)
{
	if (!v->sealed)
		note(v, "session %s is not sealed (started without "
		    "--seal-key-out): only the chain protects it", v->session);
	else if (!v->have_key && v->sess_seals > 0)
		note(v, "session %s: %llu seals not checked (no key)",
		    v->session, (unsigned long long)v->sess_seals);
}

static void
key_for(struct av *v, const char *session)
{
	size_t i;

	v->have_key = 0;
	for (i = 0; i < v->nkeys; i++)
		if (strcmp(v->keys[i].session, session) == 0) {
			memcpy(v->key, v->keys[i].k0, sizeof(v->key));
			v->have_key = 1;
			v->keys[i].used = 1;
			return;
		}
}

static void
check_session_start(struct av *v, json_t *o, uint64_t seq,
    unsigned long ln, const char *sess)
{
	json_t *rec, *seal;
	const char *rs;
	uint64_t last, torn;
	int expect;

	if (strlen(sess) != 36) {
		fail(v, seq, ln, "session id is not a UUID");
		return;
	}
	if (v->in_session && strcmp(sess, v->session) == 0) {
		fail(v, seq, ln, "session_start repeats session %s", sess);
		return;
	}
	rec = json_object_get(o, "recovered");
	/* The writer notes a crash when the last record before it was not
	 * a session_end (or a final seal), or a torn fragment follows. */
	expect = (v->in_session && !v->closed) || v->dropped > 0;
	if (!expect && !json_is_null(rec)) {
		fail(v, seq, ln, "session_start claims a crash that did not "
		    "happen");
		return;
	}
	if (expect) {
		if (!json_is_object(rec) || uget(rec, "last_seq", &last) ||
		    uget(rec, "torn_bytes", &torn)) {
			fail(v, seq, ln, "session %s did not end (no "
			    "session_end before seq %llu) and the next session "
			    "does not note the crash: records were removed",
			    v->session, (unsigned long long)seq);
			return;
		}
		rs = sget(rec, "session");
		if (last != v->seq || torn != v->dropped ||
		    (v->in_session && (rs == NULL ||
		    strcmp(rs, v->session) != 0))) {
			fail(v, seq, ln, "session_start's note of the previous "
			    "session's end does not match the log (last seq "
			    "%llu, torn %llu bytes)", (unsigned long long)v->seq,
			    (unsigned long long)v->dropped);
			return;
		}
		if (v->in_session && !v->closed) {
			/* with its key at hand, the crash is not taken on
			 * the next session's word (it needs no key) */
			if (v->sealed && v->have_key &&
			    keyed_unsealed(v, seq, ln) == -1)
				return;
			if (!v->have_key)
				session_abandon(v);
			note(v, "session %s ended abnormally after seq %llu "
			    "(noted by the next session)", v->session,
			    (unsigned long long)v->seq);
		}
	}
	if (v->in_session && v->closed && v->need_final) {
		/* with its key at hand, a missing final seal is not taken
		 * on trust: it may have been removed with what it covered */
		if (v->have_key) {
			/* session_end and the final seal are one write(2):
			 * only a short write (a full disk) parts them */
			if (keyed_unsealed(v, seq, ln) == -1)
				return;
		} else
			note(v, "session %s: its final seal is missing (the "
			    "broker died after session_end)", v->session);
	}
	if (v->in_session)
		session_report(v);
	if (!json_is_string(json_object_get(o, "version")) ||
	    !json_is_array(json_object_get(o, "layers")) ||
	    !json_is_array(json_object_get(o, "waived"))) {
		fail(v, seq, ln, "session_start lacks version or layers");
		return;
	}
	seal = json_object_get(o, "seal");
	if (!json_is_null(seal) && !json_is_object(seal)) {
		fail(v, seq, ln, "session_start: bad seal");
		return;
	}
	v->in_session = 1;
	v->closed = v->need_final = 0;
	snprintf(v->session, sizeof(v->session), "%s", sess);
	v->sealed = json_is_object(seal);
	v->expect_seal0 = v->sealed;
	v->epoch = 0;
	v->since_seal = 0;
	v->sess_seals = 0;
	v->first_unsealed_seq = 0;
	v->last_seal_seq = 0;
	v->records = 0;
	memset(v->counts, 0, sizeof(v->counts));
	json_object_clear(v->ids);
	OPENSSL_cleanse(v->key, sizeof(v->key));
	key_for(v, sess);
	if (v->have_key && !v->sealed) {
		/* the operator holds this session's key: it was sealed, so
		 * "seal": null is an edit that would skip every check */
		fail(v, seq, ln, "session %s: a key was given for it but its "
		    "session_start says it is not sealed: the seals were "
		    "removed", sess);
		return;
	}
	v->res.sessions++;
}

static void
check_seal(struct av *v, json_t *o, uint64_t seq, unsigned long ln)
{
	unsigned char mac[32], want[32], next[32];
	uint64_t epoch, records;
	json_t *fin = json_object_get(o, "final");

	if (!v->sealed) {
		fail(v, seq, ln, "seal in a session without seals");
		return;
	}
	if (uget(o, "epoch", &epoch) || uget(o, "records", &records) ||
	    !json_is_boolean(fin) || hexstr(sget(o, "mac"), 32, mac)) {
		fail(v, seq, ln, "malformed seal");
		return;
	}
	if (epoch != v->epoch) {
		fail(v, seq, ln, "seal epoch %llu where %llu was expected: "
		    "seals removed, reordered or forged",
		    (unsigned long long)epoch, (unsigned long long)v->epoch);
		return;
	}
	if (records != v->since_seal) {
		fail(v, seq, ln, "seal covers %llu records, the log has %llu",
		    (unsigned long long)records,
		    (unsigned long long)v->since_seal);
		return;
	}
	if (json_is_true(fin) != v->need_final) {
		fail(v, seq, ln, v->need_final ? "seal after session_end is "
		    "not final" : "final seal before session_end");
		return;
	}
	if (v->have_key) {
		/* The MAC is over the chain head (this line's prev) and the
		 * epoch, with this epoch's own key. */
		if (audit_seal_mac(v->key, v->prev, epoch, want) == -1) {
			fail(v, seq, ln, "cannot compute HMAC");
			return;
		}
		if (CRYPTO_memcmp(mac, want, 32) != 0) {
			if (v->first_unsealed_seq != 0)
				fail(v, v->first_unsealed_seq,
				    v->first_unsealed_line, "seal epoch %llu "
				    "(seq %llu, line %lu) does not verify with "
				    "its key: records seq %llu..%llu were "
				    "altered or re-sealed",
				    (unsigned long long)epoch,
				    (unsigned long long)seq, ln,
				    (unsigned long long)v->first_unsealed_seq,
				    (unsigned long long)seq - 1);
			else
				fail(v, seq, ln, "seal epoch %llu does not "
				    "verify with its key: forged or re-sealed",
				    (unsigned long long)epoch);
			return;
		}
		if (audit_key_evolve(v->key, next) == -1) {
			fail(v, seq, ln, "cannot evolve the key");
			return;
		}
		memcpy(v->key, next, sizeof(v->key));
		OPENSSL_cleanse(next, sizeof(next));
		v->res.seals_checked++;
	}
	v->res.seals++;
	v->sess_seals++;
	v->epoch++;
	v->since_seal = 0;
	v->first_unsealed_seq = 0;
	v->last_seal_seq = seq;
	v->expect_seal0 = 0;
	if (json_is_true(fin)) {
		v->need_final = 0;
		OPENSSL_cleanse(v->key, sizeof(v->key));
	}
}

static void
check_request(struct av *v, json_t *o, uint64_t seq, unsigned long ln,
    int outcome)
{
	const char *st = sget(o, "status"), *id = sget(o, "record_id"), *a;
	json_t *slot;
	int ix;

	/* an outcome: OK, FAILED, or DENIED by the worker's own check
	 * (an MCP tool changed since pinned) */
	ix = outcome ? status_ix(st, AUDIT_S_OK, AUDIT_S_FAILED) :
	    status_ix(st, AUDIT_S_ALLOWED, AUDIT_S_NO_PROVIDER);
	if (ix < 0 && outcome && (a = sget(o, "action")) != NULL &&
	    strcmp(a, "mcp.call") == 0)
		ix = status_ix(st, AUDIT_S_DENIED, AUDIT_S_DENIED);
	if (ix < 0) {
		fail(v, seq, ln, "%s with status %s", outcome ? "outcome" :
		    "decision", st ? st : "null");
		return;
	}
	if (id == NULL) {
		fail(v, seq, ln, "record without a record_id");
		return;
	}
	slot = json_object_get(v->ids, id);
	if (outcome) {
		if (!json_is_true(slot)) {
			fail(v, seq, ln, "outcome without its ALLOWED decision "
			    "(record_id %s)", id);
			return;
		}
		if (json_object_set_new(v->ids, id, json_false()) == -1)
			v->dead = 1;
	} else {
		if (slot != NULL) {
			fail(v, seq, ln, "record_id %s decided twice", id);
			return;
		}
		if (json_object_set_new(v->ids, id, json_boolean(ix ==
		    AUDIT_S_ALLOWED)) == -1)
			v->dead = 1;
	}
	v->records++;
	v->counts[ix]++;
}

static void
check_session_end(struct av *v, json_t *o, uint64_t seq, unsigned long ln)
{
	json_t *counts = json_object_get(o, "counts"), *val;
	const char *id;
	uint64_t records, c;
	int i;

	if (uget(o, "records", &records) || !json_is_object(counts)) {
		fail(v, seq, ln, "malformed session_end");
		return;
	}
	if (records != v->records) {
		fail(v, seq, ln, "session_end counts %llu records, the log "
		    "has %llu", (unsigned long long)records,
		    (unsigned long long)v->records);
		return;
	}
	for (i = 0; i < AUDIT_S_N; i++)
		if (uget(counts, audit_status_name((enum audit_status)i), &c) ||
		    c != v->counts[i]) {
			fail(v, seq, ln, "session_end: count of %s does not "
			    "match the log", audit_status_name(
			    (enum audit_status)i));
			return;
		}
	json_object_foreach(v->ids, id, val)
		if (json_is_true(val)) {
			fail(v, seq, ln, "ALLOWED decision %s has no outcome "
			    "in a session that ended", id);
			return;
		}
	v->closed = 1;
	v->need_final = v->sealed;
}

/* One line, not a torn fragment: check it and advance the chain. */
static void
check_line(struct av *v, json_t *o, const unsigned char hash[32],
    unsigned long ln)
{
	const char *type, *sess, *prev;
	enum audit_rtype rt;
	json_t *js;
	uint64_t seq, expect = v->seq + 1;
	int64_t t;

	if (v->done)
		return;
	js = json_object_get(o, "seq");
	if (!json_is_object(o) || !json_is_integer(js) ||
	    json_integer_value(js) <= 0) {
		fail(v, expect, ln, "not a record");
		return;
	}
	seq = (uint64_t)json_integer_value(js);
	if (seq != expect) {
		if (seq > expect)
			fail(v, expect, ln, "seq %llu where %llu was expected: "
			    "record seq %llu is missing (removed or reordered)",
			    (unsigned long long)seq, (unsigned long long)expect,
			    (unsigned long long)expect);
		else
			fail(v, seq, ln, "seq %llu where %llu was expected: "
			    "records repeated or reordered",
			    (unsigned long long)seq, (unsigned long long)expect);
		return;
	}
	prev = sget(o, "prev");
	if (prev == NULL || strcmp(prev, v->prevhex) != 0) {
		/* The previous line no longer hashes to what this one
		 * says: that line was altered (or this prev was). */
		if (seq > 1 && prev != NULL && strlen(prev) == 64)
			fail(v, seq - 1, ln - 1, "record seq %llu (line %lu) "
			    "was altered: its hash does not match the prev "
			    "of seq %llu", (unsigned long long)seq - 1, ln - 1,
			    (unsigned long long)seq);
		else
			fail(v, seq, ln, "prev does not continue the chain");
		return;
	}
	if ((t = audit_parse_time(sget(o, "time"))) < 0) {
		fail(v, seq, ln, "time is not RFC 3339 UTC with microseconds");
		return;
	}
	if (t < v->last_us) {
		fail(v, seq, ln, "time goes back");
		return;
	}
	type = sget(o, "type");
	sess = sget(o, "session");
	if (type == NULL || sess == NULL) {
		fail(v, seq, ln, "record without type or session");
		return;
	}
	rt = audit_rtype_of(type);
	if (rt == AUDIT_R_SESSION_START)
		check_session_start(v, o, seq, ln, sess);
	else if (!v->in_session || strcmp(sess, v->session) != 0)
		fail(v, seq, ln, "record outside its session");
	else if (v->closed && !(v->need_final && rt == AUDIT_R_SEAL))
		fail(v, seq, ln, "record after session_end");
	else if (v->expect_seal0 && rt != AUDIT_R_SEAL)
		fail(v, seq, ln, "sealed session without its first seal");
	else if (rt == AUDIT_R_DECISION)
		check_request(v, o, seq, ln, 0);
	else if (rt == AUDIT_R_OUTCOME)
		check_request(v, o, seq, ln, 1);
	else if (rt == AUDIT_R_SEAL)
		check_seal(v, o, seq, ln);
	else if (rt == AUDIT_R_SESSION_END)
		check_session_end(v, o, seq, ln);
	else
		fail(v, seq, ln, "unknown record type %s", type);
	if (v->done)
		return;
	if (rt == AUDIT_R_DECISION || rt == AUDIT_R_OUTCOME ||
	    rt == AUDIT_R_SESSION_END) {
		v->since_seal += rt != AUDIT_R_SESSION_END;
		if (v->sealed && v->first_unsealed_seq == 0) {
			v->first_unsealed_seq = seq;
			v->first_unsealed_line = ln;
		}
	}
	v->dropped = 0;
	v->seq = seq;
	v->last_us = t;
	memcpy(v->prev, hash, 32);
	hex_encode(hash, 32, v->prevhex);
	v->res.records++;
	v->res.last_seq = seq;
}

static void
pend_flush(struct av *v)
{
	if (v->pend.have)
		check_line(v, v->pend.o, v->pend.hash, v->pend.lineno);
	json_decref(v->pend.o);
	memset(&v->pend, 0, sizeof(v->pend));
}

/* A complete line (without its newline). */
static void
on_line(struct av *v, const char *line, size_t len, unsigned long ln)
{
	json_t *o, *rec;
	unsigned int n = 0;
	uint64_t torn;
	const char *type;

	if (v->done)
		return;
	o = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	type = sget(o, "type");
	rec = json_object_get(o, "recovered");
	if (v->pend.have && audit_rtype_of(type) == AUDIT_R_SESSION_START &&
	    json_is_object(rec) &&
	    uget(rec, "torn_bytes", &torn) == 0 && torn > 0 &&
	    torn == v->pend.len) {
		/* The held line is the torn fragment this session_start
		 * names: not part of the chain. */
		note(v, "line %lu: torn fragment of %llu bytes (a crash or "
		    "a full disk), noted by the next session", v->pend.lineno,
		    (unsigned long long)torn);
		v->res.torn++;
		v->dropped = torn;
		json_decref(v->pend.o);
		memset(&v->pend, 0, sizeof(v->pend));
	} else
		pend_flush(v);
	v->pend.o = o;
	v->pend.len = len;
	v->pend.lineno = ln;
	v->pend.have = 1;
	if (EVP_DigestInit_ex(v->ctx, v->md, NULL) != 1 ||
	    EVP_DigestUpdate(v->ctx, line, len) != 1 ||
	    EVP_DigestFinal_ex(v->ctx, v->pend.hash, &n) != 1)
		fail(v, v->seq + 1, ln, "cannot compute SHA-256");
}

static int
buf_append(struct av *v, const char *p, size_t n)
{
	size_t ncap;
	char *nb;

	if (v->overlong)
		return 0;
	if (n > AV_LINE_MAX - v->buflen) {
		v->overlong = 1;
		return 0;
	}
	if (v->buflen + n > v->bufcap) {
		ncap = v->bufcap ? v->bufcap : 4096;
		while (ncap < v->buflen + n)
			ncap *= 2;
		if ((nb = realloc(v->buf, ncap)) == NULL)
			return -1;
		v->buf = nb;
		v->bufcap = ncap;
	}
	memcpy(v->buf + v->buflen, p, n);
	v->buflen += n;
	return 0;
}

static void
line_done(struct av *v, const char *line, size_t len)
{
	v->lineno++;
	if (v->overlong || len > AV_LINE_MAX) {
		pend_flush(v);
		fail(v, v->seq + 1, v->lineno, "line longer than %d bytes",
		    AV_LINE_MAX);
	} else
		on_line(v, line, len, v->lineno);
}

int
av_feed(struct av *v, const char *buf, size_t len)
{
	const char *nl;
	size_t n;

	while (len > 0 && !v->dead) {
		if (v->done)
			return 0;
		if ((nl = memchr(buf, '\n', len)) == NULL)
			return buf_append(v, buf, len) == -1 ? (v->dead = 1,
			    -1) : 0;
		n = (size_t)(nl - buf);
		if (v->buflen == 0 && !v->overlong)
			line_done(v, buf, n);
		else {
			if (buf_append(v, buf, n) == -1) {
				v->dead = 1;
				return -1;
			}
			line_done(v, v->buf, v->buflen);
			v->buflen = 0;
			v->overlong = 0;
		}
		buf += n + 1;
		len -= n + 1;
	}
	return v->dead ? -1 : 0;
}

int
av_finish(struct av *v)
{
	if (v->dead)
		return -1;
	if (v->buflen > 0 || v->overlong) {
		/* No newline at the end: a write cut short by a crash or a
		 * full disk. Not part of the chain; the next session will
		 * note it. */
		note(v, "line %lu: torn last line of %zu bytes ignored (a "
		    "crash or a full disk)", v->lineno + 1, v->buflen);
		v->res.torn++;
		if (!v->done && !v->opts.allow_open) {
			pend_flush(v);
			fail(v, v->seq + 1, v->lineno + 1, "the log ends in a "
			    "torn line after seq %llu: cut, crashed or still "
			    "being written (--allow-open accepts this)",
			    (unsigned long long)v->seq);
		}
	}
	pend_flush(v);
	if (v->dead)
		return -1;
	if (!v->done && v->in_session && v->closed && v->need_final &&
	    v->have_key) {
		/* ended, but the final seal (same write) is not there */
		(void)keyed_unsealed(v, v->seq + 1, v->lineno + 1);
	} else if (!v->done && v->in_session &&
	    (!v->closed || v->need_final)) {
		if (v->opts.allow_open) {
			session_abandon(v);
			note(v, "session %s has no end: running, crashed, or "
			    "cut after seq %llu", v->session,
			    (unsigned long long)v->seq);
		} else
			fail(v, v->seq + 1, v->lineno + 1, "the log ends after "
			    "seq %llu without the end of session %s: records "
			    "cut, or the session crashed or is still running "
			    "(--allow-open accepts this)",
			    (unsigned long long)v->seq, v->session);
	}
	if (!v->done && v->in_session)
		session_report(v);
	if (!v->done) {
		size_t i;

		/* a key names a session the operator ran on this log: if it
		 * is not there, its records were removed or renamed */
		for (i = 0; i < v->nkeys && !v->done; i++)
			if (!v->keys[i].used)
				fail(v, v->seq + 1, v->lineno + 1, "a key was "
				    "given for session %s, which is not in the "
				    "log: its records were removed or renamed",
				    v->keys[i].session);
	}
	if (!v->done && v->seq == 0 && v->res.torn == 0)
		note(v, "the log is empty");
	return v->done ? 1 : 0;
}

const struct av_result *
av_result(const struct av *v)
{
	return &v->res;
}
