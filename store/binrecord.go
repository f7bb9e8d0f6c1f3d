package store

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
)

// binaryRecordMark is the first byte of a place or media record in the
// binary encoding of store format 4 (occurrence_binary.go,
// media_binary.go). Earlier formats wrote JSON, which starts with '{', and
// a media value holding its first place starts with firstPlaceMark: a
// reader tells the three apart by that byte.
const binaryRecordMark = 0x02

// errDamagedRecord is a binary record that ends early, runs on, or holds
// a length beyond its end.
var errDamagedRecord = errors.New("damaged record")

// binWriter appends the fields of a binary record: strings and integers
// as varints, lower-case hex (digests) packed to its bytes.
type binWriter struct{ b []byte }

func (w *binWriter) str(s string) {
	w.b = binary.AppendUvarint(w.b, uint64(len(s)))
	w.b = append(w.b, s...)
}

func (w *binWriter) uint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *binWriter) int(v int64)   { w.b = binary.AppendVarint(w.b, v) }

func (w *binWriter) float(f float64) {
	w.b = binary.LittleEndian.AppendUint64(w.b, math.Float64bits(f))
}

// hex writes s packed to half its length when it is lower-case hex (a
// digest, a perceptual hash), and as a string otherwise; the low bit of
// the length says which, so any string reads back as it was. Digits are
// looked up, not compared: a digest's are random, and a branch on each
// was mispredicted half the time (1 M small files: 1.5 CPU s).
func (w *binWriter) hex(s string) {
	if len(s) == 0 || len(s)%2 != 0 {
		w.raw(s)
		return
	}
	start := len(w.b)
	w.b = binary.AppendUvarint(w.b, uint64(len(s)/2)<<1|1)
	var bad byte
	for i := 0; i < len(s); i += 2 {
		hi, lo := hexValue[s[i]], hexValue[s[i+1]]
		bad |= hi | lo
		w.b = append(w.b, hi<<4|lo&0xf)
	}
	if bad&notHex != 0 {
		w.b = w.b[:start]
		w.raw(s)
	}
}

// raw writes s as a string in hex's encoding.
func (w *binWriter) raw(s string) {
	w.b = binary.AppendUvarint(w.b, uint64(len(s))<<1)
	w.b = append(w.b, s...)
}

// hexValue is a lower-case hex digit's value, or notHex.
var hexValue = func() (t [256]byte) {
	for c := range t {
		t[c] = notHex
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c-'a') + 10
	}
	return t
}()

const notHex = 0x10

// binReader reads what binWriter wrote. The first error sticks and every
// later read returns zero values; strings are slices of one copy of the
// record, one allocation for all of them.
type binReader struct {
	b     []byte
	whole string
	i     int
	err   error
}

func newBinReader(b []byte) *binReader { return &binReader{b: b, whole: string(b)} }

func (r *binReader) fail() { r.err, r.i = errDamagedRecord, len(r.b) }

func (r *binReader) byte() byte {
	if r.err != nil || r.i >= len(r.b) {
		r.fail()
		return 0
	}
	r.i++
	return r.b[r.i-1]
}

func (r *binReader) uint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b[r.i:])
	if n <= 0 {
		r.fail()
		return 0
	}
	r.i += n
	return v
}

// int undoes binary.AppendVarint's zig-zag, as binary.Varint does.
func (r *binReader) int() int64 {
	u := r.uint()
	return int64(u>>1) ^ -int64(u&1)
}

func (r *binReader) float() float64 {
	if r.err != nil || len(r.b)-r.i < 8 {
		r.fail()
		return 0
	}
	r.i += 8
	return math.Float64frombits(binary.LittleEndian.Uint64(r.b[r.i-8:]))
}

// span returns the next n bytes' place, failing when fewer are left.
func (r *binReader) span(n uint64) (int, int) {
	if r.err != nil || n > uint64(len(r.b)-r.i) {
		r.fail()
		return 0, 0
	}
	start := r.i
	r.i += int(n)
	return start, r.i
}

func (r *binReader) str() string {
	start, end := r.span(r.uint())
	return r.whole[start:end]
}

func (r *binReader) hex() string {
	n := r.uint()
	start, end := r.span(n >> 1)
	if n&1 == 0 {
		return r.whole[start:end]
	}
	if start == end {
		r.fail() // binWriter packs no empty string
		return ""
	}
	return hex.EncodeToString(r.b[start:end])
}

// end reports the record's first error, or that bytes are left over.
func (r *binReader) end() error {
	if r.err == nil && r.i != len(r.b) {
		r.fail()
	}
	return r.err
}
