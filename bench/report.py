#!/usr/bin/python3
"""report.py - tables for parts 3 and 4, and the merge into RESULTS.md/results.json

usage: report.py WORKDIR RESULTS.md results.json   (bench/run.sh runs it)

WORKDIR holds what this run produced:
  head.md                    the header (date, machine, load, settings);
  s1.md s2.md, j1.json j2.json, t1.tsv t2.tsv
                             parts 1 and 2 as run.sh wrote them (section,
                             JSON, "key<TAB>target line");
  milter.json, dlfunc.json   raw results of milter.py and dlfunc.sh,
                             rendered here into s3.md, s4.md and targets.
Parts that did not run this time (BENCH_PARTS) keep their section, JSON
and target lines from the existing RESULTS.md and results.json; each
section says when it ran.  The Targets section is rebuilt from all of
them.  The new sections 3 and 4 are printed on stdout.
"""
import json
import os
import re
import sys

W, MD, JS = sys.argv[1:4]
PARTS = {"1": "classify", "2": "scan", "3": "milter", "4": "dlfunc"}
when = open(os.path.join(W, "when.txt")).read().strip()


def rd(name):
    path = os.path.join(W, name)
    return open(path, encoding="utf-8").read() if os.path.exists(path) else None


def pct(x):
    return "%+.1f %%" % x


def milter_section(m):
    out = ["## 3. Milter overhead in a real Postfix (%s messages per run, %d runs, "
           "%d parallel SMTP connections, discard sink)" % (m["n"], m["runs"], m["connections"]),
           "", when, "",
           "Postfix %s, three smtpd services differing only in smtpd_milters; "
           "time from the first connection until the last message has left the queue. "
           "Milter CPU is utime+stime of its processes / N; peak RSS is VmHWM (largest "
           "VmRSS sampled during the runs in brackets); sessions = most concurrent "
           "milter connections seen." % m["postfix_version"], ""]
    names = {"none": "no milter", "relayhint": "relayhint-milter",
             "opendkim": "OpenDKIM (%s, Mode v)" % m["opendkim_version"].split()[-1]}
    for kind, title in (("bounce", "bounces (null sender, multipart/report from Microsoft 365; "
                                   "relayhint-milter rewrites every one)"),
                        ("ordinary", "ordinary mail (normal sender, DKIM-signed)")):
        out += ["**%s**" % title, "",
                "| configuration | messages/s (runs) | overhead vs no milter | "
                "milter CPU µs/message | milter peak RSS MB | milter sessions |",
                "|---|---|---|---|---|---|"]
        for c in ("none", "relayhint", "opendkim"):
            r = m[kind][c]
            runs = ", ".join("%.0f" % x for x in r["runs_msgs_per_s"])
            if c == "none":
                out.append("| %s | %.0f (%s) | - | - | - | - |" % (names[c], r["msgs_per_s"], runs))
            else:
                out.append("| %s | %.0f (%s) | %s | %.0f | %.1f (%.1f) | %d |" % (
                    names[c], r["msgs_per_s"], runs, pct(r["overhead_pct"]),
                    r["cpu_us_per_msg"], r["hwm_kb"] / 1024, r["rss_max_kb"] / 1024,
                    r["sessions_max"]))
        out.append("")
    out.append("Checks: %d of %d bounces through relayhint-milter were enriched "
               "(\"action=hinted\" log lines received by the benchmark's syslog socket); Postfix delivered %d of %d messages "
               "(warm-up runs included)." % (m["hinted"], m["hinted_expected"],
                                             m["delivered"], m["delivered_expected"]))
    if m.get("perf"):
        out += ["", "Where relayhint-milter spends its CPU on bounces (perf record, "
                "self time, top symbols):", "", "```", m["perf"].rstrip(), "```"]
    return "\n".join(out) + "\n"


def milter_targets(m):
    b, o = m["bounce"]["relayhint"], m["ordinary"]["relayhint"]
    rss = max(b["hwm_kb"], o["hwm_kb"]) / 1024
    sess = max(b["sessions_max"], o["sessions_max"])
    t = {}
    ok = b["overhead_pct"] <= 5
    t["milter_bounce_5pct"] = ("milter overhead <= 5%% for bounces: %s, %s" % (
        pct(b["overhead_pct"]), "met" if ok else "NOT met (%.0f µs of milter CPU per bounce; "
        "OpenDKIM, for comparison: %s)" % (b["cpu_us_per_msg"],
                                            pct(m["bounce"]["opendkim"]["overhead_pct"]))))
    ok = o["overhead_pct"] < 1
    t["milter_ordinary_1pct"] = ("milter overhead < 1%% for ordinary mail: %s, %s" % (
        pct(o["overhead_pct"]), "met" if ok else "NOT met (the milter accepts at MAIL FROM, "
        "%.0f µs CPU per message; what remains is Postfix's milter round trip per "
        "message and connection; OpenDKIM: %s)" % (o["cpu_us_per_msg"],
                                                  pct(m["ordinary"]["opendkim"]["overhead_pct"]))))
    ok = rss < 20 and sess >= 0.9 * m["connections"]
    t["milter_rss_20mb"] = ("milter RSS < 20 MB at %d concurrent sessions: peak %.1f MB at "
                            "up to %d sessions, %s" % (m["connections"], rss, sess,
                                                       "met" if ok else "NOT met" +
                                                       (" (fewer sessions than connections)"
                                                        if rss < 20 else "")))
    return t


def dlfunc_section(d):
    out = ["## 4. Exim ${dlfunc}: per-call cost (CPU time)", "", when, ""]
    e, p = d.get("exim"), d.get("inprocess")
    out += ["| how | calls | relayhint_cause µs/call | relayhint_hint µs/call | "
            "first call in a process ms | answers right |", "|---|---|---|---|---|---|"]
    if e:
        out.append("| `exim -be` (Exim %s), one process, minus a trivial expansion "
                   "(%.2f s vs %.2f s CPU) | %d | %.1f | - | %.1f (over %d processes) | %d/%d |" % (
                       e["version"], e["dlfunc_cpu_s"], e["trivial_cpu_s"], e["calls"],
                       e["dlfunc_us_per_call"], e["first_call_cpu_ms"], e["processes"],
                       e["agree"], e["replies"]))
    else:
        out.append("| `exim -be` | skipped: %s | | | | |" % d.get("exim_skipped", ""))
    if p:
        out.append("| in process (bench_dlfunc: dlopen, Exim shim) | %d | %.1f | %.1f | %.1f | "
                   "%d/%d |" % (p["calls"], p["cause_ns_per_call"] / 1e3,
                                p["hint_ns_per_call"] / 1e3, p["first_call_cpu_ms"],
                                p["agree"], p["replies"]))
    out += ["", "Exim runs each delivery in a new process, so a delivery that calls the "
            "dlfunc pays the first-call cost (loading the rules and catalogs) once, "
            "then the per-call cost per call."]
    return "\n".join(out) + "\n"


def old_sections(text):
    """{"1": "## 1. ...\\n...", ...} from an existing RESULTS.md"""
    secs, cur = {}, None
    for line in text.splitlines(keepends=True):
        mo = re.match(r"## (\d)\. ", line)
        if mo:
            cur = mo.group(1)
            secs[cur] = ""
        elif line.startswith("## "):
            cur = None
        if cur:
            secs[cur] += line
    return secs


def main():
    old_md = open(MD, encoding="utf-8").read() if os.path.exists(MD) else ""
    try:
        old_js = json.load(open(JS, encoding="utf-8"))
    except (OSError, ValueError):
        old_js = {}
    old_secs = old_sections(old_md)
    old_t = old_js.get("target_lines", {})
    if not old_t:  # results written before report.py: the lines of RESULTS.md
        for line in old_md.split("## Targets", 1)[-1].splitlines():
            for pre, key in (("- classification", "classify_100x_sisimai"),
                             ("- log scan", "scan_half_grep")):
                if line.startswith(pre):
                    old_t[key] = line[2:]
    js = {k: v for k, v in json.loads(rd("head.json")).items()}
    secs, targets = {}, {}
    m, d = rd("milter.json"), rd("dlfunc.json")
    if m:
        m = json.loads(m)
        perf = rd("perf.txt")
        if perf:
            m["perf"] = perf
        secs["3"], js["milter"] = milter_section(m), m
        targets.update(milter_targets(m))
    if d:
        d = json.loads(d)
        secs["4"], js["dlfunc"] = dlfunc_section(d), d
    for n in ("1", "2"):
        s, j, t = rd("s%s.md" % n), rd("j%s.json" % n), rd("t%s.tsv" % n)
        if s:
            secs[n] = s
            js[PARTS[n]] = json.loads(j)
            for line in t.splitlines():
                k, v = line.split("\t", 1)
                targets[k] = v
    for n, key in PARTS.items():
        if n not in secs and n in old_secs:
            secs[n] = old_secs[n].rstrip("\n") + "\n"
            if key in old_js:
                js[key] = old_js[key]
            pre = {"1": "classify", "2": "scan", "3": "milter_", "4": "dlfunc"}[n]
            targets.update({k: v for k, v in old_t.items()
                            if k.startswith(pre) and k not in targets})
    order = ["classify_100x_sisimai", "scan_half_grep", "milter_bounce_5pct",
             "milter_ordinary_1pct", "milter_rss_20mb"]
    lines = [targets[k] for k in order if k in targets]
    js["target_lines"] = {k: targets[k] for k in order if k in targets}
    js["targets"] = {k: ("NOT met" if "NOT met" in v else "met") for k, v in
                     js["target_lines"].items()}
    body = rd("head.md").rstrip("\n") + "\n\n" + \
        "\n".join(secs[n] for n in sorted(secs)) + \
        "\n## Targets\n\n" + "".join("- %s\n" % l for l in lines)
    with open(MD, "w", encoding="utf-8") as f:
        f.write(body)
    with open(JS, "w", encoding="utf-8") as f:
        json.dump(js, f, indent=1, ensure_ascii=False)
        f.write("\n")
    for n in ("3", "4"):
        if n in secs and (rd("milter.json") if n == "3" else rd("dlfunc.json")):
            sys.stdout.write("\n" + secs[n])
    sys.stdout.write("\n## Targets\n\n" + "".join("- %s\n" % l for l in lines))


if __name__ == "__main__":
    main()
