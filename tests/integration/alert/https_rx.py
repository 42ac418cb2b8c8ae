#!/usr/bin/python3
"""https_rx.py - loopback HTTPS receiver for the alert and probe tests.

Two roles, by path:
  POST /hook/FORMAT   a webhook: checks X-Relayhint-Signature (HMAC-SHA256
                      over "TIMESTAMP.BODY" with --secret-file, timestamp
                      within 300 s) and the payload shape for FORMAT (json,
                      teams, slack); appends one line per request to --out:
                      "OK FORMAT CAUSE" or "BAD FORMAT why".  Bad signature:
                      HTTP 401.
  POST /TENANT/oauth2/v2.0/token
                      a fake Entra ID token endpoint: client credentials
                      with --client-secret-file give {"access_token":
                      --token}; else 401 with AADSTS7000215.
--delay N sleeps N seconds before answering (a slow receiver);
--delay-first N sleeps only before the first webhook request (a drainer
can be killed mid-post); --fail-first N answers the first N webhook
requests with HTTP 503 ("FAIL FORMAT" in --out), an outage.  Binds
127.0.0.1 port 0 and writes the port to --port-file.  Standard library.
"""
import argparse
import hashlib
import hmac
import http.server
import json
import ssl
import threading
import time
import urllib.parse

ap = argparse.ArgumentParser()
ap.add_argument("--cert", required=True)
ap.add_argument("--key", required=True)
ap.add_argument("--port-file", required=True)
ap.add_argument("--out", required=True)
ap.add_argument("--secret-file")
ap.add_argument("--client-secret-file")
ap.add_argument("--token", default="")
ap.add_argument("--delay", type=float, default=0)
ap.add_argument("--delay-first", type=float, default=0)
ap.add_argument("--fail-first", type=int, default=0)
args = ap.parse_args()


hooks_seen = [0]
hooks_lock = threading.Lock()


def record(line):
    with open(args.out, "a", encoding="utf-8") as f:
        f.write(line + "\n")


def check_shape(fmt, d):
    """None when the payload has what FORMAT needs, else why not."""
    if fmt == "json":
        for k in ("cause", "smtp_code", "enhanced_code", "relay", "server_id",
                  "count", "first_seen", "last_seen", "summary", "steps",
                  "host"):
            if k not in d:
                return "missing " + k
        if not isinstance(d["steps"], list) or not d["steps"]:
            return "no steps"
        return None
    if fmt == "teams":
        a = d["attachments"][0]
        if d.get("type") != "message" or \
           a["contentType"] != "application/vnd.microsoft.card.adaptive":
            return "not a Teams message"
        c = a["content"]
        if c.get("type") != "AdaptiveCard" or \
           not any(b.get("type") == "FactSet" for b in c["body"]):
            return "no Adaptive Card with facts"
        return None
    if fmt == "slack":
        if not d.get("text") or d["blocks"][0]["type"] != "header" or \
           len(d["blocks"][0]["text"]["text"]) > 150:
            return "not a Slack message"
        return None
    return "unknown format"


def cause_of(fmt, d):
    if fmt == "json":
        return d["cause"]
    if fmt == "teams":
        for b in d["attachments"][0]["content"]["body"]:
            if b.get("type") == "FactSet":
                return b["facts"][0]["value"]
    return d["blocks"][0]["text"]["text"].split(": ", 1)[1]


class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def answer(self, code, body):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        if args.delay:
            time.sleep(args.delay)
        if self.path.startswith("/hook/"):
            return self.hook(self.path[6:].split("?")[0], body)
        if self.path.endswith("/oauth2/v2.0/token"):
            return self.token(body)
        self.answer(404, "{}")

    def hook(self, fmt, body):
        with hooks_lock:
            hooks_seen[0] += 1
            nth = hooks_seen[0]
        if nth == 1 and args.delay_first:
            time.sleep(args.delay_first)
        if nth <= args.fail_first:
            record("FAIL %s" % fmt)
            return self.answer(503, '{"error":"outage"}')
        secret = open(args.secret_file, "rb").read().strip()
        ts = self.headers.get("X-Relayhint-Timestamp", "")
        sig = self.headers.get("X-Relayhint-Signature", "")
        want = "sha256=" + hmac.new(secret, ts.encode() + b"." + body,
                                    hashlib.sha256).hexdigest()
        if not hmac.compare_digest(sig, want):
            record("BAD %s signature" % fmt)
            return self.answer(401, '{"error":"bad signature"}')
        if not ts.isdigit() or abs(time.time() - int(ts)) > 300:
            record("BAD %s stale timestamp" % fmt)
            return self.answer(401, '{"error":"stale"}')
        try:
            d = json.loads(body)
            why = check_shape(fmt, d)
            cause = cause_of(fmt, d)
        except (ValueError, KeyError, IndexError, TypeError) as e:
            why, cause = "unparsable: %r" % (e,), "-"
        record("BAD %s %s" % (fmt, why) if why else "OK %s %s" % (fmt, cause))
        self.answer(200, "{}")

    def token(self, body):
        f = urllib.parse.parse_qs(body.decode())
        want = open(args.client_secret_file).read().strip()
        ok = (f.get("grant_type") == ["client_credentials"] and
              f.get("scope") == ["https://outlook.office365.com/.default"] and
              f.get("client_secret") == [want])
        record("TOKEN %s client=%s" % ("issued" if ok else "refused",
                                       f.get("client_id", ["-"])[0]))
        if ok:
            return self.answer(200, json.dumps({
                "token_type": "Bearer", "expires_in": 3599,
                "ext_expires_in": 3599, "access_token": args.token}))
        self.answer(401, json.dumps({
            "error": "invalid_client",
            "error_description": "AADSTS7000215: Invalid client secret "
            "provided. Ensure the secret being sent in the request is the "
            "client secret value, not the client secret ID, for a secret "
            "added to app '00000000-0000-0000-0000-000000000001'. Trace ID: "
            "0b4e Correlation ID: 77aa Timestamp: 2026-11-24 02:00:00Z",
            "error_codes": [7000215]}))


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(args.cert, args.key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.daemon_threads = True
with open(args.port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os  # noqa: E402
os.rename(args.port_file + ".tmp", args.port_file)
srv.serve_forever()
