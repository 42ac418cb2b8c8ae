#!/bin/sh
# deps.sh - install the Debian packages relayhint needs, when root
#
# Usage: tools/deps.sh build|test|bench
#   build: compiler, pkg-config, libmilter-dev, libcurl, OpenSSL, cmocka
#   test:  the above plus what the tests drive (python3, valgrind, swaks,
#          chromium and w3m for the HTML rendering test, clang, iproute2 for
#          the migrate-exim network namespace) and what
#          make deb needs (dpkg-dev, debhelper, devscripts, lintian, exim4-dev)
#   bench: what make bench compares with and times by (bench/run.sh,
#          bench/startup.sh, bench/exim_overhead.sh): Sisimai,
#          flufl.bounce, hyperfine
# Integration tests install Postfix and unpack Exim themselves.
# Not root: print what is missing and go on (the build says what fails).

want="build-essential pkg-config libmilter-dev libcurl4-openssl-dev libssl-dev libcmocka-dev"
[ "$1" = test ] && want="$want python3 python3-jsonschema valgrind mandoc clang chromium w3m iproute2 time"

[ "$1" = bench ] && want="$want python3 perl libsisimai-perl python3-flufl.bounce hyperfine"

# make deb and its test, tests/integration/deb
[ "$1" = test ] && want="$want dpkg-dev debhelper devscripts lintian exim4-dev"

missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: not root; missing Debian packages:$missing" >&2
	exit 0
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null 2>&1 || true
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null ||
	{ echo "deps: apt-get install failed" >&2; exit 1; }
