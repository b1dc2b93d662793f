#!/usr/bin/env bash
# tests/integration/placement.sh -- the audit log, the seal key and the
# policy out of the agent's reach (THREATMODEL.md T5, T14): aksup refuses
# to start when one of them lies at or beneath a directory the policy
# opens to the agent, through whatever symlink or bind mount; it follows
# no symlinked directory in --log-path or --seal-key-out; it refuses a
# policy others can write. On the real binaries, no mocks.
#
#   AKSUP_BIN=DIR (aksup and its role binaries) AKSUP_SRC=DIR
#   tests/integration/placement.sh [TEST...]
#
# Runs as whoever starts it (scripts/test.sh: as root and as uid 65534);
# the cases that need root (chown, mount) say SKIP otherwise. Prints "N
# passed, N failed" last.
set -u
BIN=${AKSUP_BIN:?set AKSUP_BIN}
AKSUP="$BIN/aksup"
T=$(mktemp -d /tmp/aksup-pl.XXXXXX)
trap 'mountpoint -q "$T/bind" 2>/dev/null && umount "$T/bind"; rm -rf "$T"' EXIT
P="$T/proj"		# the agent's project: the policy's fs root
OUT="$T/out"		# outside every root

# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

# A test that cannot run here returns 77 after saying why: it is
# printed as SKIP and counted neither passed nor failed.
SKIPPED=77
skip() { note "skipped: $1"; return $SKIPPED; }

# policy RIGHTS... -> $T/p.yaml granting each fs.RIGHT on ROOT ($P)
policy() {
	local root=$P r
	[ "${1:-}" = --root ] && { root=$2; shift 2; }
	{ echo "capabilities:"
	  for r in "$@"; do
		printf '  - action: fs.%s\n    resource: %s/**\n' "$r" "$root"
	  done; } > "$T/p.yaml"
}

setup() {
	mountpoint -q "$T/bind" 2>/dev/null && umount "$T/bind"
	rm -rf "$P" "$OUT" "$T"/*.yaml "$T"/link* "$T/bind" "$T/err" "$T/ans"
	mkdir -p "$P" "$OUT"
	printf 'hello\n' > "$P/a.txt"
	policy read write
}

# sub ARGS... : aksup submit of one fs.read of $P/a.txt; rc in $rc,
# answer in $T/ans, messages in $T/err
sub() {
	"$AKSUP" submit "$@" --action fs.read --target "$P/a.txt" \
	    >"$T/ans" 2>"$T/err"
	rc=$?
}

# refused WHAT PATH ROOT: exit 1, the message names the file, the root
# and the rule, and no request was answered
refused() {
	check "exit 1 (rc $rc)" [ "$rc" = 1 ] || return 1
	check "message names $1 $2 and root $3 ($(cat "$T/err"))" \
	    grep -q "the $1 $2 lies beneath fs root $3 (rule at .*p.yaml:2 grants fs\.[a-z]*); refusing to start" "$T/err" || return 1
	check "nothing answered ($(cat "$T/ans"))" [ ! -s "$T/ans" ] || return 1
}

# --- tests ---------------------------------------------------------------

# The agent reads the seal key and writes over the log (the finding).
t_attack_key_and_log() {
	local ok=0
	local -x AKSUP_LOG=./aksup.log	# (the log in the working directory)
	setup
	cd "$P" || return 1
	printf '{"id":1,"action":"fs.read","target":"%s"}\n{"id":2,"action":"fs.write","target":"%s","params":{"content":"forged\\n"}}\n' \
	    "$P/run.key" "$P/aksup.log" > "$T/batch"
	"$AKSUP" submit --policy "$T/p.yaml" --seal-key-out ./run.key \
	    --batch "$T/batch" >"$T/ans" 2>"$T/err"
	rc=$?
	cd "$T" || return 1
	check "refused (rc $rc)" [ "$rc" = 1 ] || ok=1
	check "the key was never read ($(head -c 300 "$T/ans"))" \
	    bash -c '! grep -q "\"OK\"" "$1"' _ "$T/ans" || ok=1
	check "the log was not overwritten" \
	    bash -c '! grep -q forged "$1"' _ "$P/aksup.log" || ok=1
	check "the refusal names the log ($(cat "$T/err"))" \
	    grep -q "the audit log ./aksup.log lies beneath fs root $P " "$T/err" || ok=1
	# A key the agent could read seals nothing: the refused session's
	# key file is removed, said, and its log verifies without it.
	check "the key inside the root is removed" [ ! -e "$P/run.key" ] || ok=1
	check "its removal is said ($(cat "$T/err"))" \
	    grep -q "removed the seal key file ./run.key" "$T/err" || ok=1
	check "the refused session is recorded and verifies" \
	    "$AKSUP" log verify --log-path "$P/aksup.log" >/dev/null || ok=1
	return $ok
}

# A log named relative to the working directory (AKSUP_LOG=./aksup.log,
# as the default was before it moved out of the working directory), run
# from the project the policy opens.
t_default_log_in_writable_root() {
	local ok=0
	local -x AKSUP_LOG=./aksup.log
	setup
	cd "$P" || return 1
	sub --policy "$T/p.yaml"
	refused "audit log" ./aksup.log "$P" || ok=1
	# aksup run likewise: exit 1, CMD never runs (it would print "ran")
	"$AKSUP" run --policy "$T/p.yaml" -- /bin/echo ran >"$T/ans" 2>"$T/err"
	rc=$?
	cd "$T" || return 1
	refused "audit log" ./aksup.log "$P" || ok=1
	return $ok
}

t_log_beneath_readonly_root() {
	local ok=0
	setup
	policy read
	mkdir -p "$P/deep/er"
	sub --policy "$T/p.yaml" --log-path "$P/deep/er/log"
	refused "audit log" "$P/deep/er/log" "$P" || ok=1
	policy list
	sub --policy "$T/p.yaml" --log-path "$P/deep/er/log"
	refused "audit log" "$P/deep/er/log" "$P" || ok=1
	return $ok
}

t_seal_key_beneath_root() {
	local ok=0
	setup
	sub --policy "$T/p.yaml" --log-path "$OUT/log" --seal-key-out "$P/run.key"
	refused "seal key file" "$P/run.key" "$P" || ok=1
	return $ok
}

t_policy_beneath_root() {
	local ok=0
	setup
	mv "$T/p.yaml" "$P/p.yaml"
	sub --policy "$P/p.yaml" --log-path "$OUT/log"
	refused "policy file" "$P/p.yaml" "$P" || ok=1
	# named through a symlink outside the root: the file itself counts
	ln -s "$P/p.yaml" "$T/p.yaml"
	sub --policy "$T/p.yaml" --log-path "$OUT/log"
	refused "policy file" "$T/p.yaml" "$P" || ok=1
	return $ok
}

# A symlinked directory in --log-path is not followed, wherever it points.
t_log_through_symlinked_dir() {
	local ok=0
	setup
	ln -s "$P" "$T/linkp"		# into the root
	sub --policy "$T/p.yaml" --log-path "$T/linkp/aksup.log"
	check "into the root: exit 1 (rc $rc)" [ "$rc" = 1 ] || ok=1
	check "says the symlink is not followed ($(cat "$T/err"))" \
	    grep -q "audit log $T/linkp/aksup.log: the directory $T/linkp is or passes through a symbolic link, which aksup does not follow" "$T/err" || ok=1
	check "no log made in the root" [ ! -e "$P/aksup.log" ] || ok=1
	ln -s "$OUT" "$T/linko"		# outside every root: refused too
	sub --policy "$T/p.yaml" --log-path "$T/linko/aksup.log"
	check "outside: exit 1 (rc $rc)" [ "$rc" = 1 ] || ok=1
	check "names the directory ($(cat "$T/err"))" \
	    grep -q "the directory $T/linko is or passes through a symbolic link" "$T/err" || ok=1
	check "no log made" [ ! -e "$OUT/aksup.log" ] || ok=1
	# a symlink further up the path
	sub --policy "$T/p.yaml" --log-path "$T/linko/../out/aksup.log"
	check "a symlink before ..: exit 1 (rc $rc)" [ "$rc" = 1 ] || ok=1
	# --seal-key-out likewise
	sub --policy "$T/p.yaml" --log-path "$OUT/log" --seal-key-out "$T/linkp/run.key"
	check "key: exit 1 (rc $rc)" [ "$rc" = 1 ] || ok=1
	check "key: names it ($(cat "$T/err"))" \
	    grep -q "seal key file $T/linkp/run.key: the directory $T/linkp is or passes through a symbolic link" "$T/err" || ok=1
	check "no key made in the root" [ ! -e "$P/run.key" ] || ok=1
	return $ok
}

# The policy names the root through a symlink; the log is in the real one.
t_root_through_symlink() {
	local ok=0
	setup
	ln -s "$P" "$T/linkroot"
	policy --root "$T/linkroot" read write
	sub --policy "$T/p.yaml" --log-path "$P/aksup.log"
	refused "audit log" "$P/aksup.log" "$T/linkroot" || ok=1
	return $ok
}

# The root bind-mounted elsewhere: compared by identity, not by name.
t_root_bind_mount() {
	local ok=0
	[ "$(id -u)" = 0 ] || { skip "needs root to mount"; return; }
	setup
	mkdir "$T/bind"
	mount --bind "$P" "$T/bind" || { skip "mount --bind failed"; return; }
	policy --root "$T/bind" read
	sub --policy "$T/p.yaml" --log-path "$P/aksup.log"
	refused "audit log" "$P/aksup.log" "$T/bind" || ok=1
	umount "$T/bind"
	return $ok
}

# A directory outside every root, bind-mounted inside a root (the
# attacker review's bypass: the walk up from the log never meets the
# root, yet the root's tree showed the key and the log). The fs worker
# crosses no mount point: read, write and delete through the mount fail,
# fs.list shows it as a mount, the log and key stay intact.
t_bind_mount_inside_root() {
	local ok=0 m="$P/bind"
	[ "$(id -u)" = 0 ] || { skip "needs root to mount"; return; }
	setup
	mkdir "$m"
	mount --bind "$OUT" "$m" || { skip "mount --bind failed"; return; }
	policy read write delete list
	printf '%s\n' \
	    "{\"id\":1,\"action\":\"fs.read\",\"target\":\"$m/run.key\"}" \
	    "{\"id\":2,\"action\":\"fs.write\",\"target\":\"$m/aksup.log\",\"params\":{\"content\":\"forged\\n\"}}" \
	    "{\"id\":3,\"action\":\"fs.delete\",\"target\":\"$m/aksup.log\"}" \
	    "{\"id\":4,\"action\":\"fs.list\",\"target\":\"$P\"}" \
	    "{\"id\":5,\"action\":\"fs.write\",\"target\":\"$m/new/x\",\"params\":{\"content\":\"x\"}}" \
	    > "$T/batch"
	"$AKSUP" submit --policy "$T/p.yaml" --log-path "$OUT/aksup.log" \
	    --seal-key-out "$OUT/run.key" --batch "$T/batch" >"$T/ans" 2>"$T/err"
	rc=$?
	check "the session ran (rc $rc, $(cat "$T/err"))" [ "$rc" = 1 ] || ok=1
	for id in 1 2 3 5; do
		check "request $id through the mount: ERROR crosses a mount point ($(grep "\"id\":$id," "$T/ans"))" \
		    grep -q "\"id\":$id,.*\"ERROR\".*crosses a mount point" "$T/ans" || ok=1
	done
	check "fs.list shows the mount point as a mount, no size ($(grep '"id":4,' "$T/ans"))" \
	    grep -q '"id":4,.*{"name":"bind","type":"mount","size":0}' "$T/ans" || ok=1
	check "the key was never answered" \
	    bash -c '! grep -q aksup-seal-key "$1"' _ "$T/ans" || ok=1
	check "nothing created through the mount" [ ! -e "$OUT/new" ] || ok=1
	umount "$m"
	check "the log is intact and verifies with its key" \
	    "$AKSUP" log verify --log-path "$OUT/aksup.log" --key "$OUT/run.key" >/dev/null || ok=1
	return $ok
}

# The log, the key and the policy on a bind mount of a directory inside
# a root (the attacker review's second bypass): the walk up from the
# mount never meets the root, but the agent reaches the same files
# through the root. Refused: the file's place inside its filesystem lies
# beneath the root's.
t_on_bind_of_root_subdir() {
	local ok=0 m="$T/bind"
	[ "$(id -u)" = 0 ] || { skip "needs root to mount"; return; }
	setup
	mkdir "$P/logs" "$m"
	mount --bind "$P/logs" "$m" || { skip "mount --bind failed"; return; }
	sub --policy "$T/p.yaml" --log-path "$m/aksup.log"
	refused "audit log" "$m/aksup.log" "$P" || ok=1
	sub --policy "$T/p.yaml" --log-path "$OUT/aksup.log" \
	    --seal-key-out "$m/run.key"
	refused "seal key file" "$m/run.key" "$P" || ok=1
	cp "$T/p.yaml" "$P/logs/q.yaml"
	sub --policy "$m/q.yaml" --log-path "$OUT/aksup.log"
	check "policy on the bind: exit 1 (rc $rc)" [ "$rc" = 1 ] || ok=1
	check "policy on the bind: named ($(cat "$T/err"))" grep -q \
	    "the policy file $m/q.yaml lies beneath fs root $P (rule at .*q.yaml:2 grants fs\.[a-z]*); refusing to start" "$T/err" || ok=1
	umount "$m"
	# Outside the root, the same bind is no reason to refuse.
	mkdir "$OUT/logs"
	mount --bind "$OUT/logs" "$m" || { skip "mount --bind failed"; return; }
	sub --policy "$T/p.yaml" --log-path "$m/aksup.log"
	check "a bind of a directory outside every root is fine (rc $rc, $(cat "$T/err"))" \
	    [ "$rc" = 0 ] || ok=1
	umount "$m"
	return $ok
}

# The log (or the key) removed, replaced or linked while the session
# runs: whatever did it, aksup says so at the end and fails, since what
# the broker wrote is no longer what the name holds. The agent says
# "ready" (relayed to a FIFO we read: the session is running), the test
# changes the file, then lets the agent end by a line on its stdin.
# during CHANGE: $rc, messages in $T/err
during() {
	rm -f "$T/fin" "$T/fout"; mkfifo "$T/fin" "$T/fout"
	"$AKSUP" run --policy "$T/p.yaml" --log-path "$OUT/aksup.log" \
	    --seal-key-out "$OUT/run.key" --stdin -- /bin/sh -c \
	    'echo ready; read x; echo done' <"$T/fin" >"$T/fout" 2>"$T/err" &
	local pid=$! line=
	exec 8>"$T/fin" 9<"$T/fout"
	read -r line <&9
	[ "$line" = ready ] && eval "$1"
	# an aksup that refused to start has no reader: no SIGPIPE for us
	(trap '' PIPE; echo go >&8) 2>/dev/null
	exec 8>&- 9<&-
	wait "$pid"
	rc=$?
}
t_log_changed_during_session() {
	local ok=0
	setup
	during 'mv "$OUT/aksup.log" "$OUT/old.log"; : > "$OUT/aksup.log"'
	check "replaced log: exit 1 (rc $rc)" [ "$rc" = 1 ] || ok=1
	check "replaced log: said ($(cat "$T/err"))" grep -q \
	    "the audit log $OUT/aksup.log was removed, replaced or given another name while the session ran" "$T/err" || ok=1
	setup
	during 'ln "$OUT/run.key" "$OUT/copy.key"'
	check "linked key: exit 1 (rc $rc)" [ "$rc" = 1 ] || ok=1
	check "linked key: said ($(cat "$T/err"))" grep -q \
	    "the seal key file $OUT/run.key was removed, replaced or given another name" "$T/err" || ok=1
	setup
	during 'true'
	check "untouched: exit 0 (rc $rc, $(cat "$T/err"))" [ "$rc" = 0 ] || ok=1
	return $ok
}

# A second name of the log (a hard link) inside the root.
t_log_hard_link() {
	local ok=0
	setup
	sub --policy "$T/p.yaml" --log-path "$OUT/log"
	check "first session runs (rc $rc, $(cat "$T/err"))" [ "$rc" = 0 ] || ok=1
	ln "$OUT/log" "$P/copy.log"
	sub --policy "$T/p.yaml" --log-path "$OUT/log"
	check "exit 1 (rc $rc)" [ "$rc" = 1 ] || ok=1
	check "names the links ($(cat "$T/err"))" \
	    grep -q "the audit log $OUT/log has 2 names (hard links)" "$T/err" || ok=1
	return $ok
}

t_policy_mode() {
	local ok=0 m out
	setup
	for m in 666 664 646; do
		chmod "$m" "$T/p.yaml"
		sub --policy "$T/p.yaml" --log-path "$OUT/log"
		check "$m: exit 1 (rc $rc)" [ "$rc" = 1 ] || ok=1
		check "$m: says why ($(cat "$T/err"))" \
		    grep -q "policy $T/p.yaml must belong to you or root and be writable by its owner alone (it is uid $(id -u), mode $m; chmod go-w $T/p.yaml)" "$T/err" || ok=1
		check "$m: no session began" [ ! -e "$OUT/log" ] || ok=1
		out=$("$AKSUP" validate-policy --policy "$T/p.yaml" 2>&1)
		check "$m: validate-policy refuses too ($out)" \
		    bash -c '[ $1 = 1 ] && grep -q "writable by its owner alone" <<<"$2"' _ $? "$out" || ok=1
		out=$("$AKSUP" policy explain --policy "$T/p.yaml" --action fs.read --target "$P/a.txt" 2>&1)
		check "$m: policy explain refuses too ($out)" \
		    bash -c '[ $1 = 1 ] && grep -q "writable by its owner alone" <<<"$2"' _ $? "$out" || ok=1
	done
	return $ok
}

t_policy_other_owner() {
	local ok=0
	[ "$(id -u)" = 0 ] || { skip "needs root to chown"; return; }
	setup
	chown 12345 "$T/p.yaml"
	sub --policy "$T/p.yaml" --log-path "$OUT/log"
	check "exit 1 (rc $rc)" [ "$rc" = 1 ] || ok=1
	check "says why ($(cat "$T/err"))" \
	    grep -q "policy $T/p.yaml must belong to you or root .*(it is uid 12345, mode 644; copy it to a file of yours: $T/p.yaml)" "$T/err" || ok=1
	return $ok
}

# The refusal names the first rule that opens the root, by line.
t_rule_named() {
	local ok=0
	setup
	mkdir -p "$T/other"
	cat > "$T/p.yaml" <<YAML
capabilities:
  - action: fs.read
    resource: $T/other/**
  - action: fs.delete
    resource: $P/sub/**
  - action: fs.write
    resource: $P/**
YAML
	sub --policy "$T/p.yaml" --log-path "$P/aksup.log"
	check "exit 1 (rc $rc)" [ "$rc" = 1 ] || ok=1
	check "names line 6, fs.write ($(cat "$T/err"))" \
	    grep -q "the audit log $P/aksup.log lies beneath fs root $P (rule at $T/p.yaml:6 grants fs.write)" "$T/err" || ok=1
	rm -f "$P/aksup.log"
	mkdir -p "$P/sub"
	sub --policy "$T/p.yaml" --log-path "$P/sub/aksup.log"
	check "the deeper root first: line 4, fs.delete ($(cat "$T/err"))" \
	    grep -q "lies beneath fs root $P/sub (rule at $T/p.yaml:4 grants fs.delete)" "$T/err" || ok=1
	return $ok
}

# The negative case: everything outside every root works as before.
t_outside_every_root() {
	local ok=0
	setup
	sub --policy "$T/p.yaml" --log-path "$OUT/log" --seal-key-out "$OUT/run.key"
	check "runs (rc $rc, $(cat "$T/err"))" [ "$rc" = 0 ] || ok=1
	check "answered OK" grep -q '"status": "OK"' "$T/ans" || ok=1
	check "verifies" "$AKSUP" log verify --log-path "$OUT/log" --key "$OUT/run.key" >/dev/null || ok=1
	# a root that does not exist yet, beside the log's directory
	policy --root "$T/new/dir" write
	sub --policy "$T/p.yaml" --log-path "$OUT/log2"
	check "a missing root: runs (rc $rc, $(cat "$T/err"))" [ "$rc" != 1 ] || ok=1
	# an ancestor of the root holding the log is not beneath it
	policy read
	sub --policy "$T/p.yaml" --log-path "$T/log3"
	check "log beside the root: runs (rc $rc, $(cat "$T/err"))" [ "$rc" = 0 ] || ok=1
	return $ok
}

ALL="attack_key_and_log default_log_in_writable_root log_beneath_readonly_root
seal_key_beneath_root policy_beneath_root log_through_symlinked_dir
root_through_symlink root_bind_mount bind_mount_inside_root
on_bind_of_root_subdir log_changed_during_session log_hard_link policy_mode
policy_other_owner rule_named outside_every_root"

cd "$T" || exit 1
echo "placement tests as $(id -un) (uid $(id -u))"
for t in ${*:-$ALL}; do
	"t_$t"
	case $? in
	0) pass=$((pass + 1)); echo "PASS $t" ;;
	"$SKIPPED") echo "SKIP $t" ;;
	*) fail=$((fail + 1)); failed_names+=("$t"); echo "FAIL $t" ;;
	esac
done
finish
