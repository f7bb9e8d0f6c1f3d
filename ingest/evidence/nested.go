package evidence

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"

	"scrim/ingest/carve"
	"scrim/ingest/container"
	"scrim/ingest/container/ewf"
	"scrim/ingest/fsys"
	"scrim/ingest/signature"
	"scrim/ingest/volume"
)

// OpenNested opens a file found inside an evidence item (a file of a
// folder, a member of an archive, a file inside a disk image) as a disk
// image when its content is one: a container format (E01, VMDK, VHD, VHDX,
// QCOW2, DMG), or raw bytes holding a volume that opens: a filesystem Scrim
// reads, or one a signature names (an encrypted or unknown volume). A file
// with only a boot sector's 0x55AA, a partition table pointing past its
// end or nothing recognisable is no disk: (nil, nil). r is the content
// (size bytes), name its label, where the file holding it; host is its
// path on the examiner's machine when it has one (an E01's further
// segments are found beside it). raw says content of no container format
// is tried as raw media too (callers leave it false for files whose type
// is known, a text or an executable, which only a container's magic can
// turn into a disk image). The Source is walked like a disk image
// given as evidence: volumes, filesystems, deleted files, carving of
// unallocated space, and notes (WalkNoter).
func OpenNested(r io.ReaderAt, size int64, name, host, where string, raw bool) (Source, error) {
	return OpenNestedBeside(r, size, name, host, where, raw, nil)
}

// OpenNestedBeside is OpenNested for a member of an archive, with the
// members beside it in the archive's folder (nil: none known; see
// ArchiveFolder): an E01's further segments are found among them, and a
// later segment whose first one lies there is ErrLaterSegment.
func OpenNestedBeside(r io.ReaderAt, size int64, name, host, where string, raw bool, beside container.Beside) (Source, error) {
	if host != "" {
		if _, ok := container.ExtentOf(host); ok {
			return nil, ErrLaterSegment
		}
	}
	img, err := container.OpenContentBeside(r, size, name, host, where, beside)
	if errors.Is(err, ewf.ErrLaterSegment) && host != "" {
		if _, serr := os.Stat(ewf.FirstSegment(host)); serr == nil {
			return nil, ErrLaterSegment
		}
	}
	if errors.Is(err, ewf.ErrLaterSegment) && beside != nil {
		first := path.Base(ewf.FirstSegment(name))
		for _, n := range beside.Names() {
			if strings.EqualFold(n, first) {
				return nil, ErrLaterSegment
			}
		}
	}
	if err != nil {
		return nil, err
	}
	isRaw := img.Format() == "raw" || img.Format() == "split-raw"
	if isRaw && !raw {
		img.Close()
		return nil, nil
	}
	vols, warnings, err := volume.List(img, img.Size())
	if err != nil {
		img.Close()
		return nil, fmt.Errorf("%s: read partition table: %w", name, err)
	}
	if isRaw && !holdsVolume(img, vols) {
		img.Close()
		return nil, nil
	}
	if len(vols) == 0 {
		warnings = append(warnings, "the partition table lists no partition: the whole disk is searched")
		vols = []volume.Volume{{Index: 0, Offset: 0, Size: img.Size(), Scheme: "none"}}
	}
	return &diskImage{path: name, img: img, vols: vols, notes: warnings}, nil
}

// MayOpenNested reports whether OpenNestedBeside could find a disk image
// in content, the whole of a file held in memory, named host on the
// examiner's machine ("" when it has no path there; its base name is
// enough, only the name is looked at): false means it would
// return (nil, nil), so the caller need not call it. Only raw is false
// and only content no container probe claims under a name that is neither
// a flat VMDK extent nor a split segment gets that answer; nearly every
// small file of a phone or a NAS is one, and for them the probe's copies
// of the first and last bytes cost more than their hashing.
func MayOpenNested(content []byte, host string, raw bool) bool {
	if raw || host != "" && (container.FlatExtentName(host) || container.SplitHost(host)) {
		return true
	}
	return container.Claims(content)
}

// ErrLaterSegment: the file is a later segment of an E01 whose first
// segment lies beside it (in a folder or an archive), or an extent a VMDK descriptor beside it names;
// it is read with that one.
var ErrLaterSegment = errors.New("a later segment of a disk image beside its first")

// holdsVolume: some volume of a raw file opens as a filesystem, or is named
// by a signature (an encrypted volume is a disk's, not a file's content).
func holdsVolume(img container.Image, vols []volume.Volume) bool {
	for _, v := range vols {
		r := io.NewSectionReader(img, v.Offset, v.Size)
		if _, err := openFS(r, v.Size); err == nil {
			return true
		}
		if _, known := signature.Identify(r, v.Size); known {
			return true
		}
	}
	return false
}

// openFS opens the first filesystem that claims the volume r.
func openFS(r io.ReaderAt, size int64) (fs fsys.FS, err error) {
	defer func() {
		if p := recover(); p != nil {
			fs, err = nil, fmt.Errorf("reader panic: %v", p)
		}
	}()
	head := make([]byte, min(fsProbeSize, size))
	n, _ := r.ReadAt(head, 0)
	var errs []error
	for _, m := range matchFilesystems(head[:n]) {
		fs, err := m.open(r, size)
		if err == nil && fs != nil {
			return fs, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", m.name, err))
	}
	if len(errs) == 0 {
		return nil, errors.New("no filesystem recognised")
	}
	return nil, errors.Join(errs...)
}

// NestedMember names an entry of a disk image found inside evidence the
// way its place is recorded: the volume and what it is read as, then its
// path, joined like a chain ("p1 (ntfs) » /Users/x/a.jpg", "whole disk
// (fat12, deleted, inode 7) » /a.jpg", "p2 (fat16, carved) » /$Carved/N.jpeg",
// "unpartitioned (carved) » /$Carved/N.jpeg"). The name alone leads back to
// the same bytes (ReadBack), so the flags and the inode of a deleted file,
// which share a path with others, are part of it.
func NestedMember(e Entry) string {
	label := "unpartitioned"
	if e.Volume == "0" {
		label = "whole disk"
	} else if e.Volume != "" {
		label = "p" + e.Volume
	}
	var attrs []string
	if e.FS != "" {
		attrs = append(attrs, e.FS)
	}
	if e.Deleted {
		attrs = append(attrs, "deleted", "inode "+strconv.FormatUint(e.Inode, 10))
	}
	if e.Carved {
		attrs = append(attrs, "carved")
	}
	if len(attrs) > 0 {
		label += " (" + strings.Join(attrs, ", ") + ")"
	}
	return label + nestedSeparator + e.Path
}

// nestedSeparator is store.ChainSeparator: the volume reads as one more
// step of the chain.
const nestedSeparator = " » "

// nestedPlace is a NestedMember name taken apart.
type nestedPlace struct {
	volume  int // -1: space outside partitions
	path    string
	deleted bool
	inode   uint64
	carved  bool
}

func parseNestedMember(s string) (nestedPlace, bool) {
	label, p, ok := strings.Cut(s, nestedSeparator)
	if !ok || !strings.HasPrefix(p, "/") {
		return nestedPlace{}, false
	}
	np := nestedPlace{path: p}
	base, attrs, hasAttrs := strings.Cut(label, " (")
	switch {
	case base == "unpartitioned":
		np.volume = -1
	case base == "whole disk":
		np.volume = 0
	case strings.HasPrefix(base, "p"):
		n, err := strconv.Atoi(base[1:])
		if err != nil || n <= 0 {
			return nestedPlace{}, false
		}
		np.volume = n
	default:
		return nestedPlace{}, false
	}
	if hasAttrs {
		attrs, ok = strings.CutSuffix(attrs, ")")
		if !ok {
			return nestedPlace{}, false
		}
		for _, a := range strings.Split(attrs, ", ") {
			switch {
			case a == "deleted":
				np.deleted = true
			case a == "carved":
				np.carved = true
			case strings.HasPrefix(a, "inode "):
				n, err := strconv.ParseUint(a[len("inode "):], 10, 64)
				if err != nil {
					return nestedPlace{}, false
				}
				np.inode = n
			}
		}
	}
	return np, true
}

// errFoundIt stops a walk of a nested filesystem at the file read back.
var errFoundIt = errors.New("found")

// readNested finds the entry named member (see NestedMember) in a disk
// image found inside evidence: one volume's filesystem is walked up to it,
// or a carved picture is carved again at its offset; nothing else is read.
func readNested(ctx context.Context, src Source, member string) (c io.ReaderAt, size int64, err error) {
	defer func() {
		if p := recover(); p != nil {
			c, size, err = nil, 0, fmt.Errorf("%s: reader panic: %v", member, p)
		}
	}()
	d, ok := src.(*diskImage)
	np, parsed := parseNestedMember(member)
	if !ok || !parsed {
		return nil, 0, fmt.Errorf("%s: %w", member, errMemberNotFound)
	}
	var region io.ReaderAt
	var base, length int64
	if np.volume < 0 {
		if !np.carved {
			return nil, 0, fmt.Errorf("%s: %w", member, errMemberNotFound)
		}
		abs, _ := carvedOffset(np.path)
		for _, g := range gaps(d.vols, d.img.Size()) {
			if abs >= g[0] && abs < g[0]+g[1] {
				base, length = g[0], g[1]
			}
		}
	} else {
		for _, v := range d.vols {
			if v.Index == np.volume {
				base, length = v.Offset, v.Size
			}
		}
	}
	if length == 0 {
		return nil, 0, fmt.Errorf("%s: no such volume: %w", member, errMemberNotFound)
	}
	region = io.NewSectionReader(d.img, base, length)
	if np.carved {
		abs, ok := carvedOffset(np.path)
		if !ok || abs < base {
			return nil, 0, fmt.Errorf("%s: %w", member, errMemberNotFound)
		}
		var found *carve.Found
		err := carve.Carve(ctx, region, abs-base, length-(abs-base), func(c carve.Found) error {
			if c.Offset == abs-base {
				found = &c
			}
			return errFoundIt
		})
		if found == nil {
			if err != nil && !errors.Is(err, errFoundIt) {
				return nil, 0, fmt.Errorf("%s: %w", member, err)
			}
			return nil, 0, fmt.Errorf("%s: %w", member, errMemberNotFound)
		}
		return io.NewSectionReader(region, found.Offset, found.Size), found.Size, nil
	}
	var fs fsys.FS
	fs, err = openFS(region, length)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", member, err)
	}
	var hit fsys.File
	err = fs.Walk(ctx, func(f fsys.File) error {
		if f.Path != np.path || f.Deleted != np.deleted || (np.deleted && f.Inode != np.inode) || f.Content == nil {
			return nil
		}
		hit = f
		return errFoundIt
	})
	if hit.Content == nil {
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", member, err)
		}
		return nil, 0, fmt.Errorf("%s: %w", member, errMemberNotFound)
	}
	return hit.Content, hit.Size, nil
}

// carvedOffset reads the media offset out of a carved entry's path
// ("/$Carved/OFFSET.TYPE", see carveRange).
func carvedOffset(p string) (int64, bool) {
	dir, file := path.Split(p)
	if dir != "/$Carved/" {
		return 0, false
	}
	stem, _, _ := strings.Cut(file, ".")
	n, err := strconv.ParseInt(stem, 10, 64)
	return n, err == nil && n >= 0
}
