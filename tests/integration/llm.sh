#!/usr/bin/env bash
# tests/integration/llm.sh -- llm.chat (docs/AGENT.md, docs/PROTOCOL.md
# §6): the llm worker against a scripted model server on 127.0.0.1
# (tests/llm/fake_llm.py: the OpenAI chat API and Anthropic's Messages
# API, real HTTP), through real sessions, the agent an external Python
# agent on agent/python/aksup_client.py: a tool call and its result, the
# Anthropic translation, parallel tool calls, malformed answers, 429
# then success, 5xx given up, a slow answer cut by its timeout, the
# session's token budget (DENIED, audited), the key only in the llm
# worker, the offline replay model, and the refusals before any call.
#
#   AKSUP_BIN=DIR AKSUP_SRC=DIR tests/integration/llm.sh [TEST...]
#
# scripts/test.sh runs it as root and as an unprivileged user (one test,
# which reads other processes' memory, needs root). Each test starts its
# own server (port 0) and kills it. Prints "N passed, N failed, N
# skipped" last.
set -u
BIN=${AKSUP_BIN:?set AKSUP_BIN}
SRC=${AKSUP_SRC:?set AKSUP_SRC}
AKSUP="$BIN/aksup"
PY=/usr/bin/python3
FAKE="$SRC/tests/llm/fake_llm.py"
T=$(mktemp -d /tmp/aksup-llm.XXXXXX)
chmod 755 "$T"
SERVER=
KEY=sk-test-0123456789abcdef
cleanup() {
	[ -z "$SERVER" ] || { kill "$SERVER"; wait "$SERVER"; } 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../llm/serve.sh
. "$(dirname "$0")/../llm/serve.sh"

mkdir -p "$T/lib" "$T/ag" "$T/ops"
cp "$SRC/agent/python/aksup_client.py" "$T/lib/"
chmod -R a+rX "$T/lib" "$T/ag"

# The agent: runs the calls of a plan (JSON, argv[2]) in order and
# prints one line per answer: STATUS, then the message's text, its tool
# calls (name:arguments), the usage, or the error. A call whose
# "follow" is true first appends the last answer's message and a tool
# result for each of its tool calls ("result of NAME").
cat > "$T/ag/agent.py" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1])
from aksup_client import Client
plan = json.loads(sys.argv[2])
msgs, last = [], None
with Client() as c:
    for call in plan:
        if call.get("follow") and last is not None and last.ok:
            m = last.data["message"]
            msgs.append(m)
            for tc in m.get("tool_calls", []):
                msgs.append({"role": "tool", "tool_call_id": tc["id"],
                             "content": "result of " + tc["function"]["name"]})
        msgs += call.get("add", [])
        p = dict(call.get("params", {}))
        if call.get("raw_messages") is not None:
            p["messages"] = call["raw_messages"]
        else:
            p["messages"] = msgs
        if call.get("tools"):
            p["tools"] = call["tools"]
        last = c.submit("llm.chat", call["model"], p)
        if last.ok:
            m = last.data["message"]
            tcs = ",".join(t["function"]["name"] + ":" + t["function"]["arguments"]
                           for t in m.get("tool_calls", []))
            u = last.data["usage"]
            print(last.status, repr(m.get("content")), tcs or "-",
                  last.data["finish_reason"],
                  "%d+%d" % (u["input_tokens"], u["output_tokens"]))
        else:
            print(last.status, last.error)
        sys.stdout.flush()
PY
chmod 644 "$T/ag/agent.py"

TOOLS='[{"type":"function","function":{"name":"read_file","description":"read","parameters":{"type":"object","properties":{"path":{"type":"string"}},"required":["path"]}}}]'
USER='[{"role":"system","content":"be brief"},{"role":"user","content":"read a.txt"}]'

# policy P: allow llm.chat of these targets (extra YAML after)
policy() {
	{
		echo "capabilities:"
		echo "  - action: llm.chat"
		echo "    resource: \"$1\""
		[ -z "${2:-}" ] || echo "$2"
	} > "$T/ops/p.yaml"
	chmod 644 "$T/ops/p.yaml"
}



# run PLAN [aksup options...]: the agent's lines on stdout, $T/err
run() {
	local plan=$1; shift
	rm -f "$T/ops/log"
	"$AKSUP" run --policy "$T/ops/p.yaml" --log-path "$T/ops/log" \
	    --ro "$T/lib" --ro "$T/ag" "$@" -- "$PY" "$T/ag/agent.py" \
	    "$T/lib" "$plan" 2>"$T/err"
}

absent() { ! grep -qF -- "$1" <<<"$2"; }	# absent NEEDLE TEXT

t_openai_tool_loop() {
	local ok=0 out
	policy "fake/*"
	serve '{"steps":[{"expect":{"model":"gpt-x"},"tool_calls":[{"name":"read_file","arguments":{"path":"a.txt"}}],"usage":{"input":30,"output":7}},{"expect":{"last_role":"tool","contains":"result of read_file"},"text":"It says hi.","usage":{"input":50,"output":4}}]}' || return 1
	out=$(OPENAI_API_KEY=wrong FAKE_API_KEY=$KEY run "[{\"model\":\"fake/gpt-x\",\"add\":$USER,\"tools\":$TOOLS},{\"model\":\"fake/gpt-x\",\"follow\":true,\"tools\":$TOOLS}]" --llm "fake=http://127.0.0.1:$PORT/v1")
	check "the tool call, then the answer to its result ($out; $(cat "$T/err"))" \
	    grep -qx "OK None read_file:{\"path\": \"a.txt\"} tool_calls 30+7" <<<"$out" || ok=1
	check "the model's text after the tool's result" \
	    grep -qx "OK 'It says hi.' - stop 50+4" <<<"$out" || ok=1
	check "two requests reached the server" [ "$(requests)" = 2 ] || ok=1
	check "with the key of FAKE_API_KEY as a bearer token" \
	    [ "$(req 1 '.headers.authorization')" = "Bearer $KEY" ] || ok=1
	check "the second carried the tool's result" \
	    [ "$(req 1 '.body.messages[3].role + ":" + .body.messages[3].tool_call_id')" = "tool:call_0_0" ] || ok=1
	check "each outcome records its tokens" \
	    [ "$(grep -c '"tokens":{"input":30,"output":7}' "$T/ops/log")" = 1 ] || ok=1
	check "the key is nowhere in the log" \
	    bash -c "! grep -q '$KEY' '$T/ops/log'" || ok=1
	return $ok
}

t_anthropic() {
	local ok=0 out
	policy "anthropic/*"
	serve '{"steps":[{"tool_calls":[{"name":"read_file","arguments":{"path":"a.txt"}},{"name":"read_file","arguments":{"path":"b.txt"}}]},{"expect":{"last_role":"tool"},"text":"Both read."}]}' || return 1
	out=$(ANTHROPIC_API_KEY=$KEY run "[{\"model\":\"anthropic/claude-t\",\"add\":$USER,\"tools\":$TOOLS},{\"model\":\"anthropic/claude-t\",\"follow\":true,\"tools\":$TOOLS}]" --llm "anthropic=http://127.0.0.1:$PORT/v1")
	check "two parallel tool calls in one answer ($out; $(cat "$T/err"))" \
	    grep -q "^OK None read_file:{\"path\":\"a.txt\"},read_file:{\"path\":\"b.txt\"} tool_calls" <<<"$out" || ok=1
	check "then the text" grep -q "^OK 'Both read.' - stop" <<<"$out" || ok=1
	check "the Messages API: x-api-key, a version, the system prompt apart" \
	    [ "$(req 0 '.path + " " + .headers["x-api-key"] + " " + (.headers["anthropic-version"] != null | tostring) + " " + .body.system')" = "/v1/messages $KEY true be brief" ] || ok=1
	check "both tool results in one user message" \
	    [ "$(req 1 '[.body.messages[-1].role, (.body.messages[-1].content | map(.type) | join(","))] | join(" ")')" = "user tool_result,tool_result" ] || ok=1
	check "max_tokens always sent (the API requires it)" \
	    [ "$(req 0 '.body.max_tokens')" = 4096 ] || ok=1
	return $ok
}

t_malformed() {
	local ok=0 out
	policy "fake/*"
	serve '{"steps":[{"raw":"{\"choices\": [{\"message\": "},{"body":{"choices":[{"message":{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"rm -rf","arguments":"{}"}}]}}]}},{"text":"still here"}]}' || return 1
	out=$(FAKE_API_KEY=$KEY run "[{\"model\":\"fake/m\",\"add\":$USER},{\"model\":\"fake/m\"},{\"model\":\"fake/m\"}]" --llm "fake=http://127.0.0.1:$PORT")
	check "an answer that is not JSON: ERROR ($out)" \
	    grep -q "^ERROR the model's answer is not JSON" <<<"$out" || ok=1
	check "a tool name that is no name: ERROR" \
	    grep -q "^ERROR .*name" <<<"$(sed -n 2p <<<"$out")" || ok=1
	check "the session goes on" grep -q "^OK 'still here'" <<<"$out" || ok=1
	return $ok
}

t_retry() {
	local ok=0 out s e
	policy "fake/*"
	serve '{"steps":[{"status":429,"error":"slow down"},{"status":503,"error":"busy"},{"text":"at last"},{"status":500,"error":"down","headers":{"Retry-After":"0"}},{"status":500,"error":"down","headers":{"Retry-After":"0"}},{"status":500,"error":"down","headers":{"Retry-After":"0"}},{"status":500,"error":"down key '"$KEY"'"}]}' || return 1
	s=$(date +%s%N)
	out=$(FAKE_API_KEY=$KEY run "[{\"model\":\"fake/m\",\"add\":$USER},{\"model\":\"fake/m\"}]" --llm "fake=http://127.0.0.1:$PORT/v1/")
	e=$(date +%s%N)
	check "429 and 503, then success ($out)" grep -qx "OK 'at last' - stop 10+5" <<<"$out" || ok=1
	check "4 tries of a 500, then the last error named ($out)" \
	    grep -q "^ERROR the model provider fake answered HTTP 500 (tried again, the last answer): down key \*\+$" <<<"$out" || ok=1
	check "7 requests in all" [ "$(requests)" = 7 ] || ok=1
	check "the back-off waited 1 s, then 2 s (then Retry-After: 0 s): 3 to 6 s" \
	    [ $(((e - s) / 1000000)) -ge 3000 ] && [ $(((e - s) / 1000000)) -lt 6000 ] || ok=1
	return $ok
}

t_timeout() {
	local ok=0 out s e
	policy "fake/*"
	serve '{"steps":[{"delay_ms":8000,"text":"too late"}]}' || return 1
	s=$(date +%s%N)
	out=$(FAKE_API_KEY=$KEY run "[{\"model\":\"fake/m\",\"add\":$USER,\"params\":{\"timeout\":2}}]" --llm "fake=http://127.0.0.1:$PORT/v1")
	e=$(date +%s%N)
	check "a slow answer: ERROR, no answer in time ($out)" \
	    grep -q "^ERROR the model provider fake could not be reached (no answer in time" <<<"$out" || ok=1
	check "within its timeout (2 s), not the answer's 8 s" \
	    [ $(((e - s) / 1000000)) -lt 6000 ] || ok=1
	return $ok
}

t_budget() {
	local ok=0 out mt
	policy "fake/*" "    token_budget: 300"
	serve '{"steps":[{"text":"one","usage":{"input":200,"output":60}},{"text":"two","usage":{"input":30,"output":30}},{"text":"three"}],"after":"repeat-last"}' || return 1
	out=$(FAKE_API_KEY=$KEY run "[{\"model\":\"fake/m\",\"add\":$USER,\"params\":{\"max_tokens\":1000}},{\"model\":\"fake/m\"},{\"model\":\"fake/m\"}]" --llm "fake=http://127.0.0.1:$PORT/v1")
	check "the first within the budget ($out)" grep -q "^OK 'one'" <<<"$out" || ok=1
	# what is left past the input's estimate (its params' bytes / 4)
	mt=$(req 0 '.body.max_tokens')
	check "its max_tokens capped below the budget, past its input ($mt)" \
	    [ "$mt" -lt 300 ] && [ "$mt" -gt 200 ] || ok=1
	mt=$(req 1 '.body.max_tokens')
	check "the second capped below what is left (40; $mt)" \
	    [ "$mt" -lt 40 ] && [ "$mt" -ge 1 ] || ok=1
	check "the third: DENIED, the budget spent (320 of 300)" \
	    grep -q "^DENIED token budget exhausted: this session's model calls used 320 tokens" <<<"$out" || ok=1
	check "which never reached the server" [ "$(requests)" = 2 ] || ok=1
	check "and is a DENIED decision in the log" \
	    [ "$(jq -r 'select(.type=="decision" and .status=="DENIED") | .error' "$T/ops/log" | grep -c "token budget exhausted")" = 1 ] || ok=1
	return $ok
}

# A call that is sent but never read (its timeout) may have been billed:
# it counts what it could have cost; a call whose input alone is more
# than what is left is refused before it is sent.
t_budget_charged() {
	local ok=0 out big
	policy "fake/*" "    token_budget: 600"
	serve '{"steps":[{"delay_ms":3000,"text":"too late"},{"text":"never"}]}' || return 1
	big=$(head -c 1200 /dev/zero | tr '\0' 'x')
	out=$(FAKE_API_KEY=$KEY run "[{\"model\":\"fake/m\",\"add\":$USER,\"params\":{\"max_tokens\":400,\"timeout\":1}},{\"model\":\"fake/m\",\"add\":[{\"role\":\"user\",\"content\":\"$big\"}]}]" --llm "fake=http://127.0.0.1:$PORT/v1")
	check "the first timed out ($out)" grep -q "^ERROR .*no answer in time" <<<"$out" || ok=1
	check "its outcome counts what it may have cost: its input's estimate and its max_tokens" \
	    [ "$(jq -r 'select(.type=="outcome" and .status=="FAILED") | "\(.tokens.input > 0) \(.tokens.output)"' "$T/ops/log")" = "true 400" ] || ok=1
	check "the second, its input more than what is left: DENIED" \
	    grep -q "^DENIED token budget: [0-9]* tokens left of the 600 its rule allows .*not more than this call's input" <<<"$out" || ok=1
	check "one request reached the server" [ "$(requests)" = 1 ] || ok=1
	return $ok
}

t_replay() {
	local ok=0 out
	policy "replay/*"
	cat > "$T/ops/demo.jsonl" <<'JSONL'
# a transcript: one answer per line
{"message":{"role":"assistant","content":null,"tool_calls":[{"id":"r1","type":"function","function":{"name":"read_file","arguments":"{\"path\":\"x\"}"}}]},"usage":{"input_tokens":5,"output_tokens":2}}

{"message":{"role":"assistant","content":"replayed"}}
{"message":{"role":"robot"}}
JSONL
	out=$(run "[{\"model\":\"replay/demo\",\"add\":$USER},{\"model\":\"replay/demo\",\"follow\":true},{\"model\":\"replay/demo\"},{\"model\":\"replay/demo\"}]" --llm-replay "$T/ops/demo.jsonl")
	check "the transcript's answers in order, offline ($out; $(cat "$T/err"))" \
	    grep -qx "OK None read_file:{\"path\":\"x\"} tool_calls 5+2" <<<"$out" || ok=1
	check "blank and # lines skipped" grep -qx "OK 'replayed' - stop 0+0" <<<"$out" || ok=1
	check "a bad answer in it: ERROR naming it" \
	    grep -q "^ERROR the replay transcript's line 5 (answer 3): " <<<"$out" || ok=1
	check "then none left" grep -qx "ERROR the replay transcript has no answer left (it had 3)" <<<"$out" || ok=1
	return $ok
}

t_refusals() {
	local ok=0 out
	policy "**"
	serve '{"steps":[{"text":"never"}]}' || return 1
	out=$(unset OPENAI_API_KEY; run "[{\"model\":\"gpt-4o\",\"add\":$USER},{\"model\":\"nope/m\"},{\"model\":\"openai/gpt-4o\"},{\"model\":\"fake/m\",\"raw_messages\":[{\"role\":\"hacker\",\"content\":\"x\"}]},{\"model\":\"fake/m\",\"params\":{\"temperature\":\"hot\"}},{\"model\":\"fake/m\",\"params\":{\"stream\":true}},{\"model\":\"replay/x\"}]" --llm "fake=http://127.0.0.1:$PORT/v1")
	check "a target that is no provider/model: malformed ($out)" \
	    grep -q "^ERROR malformed request: target is not a model \"provider/model\"" <<<"$out" || ok=1
	check "an unknown provider: ERROR naming it" \
	    grep -q "^ERROR no such model provider \"nope\"" <<<"$out" || ok=1
	check "openai without a key: ERROR saying how to give one" \
	    grep -q "^ERROR no API key for openai: the operator sets OPENAI_API_KEY" <<<"$out" || ok=1
	check "a bad role: malformed, before the decision" \
	    grep -q "^ERROR malformed request: params.messages\[0\].role" <<<"$out" || ok=1
	check "a mistyped param: malformed" \
	    grep -q "^ERROR malformed request: params.temperature must be a number" <<<"$out" || ok=1
	check "an unknown param: malformed" \
	    grep -q "^ERROR malformed request: params.stream is not a parameter of llm.chat" <<<"$out" || ok=1
	check "replay without a transcript: ERROR" \
	    grep -q "^ERROR no replay transcript" <<<"$out" || ok=1
	check "none of it reached the server" [ "$(requests)" = 0 ] || ok=1
	check "the malformed ones are INVALID records" \
	    [ "$(jq -r 'select(.status=="INVALID") | .action' "$T/ops/log" | grep -c llm.chat)" = 4 ] || ok=1
	return $ok
}

t_cli() {
	local ok=0 rc
	policy "fake/*"
	"$AKSUP" run --policy "$T/ops/p.yaml" --log-path "$T/ops/log" \
	    --llm "Fake=http://x" -- /bin/true 2>"$T/err"; rc=$?
	check "--llm with a bad name: usage error (exit $rc)" [ $rc = 2 ] || ok=1
	check "naming the option and its form" grep -q "^aksup: --llm Fake=http://x: NAME=URL" "$T/err" || ok=1
	"$AKSUP" run --policy "$T/ops/p.yaml" --log-path "$T/ops/log" \
	    --llm "f=ftp://x" -- /bin/true 2>"$T/err"; rc=$?
	check "--llm with another scheme: refused (exit $rc)" [ $rc = 2 ] || ok=1
	"$AKSUP" run --policy "$T/ops/p.yaml" --log-path "$T/ops/log" \
	    --llm-key "f=relative.key" -- /bin/true 2>"$T/err"; rc=$?
	check "--llm-key with a relative file: refused (exit $rc)" [ $rc = 2 ] || ok=1
	"$AKSUP" run --policy "$T/ops/p.yaml" --log-path "$T/ops/log" \
	    --llm-replay "$T/ops/none.jsonl" -- /bin/true 2>"$T/err"; rc=$?
	check "--llm-replay of no file: the session refused (exit $rc)" [ $rc != 0 ] || ok=1
	check "naming it" grep -q "cannot open replay transcript $T/ops/none.jsonl: No such file" "$T/err" || ok=1
	"$AKSUP" run --policy "$T/ops/p.yaml" --log-path "$T/ops/log" \
	    --llm-key "fake=$T/ops/none.key" -- /bin/true 2>"$T/err"; rc=$?
	check "--llm-key of a provider never named: refused (exit $rc)" [ $rc = 2 ] || ok=1
	check "saying so" grep -q "^aksup: --llm-key fake=.*: no provider fake" "$T/err" || ok=1
	"$AKSUP" run --policy "$T/ops/p.yaml" --log-path "$T/ops/log" \
	    --llm fake=http://127.0.0.1:1 --llm-key "fake=$T/ops/none.key" \
	    -- /bin/true 2>"$T/err"; rc=$?
	check "--llm-key of no file: the session refused (exit $rc)" [ $rc != 0 ] || ok=1
	check "naming it" grep -q "none.key" "$T/err" || ok=1
	return $ok
}

# An Azure-style endpoint: its deployment's path and an api-version
# query; its key in api-key (the provider named azure).
t_azure() {
	local ok=0 out
	policy "azure/*"
	serve '{"steps":[{"text":"from azure"}]}' || return 1
	out=$(AZURE_API_KEY=$KEY run "[{\"model\":\"azure/gpt4\",\"add\":$USER}]" --llm "azure=http://127.0.0.1:$PORT/openai/deployments/gpt4?api-version=2024-02-01")
	check "answered ($out; $(cat "$T/err"))" grep -q "^OK 'from azure'" <<<"$out" || ok=1
	check "the path before the endpoint's query" \
	    [ "$(req 0 '.path')" = "/openai/deployments/gpt4/chat/completions?api-version=2024-02-01" ] || ok=1
	check "the key in api-key, no bearer token" \
	    [ "$(req 0 '(.headers["api-key"] // "") + " " + (.headers.authorization // "none")')" = "$KEY none" ] || ok=1
	return $ok
}

# A provider (or a proxy) that echoes the key in its answer: the agent
# gets it masked, byte for byte.
t_key_masked() {
	local ok=0 out
	policy "fake/*"
	serve '{"steps":[{"text":"I saw Bearer '"$KEY"' in your request"}]}' || return 1
	out=$(FAKE_API_KEY=$KEY run "[{\"model\":\"fake/m\",\"add\":$USER}]" --llm "fake=http://127.0.0.1:$PORT/v1")
	check "the answer reached the agent ($out)" grep -q "^OK 'I saw Bearer \*\*\*\*" <<<"$out" || ok=1
	check "without the key" absent "$KEY" "$out" || ok=1
	return $ok
}

# The key is in the llm worker and nowhere else: the environment, argv
# and memory of every other process of the session (read while a call
# waits for its answer), and the log. Root reads other uids' memory.
t_key_only_in_worker() {
	local ok=0 pid tree p exe hits=0 inworker=0
	[ "$(id -u)" = 0 ] || { skip "reads other processes' memory: root only"; return; }
	policy "fake/*"
	rm -f "$T/ops/release"
	serve '{"steps":[{"hold":"'"$T/ops/release"'","text":"slow"}]}' || return 1
	( FAKE_API_KEY=$KEY run "[{\"model\":\"fake/m\",\"add\":$USER}]" --llm "fake=http://127.0.0.1:$PORT/v1" > "$T/out" ) &
	pid=$!
	for _ in $(seq 100); do [ "$(requests)" = 1 ] && break; sleep 0.05; done
	# the session's processes: aksup's descendants
	tree=$(pgrep -f -- "--log-path $T/ops/log" | head -1)
	tree="$tree $(pstree -p "$tree" 2>/dev/null | grep -o '([0-9]*)' | tr -d '()')"
	# the llm worker first: the others are read while its call waits
	tree="$(for p in $tree; do readlink "/proc/$p/exe" 2>/dev/null |
	    grep -q 'aksup-worker-llm$' && echo "$p"; done) $tree"
	for p in $tree; do
		exe=$(readlink "/proc/$p/exe" 2>/dev/null) || continue
		case $exe in */aksup) continue ;; esac	# the operator's own
		if "$PY" - "$p" "$KEY" <<'PY'
import re, sys
pid, key = sys.argv[1], sys.argv[2].encode()
found = False
for f in ("environ", "cmdline"):
    try:
        found |= key in open("/proc/%s/%s" % (pid, f), "rb").read()
    except OSError:
        pass
# every readable mapping, 1 MiB at a time (past 256 MiB: a sanitizer's
# shadow or reservation, which holds no heap data, skipped)
try:
    mem = open("/proc/%s/mem" % pid, "rb", 0)
    for line in open("/proc/%s/maps" % pid):
        m = re.match(r"([0-9a-f]+)-([0-9a-f]+) r", line)
        if not m or found:
            continue
        a, b = int(m.group(1), 16), int(m.group(2), 16)
        if b - a > (1 << 28):
            continue
        tail = b""
        while a < b and not found:
            try:
                mem.seek(a)
                chunk = mem.read(min(1 << 20, b - a))
            except (OSError, ValueError, OverflowError):
                break
            if not chunk:
                break
            found |= key in tail + chunk
            tail = chunk[-len(key):]
            a += len(chunk)
except OSError:
    pass
sys.exit(0 if found else 1)
PY
		then
			case $exe in
			*/aksup-worker-llm) inworker=1 ;;
			*) hits=$((hits + 1)); note "the key is in $exe (pid $p)" ;;
			esac
		fi
	done
	# every process read while the session was alive: the call had not
	# answered yet (else a process gone would pass unread)
	check "the scan ended before the answer came" [ ! -s "$T/out" ] || ok=1
	touch "$T/ops/release"
	wait $pid
	check "the scan finds the key in the llm worker (it works)" [ $inworker = 1 ] || ok=1
	check "and in no other process of the session" [ $hits = 0 ] || ok=1
	check "the call answered" grep -q "^OK 'slow'" "$T/out" || ok=1
	check "nor in the log" bash -c "! grep -q '$KEY' '$T/ops/log'" || ok=1
	return $ok
}

for c in "$PY" jq; do
	command -v "$c" >/dev/null || { echo "llm.sh needs $c" >&2; exit 1; }
done
TESTS=${*:-openai_tool_loop anthropic malformed retry timeout budget budget_charged replay refusals cli azure key_masked key_only_in_worker}
for t in $TESTS; do
	run_one "$t" "t_$t"
done
finish
