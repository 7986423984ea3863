#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# goslab kselftest: races on the free path, through
# tests/modules/goslab_race.ko (one load per case; the module's verdict is
# its parameter "result"), with the refusals counted in debugfs:
#
#   shrink       frees into shared spans from two CPUs while a third shrinks
#                the cache and a fourth churns 64 KiB objects, with a slow
#                interrupt on one freeing CPU
#   release      a free whose span another context empties and a 64 KiB
#                object reuses in the middle of it (an interrupt on the
#                freeing CPU does both)
#   destroy_rcu  goslab_cache_destroy() right after goslab_kfree_rcu()
#   double_free  one object freed by two CPUs at once, over and over
#   irq_free     one object freed by a task and by a hardirq on its CPU
#
# usage: race_test.sh [CASE...] (default: all five, in this order)
#
# Runs under busybox sh or bash, as root, with goslab.ko loaded (loaded and
# unloaded here if it is not). TAP output; exit 4 to skip. Bounded: a few
# seconds per case (GOSLAB_RACE_MS, default 4000, 3000 on a debug kernel);
# GOSLAB_RACE_ROUNDS bounds the double frees (default 3000: each refusal is
# a report of several milliseconds, so the time bounds them first).

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/selftests/goslab/ksft_helpers.sh
. "$here/ksft_helpers.sh"

# _summary KEY: one value of $sum, a read of debugfs summary (each read
# of it or of caches takes seconds on a debug kernel: read once).
_summary() {
	echo "$sum" | sed -n "s/^$1: //p"
}

# _refused: debugfs refused, one "key value" line per kind.
_refused() {
	sed 's/: / /' "$dir/refused"
}

# _inuse: objects in use over every cache (debugfs caches, column inuse).
_inuse() {
	awk 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "inuse") c = i; next }
	     { n += $c } END { print n + 0 }' "$dir/caches"
}

# _baseline, _balance WHAT: goslab holds in spans, large objects and caches
# what it held before (no scavenge: a full one takes seconds on a debug
# kernel, and pages in spans are what a kept cache would hold).
_baseline() {
	sum=$(cat "$dir/summary")
	for k in pages_inuse large_objects caches; do
		eval "base_$k=\$(_summary $k)"
	done
	base_inuse=$(_inuse)
}

_balance() {
	bad=0
	sum=$(cat "$dir/summary")
	for k in pages_inuse large_objects caches; do
		v=$(_summary $k)
		eval "b=\$base_$k"
		# Pages in spans may go down: an earlier test's empty spans
		# (fs_test's caches) can go back meanwhile. More is a leak.
		if [ "$k" = pages_inuse ] && [ "$v" -le "$b" ]; then
			continue
		fi
		if [ "$v" != "$b" ]; then
			_diag "$k: $b before, $v after"
			bad=1
		fi
	done
	inuse=$(_inuse)
	if [ "$inuse" != "$base_inuse" ]; then
		_diag "objects in use: $base_inuse before, $inuse after"
		bad=1
	fi
	_result $bad "$1"
}

# _race WHAT ARGS...: one load of the module, which reports in its
# parameters: "result" its verdict (2: nothing wrong, but it did not race:
# a skip), "expect_double_free" the double frees it made (kept in $expect),
# "report" what it did and found.
_race() {
	what=$1
	shift
	start=$(date +%s)
	expect=
	rc=1
	if out=$(insmod "$ko" "$@" 2>&1); then
		p=/sys/module/goslab_race/parameters
		rc=$(cat $p/result)
		expect=$(cat $p/expect_double_free)
		tr ';' '\n' <$p/report | sed 's/^ */# /'
		rmmod goslab_race
	else
		_diag "insmod goslab_race $*: ${out:-failed}"
	fi
	_diag "$what: $(($(date +%s) - start)) s"
	if [ "$rc" = 2 ]; then
		_skip "$what" "did not race (too few double frees or landings in the time)"
	else
		_result "$rc" "$what"
	fi
}

# _counted WHAT: the refusals since $before are $expect double frees (from
# the last _race) and nothing else.
_counted() {
	after=$(_refused)
	bad=0
	if [ -z "$expect" ]; then
		_diag "the module did not run"
		bad=1
	fi
	for k in $(echo "$after" | cut -d ' ' -f 1); do
		b=$(echo "$before" | sed -n "s/^$k //p")
		a=$(echo "$after" | sed -n "s/^$k //p")
		want=0
		[ "$k" != double_free ] || want=${expect:-0}
		if [ "$((a - b))" != "$want" ]; then
			_diag "$k: counted $((a - b)), expected $want"
			bad=1
		fi
	done
	_result $bad "$1"
}

_need_ko goslab_race
_start

# A debug kernel (KASAN, lockdep, kmemleak) is several times slower:
# shorter runs, fewer spans, slower interrupts (each costs it tens of us).
if [ -d $debugfs/kunit ] || [ -d $debugfs/fail_page_alloc ]; then
	ms=${GOSLAB_RACE_MS:-3000}
	slow="irq_period_us=100 period_us=400 sweep=4000"
	spans=8
else
	ms=${GOSLAB_RACE_MS:-4000}
	slow=
	spans=64
fi
rounds=${GOSLAB_RACE_ROUNDS:-3000}
cpus=$(grep -c ^processor /proc/cpuinfo)
# Objects per span of a 64-byte cache: what release aims at.
per_span=$(awk 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "objs_per_span") c = i; next }
		$1 == "kmalloc-64" { print $c; exit }' "$dir/caches")

# The clients that are correct first: on a KASAN kernel each refused double
# free is also a KASAN report, and the first one turns lockdep off.
cases=${*:-shrink release destroy_rcu double_free irq_free}
plan=0
for c in $cases; do
	case $c in
	double_free | irq_free | release) plan=$((plan + 2)) ;;
	shrink | destroy_rcu) plan=$((plan + 3)) ;;
	*) _skip_all "unknown case $c" ;;
	esac
done
_plan $plan

for c in $cases; do
	before=$(_refused)
	case $c in
	double_free)
		w="double free from two CPUs"
		if [ "$cpus" -lt 2 ]; then
			_skip "$w: nothing handed out twice" "needs 2 CPUs"
			_skip "$w: each refused once" "needs 2 CPUs"
			continue
		fi
		# shellcheck disable=SC2086 # $slow: several arguments
		_race "$w: nothing handed out twice or clobbered" \
			test=double_free rounds="$rounds" duration_ms="$ms" $slow
		_counted "$w: each refused exactly once"
		;;
	irq_free)
		w="double free from an interrupt on the owner's CPU"
		# shellcheck disable=SC2086
		_race "$w: nothing handed out twice or clobbered" \
			test=irq_free rounds="$rounds" duration_ms="$ms" $slow
		_counted "$w: each refused exactly once"
		;;
	shrink)
		w="frees into shared spans against shrink and 64 KiB churn"
		if [ "$cpus" -lt 4 ]; then
			for t in "no clobber, everything freed" "no refusal" \
				 "counts balance"; do
				_skip "$w: $t" "needs 4 CPUs"
			done
			continue
		fi
		_baseline
		# shellcheck disable=SC2086
		_race "$w: ${ms} ms, no clobber, everything freed, cache empty" \
			test=shrink duration_ms="$ms" $slow
		_counted "$w: no refusal"
		_balance "$w: pages, objects and caches as before"
		;;
	release)
		w="span released and reused under a free"
		# shellcheck disable=SC2086
		_race "$w: the interrupt empties the span, a 64 KiB object takes its struct" \
			test=release duration_ms="$ms" per_span="${per_span:-128}" \
			spans=$spans $slow
		_counted "$w: no refusal"
		;;
	destroy_rcu)
		w="destroy right after kfree_rcu"
		_baseline
		_race "$w: one object, then 1000, each cache destroyed at once" \
			test=destroy_rcu
		_counted "$w: no cache reported destroyed with live objects"
		_balance "$w: memory given back, no cache kept"
		;;
	esac
done

_finish
