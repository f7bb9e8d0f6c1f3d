#!/usr/bin/env bash
# exfat-card.sh IMAGE SRC [mbr]: a camera-card-like exFAT volume (label
# SCRIMCARD, 4 KiB clusters) filled with SRC's tree through an exfat-fuse
# mount on a loop device, under a UTC+05:30 clock so every timestamp
# carries a UTC offset. Two directories of SRC, when present, are written in
# a set order to leave traces:
#   frag/A B C D  A, B and C one after the other, B deleted, then the larger
#                 D into B's hole and beyond (a fragmented file);
#   frag/P Q R E  the same with E, which is then deleted (optional);
#   reuse/X, reuse/later/Y  X written and deleted, then Y over its
#                 clusters (its entry, in another directory, stays).
# /known-time.jpg, when present, gets mtime 2021-06-01 12:00:00 UTC.
# Then every fourth other JPEG (sorted) and the directory DCIM/old, when
# present, are deleted (not with EXFAT_CARD_DELETE=0). Prints every deleted
# path, one per line. EXFAT_CARD_SIZE sets the volume size (24M).
# With "mbr", IMAGE is a disk with an MBR and the volume as partition 1 at
# 1 MiB. EXFAT_CARD_CLUSTER sets the cluster size (4096: small clusters
# make fragmentation; SDXC cards are formatted with 128K). Exit 77 when loop
# devices or FUSE cannot be used here.
set -euo pipefail
img=$1 src=$2 wrap=${3:-}
size=${EXFAT_CARD_SIZE:-24M}
work=$(mktemp -d)
loop=
cleanup() {
	umount "$work/m" 2>/dev/null || true
	if [ -n "$loop" ]; then losetup -d "$loop" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT
vol=$work/vol.img
truncate -s "$size" "$vol"
mkfs.exfat -L SCRIMCARD -c "${EXFAT_CARD_CLUSTER:-4096}" "$vol" >/dev/null
loop=$(losetup -f --show "$vol" 2>/dev/null) || exit 77
m=$work/m
mkdir "$m"
TZ=Asia/Kolkata mount.exfat-fuse "$loop" "$m" >/dev/null 2>&1 || exit 77
(cd "$src" && find . -mindepth 1 -maxdepth 1 ! -name frag ! -name reuse -exec cp -r {} "$m/" \;)
if [ -f "$m/known-time.jpg" ]; then touch -d '2021-06-01 12:00:00 UTC' "$m/known-time.jpg"; fi
sync
deleted=()
if [ -d "$src/frag" ]; then
	mkdir "$m/frag"
	for f in A B C; do cp "$src/frag/$f" "$m/frag/$f"; sync; done
	rm "$m/frag/B"; sync
	cp "$src/frag/D" "$m/frag/D"; sync
	deleted+=(frag/B)
fi
if [ -d "$src/reuse" ]; then
	mkdir -p "$m/reuse/later"
	cp "$src/reuse/X" "$m/reuse/X"; sync
	rm "$m/reuse/X"; sync
	cp "$src/reuse/later/Y" "$m/reuse/later/Y"; sync
	deleted+=(reuse/X)
fi
if [ -f "$src/frag/E" ]; then
	# Last of the writes, so nothing reuses its clusters: E fills Q's hole
	# and continues past R, then is deleted, leaving a FAT-chained deleted
	# file whose gap is R's allocated clusters.
	for f in P Q R; do cp "$src/frag/$f" "$m/frag/$f"; sync; done
	rm "$m/frag/Q"; sync
	cp "$src/frag/E" "$m/frag/E"; sync
	rm "$m/frag/E"; sync
	deleted+=(frag/Q frag/E)
fi
while [ "${EXFAT_CARD_DELETE:-1}" = 1 ] && IFS= read -r f; do
	rm "$m/$f"
	deleted+=("$f")
done < <(cd "$src" && find . -type f -iname '*.jpg' ! -path './DCIM/old/*' ! -path './frag/*' ! -path './reuse/*' ! -name known-time.jpg | sed 's|^\./||' | sort | awk 'NR % 4 == 1')
if [ "${EXFAT_CARD_DELETE:-1}" = 1 ] && [ -d "$m/DCIM/old" ]; then
	while IFS= read -r f; do deleted+=("$f"); done < <(cd "$src" && find DCIM/old -type f | sort)
	rm -r "$m/DCIM/old"
fi
sync
umount "$m"
losetup -d "$loop"
loop=
rm -f "$img"
if [ "$wrap" = mbr ]; then
	truncate -s $(( $(stat -c %s "$vol") + (2 << 20) )) "$img"
	sfdisk -q "$img" <<<'start=2048, type=7'
	dd if="$vol" of="$img" bs=1M seek=1 conv=notrunc,sparse status=none
else
	cp --sparse=always "$vol" "$img"
fi
if [ ${#deleted[@]} -gt 0 ]; then printf '%s\n' "${deleted[@]}"; fi
