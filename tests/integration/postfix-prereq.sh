# tests/integration/postfix-prereq.sh - the common part of the integration
# tests that run relayhint-milter behind a PRIVATE Postfix instance
# (tests/integration/postfix/run.sh, tests/integration/load/run.sh).
#
# Sourced, not run, by a tests/integration/*/run.sh that has set name
# (the test's name in PASS/FAIL/SKIP lines); sets here (the caller's
# directory) and top (the checkout), then the caller calls
#
#   pflab_prereq   SKIP when not root or not Debian (with CI=true: FAIL),
#                  FAIL when libmilter-dev is installed but
#                  build/relayhint-milter is missing; installs what is
#                  missing of postfix, libsasl2-modules, openssl and
#                  python3 - Debian's postfix with debconf "No
#                  configuration", so no system instance is configured
#                  or started, and never at the price of removing a
#                  package; sets py.
#   pflab_run TAG PROGRAM SECONDS
#                  runs "$py $here/PROGRAM WORKDIR $top" with WORKDIR a
#                  fresh /var/tmp/TAG.XXXXXX, bounded by SECONDS (a
#                  timeout is a FAIL line), then removes WORKDIR (KEEP=1
#                  keeps it) and stops a Postfix a killed program left
#                  running there; exits with the program's status.
#
# Kept in one place so that the two tests install, skip and clean up
# alike; the program (tests/integration/pflab.py underneath) builds the
# instance, and the system's own /etc/postfix is neither read nor changed.

# shellcheck shell=sh
# shellcheck disable=SC2154 # name is set by the caller
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)

skip() {
	if [ "${CI:-}" = true ]; then
		echo "FAIL: $name: $1"
		exit 1
	fi
	echo "SKIP: $name: $1"
	exit 0
}

pflab_prereq() {
	[ "$(id -u)" -eq 0 ] || skip "not root (installs and runs a private Postfix)"
	command -v dpkg-query >/dev/null 2>&1 || skip "not a Debian system (no dpkg-query)"

	if [ ! -x "$top/build/relayhint-milter" ]; then
		if pkg-config --exists milter 2>/dev/null; then
			echo "FAIL: $name: build/relayhint-milter is missing (run make)"
			exit 1
		fi
		skip "libmilter-dev is not installed, relayhint-milter was not built"
	fi

	# packages: install only what is missing, never by removing anything
	need=""
	for p in postfix libsasl2-modules openssl python3; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			need="$need $p"
	done
	if [ -n "$need" ]; then
		export DEBIAN_FRONTEND=noninteractive
		echo "postfix postfix/main_mailer_type select No configuration" |
			debconf-set-selections 2>/dev/null
		# shellcheck disable=SC2086
		if ! timeout 120 apt-get -s install --no-install-recommends $need >/dev/null 2>&1; then
			timeout 180 apt-get update -q >/dev/null 2>&1
		fi
		# shellcheck disable=SC2086
		if timeout 120 apt-get -s install --no-install-recommends $need 2>/dev/null | grep -q '^Remv '; then
			skip "installing$need would remove packages (another MTA?)"
		fi
		# shellcheck disable=SC2086
		timeout 300 apt-get -o DPkg::Lock::Timeout=120 install -y -q \
		    --no-install-recommends $need >/dev/null 2>&1 ||
			skip "cannot install:$need"
	fi

	py=/usr/bin/python3
	[ -x "$py" ] || py=$(command -v python3)
}

pflab_cleanup() {
	# normally the program has cleaned up; this is for a killed run
	if [ -f "$W/spool/pid/master.pid" ]; then
		postfix -c "$W/etc" stop >/dev/null 2>&1 ||
			kill "$(sed 's/ //g' "$W/spool/pid/master.pid")" 2>/dev/null
	fi
	if [ -n "${pid:-}" ]; then
		kill -TERM "$pid" 2>/dev/null
	fi
	if [ "${KEEP:-}" = 1 ]; then
		echo "# work directory kept: $W"
	else
		rm -rf "$W"
	fi
}

pflab_run() {
	W=$(mktemp -d "/var/tmp/$1.XXXXXX") || skip "mktemp failed"
	chmod 755 "$W"
	trap pflab_cleanup EXIT
	trap 'exit 2' INT TERM HUP

	# the whole run is bounded; the program bounds each wait on its own
	timeout -k 15 "$3" "$py" "$here/$2" "$W" "$top" &
	pid=$!
	wait "$pid"
	rc=$?
	pid=
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		echo "FAIL: $name: timed out after $3 s"
		rc=1
	fi
	exit $rc
}
