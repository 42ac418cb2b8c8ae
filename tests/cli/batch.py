#!/usr/bin/env python3
"""batch.py - relayhint bounce over many messages, as a postmaster runs it

An mbox (mboxrd quoting), a Maildir, a directory, several files and an
mbox on standard input each give one record per message with its source;
a rewritten message in --output-dir is byte-identical to what
"bounce --rewrite FILE" prints for the same message alone; an oversized
message is skipped and counted; memory stays flat as the mbox grows.
Output: PASS:/FAIL: lines for tests/run.sh.
"""
import glob
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.chdir(ROOT)
RH = "./build/relayhint"
tmp = tempfile.mkdtemp()
failed = 0


def ok(name, why=None):
    print("PASS: " + name)


def bad(name, why):
    global failed
    failed += 1
    print("FAIL: %s: %s" % (name, str(why)[:500].replace("\n", " | ")))


def rh(args, stdin=None):
    p = subprocess.run([RH] + args, capture_output=True, input=stdin, timeout=300,
                       env=dict(os.environ, LANG="C", LC_ALL="", LC_MESSAGES=""))
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


msgs = sorted(glob.glob("tests/data/postfix/*.eml")) + sorted(glob.glob("tests/data/exim/*.eml"))
raw = [open(f, "rb").read() for f in msgs]
# one message whose body holds lines an mbox must quote
trap = raw[0].replace(b"\n\n", b"\n\nFrom the relay's point of view\n>From quoted already\n", 1)
raw.append(trap)
msgs.append("trap")


def mboxrd(messages):
    out = b""
    offs = []
    for m in messages:
        offs.append(len(out))
        out += b"From MAILER-DAEMON Mon Dec  7 10:00:00 2026\n"
        for line in m.split(b"\n")[:-1] if m.endswith(b"\n") else m.split(b"\n"):
            s = line.lstrip(b">")
            out += (b">" + line if s.startswith(b"From ") else line) + b"\n"
        out += b"\n"
    return out, offs


box, offs = mboxrd(raw)
mbox = os.path.join(tmp, "bounces.mbox")
open(mbox, "wb").write(box)

# --- one record per message, with its source -----------------------------------
rc, out, err = rh(["bounce", "--json", mbox])
recs = [json.loads(l) for l in out.decode().splitlines()]
got = [(r.get("source"), r.get("offset")) for r in recs]
want = [(mbox, o) for o in offs]
if rc == 0 and got == want:
    ok("mbox: one JSON record per message with source and offset (%d)" % len(recs))
else:
    bad("mbox: one JSON record per message", "rc=%d got %d records, first %s" % (rc, len(recs), got[:2]))

# each record classifies as the message alone does
single = []
for f, m in zip(msgs, raw):
    p = os.path.join(tmp, "single.eml")
    open(p, "wb").write(m)
    r, o, e = rh(["bounce", "--json", p])
    single.append(json.loads(o)["cause"])
if [r.get("cause") for r in recs] == single:
    ok("mbox: every message gets the cause it gets alone")
else:
    bad("mbox: causes as alone", [(a.get("cause"), b) for a, b in zip(recs, single) if a.get("cause") != b][:3])

# --- rewrite into a directory: byte-identical to the single rewrite ------------
outdir = os.path.join(tmp, "out")
os.mkdir(outdir)
rc, out, err = rh(["bounce", "--rewrite", "--output-dir", outdir, mbox])
diffs = []
for m, o in zip(raw, offs):
    p = os.path.join(tmp, "single.eml")
    open(p, "wb").write(m)
    r, alone, e = rh(["bounce", "--rewrite", p])
    f = os.path.join(outdir, "bounces.mbox@%d.eml" % o)
    if not os.path.exists(f) or open(f, "rb").read() != alone:
        diffs.append(o)
if rc == 0 and not diffs and len(os.listdir(outdir)) == len(raw):
    ok("mbox --rewrite --output-dir: every message as 'bounce --rewrite FILE' prints it (mboxrd unquoted)")
else:
    bad("mbox --rewrite --output-dir", "rc=%d differing offsets %s" % (rc, diffs[:5]))
rc, out, err = rh(["bounce", "--rewrite", mbox])
if rc == 2 and "--output-dir" in err and out == b"":
    ok("--rewrite of many messages without --output-dir is a usage error")
else:
    bad("--rewrite of many messages without --output-dir", "rc=%d" % rc)

# --- Maildir, directory, several files, stdin -----------------------------------
md = os.path.join(tmp, "Maildir")
for sub in ("cur", "new", "tmp"):
    os.makedirs(os.path.join(md, sub))
for i, f in enumerate(msgs[:-1]):
    shutil.copy(f, os.path.join(md, "cur" if i % 2 else "new", "%d.host:2,S" % i))
open(os.path.join(md, "tmp", "partial"), "wb").write(b"half a message")
rc, out, err = rh(["bounce", "--json", md])
n = len(out.decode().splitlines())
(ok if rc == 0 and n == len(msgs) - 1 else bad)("Maildir: cur/ and new/ read, tmp/ not (%d messages)" % n,
                                                 "rc=%d n=%d" % (rc, n))
d = os.path.join(tmp, "dir")
os.mkdir(d)
for f in msgs[:5]:
    shutil.copy(f, d)
rc, out, err = rh(["bounce", d] + msgs[5:8])
text = out.decode()
if rc == 0 and "8 message(s): 8 with a cause" in text:
    ok("a directory and files: one line each and a summary by cause")
else:
    bad("a directory and files", text[-300:])
rc, out, err = rh(["bounce", "--json", "-"], stdin=box)
n = len(out.decode().splitlines())
(ok if rc == 0 and n == len(raw) else bad)("an mbox on standard input (%d messages)" % n, "rc=%d n=%d" % (rc, n))

# --- limits: an oversized message is skipped, memory stays flat ----------------
big = b"From: x\nSubject: big\n\n" + b"A" * 200 + b"\n"
big = big + b"B" * 76 * 1 + b"\n"
huge = b"From: x\nSubject: big\n\n" + (b"A" * 75 + b"\n") * 30000
box2, offs2 = mboxrd([raw[0], huge, raw[1]])
p2 = os.path.join(tmp, "big.mbox")
open(p2, "wb").write(box2)
rc, out, err = rh(["bounce", "--json", "--max-message-size", "1000000", p2])
recs = [json.loads(l) for l in out.decode().splitlines()]
if len(recs) == 3 and "skipped" in recs[1] and recs[0].get("cause") and recs[2].get("cause"):
    ok("a message over --max-message-size is skipped and reported; its neighbours are read")
else:
    bad("oversized message", [r.get("skipped", r.get("cause")) for r in recs])


def peak_rss(path):
    p = subprocess.Popen([RH, "bounce", "--json", path], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    return ru.ru_maxrss  # KiB


small = os.path.join(tmp, "small.mbox")
large = os.path.join(tmp, "large.mbox")
open(small, "wb").write(box * 2)
with open(large, "wb") as f:
    for _ in range(40):
        f.write(box)
r1, r2 = peak_rss(small), peak_rss(large)
sz = os.path.getsize(large) // 1024
if r2 <= r1 * 1.5 + 4096:
    ok("memory is flat: %d KiB RSS for %d messages, %d KiB for %d (%d KiB mbox)" %
       (r1, 2 * len(raw), r2, 40 * len(raw), sz))
else:
    bad("memory is flat", "%d KiB -> %d KiB" % (r1, r2))

shutil.rmtree(tmp)
sys.exit(1 if failed else 0)
