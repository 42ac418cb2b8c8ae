#!/bin/sh
# run.sh - relayhint migrate against the real Postfix (postconf, postmap)
#
# Private configuration directories (postconf -c DIR, queue_directory in
# the test's own tree; no Postfix is started): a relay that logs in with a
# password to [smtp.office365.com]:587 is
#   1. planned to XOAUTH2 (sasl-xoauth2): the plan changes no file and
#      shows the main.cf lines, the map entry and sasl-xoauth2.conf;
#   2. applied: postconf reads the new values, postmap -q returns the token
#      path, relayhint doctor now sees an XOAUTH2 login; the backup is
#      root-only;
#   3. rolled back: every file, the .db included, is byte for byte what it
#      was, and the files the migration created are gone;
#   4. the same for the connector path (relayhost to the tenant's MX host
#      on port 25, SASL off, TLS encrypt);
#   5. delivery.sh: the same on a running Postfix that delivers through a
#      fake Microsoft 365 (password, XOAUTH2 with Debian's kdexoauth2,
#      connector), with rollback.
# No output of any run may hold the password.
#
# Prints "PASS: name", "FAIL: name: why" or "SKIP: name: why"; under
# CI=true a missing prerequisite is a FAIL.  Exits 0 when nothing failed.
cd "$(dirname "$0")/../../.." || exit 2
top=$(pwd)
RH=$top/build/relayhint
fails=0
. tests/lib/tap.sh
TMP=$(mktemp -d /tmp/rh-migrate.XXXXXX) || exit 2
chmod 755 "$TMP"
trap 'rm -rf "$TMP"' EXIT INT TERM

[ -x "$RH" ] || { bad build "no $RH (run make)"; exit 1; }

if ! command -v postconf >/dev/null 2>&1 && [ "$(id -u)" = 0 ] &&
    command -v apt-get >/dev/null 2>&1; then
	echo "postfix postfix/main_mailer_type select No configuration" |
	    debconf-set-selections 2>/dev/null
	DEBIAN_FRONTEND=noninteractive timeout 200 apt-get install -y -qq \
	    postfix >/dev/null 2>&1 || true
fi
if ! command -v postconf >/dev/null 2>&1 || ! command -v postmap >/dev/null 2>&1 ||
    [ ! -f /etc/postfix/master.cf ] || [ "$(id -u)" != 0 ]; then
	skip "postfix migrate" "needs root and the postfix package (postconf, postmap)"
	exit 0
fi

PW='Pf-S3cret!pass'
CID=00000000-1111-2222-3333-444444444444

# snapshot DIR - checksums of every file under DIR except the backups
snapshot() {
	(cd "$1" && find . -path ./bk -prune -o -type f -print | sort |
	    xargs md5sum)
}

# nosecret NAME FILES... - the password is in none of them
nosecret() {
	n=$1; shift
	if grep -F -q -- "$PW" "$@" 2>/dev/null; then
		bad "$n: no password in output" "found it"
	else
		ok "$n: no password in any output"
	fi
}

# mkpf NAME - a private Postfix with a password login
mkpf() {
	d=$TMP/$1
	mkdir -p "$d/etc" "$d/q"
	cp /etc/postfix/master.cf "$d/etc/master.cf"
	cat > "$d/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $d/q
relayhost = [smtp.office365.com]:587
smtp_sasl_auth_enable = yes
smtp_sasl_password_maps = hash:$d/etc/sasl_passwd
smtp_sasl_security_options = noanonymous
smtp_tls_security_level = may
inet_interfaces = loopback-only
EOF
	printf '# relay login\n[smtp.office365.com]:587 relay@contoso.example:%s\n' \
	    "$PW" > "$d/etc/sasl_passwd"
	chmod 600 "$d/etc/sasl_passwd"
	postmap -c "$d/etc" "hash:$d/etc/sasl_passwd"
}

# --- 1. plan to XOAUTH2: read-only, the exact changes ----------------------
mkpf oa
d=$TMP/oa
snapshot "$d" > "$TMP/oa.before"
MIG="$RH migrate --mta postfix --config-dir $d/etc --tenant contoso.example
    --client-id $CID --xoauth2-conf $d/sasl-xoauth2.conf --backup-dir $d/bk
    --no-reload"
# shellcheck disable=SC2086
$MIG > "$TMP/plan.out" 2> "$TMP/plan.err"; rc=$?
snapshot "$d" > "$TMP/oa.plan"
if [ $rc = 0 ] && cmp -s "$TMP/oa.before" "$TMP/oa.plan" && [ ! -e "$d/bk" ] &&
    grep -q '^+smtp_sasl_mechanism_filter = xoauth2$' "$TMP/plan.out" &&
    grep -q '^+smtp_sasl_security_options =$' "$TMP/plan.out" &&
    grep -q '^-smtp_sasl_security_options = noanonymous$' "$TMP/plan.out" &&
    grep -q '^+smtp_tls_security_level = encrypt$' "$TMP/plan.out" &&
    grep -q '^-\[smtp.office365.com\]:587 relay@contoso.example:\*\*\*\*\*\*\*\*$' "$TMP/plan.out" &&
    grep -q "^+\[smtp.office365.com\]:587 relay@contoso.example:/etc/tokens/relay@contoso.example$" "$TMP/plan.out" &&
    grep -q "token_endpoint\": \"https://login.microsoftonline.com/contoso.example/oauth2/v2.0/token" "$TMP/plan.out" &&
    grep -q "$d/q/etc/tokens/relay@contoso.example" "$TMP/plan.out" &&
    grep -q 'Set-CASMailbox -Identity relay@contoso.example -SmtpClientAuthenticationDisabled \$false' "$TMP/plan.out" &&
    grep -q 'https://outlook.office.com/SMTP.Send offline_access' "$TMP/plan.out"; then
	ok "postfix plan --to oauth: read-only, main.cf/map/sasl-xoauth2.conf diff, chroot token path, Microsoft steps"
else
	bad "postfix plan --to oauth" "rc=$rc $(head -c 1500 "$TMP/plan.out") $(cat "$TMP/plan.err")"
fi
# app-only names the service principal cmdlets and the .default scope
# shellcheck disable=SC2086
$MIG --app-only > "$TMP/plan-app.out" 2>&1
if grep -q "New-ServicePrincipal -AppId $CID" "$TMP/plan-app.out" &&
    grep -q 'Add-MailboxPermission -Identity "relay@contoso.example"' "$TMP/plan-app.out" &&
    grep -q 'SMTP.SendAsApp' "$TMP/plan-app.out" &&
    grep -q 'https://outlook.office365.com/.default' "$TMP/plan-app.out"; then
	ok "postfix plan --app-only: SMTP.SendAsApp, New-ServicePrincipal, Add-MailboxPermission, .default scope"
else
	bad "postfix plan --app-only" "$(head -c 1500 "$TMP/plan-app.out")"
fi

# --- 2. apply -----------------------------------------------------------------
# without sasl-xoauth2 Postfix would defer every message: refused, no change
before=$(snapshot "$d")
# shellcheck disable=SC2086
$MIG --apply > "$TMP/refuse.out" 2> "$TMP/refuse.err"; rc=$?
if [ $rc -ne 0 ] && grep -q 'sasl-xoauth2 is not installed' "$TMP/refuse.err" &&
    [ "$(snapshot "$d")" = "$before" ]; then
	ok "postfix --apply without sasl-xoauth2: refused, no file changed"
else
	bad "postfix --apply without sasl-xoauth2" "rc=$rc $(cat "$TMP/refuse.err")"
fi
# shellcheck disable=SC2086
$MIG --apply --no-verify > "$TMP/apply.out" 2> "$TMP/apply.err"; rc=$?
stamp=$(sed -n 's/^To undo: relayhint migrate --rollback \([0-9TZ-]*\).*/\1/p' "$TMP/apply.out")
got_filter=$(postconf -c "$d/etc" -h smtp_sasl_mechanism_filter 2>&1)
got_opts=$(postconf -c "$d/etc" -h smtp_sasl_security_options 2>&1)
got_tls=$(postconf -c "$d/etc" -h smtp_tls_security_level 2>&1)
got_map=$(postmap -c "$d/etc" -q '[smtp.office365.com]:587' "hash:$d/etc/sasl_passwd" 2>&1)
"$RH" doctor --json --mta postfix --config-dir "$d/etc" \
    --xoauth2-conf "$d/sasl-xoauth2.conf" > "$TMP/doctor.json" 2>> "$TMP/apply.err"
bkmode=$(stat -c %a "$d/bk/$stamp" 2>/dev/null)
if [ $rc = 0 ] && [ -n "$stamp" ] && [ "$got_filter" = xoauth2 ] &&
    [ -z "$got_opts" ] && [ "$got_tls" = encrypt ] &&
    [ "$got_map" = "relay@contoso.example:/etc/tokens/relay@contoso.example" ] &&
    [ "$(stat -c %a "$d/etc/sasl_passwd")" = 600 ] &&
    [ "$bkmode" = 700 ] && [ -s "$d/sasl-xoauth2.conf" ] &&
    postconf -c "$d/etc" -n > /dev/null 2> "$TMP/postconf.err" &&
    [ ! -s "$TMP/postconf.err" ] &&
    python3 - "$TMP/doctor.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
h = r["relay_hosts"][0]
if not (h["login"] == "xoauth2"): sys.exit("check failed: %s" % (h,))
if not (h["mailbox"] == "relay@contoso.example"): sys.exit("check failed: %s" % (h,))
ids = {c["id"]: c["level"] for c in r["checks"]}
if not (ids.get("sasl.mechanism_filter", "OK") != "WARN"): sys.exit("check failed: %s" % (ids,))
if not ("basic_auth.deadline" not in ids or ids["basic_auth.deadline"] == "OK"): sys.exit("check failed: %s" % (ids,))
PY
then
	ok "postfix --apply: postconf reads xoauth2 filter/empty options/encrypt, map has the token path, doctor sees XOAUTH2, backup 0700"
else
	bad "postfix --apply" "rc=$rc stamp=$stamp filter=$got_filter opts=$got_opts tls=$got_tls map=$got_map bk=$bkmode $(cat "$TMP/apply.err") $(head -c 800 "$TMP/doctor.json")"
fi

# a second run on the migrated relay: already done, nothing written,
# no second backup
snapshot "$d" > "$TMP/oa.applied"
nbk=$(ls "$d/bk" | wc -l)
# shellcheck disable=SC2086
$MIG > "$TMP/again.out" 2> "$TMP/again.err"; rc=$?
# shellcheck disable=SC2086
$MIG --apply > "$TMP/again-apply.out" 2> "$TMP/again-apply.err"; rc2=$?
if [ $rc = 0 ] && [ $rc2 = 0 ] && grep -q '^Already done: ' "$TMP/again.out" &&
    ! grep -q '^[-+][^-+]' "$TMP/again.out" &&
    grep -q '^migrate: already done: nothing written, no backup made$' "$TMP/again-apply.out" &&
    ! grep -q 'sasl-xoauth2 is not installed' "$TMP/again-apply.err" &&
    snapshot "$d" | cmp -s - "$TMP/oa.applied" && [ "$(ls "$d/bk" | wc -l)" = "$nbk" ]; then
	ok "postfix --to oauth again: the plan says Already done, --apply writes nothing and makes no backup (exit 0)"
else
	bad "postfix --to oauth again" "rc=$rc rc2=$rc2 $(head -c 800 "$TMP/again.out") $(cat "$TMP/again.err" "$TMP/again-apply.err") $(tail -3 "$TMP/again-apply.out")"
fi

# --- 3. rollback: byte for byte ----------------------------------------------
"$RH" migrate --rollback "$stamp" --backup-dir "$d/bk" --no-reload > "$TMP/rb.out" 2>&1; rc=$?
snapshot "$d" > "$TMP/oa.after"
if [ $rc = 0 ] && cmp -s "$TMP/oa.before" "$TMP/oa.after" &&
    [ ! -e "$d/sasl-xoauth2.conf" ] &&
    [ "$(postconf -c "$d/etc" -h smtp_sasl_security_options)" = noanonymous ]; then
	ok "postfix --rollback: every file (main.cf, sasl_passwd, sasl_passwd.db) byte for byte, created files removed"
else
	bad "postfix --rollback" "rc=$rc $(cat "$TMP/rb.out") $(diff "$TMP/oa.before" "$TMP/oa.after")"
fi
"$RH" migrate --rollback ../etc --backup-dir "$d/bk" > /dev/null 2>&1
[ $? = 2 ] && ok "--rollback refuses a path as stamp (exit 2)" || bad "--rollback path" "accepted"
nosecret "postfix oauth" "$TMP/plan.out" "$TMP/plan.err" "$TMP/plan-app.out" \
    "$TMP/apply.out" "$TMP/apply.err" "$TMP/doctor.json" "$TMP/rb.out" \
    "$TMP/again.out" "$TMP/again.err" "$TMP/again-apply.out" "$TMP/again-apply.err"

# --- 4. connector -------------------------------------------------------------
mkpf co
d=$TMP/co
snapshot "$d" > "$TMP/co.before"
# earlier migrations in the same second (a rollback, then the other
# path): the stamps of the next few seconds are taken already
mkdir -m 700 "$d/bk"
now=$(date +%s)
for s in 0 1 2 3 4 5; do
	mkdir "$d/bk/$(date -u -d "@$((now + s))" +%Y%m%dT%H%M%SZ)"
done
"$RH" migrate --mta postfix --to connector --config-dir "$d/etc" \
    --backup-dir "$d/bk" --no-reload --apply > "$TMP/co.out" 2> "$TMP/co.err"; rc=$?
stamp=$(sed -n 's/^To undo: relayhint migrate --rollback \([0-9TZ-]*\).*/\1/p' "$TMP/co.out")
case $stamp in
*Z-2) ok "postfix --apply: a stamp already taken in the same second gets a suffix ($stamp)" ;;
*) bad "postfix --apply stamp suffix" "stamp=$stamp rc=$rc $(cat "$TMP/co.err")" ;;
esac
"$RH" doctor --json --mta postfix --config-dir "$d/etc" > "$TMP/co.json" 2>> "$TMP/co.err"
if [ $rc = 0 ] &&
    [ "$(postconf -c "$d/etc" -h relayhost)" = "[contoso-example.mail.protection.outlook.com]:25" ] &&
    [ "$(postconf -c "$d/etc" -h smtp_sasl_auth_enable)" = no ] &&
    [ "$(postconf -c "$d/etc" -h smtp_tls_security_level)" = encrypt ] &&
    grep -q 'New-InboundConnector -Name "relayhint relay" -ConnectorType OnPremises -SenderDomains \*.contoso.example' "$TMP/co.out" &&
    grep -q '5.7.64' "$TMP/co.out" &&
    python3 - "$TMP/co.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
h = r["relay_hosts"][0]
if not (h["kind"] == "m365-connector" and h["login"] == "none"): sys.exit("check failed: %s" % (h,))
PY
then
	ok "postfix --to connector --apply: relayhost [tenant MX]:25, SASL off, TLS encrypt, New-InboundConnector, doctor sees a connector"
else
	bad "postfix connector" "rc=$rc $(head -c 1200 "$TMP/co.out") $(cat "$TMP/co.err") $(head -c 600 "$TMP/co.json")"
fi
# again, without --domain: SASL is off, so doctor reads no mailbox to
# derive the host from; the connector host stays (the plan used to put
# the CONTOSO-COM placeholder there)
snapshot "$d" > "$TMP/co.applied"
nbk=$(ls "$d/bk" | wc -l)
"$RH" migrate --mta postfix --to connector --config-dir "$d/etc" \
    --backup-dir "$d/bk" --no-reload --apply > "$TMP/co-again.out" 2> "$TMP/co-again.err"; rc=$?
if [ $rc = 0 ] && grep -q '^Already done: ' "$TMP/co-again.out" &&
    grep -q '^migrate: already done: nothing written' "$TMP/co-again.out" &&
    grep -q 'Mail goes to contoso-example.mail.protection.outlook.com:25' "$TMP/co-again.out" &&
    snapshot "$d" | cmp -s - "$TMP/co.applied" && [ "$(ls "$d/bk" | wc -l)" = "$nbk" ]; then
	ok "postfix --to connector again: already done, the connector host kept, no file written, no backup"
else
	bad "postfix --to connector again" "rc=$rc $(head -c 800 "$TMP/co-again.out") $(cat "$TMP/co-again.err") relayhost=$(postconf -c "$d/etc" -h relayhost)"
fi
"$RH" migrate --rollback "$stamp" --backup-dir "$d/bk" --no-reload > "$TMP/co-rb.out" 2>&1; rc=$?
snapshot "$d" > "$TMP/co.after"
if [ $rc = 0 ] && cmp -s "$TMP/co.before" "$TMP/co.after"; then
	ok "postfix connector --rollback: byte for byte"
else
	bad "postfix connector --rollback" "rc=$rc $(cat "$TMP/co-rb.out")"
fi
nosecret "postfix connector" "$TMP/co.out" "$TMP/co.err" "$TMP/co.json" "$TMP/co-rb.out"

# --- Postfix running, with mail delivered before, during and after ------------
# (own namespaces; its PASS/FAIL lines are counted with these)
sh tests/integration/migrate/delivery.sh || fails=$((fails + 1))

# --- Exim (private unpack of Debian's exim4-daemon-heavy) ---------------------
EXIM=
for b in "${RH_EXIM_BASE:-/var/tmp/relayhint-exim}" /var/tmp/relayhint-doctor-exim; do
	[ -x "$b/root/usr/sbin/exim4" ] && { EXIM=$b/root/usr/sbin/exim4; EBASE=$b; break; }
done
if [ -z "$EXIM" ] && [ -f tests/integration/exim/setup.sh ]; then
	if timeout 220 sh tests/integration/exim/setup.sh /var/tmp/relayhint-exim >/dev/null 2>"$TMP/exim-setup.err"; then
		EXIM=/var/tmp/relayhint-exim/root/usr/sbin/exim4; EBASE=/var/tmp/relayhint-exim
	fi
fi
if [ -z "$EXIM" ]; then
	skip "exim migrate" "no private Exim ($(head -c 200 "$TMP/exim-setup.err" 2>/dev/null))"
	[ $fails = 0 ]; exit
fi
XPW='ExImS3cretPassw0rd'
TOK='eyJ0eXAi.exim-fake-ACCESS-token_1'
# mkex NAME - an Exim relay with a LOGIN authenticator and passwd.client
mkex() {
	d=$TMP/$1
	mkdir -p "$d/spool"
	chmod 755 "$d"
	printf '*:relay@contoso.example:%s\n' "$XPW" > "$d/passwd.client"
	cat > "$d/exim.conf" <<EOF
primary_hostname = relay.example.test
domainlist local_domains = relay.example.test
spool_directory = $d/spool
log_file_path = $d/spool/%slog
keep_environment =
begin routers
smarthost:
  driver = manualroute
  domains = ! +local_domains
  transport = remote_smtp_smarthost
  route_list = * smtp.office365.com::587 byname
  no_more
begin transports
remote_smtp_smarthost:
  driver = smtp
  port = 587
  hosts_require_auth = *
  hosts_require_tls = *
begin authenticators
login:
  driver = plaintext
  public_name = LOGIN
  client_send = : \${extract{1}{:}{\${lookup{\$host}nwildlsearch{$d/passwd.client}{\$value}fail}}} : \${extract{2}{:}{\${lookup{\$host}nwildlsearch{$d/passwd.client}{\$value}fail}}}
EOF
}
mkex ex
d=$TMP/ex
snapshot "$d" > "$TMP/ex.before"
EMIG="$RH migrate --mta exim --exim $EXIM --config-dir $d --tenant contoso.example
    --client-id $CID --token-conf $d/token.conf --backup-dir $d/bk --no-reload"
# shellcheck disable=SC2086
$EMIG > "$TMP/ex-plan.out" 2> "$TMP/ex-plan.err"; rc=$?
if [ $rc = 0 ] && grep -q '^+  public_name = XOAUTH2$' "$TMP/ex-plan.out" &&
    grep -q "^+# relayhint migrate:   public_name = LOGIN$" "$TMP/ex-plan.out" &&
    grep -q "^+# relayhint migrate:   client_send = \*\*\*\*\*\*\*\*$" "$TMP/ex-plan.out" &&
    grep -q "^+owner = Debian-exim$" "$TMP/ex-plan.out" &&
    snapshot "$d" | cmp -s - "$TMP/ex.before"; then
	ok "exim plan --to oauth: XOAUTH2 authenticator in, LOGIN commented out (value hidden), token.conf, read-only"
else
	bad "exim plan" "rc=$rc $(head -c 1500 "$TMP/ex-plan.out") $(cat "$TMP/ex-plan.err")"
fi
# shellcheck disable=SC2086
$EMIG --apply --no-verify > "$TMP/ex-apply.out" 2> "$TMP/ex-apply.err"; rc=$?
stamp=$(sed -n 's/^To undo: relayhint migrate --rollback \([0-9TZ-]*\).*/\1/p' "$TMP/ex-apply.out")
printf '%s\n' "$TOK" > "$d/relayhint-xoauth2.token"
# as relayhint token refresh leaves it: the Exim user's, mode 0600; Exim
# runs a -C configuration that is not trusted as Debian-exim
chown Debian-exim "$d/relayhint-xoauth2.token" "$d/spool"
chmod 600 "$d/relayhint-xoauth2.token"
"$EXIM" -C "$d/exim.conf" -bV > /dev/null 2> "$TMP/ex-bv.err"; bv=$?
"$EXIM" -C "$d/exim.conf" -bP authenticators > "$TMP/ex-auth.out" 2>&1
item=$(sed -n 's/^  client_send = <; \(.*\) ; .*/\1/p' "$d/exim.conf")
"$EXIM" -C "$d/exim.conf" -be "\${base64:$item}" 2>/dev/null > "$TMP/ex-b64"
if [ $rc = 0 ] && [ $bv = 0 ] && grep -q '^xoauth2_m365 authenticator:' "$TMP/ex-auth.out" &&
    ! grep -q '^login authenticator:' "$TMP/ex-auth.out" &&
    python3 - "$TMP/ex-b64" "$TOK" <<'PY'
import base64, sys
got = base64.b64decode(open(sys.argv[1]).read().strip())
want = b"user=relay@contoso.example\x01auth=Bearer " + sys.argv[2].encode() + b"\x01\x01"
if not (got == want): sys.exit("check failed: %s" % ((got, want),))
PY
then
	ok "exim --apply: exim -bV accepts it, only xoauth2_m365 is left, client_send expands to base64(user=..^Aauth=Bearer TOKEN^A^A)"
else
	bad "exim --apply" "rc=$rc bv=$bv $(cat "$TMP/ex-apply.err" "$TMP/ex-bv.err") $(head -c 400 "$TMP/ex-auth.out")"
fi

# Again, without --mailbox (no LOGIN client is left to read it from: ours
# names it): already done, exim.conf byte for byte, no second backup
snapshot "$d" > "$TMP/ex.applied"
nbk=$(ls "$d/bk" | wc -l)
# shellcheck disable=SC2086
$EMIG --apply --no-verify > "$TMP/ex-again.out" 2> "$TMP/ex-again.err"; rc=$?
if [ $rc = 0 ] && grep -q '^Already done: ' "$TMP/ex-again.out" &&
    grep -q '^migrate: already done: nothing written' "$TMP/ex-again.out" &&
    ! grep -q 'CHECK:' "$TMP/ex-again.out" &&
    snapshot "$d" | cmp -s - "$TMP/ex.applied" && [ "$(ls "$d/bk" | wc -l)" = "$nbk" ] &&
    [ "$(grep -c '^xoauth2_m365:' "$d/exim.conf")" = 1 ]; then
	ok "exim --to oauth again: already done, one xoauth2_m365, exim.conf byte for byte, no backup"
else
	bad "exim --to oauth again" "rc=$rc $(head -c 1200 "$TMP/ex-again.out") $(cat "$TMP/ex-again.err")"
fi

# The delivery through a fake Microsoft 365, --login and the verify step:
# tests/integration/migrate-exim.
rm -f "$d/relayhint-xoauth2.token"
rm -rf "$d/spool"
mkdir -p "$d/spool"
"$RH" migrate --rollback "$stamp" --backup-dir "$d/bk" --no-reload > "$TMP/ex-rb.out" 2>&1; rc=$?
if [ $rc = 0 ] && snapshot "$d" | cmp -s - "$TMP/ex.before" && [ ! -e "$d/token.conf" ]; then
	ok "exim --rollback: exim.conf byte for byte, token.conf removed"
else
	bad "exim --rollback" "rc=$rc $(cat "$TMP/ex-rb.out") $(snapshot "$d" | diff - "$TMP/ex.before")"
fi

# connector
"$RH" migrate --mta exim --exim "$EXIM" --to connector --config-dir "$d" \
    --backup-dir "$d/bk" --no-reload --apply > "$TMP/exc.out" 2> "$TMP/exc.err"; rc=$?
stamp=$(sed -n 's/^To undo: relayhint migrate --rollback \([0-9TZ-]*\).*/\1/p' "$TMP/exc.out")
"$EXIM" -C "$d/exim.conf" -bV > /dev/null 2>&1; bv=$?
"$EXIM" -C "$d/exim.conf" -bP transport remote_smtp_smarthost > "$TMP/exc-t.out" 2>&1
"$EXIM" -C "$d/exim.conf" -bP router smarthost > "$TMP/exc-r.out" 2>&1
if [ $rc = 0 ] && [ $bv = 0 ] && grep -q '^port = 25$' "$TMP/exc-t.out" &&
    grep -q '^hosts_require_auth = $' "$TMP/exc-t.out" &&
    grep -q '^hosts_require_tls = \*$' "$TMP/exc-t.out" &&
    grep -q '^route_list = \* contoso-example.mail.protection.outlook.com byname$' "$TMP/exc-r.out"; then
	ok "exim --to connector --apply: route_list to the tenant MX, port 25, no AUTH, TLS required (exim -bP)"
else
	bad "exim connector" "rc=$rc bv=$bv $(cat "$TMP/exc.err") $(cat "$TMP/exc-t.out" "$TMP/exc-r.out" | head -c 900)"
fi
rm -rf "$d/spool"
mkdir -p "$d/spool"
"$RH" migrate --rollback "$stamp" --backup-dir "$d/bk" --no-reload > "$TMP/exc-rb.out" 2>&1; rc=$?
if [ $rc = 0 ] && snapshot "$d" | cmp -s - "$TMP/ex.before"; then
	ok "exim connector --rollback: byte for byte"
else
	bad "exim connector --rollback" "rc=$rc $(cat "$TMP/exc-rb.out") $(snapshot "$d" | diff - "$TMP/ex.before")"
fi
# The review's corner cases, each on a fresh relay, checked by Exim itself.
# exrun NAME ARGS...: migrate on $TMP/NAME, output in $TMP/exNAME.out/.err
exrun() {
	n=$1; shift
	"$RH" migrate --mta exim --exim "$EXIM" --config-dir "$TMP/$n" \
	    --backup-dir "$TMP/$n/bk" --no-reload "$@" > "$TMP/ex$n.out" \
	    2> "$TMP/ex$n.err"
}
# expartner DIR OPTION: a router to mail.partner.example and its own
# smtp transport, which logs in there with OPTION (hosts_try_auth or
# hosts_require_auth)
expartner() {
	python3 - "$TMP/$1/exim.conf" "$2" <<'PY'
import sys
p, opt = sys.argv[1], sys.argv[2]; s = open(p).read()
s = s.replace("begin routers\n", "begin routers\npartner:\n  driver = manualroute\n"
    "  domains = partner.example\n  transport = partner_smtp\n"
    "  route_list = * mail.partner.example::587 byname\n  no_more\n")
s = s.replace("begin authenticators\n", "partner_smtp:\n  driver = smtp\n  port = 587\n"
    "  %s = mail.partner.example\nbegin authenticators\n" % opt)
open(p, "w").write(s)
PY
}
# 1. Debian's hosts_try_auth over several lines; a second router and
#    transport to another smarthost that logs in too
mkex xc
python3 - "$TMP/xc/exim.conf" <<'PY'
import sys
p = sys.argv[1]; s = open(p).read()
s = s.replace("  hosts_require_auth = *\n",
    "  hosts_try_auth = <; ${if exists{/nonexistent/passwd.client} \\\n"
    "        {${lookup{$host}nwildlsearch{/nonexistent/passwd.client} \\\n"
    "        {$host_address}}}{}}\n")
open(p, "w").write(s)
PY
expartner xc hosts_try_auth
exrun xc --to connector --apply; rc=$?
"$EXIM" -C "$TMP/xc/exim.conf" -bV > /dev/null 2> "$TMP/exxc-bv.err"; bv=$?
"$EXIM" -C "$TMP/xc/exim.conf" -bP transport remote_smtp_smarthost > "$TMP/exxc-t.out" 2>&1
"$EXIM" -C "$TMP/xc/exim.conf" -bP transport partner_smtp > "$TMP/exxc-p.out" 2>&1
if [ $rc = 0 ] && [ $bv = 0 ] && grep -q -- '-bV accepts the new' "$TMP/exxc.out" &&
    grep -q '^hosts_try_auth = $' "$TMP/exxc-t.out" && grep -q '^port = 25$' "$TMP/exxc-t.out" &&
    grep -q '^hosts_try_auth = mail.partner.example$' "$TMP/exxc-p.out" &&
    grep -q '^port = 587$' "$TMP/exxc-p.out"; then
	ok "exim --to connector: a continued hosts_try_auth is commented out whole (exim -bV checked before writing), the partner transport keeps AUTH and 587"
else
	bad "exim connector continued/partner" "rc=$rc bv=$bv $(cat "$TMP/exxc.err" "$TMP/exxc-bv.err") $(cat "$TMP/exxc-t.out" "$TMP/exxc-p.out" | head -c 900)"
fi
# 2. the host through a macro: the connector changes nothing and says
#    what to edit; --to oauth says NOT DONE for the transport, with its
#    hosts_try_auth line as written (a macro name) before and after
mkex xm
sed -i -e 's/^  route_list = \* smtp.office365.com::587 byname$/  route_list = * SMARTHOST byname/' \
    -e 's/^  hosts_require_auth = \*$/  hosts_try_auth = M365_AUTH_HOSTS/' \
    -e 's/^keep_environment =$/keep_environment =\nSMARTHOST = smtp.office365.com::587\nM365_AUTH_HOSTS = */' "$TMP/xm/exim.conf"
snapshot "$TMP/xm" > "$TMP/xm.before"
exrun xm --to connector --apply; rc=$?
"$RH" migrate --mta exim --exim "$EXIM" --config-dir "$TMP/xm" --tenant contoso.example \
    --client-id "$CID" --token-conf "$TMP/xm/token.conf" --no-reload > "$TMP/exxm-o.out" 2> "$TMP/exxm-o.err"; rc2=$?
if [ $rc = 3 ] && grep -q 'through a macro or expansion' "$TMP/exxm.err" &&
    grep -q 'the macro SMARTHOST' "$TMP/exxm.err" &&
    snapshot "$TMP/xm" | cmp -s - "$TMP/xm.before" &&
    [ $rc2 = 0 ] && grep -q 'NOT DONE.*the transport remote_smtp_smarthost' "$TMP/exxm-o.out" &&
    grep -qx '      -  hosts_try_auth = M365_AUTH_HOSTS' "$TMP/exxm-o.out" &&
    grep -qx '      +  hosts_require_auth = M365_AUTH_HOSTS' "$TMP/exxm-o.out" &&
    ! grep -q 'LIST' "$TMP/exxm-o.out"; then
	ok "exim, host through a macro: --to connector refuses and changes nothing; --to oauth prints a NOT DONE step for remote_smtp_smarthost with its hosts_try_auth line as written"
else
	bad "exim macro" "rc=$rc rc2=$rc2 $(cat "$TMP/exxm.err" "$TMP/exxm-o.err") $(grep -A3 'NOT DONE' "$TMP/exxm-o.out")"
fi
# the transport picked by an expansion: which one is unknown, so the step
# names the candidates and says what to keep, without a placeholder
mkex xe
sed -i -e 's/^  transport = remote_smtp_smarthost$/  transport = ${if eq{$domain}{x.example}{remote_smtp_smarthost}{remote_smtp_smarthost}}/' \
    -e 's/^  hosts_require_auth = \*$/  hosts_try_auth = */' "$TMP/xe/exim.conf"
"$RH" migrate --mta exim --exim "$EXIM" --config-dir "$TMP/xe" --tenant contoso.example \
    --client-id "$CID" --token-conf "$TMP/xe/token.conf" --no-reload > "$TMP/exxe.out" 2> "$TMP/exxe.err"; rc=$?
if [ $rc = 0 ] && grep -q 'NOT DONE.*picks the transport with an expansion.*tries AUTH without requiring it is: remote_smtp_smarthost), rename the option hosts_try_auth to hosts_require_auth and keep its value' "$TMP/exxe.out" &&
    ! grep -q 'LIST' "$TMP/exxe.out"; then
	ok "exim, transport picked by an expansion: the NOT DONE step names the smtp transport that tries AUTH and says to keep its value"
else
	bad "exim expansion NOT DONE" "rc=$rc $(cat "$TMP/exxe.err") $(grep -A3 'NOT DONE' "$TMP/exxe.out")"
fi
# 3. an Exim that refuses the new text: nothing written, no backup
mkex xv
printf '#!/bin/sh\n# a test double: refuses the copy relayhint checks\ncase "$*" in *relayhint-check*-bV*) echo "Exim configuration error (test double)" >&2; exit 1;; esac\nexec "%s" "$@"\n' "$EXIM" > "$TMP/xv-exim"
chmod 755 "$TMP/xv-exim"
snapshot "$TMP/xv" > "$TMP/xv.before"
"$RH" migrate --mta exim --exim "$TMP/xv-exim" --config-dir "$TMP/xv" --to connector \
    --backup-dir "$TMP/xv/bk" --no-reload --apply > "$TMP/exxv.out" 2> "$TMP/exxv.err"; rc=$?
if [ $rc = 3 ] && grep -q 'test double' "$TMP/exxv.err" && grep -q 'nothing changed' "$TMP/exxv.err" &&
    [ ! -e "$TMP/xv/bk" ] && snapshot "$TMP/xv" | cmp -s - "$TMP/xv.before" &&
    ! ls -a "$TMP/xv" | grep -q relayhint-check; then
	ok "exim --apply: when exim -bV refuses the new text, exit 3, Exim's message, nothing written or backed up"
else
	bad "exim -bV refusal" "rc=$rc $(cat "$TMP/exxv.err")"
fi
# 4. an .endif closing an .ifdef before the block; a PLAIN authenticator
#    that serves too, with a password on a continuation line
mkex xa
python3 - "$TMP/xa/exim.conf" "$XPW" <<'PY'
import sys
p, pw = sys.argv[1], sys.argv[2]; s = open(p).read()
s = s.replace("keep_environment =\n", "keep_environment =\nUSE_LOGIN = yes\nauth_advertise_hosts = *\n")
s = s.replace("begin authenticators\nlogin:", "begin authenticators\n.ifdef USE_LOGIN\nlogin:")
s += (".endif\nfixed_plain:\n  driver = plaintext\n  public_name = PLAIN\n  server_prompts = :\n"
    "  server_condition = ${if eq{$auth2}{app}}\n  server_set_id = $auth2\n"
    "  client_send = ^relay@contoso.example \\\n               ^" + pw + "\n")
open(p, "w").write(s)
PY
exrun xa --tenant contoso.example --client-id "$CID" --token-conf "$TMP/xa/token.conf" --apply --no-verify; rc=$?
"$EXIM" -C "$TMP/xa/exim.conf" -bV > /dev/null 2> "$TMP/exxa-bv.err"; bv=$?
"$EXIM" -C "$TMP/xa/exim.conf" -bP authenticators > "$TMP/exxa-a.out" 2>&1
if [ $rc = 0 ] && [ $bv = 0 ] && grep -q '^fixed_plain authenticator:' "$TMP/exxa-a.out" &&
    grep -q '^server_condition = ' "$TMP/exxa-a.out" && ! grep -q '^login authenticator:' "$TMP/exxa-a.out" &&
    grep -q '^client_send = $' "$TMP/exxa-a.out"; then
	ok "exim --to oauth: .ifdef/.endif around LOGIN kept (exim -bV), the serving PLAIN authenticator loses only client_send; the password on its continuation line is not printed"
else
	bad "exim auth wrappers" "rc=$rc bv=$bv $(cat "$TMP/exxa.err" "$TMP/exxa-bv.err") $(head -c 900 "$TMP/exxa-a.out")"
fi
cp "$TMP/xa/exim.conf" "$TMP/xa.applied"
exrun xa --tenant contoso.example --client-id "$CID" --token-conf "$TMP/xa/token.conf" --apply --no-verify
rc=$?
mv "$TMP/exxa.out" "$TMP/exxa-again.out"
if [ $rc = 0 ] && grep -q '^migrate: already done' "$TMP/exxa-again.out" &&
    cmp -s "$TMP/xa/exim.conf" "$TMP/xa.applied"; then
	ok "exim --to oauth again, .ifdef/.endif and a serving PLAIN: already done, byte for byte"
else
	bad "exim auth wrappers again" "rc=$rc $(head -c 900 "$TMP/exxa-again.out") $(cat "$TMP/exxa.err")"
fi
# 5. another transport logs in too: the plan says CHECK with the
#    client_condition line; the LOGIN client restored with it stays so on
#    the next run (already done), and Exim reads the result
mkex xp
expartner xp hosts_require_auth
exrun xp --tenant contoso.example --client-id "$CID" --token-conf "$TMP/xp/token.conf" --apply --no-verify; rc=$?
mv "$TMP/exxp.out" "$TMP/exxp-first.out"
# the admin restores the login block with the line the plan gave, for
# the partner's own user: a second run must not take that user for
# Microsoft's mailbox (it keeps the one of our authenticator)
python3 - "$TMP/xp/exim.conf" <<'PY'
import re, sys
p = sys.argv[1]; s = open(p).read()
mark = "# relayhint migrate: "
s = "\n".join(l[len(mark):] if l.startswith(mark + "login:") or
    (l.startswith(mark + "  ") and "hosts_" not in l) else l for l in s.split("\n"))
s = s.replace("  public_name = LOGIN\n", "  public_name = LOGIN\n"
    "  client_condition = ${if !eq{$host}{smtp.office365.com}}\n")
s = re.sub(r"(\nlogin:\n(?:  .*\n)*?)  client_send = .*\n",
    r"\1  client_send = : partner@partner.example : PartnerPassw0rd\n", s, count=1)
open(p, "w").write(s)
PY
cp "$TMP/xp/exim.conf" "$TMP/xp.restored"
exrun xp --tenant contoso.example --client-id "$CID" --token-conf "$TMP/xp/token.conf" --apply --no-verify; rc2=$?
"$EXIM" -C "$TMP/xp/exim.conf" -bP authenticators > "$TMP/exxp-a.out" 2>&1; bv=$?
if [ $rc = 0 ] && [ $rc2 = 0 ] && [ $bv = 0 ] &&
    grep -q 'CHECK: the transport(s) partner_smtp log in too' "$TMP/exxp-first.out" &&
    grep -q '^migrate: already done' "$TMP/exxp.out" &&
    grep -q 'partner@partner.example : PartnerPassw0rd' "$TMP/xp.restored" &&
    ! grep -q -e 'PartnerPassw0rd' -e 'user=partner@' "$TMP/exxp.out" &&
    cmp -s "$TMP/xp/exim.conf" "$TMP/xp.restored" &&
    grep -q '^login authenticator:' "$TMP/exxp-a.out" && grep -q '^xoauth2_m365 authenticator:' "$TMP/exxp-a.out"; then
	ok "exim --to oauth again: a LOGIN client restored for another transport with the CHECK's client_condition and its own user stays, and its user is not taken for Microsoft's mailbox (already done, exim -bP reads both)"
else
	bad "exim restored LOGIN" "rc=$rc rc2=$rc2 bv=$bv $(head -c 900 "$TMP/exxp.out") $(cat "$TMP/exxp.err") $(head -c 300 "$TMP/exxp-a.out")"
fi
# 6. a PLAIN client in a file that .include pulls into the authenticators:
#    not edited, so the plan says so with a CHECK, on a second run too
mkex xi
printf 'inc_plain:\n  driver = plaintext\n  public_name = PLAIN\n  client_send = ^relay@contoso.example^%s\n' \
    "$XPW" > "$TMP/xi/auth-login.conf"
python3 - "$TMP/xi/exim.conf" "$TMP/xi/auth-login.conf" <<'PY'
import sys
p = sys.argv[1]; s = open(p).read()
s = s.replace("begin authenticators\n", "begin authenticators\n.include %s\n" % sys.argv[2])
open(p, "w").write(s)
PY
exrun xi --tenant contoso.example --client-id "$CID" --token-conf "$TMP/xi/token.conf" --apply --no-verify; rc=$?
mv "$TMP/exxi.out" "$TMP/exxi-first.out"
exrun xi --tenant contoso.example --client-id "$CID" --token-conf "$TMP/xi/token.conf"; rc2=$?
if [ $rc = 0 ] && [ $rc2 = 0 ] &&
    grep -q "CHECK: the authenticators section includes $TMP/xi/auth-login.conf" "$TMP/exxi-first.out" &&
    grep -q "CHECK: the authenticators section includes $TMP/xi/auth-login.conf" "$TMP/exxi.out" &&
    grep -q '^Already done' "$TMP/exxi.out" &&
    grep -q '^inc_plain:' "$TMP/xi/auth-login.conf"; then
	ok "exim --to oauth: a PLAIN client in an .include'd file is named in a CHECK (the file is not edited), on the second run too"
else
	bad "exim .include" "rc=$rc rc2=$rc2 $(grep -n CHECK "$TMP/exxi-first.out" "$TMP/exxi.out" | head -3) $(cat "$TMP/exxi.err")"
fi
if cat "$TMP"/ex*.out "$TMP"/ex*.err | grep -F -q -e "$XPW" -e "$TOK"; then
	bad "exim: no password or token in output" "found"
else
	ok "exim: no password or token in any output"
fi

[ $fails = 0 ]
