#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# goslab kselftest: every statistic a known workload touches moves by exactly
# what it should, the heap profile shows the workload's call sites, and the
# goslab tracepoints record the workload while enabled and nothing after.
#
# The workload is tests/modules/goslab_stats_mod.ko: N objects of S bytes
# from goslab_kmalloc() and from a cache, M of each freed, L large objects,
# one refused double free. With the workload loaded, the debugfs directory is
# printed between "# goslab-snapshot begin" and "# goslab-snapshot end", each
# line behind "# ", for the host's goslabinfo and goslab-plot tests.
#
# Runs under busybox sh or bash, as root. TAP output; exit 4 to skip.
#
# Snapshot paths and cache names hold no spaces; they are left unquoted.
# shellcheck disable=SC2086

S=100
N=1000
M=400
L=2
LARGE_BYTES=65536

param=/sys/module/goslab/parameters
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/selftests/goslab/ksft_helpers.sh
. "$here/ksft_helpers.sh"
tmp=${TMPDIR:-/tmp}/goslab-stats.$$

# _snap DIR: copy every debugfs file of goslab (not fail_grow/) into DIR.
_snap() {
	mkdir -p "$1"
	for f in "$dir"/*; do
		[ -f "$f" ] || continue
		cat "$f" >"$1/$(basename "$f")" 2>/dev/null
	done
}

# _key FILE KEY: the value of a "key: value" line.
_key() {
	awk -v k="$2" -F': ' '$1 == k { print $2; found = 1; exit }
		END { if (!found) print 0 }' "$1"
}

# _cell FILE ROW COLUMN: the COLUMN of the row whose first field is ROW;
# COLUMN may be a sum such as alloc_fast+alloc_slow. 0 if there is no row.
_cell() {
	awk -v k="$2" -v c="$3" '
		NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
		$1 == k { n = split(c, w, "+"); v = 0
			  for (i = 1; i <= n; i++) v += $(h[w[i]]); print v; found = 1; exit }
		END { if (!found) print 0 }' "$1"
}

# _sum FILE COLUMN: the COLUMN summed over all rows.
_sum() {
	awk -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) col = i; next }
		{ v += $col } END { print v + 0 }' "$1"
}

# _site FILE SYMBOL COLUMN: COLUMN of profile summed over the call sites in
# function SYMBOL (a module loaded twice has two sites of one name).
_site() {
	awk -v s="$2" -v c="$3" '
		NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
		index($0, " " s "+") { v += $(h[c]) } END { print v + 0 }' "$1"
}

# _expect WHAT GOT WANT: diagnostic when they differ; status 0 if equal.
_expect() {
	if [ "$2" = "$3" ]; then
		return 0
	fi
	_diag "$1: got $2, want $3"
	return 1
}

# _delta NAME A B WANT: B - A must be WANT.
_delta() {
	_expect "$1 moved by" "$(($3 - $2))" "$4"
}

_start
wl=$(_find_ko goslab_stats_mod)
[ -n "$wl" ] || _skip_all "goslab_stats_mod.ko not found"
[ -f "$dir/profile" ] || _skip_all "this goslab has no heap profile"

_plan 14
rm -rf "$tmp"
mkdir -p "$tmp"

# Sample every allocation, so the profile counts are exact.
old_rate=$(cat $param/profile_rate)
echo 1 >$param/profile_rate

# The kmalloc class of S bytes: the smallest class of at least S.
# Rows of classes are found by class number (CN), caches by name (K).
CN=$(awk -v s=$S 'NR > 1 && $2 >= s { print $1; exit }' "$dir/classes")
C=$(awk -v s=$S 'NR > 1 && $2 >= s { print $2; exit }' "$dir/classes")
K=kmalloc-$C
_diag "workload: $N x $S bytes (class $C), $M freed, $L large"

# 1: the workload runs. Give every free page back first, so that the
# background scavenger has nothing to release while the numbers are taken.
echo 1 >"$dir/scavenge"
_snap "$tmp/before"
_load "$wl" size=$S count=$N nfree=$M large=$L refuse=1
wl_rc=$?
_result $wl_rc "workload module loads"
_snap "$tmp/after"
b=$tmp/before
a=$tmp/after

# 2: the kmalloc cache of the class.
bad=0
_delta "$K alloc" "$(_cell $b/caches $K alloc_fast+alloc_slow)" "$(_cell $a/caches $K alloc_fast+alloc_slow)" $N || bad=1
_delta "$K free" "$(_cell $b/caches $K free)" "$(_cell $a/caches $K free)" $M || bad=1
_delta "$K inuse" "$(_cell $b/caches $K inuse)" "$(_cell $a/caches $K inuse)" $((N - M)) || bad=1
_delta "$K alloc_fail" "$(_cell $b/caches $K alloc_fail)" "$(_cell $a/caches $K alloc_fail)" 0 || bad=1
_result $bad "caches: $K moved by the workload's kmallocs"

# 3: the workload's own cache (one more alloc and free: the refused one).
T=goslab_stats_test
bad=0
_expect "$T objsize" "$(_cell $a/caches $T objsize)" $S || bad=1
_expect "$T alloc" "$(_cell $a/caches $T alloc_fast+alloc_slow)" $((N + 1)) || bad=1
_expect "$T free" "$(_cell $a/caches $T free)" $((M + 1)) || bad=1
_expect "$T inuse" "$(_cell $a/caches $T inuse)" $((N - M)) || bad=1
_expect "$T free_refused" "$(_cell $a/caches $T free_refused)" 1 || bad=1
_expect "$T pages" "$(_cell $a/caches $T pages)" \
	$(($(_cell $a/caches $T spans) * $(_cell $a/caches $T pages_per_span))) || bad=1
[ "$(_cell $a/caches $T total)" -ge $((N - M)) ] || { _diag "$T total < inuse"; bad=1; }
_result $bad "caches: $T counts the workload exactly"

# 4: the size class, with its live waste.
bad=0
_delta "class $C inuse" "$(_cell $b/classes $CN inuse)" "$(_cell $a/classes $CN inuse)" $((N - M)) || bad=1
_delta "class $C live_objs" "$(_cell $b/classes $CN live_objs)" "$(_cell $a/classes $CN live_objs)" $((N - M)) || bad=1
_delta "class $C live_req_bytes" "$(_cell $b/classes $CN live_req_bytes)" "$(_cell $a/classes $CN live_req_bytes)" $(((N - M) * S)) || bad=1
_delta "class $C live_waste_bytes" "$(_cell $b/classes $CN live_waste_bytes)" "$(_cell $a/classes $CN live_waste_bytes)" $(((N - M) * (C - S))) || bad=1
_result $bad "classes: live objects, requested bytes and waste of class $C"

# 5: refused.
bad=0
for k in double_free invalid_pointer interior_pointer wrong_cache; do
	want=0
	[ $k = double_free ] && want=1
	_delta "refused $k" "$(_key $b/refused $k)" "$(_key $a/refused $k)" $want || bad=1
done
_result $bad "refused: one double free"

# 6: summary and nodes: large objects and pages.
bad=0
lpages=$((L * LARGE_BYTES / 4096))
_delta "large_objects" "$(_key $b/summary large_objects)" "$(_key $a/summary large_objects)" $L || bad=1
_delta "nodes large_objects" "$(_sum $b/nodes large_objects)" "$(_sum $a/nodes large_objects)" $L || bad=1
dpages=$(($(_sum $a/caches pages) - $(_sum $b/caches pages) + lpages))
_delta "pages_inuse" "$(_key $b/summary pages_inuse)" "$(_key $a/summary pages_inuse)" $dpages || bad=1
_delta "nodes inuse" "$(_sum $b/nodes inuse)" "$(_sum $a/nodes inuse)" $dpages || bad=1
_expect "pages_free" "$(_key $a/summary pages_free)" \
	$(($(_key $a/summary pages_held) - $(_key $a/summary pages_inuse) - $(_key $a/summary pages_pcache))) || bad=1
_result $bad "summary and nodes: large objects and pages in use"

# 7: per-CPU counters sum to the same moves.
bad=0
_delta "cpus alloc" "$(($(_sum $b/cpus alloc_fast) + $(_sum $b/cpus alloc_slow)))" \
	"$(($(_sum $a/cpus alloc_fast) + $(_sum $a/cpus alloc_slow)))" $((2 * N + 1)) || bad=1
_delta "cpus free" "$(_sum $b/cpus free)" "$(_sum $a/cpus free)" $((2 * M + 1)) || bad=1
_delta "cpus free_refused" "$(_sum $b/cpus free_refused)" "$(_sum $a/cpus free_refused)" 1 || bad=1
_result $bad "cpus: counters summed over CPUs"

# 8: the heap profile shows the call sites, sorted by live bytes.
bad=0
TS=$(_cell $a/caches $T size)
_delta "profile stats_kmalloc_many live_objs" "$(_site $b/profile stats_kmalloc_many live_objs)" "$(_site $a/profile stats_kmalloc_many live_objs)" $((N - M)) || bad=1
_delta "profile stats_kmalloc_many live_bytes" "$(_site $b/profile stats_kmalloc_many live_bytes)" "$(_site $a/profile stats_kmalloc_many live_bytes)" $(((N - M) * C)) || bad=1
_delta "profile stats_cache_alloc_many live_objs" "$(_site $b/profile stats_cache_alloc_many live_objs)" "$(_site $a/profile stats_cache_alloc_many live_objs)" $((N - M)) || bad=1
_delta "profile stats_cache_alloc_many live_bytes" "$(_site $b/profile stats_cache_alloc_many live_bytes)" "$(_site $a/profile stats_cache_alloc_many live_bytes)" $(((N - M) * TS)) || bad=1
_delta "profile stats_large_many live_bytes" "$(_site $b/profile stats_large_many live_bytes)" "$(_site $a/profile stats_large_many live_bytes)" $((L * LARGE_BYTES)) || bad=1
awk 'NR > 1 && NR > 2 && $1 > last { print "# profile not sorted at row " NR; bad = 1 }
	NR > 1 { last = $1 } END { exit bad }' $a/profile || bad=1
_result $bad "profile: live bytes and objects of the workload's call sites"

# 9: formats: modes, no kernel address anywhere.
bad=0
for f in "$dir"/*; do
	[ -f "$f" ] || continue
	want=444
	case "$(basename "$f")" in
	profile) want=400 ;;
	scavenge) want=644 ;;
	esac
	_expect "mode of $(basename "$f")" "$(stat -c %a "$f")" $want || bad=1
done
if grep -l -E '(0x)?ffff[0-9a-f]{12}' "$a"/* 2>/dev/null; then
	_diag "a kernel address in the files above"
	bad=1
fi
_result $bad "files: modes 0444 (profile 0400), no kernel address"

# The snapshot for the host's tool tests, taken while the workload is live.
echo "# goslab-snapshot begin"
for f in "$a"/*; do
	echo "# ==> $(basename "$f") <=="
	sed 's/^/# /' "$f"
done
echo "# goslab-snapshot end"

# 10: unloading the workload puts everything back.
bad=0
if [ $wl_rc = 0 ]; then
	_unload goslab_stats_mod || bad=1
fi
_snap "$tmp/gone"
g=$tmp/gone
_expect "$K inuse after unload" "$(_cell $g/caches $K inuse)" "$(_cell $b/caches $K inuse)" || bad=1
_expect "class $C live_objs after unload" "$(_cell $g/classes $CN live_objs)" "$(_cell $b/classes $CN live_objs)" || bad=1
_expect "class $C live_req_bytes after unload" "$(_cell $g/classes $CN live_req_bytes)" "$(_cell $b/classes $CN live_req_bytes)" || bad=1
_expect "large_objects after unload" "$(_key $g/summary large_objects)" "$(_key $b/summary large_objects)" || bad=1
_expect "profile live_objs after unload" "$(_site $g/profile stats_kmalloc_many live_objs)" 0 || bad=1
_expect "$T row after unload" "$(grep -c "^$T " $g/caches)" 0 || bad=1
_result $bad "unload: the statistics go back"

echo "$old_rate" >$param/profile_rate

# 11-14: tracepoints, through tracefs.
tr=
for d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
	[ -d "$d/events" ] && { tr=$d; break; }
done
if [ -z "$tr" ] && mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null; then
	tr=/sys/kernel/tracing
fi
if [ -z "$tr" ] || [ ! -d "$tr/events/goslab" ]; then
	for n in 11 12 13 14; do
		_skip "tracepoints $n" "no tracefs or no goslab events"
	done
else
	nev=0
	for e in "$tr"/events/goslab/goslab_alloc "$tr"/events/goslab/goslab_free; do
		[ -d "$e" ] && nev=$((nev + 1))
	done
	_expect "events" $nev 2
	_result $? "tracefs: events goslab:goslab_alloc and goslab:goslab_free exist"

	tn=10
	tf=4
	echo 0 >"$tr/tracing_on"
	echo >"$tr/trace"
	echo 1 >"$tr/events/goslab/enable"
	echo 1 >"$tr/tracing_on"
	_load "$wl" size=$S count=$tn nfree=$tf large=1
	wl_rc=$?
	echo 0 >"$tr/tracing_on"
	cat "$tr/trace" >"$tmp/trace-on"
	bad=$wl_rc
	_expect "goslab_alloc of $K" "$(grep -c "goslab_alloc: .*stats_kmalloc_many.* cache=$K " "$tmp/trace-on")" $tn || bad=1
	_expect "goslab_alloc of $T" "$(grep -c "goslab_alloc: .* cache=$T " "$tmp/trace-on")" $tn || bad=1
	_expect "goslab_alloc large" "$(grep -c "goslab_alloc: .*stats_large_many.* cache=large bytes_req=$LARGE_BYTES " "$tmp/trace-on")" 1 || bad=1
	_result $bad "tracefs: goslab_alloc records every allocation of the workload"

	bad=0
	_expect "goslab_free of $K" "$(grep -c "goslab_free: .* cache=$K " "$tmp/trace-on")" $tf || bad=1
	_expect "goslab_free of $T" "$(grep -c "goslab_free: .* cache=$T " "$tmp/trace-on")" $tf || bad=1
	_result $bad "tracefs: goslab_free records every free of the workload"

	echo 0 >"$tr/events/goslab/enable"
	echo >"$tr/trace"
	echo 1 >"$tr/tracing_on"
	bad=0
	if [ $wl_rc = 0 ]; then
		_unload goslab_stats_mod || bad=1
	fi
	cat "$tr/trace" >"$tmp/trace-off"
	_expect "goslab events while disabled" "$(grep -c 'goslab_' "$tmp/trace-off")" 0 || bad=1
	_result $bad "tracefs: disabled events record nothing"
fi

rm -rf "$tmp"
_finish
