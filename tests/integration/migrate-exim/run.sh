#!/bin/sh
# run.sh - relayhint migrate on the real Exim 4.96, end to end
#
# The private Debian Exim of tests/integration/exim/setup.sh (exim4-daemon-
# heavy and exim4-config unpacked, not installed) relays through a fake
# Microsoft 365 (tests/lib/fake_smtp.py) and signs in at a fake Entra ID
# (tests/integration/oauth/fake_entra.py), both HTTPS/STARTTLS with a
# certificate from this test's own CA.  Everything runs in a private
# network and mount namespace: loopback only, /etc/hosts maps
# smtp.office365.com and contoso-example.mail.protection.outlook.com to
# 127.0.0.1, so the relay's configuration is the production one (port 587,
# port 25, the real names) and nothing outside the namespace changes.
#
#   1. a relay that logs in with a password delivers (AUTH LOGIN);
#   2. plan (read-only); --login --apply for the wrong mailbox: signed in,
#      but the probe's XOAUTH2 login is refused, the cause is named and
#      nothing is applied;
#   3. --login --apply: device flow at the fake Entra ID, probe login and
#      test message, then the files; Exim delivers with the generated
#      XOAUTH2 authenticator, again after relayhint token refresh (the
#      fake takes only the newest token); a refused token gets Microsoft's
#      334 JSON challenge answered with an empty line (not "*"), the 535
#      lands in the main log and classifies as m365.auth.bad_credentials;
#      doctor is clean; --rollback restores every file byte for byte and
#      the password delivery works again;
#   4. --to connector --apply: delivered over TLS to the tenant's MX host
#      on port 25 with no AUTH; doctor clean; rollback byte for byte;
#   5. Debian's split configuration (a private copy of exim4-config's
#      /etc/exim4 with conf.d and update-exim4.conf.conf): plan, apply
#      (--no-verify) with update-exim4.conf, the generated file has the
#      XOAUTH2 authenticator and no LOGIN/PLAIN client, rollback byte for
#      byte (the generated file included); the connector edits
#      dc_smarthost.
# No token, password or client secret in any output.
#
# Prints "PASS: name", "FAIL: name: why" or "SKIP: name: why"; SKIP only
# when this machine cannot run it (not root, no unshare, packages not
# installable); CI=true turns those into FAIL.  Needs root.  ~30 s after
# the first setup.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../../.." && pwd)
RH=$SRC/build/relayhint
BASE=${RH_EXIM_BASE:-/var/tmp/relayhint-exim}
EXIM=$BASE/root/usr/sbin/exim4
W=/var/tmp/relayhint-mexim		# fixed: listed in trusted_configs
R=$W/relay
CONF=$R/etc/exim.conf
CID=00000000-1111-2222-3333-444444444444
PW='ExIm-Pa55word-not-to-print'
SECRET='Cs~fake.CLIENT-secret_9'
NPASS=0 NFAIL=0 NSKIP=0
pass() { echo "PASS: $1"; NPASS=$((NPASS + 1)); }
fail() { echo "FAIL: $1: $2"; NFAIL=$((NFAIL + 1)); }
skip() {
	if [ "${CI:-}" = true ]; then fail "$1" "$2 (CI=true: not skipped)"
	else echo "SKIP: $1: $2"; NSKIP=$((NSKIP + 1)); fi
}
finish() {
	echo "migrate-exim: $NPASS passed, $NFAIL failed, $NSKIP skipped" >&2
	[ "$NFAIL" = 0 ]
	exit $?
}
# check NAME WHY CMD...: PASS when CMD succeeds
check() {
	local n=$1 why=$2; shift 2
	if "$@" >/dev/null 2>&1; then pass "$n"; else fail "$n" "$why"; fi
}

#
# Outside the namespace: packages, certificates, then re-enter
#
if [ "${RH_MEXIM_NS:-}" != 1 ]; then
	[ -x "$RH" ] || { fail build "no $RH (run make)"; finish; }
	if [ "$(id -u)" != 0 ]; then skip migrate-exim "needs root"; finish; fi
	if ! unshare -mn --propagation private true 2>/dev/null; then
		skip migrate-exim "unshare -mn refused here"; finish
	fi
	mkdir -p "$BASE"
	exec 9>"$BASE/.lock"	# setup.sh's files are shared with the exim test
	flock -w 300 9 || { fail lock "$BASE/.lock held for 300 s"; finish; }
	if ! out=$(sh "$SRC/tests/integration/exim/setup.sh" "$BASE" 2>&1); then
		skip migrate-exim "setup.sh: $out"; finish
	fi
	# update-exim4.conf and Debian's conf.d: exim4-config, unpacked next
	# to the daemon (setup.sh downloads it with the others)
	if [ ! -x "$BASE/root/usr/sbin/update-exim4.conf" ]; then
		if ! ls "$BASE"/debs/exim4-config_*.deb >/dev/null 2>&1; then
			chown _apt "$BASE/debs" 2>/dev/null
			(cd "$BASE/debs" && timeout 300 apt-get download -qq exim4-config) >/dev/null 2>&1
		fi
		for d in "$BASE"/debs/exim4-config_*.deb; do dpkg -x "$d" "$BASE/root"; done
	fi
	exec 9>&-
	[ -x "$BASE/root/usr/sbin/update-exim4.conf" ] ||
		{ skip migrate-exim "no exim4-config package to unpack"; finish; }
	pass setup
	rm -rf "$W"
	mkdir -p "$W/certs" "$W/m365" "$W/entra" "$R/etc" "$R/spool" "$R/log" "$R/state"
	chmod 755 "$W" "$R" "$R/etc"
	C=$W/certs
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=relayhint-mexim-CA \
	    -keyout "$C/ca.key" -out "$C/ca.pem" 2>/dev/null &&
	openssl req -newkey rsa:2048 -nodes -subj /CN=smtp.office365.com \
	    -keyout "$C/srv.key" -out "$C/srv.csr" 2>/dev/null &&
	printf 'subjectAltName=DNS:smtp.office365.com,DNS:contoso-example.mail.protection.outlook.com,IP:127.0.0.1\n' > "$C/ext" &&
	openssl x509 -req -in "$C/srv.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" \
	    -CAcreateserial -days 2 -extfile "$C/ext" -out "$C/srv.pem" 2>/dev/null ||
	    { fail certs "openssl could not make the test CA"; finish; }
	chmod 644 "$C/ca.pem" "$C/srv.pem"
	grep -qxF "$CONF" /etc/exim4/trusted_configs 2>/dev/null ||
		echo "$CONF" >> /etc/exim4/trusted_configs
	exec unshare -mn --propagation private env RH_MEXIM_NS=1 bash "$0" "$@"
fi

#
# Inside: loopback, names, fakes
#
PIDS=""
cleanup() {
	local p
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	[ "${RH_MEXIM_KEEP:-}" = 1 ] || rm -rf "$W/relay/spool" "$W/deb"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ip link set lo up || { fail netns "ip link set lo up failed"; finish; }
printf '127.0.0.1\tlocalhost\n127.0.0.1\tsmtp.office365.com\n127.0.0.1\tcontoso-example.mail.protection.outlook.com\n' > "$W/hosts"
mount --bind "$W/hosts" /etc/hosts || { fail netns "cannot bind /etc/hosts"; finish; }
C=$W/certs
CA=$C/ca.pem
O=$W/out
mkdir -p "$O"

printf '%s\n' "$SECRET" > "$W/entra/client.secret"
python3 "$SRC/tests/integration/oauth/fake_entra.py" "$C/srv.pem" "$C/srv.key" \
    "$W/entra/port" "$W/entra/requests.log" "$SECRET" "$W/m365/issued" 2>"$W/entra/err" &
PIDS="$PIDS $!"
printf '%s\n' "$PW" > "$W/m365/password"
python3 "$SRC/tests/lib/fake_smtp.py" --cert "$C/srv.pem" --key "$C/srv.key" \
    --log "$W/m365/transcript" --spool "$W/m365" --user relay@contoso.example \
    --password-file "$W/m365/password" --token-file "$W/m365/issued" \
    --listen 587=submit --listen 25=connector --ready "$W/m365/ready" 2>"$W/m365/err" &
PIDS="$PIDS $!"
for i in $(seq 1 100); do
	[ -s "$W/entra/port" ] && [ -s "$W/m365/ready" ] && break; sleep 0.1
done
if [ ! -s "$W/entra/port" ] || [ ! -s "$W/m365/ready" ]; then
	fail fakes "did not start: $(cat "$W/entra/err" "$W/m365/err" | head -5)"; finish
fi
ENTRA=https://127.0.0.1:$(cat "$W/entra/port")

# The relay: Exim with a LOGIN authenticator reading passwd.client, as
# most relays to smtp.office365.com are set up.  allow_localhost and
# self = send only because the "remote" host is 127.0.0.1 here.
printf 'smtp.office365.com:relay@contoso.example:%s\n' "$PW" > "$R/etc/passwd.client"
chown root:Debian-exim "$R/etc/passwd.client"; chmod 640 "$R/etc/passwd.client"
cat > "$CONF" <<EOF
# a relay to Microsoft 365 with a password login
primary_hostname = relay.example.test
domainlist local_domains = relay.example.test
exim_path = $EXIM
spool_directory = $R/spool
log_file_path = $R/log/%slog
log_selector = +outgoing_port +subject
keep_environment =
host_lookup =

begin routers

smarthost:
  driver = manualroute
  domains = ! +local_domains
  transport = remote_smtp_smarthost
  route_list = * smtp.office365.com::587 byname
  self = send
  no_more

begin transports

remote_smtp_smarthost:
  driver = smtp
  port = 587
  allow_localhost
  hosts_require_auth = *
  hosts_require_tls = *
  tls_verify_certificates = $CA
  tls_verify_hosts = *

begin retry

*   *   F,1h,1m

begin authenticators

login:
  driver = plaintext
  public_name = LOGIN
  client_send = <; ; \${extract{1}{:}{\${lookup{\$host}nwildlsearch{$R/etc/passwd.client}{\$value}fail}}} ; \${extract{2}{:}{\${lookup{\$host}nwildlsearch{$R/etc/passwd.client}{\$value}fail}}}
EOF
chmod 644 "$CONF"
chown Debian-exim:Debian-exim "$R/spool" "$R/log"
if ! out=$("$EXIM" -C "$CONF" -bV 2>&1); then
	fail exim-config "$(echo "$out" | tail -3 | tr '\n' ' ')"; finish
fi

# snapshot: checksums, modes and owners of the relay's files (not the
# spool and logs, which mail changes)
snapshot() {
	(cd "$R" && find etc state -type f | sort | while read -r f; do
		printf '%s %s %s\n' "$(md5sum < "$f" | cut -c1-32)" "$(stat -c '%a %U:%G' "$f")" "$f"
	done)
}
# send N: one message to userN@outside.example, delivered at once (-odi)
send() {
	printf 'From: app@relay.example.test\nTo: user%s@outside.example\nSubject: mexim %s\n\nTest message %s.\n' "$1" "$1" "$1" |
	    "$EXIM" -C "$CONF" -odi -f app@relay.example.test "user$1@outside.example" 2>>"$O/exim.err"
}
delivered() { grep -q "=> user$1@outside.example .*H=$2 " "$R/log/mainlog"; }
# the fake's transcript of the last session on PORT
last_session() {
	local id
	id=$(grep " $1#" "$W/m365/transcript" | tail -1 | awk '{print $2}')
	grep " $id " "$W/m365/transcript"
}
spooled() { grep -l "Test message $1\." "$W"/m365/*.eml 2>/dev/null | head -1; }

#
# 1. before: the password login delivers
#
send 1
check before-password-delivery "not delivered: $(tail -3 "$R/log/mainlog" | tr '\n' '|')" \
    sh -c "grep -q '=> user1@outside.example .*H=smtp.office365.com \[127.0.0.1\]:587' '$R/log/mainlog' &&
        grep -q 'LOGIN user=relay@contoso.example password=right' '$W/m365/transcript'"
snapshot > "$O/before"

MIG="$RH migrate --mta exim --exim $EXIM --config-dir $R/etc --tenant contoso.example
    --client-id $CID --token-conf $R/etc/token.conf --token-state $R/state/token.state
    --token-base $ENTRA --ca-file $CA --backup-dir $W/bk --no-reload"

#
# 2. plan; a login for the wrong mailbox is refused by the probe: nothing applied
#
# shellcheck disable=SC2086
$MIG > "$O/plan.out" 2> "$O/plan.err"; rc=$?
snapshot > "$O/plan.snap"
check plan-read-only "rc=$rc $(head -c 600 "$O/plan.err") $(diff "$O/before" "$O/plan.snap" | tr '\n' '|')" \
    sh -c "[ $rc = 0 ] && cmp -s '$O/before' '$O/plan.snap' && [ ! -e '$W/bk' ]"
check plan-exim-diff "$(head -c 1200 "$O/plan.out")" \
    sh -c "grep -q '^+  public_name = XOAUTH2\$' '$O/plan.out' &&
        grep -qF '+  client_send = <; user=relay@contoso.example\\x01auth=Bearer \${readfile{$R/etc/relayhint-xoauth2.token}{}}\\x01\\x01 ; \${if bool{true}{}}' '$O/plan.out' &&
        grep -q '^+# relayhint migrate:   public_name = LOGIN\$' '$O/plan.out' &&
        grep -q '^+# relayhint migrate:   client_send = \*\*\*\*\*\*\*\*\$' '$O/plan.out' &&
        grep -q '^+base_url = $ENTRA\$' '$O/plan.out' &&
        grep -q 'Set-CASMailbox -Identity relay@contoso.example' '$O/plan.out'"

# shellcheck disable=SC2086
$MIG --login --apply --mailbox other@contoso.example > "$O/wrong.out" 2> "$O/wrong.err"; rc=$?
check verify-refused-nothing-applied "rc=$rc $(tail -c 800 "$O/wrong.out") $(cat "$O/wrong.err")" \
    sh -c "[ $rc != 0 ] && ! grep -q XOAUTH2 '$CONF' && [ ! -e '$R/etc/token.conf' ] && [ ! -e '$W/bk' ] &&
        grep -q '^token: signed in' '$O/wrong.out' &&
        grep -q '^PROBE CRITICAL - smtp.office365.com:587 refused the XOAUTH2 token of other@contoso.example: error challenge 334 eyJ.*; cause m365.auth.bad_credentials' '$O/wrong.out' &&
        grep -q 'verify failed (probe exit 2): nothing applied' '$O/wrong.err'"
# what that login wrote is not part of any migration: clear it
rm -f "$R/etc/relayhint-xoauth2.token" "$R/state/token.state" "$R/state/token.state.lock"

#
# 3. --login --apply: sign in, verify, apply; Exim delivers with XOAUTH2
#
# shellcheck disable=SC2086
$MIG --login --apply --test-send probe@outside.example > "$O/apply.out" 2> "$O/apply.err"; rc=$?
stamp=$(sed -n 's/^To undo: relayhint migrate --rollback \([0-9TZ-]*\).*/\1/p' "$O/apply.out")
check apply-login-verify "rc=$rc $(tail -c 1200 "$O/apply.out") $(cat "$O/apply.err")" \
    sh -c "[ $rc = 0 ] && [ -n '$stamp' ] &&
        grep -q 'open https://microsoft.com/devicelogin and enter the code FAKE-CODE' '$O/apply.out' &&
        grep -q '^token: signed in; access token written to $R/etc/relayhint-xoauth2.token' '$O/apply.out' &&
        grep -q '^PROBE OK - smtp.office365.com:587 accepted XOAUTH2 login of relay@contoso.example; test message queued for probe@outside.example' '$O/apply.out' &&
        grep -q '^migrate: wrote $CONF' '$O/apply.out'"
check apply-order "sign-in, probe and writes out of order" \
    sh -c "[ \$(grep -n '^token: signed in' '$O/apply.out' | cut -d: -f1) -lt \$(grep -n '^PROBE OK' '$O/apply.out' | cut -d: -f1) ] &&
        [ \$(grep -n '^PROBE OK' '$O/apply.out' | cut -d: -f1) -lt \$(grep -n '^migrate: wrote' '$O/apply.out' | head -1 | cut -d: -f1) ]"
check probe-test-message "the probe's test message did not reach the fake" \
    sh -c "grep -l 'relayhint probe' '$W'/m365/587-*.eml | head -1 | xargs grep -q '^To: probe@outside.example'"
check token-files-modes "$(stat -c '%n %a %U' "$R/etc/relayhint-xoauth2.token" "$R/state/token.state" "$R/etc/token.conf" 2>&1 | tr '\n' ' ')" \
    sh -c "[ \"\$(stat -c '%a %U' '$R/etc/relayhint-xoauth2.token')\" = '600 Debian-exim' ] &&
        [ \"\$(stat -c '%a %U' '$R/state/token.state')\" = '600 root' ] &&
        [ \"\$(stat -c '%a %U' '$R/etc/token.conf')\" = '600 root' ]"
"$EXIM" -C "$CONF" -bP authenticators > "$O/auths" 2>&1
check exim-accepts-config "$(head -5 "$O/auths" | tr '\n' ' ')" \
    sh -c "'$EXIM' -C '$CONF' -bV && grep -q '^xoauth2_m365 authenticator:' '$O/auths' && ! grep -q '^login authenticator:' '$O/auths'"

# a second run: already done (the mailbox from our authenticator, as no
# LOGIN client is left), nothing written, no second backup
snapshot > "$O/applied"
nbk=$(ls "$W/bk" | wc -l)
# shellcheck disable=SC2086
$MIG --apply --no-verify > "$O/again.out" 2> "$O/again.err"; rc=$?
snapshot > "$O/again.snap"
check oauth-again-already-done "rc=$rc $(head -c 800 "$O/again.out") $(cat "$O/again.err") $(diff "$O/applied" "$O/again.snap" | tr '\n' '|')" \
    sh -c "[ $rc = 0 ] && grep -q '^Already done: ' '$O/again.out' &&
        grep -q '^migrate: already done: nothing written, no backup made\$' '$O/again.out' &&
        cmp -s '$O/applied' '$O/again.snap' && [ \$(ls '$W/bk' | wc -l) = $nbk ] &&
        [ \$(grep -c '^xoauth2_m365:' '$CONF') = 1 ]"

send 2
check oauth-delivery "$(tail -3 "$R/log/mainlog" | tr '\n' '|') $(last_session 587 | tail -5 | tr '\n' '|')" \
    sh -c "grep -q '=> user2@outside.example .*H=smtp.office365.com \[127.0.0.1\]:587.* A=xoauth2_m365' '$R/log/mainlog' &&
        last_session() { id=\$(grep ' 587#' '$W/m365/transcript' | tail -1 | awk '{print \$2}'); grep \" \$id \" '$W/m365/transcript'; };
        last_session | grep -q 'XOAUTH2 user=relay@contoso.example token=right' &&
        ! last_session | grep -q 'LOGIN user' && [ -n \"\$(grep -l 'Test message 2\\.' '$W'/m365/587-*.eml)\" ]"
# the refresher replaces the token; the fake takes only the newest now
"$RH" token refresh --config "$R/etc/token.conf" --force > "$O/refresh.out" 2>&1; rc=$?
send 3
check refresh-then-delivery "rc=$rc $(cat "$O/refresh.out") $(tail -2 "$R/log/mainlog" | tr '\n' '|')" \
    sh -c "[ $rc = 0 ] && grep -q '^token: refreshed' '$O/refresh.out' &&
        [ \"\$(stat -c '%a %U' '$R/etc/relayhint-xoauth2.token')\" = '600 Debian-exim' ] &&
        [ \"\$(cat '$R/etc/relayhint-xoauth2.token')\" = \"\$(tail -1 '$W/m365/issued')\" ] &&
        grep -q '=> user3@outside.example .*A=xoauth2_m365' '$R/log/mainlog'"
"$RH" doctor --mta exim --exim "$EXIM" --config-dir "$CONF" > "$O/doctor.out" 2>&1; rc=$?
check doctor-clean-after-oauth "rc=$rc $(grep -E 'WARN|FAIL' "$O/doctor.out" | head -5 | tr '\n' '|')" \
    sh -c "[ $rc = 0 ] && grep -q 'XOAUTH2' '$O/doctor.out'"

# a refused token: Microsoft's 334 challenge is answered with an empty
# line, and the 535 is in the main log, where relayhint classifies it
printf 'AT-revoked-token\n' > "$R/etc/t.new"
chown Debian-exim "$R/etc/t.new"; chmod 600 "$R/etc/t.new"
mv -f "$R/etc/t.new" "$R/etc/relayhint-xoauth2.token"
send 4
line=$(grep 'xoauth2_m365 authenticator failed' "$R/log/mainlog" | tail -1)
check refused-token-empty-answer "$(last_session 587 | grep -A2 XOAUTH2 | tr '\n' '|')" \
    sh -c "last_session() { id=\$(grep ' 587#' '$W/m365/transcript' | tail -1 | awk '{print \$2}'); grep \" \$id \" '$W/m365/transcript'; };
        last_session | grep -q 'XOAUTH2 user=relay@contoso.example token=wrong' &&
        last_session | grep -q 'C: EMPTY' && ! last_session | grep -q 'C: CANCEL' &&
        last_session | grep -q 'S: 535 5.7.3 Authentication unsuccessful'"
check refused-token-mainlog "[$line] $(tail -3 "$R/log/mainlog" | tr '\n' '|')" \
    sh -c "printf '%s' \"\$0\" | grep -q '535 5.7.3 Authentication unsuccessful' &&
        ! grep -q 'Too few items' '$R/log/mainlog' && ! grep -q '=> user4@' '$R/log/mainlog'" "$line"
"$RH" explain --json "$line" > "$O/explain.json" 2>&1
check refused-token-cause "$(head -c 300 "$O/explain.json")" \
    grep -q '"cause":"m365.auth.bad_credentials"' "$O/explain.json"
"$RH" scan "$R/log/mainlog" > "$O/scan.out" 2>&1
check refused-token-scan "$(head -5 "$O/scan.out" | tr '\n' '|')" grep -q 'm365.auth.bad_credentials' "$O/scan.out"
# fixed by a refresh: the deferred message goes out on the next queue run
"$RH" token refresh --config "$R/etc/token.conf" --force > /dev/null 2>&1
"$EXIM" -C "$CONF" -qff 2>>"$O/exim.err"
for i in $(seq 1 50); do grep -q '=> user4@outside.example' "$R/log/mainlog" && break; sleep 0.2; done
check deferred-then-delivered "$(tail -2 "$R/log/mainlog" | tr '\n' '|')" \
    grep -q '=> user4@outside.example .*A=xoauth2_m365' "$R/log/mainlog"

"$RH" migrate --rollback "$stamp" --backup-dir "$W/bk" --no-reload > "$O/rollback.out" 2>&1; rc=$?
snapshot > "$O/after"
check rollback-byte-for-byte "rc=$rc $(cat "$O/rollback.out" | tr '\n' '|') $(diff "$O/before" "$O/after" | tr '\n' '|')" \
    sh -c "[ $rc = 0 ] && cmp -s '$O/before' '$O/after' && [ ! -e '$R/etc/relayhint-xoauth2.token' ] && [ ! -e '$R/state/token.state' ]"
send 5
check password-delivery-again "$(tail -2 "$R/log/mainlog" | tr '\n' '|')" \
    sh -c "grep -q '=> user5@outside.example .*H=smtp.office365.com \[127.0.0.1\]:587' '$R/log/mainlog' &&
        id=\$(grep ' 587#' '$W/m365/transcript' | tail -1 | awk '{print \$2}') &&
        grep \" \$id \" '$W/m365/transcript' | grep -q 'LOGIN user=relay@contoso.example password=right'"

# app-only: --login with client credentials (no --apply): the token
# files for the Exim user, the secret from --secret-file, never printed
printf '%s\n' "$SECRET" > "$R/client.secret"; chmod 600 "$R/client.secret"
# shellcheck disable=SC2086
$MIG --app-only --secret-file "$R/client.secret" --login > "$O/app.out" 2> "$O/app.err"; rc=$?
check app-only-login "rc=$rc $(tail -c 600 "$O/app.out") $(cat "$O/app.err")" \
    sh -c "[ $rc = 0 ] && grep -q '^migrate: signing in (client credentials)' '$O/app.out' &&
        grep -q '^token: signed in' '$O/app.out' &&
        [ \"\$(cat '$R/etc/relayhint-xoauth2.token')\" = \"\$(tail -1 '$W/m365/issued')\" ] &&
        [ \"\$(stat -c '%a %U' '$R/etc/relayhint-xoauth2.token')\" = '600 Debian-exim' ] &&
        tail -1 '$W/entra/requests.log' | grep -q '\"grant_type\": \"client_credentials\"' &&
        tail -1 '$W/entra/requests.log' | grep -q '\"scope\": \"https://outlook.office365.com/.default\"' &&
        [ ! -e '$R/etc/token.conf' ]"
rm -f "$R/client.secret" "$R/etc/relayhint-xoauth2.token" "$R/state/token.state" "$R/state/token.state.lock"

#
# 4. connector: port 25 of the tenant's MX host, TLS, no AUTH
#
"$RH" migrate --mta exim --exim "$EXIM" --config-dir "$R/etc" --to connector \
    --backup-dir "$W/bk" --no-reload --apply > "$O/conn.out" 2> "$O/conn.err"; rc=$?
cstamp=$(sed -n 's/^To undo: relayhint migrate --rollback \([0-9TZ-]*\).*/\1/p' "$O/conn.out")
check connector-apply "rc=$rc $(tail -c 600 "$O/conn.out") $(cat "$O/conn.err")" \
    sh -c "[ $rc = 0 ] && [ -n '$cstamp' ] && '$EXIM' -C '$CONF' -bV &&
        grep -q 'New-InboundConnector' '$O/conn.out' &&
        grep -q '^  route_list = \* contoso-example.mail.protection.outlook.com byname' '$CONF'"
send 6
check connector-delivery "$(tail -2 "$R/log/mainlog" | tr '\n' '|') $(last_session 25 | tr '\n' '|' | head -c 600)" \
    sh -c "grep -q '=> user6@outside.example .*H=contoso-example.mail.protection.outlook.com \[127.0.0.1\]:25 .*X=TLS' '$R/log/mainlog' &&
        id=\$(grep ' 25#' '$W/m365/transcript' | tail -1 | awk '{print \$2}') &&
        grep \" \$id \" '$W/m365/transcript' | grep -q 'C: STARTTLS' &&
        ! grep \" \$id \" '$W/m365/transcript' | grep -q 'C: AUTH' &&
        [ -n \"\$(grep -l 'Test message 6\\.' '$W'/m365/25-*.eml)\" ]"
"$RH" doctor --mta exim --exim "$EXIM" --config-dir "$CONF" > "$O/cdoctor.out" 2>&1; rc=$?
check doctor-clean-after-connector "rc=$rc $(grep -E 'WARN|FAIL' "$O/cdoctor.out" | head -5 | tr '\n' '|')" \
    sh -c "[ $rc = 0 ] && grep -q 'connector' '$O/cdoctor.out'"
"$RH" migrate --rollback "$cstamp" --backup-dir "$W/bk" --no-reload > "$O/crb.out" 2>&1; rc=$?
snapshot > "$O/after2"
check connector-rollback "rc=$rc $(diff "$O/before" "$O/after2" | tr '\n' '|')" \
    sh -c "[ $rc = 0 ] && cmp -s '$O/before' '$O/after2'"
send 7
check password-delivery-after-connector-rollback "$(tail -2 "$R/log/mainlog" | tr '\n' '|')" \
    grep -q '=> user7@outside.example .*H=smtp.office365.com \[127.0.0.1\]:587' "$R/log/mainlog"

#
# 5. Debian's split configuration (a private copy of /etc/exim4)
#
D=$W/deb/etc
mkdir -p "$W/deb"
cp -a "$BASE/root/etc/exim4" "$D"
cat > "$D/update-exim4.conf.conf" <<'EOF'
dc_eximconfig_configtype='smarthost'
dc_other_hostnames=''
dc_local_interfaces='127.0.0.1 ; ::1'
dc_readhost='example.test'
dc_relay_domains=''
dc_minimaldns='false'
dc_relay_nets=''
dc_smarthost='smtp.office365.com::587'
CFILEMODE='644'
dc_use_split_config='true'
dc_hide_mailname='true'
dc_mailname_in_oh='true'
dc_localdelivery='mail_spool'
EOF
printf 'CONFDIR = %s\n' "$D" > "$D/conf.d/main/000_localmacros"
printf '*.office365.com:relay@contoso.example:%s\n' "$PW" > "$D/passwd.client"
UPD=$BASE/root/usr/sbin/update-exim4.conf
"$UPD" -d "$D" -o "$D/config.autogenerated" > "$O/upd.out" 2>&1 ||
	fail debian-setup "update-exim4.conf: $(head -3 "$O/upd.out")"
dsnap() { (cd "$D" && find . -type f | sort | xargs md5sum); }
dsnap > "$O/dbefore"
DMIG="$RH migrate --mta exim --exim $EXIM --config-dir $D --tenant contoso.example
    --client-id $CID --token-conf $W/deb/token.conf --token-state $W/deb/token.state
    --backup-dir $W/dbk --no-reload"
# shellcheck disable=SC2086
$DMIG > "$O/dplan.out" 2> "$O/dplan.err"; rc=$?
check debian-plan "rc=$rc $(head -c 1500 "$O/dplan.out") $(cat "$O/dplan.err")" \
    sh -c "[ $rc = 0 ] && dsnap() { (cd '$D' && find . -type f | sort | xargs md5sum); }; [ \"\$(dsnap)\" = \"\$(cat '$O/dbefore')\" ] &&
        grep -q '^+++ $D/conf.d/auth/20_relayhint-xoauth2 (relayhint migrate)' '$O/dplan.out' &&
        grep -q '^+# relayhint migrate:   public_name = LOGIN' '$O/dplan.out' &&
        grep -q '^+# relayhint migrate:   public_name = PLAIN' '$O/dplan.out' &&
        grep -q '^+REMOTE_SMTP_SMARTHOST_HOSTS_REQUIRE_TLS = \*' '$O/dplan.out' &&
        grep -q 'rewrites $D/config.autogenerated' '$O/dplan.out'"
# shellcheck disable=SC2086
$DMIG --apply --no-verify > "$O/dapply.out" 2> "$O/dapply.err"; rc=$?
dstamp=$(sed -n 's/^To undo: relayhint migrate --rollback \([0-9TZ-]*\).*/\1/p' "$O/dapply.out")
"$EXIM" -C "$D/config.autogenerated" -bP authenticators > "$O/dauths" 2>&1
"$EXIM" -C "$D/config.autogenerated" -bP transport remote_smtp_smarthost > "$O/dtpt" 2>&1
check debian-apply-update-exim4 "rc=$rc $(tail -c 600 "$O/dapply.out") $(cat "$O/dapply.err") $(head -c 300 "$O/dauths")" \
    sh -c "[ $rc = 0 ] && [ -n '$dstamp' ] && grep -q 'update-exim4.conf rebuilt $D/config.autogenerated' '$O/dapply.out' &&
        '$EXIM' -C '$D/config.autogenerated' -bV &&
        grep -q '^xoauth2_m365 authenticator:' '$O/dauths' &&
        ! grep -q '^login authenticator:' '$O/dauths' && ! grep -q '^plain authenticator:' '$O/dauths' &&
        grep -q '^hosts_require_tls = \*' '$O/dtpt' && ! grep -q 'verify:' '$O/dapply.out'"
# again: already done, not a file changed (update-exim4.conf not run)
dsnap > "$O/dapplied"
# shellcheck disable=SC2086
$DMIG --apply --no-verify > "$O/dagain.out" 2> "$O/dagain.err"; rc=$?
check debian-again-already-done "rc=$rc $(head -c 800 "$O/dagain.out") $(cat "$O/dagain.err")" \
    sh -c "[ $rc = 0 ] && grep -q '^Already done: ' '$O/dagain.out' &&
        grep -q '^migrate: already done' '$O/dagain.out' && ! grep -q 'rewrites ' '$O/dagain.out' &&
        ! grep -q -e 'apply runs' -e 'first logs in' '$O/dagain.out' &&
        grep -q '^Verify: relayhint doctor --mta exim' '$O/dagain.out' &&
        [ \"\$(cd '$D' && find . -type f | sort | xargs md5sum)\" = \"\$(cat '$O/dapplied')\" ] &&
        [ \$(ls '$W/dbk' | wc -l) = 1 ]"
# Debian's remote_smtp_smarthost only tried AUTH: a refused token would go
# on without AUTH into 530 5.7.57; now it requires AUTH with the same hosts
"$RH" doctor --mta exim --exim "$EXIM" --config-dir "$D/config.autogenerated" \
    > "$O/ddoctor.out" 2>&1
check debian-require-auth "$(grep -E '^(hosts_(try|require)_auth)' "$O/dtpt" | head -2 | tr '\n' '|') $(grep hosts_try_auth "$O/ddoctor.out")" \
    sh -c "grep -q '^hosts_require_auth = <; .*passwd.client' '$O/dtpt' &&
        ! grep -q '^hosts_try_auth = .*passwd' '$O/dtpt' &&
        grep -q 'exim.hosts_try_auth' '$O/ddoctor.out' &&
        ! grep -q 'WARN .*exim.hosts_try_auth' '$O/ddoctor.out'"
"$RH" migrate --rollback "$dstamp" --backup-dir "$W/dbk" --no-reload > "$O/drb.out" 2>&1; rc=$?
check debian-rollback "rc=$rc $(cat "$O/drb.out" | tr '\n' '|') $(dsnap | diff "$O/dbefore" - | tr '\n' '|')" \
    sh -c "[ $rc = 0 ] && [ \"\$(cd '$D' && find . -type f | sort | xargs md5sum)\" = \"\$(cat '$O/dbefore')\" ]"
# our conf.d file edited by hand with a password: its old text is shown
# masked, as any other Exim file's
printf 'xoauth2_m365:\n  driver = plaintext\n  public_name = LOGIN\n  client_send = : old@contoso.example : HandEditedPassw0rd\n' \
    > "$D/conf.d/auth/20_relayhint-xoauth2"
# shellcheck disable=SC2086
$DMIG > "$O/dhand.out" 2> "$O/dhand.err"; rc=$?
rm -f "$D/conf.d/auth/20_relayhint-xoauth2"
check debian-own-file-masked "rc=$rc $(grep -n 'client_send' "$O/dhand.out" | head -3 | tr '\n' '|') $(cat "$O/dhand.err")" \
    sh -c "[ $rc = 0 ] && grep -q '^-  client_send = ' '$O/dhand.out' && ! grep -q HandEditedPassw0rd '$O/dhand.out'"
"$RH" migrate --mta exim --exim "$EXIM" --config-dir "$D" --to connector \
    --backup-dir "$W/dbk" --no-reload --apply > "$O/dconn.out" 2> "$O/dconn.err"; rc=$?
dcstamp=$(sed -n 's/^To undo: relayhint migrate --rollback \([0-9TZ-]*\).*/\1/p' "$O/dconn.out")
"$EXIM" -C "$D/config.autogenerated" -bP router smarthost > "$O/drt" 2>&1
check debian-connector "rc=$rc $(tail -c 500 "$O/dconn.out") $(cat "$O/dconn.err") $(grep route_list "$O/drt")" \
    sh -c "[ $rc = 0 ] && grep -q \"^dc_smarthost='contoso-example.mail.protection.outlook.com::25'\$\" '$D/update-exim4.conf.conf' &&
        grep -q '^route_list = \* contoso-example.mail.protection.outlook.com::25 byname' '$O/drt'"
"$RH" migrate --rollback "$dcstamp" --backup-dir "$W/dbk" --no-reload > "$O/dcrb.out" 2>&1; rc=$?
check debian-connector-rollback "rc=$rc $(dsnap | diff "$O/dbefore" - | tr '\n' '|')" \
    sh -c "[ $rc = 0 ] && [ \"\$(cd '$D' && find . -type f | sort | xargs md5sum)\" = \"\$(cat '$O/dbefore')\" ]"

# An admin's override: update-exim4.conf reads conf.d's X.rul instead of
# X when both exist, so the transport's hosts_require_auth goes in the .rul
T=$D/conf.d/transport/30_exim4-config_remote_smtp_smarthost
cp "$T" "$T.rul"
dsnap > "$O/drbefore"
# shellcheck disable=SC2086
$DMIG --apply --no-verify > "$O/drul.out" 2> "$O/drul.err"; rc=$?
drstamp=$(sed -n 's/^To undo: relayhint migrate --rollback \([0-9TZ-]*\).*/\1/p' "$O/drul.out")
"$EXIM" -C "$D/config.autogenerated" -bP transport remote_smtp_smarthost > "$O/drtpt" 2>&1
check debian-rul-override "rc=$rc $(cat "$O/drul.err") $(grep -E '^hosts_(try|require)_auth' "$O/drtpt" | tr '\n' '|')" \
    sh -c "[ $rc = 0 ] && grep -q '^migrate: wrote $T.rul\$' '$O/drul.out' &&
        ! grep -q '^migrate: wrote $T\$' '$O/drul.out' &&
        grep -q '^hosts_require_auth = <; .*passwd.client' '$O/drtpt'"
"$RH" migrate --rollback "$drstamp" --backup-dir "$W/dbk" --no-reload > "$O/drrb.out" 2>&1; rc=$?
check debian-rul-rollback "rc=$rc $(dsnap | diff "$O/drbefore" - | tr '\n' '|')" \
    sh -c "[ $rc = 0 ] && [ \"\$(cd '$D' && find . -type f | sort | xargs md5sum)\" = \"\$(cat '$O/drbefore')\" ]"
rm -f "$T.rul"

# A stale .rul of our own file (an older text of ours, a password login
# in it): once our 20_relayhint-xoauth2 exists, update-exim4.conf reads
# the .rul instead, so it gets our text too; the rollback puts it back
A=$D/conf.d/auth/20_relayhint-xoauth2
cat > "$A.rul" <<EOF
# an older authenticator in relayhint's place, edited by hand
xoauth2_m365:
  driver = plaintext
  public_name = LOGIN
  client_send = : old@contoso.example : $PW
EOF
dsnap > "$O/dobefore"
# shellcheck disable=SC2086
$DMIG --apply --no-verify > "$O/down.out" 2> "$O/down.err"; rc=$?
dostamp=$(sed -n 's/^To undo: relayhint migrate --rollback \([0-9TZ-]*\).*/\1/p' "$O/down.out")
"$EXIM" -C "$D/config.autogenerated" -bP authenticator xoauth2_m365 > "$O/doauth" 2>&1
check debian-own-rul "rc=$rc $(cat "$O/down.err") $(grep -E '^(public_name|client_send)' "$O/doauth" | tr '\n' '|')" \
    sh -c "[ $rc = 0 ] && grep -q '^migrate: wrote $A\$' '$O/down.out' && grep -q '^migrate: wrote $A.rul\$' '$O/down.out' &&
        grep -q 'NOTE: $A.rul is there' '$O/down.out' && grep -q '^-  client_send = \*\*\*\*\*\*\*\*\$' '$O/down.out' &&
        cmp -s '$A' '$A.rul' && grep -q '^public_name = XOAUTH2' '$O/doauth' &&
        grep -q '^client_send = .*user=relay@contoso.example' '$O/doauth'"
# shellcheck disable=SC2086
$DMIG --apply --no-verify > "$O/doagain.out" 2> "$O/doagain.err"; rc=$?
check debian-own-rul-again "rc=$rc $(head -c 600 "$O/doagain.out")" \
    sh -c "[ $rc = 0 ] && grep -q '^migrate: already done' '$O/doagain.out' && ! grep -q NOTE: '$O/doagain.out'"
"$RH" migrate --rollback "$dostamp" --backup-dir "$W/dbk" --no-reload > "$O/dorb.out" 2>&1; rc=$?
check debian-own-rul-rollback "rc=$rc $(dsnap | diff "$O/dobefore" - | tr '\n' '|')" \
    sh -c "[ $rc = 0 ] && [ \"\$(cd '$D' && find . -type f | sort | xargs md5sum)\" = \"\$(cat '$O/dobefore')\" ] && [ ! -e '$A' ]"
rm -f "$A.rul"

#
# No secret in any output: password, client secret, any token issued
#
leak=""
for f in "$O"/* "$R"/log/*; do
	[ -f "$f" ] || continue
	if grep -qF -e "$PW" -e "$SECRET" -e "AT-fake-access" -e "RT-fake-refresh" -e "AT-revoked-token" "$f"; then
		leak="$leak $f"
	fi
done
check no-secret-in-output "found in:$leak" test -z "$leak"
finish
