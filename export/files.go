// Package export turns the case store into things people and other tools
// read. files.go: the per-occurrence listing behind `scrim files`.
package export

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
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
}

// FileColumns is the CSV header, in the JSON field order.
var FileColumns = []string{"evidence", "volume", "fs", "path", "deleted", "carved", "offset", "size",
	"md5", "sha1", "sha256", "type", "width", "height", "phash", "dhash", "category", "category_source",
	"kind", "mime", "inode", "mtime", "atime", "ctime", "btime", "error", "volume_offset", "volume_type",
	"duration", "codec", "frames", "embedded", "parent", "container_path", "device_path"}

func (r FileRow) csvRecord() []string {
	return []string{r.Evidence, r.Volume, r.FS, r.Path, strconv.FormatBool(r.Deleted), strconv.FormatBool(r.Carved),
		strconv.FormatInt(r.Offset, 10), strconv.FormatInt(r.Size, 10), r.MD5, r.SHA1, r.SHA256, r.Type,
		strconv.Itoa(r.Width), strconv.Itoa(r.Height), r.PHash, r.DHash, r.Category, r.CategorySource,
		r.Kind, r.MIME, strconv.FormatUint(r.Inode, 10), r.Mtime, r.Atime, r.Ctime, r.Btime, r.Error,
		strconv.FormatInt(r.VolumeOffset, 10), r.VolumeType,
		strconv.FormatFloat(r.Duration, 'f', -1, 64), r.Codec, strconv.Itoa(r.Frames),
		strconv.FormatBool(r.Embedded), r.Parent, r.ContainerPath, r.DevicePath}
}

// EachFileRow streams every occurrence (of one evidence item when evidence is
// not empty) joined with its media. Memory stays flat: media are looked up
// per row through a small cache, since duplicates tend to sit close together.
func EachFileRow(st *store.Store, evidence string, fn func(FileRow) error) error {
	cache := newMediaCache(st, 4096)
	return st.EachOccurrence(evidence, func(o store.Occurrence) error {
		row := FileRow{Evidence: o.Evidence, Volume: o.Volume, VolumeOffset: o.VolumeOffset, VolumeType: o.VolumeType, FS: o.FS, Path: o.Path, Deleted: o.Deleted,
			Carved: o.Carved, Offset: o.Offset, Size: o.Size, SHA256: o.SHA256, Inode: o.Inode,
			Mtime: o.Mtime, Atime: o.Atime, Ctime: o.Ctime, Btime: o.Btime, Error: o.Error,
			Embedded: o.Embedded, Parent: strings.ReplaceAll(o.Parent, "\x00", `\0`), ContainerPath: o.Member,
			DevicePath: o.DevicePath}
		if o.SHA256 != "" {
			mc, err := cache.get(o.SHA256)
			if err != nil {
				return err
			}
			m := mc.media
			row.MD5, row.SHA1, row.Type, row.Kind, row.MIME = m.MD5, m.SHA1, m.Type, m.Kind, m.MIME
			row.Width, row.Height, row.PHash, row.DHash = m.Width, m.Height, m.PHash, m.DHash
			row.Category, row.CategorySource = mc.cat.Category, mc.cat.Source
			row.Duration, row.Codec, row.Frames = m.Duration, m.Codec, len(m.Frames)
			if row.Error == "" {
				row.Error = m.Error
			}
		}
		return fn(row)
	})
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
		return &jsonlWriter{enc: json.NewEncoder(w)}, nil
	case "csv":
		cw := csv.NewWriter(w)
		if err := cw.Write(FileColumns); err != nil {
			return nil, err
		}
		return &csvWriter{w: cw}, nil
	}
	return nil, fmt.Errorf("unknown format %q (want jsonl or csv)", format)
}

type jsonlWriter struct{ enc *json.Encoder }

func (j *jsonlWriter) Write(r FileRow) error { return j.enc.Encode(r) }
func (j *jsonlWriter) Close() error          { return nil }

type csvWriter struct{ w *csv.Writer }

func (c *csvWriter) Write(r FileRow) error { return c.w.Write(r.csvRecord()) }
func (c *csvWriter) Close() error          { c.w.Flush(); return c.w.Error() }
