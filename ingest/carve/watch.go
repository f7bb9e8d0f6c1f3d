package carve

import (
	"bytes"
	"encoding/binary"
)

// watchHead is how many bytes from a signature Watch looks at.
const watchHead = 18

// Watch looks at bytes streamed through it (it is an io.Writer, for an
// io.TeeReader on the read that hashes a file) for the starts of pictures
// Carve could find: signatures with a plausible header. Its
// checks only ever reject what the format parsers reject too, so CarveAt
// over its candidates finds what Carve over the whole file finds, without
// reading the file a second time. Signatures cut by the edge between two
// writes are found.
type Watch struct {
	off        int64  // bytes written so far
	carry      []byte // the last watchHead-1 bytes, not yet looked at whole
	edge       []byte
	candidates []int64
	overflow   bool // more candidates than MaxCandidates
}

// MaxCandidates bounds the offsets a Watch keeps; past it, Overflow says
// the whole file is to be carved.
const MaxCandidates = 4096

// Reset starts a new file.
func (w *Watch) Reset() {
	w.off, w.carry, w.candidates, w.overflow = 0, w.carry[:0], w.candidates[:0], false
}

// Found tells whether a picture may start somewhere in what was written.
func (w *Watch) Found() bool { return w.overflow || len(w.candidates) > 0 }

// Candidates returns the offsets where a picture may start, increasing;
// valid until the next Reset.
func (w *Watch) Candidates() []int64 { return w.candidates }

// Overflow tells that there were too many candidates to keep.
func (w *Watch) Overflow() bool { return w.overflow }

func (w *Watch) Write(p []byte) (int, error) {
	if w.overflow {
		return len(p), nil
	}
	if len(w.carry) > 0 {
		w.edge = append(append(w.edge[:0], w.carry...), p[:min(len(p), watchHead-1)]...)
		w.plausibleIn(w.edge, w.off-int64(len(w.carry)), len(w.carry))
	}
	w.plausibleIn(p, w.off, len(p))
	w.off += int64(len(p))
	if len(p) >= watchHead-1 {
		w.carry = append(w.carry[:0], p[len(p)-(watchHead-1):]...)
	} else {
		w.carry = append(w.carry, p...)
		w.carry = w.carry[:copy(w.carry, w.carry[max(0, len(w.carry)-(watchHead-1)):])]
	}
	return len(p), nil
}

// plausibleIn notes the plausible picture starts in b at an index below
// starts, with watchHead bytes to look at, in increasing order. One pass
// finds the places where a signature may start (pairs.go); only those are
// looked at closer.
func (w *Watch) plausibleIn(b []byte, base int64, starts int) {
	limit := min(starts, len(b)-watchHead+1) // candidates start below
	for from := 0; from < limit; {
		j := signaturePairs.index(b[from : limit+1])
		if j < 0 {
			return
		}
		at := from + j
		from = at + 1
		f := formatStarting(b[at])
		if f == nil || !bytes.HasPrefix(b[at:], f.magic) || !plausible(f.name, b[at:at+watchHead]) {
			continue
		}
		if len(w.candidates) == MaxCandidates {
			w.overflow = true
			return
		}
		w.candidates = append(w.candidates, base+int64(at))
	}
}

// signaturePairs is the first two bytes of every signature; never changed.
var signaturePairs = newPairs(formats)

// formatStarting returns the format whose signature starts with c, or nil.
func formatStarting(c byte) *format {
	for i := range formats {
		if formats[i].magic[0] == c {
			return &formats[i]
		}
	}
	return nil
}

// plausible checks the first watchHead bytes of a candidate as its
// format's parser does (see formats.go); unknown formats always pass.
func plausible(name string, h []byte) bool {
	le := binary.LittleEndian
	switch name {
	case "jpeg":
		m := h[3] // the first marker: fill, restart, TEM or a segment, not EOI
		return m == 0xFF || m == 0x01 || m >= 0xC0 && m != 0xD9
	case "png":
		return string(h[12:16]) == "IHDR"
	case "gif":
		return string(h[:6]) == "GIF87a" || string(h[:6]) == "GIF89a"
	case "bmp":
		size, pixels := le.Uint32(h[2:6]), le.Uint32(h[10:14])
		if le.Uint32(h[6:10]) != 0 || size < 26 || pixels < 26 || pixels >= size {
			return false
		}
		switch le.Uint32(h[14:18]) {
		case 12, 40, 52, 56, 108, 124:
			return true
		}
		return false
	case "webp":
		switch string(h[12:16]) {
		case "VP8 ", "VP8L", "VP8X":
			return string(h[8:12]) == "WEBP"
		}
		return false
	}
	return true
}
