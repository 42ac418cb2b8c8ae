#!/usr/bin/env python3
"""check_rewrite.py ORIG REWRITTEN CAUSE - an enriched bounce is still right.

An independent parser (Python's email package) must read the rewritten
message as a valid multipart/report; its delivery-status part and every
later part must be byte-identical to the original's; when CAUSE is not
"None" the X-Relayhint-Cause header names it and the first part starts with
the hint; otherwise the message must be unchanged.
"""
import email, email.policy, re, sys

orig = open(sys.argv[1], "rb").read()
new = open(sys.argv[2], "rb").read()
cause = sys.argv[3]

if cause == "None":
    assert new == orig, "message without a cause was changed"
    sys.exit(0)

m = email.message_from_bytes(new, policy=email.policy.compat32)
assert m.get_content_type() == "multipart/report", m.get_content_type()
assert m.get_param("report-type") == "delivery-status"
assert m["X-Relayhint-Cause"] == cause, (m["X-Relayhint-Cause"], cause)
assert re.fullmatch(r"[245]\.\d{1,3}\.\d{1,3}|none", m["X-Relayhint-Code"].strip())
assert not m.defects, m.defects
parts = m.get_payload()
assert len(parts) >= 2
assert parts[1].get_content_type() == "message/delivery-status"
first = parts[0].get_payload(decode=True).decode(parts[0].get_content_charset() or "us-ascii")
assert cause in first[:4000], "hint not at the top of the first part"

# byte identity from the second delimiter on
b = m.get_boundary().encode()
def tail(msg):
    body = msg.split(b"\n\n", 1)[1] if b"\n\n" in msg else msg
    i = body.find(b"\n--" + b, body.find(b"--" + b) + 1)
    assert i >= 0
    return body[i:]
assert tail(new) == tail(orig), "DSN part or returned message changed"
# headers: the original ones are all still there
oh = orig.split(b"\n\n", 1)[0]
nh = new.split(b"\n\n", 1)[0]
assert nh.startswith(oh), "original headers changed"
