#!/bin/sh
#
# bench/run.sh - relayhint as a user meets it (issue 18)
#
#   sh bench/run.sh            (from the top of the tree; "make bench" does it)
#   QUICK=1 sh bench/run.sh    (smaller inputs, under two minutes)
#
# Every figure is a whole process, started the way a user starts it,
# timed from fork to wait4 by build/bench/spawn (bench/spawn.c) under
# bench/pairs.py: the tools of a comparison alternate within each round
# (A B A B ...), BENCH_ROUNDS (5) rounds after one warm-up round, and
# the table gives the median with min-max.
#
# (a) batch: "relayhint bounce --json" on one mbox of BENCH_N (5,000)
#     real bounces (bench/gen_mbox.py) against Sisimai's make() on the
#     same mbox (bench/sisimai.pl -m) and flufl.bounce over it
#     (bench/flufl_bounce.py -m); messages/s.  Target: >= 100x Sisimai.
# (b) start-up: "relayhint explain REPLY" under hyperfine (Debian's;
#     pairs.py with 30 rounds when it is missing), median; and the
#     shared libraries build/relayhint loads (ldd).  Target: <= 1 ms.
# (c) Exim per-delivery overhead: bench/exim_overhead.sh OUT.json (the
#     real Exim, guarded event_action against none); and the dlfunc's
#     first call in a process, BENCH_FIRST_N (30) processes of
#     build/bench/bench_dlfunc (dlopen() as Exim does it, one call),
#     median CPU.  Target: <= 0.5 ms.  make bench-dlfunc (bench/dlfunc.sh)
#     has the per-call figures and the real "exim -be" ones.
# (d) scan: "relayhint scan --json" against "grep -F status= | wc -l"
#     in pairs, bytes/s by wall time, and the scan's peak RSS, on a
#     generated Postfix log of BENCH_LOG_SMALL (100) and BENCH_LOG_BIG
#     (800) MB in BENCH_TMP (/tmp; deleted afterwards).  Targets:
#     >= 0.6x grep, RSS at 800 MB <= 1.1x RSS at 100 MB.
#     bench/scan_vs_grep.sh is the same comparison as a standalone script.
# (e) batch memory: the peak RSS of (a)'s relayhint at BENCH_N_SMALL
#     (1,000) and BENCH_N messages.  Target: flat (<= 1.1x).
#
# QUICK=1: 1,000 and 200 messages, logs of 10 and 80 MB, 30 hyperfine runs.
# The whole run costs about 2 CPU-minutes (QUICK: 30 s), mostly Sisimai;
# on a machine busy with other work the wall time grows with the load.
# Results: bench/RESULTS.md and bench/results.json (bench/report.py),
# with the date, the machine, and the load average before and during.
# Environment: BENCH_ROUNDS, BENCH_N, BENCH_N_SMALL, BENCH_LOG_SMALL,
# BENCH_LOG_BIG, BENCH_MS_RATE (0.01: the share of mail failing at
# Microsoft 365 in the log; as much again is deferred elsewhere),
# BENCH_HF_RUNS (100), BENCH_KEEP (a directory for the raw results), BENCH_TMP, RELAYHINT, NICE (empty; e.g.
# "nice -n 5"), BENCH_PARTS ("a b c d e"), BENCH_FIRST_N, BENCH_DLFUNC_BIN,
# BENCH_DLFUNC_SO.

set -e

QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
	N=${BENCH_N:-1000}; NS=${BENCH_N_SMALL:-200}
	LOG_S=${BENCH_LOG_SMALL:-10}; LOG_B=${BENCH_LOG_BIG:-80}
	HF_RUNS=${BENCH_HF_RUNS:-30}
else
	N=${BENCH_N:-5000}; NS=${BENCH_N_SMALL:-1000}
	LOG_S=${BENCH_LOG_SMALL:-100}; LOG_B=${BENCH_LOG_BIG:-800}
	HF_RUNS=${BENCH_HF_RUNS:-100}
fi
ROUNDS=${BENCH_ROUNDS:-5}
FIRST_N=${BENCH_FIRST_N:-30}
DLBIN=${BENCH_DLFUNC_BIN:-build/bench/bench_dlfunc}
DLSO=${BENCH_DLFUNC_SO:-build/exim-dlfunc/relayhint.so}
MS_RATE=${BENCH_MS_RATE:-0.01}
TMPBASE=${BENCH_TMP:-/tmp}
RH=${RELAYHINT:-build/relayhint}
SPAWN=${BENCH_SPAWN:-build/bench/spawn}
NICE=${NICE-}
PARTS=${BENCH_PARTS:-a b c d e}
PY=/usr/bin/python3
HERE=bench
want() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
START=$(date +%s)

[ -x "$RH" ] || { echo "run.sh: $RH missing (make builds it)" >&2; exit 2; }
[ -x "$SPAWN" ] || { echo "run.sh: $SPAWN missing (make bench builds it)" >&2; exit 2; }

# the tools we compare with: Debian packages, installed when root
sh tools/deps.sh bench >&2 || true
have_sisimai=0; perl -MSisimai -e 1 2>/dev/null && have_sisimai=1
have_flufl=0; $PY -c 'import flufl.bounce' 2>/dev/null && have_flufl=1
have_hf=0; command -v hyperfine >/dev/null 2>&1 && have_hf=1

W=$(mktemp -d "$TMPBASE/relayhint-bench.XXXXXX")
SAMPLER=
cleanup() {
	[ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# the machine's load: before, and sampled every 5 s during the run
cut -d' ' -f1-3 /proc/loadavg > "$W/load.before"
# the busiest processes over half a second (top's second sample; ps
# would give each process's average over its whole life)
top -b -n 2 -d 0.5 -o %CPU -w 200 2>/dev/null | awk '/^top -/ { n++ }
    n == 2 && /^ *[0-9]+ / { printf "%s%s %s%%", (k ? ", " : ""), $12, $9;
    if (++k == 5) exit }' > "$W/busy" || true
( while :; do cut -d' ' -f1 /proc/loadavg; sleep 5; done ) > "$W/load.during" &
SAMPLER=$!
date -u '+%Y-%m-%d %H:%M:%S UTC' > "$W/date.start"

pairs() {	# OUT.json pairs.py-arguments...
	o=$1; shift
	$NICE $PY "$HERE/pairs.py" --spawn "$SPAWN" --dir "$W" \
	    --rounds "$ROUNDS" "$@" > "$o"
}
# another change's measurement script, when it exists:
# external SCRIPT OUT.json SECONDS (its standard output goes to OUT.stdout)
external() {
	timeout -k 15 "$3" sh "$HERE/$1" "$W/$2" > "$W/${2%.json}.stdout" ||
	    echo "run.sh: $1 failed ($?)" >&2
	cat "$W/${2%.json}.stdout" >&2
}

if want a || want e; then
	echo "== (a) batch bounce: $N messages in one mbox; (e) RSS at $NS and $N" >&2
	# the material: see gen_mbox.py; the same seed, so the small mbox is
	# the first NS messages of the big one
	set -- tests/data/postfix tests/data/exim tests/data/ndr \
	    tests/data/external/set-of-emails
	$PY "$HERE/gen_mbox.py" --count "$N" "$W/bounces.mbox" "$@" > "$W/mbox.json"
	$PY "$HERE/gen_mbox.py" --count "$NS" "$W/small.mbox" "$@" > "$W/mbox-small.json"
	cat "$W/mbox.json" >&2
fi
if want a; then
	set -- --cmd "relayhint=$RH bounce --json $W/bounces.mbox"
	[ $have_sisimai = 1 ] &&
	    set -- "$@" --cmd "sisimai=perl $HERE/sisimai.pl -m $W/bounces.mbox"
	[ $have_flufl = 1 ] &&
	    set -- "$@" --cmd "flufl=$PY $HERE/flufl_bounce.py -m $W/bounces.mbox"
	# warm what a first round would: the page cache, the interpreters'
	# modules (a warm-up round of Sisimai alone would cost a minute)
	cat "$W/bounces.mbox" "$W/small.mbox" "$RH" > /dev/null
	[ $have_sisimai = 1 ] && perl -MSisimai -e 1
	[ $have_flufl = 1 ] && $PY -c 'import flufl.bounce, mailbox'
	pairs "$W/a.json" --warmup 0 "$@"
	# what the last round answered: one record per message, how many
	# named a cause (relayhint), found a bounce (Sisimai: one line per
	# bounced recipient), found a failure (flufl.bounce)
	{
	printf '{"relayhint_records":%s,"relayhint_caused":%s' \
	    "$(grep -c '^{' "$W/relayhint.out" || true)" \
	    "$(grep -c '"cause":"' "$W/relayhint.out" || true)"
	[ $have_sisimai = 1 ] && printf ',"sisimai_results":%s,"sisimai_version":"%s"' \
	    "$(wc -l < "$W/sisimai.out")" "$(perl -MSisimai -e 'print $Sisimai::VERSION')"
	[ $have_flufl = 1 ] && printf ',"flufl_messages":%s,"flufl_detected":%s' \
	    "$(wc -l < "$W/flufl.out")" "$(grep -c '^[pt]' "$W/flufl.out" || true)"
	printf '}\n'
	} > "$W/a.check.json"
fi
if want e; then
	pairs "$W/e.json" --warmup 0 --cmd "small=$RH bounce --json $W/small.mbox" \
	    --cmd "big=$RH bounce --json $W/bounces.mbox"
fi
rm -f "$W"/*.mbox "$W"/*.out

if want b; then
	echo "== (b) explain start-up" >&2
	REPLY='535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information. [SN4PR0501CA0054.namprd05.prod.outlook.com]'
	printf '%s\n' "$REPLY" > "$W/reply.txt"
	if [ $have_hf = 1 ]; then
		# hyperfine runs its commands one after the other; /bin/true is
		# the floor of a process start on this machine at this load.
		# In 5 batches, each timing both, so that the difference is
		# taken between runs of the same moment (a neighbour on the
		# host moved the floor by 1 ms between two runs of make bench)
		k=0
		while [ "$k" -lt 5 ]; do
			k=$((k + 1))
			$NICE hyperfine -N --style basic --warmup 10 \
			    --runs $(( (HF_RUNS + 4) / 5 )) \
			    --export-json "$W/b.hf.$k.json" \
			    "$RH explain '$REPLY'" /bin/true >&2
		done
	else
		ROUNDS=30 pairs "$W/b.json" --cmd "explain=$RH explain '$REPLY'" \
		    --cmd "true=/bin/true"
	fi
	# the shared objects the dynamic loader maps (vDSO left out)
	ldd "$RH" | awk '$1 !~ /^linux-vdso/ { print $1 }' > "$W/libs.txt"
fi

if want c; then
	echo "== (c) Exim per-delivery overhead" >&2
	if [ -f "$HERE/exim_overhead.sh" ]; then
		external exim_overhead.sh c.json 300
	else
		echo "run.sh: bench/exim_overhead.sh missing: not measured" >&2
	fi
	# the dlfunc's first call in a delivery process: BENCH_FIRST_N
	# processes of bench_dlfunc, each opening the object as Exim does
	# and calling relayhint_cause once (CPU from before dlopen() to the
	# answer; a process each, so every one is a first call)
	echo "== (c) Exim dlfunc first call: $FIRST_N processes" >&2
	if [ -x "$DLBIN" ] && [ -f "$DLSO" ]; then
		k=0
		while [ "$k" -lt "$FIRST_N" ]; do
			k=$((k + 1))
			$NICE "$DLBIN" -m 1 -r 1 "$DLSO" \
			    "syslog config=none log=none ratelimit=0" \
			    tests/data/replies/m365.tsv >> "$W/c.first.jsonl" ||
			    { echo "run.sh: $DLBIN failed" >&2; break; }
		done
	else
		echo "run.sh: $DLBIN or $DLSO missing (make bench builds them when" \
		    "the Exim headers are there): first call not measured" >&2
	fi
fi

if want d; then
	echo "== (d) scan vs grep: $LOG_S and $LOG_B MB of log" >&2
	# bench/scan_vs_grep.sh (one JSON line per size, its own log sizes)
	# is the standalone form of this part; here the pairs are timed in
	# line with the other parts, with the answers checked
	avail=$(df -Pk "$TMPBASE" | awk 'NR == 2 { print int($4 / 1024) }')
	[ "$avail" -gt $((LOG_B + LOG_S + 256)) ] ||
	    { echo "run.sh: $avail MB free in $TMPBASE, need $((LOG_B + LOG_S + 256))" >&2; exit 1; }
	$NICE $PY "$HERE/gen_maillog.py" --size "$LOG_B" --ms-rate "$MS_RATE" \
	    "$W/big.log" "$W/expected" 2> "$W/gen.err"
	cat "$W/gen.err" >&2
	# the small log: the big one's first LOG_S MB, cut at a line end
	head -c $((LOG_S * 1048576)) "$W/big.log" | sed '$d' > "$W/small.log"
	# warm the page cache: every tool reads from memory
	cat "$W/small.log" "$W/big.log" > /dev/null
	pairs "$W/d.json" \
	    --cmd "grep_s=sh -c 'grep -F status= $W/small.log | wc -l'" \
	    --cmd "scan_s=$RH scan --json $W/small.log" \
	    --cmd "grep_b=sh -c 'grep -F status= $W/big.log | wc -l'" \
	    --cmd "scan_b=$RH scan --json $W/big.log"
	# is the timed scan right: queue id and cause per Microsoft
	# failure, against the generator's list
	$PY -c 'import json, sys
for line in sys.stdin:
    r = json.loads(line)
    print("%s\t%s" % (r.get("queue_id"), r.get("cause")))' < "$W/scan_b.out" |
	    sort > "$W/got"
	sort "$W/expected" > "$W/want"
	printf '{"small_bytes":%s,"big_bytes":%s,"ms_rate":%s,"expected":%s,"found":%s,"missed":%s,"extra":%s,"grep_lines":%s}\n' \
	    "$(wc -c < "$W/small.log")" "$(wc -c < "$W/big.log")" "$MS_RATE" \
	    "$(wc -l < "$W/want")" "$(comm -12 "$W/want" "$W/got" | wc -l)" \
	    "$(comm -23 "$W/want" "$W/got" | wc -l)" \
	    "$(comm -13 "$W/want" "$W/got" | wc -l)" \
	    "$(tr -d ' ' < "$W/grep_b.out")" > "$W/d.check.json"
	rm -f "$W/small.log" "$W/big.log" "$W"/*.out
fi

kill "$SAMPLER" 2>/dev/null || true; SAMPLER=
date -u '+%Y-%m-%d %H:%M:%S UTC' > "$W/date.end"
cut -d' ' -f1-3 /proc/loadavg > "$W/load.after"
MODEL=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)
printf '{"quick":%s,"parts":"%s","rounds":%s,"n":%s,"n_small":%s,"log_small_mb":%s,"log_big_mb":%s,"nproc":%s,"cpu":"%s","seconds":%s,"nice":"%s","hyperfine":%s}\n' \
    "$QUICK" "$PARTS" "$ROUNDS" "$N" "$NS" "$LOG_S" "$LOG_B" "$(nproc)" \
    "$MODEL" "$(( $(date +%s) - START ))" "$NICE" "$have_hf" > "$W/meta.json"
$PY "$HERE/report.py" "$W" "$HERE/RESULTS.md" "$HERE/results.json"
# BENCH_KEEP=DIR keeps what the report was made from (bench/fixture is one)
if [ -n "${BENCH_KEEP:-}" ]; then
	mkdir -p "$BENCH_KEEP"
	for f in "$W"/*.json "$W"/*.jsonl "$W"/*.txt "$W"/date.* "$W"/load.* "$W"/busy "$W"/*.stdout; do
		[ -f "$f" ] && cp "$f" "$BENCH_KEEP/"
	done
fi
echo "run.sh: $(( $(date +%s) - START )) s; bench/RESULTS.md and bench/results.json written" >&2
