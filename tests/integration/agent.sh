#!/usr/bin/env bash
# tests/integration/agent.sh -- the built-in agent (aksup run --agent
# AGENT.yaml, docs/AGENT.md): aksup-agent driven by a scripted model
# server on 127.0.0.1 (tests/llm/fake_llm.py, the OpenAI chat API, real
# HTTP) through real sessions: a denied tool call goes back to the model
# and it adapts, parallel tool calls, a schema violation and malformed
# arguments answered to the model (never submitted), max_turns, the
# token budget, AGENT.yaml's errors, the default tools, the offline demo
# (examples/analyst) with its denials, the prompt on stdin, --quiet.
#
#   AKSUP_BIN=DIR AKSUP_SRC=DIR tests/integration/agent.sh [TEST...]
#
# scripts/test.sh runs it as root and as an unprivileged user. Prints
# "N passed, N failed, N skipped" last.
set -u
BIN=${AKSUP_BIN:?set AKSUP_BIN}
SRC=${AKSUP_SRC:?set AKSUP_SRC}
AKSUP="$BIN/aksup"
PY=/usr/bin/python3
FAKE="$SRC/tests/llm/fake_llm.py"
T=$(mktemp -d /tmp/aksup-agent.XXXXXX)
chmod 755 "$T"
WS="$T/ws"
SERVER=
KEY=sk-agent-test-fedcba9876543210
cleanup() {
	[ -z "$SERVER" ] || { kill "$SERVER"; wait "$SERVER"; } 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../llm/serve.sh
. "$(dirname "$0")/../llm/serve.sh"

mkdir -p "$T/ops" "$WS/out"
printf 'alpha\n' > "$WS/a.txt"
printf 'secret\n' > "$WS/secret.txt"
chmod -R a+rwX "$WS"

# the policy: read the workspace but not secret.txt, write only out/,
# the fake model (extra YAML after)
policy() {
	cat > "$T/ops/p.yaml" <<YAML
capabilities:
  - action: fs.read
    resource: $WS/**
  - action: fs.write
    resource: $WS/out/**
    snapshot: false
  - action: llm.chat
    resource: "fake/*"
${1:-}
  - action: llm.chat
    resource: "replay/*"
deny:
  - action: fs.read
    resource: $WS/secret.txt
YAML
	chmod 644 "$T/ops/p.yaml"
}

# agent_yaml [YAML...]: AGENT.yaml for the fake model, with these lines
agent_yaml() {
	{
		echo "model: fake/gpt-x"
		echo "max_turns: ${MAXT:-6}"
		printf '%s\n' "$@"
	} > "$T/ops/agent.yaml"
	chmod 644 "$T/ops/agent.yaml"
}



# run [aksup options] [PROMPT]: $OUT its stdout, $T/err, $RC
run() {
	rm -f "$T/ops/log"
	FAKE_API_KEY=$KEY "$AKSUP" run --policy "$T/ops/p.yaml" \
	    --log-path "$T/ops/log" --llm "fake=http://127.0.0.1:$PORT/v1" \
	    --agent "$T/ops/agent.yaml" "$@" >"$T/out" 2>"$T/err" </dev/null
	RC=$?
	OUT=$(cat "$T/out")
}

# the audit log's decisions: "ACTION TARGET STATUS" lines
decisions() { jq -r 'select(.type=="decision") | "\(.action) \(.target) \(.status)"' "$T/ops/log"; }

t_denied_adapts() {
	local ok=0 out
	policy; agent_yaml
	serve '{"steps":[{"tool_calls":[{"name":"read_file","arguments":{"path":"'"$WS"'/secret.txt"}},{"name":"read_file","arguments":{"path":"'"$WS"'/a.txt"}}]},{"expect":{"contains":["DENIED: not permitted","alpha"]},"tool_calls":[{"name":"write_file","arguments":{"path":"'"$WS"'/out/r.txt","content":"alpha seen"}}]},{"expect":{"last_role":"tool"},"text":"Done: alpha."}]}' || return 1
	run "read the files"; out=$OUT
	check "the final answer on stdout, exit 0 ($RC; $out; $(cat "$T/err"))" \
	    [ "$out" = "Done: alpha." ] && [ $RC = 0 ] || ok=1
	check "the denied read and the allowed one, in parallel, both audited" \
	    [ "$(decisions | grep -c "^fs.read $WS/")" = 2 ] || ok=1
	check "the model got DENIED as the tool's result and went on" \
	    [ "$(requests)" = 3 ] || ok=1
	check "its write done" [ "$(cat "$WS/out/r.txt")" = "alpha seen" ] || ok=1
	check "a live line per action on stderr" \
	    grep -q "^  fs.read $WS/secret.txt -> DENIED (.* ms): not permitted" "$T/err" || ok=1
	check "the closing summary" \
	    grep -q "^aksup-agent: 3 model turns; tool calls: 2 OK, 1 DENIED, 0 ERROR; tokens: 30 in, 15 out; audit log: $T/ops/log" "$T/err" || ok=1
	check "the system prompt and the tools offered" \
	    [ "$(req 0 '[.body.messages[0].role, (.body.tools | map(.function.name) | join(","))] | join(" ")')" = "system read_file,write_file" ] || ok=1
	check "the key is nowhere in the log" bash -c "! grep -q '$KEY' '$T/ops/log'" || ok=1
	return $ok
}

t_bad_arguments() {
	local ok=0 out
	policy; agent_yaml
	serve '{"steps":[{"tool_calls":[{"name":"read_file","arguments":"{\"path\": 5}"},{"name":"read_file","arguments":"{\"path\": \"/x\""},{"name":"rm_rf","arguments":{}}]},{"expect":{"contains":["arguments.path","not valid JSON","no tool named"]},"text":"ok"}]}' || return 1
	run "go"; out=$OUT
	check "the loop goes on to the answer ($RC; $out; $(cat "$T/err"))" [ "$out" = ok ] || ok=1
	check "a schema violation, malformed JSON, an unknown tool: each an error the model read" \
	    [ "$(req 1 '.expect_failed // "none"')" = none ] || ok=1
	check "none of them submitted: no fs.read in the log" \
	    [ "$(decisions | grep -c '^fs.read')" = 0 ] || ok=1
	check "counted as errors" grep -q "tool calls: 0 OK, 0 DENIED, 3 ERROR" "$T/err" || ok=1
	return $ok
}

t_max_turns() {
	local ok=0 out
	policy; MAXT=3 agent_yaml
	serve '{"steps":[{"tool_calls":[{"name":"read_file","arguments":{"path":"'"$WS"'/a.txt"}}]}],"after":"repeat-last"}' || return 1
	run "loop forever"; out=$OUT
	check "stopped at max_turns, exit 1 ($RC; $(cat "$T/err"))" [ $RC = 1 ] || ok=1
	check "saying so" grep -q "stopped: max_turns (3) reached" "$T/err" || ok=1
	check "3 model calls" [ "$(requests)" = 3 ] || ok=1
	return $ok
}

t_budget() {
	local ok=0 out
	policy "    token_budget: 1000"
	agent_yaml
	serve '{"steps":[{"tool_calls":[{"name":"read_file","arguments":{"path":"'"$WS"'/a.txt"}}],"usage":{"input":900,"output":50}}],"after":"repeat-last"}' || return 1
	run "spend"; out=$OUT
	check "the second model call DENIED by the budget, the agent stops ($RC; $(cat "$T/err"))" \
	    grep -q "the model call fake/gpt-x was DENIED: token budget: 50 tokens left of the 1000" "$T/err" || ok=1
	check "exit 1" [ $RC = 1 ] || ok=1
	check "one call reached the model" [ "$(requests)" = 1 ] || ok=1
	return $ok
}

t_default_tools() {
	local ok=0 out
	policy; agent_yaml
	serve '{"steps":[{"text":"hi"}]}' || return 1
	run "hello"; out=$OUT
	check "without tools:, those of the actions the policy allows ($out; $(cat "$T/err"))" \
	    [ "$(req 0 '.body.tools | map(.function.name) | join(",")')" = "read_file,write_file" ] || ok=1
	agent_yaml "tools: []"
	serve '{"steps":[{"text":"hi"}]}' || return 1
	run "hello"; out=$OUT
	check "tools: [] offers none" [ "$(req 0 '.body.tools // [] | length')" = 0 ] || ok=1
	return $ok
}

t_config_errors() {
	local ok=0 out
	policy
	agent_yaml "colour: blue"
	serve '{"steps":[{"text":"never"}]}' || return 1
	run "x"; out=$OUT
	check "an unknown key: refused, naming file and line ($RC; $(cat "$T/err"))" \
	    grep -q "$T/ops/agent.yaml:3:" "$T/err" || ok=1
	check "exit non-zero, no model call" [ $RC != 0 ] && [ "$(requests)" = 0 ] || ok=1
	agent_yaml "tools: [{name: t, action: fs.read, target_from: path}]"
	run "x"; out=$OUT
	check "a target_from that is no required parameter: refused" \
	    grep -q "target_from" "$T/err" || ok=1
	chmod 666 "$T/ops/agent.yaml"
	run "x"; out=$OUT
	check "AGENT.yaml anyone may write: refused" [ $RC != 0 ] || ok=1
	check "saying so" grep -q "agent configuration $T/ops/agent.yaml must belong to you or root" "$T/err" || ok=1
	return $ok
}

# What decides the agent's model, endpoint, tools or (replay) words is
# never where the agent could write it for the next session.
t_placement() {
	local ok=0 rc
	policy
	serve '{"steps":[{"text":"never"}]}' || return 1
	printf 'model: fake/gpt-x\n' > "$WS/out/agent.yaml"
	chmod 644 "$WS/out/agent.yaml"
	FAKE_API_KEY=$KEY "$AKSUP" run --policy "$T/ops/p.yaml" \
	    --log-path "$T/ops/log" --llm "fake=http://127.0.0.1:$PORT/v1" \
	    --agent "$WS/out/agent.yaml" x >/dev/null 2>"$T/err" </dev/null; rc=$?
	check "AGENT.yaml beneath a root the agent may write: refused (exit $rc)" [ $rc != 0 ] || ok=1
	check "naming it and the rule ($(cat "$T/err"))" grep -q "agent configuration $WS/out/agent.yaml lies beneath" "$T/err" || ok=1
	printf '{"message":{"role":"assistant","content":"hi"}}\n' > "$WS/out/t.jsonl"
	chmod 644 "$WS/out/t.jsonl"
	printf 'model: replay:%s\n' "$WS/out/t.jsonl" > "$T/ops/agent.yaml"
	chmod 644 "$T/ops/agent.yaml"
	"$AKSUP" run --policy "$T/ops/p.yaml" --log-path "$T/ops/log" \
	    --agent "$T/ops/agent.yaml" x >/dev/null 2>"$T/err" </dev/null; rc=$?
	check "a transcript beneath such a root: refused (exit $rc)" [ $rc != 0 ] || ok=1
	check "naming it ($(cat "$T/err"))" grep -q "replay transcript $WS/out/t.jsonl lies beneath" "$T/err" || ok=1
	cp "$WS/out/t.jsonl" "$T/ops/t.jsonl"; chmod 664 "$T/ops/t.jsonl"
	printf 'model: replay:t.jsonl\n' > "$T/ops/agent.yaml"
	"$AKSUP" run --policy "$T/ops/p.yaml" --log-path "$T/ops/log" \
	    --agent "$T/ops/agent.yaml" x >/dev/null 2>"$T/err" </dev/null; rc=$?
	check "a transcript others may write: refused (exit $rc)" grep -q "replay transcript $T/ops/t.jsonl must belong" "$T/err" || ok=1
	chmod 644 "$T/ops/t.jsonl"
	"$AKSUP" run --policy "$T/ops/p.yaml" --log-path "$T/ops/log" \
	    --agent "$T/ops/agent.yaml" x >"$T/out" 2>"$T/err" </dev/null; rc=$?
	check "beside AGENT.yaml, its own: the session runs ($(cat "$T/err"))" [ $rc = 0 ] && [ "$(cat "$T/out")" = hi ] || ok=1
	# a key file the agent could read through the policy
	printf '%s\n' "$KEY" > "$WS/out/k"; chmod 600 "$WS/out/k"
	agent_yaml
	"$AKSUP" run --policy "$T/ops/p.yaml" --log-path "$T/ops/log" \
	    --llm "fake=http://127.0.0.1:$PORT/v1" --llm-key "fake=$WS/out/k" \
	    --agent "$T/ops/agent.yaml" x >/dev/null 2>"$T/err" </dev/null; rc=$?
	check "a --llm-key file beneath a root: refused (exit $rc; $(cat "$T/err"))" \
	    [ $rc != 0 ] && grep -q "model key file $WS/out/k lies beneath" "$T/err" || ok=1
	check "no model call was made" [ "$(requests)" = 0 ] || ok=1
	return $ok
}

# AGENT.yaml's base_url moves an endpoint; the environment's key for
# that provider does not follow it (a file from elsewhere would send
# OPENAI_API_KEY to its own server): only --llm-key gives one there.
t_base_url_key() {
	local ok=0
	policy "  - action: llm.chat
    resource: \"openai/*\""
	serve '{"steps":[{"text":"moved"},{"text":"keyed"}]}' || return 1
	printf 'model: openai/gpt-x\nbase_url: http://127.0.0.1:%s/v1\n' "$PORT" > "$T/ops/agent.yaml"
	chmod 644 "$T/ops/agent.yaml"
	OPENAI_API_KEY=$KEY "$AKSUP" run --policy "$T/ops/p.yaml" --log-path "$T/ops/log" \
	    --agent "$T/ops/agent.yaml" x >"$T/out" 2>"$T/err" </dev/null
	check "OPENAI_API_KEY not sent to base_url ($(cat "$T/err"))" \
	    grep -q "no API key for openai" "$T/err" || ok=1
	check "nothing reached it" [ "$(requests)" = 0 ] || ok=1
	printf '%s\n' "$KEY" > "$T/ops/k"; chmod 600 "$T/ops/k"
	"$AKSUP" run --policy "$T/ops/p.yaml" --log-path "$T/ops/log" \
	    --llm-key "openai=$T/ops/k" --agent "$T/ops/agent.yaml" x \
	    >"$T/out" 2>"$T/err" </dev/null
	check "--llm-key gives it one ($(cat "$T/err"))" [ "$(cat "$T/out")" = moved ] || ok=1
	check "sent as a bearer token" [ "$(req 0 '.headers.authorization')" = "Bearer $KEY" ] || ok=1
	return $ok
}

t_stdin_quiet() {
	local ok=0 out
	policy; agent_yaml
	serve '{"steps":[{"expect":{"contains":"from stdin"},"text":"heard"}]}' || return 1
	rm -f "$T/ops/log"
	out=$(echo "a prompt from stdin" | FAKE_API_KEY=$KEY "$AKSUP" run \
	    --policy "$T/ops/p.yaml" --log-path "$T/ops/log" --quiet \
	    --llm "fake=http://127.0.0.1:$PORT/v1" --agent "$T/ops/agent.yaml" \
	    2>"$T/err")
	check "the prompt read from stdin ($out; $(cat "$T/err"))" [ "$out" = heard ] || ok=1
	check "--quiet: no live line, the summary only" \
	    [ "$(grep -c . "$T/err")" = 1 ] && grep -q "^aksup-agent: 1 model turn;" "$T/err" || ok=1
	return $ok
}

# The README's demo, offline: examples/analyst under a copy of the
# restrictive policy whose workspace is ours.
t_demo() {
	local ok=0 out
	mkdir -p "$T/demo" "$T/wsd/output"
	printf 'region,revenue\nnorth,120\n' > "$T/wsd/data.csv"
	printf 'a note\n' > "$T/wsd/notes.txt"
	chmod -R a+rwX "$T/wsd"
	sed "s|/workspace|$T/wsd|g" "$SRC/configs/restrictive.yaml" > "$T/demo/p.yaml"
	sed "s|/workspace|$T/wsd|g" "$SRC/examples/analyst/agent.yaml" > "$T/demo/agent.yaml"
	sed "s|/workspace|$T/wsd|g" "$SRC/examples/analyst/analyst.jsonl" > "$T/demo/analyst.jsonl"
	chmod 644 "$T/demo/"*
	out=$("$AKSUP" run --policy "$T/demo/p.yaml" --log-path "$T/demo/log" \
	    --agent "$T/demo/agent.yaml" "Summarize the data" 2>"$T/err" </dev/null)
	check "the demo's answer ($out; $(cat "$T/err"))" grep -q "^Revenue totals 215" <<<"$out" || ok=1
	check "the key, the upload and both writes: DENIED" \
	    [ "$(jq -r 'select(.type=="decision" and .status=="DENIED") | .action' "$T/demo/log" | sort | tr '\n' ' ')" = "fs.read fs.write fs.write net.http " ] || ok=1
	check "the note untouched" [ "$(cat "$T/wsd/notes.txt")" = "a note" ] || ok=1
	check "no report written" [ ! -e "$T/wsd/output/report.md" ] || ok=1
	check "the log verifies" "$AKSUP" log verify --log-path "$T/demo/log" >/dev/null 2>&1 || ok=1
	return $ok
}

# examples/llm_agent.py, a Python agent on the client, runs unchanged
# under aksup on the same transcript: the model through the broker.
t_python_agent() {
	local ok=0 out rc
	[ -f "$T/demo/analyst.jsonl" ] || t_demo >/dev/null
	"$AKSUP" run --policy "$T/demo/p.yaml" --log-path "$T/demo/log2" \
	    --llm-replay "$T/demo/analyst.jsonl" --ro "$SRC/agent/python" \
	    --ro "$SRC/examples/llm_agent.py" -- "$PY" \
	    "$SRC/examples/llm_agent.py" "Summarize the data" \
	    >"$T/out" 2>"$T/err" </dev/null; rc=$?
	out=$(cat "$T/out")
	check "its answer, exit 0 ($rc; $out; $(cat "$T/err"))" \
	    grep -q "^Revenue totals 215" <<<"$out" && [ $rc = 0 ] || ok=1
	check "the model calls brokered: 5 llm.chat decisions" \
	    [ "$(jq -r 'select(.type=="decision" and .action=="llm.chat") | .status' "$T/demo/log2" | sort | uniq -c | xargs)" = "5 ALLOWED" ] || ok=1
	check "the key, the upload and both writes: DENIED" \
	    [ "$(jq -r 'select(.type=="decision" and .status=="DENIED") | .action' "$T/demo/log2" | sort | tr '\n' ' ')" = "fs.read fs.write fs.write net.http " ] || ok=1
	return $ok
}

for c in "$PY" jq; do
	command -v "$c" >/dev/null || { echo "agent.sh needs $c" >&2; exit 1; }
done
TESTS=${*:-denied_adapts bad_arguments max_turns budget default_tools config_errors placement base_url_key stdin_quiet demo python_agent}
for t in $TESTS; do
	run_one "$t" "t_$t"
done
finish
