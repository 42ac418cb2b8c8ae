#!/usr/bin/python3
"""pfxtest.py - relayhint-milter against a real, private Postfix instance.

usage: pfxtest.py WORKDIR SRCDIR      (run by run.sh, as root)

Builds a Postfix instance of its own under WORKDIR (config_directory,
queue_directory, data_directory, maildirs; loopback only, ports picked
free at start), a fake Microsoft 365 submission server (fake_m365.py,
STARTTLS + AUTH, the real reply texts), a syslog socket the milter logs
to, a recording tap between Postfix and the milter (milter_tap.py), and
runs build/relayhint-milter as user nobody.  Mail goes in over SMTP; the
bounces Postfix generates come back through non_smtpd_milters
(internal_mail_filter_classes = bounce) and land in maildirs, where they
are checked.  One "PASS: name" / "FAIL: name: why" line per assertion.

Inbound (phase_inbound): the same milter is in smtpd_milters.  A
constructed Exchange Online NDR (tests/data/ndr/) and a real Outlook.com
NDR (tests/data/external/set-of-emails/) are sent to the private smtpd
with MAIL FROM:<> for a local user; each must land in that maildir with
X-Relayhint-Cause/-Code, the hint in its text part, the delivery-status
part and everything after it byte-identical to the bytes sent, and one
syslog line (kind=ms-ndr) under Postfix's queue id.  An ordinary message,
a null-sender text/plain notice and a read receipt must arrive
byte-identical apart from the headers Postfix puts on top, with the tap
showing the milter accepted them at MAIL FROM or at Content-Type without
being sent a body.

Webhook alerts: the milter runs with alert_spool set throughout, so each
cause the bounces carry is spooled once (alert_quiet = 1h, across the
milter's restart in the fail-open phase).  At the end "relayhint
alert-drain --once" posts them to tests/integration/alert/https_rx.py
over verified TLS, which checks the HMAC; then the spool is made
unwritable for the milter's user and bounces must still be enriched and
delivered, with one rate-limited warning.

The byte-identity check: the tap records the body Postfix sent the milter
for each bounce (its own output, same run, same queue id).  Everything
from the delimiter line of the delivery-status part to the end of the
body must come out of the milter and into the mailbox unchanged, after
only the CRLF -> LF that local delivery does.  A second, weaker check
compares the DSN part of an enriched bounce with that of a bounce the
milter never saw (milter stopped), with queue id, arrival date and
boundary masked - the only fields that legitimately differ between runs.
"""
import email
import email.policy
import email.utils
import glob
import json
import os
import re
import shutil
import signal
import smtplib
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import pflab  # noqa: E402
from milter_tap import Tap  # noqa: E402
from pflab import SyslogSink, free_port, note, run, wait_for, write  # noqa: E402

W, SRC = sys.argv[1], sys.argv[2]
LAB = pflab.Lab(W, SRC)
MILTER = LAB.milter
RELAYHINT = os.path.join(SRC, "build", "relayhint")
ALERT_DIR = os.path.join(SRC, "tests", "integration", "alert")
T = pflab.Checks()
ok, bad, check = T.ok, T.bad, T.check
procs = LAB.procs


# ---------------------------------------------------------------- layout

ETC, MAIL, RUN = LAB.etc, LAB.mail, LAB.rundir
M365_CFG = os.path.join(RUN, "m365.json")
CONF = os.path.join(RUN, "relayhint.conf")
LOGSOCK = LAB.logsock
ALERTS = os.path.join(W, "alerts")
ALERT_SECRET = "whsec-postfix-test-key-do-not-print"
P_SMTP, P_M365, P_MILTER, P_TAP = (free_port() for _ in range(4))
UNAUTH = ("530 5.7.57 Client not authenticated to send mail. "
          "[SN4PR0501CA0054.namprd05.prod.outlook.com 2026-11-22T17:00:00.000Z 08DE2A1B2C3D4E5F]")

# name -> (recipient, AUTH reply, cause, enhanced code)
CASES = [
    ("535-5.7.3", "bob@customer.example",
     "535 5.7.3 Authentication unsuccessful [SN4PR0501CA0054.namprd05.prod.outlook.com]",
     "m365.auth.bad_credentials", "5.7.3"),
    ("535-5.7.139-tenant", "bob@customer.example",
     "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the "
     "Tenant. Visit https://aka.ms/smtp_auth_disabled for more information. "
     "[DM6PR02CA0123.namprd02.prod.outlook.com]",
     "m365.auth.smtp_auth_disabled_tenant", "5.7.139"),
    ("535-5.7.139-mailbox", "bob@customer.example",
     "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the "
     "Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information. "
     "[DM6PR02CA0123.namprd02.prod.outlook.com]",
     "m365.auth.smtp_auth_disabled_mailbox", "5.7.139"),
    ("535-5.7.139-security-defaults", "bob@customer.example",
     "535 5.7.139 Authentication unsuccessful, user is locked by your organization's security "
     "defaults policy. Contact your administrator. [DM6PR02CA0123.namprd02.prod.outlook.com]",
     "m365.auth.security_defaults", "5.7.139"),
    ("535-5.7.139-basic-auth-disabled", "bob@customer.example",
     "535 5.7.139 Authentication unsuccessful, basic authentication is disabled. "
     "[BL1PR13CA0123.namprd13.prod.outlook.com]",
     "m365.auth.basic_auth_blocked", "5.7.139"),
    ("530-5.7.57-no-auth", "noauth@customer.example",
     "535 5.7.3 Authentication unsuccessful [SN4PR0501CA0054.namprd05.prod.outlook.com]",
     "m365.auth.not_authenticated", "5.7.57"),
    ("550-5.7.30-basic-auth-retired", "bob@customer.example",
     "550 5.7.30 Basic authentication is not supported for Client Submission.",
     "m365.auth.basic_auth_retired", "5.7.30"),
]


# ---------------------------------------------------------------- catalogs

def load_catalogs():
    """{lang: {"_ui": {...}, cause: {"summary": ..}}} from conf/hints."""
    cats = {}
    for path in sorted(glob.glob(os.path.join(SRC, "conf", "hints", "*.catalog"))):
        lang, sect, cat = None, None, {}
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                if line.startswith("lang "):
                    lang = line[5:].strip()
                elif line.startswith("[") and line.endswith("]"):
                    sect = line[1:-1]
                    cat.setdefault(sect, {})
                elif sect and "=" in line:
                    k, v = (x.strip() for x in line.split("=", 1))
                    cat[sect].setdefault(k, v)
        if lang:
            cats[lang] = cat
    return cats


CATALOGS = load_catalogs()


def squash(s):
    return re.sub(r"\s+", "", s or "")


# ---------------------------------------------------------------- setup

def set_reply(auth_reply, mechs="LOGIN PLAIN XOAUTH2"):
    write(M365_CFG + ".tmp", json.dumps({"auth_reply": auth_reply, "unauth_mail_reply": UNAUTH,
                                         "auth_mechs": mechs}))
    os.rename(M365_CFG + ".tmp", M365_CFG)


def milter_conf(**over):
    conf = {"use_content_language": "yes", "alert_spool": ALERTS, "alert_quiet": "1h"}
    conf.update(over)
    return LAB.milter_conf("tests/integration/postfix/pfxtest.py", P_MILTER, **conf)


def postconf(*settings):
    LAB.postconf("-e", *settings)


def postfix_reload():
    run(["postfix", "-c", ETC, "reload"])
    time.sleep(1.5)


def setup_postfix():
    LAB.prepare()
    # the alert spool as documented: the writers' group, setgid, 2770
    os.makedirs(ALERTS)
    shutil.chown(ALERTS, "nobody", "nogroup")
    os.chmod(ALERTS, 0o2770)
    LAB.write_sasl(P_M365)
    milter = "{ inet:127.0.0.1:%d, default_action=accept }" % P_TAP
    LAB.write_main_cf("tests/integration/postfix", "relay.example.test", LAB.m365_cf(P_M365, milter) + """\
virtual_mailbox_maps = inline:{{ alice@relay.example.test=alice/, postmaster@relay.example.test=postmaster/, carol@relay.example.test=carol/, dave@relay.example.test=dave/ }}
transport_maps = inline:{{ noauth@customer.example=noauth:[127.0.0.1]:{m365} }}
notify_classes = resource, software, bounce, delay
milter_content_timeout = 10s
""".format(m365=P_M365))
    LAB.start_postfix([(P_SMTP, "")],
                      ["noauth/unix=noauth unix - - n - - smtp -o smtp_sasl_auth_enable=no"])


def start_m365():
    set_reply(CASES[0][2])
    LAB.start_m365(P_M365, M365_CFG)


def start_milter():
    return LAB.start_milter(CONF, P_MILTER)


def milter_worker_pids():
    return LAB.worker_pids()


def stop_milter():
    LAB.stop_milter()


def cleanup():
    LAB.cleanup()


# ---------------------------------------------------------------- mail

def maildir(user):
    return sorted(glob.glob(os.path.join(MAIL, user, "new", "*")))


def send(rcpt, subject, sender="alice@relay.example.test", lang=None, body=None,
         extra_headers="", ctype="text/plain; charset=utf-8"):
    hdr = ("From: Alice <%s>\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@relay.example.test>\r\n"
           "Date: %s\r\nMIME-Version: 1.0\r\nContent-Type: %s\r\n"
           % (sender or "mailer-daemon@relay.example.test", rcpt, subject,
              re.sub(r"[^A-Za-z0-9.-]", "-", subject) + ".%d" % int(time.time() * 1000),
              email.utils.formatdate(localtime=False), ctype))
    if lang:
        hdr += "Content-Language: %s\r\n" % lang
    hdr += extra_headers
    msg = (hdr + "\r\n" + (body or "Test body for %s.\r\n" % subject)).encode("utf-8")
    with smtplib.SMTP("127.0.0.1", P_SMTP, timeout=30) as s:
        s.sendmail(sender or "", [rcpt], msg)
    return msg


def wait_mail(user, subject, count=1, timeout=40):
    """The messages in USER's maildir that mention SUBJECT (in the returned headers)."""
    def found():
        hits = []
        for p in maildir(user):
            with open(p, "rb") as f:
                raw = f.read()
            if subject.encode() in raw:
                hits.append(raw)
        return hits if len(hits) >= count else None
    return wait_for(found, timeout) or []


def received_qid(raw):
    m = re.search(rb"Received: by relay\.example\.test \(Postfix\)\s+id ([0-9A-F]+);", raw)
    return m.group(1).decode() if m else None


def body_of(raw):
    i = raw.find(b"\n\n")
    return raw[i + 2:] if i >= 0 else b""


def tail_from_dsn(body, boundary):
    """Bytes from the delimiter line that opens the delivery-status part to the end."""
    delim = b"--" + boundary.encode()
    pos = 0
    while True:
        i = body.find(delim, pos)
        if i < 0:
            return None
        j = body.find(b"\n\n", i)
        hdr = body[i:j if j > 0 else len(body)].lower()
        if b"content-type: message/delivery-status" in hdr:
            return body[i:]
        pos = i + len(delim)


def dsn_part(body, boundary):
    t = tail_from_dsn(body, boundary)
    if t is None:
        return None
    delim = b"\n--" + boundary.encode()
    k = t.find(delim, 2)
    return t[:k] if k > 0 else t


def crlf_to_lf(b):
    return b.replace(b"\r\n", b"\n")


def notification_text(msg):
    for part in msg.walk():
        if part.get_content_type() == "text/plain" and not part.is_multipart():
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8",
                                                         "replace")
    return ""


def report_ok(msg):
    """An independent parser's view: a well-formed multipart/report."""
    if msg.get_content_type() != "multipart/report":
        return "Content-Type is %s" % msg.get_content_type()
    if msg.get_param("report-type") != "delivery-status":
        return "report-type is %r" % msg.get_param("report-type")
    parts = msg.get_payload()
    types = [p.get_content_type() for p in parts]
    if len(parts) < 2 or types[0] != "text/plain" or types[1] != "message/delivery-status":
        return "parts are %s" % types
    defects = [(p.get_content_type(), d) for p in msg.walk() for d in p.defects]
    if defects:
        return "parser defects: %s" % defects
    groups = parts[1].get_payload()
    if not isinstance(groups, list) or len(groups) < 2 or not groups[1].get("Final-Recipient"):
        return "delivery-status part has no per-recipient group"
    return None


def syslog_line(sink, qid, timeout=10):
    hits = wait_for(lambda: sink.grep(r"relayhint-milter\[\d+\]: %s: relayhint: " % re.escape(qid)), timeout)
    return hits[0] if hits else None


def log_fields(line):
    m = re.search(r": relayhint: (.*)$", line)
    return dict(kv.split("=", 1) for kv in m.group(1).split() if "=" in kv) if m else {}


# ---------------------------------------------------------------- assertions

def check_bounce(name, raw, tap, sink, cause, code, lang, postmaster, delayed=False):
    """Everything we promise about one enriched bounce or delay notice."""
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    qid = received_qid(raw)
    what = "%s%s" % (name, " postmaster copy" if postmaster else "")
    check("%s: X-Relayhint-Cause" % what, msg.get("X-Relayhint-Cause") == cause,
          "got %r, want %r" % (msg.get("X-Relayhint-Cause"), cause))
    check("%s: X-Relayhint-Code" % what, msg.get("X-Relayhint-Code") == code,
          "got %r, want %r" % (msg.get("X-Relayhint-Code"), code))
    why = report_ok(msg)
    check("%s: multipart/report valid (python email)" % what, why is None, why)
    text = notification_text(msg)
    cat = CATALOGS.get(lang, {})
    summary = cat.get(cause, {}).get("summary")
    title = cat.get("_ui", {}).get("title_delayed" if delayed else "title")
    check("%s: hint in %s" % (what, lang), summary and squash(summary) in squash(text)
          and title and squash(title) in squash(text),
          "summary/title of %s in %s not found in: %r" % (cause, lang, text[:300]))
    adm = cat.get("_ui", {}).get("admin_heading")
    usr = cat.get("_ui", {}).get("user_heading")
    if adm and usr and adm in text and usr in text:
        first_admin = text.index(adm) < text.index(usr)
        check("%s: %s first" % (what, "admin steps" if postmaster else "user note"),
              first_admin == bool(postmaster),
              "admin heading at %d, user heading at %d" % (text.index(adm), text.index(usr)))
    # byte identity against Postfix's own body for this queue id
    rec = tap.find(qid) if qid else None
    boundary = msg.get_boundary()
    if not check("%s: tap saw the bounce" % what, rec and rec["body_in"] and rec["body_out"],
                 "no milter exchange with a body replacement for queue id %s" % qid):
        return msg
    orig = crlf_to_lf(rec["body_in"])
    got = body_of(raw)
    want_tail, got_tail = tail_from_dsn(orig, boundary), tail_from_dsn(got, boundary)
    check("%s: DSN part and rest byte-identical" % what,
          want_tail is not None and want_tail == got_tail,
          "Postfix sent %d bytes from the DSN delimiter on, mailbox has %s"
          % (len(want_tail or b""), len(got_tail) if got_tail is not None else "none"))
    check("%s: mailbox body is what the milter sent" % what,
          crlf_to_lf(rec["body_out"]) == got,
          "REPLBODY %d bytes, delivered body %d bytes" % (len(rec["body_out"]), len(got)))
    # the syslog line
    line = syslog_line(sink, qid)
    if check("%s: syslog line" % what, line, "no line for %s in %d lines" % (qid, len(sink.all()))):
        f = log_fields(line)
        dsn = msg.get_payload()[1].get_payload()[0]
        want = {"orig_queue_id": dsn.get("X-Postfix-Queue-ID"), "provider": "m365",
                "cause": cause, "dsn": code, "relay": "127.0.0.1", "lang": lang,
                "action": "hinted", "kind": "postfix-bounce"}
        diff = {k: (f.get(k), v) for k, v in want.items() if f.get(k) != v}
        check("%s: syslog fields" % what, not diff and "server_id" in f
              and line.startswith("<22>"), "got/want %s in %r" % (diff, line))
    return msg


def run_case(name, rcpt, reply, cause, code, tap, sink, lang="en", send_lang=None):
    set_reply(reply)
    subject = "case %s %d" % (name, int(time.time() * 1000) % 100000)
    send(rcpt, subject, lang=send_lang)
    bounce = wait_mail("alice", subject)
    pm = wait_mail("postmaster", subject)
    if not check("%s: bounce and postmaster copy delivered" % name, bounce and pm,
                 "alice got %d, postmaster got %d within 40 s" % (len(bounce), len(pm))):
        return None
    check_bounce(name, bounce[0], tap, sink, cause, code, lang, False)
    check_bounce(name, pm[0], tap, sink, cause, code, lang, True)
    return bounce[0]


def other_lang():
    for lang in ("zh-TW", "de", "fr", "es", "ja", "zh-CN"):
        if lang in CATALOGS:
            return lang
    return next((l for l in sorted(CATALOGS) if l != "en"), None)


def queue_empty():
    out = run(["postqueue", "-c", ETC, "-j"], check_rc=False).strip()
    return out == ""


# ---------------------------------------------------------------- phases

def phase_hard(tap, sink):
    note("hard bounces (smtp_sasl_auth_soft_bounce = no)")
    enriched = {}
    for name, rcpt, reply, cause, code in CASES:
        enriched[name] = run_case(name, rcpt, reply, cause, code, tap, sink)
    # negotiation: the milter asked Postfix to skip what it does not use
    recs = [r for r in tap.snapshot() if r["protocol"] is not None]
    want = 0x1 | 0x2 | 0x8 | 0x200 | 0x100   # NOCONNECT NOHELO NORCPT NODATA NOUNKNOWN
    check("negotiation: connect/helo/rcpt/data/unknown negotiated away",
          recs and all(r["protocol"] & want == want for r in recs),
          "protocol flags %s" % sorted({hex(r["protocol"]) for r in recs}))
    check("original messages (smtpd_milters) accepted at MAIL FROM",
          any(r["sender"] and "alice@" in r["sender"] and r["replies"][-1:] == [("MAIL", "ACCEPT")]
              for r in tap.snapshot()),
          "replies to alice's messages: %s" % [r["replies"] for r in tap.snapshot()
                                                 if r["sender"] and "alice@" in r["sender"]][:2])
    return enriched


def phase_language(tap, sink):
    lang = other_lang()
    if lang is None:
        bad("language: a catalog other than en", "conf/hints has only %s" % sorted(CATALOGS))
        return
    note("languages: Content-Language of the original (%s), then language = %s by reload" % (lang, lang))
    name, rcpt, reply, cause, code = CASES[1]
    run_case("content-language-%s" % lang, rcpt, reply, cause, code, tap, sink,
             lang=lang, send_lang=lang)
    # use_content_language = no: the configured language wins, via SIGHUP
    write(CONF, milter_conf(language=lang, use_content_language="no"))
    before = len(sink.grep("configuration reloaded"))
    os.kill(procs["milter"].pid, signal.SIGHUP)
    check("SIGHUP: configuration reloaded",
          wait_for(lambda: len(sink.grep("configuration reloaded")) > before, 10),
          "no 'configuration reloaded' line")
    name, rcpt, reply, cause, code = CASES[0]
    run_case("config-language-%s" % lang, rcpt, reply, cause, code, tap, sink, lang=lang,
             send_lang="en")
    # a broken configuration is refused and the old one kept
    write(CONF, milter_conf(language=lang, use_content_language="no") + "no_such_setting = 1\n")
    os.kill(procs["milter"].pid, signal.SIGHUP)
    line = wait_for(lambda: sink.grep(r"warning: relayhint: reload failed.*no_such_setting"), 10)
    check("SIGHUP with a bad file: warning, old configuration kept", line,
          "lines: %s" % sink.all()[-3:])
    run_case("after-bad-reload", rcpt, reply, cause, code, tap, sink, lang=lang, send_lang="en")
    write(CONF, milter_conf())
    os.kill(procs["milter"].pid, signal.SIGHUP)
    wait_for(lambda: len(sink.grep("configuration reloaded")) > before + 1, 10)


def phase_ratelimit(tap, sink):
    note("log rate limit (log_repeat_window = 6s)")
    write(CONF, milter_conf(log_repeat_window="6s"))
    n = len(sink.grep("configuration reloaded"))
    os.kill(procs["milter"].pid, signal.SIGHUP)
    wait_for(lambda: len(sink.grep("configuration reloaded")) > n, 10)
    name, rcpt, reply, cause, code = CASES[3]
    t = time.time()
    set_reply(reply)
    subj = "case ratelimit %d" % int(t)
    send(rcpt, subj + " a")
    send(rcpt, subj + " b")
    got = (wait_mail("alice", subj, 2) or []) + (wait_mail("postmaster", subj, 2) or [])
    time.sleep(1)
    qids = [received_qid(r) for r in got]
    hinted = [r for r in got if b"X-Relayhint-Cause: " + cause.encode() in r]
    check("rate limit: all 4 messages enriched", len(hinted) == 4, "%d enriched" % len(hinted))
    lines = [l for l in sink.all() if any(q and ": %s: relayhint:" % q in l for q in qids)]
    check("rate limit: one line for 4 messages of one cause inside the window",
          len(lines) == 1, "%d lines: %s" % (len(lines), lines))
    wait_for(lambda: time.time() - t > 7, 10)
    send(rcpt, subj + " c")
    wait_mail("alice", subj + " c")
    line = wait_for(lambda: [l for l in sink.grep("cause=%s.*suppressed=" % re.escape(cause))], 10)
    check("rate limit: next line after the window says suppressed=3",
          line and "suppressed=3" in line[-1], "lines: %s" % line)
    write(CONF, milter_conf())
    n = len(sink.grep("configuration reloaded"))
    os.kill(procs["milter"].pid, signal.SIGHUP)
    wait_for(lambda: len(sink.grep("configuration reloaded")) > n, 10)


def phase_passthrough(tap, sink):
    note("messages that are not ours pass untouched")
    subj = "plain %d" % int(time.time())
    sent = send("carol@relay.example.test", subj)
    got = wait_mail("carol", subj)
    if check("plain message delivered", got, "carol got nothing"):
        check("plain message body untouched", body_of(crlf_to_lf(sent)) == body_of(got[0]),
              "body differs")
        check("plain message has no X-Relayhint header", b"X-Relayhint" not in got[0], "header added")
    # null sender, but not a report: accepted at the end of the headers,
    # with no reply per header (SMFIP_NR_HDR) and no body sent
    subj = "autoreply %d" % int(time.time())
    sent = send("carol@relay.example.test", subj, sender="", extra_headers="Auto-Submitted: auto-replied\r\n")
    got = wait_mail("carol", subj)
    rec = [r for r in tap.snapshot() if any(subj in v for _, v in r["headers_in"])]
    check("null-sender text/plain: accepted at the end of the headers, no reply per header",
          rec and rec[-1]["replies"][-1] == ("EOH", "ACCEPT") and
          not any(c == "HEADER" for c, _ in rec[-1]["replies"]) and rec[-1]["body_out"] is None,
          "replies %s" % (rec[-1]["replies"] if rec else None))
    check("null-sender text/plain: delivered untouched",
          got and body_of(crlf_to_lf(sent)) == body_of(got[0]) and b"X-Relayhint" not in got[0],
          "changed or missing")
    # a multipart/report from someone else's server (Google's 535): no cause, untouched
    boundary = "b-%d" % int(time.time())
    subj = "foreign report %d" % int(time.time())
    body = ("--{b}\r\nContent-Type: text/plain\r\n\r\nSomeone else's bounce.\r\n"
            "--{b}\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\n\r\n"
            "Final-Recipient: rfc822; x@example.org\r\nAction: failed\r\nStatus: 5.7.8\r\n"
            "Remote-MTA: dns; smtp.gmail.com\r\nDiagnostic-Code: smtp; 535-5.7.8 Username and "
            "Password not accepted. For more information, go to\r\n    https://support.google.com/"
            "mail/?p=BadCredentials\r\n\r\n--{b}--\r\n").format(b=boundary)
    sent = send("carol@relay.example.test", subj, sender="", body=body,
                ctype='multipart/report; report-type=delivery-status; boundary="%s"' % boundary)
    got = wait_mail("carol", subj)
    check("foreign (Google) report: delivered untouched",
          got and body_of(crlf_to_lf(sent)) == body_of(got[0]) and b"X-Relayhint" not in got[0],
          "changed or missing")


# inbound: name -> (file, expected cause, enhanced code, ndr= value)
INBOUND_NDRS = [
    ("exo-5.7.708", os.path.join("tests", "data", "ndr", "exo-5.7.708-ip-pool.eml"),
     "m365.blocked.ip_pool", "5.7.708", "exchange-online"),
    # real, from the external set; cause as in tests/unit/test_external.c
    ("outlookcom-real", os.path.join("tests", "data", "external", "set-of-emails",
                                     "lhost-office365-07.eml"),
     "outlookcom.rejected", "5.1.351", "outlook.com"),
]


def smtp_in(sender, rcpt, data):
    """One message over SMTP to the private smtpd, exactly these bytes (CRLF)."""
    with smtplib.SMTP("127.0.0.1", P_SMTP, timeout=30) as s:
        s.sendmail(sender, [rcpt], data)


def inbound_qid(raw):
    m = re.search(rb"by relay\.example\.test \(Postfix\) with E?SMTP\w* id ([0-9A-F]+)", raw)
    return m.group(1).decode() if m else None


def strip_delivery_headers(raw):
    """The message minus what Postfix itself put on top: Return-Path,
    X-Original-To, Delivered-To and its own Received header."""
    lines = raw.split(b"\n")
    i = 0
    while i < len(lines) and re.match(rb"(Return-Path|X-Original-To|Delivered-To|Received):",
                                      lines[i]):
        own = lines[i].startswith(b"Received:")
        i += 1
        while i < len(lines) and lines[i][:1] in (b" ", b"\t"):
            i += 1
        if own:
            break
    return b"\n".join(lines[i:])


def phase_inbound(tap, sink):
    """The milter in smtpd_milters: Microsoft NDRs coming in over SMTP for a
    local sender are enriched; ordinary inbound mail passes untouched."""
    note("inbound: Microsoft NDRs and ordinary mail over SMTP through smtpd_milters")
    t0 = time.time()
    sent = {}
    for name, path, cause, code, kind in INBOUND_NDRS:
        with open(os.path.join(SRC, path), "rb") as f:
            raw = f.read()
        data = crlf_to_lf(raw).replace(b"\n", b"\r\n")
        smtp_in("", "dave@relay.example.test", data)
        sent[name] = crlf_to_lf(raw)
    stamp = int(time.time() * 1000) % 1000000
    subj_plain = "inbound plain %d" % stamp
    plain_from = "news-%d@partner.example" % stamp
    plain = send("carol@relay.example.test", subj_plain, sender=plain_from,
                 body="Ordinary inbound mail.\r\nLine two.\r\n")
    subj_null = "inbound null-sender text %d" % stamp
    null = send("carol@relay.example.test", subj_null, sender="",
                extra_headers="Auto-Submitted: auto-replied\r\n",
                body="Out of office until Monday.\r\n")
    subj_mdn = "inbound read receipt %d" % stamp
    mdn_body = ("--mdn{s}\r\nContent-Type: text/plain\r\n\r\nYour message was read.\r\n"
                "--mdn{s}\r\nContent-Type: message/disposition-notification\r\n\r\n"
                "Reporting-UA: mail.partner.example; Outlook\r\nFinal-Recipient: rfc822;"
                "x@partner.example\r\nDisposition: manual-action/MDN-sent-manually; displayed"
                "\r\n\r\n--mdn{s}--\r\n").format(s=stamp)
    mdn = send("carol@relay.example.test", subj_mdn, sender="", body=mdn_body,
               ctype="multipart/report; report-type=disposition-notification;\r\n"
                     '\tboundary="mdn%d"' % stamp)

    for name, path, cause, code, kind in INBOUND_NDRS:
        what = "inbound %s" % name
        msgid = email.message_from_bytes(sent[name]).get("Message-ID", "").strip()
        got = wait_mail("dave", msgid, timeout=30)
        if not check("%s: delivered to the local sender's mailbox" % what, got,
                     "dave has %d messages, none with %s" % (len(maildir("dave")), msgid)):
            continue
        raw = got[0]
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        check("%s: X-Relayhint-Cause" % what, msg.get_all("X-Relayhint-Cause") == [cause],
              "got %r, want [%r]" % (msg.get_all("X-Relayhint-Cause"), cause))
        check("%s: X-Relayhint-Code" % what, msg.get("X-Relayhint-Code") == code,
              "got %r, want %r" % (msg.get("X-Relayhint-Code"), code))
        text = notification_text(msg)
        summary = CATALOGS.get("en", {}).get(cause, {}).get("summary")
        title = CATALOGS.get("en", {}).get("_ui", {}).get("title")
        check("%s: hint in the text part" % what,
              summary and title and squash(summary) in squash(text) and squash(title) in squash(text),
              "summary of %s not in %r" % (cause, text[:300]))
        boundary = msg.get_boundary()
        want_tail = tail_from_dsn(body_of(sent[name]), boundary)
        got_tail = tail_from_dsn(body_of(raw), boundary)
        check("%s: delivery-status part and everything after byte-identical" % what,
              want_tail is not None and want_tail == got_tail,
              "sent %d bytes from the DSN delimiter on, mailbox has %s"
              % (len(want_tail or b""), len(got_tail) if got_tail is not None else "none"))
        qid = inbound_qid(raw)
        rec = tap.find(qid) if qid else None
        check("%s: the milter saw it through smtpd_milters, null sender" % what,
              rec and rec["sender"] in ("<>", "") and rec["body_out"] is not None,
              "tap record %s" % ({k: rec[k] for k in ("sender", "replies")} if rec else None))
        line = syslog_line(sink, qid) if qid else None
        if check("%s: one syslog line with the Postfix queue id" % what,
                 line and len(sink.grep(r": %s: relayhint: " % re.escape(qid or "-"))) == 1,
                 "queue id %s, line %r" % (qid, line)):
            f = log_fields(line)
            want = {"cause": cause, "dsn": code, "provider": "m365", "action": "hinted",
                    "kind": "ms-ndr", "ndr": kind}
            diff = {k: (f.get(k), v) for k, v in want.items() if f.get(k) != v}
            check("%s: syslog fields (kind=ms-ndr ndr=%s)" % (what, kind),
                  not diff and f.get("orig_message_id", "none").startswith("<"),
                  "got/want %s in %r" % (diff, line))

    # ordinary mail, a null-sender notice and a read receipt: untouched
    for what, subj, msg_sent, step, env in (
            ("inbound ordinary message", subj_plain, plain, ("MAIL", "ACCEPT"), plain_from),
            ("inbound null-sender text/plain", subj_null, null, ("EOH", "ACCEPT"), None),
            ("inbound read receipt (report-type=disposition-notification)", subj_mdn, mdn,
             ("EOH", "ACCEPT"), None)):
        got = wait_mail("carol", subj, timeout=30)
        if not check("%s: delivered" % what, got, "carol has nothing with %r" % subj):
            continue
        check("%s: byte-identical apart from Postfix's own Received header" % what,
              strip_delivery_headers(got[0]) == crlf_to_lf(msg_sent),
              "delivered:\n%r\nsent:\n%r" % (strip_delivery_headers(got[0])[:400],
                                              crlf_to_lf(msg_sent)[:400]))
        check("%s: no X-Relayhint header" % what, b"X-Relayhint" not in got[0], "header added")
        qid = inbound_qid(got[0])
        rec = tap.find(qid) if qid else None
        if env is not None:
            # accepted at MAIL FROM: Postfix has sent no queue id yet
            rec = ([r for r in tap.snapshot() if r["sender"] and env in r["sender"]] or [None])[-1]
        check("%s: accepted at %s, no body sent to the milter" % (what, step[0]),
              rec and rec["replies"] and rec["replies"][-1] == step and rec["body_in"] == b""
              and rec["body_out"] is None and not rec["added"],
              "tap record %s" % ({k: rec[k] for k in ("sender", "replies")} if rec else qid))
    note("inbound phase: %.1f s" % (time.time() - t0))


def phase_soft(tap, sink):
    note("soft bounce (default smtp_sasl_auth_soft_bounce = yes): delay notice, then expiry")
    postconf("smtp_sasl_auth_soft_bounce = yes", "delay_warning_time = 8s",
             "maximal_queue_lifetime = 35s", "bounce_queue_lifetime = 35s")
    postfix_reload()
    name, rcpt, reply, cause, code = CASES[1]
    set_reply(reply)
    subj = "case soft %d" % int(time.time())
    send(rcpt, subj)
    delay = wait_mail("alice", subj, 1, timeout=60)
    dpm = wait_mail("postmaster", subj, 1, timeout=10)
    if check("soft: delay notice and postmaster copy delivered", delay and dpm,
             "alice %d, postmaster %d" % (len(delay), len(dpm))):
        m = check_bounce("soft delay notice", delay[0], tap, sink, cause, code, "en", False,
                         delayed=True)
        check("soft: DSN says Action: delayed", b"Action: delayed" in delay[0], "no Action: delayed")
        check_bounce("soft delay notice", dpm[0], tap, sink, cause, code, "en", True, delayed=True)
        del m
    final = wait_for(lambda: [r for r in wait_mail("alice", subj, 2, timeout=1)
                              if b"Action: failed" in r], 70)
    if check("soft: final bounce after maximal_queue_lifetime", final, "no final bounce in 70 s"):
        check_bounce("soft final bounce", final[0], tap, sink, cause, code, "en", False)
    postconf("smtp_sasl_auth_soft_bounce = no", "delay_warning_time = 0h",
             "maximal_queue_lifetime = 5d", "bounce_queue_lifetime = 5d")
    postfix_reload()


def phase_fail_open(tap, sink, enriched):
    note("fail open: Postfix talks to the milter directly; milter stopped, then hung (SIGSTOP)")
    direct = "{ inet:127.0.0.1:%d, default_action=accept }" % P_MILTER
    postconf("non_smtpd_milters = " + direct, "smtpd_milters = " + direct)
    postfix_reload()
    name, rcpt, reply, cause, code = CASES[0]
    # 1. stopped: nothing listens
    stop_milter()
    set_reply(reply)
    subj = "case milter-down %d" % int(time.time())
    send(rcpt, subj)
    b = wait_mail("alice", subj)
    pm = wait_mail("postmaster", subj)
    if check("milter stopped: bounce and postmaster copy still delivered", b and pm,
             "alice %d, postmaster %d" % (len(b), len(pm))):
        check("milter stopped: bounce unmodified", b"X-Relayhint" not in b[0], "has X-Relayhint")
        ref = enriched.get(name)
        if ref:
            mask = lambda d: re.sub(rb"(X-Postfix-Queue-ID: |Arrival-Date: ).*", rb"\1*", d)  # noqa: E731
            a = dsn_part(body_of(b[0]), email.message_from_bytes(b[0]).get_boundary())
            e = dsn_part(body_of(ref), email.message_from_bytes(ref).get_boundary())
            check("DSN part of enriched bounce equals a never-filtered one (ids/dates masked)",
                  a and e and mask(a.split(b"\n", 1)[1]) == mask(e.split(b"\n", 1)[1]),
                  "differs:\n%r\n%r" % (a, e))
    # 2. hung: the worker is stopped with SIGSTOP
    if not check("milter restarted", start_milter(), "milter did not start again"):
        return
    workers = milter_worker_pids()
    for pid in workers:
        os.kill(pid, signal.SIGSTOP)
    subj = "case milter-hung %d" % int(time.time())
    t = time.time()
    send(rcpt, subj)
    b = wait_mail("alice", subj, timeout=90)
    pm = wait_mail("postmaster", subj, timeout=30)
    note("hung milter: bounce delivered after %.0f s" % (time.time() - t))
    check("milter hung (SIGSTOP): bounce and postmaster copy still delivered", b and pm and workers,
          "workers %s, alice %d, postmaster %d" % (workers, len(b), len(pm)))
    check("milter hung: bounce unmodified", b and b"X-Relayhint" not in b[0], "has X-Relayhint")
    for pid in workers:
        os.kill(pid, signal.SIGCONT)
    # the queue is empty: nothing lost, nothing stuck
    check("no message left in the queue", wait_for(queue_empty, 30),
          run(["postqueue", "-c", ETC, "-p"], check_rc=False)[:300])
    # and after SIGCONT the milter works again, directly attached
    name, rcpt, reply, cause, code = CASES[2]
    set_reply(reply)
    subj = "case resumed %d" % int(time.time())
    send(rcpt, subj)
    b = wait_mail("alice", subj)
    check("after SIGCONT: bounces are enriched again",
          b and email.message_from_bytes(b[0]).get("X-Relayhint-Cause") == cause, "not enriched")


def spooled_alerts():
    """{cause: [alert file text]} of the alerts waiting in the spool."""
    got = {}
    for path in sorted(glob.glob(os.path.join(ALERTS, "a.*"))):
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        m = re.search(r"^cause (\S+)$", text, re.M)
        got.setdefault(m.group(1) if m else "?", []).append(text)
    return got


def phase_alerts(sink):
    note("webhook alerts: one per cause, drained to an HTTPS receiver; unwritable spool")
    want = set()
    for user in ("alice", "postmaster", "dave"):
        for path in maildir(user):
            with open(path, "rb") as f:
                m = email.message_from_bytes(f.read())
            if m.get("X-Relayhint-Cause"):
                want.add(str(m.get("X-Relayhint-Cause")))
    spooled = spooled_alerts()
    check("alerts: one spooled alert per distinct cause (%d causes)" % len(want),
          want and sorted(spooled) == sorted(want) and all(len(v) == 1 for v in spooled.values()),
          "want %s, spooled %s" % (sorted(want), {k: len(v) for k, v in spooled.items()}))
    texts = [t for v in spooled.values() for t in v]
    check("alerts: written by the milter, with hint summary, steps and host",
          texts and all("\nsource milter\n" in t and "\nsummary " in t and "\nstep " in t and
                        re.search(r"\nhost \S", t) for t in texts), texts[:1])
    check("alerts: no password in an alert",
          texts and not any("NotTheRealPassword1" in t for t in texts), "password in an alert")
    # the quiet window outlived the milter restart: the resumed cause counted on
    st = os.path.join(ALERTS, "state", CASES[2][3])
    line = open(st).read() if os.path.exists(st) else ""
    check("alerts: per-cause state on disk counts every sighting",
          re.match(r"relayhint-alert-state 1 \d+ \d+ ([3-9]|\d\d+) ", line), "state %r" % line)
    # the receiver: tests/integration/alert/https_rx.py, TLS from a test CA
    certs = os.path.join(RUN, "certs")
    os.makedirs(certs, exist_ok=True)
    run(["sh", os.path.join(ALERT_DIR, "mkcerts.sh"), certs])
    write(os.path.join(RUN, "webhook.key"), ALERT_SECRET + "\n", 0o600)
    rx_out, rx_port = os.path.join(W, "rx.out"), os.path.join(RUN, "rx.port")
    procs["https_rx"] = subprocess.Popen(
        [sys.executable, os.path.join(ALERT_DIR, "https_rx.py"), "--cert",
         os.path.join(certs, "srv.pem"), "--key", os.path.join(certs, "srv.key"),
         "--port-file", rx_port, "--out", rx_out, "--secret-file",
         os.path.join(RUN, "webhook.key")],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=open(os.path.join(W, "rx.err"), "w"), start_new_session=True)
    if not check("alerts: HTTPS receiver started", wait_for(lambda: os.path.exists(rx_port), 10),
                 open(os.path.join(W, "rx.err")).read()[-300:]):
        return
    port = open(rx_port).read().strip()
    r = subprocess.run([RELAYHINT, "alert-drain", "--once", "--spool", ALERTS, "--ca-file",
                        os.path.join(certs, "ca.pem"), "--secret-file",
                        os.path.join(RUN, "webhook.key"), "--retries", "1", "--backoff", "1",
                        "--webhook", "json,https://127.0.0.1:%s/hook/json" % port,
                        "--webhook", "teams,https://127.0.0.1:%s/hook/teams" % port,
                        "--webhook", "slack,https://127.0.0.1:%s/hook/slack" % port],
                       capture_output=True, timeout=120)
    err = r.stderr.decode("utf-8", "replace")
    got = open(rx_out).read().split("\n") if os.path.exists(rx_out) else []
    for fmt in ("json", "teams", "slack"):
        causes = sorted(l.split(" ", 2)[2] for l in got if l.startswith("OK %s " % fmt))
        check("alert-drain: one %s alert per cause, HMAC verified" % fmt,
              r.returncode == 0 and causes == sorted(want),
              "exit %d, got %s, want %s; %s" % (r.returncode, causes, sorted(want), err[-300:]))
    check("alert-drain: receiver refused nothing, spool emptied",
          not [l for l in got if l.startswith("BAD")] and not glob.glob(os.path.join(ALERTS, "a.*")),
          "receiver %s, left %s" % ([l for l in got if l.startswith("BAD")],
                                    os.listdir(ALERTS)))
    check("alert-drain: the signing key is not logged", ALERT_SECRET not in err, "key in output")

    # an unwritable spool: mail flow is unchanged, one warning line
    ro = os.path.join(W, "alerts-ro")
    os.makedirs(ro, mode=0o755)        # root's: the milter user cannot write
    write(CONF, milter_conf(alert_spool=ro))
    n = len(sink.grep("configuration reloaded"))
    os.kill(procs["milter"].pid, signal.SIGHUP)
    wait_for(lambda: len(sink.grep("configuration reloaded")) > n, 10)
    name, rcpt, reply, cause, code = CASES[0]
    set_reply(reply)
    subj = "case alert-ro %d" % int(time.time())
    send(rcpt, subj + " a")
    send(rcpt, subj + " b")
    got = wait_mail("alice", subj, 2)
    check("unwritable spool: bounces still enriched and delivered",
          len(got) == 2 and all(email.message_from_bytes(g).get("X-Relayhint-Cause") == cause
                                for g in got), "alice got %d" % len(got))
    subj = "plain alert-ro %d" % int(time.time())
    sent = send("carol@relay.example.test", subj)
    got = wait_mail("carol", subj)
    check("unwritable spool: plain mail delivered untouched",
          got and body_of(crlf_to_lf(sent)) == body_of(got[0]), "carol got %d" % len(got))
    wait_mail("postmaster", "case alert-ro", 2, timeout=20)
    time.sleep(0.5)
    lines = sink.grep("webhook alert not spooled")
    check("unwritable spool: one rate-limited warning for 4 bounces",
          len(lines) == 1 and "Permission denied" in lines[0] and ro in lines[0],
          "lines: %s" % lines)
    check("unwritable spool: nothing written there", not os.listdir(ro), os.listdir(ro))
    write(CONF, milter_conf())
    n = len(sink.grep("configuration reloaded"))
    os.kill(procs["milter"].pid, signal.SIGHUP)
    wait_for(lambda: len(sink.grep("configuration reloaded")) > n, 10)


def phase_daemon():
    note("daemon: -n, root refusal, world-writable configuration, SIGTERM")
    out = run([MILTER, "-n", "-c", CONF], check_rc=False)
    check("-n: configuration OK", out.strip() == "configuration OK", out)
    badconf = os.path.join(RUN, "bad.conf")
    write(badconf, "language = en\nsocket = inet:127.0.0.1:%d\n" % P_MILTER)
    r = subprocess.run([MILTER, "-n", "-c", badconf], capture_output=True, timeout=10)
    err = (r.stdout + r.stderr).decode()
    check("-n: file:line: reason, exit 78", r.returncode == 78 and "%s:2:" % badconf in err,
          "exit %d: %s" % (r.returncode, err))
    ww = os.path.join(RUN, "ww.conf")
    write(ww, "language = en\n", 0o666)
    r = subprocess.run([MILTER, "-n", "-c", ww], capture_output=True, timeout=10)
    check("world-writable configuration refused", r.returncode == 78 and b"world-writable" in r.stderr,
          "exit %d: %r" % (r.returncode, r.stderr))
    # alerts fail open at run time, so -n is where a missing spool shows
    for what, spool, warned in (("missing alert_spool", os.path.join(RUN, "no-such-spool"), True),
                                ("existing alert_spool", RUN, False)):
        sp = os.path.join(RUN, "spool-check.conf")
        write(sp, "alert_spool = %s\n" % spool)
        r = subprocess.run([MILTER, "-n", "-c", sp], capture_output=True, timeout=10)
        check("-n, %s: exit 0%s" % (what, ", one warning" if warned else ", no warning"),
              r.returncode == 0 and r.stdout.strip() == b"configuration OK" and
              (b"alert_spool" in r.stderr and b"no webhook alert will be spooled" in r.stderr) == warned,
              "exit %d: %r %r" % (r.returncode, r.stdout, r.stderr))
    noroot = os.path.join(RUN, "noroot.conf")
    write(noroot, "socket = inet:%d@127.0.0.1\n" % free_port())
    r = subprocess.run([MILTER, "-f", "-c", noroot], capture_output=True, timeout=10)
    check("refuses to run as root without user =", r.returncode == 78 and b"root" in r.stderr,
          "exit %d: %r" % (r.returncode, r.stderr))
    p = procs.get("milter")
    if p is not None:
        workers = milter_worker_pids()
        p.terminate()
        try:
            rc = p.wait(15)
        except subprocess.TimeoutExpired:
            rc = None
        procs.pop("milter", None)
        check("SIGTERM: clean exit, worker gone",
              rc == 0 and all(not os.path.exists("/proc/%d" % w) for w in workers),
              "exit %s, workers %s" % (rc, workers))


def main():
    setup_postfix()
    note("private Postfix on 127.0.0.1:%d, fake M365 on :%d, milter on :%d, tap on :%d"
         % (P_SMTP, P_M365, P_MILTER, P_TAP))
    start_m365()
    sink = SyslogSink(LOGSOCK)
    write(CONF, milter_conf())
    if not check("milter starts as nobody", start_milter(),
                 open(os.path.join(W, "milter.out")).read()[-300:]):
        return
    tap = Tap(P_TAP, P_MILTER)
    wpids = milter_worker_pids()
    check("milter worker runs as nobody", wpids and all(
        os.stat("/proc/%d" % p).st_uid == 65534 for p in wpids), "workers %s" % wpids)
    enriched = phase_hard(tap, sink)
    phase_language(tap, sink)
    phase_ratelimit(tap, sink)
    phase_passthrough(tap, sink)
    phase_inbound(tap, sink)
    if os.environ.get("RELAYHINT_QUICK") != "1":
        phase_soft(tap, sink)
    phase_fail_open(tap, sink, enriched)
    phase_alerts(sink)
    phase_daemon()
    warn = [l for l in sink.all() if "warning:" in l and "reload failed" not in l and
            "webhook alert not spooled" not in l]
    check("no unexpected warnings from the milter", not warn, warn[:3])


if __name__ == "__main__":
    T.run_main(main, cleanup, "postfix-integration")
