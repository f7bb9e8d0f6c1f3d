package court

import (
	"encoding/hex"
	"fmt"
	"time"
)

// Index describes a bundle's content. It is stored encrypted, after the data.
type Index struct {
	Format     string        `json:"format"` // "scrim-court"
	Version    int           `json:"version"`
	CaseName   string        `json:"case_name"`
	CaseNumber string        `json:"case_number,omitempty"`
	CreatedAt  time.Time     `json:"created_at"`
	CreatedBy  string        `json:"created_by"`
	Generator  string        `json:"generator,omitempty"`
	Scheme     Scheme        `json:"scheme"`
	Categories []string      `json:"categories"` // the chosen category codes
	Media      []MediaEntry  `json:"media"`
	Attached   []AttachEntry `json:"attachments"`
	// Notes are facts about the export the reader should know (a report
	// replaced by a plain summary, media left out).
	Notes []string `json:"notes,omitempty"`
}

// Scheme is the category scheme of the case, as labels for the viewer.
type Scheme struct {
	ID         string           `json:"id"`
	Name       string           `json:"name"`
	Categories []SchemeCategory `json:"categories"`
}

// SchemeCategory is one category of the scheme.
type SchemeCategory struct {
	Code     string `json:"code"`
	Label    string `json:"label"`
	Illegal  bool   `json:"illegal"`
	Severity int    `json:"severity"`
}

// Blob is a byte range of the decrypted content stream.
type Blob struct {
	Offset int64 `json:"offset"`
	Length int64 `json:"length"`
}

// Original sources.
const (
	SourceEvidence  = "evidence"  // the original bytes, read back from the evidence
	SourceThumbnail = "thumbnail" // the original could not be read back: thumbnail only
)

// MediaEntry is one media of the bundle.
type MediaEntry struct {
	SHA256         string  `json:"sha256"`
	MD5            string  `json:"md5"`
	SHA1           string  `json:"sha1"`
	Size           int64   `json:"size"`
	Type           string  `json:"type"`
	Kind           string  `json:"kind"`
	MIME           string  `json:"mime"`
	Width          int     `json:"width,omitempty"`
	Height         int     `json:"height,omitempty"`
	Category       string  `json:"category"`
	CategoryLabel  string  `json:"category_label"`
	CategorySource string  `json:"category_source"`
	Occurrences    int     `json:"occurrences"`
	Places         []Place `json:"places,omitempty"` // the first maxPlaces of them
	// OriginalSource is SourceEvidence when Original holds the file's own
	// bytes, SourceThumbnail otherwise (OriginalNote says why).
	OriginalSource  string `json:"original_source"`
	OriginalFrom    string `json:"original_from,omitempty"` // evidence:path it was read from
	OriginalNote    string `json:"original_note,omitempty"`
	Original        Blob   `json:"original"`
	Thumbnail       Blob   `json:"thumbnail"`
	ThumbnailSHA256 string `json:"thumbnail_sha256,omitempty"`
}

// Place is one occurrence of a media in the evidence.
type Place struct {
	Evidence string `json:"evidence"`
	Volume   string `json:"volume,omitempty"`
	Path     string `json:"path"`
	Deleted  bool   `json:"deleted,omitempty"`
	Carved   bool   `json:"carved,omitempty"`
	Offset   int64  `json:"offset,omitempty"`
	// DevicePath is the path on the seized device a phone extraction gives.
	DevicePath string `json:"device_path,omitempty"`
}

const maxPlaces = 50

// AttachEntry is one attached file (the report).
type AttachEntry struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Blob
}

// validate checks the index against the data it points into, so a reader
// never follows an offset outside the content.
func (ix *Index) validate(dataLen int64) error {
	if ix.Format != "scrim-court" || ix.Version != Version {
		return fmt.Errorf("%w: index format %q version %d", ErrCorrupt, ix.Format, ix.Version)
	}
	inRange := func(b Blob) bool {
		return b.Offset >= 0 && b.Length >= 0 && b.Offset <= dataLen && b.Length <= dataLen-b.Offset
	}
	seen := make(map[string]bool, len(ix.Media))
	for _, m := range ix.Media {
		if !isHexDigest(m.SHA256, 32) || seen[m.SHA256] {
			return fmt.Errorf("%w: index names media %q twice or badly", ErrCorrupt, m.SHA256)
		}
		seen[m.SHA256] = true
		if !inRange(m.Original) || !inRange(m.Thumbnail) {
			return fmt.Errorf("%w: media %s points outside the content", ErrCorrupt, m.SHA256)
		}
		if m.OriginalSource == SourceEvidence && m.Original.Length != m.Size {
			return fmt.Errorf("%w: media %s stored with %d bytes, recorded size %d", ErrCorrupt, m.SHA256, m.Original.Length, m.Size)
		}
	}
	names := make(map[string]bool, len(ix.Attached))
	for _, a := range ix.Attached {
		if a.Name == "" || names[a.Name] || !inRange(a.Blob) {
			return fmt.Errorf("%w: attachment %q", ErrCorrupt, a.Name)
		}
		names[a.Name] = true
	}
	return nil
}

func isHexDigest(s string, n int) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == n && hex.EncodeToString(b) == s
}
