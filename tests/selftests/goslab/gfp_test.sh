#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# goslab kselftest: __GFP_NOFAIL under the kernel's own fault injection.
#
# fail_page_alloc, with its task filter, fails every page allocation of a
# task that set make_it_fail, except those with __GFP_NOFAIL. After a full
# scavenge (so that no heap holds a free chunk) goslab_selftest_mod
# mode=nofail marks itself around its calls: a plain 4 MiB kmalloc must
# fail, the same with __GFP_NOFAIL (kmalloc, kmalloc_node, a stack, and a
# 32 KiB kmalloc once the heap is full) must not. fail_page_alloc's
# settings are put back afterwards. Skips without CONFIG_FAIL_PAGE_ALLOC.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/selftests/goslab/ksft_helpers.sh
. "$here/ksft_helpers.sh"

fpa=$debugfs/fail_page_alloc
knobs="probability interval times space verbose task-filter ignore-gfp-wait ignore-gfp-highmem min-order"
injected=1000000

[ "$(id -u)" = 0 ] || _skip_all "must be run as root"
[ -d "$fpa" ] || _skip_all "no $fpa (CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAULT_INJECTION_DEBUG_FS)"
_need_ko goslab_selftest_mod

_start
saved=$(mktemp -d) || _skip_all "no temporary directory"
for f in $knobs; do
	cat "$fpa/$f" >"$saved/$f"
done

_plan 3

# Every page allocation of a marked task fails; nothing else changes.
echo 0 >"$fpa/probability"
echo 0 >"$fpa/verbose"
echo Y >"$fpa/task-filter"
echo N >"$fpa/ignore-gfp-wait"
echo N >"$fpa/ignore-gfp-highmem"
echo 0 >"$fpa/min-order"
echo 1 >"$fpa/interval"
echo 0 >"$fpa/space"
echo $injected >"$fpa/times"
echo 100 >"$fpa/probability"

echo 1 >"$dir/scavenge"
_load "$ko" mode=nofail
rc=$?
left=$(cat "$fpa/times")

echo 0 >"$fpa/probability"
for f in $knobs; do
	[ "$f" = probability ] || cat "$saved/$f" >"$fpa/$f"
done
cat "$saved/probability" >"$fpa/probability"
rm -rf "$saved"

[ "$left" -lt $injected ]
_result $? "fail_page_alloc failed page allocations ($((injected - left)) injected)"
_result $rc "plain requests fail, __GFP_NOFAIL ones succeed (goslab_selftest_mod mode=nofail)"
if [ $rc = 0 ]; then
	_unload goslab_selftest_mod
	_result $? "goslab_selftest_mod unloads"
else
	_result 1 "goslab_selftest_mod unloads"
fi

_finish
