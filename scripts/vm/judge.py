#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judge the console log of a goslab test VM (see scripts/vm/init.sh).

Prints one result line per KUnit test case, per kselftest case and one for
the VM itself ("ok   NAME", "FAIL NAME: why", "skip NAME: why"), with the
offending console lines indented below a failure. Exits 1 if anything failed.

The VM fails on: a kernel report anywhere on the console (KASAN, BUG, WARNING,
Oops, lockdep, UBSAN, list corruption, kmemleak, allocation failure, OOM,
RCU stall, hung task, panic)
outside a "goslab-test: expect-splat begin" / "... end" bracket; a bracket
left open; a failed insmod or rmmod; a KUnit or kselftest block left open; a
missing final marker (crash, hang or time limit); lock debugging turned off
(a taint, lockdep's own report) before a KUnit suite or kselftest started;
a KUnit filter glob of the run that matched no suite; with --expect-script,
a script-mode guest script that did not end with status 0.

KCSAN reports are judged by their frames, inside brackets or not: one with a
frame of goslab or of its test modules ("[goslab...]") fails the run; one
wholly in the kernel's own code is listed below the result and not counted
(a worker running goslab's work item, "Workqueue: ... [goslab]", is not a
goslab frame).
"""

import argparse
import re
import sys

MARK = 'goslab-vm: '
SPLAT_BEGIN = 'goslab-test: expect-splat begin'
SPLAT_END = 'goslab-test: expect-splat end'
# goslab's module exit prints this when it holds no page any more.
UNLOAD_CLEAN = 'goslab: unloaded: every page returned to the buddy allocator'

# Console lines that mean the kernel found something wrong.
SPLATS = re.compile('|'.join([
    r'BUG:',                      # BUG: KASAN, BUG: sleeping function, ...
    r'kernel BUG at',
    r'WARNING:',
    r'\bOops\b',
    r'general protection fault',
    r'Kernel panic',
    r'possible circular locking',
    r'inconsistent lock state',
    r'possible recursive locking',
    r'suspicious RCU usage',
    r'INFO: lockdep',
    r'INFO: trying to register non-static key',
    r'turning off the locking correctness validator',
    r'DEBUG_LOCKS_WARN_ON',
    r'sleeping function called from invalid context',
    r'UBSAN',
    r'list_add corruption',
    r'list_del corruption',
    r'kmemleak: .*suspected memory leak',
    r'unreferenced object 0x',
    r'\bBUG [^ ]+ \((Not t|T)ainted',   # SLUB debug: "BUG kmalloc-64 (Tainted: ...)"
    r'page allocation failure',
    r'Out of memory',
    r'rcu: INFO: .*detected stall',
    r'blocked for more than \d+ seconds',
    r'Attempted to kill init',
]))

TIMESTAMP = re.compile(r'^\[\s*\d+\.\d+\]')
# A kernel message that the console wrote into the middle of a line of a
# test's own output (a kselftest's "ok 1 ..." whose newline came after it).
INTERLEAVED = re.compile(r'\[\s*\d+\.\d+\] ')


def split_interleaved(lines):
    """Give a kernel message that starts mid-line its own line.

    The serial console interleaves printk output with a user process's
    partial line, so a marker such as "goslab-test: expect-splat begin" can
    sit behind "ok 1 ..." and would otherwise be read as the test's text.
    A TAP diagnostic ("# ...") is left alone: tests quote kernel lines there.
    """
    out = []
    for l in lines:
        m = INTERLEAVED.search(l, 1)
        if m and not TIMESTAMP.match(l) and not l.lstrip().startswith('#'):
            out += [l[:m.start()], l[m.start():]]
        else:
            out.append(l)
    return out

# KCSAN: "BUG: KCSAN: data-race in f / g" up to a line of "=" (its footer).
KCSAN_BUG = re.compile(r'BUG: KCSAN: (.*)$')
KCSAN_END = re.compile(r'^(\[\s*\d+\.\d+\] )?={20,}\s*$')
# A stack frame, or a symbol in the headline, of goslab or its test modules:
# every module of the tree is named goslab*.
GOSLAB_FRAME = re.compile(r'\[goslab\w*\]')
# A report's "Workqueue: NAME FUNCTION [module]" line names the work item
# the reporting worker runs, not a frame of either access.
WORKQUEUE_LINE = re.compile(r'^(\[\s*\d+\.\d+\] )?Workqueue: ')
# Lock debugging off for the rest of the boot: a taint that makes lockdep
# unreliable (KASAN, bad page, oops), or lockdep's first report.
LOCKS_OFF = re.compile(r'Disabling lock debugging due to kernel taint|'
                       r'turning off the locking correctness validator')
# A KUnit suite starting (the kernel's own KTAP: suite headers are indented
# once, parameterised cases twice).
SUITE_START = re.compile(r'^\[\s*\d+\.\d+\] {4}# Subtest: (\S+)\s*$')
TAP_RESULT = re.compile(r'^(not ok|ok)\s+(\d+)\s*-?\s*(.*)$')
SKIP = re.compile(r'#\s*SKIP\b\s*(.*)$', re.IGNORECASE)

results = []     # (status, what, detail lines)


def record(status, what, why=None, detail=()):
    results.append((status, what + (': ' + why if why else ''), list(detail)))


def context(lines, idx, before=3, after=12):
    lo, hi = max(0, idx - before), min(len(lines), idx + after + 1)
    return ['%6d| %s' % (i + 1, lines[i]) for i in range(lo, hi)]


def kcsan_reports(lines):
    """[(first, last, headline, goslab?)] for each KCSAN report."""
    out = []
    i = 0
    while i < len(lines):
        m = KCSAN_BUG.search(lines[i])
        if not m:
            i += 1
            continue
        j = i + 1
        while j < len(lines) and j < i + 200 and not KCSAN_END.match(lines[j]):
            j += 1
        j = min(j, len(lines) - 1)
        ours = any(GOSLAB_FRAME.search(l) and not WORKQUEUE_LINE.match(l)
                   for l in lines[i:j + 1])
        # The header line of "=" just above belongs to the report too.
        first = i - 1 if i > 0 and KCSAN_END.match(lines[i - 1]) else i
        out.append((first, j, m.group(1).strip(), ours))
        i = j + 1
    return out


# 6.12's scheduler warns when a CPU going offline still counts a runnable
# entity, and counts its fair deadline server (dl_server) as one: the
# warning then lists no task but the CPU's own stopper (migration/N). That
# is the kernel's accounting, not a task left behind; any other task listed,
# or a goslab frame, and the warning counts as usual.
VACATED = 'Dying CPU not properly vacated!'
ENQUEUED = re.compile(r'CPU\d+ enqueued tasks \(\d+ total\):')
ENQUEUED_TASK = re.compile(r'^(\[\s*\d+\.\d+\] )?\s*pid: \d+, name: (\S+)')
END_TRACE = re.compile(r'---\[ end trace')


def vacated_reports(lines):
    """[(first, last)] of each dl_server-only "not properly vacated" warning."""
    out = []
    for i, l in enumerate(lines):
        if VACATED not in l:
            continue
        j = i + 1
        while j < len(lines) and j < i + 120 and not END_TRACE.search(lines[j]):
            j += 1
        if j >= len(lines) or j >= i + 120:
            continue
        k = j + 1
        if k >= len(lines) or not ENQUEUED.search(lines[k]):
            continue
        tasks = []
        while k + 1 < len(lines) and ENQUEUED_TASK.match(lines[k + 1]):
            k += 1
            tasks.append(ENQUEUED_TASK.match(lines[k]).group(2))
        if any(GOSLAB_FRAME.search(x) for x in lines[i:k + 1]):
            continue
        if all(t.startswith('migration/') for t in tasks):
            out.append((i, k))
    return out


def parse_tap_line(line):
    """(passed, skipped, name) for an ok / not ok line, or None."""
    m = TAP_RESULT.match(line)
    if not m:
        return None
    desc = m.group(3)
    skip = SKIP.search(desc)
    name = desc.split('#', 1)[0].strip() or m.group(2)
    if skip:
        return (True, True, name + (' (' + skip.group(1).strip() + ')'
                                    if skip.group(1).strip() else ''))
    return (m.group(1) == 'ok', False, name)


def judge_kunit(prefix, suite, body):
    """One result per test case of one suite's debugfs KTAP."""
    indents = [len(l) - len(l.lstrip(' ')) for l in body]
    case_indent = None
    for l, ind in zip(body, indents):
        if l.strip().startswith('# Subtest:'):
            case_indent = ind
            break
    if case_indent is None:
        record('FAIL', '%s kunit %s' % (prefix, suite), 'no KTAP subtest header')
        return
    failed_cases = 0
    suite_line = None
    cases = 0
    for k, (l, ind) in enumerate(zip(body, indents)):
        r = parse_tap_line(l.strip())
        if r is None:
            continue
        if ind == case_indent:
            passed, skipped, name = r
            cases += 1
            what = '%s kunit %s.%s' % (prefix, suite, name)
            if skipped:
                record('skip', what)
            elif passed:
                record('ok', what)
            else:
                failed_cases += 1
                # The case's own diagnostics: the lines just above it.
                record('FAIL', what, detail=['    ' + x for x in
                                             case_log(body, indents, k, case_indent)])
        elif ind < case_indent:
            suite_line = r
    if suite_line is None:
        record('FAIL', '%s kunit %s' % (prefix, suite), 'results end early')
    elif not suite_line[0] and not failed_cases:
        record('FAIL', '%s kunit %s' % (prefix, suite),
               'suite failed (%d cases reported)' % cases)


def case_log(body, indents, i, case_indent):
    """Diagnostic lines printed by the case whose result is body[i]."""
    out = []
    j = i - 1
    while j >= 0 and len(out) < 12:
        r = parse_tap_line(body[j].strip())
        if r is not None and indents[j] == case_indent:
            break
        out.append(body[j])
        j -= 1
    return list(reversed(out))


def judge_kselftest(prefix, script, body, rc):
    what = '%s kselftest %s' % (prefix, script)
    plan = None
    seen = 0
    failed = 0
    diag = []         # the "#" lines since the previous result
    for l in body:
        if l.startswith('#'):
            diag.append(l)
            continue
        if l.startswith('1..'):
            try:
                plan = int(l[3:].split()[0])
            except (ValueError, IndexError):
                pass
            continue
        r = parse_tap_line(l)
        if r is None:
            continue
        seen += 1
        passed, skipped, name = r
        case = '%s: %s' % (what, name)
        if skipped:
            record('skip', case)
        elif passed:
            record('ok', case)
        else:
            failed += 1
            record('FAIL', case, detail=['    ' + d for d in diag])
        diag = []
    if rc == 4 and not seen:
        diag = [l for l in body if l.startswith('#')]
        record('skip', what, diag[-1].lstrip('# ') if diag else 'skipped')
    elif rc not in (0, 4) and not failed:
        record('FAIL', what, 'exit status %d' % rc, ['    ' + l for l in body[-10:]])
    elif plan is not None and plan != seen:
        record('FAIL', what, 'planned %d tests, reported %d' % (plan, seen))
    elif plan is None and not seen:
        record('FAIL', what, 'no TAP output')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('log')
    ap.add_argument('--name', default='vm', help='prefix of the result lines')
    ap.add_argument('--rc', type=int, default=0, help="the VM runner's exit status")
    ap.add_argument('--timeout', type=int, default=0, help='the time limit, for messages')
    ap.add_argument('--expect-kunit', action='store_true',
                    help='fail if no KUnit suite reported results')
    ap.add_argument('--expect-kcsan', action='store_true',
                    help='fail if the kernel did not say KCSAN is on')
    ap.add_argument('--expect-script', action='store_true',
                    help='fail unless the guest script (script mode) ended with status 0')
    args = ap.parse_args()

    try:
        with open(args.log, errors='replace') as f:
            lines = [l.rstrip('\r\n').replace('\r', '') for l in f]
        lines = split_interleaved(lines)
    except OSError as e:
        print('FAIL %s: no console log (%s), VM exit status %d' % (args.name, e, args.rc))
        return 1
    stamped = any(TIMESTAMP.match(l) for l in lines)
    kcsan = kcsan_reports(lines)
    judged_apart = set()
    vacated = vacated_reports(lines)
    for first, last in vacated:
        judged_apart.update(range(first, last + 1))
    for first, last, _, _ in kcsan:
        judged_apart.update(range(first, last + 1))

    problems = []     # (why, context lines)
    splats = []
    open_splat = None
    block = None      # (kind, name, start index, body lines)
    started = done = False
    suites = 0
    kmemleak_baseline = False
    unloaded = pages_back = False
    script_begin = 0   # the line of "script-begin"
    script_end = None  # (line, exit status) of "script-end rc=N"
    locks_off = None  # the line where lock debugging went off
    late = []         # suites started after that: (name, line)
    notes = []        # lines shown below an ok result

    for i, l in enumerate(lines):
        kernel_line = bool(TIMESTAMP.match(l)) or not stamped
        started_suite = None
        if l.startswith(MARK + 'kselftest-begin '):
            started_suite = 'kselftest ' + l.split()[2]
        elif SUITE_START.match(l):
            started_suite = 'KUnit suite ' + SUITE_START.match(l).group(1)
        if started_suite and locks_off is not None:
            late.append((started_suite, i))
        if locks_off is None and LOCKS_OFF.search(l):
            locks_off = i
        if l.startswith(MARK):
            words = l[len(MARK):].split()
            if not words:
                continue
            verb = words[0]
            if verb == 'start':
                started = True
            elif verb == 'done':
                done = True
            elif verb in ('insmod', 'rmmod') and len(words) >= 3:
                if words[-1] != 'rc=0':
                    problems.append(('%s %s failed (%s)' % (verb, words[1], words[-1]),
                                     context(lines, i, 12, 2)))
                elif verb == 'rmmod' and words[1] == 'goslab':
                    unloaded = True
            elif verb in ('kunit-begin', 'kselftest-begin'):
                block = (verb.split('-')[0], words[1] if len(words) > 1 else '?', i, [])
            elif verb in ('kunit-end', 'kselftest-end') and block:
                kind, name, _, body = block
                if kind == 'kunit':
                    suites += 1
                    judge_kunit(args.name, name, body)
                else:
                    rc = 0
                    for w in words:
                        if w.startswith('rc='):
                            rc = int(w[3:])
                    judge_kselftest(args.name, name, body, rc)
                block = None
            elif verb == 'script-begin':
                script_begin = i + 1
            elif verb == 'script-end':
                rc = [w[3:] for w in words if w.startswith('rc=')]
                script_end = (i, int(rc[0]) if rc and rc[0].isdigit() else -1)
            elif verb == 'kmemleak-baseline':
                kmemleak_baseline = words[1:2] == ['begin']
            elif verb == 'kunit-none':
                problems.append(('KUnit filter glob %s matched no suite' %
                                 ' '.join(words[1:]), context(lines, i, 2, 2)))
            elif verb == 'kselftest-missing' and len(words) > 1:
                record('skip', '%s kselftest %s' % (args.name, words[1]),
                       'not in this tree')
            continue
        if UNLOAD_CLEAN in l:
            pages_back = True
        if block and not kernel_line:
            block[3].append(l)
            continue
        if SPLAT_BEGIN in l:
            if open_splat is not None:
                problems.append(('expect-splat begin inside another', context(lines, i)))
            open_splat = i
            continue
        if SPLAT_END in l:
            if open_splat is None:
                problems.append(('expect-splat end without begin', context(lines, i)))
            open_splat = None
            continue
        if i in judged_apart:
            continue          # judged by its frames, below
        if open_splat is not None or not SPLATS.search(l):
            continue
        if kmemleak_baseline and 'kmemleak' in l:
            continue
        splats.append(i)

    ours = [r for r in kcsan if r[3]]
    if ours:
        shown = []
        for first, last, _, _ in ours[:6]:
            shown += context(lines, first, 0, min(last - first, 60)) + ['   ...']
        problems.insert(0, ('%d KCSAN report(s) with a goslab frame: %s' %
                            (len(ours), '; '.join(sorted({r[2] for r in ours}))),
                            shown))
    for first, _ in vacated:
        notes.append('    kernel warning, not counted (line %d): %s with no task but '
                     'the stopper left (6.12 counts its dl_server)' % (first + 1, VACATED))
    for first, _, headline, mine in kcsan:
        if not mine:
            notes.append('    KCSAN report without a goslab frame, not counted '
                         '(line %d): %s' % (first + 1, headline))
    if late:
        name, at = late[0]
        problems.append(('lock debugging was turned off (line %d) before %s started'
                         '%s' % (locks_off + 1, name,
                                 ' and %d more' % (len(late) - 1) if len(late) > 1 else ''),
                         context(lines, locks_off, 2, 2) + ['   ...'] +
                         context(lines, at, 0, 0)))
    if args.expect_kcsan and started and not any('kcsan: enabled early' in l for l in lines):
        problems.append(('not a KCSAN kernel: no "kcsan: enabled early" on the console', []))
    if block:
        problems.append(('%s %s never finished' % (block[0], block[1]),
                         context(lines, block[2], 0, 0)))
    if open_splat is not None:
        problems.append(('expect-splat begin without end (crashed inside?)',
                         context(lines, open_splat, 0, 20)))
    if splats:
        shown = []
        last = -100
        for i in splats:
            if i > last + 25 and len(shown) < 90:
                shown += context(lines, i, 3, 25) + ['   ...']
                last = i
        problems.insert(0, ('%d kernel report line(s) on the console' % len(splats), shown))
    if not started:
        problems.append(('the VM never reached /init' +
                         (' (time limit, %d s)' % args.timeout if args.rc == 124 else ''),
                         context(lines, len(lines) - 1, 30, 0)))
    elif not done:
        why = ('time limit (%d s) reached' % args.timeout if args.rc == 124
               else 'VM stopped before the final marker (exit status %d)' % args.rc)
        problems.append((why, context(lines, len(lines) - 1, 30, 0)))
    if unloaded and not pages_back:
        problems.append(('goslab unloaded without returning every page to the buddy allocator',
                         []))
    if args.expect_script and started:
        if script_end is None:
            problems.append(('the guest script never finished', []))
        elif script_end[1] != 0:
            # The script's last words: its own lines, not the kernel's.
            at = script_end[0]
            own = [k for k in range(max(script_begin, at - 200), at)
                   if not TIMESTAMP.match(lines[k])][-12:]
            problems.append(('the guest script failed (exit status %d)' % script_end[1],
                             ['%6d| %s' % (k + 1, lines[k]) for k in own] +
                             context(lines, at, 0, 0)))
    if args.expect_kunit and started and not suites:
        problems.append(('no KUnit suite reported results', []))

    if problems:
        detail = []
        for why, ctx in problems:
            detail += ['  ' + why + ':'] + ['    ' + c for c in ctx]
        record('FAIL', args.name, '; '.join(w for w, _ in problems), detail)
    else:
        record('ok', args.name, detail=notes)

    failed = False
    for status, what, detail in results:
        print('%-4s %s' % (status, what))
        for d in detail:
            print(d)
        failed |= status == 'FAIL'
    if failed:
        print('    console log: %s' % args.log)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
