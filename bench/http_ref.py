#!/usr/bin/python3
"""bench/http_ref.py -- the reference figure for the net.http benchmark.

    http_ref.py URL N

Runs N `net.http` GETs of URL one after another through HttpProvider and
prints one line:

    ops_per_s p50_ms p99_ms

(N divided by the wall time of the N calls; the median and 99th percentile
of one call's latency). Exit 0 when every call answered 200, else 1 with
the first failure on stderr; 2 on a usage error.

HttpProvider below re-creates the Python project "Agent OS Kernel"'s
http provider from its documented behaviour ("HttpProvider: net.http
GET/POST/PUT/DELETE via urllib"): a provider object whose
execute(action, target, params) builds a urllib.request.Request(url,
method, headers, data), opens it with urllib.request.urlopen(req,
timeout) and returns {status_code, headers, body}, a 4xx/5xx being
returned with its code through urllib.error.HTTPError. The package itself
is not installable here, so this is a re-creation, not its code. Like the
original it uses urllib's defaults: a new connection per request (urllib
keeps none alive), the proxy variables of the environment honoured, the
whole body read and decoded. Python standard library only.
"""

import sys
import time
import urllib.error
import urllib.request


class HttpProvider:
    """net.http through urllib, as the Python project's provider does it."""

    name = "http"
    actions = ("net.http",)

    def execute(self, action, target, params=None):
        if action not in self.actions:
            raise ValueError("unsupported action: %s" % action)
        params = params or {}
        method = str(params.get("method", "GET")).upper()
        headers = dict(params.get("headers") or {})
        body = params.get("body")
        data = body.encode("utf-8") if isinstance(body, str) else body
        timeout = params.get("timeout", 30)
        req = urllib.request.Request(target, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return {
                    "status_code": resp.status,
                    "headers": dict(resp.headers),
                    "body": resp.read().decode("utf-8", errors="replace"),
                }
        except urllib.error.HTTPError as e:
            # 4xx and 5xx are answers, with their code
            return {
                "status_code": e.code,
                "headers": dict(e.headers or {}),
                "body": e.read().decode("utf-8", errors="replace"),
            }


def percentile(sorted_ms, p):
    """The nearest-rank percentile of a sorted list."""
    if not sorted_ms:
        return 0.0
    k = max(0, min(len(sorted_ms) - 1, int(-(-p * len(sorted_ms) // 100)) - 1))
    return sorted_ms[k]


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: http_ref.py URL N\n")
        return 2
    url = argv[1]
    try:
        n = int(argv[2])
        if n < 1:
            raise ValueError
    except ValueError:
        sys.stderr.write("http_ref.py: N must be a positive integer\n")
        return 2
    provider = HttpProvider()
    lat = []
    t0 = time.perf_counter()
    for i in range(n):
        s = time.perf_counter()
        try:
            r = provider.execute("net.http", url, {"method": "GET"})
        except Exception as e:  # a refused connection, a timeout: an error
            sys.stderr.write("http_ref.py: request %d: %s\n" % (i + 1, e))
            return 1
        lat.append((time.perf_counter() - s) * 1000.0)
        if r["status_code"] != 200:
            sys.stderr.write("http_ref.py: request %d: status %d\n" % (i + 1, r["status_code"]))
            return 1
    total = time.perf_counter() - t0
    lat.sort()
    print("%.1f %.3f %.3f" % (n / total, percentile(lat, 50), percentile(lat, 99)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
