#!/bin/sh
#
# bench/exim_overhead.sh - what relayhint's event_action costs ordinary
# mail through the real Exim (issue #18, part 3: target 2% or less)
#
#   sh bench/exim_overhead.sh [OUT.json]      (from the top, as root)
#
# The private Debian Exim 4.96 of the Exim integration test
# (tests/integration/exim/setup.sh; its lock is held while we run)
# delivers BENCH_EXIM_N messages per round, each in its own "exim -odi"
# process (one delivery process per message, as on a relay), over SMTP
# to a sink on 127.0.0.1 that accepts everything, through one of three
# smtp transports:
#   none    no event_action
#   guard   the shipped line, conf/exim/transport.conf, unchanged: the
#           ${if inlist{$event_name}...} guard in front of ${dlfunc}
#   noguard the line as shipped before the guard: ${dlfunc} on every
#           event (tcp:connect, smtp:connect, smtp:ehlo, msg:delivery,
#           tcp:close), which loads relayhint.so in every delivery
# The three alternate message by message, BENCH_EXIM_ROUNDS rounds of
# BENCH_EXIM_N messages each, in a rotated order (none guard noguard,
# guard noguard none, noguard none guard, ...), so that each has each
# place equally often and the machine's drift falls on all three alike:
# rounds of 100 deliveries of one variant after the other moved by up
# to 20 % on a shared host, ten times the target.  A message's figure is
# the CPU time of its exim process (user + system, with the delivery
# process it waits for; from wait4) and its wall time; the overhead is
# the median over the rounds of each round's ratio of CPU sums to
# "none" (the medians of the times per message are also given).
# Every message must arrive at the sink and none may leave a relayhint
# line or a panic: the figures are of mail that went through.
#
# Prints (and writes to OUT.json) one JSON object:
#   {"bench":"exim_overhead", "exim":"4.96", "date", "load1", "messages",
#    "rounds", "none": {"cpu_ms","cpu_min_ms","cpu_max_ms","wall_ms"},
#    "guard": {...}, "noguard": {...}, "guard_overhead_pct",
#    "noguard_overhead_pct", "target_pct": 2, "met": true|false}
# or {"bench":"exim_overhead","skipped":"why"} (not root, no Exim).
#
# Environment: BENCH_EXIM_N (25), BENCH_EXIM_ROUNDS (36: 900 deliveries
# per variant, as the 9 rounds of 100 before), RH_EXIM_BASE
# (/var/tmp/relayhint-exim), BENCH_EXIM_PORT (2590), BENCH_TMP (/var/tmp).
set -u
OUT=${1:-}
N=${BENCH_EXIM_N:-25}
ROUNDS=${BENCH_EXIM_ROUNDS:-36}
BASE=${RH_EXIM_BASE:-/var/tmp/relayhint-exim}
PORT=${BENCH_EXIM_PORT:-2590}
TOP=$(pwd)
BUILT_SO=$TOP/build/exim-dlfunc/relayhint.so
EXIM=$BASE/root/usr/sbin/exim4

emit() { printf '%s\n' "$1"; [ -z "$OUT" ] || printf '%s\n' "$1" > "$OUT"; }
skipped() { emit "{\"bench\": \"exim_overhead\", \"skipped\": \"$1\"}"; exit 0; }

[ "$(id -u)" = 0 ] || skipped "not root"
[ -f "$BUILT_SO" ] || skipped "build/exim-dlfunc/relayhint.so not built"
mkdir -p "$BASE"
exec 9>"$BASE/.lock"
flock -w 300 9 || skipped "$BASE/.lock held for 300 s"
sh tests/integration/exim/setup.sh "$BASE" > /dev/null 2>&1 || skipped "tests/integration/exim/setup.sh failed"

W=$(mktemp -d "${BENCH_TMP:-/var/tmp}/relayhint-bench-exim.XXXXXX")
SINK=
cleanup() {
	[ -n "$SINK" ] && kill "$SINK" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT INT TERM
chmod 755 "$W"

# the sink: an SMTP server that takes everything and counts messages
python3 - "$PORT" "$W/sink.count" "$W/sink.ready" <<'PY' &
import asyncio, sys
port, countf, readyf = int(sys.argv[1]), sys.argv[2], sys.argv[3]
n = 0
async def session(r, w):
    global n
    w.write(b"220 sink ESMTP\r\n")
    data = False
    while True:
        line = await r.readline()
        if not line:
            break
        if data:
            if line in (b".\r\n", b".\n"):
                data = False
                n += 1
                open(countf, "w").write(str(n))
                w.write(b"250 2.0.0 OK queued\r\n")
            continue
        v = line[:4].upper()
        if v in (b"EHLO", b"HELO"):
            w.write(b"250-sink\r\n250 8BITMIME\r\n")
        elif v == b"DATA":
            data = True
            w.write(b"354 go ahead\r\n")
        elif v == b"QUIT":
            w.write(b"221 bye\r\n")
            await w.drain()
            break
        else:
            w.write(b"250 OK\r\n")
        await w.drain()
    w.close()
async def main():
    srv = await asyncio.start_server(session, "127.0.0.1", port)
    open(readyf, "w").write("1")
    async with srv:
        await srv.serve_forever()
asyncio.run(main())
PY
SINK=$!
i=0
while [ ! -f "$W/sink.ready" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -f "$W/sink.ready" ] || skipped "the SMTP sink did not start"

# one configuration per variant; the shipped transport line included as
# is; Exim runs as Debian-exim: the object and the files where it reads
mkdir -p "$W/etc" "$W/lib"
cp conf/exim/transport.conf "$W/etc/transport.conf"
SO=$W/lib/relayhint.so
cp "$BUILT_SO" "$SO"
chmod -R a+rX "$W/etc" "$W/lib"
for v in none guard noguard; do
	mkdir -p "$W/$v/spool" "$W/$v/log"
	chown -R Debian-exim:Debian-exim "$W/$v"
	{
		echo "RELAYHINT_SO = $SO"
		echo "RELAYHINT_OPTS = syslog log=none config=none ratelimit=0"
		echo "keep_environment ="
		echo "exim_path = $EXIM"
		echo "spool_directory = $W/$v/spool"
		echo "log_file_path = $W/$v/log/%slog"
		echo "primary_hostname = bench.example.test"
		echo "qualify_domain = bench.example.test"
		echo "host_lookup ="
		echo "rfc1413_hosts ="
		echo "begin routers"
		echo "sink:"
		echo "  driver = manualroute"
		echo "  route_list = * 127.0.0.1"
		echo "  self = send"
		echo "  transport = t"
		echo "begin transports"
		echo "t:"
		echo "  driver = smtp"
		echo "  port = $PORT"
		echo "  allow_localhost"
		echo "  hosts_avoid_tls = *"
		case $v in
		guard)	echo ".include $W/etc/transport.conf" ;;
		noguard)
			echo '  event_action = ${if exists{RELAYHINT_SO}{${dlfunc{RELAYHINT_SO}{relayhint_event}{$event_name}{$event_data}{$event_defer_errno}{$message_exim_id}{$host}{RELAYHINT_OPTS}}}}' ;;
		esac
	} > "$W/$v/exim.conf"
done
grep -q 'inlist{$event_name}' "$W/etc/transport.conf" ||
	echo "exim_overhead.sh: warning: conf/exim/transport.conf has no \$event_name guard" >&2

printf 'From: a@bench.example.test\nTo: b@sink.example.test\nSubject: ordinary mail\n\n%s\n' \
    "An ordinary message, delivered like most mail through the smarthost." > "$W/msg"
# The deliveries, interleaved one message at a time: ROUNDS rounds of N
# messages per variant, each step one message per variant in a rotated
# order (none guard noguard, guard noguard none, noguard none guard):
# the host's drift, which moved a round of 100 deliveries of one variant
# by up to 20 %, falls on the three alike.  Each delivery is one
# "exim -odi" process started with posix_spawn; its CPU time (user +
# system, with the delivery process it waits for) comes from wait4.
# Appends "cpu wall" (s) per message to t.VARIANT, a round's sums per line.
# (progress on standard output, shown as this script's standard error)
python3 - "$W" "$EXIM" "$N" "$ROUNDS" <<'PY' >&2 2>> "$W/errors" || echo "deliveries failed" >> "$W/errors"
import os, sys, time
w, exim, n, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
orders = [("none", "guard", "noguard"), ("guard", "noguard", "none"),
          ("noguard", "none", "guard")]
out = {v: open(f"{w}/t.{v}", "a") for v in orders[0]}
devnull = os.open(os.devnull, os.O_WRONLY)
for k in range(rounds):
    sums = {v: [0.0, 0.0] for v in orders[0]}
    for i in range(n):
        for v in orders[(k * n + i) % 3]:
            msg = os.open(f"{w}/msg", os.O_RDONLY)
            t = time.perf_counter()
            pid = os.posix_spawn(exim, [exim, "-C", f"{w}/{v}/exim.conf", "-odi",
                                        "-f", "a@bench.example.test", "b@sink.example.test"],
                                 os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, msg, 0),
                                                           (os.POSIX_SPAWN_DUP2, devnull, 1)])
            _, status, ru = os.wait4(pid, 0)
            wall = time.perf_counter() - t
            os.close(msg)
            if os.waitstatus_to_exitcode(status) != 0:
                print(f"{v}: exim exited {os.waitstatus_to_exitcode(status)}", file=sys.stderr)
            sums[v][0] += ru.ru_utime + ru.ru_stime
            sums[v][1] += wall
    for v in orders[0]:
        out[v].write("%.6f %.6f\n" % tuple(sums[v]))
        out[v].flush()
    print(f"  exim_overhead: round {k + 1} of {rounds} done", flush=True)
PY
sent=$(cat "$W/sink.count" 2>/dev/null || echo 0)
want=$((N * ROUNDS * 3))
ERR=
[ "$sent" = "$want" ] || ERR="the sink got $sent of $want messages"
# a configuration given with -C and not in Exim's trusted_configs costs
# root privilege (deliveries run as Debian-exim, as SMTP deliveries do
# anyway): Exim says so on every run, which is not an error here
grep -v 'lost privilege for using -C option' "$W/errors" > "$W/errors.real"
[ -s "$W/errors.real" ] && ERR="$ERR; $(head -3 "$W/errors.real" | tr '\n"\\' '   ')"
cat "$W"/*/log/paniclog 2>/dev/null | grep -v 'lost privilege for using -C option' > "$W/panic"
[ -s "$W/panic" ] && ERR="$ERR; panic log: $(head -2 "$W/panic" | tr '\n"\\' '   ')"
grep -h 'relayhint' "$W"/*/log/mainlog > "$W/rh" 2>/dev/null
[ -s "$W/rh" ] && ERR="$ERR; relayhint logged about good mail"

emit "$(python3 - "$W" "$N" "$ROUNDS" "$("$EXIM" -C /dev/null -bV 2>/dev/null | sed -n '1s/^Exim version \([^ ]*\).*/\1/p')" "$ERR" <<'PY'
import json, os, statistics, sys, time
w, n, rounds, ver, err = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
out = {"bench": "exim_overhead", "exim": ver,
       "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
       "load1": os.getloadavg()[0], "messages": n, "rounds": rounds}
for v in ("none", "guard", "noguard"):
    rows = [l.split() for l in open(f"{w}/t.{v}") if l.strip()]
    cpu = [float(r[0]) / n * 1e3 for r in rows]
    wall = [float(r[1]) / n * 1e3 for r in rows]
    out[v] = {"cpu_ms": round(statistics.median(cpu), 3),
              "cpu_min_ms": round(min(cpu), 3), "cpu_max_ms": round(max(cpu), 3),
              "wall_ms": round(statistics.median(wall), 3)}
# A round's messages of the three variants alternate one by one, so the
# three share the machine's state of that moment: the overhead is the
# median of the per-round ratios of CPU sums (as every ratio of make
# bench), which a slow spell in one round does not move.
none = [float(l.split()[0]) for l in open(f"{w}/t.none") if l.strip()]
for v in ("guard", "noguard"):
    mine = [float(l.split()[0]) for l in open(f"{w}/t.{v}") if l.strip()]
    ratios = [a / b - 1 for a, b in zip(mine, none) if b > 0]
    out[v + "_overhead_pct"] = round(statistics.median(ratios) * 100, 2) if ratios else None
    out[v + "_overhead_pct_of_medians"] = round((out[v]["cpu_ms"] / out["none"]["cpu_ms"] - 1) * 100, 2)
out["target_pct"] = 2
out["met"] = not err and out["guard_overhead_pct"] is not None and out["guard_overhead_pct"] <= 2
if err:
    out["error"] = err.strip("; ")
print(json.dumps(out))
PY
)"
