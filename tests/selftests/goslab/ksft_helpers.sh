#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Shared by goslab's kselftests (and make run's guest script): TAP output,
# finding and loading the test modules, reading debugfs summary, the tree
# of the filesystem tests, the start (_start) and the end (_finish) of a
# test. Source it after setting "here" to the test's directory; it is not
# a test itself (scripts/vm/init.sh skips *_helpers.sh).
# shellcheck disable=SC2034,SC2154 # variables shared with the sourcing test

ksft_pass=0
ksft_fail=1
ksft_skip=4

debugfs=/sys/kernel/debug
dir=$debugfs/goslab

_nr=0
_failed=0

_plan() {
	echo "TAP version 13"
	echo "1..$1"
}

_diag() {
	echo "# $*"
}

# _result STATUS NAME: STATUS is 0 (pass) or anything else (fail).
_result() {
	_nr=$((_nr + 1))
	if [ "$1" = 0 ]; then
		echo "ok $_nr $2"
	else
		echo "not ok $_nr $2"
		_failed=$((_failed + 1))
	fi
}

_skip() {
	_nr=$((_nr + 1))
	echo "ok $_nr $1 # SKIP $2"
}

# Skip the whole test: before the plan, TAP wants "1..0 # SKIP".
_skip_all() {
	echo "TAP version 13"
	echo "1..0 # SKIP $1"
	exit $ksft_skip
}

# _find_ko NAME: the path of NAME.ko ($GOSLAB_MODULES, then the goslab tree
# this directory belongs to), or NAME if modprobe knows it, or nothing.
_find_ko() {
	for d in "${GOSLAB_MODULES:-}" "$here/../../modules" "$here/../../.."; do
		if [ -z "$d" ] || [ ! -d "$d" ]; then
			continue
		fi
		f=$(find "$d" -name "$1.ko" 2>/dev/null | head -n 1)
		if [ -n "$f" ]; then
			echo "$f"
			return
		fi
	done
	if modinfo "$1" >/dev/null 2>&1; then
		echo "$1"
	fi
}

# _load KO ARGS...: insmod a path, modprobe a name; diagnostics on failure.
_load() {
	ko=$1
	shift
	case "$ko" in
	*.ko) out=$(insmod "$ko" "$@" 2>&1) ;;
	*) out=$(modprobe "$ko" "$@" 2>&1) ;;
	esac
	rc=$?
	[ $rc = 0 ] || _diag "loading $ko: ${out:-exit status $rc}"
	return $rc
}

_unload() {
	out=$(rmmod "$1" 2>&1)
	rc=$?
	[ $rc = 0 ] || _diag "rmmod $1: ${out:-exit status $rc}"
	return $rc
}

# _refused: debugfs refused, one "key value" line per kind.
_refused() {
	sed 's/: / /' "$dir/refused"
}

# _summary KEY: the value of KEY in debugfs summary.
_summary() {
	sed -n "s/^$1: //p" "$dir/summary"
}

# _inuse: objects in use over every cache (debugfs caches, column inuse).
_inuse() {
	awk 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "inuse") c = i; next }
	     { n += $c } END { print n + 0 }' "$dir/caches"
}

# _need_ko NAME: NAME.ko's path in $ko, or skip the test if there is none.
_need_ko() {
	ko=$(_find_ko "$1")
	[ -n "$ko" ] || _skip_all "$1.ko not found"
}

# _tree DIR DIRS FILES: the filesystem tests' tree (fs_test.sh, make run's
# scripts/vm/run-guest.sh), written by one awk: a fork a file costs more
# than the filesystems' work under TCG. File k of directory d is a slice of
# a 120 KB seed, the same on every run, of 0 to 72 KB; a quarter of them in
# d/sub/. Each directory has a short symlink (in the inode) and a long one
# (in a block). Non-zero if a step failed.
_tree() {
	d=0
	while [ "$d" -lt "$2" ]; do
		mkdir -p "$1/d$d/sub" &&
			ln -s f1 "$1/d$d/short" &&
			ln -s "../d$d/sub/$(printf '%0100d' "$d")" "$1/d$d/long" ||
			return 1
		d=$((d + 1))
	done
	seq 1 20000 | awk -v t="$1" -v dirs="$2" -v files="$3" '
		{ seed = seed $0 "\n" }
		END {
			for (d = 0; d < dirs; d++)
				for (f = 0; f < files; f++) {
					k = d * files + f
					size = (k * 7919) % 24000
					if (k % 10 == 0) size *= 3
					if (k % 13 == 0) size = 0
					p = t "/d" d (k % 4 == 0 ? "/sub" : "") "/f" f
					printf "%s", substr(seed, k % 4096 + 1, size) > p
					close(p)
				}
		}'
}

# _start: what a test does first. Root, debugfs mounted, goslab loaded if
# it is not yet: loaded_here says so, and _finish unloads it again.
_start() {
	[ "$(id -u)" = 0 ] || _skip_all "must be run as root"
	if ! grep -q " $debugfs debugfs" /proc/mounts; then
		mount -t debugfs debugfs $debugfs 2>/dev/null ||
			_skip_all "debugfs not available"
	fi
	loaded_here=
	if [ ! -d /sys/module/goslab ]; then
		_goslab_ko=$(_find_ko goslab)
		[ -n "$_goslab_ko" ] ||
			_skip_all "goslab is not loaded and goslab.ko not found"
		_load "$_goslab_ko" ||
			{ _plan 1; _result 1 "load goslab"; exit $ksft_fail; }
		loaded_here=1
	fi
}

# _finish: unload goslab if _start loaded it; the count and the exit status.
_finish() {
	if [ -n "$loaded_here" ]; then
		_unload goslab || _failed=$((_failed + 1))
	fi
	_diag "$_failed of $_nr failed"
	[ $_failed = 0 ] && exit $ksft_pass
	exit $ksft_fail
}
