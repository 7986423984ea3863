#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install everything goslab's build and test machine need, from Debian.
# Safe to re-run; quick when everything is already present.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

SUDO=
if [ "$(id -u)" != 0 ]; then
	SUDO=sudo
fi

# has_candidate PKG: apt can install PKG itself (apt-cache show also
# succeeds for a purely virtual name another package refers to).
has_candidate() {
	local policy
	policy=$(apt-cache policy "$1" 2>/dev/null)
	[[ $policy == *"Candidate: "[0-9]* ]]
}

# image_pkg V: the image package of kernel V, the signed one if apt has it,
# else the unsigned one (same /boot/vmlinuz-V); empty if neither.
image_pkg() {
	local p
	for p in "linux-image-$1" "linux-image-$1-unsigned"; do
		if has_candidate "$p"; then
			echo "$p"
			return
		fi
	done
}

# The newest 6.12 LTS kernel that has both an image and headers in apt.
newest_612() {
	apt-cache search --names-only '^linux-headers-6\.12\.[0-9]+\+deb12-amd64$' |
		awk '{print $1}' | sed 's/^linux-headers-//' | sort -V |
		while read -r v; do
			if [ -n "$(image_pkg "$v")" ] &&
			   has_candidate "linux-headers-$v"; then
				echo "$v"
			fi
		done | tail -n1
}

# is_installed PKG: dpkg has PKG installed.
is_installed() {
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = 'install ok installed' ]
}

# installed_image V: the image package of V that is installed, if any.
installed_image() {
	local p
	for p in "linux-image-$1" "linux-image-$1-unsigned"; do
		if is_installed "$p"; then
			echo "$p"
			return
		fi
	done
}

stamp_dir=$GOSLAB_CACHE
mkdir -p "$stamp_dir"
stamp=$stamp_dir/setup.stamp

base_pkgs="qemu-system-x86 busybox-static cpio kmod gzip xz-utils
	build-essential bc bison flex libelf-dev libssl-dev dwarves
	python3 perl sparse rsync linux-source-6.12 linux-source-6.1 util-linux
	linux-image-amd64 linux-headers-amd64 clang llvm
	libclang-rt-14-dev gnuplot-nox shellcheck dkms spin"

missing_pkgs() {
	local p
	for p in $base_pkgs "$@"; do
		is_installed "$p" || echo "$p"
	done
}

# Fast path: everything there and the stamp is less than a day old.
if [ -f "$stamp" ] && [ -n "$(find "$stamp" -mmin -1440)" ]; then
	v=$(cat "$stamp")
	if [ -n "$(installed_image "$v")" ] &&
	   [ -z "$(missing_pkgs "linux-headers-$v")" ] &&
	   [ -e /usr/src/linux-source-6.12.tar.xz ]; then
		exit 0
	fi
fi

echo "setup: checking Debian packages"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
v=$(newest_612)
if [ -z "$v" ]; then
	echo "setup: no linux-image/linux-headers 6.12.*+deb12-amd64 pair in apt" >&2
	exit 1
fi
img=$(installed_image "$v")
if [ -z "$img" ]; then
	img=$(image_pkg "$v")
fi
mapfile -t todo < <(missing_pkgs "$img" "linux-headers-$v")
if [ ${#todo[@]} != 0 ]; then
	echo "setup: installing ${todo[*]}"
	$SUDO apt-get install -y -q --no-install-recommends "${todo[@]}"
fi
echo "$v" >"$stamp"
