#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Shared by goslab's kselftests: TAP output, finding and loading the test
# modules. Source it after setting "here" to the test's directory; it is
# not a test itself (scripts/vm/init.sh skips *_helpers.sh).
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
