#!/bin/sh
# run.sh - webhook alerts and the Microsoft 365 probe, on loopback only
#
# A self-signed CA (openssl) signs the loopback servers' certificate;
# relayhint gets it with --ca-file, so TLS verification stays on.
#   alerts: scan --follow --alert-spool spools one alert per cause;
#     alert-drain posts it to an HTTPS receiver (https_rx.py) as generic
#     JSON, Teams and Slack, which checks the HMAC and the shape; a wrong
#     secret, an unknown CA, an unreachable port and a slow receiver end
#     in bounded retries and "dropped" log lines; the spool bound drops
#     the oldest with a log line.
#   probe: against fake_smtp.py (STARTTLS, AUTH LOGIN / XOAUTH2) for
#     235, 535 5.7.139 tenant, 535 5.7.3, 530 5.7.57 and 432 4.3.2, with
#     a token file and with client credentials from a fake token endpoint.
#   No password, token, client secret or webhook secret is ever printed.
# Prints PASS:/FAIL:/SKIP: lines; exit 0 when nothing failed.
cd "$(dirname "$0")/../../.." || exit 2
top=$(pwd)
rh=${RELAYHINT:-$top/build/relayhint}	# RELAYHINT=: another build (ASan)
here=$top/tests/integration/alert
fails=0
pids=""
w=$(mktemp -d "${TMPDIR:-/tmp}/rh-alert-it.XXXXXX") || exit 2
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	rm -rf "$w"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

. tests/lib/tap.sh

for tool in python3 openssl; do
	if ! command -v $tool >/dev/null; then
		skip "alert integration" "$tool not installed"; exit 0
	fi
done
if [ ! -x "$rh" ]; then
	fail "alert integration" "build/relayhint not built"; exit 1
fi

# wait_file FILE - up to 10 s for a file to appear
wait_file() {
	n=0
	while [ ! -s "$1" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
	[ -s "$1" ]
}

# --- a CA and a loopback server certificate
if ! err=$(sh "$here/mkcerts.sh" "$w" 2>&1); then
	fail "test CA" "$(echo "$err" | tr '\n' ' ')"; exit 1
fi

secret=whsec-Ab9-SIGNING-KEY-do-not-print
printf '%s\n' "$secret" > "$w/secret"
printf '%s\n' "wrong-key" > "$w/badsecret"
client_secret=cs~CLIENT-SECRET-do-not-print
printf '%s\n' "$client_secret" > "$w/client_secret"
# secret files that others may read are refused
chmod 600 "$w/secret" "$w/badsecret" "$w/client_secret"
token=eyJ0eXAiOiJKV1QiTOKEN-do-not-print
password='P@ssw0rd-do-not-print'

python3 "$here/https_rx.py" --cert "$w/srv.pem" --key "$w/srv.key" \
    --port-file "$w/rx.port" --out "$w/rx.out" --secret-file "$w/secret" \
    --client-secret-file "$w/client_secret" --token "$token" \
    > "$w/rx.log" 2>&1 &
pids="$pids $!"
python3 "$here/https_rx.py" --cert "$w/srv.pem" --key "$w/srv.key" \
    --port-file "$w/slow.port" --out "$w/slow.out" --secret-file "$w/secret" \
    --delay 20 > "$w/slow.log" 2>&1 &
pids="$pids $!"
if ! wait_file "$w/rx.port" || ! wait_file "$w/slow.port"; then
	fail "https receivers" "did not start: $(cat "$w/rx.log" "$w/slow.log" | tail -n 3)"
	exit 1
fi
rx=$(cat "$w/rx.port")
slow=$(cat "$w/slow.port")
# a port nobody listens on: bind, note, close
dead=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# =============== alerts
mkdir -p "$w/spool"
log=$top/tests/data/postfix/logs/hard-535-5.7.139-smtpauth-disabled.log
cat "$log" "$log" > "$w/two.log"	# the same cause twice: one alert
"$rh" scan --follow --alert-spool "$w/spool" < "$w/two.log" > "$w/scan.out" 2> "$w/scan.err"
n=$(ls "$w/spool" | grep -c '^a\.')
if [ "$n" = 1 ] && grep -q '^cause m365.auth.smtp_auth_disabled_tenant$' "$w/spool"/a.*; then
	pass "scan --follow --alert-spool: one alert for the cause"
else
	fail "scan --follow --alert-spool: one alert for the cause" "got $n files: $(cat "$w/scan.err")"
fi

"$rh" scan --alert-spool "$w/spool" < "$log" > /dev/null 2> "$w/usage.err"
rc=$?
if [ $rc = 2 ] && grep -q 'needs --follow' "$w/usage.err"; then
	pass "scan --alert-spool without --follow: usage error"
else
	fail "scan --alert-spool without --follow: usage error" "rc=$rc"
fi
"$rh" alert-drain --once --spool "$w/spool" --webhook "xml,https://127.0.0.1:$rx/" > /dev/null 2>&1
rc=$?
[ $rc = 2 ] && pass "alert-drain: unknown format is a usage error" ||
    fail "alert-drain: unknown format is a usage error" "rc=$rc"

# the webhooks from a file (their URLs are credentials: not on the command
# line, where ps shows them); one that others may read is refused
(umask 077; printf '# webhooks\njson,https://127.0.0.1:%s/hook/json?sig=URLSECRET\n\n  teams,https://127.0.0.1:%s/hook/teams\r\nslack,https://127.0.0.1:%s/hook/slack\n' \
    "$rx" "$rx" "$rx" > "$w/hooks")
cp "$w/hooks" "$w/hooks.open" && chmod 644 "$w/hooks.open"
if "$rh" alert-drain --once --spool "$w/spool" --webhook-file "$w/hooks.open" > /dev/null 2> "$w/open.err"; then rc=0; else rc=$?; fi
if [ $rc = 2 ] && grep -q "chmod o-r" "$w/open.err" && ! grep -q URLSECRET "$w/open.err"; then
	pass "alert-drain: a webhook file others may read is refused"
else
	fail "alert-drain: a webhook file others may read is refused" "rc=$rc $(tr '\n' ' ' < "$w/open.err")"
fi
printf 'json,https://127.0.0.1:%s/hook/json?sig=URLSECRET\nxml https://x\n' "$rx" > "$w/hooks.bad"; chmod 600 "$w/hooks.bad"
if "$rh" alert-drain --once --spool "$w/spool" --webhook-file "$w/hooks.bad" > /dev/null 2> "$w/bad.err"; then rc=0; else rc=$?; fi
if [ $rc = 2 ] && grep -q "hooks.bad:2:" "$w/bad.err" && ! grep -q URLSECRET "$w/bad.err"; then
	pass "alert-drain: a bad webhook file line is named by line, not echoed"
else
	fail "alert-drain: a bad webhook file line is named by line, not echoed" "rc=$rc $(tr '\n' ' ' < "$w/bad.err")"
fi
if "$rh" alert-drain --once --spool "$w/spool" --ca-file "$w/ca.pem" \
    --secret-file "$w/secret" --webhook-file "$w/hooks" > "$w/drain1.out" 2> "$w/drain1.err"; then rc=0; else rc=$?; fi
for f in json teams slack; do
	if grep -qx "OK $f m365.auth.smtp_auth_disabled_tenant" "$w/rx.out" 2>/dev/null; then
		pass "alert-drain: $f payload delivered, HMAC verified"
	else
		fail "alert-drain: $f payload delivered, HMAC verified" "rc=$rc receiver: $(cat "$w/rx.out" 2>/dev/null | tr '\n' ' ') drain: $(tr '\n' ' ' < "$w/drain1.err")"
	fi
done
if [ $rc = 0 ] && [ -z "$(ls "$w/spool" | grep '^a\.')" ]; then
	pass "alert-drain --once: exit 0, spool emptied"
else
	fail "alert-drain --once: exit 0, spool emptied" "rc=$rc, left: $(ls "$w/spool")"
fi

# a spool with one alert of the current scan (quiet window 0); what an
# earlier test kept for a later run is removed first
respool() {
	rm -f "$w/spool"/a.* "$w/spool"/d.*
	"$rh" scan --follow --alert-spool "$w/spool" --alert-quiet 0 < "$log" > /dev/null 2>&1
}

# a receiver that refuses the signature: bounded retries, then kept
respool
: > "$w/rx.out"
start=$(date +%s)
"$rh" alert-drain --once --spool "$w/spool" --ca-file "$w/ca.pem" --secret-file "$w/badsecret" \
    --retries 1 --backoff 1 --webhook "json,https://127.0.0.1:$rx/hook/json" \
    > /dev/null 2> "$w/drain2.err"
rc=$?
if grep -qx "BAD json signature" "$w/rx.out" && [ $rc = 1 ] &&
    [ "$(grep -c 'attempt [12]/2 failed: HTTP status 401' "$w/drain2.err")" = 2 ] &&
    grep -q 'not delivered after 2 attempt(s): kept' "$w/drain2.err" &&
    [ "$(ls "$w/spool" | grep -c '^a\.')" = 1 ]; then
	pass "wrong secret: receiver refuses, 2 attempts, alert kept with a log line"
else
	fail "wrong secret: receiver refuses, 2 attempts, alert kept with a log line" "rc=$rc $(tr '\n' ' ' < "$w/drain2.err")"
fi

# TLS verification is on: without the test CA the receiver is not trusted
respool
"$rh" alert-drain --once --spool "$w/spool" --secret-file "$w/secret" --retries 0 \
    --webhook "json,https://127.0.0.1:$rx/hook/json" > /dev/null 2> "$w/drain3.err"
rc=$?
if [ $rc = 1 ] && grep -qi 'certificate' "$w/drain3.err" && grep -q 'kept for' "$w/drain3.err"; then
	pass "alert-drain verifies TLS by default (unknown CA refused)"
else
	fail "alert-drain verifies TLS by default (unknown CA refused)" "rc=$rc $(tr '\n' ' ' < "$w/drain3.err")"
fi

# unreachable receiver: 3 attempts with backoff, bounded time
respool
start=$(date +%s)
"$rh" alert-drain --once --spool "$w/spool" --ca-file "$w/ca.pem" --secret-file "$w/secret" \
    --retries 2 --backoff 1 --connect-timeout 2 --webhook "slack,https://127.0.0.1:$dead/hook/slack" \
    > /dev/null 2> "$w/drain4.err"
rc=$?
took=$(($(date +%s) - start))
if [ $rc = 1 ] && [ "$(grep -c 'attempt [123]/3 failed' "$w/drain4.err")" = 3 ] &&
    grep -q 'not delivered after 3 attempt(s): kept' "$w/drain4.err" && [ $took -ge 3 ] && [ $took -le 15 ]; then
	pass "unreachable receiver: 3 attempts, backoff 1+2 s, kept (${took}s)"
else
	fail "unreachable receiver: 3 attempts, backoff 1+2 s, kept" "rc=$rc took=${took}s $(tr '\n' ' ' < "$w/drain4.err")"
fi

# slow receiver: the total timeout cuts each attempt
respool
start=$(date +%s)
"$rh" alert-drain --once --spool "$w/spool" --ca-file "$w/ca.pem" --secret-file "$w/secret" \
    --retries 1 --backoff 1 --timeout 2 --webhook "teams,https://127.0.0.1:$slow/hook/teams" \
    > /dev/null 2> "$w/drain5.err"
rc=$?
took=$(($(date +%s) - start))
if [ $rc = 1 ] && grep -qi 'timed out\|timeout' "$w/drain5.err" &&
    grep -q 'not delivered after 2 attempt(s): kept' "$w/drain5.err" && [ $took -le 12 ]; then
	pass "slow receiver: timeout per attempt, kept (${took}s)"
else
	fail "slow receiver: timeout per attempt, kept" "rc=$rc took=${took}s $(tr '\n' ' ' < "$w/drain5.err")"
fi

# an outage: a receiver that fails twice, then takes alerts.  The alert
# stays in the spool across runs and arrives once; several alerts and a
# dead receiver cost one round of attempts per pass, not one per alert
python3 "$here/https_rx.py" --cert "$w/srv.pem" --key "$w/srv.key" \
    --port-file "$w/out.port" --out "$w/outage.out" --secret-file "$w/secret" \
    --fail-first 2 > "$w/outage.log" 2>&1 &
pids="$pids $!"
python3 "$here/https_rx.py" --cert "$w/srv.pem" --key "$w/srv.key" \
    --port-file "$w/hang.port" --out "$w/hang.out" --secret-file "$w/secret" \
    --delay-first 6 > "$w/hang.log" 2>&1 &
pids="$pids $!"
if wait_file "$w/out.port" && wait_file "$w/hang.port"; then
	op=$(cat "$w/out.port"); hp=$(cat "$w/hang.port")
	respool
	drain_out() {
		"$rh" alert-drain --once --spool "$w/spool" --ca-file "$w/ca.pem" \
		    --secret-file "$w/secret" --retries 0 "$@" \
		    --webhook "json,https://127.0.0.1:$op/hook/json" 2>> "$w/outage.err"
	}
	drain_out; rc1=$?; n1=$(ls "$w/spool" | grep -c '^a\.')
	drain_out; rc2=$?; n2=$(ls "$w/spool" | grep -c '^a\.')
	drain_out; rc3=$?; n3=$(ls "$w/spool" | grep -c '^a\.')
	if [ "$rc1$rc2$rc3" = 110 ] && [ "$n1$n2$n3" = 110 ] &&
	    [ "$(grep -c '^FAIL json' "$w/outage.out")" = 2 ] &&
	    [ "$(grep -c '^OK json m365.auth.smtp_auth_disabled_tenant' "$w/outage.out")" = 1 ] &&
	    [ "$(grep -c 'kept for the next pass' "$w/outage.err")" = 2 ] &&
	    [ -z "$(ls "$w/spool" | grep '^d\.')" ]; then
		pass "outage: the alert stays in the spool across runs, delivered once when the receiver is back"
	else
		fail "outage: alert kept and delivered once" "rc=$rc1$rc2$rc3 files=$n1$n2$n3 rx=$(tr '\n' ' ' < "$w/outage.out") $(tr '\n' ' ' < "$w/outage.err")"
	fi

	# a dead receiver and 3 alerts: attempts for the first only, all kept
	respool
	"$rh" scan --follow --alert-spool "$w/spool" --alert-quiet 0 < "$log" > /dev/null 2>&1
	"$rh" scan --follow --alert-spool "$w/spool" --alert-quiet 0 < "$log" > /dev/null 2>&1
	"$rh" alert-drain --once --spool "$w/spool" --ca-file "$w/ca.pem" --retries 1 --backoff 1 \
	    --connect-timeout 2 --webhook "json,https://127.0.0.1:$dead/hook/json" > /dev/null 2> "$w/dead3.err"
	rc=$?
	if [ $rc = 1 ] && [ "$(grep -c 'attempt [12]/2 failed' "$w/dead3.err")" = 2 ] &&
	    [ "$(ls "$w/spool" | grep -c '^a\.')" = 3 ] && grep -q '0 sent, 3 kept' "$w/dead3.err"; then
		pass "dead receiver: one round of attempts per pass, 3 alerts kept"
	else
		fail "dead receiver: one round of attempts per pass" "rc=$rc $(tr '\n' ' ' < "$w/dead3.err")"
	fi

	# too old to keep: dropped with a log line (the name carries the time)
	old=$(ls "$w/spool" | grep '^a\.' | head -n 1)
	mv "$w/spool/$old" "$w/spool/a.000000000100.${old#a.*.}"
	"$rh" alert-drain --once --spool "$w/spool" --ca-file "$w/ca.pem" --retries 0 --max-age 3600 \
	    --connect-timeout 2 --webhook "json,https://127.0.0.1:$dead/hook/json" > /dev/null 2> "$w/age.err"
	if grep -q 'a.000000000100.*undelivered for .*(--max-age 3600): dropped' "$w/age.err" &&
	    [ "$(ls "$w/spool" | grep -c '^a\.')" = 2 ]; then
		pass "an undelivered alert older than --max-age is dropped with a log line"
	else
		fail "--max-age drop" "$(ls "$w/spool" | tr '\n' ' ') $(tr '\n' ' ' < "$w/age.err")"
	fi

	# killed mid-post: the restart posts only to the webhook that lacks
	# the alert (json took it; teams hangs 6 s on the first request)
	respool
	(umask 077; printf 'json,https://127.0.0.1:%s/hook/json\nteams,https://127.0.0.1:%s/hook/teams\n' \
	    "$rx" "$hp" > "$w/hooks2")
	: > "$w/rx.out"
	"$rh" alert-drain --once --spool "$w/spool" --ca-file "$w/ca.pem" --secret-file "$w/secret" \
	    --timeout 30 --webhook-file "$w/hooks2" > /dev/null 2> "$w/kill.err" &
	kp=$!
	n=0; while ! grep -q '^OK json' "$w/rx.out" 2>/dev/null && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
	sleep 0.5
	kill -9 $kp 2>/dev/null; wait $kp 2>/dev/null
	rec=$(cat "$w/spool"/d.a.* 2>/dev/null | wc -l)
	"$rh" alert-drain --once --spool "$w/spool" --ca-file "$w/ca.pem" --secret-file "$w/secret" \
	    --timeout 30 --webhook-file "$w/hooks2" > /dev/null 2> "$w/resume.err"
	rc=$?
	sleep 6.5	# the killed request's answer, if the receiver records it
	if [ $rc = 0 ] && [ "$rec" = 1 ] && [ "$(grep -c '^OK json' "$w/rx.out")" = 1 ] &&
	    grep -q '^OK teams' "$w/hang.out" && grep -q '1 sent, 0 kept' "$w/resume.err" &&
	    [ -z "$(ls "$w/spool" | grep '^[ad]\.')" ]; then
		pass "killed mid-post: the restart resumes (json not posted again, teams delivered)"
	else
		fail "killed mid-post: resume, not repeat" "rc=$rc record=$rec rx=$(tr '\n' ' ' < "$w/rx.out") hang=$(tr '\n' ' ' < "$w/hang.out") $(tr '\n' ' ' < "$w/resume.err")"
	fi
else
	fail "outage receivers" "did not start"
fi

# the spool bound: 4 alerts into a spool of 2, the 2 oldest dropped with a log line
rm -f "$w/spool"/a.* "$w/spool"/d.*
awk '/84ACB1022E9/ { for (i = 1; i <= 4; i++) { l = $0; gsub(/84ACB1022E9/, "84ACB10" i "2E9", l); print l } }' \
    "$log" > "$w/four.log"
"$rh" scan --follow --alert-spool "$w/spool" --alert-quiet 0 --alert-spool-max 2 < "$w/four.log" \
    > /dev/null 2> "$w/bound.err"
n=$(ls "$w/spool" | grep -c '^a\.')
d=$(grep -c 'alert spool full (2): dropped oldest alert' "$w/bound.err")
if [ "$n" = 2 ] && [ "$d" = 2 ]; then
	pass "spool bound: 4 alerts into 2 slots, 2 oldest dropped with a log line"
else
	fail "spool bound: 4 alerts into 2 slots, 2 oldest dropped with a log line" "files=$n dropped=$d $(tr '\n' ' ' < "$w/bound.err")"
fi

# second drainer on the same spool is refused (one drainer per spool)
(flock -n 9 || exit 0; exec 9>&-) 9>"$w/spool/.lock" 2>/dev/null
if command -v flock >/dev/null; then
	flock "$w/spool/.lock" sleep 3 &
	lp=$!
	pids="$pids $lp"
	sleep 0.5
	"$rh" alert-drain --once --spool "$w/spool" --webhook "json,https://127.0.0.1:$rx/hook/json" \
	    > /dev/null 2> "$w/drain6.err"
	rc=$?
	if [ $rc = 2 ] && grep -q 'another alert-drain runs' "$w/drain6.err"; then
		pass "one drainer per spool (lock)"
	else
		fail "one drainer per spool (lock)" "rc=$rc $(tr '\n' ' ' < "$w/drain6.err")"
	fi
	wait $lp 2>/dev/null
fi

if cat "$w"/drain*.err "$w/scan.err" "$w/bound.err" | grep -q "URLSECRET\|$secret\|wrong-key"; then
	fail "alert logs carry no secret" "a webhook secret or URL query was logged"
else
	pass "alert logs carry no secret (signing key, URL query)"
fi

# =============== probe
python3 "$here/fake_smtp.py" --cert "$w/srv.pem" --key "$w/srv.key" --config "$w/smtp.json" \
    --log "$w/smtp.log" --port-file "$w/smtp.port" > "$w/smtp.err" 2>&1 &
pids="$pids $!"
if ! wait_file "$w/smtp.port"; then
	fail "fake smtp server" "did not start: $(tail -n 3 "$w/smtp.err")"; exit 1
fi
sp=$(cat "$w/smtp.port")
printf '%s\n' "$password" > "$w/password"
printf '%s\n' "$token" > "$w/token"
chmod 600 "$w/password" "$w/token"
sid=SN4PR0501CA0054.namprd05.prod.outlook.com

# scenario NAME AUTH_REPLY MECHS - write the fake server's answers
scenario() {
	printf '{"auth_reply": "%s", "auth_mechs": "%s", "password": "%s", "token": "%s"}\n' \
	    "$1" "$2" "$password" "$token" > "$w/smtp.json"
}

# probe_case NAME WANT_RC WANT_TEXT ARGS... - run the probe, check exit and output
probe_case() {
	name=$1 want=$2 text=$3
	shift 3
	timeout 60 "$rh" probe --server "127.0.0.1:$sp" --user relay@contoso.example \
	    --timeout 10 --ca-file "$w/ca.pem" "$@" > "$w/probe.out" 2> "$w/probe.err"
	rc=$?
	cat "$w/probe.out" "$w/probe.err" >> "$w/probe.all"
	if [ $rc = "$want" ] && head -n 1 "$w/probe.out" | grep -q "^PROBE " &&
	    grep -q -- "$text" "$w/probe.out"; then
		pass "probe: $name (exit $rc)"
	else
		fail "probe: $name" "exit $rc, want $want and \"$text\": $(head -n 3 "$w/probe.out" | tr '\n' ' ') $(tr '\n' ' ' < "$w/probe.err")"
	fi
}

scenario "235 2.7.0 Authentication successful" "LOGIN XOAUTH2"
probe_case "password login accepted" 0 "^PROBE OK" --password-file "$w/password"
PROBE_PW=$password probe_case "password from the environment" 0 "^PROBE OK" --password-env PROBE_PW
probe_case "test message sent" 0 "test message queued" --password-file "$w/password" \
    --send-to alice@fabrikam.example
grep -q "MESSAGE accepted" "$w/smtp.log" && pass "probe: --send-to reached DATA" ||
    fail "probe: --send-to reached DATA" "no message at the fake server"
printf '%s\n' "not-the-password" > "$w/wrongpw"; chmod 600 "$w/wrongpw"
probe_case "wrong password: 535 5.7.3" 2 "m365.auth.bad_credentials" --password-file "$w/wrongpw"
scenario "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information. [$sid]" "LOGIN XOAUTH2"
probe_case "535 5.7.139 tenant" 2 "m365.auth.smtp_auth_disabled_tenant" --password-file "$w/password"
scenario "535 5.7.3 Authentication unsuccessful [$sid]" "LOGIN XOAUTH2"
probe_case "535 5.7.3" 2 "m365.auth.bad_credentials" --password-file "$w/password"
scenario "432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded [Hostname=$sid]" "LOGIN XOAUTH2"
probe_case "432 4.3.2 temporary: WARNING" 1 "m365.limit.concurrency" --password-file "$w/password"
scenario "235 2.7.0 Authentication successful" ""
probe_case "530 5.7.57 no AUTH offered, --send-to" 2 "m365.auth.not_authenticated" \
    --password-file "$w/password" --send-to alice@fabrikam.example
probe_case "no AUTH offered, login not tried" 2 "offered no AUTH" --password-file "$w/password"
scenario "235 2.7.0 Authentication successful" "LOGIN XOAUTH2"
probe_case "XOAUTH2 token file" 0 "accepted XOAUTH2" --xoauth2-token-file "$w/token"
grep -q "AUTH XOAUTH2" "$w/smtp.log" && pass "probe: XOAUTH2 used" || fail "probe: XOAUTH2 used" "no AUTH XOAUTH2"
probe_case "XOAUTH2 client credentials via token endpoint" 0 "accepted XOAUTH2" \
    --oauth-client 00000000-0000-0000-0000-000000000001 \
    --token-url "https://127.0.0.1:$rx/contoso.example/oauth2/v2.0/token" \
    --oauth-secret-file "$w/client_secret" --ca-file "$w/ca.pem"
grep -q "TOKEN issued" "$w/rx.out" && pass "probe: token endpoint issued the app-only token" ||
    fail "probe: token endpoint issued the app-only token" "$(tr '\n' ' ' < "$w/rx.out")"
probe_case "wrong client secret: AADSTS7000215" 2 "m365.oauth.client_secret" \
    --oauth-client 00000000-0000-0000-0000-000000000001 \
    --token-url "https://127.0.0.1:$rx/contoso.example/oauth2/v2.0/token" \
    --oauth-secret-file "$w/badsecret" --ca-file "$w/ca.pem"
probe_case "missing secret file: UNKNOWN" 3 "^PROBE UNKNOWN" --password-file "$w/nonexistent"
printf '%s\n' "$password" > "$w/pw2"; chmod 600 "$w/pw2"
probe_case "unknown CA: TLS verification on" 2 "^PROBE CRITICAL" --password-file "$w/pw2" --ca-file /dev/null
probe_case "nothing listening" 2 "^PROBE CRITICAL" --password-file "$w/password" --server "127.0.0.1:$dead"
# -v shows server lines only
probe_case "verbose shows only the server side" 0 "^PROBE OK" --password-file "$w/password" --verbose
grep -q '^S: 235' "$w/probe.err" && ! grep -q '^C:' "$w/probe.err" &&
    pass "probe --verbose: server lines, no client lines" ||
    fail "probe --verbose: server lines, no client lines" "$(head -n 3 "$w/probe.err")"

# never a secret in what the probe printed, raw or base64
b64pw=$(printf '%s' "$password" | base64)
b64tok=$(printf 'user=relay@contoso.example\001auth=Bearer %s\001\001' "$token" | base64 -w0)
if grep -qF -e "$password" -e "$token" -e "$client_secret" -e "$b64pw" -e "$b64tok" "$w/probe.all"; then
	fail "probe prints no secret" "a password, token or client secret was printed"
else
	pass "probe prints no secret (password, token, client secret, base64 forms)"
fi

[ $fails -eq 0 ]
