#!/bin/bash
# run.sh - relayhint's Exim integration test: the real Debian Exim 4.96
# (exim4-daemon-heavy, privately unpacked by setup.sh so it coexists with
# an installed Postfix package) loads build/exim-dlfunc/relayhint.so and
# relays through a fake Microsoft 365 server on 127.0.0.1.
#
#   1. "exim -be" unit tests of every entry point, as root and as the
#      Exim user, against the recorded main logs in tests/data/exim/;
#   2. one daemon, many cases at once (one fake smarthost port each):
#      hosts_require_auth and hosts_try_auth with 535 5.7.3, 535 5.7.139
#      tenant, 535 5.7.139 security defaults; no AUTH (530 5.7.57); a
#      delay warning then a timeout bounce; a syslog-only setup; the
#      syslog rate limit; and successful deliveries, which must stay
#      untouched.  For each: the syslog line, the main log line, the
#      X-Relayhint-Cause header and the hint in the bounce or warning;
#      inbound (acl_smtp_data = relayhint_smtp_data): an Exchange Online
#      NDR received over SMTP for a local user is delivered with
#      X-Relayhint-Cause/-Code/-Hint and its body untouched, and an
#      ordinary message passes with no header and no log line;
#   3. webhook alerts (alert_spool in relayhint.conf): one spooled alert
#      per distinct cause across all of Exim's delivery processes,
#      posted by "relayhint alert-drain --once" to tests/integration/
#      alert/https_rx.py (verified TLS, HMAC checked); then a spool that
#      cannot be written: bounces and deliveries unchanged, one warning.
#
# Output: one "PASS: name", "FAIL: name: why" or "SKIP: name: why" line
# per assertion; exit 1 when anything failed.  SKIP only when this
# machine cannot run it (not root, packages not installable); with
# CI=true those become FAIL.  Every process started is stopped by its
# PID on exit.  Bounded: about 60 s after setup; setup.sh takes ~50 s
# the first time (apt), ~2 s afterwards.
#
# Environment: RH_EXIM_BASE (default /var/tmp/relayhint-exim; the
# unpacked Exim is kept there between runs), RH_EXIM_NO_NS=1 tests the
# fallback without a mount namespace, RH_EXIM_PORT (first of 14
# loopback ports, default 2600), RH_EXIM_KEEP=1 keeps the run directory.
# tests/run.sh starts integration tests with sh: come back as bash
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../../.." && pwd)
BASE=${RH_EXIM_BASE:-/var/tmp/relayhint-exim}
RUN=$BASE/run
EXIM=$BASE/root/usr/sbin/exim4
CONF=$BASE/etc/exim.conf
P0=${RH_EXIM_PORT:-2600}
PORT_IN=$P0
NPASS=0 NFAIL=0 NSKIP=0
PIDS_TO_STOP=""
OWN=0

. "$SRC/tests/lib/tap.sh"
finish() {
	echo "exim integration: $NPASS passed, $NFAIL failed, $NSKIP skipped" >&2
	[ "$NFAIL" = 0 ]
	exit $?
}

# check NAME CONDITION-COMMAND... : PASS or FAIL with the command
check() {
	local name=$1; shift
	if "$@" >/dev/null 2>&1; then pass "$name"; else fail "$name" "$WHY"; fi
}

# alive PID PATTERN: PID runs and its command line has PATTERN
alive() {
	{ [ -r "/proc/$1/cmdline" ] && tr "\\0" " " < "/proc/$1/cmdline" | grep -qF -- "$2"; } 2>/dev/null
}

# stop PID PATTERN: TERM, wait up to 5 s, then KILL - that PID only
stop() {
	local i
	alive "$1" "$2" || return 0
	kill "$1" 2>/dev/null
	for i in $(seq 1 25); do alive "$1" "$2" || return 0; sleep 0.2; done
	kill -9 "$1" 2>/dev/null
}

# exim_pids: every process running our private Exim binary
exim_pids() {
	local p
	for p in /proc/[0-9]*; do
		[ -r "$p/cmdline" ] || continue
		{ tr "\\0" " " < "$p/cmdline" | grep -qF -- "$EXIM "; } 2>/dev/null &&
			echo "${p#/proc/}"
	done
}

cleanup() {
	local p i
	[ "$OWN" = 1 ] || return 0	# another run's daemon is not ours
	[ -s "$RUN/exim.pid" ] && stop "$(cat "$RUN/exim.pid")" "$EXIM"
	for p in $PIDS_TO_STOP; do stop "${p%%:*}" "${p#*:}"; done
	# queue runners and deliveries started by our daemon end on their own
	for i in $(seq 1 50); do [ -z "$(exim_pids)" ] && break; sleep 0.2; done
	for p in $(exim_pids); do stop "$p" "$EXIM"; done
	[ "${RH_EXIM_KEEP:-}" = 1 ] || rm -rf "$RUN/dev" "$RUN/spool"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# wait_for SECONDS CMD...: poll every 0.5 s
wait_for() {
	local n=$(($1 * 2)); shift
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1)); [ $n -gt 0 ] || return 1; sleep 0.5
	done
}

listening() {
	awk -v p="$(printf ':%04X' "$1")" 'substr($2, length($2) - 4) == p && $4 == "0A" { f = 1 }
	    END { exit !f }' /proc/net/tcp
}

#
# Setup
#
if [ "$(id -u)" != 0 ]; then skip exim-setup "needs root (apt-get, Debian-exim user, unshare)"; finish; fi
# One run at a time: runs share BASE, the ports and the Exim user's files.
mkdir -p "$BASE"
exec 9>"$BASE/.lock"
if ! flock -w 300 9; then
	fail exim-lock "another run held $BASE/.lock for 300 s"; finish
fi
OWN=1
if ! out=$(sh "$HERE/setup.sh" "$BASE" 2>&1); then
	skip exim-setup "setup.sh: $out"; finish
fi
pass exim-setup
if ! "$EXIM" -C /dev/null -bV 2>/dev/null | grep -q Expand_dlfunc; then
	fail exim-heavy "$EXIM -bV lists no Expand_dlfunc"; finish
fi
pass exim-heavy-has-dlfunc

if ! out=$(make -C "$SRC" --no-print-directory \
    EXIM_INCLUDE="$BASE/root/usr/include/exim4" build/exim-dlfunc/relayhint.so 2>&1); then
	fail exim-build "$(echo "$out" | grep -m3 -E 'error|Error' | tr '\n' ' ')"; finish
fi
pass exim-build

# the main log reader alone, on synthetic logs (chunk boundaries, limits)
if out=$(cc -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra \
    -Werror -I"$SRC/common" -o "$BASE/scan_test" \
    "$HERE/scan_test.c" "$SRC/build/librelayhint.a" 2>&1); then
	mkdir -p "$BASE/scan"
	out=$(timeout 60 "$BASE/scan_test" "$BASE/scan" 2>&1)
	printf '%s\n' "$out"
	NPASS=$((NPASS + $(printf '%s\n' "$out" | grep -c '^PASS: ')))
	NFAIL=$((NFAIL + $(printf '%s\n' "$out" | grep -c '^FAIL: ')))
	printf '%s\n' "$out" | grep -q '^PASS: scan-warning-context' ||
		fail scan-run "scan_test stopped early"
else
	fail scan-build "$(echo "$out" | head -3 | tr '\n' ' ')"
fi

for p in $(seq "$P0" $((P0 + 13))); do
	if listening "$p"; then skip exim-ports "port $p is taken"; finish; fi
done

# fresh run directory; the Exim user must read the templates, write mail
rm -rf "$RUN"
mkdir -p "$RUN/etc/relayhint" "$RUN/lib" "$RUN/log" "$RUN/mail" "$RUN/spool" \
    "$RUN/m365" "$RUN/fixtures" "$RUN/alerts" "$RUN/certs"
# relayhint.conf for the object: webhook alerts into a spool that root
# and the Exim user both write (as documented: a shared group, 2770)
printf 'alert_spool = %s\nalert_quiet = 1h\n' "$RUN/alerts" > "$RUN/etc/relayhint.conf"
chown Debian-exim:Debian-exim "$RUN/alerts"; chmod 2770 "$RUN/alerts"
cp "$SRC"/conf/exim/* "$RUN/etc/relayhint/"
cp "$SRC/build/exim-dlfunc/relayhint.so" "$RUN/lib/relayhint.so"
cp "$SRC/build/relayhint" "$RUN/lib/relayhint"	# the transport filter
echo "not an ELF object" > "$RUN/lib/not-an-object.so"	# m365_guard's
cp -r "$SRC"/tests/data/exim/logs/* "$RUN/fixtures/"
chmod -R a+rX "$RUN/etc" "$RUN/lib" "$RUN/fixtures" "$BASE/root"
chmod 755 "$BASE" "$RUN"
chown Debian-exim:Debian-exim "$RUN/spool" "$RUN/mail"
chown Debian-exim:adm "$RUN/log"; chmod 2750 "$RUN/log"

# the cases: name domain transport fake-scenario expected-cause
# (cause "-" = a successful delivery)
CASES="
r573     r573.now.test     m365_require     5.7.3  m365.auth.bad_credentials
rtenant  rtenant.now.test  m365_require     tenant m365.auth.smtp_auth_disabled_tenant
rsecdef  rsecdef.now.test  m365_require     secdef m365.auth.security_defaults
t573     t573.try.test     m365_try         5.7.3  m365.auth.bad_credentials
ttenant  ttenant.try.test  m365_try         tenant m365.auth.smtp_auth_disabled_tenant
tsecdef  tsecdef.try.test  m365_try         secdef m365.auth.security_defaults
n557     n557.try.test     m365_noauth      5.7.57 m365.auth.not_authenticated
wtenant  wtenant.slow.test m365_require     tenant m365.auth.smtp_auth_disabled_tenant
stenant  stenant.now.test  m365_syslogonly  tenant generic
rlim1    rlim1.now.test    m365_ratelimited 5.7.3  m365.auth.bad_credentials
rlim2    rlim2.now.test    m365_ratelimited 5.7.3  m365.auth.bad_credentials
okreq    okreq.now.test    m365_require     ok     -
oktry    oktry.try.test    m365_try         ok     -
okguard  okguard.now.test  m365_guard       ok     guard-ok
rguard   rguard.now.test   m365_guard       5.7.3  guard-fail
"
: > "$RUN/etc/routes"
printf 'postmaster: postmaster\nro1: ro1\nro2: ro2\nndr: ndr\nplain: plain\n' > "$RUN/etc/mailboxes"
LISTEN=""
port=$P0
while read -r name dom tpt scen cause; do
	[ -n "$name" ] || continue
	port=$((port + 1))
	echo "$dom: $tpt $port" >> "$RUN/etc/routes"
	echo "$name: $name" >> "$RUN/etc/mailboxes"
	LISTEN="$LISTEN --listen $port=$scen"
done <<EOF
$CASES
EOF

# The mount namespace makes smtp.office365.com 127.0.0.1 and /dev/log our
# sink; where unshare is refused, route to 127.0.0.1 and name the socket.
if [ "${RH_EXIM_NO_NS:-}" != 1 ] && unshare -m --propagation private true 2>/dev/null; then
	NS=1 ROUTE="smtp.office365.com byname" LOGOPT=""
else
	NS=0 ROUTE="127.0.0.1" LOGOPT=" syslog_socket=$RUN/syslog.sock"
fi
mkdir -p "$BASE/etc"
sed -e "s|@RUN@|$RUN|g" -e "s|@EXIM@|$EXIM|g" -e "s|@PORT_IN@|$PORT_IN|g" \
    -e "s|@ROUTE@|$ROUTE|g" -e "s|@LOGOPT@|$LOGOPT|g" \
    "$HERE/exim.conf.in" > "$CONF.new"
chown root:root "$CONF.new"; chmod 0644 "$CONF.new"; mv -f "$CONF.new" "$CONF"
if ! out=$("$EXIM" -C "$CONF" -bV 2>&1); then
	fail exim-config "$(echo "$out" | tail -3 | tr '\n' ' ')"; finish
fi
pass exim-config-with-shipped-snippets

# syslog sink and fake Microsoft 365
python3 "$HERE/syslog_sink.py" "$RUN/syslog.sock" "$RUN/log/syslog.log" \
    </dev/null >"$RUN/sink.out" 2>&1 9>&- &
PIDS_TO_STOP="$PIDS_TO_STOP $!:syslog_sink.py"
# shellcheck disable=SC2086
python3 "$HERE/fake_m365.py" --cert "$BASE/etc/m365-cert.pem" \
    --key "$BASE/etc/m365-key.pem" --log "$RUN/m365/transcript.log" \
    --spool "$RUN/m365" $LISTEN </dev/null >"$RUN/m365.out" 2>&1 9>&- &
PIDS_TO_STOP="$PIDS_TO_STOP $!:fake_m365.py"
if ! wait_for 10 test -S "$RUN/syslog.sock" || ! wait_for 10 listening $((P0 + 13)); then
	fail exim-helpers "syslog sink or fake server did not start: $(cat "$RUN"/*.out)"; finish
fi

# BE EXPANSION [USER]: exim -be, the string on stdin (arguments are limited
# to 256 bytes); strips the "> " prompts Exim prints there
BE() {
	local out
	if [ -n "${2:-}" ]; then
		out=$(printf '%s\n' "$1" | runuser -u "$2" -- "$EXIM" -C "$CONF" -be 2>&1)
	else
		out=$(printf '%s\n' "$1" | "$EXIM" -C "$CONF" -be 2>&1)
	fi
	out=${out#> }
	out=${out%> }
	printf '%s' "${out%$'\n'}"
}
SO=$RUN/lib/relayhint.so
FX=$RUN/fixtures

#
# 1. exim -be: every entry point
#
be_is() {	# name expected expansion
	local got
	got=$(BE "$3")
	if [ "$got" = "$2" ]; then pass "be-$1"
	else fail "be-$1" "got [$(echo "$got" | head -3 | tr '\n' '|')] want [$2]"; fi
}
be_has() {	# name fixed-string expansion
	local got
	got=$(BE "$3")
	if printf '%s' "$got" | grep -qF -- "$2"; then pass "be-$1"
	else fail "be-$1" "got [$(echo "$got" | head -3 | tr '\n' '|')] want it to contain [$2]"; fi
}
# a minimal NDR body for relayhint_bounce under -be (no message there)
printf -- '--b\nContent-Type: text/plain\n\nDelivery has failed to these recipients or groups:\n\nDiagnostic information for administrators:\n\nGenerating server: SN4PR0501MB3840.namprd05.prod.outlook.com\n\npartner@fabrikam.example\nRemote Server returned '"'"'550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP. [SN4PR0501MB3840.namprd05.prod.outlook.com]'"'"'\n--b--\n' > "$RUN/ndr-body.txt"
chmod 644 "$RUN/ndr-body.txt"
R573='535 5.7.3 Authentication unsuccessful [SN4PR0501CA0054.namprd05.prod.outlook.com]'
RTEN='535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information. [DM6PR02CA0123.namprd02.prod.outlook.com]'
RSEC="535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy. Contact your administrator. [SN4PR0501CA0054.namprd05.prod.outlook.com]"
R557='530 5.7.57 Client not authenticated to send mail. [SN4PR0501CA0054.namprd05.prod.outlook.com 2026-11-22T17:00:00.000Z 08DE2A1B2C3D4E5F]'
# the message ids of the recorded runs
idof() { awk '$4 == "<=" && $5 != "<>" { print $3; exit }' "$FX/$1/mainlog.log"; }

be_has version "relayhint " "\${dlfunc{$SO}{relayhint_version}}"
be_has version-kb ",en" "\${dlfunc{$SO}{relayhint_version}}"
be_is cause-573 m365.auth.bad_credentials "\${dlfunc{$SO}{relayhint_cause}{$R573}}"
be_is cause-tenant m365.auth.smtp_auth_disabled_tenant "\${dlfunc{$SO}{relayhint_cause}{$RTEN}}"
be_is cause-secdef m365.auth.security_defaults "\${dlfunc{$SO}{relayhint_cause}{$RSEC}}"
be_is cause-557 m365.auth.not_authenticated "\${dlfunc{$SO}{relayhint_cause}{$R557}}"
be_is cause-not-microsoft "[]" "[\${dlfunc{$SO}{relayhint_cause}{250 2.0.0 OK}}]"
be_is cause-google-535-not-m365 "[]" "[\${dlfunc{$SO}{relayhint_cause}{535 5.7.8 Username and Password not accepted}}]"
be_is cause-in-if yes "\${if eq{\${dlfunc{$SO}{relayhint_cause}{$RTEN}}}{m365.auth.smtp_auth_disabled_tenant}{yes}{no}}"
# message ids read back from recorded main logs: the 535 behind the 530
be_is cause-msgid-tryauth-573 m365.auth.bad_credentials \
    "\${dlfunc{$SO}{relayhint_cause}{$(idof t1-tryauth-5.7.3)}{$FX/t1-tryauth-5.7.3/mainlog.log}}"
be_is cause-msgid-tryauth-tenant m365.auth.smtp_auth_disabled_tenant \
    "\${dlfunc{$SO}{relayhint_cause}{$(idof t2-tryauth-5.7.139)}{$FX/t2-tryauth-5.7.139/mainlog.log}}"
be_is cause-msgid-require-tenant m365.auth.smtp_auth_disabled_tenant \
    "\${dlfunc{$SO}{relayhint_cause}{$(idof p1-plain-require-auth-5.7.139-bounce-now)}{$FX/p1-plain-require-auth-5.7.139-bounce-now/mainlog.log}}"
be_is cause-msgid-timeout m365.auth.smtp_auth_disabled_tenant \
    "\${dlfunc{$SO}{relayhint_cause}{$(idof w1-require-auth-5.7.139-delay-warning-then-timeout)}{$FX/w1-require-auth-5.7.139-delay-warning-then-timeout/mainlog.log}}"
be_is cause-msgid-noauth m365.auth.not_authenticated \
    "\${dlfunc{$SO}{relayhint_cause}{$(idof n1-noauth-5.7.57)}{$FX/n1-noauth-5.7.57/mainlog.log}}"
be_is cause-msgid-success "[]" \
    "[\${dlfunc{$SO}{relayhint_cause}{$(idof ok1-auth-success)}{$FX/ok1-auth-success/mainlog.log}}]"
be_is cause-msgid-syslog-only "[]" \
    "[\${dlfunc{$SO}{relayhint_cause}{$(idof t1-tryauth-5.7.3)}{syslog}}]"
be_is cause-msgid-missing-log "[]" \
    "[\${dlfunc{$SO}{relayhint_cause}{$(idof t1-tryauth-5.7.3)}{$RUN/no/such/mainlog}}]"
be_is cause-fallback-text m365.auth.not_authenticated \
    "\${dlfunc{$SO}{relayhint_cause}{}{syslog}{$R557}}"
got=$(BE "\${dlfunc{$SO}{relayhint_cause}{$(idof t1-tryauth-5.7.3)}{$FX/t1-tryauth-5.7.3/mainlog.log}}" Debian-exim)
if [ "$got" = m365.auth.bad_credentials ]; then pass be-as-exim-user
else fail be-as-exim-user "got [$got]"; fi

be_is hint-header "$(printf '\nX-Relayhint-Cause: m365.auth.smtp_auth_disabled_tenant\nX-Relayhint-Code: 5.7.139')" \
    "\${dlfunc{$SO}{relayhint_hint}{$RTEN}{en}{header}}"
be_is hint-cause-format m365.auth.security_defaults "\${dlfunc{$SO}{relayhint_hint}{$RSEC}{en}{cause}}"
hint_en=$(BE "\${dlfunc{$SO}{relayhint_hint}{$RTEN}{en}{text}}")
if [ "$(printf '%s\n' "$hint_en" | wc -l)" -ge 3 ] && ! printf '%s' "$hint_en" | grep -q '^Failed'; then
	pass be-hint-text
else fail be-hint-text "got [$(printf '%s' "$hint_en" | head -3 | tr '\n' '|')]"; fi
got=$(BE "\${dlfunc{$SO}{relayhint_hint}{$RTEN}{../../x}{text}}")
if [ "$(printf '%s' "$got" | grep -v 'relayhint: warning: relayhint_hint: LANG is not')" = "$hint_en" ]; then
	pass be-hint-bad-lang-is-en
else fail be-hint-bad-lang-is-en "a bad LANG did not give the en hint"; fi
be_is hint-no-cause "[]" "[\${dlfunc{$SO}{relayhint_hint}{250 OK}{en}{text}}]"
hint_id=$(BE "\${dlfunc{$SO}{relayhint_hint}{$(idof t2-tryauth-5.7.139)}{en}{text}{$FX/t2-tryauth-5.7.139/mainlog.log}}")
if [ "$hint_id" = "$hint_en" ]; then pass be-hint-msgid
else fail be-hint-msgid "hint for the message id differs from the hint for its 535 text"; fi
be_has hint-bad-format "FORMAT is text" "\${dlfunc{$SO}{relayhint_hint}{x}{en}{html}}"
be_has bounce-bad-format "relayhint_bounce: FORMAT is" "\${dlfunc{$SO}{relayhint_bounce}{Subject: x}{y}{text}}"
be_is bounce-not-a-bounce "[]" "[\${dlfunc{$SO}{relayhint_bounce}{Content-Type: text/plain}{hello}{header}}]"
be_is bounce-ndr-cause m365.blocked.ip_pool "\${dlfunc{$SO}{relayhint_bounce}{Content-Type: multipart/report; report-type=delivery-status; boundary=b}{\${readfile{$RUN/ndr-body.txt}}}{cause}{}{syslog mainlog_write=no syslog_socket=none}}"
be_has cause-bad-option "unknown setting 'colour'" "\${dlfunc{$SO}{relayhint_cause}{x}{colour=red}}"
be_has cause-option-did-you-mean "did you mean 'rules_file'" "\${dlfunc{$SO}{relayhint_cause}{x}{rule_file=/x}}"
be_has cause-option-bad-value "log_repeat_window: not a time" "\${dlfunc{$SO}{relayhint_cause}{x}{log_repeat_window=soon}}"
# an old OPTIONS name works and warns (under -be Exim's log lines go to stderr)
be_has option-old-name-warns "relayhint: warning: OPTIONS: 'ratelimit' is deprecated; use 'log_repeat_window'" "\${dlfunc{$SO}{relayhint_cause}{$R573}{syslog ratelimit=0}}"
be_has option-old-name-works m365.auth.bad_credentials "\${dlfunc{$SO}{relayhint_cause}{$R573}{syslog ratelimit=0 rules=$SRC/conf/relayhint.rules}}"
be_has cause-too-many-args "relayhint_cause: wants" "\${dlfunc{$SO}{relayhint_cause}{1}{2}{3}{4}}"
be_has event-seven-args "relayhint_event: wants" "\${dlfunc{$SO}{relayhint_event}{msg:defer}{2}{3}{4}{5}{6}{7}}"
be_is event-ignores-tcp "[]" "[\${dlfunc{$SO}{relayhint_event}{tcp:connect}{}{0}{}{smtp.office365.com}{/bad path=}}]"
# the event entry point writes its syslog line; -be has no event vars.
# The recorded main log is cut where a live event sees it: before this
# attempt's own "==" line.
R2=$(idof r2-require-auth-5.7.139-bounce-now)
sed "/ $R2 == /,\$d" "$FX/r2-require-auth-5.7.139-bounce-now/mainlog.log" > "$FX/r2-at-event.log"
: > "$RUN/log/syslog.log"
be_is event-yields-empty "[]" \
    "[\${dlfunc{$SO}{relayhint_event}{msg:defer}{authentication required but authentication attempt(s) failed}{-42}{$R2}{smtp.office365.com}{$FX/r2-at-event.log log_repeat_window=0 mainlog_write=no syslog_socket=$RUN/syslog.sock}}]"
WHY="syslog: [$(tail -1 "$RUN/log/syslog.log")]"
check be-event-syslog grep -qE "relayhint-exim\[[0-9]+\]: $R2: relayhint: orig_queue_id=$R2 provider=m365 cause=m365.auth.smtp_auth_disabled_tenant dsn=5.7.139 relay=smtp.office365.com server_id=DM6PR02CA0123.namprd02.prod.outlook.com .*event=msg:defer source=mainlog-auth" "$RUN/log/syslog.log"
check be-event-syslog-facility grep -q '^<22>' "$RUN/log/syslog.log"
: > "$RUN/log/syslog.log"
# the OPTIONS names of before (ratelimit=, logmain=, log=) still work
BE "\${dlfunc{$SO}{relayhint_event}{msg:defer}{authentication required but authentication attempt(s) failed}{-42}{$(idof r2-require-auth-5.7.139-bounce-now)}{smtp.office365.com}{syslog ratelimit=0 logmain=no log=$RUN/syslog.sock}}" >/dev/null
WHY="syslog: [$(tail -1 "$RUN/log/syslog.log")]"
check be-event-syslog-only-note grep -q 'note="Exim writes Microsoft.s AUTH reply only to its main log file' "$RUN/log/syslog.log"

#
# 2. The daemon and the cases
#
if [ "$NS" = 1 ]; then
	"$HERE/ns.sh" "$RUN" "$EXIM" -C "$CONF" -bd -q5s 9>&-
else
	"$EXIM" -C "$CONF" -bd -q5s 9>&-
fi
if ! wait_for 10 test -s "$RUN/exim.pid" || ! wait_for 10 listening "$PORT_IN"; then
	fail exim-daemon "did not start: $(cat "$RUN/log/paniclog" 2>/dev/null | tail -3)"; finish
fi
pass exim-daemon-started

submit() {	# sender recipient -> prints the queue id
	python3 - "$PORT_IN" "$1" "$2" <<'PY'
import smtplib, sys
port, frm, to = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = smtplib.SMTP("127.0.0.1", port, timeout=20)
s.ehlo("client.example.test")
s.mail(frm)
s.rcpt(to)
code, resp = s.data(("From: %s\r\nTo: %s\r\nSubject: test to %s\r\n\r\n"
                     "Test message for %s.\r\n") % (frm, to, to, to))
s.quit()
resp = resp.decode()
print(resp.split("id=")[1].split()[0] if "id=" in resp else "")
PY
}

# submit_raw SENDER RECIPIENT FILE: FILE's bytes as the message (CRLF on
# the wire); prints the queue id
submit_raw() {
	python3 - "$PORT_IN" "$1" "$2" "$3" <<'PY'
import smtplib, sys
port, frm, to, path = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
data = open(path, "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
s = smtplib.SMTP("127.0.0.1", port, timeout=20)
s.ehlo("mail.protection.outlook.example")
s.mail(frm)
s.rcpt(to)
code, resp = s.data(data)
s.quit()
resp = resp.decode()
print(resp.split("id=")[1].split()[0] if "id=" in resp else "")
PY
}

T0=$(date +%s)
declare -A ID
# inbound (acl_smtp_data = relayhint_smtp_data): a Microsoft NDR for a
# local sender, and an ordinary message from a normal sender
NDR_FILE=$SRC/tests/data/ndr/exo-5.7.708-ip-pool.eml
printf 'From: News <news@partner.example>\nTo: plain@example.test\nSubject: inbound plain\nMessage-ID: <inbound-plain@partner.example>\nMIME-Version: 1.0\nContent-Type: text/plain\n\nOrdinary inbound mail.\n' > "$RUN/plain.eml"
ID_NDR=$(submit_raw "" ndr@example.test "$NDR_FILE" 2>/dev/null)
ID_PLAIN=$(submit_raw news@partner.example plain@example.test "$RUN/plain.eml" 2>/dev/null)
while read -r name dom tpt scen cause; do
	[ -n "$name" ] || continue
	ID[$name]=$(submit "$name@example.test" "user@$dom" 2>/dev/null)
	[ -n "${ID[$name]}" ] || fail "submit-$name" "no queue id from Exim"
done <<EOF
$CASES
EOF

# mails in a case's mailbox
nmail() { [ -f "$RUN/mail/$1" ] && grep -c '^From ' "$RUN/mail/$1" || echo 0; }
all_done() {
	local n
	for n in r573 rtenant rsecdef t573 ttenant tsecdef n557 stenant rlim1 rlim2; do
		[ "$(nmail $n)" -ge 1 ] || return 1
	done
	[ "$(nmail rguard)" -ge 1 ] || return 1
	[ "$(nmail wtenant)" -ge 2 ] &&	# the warning, then the bounce
	    [ "$(nmail ndr)" -ge 1 ] && [ "$(nmail plain)" -ge 1 ]
}
wait_for 90 all_done || true
T1=$(date +%s)
sleep 1
echo "exim cases done in $((T1 - T0)) s" >&2

# mail NAME N: the Nth message in a case's mailbox
mail_n() {
	awk -v want="$2" '/^From / { n++; next } n == want { print }' "$RUN/mail/$1" 2>/dev/null
}
ML=$RUN/log/mainlog
SL=$RUN/log/syslog.log

while read -r name dom tpt scen cause; do
	[ -n "$name" ] || continue
	id=${ID[$name]}
	[ -n "$id" ] || continue
	case $cause in
	guard-ok)
		# the guard: no event of a good delivery reached ${dlfunc}
		WHY="no => line for $id"
		check "$name-delivered" grep -q "^.* $id => user@$dom" "$ML"
		WHY="$(grep -m1 "$id failed to expand event_action" "$ML")"
		check "$name-object-not-loaded" sh -c "! grep -q '$id failed to expand event_action' '$ML'"
		continue ;;
	guard-fail)
		# the control: a failure's events do reach it (and fail here)
		WHY="no failed dlopen of not-an-object.so for $id"
		check "$name-object-loaded" grep -qE "$id failed to expand event_action msg:[a-z:]*(defer|fail)[a-z:]* in m365_guard: .*not-an-object" "$ML"
		continue ;;
	esac
	if [ "$cause" = - ]; then
		WHY="no => line for $id"
		check "$name-delivered" grep -q "^.* $id => user@$dom" "$ML"
		WHY="relayhint logged about a good delivery"
		check "$name-no-mainlog-line" sh -c "! grep -q ' $id relayhint:' '$ML'"
		check "$name-no-syslog-line" sh -c "! grep -q '$id' '$SL'"
		WHY="a bounce or warning was sent"
		check "$name-no-bounce" test "$(nmail "$name")" = 0
		got=$(grep -l "user@$dom" "$RUN"/m365/*.eml 2>/dev/null | head -1)
		WHY="the fake server did not store it, or it was changed"
		check "$name-message-untouched" sh -c "[ -n '$got' ] && ! grep -qi '^X-Relayhint' '$got' && grep -q 'Test message for user@$dom' '$got'"
		continue
	fi
	want=$cause
	[ "$cause" = generic ] && want='m365\.[a-z._]*'
	if [ "$cause" = generic ] && [ "$NS" = 0 ]; then
		skip "$name-syslog-only" "needs unshare -m: without the host name only Microsoft's reply text names the provider"
		continue
	fi
	# the syslog line (rate-limited case: only the first of the two)
	WHY="no syslog line for $id: [$(grep -m1 "$id" "$SL")]"
	if [ "$name" = rlim2 ]; then
		WHY="rate limit let a second line through"
		check "$name-syslog-rate-limited" sh -c "! grep -q '$id: relayhint' '$SL'"
	else
		check "$name-syslog" grep -qE "relayhint-exim\[[0-9]+\]: $id: relayhint: orig_queue_id=$id provider=m365 cause=$want " "$SL"
	fi
	if [ "$cause" = generic ]; then
		WHY="no note on how to get the precise cause: [$(grep -m1 "$id" "$SL")]"
		check "$name-syslog-only-note" grep -q "$id: relayhint: .*note=\"Exim writes Microsoft" "$SL"
		continue
	fi
	# the main log line, once per attempt (host:defer and defer share one)
	n=$(grep -c "^[^ ]* [^ ]* $id relayhint: orig_queue_id=$id provider=m365 cause=$cause " "$ML")
	case $name in
	wtenant) ok=$([ "$n" -ge 1 ] && echo y) ;;
	*) ok=$([ "$n" = 1 ] && echo y) ;;
	esac
	if [ "$ok" = y ]; then pass "$name-mainlog-line"
	else fail "$name-mainlog-line" "$n relayhint lines for $id (want one per attempt)"; fi

	if [ "$name" = wtenant ]; then
		msg=$(mail_n "$name" 1)
		WHY="first mail is not the delay warning"
		check "$name-warning" sh -c "printf '%s' \"\$0\" | grep -q '^Subject: Warning: message $id delayed'" "$msg"
		WHY="no X-Relayhint-Cause: $cause in the warning"
		check "$name-warning-cause-header" sh -c "printf '%s' \"\$0\" | grep -q '^X-Relayhint-Cause: $cause\$'" "$msg"
		body=$(printf '%s\n' "$msg" | awk '/^Content-type: text\/plain/ { p = 1; getline; next } p && /^--[0-9]+-eximdsn-/ { exit } p')
		WHY="the warning text does not start with the hint: [$(printf '%s' "$body" | head -2 | tr '\n' '|')]"
		check "$name-warning-hint-first" sh -c "[ -n \"\$0\" ] && ! printf '%s' \"\$0\" | head -1 | grep -q '^This message was created' && printf '%s' \"\$0\" | grep -q '^This message was created automatically' && printf '%s' \"\$0\" | grep -q '^  user@$dom'" "$body"
		WHY="the warning lost Exim's delivery-status part"
		check "$name-warning-dsn-kept" sh -c "printf '%s' \"\$0\" | grep -q '^Action: delayed'" "$msg"
		msg=$(mail_n "$name" 2)
	else
		msg=$(mail_n "$name" 1)
	fi
	[ "$name" = rlim2 ] && continue
	WHY="no bounce"
	check "$name-bounce" sh -c "printf '%s' \"\$0\" | grep -q '^Subject: Mail delivery failed: returning message to sender'" "$msg"
	WHY="no X-Relayhint-Cause: $cause in the bounce: [$(printf '%s' "$msg" | grep -m1 '^X-Relayhint')]"
	check "$name-bounce-cause-header" sh -c "printf '%s' \"\$0\" | grep -q '^X-Relayhint-Cause: $cause\$'" "$msg"
	body=$(printf '%s\n' "$msg" | awk '/^Content-type: text\/plain/ { p = 1; getline; next } p && /^--[0-9]+-eximdsn-/ { exit } p')
	WHY="the bounce text does not start with the hint, or lost Exim's text: [$(printf '%s' "$body" | head -2 | tr '\n' '|')]"
	check "$name-bounce-hint-first" sh -c "[ -n \"\$0\" ] && ! printf '%s' \"\$0\" | head -1 | grep -q '^This message was created' && printf '%s' \"\$0\" | grep -q '^This message was created automatically' && printf '%s' \"\$0\" | grep -q '^  user@$dom'" "$body"
	WHY="the bounce lost Exim's delivery-status or returned message"
	check "$name-bounce-dsn-kept" sh -c "printf '%s' \"\$0\" | grep -q '^Action: failed' && printf '%s' \"\$0\" | grep -q '^Content-type: message/rfc822'" "$msg"
	case $tpt in
	m365_try|m365_noauth)
		WHY="Exim's 530 5.7.57 text is gone from the bounce"
		check "$name-bounce-keeps-530" sh -c "printf '%s' \"\$0\" | grep -q '530 5.7.57 Client not authenticated'" "$msg" ;;
	esac
done <<EOF
$CASES
EOF

#
# 2b. Inbound: the NDR got the headers and, by the transport filter, the
# hint in its body (the DSN part untouched); plain mail got nothing
#
# body_of: the message after the first blank line, mbox ">From " undone
body_of() { awk 'b { sub(/^>From /, "From "); print } /^$/ && !b { b = 1 }'; }
WHY="no queue id for the inbound NDR or the plain message"
check inbound-accepted test -n "$ID_NDR" -a -n "$ID_PLAIN"
msg=$(mail_n ndr 1)
WHY="no X-Relayhint-Cause: m365.blocked.ip_pool: [$(printf '%s' "$msg" | grep -m3 '^X-Relayhint' | tr '\n' '|')]"
check inbound-ndr-cause-header sh -c "printf '%s' \"\$0\" | grep -qx 'X-Relayhint-Cause: m365.blocked.ip_pool'" "$msg"
WHY="no X-Relayhint-Code: 5.7.708"
check inbound-ndr-code-header sh -c "printf '%s' \"\$0\" | grep -qx 'X-Relayhint-Code: 5.7.708'" "$msg"
summary=$(sed -n '/^\[m365.blocked.ip_pool\]/,/^\[/s/^summary *= *//p' "$SRC/conf/hints/en.catalog" | head -1)
WHY="X-Relayhint-Hint is not the en summary [$summary]: [$(printf '%s' "$msg" | grep -m1 '^X-Relayhint-Hint')]"
check inbound-ndr-hint-header sh -c "[ -n \"\$1\" ] && printf '%s' \"\$0\" | grep -qxF \"X-Relayhint-Hint: \$1\"" "$msg" "$summary"
WHY="headers added more than once"
check inbound-ndr-headers-once sh -c "[ \$(printf '%s\n' \"\$0\" | grep -c '^X-Relayhint-') = 3 ]" "$msg"
# the transport filter wrote the hint into the body, before Microsoft's
# text; from the delivery-status part on, the body is as it was sent
sent_tail=$(tr -d '\r' < "$NDR_FILE" | body_of | sed -n '/^Content-Type: message\/delivery-status/,$p')
got_body=$(printf '%s\n' "$msg" | body_of)
got_tail=$(printf '%s\n' "$got_body" | sed -n '/^Content-Type: message\/delivery-status/,$p')
WHY="no hint in the delivered NDR body"
check inbound-ndr-body-hint sh -c "printf '%s' \"\$0\" | grep -q '^relayhint: why this message was not delivered' && printf '%s' \"\$0\" | grep -q 'Cause: m365.blocked.ip_pool'" "$got_body"
WHY="the delivered NDR's delivery-status part and returned message differ from the ones sent"
check inbound-ndr-dsn-untouched sh -c '[ -n "$0" ] && [ "$0" = "$1" ]' "$sent_tail" "$got_tail"
WHY="no main log line for $ID_NDR: [$(grep -m1 " $ID_NDR relayhint" "$ML")]"
check inbound-ndr-mainlog grep -qE "^[^ ]+ [^ ]+ $ID_NDR relayhint: orig_queue_id=none provider=m365 cause=m365.blocked.ip_pool dsn=5.7.708 .* kind=ms-ndr ndr=exchange-online orig_message_id=<20260312091500.4F2A1C0049@relay.contoso.com>" "$ML"
WHY="no syslog line for $ID_NDR: [$(grep -m1 "$ID_NDR" "$SL")]"
check inbound-ndr-syslog grep -qE "relayhint-exim\[[0-9]+\]: $ID_NDR: relayhint: .*cause=m365.blocked.ip_pool .*kind=ms-ndr" "$SL"
msg=$(mail_n plain 1)
WHY="the plain message was not delivered, or got an X-Relayhint header"
check inbound-plain-untouched sh -c "printf '%s' \"\$0\" | grep -q '^Ordinary inbound mail.' && ! printf '%s' \"\$0\" | grep -qi '^X-Relayhint'" "$msg"
WHY="the plain message's body changed"
check inbound-plain-body-identical test "$(body_of < "$RUN/plain.eml")" = "$(printf '%s\n' "$msg" | body_of)"
WHY="relayhint logged about the plain message"
check inbound-plain-no-log sh -c "! grep -q ' $ID_PLAIN relayhint' '$ML' && ! grep -q '$ID_PLAIN' '$SL'"

#
# 3. Webhook alerts
#
AL=$RUN/alerts
# the causes relayhint_event saw: its main log lines, one per sighting
want=$(grep -o ' relayhint: orig_queue_id=[^ ]* provider=m365 cause=[^ ]*' "$ML" |
    sed 's/.*cause=//' | sort -u)
got=$(cat "$AL"/a.* 2>/dev/null | sed -n 's/^cause //p' | sort)
WHY="want one alert for each of [$(echo $want)], spooled [$(echo $got)]"
check alert-one-per-cause sh -c "[ -n \"\$0\" ] && [ \"\$0\" = \"\$1\" ] && [ \$(echo \"\$0\" | wc -l) -ge 4 ]" "$want" "$got"
WHY="an alert not written by the Exim object, or without summary and steps"
check alert-from-exim-with-hint sh -c "for f in '$AL'/a.*; do grep -qx 'source exim' \"\$f\" && grep -q '^summary ..' \"\$f\" && grep -q '^step ' \"\$f\" || exit 1; done"
WHY="state files: $(cat "$AL"/state/* 2>/dev/null | tr '\n' '|')"
check alert-state-counts-sightings grep -q ' 1 [0-9]* [0-9]* [2-9] ' "$AL/state/m365.auth.bad_credentials"
if out=$(sh "$SRC/tests/integration/alert/mkcerts.sh" "$RUN/certs" 2>&1); then
	printf '%s\n' "whsec-exim-test-key-do-not-print" > "$RUN/certs/webhook.key"
	chmod 600 "$RUN/certs/webhook.key"	# others may not read a key
	python3 "$SRC/tests/integration/alert/https_rx.py" --cert "$RUN/certs/srv.pem" \
	    --key "$RUN/certs/srv.key" --port-file "$RUN/certs/rx.port" --out "$RUN/rx.out" \
	    --secret-file "$RUN/certs/webhook.key" </dev/null >"$RUN/rx.err" 2>&1 9>&- &
	PIDS_TO_STOP="$PIDS_TO_STOP $!:https_rx.py"
	if wait_for 10 test -s "$RUN/certs/rx.port"; then
		rx=$(cat "$RUN/certs/rx.port")
		timeout 120 "$SRC/build/relayhint" alert-drain --once --spool "$AL" \
		    --ca-file "$RUN/certs/ca.pem" --secret-file "$RUN/certs/webhook.key" \
		    --retries 1 --backoff 1 --webhook "json,https://127.0.0.1:$rx/hook/json" \
		    --webhook "teams,https://127.0.0.1:$rx/hook/teams" \
		    --webhook "slack,https://127.0.0.1:$rx/hook/slack" >"$RUN/drain.out" 2>&1
		rc=$?
		for f in json teams slack; do
			posted=$(sed -n "s/^OK $f //p" "$RUN/rx.out" 2>/dev/null | sort)
			WHY="exit $rc, posted [$(echo $posted)], want [$(echo $want)]: $(tail -2 "$RUN/drain.out" | tr '\n' ' ')"
			check "alert-drain-$f-one-per-cause-hmac-ok" sh -c "[ $rc = 0 ] && [ \"\$0\" = \"\$1\" ]" "$posted" "$want"
		done
		WHY="receiver refused: $(grep BAD "$RUN/rx.out" | head -2 | tr '\n' ' '); left: $(ls "$AL")"
		check alert-drain-spool-emptied sh -c "! grep -q BAD '$RUN/rx.out' && ! ls '$AL' | grep -q '^a\.'"
	else
		fail alert-receiver "https_rx.py did not start: $(tail -2 "$RUN/rx.err")"
	fi
else
	fail alert-certs "$out"
fi

# a spool nobody can write, not even root (a path through a regular
# file): mail goes on as before, and one warning for all processes
: > "$RUN/notadir"
printf 'alert_spool = %s\nalert_quiet = 1h\n' "$RUN/notadir/alerts" > "$RUN/etc/relayhint.conf.new"
chmod 644 "$RUN/etc/relayhint.conf.new"; mv -f "$RUN/etc/relayhint.conf.new" "$RUN/etc/relayhint.conf"
ro1=$(submit ro1@example.test user@r573.now.test 2>/dev/null)
ro2=$(submit ro2@example.test user@r573.now.test 2>/dev/null)
rook=$(submit rook@example.test user2@okreq.now.test 2>/dev/null)
ro_done() { [ "$(nmail ro1)" -ge 1 ] && [ "$(nmail ro2)" -ge 1 ] && grep -q " $rook => user2@okreq.now.test" "$ML"; }
wait_for 30 ro_done
sleep 0.5
for n in ro1 ro2; do
	msg=$(mail_n $n 1)
	WHY="no enriched bounce for $n: [$(printf '%s' "$msg" | grep -m1 '^X-Relayhint')]"
	check "alert-unwritable-$n-bounce-enriched" sh -c "printf '%s' \"\$0\" | grep -q '^X-Relayhint-Cause: m365.auth.bad_credentials\$'" "$msg"
done
WHY="the good message was not delivered, or was changed"
check alert-unwritable-good-delivery sh -c "grep -q ' $rook => user2@okreq.now.test' '$ML' && f=\$(grep -l 'user2@okreq.now.test' '$RUN'/m365/*.eml | head -1) && [ -n \"\$f\" ] && ! grep -qi '^X-Relayhint' \"\$f\""
n=$(grep -c 'relayhint: warning: webhook alert not spooled' "$ML")
WHY="$n warning lines: $(grep -m2 'webhook alert not spooled' "$ML" | tr '\n' '|')"
check alert-unwritable-one-warning sh -c "[ $n = 1 ] && grep -q 'webhook alert not spooled.*Not a directory' '$ML'"

# nothing but m365_guard's control case (rguard: Exim logs the failed
# dlopen of the non-object, then the event_action it was in, and an
# empty line after that message, which ends in a newline of its own)
WHY="$(grep -v -e 'not-an-object\.so' -e '^$' "$RUN/log/paniclog" 2>/dev/null | head -5 | tr '\n' '|')"
check exim-paniclog-empty sh -c "! grep -qv -e 'not-an-object\.so' -e '^\$' '$RUN/log/paniclog' 2>/dev/null"
WHY="Exim's own log lines changed their tag"
check exim-own-tag-untouched sh -c "! grep -q 'relayhint-exim.*<= ' '$SL'"

if [ "${RH_EXIM_KEEP:-}" = 1 ]; then echo "kept: $RUN" >&2; fi
finish
