package store

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// Signals is what on-device models said about one media, keyed by its
// SHA-256 under sg/<sha256>. Signals help choose what to look at first; they
// never set a category and never count in one.
type Signals struct {
	SHA256 string       `json:"sha256"`
	Faces  []FaceSignal `json:"faces,omitempty"`
	// Nudity is nil when the classifier did not run (an error). For a
	// video it holds each class's highest score over the frames analysed.
	Nudity *NuditySignal `json:"nudity,omitempty"`
	// Frames is how many video frames were analysed (0 for pictures).
	Frames int `json:"frames,omitempty"`
	// FrameSignals are a video's frames one by one, in time order, when
	// the models saw the sampled frames (Source "frames"); records made
	// from a contact sheet have none. A video's Faces are every frame's
	// faces, each with its frame's At.
	FrameSignals []FrameSignal `json:"frame_signals,omitempty"`
	// Source says which pixels the models saw: "decoded" (the picture's
	// 256-px fit made at ingest), "thumbnail" (the stored thumbnail, in a
	// later pass), "frames" (every sampled video frame, fitted within 256
	// px like pictures), "sheet" (the 128-px tiles of a video's stored
	// contact sheet).
	Source string `json:"source,omitempty"`
	// Note says why the models saw less than they could: a video analysed
	// from its contact sheet because its evidence could not be read back.
	Note   string        `json:"note,omitempty"`
	Models []SignalModel `json:"models,omitempty"`
	At     time.Time     `json:"at"`
	// Error says why the models could not run on this media; the record
	// is kept so that a pass does not retry it forever (--redo does).
	Error string `json:"error,omitempty"`
}

// FaceSignal is one face: its box in pixels of the original picture (of
// the frame for videos), the estimated age and the half-width of its spread.
type FaceSignal struct {
	X           float64 `json:"x"`
	Y           float64 `json:"y"`
	W           float64 `json:"w"`
	H           float64 `json:"h"`
	Score       float64 `json:"score"`
	Age         float64 `json:"age"`
	AgeSpread   float64 `json:"age_spread"`
	Gender      string  `json:"gender,omitempty"`
	GenderScore float64 `json:"gender_score,omitempty"`
	// At is the frame's time in seconds, for faces found in a video.
	At float64 `json:"at,omitempty"`
}

// FrameSignal is what the models said about one sampled video frame. Its
// faces (with their boxes) are those of the record's Faces with this At.
type FrameSignal struct {
	At     float64       `json:"at"`
	Faces  int           `json:"faces,omitempty"`
	Nudity *NuditySignal `json:"nudity,omitempty"`
	Error  string        `json:"error,omitempty"`
}

// FacesAt are the faces found on the frame at time at (a video's), in
// the order found.
func (s Signals) FacesAt(at float64) []FaceSignal {
	var out []FaceSignal
	for _, f := range s.Faces {
		if f.At == at {
			out = append(out, f)
		}
	}
	return out
}

// NuditySignal holds the classifier's five class scores.
type NuditySignal struct {
	Drawing float64 `json:"drawing"`
	Hentai  float64 `json:"hentai"`
	Neutral float64 `json:"neutral"`
	Porn    float64 `json:"porn"`
	Sexy    float64 `json:"sexy"`
}

// SignalModel names a model as a report cites it.
type SignalModel struct {
	Name    string `json:"name"`
	Package string `json:"package"`
	SHA256  string `json:"sha256"`
}

// MinFaceAge and MaxFaceAge are the youngest and oldest estimates; ok is
// false when no face was found.
func (s Signals) MinFaceAge() (age float64, ok bool) {
	for i, f := range s.Faces {
		if i == 0 || f.Age < age {
			age = f.Age
		}
	}
	return age, len(s.Faces) > 0
}

// MaxFaceAge: see MinFaceAge.
func (s Signals) MaxFaceAge() (age float64, ok bool) {
	for i, f := range s.Faces {
		if i == 0 || f.Age > age {
			age = f.Age
		}
	}
	return age, len(s.Faces) > 0
}

// ModelNames is the models as one field: "name package sha256-prefix"
// joined by "; ".
func (s Signals) ModelNames() string {
	var parts []string
	for _, m := range s.Models {
		p := m.Name + " " + m.Package
		if len(m.SHA256) >= 12 {
			p += " " + m.SHA256[:12]
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}

// signalsPrefix is where signals records live.
const signalsPrefix = "sg/"

func keySignals(sha string) []byte { return []byte(signalsPrefix + sha) }

// PutSignals records the signals of one media, replacing earlier ones.
func (s *Store) PutSignals(sig ...Signals) error {
	err := s.db.Update(func(txn *badger.Txn) error {
		for _, g := range sig {
			if g.SHA256 == "" {
				return fmt.Errorf("signals without a SHA-256")
			}
			v, err := json.Marshal(g)
			if err != nil {
				return fmt.Errorf("encode signals of %s: %w", g.SHA256, err)
			}
			if err := txn.Set(keySignals(g.SHA256), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("write signals to case %s: %w", s.dir, err)
	}
	return nil
}

// SignalsOf returns the signals of one media; found is false when none were
// recorded.
func (s *Store) SignalsOf(sha string) (Signals, bool, error) {
	var g Signals
	found, err := s.getJSON(keySignals(sha), &g)
	return g, found, err
}

// EachSignals calls fn for every signals record, in SHA-256 order.
func (s *Store) EachSignals(fn func(Signals) error) error {
	return s.Scan(signalsPrefix, func(k, v []byte) error {
		var g Signals
		if err := json.Unmarshal(v, &g); err != nil {
			return fmt.Errorf("decode signals %s: %w", k, err)
		}
		return fn(g)
	})
}

// AllSignals reads every signals record into a map by SHA-256 (about 300
// bytes each: a million pictures cost some 300 MB, so callers listing a
// case use EachSignals in order instead where they can).
func (s *Store) AllSignals() (map[string]Signals, error) {
	out := map[string]Signals{}
	err := s.EachSignals(func(g Signals) error { out[g.SHA256] = g; return nil })
	return out, err
}

// Case facts of the signals setting (meta/<name>).
const (
	// MetaSignals is "on" or "off": whether ingests of this case run the
	// models. Unset means on when the models are found.
	MetaSignals = "signals"
	// MetaSignalsRedoBefore holds the RFC 3339 start of a `signals --redo`
	// pass until it completes: a pass resumed after a kill redoes only
	// records older than that.
	MetaSignalsRedoBefore = "signals_redo_before"
)
