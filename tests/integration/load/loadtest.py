#!/usr/bin/python3
"""loadtest.py - relayhint-milter under load and faults, behind a real Postfix.

usage: loadtest.py WORKDIR SRCDIR      (run by run.sh, as root)

Builds a private Postfix instance under WORKDIR the way
tests/integration/postfix/pfxtest.py does (own config, queue and data
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
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time

W, SRC = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
MILTER = os.path.join(SRC, "build", "relayhint-milter")
T0 = time.time()
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
npass = nfail = 0
procs = {}


# ---------------------------------------------------------------- output

def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def check(name, cond, why=""):
    global npass, nfail
    if cond:
        npass += 1
        say("PASS: load: " + name)
    else:
        nfail += 1
        say("FAIL: load: %s: %s" % (name, " ".join(str(why or "assertion failed").split())[:400]))
    return bool(cond)


def note(text):
    say("# [%5.1fs] %s" % (time.time() - T0, text))


def figure(text):
    say("# figure: " + text)


def run(cmd, timeout=60, check_rc=True):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
    out = r.stdout.decode("utf-8", "replace")
    if check_rc and r.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), r.returncode, out.strip()))
    return out


def wait_for(pred, timeout, step=0.2):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def port_open(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def write(path, text, mode=0o644):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, mode)


# ---------------------------------------------------------------- layout

ETC, SPOOL, DATA, MAIL, RUN = (os.path.join(W, d) for d in ("etc", "spool", "data", "mail", "run"))
PFLOG = os.path.join(W, "postfix.log")
M365_CFG = os.path.join(RUN, "m365.json")
CONF = os.path.join(RUN, "relayhint.conf")
LOGSOCK = os.path.join(RUN, "log.sock")
P_SMTP, P_M365, P_MILTER = (free_port() for _ in range(3))
SINK = "sink"                   # the Maildir every message ends in


class SyslogSink:
    """A unix datagram socket the milter sends its syslog lines to."""

    def __init__(self, path):
        self.lines = []
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.bind(path)
        os.chmod(path, 0o666)
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                return
            with self.lock:
                self.lines.append(data)

    def all(self):
        with self.lock:
            return list(self.lines)


def milter_conf(**over):
    conf = {
        "socket": "inet:%d@127.0.0.1" % P_MILTER,
        "user": "nobody",
        "syslog_socket": LOGSOCK,
        "log_repeat_window": "0",
        "language": "en",
        "hints_dir": os.path.join(RUN, "hints"),
    }
    conf.update(over)
    return "# written by tests/integration/load/loadtest.py\n" + \
        "".join("%s = %s\n" % kv for kv in conf.items())


def setup_postfix():
    for d in (ETC, SPOOL, DATA, MAIL, RUN):
        os.makedirs(d, exist_ok=True)
    os.chmod(RUN, 0o755)
    hints = os.path.join(RUN, "hints")
    os.makedirs(hints, exist_ok=True)
    for path in glob.glob(os.path.join(SRC, "conf", "hints", "*.catalog")):
        shutil.copy(path, hints)
        os.chmod(os.path.join(hints, os.path.basename(path)), 0o644)
    os.chmod(hints, 0o755)
    shutil.chown(DATA, "postfix")
    shutil.chown(MAIL, "nobody", "nogroup")
    master = "/usr/share/postfix/master.cf.dist"
    if not os.path.exists(master):
        master = "/etc/postfix/master.cf"
    shutil.copy(master, os.path.join(ETC, "master.cf"))
    write(os.path.join(ETC, "sasl_passwd"),
          "[127.0.0.1]:%d relay@contoso.onmicrosoft.com:NotTheRealPassword1\n" % P_M365, 0o600)
    milter = "{ inet:127.0.0.1:%d, default_action=accept }" % P_MILTER
    main = """\
# private Postfix instance of tests/integration/load (not the system one)
compatibility_level = 3.6
queue_directory = {spool}
data_directory = {data}
mail_owner = postfix
setgid_group = postdrop
myhostname = relay.example.test
mydomain = example.test
myorigin = relay.example.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
maillog_file = {log}
smtputf8_enable = no
alias_maps =
alias_database =
local_recipient_maps =
virtual_mailbox_domains = relay.example.test
virtual_mailbox_base = {mail}
virtual_mailbox_maps = inline:{{ {sink}@relay.example.test={sink}/ }}
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
relayhost = [127.0.0.1]:{m365}
smtp_sasl_auth_enable = yes
smtp_sasl_password_maps = texthash:{etc}/sasl_passwd
smtp_sasl_security_options = noanonymous
smtp_sasl_tls_security_options = noanonymous
smtp_tls_security_level = encrypt
smtp_sasl_auth_soft_bounce = no
smtp_connect_timeout = 5s
notify_classes = resource, software
internal_mail_filter_classes = bounce
non_smtpd_milters = {milter}
smtpd_milters = {milter}
milter_connect_timeout = 5s
milter_command_timeout = 5s
milter_content_timeout = 5s
queue_run_delay = 5s
minimal_backoff_time = 5s
maximal_backoff_time = 10s
default_process_limit = 150
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
smtpd_client_message_rate_limit = 0
in_flow_delay = 0
smtpd_recipient_restrictions = permit_mynetworks, reject
""".format(spool=SPOOL, data=DATA, log=PFLOG, mail=MAIL, m365=P_M365, etc=ETC,
           milter=milter, sink=SINK)
    write(os.path.join(ETC, "main.cf"), main)
    run(["postconf", "-c", ETC, "-F", "*/*/chroot = n"])
    run(["postconf", "-c", ETC, "-MX", "smtp/inet"])
    run(["postconf", "-c", ETC, "-M",
         "127.0.0.1:%d/inet=127.0.0.1:%d inet n - n - - smtpd" % (P_SMTP, P_SMTP)])
    run(["postfix", "-c", ETC, "check"])
    run(["postfix", "-c", ETC, "start"])
    if not wait_for(lambda: port_open(P_SMTP), 20):
        raise RuntimeError("private Postfix smtpd does not listen on 127.0.0.1:%d" % P_SMTP)


def start_m365():
    key, cert = os.path.join(RUN, "key.pem"), os.path.join(RUN, "cert.pem")
    run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", key,
         "-out", cert, "-days", "2", "-subj", "/CN=smtp.office365.com"])
    write(M365_CFG, json.dumps({"auth_reply": "535 5.7.3 Authentication unsuccessful "
                                "[SN4PR0501CA0054.namprd05.prod.outlook.com]"}))
    procs["m365"] = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "..", "postfix", "fake_m365.py"), "--port", str(P_M365),
         "--cert", cert, "--key", key, "--config", M365_CFG,
         "--log", os.path.join(W, "m365-transcript.log")],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=open(os.path.join(W, "m365.err"), "w"), start_new_session=True)
    if not wait_for(lambda: port_open(P_M365), 15):
        raise RuntimeError("fake Microsoft 365 server did not start")


# ---------------------------------------------------------------- the milter

def start_milter(name="milter", conf=CONF, port=P_MILTER):
    out = open(os.path.join(W, name + ".out"), "a")
    procs[name] = subprocess.Popen([MILTER, "-f", "-c", conf], stdin=subprocess.DEVNULL,
                                   stdout=out, stderr=out, start_new_session=True)
    ok = wait_for(lambda: (port is not None and port_open(port)) or procs[name].poll() is not None
                  or (port is None and worker_pids(name)), 15)
    return ok and procs[name].poll() is None


def children(pid):
    kids = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.split("/")[2]))
    return kids


def worker_pids(name="milter"):
    p = procs.get(name)
    if p is None or p.poll() is not None:
        return []
    return children(p.pid)


def daemon_pids(name="milter"):
    p = procs.get(name)
    return ([p.pid] if p and p.poll() is None else []) + worker_pids(name)


def stop_milter(name="milter"):
    p = procs.pop(name, None)
    if p is None:
        return
    for pid in [p.pid] + children(p.pid):
        try:
            os.kill(pid, signal.SIGCONT)
        except OSError:
            pass
    p.terminate()
    try:
        p.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait(5)


def status_kb(pid, field):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


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


def established(port):
    """Server-side ESTABLISHED TCP connections on 127.0.0.1:port (/proc/net/tcp, as ss)."""
    n = 0
    try:
        with open("/proc/net/tcp") as f:
            next(f)
            for line in f:
                fl = line.split()
                if fl[3] == "01" and int(fl[1].split(":")[1], 16) == port:
                    n += 1
    except OSError:
        pass
    return n


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


def queue_empty():
    return run(["postqueue", "-c", ETC, "-j"], check_rc=False).strip() == ""


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
    for name in ("milter", "umilter"):
        stop_milter(name)
    try:
        run(["postfix", "-c", ETC, "stop"], timeout=30, check_rc=False)
    except Exception:  # noqa: BLE001 - best effort at exit
        pass
    for p in procs.values():
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()


def main():
    setup_postfix()
    note("private Postfix on 127.0.0.1:%d, fake M365 on :%d, milter on :%d"
         % (P_SMTP, P_M365, P_MILTER))
    start_m365()
    sink = SyslogSink(LOGSOCK)
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
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(3))
    try:
        main()
    except Exception as e:  # noqa: BLE001 - report, then clean up
        check("load-integration", False, "%s: %s" % (type(e).__name__, e))
    finally:
        cleanup()
        note("%d passed, %d failed" % (npass, nfail))
    sys.exit(1 if nfail else 0)
