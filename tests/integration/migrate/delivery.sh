#!/bin/sh
# delivery.sh - relayhint migrate on a RUNNING private Postfix, with mail
# delivered before, during and after the migration
#
# Runs in its own mount and network namespaces (unshare -m -n, root): the
# loopback interface is private, so the fake Microsoft 365
# (tests/lib/fake_smtp.py) listens on
# 127.0.0.1:587 (smtp.office365.com) and :25 (the tenant's MX host, for a
# connector), and a private /etc/hosts maps both names to 127.0.0.1.
# Nothing outside the namespaces changes; the system's /etc/postfix is
# neither read nor changed (a private instance: own config, queue, data
# directories, maillog_file, chroot off).
#
# The story, with the real Debian Postfix 3.7, the real Cyrus SASL and the
# real Debian 12 libsasl2-modules-kdexoauth2 (apt-get download, unpacked
# under /var/tmp/relayhint-kdexoauth2, never installed: Cyrus SASL loads
# it through SASL_PATH, which Postfix passes on via import_environment):
#   1. a relay that logs in with a password to [smtp.office365.com]:587
#      (TLS verified against the test's CA) delivers: the fake accepts
#      LOGIN/PLAIN only with the right password;
#   2. libkdexoauth2.so added to the SASL plugin directory: the same
#      relay now defers with "invalid parameter supplied" (the trap the
#      doctor warns about) and nothing is sent to the server;
#   3. an access token by client credentials from the fake Entra ID
#      (tests/integration/oauth/fake_entra.py, HTTPS, test CA) with
#      relayhint token login; relayhint probe logs in with it (XOAUTH2),
#      so the fake and the token are right;
#   4. relayhint migrate --to oauth --app-only --apply: main.cf pinned to
#      xoauth2, the Microsoft-side steps with the tenant's values,
#      postfix reloaded; then the Debian-native variant (the password map
#      holding the access token as password) - Postfix still defers with
#      "invalid parameter supplied" and sends no AUTH: the plugin asks
#      for the token with a simple callback (_plug_get_simple), Postfix
#      provides SASL_CB_PASS as a secret callback (sasl_getsecret_t), and
#      Postfix's callback refuses the mismatched arguments (SASL_BADPARAM);
#   5. --rollback STAMP: every file byte for byte; with the plugin removed
#      again the deferred messages go out with the password: no mail lost;
#   6. --to connector --apply: mail to the tenant MX on port 25 over TLS
#      with no AUTH; relayhint doctor clean; rollback byte for byte and the
#      password login delivers again.
# No password, client secret, token or AUTH argument in any output of the
# migration runs (stdout, stderr, the Postfix log, doctor, the backup
# listing): the shapes of tests/data/secrets.tsv for these values.
#
# Prints "PASS: name", "FAIL: name: why" or "SKIP: name: why"; under
# CI=true a missing prerequisite is a FAIL.  Exits 0 when nothing failed.
# Run it under flock /tmp/relayhint-integration.lock like the others.
cd "$(dirname "$0")/../../.." || exit 2
top=$(pwd)
RH=$top/build/relayhint
fails=0
ok() { echo "PASS: $1"; }
bad() { echo "FAIL: $1: $2"; fails=$((fails + 1)); }
skip() {
	if [ "${CI:-}" = true ]; then bad "$1" "$2 (CI)"; else echo "SKIP: $1: $2"; fi
}
KBASE=${RH_KDEX_BASE:-/var/tmp/relayhint-kdexoauth2}
KDIR=$KBASE/root/usr/lib/x86_64-linux-gnu/sasl2

if [ -z "${RH_MIGRATE_NS:-}" ]; then
	[ -x "$RH" ] || { bad build "no $RH (run make)"; exit 1; }
	if [ "$(id -u)" != 0 ] || ! command -v postconf >/dev/null 2>&1 ||
	    ! command -v unshare >/dev/null 2>&1 || ! command -v ip >/dev/null 2>&1 ||
	    ! command -v openssl >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1; then
		skip "migrate delivery" "needs root, postfix, unshare, ip, openssl, python3"
		exit 0
	fi
	if [ ! -e "$KDIR/libkdexoauth2.so" ]; then
		mkdir -p "$KBASE/debs" "$KBASE/root"
		getent passwd _apt >/dev/null && chown _apt "$KBASE/debs"
		(cd "$KBASE/debs" && timeout 120 apt-get download -qq \
		    libsasl2-modules-kdexoauth2 >/dev/null 2>&1) &&
		    dpkg -x "$KBASE"/debs/libsasl2-modules-kdexoauth2_*.deb "$KBASE/root"
	fi
	[ -e "$KDIR/libkdexoauth2.so" ] ||
	    bad "kdexoauth2 unpack" "apt-get download libsasl2-modules-kdexoauth2 failed"
	RH_MIGRATE_NS=1 exec unshare -m -n --propagation private sh "$0"
fi

# ---- inside the namespaces ---------------------------------------------------
# Postfix's own address is 127.0.0.2: the fakes on 127.0.0.1 are another
# host to it (else a relayhost on port 25 "loops back to myself")
ip link set lo up && ip addr add 127.0.0.2/8 dev lo ||
    { bad "migrate delivery" "no loopback in the namespace"; exit 1; }
T=$(mktemp -d /var/tmp/rh-mdeliv.XXXXXX) || exit 2
chmod 755 "$T"
d=$T/pf
E=$d/etc
fake='' entra=''
cleanup() {
	[ -f "$E/main.cf" ] && postfix -c "$E" stop >/dev/null 2>&1
	[ -n "$fake" ] && kill "$fake" 2>/dev/null
	[ -n "$entra" ] && kill "$entra" 2>/dev/null
	if [ -n "${KEEP:-}" ]; then echo "# kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 3' INT TERM

MX=contoso-example.mail.protection.outlook.com
printf '127.0.0.1\tlocalhost\n127.0.0.1\tsmtp.office365.com %s\n' "$MX" > "$T/hosts"
mount --bind "$T/hosts" /etc/hosts || { bad "migrate delivery" "cannot bind /etc/hosts"; exit 1; }

PW='Pf-S3cret!relay-pass'
SECRET='Cs~fake.CLIENT-secret_9'
CID=00000000-1111-2222-3333-444444444444
USER=relay@contoso.example

# the test's CA and one server certificate for every name
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=relayhint-test-CA \
    -keyout "$T/ca.key" -out "$T/ca.pem" 2>/dev/null &&
openssl req -newkey rsa:2048 -nodes -subj /CN=smtp.office365.com \
    -keyout "$T/srv.key" -out "$T/srv.csr" 2>/dev/null &&
printf 'subjectAltName=DNS:smtp.office365.com,DNS:%s,IP:127.0.0.1\n' "$MX" > "$T/ext" &&
openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" \
    -CAcreateserial -days 2 -extfile "$T/ext" -out "$T/srv.pem" 2>/dev/null ||
    { bad "migrate delivery" "openssl could not make the certificates"; exit 1; }
chmod 644 "$T/ca.pem"

# the fake Microsoft 365 and the fake Entra ID
mkdir -p "$T/spool"
printf '%s\n' "$PW" > "$T/fake.pw"
: > "$T/at.token"
python3 tests/lib/fake_smtp.py --cert "$T/srv.pem" --key "$T/srv.key" \
    --user "$USER" --password-file "$T/fake.pw" --token-file "$T/at.token" \
    --listen 587=submit-plain --listen 25=connector --session-header \
    --spool "$T/spool" --log "$T/fake.log" --ready "$T/fake.ready" 2> "$T/fake.err" &
fake=$!
python3 tests/integration/oauth/fake_entra.py "$T/srv.pem" "$T/srv.key" "$T/entra.port" \
    "$T/entra.log" "$SECRET" 2> "$T/entra.err" &
entra=$!
i=0
while { [ ! -s "$T/fake.ready" ] || [ ! -s "$T/entra.port" ]; } && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
[ -s "$T/fake.ready" ] && [ -s "$T/entra.port" ] ||
    { bad "migrate delivery" "fakes did not start: $(cat "$T/fake.err" "$T/entra.err")"; exit 1; }

# the SASL plugin directory Postfix's smtp(8) loads: Debian's plugins,
# plus libkdexoauth2.so when "installed"
mkdir -p "$T/sasl2"
for f in /usr/lib/x86_64-linux-gnu/sasl2/*; do ln -s "$f" "$T/sasl2/"; done
kdex_on() { for f in "$KDIR"/libkdexoauth2.so*; do ln -sf "$f" "$T/sasl2/"; done; }
kdex_off() { rm -f "$T"/sasl2/libkdexoauth2.so*; }

# ---- the private Postfix: a password login to smtp.office365.com:587 -------
mkdir -p "$E" "$d/q" "$d/data"
chown postfix "$d/data"
cp /usr/share/postfix/master.cf.dist "$E/master.cf" 2>/dev/null ||
    cp /etc/postfix/master.cf "$E/master.cf"
cat > "$E/main.cf" <<EOF
# private Postfix of tests/integration/migrate/delivery.sh
compatibility_level = 3.6
queue_directory = $d/q
data_directory = $d/data
mail_owner = postfix
setgid_group = postdrop
myhostname = relay.example.test
mydomain = example.test
mydestination =
inet_interfaces = 127.0.0.2
inet_protocols = ipv4
maillog_file = $d/maillog
smtputf8_enable = no
alias_maps =
alias_database =
local_recipient_maps =
import_environment = $(postconf -dh import_environment) SASL_PATH=$T/sasl2
queue_run_delay = 5s
minimal_backoff_time = 5s
maximal_backoff_time = 10s
smtp_connect_timeout = 5s
smtp_host_lookup = native
delay_warning_time = 4h
relayhost = [smtp.office365.com]:587
smtp_sasl_auth_enable = yes
smtp_sasl_password_maps = hash:$E/sasl_passwd
smtp_sasl_security_options = noanonymous
smtp_tls_security_level = verify
smtp_tls_CAfile = $T/ca.pem
EOF
printf '# relay login\n[smtp.office365.com]:587 %s:%s\n' "$USER" "$PW" > "$E/sasl_passwd"
chmod 600 "$E/sasl_passwd"
postmap -c "$E" "hash:$E/sasl_passwd"
postconf -c "$E" -F '*/*/chroot = n'
postconf -c "$E" -MX smtp/inet
cp -p "$E/master.cf" "$T/master.cf.0"
if ! postfix -c "$E" check > "$T/check.out" 2>&1 ||
    ! postfix -c "$E" start > "$T/start.out" 2>&1; then
	bad "migrate delivery" "private postfix: $(cat "$T/check.out" "$T/start.out")"
	exit 1
fi

# snapshot - checksums of the configuration directory, byte for byte
snapshot() { (cd "$E" && find . -type f -print | sort | xargs md5sum); }
snapshot > "$T/before"

# send N - a message with Subject N through the private Postfix
send() {
	printf 'From: %s\nTo: someone@example.net\nSubject: %s\n\nmessage %s\n' \
	    "$USER" "$1" "$1" | sendmail -C "$E" -f "$USER" someone@example.net
}
# delivered SUBJECT SECONDS - the spool file holding Subject SUBJECT
delivered() {
	i=0
	while [ $i -lt $(($2 * 5)) ]; do
		f=$(grep -l "^Subject: $1\$" "$T"/spool/*.eml 2>/dev/null | head -1)
		[ -n "$f" ] && { echo "$f"; return 0; }
		postqueue -c "$E" -f 2>/dev/null
		sleep 0.2; i=$((i + 1))
	done
	return 1
}
# logwait PATTERN SECONDS - the Postfix log gets a line matching PATTERN
logwait() {
	i=0
	while [ $i -lt $(($2 * 5)) ]; do
		grep -q -- "$1" "$d/maillog" 2>/dev/null && return 0
		sleep 0.2; i=$((i + 1))
	done
	return 1
}
session() { head -1 "$1"; }
stamp_of() { sed -n 's/^To undo: relayhint migrate --rollback \([0-9TZ-]*\).*/\1/p' "$1"; }
reload() { postfix -c "$E" reload >/dev/null 2>&1; sleep 1; }

# ---- 1. before: the password login delivers ------------------------------------
send m1
if f=$(delivered m1 30) && session "$f" | grep -q "port=587 tls=TLSv1.[23] auth=\(LOGIN\|PLAIN\) user=$USER "; then
	ok "before: the password login delivers through smtp.office365.com:587 (TLS verified, $(session "$f" | cut -d' ' -f2-4))"
else
	bad "before: password login" "$(tail -5 "$d/maillog") $(tail -5 "$T/fake.log")"
fi

# ---- 2. the trap: libkdexoauth2.so present, no mechanism filter ----------------
kdex_on
reload
: > "$T/fake.log"
send m2
if logwait 'status=deferred (SASL authentication failed; cannot authenticate to server smtp.office365.com\[127.0.0.1\]: invalid parameter supplied)' 30 &&
    ! grep -q 'C: AUTH' "$T/fake.log"; then
	ok "trap: with libkdexoauth2.so and no smtp_sasl_mechanism_filter the password login defers 'invalid parameter supplied', no AUTH sent"
else
	bad "trap" "$(grep m2 -A3 "$d/maillog" | tail -3) $(grep AUTH "$T/fake.log")"
fi
"$RH" explain "$(grep -m1 'invalid parameter supplied' "$d/maillog" | sed 's/^.*postfix/postfix/')" \
    > "$T/explain.out" 2>&1
if grep -q 'mechanism_filter' "$T/explain.out"; then
	ok "trap: relayhint explain names the fix (smtp_sasl_mechanism_filter)"
else
	bad "trap explain" "$(head -c 600 "$T/explain.out")"
fi

# ---- 3. an access token by client credentials from the fake Entra ID -----------
printf '%s\n' "$SECRET" > "$T/client.secret"
chmod 600 "$T/client.secret"
cat > "$T/token.conf" <<EOF
tenant = contoso.example
client_id = $CID
grant = client_credentials
secret_file = $T/client.secret
state_file = $T/token.state
token_file = $T/at.token
base_url = https://127.0.0.1:$(cat "$T/entra.port")
ca_file = $T/ca.pem
EOF
"$RH" token login --config "$T/token.conf" > "$T/token.out" 2> "$T/token.err"; rc=$?
TOK=$(cat "$T/at.token")
if [ $rc = 0 ] && [ -n "$TOK" ] && [ "$(stat -c %a "$T/at.token")" = 600 ]; then
	ok "token: client credentials from the fake Entra ID (HTTPS, test CA), access token file 0600"
else
	bad "token login" "rc=$rc $(cat "$T/token.out" "$T/token.err")"
fi
"$RH" probe --server smtp.office365.com:587 --user "$USER" --xoauth2-token-file "$T/at.token" \
    --ca-file "$T/ca.pem" > "$T/probe.out" 2>&1; rc=$?
if [ $rc = 0 ] && grep -q 'XOAUTH2 user=relay@contoso.example token=right' "$T/fake.log"; then
	ok "token: relayhint probe logs in with it through XOAUTH2 (the fake checks the bearer token)"
else
	bad "probe xoauth2" "rc=$rc $(head -c 400 "$T/probe.out") $(grep AUTH "$T/fake.log")"
fi

# ---- 4. migrate --to oauth --app-only --apply --------------------------------
MIG="$RH migrate --mta postfix --config-dir $E --tenant contoso.example --client-id $CID
    --xoauth2-conf $T/sasl-xoauth2.conf --backup-dir $T/bk --app-only"
# shellcheck disable=SC2086
$MIG > "$T/plan.out" 2> "$T/plan.err"; rc=$?
snapshot > "$T/planned"
if [ $rc = 0 ] && cmp -s "$T/before" "$T/planned" && [ ! -e "$T/bk" ] &&
    grep -q '^+smtp_sasl_mechanism_filter = xoauth2$' "$T/plan.out" &&
    grep -q "New-ServicePrincipal -AppId $CID" "$T/plan.out" &&
    grep -q 'Add-MailboxPermission -Identity "relay@contoso.example"' "$T/plan.out" &&
    grep -q 'SMTP.SendAsApp' "$T/plan.out" &&
    grep -q 'libkdexoauth2' "$T/plan.out"; then
	ok "oauth plan (app-only): read-only, xoauth2 filter, SMTP.SendAsApp, New-ServicePrincipal/Add-MailboxPermission with the tenant's values, kdexoauth2 named"
else
	bad "oauth plan" "rc=$rc $(head -c 1500 "$T/plan.out") $(cat "$T/plan.err")"
fi
# --no-verify: without sasl-xoauth2 migrate refuses (every message would
# be deferred); this step applies anyway to show what kdexoauth2 does
# shellcheck disable=SC2086
$MIG --apply --no-verify > "$T/apply.out" 2> "$T/apply.err"; rc=$?
stamp=$(stamp_of "$T/apply.out")
if [ $rc = 0 ] && [ -n "$stamp" ] && grep -q '^migrate: postfix reloaded$' "$T/apply.out" &&
    [ "$(postconf -c "$E" -h smtp_sasl_mechanism_filter)" = xoauth2 ] &&
    [ "$(postconf -c "$E" -h smtp_tls_security_level)" = verify ]; then
	ok "oauth --apply on the running Postfix: filter xoauth2, TLS verify kept, postfix reloaded, rollback stamp printed"
else
	bad "oauth --apply" "rc=$rc $(cat "$T/apply.out" "$T/apply.err")"
fi
"$RH" doctor --json --mta postfix --config-dir "$E" --xoauth2-conf "$T/sasl-xoauth2.conf" \
    > "$T/doctor-oauth.json" 2> "$T/doctor-oauth.err"
python3 - "$T/doctor-oauth.json" <<'PY' > "$T/doctor-oauth.sum" 2>&1
import json, sys
r = json.load(open(sys.argv[1]))
h = r["relay_hosts"][0]
print("login=%s" % h["login"], " ".join("%s=%s" % (c["id"], c["level"]) for c in r["checks"]
                                        if c["level"] != "OK"))
PY
if grep -q '^login=xoauth2' "$T/doctor-oauth.sum"; then
	ok "oauth: relayhint doctor reads an XOAUTH2 login ($(cat "$T/doctor-oauth.sum"))"
else
	bad "oauth doctor" "$(cat "$T/doctor-oauth.sum") $(head -c 300 "$T/doctor-oauth.err")"
fi

# the Debian-native variant: the access token as the map's password
printf '# relay login\n[smtp.office365.com]:587 %s:%s\n' "$USER" "$TOK" > "$E/sasl_passwd"
postmap -c "$E" "hash:$E/sasl_passwd"
: > "$T/fake.log"
: > "$d/maillog.mark"
lines=$(wc -l < "$d/maillog")
send m3
i=0
while [ $i -lt 150 ] && ! tail -n +"$((lines + 1))" "$d/maillog" |
    grep -q 'status=deferred (SASL authentication failed; cannot authenticate to server smtp.office365.com\[127.0.0.1\]: invalid parameter supplied)'; do
	postqueue -c "$E" -f 2>/dev/null; sleep 0.2; i=$((i + 1))
done
if [ $i -lt 150 ] && ! grep -q 'C: AUTH' "$T/fake.log" &&
    ! grep -q '^Subject: m3$' "$T"/spool/*.eml; then
	ok "kdexoauth2 does not work with Postfix: filter xoauth2 + access token as password still defers 'invalid parameter supplied' and sends no AUTH (Postfix's SASL_CB_PASS is a secret callback; the plugin calls it as a simple one)"
else
	bad "kdexoauth2 with Postfix" "$(tail -n +"$((lines + 1))" "$d/maillog" | grep -v 'postqueue\|pickup' | tail -4) $(grep AUTH "$T/fake.log")"
fi
# ---- 5. rollback: byte for byte, and the password login delivers again -------
"$RH" migrate --rollback "$stamp" --backup-dir "$T/bk" > "$T/rb.out" 2>&1; rc=$?
snapshot > "$T/after"
if [ $rc = 0 ] && cmp -s "$T/before" "$T/after" && [ ! -e "$T/sasl-xoauth2.conf" ] &&
    grep -q '^migrate: postfix reloaded$' "$T/rb.out"; then
	ok "oauth --rollback: main.cf, master.cf, sasl_passwd, sasl_passwd.db byte for byte (the token written by hand too), sasl-xoauth2.conf removed, postfix reloaded"
else
	bad "oauth --rollback" "rc=$rc $(cat "$T/rb.out") $(diff "$T/before" "$T/after")"
fi
kdex_off
reload
if delivered m2 40 > /dev/null && f=$(delivered m3 40) &&
    session "$f" | grep -q "auth=\(LOGIN\|PLAIN\) user=$USER "; then
	ok "after rollback (plugin removed): the deferred messages go out with the password login, none lost"
else
	bad "after rollback" "$(tail -4 "$d/maillog") $(ls "$T/spool")"
fi

# ---- 6. connector: tenant MX on port 25, TLS, no AUTH ------------------------
"$RH" migrate --mta postfix --to connector --config-dir "$E" --backup-dir "$T/bk" \
    --apply > "$T/co.out" 2> "$T/co.err"; rc=$?
stamp=$(stamp_of "$T/co.out")
: > "$T/fake.log"
send m4
if [ $rc = 0 ] && f=$(delivered m4 40) &&
    session "$f" | grep -q "port=25 tls=TLSv1.[23] auth=none " &&
    ! grep -q 'C: AUTH' "$T/fake.log" &&
    grep -q "relay=$MX\[127.0.0.1\]:25.*status=sent" "$d/maillog"; then
	ok "connector --apply: delivered to [$MX]:25 over verified TLS with no AUTH"
else
	bad "connector delivery" "rc=$rc $(cat "$T/co.err") $(tail -3 "$d/maillog") $(tail -5 "$T/fake.log")"
fi
"$RH" doctor --mta postfix --config-dir "$E" > "$T/doctor-co.out" 2>&1; drc=$?
if [ $drc = 0 ]; then
	ok "connector: relayhint doctor is clean (exit 0)"
else
	bad "connector doctor" "exit $drc: $(grep -v '^ *OK' "$T/doctor-co.out" | head -c 800)"
fi
"$RH" migrate --rollback "$stamp" --backup-dir "$T/bk" > "$T/co-rb.out" 2>&1; rc=$?
snapshot > "$T/after"
send m5
if [ $rc = 0 ] && cmp -s "$T/before" "$T/after" && f=$(delivered m5 40) &&
    session "$f" | grep -q "port=587 .*auth=\(LOGIN\|PLAIN\) user=$USER "; then
	ok "connector --rollback: byte for byte, the password login delivers again"
else
	bad "connector --rollback" "rc=$rc $(cat "$T/co-rb.out") $(diff "$T/before" "$T/after") $(tail -3 "$d/maillog")"
fi
if cmp -s "$E/master.cf" "$T/master.cf.0"; then
	ok "master.cf untouched by both paths"
else
	bad "master.cf" "changed"
fi

# ---- secrets: none in any output of the migration runs -----------------------
ls -lR "$T/bk" > "$T/bk.list" 2>&1
B64PW=$(printf '%s' "$PW" | base64 -w0 | tr -d '=')
B64LOGIN=$(printf '\0%s\0%s' "$USER" "$PW" | base64 -w0 | tr -d '=')
B64XO=$(printf 'user=%s\001auth=Bearer %s\001\001' "$USER" "$TOK" | base64 -w0 | tr -d '=')
found=
for s in "$PW" "$SECRET" "$TOK" "$B64PW" "$B64LOGIN" "$B64XO"; do
	[ -n "$s" ] || continue
	for f in plan.out plan.err apply.out apply.err rb.out co.out co.err co-rb.out \
	    doctor-oauth.json doctor-oauth.err doctor-co.out token.out token.err probe.out \
	    explain.out bk.list fake.log; do
		grep -F -q -- "$s" "$T/$f" && found="$found $f"
	done
	grep -F -q -- "$s" "$d/maillog" && found="$found maillog"
done
if [ -z "$found" ]; then
	ok "no password, client secret, access token or AUTH argument in any output (migrate, token, probe, doctor, Postfix log, backup listing)"
else
	bad "secrets" "found in:$found"
fi

[ $fails = 0 ]
