"""flufl_bounce.py - flufl.bounce's throughput, for bench/run.sh

    /usr/bin/python3 flufl_bounce.py [-n N] [-r R] [-v] FILE...
    /usr/bin/python3 flufl_bounce.py -m MBOX

With -m, what a user of flufl.bounce runs on a postmaster mailbox: the
standard library's mailbox.mbox over the file, all_failures() on each
message, one line per message ("temp|perm|-<TAB>count") on standard
output; bench/run.sh times the whole process.

Same protocol as bench_classify: the files are read once into memory as
bytes; each of the N messages (round robin) is parsed with the standard
library's email parser and handed to flufl.bounce.all_failures(), which is
all flufl.bounce does: it names the failed addresses (temporary and
permanent) and gives no reason, so only detection can be compared.
Prints one JSON line; with -v first "file<TAB>temp|perm|-<TAB>count".
"""
import email
import email.policy
import getopt
import json
import mailbox
import sys
import time

from flufl.bounce import all_failures


def main():
    opts, files = getopt.getopt(sys.argv[1:], 'n:r:vm:')
    o = dict(opts)
    if '-m' in o:
        out = sys.stdout
        for msg in mailbox.mbox(o['-m'], create=False):
            temp, perm = all_failures(msg)
            kind = 'perm' if perm else 'temp' if temp else '-'
            out.write('%s\t%d\n' % (kind, len(temp) + len(perm)))
        return
    n = int(o.get('-n', 10000))
    r = int(o.get('-r', 3))
    if not files:
        sys.exit('usage: flufl_bounce.py [-n N] [-r R] [-v] FILE...')
    data = []
    for f in files:
        with open(f, 'rb') as fh:
            data.append(fh.read())
    # compat32 is the policy flufl.bounce's detectors are written for
    parse = email.message_from_bytes
    if '-v' in o:
        for f, d in zip(files, data):
            temp, perm = all_failures(parse(d))
            kind = 'perm' if perm else 'temp' if temp else '-'
            print('%s\t%s\t%d' % (f, kind, len(temp) + len(perm)))
    nbytes = sum(len(data[i % len(data)]) for i in range(n))
    times = []
    found = 0
    for _ in range(r):
        found = 0
        t0 = time.monotonic()
        for i in range(n):
            temp, perm = all_failures(parse(data[i % len(data)]))
            if temp or perm:
                found += 1
        times.append(time.monotonic() - t0)
    times.sort()
    med = (times[r // 2] if r % 2 else
           (times[r // 2 - 1] + times[r // 2]) / 2)
    print(json.dumps({
        'tool': 'flufl.bounce', 'messages': n, 'bytes': nbytes, 'runs': r,
        'median_s': round(med, 6), 'min_s': round(times[0], 6),
        'max_s': round(times[-1], 6), 'msgs_per_s': round(n / med, 1),
        'mb_per_s': round(nbytes / med / 1e6, 2), 'with_bounce': found}))


if __name__ == '__main__':
    main()
