#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build (or reuse) the goslab debug kernel from Debian's linux-source-6.12.
#
# The tree is cached outside the repository, keyed by the config fragment's
# hash and the linux-source version, so a second run costs nothing.
# Prints the tree's path (the KDIR to build modules against) on stdout.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
frag=$here/debug.config
cache=${GOSLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/goslab}
jobs=${JOBS:-$(nproc)}

"$here/../setup.sh" >&2

tarball=$(ls /usr/src/linux-source-6.12.tar.xz)
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
key=$( (cat "$frag"; echo "$srcver") | sha256sum | cut -c1-12)
tree=$cache/debug-kernel-$key
log=$cache/debug-kernel-$key.log

if [ -f "$tree/.goslab-built" ]; then
	echo "$tree"
	exit 0
fi

mkdir -p "$cache"
# A previous build that did not finish: start that tree again. The tree is
# built where it stays (a moved kernel tree keeps stale absolute paths).
rm -rf "$tree"
mkdir -p "$tree"
echo "debug kernel: unpacking linux-source $srcver" >&2
tar -xJf "$tarball" -C "$tree" --strip-components=1

progress() {
	local start=$SECONDS
	while sleep 30; do
		printf 'debug kernel: %3d:%02d elapsed, %5d files compiled\n' \
			$(((SECONDS - start) / 60)) $(((SECONDS - start) % 60)) \
			"$(grep -c '^  CC' "$log" 2>/dev/null || true)" >&2
	done
}

build() {
	cd "$tree"
	make -s tinyconfig
	scripts/kconfig/merge_config.sh -m .config "$frag" >/dev/null
	make -s olddefconfig
	# Every option of the fragment must have survived olddefconfig.
	local missing=0 opt
	while IFS= read -r opt; do
		case "$opt" in
		"# CONFIG_"*" is not set")
			opt=${opt#\# }
			! grep -q "^${opt%% *}=" .config ||
				{ echo "still set: ${opt%% *}" >&2; missing=1; } ;;
		CONFIG_*) grep -qx "$opt" .config || { echo "missing: $opt" >&2; missing=1; } ;;
		esac
	done <"$frag"
	[ "$missing" = 0 ] || { echo "debug kernel: fragment not satisfied" >&2; return 1; }
	make -j"$jobs" bzImage
	# modules_prepare alone leaves no Module.symvers: modpost then fails.
	make -j"$jobs" modules
}

echo "debug kernel: building in $tree (about 9 minutes on 2 cores; log: $log)" >&2
progress &
ppid=$!
trap 'kill $ppid 2>/dev/null || true' EXIT
if ! (build) >"$log" 2>&1; then
	tail -n 40 "$log" >&2
	echo "debug kernel: build failed, see $log" >&2
	exit 1
fi
kill $ppid 2>/dev/null || true
touch "$tree/.goslab-built"
echo "debug kernel: done" >&2
echo "$tree"
