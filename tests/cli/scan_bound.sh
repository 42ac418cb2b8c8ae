#!/bin/sh
# scan_bound.sh - "relayhint scan" keeps a bounded table, not the whole log
#
# A pair (queue id, cause) stays in memory while its message may still
# log: it retires when the message is removed, after six days unseen, or,
# at --max-pairs, as the least recently seen; a scan of files still
# reports every retired pair (spilled to a temporary file in sorted runs).
# Checks: peak RSS does not grow with the log (bench/gen_maillog.py logs
# of 4 and 40 MB, half the mail failing); the spilled report is the one
# kept in memory (TMPDIR unusable) and in the order a reader expects,
# also when the spill file fills up;
# a deferred message counts once within the window and again after it;
# past --max-pairs nothing is dropped and the evictions are counted.
# Output: PASS:/FAIL: lines for tests/run.sh.

cd "$(dirname "$0")/../.." || exit 2
RH=./build/relayhint
D=tests/data
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. tests/lib/tap.sh

# --- memory flat in the log's size ------------------------------------------
python3 bench/gen_maillog.py --size 4 --ms-rate 0.5 --root . \
	"$tmp/s.log" "$tmp/s.exp" 2> /dev/null
python3 bench/gen_maillog.py --size 40 --ms-rate 0.5 --root . \
	"$tmp/b.log" "$tmp/b.exp" 2> /dev/null
if [ -x /usr/bin/time ]; then
	# GNU time forks a small C program: its child's peak is relayhint's;
	# the least of three runs (a run's peak varies by a few hundred KB)
	for r in 1 2 3; do
		/usr/bin/time -f %M -a -o "$tmp/s.rss" $RH scan --json "$tmp/s.log" > "$tmp/s.json"
		/usr/bin/time -f %M -a -o "$tmp/b.rss" $RH scan --json "$tmp/b.log" > "$tmp/b.json"
	done
	python3 - "$tmp" <<'PY' && ok "scan: peak RSS flat from 4 to 40 MB of log (half the mail failing), every failure found" || bad "scan RSS flat" "see above"
import json, sys
tmp = sys.argv[1]
def run(name):
    rss = min(int(l) for l in open("%s/%s.rss" % (tmp, name)) if l.strip().isdigit())
    got = sorted("%s\t%s" % (r["queue_id"], r["cause"])
                 for r in map(json.loads, open("%s/%s.json" % (tmp, name))))
    want = sorted(l.rstrip("\n") for l in open("%s/%s.exp" % (tmp, name)))
    return rss, got == want, len(want)
small, big = run("s"), run("b")
print("rss_kb 4 MB: %d (%d failures), 40 MB: %d (%d failures)"
      % (small[0], small[2], big[0], big[2]), file=sys.stderr)
if not (small[1] and big[1] and big[2] > 5 * small[2]):
    sys.exit("wrong failures")
if not (big[0] <= small[0] * 1.1):
    sys.exit("rss grew: %d -> %d KB" % (small[0], big[0]))
PY
else
	skip "scan RSS flat" "/usr/bin/time missing (apt-get install time)"
fi

# --- the spilled report is the report --------------------------------------
# 40 MB: ~14,000 failing messages, far more than one sorted run
$RH scan --json "$tmp/b.log" > "$tmp/spill.json" 2> "$tmp/spill.err"
TMPDIR=/nonexistent $RH scan --json "$tmp/b.log" > "$tmp/mem.json" 2> "$tmp/mem.err"
$RH scan "$tmp/b.log" > "$tmp/spill.txt" 2> /dev/null
TMPDIR=/nonexistent $RH scan "$tmp/b.log" > "$tmp/mem.txt" 2> /dev/null
python3 - "$tmp/spill.json" "$tmp/mem.json" "$tmp/b.log" <<'PY' && cmp -s "$tmp/spill.json" "$tmp/mem.json" &&
import json, re, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
# grouped by cause (by name), in each the order of first sighting
first = {}
for n, line in enumerate(open(sys.argv[3])):
    m = re.search(r": ([0-9A-F]+): to=.*status=(deferred|bounced)", line)
    if m:
        first.setdefault(m.group(1), n)
keys = [(r["cause"], first[r["queue_id"]]) for r in rows]
if keys != sorted(keys) or len(rows) < 10000:
    sys.exit("order: %d rows" % len(rows))
PY
	! [ -s "$tmp/spill.err" ] && grep -q 'stays in memory' "$tmp/mem.err" &&
	cmp -s "$tmp/spill.txt" "$tmp/mem.txt" &&
	ok "scan: the report spilled in sorted runs equals the one kept in memory, grouped by cause in order of first sighting" ||
	bad "scan spill" "$(head -c 300 "$tmp/spill.err" "$tmp/mem.err"; diff "$tmp/spill.txt" "$tmp/mem.txt" | head -5)"

# a spill file that fills up (here: a file size limit) after its first
# run: the rest stays in memory and the report is still whole
sh -c 'trap "" XFSZ; ulimit -f 600; exec "$@"' sh $RH scan --json "$tmp/b.log" \
	2> "$tmp/full.err" | cat > "$tmp/full.json"
cmp -s "$tmp/full.json" "$tmp/spill.json" &&
	grep -q 'spill file: No space left on device: the rest of the report stays in memory' "$tmp/full.err" &&
	ok "scan: a spill file that fills up loses nothing (the rest of the report in memory)" ||
	bad "scan full spill" "$(head -c 300 "$tmp/full.err"; wc -l < "$tmp/full.json")"

# --- dedup within the window; a removed or six-day-old pair retires ---------
python3 - "$D/postfix/logs/hard-535-5.7.3.log" "$tmp/w.log" <<'PY'
import sys
fail = [l for l in open(sys.argv[1]).read().split("\n") if "status=bounced" in l][0]
fail = fail.replace("status=bounced", "status=deferred")
def at(line, stamp, qid):
    # stamps with the year: the test must not depend on today's date
    return ("2026-" + stamp + "+00:00" +
            line[len("Nov 22 17:12:49"):].replace("702311022E8", qid))
other = "relay postfix/qmgr[5448]: 8A1B2C3D4E: from=<a@relay.example.test>, size=300, nrcpt=1 (queue active)"
out = []
# A: five tries with 3,000 lines between them, then removed
for k in range(5):
    out.append(at(fail, "11-22T1%d:00:00" % k, "AAAAAAAAAA"))
    out += ["Nov 22 1%d:00:01 %s" % (k, other)] * 3000
out.append("Nov 22 15:00:00 relay postfix/qmgr[5448]: AAAAAAAAAA: removed")
# B: removed, then seen again 10 lines later (a late line: same record)
out.append(at(fail, "11-22T15:00:00", "BBBBBBBBBB"))
out.append("Nov 22 15:00:00 relay postfix/qmgr[5448]: BBBBBBBBBB: removed")
out += ["Nov 22 15:00:01 %s" % other] * 10
out.append(at(fail, "11-22T15:00:02", "BBBBBBBBBB"))
# A again after its removal and 600 lines: a new message, a new record
out += ["Nov 22 15:00:03 %s" % other] * 600
out.append(at(fail, "11-22T16:00:00", "AAAAAAAAAA"))
# C: seen, then 4 days later (within the window): one record; D: seen,
# then 7 days later, without a "removed" line: two records
out.append(at(fail, "11-23T10:00:00", "CCCCCCCCCC"))
out.append(at(fail, "11-23T11:00:00", "DDDDDDDDDD"))
out.append(at(fail, "11-27T10:00:00", "CCCCCCCCCC"))
out.append(at(fail, "11-30T11:00:00", "DDDDDDDDDD"))
open(sys.argv[2], "w").write("\n".join(out) + "\n")
PY
$RH scan --json "$tmp/w.log" > "$tmp/w.json"
python3 - "$tmp/w.json" <<'PY' && ok "scan: a deferred message counts once within its window; after its removal or six days unseen it starts a new record" || bad "scan window" "$(cat "$tmp/w.json" | cut -c1-160)"
import json, sys
got = [(r["queue_id"], r["count"]) for r in map(json.loads, open(sys.argv[1]))]
want = [("AAAAAAAAAA", 5), ("BBBBBBBBBB", 2), ("AAAAAAAAAA", 1),
        ("CCCCCCCCCC", 2), ("DDDDDDDDDD", 1), ("DDDDDDDDDD", 1)]
if got != want:
    sys.exit("got %s" % got)
PY

# --- past --max-pairs: the oldest retire, nothing is dropped ----------------
python3 - "$D/postfix/logs/hard-535-5.7.3.log" "$tmp/many.log" <<'PY'
import sys
l = [x for x in open(sys.argv[1]).read().split("\n") if "status=bounced" in x][0]
with open(sys.argv[2], "w") as f:
    for i in range(6000):
        f.write(l.replace("702311022E8", "B%010X" % i) + "\n")
    # B0 left the table long ago; B5999 is still in it
    f.write(l.replace("702311022E8", "B%010X" % 0) + "\n")
    f.write(l.replace("702311022E8", "B%010X" % 5999) + "\n")
PY
$RH scan --json --max-pairs 4096 "$tmp/many.log" > "$tmp/many.json" 2> "$tmp/many.err"
python3 - "$tmp/many.json" "$tmp/many.err" <<'PY' && ok "scan: past --max-pairs every failure is reported, the evictions counted (1905), a pair seen after its eviction reported again" || bad "scan --max-pairs" "$(cat "$tmp/many.err")"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
err = open(sys.argv[2]).read()
ids = [r["queue_id"] for r in rows]
counts = {}
for r in rows:
    counts.setdefault(r["queue_id"], []).append(r["count"])
if not (len(rows) == 6001 and len(set(ids)) == 6000 and
        counts["B0000000000"] == [1, 1] and counts["B000000176F"] == [2] and
        sum(r["count"] for r in rows) == 6002):
    sys.exit("rows %d distinct %d B0 %s" % (len(rows), len(set(ids)), counts.get("B0000000000")))
if "1905 (queue id, cause) pair(s) left the table" not in err:
    sys.exit("no eviction count")
PY
