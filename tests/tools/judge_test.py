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


def main():
    failed = 0
    for name, want, body in CASES:
        with tempfile.NamedTemporaryFile('w', suffix='.log', delete=False) as f:
            f.write('\n'.join(HEAD + body + TAIL) + '\n')
        r = subprocess.run([sys.executable, JUDGE, f.name, '--name', 'x'],
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
