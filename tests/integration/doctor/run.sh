#!/bin/sh
# run.sh - relayhint doctor against a real Postfix and a real Exim, plus
# the relay-local scan correlation and the queue's time-left
#
# Postfix: the Debian package's postconf and postmap on private
# configuration directories (postconf -c DIR), one per case: a password
# login, Postfix's noplaintext default, a password-map key that does not
# match the relayhost form, XOAUTH2 with a sasl-xoauth2 token file inside
# and outside the chroot (queue_directory is private too).  Doctor is
# read-only: no Postfix is started and nothing listens.  Exim: a private
# unpack of Debian's exim4-daemon-heavy (tests/integration/exim/setup.sh,
# called read-only, or an existing unpack) with a passwd.client whose
# entry names smtp.office365.com and with one that uses a wildcard.  Each
# case asserts the verdicts, the exit code, and that no password, token
# or client secret appears in any output.
#
# Prints "PASS: name", "FAIL: name: why" or "SKIP: name: why"; under
# CI=true a missing prerequisite is a FAIL.  Exits 0 when nothing failed.
cd "$(dirname "$0")/../../.." || exit 2
top=$(pwd)
RH=$top/build/relayhint
fails=0
. tests/lib/tap.sh
TMP=$(mktemp -d /tmp/rh-doctor.XXXXXX) || exit 2
chmod 755 "$TMP"
trap 'rm -rf "$TMP"' EXIT INT TERM

[ -x "$RH" ] || { bad build "no $RH (run make)"; exit 1; }

# --- prerequisites: postconf/postmap (Debian postfix package) ------------
if ! command -v postconf >/dev/null 2>&1 && [ "$(id -u)" = 0 ] &&
    command -v apt-get >/dev/null 2>&1; then
	echo "postfix postfix/main_mailer_type select No configuration" |
	    debconf-set-selections 2>/dev/null
	DEBIAN_FRONTEND=noninteractive timeout 200 apt-get install -y -qq \
	    postfix >/dev/null 2>&1 || {
		# a fresh machine may have no package lists yet
		timeout 180 apt-get update -q >/dev/null 2>&1
		DEBIAN_FRONTEND=noninteractive timeout 200 apt-get install \
		    -y -qq postfix >/dev/null 2>&1 || true
	}
fi
PW='Pf-S3cret!pass'
RT='0.AXoA-refresh-token-INTEGRATION'
AT='eyJ0eXAi-access-token-INTEGRATION'
CS='client~secret.INTEGRATION'
XPW='ExImS3cretPassw0rd'

# jq-free JSON assertions
jcheck() {	# file python-expression...
	python3 - "$@" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
checks = {}
for c in r["checks"]:
    checks.setdefault(c["id"], []).append(c)
def lvl(i, subj=None):
    for c in checks.get(i, []):
        if subj is None or c["subject"] == subj:
            return c["level"]
    return None
for expr in sys.argv[2:]:
    if not eval(expr):
        print("assertion failed:", expr, file=sys.stderr)
        print(json.dumps(r, indent=1)[:3000], file=sys.stderr)
        sys.exit(1)
PY
}

# no secret anywhere in what doctor printed
nosecret() {	# name files...
	n=$1; shift
	for s in "$PW" "$RT" "$AT" "$CS" "$XPW"; do
		if grep -F -q -- "$s" "$@" 2>/dev/null; then
			bad "$n: no secret in output" "found $s"; return
		fi
	done
	ok "$n: no password, token or secret in any output"
}

# mkpf NAME - a private Postfix configuration and queue directory
mkpf() {
	d=$TMP/$1
	mkdir -p "$d/etc" "$d/q"
	cp /etc/postfix/master.cf "$d/etc/master.cf" 2>/dev/null ||
	    postconf -d >/dev/null
	cat > "$d/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $d/q
relayhost = [smtp.office365.com]:587
smtp_sasl_auth_enable = yes
smtp_sasl_password_maps = hash:$d/etc/sasl_passwd
smtp_tls_security_level = encrypt
inet_interfaces = loopback-only
EOF
}

# doctor NAME CFGDIR [args] - run both forms, keep rc of the JSON run
doctor() {
	n=$1; shift
	"$RH" doctor "$@" > "$TMP/$n.txt" 2> "$TMP/$n.err"
	"$RH" doctor --json "$@" > "$TMP/$n.json" 2>> "$TMP/$n.err"
	echo $?
}

if command -v postconf >/dev/null 2>&1 && command -v postmap >/dev/null 2>&1 &&
    [ -f /etc/postfix/master.cf ] && [ "$(id -u)" = 0 ]; then
	PF=1
else
	PF=0
	skip "postfix doctor" "needs root and the postfix package (postconf, postmap)"
fi

if [ $PF = 1 ]; then
	# 1. password login with working options: only the deadline warning
	mkpf pw
	cat >> "$TMP/pw/etc/main.cf" <<EOF
smtp_sasl_security_options = noanonymous
smtp_sasl_tls_security_options = noanonymous
delay_warning_time = 4h
EOF
	printf '[smtp.office365.com]:587 relay@contoso.example:%s\n' "$PW" > "$TMP/pw/etc/sasl_passwd"
	chmod 600 "$TMP/pw/etc/sasl_passwd"
	postmap -c "$TMP/pw/etc" "hash:$TMP/pw/etc/sasl_passwd"
	rc=$(doctor pw --mta postfix --config-dir "$TMP/pw/etc")
	if [ "$rc" = 1 ] && jcheck "$TMP/pw.json" \
	    'lvl("basic_auth.deadline") == "WARN"' \
	    'lvl("sasl.password_map") == "OK"' \
	    'r["relay_hosts"][0]["mailbox"] == "relay@contoso.example"' \
	    'r["relay_hosts"][0]["login"] == "password"' \
	    'lvl("tls.level") == "OK"' 'lvl("sasl.map_built") == "OK"' &&
	    grep -q 'Set-CASMailbox -Identity relay@contoso.example' "$TMP/pw.txt" &&
	    grep -q 'end of December 2026' "$TMP/pw.txt"; then
		ok "postfix password login: WARN basic_auth.deadline, mailbox filled in, exit 1"
	else
		bad "postfix password login" "rc=$rc $(head -c 600 "$TMP/pw.txt")"
	fi
	nosecret "postfix password login" "$TMP/pw.txt" "$TMP/pw.json" "$TMP/pw.err"

	# 2. Postfix's noplaintext default against LOGIN/XOAUTH2 only
	mkpf noplain
	printf '[smtp.office365.com]:587 relay@contoso.example:%s\n' "$PW" > "$TMP/noplain/etc/sasl_passwd"
	postmap -c "$TMP/noplain/etc" "hash:$TMP/noplain/etc/sasl_passwd"
	rc=$(doctor noplain --config-dir "$TMP/noplain/etc")
	if [ "$rc" = 2 ] && jcheck "$TMP/noplain.json" \
	    'lvl("sasl.mechanisms") == "FAIL"' \
	    '"noplaintext" in [c for c in r["checks"] if c["id"] == "sasl.mechanisms"][0]["reason"]' \
	    'lvl("queue.notice") == "WARN"'; then
		ok "postfix noplaintext default: FAIL sasl.mechanisms (No worthy mechs), exit 2"
	else
		bad "postfix noplaintext" "rc=$rc $(head -c 600 "$TMP/noplain.txt")"
	fi
	nosecret "postfix noplaintext" "$TMP/noplain.txt" "$TMP/noplain.json" "$TMP/noplain.err"

	# 3. the map key form does not match the relayhost form
	mkpf keymis
	sed -i 's/^relayhost = .*/relayhost = smtp.office365.com:587/' "$TMP/keymis/etc/main.cf"
	echo "smtp_sasl_security_options = noanonymous" >> "$TMP/keymis/etc/main.cf"
	printf '[smtp.office365.com]:587 relay@contoso.example:%s\n' "$PW" > "$TMP/keymis/etc/sasl_passwd"
	postmap -c "$TMP/keymis/etc" "hash:$TMP/keymis/etc/sasl_passwd"
	rc=$(doctor keymis --config-dir "$TMP/keymis/etc")
	if [ "$rc" = 2 ] && jcheck "$TMP/keymis.json" \
	    'lvl("sasl.password_map", "smtp.office365.com:587") == "FAIL"' \
	    '"[smtp.office365.com]:587" in [c for c in r["checks"] if c["id"] == "sasl.password_map"][0]["reason"]' &&
	    grep -q '530 5.7.57' "$TMP/keymis.txt"; then
		ok "postfix map key [host]:587 vs relayhost host:587: FAIL sasl.password_map, exit 2"
	else
		bad "postfix key mismatch" "rc=$rc $(head -c 600 "$TMP/keymis.txt")"
	fi
	nosecret "postfix key mismatch" "$TMP/keymis.txt" "$TMP/keymis.json" "$TMP/keymis.err"

	# 4. XOAUTH2, token file inside the chroot (queue_directory)
	mkxo() {	# NAME inside|outside
		mkpf "$1"
		d=$TMP/$1
		cat >> "$d/etc/main.cf" <<EOF
smtp_sasl_mechanism_filter = xoauth2
smtp_sasl_security_options =
smtp_sasl_tls_security_options =
delay_warning_time = 4h
EOF
		tok=$d/tokens/relay@contoso.example
		printf '[smtp.office365.com]:587 relay@contoso.example:%s\n' "$tok" > "$d/etc/sasl_passwd"
		postmap -c "$d/etc" "hash:$d/etc/sasl_passwd"
		printf '{"client_id": "00000000-1111-2222-3333-444444444444", "client_secret": "%s", "token_endpoint": "https://login.microsoftonline.com/contoso.example/oauth2/v2.0/token"}\n' "$CS" > "$d/sasl-xoauth2.conf"
		chmod 640 "$d/sasl-xoauth2.conf"
		if [ "$2" = inside ]; then f=$d/q$tok; else f=$tok; fi
		mkdir -p "$(dirname "$f")" "$d/q/etc/ssl/certs"
		printf '{"access_token": "%s", "expiry": "%s", "refresh_token": "%s"}\n' \
		    "$AT" "$(date +%s)" "$RT" > "$f"
		chown -R postfix:postfix "$(dirname "$f")"
		chmod 600 "$f"
		touch -d '12 days ago' "$f"
		cp /etc/ssl/certs/ca-certificates.crt "$d/q/etc/ssl/certs/" 2>/dev/null ||
		    echo x > "$d/q/etc/ssl/certs/ca-certificates.crt"
	}
	# Is the XOAUTH2 plugin installed here?  Doctor must say so either way.
	if ls /usr/lib/*/sasl2/libsasl-xoauth2.so* /usr/lib/sasl2/libsasl-xoauth2.so* >/dev/null 2>&1; then
		mech=OK; xrc=0
	else
		mech=FAIL; xrc=2
	fi
	mkxo xoin inside
	rc=$(doctor xoin --config-dir "$TMP/xoin/etc" --xoauth2-conf "$TMP/xoin/sasl-xoauth2.conf")
	seen=$TMP/xoin/q$TMP/xoin/tokens/relay@contoso.example
	if [ "$rc" = "$xrc" ] && jcheck "$TMP/xoin.json" \
	    "lvl('xoauth2.token_file') is None" \
	    "lvl('xoauth2.token_json', '$seen') == 'OK'" \
	    "lvl('xoauth2.token_age', '$seen') == 'OK'" \
	    "lvl('xoauth2.endpoint', '$seen') == 'OK'" \
	    "lvl('xoauth2.ca_bundle') == 'OK'" \
	    "lvl('xoauth2.config') == 'OK'" \
	    "lvl('basic_auth.deadline') is None" \
	    "lvl('sasl.mechanisms') == '$mech'" \
	    "r['relay_hosts'][0]['login'] == 'xoauth2'" &&
	    grep -q '12 days ago' "$TMP/xoin.txt"; then
		ok "postfix XOAUTH2 token inside the chroot: token checks OK, sasl.mechanisms $mech (plugin), exit $xrc"
	else
		bad "postfix XOAUTH2 inside chroot" "rc=$rc want $xrc $(head -c 900 "$TMP/xoin.txt")"
	fi
	nosecret "postfix XOAUTH2 inside chroot" "$TMP/xoin.txt" "$TMP/xoin.json" "$TMP/xoin.err"

	# 5. XOAUTH2, token file outside the chroot: the chrooted smtp cannot see it
	mkxo xoout outside
	rc=$(doctor xoout --config-dir "$TMP/xoout/etc" --xoauth2-conf "$TMP/xoout/sasl-xoauth2.conf")
	seen=$TMP/xoout/q$TMP/xoout/tokens/relay@contoso.example
	if [ "$rc" = 2 ] && jcheck "$TMP/xoout.json" \
	    "lvl('xoauth2.token_file', '$seen') == 'FAIL'" \
	    "'mv $TMP/xoout/tokens/relay@contoso.example $seen' in [c for c in r['checks'] if c['id'] == 'xoauth2.token_file'][0]['fix']"; then
		ok "postfix XOAUTH2 token outside the chroot: FAIL xoauth2.token_file with the mv fix, exit 2"
	else
		bad "postfix XOAUTH2 outside chroot" "rc=$rc $(head -c 900 "$TMP/xoout.txt")"
	fi
	nosecret "postfix XOAUTH2 outside chroot" "$TMP/xoout.txt" "$TMP/xoout.json" "$TMP/xoout.err"

	# 6. the same token, chroot column n in master.cf: now it is found
	postconf -c "$TMP/xoout/etc" -F 'smtp/unix/chroot=n'
	rc=$(doctor xonochroot --config-dir "$TMP/xoout/etc" --xoauth2-conf "$TMP/xoout/sasl-xoauth2.conf")
	if jcheck "$TMP/xonochroot.json" "lvl('xoauth2.token_file') is None" \
	    "lvl('xoauth2.token_json', '$TMP/xoout/tokens/relay@contoso.example') == 'OK'"; then
		ok "postfix XOAUTH2 with chroot=n: the token is read where it is (exit $rc)"
	else
		bad "postfix XOAUTH2 chroot=n" "rc=$rc $(head -c 900 "$TMP/xonochroot.txt")"
	fi

	# 7. a directory that is not a Postfix configuration: exit 3
	mkdir -p "$TMP/empty"
	rc=$(doctor empty --config-dir "$TMP/empty")
	[ "$rc" = 3 ] && ok "postfix doctor on a non-configuration: exit 3" ||
	    bad "postfix doctor exit 3" "rc=$rc"
fi

# --- Exim: private unpack, passwd.client not matching ---------------------
EXIM=
for b in "${RH_EXIM_BASE:-/var/tmp/relayhint-exim}" /var/tmp/relayhint-doctor-exim; do
	[ -x "$b/root/usr/sbin/exim4" ] && { EXIM=$b/root/usr/sbin/exim4; break; }
done
if [ -z "$EXIM" ] && [ "$(id -u)" = 0 ] && [ -f tests/integration/exim/setup.sh ]; then
	if timeout 220 sh tests/integration/exim/setup.sh /var/tmp/relayhint-doctor-exim >/dev/null 2>"$TMP/exim-setup.err"; then
		EXIM=/var/tmp/relayhint-doctor-exim/root/usr/sbin/exim4
	fi
fi
if [ -z "$EXIM" ]; then
	skip "exim doctor" "no private Exim ($(head -c 200 "$TMP/exim-setup.err" 2>/dev/null))"
else
	mkex() {	# NAME passwd.client-line
		d=$TMP/$1
		mkdir -p "$d"
		chmod 755 "$d"
		printf '%s\n' "$2" > "$d/passwd.client"
		chmod 644 "$d/passwd.client"
		cat > "$d/exim.conf" <<EOF
primary_hostname = relay.example.test
spool_directory = $d/spool
log_file_path = $d/%slog
begin routers
smarthost:
  driver = manualroute
  domains = ! +local_domains
  transport = remote_smtp_smarthost
  route_list = * smtp.office365.com::587 byname
  no_more
begin transports
remote_smtp_smarthost:
  driver = smtp
  hosts_try_auth = *
  hosts_require_tls = *
begin authenticators
login:
  driver = plaintext
  public_name = LOGIN
  client_send = : \${extract{1}{:}{\${lookup{\$host}nwildlsearch{$d/passwd.client}{\$value}fail}}} : \${extract{2}{:}{\${lookup{\$host}nwildlsearch{$d/passwd.client}{\$value}fail}}}
EOF
		chmod 644 "$d/exim.conf"
	}
	mkex exlit "smtp.office365.com:relay@contoso.example:$XPW"
	rc=$(doctor exlit --exim "$EXIM" --config-dir "$TMP/exlit")
	if [ "$rc" = 2 ] && jcheck "$TMP/exlit.json" \
	    "lvl('exim.passwd_client', '$TMP/exlit/passwd.client') == 'FAIL'" \
	    "lvl('exim.hosts_try_auth', 'remote_smtp_smarthost') == 'WARN'" \
	    "lvl('exim.dlfunc') in ('OK', 'FAIL')" \
	    "lvl('exim.authenticators') == 'OK'" \
	    "lvl('basic_auth.deadline') == 'WARN'" \
	    "r['relay_hosts'][0]['host'] == 'smtp.office365.com'" \
	    "r['relay_hosts'][0]['port'] == 587" &&
	    grep -q '530 5.7.57' "$TMP/exlit.txt"; then
		ok "exim passwd.client entry for smtp.office365.com: FAIL (reverse-DNS match), WARN hosts_try_auth, exit 2"
	else
		bad "exim passwd.client literal" "rc=$rc $(head -c 900 "$TMP/exlit.txt") $(head -c 300 "$TMP/exlit.err")"
	fi
	nosecret "exim passwd.client literal" "$TMP/exlit.txt" "$TMP/exlit.json" "$TMP/exlit.err"
	mkex exwild "*:relay@contoso.example:$XPW"
	rc=$(doctor exwild --exim "$EXIM" --config-dir "$TMP/exwild/exim.conf")
	if [ "$rc" = 1 ] && jcheck "$TMP/exwild.json" \
	    "lvl('exim.passwd_client') == 'OK'" \
	    "r['relay_hosts'][0]['mailbox'] == 'relay@contoso.example'" &&
	    grep -q 'Set-CASMailbox -Identity relay@contoso.example' "$TMP/exwild.txt"; then
		ok "exim passwd.client wildcard: OK, mailbox filled in, exit 1 (deadline, try_auth)"
	else
		bad "exim passwd.client wildcard" "rc=$rc $(head -c 900 "$TMP/exwild.txt")"
	fi
	nosecret "exim passwd.client wildcard" "$TMP/exwild.txt" "$TMP/exwild.json" "$TMP/exwild.err"
fi

# --- scan: a deferral and the sasl-xoauth2 line of the same smtp pid ------
D=tests/data/relaylocal
scanone() {	# file want-cause-or-none
	"$RH" scan --json "$D/$1" > "$TMP/scan.out" 2>&1
	if [ "$2" = none ]; then
		[ ! -s "$TMP/scan.out" ]
	else
		python3 - "$TMP/scan.out" "$2" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
if not (len(rows) == 1): sys.exit("check failed: %s" % (rows,))
r = rows[0]
if not (r["cause"] == sys.argv[2]): sys.exit("check failed: %s" % (r["cause"],))
if not (r["queue_id"] and r["recipient"] == "bob@fabrikam.example"): sys.exit("check failed: %s" % (r,))
if not (r["relay"] == "smtp.office365.com"): sys.exit("check failed: %s" % (r,))
PY
	fi
}
for t in "xoauth2-token-missing-chroot.log m365.oauth.token_file_missing" \
    "xoauth2-idle-90-days-full-trace.log m365.oauth.refresh_token_idle" \
    "xoauth2-old-ident.log m365.oauth.ca_bundle_missing" \
    "xoauth2-gmail-not-ours.log none"; do
	set -- $t
	if scanone "$1" "$2"; then ok "scan $1: $2 for the queue id"
	else bad "scan $1" "$(head -c 600 "$TMP/scan.out")"; fi
done
"$RH" scan "$D/xoauth2-idle-90-days-full-trace.log" > "$TMP/scan.txt" 2>&1
# exit 1: failures found (relayhint(1))
if [ $? -eq 1 ] && ! grep -q 'SECRETVALUE\|AXoAexampleRefreshTokenValue\|eyJ0eXAiOiJKV1QiexampleAccess' "$TMP/scan.txt"; then
	ok "scan: sasl-xoauth2 request and token dumps never echoed"
else
	bad "scan secrets" "$(grep -n 'SECRET\|example' "$TMP/scan.txt" | head -3)"
fi

# --- queue: how long until the oldest message bounces -------------------------
now=1795400000
cat > "$TMP/pq.json" <<EOF
{"queue_name": "deferred", "queue_id": "4F2A11022E9", "arrival_time": $((now - 4 * 86400)), "message_size": 900, "forced_expire": false, "sender": "app@contoso.example", "recipients": [{"address": "bob@fabrikam.example", "delay_reason": "SASL authentication failed; cannot authenticate to server smtp.office365.com[52.97.146.194]: bad protocol / cancel"}]}
{"queue_name": "deferred", "queue_id": "5B3C22033FA", "arrival_time": $((now - 3600)), "message_size": 900, "forced_expire": false, "sender": "app@contoso.example", "recipients": [{"address": "carol@fabrikam.example", "delay_reason": "SASL authentication failed; cannot authenticate to server smtp.office365.com[52.97.146.194]: bad protocol / cancel"}]}
{"queue_name": "deferred", "queue_id": "6C4D33044AB", "arrival_time": $((now - 2 * 86400)), "message_size": 900, "forced_expire": false, "sender": "", "recipients": [{"address": "app@contoso.example", "delay_reason": "SASL authentication failed; server smtp.office365.com[52.97.146.194] said: 535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information. [DM6PR02CA0123.namprd02.prod.outlook.com]"}]}
EOF
"$RH" queue --json --file "$TMP/pq.json" --lifetime 5d --bounce-lifetime 1d --now $now > "$TMP/q.out" 2>&1
if python3 - "$TMP/q.out" $now <<'PY'
import json, sys
now = int(sys.argv[2])
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {(r["cause"], r["next_hop"]): r for r in rows}
t = by[("m365.oauth.token_unavailable", "smtp.office365.com")]
if not (t["messages"] == 2 and t["seconds_left"] == 86400): sys.exit("check failed: %s" % (t,))
if not (t["oldest_bounces_at"] and t["oldest_arrival"]): sys.exit("check failed: %s" % (t,))
b = by[("m365.auth.smtp_auth_disabled_tenant", "smtp.office365.com")]
# a bounce (empty sender) lives bounce_queue_lifetime: 1 day, so it is overdue
if not (b["seconds_left"] == -86400): sys.exit("check failed: %s" % (b,))
if not (rows[0]["seconds_left"] <= rows[-1]["seconds_left"]): sys.exit("check failed: %s" % ("soonest first",))
PY
then ok "queue: per cause and next hop, time until the oldest bounces (bounce_queue_lifetime for bounces)"
else bad "queue time left" "$(head -c 800 "$TMP/q.out")"; fi
"$RH" queue --file "$TMP/pq.json" --lifetime 5d --bounce-lifetime 1d --now $now > "$TMP/q.txt" 2>&1
if grep -q 'oldest bounces .* (1 day 0 hours)' "$TMP/q.txt" && grep -q 'overdue by 1 day' "$TMP/q.txt"; then
	ok "queue: human report says when the oldest bounces"
else
	bad "queue text" "$(head -c 600 "$TMP/q.txt")"
fi

[ $fails -eq 0 ]
