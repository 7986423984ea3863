#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: goslab against SLUB on Debian's stock 6.12 kernel in QEMU, on
# two instruments.
#
# Builds the modules for the stock 6.12 kernel and boots it four times:
# with its defaults (Debian turns init_on_alloc on, so SLUB zeroes every
# object) and with init_on_alloc=0, each under QEMU -icount (1 vCPU: the
# guest clock counts instructions, so the figures are instructions per
# operation) and in wall time (2 vCPUs, multi-threaded TCG: the scaling and
# remote-free rows need them). The two -icount boots run side by side (host
# load does not change an instruction count), the wall-time ones alone.
# tests/bench/goslab_bench.ko runs in each (scripts/vm/bench-guest.sh);
# the goslab/SLUB tables go to build/bench/results.txt, with
# build/bench/results.png if gnuplot is installed. Console logs:
# build/bench/console-*.log. See Documentation/performance.rst.
#
# usage: bench.sh [--rounds N] [--scale PERMILLE] [--icount-rounds N]
#                 [--icount-repeat PERMILLE] [--only wall|icount] [--twice]
#                 [--timeout S]
#   --rounds N          wall time: rounds per measurement (default 5)
#   --scale PERMILLE    iteration counts in per mille of the standard (1000)
#   --icount-rounds N   instructions: rounds per measurement (default 5)
#   --icount-repeat PERMILLE
#                       instructions: loop repetitions in per mille of the
#                       standard (default 5; batch sizes stay as they are)
#   --only I            one instrument only: wall or icount
#   --twice             boot each -icount setting twice and compare the
#                       counts (the repeatability check)
#   --timeout S         time limit per boot (default 2400: TCG is slow)
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$GOSLAB_ROOT"

rounds=5
scale=1000
irounds=5
irepeat=5
only=
twice=0
limit=2400
while [ $# -gt 0 ]; do
	case "$1" in
	--rounds) rounds=$2; shift 2 ;;
	--scale) scale=$2; shift 2 ;;
	--icount-rounds) irounds=$2; shift 2 ;;
	--icount-repeat) irepeat=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	--twice) twice=1; shift ;;
	--timeout) limit=$2; shift 2 ;;
	*) sed -n '3,32s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done
case "$only" in
''|wall|icount) ;;
*) echo "bench: --only takes wall or icount" >&2; exit 2 ;;
esac

out=$GOSLAB_ROOT/build/bench
logs=$GOSLAB_ROOT/build/logs
mkdir -p "$out" "$logs"
scripts/setup.sh
v=$(stock_612_version)
img=$(stock_image "$v")
commit=$(git describe --always --dirty 2>/dev/null || echo unknown)

echo "bench: building goslab for $v (commit $commit)"
if ! build_modules bench-6.12 "/lib/modules/$v/build" "$logs/build-bench-6.12.log"; then
	echo "bench: build failed, log: $logs/build-bench-6.12.log" >&2
	exit 1
fi

sed -e "s/^BENCH_ARGS=.*/BENCH_ARGS=\"rounds=$rounds scale=$scale\"/" \
	-e "s/^BENCH_INSTRUMENT=.*/BENCH_INSTRUMENT=wall/" \
	scripts/vm/bench-guest.sh >"$out/guest-wall.sh"
sed -e "s/^BENCH_ARGS=.*/BENCH_ARGS=\"rounds=$irounds scale=$scale repeat=$irepeat\"/" \
	-e "s/^BENCH_INSTRUMENT=.*/BENCH_INSTRUMENT=icount/" \
	scripts/vm/bench-guest.sh >"$out/guest-icount.sh"

failed=0
runs=()

# boot LABEL INSTRUMENT EXTRA-ARGS LOG: one boot; the judge's verdict is
# printed and remembered.
boot() {
	local label=$1 inst=$2 append=$3 log=$4 rc=0 start=$SECONDS
	local opts=(--cpus 2)

	[ "$inst" = icount ] && opts=(--cpus 1 --icount)
	scripts/vm/run-vm.sh --mode script --script "$out/guest-$inst.sh" \
		"${opts[@]}" --timeout "$limit" ${append:+--append "$append"} \
		--log "$log" "$img" build/bench-6.12 || rc=$?
	scripts/vm/judge.py "$log" --name "bench $label ($((SECONDS - start)) s)" \
		--rc "$rc" --timeout "$limit" || return 1
}

settings=("default|" "init_on_alloc=0|init_on_alloc=0")
if [ "$only" != wall ]; then
	pids=()
	copies=(1)
	[ "$twice" = 1 ] && copies=(1 2)
	for c in "${copies[@]}"; do
		for s in "${settings[@]}"; do
			name=${s%%|*}
			append=${s#*|}
			suffix=${c/#1/}
			log=$out/console-icount-${name/=/_}${suffix:+-$suffix}.log
			echo "bench: booting $v under -icount with 1 vCPU${append:+ and $append} (rounds=$irounds repeat=$irepeat/1000)"
			boot "icount $name${suffix:+ #$suffix}" icount "$append" "$log" &
			pids+=($!)
			runs+=("icount:$name${suffix:+#$suffix}@$log")
		done
		# Two at a time: one host thread each.
		for p in "${pids[@]}"; do
			wait "$p" || failed=1
		done
		pids=()
	done
fi
if [ "$only" != icount ]; then
	for s in "${settings[@]}"; do
		name=${s%%|*}
		append=${s#*|}
		log=$out/console-wall-${name/=/_}.log
		echo "bench: booting $v with 2 vCPUs${append:+ and $append} (rounds=$rounds scale=$scale/1000)"
		boot "wall $name" wall "$append" "$log" || failed=1
		runs+=("wall:$name@$log")
	done
fi

echo
if ! python3 scripts/bench-table.py --qemu "$(qemu-system-x86_64 --version | head -n 1)" \
	--commit "$commit" --out "$out/results.txt" --plot "$out/results.png" "${runs[@]}"; then
	failed=1
fi
echo "bench: results in $out/results.txt; console logs in $out/"
exit "$failed"
