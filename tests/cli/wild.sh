#!/bin/sh
# wild.sh - reply lines real users pasted in public, through "explain"
#
# Every line of tests/data/wild/*.tsv (expected cause or "-", expected
# evidence or "-", wrapper, source URL, the line as pasted) goes through
# "relayhint explain --json -" as a new user would paste it.  One PASS or
# FAIL per line: the cause must be the expected one ("-": no cause at
# all), and where the table names the evidence, the "evidence" member
# must say it.  Then the recognition figures: Microsoft lines given their
# cause, and non-Microsoft lines given any cause (must stay 0).
# Output: PASS:/FAIL: lines for tests/run.sh.

cd "$(dirname "$0")/../.." || exit 2
RH=./build/relayhint
tab=$(printf '\t')
ms=0 ms_ok=0 other=0 other_false=0 n=0

# member NAME JSON - a string member before "reply" (whose text could
# hold anything), "-" when null or absent; ids are [a-z0-9._]
member() {
	printf '%s\n' "${2%%\"reply\":*}" |
	    sed -n "s/.*\"$1\":\"\([a-z0-9._-]*\)\".*/\1/p" | grep . || echo -
}

for f in tests/data/wild/*.tsv; do
	while IFS="$tab" read -r want_cause want_ev wrapper url line; do
		case $want_cause in ''|'#'*) continue ;; esac
		n=$((n + 1))
		out=$(printf '%s\n' "$line" | $RH explain --json - 2>/dev/null)
		got_cause=$(member cause "$out")
		got_ev=$(member evidence "$out")
		name="wild $(basename "$f"):$n $wrapper $url"
		if [ "$want_cause" = "-" ]; then
			other=$((other + 1))
			[ "$got_cause" = "-" ] || other_false=$((other_false + 1))
		else
			ms=$((ms + 1))
			[ "$got_cause" = "$want_cause" ] && ms_ok=$((ms_ok + 1))
		fi
		if [ "$got_cause" != "$want_cause" ]; then
			echo "FAIL: $name: got cause $got_cause, want $want_cause"
		elif [ "$want_ev" != "-" ] && [ "$got_ev" != "$want_ev" ]; then
			echo "FAIL: $name: got evidence $got_ev, want $want_ev"
		else
			echo "PASS: $name"
		fi
	done < "$f"
done

# the README's and the man page's own examples: placeholder server ids
for r in '535 5.7.139 Authentication unsuccessful, the user credentials were incorrect. [..outlook.com]' \
    '535 5.7.3 Authentication unsuccessful [X.prod.outlook.com]'; do
	$RH explain "$r" | grep -q '^Cause: *m365.auth.bad_credentials' &&
	    echo "PASS: wild: placeholder server id: $r" ||
	    echo "FAIL: wild: placeholder server id: $r: no cause"
done
# empty input is an input error; a file argument is read
printf ' \n' | $RH explain - >/dev/null 2>&1
rc=$?; [ $rc -eq 2 ] && echo "PASS: wild: explain of empty input exits 2" ||
    echo "FAIL: wild: explain of empty input: exit $rc, want 2"
$RH explain tests/data/ndr/exo-5.7.708-ip-pool.eml | grep -q '^Cause: *m365.blocked.ip_pool' &&
    echo "PASS: wild: explain FILE reads the file" ||
    echo "FAIL: wild: explain FILE: no cause"
# the human output says when only the wording matched
$RH explain 'MailKit.Net.Smtp.SmtpCommandException: 5.7.3 Authentication unsuccessful' |
    grep -q '^Probably Microsoft 365: the wording is Exchange' &&
    echo "PASS: wild: wording-only answer says so" ||
    echo "FAIL: wild: wording-only answer does not say so"
# a pasted swaks transcript is searched as a whole; what follows AUTH is
# never echoed
out=$(printf ' ~> AUTH LOGIN\n<~  334 VXNlcm5hbWU6\n ~> dXNlckBleGFtcGxlLmNvbQ==\n<~  334 UGFzc3dvcmQ6\n ~> c2VjcmV0cGFzc3dvcmQ=\n<~* 535 5.7.139 Authentication unsuccessful, the user credentials were incorrect. [SN4PR0501CA0054.namprd05.prod.outlook.com]\n ~> QUIT\n' |
    $RH explain --json -)
case $out in
*c2VjcmV0cGFzc3dvcmQ*|*dXNlckBleGFtcGxl*)
	echo "FAIL: wild: swaks transcript: AUTH data echoed" ;;
*'"cause":"m365.auth.bad_credentials"'*)
	echo "PASS: wild: swaks transcript: cause found, AUTH data not echoed" ;;
*)	echo "FAIL: wild: swaks transcript: $out" ;;
esac

echo "wild: $n lines; Microsoft lines with their cause: $ms_ok/$ms;" \
    "non-Microsoft lines given a cause: $other_false/$other"
