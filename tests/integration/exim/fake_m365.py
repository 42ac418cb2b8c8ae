#!/usr/bin/python3
"""fake_m365.py - a fake Microsoft 365 client-submission endpoint
(smtp.office365.com:587 lookalike) for relayhint's Exim integration test.
Python standard library only; loopback only.

One process listens on several 127.0.0.1 ports, each with its own reply
scenario, so that every test case has its own smarthost "host:port" (and so
its own Exim retry record) and all cases can run at once:

  fake_m365.py --cert C --key K --log transcript.log --spool DIR \
      --listen 2601=5.7.3 --listen 2602=tenant ...

Like Microsoft it offers STARTTLS, advertises AUTH LOGIN XOAUTH2 only after
TLS, implements PIPELINING and CHUNKING (Exim uses BDAT when offered), and
answers MAIL FROM without a successful AUTH with 530 5.7.57.  Accepted
messages are written to SPOOL/PORT-N.eml.  Every line of every session goes
to the transcript.  Scenarios (reply texts as Microsoft sends them):
  5.7.3    535 5.7.3 Authentication unsuccessful
  tenant   535 5.7.139 ... SmtpClientAuthentication is disabled for the Tenant
  secdef   535 5.7.139 ... locked by your organization's security defaults policy
  5.7.57   no AUTH expected; MAIL FROM gets 530 5.7.57
  ok       235 2.7.0 Authentication successful; the message is accepted
"""
import argparse, base64, datetime, os, socket, ssl, sys, threading

HOST = "SN4PR0501CA0054.outlook.office365.com"
SID = "[SN4PR0501CA0054.namprd05.prod.outlook.com]"
AUTH_REPLY = {
    "5.7.3": "535 5.7.3 Authentication unsuccessful " + SID,
    "tenant": "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication "
              "is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled "
              "for more information. [DM6PR02CA0123.namprd02.prod.outlook.com]",
    "secdef": "535 5.7.139 Authentication unsuccessful, user is locked by your "
              "organization's security defaults policy. Contact your administrator. " + SID,
    "5.7.57": "535 5.7.3 Authentication unsuccessful " + SID,
    "ok": "235 2.7.0 Authentication successful",
}
UNAUTH_MAIL = ("530 5.7.57 Client not authenticated to send mail. "
               "[SN4PR0501CA0054.namprd05.prod.outlook.com 2026-11-22T17:00:00.000Z 08DE2A1B2C3D4E5F]")
DATA_OK = ("250 2.6.0 <fake@SN4PR0501CA0054.namprd05.prod.outlook.com> "
           "[InternalId=1, Hostname=SN4PR0501CA0054.namprd05.prod.outlook.com] Queued mail for delivery")

ap = argparse.ArgumentParser()
ap.add_argument("--listen", action="append", required=True, help="PORT=SCENARIO")
ap.add_argument("--cert", required=True)
ap.add_argument("--key", required=True)
ap.add_argument("--log", required=True)
ap.add_argument("--spool", required=True)
args = ap.parse_args()

lock = threading.Lock()
counter = [0]


def log(port, cid, direction, text):
    with lock, open(args.log, "a") as f:
        f.write("%s %d#%d %s %s\n" % (datetime.datetime.utcnow().strftime("%H:%M:%S.%f")[:-3],
                                      port, cid, direction, text))


class Conn:
    def __init__(self, sock, port, scenario, cid):
        self.sock, self.port, self.scen, self.cid = sock, port, scenario, cid
        self.f = sock.makefile("rb")
        self.tls = self.authed = self.mail_ok = False
        self.rcpts = 0
        self.data = b""

    def send(self, line):
        log(self.port, self.cid, "S:", line)
        self.sock.sendall((line + "\r\n").encode())

    def recv(self):
        raw = self.f.readline(65536)
        if not raw:
            raise EOFError
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        log(self.port, self.cid, "C:", line)
        return line

    def ehlo(self):
        lines = ["%s Hello [127.0.0.1]" % HOST, "SIZE 37748736", "PIPELINING", "DSN",
                 "ENHANCEDSTATUSCODES"]
        lines.append("STARTTLS" if not self.tls else "AUTH LOGIN XOAUTH2")
        lines += ["8BITMIME", "BINARYMIME", "CHUNKING", "SMTPUTF8"]
        for l in lines[:-1]:
            self.send("250-" + l)
        self.send("250 " + lines[-1])

    def auth(self, parts):
        mech = parts[1].upper() if len(parts) > 1 else ""
        if not self.tls or mech not in ("LOGIN", "PLAIN", "XOAUTH2"):
            return self.send("504 5.7.4 Unrecognized authentication type")
        if mech == "LOGIN":
            if len(parts) <= 2:
                self.send("334 VXNlcm5hbWU6")
                self.recv()
            self.send("334 UGFzc3dvcmQ6")
            self.recv()
        elif len(parts) <= 2:
            self.send("334 ")
            self.recv()
        reply = AUTH_REPLY[self.scen]
        self.authed = reply.startswith("235")
        self.send(reply)

    def store(self):
        with lock:
            counter[0] += 1
            n = counter[0]
        path = os.path.join(args.spool, "%d-%d.eml" % (self.port, n))
        with open(path + ".tmp", "wb") as f:
            f.write(self.data)
        os.rename(path + ".tmp", path)
        self.data = b""

    def run(self):
        self.send("220 %s Microsoft ESMTP MAIL Service ready at %s" % (
            HOST, datetime.datetime.utcnow().strftime("%a, %d %b %Y %H:%M:%S +0000")))
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
            elif verb == "AUTH":
                self.auth(parts)
            elif verb == "MAIL":
                self.mail_ok = self.authed
                self.rcpts = 0
                self.send("250 2.1.0 Sender OK" if self.authed else UNAUTH_MAIL)
            elif verb == "RCPT":
                if not self.mail_ok:
                    self.send("503 5.5.2 Need mail command")
                else:
                    self.rcpts += 1
                    self.send("250 2.1.5 Recipient OK")
            elif verb == "DATA":
                if not (self.mail_ok and self.rcpts):
                    self.send("503 5.5.2 Need rcpt command")
                    continue
                self.send("354 Start mail input; end with <CRLF>.<CRLF>")
                while True:
                    l = self.f.readline(1 << 20)
                    if not l or l.rstrip(b"\r\n") == b".":
                        break
                    self.data += l[1:] if l.startswith(b"..") else l
                self.mail_ok = False
                self.store()
                self.send(DATA_OK)
            elif verb == "BDAT":
                size = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
                last = len(parts) > 2 and parts[2].upper() == "LAST"
                got = self.f.read(size) if size else b""
                if not (self.mail_ok and self.rcpts):
                    self.send("503 5.5.2 Need rcpt command")
                    continue
                self.data += got
                if last:
                    self.mail_ok = False
                    self.store()
                    self.send(DATA_OK)
                else:
                    self.send("250 2.0.0 BDAT chunk received")
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


def serve(sock, port, scenario, cid):
    sock.settimeout(60)
    try:
        Conn(sock, port, scenario, cid).run()
    except (EOFError, ConnectionError, ssl.SSLError, OSError, socket.timeout) as e:
        log(port, cid, "--", "connection ended: %r" % (e,))
    finally:
        try:
            sock.close()
        except OSError:
            pass


def listener(port, scenario):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(16)
    cid = 0
    while True:
        s, _ = ls.accept()
        cid += 1
        threading.Thread(target=serve, args=(s, port, scenario, cid), daemon=True).start()


def main():
    threads = []
    for item in args.listen:
        port, scen = item.split("=", 1)
        if scen not in AUTH_REPLY:
            sys.exit("unknown scenario " + scen)
        t = threading.Thread(target=listener, args=(int(port), scen), daemon=True)
        t.start()
        threads.append(t)
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
