// Package volume finds the volumes of a disk: none (a bare filesystem), MBR
// with extended/logical partitions, GPT.
package volume

// Volume is one partition, or the whole disk when there is no table.
type Volume struct {
	Index  int    // 1-based in table order; 0 for the whole disk without a table
	Offset int64  // bytes from the start of the disk
	Size   int64  // bytes
	Scheme string // "none", "mbr", "gpt"
	Type   string // "0x07", "0x0c", ... for MBR; the GUID (upper-case) for GPT; "" for none
	Name   string // GPT partition name, "" otherwise
}
