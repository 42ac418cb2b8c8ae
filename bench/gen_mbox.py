#!/usr/bin/python3
"""gen_mbox.py - a postmaster mailbox of real bounces for the batch benchmark

    python3 gen_mbox.py [--count N] [--seed S] OUT.mbox FILE|DIR ...

Reads every *.eml under the DIRs (and every FILE), drops byte-identical
duplicates, and writes N messages (default 5000) to OUT.mbox in mboxrd
form: the distinct bounces round robin, in an order shuffled with a fixed
seed, each copy made a new message the way the same failure arriving
again would look: its own Message-ID and a later Date (the top-level
header only; the MIME parts stay byte for byte what the MTA wrote).
CRLF line ends become LF, as a local delivery agent stores them; body
lines that begin ">*From " get one more '>' (mboxrd quoting), and every
message ends with an empty line before the next "From " separator.

The material is the project's recorded bounces (tests/data/postfix,
tests/data/exim: real Postfix and Exim against the fake Microsoft 365),
Microsoft's own NDRs (tests/data/ndr) and Sisimai's public corpus of
real-world bounces from many MTAs and providers
(tests/data/external/set-of-emails): varied sizes, MIME structures and
formats.  Prints one JSON line on stdout: messages, distinct sources,
bytes.  The same inputs and seed give the same bytes.
"""
import argparse
import hashlib
import os
import random
import re
import sys
import time

FROM_LINE = re.compile(rb'^(>*From )', re.M)
MSGID = re.compile(rb'^Message-ID:[^\n]*\n(?:[ \t][^\n]*\n)*', re.I | re.M)
DATE = re.compile(rb'^Date:[^\n]*\n(?:[ \t][^\n]*\n)*', re.M)


def sources(args):
    out = []
    for a in args:
        if os.path.isdir(a):
            for root, _, names in os.walk(a):
                out += [os.path.join(root, n) for n in names
                        if n.endswith('.eml')]
        else:
            out.append(a)
    return sorted(out)


def vary(msg, k, seq, when):
    """copy k of a message: a new Message-ID and Date in its top header"""
    cut = msg.find(b'\n\n')
    head, body = (msg, b'') if cut < 0 else (msg[:cut + 1], msg[cut + 1:])
    date = time.strftime('%a, %d %b %Y %H:%M:%S +0000',
                         time.gmtime(when)).encode()
    mid = b'Message-ID: <bench-%d.%d@mailer-daemon.example>\n' % (seq, k)
    head = MSGID.sub(lambda _: mid, head, count=1) if MSGID.search(head) \
        else head + mid
    head = DATE.sub(lambda _: b'Date: ' + date + b'\n', head, count=1)
    return head + body


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--count', type=int, default=5000)
    ap.add_argument('--seed', type=int, default=18)
    ap.add_argument('out')
    ap.add_argument('src', nargs='+')
    o = ap.parse_args()
    seen, msgs = set(), []
    for path in sources(o.src):
        with open(path, 'rb') as fh:
            data = fh.read()
        data = data.replace(b'\r\n', b'\n')
        if data.startswith(b'From '):	# an envelope line already
            data = data.split(b'\n', 1)[1]
        h = hashlib.sha256(data).digest()
        if h in seen or not data.strip():
            continue
        seen.add(h)
        msgs.append(data)
    if not msgs:
        sys.exit('gen_mbox.py: no messages in %s' % ' '.join(o.src))
    rnd = random.Random(o.seed)
    order = list(range(len(msgs)))
    when = 1788000000			# 2026-08-29, then a bounce every 7 s
    nbytes = 0
    with open(o.out + '.tmp', 'wb') as out:
        for seq in range(o.count):
            if seq % len(msgs) == 0:
                rnd.shuffle(order)
            i = order[seq % len(msgs)]
            when += 7
            m = vary(msgs[i], seq // len(msgs), seq, when)
            m = FROM_LINE.sub(rb'>\1', m)
            if not m.endswith(b'\n'):
                m += b'\n'
            rec = (b'From MAILER-DAEMON ' +
                   time.strftime('%a %b %e %H:%M:%S %Y',
                                 time.gmtime(when)).encode() + b'\n' +
                   m + b'\n')
            out.write(rec)
            nbytes += len(rec)
    os.rename(o.out + '.tmp', o.out)
    print('{"messages": %d, "distinct": %d, "bytes": %d, "seed": %d}'
          % (o.count, len(msgs), nbytes, o.seed))


if __name__ == '__main__':
    main()
