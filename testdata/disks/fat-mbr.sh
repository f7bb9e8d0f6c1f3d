#!/usr/bin/env bash
# fat-mbr.sh IMAGE SRC: a 96 MiB disk with an MBR holding a FAT32 and a FAT16
# partition, filled from SRC with mtools (no mount), then some files deleted.
# Usage from tests: the deleted names are printed on stdout, one per line.
set -euo pipefail
img=$1 src=$2
rm -f "$img"
truncate -s 96M "$img"
sfdisk -q "$img" <<'TABLE'
label: dos
start=2048, size=120832, type=c
start=124928, size=69632, type=6
TABLE
p1=$((2048 * 512)) p2=$((124928 * 512))
mkfs.vfat --invariant -F 32 -n SCRIMP1 --offset 2048 "$img" $((120832 / 2)) >/dev/null 2>&1
mkfs.vfat --invariant -F 16 -n SCRIMP2 --offset 124928 "$img" $((69632 / 2)) >/dev/null 2>&1
export MTOOLS_SKIP_CHECK=1
for part in "$p1" "$p2"; do
	mcopy -s -i "$img@@$part" "$src"/* ::/
done
# Deleted files: their clusters stay intact until something reuses them.
deleted=()
while IFS= read -r f; do
	mdel -i "$img@@$p1" "::/$f"
	deleted+=("$f")
done < <(cd "$src" && find . -type f -name '*.jpg' | sed 's|^\./||' | sort | awk 'NR % 4 == 1')
printf '%s\n' "${deleted[@]}"
