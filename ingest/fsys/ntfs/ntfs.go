// Package ntfs reads NTFS volumes through www.velocidex.com/golang/go-ntfs:
// every MFT record (in use or not) becomes fsys.File values for its unnamed
// and named $DATA streams, with paths resolved through $FILE_NAME parents as
// TSK's fls prints them. The library is called only from the caller's
// goroutine (its goroutine-based ParseMFTFile and USN readers are not used),
// so every panic it raises is recovered and turned into an error.
package ntfs

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"scrim/ingest/fsys"

	"www.velocidex.com/golang/go-ntfs/parser"
)

// maxRecords bounds the MFT walk whatever the volume claims (2^26 records
// of 1 KiB is a 64 GiB $MFT, far beyond real volumes' file counts).
const maxRecords = 1 << 26

// Probe reports whether head (the volume's first bytes) is an NTFS boot sector.
func Probe(head []byte) bool {
	if len(head) < 512 {
		return false
	}
	return bytes.Equal(head[3:11], []byte("NTFS    ")) &&
		binary.LittleEndian.Uint16(head[510:]) == 0xaa55
}

// FS is one opened NTFS volume.
type FS struct {
	r           io.ReaderAt // bounded to size
	size        int64
	ctx         *parser.NTFSContext
	clusterSize int64
	clusters    int64 // clusters in the volume, capped to the image
	recordSize  int64
	records     int64 // MFT records to visit
	bitmap      io.ReaderAt
	bitmapSize  int64
}

// Open parses the boot sector and bootstraps $MFT and $Bitmap.
func Open(r io.ReaderAt, size int64) (f fsys.FS, err error) {
	head := make([]byte, 512)
	if _, err := r.ReadAt(head, 0); err != nil {
		return nil, fmt.Errorf("ntfs: boot sector: %w", err)
	}
	if !Probe(head) {
		return nil, errors.New("ntfs: no NTFS boot sector")
	}
	br := &bounded{r: r, size: size}
	v := &FS{r: br, size: size}
	err = guard("open", func() error {
		ctx, err := parser.GetNTFSContext(br, 0)
		if err != nil {
			return err
		}
		v.ctx = ctx
		v.clusterSize = ctx.ClusterSize
		v.recordSize = ctx.GetRecordSize()
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ntfs: %w", err)
	}
	if v.recordSize < 256 || v.recordSize > 65536 || v.clusterSize <= 0 {
		return nil, fmt.Errorf("ntfs: absurd record size %d or cluster size %d", v.recordSize, v.clusterSize)
	}
	v.clusters = size / v.clusterSize
	// the boot sector counts sectors, the library's BlockCount mistakes them for bytes
	declared := int64(v.ctx.Boot.VolumeSize()) * int64(v.ctx.Boot.Sector_size()) / v.clusterSize
	if declared > 0 && declared < v.clusters {
		v.clusters = declared
	}
	if err := v.loadMFTSize(); err != nil {
		return nil, err
	}
	if err := v.loadBitmap(); err != nil {
		return nil, err
	}
	return v, nil
}

// Type is "ntfs".
func (v *FS) Type() string { return "ntfs" }

// loadMFTSize sets the number of records from $MFT's own $DATA size, capped
// by what the image can hold.
func (v *FS) loadMFTSize() error {
	var n int64
	err := guard("$MFT record 0", func() error {
		e, err := v.ctx.GetMFT(0)
		if err != nil {
			return err
		}
		for _, a := range e.EnumerateAttributes(v.ctx) {
			if a.Type().Value == parser.ATTR_TYPE_DATA && a.Name() == "" && a.Runlist_vcn_start() == 0 {
				n = a.DataSize() / v.recordSize
				return nil
			}
		}
		return errors.New("no $DATA attribute")
	})
	if err != nil {
		return fmt.Errorf("ntfs: %w", err)
	}
	n = min(n, v.size/v.recordSize, maxRecords)
	if n < 16 {
		return fmt.Errorf("ntfs: $MFT holds %d records, fewer than the 16 system files", n)
	}
	v.records = n
	return nil
}

// guard runs fn and turns a panic inside the library into an error.
func guard(what string, fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: parser panic: %v", what, p)
		}
	}()
	if err := fn(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// bounded makes reads past the volume end return io.EOF, so a hostile run
// list cannot make the library read beyond the volume.
type bounded struct {
	r    io.ReaderAt
	size int64
}

func (b *bounded) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off >= b.size {
		return 0, io.EOF
	}
	if rest := b.size - off; int64(len(p)) > rest {
		n, err := b.r.ReadAt(p[:rest], off)
		if err == nil {
			err = io.EOF
		}
		return n, err
	}
	return b.r.ReadAt(p, off)
}

// Walk reports every named stream of every MFT record in record order.
func (v *FS) Walk(ctx context.Context, fn func(fsys.File) error) error {
	w := newWalker(v)
	for id := int64(0); id < v.records; id++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		for _, f := range w.record(id) {
			if err := fn(f); err != nil {
				return err
			}
		}
	}
	return nil
}
