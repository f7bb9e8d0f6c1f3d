package store

import (
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Opening a case reads a little of every file: the 20-byte header of each
// value log and the index (with the last block) at the end of each table.
// Badger reads them through its maps, and a fault on a page not cached
// reads the device's whole read-ahead window around it (8 MiB here): a
// cold open of a 10 M-place case read 2.2 GB to use a few hundred MB
// (`scrim stats` 4.5 s). readOpenRanges asks the kernel beforehand for
// exactly those ranges, on a descriptor of its own; Badger's faults then
// find the pages cached and read nothing more. It is only a hint: any
// error leaves the open as it was.
func readOpenRanges(dir string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	names := make(chan string)
	var wg sync.WaitGroup
	for range 4 { // a few requests in flight: the device serves them together
		wg.Go(func() {
			for name := range names {
				readOpenRange(filepath.Join(dir, name), strings.HasSuffix(name, ".sst"))
			}
		})
	}
	for _, e := range ents {
		if n := e.Name(); e.Type().IsRegular() && (strings.HasSuffix(n, ".vlog") || strings.HasSuffix(n, ".sst")) {
			names <- n
		}
	}
	close(names)
	wg.Wait()
}

// lastBlockRoom is how much before a table's index is read with it: the
// last block, which the open reads for the table's biggest key (blocks
// are 4 KiB unless one entry is larger).
const lastBlockRoom = 64 << 10

// readOpenRange reads ahead what opening the file reads: a value log's
// header page, or a table's footer, index and last block.
func readOpenRange(path string, table bool) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	fd := int(f.Fd())
	noReadAround(fd) // this descriptor's reads bring in what they ask for, no more
	if !table {
		willNeed(fd, 0, 4096)
		return
	}
	st, err := f.Stat()
	if err != nil {
		return
	}
	if start, n, ok := tableOpenRange(f, st.Size()); ok {
		willNeed(fd, start, n)
	}
}

// tableOpenRange is the range of a table of size bytes that opening it
// reads: its last block, index and footer. The footer, from the end:
// index, index length (4 bytes), checksum, checksum length (4), lengths
// big-endian. ok is false when the footer is not one.
func tableOpenRange(r io.ReaderAt, size int64) (start, n int64, ok bool) {
	var word [4]byte
	if size < 8 {
		return 0, 0, false
	}
	if _, err := r.ReadAt(word[:], size-4); err != nil {
		return 0, 0, false
	}
	sumLen := int64(binary.BigEndian.Uint32(word[:]))
	if sumLen > size-8 {
		return 0, 0, false
	}
	if _, err := r.ReadAt(word[:], size-8-sumLen); err != nil {
		return 0, 0, false
	}
	indexLen := int64(binary.BigEndian.Uint32(word[:]))
	if indexLen > size-8-sumLen {
		return 0, 0, false
	}
	start = max(0, size-8-sumLen-indexLen-lastBlockRoom)
	return start, size - start, true
}
