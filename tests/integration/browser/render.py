#!/usr/bin/env python3
"""render.py RELAYHINT CHROMIUM OUTDIR FILE... - the rewritten HTML part in a
real browser.

For each bounce FILE: "RELAYHINT bounce --rewrite", then the text/html part
a reader is shown is rendered by headless Chromium (--dump-dom, and
--screenshot at phone width into OUTDIR) with a network log.  Asserts that
the hint's title is the first visible text of the page, that the block has
lang and dir, and that the page attempted no request other than file://.
Then "w3m -dump" of the same part: the hint's title is its first line.
A control page with a remote image checks that the request detector sees
a request when there is one.  Prints PASS:/FAIL: lines.
"""
import email, email.policy, html.parser, json, os, re, subprocess, sys

TITLE = {"en": "relayhint: why this message was not delivered"}

class Visible(html.parser.HTMLParser):
    """Visible text in document order (head, style, script, title skipped)."""
    def __init__(self):
        super().__init__()
        self.skip = 0
        self.text = []
        self.attrs_of_hint = None
    def handle_starttag(self, tag, attrs):
        if tag in ("head", "style", "script", "title"):
            self.skip += 1
        a = dict(attrs)
        if self.attrs_of_hint is None and tag == "div" and "dir" in a:
            self.attrs_of_hint = a
    def handle_endtag(self, tag):
        if tag in ("head", "style", "script", "title") and self.skip:
            self.skip -= 1
    def handle_data(self, d):
        if not self.skip and d.strip():
            self.text.append(" ".join(d.split()))

def part(msg, ct):
    """The decoded text of the first ct part before any message/* part."""
    m = email.message_from_bytes(msg, policy=email.policy.compat32)
    for p in m.walk():
        if p.get_content_type().startswith("message/"):
            break
        if p.get_content_type() == ct:
            return p.get_payload(decode=True).decode(p.get_content_charset() or "us-ascii")
    return None

def chromium(cr, page, outdir, name):
    """dump-dom text, requests the page made (URL list), screenshot path."""
    prof = os.path.join(outdir, "profile")
    net = os.path.join(outdir, name + ".netlog.json")
    shot = os.path.join(outdir, name + ".png")
    base = [cr, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--user-data-dir=" + prof, "--window-size=400,900"]
    dom = subprocess.run(base + ["--log-net-log=" + net, "--dump-dom",
                         "file://" + page], capture_output=True, timeout=120).stdout
    subprocess.run(base + ["--screenshot=" + shot, "file://" + page],
                   capture_output=True, timeout=120)
    reqs = []
    d = json.load(open(net))
    et = {v: k for k, v in d["constants"]["logEventTypes"].items()}
    for e in d["events"]:
        p = e.get("params") or {}
        # requests of the page carry its file:// isolation key; the
        # browser's own (update checks) carry none
        if et.get(e["type"]) == "URL_REQUEST_START_JOB" and \
           "file://" in str(p.get("network_isolation_key", "")) and \
           not str(p.get("url", "")).startswith("file:"):
            reqs.append(p["url"])
    return dom.decode("utf-8", "replace"), reqs, shot

def main():
    rh, cr, outdir = sys.argv[1:4]
    os.makedirs(outdir, exist_ok=True)
    # the control: a detector that never fires proves nothing
    ctl = os.path.join(outdir, "control.html")
    open(ctl, "w").write('<html><body><p>x</p><img src="http://192.0.2.1/x.png"></body></html>')
    _, reqs, _ = chromium(cr, ctl, outdir, "control")
    if reqs:
        print("PASS: browser: the request detector sees a remote image")
    else:
        print("FAIL: browser: control: a remote image was not seen as a request")
    for arg in sys.argv[4:]:
        # FILE or LANG:FILE
        lang, f = arg.split(":", 1) if ":" in arg else ("en", arg)
        name = lang + "-" + os.path.basename(f).replace(".eml", "")
        out = subprocess.run([rh, "bounce", "--rewrite", "--language", lang, f],
                             capture_output=True).stdout
        h = part(out, "text/html")
        t = part(out, "text/plain")
        # the same words as the plain-text hint: its first line is the title
        title = next((l.strip() for l in t.splitlines() if l.strip()), "") \
            if t else TITLE["en"]
        if h is None:
            print("FAIL: browser %s: no HTML part after the rewrite" % name)
            continue
        page = os.path.join(outdir, name + ".html")
        open(page, "w", encoding="utf-8").write(h)
        dom, reqs, shot = chromium(cr, page, outdir, name)
        v = Visible()
        v.feed(dom)
        first = v.text[0] if v.text else ""
        why = []
        if first != " ".join(title.split()):
            why.append("first visible text is %r, want %r" % (first[:80], title))
        a = v.attrs_of_hint or {}
        if a.get("lang") != lang or a.get("dir") != ("rtl" if lang == "ar" else "ltr"):
            why.append("hint block lang/dir %r/%r" % (a.get("lang"), a.get("dir")))
        if reqs:
            why.append("requests attempted: %s" % reqs[:3])
        if not (os.path.exists(shot) and os.path.getsize(shot) > 0):
            why.append("no screenshot")
        block = h[h.find("<!--relayhint-hint-->"):h.find("<!--/relayhint-hint-->")]
        if re.search(r"(?i)<(script|img|link|form|iframe|object|style)|\b(src|href)\s*=|url\(|@import", block):
            why.append("the block holds something a client blocks or fetches")
        w3m = subprocess.run(["w3m", "-dump", "-T", "text/html", "-O", "UTF-8", "-cols", "60", page],
                             capture_output=True).stdout.decode("utf-8", "replace")
        wl = [l.strip() for l in w3m.splitlines() if l.strip()]
        if not wl or not " ".join(title.split()).startswith(wl[0]):
            why.append("w3m first line %r" % (wl[0] if wl else ""))
        if why:
            print("FAIL: browser %s: %s" % (name, "; ".join(why)))
        else:
            print("PASS: browser %s: hint first in Chromium and w3m, no request; screenshot %s" % (name, shot))

main()
