package store

import "fmt"

// A place record (w/ value) of store format 4: binaryRecordMark, then
// every field of Occurrence in this order, strings and integers as
// varints, the SHA-256 packed to its 32 bytes (binrecord.go). It is half
// the size of the JSON of earlier formats, which the value log wrote for
// every file (1 M small files: about 190 bytes a place less), and needs
// no escaping either way: a name is kept byte for byte.
const (
	placeDeleted  = 1 << 0
	placeCarved   = 1 << 1
	placeEmbedded = 1 << 2
)

// encodeOccurrence writes o as a format 4 place record.
func encodeOccurrence(o *Occurrence) []byte {
	w := binWriter{b: make([]byte, 0, 96+len(o.Evidence)+len(o.Volume)+len(o.VolumeType)+len(o.FS)+len(o.Path)+
		len(o.Mtime)+len(o.Atime)+len(o.Ctime)+len(o.Btime)+len(o.Error)+len(o.Parent)+len(o.Member)+len(o.DevicePath))}
	w.b = append(w.b, binaryRecordMark)
	w.str(o.Evidence)
	w.str(o.Volume)
	w.int(o.VolumeOffset)
	w.str(o.VolumeType)
	w.str(o.FS)
	w.str(o.Path)
	w.uint(o.Inode)
	var flags byte
	if o.Deleted {
		flags |= placeDeleted
	}
	if o.Carved {
		flags |= placeCarved
	}
	if o.Embedded {
		flags |= placeEmbedded
	}
	w.b = append(w.b, flags)
	w.int(o.Offset)
	w.int(o.Size)
	w.str(o.Mtime)
	w.str(o.Atime)
	w.str(o.Ctime)
	w.str(o.Btime)
	w.hex(o.SHA256)
	w.str(o.Error)
	w.str(o.Parent)
	w.str(o.Member)
	w.str(o.DevicePath)
	return w.b
}

// decodeOccurrenceBinary reads a format 4 place record, mark included.
func decodeOccurrenceBinary(b []byte, o *Occurrence) error {
	r := newBinReader(b)
	if r.byte() != binaryRecordMark {
		return fmt.Errorf("place record: %w", errDamagedRecord)
	}
	var d Occurrence
	d.Evidence = r.str()
	d.Volume = r.str()
	d.VolumeOffset = r.int()
	d.VolumeType = r.str()
	d.FS = r.str()
	d.Path = r.str()
	d.Inode = r.uint()
	flags := r.byte()
	if flags&^(placeDeleted|placeCarved|placeEmbedded) != 0 {
		r.fail()
	}
	d.Deleted, d.Carved, d.Embedded = flags&placeDeleted != 0, flags&placeCarved != 0, flags&placeEmbedded != 0
	d.Offset = r.int()
	d.Size = r.int()
	d.Mtime = r.str()
	d.Atime = r.str()
	d.Ctime = r.str()
	d.Btime = r.str()
	d.SHA256 = r.hex()
	d.Error = r.str()
	d.Parent = r.str()
	d.Member = r.str()
	d.DevicePath = r.str()
	if err := r.end(); err != nil {
		return fmt.Errorf("place record: %w", err)
	}
	*o = d
	return nil
}
