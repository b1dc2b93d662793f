/*
 * tests/unit/test_snapshot.c -- the snapshot store's format
 * (snapshot/snap.c): record ids (what common/hex.c makes accepted,
 * anything else refused), the metadata line's round trip for a new file
 * (with the directories its write created), an overwritten file and a
 * delete, every rule refused by the reader with a reason naming the
 * member and by the writer (NULL), the store's names, expiry; tree
 * snapshots (proc.exec, snapshot/tree.c): the round trip of entries of
 * all three types under two roots, and every rule of the tree refused by
 * the builder, the checker, the writer and the reader.
 */
#include <check.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "snapshot/snap.h"

#define ID1	"0f8fad5b-d9cb-469f-a165-70867728950e"
#define ID2	"7c9e6679-7425-40de-944b-e07fc1f90ae7"
#define HEX1	"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define HEX2	"60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"
#define HEX3	"2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"

/* ---- ids ---- */

START_TEST(test_id_good)
{
	static const char *const good[] = {
		ID1, ID2,
		"00000000-0000-4000-8000-000000000000",
		"ffffffff-ffff-1fff-bfff-ffffffffffff",	/* v1, variant b */
		"12345678-9abc-8def-9012-3456789abcde",	/* v8, variant 9 */
		"12345678-9abc-5def-a012-3456789abcde",
	};
	unsigned char r[16];
	char id[37];
	size_t i, j;

	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		ck_assert_msg(snap_id_ok(good[i]), "refused %s", good[i]);
	/* what the broker makes: common/hex.c's uuid4_format */
	srand(18);
	for (i = 0; i < 2000; i++) {
		for (j = 0; j < 16; j++)
			r[j] = (unsigned char)(i == 0 ? 0 : i == 1 ? 0xff :
			    rand());
		uuid4_format(r, id);
		ck_assert_msg(snap_id_ok(id), "refused uuid4 %s", id);
	}
}
END_TEST

START_TEST(test_id_bad)
{
	static const char *const bad[] = {
		"",
		"../x",
		"../../etc/passwd",
		"0F8FAD5B-D9CB-469F-A165-70867728950E",	/* upper case */
		"0f8fad5b-d9cb-469f-a165-70867728950E",	/* one upper */
		"{0f8fad5b-d9cb-469f-a165-70867728950e}",	/* braces */
		"0f8fad5b-d9cb-469f-a165-70867728950e0",	/* long */
		"0f8fad5b-d9cb-469f-a165-70867728950e\n",
		"0f8fad5b-d9cb-469f-a165-70867728950",	/* short */
		"0f8fad5bd9cb469fa16570867728950e",	/* no hyphens */
		"0f8fad5b-d9cb-469f-a16570867728950e-",	/* misplaced */
		"0f8fad5bd-9cb-469f-a165-70867728950e",
		"0f8fad5b-d9cb-069f-a165-70867728950e",	/* version 0 */
		"0f8fad5b-d9cb-969f-a165-70867728950e",	/* version 9 */
		"0f8fad5b-d9cb-f69f-a165-70867728950e",	/* version f */
		"0f8fad5b-d9cb-469f-7165-70867728950e",	/* variant 7 */
		"0f8fad5b-d9cb-469f-c165-70867728950e",	/* variant c */
		"0f8fad5g-d9cb-469f-a165-70867728950e",	/* not hex */
		"0f8fad5b-d9cb-469f-a165-70867728950/",
		" 0f8fad5b-d9cb-469f-a165-70867728950e",
		"0f8fad5b-d9cb-469f-a165-70867728950e.json",
	};
	char nul[] = ID1;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(!snap_id_ok(bad[i]), "accepted \"%s\"", bad[i]);
	ck_assert(!snap_id_ok(NULL));
	nul[10] = '\0';			/* a NUL inside */
	ck_assert(!snap_id_ok(nul));
}
END_TEST

/* ---- metadata ---- */

static void
meta_new_file(struct snap_meta *m)
{
	memset(m, 0, sizeof *m);
	m->v = 1;
	strcpy(m->record_id, ID1);
	strcpy(m->session, ID2);
	strcpy(m->action, "fs.write");
	m->seq = 7;
	strcpy(m->root, "/srv/work");
	strcpy(m->path, "a/b/c.txt");
	m->existed = 0;
	strcpy(m->after, HEX2);
	m->ncreated = 2;		/* "a", "a/b" */
	m->at = 1765000000;
	m->expires = 1765003600;
}

static void
meta_overwrite(struct snap_meta *m)
{
	meta_new_file(m);
	m->ncreated = 0;
	m->existed = 1;
	m->mode = 0640;
	m->size = 2500;
	strcpy(m->blob, HEX1);
}

static void
meta_delete(struct snap_meta *m)
{
	meta_overwrite(m);
	strcpy(m->action, "fs.delete");
	m->after[0] = '\0';
	m->mode = 07755;
	m->size = 0;
}

/* Two trees hold the same roots and entries (both NULL: the same). */
static void
same_tree(const struct snap_tree *a, const struct snap_tree *b)
{
	size_t i;

	ck_assert((a == NULL) == (b == NULL));
	if (a == NULL)
		return;
	ck_assert_uint_eq(a->nroots, b->nroots);
	for (i = 0; i < a->nroots; i++)
		ck_assert_str_eq(a->roots[i], b->roots[i]);
	ck_assert_uint_eq(a->n, b->n);
	for (i = 0; i < a->n; i++) {
		const struct snap_ent *x = &a->e[i], *y = &b->e[i];

		ck_assert_uint_eq(x->root, y->root);
		ck_assert_int_eq(x->type, y->type);
		ck_assert_str_eq(x->path, y->path);
		ck_assert_uint_eq(x->mode, y->mode);
		ck_assert(x->size == y->size);
		ck_assert_str_eq(x->blob, y->blob);
		ck_assert((x->target == NULL) == (y->target == NULL));
		if (x->target != NULL)
			ck_assert_str_eq(x->target, y->target);
	}
}

static void
same(const struct snap_meta *a, const struct snap_meta *b)
{
	ck_assert_int_eq(a->v, b->v);
	ck_assert_str_eq(a->record_id, b->record_id);
	ck_assert_str_eq(a->session, b->session);
	ck_assert_str_eq(a->action, b->action);
	ck_assert(a->seq == b->seq);
	ck_assert_str_eq(a->root, b->root);
	ck_assert_str_eq(a->path, b->path);
	ck_assert_int_eq(a->existed, b->existed);
	ck_assert_uint_eq(a->mode, b->mode);
	ck_assert(a->size == b->size);
	ck_assert_str_eq(a->blob, b->blob);
	ck_assert_str_eq(a->after, b->after);
	ck_assert_uint_eq(a->ncreated, b->ncreated);
	ck_assert(a->at == b->at);
	ck_assert(a->expires == b->expires);
	same_tree(a->tree, b->tree);
}

/* dump, check the line, parse it back, compare */
static char *
round_trip(const struct snap_meta *m)
{
	struct snap_meta back;
	char why[128], *line;
	size_t len;

	line = snap_meta_dump(m, &len);
	ck_assert_ptr_nonnull(line);
	ck_assert_uint_eq(len, strlen(line));
	ck_assert(len > 0 && line[len - 1] == '\n');
	ck_assert_ptr_eq(strchr(line, '\n'), line + len - 1);
	ck_assert_msg(snap_meta_parse(line, len, &back, why, sizeof why) == 0,
	    "%.200s: %s", line, why);
	same(m, &back);
	snap_meta_free(&back);
	ck_assert_ptr_null(back.tree);
	return line;
}

START_TEST(test_round_trip_new_file)
{
	struct snap_meta m;
	char *line, dir[64];

	meta_new_file(&m);
	line = round_trip(&m);
	ck_assert_str_eq(line, "{\"action\":\"fs.write\",\"after\":\"" HEX2
	    "\",\"at\":1765000000,\"created\":[\"a\",\"a/b\"],"
	    "\"existed\":false,\"expires\":1765003600,\"path\":\"a/b/c.txt\","
	    "\"record_id\":\"" ID1 "\",\"root\":\"/srv/work\",\"seq\":7,"
	    "\"session\":\"" ID2 "\",\"v\":1}\n");
	free(line);
	ck_assert_int_eq(snap_created_dir(&m, 0, dir, sizeof dir), 0);
	ck_assert_str_eq(dir, "a");
	ck_assert_int_eq(snap_created_dir(&m, 1, dir, sizeof dir), 0);
	ck_assert_str_eq(dir, "a/b");
	ck_assert_int_eq(snap_created_dir(&m, 2, dir, sizeof dir), -1);
	ck_assert_int_eq(snap_created_dir(&m, 1, dir, 3), -1);	/* small */
	m.ncreated = 1;			/* only the parent */
	ck_assert_int_eq(snap_created_dir(&m, 0, dir, sizeof dir), 0);
	ck_assert_str_eq(dir, "a/b");
	free(round_trip(&m));
	m.ncreated = 0;			/* into an existing directory */
	line = round_trip(&m);
	ck_assert_ptr_nonnull(strstr(line, "\"created\":[]"));
	free(line);
	strcpy(m.path, "top");		/* no directory at all */
	free(round_trip(&m));
}
END_TEST

START_TEST(test_round_trip_overwrite)
{
	struct snap_meta m;
	char *line;

	meta_overwrite(&m);
	line = round_trip(&m);
	ck_assert_str_eq(line, "{\"action\":\"fs.write\",\"after\":\"" HEX2
	    "\",\"at\":1765000000,\"blob\":\"" HEX1 "\",\"created\":[],"
	    "\"dir\":false,\"existed\":true,\"expires\":1765003600,"
	    "\"mode\":416,"
	    "\"path\":\"a/b/c.txt\",\"record_id\":\"" ID1 "\","
	    "\"root\":\"/srv/work\",\"seq\":7,\"session\":\"" ID2 "\","
	    "\"size\":2500,\"v\":1}\n");
	free(line);
	/* the bounds themselves */
	m.mode = 07777;
	m.size = (uint64_t)INT64_MAX;
	strcpy(m.root, "/");
	m.seq = (uint64_t)SNAP_SEQ_MAX;
	m.at = 0;
	m.expires = SNAP_TIME_MAX;
	memset(m.path, 'p', SNAP_PATH_MAX);
	m.path[SNAP_PATH_MAX] = '\0';
	free(round_trip(&m));
	strcpy(m.path, "\xc3\xa9t\xc3\xa9/\"q\\\"/.hidden/..x/x..");
	free(round_trip(&m));
}
END_TEST

START_TEST(test_round_trip_delete)
{
	struct snap_meta m;
	char *line;

	meta_delete(&m);
	line = round_trip(&m);
	ck_assert_ptr_nonnull(strstr(line, "\"action\":\"fs.delete\""));
	ck_assert_ptr_nonnull(strstr(line, "\"after\":\"\""));
	ck_assert_ptr_nonnull(strstr(line, "\"mode\":4077,"));
	ck_assert_ptr_nonnull(strstr(line, "\"size\":0,"));
	free(line);
	/* an empty directory: its mode, no size, no blob */
	m.dir = 1;
	m.size = 0;
	m.blob[0] = '\0';
	line = round_trip(&m);
	ck_assert_ptr_nonnull(strstr(line, "\"dir\":true,"));
	ck_assert_ptr_null(strstr(line, "\"size\""));
	ck_assert_ptr_null(strstr(line, "\"blob\""));
	free(line);
	m.size = 1;
	ck_assert_ptr_null(snap_meta_dump(&m, NULL));
	m.size = 0;
	strcpy(m.action, "fs.write");
	strcpy(m.after, HEX2);
	ck_assert_ptr_null(snap_meta_dump(&m, NULL));	/* write: no dir */
}
END_TEST

START_TEST(test_deep_created)
{
	struct snap_meta m;
	char *p;
	unsigned i;

	meta_new_file(&m);
	p = m.path;
	for (i = 0; i < SNAP_DIRS_MAX; i++)
		p += sprintf(p, "d%u/", i);
	strcpy(p, "f");
	m.ncreated = SNAP_DIRS_MAX;
	free(round_trip(&m));
	m.ncreated = SNAP_DIRS_MAX + 1;
	ck_assert_ptr_null(snap_meta_dump(&m, NULL));
}
END_TEST


/* Member key of o replaced by the JSON text val (NULL: removed). */
static void
edit_member(json_t *o, const char *key, const char *val)
{
	json_error_t e;

	if (val == NULL)
		ck_assert_msg(json_object_del(o, key) == 0, "no %s", key);
	else {
		json_t *v = json_loads(val, JSON_DECODE_ANY | JSON_ALLOW_NUL,
		    &e);

		ck_assert_msg(v != NULL, "bad test JSON %s", val);
		json_object_set_new(o, key, v);
	}
}

/*
 * The line of m with member key replaced by the JSON text val (NULL:
 * removed), and key2 by val2 when key2 is not NULL, parsed: must be
 * refused with a reason starting with want, nothing kept.
 */
static void
refuse_edit(const struct snap_meta *m, const char *key, const char *val,
    const char *key2, const char *val2, const char *want)
{
	struct snap_meta *out;
	json_error_t e;
	json_t *o;
	char *line, *t, *full, why[160];
	int rc;

	line = snap_meta_dump(m, NULL);
	ck_assert_ptr_nonnull(line);
	o = json_loads(line, 0, &e);
	ck_assert_ptr_nonnull(o);
	free(line);
	edit_member(o, key, val);
	if (key2 != NULL)
		edit_member(o, key2, val2);
	t = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	ck_assert_ptr_nonnull(t);
	ck_assert_int_ge(asprintf(&full, "%s\n", t), 0);
	free(t);
	strcpy(why, "(none)");
	/* (the heap: a struct over 64 KiB, and ASan sees it whole) */
	out = malloc(sizeof *out);
	ck_assert_ptr_nonnull(out);
	memset(out, 0x5a, sizeof *out);
	rc = snap_meta_parse(full, strlen(full), out, why, sizeof why);
	if (rc == 0)
		snap_meta_free(out);
	ck_assert_msg(rc == -1, "accepted %s=%.80s", key, val ? val : "(none)");
	ck_assert_msg(strncmp(why, want, strlen(want)) == 0,
	    "%s=%.80s: reason \"%s\", wanted \"%s\"", key,
	    val ? val : "(none)", why, want);
	ck_assert_str_eq(out->path, "");	/* nothing kept */
	ck_assert_ptr_null(out->tree);
	free(out);
	free(full);
}

static void
refuse_member(const struct snap_meta *m, const char *key, const char *val,
    const char *want)
{
	refuse_edit(m, key, val, NULL, NULL, want);
}

/* A small file's bytes in the line itself: exact bytes both ways. */
START_TEST(test_inline)
{
	static const unsigned char bytes[] = { 'a', 0, 'b', '\r', '\n', 0xff };
	struct snap_meta m, back, dir;
	char why[160], *line;
	size_t len;

	meta_overwrite(&m);
	m.size = sizeof(bytes);
	memcpy(m.inl, bytes, sizeof(bytes));
	m.has_inline = 1;
	line = snap_meta_dump(&m, &len);
	ck_assert_ptr_nonnull(line);
	ck_assert_ptr_nonnull(strstr(line, "\"inline\":\"YQBiDQr/\""));
	ck_assert_int_eq(snap_meta_parse(line, len, &back, why, sizeof why), 0);
	ck_assert_int_eq(back.has_inline, 1);
	ck_assert(back.size == sizeof(bytes));
	ck_assert_int_eq(memcmp(back.inl, bytes, sizeof(bytes)), 0);
	free(line);
	/* as large as it may be */
	m.size = SNAP_INLINE_MAX;
	memset(m.inl, 0xab, SNAP_INLINE_MAX);
	line = snap_meta_dump(&m, &len);
	ck_assert_ptr_nonnull(line);
	ck_assert_int_eq(snap_meta_parse(line, len, &back, why, sizeof why), 0);
	ck_assert_int_eq(memcmp(back.inl, m.inl, SNAP_INLINE_MAX), 0);
	free(line);
	m.size = SNAP_INLINE_MAX + 1;	/* one more: never made */
	ck_assert_ptr_null(snap_meta_dump(&m, NULL));
	m.size = 6;
	refuse_member(&m, "inline", "\"!!!!\"", "inline: not base64");
	refuse_member(&m, "inline", "\"YQ==\"", "inline: not base64 of exactly");
	refuse_member(&m, "inline", "\"YQBiDQr/ \"", "inline: not base64");
	refuse_member(&m, "inline", "6", "inline: not a string");
	refuse_member(&m, "size", "2500", "inline: not base64 of exactly");
	meta_new_file(&back);
	refuse_member(&back, "inline", "\"YQBiDQr/\"",
	    "inline: present but existed is false");
	meta_delete(&dir);
	dir.dir = 1;
	dir.blob[0] = '\0';
	refuse_member(&dir, "inline", "\"\"", "inline: present but dir is true");
	back.has_inline = 1;		/* and the writer refuses the same */
	ck_assert_ptr_null(snap_meta_dump(&back, NULL));
}
END_TEST

START_TEST(test_refused_members)
{
	struct snap_meta nf, ow, del;
	char longpath[SNAP_PATH_MAX + 8], buf[SNAP_PATH_MAX + 16];
	char many[64 * 8 + 8], *p;
	unsigned i;

	meta_new_file(&nf);
	meta_overwrite(&ow);
	meta_delete(&del);
	/* paths */
	refuse_member(&nf, "path", "\"../x\"", "path:");
	refuse_member(&nf, "path", "\"a/../x\"", "path:");
	refuse_member(&nf, "path", "\"a/..\"", "path:");
	refuse_member(&nf, "path", "\"..\"", "path:");
	refuse_member(&nf, "path", "\"/abs\"", "path:");
	refuse_member(&nf, "path", "\"a//b\"", "path:");
	refuse_member(&nf, "path", "\"a/./b\"", "path:");
	refuse_member(&nf, "path", "\".\"", "path:");
	refuse_member(&nf, "path", "\"\"", "path:");
	refuse_member(&nf, "path", "\"a/\"", "path:");
	refuse_member(&nf, "path", "\"a\\nb\"", "path:");
	refuse_member(&nf, "path", "\"a\\u007fb\"", "path:");
	refuse_member(&nf, "path", "\"a\\u0000b\"", "line:");
	refuse_member(&nf, "path", "7", "path: not a string");
	memset(longpath, 'p', SNAP_PATH_MAX + 1);
	longpath[SNAP_PATH_MAX + 1] = '\0';
	snprintf(buf, sizeof buf, "\"%s\"", longpath);
	refuse_member(&ow, "path", buf, "path: too long");
	/* ids */
	refuse_member(&nf, "record_id", "\"../x\"", "record_id:");
	refuse_member(&nf, "record_id",
	    "\"0F8FAD5B-D9CB-469F-A165-70867728950E\"", "record_id:");
	refuse_member(&nf, "session", "\"{" ID2 "}\"", "session:");
	refuse_member(&nf, "session", NULL, "session: missing");
	/* hex */
	refuse_member(&ow, "blob", "\"" "9F86D081884C7D659A2FEAA0C55AD015"
	    "A3BF4F1B2B0B822CD15D6C15B0F00A08" "\"", "blob:");
	refuse_member(&ow, "blob", "\"9f86d0\"", "blob:");
	refuse_member(&ow, "blob", "\"\"", "blob:");
	refuse_member(&ow, "blob", NULL, "blob: missing");
	refuse_member(&ow, "after", "\"zz\"", "after:");
	refuse_member(&nf, "after", "\"\"", "after:");
	refuse_member(&del, "after", "\"" HEX2 "\"", "after:");
	/* mode, size, existed */
	refuse_member(&ow, "mode", "4096", "mode: out of range");
	refuse_member(&ow, "mode", "-1", "mode: out of range");
	refuse_member(&ow, "mode", "\"0644\"", "mode: not an integer");
	refuse_member(&ow, "mode", "420.0", "mode: not an integer");
	refuse_member(&ow, "size", "-1", "size: out of range");
	refuse_member(&ow, "size", NULL, "size: missing");
	refuse_member(&nf, "mode", "420", "mode: present");
	refuse_member(&nf, "size", "0", "size: present");
	refuse_member(&nf, "blob", "\"" HEX1 "\"", "blob: present");
	refuse_member(&nf, "existed", "0", "existed:");
	refuse_member(&nf, "existed", NULL, "existed: missing");
	refuse_member(&del, "existed", "false", "mode: present");
	/* the rest */
	refuse_member(&nf, "v", "2", "v:");
	refuse_member(&nf, "v", NULL, "v: missing");
	refuse_member(&nf, "action", "\"fs.read\"", "action:");
	refuse_member(&nf, "action", "\"fs.write.and.more.than.16\"",
	    "action: too long");
	refuse_member(&nf, "root", "\"srv\"", "root: not an absolute");
	refuse_member(&nf, "root", "\"/srv/../etc\"", "root: not an absolute");
	refuse_member(&nf, "root", "\"/srv/\"", "root: not an absolute");
	refuse_member(&nf, "root", "\"//\"", "root: not an absolute");
	refuse_member(&nf, "root", "1", "root: not a string");
	refuse_member(&nf, "seq", "0", "seq: out of range");
	refuse_member(&nf, "seq", "9007199254740992", "seq: out of range");
	refuse_member(&nf, "seq", NULL, "seq: missing");
	refuse_member(&nf, "at", "-1", "at: out of range");
	refuse_member(&nf, "at", "253402300800", "at: out of range");
	refuse_member(&nf, "expires", "1764999999", "expires:");
	refuse_member(&nf, "expires", "1e3", "expires: not an integer");
	refuse_member(&nf, "x", "1", "unknown key \"x\"");
	refuse_member(&nf, "Path", "\"a\"", "unknown key \"Path\"");
	/* created */
	refuse_member(&nf, "created", "[\"a/b\",\"a\"]", "created: not path");
	refuse_member(&nf, "created", "[\"a\"]", "created: not path");
	refuse_member(&nf, "created", "[\"x\",\"x/b\"]", "created: not path");
	refuse_member(&nf, "created", "[\"a\",\"a/b/\"]", "created: not path");
	refuse_member(&nf, "created", "[\"a\",7]", "created: not an array of");
	refuse_member(&nf, "created", "[\"a\",\"a/b\",\"a/b/c.txt\"]",
	    "created: more than path's");
	refuse_member(&nf, "created", "\"a\"", "created: not an array");
	refuse_member(&nf, "created", NULL, "created: missing");
	refuse_member(&ow, "created", "[\"a/b\"]", "created: not empty");
	refuse_member(&del, "created", "[\"a/b\"]", "created: not empty");
	p = many;
	p += sprintf(p, "[");
	for (i = 0; i <= SNAP_DIRS_MAX; i++)
		p += sprintf(p, "%s\"a\"", i ? "," : "");
	sprintf(p, "]");
	refuse_member(&nf, "created", many, "created: more than 64");
}
END_TEST

static void
refuse_text(const char *text, size_t len, const char *want)
{
	struct snap_meta m;
	char why[160] = "(none)";
	int rc;

	rc = snap_meta_parse(text, len, &m, why, sizeof why);
	if (rc == 0)
		snap_meta_free(&m);
	ck_assert_int_eq(rc, -1);
	ck_assert_ptr_null(m.tree);
	ck_assert_msg(strstr(why, want) != NULL, "reason \"%s\", wanted \"%s\"",
	    why, want);
}

START_TEST(test_refused_lines)
{
	struct snap_meta m;
	char *line, *dup, *huge;
	size_t len;

	meta_overwrite(&m);
	line = snap_meta_dump(&m, &len);
	ck_assert_ptr_nonnull(line);
	/* a duplicate key, even with the same value */
	ck_assert_int_ge(asprintf(&dup, "{\"v\":1,%s", line + 1), 0);
	refuse_text(dup, strlen(dup), "duplicate");
	free(dup);
	ck_assert_int_ge(asprintf(&dup, "%.*s,\"path\":\"a/b/c.txt\"}\n",
	    (int)len - 2, line), 0);
	refuse_text(dup, strlen(dup), "duplicate");
	free(dup);
	/* torn: no final newline, or cut short */
	refuse_text(line, len - 1, "line: no final newline");
	refuse_text(line, len / 2, "line: no final newline");
	/* the bound: a valid line padded with blanks past SNAP_META_MAX */
	huge = malloc(SNAP_META_MAX + 1);
	ck_assert_ptr_nonnull(huge);
	memset(huge, ' ', SNAP_META_MAX + 1);
	memcpy(huge, line, len - 1);
	huge[SNAP_META_MAX] = '\n';
	refuse_text(huge, SNAP_META_MAX + 1, "line: over");
	/* the same, one byte shorter: accepted (JSON allows the blanks) */
	huge[SNAP_META_MAX - 1] = '\n';
	ck_assert_int_eq(snap_meta_parse(huge, SNAP_META_MAX, &m, NULL, 0), 0);
	free(huge);
	/* not an object, not JSON, two objects, empty */
	refuse_text("[]\n", 3, "line: not a JSON object");
	refuse_text("{\"v\":1\n", 7, "line:");
	refuse_text("\n", 1, "line:");
	refuse_text("", 0, "line: empty");
	ck_assert_int_ge(asprintf(&dup, "%.*s%s", (int)len - 1, line, line),
	    0);
	refuse_text(dup, strlen(dup), "line:");
	free(dup);
	/* a NUL byte in the line */
	dup = strdup(line);
	ck_assert_ptr_nonnull(dup);
	dup[len / 2] = '\0';
	refuse_text(dup, len, "line:");
	free(dup);
	/* not UTF-8 */
	refuse_text("{\"path\":\"\xff\"}\n", 13, "line:");
	free(line);
}
END_TEST

/* The writer refuses what the reader would. */
START_TEST(test_dump_refuses)
{
	struct snap_meta m;
	char why[128];

#define BAD(setup, want) do {						\
		meta_new_file(&m);					\
		setup;							\
		ck_assert_ptr_null(snap_meta_dump(&m, NULL));		\
		ck_assert_int_eq(snap_meta_check(&m, why, sizeof why), -1); \
		ck_assert_msg(strncmp(why, want, strlen(want)) == 0,	\
		    "reason \"%s\", wanted \"%s\"", why, want);		\
	} while (0)
#define BADOW(setup, want) BAD(meta_overwrite(&m); setup, want)

	meta_new_file(&m);
	ck_assert_int_eq(snap_meta_check(&m, why, sizeof why), 0);
	BAD(m.v = 2, "v:");
	BAD(strcpy(m.record_id, "../x"), "record_id:");
	BAD(memset(m.record_id, 'a', sizeof m.record_id), "record_id:");
	BAD(strcpy(m.session, ""), "session:");
	BAD(strcpy(m.action, "fs.read"), "action:");
	BAD(memset(m.action, 'a', sizeof m.action), "action:");
	BAD(strcpy(m.root, "rel"), "root:");
	BAD(strcpy(m.root, "/a/./b"), "root:");
	BAD(memset(m.root, 'r', sizeof m.root), "root:");
	BAD(m.seq = 0, "seq:");
	BAD(strcpy(m.path, "../x"), "path:");
	BAD(strcpy(m.path, "/abs"), "path:");
	BAD(strcpy(m.path, "a//b"), "path:");
	BAD(strcpy(m.path, "a/./b"), "path:");
	BAD(strcpy(m.path, ""), "path:");
	BAD(memset(m.path, 'p', sizeof m.path), "path:");
	BAD(strcpy(m.path, "\xff"), "");	/* not UTF-8: dump only */
	BAD(m.existed = 2, "existed:");
	BAD(m.mode = 0644, "mode: set");
	BAD(m.size = 1, "size: set");
	BAD(strcpy(m.blob, HEX1), "blob: set");
	BAD(strcpy(m.after, "x"), "after:");
	BAD(m.ncreated = 3, "created: more than path's");
	BAD(m.at = -1, "at:");
	BAD(m.at = SNAP_TIME_MAX + 1, "at:");
	BAD(m.expires = m.at - 1, "expires:");
	BADOW(m.mode = 010000, "mode: above");
	BADOW(m.size = (uint64_t)INT64_MAX + 1, "size:");
	BADOW(strcpy(m.blob, "ABC"), "blob:");
	BADOW(memset(m.blob, 'a', sizeof m.blob), "blob:");
	BADOW(m.ncreated = 1, "created: not empty");
	BAD(meta_delete(&m); m.existed = 0; m.mode = 0; m.blob[0] = '\0',
	    "existed: false for fs.delete");
	BAD(meta_delete(&m); strcpy(m.after, HEX2), "after: not empty");
	ck_assert_ptr_null(snap_meta_dump(NULL, NULL));
#undef BAD
#undef BADOW
}
END_TEST


/* ---- tree snapshots (proc.exec) ---- */

/*
 * A tree of two roots, entries of all three types, added out of order
 * then sorted:
 *   /srv/a: d (dir 0755), d/x (file), d/ln -> x, d/sub (dir 0700),
 *           d/sub/deep (file), top (file, empty)
 *   /srv/b: ln2 -> /etc/passwd, same (file, the bytes of d/x)
 */
static struct snap_tree *
tree_new(void)
{
	struct snap_tree *t = snap_tree_new();

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(snap_tree_root(t, "/srv/a"), 0);
	ck_assert_int_eq(snap_tree_root(t, "/srv/b"), 1);
	ck_assert_int_eq(snap_tree_add(t, 1, 'f', "same", 0644, 10, HEX1,
	    NULL), 0);
	ck_assert_int_eq(snap_tree_add(t, 0, 'f', "top", 0600, 0, HEX3,
	    NULL), 0);
	ck_assert_int_eq(snap_tree_add(t, 0, 'f', "d/x", 0644, 10, HEX1,
	    NULL), 0);
	ck_assert_int_eq(snap_tree_add(t, 0, 'l', "d/ln", 0, 0, NULL, "x"),
	    0);
	ck_assert_int_eq(snap_tree_add(t, 1, 'l', "ln2", 0, 0, "",
	    "/etc/passwd"), 0);
	ck_assert_int_eq(snap_tree_add(t, 0, 'd', "d/sub", 0700, 0, NULL,
	    NULL), 0);
	ck_assert_int_eq(snap_tree_add(t, 0, 'f', "d/sub/deep", 04755,
	    123456789, HEX2, NULL), 0);
	ck_assert_int_eq(snap_tree_add(t, 0, 'd', "d", 0755, 0, "", NULL), 0);
	ck_assert_uint_eq(t->n, 8);
	snap_tree_sort(t);
	return t;
}

static void
meta_tree(struct snap_meta *m)
{
	memset(m, 0, sizeof *m);
	m->v = 1;
	strcpy(m->record_id, ID1);
	strcpy(m->session, ID2);
	strcpy(m->action, "proc.exec");
	m->seq = 9;
	strcpy(m->root, "/");
	strcpy(m->path, "usr/bin/sh");
	m->at = 1765000000;
	m->expires = 1765003600;
	m->tree = tree_new();
}

START_TEST(test_tree_round_trip)
{
	static const char *const order[][2] = {
		{ "0", "d" }, { "0", "d/ln" }, { "0", "d/sub" },
		{ "0", "d/sub/deep" }, { "0", "d/x" }, { "0", "top" },
		{ "1", "ln2" }, { "1", "same" },
	};
	struct snap_meta m, back;
	const struct snap_ent *e;
	char why[160], *line, *again;
	size_t len, len2, i;

	meta_tree(&m);
	ck_assert_int_eq(snap_tree_check(m.tree, why, sizeof why), 0);
	ck_assert_int_eq(snap_meta_check(&m, why, sizeof why), 0);
	/* sorted by (root, path) */
	for (i = 0; i < sizeof order / sizeof order[0]; i++) {
		ck_assert_uint_eq(m.tree->e[i].root,
		    (unsigned)(order[i][0][0] - '0'));
		ck_assert_str_eq(m.tree->e[i].path, order[i][1]);
	}
	line = round_trip(&m);
	/* the members as the format says */
	ck_assert_ptr_nonnull(strstr(line, "\"action\":\"proc.exec\""));
	ck_assert_ptr_nonnull(strstr(line, "\"after\":\"\",\"at\":1765000000,"
	    "\"created\":[],\"existed\":false,"));
	ck_assert_ptr_nonnull(strstr(line, "\"path\":\"usr/bin/sh\","));
	ck_assert_ptr_nonnull(strstr(line, "\"root\":\"/\","
	    "\"roots\":[\"/srv/a\",\"/srv/b\"],"));
	ck_assert_ptr_nonnull(strstr(line, "\"tree\":[[\"d\",0,\"d\",493],"
	    "[\"l\",0,\"d/ln\",\"x\"],[\"d\",0,\"d/sub\",448],"
	    "[\"f\",0,\"d/sub/deep\",2541,123456789,\"" HEX2 "\"],"
	    "[\"f\",0,\"d/x\",420,10,\"" HEX1 "\"],"
	    "[\"f\",0,\"top\",384,0,\"" HEX3 "\"],"
	    "[\"l\",1,\"ln2\",\"/etc/passwd\"],"
	    "[\"f\",1,\"same\",420,10,\"" HEX1 "\"]],\"v\":1}\n"));
	ck_assert_ptr_null(strstr(line, "\"mode\""));
	ck_assert_ptr_null(strstr(line, "\"blob\""));
	ck_assert_ptr_null(strstr(line, "\"inline\""));
	/* parsed: the entries themselves, found by (root, path) */
	len = strlen(line);
	ck_assert_int_eq(snap_meta_parse(line, len, &back, why, sizeof why), 0);
	ck_assert_ptr_nonnull(back.tree);
	ck_assert_ptr_ne(back.tree, m.tree);
	e = snap_tree_find(back.tree, 0, "d/ln");
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->type, SNAP_ENT_LINK);
	ck_assert_str_eq(e->target, "x");
	ck_assert_uint_eq(e->mode, 0);
	ck_assert_str_eq(e->blob, "");
	e = snap_tree_find(back.tree, 1, "same");
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->type, SNAP_ENT_FILE);
	ck_assert(e->size == 10);
	ck_assert_str_eq(e->blob, HEX1);
	ck_assert_ptr_null(e->target);
	e = snap_tree_find(back.tree, 0, "d/sub");
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->type, SNAP_ENT_DIR);
	ck_assert_uint_eq(e->mode, 0700);
	ck_assert_ptr_null(snap_tree_find(back.tree, 1, "d"));	/* root 0's */
	ck_assert_ptr_null(snap_tree_find(back.tree, 0, "same"));
	ck_assert_ptr_null(snap_tree_find(back.tree, 2, "d"));
	ck_assert_ptr_null(snap_tree_find(NULL, 0, "d"));
	/* and dumped again: the same bytes */
	again = snap_meta_dump(&back, &len2);
	ck_assert_ptr_nonnull(again);
	ck_assert_uint_eq(len2, len);
	ck_assert_str_eq(again, line);
	free(again);
	snap_meta_free(&back);
	ck_assert_ptr_null(back.tree);
	snap_meta_free(&back);		/* twice: nothing */
	free(line);

	/* an empty tree (the roots held nothing) */
	snap_meta_free(&m);
	ck_assert_ptr_null(m.tree);
	m.tree = snap_tree_new();
	ck_assert_ptr_nonnull(m.tree);
	ck_assert_int_eq(snap_tree_root(m.tree, "/"), 0);
	line = round_trip(&m);
	ck_assert_ptr_nonnull(strstr(line, "\"roots\":[\"/\"],"));
	ck_assert_ptr_nonnull(strstr(line, "\"tree\":[],"));
	free(line);
	snap_meta_free(&m);
}
END_TEST

/* The builder refuses a bad member, and stops at SNAP_TREE_MAX. */
START_TEST(test_tree_builder)
{
	struct snap_tree *t = snap_tree_new();
	char path[32], why[160];
	unsigned i;

	ck_assert_ptr_nonnull(t);
	/* no root yet: no entry */
	ck_assert_int_eq(snap_tree_add(t, 0, 'd', "d", 0755, 0, NULL, NULL),
	    -1);
	ck_assert_int_eq(snap_tree_root(t, "/srv/a"), 0);
	ck_assert_int_eq(snap_tree_root(t, "/srv/a"), -1);	/* twice */
	ck_assert_int_eq(snap_tree_root(t, "srv"), -1);
	ck_assert_int_eq(snap_tree_root(t, "/srv/../etc"), -1);
	ck_assert_int_eq(snap_tree_root(t, "/srv/"), -1);
	ck_assert_int_eq(snap_tree_root(t, NULL), -1);
	ck_assert_uint_eq(t->nroots, 1);
	/* root index out of range */
	ck_assert_int_eq(snap_tree_add(t, 1, 'd', "d", 0755, 0, NULL, NULL),
	    -1);
	/* a link with a mode, a size, a blob, or no target */
	ck_assert_int_eq(snap_tree_add(t, 0, 'l', "l", 0777, 0, NULL, "x"),
	    -1);
	ck_assert_int_eq(snap_tree_add(t, 0, 'l', "l", 0, 1, NULL, "x"), -1);
	ck_assert_int_eq(snap_tree_add(t, 0, 'l', "l", 0, 0, HEX1, "x"), -1);
	ck_assert_int_eq(snap_tree_add(t, 0, 'l', "l", 0, 0, NULL, NULL), -1);
	ck_assert_int_eq(snap_tree_add(t, 0, 'l', "l", 0, 0, NULL, ""), -1);
	/* a file without a blob, or with a bad one, or a target */
	ck_assert_int_eq(snap_tree_add(t, 0, 'f', "f", 0644, 1, NULL, NULL),
	    -1);
	ck_assert_int_eq(snap_tree_add(t, 0, 'f', "f", 0644, 1, "", NULL), -1);
	ck_assert_int_eq(snap_tree_add(t, 0, 'f', "f", 0644, 1, "9F86", NULL),
	    -1);
	ck_assert_int_eq(snap_tree_add(t, 0, 'f', "f", 0644, 1, HEX1, "x"),
	    -1);
	ck_assert_int_eq(snap_tree_add(t, 0, 'f', "f", 010000, 1, HEX1, NULL),
	    -1);
	ck_assert_int_eq(snap_tree_add(t, 0, 'f', "f", 0644,
	    (uint64_t)INT64_MAX + 1, HEX1, NULL), -1);
	/* a directory with a size, a blob or a target */
	ck_assert_int_eq(snap_tree_add(t, 0, 'd', "d", 0755, 1, NULL, NULL),
	    -1);
	ck_assert_int_eq(snap_tree_add(t, 0, 'd', "d", 0755, 0, HEX1, NULL),
	    -1);
	ck_assert_int_eq(snap_tree_add(t, 0, 'd', "d", 0755, 0, NULL, "x"),
	    -1);
	/* a bad path, an unknown type */
	ck_assert_int_eq(snap_tree_add(t, 0, 'd', "../d", 0755, 0, NULL, NULL),
	    -1);
	ck_assert_int_eq(snap_tree_add(t, 0, 'd', "/d", 0755, 0, NULL, NULL),
	    -1);
	ck_assert_int_eq(snap_tree_add(t, 0, 'd', "", 0755, 0, NULL, NULL),
	    -1);
	ck_assert_int_eq(snap_tree_add(t, 0, 'd', NULL, 0755, 0, NULL, NULL),
	    -1);
	ck_assert_int_eq(snap_tree_add(t, 0, 'x', "d", 0755, 0, NULL, NULL),
	    -1);
	ck_assert_int_eq(snap_tree_add(NULL, 0, 'd', "d", 0755, 0, NULL,
	    NULL), -1);
	ck_assert_uint_eq(t->n, 0);	/* none of them went in */
	/* SNAP_TREE_MAX entries, then one more: E2BIG */
	for (i = 0; i < SNAP_TREE_MAX; i++) {
		snprintf(path, sizeof path, "f%05u", i);
		ck_assert_msg(snap_tree_add(t, 0, 'f', path, 0644, i, HEX1,
		    NULL) == 0, "entry %u refused", i);
	}
	ck_assert_uint_eq(t->n, SNAP_TREE_MAX);
	ck_assert_int_eq(snap_tree_check(t, why, sizeof why), 0);
	errno = 0;
	ck_assert_int_eq(snap_tree_add(t, 0, 'f', "g", 0644, 1, HEX1, NULL),
	    -1);
	ck_assert_int_eq(errno, E2BIG);
	ck_assert_uint_eq(t->n, SNAP_TREE_MAX);
	/* a bad member is still refused as one, not as E2BIG */
	errno = 0;
	ck_assert_int_eq(snap_tree_add(t, 0, 'f', "g", 0644, 1, NULL, NULL),
	    -1);
	ck_assert_int_ne(errno, E2BIG);
	snap_tree_free(t);
	snap_tree_free(NULL);
}
END_TEST

/* SNAP_TREE_MAX entries fit in a line and come back; one more is
 * refused by the reader. */
START_TEST(test_tree_max)
{
	struct snap_meta m;
	char path[32], *line, *big, *p;
	size_t len, i;

	meta_tree(&m);
	snap_tree_free(m.tree);
	m.tree = snap_tree_new();
	ck_assert_ptr_nonnull(m.tree);
	ck_assert_int_eq(snap_tree_root(m.tree, "/w"), 0);
	for (i = 0; i < SNAP_TREE_MAX; i++) {
		snprintf(path, sizeof path, "f%05zu", i);
		ck_assert_int_eq(snap_tree_add(m.tree, 0, 'f', path, 0644, i,
		    HEX1, NULL), 0);
	}
	line = round_trip(&m);
	len = strlen(line);
	ck_assert(len <= SNAP_META_MAX);
	/* the same line with one more entry (still under SNAP_META_MAX) */
	p = strstr(line, "]],\"v\":1}\n");
	ck_assert_ptr_nonnull(p);
	big = malloc(len + 128);
	ck_assert_ptr_nonnull(big);
	memcpy(big, line, (size_t)(p - line) + 1);	/* up to its last ']' */
	sprintf(big + (p - line) + 1, ",[\"f\",0,\"g\",420,1,\"" HEX1
	    "\"]],\"v\":1}\n");
	ck_assert(strlen(big) <= SNAP_META_MAX);
	refuse_text(big, strlen(big), "roots, tree: not both arrays in bounds");
	free(big);
	free(line);
	snap_meta_free(&m);
}
END_TEST

/* What snap_tree_check (and so the writer) refuses in a tree built by
 * hand: each one from the good tree with one thing changed. */
START_TEST(test_tree_check_refuses)
{
	struct snap_meta m;
	struct snap_ent tmp;
	char why[160];

#define TBAD(setup, want) do {						\
		meta_tree(&m);						\
		setup;							\
		strcpy(why, "(none)");					\
		ck_assert_int_eq(snap_tree_check(m.tree, why, sizeof why), -1); \
		ck_assert_msg(strstr(why, want) != NULL,		\
		    "reason \"%s\", wanted \"%s\"", why, want);		\
		ck_assert_int_eq(snap_meta_check(&m, NULL, 0), -1);	\
		ck_assert_ptr_null(snap_meta_dump(&m, NULL));		\
		snap_meta_free(&m);					\
	} while (0)

	/* unsorted: two entries swapped */
	TBAD(tmp = m.tree->e[4]; m.tree->e[4] = m.tree->e[5];
	    m.tree->e[5] = tmp, "tree: entry 5: not sorted");
	/* unsorted across roots */
	TBAD(tmp = m.tree->e[5]; m.tree->e[5] = m.tree->e[6];
	    m.tree->e[6] = tmp, "not sorted");
	/* a duplicate: "d/x" twice (its path made the one before it) */
	TBAD(free(m.tree->e[5].path); m.tree->e[5].path = strdup("d/x"),
	    "tree: entry 5: not sorted, or twice");
	/* a parent that is a file: d/x/y beneath the file d/x */
	TBAD(ck_assert_int_eq(snap_tree_add(m.tree, 0, 'f', "d/x/y", 0644, 1,
	    HEX1, NULL), 0); snap_tree_sort(m.tree),
	    "its parent is not a directory entry");
	/* a parent that is a link: d/ln/y */
	TBAD(ck_assert_int_eq(snap_tree_add(m.tree, 0, 'd', "d/ln/y", 0755, 0,
	    NULL, NULL), 0); snap_tree_sort(m.tree),
	    "its parent is not a directory entry");
	/* a parent that is not there at all, or in the other root */
	TBAD(ck_assert_int_eq(snap_tree_add(m.tree, 1, 'f', "d/x", 0644, 1,
	    HEX1, NULL), 0); snap_tree_sort(m.tree),
	    "its parent is not a directory entry");
	/* a link with a mode */
	TBAD(m.tree->e[1].mode = 0777, "entry 1: members not as its type");
	/* a link without a target */
	TBAD(free(m.tree->e[1].target); m.tree->e[1].target = NULL,
	    "entry 1: members not as its type");
	/* a file without a blob */
	TBAD(m.tree->e[4].blob[0] = '\0', "entry 4: members not as its type");
	/* a file with a link's target */
	TBAD(m.tree->e[4].target = strdup("x"),
	    "entry 4: members not as its type");
	/* a directory with a size */
	TBAD(m.tree->e[0].size = 1, "entry 0: members not as its type");
	/* a mode over 07777 */
	TBAD(m.tree->e[0].mode = 010000, "entry 0: members not as its type");
	/* an unknown type */
	TBAD(m.tree->e[0].type = 'x', "entry 0: members not as its type");
	/* a root index out of range */
	TBAD(m.tree->e[7].root = 2, "entry 7: a bad root or path");
	/* a bad path */
	TBAD(free(m.tree->e[7].path); m.tree->e[7].path = strdup("../same"),
	    "entry 7: a bad root or path");
	/* no root, a bad root, a root twice */
	TBAD(free(m.tree->roots[1]); free(m.tree->roots[0]);
	    m.tree->nroots = 0, "roots: not 1 to");
	TBAD(free(m.tree->roots[1]); m.tree->roots[1] = strdup("srv/b"),
	    "roots: not absolute");
	TBAD(free(m.tree->roots[1]); m.tree->roots[1] = strdup("/srv/a"),
	    "roots: a root twice");
	ck_assert_int_eq(snap_tree_check(NULL, why, sizeof why), -1);
#undef TBAD
}
END_TEST

/* The record around a tree: proc.exec and a tree go together; root "/",
 * nothing existed, no after, no created. */
START_TEST(test_tree_record_refuses)
{
	struct snap_meta m;
	char why[160];

#define RBAD(setup, want) do {						\
		meta_tree(&m);						\
		setup;							\
		strcpy(why, "(none)");					\
		ck_assert_int_eq(snap_meta_check(&m, why, sizeof why), -1); \
		ck_assert_msg(strncmp(why, want, strlen(want)) == 0,	\
		    "reason \"%s\", wanted \"%s\"", why, want);		\
		ck_assert_ptr_null(snap_meta_dump(&m, NULL));		\
		snap_meta_free(&m);					\
	} while (0)

	/* a tree on an fs.write or fs.delete */
	RBAD(strcpy(m.action, "fs.write"); strcpy(m.after, HEX2),
	    "roots, tree: only for proc.exec");
	RBAD(strcpy(m.action, "fs.delete"); m.existed = 1; m.mode = 0644;
	    m.size = 1; strcpy(m.blob, HEX1),
	    "roots, tree: only for proc.exec");
	/* proc.exec without one */
	RBAD(snap_tree_free(m.tree); m.tree = NULL, "roots: not 1 to");
	/* root not "/", or existed */
	RBAD(strcpy(m.root, "/srv"), "root, existed: not \"/\" and false");
	RBAD(m.existed = 1; m.mode = 0755; m.size = 1; strcpy(m.blob, HEX1),
	    "root, existed: not \"/\" and false");
	/* the fs members */
	RBAD(strcpy(m.after, HEX2), "after: not empty");
	RBAD(m.ncreated = 1, "created: not empty");
	RBAD(m.mode = 0755, "mode: set but existed is false");
	RBAD(strcpy(m.blob, HEX1), "blob: set but existed is false");
	RBAD(m.dir = 1, "dir:");
	RBAD(strcpy(m.path, "/usr/bin/sh"), "path:");
#undef RBAD
}
END_TEST

/* The reader refuses every rule of a tree in a line. */
START_TEST(test_tree_refused_members)
{
	struct snap_meta t, nf, ow;
	char why[160];

	meta_tree(&t);
	meta_new_file(&nf);
	meta_overwrite(&ow);
	ck_assert_int_eq(snap_meta_check(&t, why, sizeof why), 0);
	/* unsorted, a duplicate */
	refuse_member(&t, "tree", "[[\"f\",0,\"b\",420,1,\"" HEX1 "\"],"
	    "[\"f\",0,\"a\",420,1,\"" HEX1 "\"]]",
	    "tree: entry 1: not sorted, or twice");
	refuse_member(&t, "tree", "[[\"f\",1,\"a\",420,1,\"" HEX1 "\"],"
	    "[\"f\",0,\"b\",420,1,\"" HEX1 "\"]]",
	    "tree: entry 1: not sorted, or twice");
	refuse_member(&t, "tree", "[[\"f\",0,\"a\",420,1,\"" HEX1 "\"],"
	    "[\"f\",0,\"a\",420,1,\"" HEX1 "\"]]",
	    "tree: entry 1: not sorted, or twice");
	refuse_member(&t, "tree", "[[\"d\",0,\"a\",493],[\"l\",0,\"a\",\"x\"]]",
	    "tree: entry 1: not sorted, or twice");
	/* a parent that is not a "d" entry */
	refuse_member(&t, "tree", "[[\"f\",0,\"a\",420,1,\"" HEX1 "\"],"
	    "[\"f\",0,\"a/b\",420,1,\"" HEX1 "\"]]",
	    "tree: entry 1: its parent is not a directory entry");
	refuse_member(&t, "tree", "[[\"l\",0,\"a\",\"/srv\"],"
	    "[\"f\",0,\"a/b\",420,1,\"" HEX1 "\"]]",
	    "tree: entry 1: its parent is not a directory entry");
	refuse_member(&t, "tree", "[[\"f\",0,\"a/b\",420,1,\"" HEX1 "\"]]",
	    "tree: entry 0: its parent is not a directory entry");
	refuse_member(&t, "tree", "[[\"d\",0,\"a\",493],"
	    "[\"f\",1,\"a/b\",420,1,\"" HEX1 "\"]]",
	    "tree: entry 1: its parent is not a directory entry");
	/* a link with a mode: [l, ROOT, PATH, MODE] is no link */
	refuse_member(&t, "tree", "[[\"l\",0,\"a\",511]]",
	    "tree: entry 0: members not as its type says");
	refuse_member(&t, "tree", "[[\"l\",0,\"a\",\"x\",511]]",
	    "tree: entry 0: not [TYPE, ROOT, PATH");
	refuse_member(&t, "tree", "[[\"l\",0,\"a\",\"\"]]",
	    "tree: entry 0: a bad member");
	/* a file without a blob */
	refuse_member(&t, "tree", "[[\"f\",0,\"a\",420,1]]",
	    "tree: entry 0: not [TYPE, ROOT, PATH");
	refuse_member(&t, "tree", "[[\"f\",0,\"a\",420,1,\"\"]]",
	    "tree: entry 0: a bad member");
	refuse_member(&t, "tree", "[[\"f\",0,\"a\",420,1,null]]",
	    "tree: entry 0: members not as its type says");
	refuse_member(&t, "tree", "[[\"f\",0,\"a\",420,1,\"" "9F86D081884C"
	    "7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08" "\"]]",
	    "tree: entry 0: a bad member");
	/* root index out of range (two roots: 0 and 1) */
	refuse_member(&t, "tree", "[[\"d\",2,\"a\",493]]",
	    "tree: entry 0: a bad member");
	refuse_member(&t, "tree", "[[\"d\",64,\"a\",493]]",
	    "tree: entry 0: not [TYPE, ROOT, PATH");
	refuse_member(&t, "tree", "[[\"d\",-1,\"a\",493]]",
	    "tree: entry 0: not [TYPE, ROOT, PATH");
	refuse_member(&t, "tree", "[[\"d\",\"0\",\"a\",493]]",
	    "tree: entry 0: not [TYPE, ROOT, PATH");
	/* other members of an entry */
	refuse_member(&t, "tree", "[[\"d\",0,\"a\",4096]]",
	    "tree: entry 0: members not as its type says");
	refuse_member(&t, "tree", "[[\"d\",0,\"a\",\"0755\"]]",
	    "tree: entry 0: members not as its type says");
	refuse_member(&t, "tree", "[[\"f\",0,\"a\",420,-1,\"" HEX1 "\"]]",
	    "tree: entry 0: members not as its type says");
	refuse_member(&t, "tree", "[[\"d\",0,\"../a\",493]]",
	    "tree: entry 0: a bad member");
	refuse_member(&t, "tree", "[[\"x\",0,\"a\",493]]",
	    "tree: entry 0: a bad member");
	refuse_member(&t, "tree", "[[\"dd\",0,\"a\",493]]",
	    "tree: entry 0: not [TYPE");
	refuse_member(&t, "tree", "[[]]", "tree: entry 0: not [TYPE");
	refuse_member(&t, "tree", "[\"d\"]", "tree: entry 0: not [TYPE");
	refuse_member(&t, "tree", "{}", "roots, tree: not both arrays");
	/* roots */
	refuse_member(&t, "roots", "[]", "roots, tree: not both arrays");
	refuse_member(&t, "roots", "\"/srv/a\"", "roots, tree: not both");
	refuse_member(&t, "roots", "[\"/srv/a\",\"/srv/a\"]",
	    "roots: not distinct");
	refuse_member(&t, "roots", "[\"/srv/a\",\"srv/b\"]",
	    "roots: not distinct");
	refuse_member(&t, "roots", "[\"/srv/a\",\"/srv/b/\"]",
	    "roots: not distinct");
	refuse_member(&t, "roots", "[\"/srv/a\",2]", "roots: not distinct");
	/* one root fewer: an entry of root 1 is then out of range */
	refuse_member(&t, "roots", "[\"/srv/a\"]", "tree: entry 6: a bad");
	/* "roots" and "tree" on an fs.write or fs.delete record */
	refuse_edit(&nf, "roots", "[\"/srv/work\"]", "tree", "[]",
	    "roots, tree: only for proc.exec");
	refuse_edit(&ow, "roots", "[\"/srv/work\"]", "tree",
	    "[[\"d\",0,\"a\",493]]", "roots, tree: only for proc.exec");
	refuse_member(&nf, "tree", "[]", "roots, tree: not both arrays");
	refuse_member(&nf, "roots", "[\"/srv\"]", "roots, tree: not both");
	/* a proc.exec record without them, or with one only */
	refuse_edit(&t, "roots", NULL, "tree", NULL, "roots: not 1 to 64");
	refuse_member(&t, "roots", NULL, "roots, tree: not both arrays");
	refuse_member(&t, "tree", NULL, "roots, tree: not both arrays");
	/* its root not "/", what existed, after, created */
	refuse_member(&t, "root", "\"/usr\"",
	    "root, existed: not \"/\" and false for proc.exec");
	refuse_member(&t, "root", "\"/srv/a\"",
	    "root, existed: not \"/\" and false for proc.exec");
	refuse_member(&t, "root", "\"usr\"",
	    "root, existed: not \"/\" and false for proc.exec");
	refuse_member(&t, "after", "\"" HEX2 "\"", "after: not empty");
	refuse_member(&t, "created", "[\"usr\"]", "created: not empty");
	refuse_member(&t, "mode", "420", "mode: present but existed is false");
	refuse_edit(&t, "existed", "true", "mode", "420", "dir: missing");
	refuse_member(&t, "action", "\"proc.run\"", "action:");
	snap_meta_free(&t);
}
END_TEST

/* ---- names, expiry ---- */

START_TEST(test_names)
{
	char out[160];

	ck_assert_int_eq(snap_blob_name(HEX1, out, sizeof out), 0);
	ck_assert_str_eq(out, "blobs/9f/" HEX1);
	ck_assert_int_eq(snap_blob_name(HEX1, out, 9 + 64), -1);
	ck_assert_int_eq(snap_blob_name(HEX1, out, 9 + 65), 0);
	ck_assert_int_eq(snap_blob_name("../" HEX1, out, sizeof out), -1);
	ck_assert_int_eq(snap_blob_name("9F86", out, sizeof out), -1);
	ck_assert_int_eq(snap_blob_name(HEX1 "0", out, sizeof out), -1);
	ck_assert_int_eq(snap_blob_name(NULL, out, sizeof out), -1);

	ck_assert_int_eq(snap_meta_name(ID1, out, sizeof out), 0);
	ck_assert_str_eq(out, "meta/" ID1 ".json");
	ck_assert_int_eq(snap_meta_name(ID1, out, 5 + 36 + 5), -1);
	ck_assert_int_eq(snap_meta_name("../evil", out, sizeof out), -1);
	ck_assert_int_eq(snap_meta_name("", out, sizeof out), -1);

	ck_assert_int_eq(snap_tmp_name("blobs/9f/" HEX1, 0x1234, out,
	    sizeof out), 0);
	ck_assert_str_eq(out, "tmp/0000000000001234-" HEX1);
	ck_assert_int_eq(snap_tmp_name("meta/" ID1 ".json", ~0ULL, out,
	    sizeof out), 0);
	ck_assert_str_eq(out, "tmp/ffffffffffffffff-" ID1 ".json");
	ck_assert_int_eq(snap_tmp_name("meta/" ID1 ".json", 1, out,
	    4 + 17 + 36 + 5), -1);
	ck_assert_int_eq(snap_tmp_name("blobs/00/" HEX1, 1, out, sizeof out),
	    -1);			/* not its directory */
	ck_assert_int_eq(snap_tmp_name("blobs/9f/" HEX1 "/x", 1, out,
	    sizeof out), -1);
	ck_assert_int_eq(snap_tmp_name("blobs/9f", 1, out, sizeof out), -1);
	ck_assert_int_eq(snap_tmp_name("meta/../x.json", 1, out, sizeof out),
	    -1);
	ck_assert_int_eq(snap_tmp_name("meta/" ID1 ".jso", 1, out,
	    sizeof out), -1);
	ck_assert_int_eq(snap_tmp_name("meta/" ID1, 1, out, sizeof out), -1);
	ck_assert_int_eq(snap_tmp_name("tmp/x", 1, out, sizeof out), -1);
	ck_assert_int_eq(snap_tmp_name("/etc/passwd", 1, out, sizeof out),
	    -1);
	ck_assert_int_eq(snap_tmp_name(NULL, 1, out, sizeof out), -1);
}
END_TEST

START_TEST(test_expiry)
{
	struct snap_meta m;

	meta_new_file(&m);
	ck_assert_int_eq(snap_expired(&m, 0), 0);
	ck_assert_int_eq(snap_expired(&m, m.at), 0);
	ck_assert_int_eq(snap_expired(&m, m.expires - 1), 0);
	ck_assert_int_eq(snap_expired(&m, m.expires), 1);
	ck_assert_int_eq(snap_expired(&m, m.expires + 1), 1);
	ck_assert_int_eq(snap_expired(&m, INT64_MAX), 1);
	m.expires = m.at;		/* a TTL of 0: expired at once */
	ck_assert_int_eq(snap_expired(&m, m.at), 1);
	ck_assert_int_eq(snap_expired(NULL, 0), 1);
}
END_TEST

START_TEST(test_path_ok)
{
	static const char *const good[] = {
		"a", "a/b", "a/b/c.txt", ".hidden", "..x", "x..", "...",
		"a b/c", "\xc3\xa9", "a\\b",
	};
	static const char *const bad[] = {
		"", "/", "/a", "a/", "a//b", ".", "..", "./a", "a/.", "../a",
		"a/../b", "a/..", "a\nb", "a\tb", "\x1f", "a\x7f",
	};
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		ck_assert_msg(snap_path_ok(good[i]), "refused %s", good[i]);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(!snap_path_ok(bad[i]), "accepted \"%s\"", bad[i]);
	ck_assert(!snap_path_ok(NULL));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("snapshot");
	TCase *tc = tcase_create("snapshot");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_id_good);
	tcase_add_test(tc, test_id_bad);
	tcase_add_test(tc, test_path_ok);
	tcase_add_test(tc, test_round_trip_new_file);
	tcase_add_test(tc, test_round_trip_overwrite);
	tcase_add_test(tc, test_round_trip_delete);
	tcase_add_test(tc, test_deep_created);
	tcase_add_test(tc, test_refused_members);
	tcase_add_test(tc, test_inline);
	tcase_add_test(tc, test_refused_lines);
	tcase_add_test(tc, test_dump_refuses);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_expiry);
	tcase_add_test(tc, test_tree_round_trip);
	tcase_add_test(tc, test_tree_builder);
	tcase_add_test(tc, test_tree_max);
	tcase_add_test(tc, test_tree_check_refuses);
	tcase_add_test(tc, test_tree_record_refuses);
	tcase_add_test(tc, test_tree_refused_members);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
