package iso

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf16"

	"scrim/ingest/fsys"
)

const (
	maxDepth   = 64      // ISO 9660 allows 8; Rock Ridge deeper, bounded anyway
	maxEntries = 1 << 22 // records in the whole walk
	flagDir    = 0x02
	flagMulti  = 0x80 // more extents of this file follow
)

type walker struct {
	v       *FS
	ctx     context.Context
	fn      func(fsys.File) error
	seen    map[int64]bool // directory extents visited (loops)
	entries int
}

// piece is one extent of a (possibly multi-extent) file.
type piece struct{ off, length int64 }

// dir walks the directory extent at block loc.
func (w *walker) dir(loc, length int64, path string, depth int) error {
	off := loc * w.v.block
	if w.seen[off] || depth > maxDepth {
		return nil
	}
	w.seen[off] = true
	if off < 0 || length < 0 || off+length > w.v.size {
		return w.fn(fsys.File{Path: path + "/", Err: fmt.Errorf("iso9660: directory %s/ extent %d+%d outside the volume", path, off, length)})
	}
	buf := make([]byte, length)
	if _, err := w.v.r.ReadAt(buf, off); err != nil {
		return w.fn(fsys.File{Path: path + "/", Err: fmt.Errorf("iso9660: directory %s/: %w", path, err)})
	}
	var pending []piece
	for p := 0; p < len(buf); {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		n := int(buf[p])
		if n == 0 { // records do not cross sectors: skip the padding
			p = (p/sectorSize + 1) * sectorSize
			continue
		}
		if n < recordFixed+1 || p+n > len(buf) || recordFixed+int(buf[p+32]) > n {
			return w.fn(fsys.File{Path: path + "/", Err: fmt.Errorf("iso9660: directory %s/: bad record at byte %d", path, off+int64(p))})
		}
		if w.entries++; w.entries > maxEntries {
			return fmt.Errorf("iso9660: more than %d directory records", maxEntries)
		}
		rec := buf[p : p+n]
		recOff := off + int64(p)
		p += n
		id := rec[33 : 33+int(rec[32])]
		if len(id) == 1 && id[0] <= 1 {
			continue // "." and ".."
		}
		name := w.name(rec, id)
		el, elen := extent(rec)
		if rec[25]&flagDir != 0 {
			if err := w.dir(el, elen, path+"/"+name, depth+1); err != nil {
				return err
			}
			continue
		}
		pending = append(pending, piece{el * w.v.block, elen})
		if rec[25]&flagMulti != 0 && len(pending) < 1024 {
			continue
		}
		f := w.file(path+"/"+name, recOff, rec, pending)
		pending = nil
		if err := w.fn(f); err != nil {
			return err
		}
	}
	return nil
}

// file builds the fsys.File of a record and its extents.
func (w *walker) file(p string, recOff int64, rec []byte, pieces []piece) fsys.File {
	f := fsys.File{Path: p, Inode: uint64(recOff), Mtime: recTime(rec[18:25])}
	for _, pc := range pieces {
		f.Size += pc.length
		if pc.off+pc.length > w.v.size && f.Err == nil {
			f.Err = fmt.Errorf("iso9660: %s: extent %d+%d outside the volume", p, pc.off, pc.length)
		}
	}
	if f.Err == nil {
		f.Content = &content{r: w.v.r, pieces: pieces, size: f.Size}
	}
	f.Size = min(f.Size, w.v.size)
	return f
}

// name decodes an identifier: UCS-2 for Joliet, else the Rock Ridge NM
// name when present, else the ISO name without ";version".
func (w *walker) name(rec, id []byte) string {
	var s string
	if w.v.joliet {
		u := make([]uint16, len(id)/2)
		for i := range u {
			u[i] = uint16(id[2*i])<<8 | uint16(id[2*i+1])
		}
		s = string(utf16.Decode(u))
	} else if nm := rockRidgeName(rec); nm != "" {
		return clean(nm)
	} else {
		s = string(id)
	}
	if i := strings.LastIndexByte(s, ';'); i >= 0 {
		s = s[:i]
	}
	if !w.v.joliet {
		s = strings.TrimSuffix(s, ".")
	}
	return clean(s)
}

// clean keeps a name from forming extra path components.
func clean(s string) string {
	s = strings.ReplaceAll(s, "/", "_")
	if s == "" || s == "." || s == ".." {
		s = "_"
	}
	return s
}

// rockRidgeName concatenates NM entries of the system use area (no CE
// continuation areas; SP skip assumed 0, as every mastering tool writes).
func rockRidgeName(rec []byte) string {
	su := 33 + int(rec[32])
	if su%2 == 1 {
		su++
	}
	var name []byte
	for su+4 <= len(rec) {
		l := int(rec[su+2])
		if l < 4 || su+l > len(rec) {
			break
		}
		if rec[su] == 'N' && rec[su+1] == 'M' && l >= 5 && rec[su+4]&0x6 == 0 {
			name = append(name, rec[su+5:su+l]...)
		}
		su += l
	}
	return string(name)
}

// recTime decodes a 7-byte directory record date.
func recTime(b []byte) time.Time {
	if b[0] == 0 && b[1] == 0 && b[2] == 0 {
		return time.Time{}
	}
	zone := time.FixedZone("", int(int8(b[6]))*15*60)
	return time.Date(1900+int(b[0]), time.Month(b[1]), int(b[2]), int(b[3]), int(b[4]), int(b[5]), 0, zone).UTC()
}
