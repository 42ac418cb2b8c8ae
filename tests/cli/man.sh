#!/bin/sh
# man.sh - every man page passes mandoc -Tlint at warning level
cd "$(dirname "$0")/../.." || exit 2
if ! command -v mandoc >/dev/null; then
	if [ "$(id -u)" -eq 0 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q mandoc >/dev/null 2>&1
	fi
fi
if ! command -v mandoc >/dev/null; then
	if [ "$CI" = true ]; then echo "FAIL: man pages: mandoc not installable"; else
		echo "SKIP: man pages: mandoc not installed"; fi
	exit 0
fi
for m in man/*.[158]; do
	[ -f "$m" ] || continue
	if out=$(mandoc -Tlint -Wwarning "$m" 2>&1) && [ -z "$out" ]; then
		echo "PASS: mandoc -Tlint $m"
	else
		echo "FAIL: mandoc -Tlint $m: $(echo "$out" | head -n 3 | tr '\n' ' ')"
	fi
done
