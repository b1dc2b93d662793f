# tests/lib.sh -- what the shell suites share (integration/run.sh,
# integration/audit.sh, sandbox/run.sh): sourced, not run.
#
#   check DESCRIPTION COMMAND...   run COMMAND; say DESCRIPTION if it fails
#   run_one NAME COMMAND...        count one test as passed or failed
#   finish                         the closing "N passed, N failed" line

pass=0 fail=0 failed_names=()

note() { printf '    %s\n' "$*"; }

check() {	# check DESCRIPTION COMMAND...
	local d=$1; shift
	if "$@"; then return 0; fi
	note "FAILED: $d"
	return 1
}

run_one() {	# run_one NAME COMMAND...
	local n=$1; shift
	if "$@"; then
		pass=$((pass + 1)); echo "PASS $n"
	else
		fail=$((fail + 1)); failed_names+=("$n"); echo "FAIL $n"
	fi
}

finish() {
	[ $fail -eq 0 ] || echo "failed: ${failed_names[*]}"
	echo "$pass passed, $fail failed"
	[ $fail -eq 0 ]
}
