#!/bin/sh
# scan_corners.sh - "relayhint scan" on the corners a review found
#
# Each check failed before its fix:
# - a relay-local failure named better by a later sasl-xoauth2 trace is
#   one record that keeps its first sighting (it took the trace's time);
# - a late trace tied by pid does not keep the pair from retiring at
#   "removed", so a reused queue id hours later is a record of its own
#   (it was counted into the old one);
# - a queue id whose FNV-1a hash is the hash's basis (7F51003516) is one
#   record like any other (it went to two buckets: two records);
# - a gzip-compressed log is an input error, not "no failures" (exit 0).
# Output: PASS:/FAIL: lines for tests/run.sh.

cd "$(dirname "$0")/../.." || exit 2
RH=./build/relayhint
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

generic='SASL authentication failed; cannot authenticate to server smtp.office365.com[52.96.90.34]: generic failure'
trace='[sasl-xoauth2] auth failed: 2026-01-27 12:00:00: TokenStore::Read: failed to open file /var/spool/postfix/etc/tokens/a@b.example: No such file or directory'

# one message, named better at 12:00 by the trace of its delivery process
{
	echo "2026-01-27T10:00:00+00:00 relay2 postfix/smtp[6716]: 29829406CC: $generic"
	echo "2026-01-27T11:00:00+00:00 relay2 postfix/smtp[6716]: 29829406CC: $generic"
	echo "2026-01-27T12:00:00+00:00 relay2 postfix/smtp[6716]: $trace"
} > "$tmp/local.log"
$RH scan --json "$tmp/local.log" > "$tmp/local.json"
if python3 - "$tmp/local.json" <<'PY'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(not (len(r) == 1 and r[0]["count"] == 3 and
              r[0]["cause"] == "m365.oauth.token_file_missing" and
              r[0]["first_seen"] == "2026-01-27T10:00:00Z" and
              r[0]["last_seen"] == "2026-01-27T12:00:00Z"))
PY
then
	echo "PASS: scan: a trace naming the cause better keeps the record's first sighting"
else
	echo "FAIL: scan: a trace naming the cause better: $(head -c 400 "$tmp/local.json")"
fi

# removed, then the late trace, 600 other lines, the queue id again
{
	echo "2026-01-27T10:00:00+00:00 relay2 postfix/smtp[6716]: 29829406CC: $generic"
	echo "2026-01-27T10:00:01+00:00 relay2 postfix/qmgr[5448]: 29829406CC: removed"
	echo "2026-01-27T10:00:01+00:00 relay2 postfix/smtp[6716]: $trace"
	i=0
	while [ $i -lt 600 ]; do
		echo "2026-01-27T10:00:02+00:00 relay2 postfix/qmgr[5448]: 8A1B2C3D4E: from=<a@relay.example.test>, size=300, nrcpt=1 (queue active)"
		i=$((i + 1))
	done
	echo "2026-01-27T14:00:00+00:00 relay2 postfix/smtp[7001]: 29829406CC: $generic"
} > "$tmp/late.log"
$RH scan --json "$tmp/late.log" > "$tmp/late.json"
if python3 - "$tmp/late.json" <<'PY'
import json, sys
r = sorted((x["first_seen"], x["count"]) for x in map(json.loads, open(sys.argv[1])))
sys.exit(not (r == [("2026-01-27T10:00:00Z", 2), ("2026-01-27T14:00:00Z", 1)]))
PY
then
	echo "PASS: scan: a late trace does not merge a reused queue id into the removed message"
else
	echo "FAIL: scan: a late trace and a reused queue id: $(head -c 400 "$tmp/late.json")"
fi

# the same two lines under a queue id hashed to the basis and another
for q in 7F51003516 7F51003517; do
	cat > "$tmp/q$q.log" <<LOG
Nov 22 17:12:51 relay postfix/smtp[5468]: $q: to=<bob@customer.example>, relay=127.0.0.1[127.0.0.1]:2587, delay=0.1, delays=0/0/0.09/0, dsn=5.7.139, status=bounced (SASL authentication failed; server 127.0.0.1[127.0.0.1] said: 535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information. [DM6PR02CA0123.namprd02.prod.outlook.com])
Nov 22 17:13:00 relay postfix/smtp[5586]: $q: to=<bob@customer.example>, relay=127.0.0.1[127.0.0.1]:2587, delay=0.12, delays=0.01/0.02/0.09/0, dsn=5.7.57, status=bounced (host 127.0.0.1[127.0.0.1] said: 530 5.7.57 Client not authenticated to send mail. [SN4PR0501CA0054.namprd05.prod.outlook.com 2026-11-22T17:00:00.000Z 08DE2A1B2C3D4E5F] (in reply to MAIL FROM command))
LOG
	$RH scan --json "$tmp/q$q.log" | sed 's/"queue_id":"[^"]*"//; s/"[a-z_]*seen[a-z_]*":"[^"]*"//g' > "$tmp/q$q.json"
done
if [ "$(wc -l < "$tmp/q7F51003516.json")" -eq 1 ] &&
    cmp -s "$tmp/q7F51003516.json" "$tmp/q7F51003517.json"; then
	echo "PASS: scan: a queue id whose hash is the basis is one record like any other"
else
	echo "FAIL: scan: queue id 7F51003516: $(head -c 400 "$tmp/q7F51003516.json")"
fi

# a rotated, compressed log
gzip -c "$tmp/local.log" > "$tmp/mail.log.2.gz"
$RH scan "$tmp/mail.log.2.gz" > "$tmp/gz.out" 2> "$tmp/gz.err"
rc=$?
if [ $rc -eq 2 ] && grep -q 'compressed' "$tmp/gz.err" && grep -q zcat "$tmp/gz.err"; then
	echo "PASS: scan: a gzip-compressed log is an input error (exit 2, says zcat)"
else
	echo "FAIL: scan: a gzip-compressed log: rc=$rc $(cat "$tmp/gz.err")"
fi
