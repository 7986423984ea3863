#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# goslab kselftest: a leak costs only what is leaked. goslab is unloaded
# and loaded again here (skips when other modules use it, as the KUnit
# suites do). On a fresh goslab, goslab_leak_mod mode=destroy destroys a
# cache with one 128-byte object live: goslab may keep that object's span
# and nothing more; once the object is freed, nothing at all. Then
# mode=unload leaks one goslab_kmalloc(128) object for good, and goslab is
# unloaded: it must keep at most 2 pages, name kmalloc-128, and give back
# the rest, measured as the kernel's free pages (buddy and per-CPU lists,
# /proc/zoneinfo) before and after, less what a clean unload in the same
# state gives back. goslab's deliberate reports sit between expect-splat
# markers. TAP output.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/selftests/goslab/ksft_helpers.sh
. "$here/ksft_helpers.sh"

# _summary KEY: one value of debugfs summary.
# _held: pages goslab's heaps hold, after a full scavenge.
_held() {
	echo 1 >"$dir/scavenge"
	_summary pages_held
}

# _free_pages: free pages of every zone, in the buddy allocator and on
# the per-CPU lists (order-0 frees wait there).
_free_pages() {
	awk '$1 == "nr_free_pages" { f += $2 } $1 == "count:" { p += $2 }
	     END { print f + p }' /proc/zoneinfo
}

_splat() {
	echo "goslab-test: expect-splat $1" >/dev/kmsg
}

# _reload: goslab.ko with the options of the kernel command line.
_reload() {
	# shellcheck disable=SC2046 # one word per option
	_load "$goslab" $(tr ' ' '\n' </proc/cmdline | sed -n 's/^goslab\.//p')
}

[ "$(id -u)" = 0 ] || _skip_all "must be run as root"
[ -d "$dir" ] || _skip_all "goslab is not loaded"
leak=$(_find_ko goslab_leak_mod)
goslab=$(_find_ko goslab)
case "$goslab" in
*.ko) ;;
*) _skip_all "goslab.ko not found" ;;
esac
[ -n "$leak" ] || _skip_all "goslab_leak_mod.ko not found"
users=$(cat /sys/module/goslab/refcnt 2>/dev/null)
[ "$users" = 0 ] || _skip_all "goslab is in use (refcnt ${users:-?}): cannot unload it"
_unload goslab || _skip_all "cannot unload goslab"
_reload || _skip_all "cannot load goslab again"

_plan 5

# 1-2: a cache destroyed with one live object.
held0=$(_held)
_load "$leak" mode=destroy
rc=$?
held1=$(_held)
dmesg | grep "cache 'goslab_leak_destroy'" | tail -n 1 | sed 's/^/# /'
_diag "pages held: $held0 before, $held1 after the destroy"
[ $rc = 0 ] && [ $((held1 - held0)) -le 8 ]
_result $? "a cache destroyed with one object live keeps its span only"
_unload goslab_leak_mod
rc=$?
held2=$(_held)
_diag "pages held once the object is freed: $held2"
[ $rc = 0 ] && [ "$held2" = "$held0" ]
_result $? "the object freed after the destroy: every page goes back"

# What a clean unload gives back besides the chunks (the module itself,
# its metadata), in the same state as the unload below: the base of test 4.
_load "$leak" leak_size=128 && _unload goslab_leak_mod
held=$(_held)
f0=$(_free_pages)
_unload goslab
f1=$(_free_pages)
base=$((f1 - f0 - held))
_reload

# 3-4: one object leaked at unload.
_load "$leak" mode=unload leak_size=128 && _unload goslab_leak_mod
held=$(_held)
meta=$(_summary pages_metadata)
before=$(_free_pages)
_splat begin
rmmod goslab
rc=$?
_splat end
after=$(_free_pages)
msg=$(dmesg | grep -E 'goslab: (unloaded|cache .* stay allocated|.*not returned)' | tail -n 4)
echo "$msg" | sed 's/^/# /'
kept=$(echo "$msg" | sed -n 's/.*unloaded: \([0-9]*\) pages stay allocated.*/\1/p')
_diag "goslab held $held pages in chunks and $meta of metadata; free pages $before before" \
	"the unload, $after after (+$((after - before))); a clean unload frees $base besides"
[ $rc = 0 ] && [ -n "$kept" ] && [ "$kept" -le 2 ] &&
	echo "$msg" | grep -q "cache 'kmalloc-128': 1 objects stay allocated"
_result $? "unload with a 128-byte object live keeps ${kept:-?} pages, in kmalloc-128"
# Everything but the leak, less 256 pages for what the kernel did meanwhile.
[ $rc = 0 ] && [ "$held" -gt 0 ] &&
	[ $((after - before - base)) -ge $((held - ${kept:-0} - 256)) ]
_result $? "the rest goes back: $((after - before - base)) of the $held pages held"

_reload
_result $? "goslab loads again"

_diag "$_failed of $_nr failed"
[ $_failed = 0 ] && exit $ksft_pass
exit $ksft_fail
