#!/usr/bin/env bash
# tests/integration/audit.sh -- the audit log on the real binaries:
# load (10 streams x 1000 requests in one session), sessions one after
# the other and the lock against two at once, tamper vectors through
# `aksup log verify`, views and filters, --follow, the crash loop (kill -9
# of the broker at random moments) and the full disk (a small tmpfs; in a
# user namespace when unprivileged).
#
#   AKSUP_BIN=DIR (aksup, role binaries, aksup-audit-agent) AKSUP_SRC=DIR
#   tests/integration/audit.sh [TEST...]
#
# Runs as whoever starts it; prints "N passed, N failed" last.
set -u
BIN=${AKSUP_BIN:?set AKSUP_BIN}
AKSUP="$BIN/aksup"
AGENT="$BIN/aksup-audit-agent"
PROBE="$BIN/aksup-probe"
CRASH_RUNS=${CRASH_RUNS:-50}
SELF=$(realpath "$0")
T=$(mktemp -d "${TMPDIR:-/tmp}/aksup-audit.XXXXXX")
trap 'mountpoint -q "$T/mnt" 2>/dev/null && umount "$T/mnt"; rm -rf "$T"' EXIT
WS="$T/ws"

# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

setup() {
	rm -rf "$WS" "$T"/log* "$T"/key* "$T/p.yaml"
	mkdir -p "$WS/out"
	printf 'hello\n' > "$WS/a.txt"
	cat > "$T/p.yaml" <<YAML
capabilities:
  - action: fs.read
    resource: $WS/**
  - action: fs.write
    resource: $WS/out/**
YAML
}

# Unprivileged, t_full_disk runs this script again in a user namespace
# of its own (unshare -Ur --mount: root there, with tmpfs mounts of its
# own); aksup then runs in a second one that maps back only the invoking
# uid and gid: the same uid as outside, no capability. $AS_USER is that.
AS_USER=()
if [ -n "${AKSUP_TEST_USERNS_UID:-}" ]; then
	AS_USER=(unshare --user --map-user="$AKSUP_TEST_USERNS_UID"
	    --map-group="$AKSUP_TEST_USERNS_GID" --)
fi

# requests of type T in log F
count() { jq -R "fromjson? | select(.type==\"$2\")" "$1" | jq -s length; }
verify() { "${AS_USER[@]}" "$AKSUP" log verify "$@" >"$T/vout" 2>&1; }

t_load_10_streams() {
	local ok=0 out
	setup
	out=$("$AKSUP" run --policy "$T/p.yaml" --log-path "$T/log" \
	    --seal-key-out "$T/key" --seal-every 100 -- \
	    "$AGENT" 10 1000 "$WS/a.txt" /etc/passwd)
	check "all answered ($out)" [ "$out" = "answers=10000 ok=7500 denied=2500 error=0" ] || ok=1
	check "10000 decisions" [ "$(count "$T/log" decision)" = 10000 ] || ok=1
	check "7500 outcomes" [ "$(count "$T/log" outcome)" = 7500 ] || ok=1
	check "10000 distinct record ids" [ "$(jq -s 'map(select(.type=="decision") | .record_id) | unique | length' "$T/log")" = 10000 ] || ok=1
	check "session_end counts" [ "$(jq -sc 'map(select(.type=="session_end"))[0].counts' "$T/log")" = '{"ALLOWED":7500,"DENIED":2500,"INVALID":0,"NO_PROVIDER":0,"OK":7500,"FAILED":0}' ] || ok=1
	check "key file 0600" [ "$(stat -c %a "$T/key")" = 600 ] || ok=1
	verify --log-path "$T/log" --key "$T/key"
	check "valid chain and seals ($(cat "$T/vout"))" grep -q "^OK: 17[0-9]* records, 1 session, 177 seals, 177 checked" "$T/vout" || ok=1
	return $ok
}

t_two_sessions_one_chain() {
	local ok=0
	setup
	"$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" --seal-key-out "$T/key1" \
	    --action fs.read --target "$WS/a.txt" >/dev/null || ok=1
	"$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" --seal-key-out "$T/key2" \
	    --action fs.read --target /etc/shadow >/dev/null
	check "two sessions" [ "$(count "$T/log" session_start)" = 2 ] || ok=1
	verify --log-path "$T/log" --key "$T/key1" --key "$T/key2"
	check "one valid chain ($(cat "$T/vout"))" grep -q "^OK: .* 2 sessions, 4 seals, 4 checked" "$T/vout" || ok=1
	verify --log-path "$T/log" --key "$T/key2"
	check "a missing key is noted" grep -q "not checked (no key)" "$T/vout" || ok=1
	"$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" --seal-key-out "$T/key1" \
	    --action fs.read --target "$WS/a.txt" >/dev/null 2>"$T/err"
	check "existing key file refused" grep -q "exists" "$T/err" || ok=1
	check "key file untouched" [ "$(wc -l < "$T/key1")" = 1 ] || ok=1
	return $ok
}

t_lock_names_holder() {
	local ok=0 sup rc
	setup
	mkfifo "$T/go"
	"$AKSUP" run --stdin --policy "$T/p.yaml" --log-path "$T/log" -- "$PROBE" wait "$WS/a.txt" \
	    < "$T/go" > "$T/out" 2>&1 &
	sup=$!
	exec 7>"$T/go"
	for _ in $(seq 1 100); do grep -q READY "$T/out" && break; sleep 0.05; done
	"$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" \
	    --action fs.read --target "$WS/a.txt" >/dev/null 2>"$T/err"; rc=$?
	check "second session refused (rc $rc)" [ $rc -eq 1 ] || ok=1
	check "names the holder ($(cat "$T/err"))" grep -q "in use by another session (aksup pid $sup)" "$T/err" || ok=1
	echo go >&7
	exec 7>&-
	wait "$sup"
	rm -f "$T/go"
	"$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" \
	    --action fs.read --target "$WS/a.txt" >/dev/null; rc=$?
	check "free again after the session" [ $rc -eq 0 ] || ok=1
	verify --log-path "$T/log"
	check "valid ($(cat "$T/vout"))" grep -q "^OK: .* 2 sessions" "$T/vout" || ok=1
	return $ok
}

t_vectors_cli() {
	local ok=0 n rc
	setup
	for i in 1 2 3; do
		"$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" --seal-key-out "$T/key$i" \
		    --seal-every 2 --action fs.read --target "$WS/a.txt" >/dev/null
	done
	cat "$T"/key? > "$T/keys"
	verify --log-path "$T/log" --key "$T/keys"
	check "valid to start with ($(cat "$T/vout"))" grep -q "^OK:" "$T/vout" || ok=1
	n=$(wc -l < "$T/log")
	sed '4s/a\.txt/b.txt/' "$T/log" > "$T/log.flip"
	verify --log-path "$T/log.flip" --key "$T/keys"; rc=$?
	check "flipped byte: exit 1, seq 4 line 4 ($(cat "$T/vout"))" bash -c '[ $1 -eq 1 ] && grep -q "^INVALID: seq 4, line 4:" "$2"' _ $rc "$T/vout" || ok=1
	sed '5d' "$T/log" > "$T/log.del"
	verify --log-path "$T/log.del" --key "$T/keys"; rc=$?
	check "deleted line: seq 5 line 5 ($(cat "$T/vout"))" bash -c '[ $1 -eq 1 ] && grep -q "^INVALID: seq 5, line 5:" "$2"' _ $rc "$T/vout" || ok=1
	awk 'NR==6{x=$0; next} NR==7{print; print x; next} {print}' "$T/log" > "$T/log.swap"
	verify --log-path "$T/log.swap" --key "$T/keys"; rc=$?
	check "swapped lines: line 6 ($(cat "$T/vout"))" bash -c '[ $1 -eq 1 ] && grep -q "^INVALID: seq 6, line 6:" "$2"' _ $rc "$T/vout" || ok=1
	head -n $((n - 2)) "$T/log" > "$T/log.cut"
	verify --log-path "$T/log.cut" --key "$T/keys"; rc=$?
	check "cut tail: names the missing seq ($(cat "$T/vout"))" bash -c '[ $1 -eq 1 ] && grep -q "^INVALID: seq $3, line $3:" "$2"' _ $rc "$T/vout" $((n - 1)) || ok=1
	sed '2s/"mac":"[0-9a-f]\{8\}/"mac":"00000000/' "$T/log" > "$T/log.forge"
	verify --log-path "$T/log.forge" --key "$T/keys"; rc=$?
	check "forged seal ($(cat "$T/vout"))" bash -c '[ $1 -eq 1 ] && grep -q "^INVALID: seq 2, line 2: seal epoch 0 does not verify" "$2"' _ $rc "$T/vout" || ok=1
	return $ok
}

t_log_views() {
	local ok=0 sess rid out
	setup
	"$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" --action fs.read --target "$WS/a.txt" >/dev/null
	"$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" --action fs.read --target /etc/passwd >/dev/null
	sess=$(jq -rs 'map(select(.type=="session_start"))[1].session' "$T/log")
	rid=$(jq -rs 'map(select(.type=="decision"))[0].record_id' "$T/log")
	out=$("$AKSUP" log --log-path "$T/log" --session "$sess" --json)
	check "--session" [ "$(jq -r .target <<<"$out")" = /etc/passwd ] || ok=1
	out=$("$AKSUP" log --log-path "$T/log" --record-id "$rid" --json)
	check "--record-id joins the outcome" [ "$(jq -r .status <<<"$out")" = OK ] || ok=1
	out=$("$AKSUP" log --log-path "$T/log" --since 2000-01-01 --until 2999 --json | wc -l)
	check "--since/--until" [ "$out" = 2 ] || ok=1
	out=$("$AKSUP" log --log-path "$T/log" --until 2001-01-01 --json | wc -l)
	check "--until in the past" [ "$out" = 0 ] || ok=1
	"$AKSUP" log --log-path "$T/log" --since yesterday >/dev/null 2>&1
	check "bad time: usage" [ $? -eq 2 ] || ok=1
	"$AKSUP" log --log-path "$T/log" --follow --json > "$T/follow" 2>&1 &
	local fpid=$!
	sleep 0.5
	"$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" --action fs.read --target "$WS/a.txt" >/dev/null
	for _ in $(seq 1 50); do [ "$(wc -l < "$T/follow")" -ge 3 ] && break; sleep 0.1; done
	kill "$fpid" 2>/dev/null; wait "$fpid" 2>/dev/null
	check "--follow shows the new row" [ "$(wc -l < "$T/follow")" = 3 ] || ok=1
	return $ok
}

broker_of() {	# broker_of SUPERVISOR-PID
	local p
	for p in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		[ "$(cat /proc/"$p"/comm 2>/dev/null)" = aksup-broker ] && { echo "$p"; return; }
	done
}

# The log is parsed line by line with `fromjson?` (a killed broker may
# leave a torn line) and no check's status comes from a pipe, so the
# checks hold with `set -o pipefail` too.
t_crash_loop() {
	local ok=0 run sup b i bad=0 killed=0 rc sid left=0 killed_runs=" "
	setup
	for run in $(seq 1 "$CRASH_RUNS"); do
		for i in $(seq 1 300); do
			printf '{"id":%d,"action":"fs.write","target":"%s/out/r%d-%d","params":{"content":"x"}}\n' \
			    "$i" "$WS" "$run" "$i"
		done > "$T/batch"
		"$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" --audit-sync batch \
		    --seal-key-out "$T/key$run" --seal-every 7 --batch "$T/batch" >/dev/null 2>&1 &
		sup=$!
		sleep "0.0$((RANDOM % 10))$((RANDOM % 10))"
		b=$(broker_of "$sup")
		[ -n "$b" ] && kill -KILL "$b" 2>/dev/null &&
		    killed=$((killed + 1)) && killed_runs+="$run "
		wait "$sup" 2>/dev/null
		# a broker killed before it made the log leaves none: nothing to verify yet
		if [ ! -e "$T/log" ] && [ -z "${killed_runs##* $run *}" ]; then
			note "run $run: broker killed before the log existed"
			continue
		fi
		if ! verify --log-path "$T/log" --allow-open; then
			note "run $run: $(cat "$T/vout")"
			bad=$((bad + 1))
		fi
	done
	note "$CRASH_RUNS runs, broker killed in $killed"
	check "every log verified up to its last whole line" [ $bad -eq 0 ] || ok=1
	# Every write that happened has its ALLOWED decision in the log.
	# (line by line: a killed broker's torn last line is not JSON)
	jq -R -r 'fromjson? | select(.type=="decision" and .status=="ALLOWED") | .target' "$T/log" | sort > "$T/decided"
	# (the fs worker's temp files of writes killed before their rename
	# are not actions that happened; they are counted apart)
	find "$WS/out" -type f ! -name '.aksup-*.tmp' | sort > "$T/written"
	note "$(find "$WS/out" -type f -name '.aksup-*.tmp' | wc -l) temp files of killed writes left by the fs worker"
	check "no action without its decision ($(comm -13 "$T/decided" "$T/written" | head -3))" \
	    [ -z "$(comm -13 "$T/decided" "$T/written")" ] || ok=1
	"$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" --action fs.read --target "$WS/a.txt" >/dev/null
	# The broker writes k_0 to the key file, then session_start: killed
	# in between (issue 12: 1 of 100 loops on a tmpfs), the key names a
	# session the log never had, which verify rightly calls removed. Such
	# a key is checked to be that, from a killed run, and left out.
	jq -R -r 'fromjson? | select(.type == "session_start") | .session' "$T/log" > "$T/started"
	: > "$T/allkeys"
	for run in $(seq 1 "$CRASH_RUNS"); do
		[ -s "$T/key$run" ] || continue
		sid=$(awk '{ print $3 }' "$T/key$run")
		if grep -qxF -- "$sid" "$T/started"; then
			cat "$T/key$run" >> "$T/allkeys"
			continue
		fi
		left=$((left + 1))
		check "run $run: a key for no session only from a killed broker" \
		    [ -z "${killed_runs##* $run *}" ] || ok=1
		verify --log-path "$T/log" --key "$T/key$run" --allow-crashed
		check "run $run: its key is refused as naming no session ($(tail -1 "$T/vout"))" \
		    grep -q "^INVALID: .*session $sid, which is not in the log" "$T/vout" || ok=1
	done
	[ $left -eq 0 ] || note "$left keys of brokers killed before their session_start left out"
	# session_end and the final seal are one write(2): no kill falls
	# between them (issue 10: this is what made the loop flaky)
	jq -nr '[inputs | fromjson?] as $l
	    | [$l[] | select(.type == "session_start" and .seal != null) | .session] as $s
	    | range(0; $l | length) as $i | $l[$i]
	    | select(.type == "session_end" and (.session as $x | $s | index($x)) != null
	        and ($l[$i + 1].final // false) != true) | .seq' -R "$T/log" > "$T/nofinal"
	check "no session_end without its final seal ($(head -3 "$T/nofinal" | tr '\n' ' '))" \
	    [ ! -s "$T/nofinal" ] || ok=1
	# With the keys, a killed session is not taken on the next session's
	# word: invalid, unless the operator says crashes are expected.
	verify --log-path "$T/log" --key "$T/allkeys"; rc=$?
	if [ $killed -gt 0 ] && [ "$(grep -c '"recovered":{' "$T/log")" -gt 0 ]; then
		check "keyed crashed sessions are invalid without --allow-crashed ($(tail -1 "$T/vout"))" \
		    grep -q "^INVALID: .*no final seal" "$T/vout" || ok=1
		check "verify exits 1 ($rc)" [ $rc -eq 1 ] || ok=1
	fi
	verify --log-path "$T/log" --key "$T/allkeys" --allow-crashed
	check "after a clean session the whole log verifies ($(tail -1 "$T/vout"))" grep -q "^OK:" "$T/vout" || ok=1
	return $ok
}

# One session on a 256 KiB tmpfs until the log is full. Sets $id (the
# request refused), $rid, $decided (1 when its decision is in the log).
fill_once() {	# fill_once PAD
	local denied
	rm -f "$WS"/out/*
	mount -t tmpfs -o size=256k,mode=0755 tmpfs "$T/mnt" || return 1
	"${AS_USER[@]}" "$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/mnt/log" --audit-sync always \
	    --action fs.read --target "$WS/a.txt" >/dev/null || return 1
	for i in $(seq 1 3000); do
		printf '{"id":%d,"action":"fs.write","target":"%s/out/f%d%s","params":{"content":"x"}}\n' \
		    "$i" "$WS" "$i" "$1"
	done > "$T/batch"
	"${AS_USER[@]}" "$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/mnt/log" --audit-sync always \
	    --batch "$T/batch" > "$T/answers" 2>"$T/err"; frc=$?
	n=$(grep -c '"status"' "$T/answers")
	denied=$(jq -c 'select(.error=="audit log unavailable")' "$T/answers" | head -1)
	id=$(jq -r .id <<<"$denied")
	maxid=$(jq -s 'map(.id) | max' "$T/answers")
	rid=$(jq -r .record_id <<<"$denied")
	decided=0
	[ -n "$(jq -cR "fromjson? | select(.record_id==\"$rid\" and .type==\"decision\")" "$T/mnt/log")" ] && decided=1
	check "the failed request was refused ($denied)" [ -n "$denied" ] ||
	    { note "answers: $(tail -1 "$T/answers" | cut -c1-100); $(tr '\n' ' ' < "$T/err")"; return 1; }
}

# The log's filesystem fills up: the decision that cannot be written
# denies its action (fail closed), an outcome that cannot be written
# ends the session, nothing before is lost. Unprivileged it runs in user
# namespaces (see AS_USER), where it was skipped before (issue 12); with
# a failed decision write ignored (broker/loop.c) the action of the
# request whose decision was not written ran: "decision not written: its
# action did not run" failed.
t_full_disk() {
	local ok=0 frc n id maxid rid decided pad="" tries=0 seen=0 rc
	if [ "$(id -u)" != 0 ]; then
		if ! unshare -Ur --mount true 2>/dev/null; then
			note "skip: no user namespace to mount a tmpfs in"
			return 77
		fi
		AKSUP_TEST_USERNS_UID=$(id -u) AKSUP_TEST_USERNS_GID=$(id -g) \
		    unshare -Ur --mount -- bash "$SELF" full_disk >"$T/ns.out" 2>&1; rc=$?
		sed 's/^/  | /' "$T/ns.out"
		check "full_disk in a user namespace (rc $rc)" [ $rc -eq 0 ] &&
		    check "it ran there" grep -qx 'PASS full_disk' "$T/ns.out"
		return
	fi
	if [ ${#AS_USER[@]} -gt 0 ]; then
		check "aksup runs as uid $AKSUP_TEST_USERNS_UID here" \
		    [ "$("${AS_USER[@]}" id -u)" = "$AKSUP_TEST_USERNS_UID" ] || return 1
	fi
	setup
	mkdir -p "$T/mnt"
	# Which record hits the end of the space depends on the lengths; the
	# padding of the target name moves it until a decision is the one
	# that cannot be written (and an outcome, on the way). With requests
	# in flight the decisions come in bursts: which one fails depends on
	# the timing too, so up to 40 fills (each a fraction of a second).
	while [ $tries -lt 40 ] && [ $seen -ne 3 ]; do
		tries=$((tries + 1))
		fill_once "$pad" || { ok=1; umount "$T/mnt"; break; }
		# answered in completion order: the requests in flight when
		# the log failed are answered too (ERROR), none read after
		check "answers stop there ($n answers, ids 1..$maxid, failed $id)" \
		    [ "$n" -eq "$maxid" ] && [ "$id" -le "$maxid" ] || ok=1
		check "nothing read after it ran" [ ! -e "$WS/out/f$((maxid + 1))$pad" ] || ok=1
		check "session ended (rc $frc)" [ $frc -ne 0 ] || ok=1
		check "aksup says why" grep -q "audit log could not be written" "$T/err" || ok=1
		verify --log-path "$T/mnt/log" --allow-open
		check "nothing earlier lost ($(tail -1 "$T/vout"))" grep -q "^OK:" "$T/vout" || ok=1
		if [ $decided -eq 0 ]; then
			check "decision not written: its action did not run" [ ! -e "$WS/out/f$id$pad" ] || ok=1
			note "ENOSPC on the decision of request $id: denied, not run"
			seen=$((seen | 1))
		else
			note "ENOSPC on the outcome of request $id (its write ran, the agent got ERROR)"
			seen=$((seen | 2))
		fi
		if [ $seen -eq 3 ]; then
			# Room again (same log): the next session notes the torn
			# line and the chain goes on.
			# (type and source given: mount(8) does not add the uid=/gid=
			# it reads back, which a user namespace cannot map)
			mount -t tmpfs -o remount,size=1m tmpfs "$T/mnt"
			"${AS_USER[@]}" "$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/mnt/log" \
			    --action fs.read --target "$WS/a.txt" >/dev/null || ok=1
			verify --log-path "$T/mnt/log"
			check "the next session continues the chain ($(tail -1 "$T/vout"))" grep -q "^OK:" "$T/vout" || ok=1
		fi
		umount "$T/mnt"
		pad="${pad}y"
	done
	check "both cases seen in $tries fills" [ $seen -eq 3 ] || ok=1
	return $ok
}

ALL="load_10_streams two_sessions_one_chain lock_names_holder vectors_cli
log_views crash_loop full_disk"

cd "$T" || exit 1
echo "audit integration tests as $(id -un) (uid $(id -u))${AKSUP_TEST_USERNS_UID:+ in a user namespace, aksup as uid $AKSUP_TEST_USERNS_UID}"
for t in ${*:-$ALL}; do
	run_one "$t" "t_$t"
done
finish
