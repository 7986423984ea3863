#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make stress: the long versions of goslab's reliability tests.
#
#   1. the debug kernel (KASAN, lockdep, kmemleak, fault injection) boots
#      once in QEMU and runs tests/selftests/goslab/stress_test.sh with
#      long runs (every API on every CPU with CPU hotplug, then 10% failed
#      grows and page allocations), the misuse matrix, and
#      _pressure_test.sh (memory filled until the shrinker runs);
#   2. the debug kernel boots again with 8 vCPUs over 4 NUMA nodes (two
#      CPUs on each node's socket; oversubscribed TCG on a small host, for
#      correctness, not speed) and runs the concurrency suites
#      (concurrency_kunit and concurrency_kselftests in scripts/lib.sh);
#   3. the fuzz targets of tests/fuzz run for longer.
#
# usage: stress.sh [--duration S] [--fuzz S]
#   --duration S  seconds of each stress run in the VM (default 120)
#   --fuzz S      seconds of each fuzz target (default 300; 0 skips)
# Logs: build/logs/stress-*. Result lines as in make check.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$GOSLAB_ROOT"

duration=120
fuzz=300
while [ $# -gt 0 ]; do
	case "$1" in
	--duration) duration=$2; shift 2 ;;
	--fuzz) fuzz=$2; shift 2 ;;
	*) sed -n '3,19s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done

logs=$GOSLAB_ROOT/build/logs
mkdir -p "$logs"
failed=0

scripts/setup.sh
kdir=$(debug_kernel_tree)
if ! out=$(build_modules stress "$kdir" "$logs/stress-build.log"); then
	result FAIL "stress build: $out"
	exit 1
fi

# The VM's script: goslab.ko is loaded, the modules are under /goslab.
script=$(mktemp "${TMPDIR:-/tmp}/goslab-stress.XXXXXX")
trap 'rm -f "$script"' EXIT
cat >"$script" <<SCRIPT
#!/bin/sh
t=/goslab/tests/selftests/goslab
echo "goslab-vm: kselftest-begin stress_test.sh"
(cd \$t && GOSLAB_STRESS_MS=$((duration * 1000)) sh ./stress_test.sh)
echo "goslab-vm: kselftest-end stress_test.sh rc=\$?"
echo "goslab-vm: kselftest-begin _pressure_test.sh"
(cd \$t && sh ./_pressure_test.sh)
echo "goslab-vm: kselftest-end _pressure_test.sh rc=\$?"
echo "==> goslab summary <=="
cat /sys/kernel/debug/goslab/summary
SCRIPT

# Two stress runs, the misuse matrix, the pressure run, boot and kmemleak.
limit=$((2 * duration * 3 + 600))
start=$SECONDS
rc=0
scripts/vm/run-vm.sh --mode script --script "$script" --timeout "$limit" \
	--log "$logs/stress-vm.log" "$kdir/arch/x86/boot/bzImage" build/stress \
	2>"$logs/stress-vm.err" || rc=$?
scripts/vm/judge.py "$logs/stress-vm.log" --name "stress vm" --rc "$rc" \
	--timeout "$limit" || failed=1
grep -E '^# |goslab_stress: [a-z_]+ [0-9]+$' "$logs/stress-vm.log" |
	sed 's/^/    /' >"$logs/stress-vm.summary" || true
echo "     (stress vm: $((SECONDS - start)) s; figures: $logs/stress-vm.summary)"

# The concurrency suites on 8 vCPUs over 4 nodes, one KUnit pass each
# (goslab_concurrency stops after 90 s at most), then their kselftests.
limit=1500
start=$SECONDS
rc=0
scripts/vm/run-vm.sh --cpus 8 --nodes 4 --kunit "$concurrency_kunit" \
	--kselftests "$concurrency_kselftests" --timeout "$limit" \
	--log "$logs/stress-vm8.log" "$kdir/arch/x86/boot/bzImage" build/stress \
	2>"$logs/stress-vm8.err" || rc=$?
scripts/vm/judge.py "$logs/stress-vm8.log" --name "stress vm 8 cpus" --rc "$rc" \
	--timeout "$limit" --expect-kunit || failed=1
echo "     (stress vm 8 cpus: $((SECONDS - start)) s)"

if [ "$fuzz" != 0 ]; then
	make -s -C tests/fuzz all >"$logs/stress-fuzz-build.log" 2>&1 || failed=1
	for t in $(fuzz_targets); do
		if make -s -C tests/fuzz "run-$t" T="$fuzz" >"$logs/stress-fuzz-$t.log" 2>&1; then
			result ok "fuzz $t: $(sed -n 's/^Done \([0-9]*\) runs.*/\1 runs/p' \
				"$logs/stress-fuzz-$t.log" | tail -n 1) in $fuzz s"
		else
			result FAIL "fuzz $t: see $logs/stress-fuzz-$t.log"
			failed=1
		fi
	done
fi
exit "$failed"
