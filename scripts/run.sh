#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make run: show goslab working. Builds it for Debian's stock 6.12 kernel,
# boots that kernel in QEMU (2 NUMA nodes, 4 CPUs), loads goslab.ko and the
# sample client, prints every file under /sys/kernel/debug/goslab/ and powers
# off. The whole console log is kept; its path is printed at the end.
#
# usage: run.sh [--console]   (--console: also stream the whole console)
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$GOSLAB_ROOT"

vm_opts=()
case "${1:-}" in
--console) vm_opts=(--verbose) ;;
"") ;;
*) echo "usage: $0 [--console]" >&2; exit 2 ;;
esac

logs=$GOSLAB_ROOT/build/logs
mkdir -p "$logs"
scripts/setup.sh
v=$(stock_612_version)
image=$(stock_image "$v")

echo "run: building goslab for $v"
if ! build_modules 6.12 "/lib/modules/$v/build" "$logs/build-6.12.log"; then
	echo "run: build failed, log: $logs/build-6.12.log" >&2
	exit 1
fi

log=$logs/run-console.log
echo "run: booting $v in QEMU (4 CPUs on 2 NUMA nodes, 4 GiB)"
start=$SECONDS
rc=0
# track_waste=1: the live-waste columns of debugfs "classes" are filled
# only when goslab records requested sizes, which it does not by default.
scripts/vm/run-vm.sh --mode run --timeout 300 --log "$log" "${vm_opts[@]}" \
	--append goslab.track_waste=1 "$image" build/6.12 || rc=$?
secs=$((SECONDS - start))

# The guest's part: goslab's own kernel messages and the debugfs files.
if [ ${#vm_opts[@]} = 0 ]; then
	echo
	sed -e 's/\r$//' "$log" | awk '
		/^goslab-vm: start/ { on = 1; next }
		/^goslab-vm: done/ { on = 0 }
		!on { next }
		/^goslab-vm: output (begin|end)/ { print ""; next }
		/^goslab-vm: / { sub(/^goslab-vm: /, "# "); print; next }
		/^\[ *[0-9.]+\] / && !/\] goslab/ { next }
		/taints kernel|module verification failed/ { next }
		{ print }'
	echo
fi

if scripts/vm/judge.py "$log" --name "run ($v, ${secs} s)" --rc "$rc" --timeout 300; then
	echo "run: full console log: $log"
else
	exit 1
fi
