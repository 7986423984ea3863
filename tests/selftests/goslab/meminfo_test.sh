#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# goslab kselftest: the pages of goslab's live spans are slab memory where
# users look for it. goslab_stats_mod allocates COUNT objects of SIZE
# bytes with goslab_kmalloc(), as many from a SLAB_RECLAIM_ACCOUNT cache of
# its own, and LARGE large objects. /proc/meminfo's Slab must rise by what
# goslab's debugfs says its spans hold (pages_slab), SReclaimable by the
# reclaimable part, each node's by that node's share (debugfs nodes), and
# both must come back when the module frees everything and when goslab is
# unloaded (that case skips when other modules use goslab). TAP output.
#
# Measured in kB. TOL covers what the rest of the kernel allocates meanwhile
# (the shell's own dentries and inodes are reclaimable slab). On a kernel
# with kmemleak, every goslab object also costs a kmemleak_object from
# SLUB (unreclaimable, and under KASAN freed ones wait in its quarantine):
# there Slab may rise by up to 512 bytes per object more, and only
# SReclaimable is checked for coming back.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/selftests/goslab/ksft_helpers.sh
. "$here/ksft_helpers.sh"

COUNT=16384
SIZE=512
LARGE=8
TOL=1024

# _mi KEY [NODE]: KEY of /proc/meminfo, or of NODE's meminfo, in kB.
_mi() {
	if [ -n "$2" ]; then
		awk -v k="$1:" '$3 == k { print $4 }' \
			"/sys/devices/system/node/node$2/meminfo"
	else
		awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo
	fi
}

# _summary KEY: one value of debugfs summary.
# _nodes COLUMN [NODE]: debugfs nodes' COLUMN summed over NODE's heaps (or
# every heap), in pages.
_nodes() {
	awk -v col="$1" -v n="${2:--1}" '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
		c && (n < 0 || $1 == n) { s += $c }
		END { if (c) print s + 0 }' "$dir/nodes"
}

# _kb PAGES: in kB (busybox has no getconf; goslab is x86-64's 4 KiB).
pagekb=$(($(getconf PAGESIZE 2>/dev/null || echo 4096) / 1024))
_kb() {
	echo $((${1:-0} * pagekb))
}

# _near A B SLACK: |A - B| <= SLACK.
_near() {
	d=$(($1 - $2))
	[ $d -le "$3" ] && [ $d -ge "-$3" ]
}

_start
_need_ko goslab_stats_mod
stats=$ko
kml=
[ -e $debugfs/kmemleak ] && kml=1
nodes=$(for f in /sys/devices/system/node/node[0-9]*; do
	[ -d "$f" ] && echo "${f##*node}"
done)
_plan 7

# 1: the summary is the sum of the nodes, and spans are pages in use.
slab=$(_summary pages_slab)
rec=$(_summary pages_slab_reclaimable)
inuse=$(_summary pages_inuse)
_diag "pages_slab ${slab:-?}, pages_slab_reclaimable ${rec:-?}, pages_inuse ${inuse:-?}; nodes: slab $(_nodes slab), slab_reclaimable $(_nodes slab_reclaimable)"
[ -n "$slab" ] && [ -n "$rec" ] && [ "$slab" = "$(_nodes slab)" ] &&
	[ "$rec" = "$(_nodes slab_reclaimable)" ] && [ "$rec" -le "$slab" ] &&
	[ "$slab" -le "$inuse" ]
_result $? "debugfs: pages_slab and pages_slab_reclaimable are the nodes' sums"

# Before, loaded, freed: meminfo and goslab's counts.
s0=$(_mi Slab) r0=$(_mi SReclaimable)
g0=$(_kb "${slab:-0}") gr0=$(_kb "${rec:-0}")
# Per node: "NODE SReclaimable goslab's-reclaimable" lines, in kB.
_per_node() {
	for n in $nodes; do
		echo "$n $(_mi SReclaimable "$n") $(_kb "$(_nodes slab_reclaimable "$n")")"
	done
}
pn0=$(_per_node)
if ! _load "$stats" count=$COUNT nfree=0 size=$SIZE large=$LARGE reclaim=1; then
	_result 1 "load goslab_stats_mod"
	_finish
fi
s1=$(_mi Slab) r1=$(_mi SReclaimable)
g1=$(_kb "$(_summary pages_slab)") gr1=$(_kb "$(_summary pages_slab_reclaimable)")
ds=$((s1 - s0)) dr=$((r1 - r0)) dg=$((g1 - g0)) dgr=$((gr1 - gr0))
_diag "loaded: Slab $s0 -> $s1 kB, SReclaimable $r0 -> $r1 kB; goslab slab +$dg kB, reclaimable +$dgr kB"

# 2: the cache's spans are counted, as reclaimable. The kmalloc objects may
# first fill free slots of spans counted already (earlier tests' leftovers).
need=$((COUNT * SIZE / 1024))
[ $dgr -ge $need ] && [ $dg -ge $((2 * need + LARGE * 64 - TOL)) ]
_result $? "goslab counts its spans as slab: +$dgr kB reclaimable (objects need $need), +$dg kB in all"

# 3: SReclaimable rises by that, and so by at least what the objects need.
[ $dr -ge $((need - TOL)) ] && _near $dr $dgr $TOL
_result $? "SReclaimable rises by goslab's reclaimable spans: +$dr kB for +$dgr kB"

# 4: Slab rises by what goslab's spans hold.
extra=0
[ -n "$kml" ] && extra=$(((2 * COUNT + LARGE) / 2))
[ $ds -ge $((2 * need - TOL)) ] && [ $ds -ge $((dg - TOL)) ] &&
	[ $ds -le $((dg + TOL + extra)) ]
_result $? "Slab rises by what goslab's spans hold: +$ds kB for +$dg kB${kml:+ (kmemleak: up to $extra kB more)}"

# 5: per node.
# "NODE SReclaimable-rise goslab's-rise" for each node.
# shellcheck disable=SC2046 # three words per node
set -- $(printf '%s\n' "$pn0" "$(_per_node)" | awk '
	$1 in a { print $1, $2 - a[$1], $3 - b[$1]; next }
	{ a[$1] = $2; b[$1] = $3 }')
bad=
sum=0
[ $# -ge 3 ] || bad=1
while [ $# -ge 3 ]; do
	_diag "node $1: SReclaimable +$2 kB, goslab's reclaimable spans +$3 kB"
	_near "$2" "$3" $TOL || bad=1
	sum=$((sum + $2))
	shift 3
done
[ -z "$bad" ] && [ $sum -ge $((need - TOL)) ]
_result $? "each node's SReclaimable rises by that node's goslab spans"

# 6: freed and the cache destroyed: back where it was.
_unload goslab_stats_mod
s2=$(_mi Slab) r2=$(_mi SReclaimable)
g2=$(_kb "$(_summary pages_slab)") gr2=$(_kb "$(_summary pages_slab_reclaimable)")
_diag "freed: Slab $s1 -> $s2 kB, SReclaimable $r1 -> $r2 kB; goslab slab $g2 kB, reclaimable $gr2 kB"
ok=0
[ "$gr2" = "$gr0" ] && _near $((r2 - r0)) 0 $TOL || ok=1
msg="SReclaimable $r0 -> $r2 kB"
if [ -z "$kml" ]; then
	_near $((s2 - s0)) $((g2 - g0)) $TOL || ok=1
	msg="$msg, Slab $s0 -> $s2 kB with goslab's own $((g2 - g0)) kB"
fi
_result $ok "back after the module freed everything: $msg"

# 7: goslab unloaded: its spans leave Slab with it.
users=$(cat /sys/module/goslab/refcnt 2>/dev/null)
goslab=$(_find_ko goslab)
if [ "$users" != 0 ]; then
	_skip "unload takes goslab's spans out of Slab" "goslab is in use (refcnt ${users:-?})"
	_finish
fi
case "$goslab" in
*.ko) ;;
*)
	_skip "unload takes goslab's spans out of Slab" "goslab.ko not found"
	_finish
	;;
esac
# Unloaded and loaded again: what leaves Slab at unload is goslab's spans
# plus its own metadata (cache and central structs, from SLUB), which the
# reload measures; that must be small.
g3=$(_kb "$(_summary pages_slab)")
s3=$(_mi Slab)
_unload goslab
s4=$(_mi Slab)
# shellcheck disable=SC2046 # one word per option
_load "$goslab" $(tr ' ' '\n' </proc/cmdline | sed -n 's/^goslab\.//p')
s5=$(_mi Slab)
g5=$(_kb "$(_summary pages_slab)")
drop=$((s3 - s4)) meta=$((s5 - s4 - g5)) ncaches=$(_summary caches)
_diag "unloaded: Slab $s3 -> $s4 kB with $g3 kB of goslab's spans; loaded again: $s5 kB, of it $g5 kB spans and $meta kB goslab's own metadata"
# A cache costs SLUB a few hundred bytes (its struct, one central per
# node): 1 kB each is generous, 4 kB under kmemleak and KASAN (912 kB for
# 188 caches seen there); a struct of MAX_NUMNODES pointers took 32 kB.
per=1
[ -n "$kml" ] && per=4
ok=0
[ -n "$g5" ] && [ $drop -ge $((g3 - TOL)) ] &&
	[ $meta -le $((per * ${ncaches:-0} + TOL)) ] || ok=1
if [ -z "$kml" ]; then
	_near $drop $((g3 + meta)) $TOL || ok=1
fi
_result $ok "unload takes goslab's spans and metadata out of Slab: -$drop kB for $g3 kB of spans and $meta kB of metadata for ${ncaches:-?} caches"
_finish
