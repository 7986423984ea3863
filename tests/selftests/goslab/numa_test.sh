#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# goslab kselftest: NUMA fallback, as the page allocator does it. On a VM
# whose node 0 is small (scripts/vm/run-vm.sh --small-node 256),
# goslab_selftest_mod mode=numa allocates 64 MiB more than node 0 has from
# a CPU of node 0 with GFP_KERNEL: every allocation must succeed, the
# memory of the other nodes must be counted in node 0's node_fallback
# (debugfs nodes), and __GFP_THISNODE must stay on node 0. Skips on a
# machine with one node, or whose node 0 has more than 1 GiB.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/selftests/goslab/ksft_helpers.sh
. "$here/ksft_helpers.sh"

node0=/sys/devices/system/node/node0

# _node_fallback NODE: node_fallback pages of every heap of NODE.
_node_fallback() {
	awk -v n="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "node_fallback") c = i; next }
	     $1 == n && c { s += $c } END { print s + 0 }' "$dir/nodes"
}

[ -d /sys/devices/system/node/node1 ] || _skip_all "one NUMA node"
_need_ko goslab_selftest_mod
mib=$(awk '/MemTotal/ { print int($4 / 1024) }' $node0/meminfo)
if [ -z "$mib" ] || [ "$mib" -gt 1024 ]; then
	_skip_all "node 0 has ${mib:-?} MiB (run-vm.sh --small-node 256 makes it small)"
fi
want=$((mib + 64))

_start
_plan 3
echo 1 >"$dir/scavenge"
before=$(_node_fallback 0)
start=$(date +%s)
_load "$ko" mode=numa numa_mib=$want
rc=$?
dmesg | grep 'goslab_selftest_mod: ' | tail -n 8 | sed 's/^/# /'
_diag "$(($(date +%s) - start)) s"
_result $rc "GFP_KERNEL: $want MiB from a CPU of node 0 ($mib MiB), __GFP_THISNODE stays on node 0"

# What came from elsewhere: at least the objects of other nodes.
other=$(dmesg | grep 'goslab_selftest_mod: numa: .* KiB of other nodes' | tail -n 1 |
	sed 's/.*, \([0-9]*\) KiB of other nodes.*/\1/')
after=$(_node_fallback 0)
sed 's/^/# /' "$dir/nodes"
_diag "node_fallback of node 0: $before pages before, $after after; objects of other nodes: ${other:-?} KiB"
[ $rc = 0 ] && [ -n "$other" ] && [ "$other" -gt 0 ] &&
	[ $(((after - before) * 4)) -ge "$other" ]
_result $? "node 0's node_fallback counts the memory of other nodes"

if [ $rc = 0 ]; then
	_unload goslab_selftest_mod
	_result $? "goslab_selftest_mod unloads, the memory goes back"
else
	_result 1 "goslab_selftest_mod unloads, the memory goes back"
fi

_finish
