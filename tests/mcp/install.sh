#!/usr/bin/env bash
# install.sh DIR: install the MCP test peers pinned by package-lock.json into
# DIR/node_modules (npm ci, no install scripts), and copy the files that must
# sit beside node_modules (package.json, package-lock.json, stateless-server.mjs,
# rpc.mjs: an ES module resolves its imports from its own directory upwards).
#
# Idempotent: DIR/node_modules/.aksup-mcp-stamp holds the sha256 of
# package.json + package-lock.json; when it matches and the pinned packages are
# present, nothing is installed. Prints one line saying what it did and how long
# it took; on failure exits non-zero with npm's last lines on stderr.
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$1"
dir=$(cd "$1" && pwd)
stamp="$dir/node_modules/.aksup-mcp-stamp"
t0=$EPOCHREALTIME

elapsed() {
	local t1=$EPOCHREALTIME
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1fs", b - a }'
}

if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
	echo "install.sh: node and npm are needed (node >= 20)" >&2
	exit 1
fi

want=$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -c1-64)

# The helper files are always refreshed: cheap, and they may change without
# the lock changing.
for f in stateless-server.mjs rpc.mjs; do
	if [ "$here" != "$dir" ]; then
		cp -f "$here/$f" "$dir/$f"
	fi
done

pinned_present() {
	local p
	for p in inspector server server-everything server-filesystem; do
		[ -f "$dir/node_modules/@modelcontextprotocol/$p/package.json" ] || return 1
	done
}

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && pinned_present; then
	echo "mcp peers: up to date in $dir/node_modules (lock ${want:0:12}), nothing installed, $(elapsed)"
	exit 0
fi

if [ "$here" != "$dir" ]; then
	cp -f "$here/package.json" "$here/package-lock.json" "$dir/"
fi

log=$(mktemp "${TMPDIR:-/tmp}/aksup-mcp-npm.XXXXXX")
trap 'rm -f "$log"' EXIT
# engine-strict=false: the inspector declares node >= 22.19 but its CLI runs
# on node 20 (npm only warns, EBADENGINE); a user config must not turn that
# warning into a failure.
if ! (cd "$dir" && npm_config_update_notifier=false npm ci --ignore-scripts --no-audit --no-fund \
	--engine-strict=false) >"$log" 2>&1; then
	echo "install.sh: npm ci failed in $dir after $(elapsed); its error lines:" >&2
	# npm's own reason comes first; a usage text may follow it.
	grep -v -e 'EBADENGINE' -e '^npm error *$' "$log" | grep -m 12 '' >&2 || true
	echo "  ..." >&2
	tail -n 3 "$log" >&2
	exit 1
fi
if ! pinned_present; then
	echo "install.sh: npm ci succeeded but a pinned package is missing from $dir/node_modules" >&2
	tail -n 25 "$log" >&2
	exit 1
fi
printf '%s\n' "$want" >"$stamp"

added=$(grep -oE 'added [0-9]+ packages?' "$log" | tail -n 1 || true)
size=$(du -sh "$dir/node_modules" 2>/dev/null | cut -f1)
echo "mcp peers: npm ci ${added:-done} into $dir/node_modules ($size, lock ${want:0:12}) in $(elapsed)"
