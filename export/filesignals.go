package export

import (
	"encoding/hex"
	"strconv"

	"scrim/store"
)

// The signals fields of `scrim files` (appended after device_path): what
// the on-device models said about the content, null (JSON) or empty (CSV)
// when they did not run on it.

// rowSignals is one media's signals as the listing needs them, compact
// (about 70 bytes) so a case's worth fits in memory beside the media table.
type rowSignals struct {
	faces          int32
	minAge, maxAge float32
	porn, sexy     float32
	hentai         float32
	neutral        float32
	drawing        float32
	hasNudity      bool
	model          uint16 // index into signalTable.models
}

// signalTable holds every media's signals by SHA-256.
type signalTable struct {
	bySHA  map[[32]byte]rowSignals
	models []string
}

// withSignals wraps fn so each row gets its content's signals. A case
// without any signals costs one key lookup.
func withSignals(st *store.Store, fn func(FileRow) error) (func(FileRow) error, error) {
	t, err := loadSignalTable(st)
	if err != nil || t == nil {
		return fn, err
	}
	return func(r FileRow) error {
		t.fill(&r)
		return fn(r)
	}, nil
}

func loadSignalTable(st *store.Store) (*signalTable, error) {
	t := &signalTable{bySHA: map[[32]byte]rowSignals{}}
	modelIdx := map[string]uint16{}
	err := st.EachSignals(func(g store.Signals) error {
		var k [32]byte
		if _, err := hex.Decode(k[:], []byte(g.SHA256)); err != nil || g.Error != "" {
			return nil // an odd key or a failed run lists as no signals
		}
		name := g.ModelNames()
		idx, ok := modelIdx[name]
		if !ok {
			idx = uint16(len(t.models))
			modelIdx[name] = idx
			t.models = append(t.models, name)
		}
		rs := rowSignals{faces: int32(len(g.Faces)), model: idx}
		if a, ok := g.MinFaceAge(); ok {
			rs.minAge = float32(a)
		}
		if a, ok := g.MaxFaceAge(); ok {
			rs.maxAge = float32(a)
		}
		if n := g.Nudity; n != nil {
			rs.hasNudity = true
			rs.porn, rs.sexy, rs.hentai = float32(n.Porn), float32(n.Sexy), float32(n.Hentai)
			rs.neutral, rs.drawing = float32(n.Neutral), float32(n.Drawing)
		}
		t.bySHA[k] = rs
		return nil
	})
	if err != nil || len(t.bySHA) == 0 {
		return nil, err
	}
	return t, nil
}

func (t *signalTable) fill(r *FileRow) {
	var k [32]byte
	if len(r.SHA256) != 64 {
		return
	}
	if _, err := hex.Decode(k[:], []byte(r.SHA256)); err != nil {
		return
	}
	rs, ok := t.bySHA[k]
	if !ok {
		return
	}
	faces := int(rs.faces)
	r.Faces = &faces
	if faces > 0 {
		r.MinFaceAge, r.MaxFaceAge = score(rs.minAge), score(rs.maxAge)
	}
	if rs.hasNudity {
		r.NudityPorn, r.NuditySexy, r.NudityHentai = score(rs.porn), score(rs.sexy), score(rs.hentai)
		r.NudityNeutral, r.NudityDrawing = score(rs.neutral), score(rs.drawing)
	}
	r.SignalsModel = t.models[rs.model]
}

// score widens a stored float32 back to the 4 decimals it was recorded with.
func score(v float32) *float64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(float64(v), 'f', 4, 32), 64)
	return &f
}

// appendSignalsJSON writes the signals fields as encoding/json would.
func (r *FileRow) appendSignalsJSON(b []byte) []byte {
	b = append(b, `,"faces":`...)
	if r.Faces == nil {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendInt(b, int64(*r.Faces), 10)
	}
	for _, f := range [...]struct {
		name string
		v    *float64
	}{{`,"min_face_age":`, r.MinFaceAge}, {`,"max_face_age":`, r.MaxFaceAge}, {`,"nudity_porn":`, r.NudityPorn},
		{`,"nudity_sexy":`, r.NuditySexy}, {`,"nudity_hentai":`, r.NudityHentai}, {`,"nudity_neutral":`, r.NudityNeutral},
		{`,"nudity_drawing":`, r.NudityDrawing}} {
		b = append(b, f.name...)
		if f.v == nil {
			b = append(b, "null"...)
		} else {
			b = appendJSONFloat(b, *f.v)
		}
	}
	b = append(b, `,"signals_model":`...)
	return appendJSONString(b, r.SignalsModel)
}
