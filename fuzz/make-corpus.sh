#!/bin/sh
# fuzz/make-corpus.sh -- (re)write the seed corpora of fuzz_request and
# fuzz_wire (fuzz/corpus/request/, fuzz/corpus/wire/). Idempotent; run from
# anywhere. Needs python3. Files are named by what they exercise.
set -eu
cd "$(dirname "$0")/corpus"
exec python3 - <<'PY'
import os, struct

def put(d, name, data):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())

R = "request"
# well-formed, one per fs action, with params
put(R, "read", '{"id":1,"action":"fs.read","target":"/workspace/a.txt"}')
put(R, "read-base64", '{"id":"r-2","action":"fs.read","target":"/workspace/bin.dat","params":{"encoding":"base64"}}')
put(R, "write-utf8", '{"id":3,"action":"fs.write","target":"/workspace/out/x.txt","params":{"content":"hello\\nworld","encoding":"utf-8"}}')
put(R, "write-base64", '{"id":4,"action":"fs.write","target":"/workspace/b.bin","params":{"content":"AAEC/w==","encoding":"base64"}}')
put(R, "delete-dotdot", '{"id":5,"action":"fs.delete","target":"/workspace/../workspace//tmp/./x","params":null}')
put(R, "list", '{"id":6,"action":"fs.list","target":"/workspace/","params":{}}')
put(R, "exec-bare", '{"id":11,"action":"proc.exec","target":"git","params":{"args":["log","--oneline"],"cwd":"/workspace","env":{"GIT_DIR":"/workspace/.git"},"stdin":"","timeout":5,"max_output":4096}}')
put(R, "exec-abs-string-args", '{"id":12,"action":"proc.exec","target":"/usr/bin/sh","params":{"args":"-c id"}}')
put(R, "non-fs", '{"id":7,"action":"net.http","target":"https://api.example.com/v1/x","params":{"method":"GET"}}')
put(R, "http-full", '{"id":12,"action":"net.http","target":"https://api.example.com/v1/items?q=1","params":{"method":"post","headers":{"Accept":"application/json","X-Trace":"a\\tb"},"body":{"name":"x","tags":[1,2]},"timeout":5.5,"max_bytes":4096,"follow_redirects":2}}')
put(R, "rollback", '{"id":13,"action":"snapshot.rollback","target":"0f8fad5b-d9cb-469f-a165-70867728950e","params":{"force":true}}')
put(R, "rollback-traversal", '{"id":14,"action":"snapshot.rollback","target":"../meta/0f8fad5b-d9cb-469f-a165-70867728950e"}')
# fs params the checker refuses
put(R, "write-no-content", '{"id":8,"action":"fs.write","target":"/workspace/a","params":{"encoding":"utf-8"}}')
put(R, "bad-encoding", '{"id":9,"action":"fs.read","target":"/workspace/a","params":{"encoding":"latin-1"}}')
put(R, "relative-target", '{"id":10,"action":"fs.read","target":"workspace/a"}')
# malformed: an object, fields wrong
put(R, "missing-id", '{"action":"fs.read","target":"/workspace/a"}')
put(R, "id-float", '{"id":1.5,"action":"fs.read","target":"/workspace/a"}')
put(R, "target-not-string", '{"id":11,"action":"fs.read","target":["/workspace/a"]}')
put(R, "params-not-object", '{"id":12,"action":"fs.list","target":"/workspace","params":[1,2]}')
put(R, "unknown-field", '{"id":13,"action":"fs.read","target":"/workspace/a","extra":true}')
put(R, "unknown-field-utf8", '{"id":14,"action":"fs.read","target":"/a","' + "k" * 39 + '\u00e9\u00e9":1}')
# the gate's params table and field bounds (docs/PROTOCOL.md §2)
put(R, "list-encoding-int", '{"id":1,"action":"fs.list","target":"/w","params":{"encoding":5}}')
put(R, "delete-encoding-int", '{"id":2,"action":"fs.delete","target":"/w/o/f","params":{"encoding":5}}')
put(R, "unknown-param", '{"id":3,"action":"fs.read","target":"/w/a","params":{"depth":2}}')
put(R, "id-too-long", '{"id":"' + "a" * 300 + '","action":"fs.write","target":"/w/o/b","params":{"content":"x"}}')
put(R, "long-action-bad-id", '{"id":[1],"action":"' + "a" * 2000 + '","target":"/x","extra":1}')
put(R, "exec-bad-args", '{"id":1,"action":"proc.exec","target":"git","params":{"args":["a",1],"timeout":"x"}}')
# framing: not a (valid) JSON object
put(R, "duplicate-key", '{"id":15,"action":"fs.read","action":"fs.write","target":"/workspace/a"}')
put(R, "nul-escape", '{"id":16,"action":"fs.read","target":"/workspace/a\\u0000/etc/passwd"}')
put(R, "unicode-escapes", '{"id":"\\ud83d\\ude00","action":"fs.read","target":"/workspace/\\u00e9t\\u00e9/\\u2603","params":{"encoding":"utf-8"}}')
put(R, "huge-numbers", '{"id":99999999999999999999999,"action":"fs.read","target":"/a","params":{"n":1e999,"m":-9223372036854775808}}')
put(R, "deep-nesting", '{"id":17,"action":"fs.read","target":"/a","params":{"x":' + "[" * 3000 + "]" * 3000 + "}}")
put(R, "not-an-object", '["fs.read","/workspace/a"]')
put(R, "trailing-garbage", '{"id":18,"action":"fs.read","target":"/a"} {"id":19}')
put(R, "invalid-utf8", b'{"id":20,"action":"fs.read","target":"/a\xff\xfe"}')
put(R, "chat-tools", '{"id":21,"action":"llm.chat","target":"openai/gpt-4o-mini","params":{"messages":[{"role":"system","content":"be brief"},{"role":"user","content":"read a"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"read_file","arguments":"{\\"path\\":\\"/a\\"}"}}]},{"role":"tool","tool_call_id":"c1","content":"hi"}],"tools":[{"type":"function","function":{"name":"read_file","parameters":{"type":"object"}}}],"max_tokens":64,"temperature":0.2,"timeout":30}}')
put(R, "chat-bad-target", '{"id":22,"action":"llm.chat","target":"gpt-4o","params":{"messages":[{"role":"user","content":"x"}]}}')

W = "wire"
BROKER_READY, FS_REQ, FS_RESP = 1, 2, 3
TO_BROKER, TO_FS, TO_SUP = 0, 1, 2   # role byte: receiving end (mod 3)

def pkt(role, typ, payload, tag=7, length=None):
    n = len(payload) if length is None else length
    return bytes([role]) + struct.pack("<IIQ", typ, n, tag) + payload

def fs_req(op, root, enc, path, target, data):
    return struct.pack("<6I", op, root, enc, len(path), len(data), len(target)) + path + target + data

put(W, "fs-req-read", pkt(TO_FS, FS_REQ, fs_req(1, 0, 0, b"a.txt", b"/workspace/a.txt", b"")))
put(W, "fs-req-write", pkt(TO_FS, FS_REQ, fs_req(2, 1, 1, b"out/x", b"/workspace/out/x", b"AAEC/w==")))
put(W, "fs-resp-ok", pkt(TO_BROKER, FS_RESP, struct.pack("<II", 1, 0) + b'{"content":"hi"}', tag=42))
put(W, "fs-resp-err", pkt(TO_BROKER, FS_RESP, struct.pack("<II", 0, 0) + b"no such file", tag=43))
put(W, "broker-ready", pkt(TO_SUP, BROKER_READY, b"/workspace\0/tmp\0", tag=0))
put(W, "broker-ready-empty", pkt(TO_SUP, BROKER_READY, b"", tag=0))
# broken ones
put(W, "wrong-direction", pkt(TO_FS, FS_RESP, struct.pack("<II", 1, 0)))
put(W, "unknown-type", pkt(TO_BROKER, 9, b"xx"))
put(W, "len-mismatch", pkt(TO_FS, FS_REQ, fs_req(3, 0, 0, b"a", b"/a", b""), length=200))
put(W, "too-small", pkt(TO_FS, FS_REQ, b"\1\0\0\0"))
put(W, "short-header", bytes([TO_SUP]) + b"\1\0\0\0\0\0")
PY
