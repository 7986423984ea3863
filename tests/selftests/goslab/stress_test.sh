#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# goslab kselftest: stress, fault injection, CPU hotplug, the shrinker and
# the misuse matrix, through tests/modules/goslab_stress.ko.
#
# Runs under busybox sh or bash, as root, with goslab.ko loaded (loaded and
# unloaded here if it is not). Test modules are looked for in
# $GOSLAB_MODULES, then beside this script in a built tree. TAP output; exit
# 4 to skip. Bounded: GOSLAB_STRESS_MS (default 6000 per run on a debug
# kernel, 4000 on others) and two stress runs.

params=/sys/module/goslab/parameters
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/selftests/goslab/ksft_helpers.sh
. "$here/ksft_helpers.sh"

# _summary KEY: one value of debugfs summary.
# _scavenge: give every free page back, as the script's fixed point.
_scavenge() {
	echo 1 >"$dir/scavenge"
}

# _stress WHAT ARGS...: one run of the stress module; its verdict is insmod's.
_stress() {
	what=$1
	shift
	start=$(date +%s)
	out=$(insmod "$ko" "$@" 2>&1)
	rc=$?
	[ $rc = 0 ] || _diag "insmod goslab_stress $*: ${out:-exit status $rc}"
	dmesg | grep 'goslab_stress: ' | tail -n 20 | sed 's/^/# /'
	_diag "$what: $(($(date +%s) - start)) s"
	[ $rc != 0 ] || rmmod goslab_stress
	_result $rc "$what"
}

# _balance WHAT: after a full scavenge, goslab holds what it held before.
_balance() {
	_scavenge
	bad=0
	for k in pages_held pages_inuse pages_pcache large_objects caches; do
		v=$(_summary $k)
		eval "b=\$base_$k"
		if [ "$v" != "$b" ]; then
			_diag "$k: $b before, $v after"
			bad=1
		fi
	done
	if [ "$(_inuse)" != "$base_inuse" ]; then
		_diag "objects in use: $base_inuse before, $(_inuse) after"
		bad=1
	fi
	_result $bad "$1"
}

_baseline() {
	_scavenge
	for k in pages_held pages_inuse pages_pcache large_objects caches; do
		eval "base_$k=\$(_summary $k)"
	done
	base_inuse=$(_inuse)
}

_need_ko goslab_stress
_start

# A debug kernel (KASAN, lockdep) is several times slower: shorter runs.
if [ -d $debugfs/kunit ] || [ -d $debugfs/fail_page_alloc ]; then
	ms=${GOSLAB_STRESS_MS:-6000}
else
	ms=${GOSLAB_STRESS_MS:-4000}
fi
hp=0
if [ "$(grep -c ^processor /proc/cpuinfo)" -gt 1 ] &&
   [ -w /sys/devices/system/cpu/cpu1/online ]; then
	hp=1
fi

_plan 9
refused_before=$(_refused)
retain=$(cat $params/retain_percent)
# The background scavenger keeps everything: only the shrinker gives back.
echo 1000000 >$params/retain_percent
_baseline

# 1-2: every API on every CPU, hardirq and softirq, CPUs going away.
_stress "stress: all APIs, irq, hotplug=$hp, ${ms} ms" \
	duration_ms="$ms" hotplug=$hp
held=$(_summary pages_held)
scav=$(_summary pages_scavenged)

# 3: the shrinker gives back free memory (drop_caches runs every shrinker).
echo 2 >/proc/sys/vm/drop_caches
nscav=$(_summary pages_scavenged)
_diag "shrinker: held $held pages ($(_summary pages_inuse) in use), $((nscav - scav)) given back, $(_summary pages_held) held after"
if [ "$held" -gt "$(_summary pages_inuse)" ]; then
	[ "$nscav" -gt "$scav" ]
	_result $? "shrinker gives free pages back"
else
	_skip "shrinker gives free pages back" "no free pages held after the run"
fi
echo "$retain" >$params/retain_percent
_balance "stress: counts balance, pages back after a full scavenge"

# 4-6: goslab's first grows fail (interval 1, times 5: a slow kernel, KCSAN's,
# grows only a few times in a short run), and every tenth of the workers'
# page allocations (interval 10, probability 100); "times" counts down once
# per failure injected.
times=1000000
grow_times=5
if [ -d "$dir/fail_grow" ]; then
	fails0=$(_summary grow_failures)
	for f in "$dir/fail_grow" $debugfs/fail_page_alloc; do
		[ -d "$f" ] || continue
		echo 100 >"$f/probability"
		if [ "$f" = "$dir/fail_grow" ]; then
			echo 1 >"$f/interval"
			echo $grow_times >"$f/times"
		else
			echo 10 >"$f/interval"
			echo $times >"$f/times"
		fi
		echo 0 >"$f/verbose"
	done
	ft=0
	if [ -d $debugfs/fail_page_alloc ]; then
		echo Y >$debugfs/fail_page_alloc/task-filter
		echo N >$debugfs/fail_page_alloc/ignore-gfp-wait
		echo 0 >$debugfs/fail_page_alloc/min-order
		ft=1
	fi
	# Full scavenges all along, so that the heap keeps growing.
	flag=/tmp/goslab-stress.$$
	: >"$flag"
	(
		n=0
		while [ -e "$flag" ]; do
			echo 1 >"$dir/scavenge"
			n=$((n + 1))
			usleep 300000 2>/dev/null || sleep 1
		done
		echo "# $n full scavenges during the run"
	) &
	_stress "faults: fail_grow x$grow_times, fail_page_alloc=$ft, scavenging, ${ms} ms" \
		duration_ms="$ms" fail_task=1
	rm -f "$flag"
	wait
	injected=0
	for f in "$dir/fail_grow" $debugfs/fail_page_alloc; do
		[ -d "$f" ] || continue
		echo 0 >"$f/probability"
		echo 1 >"$f/interval"
		if [ "$f" = "$dir/fail_grow" ]; then
			n=$((grow_times - $(cat "$f/times")))
		else
			n=$((times - $(cat "$f/times")))
		fi
		_diag "$(basename "$f"): $n failures injected"
		injected=$((injected + n))
	done
	[ -d $debugfs/fail_page_alloc ] &&
		echo N >$debugfs/fail_page_alloc/task-filter
	fails=$(($(_summary grow_failures) - fails0))
	_diag "grows that failed: $fails"
	[ "$injected" -gt 0 ]
	_result $? "faults: failures injected"
	_balance "faults: counts balance, pages back after a full scavenge"
else
	_skip "faults: 10% fail_grow" "no fault injection in this kernel"
	_skip "faults: failures injected" "no fault injection in this kernel"
	_skip "faults: counts balance" "no fault injection in this kernel"
fi

# Nothing above was misuse.
if [ "$(_refused)" = "$refused_before" ]; then
	_result 0 "no refusals during the stress runs"
else
	_diag "refused before: $refused_before"
	_diag "refused after: $(_refused)"
	_result 1 "no refusals during the stress runs"
fi

# 8-9: the misuse matrix: each case counted as documented, nothing corrupted.
before=$(_refused)
_stress "misuse: every case refused, workload sound after each" mode=misuse
after=$(_refused)
bad=0
expected=$(dmesg | grep 'goslab_stress: misuse-expect ' | tail -n 9 |
	sed 's/.*misuse-expect //')
[ -n "$expected" ] || bad=1
echo "$expected" | {
	while read -r k n; do
		[ -n "$k" ] || continue
		b=$(echo "$before" | sed -n "s/^$k //p")
		a=$(echo "$after" | sed -n "s/^$k //p")
		if [ "$((a - b))" != "$n" ]; then
			echo "# $k: counted $((a - b)), expected $n"
			bad=1
		fi
	done
	exit $bad
}
_result $? "misuse: debugfs refused counts what was done"

_finish
