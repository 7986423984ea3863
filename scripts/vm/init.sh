#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /init of goslab's test VM (busybox sh, runs as PID 1 in the initramfs).
#
# Every line the host judges starts with "goslab-vm: " (see
# Documentation/testing.rst). The mode comes from /goslab/mode:
#   test: load goslab.ko and the KUnit modules, print every KUnit suite's
#         results, run the kselftests, unload everything;
#   run:  load goslab.ko and the sample client, print goslab's debugfs files.
#   script: load goslab.ko, run /goslab/script.sh (benchmarks, stress runs),
#         unload everything and check kmemleak.
# The host bounds the time; this script ends with "goslab-vm: done" and
# poweroff -f, whatever happened before.

/bin/busybox mkdir -p /bin /sbin /usr/bin /usr/sbin /proc /sys /dev /tmp
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp 2>/dev/null

top=/goslab
mode=$(cat $top/mode)
loaded=

say() {
	echo "goslab-vm: $*"
}

# load FILE.ko: insmod it, with the NAME.param=value options of the kernel
# command line as modprobe would pass them, and remember it for the unload.
load() {
	name=$(basename "$1" .ko)
	# shellcheck disable=SC2046 # one word per option
	insmod "$1" $(tr ' ' '\n' </proc/cmdline | sed -n "s/^$name\.//p")
	rc=$?
	say "insmod $(basename "$1") rc=$rc"
	if [ $rc = 0 ]; then
		loaded="$(basename "$1" .ko) $loaded"
	fi
	return $rc
}

# Unload in reverse order of loading; goslab, loaded first, goes last.
unload_all() {
	for m in $loaded; do
		rmmod "$m"
		say "rmmod $m rc=$?"
	done
	loaded=
}

# kmemleak, when the kernel has it: one scan after everything is unloaded
# reports what the modules left behind. Boot-time suspects are cleared first
# (kmemleak_baseline) so only new ones count.
kmemleak_baseline() {
	[ -w /sys/kernel/debug/kmemleak ] || return 0
	say "kmemleak-baseline begin"
	echo scan >/sys/kernel/debug/kmemleak
	echo clear >/sys/kernel/debug/kmemleak
	say "kmemleak-baseline end"
}

kmemleak_check() {
	[ -w /sys/kernel/debug/kmemleak ] || return 0
	# An object must stay unreferenced over two scans to be reported.
	echo scan >/sys/kernel/debug/kmemleak
	sleep 6
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak
	say "kmemleak checked"
}

finish() {
	say "done"
	sync
	poweroff -f
	sleep 60
}

say "start mode=$mode kernel=$(uname -r) cpus=$(nproc)" \
	"nodes=$(find /sys/devices/system/node -maxdepth 1 -name 'node[0-9]*' | wc -l)"

if [ "$mode" = run ]; then
	load $top/goslab.ko || finish
	[ -f $top/tests/modules/goslab_client.ko ] &&
		load $top/tests/modules/goslab_client.ko
	say "output begin"
	find /sys/kernel/debug/goslab -type f 2>/dev/null | sort |
	while read -r f; do
		echo "==> ${f#/sys/kernel/debug/goslab/} <=="
		cat "$f"
		echo
	done
	say "output end"
	unload_all
	finish
fi

if [ "$mode" = script ]; then
	kmemleak_baseline
	load $top/goslab.ko || finish
	export GOSLAB_MODULES=$top
	say "script-begin"
	sh $top/script.sh
	say "script-end rc=$?"
	unload_all
	kmemleak_check
	finish
fi

kmemleak_baseline
load $top/goslab.ko || finish
for m in "$top"/tests/kunit/*.ko; do
	[ -f "$m" ] && load "$m"
done

# KUnit suites ran at module load; their results go away at rmmod.
for d in /sys/kernel/debug/kunit/*; do
	[ -f "$d/results" ] || continue
	s=$(basename "$d")
	say "kunit-begin $s"
	cat "$d/results"
	say "kunit-end $s"
done

# kselftests find the test modules through GOSLAB_MODULES.
export GOSLAB_MODULES=$top
for t in "$top"/tests/selftests/goslab/*.sh; do
	[ -f "$t" ] || continue
	case "$(basename "$t")" in
	_*|*_helpers.sh) continue ;;
	esac
	say "kselftest-begin $(basename "$t")"
	(cd "$(dirname "$t")" && sh "./$(basename "$t")")
	say "kselftest-end $(basename "$t") rc=$?"
done

unload_all
kmemleak_check
finish
