// Package export turns the case store into things people and other tools
// read. files.go: the per-occurrence listing behind `scrim files`.
package export

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"scrim/store"
)

// FileRow is one occurrence joined with its media and category. The JSON
// names are the CLI contract other issues and scripts build on: keep them.
type FileRow struct {
	Evidence       string `json:"evidence"`
	Volume         string `json:"volume"`
	FS             string `json:"fs"`
	Path           string `json:"path"`
	Deleted        bool   `json:"deleted"`
	Carved         bool   `json:"carved"`
	Offset         int64  `json:"offset"`
	Size           int64  `json:"size"`
	MD5            string `json:"md5"`
	SHA1           string `json:"sha1"`
	SHA256         string `json:"sha256"`
	Type           string `json:"type"`
	Width          int    `json:"width"`
	Height         int    `json:"height"`
	PHash          string `json:"phash"`
	DHash          string `json:"dhash"`
	Category       string `json:"category"`
	CategorySource string `json:"category_source"`
	Kind           string `json:"kind"`
	MIME           string `json:"mime"`
	Inode          uint64 `json:"inode"`
	Mtime          string `json:"mtime"`
	Atime          string `json:"atime"`
	Ctime          string `json:"ctime"`
	Btime          string `json:"btime"`
	Error          string `json:"error"`
	VolumeOffset   int64  `json:"volume_offset"`
	VolumeType     string `json:"volume_type"`
	// Videos: seconds, codec and the number of hashed frames.
	Duration float64 `json:"duration"`
	Codec    string  `json:"codec"`
	Frames   int     `json:"frames"`
	// Embedded places: Path is the whole chain, Parent the occurrence key
	// of the file holding it (NUL separators shown as "\0"), ContainerPath
	// the member's name inside that file.
	Embedded      bool   `json:"embedded"`
	Parent        string `json:"parent"`
	ContainerPath string `json:"container_path"`
	// DevicePath is the path on the seized device as a phone extraction
	// names it ("" when none does); Path stays the stored place.
	DevicePath string `json:"device_path"`
	// Signals (filesignals.go): null in JSON and empty in CSV when the
	// models did not run on the content. Never a category.
	Faces         *int     `json:"faces"`
	MinFaceAge    *float64 `json:"min_face_age"`
	MaxFaceAge    *float64 `json:"max_face_age"`
	NudityPorn    *float64 `json:"nudity_porn"`
	NuditySexy    *float64 `json:"nudity_sexy"`
	NudityHentai  *float64 `json:"nudity_hentai"`
	NudityNeutral *float64 `json:"nudity_neutral"`
	NudityDrawing *float64 `json:"nudity_drawing"`
	SignalsModel  string   `json:"signals_model"`
}

// FileColumns is the CSV header, in the JSON field order.
var FileColumns = []string{"evidence", "volume", "fs", "path", "deleted", "carved", "offset", "size",
	"md5", "sha1", "sha256", "type", "width", "height", "phash", "dhash", "category", "category_source",
	"kind", "mime", "inode", "mtime", "atime", "ctime", "btime", "error", "volume_offset", "volume_type",
	"duration", "codec", "frames", "embedded", "parent", "container_path", "device_path",
	"faces", "min_face_age", "max_face_age", "nudity_porn", "nudity_sexy", "nudity_hentai", "nudity_neutral", "nudity_drawing", "signals_model"}

// EachFileRow streams every occurrence (of one evidence item when evidence is
// not empty) joined with its media. Duplicates of a large case sit far
// apart, so a cache of recent media misses on nearly every row: when the
// listing has many places per media of the case, every media is read once,
// in order, into a compact table; otherwise occurrences are taken a chunk
// at a time and the chunk's media read in SHA-256 order in one transaction.
// Rows are read and joined on a goroutine of their own, ahead of fn.
func EachFileRow(st *store.Store, evidence string, fn func(FileRow) error) error {
	fn, err := withSignals(st, fn)
	if err != nil {
		return err
	}
	return readAhead(func(emit func(FileRow) error) error { return eachFileRow(st, evidence, emit) }, fn)
}

func eachFileRow(st *store.Store, evidence string, fn func(FileRow) error) error {
	join, err := newMediaJoin(st, evidence)
	if err != nil {
		return err
	}
	return eachFileRowJoined(st, evidence, join, fn)
}

// eachFileRowJoined lists the rows, joined with join a run at a time. Rows
// read before an error are still handed to fn.
func eachFileRowJoined(st *store.Store, evidence string, join mediaJoin, fn func(FileRow) error) error {
	const run = 8192
	occs := make([]store.Occurrence, 0, run)
	flush := func() error {
		err := join(occs, func(r *FileRow) error { return fn(*r) })
		occs = occs[:0]
		return err
	}
	err := st.EachOccurrence(evidence, func(o store.Occurrence) error {
		occs = append(occs, o)
		if len(occs) == run {
			return flush()
		}
		return nil
	})
	if ferr := flush(); err == nil {
		err = ferr
	}
	return err
}

// mediaJoin turns a run of occurrences into rows joined with their media,
// handing each to fn in order (fn must not keep the row); it stops at fn's first error, or at a place
// whose content has no media record.
type mediaJoin func(occs []store.Occurrence, fn func(*FileRow) error) error

// newMediaJoin chooses how rows find their media: a listing with many
// places per media of the case reads every media once, in order, into a
// compact table; otherwise each run's media are read in SHA-256 order in
// one transaction.
func newMediaJoin(st *store.Store, evidence string) (mediaJoin, error) {
	s, err := st.Stats()
	if err != nil {
		return nil, err
	}
	places := s.Occurrences
	if evidence != "" {
		for _, e := range s.Evidence {
			if e.ID == evidence {
				places = e.Occurrences
			}
		}
	}
	if places >= tableRatio*s.Unique && places >= tableMin {
		t, err := loadMediaTable(st)
		if err != nil {
			return nil, fmt.Errorf("read media: %w", err)
		}
		return t.join, nil
	}
	return func(occs []store.Occurrence, fn func(*FileRow) error) error { return joinFromStore(st, occs, fn) }, nil
}

// A listing with at least tableRatio places per media of the case, and at
// least tableMin places, reads every media into a table first.
const (
	tableRatio = 3
	tableMin   = 100_000
)

// occurrenceRow is the row of a place before its media is joined. last
// holds the previous row's parent as stored and as shown: the members of
// one archive follow each other and share it.
func occurrenceRow(o *store.Occurrence, last *[2]string) FileRow {
	if o.Parent != last[0] {
		last[0], last[1] = o.Parent, strings.ReplaceAll(o.Parent, "\x00", `\0`)
	}
	return FileRow{Evidence: o.Evidence, Volume: o.Volume, VolumeOffset: o.VolumeOffset, VolumeType: o.VolumeType, FS: o.FS, Path: o.Path, Deleted: o.Deleted,
		Carved: o.Carved, Offset: o.Offset, Size: o.Size, SHA256: o.SHA256, Inode: o.Inode,
		Mtime: o.Mtime, Atime: o.Atime, Ctime: o.Ctime, Btime: o.Btime, Error: o.Error,
		Embedded: o.Embedded, Parent: last[1], ContainerPath: o.Member,
		DevicePath: o.DevicePath}
}

// join is the mediaJoin of a table.
func (t *mediaTable) join(occs []store.Occurrence, fn func(*FileRow) error) error {
	row := new(FileRow) // one for the run: fn does not keep it
	var parent [2]string
	for i := range occs {
		*row = occurrenceRow(&occs[i], &parent)
		if row.SHA256 != "" && !t.fill(row.SHA256, row) {
			return fmt.Errorf("case is inconsistent: no media record for %s", row.SHA256)
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	return nil
}

// joinFromStore is the mediaJoin that reads the media of occs from st.
func joinFromStore(st *store.Store, occs []store.Occurrence, fn func(*FileRow) error) error {
	media, err := st.MediaAndCategories(occurrenceSHAs(occs))
	if err != nil {
		return err
	}
	row := new(FileRow)
	var parent [2]string
	for i := range occs {
		*row = occurrenceRow(&occs[i], &parent)
		if row.SHA256 != "" {
			mc, ok := media[row.SHA256]
			if !ok {
				return fmt.Errorf("case is inconsistent: no media record for %s", row.SHA256)
			}
			m := mc.Media
			row.MD5, row.SHA1, row.Type, row.Kind, row.MIME = m.MD5, m.SHA1, m.Type, m.Kind, m.MIME
			row.Width, row.Height, row.PHash, row.DHash = m.Width, m.Height, m.PHash, m.DHash
			row.Category, row.CategorySource = mc.Category.Category, mc.Category.Source
			row.Duration, row.Codec, row.Frames = m.Duration, m.Codec, len(m.Frames)
			if row.Error == "" {
				row.Error = m.Error
			}
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	return nil
}

// occurrenceSHAs lists the distinct contents of occs in ascending order.
func occurrenceSHAs(occs []store.Occurrence) []string {
	shas := make([]string, 0, len(occs))
	for _, o := range occs {
		if o.SHA256 != "" {
			shas = append(shas, o.SHA256)
		}
	}
	slices.Sort(shas)
	return slices.Compact(shas)
}

// RowWriter writes file rows in one format.
type RowWriter interface {
	Write(FileRow) error
	// Close flushes; it does not close the underlying writer.
	Close() error
}

// NewRowWriter returns a writer for "jsonl" or "csv".
func NewRowWriter(w io.Writer, format string) (RowWriter, error) {
	switch format {
	case "jsonl", "json":
		return &jsonlWriter{w: w}, nil
	case "csv":
		if _, err := w.Write(csvHeader()); err != nil {
			return nil, err
		}
		return &csvWriter{w: w}, nil
	}
	return nil, fmt.Errorf("unknown format %q (want jsonl or csv)", format)
}

type jsonlWriter struct {
	w   io.Writer
	buf []byte
}

func (j *jsonlWriter) Write(r FileRow) error {
	if math.IsNaN(r.Duration) || math.IsInf(r.Duration, 0) {
		return fmt.Errorf("file row %s: duration %v is not a JSON number", r.Path, r.Duration)
	}
	j.buf = r.appendJSON(j.buf[:0])
	_, err := j.w.Write(j.buf)
	return err
}
func (j *jsonlWriter) Close() error { return nil }

type csvWriter struct {
	w   io.Writer
	buf []byte
}

func (c *csvWriter) Write(r FileRow) error {
	c.buf = r.appendCSV(c.buf[:0])
	_, err := c.w.Write(c.buf)
	return err
}
func (c *csvWriter) Close() error { return nil }
