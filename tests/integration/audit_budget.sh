#!/usr/bin/env bash
# tests/integration/audit_budget.sh -- the audit log is bounded by design
# (docs/AUDIT.md, "The session's budget"): a flood of denied requests
# with long targets under --audit-max-bytes ends the session the recorded
# way (session_end "reason":"audit budget", the final seal), the log
# verifies, stays within the budget, and the agent is answered ERROR
# "audit budget exhausted", then EOF. Bad budget values exit 2.
#
#   AKSUP_BIN=DIR (aksup, role binaries) AKSUP_SRC=DIR
#   tests/integration/audit_budget.sh [TEST...]
#
# Runs as whoever starts it; scripts/test.sh runs it as root and as an
# unprivileged user. Prints "N passed, N failed" last.
set -u
BIN=${AKSUP_BIN:?set AKSUP_BIN}
AKSUP="$BIN/aksup"
T=$(mktemp -d /tmp/aksup-ab.XXXXXX)
trap 'rm -rf "$T"' EXIT
WS="$T/w"

# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

setup() {
	rm -rf "$WS" "$T/log" "$T/p.yaml"
	mkdir -p "$WS"
	printf 'hello\n' > "$WS/a.txt"
	cat > "$T/p.yaml" <<YAML
capabilities:
  - action: fs.read
    resource: $WS/**
YAML
}

# a string of N bytes of 'a'
fill() { head -c "$1" /dev/zero | tr '\0' a; }

# N denied fs.read requests with ~60 KiB targets outside the workspace
flood() {
	local n=$1 i long
	long=$(fill 61000)
	for ((i = 1; i <= n; i++)); do
		printf '{"id":%d,"action":"fs.read","target":"/d/%s"}\n' "$i" "$long"
	done
}

# --- tests ---------------------------------------------------------------

# 1M budget, sealed every 7 records, 1000 denied ~60 KiB requests (~60 MiB offered; each record is
# cut to ~4.3 KiB, so ~230 fit): the budget ends the session.
t_flood() {
	local ok=0 out rc size n_err n_den reason max=$((1024 * 1024))
	setup
	flood 1000 > "$T/b"
	rm -f "$T/key"
	out=$("$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" \
	    --seal-key-out "$T/key" --seal-every 7 \
	    --audit-max-bytes 1M --batch "$T/b" 2>"$T/err")
	rc=$?
	check "aksup exits 1 ($rc)" [ "$rc" = 1 ] || ok=1
	check "the message names the option ($(tail -c 300 "$T/err"))" \
	    grep -q -- '--audit-max-bytes' "$T/err" || ok=1
	reason=$(jq -r 'select(.type=="session_end") | .reason' "$T/log")
	check "session_end says why ($reason)" [ "$reason" = "audit budget" ] || ok=1
	check "the session's last record is the final seal" \
	    [ "$(tail -n 1 "$T/log" | jq -r '"\(.type) \(.final)"')" = "seal true" ] || ok=1
	"$AKSUP" log verify --log-path "$T/log" --key "$T/key" >"$T/vout" 2>&1
	check "the log verifies, sealed ($(head -c 300 "$T/vout"))" grep -q '^OK' "$T/vout" || ok=1
	size=$(stat -c %s "$T/log")
	check "the log is within the budget ($size <= $max)" [ "$size" -le "$max" ] || ok=1
	n_den=$(jq -rs 'map(select(.status=="DENIED")) | length' <<<"$out")
	n_err=$(jq -rs 'map(select(.status=="ERROR" and .error=="audit budget exhausted")) | length' <<<"$out")
	check "some DENIED answers ($n_den)" [ "$n_den" -gt 100 ] || ok=1
	check "then ERROR audit budget exhausted ($n_err)" [ "$n_err" -ge 1 ] || ok=1
	check "every DENIED answer is recorded" [ "$n_den" = \
	    "$(jq -s 'map(select(.type=="decision")) | length' "$T/log")" ] || ok=1
	check "nothing answered after the first ERROR but ERRORs" \
	    [ "$(jq -rs 'map(.status) | join(" ")' <<<"$out" | sed 's/^\(DENIED \)*//; s/ERROR//g; s/ //g')" = "" ] || ok=1
	return $ok
}

# --audit-max-records: the same end, counted in records
t_records() {
	local ok=0 out rc n
	setup
	for ((n = 1; n <= 20; n++)); do
		printf '{"id":%d,"action":"fs.read","target":"/d/%d"}\n' "$n" "$n"
	done > "$T/b"
	out=$("$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" \
	    --audit-max-records 10 --batch "$T/b" 2>"$T/err")
	rc=$?
	check "aksup exits 1 ($rc)" [ "$rc" = 1 ] || ok=1
	n=$(jq -s 'map(select(.type=="decision" or .type=="outcome")) | length' "$T/log")
	check "the session's last record is session_end" \
	    [ "$(tail -n 1 "$T/log" | jq -r .type)" = session_end ] || ok=1
	check "at most 10 request records ($n)" [ "$n" -le 10 ] && [ "$n" -ge 8 ] || ok=1
	check "reason" [ "$(jq -r 'select(.type=="session_end") | .reason' "$T/log")" = "audit budget" ] || ok=1
	check "ERROR answers" [ "$(jq -rs 'map(select(.error=="audit budget exhausted")) | length' <<<"$out")" -ge 1 ] || ok=1
	"$AKSUP" log verify --log-path "$T/log" >"$T/vout" 2>&1
	check "the log verifies" grep -q '^OK' "$T/vout" || ok=1
	return $ok
}

# Under the default budget the same requests are all answered DENIED.
t_default() {
	local ok=0 out rc
	setup
	flood 20 > "$T/b"
	out=$("$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" \
	    --batch "$T/b" 2>"$T/err")
	rc=$?
	check "aksup exits 3, denied ($rc $(tail -c 200 "$T/err"))" [ "$rc" = 3 ] || ok=1
	check "20 DENIED" [ "$(jq -rs 'map(select(.status=="DENIED")) | length' <<<"$out")" = 20 ] || ok=1
	check "no reason" [ "$(jq -r 'select(.type=="session_end") | .reason' "$T/log")" = null ] || ok=1
	return $ok
}

# Bad values: usage error, exit 2, naming the option.
t_bad_values() {
	local ok=0 rc opt
	setup
	printf '{"id":1,"action":"fs.read","target":"%s"}\n' "$WS/a.txt" > "$T/b"
	for opt in "--audit-max-bytes x" "--audit-max-bytes 0" "--audit-max-bytes 1K" \
	    "--audit-max-bytes 12Q" "--audit-max-bytes -5" "--audit-max-bytes 99999999999G" \
	    "--audit-max-records 0" "--audit-max-records 1" "--audit-max-records x" \
	    "--audit-max-records -3"; do
		# shellcheck disable=SC2086
		"$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" $opt \
		    --batch "$T/b" >/dev/null 2>"$T/err"
		rc=$?
		check "$opt: exit 2 ($rc)" [ "$rc" = 2 ] || ok=1
		check "$opt: names the option ($(head -c 200 "$T/err"))" \
		    grep -q -- "${opt% *}" "$T/err" || ok=1

	done
	for opt in "--audit-max-bytes 64K" "--audit-max-records 2"; do
		# shellcheck disable=SC2086
		"$AKSUP" run --policy "$T/p.yaml" --log-path "$T/log" $opt -- /bin/true \
		    >/dev/null 2>"$T/err"
		rc=$?
		check "run $opt: accepted ($rc $(head -c 200 "$T/err"))" [ "$rc" = 0 ] || ok=1
	done

	return $ok
}

ALL="flood records default bad_values"

cd "$T" || exit 1
echo "audit budget tests as $(id -un) (uid $(id -u))"
for t in ${*:-$ALL}; do
	run_one "$t" "t_$t"
done
finish
