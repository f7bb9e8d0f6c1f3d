#!/bin/sh
# mkfixture.sh IMG SIZE: builds an NTFS test volume with mkntfs, fills it
# through an ntfs-3g FUSE mount (directories, fragmented, sparse-free,
# resident and non-resident files, deletions, a reused deleted file) and
# adds alternate data streams with ntfscp -N. Exit 77: FUSE unusable here.
set -eu
img=$1; size=$2
work=$(mktemp -d)
trap 'umount "$work/m" 2>/dev/null || true; rm -rf "$work"' EXIT
truncate -s "$size" "$img"
mkntfs -F -Q -q -s 512 -c 4096 -L scrimtest "$img"
mkdir "$work/m"
ntfs-3g "$img" "$work/m" 2>/dev/null || exit 77
m=$work/m
gen() { head -c "$2" /dev/urandom > "$1"; }
mkdir -p "$m/DCIM/100CANON" "$m/Users/bob/Pictures" "$m/gone/sub"
gen "$m/tiny.txt" 100                      # resident $DATA
gen "$m/DCIM/100CANON/IMG_0001.JPG" 300000
gen "$m/Users/bob/Pictures/a b.jpg" 70000
: > "$m/empty.bin"
printf 'caf\303\251' > "$m/Users/bob/caf$(printf '\303\251').txt"
# fragmentation: fill with small files, free every other one, then write big
i=0; while [ $i -lt 40 ]; do gen "$m/frag$i" 8192; i=$((i+1)); done
sync
i=0; while [ $i -lt 40 ]; do rm "$m/frag$i"; i=$((i+2)); done
sync
gen "$m/Users/bob/fragmented.bin" 400000
# deletions: a file kept intact, a file whose clusters get reused, a dir tree
gen "$m/DCIM/deleted_keep.jpg" 50000
gen "$m/gone/sub/deep.jpg" 20000
gen "$m/deleted_small.txt" 300
sync
rm "$m/DCIM/deleted_keep.jpg" "$m/deleted_small.txt"
rm -r "$m/gone"
sync
umount "$m"
# alternate data streams
gen "$work/ads1" 200
gen "$work/ads2" 90000
ntfscp -q -N Zone.Identifier "$img" "$work/ads1" /tiny.txt
ntfscp -q -N thumbs "$img" "$work/ads2" "/DCIM/100CANON/IMG_0001.JPG"
