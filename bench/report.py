#!/usr/bin/python3
"""report.py - bench/RESULTS.md and bench/results.json from one run

usage: report.py WORKDIR RESULTS.md results.json   (bench/run.sh runs it)

WORKDIR holds what bench/run.sh measured, each file optional but meta.json:
  meta.json            settings and the machine (quick, rounds, sizes, nproc, cpu)
  date.start date.end  UTC; load.before load.after (three load averages),
  load.during          the 1-minute load average sampled every 5 s, busy
                       (the busiest processes at the start)
  a.json a.check.json  (a) batch bounce: bench/pairs.py's output, the checks
  mbox.json            the mbox: messages, distinct sources, bytes
  e.json               (e) relayhint on the small and the big mbox (pairs.py)
  b.hf.json | b.json   (b) explain start-up: hyperfine's export, or pairs.py's
  libs.txt             (b) the shared objects build/relayhint loads
  c.json c.stdout      (c) what bench/exim_overhead.sh wrote
  c.first.jsonl        (c) bench_dlfunc's JSON line per process: the dlfunc's
                       first call (first_call_cpu_ms, from before dlopen())
  d.json d.check.json  (d) scan and grep on two log sizes (pairs.py), checks
  d.ext.json d.stdout  (d) what bench/scan_vs_grep.sh wrote, when it ran
Every row of the table has its target and PASS, MISS or "not measured".
The tests (tests/cli/bench.sh) run this on bench/fixture/.
"""
import json
import os
import statistics
import sys

W, MD, JS = sys.argv[1:4]


def rd(name):
    path = os.path.join(W, name)
    if not os.path.exists(path):
        return None
    with open(path, encoding='utf-8') as fh:
        return fh.read().strip()


def rdjson(name):
    text = rd(name)
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        # a script that prints progress, then its JSON on the last line
        for line in reversed(text.splitlines()):
            if line.startswith('{'):
                try:
                    return json.loads(line)
                except ValueError:
                    return None
        return None


def find(obj, *keys):
    """the first of keys in a (possibly nested) JSON object"""
    if isinstance(obj, dict):
        for k in keys:
            if isinstance(obj.get(k), (int, float)):
                return obj[k]
        for v in obj.values():
            r = find(v, *keys)
            if r is not None:
                return r
    return None


def mmm(t, key='wall', scale=1.0, fmt='%.3f'):
    """median (min-max) of a pairs.py tool entry"""
    return (fmt + ' (' + fmt + '-' + fmt + ')') % (
        t[key + '_median_s'] * scale, t[key + '_min_s'] * scale,
        t[key + '_max_s'] * scale)


def ratio(t, fast, slow):
    """how many times faster fast ran than slow: the median of the
    per-round ratios (the two ran side by side in each round), or of the
    medians when the rounds are not recorded"""
    f, s = t[fast].get('wall_s'), t[slow].get('wall_s')
    if f and s and len(f) == len(s):
        return statistics.median(b / a for a, b in zip(f, s))
    return t[slow]['wall_median_s'] / t[fast]['wall_median_s']


def verdict(ok):
    return 'not measured' if ok is None else 'PASS' if ok else 'MISS'


meta = json.loads(rd('meta.json'))
rows = []			# (what, measured, target, verdict)
res = {'meta': meta, 'date_start': rd('date.start'), 'date_end': rd('date.end'),
       'load_before': rd('load.before'), 'load_after': rd('load.after')}
samples = [float(x) for x in (rd('load.during') or '').split()]
res['load_during'] = {'samples': len(samples),
                      'min': min(samples) if samples else None,
                      'median': sorted(samples)[len(samples) // 2] if samples else None,
                      'max': max(samples) if samples else None}
sec = []

# (a) batch bounce
a, ac, mb = rdjson('a.json'), rdjson('a.check.json') or {}, rdjson('mbox.json')
if a:
    n = mb['messages']
    t = a['tools']
    rate = {k: n / v['wall_median_s'] for k, v in t.items() if v.get('runs')}
    names = {'relayhint': 'relayhint bounce --json MBOX',
             'sisimai': 'Sisimai %s make(MBOX) (Debian libsisimai-perl)'
             % ac.get('sisimai_version', ''),
             'flufl': 'flufl.bounce all_failures() over mailbox.mbox '
             '(Debian python3-flufl.bounce)'}
    sec += ['## (a) Batch: one mbox of %d real bounces' % n, '',
            'The mbox: %d distinct real bounces (tests/data/postfix, exim, ndr, '
            'external/set-of-emails) round robin in a seeded order, each copy with '
            'its own Message-ID and Date, %.1f MB (bench/gen_mbox.py). Whole '
            'processes, interleaved (%s), %d rounds; output to a file.'
            % (mb['distinct'], mb['bytes'] / 1e6, ' '.join(a['order']), a['rounds']), '',
            '| tool | wall s, median (min-max) | CPU s, median | messages/s | '
            'peak RSS MB | relayhint x faster (median of the rounds) |',
            '|---|---|---|---|---|---|']
    for k in a['order']:
        v = t[k]
        if not v.get('runs'):
            sec.append('| %s | timed out | | | | |' % names.get(k, k))
            continue
        sec.append('| %s | %s | %.3f | %.0f | %.1f | %s |' % (
            names.get(k, k), mmm(v), v['cpu_median_s'], rate[k],
            v['rss_max_kb'] / 1024,
            '%.1f' % ratio(t, 'relayhint', k) if 'relayhint' in rate else '-'))
    sec += ['', 'What they answered (last round): relayhint %s records, %s with a '
            'cause; Sisimai %s bounced recipients; flufl.bounce a failure in %s of %s '
            'messages.' % (ac.get('relayhint_records', '-'), ac.get('relayhint_caused', '-'),
                           ac.get('sisimai_results', '-'), ac.get('flufl_detected', '-'),
                           ac.get('flufl_messages', '-')), '']
    res['batch'] = {'mbox': mb, 'pairs': a, 'checks': ac, 'msgs_per_s': rate}
    ok = None
    if 'relayhint' in rate and 'sisimai' in rate:
        r = ratio(t, 'relayhint', 'sisimai')
        ok = r >= 100 and ac.get('relayhint_records') == n
        meas = '%.1fx (%.0f vs %.0f messages/s; by CPU time %.1fx)' % (
            r, rate['relayhint'], rate['sisimai'],
            t['sisimai']['cpu_median_s'] / t['relayhint']['cpu_median_s'])
    else:
        meas = 'Sisimai missing' if 'relayhint' in rate else 'relayhint failed'
    rows.append(('(a) batch bounce vs Sisimai, %d messages, whole process' % n,
                 meas, '>= 100x', verdict(ok)))
else:
    rows.append(('(a) batch bounce vs Sisimai', '-', '>= 100x', 'not measured'))

# (b) start-up
hf, bp, libs = rdjson('b.hf.json'), rdjson('b.json'), rd('libs.txt')
hfb = [x for x in (rdjson('b.hf.%d.json' % k) for k in range(1, 10)) if x]
med = floor = above = None
if hfb:
    # batches of hyperfine, each timing explain and /bin/true: the times
    # pooled, and what explain adds as the median of the batches' own
    # differences (taken at the same moment)
    ext, trt, diffs = [], [], []
    cpu_u = cpu_s = 0.0
    for b in hfb:
        r = {x['command']: x for x in b['results']}
        e = [x for c, x in r.items() if ' explain ' in c][0]
        t = r.get('/bin/true')
        ext += e['times']
        cpu_u += e['user'] * len(e['times'])
        cpu_s += e['system'] * len(e['times'])
        if t:
            trt += t['times']
            diffs.append((e['median'] - t['median']) * 1e3)
    med = statistics.median(ext) * 1e3
    floor = statistics.median(trt) * 1e3 if trt else None
    above = statistics.median(diffs) if diffs else None
    cpu = (cpu_u + cpu_s) / len(ext) * 1e3
    how = 'hyperfine -N, %d batches of %d runs after 10 warm-up' % (len(hfb), len(hfb[0]['results'][0]['times']))
    spread = '%.2f-%.2f' % (min(ext) * 1e3, max(ext) * 1e3)
elif hf:
    r = {x['command']: x for x in hf['results']}
    ex = [x for c, x in r.items() if ' explain ' in c][0]
    tr = r.get('/bin/true')
    med = ex['median'] * 1e3
    floor = tr['median'] * 1e3 if tr else None
    cpu = (ex['user'] + ex['system']) * 1e3
    how = 'hyperfine -N, %d runs after 10 warm-up' % len(ex['times'])
    spread = '%.2f-%.2f' % (ex['min'] * 1e3, ex['max'] * 1e3)
elif bp:
    ex, tr = bp['tools']['explain'], bp['tools'].get('true')
    med = ex['wall_median_s'] * 1e3
    floor = tr['wall_median_s'] * 1e3 if tr else None
    cpu = ex['cpu_median_s'] * 1e3
    how = 'hyperfine missing: pairs.py, %d interleaved rounds' % bp['rounds']
    spread = '%.2f-%.2f' % (ex['wall_min_s'] * 1e3, ex['wall_max_s'] * 1e3)
if med is not None:
    nlib = len(libs.split()) if libs else 0
    sec += ['## (b) Start-up: relayhint explain on one reply', '',
            '| what | median ms | min-max ms | CPU ms (user+system) |', '|---|---|---|---|',
            '| relayhint explain REPLY (%s) | %.2f | %s | %.2f |' % (how, med, spread, cpu)]
    if floor is not None:
        sec.append('| /bin/true (the cost of any process start here, now) | %.2f | | |' % floor)
    sec += ['', 'build/relayhint loads %d shared objects (ldd, vDSO left out): %s.'
            % (nlib, ', '.join(libs.split()) if libs else '-'), '']
    res['startup'] = {'median_ms': med, 'true_median_ms': floor, 'how': how, 'cpu_ms': cpu,
                      'shared_objects': libs.split() if libs else []}
    rows.append(('(b) explain start-up, median', '%.2f ms (/bin/true %s ms; CPU %.2f ms)' % (
        med, '%.2f' % floor if floor is not None else '-', cpu), '<= 1 ms', verdict(med <= 1.0)))
    # what relayhint adds to a process start: the machine's own floor
    # (fork, exec, the loader, libc; 2 ms or more on a VM) is not ours
    if floor is not None:
        if above is None:
            above = med - floor
        res['startup']['above_true_ms'] = above
        rows.append(('(b) explain start-up above /bin/true, median' +
                     (' of the batches' if hfb else ''),
                     '%+.2f ms' % above, '<= 1 ms', verdict(above <= 1.0)))
    rows.append(('(b) shared objects build/relayhint loads', str(nlib), 'listed', 'PASS'))
else:
    rows.append(('(b) explain start-up', '-', '<= 1 ms', 'not measured'))

# (c) Exim
c = rdjson('c.json') or rdjson('c.stdout')
fc = find(c, 'first_call_ms', 'first_ms') if c else None
first = []
for line in (rd('c.first.jsonl') or '').splitlines():
    try:
        first.append(json.loads(line)['first_call_cpu_ms'])
    except (ValueError, KeyError, TypeError):
        pass
fc_how = 'make bench-dlfunc times it' if c else 'bench/exim_overhead.sh missing'
if first:
    fc = statistics.median(first)
    load = [json.loads(x).get('load_cpu_ms') for x in rd('c.first.jsonl').splitlines()
            if x.strip().startswith('{')]
    load = [x for x in load if isinstance(x, (int, float))]
    sec += ['## (c) Exim dlfunc first call in a process (build/bench/bench_dlfunc)', '',
            'dlopen() of build/exim-dlfunc/relayhint.so (RTLD_LAZY, as Exim opens a '
            '${dlfunc} object) and one relayhint_cause call, in %d processes; CPU time '
            '(user + system) from before dlopen() to the answer.' % len(first), '',
            '| what | median ms | min-max ms |', '|---|---|---|',
            '| dlopen() + first call | %.3f | %.3f-%.3f |' % (fc, min(first), max(first))]
    if load:
        sec.append('| of which dlopen() | %.3f | %.3f-%.3f |' % (
            statistics.median(load), min(load), max(load)))
    sec.append('')
    res['exim_first_call'] = {'processes': len(first), 'median_ms': fc,
                              'min_ms': min(first), 'max_ms': max(first),
                              'dlopen_median_ms': statistics.median(load) if load else None}
ov = find(c, 'overhead_pct', 'guard_overhead_pct', 'per_delivery_overhead_pct', 'overhead_percent') if c else None
if c:
    sec += ['## (c) Exim per-delivery overhead (bench/exim_overhead.sh)', '',
            '```', json.dumps(c, indent=1, sort_keys=True)[:3000], '```', '']
    res['exim'] = c
rows.append(('(c) Exim dlfunc first call in a process',
             ('%.3f ms' % fc + (' (CPU, median of %d processes)' % len(first) if first else ''))
             if fc is not None else 'not measured here (%s)' % fc_how,
             '<= 0.5 ms', verdict(None if fc is None else fc <= 0.5)))
rows.append(('(c) Exim per-delivery overhead, ordinary mail vs no event_action',
             '%+.2f %%' % ov if ov is not None else
             'not measured (%s)' % ('no overhead_pct' if c else 'bench/exim_overhead.sh missing'),
             '<= 2 %', verdict(None if ov is None else ov <= 2.0)))

# (d) scan vs grep
d, dc, dx = rdjson('d.json'), rdjson('d.check.json'), rdjson('d.ext.json') or rdjson('d.stdout')
if d and dc:
    t = d['tools']
    sb, bb = dc['small_bytes'], dc['big_bytes']
    sec += ['## (d) scan against grep -F status= | wc -l', '',
            'A generated Postfix log (bench/gen_maillog.py, %.0f%% of the mail '
            'failing at Microsoft 365, as many deferred elsewhere), page cache warm; '
            'the small log is the big one\'s beginning. Interleaved: grep, scan on '
            'the small log, grep, scan on the big one; %d rounds.' % (
                dc['ms_rate'] * 100, d['rounds']), '',
            '| log | tool | wall s, median (min-max) | MB/s | bytes/s vs grep (median of the rounds) | peak RSS MB |',
            '|---|---|---|---|---|---|']
    vsgrep = {}
    for size, nbytes, g, s in (('small', sb, 'grep_s', 'scan_s'), ('big', bb, 'grep_b', 'scan_b')):
        vsgrep[size] = 1 / ratio(t, g, s)
        for k in (g, s):
            sec.append('| %.0f MB | %s | %s | %.0f | %s | %s |' % (
                nbytes / 1e6, 'grep -F status= \\| wc -l' if k == g else 'relayhint scan --json',
                mmm(t[k]), nbytes / t[k]['wall_median_s'] / 1e6,
                '1' if k == g else '%.2f' % vsgrep[size],
                '-' if k == g else '%.1f' % (t[k]['rss_max_kb'] / 1024)))
    rss_s, rss_b = t['scan_s']['rss_max_kb'], t['scan_b']['rss_max_kb']
    sec += ['', 'The scan of the big log found %d of %d Microsoft 365 failures with the '
            'right cause (queue id and cause); missed %d, extra or wrong %d.' % (
                dc['found'], dc['expected'], dc['missed'], dc['extra']), '']
    res['scan'] = {'pairs': d, 'checks': dc, 'ratio_to_grep': vsgrep}
    right = dc['missed'] == 0 and dc['extra'] == 0
    # both sizes: a scan that keeps up only on long logs is not yet there
    rows.append(('(d) scan bytes/s vs grep, %.0f and %.0f MB of log' % (sb / 1e6, bb / 1e6),
                 '%.2fx and %.2fx%s' % (vsgrep['small'], vsgrep['big'],
                                        '' if right else '; answers wrong'),
                 '>= 0.6x on both', verdict(min(vsgrep.values()) >= 0.6 and right)))
    rows.append(('(d) scan peak RSS, %.0f MB -> %.0f MB of log' % (sb / 1e6, bb / 1e6),
                 '%.1f -> %.1f MB' % (rss_s / 1024, rss_b / 1024),
                 'flat (<= 1.1x)', verdict(rss_b <= 1.1 * rss_s)))
elif dx:
    r = find(dx, 'ratio_to_grep', 'ratio')
    rs = find(dx, 'rss_100_kb', 'rss_small_kb')
    rb = find(dx, 'rss_800_kb', 'rss_big_kb')
    sec += ['## (d) scan against grep (bench/scan_vs_grep.sh)', '',
            '```', json.dumps(dx, indent=1, sort_keys=True)[:3000], '```', '']
    res['scan'] = dx
    rows.append(('(d) scan bytes/s vs grep', '%.2fx' % r if r is not None else 'see section',
                 '>= 0.6x', verdict(None if r is None else r >= 0.6)))
    rows.append(('(d) scan peak RSS, 100 MB -> 800 MB of log',
                 '%.1f -> %.1f MB' % (rs / 1024, rb / 1024) if rs and rb else 'see section',
                 'flat (<= 1.1x)', verdict(None if not (rs and rb) else rb <= 1.1 * rs)))
else:
    rows.append(('(d) scan bytes/s vs grep', '-', '>= 0.6x', 'not measured'))
    rows.append(('(d) scan peak RSS', '-', 'flat (<= 1.1x)', 'not measured'))

# (e) batch memory
e, ms = rdjson('e.json'), rdjson('mbox-small.json')
if e and mb and ms:
    s, b = e['tools']['small'], e['tools']['big']
    sec += ['## (e) Memory of batch bounce', '',
            '| messages | mbox MB | wall s, median (min-max) | peak RSS MB (max of %d) |'
            % e['rounds'], '|---|---|---|---|',
            '| %d | %.1f | %s | %.1f |' % (ms['messages'], ms['bytes'] / 1e6, mmm(s),
                                           s['rss_max_kb'] / 1024),
            '| %d | %.1f | %s | %.1f |' % (mb['messages'], mb['bytes'] / 1e6, mmm(b),
                                           b['rss_max_kb'] / 1024), '']
    res['batch_memory'] = e
    rows.append(('(e) batch bounce peak RSS, %d -> %d messages' % (ms['messages'], mb['messages']),
                 '%.1f -> %.1f MB' % (s['rss_max_kb'] / 1024, b['rss_max_kb'] / 1024),
                 'flat (<= 1.1x)', verdict(b['rss_max_kb'] <= 1.1 * s['rss_max_kb'])))
else:
    rows.append(('(e) batch bounce peak RSS', '-', 'flat (<= 1.1x)', 'not measured'))

ld = res['load_during']
head = ['# relayhint benchmark results', '',
        '%s to %s, %s s; %s CPU(s), %s%s.' % (
            res['date_start'], res['date_end'], meta['seconds'], meta['nproc'],
            meta['cpu'], '; QUICK=1 (smaller inputs)' if meta['quick'] else ''),
        '',
        'Load average before the run: %s; during it (1-minute, %d samples every 5 s): '
        'median %s, min %s, max %s; after: %s.' % (
            res['load_before'], ld['samples'], ld['median'], ld['min'], ld['max'],
            res['load_after']),
        'Busiest processes at the start: %s.' % (rd('busy') or '-'), '',
        'Generated by `make bench` (bench/run.sh, bench/report.py); see bench/README.md. '
        'Every time is a whole process as a user starts it; compare the ratios: the '
        'machine may be shared.', '',
        '## Targets', '', '| what | measured | target | verdict |', '|---|---|---|---|']
head += ['| %s | %s | %s | %s |' % r for r in rows]
res['targets'] = [{'what': r[0], 'measured': r[1], 'target': r[2], 'verdict': r[3]}
                  for r in rows]
with open(MD + '.tmp', 'w', encoding='utf-8') as fh:
    fh.write('\n'.join(head + [''] + sec).rstrip('\n') + '\n')
os.replace(MD + '.tmp', MD)
with open(JS + '.tmp', 'w', encoding='utf-8') as fh:
    json.dump(res, fh, indent=1, sort_keys=True)
    fh.write('\n')
os.replace(JS + '.tmp', JS)
print('\n'.join(head))
