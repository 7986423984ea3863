#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The guest's half of "make bench" (scripts/bench.sh copies it with the
# two settings below filled in and run-vm.sh runs it with --mode script):
# goslab.ko is loaded and the modules are under $GOSLAB_MODULES.
#
# 0. Wait until no other task wants the CPU: Debian's kernel runs its
#    crypto self-tests in a kthread for the first seconds after boot, and
#    a measurement it lands in counts its work too.
# Wall time (BENCH_INSTRUMENT=wall, 2 vCPUs):
# 1. goslab_bench with workloads=memory hold=1 builds the same live set of
#    mixed-size objects in SLUB and in goslab and keeps both; SLUB's slab
#    pages come from the module, goslab's pages in spans from its debugfs
#    summary, read here before, while the set is live, and after half of
#    it is freed ("half" written to the module's phase parameter).
# 2. goslab_bench runs every timed workload.
# Instructions (BENCH_INSTRUMENT=icount, QEMU -icount, 1 vCPU):
# 1. goslab_bench icount=1 runs the single-CPU workloads and the budget;
# 2. the budget again with goslab's heap profile off (profile_rate=0).
# Then goslab's per-cache counters (fast and slow allocations, refills,
# sweeps) are printed. Every result line starts with "goslab-bench: " (see
# Documentation/performance.rst).

BENCH_ARGS="rounds=5 scale=1000"
BENCH_INSTRUMENT=wall

ko=${GOSLAB_MODULES:-/goslab}/tests/bench/goslab_bench.ko
summary=/sys/kernel/debug/goslab/summary
profile_rate=/sys/module/goslab/parameters/profile_rate

say() {
	echo "goslab-bench: $*"
}

# _settle: wait, at most 60 s, until no task but this script is runnable.
_settle() {
	i=0
	while [ $i -lt 60 ]; do
		busy=$(cat /proc/[0-9]*/stat 2>/dev/null | awk '$3 == "R" &&
			$2 != "(cat)" && $2 != "(awk)" && $2 != "(sh)" { printf " %s", $2 }')
		[ -z "$busy" ] && break
		sleep 1
		i=$((i + 1))
	done
	say "settle seconds=$i${busy:+ still-busy=$busy}"
}

# _value KEY: one "key: value" line of goslab's summary.
_value() {
	sed -n "s/^$1: //p" "$summary"
}

# _memory PARAM: goslab's pages since the baseline, as one result line.
_memory() {
	say "memory-goslab $1 pages=$(($(_value pages_inuse) - inuse0))" \
		"held=$(($(_value pages_held) - held0))"
}

_settle
if [ "$BENCH_INSTRUMENT" = icount ]; then
	# shellcheck disable=SC2086 # BENCH_ARGS is a list of module parameters
	insmod "$ko" workloads=fastpath,bulk,kmalloc,large,primitives,budget \
		icount=1 $BENCH_ARGS || say "timed failed=1 (insmod)"
	rmmod goslab_bench
	rate=$(cat "$profile_rate")
	echo 0 >"$profile_rate"
	# shellcheck disable=SC2086
	insmod "$ko" workloads=budget icount=1 label=profile_rate=0 $BENCH_ARGS ||
		say "budget failed=1 (insmod)"
	rmmod goslab_bench
	echo "$rate" >"$profile_rate"
else
	inuse0=$(_value pages_inuse)
	held0=$(_value pages_held)
	if [ -z "$inuse0" ] || [ -z "$held0" ]; then
		say "memory-goslab mix failed=1 ($summary unreadable)"
	elif insmod "$ko" workloads=memory hold=1; then
		_memory mix
		echo half >/sys/module/goslab_bench/parameters/phase
		_memory half-freed
		rmmod goslab_bench
	else
		say "memory-goslab mix failed=1 (insmod)"
	fi
	# shellcheck disable=SC2086 # BENCH_ARGS is a list of module parameters
	insmod "$ko" workloads=fastpath,bulk,kmalloc,smp,large,primitives,budget \
		$BENCH_ARGS || say "timed failed=1 (insmod)"
	rmmod goslab_bench
fi
# The kmalloc caches' counters: what the timed workloads made goslab do.
sed 's/^/goslab-debugfs: caches: /' /sys/kernel/debug/goslab/caches
say "guest done"
