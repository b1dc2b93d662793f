/*
 * broker/prov_fs.c -- the fs provider's hooks: an allowed fs.* request as
 * the fs worker's FS_REQ (the path relative to the root the decision
 * named, the canonical target for its messages, the content to write),
 * and its FS_RESP as the agent's data.
 *
 * Runs in: the broker (confined). Privilege: none. Pure. Input: the
 * agent's params (checked by the table) and the fs worker's answer (a
 * confined peer's bytes: checked here before they reach the agent).
 */
#include <string.h>

#include "broker/provider.h"
#include "common/fsrights.h"

_Static_assert(sizeof(struct fs_req) <= FWD_HDR_MAX &&
    _Alignof(struct fs_req) <= 8, "the fs header fits struct fwd");

static enum fs_op
fs_op(const char *action)
{
	static const char *const names[] = {
		[FS_OP_READ] = "fs.read", [FS_OP_WRITE] = "fs.write",
		[FS_OP_DELETE] = "fs.delete", [FS_OP_LIST] = "fs.list",
		[FS_OP_ROLLBACK] = "snapshot.rollback",
	};
	size_t i;

	for (i = FS_OP_READ; i <= FS_OP_ROLLBACK; i++)
		if (strcmp(names[i], action) == 0)
			return (enum fs_op)i;
	return 0;
}

/* The ids the worker names a snapshot by (no NUL on the wire). */
static int
put_ids(struct fs_req *fr, const struct fwd *f, const char *rid)
{
	if (rid == NULL || f->session == NULL || strlen(rid) != FS_ID_LEN ||
	    strlen(f->session) != FS_ID_LEN)
		return -1;
	memcpy(fr->rid, rid, FS_ID_LEN);
	memcpy(fr->session, f->session, FS_ID_LEN);
	return 0;
}

/* snapshot.rollback: the record to undo is the target (the gate took
 * only a record id); the worker finds its root and path in the store. */
static int
rollback_encode(struct fwd *f, json_t *params, const char *target,
    const char **err)
{
	struct fs_req *fr = (struct fs_req *)(void *)f->hdr;

	memset(fr, 0, sizeof(*fr));
	fr->op = FS_OP_ROLLBACK;
	fr->flags = (json_is_true(json_object_get(params, "force")) ?
	    FS_F_FORCE : 0) | (f->operator_client ? FS_F_ANY_SESSION : 0);
	if (put_ids(fr, f, target) < 0 || f->rid == NULL ||
	    strlen(f->rid) != FS_ID_LEN) {
		*err = "internal error: no record id";
		return -1;
	}
	memcpy(fr->self, f->rid, FS_ID_LEN);
	fr->path_len = 1;
	fr->target_len = (uint32_t)strlen(target);
	f->iov[0].iov_base = fr;
	f->iov[0].iov_len = sizeof(*fr);
	f->iov[1].iov_base = (void *)".";
	f->iov[1].iov_len = 1;
	f->iov[2].iov_base = (void *)target;
	f->iov[2].iov_len = fr->target_len;
	f->iovcnt = 3;
	return 0;
}

/* The target relative to its root, both canonical; NULL if not beneath. */
static const char *
rel_to_root(const char *root, const char *target)
{
	size_t n = strlen(root);

	if (strcmp(root, "/") == 0)
		return target[1] ? target + 1 : ".";
	if (strncmp(root, target, n) != 0)
		return NULL;
	if (target[n] == '\0')
		return ".";
	if (target[n] != '/')
		return NULL;
	return target + n + 1;
}

int
fs_encode(struct fwd *f, const struct policy *p, const char *action,
    json_t *params, const char *target, const struct policy_decision *d,
    const char **err)
{
	const json_t *enc = json_object_get(params, "encoding");
	struct fs_req *fr = (struct fs_req *)(void *)f->hdr;
	const json_t *content;
	const char *rel;

	if (fs_op(action) == FS_OP_ROLLBACK)
		return rollback_encode(f, params, target, err);
	if (d->root < 0 || (size_t)d->root >= policy_nroots(p) ||
	    (rel = rel_to_root(policy_root(p, (size_t)d->root), target)) ==
	    NULL) {
		*err = "internal error: target outside its root";
		return -1;
	}
	memset(fr, 0, sizeof(*fr));
	fr->op = fs_op(action);
	fr->root = (uint32_t)d->root;
	/* the table checked it (a string, utf-8 or base64, for fs.read
	 * and fs.write only); never trust that here */
	fr->enc = (json_is_string(enc) && (fr->op == FS_OP_READ ||
	    fr->op == FS_OP_WRITE) && strcmp(json_string_value(enc),
	    "base64") == 0) ? FS_ENC_BASE64 : FS_ENC_UTF8;
	/* content travels for fs.write only (up to 1 MiB, never needed
	 * by the other operations) */
	content = fr->op == FS_OP_WRITE ? json_object_get(params, "content") :
	    NULL;
	if (content != NULL && !json_is_string(content))
		content = NULL;
	/* a write or delete is snapshotted first unless its rule says
	 * snapshot: false; the snapshot is named by the request's id */
	if ((fr->op == FS_OP_WRITE || fr->op == FS_OP_DELETE) &&
	    !d->no_snapshot)
		fr->flags = FS_F_SNAPSHOT;
	fr->ttl = fr->flags ? d->snapshot_ttl : 0;
	if (put_ids(fr, f, f->rid) < 0 && fr->flags != 0) {
		*err = "internal error: no record id";
		return -1;
	}
	fr->path_len = (uint32_t)strlen(rel);
	fr->target_len = (uint32_t)strlen(target);
	fr->data_len = content ? (uint32_t)json_string_length(content) : 0;
	f->iov[0].iov_base = fr;
	f->iov[0].iov_len = sizeof(*fr);
	f->iov[1].iov_base = (void *)rel;
	f->iov[1].iov_len = fr->path_len;
	f->iov[2].iov_base = (void *)target;
	f->iov[2].iov_len = fr->target_len;
	f->iov[3].iov_base = content ? (void *)json_string_value(content) :
	    NULL;
	f->iov[3].iov_len = fr->data_len;
	f->iovcnt = 4;
	return 0;
}

static const char *const text_why[2] = {
	"file holds a NUL byte (use encoding base64)",
	"file is not valid UTF-8 (use encoding base64)",
};

int
fs_result(const struct provider *pv, uint32_t kind, const char *raw,
    size_t len, struct growbuf *esc, const char **data, size_t *dlen,
    const char **err)
{
	json_t *v;

	*data = NULL;
	switch (kind) {
	case REPLY_ERROR:
		*err = raw;
		return 0;
	case REPLY_RAW:
		/* file content that becomes a JSON string; such a file is
		 * read as base64 */
		*data = provider_text(raw, len, esc, dlen, err, text_why);
		return 0;
	case REPLY_JSON:
		/* the fixed-shape results whose answer must always fit */
		if (pv->small_result > 0 && len > pv->small_result)
			return -1;
		/* spliced into the answer only if it is exactly one JSON
		 * value (nothing before or after it) */
		if ((v = json_loadb(raw, len, JSON_DECODE_ANY, NULL)) == NULL)
			return -1;
		json_decref(v);
		*data = raw;
		*dlen = len;
		return 0;
	}
	return -1;
}
