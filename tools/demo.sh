#!/bin/sh
# demo.sh - relayhint's main job on the bundled samples
#
# Classifies a real Postfix log excerpt and a real Exim main log, then
# enriches a real Postfix bounce exactly as the milter would and shows
# the top of the result.  Everything comes from tests/data/ (output of a
# real Postfix 3.7 and Exim 4.96 against a fake Microsoft 365 server).
cd "$(dirname "$0")/.." || exit 2
RH=./build/relayhint
D=tests/data

echo "== relayhint explain: one Postfix log line"
grep -h 'status=bounced' $D/postfix/logs/hard-535-5.7.139-security-defaults.log | head -n 1 |
	$RH explain -
echo
echo "== relayhint scan: Postfix and Exim logs, once per queue id"
cat $D/postfix/logs/hard-*.log $D/exim/logs/*/mainlog.log | $RH scan
echo "== relayhint bounce --rewrite: the hint Postfix's bounce will carry"
$RH bounce --rewrite $D/postfix/hard-535-5.7.139-smtpauth-disabled.eml |
	sed -n '/^X-Relayhint/p;/^This is a MIME-encapsulated/,/The mail system/p' | head -n 60
echo "..."
echo "(full message: $RH bounce --rewrite $D/postfix/hard-535-5.7.139-smtpauth-disabled.eml;"
echo " other languages: add --language zh-TW, zh-CN, vi, ar or ro)"
