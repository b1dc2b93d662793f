#!/usr/bin/env bash
# tests/integration/limits.sh -- per-session limits (the cgroup layer):
# memory (memfd, SysV shm) and pids bounded per session, the limits named
# in session_start, refusal where no cgroup can be had. Runs as root and
# as an unprivileged user: with a delegated cgroup (scripts/test.sh makes
# one for uid 65534) every test runs; without one only the refusal does.
set -u
BIN=${AKSUP_BIN:?set AKSUP_BIN}
AKSUP="$BIN/aksup"
T=$(mktemp -d /tmp/aksup-lim.XXXXXX)
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/../lib.sh"
skip=0

printf 'capabilities: []\n' > "$T/p.yaml"
cat > "$T/forks.pl" <<'PL'
my $n = 0;
for (1 .. $ARGV[0]) {
	my $p = fork();
	last unless defined $p;
	if ($p == 0) { sleep 5; exit 0 }
	$n++;
}
print "forked $n\n";
PL
cat > "$T/memfd.py" <<'PY'
import os, sys
fd = os.memfd_create("x")
b = b"x" * (1 << 20)
n = 0
try:
    for i in range(int(sys.argv[1])):
        os.write(fd, b)
        n += 1
except OSError as e:
    print("error", e)
print("wrote", n, "MiB", flush=True)
PY
cat > "$T/shm.pl" <<'PL'
use IPC::SysV qw(IPC_PRIVATE IPC_CREAT S_IRWXU);
my $mib = 1 << 20;
my $id = shmget(IPC_PRIVATE, $ARGV[0] * $mib, IPC_CREAT | S_IRWXU);
defined $id or die "shmget: $!";
my $b = "x" x $mib;
$| = 1;
my $n = 0;
for (0 .. $ARGV[0] - 1) { shmwrite($id, $b, $_ * $mib, $mib) or last; $n++ }
print "wrote $n MiB\n";
PL
chmod 644 "$T"/*

run() { "$AKSUP" run --policy "$T/p.yaml" --log-path "$T/log" "$@"; }

# Can this user have a cgroup here? (root: yes where the controllers are)
have_cgroup() {
	run -- /bin/true 2> "$T/probe-err"
}

t_pids() {
	local out
	out=$(run --pids-max 16 --ro "$T/forks.pl" -- /usr/bin/perl "$T/forks.pl" 40)
	note "$out"
	check "at most 15 children under --pids-max 16" \
	    [ "${out#forked }" -lt 16 ] 2>/dev/null
}

t_memfd() {
	local out rc
	out=$(run --memory-max 64M --ro "$T/memfd.py" -- /usr/bin/python3 "$T/memfd.py" 256); rc=$?
	note "rc $rc: $out"
	check "the agent ran and was stopped (OOM kill or ENOMEM)" \
	    bash -c '[ "$1" = 137 ] || grep -q "^error" <<< "$2"' _ "$rc" "$out" &&
	check "256 MiB of memfd not written under --memory-max 64M" \
	    bash -c '! grep -q "wrote 256 MiB" <<< "$1"' _ "$out" &&
	check "session ended and recorded" \
	    [ "$(jq -r 'select(.type=="session_end") | .type' "$T/log" | tail -1)" = session_end ]
}

t_shm() {
	local out rc
	out=$(run --memory-max 64M --ro "$T/shm.pl" -- /usr/bin/perl "$T/shm.pl" 256 2>&1); rc=$?
	note "rc $rc: $out"
	# SysV IPC is not on the agent's seccomp allow-list (ENOSYS); were
	# it allowed, the cgroup would stop the writer (OOM kill, 137).
	check "SysV shm refused by the filter or the agent stopped by the cgroup" \
	    bash -c '[ "$1" = 137 ] || grep -q "^wrote" <<< "$2" ||
	        grep -q "^shmget: Function not implemented" <<< "$2"' _ "$rc" "$out" &&
	check "256 MiB of SysV shm not written under --memory-max 64M" \
	    bash -c '! grep -q "wrote 256 MiB" <<< "$1"' _ "$out"
}

t_start_names_limits() {
	run --memory-max 64M --pids-max 32 -- /bin/true &&
	check "session_start names the cgroup and its limits" \
	    [ "$(jq -c 'select(.type=="session_start") | .layers[-2:]' "$T/log" | tail -1)" = \
	    '["cgroup","cgroup-v1:memory=67108864:pids=32"]' ]
}

t_bad_values() {
	local v ok=0
	for v in "--memory-max 0" "--memory-max 12Q" "--memory-max 1K" \
	    "--pids-max 0" "--pids-max x"; do
		# shellcheck disable=SC2086
		run $v -- /bin/true 2>/dev/null
		check "$v: usage error 2" [ $? -eq 2 ] || ok=1
	done
	return $ok
}

t_refused() {	# no cgroup for this user: refused unless waived
	local rc
	run -- /bin/true 2> "$T/err"; rc=$?
	check "refused (rc $rc)" [ $rc -eq 1 ] &&
	check "names the layer" grep -q "refusing to start: the cgroup layer" "$T/err" &&
	run --allow-degraded=cgroup -- /bin/true 2>/dev/null &&
	check "waived: recorded" \
	    [ "$(jq -c 'select(.type=="session_start") | .waived' "$T/log" | tail -1)" = '["cgroup"]' ]
}

if have_cgroup; then
	if grep -q 'cgroup-v1' "$T/log"; then
		echo "SKIP cgroup-v2 limits: no cgroup v2 controllers on this host"
		skip=$((skip + 1))
	fi
	run_one pids_max t_pids
	run_one memfd_bounded t_memfd
	run_one sysv_shm_bounded t_shm
	run_one session_start_names_limits t_start_names_limits
	run_one bad_limit_values t_bad_values
else
	note "$(cat "$T/probe-err")"
	for n in pids_max memfd_bounded sysv_shm_bounded session_start_names_limits; do
		echo "SKIP $n: no cgroup delegated to uid $(id -u)"
		skip=$((skip + 1))
	done
	run_one refused_without_cgroup t_refused
fi
echo "$skip skipped"
finish
