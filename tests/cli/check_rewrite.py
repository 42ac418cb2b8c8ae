#!/usr/bin/env python3
"""check_rewrite.py ORIG REWRITTEN CAUSE - an enriched bounce is still right.

An independent parser (Python's email package) must read the rewritten
message as a valid multipart/report; its delivery-status part and every
later part must be byte-identical to the original's; when CAUSE is not
"None" the X-Relayhint-Cause header names it and the first part starts with
the hint; otherwise the message must be unchanged.  Explicit checks, not
assert (python -O drops those): each failure prints FAIL and exits 1.
"""
import email, email.policy, re, sys


def check(ok, why):
    if not ok:
        print("FAIL: %s" % why)
        sys.exit(1)


orig = open(sys.argv[1], "rb").read()
new = open(sys.argv[2], "rb").read()
cause = sys.argv[3]

if cause == "None":
    check(new == orig, "message without a cause was changed")
    sys.exit(0)

m = email.message_from_bytes(new, policy=email.policy.compat32)
o = email.message_from_bytes(orig, policy=email.policy.compat32)
check(m.get_content_type() == "multipart/report", m.get_content_type())
check(m.get_param("report-type") == "delivery-status", "report-type")
check(m["X-Relayhint-Cause"] == cause,
      "X-Relayhint-Cause %r, want %r" % (m["X-Relayhint-Cause"], cause))
check(re.fullmatch(r"[245]\.\d{1,3}\.\d{1,3}|none",
                   (m["X-Relayhint-Code"] or "").strip()) is not None,
      "X-Relayhint-Code %r" % m["X-Relayhint-Code"])
check(not m.defects, "defects %r" % m.defects)
parts, oparts = m.get_payload(), o.get_payload()
check(len(parts) == len(oparts),
      "%d parts, want %d" % (len(parts), len(oparts)))
check(parts[1].get_content_type() == "message/delivery-status",
      "part 2 is %s" % parts[1].get_content_type())
for k in range(1, len(parts)):
    check(parts[k].as_bytes() == oparts[k].as_bytes(),
          "part %d changed" % (k + 1))
first = parts[0].get_payload(decode=True).decode(
    parts[0].get_content_charset() or "us-ascii")
check(cause in first[:4000], "hint not at the top of the first part")

# byte identity from the second delimiter on: the delimiter is "--b"
# alone on its line (plus white space), as RFC 2046 says
b = re.escape(m.get_boundary().encode())
delim = re.compile(rb"(?m)^--" + b + rb"[ \t]*\r?$")


def tail(msg):
    body = msg.split(b"\n\n", 1)[1] if b"\n\n" in msg else msg
    d = list(delim.finditer(body))
    check(len(d) >= 2, "fewer than two delimiters")
    return body[d[1].start():]


check(tail(new) == tail(orig), "DSN part or returned message changed")
# headers: the original ones are all still there
oh = orig.split(b"\n\n", 1)[0]
nh = new.split(b"\n\n", 1)[0]
check(nh.startswith(oh), "original headers changed")
