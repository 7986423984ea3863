#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the console logs of "make bench" into goslab/SLUB ratio tables.

usage: bench-table.py [--qemu VERSION] [--out FILE] [--plot PNG]
                      LABEL@CONSOLE_LOG...

Each LABEL is one boot (one kernel command line). Reads the
"goslab-bench: WORKLOAD PARAM key=value..." lines that
tests/bench/goslab_bench.c and scripts/vm/bench-guest.sh print, and prints
per workload the median ns per operation of SLUB and goslab, the median of
the per-round goslab/SLUB ratios (below 1: goslab is faster) and the spread
of the rounds; then the memory, the 2-CPU scaling and the goals of issue 6.
Exits 1 if a log has no results or a failed measurement.
"""

import argparse
import math
import os
import re
import shutil
import subprocess
import sys

LINE = re.compile(r'goslab-bench: (\S+) (\S+)(.*)$')
CACHES = re.compile(r'goslab-debugfs: caches: (.*)$')
KV = re.compile(r'(\w+)=(\S+)')


def parse(path):
    """{'begin': {...}, 'rows': {(wl, param): {...}}, 'order': [...]}"""
    res = {'begin': {}, 'rows': {}, 'order': [], 'failed': [], 'caches': []}
    with open(path, errors='replace') as f:
        for raw in f:
            c = CACHES.search(raw.rstrip('\r\n'))
            if c:
                res['caches'].append(c.group(1).split())
                continue
            m = LINE.search(raw.rstrip('\r\n'))
            if not m:
                continue
            wl, param, rest = m.groups()
            kv = dict(KV.findall(param + rest))
            if wl == 'begin':
                res['begin'].update(dict(KV.findall(param + rest)))
                continue
            if wl in ('end', 'guest'):
                continue
            if kv.get('failed') == '1':
                res['failed'].append('%s %s' % (wl, param))
            key = (wl, param)
            if key not in res['rows']:
                res['order'].append(key)
            res['rows'][key] = kv
    return res


def num(v):
    try:
        return float(str(v).rstrip('%'))
    except (TypeError, ValueError):
        return None


def fmt(v, spec='%.2f'):
    return '-' if v is None else spec % v


def geomean(vals):
    vals = [v for v in vals if v]
    return math.exp(sum(math.log(v) for v in vals) / len(vals)) if vals else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('runs', nargs='+', metavar='LABEL@LOG')
    ap.add_argument('--qemu', default='')
    ap.add_argument('--out')
    ap.add_argument('--plot', help='write a PNG chart of the ratios (needs gnuplot)')
    args = ap.parse_args()

    runs = []
    for r in args.runs:
        label, _, path = r.partition('@')
        runs.append((label, parse(path)))

    out = []
    p = out.append
    bad = False
    p('goslab benchmark: goslab against SLUB in the same boot')
    p('ns and cycles are per operation (an alloc or a free; "pair" rows: an')
    p('alloc+free pair); ratio = median over rounds of goslab/SLUB time')
    p('(< 1: goslab faster); spread = (max - min) / median of the rounds.')
    if args.qemu:
        p('QEMU: ' + args.qemu)
    for label, r in runs:
        b = r['begin']
        p('%-16s kernel %s, %s vCPUs, init_on_alloc=%s init_on_free=%s, rounds=%s scale=%s/1000'
          % (label + ':', b.get('kernel', '?'), b.get('cpus', '?'),
             b.get('init_on_alloc', '?'), b.get('init_on_free', '?'),
             b.get('rounds', '?'), b.get('scale', '?')))
        if not r['rows']:
            p('  no results in this log')
            bad = True
        for f in r['failed']:
            p('  FAILED: ' + f)
            bad = True
    p('')

    # Timed workloads, side by side.
    order = []
    for _, r in runs:
        for k in r['order']:
            if k not in order and 'slub_ns' in r['rows'][k]:
                order.append(k)
    head = '%-17s %-11s' % ('workload', 'param')
    sub = '%-29s' % ''
    for label, _ in runs:
        head += ' | %-36s' % label[:36]
        sub += ' | %8s %8s %6s %9s' % ('slub ns', 'gosl ns', 'ratio', 'spread')
    p(head)
    p(sub)
    p('-' * len(sub))
    chart = []
    for k in order:
        line = '%-17s %-11s' % k
        crow = []
        for _, r in runs:
            v = r['rows'].get(k, {})
            ratio = num(v.get('ratio'))
            line += ' | %8s %8s %6s %9s' % (
                v.get('slub_ns', '-'), v.get('goslab_ns', '-'), fmt(ratio),
                '%s/%s' % (v.get('slub_spread', '-').rstrip('%'),
                           v.get('goslab_spread', '-').rstrip('%')) + '%')
            crow.append(ratio)
        p(line)
        chart.append(('%s %s' % k, crow))
    p('')

    # Large objects against alloc_pages.
    p('large objects: alloc+free pairs, ns per pair')
    head = '%-9s' % 'bytes'
    for label, _ in runs:
        head += ' | %-40s' % label[:40]
    p(head)
    sub = '%-9s' % ''
    for _ in runs:
        sub += ' | %9s %9s %9s %10s' % ('kmalloc', 'goslab', 'pages', 'gosl/pages')
    p(sub)
    p('-' * len(sub))
    for k in order:
        if k[0] != 'large':
            continue
        line = '%-9s' % k[1]
        for _, r in runs:
            v = r['rows'].get(k, {})
            pg = r['rows'].get(('large-pages', k[1]), {})
            line += ' | %9s %9s %9s %10s' % (v.get('slub_ns', '-'), v.get('goslab_ns', '-'),
                                            pg.get('pages_ns', '-'),
                                            pg.get('goslab_vs_pages', '-'))
        p(line)
    p('')

    # Memory.
    p('memory: pages held for the same live set of mixed-size kmalloc objects')
    mem = {}
    for label, r in runs:
        for when in ('mix', 'half-freed'):
            s = r['rows'].get(('memory', when), {})
            g = r['rows'].get(('memory-goslab', when), {})
            sp, gp = num(s.get('slub_pages')), num(g.get('pages'))
            ratio = gp / sp if sp and gp is not None else None
            mem[(label, when)] = ratio
            p('%-16s %-10s objs=%s bytes=%s slub_pages=%s goslab_pages=%s (held from buddy %s) ratio=%s'
              % (label, when, s.get('objs', '-'), s.get('bytes', '-'),
                 s.get('slub_pages', '-'), g.get('pages', '-'), g.get('held', '-'), fmt(ratio)))
            if when == 'mix':
                p('%-27s buddy pages taken while filling: slub=%s goslab=%s'
                  % ('', s.get('slub_buddy', '-'), s.get('goslab_buddy', '-')))
    p('')

    # Scaling: per-op cost with every CPU busy against one CPU.
    p('scaling: per-op cost on all CPUs at once / on one CPU (concurrent kmalloc N, kfree N)')
    scal = {}
    for label, r in runs:
        for (wl, param), v in sorted(r['rows'].items()):
            if wl != 'concurrent' or not param.endswith('/1cpu'):
                continue
            size = param.split('/')[0]
            many = [x for (w2, p2), x in r['rows'].items()
                    if w2 == 'concurrent' and p2.startswith(size + '/') and p2 != param]
            if not many:
                continue
            m = many[0]
            s = num(m.get('slub_ns')) / num(v.get('slub_ns'))
            g = num(m.get('goslab_ns')) / num(v.get('goslab_ns'))
            scal[(label, size)] = g
            p('%-16s size %-5s slub %.2fx  goslab %.2fx' % (label, size, s, g))
    p('')

    # Primitives: not a comparison, the parts fast paths are made of.
    p('primitives: ns per operation on one vCPU, uncontended (what the fast paths are made of)')
    names = []
    for _, r in runs:
        for (wl, param) in r['order']:
            if wl == 'prim' and param not in names:
                names.append(param)
    if names:
        p('  %-28s' % 'ns per op' + ''.join(' %16s' % label[:16] for label, _ in runs))
    for name in names:
        p('  %-28s' % name + ''.join(' %16s' % rr['rows'].get(('prim', name), {}).get('ns', '-')
                                     for _, rr in runs))
    p('')

    # goslab's own counters after the timed workloads: how often the slow
    # path, the sweep and the page heap ran.
    p("goslab's kmalloc caches after the timed workloads of the first boot (debugfs")
    p("caches; caches with fewer than 50000 allocations left out)")
    for label, r in runs[:1]:
        if not r['caches']:
            continue
        hdr = r['caches'][0]
        p('  %s:' % label)
        p('    %-14s %9s %10s %7s %12s %10s %10s' % ('cache', 'objs/span', 'allocs', 'slow%',
                                                   'allocs/sweep', 'span_new', 'refill'))
        for row in r['caches'][1:]:
            v = dict(zip(hdr, row))
            try:
                fast, slow = int(v['alloc_fast']), int(v['alloc_slow'])
                sweep, new = int(v['sweep']), int(v['span_new'])
            except (KeyError, ValueError):
                continue
            if fast + slow < 50000 or not v['name'].startswith('kmalloc-'):
                continue
            p('    %-14s %9s %10d %6.1f%% %12.1f %10d %10s' % (
                v['name'], v.get('objs_per_span', '-'), fast + slow,
                100.0 * slow / (fast + slow), (fast + slow) / sweep if sweep else 0,
                new, v.get('refill', '-')))
    p('')

    # The goals of issue 6.
    p('goals (issue 6)')
    for label, r in runs:
        rows = r['rows']

        def ratios(wl):
            return [num(v.get('ratio')) for (w, _), v in rows.items()
                    if w == wl and num(v.get('ratio')) is not None]

        def verdict(ok):
            return 'met' if ok else 'NOT met'

        p(label + ':')
        fp = num(rows.get(('fastpath', '256'), {}).get('ratio'))
        p('  fast-path alloc+free <= 0.8x SLUB:     %s  %s' % (fmt(fp), verdict(fp is not None and fp <= 0.8)))
        bl = ratios('bulk')
        if bl:
            p('  bulk <= 1.0x:                          %s..%s (geomean %.2f)  %s'
              % (fmt(min(bl)), fmt(max(bl)), geomean(bl), verdict(max(bl) <= 1.0)))
        kn = ratios('kmalloc-n')
        if kn:
            p('  N-alloc-then-N-free <= 0.9x:           %s..%s (geomean %.2f)  %s'
              % (fmt(min(kn)), fmt(max(kn)), geomean(kn), verdict(geomean(kn) <= 0.9 and max(kn) <= 0.9)))
        rf = ratios('remote-free')
        if rf:
            thr = [1 / x for x in rf if x]
            p('  remote free throughput >= 1.0x:        %s..%s  %s'
              % (fmt(min(thr)), fmt(max(thr)), verdict(min(thr) >= 1.0)))
        sc = [v for (lb, _), v in scal.items() if lb == label]
        if sc:
            p('  2-CPU per-op <= 1.1x 1-CPU (goslab):   %s..%s  %s'
              % (fmt(min(sc)), fmt(max(sc)), verdict(max(sc) <= 1.1)))
        mr = mem.get((label, 'mix'))
        p('  pages held <= 0.9x SLUB:               %s  %s' % (fmt(mr), verdict(mr is not None and mr <= 0.9)))
    text = '\n'.join(out) + '\n'
    sys.stdout.write(text)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(text)

    if args.plot and shutil.which('gnuplot'):
        base = os.path.splitext(args.plot)[0]
        with open(base + '.dat', 'w') as f:
            f.write('label ' + ' '.join('"%s"' % lb for lb, _ in runs) + '\n')
            for name, crow in chart:
                f.write('"%s" %s\n' % (name, ' '.join(fmt(x, '%.3f') if x else 'NaN' for x in crow)))
        cols = ', '.join("'%s.dat' using %d:xtic(1) title columnheader(%d)" % (base, i + 2, i + 2)
                         for i in range(len(runs)))
        gp = ("set terminal pngcairo size 2400,800 font ',9' noenhanced\n"
              "set output '%s'\n"
              "set title 'goslab / SLUB time per workload (below 1: goslab faster)'\n"
              "set style data histograms\nset style histogram clustered gap 1\n"
              "set style fill solid 0.8 border -1\nset logscale y\n"
              "set yrange [0.05:50]\nset grid ytics\nset xtics rotate by -60 font ',8'\n"
              "set key top left\nset arrow from graph 0, first 1 to graph 1, first 1 nohead lw 2\n"
              "plot %s\n" % (args.plot, cols))
        with open(base + '.gp', 'w') as f:
            f.write(gp)
        rc = subprocess.run(['gnuplot', base + '.gp'], check=False).returncode
        if rc == 0:
            print('chart: ' + args.plot)
        else:
            print('chart: gnuplot failed (%d), script %s.gp' % (rc, base))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
