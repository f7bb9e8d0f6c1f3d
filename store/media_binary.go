package store

import "fmt"

// A media record (the data of an m/ value, after its first place when it
// holds one: firstplace.go) of store format 4: binaryRecordMark, then
// every field of Media in this order, its digests and perceptual hashes
// packed to their bytes (binrecord.go), a video's duration and frame times
// as the float64s they are. Less than half the JSON of earlier formats.
func encodeMedia(m *Media) []byte {
	w := binWriter{b: make([]byte, 0, 128+len(m.Type)+len(m.Kind)+len(m.MIME)+len(m.Decoder)+len(m.Error)+len(m.Codec)+24*len(m.Frames))}
	w.b = append(w.b, binaryRecordMark)
	w.hex(m.SHA256)
	w.hex(m.MD5)
	w.hex(m.SHA1)
	w.int(m.Size)
	w.str(m.Type)
	w.str(m.Kind)
	w.str(m.MIME)
	w.int(int64(m.Width))
	w.int(int64(m.Height))
	w.hex(m.PHash)
	w.hex(m.DHash)
	w.str(m.Decoder)
	w.str(m.Error)
	w.float(m.Duration)
	w.str(m.Codec)
	w.uint(uint64(len(m.Frames)))
	for _, f := range m.Frames {
		w.float(f.At)
		w.hex(f.PHash)
		w.hex(f.DHash)
	}
	return w.b
}

// minFrameBytes is the least a frame takes: its time and two empty hashes.
const minFrameBytes = 8 + 1 + 1

// decodeMediaBinary reads a format 4 media record, mark included.
func decodeMediaBinary(b []byte, m *Media) error {
	r := newBinReader(b)
	if r.byte() != binaryRecordMark {
		return fmt.Errorf("media record: %w", errDamagedRecord)
	}
	var d Media
	d.SHA256 = r.hex()
	d.MD5 = r.hex()
	d.SHA1 = r.hex()
	d.Size = r.int()
	d.Type = r.str()
	d.Kind = r.str()
	d.MIME = r.str()
	d.Width = int(r.int())
	d.Height = int(r.int())
	d.PHash = r.hex()
	d.DHash = r.hex()
	d.Decoder = r.str()
	d.Error = r.str()
	d.Duration = r.float()
	d.Codec = r.str()
	// A count the bytes left cannot hold is damage, not a reason to
	// allocate.
	if n := r.uint(); n > 0 {
		if n > uint64(len(b)-r.i)/minFrameBytes {
			r.fail()
		} else {
			d.Frames = make([]Frame, n)
			for i := range d.Frames {
				d.Frames[i] = Frame{At: r.float(), PHash: r.hex(), DHash: r.hex()}
			}
		}
	}
	if err := r.end(); err != nil {
		return fmt.Errorf("media record: %w", err)
	}
	*m = d
	return nil
}

// decodeMediaData reads the media record of an m/ value, after its first
// place: binary from format 4 on, JSON before.
func decodeMediaData(data []byte, m *Media) error {
	if len(data) > 0 && data[0] == binaryRecordMark {
		return decodeMediaBinary(data, m)
	}
	return decodeMediaJSON(data, m)
}
