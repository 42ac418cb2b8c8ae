#!/bin/sh
# secrets.sh - no credential of tests/data/secrets.tsv reaches any output
#
# Each row's text goes into a Microsoft 365 reply (535 5.7.139 ... TEXT
# [server id]), a Postfix log line and a bounce, and through the real
# binaries' output channels:
#   stdout   relayhint explain TEXT, relayhint scan
#   json     relayhint explain --json, relayhint scan --json
#   syslog   relayhint-milter -d -t BOUNCE: its "relayhint:" log line
#   bounce   relayhint-milter -t: the enriched message carries the secret
#            no more often than the bounce it was given
#   spool    relayhint scan --follow --alert-spool DIR: the alert file
#   webhook  relayhint alert-drain --once to a loopback HTTP receiver
#            (python3 http.server), json, teams and slack bodies
# The secret's bytes must appear in none.  Each input is checked to carry
# the secret, so a row cannot pass by losing its text on the way.
# Then the secret files: a group- or world-readable password, client
# secret or signing key file is refused with a message, and a plain
# http:// webhook is refused unless --allow-http.
# Prints PASS:/FAIL:/SKIP: lines; exit 0 when nothing failed.
cd "$(dirname "$0")/../.." || exit 2
top=$(pwd)
rh=${RELAYHINT:-$top/build/relayhint}
milter=${RELAYHINT_MILTER:-$top/build/relayhint-milter}
table=$top/tests/data/secrets.tsv
fails=0
rxpid=""
w=$(mktemp -d "${TMPDIR:-/tmp}/rh-secrets.XXXXXX") || exit 2
cleanup() {
	[ -n "$rxpid" ] && kill "$rxpid" 2>/dev/null
	rm -rf "$w"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

. tests/lib/tap.sh

if [ ! -x "$rh" ]; then
	fail "secrets" "build/relayhint not built"; exit 1
fi

# count FILE STRING - occurrences of a fixed string in a file
count() {
	LC_ALL=C grep -o -F -e "$2" "$1" | wc -l | tr -d ' '
}

# --- a loopback HTTP receiver: one line per POST, "PATH BODY"
cat > "$w/rx.py" <<'EOF'
import http.server, sys
out, portfile = sys.argv[1], sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        with open(out, "ab") as f:
            f.write(self.path.encode() + b" " + body.replace(b"\n", b" ") + b"\n")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
with open(portfile + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
import os; os.rename(portfile + ".tmp", portfile)
s.serve_forever()
EOF
webhook=yes
if ! command -v python3 >/dev/null; then
	skip "secrets webhook" "python3 not installed"; webhook=no
else
	python3 "$w/rx.py" "$w/rx.out" "$w/rx.port" 2>"$w/rx.err" &
	rxpid=$!
	n=0
	while [ ! -s "$w/rx.port" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
	if [ -s "$w/rx.port" ]; then port=$(cat "$w/rx.port")
	else fail "secrets webhook" "receiver did not start: $(cat "$w/rx.err")"; webhook=no; fi
fi
if [ -x "$milter" ]; then
	printf 'language = en\n' > "$w/milter.conf"
else
	skip "secrets milter" "build/relayhint-milter not built"
fi

# bounce REPLY - a Postfix bounce whose diagnostic is REPLY
bounce() {
	cat <<EOF
Return-Path: <>
Date: Sun, 22 Nov 2026 17:12:49 +0000 (UTC)
From: Mail Delivery System <MAILER-DAEMON@relay.example.test>
Subject: Undelivered Mail Returned to Sender
To: alice@relay.example.test
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="702311022E8.1795367569/relay.example.test"
Content-Transfer-Encoding: 8bit
Message-Id: <20261122171249.8EB161022EB@relay.example.test>

This is a MIME-encapsulated message.

--702311022E8.1795367569/relay.example.test
Content-Description: Notification
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

This is the mail system at host relay.example.test.

<bob@customer.example>: SASL authentication failed; server
    smtp.office365.com[52.96.1.1] said: $1

--702311022E8.1795367569/relay.example.test
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; relay.example.test
X-Postfix-Queue-ID: 702311022E8
X-Postfix-Sender: rfc822; alice@relay.example.test
Arrival-Date: Sun, 22 Nov 2026 17:12:49 +0000 (UTC)

Final-Recipient: rfc822; bob@customer.example
Action: failed
Status: 5.7.139
Remote-MTA: dns; smtp.office365.com
Diagnostic-Code: smtp; $1

--702311022E8.1795367569/relay.example.test--
EOF
}

tab=$(printf '\t')
rows=0 leaked=0 channels=""
head='535 5.7.139 Authentication unsuccessful, the user credentials were incorrect.'
tail='[SN4PR0501CA0054.namprd05.prod.outlook.com]'
while IFS="$tab" read -r name secret text; do
	case $name in '#'*|'') continue ;; esac
	rows=$((rows + 1))
	bad=""
	text=$(printf '%s' "$text" | sed 's/\\n/ /g')
	reply="$head $text $tail"
	logl="Nov 22 17:12:49 relay postfix/smtp[4711]: 702311022E8: to=<bob@customer.example>, relay=smtp.office365.com[52.96.1.1]:587, delay=1.2, delays=0.1/0/1/0, dsn=5.7.139, status=bounced (SASL authentication failed; server smtp.office365.com[52.96.1.1] said: $reply)"
	printf '%s\n' "$reply" > "$w/in"
	if [ "$(count "$w/in" "$secret")" = 0 ]; then
		fail "secret $name" "the input lacks the secret"; continue
	fi
	# check CHANNEL FILE - the file exists, has content and no secret
	check() {
		if [ ! -s "$2" ]; then bad="$bad $1(empty)"
		elif [ "$(count "$2" "$secret")" != 0 ]; then bad="$bad $1"; fi
	}
	"$rh" explain "$reply" > "$w/stdout" 2>&1
	check stdout "$w/stdout"
	"$rh" explain --json "$reply" > "$w/json" 2>&1
	check json "$w/json"
	printf '%s\n' "$logl" | "$rh" scan > "$w/scan" 2>&1
	check scan-stdout "$w/scan"
	printf '%s\n' "$logl" | "$rh" scan --json > "$w/scanjson" 2>&1
	check scan-json "$w/scanjson"
	channels="stdout json scan-stdout scan-json"
	if [ -x "$milter" ]; then
		bounce "$reply" > "$w/bounce.eml"
		"$milter" -d -c "$w/milter.conf" -t "$w/bounce.eml" > "$w/enriched" 2> "$w/syslog"
		grep 'relayhint: ' "$w/syslog" > "$w/syslogline"
		check syslog "$w/syslogline"
		if [ "$(count "$w/enriched" "$secret")" -gt "$(count "$w/bounce.eml" "$secret")" ]; then
			bad="$bad bounce"
		elif ! grep -q 'Cause: m365\.' "$w/enriched"; then
			bad="$bad bounce(no hint)"
		fi
		channels="$channels syslog bounce"
	fi
	spool="$w/spool.$rows"
	mkdir "$spool"
	printf '%s\n' "$logl" | "$rh" scan --follow --alert-spool "$spool" - > /dev/null 2>&1
	cat "$spool"/a.* > "$w/spoolfile" 2>/dev/null
	check spool "$w/spoolfile"
	channels="$channels spool"
	if [ "$webhook" = yes ]; then
		: > "$w/rx.out"
		"$rh" alert-drain --once --spool "$spool" --allow-http --retries 0 \
		    --webhook "json,http://127.0.0.1:$port/json" \
		    --webhook "teams,http://127.0.0.1:$port/teams" \
		    --webhook "slack,http://127.0.0.1:$port/slack" > "$w/drain" 2>&1
		if [ "$(grep -c '^/' "$w/rx.out")" != 3 ]; then
			bad="$bad webhook(got $(grep -c '^/' "$w/rx.out") bodies, want 3: $(tail -1 "$w/drain"))"
		else
			check webhook "$w/rx.out"
			check drain-log "$w/drain"
		fi
		channels="$channels webhook"
	fi
	if [ -n "$bad" ]; then
		leaked=$((leaked + 1))
		fail "secret $name" "\"$secret\" in:$bad"
	else
		pass "secret $name: not in $channels"
	fi
done < "$table"
if [ $rows -ge 40 ]; then pass "secret table: $rows shapes"
else fail "secret table" "$rows shapes, want at least 40"; fi

# --- secret files others may read are refused, with a message
# expect NAME RC PATTERN CMD... - CMD exits RC, says PATTERN (grep, "" for
# nothing), and prints neither the password nor the webhook file's token
expect() {
	name=$1 want=$2 pat=$3
	shift 3
	"$@" > "$w/out" 2>&1
	rc=$?
	if [ $rc = "$want" ] && { [ -z "$pat" ] || grep -q -e "$pat" "$w/out"; } &&
	    [ "$(count "$w/out" "$pw")" = 0 ] && [ "$(count "$w/out" HookFileTok)" = 0 ]; then
		pass "$name"
	else
		fail "$name" "exit $rc, want $want: $(tr '\n' ' ' < "$w/out")"
	fi
}
pw='Grp-Readable-Pw-77'
printf '%s\n' "$pw" > "$w/pw"
mkdir -p "$w/emptyspool"
for mode in 640 604; do
	chmod $mode "$w/pw"
	expect "probe refuses a password file of mode $mode" 3 \
	    "refusing a password file that .* may read (mode 0$mode): run chmod go-rwx" \
	    "$rh" probe --user relay@contoso.example --password-file "$w/pw" --server 127.0.0.1:9
	expect "probe refuses a client-secret file of mode $mode" 3 \
	    "refusing a client secret file that .* may read (mode 0$mode)" \
	    "$rh" probe --user relay@contoso.example --oauth-client 00000000-0000-0000-0000-000000000001 \
	    --oauth-tenant contoso.example --oauth-secret-file "$w/pw" --server 127.0.0.1:9
	expect "alert-drain refuses a signing key file of mode $mode" 2 \
	    "refusing a webhook signing key file that .* may read (mode 0$mode)" \
	    "$rh" alert-drain --once --spool "$w/emptyspool" --secret-file "$w/pw" \
	    --webhook "json,https://127.0.0.1:9/x"
done
chmod 600 "$w/pw"
expect "alert-drain takes a signing key file of mode 600" 0 "" \
    "$rh" alert-drain --once --spool "$w/emptyspool" --secret-file "$w/pw" \
    --webhook "json,https://127.0.0.1:9/x"

# --- plain http:// only with --allow-http
for url in "http://127.0.0.1:9/x" "HTTP://hooks.example.test/x" "ftp://x/y"; do
	expect "alert-drain refuses webhook $url" 2 "refused unless --allow-http" \
	    "$rh" alert-drain --once --spool "$w/emptyspool" --webhook "json,$url"
done
printf 'json,http://127.0.0.1:9/hook?token=HookFileTok\n' > "$w/hooks"; chmod 600 "$w/hooks"
expect "alert-drain refuses an http:// webhook from a file, without echoing it" 2 \
    "refused unless --allow-http" \
    "$rh" alert-drain --once --spool "$w/emptyspool" --webhook-file "$w/hooks"
if "$rh" alert-drain --help 2>&1 | grep -q -- '--allow-http' &&
    grep -q 'allow-http' "$top/man/relayhint.1"; then
	pass "--allow-http in --help and relayhint(1)"
else
	fail "--allow-http documented" "missing in --help or relayhint(1)"
fi

[ $fails -eq 0 ]
