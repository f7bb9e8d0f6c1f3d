#!/bin/sh
# mktree.sh DIR: nested directories, long mixed-case and non-ASCII names,
# an empty file and a 3 MiB file for the ISO mastering tools.
set -eu
d=$1
mkdir -p "$d/DCIM/100CANON/deep" "$d/home/bob"
head -c 3145728 /dev/urandom > "$d/DCIM/big.jpg"
head -c 5000 /dev/urandom > "$d/DCIM/100CANON/IMG_0001.JPG"
head -c 70000 /dev/urandom > "$d/DCIM/100CANON/deep/Long Name.with.dots.png"
printf 'caf\303\251' > "$d/home/bob/caf$(printf '\303\251').txt"
: > "$d/home/empty"
i=0; while [ $i -lt 60 ]; do echo "$i" > "$d/home/bob/f$i.txt"; i=$((i+1)); done
