#!/bin/sh
#
# bench/scan_vs_grep.sh - "relayhint scan" against "grep -F status= | wc -l"
#
#   sh bench/scan_vs_grep.sh [MB ...]      (default: 100 800)
#
# For each size, bench/gen_maillog.py writes a Postfix log of MB megabytes
# (SCAN_MS_RATE of the messages fail at Microsoft 365, default 0.01 as in
# bench/run.sh; 0.5 is the worst case for memory) in a directory under
# BENCH_TMP (default /tmp), removed afterwards.  Then, in interleaved
# pairs (grep, scan, grep, scan, ...; ROUNDS rounds, default 5, after one
# untimed pair that fills the page cache), both read the same file and
# their wall times are taken; the scan's and grep's peak RSS come from
# /usr/bin/time -v.  One JSON object per size on standard output:
#
#   {"log_mb":100,"bytes":N,"failures":N,"rounds":5,
#    "grep_s":{"median":..,"min":..,"max":..},
#    "scan_s":{"median":..,"min":..,"max":..},
#    "scan_vs_grep":R,            grep's median time / the scan's (1 = as fast)
#    "scan_rss_kb":N,"grep_rss_kb":N,"load":"1-minute load average"}
#
# Environment: RELAYHINT (build/relayhint), ROUNDS, BENCH_TMP,
# SCAN_MS_RATE, SCAN_ARGS (extra scan options, e.g. --max-pairs N).

set -e
RH=${RELAYHINT:-build/relayhint}
ROUNDS=${ROUNDS:-5}
TMPBASE=${BENCH_TMP:-/tmp}
RATE=${SCAN_MS_RATE:-0.01}
[ $# -gt 0 ] || set -- 100 800
[ -x "$RH" ] || { echo "scan_vs_grep: $RH missing (make builds it)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "scan_vs_grep: /usr/bin/time missing (apt-get install time)" >&2; exit 2; }

W=$(mktemp -d "$TMPBASE/relayhint-scanbench.XXXXXX")
trap 'rm -rf "$W"' EXIT INT TERM

now() { date +%s.%N; }
# stats: "median min max" of the numbers on stdin
stats() { sort -n | awk '{ v[NR] = $1 } END {
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
    printf "%.4f %.4f %.4f\n", m, v[1], v[NR] }'; }
rss() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1"; }

for mb in "$@"; do
	log=$W/maillog
	python3 bench/gen_maillog.py --size "$mb" --ms-rate "$RATE" \
	    --root . "$log" "$W/expected" >&2
	bytes=$(wc -c < "$log")
	fails=$(wc -l < "$W/expected")
	# shellcheck disable=SC2086 # SCAN_ARGS is a list of options
	"$RH" scan --json $SCAN_ARGS "$log" > /dev/null 2>&1 || true
	grep -F status= "$log" | wc -l > /dev/null
	: > "$W/g"; : > "$W/s"
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		t0=$(now); grep -F status= "$log" | wc -l > /dev/null; t1=$(now)
		echo "$t1 - $t0" | bc >> "$W/g"
		t0=$(now)
		# shellcheck disable=SC2086
		"$RH" scan --json $SCAN_ARGS "$log" > /dev/null 2>&1 || true
		t1=$(now)
		echo "$t1 - $t0" | bc >> "$W/s"
		r=$((r + 1))
	done
	# shellcheck disable=SC2086
	/usr/bin/time -v "$RH" scan --json $SCAN_ARGS "$log" \
	    > /dev/null 2> "$W/srss" || true
	/usr/bin/time -v grep -F status= "$log" > /dev/null 2> "$W/grss" || true
	set -- $(stats < "$W/g"); gm=$1; gmin=$2; gmax=$3
	set -- $(stats < "$W/s"); sm=$1; smin=$2; smax=$3
	printf '{"log_mb":%s,"bytes":%s,"failures":%s,"rounds":%s,' \
	    "$mb" "$bytes" "$fails" "$ROUNDS"
	printf '"grep_s":{"median":%s,"min":%s,"max":%s},' "$gm" "$gmin" "$gmax"
	printf '"scan_s":{"median":%s,"min":%s,"max":%s},' "$sm" "$smin" "$smax"
	printf '"scan_vs_grep":%s,"scan_rss_kb":%s,"grep_rss_kb":%s,"load":"%s"}\n' \
	    "$(echo "scale=3; $gm / $sm" | bc)" "$(rss "$W/srss")" \
	    "$(rss "$W/grss")" "$(cut -d' ' -f1 /proc/loadavg)"
	rm -f "$log" "$W/expected"
done
