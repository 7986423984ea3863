#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench-trace: where each instruction of a fast-path pair goes.

usage: bench-trace.py [--pairs N] [--append ARGS] [--icount] [--out DIR] [--keep]
       bench-trace.py --from DIR [--pairs N]

Boots Debian's stock 6.12 kernel (nokaslr, 1 vCPU) with the modules of
build/bench-6.12/ (make bench builds them) through scripts/vm/run-vm.sh,
with a wrapper around qemu-system-x86_64 that adds a monitor socket. When
the guest is ready the monitor turns on QEMU's "exec,nochain" log,
filtered to kernel addresses: one line per translated block executed. The
guest writes N to goslab_bench's trace parameter, which runs N pairs of
each kind (kmalloc+kfree of 64 B and a 256-byte cache pair, goslab then
SLUB), then N objects in bulks of 8, between calls of trace_mark(); then the log is turned off and the
monitor saves the live kernel and module text (static keys and
alternatives as patched), which objdump disassembles to expand each block
into its instructions. The guest prints /proc/kallsyms; addr2line on
goslab.ko gives goslab's source lines and the inlined functions they sit
in.

Prints per block the instructions per pair, per function and, for goslab,
per step of the fast path (size to class, slot lookup, allocCache scan,
stats, profile sampling, hooks, span lookup, checks, step back, calls and
frames...). DIR (default build/bench/trace) keeps the annotated listing of
every instruction executed, block by block, and the raw files with --keep;
--from DIR attributes those again without booting.
See Documentation/performance.rst, "The instruction budget".
"""

import argparse
import bisect
import collections
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BLOCKS = ['goslab kmalloc(64)+kfree', 'SLUB kmalloc(64)+kfree',
          'goslab 256-byte cache alloc+free', 'SLUB 256-byte cache alloc+free',
          'goslab 256-byte bulk of 8, per object', 'SLUB 256-byte bulk of 8, per object']
# The blocks whose goslab instructions are attributed step by step.
STEPPED = (0, 2, 4)
KTEXT = 0xffffffff81000000
KTEXT_LEN = 0x2000000

GUEST = r'''#!/bin/sh
ko=${GOSLAB_MODULES:-/goslab}/tests/bench/goslab_bench.ko
insmod "$ko" workloads=none
for m in goslab goslab_bench; do
	echo "TRACE-SECTION $m $(cat /sys/module/$m/sections/.text)"
done
echo "TRACE-READY"
sleep 3
echo @PAIRS@ >/sys/module/goslab_bench/parameters/trace
echo "TRACE-DONE"
sleep 10
echo "KSYMS-BEGIN"
cat /proc/kallsyms
echo "KSYMS-END"
rmmod goslab_bench
'''

WRAPPER = '''#!/bin/sh
exec "@QEMU@" "$@" -monitor unix:@SOCK@,server=on,wait=off -D "@LOG@" \\
	-dfilter 0xffffffff80000000..0xffffffffffffffff
'''

# Control transfers end a translated block.
CT = re.compile(r'^(j\w+|call\w*|ret\w*|iret\w*|syscall|sysret\w*|hlt|int3?|ud2|lret|'
                r'bnd jmp|notrack jmp|cs jmp)\b')
REP = re.compile(r'^(rep|repz|repnz|repe|repne) ')
SPLIT = re.compile(r'^(rdtsc|rdtscp|rdpmc|sti|cli|popf|hlt|pause|cpuid|wrmsr|rdmsr|in |out |lfence|'
                   r'mfence|sfence|mov %\w+,%cr|mov %cr|wbinvd|invlpg|lgdt|lidt|swapgs|xsetbv)')
# Functions of the allocators' own paths; anything else in a block is an
# interrupt or the scheduler, counted apart.
OWN = re.compile(r'^(goslab|kmalloc_caller|kfree_caller|span_for_free|free_|obj_|cache_alloc|'
                 r'__kmalloc|kfree$|kmem_cache|__kmem_cache|__slab|___slab|slab_|memset|'
                 r'__memset|build_detached_freelist|bulk_|'
                 r'__cond_resched|kmalloc_pair|fastpath_|trace_mark|ktime_get|read_tsc|'
                 r'__x86_indirect_thunk|__x86_return_thunk|trace_set)')
LOOP = re.compile(r'^(kmalloc_pair_|fastpath_|bulk_goslab$|bulk_slub$|trace_mark|ktime_get|'
                  r'read_tsc|__x86_indirect_thunk|trace_set)')


class Monitor:
    def __init__(self, path):
        self.path = path

    def cmd(self, line):
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(60)
        s.connect(self.path)
        s.recv(4096)
        s.sendall((line + '\n').encode())
        time.sleep(1)
        try:
            s.recv(1 << 16)
        except OSError:
            pass
        s.close()


def drive(console, sock, work, done):
    """Turn the log on and off on the guest's cue; save the live text."""
    mon = Monitor(sock)
    state = 0
    t0 = time.time()
    while time.time() - t0 < 1800 and not done.is_set():
        try:
            with open(console, errors='replace') as f:
                txt = f.read()
        except OSError:
            txt = ''
        if state == 0 and 'TRACE-READY' in txt:
            mon.cmd('log exec,nochain')
            state = 1
        elif state == 1 and 'TRACE-DONE' in txt:
            mon.cmd('log none')
            mon.cmd('stop')
            mon.cmd('memsave 0x%x 0x%x "%s"' % (KTEXT, KTEXT_LEN, os.path.join(work, 'text.bin')))
            for name, base in re.findall(r'TRACE-SECTION (\S+) (0x[0-9a-f]+)', txt):
                mon.cmd('memsave %s 0x40000 "%s"' % (base, os.path.join(work, name + '.bin')))
            mon.cmd('cont')
            return
        time.sleep(0.05)


def load_syms(console):
    syms, on, sect = [], False, {}
    with open(console, errors='replace') as f:
        for line in f:
            m = re.search(r'TRACE-SECTION (\S+) (0x[0-9a-f]+)', line)
            if m:
                sect[m.group(1)] = int(m.group(2), 16)
            if 'KSYMS-BEGIN' in line:
                on = True
                continue
            if 'KSYMS-END' in line:
                break
            p = line.split()
            if on and len(p) >= 3 and p[1] in 'tTwW' and not p[2].startswith('__pfx_'):
                syms.append((int(p[0], 16), p[2], p[3].strip('[]') if len(p) > 3 else ''))
    syms.sort()
    return syms, sect


class Code:
    """Instructions of the saved live text, disassembled a function at a time."""

    def __init__(self, work, syms, sect):
        self.syms = syms
        self.addrs = [s[0] for s in syms]
        self.blobs = [(KTEXT, os.path.join(work, 'text.bin'))]
        for name, base in sect.items():
            self.blobs.append((base, os.path.join(work, name + '.bin')))
        self.insn = {}
        self.done = set()

    def sym(self, a):
        i = bisect.bisect_right(self.addrs, a) - 1
        return self.syms[i] if i >= 0 else (0, '?', '')

    def load(self, a):
        s = self.sym(a)
        if s[0] in self.done:
            return
        self.done.add(s[0])
        i = bisect.bisect_right(self.addrs, a)
        end = min(self.addrs[i] if i < len(self.addrs) else s[0] + 0x1000, s[0] + 0x8000)
        for base, path in self.blobs:
            if os.path.exists(path) and base <= s[0] < base + os.path.getsize(path):
                break
        else:
            return
        r = subprocess.run(['objdump', '-D', '-b', 'binary', '-m', 'i386:x86-64',
                            '--no-show-raw-insn', '--adjust-vma=0x%x' % base,
                            '--start-address=0x%x' % s[0], '--stop-address=0x%x' % end, path],
                           capture_output=True, text=True, check=False)
        prev = None
        for line in r.stdout.splitlines():
            m = re.match(r'\s*([0-9a-f]+):\s+(.*)$', line)
            if not m:
                continue
            ad = int(m.group(1), 16)
            if prev:
                self.insn[prev[0]] = (ad - prev[0], prev[1])
            prev = (ad, re.sub(r'\s+', ' ', m.group(2).strip()))
        if prev:
            self.insn[prev[0]] = (1, prev[1])

    def get(self, a):
        if a not in self.insn:
            self.load(a)
        return self.insn.get(a)


def expand(code, pcs):
    """
    Count every instruction of a sequence of executed blocks. A block runs
    to its first control transfer (or string instruction with a rep
    prefix, which TCG ends a block with); it ends earlier only where the
    next block starts right after an instruction TCG may end a block with
    (at a page boundary, an I/O-like or interrupt-flag instruction, or its
    instruction limit). A loop that jumps back into its own first block
    therefore counts whole.
    """
    count = collections.Counter()
    for k, pc in enumerate(pcs):
        nxt = pcs[k + 1] if k + 1 < len(pcs) else None
        a, n = pc, 0
        while n < 512:
            i = code.get(a)
            if not i:
                break
            count[a] += 1
            n += 1
            end = a + i[0]
            if CT.match(i[1]) or REP.match(i[1]):
                break
            if end == nxt and (SPLIT.match(i[1]) or end // 4096 != a // 4096 or
                               (end + 15) // 4096 != end // 4096):
                break
            a = end
    return count


def addr2line(ko, offsets):
    """Inline chains, innermost first: [[(function, file, line)], ...]."""
    if not offsets:
        return []
    r = subprocess.run(['addr2line', '-f', '-i', '-a', '-e', ko, '-j', '.text'] +
                       ['0x%x' % o for o in offsets], capture_output=True, text=True, check=False)
    chains, cur, lines = [], None, r.stdout.splitlines()
    i = 0
    while i < len(lines):
        if re.match(r'^0x[0-9a-f]+$', lines[i]):
            if cur is not None:
                chains.append(cur)
            cur = []
            i += 1
            continue
        fn = lines[i]
        loc = lines[i + 1] if i + 1 < len(lines) else '?:0'
        m = re.match(r'(.*):(\d+)', loc.split(' ')[0])
        cur.append((fn, m.group(1) if m else loc, int(m.group(2)) if m else 0))
        i += 2
    if cur is not None:
        chains.append(cur)
    return chains


SRC = {}


def source(path, line):
    if path not in SRC:
        try:
            with open(path, errors='replace') as f:
                SRC[path] = f.read().splitlines()
        except OSError:
            SRC[path] = []
    lines = SRC[path]
    return lines[line - 1] if 0 < line <= len(lines) else ''


# Innermost inlined function -> step of the budget.
STEP_OF_FN = [
    ('goslab_size_to_class', 'size to class'),
    ('goslab_gfp_zone', 'size to class'),
    ('might_alloc', 'might_alloc'),
    ('might_resched', 'might_alloc'),
    ('goslab_span_next_free_fast', 'allocCache scan'),
    ('goslab_span_take_fast', 'allocCache scan'),
    ('goslab_span_next_free', 'allocCache scan'),
    ('goslab_span_obj', 'allocCache scan'),
    ('goslab_span_unalloc', 'step back'),
    ('goslab_span_unalloc_begin', 'step back'),
    ('goslab_span_unalloc_next', 'step back'),
    ('goslab_span_unalloc_end', 'step back'),
    ('goslab_mcache_free_local', 'step back'),
    ('goslab_stat', 'stats'),
    ('trace_goslab_alloc', 'tracepoints (off)'),
    ('trace_goslab_free', 'tracepoints (off)'),
    ('goslab_profile_alloc', 'profile sampling'),
    ('goslab_profile_free', 'profile sampling'),
    ('goslab_waste_alloc', 'live waste (off)'),
    ('goslab_waste_free', 'live waste (off)'),
    ('goslab_want_zero', 'hooks (tests)'),
    ('goslab_want_wipe', 'hooks (tests)'),
    ('want_init_on_alloc', 'hooks (tests)'),
    ('want_init_on_free', 'hooks (tests)'),
    ('goslab_span_holds_objects', 'checks'),
    ('goslab_span_obj_index', 'checks'),
    ('goslab_obj_index', 'checks'),
    ('goslab_span_obj_live', 'checks'),
    ('goslab_span_obj_live_at', 'checks'),
    ('goslab_span_of', 'span lookup'),
]

# Within the non-inline functions: words of the source line -> step.
STEP_OF_LINE = [
    (r'\bstat\[|goslab_stat\(', 'stats'),
    (r'trace_goslab|c->name|c->size : slot', 'tracepoints (off)'),
    (r'profile', 'profile sampling'),
    (r'waste|->kmalloc', 'live waste (off)'),
    (r'memset', 'zeroing (init_on_alloc)'),
    (r'hook|IS_ENABLED|SLAB_RED_ZONE|SLAB_POISON|want_', 'hooks (tests)'),
    (r'\*i\b|i < nr|nr == 1|nr <= 1|n < nr|n == nr|nr - n|objs \+ n|objs\[i\]|objs\[k|'
     r'\bk--|\bk\)|\+= back|\+= marked|back\+\+|marked\+\+', 'bulk loop'),
    (r'size_to_class|GOSLAB_MAX_SMALL_SIZE|!size', 'size to class'),
    (r'ZERO_OR_NULL|->state|stack|idx < 0|s->cache != c|free_refuse', 'checks'),
    (r'span_for_free|!s\)|goslab_span_of', 'span lookup'),
    (r'node ==|!obj\)', 'node and result tests'),
    (r'preempt|mcache_slot|likely\(s\)', 'slot lookup'),
]


FREE_SIDE = re.compile(r'^(goslab_kfree|kfree_caller|span_for_free|goslab_cache_free|'
                       r'goslab_cache_free_span|free_|cache_free|bulk_own_span)')


def frame_kind(text):
    """What an instruction of the calls-and-frames step is."""
    if re.match(r'^(push|pop)', text):
        return 'register saves and restores'
    if re.match(r'^(nop|xchg %ax,%ax|endbr)', text):
        return 'entry nops (endbr, ftrace)'
    if re.match(r'^(call|jmp|ret)', text):
        return 'calls, tail jumps, returns'
    if re.match(r'^(sub|add) \$0x[0-9a-f]+,%rsp', text):
        return 'stack adjustment'
    return 'argument and result moves'


def step(chain, text):
    names = [c[0] for c in chain]
    if 'goslab_mcache_free_local' in names:
        return 'step back'
    for fn, _, _ in chain:
        for name, st in STEP_OF_FN:
            if fn == name:
                return st
        if fn == 'goslab_mcache_alloc_fast':
            return 'stats' if 'stat' in source(chain[0][1], chain[0][2]) and \
                fn == chain[0][0] else 'slot lookup'
        if fn == 'goslab_mcache_slot' or fn.startswith('__preempt_count') or fn == 'preempt_count':
            return 'slot lookup'
    fn, path, line = chain[0]
    src = source(path, line)
    if re.match(r'^(push|pop|ret|nop|xchg %ax,%ax|endbr|sub \$0x[0-9a-f]+,%rsp|'
                r'add \$0x[0-9a-f]+,%rsp|jmp|call)', text) and not re.search(r'memset', src):
        return 'calls and frames'
    for pat, st in STEP_OF_LINE:
        if re.search(pat, src):
            return st
    return 'calls and frames'


def attribute(work, console, log, args):
    """Attribute the trace of a boot: per block, function and step."""
    build = os.path.join(ROOT, 'build', 'bench-6.12')
    ko = os.path.join(build, 'goslab.ko')
    syms, sect = load_syms(console)
    code = Code(work, syms, sect)
    pcs = []
    with open(log, errors='replace') as f:
        for line in f:
            m = re.search(r'\[[0-9a-f]+/([0-9a-f]+)/', line)
            if m:
                pcs.append(int(m.group(1), 16))
    mark = [s[0] for s in syms if s[1] == 'trace_mark']
    idx = [i for i, pc in enumerate(pcs) if mark and pc == mark[0]]
    if len(idx) < len(BLOCKS) + 1:
        sys.exit('bench-trace: %d trace_mark() calls in the log, %d expected'
                 % (len(idx), len(BLOCKS) + 1))
    gbase = sect.get('goslab', 0)
    for b, name in enumerate(BLOCKS):
        count = expand(code, pcs[idx[b] + 1:idx[b + 1]])
        per_fn = collections.Counter()
        other = loop = 0
        for a, n in count.items():
            s = code.sym(a)
            if not OWN.match(s[1]):
                other += n
            elif LOOP.match(s[1]):
                loop += n
            else:
                per_fn[s[1]] += n
        total = sum(per_fn.values())
        print('\n== %s: %.1f instructions per pair in the allocator, %.1f in the loop '
              'and clock, %.1f elsewhere (interrupts) over %d pairs'
              % (name, total / args.pairs, loop / args.pairs, other / args.pairs, args.pairs))
        for fn, n in per_fn.most_common():
            print('  %-36s %7.2f' % (fn, n / args.pairs))
        mine = sorted(a for a in count if gbase <= a < gbase + 0x40000 and
                      code.sym(a)[2] == 'goslab')
        chains = addr2line(ko, [a - gbase for a in mine])
        steps = collections.Counter()
        frames = collections.defaultdict(lambda: [0.0, 0.0])
        listing = []
        for a, ch in zip(mine, chains):
            st = step(ch, code.insn[a][1]) if ch else 'calls and frames'
            n = count[a] / args.pairs
            fn = code.sym(a)[1]
            steps[(fn, st)] += n
            if st == 'calls and frames':
                frames[frame_kind(code.insn[a][1])][1 if FREE_SIDE.match(fn) else 0] += n
            listing.append('%6.2f  %-26s %-44s %s' % (
                n, st, code.insn[a][1][:44],
                ' <- '.join('%s@%s:%d' % (c[0], os.path.basename(c[1]), c[2]) for c in ch)))
        for a in sorted(count):
            s = code.sym(a)
            if s[2] != 'goslab' and OWN.match(s[1]) and not LOOP.match(s[1]):
                sname = 'zeroing (init_on_alloc)' if 'memset' in s[1] else \
                    'might_alloc' if s[1] == '__cond_resched' else s[1]
                steps[(s[1], sname)] += count[a] / args.pairs
        if b in STEPPED:
            print('  by step (goslab)                   alloc    free    pair')
            by = collections.defaultdict(lambda: [0.0, 0.0])
            for (fn, st), n in steps.items():
                by[st][1 if FREE_SIDE.match(fn) else 0] += n
            for st, (al, fr) in sorted(by.items(), key=lambda x: -sum(x[1])):
                print('    %-30s %7.2f %7.2f %7.2f' % (st, al, fr, al + fr))
                if st == 'calls and frames':
                    for kind, (ka, kf) in sorted(frames.items(), key=lambda x: -sum(x[1])):
                        print('      %-28s %7.2f %7.2f %7.2f' % (kind, ka, kf, ka + kf))
            tot = [sum(v[0] for v in by.values()), sum(v[1] for v in by.values())]
            print('    %-30s %7.2f %7.2f %7.2f' % ('total', tot[0], tot[1], sum(tot)))
        with open(os.path.join(args.out, 'block%d.txt' % (b + 1)), 'w') as f:
            f.write('# %s: instructions per pair, step, instruction, source\n' % name)
            for a in sorted(count):
                s = code.sym(a)
                f.write('%016x %6.2f %s+0x%x [%s] %s\n' % (a, count[a] / args.pairs, s[1],
                                                          a - s[0], s[2], code.insn[a][1]))
            if listing:
                f.write('\n# goslab, by source\n' + '\n'.join(listing) + '\n')
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--pairs', type=int, default=64, help='a multiple of 8')
    ap.add_argument('--append', default='', help='more kernel arguments (e.g. init_on_alloc=0)')
    ap.add_argument('--out', default=os.path.join(ROOT, 'build', 'bench', 'trace'))
    ap.add_argument('--keep', action='store_true', help='keep the raw log and text dumps')
    ap.add_argument('--icount', action='store_true', help='boot under QEMU -icount too')
    ap.add_argument('--from', dest='src', help='attribute the files --keep left in this directory')
    args = ap.parse_args()
    if args.pairs <= 0 or args.pairs % 8:
        sys.exit('bench-trace: --pairs must be a positive multiple of 8')
    if args.src:
        return attribute(args.src, os.path.join(args.src, 'console.log'),
                         os.path.join(args.src, 'exec.log'), args)

    build = os.path.join(ROOT, 'build', 'bench-6.12')
    ko = os.path.join(build, 'goslab.ko')
    if not os.path.exists(os.path.join(build, 'tests', 'bench', 'goslab_bench.ko')):
        sys.exit('bench-trace: no %s/tests/bench/goslab_bench.ko: run make bench first' % build)
    ver = subprocess.run(['bash', '-c', '. scripts/lib.sh; v=$(stock_612_version); '
                          'echo "$v"; stock_image "$v"'], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.split()
    image = ver[1]
    os.makedirs(args.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix='goslab-trace.')
    try:
        sock = os.path.join(work, 'mon.sock')
        log = os.path.join(work, 'exec.log')
        console = os.path.join(args.out, 'console.log')
        qemu = shutil.which('qemu-system-x86_64')
        bindir = os.path.join(work, 'bin')
        os.makedirs(bindir)
        wrapper = os.path.join(bindir, 'qemu-system-x86_64')
        with open(wrapper, 'w') as f:
            f.write(WRAPPER.replace('@QEMU@', qemu).replace('@SOCK@', sock).replace('@LOG@', log))
        os.chmod(wrapper, stat.S_IRWXU)
        guest = os.path.join(work, 'guest.sh')
        with open(guest, 'w') as f:
            f.write(GUEST.replace('@PAIRS@', str(args.pairs)))
        if os.path.exists(console):
            os.unlink(console)
        done = threading.Event()
        t = threading.Thread(target=drive, args=(console, sock, work, done), daemon=True)
        t.start()
        env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get('PATH', ''))
        rc = subprocess.run([os.path.join(ROOT, 'scripts', 'vm', 'run-vm.sh'), '--mode', 'script',
                             '--script', guest, '--cpus', '1', '--timeout', '1800'] +
                            (['--icount'] if args.icount else []) + [
                             '--append', ('nokaslr ' + args.append).strip(), '--log', console,
                             image, build], env=env, check=False).returncode
        done.set()
        t.join(5)
        if rc != 0 or not os.path.exists(log):
            sys.exit('bench-trace: the VM failed (rc %d); console: %s' % (rc, console))

        attribute(work, console, log, args)
        print('\nlistings: %s/block[1-%d].txt' % (args.out, len(BLOCKS)))
        if args.keep:
            for n in os.listdir(work):
                if n.endswith('.bin') or n == 'exec.log':
                    shutil.copy(os.path.join(work, n), args.out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
