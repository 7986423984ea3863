#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make run: show goslab working under a real filesystem. Builds goslab and
# ext4 on its switch (tests/fs/) for Debian's stock 6.12 kernel, boots that
# kernel in QEMU (2 NUMA nodes, 4 CPUs) with goslab's heap profile and
# waste tracking on, and runs scripts/vm/run-guest.sh there: ext4 on a
# ramdisk, a short file workload, a snapshot of /sys/kernel/debug/goslab/
# while still mounted. Then prints what the snapshot says: goslabinfo's
# summary, the caches holding the most memory, the pages per node and the
# heap profile's top call sites; writes the charts of goslab-plot into
# build/run/charts/ and prints their paths, and the judge's verdict on the
# boot. The snapshot stays in build/run/snapshot/, the console log in
# build/logs/run-console.log.
#
# usage: run.sh [--raw] [--console]
#   --raw      the plain view instead: goslab and the sample client loaded,
#              every file under /sys/kernel/debug/goslab/ printed as it is
#   --console  also stream the whole console as it comes
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$GOSLAB_ROOT"

usage() {
	echo "usage: $0 [--raw] [--console]" >&2
	exit 2
}

vm_opts=()
raw=
for a in "$@"; do
	case "$a" in
	--console) vm_opts=(--verbose) ;;
	--raw) raw=1 ;;
	*) usage ;;
	esac
done

logs=$GOSLAB_ROOT/build/logs
out=build/run
mkdir -p "$logs"
scripts/setup.sh
v=$(stock_612_version)
image=$(stock_image "$v")

echo "run: building goslab and ext4 on its switch for $v"
if ! build_modules 6.12 "/lib/modules/$v/build" "$logs/build-6.12.log"; then
	echo "run: build failed, log: $logs/build-6.12.log" >&2
	exit 1
fi

log=$logs/run-console.log
limit=300
start=$SECONDS
rc=0

# --raw: the debugfs files as they are (init.sh's run mode).
if [ -n "$raw" ]; then
	echo "run: booting $v in QEMU (4 CPUs on 2 NUMA nodes, 4 GiB)"
	# track_waste=1: the live-waste columns of debugfs "classes" are
	# filled only when goslab records requested sizes.
	scripts/vm/run-vm.sh --mode run --timeout "$limit" --log "$log" "${vm_opts[@]}" \
		--append goslab.track_waste=1 "$image" build/6.12 || rc=$?
	secs=$((SECONDS - start))
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
	if scripts/vm/judge.py "$log" --name "run ($v, ${secs} s)" --rc "$rc" \
		--timeout "$limit"; then
		echo "run: full console log: $log"
		exit 0
	fi
	exit 1
fi

ext4=build/6.12/tests/fs/build/ext4/ext4.ko
if [ ! -f "$ext4" ]; then
	echo "run: no $ext4 (tests/fs/ builds it from linux-source-6.12; see $logs/build-6.12.log)" >&2
	exit 1
fi

# profile_rate=4096: about one allocation in 4 KiB sampled, so the profile
# names ext4's call sites after a short workload (the default is 512 KiB).
# track_waste=1: the live waste of kmalloc objects (debugfs "classes",
# waste.png).
echo "run: booting $v in QEMU (4 CPUs on 2 NUMA nodes, 4 GiB): ext4 on goslab, a file workload"
scripts/vm/run-vm.sh --mode script --script scripts/vm/run-guest.sh \
	--timeout "$limit" --log "$log" "${vm_opts[@]}" \
	--append "goslab.track_waste=1 goslab.profile_rate=4096" \
	"$image" build/6.12 || rc=$?
secs=$((SECONDS - start))

# The guest's own account of the workload.
echo
sed -n -e 's/\r$//' -e 's/^goslab-run: /  /p' "$log"

# problem WHY: something the host could not show; the verdict fails.
problems=()
problem() {
	problems+=("$1")
	echo "run: $1" >&2
}

snap=$out/snapshot
charts=$out/charts
rm -rf "$snap" "$charts"
if ! scripts/goslabinfo --extract "$log" "$snap" >/dev/null 2>&1; then
	problem "no debugfs snapshot on the console"
else
	# info WHAT ARGS...: one table of the snapshot.
	info() {
		local what=$1
		shift
		scripts/goslabinfo -d "$snap" "$@" || problem "goslabinfo could not show $what"
	}
	rate=$(sed -n 's/^profile_rate: //p' "$snap/summary" 2>/dev/null || true)
	echo
	echo "goslab with ext4 mounted, after the workload (scripts/goslabinfo --summary):"
	info "the summary" --summary
	echo
	echo "The 15 caches holding the most memory: live objects, slots, KiB of spans,"
	echo "allocations and the share the per-CPU fast path served (goslabinfo -n 15):"
	info "the caches" --no-summary -n 15 \
		-c name,inuse,total,use_pct,objsize,slot,kib,eff_pct,alloc,fast_pct,free
	echo
	echo "Pages per node and zone (goslabinfo --nodes):"
	info "the nodes" --no-summary --nodes
	echo
	echo "Heap profile, the 10 call sites with the most live bytes (one sample about"
	echo "every ${rate:-?} bytes allocated; est_live_bytes scales the samples up):"
	info "the profile" --no-summary --profile -n 10
	echo
	echo "Charts (scripts/goslab-plot):"
	if plotted=$(scripts/goslab-plot -d "$snap" -o "$charts"); then
		mapfile -t pngs <<<"$plotted"
		printf '  %s\n' "${pngs[@]}"
	else
		problem "goslab-plot failed"
	fi
fi
echo

# The judge's verdict, unless it passed a boot whose results the host
# could not show.
status=0
verdict=$(scripts/vm/judge.py "$log" --name "run ($v, ${secs} s)" --rc "$rc" \
	--timeout "$limit" --expect-script) || status=1
if [ "$status" = 0 ] && [ ${#problems[@]} != 0 ]; then
	result FAIL "run ($v, ${secs} s): $(IFS=';'; echo "${problems[*]}")"
	status=1
else
	echo "$verdict"
fi
[ ! -d "$snap" ] || echo "run: every table: scripts/goslabinfo -d $snap --all"
echo "run: full console log: $log"
exit "$status"
