# SPDX-License-Identifier: GPL-2.0
# Helpers shared by goslab's scripts: where things are, which kernels exist,
# and how one build of the modules is done. Source it; do not run it.
# shellcheck shell=bash

# The repository's top directory, whichever script sources this file.
GOSLAB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
GOSLAB_CACHE=${GOSLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/goslab}
export GOSLAB_CACHE

# Debian's stock 6.1 kernel: whatever linux-image-amd64 currently pulls in.
stock_61_version() {
	dpkg-query -W -f='${Depends}\n' linux-image-amd64 |
		tr ',' '\n' | sed -n 's/^ *linux-image-\([^ ]*\).*/\1/p' | head -n1
}

# The 6.12 LTS kernel scripts/setup.sh chose (it writes it to its stamp).
stock_612_version() {
	cat "$GOSLAB_CACHE/setup.stamp"
}

# stock_image VERSION: a bootable image of a stock kernel. One that a normal
# user cannot read is copied once into the cache.
stock_image() {
	local v=$1
	if [ -r "/boot/vmlinuz-$v" ]; then
		echo "/boot/vmlinuz-$v"
		return
	fi
	if [ ! -r "$GOSLAB_CACHE/vmlinuz-$v" ]; then
		sudo install -m 0644 "/boot/vmlinuz-$v" "$GOSLAB_CACHE/vmlinuz-$v" >&2
	fi
	echo "$GOSLAB_CACHE/vmlinuz-$v"
}

# The debug kernel's tree, built on first use (prints progress on stderr).
debug_kernel_tree() {
	"$GOSLAB_ROOT/scripts/kernel/build-debug-kernel.sh" kasan
}

# The KCSAN kernel's tree, the same way.
kcsan_kernel_tree() {
	"$GOSLAB_ROOT/scripts/kernel/build-debug-kernel.sh" kcsan
}

# The concurrency suites: KUnit filter globs (run-vm.sh --kunit, one pass
# each) and kselftests (--kselftests; one not in the tree is a skip). The
# KCSAN boot of make check runs them with the misuse and stress suites, the
# 8-vCPU boot of make stress runs them alone. Add concurrency tests here.
# shellcheck disable=SC2034 # used by the scripts that source this file
concurrency_kunit="goslab_concurrency goslab_central goslab_mcache"
# shellcheck disable=SC2034
concurrency_kselftests="race_test.sh"

# The user-space fuzz targets, one a line; TARGETS in tests/fuzz/Makefile is
# the one list.
fuzz_targets() {
	make -s -C "$GOSLAB_ROOT/tests/fuzz" targets | tr ' ' '\n'
}

# build_modules NAME KDIR LOG [make arguments...]
#
# Against a kernel built with KUnit (the debug kernels) this is a test build,
# GOSLAB_KUNIT=1: goslab.ko then carries its internal KUnit suites.
# Copy the sources into build/NAME (out-of-tree builds write their objects
# beside the sources, so each kernel gets its own copy) and build the modules
# there from scratch, so that every warning shows up on every run. All output
# goes to LOG. Returns non-zero if the build fails or prints any warning; the
# offending lines are then on stdout.
build_modules() {
	local name=$1 kdir=$2 log=$3
	shift 3
	local dir=$GOSLAB_ROOT/build/$name

	# A kernel with KUnit gets a test build (goslab's internal suites);
	# a later GOSLAB_KUNIT= among the arguments asks for the default one.
	if grep -q '^CONFIG_KUNIT=[ym]' "$kdir/.config" 2>/dev/null; then
		set -- GOSLAB_KUNIT=1 "$@"
	fi

	rm -rf "$dir"
	mkdir -p "$dir" "$(dirname "$log")"
	rsync -a --exclude=/build/ --exclude=/.git/ --filter=':- .gitignore' \
		"$GOSLAB_ROOT/" "$dir/"
	if ! make -C "$kdir" M="$dir" "$@" modules >"$log" 2>&1; then
		grep -E -i 'error|warning:' "$log" | head -n 40 || tail -n 40 "$log"
		return 1
	fi
	if grep -q -i 'warning:' "$log"; then
		grep -i -A3 'warning:' "$log" | grep -v -E '^  [A-Z]+ ' | head -n 60
		return 1
	fi
}

# Result lines shared by check.sh and the VM judge: "ok   what",
# "FAIL what: why", "skip what: why".
result() {
	printf '%-4s %s\n' "$1" "$2"
}
