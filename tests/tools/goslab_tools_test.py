#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tests of scripts/goslabinfo and scripts/goslab-plot on a saved debugfs
snapshot (a directory, or a console log holding one: see stats_test.sh).

usage: goslab_tools_test.py [--name PREFIX] SNAPSHOT WORKDIR

Prints one result line per check ("ok   PREFIX what" or "FAIL PREFIX what:
why") as scripts/check.sh does, and exits 1 if any failed.
"""

import argparse
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INFO = os.path.join(ROOT, 'scripts', 'goslabinfo')
PLOT = os.path.join(ROOT, 'scripts', 'goslab-plot')

failed = 0


def result(ok, what, why=''):
    global failed
    if ok:
        print('ok   %s' % what)
    else:
        failed += 1
        print('FAIL %s: %s' % (what, why))


def run(*args):
    r = subprocess.run(list(args), capture_output=True, text=True, timeout=120)
    return r.returncode, r.stdout, r.stderr


def table_after_summary(out):
    """The first table of goslabinfo's output: after the first blank line."""
    lines = out.split('\n\n', 1)[1].splitlines() if '\n\n' in out else []
    lines = [l for l in lines if l.strip()]
    if not lines:
        return [], []
    head = lines[0].split()
    rows = []
    for l in lines[1:]:
        if not l.strip():
            break
        rows.append(dict(zip(head, l.split())))
    return head, rows


def debugfs_caches(d):
    with open(os.path.join(d, 'caches')) as f:
        lines = f.read().splitlines()
    head = lines[0].split()
    return {r[0]: dict(zip(head, r)) for r in (l.split() for l in lines[1:]) if r}


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--name', default='tools')
    p.add_argument('snapshot')
    p.add_argument('work')
    a = p.parse_args()
    n = a.name
    os.makedirs(a.work, exist_ok=True)

    snap = a.snapshot
    if os.path.isfile(snap):
        d = os.path.join(a.work, 'snapshot')
        rc, out, err = run(sys.executable, INFO, '--extract', snap, d)
        result(rc == 0 and os.path.isfile(os.path.join(d, 'caches')),
               n + ' goslabinfo --extract', (err or out).strip())
        if rc:
            return 1
        snap = d
    want = debugfs_caches(snap)

    # The cache table parses back, sorted, and agrees with the debugfs file.
    for col in ('pages', 'inuse', 'alloc'):
        rc, out, err = run(sys.executable, INFO, '-d', snap, '-s', col)
        head, rows = table_after_summary(out)
        why = ''
        if rc:
            why = 'exit %d: %s' % (rc, err.strip())
        elif not rows or head[0] != 'name':
            why = 'no cache table in the output'
        else:
            vals = [float(r[col]) for r in rows]
            if vals != sorted(vals, reverse=True):
                why = 'not sorted by %s' % col
            for r in rows:
                w = want.get(r['name'])
                if not w:
                    why = 'cache %s is not in the snapshot' % r['name']
                elif (int(r['inuse']) != int(w['inuse']) or
                      int(r['pages']) != int(w['pages']) or
                      int(r['alloc']) != int(w['alloc_fast']) + int(w['alloc_slow']) or
                      int(r['refused']) != int(w.get('free_refused', 0))):
                    why = 'row %s disagrees with the snapshot' % r['name']
        result(not why, '%s goslabinfo -s %s: table parses back' % (n, col), why)

    # The table shows caches that hold spans or allocated: a snapshot of a
    # goslab loaded shortly before may have fewer than three.
    active = sorted(int(w['inuse']) for w in want.values()
                    if int(w['spans']) or int(w['alloc_fast']) + int(w['alloc_slow']))
    rc, out, err = run(sys.executable, INFO, '-d', snap, '-s', 'inuse', '-n', '3', '-r')
    _, rows = table_after_summary(out)
    got = [int(r['inuse']) for r in rows]
    result(rc == 0 and got == active[:3],
           n + ' goslabinfo -n 3 -r', err.strip() or
           'rows with inuse %s, want the %d fewest of %s' % (got, min(3, len(active)), active))

    rc, out, err = run(sys.executable, INFO, '-d', snap, '--summary')
    result(rc == 0 and out.startswith('Pages held') and '\n\n' not in out,
           n + ' goslabinfo --summary', err.strip() or out[:200])

    rc, out, err = run(sys.executable, INFO, '-d', snap, '--all')
    ok = rc == 0 and all(h in out for h in ('live_waste_pct', 'est_live_bytes',
                                             'large_objects', 'alloc_fast',
                                             'node_fallback'))
    result(ok, n + ' goslabinfo --all shows every table', err.strip() or 'a table is missing')

    # Every raw table comes out with the debugfs file's header and rows.
    for opt, name in (('--nodes', 'nodes'), ('--classes', 'classes'), ('--cpus', 'cpus')):
        rc, out, err = run(sys.executable, INFO, '-d', snap, opt)
        head, rows = table_after_summary(out)
        with open(os.path.join(snap, name)) as f:
            lines = [l.split() for l in f.read().splitlines() if l.strip()]
        why = ''
        if rc:
            why = 'exit %d: %s' % (rc, err.strip())
        elif not lines or head != lines[0]:
            why = 'header %s, not the file\'s' % ' '.join(head)
        elif [[r[h] for h in head] for r in rows] != [l for l in lines[1:] if len(l) == len(head)]:
            why = 'rows disagree with the snapshot'
        result(not why, '%s goslabinfo %s: the %s table as in debugfs' % (n, opt, name), why)

    s = {}
    with open(os.path.join(snap, 'summary')) as f:
        for l in f:
            if ': ' in l:
                k, v = l.split(': ', 1)
                s[k] = v.strip()
    rc, out, err = run(sys.executable, INFO, '-d', snap, '--summary')
    want = 'node fallback pages %s,' % s.get('node_fallback', '?')
    result(rc == 0 and want in out, n + ' goslabinfo --summary shows node_fallback',
           err.strip() or 'no "%s" in the summary' % want)
    want = 'counted as slab %s (reclaimable %s),' % (
        s.get('pages_slab', '?'), s.get('pages_slab_reclaimable', '?'))
    result(rc == 0 and '?' not in want and want in out,
           n + ' goslabinfo --summary shows the pages counted as slab',
           err.strip() or 'no "%s" in the summary' % want)

    rc, out, err = run(sys.executable, INFO, '-d', snap, '-w', '0.1', '--count', '2')
    result(rc == 0 and out.count('goslabinfo ') == 2 and out.count('Pages held') == 2,
           n + ' goslabinfo -w refreshes', err.strip() or 'not two refreshes')

    rc, out, err = run(sys.executable, INFO, '-d', snap, '-s', 'nosuchcolumn')
    result(rc == 2, n + ' goslabinfo refuses an unknown column', 'exit %d' % rc)

    # -c: the cache table with the columns asked for, the same rows.
    cols = ['name', 'inuse', 'kib', 'fast_pct']
    rc, out, err = run(sys.executable, INFO, '-d', snap, '-c', ','.join(cols))
    head, rows = table_after_summary(out)
    _, full = table_after_summary(run(sys.executable, INFO, '-d', snap)[1])
    result(rc == 0 and head == cols and
           [[r[c] for c in cols] for r in rows] == [[r[c] for c in cols] for r in full],
           n + ' goslabinfo -c: the columns asked for', err.strip() or 'header %s' % head)
    rc, out, err = run(sys.executable, INFO, '-d', snap, '-c', 'name,nosuchcolumn')
    result(rc == 2, n + ' goslabinfo -c refuses an unknown column', 'exit %d' % rc)

    # --no-summary: the table alone; -n also cuts the profile.
    with open(os.path.join(snap, 'profile')) as f:
        sites = [l for l in f.read().splitlines()[1:] if l.strip()]
    rc, out, err = run(sys.executable, INFO, '-d', snap, '--no-summary', '--profile', '-n', '2')
    lines = out.splitlines()
    result(rc == 0 and lines[:1] and lines[0].split()[0] == 'live_bytes' and
           len(lines) == 1 + min(2, len(sites)) and
           [l.split() for l in lines[1:]] == [l.split() for l in sites[:2]],
           n + ' goslabinfo --no-summary --profile -n 2: the first call sites only',
           err.strip() or out[:200])

    # Charts: PNG files, not empty.
    bench = os.path.join(a.work, 'bench.txt')
    with open(bench, 'w') as f:
        f.write('# example ratios, the format goslab-plot --bench reads\n'
                'name ratio\nbulk1 0.90\nbulk16 0.80\nkmalloc-256 1.05\n')
    out_dir = os.path.join(a.work, 'png')
    rc, out, err = run(sys.executable, PLOT, '-d', snap, '-o', out_dir, '--bench', bench)
    for png in ('caches.png', 'waste.png', 'nodes.png', 'bench.png'):
        f = os.path.join(out_dir, png)
        ok = os.path.isfile(f) and os.path.getsize(f) > 1000
        if ok:
            with open(f, 'rb') as fh:
                ok = fh.read(8) == b'\x89PNG\r\n\x1a\n'
        result(rc == 0 and ok, '%s goslab-plot %s' % (n, png),
               err.strip() or 'missing, empty or not a PNG')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
