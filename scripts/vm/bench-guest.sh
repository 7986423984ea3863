#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The guest's half of "make bench" (scripts/bench.sh copies it with the
# module parameters filled in and run-vm.sh runs it with --mode script):
# goslab.ko is loaded and the modules are under $GOSLAB_MODULES.
#
# 1. goslab_bench with workloads=memory hold=1 builds the same live set of
#    mixed-size objects in SLUB and in goslab and keeps both; SLUB's slab
#    pages come from the module, goslab's pages in spans from its debugfs
#    summary, read here before, while the set is live, and after half of
#    it is freed ("half" written to the module's phase parameter).
# 2. goslab_bench runs every timed workload; goslab's per-cache counters
#    (fast and slow allocations, refills, sweeps) are printed after it.
# Every result line starts with "goslab-bench: " (see
# Documentation/performance.rst).

BENCH_ARGS="rounds=5 scale=1000"

ko=${GOSLAB_MODULES:-/goslab}/tests/bench/goslab_bench.ko
summary=/sys/kernel/debug/goslab/summary

say() {
	echo "goslab-bench: $*"
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
insmod "$ko" workloads=fastpath,bulk,kmalloc,smp,large,primitives $BENCH_ARGS ||
	say "timed failed=1 (insmod)"
rmmod goslab_bench
# The kmalloc caches' counters: what the timed workloads made goslab do.
sed 's/^/goslab-debugfs: caches: /' /sys/kernel/debug/goslab/caches
say "guest done"
