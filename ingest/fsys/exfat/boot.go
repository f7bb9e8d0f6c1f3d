// Package exfat reads exFAT volumes: every regular file reachable from the
// root, allocated and deleted (directory entry sets whose in-use bits are
// cleared), with The Sleuth Kit's inode addresses, timestamps corrected by
// their UTC offsets, the volume label, and the allocation bitmap's free
// clusters for the carver.
package exfat

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// oemName is what every exFAT boot sector carries at offset 3.
var oemName = []byte("EXFAT   ")

// geometry is the layout a boot sector declares, checked against the
// specification's limits.
type geometry struct {
	bps         int64  // bytes per sector
	spc         int64  // sectors per cluster
	volSectors  int64  // declared volume length in sectors
	fatOffset   int64  // sector of FAT 1
	fatLength   int64  // sectors per FAT
	heapOffset  int64  // sector of cluster 2
	clusters    uint32 // clusters in the heap
	rootCluster uint32
	activeFAT   int64 // 0 or 1 (TexFAT volumes with two FATs)
	serial      uint32
}

// Probe reports whether head starts with an exFAT boot sector (the OEM
// name and the boot signature), or holds one where the backup boot region
// begins (sector 12) when the main one is wiped, so that Open can use it.
func Probe(head []byte) bool {
	if isBootSector(head) {
		return true
	}
	for bps := 512; bps <= 4096; bps *= 2 {
		if len(head) >= 13*bps && isBootSector(head[12*bps:]) {
			return true
		}
	}
	return false
}

func isBootSector(b []byte) bool {
	return len(b) >= 512 && bytes.Equal(b[3:11], oemName) && b[510] == 0x55 && b[511] == 0xAA
}

// parseBoot checks one main boot sector and derives the layout.
func parseBoot(b []byte) (*geometry, error) {
	if len(b) < 512 {
		return nil, fmt.Errorf("boot sector: %d bytes", len(b))
	}
	if !bytes.Equal(b[3:11], oemName) {
		return nil, fmt.Errorf("boot sector: OEM name %q, not %q", b[3:11], oemName)
	}
	if b[510] != 0x55 || b[511] != 0xAA {
		return nil, fmt.Errorf("boot sector: no 0x55AA signature")
	}
	u32 := func(o int) int64 { return int64(binary.LittleEndian.Uint32(b[o:])) }
	bpsShift, spcShift, nfats := b[108], b[109], b[110]
	switch {
	case bpsShift < 9 || bpsShift > 12:
		return nil, fmt.Errorf("boot sector: bytes-per-sector shift %d outside 9-12", bpsShift)
	case int(spcShift) > 25-int(bpsShift):
		return nil, fmt.Errorf("boot sector: cluster of 2^%d sectors of 2^%d bytes exceeds 32 MiB", spcShift, bpsShift)
	case nfats != 1 && nfats != 2:
		return nil, fmt.Errorf("boot sector: %d FATs", nfats)
	}
	g := &geometry{
		bps:         1 << bpsShift,
		spc:         1 << spcShift,
		volSectors:  int64(binary.LittleEndian.Uint64(b[72:])),
		fatOffset:   u32(80),
		fatLength:   u32(84),
		heapOffset:  u32(88),
		clusters:    binary.LittleEndian.Uint32(b[92:]),
		rootCluster: binary.LittleEndian.Uint32(b[96:]),
		serial:      binary.LittleEndian.Uint32(b[100:]),
	}
	if nfats == 2 && binary.LittleEndian.Uint16(b[106:])&1 == 1 {
		g.activeFAT = 1
	}
	switch {
	case g.volSectors < 0 || g.volSectors>>(63-bpsShift) != 0:
		return nil, fmt.Errorf("boot sector: volume of %d sectors", g.volSectors)
	case g.fatOffset < 24:
		return nil, fmt.Errorf("boot sector: FAT at sector %d, inside the boot regions", g.fatOffset)
	case g.fatLength == 0:
		return nil, fmt.Errorf("boot sector: FAT length 0")
	case g.heapOffset < g.fatOffset+g.fatLength*int64(nfats):
		return nil, fmt.Errorf("boot sector: cluster heap at sector %d overlaps the FATs (%d+%d×%d)", g.heapOffset, g.fatOffset, nfats, g.fatLength)
	case g.clusters == 0 || g.clusters > 0xFFFFFFF5:
		return nil, fmt.Errorf("boot sector: %d clusters", g.clusters)
	case int64(g.clusters)+2 > g.fatLength*g.bps/4:
		return nil, fmt.Errorf("boot sector: %d clusters do not fit a FAT of %d sectors", g.clusters, g.fatLength)
	case g.heapOffset+int64(g.clusters)*g.spc > g.volSectors:
		return nil, fmt.Errorf("boot sector: cluster heap (%d clusters from sector %d) ends past the %d-sector volume", g.clusters, g.heapOffset, g.volSectors)
	case !g.valid(g.rootCluster):
		return nil, fmt.Errorf("boot sector: root directory cluster %d outside 2-%d", g.rootCluster, g.lastCluster())
	}
	return g, nil
}

// bootChecksum is the specification's checksum over the first 11 sectors
// of a boot region, skipping VolumeFlags and PercentInUse, which change
// without the checksum being rewritten.
func bootChecksum(region []byte, bps int) uint32 {
	var sum uint32
	for i, c := range region[:11*bps] {
		if i == 106 || i == 107 || i == 112 {
			continue
		}
		sum = (sum>>1 | sum<<31) + uint32(c)
	}
	return sum
}

// checkRegion verifies that sector 11 of a boot region repeats the
// checksum of sectors 0-10.
func checkRegion(region []byte, bps int) error {
	want := bootChecksum(region, bps)
	for o := 11 * bps; o < 12*bps; o += 4 {
		if got := binary.LittleEndian.Uint32(region[o:]); got != want {
			return fmt.Errorf("boot checksum sector holds %#08x, sectors 0-10 sum to %#08x", got, want)
		}
	}
	return nil
}

func (g *geometry) clusterBytes() int64 { return g.spc * g.bps }

// lastCluster is the highest valid cluster number.
func (g *geometry) lastCluster() uint32 { return g.clusters + 1 }

func (g *geometry) valid(c uint32) bool { return c >= 2 && c <= g.lastCluster() }

// clusterOffset is the volume byte offset of cluster c (valid c).
func (g *geometry) clusterOffset(c uint32) int64 {
	return (g.heapOffset + int64(c-2)*g.spc) * g.bps
}

// inode is TSK's address for directory entry idx of the sector at volume
// byte offset off: entries are numbered from the start of the cluster
// heap, beginning at 3 (2 is the root directory).
func (g *geometry) inode(off int64, idx int64) uint64 {
	return uint64(3 + (off/g.bps-g.heapOffset)*(g.bps/32) + idx)
}
