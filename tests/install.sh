#!/usr/bin/env bash
# tests/install.sh -- the installed aksup works: what `meson install
# --destdir D` put under D (run by scripts/test.sh as root and as an
# unprivileged user): the roles found in libexec, a session of the
# installed example agent under the installed policy, the log verified,
# the client library built against through its pkg-config file, the man
# pages, the completion.
#   tests/install.sh DESTDIR PREFIX
# Prints "N passed, N failed, N skipped" last.
set -u
D=${1:?destdir} PREFIX=${2:?prefix}
. "$(dirname "$0")/lib.sh"
ROOT=$D$PREFIX
AKSUP=$ROOT/bin/aksup
T=$(mktemp -d /tmp/aksup-inst.XXXXXX)
trap 'rm -rf "$T"' EXIT

t_version() {
	check "aksup version ($("$AKSUP" version 2>&1))" bash -c '"$1" version | grep -q "^aksup "' _ "$AKSUP"
}

t_session() {
	local ok=0 rc
	"$AKSUP" run --policy "$ROOT/share/aksup/restrictive.yaml" --log-path "$T/log" \
	    -- "$ROOT/libexec/aksup/aksup-example-agent" >"$T/out" 2>"$T/err"; rc=$?
	check "the installed example agent runs ($rc: $(tail -2 "$T/err"))" [ $rc -eq 0 ] || ok=1
	check "every way around the broker closed" grep -q "RESULT: every way around the broker was closed" "$T/out" || ok=1
	"$AKSUP" log verify --log-path "$T/log" >"$T/v" 2>&1
	check "the installed aksup-log verifies it ($(tail -1 "$T/v"))" grep -q "^OK:" "$T/v" || ok=1
	return $ok
}

t_client_library() {
	local ok=0 pc
	pc=$(find "$ROOT" -name aksup-client.pc | head -1)
	check "pkg-config file installed" [ -n "$pc" ] || return 1
	cat > "$T/c.c" <<'C'
#include <stdio.h>
#include <client.h>
int main(void) { printf("%d\n", AKSUP_PROTOCOL_VERSION); return aksup_channel() >= 0; }
C
	# the .pc names the prefix it was configured for: point it at D
	cc -o "$T/c" "$T/c.c" $(PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR=$D \
	    pkg-config --cflags --libs --static aksup-client) 2>"$T/err"
	check "a program builds against it ($(head -c 200 "$T/err"))" [ -x "$T/c" ] || ok=1
	check "and runs" bash -c '"$1" 3>&- | grep -qx 2' _ "$T/c" || ok=1
	return $ok
}

t_docs() {
	local ok=0 m
	for m in aksup aksup-run aksup-submit aksup-log aksup-validate-policy aksup-policy aksup-bench; do
		check "man page $m" [ -s "$ROOT/share/man/man1/$m.1" ] || ok=1
	done
	check "the docs" [ -s "$ROOT/share/doc/aksup/PROTOCOL.md" ] || ok=1
	check "bash completion parses" bash -n "$ROOT/share/bash-completion/completions/aksup" || ok=1
	check "completes the subcommands" bash -c '. "$1"; COMP_WORDS=(aksup ru); COMP_CWORD=1; _aksup; [ "${COMPREPLY[*]}" = run ]' _ "$ROOT/share/bash-completion/completions/aksup" || ok=1
	return $ok
}

for t in version session client_library docs; do
	run_one "$t" "t_$t"
done
finish
