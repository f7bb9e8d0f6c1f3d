package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"scrim/ingest/evidence"
	"scrim/ingest/expand"
	"scrim/ingest/filetype"
	"scrim/store"
)

// diskMinSize: smaller files are not tried as raw disks; no volume a
// reader opens is smaller. (A VMDK descriptor, text, is smaller.)
const diskMinSize = 4096

// expandDisk walks a file that is a disk image (an E01, a VMDK, a raw
// image with a partition table or a filesystem) found inside the evidence:
// its volumes, filesystems, deleted files and carved unallocated space, each
// file an embedded occurrence named by evidence.NestedMember and read in
// place, never copied. handled says the file was one (or claimed to be and
// is damaged, which is noted), so it is not searched as anything else.
func (w *worker) expandDisk(j job, parent store.Occurrence, media store.Media, head []byte, lim *expand.Limits, emit func(result)) (handled bool, err error) {
	if media.Kind != string(filetype.Other) || media.Size < 64 || j.exp.noHidden {
		return false, nil
	}
	// Only a file of no known type may be a raw disk: a text, a document
	// or an executable is one only when a container's magic says so.
	raw := media.Type == "unknown" && media.Size >= diskMinSize
	// A small file of the evidence was read whole by analyse: it is
	// probed from memory, not reopened and read again, and most need no
	// probe at all (the check stays out of openDisk, whose closures would
	// put its arguments on the heap for every file).
	inMemory := j.exp.depth == 0 && w.wholeOK && int64(len(w.whole)) == media.Size
	if inMemory && !raw && !evidence.MayOpenNested(w.whole, w.hostName(parent), false) {
		return false, nil
	}
	return w.openDisk(j, parent, media, head, lim, emit, raw, inMemory)
}

// openDisk is expandDisk for a file that may be a disk image.
func (w *worker) openDisk(j job, parent store.Occurrence, media store.Media, head []byte, lim *expand.Limits, emit func(result), raw, inMemory bool) (handled bool, err error) {
	var c evidence.Content = nopContent{bytes.NewReader(w.whole)}
	if !inMemory {
		if c, err = j.entry.Open(); err != nil {
			return false, nil // expandMembers says so
		}
		defer c.Close()
		if j.exp.depth == 0 {
			c = nopContent{w.prefix.readerAt(c, media.Size)}
		}
	}
	name := path.Base(parent.Path)
	where := "evidence " + parent.Evidence
	if parent.Embedded {
		name = path.Base(evidence.ContainerName(parent.Member))
		where = strings.TrimSuffix(parent.Path, store.ChainSeparator+parent.Member)
	}
	host := w.hostPath(parent)
	src, err := evidence.OpenNestedBeside(c, media.Size, name, host, where, raw, j.exp.folder.Beside(parent.Member))
	switch {
	case errors.Is(err, evidence.ErrLaterSegment):
		return true, nil
	case err != nil:
		w.notes.add(fmt.Sprintf("expansion: %s is a disk image that cannot be opened: %v", parent.Path, err))
		return true, nil
	case src == nil:
		return false, nil
	}
	defer src.Close()
	if src.Info().Format == "raw" && expand.Detect(head) != nil {
		return false, nil // an archive that happens to hold a boot sector
	}
	if slices.Contains(j.exp.ancestors, media.SHA256) {
		w.notes.add(fmt.Sprintf("expansion: %s contains itself; not expanded again", parent.Path))
		return true, nil
	}
	if j.exp.depth >= lim.MaxDepth {
		w.notes.add(fmt.Sprintf("expansion depth limit (%d) hit at %s: not expanded", lim.MaxDepth, parent.Path))
		return true, nil
	}
	budget := j.exp.budget
	if budget == nil {
		budget = expand.NewBudget(*lim)
	}
	parentKey := store.OccurrenceKey(parent)
	child := expansion{depth: j.exp.depth + 1, budget: budget, ancestors: append(slices.Clip(j.exp.ancestors), media.SHA256)}
	// Files are read in place, so the bytes budget (copies) does not bound
	// them; a sparse or compressed image listing far more than it stores
	// is bounded by the ratio limit instead. A real disk may hold more
	// files than the members limit, which only an image whose metadata
	// compresses away (one file per 512 stored bytes) stays under.
	lims := budget.Limits()
	listed, most := int64(0), max(lims.RatioFloor, lims.MaxRatio*media.Size)
	files, mostFiles := int64(0), max(lims.MaxMembers, media.Size/512)
	err = src.Walk(w.ctx, func(e evidence.Entry) error {
		member := evidence.NestedMember(e)
		occ := store.Occurrence{Evidence: parent.Evidence, Volume: parent.Volume, VolumeOffset: parent.VolumeOffset,
			VolumeType: parent.VolumeType, FS: parent.FS, Path: parent.Path + store.ChainSeparator + member,
			Embedded: true, Parent: parentKey, Member: member, Inode: e.Inode, Deleted: e.Deleted, Carved: e.Carved,
			Offset: e.Offset, Size: e.Size, Mtime: store.FormatTime(e.Mtime), Atime: store.FormatTime(e.Atime),
			Ctime: store.FormatTime(e.Ctime), Btime: store.FormatTime(e.Btime)}
		if files++; files > mostFiles {
			return &diskLimit{&expand.LimitError{Name: "members", Detail: fmt.Sprintf("disk image of %d bytes lists more than %d files", media.Size, mostFiles)}}
		}
		if e.Err != nil || e.Open == nil {
			occ.Error = "no content"
			if e.Err != nil {
				occ.Error = e.Err.Error()
			}
			emit(result{rec: store.FileRecord{Occurrence: occ}})
			return nil
		}
		if listed += e.Size; listed > most {
			return &diskLimit{&expand.LimitError{Name: "ratio", Detail: fmt.Sprintf("disk image of %d bytes lists files past %d bytes (more than %d times)",
				media.Size, most, lims.MaxRatio)}}
		}
		r, err := w.process(job{entry: evidence.Entry{Path: occ.Path, Size: e.Size, Open: e.Open}, occ: occ, exp: child}, emit)
		if w.ctx.Err() == nil {
			emit(r)
		}
		return err
	})
	info := src.Info()
	notes := info.Notes
	if wn, ok := src.(evidence.WalkNoter); ok {
		notes = append(notes, wn.WalkNotes()...)
	}
	for _, n := range notes {
		w.notes.add(fmt.Sprintf("disk image %s (%s): %s", parent.Path, info.Format, n))
	}
	if err == nil || w.ctx.Err() != nil {
		return true, nil
	}
	if le, ok := expand.IsLimit(err); ok {
		// This image's own limits stop it alone; the top-level file's
		// budgets (hit by members below) stop the walks above too.
		if j.exp.depth > 0 && !errors.As(err, new(*diskLimit)) {
			return true, err
		}
		w.notes.add(fmt.Sprintf("expansion %s limit hit in %s: %s; the rest is not expanded", le.Name, parent.Path, le.Detail))
		return true, nil
	}
	w.notes.add(fmt.Sprintf("expansion: disk image %s could not be read to its end: %v", parent.Path, err))
	return true, nil
}

// diskLimit is a limit of one disk image's own (files listed, bytes listed
// against its size): it stops that image, not the containers above it.
type diskLimit struct{ le *expand.LimitError }

func (d *diskLimit) Error() string { return d.le.Error() }
func (d *diskLimit) Unwrap() error { return d.le }

// hostPath is the path on the examiner's machine of a file of the
// evidence itself, "" for a file inside a disk image or an archive.
func (w *worker) hostPath(o store.Occurrence) string {
	if o.Embedded || o.Volume != "" || w.hostRoot == "" {
		return ""
	}
	return filepath.Join(w.hostRoot, filepath.FromSlash(path.Clean(o.Path)))
}

// hostName is the base name of hostPath, without building the path.
func (w *worker) hostName(o store.Occurrence) string {
	if o.Embedded || o.Volume != "" || w.hostRoot == "" {
		return ""
	}
	return path.Base(o.Path)
}
