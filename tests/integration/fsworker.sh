#!/usr/bin/env bash
# tests/integration/fsworker.sh -- the fs worker against what can sit
# beneath a root besides files and directories (FIFOs, device nodes), and
# fs.write's clean-up of the directories it made when it fails. Real
# binaries, real sessions (aksup submit), no mocks.
#
#   AKSUP_BIN=DIR  AKSUP_SRC=DIR  tests/integration/fsworker.sh [TEST...]
#
# scripts/test.sh runs it as root and as an unprivileged user. Cases that
# need root (mknod, mount) print SKIP when run unprivileged. Prints
# "N passed, N failed" last.
set -u
BIN=${AKSUP_BIN:?set AKSUP_BIN}
SRC=${AKSUP_SRC:?set AKSUP_SRC}
AKSUP="$BIN/aksup"
T=$(mktemp -d /tmp/aksup-fsw.XXXXXX)
WS="$T/ws"
WRITER=
cleanup() {
	[ -n "$WRITER" ] && kill "$WRITER" 2>/dev/null
	mountpoint -q "$T/small" 2>/dev/null && umount "$T/small"
	rm -rf "$T"
}
trap cleanup EXIT

# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

skipped=()
SKIP=77		# a test that cannot run here returns this: printed SKIP, not counted

LONG=$(printf 'n%.0s' $(seq 300))	# one name longer than NAME_MAX

setup_ws() {	# setup_ws [EXTRA POLICY LINES]
	rm -rf "$WS" "$T/log" "$T/p.yaml"
	mkdir -p "$WS/sub"
	printf 'hello\n' > "$WS/a.txt"
	cat > "$T/p.yaml" <<YAML
capabilities:
  - action: fs.read
    resource: $WS/**
  - action: fs.list
    resource: $WS/**
  - action: fs.write
    resource: $WS/out/**
${1:-}
YAML
}

submit() {	# submit ACTION TARGET [PARAMS] -> stdout JSON
	"$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" \
	    --action "$1" --target "$2" ${3:+--params "$3"}
}
jfield() { jq -r "$1"; }

# Is process $1 blocked opening a FIFO for a partner? (wchan is the
# kernel function it sleeps in; it leaves wait_for_partner the moment any
# reader opens the FIFO, before that reader's open returns.)
tree_of() { (cd "$1" && find . | sort | tr '\n' ' ' | sed 's/ $//'); }
blocked_on_fifo() { [ "$(cat "/proc/$1/wchan" 2>/dev/null)" = wait_for_partner ]; }

start_writer() {	# start_writer FIFO: a writer blocked until a reader opens it
	sh -c 'echo x > "$1"' _ "$1" &
	WRITER=$!
	local i
	for i in $(seq 100); do
		blocked_on_fifo "$WRITER" && return 0
		sleep 0.1
	done
	note "the writer never blocked on the FIFO (wchan: $(cat "/proc/$WRITER/wchan" 2>/dev/null))"
	return 1
}

# --- tests ---------------------------------------------------------------

# fs.read and fs.list never open a FIFO: a writer blocked on it stays
# blocked (opening it, even O_NONBLOCK, would release it).
t_fifo_not_opened() {
	local out ok=0 got
	setup_ws
	mkfifo "$WS/fifo"
	start_writer "$WS/fifo" || return 1
	out=$(submit fs.read "$WS/fifo")
	check "fs.read of a FIFO: ERROR ($out)" \
	    [ "$(jfield .error <<<"$out")" = "Not a regular file: $WS/fifo" ] || ok=1
	check "the writer is still blocked after fs.read" blocked_on_fifo "$WRITER" || ok=1
	out=$(submit fs.read "$WS/fifo" '{"encoding":"base64"}')
	check "fs.read base64 of a FIFO: ERROR ($out)" \
	    [ "$(jfield .error <<<"$out")" = "Not a regular file: $WS/fifo" ] || ok=1
	out=$(submit fs.list "$WS/fifo")
	check "fs.list of a FIFO: ERROR ($out)" \
	    [ "$(jfield .error <<<"$out")" = "Not a directory: $WS/fifo" ] || ok=1
	check "the writer is still blocked after fs.list" blocked_on_fifo "$WRITER" || ok=1
	out=$(submit fs.list "$WS")
	check "fs.list names the FIFO as other ($out)" \
	    [ "$(jfield '.data[] | select(.name=="fifo") | .type' <<<"$out")" = other ] || ok=1
	check "the writer is still blocked after listing its directory" blocked_on_fifo "$WRITER" || ok=1
	# release it ourselves: it was waiting all along
	got=$(timeout 10 cat "$WS/fifo")
	check "the writer wrote to us, the first reader ($got)" [ "$got" = x ] || ok=1
	wait "$WRITER" 2>/dev/null
	WRITER=
	return $ok
}

# The type mismatches the other way round, and the messages for them.
t_type_mismatch() {
	local out ok=0
	setup_ws
	out=$(submit fs.list "$WS/a.txt")
	check "fs.list of a file ($out)" [ "$(jfield .error <<<"$out")" = "Not a directory: $WS/a.txt" ] || ok=1
	out=$(submit fs.read "$WS/sub")
	check "fs.read of a directory ($out)" [ "$(jfield .error <<<"$out")" = "Is a directory: $WS/sub" ] || ok=1
	out=$(submit fs.read "$WS/a.txt")
	check "fs.read of a file still works ($out)" [ "$(jfield .data <<<"$out")" = hello ] || ok=1
	out=$(submit fs.list "$WS/sub")
	check "fs.list of a directory still works ($out)" [ "$(jfield .status <<<"$out")" = OK ] || ok=1
	out=$(submit fs.read "$WS/none")
	check "fs.read of nothing ($out)" [ "$(jfield .error <<<"$out")" = "File not found: $WS/none" ] || ok=1
	return $ok
}

# A device node beneath a root is never opened: /dev/tty's open (5,0)
# fails with ENXIO in a process without a controlling terminal, so an
# answer other than "Not a regular file" means its driver ran.
t_device_not_opened() {
	local out ok=0
	if [ "$(id -u)" -ne 0 ]; then
		note "mknod needs root"
		return $SKIP
	fi
	setup_ws
	mknod "$WS/tty" c 5 0 && mknod "$WS/null" c 1 3 || return 1
	out=$(submit fs.read "$WS/tty")
	check "fs.read of a tty node: not opened ($out)" \
	    [ "$(jfield .error <<<"$out")" = "Not a regular file: $WS/tty" ] || ok=1
	out=$(submit fs.read "$WS/null")
	check "fs.read of a null node ($out)" \
	    [ "$(jfield .error <<<"$out")" = "Not a regular file: $WS/null" ] || ok=1
	out=$(submit fs.list "$WS/tty")
	check "fs.list of a tty node ($out)" \
	    [ "$(jfield .error <<<"$out")" = "Not a directory: $WS/tty" ] || ok=1
	return $ok
}

# fs.write checks every name before it makes a directory.
t_write_long_name_makes_nothing() {
	local out ok=0
	setup_ws
	mkdir -p "$WS/out"
	out=$(submit fs.write "$WS/out/newdir/$LONG" '{"content":"x"}')
	check "too long a name: ERROR" [ "$(jfield .status <<<"$out")" = ERROR ] || ok=1
	check "the error names it ($(jfield .error <<<"$out" | cut -c1-40)...)" \
	    [ "$(jfield .error <<<"$out")" = "File name too long: $WS/out/newdir/$LONG" ] || ok=1
	check "newdir was not made" [ ! -e "$WS/out/newdir" ] || ok=1
	out=$(submit fs.write "$WS/out/a/$LONG/b/c" '{"content":"x"}')
	check "a long middle name: ERROR" [ "$(jfield .status <<<"$out")" = ERROR ] || ok=1
	check "a was not made" [ ! -e "$WS/out/a" ] || ok=1
	check "out is still empty" [ -z "$(ls -A "$WS/out")" ] || ok=1
	out=$(submit fs.write "$WS/out/newdir/ok.txt" '{"content":"x"}')
	check "a good write still makes its parents ($out)" [ "$(cat "$WS/out/newdir/ok.txt")" = x ] || ok=1
	return $ok
}

# A write root that does not exist yet is made at start, one name at a
# time: a name too long makes none of it.
t_missing_root_long_name() {
	local out ok=0
	setup_ws "  - action: fs.write
    resource: $WS/newroot/x/$LONG/**"
	out=$(submit fs.read "$WS/a.txt")
	check "the session runs ($out)" [ "$(jfield .data <<<"$out")" = hello ] || ok=1
	check "newroot was not made" [ ! -e "$WS/newroot" ] || ok=1
	out=$(submit fs.write "$WS/newroot/x/$LONG/f" '{"content":"x"}')
	check "a write beneath it: ERROR" [ "$(jfield .status <<<"$out")" = ERROR ] || ok=1
	check "newroot still not made" [ ! -e "$WS/newroot" ] || ok=1
	return $ok
}

# A write that fails after it made directories (here: the file system
# runs out of inodes part-way) removes the ones it made, and only those.
t_write_failure_removes_its_dirs() {
	local out ok=0
	if [ "$(id -u)" -ne 0 ]; then
		note "mounting a small tmpfs needs root"
		return $SKIP
	fi
	setup_ws "  - action: fs.write
    resource: $T/small/**"
	mkdir -p "$T/small"
	# 4 inodes: the root, "kept", and room for two more
	mount -t tmpfs -o size=1m,nr_inodes=4,mode=0755 tmpfs "$T/small" || return 1
	mkdir "$T/small/kept"
	out=$(submit fs.write "$T/small/kept/a/b/c/f" '{"content":"x"}')
	check "out of inodes at c: ERROR ($out)" [ "$(jfield .status <<<"$out")" = ERROR ] || ok=1
	check "a and b, which it made, are gone ($(tree_of "$T/small"))" \
	    [ "$(tree_of "$T/small")" = ". ./kept" ] || ok=1
	: > "$T/small/filler"	# now room for one more: a, not the file
	out=$(submit fs.write "$T/small/kept/a/f" '{"content":"x"}')
	check "the file itself cannot be made: ERROR ($out)" [ "$(jfield .status <<<"$out")" = ERROR ] || ok=1
	check "a is gone, kept and filler stay ($(tree_of "$T/small"))" \
	    [ "$(tree_of "$T/small")" = ". ./filler ./kept" ] || ok=1
	umount "$T/small"
	return $ok
}

ALL="fifo_not_opened type_mismatch device_not_opened write_long_name_makes_nothing
missing_root_long_name write_failure_removes_its_dirs"

cd "$T" || exit 1
echo "fs worker tests as $(id -un) (uid $(id -u))"
for t in ${*:-$ALL}; do
	"t_$t"
	case $? in
	0) pass=$((pass + 1)); echo "PASS $t" ;;
	"$SKIP") skipped+=("$t"); echo "SKIP $t" ;;
	*) fail=$((fail + 1)); failed_names+=("$t"); echo "FAIL $t" ;;
	esac
done
[ ${#skipped[@]} -eq 0 ] || echo "skipped: ${skipped[*]}"
finish
