#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# goslab kselftest: a real filesystem on goslab's switch. minix, rebuilt from
# Debian's linux-source with goslab/slab-redirect.h (tests/fs/), on a brd
# ramdisk holding an empty minix v3 image made at build time (Debian's
# busybox has no mkfs.minix). A deterministic tree of directories and files
# of mixed sizes is written, and the same operations are done on a tmpfs
# copy; the checksums of both must agree after a remount, after renames,
# deletes and truncations, and after dropping the caches. While mounted the
# goslab caches minix created are printed with their live objects; after
# umount and rmmod they are gone, and goslab refused nothing.
#
# Runs under busybox sh or bash, as root. TAP output; exit 4 to skip.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/selftests/goslab/ksft_helpers.sh
. "$here/ksft_helpers.sh"

# Fewer files on the debug kernel (KASAN makes every call slower).
if [ -d $debugfs/kunit ]; then
	dirs=${FS_DIRS:-10}
	files=${FS_FILES:-20}
else
	dirs=${FS_DIRS:-40}
	files=${FS_FILES:-25}
fi
mnt=${TMPDIR:-/tmp}/goslab-fs.$$
ref=${TMPDIR:-/tmp}/goslab-ref.$$
img=$here/fs-data/minix.img.gz

[ -d "$dir" ] || _skip_all "goslab is not loaded (no $dir)"
minix=$(_find_ko minix)
brd=$(_find_ko brd)
[ -n "$minix" ] || _skip_all "no minix.ko (tests/fs builds it only for kernels with block devices)"
[ -n "$brd" ] || _skip_all "no brd.ko"
[ -f "$img" ] || _skip_all "no $img"
_plan 13

# _sums DIR: "checksum path" of every file under DIR, and every directory.
_sums() {
	(cd "$1" && find . -type f | sort | xargs md5sum 2>/dev/null
	 find . -type d | sort)
}

# _same NAME: the minix tree and the tmpfs reference agree.
_same() {
	_sums "$mnt" >"$mnt.sums"
	_sums "$ref" >"$ref.sums"
	if cmp -s "$mnt.sums" "$ref.sums"; then
		_result 0 "$1"
	else
		_diag "$(diff "$ref.sums" "$mnt.sums" 2>&1 | head -n 5)"
		_result 1 "$1"
	fi
}

# _caches: the goslab caches minix created ("minix_*" rows), name and inuse.
_caches() {
	awk 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
	     $1 ~ /^minix/ { print $1, $(h["inuse"]) }' "$dir/caches"
}

_refused() {
	awk -F': ' '{ s += $2 } END { print s + 0 }' "$dir/refused"
}

refused0=$(_refused)
_load "$brd" rd_nr=1 rd_size=32768
gunzip -c "$img" | dd of=/dev/ram0 bs=1M 2>/dev/null
_load "$minix"
_result $? "insmod minix.ko (on the switch)"
mkdir -p "$mnt" "$ref"
mount -t minix /dev/ram0 "$mnt"
_result $? "mount minix on /dev/ram0"

# A seed of 120 KB, the same on every run; file k of dir d takes a slice.
seq 1 20000 >"$ref.seed"
d=0
while [ "$d" -lt "$dirs" ]; do
	mkdir -p "$mnt/d$d/sub" "$ref/d$d/sub"
	f=0
	while [ "$f" -lt "$files" ]; do
		k=$((d * files + f))
		size=$(( (k * 7919) % 24000 ))
		[ $((k % 10)) = 0 ] && size=$((size * 3))
		[ $((k % 13)) = 0 ] && size=0
		tail -c +$((k % 4096 + 1)) "$ref.seed" | head -c $size \
			>"$ref/d$d/f$f"
		case $((k % 4)) in
		0) cp "$ref/d$d/f$f" "$mnt/d$d/sub/f$f"
		   mv "$ref/d$d/f$f" "$ref/d$d/sub/f$f" ;;
		*) cp "$ref/d$d/f$f" "$mnt/d$d/f$f" ;;
		esac
		f=$((f + 1))
	done
	d=$((d + 1))
done
sync
_same "$((dirs * files)) files in $((dirs * 2)) directories written"

_diag "goslab caches of minix while mounted (name inuse):"
_caches | while read -r name inuse; do _diag "  $name $inuse"; done
live=$(_caches | awk '$1 == "minix_inode_cache" { print $2 }')
[ "${live:-0}" -gt 0 ]
_result $? "minix_inode_cache is a goslab cache with live inodes (${live:-none})"

umount "$mnt" && mount -t minix /dev/ram0 "$mnt"
_result $? "umount and mount again"
_same "contents after the remount"

# Rename every third file, delete every fifth, truncate every seventh.
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
rmdir "$ref/d1/sub" "$mnt/d1/sub" 2>/dev/null
sync
_same "after rename, delete, truncate"

umount "$mnt" && mount -t minix /dev/ram0 "$mnt"
_same "after rename, delete, truncate and a remount"

echo 3 >/proc/sys/vm/drop_caches
_diag "after drop_caches: $(_caches | tr '\n' ' ')"
_same "after drop_caches"

_diag "redirect: $(tr '\n' ' ' <"$dir/redirect")"
umount "$mnt"
_result $? "umount"
rmmod minix
_result $? "rmmod minix"
rmmod brd
left=$(_caches)
[ -z "$left" ]
_result $? "minix's goslab caches are gone after rmmod${left:+ (left: $left)}"
refused=$(_refused)
[ "$refused" = "$refused0" ]
_result $? "goslab refused nothing ($refused0 before, $refused after)"
rm -rf "$mnt" "$ref" "$mnt.sums" "$ref.sums" "$ref.seed"

[ $_failed = 0 ] || exit $ksft_fail
exit $ksft_pass
