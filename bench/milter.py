#!/usr/bin/python3
"""milter.py - what relayhint-milter costs a real Postfix (issue #6, part 3)

usage: milter.py SRCDIR OUT.json      (root; make bench-milter runs it)

Builds a PRIVATE Postfix instance under a fresh directory in BENCH_TMP
(/var/tmp) with tests/integration/pflab.py, as the integration tests do:
its own config, queue and data directories, loopback ports picked at run
time; the system's /etc/postfix is neither read nor changed.  Three smtpd services listen on three ports and differ only in
smtpd_milters:

  none       no milter;
  relayhint  build/relayhint-milter (as user nobody, one syslog datagram
             per enriched bounce: log_repeat_window = 0, the worst case);
  opendkim   Debian's OpenDKIM in verify mode (Mode v), the reference
             point: a C milter a site commonly runs.

Every message goes to the same sink, Postfix's discard transport: the
cheapest delivery there is, so the milter's share of the time is as
large as it can be.  A run injects N messages over CONC parallel SMTP
connections (so the milter sees CONC concurrent sessions) and ends when
the last one has left the queue: the time covers acceptance (smtpd,
cleanup and the milter, which run before the queue) and delivery.

Two kinds of message:
  bounce     null sender, the multipart/report bounces Postfix wrote for
             Microsoft 365 refusals (tests/data/postfix/hard-*.eml), each
             of which relayhint-milter rewrites;
  ordinary   a plain message from a normal sender, DKIM-signed (a key
             made for this run, published to OpenDKIM with
             TestPublicKeys), so OpenDKIM really verifies it.

Runs alternate the order of the configurations, round after round; the
figures are medians.  Per configuration and kind: messages/s, overhead
against no milter, milter CPU per message (utime+stime of the milter's
processes from /proc/PID/stat, delta / N), peak RSS (VmHWM, and the
largest VmRSS sampled during the runs) and the largest number of
concurrent milter sessions (established TCP connections to the milter's
port, sampled every 50 ms).  The bounce runs also check that every
bounce was enriched (one "action=hinted" log line each).

Environment: BENCH_MILTER_N (600: the whole part then takes about two
minutes on two busy cores; the issue asks for about 2000), BENCH_MILTER_RUNS
(3), BENCH_MILTER_CONC (50), BENCH_TMP (/var/tmp), BENCH_PERF=1 (one more
bounce run under "perf record" on relayhint-milter's worker; its top
symbols go into the JSON as "perf"), KEEP=1 keeps the work directory.  Progress goes to stderr; the result, one JSON object, to
OUT.json.
"""
import glob
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration"))
import pflab  # noqa: E402
from pflab import established, free_port, run, wait_for, write  # noqa: E402

SRC, OUT = sys.argv[1], sys.argv[2]
N = int(os.environ.get("BENCH_MILTER_N", "600"))
RUNS = int(os.environ.get("BENCH_MILTER_RUNS", "3"))
CONC = int(os.environ.get("BENCH_MILTER_CONC", "50"))
TMP = os.environ.get("BENCH_TMP", "/var/tmp")
OPENDKIM = "/usr/sbin/opendkim"
CONFIGS = ("none", "relayhint", "opendkim")
KINDS = ("bounce", "ordinary")
WARMUP = 2 * CONC
HZ = os.sysconf("SC_CLK_TCK")
T0 = time.time()


def note(text):
    sys.stderr.write("   [%5.1fs] %s\n" % (time.time() - T0, text))
    sys.stderr.flush()


W = LAB = None
P_SMTP = {c: free_port() for c in CONFIGS}
P_RH, P_DKIM = free_port(), free_port()
MILTER_PORT = {"relayhint": P_RH, "opendkim": P_DKIM}


# ---------------------------------------------------------------- messages

def crlf_dotstuff(text):
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return "".join(("." + l if l.startswith(".") else l) + "\r\n" for l in lines).encode()


def bounce_messages():
    """The recorded bounces as Postfix wrote them, before local delivery
    added its own header fields."""
    out = []
    for path in sorted(glob.glob(os.path.join(SRC, "tests/data/postfix/hard-*.eml"))):
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            text = f.read()
        head, sep, body = text.partition("\n\n")
        head = re.sub(r"^(Return-Path|X-Original-To|Delivered-To):.*\n", "",
                      head + "\n", flags=re.M | re.I)
        out.append(crlf_dotstuff(head + "\n" + body))
    if not out:
        raise RuntimeError("no tests/data/postfix/hard-*.eml")
    return out


def ordinary_message(keyfile):
    import dkim  # Debian python3-dkim
    body = ("Hello Bob,\n\nthe quarterly figures are attached to the shared folder; "
            "the summary is below.\n\n" +
            "".join("  line %02d: %s\n" % (i, "figures and words " * 3) for i in range(30)) +
            "\nRegards,\nAlice\n")
    msg = ("From: Alice Example <alice@example.org>\n"
           "To: Bob Example <bob@sink.example.test>\n"
           "Subject: Quarterly figures\n"
           "Date: Mon, 23 Nov 2026 09:00:00 +0000\n"
           "Message-ID: <bench.1@example.org>\n"
           "MIME-Version: 1.0\n"
           "Content-Type: text/plain; charset=utf-8\n"
           "Content-Transfer-Encoding: 8bit\n\n" + body).replace("\n", "\r\n").encode()
    with open(keyfile, "rb") as f:
        key = f.read()
    sig = dkim.sign(msg, b"bench", b"example.org", key,
                    include_headers=[b"from", b"to", b"subject", b"date", b"message-id"],
                    canonicalize=(b"relaxed", b"simple"))
    return [crlf_dotstuff((sig + msg).decode())]


# ---------------------------------------------------------------- setup

def setup_postfix():
    LAB.write_main_cf("bench/milter.py", "bench.example.test", """\
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
default_transport = discard:bench-sink
relay_transport = discard:bench-sink
in_flow_delay = 0s
notify_classes =
milter_default_action = accept
milter_connect_timeout = 5s
milter_command_timeout = 10s
milter_content_timeout = 20s
""")
    LAB.start_postfix([(P_SMTP[c], "-o smtpd_milters=" +
                        ("inet:127.0.0.1:%d" % MILTER_PORT[c] if c in MILTER_PORT else ""))
                       for c in CONFIGS])


class HintCounter(pflab.SyslogSink):
    """The unix datagram socket relayhint-milter logs to; counts lines."""

    def __init__(self, path):
        self.hinted = 0
        self.other = []
        super().__init__(path)

    def take(self, data):
        if b"action=hinted" in data:
            self.hinted += 1
        elif len(self.other) < 20:
            self.other.append(data.decode("utf-8", "replace"))


def start_relayhint():
    sink = HintCounter(LAB.logsock)
    conf = os.path.join(LAB.rundir, "relayhint.conf")
    write(conf, LAB.milter_conf("bench/milter.py", P_RH, use_content_language="yes"))
    out = os.path.join(W, "relayhint-milter.out")
    if not LAB.start_milter(conf, P_RH, "relayhint", out=out):
        raise RuntimeError("relayhint-milter did not start: " + open(out).read()[:300])
    return sink


def start_opendkim():
    d = os.path.join(W, "dkim")
    os.makedirs(d)
    os.chmod(d, 0o755)
    key = os.path.join(d, "bench.key")
    run(["openssl", "genrsa", "-out", key, "2048"])
    der = subprocess.run(["openssl", "rsa", "-in", key, "-pubout", "-outform", "DER"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True).stdout
    import base64
    write(os.path.join(d, "keys"), "bench._domainkey.example.org v=DKIM1; k=rsa; p=%s\n"
          % base64.b64encode(der).decode())
    conf = os.path.join(d, "opendkim.conf")
    # Syslog off: this machine has no /dev/log (relayhint-milter's log
    # lines go to our sink, which costs it a datagram per bounce)
    write(conf, "# written by bench/milter.py\n"
          "Mode v\nSocket inet:%d@127.0.0.1\nUserID opendkim\nSyslog no\n"
          "Canonicalization relaxed/simple\nPidFile %s/opendkim.pid\n"
          "TestPublicKeys %s/keys\n" % (P_DKIM, d, d))
    out = os.path.join(W, "opendkim.out")
    if not LAB.start_milter(conf, P_DKIM, "opendkim", cmd=[OPENDKIM, "-f", "-x", conf], out=out):
        raise RuntimeError("opendkim did not start: " + open(out).read()[:300])
    return key


# ---------------------------------------------------------------- /proc

def milter_pids(c):
    return LAB.daemon_pids(c)


def cpu_ticks(pids):
    t = 0
    for pid in pids:
        try:
            fields = pflab.proc_stat(pid)
            t += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return t


def status_kb(pids, key):
    """The largest KEY (VmRSS, VmHWM) among pids, in kB."""
    return max((pflab.status_kb(pid, key) for pid in pids), default=0)


def sys_busy():
    """Busy clock ticks of the whole machine (all CPUs), from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v[:8]) - v[3] - v[4]  # all but idle and iowait


class Sampler:
    def __init__(self, config):
        self.config = config
        self.port = MILTER_PORT.get(config)
        self.pids = milter_pids(config) if self.port else []
        self.max_sessions = self.max_rss = 0
        self.stop = threading.Event()
        self.t = threading.Thread(target=self._loop, daemon=True)
        if self.port:
            self.t.start()

    def _loop(self):
        while not self.stop.is_set():
            self.max_sessions = max(self.max_sessions, established(self.port))
            self.max_rss = max(self.max_rss, status_kb(self.pids, "VmRSS"))
            self.stop.wait(0.05)

    def done(self):
        self.stop.set()
        if self.port:
            self.t.join()


# ---------------------------------------------------------------- injection

def queue_files():
    spool = LAB.spool
    n = 0
    for q in ("maildrop", "incoming", "active", "deferred", "hold"):
        for _root, _dirs, files in os.walk(os.path.join(spool, q)):
            n += len(files)
    return n


def reply(f):
    """One SMTP reply (possibly multi-line): its code."""
    while True:
        line = f.readline()
        if not line:
            raise RuntimeError("connection closed")
        if line[3:4] != b"-":
            return int(line[:3])


def client(port, sender, rcpt, msgs, count, errors):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=60)
        f = s.makefile("rb")
        if reply(f) != 220:
            raise RuntimeError("no greeting")
        s.sendall(b"EHLO client.example.test\r\n")
        if reply(f) != 250:
            raise RuntimeError("EHLO refused")
        env = ("MAIL FROM:<%s>\r\nRCPT TO:<%s>\r\nDATA\r\n" % (sender, rcpt)).encode()
        for i in range(count):
            s.sendall(env)  # PIPELINING: three commands, three replies
            codes = (reply(f), reply(f), reply(f))
            if codes != (250, 250, 354):
                raise RuntimeError("envelope replies %s" % (codes,))
            s.sendall(msgs[i % len(msgs)] + b".\r\n")
            code = reply(f)
            if code != 250:
                raise RuntimeError("end of data: %d" % code)
        s.sendall(b"QUIT\r\n")
        reply(f)
        s.close()
    except (OSError, RuntimeError) as e:
        errors.append(str(e))


def inject(config, kind, n, msgs):
    sender, rcpt = ("", "alice@sink.example.test") if kind == "bounce" else \
        ("alice@example.org", "bob@sink.example.test")
    errors = []
    shares = [n // CONC + (1 if i < n % CONC else 0) for i in range(CONC)]
    sampler = Sampler(config)
    pids = sampler.pids
    cpu0, busy0 = cpu_ticks(pids), sys_busy()
    t0 = time.monotonic()
    threads = [threading.Thread(target=client, args=(P_SMTP[config], sender, rcpt,
                                                     msgs[i % len(msgs):] + msgs[:i % len(msgs)],
                                                     k, errors))
               for i, k in enumerate(shares) if k]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    t_acc = time.monotonic() - t0
    if not wait_for(lambda: queue_files() == 0, 120, 0.02):
        raise RuntimeError("%s/%s: the queue did not drain" % (config, kind))
    t_all = time.monotonic() - t0
    sampler.done()
    cpu, busy = cpu_ticks(pids) - cpu0, sys_busy() - busy0
    if errors:
        raise RuntimeError("%s/%s: %d client errors, first: %s" % (config, kind, len(errors),
                                                                   errors[0]))
    return {"s": t_all, "accept_s": t_acc, "cpu_s": cpu / HZ, "sys_cpu_s": busy / HZ,
            "sessions": sampler.max_sessions, "rss_kb": sampler.max_rss,
            "hwm_kb": status_kb(pids, "VmHWM") if pids else 0}


# ---------------------------------------------------------------- main

def cleanup():
    if LAB:
        LAB.cleanup(("relayhint", "opendkim"))
    if W and os.environ.get("KEEP") != "1":
        shutil.rmtree(W, ignore_errors=True)
    elif W:
        note("work directory kept: " + W)


def main():
    global W, LAB
    W = __import__("tempfile").mkdtemp(prefix="relayhint-bench-milter.", dir=TMP)
    os.chmod(W, 0o755)
    LAB = pflab.Lab(W, SRC)
    LAB.prepare()
    sink = start_relayhint()
    key = start_opendkim()
    setup_postfix()
    msgs = {"bounce": bounce_messages(), "ordinary": ordinary_message(key)}
    note("Postfix on %s, relayhint-milter on %d, opendkim on %d; N=%d, %d runs, %d connections"
         % (P_SMTP, P_RH, P_DKIM, N, RUNS, CONC))
    # warm up: smtpd processes, milter threads, page cache
    for kind in KINDS:
        for c in CONFIGS:
            inject(c, kind, WARMUP, msgs[kind])
    hinted0 = sink.hinted
    res = {k: {c: [] for c in CONFIGS} for k in KINDS}
    for r in range(RUNS):
        order = CONFIGS if r % 2 == 0 else tuple(reversed(CONFIGS))
        for kind in KINDS:
            for c in order:
                x = inject(c, kind, N, msgs[kind])
                res[kind][c].append(x)
                note("round %d %-8s %-9s %6.0f msg/s  milter cpu %.2f s  machine cpu %.2f s  "
                     "sessions %d" % (r + 1, kind, c, N / x["s"], x["cpu_s"], x["sys_cpu_s"],
                                      x["sessions"]))
    # every bounce that went through relayhint-milter was enriched
    time.sleep(0.5)
    hinted = sink.hinted - hinted0
    with open(os.path.join(W, "postfix.log"), errors="replace") as f:
        plog = f.read()
    sent = plog.count("status=sent (bench-sink)")
    expect_sent = (len(CONFIGS) * len(KINDS)) * (WARMUP + RUNS * N)
    out = {"n": N, "runs": RUNS, "connections": CONC, "sink": "discard",
           "bounce_files": len(msgs["bounce"]),
           "hinted": hinted, "hinted_expected": RUNS * N,
           "delivered": sent, "delivered_expected": expect_sent,
           "milter_warnings": sink.other[:5],
           "opendkim_version": run([OPENDKIM, "-V"]).splitlines()[0].strip(),
           "postfix_version": run(["postconf", "-dh", "mail_version"]).strip()}
    for kind in KINDS:
        base = statistics.median(N / x["s"] for x in res[kind]["none"])
        out[kind] = {}
        for c in CONFIGS:
            xs = res[kind][c]
            mps = statistics.median(N / x["s"] for x in xs)
            out[kind][c] = {
                "msgs_per_s": round(mps, 1),
                "runs_msgs_per_s": [round(N / x["s"], 1) for x in xs],
                "overhead_pct": round((base / mps - 1) * 100, 2),
                "cpu_us_per_msg": round(statistics.median(x["cpu_s"] for x in xs) / N * 1e6, 1),
                "sys_cpu_us_per_msg": round(statistics.median(x["sys_cpu_s"] for x in xs) / N * 1e6, 1),
                "hwm_kb": max(x["hwm_kb"] for x in xs),
                "rss_max_kb": max(x["rss_kb"] for x in xs),
                "sessions_max": max(x["sessions"] for x in xs),
            }
    if os.environ.get("BENCH_PERF") == "1" and shutil.which("perf"):
        data = os.path.join(W, "perf.data")
        pr = subprocess.Popen(["perf", "record", "-q", "-o", data, "-p",
                               ",".join(str(p) for p in milter_pids("relayhint"))],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1)
        inject("relayhint", "bounce", N, msgs["bounce"])
        pr.send_signal(signal.SIGINT)
        pr.wait(30)
        rep = run(["perf", "report", "-i", data, "--stdio", "--no-children",
                   "--sort", "dso,symbol", "--percent-limit", "1.5"], timeout=120)
        out["perf"] = "\n".join(l for l in rep.splitlines()
                                if l.strip() and not l.startswith("#"))[:3000]
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
    if hinted != RUNS * N:
        note("WARNING: %d of %d bounces through relayhint-milter were enriched" % (hinted, RUNS * N))


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # noqa: BLE001 - report, clean up, fail
        sys.stderr.write("milter.py: %s\n" % e)
        cleanup()
        sys.exit(1)
    cleanup()
