#!/bin/sh
# cli.sh - the relayhint command as a user runs it
#
# Checks exit codes, the JSON contract of "explain --json", scan over the
# real corpus logs (once per queue id, counts), scan --follow across a log
# rotation, queue over real postqueue -j output, and bounce --rewrite on
# every Postfix and Exim sample bounce: the result is parsed by Python's
# email package (an independent MIME parser) and its delivery-status part
# must be byte-identical to the original's; the real third-party bounces
# of tests/data/external are enriched (tests/cli/reach.py --check).
# Output: PASS:/FAIL: lines for tests/run.sh.

cd "$(dirname "$0")/../.." || exit 2
RH=./build/relayhint
D=tests/data
tmp=$(mktemp -d)
trap 'kill $fpid 2>/dev/null; rm -rf "$tmp"' EXIT
fpid=

ok()   { echo "PASS: $1"; }
bad()  { echo "FAIL: $1: $2"; }
check() { name=$1; shift; if "$@"; then ok "$name"; else bad "$name" "command failed: $*"; fi; }

# --- exit codes -----------------------------------------------------------
$RH explain '535 5.7.3 Authentication unsuccessful [SN4PR0501CA0054.namprd05.prod.outlook.com]' >/dev/null
[ $? -eq 0 ] && ok "explain exit 0 on a cause" || bad "explain exit 0 on a cause" "rc=$?"
$RH explain '535 5.7.8 Username and Password not accepted' >/dev/null
[ $? -eq 1 ] && ok "explain exit 1 without a cause" || bad "explain exit 1 without a cause" "rc=$?"
$RH explain --bogus >/dev/null 2>&1
[ $? -eq 2 ] && ok "explain exit 2 on usage error" || bad "explain exit 2 on usage error" "rc=$?"
$RH -h | grep -q '^usage: relayhint' && ok "-h prints usage" || bad "-h prints usage" "no usage"
$RH --version | grep -q '^relayhint [0-9]' && ok "--version" || bad "--version" "no version"
$RH check >/dev/null && ok "check: builtin rules and catalogs complete" || bad "check" "$($RH check 2>&1)"
printf 'cause m365.unknown unknown\nrule m365.unknown 999 5.7.1\n' > "$tmp/bad.rules"
out=$($RH --rules "$tmp/bad.rules" causes 2>&1); rc=$?
[ $rc -eq 78 ] && echo "$out" | grep -q "bad.rules:2: bad reply code" &&
	ok "bad rules file: exit 78 with file:line" || bad "bad rules file" "rc=$rc out=$out"

$RH --rules /nonexistent/rules nosuch >/dev/null 2>&1
[ $? -eq 2 ] && ok "unknown command: usage error before loading rules" || bad "unknown command" "rc=$?"

# --- JSON contract ----------------------------------------------------------
$RH explain --json --lang zh-TW 'Nov 22 17:12:51 relay postfix/smtp[5468]: 84ACB1022E9: to=<bob@customer.example>, relay=127.0.0.1[127.0.0.1]:2587, delay=0.1, delays=0/0/0.09/0, dsn=5.7.139, status=bounced (SASL authentication failed; server 127.0.0.1[127.0.0.1] said: 535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information. [DM6PR02CA0123.namprd02.prod.outlook.com])' > "$tmp/e.json"
python3 - "$tmp/e.json" <<'PY' && ok "explain --json contract (zh-TW)" || bad "explain --json contract" "$(cat "$tmp/e.json")"
import json, sys
o = json.load(open(sys.argv[1]))
for k in ("provider","cause","smtp_code","enhanced_code","server_id","summary","steps","user_note"):
    assert k in o, k
assert o["provider"] == "m365"
assert o["cause"] == "m365.auth.smtp_auth_disabled_tenant"
assert o["smtp_code"] == 535 and o["enhanced_code"] == "5.7.139"
assert o["server_id"] == "DM6PR02CA0123.namprd02.prod.outlook.com"
assert o["queue_id"] == "84ACB1022E9" and o["lang"] == "zh-TW"
assert isinstance(o["steps"], list) and len(o["steps"]) >= 2
assert any("\u4e00" <= ch <= "\u9fff" for ch in o["summary"]), "not Chinese"
PY
$RH explain --json '250 2.0.0 OK' > "$tmp/n.json"
python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); assert o["cause"] is None and o["provider"] is None and o["steps"]==[]' "$tmp/n.json" &&
	ok "explain --json: no cause is null" || bad "explain --json null" "$(cat "$tmp/n.json")"
printf '535 5.7.3 Authentication unsuccessful [SN4PR0501CA0054.namprd05.prod.outlook.com]\r\nBcc: x\001"\\' |
	$RH explain --json - > "$tmp/i.json"
python3 -c 'import json,sys; s=open(sys.argv[1]).read(); assert s.count("\n")==1; o=json.loads(s); assert "\r" not in o["reply"] and "\n" not in o["reply"]' "$tmp/i.json" &&
	ok "explain --json: one line, control bytes escaped" || bad "explain json escaping" "$(cat "$tmp/i.json")"

# --- scan -------------------------------------------------------------------
cat $D/postfix/logs/soft-535-5.7.139-smtpauth-disabled.log $D/postfix/logs/hard-535-5.7.3.log \
	$D/exim/logs/t1-tryauth-5.7.3/mainlog.log > "$tmp/mail.log"
$RH scan --json "$tmp/mail.log" > "$tmp/scan.json"
python3 - "$tmp/scan.json" "$tmp/mail.log" <<'PY' && ok "scan: once per queue id with counts" || bad "scan" "$(cat "$tmp/scan.json")"
import json, sys, re
rows = [json.loads(l) for l in open(sys.argv[1])]
keys = [(r["queue_id"], r["cause"]) for r in rows]
assert len(keys) == len(set(keys)), "duplicate (queue id, cause)"
causes = {r["cause"] for r in rows}
assert "m365.auth.smtp_auth_disabled_tenant" in causes, causes
assert "m365.auth.bad_credentials" in causes, causes
# the soft-bounce log defers the same queue id several times
log = open(sys.argv[2]).read()
for r in rows:
    if r["cause"] == "m365.auth.smtp_auth_disabled_tenant":
        n = len(re.findall(r["queue_id"] + r": to=.*status=(deferred|bounced)", log))
        assert r["count"] == n, (r["count"], n)
        assert r["first_seen"] <= r["last_seen"]
PY
$RH scan "$tmp/mail.log" | grep -q 'm365.auth.bad_credentials: ' && ok "scan: human report" || bad "scan human" "no group line"

# a NUL, a line longer than any buffer and a last line without a newline
# hide nothing around them (the line after a NUL used to be skipped)
python3 - "$D/postfix/logs/hard-535-5.7.3.log" "$tmp/odd.log" <<'PY'
import sys
fail = [l for l in open(sys.argv[1], "rb").read().split(b"\n") if b"status=bounced" in l][0]
other = fail.replace(b"702311022E8", b"70231102AAA")
last = fail.replace(b"702311022E8", b"70231102BBB")
open(sys.argv[2], "wb").write(b"junk\x00more junk\n" + fail + b"\n" +
    b"Y" * (2 * 1024 * 1024) + b"\n" + other + b"\n" + last)
PY
$RH scan --json "$tmp/odd.log" > "$tmp/odd.json"
$RH scan --json < "$tmp/odd.log" > "$tmp/odd2.json"
python3 - "$tmp/odd.json" "$tmp/odd2.json" <<'PY' && ok "scan: NUL bytes, a 2 MiB line and a last line without newline hide nothing" || bad "scan odd lines" "$(cat "$tmp/odd.json")"
import json, sys
for f in sys.argv[1:]:
    ids = sorted(json.loads(l)["queue_id"] for l in open(f))
    assert ids == ["702311022E8", "70231102AAA", "70231102BBB"], (f, ids)
PY

# scan --follow across a rotation
: > "$tmp/live.log"
$RH scan --follow --json "$tmp/live.log" > "$tmp/follow.out" 2>&1 &
fpid=$!
sleep 1
grep 'status=' $D/postfix/logs/hard-535-5.7.3.log >> "$tmp/live.log"
sleep 1
mv "$tmp/live.log" "$tmp/live.log.1"
grep 'status=' $D/postfix/logs/hard-535-5.7.139-security-defaults.log > "$tmp/live.log"
i=0; while [ $i -lt 20 ] && ! grep -q security_defaults "$tmp/follow.out"; do sleep 0.5; i=$((i+1)); done
kill $fpid 2>/dev/null; wait $fpid 2>/dev/null; fpid=
grep -q bad_credentials "$tmp/follow.out" && grep -q security_defaults "$tmp/follow.out" &&
	ok "scan --follow survives log rotation" || bad "scan --follow" "$(cat "$tmp/follow.out")"

# --- queue ------------------------------------------------------------------
cat $D/postfix/postqueue/soft-535-5.7.139-smtpauth-disabled.initial.json \
	$D/postfix/postqueue/milter-modify-5.7.3.json > "$tmp/q.json"
$RH queue --json --file "$tmp/q.json" > "$tmp/q.out"
python3 - "$tmp/q.out" <<'PY' && ok "queue: summary by cause" || bad "queue" "$(cat "$tmp/q.out")"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
c = {r["cause"]: r for r in rows}
assert "m365.auth.smtp_auth_disabled_tenant" in c, c.keys()
assert c["m365.auth.smtp_auth_disabled_tenant"]["messages"] >= 1
assert c["m365.auth.smtp_auth_disabled_tenant"]["oldest_arrival"].startswith("2026-")
PY

# --- bounce --rewrite on every sample ---------------------------------------
n=0; nbad=0
for f in $D/postfix/*.eml $D/exim/*.eml; do
	grep -qi '^Content-Type: multipart/report' "$f" || continue
	want=$($RH bounce --json "$f" | python3 -c 'import json,sys; print(json.load(sys.stdin)["cause"])')
	$RH bounce --rewrite --lang vi "$f" > "$tmp/out.eml" 2>"$tmp/err"
	if python3 tests/cli/check_rewrite.py "$f" "$tmp/out.eml" "$want" >"$tmp/why" 2>&1; then
		n=$((n+1))
	else
		nbad=$((nbad+1)); bad "bounce --rewrite $(basename "$f")" "$(cat "$tmp/why")"
	fi
done
[ $n -ge 10 ] && ok "bounce --rewrite: $n sample bounces valid, DSN byte-identical" ||
	bad "bounce --rewrite" "only $n samples checked"

# --- filter: Exim's transport_filter, never holding mail back ---------------
f=$D/external/set-of-emails/lhost-office365-01.eml
$RH filter --sender= < "$f" > "$tmp/f.out" 2>"$tmp/f.err"; rc=$?
[ $rc -eq 0 ] && grep -q '^X-Relayhint-Cause: m365.recipient.not_found' "$tmp/f.out" &&
	[ ! -s "$tmp/f.err" ] && ok "filter: a bounce (null sender) enriched, exit 0, no stderr" ||
	bad "filter: bounce" "rc=$rc"
{ printf 'X-Relayhint-Cause: m365.recipient.not_found\n'; cat "$f"; } > "$tmp/acl.eml"
$RH filter --sender= < "$tmp/acl.eml" > "$tmp/f.out"
$RH filter --sender= < "$tmp/f.out" > "$tmp/f.out2"
[ "$(grep -c '^X-Relayhint-Cause:' "$tmp/f.out")" = 1 ] &&
	grep -q '^relayhint: why this message was not delivered' "$tmp/f.out" &&
	cmp -s "$tmp/f.out" "$tmp/f.out2" &&
	ok "filter: headers from Exim's ACL kept once, the hint in the body, a second pass adds nothing" ||
	bad "filter: after the ACL" "headers doubled, no hint, or not idempotent"
$RH filter --sender=bob@example.com < "$f" | cmp -s - "$f" &&
	ok "filter: a message with a sender passes byte for byte" || bad "filter: sender" "changed"
$RH --rules /nonexistent/rules filter --sender= < "$f" > "$tmp/f.out" 2>"$tmp/f.err"; rc=$?
[ $rc -eq 0 ] && cmp -s "$tmp/f.out" "$f" && [ ! -s "$tmp/f.err" ] &&
	ok "filter: rules that do not load: the message as it came, exit 0" ||
	bad "filter: bad rules" "rc=$rc"
$RH filter --no-such-option < "$f" > "$tmp/f.out" 2>"$tmp/f.err"; rc=$?
[ $rc -eq 0 ] && [ ! -s "$tmp/f.err" ] && [ -s "$tmp/f.out" ] &&
	ok "filter: an unknown option does not stop the mail" || bad "filter: bad option" "rc=$rc"
head -c 6000000 /dev/zero | tr '\0' 'a' > "$tmp/big"
$RH filter --sender= < "$tmp/big" | cmp -s - "$tmp/big" &&
	ok "filter: a message over the size limit streams through unchanged" ||
	bad "filter: big" "changed"

# --- the real third-party bounces: enriched where Microsoft is involved -----
python3 tests/cli/reach.py $RH $D/external/set-of-emails --check 52
exit 0
