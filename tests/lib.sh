# tests/lib.sh -- what the shell suites share (integration/run.sh,
# integration/audit.sh, sandbox/run.sh): sourced, not run.
#
#   check DESCRIPTION COMMAND...   run COMMAND; say DESCRIPTION if it fails
#   skip REASON                    say why a test cannot run here; returns 77
#   run_one NAME COMMAND...        count one test as passed, failed, or
#                                  skipped (COMMAND returned 77)
#   finish                         the closing "N passed, N failed,
#                                  N skipped" line

pass=0 fail=0 skip_count=0 failed_names=() skip_names=()

note() { printf '    %s\n' "$*"; }

check() {	# check DESCRIPTION COMMAND...
	local d=$1; shift
	if "$@"; then return 0; fi
	note "FAILED: $d"
	return 1
}

skip() {	# skip REASON; in a test: `skip "why"; return` (returns 77)
	note "skipped: $*"
	return 77
}

run_one() {	# run_one NAME COMMAND...
	local n=$1 rc; shift
	"$@"; rc=$?
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1)); echo "PASS $n"
	elif [ $rc -eq 77 ]; then
		skip_count=$((skip_count + 1)); skip_names+=("$n"); echo "SKIP $n"
	else
		fail=$((fail + 1)); failed_names+=("$n"); echo "FAIL $n"
	fi
}

finish() {
	[ $fail -eq 0 ] || echo "failed: ${failed_names[*]}"
	[ $skip_count -eq 0 ] || echo "skipped: ${skip_names[*]}"
	echo "$pass passed, $fail failed, $skip_count skipped"
	[ $fail -eq 0 ]
}
