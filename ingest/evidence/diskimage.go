package evidence

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"sync"

	"scrim/ingest/carve"
	"scrim/ingest/container"
	"scrim/ingest/fsys"
	"scrim/ingest/signature"
	"scrim/ingest/volume"
)

// diskImage is a forensic or virtual disk image: container → volumes →
// filesystems → files, plus pictures carved from unallocated space.
type diskImage struct {
	path  string
	img   container.Image
	vols  []volume.Volume
	notes []string

	mu        sync.Mutex
	walkNotes []string // what the walk could not read (see regions.go)
}

// fsProbeSize is how much of a volume each filesystem probe sees.
const fsProbeSize = 64 << 10

// filesystem is one filesystem reader's probe.
type filesystem struct {
	name  string
	probe func(head []byte) bool
	open  func(r io.ReaderAt, size int64) (fsys.FS, error)
}

// openDiskImage claims files that are containers (E01, VMDK, VHD, VHDX,
// split raw), raw files that hold a partition table or a filesystem, and
// raw files whose content is no known file type (see isMedia). A picture or
// a document is not a disk image: it falls through to the loose-file reader.
func openDiskImage(abs string, fi os.FileInfo) (Source, error) {
	if !fi.Mode().IsRegular() {
		return nil, nil
	}
	img, err := container.Open(abs)
	if err != nil {
		return nil, err
	}
	vols, warnings, err := volume.List(img, img.Size())
	if err != nil {
		img.Close()
		return nil, fmt.Errorf("read partition table: %w", err)
	}
	if len(vols) == 0 {
		// A table that lists nothing (a wiped or re-initialised disk):
		// the whole disk is searched.
		warnings = append(warnings, "the partition table lists no partition: the whole disk is searched")
		vols = []volume.Volume{{Index: 0, Offset: 0, Size: img.Size(), Scheme: "none"}}
	}
	if img.Format() == "raw" && !looksLikeDisk(img, vols) && !isMedia(img) {
		img.Close()
		return nil, nil
	}
	return &diskImage{path: abs, img: img, vols: vols, notes: warnings}, nil
}

// looksLikeDisk: a raw file is a disk image when it has a partition table or
// its start is a filesystem we read.
func looksLikeDisk(img container.Image, vols []volume.Volume) bool {
	if len(vols) != 1 || vols[0].Scheme != "none" {
		return len(vols) > 0
	}
	head := make([]byte, min(fsProbeSize, img.Size()))
	n, _ := img.ReadAt(head, 0)
	return len(matchFilesystems(head[:n])) > 0
}

func matchFilesystems(head []byte) []filesystem {
	var out []filesystem
	for _, f := range filesystems() {
		if f.probe(head) {
			out = append(out, f)
		}
	}
	return out
}

func (d *diskImage) Info() Info {
	notes := append([]string(nil), d.notes...)
	if p, ok := d.img.(interface{ Problems() []string }); ok {
		notes = append(notes, p.Problems()...)
	}
	return Info{Path: d.path, Format: d.img.Format(), Size: d.img.Size(),
		Segments: d.img.Segments(), StoredHashes: d.img.StoredHashes(), Notes: notes}
}

func (d *diskImage) Close() error { return d.img.Close() }

// Image gives the container to callers that verify acquisition hashes.
func (d *diskImage) Image() container.Image { return d.img }

// Walk reads every volume in turn, then carves the space outside them. A
// volume that cannot be read is reported as one error entry and the walk
// goes on with the next; what no reader claimed is noted (WalkNotes).
func (d *diskImage) Walk(ctx context.Context, fn func(Entry) error) error {
	d.mu.Lock()
	d.walkNotes = nil
	d.mu.Unlock()
	for _, v := range d.vols {
		// An encrypted volume is named before any reader sees it: the FAT
		// wrapper of BitLocker To Go must not pass for the volume itself.
		r := io.NewSectionReader(d.img, v.Offset, v.Size)
		sig, known := signature.Identify(r, v.Size)
		var err error
		if known && sig.Encrypted {
			err = unclaimedVolume{}
		} else {
			err = supervise(ctx, readerStallLimit, fn, func(emit func(Entry) error) error {
				return d.walkVolume(ctx, v, emit)
			})
		}
		var unclaimed unclaimedVolume
		if errors.As(err, &unclaimed) {
			// Outside the watchdog: carving a large region hands over
			// nothing for minutes.
			err = d.readUnclaimed(ctx, v, r, sig, known, unclaimed.damage, fn)
			if err != nil && ctx.Err() == nil && !errors.As(err, new(callbackError)) {
				d.note(fmt.Sprintf("volume %d at offset %d (%s): could not be read to its end: %v", v.Index, v.Offset, sizeText(v.Size), err))
			}
		}
		if err == nil {
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var fnErr callbackError
		if errors.As(err, &fnErr) {
			return fnErr.err
		}
		e := volumeEntry(v, "/", "")
		e.Err = fmt.Errorf("volume %d at byte %d: %w", v.Index, v.Offset, err)
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := d.readGaps(ctx, fn); err != nil {
		var fnErr callbackError
		if errors.As(err, &fnErr) {
			return fnErr.err
		}
		return err
	}
	return nil
}

// callbackError carries the consumer's own error through the readers, so it
// is not mistaken for damage in the evidence.
type callbackError struct{ err error }

func (c callbackError) Error() string { return c.err.Error() }
func (c callbackError) Unwrap() error { return c.err }

func (d *diskImage) walkVolume(ctx context.Context, v volume.Volume, fn func(Entry) error) (err error) {
	defer func() {
		// A reader we did not write may panic on damaged structures: that
		// costs this volume, not the ingest.
		if r := recover(); r != nil {
			err = fmt.Errorf("reader panic: %v", r)
		}
	}()
	r := io.NewSectionReader(d.img, v.Offset, v.Size)
	head := make([]byte, min(fsProbeSize, v.Size))
	n, _ := r.ReadAt(head, 0)
	matches := matchFilesystems(head[:n])
	var fs fsys.FS
	var openErrs []error
	for _, m := range matches {
		if fs, err = m.open(r, v.Size); err == nil && fs != nil {
			break
		}
		openErrs = append(openErrs, fmt.Errorf("%s: %w", m.name, err))
	}
	if fs == nil {
		var damage error
		if len(openErrs) > 0 {
			damage = fmt.Errorf("volume %d: %w", v.Index, errors.Join(openErrs...))
		}
		return unclaimedVolume{damage}
	}
	err = fs.Walk(ctx, func(f fsys.File) error {
		e := volumeEntry(v, f.Path, fs.Type())
		e.Inode, e.Deleted, e.Size = f.Inode, f.Deleted, f.Size
		e.Mtime, e.Atime, e.Ctime, e.Btime = f.Mtime, f.Atime, f.Ctime, f.Btime
		e.Err = f.Err
		if f.Err == nil && f.Content != nil {
			content := f.Content
			e.Open = func() (Content, error) { return nopCloser{content}, nil }
		} else if e.Err == nil {
			e.Err = errors.New("no content")
		}
		if err := fn(e); err != nil {
			return callbackError{err}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// A reader may say what its walk does not show (APFS snapshots).
	if n, ok := fs.(interface{ Notes() []string }); ok {
		for _, s := range n.Notes() {
			d.note(fmt.Sprintf("volume %d at offset %d (%s): %s", v.Index, v.Offset, sizeText(v.Size), s))
		}
	}
	return fs.Unallocated(ctx, func(off, length int64) error {
		return d.carve(ctx, v, r, fs.Type(), off, length, fn)
	})
}

// carve reports pictures found in a volume-relative byte range.
func (d *diskImage) carve(ctx context.Context, v volume.Volume, r io.ReaderAt, fsType string, off, length int64, fn func(Entry) error) error {
	_, err := carveRange(ctx, r, v.Offset, off, length, func(p string) Entry { return volumeEntry(v, p, fsType) }, fn)
	return err
}

// carveRange reports pictures found in [off, off+length) of r, which starts
// at byte base of the media, as entries made by entry; it returns how many.
func carveRange(ctx context.Context, r io.ReaderAt, base, off, length int64, entry func(path string) Entry, fn func(Entry) error) (int, error) {
	found := 0
	err := carve.Carve(ctx, r, off, length, func(c carve.Found) error {
		abs := base + c.Offset
		e := entry(path.Join("/$Carved", strconv.FormatInt(abs, 10)+"."+c.Type))
		e.Carved, e.Offset, e.Size = true, abs, c.Size
		e.Open = func() (Content, error) { return nopCloser{io.NewSectionReader(r, c.Offset, c.Size)}, nil }
		if err := fn(e); err != nil {
			return callbackError{err}
		}
		found++
		return nil
	})
	return found, err
}

func volumeEntry(v volume.Volume, p, fsType string) Entry {
	return Entry{Volume: strconv.Itoa(v.Index), VolumeOffset: v.Offset, VolumeType: v.Type, FS: fsType, Path: p}
}

type nopCloser struct{ io.ReaderAt }

func (nopCloser) Close() error { return nil }
