/*
 * tests/unit/test_policy.c -- unit tests of the policy library.
 *
 * Runs in: the test process only, as whatever user runs the test suite.
 * Privilege: none needed; reads the YAML files under $AKSUP_TEST_DATA
 * (default "tests/data") and the shipped configs beside it.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/provider.h"
#include "policy/policy.h"

static const char *
data_dir(void)
{
	const char *d = getenv("AKSUP_TEST_DATA");

	return d != NULL && *d != '\0' ? d : "tests/data";
}

/* Read a whole file into a malloc'd buffer. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f;
	char *buf;
	long n;

	ck_assert_msg((f = fopen(path, "rb")) != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_ge(n, 0);
	rewind(f);
	buf = malloc(n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(fread(buf, 1, n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = n;
	return buf;
}

/* Load tests/data/NAME; returns the load result, fills *p or *err. */
static int
load_file(const char *dir, const char *name, struct policy **p,
    struct policy_err *err)
{
	char path[2048];
	char *buf;
	size_t len;
	int rc;

	ck_assert_int_lt(snprintf(path, sizeof(path), "%s/%s", dir, name),
	    (int)sizeof(path));
	buf = slurp(path, &len);
	rc = policy_load_buf(buf, len, name, p, err);
	free(buf);
	return rc;
}

static struct policy *
load_ok(const char *yaml)
{
	struct policy *p = NULL;
	struct policy_err err;

	ck_assert_msg(policy_load_buf(yaml, strlen(yaml), "t.yaml", &p,
	    &err) == 0, "load failed: %s:%d:%d: %s", err.file, err.line,
	    err.col, err.msg);
	ck_assert_ptr_nonnull(p);
	return p;
}

static void
load_bad(const char *yaml, int line, int col, const char *msg)
{
	struct policy *p = (struct policy *)0x1;
	struct policy_err err;

	ck_assert_int_eq(policy_load_buf(yaml, strlen(yaml), "t.yaml", &p,
	    &err), -1);
	ck_assert_ptr_null(p);
	ck_assert_str_eq(err.file, "t.yaml");
	ck_assert_str_eq(err.msg, msg);
	ck_assert_int_eq(err.line, line);
	ck_assert_int_eq(err.col, col);
}

static void
file_bad(const char *name, int line, int col, const char *msg)
{
	struct policy *p = (struct policy *)0x1;
	struct policy_err err;

	ck_assert_int_eq(load_file(data_dir(), name, &p, &err), -1);
	ck_assert_ptr_null(p);
	ck_assert_str_eq(err.file, name);
	ck_assert_str_eq(err.msg, msg);
	ck_assert_int_eq(err.line, line);
	ck_assert_int_eq(err.col, col);
}

/* Decide with params given as JSON text (NULL = {}). */
static struct policy_decision
decide(const struct policy *p, const char *action, const char *target,
    const char *params)
{
	struct policy_decision d;
	json_error_t jerr;
	json_t *j;

	j = params ? json_loads(params, JSON_ALLOW_NUL, &jerr) : json_object();
	ck_assert_ptr_nonnull(j);
	memset(&d, 0x5a, sizeof(d));
	policy_decide(p, action, target, j, &d);
	json_decref(j);
	return d;
}

static bool
allowed(const struct policy *p, const char *action, const char *target,
    const char *params)
{
	return decide(p, action, target, params).allow;
}

/* path_glob_match on the normalized path, as the broker does it. */
static bool
norm_match(const char *pattern, const char *path)
{
	char out[POLICY_PATH_MAX];

	if (path_normalize(path, strlen(path), out, sizeof(out)) != 0)
		return false;
	return path_glob_match(pattern, out);
}

static const char *
norm(const char *in, char *out, size_t outlen)
{
	if (path_normalize(in, strlen(in), out, outlen) != 0)
		return NULL;
	return out;
}

/* ---- path_normalize ---------------------------------------------------- */

START_TEST(test_normalize_examples)
{
	static const struct {
		const char *in, *out;
	} t[] = {
		{ "/workspace/../etc/passwd", "/etc/passwd" },
		{ "/workspace/", "/workspace" },
		{ "//workspace//a", "/workspace/a" },
		{ "/..", "/" },
		{ "/a/./b", "/a/b" },
		{ "/", "/" },
		{ "//", "/" },
		{ "/.", "/" },
		{ "/a/b/../../..", "/" },
		{ "/a/../../b", "/b" },
		{ "/a/b/c/../../d/./e/", "/a/d/e" },
		{ "/...", "/..." },
		{ "/.hidden/..x", "/.hidden/..x" },
		{ "/a/b/..", "/a" },
	};
	char out[POLICY_PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_str_eq(norm(t[i].in, out, sizeof(out)), t[i].out);
}
END_TEST

START_TEST(test_normalize_errors)
{
	char out[POLICY_PATH_MAX];

	ck_assert_int_eq(path_normalize("workspace/a", 11, out, sizeof(out)),
	    -1);
	ck_assert_int_eq(path_normalize("", 0, out, sizeof(out)), -1);
	ck_assert_int_eq(path_normalize("./a", 3, out, sizeof(out)), -1);
	/* embedded NUL within inlen */
	ck_assert_int_eq(path_normalize("/a\0/b", 5, out, sizeof(out)), -1);
	/* ... but inlen bounds the input: a prefix is fine */
	ck_assert_int_eq(path_normalize("/a/bXXX", 4, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/a/b");
}
END_TEST

START_TEST(test_normalize_outlen)
{
	char out[8];

	ck_assert_int_eq(path_normalize("/abcdef", 7, out, 8), 0);
	ck_assert_str_eq(out, "/abcdef");
	ck_assert_int_eq(path_normalize("/abcdefg", 8, out, 8), -1);
	ck_assert_int_eq(path_normalize("/", 1, out, 1), -1);
	ck_assert_int_eq(path_normalize("/", 1, out, 2), 0);
	/* only the result has to fit, not the input */
	ck_assert_int_eq(path_normalize("/verylongname/../a", 18, out, 8), 0);
	ck_assert_str_eq(out, "/a");
}
END_TEST

START_TEST(test_normalize_idempotent)
{
	static const char *in[] = { "/a//b/./c/..", "/x/../../y/", "////",
	    "/a/b/c" };
	char once[POLICY_PATH_MAX], twice[POLICY_PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		ck_assert_ptr_nonnull(norm(in[i], once, sizeof(once)));
		ck_assert_ptr_nonnull(norm(once, twice, sizeof(twice)));
		ck_assert_str_eq(once, twice);
	}
}
END_TEST

/* ---- path_glob_match: the truth table ---------------------------------- */

START_TEST(test_glob_truth_table)
{
	static const struct {
		const char *pat, *path;
		bool match;
	} t[] = {
		{ "/workspace/**", "/workspace/../etc/passwd", false },
		{ "/workspace/**", "/workspace", true },
		{ "/workspace/**", "/workspace/", true },
		{ "/workspace/**", "/workspace-evil/x", false },
		{ "/workspace/**", "//workspace//a", true },
		{ "/workspace/**", "/workspace/a/b/c", true },
		{ "/workspace/**", "/", false },
		{ "/workspace/**", "/work", false },
		{ "/a/*/b", "/a/x/y/b", false },
		{ "/a/*/b", "/a/x/b", true },
		{ "/a/*/b", "/a/b", false },
		{ "/a/**/b", "/a/b", true },
		{ "/a/**/b", "/a/x/b", true },
		{ "/a/**/b", "/a/x/y/b", true },
		{ "/a/**/b", "/a/x/y/c", false },
		{ "/a/**/b", "/a/b/b/b", true },
		{ "/a/?", "/a/x", true },
		{ "/a/?", "/a/xy", false },
		{ "/a/?", "/a", false },
		{ "/a/[ab].txt", "/a/a.txt", true },
		{ "/a/[ab].txt", "/a/b.txt", true },
		{ "/a/[ab].txt", "/a/c.txt", false },
		{ "/a/[!ab].txt", "/a/c.txt", true },
		{ "/a/*", "/a/.hidden", true },
		{ "/a/*", "/a", false },
		{ "/a/*.txt", "/a/b/c.txt", false },
		{ "/**", "/", true },
		{ "/**", "/etc/shadow", true },
		{ "/**/x", "/x", true },
		{ "/**/x", "/a/b/x", true },
		{ "/**/x", "/a/b/x/y", false },
		{ "/a/**/**/b", "/a/b", true },
		{ "/a/**/b/**/c", "/a/1/b/2/3/c", true },
		{ "/a/**/b/**/c", "/a/1/c/2/b", false },
		{ "/workspace", "/workspace", true },
		{ "/workspace", "/workspace/a", false },
		{ "/a/\\*", "/a/*", true },
		{ "/a/\\*", "/a/b", false },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(norm_match(t[i].pat, t[i].path) == t[i].match,
		    "%s vs %s: expected %d", t[i].pat, t[i].path, t[i].match);
}
END_TEST

START_TEST(test_glob_star_never_crosses_slash)
{
	ck_assert(!path_glob_match("/*", "/a/b"));
	ck_assert(!path_glob_match("/a*", "/ab/c"));
	ck_assert(!path_glob_match("/a?c", "/a/c"));
	ck_assert(!path_glob_match("/a[/]c", "/a/c"));
	ck_assert(path_glob_match("/*", "/ab"));
}
END_TEST

START_TEST(test_glob_raw_resources)
{
	/* non-absolute patterns are split on '/' without normalization */
	ck_assert(path_glob_match("https://api.example.com/**",
	    "https://api.example.com/v1/x"));
	ck_assert(path_glob_match("https://api.example.com/**",
	    "https://api.example.com"));
	ck_assert(!path_glob_match("https://api.example.com/**",
	    "https://api.example.org/v1"));
	ck_assert(!path_glob_match("https://api.example.com/*",
	    "https://api.example.com/v1/x"));
	ck_assert(path_glob_match("my_server/**", "my_server/some_tool"));
	ck_assert(!path_glob_match("my_server/**", "other/some_tool"));
	ck_assert(path_glob_match("**", "anything/at/all"));
	ck_assert(!path_glob_match("a/b", "a/./b"));
}
END_TEST

START_TEST(test_glob_invalid_pattern_matches_nothing)
{
	ck_assert(!path_glob_match("/workspace/a**", "/workspace/a"));
	ck_assert(!path_glob_match("/**b", "/b"));
	ck_assert(!path_glob_match("/a", "a"));
}
END_TEST

/* ---- loading: good policies -------------------------------------------- */

START_TEST(test_load_python_example)
{
	static const char yaml[] =
	    "# policy.yaml\n"
	    "capabilities:\n"
	    "  - action: fs.read\n"
	    "    resource: /workspace/**\n"
	    "\n"
	    "  - action: fs.write\n"
	    "    resource: /workspace/output/**\n"
	    "\n"
	    "  - action: net.http\n"
	    "    resource: https://api.example.com/**\n"
	    "    constraint:\n"
	    "      method: GET\n"
	    "\n"
	    "  - action: mcp.call\n"
	    "    resource: my_server/**\n";
	struct policy *p = load_ok(yaml);

	ck_assert_uint_eq(policy_nrules(p), 4);
	ck_assert_uint_eq(policy_nroots(p), 2);
	ck_assert_str_eq(policy_root(p, 0), "/workspace");
	ck_assert_str_eq(policy_root(p, 1), "/workspace/output");
	ck_assert_ptr_null(policy_root(p, 2));
	ck_assert(allowed(p, "fs.read", "/workspace/data.csv", NULL));
	ck_assert(!allowed(p, "fs.write", "/workspace/data.csv", NULL));
	ck_assert(allowed(p, "fs.write", "/workspace/output/r.txt", NULL));
	ck_assert(allowed(p, "net.http", "https://api.example.com/v1/x",
	    "{\"method\": \"GET\"}"));
	ck_assert(!allowed(p, "net.http", "https://api.example.com/v1/x",
	    "{\"method\": \"POST\"}"));
	ck_assert(allowed(p, "mcp.call", "my_server/some_tool",
	    "{\"arguments\": {\"key\": \"value\"}}"));
	policy_free(p);
}
END_TEST

START_TEST(test_load_empty_capabilities)
{
	struct policy *p = load_ok("capabilities: []\n");

	ck_assert_uint_eq(policy_nrules(p), 0);
	ck_assert_uint_eq(policy_nroots(p), 0);
	ck_assert(!allowed(p, "fs.read", "/workspace/a", NULL));
	ck_assert(!allowed(p, "mcp.call", "x", NULL));
	policy_free(p);
}
END_TEST

START_TEST(test_load_flow_style)
{
	struct policy *p = load_ok("{capabilities: [{action: fs.read, "
	    "resource: '/w/**'}, {action: \"proc.exec\", resource: ls}]}");

	ck_assert_uint_eq(policy_nrules(p), 2);
	ck_assert(allowed(p, "fs.read", "/w/x", NULL));
	ck_assert(allowed(p, "proc.exec", "ls", NULL));
	ck_assert(!allowed(p, "proc.exec", "rm", NULL));
	policy_free(p);
}
END_TEST

START_TEST(test_load_good_files)
{
	static const char *good[] = { "good-empty.yaml",
	    "good-constraints.yaml", "good-roots.yaml", "good-http.yaml",
	    "good-mcp.yaml" };
	struct policy *p;
	struct policy_err err;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(load_file(data_dir(), good[i], &p, &err) == 0,
		    "%s:%d:%d: %s", err.file, err.line, err.col, err.msg);
		policy_free(p);
	}
}
END_TEST

START_TEST(test_load_shipped_configs)
{
	static const struct {
		const char *name;
		size_t nrules, nroots;
	} cfg[] = {
		{ "restrictive.yaml", 10, 1 },
		{ "example.yaml", 13, 2 },
		{ "permissive.yaml", 20, 2 },
	};
	char dir[1024];
	struct policy *p;
	struct policy_err err;
	size_t i;

	snprintf(dir, sizeof(dir), "%s/../../configs", data_dir());
	for (i = 0; i < sizeof(cfg) / sizeof(cfg[0]); i++) {
		ck_assert_msg(load_file(dir, cfg[i].name, &p, &err) == 0,
		    "%s:%d:%d: %s", err.file, err.line, err.col, err.msg);
		ck_assert_uint_eq(policy_nrules(p), cfg[i].nrules);
		ck_assert_uint_eq(policy_nroots(p), cfg[i].nroots);
		ck_assert_str_eq(policy_root(p, 0), "/workspace");
		/* every example holds ... */
		ck_assert_uint_gt(policy_nexamples(p), 0);
		ck_assert_uint_eq(policy_check_examples(p, provider_prepare, NULL, NULL), 0);
		policy_free(p);
		/* ... and every action is covered by some rule */
		{
			static const char *const acts[] = { "fs.read",
			    "fs.write", "fs.delete", "fs.list", "proc.exec",
			    "net.http", "mcp.call", "llm.chat",
			    "snapshot.rollback" };
			char path[2048], want[64];
			size_t len, j;
			char *buf;

			snprintf(path, sizeof(path), "%s/%s", dir, cfg[i].name);
			buf = slurp(path, &len);
			for (j = 0; j < sizeof(acts) / sizeof(acts[0]); j++) {
				snprintf(want, sizeof(want), "action: %s\n",
				    acts[j]);
				ck_assert_msg(strstr(buf, want) != NULL,
				    "%s has no rule for %s", cfg[i].name,
				    acts[j]);
			}
			free(buf);
		}
	}
}
END_TEST

START_TEST(test_example_config_decisions)
{
	char dir[1024];
	struct policy *p;
	struct policy_err err;

	snprintf(dir, sizeof(dir), "%s/../../configs", data_dir());
	ck_assert_int_eq(load_file(dir, "example.yaml", &p, &err), 0);
	ck_assert(allowed(p, "fs.list", "/workspace", NULL));
	ck_assert(allowed(p, "fs.delete", "/workspace/output/x", NULL));
	ck_assert(!allowed(p, "fs.delete", "/workspace/x", NULL));
	ck_assert(!allowed(p, "proc.exec", "/bin/sh", NULL));
	/* method is filled in by the broker (GET) before deciding */
	ck_assert(!allowed(p, "net.http", "https://api.example.com/v1",
	    NULL));
	ck_assert(allowed(p, "net.http", "https://api.example.com/v1",
	    "{\"method\": \"GET\"}"));
	policy_free(p);
}
END_TEST

/* ---- roots ------------------------------------------------------------- */

START_TEST(test_roots_derivation)
{
	static const struct {
		const char *pattern, *root;
	} t[] = {
		{ "/workspace/**", "/workspace" },
		{ "/workspace/a.txt", "/workspace" },
		{ "/workspace/out/*.txt", "/workspace/out" },
		{ "/**", "/" },
		{ "/workspace", "/" },
		{ "/", "/" },
		{ "/a/b/c/**/d", "/a/b/c" },
		{ "/a/b?/c", "/a" },
		{ "/a/[xy]/c", "/a" },
		{ "/a/b\\*/c", "/a" },
		{ "//srv//data/", "/srv" },
	};
	char yaml[512];
	struct policy *p;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(yaml, sizeof(yaml), "capabilities:\n"
		    "  - {action: fs.read, resource: '%s'}\n", t[i].pattern);
		p = load_ok(yaml);
		ck_assert_uint_eq(policy_nroots(p), 1);
		ck_assert_msg(strcmp(policy_root(p, 0), t[i].root) == 0,
		    "%s: root %s, want %s", t[i].pattern, policy_root(p, 0),
		    t[i].root);
		policy_free(p);
	}
}
END_TEST

START_TEST(test_roots_dedup_order)
{
	struct policy *p;
	struct policy_err err;

	ck_assert_int_eq(load_file(data_dir(), "good-roots.yaml", &p, &err),
	    0);
	ck_assert_uint_eq(policy_nrules(p), 6);
	ck_assert_uint_eq(policy_nroots(p), 4);
	ck_assert_str_eq(policy_root(p, 0), "/workspace");
	ck_assert_str_eq(policy_root(p, 1), "/workspace/out");
	ck_assert_str_eq(policy_root(p, 2), "/");
	ck_assert_str_eq(policy_root(p, 3), "/srv");
	policy_free(p);
}
END_TEST

START_TEST(test_roots_not_from_non_fs)
{
	struct policy *p = load_ok("capabilities:\n"
	    "  - {action: net.http, resource: 'https://x/**'}\n"
	    "  - {action: mcp.call, resource: '**'}\n"
	    "  - {action: fs.write, resource: /tmp/**}\n");

	ck_assert_uint_eq(policy_nroots(p), 1);
	ck_assert_str_eq(policy_root(p, 0), "/tmp");
	policy_free(p);
}
END_TEST

START_TEST(test_decision_root_index)
{
	struct policy_decision d;
	struct policy *p;
	struct policy_err err;

	ck_assert_int_eq(load_file(data_dir(), "good-roots.yaml", &p, &err),
	    0);
	d = decide(p, "fs.write", "/workspace/out/a.txt", NULL);
	ck_assert(d.allow);
	ck_assert_int_eq(d.rule, 1);
	ck_assert_int_eq(d.root, 1);
	ck_assert_str_eq(d.rule_id, "good-roots.yaml:4");
	d = decide(p, "fs.delete", "/srv/data", NULL);
	ck_assert(d.allow);
	ck_assert_int_eq(d.root, 3);
	d = decide(p, "fs.list", "/etc", NULL);
	ck_assert(d.allow);
	ck_assert_int_eq(d.root, 2);
	ck_assert_str_eq(d.rule_id, "good-roots.yaml:8");
	/* the allowed target always lies beneath its root */
	d = decide(p, "fs.read", "/workspace/a.txt", NULL);
	ck_assert(d.allow);
	ck_assert_str_eq(policy_root(p, d.root), "/workspace");
	policy_free(p);
}
END_TEST

/* ---- load errors, from files: exact line and column -------------------- */

START_TEST(test_bad_unknown_key)
{
	file_bad("bad-unknown-key.yaml", 6, 5, "rule 2: unknown key \"resorce\"");
}
END_TEST

START_TEST(test_bad_missing_resource)
{
	file_bad("bad-missing-resource.yaml", 2, 5,
	    "rule 1: missing field \"resource\"");
}
END_TEST

START_TEST(test_bad_action_type)
{
	file_bad("bad-action-type.yaml", 6, 13,
	    "rule 3: \"action\" must be a string");
}
END_TEST

START_TEST(test_bad_resource_seq)
{
	file_bad("bad-resource-seq.yaml", 4, 7,
	    "rule 1: \"resource\" must be a string");
}
END_TEST

START_TEST(test_bad_resource_null)
{
	file_bad("bad-resource-null.yaml", 3, 14,
	    "rule 1: \"resource\" must be a string");
}
END_TEST

START_TEST(test_bad_unknown_action)
{
	file_bad("bad-unknown-action.yaml", 4, 13,
	    "rule 2: unknown action \"fs.exec\"");
}
END_TEST

START_TEST(test_bad_duplicate_key)
{
	file_bad("bad-duplicate-key.yaml", 4, 5,
	    "rule 1: duplicate key \"resource\"");
}
END_TEST

START_TEST(test_bad_empty)
{
	file_bad("bad-empty.yaml", 1, 1, "empty document");
	file_bad("bad-comments-only.yaml", 1, 1, "empty document");
}
END_TEST

START_TEST(test_bad_syntax)
{
	file_bad("bad-syntax.yaml", 4, 1,
	    "YAML syntax error: did not find expected ',' or ']'");
}
END_TEST

START_TEST(test_bad_alias)
{
	file_bad("bad-alias.yaml", 2, 5, "anchors are not allowed");
	load_bad("capabilities: *x\n", 1, 15, "aliases are not allowed");
}
END_TEST

START_TEST(test_bad_relative)
{
	file_bad("bad-relative.yaml", 3, 15,
	    "rule 1: \"resource\" must be an absolute path for fs.write");
}
END_TEST

START_TEST(test_bad_dotdot)
{
	file_bad("bad-dotdot.yaml", 3, 15,
	    "rule 1: \"resource\" must not contain \".\" or \"..\" segments");
	load_bad("capabilities:\n  - {action: fs.read, resource: /a/./b}\n",
	    2, 33, "rule 1: \"resource\" must not contain \".\" or \"..\" "
	    "segments");
	load_bad("capabilities:\n  - {action: fs.read, resource: /a/..}\n",
	    2, 33, "rule 1: \"resource\" must not contain \".\" or \"..\" "
	    "segments");
}
END_TEST

START_TEST(test_bad_starstar)
{
	file_bad("bad-starstar.yaml", 3, 15,
	    "rule 1: \"**\" must be a whole path segment");
	load_bad("capabilities:\n  - {action: fs.read, resource: '/**b'}\n",
	    2, 33, "rule 1: \"**\" must be a whole path segment");
}
END_TEST

START_TEST(test_bad_top_level)
{
	file_bad("bad-top-key.yaml", 2, 1, "unknown top-level key \"version\"");
	file_bad("bad-top-seq.yaml", 1, 1, "top level must be a mapping");
	file_bad("bad-caps-map.yaml", 2, 3,
	    "\"capabilities\" must be a sequence");
	file_bad("bad-missing-caps.yaml", 1, 1,
	    "missing field \"capabilities\"");
	load_bad("just a string\n", 1, 1, "top level must be a mapping");
	load_bad("capabilities:\n", 1, 14, "\"capabilities\" must be a sequence");
}
END_TEST

START_TEST(test_bad_constraint)
{
	file_bad("bad-constraint-list.yaml", 5, 15,
	    "rule 1: constraint \"method\" must be a scalar or a mapping of "
	    "operators (one_of: for a list)");
	file_bad("bad-constraint-seq.yaml", 5, 7,
	    "rule 1: \"constraint\" must be a mapping");
	load_bad("capabilities:\n"
	    "  - action: mcp.call\n"
	    "    resource: s/x\n"
	    "    constraint: {a: 1, a: 2}\n", 4, 24,
	    "rule 1: duplicate key \"a\"");
	load_bad("capabilities:\n"
	    "  - action: mcp.call\n"
	    "    resource: s/x\n"
	    "    constraint: {n: 99999999999999999999}\n", 4, 21,
	    "rule 1: integer out of range");
	load_bad("capabilities:\n"
	    "  - action: mcp.call\n"
	    "    resource: s/x\n"
	    "    constraint: {n: .inf}\n", 4, 21,
	    "rule 1: only finite numbers are allowed");
}
END_TEST

START_TEST(test_bad_multi_doc_and_tag)
{
	file_bad("bad-multi-doc.yaml", 2, 1, "only one YAML document is allowed");
	file_bad("bad-tag.yaml", 2, 13, "tags are not allowed");
}
END_TEST

START_TEST(test_bad_rule_shape)
{
	file_bad("bad-rule-scalar.yaml", 2, 5, "rule 1: must be a mapping");
	load_bad("capabilities:\n  - action: fs.read\n    resource: /a\n"
	    "  - resource: /b\n", 4, 5, "rule 2: missing field \"action\"");
	load_bad("capabilities:\n  - {action: 5, resource: /a}\n", 2, 14,
	    "rule 1: \"action\" must be a string");
	load_bad("capabilities:\n  - {action: fs.read, resource: ''}\n", 2,
	    33, "rule 1: \"resource\" must not be empty");
	load_bad("capabilities:\n  - {action: fs.read, resource: \"/a\\0b\"}\n",
	    2, 33, "rule 1: \"resource\" must be a string");
	load_bad("capabilities:\n  - {[x]: 1}\n", 2, 6,
	    "rule 1: keys must be strings");
}
END_TEST

START_TEST(test_bad_null_and_garbage_input)
{
	struct policy *p = NULL;
	struct policy_err err;
	static const char bin[] = "capabilities: [\x01\x02]";

	ck_assert_int_eq(policy_load_buf(NULL, 0, NULL, &p, &err), -1);
	ck_assert_ptr_null(p);
	ck_assert_str_eq(err.file, "<policy>");
	ck_assert_str_eq(err.msg, "empty document");
	ck_assert_int_eq(policy_load_buf(bin, sizeof(bin) - 1, "b", &p, &err),
	    -1);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(err.line, 1);
}
END_TEST

/* ---- decisions --------------------------------------------------------- */

START_TEST(test_default_deny)
{
	struct policy *p = load_ok("capabilities:\n"
	    "  - {action: fs.read, resource: /workspace/**}\n");
	struct policy_decision d;

	d = decide(p, "fs.write", "/workspace/a", NULL);
	ck_assert(!d.allow);
	ck_assert_int_eq(d.rule, -1);
	ck_assert_int_eq(d.root, -1);
	ck_assert_str_eq(d.rule_id, "default-deny");
	d = decide(p, "fs.read", "/workspace/a", NULL);
	ck_assert(d.allow);
	ck_assert_int_eq(d.rule, 0);
	ck_assert_int_eq(d.root, 0);
	ck_assert_str_eq(d.rule_id, "t.yaml:2");
	policy_free(p);
}
END_TEST

START_TEST(test_decide_unknown_action_and_nulls)
{
	struct policy *p = load_ok("capabilities:\n"
	    "  - {action: fs.read, resource: /**}\n");
	struct policy_decision d;
	json_t *j = json_object();

	ck_assert(!allowed(p, "fs.reed", "/a", NULL));
	ck_assert(!allowed(p, "", "/a", NULL));
	policy_decide(p, NULL, "/a", j, &d);
	ck_assert(!d.allow);
	policy_decide(p, "fs.read", NULL, j, &d);
	ck_assert(!d.allow);
	policy_decide(NULL, "fs.read", "/a", j, &d);
	ck_assert(!d.allow);
	ck_assert_str_eq(d.rule_id, "default-deny");
	json_decref(j);
	policy_free(p);
}
END_TEST

START_TEST(test_decide_non_canonical_fs_target)
{
	struct policy *p = load_ok("capabilities:\n"
	    "  - {action: fs.read, resource: /**}\n"
	    "  - {action: fs.write, resource: /workspace/**}\n");

	ck_assert(allowed(p, "fs.read", "/etc/passwd", NULL));
	ck_assert(allowed(p, "fs.read", "/", NULL));
	ck_assert(!allowed(p, "fs.read", "etc/passwd", NULL));
	ck_assert(!allowed(p, "fs.read", "", NULL));
	ck_assert(!allowed(p, "fs.read", "/etc/", NULL));
	ck_assert(!allowed(p, "fs.read", "//etc", NULL));
	ck_assert(!allowed(p, "fs.read", "/etc/./passwd", NULL));
	ck_assert(!allowed(p, "fs.write", "/workspace/../etc/passwd", NULL));
	ck_assert(!allowed(p, "fs.write", "/workspace/..", NULL));
	ck_assert(allowed(p, "fs.write", "/workspace/..x", NULL));
	policy_free(p);
}
END_TEST

START_TEST(test_decide_fs_target_too_long)
{
	struct policy *p = load_ok("capabilities:\n"
	    "  - {action: fs.read, resource: /**}\n");
	char *t = malloc(POLICY_PATH_MAX + 2);

	ck_assert_ptr_nonnull(t);
	memset(t, 'a', POLICY_PATH_MAX + 1);
	t[0] = '/';
	t[POLICY_PATH_MAX - 1] = '\0';	/* strlen 4095: fits */
	ck_assert(allowed(p, "fs.read", t, NULL));
	t[POLICY_PATH_MAX - 1] = 'a';
	t[POLICY_PATH_MAX] = '\0';	/* strlen 4096: does not */
	ck_assert(!allowed(p, "fs.read", t, NULL));
	free(t);
	policy_free(p);
}
END_TEST

START_TEST(test_decide_action_must_match)
{
	struct policy *p = load_ok("capabilities:\n"
	    "  - {action: fs.read, resource: /workspace/**}\n"
	    "  - {action: llm.chat, resource: /workspace/**}\n");
	struct policy_decision d;

	d = decide(p, "llm.chat", "/workspace/a", NULL);
	ck_assert(d.allow);
	ck_assert_int_eq(d.rule, 1);
	ck_assert_int_eq(d.root, -1);	/* not an fs action: no root */
	ck_assert(!allowed(p, "fs.delete", "/workspace/a", NULL));
	ck_assert(!allowed(p, "snapshot.rollback", "/workspace/a", NULL));
	policy_free(p);
}
END_TEST

START_TEST(test_decide_non_fs_raw)
{
	struct policy *p = load_ok("capabilities:\n"
	    "  - action: net.http\n"
	    "    resource: https://api.example.com/**\n"
	    "  - action: mcp.call\n"
	    "    resource: my_server/*\n");

	ck_assert(allowed(p, "net.http", "https://api.example.com/v1/x",
	    NULL));
	ck_assert(!allowed(p, "net.http", "https://api.example.com.evil.com/",
	    NULL));
	ck_assert(!allowed(p, "net.http", "http://api.example.com/v1", NULL));
	ck_assert(allowed(p, "mcp.call", "my_server/tool", NULL));
	/* the tool is everything after the first '/', one glob */
	ck_assert(allowed(p, "mcp.call", "my_server/a/b", NULL));
	ck_assert(!allowed(p, "mcp.call", "other/tool", NULL));
	ck_assert(!allowed(p, "mcp.call", "my_server/", NULL));
	ck_assert(!allowed(p, "mcp.call", "my_server", NULL));
	policy_free(p);
}
END_TEST

START_TEST(test_decide_long_segment_fails_closed)
{
	struct policy *p = load_ok("capabilities:\n"
	    "  - {action: llm.chat, resource: 's/*'}\n"
	    "  - {action: snapshot.rollback, resource: 's/**'}\n");
	char *t = malloc(POLICY_PATH_MAX + 8);

	ck_assert_ptr_nonnull(t);
	memset(t, 'a', POLICY_PATH_MAX + 7);
	memcpy(t, "s/", 2);
	t[POLICY_PATH_MAX + 7] = '\0';
	/* a glob segment longer than 4095 bytes never matches ... */
	ck_assert(!allowed(p, "llm.chat", t, NULL));
	/* ... but "**" spans it without looking at it */
	ck_assert(allowed(p, "snapshot.rollback", t, NULL));
	t[100] = '\0';
	ck_assert(allowed(p, "llm.chat", t, NULL));
	free(t);
	policy_free(p);
}
END_TEST

/* proc.exec's snapshot: tree is any matching allow rule's word, never
 * only the deciding (first) rule's, and never a non-matching rule's;
 * its ttl the longest of them. */
START_TEST(test_tree_snapshot_any_rule)
{
	struct policy *p = load_ok("capabilities:\n"
	    "  - {action: proc.exec, resource: /bin/sh, args: {prefix: [-c]}}\n"
	    "  - {action: proc.exec, resource: /bin/sh, args: {prefix: [-c]},"
	    " snapshot: tree, snapshot_ttl: 120}\n"
	    "  - {action: proc.exec, resource: /bin/ls, snapshot: false}\n"
	    "  - {action: proc.exec, resource: /bin/true, snapshot: tree}\n");
	struct policy_decision d;

	d = decide(p, "proc.exec", "/bin/sh", "{\"args\":[\"-c\",\"x\"]}");
	ck_assert(d.allow);
	ck_assert_int_eq(d.rule, 0);		/* the grant: the first */
	ck_assert(d.tree_snapshot);		/* the second says tree */
	ck_assert_uint_eq(d.snapshot_ttl, 120);
	d = decide(p, "proc.exec", "/bin/ls", NULL);
	ck_assert(d.allow);
	ck_assert(!d.tree_snapshot);
	d = decide(p, "proc.exec", "/bin/true", NULL);
	ck_assert(d.tree_snapshot);
	ck_assert_uint_eq(d.snapshot_ttl, POLICY_SNAPSHOT_TTL_DEFAULT);
	/* denied: nothing to snapshot */
	d = decide(p, "proc.exec", "/bin/cat", NULL);
	ck_assert(!d.allow);
	ck_assert(!d.tree_snapshot);
	policy_free(p);
}
END_TEST

/* token_budget: llm.chat's allow rules only, a whole number of tokens;
 * the deciding rule's is the decision's. */
START_TEST(test_token_budget)
{
	struct policy *p = load_ok("capabilities:\n"
	    "  - {action: llm.chat, resource: 'openai/*', token_budget: 5000}\n"
	    "  - {action: llm.chat, resource: 'replay/*'}\n");
	struct policy_decision d;

	d = decide(p, "llm.chat", "openai/gpt-4o", NULL);
	ck_assert(d.allow);
	ck_assert_int_eq(d.token_budget, 5000);
	d = decide(p, "llm.chat", "replay/demo", NULL);
	ck_assert(d.allow);
	ck_assert_int_eq(d.token_budget, 0);
	d = decide(p, "llm.chat", "anthropic/x", NULL);
	ck_assert(!d.allow);
	ck_assert_int_eq(d.token_budget, 0);
	policy_free(p);
	load_bad("capabilities:\n"
	    "  - {action: fs.read, resource: /w/**, token_budget: 5}\n", 2, 54,
	    "rule 1: \"token_budget\" is only for allow rules of llm.chat");
	load_bad("capabilities: []\ndeny:\n"
	    "  - {action: llm.chat, resource: '**', token_budget: 5}\n", 3, 54,
	    "deny rule 1: \"token_budget\" is only for allow rules of llm.chat");
	load_bad("capabilities:\n"
	    "  - {action: llm.chat, resource: '**', token_budget: 0}\n", 2, 54,
	    "rule 1: \"token_budget\" must be a whole number of tokens from 1 "
	    "to 1000000000000");
	load_bad("capabilities:\n"
	    "  - {action: llm.chat, resource: '**', token_budget: 1.5}\n", 2, 54,
	    "rule 1: \"token_budget\" must be a whole number of tokens from 1 "
	    "to 1000000000000");
}
END_TEST

/* A root given whole (a tree may be put back there): fs.write and
 * fs.delete of the root and all beneath exactly, without constraints, and no deny rule of
 * either nested with it. */
START_TEST(test_root_whole)
{
	static const struct {
		const char *yaml;
		bool whole;
	} c[] = {
		{ "capabilities:\n  - {action: fs.write, resource: /w/**}\n"
		  "  - {action: fs.delete, resource: /w/**}\n", true },
		{ "capabilities:\n  - {action: fs.write, resource: /w/**}\n",
		  false },	/* no delete */
		{ "capabilities:\n  - {action: fs.write, resource: /w/*.txt}\n"
		  "  - {action: fs.delete, resource: /w/**}\n", false },
		{ "capabilities:\n  - {action: fs.write, resource: /w/**}\n"
		  "  - {action: fs.delete, resource: /w/**,"
		  " constraint: {encoding: utf-8}}\n", false },
		{ "capabilities:\n  - {action: fs.write, resource: /w/**}\n"
		  "  - {action: fs.delete, resource: /w/**}\n"
		  "deny:\n  - {action: fs.delete, resource: /w/keep/**}\n",
		  false },
		{ "capabilities:\n  - {action: fs.write, resource: /w/**}\n"
		  "  - {action: fs.delete, resource: /w/**}\n"
		  "deny:\n  - {action: fs.write, resource: /**}\n", false },
		{ "capabilities:\n  - {action: fs.write, resource: /w/**}\n"
		  "  - {action: fs.delete, resource: /w/**}\n"
		  "deny:\n  - {action: fs.delete, resource: /other/**}\n"
		  "  - {action: fs.read, resource: /w/secret}\n", true },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct policy *p = load_ok(c[i].yaml);

		ck_assert_msg(policy_root_whole(p, 0) == c[i].whole,
		    "case %zu", i);
		ck_assert(!policy_root_whole(p, 99));
		policy_free(p);
	}
}
END_TEST

START_TEST(test_rule_order_irrelevant)
{
	static const char *a = "capabilities:\n"
	    "  - {action: fs.read, resource: /a/**}\n"
	    "  - {action: fs.read, resource: /b/*}\n"
	    "  - {action: fs.write, resource: /a/x}\n";
	static const char *b = "capabilities:\n"
	    "  - {action: fs.write, resource: /a/x}\n"
	    "  - {action: fs.read, resource: /b/*}\n"
	    "  - {action: fs.read, resource: /a/**}\n";
	static const char *req[][2] = {
		{ "fs.read", "/a/1" }, { "fs.read", "/b/1" },
		{ "fs.read", "/b/1/2" }, { "fs.write", "/a/x" },
		{ "fs.write", "/a/y" }, { "fs.read", "/c" },
	};
	struct policy *pa = load_ok(a), *pb = load_ok(b);
	size_t i;

	for (i = 0; i < sizeof(req) / sizeof(req[0]); i++)
		ck_assert_int_eq(allowed(pa, req[i][0], req[i][1], NULL),
		    allowed(pb, req[i][0], req[i][1], NULL));
	policy_free(pa);
	policy_free(pb);
}
END_TEST

START_TEST(test_first_matching_rule_recorded)
{
	struct policy *p = load_ok("capabilities:\n"
	    "  - {action: fs.read, resource: /a/b}\n"
	    "\n"
	    "  - {action: fs.read, resource: /a/**}\n");
	struct policy_decision d;

	d = decide(p, "fs.read", "/a/c", NULL);
	ck_assert(d.allow);
	ck_assert_int_eq(d.rule, 1);
	ck_assert_str_eq(d.rule_id, "t.yaml:4");
	policy_free(p);
}
END_TEST

/* ---- constraints ------------------------------------------------------- */

START_TEST(test_constraint_typed)
{
	struct policy *p;
	struct policy_err err;
	static const char *url = "https://api.example.com/x";

	ck_assert_int_eq(load_file(data_dir(), "good-constraints.yaml", &p,
	    &err), 0);
#define ALL(m, r, ra, f, t, po) "{\"method\": " m ", \"retries\": " r \
	", \"ratio\": " ra ", \"follow\": " f ", \"token\": " t \
	", \"port\": " po "}"
	ck_assert(allowed(p, "net.http", url,
	    ALL("\"GET\"", "3", "0.5", "false", "null", "\"443\"")));
	/* integer vs real, numerically */
	ck_assert(allowed(p, "net.http", url,
	    ALL("\"GET\"", "3.0", "0.5", "false", "null", "\"443\"")));
	/* every single mismatch denies */
	ck_assert(!allowed(p, "net.http", url,
	    ALL("\"get\"", "3", "0.5", "false", "null", "\"443\"")));
	ck_assert(!allowed(p, "net.http", url,
	    ALL("\"GET\"", "\"3\"", "0.5", "false", "null", "\"443\"")));
	ck_assert(!allowed(p, "net.http", url,
	    ALL("\"GET\"", "3", "0.25", "false", "null", "\"443\"")));
	ck_assert(!allowed(p, "net.http", url,
	    ALL("\"GET\"", "3", "0.5", "0", "null", "\"443\"")));
	ck_assert(!allowed(p, "net.http", url,
	    ALL("\"GET\"", "3", "0.5", "false", "\"\"", "\"443\"")));
	/* a quoted scalar is a string */
	ck_assert(!allowed(p, "net.http", url,
	    ALL("\"GET\"", "3", "0.5", "false", "null", "443")));
	/* a missing key denies */
	ck_assert(!allowed(p, "net.http", url, "{\"method\": \"GET\"}"));
	ck_assert(!allowed(p, "net.http", url, NULL));
#undef ALL
	policy_free(p);
}
END_TEST

START_TEST(test_constraint_core_schema)
{
	static const struct {
		const char *yaml, *param;
		bool ok;
	} t[] = {
		{ "True", "true", true }, { "FALSE", "false", true },
		{ "yes", "\"yes\"", true }, { "yes", "true", false },
		{ "~", "null", true }, { "Null", "null", true },
		{ "0x1f", "31", true }, { "0o17", "15", true },
		{ "010", "10", true }, { "-5", "-5", true },
		{ "+5", "5", true }, { "1e3", "1000", true },
		{ ".5", "0.5", true }, { "1.", "1", true },
		{ "'1'", "1", false }, { "'1'", "\"1\"", true },
		{ "\"true\"", "true", false }, { "1_000", "\"1_000\"", true },
		{ "x", "[\"x\"]", false }, { "x", "{\"x\": 1}", false },
		{ "0x", "\"0x\"", true }, { "1e", "\"1e\"", true },
	};
	char yaml[256], params[128];
	struct policy *p;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(yaml, sizeof(yaml), "capabilities:\n"
		    "  - {action: llm.chat, resource: '*', "
		    "constraint: {k: %s}}\n", t[i].yaml);
		snprintf(params, sizeof(params), "{\"k\": %s}", t[i].param);
		p = load_ok(yaml);
		ck_assert_msg(allowed(p, "llm.chat", "m", params) == t[i].ok,
		    "%s vs %s: expected %d", t[i].yaml, t[i].param, t[i].ok);
		policy_free(p);
	}
}
END_TEST

START_TEST(test_constraint_extra_params_ok)
{
	struct policy *p = load_ok("capabilities:\n"
	    "  - action: proc.exec\n"
	    "    resource: /usr/bin/ls\n"
	    "    constraint: {}\n");

	ck_assert(allowed(p, "proc.exec", "/usr/bin/ls",
	    "{\"argv\": [\"-l\"], \"timeout\": 5}"));
	policy_free(p);
}
END_TEST

START_TEST(test_constraint_alternatives)
{
	/* two rules = OR; keys inside one constraint = AND */
	struct policy *p = load_ok("capabilities:\n"
	    "  - action: net.http\n"
	    "    resource: https://h/**\n"
	    "    constraint: {method: GET}\n"
	    "  - action: net.http\n"
	    "    resource: https://h/**\n"
	    "    constraint: {method: POST, body: empty}\n");
	struct policy_decision d;

	ck_assert(allowed(p, "net.http", "https://h/a", "{\"method\":\"GET\"}"));
	ck_assert(!allowed(p, "net.http", "https://h/a",
	    "{\"method\":\"POST\"}"));
	d = decide(p, "net.http", "https://h/a",
	    "{\"method\":\"POST\", \"body\": \"empty\"}");
	ck_assert(d.allow);
	ck_assert_int_eq(d.rule, 1);
	ck_assert_str_eq(d.rule_id, "t.yaml:5");
	policy_free(p);
}
END_TEST

START_TEST(test_constraint_string_with_nul_param)
{
	struct policy *p = load_ok("capabilities:\n"
	    "  - {action: mcp.call, resource: '**', constraint: {k: ab}}\n");

	ck_assert(allowed(p, "mcp.call", "s/t", "{\"k\": \"ab\"}"));
	ck_assert(!allowed(p, "mcp.call", "s/t", "{\"k\": \"ab\\u0000\"}"));
	ck_assert(!allowed(p, "mcp.call", "s/t", "{\"k\": \"a\"}"));
	policy_free(p);
}
END_TEST

/* ---- misc -------------------------------------------------------------- */

START_TEST(test_action_tables)
{
	static const char *fs[] = { "fs.read", "fs.write", "fs.delete",
	    "fs.list" };
	static const char *other[] = { "proc.exec", "net.http", "mcp.call",
	    "llm.chat", "snapshot.rollback" };
	size_t i;

	for (i = 0; i < 4; i++) {
		ck_assert(policy_action_known(fs[i]));
		ck_assert(policy_action_is_fs(fs[i]));
	}
	for (i = 0; i < 5; i++) {
		ck_assert(policy_action_known(other[i]));
		ck_assert(!policy_action_is_fs(other[i]));
	}
	ck_assert(!policy_action_known("fs.exec"));
	ck_assert(!policy_action_known("FS.READ"));
	ck_assert(!policy_action_known(""));
	ck_assert(!policy_action_known(NULL));
	ck_assert(!policy_action_is_fs("fs."));
	ck_assert(!policy_action_is_fs(NULL));
}
END_TEST

START_TEST(test_rule_id_long_name)
{
	char name[400], yaml[] = "capabilities:\n"
	    "  - {action: fs.read, resource: /**}\n";
	struct policy *p;
	struct policy_err err;
	struct policy_decision d;

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	ck_assert_int_eq(policy_load_buf(yaml, strlen(yaml), name, &p, &err),
	    0);
	d = decide(p, "fs.read", "/x", NULL);
	ck_assert(d.allow);
	ck_assert_uint_lt(strlen(d.rule_id), sizeof(d.rule_id));
	ck_assert(strstr(d.rule_id, ":2") != NULL);
	policy_free(p);
	/* and errors truncate the file name rather than overflow */
	ck_assert_int_eq(policy_load_buf("x: 1", 4, name, &p, &err), -1);
	ck_assert_uint_eq(strlen(err.file), sizeof(err.file) - 1);
}
END_TEST

START_TEST(test_many_decisions_fast)
{
	/* not a benchmark: a smoke test that decide does not degrade */
	struct policy *p = load_ok("capabilities:\n"
	    "  - {action: fs.read, resource: '/a/**/b/**/c/**/d'}\n"
	    "  - {action: fs.write, resource: '/w/**'}\n");
	json_t *j = json_object();
	struct policy_decision d;
	int i;

	for (i = 0; i < 100000; i++) {
		policy_decide(p, "fs.read",
		    "/a/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/e", j, &d);
		ck_assert(!d.allow);
	}
	json_decref(j);
	policy_free(p);
}
END_TEST

static Suite *
policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc;

	tc = tcase_create("path");
	tcase_add_test(tc, test_normalize_examples);
	tcase_add_test(tc, test_normalize_errors);
	tcase_add_test(tc, test_normalize_outlen);
	tcase_add_test(tc, test_normalize_idempotent);
	tcase_add_test(tc, test_glob_truth_table);
	tcase_add_test(tc, test_glob_star_never_crosses_slash);
	tcase_add_test(tc, test_glob_raw_resources);
	tcase_add_test(tc, test_glob_invalid_pattern_matches_nothing);
	suite_add_tcase(s, tc);

	tc = tcase_create("load");
	tcase_add_test(tc, test_load_python_example);
	tcase_add_test(tc, test_load_empty_capabilities);
	tcase_add_test(tc, test_load_flow_style);
	tcase_add_test(tc, test_load_good_files);
	tcase_add_test(tc, test_load_shipped_configs);
	tcase_add_test(tc, test_example_config_decisions);
	tcase_add_test(tc, test_roots_derivation);
	tcase_add_test(tc, test_roots_dedup_order);
	tcase_add_test(tc, test_roots_not_from_non_fs);
	tcase_add_test(tc, test_decision_root_index);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, test_bad_unknown_key);
	tcase_add_test(tc, test_bad_missing_resource);
	tcase_add_test(tc, test_bad_action_type);
	tcase_add_test(tc, test_bad_resource_seq);
	tcase_add_test(tc, test_bad_resource_null);
	tcase_add_test(tc, test_bad_unknown_action);
	tcase_add_test(tc, test_bad_duplicate_key);
	tcase_add_test(tc, test_bad_empty);
	tcase_add_test(tc, test_bad_syntax);
	tcase_add_test(tc, test_bad_alias);
	tcase_add_test(tc, test_bad_relative);
	tcase_add_test(tc, test_bad_dotdot);
	tcase_add_test(tc, test_bad_starstar);
	tcase_add_test(tc, test_bad_top_level);
	tcase_add_test(tc, test_bad_constraint);
	tcase_add_test(tc, test_bad_multi_doc_and_tag);
	tcase_add_test(tc, test_bad_rule_shape);
	tcase_add_test(tc, test_bad_null_and_garbage_input);
	suite_add_tcase(s, tc);

	tc = tcase_create("decide");
	tcase_add_test(tc, test_default_deny);
	tcase_add_test(tc, test_decide_unknown_action_and_nulls);
	tcase_add_test(tc, test_decide_non_canonical_fs_target);
	tcase_add_test(tc, test_decide_fs_target_too_long);
	tcase_add_test(tc, test_decide_action_must_match);
	tcase_add_test(tc, test_decide_non_fs_raw);
	tcase_add_test(tc, test_decide_long_segment_fails_closed);
	tcase_add_test(tc, test_rule_order_irrelevant);
	tcase_add_test(tc, test_tree_snapshot_any_rule);
	tcase_add_test(tc, test_token_budget);
	tcase_add_test(tc, test_root_whole);
	tcase_add_test(tc, test_first_matching_rule_recorded);
	tcase_add_test(tc, test_constraint_typed);
	tcase_add_test(tc, test_constraint_core_schema);
	tcase_add_test(tc, test_constraint_extra_params_ok);
	tcase_add_test(tc, test_constraint_alternatives);
	tcase_add_test(tc, test_constraint_string_with_nul_param);
	tcase_add_test(tc, test_action_tables);
	tcase_add_test(tc, test_rule_id_long_name);
	tcase_add_test(tc, test_many_decisions_fast);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(policy_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
