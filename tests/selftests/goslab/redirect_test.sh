#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# goslab kselftest: memory crossing goslab's switch. goslab_redirect_test
# (tests/modules/redirect_test.c, built with goslab/slab-redirect.h) runs
# its cases at load: core memory freed, sized and reallocated through the
# switch must go back to the core, each counted once in debugfs
# "redirect"; goslab memory on paths the core drives (kfree_link through
# do_delayed_call(), kfree_rcu, a mempool on a switched cache) is freed by
# goslab without a refusal; one pointer nobody owns is refused as
# invalid_pointer. Then its own checks ("result") must have passed.
#
# Runs under busybox sh or bash, as root. TAP output; exit 4 to skip.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/selftests/goslab/ksft_helpers.sh
. "$here/ksft_helpers.sh"

[ -d "$dir" ] || _skip_all "goslab is not loaded (no $dir)"
ko=$(_find_ko goslab_redirect_test)
[ -n "$ko" ] || _skip_all "no goslab_redirect_test.ko"

# What one load adds to each counter (tests/modules/redirect_test.c).
expect="caches_created 1
core_kfree 6
core_ksize 1
core_krealloc 1
core_kfree_rcu 1
core_kfree_const 1
core_cache_alloc 1
core_cache_free 1
kvfree_vfree 1"
_plan 12

t=${TMPDIR:-/tmp}/goslab-rt.$$
sed 's/: / /' "$dir/redirect" >"$t.before"
sed 's/: / /' "$dir/refused" >"$t.refused.before"
_load "$ko"
_result $? "insmod goslab_redirect_test (cases run at load)"
sed 's/: / /' "$dir/redirect" >"$t.after"
sed 's/: / /' "$dir/refused" >"$t.refused.after"
res=$(cat /sys/module/goslab_redirect_test/parameters/result 2>/dev/null)
[ "$res" = 0 ]
_result $? "the module's own checks passed (result ${res:-missing})"

# _grew BEFORE AFTER: "key+n" for every counter that grew, on one line.
_grew() {
	awk 'FNR == NR { b[$1] = $2; next }
	     $2 != b[$1] { printf "%s%s+%d", sep, $1, $2 - b[$1]; sep = " " }' "$1" "$2"
}

echo "$expect" >"$t.expect"
while read -r key want; do
	got=$(awk -v k="$key" 'FNR == NR { if ($1 == k) b = $2; next }
			       $1 == k { print $2 - b }' "$t.before" "$t.after")
	[ "$got" = "$want" ]
	_result $? "redirect: $key grew by $want (got ${got:-nothing})"
done <"$t.expect"
refused=$(_grew "$t.refused.before" "$t.refused.after")
[ "$refused" = "invalid_pointer+1" ]
_result $? "refused: only the pointer nobody owns (grew: ${refused:-nothing})"
_unload goslab_redirect_test
rm -f "$t".*
[ $_failed = 0 ] || exit $ksft_fail
exit $ksft_pass
