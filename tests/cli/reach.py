#!/usr/bin/env python3
"""reach.py RELAYHINT DIR [--tsv | --check N] - how many real bounces come out
enriched.

For every file of DIR/index.tsv runs "RELAYHINT bounce --rewrite FILE" and
reports, per category group (Microsoft-related or negative), per structure
of the message (how the human-readable text is packed) and per charset of
that text, how many were enriched (an X-Relayhint-Cause header and the hint
in the body) and why the others were not.  Read-only; prints a table.
With --tsv, one line per file: file, group, structure, charset, result.

With --check N, a test (PASS:/FAIL: lines for tests/run.sh): at least N
Microsoft-related files enriched, no negative file changed, and for every
enriched file: the bytes from the second top-level delimiter (the DSN part,
the returned message) to the end byte-identical, every text/plain and
text/html part a reader is shown (the first part, or the alternatives in
it) carrying the hint in a declared charset that decodes cleanly, and a
second rewrite changing nothing.
"""
import email, email.policy, subprocess, sys, collections, os, re

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

def boundary_of(raw):
    """The top-level boundary, read as bytes."""
    m = email.message_from_bytes(raw, policy=email.policy.compat32)
    b = m.get_boundary()
    return b.encode("latin-1") if b else None

def shown_parts(m):
    """The text parts a reader is shown: the first part, or the text/plain
    and text/html alternatives inside it (nested at most 4 deep)."""
    if not m.is_multipart():
        return [m]
    first = m.get_payload()[0]
    out, todo = [], [(first, 0)]
    while todo:
        p, d = todo.pop(0)
        ct = p.get_content_type()
        if p.is_multipart() and d < 4:
            kids = p.get_payload()
            todo += [(k, d + 1) for k in (kids if ct == "multipart/alternative" else kids[:1])]
        elif ct in ("text/plain", "text/html"):
            out.append(p)
    return out

def check_file(relayhint, path, raw, out, cause):
    """Why the enriched output is wrong, or None."""
    b = boundary_of(raw)
    if b is not None:
        body_in = re.split(rb"\r?\n\r?\n", raw, 1)[-1]
        body_out = re.split(rb"\r?\n\r?\n", out, 1)[-1]
        pat = re.compile(rb"^--" + re.escape(b) + rb"(--)?[ \t]*\r?$", re.M)
        di = list(pat.finditer(body_in))
        do = list(pat.finditer(body_out))
        if len(di) < 2 or len(di) != len(do):
            return "delimiters: %d in, %d out" % (len(di), len(do))
        ti = body_in[di[1].start():]
        to = body_out[do[1].start():]
        if ti != to:
            return "bytes from the second delimiter on changed"
    # Some corpus files lost the indentation of "boundary=" continuation
    # lines; relayhint reads them (mime.c), Python's parser needs the fold.
    fixed = re.sub(rb"(\r?\n)(boundary=)", rb"\1\t\2", out)
    m = email.message_from_bytes(fixed, policy=email.policy.compat32)
    parts = shown_parts(m)
    if not parts:
        return "no text part shown"
    for p in parts:
        cs = p.get_content_charset() or "us-ascii"
        try:
            t = p.get_payload(decode=True).decode(cs)
        except Exception as e:
            return "%s part does not decode as %s: %s" % (p.get_content_type(), cs, e)
        if cause not in t:
            return "no hint in the %s part" % p.get_content_type()
        if p.get_content_type() == "text/html" and t.count("<!--relayhint-hint-->") != 1:
            return "HTML part: %d hint blocks" % t.count("<!--relayhint-hint-->")
        if p.get("Content-Language") is None:
            return "%s part without Content-Language" % p.get_content_type()
    r = subprocess.run([relayhint, "bounce", "--rewrite", "-"], input=out,
                       capture_output=True)
    if r.stdout != out:
        return "a second rewrite changed the message"
    return None

def check(relayhint, d, want):
    n = nneg = nbad = 0
    per = collections.Counter()
    for line in open(os.path.join(d, "index.tsv"), encoding="utf-8"):
        f = line.rstrip("\n").split("\t")
        if f[0] == "file":
            continue
        path = os.path.join(d, f[0])
        raw = open(path, "rb").read()
        r = subprocess.run([relayhint, "bounce", "--rewrite", path],
                           capture_output=True)
        if not f[3].startswith(MS):
            if r.stdout != raw:
                nbad += 1
                print("FAIL: reach %s: negative file changed" % f[0])
            nneg += 1
            continue
        if r.stdout == raw:
            continue
        hm = re.search(rb"^X-Relayhint-Cause: (\S+)", r.stdout, re.M)
        why = "no X-Relayhint-Cause" if hm is None else \
            check_file(relayhint, path, raw, r.stdout, hm.group(1).decode())
        if why:
            nbad += 1
            print("FAIL: reach %s: %s" % (f[0], why))
        else:
            n += 1
    if n >= want:
        print("PASS: reach: %d Microsoft-related real bounces enriched (want >= %d), "
              "DSN and returned message byte-identical, hint in every shown part, "
              "idempotent" % (n, want))
    else:
        print("FAIL: reach: only %d Microsoft-related real bounces enriched, want >= %d" % (n, want))
    if nbad == 0:
        print("PASS: reach: %d negative real bounces unchanged" % nneg)

def main():
    relayhint, d = sys.argv[1], sys.argv[2]
    tsv = "--tsv" in sys.argv
    if "--check" in sys.argv:
        check(relayhint, d, int(sys.argv[sys.argv.index("--check") + 1]))
        return
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
