package store

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Evidence is one item handed in by an examiner: a seized folder, file or disk image.
type Evidence struct {
	ID            string    `json:"id"`
	Path          string    `json:"path"`   // absolute source path
	Format        string    `json:"format"` // directory, file, raw, ewf, ...
	Size          int64     `json:"size"`   // container size, 0 for folders
	Examiner      string    `json:"examiner"`
	FirstIngested time.Time `json:"first_ingested"`
	LastIngested  time.Time `json:"last_ingested"`
	// Status is "in progress" while a run goes (or after its process died),
	// "interrupted" when the last run stopped early, "complete" when it saw
	// every entry (ingest.Status*).
	Status string `json:"status"`
	// Segments are the files of a multi-file container, in order.
	Segments []string `json:"segments,omitempty"`
	// StoredHashes are the acquisition digests the container carries
	// ("md5", "sha1"); Verification says whether the media still matches them.
	StoredHashes map[string]string `json:"stored_hashes,omitempty"`
	Verification *Verification     `json:"verification,omitempty"`
	// Notes are problems met while opening the evidence (a missing segment,
	// a damaged partition table) that did not stop the ingest.
	Notes []string `json:"notes,omitempty"`
}

// Verification is the outcome of recomputing a container's acquisition hashes.
type Verification struct {
	Status   string            `json:"status"` // "verified", "mismatch", "no stored hash", "unreadable"
	Computed map[string]string `json:"computed"`
	At       time.Time         `json:"at"`
	Detail   string            `json:"detail,omitempty"`
}

// Media is what follows from one unique content (one SHA-256), whatever its name.
type Media struct {
	SHA256  string `json:"sha256"`
	MD5     string `json:"md5"`
	SHA1    string `json:"sha1"`
	Size    int64  `json:"size"`
	Type    string `json:"type"` // by content: jpeg, png, mp4, ...
	Kind    string `json:"kind"` // picture, video, other
	MIME    string `json:"mime"`
	Width   int    `json:"width,omitempty"`
	Height  int    `json:"height,omitempty"`
	PHash   string `json:"phash,omitempty"` // 16 lower-case hex digits
	DHash   string `json:"dhash,omitempty"`
	Decoder string `json:"decoder,omitempty"`
	// Error says why a picture could not be decoded (corrupt, truncated, too large).
	Error string `json:"error,omitempty"`
	// Duration (seconds), Codec and Frames describe videos; Width and
	// Height above are the video's frame size.
	Duration float64 `json:"duration,omitempty"`
	Codec    string  `json:"codec,omitempty"`
	Frames   []Frame `json:"frames,omitempty"`
}

// Frame is one sampled video frame, hashed like a picture.
type Frame struct {
	At    float64 `json:"at"`    // seconds from the start of the video
	PHash string  `json:"phash"` // 16 lower-case hex digits
	DHash string  `json:"dhash"`
}

// Occurrence is one place a content was found.
type Occurrence struct {
	Evidence string `json:"evidence"`
	Volume   string `json:"volume"`
	// VolumeOffset and VolumeType say where the volume sits and what the
	// partition table calls it ("0x07", a GPT type GUID); zero for folders.
	VolumeOffset int64  `json:"volume_offset,omitempty"`
	VolumeType   string `json:"volume_type,omitempty"`
	FS           string `json:"fs"`
	Path         string `json:"path"`
	Inode        uint64 `json:"inode,omitempty"`
	Deleted      bool   `json:"deleted"`
	Carved       bool   `json:"carved"`
	Offset       int64  `json:"offset"`
	Size         int64  `json:"size"`
	Mtime        string `json:"mtime,omitempty"` // RFC 3339, UTC
	Atime        string `json:"atime,omitempty"`
	Ctime        string `json:"ctime,omitempty"`
	Btime        string `json:"btime,omitempty"`
	SHA256       string `json:"sha256"` // empty when the content could not be read
	// Error says why the content could not be read; the place is kept anyway.
	Error string `json:"error,omitempty"`
	// Embedded places are members of another file (an archive, a
	// compressed stream, a picture hidden in other bytes). Path is then the
	// whole chain ("/archive/file8.zip » file8.jpg"), Parent the occurrence
	// key of the file holding it and Member its name inside that file.
	Embedded bool   `json:"embedded,omitempty"`
	Parent   string `json:"parent,omitempty"`
	Member   string `json:"member,omitempty"`
	// DevicePath is the path on the seized device as the extraction
	// report gives it (a UFDR's report.xml, an iTunes backup's
	// Manifest.db, a phone's file tree in a TAR or ZIP). It is only shown:
	// read-back goes by Path and Member, which name the stored bytes.
	DevicePath string `json:"device_path,omitempty"`
}

// ChainSeparator joins the names of a chain of embedded places.
const ChainSeparator = " » "

// Category is the effective category of a media now and who or what set it.
type Category struct {
	Category string    `json:"category"`
	Source   string    `json:"source"` // Provenance.String(); read it with Provenance()
	At       time.Time `json:"at"`
	// Conflict lists the disagreeing hash-set categories ("1 by setA", "5 by setB")
	// until an examiner decides; the stricter category is shown meanwhile.
	Conflict []string `json:"conflict,omitempty"`
}

// FormatTime renders a timestamp the way occurrences store it.
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// OccurrenceKey identifies a place in the evidence. It is built from where
// the file is, not what it holds, so the same place always maps to the same
// record: a resumed or repeated ingest finds what it already did.
func OccurrenceKey(o Occurrence) string {
	if o.Offset < 0 {
		return occurrenceKeyPrintf(o) // %016x of a negative number: rare, left to fmt
	}
	// Built by hand: an ingest makes this key a few times per file, and
	// fmt was a visible part of the small-file profile. The bytes are
	// the same as occurrenceKeyPrintf's (TestOccurrenceKeyLikePrintf).
	var b []byte
	if o.Embedded {
		// The parent's key plus the member: stable across runs, and read
		// like the others from its end (flag, offset, inode).
		b = make([]byte, 0, len(o.Parent)+len(o.Member)+38)
		b = append(b, o.Parent...)
		b = append(b, 0)
		b = append(b, o.Member...)
		b = append(b, 0, 'E', 0)
	} else {
		b = make([]byte, 0, len(o.Evidence)+len(o.Volume)+len(o.Path)+40)
		b = append(b, o.Evidence...)
		b = append(b, 0)
		b = append(b, o.Volume...)
		b = append(b, 0)
		b = append(b, o.Path...)
		b = append(b, 0, occurrenceFlag(o), 0)
	}
	b = appendHex16(b, uint64(o.Offset))
	b = append(b, 0)
	b = appendHex16(b, o.Inode)
	return string(b)
}

// occurrenceFlag is the key's letter for how a place was found.
func occurrenceFlag(o Occurrence) byte {
	switch {
	case o.Carved:
		return 'C'
	case o.Deleted:
		return 'D'
	}
	return 'L'
}

// occurrenceKeyPrintf is OccurrenceKey as it was first written, with fmt.
func occurrenceKeyPrintf(o Occurrence) string {
	if o.Embedded {
		return fmt.Sprintf("%s\x00%s\x00E\x00%016x\x00%016x", o.Parent, o.Member, o.Offset, o.Inode)
	}
	return fmt.Sprintf("%s\x00%s\x00%s\x00%c\x00%016x\x00%016x", o.Evidence, o.Volume, o.Path, occurrenceFlag(o), o.Offset, o.Inode)
}

// appendHex16 appends v as 16 lower-case hex digits, zero-padded (%016x).
func appendHex16(b []byte, v uint64) []byte {
	const digits = "0123456789abcdef"
	for shift := 60; shift >= 0; shift -= 4 {
		b = append(b, digits[v>>uint(shift)&0xf])
	}
	return b
}

func evidenceOfOccurrenceKey(k string) string {
	ev, _, _ := strings.Cut(k, "\x00")
	return ev
}

func keyEvidence(id string) []byte       { return []byte("e/" + id) }
func keyEvidencePath(p string) []byte    { return []byte("ep/" + p) }
func keyMedia(sha string) []byte         { return []byte("m/" + sha) }
func keyThumb(sha string) []byte         { return []byte("t/" + sha) }
func keyMD5(md5 string) []byte           { return []byte("i/md5/" + md5) }
func keySHA1(sha1 string) []byte         { return []byte("i/sha1/" + sha1) }
func keyWhere(occKey string) []byte      { return []byte("w/" + occKey) }
func keyOccIndex(sha, occ string) []byte { return []byte("o/" + sha + "/" + occ) }
func keyCategory(sha string) []byte      { return []byte("c/" + sha) }

// SourceKind says who or what set a media's effective category.
type SourceKind string

// The kinds of Provenance; they are also the Assignment kinds.
const (
	FromExaminer   SourceKind = "examiner"
	FromHashSet    SourceKind = "hashset"
	FromSuggestion SourceKind = "suggested"
)

// Provenance is who or what set a media's effective category, as a typed
// value instead of text to parse. Category.Source stores its String(), the
// text Scrim always wrote ("examiner:NAME", "hashset:NAME",
// "suggested:SHA256 (d=3)"), so records already on disk and the
// category_source field of `scrim files` read the same.
type Provenance struct {
	Kind     SourceKind
	Name     string // examiner or hash-set name
	From     string // suggestions: the SHA-256 of the media the category comes from
	Distance int    // suggestions: pHash bits; -1 when the text carried none
}

// Examiner is the provenance of an examiner's decision.
func Examiner(name string) Provenance { return Provenance{Kind: FromExaminer, Name: name} }

// HashSetSource is the provenance of a hash-set match.
func HashSetSource(set string) Provenance { return Provenance{Kind: FromHashSet, Name: set} }

// Suggestion is the provenance of a near-duplicate suggestion.
func Suggestion(from string, distance int) Provenance {
	return Provenance{Kind: FromSuggestion, From: from, Distance: distance}
}

// Decided tells whether a person or a hash set stands behind the category,
// as opposed to the machine's guess.
func (p Provenance) Decided() bool {
	return p.Kind == FromExaminer || p.Kind == FromHashSet || (p.Kind == FromLab && !p.LabNear())
}

// String renders the provenance as stored text.
func (p Provenance) String() string {
	switch {
	case p.Kind == FromSuggestion && p.Distance >= 0:
		return fmt.Sprintf("%s:%s (d=%d)", p.Kind, p.From, p.Distance)
	case p.Kind == FromSuggestion:
		return string(p.Kind) + ":" + p.From
	case p.Kind == "":
		return p.Name
	}
	return string(p.Kind) + ":" + p.Name
}

// ParseProvenance reads the stored text back. Text it does not recognise
// keeps its kind (the part before ':') and name, so String gives it back
// unchanged and nothing is lost.
func ParseProvenance(s string) Provenance {
	kind, rest, ok := strings.Cut(s, ":")
	if !ok || kind == "" {
		return Provenance{Name: s}
	}
	if SourceKind(kind) != FromSuggestion {
		return Provenance{Kind: SourceKind(kind), Name: rest}
	}
	p := Provenance{Kind: FromSuggestion, From: rest, Distance: -1}
	if i := strings.LastIndex(rest, " (d="); i >= 0 && strings.HasSuffix(rest, ")") {
		digits := rest[i+len(" (d=") : len(rest)-1]
		if d, err := strconv.Atoi(digits); err == nil && d >= 0 && strconv.Itoa(d) == digits {
			p.From, p.Distance = rest[:i], d
		}
	}
	return p
}

// Provenance is who or what set the category.
func (c Category) Provenance() Provenance { return ParseProvenance(c.Source) }
