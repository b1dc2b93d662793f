#!/usr/bin/env bash
# tests/integration/proc.sh -- proc.exec (docs/SANDBOX.md "Commands",
# docs/POLICY.md §5): every command in a sandbox of its own, killed whole
# on timeout and at the session's end, its argv taken literally, its
# environment scrubbed, its view only the system and the policy's roots.
# Real binaries, real sessions, real commands.
#
#   AKSUP_BIN=DIR (aksup, role binaries) AKSUP_SRC=DIR
#   tests/integration/proc.sh [TEST...]
#
# Runs as whoever starts it; scripts/test.sh runs it as root and as an
# unprivileged user. Prints "N passed, N failed" last.
set -u
BIN=${AKSUP_BIN:?set AKSUP_BIN}
AKSUP="$BIN/aksup"
T=$(mktemp -d /tmp/aksup-p.XXXXXX)
# as root without --run-as commands run as a uid of the session's range,
# never root: it must be able to reach the roots
chmod 755 "$T"
LISTENER=
trap '[ -n "$LISTENER" ] && kill "$LISTENER" 2>/dev/null; rm -rf "$T"' EXIT
WS="$T/ws" RO="$T/ro" OUT="$T/out" OTHER="$T/other"
PY=/usr/bin/python3

# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

setup() {	# setup [EXTRA RULES]: the policy, its roots, an outside dir
	rm -rf "$WS" "$RO" "$OUT" "$OTHER" "$T/log" "$T/p.yaml"
	mkdir -p "$WS" "$RO" "$OUT" "$OTHER"
	printf 'hello\n' > "$WS/a.txt"
	printf 'read only\n' > "$RO/r.txt"
	printf 'SECRET\n' > "$OTHER/secret"
	cat > "$T/p.yaml" <<YAML
capabilities:
  - action: fs.read
    resource: $WS/**
  - action: fs.read
    resource: $RO/**
  - action: fs.write
    resource: $OUT/**
  - action: proc.exec
    resource: echo
    args: {prefix: []}
    args_max: 8
  - action: proc.exec
    resource: sh
    args: {prefix: [-c]}
    args_max: 4
    env: [GREETING, LANG]
    timeout_max: 20
  - action: proc.exec
    resource: /bin/cat
    args: {prefix: []}
  - action: proc.exec
    resource: $PY
    args: {prefix: [-c]}
${1:-}
YAML
	chmod 644 "$T/p.yaml"
}

one() {	# one TARGET PARAMS -> the answer (compact); $rc
	"$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" \
	    --action proc.exec --target "$1" --params "$2" 2>"$T/err" | jq -c .
}
batch() { "$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" --batch "$1" 2>"$T/err"; }
field() { jq -r "$1" <<<"$2"; }
no_proc() {	# no_proc MARKER: no process of the host runs it any more
	! pgrep -f "$1" >/dev/null
}

# argv is a list taken literally: no shell, no splitting
t_argv_literal() {
	local ok=0 out
	setup
	out=$(one echo '{"args":["a b",";","id","$(id)"]}')
	check "stdout exactly the args ($out)" [ "$(field .data.stdout "$out")" = 'a b ; id $(id)' ] || ok=1
	check "OK, returncode 0" [ "$(field '"\(.status) \(.data.returncode)"' "$out")" = "OK 0" ] || ok=1
	# the decision names the path the worker resolved, and what was sent
	check "decided as /usr/bin/echo, sent as echo" [ "$(jq -r 'select(.type=="decision") | "\(.target) \(.target_sent)"' "$T/log")" = "/usr/bin/echo echo" ] || ok=1
	out=$(one echo '{"args":"a b"}')
	check "a string args is malformed ($out)" [ "$(field .status "$out")" = ERROR ] || ok=1
	check "recorded INVALID" [ "$(jq -r 'select(.type=="decision") | .status' "$T/log" | tail -1)" = INVALID ] || ok=1
	out=$(one nosuchprogram-aksup '{}')
	check "an unknown bare name is denied ($out)" [ "$(field .status "$out")" = DENIED ] || ok=1
	return $ok
}

# only what a rule names runs
t_denied() {
	local ok=0 out
	setup
	out=$(one id '{}')
	check "a program no rule names: DENIED ($out)" [ "$(field .status "$out")" = DENIED ] || ok=1
	out=$(one /usr/bin/id '{}')
	check "same, absolute ($out)" [ "$(field .status "$out")" = DENIED ] || ok=1
	out=$(one sh '{"args":["-x","echo hi"]}')
	check "argv the rule does not allow: DENIED ($out)" [ "$(field .status "$out")" = DENIED ] || ok=1
	out=$(one echo '{"args":["1","2","3","4","5","6","7","8","9"]}')
	check "past args_max: DENIED ($out)" [ "$(field .status "$out")" = DENIED ] || ok=1
	out=$(one ./echo '{}')
	check "a relative path: DENIED ($out)" [ "$(field .status "$out")" = DENIED ] || ok=1
	check "nothing ran (no outcome)" [ "$(jq -s 'map(select(.type=="outcome")) | length' "$T/log")" -eq 0 ] || ok=1
	return $ok
}

# what a hostile agent sends in each param (raw lines: NUL included)
t_bad_params() {
	local ok=0 out p i=0
	setup
	: > "$T/b"
	# (a NUL inside a JSON string ends the session as framing: the
	# decoder refuses it before any param is read, PROTOCOL.md §1)
	for p in '{"env":{"1X":"v"}}' '{"env":{"GREETING":1}}' \
	    '{"env":"GREETING=x"}' '{"timeout":-1}' '{"env":{"A-B":"x"}}' \
	    '{"timeout":0}' '{"timeout":"5"}' '{"max_output":0}' '{"max_output":1048577}' \
	    '{"cwd":"relative"}' '{"cwd":""}' '{"stdin":5}' '{"bogus":1}' \
	    '{"args":[1]}' '{"env":{"GREETING":["x"]}}' '{"max_output":1.5}'; do
		i=$((i + 1))
		printf '{"id":%d,"action":"proc.exec","target":"sh","params":%s}\n' "$i" "$p" >> "$T/b"
	done
	out=$(batch "$T/b")
	check "all $i ERROR ($(jq -c '[.id,.status,.error]' <<<"$out" | grep -v ERROR | head -3))" \
	    [ "$(jq -r .status <<<"$out" | grep -c ERROR)" -eq $i ] || ok=1
	check "each recorded INVALID" [ "$(jq -r 'select(.type=="decision") | .status' "$T/log" | sort -u)" = INVALID ] || ok=1
	check "nothing ran" [ "$(jq -s 'map(select(.type=="outcome")) | length' "$T/log")" -eq 0 ] || ok=1
	out=$(one echo "{\"args\":$(jq -nc '[range(1100) | "x"]')}")
	check "1100 args: malformed ($(field .error "$out"))" [ "$(field .status "$out")" = ERROR ] || ok=1
	return $ok
}

t_cwd() {
	local ok=0 out
	setup
	out=$(one /bin/cat "{\"args\":[\"a.txt\"],\"cwd\":\"$WS\"}")
	check "cwd in a readable root ($out)" [ "$(field .data.stdout "$out")" = hello ] || ok=1
	out=$(one /bin/cat "{\"args\":[\"secret\"],\"cwd\":\"$OTHER\"}")
	check "cwd outside the roots: ERROR ($out)" [ "$(field .status "$out")" = ERROR ] || ok=1
	check "  naming it" grep -q "params.cwd is not beneath" <<<"$out" || ok=1
	out=$(one /bin/cat "{\"args\":[\"x\"],\"cwd\":\"$OUT\"}")
	check "cwd in a write-only root: ERROR ($out)" [ "$(field .status "$out")" = ERROR ] || ok=1
	out=$(one /bin/cat "{\"args\":[\"a.txt\"],\"cwd\":\"$WS/../ws\"}")
	check "cwd normalized ($out)" [ "$(field .data.stdout "$out")" = hello ] || ok=1
	return $ok
}

# a command that reads none of a large stdin: the worker lives on
t_stdin_unread() {
	local ok=0 out
	setup
	printf '{"id":1,"action":"proc.exec","target":"sh","params":{"args":["-c","true"],"stdin":"%s"}}\n' \
	    "$(head -c 200000 /dev/zero | tr '\0' y)" > "$T/b"
	printf '{"id":2,"action":"proc.exec","target":"echo","params":{"args":["after"]}}\n' >> "$T/b"
	out=$(batch "$T/b")
	check "the first answered OK ($(jq -c '[.id,.status,.error]' <<<"$out" | head -2 | tr '\n' ' '))" \
	    [ "$(jq -r 'select(.id==1) | .status' <<<"$out")" = OK ] || ok=1
	check "the next one still runs" [ "$(jq -r 'select(.id==2) | .data.stdout' <<<"$out")" = after ] || ok=1
	return $ok
}

# a command's output on aksup submit's terminal: C1 controls and bidi
# overrides escaped (\u009b, \u202e), never raw
t_terminal_safe() {
	local ok=0
	command -v script >/dev/null || { skip "no script(1) (util-linux)"; return; }
	setup
	printf '%s' "{\"args\":[\"-c\",\"printf '\\\\302\\\\233' ; printf '\\\\342\\\\200\\\\256'\"]}" > "$T/params"
	script -qec "$AKSUP submit --policy $T/p.yaml --log-path $T/log --action proc.exec --target sh --params \"\$(cat $T/params)\"" \
	    /dev/null > "$T/tty.out" 2>&1 < /dev/null
	check "escaped on a terminal ($(grep -a stdout "$T/tty.out" | tr -d '\r'))" grep -aq 'u009b.*u202e\|u009B.*u202E' "$T/tty.out" || ok=1
	check "  no raw C1 or bidi byte" bash -c '! LC_ALL=C grep -aqP "\xc2\x9b|\xe2\x80\xae" "$1"' _ "$T/tty.out" || ok=1
	return $ok
}

# the operator's environment never reaches a command
t_env() {
	local ok=0 out
	setup
	out=$(AKSUP_OPERATOR_SECRET=xyz one sh '{"args":["-c","env | sort"],"env":{"GREETING":"hi"}}')
	check "no operator variable ($out)" bash -c '! grep -q AKSUP_OPERATOR_SECRET <<<"$1"' _ "$out" || ok=1
	check "exactly the fixed three and the granted one ($(field .data.stdout "$out" | cut -d= -f1 | tr '\n' ' '))" \
	    [ "$(field .data.stdout "$out" | cut -d= -f1 | grep -v -e '^PWD$' -e '^$' | tr '\n' ' ')" = "GREETING HOME LANG PATH " ] || ok=1
	check "the granted value" grep -q 'GREETING=hi' <<<"$(field .data.stdout "$out")" || ok=1
	out=$(one sh '{"args":["-c","echo $LANG; env | grep -c ^LANG="],"env":{"LANG":"C"}}')
	check "a granted fixed name is replaced, not doubled ($(field .data.stdout "$out" | tr '\n' ' '))" [ "$(field .data.stdout "$out" | tr '\n' ' ')" = "C 1  " ] || ok=1
	out=$(one sh '{"args":["-c","env"],"env":{"LD_PRELOAD":"/tmp/x.so"}}')
	check "a name the rule does not grant: DENIED ($out)" [ "$(field .status "$out")" = DENIED ] || ok=1
	return $ok
}

# timeout: the whole namespace killed, a forked sleeper too
t_timeout() {
	local ok=0 out t0 t1
	setup
	t0=$(date +%s%N)
	out=$(one sh '{"args":["-c","sleep 97.31 & echo started; sleep 97.32"],"timeout":1}')
	t1=$(date +%s%N)
	check "ERROR, timed_out, the output so far ($out)" [ "$(field '"\(.status) \(.data.timed_out) \(.data.stdout)"' "$out")" = "ERROR true started" ] || ok=1
	check "within 5 s ($(( (t1 - t0) / 1000000 )) ms)" [ $(( (t1 - t0) / 1000000 )) -lt 5000 ] || ok=1
	check "outcome FAILED" [ "$(jq -r 'select(.type=="outcome") | .status' "$T/log")" = FAILED ] || ok=1
	check "the forked sleeper is gone" no_proc "sleep 97.31" || ok=1
	check "and the command" no_proc "sleep 97.32" || ok=1
	# the rule caps a longer timeout (timeout_max: 20 for sh; 1 asked
	# above; 3600 asked here is cut to 20, not refused)
	out=$(one sh '{"args":["-c","echo capped"],"timeout":3600}')
	check "timeout above the rule's cap runs ($out)" [ "$(field .data.stdout "$out")" = capped ] || ok=1
	return $ok
}

t_output_cap() {
	local ok=0 out
	setup
	out=$(one sh '{"args":["-c","head -c 5000 /dev/zero | tr \"\\\\0\" a; echo err >&2"],"max_output":1000}')
	check "stdout cut at 1000 ($(field '.data.stdout|length' "$out"))" [ "$(field '.data.stdout|length' "$out")" -eq 1000 ] || ok=1
	check "flagged truncated" [ "$(field .data.truncated "$out")" = true ] || ok=1
	check "stderr kept" [ "$(field .data.stderr "$out")" = err ] || ok=1
	out=$(one sh '{"args":["-c","printf \"\\\\377\\\\000x\""]}')
	check "bytes that are not UTF-8: base64 ($out)" [ "$(field '"\(.data.stdout_encoding) \(.data.stdout)"' "$out")" = "base64 /wB4" ] || ok=1
	# more than the agent channel holds: cut to fit, still an answer
	out=$(one sh '{"args":["-c","head -c 1048576 /dev/zero | tr \"\\\\0\" \"\\\\001\""]}')
	check "a 1 MiB output that escapes 6-fold is cut to fit ($(field .status "$out"))" [ "$(field '"\(.status) \(.data.truncated)"' "$out")" = "OK true" ] || ok=1
	return $ok
}

# no network unless the rule says network: true
t_network() {
	local ok=0 out port code
	port=$(( 20000 + RANDOM % 20000 ))
	"$PY" -m http.server --bind 127.0.0.1 "$port" >/dev/null 2>&1 &
	LISTENER=$!
	sleep 0.5
	code="import socket; socket.create_connection(('127.0.0.1', $port), 2); print('connected')"
	setup
	out=$(one "$PY" "$(jq -nc --arg c "$code" '{args:["-c",$c]}')")
	check "no network: not connected ($out)" [ "$(field '.data.stdout' "$out")" != connected ] || ok=1
	check "  the connection failed" [ "$(field '.data.returncode' "$out")" != 0 ] || ok=1
	setup "  - action: proc.exec
    resource: /usr/bin/python3
    args: {prefix: [-u, -c]}
    network: true"
	out=$(one "$PY" "$(jq -nc --arg c "$code" '{args:["-u","-c",$c]}')")
	check "network: true connects ($out)" [ "$(field '.data.stdout' "$out")" = connected ] || ok=1
	out=$(one "$PY" '{"args":["-u","-c","import socket; print(socket.getaddrinfo(\"localhost\", 80)[0][4][0])"]}')
	check "  and finds names (/etc/hosts in its view: $out)" grep -qE '"stdout":"(127.0.0.1|::1)' <<<"$out" || ok=1
	kill "$LISTENER" 2>/dev/null; LISTENER=
	return $ok
}

# the view: the roots, read-only but where fs.write is allowed
t_files() {
	local ok=0 out
	setup
	if [ "$(id -u)" = 0 ]; then
		# started as root without --run-as: a command is never host
		# root (a uid of the session's range), so a root-owned 0755
		# directory is not its to write
		out=$(one sh "{\"args\":[\"-c\",\"echo made > $OUT/new.txt; id -u\"]}")
		check "as root: a command is not root ($(field .data.stdout "$out"))" [ "$(field .data.stdout "$out")" != 0 ] || ok=1
		check "  and cannot write root's 0755 root" [ ! -e "$OUT/new.txt" ] || ok=1
		chmod 777 "$OUT"
	fi
	out=$(one sh "{\"args\":[\"-c\",\"echo made > $OUT/new.txt && cat $OUT/new.txt\"]}")
	check "writes in a writable root ($out)" [ "$(field .data.stdout "$out")" = made ] || ok=1
	out=$(one "$PY" "{\"args\":[\"-c\",\"import os; open('$OUT/s','w').close(); os.chmod('$OUT/s', 0o4755)\"]}")
	check "no set-user-ID file made ($(field .data.stderr "$out" | tail -1))" bash -c '[ -e "$1" ] && ! [ -u "$1" ]' _ "$OUT/s" || ok=1
	out=$(one "$PY" "{\"args\":[\"-c\",\"import os; os.close(os.open('$OUT/g', os.O_CREAT|os.O_WRONLY, 0o2755))\"]}")
	check "  nor set-group-ID through open's mode" bash -c '! [ -e "$1" ] || ! [ -g "$1" ]' _ "$OUT/g" || ok=1
	check "  the file is there" [ "$(cat "$OUT/new.txt" 2>/dev/null)" = made ] || ok=1
	out=$(one sh "{\"args\":[\"-c\",\"echo x > $RO/w.txt\"]}")
	check "no write in a read-only root ($out)" [ ! -e "$RO/w.txt" ] || ok=1
	out=$(one sh "{\"args\":[\"-c\",\"echo x > $WS/a.txt\"]}")
	check "  nor over a file there" [ "$(cat "$WS/a.txt")" = hello ] || ok=1
	out=$(one /bin/cat "{\"args\":[\"$OTHER/secret\"]}")
	check "another directory is not there ($out)" bash -c '! grep -q SECRET <<<"$1"' _ "$out" || ok=1
	out=$(one /bin/cat "{\"args\":[\"$T/p.yaml\"]}")
	check "the policy is not there" [ "$(field .data.returncode "$out")" != 0 ] || ok=1
	out=$(one /bin/cat "{\"args\":[\"$T/log\"]}")
	check "the log is not there" [ "$(field .data.returncode "$out")" != 0 ] || ok=1
	out=$(one sh '{"args":["-c","echo t > /tmp/t && cat /tmp/t && ls /"]}')
	check "a private /tmp, a small root ($out)" [ "$(field .data.stdout "$out" | head -1)" = t ] || ok=1
	check "  no /home, /proc, /etc/passwd" bash -c '! grep -qE "^(home|proc)$" <<<"$1"' _ "$(field .data.stdout "$out")" || ok=1
	out=$(one /bin/cat '{"args":["/etc/passwd"]}')
	check "  /etc/passwd absent" [ "$(field .data.returncode "$out")" = 1 ] || ok=1
	return $ok
}

# several at once: five half-second sleeps take well under 2.5 s
t_concurrent() {
	local ok=0 t0 t1 i out
	setup
	: > "$T/b"
	for i in 1 2 3 4 5; do
		printf '{"id":%d,"action":"proc.exec","target":"sh","params":{"args":["-c","sleep 0.5; echo %d"]}}\n' "$i" "$i" >> "$T/b"
	done
	t0=$(date +%s%N)
	out=$(batch "$T/b")
	t1=$(date +%s%N)
	check "five OK" [ "$(jq -r .status <<<"$out" | grep -c OK)" -eq 5 ] || ok=1
	check "together in under 2 s ($(( (t1 - t0) / 1000000 )) ms)" [ $(( (t1 - t0) / 1000000 )) -lt 2000 ] || ok=1
	return $ok
}

# 16 commands run at once; a 17th is refused on its resolved path
# (ERROR, decided and recorded), never waited for, and reads go on
t_bound() {
	local ok=0 i out t0 t1
	setup
	: > "$T/b"
	for i in $(seq 1 17); do
		printf '{"id":%d,"action":"proc.exec","target":"sh","params":{"args":["-c","sleep 1"]}}\n' "$i" >> "$T/b"
	done
	printf '{"id":99,"action":"fs.read","target":"%s"}\n' "$WS/a.txt" >> "$T/b"
	t0=$(date +%s%N)
	out=$(batch "$T/b")
	t1=$(date +%s%N)
	check "16 OK" [ "$(jq -r 'select(.status=="OK" and .id < 99) | .id' <<<"$out" | wc -l)" -eq 16 ] || ok=1
	check "one ERROR too many ($(jq -c 'select(.status!="OK") | [.id,.status,.error]' <<<"$out"))" \
	    [ "$(jq -r 'select(.status=="ERROR") | .error' <<<"$out")" = "too many requests running at once (at most 16 per worker of this kind); try again when one has answered" ] || ok=1
	check "  decided on its resolved path" [ "$(jq -r 'select(.type=="decision" and .action=="proc.exec") | "\(.status) \(.target)"' "$T/log" | sort -u)" = "ALLOWED /usr/bin/sh" ] || ok=1
	check "the read answered before the sleeps" [ "$(jq -r .id <<<"$out" | head -2 | grep -c 99)" -eq 1 ] || ok=1
	return $ok
}

# a command still running at the session's end is killed, and recorded
t_session_end() {
	local ok=0
	setup
	cat > "$T/agent.py" <<'PY'
import json, socket
s = socket.socket(fileno=3)
s.send(json.dumps({"id": 1, "action": "proc.exec", "target": "sh",
    "params": {"args": ["-c", "sleep 97.41 & sleep 97.42"]}}).encode())
print(s.recv(1 << 20).decode(), flush=True)
PY
	chmod 644 "$T/agent.py"
	"$AKSUP" run --policy "$T/p.yaml" --log-path "$T/log" --timeout 2 \
	    --ro "$T/agent.py" -- "$PY" "$T/agent.py" >"$T/agent.out" 2>"$T/err"
	check "the command's outcome is recorded ($(jq -c 'select(.type=="outcome")' "$T/log"))" \
	    [ "$(jq -r 'select(.type=="outcome") | .status' "$T/log")" = FAILED ] || ok=1
	check "  saying it was killed with all it started" grep -q 'session ended: the command and everything it started were killed' "$T/log" || ok=1
	check "  before session_end" [ "$(jq -r .type "$T/log" | tail -2 | head -1)" = outcome ] || ok=1
	check "nothing of it runs" no_proc "sleep 97.4" || ok=1
	check "the log verifies" "$AKSUP" log verify --log-path "$T/log" >/dev/null 2>&1 || ok=1
	return $ok
}

# A session's proc worker runs while its agent sleeps: 1 when seen.
worker_seen() {
	local pid seen=0
	"$AKSUP" run --policy "$T/p.yaml" --log-path "$T/log" -- /bin/sleep 1.5 \
	    >/dev/null 2>&1 &
	pid=$!
	sleep 0.8
	# this session's: a child of its aksup (other sessions may run)
	pgrep -P "$pid" -f '^aksup-worker-proc ' >/dev/null && seen=1
	wait "$pid"
	echo $seen
}

# the agent asks for a long command and exits: nobody reads the answer,
# the command is killed at once and recorded, the log ends sealed
t_agent_gone() {
	local ok=0 t0 t1
	setup
	cat > "$T/agent.py" <<'PY'
import json, socket, time
s = socket.socket(fileno=3)
s.send(json.dumps({"id": 1, "action": "proc.exec", "target": "sh",
    "params": {"args": ["-c", "sleep 97.51 & sleep 97.52"]}}).encode())
time.sleep(0.5)
PY
	chmod 644 "$T/agent.py"
	t0=$(date +%s%N)
	"$AKSUP" run --policy "$T/p.yaml" --log-path "$T/log" \
	    --ro "$T/agent.py" -- "$PY" "$T/agent.py" >"$T/agent.out" 2>"$T/err"
	t1=$(date +%s%N)
	check "the session ends soon after the agent ($(( (t1 - t0) / 1000000 )) ms)" [ $(( (t1 - t0) / 1000000 )) -lt 5000 ] || ok=1
	check "the command's outcome: killed ($(jq -c 'select(.type=="outcome") | .error' "$T/log"))" \
	    grep -q 'session ended: the command and everything it started were killed' "$T/log" || ok=1
	check "session_end written" [ "$(jq -r .type "$T/log" | tail -1)" = session_end ] || ok=1
	check "the log verifies" "$AKSUP" log verify --log-path "$T/log" >/dev/null 2>&1 || ok=1
	check "nothing of it runs" no_proc "sleep 97.5" || ok=1
	return $ok
}

# The proc worker itself sees what its commands' views are built from
# and nothing else, and the host's network only when a rule gives it
# to commands (root: reads /proc/PID/root of another uid's process).
t_worker_view() {
	local ok=0 pid run w
	[ "$(id -u)" = 0 ] || { skip "reading another process's root needs root"; return; }
	setup
	for run in own host; do
		[ $run = host ] && setup "  - action: proc.exec
    resource: /usr/bin/python3
    args: {prefix: [-u, -c]}
    network: true"
		"$AKSUP" run --policy "$T/p.yaml" --log-path "$T/log" -- /bin/sleep 1.5 \
		    >/dev/null 2>&1 &
		pid=$!
		sleep 0.8
		w=$(pgrep -P "$pid" -f '^aksup-worker-proc ' | head -1)
		if [ -z "$w" ]; then note "no worker seen"; ok=1; wait $pid; continue; fi
		if [ $run = own ]; then
			check "its root holds the system and the roots ($(ls /proc/$w/root | tr '\n' ' '))" \
			    [ -d "/proc/$w/root/usr/bin" ] && [ -f "/proc/$w/root$WS/a.txt" ] || ok=1
			check "  not /etc/passwd, /home, the policy, the log, another dir" bash -c \
			    '! [ -e "$1/etc/passwd" ] && ! [ -e "$1/home" ] && ! [ -e "$1$2/p.yaml" ] && ! [ -e "$1$2/log" ] && ! [ -e "$1$3/secret" ]' \
			    _ "/proc/$w/root" "$T" "$OTHER" || ok=1
			check "  a network namespace of its own" [ "$(readlink /proc/$w/ns/net)" != "$(readlink /proc/self/ns/net)" ] || ok=1
		else
			check "network: true: the host's network namespace" [ "$(readlink /proc/$w/ns/net)" = "$(readlink /proc/self/ns/net)" ] || ok=1
			check "  and the name files ($(ls /proc/$w/root/etc | tr '\n' ' '))" [ -e "/proc/$w/root/etc/hosts" ] || ok=1
		fi
		check "  no capability in the host's user namespace" [ "$(readlink /proc/$w/ns/user)" != "$(readlink /proc/self/ns/user)" ] || ok=1
		wait $pid
	done
	return $ok
}

# no proc.exec rule: no proc worker at all
t_not_started() {
	local ok=0 out
	setup
	check "with proc.exec rules, the worker runs" [ "$(worker_seen)" = 1 ] || ok=1
	sed -i '/proc.exec/,$d' "$T/p.yaml"
	check "without, it is never started" [ "$(worker_seen)" = 0 ] || ok=1
	out=$(one echo '{}')
	check "and proc.exec is denied ($out)" [ "$(field .status "$out")" = DENIED ] || ok=1
	return $ok
}

# a command's cgroup: a quarter of the session's pids and memory, so one
# command cannot take the session's whole budget
t_cgroup() {
	local ok=0 out
	setup
	out=$("$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" --pids-max 64 \
	    --memory-max 512M --action proc.exec --target sh \
	    --params '{"args":["-c","i=0; while [ $i -lt 40 ]; do sleep 5 & i=$((i+1)); done 2>&1; echo forked; kill $(jobs -p) 2>/dev/null"]}' 2>"$T/err" | jq -c .)
	if [ "$(jq -s 'map(select(.type=="session_start"))[0].layers | any(. == "cgroup")' "$T/log")" != true ]; then
		skip "no cgroup layer here"; return
	fi
	check "40 sleepers: forks refused at 16 ($(field .data.stdout "$out" | head -c 200))" \
	    grep -qiE "fork|resource" <<<"$(field .data.stdout "$out")$(field .data.stderr "$out")" || ok=1
	out=$("$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" --pids-max 64 \
	    --memory-max 512M --action proc.exec --target "$PY" \
	    --params '{"args":["-c","b = bytearray(300 << 20); b[::4096] = b\"x\" * len(b[::4096]); print(\"allocated\")"]}' 2>"$T/err" | jq -c .)
	check "300 MB in a 128 MB cgroup: not allocated ($(field '"\(.status) \(.error) \(.data.stdout)"' "$out"))" \
	    [ "$(field .data.stdout "$out")" != allocated ] || ok=1
	return $ok
}

# A root beneath /dev/shm: the command's private /dev/shm is mounted
# before the roots are placed, so it does not hide it (it once did: every
# command of such a session failed, "its own mount view").
t_shm_root() {
	local ok=0 d a
	[ -d /dev/shm ] && [ -w /dev/shm ] || { skip "no writable /dev/shm"; return; }
	d=$(mktemp -d /dev/shm/aksup-p.XXXXXX)
	chmod 777 "$d"
	setup "  - action: fs.read
    resource: $d/**
  - action: fs.write
    resource: $d/**"
	printf 'on shm\n' > "$d/in"
	chmod 644 "$d/in"
	a=$(one sh "{\"args\":[\"-c\",\"cat $d/in; echo out > $d/made\"]}")
	check "OK, read and written ($a)" [ "$(field .data.stdout "$a")" = "on shm" ] || ok=1
	check "the file made on the host's /dev/shm" [ "$(cat "$d/made" 2>/dev/null)" = out ] || ok=1
	rm -rf "$d"
	return $ok
}

ALL="shm_root argv_literal denied bad_params cwd stdin_unread terminal_safe env timeout output_cap network files concurrent bound session_end agent_gone worker_view not_started cgroup"

cd "$T" || exit 1
echo "proc tests as $(id -un) (uid $(id -u))"
for t in ${*:-$ALL}; do
	run_one "$t" "t_$t"
done
finish
