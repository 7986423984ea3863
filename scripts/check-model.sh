#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The SPIN models: the span free protocol (tests/model/freepath.pml):
# the protocol on main (NEW) must verify with no error in each workload,
# reaching every race the workload is about; the broken variants (the
# protocol before issue 14, OLD, and NEW without the step back's liveness
# check) must fail with the assertion of their bug. A model that stops
# finding the old bugs is broken too. Then the span map's growth
# (tests/model/spanmap.pml), the same way.
#
# One result line per run, as scripts/check.sh prints them; states, depth,
# memory and time below each. Work files and the counterexamples' trails
# (trail.txt: the steps that matter, in order) go to build/model/.
#
# usage: check-model.sh
#   GOSLAB_MODEL_CFLAGS: pan's gcc flags (-O0)
#   GOSLAB_MODEL_BFS=1: breadth-first search for the runs that must fail,
#   for the shortest counterexamples (slower)
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

model=$GOSLAB_ROOT/tests/model/freepath.pml
work=$GOSLAB_ROOT/build/model
# -O0: pan.c is one huge switch; -O2 costs far more to compile than it saves.
read -r -a cflags <<<"${GOSLAB_MODEL_CFLAGS:--O0}"
status=0

if ! command -v spin >/dev/null || ! command -v gcc >/dev/null; then
	result skip "model: spin or gcc not installed (scripts/setup.sh)"
	exit 0
fi

# stats DIR: states, depth, memory and time of the pan run in DIR.
stats() {
	awk '
		/states, stored/ { states = $1 }
		/depth reached/ { d = $0; sub(/.*depth reached /, "", d); sub(/,.*/, "", d) }
		/total actual memory usage/ { mem = $1 }
		/^pan: elapsed time/ { t = $4 }
		END { printf "%s states, depth %s, %s MB, %s s", states, d, mem, t }
	' "$1/pan.out"
}

# trail DIR DEFINES...: the counterexample's steps (the model's MSC: lines),
# each prefixed with the context that takes it.
trail() {
	local dir=$1
	shift
	(cd "$dir" && spin -t -p "$@" "$(basename "$model")") >"$dir/replay.txt" 2>&1 || true
	awk '
		match($0, /proc +[0-9]+ \([A-Za-z]+/) {
			s = substr($0, RSTART, RLENGTH); split(s, a, /[ (]+/)
			if (!(a[2] in name)) name[a[2]] = a[3]
		}
		/^ *MSC: / {
			sub(/^ *MSC: /, ""); n = $1
			if (n ~ /^[0-9]+$/ && (n in name)) $1 = name[n]
			print "  " $0
		}
		/assertion violated/ { print "  => " $0 }
	' "$dir/replay.txt" >"$dir/trail.txt"
}

# run NAME EXPECT EVENTS DEFINES...: verify the model with DEFINES. EXPECT
# is "pass" or the name of the assertion flag the run must violate; EVENTS
# (for a pass) the EV_ numbers the run must reach.
run() {
	local name=$1 expect=$2 events=$3
	shift 3
	local dir=$work/$name t0 t1 got missing e extra=()

	rm -rf "$dir"
	mkdir -p "$dir"
	cp "$model" "$dir/"
	if [ "$expect" != pass ] && [ "${GOSLAB_MODEL_BFS:-}" = 1 ]; then
		extra=(-DBFS)
	fi
	t0=$(date +%s.%N)
	if ! (cd "$dir" && spin -a "$@" "$(basename "$model")" >spin.out 2>&1 &&
	      gcc "${cflags[@]}" -DSAFETY -DNOFAIR -DMEMLIM=2048 "${extra[@]}" \
		-o pan pan.c >gcc.out 2>&1); then
		result FAIL "model $name: spin or gcc failed (see $dir)"
		status=1
		return
	fi
	(cd "$dir" && ./pan -m10000 -w22 >pan.out 2>&1) || true
	t1=$(date +%s.%N)
	got=$(sed -n 's/.*assertion violated *!(\([a-z_]*\)).*/\1/p' "$dir/pan.out" | head -n 1)
	if grep -q '^pan:[0-9]*: invalid end state' "$dir/pan.out" && [ -z "$got" ]; then
		got="invalid end state"
	fi
	if [ "$expect" = pass ]; then
		missing=
		for e in $events; do
			grep -q "^event $e reached" "$dir/pan.out" || missing="$missing $e"
		done
		if [ -n "$got" ] || ! grep -q 'errors: 0' "$dir/pan.out"; then
			[ -z "$got" ] || trail "$dir" "$@"
			result FAIL "model $name: ${got:-search not completed} (see $dir)"
			status=1
		elif grep -q 'Search not completed\|reached -DMEMLIM' "$dir/pan.out"; then
			result FAIL "model $name: search not completed (see $dir/pan.out)"
			status=1
		elif [ -n "$missing" ]; then
			result FAIL "model $name: never reaches event(s)$missing (vacuous)"
			status=1
		else
			result ok "model $name"
		fi
	elif [ "$got" = "$expect" ]; then
		trail "$dir" "$@"
		result ok "model $name: counterexample, $expect"
	else
		result FAIL "model $name: expected a counterexample to $expect, got ${got:-none}"
		status=1
	fi
	printf '    %s; %.1f s with gcc %s\n' "$(stats "$dir")" \
		"$(echo "$t1 - $t0" | bc)" "${cflags[*]}"
}

# NEW: every workload verifies, reaching the races it is about (EV_ numbers
# in freepath.pml).
run "NEW release" pass "1 5 6 7 8 9 10 13" -DNEW -DWL_RELEASE
run "NEW stepback" pass "1 2 3 4 5 6 8 9 10 11 12 13" -DNEW -DWL_STEPBACK
run "NEW sweep" pass "1 2 3 4 6 7 8 10 12 13" -DNEW -DWL_SWEEP
# The bugs of issue 14, one counterexample each.
run "OLD release" use_after_reuse "" -DOLD -DWL_RELEASE
run "OLD release oops" null_central "" -DOLD -DWL_RELEASE -DNO_TOUCH_CHECK
run "OLD stepback" double_accepted "" -DOLD -DWL_STEPBACK -DNO_REUSE -DIRQ_ONLY
run "OLD sweep" double_accepted "" -DOLD -DWL_SWEEP -DNO_REUSE
run "NEW_NO_STEPBACK_CHECK stepback" double_accepted "" \
	-DNEW_NO_STEPBACK_CHECK -DWL_STEPBACK

# The span map's growth (tests/model/spanmap.pml): a lookup of an object
# handed out finds its arena's table, whatever the order of a table's
# install and a hot-add's growth; the two broken orders lose it.
model=$GOSLAB_ROOT/tests/model/spanmap.pml
run "spanmap NEW" pass ""
run "spanmap NO_LOCK_INSTALL" lookup_lost "" -DNO_LOCK_INSTALL
run "spanmap PUBLISH_FIRST" lookup_lost "" -DPUBLISH_FIRST
exit $status
