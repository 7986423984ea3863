#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# goslab kselftest: memory hot-added after goslab was loaded is memory
# goslab can use. On a VM with a DIMM left offline at boot
# (scripts/vm/run-vm.sh --dimm 512, memhp_default_state=offline), above the
# RAM goslab sized its span map for, the DIMM's memory blocks are brought
# online as kernel memory, then goslab_selftest_mod mode=hotplug must get
# 128 MiB of goslab_kmalloc() memory from them, more than the slack of the
# span map sized at load (it first takes the 4 MiB blocks left below them,
# so that goslab's next chunks come from there), and no grow of goslab may
# fail. Skips where no memory block is offline.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/selftests/goslab/ksft_helpers.sh
. "$here/ksft_helpers.sh"

mem=/sys/devices/system/memory

# _offline: the offline memory blocks, one directory a line.
_offline() {
	for b in "$mem"/memory[0-9]*; do
		[ "$(cat "$b/state" 2>/dev/null)" = offline ] && echo "$b"
	done
}

blocks=$(_offline)
[ -n "$blocks" ] || _skip_all "no offline memory block (run-vm.sh --dimm makes one)"
_need_ko goslab_selftest_mod
_start
_plan 3

# The first page frame of the offline blocks: phys_index is in blocks.
bs=$(($(printf '%d' "0x$(cat $mem/block_size_bytes)") / 4096))
first=
for b in $blocks; do
	pfn=$(($(printf '%d' "0x$(cat "$b/phys_index")") * bs))
	if [ -z "$first" ] || [ "$pfn" -lt "$first" ]; then
		first=$pfn
	fi
done
fails=$(_summary grow_failures)

bad=0
for b in $blocks; do
	echo online_kernel >"$b/state" 2>/dev/null || bad=$((bad + 1))
done
n=$(echo "$blocks" | wc -l)
dmesg | grep 'goslab: span map' | tail -n 2 | sed 's/^/# /'
_diag "$n blocks of $((bs * 4)) KiB from pfn $(printf '%#x' "$first"), $bad could not be onlined"
[ $bad = 0 ] && [ -z "$(_offline)" ]
_result $? "the hot-added memory comes online as kernel memory with goslab loaded"

_load "$ko" mode=hotplug hot_pfn="$first"
rc=$?
dmesg | grep 'goslab_selftest_mod: ' | tail -n 3 | sed 's/^/# /'
[ $rc = 0 ] && _unload goslab_selftest_mod
_result $rc "goslab_kmalloc() hands out 128 MiB from the hot-added blocks"

now=$(_summary grow_failures)
_diag "grow_failures: $fails before, $now after"
[ -n "$now" ] && [ "$now" = "$fails" ]
_result $? "no grow of goslab failed"
_finish
