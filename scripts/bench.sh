#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: goslab against SLUB on Debian's stock 6.12 kernel in QEMU.
#
# Builds the modules for the stock 6.12 kernel, boots it twice with 2 vCPUs
# (once with its defaults: Debian turns init_on_alloc on, so SLUB zeroes
# every object; once with init_on_alloc=0), runs tests/bench/goslab_bench.ko
# in each (scripts/vm/bench-guest.sh), prints the goslab/SLUB ratio tables
# and saves them in build/bench/results.txt, with build/bench/results.png if
# gnuplot is installed. Console logs: build/bench/console-*.log. See
# Documentation/performance.rst.
#
# usage: bench.sh [--rounds N] [--scale PERMILLE] [--timeout S]
#   --rounds N        rounds per measurement (default 5)
#   --scale PERMILLE  iteration counts in per mille of the standard (1000)
#   --timeout S       time limit per boot (default 2400: TCG is slow)
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$GOSLAB_ROOT"

rounds=5
scale=1000
limit=2400
while [ $# -gt 0 ]; do
	case "$1" in
	--rounds) rounds=$2; shift 2 ;;
	--scale) scale=$2; shift 2 ;;
	--timeout) limit=$2; shift 2 ;;
	*) sed -n '3,17s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done

out=$GOSLAB_ROOT/build/bench
logs=$GOSLAB_ROOT/build/logs
mkdir -p "$out" "$logs"
scripts/setup.sh
v=$(stock_612_version)
img=$(stock_image "$v")

echo "bench: building goslab for $v"
if ! build_modules bench-6.12 "/lib/modules/$v/build" "$logs/build-bench-6.12.log"; then
	echo "bench: build failed, log: $logs/build-bench-6.12.log" >&2
	exit 1
fi

sed "s/^BENCH_ARGS=.*/BENCH_ARGS=\"rounds=$rounds scale=$scale\"/" \
	scripts/vm/bench-guest.sh >"$out/guest.sh"

# name|extra kernel arguments
settings=("default|" "init_on_alloc=0|init_on_alloc=0")
runs=()
failed=0
for s in "${settings[@]}"; do
	name=${s%%|*}
	append=${s#*|}
	log=$out/console-${name/=/_}.log
	echo "bench: booting $v with 2 vCPUs${append:+ and $append} (rounds=$rounds scale=$scale/1000)"
	start=$SECONDS
	rc=0
	scripts/vm/run-vm.sh --mode script --script "$out/guest.sh" --cpus 2 \
		--timeout "$limit" ${append:+--append "$append"} --log "$log" \
		"$img" build/bench-6.12 || rc=$?
	if ! scripts/vm/judge.py "$log" --name "bench $name ($((SECONDS - start)) s)" \
		--rc "$rc" --timeout "$limit"; then
		failed=1
	fi
	runs+=("$name@$log")
done

echo
if ! python3 scripts/bench-table.py --qemu "$(qemu-system-x86_64 --version | head -n 1)" \
	--out "$out/results.txt" --plot "$out/results.png" "${runs[@]}"; then
	failed=1
fi
echo "bench: results in $out/results.txt; console logs in $out/"
exit "$failed"
