#!/usr/bin/env bash
# tests/sandbox/run.sh -- attack every role's profile from inside it
# (tests/sandbox/sbprobe.c) and check the running processes against
# docs/SANDBOX.md. Each attack is its own test; a test fails if the attack
# succeeds. Needs a build with -Dtest_hooks=true (to run the probe as the
# broker, the fs worker, the http worker or the built-in agent, and to
# pretend a layer is missing); scripts/test.sh builds one and runs this as
# root and as an unprivileged user.
#
#   AKSUP_BIN=DIR  (aksup, role binaries, aksup-probe, aksup-sbprobe,
#                   aksup-sbprobe-suid: a setuid-root copy, made by root)
#   AKSUP_SRC=DIR  (docs/SANDBOX.md, docs/ARCHITECTURE.md)
#   tests/sandbox/run.sh [TEST...]   (TEST: a t_TEST function, or a role:
#                                    agent, agent-builtin, broker, worker-fs,
#                                    worker-http, command: the probe as a
#                                    proc.exec command)
#
# A test that cannot run here (the kernel lacks what it attacks, a tool
# is missing) says why and is counted as skipped (tests/lib.sh `skip`).
set -u
BIN=${AKSUP_BIN:?set AKSUP_BIN}
SRC=${AKSUP_SRC:?set AKSUP_SRC}
AKSUP="$BIN/aksup"
SB="$BIN/aksup-sbprobe"
T=$(mktemp -d /tmp/aksup-sb.XXXXXX)
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
WS="$T/ws"
ME=$(id -u)
ALL_ATTACKS="t1 t2 t2i386 t3 t4 t5 t6ro t10 t12 t13 t14 unshare fork mem signal sc"
# The http worker keeps the host's network: a TCP connect is its purpose
# (the broker decides the URL, the worker pins the address it checked;
# docs/SANDBOX.md), so t13 is not its attack. These are, with the rest of
# the battery: no UDP, raw, packet or netlink socket, no server (bind), no
# file but its CA bundle and resolver files, and those read-only (ropen;
# t14 writes the policy and the log, t12 its AF_UNIX socket).
HTTP_ATTACKS="udp raw packet netlink bind ropen"
attacks_of() {	# attacks_of ROLE: what its probe run attacks
	case $1 in
	worker-http) echo ${ALL_ATTACKS/ t13/} $HTTP_ATTACKS ;;
	*) echo $ALL_ATTACKS ;;
	esac
}

# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

setup() {
	rm -rf "$WS" "$T/outside" "$T/snap"
	mkdir -p "$WS/d" "$T/outside" "$T/snap"
	printf 'inside\n' > "$WS/d/f"
	printf 'SECRET\n' > "$T/outside/f"
	ln -s "$T/outside" "$WS/link"
	cat > "$T/p.yaml" <<YAML
capabilities:
  - action: fs.read
    resource: $WS/**
  - action: fs.list
    resource: $WS/**
  - action: fs.write
    resource: $WS/out/**
YAML
	: > "$T/log"
	chmod -R a+rX "$T"
	# the snapshot store beside the log stays its owner's (else refused)
	chmod 700 "$T/snapshots" 2>/dev/null
}

# One probe run per role; its RESULT lines are checked test by test.
PORT=$((40000 + RANDOM % 20000))

# http_rules FILE [creds]: the policy FILE (its capabilities list last)
# allows net.http to the test's TCP listener, so the session starts the
# http worker; with "creds" it also names a credential for it (the
# worker then gets the credentials memfd, fd 5; the value comes from
# AKSUP_SB_TOKEN in aksup's environment).
export AKSUP_SB_TOKEN="sb-token-$$-$RANDOM"
http_rules() {
	cat >> "$1" <<YAML
  - action: net.http
    resource: http://127.0.0.1:$PORT/**
YAML
	[ "${2:-}" = creds ] || return 0
	cat >> "$1" <<YAML
credentials:
  - resource: http://127.0.0.1:$PORT/**
    headers:
      Authorization: Bearer \${AKSUP_SB_TOKEN}
YAML
}
ABS="aksup-sb-$$-$RANDOM"
probe_args() {
	echo "suid=$BIN/aksup-sbprobe-suid read=$WS/d/f file=$T/p.yaml file=$T/log" \
	    "dir=$T/snap dir=$WS abstract=$ABS tcp=$PORT rofile=d/f"
}

# listen KIND NAME OUT: one of the test's listeners (T12/T13), up and
# listening when this returns 0 (its pid in $LPID). A listener that never
# started would make "it saw no connection" true of nothing.
listen() {
	local i
	"$SB" "listen-$1" "$2" 60 "$3" &
	LPID=$!
	for i in $(seq 1 200); do
		grep -q LISTENING "$3" 2>/dev/null && return 0
		kill -0 $LPID 2>/dev/null || break
		sleep 0.05
	done
	return 1
}

# aksup is started with fds 9, 10 and 251 open: no role may inherit
# them (close_range, supervisor/spawn.c); fds_ROLE checks the probe's FDS.
run_role() {	# run_role ROLE -> $T/out.ROLE
	local role=$1 out="$T/out.$1" sup apid tpid i
	setup
	rm -f "$T/abs.$role"* "$T/tcp.$role"*
	listen abstract "$ABS" "$T/abs.$role"; apid=$LPID
	# a port someone else holds: another one (a few tries)
	for i in 1 2 3 4 5; do
		listen tcp "$PORT" "$T/tcp.$role" && break
		wait $LPID 2>/dev/null
		PORT=$((40000 + RANDOM % 20000))
	done
	tpid=$LPID
	case $role in
	agent)
		# The agent gets the pids of the others on stdin (it cannot see
		# them: own pid namespace, no /proc); the setuid copy is in its
		# view (--ro), as a file an operator could name.
		rm -f "$T/go"; mkfifo "$T/go"
		"$AKSUP" run --stdin --policy "$T/p.yaml" --log-path "$T/log" \
		    --ro "$BIN/aksup-sbprobe-suid" -- \
		    "$SB" agent attack "${ALL_ATTACKS// /,}" pids=stdin $(probe_args) \
		    < "$T/go" > "$out.stdout" 2> "$out" 9</dev/null 10</dev/null 251</dev/null &
		sup=$!
		exec 7>"$T/go"
		for _ in $(seq 1 200); do grep -q READY "$out.stdout" && break; sleep 0.05; done
		echo "PIDS $sup $(cat /proc/$sup/task/*/children)" >&7
		exec 7>&-
		wait $sup
		;;
	agent-builtin)
		AKSUP_TEST_PROBE_ROLE=$role AKSUP_TEST_PROBE_ARGS="attack ${ALL_ATTACKS// /,} $(probe_args)" \
		    "$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" \
		    --action fs.read --target "$WS/d/f" > /dev/null 2> "$out" \
		    9</dev/null 10</dev/null 251</dev/null
		;;
	command)
		# The probe as a proc.exec command: the same attacks from a
		# command's sandbox. Its view shows $BIN (a root the policy
		# reads: the probe and the setuid copy); the pids it attacks
		# (this shell, the listeners: processes of this uid on the
		# host) come on its stdin.
		cat >> "$T/p.yaml" <<YAML
  - action: fs.read
    resource: $BIN/**
  - action: proc.exec
    resource: $SB
    args: {prefix: []}
    timeout_max: 120
YAML
		"$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" \
		    --action proc.exec --target "$SB" --params "$(jq -nc \
		    --arg a "${ALL_ATTACKS// /,}" --arg in "PIDS $$ $apid $tpid" \
		    '{args: (["command", "attack", $a, "pids=stdin"] + $ARGS.positional),
		    stdin: ($in + "\n"), timeout: 120}' --args $(probe_args))" \
		    > "$out.json" 2>/dev/null 9</dev/null 10</dev/null 251</dev/null
		jq -r '.data.stderr // .error // "no answer"' "$out.json" > "$out"
		;;
	broker|worker-fs)
		AKSUP_TEST_PROBE_ROLE=$role AKSUP_TEST_PROBE_ARGS="attack ${ALL_ATTACKS// /,} $(probe_args)" \
		    "$AKSUP" run --policy "$T/p.yaml" --log-path "$T/log" -- /bin/sleep 30 \
		    > /dev/null 2> "$out" 9</dev/null 10</dev/null 251</dev/null
		;;
	worker-http)
		# started only when the policy allows net.http; a credential
		# too, so that its memfd (fd 5) is there at exec. Its stderr
		# is a pipe: the row's RLIMIT_FSIZE 0 makes a write to a
		# regular file SIGXFSZ.
		http_rules "$T/p.yaml" creds
		AKSUP_TEST_PROBE_ROLE=$role \
		    AKSUP_TEST_PROBE_ARGS="attack $(attacks_of $role | tr ' ' ,) $(probe_args)" \
		    "$AKSUP" run --policy "$T/p.yaml" --log-path "$T/log" -- /bin/sleep 30 \
		    2>&1 > /dev/null 9</dev/null 10</dev/null 251</dev/null | cat > "$out"
		;;
	esac
	# still listening after the probe ran: what it did not see, it
	# would have
	kill -0 $apid 2>/dev/null && : > "$T/abs.$role.alive"
	kill -0 $tpid 2>/dev/null && : > "$T/tcp.$role.alive"
	kill $apid $tpid 2>/dev/null
	wait $apid $tpid 2>/dev/null
	check "the probe ran as $role ($(grep -m1 '^DONE' "$out" || head -1 "$out"))" grep -q "^DONE $role all blocked" "$out" &&
	    check "no attack escaped as $role ($(grep ESCAPED "$out" | head -3 | tr '\n' ' '))" \
	    bash -c '! grep -q ESCAPED "$1"' _ "$out"
}

# Does the kernel itself run a system call of that ABI? (t2, t2i386)
abi_works() { "$SB" abi "$1" > "$T/abi.$1"; }

attack_test() {	# attack_test ROLE ATTACK
	local role=$1 a=$2 line
	line=$(grep "^RESULT $a " "$T/out.$role")
	if [ -z "$line" ]; then note "no result for $a as $role"; return 1; fi
	grep "^  ${a%-broker}:" "$T/out.$role" | head -12 | sed 's/^/    /'
	note "$line"
	case $a in
	t2|t2i386)
		# Our filters kill a foreign ABI's call (SIGSYS) before the
		# kernel sees it. Anything else was not our filter: on a
		# kernel without that ABI the call fails by itself (skipped:
		# nothing to tell), on one with it that is a failure.
		local abi=x32
		[ $a = t2i386 ] && abi=i386
		[[ "$line" == *"killed by signal 31"* ]] && return 0
		if ! abi_works $abi; then
			skip "not killed by our filter, and $(cat "$T/abi.$abi")"
			return
		fi
		note "FAILED: $a as $role was not killed by the filter ($(cat "$T/abi.$abi"))"
		return 1 ;;
	esac
	check "$a blocked as $role" bash -c '[[ "$1" == "RESULT $2 blocked"* ]]' _ "$line" "$a" || return 1
	case $a in
	fork|mem|signal)
		# an agent's seat asks the broker afterwards: the answer must
		# be there (a missing line is no proof the session survived)
		case $role in agent|agent-builtin)
			check "session survives $a as $role" grep -q "^RESULT $a-survive blocked" "$T/out.$role" || return 1
		esac ;;
	t6ro)
		check "t6ro ran to its end (not killed: every call reached Landlock)" \
		    bash -c '[[ "$1" == *"blocked exit 0" ]]' _ "$line" || return 1 ;;
	t10)
		if [ $role = agent ]; then
			check "the setuid copy was executed" grep -q "^  t10: after exec of the setuid binary" "$T/out.$role" || return 1
			[ "$ME" = 0 ] || note "(unprivileged: root is not mapped in the agent's user namespace, so the exec" \
			    "itself cannot gain; nosuid and no_new_privs are what this run checks)"
		fi ;;
	t12)
		check "the abstract listener was listening" grep -q LISTENING "$T/abs.$role" &&
		check "and still was after the probe" [ -e "$T/abs.$role.alive" ] &&
		check "listener saw no connection" bash -c '! grep -q CONNECTED "$1"' _ "$T/abs.$role" || return 1 ;;
	t13)
		check "the tcp listener was listening" grep -q LISTENING "$T/tcp.$role" &&
		check "and still was after the probe" [ -e "$T/tcp.$role.alive" ] &&
		check "tcp listener saw no connection" bash -c '! grep -q CONNECTED "$1"' _ "$T/tcp.$role" || return 1 ;;
	t14-broker)
		# fs.write of the policy and of the log through the broker:
		# both asked, both DENIED by the policy (not merely "no answer")
		check "both writes were asked" [ "$(grep -c 'via the broker: {' "$T/out.$role")" = 2 ] &&
		check "both DENIED" [ "$(grep 'via the broker: {' "$T/out.$role" | grep -c '"status":"DENIED"')" = 2 ] || return 1 ;;
	esac
	return 0
}

# --- T5: the descriptors each role starts with ------------------------------
# The fds docs/ARCHITECTURE.md section 3 lists for ROW ("broker", "fs
# worker", "http worker", "agent (`run`)", "its init (pid 1)",
# "aksup-submit"): at exec, or live (the policy is closed after the read,
# the credentials memfd before confinement). A descriptor "closed after
# the start when the policy allows no `ACTION`" stays open live when
# ACTION is one the policy allows; a cell with "; live: " names what is
# open there live (the http worker's: curl's wakeup pair, made at its
# start). The fs worker's roots (fd 5 on) come from its argv.
doc_fds() {	# doc_fds ROW exec|live [ACTION...]
	local row=$1 mode=$2; shift 2
	sed -n '/^### Descriptors/,/^### /p' "$SRC/docs/ARCHITECTURE.md" | sed 's/\\|/+/g' |
	awk -F'|' -v row="$row" -v mode="$mode" -v allows="$*" '
	function trim(x) { gsub(/^ +| +$/, "", x); return x }
	function kept(c,   n, a, j) {	# closed unless the policy allows it
		n = split(allows, a, " ")
		for (j = 1; j <= n; j++)
			if (index(c, "allows no `" a[j] "`")) return 1
		return 0
	}
	/^\| process / { for (i = 3; i < NF; i++) col[i] = trim($i); next }
	/^\|/ && trim($2) == row {
		for (i = 3; i < NF; i++) {
			c = trim($i)
			if (mode == "live" && c ~ /; live: /) { printf "%s ", col[i]; continue }
			if (c == "" || c == "-" || c ~ /^\(closed\)/) continue
			if (c ~ /^root / || c == "...") continue
			if (mode == "live" && c ~ /closed after/ && !kept(c)) continue
			printf "%s ", col[i]
		}
		found = 1; exit
	}
	END { if (!found) print "NO-ROW" }'
}

# fds_test ROLE: the descriptors the probe found in ROLE's seat (run with
# fds 9, 10 and 251 open in aksup) against docs/ARCHITECTURE.md.
fds_test() {
	local role=$1 got want row roots
	got=$(grep "^FDS $role " "$T/out.$role" | cut -d' ' -f3-)
	case $role in
	agent) row='agent (`run`)' ;;
	agent-builtin) row=aksup-submit ;;
	broker) row=broker ;;
	worker-fs) row='fs worker' ;;
	worker-http) row='http worker' ;;
	esac
	want=$(doc_fds "$row" exec)
	if [ $role = worker-fs ]; then
		roots=$(grep '^ROOTFDS' "$T/out.$role" | cut -d' ' -f2-)
		check "the roots are packed from fd 5 ($roots)" \
		    [ "$(echo $roots)" = "$(seq -s' ' 5 $((4 + $(echo $roots | wc -w))))" ] || return 1
		# and its snapshot store, on the number its argv names
		want="$want $roots $(grep '^STOREFD' "$T/out.$role" | cut -d' ' -f2)"
	fi
	note "$role: fds $got; docs: $(echo $want)"
	check "fds of $role as documented" [ "$(echo $got)" = "$(echo $want)" ]
}

# --- T1 on a real terminal: the agent's stdin is a pty ---------------------
t_t1_pty() {
	setup
	command -v script >/dev/null || { skip "no script(1) (util-linux)"; return; }
	script -qec "$AKSUP run --policy $T/p.yaml --log-path $T/log -- $SB agent attack t1" \
	    /dev/null > "$T/pty.out" 2>&1 < /dev/null
	note "$(grep RESULT "$T/pty.out" | tr -d '\r')"
	check "TIOCSTI on the pty refused" grep -q "^RESULT t1 blocked" <(tr -d '\r' < "$T/pty.out")
}

# --- the allow-list still runs ordinary agents: sh, python3, node --------
t_agent_interpreters() {
	local ok=0 out py node=/usr/bin/node
	setup
	out=$("$AKSUP" run --policy "$T/p.yaml" --log-path "$T/log" -- \
	    /bin/sh -c 'echo hi; ls /; cat /etc/hostname || true' 2>&1)
	check "sh -c runs (rc $?: $(echo $out | head -c 200))" bash -c '[[ "$1" == hi* ]] && grep -q "^usr$" <<<"$1"' _ "$out" || ok=1
	py="$T/agent.py"
	cat > "$py" <<'PY'
import json, os, subprocess, threading, multiprocessing, socket
r = {}
def work(i): r[i] = sum(range(1000 * i))
ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]
assert subprocess.run(["/bin/true"]).returncode == 0
a, b = socket.socketpair(); a.sendall(b"ping"); assert b.recv(4) == b"ping"
def child(c): c.send("hi"); c.close()
p1, p2 = multiprocessing.Pipe()
pr = multiprocessing.Process(target=child, args=(p2,)); pr.start()
assert p1.recv() == "hi"; pr.join(); assert pr.exitcode == 0
print(json.dumps({"threads": len(r), "fd": int(os.environ["AKSUP_FD"])}))
PY
	chmod a+r "$py"
	if [ -x /usr/bin/python3 ]; then
		out=$("$AKSUP" run --policy "$T/p.yaml" --log-path "$T/log" --ro "$py" -- /usr/bin/python3 "$py" 2>&1)
		check "python3 runs ($out)" [ "$out" = '{"threads": 4, "fd": 3}' ] || ok=1
	else note "no /usr/bin/python3: skipped"; fi
	if [ -x $node ]; then
		out=$("$AKSUP" run --policy "$T/p.yaml" --log-path "$T/log" -- $node -e \
		    'const cp=require("child_process"); const fs=require("fs");
		     const o=cp.execFileSync("/bin/echo",["sub"]).toString().trim();
		     setTimeout(()=>console.log(o, fs.readdirSync("/").includes("usr"),
		         JSON.stringify({fd:process.env.AKSUP_FD})), 10)' 2>&1)
		check "node runs ($out)" [ "$out" = 'sub true {"fd":"3"}' ] || ok=1
	else note "no $node: skipped"; fi
	return $ok
}

# --- the agent's view: the system, its program, and each --ro -----------
view_of() {	# the last session_start's view, compact JSON
	jq -c 'select(.type=="session_start") | .view' "$T/log" | tail -1
}

# A file named on CMD's line is not readable unless --ro names it; aksup
# says which --ro would show it. (Before: any argument naming a regular
# file was bound into the view, readable with no rule and no record.)
t_view_args() {
	local ok=0 out rc
	setup
	out=$("$AKSUP" run --policy "$T/p.yaml" --log-path "$T/log" -- \
	    /bin/cat "$T/outside/f" 2>"$T/err"); rc=$?
	check "the argument's file is not read (rc $rc, out '$out')" \
	    bash -c '[ "$1" != 0 ] && ! grep -q SECRET <<<"$2"' _ "$rc" "$out" || ok=1
	check "the --ro to add is said ($(head -c 300 "$T/err"))" \
	    grep -q "names a file the agent can neither open nor ask for .*; to let it read it, add --ro $T/outside/f" "$T/err" || ok=1
	# a file beneath an fs root: the agent asks for it (fs.read), no
	# --ro is advised
	"$AKSUP" run --policy "$T/p.yaml" --log-path "$T/log" -- \
	    /bin/true "$WS/d/f" 2>"$T/err"
	check "nothing said of a file the agent may ask for ($(head -c 300 "$T/err"))" \
	    bash -c '! grep -q "add --ro" "$1"' _ "$T/err" || ok=1
	check "session_start does not list it ($(view_of))" \
	    bash -c '! grep -q outside <<<"$1"' _ "$(view_of)" || ok=1
	out=$("$AKSUP" run --policy "$T/p.yaml" --log-path "$T/log" \
	    --ro "$T/outside/f" -- /bin/cat "$T/outside/f" 2>"$T/err"); rc=$?
	check "with --ro it is read (rc $rc, '$out')" [ "$out" = SECRET ] || ok=1
	check "and listed in session_start ($(view_of))" \
	    bash -c '[ "$(jq -c "[.ro[] | select(. == \"$2\")]" <<<"$1")" = "[\"$2\"]" ]' \
	    _ "$(view_of)" "$T/outside/f" || ok=1
	check "no warning then ($(cat "$T/err"))" [ ! -s "$T/err" ] || ok=1
	return $ok
}

# A Python agent from a venv (its interpreter a symlink chain out of the
# venv) that imports a sibling module and uses a multiprocessing.Pool
# (POSIX semaphores in /dev/shm) and writes to $HOME.
t_view_venv() {
	local ok=0 out rc pj="$T/proj" v
	[ -x /usr/bin/python3 ] || { note "no /usr/bin/python3 (install-deps --test installs it)"; return 1; }
	setup
	rm -rf "$pj" "$T/venv"
	mkdir -p "$pj"
	/usr/bin/python3 -m venv --without-pip "$T/venv" || { note "venv failed"; return 1; }
	printf 'def hi():\n    return "helper"\n' > "$pj/helper.py"
	cat > "$pj/agent.py" <<'PY'
import helper, multiprocessing, os, sys
def sq(x): return x * x
if __name__ == "__main__":
    with multiprocessing.Pool(2) as p:
        r = p.map(sq, range(4))
    with open(os.path.join(os.environ["HOME"], "f"), "w") as f:
        f.write("x")
    print(helper.hi(), r, os.environ["HOME"], sys.prefix == sys.argv[1])
PY
	chmod -R a+rX "$T"
	# the snapshot store beside the log stays its owner's (else refused)
	chmod 700 "$T/snapshots" 2>/dev/null
	out=$(cd "$pj" && "$AKSUP" run --policy "$T/p.yaml" --log-path "$T/log" \
	    --ro . --ro "$T/venv" -- "$T/venv/bin/python3" agent.py "$T/venv" 2>&1); rc=$?
	check "the venv agent runs (rc $rc: $out)" \
	    [ "$out" = "helper [0, 1, 4, 9] /tmp/home True" ] || ok=1
	v=$(view_of)
	check "session_start names the program and each --ro ($v)" \
	    bash -c 'jq -e --arg p "$2" --arg v "$3" ".program == (\$v + \"/bin/python3\") and (.ro | index(\$p)) and (.ro | index(\$v)) and .home == \"/tmp/home\" and (.rw | index(\"/dev/shm\"))" <<<"$1" >/dev/null' \
	    _ "$v" "$pj" "$T/venv" || ok=1
	# without --ro of the venv: its interpreter still runs (the chain
	# venv/bin/python3 -> /usr/bin/python3 is recreated), as plain Python
	out=$("$AKSUP" run --policy "$T/p.yaml" --log-path "$T/log" -- \
	    "$T/venv/bin/python3" -c 'import sys; print(sys.prefix)' 2>&1); rc=$?
	check "a symlinked interpreter runs (rc $rc: $out)" [ "$rc" = 0 ] || ok=1
	check "its link is listed ($(view_of))" \
	    bash -c 'jq -e --arg l "$2" ".links[\$l] == \"/usr/bin/python3\"" <<<"$1" >/dev/null' \
	    _ "$(view_of)" "$T/venv/bin/python3" || ok=1
	return $ok
}

# A bare CMD is resolved on the operator's PATH, and recorded so.
t_view_bare_name() {
	local ok=0 out rc
	setup
	mkdir -p "$T/bin"
	printf '#!/bin/sh\necho mine\n' > "$T/bin/aksup-mytool"
	chmod 755 "$T/bin/aksup-mytool"
	out=$(PATH="$T/bin:/usr/bin:/bin" "$AKSUP" run --policy "$T/p.yaml" \
	    --log-path "$T/log" -- aksup-mytool 2>&1); rc=$?
	check "found on PATH and run (rc $rc: $out)" [ "$out" = mine ] || ok=1
	check "session_start names it ($(view_of))" \
	    bash -c 'jq -e --arg p "$2" ".program == \$p" <<<"$1" >/dev/null' \
	    _ "$(view_of)" "$T/bin/aksup-mytool" || ok=1
	PATH="/usr/bin:/bin" "$AKSUP" run --policy "$T/p.yaml" --log-path "$T/log" \
	    -- aksup-mytool 2>"$T/err"; rc=$?
	check "not on PATH: 127, said ($(cat "$T/err"))" \
	    bash -c '[ "$1" = 127 ] && grep -q "aksup-mytool: command not found" "$2"' _ "$rc" "$T/err" || ok=1
	return $ok
}

# What --ro never takes, and what it may not show (the log, the policy).
t_view_refusals() {
	local ok=0 rc p
	setup
	for p in / /proc /sys/kernel /dev /tmp "$T/nonexistent"; do
		"$AKSUP" run --policy "$T/p.yaml" --log-path "$T/log" --ro "$p" \
		    -- /bin/true 2>"$T/err"; rc=$?
		check "--ro $p: usage error (rc $rc: $(cat "$T/err"))" \
		    bash -c '[ "$1" = 2 ] && grep -q -- "--ro $2" "$3"' _ "$rc" "$p" "$T/err" || ok=1
	done
	# a FIFO named as CMD: refused, never waited on (the #! hint's read
	# of its first line hung aksup before)
	mkfifo "$T/fifo-cmd"
	timeout 20 "$AKSUP" run --policy "$T/p.yaml" --log-path "$T/log" \
	    -- "$T/fifo-cmd" 2>"$T/err"; rc=$?
	rm -f "$T/fifo-cmd"
	check "a FIFO as CMD does not hang aksup (rc $rc: $(cat "$T/err"))" \
	    bash -c '[ "$1" != 124 ] && [ "$1" != 0 ]' _ "$rc" || ok=1
	"$AKSUP" run --policy "$T/p.yaml" --log-path "$T/log" --ro "$T" \
	    -- /bin/true 2>"$T/err"; rc=$?
	check "--ro over the log and the policy: refused (rc $rc: $(cat "$T/err"))" \
	    bash -c '[ "$1" = 1 ] && grep -q "the audit log $2/log lies in the agent.s view ($2, put there by --ro or as CMD); refusing to start: give --log-path outside $2" "$3" &&
	        grep -q "the policy file $2/p.yaml lies in the agent.s view" "$3"' _ "$rc" "$T" "$T/err" || ok=1
	"$AKSUP" run --policy "$T/p.yaml" --log-path "$T/log" --ro "$T/log" \
	    -- /bin/true 2>"$T/err"; rc=$?
	check "--ro of the log file itself: refused (rc $rc)" \
	    bash -c '[ "$1" = 1 ] && grep -q "the audit log $2/log lies in the agent.s view" "$3"' _ "$rc" "$T" "$T/err" || ok=1
	return $ok
}

# A mount beneath a --ro directory does not come along (the attacker
# review: a bind of the log's directory at proj/m, a proc at proj/proc,
# both readable through --ro proj before the fix).
t_view_mounts() {
	local ok=0 out rc pj="$T/mproj"
	[ "$ME" = 0 ] || { skip "mounting needs root"; return; }
	setup
	mkdir -p "$pj/m" "$pj/proc" "$T/logs"
	: > "$T/logs/l.log"; chmod 600 "$T/logs/l.log"
	printf 'seen\n' > "$pj/visible"
	mount --bind "$T/logs" "$pj/m" || { note "mount --bind failed"; return 1; }
	mount -t proc proc "$pj/proc" || { umount "$pj/m"; note "mount proc failed"; return 1; }
	out=$("$AKSUP" run --policy "$T/p.yaml" --log-path "$T/logs/l.log" --ro "$pj" -- \
	    /bin/sh -c "cat $pj/visible; ls -A $pj/m; ls $pj/proc | head -3" 2>&1); rc=$?
	umount "$pj/proc"; umount "$pj/m"
	check "the --ro directory is seen, its mounts are not (rc $rc: $out)" \
	    [ "$rc" = 0 ] && [ "$out" = seen ] || ok=1
	"$AKSUP" run --policy "$T/p.yaml" --log-path "$T/log" --ro /sys/fs/cgroup \
	    -- /bin/true 2>"$T/err"; rc=$?
	check "a kernel file system by another path: refused (rc $rc)" \
	    [ "$rc" = 2 ] && grep -q "kernel file systems" "$T/err" || ok=1
	return $ok
}

# A parent of a --ro path swapped for a symlink to the log's directory
# while aksup starts (the attacker review: the log read in 9 of 100
# runs). The plan pins the inode, the child reaches it through no
# symlink or refuses: the log is never read, whatever the timing.
t_view_swap_race() {
	local ok=0 i reads=0 runs=0 r="$T/race" sw
	setup
	mkdir -p "$r/p/logs" "$T/logs"
	: > "$T/logs/l.log"; chmod 600 "$T/logs/l.log"
	# readable beside the log: as root the agent's uid cannot read the
	# log itself, so what is bound shows through this file
	printf 'LOGSECRET\n' > "$T/logs/beside"; chmod 644 "$T/logs/beside"
	ln -s "$T" "$r/q"
	chmod -R a+rX "$r"
	"$SB" swap "$r/p" "$r/q" 6 > "$T/swaps" &
	sw=$!
	while kill -0 "$sw" 2>/dev/null && [ $runs -lt 400 ]; do
		"$AKSUP" run --policy "$T/p.yaml" --log-path "$T/logs/l.log" \
		    --ro "$r/p/logs" -- /bin/cat "$r/p/logs/beside" > "$T/race.out" 2>/dev/null
		grep -q LOGSECRET "$T/race.out" && reads=$((reads + 1))
		runs=$((runs + 1))
	done
	wait "$sw"
	note "$runs sessions, $(cat "$T/swaps")"
	check "the log's directory was never seen ($reads of $runs)" [ "$reads" = 0 ] || ok=1
	check "the race really ran" [ "$(cut -d' ' -f1 "$T/swaps")" -gt 100 ] && [ $runs -gt 10 ] || ok=1
	return $ok
}

# The system part of the view holds no protected file either (the
# attacker review: a log and key under /usr/local were readable).
t_view_system_placement() {
	local ok=0 rc d=/usr/local/aksup-test-$$
	[ "$ME" = 0 ] || { skip "writing under /usr needs root"; return; }
	setup
	mkdir -p "$d"
	"$AKSUP" run --policy "$T/p.yaml" --log-path "$d/l.log" -- /bin/true 2>"$T/err"; rc=$?
	rm -rf "$d"
	check "a log under /usr: refused (rc $rc: $(cat "$T/err"))" \
	    [ "$rc" = 1 ] && grep -q "the audit log $d/l.log lies in the agent's view (/usr" "$T/err" || ok=1
	return $ok
}

# HOME and /dev/shm are the agent's own, writable and bounded.
t_view_home_shm() {
	local ok=0 out rc
	setup
	out=$("$AKSUP" run --policy "$T/p.yaml" --log-path "$T/log" -- /bin/sh -c \
	    'echo h > "$HOME/f" && cat "$HOME/f" && echo s > /dev/shm/f && cat /dev/shm/f &&
	     if dd if=/dev/zero of=/dev/shm/big bs=1M count=100 2>/dev/null; then echo unbounded; else echo bounded; fi' 2>&1); rc=$?
	check "HOME and /dev/shm writable, /dev/shm bounded (rc $rc: $out)" \
	    [ "$(echo $out)" = "h s bounded" ] || ok=1
	check "nothing of it reached the host's /dev/shm" [ ! -e /dev/shm/big ] || ok=1
	return $ok
}

# --- T6: swap a directory and a symlink to outside while reads run --------
t_t6_symlink_race() {
	local ok=0 i
	setup
	for i in $(seq 1 3000); do
		printf '{"id":%d,"action":"fs.read","target":"%s/d/f"}\n' "$i" "$WS"
	done > "$T/batch"
	"$SB" swap "$WS/d" "$WS/link" 8 > "$T/swaps" &
	sleep 0.1
	"$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" --batch "$T/batch" > "$T/answers"
	wait
	note "$(cat "$T/swaps"); $(grep -c '"data":"inside' "$T/answers") reads inside," \
	    "$(grep -c '"status":"ERROR"' "$T/answers") refused"
	check "3000 answers" [ "$(wc -l < "$T/answers")" = 3000 ] || ok=1
	check "nothing outside the root was ever read" bash -c '! grep -q SECRET "$1"' _ "$T/answers" || ok=1
	check "the race really ran" [ "$(cut -d' ' -f1 "$T/swaps")" -gt 100 ] || ok=1
	return $ok
}

# --- fail closed ----------------------------------------------------------
t_fail_closed() {
	local ok=0 l rc layers="seccomp landlock namespaces caps rlimits cgroup"
	[ "$ME" = 0 ] && layers="$layers uids"
	setup
	for l in $layers; do
		AKSUP_TEST_DISABLE_LAYERS=$l "$AKSUP" run --policy "$T/p.yaml" \
		    --log-path "$T/log" -- /bin/true 2> "$T/err"; rc=$?
		check "$l missing: refuses (rc $rc)" [ $rc -eq 1 ] || ok=1
		check "$l missing: names it" grep -q "refusing to start: the $l layer" "$T/err" || ok=1
		AKSUP_TEST_DISABLE_LAYERS=$l "$AKSUP" run --allow-degraded="$l" \
		    --policy "$T/p.yaml" --log-path "$T/log" -- /bin/true 2> "$T/err"; rc=$?
		check "$l waived: runs (rc $rc: $(head -2 "$T/err"))" [ $rc -eq 0 ] || ok=1
		check "$l waived: says so" grep -q "running degraded (--allow-degraded): $l waived" "$T/err" || ok=1
		check "$l waived: first audit record says so" \
		    [ "$(jq -c 'select(.type=="session_start") | .waived' "$T/log" | tail -1)" = "[\"$l\"]" ] || ok=1
	done
	"$AKSUP" run --allow-degraded=bogus --policy "$T/p.yaml" --log-path "$T/log" -- /bin/true 2>/dev/null
	check "unknown layer: usage error 2" [ $? -eq 2 ] || ok=1
	# a layer the host has, named: applied all the same, not waived
	"$AKSUP" run --allow-degraded=landlock --policy "$T/p.yaml" --log-path "$T/log" -- /bin/true 2>"$T/err"
	check "present layer named: nothing waived ($(head -1 "$T/err"))" \
	    bash -c '[ "$(jq -c "select(.type==\"session_start\") | .waived" "$1" | tail -1)" = "[]" ] && ! grep -q "running degraded" "$2"' _ "$T/log" "$T/err" || ok=1
	"$AKSUP" run --policy "$T/p.yaml" --log-path "$T/log" -- /bin/true 2>/dev/null
	check "all layers in force recorded" \
	    bash -c '[ "$(jq -c "select(.type==\"session_start\") | [.layers[:-1], .waived]" "$1" | tail -1)" = "$2" ]' _ "$T/log" \
	    "$([ "$ME" = 0 ] && echo '[["seccomp","landlock","namespaces","uids","caps","rlimits","cgroup"],[]]' || echo '[["seccomp","landlock","namespaces","caps","rlimits","cgroup"],[]]')" || ok=1
	return $ok
}

# --- docs/SANDBOX.md's status table against /proc/PID/status -------------
# Rows: | role | comm | uid as root | uid unprivileged | CapEff | CapPrm |
# CapBnd | CapAmb | NoNewPrivs | Seccomp |  ("invoking": the caller's uid,
# "-": not checked)
t_status_table() {
	local ok=0 sup pid comm row want got f i cols slot=""
	setup
	http_rules "$T/p.yaml"	# (the http worker runs: it has a row)
	rm -f "$T/go"; mkfifo "$T/go"
	"$AKSUP" run --stdin --policy "$T/p.yaml" --log-path "$T/log" -- "$BIN/aksup-probe" wait "$WS/d/f" \
	    < "$T/go" > "$T/out" 2>&1 &
	sup=$!
	exec 7>"$T/go"
	for _ in $(seq 1 100); do grep -q READY "$T/out" && break; sleep 0.05; done
	check "session running" grep -q READY "$T/out" || ok=1
	cols=(role comm uidroot uidunpriv CapEff CapPrm CapBnd CapAmb NoNewPrivs Seccomp)
	while IFS= read -r row; do
		IFS='|' read -ra f <<<"$row"
		for i in "${!f[@]}"; do f[$i]=$(echo "${f[$i]}" | tr -d ' `'); done
		comm=${f[2]}
		pid=""
		if [ "$comm" = aksup ]; then pid=$sup
		# (the external agent runs beneath its init, a child of ours)
		else for p in $(cat /proc/$sup/task/*/children) $(for c in $(cat /proc/$sup/task/*/children); do cat /proc/$c/task/*/children; done); do
			[ "$(cat /proc/$p/comm)" = "$comm" ] && pid=$p
		done; fi
		check "$comm running" [ -n "$pid" ] || { ok=1; continue; }
		for i in $(seq 3 10); do
			want=${f[$i]}
			case ${cols[$((i-1))]} in
			uidroot) [ "$ME" = 0 ] || continue; key=Uid ;;
			uidunpriv) [ "$ME" != 0 ] || continue; key=Uid ;;
			*) key=${cols[$((i-1))]} ;;
			esac
			[ "$want" = "-" ] && continue
			[ "$want" = invoking ] && want=$ME
			got=$(awk -v k="$key:" '$1==k {print $2}' /proc/$pid/status)
			# Started as root, the docs' uids are the first session's;
			# with other sessions running this one has slot S of the
			# range, base + 8S (docs/SANDBOX.md "Uids"), the same S
			# for all its roles.
			if [ "${cols[$((i-1))]}" = uidroot ] && [ "$want" -ge 64400 ] &&
			    [ "$got" != "$want" ] && [ $(( (got - want) % 8 )) = 0 ] &&
			    [ $(( (got - want) / 8 )) -gt 0 ] && [ $(( (got - want) / 8 )) -lt 64 ] &&
			    { [ -z "$slot" ] || [ "$slot" = $(( (got - want) / 8 )) ]; }; then
				slot=$(( (got - want) / 8 ))
				note "$comm $key: docs $want, /proc $got: slot $slot (another session holds slot 0)"
				continue
			fi
			check "$comm $key: docs $want, /proc $got" [ "$got" = "$want" ] || ok=1
		done
	done < <(sed -n '/<!-- status-table -->/,/<!-- \/status-table -->/p' "$SRC/docs/SANDBOX.md" | grep '^| `')
	echo go >&7
	exec 7>&-
	wait $sup
	return $ok
}

# --- the running roles against the docs ----------------------------------
# live_start POLICY [AKSUP OPTION...]: a session whose agent (aksup-probe
# wait) has made one request and waits; aksup started with fds 9, 10 and
# 251 open. Sets SUP BROKER WORKER INIT AGENT, and HTTP when the policy
# allows net.http (http_rules). live_end lets it finish.
live_start() {
	local policy=$1 p; shift
	rm -f "$T/go"; mkfifo "$T/go"
	"$AKSUP" run --stdin "$@" --policy "$policy" --log-path "$T/log" -- \
	    "$BIN/aksup-probe" wait "$WS/d/f" < "$T/go" > "$T/live.out" 2>&1 \
	    9</dev/null 10</dev/null 251</dev/null &
	SUP=$!
	exec 7>"$T/go"
	for _ in $(seq 1 200); do grep -q READY "$T/live.out" && break; sleep 0.05; done
	BROKER="" WORKER="" INIT="" AGENT="" HTTP=""
	for p in $(cat /proc/$SUP/task/*/children 2>/dev/null); do
		case $(cat /proc/$p/comm) in
		aksup-broker) BROKER=$p ;;
		aksup-worker-fs) WORKER=$p ;;
		aksup-worker-ht) HTTP=$p ;;	# (comm: 15 characters)
		# the init: cloned by aksup, not exec'd (supervisor/agentinit.c)
		aksup) INIT=$p; AGENT=$(awk '{print $1; exit}' /proc/$p/task/$p/children) ;;
		esac
	done
	check "session running: broker $BROKER, worker $WORKER, init $INIT, agent $AGENT ($(head -c 300 "$T/live.out"))" \
	    bash -c 'grep -q READY "$1" && [ -n "$2" ] && [ -n "$3" ] && [ -n "$4" ] && [ -n "$5" ]' \
	    _ "$T/live.out" "$BROKER" "$WORKER" "$INIT" "$AGENT"
}
live_end() {
	(echo go >&7) 2>/dev/null	# (a subshell: aksup gone is no SIGPIPE here)
	exec 7>&-
	wait "$SUP"
}

# A policy that writes nothing: no root is made at start (--run-as).
ro_policy() {
	cat > "$T/ro.yaml" <<YAML
capabilities:
  - action: fs.read
    resource: $WS/**
YAML
	chmod a+r "$T/ro.yaml"
}

# T10: `aksup run -- unshare -U true` fails (the agent's filter: EPERM).
# A new user namespace gives back a full capability set over new
# namespaces: kernel attack surface; nothing else stops it.
t_unshare_cmd() {
	local out rc
	command -v unshare >/dev/null || { skip "no unshare(1) (util-linux)"; return; }
	setup
	out=$("$AKSUP" run --policy "$T/p.yaml" --log-path "$T/log" -- \
	    "$(command -v unshare)" -U /bin/true 2>&1); rc=$?
	check "unshare -U refused (rc $rc: $out)" \
	    bash -c '[ "$1" != 0 ] && grep -q "Operation not permitted" <<<"$2"' _ "$rc" "$out"
}

# Each role's namespaces (/proc/PID/ns/*) against the test's own and
# docs/SANDBOX.md: the profile table's namespaces column (a role with
# "net" must not share the host's), and the user namespace ("started as
# root: none; unprivileged: one per process"). The init is in the
# agent's namespaces, pid 1 of its pid namespace. Before: nothing
# compared them; a role started without its net namespace passed.
doc_ns() {	# doc_ns ROLE: its namespaces in the profile table (mount: mnt)
	sed -n '/^## Profiles/,/^### /p' "$SRC/docs/SANDBOX.md" | awk -F'|' -v r="$1" '
	function trim(x) { gsub(/^ +| +$/, "", x); return x }
	trim($2) == r { n = split("pid net mount ipc uts", k, " ")
		for (i = 1; i <= n; i++) if ($5 ~ ("(^|[^a-z])" k[i] "([^a-z]|$)")) printf "%s ", k[i]
		found = 1 }
	END { if (!found) print "NO-ROW" }' | sed 's/mount/mnt/'
}
doc_userns() {	# own or host: the "namespaces" row for root or unprivileged
	local c=3
	[ "$ME" = 0 ] || c=4
	awk -F'|' -v c=$c '$2 == " namespaces " { print $c }' "$SRC/docs/SANDBOX.md" |
	    grep -q 'no user namespace' && echo host || echo own
}
t_namespaces() {
	local ok=0 r name pid row n want mine got own
	setup
	http_rules "$T/p.yaml"
	live_start "$T/p.yaml" || { live_end; return 1; }
	check "the http worker is running ($HTTP)" [ -n "$HTTP" ] || ok=1
	for r in "supervisor:$SUP:supervisor" "broker:$BROKER:broker" \
	    "fs-worker:$WORKER:fs worker" "http-worker:$HTTP:http worker" \
	    "agent:$AGENT:agent, external" "init:$INIT:agent, external"; do
		IFS=: read -r name pid row <<<"$r"
		[ -n "$pid" ] || continue
		own=" $(doc_ns "$row")"
		check "docs give $name a row ($own)" [ "$own" != " NO-ROW" ] || { ok=1; continue; }
		if [ -z "$(readlink /proc/$pid/ns/net)" ]; then
			# unprivileged: the supervisor and the init are not
			# dumpable and their memory is of the host's user
			# namespace; /proc/PID/ns is not ours to read
			note "$name: /proc/$pid/ns not readable as uid $ME (checked below where it can be)"
			[ "$ME" = 0 ] && { note "FAILED: as root it must be"; ok=1; }
			continue
		fi
		note "$name: docs:$own+ user $(doc_userns); own here: $(for n in net pid mnt ipc uts user; do
		    [ "$(readlink /proc/$pid/ns/$n)" != "$(readlink /proc/self/ns/$n)" ] && printf '%s ' $n; done)"
		for n in net pid mnt ipc uts user; do
			mine=$(readlink /proc/self/ns/$n)
			got=$(readlink /proc/$pid/ns/$n)
			if [ $n = user ]; then want=$(doc_userns)
			elif [[ "$own" == *" $n "* ]]; then want=own
			else want=host; fi
			if [ $want = own ]; then
				check "$name has its own $n namespace (docs; $got, host $mine)" [ "$got" != "$mine" ] || ok=1
			else
				check "$name shares the host's $n namespace (docs; $got, host $mine)" [ "$got" = "$mine" ] || ok=1
			fi
		done
	done
	# the init: the agent's namespaces, its pid 1
	check "the init is pid 1 of the agent's pid namespace ($(grep NSpid /proc/$INIT/status))" \
	    bash -c '[ "$(awk "/^NSpid:/ {print \$NF}" /proc/$1/status)" = 1 ] &&
	        [ "$(awk "/^NSpid:/ {print NF}" /proc/$1/status)" = "$(awk "/^NSpid:/ {print NF}" /proc/$2/status)" ]' \
	    _ "$INIT" "$AGENT" || ok=1
	if [ -n "$(readlink /proc/$INIT/ns/net)" ]; then
		for n in net pid mnt ipc uts user; do
			check "init and agent share the $n namespace" \
			    [ "$(readlink /proc/$INIT/ns/$n)" = "$(readlink /proc/$AGENT/ns/$n)" ] || ok=1
		done
	fi
	live_end
	return $ok
}

# T4/T5, PR_SET_DUMPABLE 0: what the kernel shows of a process that is
# not dumpable is root's: /proc/PID/environ (and fd, mem...) owned by
# uid 0 (the root of its memory's user namespace, or the host's when
# that one maps none), so no process of the role's own uid may read it.
# Not dumpable per the docs: the supervisor (confine_setup), the broker,
# the fs worker and the http worker (sandbox_enter), the agent's init
# (SANDBOX.md); the
# agent is dumpable (its exec), which shows the check can tell. Started
# as root the fs worker runs --run-as 65534 here: as uid 0 it would own
# the file either way. Before: the status table did not look; removing
# the prctl passed.
t_dumpable() {
	local ok=0 r name pid dump uid owner
	setup
	ro_policy
	http_rules "$T/ro.yaml"
	# (its snapshot store: one of that user's, made for it by aksup)
	if [ "$ME" = 0 ]; then rm -rf "$T/snap-ra"; live_start "$T/ro.yaml" \
	    --run-as 65534 --snapshot-dir "$T/snap-ra"
	else live_start "$T/ro.yaml"; fi || { live_end; return 1; }
	check "the http worker is running ($HTTP)" [ -n "$HTTP" ] || ok=1
	for r in "supervisor:$SUP:0" "broker:$BROKER:0" "fs-worker:$WORKER:0" \
	    "http-worker:$HTTP:0" "init:$INIT:0" "agent:$AGENT:1"; do
		IFS=: read -r name pid dump <<<"$r"
		[ -n "$pid" ] || continue
		uid=$(awk '/^Uid:/ {print $3}' /proc/$pid/status)
		owner=$(stat -c %u /proc/$pid/environ)
		note "$name: euid $uid, /proc/$pid/environ owned by $owner"
		if [ "$dump" = 1 ]; then
			check "$name is dumpable: /proc/$pid/environ is its uid's ($owner, euid $uid)" [ "$owner" = "$uid" ] || ok=1
		elif [ "$uid" = 0 ]; then
			note "$name runs as uid 0: its /proc files are root's either way (not observable here)"
		else
			check "$name is not dumpable: /proc/$pid/environ is root's ($owner, euid $uid)" [ "$owner" = 0 ] || ok=1
		fi
	done
	live_end
	return $ok
}

# T5, close_range before exec: aksup started with fds 9, 10 and 251
# open; each running role holds exactly what docs/ARCHITECTURE.md
# section 3 lists (the broker has closed the policy by now, and keeps its
# http worker's channel: the policy allows net.http; the http worker has
# closed its credentials memfd). Unprivileged,
# only the agent's /proc/PID/fd is ours to list (the others are not
# dumpable); fds_ROLE checks every seat at exec in both runs. Before:
# nothing listed them; an inherited fd passed.
t_fds_live() {
	local ok=0 r name pid row want got nr f n=0
	setup
	http_rules "$T/p.yaml" creds
	live_start "$T/p.yaml" || { live_end; return 1; }
	check "the http worker is running ($HTTP)" [ -n "$HTTP" ] || ok=1
	for r in "broker:$BROKER:broker" "fs-worker:$WORKER:fs worker" \
	    "http-worker:$HTTP:http worker" \
	    "init:$INIT:its init (pid 1)" 'agent:'"$AGENT"':agent (`run`)'; do
		IFS=: read -r name pid row <<<"$r"
		[ -n "$pid" ] || continue
		if ! ls /proc/$pid/fd >/dev/null 2>&1; then
			note "$name: /proc/$pid/fd not listable as uid $ME (not dumpable)"
			[ "$ME" = 0 ] && { note "FAILED: as root it must be"; ok=1; }
			continue
		fi
		got=$(ls /proc/$pid/fd | sort -n)
		want=$(doc_fds "$row" live net.http)
		if [ $name = fs-worker ]; then
			# its roots: one fd from 5 on per FD:RIGHTS:SUFFIX of its
			# argv (a root it made at start has a new number), and
			# its snapshot store's (snap:FD:...)
			nr=$(tr '\0' '\n' < /proc/$pid/cmdline | grep -c -E '^([0-9]+|snap:[0-9]+):')
			note "$name: fds $(echo $got); docs: $(echo $want), and $nr roots from 5 on"
			check "fds of the running $name as documented" \
			    [ "$(for f in $got; do [ $f -lt 5 ] && echo $f; done | xargs)" = "$(echo $want)" ] &&
			# and at most one spare: an empty file in the store's
			# tmp/, the next snapshot's (ARCHITECTURE.md)
			spare=$(for f in $got; do [ $f -ge 5 ] && readlink "/proc/$pid/fd/$f"; done |
			    grep -c -E '/tmp/[0-9a-f]{16}-incoming$')
			check "at most one spare temp file ($spare)" [ "$spare" -le 1 ] &&
			check "one fd from 5 on per root" \
			    [ "$(for f in $got; do [ $f -ge 5 ] && echo $f; done | wc -l)" = "$((nr + spare))" ] || ok=1
		else
			note "$name: fds $(echo $got); docs: $(echo $want)"
			check "fds of the running $name as documented" [ "$(echo $got)" = "$(echo $want)" ] || ok=1
		fi
		# the credentials memfd was read and closed before confinement
		# (its number is curl's now)
		[ $name = http-worker ] && { check "the http worker holds no credentials memfd ($(
		    for f in $got; do readlink /proc/$pid/fd/$f; done | xargs))" \
		    bash -c '! for f in $2; do readlink /proc/$1/fd/$f; done | grep -q memfd' _ "$pid" "$got" || ok=1; }
		n=$((n + 1))
	done
	check "at least the agent was listed" [ $n -ge 1 ] || ok=1
	live_end
	return $ok
}

# One role's probe run and the tests on its output.
role_tests() {	# role_tests ROLE
	local role=$1 a
	run "probe_ran_$role" run_role $role
	for a in $(attacks_of $role); do
		# the built-in agent has no int 0x80 case of its own
		[ $role = agent-builtin ] && [ $a = t2i386 ] && continue
		# the allow-list cases are the external agent's filter (a
		# command's too)
		[ $role != agent ] && [ $role != command ] && [ $a = sc ] && continue
		# only the fs worker holds roots
		[ $role != worker-fs ] && [ $a = t6ro ] && continue
		run "${a}_$role" attack_test $role $a
	done
	case $role in agent|agent-builtin)
		run "t14-broker_$role" attack_test $role t14-broker
	esac
	[ $role = command ] || run "fds_$role" fds_test $role
}

cd "$T" || exit 1
echo "sandbox tests as $(id -un) (uid $ME)"
run() { run_one "$@"; }
if [ $# -gt 0 ]; then
	# a role name runs its probe and every test on it; else t_NAME
	for t in "$@"; do
		case $t in
		agent|agent-builtin|broker|worker-fs|worker-http|command) role_tests "$t" ;;
		*) run "$t" "t_$t" ;;
		esac
	done
else
	for role in agent agent-builtin broker worker-fs worker-http command; do
		role_tests $role
	done
	for t in t1_pty agent_interpreters view_args view_venv view_bare_name \
	    view_refusals view_home_shm view_mounts view_swap_race \
	    view_system_placement t6_symlink_race fail_closed status_table \
	    unshare_cmd namespaces dumpable fds_live; do
		run "$t" "t_$t"
	done
fi
finish
