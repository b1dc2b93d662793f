#!/usr/bin/env bash
# The whole test suite: install, build (hardened, -Werror), unit tests,
# integration tests on the real binaries as root and as an unprivileged
# user (setpriv), the same under ASan/UBSan, and a smoke run of each
# fuzzer. Ends with "N passed, N failed"; exit 0 only when all passed.
set -u
cd "$(dirname "$0")/.."
SRC=$(pwd)
scripts/install-deps.sh --test || exit 1
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
NOBODY=${AKSUP_TEST_UID:-65534}
pass=0 fail=0 failed=()
# A cgroup delegated to uid $NOBODY (v1 memory + pids, owned by it) that
# the unprivileged runs join: aksup's cgroup layer needs one (else it
# refuses unless --allow-degraded=cgroup; limits.sh shows both).
DELEG=()
for c in memory pids; do
	d=/sys/fs/cgroup/$c$(awk -F: -v c=$c '$2 ~ "(^|,)"c"(,|$)" {print $3}' /proc/self/cgroup)
	# one per run: two runs on one host never share (or remove) each other's
	d=${d%/}/aksup-test-$NOBODY-$$
	mkdir -p "$d" 2>/dev/null && chown "$NOBODY" "$d" "$d/cgroup.procs" && DELEG+=("$d")
done
trap 'for d in "${DELEG[@]}"; do rmdir "$d"/* "$d" 2>/dev/null; done' EXIT
delegated() {	# delegated COMMAND...: run it inside the delegated cgroup
	( for d in "${DELEG[@]}"; do echo "$BASHPID" > "$d/cgroup.procs"; done; exec "$@" )
}
skips=0 skipped=()
step() {	# step NAME COMMAND...
	local name=$1 rc n t0=$SECONDS; shift
	echo "=== $name"
	# a test that could not run here says "SKIP NAME": counted below as
	# skipped, never as passed
	"$@" 2>&1 | tee "$SKIPLOG"; rc=${PIPESTATUS[0]}
	n=$(grep -c '^SKIP ' "$SKIPLOG")
	if [ "$n" -gt 0 ]; then
		skips=$((skips + n))
		skipped+=("$name: $(grep '^SKIP ' "$SKIPLOG" | cut -d' ' -f2 | tr '\n' ' ')")
	fi
	# (the seconds each step took: where the run's time goes)
	if [ $rc -eq 0 ]; then pass=$((pass + 1)); echo "=== $name: ok ($((SECONDS - t0)) s)"
	else fail=$((fail + 1)); failed+=("$name"); echo "=== $name: FAILED ($((SECONDS - t0)) s)"; fi
}
SKIPLOG=$(mktemp /tmp/aksup-steplog.XXXXXX)

build() {	# build DIR [meson options]
	local dir=$1; shift
	local log="$dir.log"
	# quiet when it works; the compiler's words when it does not
	{ [ -d "$dir" ] || meson setup "$dir" "$@" >"$log" 2>&1; } &&
	    ninja -C "$dir" >"$log" 2>&1 || { tail -n 60 "$log"; return 1; }
}

# Binaries and data where an unprivileged user can read them.
STAGE=$(mktemp -d /tmp/aksup-test.XXXXXX)
trap 'rm -rf "$STAGE"; for d in "${DELEG[@]}"; do rmdir "$d"/* "$d" 2>/dev/null; done' EXIT
stage() {	# stage BUILDDIR NAME
	local d="$STAGE/$2"
	mkdir -p "$d/bin" "$d/src/tests"
	# every program of ours: aksup, its role binaries (a new worker's
	# too), the example agent, the bench, the test agents
	local f
	for f in "$1"/aksup "$1"/aksup-* "$1"/tests/aksup-probe \
	    "$1"/tests/aksup-audit-agent; do
		if [ -f "$f" ] && [ -x "$f" ]; then cp "$f" "$d/bin/"; fi
	done
	cp -r "$SRC/configs" "$SRC/examples" "$SRC/agent" "$d/src/"
	cp -r "$SRC/tests/data" "$SRC/tests/integration" "$SRC/tests/http" \
	    "$SRC/tests/llm" "$d/src/tests/"
	cp "$SRC/tests/lib.sh" "$d/src/tests/"
	# the MCP test peers' own files (fault-server.mjs...), never a
	# node_modules installed beside them
	mkdir -p "$d/src/tests/mcp"
	find "$SRC/tests/mcp" -maxdepth 1 -type f -exec cp {} "$d/src/tests/mcp/" \;
	chmod -R a+rX,go-w "$STAGE"	# a policy others may write is refused
}
integration() {	# integration NAME [as-nobody] [SCRIPT]
	local d="$STAGE/$1" script=${3:-run.sh}
	if [ "${2:-}" = nobody ] || [ "${2:-}" = nobody-undelegated ]; then
		[ "$2" = nobody ] && set -- "$1" "$2" "${3:-}" delegated
		${4:-} setpriv --reuid="$NOBODY" --regid="$NOBODY" --clear-groups \
		    --inh-caps=-all --bounding-set=-all \
		    env HOME=/tmp AKSUP_BIN="$d/bin" AKSUP_SRC="$d/src" \
		    ASAN_OPTIONS="${ASAN_OPTIONS:-}" \
		    bash "$d/src/tests/integration/$script"
	else
		AKSUP_BIN="$d/bin" AKSUP_SRC="$d/src" bash "$d/src/tests/integration/$script"
	fi
}

# meson install --destdir, then the installed aksup (tests/install.sh)
installed() {	# installed [nobody]
	local d="$STAGE/inst"
	if [ ! -d "$d" ]; then
		DESTDIR="$d" meson install -C build --no-rebuild --quiet || return 1
		cp "$SRC/tests/install.sh" "$SRC/tests/lib.sh" "$d/"
		chmod -R a+rX,go-w "$d"
	fi
	if [ "${1:-}" = nobody ]; then
		delegated setpriv --reuid="$NOBODY" --regid="$NOBODY" --clear-groups \
		    --inh-caps=-all --bounding-set=-all env HOME=/tmp \
		    bash "$d/install.sh" "$d" /usr/local
	else
		bash "$d/install.sh" "$d" /usr/local
	fi
}

step "build (gcc, hardened, -Werror)" build build
step "unit tests" meson test -C build --print-errorlogs
stage build plain
step "installed (meson install --destdir) as root" installed
step "installed as uid $NOBODY" installed nobody
step "integration as root" integration plain
step "integration as uid $NOBODY" integration plain nobody
step "audit integration as root" integration plain root audit.sh
step "audit integration as uid $NOBODY" integration plain nobody audit.sh
step "gate integration as root" integration plain root gate.sh
step "gate integration as uid $NOBODY" integration plain nobody gate.sh
step "mcp CLI integration as root" integration plain root mcp_cli.sh
step "mcp CLI integration as uid $NOBODY" integration plain nobody mcp_cli.sh
step "proc integration as root" integration plain root proc.sh
step "proc integration as uid $NOBODY" integration plain nobody proc.sh
step "http integration as root" integration plain root http.sh
step "http integration as uid $NOBODY" integration plain nobody http.sh
# The MCP servers mcp.sh runs (tests/mcp/README.md): installed once from
# the npm registry into a cache every test user can read (install.sh does
# nothing when its lock stamp matches), named to mcp.sh by AKSUP_MCP_DIR.
export AKSUP_MCP_DIR=${AKSUP_MCP_DIR:-/var/cache/aksup-test-mcp}
mcp_peers() {
	tests/mcp/install.sh "$AKSUP_MCP_DIR" && chmod -R a+rX,go-w "$AKSUP_MCP_DIR"
}
step "MCP test peers (tests/mcp/install.sh $AKSUP_MCP_DIR)" mcp_peers
step "mcp integration as root" integration plain root mcp.sh
step "mcp integration as uid $NOBODY" integration plain nobody mcp.sh
step "audit budget integration as root" integration plain root audit_budget.sh
step "audit budget integration as uid $NOBODY" integration plain nobody audit_budget.sh
step "placement integration as root" integration plain root placement.sh
step "placement integration as uid $NOBODY" integration plain nobody placement.sh
step "limits as root" integration plain root limits.sh
step "limits as uid $NOBODY (delegated cgroup)" integration plain nobody limits.sh
step "limits as uid $NOBODY (no cgroup: refused)" integration plain nobody-undelegated limits.sh
step "agent init and stdio as root" integration plain root agentio.sh
step "agent init and stdio as uid $NOBODY" integration plain nobody agentio.sh
step "fs worker integration as root" integration plain root fsworker.sh
step "uid ranges as root" integration plain root uids.sh
step "fs worker integration as uid $NOBODY" integration plain nobody fsworker.sh
step "rollback integration as root" integration plain root rollback.sh
step "rollback integration as uid $NOBODY" integration plain nobody rollback.sh
step "tree snapshot integration as root" integration plain root tree.sh
step "python client integration as root" integration plain root pyclient.sh
step "python client integration as uid $NOBODY" integration plain nobody pyclient.sh
step "tree snapshot integration as uid $NOBODY" integration plain nobody tree.sh
step "llm integration as root" integration plain root llm.sh
step "llm integration as uid $NOBODY" integration plain nobody llm.sh
step "built-in agent integration as root" integration plain root agent.sh
step "built-in agent integration as uid $NOBODY" integration plain nobody agent.sh
# The six benchmarks: the figures are printed, not asserted; the exit
# status asserts zero errors and the exact record counts (400/400 ...).
bench() {	# bench [nobody]
	local b="$STAGE/plain/bin/aksup-bench"
	if [ "${1:-}" = nobody ]; then
		delegated setpriv --reuid="$NOBODY" --regid="$NOBODY" --clear-groups \
		    --inh-caps=-all --bounding-set=-all \
		    env HOME=/tmp TMPDIR=/tmp "$b"
	else
		"$b"
	fi
}
step "benchmarks (aksup-bench) as root" bench
step "benchmarks (aksup-bench) as uid $NOBODY" bench nobody

# The sandbox suite: each role's profile attacked from inside, the docs'
# table against /proc, fail-closed. It needs the test-only switches
# (-Dtest_hooks=true), which a default build never has.
sandbox() {	# sandbox NAME [nobody]
	local d="$STAGE/$1"
	if [ "${2:-}" = nobody ]; then
		delegated setpriv --reuid="$NOBODY" --regid="$NOBODY" --clear-groups \
		    --inh-caps=-all --bounding-set=-all \
		    env HOME=/tmp AKSUP_BIN="$d/bin" AKSUP_SRC="$d/src" \
		    bash "$d/src/tests/sandbox/run.sh"
	else
		AKSUP_BIN="$d/bin" AKSUP_SRC="$d/src" bash "$d/src/tests/sandbox/run.sh"
	fi
}
stage_hooks() {
	local d="$STAGE/hooks"
	stage build-hooks hooks
	mkdir -p "$d/src/docs"
	cp build-hooks/tests/aksup-sbprobe "$d/bin/"
	cp -r "$SRC/tests/sandbox" "$d/src/tests/"
	cp "$SRC/docs/SANDBOX.md" "$SRC/docs/ARCHITECTURE.md" "$d/src/docs/"
	chmod -R a+rX "$d"
	# T10: a setuid-root program the agent may run (made as root)
	install -m 4755 build-hooks/tests/aksup-sbprobe "$d/bin/aksup-sbprobe-suid"
}
step "build (test hooks)" build build-hooks -Dtest_hooks=true
stage_hooks
step "sandbox as root" sandbox hooks
step "sandbox as uid $NOBODY" sandbox hooks nobody

step "build (ASan+UBSan)" build build-asan -Db_sanitize=address,undefined \
    -Db_lundef=false -Dbuildtype=debug
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# Leak checking needs ptrace, which no sandboxed process may use.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
step "unit tests (ASan+UBSan)" meson test -C build-asan --print-errorlogs
stage build-asan asan
step "integration as root (ASan+UBSan)" integration asan
step "integration as uid $NOBODY (ASan+UBSan)" integration asan nobody
step "fs worker integration as root (ASan+UBSan)" integration asan root fsworker.sh
step "fs worker integration as uid $NOBODY (ASan+UBSan)" integration asan nobody fsworker.sh
step "rollback integration as root (ASan+UBSan)" integration asan root rollback.sh
step "rollback integration as uid $NOBODY (ASan+UBSan)" integration asan nobody rollback.sh
step "tree snapshot integration as root (ASan+UBSan)" integration asan root tree.sh
step "tree snapshot integration as uid $NOBODY (ASan+UBSan)" integration asan nobody tree.sh
step "http integration as root (ASan+UBSan)" integration asan root http.sh
step "http integration as uid $NOBODY (ASan+UBSan)" integration asan nobody http.sh
step "mcp integration as root (ASan+UBSan)" integration asan root mcp.sh
step "mcp integration as uid $NOBODY (ASan+UBSan)" integration asan nobody mcp.sh
step "llm integration as root (ASan+UBSan)" integration asan root llm.sh
step "built-in agent integration as root (ASan+UBSan)" integration asan root agent.sh
# (ASan's own defaults for the fuzzers: leak checking on)
unset ASAN_OPTIONS

# Undefined behaviour ends the run: the sanitizer builds have
# -fno-sanitize-recover=all, UBSAN_OPTIONS stays exported for the fuzzers,
# and nothing of their output is filtered away: a fuzzer that exits non-zero
# or printed a "runtime error" fails the step, with its log shown.
# One fuzzer for FUZZ_SECONDS on a copy of its corpus; its log in
# $STAGE/fuzz_NAME.log. Fails on a finding or a "runtime error".
fuzz_one() {	# fuzz_one NAME
	local f=$1 tmp log rc=0
	tmp=$(mktemp -d)
	log="$STAGE/fuzz_$f.log"
	cp -r "fuzz/corpus/$f/." "$tmp/"
	if ! build-fuzz/fuzz/fuzz_$f -max_total_time="$FUZZ_SECONDS" \
	    -print_final_stats=1 "$tmp" >"$log" 2>&1 ||
	    grep -q 'runtime error' "$log"; then
		rc=1
	fi
	rm -rf "$tmp"
	return $rc
}
# Two at a time (the machine's two cores; nothing else runs now).
fuzz_smoke() {
	local f rc=0 pids=() names=() i
	for f in request policy path url logline wire verify b64 proc http \
	    mcp mcp_pins snapshot llm agentcfg agent_tools; do
		echo "fuzz_$f: ${FUZZ_SECONDS}s"
		fuzz_one "$f" & pids+=($!); names+=("$f")
		[ ${#pids[@]} -lt 2 ] && continue
		for i in "${!pids[@]}"; do
			wait "${pids[$i]}" || { rc=1; tail -n 60 "$STAGE/fuzz_${names[$i]}.log"; }
			grep -E '^stat::number_of_executed_units' "$STAGE/fuzz_${names[$i]}.log"
		done
		pids=() names=()
	done
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || { rc=1; tail -n 60 "$STAGE/fuzz_${names[$i]}.log"; }
		grep -E '^stat::number_of_executed_units' "$STAGE/fuzz_${names[$i]}.log"
	done
	return $rc
}
step "build fuzzers (clang, libFuzzer)" env CC=clang bash -c \
    '{ [ -d build-fuzz ] || meson setup build-fuzz -Dfuzz=true -Dtests=false -Db_lundef=false >/dev/null; } && ninja -C build-fuzz >/dev/null'
step "fuzz smoke runs" fuzz_smoke

echo
rm -f "$SKIPLOG"
[ $fail -eq 0 ] || echo "failed steps: ${failed[*]}"
for x in "${skipped[@]}"; do echo "skipped in $x"; done
# steps passed and failed; tests skipped (inside the steps)
echo "$pass passed, $fail failed, $skips skipped"
[ $fail -eq 0 ]
