/*
 * tests/unit/test_policy_cases.c -- the policy language, table-driven:
 * (policy, request, expected decision, expected deciding rule), one row
 * per case. Covers every bypass of the Python project's string matching
 * (docs/POLICY.md, issue 4), each constraint type, deny precedence,
 * provider defaults, the Python project's own policies, and load errors
 * with their line and column.
 *
 * Runs in: the test process only. Privilege: none; reads
 * $AKSUP_TEST_DATA/python-*.yaml.
 *
 * A rule is named by a tag: the policy line that holds "# rN" is the
 * rule's line, so the expected rule_id is "t.yaml:LINE"; "-" is
 * default-deny; "!" means the request is malformed (provider_prepare, the
 * provider table's types, defaults and forms, refuses it; the broker
 * answers ERROR); "=FILE:LINE" is literal.
 */
#include <check.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/provider.h"
#include "policy/policy.h"

#define A	true	/* allowed */
#define D	false	/* denied */

/* ---- policies ----------------------------------------------------------- */

static const char P_FS[] =
    "capabilities:\n"
    "  - {action: fs.read, resource: /ws/**}                 # r1\n"
    "  - {action: fs.write, resource: /ws/out/*.txt}         # r2\n"
    "  - {action: fs.list, resource: '/ws/[ab]?/**'}         # r3\n"
    "  - {action: fs.delete, resource: /ws/tmp/**/x}         # r4\n"
    "  - {action: fs.read, resource: /data/file.csv}         # r5\n"
    "  - {action: fs.read, resource: '/lit/\\*star'}          # r6\n"
    "deny:\n"
    "  - {action: fs.read, resource: /ws/secret/**}          # d1\n"
    "  - {action: fs.read, resource: '/ws/**/.env'}          # d2\n";

static const char P_URL[] =
    "capabilities:\n"
    "  - {action: net.http, resource: 'https://api.example.com/v1/**', constraint: {method: GET}}  # r1\n"
    "  - {action: net.http, resource: 'https://*.cdn.example.com/assets/*.js'}  # r2\n"
    "  - {action: net.http, resource: 'http://localhost:8080/**'}  # r3\n"
    "  - {action: net.http, resource: 'https://127.0.0.1:8443/health'}  # r4\n"
    "  - {action: net.http, resource: 'https://upload.example.com:*/in/**', constraint: {method: {one_of: [PUT, POST]}}}  # r5\n"
    "  - {action: net.http, resource: 'https://[::1]/x'}  # r6\n"
    "  - {action: net.http, resource: 'https://docs.example.com'}  # r7\n"
    "deny:\n"
    "  - {action: net.http, resource: 'https://api.example.com/v1/admin/**'}  # d1\n";

/* Deny rules cannot be stepped round with a port or an extra label. */
static const char P_DENYNET[] =
    "capabilities:\n"
    "  - {action: net.http, resource: 'https://**:*/**'}  # r1\n"
    "deny:\n"
    "  - {action: net.http, resource: 'https://evil.com/**'}  # d1\n"
    "  - {action: net.http, resource: 'https://*.evil.org/**'}  # d2\n";

static const char P_ANY[] =
    "capabilities:\n"
    "  - {action: net.http, resource: 'https://**'}  # r1\n"
    "  - {action: net.http, resource: 'http://10.1.2.3/**'}  # r2\n"
    "deny:\n"
    "  - {action: net.http, resource: 'https://*.internal.example.com/**'}  # d1\n"
    "  - {action: net.http, resource: 'https://**', constraint: {method: DELETE}}  # d2\n"
    "  - {action: net.http, resource: 'http://**'}  # d3\n";

/* A deny of an absolute program also covers its other names in PATH. */
static const char P_DENYPROG[] =
    "capabilities:\n"
    "  - {action: proc.exec, resource: '*', args: {prefix: []}}  # r1\n"
    "deny:\n"
    "  - {action: proc.exec, resource: /usr/bin/rm}  # d1\n";

static const char P_PROC[] =
    "capabilities:\n"
    "  - {action: proc.exec, resource: git, args: [status]}  # r1\n"
    "  - {action: proc.exec, resource: git, args: {prefix: [log, --oneline]}, args_max: 4}  # r2\n"
    "  - {action: proc.exec, resource: /usr/bin/ls}  # r3\n"
    "  - {action: proc.exec, resource: cat, args: {glob: ['*.txt']}}  # r4\n"
    "  - {action: proc.exec, resource: echo, args: {prefix: []}, args_max: 2}  # r5\n"
    "  - {action: proc.exec, resource: /bin/date, args: {exact: ['+%s']}}  # r6\n"
    "  - {action: proc.exec, resource: grep, args: {glob: ['-n', '[a-z]*', '*.c']}}  # r7\n"
    "deny:\n"
    "  - {action: proc.exec, resource: sh}  # d1\n"
    "  - {action: proc.exec, resource: git, args: {glob: [log, --oneline, '--output*']}}  # d2\n";

static const char P_MCP[] =
    "capabilities:\n"
    "  - {action: mcp.call, resource: my_server/**}  # r1\n"
    "  - {action: mcp.call, resource: '*/search'}  # r2\n"
    "  - {action: mcp.call, resource: 'fs/read_*'}  # r3\n"
    "deny:\n"
    "  - {action: mcp.call, resource: 'my_server/delete_*'}  # d1\n";

static const char P_MISC[] =
    "capabilities:\n"
    "  - {action: llm.chat, resource: 'gpt-4o*'}  # r1\n"
    "  - {action: llm.chat, resource: 'openai/*'}  # r2\n"
    "  - {action: snapshot.rollback, resource: '*'}  # r3\n"
    "  - {action: mcp.call, resource: '**'}  # r4\n"
    "deny:\n"
    "  - {action: llm.chat, resource: 'gpt-4o-audio*'}  # d1\n";

static const char P_CONS[] =
    "capabilities:\n"
    "  - {action: mcp.call, resource: s/eq, constraint: {k: {equals: 5}}}  # r1\n"
    "  - {action: mcp.call, resource: s/oneof, constraint: {k: {one_of: [a, b, 3]}}}  # r2\n"
    "  - {action: mcp.call, resource: s/range, constraint: {k: {min: 1, max: 10}}}  # r3\n"
    "  - {action: mcp.call, resource: s/glob, constraint: {k: {glob: 'ab*'}}}  # r4\n"
    "  - {action: mcp.call, resource: s/regex, constraint: {k: {regex: '[a-z]+[0-9]?'}}}  # r5\n"
    "  - {action: mcp.call, resource: s/len, constraint: {k: {max_length: 3}}}  # r6\n"
    "  - {action: mcp.call, resource: s/size, constraint: {k: {max_size: 10}}}  # r7\n"
    "  - {action: mcp.call, resource: s/absent, constraint: {k: {absent: true}}}  # r8\n"
    "  - {action: mcp.call, resource: s/and, constraint: {a: 1, b: {glob: 'x*', max_length: 4}}}  # r9\n"
    "  - {action: net.http, resource: 'https://h.example/**', constraint: {method: GET}}  # r10\n"
    "  - {action: net.http, resource: 'https://h2.example/**', constraint: {timeout: {max: 60}}}  # r11\n"
    "  - {action: fs.read, resource: /ws/**, constraint: {encoding: utf-8}}  # r12\n"
    "  - {action: proc.exec, resource: echo, args: {prefix: []}, constraint: {args: {max_length: 2}}}  # r13\n"
    "  - {action: mcp.call, resource: s/real, constraint: {k: {min: 0.5, max: 1.5}}}  # r14\n"
    "  - {action: mcp.call, resource: s/eqs, constraint: {k: x, n: 2, f: false, z: ~}}  # r15\n"
    "deny:\n"
    "  - {action: mcp.call, resource: '**', constraint: {user: {regex: 'root|admin'}}}  # d1\n";

/* Content constraints judge the bytes written, whatever the encoding. */
static const char P_CONTENT[] =
    "capabilities:\n"
    "  - {action: fs.write, resource: /ws/**, constraint: {content: {regex: '[[:print:][:space:]]*', max_length: 64}}}  # r1\n"
    "deny:\n"
    "  - {action: fs.write, resource: '/**', constraint: {content: {regex: '.*rm -rf.*'}}}  # d1\n";

/* Order must not matter: the same rules, deny first, allows reversed. */
static const char P_ORDER[] =
    "deny:\n"
    "  - {action: fs.read, resource: '/ws/**/.env'}          # d2\n"
    "  - {action: fs.read, resource: /ws/secret/**}          # d1\n"
    "capabilities:\n"
    "  - {action: fs.read, resource: /data/file.csv}         # r5\n"
    "  - {action: fs.read, resource: /ws/**}                 # r1\n";

/* proc.exec env: an allow rule grants exactly its names; a deny rule
 * ignores env (d2 denies rm whatever the env). The deny list comes first
 * in the file: rule indexes are still allow rules first. */
static const char P_ENV[] =
    "deny:\n"
    "  - {action: proc.exec, resource: git, args: {prefix: [push]}}  # d1\n"
    "  - {action: proc.exec, resource: rm, env: [X]}  # d2\n"
    "capabilities:\n"
    "  - {action: proc.exec, resource: git, args: {prefix: []}, env: [GIT_DIR]}  # r1\n"
    "  - {action: proc.exec, resource: make, network: true, timeout_max: 600, env: [CC, CFLAGS]}  # r2\n"
    "  - {action: proc.exec, resource: ls, network: false}  # r3\n"
    "  - {action: fs.read, resource: /ws/**}  # r4\n";

#define PY_R	"@python-restrictive.yaml"
#define PY_E	"@python-example.yaml"
#define PY_P	"@python-permissive.yaml"

struct pcase {
	const char *policy;	/* text, or "@FILE" in $AKSUP_TEST_DATA */
	const char *action, *target, *params;
	bool allow;
	const char *rule;	/* "rN"/"dN" tag, "-", "!", "=FILE:LINE" */
};

static const struct pcase cases[] = {
	/* ---- fs: normalization, segments, deny overrides ---- */
	{ P_FS, "fs.read", "/ws/a.txt", NULL, A, "r1" },
	{ P_FS, "fs.read", "/ws", NULL, A, "r1" },
	{ P_FS, "fs.read", "/ws/", NULL, A, "r1" },
	{ P_FS, "fs.read", "//ws//a", NULL, A, "r1" },
	{ P_FS, "fs.read", "/ws/./a/./b", NULL, A, "r1" },
	{ P_FS, "fs.read", "/ws/../etc/passwd", NULL, D, "-" },
	{ P_FS, "fs.read", "/ws/a/../../etc/shadow", NULL, D, "-" },
	{ P_FS, "fs.read", "/ws-evil/x", NULL, D, "-" },
	{ P_FS, "fs.read", "/wsx", NULL, D, "-" },
	{ P_FS, "fs.read", "/etc/passwd", NULL, D, "-" },
	{ P_FS, "fs.read", "ws/a.txt", NULL, D, "-" },
	{ P_FS, "fs.read", "", NULL, D, "-" },
	{ P_FS, "fs.read", "/ws/secret/k", NULL, D, "d1" },
	{ P_FS, "fs.read", "/ws/secret", NULL, D, "d1" },
	{ P_FS, "fs.read", "/ws/secret/", NULL, D, "d1" },
	{ P_FS, "fs.read", "/ws/./secret/x", NULL, D, "d1" },
	{ P_FS, "fs.read", "/ws/a/../secret/y", NULL, D, "d1" },
	{ P_FS, "fs.read", "//ws///secret//y", NULL, D, "d1" },
	{ P_FS, "fs.read", "/ws/x/secret/k", NULL, A, "r1" },
	{ P_FS, "fs.read", "/ws/secretx", NULL, A, "r1" },
	{ P_FS, "fs.read", "/ws/.env", NULL, D, "d2" },
	{ P_FS, "fs.read", "/ws/a/b/.env", NULL, D, "d2" },
	{ P_FS, "fs.read", "/ws/a/.env.bak", NULL, A, "r1" },
	{ P_FS, "fs.read", "/data/file.csv", NULL, A, "r5" },
	{ P_FS, "fs.read", "/data/file.csvx", NULL, D, "-" },
	{ P_FS, "fs.read", "/data", NULL, D, "-" },
	{ P_FS, "fs.read", "/data/file.csv/x", NULL, D, "-" },
	{ P_FS, "fs.read", "/lit/*star", NULL, A, "r6" },
	{ P_FS, "fs.read", "/lit/xstar", NULL, D, "-" },
	{ P_FS, "fs.write", "/ws/out/a.txt", "{\"content\":\"x\"}", A, "r2" },
	{ P_FS, "fs.write", "/ws/out/.txt", NULL, A, "r2" },
	{ P_FS, "fs.write", "/ws/out/a.txt/", NULL, A, "r2" },
	{ P_FS, "fs.write", "/ws/out/a/b.txt", NULL, D, "-" },
	{ P_FS, "fs.write", "/ws/out/a.TXT", NULL, D, "-" },
	{ P_FS, "fs.write", "/ws/a.txt", NULL, D, "-" },
	{ P_FS, "fs.write", "/ws/out/../a.txt", NULL, D, "-" },
	{ P_FS, "fs.write", "/ws/out/x/../../out/a.txt", NULL, A, "r2" },
	{ P_FS, "fs.list", "/ws/a1/x", NULL, A, "r3" },
	{ P_FS, "fs.list", "/ws/b2", NULL, A, "r3" },
	{ P_FS, "fs.list", "/ws/c1", NULL, D, "-" },
	{ P_FS, "fs.list", "/ws/a12", NULL, D, "-" },
	{ P_FS, "fs.list", "/ws/a", NULL, D, "-" },
	{ P_FS, "fs.list", "/ws/a/", NULL, D, "-" },
	{ P_FS, "fs.list", "/ws/a//", NULL, D, "-" },
	{ P_FS, "fs.delete", "/ws/tmp/x", NULL, A, "r4" },
	{ P_FS, "fs.delete", "/ws/tmp/a/b/x", NULL, A, "r4" },
	{ P_FS, "fs.delete", "/ws/tmp/a/y", NULL, D, "-" },
	{ P_FS, "fs.delete", "/ws/tmp", NULL, D, "-" },
	{ P_FS, "fs.delete", "/ws/tmp/x/..", NULL, D, "-" },
	{ P_FS, "fs.exec", "/ws/a", NULL, D, "-" },
	{ P_FS, "FS.READ", "/ws/a", NULL, D, "-" },
	{ P_FS, "fs.read", "/ws/a", "{\"encoding\": 5}", D, "!" },
	/* rule order never changes the decision */
	{ P_ORDER, "fs.read", "/ws/a", NULL, A, "r1" },
	{ P_ORDER, "fs.read", "/ws/secret/a", NULL, D, "d1" },
	{ P_ORDER, "fs.read", "/ws/x/.env", NULL, D, "d2" },
	{ P_ORDER, "fs.read", "/data/file.csv", NULL, A, "r5" },
	{ P_ORDER, "fs.read", "/etc/passwd", NULL, D, "-" },

	/* ---- URLs: components, not strings ---- */
	{ P_URL, "net.http", "https://api.example.com/v1/x", NULL, A, "r1" },
	{ P_URL, "net.http", "https://api.example.com/v1/x", "{\"method\":\"get\"}", A, "r1" },
	{ P_URL, "net.http", "https://api.example.com/v1/x", "{\"method\":\"POST\"}", D, "-" },
	{ P_URL, "net.http", "https://api.example.com/v1", NULL, A, "r1" },
	{ P_URL, "net.http", "https://api.example.com/v1/", NULL, A, "r1" },
	{ P_URL, "net.http", "https://api.example.com/v2", NULL, D, "-" },
	{ P_URL, "net.http", "https://api.example.com/v1x", NULL, D, "-" },
	{ P_URL, "net.http", "https://API.EXAMPLE.COM/v1/x", NULL, A, "r1" },
	{ P_URL, "net.http", "HTTPS://api.example.com/v1/x", NULL, A, "r1" },
	{ P_URL, "net.http", "https://api.example.com./v1/x", NULL, A, "r1" },
	{ P_URL, "net.http", "https://api.example.com:443/v1/x", NULL, A, "r1" },
	{ P_URL, "net.http", "https://api.example.com:8443/v1/x", NULL, D, "-" },
	{ P_URL, "net.http", "http://api.example.com/v1/x", NULL, D, "-" },
	{ P_URL, "net.http", "https://api.example.com.evil.com/v1/x", NULL, D, "-" },
	{ P_URL, "net.http", "https://api.example.com@evil.com/v1/x", NULL, D, "-" },
	{ P_URL, "net.http", "https://user:pw@api.example.com/v1/x", NULL, D, "-" },
	{ P_URL, "net.http", "https://user@api.example.com/v1/x", NULL, D, "-" },
	{ P_URL, "net.http", "https://:@api.example.com/v1/x", NULL, D, "-" },
	{ P_URL, "net.http", "https://evil.com#@api.example.com/v1/x", NULL, D, "-" },
	{ P_URL, "net.http", "https://evil.com\\@api.example.com/v1/x", NULL, D, "-" },
	{ P_URL, "net.http", "https://evil.com?@api.example.com/v1/x", NULL, D, "-" },
	{ P_URL, "net.http", "https://api%2eexample.com/v1/x", NULL, D, "-" },
	{ P_URL, "net.http", "https://api.example.com/v1/../admin", NULL, D, "-" },
	{ P_URL, "net.http", "https://api.example.com/v1/%2e%2e/admin", NULL, D, "-" },
	{ P_URL, "net.http", "https://api.example.com/v1/%2E/x", NULL, D, "-" },
	{ P_URL, "net.http", "https://api.example.com/v1%2fx", NULL, D, "-" },
	{ P_URL, "net.http", "https://api.example.com/v1/a%5cb", NULL, D, "-" },
	{ P_URL, "net.http", "https://api.example.com/v1/a\\b", NULL, D, "-" },
	{ P_URL, "net.http", "https://api.example.com/v1/a%00b", NULL, D, "-" },
	{ P_URL, "net.http", "https://api.example.com/v1/%zz", NULL, D, "-" },
	{ P_URL, "net.http", "https://api.example.com/v1/a b", NULL, D, "-" },
	{ P_URL, "net.http", "https://api.example.com/v1/%41bc", NULL, A, "r1" },
	{ P_URL, "net.http", "https://api.example.com/v1/x?q=1", NULL, A, "r1" },
	{ P_DENYPROG, "proc.exec", "/usr/bin/rm", NULL, D, "d1" },
	{ P_DENYPROG, "proc.exec", "rm", NULL, D, "d1" },
	{ P_DENYPROG, "proc.exec", "/bin/rm", NULL, D, "d1" },
	{ P_DENYPROG, "proc.exec", "/usr/local/bin/rm", NULL, D, "d1" },
	{ P_DENYPROG, "proc.exec", "/opt/rm", NULL, A, "r1" },
	{ P_DENYPROG, "proc.exec", "rmdir", NULL, A, "r1" },
	{ P_DENYNET, "net.http", "https://evil.com/x", NULL, D, "d1" },
	{ P_DENYNET, "net.http", "https://evil.com:8443/x", NULL, D, "d1" },
	{ P_DENYNET, "net.http", "https://a.evil.org/x", NULL, D, "d2" },
	{ P_DENYNET, "net.http", "https://a.b.evil.org:444/x", NULL, D, "d2" },
	{ P_DENYNET, "net.http", "https://evil.org/x", NULL, A, "r1" },
	{ P_DENYNET, "net.http", "https://good.com:8443/x", NULL, A, "r1" },
	{ P_URL, "net.http", "https://api.example.com/v1/x#frag", NULL, A, "r1" },
	{ P_URL, "net.http", "https://api.example.com/v1/admin/users", NULL, D, "d1" },
	{ P_URL, "net.http", "https://api.example.com/v1/admin", NULL, D, "d1" },
	{ P_URL, "net.http", "https://api.example.com/v1/%61dmin/users", NULL, D, "d1" },
	{ P_URL, "net.http", "https://api.example.com/v1//admin/x", NULL, D, "d1" },
	{ P_URL, "net.http", "https://api.example.com/v1/x/../admin/y", NULL, D, "d1" },
	{ P_URL, "net.http", "https://api.example.com/v1/admin/x", "{\"method\":\"GET\"}", D, "d1" },
	{ P_URL, "net.http", "https://api.example.com/v1/Admin/x", NULL, A, "r1" },
	{ P_URL, "net.http", "ftp://api.example.com/v1/x", NULL, D, "-" },
	{ P_URL, "net.http", "file:///etc/passwd", NULL, D, "-" },
	{ P_URL, "net.http", "gopher://api.example.com/v1/x", NULL, D, "-" },
	{ P_URL, "net.http", "https:/api.example.com/v1/x", NULL, D, "-" },
	{ P_URL, "net.http", "https:api.example.com/v1/x", NULL, D, "-" },
	{ P_URL, "net.http", "//api.example.com/v1/x", NULL, D, "-" },
	{ P_URL, "net.http", "api.example.com/v1/x", NULL, D, "-" },
	{ P_URL, "net.http", "", NULL, D, "-" },
	{ P_URL, "net.http", "https://a.cdn.example.com/assets/app.js", NULL, A, "r2" },
	{ P_URL, "net.http", "https://A.CDN.example.com/assets/app.js", NULL, A, "r2" },
	{ P_URL, "net.http", "https://cdn.example.com/assets/app.js", NULL, D, "-" },
	{ P_URL, "net.http", "https://a.b.cdn.example.com/assets/app.js", NULL, D, "-" },
	{ P_URL, "net.http", "https://evilcdn.example.com/assets/app.js", NULL, D, "-" },
	{ P_URL, "net.http", "https://a.cdn.example.com.evil.com/assets/app.js", NULL, D, "-" },
	{ P_URL, "net.http", "https://a.cdn.example.com/assets/x/app.js", NULL, D, "-" },
	{ P_URL, "net.http", "https://a.cdn.example.com/assets/app.css", NULL, D, "-" },
	{ P_URL, "net.http", "https://a.cdn.example.com/assets/app.js", "{\"method\":\"POST\"}", A, "r2" },
	{ P_URL, "net.http", "http://localhost:8080/x", NULL, A, "r3" },
	{ P_URL, "net.http", "http://LOCALHOST:8080/", NULL, A, "r3" },
	{ P_URL, "net.http", "http://localhost/x", NULL, D, "-" },
	{ P_URL, "net.http", "http://localhost:80/x", NULL, D, "-" },
	{ P_URL, "net.http", "https://localhost:8080/x", NULL, D, "-" },
	{ P_URL, "net.http", "http://127.0.0.1:8080/x", NULL, D, "-" },
	{ P_URL, "net.http", "https://127.0.0.1:8443/health", NULL, A, "r4" },
	{ P_URL, "net.http", "https://127.1:8443/health", NULL, A, "r4" },
	{ P_URL, "net.http", "https://2130706433:8443/health", NULL, A, "r4" },
	{ P_URL, "net.http", "https://0x7f.0.0.1:8443/health", NULL, A, "r4" },
	{ P_URL, "net.http", "https://127.0.0.1:8443/other", NULL, D, "-" },
	{ P_URL, "net.http", "https://127.0.0.2:8443/health", NULL, D, "-" },
	{ P_URL, "net.http", "https://127.0.0.1/health", NULL, D, "-" },
	{ P_URL, "net.http", "https://upload.example.com:9000/in/a", "{\"method\":\"PUT\"}", A, "r5" },
	{ P_URL, "net.http", "https://upload.example.com/in/a", "{\"method\":\"post\"}", A, "r5" },
	{ P_URL, "net.http", "https://upload.example.com:1/in/a/b", "{\"method\":\"POST\"}", A, "r5" },
	{ P_URL, "net.http", "https://upload.example.com/in/a", "{\"method\":\"GET\"}", D, "-" },
	{ P_URL, "net.http", "https://upload.example.com/in/a", NULL, D, "-" },
	{ P_URL, "net.http", "https://upload.example.com/out/a", "{\"method\":\"PUT\"}", D, "-" },
	{ P_URL, "net.http", "https://[::1]/x", NULL, A, "r6" },
	{ P_URL, "net.http", "https://[::1]:443/x", NULL, A, "r6" },
	{ P_URL, "net.http", "https://[::1]:444/x", NULL, D, "-" },
	{ P_URL, "net.http", "https://[::2]/x", NULL, D, "-" },
	{ P_URL, "net.http", "https://[fe80::1%25eth0]/x", NULL, D, "-" },
	{ P_URL, "net.http", "https://docs.example.com", NULL, A, "r7" },
	{ P_URL, "net.http", "https://docs.example.com/", NULL, A, "r7" },
	{ P_URL, "net.http", "https://docs.example.com/a", NULL, D, "-" },
	{ P_URL, "net.http", "https://api.example.com/v1/x", "{\"method\": 5}", D, "!" },
	{ P_URL, "net.http", "https://api.example.com/v1/x", "{\"method\": \"G T\"}", D, "!" },
	{ P_URL, "net.http", "https://api.example.com/v1/x", "{\"timeout\": \"9\"}", D, "!" },
	{ P_ANY, "net.http", "https://x.com/anything/at/all", NULL, A, "r1" },
	{ P_ANY, "net.http", "https://x.com", NULL, A, "r1" },
	{ P_ANY, "net.http", "https://x.com:8443/", NULL, D, "-" },
	{ P_ANY, "net.http", "https://10.0.0.1/", NULL, D, "-" },
	{ P_ANY, "net.http", "https://[::1]/", NULL, D, "-" },
	{ P_ANY, "net.http", "https://a.internal.example.com/x", NULL, D, "d1" },
	{ P_ANY, "net.http", "https://internal.example.com/x", NULL, A, "r1" },
	{ P_ANY, "net.http", "https://x.com/", "{\"method\":\"DELETE\"}", D, "d2" },
	{ P_ANY, "net.http", "https://x.com/", "{\"method\":\"delete\"}", D, "d2" },
	{ P_ANY, "net.http", "https://x.com/", "{\"method\":\"Delete\"}", D, "d2" },
	{ P_ANY, "net.http", "http://x.com/", NULL, D, "d3" },
	{ P_ANY, "net.http", "http://10.1.2.3/", NULL, D, "d3" },
	{ P_ANY, "net.http", "https://user@x.com/", NULL, D, "-" },

	/* ---- commands: program and argv ---- */
	{ P_PROC, "proc.exec", "git", "{\"args\":[\"status\"]}", A, "r1" },
	{ P_PROC, "proc.exec", "git", NULL, D, "-" },
	{ P_PROC, "proc.exec", "git", "{\"args\":[]}", D, "-" },
	{ P_PROC, "proc.exec", "git", "{\"args\":[\"status\",\"--short\"]}", D, "-" },
	{ P_PROC, "proc.exec", "git", "{\"args\":[\"-c\",\"alias.x=!sh\",\"status\"]}", D, "-" },
	{ P_PROC, "proc.exec", "git", "{\"args\":[\"-c\",\"core.pager=sh\",\"log\",\"--oneline\"]}", D, "-" },
	{ P_PROC, "proc.exec", "git", "{\"args\":[\"log\",\"--oneline\"]}", A, "r2" },
	{ P_PROC, "proc.exec", "git", "{\"args\":[\"log\",\"--oneline\",\"-n\",\"5\"]}", A, "r2" },
	{ P_PROC, "proc.exec", "git", "{\"args\":[\"log\",\"--oneline\",\"a\",\"b\",\"c\"]}", D, "-" },
	{ P_PROC, "proc.exec", "git", "{\"args\":[\"log\"]}", D, "-" },
	{ P_PROC, "proc.exec", "git", "{\"args\":[\"log\",\"--oneline\",\"--output=/etc/x\"]}", D, "d2" },
	{ P_PROC, "proc.exec", "/usr/bin/git", "{\"args\":[\"status\"]}", A, "r1" },
	{ P_PROC, "proc.exec", "/usr/local/bin/git", "{\"args\":[\"status\"]}", A, "r1" },
	{ P_PROC, "proc.exec", "/bin/git", "{\"args\":[\"status\"]}", A, "r1" },
	{ P_PROC, "proc.exec", "/opt/git", "{\"args\":[\"status\"]}", D, "-" },
	{ P_PROC, "proc.exec", "/tmp/git", "{\"args\":[\"status\"]}", D, "-" },
	{ P_PROC, "proc.exec", "/usr/bin/../bin/git", "{\"args\":[\"status\"]}", D, "-" },
	{ P_PROC, "proc.exec", "/usr//bin/git", "{\"args\":[\"status\"]}", D, "-" },
	{ P_PROC, "proc.exec", "./git", "{\"args\":[\"status\"]}", D, "-" },
	{ P_PROC, "proc.exec", "bin/git", "{\"args\":[\"status\"]}", D, "-" },
	{ P_PROC, "proc.exec", "git/", "{\"args\":[\"status\"]}", D, "-" },
	{ P_PROC, "proc.exec", "GIT", "{\"args\":[\"status\"]}", D, "-" },
	{ P_PROC, "proc.exec", "git ", "{\"args\":[\"status\"]}", D, "-" },
	{ P_PROC, "proc.exec", "", NULL, D, "-" },
	{ P_PROC, "proc.exec", "/usr/bin/ls", NULL, A, "r3" },
	{ P_PROC, "proc.exec", "/usr/bin/ls", "{\"args\":[\"-la\"]}", D, "-" },
	{ P_PROC, "proc.exec", "ls", NULL, D, "-" },
	{ P_PROC, "proc.exec", "/bin/ls", NULL, D, "-" },
	{ P_PROC, "proc.exec", "cat", "{\"args\":[\"a.txt\"]}", A, "r4" },
	{ P_PROC, "proc.exec", "cat", "{\"args\":[\"-rf.txt\"]}", D, "-" },
	{ P_PROC, "proc.exec", "cat", "{\"args\":[\"--output=x.txt\"]}", D, "-" },
	{ P_PROC, "proc.exec", "cat", "{\"args\":[\"a.txt\",\"b.txt\"]}", D, "-" },
	{ P_PROC, "proc.exec", "cat", "{\"args\":[\"a.md\"]}", D, "-" },
	{ P_PROC, "proc.exec", "cat", NULL, D, "-" },
	{ P_PROC, "proc.exec", "echo", NULL, A, "r5" },
	{ P_PROC, "proc.exec", "echo", "{\"args\":[\"a\",\"b\"]}", A, "r5" },
	{ P_PROC, "proc.exec", "echo", "{\"args\":[\"a\",\"b\",\"c\"]}", D, "-" },
	{ P_PROC, "proc.exec", "/bin/date", "{\"args\":[\"+%s\"]}", A, "r6" },
	{ P_PROC, "proc.exec", "/bin/date", "{\"args\":[\"-s\",\"+%s\"]}", D, "-" },
	{ P_PROC, "proc.exec", "grep", "{\"args\":[\"-n\",\"foo\",\"a.c\"]}", A, "r7" },
	{ P_PROC, "proc.exec", "grep", "{\"args\":[\"-n\",\"-e\",\"a.c\"]}", D, "-" },
	{ P_PROC, "proc.exec", "grep", "{\"args\":[\"-r\",\"foo\",\"a.c\"]}", D, "-" },
	{ P_PROC, "proc.exec", "sh", NULL, D, "d1" },
	{ P_PROC, "proc.exec", "sh", "{\"args\":[\"-c\",\"id\"]}", D, "d1" },
	{ P_PROC, "proc.exec", "/bin/sh", NULL, D, "d1" },
	{ P_PROC, "proc.exec", "/usr/bin/sh", "{\"args\":[\"-c\",\"id\"]}", D, "d1" },
	{ P_PROC, "proc.exec", "bash", "{\"args\":[\"-c\",\"id\"]}", D, "-" },
	{ P_PROC, "proc.exec", "git", "{\"args\":\"status\"}", D, "!" },
	{ P_PROC, "proc.exec", "git", "{\"args\":[1]}", D, "!" },
	{ P_PROC, "proc.exec", "git", "{\"args\":[\"status\"],\"timeout\":\"x\"}", D, "!" },

	/* ---- commands: env names granted by the allow rule ---- */
	{ P_ENV, "proc.exec", "git", "{\"env\":{\"GIT_DIR\":\"x\"}}", A, "r1" },
	{ P_ENV, "proc.exec", "git", "{\"env\":{\"HOME\":\"x\"}}", D, "-" },
	{ P_ENV, "proc.exec", "git", "{\"env\":{\"GIT_DIR\":\"x\",\"HOME\":\"y\"}}", D, "-" },
	{ P_ENV, "proc.exec", "git", "{\"env\":{\"git_dir\":\"x\"}}", D, "-" },
	{ P_ENV, "proc.exec", "git", "{\"env\":{\"GIT_DIR\":\"\"}}", A, "r1" },
	{ P_ENV, "proc.exec", "git", "{\"env\":{}}", A, "r1" },
	{ P_ENV, "proc.exec", "git", "{\"args\":[\"log\"]}", A, "r1" },
	{ P_ENV, "proc.exec", "/usr/bin/git", "{\"args\":[\"log\"],\"env\":{\"GIT_DIR\":\"/ws/.git\"}}", A, "r1" },
	/* a deny rule matches whatever the env, granted or not */
	{ P_ENV, "proc.exec", "git", "{\"args\":[\"push\"],\"env\":{\"HOME\":\"x\"}}", D, "d1" },
	{ P_ENV, "proc.exec", "git", "{\"args\":[\"push\"],\"env\":{\"GIT_DIR\":\"x\"}}", D, "d1" },
	{ P_ENV, "proc.exec", "rm", NULL, D, "d2" },
	{ P_ENV, "proc.exec", "rm", "{\"env\":{\"Y\":\"1\"}}", D, "d2" },
	{ P_ENV, "proc.exec", "rm", "{\"env\":{\"X\":\"1\"}}", D, "d2" },
	/* a rule without env: only requests that set none */
	{ P_ENV, "proc.exec", "ls", NULL, A, "r3" },
	{ P_ENV, "proc.exec", "ls", "{\"env\":{}}", A, "r3" },
	{ P_ENV, "proc.exec", "ls", "{\"env\":{\"GIT_DIR\":\"x\"}}", D, "-" },
	{ P_ENV, "proc.exec", "make", "{\"env\":{\"CC\":\"gcc\",\"CFLAGS\":\"-O2\"}}", A, "r2" },
	{ P_ENV, "proc.exec", "make", "{\"env\":{\"CC\":\"gcc\",\"LD_PRELOAD\":\"/tmp/x.so\"}}", D, "-" },
	{ P_ENV, "proc.exec", "make", "{\"env\":{\"CFLAGS\":\"-O2\"},\"timeout\":3600}", A, "r2" },

	/* ---- MCP: server/tool, a glob per part ---- */
	{ P_MCP, "mcp.call", "my_server/x", NULL, A, "r1" },
	{ P_MCP, "mcp.call", "my_server/a/b", NULL, A, "r1" },
	{ P_MCP, "mcp.call", "my_server/delete_all", NULL, D, "d1" },
	{ P_MCP, "mcp.call", "my_server/delete_", NULL, D, "d1" },
	{ P_MCP, "mcp.call", "my_serverx/x", NULL, D, "-" },
	{ P_MCP, "mcp.call", "other/search", NULL, A, "r2" },
	{ P_MCP, "mcp.call", "a/b/search", NULL, D, "-" },
	{ P_MCP, "mcp.call", "other/search2", NULL, D, "-" },
	{ P_MCP, "mcp.call", "fs/read_file", NULL, A, "r3" },
	{ P_MCP, "mcp.call", "fs/write_file", NULL, D, "-" },
	{ P_MCP, "mcp.call", "fs", NULL, D, "-" },
	{ P_MCP, "mcp.call", "/search", NULL, D, "-" },
	{ P_MCP, "mcp.call", "my_server/", NULL, D, "-" },
	{ P_MCP, "mcp.call", "search", NULL, D, "-" },
	{ P_MISC, "mcp.call", "any/tool", NULL, A, "r4" },
	{ P_MISC, "mcp.call", "notool", NULL, D, "-" },

	/* ---- llm.chat, snapshot.rollback ---- */
	{ P_MISC, "llm.chat", "gpt-4o", NULL, A, "r1" },
	{ P_MISC, "llm.chat", "gpt-4o-mini", NULL, A, "r1" },
	{ P_MISC, "llm.chat", "gpt-4o-audio-preview", NULL, D, "d1" },
	{ P_MISC, "llm.chat", "claude", NULL, D, "-" },
	{ P_MISC, "llm.chat", "openai/gpt-4o", NULL, A, "r2" },
	{ P_MISC, "llm.chat", "openai/a/b", NULL, D, "-" },
	{ P_MISC, "snapshot.rollback", "0f8e-11", NULL, A, "r3" },
	{ P_MISC, "snapshot.rollback", "a/b", NULL, D, "-" },
	{ P_MISC, "proc.exec", "git", NULL, D, "-" },

	/* ---- constraints, one type at a time ---- */
	{ P_CONS, "mcp.call", "s/eq", "{\"k\":5}", A, "r1" },
	{ P_CONS, "mcp.call", "s/eq", "{\"k\":5.0}", A, "r1" },
	{ P_CONS, "mcp.call", "s/eq", "{\"k\":\"5\"}", D, "-" },
	{ P_CONS, "mcp.call", "s/eq", "{\"k\":6}", D, "-" },
	{ P_CONS, "mcp.call", "s/eq", NULL, D, "-" },
	{ P_CONS, "mcp.call", "s/oneof", "{\"k\":\"a\"}", A, "r2" },
	{ P_CONS, "mcp.call", "s/oneof", "{\"k\":\"b\"}", A, "r2" },
	{ P_CONS, "mcp.call", "s/oneof", "{\"k\":3}", A, "r2" },
	{ P_CONS, "mcp.call", "s/oneof", "{\"k\":\"c\"}", D, "-" },
	{ P_CONS, "mcp.call", "s/oneof", "{\"k\":\"3\"}", D, "-" },
	{ P_CONS, "mcp.call", "s/oneof", "{\"k\":[\"a\"]}", D, "-" },
	{ P_CONS, "mcp.call", "s/range", "{\"k\":1}", A, "r3" },
	{ P_CONS, "mcp.call", "s/range", "{\"k\":10}", A, "r3" },
	{ P_CONS, "mcp.call", "s/range", "{\"k\":5.5}", A, "r3" },
	{ P_CONS, "mcp.call", "s/range", "{\"k\":0}", D, "-" },
	{ P_CONS, "mcp.call", "s/range", "{\"k\":11}", D, "-" },
	{ P_CONS, "mcp.call", "s/range", "{\"k\":10.0001}", D, "-" },
	{ P_CONS, "mcp.call", "s/range", "{\"k\":\"5\"}", D, "-" },
	{ P_CONS, "mcp.call", "s/range", "{\"k\":-9223372036854775808}", D, "-" },
	{ P_CONS, "mcp.call", "s/glob", "{\"k\":\"abc\"}", A, "r4" },
	{ P_CONS, "mcp.call", "s/glob", "{\"k\":\"ab\"}", A, "r4" },
	{ P_CONS, "mcp.call", "s/glob", "{\"k\":\"ab/c\"}", A, "r4" },
	{ P_CONS, "mcp.call", "s/glob", "{\"k\":\"xab\"}", D, "-" },
	{ P_CONS, "mcp.call", "s/glob", "{\"k\":5}", D, "-" },
	{ P_CONS, "mcp.call", "s/glob", "{\"k\":\"ab\\u0000x\"}", D, "-" },
	{ P_CONS, "mcp.call", "s/regex", "{\"k\":\"abc1\"}", A, "r5" },
	{ P_CONS, "mcp.call", "s/regex", "{\"k\":\"abc\"}", A, "r5" },
	{ P_CONS, "mcp.call", "s/regex", "{\"k\":\"abc12\"}", D, "-" },
	{ P_CONS, "mcp.call", "s/regex", "{\"k\":\"1abc\"}", D, "-" },
	{ P_CONS, "mcp.call", "s/regex", "{\"k\":\"ABC\"}", D, "-" },
	{ P_CONS, "mcp.call", "s/regex", "{\"k\":\"abc\\nx\"}", D, "-" },
	{ P_CONS, "mcp.call", "s/len", "{\"k\":\"abc\"}", A, "r6" },
	{ P_CONS, "mcp.call", "s/len", "{\"k\":\"abcd\"}", D, "-" },
	{ P_CONS, "mcp.call", "s/len", "{\"k\":[1,2,3]}", A, "r6" },
	{ P_CONS, "mcp.call", "s/len", "{\"k\":[1,2,3,4]}", D, "-" },
	{ P_CONS, "mcp.call", "s/len", "{\"k\":{\"a\":1}}", A, "r6" },
	{ P_CONS, "mcp.call", "s/len", "{\"k\":5}", D, "-" },
	{ P_CONS, "mcp.call", "s/size", "{\"k\":\"abcdefgh\"}", A, "r7" },
	{ P_CONS, "mcp.call", "s/size", "{\"k\":\"abcdefghi\"}", D, "-" },
	{ P_CONS, "mcp.call", "s/size", "{\"k\":[1,2]}", A, "r7" },
	{ P_CONS, "mcp.call", "s/size", "{\"k\":{\"abcdef\":1}}", D, "-" },
	{ P_CONS, "mcp.call", "s/size", NULL, D, "-" },
	{ P_CONS, "mcp.call", "s/absent", NULL, A, "r8" },
	{ P_CONS, "mcp.call", "s/absent", "{\"other\":1}", A, "r8" },
	{ P_CONS, "mcp.call", "s/absent", "{\"k\":null}", D, "-" },
	{ P_CONS, "mcp.call", "s/absent", "{\"k\":1}", D, "-" },
	{ P_CONS, "mcp.call", "s/and", "{\"a\":1,\"b\":\"xy\"}", A, "r9" },
	{ P_CONS, "mcp.call", "s/and", "{\"a\":1,\"b\":\"xyzab\"}", D, "-" },
	{ P_CONS, "mcp.call", "s/and", "{\"a\":2,\"b\":\"x\"}", D, "-" },
	{ P_CONS, "mcp.call", "s/and", "{\"b\":\"x\"}", D, "-" },
	{ P_CONS, "mcp.call", "s/real", "{\"k\":1}", A, "r14" },
	{ P_CONS, "mcp.call", "s/real", "{\"k\":1.5}", A, "r14" },
	{ P_CONS, "mcp.call", "s/real", "{\"k\":0.4}", D, "-" },
	{ P_CONS, "mcp.call", "s/eqs", "{\"k\":\"x\",\"n\":2,\"f\":false,\"z\":null}", A, "r15" },
	{ P_CONS, "mcp.call", "s/eqs", "{\"k\":\"x\",\"n\":2,\"f\":0,\"z\":null}", D, "-" },
	{ P_CONS, "mcp.call", "s/eqs", "{\"k\":\"x\",\"n\":2,\"f\":false}", D, "-" },
	{ P_CONS, "mcp.call", "s/eq", "{\"k\":5,\"user\":\"admin\"}", D, "d1" },
	{ P_CONS, "mcp.call", "s/eq", "{\"k\":5,\"user\":\"root\"}", D, "d1" },
	{ P_CONS, "mcp.call", "s/eq", "{\"k\":5,\"user\":\"rootx\"}", A, "r1" },
	/* a deny rule cannot be stepped around with an unexpected type */
	{ P_CONS, "mcp.call", "s/eq", "{\"k\":5,\"user\":[\"root\"]}", D, "d1" },
	{ P_CONS, "mcp.call", "s/eq", "{\"k\":5,\"user\":\"root\\u0000\"}", D, "d1" },
	{ P_CONS, "mcp.call", "s/eq", "{\"k\":5,\"user\":7}", D, "d1" },
	{ P_CONS, "mcp.call", "s/eq", "{\"k\":5,\"user\":\"bob\"}", A, "r1" },
	/* constraints apply after the provider's defaults */
	{ P_CONS, "net.http", "https://h.example/x", NULL, A, "r10" },
	{ P_CONS, "net.http", "https://h.example/x", "{\"method\":\"post\"}", D, "-" },
	{ P_CONS, "net.http", "https://h2.example/", NULL, A, "r11" },
	{ P_CONS, "net.http", "https://h2.example/", "{\"timeout\":60}", A, "r11" },
	{ P_CONS, "net.http", "https://h2.example/", "{\"timeout\":90}", D, "-" },
	{ P_CONS, "fs.read", "/ws/a", NULL, A, "r12" },
	{ P_CONS, "fs.read", "/ws/a", "{\"encoding\":\"base64\"}", D, "-" },
	{ P_CONS, "proc.exec", "echo", "{\"args\":[\"a\",\"b\"]}", A, "r13" },
	{ P_CONS, "proc.exec", "echo", "{\"args\":[\"a\",\"b\",\"c\"]}", D, "-" },

	/* ---- the Python project's policies, stricter meanings ---- */
	{ PY_R, "fs.read", "/workspace/a.csv", NULL, A, "=python-restrictive.yaml:5" },
	{ PY_R, "fs.read", "/workspace/../etc/passwd", NULL, D, "-" },
	{ PY_R, "fs.write", "/workspace/a.csv", NULL, D, "-" },
	{ PY_R, "proc.exec", "git", NULL, D, "-" },
	{ PY_E, "fs.read", "/workspace/data.csv", NULL, A, "=python-example.yaml:7" },
	{ PY_E, "fs.read", "/workspace-evil/x", NULL, D, "-" },
	{ PY_E, "fs.write", "/workspace/output/r.txt", NULL, A, "=python-example.yaml:11" },
	{ PY_E, "fs.write", "/workspace/outputx/r.txt", NULL, D, "-" },
	{ PY_E, "fs.write", "/workspace/output/../x", NULL, D, "-" },
	{ PY_E, "fs.delete", "/workspace/output/r.txt", NULL, A, "=python-example.yaml:15" },
	{ PY_E, "proc.exec", "git", NULL, A, "=python-example.yaml:19" },
	{ PY_E, "proc.exec", "git", "{\"args\":[\"-c\",\"alias.x=!sh\",\"x\"]}", D, "-" },
	{ PY_E, "proc.exec", "git", "{\"args\":[\"status\"]}", D, "-" },
	{ PY_E, "net.http", "https://api.example.com/v1/x", NULL, A, "=python-example.yaml:23" },
	{ PY_E, "net.http", "https://api.example.com/v1/x", "{\"method\":\"POST\"}", D, "-" },
	{ PY_E, "net.http", "https://api.example.com.evil.com/x", NULL, D, "-" },
	{ PY_E, "net.http", "https://api.example.com@evil.com/x", NULL, D, "-" },
	{ PY_P, "fs.delete", "/workspace/x", NULL, A, "=python-permissive.yaml:10" },
	{ PY_P, "proc.exec", "python", NULL, A, "=python-permissive.yaml:16" },
	{ PY_P, "proc.exec", "python", "{\"args\":[\"-c\",\"import os\"]}", D, "-" },
	{ PY_P, "proc.exec", "uv", NULL, A, "=python-permissive.yaml:20" },
	{ PY_P, "net.http", "https://anything.example.org/a/b", NULL, A, "=python-permissive.yaml:24" },
	{ PY_P, "net.http", "https://169.254.169.254/latest/meta-data", NULL, D, "-" },
	{ PY_P, "net.http", "http://anything.example.org/", NULL, D, "-" },
	{ PY_P, "mcp.call", "scholar/search", NULL, A, "=python-permissive.yaml:28" },
	{ PY_P, "mcp.call", "scholar/searchx", NULL, D, "-" },
	{ PY_P, "mcp.call", "a/b/search", NULL, D, "-" },
	/* ---- content constraints on the decoded bytes (base64) ---- */
	{ P_CONTENT, "fs.write", "/ws/x.sh", "{\"content\":\"#!/bin/sh\\nrm -rf /\\n\"}", D, "d1" },
	{ P_CONTENT, "fs.write", "/ws/x.sh", "{\"content\":\"IyEvYmluL3NoCnJtIC1yZiAvCg==\",\"encoding\":\"base64\"}", D, "d1" },
	{ P_CONTENT, "fs.write", "/ws/h.txt", "{\"content\":\"aGVsbG8gd29ybGQK\",\"encoding\":\"base64\"}", A, "r1" },
	{ P_CONTENT, "fs.write", "/ws/h.txt", "{\"content\":\"hello world\\n\"}", A, "r1" },
	/* binary bytes: not plain text; with a NUL no regex can judge them,
	 * which a deny rule counts as matching (POLICY.md section 7) */
	{ P_CONTENT, "fs.write", "/ws/a.out", "{\"content\":\"f0VMRgEAAg==\",\"encoding\":\"base64\"}", D, "d1" },
	{ P_CONTENT, "fs.write", "/ws/a.out", "{\"content\":\"gIEgdGV4dA==\",\"encoding\":\"base64\"}", D, "-" },
	/* max_length counts decoded bytes: 63 bytes are 84 characters */
	{ P_CONTENT, "fs.write", "/ws/l.txt", "{\"content\":\"YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFh\",\"encoding\":\"base64\"}", A, "r1" },
	{ P_CONTENT, "fs.write", "/ws/l.txt", "{\"content\":\"YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFh\",\"encoding\":\"base64\"}", D, "-" },
	/* text that does not decode is malformed, never decided */
	{ P_CONTENT, "fs.write", "/ws/j", "{\"content\":\"a=Gk\",\"encoding\":\"base64\"}", D, "!" },
	{ P_CONTENT, "fs.write", "/ws/j", "{\"content\":\"aGVsbG8K\\n\",\"encoding\":\"base64\"}", D, "!" },
	/* fs.read's encoding is the answer's: no content to decode */
	{ P_CONTENT, "fs.read", "/ws/j", "{\"encoding\":\"base64\"}", D, "-" },
};
#define NCASES	(sizeof(cases) / sizeof(cases[0]))

/* ---- the runner ---------------------------------------------------------- */

static const char *
data_dir(void)
{
	const char *d = getenv("AKSUP_TEST_DATA");

	return d != NULL && *d != '\0' ? d : "tests/data";
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f;
	char *buf;
	long n;

	ck_assert_msg((f = fopen(path, "rb")) != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	ck_assert_ptr_nonnull(buf = malloc(n + 1));
	ck_assert_int_eq(fread(buf, 1, n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static struct policy *
load(const char *text, const char **name)
{
	struct policy_err err;
	struct policy *p = NULL;
	char path[2048];
	char *buf;
	size_t len;
	int rc;

	if (text[0] == '@') {
		*name = text + 1;
		snprintf(path, sizeof(path), "%s/%s", data_dir(), text + 1);
		buf = slurp(path, &len);
		rc = policy_load_buf(buf, len, text + 1, &p, &err);
		free(buf);
	} else {
		*name = "t.yaml";
		rc = policy_load_buf(text, strlen(text), "t.yaml", &p, &err);
	}
	ck_assert_msg(rc == 0, "load: %s:%d:%d: %s", err.file, err.line,
	    err.col, err.msg);
	return p;
}

/* The line of the policy holding "# TAG" (whole tag, end of line). */
static int
tag_line(const char *text, const char *tag)
{
	char want[16];
	const char *s, *nl;
	int line = 1;

	snprintf(want, sizeof(want), "# %s\n", tag);
	s = strstr(text, want);
	ck_assert_msg(s != NULL, "no tag %s in the policy", tag);
	for (nl = text; (nl = strchr(nl, '\n')) != NULL && nl < s; nl++)
		line++;
	return line;
}

static void
run_case(size_t i, struct policy *p, const char *name)
{
	const struct pcase *c = &cases[i];
	struct policy_decision d;
	char canon[POLICY_PATH_MAX], want[320], why[200];
	const char *target = c->target;
	json_error_t jerr;
	json_t *params;
	int fill;

	params = c->params ? json_loads(c->params, JSON_ALLOW_NUL, &jerr) :
	    json_object();
	ck_assert_msg(params != NULL, "case %zu: bad params JSON", i);
	/* what the broker does: defaults, then normalize fs targets */
	fill = provider_prepare(c->action, params, why, sizeof(why));
	if (strcmp(c->rule, "!") == 0) {
		ck_assert_msg(fill < 0, "case %zu (%s %s): expected malformed",
		    i, c->action, c->target);
		json_decref(params);
		return;
	}
	ck_assert_msg(fill == 0, "case %zu: fill_defaults: %s", i, why);
	if (policy_action_is_fs(c->action)) {
		if (path_normalize(target, strlen(target), canon,
		    sizeof(canon)) == 0)
			target = canon;
		else
			target = NULL;
	}
	memset(&d, 0x5a, sizeof(d));
	if (target != NULL)
		policy_decide(p, c->action, target, params, &d);
	else {
		/* what the broker does with a target it cannot normalize */
		memset(&d, 0, sizeof(d));
		d.rule = d.root = -1;
		snprintf(d.rule_id, sizeof(d.rule_id), "default-deny");
	}
	json_decref(params);
	if (strcmp(c->rule, "-") == 0)
		snprintf(want, sizeof(want), "default-deny");
	else if (c->rule[0] == '=')
		snprintf(want, sizeof(want), "%s", c->rule + 1);
	else
		snprintf(want, sizeof(want), "%s:%d", name,
		    tag_line(c->policy, c->rule));
	ck_assert_msg(d.allow == c->allow && strcmp(d.rule_id, want) == 0,
	    "case %zu: %s %s %s: got %s by %s, want %s by %s", i, c->action,
	    c->target, c->params ? c->params : "{}",
	    d.allow ? "ALLOW" : "DENY", d.rule_id,
	    c->allow ? "ALLOW" : "DENY", want);
	/* invariants of every decision */
	if (d.allow) {
		ck_assert_int_ge(d.rule, 0);
		ck_assert(!d.by_deny_rule);
	} else
		ck_assert(d.rule == -1 || d.by_deny_rule);
	if (d.allow && policy_action_is_fs(c->action))
		ck_assert_int_ge(d.root, 0);
}

START_TEST(test_case)
{
	const char *name;
	struct policy *p = load(cases[_i].policy, &name);

	run_case((size_t)_i, p, name);
	policy_free(p);
}
END_TEST

START_TEST(test_case_count)
{
	ck_assert_int_ge(NCASES, 200);
}
END_TEST

/* ---- load errors, with line and column ----------------------------------- */

struct lcase {
	const char *yaml;
	int line, col;
	const char *msg;
};

#define RULE(x)	"capabilities:\n  - " x "\n"
#define CRED(x)	"capabilities: []\ncredentials: " x "\n"
#define MCP(x)	"capabilities: []\nmcp_servers: " x "\n"
#define MS(x)	"mcp server \"a\": " x
static const struct lcase lcases[] = {
	{ RULE("{action: net.http, resource: 'ftp://x/**'}"), 2, 34,
	  "rule 1: URL \"ftp://x/**\": must start with http:// or https://" },
	{ RULE("{action: net.http, resource: 'https://u@x/**'}"), 2, 34,
	  "rule 1: URL \"https://u@x/**\": must not contain userinfo (user@)" },
	{ RULE("{action: net.http, resource: 'https://a*.x.com/'}"), 2, 34,
	  "rule 1: URL \"https://a*.x.com/\": host wildcards are only \"**\" and a leftmost \"*.\"" },
	{ RULE("{action: net.http, resource: 'https://*.*.x.com/'}"), 2, 34,
	  "rule 1: URL \"https://*.*.x.com/\": bad host after \"*.\"" },
	{ RULE("{action: net.http, resource: 'https://x.com:0/'}"), 2, 34,
	  "rule 1: URL \"https://x.com:0/\": bad port (a number 1-65535 or *)" },
	{ RULE("{action: net.http, resource: 'https://x.com:99999/'}"), 2, 34,
	  "rule 1: URL \"https://x.com:99999/\": bad port (a number 1-65535 or *)" },
	{ RULE("{action: net.http, resource: 'https://x.com/a**'}"), 2, 34,
	  "rule 1: URL \"https://x.com/a**\": \"**\" must be a whole path segment" },
	{ RULE("{action: net.http, resource: 'https://x.com/../a'}"), 2, 34,
	  "rule 1: URL \"https://x.com/../a\": path must not contain \".\", \"..\" or '%'" },
	{ RULE("{action: net.http, resource: 'https://x.com/%2f'}"), 2, 34,
	  "rule 1: URL \"https://x.com/%2f\": path must not contain \".\", \"..\" or '%'" },
	{ RULE("{action: net.http, resource: 'https://x.com/[a'}"), 2, 34,
	  "rule 1: URL \"https://x.com/[a\": bad character class or escape in the path" },
	{ RULE("{action: net.http, resource: 'https://x y/'}"), 2, 34,
	  "rule 1: URL \"https://x y/\": bad host" },
	{ RULE("{action: fs.read, resource: '/a/[bc'}"), 2, 33,
	  "rule 1: unclosed \"[\" class or trailing \"\\\" in \"resource\"" },
	{ RULE("{action: proc.exec, resource: 'git*'}"), 2, 35,
	  "rule 1: a program is an absolute path or a bare name, without glob characters (or \"*\" for any)" },
	{ RULE("{action: proc.exec, resource: bin/git}"), 2, 35,
	  "rule 1: a program is an absolute path or a bare name (no '/')" },
	{ RULE("{action: proc.exec, resource: /usr/../bin/sh}"), 2, 35,
	  "rule 1: bad program path" },
	{ RULE("{action: proc.exec, resource: git, args_max: 3}"), 2, 50,
	  "rule 1: \"args_max\" needs \"args\" (without it no argument is allowed)" },
	{ RULE("{action: proc.exec, resource: git, args: [a], args_max: -1}"), 2, 61,
	  "rule 1: \"args_max\" must be a non-negative integer" },
	{ RULE("{action: proc.exec, resource: git, args: status}"), 2, 46,
	  "rule 1: \"args\" is a list, or one of {exact: [...]}, {prefix: [...]}, {glob: [...]}" },
	{ RULE("{action: proc.exec, resource: git, args: {suffix: [a]}}"), 2, 47,
	  "rule 1: unknown \"args\" form \"suffix\" (exact, prefix, glob)" },
	{ RULE("{action: proc.exec, resource: git, args: [[a]]}"), 2, 47,
	  "rule 1: \"args\" must be a list of strings" },
	{ RULE("{action: proc.exec, resource: git, args: {glob: ['[a']}}"), 2, 54,
	  "rule 1: unclosed \"[\" class or trailing \"\\\" in an argument glob" },
	{ RULE("{action: fs.read, resource: /a, args: [x]}"), 2, 43,
	  "rule 1: \"args\" is only for proc.exec" },
	{ RULE("{action: mcp.call, resource: server}"), 2, 34,
	  "rule 1: MCP resource is \"server/tool\" (or \"**\")" },
	{ RULE("{action: mcp.call, resource: /tool}"), 2, 34,
	  "rule 1: MCP resource is \"server/tool\" (a part is empty)" },
	{ RULE("{action: mcp.call, resource: 's/a**'}"), 2, 34,
	  "rule 1: \"**\" must be a whole server or tool name" },
	{ RULE("{action: llm.chat, resource: m, constraint: {k: {between: 1}}}"), 2, 54,
	  "rule 1: unknown constraint operator \"between\" (equals, one_of, min, max, glob, regex, max_length, max_size, absent)" },
	{ RULE("{action: llm.chat, resource: m, constraint: {k: {one_of: []}}}"), 2, 62,
	  "rule 1: \"one_of\" must be a non-empty list of scalars" },
	{ RULE("{action: llm.chat, resource: m, constraint: {k: {one_of: [[a]]}}}"), 2, 63,
	  "rule 1: \"one_of\" must be a non-empty list of scalars" },
	{ RULE("{action: llm.chat, resource: m, constraint: {k: {min: x}}}"), 2, 59,
	  "rule 1: \"min\" must be a number" },
	{ RULE("{action: llm.chat, resource: m, constraint: {k: {max: '5'}}}"), 2, 59,
	  "rule 1: \"max\" must be a number" },
	{ RULE("{action: llm.chat, resource: m, constraint: {k: {glob: 5}}}"), 2, 60,
	  "rule 1: \"glob\" must be a string" },
	{ RULE("{action: llm.chat, resource: m, constraint: {k: {regex: 'a('}}}"), 2, 61,
	  "rule 1: bad regex: Unmatched ( or \\(" },
	{ RULE("{action: llm.chat, resource: m, constraint: {k: {max_length: 1.5}}}"), 2, 66,
	  "rule 1: \"max_length\" must be a non-negative integer" },
	{ RULE("{action: llm.chat, resource: m, constraint: {k: {max_size: -1}}}"), 2, 64,
	  "rule 1: \"max_size\" must be a non-negative integer" },
	{ RULE("{action: llm.chat, resource: m, constraint: {k: {absent: false}}}"), 2, 62,
	  "rule 1: \"absent\" must be true" },
	{ RULE("{action: llm.chat, resource: m, constraint: {k: {absent: true, min: 1}}}"), 2, 54,
	  "rule 1: \"absent\" cannot be combined with other operators" },
	{ RULE("{action: llm.chat, resource: m, constraint: {k: {}}}"), 2, 53,
	  "rule 1: constraint \"k\" has no operator" },
	{ RULE("{action: llm.chat, resource: m, examples: [a]}"), 2, 47,
	  "rule 1: \"examples\" must be a mapping {allow: [...], deny: [...]}" },
	{ RULE("{action: llm.chat, resource: m, examples: {maybe: [a]}}"), 2, 48,
	  "rule 1: unknown key \"maybe\" in \"examples\" (allow, deny)" },
	{ RULE("{action: llm.chat, resource: m, examples: {allow: [{params: {}}]}}"), 2, 56,
	  "rule 1: example without \"target\"" },
	{ RULE("{action: llm.chat, resource: m, examples: {allow: [{target: m, x: 1}]}}"), 2, 68,
	  "rule 1: unknown key \"x\" in an example (target, params)" },
	{ RULE("{action: llm.chat, resource: m, examples: {allow: [{target: m, params: [1]}]}}"), 2, 76,
	  "rule 1: example \"params\" must be a mapping" },
	/* proc.exec env, network, timeout_max (tests/data/bad-env-*,
	 * bad-network-*, bad-timeout-* hold the others) */
	{ RULE("{action: net.http, resource: 'https://x.com/', network: true}"), 2, 61,
	  "rule 1: \"network\" is only for proc.exec" },
	{ RULE("{action: llm.chat, resource: m, timeout_max: 5}"), 2, 50,
	  "rule 1: \"timeout_max\" is only for proc.exec and net.http" },
	{ RULE("{action: mcp.call, resource: s/t, env: []}"), 2, 44,
	  "rule 1: \"env\" is only for proc.exec" },
	{ "capabilities: []\ndeny:\n  - {action: fs.read, resource: /a, env: [A]}\n", 3, 42,
	  "deny rule 1: \"env\" is only for proc.exec" },
	{ RULE("{action: proc.exec, resource: git, env: GIT_DIR}"), 2, 45,
	  "rule 1: \"env\" must be a list of variable names" },
	{ RULE("{action: proc.exec, resource: git, env: {GIT_DIR: x}}"), 2, 45,
	  "rule 1: \"env\" must be a list of variable names" },
	{ RULE("{action: proc.exec, resource: git, env: [[A]]}"), 2, 46,
	  "rule 1: \"env\" must be a list of variable names" },
	{ RULE("{action: proc.exec, resource: git, env: [NULL]}"), 2, 46,
	  "rule 1: env name NULL is read as null: write \"NULL\"" },
	{ RULE("{action: proc.exec, resource: git, env: [A, True]}"), 2, 49,
	  "rule 1: env name True is read as a boolean: write \"True\"" },
	{ RULE("{action: proc.exec, resource: git, env: [A, 'B C']}"), 2, 49,
	  "rule 1: env name \"B C\" is not a variable name ([A-Za-z_][A-Za-z0-9_]*)" },
	{ RULE("{action: proc.exec, resource: git, env: [A, \xc3\x89]}"), 2, 49,
	  "rule 1: env name \"??\" is not a variable name ([A-Za-z_][A-Za-z0-9_]*)" },
	{ RULE("{action: proc.exec, resource: git, env: [A, 'B=C']}"), 2, 49,
	  "rule 1: env name \"B=C\" is not a variable name ([A-Za-z_][A-Za-z0-9_]*)" },
	{ RULE("{action: proc.exec, resource: git, network: 1}"), 2, 49,
	  "rule 1: \"network\" must be true or false" },
	{ RULE("{action: proc.exec, resource: git, network: yes}"), 2, 49,
	  "rule 1: \"network\" must be true or false" },
	{ RULE("{action: proc.exec, resource: git, network: [true]}"), 2, 49,
	  "rule 1: \"network\" must be true or false" },
	{ RULE("{action: proc.exec, resource: git, timeout_max: -5}"), 2, 53,
	  "rule 1: \"timeout_max\" must be a whole number of seconds from 1 to 3600" },
	{ RULE("{action: proc.exec, resource: git, timeout_max: '60'}"), 2, 53,
	  "rule 1: \"timeout_max\" must be a whole number of seconds from 1 to 3600" },
	{ RULE("{action: proc.exec, resource: git, timeout_max: 99999999999999999999}"), 2, 53,
	  "rule 1: \"timeout_max\" must be a whole number of seconds from 1 to 3600" },
	{ RULE("{action: proc.exec, resource: git, timeout_max: 0x1000}"), 2, 53,
	  "rule 1: \"timeout_max\" must be a whole number of seconds from 1 to 3600" },
	{ RULE("{action: proc.exec, resource: git, network: true, network: false}"), 2, 55,
	  "rule 1: duplicate key \"network\"" },
	/* fs.write and fs.delete: snapshot, snapshot_ttl */
	{ RULE("{action: fs.read, resource: /a, snapshot: false}"), 2, 47,
	  "rule 1: \"snapshot\" is only for fs.write, fs.delete (false) and proc.exec (tree)" },
	{ RULE("{action: fs.write, resource: /a, snapshot: no}"), 2, 48,
	  "rule 1: \"snapshot\" must be true or false" },
	{ RULE("{action: fs.write, resource: /a, snapshot: [false]}"), 2, 48,
	  "rule 1: \"snapshot\" must be true or false" },
	{ RULE("{action: fs.delete, resource: /a, snapshot_ttl: 0}"), 2, 53,
	  "rule 1: \"snapshot_ttl\" must be a whole number of seconds from 1 to 3153600000" },
	{ RULE("{action: fs.write, resource: /a, snapshot_ttl: 3153600001}"), 2, 52,
	  "rule 1: \"snapshot_ttl\" must be a whole number of seconds from 1 to 3153600000" },
	{ RULE("{action: fs.write, resource: /a, snapshot_ttl: '60'}"), 2, 52,
	  "rule 1: \"snapshot_ttl\" must be a whole number of seconds from 1 to 3153600000" },
	{ RULE("{action: fs.write, resource: /a, snapshot: false, snapshot_ttl: 60}"), 2, 69,
	  "rule 1: \"snapshot_ttl\" with \"snapshot: false\": there is no snapshot to keep" },
	{ RULE("{action: proc.exec, resource: git, snapshot_ttl: 60}"), 2, 54,
	  "rule 1: \"snapshot_ttl\" on proc.exec needs \"snapshot: tree\": there is no snapshot to keep" },
	/* proc.exec: snapshot: tree (or false) */
	{ RULE("{action: proc.exec, resource: git, snapshot: true}"), 2, 50,
	  "rule 1: \"snapshot\" on proc.exec must be tree (the writable roots, before the command runs) or false" },
	{ RULE("{action: proc.exec, resource: git, snapshot: Tree}"), 2, 50,
	  "rule 1: \"snapshot\" on proc.exec must be tree (the writable roots, before the command runs) or false" },
	{ RULE("{action: proc.exec, resource: git, snapshot: [tree]}"), 2, 50,
	  "rule 1: \"snapshot\" on proc.exec must be tree (the writable roots, before the command runs) or false" },
	{ "capabilities: []\ndeny:\n  - {action: proc.exec, resource: git, snapshot: tree}\n", 3, 50,
	  "deny rule 1: \"snapshot\" is only for allow rules (a denied command never runs)" },
	{ RULE("{action: net.http, resource: 'https://a/**', snapshot_ttl: 60}"), 2, 64,
	  "rule 1: \"snapshot_ttl\" is only for fs.write, fs.delete and proc.exec" },
	/* net.http timeout_max, follow_redirects, max_bytes (tests/data/
	 * bad-follow-*, bad-max-bytes-*, bad-http-timeout-* hold others) */
	{ RULE("{action: fs.read, resource: /a, timeout_max: 5}"), 2, 50,
	  "rule 1: \"timeout_max\" is only for proc.exec and net.http" },
	{ RULE("{action: net.http, resource: 'https://x.com/', timeout_max: 0}"), 2, 65,
	  "rule 1: \"timeout_max\" must be a whole number of seconds from 1 to 3600" },
	{ RULE("{action: net.http, resource: 'https://x.com/', timeout_max: '30'}"), 2, 65,
	  "rule 1: \"timeout_max\" must be a whole number of seconds from 1 to 3600" },
	{ RULE("{action: net.http, resource: 'https://x.com/', timeout_max: 2.5}"), 2, 65,
	  "rule 1: \"timeout_max\" must be a whole number of seconds from 1 to 3600" },
	{ RULE("{action: llm.chat, resource: m, follow_redirects: 1}"), 2, 55,
	  "rule 1: \"follow_redirects\" is only for net.http" },
	{ "capabilities: []\ndeny:\n  - {action: mcp.call, resource: s/t, max_bytes: 5}\n", 3, 50,
	  "deny rule 1: \"max_bytes\" is only for net.http" },
	{ RULE("{action: proc.exec, resource: curl, max_bytes: 5}"), 2, 52,
	  "rule 1: \"max_bytes\" is only for net.http" },
	{ RULE("{action: net.http, resource: 'https://x.com/', follow_redirects: -1}"), 2, 70,
	  "rule 1: \"follow_redirects\" must be a whole number of redirects from 0 to 20" },
	{ RULE("{action: net.http, resource: 'https://x.com/', follow_redirects: true}"), 2, 70,
	  "rule 1: \"follow_redirects\" must be a whole number of redirects from 0 to 20" },
	{ RULE("{action: net.http, resource: 'https://x.com/', follow_redirects: '3'}"), 2, 70,
	  "rule 1: \"follow_redirects\" must be a whole number of redirects from 0 to 20" },
	{ RULE("{action: net.http, resource: 'https://x.com/', follow_redirects: [3]}"), 2, 70,
	  "rule 1: \"follow_redirects\" must be a whole number of redirects from 0 to 20" },
	{ RULE("{action: net.http, resource: 'https://x.com/', max_bytes: 16777217}"), 2, 63,
	  "rule 1: \"max_bytes\" must be a whole number of bytes from 1 to 16777216" },
	{ RULE("{action: net.http, resource: 'https://x.com/', max_bytes: -1}"), 2, 63,
	  "rule 1: \"max_bytes\" must be a whole number of bytes from 1 to 16777216" },
	{ RULE("{action: net.http, resource: 'https://x.com/', max_bytes: 1e6}"), 2, 63,
	  "rule 1: \"max_bytes\" must be a whole number of bytes from 1 to 16777216" },
	{ RULE("{action: net.http, resource: 'https://x.com/', max_bytes: ~}"), 2, 63,
	  "rule 1: \"max_bytes\" must be a whole number of bytes from 1 to 16777216" },
	{ RULE("{action: net.http, resource: 'https://x.com/', max_bytes: 99999999999999999999}"), 2, 63,
	  "rule 1: \"max_bytes\" must be a whole number of bytes from 1 to 16777216" },
	{ RULE("{action: net.http, resource: 'https://x.com/', network: true}"), 2, 61,
	  "rule 1: \"network\" is only for proc.exec" },
	{ RULE("{action: net.http, resource: 'https://x.com/', follow_redirect: 3}"), 2, 52,
	  "rule 1: unknown key \"follow_redirect\"" },
	/* credentials: (tests/data/bad-cred-* hold others) */
	{ CRED("x"), 2, 14, "\"credentials\" must be a sequence" },
	{ CRED("~"), 2, 14, "\"credentials\" must be a sequence" },
	{ CRED("[[]]"), 2, 15,
	  "credential 1: must be a mapping {resource: URL, headers: {NAME: VALUE}}" },
	{ CRED("[{resource: 'https://x.com/'}]"), 2, 15,
	  "credential 1: missing field \"headers\"" },
	{ CRED("[{headers: {X-A: b}}]"), 2, 15,
	  "credential 1: missing field \"resource\"" },
	{ CRED("[{resource: 'https://x.com/', headers: {X-A: b}, resource: 'https://y.com/'}]"), 2, 63,
	  "credential 1: duplicate key \"resource\"" },
	{ CRED("[{resource: 'https://x.com/', headers: {X-A: b}, examples: {}}]"), 2, 63,
	  "credential 1: unknown key \"examples\" (resource, headers)" },
	{ CRED("[{resource: 'https://**', headers: {X-A: b}}]"), 2, 26,
	  "credential 1: URL \"https://**\": a credential goes only to hosts it names: name the host (or *.domain), not **" },
	{ CRED("[{resource: 'https://**:*/v1/**', headers: {X-A: b}}]"), 2, 26,
	  "credential 1: URL \"https://**:*/v1/**\": a credential goes only to hosts it names: name the host (or *.domain), not **" },
	{ CRED("[{resource: [a], headers: {X-A: b}}]"), 2, 26,
	  "credential 1: \"resource\" must be a string" },
	{ CRED("[{resource: 443, headers: {X-A: b}}]"), 2, 26,
	  "credential 1: \"resource\" must be a string" },
	{ CRED("[{resource: ~, headers: {X-A: b}}]"), 2, 26,
	  "credential 1: \"resource\" must be a string" },
	{ CRED("[{resource: '', headers: {X-A: b}}]"), 2, 26,
	  "credential 1: \"resource\" must not be empty" },
	{ CRED("[{resource: '/workspace/**', headers: {X-A: b}}]"), 2, 26,
	  "credential 1: URL \"/workspace/**\": must start with http:// or https://" },
	{ CRED("[{resource: 'https://a.*.com/', headers: {X-A: b}}]"), 2, 26,
	  "credential 1: URL \"https://a.*.com/\": host wildcards are only \"**\" and a leftmost \"*.\"" },
	{ CRED("[{resource: 'https://x.com/', headers: [X-A]}]"), 2, 53,
	  "credential 1: \"headers\" must be a mapping {NAME: VALUE}" },
	{ CRED("[{resource: 'https://x.com/', headers: {}}]"), 2, 53,
	  "credential 1: \"headers\" is empty" },
	{ CRED("[{resource: 'https://x.com/', headers: {'X:A': b}}]"), 2, 54,
	  "credential 1: header name \"X:A\" is not an HTTP token (letters, digits, !#$%&'*+-.^_`|~)" },
	{ CRED("[{resource: 'https://x.com/', headers: {'': b}}]"), 2, 54,
	  "credential 1: header name \"\" is not an HTTP token (letters, digits, !#$%&'*+-.^_`|~)" },
	{ CRED("[{resource: 'https://x.com/', headers: {'X\u00e9': b}}]"), 2, 54,
	  "credential 1: header name \"X??\" is not an HTTP token (letters, digits, !#$%&'*+-.^_`|~)" },
	{ CRED("[{resource: 'https://x.com/', headers: {1: b}}]"), 2, 54,
	  "credential 1: keys must be strings" },
	{ CRED("[{resource: 'https://x.com/', headers: {X-A: b, x-a: c}}]"), 2, 62,
	  "credential 1: header \"x-a\" is listed twice (names are case-insensitive)" },
	{ CRED("[{resource: 'https://x.com/', headers: {Content-Length: '0'}}]"), 2, 54,
	  "credential 1: header \"Content-Length\" cannot be set by a credential (Host, Content-Length, Transfer-Encoding, Connection, Upgrade, TE, Trailer, Keep-Alive, Proxy-*)" },
	{ CRED("[{resource: 'https://x.com/', headers: {TRANSFER-ENCODING: chunked}}]"), 2, 54,
	  "credential 1: header \"TRANSFER-ENCODING\" cannot be set by a credential (Host, Content-Length, Transfer-Encoding, Connection, Upgrade, TE, Trailer, Keep-Alive, Proxy-*)" },
	{ CRED("[{resource: 'https://x.com/', headers: {Connection: close}}]"), 2, 54,
	  "credential 1: header \"Connection\" cannot be set by a credential (Host, Content-Length, Transfer-Encoding, Connection, Upgrade, TE, Trailer, Keep-Alive, Proxy-*)" },
	{ CRED("[{resource: 'https://x.com/', headers: {upgrade: h2c}}]"), 2, 54,
	  "credential 1: header \"upgrade\" cannot be set by a credential (Host, Content-Length, Transfer-Encoding, Connection, Upgrade, TE, Trailer, Keep-Alive, Proxy-*)" },
	{ CRED("[{resource: 'https://x.com/', headers: {te: trailers}}]"), 2, 54,
	  "credential 1: header \"te\" cannot be set by a credential (Host, Content-Length, Transfer-Encoding, Connection, Upgrade, TE, Trailer, Keep-Alive, Proxy-*)" },
	{ CRED("[{resource: 'https://x.com/', headers: {Trailer: x}}]"), 2, 54,
	  "credential 1: header \"Trailer\" cannot be set by a credential (Host, Content-Length, Transfer-Encoding, Connection, Upgrade, TE, Trailer, Keep-Alive, Proxy-*)" },
	{ CRED("[{resource: 'https://x.com/', headers: {Keep-Alive: x}}]"), 2, 54,
	  "credential 1: header \"Keep-Alive\" cannot be set by a credential (Host, Content-Length, Transfer-Encoding, Connection, Upgrade, TE, Trailer, Keep-Alive, Proxy-*)" },
	{ CRED("[{resource: 'https://x.com/', headers: {proxy-connection: x}}]"), 2, 54,
	  "credential 1: header \"proxy-connection\" cannot be set by a credential (Host, Content-Length, Transfer-Encoding, Connection, Upgrade, TE, Trailer, Keep-Alive, Proxy-*)" },
	{ CRED("[{resource: 'https://x.com/', headers: {HOST: x}}]"), 2, 54,
	  "credential 1: header \"HOST\" cannot be set by a credential (Host, Content-Length, Transfer-Encoding, Connection, Upgrade, TE, Trailer, Keep-Alive, Proxy-*)" },
	{ CRED("[{resource: 'https://x.com/', headers: {X-A: 5}}]"), 2, 59,
	  "credential 1: header \"X-A\": the value must be a string" },
	{ CRED("[{resource: 'https://x.com/', headers: {X-A: }}]"), 2, 59,
	  "credential 1: header \"X-A\": the value must be a string" },
	{ CRED("[{resource: 'https://x.com/', headers: {X-A: [a]}}]"), 2, 59,
	  "credential 1: header \"X-A\": the value must be a string" },
	{ CRED("[{resource: 'https://x.com/', headers: {X-A: \"a\\nb\"}}]"), 2, 59,
	  "credential 1: header \"X-A\": the value holds CR, LF, NUL or another control character" },
	{ CRED("[{resource: 'https://x.com/', headers: {X-A: \"a\\rb\"}}]"), 2, 59,
	  "credential 1: header \"X-A\": the value holds CR, LF, NUL or another control character" },
	{ CRED("[{resource: 'https://x.com/', headers: {X-A: \"a\\0b\"}}]"), 2, 59,
	  "credential 1: header \"X-A\": the value holds CR, LF, NUL or another control character" },
	{ CRED("[{resource: 'https://x.com/', headers: {X-A: \"a\\eb\"}}]"), 2, 59,
	  "credential 1: header \"X-A\": the value holds CR, LF, NUL or another control character" },
	{ CRED("[{resource: 'https://x.com/', headers: {X-A: \"a\\x7fb\"}}]"), 2, 59,
	  "credential 1: header \"X-A\": the value holds CR, LF, NUL or another control character" },
	{ CRED("[{resource: 'https://x.com/', headers: {X-A: 'Bearer $'}}]"), 2, 59,
	  "credential 1: header \"X-A\": a \"$\" must start ${NAME} or ${file:/path}, or be doubled ($$)" },
	{ CRED("[{resource: 'https://x.com/', headers: {X-A: '$$$X'}}]"), 2, 59,
	  "credential 1: header \"X-A\": a \"$\" must start ${NAME} or ${file:/path}, or be doubled ($$)" },
	{ CRED("[{resource: 'https://x.com/', headers: {X-A: '$(TOKEN)'}}]"), 2, 59,
	  "credential 1: header \"X-A\": a \"$\" must start ${NAME} or ${file:/path}, or be doubled ($$)" },
	{ CRED("[{resource: 'https://x.com/', headers: {X-A: 'a ${TOKEN'}}]"), 2, 59,
	  "credential 1: header \"X-A\": \"${\" without its \"}\"" },
	{ CRED("[{resource: 'https://x.com/', headers: {X-A: '${1X}'}}]"), 2, 59,
	  "credential 1: header \"X-A\": \"${1X}\" is not ${NAME} ([A-Z_][A-Z0-9_]*, at most 64 bytes) or ${file:/path}" },
	{ CRED("[{resource: 'https://x.com/', headers: {X-A: '${A-B}'}}]"), 2, 59,
	  "credential 1: header \"X-A\": \"${A-B}\" is not ${NAME} ([A-Z_][A-Z0-9_]*, at most 64 bytes) or ${file:/path}" },
	{ CRED("[{resource: 'https://x.com/', headers: {X-A: '${env:A}'}}]"), 2, 59,
	  "credential 1: header \"X-A\": \"${env:A}\" is not ${NAME} ([A-Z_][A-Z0-9_]*, at most 64 bytes) or ${file:/path}" },
	{ CRED("[{resource: 'https://x.com/', headers: {X-A: '${ A}'}}]"), 2, 59,
	  "credential 1: header \"X-A\": \"${ A}\" is not ${NAME} ([A-Z_][A-Z0-9_]*, at most 64 bytes) or ${file:/path}" },
	{ CRED("[{resource: 'https://x.com/', headers: {X-A: '${file:}'}}]"), 2, 59,
	  "credential 1: header \"X-A\": \"${file:}\" does not name an absolute, normalized path" },
	{ CRED("[{resource: 'https://x.com/', headers: {X-A: '${file:/}'}}]"), 2, 59,
	  "credential 1: header \"X-A\": \"${file:/}\" does not name an absolute, normalized path" },
	{ CRED("[{resource: 'https://x.com/', headers: {X-A: '${file:/a/../etc/k}'}}]"), 2, 59,
	  "credential 1: header \"X-A\": \"${file:/a/../etc/k}\" does not name an absolute, normalized path" },
	{ CRED("[{resource: 'https://x.com/', headers: {X-A: '${file:/a//k}'}}]"), 2, 59,
	  "credential 1: header \"X-A\": \"${file:/a//k}\" does not name an absolute, normalized path" },
	{ CRED("[{resource: 'https://x.com/', headers: {X-A: '${file:/a/k/}'}}]"), 2, 59,
	  "credential 1: header \"X-A\": \"${file:/a/k/}\" does not name an absolute, normalized path" },
	{ CRED("[{resource: 'https://x.com/', headers: {X-A: '${FILE:/a/k}'}}]"), 2, 59,
	  "credential 1: header \"X-A\": \"${FILE:/a/k}\" is not ${NAME} ([A-Z_][A-Z0-9_]*, at most 64 bytes) or ${file:/path}" },
	{ CRED("[{resource: 'https://x.com/', headers: {X-A: ok}}, {resource: 'https://y.com/', headers: {X-B: '${b}'}}]"), 2, 109,
	  "credential 2: header \"X-B\": \"${b}\" is not ${NAME} ([A-Z_][A-Z0-9_]*, at most 64 bytes) or ${file:/path}" },
	/* the credentials load after the rules: a rule's error comes first */
	{ "credentials: [x]\ncapabilities: [{action: fs.read, resource: rel}]\n", 2, 44,
	  "rule 1: \"resource\" must be an absolute path for fs.read" },
	{ "capabilities: []\ndeny:\n  - {action: fs.read, resource: rel}\n", 3, 33,
	  "deny rule 1: \"resource\" must be an absolute path for fs.read" },
	{ "capabilities: []\ndeny: {}\n", 2, 7, "\"deny\" must be a sequence" },
	/* mcp_servers (POLICY.md section 14) */
	{ MCP("x"), 2, 14,
	  "\"mcp_servers\" must be a mapping {NAME: {command: [...], ...}}" },
	{ MCP("[{a: {command: [a]}}]"), 2, 14,
	  "\"mcp_servers\" must be a mapping {NAME: {command: [...], ...}}" },
	{ MCP("~"), 2, 14,
	  "\"mcp_servers\" must be a mapping {NAME: {command: [...], ...}}" },
	{ MCP("{Files: {command: [a]}}"), 2, 15,
	  "mcp server name \"Files\" is not [a-z0-9][a-z0-9_-]* of at most 64 bytes" },
	{ MCP("{a/b: {command: [a]}}"), 2, 15,
	  "mcp server name \"a/b\" is not [a-z0-9][a-z0-9_-]* of at most 64 bytes" },
	{ MCP("{_a: {command: [a]}}"), 2, 15,
	  "mcp server name \"_a\" is not [a-z0-9][a-z0-9_-]* of at most 64 bytes" },
	{ MCP("{-a: {command: [a]}}"), 2, 15,
	  "mcp server name \"-a\" is not [a-z0-9][a-z0-9_-]* of at most 64 bytes" },
	{ MCP("{'': {command: [a]}}"), 2, 15,
	  "mcp server name \"\" is not [a-z0-9][a-z0-9_-]* of at most 64 bytes" },
	{ MCP("{a*: {command: [a]}}"), 2, 15,
	  "mcp server name \"a*\" is not [a-z0-9][a-z0-9_-]* of at most 64 bytes" },
	{ MCP("{a.b: {command: [a]}}"), 2, 15,
	  "mcp server name \"a.b\" is not [a-z0-9][a-z0-9_-]* of at most 64 bytes" },
	{ MCP("{1: {command: [a]}}"), 2, 15, "keys must be strings" },
	{ MCP("{a: {command: [a]}, a: {command: [b]}}"), 2, 34,
	  "duplicate key \"a\"" },
	{ MCP("{a: x}"), 2, 18, MS("must be a mapping {command: [...], ro: [...], "
	  "roots: [...], env: {...}, network: false, timeout: 30}") },
	{ MCP("{a: [node]}"), 2, 18, MS("must be a mapping {command: [...], ro: "
	  "[...], roots: [...], env: {...}, network: false, timeout: 30}") },
	{ MCP("{a: {}}"), 2, 18, MS("missing field \"command\"") },
	{ MCP("{a: {command: [a], cwd: /}}"), 2, 33,
	  MS("unknown key \"cwd\" (command, ro, roots, env, network, timeout)") },
	{ MCP("{a: {command: [a], args: [b]}}"), 2, 33,
	  MS("unknown key \"args\" (command, ro, roots, env, network, timeout)") },
	{ MCP("{a: {command: [a], command: [b]}}"), 2, 33,
	  MS("duplicate key \"command\"") },
	{ MCP("{a: {command: node}}"), 2, 28,
	  MS("\"command\" must be a non-empty list of strings") },
	{ MCP("{a: {command: []}}"), 2, 28,
	  MS("\"command\" must be a non-empty list of strings") },
	{ MCP("{a: {command: [[a]]}}"), 2, 29,
	  MS("\"command\" must be a non-empty list of strings") },
	{ MCP("{a: {command: [a, {b: c}]}}"), 2, 32,
	  MS("\"command\" must be a non-empty list of strings") },
	{ MCP("{a: {command: [a, \"b\\0c\"]}}"), 2, 32,
	  MS("\"command\" must be a non-empty list of strings") },
	{ MCP("{a: {command: [bin/node]}}"), 2, 29, MS("\"command\": program "
	  "\"bin/node\": a program is an absolute path or a bare name") },
	{ MCP("{a: {command: ['..']}}"), 2, 29, MS("\"command\": program "
	  "\"..\": a program is an absolute path or a bare name") },
	{ MCP("{a: {command: ['/usr/bin/../node']}}"), 2, 29, MS("\"command\": "
	  "program \"/usr/bin/../node\": program path is not normalized") },
	{ MCP("{a: {command: ['/usr//bin/node']}}"), 2, 29, MS("\"command\": "
	  "program \"/usr//bin/node\": program path is not normalized") },
	{ MCP("{a: {command: ['/usr/bin/']}}"), 2, 29, MS("\"command\": "
	  "program \"/usr/bin/\": program path is not normalized") },
	{ MCP("{a: {command: [/]}}"), 2, 29, MS("\"command\": "
	  "program \"/\": program path is not normalized") },
	{ MCP("{a: {command: ['']}}"), 2, 29, MS("\"command\": "
	  "program \"\": program is empty or too long") },
	{ MCP("{a: {command: [\"no\\tde\"]}}"), 2, 29, MS("\"command\": "
	  "program \"no?de\": control character in the program name") },
	{ MCP("{a: {command: [a], ro: /x}}"), 2, 37,
	  MS("\"ro\" must be a list of absolute paths") },
	{ MCP("{a: {command: [a], ro: [x]}}"), 2, 38,
	  MS("\"ro\": \"x\" is not an absolute, normalized path") },
	{ MCP("{a: {command: [a], ro: [/a/../b]}}"), 2, 38,
	  MS("\"ro\": \"/a/../b\" is not an absolute, normalized path") },
	{ MCP("{a: {command: [a], ro: [/a/]}}"), 2, 38,
	  MS("\"ro\": \"/a/\" is not an absolute, normalized path") },
	{ MCP("{a: {command: [a], ro: [//a]}}"), 2, 38,
	  MS("\"ro\": \"//a\" is not an absolute, normalized path") },
	{ MCP("{a: {command: [a], ro: [5]}}"), 2, 38,
	  MS("\"ro\" must be a list of absolute paths") },
	{ MCP("{a: {command: [a], ro: [~]}}"), 2, 38,
	  MS("\"ro\" must be a list of absolute paths") },
	{ MCP("{a: {command: [a], ro: [[/a]]}}"), 2, 38,
	  MS("\"ro\" must be a list of absolute paths") },
	{ MCP("{a: {command: [a], ro: [/]}}"), 2, 38,
	  MS("\"ro\": \"/\" is the whole filesystem: name the directories") },
	{ MCP("{a: {command: [a], roots: [/x, /]}}"), 2, 45,
	  MS("\"roots\": \"/\" is the whole filesystem: name the directories") },
	{ MCP("{a: {command: [a], roots: {/x: 1}}}"), 2, 40,
	  MS("\"roots\" must be a list of absolute paths") },
	{ MCP("{a: {command: [a], roots: [/x, /x]}}"), 2, 45,
	  MS("\"roots\": \"/x\" is listed twice (in \"ro\" and \"roots\" together)") },
	{ MCP("{a: {command: [a], ro: [/x], roots: [/x]}}"), 2, 51,
	  MS("\"roots\": \"/x\" is listed twice (in \"ro\" and \"roots\" together)") },
	/* "ro" loads first, whatever the order in the file */
	{ MCP("{a: {command: [a], roots: [/x], ro: [/x]}}"), 2, 41,
	  MS("\"roots\": \"/x\" is listed twice (in \"ro\" and \"roots\" together)") },
	{ MCP("{a: {command: [a], env: [A]}}"), 2, 38,
	  MS("\"env\" must be a mapping {NAME: VALUE}") },
	{ MCP("{a: {command: [a], env: A=1}}"), 2, 38,
	  MS("\"env\" must be a mapping {NAME: VALUE}") },
	{ MCP("{a: {command: [a], env: {A-B: x}}}"), 2, 39,
	  MS("env name \"A-B\" is not a variable name ([A-Za-z_][A-Za-z0-9_]*)") },
	{ MCP("{a: {command: [a], env: {1X: x}}}"), 2, 39,
	  MS("env name \"1X\" is not a variable name ([A-Za-z_][A-Za-z0-9_]*)") },
	{ MCP("{a: {command: [a], env: {'': x}}}"), 2, 39,
	  MS("env name \"\" is not a variable name ([A-Za-z_][A-Za-z0-9_]*)") },
	{ MCP("{a: {command: [a], env: {1: x}}}"), 2, 39, MS("keys must be strings") },
	{ MCP("{a: {command: [a], env: {TRUE: x}}}"), 2, 39, MS("keys must be strings") },
	{ MCP("{a: {command: [a], env: {A: x, A: y}}}"), 2, 45,
	  MS("duplicate key \"A\"") },
	{ MCP("{a: {command: [a], env: {A: 5}}}"), 2, 42,
	  MS("env \"A\": the value must be a string") },
	{ MCP("{a: {command: [a], env: {A: ~}}}"), 2, 42,
	  MS("env \"A\": the value must be a string") },
	{ MCP("{a: {command: [a], env: {A: [x]}}}"), 2, 42,
	  MS("env \"A\": the value must be a string") },
	{ MCP("{a: {command: [a], env: {A: $X}}}"), 2, 42,
	  MS("env \"A\": a \"$\" must start ${NAME} or ${file:/path}, or be doubled ($$)") },
	{ MCP("{a: {command: [a], env: {A: 'x$'}}}"), 2, 42,
	  MS("env \"A\": a \"$\" must start ${NAME} or ${file:/path}, or be doubled ($$)") },
	{ MCP("{a: {command: [a], env: {A: '${X'}}}"), 2, 42,
	  MS("env \"A\": \"${\" without its \"}\"") },
	{ MCP("{a: {command: [a], env: {A: '${x}'}}}"), 2, 42,
	  MS("env \"A\": \"${x}\" is not ${NAME} ([A-Z_][A-Z0-9_]*, at most 64 bytes) or ${file:/path}") },
	{ MCP("{a: {command: [a], env: {A: '${}'}}}"), 2, 42,
	  MS("env \"A\": \"${}\" is not ${NAME} ([A-Z_][A-Z0-9_]*, at most 64 bytes) or ${file:/path}") },
	{ MCP("{a: {command: [a], env: {A: '${file:k}'}}}"), 2, 42,
	  MS("env \"A\": \"${file:k}\" does not name an absolute, normalized path") },
	{ MCP("{a: {command: [a], env: {A: '${file:/}'}}}"), 2, 42,
	  MS("env \"A\": \"${file:/}\" does not name an absolute, normalized path") },
	{ MCP("{a: {command: [a], env: {A: \"a\\nb\"}}}"), 2, 42,
	  MS("env \"A\": the value holds CR, LF, NUL or another control character") },
	{ MCP("{a: {command: [a], network: yes}}"), 2, 42,
	  MS("\"network\" must be true or false") },
	{ MCP("{a: {command: [a], network: 'true'}}"), 2, 42,
	  MS("\"network\" must be true or false") },
	{ MCP("{a: {command: [a], network: 1}}"), 2, 42,
	  MS("\"network\" must be true or false") },
	{ MCP("{a: {command: [a], timeout: 0}}"), 2, 42,
	  MS("\"timeout\" must be a whole number of seconds from 1 to 3600") },
	{ MCP("{a: {command: [a], timeout: 3601}}"), 2, 42,
	  MS("\"timeout\" must be a whole number of seconds from 1 to 3600") },
	{ MCP("{a: {command: [a], timeout: -1}}"), 2, 42,
	  MS("\"timeout\" must be a whole number of seconds from 1 to 3600") },
	{ MCP("{a: {command: [a], timeout: 1.5}}"), 2, 42,
	  MS("\"timeout\" must be a whole number of seconds from 1 to 3600") },
	{ MCP("{a: {command: [a], timeout: '30'}}"), 2, 42,
	  MS("\"timeout\" must be a whole number of seconds from 1 to 3600") },
	{ MCP("{a: {command: [a], timeout: 99999999999999999999}}"), 2, 42,
	  MS("\"timeout\" must be a whole number of seconds from 1 to 3600") },
	/* the second server's error names it */
	{ MCP("{a: {command: [a]}, b: {command: [./b]}}"), 2, 48,
	  "mcp server \"b\": \"command\": program \"./b\": a program is an "
	  "absolute path or a bare name" },
	/* loaded last: a rule's or a credential's error comes first */
	{ "mcp_servers: x\ncapabilities: []\ncredentials: x\n", 3, 14,
	  "\"credentials\" must be a sequence" },
	{ "mcp_servers: x\ncapabilities: [x]\n", 2, 16,
	  "rule 1: must be a mapping" },
	/* a server's code out of the agent's and the other servers'
	 * reach (its ro, its program by path) */
	{ "capabilities:\n  - {action: fs.write, resource: /ws/**}\n"
	  "mcp_servers:\n  s: {command: [node, /ws/s.js], ro: [/ws]}\n", 4, 3,
	  "mcp server \"s\": /ws (its ro) overlaps /ws, where the agent "
	  "may write or delete (fs.write, fs.delete): it could change what "
	  "the server runs; keep the server's code out of the agent's reach" },
	{ "capabilities:\n  - {action: fs.delete, resource: /srv/**}\n"
	  "mcp_servers:\n  s: {command: [/srv/bin/s]}\n", 4, 3,
	  "mcp server \"s\": /srv/bin/s (its program) overlaps /srv, where "
	  "the agent may write or delete (fs.write, fs.delete): it could "
	  "change what the server runs; keep the server's code out of the "
	  "agent's reach" },
	{ MCP("{a: {command: [node], roots: [/opt/x]}, b: {command: [node], "
	  "ro: [/opt]}}"), 2, 54, "mcp server \"b\": /opt (its ro) overlaps "
	  "/opt/x, a root of mcp server \"a\", which that server may write: "
	  "it could change what this one runs" },
	/* block style */
	{ "capabilities: []\nmcp_servers:\n  files:\n    command:\n"
	  "      - node\n      - /opt/x.js\n    roots:\n      - /workspace\n"
	  "      - workspace\n", 9, 9, "mcp server \"files\": \"roots\": "
	  "\"workspace\" is not an absolute, normalized path" },
};
#define NLCASES	(sizeof(lcases) / sizeof(lcases[0]))

START_TEST(test_load_error)
{
	const struct lcase *c = &lcases[_i];
	struct policy_err err;
	struct policy *p = NULL;

	ck_assert_int_eq(policy_load_buf(c->yaml, strlen(c->yaml), "t.yaml",
	    &p, &err), -1);
	ck_assert_ptr_null(p);
	ck_assert_msg(strcmp(err.msg, c->msg) == 0 && err.line == c->line &&
	    err.col == c->col, "load case %d: got %d:%d: %s\nwant %d:%d: %s",
	    _i, err.line, err.col, err.msg, c->line, c->col, c->msg);
}
END_TEST

/*
 * Every malformed policy in tests/data is listed in expected-errors.txt
 * with the exact FILE:LINE:COL: message validate-policy prints.
 */
START_TEST(test_data_errors)
{
	char path[2048], line[1200], got[1024];
	struct policy_err err;
	struct policy *p;
	struct dirent *de;
	size_t len, nbad = 0, nlisted = 0;
	char *buf, *manifest;
	DIR *d;

	snprintf(path, sizeof(path), "%s/expected-errors.txt", data_dir());
	manifest = slurp(path, &len);
	ck_assert_ptr_nonnull(d = opendir(data_dir()));
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "bad-", 4) != 0 ||
		    strstr(de->d_name, ".yaml") == NULL)
			continue;
		nbad++;
		snprintf(path, sizeof(path), "%s/%s", data_dir(), de->d_name);
		buf = slurp(path, &len);
		p = NULL;
		ck_assert_msg(policy_load_buf(buf, len, de->d_name, &p,
		    &err) == -1, "%s loads", de->d_name);
		free(buf);
		snprintf(got, sizeof(got), "%s:%d:%d: %s\n", err.file,
		    err.line, err.col, err.msg);
		snprintf(line, sizeof(line), "\n%s", got);
		ck_assert_msg(strstr(manifest, line) != NULL,
		    "not in expected-errors.txt: %s", got);
	}
	closedir(d);
	for (buf = manifest; (buf = strstr(buf, "\nbad-")) != NULL; buf++)
		nlisted++;
	ck_assert_uint_eq(nbad, nlisted);
	ck_assert_uint_ge(nbad, 30);
	free(manifest);
}
END_TEST

/* ---- examples ---------------------------------------------------------- */

static size_t nreports;
static char last_report[600];

static void
collect(void *arg, const struct policy_err *e)
{
	(void)arg;
	nreports++;
	snprintf(last_report, sizeof(last_report), "%s:%d:%d: %s", e->file,
	    e->line, e->col, e->msg);
}

START_TEST(test_examples)
{
	static const char good[] =
	    "capabilities:\n"
	    "  - action: net.http\n"
	    "    resource: https://api.example.com/**\n"
	    "    constraint: {method: GET}\n"
	    "    examples:\n"
	    "      allow: [https://api.example.com/v1, {target: 'https://api.example.com/', params: {method: get}}]\n"
	    "      deny: [https://api.example.com.evil.com/, {target: 'https://api.example.com/', params: {method: POST}}]\n"
	    "deny:\n"
	    "  - action: net.http\n"
	    "    resource: https://api.example.com/admin/**\n"
	    "    examples: {deny: [https://api.example.com/admin/x], allow: [https://api.example.com/x]}\n";
	static const char bad[] =
	    "capabilities:\n"
	    "  - action: proc.exec\n"
	    "    resource: git\n"
	    "    examples:\n"
	    "      allow:\n"
	    "        - git\n"
	    "        - {target: git, params: {args: [status]}}\n";
	static const char notthis[] =
	    "capabilities:\n"
	    "  - {action: llm.chat, resource: a, examples: {allow: [b]}}\n"
	    "  - {action: llm.chat, resource: b}\n";
	struct policy_err err;
	struct policy *p;

	ck_assert_int_eq(policy_load_buf(good, strlen(good), "g.yaml", &p,
	    &err), 0);
	nreports = 0;
	ck_assert_int_eq(policy_check_examples(p, provider_prepare, collect, NULL), 0);
	ck_assert_int_eq(policy_nexamples(p), 6);
	policy_free(p);

	ck_assert_int_eq(policy_load_buf(bad, strlen(bad), "b.yaml", &p,
	    &err), 0);
	nreports = 0;
	ck_assert_int_eq(policy_check_examples(p, provider_prepare, collect, NULL), 1);
	ck_assert_int_eq(nreports, 1);
	ck_assert_str_eq(last_report, "b.yaml:7:11: rule 1 (b.yaml:2): allow "
	    "example \"git\" is denied (by default-deny)");
	policy_free(p);

	ck_assert_int_eq(policy_load_buf(notthis, strlen(notthis), "n.yaml",
	    &p, &err), 0);
	nreports = 0;
	ck_assert_int_eq(policy_check_examples(p, provider_prepare, collect, NULL), 1);
	ck_assert_str_eq(last_report, "n.yaml:2:56: rule 1 (n.yaml:2): allow "
	    "example \"b\" is allowed by n.yaml:3, but this rule does not "
	    "match it");
	policy_free(p);
}
END_TEST

/* ---- explain ----------------------------------------------------------- */

START_TEST(test_explain)
{
	const char *name;
	struct policy *p = load(P_URL, &name);
	json_t *params = json_object();
	char *text;

	ck_assert_int_eq(provider_prepare("net.http", params, NULL, 0), 0);
	text = policy_explain(p, "net.http",
	    "https://api.example.com/v1/admin/x", params);
	ck_assert_ptr_nonnull(text);
	ck_assert_msg(strstr(text, "decision: DENIED\n") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "rule:     t.yaml:10 (deny net.http") !=
	    NULL, "%s", text);
	ck_assert_msg(strstr(text, "t.yaml:2 (allow net.http "
	    "https://api.example.com/v1/**): matches, overridden by the deny "
	    "rule") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "t.yaml:3 (allow net.http "
	    "https://*.cdn.example.com/assets/*.js): no match: host "
	    "api.example.com is not one label under cdn.example.com") != NULL,
	    "%s", text);
	ck_assert_msg(strstr(text, "t.yaml:4 (allow net.http "
	    "http://localhost:8080/**): no match: scheme https is not http") !=
	    NULL, "%s", text);
	free(text);
	text = policy_explain(p, "net.http", "https://u@api.example.com/",
	    params);
	ck_assert_msg(strstr(text, "why:      target rejected: userinfo") !=
	    NULL, "%s", text);
	free(text);
	json_decref(params);
	policy_free(p);
}
END_TEST

/* ---- proc.exec: env fails closed, the grant, allowed actions ------------- */

/* Decide with params as written: no provider_prepare, so the policy
 * alone must fail closed on a params.env of the wrong shape. */
static struct policy_decision
decide_raw(const struct policy *p, const char *action, const char *target,
    json_t *params)
{
	struct policy_decision d;

	ck_assert_ptr_nonnull(params);
	memset(&d, 0x5a, sizeof(d));
	policy_decide(p, action, target, params, &d);
	json_decref(params);
	return d;
}

static json_t *
jparams(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text, JSON_ALLOW_NUL, &jerr);

	ck_assert_msg(j != NULL, "bad JSON %s: %s", text, jerr.text);
	return j;
}

START_TEST(test_env_fails_closed)
{
	static const char *const bad[] = {
		"{\"env\":\"GIT_DIR=x\"}",
		"{\"env\":[\"GIT_DIR\"]}",
		"{\"env\":null}",
		"{\"env\":5}",
		"{\"env\":{\"GIT_DIR\":1}}",
		"{\"env\":{\"GIT_DIR\":null}}",
		"{\"env\":{\"GIT_DIR\":true}}",
		"{\"env\":{\"GIT_DIR\":[\"x\"]}}",
		"{\"env\":{\"GIT_DIR\":{}}}",
		"{\"env\":{\"GIT_DIR\":\"a\\u0000b\"}}",
		"{\"env\":{\"GIT_DIR\":\"x\",\"X\":2}}",
	};
	const char *name;
	struct policy *p = load(P_ENV, &name);
	struct policy_decision d;
	json_t *j;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		d = decide_raw(p, "proc.exec", "git", jparams(bad[i]));
		ck_assert_msg(!d.allow && d.rule == -1, "git %s: allowed by %s",
		    bad[i], d.rule_id);
		/* a rule without env: no better */
		d = decide_raw(p, "proc.exec", "ls", jparams(bad[i]));
		ck_assert_msg(!d.allow && d.rule == -1, "ls %s: allowed by %s",
		    bad[i], d.rule_id);
		/* a deny rule ignores env, whatever its shape */
		d = decide_raw(p, "proc.exec", "rm", jparams(bad[i]));
		ck_assert_msg(!d.allow && d.by_deny_rule, "rm %s: %s", bad[i],
		    d.rule_id);
	}
	/* a key holding NUL is not the granted name it starts with */
	ck_assert_ptr_nonnull(j = json_object());
	ck_assert_int_eq(json_object_setn_new(j, "GIT_DIR\0X", 9,
	    json_string("x")), 0);
	ck_assert_int_eq(json_object_set_new(j = json_pack("{s:o}", "env", j),
	    "args", json_array()), 0);
	d = decide_raw(p, "proc.exec", "git", j);
	ck_assert_msg(!d.allow, "NUL key allowed by %s", d.rule_id);
	/* the same shapes, right: allowed */
	d = decide_raw(p, "proc.exec", "git",
	    jparams("{\"env\":{\"GIT_DIR\":\"x\"}}"));
	ck_assert(d.allow);
	ck_assert_str_eq(d.rule_id, "t.yaml:5");
	policy_free(p);
}
END_TEST

static void
grant_of(const struct policy *p, const char *target, const char *params,
    struct proc_grant *g)
{
	struct policy_decision d = decide_raw(p, "proc.exec", target,
	    jparams(params));

	ck_assert_msg(d.allow, "%s %s denied by %s", target, params,
	    d.rule_id);
	memset(g, 0x5a, sizeof(*g));
	ck_assert_int_eq(policy_proc_grant(p, d.rule, g), 0);
}

START_TEST(test_proc_grant)
{
	const char *name;
	struct policy *p = load(P_ENV, &name);
	struct policy_decision d;
	struct proc_grant g;
	int i;

	grant_of(p, "git", "{\"env\":{\"GIT_DIR\":\"x\"}}", &g);
	ck_assert(!g.network);
	ck_assert_uint_eq(g.timeout_max, POLICY_PROC_TIMEOUT_DEFAULT);
	ck_assert_uint_eq(g.timeout_max, 30);
	ck_assert_uint_eq(g.nenv, 1);
	ck_assert_str_eq(g.env[0], "GIT_DIR");

	grant_of(p, "make", "{\"env\":{\"CC\":\"cc\"}}", &g);
	ck_assert(g.network);
	ck_assert_uint_eq(g.timeout_max, 600);
	ck_assert_uint_eq(g.nenv, 2);
	ck_assert_str_eq(g.env[0], "CC");
	ck_assert_str_eq(g.env[1], "CFLAGS");

	grant_of(p, "/bin/ls", "{}", &g);
	ck_assert(!g.network);
	ck_assert_uint_eq(g.timeout_max, 30);
	ck_assert_uint_eq(g.nenv, 0);

	/* the deciding deny rule (written first, indexed after the allow
	 * rules, as policy_decision.rule is) grants nothing */
	d = decide_raw(p, "proc.exec", "git",
	    jparams("{\"args\":[\"push\"]}"));
	ck_assert(!d.allow && d.by_deny_rule);
	ck_assert_str_eq(d.rule_id, "t.yaml:2");
	memset(&g, 0x5a, sizeof(g));
	ck_assert_int_eq(policy_proc_grant(p, d.rule, &g), -1);
	ck_assert(!g.network && g.timeout_max == 0 && g.env == NULL &&
	    g.nenv == 0);
	/* every index: only the three allow proc.exec rules grant */
	for (i = -2; i <= (int)policy_nrules(p) + 1; i++)
		ck_assert_int_eq(policy_proc_grant(p, i, &g),
		    i >= 0 && i <= 2 ? 0 : -1);
	ck_assert_int_eq(policy_proc_grant(p, 3, &g), -1);	/* fs.read */
	ck_assert_int_eq(policy_proc_grant(NULL, 0, &g), -1);
	ck_assert_int_eq(policy_proc_grant(p, 0, NULL), -1);
	policy_free(p);
}
END_TEST

START_TEST(test_proc_limits)
{
	char yaml[4096], name[POLICY_ENV_NAME_MAX + 2];
	struct policy_err err;
	struct policy *p;
	struct proc_grant g;
	size_t n;
	int i;

	/* 64 names load, the longest name too; timeout_max 1 and 3600 */
	n = (size_t)snprintf(yaml, sizeof(yaml), "capabilities:\n"
	    "  - {action: proc.exec, resource: a, timeout_max: 1, env: [");
	for (i = 0; i < POLICY_ENV_NAMES_MAX; i++)
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "%sV%d",
		    i ? ", " : "", i);
	memset(name, 'N', POLICY_ENV_NAME_MAX);
	name[POLICY_ENV_NAME_MAX] = '\0';
	snprintf(yaml + n, sizeof(yaml) - n, "]}\n"
	    "  - {action: proc.exec, resource: b, timeout_max: 3600, "
	    "network: True, env: [%s, _x9, Null_]}\n"
	    "  - {action: proc.exec, resource: c, network: FALSE, "
	    "timeout_max: 0x10, env: ['TRUE', \"null\"]}\n", name);
	ck_assert_msg(policy_load_buf(yaml, strlen(yaml), "t.yaml", &p,
	    &err) == 0, "%d:%d: %s", err.line, err.col, err.msg);
	ck_assert_int_eq(policy_proc_grant(p, 0, &g), 0);
	ck_assert_uint_eq(g.timeout_max, 1);
	ck_assert_uint_eq(g.nenv, POLICY_ENV_NAMES_MAX);
	ck_assert_str_eq(g.env[63], "V63");
	ck_assert_int_eq(policy_proc_grant(p, 1, &g), 0);
	ck_assert_uint_eq(g.timeout_max, 3600);
	ck_assert_uint_eq(g.timeout_max, POLICY_PROC_TIMEOUT_MAX);
	ck_assert(g.network);
	ck_assert_uint_eq(g.nenv, 3);
	ck_assert_str_eq(g.env[0], name);
	ck_assert_int_eq(policy_proc_grant(p, 2, &g), 0);
	ck_assert(!g.network);
	ck_assert_uint_eq(g.timeout_max, 16);
	ck_assert_str_eq(g.env[0], "TRUE");
	ck_assert_str_eq(g.env[1], "null");
	policy_free(p);

	/* one byte longer */
	strcat(name, "N");
	snprintf(yaml, sizeof(yaml), "capabilities:\n"
	    "  - {action: proc.exec, resource: a, env: [%s]}\n", name);
	ck_assert_int_eq(policy_load_buf(yaml, strlen(yaml), "t.yaml", &p,
	    &err), -1);
	snprintf(yaml, sizeof(yaml), "rule 1: env name \"%.57s...\" is longer "
	    "than 128 bytes", name);	/* quoted names are cut short */
	ck_assert_msg(strcmp(err.msg, yaml) == 0 && err.line == 2 &&
	    err.col == 44, "%d:%d: %s", err.line, err.col, err.msg);
}
END_TEST

START_TEST(test_allows_action)
{
	static const char deny_only[] =
	    "capabilities:\n"
	    "  - {action: llm.chat, resource: '**'}\n"
	    "deny:\n"
	    "  - {action: net.http, resource: 'https://**'}\n";
	const char *name;
	struct policy *p = load(P_ENV, &name);

	ck_assert(policy_allows_action(p, "proc.exec"));
	ck_assert(policy_allows_action(p, "fs.read"));
	ck_assert(!policy_allows_action(p, "fs.write"));
	ck_assert(!policy_allows_action(p, "net.http"));
	ck_assert(!policy_allows_action(p, "fs.exec"));
	ck_assert(!policy_allows_action(p, "PROC.EXEC"));
	ck_assert(!policy_allows_action(p, NULL));
	ck_assert(!policy_allows_action(NULL, "proc.exec"));
	policy_free(p);
	p = load(deny_only, &name);
	ck_assert(policy_allows_action(p, "llm.chat"));
	ck_assert(!policy_allows_action(p, "net.http"));	/* deny only */
	policy_free(p);
	p = load("capabilities: []\n", &name);
	ck_assert(!policy_allows_action(p, "proc.exec"));
	policy_free(p);
}
END_TEST

START_TEST(test_explain_env)
{
	const char *name;
	struct policy *p = load(P_ENV, &name);
	json_t *params = jparams("{\"env\":{\"GIT_DIR\":\"x\",\"HOME\":\"/\"}}");
	char *text;

	text = policy_explain(p, "proc.exec", "git", params);
	ck_assert_ptr_nonnull(text);
	ck_assert_msg(strstr(text, "decision: DENIED\n") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "  t.yaml:5 (allow proc.exec git): no match: "
	    "env HOME not granted by this rule\n") != NULL, "%s", text);
	/* the deny rule without args for push ignores env: no match on args */
	ck_assert_msg(strstr(text, "  t.yaml:2 (deny proc.exec git): no match: "
	    "0 arguments, the prefix has 1\n") != NULL, "%s", text);
	free(text);
	json_decref(params);

	params = jparams("{\"env\":{\"CFLAGS\":\"-O2\"}}");
	text = policy_explain(p, "proc.exec", "make", params);
	ck_assert_msg(strstr(text, "decision: ALLOWED\n") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "\ngrant:    network yes (the host's), "
	    "timeout_max 600s, env CC, CFLAGS\n") != NULL, "%s", text);
	free(text);
	json_decref(params);

	params = json_object();
	text = policy_explain(p, "proc.exec", "ls", params);
	ck_assert_msg(strstr(text, "\ngrant:    network no, timeout_max 30s "
	    "(default), env (none)\n") != NULL, "%s", text);
	free(text);
	text = policy_explain(p, "fs.read", "/ws/a", params);
	ck_assert_msg(strstr(text, "grant:") == NULL, "%s", text);
	free(text);
	json_decref(params);
	policy_free(p);
}
END_TEST

/* ---- net.http: the grant; credentials ------------------------------------ */

START_TEST(test_http_grant)
{
	const char *name;
	struct policy *p = load("@good-http.yaml", &name);
	struct policy_decision d;
	struct http_grant g;
	int i;

	/* rule 0: every key given, the largest max_bytes */
	memset(&g, 0x5a, sizeof(g));
	ck_assert_int_eq(policy_http_grant(p, 0, &g), 0);
	ck_assert_uint_eq(g.timeout_max, 120);
	ck_assert_uint_eq(g.follow_max, 5);
	ck_assert_uint_eq(g.max_bytes, 16777216);
	ck_assert_uint_eq(g.max_bytes, POLICY_HTTP_MAX_BYTES_MAX);
	ck_assert(g.host_named);
	/* rule 1: the defaults; an IP literal is named */
	memset(&g, 0x5a, sizeof(g));
	ck_assert_int_eq(policy_http_grant(p, 1, &g), 0);
	ck_assert_uint_eq(g.timeout_max, POLICY_HTTP_TIMEOUT_DEFAULT);
	ck_assert_uint_eq(g.timeout_max, 30);
	ck_assert_uint_eq(g.follow_max, 0);
	ck_assert_uint_eq(g.max_bytes, POLICY_HTTP_MAX_BYTES_DEFAULT);
	ck_assert_uint_eq(g.max_bytes, 1048576);
	ck_assert(g.host_named);
	/* rule 2: "**" names no host */
	memset(&g, 0x5a, sizeof(g));
	ck_assert_int_eq(policy_http_grant(p, 2, &g), 0);
	ck_assert_uint_eq(g.timeout_max, 30);
	ck_assert_uint_eq(g.follow_max, 0);
	ck_assert_uint_eq(g.max_bytes, 1048576);
	ck_assert(!g.host_named);
	/* rule 3: "*.example.com" names no host; the smallest values */
	memset(&g, 0x5a, sizeof(g));
	ck_assert_int_eq(policy_http_grant(p, 3, &g), 0);
	ck_assert_uint_eq(g.timeout_max, 1);
	ck_assert_uint_eq(g.follow_max, 0);
	ck_assert_uint_eq(g.max_bytes, 1);
	ck_assert(!g.host_named);
	/* rule 5: [::1], 20 redirects */
	memset(&g, 0x5a, sizeof(g));
	ck_assert_int_eq(policy_http_grant(p, 5, &g), 0);
	ck_assert_uint_eq(g.follow_max, POLICY_HTTP_FOLLOW_MAX);
	ck_assert_uint_eq(g.follow_max, 20);
	ck_assert(g.host_named);
	/* a proc.exec rule (its timeout_max is its own), the deny rule, out
	 * of range: -1, zeroed */
	for (i = -2; i <= (int)policy_nrules(p) + 1; i++) {
		memset(&g, 0x5a, sizeof(g));
		ck_assert_int_eq(policy_http_grant(p, i, &g),
		    i >= 0 && i <= 5 && i != 4 ? 0 : -1);
		if (i == 4 || i == 6 || i < 0 || i > 6)
			ck_assert(g.timeout_max == 0 && g.follow_max == 0 &&
			    g.max_bytes == 0 && !g.host_named);
	}
	{
		struct proc_grant pg;

		ck_assert_int_eq(policy_proc_grant(p, 4, &pg), 0);
		ck_assert_uint_eq(pg.timeout_max, 9);
		ck_assert_int_eq(policy_proc_grant(p, 0, &pg), -1);
	}
	ck_assert_int_eq(policy_http_grant(NULL, 0, &g), -1);
	ck_assert_int_eq(policy_http_grant(p, 0, NULL), -1);
	/* the grant is the deciding rule's: api.example.com is decided by
	 * rule 0 (first in file order), not by "**" or "*.example.com" */
	d = decide_raw(p, "net.http", "https://api.example.com/v1", json_object());
	ck_assert(d.allow);
	ck_assert_int_eq(d.rule, 0);
	d = decide_raw(p, "net.http", "https://www.example.com/v1", json_object());
	ck_assert(d.allow);
	ck_assert_int_eq(d.rule, 2);
	/* an IP literal: only the rule naming it */
	d = decide_raw(p, "net.http", "https://127.1:8443/x", json_object());
	ck_assert(d.allow);
	ck_assert_int_eq(d.rule, 1);
	d = decide_raw(p, "net.http", "https://10.0.0.1/", json_object());
	ck_assert(!d.allow);
	/* the deny rule decides: no grant */
	d = decide_raw(p, "net.http", "https://api.example.com/admin/x",
	    json_object());
	ck_assert(!d.allow && d.by_deny_rule);
	ck_assert_int_eq(d.rule, 6);
	ck_assert_int_eq(policy_http_grant(p, d.rule, &g), -1);
	policy_free(p);
}
END_TEST

/* policy_cred_match of target, as a string "0,2" ("" for none). */
static const char *
matches(const struct policy *p, const char *target, size_t max)
{
	static char buf[128];
	size_t idx[POLICY_CRED_ENTRIES_MAX + 1], n, i, o = 0;

	for (i = 0; i < POLICY_CRED_ENTRIES_MAX + 1; i++)
		idx[i] = 999;
	n = policy_cred_match(p, target, idx, max);
	ck_assert_uint_le(n, max);
	for (i = n; i < POLICY_CRED_ENTRIES_MAX + 1; i++)
		ck_assert_uint_eq(idx[i], 999);	/* nothing beyond n */
	buf[0] = '\0';
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%zu",
		    i ? "," : "", idx[i]);
	return buf;
}

START_TEST(test_cred_match)
{
	static const struct {
		const char *target, *want;
	} m[] = {
		{ "https://api.example.com/v1/x", "0,1,2" },
		{ "https://API.example.com./v1/x?q=1", "0,1,2" },
		{ "https://api.example.com:443/v1", "0,1,2" },
		{ "https://api.example.com/", "0,2" },
		{ "https://api.example.com/v2/x", "0,2" },
		{ "https://www.example.com/v1/a", "1,2" },
		{ "https://example.com/v1/a", "" },	/* bare domain */
		{ "https://a.b.example.com/v1/a", "" },	/* two labels */
		{ "https://other.org/", "" },
		{ "https://127.0.0.1:8443/x", "3" },	/* "*.": no IP literal */
		{ "https://127.1:8443/a/b", "3" },
		{ "https://2130706433:8443/", "3" },
		{ "http://api.example.com/a", "4" },
		/* no entry */
		{ "https://api.example.com:8443/v1/x", "" },
		{ "https://other.org:8443/", "" },
		{ "https://10.0.0.1/", "" },
		{ "https://[::1]/", "" },
		{ "http://127.0.0.1:8443/x", "" },
		{ "http://other.org/", "" },
		{ "https://api.example.com.evil.com/v1/x", "" },
		/* targets that do not parse */
		{ "https://u@api.example.com/v1/x", "" },
		{ "https://api.example.com@evil.com/", "" },
		{ "https://api.example.com/%2e%2e/x", "" },
		{ "ftp://api.example.com/", "" },
		{ "api.example.com/v1", "" },
		{ "not a url", "" },
		{ "", "" },
	};
	const char *name;
	struct policy *p = load("@good-http.yaml", &name);
	size_t i, idx[4];

	ck_assert_uint_eq(policy_ncreds(p), 5);
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		ck_assert_msg(strcmp(matches(p, m[i].target,
		    POLICY_CRED_ENTRIES_MAX), m[i].want) == 0,
		    "%s: got [%s], want [%s]", m[i].target,
		    matches(p, m[i].target, POLICY_CRED_ENTRIES_MAX), m[i].want);
	/* at most max, the first in file order */
	ck_assert_str_eq(matches(p, "https://api.example.com/v1/x", 2), "0,1");
	ck_assert_str_eq(matches(p, "https://api.example.com/v1/x", 1), "0");
	ck_assert_str_eq(matches(p, "https://api.example.com/v1/x", 0), "");
	ck_assert_uint_eq(policy_cred_match(NULL, "https://a.org/", idx, 4), 0);
	ck_assert_uint_eq(policy_cred_match(p, NULL, idx, 4), 0);
	ck_assert_uint_eq(policy_cred_match(p, "https://a.org/", NULL, 4), 0);
	policy_free(p);
	/* no credentials: nothing matches, no source */
	p = load("capabilities: []\n", &name);
	ck_assert_uint_eq(policy_ncreds(p), 0);
	ck_assert_uint_eq(policy_cred_nsources(p), 0);
	ck_assert_ptr_null(policy_cred_source(p, 0));
	ck_assert_str_eq(matches(p, "https://a.org/", 4), "");
	policy_free(p);
	p = load("capabilities: []\ncredentials: []\n", &name);
	ck_assert_uint_eq(policy_ncreds(p), 0);
	policy_free(p);
}
END_TEST

START_TEST(test_cred_accessors)
{
	const char *name, *t, *names[8];
	struct policy *p = load("@good-http.yaml", &name);

	/* every source once, in first-use order */
	ck_assert_uint_eq(policy_cred_nsources(p), 5);
	ck_assert_str_eq(policy_cred_source(p, 0), "ENV:API_TOKEN");
	ck_assert_str_eq(policy_cred_source(p, 1), "ENV:ORG_ID");
	ck_assert_str_eq(policy_cred_source(p, 2), "FILE:/etc/aksup/api key");
	ck_assert_str_eq(policy_cred_source(p, 3), "ENV:TRACE_ID");
	ck_assert_str_eq(policy_cred_source(p, 4), "FILE:/run/secrets/local");
	ck_assert_ptr_null(policy_cred_source(p, 5));
	ck_assert_ptr_null(policy_cred_source(NULL, 0));
	/* headers and templates, as written */
	ck_assert_uint_eq(policy_cred_nheaders(p, 0), 2);
	ck_assert_str_eq(policy_cred_header(p, 0, 0, &t), "Authorization");
	ck_assert_str_eq(t, "Bearer ${API_TOKEN}");
	ck_assert_str_eq(policy_cred_header(p, 0, 1, &t), "X-Org");
	ck_assert_str_eq(t, "${ORG_ID}-${API_TOKEN}");
	ck_assert_str_eq(policy_cred_header(p, 1, 1, &t), "X-Price");
	ck_assert_str_eq(t, "5$$ a month");
	ck_assert_str_eq(policy_cred_header(p, 2, 0, &t), "X-Trace");
	ck_assert_str_eq(t, "${TRACE_ID}\t${API_TOKEN}");
	ck_assert_str_eq(policy_cred_header(p, 3, 1, NULL), "x-local-2");
	ck_assert_uint_eq(policy_cred_nheaders(p, 4), 1);
	t = "x";
	ck_assert_ptr_null(policy_cred_header(p, 0, 2, &t));
	ck_assert_ptr_null(t);
	t = "x";
	ck_assert_ptr_null(policy_cred_header(p, 5, 0, &t));
	ck_assert_ptr_null(t);
	ck_assert_uint_eq(policy_cred_nheaders(p, 5), 0);
	ck_assert_uint_eq(policy_cred_nheaders(NULL, 0), 0);
	/* the names an entry uses, each once, in its order */
	ck_assert_uint_eq(policy_cred_names(p, 0, names, 8), 2);
	ck_assert_str_eq(names[0], "API_TOKEN");
	ck_assert_str_eq(names[1], "ORG_ID");
	ck_assert_uint_eq(policy_cred_names(p, 1, names, 8), 1);
	ck_assert_str_eq(names[0], "/etc/aksup/api key");
	ck_assert_uint_eq(policy_cred_names(p, 2, names, 8), 2);
	ck_assert_str_eq(names[0], "TRACE_ID");
	ck_assert_str_eq(names[1], "API_TOKEN");
	ck_assert_uint_eq(policy_cred_names(p, 3, names, 8), 1);
	ck_assert_str_eq(names[0], "/run/secrets/local");
	ck_assert_uint_eq(policy_cred_names(p, 4, names, 8), 0);	/* literal */
	names[1] = "untouched";
	ck_assert_uint_eq(policy_cred_names(p, 0, names, 1), 1);
	ck_assert_str_eq(names[0], "API_TOKEN");
	ck_assert_str_eq(names[1], "untouched");
	ck_assert_uint_eq(policy_cred_names(p, 5, names, 8), 0);
	ck_assert_uint_eq(policy_cred_names(p, 0, NULL, 8), 0);
	/* each entry's FILE:LINE */
	ck_assert_str_eq(policy_cred_id(p, 0), "good-http.yaml:28");
	ck_assert_str_eq(policy_cred_id(p, 4), "good-http.yaml:43");
	ck_assert_ptr_null(policy_cred_id(p, 5));
	/* credentials change no decision */
	ck_assert_uint_eq(policy_nrules(p), 7);
	policy_free(p);
}
END_TEST

/* The limits load at their bound and fail one past it. */
static int
load_text(const char *yaml, struct policy_err *err)
{
	struct policy *p = NULL;
	int rc = policy_load_buf(yaml, strlen(yaml), "t.yaml", &p, err);

	policy_free(p);
	return rc;
}

START_TEST(test_cred_limits)
{
	static char yaml[1 << 18];
	char val[POLICY_CRED_TEMPLATE_MAX + 2], var[POLICY_CRED_VAR_MAX + 2];
	char hname[POLICY_CRED_NAME_MAX + 2];
	struct policy_err err;
	struct policy *p;
	size_t n;
	int i;

	/* 16 entries of 8 headers, each template 1024 bytes */
	memset(val, 'v', POLICY_CRED_TEMPLATE_MAX);
	val[POLICY_CRED_TEMPLATE_MAX] = '\0';
	n = (size_t)snprintf(yaml, sizeof(yaml), "capabilities: []\ncredentials:\n");
	for (i = 0; i < POLICY_CRED_ENTRIES_MAX; i++) {
		int j;

		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "  - resource: "
		    "https://h%d.example.com/\n    headers:\n", i);
		for (j = 0; j < POLICY_CRED_HEADERS_MAX; j++)
			n += (size_t)snprintf(yaml + n, sizeof(yaml) - n,
			    "      X-%d: %s\n", j, val);
	}
	ck_assert_uint_lt(n, sizeof(yaml) - 1);
	ck_assert_msg(policy_load_buf(yaml, n, "t.yaml", &p, &err) == 0,
	    "%d:%d: %s", err.line, err.col, err.msg);
	ck_assert_uint_eq(policy_ncreds(p), 16);
	ck_assert_uint_eq(policy_cred_nheaders(p, 15), 8);
	policy_free(p);

	/* a template of 1025 bytes */
	strcat(val, "v");
	snprintf(yaml, sizeof(yaml), "capabilities: []\ncredentials:\n"
	    "  - {resource: 'https://x.org/', headers: {X-A: %s}}\n", val);
	ck_assert_int_eq(load_text(yaml, &err), -1);
	ck_assert_str_eq(err.msg, "credential 1: header \"X-A\": the value is "
	    "longer than 1024 bytes");

	/* a variable name of 64 bytes, then 65 */
	memset(var, 'V', POLICY_CRED_VAR_MAX);
	var[POLICY_CRED_VAR_MAX] = '\0';
	snprintf(yaml, sizeof(yaml), "capabilities: []\ncredentials:\n"
	    "  - {resource: 'https://x.org/', headers: {X-A: '${%s}'}}\n", var);
	ck_assert_int_eq(load_text(yaml, &err), 0);
	strcat(var, "V");
	snprintf(yaml, sizeof(yaml), "capabilities: []\ncredentials:\n"
	    "  - {resource: 'https://x.org/', headers: {X-A: '${%s}'}}\n", var);
	ck_assert_int_eq(load_text(yaml, &err), -1);
	ck_assert_msg(strstr(err.msg, "is not ${NAME} ([A-Z_][A-Z0-9_]*, at "
	    "most 64 bytes)") != NULL, "%s", err.msg);

	/* a header name of 64 bytes, then 65 */
	memset(hname, 'H', POLICY_CRED_NAME_MAX);
	hname[POLICY_CRED_NAME_MAX] = '\0';
	snprintf(yaml, sizeof(yaml), "capabilities: []\ncredentials:\n"
	    "  - {resource: 'https://x.org/', headers: {%s: a}}\n", hname);
	ck_assert_int_eq(load_text(yaml, &err), 0);
	strcat(hname, "H");
	snprintf(yaml, sizeof(yaml), "capabilities: []\ncredentials:\n"
	    "  - {resource: 'https://x.org/', headers: {%s: a}}\n", hname);
	ck_assert_int_eq(load_text(yaml, &err), -1);
	ck_assert_msg(strstr(err.msg, "\" is longer than 64 bytes") != NULL &&
	    err.col == 44, "%d: %s", err.col, err.msg);

	/* 64 distinct sources (the same ones again cost nothing), then 65 */
	n = (size_t)snprintf(yaml, sizeof(yaml), "capabilities: []\n"
	    "credentials:\n  - resource: https://x.org/\n    headers:\n"
	    "      X-A: '");
	for (i = 0; i < POLICY_CRED_SOURCES_MAX / 2; i++)
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "${V%d}", i);
	n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "'\n      X-B: '");
	for (i = 0; i < POLICY_CRED_SOURCES_MAX / 2; i++)
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n,
		    "${file:/k/%d}${V%d}", i, i);
	n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "'\n");
	ck_assert_msg(policy_load_buf(yaml, n, "t.yaml", &p, &err) == 0,
	    "%d:%d: %s", err.line, err.col, err.msg);
	ck_assert_uint_eq(policy_cred_nsources(p), POLICY_CRED_SOURCES_MAX);
	ck_assert_str_eq(policy_cred_source(p, 31), "ENV:V31");
	ck_assert_str_eq(policy_cred_source(p, 32), "FILE:/k/0");
	ck_assert_str_eq(policy_cred_source(p, 63), "FILE:/k/31");
	policy_free(p);
	snprintf(yaml + n, sizeof(yaml) - n, "  - {resource: 'https://y.org/', "
	    "headers: {X-C: '${V0}${MORE}'}}\n");
	ck_assert_int_eq(load_text(yaml, &err), -1);
	ck_assert_str_eq(err.msg, "credential 2: header \"X-C\": the credentials "
	    "name more than 64 sources (variables and files)");

	/* "$$" is a "$": "$${X}" names nothing; a tab is text */
	{
		const char *nm;

		p = load("capabilities: []\ncredentials:\n  - {resource: "
		    "'https://x.org/', headers: {X-A: \"$${X}\\t$$\"}}\n", &nm);
	}
	ck_assert_str_eq(policy_cred_header(p, 0, 0, NULL), "X-A");
	ck_assert_uint_eq(policy_cred_nsources(p), 0);
	policy_free(p);
}
END_TEST

START_TEST(test_explain_http)
{
	const char *name;
	struct policy *p = load("@good-http.yaml", &name);
	json_t *params = json_object();
	char *text;

	ck_assert_int_eq(provider_prepare("net.http", params, NULL, 0), 0);
	text = policy_explain(p, "net.http", "https://api.example.com/v1/x",
	    params);
	ck_assert_ptr_nonnull(text);
	ck_assert_msg(strstr(text, "decision: ALLOWED\n") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "\ngrant:    timeout_max 120s, "
	    "follow_redirects 5, max_bytes 16777216, host named (its private "
	    "addresses allowed)\n") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "\nheaders:  Authorization, X-Org "
	    "(good-http.yaml:28, from API_TOKEN, ORG_ID), X-Key, X-Price "
	    "(good-http.yaml:32, from /etc/aksup/api key), X-Trace "
	    "(good-http.yaml:36, from TRACE_ID, API_TOKEN)\n") != NULL, "%s",
	    text);
	ck_assert_msg(strstr(text, "Bearer") == NULL, "a template shown: %s",
	    text);
	free(text);
	text = policy_explain(p, "net.http", "https://www.example.com/", params);
	ck_assert_msg(strstr(text, "\ngrant:    timeout_max 30s (default), "
	    "follow_redirects 0, max_bytes 1048576 (default), host by wildcard "
	    "(public addresses only)\n") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "\nheaders:  X-Trace (good-http.yaml:36, "
	    "from TRACE_ID, API_TOKEN)\n") != NULL, "%s", text);
	free(text);
	text = policy_explain(p, "net.http", "http://[::1]/health", params);
	ck_assert_msg(strstr(text, "\ngrant:    timeout_max 30s (default), "
	    "follow_redirects 20, max_bytes 1048576 (default), host named") !=
	    NULL, "%s", text);
	ck_assert_msg(strstr(text, "\nheaders:  none from credentials\n") !=
	    NULL, "%s", text);
	free(text);
	text = policy_explain(p, "net.http", "https://127.0.0.1:8443/x", params);
	ck_assert_msg(strstr(text, "\ngrant:    timeout_max 30s (default), "
	    "follow_redirects 0 (default), max_bytes 1048576 (default), host "
	    "named (its private addresses allowed)\n") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "\nheaders:  X-Local, x-local-2 "
	    "(good-http.yaml:39, from /run/secrets/local)\n") != NULL, "%s", text);
	free(text);
	/* denied: no grant, no headers */
	text = policy_explain(p, "net.http", "https://api.example.com/admin/x",
	    params);
	ck_assert_msg(strstr(text, "decision: DENIED\n") != NULL &&
	    strstr(text, "grant:") == NULL && strstr(text, "headers:") == NULL,
	    "%s", text);
	free(text);
	/* an entry without a source: a literal */
	policy_free(p);
	p = load("capabilities: [{action: net.http, resource: 'http://a.org/'}]\n"
	    "credentials: [{resource: 'http://a.org/', headers: {Accept: "
	    "text/plain, X-D: '$$5'}}]\n", &name);
	text = policy_explain(p, "net.http", "http://a.org/", params);
	ck_assert_msg(strstr(text, "\nheaders:  Accept, X-D (t.yaml:2, "
	    "literal)\n") != NULL, "%s", text);
	free(text);
	json_decref(params);
	policy_free(p);
}
END_TEST

/* ---- mcp_servers --------------------------------------------------------- */

START_TEST(test_mcp_accessors)
{
	const char *name;
	struct policy *p = load("@good-mcp.yaml", &name);
	struct policy_mcp m;
	struct policy_decision d;

	ck_assert_uint_eq(policy_nmcp(p), 3);
	ck_assert_str_eq(policy_mcp_name(p, 0), "files");
	ck_assert_str_eq(policy_mcp_name(p, 1), "search");
	ck_assert_str_eq(policy_mcp_name(p, 2), "git-1_x");
	ck_assert_ptr_null(policy_mcp_name(p, 3));
	ck_assert_int_eq(policy_mcp_find(p, "files"), 0);
	ck_assert_int_eq(policy_mcp_find(p, "search"), 1);
	ck_assert_int_eq(policy_mcp_find(p, "git-1_x"), 2);
	ck_assert_int_eq(policy_mcp_find(p, "notes"), -1);
	ck_assert_int_eq(policy_mcp_find(p, "Files"), -1);
	ck_assert_int_eq(policy_mcp_find(p, "files/read"), -1);
	ck_assert_int_eq(policy_mcp_find(p, ""), -1);
	ck_assert_int_eq(policy_mcp_find(p, NULL), -1);

	/* the issue's example, as written */
	ck_assert_int_eq(policy_mcp_server(p, 0, &m), 0);
	ck_assert_str_eq(m.name, "files");
	ck_assert_uint_eq(m.argc, 3);
	ck_assert_str_eq(m.argv[0], "node");
	ck_assert_str_eq(m.argv[1], "/opt/mcp/node_modules/@modelcontextprotocol/"
	    "server-filesystem/dist/index.js");
	ck_assert_str_eq(m.argv[2], "/workspace");
	ck_assert_uint_eq(m.nro, 1);
	ck_assert_str_eq(m.ro[0], "/opt/mcp/node_modules");
	ck_assert_uint_eq(m.nroots, 1);
	ck_assert_str_eq(m.roots[0], "/workspace");
	ck_assert_uint_eq(m.nenv, 0);
	ck_assert_uint_eq(m.nsrc, 0);
	ck_assert(!m.network);
	ck_assert_uint_eq(m.timeout_s, 30);
	ck_assert_str_eq(m.id, "good-mcp.yaml:18");

	/* env templates, their sources in the credentials' list */
	ck_assert_int_eq(policy_mcp_server(p, 1, &m), 0);
	ck_assert_uint_eq(m.argc, 3);
	ck_assert_str_eq(m.argv[0], "/usr/local/bin/search-mcp");
	ck_assert_str_eq(m.argv[2], "5");	/* text, as args are */
	ck_assert_uint_eq(m.nro + m.nroots, 0);
	ck_assert_uint_eq(m.nenv, 3);
	ck_assert_str_eq(m.env_names[0], "SEARCH_KEY");
	ck_assert_str_eq(m.env_tmpls[0], "${file:/etc/aksup/search.key}");
	ck_assert_str_eq(m.env_names[1], "AUTH");
	ck_assert_str_eq(m.env_tmpls[1], "Bearer ${API_TOKEN}");
	ck_assert_str_eq(m.env_names[2], "Lang_2");
	ck_assert_str_eq(m.env_tmpls[2], "en$$");
	ck_assert(m.network);
	ck_assert_uint_eq(m.timeout_s, 120);
	ck_assert_str_eq(m.id, "good-mcp.yaml:25");
	ck_assert_uint_eq(policy_cred_nsources(p), 2);
	ck_assert_str_eq(policy_cred_source(p, 0), "ENV:API_TOKEN");
	ck_assert_str_eq(policy_cred_source(p, 1), "FILE:/etc/aksup/search.key");
	ck_assert_uint_eq(m.nsrc, 2);
	ck_assert_uint_eq(m.src[0], 1);
	ck_assert_uint_eq(m.src[1], 0);
	ck_assert_uint_eq(policy_source_users(p, 0),
	    POLICY_SOURCE_CREDENTIALS | POLICY_SOURCE_MCP);
	ck_assert_uint_eq(policy_source_users(p, 1), POLICY_SOURCE_MCP);
	ck_assert_uint_eq(policy_source_users(p, 2), 0);
	ck_assert_uint_eq(policy_source_users(NULL, 0), 0);

	/* flow style; nested paths are fine */
	ck_assert_int_eq(policy_mcp_server(p, 2, &m), 0);
	ck_assert_uint_eq(m.argc, 1);
	ck_assert_str_eq(m.argv[0], "git-mcp");
	ck_assert_uint_eq(m.nro, 2);
	ck_assert_str_eq(m.ro[1], "/srv/repos/a");
	ck_assert_uint_eq(m.nroots, 2);
	ck_assert_str_eq(m.roots[0], "/srv/repos/b");
	ck_assert_str_eq(m.roots[1], "/tmp/git-mcp");
	ck_assert_uint_eq(m.timeout_s, 30);
	ck_assert(!m.network);
	ck_assert_str_eq(m.id, "good-mcp.yaml:37");

	/* out of range: -1, zeroed */
	memset(&m, 0x5a, sizeof(m));
	ck_assert_int_eq(policy_mcp_server(p, 3, &m), -1);
	ck_assert_ptr_null(m.name);
	ck_assert_ptr_null(m.argv);
	ck_assert_uint_eq(m.argc, 0);
	ck_assert_uint_eq(m.timeout_s, 0);
	ck_assert(!m.network);
	ck_assert_int_eq(policy_mcp_server(NULL, 0, &m), -1);
	ck_assert_int_eq(policy_mcp_server(p, 0, NULL), -1);
	ck_assert_uint_eq(policy_nmcp(NULL), 0);
	ck_assert_ptr_null(policy_mcp_name(NULL, 0));
	ck_assert_int_eq(policy_mcp_find(NULL, "files"), -1);

	/* servers change no decision; a rule may name a server not listed */
	ck_assert_uint_eq(policy_nrules(p), 4);
	d = decide_raw(p, "mcp.call", "files/read_file", json_object());
	ck_assert(d.allow);
	ck_assert_str_eq(d.rule_id, "good-mcp.yaml:3");
	d = decide_raw(p, "mcp.call", "notes/add", json_object());
	ck_assert(d.allow);
	d = decide_raw(p, "mcp.call", "git-1_x/log", json_object());
	ck_assert(!d.allow && d.rule == -1);
	policy_free(p);

	/* none, or {} */
	p = load("capabilities: []\n", &name);
	ck_assert_uint_eq(policy_nmcp(p), 0);
	ck_assert_int_eq(policy_mcp_find(p, "files"), -1);
	ck_assert_int_eq(policy_mcp_server(p, 0, &m), -1);
	policy_free(p);
	p = load("capabilities: []\nmcp_servers: {}\n", &name);
	ck_assert_uint_eq(policy_nmcp(p), 0);
	policy_free(p);

	/* the forms that load: any argument after the program, a name
	 * quoted where YAML reads a number, YAML 1.2 booleans and integers */
	p = load("capabilities: []\nmcp_servers:\n"
	    "  '0': {command: [/usr/bin/x, '', ./y, 5, ~, \"a\\tb\"], "
	    "network: TRUE, timeout: 0x10, ro: [], roots: [], env: {}}\n"
	    "  a-b_c: {command: ['x*'], network: False, timeout: 3600}\n"
	    "  z9: {command: [y], timeout: 1, env: {_: '$${X}', b: ''}}\n", &name);
	ck_assert_uint_eq(policy_nmcp(p), 3);
	ck_assert_int_eq(policy_mcp_server(p, 0, &m), 0);
	ck_assert_str_eq(m.name, "0");
	ck_assert_uint_eq(m.argc, 6);
	ck_assert_str_eq(m.argv[1], "");
	ck_assert_str_eq(m.argv[2], "./y");
	ck_assert_str_eq(m.argv[4], "~");
	ck_assert_str_eq(m.argv[5], "a\tb");
	ck_assert(m.network);
	ck_assert_uint_eq(m.timeout_s, 16);
	ck_assert_int_eq(policy_mcp_server(p, 1, &m), 0);
	ck_assert_str_eq(m.argv[0], "x*");	/* a name, as a proc target */
	ck_assert(!m.network);
	ck_assert_uint_eq(m.timeout_s, 3600);
	ck_assert_int_eq(policy_mcp_server(p, 2, &m), 0);
	ck_assert_uint_eq(m.timeout_s, 1);
	ck_assert_uint_eq(m.nenv, 2);
	ck_assert_str_eq(m.env_tmpls[0], "$${X}");
	ck_assert_str_eq(m.env_tmpls[1], "");
	ck_assert_uint_eq(m.nsrc, 0);
	ck_assert_uint_eq(policy_cred_nsources(p), 0);
	ck_assert_int_eq(policy_mcp_find(p, "0"), 0);
	policy_free(p);
}
END_TEST

/* Append printf output to yaml at *n. */
static void __attribute__((format(printf, 4, 5)))
cat(char *yaml, size_t size, size_t *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	*n += (size_t)vsnprintf(yaml + *n, size - *n, fmt, ap);
	va_end(ap);
	ck_assert_uint_lt(*n, size - 1);
}

START_TEST(test_mcp_limits)
{
	static char yaml[1 << 18];
	char big[POLICY_PATH_MAX + 2], nm[POLICY_ENV_NAME_MAX + 2];
	struct policy_err err;
	struct policy_mcp m;
	struct policy *p;
	size_t n;
	int i;

	/* 16 servers; the 17th is an error at its name */
	n = 0;
	cat(yaml, sizeof(yaml), &n, "capabilities: []\nmcp_servers:\n");
	for (i = 0; i < POLICY_MCP_SERVERS_MAX; i++)
		cat(yaml, sizeof(yaml), &n, "  s%d: {command: [x]}\n", i);
	ck_assert_msg(policy_load_buf(yaml, n, "t.yaml", &p, &err) == 0,
	    "%d:%d: %s", err.line, err.col, err.msg);
	ck_assert_uint_eq(policy_nmcp(p), 16);
	ck_assert_int_eq(policy_mcp_find(p, "s15"), 15);
	policy_free(p);
	cat(yaml, sizeof(yaml), &n, "  s16: {command: [x]}\n");
	ck_assert_int_eq(load_text(yaml, &err), -1);
	ck_assert_str_eq(err.msg, "\"mcp_servers\" has more than 16 servers");
	ck_assert_int_eq(err.line, 19);
	ck_assert_int_eq(err.col, 3);

	/* a name of 64 bytes, then 65 */
	memset(nm, 'n', POLICY_MCP_NAME_MAX);
	nm[POLICY_MCP_NAME_MAX] = '\0';
	snprintf(yaml, sizeof(yaml), "capabilities: []\nmcp_servers:\n"
	    "  %s: {command: [x]}\n", nm);
	ck_assert_int_eq(load_text(yaml, &err), 0);
	strcat(nm, "n");
	snprintf(yaml, sizeof(yaml), "capabilities: []\nmcp_servers:\n"
	    "  %s: {command: [x]}\n", nm);
	ck_assert_int_eq(load_text(yaml, &err), -1);
	ck_assert_msg(strstr(err.msg, "\" is not [a-z0-9][a-z0-9_-]* of at most "
	    "64 bytes") != NULL && err.line == 3 && err.col == 3, "%s", err.msg);

	/* 64 command entries, then 65 (the error at the 65th) */
	n = 0;
	cat(yaml, sizeof(yaml), &n, "capabilities: []\nmcp_servers:\n"
	    "  a:\n    command:\n");
	for (i = 0; i < POLICY_MCP_ARGV_MAX; i++)
		cat(yaml, sizeof(yaml), &n, "      - a%d\n", i);
	ck_assert_msg(policy_load_buf(yaml, n, "t.yaml", &p, &err) == 0,
	    "%d:%d: %s", err.line, err.col, err.msg);
	ck_assert_int_eq(policy_mcp_server(p, 0, &m), 0);
	ck_assert_uint_eq(m.argc, 64);
	ck_assert_str_eq(m.argv[63], "a63");
	policy_free(p);
	cat(yaml, sizeof(yaml), &n, "      - a64\n");
	ck_assert_int_eq(load_text(yaml, &err), -1);
	ck_assert_str_eq(err.msg, "mcp server \"a\": \"command\" has more than "
	    "64 entries");
	ck_assert_int_eq(err.line, 4 + 65);
	ck_assert_int_eq(err.col, 9);

	/* an argument of 4096 bytes, then 4097; a program of 4096 */
	memset(big, 'b', POLICY_MCP_ARG_MAX);
	big[POLICY_MCP_ARG_MAX] = '\0';
	snprintf(yaml, sizeof(yaml), "capabilities: []\nmcp_servers:\n"
	    "  a: {command: [x, %s]}\n", big);
	ck_assert_int_eq(load_text(yaml, &err), 0);
	snprintf(yaml, sizeof(yaml), "capabilities: []\nmcp_servers:\n"
	    "  a: {command: [%s]}\n", big);
	ck_assert_int_eq(load_text(yaml, &err), -1);
	ck_assert_msg(strstr(err.msg, "program is empty or too long") != NULL,
	    "%s", err.msg);
	big[POLICY_MCP_ARG_MAX - 1] = '\0';
	snprintf(yaml, sizeof(yaml), "capabilities: []\nmcp_servers:\n"
	    "  a: {command: [%s]}\n", big);
	ck_assert_int_eq(load_text(yaml, &err), 0);
	strcat(big, "bb");
	snprintf(yaml, sizeof(yaml), "capabilities: []\nmcp_servers:\n"
	    "  a: {command: [x, y, %s]}\n", big);
	ck_assert_int_eq(load_text(yaml, &err), -1);
	ck_assert_str_eq(err.msg, "mcp server \"a\": a \"command\" entry is "
	    "longer than 4096 bytes");
	ck_assert_int_eq(err.col, 23);

	/* 16 ro and 16 roots, then 17 */
	n = 0;
	cat(yaml, sizeof(yaml), &n, "capabilities: []\nmcp_servers:\n"
	    "  a:\n    command: [x]\n    ro: [");
	for (i = 0; i < POLICY_MCP_PATHS_MAX; i++)
		cat(yaml, sizeof(yaml), &n, "%s/ro/%d", i ? ", " : "", i);
	cat(yaml, sizeof(yaml), &n, "]\n    roots: [");
	for (i = 0; i < POLICY_MCP_PATHS_MAX; i++)
		cat(yaml, sizeof(yaml), &n, "%s/rw/%d", i ? ", " : "", i);
	cat(yaml, sizeof(yaml), &n, "]\n");
	ck_assert_msg(policy_load_buf(yaml, n, "t.yaml", &p, &err) == 0,
	    "%d:%d: %s", err.line, err.col, err.msg);
	ck_assert_int_eq(policy_mcp_server(p, 0, &m), 0);
	ck_assert_uint_eq(m.nro, 16);
	ck_assert_uint_eq(m.nroots, 16);
	ck_assert_str_eq(m.roots[15], "/rw/15");
	policy_free(p);
	yaml[n - 2] = '\0';	/* drop "]\n" */
	strcat(yaml, ", /rw/16]\n");
	ck_assert_int_eq(load_text(yaml, &err), -1);
	ck_assert_str_eq(err.msg, "mcp server \"a\": \"roots\" has more than 16 "
	    "paths");
	ck_assert_int_eq(err.line, 6);

	/* 32 variables, then 33; a name of 128 bytes, then 129; a
	 * template of 1024 bytes, then 1025 */
	n = 0;
	cat(yaml, sizeof(yaml), &n, "capabilities: []\nmcp_servers:\n"
	    "  a:\n    command: [x]\n    env:\n");
	for (i = 0; i < POLICY_MCP_ENV_MAX; i++)
		cat(yaml, sizeof(yaml), &n, "      V%d: v\n", i);
	ck_assert_msg(policy_load_buf(yaml, n, "t.yaml", &p, &err) == 0,
	    "%d:%d: %s", err.line, err.col, err.msg);
	ck_assert_int_eq(policy_mcp_server(p, 0, &m), 0);
	ck_assert_uint_eq(m.nenv, 32);
	policy_free(p);
	cat(yaml, sizeof(yaml), &n, "      V32: v\n");
	ck_assert_int_eq(load_text(yaml, &err), -1);
	ck_assert_str_eq(err.msg, "mcp server \"a\": \"env\" has more than 32 "
	    "variables");
	ck_assert_int_eq(err.line, 5 + 33);
	ck_assert_int_eq(err.col, 7);
	memset(nm, 'N', POLICY_ENV_NAME_MAX);
	nm[POLICY_ENV_NAME_MAX] = '\0';
	snprintf(yaml, sizeof(yaml), "capabilities: []\nmcp_servers:\n"
	    "  a: {command: [x], env: {%s: v}}\n", nm);
	ck_assert_int_eq(load_text(yaml, &err), 0);
	strcat(nm, "N");
	snprintf(yaml, sizeof(yaml), "capabilities: []\nmcp_servers:\n"
	    "  a: {command: [x], env: {%s: v}}\n", nm);
	ck_assert_int_eq(load_text(yaml, &err), -1);
	ck_assert_msg(strstr(err.msg, "\" is longer than 128 bytes") != NULL &&
	    strncmp(err.msg, "mcp server \"a\": env name \"NNN", 29) == 0,
	    "%s", err.msg);
	memset(big, 'v', POLICY_CRED_TEMPLATE_MAX);
	big[POLICY_CRED_TEMPLATE_MAX] = '\0';
	snprintf(yaml, sizeof(yaml), "capabilities: []\nmcp_servers:\n"
	    "  a: {command: [x], env: {A: %s}}\n", big);
	ck_assert_int_eq(load_text(yaml, &err), 0);
	strcat(big, "v");
	snprintf(yaml, sizeof(yaml), "capabilities: []\nmcp_servers:\n"
	    "  a: {command: [x], env: {A: %s}}\n", big);
	ck_assert_int_eq(load_text(yaml, &err), -1);
	ck_assert_str_eq(err.msg, "mcp server \"a\": env \"A\": the value is "
	    "longer than 1024 bytes");

	/* 64 sources in all, credentials and servers together: the
	 * credentials' 60, then the servers' (4 new, some shared) */
	n = 0;
	cat(yaml, sizeof(yaml), &n, "capabilities: []\ncredentials:\n"
	    "  - resource: https://x.org/\n    headers:\n      X-A: '");
	for (i = 0; i < 60; i++)
		cat(yaml, sizeof(yaml), &n, "${C%d}", i);
	cat(yaml, sizeof(yaml), &n, "'\nmcp_servers:\n  a:\n    command: [x]\n"
	    "    env:\n      A: '${C0}${M0}${file:/m/1}'\n  b:\n"
	    "    command: [y]\n    env:\n      B: '${file:/m/1}${C59}${M2}'\n"
	    "      C: '${M3}'\n");
	ck_assert_msg(policy_load_buf(yaml, n, "t.yaml", &p, &err) == 0,
	    "%d:%d: %s", err.line, err.col, err.msg);
	ck_assert_uint_eq(policy_cred_nsources(p), 64);
	ck_assert_str_eq(policy_cred_source(p, 59), "ENV:C59");
	ck_assert_str_eq(policy_cred_source(p, 60), "ENV:M0");
	ck_assert_str_eq(policy_cred_source(p, 61), "FILE:/m/1");
	ck_assert_str_eq(policy_cred_source(p, 63), "ENV:M3");
	ck_assert_uint_eq(policy_source_users(p, 0),
	    POLICY_SOURCE_CREDENTIALS | POLICY_SOURCE_MCP);
	ck_assert_uint_eq(policy_source_users(p, 1), POLICY_SOURCE_CREDENTIALS);
	ck_assert_uint_eq(policy_source_users(p, 59),
	    POLICY_SOURCE_CREDENTIALS | POLICY_SOURCE_MCP);
	ck_assert_uint_eq(policy_source_users(p, 61), POLICY_SOURCE_MCP);
	ck_assert_int_eq(policy_mcp_server(p, 0, &m), 0);
	ck_assert_uint_eq(m.nsrc, 3);
	ck_assert_uint_eq(m.src[0], 0);
	ck_assert_uint_eq(m.src[1], 60);
	ck_assert_uint_eq(m.src[2], 61);
	ck_assert_int_eq(policy_mcp_server(p, 1, &m), 0);
	ck_assert_uint_eq(m.nsrc, 4);
	ck_assert_uint_eq(m.src[0], 61);
	ck_assert_uint_eq(m.src[1], 59);
	ck_assert_uint_eq(m.src[2], 62);
	ck_assert_uint_eq(m.src[3], 63);
	/* the credentials' own source lists are unchanged */
	ck_assert_uint_eq(policy_cred_names(p, 0, (const char *[64]){ 0 }, 64),
	    60);
	policy_free(p);
	cat(yaml, sizeof(yaml), &n, "  c: {command: [z], env: {D: '${C1}${M4}'}}\n");
	ck_assert_int_eq(load_text(yaml, &err), -1);
	ck_assert_str_eq(err.msg, "mcp server \"c\": env \"D\": credentials and "
	    "mcp_servers name more than 64 sources (variables and files)");
	ck_assert_int_eq(err.line, 16);
	ck_assert_int_eq(err.col, 30);
}
END_TEST

static Suite *
cases_suite(void)
{
	Suite *s = suite_create("policy-cases");
	TCase *tc = tcase_create("decisions");

	tcase_add_loop_test(tc, test_case, 0, (int)NCASES);
	tcase_add_test(tc, test_case_count);
	suite_add_tcase(s, tc);
	tc = tcase_create("load-errors");
	tcase_add_loop_test(tc, test_load_error, 0, (int)NLCASES);
	tcase_add_test(tc, test_data_errors);
	suite_add_tcase(s, tc);
	tc = tcase_create("examples-explain");
	tcase_add_test(tc, test_examples);
	tcase_add_test(tc, test_explain);
	suite_add_tcase(s, tc);
	tc = tcase_create("proc-grant");
	tcase_add_test(tc, test_env_fails_closed);
	tcase_add_test(tc, test_proc_grant);
	tcase_add_test(tc, test_proc_limits);
	tcase_add_test(tc, test_allows_action);
	tcase_add_test(tc, test_explain_env);
	suite_add_tcase(s, tc);
	tc = tcase_create("http-credentials");
	tcase_add_test(tc, test_http_grant);
	tcase_add_test(tc, test_cred_match);
	tcase_add_test(tc, test_cred_accessors);
	tcase_add_test(tc, test_cred_limits);
	tcase_add_test(tc, test_explain_http);
	suite_add_tcase(s, tc);
	tc = tcase_create("mcp-servers");
	tcase_add_test(tc, test_mcp_accessors);
	tcase_add_test(tc, test_mcp_limits);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(cases_suite());
	int failed;

	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
