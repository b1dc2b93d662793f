/*
 * logview/records.c -- parse audit log lines and join them into rows.
 *
 * Runs in: the aksup-log process (invoking user, seccomp-confined, reads
 * only fd 0; this file makes no syscall but memory allocation) and in the
 * fuzz and unit tests. Privilege: none. Never calls exit().
 *
 * The log is untrusted input here: anyone who could write the file may
 * have put anything in it. Every line is parsed by jansson, duplicate keys
 * are refused, and every string bound for the terminal goes through
 * lv_display().
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "audit/audit.h"
#include "common/jsonesc.h"
#include "logview/records.h"

struct lv {
	struct lv_row	*rows;
	size_t		 nrows;
	size_t		 cap;
	json_t		*pending;	/* record_id -> row index (ALLOWED) */
	char		*buf;		/* the line being assembled */
	size_t		 buflen;
	size_t		 bufcap;
	int		 overlong;	/* current line passed LV_LINE_MAX */
	unsigned long	 lineno;	/* lines seen so far */
	unsigned long	 skipped;
	lv_warn_fn	 warn;
	void		*warnarg;
	int		 dead;		/* a previous call failed */
};

struct lv *
lv_new(lv_warn_fn warn, void *arg)
{
	struct lv *lv;

	if ((lv = calloc(1, sizeof(*lv))) == NULL)
		return NULL;
	if ((lv->pending = json_object()) == NULL) {
		free(lv);
		return NULL;
	}
	lv->warn = warn;
	lv->warnarg = arg;
	return lv;
}

static void
row_clear(struct lv_row *r)
{
	free(r->timestamp);
	free(r->session);
	free(r->action);
	free(r->target);
	free(r->target_sent);
	free(r->status);
	free(r->error);
	free(r->rule);
	free(r->record_id);
}

void
lv_free(struct lv *lv)
{
	size_t i;

	if (lv == NULL)
		return;
	for (i = 0; i < lv->nrows; i++)
		row_clear(&lv->rows[i]);
	free(lv->rows);
	free(lv->buf);
	json_decref(lv->pending);
	free(lv);
}

static void
skip(struct lv *lv, unsigned long lineno, const char *why)
{
	lv->skipped++;
	if (lv->warn != NULL)
		lv->warn(lineno, why, lv->warnarg);
}

/* Copy of a string member; NULL when absent, null or not a string. A
 * failed copy sets *oom. */
static char *
member_str(json_t *o, const char *key, int *oom)
{
	json_t *v = json_object_get(o, key);
	char *s;

	if (!json_is_string(v))
		return NULL;
	if ((s = strndup(json_string_value(v), json_string_length(v))) == NULL)
		*oom = 1;
	return s;
}

static const char *
member_cstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));	/* NULL-safe */
}

static int
add_decision(struct lv *lv, json_t *o, uint64_t seq)
{
	struct lv_row *r, *nrows;
	json_t *d;
	size_t ncap;
	int oom = 0;

	if (lv->nrows == LV_ROWS_MAX)
		return -1;
	if (lv->nrows == lv->cap) {
		ncap = lv->cap ? lv->cap * 2 : 256;
		if ((nrows = reallocarray(lv->rows, ncap, sizeof(*nrows))) ==
		    NULL)
			return -1;
		lv->rows = nrows;
		lv->cap = ncap;
	}
	r = &lv->rows[lv->nrows];
	memset(r, 0, sizeof(*r));
	r->seq = seq;
	r->timestamp = member_str(o, json_object_get(o, "time") ? "time" :
	    "timestamp", &oom);
	r->session = member_str(o, "session", &oom);
	r->action = member_str(o, "action", &oom);
	r->target = member_str(o, "target", &oom);
	r->target_sent = member_str(o, "target_sent", &oom);
	r->status = member_str(o, "status", &oom);
	r->error = member_str(o, "error", &oom);
	r->rule = member_str(o, "rule", &oom);
	r->record_id = member_str(o, "record_id", &oom);
	if (json_is_number(d = json_object_get(o, "duration_ms"))) {
		r->duration_ms = json_number_value(d);
		r->has_duration = 1;
	}
	if (oom) {
		row_clear(r);
		return -1;
	}
	/* An ALLOWED decision waits for its outcome. A later decision with
	 * the same record_id takes the slot over. */
	if (audit_status_of(r->status) == AUDIT_S_ALLOWED &&
	    r->record_id != NULL &&
	    json_object_set_new(lv->pending, r->record_id,
	    json_integer((json_int_t)lv->nrows)) == -1) {
		row_clear(r);
		return -1;
	}
	lv->nrows++;
	return 0;
}

static int
add_outcome(struct lv *lv, json_t *o, unsigned long lineno)
{
	const char *id = member_cstr(o, "record_id");
	struct lv_row *r;
	json_t *ix, *d;
	char *status, *error;
	int oom = 0;

	if (id == NULL || (ix = json_object_get(lv->pending, id)) == NULL) {
		skip(lv, lineno, "outcome without an ALLOWED decision");
		return 0;
	}
	r = &lv->rows[json_integer_value(ix)];
	status = member_str(o, "status", &oom);
	error = member_str(o, "error", &oom);
	if (oom) {
		free(status);
		free(error);
		return -1;
	}
	free(r->status);
	free(r->error);
	r->status = status;
	r->error = error;
	r->has_duration = 0;
	if (json_is_number(d = json_object_get(o, "duration_ms"))) {
		r->duration_ms = json_number_value(d);
		r->has_duration = 1;
	}
	r->has_outcome = 1;
	d = json_object_get(o, "snapshot");
	r->snapshot = json_is_string(d) && strcmp(json_string_value(d),
	    id) == 0 ? 1 : json_is_false(d) ? -1 : 0;
	d = json_object_get(o, "tokens");
	r->has_tokens = json_is_integer(json_object_get(d, "input")) &&
	    json_is_integer(json_object_get(d, "output"));
	if (r->has_tokens) {
		r->tokens_in = json_integer_value(json_object_get(d, "input"));
		r->tokens_out = json_integer_value(json_object_get(d,
		    "output"));
	}
	json_object_del(lv->pending, id);
	return 0;
}

/* Session `session` (NULL: every one) is over: its ALLOWED rows still
 * waiting for an outcome will get none. */
static void
session_over(struct lv *lv, const char *session)
{
	const char *id;
	json_t *ix;
	void *tmp;
	struct lv_row *r;

	json_object_foreach_safe(lv->pending, tmp, id, ix) {
		r = &lv->rows[json_integer_value(ix)];
		if (session != NULL && (r->session == NULL ||
		    strcmp(r->session, session) != 0))
			continue;
		r->ended = 1;
		json_object_del(lv->pending, id);
	}
}

int
lv_line(struct lv *lv, const char *line, size_t len, unsigned long lineno)
{
	json_t *o, *seq;
	const char *type;
	int ret = 0;

	o = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(o) || !json_is_integer(seq =
	    json_object_get(o, "seq")) || json_integer_value(seq) < 0) {
		skip(lv, lineno, "not a record");
		goto out;
	}
	/* Records of other types (session_start, seal, ...) are no rows. */
	if ((type = member_cstr(o, "type")) == NULL)
		goto out;
	switch (audit_rtype_of(type)) {
	case AUDIT_R_DECISION:
		ret = add_decision(lv, o, (uint64_t)json_integer_value(seq));
		break;
	case AUDIT_R_OUTCOME:
		ret = add_outcome(lv, o, lineno);
		break;
	case AUDIT_R_SESSION_END:
		session_over(lv, member_cstr(o, "session"));
		break;
	case AUDIT_R_SESSION_START:
		session_over(lv, NULL);	/* any still open crashed */
		break;
	default:
		break;
	}
 out:
	json_decref(o);
	return ret;
}

static int
buf_append(struct lv *lv, const char *p, size_t n)
{
	size_t ncap;
	char *nbuf;

	if (lv->overlong)
		return 0;
	if (n > LV_LINE_MAX - lv->buflen) {
		lv->overlong = 1;
		lv->buflen = 0;
		return 0;
	}
	if (lv->buflen + n > lv->bufcap) {
		ncap = lv->bufcap ? lv->bufcap : 4096;
		while (ncap < lv->buflen + n)
			ncap *= 2;
		if ((nbuf = realloc(lv->buf, ncap)) == NULL)
			return -1;
		lv->buf = nbuf;
		lv->bufcap = ncap;
	}
	memcpy(lv->buf + lv->buflen, p, n);
	lv->buflen += n;
	return 0;
}

/* The assembled line is complete. */
static int
flush_line(struct lv *lv)
{
	int ret = 0;

	lv->lineno++;
	if (lv->overlong)
		skip(lv, lv->lineno, "line too long");
	else
		ret = lv_line(lv, lv->buf ? lv->buf : "", lv->buflen,
		    lv->lineno);
	lv->buflen = 0;
	lv->overlong = 0;
	return ret;
}

int
lv_feed(struct lv *lv, const char *buf, size_t len)
{
	const char *nl;
	size_t n;

	if (lv->dead)
		return -1;
	while (len > 0) {
		if ((nl = memchr(buf, '\n', len)) == NULL) {
			if (buf_append(lv, buf, len) == -1)
				goto fail;
			return 0;
		}
		n = (size_t)(nl - buf);
		if (lv->buflen == 0 && !lv->overlong) {
			/* Common case: the whole line is in buf. */
			lv->lineno++;
			if (n > LV_LINE_MAX)
				skip(lv, lv->lineno, "line too long");
			else if (lv_line(lv, buf, n, lv->lineno) == -1)
				goto fail;
		} else if (buf_append(lv, buf, n) == -1 ||
		    flush_line(lv) == -1)
			goto fail;
		buf += n + 1;
		len -= n + 1;
	}
	return 0;
 fail:
	lv->dead = 1;
	return -1;
}

int
lv_finish(struct lv *lv)
{
	if (lv->dead)
		return -1;
	if ((lv->buflen > 0 || lv->overlong) && flush_line(lv) == -1) {
		lv->dead = 1;
		return -1;
	}
	return 0;
}

size_t
lv_nrows(const struct lv *lv)
{
	return lv->nrows;
}

const struct lv_row *
lv_row(const struct lv *lv, size_t i)
{
	return i < lv->nrows ? &lv->rows[i] : NULL;
}

unsigned long
lv_nskipped(const struct lv *lv)
{
	return lv->skipped;
}

static int
eq(const char *want, const char *have)
{
	return want == NULL || (have != NULL && strcmp(want, have) == 0);
}

#define LV_ERROR	(1u << AUDIT_S_N)	/* the answer's ERROR */

int
lv_status_parse(const char *list, unsigned *mask, char *bad, size_t badlen)
{
	char word[32];
	const char *p = list, *e;
	size_t n, i;
	int st;

	*mask = 0;
	do {
		e = strchrnul(p, ',');
		n = (size_t)(e - p);
		for (i = 0; i < n && i < sizeof(word) - 1; i++)
			word[i] = (char)toupper((unsigned char)p[i]);
		word[i] = '\0';
		if (n < sizeof(word) && strcmp(word, "ERROR") == 0)
			*mask |= LV_ERROR;
		else if (n < sizeof(word) && (st = audit_status_of(word)) >= 0)
			*mask |= 1u << st;
		else {
			snprintf(bad, badlen, "%.*s", (int)n, p);
			return -1;
		}
		p = *e ? e + 1 : e;
	} while (*e);
	return 0;
}

/* The statuses a row answers to: its record status, and ERROR when the
 * agent got ERROR for it. */
static unsigned
row_statuses(const struct lv_row *r)
{
	int st = audit_status_of(r->status);
	unsigned m;

	if (st < 0)
		return 0;
	m = 1u << st;
	if (st == AUDIT_S_INVALID || st == AUDIT_S_NO_PROVIDER ||
	    st == AUDIT_S_FAILED || (st == AUDIT_S_OK && r->error != NULL))
		m |= LV_ERROR;
	return m;
}

int
lv_match(const struct lv_row *r, const struct lv_filter *f)
{
	if (f == NULL)
		return 1;
	if (f->statuses != 0 && !(row_statuses(r) & f->statuses))
		return 0;
	if (!eq(f->action, r->action) || !eq(f->record_id, r->record_id))
		return 0;
	/* A session is named by its UUID or any prefix of it. */
	if (f->session != NULL && (r->session == NULL ||
	    strncmp(r->session, f->session, strlen(f->session)) != 0))
		return 0;
	/* Times have one fixed width: comparing text compares times, and a
	 * prefix stands for the whole period it names. */
	if (f->since != NULL && (r->timestamp == NULL ||
	    strncmp(r->timestamp, f->since, strlen(f->since)) < 0))
		return 0;
	if (f->until != NULL && (r->timestamp == NULL ||
	    strncmp(r->timestamp, f->until, strlen(f->until)) > 0))
		return 0;
	return 1;
}

int
lv_row_final(const struct lv *lv, size_t i)
{
	const struct lv_row *r = lv_row(lv, i);

	if (r == NULL)
		return 0;
	return r->has_outcome || r->ended || r->status == NULL ||
	    audit_status_of(r->status) != AUDIT_S_ALLOWED;
}

size_t *
lv_select(const struct lv *lv, const struct lv_filter *f, size_t *n)
{
	size_t limit = f != NULL ? f->limit : 0;
	size_t i, k = 0, *ix;

	*n = 0;
	if (lv->nrows == 0)
		return NULL;
	if ((ix = reallocarray(NULL, lv->nrows, sizeof(*ix))) == NULL) {
		*n = (size_t)-1;
		return NULL;
	}
	for (i = 0; i < lv->nrows; i++)
		if (lv_match(&lv->rows[i], f))
			ix[k++] = i;
	if (limit > 0 && k > limit) {
		memmove(ix, ix + (k - limit), limit * sizeof(*ix));
		k = limit;
	}
	*n = k;
	return ix;
}

static json_t *
str_or_null(const char *s)
{
	json_t *j;

	if (s == NULL || (j = json_string(s)) == NULL)
		return json_null();
	return j;
}

char *
lv_row_json(const struct lv_row *r)
{
	json_t *o, *d;
	char *s = NULL;
	int bad = 0;

	if ((o = json_object()) == NULL)
		return NULL;
	d = r->has_duration ? json_real(r->duration_ms) : json_null();
	bad |= json_object_set_new(o, "timestamp", str_or_null(r->timestamp));
	bad |= json_object_set_new(o, "session", str_or_null(r->session));
	bad |= json_object_set_new(o, "action", str_or_null(r->action));
	bad |= json_object_set_new(o, "target", str_or_null(r->target));
	if (r->target_sent != NULL)
		bad |= json_object_set_new(o, "target_sent",
		    str_or_null(r->target_sent));
	bad |= json_object_set_new(o, "status", str_or_null(r->status));
	bad |= json_object_set_new(o, "error", str_or_null(r->error));
	bad |= json_object_set_new(o, "duration_ms", d ? d : json_null());
	bad |= json_object_set_new(o, "record_id", str_or_null(r->record_id));
	bad |= json_object_set_new(o, "rule", str_or_null(r->rule));
	if (r->snapshot != 0)
		bad |= json_object_set_new(o, "snapshot", r->snapshot > 0 ?
		    str_or_null(r->record_id) : json_false());
	if (r->has_tokens)
		bad |= json_object_set_new(o, "tokens", json_pack("{s:I, s:I}",
		    "input", (json_int_t)r->tokens_in, "output",
		    (json_int_t)r->tokens_out));
	bad |= json_object_set_new(o, "seq", json_integer(
	    (json_int_t)r->seq));
	if (!bad)
		s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER |
		    JSON_REAL_PRECISION(15));
	json_decref(o);
	if (s != NULL) {
		/* bidi, C1 and U+2028/9 escaped, as in the table view */
		char *e = json_escape_unsafe(s);

		free(s);
		s = e;
	}
	return s;
}

/* Code points that must not reach a terminal as they are: the same set
 * the writer and --json escape (common/jsonesc.c). */
static int
unsafe_cp(unsigned c)
{
	return json_unsafe_cp(c);	/* common/jsonesc.c */
}

/* One display unit of s (escaped if needed) into u; returns input bytes
 * consumed, the unit's bytes in *ulen. Width is 1 for a plain code point,
 * else the escape's length. */
static size_t
display_unit(const unsigned char *s, size_t n, char *u, size_t *ulen,
    size_t *width)
{
	unsigned cp;
	size_t k;

	if ((k = utf8_decode(s, n, &cp)) == 0) {
		*ulen = *width = (size_t)snprintf(u, 8, "\\x%02x", s[0]);
		return 1;
	}
	if (!unsafe_cp(cp)) {
		memcpy(u, s, k);
		*ulen = k;
		*width = 1;
		return k;
	}
	if (cp == '\n')
		*ulen = (size_t)snprintf(u, 8, "\\n");
	else if (cp == '\t')
		*ulen = (size_t)snprintf(u, 8, "\\t");
	else if (cp == '\r')
		*ulen = (size_t)snprintf(u, 8, "\\r");
	else if (cp < 0x80)
		*ulen = (size_t)snprintf(u, 8, "\\x%02x", cp);
	else
		*ulen = (size_t)snprintf(u, 8, "\\u%04x", cp);
	*width = *ulen;
	return k;
}

char *
lv_display(const char *str, size_t cols, size_t *width)
{
	static const char ell[] = "\xe2\x80\xa6";	/* U+2026 … */
	const unsigned char *s = (const unsigned char *)(str ? str : "-");
	size_t n = strlen((const char *)s), w = 0, uw, ulen, k;
	size_t cut = 0, cutw = 0;
	char *out, u[8];
	size_t o = 0;

	/* Each input byte gives at most 4 output bytes ("\xNN"); a code
	 * point escape "\uNNNN" (6) comes from at least 2 input bytes. */
	if (n > (SIZE_MAX - sizeof(ell)) / 4 ||
	    (out = malloc(4 * n + sizeof(ell))) == NULL)
		return NULL;
	while (n > 0) {
		k = display_unit(s, n, u, &ulen, &uw);
		memcpy(out + o, u, ulen);
		o += ulen;
		w += uw;
		/* The last point where the text plus "…" still fits. */
		if (cols > 0 && w <= cols - 1) {
			cut = o;
			cutw = w;
		}
		s += k;
		n -= k;
	}
	if (cols > 0 && w > cols) {
		memcpy(out + cut, ell, sizeof(ell));	/* with NUL */
		w = cutw + 1;
	} else
		out[o] = '\0';
	if (width != NULL)
		*width = w;
	return out;
}
