#!/usr/bin/env bash
# tests/integration/uids.sh -- a uid range per session as root
# (docs/SANDBOX.md "Uids"): one agent holding as many processes as its
# RLIMIT_NPROC allows does not stop another session's agent from
# starting and forking; a slot is free again once its session ends; an
# unsafe lock directory is refused.
#
#   AKSUP_BIN=DIR AKSUP_SRC=DIR tests/integration/uids.sh [TEST...]
#
# Needs root (unprivileged every role is the invoking user: there is no
# range to allocate); otherwise each test prints SKIP. Prints "N passed,
# N failed".
set -u
BIN=${AKSUP_BIN:?set AKSUP_BIN}
AKSUP="$BIN/aksup"
T=$(mktemp -d /tmp/aksup-uids.XXXXXX)
chmod 755 "$T"
A=
cleanup() { [ -n "$A" ] && kill -TERM "$A" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

cat > "$T/p.yaml" <<YAML
capabilities:
  - action: fs.read
    resource: $T/ws/**
YAML
mkdir -p "$T/ws"

# Session A: its agent holds 253 sleeping children, so with its init and
# its shell the agent's uid has 255 processes, one below RLIMIT_NPROC
# (256): the next process of that uid anywhere cannot start.
start_hog() {
	local i
	"$AKSUP" run --policy "$T/p.yaml" --log-path "$T/loga" --pids-max 400 \
	    -- /bin/sh -c 'id -u; i=0; while [ $i -lt 253 ]; do sleep 120 & i=$((i+1)); done; echo ready; wait' \
	    > "$T/a.out" 2> "$T/a.err" < /dev/null &
	A=$!
	for ((i = 0; i < 400; i++)); do
		grep -q ready "$T/a.out" 2>/dev/null && return 0
		kill -0 "$A" 2>/dev/null || break
		sleep 0.05
	done
	note "session A never got ready: $(tail -2 "$T/a.err")"
	return 1
}
stop_hog() {
	kill -TERM "$A" 2>/dev/null
	wait "$A" 2>/dev/null
	A=
}

t_concurrent_sessions() {
	local ok=0 ua ub
	start_hog || return 1
	"$AKSUP" run --policy "$T/p.yaml" --log-path "$T/logb" \
	    -- /bin/sh -c 'id -u; /bin/true && /bin/true && echo forked' \
	    > "$T/b.out" 2> "$T/b.err" < /dev/null
	check "the second session's agent starts and forks while the first holds its uid's limit ($(tail -1 "$T/b.err"))" \
	    grep -qx forked "$T/b.out" || ok=1
	ua=$(head -1 "$T/a.out"); ub=$(head -1 "$T/b.out")
	check "the two agents have different uids ($ua, $ub)" \
	    [ -n "$ua" ] && [ -n "$ub" ] && [ "$ua" != "$ub" ] || ok=1
	stop_hog
	return $ok
}

t_slot_released() {
	local ok=0 u1 u2
	u1=$("$AKSUP" run --policy "$T/p.yaml" --log-path "$T/logc" -- /usr/bin/id -u < /dev/null)
	u2=$("$AKSUP" run --policy "$T/p.yaml" --log-path "$T/logc" -- /usr/bin/id -u < /dev/null)
	check "one session after another: the same first range ($u1, $u2)" \
	    [ -n "$u1" ] && [ "$u1" = "$u2" ] || ok=1
	check "the first range is the documented one (agent uid 64401: $u1)" \
	    [ "$u1" = 64401 ] || ok=1
	return $ok
}

t_unsafe_lock_dir() {
	local ok=0 rc mode
	[ -d /run/aksup ] || mkdir -m 0700 /run/aksup
	mode=$(stat -c %a /run/aksup)
	chmod 0777 /run/aksup
	"$AKSUP" run --policy "$T/p.yaml" --log-path "$T/logd" -- /bin/true \
	    > /dev/null 2> "$T/d.err" < /dev/null; rc=$?
	chmod "$mode" /run/aksup
	check "a lock directory others may write refuses the start (exit $rc)" [ $rc -eq 1 ] || ok=1
	check "the message names it ($(head -1 "$T/d.err"))" grep -q '/run/aksup' "$T/d.err" || ok=1
	return $ok
}

ALL="concurrent_sessions slot_released unsafe_lock_dir"
echo "uid-range tests as $(id -un) (uid $(id -u))"
for t in ${*:-$ALL}; do
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP $t: needs root (unprivileged there are no role uids to allocate)"
		continue
	fi
	run_one "$t" "t_$t"
done
finish
