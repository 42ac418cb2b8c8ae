#!/bin/sh
# run.sh - run every test and print one total line
#
# Unit tests: each build/tests/test_* (cmocka) program.  Then the same
# unit tests under ASan+UBSan and valgrind (tests/sanitize.sh), and the
# integration tests: tests/integration/*/run.sh and tests/cli/*.sh, which print
# "PASS: name", "FAIL: name: why" or "SKIP: name: why" per assertion.
# The last line is "N passed, N failed, N skipped"; exit status 1 when
# anything failed.
#
# Usage: tests/run.sh [--unit-only]

cd "$(dirname "$0")/.." || exit 2
top=$(pwd)
pass=0 fail=0 skip=0
log=${TMPDIR:-/tmp}/relayhint-tests.$$
mkdir -p "$log"
trap 'rm -rf "$log"' EXIT

count_cmocka() {	# file -> adds to totals
	p=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test(s)\./\1/p' "$1" | awk '{s+=$1} END {print s+0}')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test(s), listed below:/\1/p' "$1" | awk '{s+=$1} END {print s+0}')
	s=$(sed -n 's/^\[  SKIPPED \] \([0-9][0-9]*\) test(s), listed below:/\1/p' "$1" | awk '{s+=$1} END {print s+0}')
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
}

count_lines() {		# file -> adds to totals
	p=$(grep -c '^PASS: ' "$1"); f=$(grep -c '^FAIL: ' "$1"); s=$(grep -c '^SKIP: ' "$1")
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
}

echo "== unit tests"
for t in build/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	if "$t" > "$log/$name.out" 2>&1; then rc=0; else rc=$?; fi
	before=$fail
	count_cmocka "$log/$name.out"
	if [ $rc -ne 0 ] && [ $fail -eq $before ]; then
		# crashed or failed without a cmocka summary
		fail=$((fail + 1))
		echo "FAIL: $name exited $rc without a summary"
	fi
	if [ $rc -ne 0 ]; then cat "$log/$name.out"; else
		tail -n 1 "$log/$name.out" | sed "s/^/$name: /"; fi
done

if [ "$1" != "--unit-only" ]; then
	for t in tests/sanitize.sh tests/cli/*.sh tests/integration/*/run.sh; do
		[ -f "$t" ] || continue
		echo "== $t"
		start=$(date +%s)
		if sh "$t" > "$log/it.out" 2>&1; then rc=0; else rc=$?; fi
		cat "$log/it.out"
		before=$fail
		count_lines "$log/it.out"
		if [ $rc -ne 0 ] && [ $fail -eq $before ]; then
			fail=$((fail + 1))
			echo "FAIL: $t exited $rc without a FAIL line"
		fi
		echo "   ($t took $(( $(date +%s) - start ))s)"
	done
fi

echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
