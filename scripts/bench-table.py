#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the console logs of "make bench" into goslab/SLUB ratio tables.

usage: bench-table.py [--qemu VERSION] [--commit ID] [--out FILE]
                      [--plot PNG] LABEL@CONSOLE_LOG...

Each LABEL is one boot (one instrument, one kernel command line); a label
ending in "#2" is a second boot of the same setting, compared with the
first for repeatability. Reads the "goslab-bench: WORKLOAD PARAM
key=value..." lines that tests/bench/goslab_bench.c and
scripts/vm/bench-guest.sh print. A boot's instrument comes from its begin
line: "icount" (QEMU -icount: instructions per operation) or "wall" (ns
per operation). Prints per workload and boot SLUB's and goslab's figures,
the empty loop's, the goslab/SLUB ratio gross and net of the loop (below
1: goslab does less), then large objects, memory, scaling, primitives, the
budget parts, goslab's counters and the goals of issue 16 on both
instruments. Exits 1 if a log has no results or a failed measurement.
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

PAIR_MAX = 8192        # issue 16: pairs of every size up to 8 KiB


def parse(path):
    """{'begin': {...}, 'rows': {(wl, param): {...}}, 'order': [...], ...}"""
    res = {'begin': {}, 'rows': {}, 'order': [], 'failed': [], 'caches': [],
           'settle': ''}
    with open(path, errors='replace') as f:
        for raw in f:
            raw = raw.rstrip('\r\n')
            c = CACHES.search(raw)
            if c:
                res['caches'].append(c.group(1).split())
                continue
            m = LINE.search(raw)
            if not m:
                continue
            wl, param, rest = m.groups()
            kv = dict(KV.findall(param + rest))
            if wl == 'begin':
                # The first begin line names the boot; later ones agree.
                if not res['begin']:
                    res['begin'].update(kv)
                continue
            if wl in ('end', 'guest', 'round'):
                continue
            if wl == 'settle':
                res['settle'] = (param + rest).strip()
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


def size_of(param):
    try:
        return int(param.split('/')[0])
    except ValueError:
        return None


def net(v, unit):
    """goslab/SLUB net of the empty loop, from a result row."""
    s, g, lp = num(v.get('slub_' + unit)), num(v.get('goslab_' + unit)), num(v.get('loop_' + unit))
    if s is None or g is None:
        return None
    if lp is None:
        return g / s if s else None
    return (g - lp) / (s - lp) if s > lp else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('runs', nargs='+', metavar='LABEL@LOG')
    ap.add_argument('--qemu', default='')
    ap.add_argument('--commit', default='')
    ap.add_argument('--out')
    ap.add_argument('--plot', help='write a PNG chart of the ratios (needs gnuplot)')
    args = ap.parse_args()

    runs = []
    for r in args.runs:
        label, _, path = r.partition('@')
        res = parse(path)
        res['inst'] = res['begin'].get('instrument', 'wall')
        runs.append((label, res))
    icount = [(lb, r) for lb, r in runs if r['inst'] == 'icount' and not lb.endswith('#2')]
    wall = [(lb, r) for lb, r in runs if r['inst'] != 'icount']
    again = {lb[:-2]: r for lb, r in runs if r['inst'] == 'icount' and lb.endswith('#2')}

    out = []
    p = out.append
    bad = False
    p('goslab benchmark: goslab against SLUB in the same boot, on two instruments')
    p('  instructions: QEMU -icount shift=0 (1 vCPU): the guest clock advances one ns')
    p('    per instruction; figures are instructions per operation, the median of the')
    p('    calm rounds (no tick, interrupt or task switch inside them)')
    p('  wall time: multi-threaded TCG, 2 vCPUs: ns per operation, the median of the')
    p('    rounds; ratio = median of the per-round goslab/SLUB ratios')
    p('  operation: an alloc or a free; "pair" rows, fastpath, large and budget: an')
    p('    alloc+free pair. loop: the same loop calling an alloc and a free that do')
    p('    nothing; net = (goslab - loop) / (SLUB - loop). Below 1: goslab does less.')
    if args.commit:
        p('commit: ' + args.commit)
    if args.qemu:
        p('QEMU: ' + args.qemu)
    for label, r in runs:
        b = r['begin']
        p('%-24s %s, kernel %s, %s vCPU(s), init_on_alloc=%s init_on_free=%s, rounds=%s scale=%s repeat=%s%s'
          % (label + ':', 'instructions' if r['inst'] == 'icount' else 'wall time',
             b.get('kernel', '?'), b.get('cpus', '?'), b.get('init_on_alloc', '?'),
             b.get('init_on_free', '?'), b.get('rounds', '?'), b.get('scale', '?'),
             b.get('repeat', '?'), (', ' + r['settle']) if r['settle'] else ''))
        if not r['rows']:
            p('  no results in this log')
            bad = True
        for f in r['failed']:
            p('  FAILED: ' + f)
            bad = True
    p('')

    chart_rows = []

    def order_of(group, key):
        order = []
        for _, r in group:
            for k in r['order']:
                if k not in order and key in r['rows'][k]:
                    order.append(k)
        return order

    # Instructions per operation.
    if icount:
        p('== Instructions per operation (QEMU -icount) ==')
        head = '%-17s %-11s' % ('workload', 'param')
        sub = '%-29s' % ''
        for label, _ in icount:
            head += ' | %-37s' % label[:37]
            sub += ' | %7s %7s %5s %6s %6s' % ('slub', 'goslab', 'loop', 'gross', 'net')
        p(head)
        p(sub)
        p('-' * len(sub))
        for k in order_of(icount, 'slub_in'):
            if k[0] in ('budget',):
                continue
            line = '%-17s %-11s' % k
            for _, r in icount:
                v = r['rows'].get(k, {})
                line += ' | %7s %7s %5s %6s %6s' % (
                    v.get('slub_in', '-'), v.get('goslab_in', '-'), v.get('loop_in', '-'),
                    fmt(num(v.get('ratio'))), fmt(net(v, 'in')))
            p(line)
        p('')
        p('empty loop of an alloc and a free that do nothing, per pair (prim lines):')
        for label, r in icount:
            d = r['rows'].get(('prim', 'empty_pair_direct'), {}).get('in', '-')
            i = r['rows'].get(('prim', 'empty_pair_indirect'), {}).get('in', '-')
            kp = r['rows'].get(('kmalloc-pair', '64'), {}).get('loop_in', '-')
            p('  %-24s direct calls %s, through function pointers (retpolines) %s; the kmalloc-pair loop %s'
              % (label, d, i, kp))
        p('')

    # Wall time.
    if wall:
        p('== Wall time, ns per operation (2 vCPUs, multi-threaded TCG) ==')
        head = '%-17s %-11s' % ('workload', 'param')
        sub = '%-29s' % ''
        for label, _ in wall:
            head += ' | %-43s' % label[:43]
            sub += ' | %8s %8s %6s %6s %6s %7s' % ('slub ns', 'gosl ns', 'loop', 'ratio', 'net',
                                                  'spread')
        p(head)
        p(sub)
        p('-' * len(sub))
        for k in order_of(wall, 'slub_ns'):
            if k[0] in ('budget',):
                continue
            line = '%-17s %-11s' % k
            for _, r in wall:
                v = r['rows'].get(k, {})
                line += ' | %8s %8s %6s %6s %6s %7s' % (
                    v.get('slub_ns', '-'), v.get('goslab_ns', '-'), v.get('loop_ns', '-'),
                    fmt(num(v.get('ratio'))), fmt(num(v.get('net'))),
                    '%s/%s' % (v.get('slub_spread', '-').rstrip('%'),
                               v.get('goslab_spread', '-').rstrip('%')))
            p(line)
        p('')

    # The chart: every boot's main ratio per workload.
    for k in order_of(runs, 'ratio'):
        if k[0] in ('budget', 'large-pages'):
            continue
        crow = []
        for _, r in icount + wall:
            v = r['rows'].get(k, {})
            crow.append(net(v, 'in') if r['inst'] == 'icount' else num(v.get('ratio')))
        chart_rows.append(('%s %s' % k, crow))

    # Large objects against alloc_pages.
    p('large objects: alloc+free pairs, per pair')
    for label, r in icount + wall:
        unit = 'in' if r['inst'] == 'icount' else 'ns'
        p('  %s (%s)' % (label, 'instructions' if unit == 'in' else 'ns'))
        p('    %-9s %10s %10s %10s %10s' % ('bytes', 'kmalloc', 'goslab', 'pages', 'gosl/pages'))
        for k in r['order']:
            if k[0] != 'large':
                continue
            v = r['rows'][k]
            pg = r['rows'].get(('large-pages', k[1]), {})
            p('    %-9s %10s %10s %10s %10s' % (k[1], v.get('slub_' + unit, '-'),
                                               v.get('goslab_' + unit, '-'),
                                               pg.get('pages_' + unit, '-'),
                                               pg.get('goslab_vs_pages', '-')))
    p('')

    # Memory.
    mem = {}
    if wall:
        p('memory: pages held for the same live set of mixed-size kmalloc objects')
    for label, r in wall:
        for when in ('mix', 'half-freed'):
            s = r['rows'].get(('memory', when), {})
            g = r['rows'].get(('memory-goslab', when), {})
            sp, gp = num(s.get('slub_pages')), num(g.get('pages'))
            ratio = gp / sp if sp and gp is not None else None
            mem[(label, when)] = ratio
            p('%-22s %-10s objs=%s bytes=%s slub_pages=%s goslab_pages=%s (held from buddy %s) ratio=%s'
              % (label, when, s.get('objs', '-'), s.get('bytes', '-'),
                 s.get('slub_pages', '-'), g.get('pages', '-'), g.get('held', '-'), fmt(ratio)))
            if when == 'mix':
                p('%-33s buddy pages taken while filling: slub=%s goslab=%s'
                  % ('', s.get('slub_buddy', '-'), s.get('goslab_buddy', '-')))
    if wall:
        p('')

    # Scaling: per-op cost with every CPU busy against one CPU (wall time).
    scal = {}
    if wall:
        p('scaling (wall time): per-op cost on all CPUs at once / on one CPU (concurrent kmalloc N, kfree N)')
    for label, r in wall:
        for (wl, param), v in sorted(r['rows'].items()):
            if wl != 'concurrent' or not param.endswith('/1cpu'):
                continue
            size = param.split('/')[0]
            many = [x for (w2, p2), x in r['rows'].items()
                    if w2 == 'concurrent' and p2.startswith(size + '/') and p2 != param]
            if not many or not num(v.get('slub_ns')) or not num(v.get('goslab_ns')):
                continue
            m = many[0]
            s = num(m.get('slub_ns')) / num(v.get('slub_ns'))
            g = num(m.get('goslab_ns')) / num(v.get('goslab_ns'))
            scal[(label, size)] = g
            p('%-22s size %-5s slub %.2fx  goslab %.2fx' % (label, size, s, g))
    if wall:
        p('')

    # Primitives: not a comparison, the parts fast paths are made of.
    p('primitives, per operation, uncontended (what the fast paths are made of):')
    names = []
    for _, r in runs:
        for (wl, param) in r['order']:
            if wl == 'prim' and param not in names:
                names.append(param)
    cols = icount + wall
    if names:
        p('  %-28s' % '' + ''.join(' %16s' % lb[-16:] for lb, _ in cols))
        p('  %-28s' % '' + ''.join(' %16s' % ('instructions' if r['inst'] == 'icount' else 'ns')
                                   for _, r in cols))
    for name in names:
        p('  %-28s' % name + ''.join(
            ' %16s' % r['rows'].get(('prim', name), {}).get('in' if r['inst'] == 'icount' else 'ns', '-')
            for _, r in cols))
    p('')

    # Budget: parts of the pairs on the real code.
    bnames = []
    for _, r in icount:
        for (wl, param) in r['order']:
            if wl == 'budget' and param not in bnames:
                bnames.append(param)
    if bnames:
        p('budget parts (instructions per call or pair, loop included; "/profile_rate=0":')
        p('the heap profile switched off at run time):')
        p('  %-34s' % '' + ''.join(' | %-15s' % lb[-15:] for lb, _ in icount))
        p('  %-34s' % '' + ''.join(' | %7s %7s' % ('slub', 'goslab') for _ in icount))
        for name in bnames:
            p('  %-34s' % name + ''.join(
                ' | %7s %7s' % (r['rows'].get(('budget', name), {}).get('slub_in', '-'),
                                r['rows'].get(('budget', name), {}).get('goslab_in', '-'))
                for _, r in icount))
        p('')

    # goslab's own counters after the timed workloads: how often the slow
    # path, the sweep and the page heap ran.
    first = (wall or icount)[:1]
    p("goslab's kmalloc caches after the timed workloads of one boot (debugfs")
    p("caches; caches with fewer than 50000 allocations left out)")
    for label, r in first:
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

    # Repeatability: the same setting booted twice under -icount.
    for label, r in icount:
        r2 = again.get(label)
        if not r2:
            continue
        same = diff = 0
        lines = []
        for k in r['order']:
            v, w = r['rows'][k], r2['rows'].get(k, {})
            for key in ('slub_in', 'goslab_in', 'loop_in', 'in'):
                if key not in v:
                    continue
                if v.get(key) == w.get(key):
                    same += 1
                else:
                    diff += 1
                    lines.append('    %-17s %-22s %-10s %9s %9s' % (k[0], k[1], key, v.get(key),
                                                                 w.get(key, '-')))
        p('repeatability, %s booted twice: %d counts identical, %d differ' % (label, same, diff))
        out.extend(lines)
        p('')

    # The goals of issue 16, on both instruments.
    p('goals (issue 16)')

    def verdict(ok):
        return 'met' if ok else 'NOT met'

    def span(vals):
        vals = [x for x in vals if x[0] is not None]
        if not vals:
            return None, None, '-'
        lo, hi = min(vals), max(vals)
        return lo[0], hi[0], '%.2f..%.2f (worst: %s)' % (lo[0], hi[0], hi[1])

    for label, r in icount:
        rows = r['rows']
        p(label + ' (instructions):')
        pr = [(net(v, 'in'), '%s %s' % k) for k, v in rows.items()
              if (k[0] == 'kmalloc-pair' and (size_of(k[1]) or 0) <= PAIR_MAX) or k[0] == 'fastpath']
        _, hi, txt = span(pr)
        p('  pairs 8 B..8 KiB and the cache pair <= 0.7x net: %s  %s' % (txt, verdict(hi is not None and hi <= 0.7)))
        bl = [(net(v, 'in'), 'bulk ' + k[1]) for k, v in rows.items() if k[0] == 'bulk']
        _, hi, txt = span(bl)
        p('  bulk 1..250 <= 0.7x:                           %s  %s' % (txt, verdict(hi is not None and hi <= 0.7)))
        kn = [(net(v, 'in'), 'kmalloc-n ' + k[1]) for k, v in rows.items() if k[0] == 'kmalloc-n']
        _, hi, txt = span(kn)
        p('  N alloc then N free, every size <= 0.6x:       %s  %s' % (txt, verdict(hi is not None and hi <= 0.6)))
    for label, r in wall:
        rows = r['rows']
        p(label + ' (wall time):')
        pr = [(num(v.get('ratio')), '%s %s' % k) for k, v in rows.items()
              if (k[0] == 'kmalloc-pair' and (size_of(k[1]) or 0) <= PAIR_MAX) or k[0] == 'fastpath']
        _, hi, txt = span(pr)
        p('  pairs 8 B..8 KiB and the cache pair <= 0.8x:   %s  %s' % (txt, verdict(hi is not None and hi <= 0.8)))
        rf = [(1 / num(v.get('ratio')), 'remote-free ' + k[1]) for k, v in rows.items()
              if k[0] == 'remote-free' and num(v.get('ratio'))]
        if rf:
            lo = min(rf)
            p('  remote free throughput >= 1.5x:               %.2f..%.2f (worst: %s)  %s'
              % (lo[0], max(rf)[0], lo[1], verdict(lo[0] >= 1.5)))
        sc = [v for (lb, _), v in scal.items() if lb == label]
        if sc:
            p('  2-CPU per-op <= 1.1x 1-CPU (goslab):          %.2f..%.2f  %s'
              % (min(sc), max(sc), verdict(max(sc) <= 1.1)))
        mr = mem.get((label, 'mix'))
        p('  pages held <= 0.85x SLUB:                     %s  %s' % (fmt(mr), verdict(mr is not None and mr <= 0.85)))
    text = '\n'.join(out) + '\n'
    sys.stdout.write(text)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(text)

    if args.plot and shutil.which('gnuplot') and chart_rows:
        base = os.path.splitext(args.plot)[0]
        cols = icount + wall
        with open(base + '.dat', 'w') as f:
            f.write('label ' + ' '.join('"%s%s"' % (lb, ' (net)' if r['inst'] == 'icount' else '')
                                        for lb, r in cols) + '\n')
            for name, crow in chart_rows:
                f.write('"%s" %s\n' % (name, ' '.join(fmt(x, '%.3f') if x else 'NaN' for x in crow)))
        plots = ', '.join("'%s.dat' using %d:xtic(1) title columnheader(%d)" % (base, i + 2, i + 2)
                          for i in range(len(cols)))
        gp = ("set terminal pngcairo size 2400,800 font ',9' noenhanced\n"
              "set output '%s'\n"
              "set title 'goslab / SLUB per workload: instructions net of the loop (icount) "
              "and wall time (below 1: goslab better)'\n"
              "set style data histograms\nset style histogram clustered gap 1\n"
              "set style fill solid 0.8 border -1\nset logscale y\n"
              "set yrange [0.05:50]\nset grid ytics\nset xtics rotate by -60 font ',8'\n"
              "set key top left\nset arrow from graph 0, first 1 to graph 1, first 1 nohead lw 2\n"
              "plot %s\n" % (args.plot, plots))
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
