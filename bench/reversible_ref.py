#!/usr/bin/python3
"""bench/reversible_ref.py -- the reference figure for the snapshot benchmark.

    reversible_ref.py DIR N

Makes DIR (if missing) and in it a workspace of four 2500-byte text
files, then runs N `fs.write` requests one after another through a
ReversibleActionLayer, each overwriting one of the four (in turn) with
new 2500 bytes of text, and prints one line:

    ops_per_s p50_ms p99_ms

(N divided by the wall time of the N submits; the median and 99th
percentile of one submit's latency). Exit 0 when every write was allowed
and done, its snapshot is in the store, and a rollback (after the
timing) restores the last file's prior text; else 1 with the first
failure on stderr; 2 on a usage error.

What is below re-creates the Python project "Agent OS Kernel"'s write path
through its ReversibleActionLayer from documented behaviour only:

    layer = ReversibleActionLayer(kernel=kernel,
                                  strategies=[FsWriteSnapshotStrategy()],
                                  store=SnapshotStore("/tmp/.snapshots"))
    layer.submit(ActionRequest(action="fs.write", target=...,
                               params={"content": ...}))
    layer.rollback(record_id)

submit() captures a snapshot automatically, then submits the request to
the kernel, which decides by policy (action and a glob over the target),
appends the decision to its audit log ("append-only JSONL with hash
chain") and runs the FilesystemProvider's write. The package itself is
not installable here, so this is a re-creation, not its code. Its known
traits are kept: the snapshot is taken before the policy check; the file
is read as text (undecodable bytes replaced, CRLF read as LF) and its
mode is not kept; the snapshot is a JSON file named by the record id in
the store's directory; the provider writes with open(path, "w").write().
Where the documentation says nothing, the plainest choice is made: the
audit log opened in append mode for each record, flushed by the close,
never fsync'd; the record id a uuid4 made with the request; nothing
fsync'd anywhere. Python standard library only.
"""

import fnmatch
import hashlib
import json
import os
import sys
import time
import uuid
from dataclasses import dataclass, field

FILES = 4       # the existing files the writes overwrite, in turn
SIZE = 2500     # bytes of text, before and after (as bench/snapshot.c)


@dataclass
class ActionRequest:
    action: str
    target: str
    params: dict = field(default_factory=dict)
    record_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class ActionResult:
    record_id: str
    status: str                 # "OK", "DENIED" or "ERROR"
    result: object = None
    error: str = None


class Policy:
    """Allow rules of (action, target glob); anything else is denied."""

    def __init__(self, rules):
        self.rules = list(rules)

    def decide(self, action, target):
        for i, (act, glob) in enumerate(self.rules):
            if act == action and fnmatch.fnmatchcase(target, glob):
                return True, "rule %d" % i
        return False, "no rule allows it"


class AuditLog:
    """Append-only JSONL, each record chained to the one before by hash."""

    def __init__(self, path):
        self.path = path
        self.prev = "0" * 64

    def append(self, entry):
        entry = dict(entry, timestamp=time.time(), prev_hash=self.prev)
        body = json.dumps(entry, sort_keys=True, separators=(",", ":"))
        entry["hash"] = hashlib.sha256((self.prev + body).encode("utf-8")).hexdigest()
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, sort_keys=True) + "\n")
        self.prev = entry["hash"]


class FilesystemProvider:
    name = "filesystem"
    actions = ("fs.write",)

    def execute(self, action, target, params):
        if action != "fs.write":
            raise ValueError("unsupported action: %s" % action)
        content = params.get("content", "")
        with open(target, "w") as f:
            f.write(content)
        return {"bytes_written": len(content)}


class Kernel:
    """Policy, then the audit record, then the provider."""

    def __init__(self, policy, audit, providers):
        self.policy = policy
        self.audit = audit
        self.providers = {a: p for p in providers for a in p.actions}

    def submit(self, req):
        allowed, reason = self.policy.decide(req.action, req.target)
        self.audit.append({"record_id": req.record_id, "action": req.action,
                           "target": req.target,
                           "decision": "allow" if allowed else "deny",
                           "reason": reason})
        if not allowed:
            return ActionResult(req.record_id, "DENIED", error=reason)
        try:
            out = self.providers[req.action].execute(req.action, req.target,
                                                     req.params)
        except Exception as e:  # the provider's failure is the answer
            return ActionResult(req.record_id, "ERROR", error=str(e))
        return ActionResult(req.record_id, "OK", result=out)


class SnapshotStore:
    """One JSON file per snapshot, named by its record id."""

    def __init__(self, root):
        self.root = root
        os.makedirs(root, exist_ok=True)

    def _path(self, record_id):
        return os.path.join(self.root, record_id + ".json")

    def save(self, record_id, snap):
        with open(self._path(record_id), "w") as f:
            json.dump(snap, f)

    def load(self, record_id):
        with open(self._path(record_id)) as f:
            return json.load(f)


class FsWriteSnapshotStrategy:
    """The file's prior text (not its bytes, not its mode)."""

    action = "fs.write"

    def capture(self, req):
        path = req.target
        if not os.path.exists(path):
            return {"action": req.action, "target": path, "existed": False}
        with open(path, "r", encoding="utf-8", errors="replace") as f:
            return {"action": req.action, "target": path, "existed": True,
                    "content": f.read()}

    def restore(self, snap):
        if snap["existed"]:
            with open(snap["target"], "w") as f:
                f.write(snap["content"])
        elif os.path.exists(snap["target"]):
            os.unlink(snap["target"])


class ReversibleActionLayer:
    """A snapshot first (before the kernel's policy check), then the kernel."""

    def __init__(self, kernel, strategies, store):
        self.kernel = kernel
        self.strategies = {s.action: s for s in strategies}
        self.store = store

    def submit(self, req):
        s = self.strategies.get(req.action)
        if s is not None:
            self.store.save(req.record_id, s.capture(req))
        return self.kernel.submit(req)

    def rollback(self, record_id):
        snap = self.store.load(record_id)
        self.strategies[snap["action"]].restore(snap)


def text(tag, k):
    """SIZE bytes of text: 25 lines of 99 characters and a newline."""
    out = []
    for line in range(SIZE // 100):
        head = "%s %04d line %02d " % (tag, k, line)
        out.append((head + "abcdefghijklmnopqrstuvwxyz" * 4)[:99] + "\n")
    return "".join(out)


def percentile(sorted_ms, p):
    """The nearest-rank percentile of a sorted list."""
    if not sorted_ms:
        return 0.0
    k = max(0, min(len(sorted_ms) - 1, int(-(-p * len(sorted_ms) // 100)) - 1))
    return sorted_ms[k]


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: reversible_ref.py DIR N\n")
        return 2
    base = os.path.abspath(argv[1])
    try:
        n = int(argv[2])
        if n < 1:
            raise ValueError
    except ValueError:
        sys.stderr.write("reversible_ref.py: N must be a positive integer\n")
        return 2
    ws = os.path.join(base, "ws")
    os.makedirs(ws, exist_ok=True)
    files = [os.path.join(ws, "doc%d.txt" % k) for k in range(FILES)]
    for k, path in enumerate(files):
        with open(path, "w") as f:
            f.write(text("original", k))
    kernel = Kernel(Policy([("fs.write", ws + "/**")]),
                    AuditLog(os.path.join(base, "audit.jsonl")),
                    [FilesystemProvider()])
    store = SnapshotStore(os.path.join(base, ".snapshots"))
    layer = ReversibleActionLayer(kernel=kernel,
                                  strategies=[FsWriteSnapshotStrategy()],
                                  store=store)
    lat = []
    ids = []
    t0 = time.perf_counter()
    for i in range(n):
        req = ActionRequest(action="fs.write", target=files[i % FILES],
                            params={"content": text("write", i)})
        s = time.perf_counter()
        r = layer.submit(req)
        lat.append((time.perf_counter() - s) * 1000.0)
        if r.status != "OK" or r.result["bytes_written"] != SIZE:
            sys.stderr.write("reversible_ref.py: write %d: %s %s\n" %
                             (i + 1, r.status, r.error))
            return 1
        ids.append(r.record_id)
    total = time.perf_counter() - t0
    # untimed: every snapshot is there, and the last one restores
    missing = [r for r in ids if not os.path.isfile(store._path(r))]
    if missing:
        sys.stderr.write("reversible_ref.py: %d of %d snapshots not in the store\n"
                         % (len(missing), n))
        return 1
    last = files[(n - 1) % FILES]
    prior = text("write", n - 1 - FILES) if n > FILES else text("original", (n - 1) % FILES)
    layer.rollback(ids[-1])
    with open(last) as f:
        if f.read() != prior:
            sys.stderr.write("reversible_ref.py: rollback of %s did not restore it\n" % ids[-1])
            return 1
    lat.sort()
    print("%.1f %.3f %.3f" % (n / total, percentile(lat, 50), percentile(lat, 99)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
