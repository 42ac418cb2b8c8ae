#!/bin/sh
# scan_jobs.sh - "relayhint scan" with parsing threads reports what it
# reports with none
#
# scanpar (cli/scanpar.c) cuts a log into blocks of 256 KiB that worker
# threads read and parse; the scan's own thread ties the lines together.
# The same log is scanned with --jobs 1 (one thread, no blocks) and with
# --jobs 2 and 5, as a file, as standard input redirected from the file
# and through a pipe (read by the scan's thread):
# the JSON report, the report for a person and the line count of
# --metrics must be the same, byte for byte.  The log is every log line
# of tests/data in a seeded order, with what a block boundary can cut
# placed on the boundaries: a line that starts on one, a newline on its
# last or first byte, a failure line, a relay-local failure and the
# sasl-xoauth2 trace of the same pid on either side, lines longer than
# the 64 KiB a line is cut to and longer than a block, a NUL, empty
# lines, and a last line without a newline.  Standard input at an
# offset is read from there to its end, once; SIGINT stops a scan of
# input without a newline (a sparse file, /dev/zero); and one check
# watches the threads start (so that the comparison is not of one code
# path with itself).
# Output: PASS:/FAIL: lines for tests/run.sh.

cd "$(dirname "$0")/../.." || exit 2
RH=${RH:-./build/relayhint}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 - "$tmp/edge.log" <<'PY'
import glob, random, sys

BLOCK = 256 * 1024
rnd = random.Random(18)
pool = []
for f in sorted(glob.glob("tests/data/**/*.log", recursive=True)):
    with open(f, "rb") as fh:
        pool += [l.rstrip(b"\n") for l in fh if l.strip()]
fail = [l for l in pool if b"status=deferred" in l or b"status=bounced" in l]
generic = (b"2026-01-27T10:00:00+00:00 relay2 postfix/smtp[6716]: 29829406CC: "
           b"SASL authentication failed; cannot authenticate to server "
           b"smtp.office365.com[52.96.90.34]: generic failure")
trace = (b"2026-01-27T10:00:00+00:00 relay2 postfix/smtp[6716]: [sasl-xoauth2] "
         b"auth failed: 2026-01-27 10:00:00: TokenStore::Read: failed to open "
         b"file /var/spool/postfix/etc/tokens/a@b.example: No such file or "
         b"directory")
out = bytearray()

def filler(n):
    # a line of exactly n bytes with its newline (n >= 60)
    head = b"Nov  1 00:00:00 relay postfix/qmgr[5448]: 12D26B9498: x"
    return head + b"y" * (n - len(head) - 1) + b"\n"

def until(pos):
    # fill up to byte offset pos with pool lines, then one exact filler
    while pos - len(out) > 400:
        out.extend(rnd.choice(pool) + b"\n")
    out.extend(filler(pos - len(out)))

until(BLOCK)                       # a failure line starts on the boundary
out.extend(rnd.choice(fail) + b"\n")
until(2 * BLOCK - 1)               # newline on the block's last byte...
out.extend(b"\n" + rnd.choice(fail) + b"\n")
until(3 * BLOCK - 200)             # ... and here on its first byte
f = rnd.choice(fail)
out.extend(f[:199] + b"\n" if len(f) > 199 else f + b"\n")
until(4 * BLOCK - 100)             # a failure line across the boundary
out.extend(rnd.choice(fail) + b"\n")
until(5 * BLOCK - 150)             # generic | trace of the same pid
out.extend(generic + b"\n")
out.extend(trace + b"\n")
until(6 * BLOCK - 10000)           # 70 KiB line: cut at 64 KiB
out.extend(rnd.choice(fail) + b" (" + b"z" * 70000 + b")\n")
out.extend(rnd.choice(fail) + b"\n")
until(7 * BLOCK - 5000)            # a line longer than a block
out.extend(rnd.choice(fail) + b" " + b"w" * (BLOCK + 50000) + b"\n")
out.extend(rnd.choice(fail) + b"\n")
until(9 * BLOCK - 30)              # NUL in a failure line on the boundary
f = rnd.choice(fail)
out.extend(f[:60] + b"\0" + f[60:] + b"\n")
f = rnd.choice(fail)
out.extend(f[:10] + b"\0" + f[10:] + b"\n")
until(10 * BLOCK - 2)              # empty lines over the boundary
out.extend(b"\n\n\n\n" + rnd.choice(fail) + b"\n")
until(11 * BLOCK + 3)
for _ in range(3000):
    out.extend(rnd.choice(pool) + b"\n")
out.extend(rnd.choice(fail))       # no newline at the end
open(sys.argv[1], "wb").write(out)
PY

same=0
n=0
for form in json text; do
	[ $form = json ] && opt=--json || opt=
	$RH scan $opt --jobs 1 --metrics "$tmp/m1" "$tmp/edge.log" \
	    > "$tmp/ref.$form" 2>&1
	grep '^relayhint_log_lines_total' "$tmp/m1" >> "$tmp/ref.$form"
	for j in 2 5; do
		for how in file stdin pipe; do
			case $how in
			file)	$RH scan $opt --jobs $j --metrics "$tmp/m" \
				    "$tmp/edge.log" > "$tmp/out" 2>&1 ;;
			stdin)	$RH scan $opt --jobs $j --metrics "$tmp/m" \
				    < "$tmp/edge.log" > "$tmp/out" 2>&1 ;;
			pipe)	cat "$tmp/edge.log" | $RH scan $opt --jobs $j \
				    --metrics "$tmp/m" > "$tmp/out" 2>&1 ;;
			esac
			grep '^relayhint_log_lines_total' "$tmp/m" >> "$tmp/out"
			n=$((n + 1))
			if cmp -s "$tmp/ref.$form" "$tmp/out"; then
				same=$((same + 1))
			else
				echo "# differs: $form --jobs $j $how"
				diff "$tmp/ref.$form" "$tmp/out" | head -5 |
				    sed 's/^/# /'
			fi
		done
	done
done
records=$(grep -c . "$tmp/ref.json")
if [ "$same" -eq "$n" ] && [ "$records" -ge 10 ]; then
	echo "PASS: scan --jobs 2 and 5 (file, stdin, pipe) report what --jobs 1 reports ($records lines)"
else
	echo "FAIL: scan with threads differs from --jobs 1 in $((n - same)) of $n runs ($records lines)"
fi

# the lines cut at a block boundary are still counted once each
lines=$(python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); print(d.count(b"\n") + (not d.endswith(b"\n")))' "$tmp/edge.log")
if grep -q "^relayhint_log_lines_total $lines\$" "$tmp/ref.json"; then
	echo "PASS: scan: every line of the edge log counted once ($lines)"
else
	echo "FAIL: scan: lines counted: $(grep lines_total "$tmp/ref.json"), want $lines"
fi

# standard input at an offset (what a script read before) and read to
# its end: "- -" reads it once, and a command after the scan finds
# nothing left, as with --jobs 1
{ dd bs=777777 count=1 of=/dev/null 2>/dev/null
  $RH scan --json --jobs 3 - - > "$tmp/off3" 2>&1; cat | wc -c > "$tmp/left3"; } \
    < "$tmp/edge.log"
tail -c +777778 "$tmp/edge.log" > "$tmp/tail.log"
$RH scan --json --jobs 1 "$tmp/tail.log" > "$tmp/off1" 2>&1
if cmp -s "$tmp/off1" "$tmp/off3" && [ "$(cat "$tmp/left3")" -eq 0 ]; then
	echo "PASS: scan --jobs 3 - - < file at an offset: read from there to the end, once"
else
	echo "FAIL: scan --jobs 3 - - < file at an offset: $(diff "$tmp/off1" "$tmp/off3" | wc -l) lines differ, $(cat "$tmp/left3") bytes left"
fi

# SIGINT stops a scan of input without a newline (no line to take)
for src in file zero; do
	if [ $src = file ]; then
		if ! truncate -s 4G "$tmp/sparse" 2>/dev/null; then
			echo "SKIP: scan on SIGINT: no sparse file can be made in $tmp"
			continue
		fi
		exec 8< "$tmp/sparse"
	else
		exec 8< /dev/zero
	fi
	start=$(date +%s)
	timeout -k 10 -s INT 1 $RH scan --jobs 3 <&8 > /dev/null 2>&1
	rc=$?
	exec 8<&-
	took=$(($(date +%s) - start))
	if [ $rc -ne 137 ] && [ $took -le 5 ]; then
		echo "PASS: scan --jobs 3 stops on SIGINT reading $src without a newline (${took}s)"
	else
		echo "FAIL: scan --jobs 3 on $src without a newline: exit $rc after ${took}s (137: killed)"
	fi
done
rm -f "$tmp/sparse"

# the threads do start: a scan of a pipe that stays open, caught reading
mkfifo "$tmp/fifo"
$RH scan --jobs 3 < "$tmp/fifo" > /dev/null 2>&1 &
pid=$!
exec 7> "$tmp/fifo"
head -c 300000 "$tmp/edge.log" >&7
threads=0
i=0
while [ $i -lt 50 ]; do
	threads=$(awk '/^Threads:/ { print $2 }' /proc/$pid/status 2>/dev/null)
	[ "${threads:-0}" -ge 4 ] && break
	sleep 0.1
	i=$((i + 1))
done
exec 7>&-
wait $pid
if [ "${threads:-0}" -eq 4 ]; then
	echo "PASS: scan --jobs 3 reads with three parsing threads besides its own"
else
	echo "FAIL: scan --jobs 3: $threads threads, want 4"
fi
