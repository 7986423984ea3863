#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# goslab kselftest: the benchmark module builds, runs and unloads.
#
# Loads goslab_bench.ko for one short round at 0.1% of its iteration counts
# and checks that it printed a result line for every workload and none
# failed. No timing is judged here: "make bench" measures. Runs as root with
# goslab.ko loaded; the module is found as in goslab_test.sh. TAP output;
# exit 4 to skip.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/selftests/goslab/ksft_helpers.sh
. "$here/ksft_helpers.sh"

[ "$(id -u)" = 0 ] || _skip_all "must be run as root"
[ -d /sys/module/goslab ] || _skip_all "goslab is not loaded"
ko=$(_find_ko goslab_bench)
[ -n "$ko" ] || _skip_all "goslab_bench.ko not found"

# Every workload the module prints, as the first word after the prefix.
workloads="memory fastpath bulk bulk-loop kmalloc-n kmalloc-pair concurrent
remote-free one-alloc-n-free large large-pages prim"

echo "TAP version 13"
echo "1..$((3 + $(echo "$workloads" | wc -w)))"

out=$(insmod "$ko" rounds=1 scale=1 2>&1)
rc=$?
[ $rc = 0 ] || _diag "insmod $ko: ${out:-exit status $rc}"
_result $rc "goslab_bench loads (rounds=1 scale=1)"

# This run's lines: everything after the last "begin".
lines=$(dmesg | sed -n 's/.*goslab-bench: //p' |
	awk '/^begin / { n = 0 } { l[n++] = $0 } END { for (i = 0; i < n; i++) print l[i] }')
end=$(echo "$lines" | grep '^end ')
echo "$end" | grep -q 'failed=0'
rc=$?
[ $rc = 0 ] || _diag "end line: ${end:-missing}"
_result $rc "goslab_bench printed its end line with failed=0"

for w in $workloads; do
	got=$(echo "$lines" | grep -c "^$w ")
	bad=$(echo "$lines" | grep "^$w " | grep -c 'failed=1')
	if [ "$got" -gt 0 ] && [ "$bad" = 0 ]; then
		_result 0 "workload $w reported ($got lines)"
	else
		_diag "$w: $got lines, $bad failed"
		_result 1 "workload $w reported ($got lines)"
	fi
done

out=$(rmmod goslab_bench 2>&1)
rc=$?
[ $rc = 0 ] || _diag "rmmod goslab_bench: ${out:-exit status $rc}"
_result $rc "goslab_bench unloads"

_diag "$_failed of $_nr failed"
[ $_failed = 0 ] && exit $ksft_pass
exit $ksft_fail
