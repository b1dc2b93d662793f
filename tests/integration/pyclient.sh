#!/usr/bin/env bash
# tests/integration/pyclient.sh -- agent/python/aksup_client.py, the
# single-file Python client of the agent channel: an agent using it runs
# under aksup run (real sessions, real broker and workers) and gets
# each status, pipelined answers in request order, llm.chat decided.
#
#   AKSUP_BIN=DIR  AKSUP_SRC=DIR  tests/integration/pyclient.sh [TEST...]
#
# scripts/test.sh runs it as root and as an unprivileged user. Prints
# "N passed, N failed, N skipped" last.
set -u
BIN=${AKSUP_BIN:?set AKSUP_BIN}
SRC=${AKSUP_SRC:?set AKSUP_SRC}
AKSUP="$BIN/aksup"
PY=/usr/bin/python3
T=$(mktemp -d /tmp/aksup-py.XXXXXX)
chmod 755 "$T"
WS="$T/ws"
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT

# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

# the client and the agents, where the agent's view can have them
mkdir -p "$T/lib" "$WS"
cp "$SRC/agent/python/aksup_client.py" "$T/lib/"
chmod -R a+rX "$T/lib"
echo "hello" > "$WS/notes.txt"
chmod -R a+rwX "$WS"
cat > "$T/p.yaml" <<YAML
capabilities:
  - action: fs.read
    resource: $WS/**
  - action: fs.write
    resource: $WS/**
    snapshot: false
  - action: llm.chat
    resource: "openai/*"
YAML
chmod 644 "$T/p.yaml"

run_agent() {	# run_agent SCRIPT ARGS... -> its stdout; $T/err its stderr
	chmod 644 "$T/$1"
	"$AKSUP" run --policy "$T/p.yaml" --log-path "$T/log" --ro "$T/lib" \
	    --ro "$T/$1" -- "$PY" "$T/$1" "${@:2}" 2>"$T/err"
}

t_statuses() {
	local ok=0 out
	cat > "$T/a1.py" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
from aksup_client import Client, Answer
ws = sys.argv[2]
with Client() as c:
    r = c.submit("fs.read", ws + "/notes.txt")
    print("read", r.status, r.data.strip(), len(r.record_id))
    d = c.submit("fs.read", "/etc/shadow")
    print("shadow", d.status, d.ok, "denied" in (d.error or "").lower() or d.error)
    e = c.submit("fs.write", ws + "/x", {"content": 5})
    print("bad", e.status, e.ok)
PY
	out=$(run_agent a1.py "$T/lib" "$WS")
	check "an OK read with its data and record id ($out)" grep -qx "read OK hello 36" <<<"$out" || ok=1
	check "DENIED, ok false" grep -q "^shadow DENIED False" <<<"$out" || ok=1
	check "a malformed request: ERROR" grep -qx "bad ERROR False" <<<"$out" || ok=1
	return $ok
}

t_pipelined() {
	local ok=0 out
	cat > "$T/a2.py" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
from aksup_client import Client
ws = sys.argv[2]
with Client() as c:
    reqs = []
    for i in range(200):
        if i % 3 == 2:
            reqs.append(("fs.read", "/etc/hostname", None))   # DENIED
        else:
            reqs.append(("fs.write", "%s/f%03d" % (ws, i), {"content": str(i)}))
    ans = c.submit_many(reqs)
    order = all(a.id == ans[0].id + k for k, a in enumerate(ans))
    want = all((a.status == "DENIED") == (k % 3 == 2) for k, a in enumerate(ans))
    print(len(ans), order, want, sum(a.ok for a in ans))
PY
	out=$(run_agent a2.py "$T/lib" "$WS")
	check "200 answers, in request order, each as the policy says ($out)" [ "$out" = "200 True True 134" ] || ok=1
	check "each written" [ "$(cat "$WS/f199")" = 199 ] || ok=1
	check "none refused for too many at once" bash -c '! grep -q "too many" "$1"' _ "$T/log" || ok=1
	return $ok
}

t_chat() {
	local ok=0 out
	cat > "$T/a3.py" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
from aksup_client import Client
with Client() as c:
    a = c.chat("openai/gpt-4o-mini", [{"role": "user", "content": "hi"}],
               max_tokens=16)
    print("allowed", a.status, a.error)
    b = c.chat("anthropic/claude-sonnet-4-5", [{"role": "user", "content": "hi"}])
    print("other", b.status)
    e = c.chat("openai/gpt-4o-mini", [], max_tokens="many")
    print("bad", e.status)
PY
	out=$(unset OPENAI_API_KEY; run_agent a3.py "$T/lib")
	check "llm.chat allowed, served by the llm worker: no key here ($out)" \
	    grep -q "^allowed ERROR no API key for openai" <<<"$out" || ok=1
	check "a model the policy does not name: DENIED" grep -qx "other DENIED" <<<"$out" || ok=1
	check "max_tokens not an integer: ERROR" grep -qx "bad ERROR" <<<"$out" || ok=1
	check "decided and recorded" [ "$(jq -r 'select(.type == "decision" and .action == "llm.chat") | .status' "$T/log" | sort | uniq -c | xargs)" = "1 ALLOWED 1 DENIED 1 INVALID" ] || ok=1
	return $ok
}

# Outside aksup: fd 3 is no channel: a word, not a hang.
t_outside() {
	local ok=0 out
	out=$("$PY" -I -c 'import sys; sys.path.insert(0, sys.argv[1]); import aksup_client
try:
    aksup_client.Client()
except aksup_client.AksupError as e:
    print("refused:", e)' "$T/lib" 3</dev/null 2>&1)
	check "refused with a word ($out)" grep -q "^refused: fd 3 is not the aksup channel" <<<"$out" || ok=1
	# the standard library only: it imports in an isolated interpreter
	check "standard library only" "$PY" -I -S -c "import sys; sys.path.insert(0, '$T/lib'); import aksup_client" || ok=1
	return $ok
}

ALL="statuses pipelined chat outside"
cd "$T" || exit 1
echo "python client tests as $(id -un) (uid $(id -u))"
for t in ${*:-$ALL}; do
	run_one "$t" "t_$t"
done
finish
