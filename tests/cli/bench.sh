#!/bin/sh
# bench.sh - the benchmark harness still works (make bench is not run by
# make check: it takes minutes and its figures depend on the machine)
#
# bench/report.py on the raw results of a recorded run (bench/fixture):
# a dated RESULTS.md with the machine and its load, a target and a
# verdict on every row, and verdicts that follow the figures (changed
# one file at a time); what bench/exim_overhead.sh is expected to write
# becomes PASS rows.  bench/spawn.c and bench/pairs.py time real
# processes and report their exit; bench/gen_mbox.py writes an mbox that
# relayhint bounce reads message by message.
# Output: PASS:/FAIL: lines for tests/run.sh.

cd "$(dirname "$0")/../.." || exit 2
unset PYTHONOPTIMIZE
PY=/usr/bin/python3
RH=./build/relayhint
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok()   { echo "PASS: $1"; }
bad()  { echo "FAIL: $1: $2"; }

# report FIXTUREDIR: RESULTS.md and results.json in $tmp
report() {
	$PY bench/report.py "$1" "$tmp/R.md" "$tmp/r.json" > "$tmp/report.out" 2>&1
}
row() {	# the verdict of the targets row starting with $1
	grep -F "| $1" "$tmp/R.md" | head -1 | awk -F '|' '{ gsub(/^ +| +$/, "", $5); print $5 }'
}

cp -r bench/fixture "$tmp/f"
if report "$tmp/f"; then ok "report.py renders the recorded run"
else bad "report.py renders the recorded run" "$(cat "$tmp/report.out")"; fi
grep -Eq '^20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9:]+ UTC to 20' "$tmp/R.md" &&
    grep -q 'CPU(s), ' "$tmp/R.md" && grep -q '^Load average before the run: [0-9]' "$tmp/R.md" &&
    ok "RESULTS.md is dated, names the machine and the load" ||
    bad "RESULTS.md is dated, names the machine and the load" "$(head -5 "$tmp/R.md")"
n=$(sed -n '/^## Targets/,/^## (/p' "$tmp/R.md" | grep -c '^| (')
v=$(sed -n '/^## Targets/,/^## (/p' "$tmp/R.md" | grep '^| (' |
    grep -Ecv '\| (PASS|MISS|not measured) \|$')
[ "$n" -ge 8 ] && [ "$v" -eq 0 ] && ok "every target row has a verdict ($n rows)" ||
    bad "every target row has a verdict" "$n rows, $v without"
$PY -c 'import json, sys; r = json.load(open(sys.argv[1]))
assert len(r["targets"]) >= 8 and r["meta"]["nproc"] >= 1' "$tmp/r.json" &&
    ok "results.json carries the targets" || bad "results.json carries the targets" "bad JSON"
for sec in '(a) Batch' '(b) Start-up' '(d) scan' '(e) Memory'; do
	grep -qF "## $sec" "$tmp/R.md" && ok "section $sec" || bad "section $sec" "missing"
done
[ "$(row '(e) batch bounce peak RSS')" = PASS ] &&
    [ "$(row '(c) Exim dlfunc first call')" = 'not measured' ] &&
    ok "recorded verdicts: flat batch memory PASS, no Exim script: not measured" ||
    bad "recorded verdicts" "$(grep '^| (' "$tmp/R.md")"

# the verdicts follow the figures
$PY - "$tmp/f" <<'PYEOF'
import json, sys
d = sys.argv[1]
e = json.load(open(d + '/e.json'))
e['tools']['big']['rss_max_kb'] = e['tools']['small']['rss_max_kb'] * 2
json.dump(e, open(d + '/e.json', 'w'))
a = json.load(open(d + '/a.json'))
a['tools']['sisimai']['wall_median_s'] = a['tools']['relayhint']['wall_median_s'] * 200
a['tools']['sisimai']['wall_s'] = [x * 200 for x in a['tools']['relayhint']['wall_s']]
json.dump(a, open(d + '/a.json', 'w'))
json.dump({'first_call_ms': 0.31, 'overhead_pct': 1.4}, open(d + '/c.json', 'w'))
PYEOF
report "$tmp/f"
[ "$(row '(e) batch bounce peak RSS')" = MISS ] &&
    ok "memory doubling from the small to the big mbox is a MISS" ||
    bad "memory doubling is a MISS" "$(row '(e) batch bounce peak RSS')"
[ "$(row '(a) batch bounce vs Sisimai')" = PASS ] &&
    ok "200x Sisimai is a PASS" || bad "200x Sisimai is a PASS" "$(row '(a) batch bounce vs Sisimai')"
[ "$(row '(c) Exim dlfunc first call')" = PASS ] &&
    [ "$(row '(c) Exim per-delivery overhead')" = PASS ] &&
    ok "exim_overhead.sh's first_call_ms and overhead_pct become rows" ||
    bad "exim_overhead.sh's figures become rows" "$(grep '^| (c)' "$tmp/R.md")"
# bench_dlfunc's lines, one process each: their median is the first call
first() {	# first_call_cpu_ms values, one process each
	: > "$tmp/f/c.first.jsonl"
	for v in "$@"; do
		printf '{"calls": 1, "first_call_cpu_ms": %s, "load_cpu_ms": 0.2}\n' "$v" \
		    >> "$tmp/f/c.first.jsonl"
	done
	report "$tmp/f"
}
first 0.41 0.62 0.38 0.45 0.47
[ "$(row '(c) Exim dlfunc first call')" = PASS ] &&
    grep -F '| (c) Exim dlfunc first call' "$tmp/R.md" | grep -q '0.450 ms (CPU, median of 5 processes)' &&
    grep -q '^| of which dlopen() | 0.200 |' "$tmp/R.md" &&
    ok "bench_dlfunc's first calls: their median (0.45 ms) is a PASS, over c.json's" ||
    bad "bench_dlfunc's first calls become the row" "$(grep -F '(c) Exim dlfunc' "$tmp/R.md")"
first 0.9 0.41 1.2
[ "$(row '(c) Exim dlfunc first call')" = MISS ] &&
    ok "a first call of 0.9 ms (median) is a MISS" ||
    bad "a first call of 0.9 ms is a MISS" "$(row '(c) Exim dlfunc first call')"
rm "$tmp/f/c.first.jsonl"
# start-up: also what relayhint adds to /bin/true (the recorded run: +96 ms)
[ "$(row '(b) explain start-up above /bin/true')" = MISS ] &&
    grep -F '| (b) explain start-up above /bin/true' "$tmp/R.md" | grep -q '+96.00 ms' &&
    ok "start-up above /bin/true is its own row" ||
    bad "start-up above /bin/true" "$(grep -F '| (b)' "$tmp/R.md")"
rm "$tmp/f/a.json"
report "$tmp/f"
[ "$(row '(a) batch bounce vs Sisimai')" = 'not measured' ] &&
    ok "a part that did not run is 'not measured'" ||
    bad "a part that did not run is 'not measured'" "$(row '(a) batch bounce vs Sisimai')"

# spawn and pairs.py: real processes, their exit and their RSS
if ${CC:-cc} -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -Werror \
    -o "$tmp/spawn" bench/spawn.c 2> "$tmp/cc.err"; then
	$PY bench/pairs.py --spawn "$tmp/spawn" --dir "$tmp" --rounds 2 --warmup 1 \
	    --cmd 'ok=sh -c "echo hello"' --cmd 'three=sh -c "exit 3"' \
	    > "$tmp/p.json" 2> "$tmp/p.err"
	$PY -c 'import json, sys; t = json.load(open(sys.argv[1]))["tools"]
assert t["ok"]["runs"] == 2 and t["ok"]["exit"] == [0] and t["ok"]["out_bytes"] == 6
assert t["three"]["exit"] == [3]
assert 0 < t["ok"]["wall_min_s"] <= t["ok"]["wall_median_s"] <= t["ok"]["wall_max_s"]
assert 0 < t["ok"]["rss_max_kb"] < 8192, t["ok"]["rss_max_kb"]' "$tmp/p.json" &&
	    ok "pairs.py times whole processes, their exit and peak RSS" ||
	    bad "pairs.py" "$(cat "$tmp/p.json" "$tmp/p.err")"
else
	bad "bench/spawn.c compiles" "$(cat "$tmp/cc.err")"
fi

# gen_mbox.py: N messages, mboxrd-quoted, one record each from relayhint
mkdir "$tmp/src"
cp tests/data/postfix/hard-535-5.7.3.eml "$tmp/src/a.eml"
printf 'From: MAILER-DAEMON@example.org\nSubject: x\n\nFrom the relay:\n>From here\n' > "$tmp/src/b.eml"
cp "$tmp/src/a.eml" "$tmp/src/dup.eml"
$PY bench/gen_mbox.py --count 7 "$tmp/m.mbox" "$tmp/src" > "$tmp/m.json"
[ "$(grep -c '^From ' "$tmp/m.mbox")" -eq 7 ] && grep -q '^>From the relay' "$tmp/m.mbox" &&
    grep -q '^>>From here' "$tmp/m.mbox" && grep -q '"distinct": 2' "$tmp/m.json" &&
    [ "$(grep -c '^Message-ID: <bench-' "$tmp/m.mbox")" -eq 7 ] &&
    ok "gen_mbox.py: 7 messages of 2 distinct sources, each its own Message-ID, mboxrd quoting" ||
    bad "gen_mbox.py" "$(cat "$tmp/m.json"; grep -c '^From ' "$tmp/m.mbox")"
if [ -x "$RH" ]; then
	$RH bounce --json "$tmp/m.mbox" > "$tmp/m.out" 2>/dev/null
	[ "$(grep -c '^{' "$tmp/m.out")" -eq 7 ] &&
	    [ "$(grep -c '"cause":"m365.auth.bad_credentials"' "$tmp/m.out")" -ge 3 ] &&
	    ok "relayhint bounce reads the generated mbox message by message" ||
	    bad "relayhint bounce on the generated mbox" "$(head -c 300 "$tmp/m.out")"
else
	echo "SKIP: relayhint bounce on the generated mbox: $RH not built"
fi
