#!/bin/sh
# tests/integration/deb/run.sh - the Debian packages, installed and purged
#
# Builds the three packages of debian/ (make deb, into build/deb/; a build
# is reused while the source tree hashes the same, see deb_hash), checks
# lintian, hardening-check and the units' systemd-analyze exposure on
# them, installs relayhint and
# relayhint-milter with apt on this machine, checks that the files are
# where README.Debian says and that the installed command, configuration
# and unit work: relayhint check, relayhint-milter -n, the milter started
# from the unit's ExecStart line (systemd when it is PID 1, otherwise run
# directly as the unit's User=), and a private Postfix instance with the
# postconf lines of README.Debian getting a bounce enriched through it
# (debtest.py).  relayhint-exim is installed with --force-depends (its
# exim4-daemon-heavy would replace Postfix) and purged at once.  Then
# apt-get purge must leave nothing: no package files, no relayhint paths
# in /etc, /usr, /lib or /var beyond those there before (the system user
# relayhint stays, as README.Debian says).
#
# Run under the integration lock; takes the apt lock
# (/tmp/relayhint-apt.lock) from install to purge so that no other apt
# run sees relayhint-exim's missing dependency.  The system's
# /etc/postfix/main.cf must be byte-identical afterwards.
#
# Output: PASS/FAIL/SKIP lines; SKIP only when not root or not Debian
# (with CI=true those FAIL).  KEEP=1 keeps the Postfix work directory.

name=deb
# shellcheck disable=SC2154 # here, top, py: set by postfix-prereq.sh
# shellcheck source=tests/integration/postfix-prereq.sh
. "$(dirname "$0")/../postfix-prereq.sh"
pflab_prereq
cd "$top" || exit 2

pass() { echo "PASS: $name: $1"; }
fail() { echo "FAIL: $name: $1"; failed=1; }
check() {	# NAME COMMAND... - PASS when COMMAND succeeds
	n=$1; shift
	if "$@" >/dev/null 2>&1; then pass "$n"; else fail "$n: '$*' failed"; fi
}
failed=0
t0=$(date +%s)
step() { echo "# [$(( $(date +%s) - t0 ))s] $1"; }

# ---------------------------------------------------------------- build
need=""
for p in dpkg-dev debhelper devscripts lintian exim4-dev; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		need="$need $p"
done
if [ -n "$need" ]; then
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive timeout 300 flock -w 300 /tmp/relayhint-apt.lock \
	    apt-get -o DPkg::Lock::Timeout=120 install -y -q --no-install-recommends $need \
	    >/dev/null 2>&1 || skip "cannot install:$need"
fi

# the files make deb copies (same excludes), with times and owners left
# out: what the packages are built from.  Not tests/: built with nocheck,
# the packages do not depend on it, and editing a test must not cost a
# package build.
deb_hash() {
	tar -cf - --exclude=./build --exclude='./build*' --exclude=./.git \
	    --exclude=./tests --exclude=__pycache__ --sort=name --mtime=@0 --owner=0 --group=0 \
	    --numeric-owner . | sha256sum | cut -d' ' -f1
}
ver=$(cat VERSION)
D=build/deb
hash=$(deb_hash)
deb=$(ls $D/relayhint_"${ver}"_*.deb 2>/dev/null | head -1)
if [ "$(cat $D/.srchash 2>/dev/null)" = "$hash" ] && [ -n "$deb" ]; then
	step "packages of this source tree already built ($hash)"
else
	step "make deb"
	rm -f $D/.srchash
	# the unit tests are make check's own; the packages are the same
	if ! DEB_BUILD_OPTIONS="nocheck parallel=2" nice make deb > build/deb.log 2>&1; then
		tail -20 build/deb.log
		fail "make deb: see build/deb.log"
		exit 1
	fi
	(cd $D && lintian --fail-on none relayhint_"${ver}"_*.changes) > $D/lintian.txt 2>&1
	echo "$hash" > $D/.srchash
	step "built"
fi
pass "make deb built the packages"
deb_relayhint=$(ls $D/relayhint_"${ver}"_*.deb 2>/dev/null | head -1)
deb_relayhint_milter=$(ls $D/relayhint-milter_"${ver}"_*.deb 2>/dev/null | head -1)
deb_relayhint_exim=$(ls $D/relayhint-exim_"${ver}"_*.deb 2>/dev/null | head -1)
check "relayhint: package built" test -f "$deb_relayhint"
check "relayhint-milter: package built" test -f "$deb_relayhint_milter"
check "relayhint-exim: package built" test -f "$deb_relayhint_exim"
if grep -q '^[EW]: ' $D/lintian.txt; then
	fail "lintian: $(grep -c '^[EW]: ' $D/lintian.txt) errors/warnings: $(grep '^[EW]: ' $D/lintian.txt | head -3)"
else
	pass "lintian: no error, no warning"
fi
X=$D/unpacked
rm -rf $X
for p in relayhint relayhint-milter relayhint-exim; do
	mkdir -p $X/$p && dpkg-deb -x $D/${p}_"${ver}"_*.deb $X/$p
done
for f in relayhint/usr/bin/relayhint relayhint-milter/usr/sbin/relayhint-milter \
    relayhint-exim/usr/lib/exim4/relayhint.so; do
	out=$(hardening-check "$X/$f" 2>&1)
	bad=$(echo "$out" | grep -E '(Position Independent|Stack protected|Fortify|Read-only|Immediate).*: no' |
	    grep -v 'regular shared library')
	if [ -z "$bad" ]; then pass "hardening-check ${f##*/}: PIE, stack protector, fortify, relro, bindnow"
	else fail "hardening-check ${f##*/}: $bad"; fi
done

# the units' sandboxing (issue: exposure <= 2.0 each), where systemd-analyze
# can read a unit file offline
if command -v systemd-analyze >/dev/null 2>&1; then
	for u in relayhint/lib/systemd/system/relayhint-probe.service \
	    relayhint/lib/systemd/system/relayhint-alert-drain.service \
	    relayhint-milter/lib/systemd/system/relayhint-milter.service; do
		e=$(timeout 60 systemd-analyze security --offline=true --no-pager "$X/$u" 2>/dev/null |
		    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
		if [ -n "$e" ] && awk "BEGIN { exit !($e <= 2.0) }"; then
			pass "systemd-analyze security ${u##*/}: exposure $e <= 2.0"
		else fail "systemd-analyze security ${u##*/}: exposure '${e:-none}', want <= 2.0"; fi
	done
else
	echo "# no systemd-analyze: unit exposure not measured"
fi

# ---------------------------------------------------------------- install
exec 8>/tmp/relayhint-apt.lock
flock -w 600 8 || { fail "apt lock not free within 600 s"; exit 1; }

for p in relayhint-exim relayhint-milter relayhint; do	# a killed earlier run
	dpkg-query -W -f='${db:Status-Status}' $p 2>/dev/null | grep -q installed &&
		dpkg --purge $p >/dev/null 2>&1
done
[ -e /usr/bin/relayhint ] || [ -e /usr/sbin/relayhint-milter ] &&
	{ fail "relayhint is in /usr but not from a package (make install PREFIX=/usr?)"; exit 1; }

snapshot() {
	find /etc /usr /lib /var -xdev -path /var/tmp -prune -o -name '*relayhint*' -print 2>/dev/null | sort
}
before=$(snapshot)
mainsum=$(cat /etc/postfix/main.cf 2>/dev/null | sha256sum)
MILTER_PID=
W=
cleanup() {
	[ -n "$MILTER_PID" ] && kill "$MILTER_PID" 2>/dev/null
	if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
		systemctl stop relayhint-milter >/dev/null 2>&1
	fi
	for p in relayhint-exim relayhint-milter relayhint; do
		dpkg-query -W -f='${db:Status-Status}' $p 2>/dev/null | grep -q installed &&
			dpkg --purge $p >/dev/null 2>&1
	done
	[ -n "$W" ] && [ "${KEEP:-}" != 1 ] && rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 2' INT TERM HUP

step "apt-get install relayhint relayhint-milter"
out=$(DEBIAN_FRONTEND=noninteractive timeout 300 apt-get -o DPkg::Lock::Timeout=120 install -y \
    --no-install-recommends "./$deb_relayhint" "./$deb_relayhint_milter" 2>&1)
if ! echo "$out" | grep -q "Setting up relayhint-milter"; then
	echo "$out" | tail -20
	fail "apt-get install of relayhint and relayhint-milter failed"
	exit 1
fi
step "installed"
pass "apt-get install relayhint relayhint-milter"
if echo "$out" | grep -q "main.cf was NOT changed"; then
	pass "postinst says main.cf is not changed and where the lines are"
else fail "postinst did not print the main.cf note"; fi
check "system main.cf untouched by the install" \
    test "$(cat /etc/postfix/main.cf 2>/dev/null | sha256sum)" = "$mainsum"

# the files README.Debian lists, and its directories
for f in $(sed -n '/^Files/,/^[A-Z]/s|^  \(/[^ ]*\).*|\1|p' \
    /usr/share/doc/relayhint-milter/README.Debian); do
	check "README.Debian file $f installed" test -e "$f"
done
for f in /usr/bin/relayhint /usr/libexec/relayhint/relayhint-net /usr/share/man/man1/relayhint.1.gz /usr/share/man/man5/relayhint.conf.5.gz \
    /usr/share/man/man8/relayhint-milter.8.gz /usr/share/relayhint/relayhint.rules \
    /usr/share/relayhint/hints/en.catalog /usr/share/bash-completion/completions/relayhint \
    /lib/systemd/system/relayhint-probe.service /lib/systemd/system/relayhint-probe.timer \
    /lib/systemd/system/relayhint-alert-drain.service /lib/systemd/system/relayhint-alert-drain.timer \
    /lib/systemd/system/relayhint-token-refresh.service /lib/systemd/system/relayhint-token-refresh.timer \
    /etc/default/relayhint-probe; do
	check "relayhint file $f installed" test -e "$f"
done
# probe, alert-drain and token run the helper; only the helper has libcurl
check "relayhint probe runs /usr/libexec/relayhint/relayhint-net" sh -c \
    '/usr/bin/relayhint probe --help | grep -q "usage: relayhint probe"'
check "relayhint links no libcurl, relayhint-net does" sh -c \
    '! ldd /usr/bin/relayhint | grep -q libcurl && ldd /usr/libexec/relayhint/relayhint-net | grep -q libcurl'
check "conffiles: /etc/relayhint/relayhint.conf" sh -c \
    "dpkg-query -W -f='\${Conffiles}' relayhint-milter | grep -q ' /etc/relayhint/relayhint.conf '"
check "conffiles: /etc/default/relayhint-probe" sh -c \
    "dpkg-query -W -f='\${Conffiles}' relayhint | grep -q ' /etc/default/relayhint-probe '"
check "system user and group relayhint (sysusers.d)" sh -c 'getent passwd relayhint && getent group relayhint'
check "alert spool 2770 relayhint:relayhint (tmpfiles.d)" \
    test "$(stat -c '%a %U %G' /var/spool/relayhint/alerts 2>&1)" = "2770 relayhint relayhint"
check "socket directory in the chroot 750 relayhint (tmpfiles.d)" \
    test "$(stat -c '%a %U' /var/spool/postfix/relayhint 2>&1)" = "750 relayhint"
check "relayhint-milter enabled" test -L /etc/systemd/system/multi-user.target.wants/relayhint-milter.service
check "probe, alert-drain and token-refresh timers not enabled" sh -c \
    '! ls /etc/systemd/system/*.wants/relayhint-probe* /etc/systemd/system/*.wants/relayhint-alert-drain* /etc/systemd/system/*.wants/relayhint-token-refresh* 2>/dev/null | grep -q .'
check "relayhint-token-refresh.service runs /usr/bin/relayhint with /etc/relayhint/token.conf" sh -c \
    'grep -q "^ExecStart=/usr/bin/relayhint token refresh" /lib/systemd/system/relayhint-token-refresh.service && grep -q "config /etc/relayhint/token.conf" /lib/systemd/system/relayhint-token-refresh.service'
v=$(/usr/bin/relayhint --version 2>&1)
check "relayhint --version says $ver (VERSION, debian/changelog)" sh -c "echo '$v' | grep -q '$ver'"
check "dpkg says version $ver" test "$(dpkg-query -W -f='${Version}' relayhint)" = "$ver"
for m in man1/relayhint.1 man5/relayhint.conf.5 man8/relayhint-milter.8; do
	check "$m says relayhint $ver" sh -c "zcat /usr/share/man/$m.gz | grep -qx '.Os relayhint $ver'"
done
check "relayhint check against the installed rules and catalogs" /usr/bin/relayhint check
out=$(/usr/sbin/relayhint-milter -n 2>&1)
if echo "$out" | grep -q "configuration OK"; then pass "relayhint-milter -n: configuration OK"
else fail "relayhint-milter -n: $out"; fi

# ---------------------------------------------------------------- the milter from its unit
unit=/lib/systemd/system/relayhint-milter.service
user=$(sed -n 's/^User=//p' $unit)
pre=$(sed -n 's/^ExecStartPre=//p' $unit)
start=$(sed -n 's/^ExecStart=//p' $unit)
port=8894	# relayhint.conf's socket = inet:8894@127.0.0.1
if [ -d /run/systemd/system ]; then
	systemctl restart relayhint-milter
	check "relayhint-milter.service active (systemd)" systemctl is-active relayhint-milter
else
	if ss -ltn 2>/dev/null | grep -q "127.0.0.1:$port "; then
		fail "127.0.0.1:$port in use before the milter starts"
	fi
	install -d -o "$user" -g "$user" -m 0750 /run/relayhint
	# shellcheck disable=SC2086
	check "unit's ExecStartPre as $user: $pre" setpriv --reuid="$user" --regid="$user" --init-groups $pre
	# shellcheck disable=SC2086
	setpriv --reuid="$user" --regid="$user" --init-groups $start > build/deb-milter.log 2>&1 &
	MILTER_PID=$!
fi
i=0
while [ $i -lt 50 ] && ! ss -ltn 2>/dev/null | grep -q "127.0.0.1:$port "; do sleep 0.2; i=$((i + 1)); done
check "milter from the unit's ExecStart listens on 127.0.0.1:$port" sh -c "ss -ltn | grep -q '127.0.0.1:$port '"

# ---------------------------------------------------------------- Postfix with README.Debian's lines
step "private Postfix with the lines of README.Debian"
W=$(mktemp -d /var/tmp/relayhint-deb.XXXXXX) && chmod 755 "$W"
sed -n "/^Notes for Postfix users/,/^A unix socket/s/^  postconf -e '\(.*\)'\$/\1/p" \
    /usr/share/doc/relayhint-milter/README.Debian > "$W/postconf.lines"
if [ "$(wc -l < "$W/postconf.lines")" -eq 2 ]; then pass "README.Debian has the two postconf lines"
else fail "README.Debian: $(wc -l < "$W/postconf.lines") postconf lines, want 2"; fi
timeout -k 10 120 "$py" "$here/debtest.py" "$W" "$top" "$W/postconf.lines" || failed=1

if [ -n "$MILTER_PID" ]; then kill "$MILTER_PID" 2>/dev/null; wait "$MILTER_PID" 2>/dev/null; MILTER_PID=; fi
[ -d /run/systemd/system ] && systemctl stop relayhint-milter
rm -rf /run/relayhint

# ---------------------------------------------------------------- relayhint-exim
step "relayhint-exim (dpkg -i --force-depends: exim4-daemon-heavy would replace Postfix)"
if dpkg-query -W -f='${Status}' exim4-daemon-heavy 2>/dev/null | grep -q 'install ok installed'; then
	force=
else force=--force-depends; fi
if dpkg -i $force "$deb_relayhint_exim" >/dev/null 2>&1; then
	pass "dpkg -i relayhint-exim"
	for f in $(sed -n '/^Files/,/^[A-Z]/s|^  \(/[^ ]*\).*|\1|p' \
	    /usr/share/doc/relayhint-exim/README.Debian); do
		check "relayhint-exim README.Debian file $f installed" test -e "$f"
	done
	check "relayhint-exim: conf.d fragments are conffiles" sh -c \
	    "test \$(dpkg-query -W -f='\${Conffiles}' relayhint-exim | grep -c ' /etc/exim4/conf.d/') -eq 3"
	check "relayhint-exim: fragments only act with RELAYHINT_ENABLE" sh -c \
	    'for f in /etc/exim4/conf.d/*/*relayhint*; do grep -q "^.ifdef RELAYHINT_ENABLE" $f && tail -1 $f | grep -q "^.endif" || exit 1; done'
	check "relayhint-exim: relayhint.so exports relayhint_version" sh -c \
	    'nm -D --defined-only /usr/lib/exim4/relayhint.so | grep -q " relayhint_version$"'
	check "dpkg --purge relayhint-exim" dpkg --purge relayhint-exim
else
	fail "dpkg -i relayhint-exim failed"
fi

# ---------------------------------------------------------------- purge
step "apt-get purge"
lists=$(dpkg -L relayhint relayhint-milter 2>/dev/null | grep -v '^/\.$')
if DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 purge -y \
    relayhint relayhint-milter >/dev/null 2>&1; then pass "apt-get purge relayhint relayhint-milter"
else fail "apt-get purge failed"; fi
step "purged"
for p in relayhint relayhint-milter relayhint-exim; do
	check "$p: dpkg -L lists nothing after purge" sh -c "! dpkg -L $p 2>/dev/null | grep -q ."
done
left=""
for f in $lists; do
	[ -d "$f" ] && continue	# shared directories (/usr/share/doc, ...)
	[ -e "$f" ] || [ -L "$f" ] && left="$left $f"
done
check "no packaged file left${left:+:$left}" test -z "$left"
after=$(snapshot)
if [ "$before" = "$after" ]; then pass "no relayhint path left in /etc /usr /lib /var"
else fail "relayhint paths differ after purge: $(printf '%s\n' "$before" "$after" | sort | uniq -u | head -5 | tr '\n' ' ')"; fi
check "system main.cf byte-identical after purge" \
    test "$(cat /etc/postfix/main.cf 2>/dev/null | sha256sum)" = "$mainsum"
step "done"
exit $failed
