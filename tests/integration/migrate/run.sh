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
#      on port 25, SASL off, TLS encrypt).
# No output of any run may hold the password.
#
# Prints "PASS: name", "FAIL: name: why" or "SKIP: name: why"; under
# CI=true a missing prerequisite is a FAIL.  Exits 0 when nothing failed.
cd "$(dirname "$0")/../../.." || exit 2
top=$(pwd)
RH=$top/build/relayhint
fails=0
ok() { echo "PASS: $1"; }
bad() { echo "FAIL: $1: $2"; fails=$((fails + 1)); }
skip() {
	if [ "${CI:-}" = true ]; then bad "$1" "$2 (CI)"; else echo "SKIP: $1: $2"; fi
}
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
# shellcheck disable=SC2086
$MIG --apply > "$TMP/apply.out" 2> "$TMP/apply.err"; rc=$?
stamp=$(sed -n 's/^To undo: relayhint migrate --rollback \([0-9TZ]*\).*/\1/p' "$TMP/apply.out")
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
assert h["login"] == "xoauth2", h
assert h["mailbox"] == "relay@contoso.example", h
ids = {c["id"]: c["level"] for c in r["checks"]}
assert ids.get("sasl.mechanism_filter", "OK") != "WARN", ids
assert "basic_auth.deadline" not in ids or ids["basic_auth.deadline"] == "OK", ids
PY
then
	ok "postfix --apply: postconf reads xoauth2 filter/empty options/encrypt, map has the token path, doctor sees XOAUTH2, backup 0700"
else
	bad "postfix --apply" "rc=$rc stamp=$stamp filter=$got_filter opts=$got_opts tls=$got_tls map=$got_map bk=$bkmode $(cat "$TMP/apply.err") $(head -c 800 "$TMP/doctor.json")"
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
    "$TMP/apply.out" "$TMP/apply.err" "$TMP/doctor.json" "$TMP/rb.out"

# --- 4. connector -------------------------------------------------------------
mkpf co
d=$TMP/co
snapshot "$d" > "$TMP/co.before"
"$RH" migrate --mta postfix --to connector --config-dir "$d/etc" \
    --backup-dir "$d/bk" --no-reload --apply > "$TMP/co.out" 2> "$TMP/co.err"; rc=$?
stamp=$(sed -n 's/^To undo: relayhint migrate --rollback \([0-9TZ]*\).*/\1/p' "$TMP/co.out")
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
assert h["kind"] == "m365-connector" and h["login"] == "none", h
PY
then
	ok "postfix --to connector --apply: relayhost [tenant MX]:25, SASL off, TLS encrypt, New-InboundConnector, doctor sees a connector"
else
	bad "postfix connector" "rc=$rc $(head -c 1200 "$TMP/co.out") $(cat "$TMP/co.err") $(head -c 600 "$TMP/co.json")"
fi
"$RH" migrate --rollback "$stamp" --backup-dir "$d/bk" --no-reload > "$TMP/co-rb.out" 2>&1; rc=$?
snapshot "$d" > "$TMP/co.after"
if [ $rc = 0 ] && cmp -s "$TMP/co.before" "$TMP/co.after"; then
	ok "postfix connector --rollback: byte for byte"
else
	bad "postfix connector --rollback" "rc=$rc $(cat "$TMP/co-rb.out")"
fi
nosecret "postfix connector" "$TMP/co.out" "$TMP/co.err" "$TMP/co.json" "$TMP/co-rb.out"

[ $fails = 0 ]
