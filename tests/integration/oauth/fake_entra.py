#!/usr/bin/env python3
"""fake_entra.py - a fake Microsoft Entra ID token endpoint on loopback.

HTTPS with the test's own certificate; answers the v2.0 endpoints as
https://login.microsoftonline.com does, for the flows relayhint uses:

  POST /TENANT/oauth2/v2.0/devicecode   device_code, user_code,
                                        verification_uri, interval, expires_in
  POST /TENANT/oauth2/v2.0/token        grant_type device_code,
                                        client_credentials or refresh_token

The TENANT path segment picks the scenario of the device flow:
  ok        authorization_pending twice, then tokens
  slow      slow_down once, then tokens
  expired   expired_token
  declined  authorization_declined
Client credentials need client_secret == SECRET and scope
https://outlook.office365.com/.default (else AADSTS7000215 / AADSTS70011);
a refresh needs a refresh_token that was issued (else AADSTS700082).
Every request is appended to LOG as one JSON line (form fields included:
it is the test's fake secret, the test checks what was sent).

Usage: fake_entra.py CERT KEY PORTFILE LOG SECRET [ISSUED]
ISSUED, when given, gets each access token issued, one a line (the fake
Microsoft 365 of tests/integration/migrate-exim accepts only the last).
"""
import http.server
import json
import ssl
import sys
import threading
import time
import urllib.parse

CERT, KEY, PORTFILE, LOG, SECRET = sys.argv[1:6]
ISSUED = sys.argv[6] if len(sys.argv) > 6 else None
state = {"polls": {}, "refresh": set(), "n": 0}
lock = threading.Lock()


def tokens(scope):
    state["n"] += 1
    rt = "RT-fake-refresh-%d" % state["n"]
    state["refresh"].add(rt)
    if ISSUED:
        with open(ISSUED, "a") as f:
            f.write("AT-fake-access-%d\n" % state["n"])
    return {"token_type": "Bearer", "scope": scope, "expires_in": 3599,
            "access_token": "AT-fake-access-%d" % state["n"],
            "refresh_token": rt}


def aad(code, desc, status=400):
    return status, {"error": code, "error_description":
                    desc + "\r\nTrace ID: 0000\r\nCorrelation ID: 1111\r\n"
                    "Timestamp: 2026-12-07 10:00:00Z",
                    "error_codes": [int(desc[6:desc.index(":")])]}


class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        form = dict(urllib.parse.parse_qsl(self.rfile.read(n).decode()))
        parts = self.path.strip("/").split("/")
        tenant, what = parts[0], parts[-1]
        with lock:
            with open(LOG, "a") as f:
                f.write(json.dumps({"path": self.path, "form": form}) + "\n")
            status, body = self.answer(tenant, what, form)
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def answer(self, tenant, what, form):
        if what == "devicecode":
            return 200, {"device_code": "DC-" + tenant, "user_code": "FAKE-CODE",
                         "verification_uri": "https://microsoft.com/devicelogin",
                         "expires_in": 900, "interval": 1,
                         "message": "To sign in, use a web browser"}
        gt = form.get("grant_type", "")
        if gt == "urn:ietf:params:oauth:grant-type:device_code":
            k = form.get("device_code", "")
            p = state["polls"][k] = state["polls"].get(k, 0) + 1
            if tenant == "expired":
                return aad("expired_token", "AADSTS70020: The provided value "
                           "for the input parameter 'device_code' is not valid. "
                           "This device code has expired.")
            if tenant == "declined":
                return aad("authorization_declined", "AADSTS70000: The user "
                           "declined to authorize the request.")
            if tenant == "slow" and p == 1:
                return aad("slow_down", "AADSTS70016: OAuth 2.0 device flow "
                           "error. Authorization is pending. Continue polling.")
            if tenant == "ok" and p <= 2:
                return aad("authorization_pending", "AADSTS70016: OAuth 2.0 "
                           "device flow error. Authorization is pending. "
                           "Continue polling.")
            return 200, tokens(form.get("scope", "SMTP.Send"))
        if gt == "client_credentials":
            if form.get("client_secret") != SECRET:
                return aad("invalid_client", "AADSTS7000215: Invalid client "
                           "secret provided. Ensure the secret being sent in "
                           "the request is the client secret value, not the "
                           "client secret ID.", 401)
            if form.get("scope") != "https://outlook.office365.com/.default":
                return aad("invalid_scope", "AADSTS70011: The provided request "
                           "must include a 'scope' input parameter.")
            t = tokens(form["scope"])
            del t["refresh_token"]
            return 200, t
        if gt == "refresh_token":
            if form.get("refresh_token") not in state["refresh"]:
                return aad("invalid_grant", "AADSTS700082: The refresh token "
                           "has expired due to inactivity.")
            return 200, tokens(form.get("scope", ""))
        return aad("unsupported_grant_type", "AADSTS70003: The app requested "
                   "an unsupported grant type.")


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(CERT, KEY)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os
os.rename(PORTFILE + ".tmp", PORTFILE)
srv.serve_forever()
