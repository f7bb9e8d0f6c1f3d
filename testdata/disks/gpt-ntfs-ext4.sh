#!/usr/bin/env bash
# gpt-ntfs-ext4.sh IMAGE SRC: a GPT disk with an NTFS partition filled from SRC
# through an ntfs-3g FUSE mount (then some pictures deleted), and an ext4
# partition made by mkfs.ext4 -d SRC. Prints the deleted paths. Exit 77 when
# FUSE cannot be used here.
set -euo pipefail
img=$1 src=$2
work=$(mktemp -d)
trap 'umount "$work/m" 2>/dev/null || true; rm -rf "$work"' EXIT
ntfs=$work/ntfs.img ext=$work/ext.img
truncate -s 48M "$ntfs"
mkntfs -F -Q -q -s 512 -c 4096 -L SCRIMNTFS "$ntfs" 2>/dev/null
mkdir "$work/m"
ntfs-3g "$ntfs" "$work/m" 2>/dev/null || exit 77
cp -r "$src"/. "$work/m"/
sync
(cd "$src" && find . -type f -name '*.jpg' | sed 's|^\./||' | sort | awk 'NR % 4 == 2') > "$work/deleted"
while IFS= read -r f; do rm "$work/m/$f"; done < "$work/deleted"
sync
umount "$work/m"
mkfs.ext4 -q -F -d "$src" -L scrimext "$ext" 32M >/dev/null
rm -f "$img"
truncate -s 100M "$img"
sgdisk -n 1:2048:+48M -t 1:0700 -c 1:"Basic data" -n 2:0:+32M -t 2:8300 -c 2:linux "$img" >/dev/null
dd if="$ntfs" of="$img" bs=1M seek=1 conv=notrunc,sparse status=none
start2=$(sgdisk -i 2 "$img" | awk '/First sector/ {print $3}')
dd if="$ext" of="$img" bs=512 seek="$start2" conv=notrunc,sparse status=none
cat "$work/deleted"
