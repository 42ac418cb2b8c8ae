#!/usr/bin/env python3
"""reach.py RELAYHINT DIR - how many real bounces come out enriched.

For every file of DIR/index.tsv runs "RELAYHINT bounce --rewrite FILE" and
reports, per category group (Microsoft-related or negative), per structure
of the message (how the human-readable text is packed) and per charset of
that text, how many were enriched (an X-Relayhint-Cause header and the hint
in the body) and why the others were not.  Read-only; prints a table.
With --tsv, one line per file: file, group, structure, charset, result.
"""
import email, email.policy, subprocess, sys, collections, os

MS = ("recipient-side-ms", "other-ms", "ms-ndr")

def structure(m):
    """A short name for how the human-readable text is packed."""
    ct = m.get_content_type()
    if m.get("Content-Type") is None and m.get("MIME-Version") is None:
        return "non-MIME text"
    if not m.is_multipart():
        return "single " + ct
    parts = m.get_payload()
    first = parts[0] if parts else None
    if first is None:
        return ct + " (empty)"
    fct = first.get_content_type()
    s = ct + " > " + fct
    if first.is_multipart():
        inner = first.get_payload()
        if inner and inner[0].is_multipart():
            s += " > " + inner[0].get_content_type()
    return s

def charset(m):
    """Charset of the first text/plain part (depth first), else text/html."""
    for want in ("text/plain", "text/html"):
        for p in m.walk():
            if p.get_content_type() == want:
                return (p.get_content_charset() or "(none)").lower()
            if p.get_content_type().startswith("message/"):
                break
    return "(no text)"

def main():
    relayhint, d = sys.argv[1], sys.argv[2]
    tsv = "--tsv" in sys.argv
    rows = []
    for line in open(os.path.join(d, "index.tsv"), encoding="utf-8"):
        f = line.rstrip("\n").split("\t")
        if f[0] == "file":
            continue
        cat = f[3]
        grp = "ms" if cat.startswith(MS) else "negative"
        path = os.path.join(d, f[0])
        raw = open(path, "rb").read()
        m = email.message_from_bytes(raw, policy=email.policy.compat32)
        r = subprocess.run([relayhint, "bounce", "--rewrite", path],
                           capture_output=True)
        out = r.stdout
        if r.returncode != 0 and not out:
            res = "error: " + r.stderr.decode(errors="replace").strip()[:60]
        elif out == raw:
            res = "unchanged: " + r.stderr.decode(errors="replace").strip().replace("relayhint: message left unchanged: ", "")[:60]
        elif b"\nX-Relayhint-Cause:" in out.split(b"\n\n", 1)[0] or out.startswith(b"X-Relayhint-Cause:"):
            res = "enriched"
        else:
            res = "changed?"
        rows.append((f[0], grp, structure(m), charset(m), res))
    if tsv:
        for r in rows:
            print("\t".join(r))
        return
    for grp in ("ms", "negative"):
        g = [r for r in rows if r[1] == grp]
        n = sum(1 for r in g if r[4] == "enriched")
        print("%s: %d of %d enriched" % (grp, n, len(g)))
        for key, name in ((2, "structure"), (3, "charset"), (4, "result")):
            c = collections.defaultdict(lambda: [0, 0])
            for r in g:
                c[r[key]][1] += 1
                c[r[key]][0] += r[4] == "enriched"
            print("  by %s:" % name)
            for k in sorted(c):
                print("    %3d/%-3d %s" % (c[k][0], c[k][1], k))

main()
