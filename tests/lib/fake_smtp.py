#!/usr/bin/python3
"""fake_smtp.py - the one loopback stand-in for smtp.office365.com:587.

Python standard library only; listens on 127.0.0.1 only.  Used by the
probe test (tests/integration/alert), the Postfix tests
(tests/integration/postfix, pflab.py, load), the Exim test
(tests/integration/exim) and the migration tests (tests/integration/
migrate-exim, tests/integration/migrate/delivery.sh).  The old names are
thin wrappers that call main() with their own arguments unchanged:

  old file                                   its options (all still work)
  tests/integration/alert/fake_smtp.py       --cert --key --config --log
                                             --port-file (port 0: any free)
  tests/integration/postfix/fake_m365.py     --port --cert --key --config
                                             --log
  tests/integration/exim/fake_m365.py        --listen PORT=SCENARIO...
                                             --cert --key --log --spool

Options:
  --cert, --key     server certificate for STARTTLS (required)
  --log FILE        transcript: every line both ways, "HH:MM:SS.mmm
                    PORT#N S:|C:|-- text"; what the client sends after
                    AUTH (credentials) is logged as its length only
                    ("EMPTY" for an empty line, "CANCEL" for "*"), and
                    "-- AUTH MECH", "-- LOGIN|PLAIN user=U password=right|
                    wrong", "-- XOAUTH2 user=U token=right|wrong",
                    "-- MESSAGE accepted" mark the events tests grep for
  --config FILE     the scenario of --port/--port-file as JSON, read again
                    at every connection (a test switches scenarios without
                    a restart); members missing take DEFAULTS:
                      auth_reply         the answer to AUTH
                      unauth_mail_reply  the answer to MAIL before AUTH
                      auth_mechs         AUTH mechanisms offered after TLS
                                         ("" offers none)
                      password, token    when set, a 235 auth_reply logs in
                                         only with this password (LOGIN,
                                         PLAIN) or bearer token (XOAUTH2);
                                         else 535 5.7.3
  --port N          one listener on N (0: any free port)
  --port-file FILE  write the listener's port there (atomically)
  --listen P=NAME   (repeatable) a listener on port P with the built-in
                    scenario NAME (SCENARIOS below), so each test case has
                    its own smarthost "host:port"
  --spool DIR       accepted messages go to DIR/PORT-N.eml
  --session-header  each spool file starts with "X-Fake-Session: port=P
                    tls=VERSION|None auth=MECH|none user=U from=F rcpt=R"
                    and has LF line ends
  --ready FILE      written once every listener is bound
  --user U, --password-file F, --token-file F
                    the account of the checked scenarios (submit,
                    submit-plain): LOGIN/PLAIN log in only as U with the
                    first line of F, XOAUTH2 only as U with a bearer token
                    equal to the last line of F; both files are read at
                    each AUTH (a fake Entra ID appends every token it
                    issues, so only the newest works, as after a refresh).
                    A refused XOAUTH2 gets what Microsoft sends: 334 and a
                    base64 JSON status, then 535 5.7.3 after the client's
                    empty line (501 after "*")

Like Microsoft it offers STARTTLS, AUTH only after TLS, PIPELINING and
CHUNKING (BDAT), answers MAIL before a successful AUTH with 530 5.7.57
and RCPT/DATA out of order with 503 5.5.2.
"""
import argparse
import base64
import datetime
import json
import os
import socket
import ssl
import sys
import threading

HOST = "SN4PR0501CA0054.outlook.office365.com"
SIDHOST = "SN4PR0501CA0054.namprd05.prod.outlook.com"
SID = "[%s]" % SIDHOST
DEFAULTS = {
    "auth_reply": "535 5.7.3 Authentication unsuccessful " + SID,
    "unauth_mail_reply": "530 5.7.57 Client not authenticated to send mail. "
                         "[%s 2026-11-22T17:00:00.000Z 08DE2A1B2C3D4E5F]"
                         % SIDHOST,
    "auth_mechs": "LOGIN PLAIN XOAUTH2",
}
# --listen PORT=NAME: reply texts as Microsoft sends them
SCENARIOS = {
    "5.7.3": {"auth_reply": "535 5.7.3 Authentication unsuccessful " + SID},
    "tenant": {"auth_reply": "535 5.7.139 Authentication unsuccessful, "
               "SmtpClientAuthentication is disabled for the Tenant. Visit "
               "https://aka.ms/smtp_auth_disabled for more information. "
               "[DM6PR02CA0123.namprd02.prod.outlook.com]"},
    "secdef": {"auth_reply": "535 5.7.139 Authentication unsuccessful, user "
               "is locked by your organization's security defaults policy. "
               "Contact your administrator. " + SID},
    # no AUTH expected: MAIL FROM gets 530 5.7.57
    "5.7.57": {"auth_reply": "535 5.7.3 Authentication unsuccessful " + SID},
    "ok": {"auth_reply": "235 2.7.0 Authentication successful"},
    # smtp.office365.com:587 checking --user, --password-file, --token-file
    "submit": {"auth_reply": "235 2.7.0 Authentication successful",
               "checked": True},
    "submit-plain": {"auth_reply": "235 2.7.0 Authentication successful",
                     "auth_mechs": "LOGIN PLAIN XOAUTH2", "checked": True},
    # <tenant>.mail.protection.outlook.com:25: STARTTLS, no AUTH offered
    "connector": {"auth_mechs": "", "connector": True},
}
for _s in SCENARIOS.values():
    _s.setdefault("auth_mechs", "LOGIN XOAUTH2")
XOAUTH2_CHALLENGE = base64.b64encode(json.dumps(
    {"status": "401", "schemes": "bearer",
     "scope": "https://outlook.office.com/"}).encode()).decode()
DATA_OK = ("250 2.6.0 <fake@%s> [InternalId=1, Hostname=%s] Queued mail "
           "for delivery" % (SIDHOST, SIDHOST))

args = None
lock = threading.Lock()
counter = [0]


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def log(port, cid, tag, text):
    with lock, open(args.log, "a", encoding="utf-8") as f:
        f.write("%s %d#%d %s %s\n" % (now().strftime("%H:%M:%S.%f")[:-3],
                                      port, cid, tag, text))


def b64(s):
    try:
        return base64.b64decode(s + "=" * (-len(s) % 4)).decode("latin1")
    except ValueError:
        return ""


def file_line(path, last):
    """the first or last non-empty line of PATH, None if unreadable"""
    try:
        with open(path, encoding="utf-8") as f:
            lines = [x.strip() for x in f.read().split("\n") if x.strip()]
    except OSError:
        return None
    return (lines[-1] if last else lines[0]) if lines else None


def scenario(name):
    cfg = dict(DEFAULTS)
    if name is not None:
        cfg.update(SCENARIOS[name])
        return cfg
    try:
        with open(args.config, encoding="utf-8") as f:
            cfg.update(json.load(f))
    except (OSError, ValueError, TypeError):
        pass
    return cfg


class Session:
    def __init__(self, sock, port, cid, name):
        self.sock, self.port, self.cid = sock, port, cid
        self.f = sock.makefile("rb")
        self.tls = self.authed = self.mail_ok = False
        self.tls_version = None
        self.login = ("none", "")      # (mechanism, user) once logged in
        self.sender, self.rcpts = "", []
        self.data = b""
        self.cfg = scenario(name)

    def send(self, line):
        log(self.port, self.cid, "S:", line)
        self.sock.sendall((line + "\r\n").encode())

    def recv(self, secret=False):
        raw = self.f.readline(65536)
        if not raw:
            raise EOFError
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        shown = line
        w = line.split()
        if secret:
            shown = {"": "EMPTY", "*": "CANCEL"}.get(
                line, "<credentials, %d bytes>" % len(line))
        elif len(w) > 2 and w[0].upper() == "AUTH":
            shown = "%s %s <initial response, %d bytes>" % (w[0], w[1],
                                                            len(w[2]))
        log(self.port, self.cid, "C:", shown)
        return line

    def ehlo(self):
        caps = ["%s Hello [127.0.0.1]" % HOST, "SIZE 157286400", "PIPELINING",
                "DSN", "ENHANCEDSTATUSCODES"]
        if not self.tls:
            caps.append("STARTTLS")
        elif self.cfg["auth_mechs"]:
            caps.append("AUTH " + self.cfg["auth_mechs"])
        caps += ["8BITMIME", "BINARYMIME", "CHUNKING", "SMTPUTF8"]
        for c in caps[:-1]:
            self.send("250-" + c)
        self.send("250 " + caps[-1])

    def starttls(self):
        self.send("220 2.0.0 SMTP server ready")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        self.sock = ctx.wrap_socket(self.sock, server_side=True)
        self.f = self.sock.makefile("rb")
        self.tls = True
        self.tls_version = self.sock.version()
        log(self.port, self.cid, "--", "TLS %s" % self.sock.version())

    def matches(self, what, user, got):
        """a checked scenario wants --user and the secret in its file;
        the others the config's password/token, if any"""
        if not self.cfg.get("checked"):
            want = self.cfg.get(what)
            return want is None or got == want
        want = file_line(args.password_file if what == "password"
                         else args.token_file, what == "token")
        return user == args.user and bool(want) and got == want

    def credential(self, w):
        """the mechanism's exchange: (user, credential good)"""
        mech = w[1].upper()
        ir = w[2] if len(w) > 2 else None
        if mech == "LOGIN":
            if ir is None:
                self.send("334 VXNlcm5hbWU6")
                ir = self.recv(secret=True)
            self.send("334 UGFzc3dvcmQ6")
            pw = b64(self.recv(secret=True))
            return b64(ir), self.matches("password", b64(ir), pw)
        if ir is None:
            self.send("334 ")
            ir = self.recv(secret=True)
        if mech == "PLAIN":
            parts = b64(ir).split("\0")
            if len(parts) < 3 or len(parts) > 3 and self.cfg.get("checked"):
                return "", self.matches("password", "", None)
            return parts[1], self.matches("password", parts[1], parts[2])
        fields = b64(ir).split("\x01")
        parts = dict(p.split("=", 1) for p in fields if "=" in p)
        user, bearer = parts.get("user", ""), parts.get("auth", "")
        if self.cfg.get("checked") and (len(fields) != 4 or
                                        fields[2:] != ["", ""]):
            return user, False
        if not bearer.startswith("Bearer "):
            return user, (not self.cfg.get("checked")
                          and self.cfg.get("token") is None)
        return user, self.matches("token", user, bearer[len("Bearer "):])

    def auth(self, w):
        mech = w[1].upper() if len(w) > 1 else ""
        log(self.port, self.cid, "--", "AUTH %s" % mech)
        if not self.tls or mech not in self.cfg["auth_mechs"].split():
            return self.send("504 5.7.4 Unrecognized authentication type "
                             + SID)
        user, good = self.credential(w)
        log(self.port, self.cid, "--", "%s user=%s %s=%s"
            % (mech, user, "token" if mech == "XOAUTH2" else "password",
               "right" if good else "wrong"))
        answer = self.cfg["auth_reply"]
        if answer.startswith("235") and not good:
            answer = "535 5.7.3 Authentication unsuccessful " + SID
            if mech == "XOAUTH2" and self.cfg.get("checked"):
                # Microsoft's error challenge first; "*" cancels
                self.send("334 " + XOAUTH2_CHALLENGE)
                if self.recv(secret=True) == "*":
                    return self.send("501 5.7.0 Authentication cancelled "
                                     + SID)
        self.authed = answer.startswith("235")
        if self.authed:
            self.login = (mech, user)
        self.send(answer)

    def mail(self, w):
        self.rcpts, self.data = [], b""
        self.sender = " ".join(w[1:])[5:].split(" ")[0]
        connector = self.cfg.get("connector")
        self.mail_ok = self.authed or (connector and self.tls)
        if connector and not self.tls:
            self.send("451 5.7.3 STARTTLS is required to send mail " + SID)
        else:
            self.send("250 2.1.0 Sender OK" if self.mail_ok
                      else self.cfg["unauth_mail_reply"])

    def accepted(self):
        log(self.port, self.cid, "--", "MESSAGE accepted")
        self.mail_ok = False
        if args.spool:
            with lock:
                counter[0] += 1
                n = counter[0]
            path = os.path.join(args.spool, "%d-%d.eml" % (self.port, n))
            with open(path + ".tmp", "wb") as f:
                if args.session_header:
                    f.write(("X-Fake-Session: port=%d tls=%s auth=%s user=%s "
                             "from=%s rcpt=%s\n"
                             % ((self.port, self.tls_version) + self.login
                                + (self.sender, ",".join(self.rcpts))))
                            .encode())
                    self.data = self.data.replace(b"\r\n", b"\n")
                f.write(self.data)
            os.rename(path + ".tmp", path)
        self.data = b""
        self.send(DATA_OK)

    def data_lines(self):
        if not (self.mail_ok and self.rcpts):
            return self.send("503 5.5.2 Need rcpt command")
        self.send("354 Start mail input; end with <CRLF>.<CRLF>")
        while True:
            line = self.f.readline(1 << 20)
            if not line or line.rstrip(b"\r\n") == b".":
                break
            self.data += line[1:] if line.startswith(b"..") else line
        self.accepted()

    def bdat(self, w):
        size = int(w[1]) if len(w) > 1 and w[1].isdigit() else 0
        last = len(w) > 2 and w[2].upper() == "LAST"
        got = self.f.read(size) if size else b""
        if not (self.mail_ok and self.rcpts):
            return self.send("503 5.5.2 Need rcpt command")
        self.data += got
        if last:
            self.accepted()
        else:
            self.send("250 2.0.0 BDAT chunk received")

    def run(self):
        self.send("220 %s Microsoft ESMTP MAIL Service ready at %s"
                  % (HOST, now().strftime("%a, %d %b %Y %H:%M:%S +0000")))
        while True:
            w = self.recv().split()
            verb = w[0].upper() if w else ""
            if verb in ("EHLO", "HELO"):
                self.ehlo()
            elif verb == "STARTTLS" and not self.tls:
                self.starttls()
            elif verb == "AUTH":
                self.auth(w)
            elif verb == "MAIL":
                self.mail(w)
            elif verb == "RCPT":
                if not self.mail_ok:
                    self.send("503 5.5.2 Need mail command")
                else:
                    self.rcpts.append(" ".join(w[1:])[3:].split(" ")[0])
                    self.send("250 2.1.5 Recipient OK")
            elif verb == "DATA":
                self.data_lines()
            elif verb == "BDAT":
                self.bdat(w)
            elif verb == "RSET":
                self.mail_ok = False
                self.send("250 2.0.0 Resetting")
            elif verb == "NOOP":
                self.send("250 2.0.0 OK")
            elif verb == "QUIT":
                self.send("221 2.0.0 Service closing transmission channel")
                if self.tls:
                    try:
                        self.sock = self.sock.unwrap()   # TLS close_notify
                    except (ssl.SSLError, OSError):
                        pass
                return
            else:
                self.send("500 5.3.3 Unrecognized command")


def serve(sock, port, cid, name):
    sock.settimeout(120)
    try:
        Session(sock, port, cid, name).run()
    except (EOFError, OSError, ssl.SSLError, ValueError) as e:
        log(port, cid, "--", "connection ended: %r" % (e,))
    finally:
        try:
            sock.close()
        except OSError:
            pass


def listen(port):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(32)
    return ls


def accept_loop(ls, name):
    port = ls.getsockname()[1]
    cid = 0
    while True:
        s, _ = ls.accept()
        cid += 1
        threading.Thread(target=serve, args=(s, port, cid, name),
                         daemon=True).start()


def main(argv=None):
    global args
    ap = argparse.ArgumentParser(description="fake smtp.office365.com:587")
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--config")
    ap.add_argument("--port", type=int)
    ap.add_argument("--port-file")
    ap.add_argument("--listen", action="append", default=[],
                    help="PORT=SCENARIO")
    ap.add_argument("--spool")
    ap.add_argument("--session-header", action="store_true")
    ap.add_argument("--ready")
    ap.add_argument("--user")
    ap.add_argument("--password-file")
    ap.add_argument("--token-file")
    args = ap.parse_args(argv)
    loops = []
    for item in args.listen:
        port, name = item.split("=", 1)
        if name not in SCENARIOS:
            sys.exit("unknown scenario " + name)
        if SCENARIOS[name].get("checked") and None in (
                args.user, args.password_file, args.token_file):
            sys.exit(name + " needs --user, --password-file, --token-file")
        loops.append((listen(int(port)), name))
    if args.config is not None or args.port is not None or args.port_file:
        if args.config is None:
            sys.exit("--port and --port-file need --config")
        ls = listen(args.port or 0)
        loops.append((ls, None))
        if args.port_file:
            with open(args.port_file + ".tmp", "w") as f:
                f.write(str(ls.getsockname()[1]))
            os.rename(args.port_file + ".tmp", args.port_file)
    if not loops:
        sys.exit("nothing to listen on: --port, --port-file or --listen")
    open(args.log, "a").close()
    if args.ready:
        with open(args.ready + ".tmp", "w") as f:
            f.write("ok\n")
        os.rename(args.ready + ".tmp", args.ready)
    threads = [threading.Thread(target=accept_loop, args=loop, daemon=True)
               for loop in loops]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
