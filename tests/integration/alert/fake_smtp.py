#!/usr/bin/python3
"""fake_smtp.py - a loopback stand-in for smtp.office365.com:587 for probe.

EHLO, STARTTLS (--cert/--key), AUTH LOGIN and XOAUTH2 after TLS (with or
without an initial response), MAIL, RCPT, DATA, NOOP, RSET, QUIT.  The
answers come from the JSON file --config, read at each connection:

  {"auth_reply": "535 5.7.3 ...", "auth_mechs": "LOGIN XOAUTH2",
   "password": "...", "token": "..."}

A 235 auth_reply logs in only when the password (LOGIN) or bearer token
(XOAUTH2) is the configured one; otherwise 535 5.7.3.  Without AUTH, MAIL
gets 530 5.7.57.  Every session's verbs (not the credentials) go to
--log.  Binds 127.0.0.1 port 0 and writes the port to --port-file.
"""
import argparse
import base64
import json
import os
import socket
import ssl
import threading

SID = "SN4PR0501CA0054.namprd05.prod.outlook.com"
ap = argparse.ArgumentParser()
ap.add_argument("--cert", required=True)
ap.add_argument("--key", required=True)
ap.add_argument("--config", required=True)
ap.add_argument("--log", required=True)
ap.add_argument("--port-file", required=True)
args = ap.parse_args()
lock = threading.Lock()


def log(text):
    with lock, open(args.log, "a", encoding="utf-8") as f:
        f.write(text + "\n")


def b64(s):
    try:
        return base64.b64decode(s + "=" * (-len(s) % 4)).decode("latin1")
    except ValueError:
        return ""


class Session:
    def __init__(self, sock):
        self.sock, self.tls, self.authed = sock, False, False
        self.rfile = sock.makefile("rb")
        with open(args.config, encoding="utf-8") as f:
            self.cfg = json.load(f)

    def reply(self, line):
        self.sock.sendall(line.encode() + b"\r\n")

    def line(self):
        raw = self.rfile.readline(8192)
        if not raw:
            raise EOFError
        return raw.decode("latin1").rstrip("\r\n")

    def auth(self, w):
        mech = w[1].upper() if len(w) > 1 else ""
        log("AUTH %s" % mech)
        if not self.tls or mech not in self.cfg.get("auth_mechs", "").split():
            return self.reply("504 5.7.4 Unrecognized authentication type "
                              "[%s]" % SID)
        if mech == "LOGIN":
            if len(w) > 2:
                user = b64(w[2])
            else:
                self.reply("334 VXNlcm5hbWU6")
                user = b64(self.line())
            self.reply("334 UGFzc3dvcmQ6")
            good = b64(self.line()) == self.cfg.get("password")
        else:
            if len(w) > 2:
                ir = b64(w[2])
            else:
                self.reply("334 ")
                ir = b64(self.line())
            parts = dict(p.split("=", 1) for p in ir.split("\x01") if "=" in p)
            user = parts.get("user", "")
            good = parts.get("auth") == "Bearer " + self.cfg.get("token", "")
        log("user %s credential %s" % (user, "good" if good else "bad"))
        answer = self.cfg["auth_reply"]
        if answer.startswith("235") and not good:
            answer = "535 5.7.3 Authentication unsuccessful [%s]" % SID
        self.authed = answer.startswith("235")
        self.reply(answer)

    def run(self):
        self.reply("220 %s Microsoft ESMTP MAIL Service ready" % SID)
        while True:
            w = self.line().split()
            verb = w[0].upper() if w else ""
            if verb != "AUTH":
                log(verb)
            if verb == "EHLO":
                caps = [SID + " Hello [127.0.0.1]", "SIZE 157286400"]
                if not self.tls:
                    caps.append("STARTTLS")
                elif self.cfg.get("auth_mechs"):
                    caps.append("AUTH " + self.cfg["auth_mechs"])
                caps.append("ENHANCEDSTATUSCODES")
                for c in caps[:-1]:
                    self.reply("250-" + c)
                self.reply("250 " + caps[-1])
            elif verb == "STARTTLS" and not self.tls:
                self.reply("220 2.0.0 SMTP server ready")
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                ctx.load_cert_chain(args.cert, args.key)
                self.sock = ctx.wrap_socket(self.sock, server_side=True)
                self.rfile = self.sock.makefile("rb")
                self.tls = True
            elif verb == "AUTH":
                self.auth(w)
            elif verb == "MAIL":
                self.reply("250 2.1.0 Sender OK" if self.authed else
                           "530 5.7.57 Client not authenticated to send mail. "
                           "[%s 2026-11-24T02:00:00.000Z 08DE2A1B2C3D4E5F]"
                           % SID)
            elif verb == "RCPT":
                self.reply("250 2.1.5 Recipient OK")
            elif verb == "DATA":
                self.reply("354 Start mail input; end with <CRLF>.<CRLF>")
                while self.rfile.readline(65536).rstrip(b"\r\n") != b".":
                    pass
                log("MESSAGE accepted")
                self.reply("250 2.0.0 OK [Hostname=%s]" % SID)
            elif verb in ("NOOP", "RSET"):
                self.reply("250 2.0.0 OK")
            elif verb == "QUIT":
                self.reply("221 2.0.0 Service closing transmission channel")
                return
            else:
                self.reply("500 5.3.3 Unrecognized command")


def serve(s):
    s.settimeout(30)
    try:
        Session(s).run()
    except (EOFError, OSError, ssl.SSLError, ValueError):
        pass
    finally:
        s.close()


ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.bind(("127.0.0.1", 0))
ls.listen(16)
with open(args.port_file + ".tmp", "w") as f:
    f.write(str(ls.getsockname()[1]))
os.rename(args.port_file + ".tmp", args.port_file)
while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
