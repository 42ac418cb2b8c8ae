#!/usr/bin/python3
"""fake_o365.py - smtp.office365.com:587 and a tenant MX on :25, checking
credentials, for tests/integration/migrate/delivery.sh.

Unlike tests/integration/postfix/fake_m365.py (scripted replies, any
login), this one decides as Microsoft 365 would:

  port 587  STARTTLS, then AUTH LOGIN PLAIN XOAUTH2 (what Microsoft
            advertises).  LOGIN/PLAIN succeed only with --user and the
            password in --password-file; XOAUTH2 only with
            user=--user and auth=Bearer <the token in --token-file>, both
            files read at each AUTH (a refreshed token is honoured).
            MAIL before a login: 530 5.7.57.
  port 25   the tenant's MX host for a connector: STARTTLS, no AUTH
            advertised; mail accepted after TLS only (450 before).

Certificate and key from --cert/--key (the test's own CA).  An accepted
message is written to --spool as N.eml (LF line ends), after one header line
"X-Fake-Session: port=P tls=V auth=MECH user=U"; the log (--log) has one
line per command and verdict, never a password, token or AUTH argument.
Listens on 127.0.0.1 only (the test runs it in its own network
namespace).  Python standard library only.
"""
import argparse
import base64
import os
import socket
import ssl
import threading

ap = argparse.ArgumentParser()
ap.add_argument("--cert", required=True)
ap.add_argument("--key", required=True)
ap.add_argument("--user", required=True)
ap.add_argument("--password-file", required=True)
ap.add_argument("--token-file", required=True)
ap.add_argument("--spool", required=True)
ap.add_argument("--log", required=True)
ap.add_argument("--submission-port", type=int, default=587)
ap.add_argument("--mx-port", type=int, default=25)
ap.add_argument("--ready", required=True, help="file written once listening")
args = ap.parse_args()
lock = threading.Lock()
count = [0]
HOST = "SN4PR0501CA0054.outlook.office365.com"


def log(cid, text):
    with lock, open(args.log, "a", encoding="utf-8") as f:
        f.write("#%d %s\n" % (cid, text))


def secret(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    except OSError:
        return None


def b64(text):
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        return None


class Session:
    def __init__(self, sock, cid, port):
        self.sock, self.cid, self.port = sock, cid, port
        self.rfile = sock.makefile("rb")
        self.tls = None
        self.auth = None      # (mech, user) once logged in

    def reply(self, line):
        self.sock.sendall(line.encode() + b"\r\n")

    def line(self):
        raw = self.rfile.readline(8192)
        if not raw:
            raise EOFError
        return raw.decode("latin1").rstrip("\r\n")

    def ehlo(self):
        caps = [HOST + " Hello [127.0.0.1]", "SIZE 157286400", "PIPELINING",
                "ENHANCEDSTATUSCODES"]
        if self.tls is None:
            caps.append("STARTTLS")
        elif self.port == args.submission_port:
            caps.append("AUTH LOGIN PLAIN XOAUTH2")
        caps.append("8BITMIME")
        for c in caps[:-1]:
            self.reply("250-" + c)
        self.reply("250 " + caps[-1])

    def starttls(self):
        self.reply("220 2.0.0 SMTP server ready")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        self.sock = ctx.wrap_socket(self.sock, server_side=True)
        self.rfile = self.sock.makefile("rb")
        self.tls = self.sock.version()
        log(self.cid, "TLS %s" % self.tls)

    def do_auth(self, words):
        mech = words[1].upper() if len(words) > 1 else ""
        if self.port != args.submission_port or self.tls is None or \
                mech not in ("LOGIN", "PLAIN", "XOAUTH2"):
            log(self.cid, "AUTH %s refused: not offered" % mech)
            return self.reply("504 5.7.4 Unrecognized authentication type")
        ok, user = False, None
        if mech == "LOGIN":
            u = words[2] if len(words) > 2 else None
            if u is None:
                self.reply("334 VXNlcm5hbWU6")
                u = self.line()
            self.reply("334 UGFzc3dvcmQ6")
            p = b64(self.line())
            u = b64(u)
            user = u.decode("latin1") if u else None
            ok = u is not None and p is not None and \
                user == args.user and p.decode("latin1") == secret(args.password_file)
        else:
            resp = words[2] if len(words) > 2 else None
            if resp is None:
                self.reply("334 ")
                resp = self.line()
            raw = b64(resp) or b""
            if mech == "PLAIN":
                f = raw.split(b"\0")
                if len(f) == 3:
                    user = f[1].decode("latin1")
                    ok = user == args.user and f[2].decode("latin1") == \
                        secret(args.password_file)
            else:
                f = raw.split(b"\1")
                kv = dict(x.split(b"=", 1) for x in f if b"=" in x)
                user = kv.get(b"user", b"").decode("latin1")
                tok = secret(args.token_file)
                ok = len(f) == 4 and f[2:] == [b"", b""] and \
                    user == args.user and tok is not None and \
                    kv.get(b"auth") == b"Bearer " + tok.encode()
        log(self.cid, "AUTH %s user=%s %s" % (mech, user, "ok" if ok else "refused"))
        if ok:
            self.auth = (mech, user)
            return self.reply("235 2.7.0 Authentication successful")
        if mech == "XOAUTH2":
            # Microsoft's challenge for a bad token, then the 535
            self.reply("334 eyJzdGF0dXMiOiI0MDEifQ==")
            self.line()
        self.reply("535 5.7.3 Authentication unsuccessful "
                   "[SN4PR0501CA0054.namprd05.prod.outlook.com]")

    def data(self, rcpts, sender):
        self.reply("354 Start mail input; end with <CRLF>.<CRLF>")
        body = []
        while True:
            raw = self.rfile.readline(65536)
            if not raw or raw.rstrip(b"\r\n") == b".":
                break
            body.append(raw.rstrip(b"\r\n") + b"\n")
        with lock:
            count[0] += 1
            n = count[0]
        mech, user = self.auth or ("none", "")
        path = os.path.join(args.spool, "%d.eml" % n)
        with open(path + ".tmp", "wb") as f:
            f.write(("X-Fake-Session: port=%d tls=%s auth=%s user=%s from=%s rcpt=%s\n"
                     % (self.port, self.tls, mech, user, sender, ",".join(rcpts))).encode())
            f.writelines(body)
        os.rename(path + ".tmp", path)
        log(self.cid, "accepted %d.eml" % n)
        self.reply("250 2.0.0 OK <fake@%s> [Hostname=%s]" % (HOST, HOST))

    def run(self):
        self.reply("220 %s Microsoft ESMTP MAIL Service ready" % HOST)
        rcpts, sender = [], None
        while True:
            words = self.line().split()
            verb = words[0].upper() if words else ""
            log(self.cid, "C: %s" % (verb if verb == "AUTH" else " ".join(words)[:200]))
            if verb in ("EHLO", "HELO"):
                self.ehlo()
            elif verb == "STARTTLS" and self.tls is None:
                self.starttls()
            elif verb == "AUTH":
                self.do_auth(words)
            elif verb == "MAIL":
                if self.port == args.submission_port and self.auth is None:
                    self.reply("530 5.7.57 Client not authenticated to send mail.")
                elif self.port == args.mx_port and self.tls is None:
                    self.reply("450 4.7.0 TLS required")
                else:
                    sender = " ".join(words[1:])[5:].split(" ")[0]
                    rcpts = []
                    self.reply("250 2.1.0 Sender OK")
            elif verb == "RCPT":
                rcpts.append(" ".join(words[1:])[3:].split(" ")[0])
                self.reply("250 2.1.5 Recipient OK")
            elif verb == "DATA":
                self.data(rcpts, sender)
            elif verb == "RSET":
                self.reply("250 2.0.0 Resetting")
            elif verb == "NOOP":
                self.reply("250 2.0.0 OK")
            elif verb == "QUIT":
                self.reply("221 2.0.0 Service closing transmission channel")
                return
            else:
                self.reply("500 5.3.3 Unrecognized command")


def serve(sock, cid, port):
    sock.settimeout(60)
    try:
        Session(sock, cid, port).run()
    except (EOFError, OSError, ssl.SSLError) as e:
        log(cid, "closed: %s" % type(e).__name__)
    finally:
        try:
            sock.close()
        except OSError:
            pass


def listen(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(16)
    return s


def accept_loop(ls, port, first):
    cid = first
    while True:
        s, _ = ls.accept()
        cid += 2
        log(cid, "connect port=%d" % port)
        threading.Thread(target=serve, args=(s, cid, port), daemon=True).start()


def main():
    sub, mx = listen(args.submission_port), listen(args.mx_port)
    threading.Thread(target=accept_loop, args=(mx, args.mx_port, 0), daemon=True).start()
    with open(args.ready, "w") as f:
        f.write("ok\n")
    accept_loop(sub, args.submission_port, 1)


if __name__ == "__main__":
    main()
