#!/usr/bin/python3
"""fake_m365.py - a loopback stand-in for smtp.office365.com:587.

(A copy of tests/integration/postfix/fake_m365.py for the load test.)

Speaks enough ESMTP for Postfix's smtp(8) client: EHLO, STARTTLS (server
certificate from --cert/--key), AUTH LOGIN/PLAIN/XOAUTH2 after TLS, MAIL,
RCPT, DATA, RSET, NOOP, QUIT.  What it answers is read from the JSON file
--config at every new connection, so a test switches scenarios without a
restart:

  {"auth_reply": "535 5.7.3 Authentication unsuccessful [SN4PR...com]",
   "unauth_mail_reply": "530 5.7.57 Client not authenticated ...",
   "auth_mechs": "LOGIN PLAIN XOAUTH2"}

An auth_reply starting with 235 logs the client in; its mail is accepted
and thrown away.  Every line in both directions is appended to --log.
Listens on 127.0.0.1 only.  Python standard library only.
"""
import argparse
import base64
import datetime
import json
import socket
import ssl
import threading

BANNER_HOST = "SN4PR0501CA0054.outlook.office365.com"
DEFAULTS = {
    "auth_reply": "535 5.7.3 Authentication unsuccessful "
                  "[SN4PR0501CA0054.namprd05.prod.outlook.com]",
    "unauth_mail_reply": "530 5.7.57 Client not authenticated to send mail. "
                         "[SN4PR0501CA0054.namprd05.prod.outlook.com "
                         "2026-11-22T17:00:00.000Z 08DE2A1B2C3D4E5F]",
    "auth_mechs": "LOGIN PLAIN XOAUTH2",
}

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--cert", required=True)
ap.add_argument("--key", required=True)
ap.add_argument("--config", required=True)
ap.add_argument("--log", required=True)
args = ap.parse_args()
log_lock = threading.Lock()


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def log(cid, tag, text):
    with log_lock, open(args.log, "a", encoding="utf-8") as f:
        f.write("%s #%d %s %s\n" % (now().strftime("%H:%M:%S.%f")[:-3], cid, tag, text))


def scenario():
    cfg = dict(DEFAULTS)
    try:
        with open(args.config, encoding="utf-8") as f:
            cfg.update(json.load(f))
    except (OSError, ValueError):
        pass
    return cfg


class Session:
    def __init__(self, sock, cid):
        self.sock, self.cid = sock, cid
        self.rfile = sock.makefile("rb")
        self.tls = False
        self.authed = False
        self.cfg = scenario()

    def reply(self, line):
        log(self.cid, "S:", line)
        self.sock.sendall(line.encode() + b"\r\n")

    def line(self):
        raw = self.rfile.readline(4096)
        if not raw:
            raise EOFError
        text = raw.decode("utf-8", "replace").rstrip("\r\n")
        log(self.cid, "C:", text)
        return text

    def ehlo(self):
        caps = ["%s Hello [127.0.0.1]" % BANNER_HOST, "SIZE 157286400",
                "PIPELINING", "DSN", "ENHANCEDSTATUSCODES"]
        if not self.tls:
            caps.append("STARTTLS")
        elif self.cfg["auth_mechs"]:
            caps.append("AUTH " + self.cfg["auth_mechs"])
        caps += ["8BITMIME", "BINARYMIME", "CHUNKING", "SMTPUTF8"]
        for c in caps[:-1]:
            self.reply("250-" + c)
        self.reply("250 " + caps[-1])

    def starttls(self):
        self.reply("220 2.0.0 SMTP server ready")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        self.sock = ctx.wrap_socket(self.sock, server_side=True)
        self.rfile = self.sock.makefile("rb")
        self.tls = True
        log(self.cid, "--", "TLS %s" % self.sock.version())

    def auth(self, words):
        mech = words[1].upper() if len(words) > 1 else ""
        if not self.tls or mech not in ("LOGIN", "PLAIN", "XOAUTH2"):
            return self.reply("504 5.7.4 Unrecognized authentication type")
        if mech == "LOGIN":
            user = words[2] if len(words) > 2 else None
            if user is None:
                self.reply("334 VXNlcm5hbWU6")
                user = self.line()
            self.reply("334 UGFzc3dvcmQ6")
            self.line()
            try:
                who = base64.b64decode(user + "==").decode("latin1")
            except ValueError:
                who = "?"
            log(self.cid, "--", "AUTH LOGIN as %r" % who)
        elif len(words) <= 2:
            self.reply("334 ")
            self.line()
        answer = self.cfg["auth_reply"]
        self.authed = answer.startswith("235")
        self.reply(answer)

    def run(self):
        self.reply("220 %s Microsoft ESMTP MAIL Service ready at %s"
                   % (BANNER_HOST, now().strftime("%a, %d %b %Y %H:%M:%S +0000")))
        while True:
            words = self.line().split()
            verb = words[0].upper() if words else ""
            if verb in ("EHLO", "HELO"):
                self.ehlo()
            elif verb == "STARTTLS" and not self.tls:
                self.starttls()
            elif verb == "AUTH":
                self.auth(words)
            elif verb == "MAIL":
                self.reply("250 2.1.0 Sender OK" if self.authed
                           else self.cfg["unauth_mail_reply"])
            elif verb == "RCPT":
                self.reply("250 2.1.5 Recipient OK")
            elif verb == "DATA":
                self.reply("354 Start mail input; end with <CRLF>.<CRLF>")
                while self.rfile.readline(65536).rstrip(b"\r\n") != b".":
                    pass
                self.reply("250 2.0.0 OK <fake@%s> [Hostname=%s]" % (BANNER_HOST, BANNER_HOST))
            elif verb == "RSET":
                self.reply("250 2.0.0 Resetting")
            elif verb == "NOOP":
                self.reply("250 2.0.0 OK")
            elif verb == "QUIT":
                self.reply("221 2.0.0 Service closing transmission channel")
                return
            else:
                self.reply("500 5.3.3 Unrecognized command")


def serve(sock, cid):
    sock.settimeout(120)
    try:
        Session(sock, cid).run()
    except (EOFError, OSError, ssl.SSLError) as e:
        log(cid, "--", "closed: %r" % (e,))
    finally:
        try:
            sock.close()
        except OSError:
            pass


def main():
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", args.port))
    ls.listen(32)
    cid = 0
    while True:
        s, _ = ls.accept()
        cid += 1
        threading.Thread(target=serve, args=(s, cid), daemon=True).start()


if __name__ == "__main__":
    main()
