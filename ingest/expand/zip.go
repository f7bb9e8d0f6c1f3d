package expand

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// zipFormat reads ZIP and ZIP64 archives, and so the media parts of OOXML
// and ODF documents, which are ZIPs.
type zipFormat struct{}

func (zipFormat) Name() string { return "zip" }

func (zipFormat) Probe(h []byte) bool {
	return at(h, 0, "PK\x03\x04") || at(h, 0, "PK\x05\x06") || at(h, 0, "PK\x07\x08PK\x03\x04")
}

func (zipFormat) Walk(ctx context.Context, r io.ReaderAt, size int64, fn func(Member) error) error {
	zr, err := zip.NewReader(r, size)
	// ErrInsecurePath ("../../x.jpg") still returns a usable reader: the
	// names are only shown, never used to write.
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return fmt.Errorf("zip: %w", err)
	}
	// A UFDR's report.xml names each file's device path; else a phone's
	// file tree or a Takeout export names its own (phonetree.go, takeout.go).
	ufdr := ufdrReportOf(ctx, zr)
	var sidecars takeoutSidecars
	var backups *archivedBackups
	if ufdr == nil {
		sidecars = takeoutIndex(zr)
		backups = zipBackupsOf(zr)
	}
	for _, f := range zr.File {
		if err := ctx.Err(); err != nil {
			return err
		}
		if strings.HasSuffix(f.Name, "/") && f.UncompressedSize64 == 0 {
			continue // a directory
		}
		m := Member{Name: cleanName(f.Name), Size: int64(f.UncompressedSize64), Packed: int64(f.CompressedSize64), Mtime: f.Modified}
		if ufdr != nil {
			ufdr.apply(&m, f.Name)
			m.Note, ufdr.note = ufdr.note, "" // said once, with the first member
		} else {
			m.DevicePath = phoneTreePath(m.Name)
			sidecars.apply(&m, f.Name)
			if backups != nil {
				backups.apply(&m, f.Name)
				m.Note, backups.note = backups.note, ""
			}
		}
		switch {
		case f.Flags&0x1 != 0:
			m.Err = ErrEncrypted
		case f.Method != zip.Store && f.Method != zip.Deflate:
			m.Err = fmt.Errorf("zip compression method %d not supported", f.Method)
		default:
			if f.Method == zip.Store {
				if off, err := f.DataOffset(); err == nil {
					m.Offset = off
				}
			}
			m.Open = func() (io.ReadCloser, error) { return f.Open() }
		}
		if err := fn(m); err != nil {
			return err
		}
	}
	return nil
}
