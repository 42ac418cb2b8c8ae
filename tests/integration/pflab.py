"""pflab.py - a private Postfix instance and the helpers around it, shared by
the programs that drive a real Postfix with relayhint-milter:
tests/integration/postfix/pfxtest.py (behaviour), tests/integration/load/
loadtest.py (load and faults) and bench/milter.py (cost).

Why one module: the three build the same kind of instance (own config,
queue and data directories under a fresh work directory, loopback ports
picked free at start, Debian's master.cf template, chroot off, the
system's /etc/postfix neither read nor changed) and start, watch and stop
the milter the same way; a fix to that (a port race, a stuck worker at
exit) must reach all three.  What differs between them stays in the
programs: their main.cf settings beyond the common ones, their ports,
timeouts and checks, their PASS/FAIL counters (a Checks each).

Imported with the directory of this file on sys.path (each program puts
it there relative to its own __file__).  Standard library only.
"""
import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE_M365 = os.path.join(HERE, "postfix", "fake_m365.py")
T0 = time.time()


# ---------------------------------------------------------------- output

def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def note(text):
    say("# [%5.1fs] %s" % (time.time() - T0, text))


class Checks:
    """One program's PASS/FAIL lines and counts; PREFIX starts every name."""

    def __init__(self, prefix=""):
        self.prefix = prefix
        self.npass = self.nfail = 0

    def ok(self, name):
        self.npass += 1
        say("PASS: " + self.prefix + name)

    def bad(self, name, why):
        self.nfail += 1
        say("FAIL: %s%s: %s" % (self.prefix, name,
                                " ".join(str(why or "assertion failed").split())[:400]))

    def check(self, name, cond, why=""):
        if cond:
            self.ok(name)
        else:
            self.bad(name, why)
        return bool(cond)

    def run_main(self, main, cleanup, name):
        """main(), an exception in it one FAIL line, cleanup() always; the
        exit status says whether anything failed (3 on SIGTERM)."""
        signal.signal(signal.SIGTERM, lambda *a: sys.exit(3))
        try:
            main()
        except Exception as e:  # noqa: BLE001 - report, then clean up
            self.bad(name, "%s: %s" % (type(e).__name__, e))
        finally:
            cleanup()
            note("%d passed, %d failed" % (self.npass, self.nfail))
        sys.exit(1 if self.nfail else 0)


# ---------------------------------------------------------------- small tools

def run(cmd, timeout=60, check_rc=True):
    """CMD's output (stderr included); an exit status other than 0 raises
    unless check_rc is false."""
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=timeout)
    out = r.stdout.decode("utf-8", "replace")
    if check_rc and r.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), r.returncode, out.strip()))
    return out


def wait_for(pred, timeout, step=0.2):
    """PRED's first true value within TIMEOUT seconds, else its last value."""
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


def copy_hints(src, dest):
    """The hint catalogs of the checkout SRC, copied to DEST: the milter
    runs as nobody, who may not be able to read the checkout."""
    os.makedirs(dest, exist_ok=True)
    for path in glob.glob(os.path.join(src, "conf", "hints", "*.catalog")):
        shutil.copy(path, dest)
        os.chmod(os.path.join(dest, os.path.basename(path)), 0o644)
    os.chmod(dest, 0o755)
    return dest


# ---------------------------------------------------------------- /proc

def proc_stat(pid):
    """The fields of /proc/PID/stat after the command name (state first)."""
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()


def children(pid):
    kids = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        kid = int(stat.split("/")[2])
        try:
            if int(proc_stat(kid)[1]) == pid:
                kids.append(kid)
        except (OSError, IndexError, ValueError):
            continue
    return kids


def status_kb(pid, field):
    """FIELD (VmRSS, VmHWM) of /proc/PID/status in kB, 0 when gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


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


# ---------------------------------------------------------------- syslog

class SyslogSink:
    """A unix datagram socket the milter sends its syslog lines to.  Lines
    are kept as text, or as bytes with raw=True; rcvbuf enlarges the socket
    buffer for a milter logging faster than the thread reads.  A subclass
    may count instead of keeping by overriding take()."""

    def __init__(self, path, raw=False, rcvbuf=0):
        self.lines = []
        self.raw = raw
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.bind(path)
        os.chmod(path, 0o666)
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                return
            self.take(data)

    def take(self, data):
        with self.lock:
            self.lines.append(data if self.raw else data.decode("utf-8", "replace"))

    def all(self):
        with self.lock:
            return list(self.lines)

    def grep(self, pattern):
        rx = re.compile(pattern)
        return [l for l in self.all() if rx.search(l)]


# ---------------------------------------------------------------- the instance

# main.cf lines every instance has; a program appends its own
MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {spool}
data_directory = {data}
mail_owner = postfix
setgid_group = postdrop
myhostname = {host}
mydomain = example.test
myorigin = {host}
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
maillog_file = {log}
smtputf8_enable = no
alias_maps =
alias_database =
local_recipient_maps =
"""

# relaying to the fake Microsoft 365 with SMTP AUTH, local mail to
# virtual(8) maildirs owned by nobody, the milter in both milter lists
# (Postfix's own bounces and mail over SMTP); the program adds
# virtual_mailbox_maps, notify_classes and milter_content_timeout
MAIN_CF_M365 = """\
virtual_mailbox_domains = relay.example.test
virtual_mailbox_base = {mail}
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
internal_mail_filter_classes = bounce
non_smtpd_milters = {milter}
smtpd_milters = {milter}
milter_connect_timeout = 5s
milter_command_timeout = 5s
queue_run_delay = 5s
minimal_backoff_time = 5s
maximal_backoff_time = 10s
"""


class Lab:
    """A private Postfix instance under the work directory W (etc/, spool/,
    data/, postfix.log; mail/ and run/ when a milter runs as nobody), the
    processes started for it (procs: name -> Popen) and SRC's milter."""

    def __init__(self, w, src):
        self.w, self.src = w, src
        self.etc, self.spool, self.data, self.mail, self.rundir = (
            os.path.join(w, d) for d in ("etc", "spool", "data", "mail", "run"))
        self.pflog = os.path.join(w, "postfix.log")
        self.logsock = os.path.join(self.rundir, "log.sock")
        self.milter = os.path.join(src, "build", "relayhint-milter")
        self.procs = {}
        self.started = False

    def prepare(self, for_milter=True):
        """The directories and master.cf (Debian's template); for_milter:
        run/ with the hint catalogs and mail/, readable and writable by nobody."""
        for d in (self.etc, self.spool, self.data):
            os.makedirs(d, exist_ok=True)
        shutil.chown(self.data, "postfix")
        if for_milter:
            for d in (self.mail, self.rundir):
                os.makedirs(d, exist_ok=True)
            os.chmod(self.rundir, 0o755)
            copy_hints(self.src, os.path.join(self.rundir, "hints"))
            shutil.chown(self.mail, "nobody", "nogroup")
        master = "/usr/share/postfix/master.cf.dist"
        if not os.path.exists(master):
            master = "/etc/postfix/master.cf"
        shutil.copy(master, os.path.join(self.etc, "master.cf"))

    def write_sasl(self, m365_port):
        write(os.path.join(self.etc, "sasl_passwd"),
              "[127.0.0.1]:%d relay@contoso.onmicrosoft.com:NotTheRealPassword1\n" % m365_port,
              0o600)

    def m365_cf(self, m365_port, milter):
        return MAIN_CF_M365.format(mail=self.mail, m365=m365_port, etc=self.etc, milter=milter)

    def write_main_cf(self, who, host, text):
        """main.cf: a comment naming the instance's program WHO, the common
        settings with myhostname HOST, then TEXT."""
        write(os.path.join(self.etc, "main.cf"),
              "# private Postfix instance of %s (not the system one)\n" % who +
              MAIN_CF.format(spool=self.spool, data=self.data, host=host, log=self.pflog) + text)

    def postconf(self, *args):
        run(["postconf", "-c", self.etc] + list(args))

    def start_postfix(self, smtpd, services=()):
        """Start the instance with an smtpd on each (port, "-o ..." or "")
        of SMTPD in place of the smtp/inet one, plus the master.cf SERVICES
        ("name/type=..." as postconf -M takes them); wait until they listen."""
        self.postconf("-F", "*/*/chroot = n")
        self.postconf("-MX", "smtp/inet")
        for port, opts in smtpd:
            self.postconf("-M", "127.0.0.1:{p}/inet=127.0.0.1:{p} inet n - n - - smtpd{o}"
                          .format(p=port, o=" " + opts if opts else ""))
        for service in services:
            self.postconf("-M", service)
        run(["postfix", "-c", self.etc, "check"])
        self.started = True
        run(["postfix", "-c", self.etc, "start"])
        for port, _ in smtpd:
            if not wait_for(lambda: port_open(port), 20):
                raise RuntimeError("private Postfix smtpd does not listen on 127.0.0.1:%d" % port)

    def queue_empty(self):
        return run(["postqueue", "-c", self.etc, "-j"], check_rc=False).strip() == ""

    def start_m365(self, port, config, key_args=("-newkey", "rsa:2048")):
        """The fake Microsoft 365 submission server (tests/integration/postfix/
        fake_m365.py) on PORT with a fresh self-signed certificate; CONFIG is
        its reply file, written by the caller."""
        key, cert = os.path.join(self.rundir, "key.pem"), os.path.join(self.rundir, "cert.pem")
        run(["openssl", "req", "-x509"] + list(key_args) + ["-nodes", "-keyout", key,
             "-out", cert, "-days", "2", "-subj", "/CN=smtp.office365.com"])
        with open(os.path.join(self.w, "m365.err"), "w") as err:
            self.procs["m365"] = subprocess.Popen(
                [sys.executable, FAKE_M365, "--port", str(port), "--cert", cert, "--key", key,
                 "--config", config, "--log", os.path.join(self.w, "m365-transcript.log")],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                start_new_session=True)
        if not wait_for(lambda: port_open(port), 15):
            raise RuntimeError("fake Microsoft 365 server did not start")

    # ------------------------------------------------------------ the milter

    def milter_conf(self, who, port, **over):
        """relayhint.conf text: the milter on 127.0.0.1:PORT as nobody, every
        line to the sink on run/log.sock, the copied catalogs; OVER adds or
        replaces settings.  WHO names the program in the comment on top."""
        conf = {
            "socket": "inet:%d@127.0.0.1" % port,
            "user": "nobody",
            "syslog_socket": self.logsock,
            "log_repeat_window": "0",
            "language": "en",
            "hints_dir": os.path.join(self.rundir, "hints"),
        }
        conf.update(over)
        return "# written by %s\n" % who + "".join("%s = %s\n" % kv for kv in conf.items())

    def start_milter(self, conf, port, name="milter", cmd=None, out=None):
        """Start relayhint-milter -f -c CONF (or CMD) as procs[NAME], output
        to W/NAME.out (or OUT); true once it listens on PORT, or, with PORT
        None (a unix socket), once it has a worker.  False if it exited."""
        with open(out or os.path.join(self.w, name + ".out"), "a") as f:
            p = self.procs[name] = subprocess.Popen(
                cmd or [self.milter, "-f", "-c", conf], stdin=subprocess.DEVNULL,
                stdout=f, stderr=f, start_new_session=True)
        up = wait_for(lambda: (port is not None and port_open(port)) or p.poll() is not None
                      or (port is None and self.worker_pids(name)), 15)
        return bool(up) and p.poll() is None

    def worker_pids(self, name="milter"):
        p = self.procs.get(name)
        if p is None or p.poll() is not None:
            return []
        return children(p.pid)

    def daemon_pids(self, name="milter"):
        """Supervisor and workers of procs[NAME] while it runs."""
        p = self.procs.get(name)
        return ([p.pid] if p and p.poll() is None else []) + self.worker_pids(name)

    def stop_milter(self, name="milter"):
        """SIGTERM, after SIGCONT to every process in case a test stopped
        one; SIGKILL to the process group after 15 s."""
        p = self.procs.pop(name, None)
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

    def cleanup(self, milters=("milter",)):
        """Stop the milters, the instance and whatever else was started."""
        for name in milters:
            self.stop_milter(name)
        if self.started:
            try:
                run(["postfix", "-c", self.etc, "stop"], timeout=30, check_rc=False)
            except Exception:  # noqa: BLE001 - best effort at exit
                pass
        for p in list(self.procs.values()):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
