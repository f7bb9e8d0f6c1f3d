package evidence

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"scrim/ingest/container"
	"scrim/ingest/filetype"
	"scrim/ingest/signature"
	"scrim/ingest/volume"
)

// minMediaSize: a file of unknown type smaller than this is kept as a loose
// file. No disk or filesystem is smaller without one of the readers or
// signatures recognising it, and short unknown files (keys, caches, state
// files) are common in seized folders given as single files.
const minMediaSize = 64 << 10

// isMedia decides by content that a raw file with neither a partition table
// nor a filesystem Scrim reads is evidence media all the same (an unknown
// or encrypted disk, a wiped card): it is no picture, video, document,
// archive or other file type Scrim knows, and not tiny. Such media is then
// named by its signature and carved, never taken for one opaque file.
func isMedia(img container.Image) bool {
	if img.Size() < minMediaSize {
		return false
	}
	if _, known := signature.Identify(img, img.Size()); known {
		return true // an exact signature outweighs the sniffers' heuristics
	}
	head := make([]byte, filetype.HeadSize)
	n, _ := img.ReadAt(head, 0)
	return filetype.Sniff(head[:n]).Name == "unknown"
}

// unclaimedVolume is returned by walkVolume when no filesystem reader opened
// the volume; damage holds the readers' errors when one claimed it by its
// signature and then failed.
type unclaimedVolume struct{ damage error }

func (u unclaimedVolume) Error() string { return "no filesystem reader opened the volume" }

// WalkNotes says, one note per region, what the last walk could not read.
func (d *diskImage) WalkNotes() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.walkNotes)
}

func (d *diskImage) note(s string) {
	d.mu.Lock()
	d.walkNotes = append(d.walkNotes, s)
	d.mu.Unlock()
}

// readUnclaimed handles a volume no reader read: an encrypted one is named
// and left alone (its bytes are noise to a carver); anything else is named
// when a signature says what it is, checked for ciphertext, and carved. One
// note says what was found, and an error entry makes the region count as
// not read, so the examiner never sees "0 errors" for it. Only a region of
// zeros is no error: there is nothing in it to read.
func (d *diskImage) readUnclaimed(ctx context.Context, v volume.Volume, r io.ReaderAt, sig signature.Match, known bool, damage error, fn func(Entry) error) error {
	where := fmt.Sprintf("at offset %d (%s)", v.Offset, sizeText(v.Size))
	entry := func(p string) Entry { return volumeEntry(v, p, "") }
	unread := func(note string) error {
		d.note(note)
		e := entry("/")
		e.Err = errors.New(note)
		if err := fn(e); err != nil {
			return callbackError{err}
		}
		return nil
	}
	switch {
	case known && sig.Encrypted:
		return unread(sig.Name + " " + where + ": not read, the key is needed")
	case damage != nil:
		e := entry("/")
		e.Err = damage
		if err := fn(e); err != nil {
			return callbackError{err}
		}
		n, _, err := carveWatched(ctx, r, v.Offset, v.Size, entry, fn)
		if err != nil {
			return err
		}
		d.note("damaged filesystem " + where + ": not read; carved " + pictures(n))
		return nil
	case known:
		n, _, err := carveWatched(ctx, r, v.Offset, v.Size, entry, fn)
		if err != nil {
			return err
		}
		return unread(sig.Name + " " + where + ": not read; carved " + pictures(n))
	case signature.LooksEncrypted(r, v.Size):
		return unread("high-entropy region " + where + ", possibly encrypted: not read, not carved")
	}
	n, nonZero, err := carveWatched(ctx, r, v.Offset, v.Size, entry, fn)
	if err != nil {
		return err
	}
	if !nonZero {
		d.note("no filesystem recognised " + where + ": all zeros; carved " + pictures(n))
		return nil
	}
	return unread("no filesystem recognised " + where + ": carved " + pictures(n))
}

// readGaps carves the space outside every partition (before the first,
// between, after the last): a deleted partition or hidden data lives there.
// Gaps hold the partition tables and alignment padding, so a gap gets a
// note only when something is found: a signature, ciphertext or pictures.
func (d *diskImage) readGaps(ctx context.Context, fn func(Entry) error) error {
	if len(d.vols) > 0 && d.vols[0].Scheme == "none" {
		return nil
	}
	for _, g := range gaps(d.vols, d.img.Size()) {
		err := d.readGap(ctx, g[0], g[1], fn)
		if err == nil {
			continue
		}
		if ctx.Err() != nil || errors.As(err, new(callbackError)) {
			return err
		}
		// Damaged media (a missing segment): say so and go on.
		note := fmt.Sprintf("space outside partitions at offset %d (%s): could not be read to its end: %v", g[0], sizeText(g[1]), err)
		d.note(note)
		e := Entry{VolumeOffset: g[0], VolumeType: "unpartitioned", Path: "/$Unpartitioned/" + strconv.FormatInt(g[0], 10), Err: errors.New(note)}
		if err := fn(e); err != nil {
			return callbackError{err}
		}
	}
	return nil
}

func (d *diskImage) readGap(ctx context.Context, off, size int64, fn func(Entry) error) error {
	r := io.NewSectionReader(d.img, off, size)
	where := fmt.Sprintf("space outside partitions at offset %d (%s)", off, sizeText(size))
	entry := func(p string) Entry { return Entry{VolumeOffset: off, VolumeType: "unpartitioned", Path: p} }
	unread := func(note string) error {
		d.note(note)
		e := entry("/$Unpartitioned/" + strconv.FormatInt(off, 10))
		e.Err = errors.New(note)
		if err := fn(e); err != nil {
			return callbackError{err}
		}
		return nil
	}
	sig, known := signature.Identify(r, size)
	switch {
	case known && sig.Encrypted:
		return unread(where + ": " + sig.Name + ", not read, the key is needed")
	case !known && signature.LooksEncrypted(r, size):
		return unread(where + ": high-entropy, possibly encrypted: not read, not carved")
	}
	n, _, err := carveWatched(ctx, r, off, size, entry, fn)
	if err != nil {
		return err
	}
	switch {
	case known:
		return unread(where + ": " + sig.Name + ", not read; carved " + pictures(n))
	case n > 0:
		d.note(where + ": carved " + pictures(n))
	}
	return nil
}

// gaps returns the [offset, size] stretches of a size-byte disk that no
// volume covers, ignoring slivers below one sector.
func gaps(vols []volume.Volume, size int64) [][2]int64 {
	spans := make([][2]int64, 0, len(vols))
	for _, v := range vols {
		spans = append(spans, [2]int64{v.Offset, v.Offset + v.Size})
	}
	slices.SortFunc(spans, func(a, b [2]int64) int { return cmp.Compare(a[0], b[0]) })
	var out [][2]int64
	pos := int64(0)
	for _, s := range append(spans, [2]int64{size, size}) {
		if s[0]-pos >= 512 {
			out = append(out, [2]int64{pos, s[0] - pos})
		}
		pos = max(pos, s[1])
	}
	return out
}

// carveWatched carves all of r (length bytes, starting at byte base of the
// media) and says whether any byte read was not zero.
func carveWatched(ctx context.Context, r io.ReaderAt, base, length int64, entry func(string) Entry, fn func(Entry) error) (n int, nonZero bool, err error) {
	w := &zeroWatch{r: r, zero: make([]byte, 64<<10)}
	n, err = carveRange(ctx, w, base, 0, length, entry, fn)
	return n, w.nonZero.Load(), err
}

// zeroWatch remembers whether anything read through it was not zero. The
// carved entries read through it too, from the ingest workers: hence atomic.
type zeroWatch struct {
	r       io.ReaderAt
	zero    []byte // compared against, never written
	nonZero atomic.Bool
}

func (z *zeroWatch) ReadAt(p []byte, off int64) (int, error) {
	n, err := z.r.ReadAt(p, off)
	if !z.nonZero.Load() {
		for b := p[:n]; len(b) > 0; {
			k := min(len(b), len(z.zero))
			if !bytes.Equal(b[:k], z.zero[:k]) {
				z.nonZero.Store(true)
				break
			}
			b = b[k:]
		}
	}
	return n, err
}

func pictures(n int) string {
	if n == 1 {
		return "1 picture"
	}
	return strconv.Itoa(n) + " pictures"
}

// sizeText is a byte count in binary units as partitioning tools print
// them: "4 MiB", "1023.5 KiB", "512 B".
func sizeText(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"}
	f, i := float64(n), 0
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	if f == float64(int64(f)) {
		return fmt.Sprintf("%d %s", int64(f), units[i])
	}
	return strings.TrimRight(fmt.Sprintf("%.2f", f), "0") + " " + units[i]
}
