#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# goslab kselftest: the benchmark module builds, runs and unloads, in both
# of its modes.
#
# Loads goslab_bench.ko for one short round at 0.1% of its iteration counts,
# once as for wall time and once as for instruction counts (icount=1: the
# figures are read as instructions; without QEMU -icount they are
# meaningless, but every line of that mode is printed), and checks that
# each printed a result line for every workload, with the keys of its mode,
# and none failed; then runs the trace parameter once. No timing is judged
# here: "make bench" measures. Runs as root with goslab.ko loaded; the
# module is found as in goslab_test.sh. TAP output; exit 4 to skip.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/selftests/goslab/ksft_helpers.sh
. "$here/ksft_helpers.sh"

[ "$(id -u)" = 0 ] || _skip_all "must be run as root"
[ -d /sys/module/goslab ] || _skip_all "goslab is not loaded"
ko=$(_find_ko goslab_bench)
[ -n "$ko" ] || _skip_all "goslab_bench.ko not found"

# Every workload each mode prints, as the first word after the prefix.
wall="memory fastpath bulk bulk-loop kmalloc-n kmalloc-pair concurrent
remote-free one-alloc-n-free large large-pages prim budget"
icount="fastpath bulk bulk-loop kmalloc-n kmalloc-pair large large-pages prim
budget"
# The key each mode's lines carry (the empty loop's for the timed pairs).
wall_key=loop_ns
icount_key=loop_in

echo "TAP version 13"
echo "1..$((9 + $(echo "$wall $icount" | wc -w)))"

# _run MODE ARGS...: load and unload the module; its lines in $lines.
_run() {
	mode=$1
	shift
	out=$(insmod "$ko" rounds=1 scale=1 "$@" 2>&1)
	rc=$?
	[ $rc = 0 ] || _diag "insmod $ko $*: ${out:-exit status $rc}"
	_result $rc "goslab_bench loads ($mode: rounds=1 scale=1${*:+ $*})"
	# This run's lines: everything after the last "begin".
	lines=$(dmesg | sed -n 's/.*goslab-bench: //p' |
		awk '/^begin / { n = 0 } { l[n++] = $0 } END { for (i = 0; i < n; i++) print l[i] }')
	end=$(echo "$lines" | grep '^end ')
	echo "$end" | grep -q 'failed=0'
	rc=$?
	[ $rc = 0 ] || _diag "$mode end line: ${end:-missing}"
	_result $rc "goslab_bench ($mode) printed its end line with failed=0"
	out=$(rmmod goslab_bench 2>&1)
	rc=$?
	[ $rc = 0 ] || _diag "rmmod goslab_bench: ${out:-exit status $rc}"
	_result $rc "goslab_bench unloads ($mode)"
}

# _check MODE KEY WORKLOADS: every workload has lines, none failed, and the
# fast-path pair carries the mode's key.
_check() {
	mode=$1
	key=$2
	for w in $3; do
		got=$(echo "$lines" | grep -c "^$w ")
		bad=$(echo "$lines" | grep "^$w " | grep -c 'failed=1')
		if [ "$got" -gt 0 ] && [ "$bad" = 0 ]; then
			_result 0 "$mode: workload $w reported ($got lines)"
		else
			_diag "$mode: $w: $got lines, $bad failed"
			_result 1 "$mode: workload $w reported ($got lines)"
		fi
	done
	if echo "$lines" | grep '^fastpath ' | grep -q " $key="; then
		_result 0 "$mode: the fast-path line has $key"
	else
		_diag "$mode: $(echo "$lines" | grep '^fastpath ')"
		_result 1 "$mode: the fast-path line has $key"
	fi
}

# Wall time: dmesg keeps both runs; each is read right after it.
_run wall
_check wall "$wall_key" "$wall"
_run icount icount=1 repeat=1 label=smoke \
	workloads=fastpath,bulk,kmalloc,large,primitives,budget
_check icount "$icount_key" "$icount"

# The trace parameter: a few pairs of each kind, and a bulk of 8, on
# demand; a count that is not a multiple of the bulk is refused.
if out=$(insmod "$ko" workloads=none 2>&1); then
	rc=0
	echo 8 >/sys/module/goslab_bench/parameters/trace || rc=1
	if echo 2 >/sys/module/goslab_bench/parameters/trace 2>/dev/null; then
		_diag "trace=2 was taken: not a multiple of 8"
		rc=1
	fi
	rmmod goslab_bench || rc=1
else
	_diag "insmod $ko workloads=none: $out"
	rc=1
fi
_result $rc "goslab_bench runs pairs and bulks on a write to its trace parameter"

_diag "$_failed of $_nr failed"
[ $_failed = 0 ] && exit $ksft_pass
exit $ksft_fail
