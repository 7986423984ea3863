#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# goslab memory-pressure test, for scripts/stress.sh (the "_" keeps it out of
# the quick runs of make check): goslab holds free memory, goslab_stress
# mode=pressure takes every free page of the machine until the buddy
# allocator refuses, so reclaim runs and calls goslab's shrinker. goslab
# must give its free pages back and keep serving. TAP; exit 4 to skip.

params=/sys/module/goslab/parameters
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/selftests/goslab/ksft_helpers.sh
. "$here/ksft_helpers.sh"

[ -d /sys/module/goslab ] || _skip_all "goslab not loaded"
_need_ko goslab_stress
_plan 3
retain=$(cat $params/retain_percent)
echo 1 >"$dir/scavenge"
base=$(_summary pages_held)
# Only the shrinker may give pages back during the run.
echo 1000000 >$params/retain_percent
scav=$(_summary pages_scavenged)
echo "# before: $(grep MemFree /proc/meminfo)"
start=$(date +%s)
out=$(insmod "$ko" mode=pressure 2>&1)
rc=$?
[ $rc = 0 ] || echo "# insmod: ${out:-exit status $rc}"
[ $rc != 0 ] || rmmod goslab_stress
dmesg | grep 'goslab_stress: pressure' | tail -n 4 | sed 's/^/# /'
echo "# pressure run: $(($(date +%s) - start)) s"
_result $rc "pressure: goslab serves while memory is short"

given=$(($(_summary pages_scavenged) - scav))
echo "# shrinker gave back $given pages; held now $(_summary pages_held)," \
	"in use $(_summary pages_inuse)"
[ "$given" -gt 0 ]
_result $? "pressure: the shrinker gave free pages back"
echo "$retain" >$params/retain_percent

inuse=$(_summary pages_inuse)
echo 1 >"$dir/scavenge"
echo "# after a full scavenge: held $(_summary pages_held) ($base before)," \
	"in use $inuse, $(grep MemFree /proc/meminfo)"
[ "$(_summary pages_held)" = "$base" ]
_result $? "pressure: after a full scavenge goslab holds what it held before"

_finish
