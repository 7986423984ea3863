#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# redirect-check.sh OBJECT ALLOWLIST: fail if OBJECT (a module's linked
# object, before modpost) still calls a core slab entry point that is not
# in ALLOWLIST (one symbol a line, # comments). What goslab/slab-redirect.h
# switches must show up as goslab_redirect_* instead.
set -euo pipefail

obj=$1 allow=$2
core='^(__?kmalloc.*|kmalloc_.*|kmem_cache_(alloc|free|create|destroy|shrink|size).*|__kmem_cache_create.*|kfree.*|ksize|krealloc.*|kstrn?dup.*|kmemdup.*|kv?asprintf.*|__?kvmalloc.*|kvfree.*|kvrealloc.*|memdup_user.*|vmemdup_user|mempool_(alloc|free)_slab)$'
# Read once: "nm | grep -q" fails under pipefail when grep stops before nm
# has written everything (SIGPIPE), as on ext4's long list.
undef=$(nm -u "$obj" | awk '{ print $NF }')
mapfile -t left < <(grep -E "$core" <<<"$undef" || true)
mapfile -t ok < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$allow" | awk '{ print $1 }')
bad=()
for s in "${left[@]}"; do
	found=0
	for a in "${ok[@]}"; do
		[ "$s" = "$a" ] && found=1
	done
	[ $found = 1 ] || bad+=("$s")
done
if [ ${#bad[@]} != 0 ]; then
	echo "$obj: core slab entry points left after the switch: ${bad[*]}" >&2
	exit 1
fi
if ! grep -q '^goslab_redirect_' <<<"$undef"; then
	echo "$obj: no goslab_redirect_* call: is the switch included?" >&2
	exit 1
fi
