#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check scripts/vm/judge.py on small console logs written here.

Each case is a log and whether the judge must pass it. Prints one result
line per case ("ok   NAME" or "FAIL NAME: why") for scripts/check.sh.
"""

import os
import subprocess
import sys
import tempfile

JUDGE = os.path.join(os.path.dirname(__file__), '..', '..', 'scripts', 'vm', 'judge.py')

HEAD = ['[    0.000000] Linux version 6.12.0',
        'goslab-vm: start mode=test kernel=6.12.0 cpus=4 nodes=2',
        'goslab-vm: insmod goslab.ko rc=0',
        'goslab-vm: kselftest-begin t.sh',
        'TAP version 13',
        '1..2']
TAIL = ['ok 2 second',
        'goslab-vm: kselftest-end t.sh rc=0',
        '[   11.000000] goslab: unloaded: every page returned to the buddy allocator',
        'goslab-vm: rmmod goslab rc=0',
        'goslab-vm: done']
WARN = '[   10.000002] WARNING: CPU: 0 PID: 1 at goslab/main.c:88 goslab_report'

CASES = [
    ('bracketed splat', True,
     ['ok 1 first', '[   10.000001] goslab-test: expect-splat begin', WARN,
      '[   10.000003] goslab-test: expect-splat end']),
    # The console wrote the marker behind the test's own "ok 1" before its
    # newline (seen on the debug kernel in kmemleak_test.sh).
    ('marker inside a test line', True,
     ['ok 1 first[   10.000001] goslab-test: expect-splat begin', '', WARN,
      '[   10.000003] goslab-test: expect-splat end']),
    ('splat outside a bracket', False, ['ok 1 first', WARN]),
    ('interleaved splat outside a bracket', False, ['ok 1 first' + WARN]),
    # A test quoting a kernel line in a TAP diagnostic is not a splat.
    ('quoted kernel line', True, ['ok 1 first', '# saw ' + WARN]),
]


def vacated(tasks, frame='sched_cpu_dying+0x9d/0x179'):
    """6.12's warning about a CPU going offline, listing TASKS."""
    t = '[  179.482937] '
    return ([t + '------------[ cut here ]------------',
             t + 'Dying CPU not properly vacated!',
             t + 'WARNING: CPU: 3 PID: 32 at kernel/sched/core.c:8365 ' + frame,
             t + 'Modules linked in: goslab_stress(ON+) goslab(O)',
             t + 'Call trace:', t + ' ' + frame,
             t + '---[ end trace 0000000000000000 ]---',
             t + 'CPU3 enqueued tasks (2 total):'] +
            [t + '\tpid: %d, name: %s' % (i + 32, n) for i, n in enumerate(tasks)])


CASES += [
    # Only the stopper left: the count is 6.12's dl_server, not a task.
    ('dl_server counted by a dying CPU', True, ['ok 1 first'] + vacated(['migration/3'])),
    ('a task left on a dying CPU', False,
     ['ok 1 first'] + vacated(['migration/3', 'goslab_stress/3'])),
    ('a goslab frame in a dying CPU warning', False,
     ['ok 1 first'] + vacated(['migration/3'], 'goslab_free+0x10/0x20 [goslab]')),
]


def kcsan(frames, workqueue='goslab_drain mcache_drain_work [goslab]'):
    """A KCSAN report of an unknown writer, by a worker running WORKQUEUE."""
    t = '[   73.203035] '
    return ([t + '=' * 66,
             t + 'BUG: KCSAN: data-race in ' + frames[0].split('+')[0],
             t + '',
             t + 'race at unknown origin, with read to 0xffff8880029f80e0 of 8 bytes '
                 'by task 43 on cpu 1:'] +
            [t + ' ' + f for f in frames] +
            [t + '', t + 'value changed: 0x000000000ed25efa -> 0x000000000ed2a4a6',
             t + '', t + 'Reported by Kernel Concurrency Sanitizer on:',
             t + 'Workqueue: ' + workqueue,
             t + '=' * 66])


WORKER = ['process_scheduled_works+0x1a7/0x5ba', 'worker_thread+0x1eb/0x2aa',
          'kthread+0x18a/0x192']
CASES += [
    # Seen in CI on the KCSAN kernel: workqueue.c reads the worker's
    # se.sum_exec_runtime, which the scheduler (not instrumented) updates.
    ('kernel race in a worker running goslab work', True, ['ok 1 first'] + kcsan(WORKER)),
    ('race with a goslab frame', False,
     ['ok 1 first'] + kcsan(['mcache_drain_work+0x20/0x80 [goslab]'] + WORKER)),
]


# A script-mode boot (make run, make bench): with --expect-script, the
# guest script's exit status counts.
SCRIPT_HEAD = ['[    0.000000] Linux version 6.12.0',
               'goslab-vm: start mode=script kernel=6.12.0 cpus=4 nodes=2',
               'goslab-vm: insmod goslab.ko rc=0',
               'goslab-vm: script-begin']
SCRIPT_TAIL = ['[   11.000000] goslab: unloaded: every page returned to the buddy allocator',
               'goslab-vm: rmmod goslab rc=0',
               'goslab-vm: done']
SCRIPT_CASES = [
    ('script ended with status 0', True, ['goslab-run: ok', 'goslab-vm: script-end rc=0']),
    ('script failed', False, ['goslab-run: FAIL mount', 'goslab-vm: script-end rc=1']),
    ('script never ended', False, ['goslab-run: writing']),
]


def main():
    failed = 0
    cases = [(n, w, HEAD + b + TAIL, []) for n, w, b in CASES]
    cases += [(n, w, SCRIPT_HEAD + b + SCRIPT_TAIL, ['--expect-script'])
              for n, w, b in SCRIPT_CASES]
    for name, want, log, args in cases:
        with tempfile.NamedTemporaryFile('w', suffix='.log', delete=False) as f:
            f.write('\n'.join(log) + '\n')
        r = subprocess.run([sys.executable, JUDGE, f.name, '--name', 'x'] + args,
                           capture_output=True, text=True, check=False)
        os.unlink(f.name)
        if (r.returncode == 0) == want:
            print('ok   judge: %s' % name)
        else:
            failed += 1
            print('FAIL judge: %s: judge %s it' % (name, 'failed' if want else 'passed'))
            for l in r.stdout.splitlines()[:8]:
                print('    ' + l)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
