#!/bin/sh
# promtool.sh - print the path of a promtool, fetching Debian's when root
#
# The tests validate metrics files with "promtool check metrics".  The
# prometheus package would also install and start a Prometheus server on
# :9090, so, like Exim, its binary is taken from the .deb without
# installing it (apt-get download + dpkg-deb -x), cached in build/tools.
# Exit 0 with the path on stdout, or 1 with the reason on stderr.
set -u
dir=$(cd "$(dirname "$0")/.." && pwd)/build/tools
if command -v promtool >/dev/null 2>&1; then
	command -v promtool
	exit 0
fi
if [ -x "$dir/promtool" ]; then
	echo "$dir/promtool"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "promtool: not installed and not root (apt-get download prometheus)" >&2
	exit 1
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"	# _apt downloads into it
( cd "$tmp" && timeout 300 apt-get download -qq prometheus >/dev/null 2>&1 ) ||
	{ apt-get update -qq >/dev/null 2>&1;
	  ( cd "$tmp" && timeout 300 apt-get download -qq prometheus >/dev/null 2>&1 ); } ||
	{ echo "promtool: apt-get download prometheus failed" >&2; exit 1; }
dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/x" &&
	mkdir -p "$dir" && cp "$tmp/x/usr/bin/promtool" "$dir/promtool.new" &&
	mv "$dir/promtool.new" "$dir/promtool" ||
	{ echo "promtool: unpack failed" >&2; exit 1; }
echo "$dir/promtool"
