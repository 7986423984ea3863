#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot a kernel in QEMU with goslab's modules and tests in a busybox initramfs.
#
# usage: run-vm.sh [options] KERNEL MODDIR
#   KERNEL      bzImage or vmlinuz to boot
#   MODDIR      a built tree (build/<kernel>/): goslab.ko, tests/modules/*.ko,
#               tests/kunit/*.ko and tests/selftests/goslab/ are taken from it
#   --mode M    test (default), run or script; see scripts/vm/init.sh
#   --script F  with --mode script: the shell script to run in the VM after
#               goslab.ko is loaded (it finds the modules under /goslab)
#   --cpus N    vCPUs (default 4)
#   --nodes M   NUMA nodes, 1 to 4, one socket of N/M CPUs each (default 2
#               with 4 CPUs, else 1); one node has 2 GiB, more have 4 GiB
#               laid out as described below
#   --small-node S  node 0 has only S MiB (64 to 2048), the other nodes
#               share the rest of the 4 GiB: a node that runs out first
#               (NUMA fallback); needs 2 nodes or more
#   --dimm S    a pc-dimm of S MiB (64 to 4096) on the last node, plugged at
#               boot but left offline (memhp_default_state=offline), above
#               4 GiB: memory a test brings online after goslab is loaded
#   --kunit "G..."      test mode: one pass per KUnit filter glob G (goslab
#               and the KUnit modules loaded and unloaded each time), only
#               the suites matching G running in it; default: one pass, all
#   --kselftests "T..." test mode: only these kselftests, in this order
#   --kunit-late "M..." test mode: these tests/kunit modules are loaded
#               after the kselftests, not before them
#   --log FILE  where the console log goes (default: MODDIR/console.log)
#   --timeout S hard limit for the whole VM, in seconds (default 300)
#   --append A  extra kernel command line arguments
#   --icount    deterministic clock: -icount shift=0,align=off,sleep=off
#               (one TCG thread; the guest clock counts instructions, 1 ns
#               each)
#   --verbose   copy the console to stdout as it comes
#
# The exit status is QEMU's; 124 means the time limit killed it. Judging the
# log is scripts/vm/judge.py's job.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
mode="test"
log=
limit=300
append=
verbose=0
script=
cpus=4
nodes=
small=
dimm=
kunit=
kselftests=
kunit_late=
icount=()

while [ $# -gt 0 ]; do
	case "$1" in
	--mode) mode=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--timeout) limit=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--script) script=$2; shift 2 ;;
	--cpus) cpus=$2; shift 2 ;;
	--nodes) nodes=$2; shift 2 ;;
	--small-node) small=$2; shift 2 ;;
	--dimm) dimm=$2; shift 2 ;;
	--kunit) kunit=$2; shift 2 ;;
	--kselftests) kselftests=$2; shift 2 ;;
	--kunit-late) kunit_late=$2; shift 2 ;;
	--verbose) verbose=1; shift ;;
	--icount) icount=(-icount "shift=0,align=off,sleep=off"); shift ;;
	-*) echo "run-vm.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
if [ $# != 2 ]; then
	sed -n '3,34s/^# \{0,1\}//p' "$0" >&2
	exit 2
fi
kernel=$1
moddir=$(cd "$2" && pwd)
log=${log:-$moddir/console.log}
case "$mode" in
test|run) ;;
script)
	[ -r "$script" ] || { echo "run-vm.sh: --mode script needs a readable --script" >&2; exit 2; } ;;
*) echo "run-vm.sh: mode must be test, run or script" >&2; exit 2 ;;
esac
case "$cpus" in
[1-9]|[1-9][0-9]) ;;
*) echo "run-vm.sh: --cpus takes a count of vCPUs" >&2; exit 2 ;;
esac
if [ -z "$nodes" ]; then
	nodes=1
	[ "$cpus" != 4 ] || nodes=2
fi
case "$nodes" in
[1-4]) ;;
*) echo "run-vm.sh: --nodes takes 1 to 4" >&2; exit 2 ;;
esac
if [ $((cpus % nodes)) != 0 ]; then
	echo "run-vm.sh: $cpus CPUs do not split evenly over $nodes nodes" >&2
	exit 2
fi
if [ -n "$small" ]; then
	case "$small" in
	[1-9][0-9]|[1-9][0-9][0-9]|[1-9][0-9][0-9][0-9]) ;;
	*) small=0 ;;
	esac
	if [ "$small" -lt 64 ] || [ "$small" -gt 2048 ] || [ "$nodes" -lt 2 ]; then
		echo "run-vm.sh: --small-node takes 64 to 2048 (MiB) and 2 nodes or more" >&2
		exit 2
	fi
fi
if [ -n "$dimm" ]; then
	case "$dimm" in
	[1-9][0-9]|[1-9][0-9][0-9]|[1-9][0-9][0-9][0-9]) ;;
	*) dimm=0 ;;
	esac
	if [ "$dimm" -lt 64 ] || [ "$dimm" -gt 4096 ]; then
		echo "run-vm.sh: --dimm takes 64 to 4096 (MiB)" >&2
		exit 2
	fi
fi
[ -r "$kernel" ] || { echo "run-vm.sh: cannot read $kernel" >&2; exit 2; }
[ -f "$moddir/goslab.ko" ] || { echo "run-vm.sh: no goslab.ko in $moddir" >&2; exit 2; }

# busybox-static's binary: the initramfs has no shared libraries.
busybox=/bin/busybox
[ -x "$busybox" ] || { echo "run-vm.sh: no $busybox (busybox-static)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/goslab-vm.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The initramfs: busybox, /init, and the modules and tests under /goslab.
root=$work/root
mkdir -p "$root/bin" "$root/goslab"
cp "$busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
install -m 0755 "$here/init.sh" "$root/init"
echo "$mode" >"$root/goslab/mode"
if [ -n "$script" ]; then
	install -m 0755 "$script" "$root/goslab/script.sh"
fi
# list FILE WORDS: the lists init.sh reads in test mode, one word a line
# (KUnit globs stay as they are).
list() {
	local words
	read -r -a words <<<"$2"
	[ ${#words[@]} = 0 ] || printf '%s\n' "${words[@]}" >"$root/goslab/$1"
}
list kunit-suites "$kunit"
list kselftests "$kselftests"
list kunit-late "$kunit_late"
(cd "$moddir" && find . -name '*.ko' -not -path './build/*' -print0 |
	xargs -0 -r cp --parents -t "$root/goslab")
if [ -d "$moddir/tests/selftests/goslab" ]; then
	mkdir -p "$root/goslab/tests/selftests"
	cp -r "$moddir/tests/selftests/goslab" "$root/goslab/tests/selftests/"
fi
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) |
	gzip -1 >"$work/initramfs.gz"

# NUMA: one socket per node (a socket split across nodes makes the kernel
# WARN in topology_sane), the CPUs in order. The pc machine keeps 3 GiB
# below 4 GiB: with 4 GiB, the nodes but the last share those 3 GiB, which
# hold all the low memory (ZONE_DMA, ZONE_DMA32), and the last node's 1 GiB
# lies above 4 GiB with ZONE_NORMAL only. The default, 4 CPUs on 2 nodes, is
# node 0 with 3 GiB and CPUs 0-1, node 1 with 1 GiB and CPUs 2-3. One node
# is a plain 2 GiB machine.
# shellcheck disable=SC2054 # commas are QEMU syntax
if [ "$nodes" = 1 ]; then
	machine=(-m 2G -smp "$cpus")
else
	per=$((cpus / nodes))
	low=$((3072 / (nodes - 1)))
	first=$low
	# --small-node: node 0 has S MiB, the others share the rest.
	if [ -n "$small" ]; then
		first=$small
		low=$(((4096 - small) / (nodes - 1)))
	fi
	machine=(-m 4G -smp "$cpus,sockets=$nodes,cores=$per,threads=1")
	for ((n = 0; n < nodes; n++)); do
		size=${low}M
		[ "$n" != 0 ] || size=${first}M
		[ "$n" != $((nodes - 1)) ] ||
			size=$((4096 - first - low * (nodes - 2)))M
		cpu=$((n * per))
		[ "$per" = 1 ] || cpu=$cpu-$((cpu + per - 1))
		machine+=(-object "memory-backend-ram,id=m$n,size=$size"
			  -numa "node,nodeid=$n,cpus=$cpu,memdev=m$n")
	done
fi
# --dimm: QEMU puts device memory above 4 GiB, past the RAM goslab sizes its
# span map for at load.
if [ -n "$dimm" ]; then
	machine[1]+=",slots=1,maxmem=$((${machine[1]%G} * 1024 + dimm))M"
	machine+=(-object "memory-backend-ram,id=hp0,size=${dimm}M"
		  -device "pc-dimm,id=dimm0,memdev=hp0,node=$((nodes - 1))")
	append="memhp_default_state=offline${append:+ $append}"
fi
qemu=(
	qemu-system-x86_64
	"${machine[@]}"
	-nographic -no-reboot
	-monitor none -serial stdio
	-kernel "$kernel"
	-initrd "$work/initramfs.gz"
	-append "console=ttyS0 panic=-1 oops=panic loglevel=7${append:+ $append}"
	"${icount[@]}"
)

mkdir -p "$(dirname "$log")"
rc=0
if [ "$verbose" = 1 ]; then
	timeout -k 10 "$limit" "${qemu[@]}" </dev/null 2>"$work/qemu.err" |
		tee "$log" || rc=${PIPESTATUS[0]}
else
	timeout -k 10 "$limit" "${qemu[@]}" </dev/null >"$log" 2>"$work/qemu.err" || rc=$?
fi
if [ -s "$work/qemu.err" ] && [ "$rc" != 124 ]; then
	sed 's/^/qemu: /' "$work/qemu.err" >&2
fi
exit "$rc"
