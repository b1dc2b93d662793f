/*
 * broker/hotpath.c -- aksup-hotpath: the broker's per-request work, phase
 * by phase, without the channels: decode, canonical target, defaults,
 * decision, params digest, audit record, answer. For profiling
 * (valgrind --tool=callgrind aksup-hotpath) and for docs/PERFORMANCE.md.
 *
 * Runs in: the developer's shell, not in a session: a harness of the
 * broker's own code (it links the broker core in-process, as the fuzzers
 * do), so it lives in the broker's folder. Privilege: none; writes a
 * temp file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit/audit.h"
#include "broker/broker.h"
#include "policy/policy.h"


static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int
main(int argc, char **argv)
{
	static const char pol[] = "capabilities:\n  - action: fs.read\n"
	    "    resource: /workspace/**\n";
	const char *req = "{\"id\":17,\"action\":\"fs.read\",\"target\":"
	    "\"/workspace/file.txt\"}";
	char tmpl[] = "/tmp/aksup-hotpath.XXXXXX", why[200], canon[4096];
	char hex[65], err[256];
	struct audit_opts o = { AUDIT_SYNC_NONE, 0, 0, 0, 0, 0 };
	struct audit_session ses = { "0", "p", "x", "", "", NULL, NULL };
	struct policy_decision d;
	struct policy_err perr;
	struct policy *p;
	struct audit *a;
	struct request rq;
	struct audit_rec r;
	double t[8] = { 0 }, t0;
	size_t len, plen;
	char *s, pbuf[256];
	int fd, i, N = argc > 1 ? atoi(argv[1]) : 100000;

	if (N <= 0)
		N = 100000;
	if (policy_load_buf(pol, sizeof(pol) - 1, "p", &p, &perr) < 0)
		return 1;
	if ((fd = mkstemp(tmpl)) < 0)
		return 1;
	unlink(tmpl);
	if (audit_open(fd, &o, &a, err, sizeof(err)) < 0 ||
	    audit_begin(a, &ses, -1, err, sizeof(err)) < 0) {
		fprintf(stderr, "audit: %s\n", err);
		return 1;
	}
	for (i = 0; i < N; i++) {
		t0 = now();
		request_decode(req, strlen(req), &rq, why, sizeof(why));
		t[0] += now() - t0; t0 = now();
		path_normalize(rq.target, rq.target_len, canon, sizeof(canon));
		provider_prepare(rq.action, rq.params, why, sizeof(why));
		t[1] += now() - t0; t0 = now();
		policy_decide(p, rq.action, canon, rq.params, &d);
		t[2] += now() - t0; t0 = now();
		plen = json_dumpb(rq.params, pbuf, sizeof(pbuf), JSON_COMPACT |
		    JSON_SORT_KEYS | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
		audit_hash_hex(a, pbuf, plen, hex);
		t[3] += now() - t0; t0 = now();
		memset(&r, 0, sizeof(r));
		r.type = AUDIT_R_DECISION; r.action = rq.action; r.target = canon;
		r.params_sha256 = hex; r.status = AUDIT_S_ALLOWED; r.rule = d.rule_id;
		r.duration_ms = 0.01; r.record_id = "0f6c4a1e-8f7a-4f33-9d1c-2b8e7c5d9a10";
		audit_write(a, &r);
		t[4] += now() - t0; t0 = now();
		s = response_encode_text(rq.id, "DENIED", NULL, 0, "not permitted",
		    r.record_id, &len);
		free(s);
		t[5] += now() - t0; t0 = now();
		request_free(&rq);
		t[6] += now() - t0;
	}
	printf("per request (ns): decode %.0f, canonical+defaults %.0f, "
	    "decide %.0f, params digest %.0f, audit record %.0f, answer %.0f, "
	    "free %.0f\n", t[0] / N, t[1] / N, t[2] / N, t[3] / N, t[4] / N,
	    t[5] / N, t[6] / N);
	audit_close(a);
	policy_free(p);
	return 0;
}
