#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# goslab kselftest: the debugfs interface and the modules that use goslab.
#
# Runs under busybox sh or bash, as root, with goslab.ko loaded (it is loaded
# here, and unloaded again, if it is not). Test modules are looked for in
# $GOSLAB_MODULES, then in ../../modules beside this script (a built goslab
# tree), then among the installed modules. TAP output; exit 4 to skip.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/selftests/goslab/ksft_helpers.sh
. "$here/ksft_helpers.sh"

# _column HEADER NAMES...: the 1-based index of the first header word that is
# one of NAMES, or nothing.
_column() {
	h=$1
	shift
	echo "$h" | awk -v names="$*" '
		BEGIN { n = split(names, want, " "); for (i = 1; i <= n; i++) ok[want[i]] = 1 }
		{ sub(/^#[ \t]*/, ""); for (i = 1; i <= NF; i++) if (tolower($i) in ok) { print i; exit } }'
}

# _module_check NAME WHAT: load NAME.ko and unload it again.
_module_check() {
	ko=$(_find_ko "$1")
	if [ -z "$ko" ]; then
		_skip "$2" "$1.ko not found"
		return
	fi
	if _load "$ko"; then
		_unload "$1"
		_result $? "$2"
	else
		_result 1 "$2"
	fi
}

_start

_plan 8

# 1
[ -d "$dir" ]
_result $? "debugfs directory $dir exists"

# 2: every statistics file reads, and none is empty.
bad=0
nfiles=0
files=$(find "$dir" -type f 2>/dev/null)
for f in $files; do
	nfiles=$((nfiles + 1))
	if ! cat "$f" >/dev/null 2>&1; then
		_diag "cannot read $f"
		bad=1
	elif [ -z "$(head -c 1 "$f")" ]; then
		_diag "$f is empty"
		bad=1
	fi
done
[ $nfiles -gt 0 ] || { _diag "no files in $dir"; bad=1; }
_result $bad "debugfs files read"

# 3-6: the size-class table.
classes=$dir/classes
[ -f "$classes" ]
_result $? "classes file exists"

table=$(cat "$classes" 2>/dev/null)
header=$(echo "$table" | head -n 1)
size_col=$(_column "$header" size bytes elemsize object_size obj_size)
pages_col=$(_column "$header" pages npages pages_per_span span_pages)
objs_col=$(_column "$header" objects objs nelems objects_per_span objs_per_span)
if [ -n "$size_col" ] && [ -n "$pages_col" ] && [ -n "$objs_col" ] &&
   [ "$(echo "$table" | wc -l)" -gt 1 ]; then
	_result 0 "classes has a header line (size, pages, objects) and rows"
	cols_ok=1
else
	_diag "header: $header"
	_diag "want columns named size, pages (per span) and objects (per span)"
	_result 1 "classes has a header line (size, pages, objects) and rows"
	cols_ok=
fi

if [ -n "$cols_ok" ]; then
	echo "$table" | tail -n +2 | awk -v s="$size_col" '
		NF == 0 { next }
		$s !~ /^[0-9]+$/ { print "# row " NR ": size \"" $s "\" is not a number"; bad = 1; next }
		NR > 1 && $s + 0 <= last { print "# row " NR ": size " $s " after " last; bad = 1 }
		{ last = $s + 0; rows++ }
		END { if (!rows) print "# no rows"; exit bad || !rows }'
	_result $? "class sizes strictly increase"

	echo "$table" | tail -n +2 | awk -v s="$size_col" -v p="$pages_col" -v o="$objs_col" '
		NF == 0 { next }
		$p !~ /^[0-9]+$/ || $o !~ /^[0-9]+$/ { print "# row " NR ": not numbers: " $0; bad = 1; next }
		$p * 4096 < $o * $s {
			print "# row " NR ": " $o " objects of " $s " bytes do not fit in " $p " pages"
			bad = 1
		}
		END { exit bad }'
	_result $? "every span holds its objects (pages * 4096 >= objects * size)"
else
	_result 1 "class sizes strictly increase"
	_result 1 "every span holds its objects (pages * 4096 >= objects * size)"
fi

# 7-8: modules built on goslab's API.
_module_check goslab_client "goslab_client loads and unloads"
_module_check goslab_selftest_mod "goslab_selftest_mod API checks pass at load"

_finish
