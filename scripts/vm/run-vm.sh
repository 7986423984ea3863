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
#   --cpus N    4 (default: two NUMA nodes, see below) or another count of
#               vCPUs on a single node with 2 GiB
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
icount=()

while [ $# -gt 0 ]; do
	case "$1" in
	--mode) mode=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--timeout) limit=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--script) script=$2; shift 2 ;;
	--cpus) cpus=$2; shift 2 ;;
	--verbose) verbose=1; shift ;;
	--icount) icount=(-icount "shift=0,align=off,sleep=off"); shift ;;
	-*) echo "run-vm.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
if [ $# != 2 ]; then
	sed -n '3,24s/^# \{0,1\}//p' "$0" >&2
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
(cd "$moddir" && find . -name '*.ko' -not -path './build/*' -print0 |
	xargs -0 -r cp --parents -t "$root/goslab")
if [ -d "$moddir/tests/selftests/goslab" ]; then
	mkdir -p "$root/goslab/tests/selftests"
	cp -r "$moddir/tests/selftests/goslab" "$root/goslab/tests/selftests/"
fi
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) |
	gzip -1 >"$work/initramfs.gz"

# Two NUMA nodes, two sockets of two CPUs each (one socket per node, or the
# kernel WARNs in topology_sane). The pc machine keeps 3 GiB below 4 GiB, so
# node 0 (3G) holds all the low memory (ZONE_DMA, ZONE_DMA32) and node 1 (1G)
# lies above 4 GiB with ZONE_NORMAL only. Any other CPU count gets one node.
# shellcheck disable=SC2054 # commas are QEMU syntax
if [ "$cpus" = 4 ]; then
	machine=(
		-m 4G
		-smp 4,sockets=2,cores=2,threads=1
		-object memory-backend-ram,id=m0,size=3G
		-object memory-backend-ram,id=m1,size=1G
		-numa node,nodeid=0,cpus=0-1,memdev=m0
		-numa node,nodeid=1,cpus=2-3,memdev=m1
	)
else
	machine=(-m 2G -smp "$cpus")
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
