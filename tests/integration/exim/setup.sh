#!/bin/sh
# setup.sh - install a private Exim 4.96 (Debian exim4-daemon-heavy) for the
# relayhint Exim integration test, next to whatever MTA package is
# installed (Postfix is a Debian package on the test machines; the exim4
# packages conflict with it, so none of them is installed):
#
#   1. apt-get install the daemon's runtime libraries ("Depends: lib*"),
#      which conflict with nothing.  Private copies would not do: the
#      daemon re-execs its setuid binary, which ignores LD_LIBRARY_PATH.
#   2. apt-get download exim4-daemon-heavy exim4-base exim4-config exim4-dev
#      and dpkg -x them into $BASE/root (binary $BASE/root/usr/sbin/exim4,
#      header $BASE/root/usr/include/exim4/local_scan.h).
#   3. the Debian-exim system user (the binary looks it up by name before
#      it reads any configuration).
#   4. $BASE/etc/exim.conf is listed in /etc/exim4/trusted_configs, so the
#      daemon's re-execs keep root with -C.
#   5. a self-signed certificate (CN=smtp.office365.com) for the fake
#      Microsoft 365 server.
#
# Usage: setup.sh BASE    (root; prints "ok" or the reason on stderr)
# Exit: 0 ready, 2 cannot run here (not root, no apt, packages missing).
set -eu
BASE=${1:?usage: setup.sh BASE}
[ "$(id -u)" = 0 ] || { echo "not root" >&2; exit 2; }
command -v apt-get >/dev/null 2>&1 || { echo "no apt-get" >&2; exit 2; }
export DEBIAN_FRONTEND=noninteractive
mkdir -p "$BASE/debs" "$BASE/root" "$BASE/etc"

EXIM=$BASE/root/usr/sbin/exim4
libs_ok() {
	# ldd names every missing library as "not found"
	[ -x "$EXIM" ] && ! ldd "$EXIM" 2>/dev/null | grep -q 'not found'
}

if ! libs_ok || ! command -v openssl >/dev/null 2>&1 ||
    ! command -v python3 >/dev/null 2>&1 || ! command -v unshare >/dev/null 2>&1; then
	timeout 180 apt-get update -qq >/dev/null 2>&1 || true
	LIBS=$(apt-cache depends exim4-daemon-heavy 2>/dev/null |
	    awk '$1 == "Depends:" && $2 ~ /^lib/ {print $2}' | sort -u)
	[ -n "$LIBS" ] || { echo "apt-cache knows no exim4-daemon-heavy" >&2; exit 2; }
	# shellcheck disable=SC2086
	timeout 300 apt-get install -y -qq --no-install-recommends \
	    -o DPkg::Lock::Timeout=120 $LIBS adduser openssl python3 \
	    util-linux ca-certificates >/dev/null 2>&1 ||
	    { echo "apt-get install of the exim4 runtime libraries failed" >&2; exit 2; }
fi

if [ ! -x "$EXIM" ] || [ ! -f "$BASE/root/usr/include/exim4/local_scan.h" ]; then
	rm -f "$BASE"/debs/*.deb
	# apt's download sandbox user must be able to write here
	if getent passwd _apt >/dev/null; then chown _apt "$BASE/debs"; fi
	(cd "$BASE/debs" && timeout 300 apt-get download -qq exim4-daemon-heavy \
	    exim4-base exim4-config exim4-dev >/dev/null 2>&1) ||
	    { echo "apt-get download exim4-daemon-heavy failed" >&2; exit 2; }
	for d in "$BASE"/debs/exim4*.deb; do dpkg -x "$d" "$BASE/root"; done
fi
libs_ok || { echo "$EXIM: libraries missing after install" >&2; exit 2; }

getent passwd Debian-exim >/dev/null ||
	adduser --system --group --quiet --home /var/spool/exim4 \
	    --no-create-home --disabled-login --force-badname Debian-exim

mkdir -p /etc/exim4
grep -qxF "$BASE/etc/exim.conf" /etc/exim4/trusted_configs 2>/dev/null ||
	echo "$BASE/etc/exim.conf" >> /etc/exim4/trusted_configs
chown root:root /etc/exim4/trusted_configs
chmod 0644 /etc/exim4/trusted_configs

[ -s "$BASE/etc/m365-cert.pem" ] || openssl req -x509 -newkey rsa:2048 -nodes \
	-keyout "$BASE/etc/m365-key.pem" -out "$BASE/etc/m365-cert.pem" \
	-days 3650 -subj "/CN=smtp.office365.com" >/dev/null 2>&1
echo ok
