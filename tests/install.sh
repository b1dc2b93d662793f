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
	local ok=0 pc v
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
	# the protocol version of the installed header, printed
	v=$(sed -n 's/^#define AKSUP_PROTOCOL_VERSION[[:space:]]*//p' \
	    "$(find "$ROOT" -name client.h | head -1)")
	check "and runs (version $v)" bash -c '[ -n "$2" ] && "$1" 3>&- | grep -qx "$2"' _ "$T/c" "$v" || ok=1
	return $ok
}

t_docs() {
	local ok=0 m
	for m in aksup aksup-run aksup-submit aksup-log aksup-validate-policy aksup-policy aksup-bench aksup-rollback aksup-snapshots; do
		check "man page $m" [ -s "$ROOT/share/man/man1/$m.1" ] || ok=1
	done
	check "the docs, beside README.md as in the tree" [ -s "$ROOT/share/doc/aksup/docs/PROTOCOL.md" ] && [ -s "$ROOT/share/doc/aksup/README.md" ] || ok=1
	check "bash completion parses" bash -n "$ROOT/share/bash-completion/completions/aksup" || ok=1
	check "completes the subcommands" bash -c '. "$1"; COMP_WORDS=(aksup ru); COMP_CWORD=1; _aksup; [ "${COMPREPLY[*]}" = run ]' _ "$ROOT/share/bash-completion/completions/aksup" || ok=1
	return $ok
}

# The systemd unit template runs what it says: its ExecStart, expanded as
# systemd would from an instance's environment file (the log in a temp
# directory instead of /var/log/aksup, the installed aksup instead of
# /usr/local/bin's).
t_systemd_unit() {
	local ok=0 unit line rc
	unit=$ROOT/lib/systemd/system/aksup@.service
	check "the unit is installed" [ -s "$unit" ] || return 1
	line=$(sed -n 's/^ExecStart=//p' "$unit")
	check "it runs this prefix's aksup run ($line)" bash -c '[[ "$1" == "$2/bin/aksup run --policy \${AKSUP_POLICY} "* ]]' _ "$line" "$PREFIX" || ok=1
	AKSUP_POLICY=$ROOT/share/aksup/restrictive.yaml
	AKSUP_OPTIONS="--timeout 60"
	AKSUP_AGENT=$ROOT/libexec/aksup/aksup-example-agent
	line=${line//%i/inst-test}
	line=${line//\/var\/log\/aksup/$T}
	line=${line//$PREFIX\/bin\/aksup/$AKSUP}
	line=${line//\$\{AKSUP_POLICY\}/$AKSUP_POLICY}
	line=${line//\$AKSUP_OPTIONS/$AKSUP_OPTIONS}
	line=${line//\$AKSUP_AGENT/$AKSUP_AGENT}
	# shellcheck disable=SC2086
	$line >"$T/uout" 2>"$T/uerr"; rc=$?
	check "its session runs ($rc: $(tail -1 "$T/uerr"))" [ $rc -eq 0 ] || ok=1
	check "into the instance's log" [ -s "$T/inst-test.log" ] || ok=1
	if command -v systemd-analyze >/dev/null 2>&1; then
		# (its binary is in DESTDIR, not where the unit names it)
		systemd-analyze verify --man=no "$unit" 2>&1 |
		    grep -v "is not executable" > "$T/verify"
		check "systemd-analyze verify ($(head -3 "$T/verify"))" [ ! -s "$T/verify" ] || ok=1
	else
		note "(no systemd-analyze here: the unit's syntax is not checked by systemd)"
	fi
	return $ok
}

for t in version session client_library docs systemd_unit; do
	run_one "$t" "t_$t"
done
finish
