# tests/llm/serve.sh -- what tests/integration/llm.sh and agent.sh
# share: a scripted fake model server (tests/llm/fake_llm.py) on
# 127.0.0.1 and the reading of what it was asked. Sourced; the caller
# sets T (its scratch directory, with T/ops), PY, FAKE and KEY, and
# kills $SERVER on exit.

wait_file() {	# wait_file FILE PID: until FILE is there (10 s at most)
	local i
	for i in $(seq 200); do
		[ -s "$1" ] && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# serve SCRIPT-JSON: a fresh server with these steps; sets SERVER and
# PORT, and $T/ops/req.jsonl logs what it was asked
serve() {
	[ -z "$SERVER" ] || { kill "$SERVER"; wait "$SERVER"; } 2>/dev/null
	rm -f "$T/ops/port" "$T/ops/req.jsonl"
	printf '%s\n' "$1" > "$T/ops/script.json"
	"$PY" "$FAKE" --script "$T/ops/script.json" --log "$T/ops/req.jsonl" \
	    --port-file "$T/ops/port" --key "$KEY" >/dev/null 2>"$T/ops/srv.err" &
	SERVER=$!
	wait_file "$T/ops/port" "$SERVER" || { cat "$T/ops/srv.err" >&2; return 1; }
	PORT=$(cat "$T/ops/port")
}

# how many requests the server got; req N JQ: a jq expression over the
# Nth (from 0)
requests() { [ -f "$T/ops/req.jsonl" ] && wc -l < "$T/ops/req.jsonl" || echo 0; }
req() { sed -n "$(($1 + 1))p" "$T/ops/req.jsonl" | jq -r "$2"; }
