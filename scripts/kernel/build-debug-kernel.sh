#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build (or reuse) one of goslab's debug kernels from Debian's
# linux-source-6.12.
#
# usage: build-debug-kernel.sh [kasan|kcsan]
#   kasan (default)  tinyconfig + debug.config + fs.config: KASAN, lockdep,
#                    kmemleak..., and block devices for tests/fs
#   kcsan            tinyconfig + debug.config + kcsan.config: the same
#                    kernel with KCSAN instead of KASAN (they exclude each
#                    other), without lockdep and kmemleak
#
# The tree is cached outside the repository, keyed by the config fragments'
# hash and the linux-source version, so a second run costs nothing.
# Prints the tree's path (the KDIR to build modules against) on stdout.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$here/../lib.sh"
flavour=${1:-kasan}
case "$flavour" in
kasan)
	frags=("$here/debug.config" "$here/fs.config")
	name=debug-kernel ;;
kcsan)
	frags=("$here/debug.config" "$here/kcsan.config")
	name=kcsan-kernel ;;
*)
	echo "usage: $0 [kasan|kcsan]" >&2
	exit 2 ;;
esac
cache=$GOSLAB_CACHE
jobs=${JOBS:-$(nproc)}

"$here/../setup.sh" >&2

tarball=$(ls /usr/src/linux-source-6.12.tar.xz)
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
key=$( (cat "${frags[@]}"; echo "$srcver") | sha256sum | cut -c1-12)
tree=$cache/$name-$key
log=$cache/$name-$key.log

if [ -f "$tree/.goslab-built" ]; then
	echo "$tree"
	exit 0
fi

mkdir -p "$cache"
# A previous build that did not finish: start that tree again. The tree is
# built where it stays (a moved kernel tree keeps stale absolute paths).
rm -rf "$tree"
mkdir -p "$tree"
echo "$flavour kernel: unpacking linux-source $srcver" >&2
tar -xJf "$tarball" -C "$tree" --strip-components=1

progress() {
	local start=$SECONDS
	while sleep 30; do
		printf '%s kernel: %3d:%02d elapsed, %5d files compiled\n' "$flavour" \
			$(((SECONDS - start) / 60)) $(((SECONDS - start) % 60)) \
			"$(grep -c '^  CC' "$log" 2>/dev/null || true)" >&2
	done
}

# wanted: each option's last setting over the fragments, in merge order
# (a later fragment overrides an earlier one, as merge_config.sh does).
wanted() {
	sed -n -e 's/^\(CONFIG_[A-Za-z0-9_]*\)=.*/\1 &/p' \
		-e 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set$/\1 &/p' "${frags[@]}" |
		awk '{ k = $1; sub(/^[^ ]* /, ""); if (!(k in v)) o[n++] = k; v[k] = $0 }
		     END { for (i = 0; i < n; i++) print v[o[i]] }'
}

build() {
	cd "$tree"
	make -s tinyconfig
	scripts/kconfig/merge_config.sh -m .config "${frags[@]}" >/dev/null
	make -s olddefconfig
	# Every option of the fragments must have survived olddefconfig.
	local missing=0 opt
	while IFS= read -r opt; do
		case "$opt" in
		"# CONFIG_"*" is not set")
			opt=${opt#\# }
			! grep -q "^${opt%% *}=" .config ||
				{ echo "still set: ${opt%% *}" >&2; missing=1; } ;;
		CONFIG_*) grep -qx "$opt" .config || { echo "missing: $opt" >&2; missing=1; } ;;
		esac
	done < <(wanted)
	[ "$missing" = 0 ] || { echo "$flavour kernel: fragment not satisfied" >&2; return 1; }
	make -j"$jobs" bzImage
	# modules_prepare alone leaves no Module.symvers: modpost then fails.
	make -j"$jobs" modules
}

echo "$flavour kernel: building in $tree (about 7 minutes on 2 cores; log: $log)" >&2
start=$SECONDS
progress &
ppid=$!
trap 'kill $ppid 2>/dev/null || true' EXIT
if ! (build) >"$log" 2>&1; then
	tail -n 40 "$log" >&2
	echo "$flavour kernel: build failed, see $log" >&2
	exit 1
fi
kill $ppid 2>/dev/null || true
touch "$tree/.goslab-built"
echo "$flavour kernel: done in $(((SECONDS - start) / 60)) min $(((SECONDS - start) % 60)) s" >&2
echo "$tree"
