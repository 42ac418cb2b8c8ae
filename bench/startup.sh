#!/bin/sh
#
# bench/startup.sh - start-up of "relayhint explain REPLY", a whole
# process each time (issue #18, part 2: target a median of 1 ms or less)
#
#   sh bench/startup.sh [OUT.json]        (from the top of the tree)
#
# hyperfine (Debian's package; tools/deps.sh bench) runs each command
# BENCH_STARTUP_RUNS times after BENCH_STARTUP_WARMUP warm-up runs,
# without a shell (-N), in this order: /bin/true (the floor: what a
# fork and exec of a libc-only program costs on this machine), the
# relayhint command, and BENCH_STARTUP_OTHER when set (another relayhint
# binary, e.g. an older build, for a before/after pair).  Wall time, as a
# user meets it; on a loaded machine compare with the floor, which pays
# the same scheduling delays, and with the CPU times (user_ms,
# system_ms: means), which waiting for a core does not inflate.
#
# Prints (and writes to OUT.json) one JSON object:
#   {"bench":"startup", "date":..., "load1":..., "runs":N,
#    "floor": {"median_ms","min_ms","max_ms","mean_ms","user_ms","system_ms"},
#    "relayhint": {... same, "shared_objects": N, "libs": [...]},
#    "other": {...} (only with BENCH_STARTUP_OTHER),
#    "target_ms": 1.0, "met": true|false,
#    "above_floor_ms": relayhint's median less the floor's,
#    "met_above_floor": true|false (<= 1 ms above the floor)}
# and per command "page_faults" (perf stat, mean of 20 runs; null
# without perf).
# shared_objects counts what the dynamic loader maps (ldd, with the vDSO
# and the loader itself), the figure issue #18 asks the bench to list.
#
# Environment: RELAYHINT (build/relayhint), BENCH_STARTUP_RUNS (300),
# BENCH_STARTUP_WARMUP (20), BENCH_STARTUP_OTHER, BENCH_TMP (/var/tmp).
set -eu
OUT=${1:-}
RH=${RELAYHINT:-build/relayhint}
RUNS=${BENCH_STARTUP_RUNS:-300}
WARM=${BENCH_STARTUP_WARMUP:-20}
OTHER=${BENCH_STARTUP_OTHER:-}
REPLY='535 5.7.139 Authentication unsuccessful, the user credentials were incorrect. [AM0PR02CA0001.eurprd02.prod.outlook.com]'

command -v hyperfine >/dev/null || sh tools/deps.sh bench >&2
command -v hyperfine >/dev/null ||
	{ echo "startup.sh: hyperfine is not installed (apt-get install hyperfine)" >&2; exit 2; }
[ -x "$RH" ] || { echo "startup.sh: $RH not built" >&2; exit 2; }
# the answer must be right before its time means anything
"$RH" explain "$REPLY" | grep -q 'm365.auth.bad_credentials' ||
	{ echo "startup.sh: $RH explain gives the wrong cause" >&2; exit 1; }

W=$(mktemp -d "${BENCH_TMP:-/var/tmp}/relayhint-bench-startup.XXXXXX")
trap 'rm -rf "$W"' EXIT INT TERM

# the reply as the argument, as a user types it (hyperfine -N splits
# the command like a shell, quotes included); a file would time the
# file reading path (cli_read_pass) as well
set -- /bin/true "$RH explain '$REPLY'"
[ -n "$OTHER" ] && set -- "$@" "$OTHER explain '$REPLY'"
hyperfine -N -w "$WARM" -r "$RUNS" --export-json "$W/h.json" "$@" >&2

# page faults per run (perf stat, when it can count them): a figure the
# other work on a shared machine does not change, each one costly on a VM
faults() {	# COMMAND...: the mean page faults of 20 runs, or null
	perf stat -x, -e page-faults -r 20 "$@" 2>&1 >/dev/null |
	    awk -F, '$3 == "page-faults" && $1 ~ /^[0-9.]+$/ { v = $1 }
	    END { print (v == "" ? "null" : v) }'
}
if command -v perf >/dev/null 2>&1; then
	F_TRUE=$(faults /bin/true); F_RH=$(faults "$RH" explain "$REPLY")
	F_OTHER=null; [ -n "$OTHER" ] && F_OTHER=$(faults "$OTHER" explain "$REPLY")
else
	F_TRUE=null F_RH=null F_OTHER=null
fi

ldd "$RH" | awk '{ print $1 }' > "$W/libs"
python3 - "$W/h.json" "$W/libs" "$RUNS" "$OTHER" "$F_TRUE" "$F_RH" "$F_OTHER" \
    > "$W/out.json" <<'PY'
import json, os, sys, time
h = json.load(open(sys.argv[1]))["results"]
pf = [json.loads(x) for x in sys.argv[5:8]]
libs = [l.strip() for l in open(sys.argv[2]) if l.strip()]
def stats(r):
    t = sorted(r["times"])
    return {"median_ms": round(r["median"] * 1e3, 3),
            "min_ms": round(t[0] * 1e3, 3), "max_ms": round(t[-1] * 1e3, 3),
            "mean_ms": round(r["mean"] * 1e3, 3),
            "user_ms": round(r["user"] * 1e3, 3),
            "system_ms": round(r["system"] * 1e3, 3)}
out = {"bench": "startup", "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
       "load1": os.getloadavg()[0], "runs": int(sys.argv[3]),
       "floor": stats(h[0]), "relayhint": stats(h[1])}
out["relayhint"]["shared_objects"] = len(libs)
out["relayhint"]["libs"] = libs
out["floor"]["page_faults"], out["relayhint"]["page_faults"] = pf[0], pf[1]
if sys.argv[4]:
    out["other"] = stats(h[2])
    out["other"]["page_faults"] = pf[2]
out["target_ms"] = 1.0
out["met"] = out["relayhint"]["median_ms"] <= 1.0
# what relayhint adds to the machine's cost of any process start
out["above_floor_ms"] = round(out["relayhint"]["median_ms"] - out["floor"]["median_ms"], 3)
out["met_above_floor"] = out["above_floor_ms"] <= 1.0
print(json.dumps(out))
PY
cat "$W/out.json"
[ -z "$OUT" ] || cp "$W/out.json" "$OUT"
