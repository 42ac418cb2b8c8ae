# tap.sh - the PASS/FAIL/SKIP lines of every test script (sourced)
#
# tests/run.sh counts "PASS: name", "FAIL: name: why" and "SKIP: name: why"
# lines.  A skip is a failure in CI (CI=true): there every part can run.
# fails (and NFAIL) count failures for the script's exit status; NPASS and
# NSKIP count the rest.  ok/bad are the same as pass/fail.
#
#   . tests/lib/tap.sh          (from the top of the tree)
#   pass NAME | fail NAME WHY | skip NAME WHY | check NAME COMMAND...

fails=0 NPASS=0 NFAIL=0 NSKIP=0

pass() { echo "PASS: $1"; NPASS=$((NPASS + 1)); }
fail() { echo "FAIL: $1: $2"; fails=$((fails + 1)); NFAIL=$((NFAIL + 1)); }
skip() {
	if [ "${CI:-}" = true ]; then fail "$1" "$2 (CI=true: not skipped)"
	else echo "SKIP: $1: $2"; NSKIP=$((NSKIP + 1)); fi
}
ok() { pass "$@"; }
bad() { fail "$@"; }
# check NAME COMMAND... - PASS when COMMAND succeeds
check() {
	_tap_name=$1; shift
	if "$@"; then pass "$_tap_name"; else fail "$_tap_name" "command failed: $*"; fi
}
