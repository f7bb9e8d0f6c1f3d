// Package fat reads FAT12, FAT16 and FAT32 volumes the way The Sleuth Kit
// does: every regular file reachable from the root, allocated and deleted,
// with TSK's names, paths, inode addresses and deleted-file recovery.
package fat

import (
	"encoding/binary"
	"fmt"
)

// geometry is the layout a boot sector declares, checked and capped.
type geometry struct {
	bps        int64  // bytes per sector
	spc        int64  // sectors per cluster
	reserved   int64  // sectors before the first FAT
	nfats      int64  // FAT copies
	fatSectors int64  // sectors per FAT
	rootSects  int64  // FAT12/16 fixed root directory, in sectors
	total      int64  // sectors in the volume, as declared
	rootClust  uint32 // FAT32 root directory cluster
	firstData  int64  // first sector after the FATs (TSK firstdatasect)
	firstClust int64  // sector of cluster 2 (TSK firstclustsect)
	lastClust  uint32 // highest valid cluster number
	kind       string // "fat12", "fat16", "fat32"
	mask       uint32
}

// Probe reports whether boot looks like a FAT boot sector with a plausible
// BIOS parameter block.
func Probe(boot []byte) bool {
	if len(boot) < 512 || boot[510] != 0x55 || boot[511] != 0xAA {
		return false
	}
	_, err := parseBPB(boot)
	return err == nil
}

func isPow2(n int64) bool { return n > 0 && n&(n-1) == 0 }

// parseBPB checks the BPB and derives the layout. The FAT type follows the
// Microsoft specification: it is decided by the cluster count alone.
func parseBPB(b []byte) (*geometry, error) {
	if len(b) < 512 {
		return nil, fmt.Errorf("boot sector: %d bytes", len(b))
	}
	if !(b[0] == 0xEB && b[2] == 0x90) && b[0] != 0xE9 {
		return nil, fmt.Errorf("boot sector: no x86 jump (%02x %02x %02x)", b[0], b[1], b[2])
	}
	u16 := func(o int) int64 { return int64(binary.LittleEndian.Uint16(b[o:])) }
	u32 := func(o int) int64 { return int64(binary.LittleEndian.Uint32(b[o:])) }
	g := &geometry{bps: u16(11), spc: int64(b[13]), reserved: u16(14), nfats: int64(b[16])}
	switch {
	case g.bps < 512 || g.bps > 4096 || !isPow2(g.bps):
		return nil, fmt.Errorf("BPB: %d bytes per sector", g.bps)
	case !isPow2(g.spc) || g.spc > 128:
		return nil, fmt.Errorf("BPB: %d sectors per cluster", g.spc)
	case g.nfats < 1 || g.nfats > 2:
		return nil, fmt.Errorf("BPB: %d FATs", g.nfats)
	case g.reserved < 1:
		return nil, fmt.Errorf("BPB: no reserved sectors")
	}
	rootEntries := u16(17)
	g.total = u16(19)
	if g.total == 0 {
		g.total = u32(32)
	}
	g.fatSectors = u16(22)
	if g.fatSectors == 0 {
		g.fatSectors = u32(36)
		g.rootClust = binary.LittleEndian.Uint32(b[44:])
	}
	if g.fatSectors == 0 {
		return nil, fmt.Errorf("BPB: FAT size 0")
	}
	g.rootSects = (rootEntries*32 + g.bps - 1) / g.bps
	g.firstData = g.reserved + g.nfats*g.fatSectors
	g.firstClust = g.firstData + g.rootSects
	if g.total <= g.firstClust {
		return nil, fmt.Errorf("BPB: %d sectors leave no data area after sector %d", g.total, g.firstClust)
	}
	clusters := (g.total - g.firstClust) / g.spc
	switch {
	case clusters < 1:
		return nil, fmt.Errorf("BPB: no clusters")
	case clusters < 4085:
		g.kind, g.mask = "fat12", 0xfff
	case clusters < 65525:
		g.kind, g.mask = "fat16", 0xffff
	default:
		g.kind, g.mask = "fat32", 0x0fffffff
	}
	if g.kind == "fat32" && rootEntries != 0 || g.kind != "fat32" && rootEntries == 0 {
		return nil, fmt.Errorf("BPB: %d root entries for %s", rootEntries, g.kind)
	}
	// A FAT too small for the cluster count limits the usable clusters.
	entries := g.fatSectors * g.bps * 8 / map[string]int64{"fat12": 12, "fat16": 16, "fat32": 32}[g.kind]
	if clusters+2 > entries {
		clusters = entries - 2
	}
	if clusters > int64(g.mask)-10 {
		clusters = int64(g.mask) - 10
	}
	if clusters < 1 {
		return nil, fmt.Errorf("BPB: FAT of %d sectors holds no clusters", g.fatSectors)
	}
	g.lastClust = uint32(clusters + 1)
	if g.kind == "fat32" && (g.rootClust < 2 || g.rootClust > g.lastClust) {
		return nil, fmt.Errorf("BPB: root cluster %d outside 2-%d", g.rootClust, g.lastClust)
	}
	return g, nil
}

func (g *geometry) clusterBytes() int64 { return g.spc * g.bps }

// clusterOffset is the volume byte offset of cluster c (c >= 2).
func (g *geometry) clusterOffset(c uint32) int64 {
	return (g.firstClust + int64(c-2)*g.spc) * g.bps
}

// clusterSector is the first sector of cluster c.
func (g *geometry) clusterSector(c uint32) int64 { return g.firstClust + int64(c-2)*g.spc }

// inode is TSK's address for the directory entry at byte offset pos of
// sector sect: entries are numbered from the first sector after the FATs,
// starting at 3 (1 and 2 are taken; 2 is the root).
func (g *geometry) inode(sect int64, idx int64) uint64 {
	return uint64(3 + (sect-g.firstData)*(g.bps/32) + idx)
}
