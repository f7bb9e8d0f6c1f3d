package ewf

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// run is the chunks of one table section, located lazily: Open reads only
// the table headers, the offsets are loaded when a read needs them.
type run struct {
	seg     int
	first   int64    // first chunk number, set by placement
	count   int64    // entries
	base    int64    // added to every entry
	entries [2]int64 // file offsets of the entries of table and table2; 0 = none
	dataEnd int64    // end of the region holding the chunks: ends the last one
}

// hole is a chunk range no table covers, with the segments that should.
type hole struct {
	first, end int64
	segs, why  string
}

// segScan is what walking one segment's section chain found.
type segScan struct {
	present  bool
	runs     []run
	complete bool   // the chain reached a next or done section
	done     bool   // … and it was done: the last segment
	why      string // why the chain stopped early
}

type opener struct {
	im           *Image
	scans        []segScan
	vol          *volumeInfo
	volErr       error
	header, hdr2 map[string]string
	digestMD5    []byte
	digestSHA1   []byte
	hashMD5      []byte
}

func (o *opener) problem(format string, args ...any) {
	o.im.problems = append(o.im.problems, fmt.Sprintf(format, args...))
}

// segment opens and scans segment number i+1; path is "" when missing.
func (o *opener) segment(i int, path string) error {
	im := o.im
	first := i == 0
	if path == "" {
		path = segmentName(im.segs[0].path, i+1)
	}
	im.segs = append(im.segs, &segment{path: path})
	o.scans = append(o.scans, segScan{})
	name := filepath.Base(path)
	f, err := os.Open(path)
	if err != nil {
		if first {
			return fmt.Errorf("ewf: %w", err)
		}
		if errors.Is(err, os.ErrNotExist) {
			o.problem("segment %s is missing", name)
		} else {
			o.problem("segment %s: %v", name, err)
		}
		return nil
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("ewf: %s: %w", name, err)
	}
	return o.scan(i, path, f, st.Size())
}

// scan checks the signature of segment number i+1 (its bytes f, size long)
// and walks its sections; it owns f from here on.
func (o *opener) scan(i int, path string, f segmentFile, size int64) error {
	first := i == 0
	name := filepath.Base(path)
	if i == len(o.im.segs) {
		o.im.segs = append(o.im.segs, &segment{path: path})
		o.scans = append(o.scans, segScan{})
	}
	seg, sc := o.im.segs[i], &o.scans[i]
	head := make([]byte, fileHeaderSize)
	if _, err := f.ReadAt(head, 0); err != nil {
		head = nil
	}
	switch {
	case head != nil && (hasPrefix(head, sigEVF2) || hasPrefix(head, sigLEF2)):
		f.Close()
		return fmt.Errorf("%s: %w", name, ErrEWF2)
	case head != nil && hasPrefix(head, sigLVF):
		f.Close()
		return errorf("%s: L01 logical evidence files hold files, not a disk image: not supported", name)
	case head == nil || !hasPrefix(head, sigEVF):
		f.Close()
		if first {
			return errorf("%s: not an EWF segment (no EVF signature)", name)
		}
		o.problem("segment %s: not an EWF segment (no EVF signature)", name)
		return nil
	}
	if n := int(head[9]) | int(head[10])<<8; n != i+1 {
		o.problem("segment %s: says it is segment %d", name, n)
	}
	seg.f, seg.size = f, size
	sc.present = true
	o.walk(i, seg, sc)
	if !sc.complete {
		o.problem("segment %s: %s", name, sc.why)
	}
	return nil
}

func hasPrefix(b, p []byte) bool { return len(b) >= len(p) && string(b[:len(p)]) == string(p) }

// maxMetaSection bounds header, volume and hash sections read whole.
const maxMetaSection = 1 << 20

// walk follows the section chain. Offsets must strictly increase, so the
// loop ends within size/76 steps even on a crafted chain.
func (o *opener) walk(i int, seg *segment, sc *segScan) {
	name := filepath.Base(seg.path)
	off := int64(fileHeaderSize)
	sectorsEnd := int64(-1)
	lastTable := -1 // index in sc.runs of the previous table, for table2
	desc := make([]byte, descriptorSize)
	for {
		if off+descriptorSize > seg.size {
			sc.why = fmt.Sprintf("section chain reaches offset %d past the end of the file (%d bytes): truncated", off, seg.size)
			return
		}
		if _, err := seg.f.ReadAt(desc, off); err != nil {
			sc.why = fmt.Sprintf("section descriptor at %d: %v", off, err)
			return
		}
		d, err := parseDescriptor(desc, off)
		if err != nil {
			sc.why = err.Error()
			return
		}
		start, end := off+descriptorSize, off+max(d.size, descriptorSize)
		if end > seg.size && d.typ != "next" && d.typ != "done" {
			sc.why = fmt.Sprintf("section %q at %d ends at %d, past the end of the file (%d bytes): truncated", d.typ, off, end, seg.size)
			return
		}
		switch d.typ {
		case "next":
			sc.complete = true
			return
		case "done":
			sc.complete, sc.done = true, true
			return
		case "header", "header2":
			if m, err := parseHeader(d.typ, o.read(seg, start, end)); err != nil {
				o.problem("segment %s: %v", name, err)
			} else if d.typ == "header" && o.header == nil {
				o.header = m
			} else if d.typ == "header2" && o.hdr2 == nil {
				o.hdr2 = m
			}
		case "volume", "disk", "data":
			v, err := parseVolume(o.read(seg, start, end))
			if err != nil {
				o.volErr = fmt.Errorf("segment %s: %s section: %w", name, d.typ, err)
				o.problem("%v", o.volErr)
			} else if o.vol == nil {
				o.vol = &v
			}
		case "sectors":
			sectorsEnd = end
			lastTable = -1
		case "table", "table2":
			r, err := o.tableHead(seg, start, end)
			if err != nil {
				o.problem("segment %s: %s at %d: %v", name, d.typ, off, err)
				break
			}
			r.seg = i
			r.dataEnd = end // chunks inside the table (SMART, EnCase 1)
			if sectorsEnd >= 0 {
				r.dataEnd = sectorsEnd
			}
			if d.typ == "table2" && lastTable >= 0 {
				p := &sc.runs[lastTable]
				if p.entries[1] == 0 && p.count == r.count && p.base == r.base {
					p.entries[1] = r.entries[0]
					lastTable = -1
					break
				}
			}
			sc.runs = append(sc.runs, r)
			lastTable = len(sc.runs) - 1
		case "hash", "digest":
			md5, sha1, err := parseDigests(d.typ, o.read(seg, start, end))
			if err != nil {
				o.problem("segment %s: %v", name, err)
			} else if d.typ == "digest" {
				o.digestMD5, o.digestSHA1 = md5, sha1
			} else {
				o.hashMD5 = md5
			}
		}
		if d.next <= off {
			sc.why = fmt.Sprintf("section %q at %d points back to %d", d.typ, off, d.next)
			return
		}
		off = d.next
	}
}

// read returns a metadata section's data, bounded.
func (o *opener) read(seg *segment, start, end int64) []byte {
	n := min(end-start, maxMetaSection)
	b := make([]byte, n)
	k, _ := seg.f.ReadAt(b, start)
	return b[:k]
}

// tableHead reads a table header and checks that the entries fit.
func (o *opener) tableHead(seg *segment, start, end int64) (run, error) {
	b := make([]byte, tableHeadSize)
	if _, err := seg.f.ReadAt(b, start); err != nil && err != io.EOF {
		return run{}, err
	}
	if !checksumOK(b, 20) {
		return run{}, errorf("header checksum mismatch")
	}
	count, base := int64(le32(b)), le64(b[8:])
	if count == 0 {
		return run{}, errorf("no entries")
	}
	if room := (end - start - tableHeadSize) / 4; count > room {
		return run{}, errorf("%d entries do not fit in %d bytes", count, end-start)
	}
	if base > 1<<62 {
		return run{}, errorf("base offset %d out of range", base)
	}
	return run{count: count, base: int64(base), entries: [2]int64{start + tableHeadSize}}, nil
}

// finish derives the geometry and numbers the chunks of every table.
func (o *opener) finish() error {
	im := o.im
	if o.vol == nil {
		if o.volErr != nil {
			return o.volErr
		}
		return errorf("%s: no volume section", filepath.Base(im.segs[0].path))
	}
	im.vol = *o.vol
	im.chunkSize = int64(im.vol.sectorsPerChunk) * int64(im.vol.bytesPerSector)
	sectors := im.vol.sectorCount
	if sectors == 0 {
		sectors = uint64(im.vol.chunkCount) * uint64(im.vol.sectorsPerChunk)
	}
	if sectors > (1<<62)/uint64(im.vol.bytesPerSector) {
		return errorf("volume: %d sectors is out of range", sectors)
	}
	im.size = int64(sectors) * int64(im.vol.bytesPerSector)
	im.chunks = (im.size + im.chunkSize - 1) / im.chunkSize
	if int64(im.vol.chunkCount) != im.chunks {
		o.problem("volume: declares %d chunks, its %d sectors need %d", im.vol.chunkCount, sectors, im.chunks)
	}
	for k, v := range o.header {
		im.meta[k] = v
	}
	for k, v := range o.hdr2 {
		im.meta[k] = v
	}
	im.md5, im.sha1 = o.digestMD5, o.digestSHA1
	if im.md5 == nil {
		im.md5 = o.hashMD5
	}
	o.place()
	return nil
}

// place numbers the chunks. Tables carry no chunk numbers: they count on
// from the start of the image up to the first missing or damaged segment,
// and back from the end (the volume's chunk count) down to the last one.
func (o *opener) place() {
	im := o.im
	last := len(o.scans) - 1
	next, fwd := int64(0), 0
	for ; fwd <= last; fwd++ {
		sc := &o.scans[fwd]
		for k := range sc.runs {
			sc.runs[k].first = next
			next += sc.runs[k].count
			im.runs = append(im.runs, sc.runs[k])
		}
		if !sc.complete {
			break
		}
	}
	if fwd > last {
		if !o.scans[last].done {
			o.problem("segment %s has no done section: segments after it are missing", filepath.Base(im.segs[last].path))
		}
		if next > im.chunks {
			o.problem("tables list %d chunks, the volume %d: the rest is ignored", next, im.chunks)
		}
		if next < im.chunks {
			o.problem("tables cover %d of %d chunks", next, im.chunks)
			im.holes = append(im.holes, hole{next, im.chunks, filepath.Base(im.segs[last].path), "no table covers it"})
		}
		return
	}
	// Count back from the end through complete segments.
	end, back := im.chunks, last+1
	if o.scans[last].done {
		for j := last; j > fwd; j-- {
			sc := &o.scans[j]
			if !sc.complete {
				break
			}
			var n int64
			for _, r := range sc.runs {
				n += r.count
			}
			if end-n < next {
				o.problem("segment %s: its tables overlap the chunks before it", filepath.Base(im.segs[j].path))
				break
			}
			end -= n
			back = j
		}
	}
	segs := filepath.Base(im.segs[fwd].path)
	if back-1 > fwd {
		segs += " to " + filepath.Base(im.segs[back-1].path)
	}
	why := "its segment is missing or damaged"
	if back > last && !o.scans[last].done {
		why = "its segment is missing or damaged, or lies in a missing later segment"
	}
	if next < end {
		im.holes = append(im.holes, hole{next, end, segs, why})
	}
	pos := end
	for j := back; j <= last; j++ {
		for _, r := range o.scans[j].runs {
			r.first = pos
			pos += r.count
			im.runs = append(im.runs, r)
		}
	}
	sort.Slice(im.runs, func(a, b int) bool { return im.runs[a].first < im.runs[b].first })
}
