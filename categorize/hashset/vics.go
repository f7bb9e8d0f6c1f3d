package hashset

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxDepth bounds nesting when skipping values the reader does not need.
const maxDepth = 64

// ReadVICS reads a Project VIC VICS JSON file, 1.x or 2.0, hash-set shape
// ("value" is an array of Media) or case shape ("value" is an array of cases
// each holding a "Media" array). The decoder walks tokens to the arrays and
// decodes one Media object at a time, so memory does not grow with the file.
//
// A Media without a usable digest, or with an invalid one, is counted bad.
// A JSON syntax error cannot be stepped over: reading stops with an error
// after the entries already handed to fn.
func ReadVICS(r io.Reader, opt Options, fn func(Entry) error) (sum Summary, err error) {
	defer guard("vics", &err)
	sum = Summary{Format: "vics"}
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(512)
	if what := sniffMagic(head); what != "" {
		return sum, fmt.Errorf("vics: not a Project VIC JSON file: the file is %s", what)
	}
	if bytes.HasPrefix(head, utf8BOM) {
		br.Discard(len(utf8BOM))
	}
	v := &vicsReader{dec: json.NewDecoder(br), br: br, fn: fn, sum: &sum, lean: opt.DigestsOnly}
	v.dec.UseNumber()
	err = v.document()
	return sum, err
}

type vicsReader struct {
	dec      *json.Decoder
	br       io.Reader // what dec reads from
	fn       func(Entry) error
	sum      *Summary
	model    *vicsModel
	sawValue bool
	lean     bool // Options.DigestsOnly
	// mediaSet: the context names a Media entity set ("...#Media"), so the
	// elements of "value" are Media, decoded whole (see mediaValues).
	mediaSet bool
}

func (v *vicsReader) document() error {
	tok, err := v.dec.Token()
	if err != nil {
		return fmt.Errorf("vics: not a JSON document: %w", err)
	}
	if tok != json.Delim('{') {
		return fmt.Errorf("vics: not a Project VIC file: the JSON is not an object")
	}
	for v.dec.More() {
		tok, err := v.dec.Token()
		if err != nil {
			return v.syntax(err)
		}
		key, _ := tok.(string)
		switch strings.ToLower(key) {
		case "odata.metadata", "@odata.context":
			tok, err := v.dec.Token()
			if err != nil {
				return v.syntax(err)
			}
			url, _ := tok.(string)
			if d, ok := tok.(json.Delim); ok {
				if err := v.skip(d); err != nil {
					return err
				}
			}
			variant, model := parseContext(key, url)
			if v.model == nil {
				v.model = &model
				v.sum.Variant, v.sum.Vocabulary = variant, model.Vocab
				v.mediaSet = strings.HasSuffix(strings.ToLower(url), "#media")
			}
		case "value":
			if v.model == nil {
				return fmt.Errorf(`vics: not a Project VIC file: "value" is not preceded by "odata.metadata" (VICS 1.x) or "@odata.context" (VICS 2.0)`)
			}
			v.sawValue = true
			if err := v.values(); err != nil {
				return err
			}
		default:
			if err := v.skipValue(); err != nil {
				return err
			}
		}
	}
	if !v.sawValue {
		if v.model == nil {
			return fmt.Errorf(`vics: not a Project VIC file: no "odata.metadata"/"@odata.context" key and no "value" array`)
		}
		return fmt.Errorf(`vics: not a Project VIC file: no "value" array`)
	}
	return nil
}

// values walks the top-level array: Media objects, or cases holding Media.
func (v *vicsReader) values() error {
	tok, err := v.dec.Token()
	if err != nil {
		return v.syntax(err)
	}
	if tok != json.Delim('[') {
		return fmt.Errorf(`vics: not a Project VIC file: "value" is not an array`)
	}
	if v.mediaSet {
		return v.scanMediaValues()
	}
	for v.dec.More() {
		tok, err := v.dec.Token()
		if err != nil {
			return v.syntax(err)
		}
		if tok != json.Delim('{') {
			v.sum.Records++
			v.sum.bad(int(v.sum.Records))
			if d, ok := tok.(json.Delim); ok {
				if err := v.skip(d); err != nil {
					return err
				}
			}
			continue
		}
		if err := v.element(); err != nil {
			return err
		}
	}
	_, err = v.dec.Token() // ']'
	if err != nil {
		return v.syntax(err)
	}
	return nil
}

// element reads one object of "value" after its '{'. Keys are kept raw
// until the end tells whether it was a case (it had a Media array, which is
// streamed) or a Media itself.
func (v *vicsReader) element() error {
	var m rawMedia
	isCase := false
	for v.dec.More() {
		tok, err := v.dec.Token()
		if err != nil {
			return v.syntax(err)
		}
		key, _ := tok.(string)
		lk := strings.ToLower(key)
		if lk == "media" {
			tok, err := v.dec.Token()
			if err != nil {
				return v.syntax(err)
			}
			if tok == json.Delim('[') {
				isCase = true
				if err := v.mediaArray(); err != nil {
					return err
				}
			} else if d, ok := tok.(json.Delim); ok {
				if err := v.skip(d); err != nil {
					return err
				}
			}
			continue
		}
		var raw json.RawMessage
		if err := v.dec.Decode(&raw); err != nil {
			return v.syntax(err)
		}
		if !isCase {
			m.set(lk, raw)
		}
	}
	if _, err := v.dec.Token(); err != nil { // '}'
		return v.syntax(err)
	}
	if isCase {
		return nil
	}
	v.sum.Records++
	return v.media(&m)
}

// mediaArray streams a case's Media array after its '['.
func (v *vicsReader) mediaArray() error {
	for v.dec.More() {
		var m rawMedia
		if err := v.dec.Decode(&m); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) { // not an object: the stream is intact
				v.sum.Records++
				v.sum.bad(int(v.sum.Records))
				continue
			}
			return v.syntax(err)
		}
		v.sum.Records++
		if err := v.media(&m); err != nil {
			return err
		}
	}
	_, err := v.dec.Token() // ']'
	if err != nil {
		return v.syntax(err)
	}
	return nil
}

// media converts one Media and hands it on, or counts it bad.
func (v *vicsReader) media(m *rawMedia) error {
	rec := int(v.sum.Records)
	e, ok := mediaEntry(m, *v.model, v.lean)
	if !ok {
		v.sum.bad(rec)
		return nil
	}
	e.Line = rec
	if err := v.sum.emit(v.fn, e); err != nil {
		return fmt.Errorf("vics: %w", err)
	}
	return nil
}

func (v *vicsReader) skipValue() error {
	tok, err := v.dec.Token()
	if err != nil {
		return v.syntax(err)
	}
	if d, ok := tok.(json.Delim); ok {
		return v.skip(d)
	}
	return nil
}

// skip consumes the rest of an array or object whose opening d was read.
func (v *vicsReader) skip(d json.Delim) error {
	if d != '{' && d != '[' {
		return nil
	}
	depth := 1
	for depth > 0 {
		tok, err := v.dec.Token()
		if err != nil {
			return v.syntax(err)
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
			if depth > maxDepth {
				return fmt.Errorf("vics: after record %d: JSON nested deeper than %d levels", v.sum.Records, maxDepth)
			}
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}

func (v *vicsReader) syntax(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("vics: after record %d: file ends inside the JSON (truncated?)", v.sum.Records)
	}
	return fmt.Errorf("vics: after record %d: %w", v.sum.Records, err)
}
