#!/bin/sh
# scan_message.sh - "relayhint scan" gives one record per message
#
# Every Postfix and Exim log of the corpus, read as one mixed log: no
# queue id may get two records.  An Exim message whose "authenticator
# failed ... 535 5.7.139 ... SmtpClientAuthentication is disabled" line is
# followed by its "** ... 530 5.7.57" line is one record with the more
# specific cause, the count of both lines and the recipient of the second.
# Output: PASS:/FAIL: lines for tests/run.sh.

cd "$(dirname "$0")/../.." || exit 2
RH=./build/relayhint
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat tests/data/exim/logs/*/*.log tests/data/postfix/logs/*.log > "$tmp/mixed.log"
$RH scan --json "$tmp/mixed.log" > "$tmp/scan.json"
dups=$(sed -n 's/^{[^{]*"queue_id":"\([^"]*\)".*/\1/p' "$tmp/scan.json" | sort | uniq -d)
n=$(grep -c '"queue_id":"' "$tmp/scan.json")
if [ "$n" -gt 10 ] && [ -z "$dups" ]; then
	echo "PASS: scan: one record per queue id ($n queue ids, mixed Postfix/Exim)"
else
	echo "FAIL: scan: one record per queue id: $n records, repeated: $dups"
fi

$RH scan --json tests/data/exim/logs/t2-tryauth-5.7.139/mainlog.log > "$tmp/t2.json"
if [ "$(wc -l < "$tmp/t2.json")" -eq 1 ] &&
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(not (r["queue_id"]=="1xVBXV-0000Og-1F" and r["cause"]=="m365.auth.smtp_auth_disabled_tenant" and r["count"]==2))' "$tmp/t2.json" &&
    grep -q '"recipient":"user@tryauth.example.net"' "$tmp/t2.json"; then
	echo "PASS: scan: authenticator failed + delivery line = one record, specific cause, count 2"
else
	echo "FAIL: scan: authenticator failed + delivery line: $(cat "$tmp/t2.json")"
fi
