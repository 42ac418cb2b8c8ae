#!/bin/sh
#
# bench/dlfunc.sh - per-call cost of relayhint.so's ${dlfunc} (issue #6, part 4)
#
#   sh bench/dlfunc.sh OUT.json      (from the top of the tree; make bench-dlfunc runs it)
#
# (a) through Exim: the private Debian Exim 4.96 of the Exim integration
#     test (tests/integration/exim/setup.sh unpacks it into
#     /var/tmp/relayhint-exim; we take the same lock as that test, so the
#     two never run at once).  One "exim -be" process reads M lines of
#     ${dlfunc{relayhint.so}{relayhint_cause}{REPLY}{OPTIONS}}, another M
#     lines of ${substr_0_3:REPLY} (the same reply texts, a trivial
#     expansion); per-call cost = (difference of the times) / M.  The
#     first call in a process loads the rules and catalogs, and Exim runs
#     each delivery in a new process, so K one-line "exim -be" processes
#     of each kind give the per-process cost of that first call too.
# (b) in process: build/bench/bench_dlfunc dlopen()s the same object and
#     calls relayhint_cause and relayhint_hint M times (Exim's three
#     symbols come from a labelled shim in bench_dlfunc.c).
#
# Both check the answers: the cause of every distinct reply of
# tests/data/replies/m365.tsv must be the one the file names.
#
# Every figure is CPU time (user + system), not wall time: the machine is
# shared, and time spent waiting for a core is not the call's cost.
#
# Environment: BENCH_DLFUNC_M (20000), BENCH_DLFUNC_K (10), BENCH_DLFUNC_RUNS
# (3: the exim -be pairs and the in-process rounds), RH_EXIM_BASE
# (/var/tmp/relayhint-exim), BENCH_DLFUNC_BIN (build/bench/bench_dlfunc),
# NICE.  Prints progress on stderr; writes one JSON object to OUT.json.
# Exit 0 also when Exim cannot be set up ("exim": null, with the reason).

set -e
OUT=${1:?usage: dlfunc.sh OUT.json}
M=${BENCH_DLFUNC_M:-20000}
K=${BENCH_DLFUNC_K:-10}
RUNS=${BENCH_DLFUNC_RUNS:-3}
BASE=${RH_EXIM_BASE:-/var/tmp/relayhint-exim}
BIN=${BENCH_DLFUNC_BIN:-build/bench/bench_dlfunc}
NICE=${NICE-nice -n 5}
TOP=$(pwd)
SO=$TOP/build/exim-dlfunc/relayhint.so
EXIM=$BASE/root/usr/sbin/exim4
# the compiled-in rules and catalogs, as shipped (no rules=, hints=): the
# first call's cost is what every delivery process pays
OPTS="syslog config=none log=none ratelimit=0"
TSV=tests/data/replies/m365.tsv

W=$(mktemp -d "${BENCH_TMP:-/var/tmp}/relayhint-bench-dlfunc.XXXXXX")
trap 'rm -rf "$W"' EXIT INT TERM
# cpu FILE CMD...: run CMD (stdin, stdout as given), append its CPU seconds
# (user + system, its children included) to FILE.  CPU, not wall time:
# the machine is shared, and waiting for a core is not the call's cost.
cpu() { f=$1; shift; /usr/bin/time -f '%U %S' -o "$W/time" "$@" || true
    awk '{ print $1 + $2 }' "$W/time" >> "$f"; }
sum() { awk '{ s += $1 } END { print s + 0 }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print 0;
    else if (NR % 2) print v[(NR + 1) / 2];
    else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# the replies an expansion string can carry as they are: one line, no
# backslash, dollar or brace (tests/data/replies has none of those today)
grep -v '^#' "$TSV" | grep -v '\\n' | grep -v '[\\${}]' > "$W/replies.tsv"
NREP=$(wc -l < "$W/replies.tsv")

EXIM_JSON=null
EXIM_WHY=
exim_part() {
	[ "$(id -u)" = 0 ] || { EXIM_WHY="not root"; return 0; }
	mkdir -p "$BASE"
	# the Exim integration test's lock: one user of $BASE at a time
	exec 9>"$BASE/.lock"
	if ! flock -w 180 9; then EXIM_WHY="$BASE/.lock held for 180 s"; return 0; fi
	if ! sh tests/integration/exim/setup.sh "$BASE" > "$W/setup.out" 2>&1; then
		EXIM_WHY="setup.sh: $(tr '\n' ' ' < "$W/setup.out")"; return 0
	fi
	if ! make --no-print-directory EXIM_INCLUDE="$BASE/root/usr/include/exim4" \
	    build/exim-dlfunc/relayhint.so > "$W/make.out" 2>&1; then
		EXIM_WHY="building relayhint.so failed"; cat "$W/make.out" >&2; return 0
	fi
	awk -F '\t' -v m="$M" -v so="$SO" -v o="$OPTS" '{ r[NR] = $2 }
	    END { for (i = 0; i < m; i++) {
		t = r[i % NR + 1]
		printf "${dlfunc{%s}{relayhint_cause}{%s}{%s}}\n", so, t, o > "'"$W/dl.in"'"
		printf "${substr_0_3:%s}\n", t > "'"$W/tr.in"'" } }' "$W/replies.tsv"
	: > "$W/t.dl"; : > "$W/t.tr"
	k=0
	while [ $k -lt "$RUNS" ]; do
		k=$((k + 1))
		cpu "$W/t.dl" $NICE "$EXIM" -C /dev/null -be < "$W/dl.in" > "$W/dl.out" 2>&1
		cpu "$W/t.tr" $NICE "$EXIM" -C /dev/null -be < "$W/tr.in" > "$W/tr.out" 2>&1
		echo "   exim -be round $k: $M dlfunc $(tail -1 "$W/t.dl") s CPU, $M trivial $(tail -1 "$W/t.tr") s CPU" >&2
	done
	# per process: K one-line runs of each, alternating
	head -1 "$W/dl.in" > "$W/dl1.in"; head -1 "$W/tr.in" > "$W/tr1.in"
	: > "$W/t.dl1"; : > "$W/t.tr1"; k=0
	while [ $k -lt "$K" ]; do
		k=$((k + 1))
		cpu "$W/t.dl1" $NICE "$EXIM" -C /dev/null -be < "$W/dl1.in" > /dev/null 2>&1
		cpu "$W/t.tr1" $NICE "$EXIM" -C /dev/null -be < "$W/tr1.in" > /dev/null 2>&1
	done
	t_dl1=$(sum < "$W/t.dl1"); t_tr1=$(sum < "$W/t.tr1")
	flock -u 9
	# the answers: "> cause" per line, in the order of the replies
	sed 's/^> //' "$W/dl.out" | grep -v '^$' | head -n "$NREP" > "$W/dl.got"
	cut -f1 "$W/replies.tsv" | paste - "$W/dl.got" > "$W/dl.pairs"
	EX_OK=$(awk -F '\t' '$1 == $2' "$W/dl.pairs" | wc -l)
	EX_LINES=$(grep -c '^> m365\.' "$W/dl.out" || true)
	T_DL=$(median < "$W/t.dl"); T_TR=$(median < "$W/t.tr")
	EXIM_JSON=$(awk -v dl="$T_DL" -v tr="$T_TR" -v m="$M" -v k="$K" \
	    -v d1="$t_dl1" -v t1="$t_tr1" -v ok="$EX_OK" -v n="$NREP" -v ln="$EX_LINES" \
	    -v v="$("$EXIM" -C /dev/null -bV 2>/dev/null | sed -n '1s/^Exim version \([^ ]*\).*/\1/p')" \
	    'BEGIN { printf "{\"version\": \"%s\", \"calls\": %d, \"dlfunc_cpu_s\": %.4f, \"trivial_cpu_s\": %.4f, \"dlfunc_us_per_call\": %.2f, \"processes\": %d, \"process_dlfunc_cpu_ms\": %.2f, \"process_trivial_cpu_ms\": %.2f, \"first_call_cpu_ms\": %.2f, \"agree\": %d, \"replies\": %d, \"answered\": %d}",
	    v, m, dl, tr, (dl - tr) / m * 1e6, k, d1 / k * 1e3, t1 / k * 1e3, (d1 - t1) / k * 1e3, ok, n, ln }')
}
exim_part
[ -n "$EXIM_WHY" ] && echo "dlfunc.sh: exim -be part skipped: $EXIM_WHY" >&2

# (b) in process; needs only the object (built above, or by hand)
INPROC_JSON=null
if [ -x "$BIN" ] && [ -f "$SO" ]; then
	$NICE "$BIN" -v -m "$M" -r "$RUNS" "$SO" "$OPTS" "$W/replies.tsv" > "$W/ip.out"
	IP_OK=$(awk -F '\t' 'NF == 2 && $1 == $2' "$W/ip.out" | wc -l)
	INPROC_JSON=$(grep '^{' "$W/ip.out" | sed "s/}\$/, \"agree\": $IP_OK}/")
else
	echo "dlfunc.sh: $BIN or $SO missing: in-process part skipped" >&2
fi
printf '{"exim": %s, "exim_skipped": "%s", "inprocess": %s, "options": "%s"}\n' \
    "$EXIM_JSON" "$(printf '%s' "$EXIM_WHY" | tr -d '"\\' | cut -c1-300)" \
    "$INPROC_JSON" "$OPTS" > "$OUT"
