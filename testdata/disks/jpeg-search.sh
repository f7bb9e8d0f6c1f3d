#!/usr/bin/env bash
# jpeg-search.sh IMAGE SRC: the classic "JPEG search" tool-test layout on an
# NTFS volume (no partition table), filled through an ntfs-3g FUSE mount
# from SRC/p01.jpg … p10.jpg and SRC/letter.docx (which holds p09):
# right extension, wrong extension, no extension, deleted, inside a ZIP,
# inside a renamed ZIP, inside a .tar.gz, appended after 1572 random bytes,
# inside a Word document, in an alternate data stream. Exit 77 when FUSE
# cannot be used here.
set -euo pipefail
img=$1 src=$2
work=$(mktemp -d)
trap 'umount "$work/m" 2>/dev/null || true; rm -rf "$work"' EXIT
rm -f "$img"
truncate -s 16M "$img"
mkntfs -F -Q -q -s 512 -c 4096 -L JPEGSEARCH "$img" 2>/dev/null
mkdir "$work/m"
ntfs-3g "$img" "$work/m" 2>/dev/null || exit 77
m=$work/m
cp "$src/p01.jpg" "$m/holiday.jpg"
cp "$src/p02.jpg" "$m/invoice.txt"
cp "$src/p03.jpg" "$m/noext"
cp "$src/p04.jpg" "$m/gone.jpg"
(cd "$src" && zip -q "$work/album.zip" p05.jpg && zip -q "$work/renamed.zip" p06.jpg && tar czf "$work/backup.tar.gz" p07.jpg)
cp "$work/album.zip" "$m/album.zip"
cp "$work/renamed.zip" "$m/report.dat"
cp "$work/backup.tar.gz" "$m/backup.tar.gz"
head -c 1572 /dev/urandom > "$m/blob.bin"
cat "$src/p08.jpg" >> "$m/blob.bin"
cp "$src/letter.docx" "$m/letter.docx"
touch "$m/readme.txt"
# ntfs-3g maps user.* extended attributes to named data streams.
python3 -c 'import os,sys; os.setxattr(sys.argv[1], "user.secret", open(sys.argv[2], "rb").read())' "$m/readme.txt" "$src/p10.jpg"
sync
rm "$m/gone.jpg"
sync
umount "$m"
