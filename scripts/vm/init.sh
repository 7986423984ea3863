#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /init of goslab's test VM (busybox sh, runs as PID 1 in the initramfs).
#
# Every line the host judges starts with "goslab-vm: " (see
# Documentation/testing.rst). The mode comes from /goslab/mode:
#   test: load goslab.ko and the KUnit modules, print every KUnit suite's
#         results, run the kselftests, load the late KUnit modules and
#         print their results, unload everything;
#   run:  load goslab.ko and the sample client, print goslab's debugfs files.
#   script: load goslab.ko, run /goslab/script.sh (benchmarks, stress runs),
#         unload everything and check kmemleak.
# The host bounds the time; this script ends with "goslab-vm: done" and
# poweroff -f, whatever happened before.
#
# In test mode, optional lists (one name a line) choose what runs:
#   /goslab/kunit-suites  one pass per line: KUnit's filter_glob is set to
#                         the line, goslab.ko and the KUnit modules are
#                         loaded (so only the matching suites run, goslab's
#                         internal ones included), the results printed and
#                         everything unloaded; without the file, one pass
#                         runs every suite
#   /goslab/kselftests    the kselftests to run, in order (default: all)
#   /goslab/kunit-late    tests/kunit modules loaded only after the
#                         kselftests: suites that make the kernel report on
#                         purpose (a KASAN report taints the kernel, and
#                         that turns lock debugging off for what follows)

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
	# A KCSAN kernel's counters: how much it watched, what it found.
	[ -r /sys/kernel/debug/kcsan ] &&
		grep ': ' /sys/kernel/debug/kcsan | sed 's/^/goslab-vm: kcsan /'
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

# listed FILE NAME: NAME is a line of FILE.
listed() {
	grep -qx "$2" "$1" 2>/dev/null
}

# print_kunit: the results of every suite not printed yet.
printed=" "
print_kunit() {
	for d in /sys/kernel/debug/kunit/*; do
		[ -f "$d/results" ] || continue
		s=$(basename "$d")
		case "$printed" in
		*" $s "*) continue ;;
		esac
		printed="$printed$s "
		say "kunit-begin $s"
		cat "$d/results"
		say "kunit-end $s"
	done
}

# KUnit's filter_glob applies to each module as it is loaded. No newline:
# a string parameter keeps what it is given.
glob=/sys/module/kunit/parameters/filter_glob
set_glob() {
	[ -w $glob ] && printf '%s' "$1" >$glob
}

# load_kunit: goslab.ko (its internal suites run now) and every KUnit
# module that is not a late one.
load_kunit() {
	load $top/goslab.ko || finish
	for m in "$top"/tests/kunit/*.ko; do
		[ -f "$m" ] || continue
		listed $top/kunit-late "$(basename "$m" .ko)" || load "$m"
	done
}

kmemleak_baseline
if [ -f $top/kunit-suites ]; then
	while read -r g; do
		[ -n "$g" ] || continue
		set_glob "$g"
		before=$printed
		load_kunit
		print_kunit
		[ "$printed" != "$before" ] || say "kunit-none $g"
		unload_all
		printed=" "
	done <$top/kunit-suites
	# The kselftests need goslab loaded: no suite runs this time.
	set_glob "goslab-vm-no-suite"
	load $top/goslab.ko || finish
else
	load_kunit
	# KUnit suites ran at module load; their results go away at rmmod.
	print_kunit
fi

# kselftests find the test modules through GOSLAB_MODULES.
export GOSLAB_MODULES=$top
if [ -f $top/kselftests ]; then
	selected=$(sed "s|^|$top/tests/selftests/goslab/|" $top/kselftests)
else
	selected=$(ls "$top"/tests/selftests/goslab/*.sh 2>/dev/null)
fi
for t in $selected; do
	if [ ! -f "$t" ]; then
		say "kselftest-missing $(basename "$t")"
		continue
	fi
	case "$(basename "$t")" in
	_*|*_helpers.sh) continue ;;
	esac
	say "kselftest-begin $(basename "$t")"
	(cd "$(dirname "$t")" && sh "./$(basename "$t")")
	say "kselftest-end $(basename "$t") rc=$?"
done

# The late KUnit modules, last of all, with every suite of theirs.
if [ -f $top/kunit-late ]; then
	[ -f $top/kunit-suites ] && set_glob "*"
	while read -r m; do
		[ -f "$top/tests/kunit/$m.ko" ] && load "$top/tests/kunit/$m.ko"
	done <$top/kunit-late
	print_kunit
fi

unload_all
kmemleak_check
finish
