#!/usr/bin/python3
"""pairs.py - whole processes, interleaved, timed as a user meets them

    pairs.py [--rounds R] [--warmup W] [--timeout S] [--spawn SPAWN] --dir DIR
             --cmd 'NAME=COMMAND ARGS...' [--cmd ...]

Runs every command once per round, in the order given (A B C A B C ...),
R rounds (default 5) after W untimed warm-up rounds (default 1: the page
cache and the interpreters' modules are warm for every tool alike), so
a load drift on a shared machine hits all of them in the same round.
Each run is a whole process, started by SPAWN (build/bench/spawn, see
spawn.c): from before fork until wait4() returns,
its standard output written to DIR/NAME.out (what the user would
redirect; the last round's is kept for the caller to check), standard
error to DIR/NAME.err.  COMMAND is split like a shell would (shlex), no
shell is run.

Per run: wall time (monotonic clock), user+system CPU and peak RSS
(ru_maxrss from wait4(), the process's own, not the children's).
Prints one JSON object: per command the runs, the median with min and
max of wall and CPU seconds, every round's wall time in order (wall_s:
round k of one command ran next to round k of the others, so per-round
ratios cancel load drifts), the peak RSS (median and max, KiB), the
exit statuses, and the size of the last output.  A run that exceeds
--timeout (default 300 s) is killed and counted with "timeouts".
"""
import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys


def run(spawn, argv, out, err, timeout):
    """one whole process through spawn (see spawn.c); None on timeout"""
    env = dict(os.environ, SPAWN_TIMEOUT=str(int(timeout)))
    r = subprocess.run([spawn, out, err] + argv, stdout=subprocess.PIPE,
                       check=True, env=env)
    wall, cpu, rss, rc = r.stdout.split()
    if int(rc) == 137 and float(wall) >= int(timeout):
        return None
    return {'wall': float(wall), 'cpu': float(cpu), 'rss_kb': int(rss),
            'rc': int(rc)}


def summary(runs):
    if not runs:
        return {'runs': 0}
    w = [r['wall'] for r in runs]
    c = [r['cpu'] for r in runs]
    m = [r['rss_kb'] for r in runs]
    return {'runs': len(runs),
            'wall_median_s': round(statistics.median(w), 6),
            'wall_min_s': round(min(w), 6), 'wall_max_s': round(max(w), 6),
            'cpu_median_s': round(statistics.median(c), 6),
            'cpu_min_s': round(min(c), 6), 'cpu_max_s': round(max(c), 6),
            'rss_median_kb': int(statistics.median(m)), 'rss_max_kb': max(m),
            'exit': sorted(set(r['rc'] for r in runs)),
            'wall_s': [round(x, 6) for x in w]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--rounds', type=int, default=5)
    ap.add_argument('--warmup', type=int, default=1)
    ap.add_argument('--timeout', type=float, default=300)
    ap.add_argument('--dir', required=True)
    ap.add_argument('--spawn', default='build/bench/spawn')
    ap.add_argument('--cmd', action='append', required=True)
    o = ap.parse_args()
    cmds = []
    for spec in o.cmd:
        name, _, line = spec.partition('=')
        if not name or not line:
            sys.exit('pairs.py: --cmd NAME=COMMAND')
        cmds.append((name, shlex.split(line)))
    runs = {name: [] for name, _ in cmds}
    timeouts = {name: 0 for name, _ in cmds}
    for k in range(o.warmup + o.rounds):
        line = []
        for name, argv in cmds:
            r = run(o.spawn, argv, os.path.join(o.dir, name + '.out'),
                    os.path.join(o.dir, name + '.err'), o.timeout)
            if r is None:
                timeouts[name] += 1
                line.append('%s timeout' % name)
                continue
            if k >= o.warmup:
                runs[name].append(r)
            line.append('%s %.4f s %d KiB' % (name, r['wall'], r['rss_kb']))
        print('   %s %d: %s' % ('warm-up' if k < o.warmup else 'round',
                                  k + 1 - (0 if k < o.warmup else o.warmup),
                                  ', '.join(line)), file=sys.stderr)
    res = {}
    for name, argv in cmds:
        s = summary(runs[name])
        s['timeouts'] = timeouts[name]
        s['command'] = ' '.join(shlex.quote(a) for a in argv)
        out = os.path.join(o.dir, name + '.out')
        s['out_bytes'] = os.path.getsize(out) if os.path.exists(out) else 0
        res[name] = s
    print(json.dumps({'rounds': o.rounds, 'warmup': o.warmup,
                      'order': [n for n, _ in cmds], 'tools': res}))


if __name__ == '__main__':
    main()
