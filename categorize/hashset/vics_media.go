package hashset

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// rawMedia is a VICS Media with every field kept raw: real exports write
// numbers, flags and categories as strings or as JSON values, so each field
// is interpreted leniently below. encoding/json matches keys without regard
// to case.
type rawMedia struct {
	MediaID, Category, MD5, SHA1, SHA256, PhotoDNA, MediaSize json.RawMessage
	Series, Comments, Tags, RelativeFilePath                  json.RawMessage
	VictimIdentified, OffenderIdentified                      json.RawMessage
	IsDistributed, IsPrecategorized                           json.RawMessage
	AlternativeHashes, MediaFiles                             json.RawMessage
	// Media is a case's Media array, met when an element of a Media set
	// turns out to be a case.
	Media json.RawMessage `json:"-"`
}

// rawFile is one entry of a Media's MediaFiles.
type rawFile struct {
	FileName, FilePath, MD5, SHA1, SHA256 json.RawMessage
}

// set stores one field found while walking an object key by key.
func (m *rawMedia) set(key string, raw json.RawMessage) {
	switch strings.ToLower(key) {
	case "mediaid":
		m.MediaID = raw
	case "category":
		m.Category = raw
	case "md5":
		m.MD5 = raw
	case "sha1":
		m.SHA1 = raw
	case "sha256":
		m.SHA256 = raw
	case "photodna":
		m.PhotoDNA = raw
	case "mediasize":
		m.MediaSize = raw
	case "series":
		m.Series = raw
	case "comments":
		m.Comments = raw
	case "tags":
		m.Tags = raw
	case "relativefilepath":
		m.RelativeFilePath = raw
	case "victimidentified":
		m.VictimIdentified = raw
	case "offenderidentified":
		m.OffenderIdentified = raw
	case "isdistributed":
		m.IsDistributed = raw
	case "isprecategorized":
		m.IsPrecategorized = raw
	case "alternativehashes":
		m.AlternativeHashes = raw
	case "mediafiles":
		m.MediaFiles = raw
	}
}

// scalar reads a JSON scalar as text: strings unquoted, numbers and booleans
// as written, null or absent as "". ok is false for objects and arrays or
// broken values.
func scalar(raw json.RawMessage) (s string, ok bool) {
	b, ok := scalarBytes(raw)
	return string(b), ok
}

// scalarBytes is scalar without a copy when the value has no escapes (a
// digest is read a million times per import).
func scalarBytes(raw json.RawMessage) (b []byte, ok bool) {
	raw = json.RawMessage(trimSpace(raw))
	if len(raw) == 0 || string(raw) == "null" {
		return nil, true
	}
	switch raw[0] {
	case '"':
		if len(raw) >= 2 && raw[len(raw)-1] == '"' && bytes.IndexByte(raw[1:len(raw)-1], '\\') < 0 {
			return raw[1 : len(raw)-1], true // no escapes: the common case
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, false
		}
		return []byte(s), true
	case '{', '[':
		return nil, false
	}
	return raw, true
}

// text is scalar with anything unusable read as "".
func text(raw json.RawMessage) string {
	s, _ := scalar(raw)
	return strings.TrimSpace(s)
}

// digests fills e from MD5/SHA1/SHA256 fields; ok is false when one is
// present but not a valid digest of its length.
func digests(e *Entry, md5, sha1, sha256 json.RawMessage) bool {
	for _, d := range [...]struct {
		raw json.RawMessage
		n   int
	}{{md5, md5Hex}, {sha1, sha1Hex}, {sha256, sha256Hex}} {
		s, ok := scalarBytes(d.raw)
		if !ok {
			return false
		}
		if len(s) == 0 {
			continue
		}
		hex, ok := normHex(s, d.n)
		if !ok {
			return false
		}
		setDigest(e, hex)
	}
	return true
}

func mediaEntry(m *rawMedia, model vicsModel, lean bool) (Entry, bool) {
	var e Entry
	if !digests(&e, m.MD5, m.SHA1, m.SHA256) {
		return e, false
	}
	if e.SHA256 == "" && !altSHA256(&e, m.AlternativeHashes) {
		return e, false
	}
	var files []rawFile
	if len(m.MediaFiles) > 0 && (!lean || !hasDigest(&e)) {
		files = mediaFiles(m.MediaFiles) // another shape: no files
	}
	if !hasDigest(&e) {
		// Case exports may keep the digest on the files only.
		for _, f := range files {
			if !digests(&e, f.MD5, f.SHA1, f.SHA256) {
				return e, false
			}
			if hasDigest(&e) {
				break
			}
		}
	}
	if !hasDigest(&e) {
		return e, false
	}
	src, _ := scalar(m.Category)
	e.SourceCategory = src
	e.Code = model.code(src)
	if lean {
		return e, true
	}
	e.MediaID = text(m.MediaID)
	e.PhotoDNA = text(m.PhotoDNA)
	e.Series = text(m.Series)
	e.Comments = text(m.Comments)
	e.Tags = tags(m.Tags)
	if n, err := strconv.ParseFloat(text(m.MediaSize), 64); err == nil && n > 0 && n < 1<<62 {
		e.Size = int64(n)
	}
	e.VictimIdentified = parseFlag(text(m.VictimIdentified))
	e.OffenderIdentified = parseFlag(text(m.OffenderIdentified))
	e.IsDistributed = parseFlag(text(m.IsDistributed))
	e.IsPrecategorized = parseFlag(text(m.IsPrecategorized))
	for _, f := range files {
		if e.FileName = text(f.FileName); e.FileName == "" {
			e.FileName = baseName(text(f.FilePath))
		}
		if e.FileName != "" {
			break
		}
	}
	if e.FileName == "" {
		e.FileName = baseName(text(m.RelativeFilePath))
	}
	return e, true
}

// altSHA256 takes a SHA-256 from VICS 2.0 AlternativeHashes
// ([{"HashName":"SHA256","HashValue":"..."}]); other hash names are ignored.
func altSHA256(e *Entry, raw json.RawMessage) bool {
	if len(raw) == 0 {
		return true
	}
	var list []struct{ HashName, HashValue json.RawMessage }
	if json.Unmarshal(raw, &list) != nil {
		return true // not the documented shape: nothing to use
	}
	for _, h := range list {
		name := strings.ToUpper(strings.ReplaceAll(text(h.HashName), "-", ""))
		if name != "SHA256" {
			continue
		}
		hex, ok := normHex([]byte(text(h.HashValue)), sha256Hex)
		if !ok {
			return false
		}
		e.SHA256 = hex
		return true
	}
	return true
}

// tags accepts a JSON array of strings or one string separated by commas
// or semicolons.
func tags(raw json.RawMessage) []string {
	var out []string
	if t := trimSpace(raw); len(t) > 0 && t[0] == '[' {
		var list []json.RawMessage
		if json.Unmarshal(raw, &list) == nil {
			for _, item := range list {
				if s, ok := scalar(item); ok && strings.TrimSpace(s) != "" {
					out = append(out, strings.TrimSpace(s))
				}
			}
		}
		return out
	}
	s, _ := scalar(raw)
	for _, t := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// baseName takes the last element of a Windows or Unix path.
func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}
