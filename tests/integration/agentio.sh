#!/usr/bin/env bash
# tests/integration/agentio.sh -- the external agent's init and stdio on
# the real binaries (docs/SANDBOX.md "The agent's init and stdio"):
# exit statuses through the init (a self-kill is 128+N), SIGTERM from the
# host at aksup and at the init, orphans, --timeout recorded in the log,
# stdin /dev/null or --stdin, fds 0-2 not the operator's terminal (under
# script(1), so that aksup's side is a pty), the relay escaped to a
# terminal and byte-exact to a file.
#
#   AKSUP_BIN=DIR AKSUP_SRC=DIR tests/integration/agentio.sh [TEST...]
#
# Runs as whoever starts it (root or not); prints "N passed, N failed".
set -u
BIN=${AKSUP_BIN:?set AKSUP_BIN}
AKSUP="$BIN/aksup"
T=$(mktemp -d /tmp/aksup-agentio.XXXXXX)
trap 'rm -rf "$T"' EXIT

# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

cat > "$T/p.yaml" <<YAML
capabilities:
  - action: fs.read
    resource: $T/ws/**
YAML
mkdir -p "$T/ws"
run() { "$AKSUP" run --policy "$T/p.yaml" --log-path "$T/log" "$@"; }
last_end() { grep '"type":"session_end"' "$T/log" | tail -1; }
verify() { "$AKSUP" log verify --log-path "$T/log" >"$T/vout" 2>&1; }

# The init of the running session under aksup pid $1: the child whose
# NSpid ends in 1 (pid 1 of its own namespace).
init_of() {
	local c
	for c in $(pgrep -P "$1"); do
		awk '/^NSpid:/ && NF > 2 && $NF == 1 { f = 1 } END { exit !f }' \
		    "/proc/$c/status" 2>/dev/null && { echo "$c"; return 0; }
	done
	return 1
}

# wait_gone PID SECONDS: 0 once PID has exited
wait_gone() {
	local i
	for ((i = 0; i < $2 * 20; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.05
	done
	return 1
}

# an aksup run in the background: its rc lands in $T/rc
bg_run() {
	( run "$@" > "$T/bg.out" 2> "$T/bg.err" < /dev/null; echo $? > "$T/rc" ) &
	BG=$!
	local i
	# ready once the init has forked the agent: it blocks the signals it
	# forwards before that fork, and a signal sent to a pid-namespace init
	# before it blocks or handles it is dropped by the kernel (a SIGTERM
	# sent then was lost, and term_at_the_init failed at random)
	for ((i = 0; i < 100; i++)); do
		AP=$(pgrep -P "$BG" -x aksup) && INIT=$(init_of "$AP") &&
		    pgrep -P "$INIT" >/dev/null && return 0
		sleep 0.05
	done
	return 1
}

t_self_kill_is_128_plus_n() {
	local ok=0 rc
	run -- /bin/sh -c 'kill -TERM $$'; rc=$?
	check "sh kills itself with SIGTERM: 143 (got $rc)" [ $rc = 143 ] || ok=1
	run -- /bin/sh -c 'kill -USR1 $$'; rc=$?
	check "SIGUSR1: 138 (got $rc)" [ $rc = 138 ] || ok=1
	run -- /bin/sh -c 'exit 7'; rc=$?
	check "exit 7 stays 7 (got $rc)" [ $rc = 7 ] || ok=1
	return $ok
}

t_term_at_aksup() {
	local ok=0
	bg_run -- /bin/sleep 100 || { note "session did not start"; kill "$BG"; return 1; }
	kill -TERM "$AP"
	check "aksup ends within 5 s of SIGTERM" wait_gone "$BG" 5 || { ok=1; pkill -KILL -P "$BG"; }
	wait "$BG"
	check "exit 143 (got $(cat "$T/rc"))" [ "$(cat "$T/rc")" = 143 ] || ok=1
	check "session_end recorded with reason signal ($(last_end | cut -c1-60)...)" \
	    grep -q '"reason":"signal"' <(last_end) || ok=1
	verify
	check "log verifies ($(tail -1 "$T/vout"))" grep -q '^OK:' "$T/vout" || ok=1
	return $ok
}

t_term_at_the_init() {
	local ok=0
	bg_run -- /bin/sleep 100 || { note "session did not start"; kill "$BG"; return 1; }
	note "aksup $AP, init $INIT"
	kill -TERM "$INIT"
	check "the agent ends within 5 s of SIGTERM at its init" wait_gone "$BG" 5 || { ok=1; kill -TERM "$AP"; }
	wait "$BG"
	check "exit 143: sleep was killed by SIGTERM (got $(cat "$T/rc"))" [ "$(cat "$T/rc")" = 143 ] || ok=1
	return $ok
}

t_orphan_is_reaped() {
	local ok=0 rc tag
	tag=$((100000 + RANDOM))
	run -- /bin/sh -c "sleep $tag & exit 5"; rc=$?
	check "the agent's own status 5 (got $rc)" [ $rc = 5 ] || ok=1
	check "its background child is gone" bash -c "! pgrep -f '^sleep $tag\$' >/dev/null" || ok=1
	return $ok
}

t_timeout() {
	local ok=0 rc s e v
	for v in 0 -1 abc 1.5 '' 99999999999; do
		run --timeout "$v" -- /bin/true 2>/dev/null; rc=$?
		check "--timeout '$v' is a usage error (got $rc)" [ $rc = 2 ] || ok=1
	done
	s=$(date +%s%N)
	run --timeout 1 -- /bin/sleep 100 2>"$T/err"; rc=$?
	e=$(( ($(date +%s%N) - s) / 1000000 ))
	check "exit 124 (got $rc)" [ $rc = 124 ] || ok=1
	check "ended after 1 s, within 4 s (took $e ms)" [ $e -ge 1000 ] && [ $e -lt 4000 ] || ok=1
	check "said why" grep -q -- '--timeout reached' "$T/err" || ok=1
	check "session_end recorded with reason timeout" grep -q '"reason":"timeout"' <(last_end) || ok=1
	verify
	check "log verifies ($(tail -1 "$T/vout"))" grep -q '^OK:' "$T/vout" || ok=1
	# an agent that ignores SIGTERM is killed after the grace
	s=$(date +%s%N)
	run --timeout 1 -- /bin/sh -c 'trap "" TERM; while :; do sleep 1; done' 2>/dev/null; rc=$?
	e=$(( ($(date +%s%N) - s) / 1000000 ))
	check "SIGTERM ignored: still 124 (got $rc) within 6 s (took $e ms)" [ $rc = 124 ] && [ $e -lt 6000 ] || ok=1
	return $ok
}

t_stdin_is_dev_null() {
	local ok=0 out
	out=$(printf 'operator typed this\n' | run -- /bin/sh -c 'cat; echo "read done"')
	check "the agent read nothing of aksup's stdin (got '$out')" [ "$out" = "read done" ] || ok=1
	return $ok
}

t_stdin_option() {
	local ok=0 out
	head -c 1048576 /dev/urandom > "$T/ws/big"
	run --stdin -- /bin/cat < "$T/ws/big" > "$T/out"
	check "--stdin: 1 MiB through the agent byte-exact" cmp -s "$T/ws/big" "$T/out" || ok=1
	out=$(printf 'abc' | run --stdin -- /bin/sh -c 'cat; echo " eof"')
	check "--stdin: EOF passed on (got '$out')" [ "$out" = "abc eof" ] || ok=1
	return $ok
}

# fds 0-2 of the agent under a pty: every terminal ioctl fails
t_not_the_terminal() {
	local ok=0 opt
	if ! command -v script >/dev/null || [ ! -x /usr/bin/perl ]; then
		echo "SKIP t_not_the_terminal: needs script(1) and /usr/bin/perl"; return 0
	fi
	cat > "$T/ws/tty.pl" <<'PERL'
# For fds 0..2 every terminal ioctl we try: TCGETS and TIOCGETD read,
# TCSETS (with what TCGETS gave) and TIOCSETD N_TTY change nothing on a
# real terminal, TIOCSTI of a NUL. Prints "fd N OP ok|err" on stderr.
use strict;
my %op = (TCGETS => 0x5401, TIOCGETD => 0x5424, TCSETS => 0x5402,
    TIOCSETD => 0x5423, TIOCSTI => 0x5412);
for my $fd (0, 1, 2) {
	my $h;
	open($h, "+<&=", $fd) or open($h, "<&=", $fd) or open($h, ">&=", $fd) or next;
	my $t = "\0" x 64;
	my $d = pack("i", 0);
	my $c = "\0";
	print STDERR "fd $fd TCGETS ", (ioctl($h, $op{TCGETS}, $t) ? "ok" : "err"), "\n";
	print STDERR "fd $fd TIOCGETD ", (ioctl($h, $op{TIOCGETD}, $d) ? "ok" : "err"), "\n";
	print STDERR "fd $fd TCSETS ", (ioctl($h, $op{TCSETS}, $t) ? "ok" : "err"), "\n";
	$d = pack("i", 0);
	print STDERR "fd $fd TIOCSETD ", (ioctl($h, $op{TIOCSETD}, $d) ? "ok" : "err"), "\n";
	print STDERR "fd $fd TIOCSTI ", (ioctl($h, $op{TIOCSTI}, $c) ? "ok" : "err"), "\n";
}
PERL
	for opt in "" "--stdin"; do
		script -qec "$AKSUP run --policy $T/p.yaml --log-path $T/log $opt --ro $T/ws/tty.pl -- /usr/bin/perl $T/ws/tty.pl" \
		    /dev/null < /dev/null 2>&1 | tr -d '\r' > "$T/tty.out"
		check "run $opt: 15 ioctls tried ($(wc -l < "$T/tty.out") lines)" \
		    [ "$(grep -c '^fd [012] ' "$T/tty.out")" = 15 ] || ok=1
		check "run $opt: every one refused ($(grep ' ok$' "$T/tty.out" | tr '\n' ';'))" \
		    bash -c '! grep -q " ok$" "$1"' _ "$T/tty.out" || ok=1
	done
	return $ok
}

t_relay_escapes_for_a_terminal() {
	local ok=0
	if ! command -v script >/dev/null; then
		echo "SKIP t_relay_escapes_for_a_terminal: needs script(1)"; return 0
	fi
	printf 'a\033[31mred\rb\tc\n\xc2\x9b\xe2\x80\xae\x07end\n' > "$T/ws/ctl"
	script -qec "$AKSUP run --policy $T/p.yaml --log-path $T/log --ro $T/ws/ctl -- /bin/cat $T/ws/ctl" \
	    /dev/null < /dev/null > "$T/pty.out" 2>&1
	# the pty turns each \n into \r\n
	printf 'a\\x1b[31mred\\rb\tc\r\n\\u009b\\u202e\\x07end\r\n' > "$T/want"
	check "controls shown escaped, newline and tab as they are" cmp -s "$T/want" "$T/pty.out" || {
		ok=1; note "got: $(od -c "$T/pty.out" | head -3 | tr '\n' ' ')"; }
	script -qec "$AKSUP run --policy $T/p.yaml --log-path $T/log --ro $T/ws/ctl -- /bin/sh -c 'cat \$0 >&2' $T/ws/ctl" \
	    /dev/null < /dev/null > "$T/pty.out" 2>&1
	check "stderr too" cmp -s "$T/want" "$T/pty.out" || ok=1
	return $ok
}

t_relay_raw_to_a_file() {
	local ok=0 rc
	head -c 1048576 /dev/urandom > "$T/ws/big"
	run --ro "$T/ws/big" -- /bin/cat "$T/ws/big" > "$T/out" 2> "$T/err"; rc=$?
	check "exit 0 (got $rc)" [ $rc = 0 ] || ok=1
	check "1 MiB to stdout byte-exact" cmp -s "$T/ws/big" "$T/out" || ok=1
	run --ro "$T/ws/big" -- /bin/sh -c 'cat "$1" >&2; echo out' sh "$T/ws/big" > "$T/out" 2> "$T/err"
	check "1 MiB to stderr byte-exact" cmp -s "$T/ws/big" "$T/err" || ok=1
	check "stdout on its own" [ "$(cat "$T/out")" = out ] || ok=1
	# the output outlives the agent: written after it exited
	run --ro "$T/ws/big" -- /bin/sh -c 'cat "$1"; kill -KILL $$' sh "$T/ws/big" > "$T/out" 2>/dev/null
	check "all of it after a SIGKILLed agent" cmp -s "$T/ws/big" "$T/out" || ok=1
	return $ok
}

# A reader of aksup's stdout that never reads: the agent blocks, not
# aksup; SIGTERM still ends the session (the rest is dropped, said).
t_stuck_stdout() {
	local ok=0 s e
	mkfifo "$T/fifo"
	sleep 30 < "$T/fifo" & local holder=$!
	s=$(date +%s%N)
	run --timeout 1 -- /bin/sh -c 'while :; do cat /usr/bin/sh; done' > "$T/fifo" 2> "$T/err"
	e=$(( ($(date +%s%N) - s) / 1000000 ))
	kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
	check "ended within 12 s though nothing reads its stdout (took $e ms)" [ $e -lt 12000 ] || ok=1
	check "said what was dropped" grep -q 'takes no more of the agent' "$T/err" || ok=1
	return $ok
}

ALL="self_kill_is_128_plus_n term_at_aksup term_at_the_init orphan_is_reaped
timeout stdin_is_dev_null stdin_option not_the_terminal
relay_escapes_for_a_terminal relay_raw_to_a_file stuck_stdout"
for t in ${*:-$ALL}; do
	run_one "$t" "t_$t"
done
finish
