#!/usr/bin/python3
"""fake_m365.py - fake Microsoft 365 endpoints for relayhint's Exim
migration test (Python standard library only, loopback only):

  submit     smtp.office365.com:587 lookalike: STARTTLS, then AUTH LOGIN
             XOAUTH2.  LOGIN succeeds with --user and the password in
             --password-file; XOAUTH2 with user=--user and a bearer token
             equal to the LAST line of --tokens-file (the fake Entra ID
             appends every access token it issues, so only the newest one
             works, as after a refresh).  A refused XOAUTH2 gets what
             Microsoft sends: 334 with a base64 JSON status, then, after
             the client's empty line, 535 5.7.3.  MAIL without AUTH: 530
             5.7.57.
  connector  <tenant>.mail.protection.outlook.com:25 lookalike: STARTTLS,
             no AUTH offered; MAIL before STARTTLS: 451 5.7.3.

  fake_m365.py --cert C --key K --log LOG --spool DIR --user U
      --password-file F --tokens-file F --listen PORT=submit ...

Accepted messages go to SPOOL/PORT-N.eml.  The transcript (LOG) has
every line, with AUTH data replaced by what it decoded to, minus the
secret: "LOGIN user=U password=right|wrong", "XOAUTH2 user=U token=
right|wrong", "EMPTY" for an empty line, "CANCEL" for "*".
"""
import argparse, base64, datetime, json, os, socket, ssl, threading

SID = "[SN4PR0501CA0054.namprd05.prod.outlook.com]"
HOST = "SN4PR0501CA0054.outlook.office365.com"
ERR = base64.b64encode(json.dumps({"status": "401", "schemes": "bearer",
                                   "scope": "https://outlook.office.com/"}).encode()).decode()

ap = argparse.ArgumentParser()
ap.add_argument("--listen", action="append", required=True)
for a in ("cert", "key", "log", "spool", "user", "password-file", "tokens-file"):
    ap.add_argument("--" + a, required=True)
args = ap.parse_args()
lock = threading.Lock()
count = [0]


def log(port, cid, d, text):
    with lock, open(args.log, "a") as f:
        f.write("%s %d#%d %s %s\n" % (datetime.datetime.utcnow().strftime("%H:%M:%S.%f")[:-3],
                                      port, cid, d, text))


def first_line(path):
    with open(path) as f:
        return f.read().split("\n")[0]


def last_token():
    try:
        lines = [l for l in open(args.tokens_file).read().split("\n") if l]
    except OSError:
        return None
    return lines[-1] if lines else None


class Conn:
    def __init__(self, sock, port, kind, cid):
        self.sock, self.port, self.kind, self.cid = sock, port, kind, cid
        self.f = sock.makefile("rb")
        self.tls = self.authed = self.mail = False
        self.rcpts = 0
        self.data = b""

    def send(self, line):
        log(self.port, self.cid, "S:", line)
        self.sock.sendall((line + "\r\n").encode())

    def raw(self):
        r = self.f.readline(65536)
        if not r:
            raise EOFError
        return r.decode("utf-8", "replace").rstrip("\r\n")

    def recv(self):
        line = self.raw()
        if line.upper().startswith("AUTH "):
            log(self.port, self.cid, "C:", " ".join(line.split()[:2]) +
                (" <initial response>" if len(line.split()) > 2 else ""))
        else:
            log(self.port, self.cid, "C:", line)
        return line

    def auth_line(self, what):
        line = self.raw()
        log(self.port, self.cid, "C:", "EMPTY" if line == "" else "CANCEL"
            if line == "*" else "<%s>" % what)
        return line

    def ehlo(self):
        lines = ["%s Hello [127.0.0.1]" % HOST, "SIZE 157286400", "PIPELINING", "DSN",
                 "ENHANCEDSTATUSCODES"]
        if not self.tls:
            lines.append("STARTTLS")
        elif self.kind == "submit":
            lines.append("AUTH LOGIN XOAUTH2")
        lines += ["8BITMIME", "BINARYMIME", "CHUNKING", "SMTPUTF8"]
        for l in lines[:-1]:
            self.send("250-" + l)
        self.send("250 " + lines[-1])

    def auth(self, parts):
        mech = parts[1].upper() if len(parts) > 1 else ""
        if self.kind != "submit" or not self.tls or mech not in ("LOGIN", "XOAUTH2"):
            return self.send("504 5.7.4 Unrecognized authentication type " + SID)
        b64 = lambda s: base64.b64decode(s + "=" * (-len(s) % 4)).decode("utf-8", "replace")
        if mech == "LOGIN":
            if len(parts) > 2:
                user = b64(parts[2])
            else:
                self.send("334 VXNlcm5hbWU6")
                user = b64(self.auth_line("user"))
            self.send("334 UGFzc3dvcmQ6")
            pw = b64(self.auth_line("password"))
            ok = user == args.user and pw == first_line(args.password_file)
            log(self.port, self.cid, "--", "LOGIN user=%s password=%s" % (user, "right" if ok else "wrong"))
        else:
            if len(parts) > 2:
                ir = parts[2]
            else:
                self.send("334 ")
                ir = self.auth_line("initial response")
            f = dict(kv.split("=", 1) for kv in b64(ir).split("\x01") if "=" in kv)
            tok = f.get("auth", "")[len("Bearer "):] if f.get("auth", "").startswith("Bearer ") else ""
            ok = f.get("user") == args.user and tok != "" and tok == last_token()
            log(self.port, self.cid, "--", "XOAUTH2 user=%s token=%s" % (f.get("user"), "right" if ok else "wrong"))
            if not ok:
                self.send("334 " + ERR)
                if self.auth_line("after error") == "*":
                    return self.send("501 5.7.0 Authentication cancelled " + SID)
        if ok:
            self.authed = True
            self.send("235 2.7.0 Authentication successful")
        else:
            self.send("535 5.7.3 Authentication unsuccessful " + SID)

    def store(self):
        with lock:
            count[0] += 1
            n = count[0]
        p = os.path.join(args.spool, "%d-%d.eml" % (self.port, n))
        with open(p + ".tmp", "wb") as f:
            f.write(self.data)
        os.rename(p + ".tmp", p)
        self.data = b""

    def run(self):
        self.send("220 %s Microsoft ESMTP MAIL Service ready" % HOST)
        while True:
            line = self.recv()
            parts = line.split()
            verb = parts[0].upper() if parts else ""
            if verb in ("EHLO", "HELO"):
                self.ehlo()
            elif verb == "STARTTLS" and not self.tls:
                self.send("220 2.0.0 SMTP server ready")
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                ctx.load_cert_chain(args.cert, args.key)
                self.sock = ctx.wrap_socket(self.sock, server_side=True)
                self.f = self.sock.makefile("rb")
                self.tls = True
                self.authed = False
            elif verb == "AUTH":
                self.auth(parts)
            elif verb == "MAIL":
                if self.kind == "connector" and not self.tls:
                    self.send("451 5.7.3 STARTTLS is required to send mail " + SID)
                elif self.kind == "submit" and not self.authed:
                    self.send("530 5.7.57 Client not authenticated to send mail. " + SID)
                else:
                    self.mail, self.rcpts = True, 0
                    self.send("250 2.1.0 Sender OK")
            elif verb == "RCPT":
                if not self.mail:
                    self.send("503 5.5.2 Need mail command")
                else:
                    self.rcpts += 1
                    self.send("250 2.1.5 Recipient OK")
            elif verb == "DATA":
                if not (self.mail and self.rcpts):
                    self.send("503 5.5.2 Need rcpt command")
                    continue
                self.send("354 Start mail input; end with <CRLF>.<CRLF>")
                while True:
                    l = self.f.readline(1 << 20)
                    if not l or l.rstrip(b"\r\n") == b".":
                        break
                    self.data += l[1:] if l.startswith(b"..") else l
                self.mail = False
                self.store()
                self.send("250 2.6.0 <fake@%s> Queued mail for delivery" % HOST)
            elif verb == "BDAT":
                size = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
                got = self.f.read(size) if size else b""
                if not (self.mail and self.rcpts):
                    self.send("503 5.5.2 Need rcpt command")
                    continue
                self.data += got
                if len(parts) > 2 and parts[2].upper() == "LAST":
                    self.mail = False
                    self.store()
                    self.send("250 2.6.0 <fake@%s> Queued mail for delivery" % HOST)
                else:
                    self.send("250 2.0.0 BDAT chunk received")
            elif verb == "RSET":
                self.mail = False
                self.send("250 2.0.0 Resetting")
            elif verb == "NOOP":
                self.send("250 2.0.0 OK")
            elif verb == "QUIT":
                self.send("221 2.0.0 Service closing transmission channel")
                return
            else:
                self.send("500 5.3.3 Unrecognized command")


def serve(sock, port, kind, cid):
    sock.settimeout(60)
    try:
        Conn(sock, port, kind, cid).run()
    except (EOFError, ConnectionError, ssl.SSLError, OSError, socket.timeout, ValueError) as e:
        log(port, cid, "--", "connection ended: %r" % (e,))
    finally:
        try:
            sock.close()
        except OSError:
            pass


def listener(ls, port, kind):
    cid = 0
    while True:
        s, _ = ls.accept()
        cid += 1
        threading.Thread(target=serve, args=(s, port, kind, cid), daemon=True).start()


threads = []
for item in args.listen:
    port, kind = item.split("=", 1)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", int(port)))
    ls.listen(16)
    t = threading.Thread(target=listener, args=(ls, int(port), kind), daemon=True)
    t.start()
    threads.append(t)
open(args.log, "a").close()
with open(args.spool + "/ready", "w") as f:
    f.write("ok\n")
for t in threads:
    t.join()
