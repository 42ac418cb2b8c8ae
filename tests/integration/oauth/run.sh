#!/bin/sh
# run.sh - relayhint token login/refresh against a fake Microsoft Entra ID
#
# fake_entra.py serves the v2.0 devicecode and token endpoints over HTTPS
# on loopback with a certificate from the test's own CA (made here with
# openssl); relayhint (libcurl + OpenSSL) must verify it.  Checked: the
# device authorization grant (authorization_pending, slow_down, expired,
# declined), client credentials (right and wrong secret), refresh (and an
# idle refresh token), the scopes actually sent, the AADSTS code mapped to
# relayhint's cause, atomic 0600 token files under concurrent refreshes,
# a refused unknown CA, and that no token or secret reaches any output.
#
# Prints "PASS: name", "FAIL: name: why" or "SKIP: name: why".
cd "$(dirname "$0")/../../.." || exit 2
top=$(pwd)
HERE=$top/tests/integration/oauth
RH=$top/build/relayhint
fails=0
. tests/lib/tap.sh
TMP=$(mktemp -d /tmp/rh-oauth.XXXXXX) || exit 2
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$TMP"' EXIT INT TERM

[ -x "$RH" ] || { bad build "no $RH (run make)"; exit 1; }
if ! command -v openssl >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1; then
	skip oauth "needs openssl and python3"
	exit 0
fi
SECRET='Cs~fake.CLIENT-secret_9'

# --- the test's CA and the endpoint's certificate (SAN IP 127.0.0.1) ------
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=relayhint-test-CA \
    -keyout "$TMP/ca.key" -out "$TMP/ca.pem" 2>/dev/null &&
openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
    -keyout "$TMP/srv.key" -out "$TMP/srv.csr" 2>/dev/null &&
printf 'subjectAltName=IP:127.0.0.1\n' > "$TMP/ext" &&
openssl x509 -req -in "$TMP/srv.csr" -CA "$TMP/ca.pem" -CAkey "$TMP/ca.key" \
    -CAcreateserial -days 2 -extfile "$TMP/ext" -out "$TMP/srv.pem" 2>/dev/null ||
    { bad "oauth setup" "openssl could not make the certificates"; exit 1; }

python3 "$HERE/fake_entra.py" "$TMP/srv.pem" "$TMP/srv.key" "$TMP/port" \
    "$TMP/entra.log" "$SECRET" 2> "$TMP/entra.err" &
pid=$!
i=0
while [ ! -s "$TMP/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$TMP/port" ] || { bad "oauth setup" "fake Entra did not start: $(cat "$TMP/entra.err")"; exit 1; }
BASE=https://127.0.0.1:$(cat "$TMP/port")

# conf NAME TENANT GRANT [CA] - a token refresh configuration
conf() {
	cat > "$TMP/$1.conf" <<EOF
# test
tenant = $2
client_id = 00000000-1111-2222-3333-444444444444
grant = $3
state_file = $TMP/$1.state
token_file = $TMP/$1.token
base_url = $BASE
ca_file = ${4:-$TMP/ca.pem}
EOF
	[ "$3" = client_credentials ] &&
	    echo "secret_file = $TMP/client.secret" >> "$TMP/$1.conf"
	:
}
printf '%s\n' "$SECRET" > "$TMP/client.secret"
chmod 600 "$TMP/client.secret"

# sent N FIELD VALUE - the Nth-from-last request sent FIELD=VALUE
sent() {
	python3 - "$TMP/entra.log" "$@" <<'PY'
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
n, k, v = int(sys.argv[2]), sys.argv[3], sys.argv[4]
sys.exit(0 if reqs[-n]["form"].get(k) == v else 1)
PY
}
nreq() { wc -l < "$TMP/entra.log"; }

# --- device flow: pending twice, then signed in ------------------------------
conf ok ok refresh_token
n0=0
"$RH" token login --config "$TMP/ok.conf" > "$TMP/ok.out" 2> "$TMP/ok.err"; rc=$?
if [ $rc = 0 ] && grep -q 'open https://microsoft.com/devicelogin and enter the code FAKE-CODE' "$TMP/ok.out" &&
    grep -qx 'AT-fake-access-1' "$TMP/ok.token" && [ "$(stat -c %a "$TMP/ok.token")" = 600 ] &&
    [ "$(stat -c %a "$TMP/ok.state")" = 600 ] &&
    grep -q '"refresh_token": "RT-fake-refresh-1"' "$TMP/ok.state" &&
    [ "$(nreq)" = $((n0 + 4)) ] && sent 4 scope 'https://outlook.office.com/SMTP.Send offline_access' &&
    sent 1 grant_type urn:ietf:params:oauth:grant-type:device_code; then
	ok "device flow: code shown, 2x authorization_pending polled, SMTP.Send offline_access scope, token file 0600"
else
	bad "device flow" "rc=$rc $(cat "$TMP/ok.out" "$TMP/ok.err") reqs=$(nreq)"
fi

# --- slow_down: the interval grows by 5 seconds -------------------------------
conf slow slow refresh_token
t0=$(date +%s)
"$RH" token login --config "$TMP/slow.conf" > "$TMP/slow.out" 2> "$TMP/slow.err"; rc=$?
dt=$(( $(date +%s) - t0 ))
if [ $rc = 0 ] && [ -s "$TMP/slow.token" ] && [ $dt -ge 6 ]; then
	ok "device flow slow_down: waited ${dt}s (interval 1 + 5), then signed in"
else
	bad "device flow slow_down" "rc=$rc dt=$dt $(cat "$TMP/slow.err")"
fi

# --- expired and declined end the flow, with the reason ------------------------
for s in expired:expired_token:AADSTS70020 declined:authorization_declined:AADSTS70000; do
	name=${s%%:*}; rest=${s#*:}; code=${rest%%:*}; aad=${rest#*:}
	conf "$name" "$name" refresh_token
	"$RH" token login --config "$TMP/$name.conf" > "$TMP/$name.out" 2> "$TMP/$name.err"; rc=$?
	if [ $rc = 1 ] && grep -q "HTTP 400: $code: $aad" "$TMP/$name.err" &&
	    ! grep -q 'Trace ID' "$TMP/$name.err" && [ ! -e "$TMP/$name.token" ]; then
		ok "device flow $name: exit 1, '$code: $aad' reported, no token file"
	else
		bad "device flow $name" "rc=$rc $(cat "$TMP/$name.err")"
	fi
done

# --- refresh -------------------------------------------------------------------
n1=$(nreq)
"$RH" token refresh --config "$TMP/ok.conf" > "$TMP/r0.out" 2>&1; rc=$?
if [ $rc = 0 ] && grep -q 'still valid' "$TMP/r0.out" && [ "$(nreq)" = "$n1" ]; then
	ok "refresh: a token with more than min_valid left is not refreshed (no request)"
else
	bad "refresh not due" "rc=$rc $(cat "$TMP/r0.out") reqs=$n1"
fi
"$RH" token refresh --force --config "$TMP/ok.conf" > "$TMP/r1.out" 2> "$TMP/r1.err"; rc=$?
if [ $rc = 0 ] && grep -qx 'AT-fake-access-3' "$TMP/ok.token" &&
    grep -q 'RT-fake-refresh-3' "$TMP/ok.state" &&
    sent 1 grant_type refresh_token && sent 1 refresh_token RT-fake-refresh-1 &&
    sent 1 scope 'https://outlook.office.com/SMTP.Send offline_access'; then
	ok "refresh --force: refresh_token grant with the stored token, new access and refresh token stored"
else
	bad "refresh --force" "rc=$rc $(cat "$TMP/r1.out" "$TMP/r1.err")"
fi

# concurrent refreshes while a reader reads the token file: always whole
# (sh -c: a subshell of dash would run this script's EXIT trap)
sh -c 'i=0; while [ $i -lt 400 ]; do cat "$1"; echo; i=$((i + 1)); done' \
    reader "$TMP/ok.token" > "$TMP/reads" &
rpid=$!
: > "$TMP/conc.err"
pids=
for j in 1 2 3 4 5 6; do
	"$RH" token refresh --force --quiet --config "$TMP/ok.conf" > /dev/null 2>> "$TMP/conc.err" &
	pids="$pids $!"
done
for p in $pids; do wait "$p"; done
if [ ! -s "$TMP/conc.err" ] && ! grep -v -x 'AT-fake-access-[0-9]*' "$TMP/reads" | grep -q . &&
    grep -qx 'AT-fake-access-9' "$TMP/ok.token"; then
	ok "6 concurrent refreshes (flock) and 400 reads: every read a whole token, none lost"
else
	bad "concurrent refresh" "$(head -c 300 "$TMP/conc.err") $(grep -v -x 'AT-fake-access-[0-9]*' "$TMP/reads" | head -3) $(cat "$TMP/ok.token")"
fi
wait "$rpid"

# an idle refresh token: the AADSTS code and relayhint's cause
sed -i 's/RT-fake-refresh-[0-9]*/RT-stale/' "$TMP/ok.state"
"$RH" token refresh --force --config "$TMP/ok.conf" > "$TMP/r2.out" 2> "$TMP/r2.err"; rc=$?
if [ $rc = 1 ] && grep -q 'AADSTS700082' "$TMP/r2.err" &&
    grep -q 'cause m365.oauth.refresh_token_idle' "$TMP/r2.err" &&
    grep -qx 'AT-fake-access-9' "$TMP/ok.token"; then
	ok "refresh with an idle refresh token: exit 1, AADSTS700082 -> m365.oauth.refresh_token_idle, old token kept"
else
	bad "refresh idle" "rc=$rc $(cat "$TMP/r2.err")"
fi

# --- client credentials -------------------------------------------------------------
conf app contoso.example client_credentials
"$RH" token login --config "$TMP/app.conf" > "$TMP/app.out" 2> "$TMP/app.err"; rc=$?
if [ $rc = 0 ] && grep -qx 'AT-fake-access-[0-9]*' "$TMP/app.token" &&
    sent 1 scope https://outlook.office365.com/.default && sent 1 grant_type client_credentials; then
	ok "client credentials: .default scope, token written"
else
	bad "client credentials" "rc=$rc $(cat "$TMP/app.out" "$TMP/app.err")"
fi
"$RH" token refresh --force --config "$TMP/app.conf" > "$TMP/app2.out" 2> "$TMP/app2.err"; rc=$?
[ $rc = 0 ] && sent 1 grant_type client_credentials &&
    ok "client credentials refresh: a new client credentials grant" ||
    bad "client credentials refresh" "rc=$rc $(cat "$TMP/app2.err")"
printf 'wrong-secret\n' > "$TMP/client.secret"
"$RH" token refresh --force --config "$TMP/app.conf" > "$TMP/app3.out" 2> "$TMP/app3.err"; rc=$?
if [ $rc = 1 ] && grep -q 'HTTP 401: invalid_client: AADSTS7000215' "$TMP/app3.err" &&
    grep -q 'cause m365.oauth.client_secret' "$TMP/app3.err" && ! grep -q wrong-secret "$TMP/app3.err"; then
	ok "client credentials, wrong secret: exit 1, AADSTS7000215 -> m365.oauth.client_secret, secret not echoed"
else
	bad "client credentials wrong secret" "rc=$rc $(cat "$TMP/app3.err")"
fi

# --- TLS: an endpoint the CA bundle does not vouch for is refused -----------------
conf badca ok refresh_token /etc/ssl/certs/ca-certificates.crt
n2=$(nreq)
"$RH" token login --config "$TMP/badca.conf" > "$TMP/badca.out" 2> "$TMP/badca.err"; rc=$?
if [ $rc = 1 ] && [ "$(nreq)" = "$n2" ] && grep -qi 'certificate' "$TMP/badca.err"; then
	ok "unknown CA: refused before any request (certificate verified)"
else
	bad "unknown CA" "rc=$rc $(cat "$TMP/badca.err")"
fi

# --- no token or secret in any output ------------------------------------------------
if cat "$TMP"/*.out "$TMP"/*.err | grep -E -q "AT-fake|RT-fake|RT-stale|$SECRET|DC-ok"; then
	bad "no token or secret in output" "$(cat "$TMP"/*.out "$TMP"/*.err | grep -E "AT-fake|RT-fake|RT-stale|$SECRET|DC-ok" | head -3)"
else
	ok "no access token, refresh token, device code or client secret in any output"
fi

[ $fails = 0 ]
