#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# goslab kselftest: kmemleak tracks goslab objects. A module that leaks one
# goslab object on purpose (goslab_leak_mod, 4242 bytes) must show up in
# /sys/kernel/debug/kmemleak, and nothing of goslab's own may. Needs a
# kernel with kmemleak (the debug kernel); skips elsewhere. TAP output.

leak=/sys/kernel/debug/kmemleak
size=4242

if [ ! -w "$leak" ]; then
	echo "TAP version 13"
	echo "1..0 # SKIP no kmemleak in this kernel"
	exit 4
fi
ko=$(find "${GOSLAB_MODULES:-$(dirname "$0")/../../..}" -name goslab_leak_mod.ko 2>/dev/null | head -n 1)
if [ -z "$ko" ] || ! grep -q '^goslab ' /proc/modules; then
	echo "TAP version 13"
	echo "1..0 # SKIP needs goslab loaded and goslab_leak_mod.ko"
	exit 4
fi

echo "TAP version 13"
echo "1..3"
failed=0
result() {
	if [ "$1" = 0 ]; then
		echo "ok $2 $3"
	else
		echo "not ok $2 $3"
		failed=1
	fi
}

# Leaks found earlier are not this test's business. The heap profile keeps
# the pointers it samples: it must not sample this one.
echo clear >"$leak"
rate=/sys/module/goslab/parameters/profile_rate
old_rate=$(cat "$rate" 2>/dev/null || true)
[ -z "$old_rate" ] || echo 0 >"$rate"
insmod "$ko" leak_size=$size
result $? 1 "load a module that leaks a goslab object"

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
result $found 2 "kmemleak reports the leaked object with its allocation site"
[ $found = 0 ] || echo "$report" | head -n 40 | sed 's/^/# /'

# A suspect allocated inside goslab must be the leak module's object:
# goslab's own metadata (spans, chunks, caches) is never one.
ours=$(echo "$report" | awk '
	/^unreferenced object/ { if (goslab && !test) print head; head = $0; goslab = 0; test = 0 }
	/\[goslab\]/ { goslab = 1 }
	/\[goslab_leak_mod\]/ { test = 1 }
	END { if (goslab && !test) print head }')
[ -z "$ours" ]
result $? 3 "no goslab metadata among the suspects"
[ -z "$ours" ] || echo "$ours" | head -n 20 | sed 's/^/# /'

rmmod goslab_leak_mod
echo clear >"$leak"
[ -z "$old_rate" ] || echo "$old_rate" >"$rate"
[ $failed = 0 ] || exit 1
exit 0
