package volume

// isBootSector reports whether sector 0 is a filesystem boot sector rather
// than an MBR: FAT, NTFS, exFAT and BitLocker boot sectors also end in 0x55AA, and the
// boot code where an MBR keeps its table may look like partition entries.
func isBootSector(b []byte) bool {
	switch string(b[3:11]) {
	case "NTFS    ", "EXFAT   ", "-FVE-FS-": // -FVE-FS-: BitLocker
		return true
	}
	return fatBPB(b)
}

// fatBPB is a plausible FAT BIOS parameter block: an x86 jump, a power-of-
// two sector size 512-4096, a power-of-two cluster size, one or two FATs,
// reserved sectors, and a FAT size. An MBR keeps boot code or zeros at
// these offsets (GRUB's MBR starts with a jump but leaves the BPB zero).
func fatBPB(b []byte) bool {
	if !(b[0] == 0xEB && b[2] == 0x90) && b[0] != 0xE9 {
		return false
	}
	bps := int(b[11]) | int(b[12])<<8
	spc := int(b[13])
	reserved := int(b[14]) | int(b[15])<<8
	fats := int(b[16])
	if bps < 512 || bps > 4096 || bps&(bps-1) != 0 {
		return false
	}
	if spc == 0 || spc&(spc-1) != 0 || reserved == 0 || fats < 1 || fats > 2 {
		return false
	}
	fatsz := int(b[22]) | int(b[23])<<8
	if fatsz == 0 {
		fatsz = int(le32(b[36:]))
	}
	if fatsz == 0 {
		return false
	}
	return true
}
