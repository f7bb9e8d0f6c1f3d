package store

import (
	"encoding/binary"
	"errors"
	"sort"
)

// np/<sha256> records: the places of a media per evidence item (counters.go
// keeps them as places are written), read by the report and the review
// queue instead of every place.
//
// Since store format 3, a media that is neither a picture nor a video and
// is found only at the first place its media record holds (firstplace.go)
// has none: that place is all it would say, and most files of a seizure
// are such. One key written fewer per new media: a million small files
// (30 % copies) write about 2.3 M keys instead of 3.0 M. The review
// queue lists pictures and videos only, so it still reads np/ records
// alone; the report reads every media record anyway. Every other media
// found somewhere has one, as every media found somewhere had before
// format 3.

// mediaFacts is what the counts and the review queue need of a media, and
// its indexed places (o/ keys) per evidence item by how they were found.
type mediaFacts struct {
	Kind   string
	Size   int64
	Error  bool // the content could not be decoded
	NoHash bool // a picture without a perceptual hash
	Places map[string]Places
}

func factsOf(m Media) mediaFacts {
	return mediaFacts{Kind: m.Kind, Size: m.Size, Error: m.Error != "", NoHash: m.Kind == "picture" && m.PHash == "", Places: map[string]Places{}}
}

// reviewed says whether media of a kind go to the review queue, which
// needs their np/ record (EachMediaSummary).
func reviewed(kind string) bool { return kind == "picture" || kind == "video" }

// factsOfMediaValue is what a stored media value says of its media's
// facts: its kind and size, and its first place when it holds one.
func factsOfMediaValue(v []byte) (mediaFacts, error) {
	first, data, err := splitMediaValue(v)
	if err != nil {
		return mediaFacts{}, err
	}
	var m Media
	if err := decodeMediaData(data, &m); err != nil {
		return mediaFacts{}, err
	}
	f := factsOf(m)
	if first != "" {
		f.Places = placesOfFirst(first)
	}
	return f, nil
}

// placesOfFirst is the places per evidence item of a media found only at
// its first place, the occurrence key first.
func placesOfFirst(first string) map[string]Places {
	ev, flag := placeOfOccurrenceKey(first)
	var p Places
	p.add(flag, 1)
	return map[string]Places{ev: p}
}

func (f mediaFacts) total() int64 {
	var n int64
	for _, p := range f.Places {
		n += p.Total()
	}
	return n
}

// add counts one place with an occurrence key's flag (L, D, C, E) in ev.
func (p *Places) add(flag string, sign int64) {
	switch flag {
	case "C":
		p.Carved += sign
	case "E":
		p.Embedded += sign
	case "D":
		p.Deleted += sign
	default:
		p.Live += sign
	}
}

// encode: kind, flags, size, then per evidence item in order its name and
// live, deleted, carved and embedded places.
func (f mediaFacts) encode() []byte {
	b := make([]byte, 0, 24+len(f.Kind)+64*len(f.Places)) // sized once, not grown from nil
	b = binary.AppendUvarint(b, uint64(len(f.Kind)))
	b = append(b, f.Kind...)
	flag := byte(0)
	if f.Error {
		flag |= 1
	}
	if f.NoHash {
		flag |= 2
	}
	b = append(b, flag)
	b = binary.AppendVarint(b, f.Size)
	// Most media are found in one item: no list to allocate or sort
	// (1 M small files: a write of this record per copy found).
	var one [1]string
	evs := one[:0]
	if len(f.Places) > 1 {
		evs = make([]string, 0, len(f.Places))
	}
	for ev, p := range f.Places {
		if p.Total() != 0 {
			evs = append(evs, ev)
		}
	}
	if len(evs) > 1 {
		sort.Strings(evs)
	}
	b = binary.AppendUvarint(b, uint64(len(evs)))
	for _, ev := range evs {
		p := f.Places[ev]
		b = binary.AppendUvarint(b, uint64(len(ev)))
		b = append(b, ev...)
		for _, n := range []int64{p.Live, p.Deleted, p.Carved, p.Embedded} {
			b = binary.AppendVarint(b, n)
		}
	}
	return b
}

var errBadFacts = errors.New("damaged place-count record")

func decodeFacts(b []byte) (mediaFacts, error) {
	return decodeFactsInto(b, map[string]Places{})
}

// decodeFactsInto is decodeFacts filling places (cleared first), for scans
// that reuse one map.
func decodeFactsInto(b []byte, places map[string]Places) (mediaFacts, error) {
	clear(places)
	f := mediaFacts{Places: places}
	str := func() (string, bool) {
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return "", false
		}
		s := string(b[k : k+int(n)])
		b = b[k+int(n):]
		return s, true
	}
	vint := func() (int64, bool) {
		v, k := binary.Varint(b)
		if k <= 0 {
			return 0, false
		}
		b = b[k:]
		return v, true
	}
	var ok bool
	if f.Kind, ok = str(); !ok || len(b) == 0 {
		return f, errBadFacts
	}
	if b[0]&^3 != 0 {
		return f, errBadFacts
	}
	f.Error, f.NoHash, b = b[0]&1 != 0, b[0]&2 != 0, b[1:]
	if f.Size, ok = vint(); !ok {
		return f, errBadFacts
	}
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return f, errBadFacts
	}
	b = b[k:]
	for range n {
		ev, ok := str()
		if !ok {
			return f, errBadFacts
		}
		var p Places
		for _, n := range []*int64{&p.Live, &p.Deleted, &p.Carved, &p.Embedded} {
			if *n, ok = vint(); !ok {
				return f, errBadFacts
			}
		}
		if _, dup := f.Places[ev]; dup || p.Live < 0 || p.Deleted < 0 || p.Carved < 0 || p.Embedded < 0 || p.Total() == 0 {
			return f, errBadFacts
		}
		f.Places[ev] = p
	}
	if len(b) != 0 {
		return f, errBadFacts
	}
	return f, nil
}
