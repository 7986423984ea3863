#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# goslab kselftest: kmemleak tracks goslab objects. A module that leaks one
# goslab object on purpose (goslab_leak_mod, 4242 bytes) must show up in
# /sys/kernel/debug/kmemleak, and nothing of goslab's own may. Needs a
# kernel with kmemleak (the debug kernel); skips elsewhere. TAP output.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/selftests/goslab/ksft_helpers.sh
. "$here/ksft_helpers.sh"

leak=$debugfs/kmemleak
size=4242

[ -w "$leak" ] || _skip_all "no kmemleak in this kernel"
ko=$(_find_ko goslab_leak_mod)
if [ -z "$ko" ] || [ ! -d /sys/module/goslab ]; then
	_skip_all "needs goslab loaded and goslab_leak_mod.ko"
fi
_plan 3

# Leaks found earlier are not this test's business. The heap profile keeps
# the pointers it samples: it must not sample this one.
echo clear >"$leak"
rate=/sys/module/goslab/parameters/profile_rate
old_rate=$(cat "$rate" 2>/dev/null || true)
[ -z "$old_rate" ] || echo 0 >"$rate"
_load "$ko" leak_size=$size
_result $? "load a module that leaks a goslab object"

# A scan reports unreferenced objects at least 5 s old whose contents did
# not change since the scan before (the first scan takes their checksum).
echo "goslab-test: expect-splat begin" >/dev/kmsg
sleep 6
echo scan >"$leak"
echo scan >"$leak"
echo "goslab-test: expect-splat end" >/dev/kmsg
report=$(cat "$leak")
found=1
if echo "$report" | grep -q "(size $size)" &&
   echo "$report" | grep -q 'goslab_leak_alloc'; then
	found=0
fi
_result $found "kmemleak reports the leaked object with its allocation site"
[ $found = 0 ] || echo "$report" | head -n 40 | sed 's/^/# /'

# A suspect allocated inside goslab must be the leak module's object:
# goslab's own metadata (spans, chunks, caches) is never one.
ours=$(echo "$report" | awk '
	/^unreferenced object/ { if (goslab && !test) print head; head = $0; goslab = 0; test = 0 }
	/\[goslab\]/ { goslab = 1 }
	/\[goslab_leak_mod\]/ { test = 1 }
	END { if (goslab && !test) print head }')
[ -z "$ours" ]
_result $? "no goslab metadata among the suspects"
[ -z "$ours" ] || echo "$ours" | head -n 20 | sed 's/^/# /'

_unload goslab_leak_mod
echo clear >"$leak"
[ -z "$old_rate" ] || echo "$old_rate" >"$rate"
_finish
