package decmpfs

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"testing"
)

// rsrcFork lays out a decmpfs resource fork as macOS writes it: a
// resource-fork header whose first word is the data offset, then at that
// offset a big-endian length, a little-endian block count and (offset,
// size) pairs, then the blocks, zlib-compressed or stored (0xff first).
func rsrcFork(t *testing.T, content []byte, store func(i int) bool) *bytes.Reader {
	t.Helper()
	var blocks [][]byte
	for i := 0; i*blockSize < len(content); i++ {
		part := content[i*blockSize : min(len(content), (i+1)*blockSize)]
		if store(i) {
			blocks = append(blocks, append([]byte{0xff}, part...))
			continue
		}
		var z bytes.Buffer
		w := zlib.NewWriter(&z)
		w.Write(part)
		w.Close()
		blocks = append(blocks, z.Bytes())
	}
	const dataOffset = 0x100
	table := binary.LittleEndian.AppendUint32(nil, uint32(len(blocks)))
	off := 4 + 8*len(blocks)
	for _, b := range blocks {
		table = binary.LittleEndian.AppendUint32(table, uint32(off))
		table = binary.LittleEndian.AppendUint32(table, uint32(len(b)))
		off += len(b)
	}
	fork := make([]byte, dataOffset)
	binary.BigEndian.PutUint32(fork, dataOffset)
	fork = binary.BigEndian.AppendUint32(fork, uint32(off))
	fork = append(fork, table...)
	for _, b := range blocks {
		fork = append(fork, b...)
	}
	return bytes.NewReader(fork)
}

func TestDecmpfsResourceFork(t *testing.T) {
	content := make([]byte, 5*blockSize+1234)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range content {
		content[i] = byte(rng.IntN(4)) // compressible
	}
	fork := rsrcFork(t, content, func(i int) bool { return i == 2 })
	r, err := newBlockReader(fork, fork.Size(), int64(len(content)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(io.NewSectionReader(r, 0, int64(len(content))))
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("read back %d bytes (%v), want %d identical", len(got), err, len(content))
	}
	// A block table that does not cover the size is refused.
	if _, err := newBlockReader(fork, fork.Size(), int64(len(content))+blockSize); err == nil {
		t.Error("block count mismatch accepted")
	}
}

func TestInflateBlock(t *testing.T) {
	if b, err := inflateBlock(append([]byte{0xff}, "stored"...), 6, 100); err != nil || string(b) != "stored" {
		t.Errorf("stored unit: %q %v", b, err)
	}
	if _, err := inflateBlock([]byte{0x78, 0x9c, 1, 2, 3}, 10, 100); err == nil {
		t.Error("garbage inflated")
	}
	if _, err := inflateBlock([]byte{0xff}, 1<<30, 100); err == nil {
		t.Error("absurd size accepted")
	}
}
