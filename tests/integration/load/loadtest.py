#!/usr/bin/python3
"""loadtest.py - relayhint-milter under load and faults, behind a real Postfix.

usage: loadtest.py WORKDIR SRCDIR      (run by run.sh, as root)

Builds a private Postfix instance under WORKDIR with
tests/integration/pflab.py, as pfxtest.py does (own config, queue and data
directories, loopback ports picked free at start, the milter as user
nobody, the fake Microsoft 365 server tests/integration/postfix/fake_m365.py), with the milter in
smtpd_milters and non_smtpd_milters (default_action=accept) and
milter timeouts of 5 s.  Then:

  main      RH_LOAD_N (default 10000) null-sender multipart/report
            bounces, built from tests/data/postfix/*.eml, injected over
            SMTP by RH_LOAD_CONC (default 60) parallel clients (their
            first sessions are held open together, so the milter has
            that many sessions at once), plus
            RH_LOAD_BOUNCES (default 200) messages relayed to the fake
            Microsoft 365 server, whose 535 makes Postfix write its own
            bounces (non_smtpd_milters).  Checked: every id delivered
            exactly once, >= 95 % enriched, peak concurrent milter
            sessions >= 50, the milter's RSS growth and fd count.
  kill      the whole daemon (supervisor and worker) SIGKILLed mid-run,
            restarted;
  killw     only the worker SIGKILLed, the supervisor restarts it;
  stop      the whole daemon SIGSTOPped for 8 s (past the 5 s milter
            timeouts), then SIGCONT.
            Each fault phase: RH_LOAD_FAULT_N (default N/30, at least
            300) messages, all delivered exactly once, and the messages
            sent after recovery all enriched.
  privs     a second milter on a unix socket: every process runs as
            nobody, the socket is not world-writable.
  syslog    no line the milter wrote contains the body marker or the
            password-looking string every injected message carries.

Every message carries X-Load-Id: PHASE-N; delivery is to one Maildir
(virtual(8)), where the ids are counted.  Output: PASS:/FAIL: lines and
"# figure: ..." lines with the numbers (messages in/out, peak
concurrency, RSS and fds before/after, durations).
"""
import glob
import json
import os
import re
import signal
import smtplib
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import pflab  # noqa: E402
from pflab import (SyslogSink, established, free_port, note, port_open, run, say,  # noqa: E402
                   status_kb, wait_for, write)

W, SRC = sys.argv[1], sys.argv[2]
LAB = pflab.Lab(W, SRC)
T0 = pflab.T0
N = int(os.environ.get("RH_LOAD_N", "10000"))
CONC = int(os.environ.get("RH_LOAD_CONC", "60"))
NFAULT = int(os.environ.get("RH_LOAD_FAULT_N", str(max(300, N // 30))))
NBOUNCE = int(os.environ.get("RH_LOAD_BOUNCES", "200"))
PER_CONN = 50                   # messages per SMTP session, then QUIT
MIN_CONC = 50                   # the floor for concurrent sessions
ENRICH_MIN = 0.95               # main phase: share of bounces enriched
RSS_GROWTH_MAX_KB = 16 * 1024   # main phase: supervisor+worker RSS growth
STOP_SECONDS = 8                # SIGSTOP length, > the 5 s milter timeouts
BODY_MARKER = "RHLOADBODYMARKER"
SECRET = "password=Xy7-LoadTestSecret-Q9"
T = pflab.Checks("load: ")
check = T.check
procs = LAB.procs


# ---------------------------------------------------------------- output

def figure(text):
    say("# figure: " + text)


# ---------------------------------------------------------------- layout

ETC, MAIL, RUN, PFLOG = LAB.etc, LAB.mail, LAB.rundir, LAB.pflog
M365_CFG = os.path.join(RUN, "m365.json")
CONF = os.path.join(RUN, "relayhint.conf")
LOGSOCK = LAB.logsock
P_SMTP, P_M365, P_MILTER = (free_port() for _ in range(3))
SINK = "sink"                   # the Maildir every message ends in


def milter_conf(**over):
    return LAB.milter_conf("tests/integration/load/loadtest.py", P_MILTER, **over)


def setup_postfix():
    LAB.prepare()
    LAB.write_sasl(P_M365)
    milter = "{ inet:127.0.0.1:%d, default_action=accept }" % P_MILTER
    LAB.write_main_cf("tests/integration/load", "relay.example.test", LAB.m365_cf(P_M365, milter) + """\
mynetworks = 127.0.0.0/8
virtual_mailbox_maps = inline:{{ {sink}@relay.example.test={sink}/ }}
notify_classes = resource, software
milter_content_timeout = 5s
default_process_limit = 150
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
smtpd_client_message_rate_limit = 0
in_flow_delay = 0
smtpd_recipient_restrictions = permit_mynetworks, reject
""".format(sink=SINK))
    LAB.start_postfix([(P_SMTP, "")])


def start_m365():
    write(M365_CFG, json.dumps({"auth_reply": "535 5.7.3 Authentication unsuccessful "
                                "[SN4PR0501CA0054.namprd05.prod.outlook.com]"}))
    LAB.start_m365(P_M365, M365_CFG, ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"))


# ---------------------------------------------------------------- the milter

def start_milter(name="milter", conf=CONF, port=P_MILTER):
    return LAB.start_milter(conf, port, name)


worker_pids, daemon_pids, stop_milter = LAB.worker_pids, LAB.daemon_pids, LAB.stop_milter


def nfds(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return -1


def mem_figures():
    pids = daemon_pids()
    return {"pids": pids, "rss": sum(status_kb(p, "VmRSS") for p in pids),
            "hwm": sum(status_kb(p, "VmHWM") for p in pids),
            "fds": sum(nfds(p) for p in pids)}


class Sampler:
    """The peak of concurrent milter sessions, sampled every 0.1 s."""

    def __init__(self, port):
        self.port, self.peak, self.stop = port, 0, False
        self.t = threading.Thread(target=self._loop, daemon=True)
        self.t.start()

    def _loop(self):
        while not self.stop:
            self.peak = max(self.peak, established(self.port))
            time.sleep(0.1)

    def done(self):
        self.stop = True
        self.t.join()
        return self.peak


# ---------------------------------------------------------------- messages

def template():
    """A Postfix bounce from tests/data/postfix, delivery headers removed, CRLF."""
    path = os.path.join(SRC, "tests", "data", "postfix", "hard-535-5.7.3.eml")
    with open(path, "rb") as f:
        raw = f.read().decode("utf-8", "replace").replace("\r\n", "\n")
    head, body = raw.split("\n\n", 1)
    lines, keep = head.split("\n"), []
    drop = False
    for line in lines:
        if line[:1] in (" ", "\t"):
            if not drop:
                keep.append(line)
            continue
        drop = line.split(":", 1)[0].lower() in ("return-path", "x-original-to", "delivered-to",
                                                  "received", "to", "subject")
        if not drop:
            keep.append(line)
    # the body marker and the secret go in the notification text
    body = body.replace("The mail system\n",
                        "The mail system\n\n%s {id}\nThe relay used %s\n" % (BODY_MARKER, SECRET), 1)
    return "\n".join(keep), body


HEAD, BODY = template()


def bounce_msg(mid):
    hdr = HEAD + "\nTo: %s@relay.example.test\nSubject: Undelivered Mail Returned to Sender " \
        "(%s)\nX-Load-Id: %s\n" % (SINK, SECRET, mid)
    return (hdr + "\n" + BODY.replace("{id}", mid)).replace("\n", "\r\n").encode("utf-8")


def plain_msg(mid):
    return ("From: %s@relay.example.test\r\nTo: bob@customer.example\r\nSubject: relay %s\r\n"
            "X-Load-Id: %s\r\n\r\n%s %s\r\n" % (SINK, mid, mid, BODY_MARKER, SECRET)).encode()


class Injector:
    """CONC threads sending ids over SMTP, PER_CONN per session; retried on 4xx/errors."""

    def __init__(self, ids, conc, build=bounce_msg, sender="", rcpt=SINK + "@relay.example.test",
                 hold=False):
        self.ids, self.build, self.sender, self.rcpt = list(ids), build, sender, rcpt
        # hold: every client's first session waits, connected, until all
        # are, so the milter holds conc sessions at once however slow
        # the machine is (Postfix opens the milter session before its 220)
        self.barrier = threading.Barrier(conc, timeout=90) if hold else None
        self.lock = threading.Lock()
        self.next = 0
        self.accepted, self.retries, self.refused = {}, 0, []
        self.threads = [threading.Thread(target=self._loop, daemon=True) for _ in range(conc)]

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def join(self, timeout):
        end = time.time() + timeout
        for t in self.threads:
            t.join(max(0.1, end - time.time()))
        return not any(t.is_alive() for t in self.threads)

    def sent(self):
        with self.lock:
            return len(self.accepted)

    def _take(self, k):
        with self.lock:
            out = self.ids[self.next:self.next + k]
            self.next += len(out)
            return out

    def _loop(self):
        while True:
            batch = self._take(PER_CONN)
            if not batch:
                return
            tries = 0
            while batch and tries < 20:
                try:
                    with smtplib.SMTP("127.0.0.1", P_SMTP, timeout=60) as s:
                        if self.barrier is not None:
                            s.ehlo()
                            try:
                                self.barrier.wait()
                            except threading.BrokenBarrierError:
                                pass
                            self.barrier = None
                        while batch:
                            s.sendmail(self.sender, [self.rcpt], self.build(batch[0]))
                            with self.lock:
                                self.accepted[batch[0]] = self.accepted.get(batch[0], 0) + 1
                            batch.pop(0)
                except (smtplib.SMTPException, OSError):
                    tries += 1
                    with self.lock:
                        self.retries += 1
                    time.sleep(0.5)
            if batch:
                with self.lock:
                    self.refused.extend(batch)


# ---------------------------------------------------------------- the mailbox

class Mailbox:
    """Counts X-Load-Id values in the sink Maildir, reading each file once."""

    def __init__(self):
        self.seen = set()
        self.count = {}         # id -> deliveries
        self.enriched = {}      # id -> enriched deliveries
        self.multi = []         # files with more than one id

    def scan(self):
        for p in glob.glob(os.path.join(MAIL, SINK, "new", "*")):
            if p in self.seen:
                continue
            self.seen.add(p)
            with open(p, "rb") as f:
                raw = f.read()
            ids = set(re.findall(rb"^X-Load-Id: (\S+)", raw, re.M))
            if len(ids) != 1:
                self.multi.append(p)
            enr = re.search(rb"^X-Relayhint-Cause: \S", raw.split(b"\n\n", 1)[0], re.M) is not None
            for i in ids:
                i = i.decode()
                self.count[i] = self.count.get(i, 0) + 1
                if enr:
                    self.enriched[i] = self.enriched.get(i, 0) + 1
        return len(self.seen)

    def wait(self, ids, timeout):
        ids = list(ids)
        end = time.time() + timeout
        while time.time() < end:
            self.scan()
            if all(i in self.count for i in ids):
                break
            time.sleep(0.5)
        self.scan()
        return self.verdict(ids)

    def verdict(self, ids):
        missing = [i for i in ids if i not in self.count]
        dup = [i for i in ids if self.count.get(i, 0) > 1]
        enr = sum(1 for i in ids if self.enriched.get(i))
        return missing, dup, enr


queue_empty = LAB.queue_empty


def sessions_gone(port):
    return wait_for(lambda: established(port) == 0, 30)


# ---------------------------------------------------------------- phases

def phase_main(box):
    note("main: %d bounces over SMTP, %d clients, %d per session; %d relayed for Postfix's "
         "own bounces" % (N, CONC, PER_CONN, NBOUNCE))
    # warm-up: as many sessions as the run will have, so libmilter's threads
    # and malloc's arenas exist before the "before" figures
    warm = ["warm-%d" % i for i in range(CONC * 2)]
    inj = Injector(warm, CONC).start()
    inj.join(120)
    box.wait(warm, 60)
    sessions_gone(P_MILTER)
    time.sleep(1)
    before = mem_figures()
    ids = ["main-%d" % i for i in range(N)]
    pb = ["pb-%d" % i for i in range(NBOUNCE)]
    t = time.time()
    samp = Sampler(P_MILTER)
    inj = Injector(ids, CONC, hold=True).start()
    # Postfix's own bounces: a handful of clients, mail relayed to the fake M365
    inj2 = Injector(pb, 4, build=plain_msg, sender=SINK + "@relay.example.test",
                    rcpt="bob@customer.example").start()
    done = inj.join(420) and inj2.join(60)
    t_in = time.time() - t
    missing, dup, enr = box.wait(ids, 120)
    t_out = time.time() - t
    pmissing, pdup, penr = box.wait(pb, 60)
    peak = samp.done()
    sessions_gone(P_MILTER)
    wait_for(queue_empty, 30)
    time.sleep(1)
    after = mem_figures()
    figure("main: messages in %d (accepted %d, SMTP retries %d), delivered %d, enriched %d "
           "(%.1f%%), in %.1f s (%.0f msg/s in), all delivered after %.1f s"
           % (N, inj.sent(), inj.retries, N - len(missing), enr, 100.0 * enr / max(1, N), t_in,
              N / max(0.1, t_in), t_out))
    figure("main: Postfix's own bounces: %d relayed, %d bounces delivered, %d enriched"
           % (NBOUNCE, NBOUNCE - len(pmissing), penr))
    figure("main: peak concurrent milter sessions %d" % peak)
    figure("main: milter RSS before %d kB, after %d kB (growth %d kB, bound %d kB); VmHWM "
           "before %d kB, after %d kB" % (before["rss"], after["rss"], after["rss"] - before["rss"],
                                          RSS_GROWTH_MAX_KB, before["hwm"], after["hwm"]))
    figure("main: milter fds before %d, after %d (pids %s)" % (before["fds"], after["fds"],
                                                              after["pids"]))
    check("main: injection finished", done and not inj.refused and not inj2.refused,
          "refused %d+%d" % (len(inj.refused), len(inj2.refused)))
    check("main: every id delivered (%d)" % N, not missing,
          "%d missing, e.g. %s" % (len(missing), missing[:5]))
    check("main: no id delivered twice", not dup, "%d duplicates, e.g. %s" % (len(dup), dup[:5]))
    check("main: >= %d%% enriched" % int(ENRICH_MIN * 100), enr >= ENRICH_MIN * N,
          "%d of %d" % (enr, N))
    check("main: Postfix's own bounces delivered exactly once (%d)" % NBOUNCE,
          not pmissing and not pdup, "%d missing, %d twice" % (len(pmissing), len(pdup)))
    check("main: Postfix's own bounces enriched (non_smtpd_milters)", penr >= ENRICH_MIN * NBOUNCE,
          "%d of %d" % (penr, NBOUNCE))
    check("main: peak concurrent milter sessions >= %d" % MIN_CONC, peak >= MIN_CONC,
          "peak %d" % peak)
    check("main: same milter processes before and after", before["pids"] == after["pids"],
          "%s -> %s" % (before["pids"], after["pids"]))
    check("main: RSS growth <= %d kB" % RSS_GROWTH_MAX_KB,
          after["rss"] - before["rss"] <= RSS_GROWTH_MAX_KB,
          "%d -> %d kB" % (before["rss"], after["rss"]))
    check("main: fd count back to baseline", after["fds"] <= before["fds"],
          "%d -> %d" % (before["fds"], after["fds"]))


def fault_phase(box, name, fault, recover):
    """NFAULT ids: the first 2/3 concurrently with the fault, the last 1/3 after recovery."""
    ids = ["%s-%d" % (name, i) for i in range(NFAULT)]
    cut = NFAULT * 2 // 3
    t = time.time()
    inj = Injector(ids[:cut], CONC).start()
    wait_for(lambda: inj.sent() >= cut // 4, 60, 0.05)
    at = inj.sent()
    fault()
    what = recover()
    done1 = inj.join(300)
    # after recovery: fresh sessions, fewer clients
    inj2 = Injector(ids[cut:], 10).start()
    done2 = inj2.join(300)
    missing, dup, enr_all = box.wait(ids, 120)
    _, _, enr_after = box.verdict(ids[cut:])
    figure("%s: messages in %d (fault after %d accepted, SMTP retries %d), delivered %d, "
           "enriched %d, enriched after recovery %d of %d, %.1f s; %s"
           % (name, NFAULT, at, inj.retries + inj2.retries, NFAULT - len(missing), enr_all,
              enr_after, NFAULT - cut, time.time() - t, what))
    check("%s: injection finished" % name, done1 and done2 and not inj.refused
          and not inj2.refused, "refused %d" % (len(inj.refused) + len(inj2.refused)))
    check("%s: every id delivered (%d)" % (name, NFAULT), not missing,
          "%d missing, e.g. %s" % (len(missing), missing[:5]))
    check("%s: no id delivered twice" % name, not dup, "%d duplicates" % len(dup))
    check("%s: enrichment resumed (all %d sent after recovery enriched)" % (name, NFAULT - cut),
          enr_after == NFAULT - cut, "%d of %d" % (enr_after, NFAULT - cut))


def phase_kill(box):
    note("kill: SIGKILL the whole daemon mid-run, restart it")

    def fault():
        for pid in daemon_pids():
            os.kill(pid, signal.SIGKILL)
        procs["milter"].wait(10)
        procs.pop("milter")

    def recover():
        time.sleep(2)
        t = time.time()
        ok = start_milter()
        check("kill: milter restarted", ok, open(os.path.join(W, "milter.out")).read()[-300:])
        return "restarted in %.1f s" % (time.time() - t)
    fault_phase(box, "kill", fault, recover)


def phase_killw(box):
    note("killw: SIGKILL only the worker; the supervisor restarts it")
    old = {}

    def fault():
        old["w"] = worker_pids()
        for pid in old["w"]:
            os.kill(pid, signal.SIGKILL)

    def recover():
        t = time.time()
        new = wait_for(lambda: [w for w in worker_pids() if w not in old["w"]] and
                       port_open(P_MILTER), 20)
        check("killw: supervisor restarted the worker", old["w"] and new,
              "workers before %s, now %s" % (old["w"], worker_pids()))
        return "worker %s -> %s in %.1f s" % (old["w"], worker_pids(), time.time() - t)
    fault_phase(box, "killw", fault, recover)


def phase_stop(box):
    note("stop: SIGSTOP the whole daemon for %d s (milter timeouts 5 s), then SIGCONT"
         % STOP_SECONDS)
    pids = {}

    def timeouts():
        try:
            with open(PFLOG, errors="replace") as f:
                return sum(1 for l in f if "milter" in l and "timed out" in l)
        except OSError:
            return 0

    def fault():
        pids["t"] = timeouts()
        pids["p"] = daemon_pids()
        for pid in pids["p"]:
            os.kill(pid, signal.SIGSTOP)

    def recover():
        time.sleep(STOP_SECONDS)
        for pid in pids["p"]:
            os.kill(pid, signal.SIGCONT)
        check("stop: same processes after SIGCONT", daemon_pids() == pids["p"],
              "%s -> %s" % (pids["p"], daemon_pids()))
        n = timeouts() - pids["t"]
        check("stop: Postfix hit its milter timeouts while the milter was stopped", n > 0,
              "no 'timed out' milter line in %s" % PFLOG)
        return "stopped %d s, %d Postfix milter timeouts logged" % (STOP_SECONDS, n)
    fault_phase(box, "stop", fault, recover)


def phase_privs():
    note("privs: a second milter on a unix socket, started as root with user = nobody")
    sockdir = os.path.join(RUN, "usock")
    path = os.path.join(sockdir, "milter.sock")
    conf = os.path.join(RUN, "unix.conf")
    write(conf, milter_conf(socket="unix:" + path, pid_file=""))
    if not check("privs: unix-socket milter starts", start_milter("umilter", conf, None)
                 and wait_for(lambda: os.path.exists(path), 10),
                 open(os.path.join(W, "umilter.out")).read()[-300:]):
        return
    pids = daemon_pids("umilter")
    uids = {}
    for pid in pids:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("Uid:"):
                    uids[pid] = [int(x) for x in line.split()[1:]]
    figure("privs: processes %s uids (real, effective, saved, fs) %s; socket mode %o"
           % (pids, uids, os.stat(path).st_mode & 0o7777))
    check("privs: supervisor and worker run as nobody (all four uids)",
          len(pids) == 2 and all(u == [65534] * 4 for u in uids.values()), "uids %s" % uids)
    mode = os.stat(path).st_mode
    check("privs: unix socket is not world-writable", not mode & 0o002, "mode %o" % mode)
    check("privs: unix socket owned by nobody", os.stat(path).st_uid == 65534,
          "uid %d" % os.stat(path).st_uid)
    stop_milter("umilter")


def phase_syslog(sink):
    lines = sink.all()
    body = [l for l in lines if BODY_MARKER.encode() in l]
    secret = [l for l in lines if b"LoadTestSecret" in l or b"NotTheRealPassword1" in l]
    ctl = [l for l in lines if re.search(rb"[\x00-\x08\x0a-\x1f\x7f]", l.rstrip(b"\n"))]
    figure("syslog: %d lines from the milter" % len(lines))
    check("syslog: lines were captured", len(lines) > N // 2, "%d lines" % len(lines))
    check("syslog: no body text (marker) in any line", not body, body[:1])
    check("syslog: no credential in any line", not secret, secret[:1])
    check("syslog: no control characters in any line", not ctl, ctl[:1])


def cleanup():
    LAB.cleanup(("milter", "umilter"))


def main():
    setup_postfix()
    note("private Postfix on 127.0.0.1:%d, fake M365 on :%d, milter on :%d"
         % (P_SMTP, P_M365, P_MILTER))
    start_m365()
    sink = SyslogSink(LOGSOCK, raw=True, rcvbuf=4 << 20)
    write(CONF, milter_conf())
    if not check("milter starts as nobody", start_milter(),
                 open(os.path.join(W, "milter.out")).read()[-300:]):
        return
    box = Mailbox()
    phase_main(box)
    phase_kill(box)
    phase_killw(box)
    phase_stop(box)
    check("queue empty at the end", wait_for(queue_empty, 60),
          run(["postqueue", "-c", ETC, "-p"], check_rc=False)[:300])
    check("every delivered file carries exactly one id", not box.multi,
          "%d files, e.g. %s" % (len(box.multi), box.multi[:2]))
    phase_privs()
    phase_syslog(sink)
    figure("total: %d messages delivered, duration %.1f s" % (box.scan(), time.time() - T0))


if __name__ == "__main__":
    T.run_main(main, cleanup, "load-integration")
