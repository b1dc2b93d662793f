#!/usr/bin/env bash
# tests/integration/http.sh -- net.http (docs/POLICY.md §4, §13): the http
# worker against real servers on 127.0.0.1 (tests/http/server.py: HTTP,
# HTTPS with a test CA, HTTPS self-signed), through real sessions: methods,
# statuses, redirects each decided and audited, private addresses refused
# unless a rule names them, caps, timeouts, TLS, credentials that reach the
# server and nothing else, proxy variables ignored, other schemes refused.
#
#   AKSUP_BIN=DIR (aksup, role binaries) [AKSUP_HTTP_DIR=DIR (server.py,
#   mkca.sh; default tests/http beside this script's directory)]
#   tests/integration/http.sh [TEST...]
#
# Runs as whoever starts it; scripts/test.sh runs it as root and as an
# unprivileged user (its stage() must copy tests/http beside
# tests/integration). Needs python3 (/usr/bin/python3), openssl, curl, jq.
# The servers pick their own ports (bound to port 0) and are killed on
# exit. Prints "N passed, N failed" last.
set -u
BIN=${AKSUP_BIN:?set AKSUP_BIN}
AKSUP="$BIN/aksup"
HTTPDIR=${AKSUP_HTTP_DIR:-$(cd "$(dirname "$0")/.." && pwd)/http}
PY=/usr/bin/python3
T=$(mktemp -d /tmp/aksup-h.XXXXXX)
chmod 755 "$T"
SERVERS=()
cleanup() {
	local p
	for p in "${SERVERS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${SERVERS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

# --- the servers -------------------------------------------------------

wait_file() {	# wait_file FILE PID: until FILE is there (10 s at most)
	local i
	for i in $(seq 200); do
		[ -s "$1" ] && return 0
		kill -0 "$2" 2>/dev/null || return 1	# the server died
		sleep 0.05
	done
	return 1
}

start_server() {	# start_server NAME [--tls CERT KEY]: sets PORT_NAME
	local name=$1 pid; shift
	"$PY" "$HTTPDIR/server.py" --port-file "$T/$name.port" "$@" \
	    >/dev/null 2>"$T/$name.err" &
	pid=$!
	SERVERS+=("$pid")
	if ! wait_file "$T/$name.port" "$pid"; then
		echo "server $name did not start: $(cat "$T/$name.err")" >&2
		exit 1
	fi
	printf -v "PORT_$name" '%s' "$(cat "$T/$name.port")"
}

for c in "$PY" openssl curl jq; do
	command -v "$c" >/dev/null || { echo "http.sh needs $c" >&2; exit 1; }
done
[ -f "$HTTPDIR/server.py" ] || { echo "no $HTTPDIR/server.py (set AKSUP_HTTP_DIR)" >&2; exit 1; }
bash "$HTTPDIR/mkca.sh" "$T/ca" || { echo "mkca.sh failed" >&2; exit 1; }
CA="$T/ca/ca.pem"
PORT_plain='' PORT_tls='' PORT_self=''
start_server plain
start_server tls --tls "$T/ca/server.pem" "$T/ca/server.key"
start_server self --tls "$T/ca/self.pem" "$T/ca/self.key"
H="http://127.0.0.1:$PORT_plain"	# plain HTTP
S="https://127.0.0.1:$PORT_tls"	# HTTPS, a certificate of the test CA
X="https://127.0.0.1:$PORT_self"	# HTTPS, self-signed
# a port nothing listens on (bound, then closed)
CLOSED=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# (-k: the self-signed server is asked too; these are our own servers)
seen() {	# seen [BASE]: the server's /seen (what it received so far)
	curl -sSk --max-time 10 "${1:-$H}/seen"
}
seen_path() {	# seen_path PATH [BASE]: the server got a request for PATH
	seen "${2:-}" | jq -e --arg p "$1" '.paths | index($p) != null' >/dev/null
}
n_auth() {	# n_auth [BASE]: how many Authorization headers it received
	seen "${1:-}" | jq '.authorization | length'
}
auth_has() {	# auth_has VALUE [BASE]: it received Authorization: VALUE
	seen "${2:-}" | jq -e --arg v "$1" '.authorization | index($v) != null' >/dev/null
}
auth_last() {	# auth_last N VALUE: its last N Authorization values are all VALUE
	seen | jq -e --argjson n "$1" --arg v "$2" \
	    '.authorization[-$n:] | length == $n and all(. == $v)' >/dev/null
}
not() { ! "$@"; }	# check "..." not COMMAND...

# --- the policy and the requests -----------------------------------------

rule() {	# rule RESOURCE [KEY: VALUE]...: one net.http allow rule (YAML)
	printf '  - action: net.http\n    resource: %s\n' "$1"
	shift
	local kv
	for kv in "$@"; do printf '    %s\n' "$kv"; done
}

setup() {	# setup RULES [MORE YAML]: the policy (allow rules, then more)
	rm -f "$T/log" "$T/p.yaml"
	printf 'capabilities:\n%s\n%s\n' "$1" "${2:-}" > "$T/p.yaml"
	chmod 644 "$T/p.yaml"
}

# the default policy: the three servers, caps a little below the
# defaults so that a cap can be seen, a deny rule for one path
std_setup() {	# std_setup
	setup "$(rule "$H/slow" 'timeout_max: 2'
	    rule "$H/**" 'follow_redirects: 2' 'max_bytes: 2000'
	    rule "$S/**"
	    rule "$X/**"
	    rule "https://localhost:$PORT_tls/**")" "deny:
  - action: net.http
    resource: $H/echo/denied/**"
}

SUBMIT_OPTS=()	# extra aksup options for one and batch (--http-ca)
one() {	# one TARGET [PARAMS]: the answer (compact; a stand-in when none)
	local out params=${2:-'{}'}
	out=$(timeout -k 5 90 "$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" \
	    "${SUBMIT_OPTS[@]}" --action net.http --target "$1" --params "$params" \
	    2>"$T/err" | jq -c .)
	if [ -z "$out" ]; then
		jq -nc --arg e "$(head -c 300 "$T/err")" '{status:"NO-ANSWER",data:null,error:$e}'
	else
		printf '%s\n' "$out"
	fi
}
batch() {	# batch FILE: the answers, one a line
	timeout -k 5 90 "$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" \
	    "${SUBMIT_OPTS[@]}" --batch "$1" 2>"$T/err"
}
field() { jq -r "$1" <<<"$2" 2>/dev/null; }	# (null when there is no answer)
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
decisions() {	# decisions: "STATUS TARGET" of every net.http decision
	jq -r 'select(.type=="decision" and .action=="net.http") | "\(.status) \(.target)"' "$T/log"
}
uri() { jq -rn --arg u "$1" '$u | @uri'; }	# percent-encode for ?to=

# --- the tests -------------------------------------------------------------

# each method reaches the server with its headers and body
t_methods() {
	local ok=0 out m b
	std_setup
	for m in GET POST PUT DELETE; do
		b=
		[ $m = POST ] || [ $m = PUT ] && b="body of $m: é \"quoted\""
		out=$(one "$H/echo/m?x=1" "$(jq -nc --arg m $m --arg b "$b" \
		    '{method:$m, headers:{"X-Test-H":"v \($m)", "Content-Type":"text/plain"}} + (if $b == "" then {} else {body:$b} end)')")
		check "$m: OK 200 ($(head -c 300 <<<"$out"))" [ "$(field '"\(.status) \(.data.status_code)"' "$out")" = "OK 200" ] || { ok=1; continue; }
		check "  the server saw $m" [ "$(field '.data.body | fromjson | .method' "$out")" = $m ] || ok=1
		check "  the path and query" [ "$(field '.data.body | fromjson | .path' "$out")" = "/echo/m?x=1" ] || ok=1
		check "  the header" [ "$(field '.data.body | fromjson | .headers["x-test-h"]' "$out")" = "v $m" ] || ok=1
		check "  the body ($(field '.data.body | fromjson | .body' "$out"))" [ "$(field '.data.body | fromjson | .body' "$out")" = "$b" ] || ok=1
		check "  the final url" [ "$(field .data.url "$out")" = "$H/echo/m?x=1" ] || ok=1
		check "  utf-8, not truncated" [ "$(field '"\(.data.body_encoding) \(.data.truncated)"' "$out")" = "utf-8 false" ] || ok=1
	done
	out=$(one "$H/echo" '{"method":"get"}')
	check "a lower-case method is upper-cased ($(field .data.body "$out" | head -c 80))" [ "$(field '.data.body | fromjson | .method' "$out")" = GET ] || ok=1
	check "one ALLOWED decision per request" [ "$(decisions | grep -c '^ALLOWED ')" -eq 5 ] || ok=1
	check "the log verifies" "$AKSUP" log verify --log-path "$T/log" >/dev/null 2>&1 || ok=1
	return $ok
}

# 4xx and 5xx are answers (OK, with their code); response headers in
# lower case; bytes that are not UTF-8 come back as base64
t_status() {
	local ok=0 out
	std_setup
	out=$(one "$H/status/404")
	check "404: OK with status_code 404 ($out)" [ "$(field '"\(.status) \(.data.status_code)"' "$out")" = "OK 404" ] || ok=1
	check "  its body" [ "$(field .data.body "$out")" = "status 404" ] || ok=1
	out=$(one "$H/status/503")
	check "503: OK with status_code 503 ($(field '"\(.status) \(.data.status_code)"' "$out"))" [ "$(field '"\(.status) \(.data.status_code)"' "$out")" = "OK 503" ] || ok=1
	check "  outcome OK (the provider did it)" [ "$(jq -r 'select(.type=="outcome") | .status' "$T/log" | sort -u)" = OK ] || ok=1
	out=$(one "$H/hdr")
	check "headers by lower-case name ($(field '.data.headers | keys | join(",")' "$out"))" [ "$(field '.data.headers["x-test"]' "$out")" = one ] || ok=1
	check "  content-type" [ "$(field '.data.headers["content-type"]' "$out")" = "text/plain; charset=utf-8" ] || ok=1
	check "  no upper-case name" [ "$(field '[.data.headers | keys[] | select(. != ascii_downcase)] | length' "$out")" = 0 ] || ok=1
	# (an assumption: a repeated header is kept whole, its values
	# combined as RFC 9110 §5.3 does, "first, second")
	check "  a repeated header keeps both values ($(field '.data.headers["x-multi"]' "$out"))" \
	    grep -q 'first.*second\|second.*first' <<<"$(field '.data.headers["x-multi"]' "$out")" || ok=1
	out=$(one "$H/binary")
	check "not UTF-8: base64 ($(field '"\(.data.body_encoding) \(.data.body)"' "$out"))" \
	    [ "$(field '"\(.data.body_encoding) \(.data.body)"' "$out")" = "base64 //4AgMMooKE=" ] || ok=1
	out=$(one "$H/bytes/0")
	check "an empty body ($(field '"\(.data.status_code) [\(.data.body)]"' "$out"))" [ "$(field '"\(.data.status_code) [\(.data.body)] \(.data.truncated)"' "$out")" = "200 [] false" ] || ok=1
	return $ok
}

# a redirect is not followed unless asked; each hop is decided and
# audited; a denied hop is not followed; the rule caps the hops
t_redirects() {
	local ok=0 out to chain
	std_setup
	to="$H/echo/nf"
	out=$(one "$H/redirect?to=$(uri "$to")&code=302")
	check "302 not followed by default ($(head -c 300 <<<"$out"))" [ "$(field '"\(.status) \(.data.status_code)"' "$out")" = "OK 302" ] || ok=1
	check "  redirects []" [ "$(field '.data.redirects | tostring' "$out")" = "[]" ] || ok=1
	check "  its Location in the headers" [ "$(field '.data.headers.location' "$out")" = "$to" ] || ok=1
	check "  the server never got the hop" not seen_path /echo/nf || ok=1
	to="$H/echo/followed"
	out=$(one "$H/redirect?to=$(uri "$to")&code=301" '{"follow_redirects":2}')
	check "follow_redirects 2: followed ($(head -c 300 <<<"$out"))" [ "$(field '"\(.status) \(.data.status_code)"' "$out")" = "OK 200" ] || ok=1
	check "  redirects [the hop]" [ "$(field '.data.redirects | tostring' "$out")" = "[\"$to\"]" ] || ok=1
	check "  url is the hop's" [ "$(field .data.url "$out")" = "$to" ] || ok=1
	check "  the body is the hop's" [ "$(field '.data.body | fromjson | .path' "$out")" = /echo/followed ] || ok=1
	check "  the hop has its own ALLOWED decision ($(decisions | tr '\n' ';'))" grep -qxF "ALLOWED $to" <<<"$(decisions)" || ok=1
	check "  no redirect_denied" [ "$(field '.data | has("redirect_denied")' "$out")" = false ] || ok=1
	to="$H/echo/denied/x"
	out=$(one "$H/redirect?to=$(uri "$to")" '{"follow_redirects":2}')
	check "a hop the policy denies: OK 302 ($(head -c 300 <<<"$out"))" [ "$(field '"\(.status) \(.data.status_code)"' "$out")" = "OK 302" ] || ok=1
	check "  redirect_denied names it" [ "$(field .data.redirect_denied "$out")" = "$to" ] || ok=1
	# shellcheck disable=SC2016 # (jq's $u)
	check "  not among redirects" jq -e --arg u "$to" '.data.redirects | index($u) == null' <<<"$out" >/dev/null || ok=1
	check "  a DENIED decision for the hop's URL ($(decisions | tail -2 | tr '\n' ';'))" grep -qxF "DENIED $to" <<<"$(decisions)" || ok=1
	check "  the server never got it" not seen_path /echo/denied/x || ok=1
	# a hop to another host no rule allows (default deny)
	to="http://127.0.0.2:$PORT_plain/echo/other"
	out=$(one "$H/redirect?to=$(uri "$to")" '{"follow_redirects":2}')
	check "a hop no rule allows: redirect_denied ($(head -c 300 <<<"$out"))" [ "$(field .data.redirect_denied "$out")" = "$to" ] || ok=1
	# three hops asked for 5, the rule caps at 2: the third 3xx is the answer
	chain="$H/redirect?to=$(uri "$H/redirect?to=$(uri "$H/redirect?to=$(uri "$H/echo/end")")")"
	out=$(one "$chain" '{"follow_redirects":5}')
	check "capped at the rule's 2 ($(field '"\(.status) \(.data.status_code) \(.data.redirects | length)"' "$out"))" \
	    [ "$(field '"\(.status) \(.data.status_code) \(.data.redirects | length)"' "$out")" = "OK 302 2" ] || ok=1
	check "  the third hop not made" not seen_path /echo/end || ok=1
	# a relative Location is resolved against the URL
	out=$(one "$H/redirect?to=$(uri /echo/rel)" '{"follow_redirects":1}')
	check "a relative Location ($(field '.data.redirects | tostring' "$out"))" [ "$(field '.data.redirects | tostring' "$out")" = "[\"$H/echo/rel\"]" ] || ok=1
	check "the log verifies" "$AKSUP" log verify --log-path "$T/log" >/dev/null 2>&1 || ok=1
	return $ok
}

# loopback: a rule must name the address (or the name); `**` reaches
# public addresses only
t_loopback() {
	local ok=0 out p
	setup "$(rule 'http://**:*')"
	out=$(one "$H/echo/lb1")
	check "127.0.0.1 under http://**:* is not reached ($out)" [ "$(field .status "$out")" != OK ] || ok=1
	check "  DENIED (a ** host matches no IP literal)" [ "$(field .status "$out")" = DENIED ] || ok=1
	out=$(one "http://localhost:$PORT_plain/echo/lb2")
	check "localhost under http://**:*: ERROR ($out)" [ "$(field .status "$out")" = ERROR ] || ok=1
	check "  naming loopback" grep -qi loopback <<<"$(field .error "$out")" || ok=1
	check "  decided ALLOWED (the worker refused the address)" grep -qxF "ALLOWED http://localhost:$PORT_plain/echo/lb2" <<<"$(decisions)" || ok=1
	out=$(one "http://127.1:$PORT_plain/echo/lb2b")
	check "127.1 is 127.0.0.1: not reached ($out)" [ "$(field .status "$out")" != OK ] || ok=1
	out=$(one "http://[::ffff:127.0.0.1]:$PORT_plain/echo/lb2c")
	check "::ffff:127.0.0.1: not reached ($out)" [ "$(field .status "$out")" != OK ] || ok=1
	for p in lb1 lb2 lb2b lb2c; do
		check "the server never got /echo/$p" not seen_path /echo/$p || ok=1
	done
	setup "$(rule "http://*.localhost:*")"
	out=$(one "http://a.localhost:$PORT_plain/echo/lb2d")
	check "a *.localhost rule: a.localhost not reached ($out)" [ "$(field .status "$out")" != OK ] || ok=1
	setup "$(rule "$H/**")"
	out=$(one "$H/echo/lb3")
	check "a rule naming 127.0.0.1:PORT: OK 200 ($(head -c 200 <<<"$out"))" [ "$(field '"\(.status) \(.data.status_code)"' "$out")" = "OK 200" ] || ok=1
	check "  reached" seen_path /echo/lb3 || ok=1
	out=$(one "http://localhost:$PORT_plain/echo/lb4")
	check "  the name localhost is not the address: DENIED ($out)" [ "$(field .status "$out")" = DENIED ] || ok=1
	setup "$(rule "http://localhost:$PORT_plain/**")"
	out=$(one "http://localhost:$PORT_plain/echo/lb5")
	check "a rule naming localhost: OK 200 ($(head -c 200 <<<"$out"))" [ "$(field '"\(.status) \(.data.status_code)"' "$out")" = "OK 200" ] || ok=1
	check "  reached" seen_path /echo/lb5 || ok=1
	# a named host's redirect to a loopback name through a ** rule
	setup "$(rule "$H/**" 'follow_redirects: 2'; rule 'http://**:*')"
	out=$(one "$H/redirect?to=$(uri "http://localhost:$PORT_plain/echo/lb6")" '{"follow_redirects":2}')
	check "a hop to localhost under http://**:* is not made ($(head -c 300 <<<"$out"))" not seen_path /echo/lb6 || ok=1
	check "  the answer is not its 200" [ "$(field .data.status_code "$out")" != 200 ] || ok=1
	return $ok
}

# the body is cut at max_bytes (the request's, capped by the rule's)
t_max_bytes() {
	local ok=0 out
	std_setup
	out=$(one "$H/bytes/5000" '{"max_bytes":100}')
	check "max_bytes 100 of 5000: cut ($(field '"\(.status) \(.data.truncated) \(.data.body | length)"' "$out"))" \
	    [ "$(field '"\(.status) \(.data.truncated) \(.data.body | length)"' "$out")" = "OK true 100" ] || ok=1
	out=$(one "$H/bytes/5000" '{"max_bytes":1000000}')
	check "asked 1000000, the rule caps at 2000 ($(field '"\(.data.truncated) \(.data.body | length)"' "$out"))" \
	    [ "$(field '"\(.status) \(.data.truncated) \(.data.body | length)"' "$out")" = "OK true 2000" ] || ok=1
	out=$(one "$H/bytes/100" '{"max_bytes":100}')
	check "exactly max_bytes: not truncated ($(field '"\(.data.truncated) \(.data.body | length)"' "$out"))" \
	    [ "$(field '"\(.status) \(.data.truncated) \(.data.body | length)"' "$out")" = "OK false 100" ] || ok=1
	out=$(one "$H/bytes/1999")
	check "the default (1 MiB) capped at the rule's 2000 ($(field '"\(.data.truncated) \(.data.body | length)"' "$out"))" \
	    [ "$(field '"\(.status) \(.data.truncated) \(.data.body | length)"' "$out")" = "OK false 1999" ] || ok=1
	setup "$(rule "$H/**")"
	# (1 MiB by default; an answer must also fit the agent channel,
	# 1 MiB - 16 KiB or less: cut further, like proc.exec's output)
	out=$(one "$H/bytes/1048577")
	check "no max_bytes on the rule: at most 1 MiB, cut ($(field '"\(.status) \(.error) \(.data.truncated) \(.data.body | length)"' "$out"))" \
	    [ "$(field '"\(.status) \(.data.truncated)"' "$out")" = "OK true" ] || ok=1
	check "  not more than 1 MiB" [ "$(field '.data.body | length' "$out")" -le 1048576 ] || ok=1
	out=$(one "$H/bytes/300000")
	check "300000 bytes under the default: whole ($(field '"\(.data.truncated) \(.data.body | length)"' "$out"))" \
	    [ "$(field '"\(.status) \(.data.truncated) \(.data.body | length)"' "$out")" = "OK false 300000" ] || ok=1
	return $ok
}

# a request past its timeout: ERROR naming it, in well under the delay
t_timeout() {
	local ok=0 out t0 ms
	std_setup
	t0=$(date +%s%N)
	out=$(one "$H/slow?s=5" '{"timeout":1}')
	ms=$(ms_since "$t0")
	check "timeout 1 of a 5 s answer: ERROR ($out)" [ "$(field .status "$out")" = ERROR ] || ok=1
	check "  naming a timeout" grep -qiE 'timed? ?out|timeout' <<<"$(field .error "$out")" || ok=1
	check "  in well under 5 s ($ms ms, the session included)" [ "$ms" -lt 3500 ] || ok=1
	check "  outcome FAILED" [ "$(jq -r 'select(.type=="outcome") | .status' "$T/log" | tail -1)" = FAILED ] || ok=1
	# the rule for /slow caps at 2: asking 30 still ends at about 2 s
	t0=$(date +%s%N)
	out=$(one "$H/slow?s=6" '{"timeout":30}')
	ms=$(ms_since "$t0")
	check "timeout 30 capped by timeout_max 2: ERROR ($out)" [ "$(field .status "$out")" = ERROR ] || ok=1
	check "  after about 2 s ($ms ms)" [ "$ms" -ge 1500 ] && [ "$ms" -lt 5000 ] || ok=1
	out=$(one "$H/slow?s=0.2" '{"timeout":1}')
	check "within its timeout: OK ($(head -c 200 <<<"$out"))" [ "$(field '"\(.status) \(.data.body)"' "$out")" = "OK slept 0.2" ] || ok=1
	return $ok
}

# a refused connection is an ERROR naming it
t_refused() {
	local ok=0 out
	setup "$(rule "http://127.0.0.1:$CLOSED/**")"
	out=$(one "http://127.0.0.1:$CLOSED/x")
	check "a closed port: ERROR ($out)" [ "$(field .status "$out")" = ERROR ] || ok=1
	check "  naming the refused connection" grep -qiE 'refused|connect' <<<"$(field .error "$out")" || ok=1
	return $ok
}

# HTTPS: the operator's CA with --http-ca; a self-signed server refused
t_tls() {
	local ok=0 out
	std_setup
	SUBMIT_OPTS=(--http-ca "$CA")
	out=$(one "$S/echo/tls1")
	check "HTTPS with --http-ca: OK 200 ($(head -c 300 <<<"$out"))" [ "$(field '"\(.status) \(.data.status_code)"' "$out")" = "OK 200" ] || ok=1
	check "  reached" seen_path /echo/tls1 "$S" || ok=1
	out=$(one "https://localhost:$PORT_tls/echo/tls2")
	check "  by the name in the certificate (localhost, a rule naming it) ($(field .status "$out") $(field .error "$out"))" [ "$(field '"\(.status) \(.data.status_code)"' "$out")" = "OK 200" ] || ok=1
	out=$(one "$X/echo/tls3")
	check "a self-signed server: ERROR ($out)" [ "$(field .status "$out")" = ERROR ] || ok=1
	check "  naming TLS or the certificate" grep -qiE 'tls|ssl|certificate' <<<"$(field .error "$out")" || ok=1
	check "  no request reached it" not seen_path /echo/tls3 "$X" || ok=1
	SUBMIT_OPTS=()
	out=$(one "$S/echo/tls4")
	check "without --http-ca the test CA is not trusted: ERROR ($out)" [ "$(field .status "$out")" = ERROR ] || ok=1
	check "  naming TLS or the certificate" grep -qiE 'tls|ssl|certificate' <<<"$(field .error "$out")" || ok=1
	SUBMIT_OPTS=(--http-ca "$T/nonexistent.pem")
	out=$(one "$S/echo/tls5")
	check "--http-ca of a missing file: no OK ($(head -c 200 <<<"$out"))" [ "$(field .status "$out")" != OK ] || ok=1
	SUBMIT_OPTS=()
	return $ok
}

# the credential: sent by the worker, seen by the server, never by the
# agent, the answer, the log or another process of the session
TOKEN="s3cr3t-$RANDOM$RANDOM-$$"
cred_setup() {	# cred_setup: entries for /bytes/**, /redirect/cred/** and HTTPS
	setup "$(rule "$H/**" 'follow_redirects: 2'; rule "$S/**")" "credentials:
  - resource: $H/bytes/**
    headers:
      Authorization: Bearer \${TEST_TOKEN}
  - resource: $H/redirect/cred/**
    headers:
      Authorization: Bearer \${TEST_TOKEN}
  - resource: $S/**
    headers:
      Authorization: Bearer \${TEST_TOKEN}"
}
no_token() {	# no_token FILE...: none holds the value
	not grep -qF "$TOKEN" "$@"
}

t_credentials() {
	local ok=0 out n0 n1
	cred_setup
	n0=$(n_auth)
	out=$(TEST_TOKEN=$TOKEN one "$H/bytes/7")
	check "OK 200 ($(head -c 300 <<<"$out"))" [ "$(field '"\(.status) \(.data.status_code)"' "$out")" = "OK 200" ] || ok=1
	check "  credentials [\"TEST_TOKEN\"] ($(field '.data.credentials | tostring' "$out"))" [ "$(field '.data.credentials | tostring' "$out")" = '["TEST_TOKEN"]' ] || ok=1
	check "  the server got the header" auth_has "Bearer $TOKEN" || ok=1
	check "  the answer does not hold the value" no_token <<<"$out" || ok=1
	# the agent sets Authorization (another case): replaced, not added to
	out=$(TEST_TOKEN=$TOKEN one "$H/bytes/8" '{"headers":{"authorization":"Bearer agent-fake","X-Api-Key":"agent-key"}}')
	check "an agent's Authorization: OK ($(field '"\(.status) \(.error)"' "$out"))" [ "$(field .status "$out")" = OK ] || ok=1
	n1=$(n_auth)
	check "  one Authorization a request ($n0 -> $n1 for two)" [ "$n1" -eq $((n0 + 2)) ] || ok=1
	check "  the injected one, never the agent's ($(seen | jq -c '.authorization[-2:]' | sed "s/$TOKEN/TOKEN/g"))" \
	    auth_last 2 "Bearer $TOKEN" || ok=1
	check "  the agent's other header sent as it is" \
	    bash -c 'seen | jq -e ".[\"x-api-key\"] | index(\"agent-key\") != null" >/dev/null' || ok=1
	# a URL no entry matches gets none
	out=$(TEST_TOKEN=$TOKEN one "$H/status/200")
	check "a URL no entry matches: OK ($(field .status "$out"))" [ "$(field .status "$out")" = OK ] || ok=1
	check "  no credential sent" [ "$(n_auth)" -eq "$n1" ] || ok=1
	check "  none named ($(field '.data.credentials // [] | tostring' "$out"))" [ "$(field '.data.credentials // [] | tostring' "$out")" = '[]' ] || ok=1
	# the log: the name, never the value
	check "the log never holds the value" no_token "$T/log" || ok=1
	# (an assumption on the record: a top-level "credentials" list)
	check "  a record of the request names TEST_TOKEN" \
	    [ "$(jq -s '[.[] | select(.credentials == ["TEST_TOKEN"])] | length' "$T/log")" -ge 1 ] || ok=1
	check "  the log verifies" "$AKSUP" log verify --log-path "$T/log" >/dev/null 2>&1 || ok=1
	check "  aksup's stderr never holds it" no_token "$T/err" || ok=1
	return $ok
}

# a redirect to another origin: the credential stays behind, even where
# an entry matches the hop's URL; to the same origin it is sent again
t_cred_redirect() {
	local ok=0 out n0 s0 to
	cred_setup
	SUBMIT_OPTS=(--http-ca "$CA")
	s0=$(n_auth "$S")
	out=$(TEST_TOKEN=$TOKEN one "$S/bytes/1")
	check "the HTTPS entry is sent there ($(field '"\(.status) \(.error) \(.data.credentials)"' "$out"))" [ "$(n_auth "$S")" -eq $((s0 + 1)) ] || ok=1
	n0=$(n_auth) s0=$(n_auth "$S")
	to="$S/bytes/2"
	out=$(TEST_TOKEN=$TOKEN one "$H/redirect/cred/a?to=$(uri "$to")" '{"follow_redirects":1}')
	check "a hop to another origin: followed ($(head -c 300 <<<"$out"))" [ "$(field '"\(.status) \(.data.status_code) \(.data.url)"' "$out")" = "OK 200 $to" ] || ok=1
	check "  the first request carried it ($n0 -> $(n_auth))" [ "$(n_auth)" -eq $((n0 + 1)) ] || ok=1
	check "  the hop did not ($s0 -> $(n_auth "$S"))" [ "$(n_auth "$S")" -eq "$s0" ] || ok=1
	n0=$(n_auth)
	to="$H/bytes/3"
	out=$(TEST_TOKEN=$TOKEN one "$H/redirect/cred/b?to=$(uri "$to")" '{"follow_redirects":1}')
	check "a hop to the same origin: followed ($(head -c 300 <<<"$out"))" [ "$(field '"\(.status) \(.data.status_code) \(.data.url)"' "$out")" = "OK 200 $to" ] || ok=1
	check "  both carried it ($n0 -> $(n_auth))" [ "$(n_auth)" -eq $((n0 + 2)) ] && auth_last 2 "Bearer $TOKEN" || ok=1
	check "  credentials [\"TEST_TOKEN\"] ($(field '.data.credentials | tostring' "$out"))" [ "$(field '.data.credentials | tostring' "$out")" = '["TEST_TOKEN"]' ] || ok=1
	SUBMIT_OPTS=()
	check "the log never holds the value" no_token "$T/log" || ok=1
	return $ok
}

descendants() {	# descendants PID: every process beneath PID
	local c
	for c in $(pgrep -P "$1"); do
		echo "$c"
		descendants "$c"
	done
}

# no process of the session holds the value in its environment or argv:
# /proc/PID/environ and cmdline of each (broker, workers, agent), read
# while a slow request holds the session open
t_cred_environ() {
	local ok=0 tpid sup p i got=0 readable=0 unreadable=0 names='' leaked='' http=0 comm
	setup "$(rule "$H/**")" "credentials:
  - resource: $H/**
    headers:
      Authorization: Bearer \${TEST_TOKEN}"
	printf '{"id":1,"action":"net.http","target":"%s","params":{"timeout":20}}\n' "$H/slow?s=3&m=environ" > "$T/b"
	TEST_TOKEN=$TOKEN timeout -k 5 60 "$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" \
	    --batch "$T/b" >"$T/env.out" 2>"$T/err" &
	tpid=$!
	for i in $(seq 200); do
		seen_path "/slow?s=3&m=environ" && { got=1; break; }
		kill -0 "$tpid" 2>/dev/null || break
		sleep 0.05
	done
	if [ $got = 0 ]; then
		note "FAILED: the slow request never reached the server ($(head -c 300 "$T/err"))"
		wait "$tpid"
		return 1
	fi
	# `timeout` is the parent: the supervisor is its child
	sup=$(pgrep -P "$tpid" -x aksup | head -1)
	for p in $(descendants "$sup"); do
		comm=$(cat "/proc/$p/comm" 2>/dev/null) || continue
		names="$names $comm"
		case $comm in aksup-worker-h*) http=1;; esac	# (comm: 15 bytes)
		if cat "/proc/$p/environ" >/dev/null 2>&1; then
			readable=$((readable + 1))
			grep -aqF "$TOKEN" "/proc/$p/environ" "/proc/$p/cmdline" 2>/dev/null &&
			    leaked="$leaked $comm($p)"
		else
			unreadable=$((unreadable + 1))
		fi
	done
	note "session processes:$names; environ read: $readable, not readable: $unreadable"
	check "the http worker is among them" [ $http = 1 ] || ok=1
	check "no process of the session has the value in its environment or argv:$leaked" [ -z "$leaked" ] || ok=1
	if [ "$(id -u)" = 0 ]; then
		check "  (as root each one was read)" [ "$unreadable" -eq 0 ] && [ "$readable" -ge 3 ] || ok=1
	else
		note "unprivileged: the roles are not dumpable, their environ is not ours to read ($unreadable); read: $readable"
	fi
	# (the operator's own process, the supervisor, was given it: whether
	# its environ still shows it is the supervisor's business, said only)
	if grep -aqF "$TOKEN" "/proc/$sup/environ" 2>/dev/null; then
		note "(the supervisor's environ, the operator's, holds it)"
	fi
	wait "$tpid"
	check "the held request answered OK ($(head -c 200 "$T/env.out"))" [ "$(jq -r .status "$T/env.out")" = OK ] || ok=1
	check "  naming TEST_TOKEN" [ "$(jq -c .data.credentials "$T/env.out")" = '["TEST_TOKEN"]' ] || ok=1
	check "  the server got it" auth_has "Bearer $TOKEN" || ok=1
	check "  never the value in the answer or the log" no_token "$T/env.out" "$T/log" || ok=1
	return $ok
}

# a credential whose variable is not set: the session does not start
t_cred_missing() {
	local ok=0 out rc
	cred_setup
	out=$(env -u TEST_TOKEN timeout -k 5 60 "$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" \
	    --action net.http --target "$H/bytes/nocred" 2>"$T/err")
	rc=$?
	check "exit 1 (rc $rc)" [ $rc -eq 1 ] || ok=1
	check "naming ENV:TEST_TOKEN ($(head -c 300 "$T/err"))" grep -q 'ENV:TEST_TOKEN' "$T/err" || ok=1
	check "no OK answer ($(head -c 200 <<<"$out"))" not grep -q '"status": *"OK"' <<<"$out" || ok=1
	check "nothing reached the server" not seen_path /bytes/nocred || ok=1
	out=$(TEST_TOKEN='' timeout -k 5 60 "$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" \
	    --action net.http --target "$H/bytes/emptycred" 2>"$T/err" | jq -c .)
	check "an empty TEST_TOKEN: no session ($(field .status "$out"))" [ -z "$out" ] || ok=1
	check "  said ($(head -c 160 "$T/err"))" grep -q "ENV:TEST_TOKEN, which is set but empty" "$T/err" || ok=1
	return $ok
}

# the proxy variables of aksup's environment are ignored
t_proxy() {
	local ok=0 out v
	std_setup
	v=http://127.0.0.1:1
	out=$(http_proxy=$v HTTP_PROXY=$v https_proxy=$v HTTPS_PROXY=$v ALL_PROXY=$v all_proxy=$v \
	    NO_PROXY='' no_proxy='' one "$H/echo/proxy1")
	check "with *_proxy set: OK 200 ($(head -c 300 <<<"$out"))" [ "$(field '"\(.status) \(.data.status_code)"' "$out")" = "OK 200" ] || ok=1
	check "  the server got it itself" seen_path /echo/proxy1 || ok=1
	check "  no Proxy- header" [ "$(field '[.data.body | fromjson | .headers | keys[] | select(startswith("proxy"))] | length' "$out")" = 0 ] || ok=1
	SUBMIT_OPTS=(--http-ca "$CA")
	out=$(https_proxy=$v HTTPS_PROXY=$v ALL_PROXY=$v all_proxy=$v one "$S/echo/proxy2")
	check "HTTPS too ($(head -c 300 <<<"$out"))" [ "$(field '"\(.status) \(.data.status_code)"' "$out")" = "OK 200" ] || ok=1
	SUBMIT_OPTS=()
	return $ok
}

# other schemes: refused, never content
t_schemes() {
	local ok=0 out u
	setup "$(rule "$H/**" 'follow_redirects: 2'; rule 'http://**:*'; rule 'https://**:*')"
	for u in file:///etc/passwd FILE:///etc/passwd "ftp://127.0.0.1:$PORT_plain/x" \
	    "gopher://127.0.0.1:$PORT_plain/x" "dict://127.0.0.1:$PORT_plain/x" \
	    "scp://127.0.0.1/etc/passwd" "http:/etc/passwd" "//127.0.0.1:$PORT_plain/echo/x"; do
		out=$(one "$u")
		check "$u: DENIED or ERROR ($out)" grep -qxE 'DENIED|ERROR' <<<"$(field .status "$out")" || ok=1
		check "  no content" not grep -q "root:" <<<"$out" || ok=1
	done
	out=$(one "$H/redirect?to=$(uri file:///etc/passwd)" '{"follow_redirects":2}')
	check "a redirect to file://: not followed ($(head -c 300 <<<"$out"))" [ "$(field '"\(.status) \(.data.status_code)"' "$out")" = "OK 302" ] || ok=1
	check "  no content" not grep -q "root:" <<<"$out" || ok=1
	out=$(one "$H/redirect?to=$(uri "ftp://127.0.0.1:$PORT_plain/x")" '{"follow_redirects":2}')
	check "a redirect to ftp://: not followed ($(head -c 300 <<<"$out"))" [ "$(field '"\(.status) \(.data.status_code)"' "$out")" = "OK 302" ] || ok=1
	check "the server saw no /x" not seen_path /x || ok=1
	return $ok
}

# headers that frame or route the request are the worker's own
t_bad_headers() {
	local ok=0 out h i=0
	std_setup
	: > "$T/b"
	for h in Host host Transfer-Encoding Content-Length Connection Proxy-Authorization; do
		i=$((i + 1))
		printf '{"id":%d,"action":"net.http","target":"%s","params":{"headers":{"%s":"x"}}}\n' \
		    $i "$H/echo/bad$i" "$h" >> "$T/b"
	done
	# (no NUL: one in a JSON string ends the session as framing)
	for h in '{"X-A":"a\r\nX-Injected: 1"}' '{"X A":"x"}' '{"X-A":1}' '["X-A"]' '"X-A: 1"'; do
		i=$((i + 1))
		printf '{"id":%d,"action":"net.http","target":"%s","params":{"headers":%s}}\n' \
		    $i "$H/echo/bad$i" "$h" >> "$T/b"
	done
	out=$(batch "$T/b")
	check "Host and Transfer-Encoding: ERROR malformed ($(jq -c 'select(.id<=3) | [.id,.status,.error]' <<<"$out" | tr '\n' ' '))" \
	    [ "$(jq -r 'select(.id==1 or .id==2 or .id==3) | .status' <<<"$out" | grep -c ERROR)" -eq 3 ] || ok=1
	check "  each answer says malformed" [ "$(jq -r 'select(.id<=3) | .error' <<<"$out" | grep -c malformed)" -eq 3 ] || ok=1
	check "  recorded INVALID ($(jq -r 'select(.type=="decision") | .status' "$T/log" | sort | uniq -c | tr '\n' ' '))" \
	    [ "$(jq -r 'select(.type=="decision" and (.target | test("/echo/bad[123]$"))) | .status' "$T/log" | sort | uniq -c | tr -s ' ')" = " 3 INVALID" ] || ok=1
	check "every bad header: not OK ($(jq -c 'select(.status=="OK") | .id' <<<"$out" | tr '\n' ' '))" \
	    [ "$(jq -r 'select(.status=="OK") | .id' <<<"$out" | wc -l)" -eq 0 ] || ok=1
	check "all $i answered" [ "$(jq -r .id <<<"$out" | wc -l)" -eq $i ] || ok=1
	check "the server saw none of them" not bash -c 'seen | jq -e "[.paths[] | select(startswith(\"/echo/bad\"))] | length > 0" >/dev/null' || ok=1
	check "no header was injected" not bash -c 'seen | grep -qi injected' || ok=1
	return $ok
}

# several requests through one session: pipelined, in any order, each
# answered with its own id (and the slow ones together)
t_batch() {
	local ok=0 out i t0 ms
	std_setup
	: > "$T/b"
	for i in 1 2 3 4; do
		printf '{"id":%d,"action":"net.http","target":"%s"}\n' $i "$H/slow?s=1&b=$i" >> "$T/b"
	done
	printf '{"id":"e","action":"net.http","target":"%s","params":{"method":"POST","body":"b"}}\n' "$H/echo/batch" >> "$T/b"
	t0=$(date +%s%N)
	out=$(batch "$T/b")
	ms=$(ms_since "$t0")
	check "five OK ($(jq -c '[.id,.status]' <<<"$out" | tr '\n' ' '))" [ "$(jq -r .status <<<"$out" | grep -c OK)" -eq 5 ] || ok=1
	check "  each its own" [ "$(jq -r 'select(.id=="e") | .data.body | fromjson | .body' <<<"$out")" = b ] || ok=1
	note "four 1 s requests and one more in $ms ms"
	return $ok
}

# what a hostile server or agent sends that must end one request, never
# the session; a credential the server echoes is masked; a redirect hop
# keeps its own rule's caps
t_hostile() {
	local ok=0 out
	setup "$(rule "$H/**" 'follow_redirects: 2' 'max_bytes: 100000'
	    rule "http://localhost:$PORT_plain/**" 'max_bytes: 100'
	    rule "http://localhost:1/**")" "credentials:
  - resource: $H/echo/cred/**
    headers:
      Authorization: Bearer \${TEST_TOKEN}"
	jq -nc --arg h "$H" '{id:1,action:"net.http",target:($h + "/status/999")},
	    {id:2,action:"net.http",target:($h + "/echo/caf\u00e9")},
	    {id:3,action:"net.http",target:($h + "/echo/x"),params:{method:"TRACE"}},
	    {id:4,action:"net.http",target:($h + "/bytes/3")}' > "$T/hb"
	out=$(TEST_TOKEN=$TOKEN batch "$T/hb")
	check "status 999: ERROR ($(jq -c 'select(.id==1) | .error' <<<"$out"))" \
	    [ "$(jq -r 'select(.id==1) | .status' <<<"$out")" = ERROR ] || ok=1
	check "  naming it" grep -q "not an HTTP status" <<<"$(jq -r 'select(.id==1) | .error' <<<"$out")" || ok=1
	check "a non-ASCII byte in the URL: DENIED ($(jq -c 'select(.id==2) | [.status,.error]' <<<"$out"))" \
	    [ "$(jq -r 'select(.id==2) | .status' <<<"$out")" = DENIED ] || ok=1
	check "TRACE: malformed ($(jq -c 'select(.id==3) | .error' <<<"$out"))" \
	    grep -q "TRACE, TRACK and CONNECT are not sent" <<<"$(jq -r 'select(.id==3) | .error' <<<"$out")" || ok=1
	check "the session went on: the last one OK ($(jq -c 'select(.id==4) | [.status,.error]' <<<"$out"))" \
	    [ "$(jq -r 'select(.id==4) | .status' <<<"$out")" = OK ] || ok=1
	out=$(TEST_TOKEN=$TOKEN one "$H/echo/cred/x")
	check "an echoed credential: OK ($(field .status "$out"))" [ "$(field .status "$out")" = OK ] || ok=1
	check "  the server got it" auth_has "Bearer $TOKEN" || ok=1
	check "  the agent sees it masked ($(field '.data.body | fromjson | .headers.authorization' "$out" | head -c 40))" \
	    [ "$(field '.data.body | fromjson | .headers.authorization' "$out")" = "Bearer ${TOKEN//?/*}" ] || ok=1
	check "  never the value" no_token <<<"$out" || ok=1
	out=$(TEST_TOKEN=$TOKEN one "$H/redirect?to=$(uri "http://localhost:$PORT_plain/bytes/5000")" '{"follow_redirects":1}')
	check "a hop to a rule with max_bytes 100: cut at 100 ($(field '"\(.status) \(.data.truncated) \(.data.body | length)"' "$out"))" \
	    [ "$(field '"\(.status) \(.data.truncated) \(.data.body | length)"' "$out")" = "OK true 100" ] || ok=1
	# the hop's outcome: its URL and its own rule, as its decision
	local hop="http://localhost:$PORT_plain/bytes/5000"
	check "  the hop's outcome names its URL and its rule, as its decision ($(jq -c --arg u "$hop" 'select(.target==$u) | [.type,.rule]' "$T/log" | tr '\n' ' '))" \
	    [ "$(jq -r --arg u "$hop" 'select(.target==$u) | "\(.type) \(.rule)"' "$T/log" | sed 's|/.*/||' | tr '\n' ' ')" = "decision p.yaml:6 outcome p.yaml:6 " ] || ok=1
	out=$(TEST_TOKEN=$TOKEN one "$H/redirect?to=$(uri "http://localhost:1/x")" '{"follow_redirects":1}')
	check "a failed hop names the hop ($(field .error "$out"))" grep -q "^redirect hop 1 to http://localhost:1/x: connection refused" <<<"$(field .error "$out")" || ok=1
	# a string body without the agent's Content-Type goes without one
	out=$(TEST_TOKEN=$TOKEN one "$H/echo/ct" '{"method":"POST","body":"hi"}')
	check "a string body: no Content-Type added ($(field '.data.body | fromjson | .headers["content-type"]' "$out"))" \
	    [ "$(field '.data.body | fromjson | .headers["content-type"]' "$out")" = null ] || ok=1
	# "localhost." is localhost, as the policy decided
	out=$(TEST_TOKEN=$TOKEN one "http://localhost.:$PORT_plain/bytes/2")
	check "a trailing dot: OK ($(field '"\(.status) \(.error)"' "$out"))" [ "$(field .status "$out")" = OK ] || ok=1
	check "the log verifies" "$AKSUP" log verify --log-path "$T/log" >/dev/null 2>&1 || ok=1
	return $ok
}

# a connection made for a rule that names the host is not reused for a
# request a wildcard rule allowed: its peer is checked again before each
# request (one agent, lock-step: the second request finds the first's
# connection open)
t_reuse() {
	local ok=0 out
	setup "$(rule "http://localhost:$PORT_plain/named/**"; rule 'http://**:*')"
	cat > "$T/agent.py" <<'PY'
import json, os, socket, sys
chan = socket.socket(fileno=int(os.environ["AKSUP_FD"]))
for i, url in enumerate(sys.argv[1:], 1):
    chan.send(json.dumps({"id": i, "action": "net.http", "target": url}).encode())
    print(json.dumps(json.loads(chan.recv(1 << 20))), flush=True)
PY
	chmod 644 "$T/agent.py"
	out=$(timeout -k 5 60 "$AKSUP" run --policy "$T/p.yaml" --log-path "$T/log" --ro "$T/agent.py" \
	    -- "$PY" "$T/agent.py" "http://localhost:$PORT_plain/named/a" \
	    "http://localhost:$PORT_plain/echo/reuse-wild" "http://localhost:$PORT_plain/named/b" 2>"$T/err")
	check "named: OK ($(jq -c 'select(.id==1) | [.status,.data.status_code]' <<<"$out"))" \
	    [ "$(jq -r 'select(.id==1) | .status' <<<"$out")" = OK ] || ok=1
	check "then the same host under the wildcard: refused ($(jq -c 'select(.id==2) | .error' <<<"$out"))" \
	    grep -q "loopback" <<<"$(jq -r 'select(.id==2) | .error' <<<"$out")" || ok=1
	check "  never reached the server" not seen_path /echo/reuse-wild || ok=1
	check "named again: OK" [ "$(jq -r 'select(.id==3) | .status' <<<"$out")" = OK ] || ok=1
	return $ok
}

# a name server that never answers: each request is answered at its
# timeout, the others go on, and ten look-ups held at once do not end the
# session (as root: its own mount namespace puts a resolv.conf naming a
# server of the test's over /etc/resolv.conf)
t_dns_stall() {
	local ok=0 out t0 i spid
	if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null; then
		skip "a resolv.conf of its own needs root (a mount namespace)"
		return
	fi
	setup "$(rule 'http://**:*'; rule "$H/**")"
	printf 'nameserver 127.0.0.2\noptions use-vc\n' > "$T/resolv.conf"
	"$PY" -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.2", 53)); s.listen(64)
print("LISTENING", flush=True)
held = []
while True:
    c, _ = s.accept(); held.append(c)   # read nothing, answer nothing
' > "$T/dns.out" 2>&1 &
	spid=$!
	for i in $(seq 1 100); do grep -q LISTENING "$T/dns.out" && break; sleep 0.05; done
	: > "$T/sb"
	for i in $(seq 1 12); do
		printf '{"id":%d,"action":"net.http","target":"http://n%d.aksup-stall.test/","params":{"timeout":1}}\n' "$i" "$i" >> "$T/sb"
	done
	printf '{"id":13,"action":"net.http","target":"%s/bytes/4"}\n' "$H" >> "$T/sb"
	t0=$(date +%s%N)
	out=$(timeout -k 5 60 unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf && exec "$2" submit --policy "$3" --log-path "$4" --batch "$5"' \
	    _ "$T/resolv.conf" "$AKSUP" "$T/p.yaml" "$T/log" "$T/sb" 2>"$T/err")
	note "13 answers in $(ms_since "$t0") ms"
	kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
	check "the server was listening" grep -q LISTENING "$T/dns.out" || ok=1
	check "twelve held look-ups: each ERROR ($(jq -r 'select(.id<13) | .error' <<<"$out" | sort | uniq -c | tr '\n' ' '))" \
	    [ "$(jq -r 'select(.id<13) | .status' <<<"$out" | grep -c ERROR)" = 12 ] || ok=1
	check "  none says the worker died" not grep -q "died" <<<"$out" || ok=1
	check "the request beside them: OK ($(jq -c 'select(.id==13) | [.status,.error]' <<<"$out"))" \
	    [ "$(jq -r 'select(.id==13) | .status' <<<"$out")" = OK ] || ok=1
	check "all answered in well under the look-ups' hold (< 8 s)" [ "$(ms_since "$t0")" -lt 8000 ] || ok=1
	return $ok
}

# a FILE: source: read by aksup, one trailing newline stripped; a key
# file every user can read is said on stderr; one it cannot read, named
t_cred_file() {
	local ok=0 out
	printf '%s\n' "$TOKEN" > "$T/key"
	chmod 600 "$T/key"
	setup "$(rule "$H/**")" "credentials:
  - resource: $H/bytes/**
    headers:
      X-Api-Key: k-\${file:$T/key}"
	out=$(one "$H/bytes/3")
	check "OK ($(field '"\(.status) \(.error)"' "$out"))" [ "$(field .status "$out")" = OK ] || ok=1
	check "  named by its path ($(field '.data.credentials | tostring' "$out"))" [ "$(field '.data.credentials | tostring' "$out")" = "[\"$T/key\"]" ] || ok=1
	check "  the server got it, newline stripped" \
	    bash -c 'seen | jq -e --arg v "$1" ".[\"x-api-key\"] | index(\$v) != null" >/dev/null' _ "k-$TOKEN" || ok=1
	check "  no warning for a 0600 file" not grep -q "readable by every user" "$T/err" || ok=1
	chmod 644 "$T/key"
	out=$(one "$H/bytes/3")
	check "a world-readable key file: still OK ($(field .status "$out"))" [ "$(field .status "$out")" = OK ] || ok=1
	check "  and said ($(head -c 200 "$T/err"))" grep -q "FILE:$T/key is readable by every user" "$T/err" || ok=1
	# an mcp server's env source is not the http worker's: not read
	cat >> "$T/p.yaml" <<YAML
mcp_servers:
  tools:
    command: [node, /nonexistent.js]
    env: {SECRET: "\${AKSUP_TEST_MCP_ONLY}"}
YAML
	out=$(env -u AKSUP_TEST_MCP_ONLY "$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" \
	    --action net.http --target "$H/bytes/3" 2>"$T/err" | jq -c .)
	check "an unset mcp_servers env source: the http session still OK ($(field .status "$out"))" [ "$(field .status "$out")" = OK ] || ok=1
	rm -f "$T/key"
	out=$(one "$H/bytes/3")
	check "a missing key file: no session ($(field .status "$out"))" [ "$(field .status "$out")" = NO-ANSWER ] || ok=1
	check "  naming it" grep -q "FILE:$T/key" "$T/err" || ok=1
	check "the log never holds the value" no_token "$T/log" || ok=1
	return $ok
}

ALL="methods status redirects loopback max_bytes timeout refused tls credentials cred_redirect cred_environ cred_missing proxy schemes bad_headers batch hostile cred_file reuse dns_stall"

# seen runs in `bash -c` too
export -f seen
export H

cd "$T" || exit 1
echo "http tests as $(id -un) (uid $(id -u)); servers $H $S $X"
[ -x "$BIN/aksup-worker-http" ] || note "no $BIN/aksup-worker-http: net.http has no provider here, expect failures"
# shellcheck disable=SC2048,SC2086 # (names, split as proc.sh does)
for t in ${*:-$ALL}; do
	run_one "$t" "t_$t"
done
finish
