"""debtest.py - a private Postfix instance configured with the postconf
lines of the installed README.Debian sends a bounce through the installed
relayhint-milter (already running, started by tests/integration/deb/run.sh
from its unit), and the bounce that lands in the sender's maildir carries
the hint.

Usage: debtest.py WORKDIR SRC POSTCONF_LINES
The instance, the fake Microsoft 365 server and the maildirs live under
WORKDIR (pflab.Lab); the system's /etc/postfix is neither read nor changed.
Output: PASS/FAIL lines; exit status 1 when anything failed.
"""
import email
import email.policy
import glob
import os
import smtplib
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import pflab  # noqa: E402
from pflab import free_port, note, wait_for, write  # noqa: E402

W, SRC, LINES = sys.argv[1], sys.argv[2], sys.argv[3]
LAB = pflab.Lab(W, SRC)
T = pflab.Checks("deb: ")
REPLY = "535 5.7.3 Authentication unsuccessful [SN4PR0501CA0054.namprd05.prod.outlook.com]"
CAUSE, CODE = "m365.auth.bad_credentials", "5.7.3"


def summary(cause, lang="en"):
    """The catalog's summary of CAUSE, from the source tree."""
    sect = None
    with open(os.path.join(SRC, "conf", "hints", lang + ".catalog"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("[") and line.endswith("]"):
                sect = line[1:-1]
            elif sect == cause and line.startswith("summary") and "=" in line:
                return line.split("=", 1)[1].strip()
    return None


def main():
    p_smtp, p_m365 = free_port(), free_port()
    LAB.prepare()
    LAB.write_sasl(p_m365)
    cfg = os.path.join(LAB.rundir, "m365.json")
    write(cfg, '{"auth_reply": "%s", "unauth_mail_reply": "530 5.7.57 Client not '
          'authenticated", "auth_mechs": "LOGIN PLAIN"}' % REPLY)
    # the lab's relay settings with no milter at all; the milter comes
    # only from README.Debian's lines
    LAB.write_main_cf("tests/integration/deb", "relay.example.test",
                      LAB.m365_cf(p_m365, "").replace("internal_mail_filter_classes = bounce\n", "")
                      + "virtual_mailbox_maps = inline:{ alice@relay.example.test=alice/ }\n")
    with open(LINES) as f:
        lines = [x.strip() for x in f if x.strip()]
    for line in lines:
        LAB.postconf("-e", line)
    note("main.cf from README.Debian: %s" % lines)
    LAB.start_m365(p_m365, cfg)
    LAB.start_postfix([(p_smtp, "")])
    subject = "deb install test %d" % int(time.time())
    msg = ("From: alice@relay.example.test\r\nTo: bob@customer.example\r\nSubject: %s\r\n"
           "Message-ID: <deb.%d@relay.example.test>\r\n\r\nbody\r\n" % (subject, time.time()))
    with smtplib.SMTP("127.0.0.1", p_smtp, timeout=30) as s:
        s.sendmail("alice@relay.example.test", ["bob@customer.example"], msg)

    def bounce():
        for p in glob.glob(os.path.join(LAB.mail, "alice", "new", "*")):
            with open(p, "rb") as f:
                raw = f.read()
            if subject.encode() in raw:
                return raw
        return None
    raw = wait_for(bounce, 40)
    if not T.check("bounce delivered to the sender", raw, "no bounce in 40 s"):
        return
    m = email.message_from_bytes(raw, policy=email.policy.compat32)
    T.check("bounce enriched by the installed milter: X-Relayhint-Cause",
            m.get("X-Relayhint-Cause") == CAUSE, "got %r" % m.get("X-Relayhint-Cause"))
    T.check("X-Relayhint-Code", m.get("X-Relayhint-Code") == CODE, "got %r" % m.get("X-Relayhint-Code"))
    text = "".join(part.get_payload(decode=True).decode("utf-8", "replace")
                   for part in m.walk() if part.get_content_type() == "text/plain")
    want = summary(CAUSE)
    T.check("the hint's summary in the bounce text",
            want and "".join(want.split()) in "".join(text.split()),
            "%r not in %r" % (want, text[:300]))
    T.check("delivery-status part kept", m.get_content_type() == "multipart/report"
            and m.get_payload()[1].get_content_type() == "message/delivery-status",
            m.get_content_type())


T.run_main(main, LAB.cleanup, "debtest")
