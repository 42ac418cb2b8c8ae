#!/bin/sh
# bigseeds.sh - large adversarial seeds for the fuzzers: DIR SIZE
#
# Writes DIR/NAME/* for every harness: the shapes of the CPU class of
# issue 14 (an anchor letter in one case only, many candidates, a marker
# on every line, many recipients, many parts, one long header), SIZE
# bytes or a little more each, so that libFuzzer (-max_len=SIZE) mutates
# inputs large enough for a quadratic search to show.  Generated, not
# committed: 14 harnesses x a few 256 KiB files would bloat the tree.
set -eu
dir=$1
size=$2

# rep STR - STR repeated, cut to SIZE less room for what wraps it
rep() {
	awk -v s="$1" -v n="$((size - 1024))" 'BEGIN {
		gsub(/\\r/, "\r", s); gsub(/\\n/, "\n", s); gsub(/\\t/, "\t", s)
		o = s; while (length(o) < n) o = o o; printf "%s", substr(o, 1, n) }'
}

# report BODYSTR - a null-sender multipart/report, its text part BODYSTR x
report() {
	printf 'From: MAILER-DAEMON@relay.example.test\r\nReturn-Path: <>\r\n'
	printf 'MIME-Version: 1.0\r\nContent-Type: multipart/report; '
	printf 'report-type=delivery-status; boundary="B0"\r\n\r\n--B0\r\n'
	printf 'Content-Type: text/plain\r\n\r\n'
	rep "$1"
	printf '\r\n--B0\r\nContent-Type: message/delivery-status\r\n\r\n'
	printf 'Reporting-MTA: dns; relay.example.test\r\n\r\n'
	printf 'Final-Recipient: rfc822; bob@customer.example\r\n'
	printf 'Action: failed\r\nStatus: 5.7.57\r\nDiagnostic-Code: smtp; '
	printf '530 5.7.57 Client not authenticated\r\n\r\n--B0--\r\n'
}

dsnrcpt='Final-Recipient: rfc822; u@customer.example\r\nAction: failed\r\nStatus: 5.7.57\r\nDiagnostic-Code: smtp; 530 5.7.57 no\r\n\r\n'

for n in bounce explain ndr mime; do
	mkdir -p "$dir/$n"
	report 'V' >"$dir/$n/one-case-V"
	report 'v' >"$dir/$n/one-case-v"
	report 'remote server returned x\r\n' >"$dir/$n/marker-lines"
	report '550 5.7.57 v\r\n' >"$dir/$n/reply-lines"
	{ printf 'From: postmaster@outlook.com\r\nSubject: Undeliverable: x\r\n'
	  printf 'Content-Type: multipart/report; report-type=delivery-status; '
	  printf 'boundary="B0"\r\n\r\n'
	  rep '--B0\r\nContent-Type: text/plain\r\n\r\nv\r\n'
	  printf '\r\n--B0--\r\n'; } >"$dir/$n/many-parts"
	{ printf 'From: MAILER-DAEMON@relay.example.test\r\nSubject: '
	  rep 'X'
	  printf '\r\nContent-Type: text/plain\r\n\r\nx\r\n'; } >"$dir/$n/header-X"
	{ printf 'From: MAILER-DAEMON@relay.example.test\r\nReturn-Path: <>\r\n'
	  printf 'Content-Type: multipart/report; report-type=delivery-status; '
	  printf 'boundary="B0"\r\n\r\n--B0\r\nContent-Type: text/plain\r\n\r\n'
	  printf 'x\r\n--B0\r\nContent-Type: message/delivery-status\r\n\r\n'
	  printf 'Reporting-MTA: dns; x\r\n\r\n'
	  rep "$dsnrcpt"
	  printf '\r\n--B0--\r\n'; } >"$dir/$n/many-recipients"
done
mkdir -p "$dir/reply" "$dir/dsn" "$dir/rewrite" "$dir/logline" \
    "$dir/pqjson" "$dir/rules" "$dir/hints"
rep 'V' >"$dir/reply/one-case-V"
rep '550-5.7.57 V\r\n' >"$dir/reply/many-lines"
rep "$dsnrcpt" >"$dir/dsn/many-recipients"
rep ' V\r\n' >"$dir/dsn/continuation"
{ printf 'multipart/mixed; boundary="B0"\n7bit\n'; rep '--B0x\n'; } \
    >"$dir/rewrite/near-delimiters"
{ printf 'text/plain\nquoted-printable\n'; rep '=\r\n'; } \
    >"$dir/rewrite/qp-soft-breaks"
{ printf 'Nov 22 17:13:01 relay postfix/smtp[5597]: 83C081022EC: '
  printf 'to=<bob@customer.example>, relay=smtp.office365.com[52.96.1.2]:587, '
  printf 'delay=0.12, dsn=5.7.57, status=bounced (host x said: 530 5.7.57 '
  rep 'V'; printf ')\n'; } >"$dir/logline/long-reply"
{ printf '{"queue_id": "7BEB61022FC", "recipients": ['
  rep '{"address": "u@customer.example", "delay_reason": "530 5.7.57 V"}, '
  printf '{}]}\n'; } >"$dir/pqjson/many-recipients"
rep 'V' >"$dir/rules/one-case-V"
rep 'V' >"$dir/hints/one-case-V"
mkdir -p "$dir/redact"
# byte 0 picks the planted shape; then long transcripts and key lists
{ printf '\000'; rep 'AUTH LOGIN\n334 UGFzc3dvcmQ6\nc2VjcmV0\n'; } \
    >"$dir/redact/auth-transcript"
{ printf '\004'; rep 'password=p&token=t&x=1 '; } >"$dir/redact/many-keys"
{ printf '\010'; rep '"password" : "'; } >"$dir/redact/open-json"
{ printf '\015'; rep 'Aa0'; } >"$dir/redact/long-blob"
