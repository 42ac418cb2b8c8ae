#!/bin/sh
#
# bench/run.sh - relayhint against the tools admins would otherwise use
#
#   sh bench/run.sh            (from the top of the tree; "make bench" does it)
#
# 1. Bounce classification: bench_classify (the library in-process),
#    Sisimai (libsisimai-perl) and flufl.bounce (python3-flufl.bounce) on
#    the same corpus, replicated round robin to BENCH_N messages, each tool
#    reading it from memory.  Each tool's answers on the distinct files are
#    checked against what the files are (see "agreement" below).
# 2. Log scan: a generated Postfix log of BENCH_LOG_MB megabytes,
#    "relayhint scan --json" against "grep -F status= | wc -l" (the floor:
#    no tool can read a log faster than grep finds a fixed string in it) and
#    pflogsumm (what admins run today).  The scan's report is checked
#    against the generator's list of Microsoft 365 failures.
# 3. Milter overhead in a real Postfix (bench/milter.py): no milter,
#    relayhint-milter and OpenDKIM in verify mode, bounces and ordinary
#    mail, messages/s, milter CPU per message, RSS, sessions.
# 4. Per-call cost of the Exim ${dlfunc} (bench/dlfunc.sh): through
#    "exim -be" and in process (build/bench/bench_dlfunc).
#
# The machine is shared and noisy: every figure is the median of several
# runs, the tools alternate within a round so that load drifts hit all of
# them alike, and the table reports ratios.  Results: bench/RESULTS.md and
# bench/results.json, the table on stdout; BENCH_PARTS ("1 2 3 4") picks
# the parts to run, and the sections of the others are kept from the
# previous results (bench/report.py merges them).
#
# Environment: BENCH_N (100000), BENCH_RUNS (5, fast tools), BENCH_SLOW_RUNS
# (1: Sisimai, flufl.bounce and pflogsumm take minutes per run), BENCH_LOG_MB
# (1024), BENCH_TMP (/var/tmp), BENCH_BIN (build/bench/bench_classify),
# RELAYHINT (build/relayhint), NICE ("nice -n 5"; empty for none),
# BENCH_PARTS; parts 3 and 4: see bench/milter.py and bench/dlfunc.sh.

set -e

N=${BENCH_N:-100000}
RUNS=${BENCH_RUNS:-5}
SLOW=${BENCH_SLOW_RUNS:-1}
LOG_MB=${BENCH_LOG_MB:-1024}
TMPBASE=${BENCH_TMP:-/var/tmp}
BIN=${BENCH_BIN:-build/bench/bench_classify}
RH=${RELAYHINT:-build/relayhint}
NICE=${NICE-nice -n 5}
PY=/usr/bin/python3
HERE=bench
PARTS=${BENCH_PARTS:-1 2 3 4}
want() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
START=$(date +%s)

want 1 || want 2 || BIN=/bin/true
[ -x "$BIN" ] || { echo "run.sh: $BIN missing (make bench builds it)" >&2; exit 2; }
[ -x "$RH" ] || { echo "run.sh: $RH missing (make builds it)" >&2; exit 2; }

# --- dependencies: Debian packages only, installed when we are root ---
need=
if want 1 || want 2; then
perl -MSisimai -e 1 2>/dev/null || need="$need libsisimai-perl"
command -v pflogsumm >/dev/null 2>&1 || need="$need pflogsumm"
$PY -c 'import flufl.bounce' 2>/dev/null || need="$need python3-flufl.bounce"
if [ -n "$need" ]; then
	if [ "$(id -u)" = 0 ]; then
		echo "run.sh: installing$need" >&2
		# shellcheck disable=SC2086 # one word per package
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q $need >&2 ||
		    echo "run.sh: apt-get failed; the missing tools are skipped" >&2
	else
		echo "run.sh: not root; missing$need are skipped" >&2
	fi
fi
have_sisimai=0; perl -MSisimai -e 1 2>/dev/null && have_sisimai=1
have_pflog=0; command -v pflogsumm >/dev/null 2>&1 && have_pflog=1
have_flufl=0; $PY -c 'import flufl.bounce' 2>/dev/null && have_flufl=1
fi

# what else was running when we started: the figures depend on it
BUSY=$(ps -eo pcpu=,comm= --sort=-pcpu 2>/dev/null | head -3 |
    awk '{ printf "%s%s %s%%", (NR > 1 ? ", " : ""), $2, $1 }')
W=$(mktemp -d "$TMPBASE/relayhint-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT INT TERM

now() { date +%s.%N; }
# median of the numbers on stdin
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print 0;
    else if (NR % 2) print v[(NR + 1) / 2];
    else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# jget KEY < json-line: a number from our own one-line JSON
jget() { sed -n "s/.*\"$1\": *\\([0-9.]*\\).*/\\1/p"; }

FILES=$(ls tests/data/postfix/*.eml tests/data/exim/*.eml \
    tests/data/external/set-of-emails/*.eml)
NFILES=$(echo "$FILES" | wc -l)
# The Microsoft 365 authentication samples: every bounce the project
# recorded from a real Postfix or Exim against the fake Microsoft 365.
# Two Exim notices carry no SMTP reply at all (Exim left it out): no tool
# can name a cause from them, so they are counted apart.
grep -LE '(530|535|504|501)[ -][45]\.[0-9]' tests/data/postfix/*.eml \
    tests/data/exim/*.eml > "$W/noreply" || true
for f in tests/data/postfix/*.eml tests/data/exim/*.eml; do
	grep -qxF "$f" "$W/noreply" || echo "$f"
done > "$W/auth"
printf '%s\n' tests/data/external/set-of-emails/*.eml > "$W/neg"
NAUTH=$(wc -l < "$W/auth"); NNOREPLY=$(wc -l < "$W/noreply")
NNEG=$(wc -l < "$W/neg")

# agree LIST VERDICTS FIELD REGEX: how many files of LIST have FIELD
# (tab-separated, 2 = first answer) in VERDICTS matching REGEX
agree() { awk -F '\t' -v f="$3" -v re="$4" 'NR == FNR { want[$1] = 1; next }
    ($1 in want) && $f ~ re { n++ } END { print n + 0 }' "$1" "$2"; }

DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
if want 1; then
echo "== 1. bounce classification: $NFILES files -> $N messages" >&2
# shellcheck disable=SC2086
$NICE "$BIN" -v -n "$N" -r "$RUNS" $FILES > "$W/rh.out"
grep -v '^{' "$W/rh.out" > "$W/rh.v"; grep '^{' "$W/rh.out" > "$W/rh.json"
RH_MPS=$(jget msgs_per_s < "$W/rh.json"); RH_MBS=$(jget mb_per_s < "$W/rh.json")
RH_AUTH=$(agree "$W/auth" "$W/rh.v" 2 '^m365\.auth\.')
RH_NOREPLY=$(agree "$W/noreply" "$W/rh.v" 2 '^m365\.auth\.')
RH_NEGOK=$(awk -F '\t' 'NR == FNR { want[$1] = 1; next }
    ($1 in want) && $2 !~ /^m365\.auth\./ { n++ } END { print n + 0 }' \
    "$W/neg" "$W/rh.v")

SS_MPS=0; SS_MBS=0; SS_AUTH=-; SS_NOREPLY=-; SS_NEG=-
if [ $have_sisimai = 1 ]; then
	echo "== Sisimai ($SLOW run(s) of $N)" >&2
	# shellcheck disable=SC2086
	$NICE perl "$HERE/sisimai.pl" -v -n "$N" -r "$SLOW" $FILES > "$W/ss.out"
	grep -v '^{' "$W/ss.out" > "$W/ss.v"; grep '^{' "$W/ss.out" > "$W/ss.json"
	SS_MPS=$(jget msgs_per_s < "$W/ss.json"); SS_MBS=$(jget mb_per_s < "$W/ss.json")
	SS_AUTH=$(agree "$W/auth" "$W/ss.v" 2 '^securityerror$')
	SS_NOREPLY=$(agree "$W/noreply" "$W/ss.v" 2 '^securityerror$')
	# on the negative set there is no reason to compare with; count the
	# messages Sisimai recognised as bounces at all
	SS_NEG=$(agree "$W/neg" "$W/ss.v" 2 '^[a-z]')
fi
FL_MPS=0; FL_MBS=0; FL_AUTH=-; FL_NOREPLY=-; FL_NEG=-
if [ $have_flufl = 1 ]; then
	echo "== flufl.bounce ($SLOW run(s) of $N)" >&2
	# shellcheck disable=SC2086
	$NICE $PY "$HERE/flufl_bounce.py" -v -n "$N" -r "$SLOW" $FILES > "$W/fl.out"
	grep -v '^{' "$W/fl.out" > "$W/fl.v"; grep '^{' "$W/fl.out" > "$W/fl.json"
	FL_MPS=$(jget msgs_per_s < "$W/fl.json"); FL_MBS=$(jget mb_per_s < "$W/fl.json")
	# flufl.bounce names failed addresses only: detection is all it can agree on
	FL_AUTH=$(agree "$W/auth" "$W/fl.v" 2 '^(perm|temp)$')
	FL_NOREPLY=$(agree "$W/noreply" "$W/fl.v" 2 '^(perm|temp)$')
	FL_NEG=$(agree "$W/neg" "$W/fl.v" 2 '^(perm|temp)$')
fi

fi

if want 2; then
echo "== 2. log scan: $LOG_MB MB generated Postfix log" >&2
avail=$(df -Pk "$TMPBASE" | awk 'NR == 2 { print int($4 / 1024) }')
LOG_NOTE=
if [ "$avail" -lt $((LOG_MB * 2 + 512)) ]; then
	LOG_MB=$(( (avail - 512) / 2 ))
	[ "$LOG_MB" -gt 16 ] || { echo "run.sh: no room in $TMPBASE" >&2; exit 1; }
	LOG_NOTE="log reduced to $LOG_MB MB: only $avail MB free in $TMPBASE"
	echo "run.sh: $LOG_NOTE" >&2
fi
$NICE $PY "$HERE/gen_maillog.py" --size "$LOG_MB" "$W/mail.log" "$W/expected" \
    2> "$W/gen.err"
cat "$W/gen.err" >&2
LOG_BYTES=$(wc -c < "$W/mail.log")
LOG_LINES=$(wc -l < "$W/mail.log")
NMS=$(wc -l < "$W/expected")
# warm the page cache once, so every tool reads from memory
cat "$W/mail.log" > /dev/null

: > "$W/t.grep"; : > "$W/t.rh"; : > "$W/t.pf"
k=0
while [ $k -lt "$RUNS" ]; do
	k=$((k + 1))
	t0=$(now); $NICE grep -F 'status=' "$W/mail.log" | wc -l > "$W/grep.n"
	t1=$(now); $NICE "$RH" scan --json "$W/mail.log" > "$W/scan.json" || true
	t2=$(now)
	awk "BEGIN { print $t1 - $t0 }" >> "$W/t.grep"
	awk "BEGIN { print $t2 - $t1 }" >> "$W/t.rh"
	echo "   round $k: grep $(tail -1 "$W/t.grep") s, relayhint $(tail -1 "$W/t.rh") s" >&2
done
if [ $have_pflog = 1 ]; then
	k=0
	while [ $k -lt "$SLOW" ]; do
		k=$((k + 1))
		t0=$(now); $NICE pflogsumm "$W/mail.log" > "$W/pflogsumm.out" 2>&1 || true
		t1=$(now)
		awk "BEGIN { print $t1 - $t0 }" >> "$W/t.pf"
		echo "   pflogsumm run $k: $(tail -1 "$W/t.pf") s" >&2
	done
fi
T_GREP=$(median < "$W/t.grep"); T_RH=$(median < "$W/t.rh")
T_PF=$(median < "$W/t.pf")
# the scan's answer: queue id and cause per report, against the generator's
sed -n 's/^{"queue_id":"\([^"]*\)","cause":"\([^"]*\)".*/\1	\2/p' \
    "$W/scan.json" | sort > "$W/got"
sort "$W/expected" > "$W/want"
SCAN_OK=$(comm -12 "$W/want" "$W/got" | wc -l)
SCAN_MISS=$(comm -23 "$W/want" "$W/got" | wc -l)
SCAN_EXTRA=$(comm -13 "$W/want" "$W/got" | wc -l)
GREP_N=$(cat "$W/grep.n")
rm -f "$W/mail.log"
fi

if want 3; then
	echo "== 3. milter overhead in a real Postfix" >&2
	if [ "$(id -u)" != 0 ]; then
		echo "run.sh: part 3 needs root (a private Postfix): skipped" >&2
	elif [ ! -x build/relayhint-milter ]; then
		echo "run.sh: build/relayhint-milter missing (libmilter-dev?): part 3 skipped" >&2
	else
		pneed=
		for p in postfix opendkim python3-dkim; do
			dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			    grep -q 'install ok installed' || pneed="$pneed $p"
		done
		if [ -n "$pneed" ]; then
			echo "run.sh: installing$pneed" >&2
			echo "postfix postfix/main_mailer_type select No configuration" |
			    debconf-set-selections 2>/dev/null || true
			# shellcheck disable=SC2086 # one word per package
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			    --no-install-recommends $pneed >&2 || true
		fi
		timeout -k 15 400 $NICE $PY "$HERE/milter.py" "$(pwd)" "$W/milter.json" ||
		    { echo "run.sh: part 3 failed" >&2; rm -f "$W/milter.json"; }
	fi
fi
if want 4; then
	echo "== 4. Exim \${dlfunc} per-call cost" >&2
	timeout -k 15 400 sh "$HERE/dlfunc.sh" "$W/dlfunc.json" ||
	    { echo "run.sh: part 4 failed" >&2; rm -f "$W/dlfunc.json"; }
fi

# --- tables: head.md, then per part sN.md, jN.json (results.json's
# part) and tN.tsv (target lines); bench/report.py renders parts 3 and 4
# and merges everything into RESULTS.md and results.json ---
calc() { awk "BEGIN { printf \"$1\", ($2) }"; }
ok() { awk "BEGIN { exit !($1) }" && echo met || echo "NOT met"; }
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
MODEL=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)
END=$(date -u '+%Y-%m-%d %H:%M UTC')
SECS=$(( $(date +%s) - START ))
echo "_Ran $DATE to $END ($SECS s for parts $PARTS); load average at the end: ${LOAD}._" > "$W/when.txt"

{
echo "# relayhint benchmark results"
echo
echo "$END · $(nproc) CPU(s), $MODEL · load average at the end: $LOAD"
echo "(medians; ratios are what to compare: the machine is shared)"
echo
echo "Last run: parts $PARTS in $SECS s. Busiest processes when it started: $BUSY"
echo
echo "Settings: BENCH_PARTS='$PARTS' BENCH_N=$N BENCH_RUNS=$RUNS BENCH_SLOW_RUNS=$SLOW BENCH_LOG_MB=$LOG_MB BENCH_MILTER_N=${BENCH_MILTER_N:-600} BENCH_MILTER_RUNS=${BENCH_MILTER_RUNS:-3} BENCH_DLFUNC_M=${BENCH_DLFUNC_M:-20000} NICE='$NICE' (make bench; see bench/README.md). Each section says when it ran: sections of parts left out of a run are kept from an earlier one."
} > "$W/head.md"
printf '{"date":"%s","nproc":%s,"cpu":"%s","loadavg":"%s","parts":"%s","seconds":%s}\n' \
    "$END" "$(nproc)" "$MODEL" "$LOAD" "$PARTS" "$SECS" > "$W/head.json"

if want 1; then
R_SS=$(calc '%.1f' "$SS_MPS > 0 ? $RH_MPS / $SS_MPS : 0")
R_FL=$(calc '%.1f' "$FL_MPS > 0 ? $RH_MPS / $FL_MPS : 0")
TGT_CLASS=$(ok "$R_SS >= 100")
{
echo "## 1. Bounce classification ($NFILES distinct files -> $N messages, from memory)"
echo
cat "$W/when.txt"
echo
echo "| tool | runs | messages/s | MB/s | relayhint is x faster |"
echo "|---|---|---|---|---|"
echo "| relayhint (library, bounce_classify) | $RUNS | $RH_MPS | $RH_MBS | 1 |"
[ $have_sisimai = 1 ] && echo "| Sisimai $(sed -n 's/.*"version":"\([^"]*\)".*/\1/p' "$W/ss.json") | $SLOW | $SS_MPS | $SS_MBS | $R_SS |"
[ $have_flufl = 1 ] && echo "| flufl.bounce (Debian python3-flufl.bounce) | $SLOW | $FL_MPS | $FL_MBS | $R_FL |"
echo
echo "Agreement on the distinct files:"
echo
echo "| set | files | relayhint | Sisimai | flufl.bounce |"
echo "|---|---|---|---|---|"
echo "| Microsoft 365 auth failures with the reply in the bounce (expect m365.auth.* / securityerror / a failed address) | $NAUTH | $RH_AUTH | $SS_AUTH | $FL_AUTH |"
echo "| Exim notices without any SMTP reply (no cause can be named) | $NNOREPLY | $RH_NOREPLY | $SS_NOREPLY | $FL_NOREPLY |"
echo "| set-of-emails, none an auth failure (relayhint: no m365.auth.*; others: recognised as a bounce) | $NNEG | $RH_NEGOK | $SS_NEG | $FL_NEG |"
} > "$W/s1.md"
printf 'classify_100x_sisimai\tclassification >= 100x Sisimai'"'"'s messages/s: %sx, %s\n' "$R_SS" "$TGT_CLASS" > "$W/t1.tsv"
cat > "$W/j1.json" <<EOF
{"messages":$N,"files":$NFILES,
  "relayhint":$(cat "$W/rh.json"),
  "sisimai":$( [ $have_sisimai = 1 ] && cat "$W/ss.json" || echo null),
  "flufl_bounce":$( [ $have_flufl = 1 ] && cat "$W/fl.json" || echo null),
  "ratio_vs_sisimai":$R_SS,"ratio_vs_flufl":$R_FL,
  "agreement":{"auth_files":$NAUTH,"noreply_files":$NNOREPLY,"negative_files":$NNEG,
   "relayhint":{"auth":$RH_AUTH,"noreply":$RH_NOREPLY,"negative_no_auth_cause":$RH_NEGOK},
   "sisimai":{"auth_securityerror":"$SS_AUTH","noreply":"$SS_NOREPLY","negative_recognised":"$SS_NEG"},
   "flufl_bounce":{"auth_detected":"$FL_AUTH","noreply":"$FL_NOREPLY","negative_detected":"$FL_NEG"}}}
EOF
fi

if want 2; then
mbs() { [ "$1" = "" ] || [ "$1" = 0 ] && { echo 0; return; }; calc '%.1f' "$LOG_BYTES / $1 / 1e6"; }
GREP_MBS=$(mbs "$T_GREP"); RH_LMBS=$(mbs "$T_RH"); PF_MBS=$(mbs "$T_PF")
R_GREP=$(calc '%.2f' "$T_RH > 0 ? $T_GREP / $T_RH : 0")
R_PF=$(calc '%.1f' "$T_RH > 0 && $T_PF > 0 ? $T_PF / $T_RH : 0")
TGT_SCAN=$(ok "$R_GREP >= 0.5")
{
echo "## 2. Log scan ($LOG_BYTES bytes, $LOG_LINES lines, $NMS Microsoft 365 failures, page cache warm)"
echo
cat "$W/when.txt"
[ -n "$LOG_NOTE" ] && echo && echo "$LOG_NOTE"
echo
echo "| tool | runs | median s | MB/s | bytes/s vs grep |"
echo "|---|---|---|---|---|"
echo "| grep -F 'status=' \\| wc -l (floor; $GREP_N lines) | $RUNS | $T_GREP | $GREP_MBS | 1 |"
echo "| relayhint scan --json | $RUNS | $T_RH | $RH_LMBS | $R_GREP |"
[ $have_pflog = 1 ] && echo "| pflogsumm | $SLOW | $T_PF | $PF_MBS | $(calc '%.2f' "$T_PF > 0 ? $T_GREP / $T_PF : 0") (relayhint ${R_PF}x faster) |"
echo
echo "relayhint scan found $SCAN_OK of $NMS Microsoft 365 failures with the right cause; missed $SCAN_MISS, extra or wrong $SCAN_EXTRA."
} > "$W/s2.md"
printf 'scan_half_grep\tlog scan >= 0.5x grep'"'"'s bytes/s: %sx, %s\n' "$R_GREP" "$TGT_SCAN" > "$W/t2.tsv"
cat > "$W/j2.json" <<EOF
{"bytes":$LOG_BYTES,"lines":$LOG_LINES,"m365_failures":$NMS,"note":"$LOG_NOTE",
  "runs":$RUNS,"slow_runs":$SLOW,
  "grep_s":$T_GREP,"relayhint_s":$T_RH,"pflogsumm_s":${T_PF:-0},
  "grep_mb_s":$GREP_MBS,"relayhint_mb_s":$RH_LMBS,"pflogsumm_mb_s":$PF_MBS,
  "ratio_to_grep":$R_GREP,"pflogsumm_over_relayhint":$R_PF,
  "found":$SCAN_OK,"missed":$SCAN_MISS,"extra":$SCAN_EXTRA}
EOF
fi

for f in s1.md s2.md; do [ -f "$W/$f" ] && { echo; cat "$W/$f"; }; done
$PY "$HERE/report.py" "$W" "$HERE/RESULTS.md" "$HERE/results.json"
echo
echo "run.sh: $SECS s for parts $PARTS; bench/RESULTS.md and bench/results.json updated" >&2
