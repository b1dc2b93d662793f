#!/usr/bin/env bash
# tests/integration/gate.sh -- the gate never falls over and its records
# never lie (docs/PROTOCOL.md §2-§3): every param of every fs action typed
# before use, ids bounded so an answer always carries its id, no NUL in
# text either way, every field bounded before it is recorded. Real
# binaries, real sessions, through `aksup submit --batch` (raw lines).
#
#   AKSUP_BIN=DIR (aksup, role binaries, aksup-probe) AKSUP_SRC=DIR
#   tests/integration/gate.sh [TEST...]
#
# Runs as whoever starts it; scripts/test.sh runs it as root and as an
# unprivileged user. Prints "N passed, N failed" last.
set -u
BIN=${AKSUP_BIN:?set AKSUP_BIN}
AKSUP="$BIN/aksup"
PROBE="$BIN/aksup-probe"
# short: the id-overflow test needs a target shorter than ~45 bytes
T=$(mktemp -d /tmp/aksup-g.XXXXXX)
trap 'rm -rf "$T"' EXIT
WS="$T/w"

# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

setup() {
	rm -rf "$WS" "$T/log" "$T/p.yaml"
	mkdir -p "$WS/o"
	printf 'hello\n' > "$WS/a.txt"
	cat > "$T/p.yaml" <<YAML
capabilities:
  - action: fs.read
    resource: $WS/**
  - action: fs.list
    resource: $WS/**
  - action: fs.write
    resource: $WS/o/**
  - action: fs.delete
    resource: $WS/o/**
YAML
}

batch() {	# batch FILE -> answers on stdout; $rc the exit status
	"$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" --batch "$1" \
	    2>"$T/err"
}

verified() { "$AKSUP" log verify --log-path "$T/log" >"$T/vout" 2>&1; }
ended() { [ "$(jq -s 'map(select(.type=="session_end")) | length' "$T/log")" -ge 1 ]; }
# decisions of the session, "STATUS ERROR" per line
decisions() { jq -r 'select(.type=="decision") | "\(.status) \(.error)"' "$T/log"; }

# The effective agent-channel maximum of this host: the broker names it
# in the record of an oversize message.
AGENT_MAX=
agent_max() {
	[ -n "$AGENT_MAX" ] && return 0
	setup
	"$AKSUP" run --policy "$T/p.yaml" --log-path "$T/log" -- "$PROBE" oversize \
	    >/dev/null 2>&1
	AGENT_MAX=$(jq -r 'select(.type=="decision") | .error' "$T/log" |
	    sed -n 's/^framing: message of [0-9]* bytes exceeds \([0-9]*\)$/\1/p')
	[ -n "$AGENT_MAX" ]
}

# a string of N bytes of 'a'
fill() { head -c "$1" /dev/zero | tr '\0' a; }

# --- tests ---------------------------------------------------------------

# encoding:5 on fs.list / fs.delete killed the broker after its ALLOWED
# record; now malformed, before the decision, and the session goes on.
t_encoding_5() {
	local ok=0 out
	setup
	printf 'x' > "$WS/o/f"
	printf '%s\n' \
	    "{\"id\":1,\"action\":\"fs.list\",\"target\":\"$WS\",\"params\":{\"encoding\":5}}" \
	    "{\"id\":2,\"action\":\"fs.delete\",\"target\":\"$WS/o/f\",\"params\":{\"encoding\":5}}" \
	    "{\"id\":3,\"action\":\"fs.read\",\"target\":\"$WS/a.txt\"}" > "$T/b"
	out=$(batch "$T/b")
	check "3 answers ($out $(cat "$T/err"))" [ "$(wc -l <<<"$out")" = 3 ] || ok=1
	check "fs.list: ERROR malformed" [ "$(jq -rs '.[0] | "\(.id) \(.status) \(.error)"' <<<"$out")" = \
	    '1 ERROR malformed request: params.encoding is not a parameter of fs.list' ] || ok=1
	check "fs.delete: ERROR malformed" [ "$(jq -rs '.[1] | "\(.id) \(.status) \(.error)"' <<<"$out")" = \
	    '2 ERROR malformed request: params.encoding is not a parameter of fs.delete' ] || ok=1
	check "the next request is answered" [ "$(jq -rs '.[2] | "\(.id) \(.status)"' <<<"$out")" = "3 OK" ] || ok=1
	check "the file is still there" [ -e "$WS/o/f" ] || ok=1
	check "two INVALID, one ALLOWED ($(decisions | cut -c1-60 | tr '\n' ';'))" \
	    [ "$(decisions | cut -d' ' -f1 | tr '\n' ' ')" = "INVALID INVALID ALLOWED " ] || ok=1
	check "the session ended (the broker lived)" ended || ok=1
	verified
	check "the log verifies ($(cat "$T/vout"))" grep -q '^OK' "$T/vout" || ok=1
	return $ok
}

# Every param of every fs action, each wrong type: ERROR malformed, no
# ALLOWED record, nothing done; then a good request is answered.
t_wrong_types() {
	local ok=0 out i want got n
	setup
	printf 'x' > "$WS/o/keep"
	local -a req=(
	    "fs.read|$WS/a.txt|{\"encoding\":5}|params.encoding must be a string"
	    "fs.read|$WS/a.txt|{\"encoding\":null}|params.encoding must be a string"
	    "fs.read|$WS/a.txt|{\"encoding\":[\"utf-8\"]}|params.encoding must be a string"
	    "fs.read|$WS/a.txt|{\"encoding\":{}}|params.encoding must be a string"
	    "fs.read|$WS/a.txt|{\"encoding\":true}|params.encoding must be a string"
	    "fs.read|$WS/a.txt|{\"encoding\":\"latin-1\"}|params.encoding must be utf-8 or base64"
	    "fs.read|$WS/a.txt|{\"content\":\"x\"}|params.content is not a parameter of fs.read"
	    "fs.write|$WS/o/n1|{\"content\":5}|params.content must be a string"
	    "fs.write|$WS/o/n2|{\"content\":null}|params.content must be a string"
	    "fs.write|$WS/o/n3|{\"content\":[\"x\"]}|params.content must be a string"
	    "fs.write|$WS/o/n4|{\"content\":{\"a\":1}}|params.content must be a string"
	    "fs.write|$WS/o/n5|{\"content\":false}|params.content must be a string"
	    "fs.write|$WS/o/n6|{}|params.content must be a string"
	    "fs.write|$WS/o/n7|{\"content\":\"x\",\"encoding\":5}|params.encoding must be a string"
	    "fs.write|$WS/o/n8|{\"content\":\"x\",\"encoding\":\"hex\"}|params.encoding must be utf-8 or base64"
	    "fs.write|$WS/o/n9|{\"content\":\"x\",\"mode\":420}|params.mode is not a parameter of fs.write"
	    "fs.delete|$WS/o/keep|{\"encoding\":\"utf-8\"}|params.encoding is not a parameter of fs.delete"
	    "fs.delete|$WS/o/keep|{\"recursive\":true}|params.recursive is not a parameter of fs.delete"
	    "fs.list|$WS|{\"encoding\":\"utf-8\"}|params.encoding is not a parameter of fs.list"
	    "fs.list|$WS|{\"depth\":2}|params.depth is not a parameter of fs.list"
	)
	: > "$T/b"
	for i in "${!req[@]}"; do
		IFS='|' read -r a t p _ <<<"${req[$i]}"
		printf '{"id":%d,"action":"%s","target":"%s","params":%s}\n' \
		    "$i" "$a" "$t" "$p" >> "$T/b"
	done
	n=${#req[@]}
	printf '{"id":%d,"action":"fs.read","target":"%s"}\n' "$n" "$WS/a.txt" >> "$T/b"
	out=$(batch "$T/b")
	check "$((n + 1)) answers ($(cat "$T/err"))" [ "$(wc -l <<<"$out")" = $((n + 1)) ] || ok=1
	for i in "${!req[@]}"; do
		want="ERROR malformed request: ${req[$i]##*|}"
		got=$(jq -rs ".[$i] | \"\(.status) \(.error)\"" <<<"$out")
		check "${req[$i]%%|*} ${req[$i]#*|*|}: $got" [ "$got" = "$want" ] || ok=1
	done
	check "then OK" [ "$(jq -rs ".[$n].status" <<<"$out")" = OK ] || ok=1
	check "$n INVALID, 1 ALLOWED" [ "$(decisions | cut -d' ' -f1 | sort | uniq -c | tr -s ' ' | tr '\n' ';')" = " 1 ALLOWED; $n INVALID;" ] || ok=1
	check "nothing written or deleted" bash -c '[ -e "$1/o/keep" ] && [ "$(ls "$1/o")" = keep ]' _ "$WS" || ok=1
	check "the session ended" ended || ok=1
	return $ok
}

# An id sized so the OK answer of a completed write would exceed the
# channel: refused at decode (ids are at most 256 bytes), nothing runs;
# an id of 256 bytes (escaped six-fold) writes and is recorded OK.
t_id_overflow() {
	local ok=0 out req pre post k
	agent_max || { note "cannot learn the channel maximum"; return 1; }
	setup
	pre='{"id":"'
	post="\",\"action\":\"fs.write\",\"target\":\"$WS/o/b\",\"params\":{\"content\":\"x\"}}"
	k=$((AGENT_MAX - ${#pre} - ${#post}))
	{ printf '%s' "$pre"; fill "$k"; printf '%s\n' "$post"; } > "$T/b"
	# the answer is longer than the request: {"id":..,"status":"OK",
	# "data":{"bytes_written":1},"error":null,"record_id":UUID}
	check "the request fits the channel ($(wc -c < "$T/b") <= $AGENT_MAX + 1)" \
	    [ "$(wc -c < "$T/b")" -le $((AGENT_MAX + 1)) ] || ok=1
	out=$(batch "$T/b")
	check "answered ($(cat "$T/err"))" [ "$(wc -l <<<"$out")" = 1 ] || ok=1
	check "ERROR id too long, id null ($(cut -c1-120 <<<"$out"))" \
	    [ "$(jq -r '"\(.id) \(.status) \(.error)"' <<<"$out")" = \
	    "null ERROR malformed request: id too long (at most 256 bytes)" ] || ok=1
	check "nothing ran" [ ! -e "$WS/o/b" ] || ok=1
	check "INVALID, no outcome" [ "$(jq -rs 'map(select(.type=="decision" or .type=="outcome") | .status) | join(" ")' "$T/log")" = INVALID ] || ok=1
	check "no FAILED anywhere" [ "$(jq -s 'map(select(.status=="FAILED")) | length' "$T/log")" = 0 ] || ok=1
	# the largest id there is: 256 control bytes, each \u0001 in the
	# answer; the write is done and its outcome says OK
	req="{\"id\":\"$(printf '\\u0001%.0s' $(seq 256))\",\"action\":\"fs.write\",\"target\":\"$WS/o/c\",\"params\":{\"content\":\"x\"}}"
	printf '%s\n' "$req" > "$T/b"
	out=$(batch "$T/b")
	check "256-byte id: OK with its id" [ "$(jq -r '"\(.id | length) \(.status)"' <<<"$out")" = "256 OK" ] || ok=1
	check "written" [ "$(cat "$WS/o/c" 2>/dev/null)" = x ] || ok=1
	check "its outcome OK" [ "$(jq -rs 'map(select(.type=="outcome"))[-1] | "\(.status) \(.error)"' "$T/log")" = "OK null" ] || ok=1
	return $ok
}

# A read whose answer the channel cannot carry: the agent gets ERROR, the
# outcome says what the provider did (OK), with the reason beside it.
t_read_too_large() {
	local ok=0 out
	setup
	# valid UTF-8 that escapes six-fold: 700000 bytes -> 4.2 MB of JSON
	head -c 700000 /dev/zero | tr '\0' '\001' > "$WS/big"
	printf '{"id":1,"action":"fs.read","target":"%s"}\n' "$WS/big" > "$T/b"
	out=$(batch "$T/b")
	check "ERROR too large ($out)" [ "$(jq -r '"\(.id) \(.status) \(.error)"' <<<"$out")" = \
	    "1 ERROR result too large for the agent channel" ] || ok=1
	check "outcome OK with the reason" [ "$(jq -rs 'map(select(.type=="outcome"))[-1] | "\(.status) \(.error)"' "$T/log")" = \
	    "OK result too large for the agent channel" ] || ok=1
	return $ok
}

# A file holding a NUL byte: text carries no NUL on the channel either
# way, so utf-8 is an ERROR naming base64, base64 is OK; aksup submit's
# exit status says which.
t_nul_read() {
	local ok=0 out rc
	setup
	printf 'a\0b\n' > "$WS/nul.bin"
	out=$("$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" \
	    --action fs.read --target "$WS/nul.bin"); rc=$?
	check "utf-8: ERROR naming base64 ($out)" [ "$(jq -r '"\(.status) \(.error)"' <<<"$out")" = \
	    "ERROR file holds a NUL byte (use encoding base64)" ] || ok=1
	check "no \\u0000 in the answer" bash -c '! grep -qF "\\u0000" <<<"$1"' _ "$out" || ok=1
	check "exit 1 for the ERROR ($rc)" [ $rc -eq 1 ] || ok=1
	out=$("$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" \
	    --action fs.read --target "$WS/nul.bin" --params '{"encoding":"base64"}'); rc=$?
	check "base64: OK, the bytes ($out)" [ "$(jq -r '"\(.status) \(.data)"' <<<"$out")" = "OK YQBiCg==" ] || ok=1
	check "exit 0 for the OK ($rc)" [ $rc -eq 0 ] || ok=1
	# the request side: \u0000 is a framing violation, as before
	printf '{"id":1,"action":"fs.read","target":"%s\\u0000"}\n' "$WS/a.txt" > "$T/b"
	batch "$T/b" >/dev/null; rc=$?
	check "\\u0000 in a request: framing, exit 1 ($rc)" [ $rc -eq 1 ] || ok=1
	check "audited INVALID framing" bash -c 'jq -r "select(.type==\"decision\") | .error" "$1" | tail -1 | grep -q "^framing: not JSON"' _ "$T/log" || ok=1
	return $ok
}

# A huge action name (as large as the channel carries), with an unknown
# field or a bad id, or a huge target with an unknown field: every field
# is bounded before the INVALID record, which stays small.
t_fields_bounded() {
	local ok=0 out k n len
	agent_max || { note "cannot learn the channel maximum"; return 1; }
	setup
	k=$((AGENT_MAX - 200))
	{
		printf '{"id":1,"action":"'; fill "$k"; printf '","target":"/x","extra":1}\n'
		printf '{"id":[2],"action":"'; fill "$k"; printf '","target":"/x"}\n'
		printf '{"id":3,"action":"fs.read","target":"/'; fill "$k"; printf '","extra":1}\n'
		printf '{"id":"'; fill "$k"; printf '","action":"fs.read","target":"/x","extra":1}\n'
		printf '{"id":5,"action":"fs.read","target":"%s"}\n' "$WS/a.txt"
	} > "$T/b"
	out=$(batch "$T/b")
	n=$(wc -l <<<"$out")
	check "5 answers ($n; $(cat "$T/err"))" [ "$n" = 5 ] || ok=1
	check "reasons" [ "$(jq -rs 'map("\(.id) \(.error)") | join(";")' <<<"$out")" = \
	    '1 malformed request: unknown field "extra";null malformed request: id must be an integer or a string;3 malformed request: unknown field "extra";null malformed request: unknown field "extra";5 null' ] || ok=1
	len=$(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$T/log")
	check "every record under 4 KiB (longest $len)" [ "$len" -lt 4096 ] || ok=1
	check "no huge action or target recorded" [ "$(jq -s 'map(select(.type=="decision") | [.action, .target]) | map(.[] | select(. != null) | length) | max' "$T/log")" -lt 4096 ] || ok=1
	verified
	check "the log verifies" grep -q '^OK' "$T/vout" || ok=1
	return $ok
}

ALL="encoding_5 wrong_types id_overflow read_too_large nul_read fields_bounded"

cd "$T" || exit 1
echo "gate tests as $(id -un) (uid $(id -u))"
for t in ${*:-$ALL}; do
	run_one "$t" "t_$t"
done
finish
