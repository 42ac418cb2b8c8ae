#!/bin/sh
# tests/integration/postfix/run.sh - relayhint-milter against a real Postfix
#
# Installs Debian's postfix (debconf "No configuration", so no system
# instance is configured or started) when root and missing, then runs
# pfxtest.py, which builds a PRIVATE Postfix instance under a fresh
# directory in /var/tmp (own config, queue and data directories, loopback
# ports chosen at run time), a fake Microsoft 365 server and the milter.
# The system's own /etc/postfix is neither read nor changed.  The milter
# is in non_smtpd_milters (Postfix's own bounces) and smtpd_milters
# (Microsoft NDRs received over SMTP, and ordinary mail that must pass
# untouched); see pfxtest.py.
#
# Output: one "PASS: name", "FAIL: name: why" or "SKIP: name: why" line
# per assertion (SKIP only when not root or the packages cannot be
# installed; with CI=true those print FAIL).  Exit 0 when nothing failed.
#
# Environment: KEEP=1 keeps the work directory for inspection;
# RELAYHINT_QUICK=1 leaves out the ~80 s soft-bounce/expiry phase.

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
name=postfix-integration

skip() {
	if [ "${CI:-}" = true ]; then
		echo "FAIL: $name: $1"
		exit 1
	fi
	echo "SKIP: $name: $1"
	exit 0
}

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

W=$(mktemp -d /var/tmp/relayhint-postfix.XXXXXX) || skip "mktemp failed"
chmod 755 "$W"

cleanup() {
	# normally pfxtest.py has cleaned up; this is for a killed run
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
trap cleanup EXIT
trap 'exit 2' INT TERM HUP

# the whole run is bounded; pfxtest.py bounds each wait on its own
timeout -k 15 360 "$py" "$here/pfxtest.py" "$W" "$top" &
pid=$!
wait "$pid"
rc=$?
pid=
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
	echo "FAIL: $name: timed out after 360 s"
	rc=1
fi
exit $rc
