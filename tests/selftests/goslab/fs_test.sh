#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# goslab kselftest: real filesystems on goslab's switch. minix and ext4,
# rebuilt from Debian's linux-source with goslab/slab-redirect.h (tests/fs/;
# ext4 with the stock jbd2 and mbcache), each on a brd ramdisk holding an
# empty image made at build time (Debian's busybox has neither mkfs.minix
# nor mkfs.ext4): minix v3 on /dev/ram0, ext4 on /dev/ram1. On each, a
# deterministic tree of directories, files of mixed sizes and symlinks is
# written, and the same operations are done on a tmpfs copy; the checksums
# of both must agree after a remount, after renames, deletes and
# truncations, after another remount and after dropping the caches. While
# mounted, the goslab caches the filesystem created are printed with their
# live objects; after umount and rmmod they are gone, and goslab refused
# nothing.
#
# Runs under busybox sh or bash, as root. TAP output; exit 4 to skip.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/selftests/goslab/ksft_helpers.sh
. "$here/ksft_helpers.sh"

# On each filesystem; fewer on the debug kernel (KASAN makes every call
# slower).
if [ -d $debugfs/kunit ]; then
	dirs=${FS_DIRS:-10}
	files=${FS_FILES:-20}
else
	dirs=${FS_DIRS:-30}
	files=${FS_FILES:-25}
fi
tmp=${TMPDIR:-/tmp}/goslab-fs.$$
data=$here/fs-data

[ -d "$dir" ] || _skip_all "goslab is not loaded (no $dir)"
brd=$(_find_ko brd)
minix=$(_find_ko minix)
ext4=$(_find_ko ext4)
[ -n "$brd" ] || _skip_all "no brd.ko"
if [ -z "$minix" ] || [ -z "$ext4" ]; then
	_skip_all "no minix.ko or ext4.ko (tests/fs builds them only for kernels with block devices)"
fi
for f in minix ext4; do
	[ -f "$data/$f.img.gz" ] || _skip_all "no $data/$f.img.gz"
done
# ext4's stock dependencies, in load order. The crypto API's core is a
# module on the debug kernel only (built in on Debian): loaded if found.
deps=
for m in crypto crypto_algapi crypto_hash; do
	k=$(_find_ko $m)
	[ -z "$k" ] || deps="$deps $k"
done
for m in crc16 crc32c_generic mbcache jbd2; do
	k=$(_find_ko $m)
	[ -n "$k" ] || _skip_all "no $m.ko (ext4 needs it)"
	deps="$deps $k"
done
_plan 28

# _sums DIR: "checksum path" of every file under DIR, every symlink with
# its target, and every directory; not ext4's lost+found.
_sums() {
	(cd "$1" && find . -type f | sort | xargs md5sum 2>/dev/null
	 find . -type l | sort | xargs stat -c %N 2>/dev/null
	 find . -type d | sort) | grep -v '^\./lost+found$'
}

# _same NAME: the tree on the filesystem and the tmpfs reference agree.
_same() {
	_sums "$mnt" >"$tmp.mnt.sums"
	_sums "$ref" >"$tmp.ref.sums"
	if cmp -s "$tmp.mnt.sums" "$tmp.ref.sums"; then
		_result 0 "$fs: $1"
	else
		_diag "$(diff "$tmp.ref.sums" "$tmp.mnt.sums" 2>&1 | head -n 5)"
		_result 1 "$fs: $1"
	fi
}

# _names: the names of goslab's caches, one a line.
_names() {
	awk 'NR > 1 { print $1 }' "$dir/caches" | sort
}

# _caches: the goslab caches created since $tmp.before was written (the
# filesystem's), name and inuse.
_caches() {
	awk 'FNR == NR { old[$1] = 1; next }
	     FNR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
	     !($1 in old) { print $1, $(h["inuse"]) }' "$tmp.before" "$dir/caches"
}

_refused() {
	awk -F': ' '{ s += $2 } END { print s + 0 }' "$dir/refused"
}

# _redirect KEY: a counter of goslab's switch.
_redirect() {
	awk -F': ' -v k="$1" '$1 == k { print $2 }' "$dir/redirect"
}

# _remount
_remount() {
	umount "$mnt" && mount -t "$fs" "$dev" "$mnt"
}

# _workload: the reference tree onto the filesystem and the tmpfs copy.
_workload() {
	cp -a "$tree/." "$mnt/" && cp -a "$tree/." "$ref/" && sync
}

# _change: rename every third file, delete every fifth, truncate every
# seventh, on both trees.
_change() {
	k=0
	for p in $(cd "$ref" && find . -type f | sort); do
		k=$((k + 1))
		if [ $((k % 3)) = 0 ]; then
			mv "$ref/$p" "$ref/$p.r" && mv "$mnt/$p" "$mnt/$p.r"
		elif [ $((k % 5)) = 0 ]; then
			rm "$ref/$p" "$mnt/$p"
		elif [ $((k % 7)) = 0 ]; then
			s=$(($(wc -c <"$ref/$p") / 2))
			truncate -s $s "$ref/$p" && truncate -s $s "$mnt/$p"
		fi
	done
	rm -r "$ref/d1/sub" "$mnt/d1/sub"
	sync
}

# _run FS MODULE DEV INODE_CACHE: the whole sequence on one filesystem.
_run() {
	fs=$1 dev=$3 icache=$4
	mnt=$tmp.$fs ref=$tmp.$fs.ref
	_names >"$tmp.before"
	ca0=$(_redirect core_cache_alloc) cf0=$(_redirect core_cache_free)
	gunzip -c "$data/$fs.img.gz" | dd of="$dev" bs=1M 2>/dev/null
	_load "$2"
	_result $? "$fs: insmod $(basename "$2") (on the switch)"
	mkdir -p "$mnt" "$ref"
	mount -t "$fs" "$dev" "$mnt"
	_result $? "$fs: mount on $dev"

	_workload
	_same "$((dirs * files)) files, $((dirs * 2)) symlinks in $((dirs * 2)) directories written"

	_diag "goslab caches of $fs while mounted (name inuse):"
	_caches | while read -r name inuse; do _diag "  $name $inuse"; done
	live=$(_caches | awk -v c="$icache" '$1 == c { print $2 }')
	[ "${live:-0}" -gt 0 ]
	_result $? "$fs: $icache is a goslab cache with live inodes (${live:-none})"

	_remount
	_result $? "$fs: umount and mount again"
	_same "contents after the remount"
	_change
	_same "after rename, delete, truncate"
	_remount
	_same "after rename, delete, truncate and a remount"
	echo 3 >/proc/sys/vm/drop_caches
	_diag "after drop_caches: $(_caches | tr '\n' ' ')"
	_same "after drop_caches"

	_diag "redirect: $(tr '\n' ' ' <"$dir/redirect")"
	umount "$mnt"
	_result $? "$fs: umount"
	_unload "$fs"
	_result $? "$fs: rmmod $fs"
	left=$(_caches)
	[ -z "$left" ]
	_result $? "$fs: its goslab caches are gone after rmmod${left:+ (left: $left)}"
	# Objects of core caches it took through the switch (ext4: jbd2's
	# jbd2_inode_cache, from inline functions of <linux/jbd2.h>) all went
	# back to the core.
	ca=$(($(_redirect core_cache_alloc) - ca0))
	cf=$(($(_redirect core_cache_free) - cf0))
	[ "$ca" = "$cf" ]
	_result $? "$fs: core-cache objects taken through the switch all given back ($ca allocated, $cf freed)"
	rm -rf "$mnt" "$ref"
}

refused0=$(_refused)
tree=$tmp.tree
_tree "$tree" "$dirs" "$files"
_load "$brd" rd_nr=2 rd_size=32768
_run minix "$minix" /dev/ram0 minix_inode_cache
ok=0
for k in $deps; do
	_load "$k" || ok=1
done
_result $ok "ext4: insmod the stock crc16, crc32c_generic, mbcache, jbd2"
_run ext4 "$ext4" /dev/ram1 ext4_inode_cache
for m in jbd2 mbcache crc32c_generic crc16 crypto_hash crypto_algapi crypto brd; do
	# A loaded module has an initstate; a built-in one has none.
	if [ -f /sys/module/$m/initstate ]; then
		rmmod $m
	fi
done
refused=$(_refused)
[ "$refused" = "$refused0" ]
_result $? "goslab refused nothing ($refused0 before, $refused after)"
rm -rf "$tree"
rm -f "$tmp.before" "$tmp.mnt.sums" "$tmp.ref.sums"

[ $_failed = 0 ] || exit $ksft_fail
exit $ksft_pass
