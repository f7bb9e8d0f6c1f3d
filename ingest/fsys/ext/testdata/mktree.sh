#!/bin/sh
# mktree.sh DIR: the tree mkfs.ext* -d copies in: nested directories, a
# 3 MiB file (several extents / indirect blocks), a sparse file, an empty
# file, a symlink and a FIFO (both skipped by Walk).
set -eu
d=$1
mkdir -p "$d/DCIM/100CANON/deep/er" "$d/home/bob/Pictures"
head -c 3145728 /dev/urandom > "$d/DCIM/big.jpg"
head -c 5000 /dev/urandom > "$d/DCIM/100CANON/IMG_0001.JPG"
head -c 70000 /dev/urandom > "$d/DCIM/100CANON/deep/er/x y.png"
printf 'caf\303\251' > "$d/home/bob/caf$(printf '\303\251').txt"
: > "$d/home/empty"
truncate -s 2000000 "$d/home/bob/sparse.bin"
printf 'middle' | dd of="$d/home/bob/sparse.bin" bs=1 seek=1000000 conv=notrunc 2>/dev/null
ln -s ../DCIM/big.jpg "$d/home/link.jpg"
mkfifo "$d/home/fifo"
i=0; while [ $i -lt 120 ]; do echo "$i" > "$d/home/bob/Pictures/f$i.txt"; i=$((i+1)); done
