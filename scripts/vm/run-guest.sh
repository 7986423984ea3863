#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make run's guest script (run-vm.sh --mode script): goslab under a real
# filesystem. init.sh has loaded goslab.ko with the goslab.* options of the
# kernel command line. This loads the stock brd, crc16, crc32c, mbcache and
# jbd2 and ext4 rebuilt on goslab's switch (tests/fs/), writes the empty
# ext4 image made at build time to /dev/ram0, mounts it and runs a short
# deterministic workload: a tree of directories, files of mixed sizes and
# symlinks, read back after a remount; renames, deletes, a directory
# removed, small files added, read back after another remount. Then, with
# ext4 still mounted, it prints /sys/kernel/debug/goslab/ between
# "# goslab-snapshot begin" and "# goslab-snapshot end", each line behind
# "# " (what goslabinfo --extract reads), unmounts and unloads what it
# loaded.
#
# Lines for the host start with "goslab-run: ". A step that fails prints
# "goslab-run: FAIL step: why", undoes what was done and exits 1; the last
# line of a good run is "goslab-run: ok ...". Runs under busybox sh as root,
# with GOSLAB_MODULES=/goslab (the modules and tests, see run-vm.sh).

here=${GOSLAB_MODULES:-/goslab}/tests/selftests/goslab
# _find_ko, _load, _tree and $dir (goslab's debugfs directory).
# shellcheck source=tests/selftests/goslab/ksft_helpers.sh
. "$here/ksft_helpers.sh"

# The tree: DIRS directories, each with a sub/, FILES files each.
dirs=${RUN_DIRS:-16}
files=${RUN_FILES:-25}
dev=/dev/ram0
mnt=/tmp/run-ext4
sums=/tmp/run-sums
loaded=
mounted=

say() {
	echo "goslab-run: $*"
}

# cleanup: unmount and unload what this script mounted and loaded, newest
# first, so that init.sh can unload goslab.
cleanup() {
	if [ -n "$mounted" ]; then
		umount "$mnt" || say "FAIL umount $mnt"
		mounted=
	fi
	for m in $loaded; do
		_unload "$m" || say "FAIL rmmod $m"
	done
	loaded=
}

fail() {
	say "FAIL $*"
	cleanup
	exit 1
}

# load NAME [ARGS...]: insmod NAME.ko from the tree, or fail.
load() {
	ko=$(_find_ko "$1")
	case "$ko" in
	*.ko) ;;
	*) fail "insmod $1: no $1.ko in $GOSLAB_MODULES" ;;
	esac
	shift
	_load "$ko" "$@" || fail "insmod $(basename "$ko")"
	loaded="$(basename "$ko" .ko) $loaded"
}

# _sums: "checksum path" of every file, every symlink with its target and
# every directory under $mnt, ext4's lost+found left out.
_sums() {
	(cd "$mnt" && find . -type f | sort | xargs md5sum
	 find . -type l | sort | xargs stat -c %N
	 find . -type d | sort) | grep -v '^\./lost+found$'
}

# _remount_check WHAT: unmount, mount again (the inodes and pages come back
# from the ramdisk) and compare every checksum with the ones before.
_remount_check() {
	_sums >"$sums.before" || fail "$1: reading the tree"
	umount "$mnt" || fail "$1: umount"
	mounted=
	mount -t ext4 "$dev" "$mnt" || fail "$1: mount again"
	mounted=1
	_sums >"$sums.after" || fail "$1: reading the tree after the remount"
	if ! cmp -s "$sums.before" "$sums.after"; then
		diff "$sums.before" "$sums.after" | head -n 5 | sed 's/^/goslab-run:   /'
		fail "$1: the tree differs after the remount"
	fi
}

# _change: rename every third file, delete every fifth, remove one
# directory, then 200 small files (up to 500 bytes) in a new one.
renamed=0
deleted=0
_change() {
	k=0
	for p in $(cd "$mnt" && find . -type f | sort); do
		k=$((k + 1))
		if [ $((k % 3)) = 0 ]; then
			mv "$mnt/$p" "$mnt/$p.r" || return 1
			renamed=$((renamed + 1))
		elif [ $((k % 5)) = 0 ]; then
			rm "$mnt/$p" || return 1
			deleted=$((deleted + 1))
		fi
	done
	rm -r "$mnt/d1" || return 1
	mkdir "$mnt/notes" || return 1
	awk -v t="$mnt/notes" 'BEGIN {
		for (i = 0; i < 200; i++) {
			p = t "/n" i
			for (j = 0; j < (i * 37) % 50 + 1; j++)
				printf "note %d line %d\n", i, j > p
			close(p)
		}
	}'
}

# _caches: goslab's caches that are not in $sums.caches (ext4's), one a
# line.
_caches() {
	awk 'FNR == NR { old[$1] = 1; next }
	     FNR > 1 && !($1 in old) { print $1 }' "$sums.caches" "$dir/caches"
}

[ -d "$dir" ] || fail "goslab: no $dir"
start=$(date +%s)
data=$here/fs-data/ext4.img.gz
[ -f "$data" ] || fail "no $data (tests/fs/prepare.sh writes it at build time)"
awk 'NR > 1 { print $1 }' "$dir/caches" >"$sums.caches"

load brd rd_nr=1 rd_size=32768
gunzip -c "$data" | dd of="$dev" bs=1M 2>/dev/null || fail "writing the ext4 image to $dev"
# ext4's stock dependencies, in load order. The crypto API's core is
# built in on Debian's kernels: loaded only where it is a module.
for m in crypto crypto_algapi crypto_hash; do
	[ -z "$(_find_ko $m)" ] || load $m
done
for m in crc16 crc32c_generic mbcache jbd2 ext4; do
	load $m
done
mkdir -p "$mnt"
mount -t ext4 "$dev" "$mnt" || fail "mount -t ext4 $dev"
mounted=1
say "ext4 mounted on $dev; through goslab's switch it made $(_caches | wc -l) caches in goslab:"
say "  $(_caches | paste -s -d ' ')"

_tree "$mnt" "$dirs" "$files" || fail "writing the tree"
sync
nfiles=$(find "$mnt" -type f | wc -l)
nbytes=$(du -sk "$mnt" | awk '{ print $1 }')
_remount_check "first remount"
say "wrote $nfiles files of 0 to 72 KB ($nbytes KiB in all) in $((dirs * 2)) directories, and $((dirs * 2)) symlinks;"
say "  read them back after a remount: the checksums agree"

_change || fail "renames and deletes"
sync
_remount_check "second remount"
say "renamed $renamed files, deleted $deleted and the directory d1, added 200 small files;"
say "  read them back after a remount: the checksums agree"

# The snapshot, with the tree's inodes and pages cached by the reads.
echo "# goslab-snapshot begin"
for f in "$dir"/*; do
	echo "# ==> $(basename "$f") <=="
	sed 's/^/# /' "$f"
done
echo "# goslab-snapshot end"

cleanup
left=$(_caches)
[ -z "$left" ] || fail "ext4's goslab caches are still there after rmmod: $left"
rm -f "$sums.before" "$sums.after" "$sums.caches"
say "ok: unmounted, ext4 and its goslab caches gone ($(($(date +%s) - start)) s)"
