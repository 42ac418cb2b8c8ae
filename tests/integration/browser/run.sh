#!/bin/sh
# browser/run.sh - the rewritten HTML part as readers see it
#
# Renders the text/html part of rewritten Microsoft bounces in Debian's
# chromium (headless: --dump-dom, --screenshot, a network log) and w3m,
# and asserts that the hint is the first visible text and that nothing
# is fetched (tests/integration/browser/render.py).  Installs chromium and
# w3m from Debian when root and they are missing.  Screenshots stay in
# ${RH_BROWSER_OUT:-/tmp/relayhint-browser}.
# Output: PASS:/FAIL:/SKIP: lines for tests/run.sh.

cd "$(dirname "$0")/../../.." || exit 2
RH=./build/relayhint
out=${RH_BROWSER_OUT:-/tmp/relayhint-browser}

if ! command -v chromium >/dev/null || ! command -v w3m >/dev/null; then
	if [ "$(id -u)" -eq 0 ]; then
		export DEBIAN_FRONTEND=noninteractive
		flock /tmp/relayhint-apt.lock apt-get install -y -q \
		    --no-install-recommends chromium w3m >/dev/null 2>&1
	fi
fi
if ! command -v chromium >/dev/null || ! command -v w3m >/dev/null; then
	echo "SKIP: browser: chromium or w3m not installed (not root)"
	exit 0
fi
rm -rf "$out"
mkdir -p "$out"
E=tests/data/external/set-of-emails
python3 tests/integration/browser/render.py "$RH" "$(command -v chromium)" "$out" \
    tests/data/ndr/exo-5.7.750-unregistered-domain.eml \
    tests/data/ndr/onprem-exchange2019-recipnotfound.eml \
    ar:tests/data/ndr/outlookcom-remote-rejected.eml \
    $E/lhost-office365-01.eml $E/lhost-exchange2007-01.eml
rm -rf "$out/profile"
exit 0
