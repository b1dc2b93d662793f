#!/usr/bin/env bash
# probe.sh [-d DIR] [SERVER...]: show that each MCP test peer works, by driving
# it over stdio with hand-written JSON-RPC lines (rpc.mjs) and printing the
# answers. SERVER is one of: everything filesystem stateless inspector (default:
# all four). DIR is where install.sh put node_modules (default: $AKSUP_MCP_DIR,
# else this script's directory). Runs no aksup: it checks the peers alone.
# Exits non-zero if any probe failed (no answer, a server exit, a bad line, or
# an answer that is not the one expected).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=${AKSUP_MCP_DIR:-$here}
if [ "${1:-}" = "-d" ]; then
	dir=$2
	shift 2
fi
dir=$(cd "$dir" && pwd) || exit 2
[ $# -gt 0 ] || set -- everything filesystem stateless inspector
nm="$dir/node_modules"
if [ ! -d "$nm/@modelcontextprotocol" ]; then
	echo "probe.sh: no MCP peers in $nm: run tests/mcp/install.sh $dir first" >&2
	exit 2
fi
rpc=(node "$here/rpc.mjs" --timeout 15 --cut "${PROBE_CUT:-600}" --)
everything=(node "$nm/@modelcontextprotocol/server-everything/dist/index.js" stdio)
filesystem=(node "$nm/@modelcontextprotocol/server-filesystem/dist/index.js")
stateless=(node "$dir/stateless-server.mjs")
inspector=(node "$nm/@modelcontextprotocol/inspector/clients/launcher/build/index.js" --cli)
fails=0

# check NAME FILE PATTERN...: every extended regexp must match the output.
check() {
	local name=$1 out=$2 pat
	shift 2
	for pat in "$@"; do
		if ! grep -qE -- "$pat" "$out"; then
			echo "!! $name: expected /$pat/ in the output" >&2
			fails=$((fails + 1))
		fi
	done
}

# run NAME COMMAND...: feed stdin to rpc.mjs driving COMMAND; output to $out.
run() {
	local name=$1
	shift
	echo "=== $name: $*"
	out=$(mktemp)
	tmpfiles+=("$out")
	if ! "${rpc[@]}" "$@" | tee "$out"; then
		echo "!! $name: rpc.mjs failed" >&2
		fails=$((fails + 1))
	fi
}
tmpfiles=()
trap 'rm -rf "${tmpfiles[@]}"' EXIT

# The 2025 era opening: initialize, then notifications/initialized.
init2025='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"aksup-probe","version":"0"}}}
{"jsonrpc":"2.0","method":"notifications/initialized"}'

# The 2026-07-28 era carries no session: every request names its protocol
# version and client capabilities in params._meta.
meta='"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"aksup-probe","version":"0"},"io.modelcontextprotocol/clientCapabilities":{}}'

probe_everything() {
	run everything "${everything[@]}" <<-EOF
		$init2025
		{"jsonrpc":"2.0","id":2,"method":"tools/list"}
		{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}}}
		{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"get-sum","arguments":{"a":2,"b":3}}}
		# bad arguments: a tool result with isError true, not a JSON-RPC error
		{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"get-sum","arguments":{"a":"x"}}}
		# an unknown tool: also isError (SDK 1.x), not -32602
		{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"no-such-tool","arguments":{}}}
		{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"trigger-long-running-operation","arguments":{"duration":1,"steps":2}}}
		# a 2025-era server does not know the 2026-07-28 discovery method
		{"jsonrpc":"2.0","id":8,"method":"server/discover","params":{$meta}}
	EOF
	check everything "$out" '"protocolVersion":"2025-11-25"' 'tools: echo .*get-sum' \
		'"text":"Echo: hello"' 'The sum of 2 and 3 is 5' '"isError":true\},"jsonrpc":"2.0","id":5' \
		'"id":8,"error":\{"code":-32601'
}

probe_filesystem() {
	local root
	root=$(mktemp -d)
	tmpfiles+=("$root")
	printf 'hello from the root\n' >"$root/hello.txt"
	run filesystem "${filesystem[@]}" "$root" <<-EOF
		$init2025
		{"jsonrpc":"2.0","id":2,"method":"tools/list"}
		{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"list_allowed_directories","arguments":{}}}
		{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"read_text_file","arguments":{"path":"$root/hello.txt"}}}
		{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"write_file","arguments":{"path":"$root/new.txt","content":"written"}}}
		# outside the allowed root: a tool result with isError true
		{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"read_text_file","arguments":{"path":"/etc/hostname"}}}
	EOF
	check filesystem "$out" 'tools: read_file .*list_allowed_directories' 'hello from the root' \
		'Access denied|outside allowed' '"isError":true'
	if [ "$(cat "$root/new.txt" 2>/dev/null)" != written ]; then
		echo "!! filesystem: write_file did not write $root/new.txt" >&2
		fails=$((fails + 1))
	fi
}

probe_stateless() {
	run stateless "${stateless[@]}" <<-EOF
		# a 2026-07-28-only server refuses the 2025 handshake: -32022
		{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"aksup-probe","version":"0"}}}
		{"jsonrpc":"2.0","id":2,"method":"server/discover","params":{$meta}}
		{"jsonrpc":"2.0","id":3,"method":"tools/list","params":{$meta}}
		{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"},$meta}}
		{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":3},$meta}}
		# the multi-round-trip shape a client without MRTR must refuse
		{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"ask","arguments":{"question":"go?"},$meta}}
		{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"whoami","arguments":{},$meta}}
		# no _meta envelope: -32602
		{"jsonrpc":"2.0","id":8,"method":"tools/list","params":{}}
	EOF
	check stateless "$out" '"id":1,"error":\{"code":-32022' '"supportedVersions":\["2026-07-28"\]' \
		'tools: echo add ask whoami' '"text":"Echo: hello"' '"structuredContent":\{"sum":5\}' \
		'"resultType":"input_required"' '"era\\":\\"modern\\"' '"id":8,"error":\{"code":-32602'
}

probe_inspector() {
	local o
	o=$(mktemp)
	tmpfiles+=("$o")
	echo "=== inspector: mcp-inspector --cli ${everything[*]} --method tools/list"
	if ! timeout 60 "${inspector[@]}" "${everything[@]}" --method tools/list >"$o" 2>"$o.err"; then
		echo "!! inspector: failed against server-everything:" >&2
		cat "$o.err" >&2
		fails=$((fails + 1))
	fi
	tmpfiles+=("$o.err")
	echo "   tools: $(node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(j.tools.map(t=>t.name).join(" "))' "$o" 2>&1)"
	check inspector "$o" '"name": "echo"'
	echo "=== inspector: mcp-inspector --cli --protocol-era modern ${stateless[*]} --method tools/list"
	if ! timeout 60 "${inspector[@]}" --protocol-era modern "${stateless[@]}" --method tools/list >"$o" 2>"$o.err"; then
		echo "!! inspector: failed against stateless-server.mjs:" >&2
		cat "$o.err" >&2
		fails=$((fails + 1))
	fi
	echo "   tools: $(node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(j.tools.map(t=>t.name).join(" "))' "$o" 2>&1)"
	check inspector "$o" '"name": "ask"'
}

for s in "$@"; do
	case $s in
	everything | filesystem | stateless | inspector) "probe_$s" ;;
	*)
		echo "probe.sh: unknown server $s (everything filesystem stateless inspector)" >&2
		exit 2
		;;
	esac
done
if [ "$fails" -ne 0 ]; then
	echo "probe.sh: $fails check(s) failed" >&2
	exit 1
fi
echo "probe.sh: all probes answered as expected ($*)"
